/*
 * csv.c: the CSV files of the zkml command (csv.h): one line walker and one field walker
 * serve the header and the rows of both kinds, so that every file is split the same way
 * and refused with the same messages.
 */
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Longest CSV_DOUBLE field, in bytes: more than any number needs. */
#define CSV_NUMBER_MAX 63

/* The line starting at *pos without its LF and a CR before it, and *pos past the LF:
 * the single place that decides where a line ends.  0 at the end of the text. */
static int
next_line(const csv_table *t, size_t *pos, size_t *start, size_t *end)
{
    size_t a = *pos, b = a;

    if (a >= t->len)
        return 0;
    while (b < t->len && t->text[b] != '\n')
        b++;
    *pos = b < t->len ? b + 1 : b;
    if (b > a && t->text[b - 1] == '\r')
        b--;
    *start = a;
    *end = b;
    return 1;
}

/* The field starting at *pos of a line ending at end, trimmed of spaces and tabs, and
 * *pos past its comma.  1 if another field follows, so "1," has an empty second field. */
static int
next_field(const char *text, size_t end, size_t *pos, size_t *a, size_t *b)
{
    size_t p = *pos, s = *pos, e;

    while (p < end && text[p] != ',')
        p++;
    e = p;
    while (s < e && (text[s] == ' ' || text[s] == '\t'))
        s++;
    while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\t'))
        e--;
    *a = s;
    *b = e;
    *pos = p < end ? p + 1 : p;
    return p < end;
}

/* Room for one more value of elem bytes after count, doubling: the row count is only
 * known at the end.  -1 if the size would overflow or memory runs out. */
static int
reserve(void **buf, size_t *cap, size_t count, size_t elem)
{
    size_t ncap;
    void *grown;

    if (count < *cap)
        return 0;
    ncap = *cap == 0 ? 256 : *cap;
    if (ncap > SIZE_MAX / 2 / elem)
        return -1;
    ncap *= 2;
    grown = realloc(*buf, ncap * elem);
    if (grown == NULL)
        return -1;
    *buf = grown;
    *cap = ncap;
    return 0;
}

/* Text, NUL-free, and its header split into names: the caller can check the names
 * against what it expects before any row is read.  0, or -1 with a message. */
int
csv_open(csv_table *t, const char *path, const char *text, size_t len)
{
    size_t pos = 0, start = 0, end = 0, cap = 1, i;
    int more = 1;

    memset(t, 0, sizeof *t);
    t->path = path;
    t->text = text;
    t->len = len;
    if (memchr(text, 0, len) != NULL) {
        fprintf(stderr, "zkml: %s: not a text file (NUL byte)\n", path);
        return -1;
    }
    next_line(t, &pos, &start, &end);
    t->body = pos;
    for (i = start; i < end; i++)
        cap += text[i] == ',';
    t->names = calloc(cap, sizeof *t->names);
    if (t->names == NULL)
        goto oom;
    for (i = start; more; ) {
        size_t a, b;

        more = next_field(text, end, &i, &a, &b);
        if (b - a >= 2 && text[a] == '"' && text[b - 1] == '"') {
            a++;
            b--;
        }
        t->names[t->n_names] = malloc(b - a + 1);
        if (t->names[t->n_names] == NULL)
            goto oom;
        memcpy(t->names[t->n_names], text + a, b - a);
        t->names[t->n_names++][b - a] = '\0';
    }
    return 0;
oom:
    fprintf(stderr, "zkml: out of memory reading %s\n", path);
    return -1;
}

/* A field as an int32: strict, so that "1.5" or "12abc" is refused, not truncated.
 * 0, -1 not an integer, -2 out of range. */
static int
parse_int32(const char *s, size_t n, int32_t *out)
{
    size_t i = 0;
    int64_t v = 0;
    int neg = 0;

    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return -1;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v <= (int64_t)INT32_MAX + 1)        /* stays far from int64 overflow */
            v = v * 10 + (s[i] - '0');
    }
    if (v > (neg ? (int64_t)INT32_MAX + 1 : (int64_t)INT32_MAX))
        return -2;
    *out = neg ? (int32_t)-v : (int32_t)v;
    return 0;
}

