/*
 * linrel.c: the linear-relation accumulator (docs/protocol.md 4.6).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "linrel.h"
#include "msm.h"
#include "pedersen.h"
#include "runtime.h"

static void
linrel_init(linrel *lr, const ge_t *mask_commitment, unsigned mask_log, int prover)
{
    memset(lr, 0, sizeof *lr);
    lr->prover = prover;
    lr->mask_log = mask_log;
    lr->mask_commitment = *mask_commitment;
    /* n_M must be addressable and small enough for the IPA */
    if (mask_log > IPA_MAX_ROUNDS || mask_log >= sizeof(size_t) * 8 - 6)
        lr->failed = 1;
}

void
linrel_init_prover(linrel *lr, const ge_t *mask_commitment, unsigned mask_log)
{
    linrel_init(lr, mask_commitment, mask_log, 1);
}

void
linrel_init_verifier(linrel *lr, const ge_t *mask_commitment, unsigned mask_log)
{
    linrel_init(lr, mask_commitment, mask_log, 0);
}

void
linrel_clear(linrel *lr)
{
    if (lr->values != NULL)
        explicit_bzero(lr->values, lr->cap_scalars * sizeof(fq_t));
    if (lr->blinds != NULL)
        explicit_bzero(lr->blinds, lr->cap_scalars * sizeof(fq_t));
    free(lr->values);
    free(lr->blinds);
    free(lr->commitments);
    free(lr->rhs);
    free(lr->scalar_end);
    free(lr->mask_end);
    free(lr->scalar_terms);
    free(lr->mask_terms);
    memset(lr, 0, sizeof *lr);
    lr->failed = 1;             /* a cleared accumulator must be initialised again */
}

static int
linrel_fail(linrel *lr)
{
    lr->failed = 1;
    return -1;
}

/*
 * Grow *arr (elements of size `elem`) to hold at least `need` elements.  Secret
 * arrays are copied by hand so that the old block can be wiped before it is freed.
 */
static int
grow(void **arr, size_t *cap, size_t need, size_t elem, int secret)
{
    size_t ncap = *cap ? *cap : 16;
    void *p;

    if (need <= *cap)
        return 0;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return -1;
    if (!secret) {
        p = realloc(*arr, ncap * elem);
        if (p == NULL)
            return -1;
    } else {
        p = malloc(ncap * elem);
        if (p == NULL)
            return -1;
        if (*arr != NULL) {
            memcpy(p, *arr, *cap * elem);
            explicit_bzero(*arr, *cap * elem);
            free(*arr);
        }
    }
    *arr = p;
    *cap = ncap;
    return 0;
}

int
linrel_add_secret(linrel *lr, const fq_t *v, const fq_t *b, size_t *id)
{
    size_t cap_v = lr->cap_scalars, cap_b = lr->cap_scalars;

    if (lr->failed || !lr->prover)
        return linrel_fail(lr);
    if (grow((void **)&lr->values, &cap_v, lr->n_scalars + 1, sizeof(fq_t), 1) != 0)
        return linrel_fail(lr);
    if (grow((void **)&lr->blinds, &cap_b, lr->n_scalars + 1, sizeof(fq_t), 1) != 0)
        return linrel_fail(lr);
    if (cap_v != cap_b)
        return linrel_fail(lr);
    lr->cap_scalars = cap_v;
    lr->values[lr->n_scalars] = *v;
    lr->blinds[lr->n_scalars] = *b;
    *id = lr->n_scalars++;
    return 0;
}

int
linrel_add_commitment(linrel *lr, const ge_t *C, size_t *id)
{
    if (lr->failed || lr->prover)
        return linrel_fail(lr);
    if (grow((void **)&lr->commitments, &lr->cap_scalars, lr->n_scalars + 1, sizeof(ge_t),
             0) != 0)
        return linrel_fail(lr);
    lr->commitments[lr->n_scalars] = *C;
    *id = lr->n_scalars++;
    return 0;
}

int
linrel_relation_begin(linrel *lr)
{
    if (lr->failed || lr->open)
        return linrel_fail(lr);
    lr->open = 1;
    fq_set_zero(&lr->open_constant);
    return 0;
}

static int
push_term(linrel_term **arr, size_t *n, size_t *cap, size_t id, const fq_t *coef)
{
    if (grow((void **)arr, cap, *n + 1, sizeof(linrel_term), 0) != 0)
        return -1;
    (*arr)[*n].id = id;
    (*arr)[*n].coef = *coef;
    (*n)++;
    return 0;
}

