/*
 * logup_gkr.c: the tree of fractional sums (docs/protocol.md 6.6, 7.18): placement, layers,
 * the layer protocol of 3.3 and the relations of 3.6.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
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
    size_t i, j = 0, pos = 0;
    int k;

    memset(s, 0, sizeof *s);
    if (n_blocks == 0)
        return -1;
    s->kappa = malloc(n_blocks * sizeof *s->kappa);
    s->offset = malloc(n_blocks * sizeof *s->offset);
    s->order = malloc(n_blocks * sizeof *s->order);
    if (s->kappa == NULL || s->offset == NULL || s->order == NULL) {
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
                s->order[j++] = i;
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
    free(s->order);
    memset(s, 0, sizeof *s);
}

/* The place (in s->order) of the last block that starts at or before leaf u. */
static size_t
block_at(const gkr_shape *s, size_t u)
{
    size_t a = 0, b = s->n_blocks;

    while (b - a > 1) {
        size_t mid = (a + b) / 2;

        if (s->offset[s->order[mid]] <= u)
            a = mid;
        else
            b = mid;
    }
    return a;
}

void
gkr_fill_by_block(const gkr_shape *s, size_t lo, size_t hi, fq_t *p, fq_t *q,
                  gkr_block_fill block, void *arg)
{
    size_t a = block_at(s, lo), at;

    for (at = lo; at < hi && at < s->n_leaf; a++) {
        size_t B = s->order[a], o = s->offset[B], end = o + ((size_t)1 << s->kappa[B]);

        if (end > hi)
            end = hi;
        block(arg, B, at - o, end - o, p + (at - lo), q + (at - lo));
        at = end;
    }
    for (; at < hi; at++) {             /* the padding */
        fq_set_zero(&p[at - lo]);
        q[at - lo] = FQ_ONE;
    }
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

/* The prover's layers, wiped: once the tree is run, nothing reads them. */
static void
free_layers(gkr_proof *g)
{
    scratch_free(g->layers);
    scratch_free(g->scratch);
    g->layers = g->scratch = NULL;
    free(g->small_w);
    free(g->small_ca);
    free(g->small_tab);
    g->small_w = NULL;
    g->small_ca = g->small_tab = NULL;
    memset(g->p, 0, sizeof g->p);
    memset(g->q, 0, sizeof g->q);
}

void
gkr_free(gkr_proof *g)
{
    free_layers(g);
    if (g->val != NULL) {
        explicit_bzero(g->val, g->cap_com * sizeof(fq_t));
        explicit_bzero(g->bl, g->cap_com * sizeof(fq_t));
    }
    product_batch_free(&g->batch);
    free(g->com);
    free(g->val);
    free(g->bl);
    g->com = NULL;
    g->val = g->bl = NULL;
}

void
gkr_set_leaves(gkr_proof *g, gkr_leaf_fill fill, void *arg)
{
    g->leaf_fill = fill;
    g->leaf_arg = arg;
}

void
gkr_set_small_leaves(gkr_proof *g, gkr_small_block block, gkr_small_values values)
{
    g->small_block = block;
    g->small_values = values;
}

/* Each block's w, c and a (gkr_set_small_leaves), once; w = 0 for every block without. */
static int
small_setup(gkr_proof *g)
{
    const gkr_shape *s = g->shape;
    size_t B;

    g->small_w = calloc(s->n_blocks, sizeof *g->small_w);
    g->small_ca = calloc(2 * s->n_blocks, sizeof(fq_t));
    if (g->small_w == NULL || g->small_ca == NULL)
        return -1;
    g->small_bits = 0;
    for (B = 0; g->small_block != NULL && B < s->n_blocks; B++) {
        unsigned w = g->small_block(g->leaf_arg, B, &g->small_ca[2 * B], &g->small_ca[2 * B + 1]);

        g->small_w[B] = w <= GKR_SMALL_BITS ? w : 0;
        if (g->small_w[B] > g->small_bits)
            g->small_bits = g->small_w[B];
    }
    /* round 1's tables (4·2^w entries) must be small, or small beside the leaves */
    if (g->small_bits > 8 && ((size_t)1 << (g->small_bits + 5)) > s->n_leaf) {
        memset(g->small_w, 0, s->n_blocks * sizeof *g->small_w);
        g->small_bits = 0;
    }
    return 0;
}

/* ---- 2.3: the layers ---- */

/* Live entries of layer j (2.3): from there on every entry is the padding (0, 1). */
static size_t
layer_live(const gkr_shape *s, unsigned j)
{
    unsigned sh = s->d - j;

    return (s->n_leaf + ((size_t)1 << sh) - 1) >> sh;
}

/*
 * Layers 0 .. d - 1 in one block of 2·(2^d - 1) entries: p_j at 2·(2^j - 1), q_j after
 * it.  Once layer j's sumcheck starts, layers 0 .. j are read (their finals exchanged),
 * and their 4·2^j - 2 entries hold that sumcheck's 3.5·2^j + 4 (layer_tables): from
 * j = 4 on; the smaller layers share one small scratch.  The tree's memory is the
 * leaves and this block.
 */
#define GKR_TABLES_IN_LAYERS 4

static size_t
layer_tables(unsigned j)
{
    size_t half = (size_t)1 << (j - 1);

    return 4 * half + 4 * (half / 2 + 1) + half;
}

/* Leaves made at a time, on the stack of the thread that reads them. */
#define GKR_LEAF_CHUNK 256

/*
 * Layer d - 1 from the leaves, a chunk at a time (2.3); 1 if a leaf denominator
 * vanishes, else 0.  Only the live leaves are looked at: the padding is (0, 1).
 */
static int
layer_from_leaves(gkr_proof *g)
{
    unsigned d = g->shape->d;
    size_t m = (size_t)1 << (d - 1), live = layer_live(g->shape, d - 1), b;
    ptrdiff_t ch, nch = (ptrdiff_t)((2 * live + GKR_LEAF_CHUNK - 1) / GKR_LEAF_CHUNK);
    fq_t *pj = g->p[d - 1] = g->layers + 2 * (m - 1), *qj = g->q[d - 1] = pj + m;
    int zero = 0;

#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (m >= 16384) \
    reduction(| : zero)
    for (ch = 0; ch < nch; ch++) {
        fq_t lp[GKR_LEAF_CHUNK], lq[GKR_LEAF_CHUNK], x, y;
        size_t lo = (size_t)ch * GKR_LEAF_CHUNK, hi = lo + GKR_LEAF_CHUNK, i;

        if (hi > 2 * live)
            hi = 2 * live;
        g->leaf_fill(g->leaf_arg, lo, hi, lp, lq);
        for (i = 0; i < hi - lo; i += 2) {
            zero |= fq_is_zero(&lq[i]) | fq_is_zero(&lq[i + 1]);
            fq_mul(&x, &lp[i], &lq[i + 1]);
            fq_mul(&y, &lp[i + 1], &lq[i]);
            fq_add(&pj[(lo + i) / 2], &x, &y);
            fq_mul(&qj[(lo + i) / 2], &lq[i], &lq[i + 1]);
        }
        explicit_bzero(lp, sizeof lp);
        explicit_bzero(lq, sizeof lq);
    }
    for (b = live; b < m; b++) {        /* the padding (0, 1) adds up to (0, 1) */
        fq_set_zero(&pj[b]);
        qj[b] = FQ_ONE;
    }
    return zero;
}

int
gkr_prove_layers(gkr_proof *g)
{
    unsigned d = g->shape->d, j;
    size_t n = (size_t)1 << d;

    if (g->fail != NULL)
        return -1;
    if (g->leaf_fill == NULL)
        return gkr_fail(g, "internal failure: the tree has no leaves");
    g->layers = scratch_alloc(2 * (n - 1), sizeof(fq_t));
    g->scratch = scratch_alloc(layer_tables(GKR_TABLES_IN_LAYERS - 1), sizeof(fq_t));
    if (g->layers == NULL || g->scratch == NULL || small_setup(g) != 0)
        return gkr_fail(g, "out of memory");
    if (layer_from_leaves(g) != 0)
        return gkr_fail(g, "a lookup denominator vanished; prove again");
    for (j = d - 1; j-- > 0;) {
        size_t m = (size_t)1 << j, live = layer_live(g->shape, j);
        const fq_t *pp = g->p[j + 1], *qq = g->q[j + 1];
        fq_t *pj, *qj;
        ptrdiff_t b;

        if (zkml_interrupted())
            return gkr_fail(g, "interrupted");
        pj = g->p[j] = g->layers + 2 * (m - 1);
        qj = g->q[j] = pj + m;
        /* beyond the live entries, the padding (0, 1) adds up to (0, 1) */
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (m >= 16384)
        for (b = 0; b < (ptrdiff_t)m; b++) {
            fq_t x, y;

            if ((size_t)b >= live) {
                fq_set_zero(&pj[b]);
                qj[b] = FQ_ONE;
                continue;
            }
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
        for (i = 0; i < n; i++) {
            g->val[base + i] = v[i];
            if (drbg_scalar(g->rng, &g->bl[base + i]) != 0)
                return gkr_fail(g, "the prover's random generator failed");
        }
        if (pedersen_com1_many(g->com + base, v, g->bl + base, n) != 0)
            return gkr_fail(g, "out of memory");
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
    /* its equations wait for the batch at the end of gkr_run; the test seam's
     * skipped proof does not join it */
    rc = product_verify_deferred(&g->batch, g->t, X, Y, Z, &pf,
                                 !(g->hooks != NULL && g->hooks->skip_product == idx + 1),
                                 &why);
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

/*
 * The prover's sumcheck of layer j >= 1 (3.3 step 2) on a kernel of its own shape.
 * The polynomial is eq(z_j, x)·(pE·qO + pO·qE + λ_j·qE·qO); the messages are those
 * the general sumcheck would send for it (the same polynomial, so the same bytes), at
 * a fraction of the cost:
 *   - h = pO + λ_j·qO is folded in place of pO (F = pE·qO + qE·h; PO = h~ - λ_j·QO at
 *     the end), two products per point;
 *   - eq is factored (Gruen): in round k, s_k(X) = pref·eq(z_k, X)·t_k(X) with
 *     t_k(X) = Σ_i E_k[i]·F(X, i) of degree 2, E_k = EqTable(z_{k+1} ..) obtained from
 *     E_{k-1} by sums of neighbours;
 *   - the padding of the tree, (p, q) = (0, 1) beyond the leaves, stays (0, 1) in every
 *     layer and through every fold, where F = λ_j: those pairs add λ_j·Σ E_k[i], and
 *     Σ E_k = 1 gives that sum from the live pairs' weights;
 *   - the fold of round k - 1 is fused into the sums of round k, from buffer to buffer;
 *   - in round 0, F at X = 0 and 1 is layer j's own entry p_j + λ_j·q_j (it was made
 *     from these pairs): Σ E·p_j and Σ E·q_j, with λ_j once at the end; only X = 2
 *     reads the pairs.
 */

#define GKR_PAR_MIN 4096                /* pairs below which a round runs on one thread */

enum { LK_FIRST, LK_FOLD1, LK_FOLD };   /* round 0, round 1 (reads layer j + 1), rounds >= 2 */

/* One pair's four tables (pE, qE, qO, h) at X = 0, 1, v[t][0] and v[t][1], folded from
 * the round before (LK_FOLD1, LK_FOLD; round 0 has its own kernel) and stored in dst. */
static inline __attribute__((always_inline)) void
layer_load(fq_t v[4][2], int mode, const fq_t *pp, const fq_t *qq, fq_t *const *src,
           fq_t *const *dst, const fq_t *lambda, const fq_t *r, size_t i)
{
    fq_t d, po[2];
    unsigned t, b;

    for (b = 0; b < 2; b++) {
        size_t k = 2 * i + b;              /* new entry k from old entries 2k, 2k+1 */

        if (mode == LK_FOLD1) {            /* old entry m of pE is pp[2m], of pO pp[2m+1] */
            fq_sub(&d, &pp[4 * k + 2], &pp[4 * k]);
            fq_mul(&d, &d, r);
            fq_add(&v[0][b], &pp[4 * k], &d);
            fq_sub(&d, &qq[4 * k + 2], &qq[4 * k]);
            fq_mul(&d, &d, r);
            fq_add(&v[1][b], &qq[4 * k], &d);
            fq_sub(&d, &qq[4 * k + 3], &qq[4 * k + 1]);
            fq_mul(&d, &d, r);
            fq_add(&v[2][b], &qq[4 * k + 1], &d);
            fq_sub(&d, &pp[4 * k + 3], &pp[4 * k + 1]);
            fq_mul(&d, &d, r);
            fq_add(&po[b], &pp[4 * k + 1], &d);
            fq_mul(&d, lambda, &v[2][b]);
            fq_add(&v[3][b], &po[b], &d);
        } else {
            for (t = 0; t < 4; t++) {
                fq_sub(&d, &src[t][2 * k + 1], &src[t][2 * k]);
                fq_mul(&d, &d, r);
                fq_add(&v[t][b], &src[t][2 * k], &d);
            }
        }
        for (t = 0; t < 4; t++)
            dst[t][k] = v[t][b];
    }
}

/* acc[X] += E[i]·F(X) over pairs [lo, hi) for X = 0, 2 and, if with1, X = 1;
 * acc[3] += Σ E[i]. */
static inline __attribute__((always_inline)) void
layer_pairs(fq_t acc[4], int mode, const fq_t *E, const fq_t *pp, const fq_t *qq,
            fq_t *const *src, fq_t *const *dst, const fq_t *lambda, const fq_t *r,
            size_t lo, size_t hi, int with1)
{
    fq_t v[4][2], x[4], a, b, F, sum[4];
    size_t i;
    unsigned t, X;

    for (X = 0; X < 4; X++)
        fq_set_zero(&sum[X]);
    for (i = lo; i < hi; i++) {
        layer_load(v, mode, pp, qq, src, dst, lambda, r, i);
        for (X = 0; X < 3; X++) {
            if (X == 1 && !with1)
                continue;
            if (X < 2) {
                for (t = 0; t < 4; t++)
                    x[t] = v[t][X];
            } else {
                for (t = 0; t < 4; t++) {   /* line at 2: 2·v1 - v0 */
                    fq_dbl(&x[t], &v[t][1]);
                    fq_sub(&x[t], &x[t], &v[t][0]);
                }
            }
            fq_mul(&a, &x[0], &x[2]);
            fq_mul(&b, &x[1], &x[3]);
            fq_add(&F, &a, &b);
            fq_mul(&F, &F, &E[i]);
            fq_add(&sum[X], &sum[X], &F);
        }
        fq_add(&sum[3], &sum[3], &E[i]);
    }
    for (X = 0; X < 4; X++)
        fq_add(&acc[X], &acc[X], &sum[X]);
}

/*
 * Round 0 over pairs [lo, hi): pj, qj are layer j (pair i holds its entries 2i, 2i + 1),
 * pp, qq layer j + 1 (pair i holds its entries 4i .. 4i + 3), as in layer_pairs.
 */
static void __attribute__((noinline))
layer_pairs_first(fq_t acc[4], const fq_t *E, const fq_t *pp, const fq_t *qq,
                  const fq_t *pj, const fq_t *qj, const fq_t *lambda, size_t lo, size_t hi,
                  int with1)
{
    fq_t sp[2], sq[2], s2, se, x[4], a, b, t;
    size_t i;
    unsigned X, k;

    for (X = 0; X < 2; X++) {
        fq_set_zero(&sp[X]);
        fq_set_zero(&sq[X]);
    }
    fq_set_zero(&s2);
    fq_set_zero(&se);
    for (i = lo; i < hi; i++) {
        for (X = 0; X < 2; X++) {
            if (X == 1 && !with1)
                continue;
            fq_mul(&t, &E[i], &pj[2 * i + X]);
            fq_add(&sp[X], &sp[X], &t);
            fq_mul(&t, &E[i], &qj[2 * i + X]);
            fq_add(&sq[X], &sq[X], &t);
        }
        /* at X = 2, each line 2·v1 - v0: pE, qE, qO, then h = pO + λ·qO */
        for (k = 0; k < 3; k++) {
            const fq_t *f = k == 0 ? pp : qq;
            size_t o = 4 * i + (k == 2);

            fq_dbl(&x[k], &f[o + 2]);
            fq_sub(&x[k], &x[k], &f[o]);
        }
        fq_dbl(&x[3], &pp[4 * i + 3]);
        fq_sub(&x[3], &x[3], &pp[4 * i + 1]);
        fq_mul(&t, lambda, &x[2]);
        fq_add(&x[3], &x[3], &t);
        fq_mul(&a, &x[0], &x[2]);
        fq_mul(&b, &x[1], &x[3]);
        fq_add(&a, &a, &b);
        fq_mul(&a, &a, &E[i]);
        fq_add(&s2, &s2, &a);
        fq_add(&se, &se, &E[i]);
    }
    for (X = 0; X < 2; X++) {
        fq_mul(&t, lambda, &sq[X]);
        fq_add(&t, &t, &sp[X]);
        fq_add(&acc[X], &acc[X], &t);
    }
    fq_add(&acc[2], &acc[2], &s2);
    fq_add(&acc[3], &acc[3], &se);
}

static void __attribute__((noinline))
layer_pairs_fold1(fq_t acc[4], const fq_t *E, const fq_t *pp, const fq_t *qq,
                  fq_t *const *dst, const fq_t *lambda, const fq_t *r, size_t lo, size_t hi,
                  int with1)
{
    layer_pairs(acc, LK_FOLD1, E, pp, qq, NULL, dst, lambda, r, lo, hi, with1);
}

static void __attribute__((noinline))
layer_pairs_fold(fq_t acc[4], const fq_t *E, fq_t *const *src, fq_t *const *dst,
                 const fq_t *r, size_t lo, size_t hi, int with1)
{
    layer_pairs(acc, LK_FOLD, E, NULL, NULL, src, dst, NULL, r, lo, hi, with1);
}

/*
 * Rounds 0 and 1 of the layer above the leaves over pairs [lo, hi), from leaves made a
 * chunk at a time (a pair of round 0 reads 4 leaves, of round 1 reads 8).
 */
static void
fill_pairs(const gkr_proof *g, fq_t acc[4], int mode, const fq_t *E, const fq_t *pj,
           const fq_t *qj, fq_t *const *dst, const fq_t *lambda, const fq_t *r, size_t lo,
           size_t hi, int with1)
{
    fq_t lp[GKR_LEAF_CHUNK], lq[GKR_LEAF_CHUNK], *d2[4];
    size_t per = mode == LK_FIRST ? 4 : 8, a, e;
    unsigned t;

    for (a = lo; a < hi; a = e) {
        e = hi - a < GKR_LEAF_CHUNK / per ? hi : a + GKR_LEAF_CHUNK / per;
        g->leaf_fill(g->leaf_arg, per * a, per * e, lp, lq);
        if (mode == LK_FIRST) {
            layer_pairs_first(acc, E + a, lp, lq, pj + 2 * a, qj + 2 * a, lambda, 0, e - a,
                              with1);
        } else {
            for (t = 0; t < 4; t++)
                d2[t] = dst[t] + 2 * a;
            layer_pairs_fold1(acc, E + a, lp, lq, d2, lambda, r, 0, e - a, with1);
        }
    }
    explicit_bzero(lp, sizeof lp);
    explicit_bzero(lq, sizeof lq);
}

/*
 * The same two rounds over a block of small leaves (c, a - v) (gkr_set_small_leaves).
 * With pE = pO = c, each F is a polynomial in a, λ_j and r_0 whose coefficients are
 * integers of at most 37 bits made of the v, so Σ_i E[i]·F(X, i) is a few sums of small
 * multiples of E[i], taken with c and a once at the end (K0 = 2·c·a + λ·a², K1 = c + λ·a):
 *   round 0, pair i (leaves 4i .. 4i + 3): at X = 0 and 1, F = p_j + λ·q_j of layer j's
 *     entry 2i + X, from its leaves v0, v1: K0 - K1·(v0 + v1) + λ·v0·v1; at X = 2, the
 *     lines at 2, x = 2·v_{4i+2} - v_{4i} and y = 2·v_{4i+3} - v_{4i+1}: K0 - K1·(x + y)
 *     + λ·x·y;
 *   round 1, entry k of the tables bound at r = r_0: qE = a - (A + r·B) and qO = a - (C +
 *     r·D) with A = v_{4k}, B = v_{4k+2} - v_{4k}, C = v_{4k+1}, D = v_{4k+3} - v_{4k+1}:
 *     F = K0 - K1·(A + C + r·(B + D)) + λ·(A·C + r·(A·D + B·C) + r²·B·D), at X = 0, 1
 *     the entries k = 2i, 2i + 1 and at X = 2 their line.
 * Each integer is summed plus 2^40 (so that it is positive); 2^40·Σ E[i] is taken off at
 * the end.  Round 1 also writes the tables bound at r_0 for round 2, from tables of
 * (1 - r)·y, r·y, λ(1 - r)·y and λ·r·y (small_tables): additions only.
 */
#define GKR_SMALL_OFF ((int64_t)1 << 40)
#define GKR_SMALL_CHUNK 1024            /* small leaves read at a time */

typedef struct {
    fq_wide_t w[3][5];                  /* per X, the sums of the five integers above */
    fq_t e;                             /* Σ E[i] */
} small_sums;

static inline __attribute__((always_inline)) void
small_mac(fq_wide_t *w, int64_t v, const fq_t *e)
{
    fq_wide_mac(w, (uint64_t)(v + GKR_SMALL_OFF), e);
}

static void __attribute__((noinline))
small_pairs_first(small_sums *S, const fq_t *E, const uint32_t *v, size_t n, int with1)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const uint32_t *f = v + 4 * i;
        int64_t x = 2 * (int64_t)f[2] - f[0], y = 2 * (int64_t)f[3] - f[1];

        small_mac(&S->w[0][0], (int64_t)f[0] + f[1], &E[i]);
        small_mac(&S->w[0][2], (int64_t)f[0] * f[1], &E[i]);
        if (with1) {
            small_mac(&S->w[1][0], (int64_t)f[2] + f[3], &E[i]);
            small_mac(&S->w[1][2], (int64_t)f[2] * f[3], &E[i]);
        }
        small_mac(&S->w[2][0], x + y, &E[i]);
        small_mac(&S->w[2][2], x * y, &E[i]);
        fq_add(&S->e, &S->e, &E[i]);
    }
}

static void __attribute__((noinline))
small_pairs_fold1(small_sums *S, const fq_t *E, const uint32_t *v, size_t n, int with1,
                  fq_t *const *dst, const fq_t *tab, size_t N, const fq_t *c, const fq_t *a,
                  const fq_t *c_la)
{
    const fq_t *R0 = tab, *R1 = tab + N, *L0 = tab + 2 * N, *L1 = tab + 3 * N;
    int64_t A[3], B[3], C[3], D[3];
    size_t i, k;
    unsigned b, X;

    for (i = 0; i < n; i++) {
        for (b = 0; b < 2; b++) {
            const uint32_t *f = v + 8 * i + 4 * b;

            k = 2 * i + b;
            A[b] = f[0];
            B[b] = (int64_t)f[2] - f[0];
            C[b] = f[1];
            D[b] = (int64_t)f[3] - f[1];
            dst[0][k] = *c;
            fq_sub(&dst[1][k], a, &R0[f[0]]);
            fq_sub(&dst[1][k], &dst[1][k], &R1[f[2]]);
            fq_sub(&dst[2][k], a, &R0[f[1]]);
            fq_sub(&dst[2][k], &dst[2][k], &R1[f[3]]);
            fq_sub(&dst[3][k], c_la, &L0[f[1]]);
            fq_sub(&dst[3][k], &dst[3][k], &L1[f[3]]);
        }
        A[2] = 2 * A[1] - A[0];
        B[2] = 2 * B[1] - B[0];
        C[2] = 2 * C[1] - C[0];
        D[2] = 2 * D[1] - D[0];
        for (X = 0; X < 3; X++) {
            if (X == 1 && !with1)
                continue;
            small_mac(&S->w[X][0], A[X] + C[X], &E[i]);
            small_mac(&S->w[X][1], B[X] + D[X], &E[i]);
            small_mac(&S->w[X][2], A[X] * C[X], &E[i]);
            small_mac(&S->w[X][3], A[X] * D[X] + B[X] * C[X], &E[i]);
            small_mac(&S->w[X][4], B[X] * D[X], &E[i]);
        }
        fq_add(&S->e, &S->e, &E[i]);
    }
}

/* acc[X] += Σ E[i]·F(X, i) from the sums (the formulas above); acc[3] += Σ E[i]. */
static void
small_finish(fq_t acc[4], const small_sums *S, int mode, int with1, const fq_t *c,
             const fq_t *a, const fq_t *lambda, const fq_t *r)
{
    fq_t off, K0, K1, x[5], u, F;
    unsigned X, m;

    fq_set_u64(&off, (uint64_t)GKR_SMALL_OFF);
    fq_mul(&off, &off, &S->e);
    fq_mul(&K1, lambda, a);
    fq_add(&K1, &K1, c);
    fq_add(&K0, &K1, c);
    fq_mul(&K0, &K0, a);
    for (X = 0; X < 3; X++) {
        if (X == 1 && !with1)
            continue;
        for (m = 0; m < 5; m++) {
            fq_wide_reduce(&x[m], &S->w[X][m]);
            fq_sub(&x[m], &x[m], &off);
        }
        if (mode != LK_FIRST) {         /* x0 + r·x1, x2 + r·(x3 + r·x4) */
            fq_mul(&u, r, &x[1]);
            fq_add(&x[0], &x[0], &u);
            fq_mul(&u, r, &x[4]);
            fq_add(&u, &u, &x[3]);
            fq_mul(&u, &u, r);
            fq_add(&x[2], &x[2], &u);
        }
        fq_mul(&F, &K0, &S->e);
        fq_mul(&u, &K1, &x[0]);
        fq_sub(&F, &F, &u);
        fq_mul(&u, lambda, &x[2]);
        fq_add(&F, &F, &u);
        fq_add(&acc[X], &acc[X], &F);
    }
    fq_add(&acc[3], &acc[3], &S->e);
    explicit_bzero(x, sizeof x);
    explicit_bzero(&u, sizeof u);
    explicit_bzero(&F, sizeof F);
}

/* Rounds 0 and 1 over pairs [lo, hi) of block B of small leaves; a chunk whose values
 * are out of range is read with the fill. */
static void
small_pairs(const gkr_proof *g, size_t B, fq_t acc[4], int mode, const fq_t *E,
            const fq_t *pj, const fq_t *qj, fq_t *const *dst, const fq_t *lambda,
            const fq_t *r, size_t lo, size_t hi, int with1)
{
    uint32_t v[GKR_SMALL_CHUNK];
    small_sums S;
    const fq_t *c = &g->small_ca[2 * B], *a = c + 1;
    fq_t c_la, *d2[4];
    size_t per = mode == LK_FIRST ? 4 : 8, o = g->shape->offset[B], x, e;
    unsigned t;

    memset(&S, 0, sizeof S);
    fq_mul(&c_la, lambda, a);
    fq_add(&c_la, &c_la, c);
    for (x = lo; x < hi; x = e) {
        e = hi - x < GKR_SMALL_CHUNK / per ? hi : x + GKR_SMALL_CHUNK / per;
        if (g->small_values(g->leaf_arg, B, per * x - o, per * e - o, v) != 0) {
            fill_pairs(g, acc, mode, E, pj, qj, dst, lambda, r, x, e, with1);
        } else if (mode == LK_FIRST) {
            small_pairs_first(&S, E + x, v, e - x, with1);
        } else {
            for (t = 0; t < 4; t++)
                d2[t] = dst[t] + 2 * x;
            small_pairs_fold1(&S, E + x, v, e - x, with1, d2, g->small_tab,
                              (size_t)1 << g->small_bits, c, a, &c_la);
        }
    }
    small_finish(acc, &S, mode, with1, c, a, lambda, r);
    explicit_bzero(v, sizeof v);
    explicit_bzero(&S, sizeof S);
}

/*
 * The run of pairs (of per leaves each) from pair i, below hi: the rest of a block of
 * small leaves that holds whole pairs (*B set to it), or else the pairs up to the next
 * such block (*B = n_blocks).  Returns the run's end.
 */
static size_t
leaf_run(const gkr_proof *g, size_t per, size_t i, size_t hi, size_t *B)
{
    const gkr_shape *s = g->shape;
    size_t u = per * i, a, end = hi;

    *B = s->n_blocks;
    if (g->small_bits == 0)
        return hi;
    for (a = block_at(s, u); a < s->n_blocks; a++) {
        size_t k = s->order[a], o = s->offset[k], n = (size_t)1 << s->kappa[k];

        if (o + n <= u || g->small_w[k] == 0 || n < per)
            continue;
        if (o <= u) {
            *B = k;
            end = (o + n) / per;
        } else {
            end = o / per;
        }
        break;
    }
    return end < hi ? end : hi;
}

/* Rounds 0 and 1 of the layer above the leaves over pairs [lo, hi): runs of small leaves
 * by their sums, the rest from the fill. */
static void
leaf_pairs(const gkr_proof *g, fq_t acc[4], int mode, const fq_t *E, const fq_t *pj,
           const fq_t *qj, fq_t *const *dst, const fq_t *lambda, const fq_t *r, size_t lo,
           size_t hi, int with1)
{
    size_t a, e, B;

    for (a = lo; a < hi; a = e) {
        e = leaf_run(g, mode == LK_FIRST ? 4 : 8, a, hi, &B);
        if (B < g->shape->n_blocks)
            small_pairs(g, B, acc, mode, E, pj, qj, dst, lambda, r, a, e, with1);
        else
            fill_pairs(g, acc, mode, E, pj, qj, dst, lambda, r, a, e, with1);
    }
}

/* Round 1's tables for the small leaves: (1 - r)·y, r·y, λ(1 - r)·y, λ·r·y for y below
 * 2^small_bits, by additions (public values). */
static int
small_tables(gkr_proof *g, const fq_t *lambda, const fq_t *r)
{
    size_t N = (size_t)1 << g->small_bits, y;
    fq_t step[4], *T;
    unsigned t;

    if (g->small_tab == NULL)
        g->small_tab = malloc(4 * N * sizeof(fq_t));
    if ((T = g->small_tab) == NULL)
        return -1;
    fq_sub(&step[0], &FQ_ONE, r);
    step[1] = *r;
    fq_mul(&step[2], lambda, &step[0]);
    fq_mul(&step[3], lambda, r);
    for (t = 0; t < 4; t++) {
        fq_set_zero(&T[t * N]);
        for (y = 1; y < N; y++)
            fq_add(&T[t * N + y], &T[t * N + y - 1], &step[t]);
    }
    return 0;
}

/* One round's sums over pairs [0, np), on the threads when large enough; pp = NULL: the
 * layer above the leaves. */
static void
layer_round_sums(const gkr_proof *g, fq_t acc[4], int mode, const fq_t *E, const fq_t *pj,
                 const fq_t *qj, const fq_t *pp, const fq_t *qq, fq_t *const *src,
                 fq_t *const *dst, const fq_t *lambda, const fq_t *r, size_t np, int with1)
{
    int nt = np >= GKR_PAR_MIN ? zkml_threads() : 1, b;
    fq_t part[64][4];
    unsigned X;

    if (nt > 64)
        nt = 64;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (b = 0; b < nt; b++) {
        size_t lo = np * (size_t)b / (size_t)nt, hi = np * (size_t)(b + 1) / (size_t)nt;
        unsigned Y;

        for (Y = 0; Y < 4; Y++)
            fq_set_zero(&part[b][Y]);
        if (pp == NULL && mode != LK_FOLD)
            leaf_pairs(g, part[b], mode, E, pj, qj, dst, lambda, r, lo, hi, with1);
        else if (mode == LK_FIRST)
            layer_pairs_first(part[b], E, pp, qq, pj, qj, lambda, lo, hi, with1);
        else if (mode == LK_FOLD1)
            layer_pairs_fold1(part[b], E, pp, qq, dst, lambda, r, lo, hi, with1);
        else
            layer_pairs_fold(part[b], E, src, dst, r, lo, hi, with1);
    }
    for (X = 0; X < 4; X++)
        fq_set_zero(&acc[X]);
    for (b = 0; b < nt; b++)
        for (X = 0; X < 4; X++)
            fq_add(&acc[X], &acc[X], &part[b][X]);
    explicit_bzero(part, sizeof part);
}

/* The prover's sumcheck of layer j >= 1 (3.3 step 2): finals PE, PO, QE, QO in fin. */
static int
layer_sumcheck_prove(gkr_proof *g, unsigned j, fq_t *s, fq_t fin[4])
{
    size_t nmsg = sumcheck_message_count(j, 3), i, np, half = (size_t)1 << (j - 1);
    fq_t *msg = malloc(nmsg * sizeof(fq_t)), *E, *E0, *buf[2][4], acc[4], t[4], ev[4],
         *tables = j >= GKR_TABLES_IN_LAYERS ? g->layers : g->scratch;
    fq_t pref = FQ_ONE, H, one_z, slope, e, pad, u, tc, zinv, inv2,
         *const *src = NULL, *const *dst;
    const fq_t *pp = g->p[j + 1], *qq = g->q[j + 1], *z = g->z[j], *lambda = &g->lambda[j];
    sumcheck_prover *sp = NULL;
    unsigned k, X, tb;
    int rc = -1, with1;

    /* buffer 0 holds four tables of 2^(j-1) entries, buffer 1 four of 2^(j-2), E
     * 2^(j-1): where layers 0 .. j were, or the small scratch.  Round 0 still reads layer
     * j, which E overlaps: its E (E0) is where buffer 0 will be, below layer j, and its
     * sums of neighbours go to E's place */
    if (msg == NULL)
        return gkr_fail(g, "out of memory");
    for (tb = 0; tb < 4; tb++) {
        buf[0][tb] = tables + tb * half;
        buf[1][tb] = tables + 4 * half + tb * (half / 2 + 1);
    }
    E = tables + 4 * half + 4 * (half / 2 + 1);
    E0 = tables;
    mle_eq_table(E0, z + 1, j - 1);
    /* tc = claim_k / pref: at round 0 the layer's claim c_p + λ_j·c_q, from the finals
     * of layer j - 1 in fin[] (3.6's G_j^init); the test seam, which may forge those,
     * sums every X instead */
    with1 = g->hooks != NULL;
    fq_set_u64(&inv2, 2);
    fq_inv_vartime(&inv2, &inv2);
    fq_sub(&u, &fin[1], &fin[0]);
    fq_mul(&u, &u, &z[0]);
    fq_add(&tc, &fin[0], &u);
    fq_sub(&e, &fin[3], &fin[2]);
    fq_mul(&e, &e, &z[0]);
    fq_add(&e, &fin[2], &e);
    fq_mul(&e, &e, lambda);
    fq_add(&tc, &tc, &e);
    /* live pairs of round 0: pairs of (E, O) entries of layer j + 1 */
    np = (layer_live(g->shape, j + 1) + 1) / 2;
    np = (np + 1) / 2;
    for (k = 0; k < j; k++) {
        if (zkml_interrupted())
            goto out;
        /* t(1) from the claim, s(0) + s(1) = pref·((1 - z_k)·t(0) + z_k·t(1)) */
        if (!with1 && fq_is_zero(&z[k]))
            with1 = 1;
        else if (!with1)
            fq_inv_vartime(&zinv, &z[k]);
        if (k == 0) {
            layer_round_sums(g, acc, LK_FIRST, E0, g->p[j], g->q[j], pp, qq, NULL, NULL, lambda,
                             NULL, np, with1);
        } else {
            dst = buf[(k - 1) & 1];
            if (k == 1 && pp == NULL && g->small_bits > 0 && small_tables(g, lambda, &s[0]) != 0)
                goto out;
            layer_round_sums(g, acc, k == 1 ? LK_FOLD1 : LK_FOLD, E, NULL, NULL, pp, qq, src,
                             dst, lambda, &s[k - 1], np, with1);
            /* the entries past the pairs that the next fold reads are padding */
            if (4 * ((np + 1) / 2) > 2 * np && k + 1 < j) {
                fq_set_zero(&dst[0][2 * np]);
                fq_set_zero(&dst[0][2 * np + 1]);
                for (tb = 1; tb < 3; tb++)
                    dst[tb][2 * np] = dst[tb][2 * np + 1] = FQ_ONE;
                dst[3][2 * np] = dst[3][2 * np + 1] = *lambda;
            }
            src = dst;
        }
        /* t(X) = acc[X] + λ·(1 - Σ_{live} E), X = 0, 1, 2; t(3) = t0 - 3t1 + 3t2 */
        fq_sub(&pad, &FQ_ONE, &acc[3]);
        fq_mul(&pad, &pad, lambda);
        for (X = 0; X < 3; X++)
            fq_add(&t[X], &acc[X], &pad);
        fq_sub(&one_z, &FQ_ONE, &z[k]);
        if (!with1) {
            fq_mul(&u, &one_z, &t[0]);
            fq_sub(&u, &tc, &u);
            fq_mul(&t[1], &u, &zinv);
        }
        fq_sub(&u, &t[2], &t[1]);
        fq_dbl(&t[3], &u);
        fq_add(&t[3], &t[3], &u);
        fq_add(&t[3], &t[3], &t[0]);
        /* s(X) = pref·eq(z_k, X)·t(X), eq(z_k, X) = (1 - z_k) + X·(2z_k - 1) */
        fq_dbl(&slope, &z[k]);
        fq_sub(&slope, &slope, &FQ_ONE);
        e = one_z;
        for (X = 0; X < 4; X++) {
            fq_mul(&ev[X], &e, &t[X]);
            fq_mul(&ev[X], &ev[X], &pref);
            fq_add(&e, &e, &slope);
        }
        if (k == 0) {                       /* H = s_1(0) + s_1(1) */
            fq_add(&H, &ev[0], &ev[1]);
            if (sumcheck_prover_new_external(&sp, j, 3, &g->rho,
                                             g->mask + g->mask_base + gkr_mask_count(j), &H,
                                             &g->T[j]) != 0)
                goto out;
            transcript_absorb_scalar(g->t, "GKR/T", &g->T[j]);
        }
        {
            fq_t *mi = msg + 3 * k, claim;

            sumcheck_prover_claim(sp, &claim);
            if (sumcheck_prover_round_external(sp, ev, mi) != 0)
                goto out;
            if (k + 1 == j && g->hooks != NULL && g->hooks->bump_layer == j + 1)
                fq_add(&mi[1], &mi[1], &FQ_ONE);        /* test seam: c2 + 1 */
            transcript_absorb_scalars(g->t, "GKR/round", mi, 3);
            if (transcript_challenge(g->t, "GKR/r", 0, &s[k]) != 0 ||
                sumcheck_prover_bind(sp, &s[k]) != 0)
                goto out;
            sumcheck_next_claim(&g->e[j], 3, &claim, mi, &s[k]);
        }
        /* tc of round k + 1 = t(r_k) = t0 + r·(t1 - t0) + r(r - 1)/2·(t2 - 2·t1 + t0) */
        fq_sub(&u, &t[1], &t[0]);
        fq_mul(&tc, &u, &s[k]);
        fq_add(&tc, &tc, &t[0]);
        fq_sub(&u, &t[2], &t[1]);
        fq_sub(&u, &u, &t[1]);
        fq_add(&u, &u, &t[0]);
        fq_sub(&e, &s[k], &FQ_ONE);
        fq_mul(&e, &e, &s[k]);
        fq_mul(&e, &e, &inv2);
        fq_mul(&u, &u, &e);
        fq_add(&tc, &tc, &u);
        /* pref·eq(z_k, r_k); E_{k+1}[i] = E_k[2i] + E_k[2i+1]; pairs of round k + 1 */
        fq_mul(&u, &slope, &s[k]);
        fq_add(&u, &u, &one_z);
        fq_mul(&pref, &pref, &u);
        for (i = 0; i < ((size_t)1 << (j - k - 1)) / 2; i++)
            fq_add(&E[i], &(k == 0 ? E0 : E)[2 * i], &(k == 0 ? E0 : E)[2 * i + 1]);
        np = (np + 1) / 2;
    }
    if (g->t->failed)
        goto out;
    /* the finals: the last fold, with r_j */
    if (j == 1) {
        const size_t o[4][2] = {{0, 2}, {1, 3}, {0, 2}, {1, 3}};
        fq_t lp[4], lq[4];

        if (pp == NULL) {                   /* d = 2: layer 2 is the leaves */
            g->leaf_fill(g->leaf_arg, 0, 4, lp, lq);
            pp = lp;
            qq = lq;
        }
        for (tb = 0; tb < 4; tb++) {
            const fq_t *f = tb < 2 ? pp : qq;

            fq_sub(&u, &f[o[tb][1]], &f[o[tb][0]]);
            fq_mul(&u, &u, &s[0]);
            fq_add(&fin[tb], &f[o[tb][0]], &u);
        }
    } else {
        fq_t v[4];

        for (tb = 0; tb < 4; tb++) {
            fq_sub(&u, &src[tb][1], &src[tb][0]);
            fq_mul(&u, &u, &s[j - 1]);
            fq_add(&v[tb], &src[tb][0], &u);
        }
        fin[0] = v[0];                      /* PE, PO = h~ - λ·QO, QE, QO */
        fq_mul(&u, lambda, &v[2]);
        fq_sub(&fin[1], &v[3], &u);
        fin[2] = v[1];
        fin[3] = v[2];
    }
    codec_put_scalar(g->w, &g->T[j]);
    codec_put_scalars(g->w, msg, nmsg);
    rc = 0;
out:
    sumcheck_prover_free(sp);
    free(msg);
    explicit_bzero(acc, sizeof acc);
    explicit_bzero(t, sizeof t);
    explicit_bzero(ev, sizeof ev);
    explicit_bzero(&H, sizeof H);
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
            fq_t lp[2], lq[2];
            const fq_t *p1 = g->p[1], *q1 = g->q[1];

            if (d == 1) {                   /* layer 1 is the leaves */
                g->leaf_fill(g->leaf_arg, 0, 2, lp, lq);
                p1 = lp;
                q1 = lq;
            }
            fin[0] = p1[0];
            fin[1] = p1[1];
            fin[2] = q1[0];
            fin[3] = q1[1];
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
        if (transcript_challenge(g->t, "GKR/line", 0, &r) != 0)
            return gkr_fail(g, "transcript failure");
        g->z[j + 1][0] = r;
        memcpy(&g->z[j + 1][1], s, j * sizeof(fq_t));
    }
    if (g->prover) {            /* later phases reuse the memory (scratch_alloc's pool) */
        free_layers(g);
    } else {                                   /* the tree's product proofs, at once */
        const char *why = NULL;

        if (product_batch_check(&g->batch, g->t, &why) != 1)
            return gkr_fail(g, why != NULL ? why
                                           : "a product proof of the lookup tree does not verify");
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
gkr_export_committed(const gkr_proof *g, ge_t *com, fq_t *val, fq_t *bl, size_t *n,
                     size_t cap)
{
    size_t i;

    if (*n != g->first_id || g->n_com > cap - *n)
        return -1;
    for (i = 0; i < g->n_com; i++) {
        com[*n + i] = g->com[i];
        if (g->prover) {
            val[*n + i] = g->val[i];
            bl[*n + i] = g->bl[i];
        }
    }
    *n += g->n_com;
    return 0;
}
