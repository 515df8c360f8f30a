/*
 * tree_proof_s2.c: the rest of the tree proof (docs/protocol.md 16.4): S2 reduces the claims
 * to one point per polynomial, the Hyrax openings, and the linear relations.
 */

#include <string.h>

#include "mle.h"
#include "rowcommit.h"
#include "tree_proof_internal.h"

/* ---- S2 (the claims reduced to one point per polynomial) and the openings ---- */

static unsigned
poly_vars(const tctx *c, int poly)
{
    return poly == POLY_P1 ? c->l1 : c->lN;
}

int
tp_s2(tctx *c)
{
    sumcheck_instance *inst = NULL;
    static const unsigned pk[2] = {0, 1};
    fq_t v[2];
    size_t i, j, first;

    /* the claims: the pre-claims and the S1 finals, then the leaf claims (16.4 #22) */
    for (i = 0; i < c->n_leaf_s2; i++) {
        const tclaim *cl = &c->leaf_claims[i];

        tp_add_claim(c, cl->poly, cl->offset, cl->kappa, cl->z, cl->id);
    }
    if (c->fail != NULL)
        return -1;
    if (transcript_challenges(&c->t, "S2/theta", 0, c->theta, c->n_claims) != 0 ||
        transcript_challenge(&c->t, "S2/rho", 1, &c->rho2) != 0)
        return tp_fail(c, "transcript failure");
    if (c->prover) {
        fq_t *K[2], *src[2], *e;
        unsigned emax = c->lN;
        int x;

        inst = tp_alloc(c, 2, sizeof(sumcheck_instance));
        src[0] = c->P1f;
        src[1] = tp_copy_col(c, c->Nf, (size_t)1 << c->lN);
        for (x = 0; x < 2; x++)
            K[x] = tp_alloc(c, (size_t)1 << poly_vars(c, x), sizeof(fq_t));
        for (i = 0; i < c->n_claims; i++)
            emax = c->claims[i].kappa > emax ? c->claims[i].kappa : emax;
        e = tp_alloc(c, (size_t)1 << emax, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (i = 0; i < c->n_claims; i++) {
            const tclaim *cl = &c->claims[i];
            fq_t *k = K[cl->poly] + cl->offset;

            mle_eq_table_scaled(e, cl->z, cl->kappa, &c->theta[i]);
            for (j = 0; j < ((size_t)1 << cl->kappa); j++)
                fq_add(&k[j], &k[j], &e[j]);
        }
        for (x = 0; x < 2; x++) {
            sumcheck_instance_init(&inst[x], poly_vars(c, x));
            if (sumcheck_instance_table(&inst[x], src[x]) != 0 ||
                sumcheck_instance_table(&inst[x], K[x]) != 1 ||
                sumcheck_instance_term(&inst[x], &FQ_ONE, 2, pk) != 0)
                return tp_fail(c, "internal failure building S2");
        }
    }
    if (tp_run_sumcheck(c, "S2", c->n2, 2, &c->rho2, c->prover ? c->mask + 4 * (size_t)c->n1 : NULL,
                        inst, 2, &c->T2, c->r2, &c->e2) != 0)
        return -1;
    if (c->prover) {
        for (i = 0; i < 2; i++)
            v[i] = inst[i].tables[0][0];
        tp_restore_p1(c);                   /* P1 folded in place by S2: back from p1 */
    }
    return tp_exchange_committed(c, "S2/finals", v, 2, &first) != 0 ? -1 :
           (c->id_u[0] = first, c->id_u[1] = first + 1, 0);
}

static int
opening(tctx *c, const hyrax_commitment *h, const fq_t *P, const fq_t *beta, size_t id,
        int check)
{
    ipa_proof pf;
    const char *why = NULL;
    const fq_t *z = c->r2 + (c->n2 - h->l);
    int rc;

    if (c->prover) {
        if (hyrax_open(&pf, &c->t, &c->rng, h, P, beta, z, &c->com[id], &c->bl[id]) != 0)
            return tp_fail(c, "the opening prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, h->lc);
    if (tp_reader_ok(c) != 0)
        return -1;
    rc = hyrax_verify_sum_deferred(check ? &c->ipas : NULL, &c->t, h, NULL, NULL, z,
                                   &c->com[id], &pf, &why);
    if (rc == 0 && !check)
        rc = 1;
    if (rc != 1)
        return tp_fail(c, why != NULL ? why : "an opening does not verify");
    return 0;
}

/*
 * Committed inputs (docs/protocol.md 16.10.4, openings): the Hyrax evaluation of X
 * (feature bits low) at y_in, the ROW table's leaf point, read feature coordinates first,
 * against C_x~; the rows and the prover's table and blinds as the network's (rowcommit.h).
 */
static int
open_inputs(tctx *c)
{
    unsigned beta = c->beta, nu = c->lnf;
    size_t rows = (size_t)1 << beta;
    const fq_t *rin = c->gkr.z[c->gshape.d];
    ge_t *xrows = tp_alloc(c, rows, sizeof(ge_t));
    fq_t *z = tp_alloc(c, beta + nu, sizeof(fq_t)), *table = NULL, *rho = NULL;
    hyrax_commitment xc;
    ipa_proof pf;
    const char *why = NULL;
    int rc;

    if (c->fail != NULL)
        return -1;
    rowcommit_matrix(&xc, xrows, c->st->row_commitments, c->B, nu, beta);
    memcpy(z, rin + beta, nu * sizeof(fq_t));
    memcpy(z + nu, rin, beta * sizeof(fq_t));
    if (c->prover) {
        table = tp_alloc(c, rows << nu, sizeof(fq_t));
        rho = tp_alloc(c, rows, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        if (rowcommit_matrix_values(table, rho, c->st->inputs, c->B, c->n, nu, beta, c->seed,
                                    c->st->nonce) != 0)
            return tp_fail(c, "could not derive the row blinds");
        if (hyrax_open(&pf, &c->t, &c->rng, &xc, table, rho, z, &c->com[c->id_x],
                       &c->bl[c->id_x]) != 0)
            return tp_fail(c, "the opening prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, xc.lc);
    if (tp_reader_ok(c) != 0)
        return -1;
    rc = hyrax_verify_sum_deferred(tp_skipped(c, TREE_CHECK_OPENING_X, 0) ? NULL : &c->ipas,
                                   &c->t, &xc, NULL, NULL, z, &c->com[c->id_x], &pf, &why);
    if (rc == 0 && tp_skipped(c, TREE_CHECK_OPENING_X, 0))
        rc = 1;
    if (rc != 1)
        return tp_fail(c, why != NULL ? why : "the opening of the row commitments does not "
                       "verify");
    return 0;
}

int
tp_openings(tctx *c)
{
    fq_t *betaN = NULL;

    if (opening(c, &c->c1, c->P1f, c->beta1, c->id_u[0], 1) != 0)
        return -1;
    if (c->prover) {
        size_t rows = (size_t)1 << c->st->commitment->lr;

        betaN = tp_alloc(c, rows, sizeof(fq_t));
        if (betaN == NULL || hyrax_blinds_from_seed(betaN, rows, c->seed) != 0)
            return tp_fail(c, "could not derive the node blinds");
    }
    if (opening(c, c->st->commitment, c->Nf, betaN, c->id_u[1],
                !tp_skipped(c, TREE_CHECK_OPENING_N, 0)) != 0)
        return -1;
    return c->committed ? open_inputs(c) : 0;
}

/* ---- the linear relations ---- */

int
tp_relations(tctx *c)
{
    size_t nf = 2 * (size_t)c->D + 2, i, nfo = 0, k;
    tform *F = tp_alloc(c, nf, sizeof(tform));
    linrel_form *lf = tp_alloc(c, nf, sizeof(linrel_form));
    linrel_term *t3 = tp_alloc(c, c->n_claims, sizeof(linrel_term));
    const fq_t *rg = c->r1 + (c->n1 - c->g);
    fq_t ez, es, two32, p, one = FQ_ONE, rhs;
    linrel_form f3, f4;
    linrel_term t4[2];
    unsigned s, l;

    if (c->fail != NULL)
        return -1;
    tp_pow2(&two32, 32);
    /* the pre-claims (table): S~ + 2^(s-1) = 2^s·q~ + Σ 2^(11k)·limb~_k */
    if (c->table) {
        linrel_relation_begin(&c->lr);
        linrel_relation_scalar(&c->lr, c->id_pre, &one);
        tp_pow2(&p, c->shift);
        fq_neg(&p, &p);
        linrel_relation_scalar(&c->lr, c->id_pre + 1, &p);
        for (k = 0; k < c->K; k++) {
            tp_pow2(&p, TP_LIMB * (unsigned)k);
            fq_neg(&p, &p);
            linrel_relation_scalar(&c->lr, c->id_pre + 2 + k, &p);
        }
        tp_pow2(&rhs, c->shift - 1);
        fq_neg(&rhs, &rhs);
        linrel_relation_end(&c->lr, &rhs);
    }
    /* R_init of S1: H = 2^(n1-g)·λ_S·S~(τ_S) */
    tp_form_init(&F[0]);
    tp_pow2(&p, c->n1 - c->g);
    fq_mul(&p, &p, &c->lam_s);
    if (c->table) {
        tp_form_add(&F[0], c->id_pre, &p);
    } else {
        mle_eval(&es, c->outpub, c->beta, c->tau_s);
        fq_mul(&F[0].c, &p, &es);
    }
    lf[0] = tp_form_view(&F[0]);
    if (sumcheck_relation_init(&c->lr, c->n1, 3, 0, &c->rho1, &lf[0], 1, &c->T1) != 0)
        return tp_fail(c, "internal failure building the relations");

    /* R_final of S1: each instance at the finals (16.4.1) */
    tp_eq_eval(&ez, c->tau_z, rg, c->g);
    for (s = 0; s < c->D; s++) {
        tform *A = &F[nfo++], *C = &F[nfo++];
        fq_t w, m1;
        size_t pb = c->id_prod + 3 * s;

        tp_form_init(A);
        fq_mul(&w, &ez, &c->lam_z[3 * s]);              /* λb·e·(b - b·b) */
        tp_form_add(A, tp_fin1(c, tp_gcol(s, GB)), &w);
        fq_neg(&m1, &w);
        tp_form_add(A, pb, &m1);
        fq_mul(&w, &ez, &c->lam_z[3 * s + 1]);          /* λe·e·(e - m·d) */
        tp_form_add(A, tp_fin1(c, tp_gcol(s, GE)), &w);
        fq_neg(&m1, &w);
        tp_form_add(A, pb + 1, &m1);
        /* λc·e·(2·b·y - x - 2^32·e + k - 1 + b - c0 - 2^11·c1 - 2^22·c2) */
        tp_form_init(C);
        fq_mul(&w, &ez, &c->lam_z[3 * s + 2]);
        fq_dbl(&m1, &w);
        tp_form_add(C, pb + 2, &m1);
        fq_neg(&m1, &w);
        tp_form_add(C, tp_fin1(c, tp_gcol(s, GX)), &m1);
        fq_mul(&m1, &m1, &two32);
        tp_form_add(C, tp_fin1(c, tp_gcol(s, GE)), &m1);
        tp_form_add(C, tp_fin1(c, tp_gcol(s, GK)), &w);
        fq_neg(&C->c, &w);
        tp_form_add(C, tp_fin1(c, tp_gcol(s, GB)), &w);
        for (l = 0; l < TP_LIMBS_MAX; l++) {
            tp_pow2(&p, TP_LIMB * l);
            fq_mul(&m1, &w, &p);
            fq_neg(&m1, &m1);
            tp_form_add(C, tp_fin1(c, tp_gcol(s, GC0 + l)), &m1);
        }
    }
    {                                                   /* λ_S·eq(τ_S, r_b)·v~ */
        tform *S = &F[nfo++];

        tp_form_init(S);
        tp_eq_eval(&es, c->tau_s, rg, c->beta);
        fq_mul(&p, &es, &c->lam_s);
        tp_form_add(S, tp_fin1(c, c->col_V), &p);
    }
    if (c->committed) {     /* IN: λ0·e·(M~ - P_MM) + λ1·e·P_Mu (16.10.4) */
        tform *I = &F[nfo++];
        unsigned vin = c->beta + c->lnf;
        size_t ip = c->id_prod + 3 * (size_t)c->D;
        fq_t e, w, m1;

        tp_form_init(I);
        tp_eq_eval(&e, c->tau_lk + (c->n1 - vin), c->r1 + (c->n1 - vin), vin);
        fq_mul(&w, &e, &c->lam_in[0]);
        tp_form_add(I, tp_fin1(c, c->col_M), &w);
        fq_neg(&m1, &w);
        tp_form_add(I, ip, &m1);
        fq_mul(&w, &e, &c->lam_in[1]);
        tp_form_add(I, ip + 1, &w);
    }
    for (i = 0; i < nfo; i++)
        lf[i] = tp_form_view(&F[i]);
    if (sumcheck_relation_final(&c->lr, c->n1, 3, 0, &c->rho1, c->r1, lf, nfo, &c->e1) != 0)
        return tp_fail(c, "internal failure building the relations");

    /* S2: R_init Σ_c θ_c·2^(n2 - l(X_c))·v_c; R_final Σ_X u_X·K_X(r) */
    for (i = 0; i < 2; i++) {
        t4[i].id = c->id_u[i];
        fq_set_zero(&t4[i].coef);
    }
    for (i = 0; i < c->n_claims; i++) {
        const tclaim *cl = &c->claims[i];
        unsigned lx = poly_vars(c, cl->poly);
        fq_t lifted[LAYOUT_MAX_LOG], e;

        t3[i].id = cl->id;
        tp_pow2(&t3[i].coef, c->n2 - lx);
        fq_mul(&t3[i].coef, &t3[i].coef, &c->theta[i]);
        if (layout_claim_point(lifted, cl->z, cl->kappa, cl->offset, lx) != 0)
            return tp_fail(c, "internal failure lifting a claim");
        tp_eq_eval(&e, lifted, c->r2 + (c->n2 - lx), lx);
        fq_mul(&e, &e, &c->theta[i]);
        fq_add(&t4[cl->poly].coef, &t4[cl->poly].coef, &e);
    }
    f3.terms = t3;
    f3.n_terms = c->n_claims;
    fq_set_zero(&f3.constant);
    f4.terms = t4;
    f4.n_terms = 2;
    fq_set_zero(&f4.constant);
    if (sumcheck_relation_init(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, &f3, 1,
                               &c->T2) != 0 ||
        sumcheck_relation_final(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, c->r2, &f4, 1,
                                &c->e2) != 0)
        return tp_fail(c, "internal failure building the relations");
    /* the lookup tree's relations */
    if (tp_gkr_relations(c) != 0)
        return -1;
    /* committed inputs, last: R_in, x~ + M~ - I0~ - 2^11·I1~ - 2^22·I2~ = 1 - 2^31 at y_in */
    if (c->committed && !tp_skipped(c, TREE_CHECK_INPUT_RELATION, 0)) {
        linrel_relation_begin(&c->lr);
        linrel_relation_scalar(&c->lr, c->id_x, &one);
        linrel_relation_scalar(&c->lr, c->leaf_id[c->col_M], &one);
        for (l = 0; l < TP_LIMBS_MAX; l++) {
            tp_pow2(&p, TP_LIMB * l);
            fq_neg(&p, &p);
            linrel_relation_scalar(&c->lr, c->leaf_id[c->col_M + 1 + l], &p);
        }
        tp_pow2(&rhs, 31);
        fq_sub(&rhs, &one, &rhs);
        linrel_relation_end(&c->lr, &rhs);
    }
    return 0;
}

int
tp_linear(tctx *c)
{
    ipa_proof pf;
    const char *why = NULL;

    if (c->prover) {
        size_t bad;

        if (c->hooks == NULL && linrel_check(&c->lr, c->mask, &bad) != 0)
            return tp_fail(c, "internal error: a linear relation of the proof does not hold");
        if (linrel_prove(&c->lr, &c->t, &c->rng, c->mask, &c->bM, &pf) != 0)
            return tp_fail(c, "the linear-relation prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, c->mask_log);
    if (tp_reader_ok(c) != 0)
        return -1;
    /* the openings' final equations and this one's, in one batch (docs/protocol.md 4.3) */
    if (linrel_verify_deferred(&c->ipas, &c->lr, &c->t, &pf, &why) != 1 ||
        ipa_batch_check(&c->ipas, &why) != 1)
        return tp_fail(c, why != NULL ? why : "the linear relations do not hold");
    return 0;
}
