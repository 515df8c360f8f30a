/*
 * test_linrel.c: the linear-relation accumulator (docs/protocol.md 4.6): honest relations
 * verify; a wrong constant, a wrong committed value and a wrong mask are each rejected
 * by the inner-product argument; building errors are caught before any proof.
 */
#include <stdlib.h>
#include <string.h>

#include "drbg.h"
#include "linrel.h"
#include "pedersen.h"
#include "unit.h"
#include "unit_fq.h"

#define LR_SCALARS 6
#define LR_MASK_LOG 3
#define LR_MASK (1u << LR_MASK_LOG)
#define LR_RELATIONS 4

/* A statement: scalars, mask, sparse relations whose constants make them hold. */
typedef struct {
    fq_t v[LR_SCALARS], b[LR_SCALARS], mask[LR_MASK], bM;
    ge_t C[LR_SCALARS], CM;
    /* relation t: scalar terms (id, coef), mask terms (slot, coef), constant K */
    linrel_term st[LR_RELATIONS][3], mt[LR_RELATIONS][3];
    size_t nst[LR_RELATIONS], nmt[LR_RELATIONS];
    fq_t form_const;        /* relation 0 goes through a linrel_form with this constant */
    fq_t K[LR_RELATIONS];
} lr_case;

static void
case_make(lr_case *c)
{
    size_t i, t, j;
    gep_t p;

    for (i = 0; i < LR_SCALARS; i++) {
        unit_random_fq(&c->v[i]);
        unit_random_fq(&c->b[i]);
        unit_commit1(&c->C[i], &c->v[i], &c->b[i]);
    }
    for (i = 0; i < LR_MASK; i++)
        unit_random_fq(&c->mask[i]);
    unit_random_fq(&c->bM);
    CHECK(pedersen_comv(&p, c->mask, LR_MASK, &c->bM) == 0);
    ge_set_gep(&c->CM, &p);
    unit_random_fq(&c->form_const);
    for (t = 0; t < LR_RELATIONS; t++) {
        fq_t acc, x;

        /* relation 3 repeats an id and a slot; relation 2 has no mask term */
        c->nst[t] = t == 3 ? 3 : 1 + t % 3;
        c->nmt[t] = t == 2 ? 0 : 1 + (t + 1) % 3;
        fq_set_zero(&acc);
        for (j = 0; j < c->nst[t]; j++) {
            c->st[t][j].id = t == 3 ? 1 : (t + 2 * j) % LR_SCALARS;
            unit_random_fq(&c->st[t][j].coef);
            fq_mul(&x, &c->st[t][j].coef, &c->v[c->st[t][j].id]);
            fq_add(&acc, &acc, &x);
        }
        for (j = 0; j < c->nmt[t]; j++) {
            c->mt[t][j].id = t == 3 ? 5 : (3 * t + j) % LR_MASK;
            unit_random_fq(&c->mt[t][j].coef);
            fq_mul(&x, &c->mt[t][j].coef, &c->mask[c->mt[t][j].id]);
            fq_add(&acc, &acc, &x);
        }
        if (t == 0)
            fq_add(&acc, &acc, &c->form_const);     /* (form + constant) = K */
        c->K[t] = acc;
    }
}

/*
 * Register the scalars and add the relations to lr (prover or verifier side).
 * Relation 0 is added as a linrel_form with a constant, the others term by term.
 */
static void
case_relations(linrel *lr, const lr_case *c, int prover, const fq_t *K)
{
    size_t i, t, j, id;

    for (i = 0; i < LR_SCALARS; i++) {
        if (prover)
            CHECK(linrel_add_secret(lr, &c->v[i], &c->b[i], &id) == 0);
        else
            CHECK(linrel_add_commitment(lr, &c->C[i], &id) == 0);
        CHECK(id == i);
    }
    for (t = 0; t < LR_RELATIONS; t++) {
        CHECK(linrel_relation_begin(lr) == 0);
        if (t == 0) {
            linrel_form f;

            f.terms = c->st[t];
            f.n_terms = c->nst[t];
            f.constant = c->form_const;
            CHECK(linrel_relation_form(lr, &f, NULL) == 0);
        } else {
            for (j = 0; j < c->nst[t]; j++)
                CHECK(linrel_relation_scalar(lr, c->st[t][j].id, &c->st[t][j].coef) == 0);
        }
        for (j = 0; j < c->nmt[t]; j++)
            CHECK(linrel_relation_mask(lr, c->mt[t][j].id, &c->mt[t][j].coef) == 0);
        CHECK(linrel_relation_end(lr, &K[t]) == 0);
    }
}

