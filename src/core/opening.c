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

/* "row b (key ...)" for messages, with "of part i of k" in a container: keys are caller
 * bytes, printed when printable.  row is the 0-based row of the whole receipt, local
 * its index in part i (0-based). */
static void
row_name(char *buf, size_t cap, const receipt_parts *p, uint32_t part, uint64_t row,
         uint64_t local)
{
    const receipt *r = &p->parts[part];
    size_t k, n = r->keys != NULL ? r->key_lens[local] : 0;
    int printable = n > 0 && n <= 64, at;

    for (k = 0; printable && k < n; k++)
        printable = r->keys[local][k] >= 0x20 && r->keys[local][k] < 0x7f;
    if (printable)
        at = snprintf(buf, cap, "row %llu (key \"%.*s\")", (unsigned long long)row + 1,
                      (int)n, (const char *)r->keys[local]);
    else
        at = snprintf(buf, cap, "row %llu", (unsigned long long)row + 1);
    if (p->k > 1 && at > 0 && (size_t)at < cap)
        snprintf(buf + at, cap - (size_t)at, " of part %u of %u", (unsigned)part + 1,
                 (unsigned)p->k);
}

/* Section 12.11.1: the prover's side. */
int
opening_create(uint8_t **out, size_t *out_len, const uint8_t *rct, size_t rct_len,
               const receipt_parts *parts, const uint8_t seed[32], const uint32_t *index,
               const int32_t *features, size_t count, char *err)
{
    size_t i, n = parts->parts[0].n_in, len;
    uint8_t *buf, *p;
    uint32_t part = 0;
    uint64_t first = 0;
    fq_t rho;
    ge_t C;
    char name[128];

    *out = NULL;
    *out_len = 0;
    if (!parts->parts[0].committed)     /* every part has the first one's format */
        return zkml_fail(err, -1, "the receipt has public inputs: there is nothing to open");
    if (count < 1 || count > parts->total_rows)
        return zkml_fail(err, -1, "an opening names 1 .. B rows (B = %llu), not %zu",
                         (unsigned long long)parts->total_rows, count);
    for (i = 0; i < count; i++) {
        if (index[i] >= parts->total_rows)
            return zkml_fail(err, -1, "row %llu is beyond the receipt's %llu rows",
                             (unsigned long long)index[i] + 1,
                             (unsigned long long)parts->total_rows);
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
        const receipt *r;
        uint64_t local;
        size_t j;

        (void)receipt_parts_find(parts, index[i], &part, &first);  /* in range: above */
        r = &parts->parts[part];
        local = index[i] - first;
        /* the blind of the row's own part: its nonce, its index in the part (7.19.3) */
        if (rowcommit_blinds(&rho, (size_t)local, 1, seed, r->nonce) != 0 ||
            rowcommit_row(&C, features + i * n, n, &rho) != 0) {
            explicit_bzero(buf, len);
            free(buf);
            return zkml_fail(err, -1, "could not recompute a row commitment");
        }
        if (!ge_eq(&C, &r->row_commitments[local])) {
            row_name(name, sizeof name, parts, part, index[i], local);
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

/* Section 12.11.2, steps 2-3 (step 1, the receipt's proof, is the caller's). */
int
opening_check(const opening *o, const uint8_t *rct, size_t rct_len, const receipt_parts *p,
              char *err)
{
    uint8_t digest[32];
    uint32_t i, part = 0;
    uint64_t first = 0;
    char name[128];

    if (!p->parts[0].committed) {
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
    if (o->n_in != p->parts[0].n_in) {
        zkml_fail(err, -1, "the opening's n_1 is not the receipt's");
        return 0;
    }
    /* step 2 before step 3: the indices increase (the decoder's rule), so the last is
     * the largest */
    if (o->count > 0 && o->index[o->count - 1] >= p->total_rows) {
        zkml_fail(err, -1, "opened row %llu is beyond the receipt's %llu rows",
                  (unsigned long long)o->index[o->count - 1] + 1,
                  (unsigned long long)p->total_rows);
        return 0;
    }
    for (i = 0; i < o->count; i++) {
        uint64_t local;
        ge_t C;

        if (receipt_parts_find(p, o->index[i], &part, &first) != 0) {
            zkml_fail(err, -1, "opened row %llu is beyond the receipt's %llu rows",
                      (unsigned long long)o->index[i] + 1, (unsigned long long)p->total_rows);
            return 0;
        }
        local = o->index[i] - first;
        if (rowcommit_row(&C, o->features + (size_t)i * o->n_in, o->n_in, &o->blind[i]) != 0) {
            zkml_fail(err, -1, "could not recompute a row commitment");
            return -1;
        }
        if (!ge_eq(&C, &p->parts[part].row_commitments[local])) {
            row_name(name, sizeof name, p, part, o->index[i], local);
            zkml_fail(err, -1, "the opening of %s does not match its commitment", name);
            return 0;
        }
    }
    return 1;
}