int
linrel_relation_scalar(linrel *lr, size_t id, const fq_t *coef)
{
    if (lr->failed || !lr->open || id >= lr->n_scalars)
        return linrel_fail(lr);
    if (push_term(&lr->scalar_terms, &lr->n_scalar_terms, &lr->cap_scalar_terms, id,
                  coef) != 0)
        return linrel_fail(lr);
    return 0;
}

int
linrel_relation_form(linrel *lr, const linrel_form *form, const fq_t *scale)
{
    fq_t c;
    size_t j;

    if (lr->failed || !lr->open)
        return linrel_fail(lr);
    for (j = 0; j < form->n_terms; j++) {
        c = form->terms[j].coef;
        if (scale != NULL)
            fq_mul(&c, &c, scale);
        if (linrel_relation_scalar(lr, form->terms[j].id, &c) != 0)
            return -1;
    }
    c = form->constant;
    if (scale != NULL)
        fq_mul(&c, &c, scale);
    fq_add(&lr->open_constant, &lr->open_constant, &c);
    return 0;
}

int
linrel_relation_mask(linrel *lr, size_t slot, const fq_t *coef)
{
    if (lr->failed || !lr->open || slot >= ((size_t)1 << lr->mask_log))
        return linrel_fail(lr);
    if (push_term(&lr->mask_terms, &lr->n_mask_terms, &lr->cap_mask_terms, slot, coef) != 0)
        return linrel_fail(lr);
    return 0;
}

int
linrel_relation_end(linrel *lr, const fq_t *rhs)
{
    size_t cap_k = lr->cap_relations, cap_s = lr->cap_relations, cap_m = lr->cap_relations;

    if (lr->failed || !lr->open)
        return linrel_fail(lr);
    if (grow((void **)&lr->rhs, &cap_k, lr->n_relations + 1, sizeof(fq_t), 0) != 0 ||
        grow((void **)&lr->scalar_end, &cap_s, lr->n_relations + 1, sizeof(size_t),
             0) != 0 ||
        grow((void **)&lr->mask_end, &cap_m, lr->n_relations + 1, sizeof(size_t), 0) != 0 ||
        cap_k != cap_s || cap_k != cap_m)
        return linrel_fail(lr);
    lr->cap_relations = cap_k;
    fq_sub(&lr->rhs[lr->n_relations], rhs, &lr->open_constant);
    lr->scalar_end[lr->n_relations] = lr->n_scalar_terms;
    lr->mask_end[lr->n_relations] = lr->n_mask_terms;
    lr->n_relations++;
    lr->open = 0;
    return 0;
}

int
linrel_check(const linrel *lr, const fq_t *mask, size_t *bad)
{
    size_t t, j, sj = 0, mj = 0;
    fq_t lhs, p;

    if (lr->failed || lr->open || !lr->prover)
        return -1;
    for (t = 0; t < lr->n_relations; t++) {
        fq_set_zero(&lhs);
        for (j = sj; j < lr->scalar_end[t]; j++) {
            fq_mul(&p, &lr->scalar_terms[j].coef, &lr->values[lr->scalar_terms[j].id]);
            fq_add(&lhs, &lhs, &p);
        }
        for (j = mj; j < lr->mask_end[t]; j++) {
            fq_mul(&p, &lr->mask_terms[j].coef, &mask[lr->mask_terms[j].id]);
            fq_add(&lhs, &lhs, &p);
        }
        sj = lr->scalar_end[t];
        mj = lr->mask_end[t];
        if (!fq_eq(&lhs, &lr->rhs[t])) {
            if (bad != NULL)
                *bad = t;
            explicit_bzero(&lhs, sizeof lhs);
            explicit_bzero(&p, sizeof p);
            return 1;
        }
    }
    explicit_bzero(&lhs, sizeof lhs);
    explicit_bzero(&p, sizeof p);
    return 0;
}

/*
 * Both sides: draw ω_t in relation order and form the dense A (n_M entries), a
 * (n_scalars entries, may be NULL when there are none) and K.  0, or -1 if the
 * transcript failed.
 */
