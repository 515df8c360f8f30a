/*
 * test_receipt_group.c: receipts of several proofs (receipt_group.h, docs/protocol.md 12.10):
 * round trips of 2 and 3 parts with an uneven last part, and each damage of 9.3 rejected
 * for its own reason; tree ensembles in parts, in both input modes.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "le.h"
#include "modelkey.h"
#include "receipt.h"
#include "receipt_group.h"
#include "unit.h"

/* A fixture model's key and public file (fixed seed), opened, and its rows. */
typedef struct {
    uint8_t *key, *pub;
    size_t key_len, pub_len;
    zkml_model *m;
    int32_t *rows;
    size_t n_rows, n_in;
} group_case;

/* A network of tests/fixtures (MODEL.q.json, the key's seed all fill bytes) with the rows
 * of lr20.rows.csv, or a tree document (trees/NAME.json, a random seed) with 8 rows of
 * trees/credit_gaps.rows.csv. */
static int
gcase_open(group_case *gc, const char *model, uint8_t fill)
{
    char name[64], err[ZKML_ERR_LEN] = "";
    modelkey key;
    int rc;

    memset(gc, 0, sizeof *gc);
    memset(&key, 0, sizeof key);
    if (strncmp(model, "trees/", 6) == 0) {
        size_t len;
        char *doc = fixture_read(model, &len);

        rc = doc != NULL ? zkml_key_generate(&gc->key, &gc->key_len, doc, len, err) : -1;
        free(doc);
    } else {
        snprintf(name, sizeof name, "%s.q.json", model);
        rc = fixture_model(&key.model, name, err);
        memset(key.seed, fill, sizeof key.seed);
        if (rc == 0)
            rc = modelkey_encode(&gc->key, &gc->key_len, &key, err);
    }
    if (rc == 0)
        rc = modelkey_public(&gc->pub, &gc->pub_len, gc->key, gc->key_len, err);
    modelkey_free(&key);
    if (rc == 0)
        rc = zkml_model_open(&gc->m, gc->key, gc->key_len, gc->pub, gc->pub_len, err);
    if (rc == 0 && strncmp(model, "trees/", 6) == 0) {
        gc->n_in = zkml_model_describe(gc->m)->n_inputs;
        gc->n_rows = 8;
        gc->rows = fixture_tree_keys("trees/credit_gaps.rows.csv", gc->n_in, gc->n_rows);
        rc = gc->rows != NULL ? 0 : -1;
    } else if (rc == 0) {
        gc->rows = fixture_csv("lr20.rows.csv", &gc->n_rows, &gc->n_in);
        rc = gc->rows != NULL && gc->n_rows >= 8 ? 0 : -1;
    }
    if (rc != 0)
        fprintf(stderr, "    %s: %s\n", model, err);
    return rc;
}

static void
gcase_close(group_case *gc)
{
    zkml_model_close(gc->m);
    free(gc->key);
    free(gc->pub);
    free(gc->rows);
    memset(gc, 0, sizeof *gc);
}

static const uint8_t *const row_keys[8] = {
    (const uint8_t *)"a1", (const uint8_t *)"a2", (const uint8_t *)"a3",
    (const uint8_t *)"a4", (const uint8_t *)"a5", (const uint8_t *)"a6",
    (const uint8_t *)"a7", (const uint8_t *)"a8"};
static const uint32_t row_key_lens[8] = {2, 2, 2, 2, 2, 2, 2, 2};

typedef struct {
    size_t calls, part[4], parts[4], first[4], rows[4];
} part_log;

static void
log_part(void *arg, size_t part, size_t parts, size_t first_row, size_t rows)
{
    part_log *pl = arg;

    if (pl->calls < 4) {
        pl->part[pl->calls] = part;
        pl->parts[pl->calls] = parts;
        pl->first[pl->calls] = first_row;
        pl->rows[pl->calls] = rows;
    }
    pl->calls++;
}

