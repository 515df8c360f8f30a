/*
 * infer_gkr.c: the lookups of a version 2 inference proof (docs/protocol.md 7.18.0-7.18.3,
 * 7.18.6): the leaf blocks of the network (its lookup instances, then its
 * tables), the leaves from P1, the tree on logup_gkr.c, the leaf claims and the
 * forms of G_leaf^p and G_leaf^q.  Version 1 keeps committed inverses (infer_commit.c,
 * logup.c).
 */
#include <stddef.h>
#include <string.h>

#include "infer_phases.h"
#include "logup.h"
#include "mle.h"
#include "runtime.h"

/* Leaf claims of lookup k (3.3): the looked-up column, and a for a tuple unless public. */
static size_t
lookup_claims(const infer_lookup *lk)
{
    return 1 + (lk->is_act && lk->col_out >= 0);
}

/* 3.0: the blocks (lookups, then tables), N_LC, d and the mask the tree needs. */
int
infer_gkr_setup(ictx *c)
{
    const infer_layout *lay = c->lay;
    unsigned kappa[INFER_MAX_LOOKUPS + INFER_MAX_TABLES];
    size_t k, n = 0;

    c->n_leaf_claims = 0;
    for (k = 0; k < lay->n_lookups; k++) {
        kappa[n++] = lay->lookups[k].log_size;
        c->n_leaf_claims += lookup_claims(&lay->lookups[k]);
    }
    for (k = 0; k < lay->n_tables; k++)
        kappa[n++] = lay->tables[k].log_size;
    c->n_leaf_claims += lay->n_tables;
    if (gkr_shape_build(&c->gshape, kappa, n) != 0)
        return ictx_fail(c, "the statement's lookup tree is too large");
    c->eta = ictx_alloc(c, lay->n_tables, sizeof(fq_t));
    c->leaf_claims = ictx_alloc(c, c->n_leaf_claims, sizeof(claim));
    return c->fail != NULL ? -1 : 0;
}

/* 3.2: η_T ("GKR/weight", one per table) and ρ_G ("GKR/rho", nonzero). */
int
infer_gkr_challenges(ictx *c)
{
    size_t t;

    if (transcript_challenges(&c->t, "GKR/weight", 0, c->eta, c->lay->n_tables) != 0 ||
        transcript_challenge(&c->t, "GKR/rho", 1, &c->rho_gkr) != 0)
        return ictx_fail(c, "transcript failure");
    if (c->hooks != NULL && c->hooks->gkr.unit_weights)    /* test seam: η_T = 1 */
        for (t = 0; t < c->lay->n_tables; t++)
            c->eta[t] = FQ_ONE;
    return 0;
}

/*
 * The prover's leaves of block B (2.2), entries [ulo, uhi): (η_T, α - f_k[u]) for lookup
 * k, (-η_T·m_T[u], α - t_T[u]) for table T.  A range lookup into a single-column table
 * reads α - f from the table's leaves (f = t_T[f - offset]) when f is in it, as it is in
 * every honest proof: no conversion of f.  On worker threads: reads only.
 */
static void
leaf_block(void *arg, size_t B, size_t ulo, size_t uhi, fq_t *p, fq_t *q)
{
    ictx *c = arg;
    const infer_layout *lay = c->lay;
    size_t u;

    if (B < lay->n_lookups) {
        const infer_lookup *lk = &lay->lookups[B];
        const infer_table *T = &lay->tables[lk->table];
        const fq_t *eta = &c->eta[lk->table], *tq = c->leaf_q[lk->table];

        if (c->P1f == NULL && !lk->is_act && !lk->is_input && T->table.out == NULL) {
            const int64_t *in = c->p1 + lay->p1[lk->col_in].offset;
            const uint64_t size = (uint64_t)1 << T->log_size;

            for (u = ulo; u < uhi; u++) {
                uint64_t y = (uint64_t)(in[u] - T->table.in_offset);

                p[u - ulo] = *eta;
                if (y < size) {
                    q[u - ulo] = tq[y];
                } else {
                    fq_set_i64(&q[u - ulo], in[u]);
                    fq_sub(&q[u - ulo], &c->alpha, &q[u - ulo]);
                }
            }
            return;
        }
        for (u = ulo; u < uhi; u++) {
            fq_t f;

            infer_lookup_f(c, (unsigned)B, u, &f);
            p[u - ulo] = *eta;
            fq_sub(&q[u - ulo], &c->alpha, &f);
        }
    } else {
        size_t t = B - lay->n_lookups, m = lay->p1[lay->col_mult0 + t].offset;
        fq_t neta, mu;

        fq_neg(&neta, &c->eta[t]);
        for (u = ulo; u < uhi; u++) {
            ictx_p1_entry(c, m + u, &mu);
            fq_mul(&p[u - ulo], &neta, &mu);
            q[u - ulo] = c->leaf_q[t][u];
        }
    }
}

