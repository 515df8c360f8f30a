/*
 * logup_gkr.c: the tree of fractional sums (docs/protocol.md 6.6, 7.18): placement, layers,
 * the layer protocol of 3.3 and the relations of 3.6.
 */
#include <stdlib.h>
#include <string.h>

#include "logup_gkr.h"
#include "mle.h"
#include "pedersen.h"
#include "product.h"
#include "runtime.h"
#include "sumcheck.h"

static int
gkr_fail(gkr_proof *g, const char *why)
{
    if (g->fail == NULL)
        g->fail = why;
    return -1;
}

/* ---- 2.2: placement ---- */

int
gkr_shape_build(gkr_shape *s, const unsigned *kappa, size_t n_blocks)
{
    size_t i, pos = 0;
    int k;

    memset(s, 0, sizeof *s);
    if (n_blocks == 0)
        return -1;
    s->kappa = malloc(n_blocks * sizeof *s->kappa);
    s->offset = malloc(n_blocks * sizeof *s->offset);
    if (s->kappa == NULL || s->offset == NULL) {
        gkr_shape_free(s);
        return -1;
    }
    s->n_blocks = n_blocks;
    for (i = 0; i < n_blocks; i++) {
        if (kappa[i] > GKR_MAX_LEVELS) {
            gkr_shape_free(s);
            return -1;
        }
        s->kappa[i] = kappa[i];
    }
    /* largest first, equal sizes in canonical order: every offset stays aligned */
    for (k = GKR_MAX_LEVELS; k >= 0; k--)
        for (i = 0; i < n_blocks; i++)
            if (kappa[i] == (unsigned)k) {
                s->offset[i] = pos;
                pos += (size_t)1 << k;
            }
    s->n_leaf = pos;
    if (pos < 2 || pos > ((size_t)1 << GKR_MAX_LEVELS)) {
        gkr_shape_free(s);
        return -1;
    }
    while (((size_t)1 << s->d) < pos)
        s->d++;
    return 0;
}

void
gkr_shape_free(gkr_shape *s)
{
    free(s->kappa);
    free(s->offset);
    memset(s, 0, sizeof *s);
}

/* 2.4: sel_B(z) = Π_i (z_{κ+i}·c_i + (1 - z_{κ+i})·(1 - c_i)), c the bits of o_B/2^κ */
void
gkr_selector(fq_t *out, const gkr_shape *s, size_t block, const fq_t *z)
{
    unsigned k = s->kappa[block], i;
    size_t idx = s->offset[block] >> k;
    fq_t f;

    *out = FQ_ONE;
    for (i = 0; k + i < s->d; i++) {
        if ((idx >> i) & 1)
            f = z[k + i];
        else
            fq_sub(&f, &FQ_ONE, &z[k + i]);
        fq_mul(out, out, &f);
    }
}

size_t
gkr_mask_count(unsigned d)
{
    return d == 0 ? 0 : 2 * (size_t)d * (d - 1);
}

/* ---- state ---- */

int
gkr_init(gkr_proof *g, int prover, const gkr_shape *s, transcript_t *t, codec_writer *w,
         codec_reader *r, linrel *lr, drbg_t *rng, const fq_t *mask, size_t mask_base,
         const fq_t *rho, size_t n_leaf_claims, const gkr_hooks *hooks)
{
    memset(g, 0, sizeof *g);
    g->prover = prover;
    g->shape = s;
    g->t = t;
    g->w = w;
    g->r = r;
    g->lr = lr;
    g->rng = rng;
    g->mask = mask;
    g->mask_base = mask_base;
    g->rho = *rho;
    g->hooks = hooks;
    g->first_id = lr->n_scalars;
    g->cap_com = 6 * (size_t)s->d + n_leaf_claims;
    g->com = calloc(g->cap_com, sizeof *g->com);
    g->val = calloc(g->cap_com, sizeof *g->val);
    g->bl = calloc(g->cap_com, sizeof *g->bl);
    if (g->com == NULL || g->val == NULL || g->bl == NULL)
        return gkr_fail(g, "out of memory");
    if (s->d < 1 || s->d > GKR_MAX_LEVELS)
        return gkr_fail(g, "the lookup tree has too many levels");
    return 0;
}

