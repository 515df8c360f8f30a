/*
 * test_hyrax.c: the product proof (docs/protocol.md 4.5) and the Hyrax commitment with its
 * evaluation proof (4.2, 4.4): honest proofs verify, each forgery is rejected.
 */
#include <stdlib.h>
#include <string.h>

#include "drbg.h"
#include "h2c.h"
#include "hyrax.h"
#include "mle.h"
#include "pedersen.h"
#include "product.h"
#include "unit.h"
#include "unit_fq.h"
#include "zkml.h"

static void
test_rng(drbg_t *rng, uint8_t seed, const transcript_t *t)
{
    uint8_t fixed[32], model[32] = {0};

    memset(fixed, seed, sizeof fixed);
    drbg_init_fixed(rng, fixed, model, t->state);
}

/* ---- product proof ---- */

typedef struct {
    fq_t x, y, z, rx, ry, rz;
    ge_t X, Y, Z;
} product_case;

static void
product_case_make(product_case *c, int wrong)
{
    unit_random_fq(&c->x);
    unit_random_fq(&c->y);
    unit_random_fq(&c->rx);
    unit_random_fq(&c->ry);
    unit_random_fq(&c->rz);
    fq_mul(&c->z, &c->x, &c->y);
    if (wrong)
        fq_add(&c->z, &c->z, &FQ_ONE);
    unit_commit1(&c->X, &c->x, &c->rx);
    unit_commit1(&c->Y, &c->y, &c->ry);
    unit_commit1(&c->Z, &c->z, &c->rz);
}

static int
product_case_prove(product_proof *pf, const product_case *c)
{
    transcript_t t;
    drbg_t rng;
    int rc;

    transcript_init(&t, "test/prod", 9);
    test_rng(&rng, 7, &t);
    rc = product_prove(pf, &t, &rng, &c->X, &c->Y, &c->Z, &c->x, &c->rx, &c->y, &c->ry,
                       &c->rz);
    drbg_clear(&rng);
    return rc;
}

static int
product_case_verify(const product_case *c, const product_proof *pf, const char **reason)
{
    transcript_t t;

    transcript_init(&t, "test/prod", 9);
    return product_verify(&t, &c->X, &c->Y, &c->Z, pf, reason);
}

UNIT_TEST(product_proof_honest_and_forged)
{
    product_case c;
    product_proof pf, bad;
    const char *reason;
    int i;

    product_case_make(&c, 0);
    CHECK(product_case_prove(&pf, &c) == 0);
    CHECK(product_case_verify(&c, &pf, &reason) == 1);
    /* each response altered */
    for (i = 0; i < 5; i++) {
        bad = pf;
        fq_add(&bad.z[i], &bad.z[i], &FQ_ONE);
        CHECKF(product_case_verify(&c, &bad, &reason) == 0, "z%d altered", i + 1);
    }
    bad = pf;
    bad.D = pf.A;
    CHECK(product_case_verify(&c, &bad, &reason) == 0);
    bad = pf;
    ge_set_infinity(&bad.B);
    CHECK(product_case_verify(&c, &bad, &reason) == 0);
    CHECK(strstr(reason, "identity") != NULL);
    /* z != x·y: the honest algorithm on a false statement fails the Z check */
    product_case_make(&c, 1);
    CHECK(product_case_prove(&pf, &c) == 0);
    CHECK(product_case_verify(&c, &pf, &reason) == 0);
    CHECK(reason != NULL && strstr(reason, "x·y") != NULL);
    /* swapping X and Y in the statement changes the transcript: rejected */
    product_case_make(&c, 0);
    CHECK(product_case_prove(&pf, &c) == 0);
    {
        product_case s = c;

        s.X = c.Y;
        s.Y = c.X;
        CHECK(product_case_verify(&s, &pf, &reason) == 0);
    }
}

/*
 * n proofs on one running transcript (the order of a proof's product proofs); case
 * wrong_at (n for none) states z = x·y + 1.
 */
#define BATCH_N 4

