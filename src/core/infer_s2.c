/*
 * infer_s2.c: steps 9-10 of the inference proof (docs/protocol.md 7):
 * S2, the claims reduction: θ and ρ2, the instances P1·K1, P2·K2 and W·K_W, the S2
 * finals and μ.  Version 2 (docs/protocol.md 7.18.5): the tree's leaf claims join the
 * claims last, two instances (P1·K1, W·K_W), two finals, no μ.
 */
#include <stddef.h>

#include "infer_phases.h"
#include "mle.h"
#include "runtime.h"

/* ---- steps 9-10: S2 ---- */

int
infer_step_s2(ictx *c)
{
    sumcheck_instance *inst = NULL;
    static const unsigned pk[2] = {0, 1};
    /* the polynomials of S2: P1, P2, W; version 2 has no P2 (docs/protocol.md 7.18.5) */
    static const int polys1[3] = {POLY_P1, POLY_P2, POLY_W}, polys2[2] = {POLY_P1, POLY_W};
    const int *polys = c->lay->version == 2 ? polys2 : polys1;
    size_t npoly = c->lay->version == 2 ? 2 : 3;
    fq_t v[3];
    size_t i, j, first, mark = c->n_mem;

    if (c->lay->version == 2) {                     /* the leaf claims join last (3.5) */
        if (c->n_claims + c->n_leaf_claims > c->cap_com)
            return ictx_fail(c, "internal failure: too many claims");
        for (i = 0; i < c->n_leaf_claims; i++)
            c->claims[c->n_claims++] = c->leaf_claims[i];
    }
    if (transcript_challenges(&c->t, "S2/theta", 0, c->theta, c->n_claims) != 0 ||
        transcript_challenge(&c->t, "S2/rho", 1, &c->rho2) != 0)
        return ictx_fail(c, "transcript failure");
    if (c->prover) {
        fq_t *K[3] = {NULL, NULL, NULL}, *src[3] = {c->P1f, c->P2f, c->Wf}, *e;
        int x;

        inst = ictx_alloc(c, npoly, sizeof(sumcheck_instance));
        for (i = 0; i < npoly; i++)
            K[polys[i]] = ictx_alloc(c, (size_t)1 << ictx_poly_vars(c, polys[i]), sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        /* K_X = Σ_c θ_c·EqTable(z^_c): nonzero only on the claim's own column; one
         * scratch table for all claims */
        for (i = 0, j = 0; i < c->n_claims; i++)
            j = c->claims[i].kappa > j ? c->claims[i].kappa : j;
        e = ictx_alloc(c, (size_t)1 << j, sizeof(fq_t));
        if (e == NULL)
            return -1;
        for (i = 0; i < c->n_claims; i++) {
            const claim *cl = &c->claims[i];
            fq_t *k = K[cl->poly] + cl->offset;
            ptrdiff_t x, nx = (ptrdiff_t)1 << cl->kappa;

            if (zkml_interrupted())
                return ictx_fail(c, "interrupted");
            mle_eq_table_scaled(e, cl->z, cl->kappa, &c->theta[i]);
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (nx >= 65536)
            for (x = 0; x < nx; x++)
                fq_add(&k[x], &k[x], &e[x]);
        }
        for (i = 0; i < npoly; i++) {
            unsigned vars = ictx_poly_vars(c, polys[i]);
            /* P1f's last reader: the opening reads P1's int32 entries (p1_small) */
            int in_place = polys[i] == POLY_P1 && c->lay->version == 2 && c->p1_small != NULL;
            fq_t *P = in_place ? c->P1f : ictx_copy(c, src[polys[i]], (size_t)1 << vars);

            x = polys[i];
            if (P == NULL)
                return -1;
            sumcheck_instance_init(&inst[i], vars);
            if (sumcheck_instance_table(&inst[i], P) != 0 ||
                sumcheck_instance_table(&inst[i], K[x]) != 1 ||
                sumcheck_instance_term(&inst[i], &FQ_ONE, 2, pk) != 0)
                return ictx_fail(c, "internal failure building S2");
        }
    }
    if (ictx_sumcheck(c, "S2", c->n2, 2, &c->rho2, c->prover ? c->mask + 4 * (size_t)c->n1 : NULL,
                     inst, npoly, &c->T2, c->r2, &c->e2) != 0)
        return -1;
    if (c->prover) {
        for (i = 0; i < npoly; i++)
            v[i] = inst[i].tables[0][0];
        ictx_release(c, mark, c->n_mem);            /* K, the copies, the instances */
        if (c->lay->version == 2 && c->p1_small != NULL) {
            ictx_release_one(c, c->P1f);            /* folded: no longer P1 */
            c->P1f = NULL;
        }
    }
    if (ictx_exchange_committed(c, "S2/finals", v, npoly, &first) != 0)
        return -1;
    c->id_u[POLY_P2] = SIZE_MAX;
    for (i = 0; i < npoly; i++)
        c->id_u[polys[i]] = first + i;
    if (c->lay->version != 2 && transcript_challenge(&c->t, "pcs/mu", 0, &c->mu) != 0)
        return ictx_fail(c, "transcript failure");
    return 0;
}