void
gkr_free(gkr_proof *g)
{
    unsigned j;

    for (j = 0; j <= GKR_MAX_LEVELS; j++) {
        if (g->p[j] != NULL) {
            explicit_bzero(g->p[j], ((size_t)1 << j) * sizeof(fq_t));
            free(g->p[j]);
        }
        if (g->q[j] != NULL) {
            explicit_bzero(g->q[j], ((size_t)1 << j) * sizeof(fq_t));
            free(g->q[j]);
        }
    }
    if (g->scratch != NULL) {
        explicit_bzero(g->scratch, 5 * ((size_t)1 << (g->shape->d - 1)) * sizeof(fq_t));
        free(g->scratch);
        g->scratch = NULL;
    }
    if (g->val != NULL) {
        explicit_bzero(g->val, g->cap_com * sizeof(fq_t));
        explicit_bzero(g->bl, g->cap_com * sizeof(fq_t));
    }
    free(g->com);
    free(g->val);
    free(g->bl);
    g->com = NULL;
    g->val = g->bl = NULL;
    memset(g->p, 0, sizeof g->p);
    memset(g->q, 0, sizeof g->q);
}

int
gkr_leaves(gkr_proof *g, fq_t **p, fq_t **q)
{
    unsigned d = g->shape->d;
    size_t n = (size_t)1 << d, i;

    if (g->fail != NULL)
        return -1;
    g->p[d] = calloc(n, sizeof(fq_t));
    g->q[d] = malloc(n * sizeof(fq_t));
    if (g->p[d] == NULL || g->q[d] == NULL)
        return gkr_fail(g, "out of memory");
    for (i = 0; i < n; i++)
        g->q[d][i] = FQ_ONE;
    *p = g->p[d];
    *q = g->q[d];
    return 0;
}

/* ---- 2.3: the layers ---- */

int
gkr_prove_layers(gkr_proof *g)
{
    unsigned d = g->shape->d, j;
    size_t i, n = (size_t)1 << d;
    int zero = 0;

    if (g->fail != NULL)
        return -1;
    for (i = 0; i < n; i++)
        zero |= fq_is_zero(&g->q[d][i]);
    if (zero)
        return gkr_fail(g, "a lookup denominator vanished; prove again");
    for (j = d; j-- > 0;) {
        size_t m = (size_t)1 << j;
        const fq_t *pp = g->p[j + 1], *qq = g->q[j + 1];
        fq_t *pj, *qj;
        ptrdiff_t b;

        if (zkml_interrupted())
            return gkr_fail(g, "interrupted");
        pj = g->p[j] = malloc(m * sizeof(fq_t));
        qj = g->q[j] = malloc(m * sizeof(fq_t));
        if (pj == NULL || qj == NULL)
            return gkr_fail(g, "out of memory");
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (m >= 16384)
        for (b = 0; b < (ptrdiff_t)m; b++) {
            fq_t x, y;

            fq_mul(&x, &pp[2 * b], &qq[2 * b + 1]);
            fq_mul(&y, &pp[2 * b + 1], &qq[2 * b]);
            fq_add(&pj[b], &x, &y);
            fq_mul(&qj[b], &qq[2 * b], &qq[2 * b + 1]);
        }
    }
    return 0;
}

/* ---- exchanges ---- */

/* n committed scalars under label: prover commits v with fresh blinds; both register. */
static int
exchange_committed(gkr_proof *g, const char *label, const fq_t *v, size_t n, size_t *first)
{
    size_t i, id, base = g->n_com;

    if (g->fail != NULL)
        return -1;
    if (n > g->cap_com - g->n_com)
        return gkr_fail(g, "internal failure: too many committed scalars");
    if (g->prover) {
        gep_t *pp = malloc((n ? n : 1) * sizeof(gep_t));

        if (pp == NULL)
            return gkr_fail(g, "out of memory");
        for (i = 0; i < n; i++) {
            g->val[base + i] = v[i];
            if (drbg_scalar(g->rng, &g->bl[base + i]) != 0) {
                free(pp);
                return gkr_fail(g, "the prover's random generator failed");
            }
            pedersen_com1(&pp[i], &v[i], &g->bl[base + i]);
        }
        ge_set_gep_batch(g->com + base, pp, n);
        free(pp);
        codec_put_points(g->w, g->com + base, n);
    } else if (codec_get_points(g->r, g->com + base, n) != 0) {
        return gkr_fail(g, g->r->error != NULL ? g->r->error : "the proof is truncated");
    }
    transcript_absorb_points(g->t, label, g->com + base, n);
    for (i = 0; i < n; i++) {
        int rc = g->prover ? linrel_add_secret(g->lr, &g->val[base + i], &g->bl[base + i], &id)
                           : linrel_add_commitment(g->lr, &g->com[base + i], &id);

        if (rc != 0 || id != g->first_id + base + i)
            return gkr_fail(g, "internal failure registering a commitment");
    }
    g->n_com += n;
    *first = g->first_id + base;
    return 0;
}