static int
linrel_combine(const linrel *lr, transcript_t *t, fq_t *A, fq_t *a, fq_t *K)
{
    size_t r, j, sj = 0, mj = 0;
    fq_t omega, p;

    memset(A, 0, ((size_t)1 << lr->mask_log) * sizeof(fq_t));
    if (a != NULL)
        memset(a, 0, lr->n_scalars * sizeof(fq_t));
    fq_set_zero(K);
    for (r = 0; r < lr->n_relations; r++) {
        if (transcript_challenge(t, "lin/omega", 0, &omega) != 0)
            return -1;
        for (j = sj; j < lr->scalar_end[r]; j++) {
            fq_mul(&p, &omega, &lr->scalar_terms[j].coef);
            fq_add(&a[lr->scalar_terms[j].id], &a[lr->scalar_terms[j].id], &p);
        }
        for (j = mj; j < lr->mask_end[r]; j++) {
            fq_mul(&p, &omega, &lr->mask_terms[j].coef);
            fq_add(&A[lr->mask_terms[j].id], &A[lr->mask_terms[j].id], &p);
        }
        sj = lr->scalar_end[r];
        mj = lr->mask_end[r];
        fq_mul(&p, &omega, &lr->rhs[r]);
        fq_add(K, K, &p);
    }
    return 0;
}

int
linrel_prove(const linrel *lr, transcript_t *t, drbg_t *rng, const fq_t *mask,
             const fq_t *b_mask, ipa_proof *pf)
{
    size_t nm, i;
    fq_t *A = NULL, *a = NULL, K, y, by, p;
    gep_t cy;
    ge_t Cy;
    int rc = -1;

    if (lr->failed || lr->open || !lr->prover || lr->n_relations == 0)
        return -1;
    nm = (size_t)1 << lr->mask_log;
    A = malloc(nm * sizeof(fq_t));
    a = malloc((lr->n_scalars + 1) * sizeof(fq_t));
    if (A == NULL || a == NULL)
        goto out;
    if (linrel_combine(lr, t, A, a, &K) != 0)
        goto out;
    /* y = K - sum a_i·v_i, by = -sum a_i·b_i: the opening of K·G - sum a_i·C_i */
    y = K;
    fq_set_zero(&by);
    for (i = 0; i < lr->n_scalars; i++) {
        fq_mul(&p, &a[i], &lr->values[i]);
        fq_sub(&y, &y, &p);
        fq_mul(&p, &a[i], &lr->blinds[i]);
        fq_sub(&by, &by, &p);
    }
    pedersen_com1(&cy, &y, &by);
    ge_set_gep(&Cy, &cy);
    rc = ipa_prove(pf, t, rng, &lr->mask_commitment, &Cy, mask, b_mask, &by, A,
                   lr->mask_log);
out:
    explicit_bzero(&y, sizeof y);
    explicit_bzero(&by, sizeof by);
    explicit_bzero(&p, sizeof p);
    free(A);
    free(a);
    return rc;
}

int
linrel_verify(const linrel *lr, transcript_t *t, const ipa_proof *pf,
              const char **reason)
{
    ipa_batch b;
    int rc;

    ipa_batch_init(&b);
    rc = linrel_verify_deferred(&b, lr, t, pf, reason);
    if (rc == 1)
        rc = ipa_batch_check(&b, reason);
    ipa_batch_free(&b);
    return rc;
}

int
linrel_verify_deferred(ipa_batch *b, const linrel *lr, transcript_t *t,
                       const ipa_proof *pf, const char **reason)
{
    size_t nm, i;
    fq_t *A = NULL, *sc = NULL, K;
    ge_t *pts = NULL, Cy;
    gep_t cy;
    int rc = -1;

    *reason = "internal failure in the linear-relation verifier";
    if (lr->failed || lr->open || lr->prover) {
        *reason = "linear relations: the accumulator is unusable (a building error)";
        return 0;
    }
    if (lr->n_relations == 0) {
        *reason = "linear relations: nothing to verify";
        return 0;
    }
    nm = (size_t)1 << lr->mask_log;
    A = malloc(nm * sizeof(fq_t));
    sc = malloc((lr->n_scalars + 1) * sizeof(fq_t));
    pts = malloc((lr->n_scalars + 1) * sizeof(ge_t));
    if (A == NULL || sc == NULL || pts == NULL)
        goto out;
    /* sc[1 + i] = a_i first, negated below; sc[0] = K */
    if (linrel_combine(lr, t, A, sc + 1, &K) != 0)
        goto out;
    sc[0] = K;
    pts[0] = *generators_G();
    for (i = 0; i < lr->n_scalars; i++) {
        fq_neg(&sc[1 + i], &sc[1 + i]);
        pts[1 + i] = lr->commitments[i];
    }
    if (msm(&cy, pts, sc, lr->n_scalars + 1, zkml_threads()) != 0)
        goto out;
    ge_set_gep(&Cy, &cy);
    rc = ipa_verify_deferred(b, t, &lr->mask_commitment, &Cy, A, lr->mask_log, pf, reason);
out:
    free(A);
    free(sc);
    free(pts);
    return rc;
}
