/*
 * pedersen.c: Pedersen commitments over the generators of docs/protocol.md 1.3.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "msm.h"
#include "pedersen.h"
#include "runtime.h"

void
pedersen_blind(gep_t *r, const fq_t *b)
{
    gep_mul_fixed_ct(r, generators_H_table(), b);
}

void
pedersen_com1(gep_t *r, const fq_t *v, const fq_t *b)
{
    gep_t vg;

    gep_mul_fixed_ct(&vg, generators_G_table(), v);
    pedersen_blind(r, b);
    gep_add(r, r, &vg);
    explicit_bzero(&vg, sizeof(vg));    /* v·G alone would reveal a small v */
}

int
pedersen_com1_many(ge_t *r, const fq_t *v, const fq_t *b, size_t n)
{
    gep_t *p = malloc((n ? n : 1) * sizeof(gep_t));
    ptrdiff_t i;
    int threads = zkml_threads();

    if (p == NULL)
        return -1;
    /* each commitment is ~50 us of constant-time table scans: worth a thread from 2 on */
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && n > 1)
    for (i = 0; i < (ptrdiff_t)n; i++)
        pedersen_com1(&p[i], &v[i], &b[i]);
    ge_set_gep_batch(r, p, n);
    explicit_bzero(p, n * sizeof(gep_t));
    free(p);
    return 0;
}

int
pedersen_comv(gep_t *r, const fq_t *x, size_t n, const fq_t *b)
{
    const ge_t *v;
    gep_t sum;

    pedersen_blind(r, b);
    if (n == 0)
        return 0;
    if ((v = generators_V(n)) == NULL || msm(&sum, v, x, n, zkml_threads()) != 0)
        return -1;
    gep_add(r, r, &sum);
    explicit_bzero(&sum, sizeof(sum));
    return 0;
}

int
pedersen_comv_small(gep_t *r, const int32_t *x, size_t n, const fq_t *b)
{
    const ge_t *v;
    gep_t sum;
    fq_t *wide;
    size_t i;
    int small = 1, rc;

    pedersen_blind(r, b);
    if (n == 0)
        return 0;
    if ((v = generators_V(n)) == NULL)
        return -1;
    for (i = 0; i < n && small; i++)
        small = x[i] > -MSM_SMALL_BOUND && x[i] < MSM_SMALL_BOUND;
    if (small) {
        rc = msm_small(&sum, v, x, n, zkml_threads());
    } else {
        /* Entries beyond the small-scalar path go through the full MSM. */
        if ((wide = malloc(n * sizeof(fq_t))) == NULL)
            return -1;
        for (i = 0; i < n; i++)
            fq_set_i64(&wide[i], x[i]);
        rc = msm(&sum, v, wide, n, zkml_threads());
        explicit_bzero(wide, n * sizeof(fq_t));
        free(wide);
    }
    if (rc != 0)
        return -1;
    gep_add(r, r, &sum);
    explicit_bzero(&sum, sizeof(sum));
    return 0;
}