/* One product proof (X, Y, Z) with the prover's openings. */
static int
exchange_product(gkr_proof *g, const ge_t *X, const ge_t *Y, const ge_t *Z, const fq_t *x,
                 const fq_t *rx, const fq_t *y, const fq_t *ry, const fq_t *rz)
{
    product_proof pf;
    const char *why = NULL;
    unsigned idx = g->products++;
    int rc;

    if (g->prover) {
        fq_t wrong;

        if (g->hooks != NULL && g->hooks->wrong_product == idx + 1) {  /* test seam */
            fq_add(&wrong, x, &FQ_ONE);
            x = &wrong;
        }
        if (product_prove(&pf, g->t, g->rng, X, Y, Z, x, rx, y, ry, rz) != 0)
            return gkr_fail(g, "the product prover failed");
        codec_put_product(g->w, &pf);
        return 0;
    }
    if (codec_get_product(g->r, &pf) != 0)
        return gkr_fail(g, g->r->error != NULL ? g->r->error : "the proof is truncated");
    rc = product_verify(g->t, X, Y, Z, &pf, &why);
    if (rc == 0 && g->hooks != NULL && g->hooks->skip_product == idx + 1)
        rc = 1;
    if (rc != 1)
        return gkr_fail(g, why != NULL ? why : "a product proof of the lookup tree does not verify");
    return 0;
}

/* The two product proofs of layer j (3.3): (PE, QO, A), then (QE, PO + λ_j·QO, B). */
static int
layer_products(gkr_proof *g, unsigned j)
{
    size_t b = g->id_fin[j] - g->first_id;     /* PE, PO, QE, QO, A, B */
    const ge_t *C = g->com + b;
    const fq_t *v = g->val + b, *r = g->bl + b;
    fq_t y, ry, t;
    gep_t P, Q;
    ge_t Y;

    if (exchange_product(g, &C[0], &C[3], &C[4], &v[0], &r[0], &v[3], &r[3], &r[4]) != 0)
        return -1;
    Y = C[1];
    y = v[1];
    ry = r[1];
    if (j >= 1) {
        gep_set_ge(&P, &C[3]);
        gep_mul_vartime(&P, &P, &g->lambda[j]);
        gep_set_ge(&Q, &C[1]);
        gep_add(&P, &P, &Q);
        ge_set_gep(&Y, &P);
        if (g->prover) {
            fq_mul(&t, &g->lambda[j], &v[3]);
            fq_add(&y, &y, &t);
            fq_mul(&t, &g->lambda[j], &r[3]);
            fq_add(&ry, &ry, &t);
        }
    }
    return exchange_product(g, &C[2], &Y, &C[5], &v[2], &r[2], &y, &ry, &r[5]);
}

