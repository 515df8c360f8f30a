/*
 * logup.c: LogUp tables, multiplicities, inverse columns and the sumcheck instances
 * of lookups (docs/protocol.md 6.3, 7).
 */
#include <stdlib.h>
#include <string.h>

#include "logup.h"
#include "mle.h"

void
logup_table_values(fq_t *t, const logup_table *T, const fq_t *gamma)
{
    size_t n = (size_t)1 << T->log_size, y;

    for (y = 0; y < n; y++) {
        fq_set_i64(&t[y], (int64_t)y + T->in_offset);
        if (T->out != NULL) {
            fq_t o;

            fq_set_i64(&o, T->out[y]);
            fq_mul(&o, &o, gamma);
            fq_add(&t[y], &t[y], &o);
        }
    }
}

/* Bits of the index summed without reduction: 2^10 products of 2^31·2^256 fit 6 limbs. */
#define TABLE_MLE_LOW_BITS 10u

int
logup_table_mle(fq_t *r, const logup_table *T, const fq_t *z, const fq_t *gamma)
{
    fq_t acc, pow2, tmp;
    unsigned i;

    /* MLE(y)(z) = sum_i 2^(i-1)·z_i; the offset is a constant (EqTable sums to 1) */
    fq_set_i64(&acc, T->in_offset);
    pow2 = FQ_ONE;
    for (i = 0; i < T->log_size; i++) {
        fq_mul(&tmp, &pow2, &z[i]);
        fq_add(&acc, &acc, &tmp);
        fq_dbl(&pow2, &pow2);
    }
    if (T->out != NULL) {
        /* eq(z, y) = eq_lo(z_lo, y mod 2^lo)·eq_hi(z_hi, y >> lo): the inner sums over
         * y mod 2^lo take the small outputs as integers, reduced once per sum */
        unsigned lo = T->log_size < TABLE_MLE_LOW_BITS ? T->log_size : TABLE_MLE_LOW_BITS,
                 hi = T->log_size - lo;
        size_t nlo = (size_t)1 << lo, nhi = (size_t)1 << hi, h, y;
        fq_t *eq_lo = malloc(nlo * sizeof(fq_t)), *eq_hi = malloc(nhi * sizeof(fq_t)), out;

        if (eq_lo == NULL || eq_hi == NULL) {
            free(eq_lo);
            free(eq_hi);
            return -1;
        }
        mle_eq_table(eq_lo, z, lo);
        mle_eq_table(eq_hi, z + lo, hi);
        fq_set_zero(&out);
        for (h = 0; h < nhi; h++) {
            fq_wide_t pos = {{0}}, neg = {{0}};
            const int32_t *o = T->out + h * nlo;
            fq_t sp, sn;

            for (y = 0; y < nlo; y++) {
                if (o[y] >= 0)
                    fq_wide_mac(&pos, (uint64_t)o[y], &eq_lo[y]);
                else
                    fq_wide_mac(&neg, (uint64_t)(-(int64_t)o[y]), &eq_lo[y]);
            }
            fq_wide_reduce(&sp, &pos);
            fq_wide_reduce(&sn, &neg);
            fq_sub(&sp, &sp, &sn);
            fq_mul(&sp, &sp, &eq_hi[h]);
            fq_add(&out, &out, &sp);
        }
        free(eq_lo);
        free(eq_hi);
        fq_mul(&out, &out, gamma);
        fq_add(&acc, &acc, &out);
    }
    *r = acc;
    return 0;
}

int
logup_count(uint64_t *m, const logup_table *T, const int64_t *in, const int64_t *out,
            size_t n, size_t *bad)
{
    uint64_t rows = (uint64_t)1 << T->log_size;
    size_t x;

    for (x = 0; x < n; x++) {
        /* unsigned arithmetic: inputs below the offset wrap past the last row */
        uint64_t y = (uint64_t)in[x] - (uint64_t)T->in_offset;

        if (y >= rows || (T->out != NULL && (out == NULL || out[x] != T->out[y]))) {
            if (bad != NULL)
                *bad = x;
            return 1;
        }
        m[y]++;
    }
    return 0;
}

int
logup_inverse_column(fq_t *inv, const fq_t *v, const fq_t *num, size_t n,
                     const fq_t *alpha)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        fq_sub(&inv[i], alpha, &v[i]);
        if (fq_is_zero(&inv[i]))
            return 1;
    }
    rc = fq_batch_inv(inv, inv, n);
    if (rc != 0)
        return -1;
    if (num != NULL)
        for (i = 0; i < n; i++)
            fq_mul(&inv[i], &inv[i], &num[i]);
    return 0;
}

