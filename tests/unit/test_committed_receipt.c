/*
 * test_committed_receipt.c: committed-input receipts and openings through the front door
 * (docs/protocol.md 12.9, 12.11, 11.4): the ZKMLRCC1 file and its verdicts, the hiding
 * scan, openings of chosen rows and what each check of an opening catches, the wrong
 * descriptor and the version 1 model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "field.h"
#include "le.h"
#include "modelkey.h"
#include "opening.h"
#include "receipt.h"
#include "receipt_group.h"
#include "rowcommit.h"
#include "unit.h"
#include "zkml.h"

/* A key file (seed filled with `fill`) and its public file from a fixture document. */
static int
cr_files(const char *shape, uint8_t fill, uint8_t **key_buf, size_t *key_len,
         uint8_t **pub_buf, size_t *pub_len)
{
    char name[64], err[ZKML_ERR_LEN] = "";
    modelkey key;
    int rc;

    *key_buf = *pub_buf = NULL;
    memset(&key, 0, sizeof key);
    snprintf(name, sizeof name, "%s.q.json", shape);
    rc = fixture_model(&key.model, name, err);
    memset(key.seed, fill, sizeof key.seed);
    if (rc == 0)
        rc = modelkey_encode(key_buf, key_len, &key, err);
    if (rc == 0)
        rc = modelkey_public(pub_buf, pub_len, *key_buf, *key_len, err);
    if (rc != 0)
        fprintf(stderr, "    %s: %s\n", shape, err);
    modelkey_free(&key);
    return rc;
}

/* A receipt of the first B rows of lr20v2 (keys "app-1" ..), committed or public. */
typedef struct {
    uint8_t *key, *pub, *rct;
    size_t key_len, pub_len, rct_len, B, n;
    int32_t *x;
    zkml_model *m;
} cr_case;

/* The same proven in parts of rows_per_proof rows (0: one proof). */
static int
cr_setup_parts(cr_case *cc, const char *shape, size_t B, int committed, const uint8_t *fixed,
               size_t rows_per_proof)
{
    char err[ZKML_ERR_LEN] = "", keybuf[16][8];
    const uint8_t *keys[16];
    uint32_t key_lens[16];
    size_t rows = 0, i;
    int rc;

    memset(cc, 0, sizeof *cc);
    if (cr_files(shape, 0x21, &cc->key, &cc->key_len, &cc->pub, &cc->pub_len) != 0)
        return -1;
    cc->x = fixture_rows(shape, &rows, &cc->n);
    if (cc->x == NULL || rows < B || B > 16)
        return -1;
    cc->B = B;
    for (i = 0; i < B; i++) {
        snprintf(keybuf[i], sizeof keybuf[i], "app-%zu", i + 1);
        keys[i] = (const uint8_t *)keybuf[i];
        key_lens[i] = (uint32_t)strlen(keybuf[i]);
    }
    if (zkml_model_open(&cc->m, cc->key, cc->key_len, cc->pub, cc->pub_len, err) != ZKML_OK)
        return -1;
    {
        zkml_prove_options o = {(const uint8_t *)"audit", 5, keys, key_lens, NULL, NULL,
                                fixed, rows_per_proof, NULL, committed};

        rc = zkml_prove_rows(&cc->rct, &cc->rct_len, cc->m, cc->x, B, cc->n, &o, NULL, err);
    }
    if (rc != ZKML_OK)
        fprintf(stderr, "    prove: %s\n", err);
    return rc;
}

static int
cr_setup(cr_case *cc, const char *shape, size_t B, int committed, const uint8_t *fixed)
{
    return cr_setup_parts(cc, shape, B, committed, fixed, 0);
}

static void
cr_free(cr_case *cc)
{
    if (cc->key != NULL)
        modelkey_bytes_free(cc->key, cc->key_len);
    free(cc->pub);
    free(cc->rct);
    free(cc->x);
    zkml_model_close(cc->m);
    memset(cc, 0, sizeof *cc);
}

