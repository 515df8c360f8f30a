/*
 * tree_proof_gkr.c: the lookups of the tree proof (docs/protocol.md 16.3, 16.4 items 11-16,
 * 16.4.1): the leaf blocks (every lookup, then every table), the leaves from P1 and N, the
 * tree on logup_gkr.c, the leaf claims and the forms of G_leaf^p and G_leaf^q.
 */

#include <string.h>

#include "mle.h"
#include "runtime.h"
#include "tree_proof_internal.h"

/* Whether a leaf reads P1 column col (16.4 #16): every grid column but e_s, v, the table
 * transform's q and limbs (not S), the committed inputs' columns, the multiplicities. */
static int
leaf_reads(const tctx *c, size_t col)
{
    if (col < NGRID * (size_t)c->D)
        return col % NGRID != GE;
    return !(c->table && col == c->col_S);
}

/* One leaf claim in the order of 16.4 #16: a P1 column (col), x~ (X) or a column of N. */
enum { LEAF_P1, LEAF_X, LEAF_N };
typedef struct {
    int kind;
    size_t col;                 /* P1 column, or N's column 0..3 */
    unsigned kappa;
} leaf_item;

/* The leaf claims in order; returns their count (items may be NULL). */
static size_t
leaf_items(const tctx *c, leaf_item *items)
{
    size_t n = 0, col, j;

    for (col = 0; col < c->ncol1; col++) {
        if (col == c->tb[0].mcol) {             /* x~, then N's columns, before the m_T */
            if (c->committed) {
                if (items != NULL)
                    items[n] = (leaf_item){LEAF_X, 0, c->beta + c->lnf};
                n++;
            }
            for (j = 0; j < 4; j++) {
                if (items != NULL)
                    items[n] = (leaf_item){LEAF_N, j, c->tau + c->nu};
                n++;
            }
        }
        if (!leaf_reads(c, col))
            continue;
        if (items != NULL)
            items[n] = (leaf_item){LEAF_P1, col, c->log1[col]};
        n++;
    }
    return n;
}

int
tp_gkr_setup(tctx *c)
{
    unsigned kappa[MAX_LOOKUPS + MAX_TABLES];
    size_t k, n = 0;

    for (k = 0; k < c->nlk; k++)
        kappa[n++] = c->lk[k].vars;
    for (k = 0; k < c->ntb; k++)
        kappa[n++] = c->tb[k].vars;
    if (gkr_shape_build(&c->gshape, kappa, n) != 0)
        return tp_fail(c, "the statement's lookup tree is too large");
    c->n_leaf_claims = leaf_items(c, NULL);
    return 0;
}

/* The prover's leaves of block b (16.3), entries [ulo, uhi): (η_T, α - f_k[u]) for a
 * lookup, (-η_T·m_T[y], α - t_T[y]) for a table.  On worker threads: reads only. */
static void
leaf_block(void *arg, size_t b, size_t ulo, size_t uhi, fq_t *p, fq_t *q)
{
    const tctx *c = arg;
    size_t u, n = uhi - ulo;
    fq_t eta;

    if (b < c->nlk) {
        tp_lookup_f_column(c, &c->lk[b], q, ulo, uhi);
        eta = c->eta[c->lk[b].table];
        for (u = 0; u < n; u++) {
            p[u] = eta;
            fq_sub(&q[u], &c->alpha, &q[u]);
        }
        return;
    }
    {
        const ttable *tb = &c->tb[b - c->nlk];
        const int32_t *m = c->p1 + c->off1[tb->mcol] + ulo;

        tp_table_t_column(c, tb, q, ulo, uhi);
        fq_neg(&eta, &c->eta[b - c->nlk]);
        for (u = 0; u < n; u++) {
            if (m[u] == 0) {            /* most rows of a large table are not read */
                fq_set_zero(&p[u]);
            } else {
                fq_set_i64(&p[u], m[u]);
                fq_mul(&p[u], &p[u], &eta);
            }
            fq_sub(&q[u], &c->alpha, &q[u]);
        }
    }
}

static void
leaf_fill(void *arg, size_t lo, size_t hi, fq_t *p, fq_t *q)
{
    const tctx *c = arg;

    gkr_fill_by_block(&c->gshape, lo, hi, p, q, leaf_block, arg);
}