static int
product_batch_prove(product_case *c, product_proof *pf, int wrong_at)
{
    transcript_t t;
    drbg_t rng;
    int i, rc = 0;

    transcript_init(&t, "test/prod", 9);
    test_rng(&rng, 7, &t);
    for (i = 0; i < BATCH_N; i++) {
        product_case_make(&c[i], i == wrong_at);
        rc |= product_prove(&pf[i], &t, &rng, &c[i].X, &c[i].Y, &c[i].Z, &c[i].x, &c[i].rx,
                            &c[i].y, &c[i].ry, &c[i].rz);
    }
    drbg_clear(&rng);
    return rc;
}

/* The verifier's batch (docs/protocol.md 4.5); proof `unchecked` stays out of it. */
static int
product_batch_verify(const product_case *c, const product_proof *pf, int unchecked,
                     const char **reason)
{
    transcript_t t;
    product_batch b;
    int i, rc = 1;

    transcript_init(&t, "test/prod", 9);
    product_batch_init(&b);
    for (i = 0; i < BATCH_N && rc == 1; i++)
        rc = product_verify_deferred(&b, &t, &c[i].X, &c[i].Y, &c[i].Z, &pf[i],
                                     i != unchecked, reason);
    if (rc == 1)
        rc = product_batch_check(&b, &t, reason);
    product_batch_free(&b);
    return rc;
}

UNIT_TEST(product_proof_batch)
{
    product_case c[BATCH_N];
    product_proof pf[BATCH_N], keep;
    const char *reason;
    int i, e;

    CHECK(product_batch_prove(c, pf, BATCH_N) == 0);
    CHECK(product_batch_verify(c, pf, -1, &reason) == 1);
    /* each response of each proof altered: rejected, named as product_verify names it */
    for (i = 0; i < BATCH_N; i++)
        for (e = 0; e < 5; e++) {
            keep = pf[i];
            fq_add(&pf[i].z[e], &pf[i].z[e], &FQ_ONE);
            CHECKF(product_batch_verify(c, pf, -1, &reason) == 0 && reason != NULL &&
                       strstr(reason, "product proof: the check on") != NULL,
                   "proof %d, z%d altered", i, e + 1);
            pf[i] = keep;
        }
    /* a false statement in proof 2: the Z check of that proof; accepted only if that
     * proof stays out of the batch (the test seam's unchecked proof) */
    CHECK(product_batch_prove(c, pf, 2) == 0);
    CHECK(product_batch_verify(c, pf, -1, &reason) == 0);
    CHECK(reason != NULL && strstr(reason, "x·y") != NULL);
    CHECK(product_batch_verify(c, pf, 1, &reason) == 0);
    CHECK(product_batch_verify(c, pf, 2, &reason) == 1);
    /* an identity point is refused when the proof is read */
    CHECK(product_batch_prove(c, pf, BATCH_N) == 0);
    ge_set_infinity(&pf[3].D);
    CHECK(product_batch_verify(c, pf, -1, &reason) == 0);
    CHECK(reason != NULL && strstr(reason, "identity") != NULL);
}

/* ---- Hyrax ---- */

typedef struct {
    unsigned l;
    size_t n, nrows;
    fq_t *P, *beta, *z;
    fq_t v, bv;
    ge_t Cv;
    hyrax_commitment com;
} hyrax_case;

/* A random table of l variables committed in rows of 2^lc entries. */
static int
hyrax_case_make_split(hyrax_case *c, unsigned l, unsigned lc, int small)
{
    int32_t *Ps;
    size_t i;
    int rc;

    c->l = l;
    c->n = (size_t)1 << l;
    c->P = malloc(c->n * sizeof(fq_t));
    Ps = malloc(c->n * sizeof(int32_t));
    c->z = malloc((l + 1) * sizeof(fq_t));
    c->nrows = (size_t)1 << (l - lc);
    c->beta = malloc(c->nrows * sizeof(fq_t));
    for (i = 0; i < c->n; i++) {
        if (small) {
            Ps[i] = (int32_t)(unit_rand64() % 65536) - 32768;
            if (i % 5 == 0)
                Ps[i] = 0;
            fq_set_i64(&c->P[i], Ps[i]);
        } else
            unit_random_fq(&c->P[i]);
    }
    for (i = 0; i < c->nrows; i++)
        unit_random_fq(&c->beta[i]);
    for (i = 0; i < l; i++)
        unit_random_fq(&c->z[i]);
    mle_eval(&c->v, c->P, l, c->z);
    unit_random_fq(&c->bv);
    unit_commit1(&c->Cv, &c->v, &c->bv);
    rc = small ? hyrax_commit_small(&c->com, Ps, l, lc, c->beta)
               : hyrax_commit(&c->com, c->P, l, lc, c->beta);
    free(Ps);
    return rc;
}

