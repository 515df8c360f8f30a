/*
 * product.c: the product proof (docs/protocol.md 4.5).
 */
#include <string.h>

#include "generators.h"
#include "msm.h"
#include "pedersen.h"
#include "product.h"

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

int
product_prove(product_proof *pf, transcript_t *t, drbg_t *rng,
              const ge_t *X, const ge_t *Y, const ge_t *Z,
              const fq_t *x, const fq_t *rx, const fq_t *y, const fq_t *ry,
              const fq_t *rz)
{
    fq_t b[5], c, w;
    gep_t p[3], q;
    int rc = -1;

    if (drbg_scalars(rng, b, 5) != 0)
        goto out;
    pedersen_com1(&p[0], &b[0], &b[1]);                 /* A = Com1(b1; b2) */
    pedersen_com1(&p[1], &b[2], &b[3]);                 /* B = Com1(b3; b4) */
    gep_set_ge(&q, X);                                  /* D = b3·X + b5·H */
    gep_mul_ct(&q, &q, &b[2]);
    pedersen_blind(&p[2], &b[4]);
    gep_add(&p[2], &p[2], &q);
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

int
product_verify(transcript_t *t, const ge_t *X, const ge_t *Y, const ge_t *Z,
               const product_proof *pf, const char **reason)
{
    ge_t P[4];
    fq_t k[4], c;
    int ok;

    *reason = "internal failure in the product-proof verifier";
    if (pf->A.infinity || pf->B.infinity || pf->D.infinity) {
        *reason = "product proof contains the identity point";
        return 0;
    }
    if (product_challenge(t, X, Y, Z, pf, &c) != 0)
        return -1;
    transcript_absorb_scalars(t, "prod/z", pf->z, 5);
    if (t->failed)
        return -1;

    /* A + c·X - z1·G - z2·H = O */
    P[0] = pf->A, P[1] = *X, P[2] = *generators_G(), P[3] = *generators_H();
    k[0] = FQ_ONE, k[1] = c;
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
