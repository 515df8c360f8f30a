/*
 * test_logup_gkr.c: the tree of fractional sums on its own (docs/protocol.md 6.6, 7.18):
 * the placement of blocks, the selectors against the blocks' indicators, the layers
 * against the sum of the leaf fractions, and a whole tree proved and verified on a
 * transcript of its own, its leaf claims committed as plain scalars: every relation
 * holds for honest leaves, and a tree whose fractions do not sum to zero breaks G_0
 * alone.  The network's use of the tree is tested in test_infer_v2.c.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "drbg.h"
#include "generators.h"
#include "linrel.h"
#include "logup_gkr.h"
#include "mle.h"
#include "pedersen.h"
#include "unit.h"
#include "unit_fq.h"

static const unsigned KAPPA[5] = {3, 5, 3, 1, 5};

UNIT_TEST(logup_gkr_placement)
{
    gkr_shape s;
    size_t b;

    CHECK(gkr_shape_build(&s, KAPPA, 5) == 0);
    /* largest first, ties in canonical order */
    CHECK(s.offset[1] == 0 && s.offset[4] == 32 && s.offset[0] == 64 && s.offset[2] == 72 &&
          s.offset[3] == 80);
    CHECK(s.n_leaf == 82 && s.d == 7);
    for (b = 0; b < 5; b++)
        CHECK(s.offset[b] % ((size_t)1 << s.kappa[b]) == 0);
    gkr_shape_free(&s);
    /* one leaf in all: no tree */
    CHECK(gkr_shape_build(&s, (const unsigned[]){0}, 1) != 0);
    CHECK(gkr_shape_build(&s, KAPPA, 0) != 0);
    CHECK(gkr_mask_count(1) == 0 && gkr_mask_count(7) == 84);
}

UNIT_TEST(logup_gkr_selectors_are_indicators)
{
    gkr_shape s;
    fq_t z[7], sel;
    size_t x, b;
    unsigned i;

    CHECK(gkr_shape_build(&s, KAPPA, 5) == 0);
    for (x = 0; x < 128; x++) {
        for (i = 0; i < 7; i++)
            z[i] = (x >> i) & 1 ? FQ_ONE : (fq_t){{0, 0, 0, 0}};
        for (b = 0; b < 5; b++) {
            int inside = x >= s.offset[b] && x < s.offset[b] + ((size_t)1 << s.kappa[b]);

            gkr_selector(&sel, &s, b, z);
            CHECKF(inside ? fq_eq(&sel, &FQ_ONE) : fq_is_zero(&sel), "x %zu block %zu", x, b);
        }
    }
    gkr_shape_free(&s);
}

/* The test's leaves, stored (the prover's are made where read): p, then q, 2^d each;
 * for blocks of small leaves (c, a - v), the v too. */
typedef struct {
    const fq_t *p, *q;
    const gkr_shape *s;
    const unsigned *small_w;
    const fq_t *small_ca;
    const uint32_t *v;
} stored_leaves;

static void
stored_leaf_fill(void *arg, size_t lo, size_t hi, fq_t *p, fq_t *q)
{
    const stored_leaves *sl = arg;

    memcpy(p, sl->p + lo, (hi - lo) * sizeof(fq_t));
    memcpy(q, sl->q + lo, (hi - lo) * sizeof(fq_t));
}

static unsigned
stored_small_block(void *arg, size_t B, fq_t *c, fq_t *a)
{
    const stored_leaves *sl = arg;

    *c = sl->small_ca[2 * B];
    *a = sl->small_ca[2 * B + 1];
    return sl->small_w[B];
}

static int
stored_small_values(void *arg, size_t B, size_t ulo, size_t uhi, uint32_t *v)
{
    const stored_leaves *sl = arg;
    size_t u;

    for (u = ulo; u < uhi; u++) {
        v[u - ulo] = sl->v[sl->s->offset[B] + u];
        if (v[u - ulo] >> sl->small_w[B])
            return -1;
    }
    return 0;
}