/* Rows first.. of the case, batch of them, in parts of C, with context ctx (committed
 * inputs when prove_committed is set). */
static int prove_committed;

static int
prove_group(uint8_t **rct, size_t *rct_len, group_case *gc, size_t first, size_t batch,
            size_t C, const char *ctx, part_log *pl, char *err)
{
    zkml_prove_options o;

    memset(&o, 0, sizeof o);
    o.committed_inputs = prove_committed;
    o.context = (const uint8_t *)ctx;
    o.context_len = strlen(ctx);
    o.row_keys = row_keys + first;
    o.row_key_lens = row_key_lens + first;
    o.rows_per_proof = C;
    o.part = pl != NULL ? log_part : NULL;
    o.progress_arg = pl;
    return zkml_prove_rows(rct, rct_len, gc->m, gc->rows + first * gc->n_in, batch, gc->n_in,
                           &o, NULL, err);
}

/* A container of the given parts of g (indices into g's parts), k and total given. */
static uint8_t *
rebuild(size_t *len, const receipt_group *g, const size_t *pick, uint32_t k, uint64_t total,
        const uint8_t *other_part, size_t other_len, size_t other_at)
{
    const uint8_t *parts[4];
    size_t lens[4], i;
    uint8_t *out = NULL;
    char err[ZKML_ERR_LEN];

    for (i = 0; i < k; i++) {
        parts[i] = g->part[pick[i]];
        lens[i] = g->part_len[pick[i]];
    }
    if (other_part != NULL) {
        parts[other_at] = other_part;
        lens[other_at] = other_len;
    }
    if (receipt_group_encode(&out, len, k, total, parts, lens, err) != 0)
        return NULL;
    return out;
}

/* zkml_verify of bytes: the verdict, and err containing want (if not NULL). */
static int
verdict_says(const uint8_t *rct, size_t len, const group_case *gc, const char *want)
{
    char err[ZKML_ERR_LEN] = "";
    int v = zkml_verify(rct, len, gc->pub, gc->pub_len, err);

    if (want != NULL && strstr(err, want) == NULL) {
        fprintf(stderr, "    reason \"%s\" lacks \"%s\"\n", err, want);
        return 9;
    }
    return v;
}