/* The prover's sumcheck of layer j >= 1 (3.3 step 2): finals PE, PO, QE, QO in fin. */
static int
layer_sumcheck_prove(gkr_proof *g, unsigned j, fq_t *s, fq_t fin[4])
{
    size_t m = (size_t)1 << j, i, nmsg = sumcheck_message_count(j, 3);
    fq_t *tab, *msg = malloc(nmsg * sizeof(fq_t));
    const fq_t *pp = g->p[j + 1], *qq = g->q[j + 1];
    sumcheck_instance in;
    sumcheck_prover *sp = NULL;
    static const unsigned f_pq[3] = {0, 1, 4}, f_qp[3] = {0, 2, 3}, f_qq[3] = {0, 3, 4};
    int rc = -1;

    /* one scratch for every layer: its pages are faulted in once */
    if (g->scratch == NULL)
        g->scratch = malloc(5 * ((size_t)1 << (g->shape->d - 1)) * sizeof(fq_t));
    tab = g->scratch;
    if (tab == NULL || msg == NULL) {
        free(msg);
        return gkr_fail(g, "out of memory");
    }
    /* tables: eq(z_j), pE, pO, qE, qO */
    mle_eq_table(tab, g->z[j], j);
    for (i = 0; i < m; i++) {
        tab[m + i] = pp[2 * i];
        tab[2 * m + i] = pp[2 * i + 1];
        tab[3 * m + i] = qq[2 * i];
        tab[4 * m + i] = qq[2 * i + 1];
    }
    sumcheck_instance_init(&in, j);
    for (i = 0; i < 5; i++)
        if (sumcheck_instance_table(&in, tab + i * m) != (int)i)
            goto out;
    if (sumcheck_instance_term(&in, &FQ_ONE, 3, f_pq) != 0 ||
        sumcheck_instance_term(&in, &FQ_ONE, 3, f_qp) != 0 ||
        sumcheck_instance_term(&in, &g->lambda[j], 3, f_qq) != 0)
        goto out;
    /* sumcheck_prove's schedule, on the state machine so that the test seam can change
     * the last round message after computing it (bump_layer) */
    if (sumcheck_prover_new(&sp, j, 3, &g->rho, g->mask + g->mask_base + gkr_mask_count(j),
                            &in, 1, &g->T[j], NULL) != 0)
        goto out;
    transcript_absorb_scalar(g->t, "GKR/T", &g->T[j]);
    for (i = 0; i < j; i++) {
        fq_t *mi = msg + 3 * i, claim;

        sumcheck_prover_claim(sp, &claim);
        if (zkml_interrupted() || sumcheck_prover_round(sp, mi) != 0)
            goto out;
        if (i + 1 == j && g->hooks != NULL && g->hooks->bump_layer == j + 1)
            fq_add(&mi[1], &mi[1], &FQ_ONE);        /* test seam: c2 + 1 */
        transcript_absorb_scalars(g->t, "GKR/round", mi, 3);
        if (transcript_challenge(g->t, "GKR/r", 0, &s[i]) != 0 ||
            sumcheck_prover_bind(sp, &s[i]) != 0)
            goto out;
        sumcheck_next_claim(&g->e[j], 3, &claim, mi, &s[i]);
    }
    if (g->t->failed)
        goto out;
    codec_put_scalar(g->w, &g->T[j]);
    codec_put_scalars(g->w, msg, nmsg);
    for (i = 0; i < 4; i++)
        fin[i] = in.tables[i + 1][0];
    rc = 0;
out:
    sumcheck_prover_free(sp);
    free(msg);
    return rc != 0 ? gkr_fail(g, "the sumcheck prover of the lookup tree failed") : 0;
}

static int
layer_sumcheck_verify(gkr_proof *g, unsigned j, fq_t *s)
{
    size_t nmsg = sumcheck_message_count(j, 3);
    fq_t *msg = malloc(nmsg * sizeof(fq_t));
    const char *why = NULL;
    int rc;

    if (msg == NULL)
        return gkr_fail(g, "out of memory");
    if (codec_get_scalar(g->r, &g->T[j]) != 0 || codec_get_scalars(g->r, msg, nmsg) != 0) {
        free(msg);
        return gkr_fail(g, g->r->error != NULL ? g->r->error : "the proof is truncated");
    }
    rc = sumcheck_verify(g->t, "GKR", j, 3, &g->T[j], msg, nmsg, s, &g->e[j], &why);
    free(msg);
    if (rc != 1)
        return gkr_fail(g, why != NULL ? why : "the lookup tree's sumcheck is malformed");
    return 0;
}

/* ---- 3.3: layers 0 .. d-1 ---- */