/* 1 if needle occurs in buf. */
UNIT_TEST(committed_receipt_round_trip_and_hiding)
{
    cr_case cc, pc;
    uint8_t fixed[32] = {5};
    char err[ZKML_ERR_LEN] = "", *json = NULL;
    receipt r;
    size_t b, j, constant = 0;

    CHECK(cr_setup(&cc, "lr20v2", 3, 1, fixed) == ZKML_OK);
    CHECK(cr_setup(&pc, "lr20v2", 3, 0, fixed) == ZKML_OK);
    if (cc.rct == NULL || pc.rct == NULL)
        goto out;
    CHECK(memcmp(cc.rct, RECEIPT_MAGIC_COMMITTED, 8) == 0);
    CHECK(memcmp(pc.rct, RECEIPT_MAGIC, 8) == 0);
    CHECKF(zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 1, "%s", err);
    CHECK(zkml_verify(pc.rct, pc.rct_len, pc.pub, pc.pub_len, err) == 1);
    /* the layout of 3.1: no inputs, a nonce, B row commitments that decode */
    CHECK(receipt_decode(&r, cc.rct, cc.rct_len, err) == 0);
    CHECK(r.committed && r.inputs == NULL && r.batch == 3 && r.n_in == cc.n);
    CHECK(cc.rct_len == RECEIPT_HEADER_LEN - 4 + r.statement_context_len + 32 + 3 * 64 +
                        4 * 3 * r.n_out + 8 + r.proof_len);
    receipt_free(&r);
    /* the hiding scan: the rows are not constant, the scanner finds them in public mode */
    for (b = 0; b < 3; b++) {
        int same = 1;

        for (j = 1; j < cc.n; j++)
            same &= cc.x[b * cc.n + j] == cc.x[b * cc.n];
        constant += same;
    }
    CHECK(constant == 0);
    CHECK(fixture_features_found(pc.rct, pc.rct_len, pc.x, 3, pc.n) == 1);
    CHECK(fixture_features_found(cc.rct, cc.rct_len, cc.x, 3, cc.n) == 0);
    /* the facts */
    CHECK(zkml_receipt_info_json(&json, cc.rct, cc.rct_len, err) == ZKML_OK);
    CHECK(json != NULL && strstr(json, "\"format\": \"ZKMLRCC1\", \"inputs\": \"committed\"") &&
          strstr(json, "\"nonce\": \""));
    free(json);
    json = NULL;
    CHECK(zkml_receipt_info_json(&json, pc.rct, pc.rct_len, err) == ZKML_OK);
    CHECK(json != NULL && strstr(json, "\"inputs\": \"public\""));
    free(json);
    /* every byte outside the proof changed: rejected (header, context, keys, nonce,
     * commitments, outputs, the proof length) */
    {
        size_t at, accepted = 0, outside;

        CHECK(receipt_decode(&r, cc.rct, cc.rct_len, err) == 0);
        outside = (size_t)(r.proof - cc.rct);
        receipt_free(&r);
        for (at = 0; at < outside; at++) {
            cc.rct[at] ^= 0x01;
            if (zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 1)
                accepted++;
            cc.rct[at] ^= 0x01;
        }
        CHECKF(accepted == 0, "%zu of %zu bytes accepted", accepted, outside);
    }
    /* two row commitments exchanged */
    {
        uint8_t tmp[64];
        size_t at;

        CHECK(receipt_decode(&r, cc.rct, cc.rct_len, err) == 0);
        at = RECEIPT_HEADER_LEN - 4 + r.statement_context_len + 32;
        receipt_free(&r);
        memcpy(tmp, cc.rct + at, 64);
        memcpy(cc.rct + at, cc.rct + at + 64, 64);
        memcpy(cc.rct + at + 64, tmp, 64);
        CHECK(zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 0);
        memcpy(cc.rct + at + 64, cc.rct + at, 64);
        memcpy(cc.rct + at, tmp, 64);
        CHECK(zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 1);
    }
    /* two receipts of the same rows share no row commitment (other nonces) */
    {
        cr_case cc2;

        CHECK(cr_setup(&cc2, "lr20v2", 3, 1, NULL) == ZKML_OK);
        if (cc2.rct != NULL) {
            receipt r2;

            CHECK(receipt_decode(&r, cc.rct, cc.rct_len, err) == 0);
            CHECK(receipt_decode(&r2, cc2.rct, cc2.rct_len, err) == 0);
            for (b = 0; b < 3; b++)
                for (j = 0; j < 3; j++)
                    CHECK(!ge_eq(&r.row_commitments[b], &r2.row_commitments[j]));
            receipt_free(&r);
            receipt_free(&r2);
        }
        cr_free(&cc2);
    }
out:
    cr_free(&cc);
    cr_free(&pc);
}

