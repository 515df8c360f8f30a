/*
 * receipt_group.c: receipts of several proofs (receipt_group.h, docs/protocol.md 12.10).
 */
#include "receipt_group.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "le.h"
#include "model_kind.h"
#include "modelkey.h"
#include "rowcommit.h"
#include "sha256.h"

#define GROUP_LABEL "ZKMLPG-V2/group"

int
receipt_is_group(const uint8_t *buf, size_t len)
{
    return len >= 8 && memcmp(buf, RECEIPT_GROUP_MAGIC, 8) == 0;
}

void
receipt_group_free(receipt_group *g)
{
    uint32_t i;

    if (g->parts != NULL)
        for (i = 0; i < g->k; i++)
            receipt_free(&g->parts[i]);
    free(g->parts);
    free(g->part);
    free(g->part_len);
    memset(g, 0, sizeof *g);
}

/* Whether part b has the header fields of part a that every part shares (6.1). */
static const char *
part_differs(const receipt *a, const uint8_t *a_bytes, const receipt *b,
             const uint8_t *b_bytes)
{
    if (memcmp(a_bytes, b_bytes, 8) != 0)
        return "its format is not the first part's";
    if (memcmp(a->digest, b->digest, 32) != 0)
        return "it names another model digest than the first part";
    if (a->n_in != b->n_in || a->n_out != b->n_out)
        return "its n_1 or m_L is not the first part's";
    if (a->context_len != b->context_len ||
        (a->context_len > 0 && memcmp(a->context, b->context, a->context_len) != 0))
        return "its context is not the first part's";
    return NULL;
}

/* Section 6.1. */
int
receipt_group_decode(receipt_group *g, const uint8_t *buf, size_t len, char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    uint64_t k, total, sum = 0;
    size_t pos, i;
    const char *bad;

    memset(g, 0, sizeof *g);
    if (len < RECEIPT_GROUP_HEADER_LEN) {
        zkml_fail(err, -1, "truncated at byte %zu (header of %d bytes)", len,
                  RECEIPT_GROUP_HEADER_LEN);
        return -1;
    }
    if (!receipt_is_group(buf, len)) {
        zkml_fail(err, -1, "not a receipt of several proofs (magic \"" RECEIPT_GROUP_MAGIC
                  "\" expected at byte 0)");
        return -1;
    }
    k = le_get_u32(buf + 8);
    total = le_get_u64(buf + 12);
    if (k < RECEIPT_GROUP_MIN_PARTS || k > RECEIPT_GROUP_MAX_PARTS) {
        zkml_fail(err, -1, "invalid header: k = %llu parts is not in 2 .. 65536",
                  (unsigned long long)k);
        return -1;
    }
    if (total < 2 || total > RECEIPT_GROUP_MAX_ROWS) {
        zkml_fail(err, -1, "invalid header: %llu total rows is not in 2 .. 2^32",
                  (unsigned long long)total);
        return -1;
    }
    /* each part takes at least 16 bytes: the allocations below are bounded by the file */
    if (k * 16 > len - RECEIPT_GROUP_HEADER_LEN) {
        zkml_fail(err, -1, "truncated at byte %zu (%llu parts need at least %llu bytes)", len,
                  (unsigned long long)k, (unsigned long long)(RECEIPT_GROUP_HEADER_LEN + 16 * k));
        return -1;
    }
    g->part = calloc((size_t)k, sizeof *g->part);
    g->part_len = calloc((size_t)k, sizeof *g->part_len);
    g->parts = calloc((size_t)k, sizeof *g->parts);
    if (g->part == NULL || g->part_len == NULL || g->parts == NULL) {
        zkml_fail(err, -1, "out of memory decoding the receipt");
        receipt_group_free(g);
        return -1;
    }
    g->k = (uint32_t)k;
    g->total_rows = total;
    pos = RECEIPT_GROUP_HEADER_LEN;
    for (i = 0; i < (size_t)k; i++) {
        uint64_t plen;

        if (len - pos < 8) {
            zkml_fail(err, -1, "truncated at byte %zu (length of part %zu)", len, i + 1);
            goto fail;
        }
        plen = le_get_u64(buf + pos);
        pos += 8;
        if (plen < 8) {
            zkml_fail(err, -1, "part %zu at byte %zu: a length of %llu bytes is below 8", i + 1,
                      pos - 8, (unsigned long long)plen);
            goto fail;
        }
        if (plen > len - pos) {
            zkml_fail(err, -1, "part %zu at byte %zu: its length of %llu bytes runs past the end "
                      "(%zu bytes left)", i + 1, pos - 8, (unsigned long long)plen, len - pos);
            goto fail;
        }
        g->part[i] = buf + pos;
        g->part_len[i] = (size_t)plen;
        if (receipt_decode(&g->parts[i], buf + pos, (size_t)plen, sub) != 0) {
            zkml_fail(err, -1, "part %zu at byte %zu: %s", i + 1, pos, sub);
            goto fail;
        }
        if (i > 0 && (bad = part_differs(&g->parts[0], g->part[0], &g->parts[i],
                                         g->part[i])) != NULL) {
            zkml_fail(err, -1, "part %zu at byte %zu: %s", i + 1, pos, bad);
            goto fail;
        }
        sum += g->parts[i].batch;
        pos += (size_t)plen;
    }
    if (pos != len) {
        zkml_fail(err, -1, "%zu bytes follow part %llu", len - pos, (unsigned long long)k);
        goto fail;
    }
    if (sum != total) {
        zkml_fail(err, -1, "invalid header: %llu total rows, the parts hold %llu",
                  (unsigned long long)total, (unsigned long long)sum);
        goto fail;
    }
    return 0;
fail:
    receipt_group_free(g);
    return -1;
}

