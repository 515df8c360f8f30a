/*
 * msm.c: multi-scalar multiplication over Grumpkin (docs/protocol.md 2).
 *
 * Pippenger's bucket method:
 *   1. Every scalar is recoded into nwin signed digits of c bits, d in [-2^(c-1), 2^(c-1))
 *      (the top digit may reach +2^(c-1): it takes no carry out), so a window needs the
 *      2^(c-1) buckets of magnitudes 1 .. 2^(c-1).  Zero digits and identity points are
 *      skipped; a negative digit puts the negated point into the bucket.
 *   2. Each bucket's points are summed in affine coordinates (group_sums): the points of
 *      a window are grouped by bucket with a counting sort, then added in pairs, level
 *      by level.  The additions of a level are independent, so they share batched
 *      inversions (Montgomery's trick, one inversion per BATCH additions).  P + P (the
 *      tangent) and P + (-P) (the pair vanishes) are detected explicitly; an empty bucket
 *      is an empty group and costs nothing.
 *   3. A window's sum, sum_j j·S_j over the bucket sums S_j, comes from running sums.
 *      With many buckets, j - 1 = h·L + l is split first: sum_j j·S_j =
 *      L·sum_h h·A_h + sum_l (l+1)·B_l with A_h = sum_l S_{hL+l} and B_l = sum_h S_{hL+l}.
 *      A_h and B_l are again sums of affine points (step 2), and only the short running
 *      sums over h and l use projective additions, which cost about three batched
 *      affine ones.
 *   4. Windows are combined by Horner's rule, c doublings apart.
 * For a few points the batched inversions and the buckets cost more than they save:
 * there the cost model picks Straus's method (straus()) instead.
 *
 * Step 2 is the batch-affine accumulation of EdMSM (ePrint 2022/1396, 5.3) with the
 * conflict queue replaced by the sort: two additions into one bucket never share a
 * batch, so nothing is deferred, a bucket that receives many equal scalars costs
 * log2(count) levels instead of one batch per point, and narrow windows (few buckets)
 * batch as well as wide ones.  The number of affine additions is the same: n minus the
 * number of nonempty buckets, per window.
 *
 * Threads take (window, point chunk) tasks; a task's sum depends only on its inputs and
 * the tasks are combined in a fixed order, so the result does not depend on the
 * schedule.  Every thread owns its scratch; in parallel, nothing shared is written
 * except each task's own output slot.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <time.h>

#include <omp.h>

#include "msm.h"
#include "runtime.h"

/* Pending additions per batched inversion. */
#define BATCH 2048

/* How many level-0 entries ahead to prefetch their points. */
#define PREFETCH 16

/*
 * Groups are summed in blocks of about this many entries, all levels of a block before
 * the next, so that the level buffers stay in cache.
 */
#define BLOCK_ENTRIES 8192

/*
 * Below this many bucket entries (points times windows, about 3 ms of additions) an MSM
 * runs on one thread.  A parallel region costs more than small work saves, and on a
 * busy machine much more: every barrier waits for a thread the scheduler may have
 * parked (the IPA of a one-row proof ran five times slower with a threshold of 1024
 * points while other processes kept both cores busy).
 */
#define PARALLEL_MIN_ENTRIES 16384

/* Bucket entries per point of a full-size scalar, for the threshold before a window
 * width is chosen (255 bits in windows of about 8). */
#define FULL_ENTRIES_PER_POINT 32

/*
 * Arrays of HUGE_MIN bytes or more are rounded up to whole huge pages and advised as
 * such: an MSM touches MBs of fresh memory per call, and 4 KB page faults cost about
 * 3 ms per MB on the development machine (a virtual machine), huge pages 0.1 ms.
 */
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)256 << 10)

/* The largest point chunk of one task: level-0 entries 2i + sign are 32-bit. */
#define MAX_CHUNK ((size_t)1 << 30)

/* Windows with at least this many buckets use the split reduction of step 3. */
#define SPLIT_MIN_BUCKETS 256

/*
 * Costs in units of one batched affine addition (6 field multiplications, about 190 ns
 * on the development machine), measured: a complete projective addition (gep_add,
 * gep_add_ge) costs about 2.8 units, a doubling 2, a field inversion (fp_inv_vartime) 7,
 * and sorting one entry about 0.1.
 */
#define COST_PROJECTIVE 2.8
#define COST_DOUBLING 2.0
#define COST_INVERSION 7.0
#define COST_SORT 0.1

/* Threads the cost model simulates at most. */
#define MODEL_THREADS 64

/* Window of Straus's method, for few points: a table of 2^(c-1) multiples per point. */
#define STRAUS_WINDOW 4

/* An affine point that is never the identity; 64 bytes, one cache line when aligned. */
typedef struct { fp_t x, y; } aff_t;

/* out = a + b, waiting for the inverse of its denominator. */
typedef struct {
    const aff_t *a, *b;
    aff_t *out;
    int dbl;                /* a = b: tangent instead of chord */
} pair_add;

/* Per-thread scratch for the windows of one chunk of points. */
typedef struct {
    unsigned c;             /* the window width it was made for ... */
    size_t len;             /* ... and the longest chunk */
    uint32_t nbuckets;      /* 2^(c-1) */
    unsigned split;         /* log2 L of step 3, 0 for a plain running sum */
    /* groups at level 0: count[g] entries sorted[start[g] ...], indices into a base array */
    uint32_t *count, *start, *sorted;
    /* groups that still hold two entries or more, in the current level buffer */
    uint32_t *act_group, *act_start, *act_count;
    aff_t *level[2];        /* partial sums, alternating between levels */
    size_t level_cap;       /* entries of each level buffer */
    aff_t *fin;             /* the nonempty bucket sums ... */
    uint32_t *fin_group;    /* ... and their buckets */
    aff_t *gsum;            /* the nonempty A_h, B_l of step 3 ... */
    uint32_t *gsum_group;   /* ... and their groups: h, or H + l */
    const aff_t **dense;    /* group -> its sum or NULL, for the running sums */
    pair_add *pending;      /* the current batch */
    fp_t *den, *prefix;     /* its denominators and their prefix products */
    size_t npending;
} bucket_scratch;

/* ---- scratch ---- */

static void
scratch_free(bucket_scratch *s)
{
    if (s == NULL)
        return;
    free(s->count);
    free(s->start);
    free(s->sorted);
    free(s->act_group);
    free(s->act_start);
    free(s->act_count);
    free(s->level[0]);
    free(s->level[1]);
    free(s->fin);
    free(s->fin_group);
    free(s->gsum);
    free(s->gsum_group);
    free(s->dense);
    free(s->pending);
    free(s->den);
    free(s->prefix);
    free(s);
}

