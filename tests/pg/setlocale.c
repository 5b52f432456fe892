/*
 * secinfo tests: a preloaded library that sets the locale from the environment when the
 * process starts, as sudo, su and passwd do (pamdrive does not): tests/pg/backend.sh checks
 * that libpq's messages never take their format from the invoking user's catalogue.
 */
#include <locale.h>

__attribute__((constructor)) static void
secinfo_test_setlocale(void)
{
	setlocale(LC_ALL, "");
}