int
gkr_run(gkr_proof *g)
{
    unsigned d = g->shape->d, j;
    fq_t s[GKR_MAX_LEVELS], fin[6], r;

    if (g->fail != NULL)
        return -1;
    for (j = 0; j < d; j++) {
        if (g->prover && zkml_interrupted())
            return gkr_fail(g, "interrupted");
        if (j >= 1) {
            if (transcript_challenge(g->t, "GKR/lambda", 0, &g->lambda[j]) != 0)
                return gkr_fail(g, "transcript failure");
            if ((g->prover ? layer_sumcheck_prove(g, j, s, fin)
                           : layer_sumcheck_verify(g, j, s)) != 0)
                return -1;
        } else if (g->prover) {
            fin[0] = g->p[1][0];
            fin[1] = g->p[1][1];
            fin[2] = g->q[1][0];
            fin[3] = g->q[1][1];
        }
        if (g->prover) {
            fq_t t;

            if (g->hooks != NULL && g->hooks->forge_layer == j + 1) {
                /* test seam (9.1 item 4): PE + δ, PO - δ·QO/QE, so that A + B and the
                 * sumcheck's final relation still hold; the claims below are false */
                fq_t delta = FQ_ONE, inv, ab, u;

                if (!g->hooks->forge_q) {
                    fq_add(&fin[0], &fin[0], &delta);
                    fq_inv(&inv, &fin[2]);
                    fq_mul(&t, &fin[3], &inv);
                    fq_sub(&fin[1], &fin[1], &t);
                } else {
                    /* A + B = QO·(PE + λ·QE) + QE·PO: QO from the shifted QE */
                    fq_mul(&ab, &fin[0], &fin[3]);
                    fq_mul(&u, &fin[2], &fin[1]);
                    fq_add(&ab, &ab, &u);
                    fq_mul(&u, &g->lambda[j], &fin[3]);
                    fq_mul(&u, &u, &fin[2]);
                    fq_add(&ab, &ab, &u);               /* A + B, honest */
                    fq_add(&fin[2], &fin[2], &delta);
                    fq_mul(&u, &fin[2], &fin[1]);
                    fq_sub(&ab, &ab, &u);
                    fq_mul(&u, &g->lambda[j], &fin[2]);
                    fq_add(&u, &u, &fin[0]);
                    fq_inv(&inv, &u);
                    fq_mul(&fin[3], &ab, &inv);
                }
            }
            fq_mul(&fin[4], &fin[0], &fin[3]);          /* A = PE·QO */
            t = fin[1];                                 /* B = QE·(PO + λ_j·QO) */
            if (j >= 1) {
                fq_t u;

                fq_mul(&u, &g->lambda[j], &fin[3]);
                fq_add(&t, &t, &u);
            }
            fq_mul(&fin[5], &fin[2], &t);
        }
        if (exchange_committed(g, "GKR/finals", fin, 6, &g->id_fin[j]) != 0 ||
            layer_products(g, j) != 0)
            return -1;
        if (g->prover && j + 1 < d) {              /* layer j + 1 is read: wipe it */
            explicit_bzero(g->p[j + 1], ((size_t)1 << (j + 1)) * sizeof(fq_t));
            explicit_bzero(g->q[j + 1], ((size_t)1 << (j + 1)) * sizeof(fq_t));
            free(g->p[j + 1]);
            free(g->q[j + 1]);
            g->p[j + 1] = g->q[j + 1] = NULL;
        }
        if (transcript_challenge(g->t, "GKR/line", 0, &r) != 0)
            return gkr_fail(g, "transcript failure");
        g->z[j + 1][0] = r;
        memcpy(&g->z[j + 1][1], s, j * sizeof(fq_t));
    }
    return 0;
}

int
gkr_exchange_leaves(gkr_proof *g, const fq_t *v, size_t n)
{
    return exchange_committed(g, "GKR/leaves", v, n, &g->id_leaf);
}

const fq_t *
gkr_leaf_point(const gkr_proof *g, size_t block)
{
    (void)block;
    return g->z[g->shape->d];
}

/* ---- 3.6: the relations ---- */

/* c_p (which = 0) or c_q (1) on layer j at z_j, from layer j - 1's finals and r_j,
 * scaled by k: terms[0..1] */
static void
line_terms(const gkr_proof *g, unsigned j, int which, const fq_t *k, linrel_term *terms)
{
    const fq_t *r = &g->z[j][0];
    fq_t one_r;

    fq_sub(&one_r, &FQ_ONE, r);
    terms[0].id = g->id_fin[j - 1] + 2 * (size_t)which;
    fq_mul(&terms[0].coef, &one_r, k);
    terms[1].id = g->id_fin[j - 1] + 2 * (size_t)which + 1;
    fq_mul(&terms[1].coef, r, k);
}

