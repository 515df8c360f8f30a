/*
 * opening.c: openings of committed rows (opening.h; docs/protocol.md 12.11).
 */
#include "opening.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "rowcommit.h"
#include "sha256.h"

void
opening_free(opening *o)
{
    if (o->blind != NULL)
        explicit_bzero(o->blind, (size_t)o->count * sizeof(fq_t));
    free(o->index);
    free(o->features);
    free(o->blind);
    memset(o, 0, sizeof *o);
}

/* "row b (key ...)" for messages: keys are caller bytes, printed when printable. */
static void
row_name(char *buf, size_t cap, const receipt *r, uint32_t b)
{
    size_t k, n = r->keys != NULL ? r->key_lens[b] : 0;
    int printable = n > 0 && n <= 64;

    for (k = 0; printable && k < n; k++)
        printable = r->keys[b][k] >= 0x20 && r->keys[b][k] < 0x7f;
    if (printable)
        snprintf(buf, cap, "row %u (key \"%.*s\")", (unsigned)b + 1, (int)n,
                 (const char *)r->keys[b]);
    else
        snprintf(buf, cap, "row %u", (unsigned)b + 1);
}

int
opening_create(uint8_t **out, size_t *out_len, const uint8_t *rct, size_t rct_len,
               const receipt *r, const uint8_t seed[32], const uint32_t *index,
               const int32_t *features, size_t count, char *err)
{
    size_t i, n = r->n_in, len;
    uint8_t *buf, *p;
    fq_t rho;
    ge_t C;
    char name[96];

    *out = NULL;
    *out_len = 0;
    if (!r->committed)
        return zkml_fail(err, -1, "the receipt has public inputs: there is nothing to open");
    if (count < 1 || count > r->batch)
        return zkml_fail(err, -1, "an opening names 1 .. B rows (B = %u), not %zu",
                         (unsigned)r->batch, count);
    for (i = 0; i < count; i++) {
        if (index[i] >= r->batch)
            return zkml_fail(err, -1, "row %u is beyond the receipt's %u rows",
                             (unsigned)index[i] + 1, (unsigned)r->batch);
        if (i > 0 && index[i] <= index[i - 1])
            return zkml_fail(err, -1, "the rows to open must be distinct and in receipt "
                             "order (row %u after row %u)", (unsigned)index[i] + 1,
                             (unsigned)index[i - 1] + 1);
    }
    len = OPENING_HEADER_LEN + count * (4 + 4 * n + 32);
    if ((buf = malloc(len)) == NULL)
        return zkml_fail(err, -1, "out of memory");
    memcpy(buf, OPENING_MAGIC, 8);
    if (sha256_digest(buf + 8, rct, rct_len) != 0) {
        free(buf);
        return zkml_fail(err, -1, "could not hash the receipt");
    }
    le_put_u32(buf + 40, (uint32_t)n);
    le_put_u32(buf + 44, (uint32_t)count);
    p = buf + OPENING_HEADER_LEN;
    for (i = 0; i < count; i++) {
        size_t j;

        if (rowcommit_blinds(&rho, index[i], 1, seed, r->nonce) != 0 ||
            rowcommit_row(&C, features + i * n, n, &rho) != 0) {
            explicit_bzero(buf, len);
            free(buf);
            return zkml_fail(err, -1, "could not recompute a row commitment");
        }
        if (!ge_eq(&C, &r->row_commitments[index[i]])) {
            row_name(name, sizeof name, r, index[i]);
            explicit_bzero(&rho, sizeof rho);
            explicit_bzero(buf, len);
            free(buf);
            return zkml_fail(err, -1, "%s: the features given are not the ones its "
                             "commitment holds (or the receipt was not made with this "
                             "model's key)", name);
        }
        le_put_u32(p, index[i]);
        p += 4;
        for (j = 0; j < n; j++, p += 4)
            le_put_i32(p, features[i * n + j]);
        fq_to_bytes(p, &rho);
        p += 32;
    }
    explicit_bzero(&rho, sizeof rho);
    *out = buf;
    *out_len = len;
    return 0;
}