UNIT_TEST(receipt_group_round_trip)
{
    group_case gc;
    char err[ZKML_ERR_LEN] = "";
    size_t shapes[2][2] = {{5, 3}, {7, 3}}, s, i;

    CHECK(zkml_init() == NULL);
    CHECK(gcase_open(&gc, "lr20v2", 3) == 0);
    CHECK(zkml_model_describe(gc.m)->proves_in_parts == 1);
    for (s = 0; s < 2 && gc.rows != NULL; s++) {
        size_t B = shapes[s][0], C = shapes[s][1], k = (B + C - 1) / C;
        uint8_t *rct = NULL;
        size_t len = 0;
        part_log pl;
        receipt_group g;
        zkml_receipt *h = NULL;
        zkml_rows rows;
        double scores[8];
        char *json = NULL, want[64];

        memset(&pl, 0, sizeof pl);
        CHECKF(prove_group(&rct, &len, &gc, 0, B, C, "day 1", &pl, err) == ZKML_OK, "%s", err);
        if (rct == NULL)
            continue;
        CHECK(memcmp(rct, "ZKMLRCTM", 8) == 0);
        CHECK(pl.calls == k);
        for (i = 0; i < k && i < 4; i++)
            CHECK(pl.part[i] == i + 1 && pl.parts[i] == k && pl.first[i] == i * C &&
                  pl.rows[i] == (i + 1 < k ? C : B - (k - 1) * C));
        CHECKF(zkml_verify(rct, len, gc.pub, gc.pub_len, err) == 1, "%s", err);
        CHECK(receipt_group_decode(&g, rct, len, err) == 0 && g.k == k && g.total_rows == B);
        for (i = 0; i < g.k; i++)
            CHECK(g.parts[i].batch == (i + 1 < k ? C : B - (k - 1) * C) &&
                  g.parts[i].context_len == 5 && memcmp(g.parts[i].context, "day 1", 5) == 0);
        receipt_group_free(&g);
        /* the rows of every part, in order, with their keys and the model's scores */
        CHECK(zkml_score_rows(gc.m, gc.rows, B, scores, NULL, err) == ZKML_OK);
        CHECK(zkml_receipt_read_rows(&rows, rct, len, gc.pub, gc.pub_len, err) == ZKML_OK);
        CHECK(rows.batch == B);
        for (i = 0; i < rows.batch && i < B; i++)
            CHECK(rows.key_lens[i] == 2 && memcmp(rows.keys[i], row_keys[i], 2) == 0 &&
                  rows.scores[i] == scores[i]);
        zkml_rows_free(&rows);
        CHECK(zkml_receipt_open(&h, rct, len, err) == ZKML_OK);
        if (h != NULL) {
            const zkml_receipt_summary *sm = zkml_receipt_describe(h);

            CHECK(sm->parts == k && sm->batch == B && sm->n_in == gc.n_in &&
                  memcmp(sm->inputs, gc.rows, B * gc.n_in * sizeof(int32_t)) == 0);
            zkml_receipt_close(h);
        }
        CHECK(zkml_receipt_info_json(&json, rct, len, err) == ZKML_OK);
        snprintf(want, sizeof want, "\"parts\": %zu, \"part_rows\": [", k);
        for (i = 0; i < k; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), i + 1 < k ? "%zu, " : "%zu]",
                     i + 1 < k ? C : B - (k - 1) * C);
        CHECKF(json != NULL && strstr(json, "\"format\": \"ZKMLRCTM\"") != NULL &&
               strstr(json, want) != NULL, "%s", json != NULL ? json : err);
        free(json);
        free(rct);
    }
    /* N <= C: one receipt of one proof, the group of one */
    if (gc.rows != NULL) {
        uint8_t *rct = NULL;
        size_t len = 0;
        char *json = NULL;

        CHECK(prove_group(&rct, &len, &gc, 0, 3, 3, "day 1", NULL, err) == ZKML_OK);
        CHECK(rct != NULL && memcmp(rct, "ZKMLRCT1", 8) == 0);
        CHECK(zkml_verify(rct, len, gc.pub, gc.pub_len, err) == 1);
        CHECK(zkml_receipt_info_json(&json, rct, len, err) == ZKML_OK && json != NULL &&
              strstr(json, "\"parts\": 1, \"part_rows\": [3]") != NULL);
        free(json);
        free(rct);
    }
    gcase_close(&gc);
}