static void
test_rng(drbg_t *rng, uint8_t seed)
{
    uint8_t fixed[32], model[32] = {0}, st[32] = {0};

    memset(fixed, seed, sizeof fixed);
    drbg_init_fixed(rng, fixed, model, st);
}

/* Prove with the prover's K and mask; verify with the verifier's K and commitments. */
static int
case_run(const lr_case *pc, const fq_t *pK, const fq_t *pmask, const lr_case *vc,
         const fq_t *vK, int *check, const char **reason, ipa_proof *out)
{
    linrel lp, lv;
    transcript_t tp, tv;
    ipa_proof pf;
    drbg_t rng;
    int rc;

    linrel_init_prover(&lp, &pc->CM, LR_MASK_LOG);
    case_relations(&lp, pc, 1, pK);
    *check = linrel_check(&lp, pmask, NULL);
    transcript_init(&tp, "test/linrel", 11);
    test_rng(&rng, 9);
    CHECK(linrel_prove(&lp, &tp, &rng, pmask, &pc->bM, &pf) == 0);
    drbg_clear(&rng);
    linrel_clear(&lp);

    linrel_init_verifier(&lv, &vc->CM, LR_MASK_LOG);
    case_relations(&lv, vc, 0, vK);
    transcript_init(&tv, "test/linrel", 11);
    rc = linrel_verify(&lv, &tv, &pf, reason);
    linrel_clear(&lv);
    if (out != NULL)
        *out = pf;
    return rc;
}

UNIT_TEST(linrel_honest_relations_verify)
{
    lr_case c;
    const char *reason = NULL;
    int check;

    case_make(&c);
    CHECKF(case_run(&c, c.K, c.mask, &c, c.K, &check, &reason, NULL) == 1, "%s",
           reason ? reason : "");
    CHECK(check == 0);
}

UNIT_TEST(linrel_rejects_wrong_constant)
{
    lr_case c;
    fq_t K[LR_RELATIONS];
    const char *reason;
    size_t bad;
    int check, t;

    case_make(&c);
    for (t = 0; t < LR_RELATIONS; t++) {
        memcpy(K, c.K, sizeof K);
        fq_add(&K[t], &K[t], &FQ_ONE);
        /* the prover's own check names the relation */
        {
            linrel lp;

            linrel_init_prover(&lp, &c.CM, LR_MASK_LOG);
            case_relations(&lp, &c, 1, K);
            CHECK(linrel_check(&lp, c.mask, &bad) == 1 && bad == (size_t)t);
            linrel_clear(&lp);
        }
        /* a prover holding the wrong K, and a verifier checking a wrong K */
        CHECK(case_run(&c, K, c.mask, &c, K, &check, &reason, NULL) == 0);
        CHECK(check == 1);
        CHECK(strstr(reason, "final equation") != NULL);
        CHECK(case_run(&c, c.K, c.mask, &c, K, &check, &reason, NULL) == 0);
        CHECK(check == 0);
    }
}

UNIT_TEST(linrel_rejects_wrong_committed_value)
{
    lr_case c, v, p;
    const char *reason;
    int check;

    case_make(&c);
    /* the verifier's C_1 commits to v_1 + 1 (same blind) */
    v = c;
    fq_add(&v.v[1], &v.v[1], &FQ_ONE);
    unit_commit1(&v.C[1], &v.v[1], &v.b[1]);
    CHECK(case_run(&c, c.K, c.mask, &v, c.K, &check, &reason, NULL) == 0);
    CHECK(check == 0);
    /* the prover's value differs from what it committed */
    p = c;
    fq_add(&p.v[1], &p.v[1], &FQ_ONE);
    CHECK(case_run(&p, c.K, c.mask, &c, c.K, &check, &reason, NULL) == 0);
    CHECK(check == 1);
    /* a wrong blind alone */
    p = c;
    fq_add(&p.b[2], &p.b[2], &FQ_ONE);
    CHECK(case_run(&p, c.K, c.mask, &c, c.K, &check, &reason, NULL) == 0);
}

