/*
 * test_ipa.c: the dot-product argument (docs/protocol.md 4.3, 11.6): honest proofs verify,
 * and each verifier check rejects the forgery it exists for.
 */
#include <stdlib.h>
#include <string.h>

#include "drbg.h"
#include "generators.h"
#include "ipa.h"
#include "pedersen.h"
#include "unit.h"
#include "unit_fq.h"

typedef struct {
    unsigned k;
    size_t n;
    fq_t *x, *a;
    fq_t bx, by, y;
    ge_t Cx, Cy;
} ipa_case;

static void
case_make(ipa_case *c, unsigned k)
{
    gep_t p;
    size_t i;

    c->k = k;
    c->n = (size_t)1 << k;
    c->x = malloc(c->n * sizeof(fq_t));
    c->a = malloc(c->n * sizeof(fq_t));
    fq_set_zero(&c->y);
    for (i = 0; i < c->n; i++) {
        fq_t t;

        unit_random_fq(&c->x[i]);
        unit_random_fq(&c->a[i]);
        fq_mul(&t, &c->x[i], &c->a[i]);
        fq_add(&c->y, &c->y, &t);
    }
    unit_random_fq(&c->bx);
    unit_random_fq(&c->by);
    pedersen_comv(&p, c->x, c->n, &c->bx);
    ge_set_gep(&c->Cx, &p);
    pedersen_com1(&p, &c->y, &c->by);
    ge_set_gep(&c->Cy, &p);
}

static void
case_free(ipa_case *c)
{
    free(c->x);
    free(c->a);
}

static int
case_prove(ipa_proof *pf, const ipa_case *c, uint8_t seed)
{
    transcript_t t;
    drbg_t rng;
    uint8_t fixed[32], model[32] = {0};
    int rc;

    memset(fixed, seed, sizeof fixed);
    transcript_init(&t, "test/ipa", 8);
    drbg_init_fixed(&rng, fixed, model, t.state);
    rc = ipa_prove(pf, &t, &rng, &c->Cx, &c->Cy, c->x, &c->bx, &c->by, c->a, c->k);
    drbg_clear(&rng);
    return rc;
}

static int
case_verify(const ge_t *Cx, const ge_t *Cy, const fq_t *a,
            unsigned k, const ipa_proof *pf, const char **reason)
{
    transcript_t t;

    transcript_init(&t, "test/ipa", 8);
    return ipa_verify(&t, Cx, Cy, a, k, pf, reason);
}

UNIT_TEST(ipa_honest_proofs_verify)
{
    static const unsigned ks[] = {0, 1, 2, 3, 5, 10};
    ipa_proof pf;
    const char *reason;
    size_t i;

    for (i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        ipa_case c;

        case_make(&c, ks[i]);
        CHECK(case_prove(&pf, &c, 1) == 0);
        CHECKF(case_verify(&c.Cx, &c.Cy, c.a, c.k, &pf, &reason) == 1,
               "k = %u: %s", ks[i], reason ? reason : "");
        case_free(&c);
    }
}

UNIT_TEST(ipa_rejects_each_forgery)
{
    ipa_proof pf, bad;
    ipa_case c;
    const char *reason;
    gep_t shift;
    ge_t sx, sy;
    fq_t delta, *zero_a;

    case_make(&c, 4);
    CHECK(case_prove(&pf, &c, 2) == 0);
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 4, &pf, &reason) == 1);

    /* a wrong claim y' = y + 1 */
    {
        fq_t y1;
        gep_t p;
        ge_t cy;

        fq_add(&y1, &c.y, &FQ_ONE);
        pedersen_com1(&p, &y1, &c.by);
        ge_set_gep(&cy, &p);
        CHECK(case_verify(&c.Cx, &cy, c.a, 4, &pf, &reason) == 0);
    }
    /* wrong L/R count: the round count comes from the statement, never the proof */
    bad = pf;
    bad.k = 3;
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 4, &bad, &reason) == 0);
    CHECK(strstr(reason, "rounds") != NULL);
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 3, &pf, &reason) == 0);
    /* the value-shift attack: Cx + δ·G with Cy - δ·G */
    unit_random_fq(&delta);
    gep_set_ge(&shift, generators_G());
    gep_mul_vartime(&shift, &shift, &delta);
    {
        gep_t p;

        gep_set_ge(&p, &c.Cx);
        gep_add(&p, &p, &shift);
        ge_set_gep(&sx, &p);
        gep_neg(&shift, &shift);
        gep_set_ge(&p, &c.Cy);
        gep_add(&p, &p, &shift);
        ge_set_gep(&sy, &p);
    }
    CHECK(case_verify(&sx, &sy, c.a, 4, &pf, &reason) == 0);
    CHECK(strstr(reason, "final equation") != NULL);
    /* z1 and z2 altered */
    bad = pf;
    fq_add(&bad.z1, &bad.z1, &FQ_ONE);
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 4, &bad, &reason) == 0);
    bad = pf;
    fq_add(&bad.z2, &bad.z2, &FQ_ONE);
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 4, &bad, &reason) == 0);
    /* L and R swapped in one round; δ replaced by β */
    bad = pf;
    bad.L[1] = pf.R[1];
    bad.R[1] = pf.L[1];
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 4, &bad, &reason) == 0);
    bad = pf;
    bad.delta = pf.beta;
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 4, &bad, &reason) == 0);
    /* the identity anywhere in the proof */
    bad = pf;
    ge_set_infinity(&bad.R[2]);
    CHECK(case_verify(&c.Cx, &c.Cy, c.a, 4, &bad, &reason) == 0);
    CHECK(strstr(reason, "identity") != NULL);
    /* a^ = 0: with a = 0 and y = 0 the equation would hold for any Cx */
    zero_a = calloc(16, sizeof(fq_t));
    {
        ipa_case z = c;
        fq_t yz;
        gep_t p;

        fq_set_zero(&yz);
        pedersen_com1(&p, &yz, &c.by);
        ge_set_gep(&z.Cy, &p);
        z.a = zero_a;
        CHECK(case_prove(&bad, &z, 3) == 0);
        CHECK(case_verify(&z.Cx, &z.Cy, zero_a, 4, &bad, &reason) == 0);
        CHECK(strstr(reason, "a^ is zero") != NULL);
    }
    free(zero_a);
    case_free(&c);
}