static int
skipped(const gkr_proof *g, unsigned index)
{
    return g->hooks != NULL && g->hooks->skip_relation == index + 1;
}

int
gkr_relations(gkr_proof *g, const linrel_form *leaf_p, const linrel_form *leaf_q)
{
    unsigned d = g->shape->d, j;
    linrel *lr = g->lr;
    linrel_term tm[4];
    linrel_form f;
    fq_t e, sel, rhs;
    size_t b;
    int rc = 0;

    if (g->fail != NULL)
        return -1;
    if (!skipped(g, 0)) {                          /* G_0: A_0 + B_0 = 0 */
        fq_t zero;

        fq_set_zero(&zero);
        rc |= linrel_relation_begin(lr);
        rc |= linrel_relation_scalar(lr, g->id_fin[0] + 4, &FQ_ONE);
        rc |= linrel_relation_scalar(lr, g->id_fin[0] + 5, &FQ_ONE);
        rc |= linrel_relation_end(lr, &zero);
    }
    for (j = 1; j < d && rc == 0; j++) {
        size_t base = g->mask_base + gkr_mask_count(j);
        const fq_t *s = &g->z[j + 1][1];

        line_terms(g, j, 0, &FQ_ONE, tm);          /* G_j^init: c_p + λ_j·c_q */
        line_terms(g, j, 1, &g->lambda[j], tm + 2);
        f.terms = tm;
        f.n_terms = 4;
        fq_set_zero(&f.constant);
        if (!skipped(g, 2 * j - 1))
            rc |= sumcheck_relation_init(lr, j, 3, base, &g->rho, &f, 1, &g->T[j]);
        {
            unsigned i;
            fq_t ab, t2;

            e = FQ_ONE;                             /* eq(z_j, s^(j)) */
            for (i = 0; i < j; i++) {
                fq_mul(&ab, &g->z[j][i], &s[i]);
                fq_dbl(&t2, &ab);
                fq_sub(&t2, &t2, &g->z[j][i]);
                fq_sub(&t2, &t2, &s[i]);
                fq_add(&t2, &t2, &FQ_ONE);
                fq_mul(&e, &e, &t2);
            }
        }
        tm[0].id = g->id_fin[j] + 4;               /* G_j^final: eq·(A_j + B_j) */
        tm[0].coef = e;
        tm[1].id = g->id_fin[j] + 5;
        tm[1].coef = e;
        f.n_terms = 2;
        if (!skipped(g, 2 * j))
            rc |= sumcheck_relation_final(lr, j, 3, base, &g->rho, s, &f, 1, &g->e[j]);
    }
    /* G_leaf^p: c_p - Σ_B sel_B·p_B~ = 0;  G_leaf^q: c_q - Σ_B sel_B·q_B~ = 1 - Σ_B sel_B */
    for (j = 0; j < 2 && rc == 0; j++) {
        if (skipped(g, 2 * d - 1 + j))
            continue;
        line_terms(g, d, (int)j, &FQ_ONE, tm);
        rhs = FQ_ONE;
        if (j == 0)
            fq_set_zero(&rhs);
        rc |= linrel_relation_begin(lr);
        rc |= linrel_relation_scalar(lr, tm[0].id, &tm[0].coef);
        rc |= linrel_relation_scalar(lr, tm[1].id, &tm[1].coef);
        for (b = 0; b < g->shape->n_blocks; b++) {
            gkr_selector(&sel, g->shape, b, g->z[d]);
            if (j == 1)
                fq_sub(&rhs, &rhs, &sel);
            fq_neg(&sel, &sel);
            rc |= linrel_relation_form(lr, j == 0 ? &leaf_p[b] : &leaf_q[b], &sel);
        }
        rc |= linrel_relation_end(lr, &rhs);
    }
    return rc != 0 ? gkr_fail(g, "internal failure building the lookup tree's relations") : 0;
}

int
gkr_committed(const gkr_proof *g, size_t id, ge_t *C, fq_t *v, fq_t *b)
{
    size_t i = id - g->first_id;

    if (id < g->first_id || i >= g->n_com)
        return -1;
    *C = g->com[i];
    if (g->prover) {
        *v = g->val[i];
        *b = g->bl[i];
    }
    return 0;
}
