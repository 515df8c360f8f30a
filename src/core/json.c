/*
 * json.c: a small, strict JSON reader (see json.h).
 *
 * A recursive-descent parser over a cursor.  Containers grow by doubling; since every
 * entry consumes at least one byte of text, no container can outgrow the input.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct {
    const char *text;
    size_t len;
    size_t pos;
    char *err;
    int failed;
} json_cursor;

static void
json_fail(json_cursor *c, const char *fmt, ...)
{
    size_t line = 1, col = 1, i;
    va_list ap;
    int n;

    if (c->failed)
        return;
    c->failed = 1;
    if (c->err == NULL)
        return;
    for (i = 0; i < c->pos && i < c->len; i++) {
        if (c->text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    n = snprintf(c->err, ZKML_ERR_LEN, "line %zu, column %zu: ", line, col);
    if (n < 0 || n >= ZKML_ERR_LEN)
        return;
    va_start(ap, fmt);
    vsnprintf(c->err + n, ZKML_ERR_LEN - (size_t)n, fmt, ap);
    va_end(ap);
}

static void
json_skip_space(json_cursor *c)
{
    while (c->pos < c->len) {
        char ch = c->text[c->pos];

        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
        c->pos++;
    }
}

static int
json_peek(const json_cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->text[c->pos] : -1;
}

static void json_clear(json_value *v);

static int json_parse_value(json_cursor *c, json_value *v, unsigned depth);

static int
json_parse_literal(json_cursor *c, json_value *v, const char *word, json_kind kind)
{
    size_t n = strlen(word);

    if (c->len - c->pos < n || memcmp(c->text + c->pos, word, n) != 0) {
        json_fail(c, "invalid literal");
        return -1;
    }
    c->pos += n;
    v->kind = kind;
    return 0;
}

static int
is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/*
 * Grammar of RFC 8259 section 6; integers without fraction or exponent stay exact.
 * Errors about the number as a whole point at its first character.
 */
static int
json_parse_number(json_cursor *c, json_value *v)
{
    size_t start = c->pos, n;
    int integral = 1, negative = 0;
    char buf[128];
    char *end;

    if (json_peek(c) == '-') {
        negative = 1;
        c->pos++;
    }
    if (json_peek(c) == '0') {
        c->pos++;
        if (is_digit(json_peek(c))) {
            c->pos = start;
            json_fail(c, "leading zeros are not allowed");
            return -1;
        }
    } else if (is_digit(json_peek(c))) {
        while (is_digit(json_peek(c)))
            c->pos++;
    } else {
        c->pos = start;
        json_fail(c, "invalid number");
        return -1;
    }
    if (json_peek(c) == '.') {
        integral = 0;
        c->pos++;
        if (!is_digit(json_peek(c))) {
            json_fail(c, "a digit must follow the decimal point");
            return -1;
        }
        while (is_digit(json_peek(c)))
            c->pos++;
    }
    if (json_peek(c) == 'e' || json_peek(c) == 'E') {
        integral = 0;
        c->pos++;
        if (json_peek(c) == '+' || json_peek(c) == '-')
            c->pos++;
        if (!is_digit(json_peek(c))) {
            json_fail(c, "a digit must follow the exponent");
            return -1;
        }
        while (is_digit(json_peek(c)))
            c->pos++;
    }
    n = c->pos - start;
    if (n >= sizeof buf) {
        c->pos = start;
        json_fail(c, "number too long");
        return -1;
    }
    memcpy(buf, c->text + start, n);
    buf[n] = '\0';

    if (integral) {
        /* accumulate as a negative value: int64 has one more negative value */
        int64_t acc = 0;
        size_t i;

        for (i = (size_t)negative; i < n; i++) {
            int d = buf[i] - '0';

            if (acc < (INT64_MIN + d) / 10)
                break;
            acc = acc * 10 - d;
        }
        if (i == n && (negative || acc != INT64_MIN)) {
            v->kind = JSON_INT;
            v->i = negative ? acc : -acc;
            v->d = (double)v->i;
            return 0;
        }
    }
    errno = 0;
    v->d = strtod(buf, &end);
    if (end != buf + n || errno == ERANGE) {
        c->pos = start;
        json_fail(c, "number out of range");
        return -1;
    }
    v->kind = JSON_NUMBER;
    return 0;
}