UNIT_TEST(linrel_rejects_wrong_mask)
{
    lr_case c, v;
    fq_t mask[LR_MASK];
    const char *reason;
    gep_t p;
    int check;

    case_make(&c);
    /* the prover opens a different mask than the committed one */
    memcpy(mask, c.mask, sizeof mask);
    fq_add(&mask[5], &mask[5], &FQ_ONE);
    CHECK(case_run(&c, c.K, mask, &c, c.K, &check, &reason, NULL) == 0);
    CHECK(check == 1);
    /* the verifier's C_M commits to another mask */
    v = c;
    CHECK(pedersen_comv(&p, mask, LR_MASK, &c.bM) == 0);
    ge_set_gep(&v.CM, &p);
    CHECK(case_run(&c, c.K, c.mask, &v, c.K, &check, &reason, NULL) == 0);
    /* an untouched slot changes nothing: slot 7 is in no relation */
    memcpy(mask, c.mask, sizeof mask);
    fq_add(&mask[7], &mask[7], &FQ_ONE);
    {
        lr_case m = c;

        memcpy(m.mask, mask, sizeof mask);
        CHECK(pedersen_comv(&p, mask, LR_MASK, &c.bM) == 0);
        ge_set_gep(&m.CM, &p);
        CHECK(case_run(&m, c.K, mask, &m, c.K, &check, &reason, NULL) == 1);
    }
}

UNIT_TEST(linrel_building_errors)
{
    lr_case c;
    linrel lr;
    fq_t one = FQ_ONE;
    ipa_proof pf;
    transcript_t t;
    drbg_t rng;
    const char *reason;
    size_t id;

    case_make(&c);
    /* an unknown id */
    linrel_init_prover(&lr, &c.CM, LR_MASK_LOG);
    CHECK(linrel_add_secret(&lr, &c.v[0], &c.b[0], &id) == 0);
    CHECK(linrel_relation_begin(&lr) == 0);
    CHECK(linrel_relation_scalar(&lr, 1, &one) == -1);
    CHECK(linrel_relation_end(&lr, &one) == -1);
    CHECK(linrel_check(&lr, c.mask, NULL) == -1);
    transcript_init(&t, "x", 1);
    test_rng(&rng, 1);
    CHECK(linrel_prove(&lr, &t, &rng, c.mask, &c.bM, &pf) == -1);
    linrel_clear(&lr);
    /* a slot outside the mask; terms outside a relation; a relation left open */
    linrel_init_verifier(&lr, &c.CM, LR_MASK_LOG);
    CHECK(linrel_relation_mask(&lr, 0, &one) == -1);
    linrel_clear(&lr);
    linrel_init_verifier(&lr, &c.CM, LR_MASK_LOG);
    CHECK(linrel_relation_begin(&lr) == 0);
    CHECK(linrel_relation_mask(&lr, LR_MASK, &one) == -1);
    CHECK(linrel_verify(&lr, &t, &pf, &reason) == 0);
    linrel_clear(&lr);
    linrel_init_verifier(&lr, &c.CM, LR_MASK_LOG);
    CHECK(linrel_relation_begin(&lr) == 0);
    CHECK(linrel_relation_mask(&lr, 0, &one) == 0);
    CHECK(linrel_verify(&lr, &t, &pf, &reason) == 0);   /* still open */
    linrel_clear(&lr);
    /* the wrong side: secrets into a verifier, commitments into a prover */
    linrel_init_verifier(&lr, &c.CM, LR_MASK_LOG);
    CHECK(linrel_add_secret(&lr, &c.v[0], &c.b[0], &id) == -1);
    linrel_clear(&lr);
    linrel_init_prover(&lr, &c.CM, LR_MASK_LOG);
    CHECK(linrel_add_commitment(&lr, &c.C[0], &id) == -1);
    linrel_clear(&lr);
    /* no relation at all */
    linrel_init_verifier(&lr, &c.CM, LR_MASK_LOG);
    CHECK(linrel_verify(&lr, &t, &pf, &reason) == 0);
    CHECK(strstr(reason, "nothing") != NULL);
    linrel_clear(&lr);
    drbg_clear(&rng);
}

UNIT_TEST(linrel_proofs_are_randomised)
{
    lr_case c;
    linrel lr;
    transcript_t t;
    ipa_proof p1, p2;
    drbg_t rng;
    int s;

    case_make(&c);
    for (s = 0; s < 2; s++) {
        linrel_init_prover(&lr, &c.CM, LR_MASK_LOG);
        case_relations(&lr, &c, 1, c.K);
        transcript_init(&t, "test/linrel", 11);
        test_rng(&rng, (uint8_t)(20 + s));
        CHECK(linrel_prove(&lr, &t, &rng, c.mask, &c.bM, s == 0 ? &p1 : &p2) == 0);
        drbg_clear(&rng);
        linrel_clear(&lr);
    }
    CHECK(!ge_eq(&p1.L[0], &p2.L[0]));
    CHECK(!fq_eq(&p1.z1, &p2.z1));
}
