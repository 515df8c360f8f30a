/*
 * product.c: the product proof (docs/protocol.md 4.5).
 */
#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "msm.h"
#include "pedersen.h"
#include "product.h"
#include "runtime.h"

static int
product_challenge(transcript_t *t, const ge_t *X, const ge_t *Y, const ge_t *Z,
                  const product_proof *pf, fq_t *c)
{
    ge_t xyz[3], abd[3];

    xyz[0] = *X;
    xyz[1] = *Y;
    xyz[2] = *Z;
    abd[0] = pf->A;
    abd[1] = pf->B;
    abd[2] = pf->D;
    transcript_absorb(t, "prod/begin", NULL, 0);
    transcript_absorb_points(t, "prod/XYZ", xyz, 3);
    transcript_absorb_points(t, "prod/ABD", abd, 3);
    return transcript_challenge(t, "prod/c", 0, c);
}

/* z = b + c·w */
static void
sigma_response(fq_t *z, const fq_t *b, const fq_t *c, const fq_t *w)
{
    fq_t t;

    fq_mul(&t, c, w);
    fq_add(z, b, &t);
}

/* The prover's first message: A, B (which 0) and D (which 1). */
typedef struct {
    gep_t *p;
    const fq_t *b;
    const ge_t *X;
} commit_pair;

static void
commit_task(void *arg, int which)
{
    const commit_pair *c = arg;
    gep_t q;

    if (which == 0) {
        pedersen_com1(&c->p[0], &c->b[0], &c->b[1]);    /* A = Com1(b1; b2) */
        pedersen_com1(&c->p[1], &c->b[2], &c->b[3]);    /* B = Com1(b3; b4) */
        return;
    }
    gep_set_ge(&q, c->X);                               /* D = b3·X + b5·H */
    gep_mul_ct(&q, &q, &c->b[2]);
    pedersen_blind(&c->p[2], &c->b[4]);
    gep_add(&c->p[2], &c->p[2], &q);
    explicit_bzero(&q, sizeof q);
}

int
product_prove(product_proof *pf, transcript_t *t, drbg_t *rng,
              const ge_t *X, const ge_t *Y, const ge_t *Z,
              const fq_t *x, const fq_t *rx, const fq_t *y, const fq_t *ry,
              const fq_t *rz)
{
    fq_t b[5], c, w;
    gep_t p[3];
    int rc = -1;

    if (drbg_scalars(rng, b, 5) != 0)
        goto out;
    /* A and B (four fixed-base products) beside D (a variable base): a pair halves the
     * cost of the many product proofs of a small statement */
    {
        commit_pair cp = {p, b, X};

        zkml_run_pair(commit_task, &cp);
    }
    ge_set_gep(&pf->A, &p[0]);
    ge_set_gep(&pf->B, &p[1]);
    ge_set_gep(&pf->D, &p[2]);
    if (product_challenge(t, X, Y, Z, pf, &c) != 0)
        goto out;
    sigma_response(&pf->z[0], &b[0], &c, x);
    sigma_response(&pf->z[1], &b[1], &c, rx);
    sigma_response(&pf->z[2], &b[2], &c, y);
    sigma_response(&pf->z[3], &b[3], &c, ry);
    fq_mul(&w, rx, y);                                  /* z5 = b5 + c·(rZ - rX·y) */
    fq_sub(&w, rz, &w);
    sigma_response(&pf->z[4], &b[4], &c, &w);
    transcript_absorb_scalars(t, "prod/z", pf->z, 5);
    rc = t->failed ? -1 : 0;
out:
    explicit_bzero(b, sizeof b);
    explicit_bzero(&w, sizeof w);
    return rc;
}

/* 1 if sum k_i·P_i is the identity (n <= 4), 0 if not, -1 on failure. */
static int
vanishes(const ge_t *P, const fq_t *k, size_t n)
{
    gep_t r;

    if (msm(&r, P, k, n, 1) != 0)
        return -1;
    return gep_is_infinity(&r);
}

/* The three equations of a proof with challenge c: 1 hold, 0 with *reason, -1 failure. */
static int
product_equations(const ge_t *X, const ge_t *Y, const ge_t *Z, const product_proof *pf,
                  const fq_t *c, const char **reason)
{
    ge_t P[4];
    fq_t k[4];
    int ok;

    /* A + c·X - z1·G - z2·H = O */
    P[0] = pf->A, P[1] = *X, P[2] = *generators_G(), P[3] = *generators_H();
    k[0] = FQ_ONE, k[1] = *c;
    fq_neg(&k[2], &pf->z[0]);
    fq_neg(&k[3], &pf->z[1]);
    if ((ok = vanishes(P, k, 4)) != 1) {
        *reason = ok < 0 ? *reason : "product proof: the check on X fails";
        return ok;
    }
    /* B + c·Y - z3·G - z4·H = O */
    P[0] = pf->B, P[1] = *Y;
    fq_neg(&k[2], &pf->z[2]);
    fq_neg(&k[3], &pf->z[3]);
    if ((ok = vanishes(P, k, 4)) != 1) {
        *reason = ok < 0 ? *reason : "product proof: the check on Y fails";
        return ok;
    }
    /* D + c·Z - z3·X - z5·H = O */
    P[0] = pf->D, P[1] = *Z, P[2] = *X;
    fq_neg(&k[2], &pf->z[2]);
    fq_neg(&k[3], &pf->z[4]);
    if ((ok = vanishes(P, k, 4)) != 1) {
        *reason = ok < 0 ? *reason : "product proof: the check on Z = x·y fails";
        return ok;
    }
    *reason = NULL;
    return 1;
}