static int
hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Four hex digits after "\u"; -1 if malformed. */
static long
json_read_hex4(json_cursor *c)
{
    long u = 0;
    int i;

    if (c->len - c->pos < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int h = hex_value((unsigned char)c->text[c->pos + (size_t)i]);

        if (h < 0)
            return -1;
        u = u * 16 + h;
    }
    c->pos += 4;
    return u;
}

static size_t
utf8_encode(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Length of the well-formed UTF-8 sequence at s (at most avail bytes), or 0. */
static size_t
utf8_sequence_length(const unsigned char *s, size_t avail)
{
    size_t n, i;
    unsigned long cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* overlong forms, surrogates and values above U+10FFFF are not UTF-8 */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int
json_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0, k;

    while (i < len) {
        if (s[i] == 0 || (k = utf8_sequence_length(s + i, len - i)) == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* One escape after the backslash; appends its UTF-8 bytes to out. */
static int
json_parse_escape(json_cursor *c, char *out, size_t *n)
{
    int ch = json_peek(c);
    long u, lo;

    c->pos++;
    switch (ch) {
    case '"': out[(*n)++] = '"'; return 0;
    case '\\': out[(*n)++] = '\\'; return 0;
    case '/': out[(*n)++] = '/'; return 0;
    case 'b': out[(*n)++] = '\b'; return 0;
    case 'f': out[(*n)++] = '\f'; return 0;
    case 'n': out[(*n)++] = '\n'; return 0;
    case 'r': out[(*n)++] = '\r'; return 0;
    case 't': out[(*n)++] = '\t'; return 0;
    case 'u':
        break;
    default:
        c->pos--;
        json_fail(c, "invalid escape in string");
        return -1;
    }
    u = json_read_hex4(c);
    if (u < 0) {
        json_fail(c, "invalid \\u escape");
        return -1;
    }
    if (u == 0) {
        json_fail(c, "\\u0000 is not allowed in strings");
        return -1;
    }
    if (u >= 0xdc00 && u <= 0xdfff) {
        json_fail(c, "lone low surrogate in \\u escape");
        return -1;
    }
    if (u >= 0xd800 && u <= 0xdbff) {
        if (c->len - c->pos < 2 || c->text[c->pos] != '\\' || c->text[c->pos + 1] != 'u') {
            json_fail(c, "high surrogate without its low surrogate");
            return -1;
        }
        c->pos += 2;
        lo = json_read_hex4(c);
        if (lo < 0xdc00 || lo > 0xdfff) {
            json_fail(c, "high surrogate without its low surrogate");
            return -1;
        }
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    }
    *n += utf8_encode(out + *n, (unsigned long)u);
    return 0;
}

/*
 * A string at the cursor (on its opening quote).  The decoded form is never longer
 * than the source (an escape of k bytes yields at most k bytes), so the buffer is
 * sized from the source once the closing quote is found.
 */
static int
json_parse_string(json_cursor *c, char **out, size_t *out_len)
{
    size_t start = ++c->pos, end = start, n = 0;
    char *buf;

    while (end < c->len && c->text[end] != '"') {
        if (c->text[end] == '\\')
            end++;
        end++;
    }
    if (end >= c->len) {
        json_fail(c, "unterminated string");
        return -1;
    }
    buf = malloc(end - start + 1);
    if (buf == NULL) {
        json_fail(c, "out of memory");
        return -1;
    }
    while (c->pos < end) {
        const unsigned char *s = (const unsigned char *)c->text + c->pos;
        size_t k;

        if (*s == '\\') {
            c->pos++;
            if (json_parse_escape(c, buf, &n) != 0)
                goto fail;
            continue;
        }
        if (*s < 0x20) {
            json_fail(c, "control character in string");
            goto fail;
        }
        k = utf8_sequence_length(s, end - c->pos);
        if (k == 0) {
            json_fail(c, "invalid UTF-8 in string");
            goto fail;
        }
        memcpy(buf + n, s, k);
        n += k;
        c->pos += k;
    }
    c->pos = end + 1;
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
fail:
    free(buf);
    return -1;
}

/* Make room for one more entry of a container holding v->len entries. */
static int
json_grow(json_cursor *c, json_value *v, size_t *cap, int with_keys)
{
    size_t ncap;
    json_value *items;

    if (v->len < *cap)
        return 0;
    ncap = *cap ? 2 * *cap : 4;
    items = realloc(v->items, ncap * sizeof *items);
    if (items == NULL) {
        json_fail(c, "out of memory");
        return -1;
    }
    v->items = items;
    if (with_keys) {
        char **keys = realloc(v->keys, ncap * sizeof *keys);

        if (keys == NULL) {
            json_fail(c, "out of memory");
            return -1;
        }
        v->keys = keys;
    }
    *cap = ncap;
    return 0;
}

static int
json_parse_array(json_cursor *c, json_value *v, unsigned depth)
{
    size_t cap = 0;

    v->kind = JSON_ARRAY;
    c->pos++;
    json_skip_space(c);
    if (json_peek(c) == ']') {
        c->pos++;
        return 0;
    }
    for (;;) {
        if (json_grow(c, v, &cap, 0) != 0)
            return -1;
        memset(&v->items[v->len], 0, sizeof v->items[0]);
        v->len++;
        if (json_parse_value(c, &v->items[v->len - 1], depth + 1) != 0)
            return -1;
        json_skip_space(c);
        if (json_peek(c) == ',') {
            c->pos++;
            continue;
        }
        if (json_peek(c) == ']') {
            c->pos++;
            return 0;
        }
        json_fail(c, "expected ',' or ']' in array");
        return -1;
    }
}

static int
json_parse_object(json_cursor *c, json_value *v, unsigned depth)
{
    size_t cap = 0, i, key_len;

    v->kind = JSON_OBJECT;
    c->pos++;
    json_skip_space(c);
    if (json_peek(c) == '}') {
        c->pos++;
        return 0;
    }
    for (;;) {
        size_t key_pos;
        char *key;

        json_skip_space(c);
        if (json_peek(c) != '"') {
            json_fail(c, "expected a string key in object");
            return -1;
        }
        key_pos = c->pos;
        if (json_parse_string(c, &key, &key_len) != 0)
            return -1;
        /* quadratic, but the documents read here have small objects only */
        for (i = 0; i < v->len; i++) {
            if (strcmp(v->keys[i], key) == 0) {
                c->pos = key_pos;
                json_fail(c, "duplicate key \"%.40s\"", key);
                free(key);
                return -1;
            }
        }
        if (json_grow(c, v, &cap, 1) != 0) {
            free(key);
            return -1;
        }
        memset(&v->items[v->len], 0, sizeof v->items[0]);
        v->keys[v->len] = key;
        v->len++;
        json_skip_space(c);
        if (json_peek(c) != ':') {
            json_fail(c, "expected ':' after object key");
            return -1;
        }
        c->pos++;
        if (json_parse_value(c, &v->items[v->len - 1], depth + 1) != 0)
            return -1;
        json_skip_space(c);
        if (json_peek(c) == ',') {
            c->pos++;
            continue;
        }
        if (json_peek(c) == '}') {
            c->pos++;
            return 0;
        }
        json_fail(c, "expected ',' or '}' in object");
        return -1;
    }
}

static int
json_parse_value(json_cursor *c, json_value *v, unsigned depth)
{
    if (depth > JSON_MAX_DEPTH) {
        json_fail(c, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        return -1;
    }
    json_skip_space(c);
    switch (json_peek(c)) {
    case '{':
        return json_parse_object(c, v, depth);
    case '[':
        return json_parse_array(c, v, depth);
    case '"':
        v->kind = JSON_STRING;
        return json_parse_string(c, &v->str, &v->len);
    case 't':
        return json_parse_literal(c, v, "true", JSON_TRUE);
    case 'f':
        return json_parse_literal(c, v, "false", JSON_FALSE);
    case 'n':
        return json_parse_literal(c, v, "null", JSON_NULL);
    case -1:
        json_fail(c, "unexpected end of input");
        return -1;
    default:
        if (json_peek(c) == '-' || is_digit(json_peek(c)))
            return json_parse_number(c, v);
        json_fail(c, "unexpected character");
        return -1;
    }
}

int
json_parse(json_value **out, const char *text, size_t len, char *err)
{
    json_cursor c = { text, len, 0, err, 0 };
    json_value *root;

    *out = NULL;
    if (len > JSON_MAX_INPUT) {
        json_fail(&c, "document larger than %zu bytes", JSON_MAX_INPUT);
        return -1;
    }
    root = calloc(1, sizeof *root);
    if (root == NULL) {
        json_fail(&c, "out of memory");
        return -1;
    }
    if (json_parse_value(&c, root, 1) == 0) {
        json_skip_space(&c);
        if (c.pos == len) {
            *out = root;
            return 0;
        }
        json_fail(&c, "unexpected data after the document");
    }
    json_free(root);
    return -1;
}

/* Free what v owns (not v itself). */
static void
json_clear(json_value *v)
{
    size_t i;

    if (v->kind == JSON_STRING)
        free(v->str);
    if (v->kind == JSON_ARRAY || v->kind == JSON_OBJECT) {
        for (i = 0; i < v->len; i++) {
            json_clear(&v->items[i]);
            if (v->kind == JSON_OBJECT)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
    }
}

void
json_free(json_value *v)
{
    if (v == NULL)
        return;
    json_clear(v);
    free(v);
}

const json_value *
json_get(const json_value *v, const char *key)
{
    size_t i;

    if (v == NULL || v->kind != JSON_OBJECT)
        return NULL;
    for (i = 0; i < v->len; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}

const char *
json_unknown_key(const json_value *obj, const char *const *allowed)
{
    size_t i, k;

    for (i = 0; i < obj->len; i++) {
        for (k = 0; allowed[k] != NULL; k++)
            if (strcmp(obj->keys[i], allowed[k]) == 0)
                break;
        if (allowed[k] == NULL)
            return obj->keys[i];
    }
    return NULL;
}

const char *
json_kind_name(json_kind kind)
{
    switch (kind) {
    case JSON_NULL: return "null";
    case JSON_FALSE:
    case JSON_TRUE: return "a boolean";
    case JSON_INT: return "an integer";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "a value";
}

/* ---- writing ---- */

void
json_writer_init(json_writer *w)
{
    memset(w, 0, sizeof *w);
}

void
json_writer_free(json_writer *w)
{
    if (w->text != NULL)
        explicit_bzero(w->text, w->cap);
    free(w->text);
    memset(w, 0, sizeof *w);
}

/* Room for n more bytes and the NUL. */
static int
json_writer_reserve(json_writer *w, size_t n)
{
    size_t cap;
    char *grown;

    if (w->failed)
        return -1;
    if (n < w->cap - w->len && w->text != NULL)
        return 0;
    cap = w->cap < 256 ? 256 : w->cap;
    while (cap - w->len <= n) {
        if (cap > SIZE_MAX / 2) {
            w->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    /* not realloc: the old block is wiped first, since documents may hold weights */
    grown = malloc(cap);
    if (grown == NULL) {
        w->failed = 1;
        return -1;
    }
    if (w->text != NULL) {
        memcpy(grown, w->text, w->len + 1);
        explicit_bzero(w->text, w->cap);
        free(w->text);
    }
    w->text = grown;
    w->cap = cap;
    return 0;
}

void
json_write_raw(json_writer *w, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->failed = 1;
        return;
    }
    if (json_writer_reserve(w, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(w->text + w->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    w->len += (size_t)n;
}

void
json_write_string(json_writer *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    json_write_raw(w, "\"");
    for (; *p != 0; p++) {
        if (*p == '"' || *p == '\\')
            json_write_raw(w, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            json_write_raw(w, "\\u%04x", *p);
        else
            json_write_raw(w, "%c", *p);
    }
    json_write_raw(w, "\"");
}

void
json_write_double(json_writer *w, double d)
{
    if (!isfinite(d))
        json_write_raw(w, "null");
    else
        json_write_raw(w, "%.17g", d);
}