static int
hyrax_case_make(hyrax_case *c, unsigned l, int small)
{
    return hyrax_case_make_split(c, l, hyrax_lc(l), small);
}

static void
hyrax_case_free(hyrax_case *c)
{
    hyrax_commitment_free(&c->com);
    free(c->P);
    free(c->beta);
    free(c->z);
}

static int
hyrax_case_open(ipa_proof *pf, const hyrax_case *c)
{
    transcript_t t;
    drbg_t rng;
    int rc;

    transcript_init(&t, "test/hyrax", 10);
    transcript_absorb_points(&t, "rows", c->com.rows, c->nrows);
    test_rng(&rng, 9, &t);
    rc = hyrax_open(pf, &t, &rng, &c->com, c->P, c->beta, c->z, &c->Cv, &c->bv);
    drbg_clear(&rng);
    return rc;
}

static int
hyrax_case_verify(const hyrax_case *c, const hyrax_commitment *com, const fq_t *z,
                  const ge_t *Cv, const ipa_proof *pf, const char **reason)
{
    transcript_t t;

    transcript_init(&t, "test/hyrax", 10);
    transcript_absorb_points(&t, "rows", com->rows, c->nrows);
    return hyrax_verify(&t, com, z, Cv, pf, reason);
}

UNIT_TEST(hyrax_split_rule)
{
    unsigned lc, lr;

    hyrax_split(0, &lc, &lr);
    CHECK(lc == 0 && lr == 0);
    hyrax_split(3, &lc, &lr);
    CHECK(lc == 3 && lr == 0);
    hyrax_split(10, &lc, &lr);
    CHECK(lc == 7 && lr == 3);
    hyrax_split(21, &lc, &lr);
    CHECK(lc == 13 && lr == 8);
    CHECK(hyrax_lc(21) == 13);
    /* version 2's P1 (docs/protocol.md 7.18.0): δ = 1 */
    hyrax_split_delta(21, 1, &lc, &lr);
    CHECK(lc == 12 && lr == 9);
    hyrax_split_delta(24, 1, &lc, &lr);
    CHECK(lc == 13 && lr == 11);
    hyrax_split_delta(2, 1, &lc, &lr);
    CHECK(lc == 2 && lr == 0);
}

/* Any split opens and verifies, the rows being what the commitment says; a column count
 * above the variables is refused. */
UNIT_TEST(hyrax_open_any_split)
{
    static const unsigned lcs[] = {0, 1, 4, 7, 8};
    hyrax_commitment bad;
    ipa_proof pf;
    const char *reason;
    size_t i;

    for (i = 0; i < sizeof lcs / sizeof lcs[0]; i++) {
        hyrax_case c;

        CHECK(hyrax_case_make_split(&c, 8, lcs[i], i % 2) == 0);
        CHECK(c.com.lc == lcs[i] && c.com.lr == 8 - lcs[i]);
        CHECK(hyrax_case_open(&pf, &c) == 0);
        CHECK(pf.k == lcs[i]);
        CHECKF(hyrax_case_verify(&c, &c.com, c.z, &c.Cv, &pf, &reason) == 1,
               "lc = %u: %s", lcs[i], reason ? reason : "");
        hyrax_case_free(&c);
    }
    {
        fq_t P[4] = {FQ_ONE, FQ_ONE, FQ_ONE, FQ_ONE}, beta[1] = {FQ_ONE};

        CHECK(hyrax_commit(&bad, P, 2, 3, beta) == -1);
    }
}