/* A field as strtod reads the whole of it (a copy: the field is not NUL-terminated).
 * 0, or -1. */
static int
parse_double(const char *s, size_t n, double *out)
{
    char field[CSV_NUMBER_MAX + 1], *stop;

    if (n == 0 || n > CSV_NUMBER_MAX)
        return -1;
    memcpy(field, s, n);
    field[n] = '\0';
    *out = strtod(field, &stop);
    return *stop == '\0' ? 0 : -1;
}

/*
 * The rows after the header, into t->ints or t->reals.  width 0: every row as wide as
 * the first; otherwise exactly width values (a longer row is refused at its first extra
 * value).  At most max_rows rows.  0, or -1 with a message naming the line and value.
 */
int
csv_read_rows(csv_table *t, csv_kind kind, size_t width, size_t max_rows)
{
    size_t elem = kind == CSV_INT32 ? sizeof(int32_t) : sizeof(double);
    size_t pos = t->body, line = 1, count = 0, cap = 0, start, end;
    void *buf = NULL;

    t->n_rows = 0;
    t->n_cols = width;
    while (next_line(t, &pos, &start, &end)) {
        size_t p = start, in_row = 0;
        int more = 1;

        line++;
        if (end == start) {
            fprintf(stderr, "zkml: %s: line %zu: empty line\n", t->path, line);
            goto fail;
        }
        if (t->n_rows >= max_rows) {
            fprintf(stderr, "zkml: %s: line %zu: more than %zu rows\n", t->path, line,
                    max_rows);
            goto fail;
        }
        while (more) {
            size_t a, b;
            int rc;

            more = next_field(t->text, end, &p, &a, &b);
            if (width > 0 && in_row >= width) {
                fprintf(stderr, "zkml: %s: line %zu: more than %zu values\n", t->path, line,
                        width);
                goto fail;
            }
            if (reserve(&buf, &cap, count, elem) != 0) {
                fprintf(stderr, "zkml: out of memory reading %s\n", t->path);
                goto fail;
            }
            if (kind == CSV_INT32)
                rc = parse_int32(t->text + a, b - a, (int32_t *)buf + count);
            else if (kind == CSV_DOUBLE_MISSING && a == b) {
                ((double *)buf)[count] = NAN;
                rc = 0;
            } else
                rc = parse_double(t->text + a, b - a, (double *)buf + count);
            if (rc != 0) {
                fprintf(stderr, "zkml: %s: line %zu: value %zu %s\n", t->path, line,
                        in_row + 1,
                        rc == -2 ? "is out of the int32 range"
                        : kind == CSV_INT32 ? "is not an integer" : "is not a number");
                goto fail;
            }
            count++;
            in_row++;
        }
        if (t->n_rows == 0 && width == 0)
            t->n_cols = in_row;
        else if (in_row != t->n_cols) {
            fprintf(stderr, "zkml: %s: line %zu: %zu values, %s %zu\n", t->path, line,
                    in_row, width == 0 ? "the first row has" : "expected", t->n_cols);
            goto fail;
        }
        t->n_rows++;
    }
    if (t->n_rows == 0) {
        fprintf(stderr, "zkml: %s: no rows after the header line\n", t->path);
        goto fail;
    }
    if (kind == CSV_INT32)
        t->ints = buf;
    else
        t->reals = buf;
    return 0;
fail:
    free(buf);
    t->n_rows = 0;
    return -1;
}

/* Free what csv_open and csv_read_rows allocated (the text stays the caller's). */
void
csv_close(csv_table *t)
{
    size_t i;

    for (i = 0; t->names != NULL && i < t->n_names; i++)
        free(t->names[i]);
    free(t->names);
    free(t->ints);
    free(t->reals);
    memset(t, 0, sizeof *t);
}
