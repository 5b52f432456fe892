#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "kind.h"

static const struct {
	const char *name;
	unsigned purposes;
} secinfo_kind_table[SECINFO_KIND_COUNT] = {
	[SECINFO_KIND_APP] = {"app", SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET},
	[SECINFO_KIND_SMS] = {"sms", SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET},
	[SECINFO_KIND_CALL] = {"call", SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET},
	[SECINFO_KIND_KEY] = {"key", SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET},
	[SECINFO_KIND_EMAIL] = {"email", SECINFO_PURPOSE_RESET},
	[SECINFO_KIND_QUESTIONS] = {"questions", SECINFO_PURPOSE_RESET},
};

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
	if ((unsigned)kind >= SECINFO_KIND_COUNT)
		return "unknown";
	return secinfo_kind_table[kind].name;
}

int
secinfo_kind_parse(const char *name)
{
	for (int k = 0; k < SECINFO_KIND_COUNT; k++)
		if (strcmp(name, secinfo_kind_table[k].name) == 0)
			return k;
	return -1;
}

unsigned
secinfo_kind_purposes(enum secinfo_kind kind)
{
	if ((unsigned)kind >= SECINFO_KIND_COUNT)
		return 0;
	return secinfo_kind_table[kind].purposes;
}

enum secinfo_detail_form
secinfo_kind_detail_form(enum secinfo_kind kind)
{
	switch (kind) {
	case SECINFO_KIND_APP:
	case SECINFO_KIND_KEY: return SECINFO_DETAIL_SECRET;
	case SECINFO_KIND_SMS:
	case SECINFO_KIND_CALL:
	case SECINFO_KIND_EMAIL: return SECINFO_DETAIL_TEXT;
	default: return SECINFO_DETAIL_NONE;
	}
}

int
secinfo_kind_has_otp(enum secinfo_kind kind)
{
	return kind == SECINFO_KIND_APP;
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