int
receipt_group_encode(uint8_t **out, size_t *out_len, uint32_t k, uint64_t total_rows,
                     const uint8_t *const *parts, const size_t *part_lens, char *err)
{
    size_t total = RECEIPT_GROUP_HEADER_LEN, i;
    uint8_t *buf, *p;

    *out = NULL;
    *out_len = 0;
    if (k < RECEIPT_GROUP_MIN_PARTS || k > RECEIPT_GROUP_MAX_PARTS ||
        total_rows < 2 || total_rows > RECEIPT_GROUP_MAX_ROWS) {
        zkml_fail(err, -1, "cannot encode the receipt: %u parts of %llu rows in all are not "
                  "2 .. 65536 parts of 2 .. 2^32 rows", (unsigned)k,
                  (unsigned long long)total_rows);
        return -1;
    }
    for (i = 0; i < k; i++) {
        if (part_lens[i] < 8 || part_lens[i] > SIZE_MAX - 8 - total) {
            zkml_fail(err, -1, "cannot encode the receipt: part %zu has %zu bytes", i + 1,
                      part_lens[i]);
            return -1;
        }
        total += 8 + part_lens[i];
    }
    if ((buf = malloc(total)) == NULL) {
        zkml_fail(err, -1, "out of memory encoding the receipt");
        return -1;
    }
    p = buf;
    memcpy(p, RECEIPT_GROUP_MAGIC, 8);
    le_put_u32(p + 8, k);
    le_put_u64(p + 12, total_rows);
    p += RECEIPT_GROUP_HEADER_LEN;
    for (i = 0; i < k; i++) {
        le_put_u64(p, part_lens[i]);
        memcpy(p + 8, parts[i], part_lens[i]);
        p += 8 + part_lens[i];
    }
    *out = buf;
    *out_len = total;
    return 0;
}

/* Section 6.2. */
int
receipt_group_digest(uint8_t G[32], const uint8_t (*statement_digests)[32], uint32_t k)
{
    sha256_ctx h;
    uint32_t i;

    sha256_begin(&h);
    sha256_write(&h, GROUP_LABEL, sizeof GROUP_LABEL - 1);
    sha256_write_u32le(&h, k);
    for (i = 0; i < k; i++)
        sha256_write(&h, statement_digests[i], 32);
    return sha256_finish(&h, G);
}

void
receipt_group_bytes(uint8_t out[RECEIPT_GROUP_BYTES], uint32_t i, uint32_t k,
                    const uint8_t G[32])
{
    le_put_u32(out, i);
    le_put_u32(out + 4, k);
    memcpy(out + 8, G, 32);
}

/* The group digest of a decoded container.  0, or -1 (out of memory, hashing). */
static int
group_digest_of(uint8_t G[32], const receipt_group *g)
{
    uint8_t (*s)[32] = malloc((size_t)g->k * 32);
    uint32_t i;
    int rc = 0;

    if (s == NULL)
        return -1;
    for (i = 0; i < g->k && rc == 0; i++)
        rc = receipt_statement_digest(s[i], g->part[i], &g->parts[i]);
    if (rc == 0)
        rc = receipt_group_digest(G, (const uint8_t(*)[32])s, g->k);
    free(s);
    return rc;
}

/*
 * Decode a public file and a container; check that the container names this model and
 * has its shapes.  A RECEIPT_ROWS_ code with err; on failure both are empty.
 */