/* Section 9.3: each damage rejected, for its own reason. */
UNIT_TEST(receipt_group_damage)
{
    group_case gc, other;
    char err[ZKML_ERR_LEN] = "";
    uint8_t *rct = NULL, *rct_b = NULL, *rct_ctx = NULL, *rct_other = NULL, *bad;
    size_t len = 0, len_b = 0, len_ctx = 0, len_other = 0, bad_len;
    receipt_group g, gb, gctx, gother;
    static const size_t same[3] = {0, 1, 2}, swapped[3] = {1, 0, 2}, first_two[2] = {0, 1},
                        dup[3] = {0, 0, 2};

    CHECK(zkml_init() == NULL);
    CHECK(gcase_open(&gc, "lr20v2", 3) == 0);
    CHECK(gcase_open(&other, "lr20v2", 4) == 0);        /* the same shapes, another digest */
    if (gc.rows == NULL || other.rows == NULL)
        goto out;
    CHECK(prove_group(&rct, &len, &gc, 0, 7, 3, "day 1", NULL, err) == ZKML_OK);
    CHECK(prove_group(&rct_b, &len_b, &gc, 1, 7, 3, "day 1", NULL, err) == ZKML_OK);
    CHECK(prove_group(&rct_ctx, &len_ctx, &gc, 0, 7, 3, "day 2", NULL, err) == ZKML_OK);
    CHECK(prove_group(&rct_other, &len_other, &other, 0, 7, 3, "day 1", NULL, err) == ZKML_OK);
    if (rct == NULL || rct_b == NULL || rct_ctx == NULL || rct_other == NULL)
        goto out;
    CHECK(receipt_group_decode(&g, rct, len, err) == 0);
    CHECK(receipt_group_decode(&gb, rct_b, len_b, err) == 0);
    CHECK(receipt_group_decode(&gctx, rct_ctx, len_ctx, err) == 0);
    CHECK(receipt_group_decode(&gother, rct_other, len_other, err) == 0);
    CHECK(verdict_says(rct, len, &gc, NULL) == 1);

    /* rebuilt as it was: the same bytes, accepted (the rebuilding itself is honest) */
    bad = rebuild(&bad_len, &g, same, 3, 7, NULL, 0, 0);
    CHECK(bad != NULL && bad_len == len && memcmp(bad, rct, len) == 0);
    free(bad);

    /* a part dropped, k and the total lowered: every part decodes and each proof is
     * honest for the group it was made in, but "stmt/group" is not this group's */
    bad = rebuild(&bad_len, &g, first_two, 2, 6, NULL, 0, 0);
    CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "part 1 of 2: ") == 0);
    {
        /* the check that rejects it: with the original (i, k, G), part 1 is accepted */
        modelpub pub;
        uint8_t s[3][32], G[32], group[40];
        const char *why = NULL;
        size_t i;

        CHECK(modelpub_decode(&pub, gc.pub, gc.pub_len, err) == 0);
        for (i = 0; i < 3; i++)
            CHECK(receipt_statement_digest(s[i], g.part[i], &g.parts[i]) == 0);
        CHECK(receipt_group_digest(G, (const uint8_t(*)[32])s, 3) == 0);
        receipt_group_bytes(group, 1, 3, G);
        CHECK(receipt_verify_decoded(&g.parts[0], &pub, group, &why) == 1);
        receipt_group_bytes(group, 1, 2, G);
        CHECK(receipt_verify_decoded(&g.parts[0], &pub, group, &why) == 0);
        receipt_group_bytes(group, 2, 3, G);
        CHECK(receipt_verify_decoded(&g.parts[0], &pub, group, &why) == 0);
        modelpub_free(&pub);
    }
    free(bad);
    /* two parts exchanged */
    bad = rebuild(&bad_len, &g, swapped, 3, 7, NULL, 0, 0);
    CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "part 1 of 3: ") == 0);
    free(bad);
    /* a part repeated in place of another (the total made to match) */
    bad = rebuild(&bad_len, &g, dup, 3, 7, NULL, 0, 0);
    CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "part 1 of 3: ") == 0);
    free(bad);
    /* part 2 of another container of the same model and context */
    bad = rebuild(&bad_len, &g, same, 3, 7, gb.part[1], gb.part_len[1], 1);
    CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "part 1 of 3: ") == 0);
    free(bad);
    /* a part presented alone, as a receipt of one proof */
    CHECK(verdict_says(g.part[1], g.part_len[1], &gc, NULL) == 0);
    CHECK(verdict_says(g.part[0], g.part_len[0], &gc, NULL) == 0);
    /* k = 1 */
    bad = rebuild(&bad_len, &g, same, 3, 7, NULL, 0, 0);
    if (bad != NULL) {
        le_put_u32(bad + 8, 1);
        CHECK(verdict_says(bad, bad_len, &gc, "k = 1 parts is not in 2 .. 65536") == 0);
        /* the count field too low or too high */
        le_put_u32(bad + 8, 2);
        CHECK(verdict_says(bad, bad_len, &gc, "bytes follow part 2") == 0);
        le_put_u32(bad + 8, 4);
        CHECK(verdict_says(bad, bad_len, &gc, "length of part 4") == 0);
        le_put_u32(bad + 8, 3);
        /* the total rows wrong */
        le_put_u64(bad + 12, 8);
        CHECK(verdict_says(bad, bad_len, &gc, "8 total rows, the parts hold 7") == 0);
        le_put_u64(bad + 12, 1);
        CHECK(verdict_says(bad, bad_len, &gc, "1 total rows is not in 2 .. 2^32") == 0);
        le_put_u64(bad + 12, 7);
        CHECK(verdict_says(bad, bad_len, &gc, NULL) == 1);
        /* a part length past the end, and below 8 */
        le_put_u64(bad + 20, g.part_len[0] + len);
        CHECK(verdict_says(bad, bad_len, &gc, "part 1 at byte 20: its length") == 0);
        le_put_u64(bad + 20, 7);
        CHECK(verdict_says(bad, bad_len, &gc, "below 8") == 0);
        /* a part length one short: part 1 no longer decodes */
        le_put_u64(bad + 20, g.part_len[0] - 1);
        CHECK(verdict_says(bad, bad_len, &gc, "part 1 at byte 28: ") == 0);
        free(bad);
    }
    /* a byte after the last part */
    bad = malloc(len + 1);
    if (bad != NULL) {
        memcpy(bad, rct, len);
        bad[len] = 0;
        CHECK(verdict_says(bad, len + 1, &gc, "1 bytes follow part 3") == 0);
        free(bad);
    }
    /* truncated anywhere: never valid, never a crash */
    {
        size_t cut;
        int all_rejected = 1;

        for (cut = 0; cut < len; cut += cut < 64 ? 1 : 997)
            all_rejected &= zkml_verify(rct, cut, gc.pub, gc.pub_len, err) == 0;
        CHECK(all_rejected);
        CHECK(verdict_says(rct, len - 1, &gc, "part 3") == 0);
    }
    /* a part with another context, and a part of another model */
    bad = rebuild(&bad_len, &g, same, 3, 7, gctx.part[2], gctx.part_len[2], 2);
    CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "its context is not the first part's") == 0);
    free(bad);
    bad = rebuild(&bad_len, &g, same, 3, 7, gother.part[1], gother.part_len[1], 1);
    CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "another model digest") == 0);
    free(bad);
    /* the whole container against another model's public file */
    CHECK(verdict_says(rct_other, len_other, &gc, "digest mismatch") == 0);
    CHECK(verdict_says(rct_other, len_other, &other, NULL) == 1);
    /* one byte of part 2's proof altered: part 2 named */
    bad = malloc(len);
    if (bad != NULL) {
        size_t at = (size_t)(g.parts[1].proof - rct) + g.parts[1].proof_len / 2;

        memcpy(bad, rct, len);
        bad[at] ^= 1;
        CHECK(verdict_says(bad, len, &gc, "part 2 of 3: ") == 0);
        free(bad);
    }
    receipt_group_free(&g);
    receipt_group_free(&gb);
    receipt_group_free(&gctx);
    receipt_group_free(&gother);
