#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "error.h"
#include "escape.h"

void
secinfo_admin_table_init(struct secinfo_admin_table *table, size_t columns,
			 const char *const *headings)
{
	memset(table, 0, sizeof(*table));
	table->columns = columns;
	secinfo_admin_table_add(table, headings);
}

void
secinfo_admin_table_add(struct secinfo_admin_table *table, const char *const *cells)
{
	char **grown, escaped[1024];

	if (table->failed)
		return;
	grown = realloc(table->cells, (table->rows + 1) * table->columns * sizeof(*grown));
	if (grown == NULL) {
		table->failed = 1;
		return;
	}
	table->cells = grown;
	for (size_t c = 0; c < table->columns; c++) {
		/* Names and hosts come from PAM and users: never let them drive the terminal. */
		secinfo_escape_text(cells[c] != NULL ? cells[c] : "-", escaped, sizeof(escaped));
		grown[table->rows * table->columns + c] = strdup(escaped);
		if (grown[table->rows * table->columns + c] == NULL)
			table->failed = 1;
	}
	table->rows++;
}

int
secinfo_admin_table_print(const struct secinfo_admin_table *table, FILE *out)
{
	size_t width[16] = {0};

	if (table->failed || table->columns > sizeof(width) / sizeof(width[0]))
		return SECINFO_ERR_NOMEM;
	for (size_t r = 0; r < table->rows; r++)
		for (size_t c = 0; c < table->columns; c++) {
			size_t n = strlen(table->cells[r * table->columns + c]);
			if (n > width[c])
				width[c] = n;
		}
	for (size_t r = 0; r < table->rows; r++) {
		for (size_t c = 0; c < table->columns; c++) {
			const char *cell = table->cells[r * table->columns + c];
			if (c + 1 == table->columns)
				fprintf(out, "%s\n", cell);
			else
				fprintf(out, "%-*s  ", (int)width[c], cell);
		}
	}
	return 0;
}

void
secinfo_admin_table_free(struct secinfo_admin_table *table)
{
	for (size_t i = 0; table->cells != NULL && i < table->rows * table->columns; i++)
		free(table->cells[i]);
	free(table->cells);
	memset(table, 0, sizeof(*table));
}
