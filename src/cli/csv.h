/*
 * csv.h: the CSV files of the zkml command.
 *
 * A file is one header line of names, then one row per line of comma-separated values.
 * Spaces and tabs around a value and a CR before the LF are allowed; NUL bytes, empty
 * lines and a file without rows are refused.  Every error is printed to standard error
 * as "zkml: PATH: line N: ..." (naming the value where one is at fault).
 *
 * csv_open splits the header; the caller may check the names, then csv_read_rows reads
 * the rows of one kind.  csv_close frees the table whether or not they succeeded.
 */
#ifndef ZKML_CLI_CSV_H
#define ZKML_CLI_CSV_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CSV_INT32,      /* an optional sign and decimal digits, in the int32 range */
    CSV_DOUBLE,     /* a number as strtod reads it */
    CSV_DOUBLE_MISSING  /* the same, and an empty field is NaN: a missing value (trees) */
} csv_kind;

typedef struct {
    const char *path;       /* named in every message */
    const char *text;       /* the file, borrowed; NUL-free */
    size_t len;
    size_t body;            /* offset of the line after the header */
    char **names;           /* the header's fields: trimmed, surrounding quotes dropped */
    size_t n_names;
    size_t n_rows, n_cols;
    int32_t *ints;          /* CSV_INT32: n_rows * n_cols values, row-major */
    double *reals;          /* CSV_DOUBLE: the same */
} csv_table;

int csv_open(csv_table *t, const char *path, const char *text, size_t len);
int csv_read_rows(csv_table *t, csv_kind kind, size_t width, size_t max_rows);
void csv_close(csv_table *t);

#endif