UNIT_TEST(committed_receipt_openings)
{
    cr_case cc;
    uint8_t fixed[32] = {6}, *opn = NULL, *bad = NULL;
    size_t opn_len = 0, off;
    char err[ZKML_ERR_LEN] = "";
    uint32_t row1 = 1, rows02[2] = {0, 2};
    zkml_rows rows;

    CHECK(cr_setup(&cc, "lr20v2", 3, 1, fixed) == ZKML_OK);
    if (cc.rct == NULL)
        goto out;
    /* the lender refuses features that are not the committed ones */
    cc.x[cc.n + 3] ^= 1;
    CHECK(zkml_open_rows(&opn, &opn_len, cc.m, cc.rct, cc.rct_len, &row1, cc.x + cc.n, 1,
                         err) == ZKML_E_INVALID && strstr(err, "row 2 (key \"app-2\")"));
    cc.x[cc.n + 3] ^= 1;
    CHECK(zkml_open_rows(&opn, &opn_len, cc.m, cc.rct, cc.rct_len, rows02 + 1, cc.x, 1, err) ==
          ZKML_E_INVALID);                         /* row 1's features as row 3's */
    /* an honest opening of row 2 (index 1) */
    CHECKF(zkml_open_rows(&opn, &opn_len, cc.m, cc.rct, cc.rct_len, &row1, cc.x + cc.n, 1,
                          err) == ZKML_OK, "%s", err);
    if (opn == NULL)
        goto out;
    CHECK(opn_len == 48 + 1 * (36 + 4 * cc.n));
    CHECKF(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, opn, opn_len, err) == 1,
           "%s", err);
    /* zkml_receipt_rows: keys and scores for every row, features for row 2 only */
    CHECK(zkml_receipt_read_rows(&rows, cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == ZKML_OK);
    CHECK(rows.committed && isnan(rows.features[0]) && isnan(rows.features[cc.n]) &&
          rows.opened == NULL && rows.key_lens[1] == 5 && !isnan(rows.scores[1]));
    zkml_rows_free(&rows);
    CHECKF(zkml_receipt_read_rows_opened(&rows, cc.rct, cc.rct_len, cc.pub, cc.pub_len, opn,
                                         opn_len, err) == ZKML_OK, "%s", err);
    if (rows.opened != NULL) {
        size_t j;
        int equal = 1;

        CHECK(rows.opened[1] && !rows.opened[0] && !rows.opened[2]);
        CHECK(isnan(rows.features[0]) && isnan(rows.features[2 * cc.n]));
        for (j = 0; j < cc.n; j++)
            equal &= rows.features[cc.n + j] ==
                     zkml_dequantize_input(cc.m, (uint32_t)j, cc.x[cc.n + j]);
        CHECK(equal);
    }
    zkml_rows_free(&rows);
    bad = malloc(opn_len);
    if (bad == NULL)
        goto out;
    /* the opening of row 2 checked as row 1 and as row 3: rejected, naming the row */
    memcpy(bad, opn, opn_len);
    le_put_u32(bad + 48, 0);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "row 1 (key \"app-1\")"));
    le_put_u32(bad + 48, 2);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "row 3"));
    le_put_u32(bad + 48, 3);                        /* index >= B */
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0);
    /* one feature changed (within its width), then the blind plus one */
    memcpy(bad, opn, opn_len);
    off = 52 + 4 * 5;
    le_put_u32(bad + off, le_get_u32(bad + off) ^ 1);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "does not match"));
    memcpy(bad, opn, opn_len);
    {
        fq_t bl;
        uint8_t *p = bad + 52 + 4 * cc.n;

        CHECK(fq_from_bytes(&bl, p));
        fq_add(&bl, &bl, &FQ_ONE);
        fq_to_bytes(p, &bl);
    }
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "does not match"));
    /* decoder: a feature beyond its width, a blind >= q, a short file */
    memcpy(bad, opn, opn_len);
    le_put_u32(bad + 52, 128);                      /* 8-bit feature: 128 is out */
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "width"));
    memcpy(bad, opn, opn_len);
    memset(bad + 52 + 4 * cc.n, 0xff, 32);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "canonical"));
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, opn, opn_len - 1, err) ==
          0);
    /* rows out of order, or repeated: refused by the lender */
    {
        uint32_t rev[2] = {2, 0}, rep[2] = {1, 1};
        uint8_t *o2 = NULL;
        size_t o2_len = 0;

        CHECK(zkml_open_rows(&o2, &o2_len, cc.m, cc.rct, cc.rct_len, rev, cc.x, 2, err) ==
              ZKML_E_INVALID);
        CHECK(zkml_open_rows(&o2, &o2_len, cc.m, cc.rct, cc.rct_len, rep, cc.x, 2, err) ==
              ZKML_E_INVALID);
        /* two rows, 0 and 2 */
        {
            int32_t two[2 * 64];

            memcpy(two, cc.x, cc.n * sizeof(int32_t));
            memcpy(two + cc.n, cc.x + 2 * cc.n, cc.n * sizeof(int32_t));
            CHECK(zkml_open_rows(&o2, &o2_len, cc.m, cc.rct, cc.rct_len, rows02, two, 2, err) ==
                  ZKML_OK);
            CHECK(o2 != NULL && zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, o2,
                                                   o2_len, err) == 1);
            free(o2);
        }
    }
    /* an opening of another receipt of the same rows (another nonce): its digest */
    {
        cr_case cc2;

        CHECK(cr_setup(&cc2, "lr20v2", 3, 1, NULL) == ZKML_OK);
        if (cc2.rct != NULL)
            CHECK(zkml_check_opening(cc2.rct, cc2.rct_len, cc2.pub, cc2.pub_len, opn, opn_len,
                                     err) == 0 && strstr(err, "another receipt"));
        cr_free(&cc2);
    }
    /* an opening of a receipt that does not verify is not checked further */
    cc.rct[cc.rct_len - 40] ^= 1;
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, opn, opn_len, err) == 0);
    cc.rct[cc.rct_len - 40] ^= 1;