out:
    free(rct);
    free(rct_b);
    free(rct_ctx);
    free(rct_other);
    gcase_close(&gc);
    gcase_close(&other);
}

/* Containers hold version 2 proofs only: a version 1 model is not proven in parts, and
 * a container of two honest version 1 receipts is rejected (6.3 step 4). */
UNIT_TEST(receipt_group_version_1)
{
    group_case gc;
    char err[ZKML_ERR_LEN] = "";
    uint8_t *a = NULL, *b = NULL, *rct = NULL;
    size_t a_len = 0, b_len = 0, len = 0;

    CHECK(zkml_init() == NULL);
    CHECK(gcase_open(&gc, "lr20", 3) == 0);
    if (gc.rows == NULL)
        goto out;
    CHECK(zkml_model_describe(gc.m)->proves_in_parts == 0);
    CHECK(prove_group(&rct, &len, &gc, 0, 5, 3, "day 1", NULL, err) == ZKML_E_UNSUPPORTED &&
          rct == NULL && strstr(err, "protocol version 1 is not proven in parts") != NULL);
    /* within one part, as before */
    CHECK(prove_group(&a, &a_len, &gc, 0, 3, 3, "day 1", NULL, err) == ZKML_OK);
    CHECK(prove_group(&b, &b_len, &gc, 3, 2, 3, "day 1", NULL, err) == ZKML_OK);
    if (a != NULL && b != NULL) {
        const uint8_t *parts[2] = {a, b};
        size_t lens[2] = {a_len, b_len};

        CHECK(verdict_says(a, a_len, &gc, NULL) == 1 && verdict_says(b, b_len, &gc, NULL) == 1);
        CHECK(receipt_group_encode(&rct, &len, 2, 5, parts, lens, err) == 0);
        CHECK(rct != NULL && verdict_says(rct, len, &gc, "a network of protocol version 1") == 0);
    }
out:
    free(a);
    free(b);
    free(rct);
    gcase_close(&gc);
}