/* A tree case: its blocks; balanced: p of leaf 0 chosen so that the fractions sum to
 * zero; small_w[B] > 0: block B's leaves are (c, a - v) with v below 2^small_w[B] (one
 * of block small_bad - 1's is not), told to the prover when declare_small; hooks for
 * the prover; bytes, when not NULL, receives a copy of the proof (*len bytes). */
typedef struct {
    const unsigned *kappa;
    size_t nb;
    int balanced;
    unsigned small_w[8];
    size_t small_bad;
    int declare_small;
    const gkr_hooks *hooks;
    uint8_t **bytes;
    size_t *len;
} tree_opts;

/* A tree proof on its own transcript, its leaves from a fixed seed (random, or small as
 * above), the leaf claims p~(y_B) and q~(y_B) committed per block.  Returns the prover's
 * first broken relation (-1 none) and, in *verdict, the verifier's. */
static int
tree_case(const tree_opts *o, int *verdict)
{
    const unsigned *kappa = o->kappa;
    size_t nb = o->nb;
    gkr_shape s;
    gkr_proof gp, gv;
    transcript_t tp, tv;
    codec_writer w;
    codec_reader r;
    linrel lp, lv;
    drbg_t rng, lrng;
    ipa_proof pf;
    uint8_t fixed[32] = {3}, seed[32] = {4}, lseed[32] = {5};
    fq_t *p, *q, *mask = NULL, *leaves = NULL, bM, v[16], sum, x, ca[16];
    uint32_t *sv = NULL;
    stored_leaves sl;
    linrel_form fp[8], fq[8];
    linrel_term tp_[8], tq[8];
    size_t nM, b, u, bad = 0;
    unsigned d, mlog = 0;
    const char *why = NULL;
    ge_t CM;
    gep_t P;
    int broken = -1;

    *verdict = -1;
    if (nb > 8 || gkr_shape_build(&s, kappa, nb) != 0)
        return -2;
    d = s.d;
    while (((size_t)1 << mlog) < gkr_mask_count(d))
        mlog++;
    nM = (size_t)1 << mlog;
    if (generators_V(nM) == NULL || (mask = calloc(nM, sizeof(fq_t))) == NULL)
        return -2;
    transcript_init(&tp, "test/gkr", 8);
    drbg_init_fixed(&rng, fixed, seed, tp.state);
    drbg_init_fixed(&lrng, fixed, lseed, tp.state);
    drbg_scalars(&rng, mask, nM);
    drbg_scalar(&rng, &bM);
    pedersen_comv(&P, mask, nM, &bM);
    ge_set_gep(&CM, &P);
    tv = tp;
    codec_writer_init(&w);
    linrel_init_prover(&lp, &CM, mlog);
    linrel_init_verifier(&lv, &CM, mlog);
    drbg_scalar(&lrng, &x);                         /* ρ_G */
    gkr_init(&gp, 1, &s, &tp, &w, NULL, &lp, &rng, mask, 0, &x, 2 * nb, o->hooks);
    leaves = calloc(2 * ((size_t)1 << d), sizeof(fq_t));
    sv = calloc((size_t)1 << d, sizeof *sv);
    if (leaves == NULL || sv == NULL)
        return -2;
    p = leaves;
    q = leaves + ((size_t)1 << d);
    for (u = 0; u < ((size_t)1 << d); u++)         /* the padding (0, 1) */
        q[u] = FQ_ONE;
    drbg_scalars(&lrng, ca, 2 * nb);
    sl = (stored_leaves){p, q, &s, o->small_w, ca, sv};
    gkr_set_leaves(&gp, stored_leaf_fill, &sl);
    if (o->declare_small)
        gkr_set_small_leaves(&gp, stored_small_block, stored_small_values);
    fq_set_zero(&sum);
    for (b = 0; b < nb; b++)
        for (u = 0; u < ((size_t)1 << s.kappa[b]); u++) {
            size_t i = s.offset[b] + u;
            fq_t t;

            if (o->small_w[b] > 0) {                /* (c, a - v) */
                uint8_t r4[4];

                drbg_bytes(&lrng, r4, 4);
                sv[i] = (r4[0] | (uint32_t)r4[1] << 8 | (uint32_t)r4[2] << 16) &
                        (((uint32_t)1 << o->small_w[b]) - 1);
                if (b + 1 == o->small_bad && u == ((size_t)1 << s.kappa[b]) / 2)
                    sv[i] = ((uint32_t)1 << o->small_w[b]) + 3;
                p[i] = ca[2 * b];
                fq_set_u64(&t, sv[i]);
                fq_sub(&q[i], &ca[2 * b + 1], &t);
            } else {
                drbg_scalar(&lrng, &p[i]);
                drbg_scalar(&lrng, &q[i]);
            }
            fq_inv(&t, &q[i]);
            fq_mul(&t, &t, &p[i]);
            fq_add(&sum, &sum, &t);
        }
    if (o->balanced) {                              /* p of leaf 0 cancels the sum */
        fq_t t, pq;

        fq_inv(&t, &q[0]);
        fq_mul(&pq, &p[0], &t);
        fq_sub(&sum, &sum, &pq);
        fq_neg(&p[0], &sum);
        fq_mul(&p[0], &p[0], &q[0]);
    }
    CHECK(gkr_prove_layers(&gp) == 0);
    /* the root is the sum of the fractions */
    {
        fq_t t;

        fq_inv(&t, &gp.q[0][0]);
        fq_mul(&t, &t, &gp.p[0][0]);
        if (!o->balanced)
            CHECK(fq_eq(&t, &sum));
        else
            CHECK(fq_is_zero(&gp.p[0][0]));
    }
    CHECK(gkr_run(&gp) == 0);
    CHECK(gp.p[d] == NULL && gp.layers == NULL);
    for (b = 0; b < nb; b++) {
        mle_eval(&v[2 * b], p + s.offset[b], s.kappa[b], gkr_leaf_point(&gp, b));
        mle_eval(&v[2 * b + 1], q + s.offset[b], s.kappa[b], gkr_leaf_point(&gp, b));
    }
    CHECK(gkr_exchange_leaves(&gp, v, 2 * nb) == 0);
    for (b = 0; b < nb; b++) {
        tp_[b].id = gp.id_leaf + 2 * b;
        tp_[b].coef = FQ_ONE;
        tq[b].id = gp.id_leaf + 2 * b + 1;
        tq[b].coef = FQ_ONE;
        fp[b] = (linrel_form){&tp_[b], 1, {{0, 0, 0, 0}}};
        fq[b] = (linrel_form){&tq[b], 1, {{0, 0, 0, 0}}};
    }
    CHECK(gkr_relations(&gp, fp, fq) == 0);
    if (linrel_check(&lp, mask, &bad) == 1)
        broken = (int)bad;
    CHECK(linrel_prove(&lp, &tp, &rng, mask, &bM, &pf) == 0);
    codec_put_ipa(&w, &pf);

    /* the verifier */
    codec_reader_init(&r, w.data, w.len);
    gkr_init(&gv, 0, &s, &tv, NULL, &r, &lv, NULL, NULL, 0, &x, 2 * nb, NULL);
    if (gkr_run(&gv) == 0 && gkr_exchange_leaves(&gv, NULL, 2 * nb) == 0 &&
        gkr_relations(&gv, fp, fq) == 0 && codec_get_ipa(&r, &pf, mlog) == 0)
        *verdict = linrel_verify(&lv, &tv, &pf, &why);
    else
        *verdict = 0;

    CHECK(codec_reader_finish(&r) == 0);
    if (o->bytes != NULL) {
        *o->bytes = malloc(w.len);
        if (*o->bytes != NULL)
            memcpy(*o->bytes, w.data, w.len);
        *o->len = w.len;
    }

    gkr_free(&gp);
    gkr_free(&gv);
    linrel_clear(&lp);
    linrel_clear(&lv);
    codec_writer_free(&w);
    drbg_clear(&rng);
    drbg_clear(&lrng);
    free(mask);
    free(leaves);
    free(sv);
    gkr_shape_free(&s);
    return broken;
}

