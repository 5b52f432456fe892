/* secinfo: kinds by name and the orders they are tried in; the facts about each kind are in
 * its row of the method table (method.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "kind.h"
#include "method.h"

static const int secinfo_order_2fa[] = {SECINFO_KIND_KEY, SECINFO_KIND_APP, SECINFO_KIND_SMS,
					SECINFO_KIND_CALL, -1};
static const int secinfo_order_reset[] = {SECINFO_KIND_KEY,
					  SECINFO_KIND_APP,
					  SECINFO_KIND_SMS,
					  SECINFO_KIND_CALL,
					  SECINFO_KIND_EMAIL,
					  SECINFO_KIND_QUESTIONS,
					  -1};

const char *
secinfo_kind_name(enum secinfo_kind kind)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	return ops != NULL ? ops->name : "unknown";
}

int
secinfo_kind_parse(const char *name)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops_by_name(name);

	return ops != NULL ? (int)ops->kind : -1;
}

unsigned
secinfo_kind_purposes(enum secinfo_kind kind)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	return ops != NULL ? ops->purposes : 0;
}

enum secinfo_detail_form
secinfo_kind_detail_form(enum secinfo_kind kind)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	return ops != NULL ? ops->detail_form : SECINFO_DETAIL_NONE;
}

int
secinfo_kind_can_be_default(enum secinfo_kind kind)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	return ops != NULL && (ops->purposes & SECINFO_PURPOSE_2FA) && !ops->temporary;
}

int
secinfo_kind_is_temporary(enum secinfo_kind kind)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	return ops != NULL && ops->temporary;
}

int
secinfo_kind_has_otp(enum secinfo_kind kind)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	return ops != NULL && ops->has_otp;
}

const int *
secinfo_kind_fallback_order(enum secinfo_purpose purpose)
{
	return purpose == SECINFO_PURPOSE_RESET ? secinfo_order_reset : secinfo_order_2fa;
}

int
secinfo_kind_parse_list(const char *list, unsigned *mask, const char **bad)
{
	char word[32];
	size_t n;

	*mask = 0;
	while (*list != '\0') {
		n = strcspn(list, " \t,");
		if (n > 0) {
			snprintf(word, sizeof(word), "%.*s", (int)(n < 31 ? n : 31), list);
			int k = n < sizeof(word) ? secinfo_kind_parse(word) : -1;
			if (k < 0) {
				if (bad != NULL)
					*bad = list;
				return SECINFO_ERR_CONFIG;
			}
			*mask |= SECINFO_KIND_BIT(k);
		}
		list += n;
		list += strspn(list, " \t,");
	}
	return 0;
}
