/*
 * infer_open.c: steps 11-12 of the inference proof (docs/protocol.md 7;
 * docs/protocol.md 7): the two Hyrax openings (P1 + μ·P2 at r^P, W at r^W); the
 * linear relations R1..R4 and their argument over the mask.  Version 2 opens P1 alone
 * and adds R5 and the lookup tree's relations (docs/protocol.md 7.18.5, 7.18.6).
 */
#include <stddef.h>
#include <string.h>

#include "infer_phases.h"
#include "logup.h"
#include "mle.h"
#include "rowcommit.h"
#include "runtime.h"

/* ---- step 11: the two openings ---- */

/* One opening of c (+ μ·c2 when c2 is given) at z against Cv; the prover's table as
 * field entries, or as int32 entries (small) when c2 is NULL. */
static int
exchange_opening(ictx *c, const hyrax_commitment *h, const hyrax_commitment *h2,
                 const fq_t *table, const int32_t *small, const fq_t *beta, const fq_t *z,
                 const ge_t *Cv, const fq_t *bv, int check)
{
    ipa_proof pf;
    const char *why = NULL;
    int rc;

    if (c->prover) {
        if ((small != NULL
                 ? hyrax_open_small(&pf, &c->t, &c->rng, h, small, beta, z, Cv, bv)
                 : hyrax_open_sum(&pf, &c->t, &c->rng, h, h2, &c->mu, table, beta, z, Cv,
                                  bv)) != 0)
            return ictx_fail(c, "the opening prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, h->lc);
    if (ictx_reader_ok(c) != 0)
        return -1;
    rc = hyrax_verify_sum_deferred(infer_seam_skips(c, check, 0) ? NULL : &c->ipas, &c->t, h,
                                   h2, &c->mu, z, Cv, &pf, &why);
    if (rc == 0 && infer_seam_skips(c, check, 0))
        rc = 1;
    if (rc != 1)
        return ictx_fail(c, why != NULL ? why : "an opening does not verify");
    return 0;
}

/*
 * Committed inputs (docs/protocol.md 7.20.4, step 11.3): the Hyrax evaluation of X
 * (feature bits low, batch bits high) at z_X = (r^(ν_1), τ_{1,b}) against C_x_1, its
 * rows the receipt's row commitments C_{min(b, B-1)}.
 */
static int
open_inputs(ictx *c)
{
    const infer_statement *st = c->st;
    unsigned nu = c->lay->nu[0], beta = c->lay->beta;
    size_t cols = (size_t)1 << nu, rows = (size_t)1 << beta, n = c->m->layer[0].n, b, j;
    hyrax_commitment xc;
    ge_t *xrows = ictx_alloc(c, rows, sizeof(ge_t));
    fq_t *z = ictx_alloc(c, nu + beta, sizeof(fq_t)), *table = NULL, *rho = NULL;

    if (c->fail != NULL)
        return -1;
    rowcommit_matrix(&xc, xrows, st->row_commitments, st->batch, nu, beta);
    memcpy(z, c->r1 + (c->n1 - nu), nu * sizeof(fq_t));
    memcpy(z + nu, c->tau[0], beta * sizeof(fq_t));
    if (c->prover) {
        table = ictx_alloc(c, cols * rows, sizeof(fq_t));
        rho = ictx_alloc(c, rows, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        if (rowcommit_matrix_values(table, rho, infer_x_rows(c), st->batch, n, nu, beta,
                                    c->seed, st->nonce) != 0)
            return ictx_fail(c, "could not derive the row blinds");
        for (b = 0; b < rows; b++)      /* padded features: 0, or the test seam's value */
            for (j = n; j < cols; j++)
                fq_set_i64(&table[j + cols * b], infer_x_entry(c, b < st->batch ? b : st->batch - 1, j));
    }
    return exchange_opening(c, &xc, NULL, table, NULL, rho, z, &c->com[c->id_x[0]],
                            c->prover ? &c->bl[c->id_x[0]] : NULL, INFER_CHECK_OPENING_X);
}

int
infer_step_openings(ictx *c)
{
    size_t nrows = (size_t)1 << c->c1.lr, i, len;
    fq_t *table = NULL, *beta = NULL, bv, tmp;
    gep_t p, q;
    ge_t Cv;
    int rc;

    if (c->lay->version == 2) {                     /* P1 alone (docs/protocol.md 7.18.5) */
        if (exchange_opening(c, &c->c1, NULL, c->P1f, c->p1_small, c->beta1,
                             c->r2 + (c->n2 - c->lay->l_P),
                             &c->com[c->id_u[0]], c->prover ? &c->bl[c->id_u[0]] : NULL,
                             INFER_CHECK_OPENING_P) != 0)
            return -1;
        goto open_w;
    }
    gep_set_ge(&p, &c->com[c->id_u[1]]);            /* C_u1 + μ·C_u2 */
    gep_mul_vartime(&p, &p, &c->mu);
    gep_set_ge(&q, &c->com[c->id_u[0]]);
    gep_add(&p, &p, &q);
    ge_set_gep(&Cv, &p);
    if (c->prover) {
        len = (size_t)1 << c->lay->l_P;
        table = ictx_alloc(c, len, sizeof(fq_t));
        beta = ictx_alloc(c, nrows, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (i = 0; i < len; i++) {
            if ((i & 0xffff) == 0 && zkml_interrupted())
                return ictx_fail(c, "interrupted");
            fq_mul(&tmp, &c->mu, &c->P2f[i]);
            fq_add(&table[i], &c->P1f[i], &tmp);
        }
        for (i = 0; i < nrows; i++) {
            fq_mul(&tmp, &c->mu, &c->beta2[i]);
            fq_add(&beta[i], &c->beta1[i], &tmp);
        }
        fq_mul(&tmp, &c->mu, &c->bl[c->id_u[1]]);
        fq_add(&bv, &c->bl[c->id_u[0]], &tmp);
    }
    rc = exchange_opening(c, &c->c1, &c->c2, table, NULL, beta, c->r2 + (c->n2 - c->lay->l_P),
                          &Cv, &bv, INFER_CHECK_OPENING_P);
    if (rc != 0)
        return -1;
open_w:
    beta = NULL;
    if (c->prover) {
        size_t wrows = (size_t)1 << c->st->w_rows->lr;

        beta = ictx_alloc(c, wrows, sizeof(fq_t));
        if (beta == NULL || hyrax_blinds_from_seed(beta, wrows, c->seed) != 0)
            return ictx_fail(c, "could not derive the W blinds");
    }
    if (exchange_opening(c, c->st->w_rows, NULL, c->Wf, NULL, beta, c->r2 + (c->n2 - c->wl.l_W),
                         &c->com[c->id_u[2]], c->prover ? &c->bl[c->id_u[2]] : NULL,
                         INFER_CHECK_OPENING_W) != 0)
        return -1;
    return c->lay->committed ? open_inputs(c) : 0;
}

/* ---- step 12: the linear relations R1..R4 ---- */

/*
 * Version 2, R2's part for zero-check p at its final point r^(l):
 * λ·eq(τ^(l), r^(l))·(out - c - P + c·t), out the public OUT~(r^(l)) where a_L is public
 * (c = hi, lo, or 0 for relu).  terms: room for 3.
 */
static void
pw_form(ictx *c, unsigned p, linrel_form *f, linrel_term *terms)
{
    const infer_pw *pw = &c->lay->pw[p];
    unsigned n = pw->log_size;
    const fq_t *rk = c->r1 + (c->n1 - n);
    const model_layer *ly = &c->m->layer[pw->layer];
    fq_t e, cst, tmp;

    ictx_eq_eval(&e, c->tau_lk + (c->n1 - n), rk, n);
    fq_mul(&e, &e, &c->lam_pw[p]);
    fq_set_i64(&cst, pw->role == INFER_PW_CLAMP_HI ? ly->hi
                     : pw->role == INFER_PW_CLAMP_LO ? ly->lo : 0);
    f->terms = terms;
    f->n_terms = 0;
    fq_mul(&f->constant, &e, &cst);
    fq_neg(&f->constant, &f->constant);
    if (c->id_pw_out[p] != SIZE_MAX) {
        terms[f->n_terms].id = c->id_pw_out[p];
        terms[f->n_terms++].coef = e;
    } else {
        mle_eval(&tmp, c->outpub, n, rk);
        fq_mul(&tmp, &tmp, &e);
        fq_add(&f->constant, &f->constant, &tmp);
    }
    terms[f->n_terms].id = c->id_pw_P[p];
    fq_neg(&terms[f->n_terms++].coef, &e);
    terms[f->n_terms].id = c->id_pw_t[p];
    fq_mul(&terms[f->n_terms++].coef, &e, &cst);
}

/*
 * Version 2, R5_l (docs/protocol.md 7.17, step 12): the decompositions of layer l at τ_l,
 * each its own relation: q~ + 2^(Q-1) - Σ 2^(o_k)·v_k~ - 2^(Q-1)·t~ = 0, and for a clamp
 * q~ - lo + 2^Q - Σ 2^(o'_k)·v^lo_k~ - 2^Q·t^lo~ = 0, hi - q~ + 2^Q - Σ ... - 2^Q·t^hi~ = 0
 * (q~ the public OUT~(τ_L) where q_L is public).
 */
static int
decomposition_relation(ictx *c, unsigned l, int which, const fq_t *q_public)
{
    const infer_layout *lay = c->lay;
    const model_layer *ly = &c->m->layer[l];
    unsigned k, n = which == 0 ? lay->n_u[l] : lay->n_d[l];
    const unsigned *off = which == 0 ? lay->u_offset[l] : lay->d_offset[l];
    size_t v0 = which == 0 ? c->id_v[l] : which == 1 ? c->id_vlo[l] : c->id_vhi[l];
    size_t tid = which == 0 ? c->id_t[l] : which == 1 ? c->id_tlo[l] : c->id_thi[l];
    fq_t coef, top, rhs, qsign;

    /* the sign of q~ and the constant: 2^(Q-1); -lo + 2^Q; hi + 2^Q */
    fq_set_i64(&qsign, which == 2 ? -1 : 1);
    ictx_pow2(&top, which == 0 ? ly->q_bits - 1 : ly->q_bits);
    fq_set_i64(&rhs, which == 1 ? ly->lo : which == 2 ? -(int64_t)ly->hi : 0);
    fq_sub(&rhs, &rhs, &top);                       /* everything constant to the right */
    if (linrel_relation_begin(&c->lr) != 0)
        return -1;
    if (c->id_q[l] != SIZE_MAX)
        linrel_relation_scalar(&c->lr, c->id_q[l], &qsign);
    else {
        fq_mul(&coef, &qsign, q_public);
        fq_sub(&rhs, &rhs, &coef);
    }
    for (k = 0; k < n; k++) {
        ictx_pow2(&coef, off[k]);
        fq_neg(&coef, &coef);
        linrel_relation_scalar(&c->lr, v0 + k, &coef);
    }
    fq_neg(&coef, &top);
    linrel_relation_scalar(&c->lr, tid, &coef);
    return linrel_relation_end(&c->lr, &rhs);
}

/* Every R5_l of a version 2 proof, in layer order. */
static int
decomposition_relations(ictx *c)
{
    unsigned l, idx = 4;
    fq_t out;

    for (l = 0; l < c->L; l++) {
        int which, n = c->lay->kind[l] == MODEL_PW_CLAMP ? 3 : 1;

        if (c->lay->kind[l] == MODEL_PW_TABLE)
            continue;
        fq_set_zero(&out);
        if (c->lay->q_public[l])
            mle_eval(&out, c->outpub, c->lay->beta + c->lay->mu[l], c->tau[l]);
        for (which = 0; which < n; which++, idx++)
            if (!infer_seam_skips(c, INFER_CHECK_RELATION, idx) &&
                decomposition_relation(c, l, which, &out) != 0)
                return ictx_fail(c, "internal failure building the relations");
    }
    return 0;
}

/*
 * Committed inputs, R_in (docs/protocol.md 7.20.4, step 12), last:
 * x_1 - Σ_k 2^(8k)·e_k = -S~(r^(ν_1)),  S_j = 2^(xbits_j - 1) for j < n_1.
 */
static int
input_relation(ictx *c)
{
    unsigned nu = c->lay->nu[0], k;
    size_t j, n = c->m->layer[0].n;
    fq_t *eq = ictx_eq_table(c, c->r1 + (c->n1 - nu), nu), rhs, tmp, one;

    if (eq == NULL)
        return -1;
    if (infer_seam_skips(c, INFER_CHECK_INPUT_RELATION, 0))
        return 0;
    fq_set_zero(&rhs);
    for (j = 0; j < n; j++) {
        ictx_pow2(&tmp, model_input_bits(c->m, (uint32_t)j) - 1);
        fq_mul(&tmp, &tmp, &eq[j]);
        fq_sub(&rhs, &rhs, &tmp);
    }
    fq_set_u64(&one, 1);
    if (linrel_relation_begin(&c->lr) != 0)
        return ictx_fail(c, "internal failure building the relations");
    linrel_relation_scalar(&c->lr, c->id_x[0], &one);
    for (k = 0; k < c->lay->n_xlimbs; k++) {
        ictx_pow2(&tmp, 8 * k);
        fq_neg(&tmp, &tmp);
        linrel_relation_scalar(&c->lr, c->id_e + k, &tmp);
    }
    if (linrel_relation_end(&c->lr, &rhs) != 0)
        return ictx_fail(c, "internal failure building the relations");
    return 0;
}

int
infer_step_relations(ictx *c)
{
    size_t nk = infer_s1_lookups(c), nt = infer_s1_tables(c), np = c->lay->n_pw;
    size_t nf = c->L + nk + nt + np, k, t, i;
    linrel_form *f1 = ictx_alloc(c, c->L, sizeof(linrel_form));
    linrel_term *t1 = ictx_alloc(c, (size_t)c->L * (MODEL_MAX_LIMBS + 2), sizeof(linrel_term));
    linrel_form *f2 = ictx_alloc(c, nf, sizeof(linrel_form));
    linrel_term *t2 = ictx_alloc(c, 3 * nf, sizeof(linrel_term));
    linrel_term *t3 = ictx_alloc(c, c->n_claims, sizeof(linrel_term)), t4[3];
    linrel_term *tpw = ictx_alloc(c, 3 * np + 1, sizeof(linrel_term));
    linrel_form f3, f4;
    fq_t *pt = ictx_alloc(c, LAYOUT_MAX_LOG, sizeof(fq_t)), *lifted = ictx_alloc(c, LAYOUT_MAX_LOG, sizeof(fq_t));
    unsigned l, beta = c->lay->beta;
    size_t nt1 = 0;
    fq_t q_public_term;

    if (c->fail != NULL)
        return -1;
    fq_set_zero(&q_public_term);
    /* R1: H = Σ_l λ_l·2^(n1-ν_l)·(M^-1·(2^s·q + Σ 2^o_k·rem_k - 2^(s-1)) - b) */
    for (l = 0; l < c->L; l++) {
        const model_layer *ly = &c->m->layer[l];
        fq_t w, cst, p2;
        unsigned k2;

        ictx_pow2(&w, c->n1 - c->lay->nu[l]);
        fq_mul(&w, &w, &c->lam_mm[l]);
        fq_set_u64(&cst, ly->mult);
        fq_inv(&cst, &cst);
        fq_mul(&cst, &cst, &w);
        f1[l].terms = t1 + nt1;
        f1[l].n_terms = c->lay->n_limbs[l] + 2;
        ictx_pow2(&p2, ly->shift);
        if (c->id_q[l] != SIZE_MAX) {
            t1[nt1].id = c->id_q[l];
            fq_mul(&t1[nt1++].coef, &cst, &p2);
        } else {                                    /* version 2: q_L is OUT, public */
            fq_t out;

            mle_eval(&out, c->outpub, beta + c->lay->mu[l], c->tau[l]);
            fq_mul(&q_public_term, &cst, &p2);
            fq_mul(&q_public_term, &q_public_term, &out);
            f1[l].n_terms--;
        }
        for (k2 = 0; k2 < c->lay->n_limbs[l]; k2++) {
            t1[nt1].id = c->id_rem[l] + k2;
            ictx_pow2(&p2, c->lay->limb_offset[l][k2]);
            fq_mul(&t1[nt1++].coef, &cst, &p2);
        }
        t1[nt1].id = c->id_b[l];
        fq_neg(&t1[nt1++].coef, &w);
        ictx_pow2(&p2, ly->shift - 1);
        fq_mul(&f1[l].constant, &cst, &p2);
        fq_neg(&f1[l].constant, &f1[l].constant);
        fq_add(&f1[l].constant, &f1[l].constant, &q_public_term);
        fq_set_zero(&q_public_term);
    }
    if (!infer_seam_skips(c, INFER_CHECK_RELATION, 0) &&
        sumcheck_relation_init(&c->lr, c->n1, 3, 0, &c->rho1, f1, c->L, &c->T1) != 0)
        return ictx_fail(c, "internal failure building the relations");

    /* R2: the S1 instances at their finals */
    for (l = 0; l < c->L; l++) {
        f2[l].terms = &t2[2 * l];
        f2[l].n_terms = 1;
        fq_set_zero(&f2[l].constant);
        if (l == 0 && !c->lay->committed) {         /* λ_1·X~pub(τ_{1,b}, r^(1))·w_1 */
            unsigned nu = c->lay->nu[0];

            memcpy(pt, c->tau[0], beta * sizeof(fq_t));
            memcpy(pt + beta, c->r1 + (c->n1 - nu), nu * sizeof(fq_t));
            mle_eval(&t2[0].coef, c->xpub, beta + nu, pt);
            fq_mul(&t2[0].coef, &t2[0].coef, &c->lam_mm[0]);
            t2[0].id = c->id_w[0];
        } else {
            t2[2 * l].id = c->id_p[l];
            t2[2 * l].coef = c->lam_mm[l];
        }
    }
    for (k = 0; k < nk; k++) {
        const infer_lookup *lk = &c->lay->lookups[k];
        unsigned n = lk->log_size;
        fq_t zw, e;

        logup_zeta_weight(&zw, &c->zeta[lk->table], c->n1, n);
        ictx_eq_eval(&e, c->tau_lk + (c->n1 - n), c->r1 + (c->n1 - n), n);
        logup_lookup_form(&f2[c->L + k], &t2[2 * (c->L + k)], c->id_h[k], c->id_P[k],
                          &c->lam_lk[k], &c->alpha, &zw, &e);
    }
    for (t = 0; t < nt; t++) {
        const infer_table *T = &c->lay->tables[t];
        unsigned w = T->log_size;
        fq_t zw, e, tr;

        logup_zeta_weight(&zw, &c->zeta[t], c->n1, w);
        ictx_eq_eval(&e, c->tau_lk + (c->n1 - w), c->r1 + (c->n1 - w), w);
        if (logup_table_mle(&tr, &T->table, c->r1 + (c->n1 - w), &c->gamma) != 0)
            return ictx_fail(c, "out of memory");
        logup_table_form(&f2[c->L + nk + t], &t2[2 * (c->L + nk + t)], c->id_g[t], c->id_m[t],
                         &c->lam_tb[t], &c->alpha, &zw, &e, &tr);
    }
    for (k = 0; k < np; k++)                       /* version 2: the zero-checks */
        pw_form(c, (unsigned)k, &f2[c->L + nk + nt + k], tpw + 3 * k);
    if (!infer_seam_skips(c, INFER_CHECK_RELATION, 1) &&
        sumcheck_relation_final(&c->lr, c->n1, 3, 0, &c->rho1, c->r1, f2, nf, &c->e1) != 0)
        return ictx_fail(c, "internal failure building the relations");

    /* R3: Σ_c θ_c·2^(n2 - l(X_c))·v_c;  R4: u1·K1(r^P) + u2·K2(r^P) + uW·K_W(r^W) */
    for (i = 0; i < 3; i++) {
        t4[i].id = c->id_u[i];
        fq_set_zero(&t4[i].coef);
    }
    for (i = 0; i < c->n_claims; i++) {
        const claim *cl = &c->claims[i];
        unsigned lx = ictx_poly_vars(c, cl->poly);
        fq_t e;

        t3[i].id = cl->id;
        ictx_pow2(&t3[i].coef, c->n2 - lx);
        fq_mul(&t3[i].coef, &t3[i].coef, &c->theta[i]);
        if (layout_claim_point(lifted, cl->z, cl->kappa, cl->offset, lx) != 0)
            return ictx_fail(c, "internal failure lifting a claim");
        ictx_eq_eval(&e, lifted, c->r2 + (c->n2 - lx), lx);
        fq_mul(&e, &e, &c->theta[i]);
        fq_add(&t4[cl->poly].coef, &t4[cl->poly].coef, &e);
    }
    f3.terms = t3;
    f3.n_terms = c->n_claims;
    fq_set_zero(&f3.constant);
    f4.terms = t4;
    f4.n_terms = 3;
    if (c->lay->version == 2) {                     /* u1, uW: no P2 */
        t4[1] = t4[2];
        f4.n_terms = 2;
    }
    fq_set_zero(&f4.constant);
    if ((!infer_seam_skips(c, INFER_CHECK_RELATION, 2) &&
         sumcheck_relation_init(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, &f3, 1,
                                &c->T2) != 0) ||
        (!infer_seam_skips(c, INFER_CHECK_RELATION, 3) &&
         sumcheck_relation_final(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, c->r2, &f4, 1,
                                 &c->e2) != 0))
        return ictx_fail(c, "internal failure building the relations");
    if (c->lay->version != 2)
        return 0;
    if (decomposition_relations(c) != 0 || infer_gkr_relations(c) != 0)
        return -1;                                  /* docs/protocol.md 7.18.6 */
    /* committed inputs: R_in last (docs/protocol.md 7.20.5) */
    return c->lay->committed ? input_relation(c) : 0;
}

int
infer_step_linear(ictx *c)
{
    ipa_proof pf;
    const char *why = NULL;
    int rc;

    if (c->prover) {
        size_t bad;

        if (linrel_check(&c->lr, c->mask, &bad) != 0)
            return ictx_fail(c, "internal error: a linear relation of the proof does not hold");
        if (linrel_prove(&c->lr, &c->t, &c->rng, c->mask, &c->bM, &pf) != 0)
            return ictx_fail(c, "the linear-relation prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, c->mask_log);
    if (ictx_reader_ok(c) != 0)
        return -1;
    rc = linrel_verify_deferred(infer_seam_skips(c, INFER_CHECK_LINEAR, 0) ? NULL : &c->ipas,
                                &c->lr, &c->t, &pf, &why);
    if (rc == 0 && infer_seam_skips(c, INFER_CHECK_LINEAR, 0))
        rc = 1;
    if (rc == 1)                                /* the openings' and this one's (4.3) */
        rc = ipa_batch_check(&c->ipas, &why);
    if (rc != 1)
        return ictx_fail(c, why != NULL ? why : "the linear relations do not hold");
    return 0;
}
