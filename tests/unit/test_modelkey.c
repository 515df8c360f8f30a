/*
 * test_modelkey.c: the private key file and the public file of a model (docs/protocol.md 7
 * "Registration", 8).
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "group.h"
#include "modelkey.h"
#include "unit.h"
#include "weights.h"

/* Two layers with 16-entry tables: small enough to try every truncation. */
static const char TINY_JSON[] =
    "{\"format\": \"zkml-quantized-v1\", \"layers\": ["
    "{\"weights\": [[1, -2, 3], [4, 5, -6]], \"bias\": [7, -8], \"M\": 1, \"s\": 1,"
    " \"Q\": 4, \"limb_bits\": 1, \"activation\": {\"kind\": \"relu\"}},"
    "{\"weights\": [[1, 2]], \"bias\": [3], \"M\": 1, \"s\": 2,"
    " \"Q\": 4, \"limb_bits\": 2, \"activation\": {\"kind\": \"identity\"}}]}";

static int
weights_equal(const zk_model *a, const zk_model *b)
{
    uint32_t l;

    if (a->n_layers != b->n_layers)
        return 0;
    for (l = 0; l < a->n_layers; l++) {
        size_t m = a->layer[l].m, n = a->layer[l].n;

        if (m != b->layer[l].m || n != b->layer[l].n
            || memcmp(a->weights[l].w, b->weights[l].w, m * n * sizeof(int32_t)) != 0
            || memcmp(a->weights[l].bias, b->weights[l].bias, m * sizeof(int32_t)) != 0)
            return 0;
    }
    return 1;
}

/* A key of a fixture (or of TINY_JSON when name is NULL) with a test seed. */
static int
make_key(modelkey *key, const char *name, uint8_t fill)
{
    char err[ZKML_ERR_LEN];
    int rc;

    if (name == NULL) {
        rc = modelkey_generate(key, TINY_JSON, sizeof TINY_JSON - 1, err);
    } else {
        memset(key, 0, sizeof *key);
        rc = fixture_model(&key->model, name, err);
    }
    memset(key->seed, fill, sizeof key->seed);
    if (rc != 0)
        fprintf(stderr, "    make_key: %s\n", err);
    return rc;
}

static size_t
descriptor_len(const uint8_t *buf, size_t at)
{
    size_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = v << 8 | buf[at + (size_t)i];
    return v;
}

static void
key_round_trip(const char *name)
{
    char err[ZKML_ERR_LEN];
    modelkey key, back;
    uint8_t *buf, *buf2;
    size_t len, len2;

    CHECK(make_key(&key, name, 0x5a) == 0);
    CHECK(modelkey_encode(&buf, &len, &key, err) == MODELKEY_OK);
    CHECK(memcmp(buf, MODELKEY_MAGIC, 8) == 0);
    CHECKF(modelkey_decode(&back, buf, len, err) == MODELKEY_OK, "%s: %s", name, err);
    CHECK(memcmp(back.seed, key.seed, sizeof key.seed) == 0);
    CHECK(weights_equal(&key.model, &back.model));
    CHECK(modelkey_encode(&buf2, &len2, &back, err) == MODELKEY_OK);
    CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    modelkey_bytes_free(buf, len);
    modelkey_bytes_free(buf2, len2);
    modelkey_free(&back);
    modelkey_free(&key);
    /* freeing wipes the seed */
    CHECK(key.seed[0] == 0 && key.seed[31] == 0);
}

UNIT_TEST(modelkey_round_trip_lr20_mlp20)
{
    key_round_trip("lr20.q.json");
    key_round_trip("mlp20.q.json");
}

UNIT_TEST(modelkey_generate_draws_fresh_seeds)
{
    char err[ZKML_ERR_LEN];
    modelkey a, b;

    CHECK(modelkey_generate(&a, TINY_JSON, sizeof TINY_JSON - 1, err) == MODELKEY_OK);
    CHECK(modelkey_generate(&b, TINY_JSON, sizeof TINY_JSON - 1, err) == MODELKEY_OK);
    CHECK(memcmp(a.seed, b.seed, sizeof a.seed) != 0);
    CHECK(weights_equal(&a.model, &b.model));
    modelkey_free(&a);
    modelkey_free(&b);
    CHECK(modelkey_generate(&a, "{}", 2, err) == MODELKEY_ERR_INVALID);
    CHECK(strncmp(err, "invalid model", 13) == 0);
}

static void
public_bytes(uint8_t **out, size_t *len, const modelkey *key)
{
    char err[ZKML_ERR_LEN];
    modelpub pub;

    *out = NULL;
    *len = 0;
    CHECKF(modelpub_from_key(&pub, key, err) == MODELKEY_OK, "%s", err);
    CHECKF(modelpub_encode(out, len, &pub, err) == MODELKEY_OK, "%s", err);
    modelpub_free(&pub);
}