UNIT_TEST(ipa_proofs_are_randomised)
{
    ipa_proof p1, p2;
    ipa_case c;

    case_make(&c, 3);
    CHECK(case_prove(&p1, &c, 4) == 0);
    CHECK(case_prove(&p2, &c, 5) == 0);
    CHECK(!ge_eq(&p1.L[0], &p2.L[0]));
    CHECK(!fq_eq(&p1.z1, &p2.z1));
    /* the same random tape gives the same proof */
    CHECK(case_prove(&p2, &c, 4) == 0);
    CHECK(ge_eq(&p1.L[0], &p2.L[0]) && fq_eq(&p1.z2, &p2.z2));
    case_free(&c);
}

/*
 * A k = 0 proof made by replaying the prover's steps (docs/protocol.md 4.3) on t, its δ
 * moved by shift: the final equation is then off by exactly shift.
 */
static void
forge_k0(ipa_proof *pf, transcript_t *t, const ipa_case *c, const gep_t *shift)
{
    ge_t pair[2];
    fq_t s, d, rd, rb, blind, cc, tmp, z[2];
    gep_t p, q;

    memset(pf, 0, sizeof *pf);
    pair[0] = c->Cx;
    pair[1] = c->Cy;
    transcript_absorb(t, "ipa/begin", NULL, 0);
    transcript_absorb_u64(t, "ipa/n", 1);
    transcript_absorb_points(t, "ipa/CxCy", pair, 2);
    CHECK(transcript_challenge(t, "ipa/s", 1, &s) == 0);
    unit_random_fq(&d);
    unit_random_fq(&rd);
    unit_random_fq(&rb);
    gep_set_ge(&p, &generators_V(1)[0]);                /* δ = d·V_0 + rδ·H + shift */
    gep_mul_vartime(&p, &p, &d);
    pedersen_blind(&q, &rd);
    gep_add(&p, &p, &q);
    gep_add(&p, &p, shift);
    ge_set_gep(&pf->delta, &p);
    fq_mul(&tmp, &d, &s);                               /* β = d·s·G + rβ·H */
    pedersen_com1(&p, &tmp, &rb);
    ge_set_gep(&pf->beta, &p);
    pair[0] = pf->delta;
    pair[1] = pf->beta;
    transcript_absorb_points(t, "ipa/db", pair, 2);
    CHECK(transcript_challenge(t, "ipa/c", 0, &cc) == 0);
    fq_mul(&tmp, &c->x[0], &c->a[0]);                   /* z1 = d + c·x·a */
    fq_mul(&tmp, &tmp, &cc);
    fq_add(&pf->z1, &d, &tmp);
    fq_mul(&blind, &s, &c->by);                         /* z2 = a·(c·blind + rβ) + rδ */
    fq_add(&blind, &blind, &c->bx);
    fq_mul(&tmp, &cc, &blind);
    fq_add(&tmp, &tmp, &rb);
    fq_mul(&tmp, &tmp, &c->a[0]);
    fq_add(&pf->z2, &tmp, &rd);
    z[0] = pf->z1;
    z[1] = pf->z2;
    transcript_absorb_scalars(t, "ipa/z", z, 2);
}

/*
 * A batch weighs its equations (4.3, batching): two proofs off by +Δ and -Δ, whose
 * unweighted sum vanishes, are rejected together as each is alone; two honest ones pass.
 */
UNIT_TEST(ipa_batch_weights_its_equations)
{
    ipa_case c1, c2;
    ipa_proof pf[2];
    transcript_t tp, tv;
    gep_t zero, plus, minus;
    const char *reason = NULL;
    int forged, i;

    case_make(&c1, 0);
    case_make(&c2, 0);
    gep_set_infinity(&zero);
    gep_set_ge(&plus, generators_G());
    gep_mul_vartime(&plus, &plus, &c1.bx);              /* any nonzero point */
    gep_neg(&minus, &plus);
    for (forged = 0; forged <= 1; forged++) {
        ipa_batch b;

        transcript_init(&tp, "test/ipa", 8);
        forge_k0(&pf[0], &tp, &c1, forged ? &plus : &zero);
        forge_k0(&pf[1], &tp, &c2, forged ? &minus : &zero);
        ipa_batch_init(&b);
        transcript_init(&tv, "test/ipa", 8);
        CHECK(ipa_verify_deferred(&b, &tv, &c1.Cx, &c1.Cy, c1.a, 0, &pf[0], &reason) == 1);
        CHECK(ipa_verify_deferred(&b, &tv, &c2.Cx, &c2.Cy, c2.a, 0, &pf[1], &reason) == 1);
        CHECKF(ipa_batch_check(&b, &reason) == !forged, "forged %d: %s", forged,
               reason != NULL ? reason : "accepted");
        ipa_batch_free(&b);
        /* each alone, on the same transcript */
        transcript_init(&tv, "test/ipa", 8);
        for (i = 0; i < 2; i++)
            CHECK(ipa_verify(&tv, i ? &c2.Cx : &c1.Cx, i ? &c2.Cy : &c1.Cy, i ? c2.a : c1.a,
                             0, &pf[i], &reason) == !forged);
    }
    case_free(&c1);
    case_free(&c2);
}