/* An array of n elements of the given size, aligned to cache lines; NULL if out of memory. */
static void *
array_alloc(size_t n, size_t size)
{
    size_t bytes, align = 64;
    void *p;

    if (size != 0 && n > (SIZE_MAX - HUGE_PAGE) / size)
        return NULL;
    bytes = n * size;
    if (bytes >= HUGE_MIN)
        align = HUGE_PAGE;
    bytes = (bytes + align - 1) & ~(align - 1);
    p = aligned_alloc(align, bytes == 0 ? align : bytes);
#ifdef MADV_HUGEPAGE
    if (p != NULL && align == HUGE_PAGE)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static size_t
max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

/*
 * Scratch for windows of c bits over chunks of at most len points; NULL if out of memory.
 * The level buffers and the batch (the larger part, the same for every c) are taken
 * over from old when given, which is freed: the rows of a commitment change c from one
 * row to the next, and fresh level buffers are new pages to fault in.
 */
static bucket_scratch *
scratch_new(unsigned c, size_t len, bucket_scratch *old)
{
    bucket_scratch *s = calloc(1, sizeof *s);
    size_t nb = (size_t)1 << (c - 1), nfin = len < nb ? len : nb, ngroups, nsorted;

    if (s == NULL) {
        scratch_free(old);
        return NULL;
    }
    s->c = c;
    s->len = len;
    s->nbuckets = (uint32_t)nb;
    if (nb >= SPLIT_MIN_BUCKETS)
        s->split = (c - 1) / 2;
    /* Step 3 groups: H + L of them; a plain running sum looks up all nb buckets. */
    ngroups = s->split ? (nb >> s->split) + ((size_t)1 << s->split) : nb;
    nsorted = max_size(len, 2 * nfin) + 1;

    s->count = array_alloc(nb, sizeof *s->count);
    s->start = array_alloc(nb, sizeof *s->start);
    s->sorted = array_alloc(nsorted, sizeof *s->sorted);
    s->act_group = array_alloc(nb, sizeof *s->act_group);
    s->act_start = array_alloc(nb, sizeof *s->act_start);
    s->act_count = array_alloc(nb, sizeof *s->act_count);
    s->fin = array_alloc(nfin, sizeof(aff_t));
    s->fin_group = array_alloc(nfin + 1, sizeof *s->fin_group);
    s->gsum = array_alloc(ngroups, sizeof(aff_t));
    s->gsum_group = array_alloc(ngroups, sizeof *s->gsum_group);
    s->dense = array_alloc(ngroups, sizeof *s->dense);
    if (old != NULL) {
        s->level_cap = old->level_cap;
        s->level[0] = old->level[0];
        s->level[1] = old->level[1];
        s->pending = old->pending;
        s->den = old->den;
        s->prefix = old->prefix;
        old->level[0] = old->level[1] = NULL;
        old->pending = NULL;
        old->den = old->prefix = NULL;
        scratch_free(old);
    } else {
        s->level_cap = 2 * BLOCK_ENTRIES;
        s->level[0] = array_alloc(s->level_cap, sizeof(aff_t));
        s->level[1] = array_alloc(s->level_cap, sizeof(aff_t));
        s->pending = malloc(BATCH * sizeof *s->pending);
        s->den = malloc(BATCH * sizeof *s->den);
        s->prefix = malloc(BATCH * sizeof *s->prefix);
    }
    if (s->count == NULL || s->start == NULL || s->sorted == NULL || s->act_group == NULL ||
        s->act_start == NULL || s->act_count == NULL || s->level[0] == NULL ||
        s->level[1] == NULL || s->fin == NULL || s->fin_group == NULL || s->gsum == NULL ||
        s->gsum_group == NULL || s->dense == NULL || s->pending == NULL || s->den == NULL ||
        s->prefix == NULL) {
        scratch_free(s);
        return NULL;
    }
    return s;
}

/*
 * Each thread keeps the scratch of its last MSM: fresh scratch is a few MB of new pages
 * whose faults cost more than a small MSM itself.  It is kept as the thread's value of
 * a key whose destructor frees it when the thread exits: OpenMP's worker threads mostly
 * live as long as the process, but a team smaller than the one before retires the
 * threads it does not need.
 */
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static pthread_key_t scratch_key;
static int scratch_key_ok;

static void
scratch_destroy(void *s)
{
    scratch_free(s);
}

/*
 * pippenger()'s copy of the points with their negations, kept by the calling thread in
 * the same way up to POINTS_KEEP_MAX entries: a row of a commitment (4096 points, 512 KiB
 * on a huge page) would otherwise fault a fresh one in every row.
 */
#define POINTS_KEEP_MAX ((size_t)1 << 15)

typedef struct {
    aff_t *pts;
    size_t cap;                 /* entries: points and negations */
} points_buf;

static pthread_key_t points_key;

static void
points_destroy(void *b)
{
    if (b != NULL)
        free(((points_buf *)b)->pts);
    free(b);
}

static void
scratch_setup(void)
{
    scratch_key_ok = pthread_key_create(&scratch_key, scratch_destroy) == 0 &&
                     pthread_key_create(&points_key, points_destroy) == 0;
}

static int
scratch_key_ready(void)
{
    return pthread_once(&scratch_once, scratch_setup) == 0 && scratch_key_ok;
}

/* Scratch for (c, len): the kept one if it fits, else a new one. */
static bucket_scratch *
scratch_take(unsigned c, size_t len)
{
    bucket_scratch *s = NULL;

    if (scratch_key_ready()) {
        s = pthread_getspecific(scratch_key);
        (void)pthread_setspecific(scratch_key, NULL);   /* clearing a set value cannot fail */
    }
    if (s != NULL && s->c == c && s->len >= len)
        return s;
    return scratch_new(c, len, s);
}

/* A buffer of at least n entries: the thread's kept one if it fits; NULL if out of memory. */
static points_buf *
points_take(size_t n)
{
    points_buf *b = NULL;

    if (scratch_key_ready()) {
        b = pthread_getspecific(points_key);
        (void)pthread_setspecific(points_key, NULL);
    }
    if (b != NULL && b->cap >= n)
        return b;
    if (b == NULL && (b = calloc(1, sizeof *b)) == NULL)
        return NULL;
    free(b->pts);
    b->cap = n;
    if ((b->pts = array_alloc(n, sizeof(aff_t))) == NULL) {
        points_destroy(b);
        return NULL;
    }
    return b;
}

/* Keep b (from points_take) for this thread's next MSM if it is not too large. */
static void
points_keep(points_buf *b)
{
    if (b->cap > POINTS_KEEP_MAX || !scratch_key_ready() ||
        pthread_setspecific(points_key, b) != 0)
        points_destroy(b);
}

/* Keep s (taken by scratch_take, or NULL) for this thread's next MSM. */
static void
scratch_keep(bucket_scratch *s)
{
    if (s != NULL && (!scratch_key_ready() || pthread_setspecific(scratch_key, s) != 0))
        scratch_free(s);
}

/*
 * Level buffers for blocks of up to BLOCK_ENTRIES + largest entries: a block's level 1
 * holds at most as many sums as it has entries.  Returns 0 if out of memory.
 */
static int
scratch_reserve_levels(bucket_scratch *s, size_t largest)
{
    size_t need = BLOCK_ENTRIES + largest + 1;

    if (need <= s->level_cap)
        return 1;
    free(s->level[0]);
    free(s->level[1]);
    s->level[0] = array_alloc(need, sizeof(aff_t));
    s->level[1] = array_alloc(need, sizeof(aff_t));
    s->level_cap = s->level[0] != NULL && s->level[1] != NULL ? need : 0;
    return s->level_cap != 0;
}

/* ---- batched affine additions ---- */

/*
 * Chord or tangent: out = a + b given 1/(xb - xa), or 1/(2ya) when a = b.  Kept out of
 * line: inlined into the flush loop, GCC 12 spills the 128-bit limb arithmetic of
 * field.h heavily and the additions run about twice as slow.
 */
__attribute__((noinline)) static void
pair_finish(const pair_add *op, const fp_t *inv_den)
{
    const aff_t *a = op->a, *b = op->b;
    fp_t num, lambda, x3, t;

    if (op->dbl) {
        fp_sqr(&t, &a->x);
        fp_dbl(&num, &t);
        fp_add(&num, &num, &t);                 /* 3x^2 (a = 0) */
    } else {
        fp_sub(&num, &b->y, &a->y);
    }
    fp_mul(&lambda, &num, inv_den);
    fp_sqr(&x3, &lambda);
    fp_sub(&x3, &x3, &a->x);
    fp_sub(&x3, &x3, &b->x);                    /* xb = xa for a tangent */
    fp_sub(&t, &a->x, &x3);
    fp_mul(&t, &lambda, &t);
    fp_sub(&op->out->y, &t, &a->y);
    op->out->x = x3;
}

/*
 * Invert all pending denominators with one inversion (Montgomery's trick, in place),
 * then complete the additions.  Two separate loops: the inversion is one dependent
 * chain, the additions are independent of each other.
 */
static void
pending_flush(bucket_scratch *s)
{
    size_t i, n = s->npending;
    fp_t inv, inv_i;

    if (n == 0)
        return;
    s->prefix[0] = s->den[0];
    for (i = 1; i < n; i++)
        fp_mul(&s->prefix[i], &s->prefix[i - 1], &s->den[i]);
    fp_inv_vartime(&inv, &s->prefix[n - 1]);  /* never 0: every denominator is nonzero */
    for (i = n - 1; i > 0; i--) {
        fp_mul(&inv_i, &inv, &s->prefix[i - 1]);
        fp_mul(&inv, &inv, &s->den[i]);       /* now 1/(den[0]..den[i-1]) */
        s->den[i] = inv_i;
    }
    s->den[0] = inv;
    for (i = 0; i < n; i++)
        pair_finish(&s->pending[i], &s->den[i]);
    s->npending = 0;
}

/*
 * Schedule out = a + b.  Returns 0, scheduling nothing, when b = -a (the pair vanishes).
 * The denominator is never 0: for a = b it is 2y, and no Grumpkin point has y = 0.
 */
static inline int
pair_schedule(bucket_scratch *s, const aff_t *a, const aff_t *b, aff_t *out)
{
    pair_add *op = &s->pending[s->npending];
    fp_t *den = &s->den[s->npending];

    if (!fp_eq(&a->x, &b->x)) {
        fp_sub(den, &b->x, &a->x);
        op->dbl = 0;
    } else {
        if (!fp_eq(&a->y, &b->y))
            return 0;
        fp_dbl(den, &a->y);
        op->dbl = 1;
    }
    op->a = a;
    op->b = b;
    op->out = out;
    if (++s->npending == BATCH)
        pending_flush(s);
    return 1;
}

/* ---- summing groups of affine points ---- */

/*
 * After a level: groups left with one entry move to out, groups whose entries all
 * cancelled are dropped, the others stay active.  Returns the number still active.
 */
static size_t
settle_level(bucket_scratch *s, size_t nact, const aff_t *buf,
             aff_t *out, uint32_t *out_group, size_t *nout)
{
    size_t k, kept = 0;

    for (k = 0; k < nact; k++) {
        uint32_t n = s->act_count[k];

        if (n == 1) {
            out[*nout] = buf[s->act_start[k]];
            out_group[(*nout)++] = s->act_group[k];
        } else if (n > 1) {
            s->act_group[kept] = s->act_group[k];
            s->act_start[kept] = s->act_start[k];
            s->act_count[kept] = n;
            kept++;
        }
    }
    return kept;
}

/*
 * The levels after the first for the nact active groups in buffer `cur`: pairs of one
 * level go into the other buffer, until every group is settled into out.
 */
static void
sum_levels(bucket_scratch *s, size_t nact, int cur, aff_t *out, uint32_t *out_group,
           size_t *nout)
{
    while (nact > 0) {
        const aff_t *src = s->level[cur];
        aff_t *dst = s->level[cur ^ 1];
        uint32_t pos = 0;
        size_t k;

        for (k = 0; k < nact; k++) {
            uint32_t n = s->act_count[k], first = s->act_start[k], begin = pos, j;

            for (j = 0; j + 1 < n; j += 2)
                if (pair_schedule(s, &src[first + j], &src[first + j + 1], &dst[pos]))
                    pos++;
            if (n & 1)
                dst[pos++] = src[first + n - 1];
            s->act_start[k] = begin;
            s->act_count[k] = pos - begin;
        }
        pending_flush(s);
        nact = settle_level(s, nact, dst, out, out_group, nout);
        cur ^= 1;
    }
}

/*
 * Sum every group of points.  Group g has count[g] entries sorted[start[g] ...], indices
 * into base.  For every group whose sum is not the identity, writes (sum, g) to
 * out/out_group; returns how many.  The level buffers must hold BLOCK_ENTRIES plus the
 * largest group's entries (scratch_reserve_levels).
 */
static size_t
group_sums(bucket_scratch *s, const aff_t *base, uint32_t ngroups, size_t nsorted,
           aff_t *out, uint32_t *out_group)
{
    const uint32_t *sorted = s->sorted;
    aff_t *dst = s->level[0];
    size_t nout = 0;
    uint32_t g = 0;

    while (g < ngroups) {
        size_t nact = 0, entries = 0;
        uint32_t pos = 0;

        /* level 0 of one block: from base through the sorted list */
        for (; g < ngroups && entries < BLOCK_ENTRIES; g++) {
            uint32_t n = s->count[g], first = s->start[g], begin = pos, j;

            if (n == 0)
                continue;
            if (n == 1) {
                out[nout] = base[sorted[first]];
                out_group[nout++] = g;
                continue;
            }
            entries += n;
            for (j = 0; j + 1 < n; j += 2) {
                if (first + j + PREFETCH + 1 < nsorted) {
                    __builtin_prefetch(&base[sorted[first + j + PREFETCH]]);
                    __builtin_prefetch(&base[sorted[first + j + PREFETCH + 1]]);
                }
                if (pair_schedule(s, &base[sorted[first + j]], &base[sorted[first + j + 1]],
                                  &dst[pos]))
                    pos++;
            }
            if (n & 1)
                dst[pos++] = base[sorted[first + n - 1]];
            s->act_group[nact] = g;
            s->act_start[nact] = begin;
            s->act_count[nact] = pos - begin;
            nact++;
        }
        pending_flush(s);
        nact = settle_level(s, nact, dst, out, out_group, &nout);
        sum_levels(s, nact, 0, out, out_group, &nout);
    }
    return nout;
}

/* Turn count[0 .. ngroups) into start[] (each group's end, filled downwards by the caller). */
static void
counts_to_ends(bucket_scratch *s, uint32_t ngroups)
{
    uint32_t g, end = 0;

    for (g = 0; g < ngroups; g++) {
        end += s->count[g];
        s->start[g] = end;
    }
}

static inline uint32_t
digit_bucket(int32_t d)
{
    return (uint32_t)(d < 0 ? -d : d) - 1;
}

/*
 * Level 0 of a window: the nonzero digits grouped by bucket, as indices 2i (P_i) or
 * 2i + 1 (-P_i) into the signed points.  Returns the entry count; *largest is the
 * largest bucket's.
 */
static size_t
sort_digits(bucket_scratch *s, const int32_t *digit, size_t len, size_t *largest)
{
    size_t i, total = 0;
    uint32_t b;

    memset(s->count, 0, s->nbuckets * sizeof *s->count);
    for (i = 0; i < len; i++)
        if (digit[i] != 0) {
            s->count[digit_bucket(digit[i])]++;
            total++;
        }
    *largest = 0;
    for (b = 0; b < s->nbuckets; b++)
        if (s->count[b] > *largest)
            *largest = s->count[b];
    counts_to_ends(s, s->nbuckets);
    for (i = len; i-- > 0;) {
        int32_t d = digit[i];

        if (d != 0)
            s->sorted[--s->start[digit_bucket(d)]] = (uint32_t)i << 1 | (uint32_t)(d < 0);
    }
    return total;
}

/* ---- window sums ---- */

/* r = sum_{i < n} (i+1)·D_i by running sums; D_i = dense[i] or the identity if NULL. */
static void
weighted_sum(gep_t *r, const aff_t *const *dense, uint32_t n)
{
    gep_t running;
    uint32_t i = n;

    while (i > 0 && dense[i - 1] == NULL)
        i--;
    gep_set_infinity(&running);
    gep_set_infinity(r);
    while (i-- > 0) {
        if (dense[i] != NULL) {
            ge_t a;

            a.x = dense[i]->x;
            a.y = dense[i]->y;
            a.infinity = 0;
            gep_add_ge(&running, &running, &a);
        }
        gep_add(r, r, &running);
    }
}

/* r = sum_b (b+1)·S_b over the bucket sums fin[0 .. nfin), plain running sums. */
static void
reduce_plain(gep_t *r, bucket_scratch *s, size_t nfin)
{
    size_t k;

    memset(s->dense, 0, s->nbuckets * sizeof *s->dense);
    for (k = 0; k < nfin; k++)
        s->dense[s->fin_group[k]] = &s->fin[k];
    weighted_sum(r, s->dense, s->nbuckets);
}

/*
 * r = sum_b (b+1)·S_b by the split of step 3: bucket b = h·L + l goes into group h (A_h)
 * and into group H + l (B_l); then r = L·sum_h h·A_h + sum_l (l+1)·B_l.  Returns 0 if
 * out of memory.
 */
static int
reduce_split(gep_t *r, bucket_scratch *s, size_t nfin)
{
    uint32_t L = (uint32_t)1 << s->split, H = s->nbuckets >> s->split, g;
    size_t k, nsum, largest = 0;
    gep_t low;

    memset(s->count, 0, (H + L) * sizeof *s->count);
    for (k = 0; k < nfin; k++) {
        s->count[s->fin_group[k] >> s->split]++;
        s->count[H + (s->fin_group[k] & (L - 1))]++;
    }
    for (g = 0; g < H + L; g++)
        if (s->count[g] > largest)
            largest = s->count[g];
    if (!scratch_reserve_levels(s, largest))
        return 0;
    counts_to_ends(s, H + L);
    for (k = nfin; k-- > 0;) {
        s->sorted[--s->start[s->fin_group[k] >> s->split]] = (uint32_t)k;
        s->sorted[--s->start[H + (s->fin_group[k] & (L - 1))]] = (uint32_t)k;
    }
    nsum = group_sums(s, s->fin, H + L, 2 * nfin, s->gsum, s->gsum_group);

    memset(s->dense, 0, (H + L) * sizeof *s->dense);
    for (k = 0; k < nsum; k++)
        s->dense[s->gsum_group[k]] = &s->gsum[k];
    weighted_sum(r, s->dense + 1, H - 1);           /* sum_{h >= 1} h·A_h */
    for (g = 0; g < s->split && !gep_is_infinity(r); g++)
        gep_dbl(r, r);
    weighted_sum(&low, s->dense + H, L);            /* sum_l (l+1)·B_l */
    gep_add(r, r, &low);
    return 1;
}

/*
 * r = sum_i digit[i]·P_i for one window of one chunk, signed_pts[2i + neg] being
 * (-1)^neg·P_i.  Returns 0 if out of memory.
 */
static int
window_sum(gep_t *r, bucket_scratch *s, const aff_t *signed_pts, const int32_t *digit,
           size_t len)
{
    size_t nfin, largest, nsorted = sort_digits(s, digit, len, &largest);

    if (!scratch_reserve_levels(s, largest))
        return 0;
    nfin = group_sums(s, signed_pts, s->nbuckets, nsorted, s->fin, s->fin_group);
    if (s->split)
        return reduce_split(r, s, nfin);
    reduce_plain(r, s, nfin);
    return 1;
}

/* ---- the driver ---- */

/* Threads worth using for work of `entries` bucket entries (at least 1). */
static int
useful_threads(int threads, size_t entries)
{
    return threads < 1 || entries < PARALLEL_MIN_ENTRIES ? 1 : threads;
}

/*
 * Point chunks per window: enough that no chunk exceeds MAX_CHUNK, and, with fewer
 * windows than threads (small scalars), enough to give every thread a task.
 */
static size_t
task_chunks(size_t n, unsigned nwin, int threads)
{
    size_t nchunks = (n + MAX_CHUNK - 1) / MAX_CHUNK;

    if (threads > 1 && (size_t)threads > nwin && n >= 4096) {
        size_t want = ((size_t)threads + nwin - 1) / nwin;

        if (want > nchunks)
            nchunks = want;
    }
    return nchunks == 0 ? 1 : nchunks;
}

/*
 * r = sum_w 2^(c·w) · sum_i digits[w·n + i]·P_i, pts[2i + neg] being (-1)^neg·P_i.
 * digits holds nwin rows of n signed digits of c bits (|d| <= 2^(c-1)), zero for
 * skipped points; the points of zero digits are never read.
 */
static int
pippenger_signed(gep_t *r, const aff_t *pts, const int32_t *digits, size_t n,
                 unsigned c, unsigned nwin, int threads)
{
    int nthreads = useful_threads(threads, n * nwin), rc = 0;
    size_t nchunks = task_chunks(n, nwin, nthreads), chunk, ntasks, t, w, j;
    gep_t *part;
    unsigned char *failed;

    chunk = (n + nchunks - 1) / nchunks;
    ntasks = nwin * nchunks;
    if ((size_t)nthreads > ntasks)
        nthreads = (int)ntasks;
    part = malloc(ntasks * sizeof *part);
    failed = calloc(ntasks, 1);
    if (part == NULL || failed == NULL) {
        free(part);
        free(failed);
        return 1;
    }

#pragma omp parallel num_threads(nthreads)
    {
        bucket_scratch *s = scratch_take(c, chunk);
        size_t task;

#pragma omp for schedule(dynamic, 1)
        for (task = 0; task < ntasks; task++) {
            size_t win = task / nchunks, lo = (task % nchunks) * chunk;
            size_t len = n - lo < chunk ? n - lo : chunk;

            if (s == NULL ||
                !window_sum(&part[task], s, pts + 2 * lo, digits + win * n + lo, len))
                failed[task] = 1;
        }
        scratch_keep(s);
    }

    gep_set_infinity(r);
    for (t = 0; t < ntasks; t++)
        rc |= failed[t];
    for (w = nwin; rc == 0 && w-- > 0;) {
        if (!gep_is_infinity(r))
            for (j = 0; j < c; j++)
                gep_dbl(r, r);
        for (t = w * nchunks; t < (w + 1) * nchunks; t++)
            gep_add(r, r, &part[t]);
    }
    free(part);
    free(failed);
    return rc;
}

/* pippenger_signed over P: every point and its negation, one cache line each. */
static int
pippenger(gep_t *r, const ge_t *P, const int32_t *digits, size_t n,
          unsigned c, unsigned nwin, int threads)
{
    int nthreads = useful_threads(threads, n * nwin), rc;
    ptrdiff_t i, sn = (ptrdiff_t)n;
    points_buf *buf = n <= SIZE_MAX / 2 ? points_take(2 * n) : NULL;
    aff_t *pts;

    if (buf == NULL)
        return 1;
    pts = buf->pts;
    /* Identity points have only zero digits and are never read. */
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (i = 0; i < sn; i++) {
        pts[2 * i].x = pts[2 * i + 1].x = P[i].x;
        pts[2 * i].y = P[i].y;
        fp_neg(&pts[2 * i + 1].y, &P[i].y);
    }
    rc = pippenger_signed(r, pts, digits, n, c, nwin, nthreads);
    points_keep(buf);
    return rc;
}

/*
 * The same sum by Straus's method, for a few points: a table of the multiples
 * 1 .. 2^(c-1) of each point, then one chain of doublings shared by all points.
 * Complete projective formulas throughout: no exceptional case and no inversion, which
 * for a few points cost more than they save.  Returns nonzero if out of memory.
 */
static int
straus(gep_t *r, const ge_t *P, const int32_t *digits, size_t n, unsigned c, unsigned nwin)
{
    size_t half = (size_t)1 << (c - 1), i, j;
    gep_t *table, neg;
    unsigned w;

    if (n > SIZE_MAX / sizeof(gep_t) / half)
        return 1;
    table = malloc(n * half * sizeof *table);
    if (table == NULL)
        return 1;
    for (i = 0; i < n; i++) {
        gep_set_ge(&table[i * half], &P[i]);
        for (j = 1; j < half; j++)
            gep_add_ge(&table[i * half + j], &table[i * half + j - 1], &P[i]);
    }
    gep_set_infinity(r);
    for (w = nwin; w-- > 0;) {
        if (!gep_is_infinity(r))
            for (j = 0; j < c; j++)
                gep_dbl(r, r);
        for (i = 0; i < n; i++) {
            int32_t d = digits[w * n + i];

            if (d > 0) {
                gep_add(r, r, &table[i * half + (size_t)d - 1]);
            } else if (d < 0) {
                gep_neg(&neg, &table[i * half + (size_t)-d - 1]);
                gep_add(r, r, &neg);
            }
        }
    }
    free(table);
    return 0;
}

/* ---- window choice and recoding ---- */

static unsigned
bit_length(uint64_t v)
{
    return v == 0 ? 0 : 64 - (unsigned)__builtin_clzll(v);
}

static unsigned
windows_for(unsigned bits, unsigned c)
{
    return (bits + c - 1) / c;
}

/* x^e by squaring. */
static double
pow_u64(double x, uint64_t e)
{
    double r = 1.0;

    for (; e != 0; e >>= 1, x *= x)
        if (e & 1)
            r *= x;
    return r;
}

/* Expected number of nonempty groups when n entries fall uniformly into ng groups. */
static double
expected_nonempty(double n, double ng)
{
    return ng * (1.0 - pow_u64(1.0 - 1.0 / ng, (uint64_t)n));
}

/* Estimated cost of summing n entries into ng groups: additions and inversions. */
static double
group_sums_cost(double n, double ng)
{
    double adds = n - expected_nonempty(n, ng);
    double levels = bit_length((uint64_t)(n / ng)) + 1;
    double blocks = n / BLOCK_ENTRIES + 1;

    return adds + COST_INVERSION * (adds / BATCH + levels * blocks);
}

/* Estimated cost of one window of nb buckets over n nonzero digits (scratch of c bits). */
static double
window_cost(double n, double nb, unsigned c)
{
    double cost = COST_SORT * (n + nb) + group_sums_cost(n, nb);
    unsigned split = (c - 1) / 2;

    if (((size_t)1 << (c - 1)) < SPLIT_MIN_BUCKETS) {
        cost += 2 * COST_PROJECTIVE * nb;
    } else {
        double ng = (double)((size_t)1 << split) + (double)((size_t)1 << (c - 1 - split));

        cost += group_sums_cost(2 * expected_nonempty(n, nb), ng) + 2 * COST_PROJECTIVE * ng;
    }
    return cost;
}

/*
 * Estimated time of an MSM of n nonzero terms whose digits need `bits` bits (sign
 * included), with windows of c bits and the task grid of pippenger() on `threads`
 * threads: the tasks go in order to the least loaded thread, as with a dynamic schedule.
 */
static double
msm_cost(size_t n, unsigned bits, unsigned c, int threads)
{
    unsigned nwin = windows_for(bits, c), w;
    size_t nchunks = task_chunks(n, nwin, threads), ch;
    double load[MODEL_THREADS] = {0}, wall = 0;
    int t, nt = threads < 1 ? 1 : threads > MODEL_THREADS ? MODEL_THREADS : threads;

    for (w = 0; w < nwin; w++) {
        unsigned wbits = bits - w * c < c ? bits - w * c : c;
        double task = window_cost((double)n / (double)nchunks,
                                  (double)((size_t)1 << (wbits - 1)), c);

        for (ch = 0; ch < nchunks; ch++) {
            int least = 0;

            for (t = 1; t < nt; t++)
                if (load[t] < load[least])
                    least = t;
            load[least] += task;
        }
    }
    for (t = 0; t < nt; t++)
        if (load[t] > wall)
            wall = load[t];
    return wall + COST_DOUBLING * c * (nwin - 1);
}

/* Estimated cost of Straus's method: the tables, the doublings and one addition per digit. */
static double
straus_cost(size_t n, unsigned bits)
{
    double adds = (double)windows_for(bits, STRAUS_WINDOW) + (1 << (STRAUS_WINDOW - 1)) - 1;

    return COST_DOUBLING * bits + COST_PROJECTIVE * (double)n * adds;
}

/* The cheapest window width for Pippenger's method, and its estimated cost. */
static unsigned
choose_window(size_t n, unsigned bits, int threads, double *cost_out)
{
    unsigned c, best = 1;
    double best_cost = msm_cost(n, bits, 1, threads);

    for (c = 2; c <= MSM_MAX_WINDOW; c++) {
        double cost = msm_cost(n, bits, c, threads);

        if (cost < best_cost) {
            best_cost = cost;
            best = c;
        }
    }
    if (cost_out != NULL)
        *cost_out = best_cost;
    return best;
}

/*
 * The method for n nonzero terms of `bits` bits (sign included): the window width of
 * Pippenger's method, or 0 for Straus's.
 */
static unsigned
choose_method(size_t n, unsigned bits, int threads)
{
    double pippenger_cost;
    unsigned c = choose_window(n, bits, threads, &pippenger_cost);

    return straus_cost(n, bits) < pippenger_cost ? 0 : c;
}

unsigned
msm_window_bits(size_t n, unsigned scalar_bits, int threads)
{
    return choose_window(n == 0 ? 1 : n, scalar_bits + 1,
                         useful_threads(threads, n * FULL_ENTRIES_PER_POINT), NULL);
}

/*
 * Signed digits of a nonnegative k with bit_length(k) < nwin·c <= 256, written stride
 * apart.  A digit >= 2^(c-1) becomes d - 2^c and carries 1; the top digit keeps its
 * carry (it is at most 2^(c-1), since the top window holds fewer than c bits of k).
 */
static void
recode_limbs(int32_t *digit, size_t stride, const uint64_t k[4], unsigned c, unsigned nwin)
{
    const uint64_t e[5] = {k[0], k[1], k[2], k[3], 0};   /* a zero limb above */
    const uint64_t mask = ((uint64_t)1 << c) - 1;
    int32_t half = (int32_t)1 << (c - 1), carry = 0;
    unsigned w;

    for (w = 0; w < nwin; w++) {
        unsigned pos = w * c;
        zk_u128 two = (zk_u128)e[pos / 64 + 1] << 64 | e[pos / 64];
        int32_t d = (int32_t)((uint64_t)(two >> (pos % 64)) & mask) + carry;

        carry = w + 1 < nwin && d >= half;
        if (carry)
            d -= 2 * half;
        digit[w * stride] = d;
    }
}

/*
 * Signed digits of v, |v| < 2^(nwin·c - 1), written stride apart.  The top digit is
 * what remains, of magnitude at most 2^(c-1).
 */
static void
recode_small(int32_t *digit, size_t stride, int32_t v, unsigned c, unsigned nwin)
{
    int64_t k = v, full = (int64_t)1 << c;
    unsigned w;

    for (w = 0; w + 1 < nwin; w++) {
        int64_t d = (int64_t)((uint64_t)k & (uint64_t)(full - 1));

        if (d >= full / 2)
            d -= full;
        digit[w * stride] = (int32_t)d;
        k = (k - d) / full;             /* exact */
    }
    digit[w * stride] = (int32_t)k;
}

/* nwin rows of n digits, or NULL (also when the size overflows). */
static int32_t *
digits_alloc(size_t n, unsigned nwin)
{
    if (n > SIZE_MAX / nwin)
        return NULL;
    return array_alloc(n * nwin, sizeof(int32_t));
}

/* ---- time accounting (benchmarks) ---- */

static double msm_total_seconds;
static int msm_depth;           /* open accounts on the main thread */

static double
clock_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double
msm_clock_begin(void)
{
    if (omp_in_parallel())
        return -1.0;
    return msm_depth++ == 0 ? clock_seconds() : -1.0;
}

void
msm_clock_end(double start)
{
    if (omp_in_parallel())
        return;
    msm_depth--;
    if (start >= 0)
        msm_total_seconds += clock_seconds() - start;
}

double
msm_seconds(void)
{
    return msm_total_seconds;
}

/* ---- fixed bases ---- */

/*
 * With the multiples 2^(c·w)·P_i stored, sum_i k_i·P_i = sum_(i,w) d_(i,w)·(2^(c·w)·P_i)
 * is one window of Pippenger's method over n·nwin points: no doublings, one bucket
 * reduction for all windows, and batches of inversions as full as a large MSM's, even
 * for a few hundred bases.
 */
struct msm_fixed_table {
    size_t n;               /* bases */
    unsigned c, nwin;       /* window bits; windows of a 255-bit signed scalar */
    aff_t *pts;             /* entry (i, w) at 2·(i·nwin + w) + neg: (-1)^neg·2^(c·w)·P_i */
};

/* Full scalars need 255 bits with the sign of the digits. */
#define FIXED_BITS 255u

/* The window width for tables of n bases: the cheapest single window over n·nwin. */
static unsigned
fixed_window(size_t n)
{
    unsigned c, best = 4;
    double best_cost = 0;

    for (c = 4; c <= 16; c++) {
        double entries = (double)n * windows_for(FIXED_BITS, c);
        double cost = window_cost(entries, (double)((size_t)1 << (c - 1)), c);

        if (c == 4 || cost < best_cost) {
            best_cost = cost;
            best = c;
        }
    }
    return best;
}

/* Points per batch of the table's affine conversion (one inversion per batch). */
#define FIXED_BUILD_CHUNK 32

int
msm_fixed_build(msm_fixed_table **out, const ge_t *P, size_t n, int threads)
{
    msm_fixed_table *t;
    ptrdiff_t b, nb;
    size_t i;
    int failed = 0, nthreads;

    *out = NULL;
    for (i = 0; i < n; i++)
        if (P[i].infinity)
            return 1;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return 1;
    t->n = n;
    t->c = fixed_window(n);
    t->nwin = windows_for(FIXED_BITS, t->c);
    t->pts = n <= SIZE_MAX / 2 / t->nwin ? array_alloc(2 * n * t->nwin, sizeof(aff_t)) : NULL;
    if (t->pts == NULL) {
        free(t);
        return 1;
    }
    nb = (ptrdiff_t)((n + FIXED_BUILD_CHUNK - 1) / FIXED_BUILD_CHUNK);
    nthreads = useful_threads(threads, n * t->nwin);
    if (nthreads > nb)
        nthreads = (int)nb;
#pragma omp parallel num_threads(nthreads > 0 ? nthreads : 1) reduction(|:failed)
    {
        gep_t *proj = malloc(FIXED_BUILD_CHUNK * t->nwin * sizeof *proj);
        ge_t *aff = malloc(FIXED_BUILD_CHUNK * t->nwin * sizeof *aff);

#pragma omp for schedule(dynamic, 1)
        for (b = 0; b < nb; b++) {
            size_t lo = (size_t)b * FIXED_BUILD_CHUNK, len, j, m;
            unsigned w, d;

            if (proj == NULL || aff == NULL || zkml_interrupted_in_region()) {
                failed = 1;
                continue;
            }
            len = n - lo < FIXED_BUILD_CHUNK ? n - lo : FIXED_BUILD_CHUNK;
            for (j = 0; j < len; j++) {
                gep_t q;

                gep_set_ge(&q, &P[lo + j]);
                for (w = 0; w < t->nwin; w++) {
                    proj[j * t->nwin + w] = q;
                    for (d = 0; d < t->c && w + 1 < t->nwin; d++)
                        gep_dbl(&q, &q);
                }
            }
            ge_set_gep_batch(aff, proj, len * t->nwin);
            for (m = 0; m < len * t->nwin; m++) {
                aff_t *e = &t->pts[2 * (lo * t->nwin + m)];

                e[0].x = e[1].x = aff[m].x;
                e[0].y = aff[m].y;
                fp_neg(&e[1].y, &aff[m].y);
            }
        }
        free(proj);
        free(aff);
    }
    if (failed) {
        msm_fixed_free(t);
        return 1;
    }
    *out = t;
    return 0;
}

void
msm_fixed_free(msm_fixed_table *t)
{
    if (t == NULL)
        return;
    free(t->pts);
    free(t);
}

size_t
msm_fixed_size(const msm_fixed_table *t)
{
    return t->n;
}

static int msm_fixed_run(gep_t *r, const msm_fixed_table *t, const fq_t *k, size_t n,
                         int threads);

int
msm_fixed(gep_t *r, const msm_fixed_table *t, const fq_t *k, size_t n, int threads)
{
    double t0 = msm_clock_begin();
    int rc = msm_fixed_run(r, t, k, n, threads);

    msm_clock_end(t0);
    return rc;
}

static int
msm_fixed_run(gep_t *r, const msm_fixed_table *t, const fq_t *k, size_t n, int threads)
{
    int32_t *digits;
    size_t nnz = 0;
    ptrdiff_t i, sn = (ptrdiff_t)n;
    int nthreads = useful_threads(threads, n * t->nwin);

    gep_set_infinity(r);
    if (n > t->n)
        return 1;
    if (n == 0)
        return 0;
    digits = digits_alloc(n, t->nwin);
    if (digits == NULL)
        return 1;
#pragma omp parallel for num_threads(nthreads) schedule(static) reduction(+ : nnz)
    for (i = 0; i < sn; i++) {
        uint64_t limbs[4];

        fq_to_limbs(limbs, &k[i]);
        nnz += (limbs[0] | limbs[1] | limbs[2] | limbs[3]) != 0;
        recode_limbs(digits + (size_t)i * t->nwin, 1, limbs, t->c, t->nwin);
    }
    i = nnz == 0 ? 0 : pippenger_signed(r, t->pts, digits, n * t->nwin, t->c, 1, nthreads);
    free(digits);
    return (int)i;
}

int
msm_fixed_strided(gep_t *out, const msm_fixed_table *t, const fq_t *k, size_t nt, size_t m,
                  int threads)
{
    double t0 = msm_clock_begin();
    const size_t per = nt * t->nwin;
    int32_t *digits;
    ptrdiff_t i, o;
    int failed = 0, nthreads = useful_threads(threads, m * per);

    if (m == 0 || nt == 0 || nt > t->n / m)
        return 1;
    if (nthreads > (int)m)
        nthreads = (int)m;
    digits = digits_alloc(nt, t->nwin);
    if (digits == NULL)
        return 1;
    for (i = 0; i < (ptrdiff_t)nt; i++) {
        uint64_t limbs[4];

        fq_to_limbs(limbs, &k[i]);
        recode_limbs(digits + (size_t)i * t->nwin, 1, limbs, t->c, t->nwin);
    }
#pragma omp parallel num_threads(nthreads) reduction(| : failed)
    {
        aff_t *pts = array_alloc(2 * per, sizeof(aff_t));   /* output o's multiples */

#pragma omp for schedule(dynamic, 1)
        for (o = 0; o < (ptrdiff_t)m; o++) {
            size_t j;

            if (pts == NULL) {
                failed = 1;
                continue;
            }
            for (j = 0; j < nt; j++)
                memcpy(pts + 2 * j * t->nwin, t->pts + 2 * (((size_t)o + m * j) * t->nwin),
                       2 * t->nwin * sizeof(aff_t));
            failed |= pippenger_signed(&out[o], pts, digits, per, t->c, 1, 1);
        }
        free(pts);
    }
    free(digits);
    msm_clock_end(t0);
    return failed;
}

/* ---- the API ---- */

/*
 * Signed digits in nwin rows, then the sum by Straus's method (c = 0 on entry: chosen
 * by cost) or Pippenger's.  Frees digits.
 */
static int
sum_digits(gep_t *r, const ge_t *P, int32_t *digits, size_t n, unsigned c, unsigned nwin,
           int straus_method, int threads)
{
    int rc = straus_method ? straus(r, P, digits, n, c, nwin)
                           : pippenger(r, P, digits, n, c, nwin, threads);

    free(digits);
    return rc;
}

/* msm with Pippenger's window width c, or the cheaper method when c = 0. */
static int
msm_full(gep_t *r, const ge_t *P, const fq_t *k, size_t n, int threads, unsigned c)
{
    uint64_t (*limbs)[4];
    int32_t *digits;
    size_t nnz = 0;
    unsigned bits = 0, nwin;
    int straus_method = 0;
    ptrdiff_t i, sn = (ptrdiff_t)n;
    int nthreads = useful_threads(threads, n * FULL_ENTRIES_PER_POINT);

    gep_set_infinity(r);
    if (n == 0)
        return 0;
    if (n > PTRDIFF_MAX)
        return 1;
    limbs = array_alloc(n, sizeof *limbs);
    if (limbs == NULL)
        return 1;

    /* Canonical scalars, zero for identity points; their count and longest length. */
#pragma omp parallel for num_threads(nthreads) schedule(static) \
    reduction(+ : nnz) reduction(max : bits)
    for (i = 0; i < sn; i++) {
        unsigned len = 0;
        int j;

        if (P[i].infinity) {
            memset(limbs[i], 0, sizeof limbs[i]);
            continue;
        }
        fq_to_limbs(limbs[i], &k[i]);
        for (j = 3; j >= 0 && len == 0; j--)
            if (limbs[i][j] != 0)
                len = 64 * (unsigned)j + bit_length(limbs[i][j]);
        if (len > 0) {
            nnz++;
            if (len > bits)
                bits = len;
        }
    }
    if (nnz == 0) {
        free(limbs);
        return 0;
    }

    /* One bit of headroom for the sign of the digits. */
    if (c == 0 && (c = choose_method(nnz, bits + 1, nthreads)) == 0) {
        straus_method = 1;
        c = STRAUS_WINDOW;
    }
    nwin = windows_for(bits + 1, c);
    digits = digits_alloc(n, nwin);
    if (digits == NULL) {
        free(limbs);
        return 1;
    }
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (i = 0; i < sn; i++)
        recode_limbs(digits + i, n, limbs[i], c, nwin);
    free(limbs);
    return sum_digits(r, P, digits, n, c, nwin, straus_method, nthreads);
}

int
msm(gep_t *r, const ge_t *P, const fq_t *k, size_t n, int threads)
{
    double t0 = msm_clock_begin();
    int rc = msm_full(r, P, k, n, threads, 0);

    msm_clock_end(t0);
    return rc;
}

int
msm_with_window(gep_t *r, const ge_t *P, const fq_t *k, size_t n, int threads, unsigned c)
{
    if (c < 1 || c > MSM_MAX_WINDOW) {
        gep_set_infinity(r);
        return 1;
    }
    return msm_full(r, P, k, n, threads, c);
}

static int msm_small_run(gep_t *r, const ge_t *P, const int32_t *v, size_t n, int threads,
                         int any_int32);

int
msm_small(gep_t *r, const ge_t *P, const int32_t *v, size_t n, int threads)
{
    double t0 = msm_clock_begin();
    int rc = msm_small_run(r, P, v, n, threads, 0);

    msm_clock_end(t0);
    return rc;
}

int
msm_i32(gep_t *r, const ge_t *P, const int32_t *v, size_t n, int threads)
{
    double t0 = msm_clock_begin();
    int rc = msm_small_run(r, P, v, n, threads, 1);

    msm_clock_end(t0);
    return rc;
}

/* The digits cover bit_length(max |v|) + 1 bits, at most 33 for INT32_MIN. */
static int
msm_small_run(gep_t *r, const ge_t *P, const int32_t *v, size_t n, int threads,
              int any_int32)
{
    int32_t *digits;
    size_t i, nnz = 0;
    uint32_t maxabs = 0;
    unsigned bits, c, nwin;

    gep_set_infinity(r);
    for (i = 0; i < n; i++) {
        uint32_t a;

        if (!any_int32 && (v[i] >= MSM_SMALL_BOUND || v[i] <= -MSM_SMALL_BOUND))
            return 1;
        if (v[i] == 0 || P[i].infinity)
            continue;
        a = v[i] < 0 ? 0u - (uint32_t)v[i] : (uint32_t)v[i];
        nnz++;
        if (a > maxabs)
            maxabs = a;
    }
    if (nnz == 0)
        return 0;

    bits = bit_length(maxabs) + 1;     /* with the sign */
    c = choose_method(nnz, bits, useful_threads(threads, 2 * n));
    nwin = windows_for(bits, c == 0 ? STRAUS_WINDOW : c);
    digits = digits_alloc(n, nwin);
    if (digits == NULL)
        return 1;
    for (i = 0; i < n; i++)
        recode_small(digits + i, n, P[i].infinity ? 0 : v[i], c == 0 ? STRAUS_WINDOW : c,
                     nwin);
    return sum_digits(r, P, digits, n, c == 0 ? STRAUS_WINDOW : c, nwin, c == 0, threads);
}

void
msm_naive(gep_t *r, const ge_t *P, const fq_t *k, size_t n)
{
    gep_t p, t;
    size_t i;

    gep_set_infinity(r);
    for (i = 0; i < n; i++) {
        gep_set_ge(&p, &P[i]);
        gep_mul_vartime(&t, &p, &k[i]);
        gep_add(r, r, &t);
    }
}