UNIT_TEST(hyrax_open_honest_sizes)
{
    static const unsigned ls[] = {0, 1, 2, 3, 6, 11, 14};
    ipa_proof pf;
    const char *reason;
    size_t i;

    for (i = 0; i < sizeof ls / sizeof ls[0]; i++) {
        hyrax_case c;

        CHECK(hyrax_case_make(&c, ls[i], i % 2) == 0);
        CHECK(hyrax_case_open(&pf, &c) == 0);
        CHECKF(hyrax_case_verify(&c, &c.com, c.z, &c.Cv, &pf, &reason) == 1,
               "l = %u: %s", ls[i], reason ? reason : "");
        hyrax_case_free(&c);
    }
}

UNIT_TEST(hyrax_small_commitment_equals_full)
{
    hyrax_case c;
    hyrax_commitment full, mixed;
    int32_t *Ps;
    size_t i;

    CHECK(hyrax_case_make(&c, 9, 1) == 0);
    CHECK(hyrax_commit(&full, c.P, 9, hyrax_lc(9), c.beta) == 0);
    for (i = 0; i < c.nrows; i++)
        CHECK(ge_eq(&full.rows[i], &c.com.rows[i]));
    hyrax_commitment_free(&full);
    /* entries beyond the small-scalar bound (a bias, say) take the full path */
    Ps = malloc(c.n * sizeof(int32_t));
    for (i = 0; i < c.n; i++)
        Ps[i] = (int32_t)(i * 7) - 1000;
    Ps[3] = INT32_MIN;
    Ps[c.n - 1] = (1 << 17);
    for (i = 0; i < c.n; i++)
        fq_set_i64(&c.P[i], Ps[i]);
    CHECK(hyrax_commit_small(&mixed, Ps, 9, hyrax_lc(9), c.beta) == 0);
    CHECK(hyrax_commit(&full, c.P, 9, hyrax_lc(9), c.beta) == 0);
    for (i = 0; i < c.nrows; i++)
        CHECK(ge_eq(&full.rows[i], &mixed.rows[i]));
    hyrax_commitment_free(&full);
    hyrax_commitment_free(&mixed);
    free(Ps);
    hyrax_case_free(&c);
}

UNIT_TEST(hyrax_rejects_wrong_claims)
{
    hyrax_case c;
    ipa_proof pf;
    const char *reason;
    fq_t v1, z1[8];
    ge_t Cv1, saved;

    CHECK(hyrax_case_make(&c, 8, 0) == 0);
    CHECK(hyrax_case_open(&pf, &c) == 0);
    CHECK(hyrax_case_verify(&c, &c.com, c.z, &c.Cv, &pf, &reason) == 1);
    /* another value */
    fq_add(&v1, &c.v, &FQ_ONE);
    unit_commit1(&Cv1, &v1, &c.bv);
    CHECK(hyrax_case_verify(&c, &c.com, c.z, &Cv1, &pf, &reason) == 0);
    /* another point, in a low and in a high coordinate */
    memcpy(z1, c.z, sizeof z1);
    fq_add(&z1[0], &z1[0], &FQ_ONE);
    CHECK(hyrax_case_verify(&c, &c.com, z1, &c.Cv, &pf, &reason) == 0);
    memcpy(z1, c.z, sizeof z1);
    fq_add(&z1[7], &z1[7], &FQ_ONE);
    CHECK(hyrax_case_verify(&c, &c.com, z1, &c.Cv, &pf, &reason) == 0);
    /* a row commitment replaced by another */
    saved = c.com.rows[1];
    c.com.rows[1] = c.com.rows[0];
    CHECK(hyrax_case_verify(&c, &c.com, c.z, &c.Cv, &pf, &reason) == 0);
    c.com.rows[1] = saved;
    CHECK(hyrax_case_verify(&c, &c.com, c.z, &c.Cv, &pf, &reason) == 1);
    hyrax_case_free(&c);
}