/* A range lookup on P1's integers (leaf_block's first case), whose leaves (η_T, (α -
 * in_offset) - y) hold y = f - in_offset in [0, 2^w_T): the tree's small leaves. */
static const infer_lookup *
small_lookup(const ictx *c, size_t B)
{
    const infer_lookup *lk;
    const infer_table *T;

    if (B >= c->lay->n_lookups || c->P1f != NULL)
        return NULL;
    lk = &c->lay->lookups[B];
    T = &c->lay->tables[lk->table];
    if (lk->is_act || lk->is_input || T->table.out != NULL || T->log_size > GKR_SMALL_BITS)
        return NULL;
    return lk;
}

static unsigned
leaf_small_block(void *arg, size_t B, fq_t *cst, fq_t *a)
{
    ictx *c = arg;
    const infer_lookup *lk = small_lookup(c, B);

    if (lk == NULL)
        return 0;
    *cst = c->eta[lk->table];
    *a = c->leaf_q[lk->table][0];           /* α - t_T[0] = α - in_offset */
    return c->lay->tables[lk->table].log_size;
}

static int
leaf_small_values(void *arg, size_t B, size_t ulo, size_t uhi, uint32_t *v)
{
    ictx *c = arg;
    const infer_lookup *lk = small_lookup(c, B);
    const infer_table *T = &c->lay->tables[lk->table];
    const int64_t *in = c->p1 + c->lay->p1[lk->col_in].offset;
    uint64_t out = 0, y;
    size_t u;

    for (u = ulo; u < uhi; u++) {
        y = (uint64_t)(in[u] - T->table.in_offset);
        out |= y >> T->log_size;
        v[u - ulo] = (uint32_t)y;
    }
    return out != 0 ? -1 : 0;
}

static void
leaf_fill(void *arg, size_t lo, size_t hi, fq_t *p, fq_t *q)
{
    ictx *c = arg;

    gkr_fill_by_block(&c->gshape, lo, hi, p, q, leaf_block, c);
}

/* The leaves' source: α - t_T of each table, once (the leaves are made where read). */
static int
set_leaves(ictx *c)
{
    const infer_layout *lay = c->lay;
    size_t t;

    for (t = 0; t < lay->n_tables; t++) {
        const infer_table *T = &lay->tables[t];

        size_t y, n = (size_t)1 << T->log_size;

        c->leaf_q[t] = ictx_alloc(c, n, sizeof(fq_t));
        if (c->leaf_q[t] == NULL)
            return -1;
        logup_table_values(c->leaf_q[t], &T->table, &c->gamma);
        for (y = 0; y < n; y++)
            fq_sub(&c->leaf_q[t][y], &c->alpha, &c->leaf_q[t][y]);
    }
    gkr_set_leaves(&c->gkr, leaf_fill, c);
    gkr_set_small_leaves(&c->gkr, leaf_small_block, leaf_small_values);
    return 0;
}