UNIT_TEST(modelpub_round_trip_and_determinism)
{
    char err[ZKML_ERR_LEN];
    uint8_t *a, *b, *c, *d, *kb, da[32], db[32], dc[32];
    size_t la, lb, lc, ld, lk, i;
    modelkey key, other;
    modelpub pub;
    weights_layout lay;
    hyrax_commitment direct;

    CHECK(make_key(&key, "lr20.q.json", 1) == 0);
    CHECK(make_key(&other, "lr20.q.json", 2) == 0);
    public_bytes(&a, &la, &key);
    public_bytes(&b, &lb, &key);
    public_bytes(&c, &lc, &other);
    CHECK(memcmp(a, MODELPUB_MAGIC, 8) == 0);
    CHECK(la == lb && memcmp(a, b, la) == 0);           /* same σ, same rows */
    CHECK(la == lc && memcmp(a, c, la) != 0);           /* another σ, other rows */
    CHECK(modelpub_digest(da, a, la, err) == 0 && modelpub_digest(db, b, lb, err) == 0);
    CHECK(modelpub_digest(dc, c, lc, err) == 0);
    CHECK(memcmp(da, db, 32) == 0 && memcmp(da, dc, 32) != 0);

    /* decode, compare with weights_commit directly, encode again */
    CHECKF(modelpub_decode(&pub, a, la, err) == MODELKEY_OK, "%s", err);
    CHECK(weights_layout_build(&lay, &key.model) == 0);
    CHECK(weights_commit(&direct, &lay, &key.model, key.seed) == 0);
    CHECK(pub.rows.l == lay.l_W && pub.rows.lr == direct.lr && pub.rows.lc == direct.lc);
    for (i = 0; i < ((size_t)1 << direct.lr); i++) {
        uint8_t e1[32], e2[32];

        ge_encode(e1, &pub.rows.rows[i]);
        ge_encode(e2, &direct.rows[i]);
        CHECK(memcmp(e1, e2, 32) == 0);
    }
    CHECK(pub.model.weights[0].w == NULL);
    CHECK(modelpub_encode(&d, &ld, &pub, err) == MODELKEY_OK);
    CHECK(ld == la && memcmp(a, d, la) == 0);

    /* the whole-file path gives the same bytes */
    CHECK(modelkey_encode(&kb, &lk, &key, err) == MODELKEY_OK);
    free(d);
    CHECK(modelkey_public(&d, &ld, kb, lk, err) == MODELKEY_OK);
    CHECK(ld == la && memcmp(a, d, la) == 0);

    modelkey_bytes_free(kb, lk);
    hyrax_commitment_free(&direct);
    modelpub_free(&pub);
    free(a);
    free(b);
    free(c);
    free(d);
    modelkey_free(&key);
    modelkey_free(&other);
}

/* Decode buf[0 .. n) as a key (is_key) or a public file; 1 if accepted. */
static int
accepts(int is_key, const uint8_t *buf, size_t n, char *err)
{
    modelkey key;
    modelpub pub;
    int rc;

    if (is_key) {
        rc = modelkey_decode(&key, buf, n, err);
        if (rc == MODELKEY_OK)
            modelkey_free(&key);
        /* a failed decode leaves the key empty */
        CHECK(rc == MODELKEY_OK || (key.model.n_layers == 0 && key.seed[0] == 0));
    } else {
        rc = modelpub_decode(&pub, buf, n, err);
        if (rc == MODELKEY_OK)
            modelpub_free(&pub);
        CHECK(rc == MODELKEY_OK || (pub.model.n_layers == 0 && pub.rows.rows == NULL));
    }
    return rc == MODELKEY_OK;
}

/* Every prefix (or those at multiples of step, and the last 64) and one trailing byte. */
static void
check_exact_length(int is_key, const uint8_t *buf, size_t len, size_t step)
{
    char err[ZKML_ERR_LEN];
    uint8_t *longer;
    size_t n, accepted = 0;

    for (n = 0; n < len; n++)
        if (n % step == 0 || len - n <= 64)
            accepted += accepts(is_key, buf, n, err);
    CHECKF(accepted == 0, "%zu truncations accepted", accepted);
    CHECK(accepts(is_key, buf, len, err));
    longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    CHECK(!accepts(is_key, longer, len + 1, err));
    CHECK(strstr(err, "unexpected bytes") != NULL);
    free(longer);
}

UNIT_TEST(modelkey_files_reject_every_truncation)
{
    char err[ZKML_ERR_LEN];
    uint8_t *kb, *pb;
    size_t lk, lp;
    modelkey key;

    CHECK(make_key(&key, NULL, 3) == 0);
    CHECK(modelkey_encode(&kb, &lk, &key, err) == MODELKEY_OK);
    public_bytes(&pb, &lp, &key);
    check_exact_length(1, kb, lk, 1);
    check_exact_length(0, pb, lp, 1);
    CHECK(!accepts(1, kb, 100, err));
    CHECK(strncmp(err, "truncated at byte 100", 21) == 0);
    modelkey_bytes_free(kb, lk);
    free(pb);
    modelkey_free(&key);

    /* a real model: sampled prefixes (its descriptor holds a 2^16-entry table) */
    CHECK(make_key(&key, "lr20.q.json", 4) == 0);
    CHECK(modelkey_encode(&kb, &lk, &key, err) == MODELKEY_OK);
    public_bytes(&pb, &lp, &key);
    check_exact_length(1, kb, lk, 8191);
    check_exact_length(0, pb, lp, 8191);
    modelkey_bytes_free(kb, lk);
    free(pb);
    modelkey_free(&key);
}