out:
    free(bad);
    free(opn);
    cr_free(&cc);
}

UNIT_TEST(committed_receipt_wrong_descriptor)
{
    cr_case cc, v1;
    uint8_t fixed[32] = {7}, *other_key = NULL, *other_pub = NULL;
    size_t other_key_len = 0, other_pub_len = 0;
    char err[ZKML_ERR_LEN] = "";

    CHECK(cr_setup(&cc, "lr20v2", 2, 1, fixed) == ZKML_OK);
    /* another model's public file (same seed, another model): model-mismatch */
    CHECK(cr_files("mlp20v2", 0x21, &other_key, &other_key_len, &other_pub,
                   &other_pub_len) == 0);
    if (cc.rct != NULL && other_pub != NULL)
        CHECK(zkml_verify(cc.rct, cc.rct_len, other_pub, other_pub_len, err) == 0 &&
              strstr(err, "another model"));
    /* the header's mode byte: committed proof as public (in a ZKMLRCC1 receipt), and the
     * proof of a public receipt marked committed */
    if (cc.rct != NULL) {
        receipt r;
        size_t at;

        CHECK(receipt_decode(&r, cc.rct, cc.rct_len, err) == 0);
        at = (size_t)(r.proof - cc.rct) + 9;
        receipt_free(&r);
        CHECK(cc.rct[at] == 1);
        cc.rct[at] = 0;
        CHECK(zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 0 &&
              strstr(err, "byte 9"));
        cc.rct[at] = 1;
        memcpy(cc.rct, RECEIPT_MAGIC, 8);           /* a committed receipt read as public */
        CHECK(zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 0);
        memcpy(cc.rct, RECEIPT_MAGIC_COMMITTED, 8);
        CHECK(zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 1);
    }
    /* a version 1 model: the prover refuses committed inputs */
    memset(&v1, 0, sizeof v1);
    CHECK(cr_setup(&v1, "lr20", 2, 1, fixed) == ZKML_E_UNSUPPORTED);
    cr_free(&v1);
    if (other_key != NULL)
        modelkey_bytes_free(other_key, other_key_len);
    free(other_pub);
    cr_free(&cc);
}

/* The opening's entry e (0-based): its index field, its first feature, its blind. */
#define OPN_ENTRY(cc, e) (48 + (size_t)(e) * (36 + 4 * (cc).n))

