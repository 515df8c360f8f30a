/*
 * fixture.c: reading the files of tests/fixtures (see fixture.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "field.h"
#include "fixture.h"
#include "le.h"
#include "tree_model.h"


/* The path of fixture name. */
static void
fixture_path(char *path, size_t n, const char *name)
{
    const char *dir = getenv("ZKML_FIXTURES");

    snprintf(path, n, "%s/%s", dir != NULL ? dir : "tests/fixtures", name);
}

char *
fixture_read(const char *name, size_t *len)
{
    char path[512];
    char *buf;
    long size;
    FILE *f;

    fixture_path(path, sizeof path, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "    cannot open %s\n", path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)size + 1)) == NULL) {
        fclose(f);
        return NULL;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

/* Integer CSV after one header line: *rows x *cols values, row-major. */
int32_t *
fixture_csv(const char *name, size_t *rows, size_t *cols)
{
    size_t len, n = 0, cap = 1024, r = 0, c = 0;
    char *text = fixture_read(name, &len), *p, *end;
    int32_t *v;

    *rows = *cols = 0;
    if (text == NULL)
        return NULL;
    v = malloc(cap * sizeof *v);
    p = strchr(text, '\n');
    if (v == NULL || p == NULL) {
        free(v);
        free(text);
        return NULL;
    }
    p++;
    while (*p != '\0') {
        long x = strtol(p, &end, 10);

        if (end == p)
            break;
        if (n == cap) {
            int32_t *nv = realloc(v, 2 * cap * sizeof *v);

            if (nv == NULL)
                break;
            v = nv;
            cap *= 2;
        }
        v[n++] = (int32_t)x;
        c++;
        p = end;
        if (*p == ',') {
            p++;
        } else if (*p == '\n') {
            p++;
            if (r == 0)
                *cols = c;
            r++;
            c = 0;
        }
    }
    free(text);
    *rows = r;
    if (r == 0 || n != r * *cols) {
        free(v);
        return NULL;
    }
    return v;
}

int32_t *
fixture_rows(const char *shape, size_t *rows, size_t *cols)
{
    const char *v2 = strstr(shape, "v2");
    char name[96], path[512];

    snprintf(name, sizeof name, "%s.rows.csv", shape);
    fixture_path(path, sizeof path, name);
    if (v2 != NULL && access(path, R_OK) != 0)      /* a twin without rows of its own */
        snprintf(name, sizeof name, "%.*s.rows.csv", (int)(v2 - shape), shape);
    return fixture_csv(name, rows, cols);
}

int
fixture_model(zk_model *model, const char *name, char *err)
{
    size_t len;
    char *text = fixture_read(name, &len);
    int rc;

    if (text == NULL)
        return -100;
    rc = model_from_json(model, text, len, err);
    free(text);
    return rc;
}

int32_t *
fixture_tree_keys(const char *name, size_t n, size_t B)
{
    size_t len, r = 0, j = 0, nrows;
    char *text = fixture_read(name, &len), *p, *end;
    int32_t *all, *out;

    if (text == NULL)
        return NULL;
    all = malloc((len + 1) * sizeof *all);
    out = malloc(B * n * sizeof *out);
    p = strchr(text, '\n');
    p = p != NULL ? p + 1 : text + len;
    while (all != NULL && out != NULL && *p != '\0') {
        double v = NAN;

        if (*p != ',' && *p != '\n') {
            v = strtod(p, &end);
            p = end;
        }
        all[r * n + j] = tree_key_of_double(v);
        if (*p == ',') {
            p++;
            j++;
            continue;
        }
        if (*p == '\n')
            p++;
        if (j + 1 != n)
            break;
        j = 0;
        r++;
    }
    free(text);
    nrows = r;
    if (all == NULL || out == NULL || nrows == 0 || j != 0) {
        free(all);
        free(out);
        return NULL;
    }
    for (r = 0; r < B; r++)
        memcpy(out + r * n, all + (r % nrows) * n, n * sizeof *out);
    free(all);
    return out;
}

static int
contains(const uint8_t *buf, size_t len, const uint8_t *needle, size_t n)
{
    size_t i;

    for (i = 0; n <= len && i <= len - n; i++)
        if (buf[i] == needle[0] && memcmp(buf + i, needle, n) == 0)
            return 1;
    return 0;
}

int
fixture_features_found(const uint8_t *buf, size_t len, const int32_t *x, size_t B, size_t n)
{
    size_t b, j, w;
    uint8_t enc[4 * 64], s[32];
    fq_t f;

    for (b = 0; b < B; b++)
        for (w = 1; w <= 4; w *= 2) {
            int fits = 1;

            for (j = 0; j < n && j < 64; j++) {
                int32_t v = x[b * n + j];

                fits &= w == 4 || (w == 2 ? v >= -32768 && v < 32768 : v >= -128 && v < 128);
                le_put_u32(enc + 4 * j, (uint32_t)v);
                memmove(enc + w * j, enc + 4 * j, w);
            }
            if (fits && contains(buf, len, enc, w * (n < 64 ? n : 64)))
                return 1;
        }
    for (b = 0; b < B * n; b++) {
        if (x[b] == 0)
            continue;           /* the zero scalar is no feature's trace */
        fq_set_i64(&f, x[b]);
        fq_to_bytes(s, &f);
        if (contains(buf, len, s, 32))
            return 1;
    }
    return 0;
}