static int
group_open(receipt_group *g, modelpub *pub, const uint8_t *rct, size_t rct_len,
           const uint8_t *pub_buf, size_t pub_len, char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    uint8_t digest[32];
    int rc;

    memset(g, 0, sizeof *g);
    if ((rc = receipt_public_open(pub, digest, pub_buf, pub_len, err)) != RECEIPT_ROWS_OK)
        return rc;
    if (receipt_group_decode(g, rct, rct_len, sub) != 0) {
        zkml_fail(err, -1, "malformed receipt: %s", sub);
        modelpub_free(pub);
        return RECEIPT_ROWS_BAD_RECEIPT;
    }
    /* every part has the first part's digest and shapes (6.1) */
    if (receipt_names_model(&g->parts[0], pub, digest, err) == 0)
        return RECEIPT_ROWS_OK;
    receipt_group_free(g);
    modelpub_free(pub);
    return RECEIPT_ROWS_MISMATCH;
}

/* Section 6.3. */
int
receipt_group_verify(const uint8_t *rct, size_t rct_len, const uint8_t *pub_buf,
                     size_t pub_len, char *err)
{
    receipt_group g;
    modelpub pub;
    uint8_t G[32], group[RECEIPT_GROUP_BYTES];
    const char *why;
    uint32_t i;
    int rc;

    rc = group_open(&g, &pub, rct, rct_len, pub_buf, pub_len, err);
    if (rc == RECEIPT_ROWS_BAD_PUBLIC)
        return -1;
    if (rc != RECEIPT_ROWS_OK)
        return 0;
    if (!pub.kind->binds_group) {
        zkml_fail(err, -1, "malformed receipt: receipts of several proofs hold proofs of "
                  "version 2 networks and tree ensembles, and the model is a network of "
                  "protocol version 1");
        rc = 0;
    } else if (group_digest_of(G, &g) != 0) {
        zkml_fail(err, -1, "could not hash the receipt's statements");
        rc = -1;
    } else {
        rc = 1;
        for (i = 0; i < g.k && rc == 1; i++) {
            receipt_group_bytes(group, i + 1, g.k, G);
            rc = receipt_verify_decoded(&g.parts[i], &pub, group, &why);
            if (rc != 1)
                zkml_fail(err, -1, "part %u of %u: %s", (unsigned)(i + 1), (unsigned)g.k,
                          why != NULL ? why : "proof rejected");
        }
    }
    receipt_group_free(&g);
    modelpub_free(&pub);
    return rc;
}

int
receipt_group_read_rows(receipt_rows *out, const uint8_t *rct, size_t rct_len,
                        const uint8_t *pub_buf, size_t pub_len, char *err)
{
    receipt_group g;
    modelpub pub;
    size_t at = 0, b, j, n_in, n_out, total;
    uint32_t i;
    int rc;

    memset(out, 0, sizeof *out);
    rc = group_open(&g, &pub, rct, rct_len, pub_buf, pub_len, err);
    if (rc != RECEIPT_ROWS_OK)
        return rc;
    n_in = g.parts[0].n_in;
    n_out = g.parts[0].n_out;
    total = (size_t)g.total_rows;
    if (g.total_rows > UINT32_MAX) {
        zkml_fail(err, -1, "the receipt holds %llu rows, more than can be read at once",
                  (unsigned long long)g.total_rows);
        rc = RECEIPT_ROWS_NO_MEMORY;
        goto done;
    }
    /* the parts held every value: the products fit */
    out->features = malloc(total * n_in * sizeof(double));
    out->scores = malloc(total * n_out * sizeof(double));
    out->keys = calloc(total, sizeof(const uint8_t *));
    out->key_lens = calloc(total, sizeof(uint32_t));
    if (out->features == NULL || out->scores == NULL || out->keys == NULL ||
        out->key_lens == NULL) {
        zkml_fail(err, -1, "out of memory");
        rc = RECEIPT_ROWS_NO_MEMORY;
        goto done;
    }
    out->batch = (uint32_t)total;
    out->committed = g.parts[0].committed;       /* every part has the first's format */
    out->n_in = (uint32_t)n_in;
    out->n_out = (uint32_t)n_out;
    for (i = 0; i < g.k; i++) {
        const receipt *r = &g.parts[i];

        for (b = 0; b < r->batch; b++, at++) {
            if (r->keys != NULL) {
                out->keys[at] = r->keys[b];
                out->key_lens[at] = r->key_lens[b];
            }
            for (j = 0; j < n_in; j++)          /* committed: no row's features */
                out->features[at * n_in + j] =
                    r->committed ? NAN
                                 : pub.kind->dequantize_input(&pub.model, (uint32_t)j,
                                                              r->inputs[b * n_in + j]);
            for (j = 0; j < n_out; j++)
                out->scores[at * n_out + j] = pub.kind->dequantize_output(
                    &pub.model, (uint32_t)j, r->outputs[b * n_out + j]);
        }
    }
done:
    receipt_group_free(&g);
    modelpub_free(&pub);
    if (rc != RECEIPT_ROWS_OK)
        receipt_rows_free(out);
    return rc;
}