/*
 * Openings of a receipt of several proofs (docs/protocol.md 12.11, 12.10.1): five rows in
 * parts of two (rows 1-2, 3-4, 5), each part under its own nonce; a row is named by its
 * place across the parts, and checked against its own part's commitment.
 */
UNIT_TEST(committed_receipt_container_openings)
{
    cr_case cc, pc;
    uint8_t fixed[32] = {9}, *opn = NULL, *two = NULL, *bad = NULL;
    size_t opn_len = 0, two_len = 0, j;
    char err[ZKML_ERR_LEN] = "";
    uint32_t row4 = 3, rows_2_5[2] = {1, 4};
    int32_t x25[2 * 64];
    zkml_rows rows;
    receipt_parts parts;

    CHECK(cr_setup_parts(&cc, "lr20v2", 5, 1, fixed, 2) == ZKML_OK);
    memset(&pc, 0, sizeof pc);
    if (cc.rct == NULL || cc.n > 64)
        goto out;
    CHECK(memcmp(cc.rct, RECEIPT_GROUP_MAGIC, 8) == 0);
    CHECKF(zkml_verify(cc.rct, cc.rct_len, cc.pub, cc.pub_len, err) == 1, "%s", err);
    /* three committed parts, each its own nonce; the walk finds each row's part */
    CHECK(receipt_parts_decode(&parts, cc.rct, cc.rct_len, err) == 0);
    if (parts.k == 3) {
        uint32_t part = 0, want[5] = {0, 0, 1, 1, 2};
        uint64_t first = 0, b;

        CHECK(parts.total_rows == 5 && parts.parts[1].committed && parts.parts[2].batch == 1);
        CHECK(memcmp(parts.parts[0].nonce, parts.parts[1].nonce, 32) != 0 &&
              memcmp(parts.parts[1].nonce, parts.parts[2].nonce, 32) != 0);
        for (b = 0; b < 5; b++)
            CHECK(receipt_parts_find(&parts, b, &part, &first) == 0 && part == want[b] &&
                  first == 2 * (uint64_t)want[b]);
        CHECK(receipt_parts_find(&parts, 5, &part, &first) == -1);
        CHECK(receipt_parts_find(&parts, 0, &part, &first) == 0 && part == 0 && first == 0);
        /* zkml_receipt_describe: every part's nonce, every row's key and commitment */
        {
            zkml_receipt *h = NULL;
            const zkml_receipt_summary *sm;
            int same = 1;
            ge_t C;

            CHECK(zkml_receipt_open(&h, cc.rct, cc.rct_len, err) == ZKML_OK);
            sm = h != NULL ? zkml_receipt_describe(h) : NULL;
            CHECK(sm != NULL && sm->nonces != NULL && sm->row_commitments != NULL &&
                  sm->keys != NULL && sm->batch == 5 && sm->inputs == NULL);
            for (b = 0, part = 0, first = 0; sm != NULL && sm->nonces != NULL && b < 5; b++) {
                CHECK(receipt_parts_find(&parts, b, &part, &first) == 0);
                same &= memcmp(sm->nonces + 32 * part, parts.parts[part].nonce, 32) == 0 &&
                        rowcommit_decode(&C, sm->row_commitments + 64 * b) == 0 &&
                        ge_eq(&C, &parts.parts[part].row_commitments[b - first]) &&
                        sm->key_lens[b] == 5 && sm->keys[b][4] == (uint8_t)('1' + b);
            }
            CHECK(same);
            zkml_receipt_close(h);
        }
    } else {
        CHECKF(0, "%u parts, 3 expected", (unsigned)parts.k);
    }
    receipt_parts_free(&parts);
    /* the lender refuses features that are not row 4's, naming the row and its part */
    CHECK(zkml_open_rows(&opn, &opn_len, cc.m, cc.rct, cc.rct_len, &row4, cc.x + 2 * cc.n, 1,
                         err) == ZKML_E_INVALID &&
          strstr(err, "row 4 (key \"app-4\") of part 2 of 3"));
    CHECK(zkml_open_rows(&opn, &opn_len, cc.m, cc.rct, cc.rct_len, &row4, cc.x + 3 * cc.n, 1,
                         err) == ZKML_OK);
    if (opn == NULL)
        goto out;
    /* an opening of row 4 (the second row of part 2) checks; rows gives its features only */
    CHECKF(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, opn, opn_len, err) == 1,
           "%s", err);
    CHECKF(zkml_receipt_read_rows_opened(&rows, cc.rct, cc.rct_len, cc.pub, cc.pub_len, opn,
                                         opn_len, err) == ZKML_OK, "%s", err);
    if (rows.opened != NULL && rows.batch == 5) {
        int equal = 1, others = 1;

        for (j = 0; j < 5; j++)
            others &= j == 3 ? rows.opened[j] : !rows.opened[j] && isnan(rows.features[j * cc.n]);
        for (j = 0; j < cc.n; j++)
            equal &= rows.features[3 * cc.n + j] ==
                     zkml_dequantize_input(cc.m, (uint32_t)j, cc.x[3 * cc.n + j]);
        CHECK(others && equal && rows.key_lens[3] == 5 && memcmp(rows.keys[3], "app-4", 5) == 0);
    } else {
        CHECK(0);
    }
    zkml_rows_free(&rows);
    if ((bad = malloc(opn_len)) == NULL)
        goto out;
    /* moved to the same place in another part (row 2: part 1's second row, row 6 none),
     * and to the other row of its own part: rejected, naming the row and its part */
    memcpy(bad, opn, opn_len);
    le_put_u32(bad + OPN_ENTRY(cc, 0), 1);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "row 2 (key \"app-2\") of part 1 of 3 does not match"));
    le_put_u32(bad + OPN_ENTRY(cc, 0), 4);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "row 5 (key \"app-5\") of part 3 of 3"));
    le_put_u32(bad + OPN_ENTRY(cc, 0), 2);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "of part 2 of 3"));
    le_put_u32(bad + OPN_ENTRY(cc, 0), 5);          /* beyond the 5 rows */
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "beyond"));
    /* one feature changed, then the blind plus one */
    memcpy(bad, opn, opn_len);
    le_put_u32(bad + OPN_ENTRY(cc, 0) + 4 + 4 * 2, le_get_u32(bad + OPN_ENTRY(cc, 0) + 12) ^ 1);
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "does not match"));
    memcpy(bad, opn, opn_len);
    {
        fq_t bl;
        uint8_t *p = bad + OPN_ENTRY(cc, 0) + 4 + 4 * cc.n;

        CHECK(fq_from_bytes(&bl, p));
        fq_add(&bl, &bl, &FQ_ONE);
        fq_to_bytes(p, &bl);
    }
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len, err) == 0 &&
          strstr(err, "does not match"));
    /* the blind of row 2 (same place in part 1) in row 4's entry: rejected */
    {
        receipt_parts pp;
        fq_t rho;
        uint8_t seed[32];

        memset(seed, 0x21, sizeof seed);
        CHECK(receipt_parts_decode(&pp, cc.rct, cc.rct_len, err) == 0 && pp.k == 3);
        if (pp.k == 3) {
            CHECK(rowcommit_blinds(&rho, 1, 1, seed, pp.parts[0].nonce) == 0);
            memcpy(bad, opn, opn_len);
            fq_to_bytes(bad + OPN_ENTRY(cc, 0) + 4 + 4 * cc.n, &rho);
            CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, bad, opn_len,
                                     err) == 0);
            /* and the blind of its own part's nonce at its index there is the honest one */
            CHECK(rowcommit_blinds(&rho, 1, 1, seed, pp.parts[1].nonce) == 0);
            fq_to_bytes(bad + OPN_ENTRY(cc, 0) + 4 + 4 * cc.n, &rho);
            CHECK(memcmp(bad, opn, opn_len) == 0);
        }
        receipt_parts_free(&pp);
    }
    /* rows of two parts in one opening (rows 2 and 5), made by index and by key */
    memcpy(x25, cc.x + 1 * cc.n, cc.n * sizeof(int32_t));
    memcpy(x25 + cc.n, cc.x + 4 * cc.n, cc.n * sizeof(int32_t));
    CHECKF(zkml_open_rows(&two, &two_len, cc.m, cc.rct, cc.rct_len, rows_2_5, x25, 2, err) ==
           ZKML_OK, "%s", err);
    if (two != NULL) {
        const uint8_t *keys[2] = {(const uint8_t *)"app-5", (const uint8_t *)"app-2"};
        uint32_t key_lens[2] = {5, 5};
        int32_t x52[2 * 64];
        uint8_t *by_key = NULL;
        size_t by_key_len = 0;

        CHECK(two_len == 48 + 2 * (36 + 4 * cc.n) && le_get_u32(two + OPN_ENTRY(cc, 0)) == 1 &&
              le_get_u32(two + OPN_ENTRY(cc, 1)) == 4);
        CHECKF(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, two, two_len, err) ==
               1, "%s", err);
        CHECK(zkml_receipt_read_rows_opened(&rows, cc.rct, cc.rct_len, cc.pub, cc.pub_len, two,
                                            two_len, err) == ZKML_OK);
        CHECK(rows.opened != NULL && rows.opened[1] && rows.opened[4] && !rows.opened[0] &&
              !rows.opened[2] && !rows.opened[3]);
        zkml_rows_free(&rows);
        memcpy(x52, x25 + cc.n, cc.n * sizeof(int32_t));
        memcpy(x52 + cc.n, x25, cc.n * sizeof(int32_t));
        CHECKF(zkml_open_rows_by_key(&by_key, &by_key_len, cc.m, cc.rct, cc.rct_len, keys,
                                     key_lens, x52, 2, err) == ZKML_OK, "%s", err);
        CHECK(by_key != NULL && by_key_len == two_len && memcmp(by_key, two, two_len) == 0);
        free(by_key);
        /* step 2 before step 3: entry 1's feature changed and entry 2's index beyond the
         * rows: the index is reported */
        {
            uint8_t *d = malloc(two_len);

            if (d != NULL) {
                memcpy(d, two, two_len);
                d[OPN_ENTRY(cc, 0) + 4] ^= 1;
                le_put_u32(d + OPN_ENTRY(cc, 1), 5);
                CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, d, two_len,
                                         err) == 0 && strstr(err, "beyond"));
                free(d);
            }
        }
        /* the two entries' blinds exchanged: each row fails with the other part's blind */
        {
            uint8_t tmp[32], *b0 = two + OPN_ENTRY(cc, 0) + 4 + 4 * cc.n,
                             *b1 = two + OPN_ENTRY(cc, 1) + 4 + 4 * cc.n;

            memcpy(tmp, b0, 32);
            memcpy(b0, b1, 32);
            memcpy(b1, tmp, 32);
            CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, two, two_len,
                                     err) == 0 && strstr(err, "row 2"));
        }
    }
    /* a container of public parts has nothing to open */
    CHECK(cr_setup_parts(&pc, "lr20v2", 4, 0, fixed, 2) == ZKML_OK);
    if (pc.rct != NULL) {
        uint8_t *none = NULL;
        size_t none_len = 0;

        CHECK(memcmp(pc.rct, RECEIPT_GROUP_MAGIC, 8) == 0);
        {
            zkml_receipt *h = NULL;

            CHECK(zkml_receipt_open(&h, pc.rct, pc.rct_len, err) == ZKML_OK && h != NULL &&
                  zkml_receipt_describe(h)->nonces == NULL &&
                  zkml_receipt_describe(h)->row_commitments == NULL &&
                  zkml_receipt_describe(h)->inputs != NULL);
            zkml_receipt_close(h);
        }
        CHECK(zkml_open_rows(&none, &none_len, pc.m, pc.rct, pc.rct_len, &row4,
                             pc.x + 3 * pc.n, 1, err) == ZKML_E_INVALID &&
              strstr(err, "public inputs") && none == NULL);
        /* row 4's opening checked against the public container: another receipt */
        CHECK(zkml_check_opening(pc.rct, pc.rct_len, pc.pub, pc.pub_len, opn, opn_len, err) ==
              0);
    }
    /* an opening of a container that does not verify is not checked further */
    cc.rct[cc.rct_len - 40] ^= 1;
    CHECK(zkml_check_opening(cc.rct, cc.rct_len, cc.pub, cc.pub_len, opn, opn_len, err) == 0 &&
          strstr(err, "part 3 of 3"));
    cc.rct[cc.rct_len - 40] ^= 1;
out:
    free(bad);
    free(two);
    free(opn);
    cr_free(&cc);
    cr_free(&pc);
}
