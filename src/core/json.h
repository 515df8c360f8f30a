/*
 * json.h: a small, strict JSON reader (RFC 8259) for the documents zkml reads, such
 * as the quantized model (model.h).
 *
 * The whole document is parsed into a tree of json_value.  Strictness: exactly one
 * value, surrounded only by whitespace; no comments, no trailing commas, no leading
 * zeros, no NaN or infinities, no duplicate object keys, no control characters or
 * invalid UTF-8 in strings, no lone surrogates in \u escapes.  Limits: JSON_MAX_INPUT
 * bytes of text, JSON_MAX_DEPTH levels of nesting.  Every allocation is bounded by the
 * length of the text already read, so hostile input costs at most a constant factor of
 * its own size.
 *
 * Numbers: a number written without fraction or exponent that fits in int64_t is a
 * JSON_INT (exact); every other number is a JSON_NUMBER (a double, parsed with
 * strtod, which expects the "C" numeric locale, as in PostgreSQL backends).
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_JSON_H
#define ZKML_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define JSON_MAX_DEPTH 64
#define JSON_MAX_INPUT ((size_t)1 << 28)

typedef enum {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_INT,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_kind;

typedef struct json_value json_value;

struct json_value {
    json_kind kind;
    int64_t i;              /* JSON_INT */
    double d;               /* JSON_INT and JSON_NUMBER */
    char *str;              /* JSON_STRING: UTF-8, NUL-terminated, no NUL inside */
    size_t len;             /* JSON_STRING: bytes; arrays and objects: entries */
    json_value *items;      /* JSON_ARRAY and JSON_OBJECT: the values, in order */
    char **keys;            /* JSON_OBJECT: the keys, parallel to items */
};

/*
 * Parse text[0 .. len-1].  On success *out is the root (free it with json_free) and the
 * result is 0.  On failure *out is NULL, the result is -1 and err (ZKML_ERR_LEN bytes,
 * may be NULL) says what is wrong and where ("line 3, column 14: ...").  An allocation
 * failure is reported the same way ("out of memory").
 */
int json_parse(json_value **out, const char *text, size_t len, char *err);

void json_free(json_value *v);

/* The member of an object with this key, or NULL (also when v is not an object). */
const json_value *json_get(const json_value *v, const char *key);

/* The first key of an object that is not in allowed (NULL-terminated), or NULL. */
const char *json_unknown_key(const json_value *obj, const char *const *allowed);

/* A static name of the kind, for error messages: "an integer", "a string", ... */
const char *json_kind_name(json_kind kind);

/* ---- writing ----
 *
 * A growing text buffer for the documents zkml writes (the quantized model, the
 * quantization report).  After an allocation failure the buffer is marked failed and
 * ignores further output, so a writer checks once, at the end.  Since a document may
 * hold weights, every block the writer gives up is wiped first (explicit_bzero); the
 * text it hands over is the caller's to wipe.
 */
typedef struct {
    char *text;             /* NUL-terminated while not failed */
    size_t len;
    size_t cap;
    int failed;
} json_writer;

void json_writer_init(json_writer *w);

/* Release the text (when the caller did not take it). */
void json_writer_free(json_writer *w);

/* printf-style raw text. */
__attribute__((format(printf, 2, 3))) void json_write_raw(json_writer *w, const char *fmt, ...);

/* A JSON string literal: quotes, escapes for '"', '\\' and control characters; the bytes
 * must be UTF-8 (they are copied as they are). */
void json_write_string(json_writer *w, const char *s);

/* 1 if the len bytes at s are well-formed UTF-8 without a NUL (so json_write_string can
 * take them once terminated), else 0. */
int json_utf8_valid(const uint8_t *s, size_t len);

/* A finite double that reads back as the same double (%.17g); a non-finite value, which
 * JSON cannot express, is written as null. */
void json_write_double(json_writer *w, double d);

#endif