/* The transcript's part of the verifier: the identity check, c, and z absorbed. */
static int
product_replay(transcript_t *t, const ge_t *X, const ge_t *Y, const ge_t *Z,
               const product_proof *pf, fq_t *c, const char **reason)
{
    *reason = "internal failure in the product-proof verifier";
    if (pf->A.infinity || pf->B.infinity || pf->D.infinity) {
        *reason = "product proof contains the identity point";
        return 0;
    }
    if (product_challenge(t, X, Y, Z, pf, c) != 0)
        return -1;
    transcript_absorb_scalars(t, "prod/z", pf->z, 5);
    return t->failed ? -1 : 1;
}

int
product_verify(transcript_t *t, const ge_t *X, const ge_t *Y, const ge_t *Z,
               const product_proof *pf, const char **reason)
{
    fq_t c;
    int ok = product_replay(t, X, Y, Z, pf, &c, reason);

    return ok != 1 ? ok : product_equations(X, Y, Z, pf, &c, reason);
}

/* ---- batches ---- */

void
product_batch_init(product_batch *b)
{
    memset(b, 0, sizeof *b);
}

void
product_batch_free(product_batch *b)
{
    free(b->items);
    memset(b, 0, sizeof *b);
}

int
product_verify_deferred(product_batch *b, transcript_t *t, const ge_t *X, const ge_t *Y,
                        const ge_t *Z, const product_proof *pf, int check,
                        const char **reason)
{
    fq_t c;
    int ok = product_replay(t, X, Y, Z, pf, &c, reason);

    if (ok != 1 || !check)
        return ok;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        product_item *it = realloc(b->items, cap * sizeof *it);

        if (it == NULL) {
            *reason = "out of memory";
            return -1;
        }
        b->items = it;
        b->cap = cap;
    }
    b->items[b->n].X = *X;
    b->items[b->n].Y = *Y;
    b->items[b->n].Z = *Z;
    b->items[b->n].pf = *pf;
    b->items[b->n].c = c;
    b->n++;
    *reason = NULL;
    return 1;
}

/*
 * Σ_i (w_3i·E1_i + w_3i+1·E2_i + w_3i+2·E3_i) = O in one multi-scalar multiplication,
 * E the left sides of the three equations of product_verify, the weights w drawn from
 * a copy of the transcript (label "prod/batch") after every proof of the batch was
 * absorbed: a nonzero E survives the random combination with probability 1/q.
 */
int
product_batch_check(product_batch *b, const transcript_t *t, const char **reason)
{
    size_t n = b->n, i, m = 6 * n + 2;
    ge_t *P;
    fq_t *k, *w, u;
    transcript_t tc = *t;
    gep_t r;
    int ok = -1;

    *reason = "internal failure in the product-proof verifier";
    if (n == 0)
        return 1;
    P = malloc(m * sizeof *P);
    k = malloc(m * sizeof *k);
    w = malloc(3 * n * sizeof *w);
    tc.trace = NULL;                        /* not a step of the protocol's transcript */
    if (P == NULL || k == NULL || w == NULL ||
        transcript_challenges(&tc, "prod/batch", 1, w, 3 * n) != 0)
        goto out;
    P[0] = *generators_G();
    P[1] = *generators_H();
    fq_set_zero(&k[0]);
    fq_set_zero(&k[1]);
    for (i = 0; i < n; i++) {
        const product_item *it = &b->items[i];
        const fq_t *w1 = &w[3 * i], *w2 = &w[3 * i + 1], *w3 = &w[3 * i + 2];
        ge_t *Pi = P + 2 + 6 * i;
        fq_t *ki = k + 2 + 6 * i;

        Pi[0] = it->pf.A;                   /* w1 */
        ki[0] = *w1;
        Pi[1] = it->X;                      /* w1·c - w3·z3 */
        fq_mul(&ki[1], w1, &it->c);
        fq_mul(&u, w3, &it->pf.z[2]);
        fq_sub(&ki[1], &ki[1], &u);
        Pi[2] = it->pf.B;                   /* w2 */
        ki[2] = *w2;
        Pi[3] = it->Y;                      /* w2·c */
        fq_mul(&ki[3], w2, &it->c);
        Pi[4] = it->pf.D;                   /* w3 */
        ki[4] = *w3;
        Pi[5] = it->Z;                      /* w3·c */
        fq_mul(&ki[5], w3, &it->c);
        fq_mul(&u, w1, &it->pf.z[0]);       /* G: -(w1·z1 + w2·z3) */
        fq_sub(&k[0], &k[0], &u);
        fq_mul(&u, w2, &it->pf.z[2]);
        fq_sub(&k[0], &k[0], &u);
        fq_mul(&u, w1, &it->pf.z[1]);       /* H: -(w1·z2 + w2·z4 + w3·z5) */
        fq_sub(&k[1], &k[1], &u);
        fq_mul(&u, w2, &it->pf.z[3]);
        fq_sub(&k[1], &k[1], &u);
        fq_mul(&u, w3, &it->pf.z[4]);
        fq_sub(&k[1], &k[1], &u);
    }
    if (msm(&r, P, k, m, 1) != 0)
        goto out;
    if (gep_is_infinity(&r)) {
        *reason = NULL;
        ok = 1;
        goto out;
    }
    /* name the first proof that fails, as product_verify would have */
    for (i = 0; i < n; i++) {
        const product_item *it = &b->items[i];

        if ((ok = product_equations(&it->X, &it->Y, &it->Z, &it->pf, &it->c, reason)) != 1)
            goto out;
    }
    *reason = "product proof: the batched check fails";
    ok = 0;
out:
    free(P);
    free(k);
    free(w);
    return ok;
}