void
logup_zeta_weight(fq_t *out, const fq_t *zeta, unsigned n, unsigned n_k)
{
    fq_t half, w;
    unsigned i;

    fq_set_u64(&half, 2);
    fq_inv(&half, &half);
    w = *zeta;
    for (i = n_k; i < n; i++)
        fq_mul(&w, &w, &half);
    *out = w;
}

/* Add coef·prod tables[f[..]] to an instance. */
static int
add_term(sumcheck_instance *in, const fq_t *coef, unsigned n_factors, unsigned f0,
         unsigned f1, unsigned f2)
{
    unsigned f[3] = {f0, f1, f2};

    return sumcheck_instance_term(in, coef, n_factors, f);
}

int
logup_lookup_instance(sumcheck_instance *in, unsigned n_k, fq_t *eq, fq_t *h, fq_t *f,
                      const fq_t *lambda, const fq_t *alpha, const fq_t *zeta_w)
{
    fq_t la, neg_l;

    sumcheck_instance_init(in, n_k);
    if (sumcheck_instance_table(in, eq) != 0 || sumcheck_instance_table(in, h) != 1 ||
        sumcheck_instance_table(in, f) != 2)
        return -1;
    fq_mul(&la, lambda, alpha);
    fq_neg(&neg_l, lambda);
    /* λα·eq·h - λ·eq·h·f - λ·eq + ζ_w·h */
    if (add_term(in, &la, 2, 0, 1, 0) != 0 ||
        add_term(in, &neg_l, 3, 0, 1, 2) != 0 ||
        add_term(in, &neg_l, 1, 0, 0, 0) != 0 ||
        add_term(in, zeta_w, 1, 1, 0, 0) != 0)
        return -1;
    return 0;
}

int
logup_table_instance(sumcheck_instance *in, unsigned w, fq_t *eq, fq_t *g, fq_t *t,
                     fq_t *m, const fq_t *lambda, const fq_t *alpha, const fq_t *zeta_w)
{
    fq_t la, neg_l, neg_z;

    sumcheck_instance_init(in, w);
    if (sumcheck_instance_table(in, eq) != 0 || sumcheck_instance_table(in, g) != 1 ||
        sumcheck_instance_table(in, t) != 2 || sumcheck_instance_table(in, m) != 3)
        return -1;
    fq_mul(&la, lambda, alpha);
    fq_neg(&neg_l, lambda);
    fq_neg(&neg_z, zeta_w);
    /* λα·eq·g - λ·eq·g·t - λ·eq·m - ζ_w·g */
    if (add_term(in, &la, 2, 0, 1, 0) != 0 ||
        add_term(in, &neg_l, 3, 0, 1, 2) != 0 ||
        add_term(in, &neg_l, 2, 0, 3, 0) != 0 ||
        add_term(in, &neg_z, 1, 1, 0, 0) != 0)
        return -1;
    return 0;
}

void
logup_lookup_form(linrel_form *form, linrel_term terms[2], size_t id_h, size_t id_P,
                  const fq_t *lambda, const fq_t *alpha, const fq_t *zeta_w,
                  const fq_t *eq_at_r)
{
    fq_t le;

    fq_mul(&le, lambda, eq_at_r);
    terms[0].id = id_h;                         /* (λ·e·α + ζ_w)·h */
    fq_mul(&terms[0].coef, &le, alpha);
    fq_add(&terms[0].coef, &terms[0].coef, zeta_w);
    terms[1].id = id_P;                         /* -λ·e·P */
    fq_neg(&terms[1].coef, &le);
    form->terms = terms;
    form->n_terms = 2;
    fq_neg(&form->constant, &le);               /* -λ·e */
}

void
logup_table_form(linrel_form *form, linrel_term terms[2], size_t id_g, size_t id_m,
                 const fq_t *lambda, const fq_t *alpha, const fq_t *zeta_w,
                 const fq_t *eq_at_r, const fq_t *t_at_r)
{
    fq_t le, d;

    fq_mul(&le, lambda, eq_at_r);
    fq_sub(&d, alpha, t_at_r);
    terms[0].id = id_g;                         /* (λ·e·(α - t(r)) - ζ_w)·g */
    fq_mul(&terms[0].coef, &le, &d);
    fq_sub(&terms[0].coef, &terms[0].coef, zeta_w);
    terms[1].id = id_m;                         /* -λ·e·m */
    fq_neg(&terms[1].coef, &le);
    form->terms = terms;
    form->n_terms = 2;
    fq_set_zero(&form->constant);
}