/* A tree ensemble's rows in parts (docs/protocol.md 16.4, 12.10), in both input modes:
 * accepted, and each part bound to its place (parts exchanged, a part dropped, a part
 * alone: rejected, naming the part). */
UNIT_TEST(receipt_group_trees)
{
    group_case gc;
    char err[ZKML_ERR_LEN] = "";
    static const size_t swapped[3] = {1, 0, 2}, first_two[2] = {0, 1};
    int mode;

    CHECK(zkml_init() == NULL);
    CHECK(gcase_open(&gc, "trees/xgb_reglog.json", 0) == 0);
    if (gc.rows == NULL)
        goto out;
    CHECK(zkml_model_describe(gc.m)->proves_in_parts == 1);
    for (mode = 0; mode < 2; mode++) {
        uint8_t *rct = NULL, *bad;
        size_t len = 0, bad_len;
        receipt_group g;

        prove_committed = mode;
        CHECKF(prove_group(&rct, &len, &gc, 0, 7, 3, "day 1", NULL, err) == ZKML_OK, "%s", err);
        prove_committed = 0;
        if (rct == NULL)
            continue;
        CHECK(memcmp(rct, "ZKMLRCTM", 8) == 0);
        CHECKF(verdict_says(rct, len, &gc, NULL) == 1, "mode %d", mode);
        CHECK(receipt_group_decode(&g, rct, len, err) == 0 && g.k == 3 && g.total_rows == 7 &&
              g.parts[0].committed == mode && g.parts[2].batch == 1);
        bad = rebuild(&bad_len, &g, swapped, 3, 7, NULL, 0, 0);
        CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "part 1 of 3: ") == 0);
        free(bad);
        bad = rebuild(&bad_len, &g, first_two, 2, 6, NULL, 0, 0);
        CHECK(bad != NULL && verdict_says(bad, bad_len, &gc, "part 1 of 2: ") == 0);
        free(bad);
        CHECK(verdict_says(g.part[0], g.part_len[0], &gc, NULL) == 0);
        {
            /* committed parts: each part's nonce in zkml_receipt_info, in part order */
            char *json = NULL, *at, hex[2 * 32 + 1];
            size_t j;

            CHECK(zkml_receipt_info_json(&json, rct, len, err) == ZKML_OK && json != NULL);
            at = json != NULL ? strstr(json, "\"part_nonces\": [\"") : NULL;
            CHECKF((at != NULL) == mode, "%s", json != NULL ? json : err);
            for (j = 0; at != NULL && j < 32; j++)
                snprintf(hex + 2 * j, 3, "%02x", g.parts[2].nonce[j]);
            if (at != NULL)
                CHECK(strstr(at, hex) != NULL && strstr(at, hex) > strstr(at, "\", \""));
            free(json);
        }
        receipt_group_free(&g);
        free(rct);
    }
out:
    gcase_close(&gc);
}