UNIT_TEST(logup_gkr_tree_proves_a_zero_sum)
{
    int verdict;

    CHECK(tree_case(&(tree_opts){.kappa = KAPPA, .nb = 5, .balanced = 1}, &verdict) == -1);
    CHECK(verdict == 1);
}

/* The smallest trees, where the leaves are read by layer 0 (d = 1) or by the one round
 * of layer 1 (d = 2), with and without padding leaves; a nonzero sum breaks G_0. */
UNIT_TEST(logup_gkr_smallest_trees)
{
    static const unsigned two[2] = {0, 0}, three[2] = {1, 0}, four[3] = {1, 0, 0};
    int verdict;

    /* d = 1 has no layer sumcheck, so no mask for the verifier's argument here: the
     * prover's relations only */
    CHECK(tree_case(&(tree_opts){.kappa = two, .nb = 2, .balanced = 1}, &verdict) == -1);
    CHECK(tree_case(&(tree_opts){.kappa = three, .nb = 2, .balanced = 1}, &verdict) == -1 &&
          verdict == 1);
    CHECK(tree_case(&(tree_opts){.kappa = four, .nb = 3, .balanced = 1}, &verdict) == -1 &&
          verdict == 1);
    CHECK(tree_case(&(tree_opts){.kappa = four, .nb = 3}, &verdict) == 0 && verdict == 0);
}