/* The claim of a leaf on P1 column col (kappa variables, at z_d's first coordinates). */
static void
leaf_claim(ictx *c, size_t i, unsigned col, unsigned kappa, size_t id)
{
    claim *cl = &c->leaf_claims[i];

    cl->poly = POLY_P1;
    cl->offset = c->lay->p1[col].offset;
    cl->kappa = kappa;
    memcpy(cl->z, c->gkr.z[c->gshape.d], kappa * sizeof(fq_t));
    cl->id = id;
}

/* 3.3: the tree, both roles, after "GKR/rho"; its committed scalars join the context's. */
int
infer_step_tree(ictx *c)
{
    const infer_layout *lay = c->lay;
    gkr_hooks *gh = ictx_alloc(c, 1, sizeof(gkr_hooks));
    fq_t *v = ictx_alloc(c, c->n_leaf_claims, sizeof(fq_t));
    size_t k, t, n = 0, id;

    if (gh == NULL || v == NULL)
        return -1;
    if (c->hooks != NULL) {                         /* test seam (infer_testing.h) */
        *gh = c->hooks->gkr;
        if (c->hooks->skip == INFER_CHECK_GKR_RELATION)
            gh->skip_relation = c->hooks->skip_index + 1;
        if (c->hooks->skip == INFER_CHECK_GKR_PRODUCT && !c->prover)
            gh->skip_product = c->hooks->skip_index + 1;
    }
    c->gkr_started = 1;
    if (gkr_init(&c->gkr, c->prover, &c->gshape, &c->t, c->w, c->r, &c->lr, &c->rng, c->mask,
                 4 * (size_t)c->n1 + 3 * (size_t)c->n2, &c->rho_gkr, c->n_leaf_claims,
                 c->hooks != NULL ? gh : NULL) != 0)
        return ictx_fail(c, c->gkr.fail);
    if (c->prover && (set_leaves(c) != 0 || gkr_prove_layers(&c->gkr) != 0))
        return ictx_fail(c, c->gkr.fail != NULL ? c->gkr.fail : "the lookup tree failed");
    if (gkr_run(&c->gkr) != 0)
        return ictx_fail(c, c->gkr.fail);
    if (c->prover) {                                /* the leaf claims (3.3), canonical order */
        const fq_t *z = c->gkr.z[c->gshape.d];
        size_t *off = ictx_alloc(c, c->n_leaf_claims, sizeof(size_t)), a;
        size_t *sel = ictx_alloc(c, c->n_leaf_claims, sizeof(size_t));
        size_t *soff = ictx_alloc(c, c->n_leaf_claims, sizeof(size_t));
        fq_t *sval = ictx_alloc(c, c->n_leaf_claims, sizeof(fq_t));
        unsigned *kap = ictx_alloc(c, c->n_leaf_claims, sizeof(unsigned));

        if (c->fail != NULL)
            return -1;
        for (k = 0; k < lay->n_lookups; k++) {
            const infer_lookup *lk = &lay->lookups[k];

            off[n] = lay->p1[lk->col_in].offset;
            kap[n++] = lk->log_size;
            if (lookup_claims(lk) == 2) {
                off[n] = lay->p1[lk->col_out].offset;
                kap[n++] = lk->log_size;
            }
        }
        for (t = 0; t < lay->n_tables; t++) {
            off[n] = lay->p1[lay->col_mult0 + t].offset;
            kap[n++] = lay->tables[t].log_size;
        }
        /* the claims of one size together, at one point (ictx_p1_evals) */
        for (a = 0; a < n; a++) {
            size_t m = 0, b;

            for (b = 0; b < a && kap[b] != kap[a]; b++)
                ;
            if (b < a)                              /* this size is done */
                continue;
            for (b = a; b < n; b++)
                if (kap[b] == kap[a])
                    sel[m++] = b;
            for (b = 0; b < m; b++)
                soff[b] = off[sel[b]];
            if (ictx_p1_evals(c, sval, soff, m, kap[a], z) != 0)
                return -1;
            for (b = 0; b < m; b++)
                v[sel[b]] = sval[b];
        }
    }
    if (gkr_exchange_leaves(&c->gkr, v, c->n_leaf_claims) != 0)
        return ictx_fail(c, c->gkr.fail);
    /* the tree's commitments in the context's arrays, by id */
    if (gkr_export_committed(&c->gkr, c->com, c->val, c->bl, &c->n_com, c->cap_com) != 0)
        return ictx_fail(c, "internal failure registering a commitment");
    id = c->gkr.id_leaf;
    n = 0;
    for (k = 0; k < lay->n_lookups; k++) {
        const infer_lookup *lk = &lay->lookups[k];

        leaf_claim(c, n++, (unsigned)lk->col_in, lk->log_size, id++);
        if (lookup_claims(lk) == 2)
            leaf_claim(c, n++, (unsigned)lk->col_out, lk->log_size, id++);
    }
    for (t = 0; t < lay->n_tables; t++)
        leaf_claim(c, n++, lay->col_mult0 + (unsigned)t, lay->tables[t].log_size, id++);
    return 0;
}