int
tp_gkr_run(tctx *c)
{
    gkr_hooks *gh = tp_alloc(c, 1, sizeof(gkr_hooks));
    leaf_item *items = tp_alloc(c, c->n_leaf_claims, sizeof(leaf_item));
    fq_t *v = tp_alloc(c, c->n_leaf_claims, sizeof(fq_t));
    size_t i, id, col_n = (size_t)1 << (c->tau + c->nu);
    const fq_t *z;

    if (gh == NULL || items == NULL || v == NULL ||
        (c->eta = tp_alloc(c, c->ntb, sizeof(fq_t))) == NULL ||
        (c->leaf_claims = tp_alloc(c, c->n_leaf_claims, sizeof(tclaim))) == NULL)
        return -1;
    if (transcript_challenges(&c->t, "GKR/weight", 0, c->eta, c->ntb) != 0 ||
        transcript_challenge(&c->t, "GKR/rho", 1, &c->rho_gkr) != 0)
        return tp_fail(c, "transcript failure");
    if (c->hooks != NULL) {                         /* test seam (tree_proof_testing.h) */
        *gh = c->hooks->gkr;
        if (c->hooks->skip == TREE_CHECK_LOOKUP)
            gh->skip_relation = 1;                  /* G_0, the root */
        if (c->hooks->skip == TREE_CHECK_GKR_RELATION)
            gh->skip_relation = c->hooks->skip_index + 1;
        if (gh->unit_weights)
            for (i = 0; i < c->ntb; i++)
                c->eta[i] = FQ_ONE;
    }
    c->gkr_started = 1;
    if (gkr_init(&c->gkr, c->prover, &c->gshape, &c->t, c->w, c->r, &c->lr, &c->rng, c->mask,
                 4 * (size_t)c->n1 + 3 * (size_t)c->n2, &c->rho_gkr, c->n_leaf_claims,
                 c->hooks != NULL ? gh : NULL) != 0)
        return tp_fail(c, c->gkr.fail);
    if (c->prover)
        gkr_set_leaves(&c->gkr, leaf_fill, c);
    if (c->prover && gkr_prove_layers(&c->gkr) != 0)
        return tp_fail(c, c->gkr.fail != NULL ? c->gkr.fail : "the lookup tree failed");
    if (gkr_run(&c->gkr) != 0)
        return tp_fail(c, c->gkr.fail);
    leaf_items(c, items);
    z = c->gkr.z[c->gshape.d];
    if (c->prover) {
        ptrdiff_t e;

        /* independent evaluations: one claim per thread at a time */
#pragma omp parallel for schedule(dynamic, 1) num_threads(zkml_threads())
        for (e = 0; e < (ptrdiff_t)c->n_leaf_claims; e++) {
            const leaf_item *it = &items[e];

            if (it->kind == LEAF_P1)
                mle_eval(&v[e], c->P1f + c->off1[it->col], it->kappa, z);
            else if (it->kind == LEAF_X)
                mle_eval(&v[e], c->xrow, it->kappa, z);
            else
                mle_eval(&v[e], c->Nf + it->col * col_n, it->kappa, z);
        }
    }
    if (gkr_exchange_leaves(&c->gkr, v, c->n_leaf_claims) != 0)
        return tp_fail(c, c->gkr.fail);
    /* the tree's commitments in the context's arrays, by id */
    if (gkr_export_committed(&c->gkr, c->com, c->val, c->bl, &c->n_com, c->cap_com) != 0)
        return tp_fail(c, "internal failure registering a commitment");
    for (i = 0; i < c->ncol1; i++)
        c->leaf_id[i] = TP_NONE;
    c->n_leaf_s2 = 0;
    for (i = 0, id = c->gkr.id_leaf; i < c->n_leaf_claims; i++, id++) {
        const leaf_item *it = &items[i];
        tclaim *cl = &c->leaf_claims[c->n_leaf_s2];

        if (it->kind == LEAF_X) {                   /* settled by the X opening */
            c->id_x = id;
            continue;
        }
        if (it->kind == LEAF_N && it->col == 0)
            c->id_leafN = id;
        if (it->kind == LEAF_P1)
            c->leaf_id[it->col] = id;
        cl->poly = it->kind == LEAF_P1 ? POLY_P1 : POLY_N;
        cl->offset = it->kind == LEAF_P1 ? c->off1[it->col] : it->col * col_n;
        cl->kappa = it->kappa;
        memcpy(cl->z, z, it->kappa * sizeof(fq_t));
        cl->id = id;
        c->n_leaf_s2++;
    }
    return 0;
}

/* ---- the leaf forms (16.4.1) ---- */

static size_t
leaf(const tctx *c, size_t col)
{
    return c->leaf_id[col];
}

