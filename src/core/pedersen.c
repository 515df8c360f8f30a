/*
 * pedersen.c: Pedersen commitments over the generators of docs/protocol.md 1.3.
 */
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

typedef struct {
    gep_t *p;
    const fq_t *v, *b;
    size_t n;
} com1_batch;

/* Half `which` of the batch. */
static void
com1_half(void *arg, int which)
{
    const com1_batch *c = arg;
    size_t i, mid = c->n / 2;

    for (i = which ? mid : 0; i < (which ? c->n : mid); i++)
        pedersen_com1(&c->p[i], &c->v[i], &c->b[i]);
}

int
pedersen_com1_many(ge_t *r, const fq_t *v, const fq_t *b, size_t n)
{
    com1_batch c = {malloc((n ? n : 1) * sizeof(gep_t)), v, b, n};

    if (c.p == NULL)
        return -1;
    /* each commitment is ~50 us of constant-time table scans: two are worth a pair */
    if (n >= 2)
        zkml_run_pair(com1_half, &c);
    else
        com1_half(&c, 1);
    ge_set_gep_batch(r, c.p, n);
    explicit_bzero(c.p, n * sizeof(gep_t));
    free(c.p);
    return 0;
}

/* ComV by a plain MSM, or through the V table when `fixed`. */
static int
comv(gep_t *r, const fq_t *x, size_t n, const fq_t *b, int fixed)
{
    const msm_fixed_table *tab = NULL;
    const ge_t *v = NULL;
    gep_t sum;
    int rc;

    pedersen_blind(r, b);
    if (n == 0)
        return 0;
    if (fixed)
        rc = (tab = generators_V_table(n)) == NULL
                 ? -1 : msm_fixed(&sum, tab, x, n, zkml_threads());
    else
        rc = (v = generators_V(n)) == NULL ? -1 : msm(&sum, v, x, n, zkml_threads());
    if (rc != 0)
        return -1;
    gep_add(r, r, &sum);
    explicit_bzero(&sum, sizeof(sum));
    return 0;
}

int
pedersen_comv(gep_t *r, const fq_t *x, size_t n, const fq_t *b)
{
    return comv(r, x, n, b, 0);
}

int
pedersen_comv_fixed(gep_t *r, const fq_t *x, size_t n, const fq_t *b)
{
    return comv(r, x, n, b, 1);
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