UNIT_TEST(hyrax_large_sizes)
{
    static const struct { unsigned l; int small; } cases[] = {{16, 0}, {20, 1}};
    ipa_proof pf;
    const char *reason;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hyrax_case c;

        CHECK(hyrax_case_make(&c, cases[i].l, cases[i].small) == 0);
        CHECK(hyrax_case_open(&pf, &c) == 0);
        CHECKF(hyrax_case_verify(&c, &c.com, c.z, &c.Cv, &pf, &reason) == 1,
               "l = %u: %s", cases[i].l, reason ? reason : "");
        hyrax_case_free(&c);
    }
}

UNIT_TEST(hyrax_commitment_same_with_1_and_2_threads)
{
    hyrax_case c;
    hyrax_commitment one;
    int saved = zkml_threads();
    size_t i;

    zkml_set_threads(2);
    CHECK(hyrax_case_make(&c, 12, 0) == 0);
    zkml_set_threads(1);
    CHECK(hyrax_commit(&one, c.P, 12, hyrax_lc(12), c.beta) == 0);
    for (i = 0; i < c.nrows; i++)
        CHECK(ge_eq(&one.rows[i], &c.com.rows[i]));
    zkml_set_threads(saved);
    hyrax_commitment_free(&one);
    hyrax_case_free(&c);
}

UNIT_TEST(hyrax_blinds_from_seed_definition)
{
    uint8_t seed[32], msg[40], wide[64];
    fq_t beta[5], again[5], other[5], want;
    static const char dst[] = "ZKMLPG-V1/W-blind";
    int i;

    unit_rand_bytes(seed, sizeof seed);
    CHECK(hyrax_blinds_from_seed(beta, 5, seed) == 0);
    CHECK(hyrax_blinds_from_seed(again, 5, seed) == 0);
    for (i = 0; i < 5; i++)
        CHECK(fq_eq(&beta[i], &again[i]));
    /* β_3 from the definition: σ || u64le(3) under the W-blind DST, 64 bytes LE */
    memcpy(msg, seed, 32);
    memset(msg + 32, 0, 8);
    msg[32] = 3;
    CHECK(h2c_expand_message_xmd(wide, 64, msg, 40, (const uint8_t *)dst,
                                 sizeof dst - 1) == 0);
    fq_from_bytes_wide(&want, wide);
    CHECK(fq_eq(&want, &beta[3]));
    CHECK(!fq_eq(&beta[0], &beta[1]));
    seed[0] ^= 1;
    CHECK(hyrax_blinds_from_seed(other, 5, seed) == 0);
    CHECK(!fq_eq(&other[0], &beta[0]));
}

/* P1 + μ·P2 opened against the rows of both (docs/protocol.md 7.11). */
UNIT_TEST(hyrax_open_sum_of_two_commitments)
{
    hyrax_case a, b;
    ipa_proof pf;
    transcript_t t;
    drbg_t rng;
    const char *reason;
    fq_t mu, mu2, tmp, v, bv, *P, *beta;
    ge_t Cv;
    size_t i;
    int s;

    for (s = 0; s < 2; s++) {
        CHECK(hyrax_case_make(&a, 9, s) == 0);
        CHECK(hyrax_case_make(&b, 9, 1 - s) == 0);
        unit_random_fq(&mu);
        P = malloc(a.n * sizeof(fq_t));
        beta = malloc(a.nrows * sizeof(fq_t));
        for (i = 0; i < a.n; i++) {
            fq_mul(&tmp, &mu, &b.P[i]);
            fq_add(&P[i], &a.P[i], &tmp);
        }
        for (i = 0; i < a.nrows; i++) {
            fq_mul(&tmp, &mu, &b.beta[i]);
            fq_add(&beta[i], &a.beta[i], &tmp);
        }
        mle_eval(&v, P, 9, a.z);
        unit_random_fq(&bv);
        unit_commit1(&Cv, &v, &bv);
        transcript_init(&t, "test/hyrax-sum", 14);
        test_rng(&rng, 10, &t);
        CHECK(hyrax_open_sum(&pf, &t, &rng, &a.com, &b.com, &mu, P, beta, a.z, &Cv, &bv) == 0);
        drbg_clear(&rng);
        transcript_init(&t, "test/hyrax-sum", 14);
        CHECK(hyrax_verify_sum(&t, &a.com, &b.com, &mu, a.z, &Cv, &pf, &reason) == 1);
        /* another μ, the commitments swapped, or the first alone: rejected */
        fq_add(&mu2, &mu, &FQ_ONE);
        transcript_init(&t, "test/hyrax-sum", 14);
        CHECK(hyrax_verify_sum(&t, &a.com, &b.com, &mu2, a.z, &Cv, &pf, &reason) == 0);
        transcript_init(&t, "test/hyrax-sum", 14);
        CHECK(hyrax_verify_sum(&t, &b.com, &a.com, &mu, a.z, &Cv, &pf, &reason) == 0);
        transcript_init(&t, "test/hyrax-sum", 14);
        CHECK(hyrax_verify(&t, &a.com, a.z, &Cv, &pf, &reason) == 0);
        free(P);
        free(beta);
        hyrax_case_free(&a);
        hyrax_case_free(&b);
    }
}