UNIT_TEST(logup_gkr_tree_rejects_a_nonzero_sum)
{
    int verdict;

    CHECK(tree_case(&(tree_opts){.kappa = KAPPA, .nb = 5}, &verdict) == 0);   /* G_0 */
    CHECK(verdict == 0);
}

/*
 * Blocks of small leaves (gkr_set_small_leaves) change the prover's work, never its
 * bytes: the same leaves told as small or not give the same proof, which verifies; with
 * the test hooks on (every X summed), with a value out of range (that chunk read from the
 * fill), over chunks and threads (2^15 leaves), and in the smallest trees.
 */
UNIT_TEST(logup_gkr_small_leaves_same_proof)
{
    static const unsigned big[5] = {15, 14, 3, 1, 14}, small3[3] = {2, 2, 1};
    static const gkr_hooks none = {0};
    const struct {
        const unsigned *kappa;
        size_t nb, bad;
        unsigned w[5];
        const gkr_hooks *hooks;
    } cases[] = {
        {KAPPA, 5, 0, {3, 0, 2, 1, 5}, NULL},       /* block 1 holds leaf 0: not small */
        {KAPPA, 5, 3, {3, 0, 2, 1, 5}, &none},
        {big, 5, 0, {0, 10, 3, 1, 11}, NULL},
        {big, 5, 5, {0, 10, 3, 1, 11}, &none},
        {small3, 3, 0, {0, 3, 1}, NULL},
    };
    size_t k;

    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t *b0 = NULL, *b1 = NULL;
        size_t l0 = 0, l1 = 0;
        int v0, v1;
        tree_opts o = {.kappa = cases[k].kappa, .nb = cases[k].nb, .balanced = 1,
                       .small_bad = cases[k].bad, .hooks = cases[k].hooks,
                       .bytes = &b0, .len = &l0};

        memcpy(o.small_w, cases[k].w, sizeof cases[k].w);
        CHECKF(tree_case(&o, &v0) == -1 && v0 == 1, "case %zu, told nothing", k);
        o.declare_small = 1;
        o.bytes = &b1;
        o.len = &l1;
        CHECKF(tree_case(&o, &v1) == -1 && v1 == 1, "case %zu, told the small leaves", k);
        CHECKF(b0 != NULL && b1 != NULL && l0 == l1 && memcmp(b0, b1, l0) == 0,
               "case %zu: the proofs differ", k);
        free(b0);
        free(b1);
    }
}