/* 3.6: the tree's relations, after R5; the leaf forms p_B~(y_B), q_B~(y_B). */
int
infer_gkr_relations(ictx *c)
{
    const infer_layout *lay = c->lay;
    size_t nb = c->gshape.n_blocks, k, t, id = c->gkr.id_leaf;
    linrel_form *fp = ictx_alloc(c, nb, sizeof(linrel_form));
    linrel_form *fq = ictx_alloc(c, nb, sizeof(linrel_form));
    linrel_term *tp = ictx_alloc(c, nb, sizeof(linrel_term));
    linrel_term *tq = ictx_alloc(c, 2 * nb, sizeof(linrel_term));
    const fq_t *z = c->gkr.z[c->gshape.d];
    fq_t minus_one, minus_gamma, x;

    if (c->fail != NULL)
        return -1;
    fq_neg(&minus_one, &FQ_ONE);
    fq_neg(&minus_gamma, &c->gamma);
    for (k = 0; k < lay->n_lookups; k++) {
        const infer_lookup *lk = &lay->lookups[k];

        fp[k].terms = NULL;                         /* p = η_T */
        fp[k].n_terms = 0;
        fp[k].constant = c->eta[lk->table];
        fq[k].terms = tq + 2 * k;                   /* q = α - f~ */
        fq[k].n_terms = 1;
        fq[k].constant = c->alpha;
        tq[2 * k].id = id++;
        tq[2 * k].coef = minus_one;
        if (lookup_claims(lk) == 2) {
            tq[2 * k + 1].id = id++;
            tq[2 * k + 1].coef = minus_gamma;
            fq[k].n_terms = 2;
        } else if (lk->is_act) {                    /* a is the public output */
            mle_eval(&x, c->outpub, lk->log_size, z);
            fq_mul(&x, &x, &c->gamma);
            fq_sub(&fq[k].constant, &fq[k].constant, &x);
        } else if (lk->is_input) {                  /* f = v + c_k, c_k public */
            infer_input_offset_mle(c, (unsigned)k, z, &x);  /* docs/protocol.md 7.20.3 */
            fq_sub(&fq[k].constant, &fq[k].constant, &x);
        }
    }
    for (t = 0; t < lay->n_tables; t++) {
        const infer_table *T = &lay->tables[t];
        size_t b = lay->n_lookups + t;

        fp[b].terms = tp + b;                       /* p = -η_T·m_T~ */
        fp[b].n_terms = 1;
        fq_set_zero(&fp[b].constant);
        tp[b].id = id++;
        fq_neg(&tp[b].coef, &c->eta[t]);
        fq[b].terms = NULL;                         /* q = α - t_T~(y_T) */
        fq[b].n_terms = 0;
        if (logup_table_mle(&x, &T->table, z, &c->gamma) != 0)
            return ictx_fail(c, "out of memory");
        fq_sub(&fq[b].constant, &c->alpha, &x);
    }
    if (gkr_relations(&c->gkr, fp, fq) != 0)
        return ictx_fail(c, c->gkr.fail);
    return 0;
}