/* hyrax_open_small (int32 entries read as they are) makes the proof hyrax_open makes of
 * the same entries as field elements, byte for byte, with INT32_MIN, INT32_MAX and zeros
 * among them, on one row and on tables large enough for the threads. */
UNIT_TEST(hyrax_open_small_equals_field_open)
{
    static const unsigned ls[] = {0, 5, 11, 16};
    size_t k, i;

    for (k = 0; k < sizeof ls / sizeof ls[0]; k++) {
        unsigned l = ls[k], lc, lr;
        size_t n = (size_t)1 << l, nrows;
        int32_t *Ps = malloc(n * sizeof(int32_t));
        fq_t *P = malloc(n * sizeof(fq_t)), *beta, z[16], v, bv;
        hyrax_commitment com;
        ipa_proof pf[2];
        transcript_t t;
        drbg_t rng;
        ge_t Cv;
        const char *reason;
        int s;

        hyrax_split(l, &lc, &lr);
        nrows = (size_t)1 << lr;
        beta = malloc(nrows * sizeof(fq_t));
        for (i = 0; i < n; i++) {
            switch (i % 7) {
            case 0: Ps[i] = INT32_MIN; break;
            case 1: Ps[i] = INT32_MAX; break;
            case 2: Ps[i] = 0; break;
            default: Ps[i] = (int32_t)unit_rand64(); break;
            }
            fq_set_i64(&P[i], Ps[i]);
        }
        for (i = 0; i < nrows; i++)
            unit_random_fq(&beta[i]);
        for (i = 0; i < l; i++)
            unit_random_fq(&z[i]);
        mle_eval(&v, P, l, z);
        unit_random_fq(&bv);
        unit_commit1(&Cv, &v, &bv);
        CHECK(hyrax_commit_small(&com, Ps, l, hyrax_lc(l), beta) == 0);
        for (s = 0; s < 2; s++) {
            memset(&pf[s], 0, sizeof pf[s]);
            transcript_init(&t, "test/hyrax-small", 16);
            test_rng(&rng, 11, &t);
            CHECK((s == 0 ? hyrax_open(&pf[s], &t, &rng, &com, P, beta, z, &Cv, &bv)
                          : hyrax_open_small(&pf[s], &t, &rng, &com, Ps, beta, z, &Cv, &bv)) == 0);
            drbg_clear(&rng);
        }
        CHECKF(memcmp(&pf[0], &pf[1], sizeof pf[0]) == 0, "l = %u", l);
        transcript_init(&t, "test/hyrax-small", 16);
        CHECKF(hyrax_verify(&t, &com, z, &Cv, &pf[1], &reason) == 1, "l = %u: %s", l,
               reason != NULL ? reason : "");
        hyrax_commitment_free(&com);
        free(Ps);
        free(P);
        free(beta);
    }
}