int
receipt_group_info_json(char **json, const uint8_t *rct, size_t rct_len, char *err)
{
    receipt_group g;
    json_writer w;
    size_t b, keyed = 0, proof_bytes = 0;
    const receipt *r;
    char *context;
    uint32_t i;

    *json = NULL;
    if (receipt_group_decode(&g, rct, rct_len, err) != 0)
        return -1;
    for (i = 0; i < g.k; i++) {
        for (b = 0; b < g.parts[i].batch; b++)
            keyed += g.parts[i].key_lens != NULL && g.parts[i].key_lens[b] > 0;
        proof_bytes += g.parts[i].proof_len;
    }
    r = &g.parts[0];
    json_writer_init(&w);
    json_write_raw(&w, "{\"format\": \"" RECEIPT_GROUP_MAGIC "\", \"inputs\": \"%s\", "
                   "\"model_digest\": ", r->committed ? "committed" : "public");
    receipt_json_write_hex(&w, r->digest, 32);
    json_write_raw(&w, ", \"rows\": %llu, \"inputs_per_row\": %u, \"outputs_per_row\": %u, "
                   "\"rows_with_keys\": %zu, \"context_bytes\": %zu, \"context\": ",
                   (unsigned long long)g.total_rows, (unsigned)r->n_in, (unsigned)r->n_out,
                   keyed, r->context_len);
    if (!json_utf8_valid(r->context, r->context_len)) {
        json_write_raw(&w, "null");
    } else if ((context = malloc(r->context_len + 1)) == NULL) {
        w.failed = 1;
    } else {
        memcpy(context, r->context, r->context_len);
        context[r->context_len] = '\0';
        json_write_string(&w, context);
        free(context);
    }
    json_write_raw(&w, ", \"context_hex\": ");
    receipt_json_write_hex(&w, r->context, r->context_len);
    json_write_raw(&w, ", \"proof_bytes\": %zu, \"receipt_bytes\": %zu, \"parts\": %u, "
                   "\"part_rows\": [", proof_bytes, rct_len, (unsigned)g.k);
    for (i = 0; i < g.k; i++)
        json_write_raw(&w, i == 0 ? "%u" : ", %u", (unsigned)g.parts[i].batch);
    json_write_raw(&w, "]");
    if (r->committed) {                 /* each part's nonce, as "nonce" of a single one */
        json_write_raw(&w, ", \"part_nonces\": [");
        for (i = 0; i < g.k; i++) {
            json_write_raw(&w, i == 0 ? "" : ", ");
            receipt_json_write_hex(&w, g.parts[i].nonce, ROWCOMMIT_NONCE_LEN);
        }
        json_write_raw(&w, "]");
    }
    json_write_raw(&w, "}");
    receipt_group_free(&g);
    if (w.failed) {
        json_writer_free(&w);
        zkml_fail(err, -1, "out of memory");
        return -1;
    }
    *json = w.text;
    return 0;
}

/* Section 12.10.1 (rows in part order), for openings (12.11). */
int
receipt_parts_decode(receipt_parts *p, const uint8_t *buf, size_t len, char *err)
{
    memset(p, 0, sizeof *p);
    if (receipt_is_group(buf, len)) {
        if (receipt_group_decode(&p->group, buf, len, err) != 0)
            return -1;
        p->parts = p->group.parts;
        p->k = p->group.k;
        p->total_rows = p->group.total_rows;
        return 0;
    }
    if (receipt_decode(&p->single, buf, len, err) != 0)
        return -1;
    p->parts = &p->single;
    p->k = 1;
    p->total_rows = p->single.batch;
    return 0;
}

void
receipt_parts_free(receipt_parts *p)
{
    receipt_free(&p->single);
    receipt_group_free(&p->group);
    memset(p, 0, sizeof *p);
}

int
receipt_parts_find(const receipt_parts *p, uint64_t row, uint32_t *part, uint64_t *first)
{
    if (row >= p->total_rows)
        return -1;
    if (*part >= p->k || row < *first) {
        *part = 0;
        *first = 0;
    }
    while (row - *first >= p->parts[*part].batch) {
        *first += p->parts[*part].batch;
        ++*part;                /* the B_i add up to the total: a part holds row */
    }
    return 0;
}