int
opening_decode(opening *o, const uint8_t *buf, size_t len, uint32_t n_in, const zk_model *model,
               char *err)
{
    uint32_t n, count, i, j;
    const uint8_t *p;

    memset(o, 0, sizeof *o);
    if (len < OPENING_HEADER_LEN || memcmp(buf, OPENING_MAGIC, 8) != 0)
        return zkml_fail(err, -1, len < OPENING_HEADER_LEN
                                      ? "not an opening: truncated header"
                                      : "not an opening (magic \"" OPENING_MAGIC "\" expected)");
    n = le_get_u32(buf + 40);
    count = le_get_u32(buf + 44);
    if (n != n_in)
        return zkml_fail(err, -1, "the opening has %u features per row, the model %u",
                         (unsigned)n, (unsigned)n_in);
    /* K·(36 + 4·n_1) against the bytes left before anything is allocated */
    if (count < 1 || (uint64_t)count * (36 + 4 * (uint64_t)n) != len - OPENING_HEADER_LEN)
        return zkml_fail(err, -1, "the opening's length does not match its %u rows of %u "
                         "features", (unsigned)count, (unsigned)n);
    o->index = malloc((size_t)count * sizeof(uint32_t));
    o->features = malloc((size_t)count * n * sizeof(int32_t));
    o->blind = calloc(count, sizeof(fq_t));
    if (o->index == NULL || o->features == NULL || o->blind == NULL) {
        opening_free(o);
        return zkml_fail(err, -1, "out of memory");
    }
    memcpy(o->receipt_digest, buf + 8, 32);
    o->n_in = n;
    o->count = count;
    p = buf + OPENING_HEADER_LEN;
    for (i = 0; i < count; i++) {
        o->index[i] = le_get_u32(p);
        p += 4;
        if (i > 0 && o->index[i] <= o->index[i - 1]) {
            zkml_fail(err, -1, "opened rows out of order or repeated (entry %u)", i + 1);
            opening_free(o);
            return -1;
        }
        for (j = 0; j < n; j++, p += 4) {
            int32_t v = le_get_i32(p);
            unsigned bits = model != NULL ? model_input_bits(model, j) : 32;
            int64_t half = (int64_t)1 << (bits - 1);

            if (v < -half || v >= half) {
                zkml_fail(err, -1, "opened row %u: feature %u is beyond its %u-bit width",
                          (unsigned)o->index[i] + 1, j + 1, bits);
                opening_free(o);
                return -1;
            }
            o->features[(size_t)i * n + j] = v;
        }
        if (!fq_from_bytes(&o->blind[i], p)) {
            zkml_fail(err, -1, "opened row %u: the blind is not a canonical scalar",
                      (unsigned)o->index[i] + 1);
            opening_free(o);
            return -1;
        }
        p += 32;
    }
    return 0;
}

int
opening_check(const opening *o, const uint8_t *rct, size_t rct_len, const receipt *r,
              char *err)
{
    uint8_t digest[32];
    uint32_t i;
    char name[96];

    if (!r->committed) {
        zkml_fail(err, -1, "the receipt has public inputs: an opening does not apply");
        return 0;
    }
    if (sha256_digest(digest, rct, rct_len) != 0) {
        zkml_fail(err, -1, "could not hash the receipt");
        return -1;
    }
    if (memcmp(digest, o->receipt_digest, 32) != 0) {
        zkml_fail(err, -1, "the opening is of another receipt (receipt digest)");
        return 0;
    }
    if (o->n_in != r->n_in) {
        zkml_fail(err, -1, "the opening's n_1 is not the receipt's");
        return 0;
    }
    for (i = 0; i < o->count; i++) {
        ge_t C;

        if (o->index[i] >= r->batch) {
            zkml_fail(err, -1, "opened row %u is beyond the receipt's %u rows",
                      (unsigned)o->index[i] + 1, (unsigned)r->batch);
            return 0;
        }
        if (rowcommit_row(&C, o->features + (size_t)i * o->n_in, o->n_in, &o->blind[i]) != 0) {
            zkml_fail(err, -1, "could not recompute a row commitment");
            return -1;
        }
        if (!ge_eq(&C, &r->row_commitments[o->index[i]])) {
            row_name(name, sizeof name, r, o->index[i]);
            zkml_fail(err, -1, "the opening of %s does not match its commitment", name);
            return 0;
        }
    }
    return 1;
}