UNIT_TEST(modelkey_files_reject_bad_fields)
{
    char err[ZKML_ERR_LEN];
    uint8_t *kb, *pb, *p;
    size_t lk, lp, dk, dp, rows_at, lw_at, wt_at;
    modelkey key;
    uint32_t i;

    CHECK(make_key(&key, NULL, 5) == 0);
    CHECK(modelkey_encode(&kb, &lk, &key, err) == MODELKEY_OK);
    public_bytes(&pb, &lp, &key);
    dk = descriptor_len(kb, 40);
    dp = descriptor_len(pb, 8);
    CHECK(dk == dp);
    wt_at = 48 + dk;
    lw_at = 16 + dp;
    rows_at = lw_at + 4;

    /* bad magic, either file, or each other's magic */
    kb[0] ^= 1;
    CHECK(!accepts(1, kb, lk, err));
    CHECK(strcmp(err, "not a zkml key file (bad magic)") == 0);
    kb[0] ^= 1;
    pb[7] ^= 1;
    CHECK(!accepts(0, pb, lp, err));
    CHECK(strcmp(err, "not a zkml public file (bad magic)") == 0);
    pb[7] ^= 1;
    CHECK(!accepts(0, kb, lk, err) && !accepts(1, pb, lp, err));

    /* a descriptor length beyond the file: rejected before decoding anything */
    p = kb + 40;
    for (i = 0; i < 8; i++)
        p[i] = 0xff;
    CHECK(!accepts(1, kb, lk, err));
    CHECK(strstr(err, "exceeds") != NULL);
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)((lk - 48 + 1) >> (8 * i));
    CHECK(!accepts(1, kb, lk, err));
    CHECK(strstr(err, "exceeds") != NULL);
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(dk >> (8 * i));
    pb[8 + 3] = 0x80;
    CHECK(!accepts(0, pb, lp, err));
    CHECK(strstr(err, "exceeds") != NULL);
    pb[8 + 3] = 0;
    /* a shorter descriptor length: the descriptor decoder refuses it */
    pb[8] ^= 4;
    CHECK(!accepts(0, pb, lp, err));
    pb[8] ^= 4;
    CHECK(accepts(1, kb, lk, err) && accepts(0, pb, lp, err));

    /* a weight outside wbits (8): 128, then -129; a bias may be any int32 */
    kb[wt_at] = 128;
    CHECK(!accepts(1, kb, lk, err));
    CHECK(strncmp(err, "invalid model", 13) == 0);
    kb[wt_at] = 0x7f;
    kb[wt_at + 1] = 0xff;
    kb[wt_at + 2] = 0xff;
    kb[wt_at + 3] = 0xff;
    CHECK(!accepts(1, kb, lk, err));
    kb[wt_at] = 1;
    kb[wt_at + 1] = kb[wt_at + 2] = kb[wt_at + 3] = 0;
    CHECK(accepts(1, kb, lk, err));

    /* a wrong l_W, up or down */
    pb[lw_at] += 1;
    CHECK(!accepts(0, pb, lp, err));
    CHECK(strncmp(err, "l_W at byte", 11) == 0);
    pb[lw_at] -= 2;
    CHECK(!accepts(0, pb, lp, err));
    pb[lw_at] += 1;

    /* the identity, a malformed identity and an x off the curve among the rows */
    {
        uint8_t saved[32], enc[32];
        ge_t g;
        uint8_t x;

        memcpy(saved, pb + lp - 32, 32);
        memset(pb + lp - 32, 0, 32);
        pb[lp - 1] = 0x40;
        CHECK(!accepts(0, pb, lp, err));
        CHECK(strstr(err, "is the identity") != NULL);
        pb[lp - 2] = 1;
        CHECK(!accepts(0, pb, lp, err));
        for (x = 1; x < 255; x++) {
            memset(enc, 0, 32);
            enc[0] = x;
            if (ge_decode(&g, enc) == GE_DECODE_NOT_ON_CURVE)
                break;
        }
        CHECK(x < 255);
        memcpy(pb + lp - 32, saved, 32);
        memcpy(pb + rows_at, enc, 32);
        CHECK(!accepts(0, pb, lp, err));
        CHECK(strstr(err, "row commitment 0") != NULL);
    }

    modelkey_bytes_free(kb, lk);
    free(pb);
    modelkey_free(&key);
}