/* f~ of lookup lk at its point y (the first lk->vars coordinates of z_d). */
static void
lookup_f_form(const tctx *c, const tlookup *lk, const fq_t *y, tform *f)
{
    fq_t t, p;
    unsigned s = lk->s, j;

    tp_form_init(f);
    switch (lk->kind) {
    case LK_NODE:
    case LK_LEAF: {
        unsigned steps = lk->kind == LK_NODE ? s : c->D;

        tp_index_mle(&t, y + c->beta, c->tau);
        tp_pow2(&p, c->nu);
        fq_mul(&f->c, &t, &p);
        if (lk->kind == LK_NODE) {
            tp_pow2(&p, s);
            fq_add(&f->c, &f->c, &p);
        }
        for (j = 0; j < steps; j++) {
            tp_pow2(&p, steps - 1 - j);
            tp_form_add(f, leaf(c, tp_gcol(j, GB)), &p);
        }
        if (lk->kind == LK_NODE) {
            tp_form_add(f, leaf(c, tp_gcol(s, GF)), &c->gpow[1]);
            tp_form_add(f, leaf(c, tp_gcol(s, GK)), &c->gpow[2]);
            tp_form_add(f, leaf(c, tp_gcol(s, GD)), &c->gpow[3]);
        } else {
            tp_form_add(f, leaf(c, c->col_V), &c->gpow[1]);
        }
        break;
    }
    case LK_ROW:
        tp_index_mle(&f->c, y, c->beta);
        tp_pow2(&p, c->beta);
        tp_form_add(f, leaf(c, tp_gcol(s, GF)), &p);
        tp_form_add(f, leaf(c, tp_gcol(s, GX)), &c->gpow[1]);
        tp_form_add(f, leaf(c, tp_gcol(s, GM)), &c->gpow[2]);
        break;
    case LK_C:
        tp_form_add_i(f, leaf(c, tp_gcol(s, GC0 + lk->limb)), 1);
        break;
    case LK_OUT:
        mle_eval(&t, c->outpub, c->beta, y);
        fq_mul(&f->c, &t, &c->gamma);
        tp_form_add_i(f, leaf(c, c->col_Q), 1);
        break;
    case LK_IN:
        tp_form_add_i(f, leaf(c, c->col_M + 1 + lk->limb), 1);
        break;
    default:                                        /* LK_LIMB */
        tp_form_add_i(f, leaf(c, c->col_L0 + lk->limb), 1);
        break;
    }
}

/* t~ of table tb at its point y; -1 when out of memory. */
static int
table_t_form(const tctx *c, const ttable *tb, const fq_t *y, tform *f)
{
    tp_form_init(f);
    switch (tb->kind) {
    case TB_NODE:
    case TB_LEAF:
        tp_index_mle(&f->c, y, tb->vars);
        if (tb->kind == TB_NODE) {
            tp_form_add(f, c->id_leafN + 0, &c->gpow[1]);
            tp_form_add(f, c->id_leafN + 1, &c->gpow[2]);
            tp_form_add(f, c->id_leafN + 2, &c->gpow[3]);
        } else {
            tp_form_add(f, c->id_leafN + 3, &c->gpow[1]);
        }
        return 0;
    case TB_ROW:
        if (c->committed) {                         /* idx + γ·x~ + γ²·M~ (16.10.3) */
            tp_index_mle(&f->c, y, tb->vars);
            tp_form_add(f, c->id_x, &c->gpow[1]);
            tp_form_add(f, leaf(c, c->col_M), &c->gpow[2]);
        } else {
            mle_eval(&f->c, c->rowtab, tb->vars, y);
        }
        return 0;
    default: {
        logup_table lt;

        tp_public_table(c, tb, &lt);
        return logup_table_mle(&f->c, &lt, y, &c->gamma);
    }
    }
}

/* α - form, in place. */
static void
alpha_minus(const tctx *c, tform *f)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        fq_neg(&f->t[i].coef, &f->t[i].coef);
    fq_sub(&f->c, &c->alpha, &f->c);
}

int
tp_gkr_relations(tctx *c)
{
    size_t nb = c->gshape.n_blocks, k;
    tform *fp = tp_alloc(c, nb, sizeof(tform)), *fq = tp_alloc(c, nb, sizeof(tform));
    linrel_form *lp = tp_alloc(c, nb, sizeof(linrel_form));
    linrel_form *lq = tp_alloc(c, nb, sizeof(linrel_form));
    const fq_t *z = c->gkr.z[c->gshape.d];

    if (c->fail != NULL)
        return -1;
    for (k = 0; k < c->nlk; k++) {
        tp_form_init(&fp[k]);                       /* p = η_T */
        fp[k].c = c->eta[c->lk[k].table];
        lookup_f_form(c, &c->lk[k], z, &fq[k]);     /* q = α - f~ */
        alpha_minus(c, &fq[k]);
    }
    for (k = 0; k < c->ntb; k++) {
        const ttable *tb = &c->tb[k];
        size_t b = c->nlk + k;
        fq_t neta;

        tp_form_init(&fp[b]);                       /* p = -η_T·m_T~ */
        fq_neg(&neta, &c->eta[k]);
        tp_form_add(&fp[b], leaf(c, tb->mcol), &neta);
        if (table_t_form(c, tb, z, &fq[b]) != 0)    /* q = α - t_T~ */
            return tp_fail(c, "out of memory");
        alpha_minus(c, &fq[b]);
    }
    for (k = 0; k < nb; k++) {
        lp[k] = tp_form_view(&fp[k]);
        lq[k] = tp_form_view(&fq[k]);
    }
    if (gkr_relations(&c->gkr, lp, lq) != 0)
        return tp_fail(c, c->gkr.fail);
    return 0;
}
