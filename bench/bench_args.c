/*
 * bench_args.c: the --args group: Hyrax commitments, the dot-product argument, the
 * degree-3 sumcheck and a LogUp prover, each the median of several runs.
 *
 *   hyrax_commit_small16_1048576_2t_ms   2^20 signed 16-bit entries, 2 threads
 *   hyrax_commit_full_65536_2t_ms        2^16 full-size entries, 2 threads
 *   hyrax_small_vs_full_per_entry        how many times cheaper a small entry is
 *   ipa_prove_1024_ms, ipa_verify_1024_ms  n = 1024, 1 thread
 *   sumcheck_deg3_1048576_2t_ms          one instance A·B·C, 2^20 entries per table
 *   sumcheck_deg3_2t_ns_per_entry, ..._fq_muls_per_entry   the same per entry (wall
 *                                        time), and the 1-thread time for comparison
 *   logup_prove_65536_lookups_table65536_2t_ms   multiplicities, inverse columns, the
 *                                        commitments of m, h, g and the LK/TB sumcheck
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drbg.h"
#include "generators.h"
#include "hyrax.h"
#include "ipa.h"
#include "logup.h"
#include "mle.h"
#include "pedersen.h"
#include "sumcheck.h"
#include "zkml.h"

#include "bench.h"

#define ARGS_RUNS 5

static fq_t *
random_fq_vector(size_t n)
{
    fq_t *v = malloc(n * sizeof(fq_t));
    size_t i;

    if (v != NULL)
        for (i = 0; i < n; i++)
            random_fq(&v[i]);
    return v;
}

static void
bench_drbg(drbg_t *rng, const transcript_t *t)
{
    uint8_t fixed[32] = {1}, seed[32] = {2};

    drbg_init_fixed(rng, fixed, seed, t->state);
}

/* ---- Hyrax ---- */

static double
hyrax_commit_ms(unsigned l, int small)
{
    size_t n = (size_t)1 << l, i;
    unsigned lc, lr;
    int32_t *vs = NULL;
    fq_t *vf = NULL, *beta;
    double t[ARGS_RUNS];
    int run;

    hyrax_split(l, &lc, &lr);
    beta = random_fq_vector((size_t)1 << lr);
    if (small) {
        vs = malloc(n * sizeof(int32_t));
        for (i = 0; vs != NULL && i < n; i++)
            vs[i] = (int32_t)(bench_rand64() % 65536) - 32768;
    } else
        vf = random_fq_vector(n);
    if (beta == NULL || (vs == NULL && vf == NULL) || generators_V((size_t)1 << lc) == NULL)
        return -1;
    for (run = 0; run < ARGS_RUNS; run++) {
        hyrax_commitment c;
        double t0 = now_seconds();
        int rc = small ? hyrax_commit_small(&c, vs, l, hyrax_lc(l), beta)
                       : hyrax_commit(&c, vf, l, hyrax_lc(l), beta);

        t[run] = 1e3 * (now_seconds() - t0);
        if (rc != 0)
            return -1;
        hyrax_commitment_free(&c);
    }
    free(vs);
    free(vf);
    free(beta);
    return median(t, ARGS_RUNS);
}

/* ---- IPA ---- */

static int
bench_ipa(unsigned k)
{
    size_t n = (size_t)1 << k, i;
    fq_t *x = random_fq_vector(n), *a = random_fq_vector(n), bx, by, y, tmp;
    double tp[ARGS_RUNS], tv[ARGS_RUNS];
    ge_t Cx, Cy;
    gep_t p;
    int run, ok = 1;

    if (x == NULL || a == NULL)
        return 1;
    random_fq(&bx);
    random_fq(&by);
    fq_set_zero(&y);
    for (i = 0; i < n; i++) {
        fq_mul(&tmp, &x[i], &a[i]);
        fq_add(&y, &y, &tmp);
    }
    pedersen_comv(&p, x, n, &bx);
    ge_set_gep(&Cx, &p);
    pedersen_com1(&p, &y, &by);
    ge_set_gep(&Cy, &p);
    for (run = 0; run < ARGS_RUNS; run++) {
        transcript_t t;
        drbg_t rng;
        ipa_proof pf;
        const char *reason;
        double t0;

        transcript_init(&t, "bench/ipa", 9);
        bench_drbg(&rng, &t);
        t0 = now_seconds();
        ok &= ipa_prove(&pf, &t, &rng, &Cx, &Cy, x, &bx, &by, a, k) == 0;
        tp[run] = 1e3 * (now_seconds() - t0);
        transcript_init(&t, "bench/ipa", 9);
        t0 = now_seconds();
        ok &= ipa_verify(&t, &Cx, &Cy, a, k, &pf, &reason) == 1;
        tv[run] = 1e3 * (now_seconds() - t0);
    }
    free(x);
    free(a);
    if (!ok)
        return 1;
    report("ipa_prove_1024_ms", median(tp, ARGS_RUNS));
    report("ipa_verify_1024_ms", median(tv, ARGS_RUNS));
    return 0;
}

/* ---- sumcheck ---- */

/* Milliseconds for the degree-3 sumcheck of one instance A·B·C over 2^n entries. */
static double
sumcheck_deg3_ms(unsigned n)
{
    size_t N = (size_t)1 << n;
    fq_t *src[3], *tab[3], *mask, *msg, r[SUMCHECK_MAX_ROUNDS], rho, T, e_n;
    double t[ARGS_RUNS];
    unsigned f[3] = {0, 1, 2};
    int run, j;

    for (j = 0; j < 3; j++) {
        src[j] = random_fq_vector(N);
        tab[j] = malloc(N * sizeof(fq_t));
        if (src[j] == NULL || tab[j] == NULL)
            return -1;
    }
    mask = random_fq_vector(sumcheck_mask_count(n, 3));
    msg = malloc(sumcheck_message_count(n, 3) * sizeof(fq_t));
    random_fq(&rho);
    for (run = 0; run < ARGS_RUNS; run++) {
        sumcheck_instance in;
        transcript_t tr;
        double t0;
        int rc;

        for (j = 0; j < 3; j++)
            memcpy(tab[j], src[j], N * sizeof(fq_t));
        sumcheck_instance_init(&in, n);
        for (j = 0; j < 3; j++)
            sumcheck_instance_table(&in, tab[j]);
        sumcheck_instance_term(&in, &FQ_ONE, 3, f);
        transcript_init(&tr, "bench/sumcheck", 14);
        t0 = now_seconds();
        rc = sumcheck_prove(&tr, "S", n, 3, &rho, mask, &in, 1, &T, msg,
                            sumcheck_message_count(n, 3), r, &e_n, NULL);
        t[run] = 1e3 * (now_seconds() - t0);
        if (rc != 0)
            return -1;
    }
    for (j = 0; j < 3; j++) {
        free(src[j]);
        free(tab[j]);
    }
    free(mask);
    free(msg);
    return median(t, ARGS_RUNS);
}

/* ---- LogUp ---- */

/*
 * The lookup-specific prover work for 2^n entries into a table of 2^n rows (RANGE_n):
 * multiplicities, h = 1/(α - f), g = m/(α - t), the Hyrax commitments of m (small), h
 * and g (full), and the batched sumcheck of LK and TB.  The looked-up column itself is
 * committed elsewhere (it is part of the witness) and not timed here.
 */
static double
logup_prove_ms(unsigned n)
{
    size_t N = (size_t)1 << n, i;
    logup_table T = {n, 0, NULL};
    int64_t *vals = malloc(N * sizeof(int64_t));
    uint64_t *cnt = malloc(N * sizeof(uint64_t));
    int32_t *m_small = malloc(N * sizeof(int32_t));
    fq_t *f = malloc(N * sizeof(fq_t)), *t = malloc(N * sizeof(fq_t));
    fq_t *m = malloc(N * sizeof(fq_t)), *h = malloc(N * sizeof(fq_t));
    fq_t *g = malloc(N * sizeof(fq_t)), *eq1 = malloc(N * sizeof(fq_t));
    fq_t *eq2 = malloc(N * sizeof(fq_t)), *mask, *msg, *beta, *tau;
    fq_t alpha, lambda[2], zeta, rho, Tv, e_n, r[SUMCHECK_MAX_ROUNDS];
    double times[ARGS_RUNS];
    unsigned lc, lr;
    int run, ok = 1;

    hyrax_split(n, &lc, &lr);
    mask = random_fq_vector(sumcheck_mask_count(n, 3));
    msg = malloc(sumcheck_message_count(n, 3) * sizeof(fq_t));
    beta = random_fq_vector((size_t)1 << lr);
    tau = random_fq_vector(n);
    if (vals == NULL || cnt == NULL || m_small == NULL || f == NULL || t == NULL ||
        m == NULL || h == NULL || g == NULL || eq1 == NULL || eq2 == NULL || mask == NULL ||
        msg == NULL || beta == NULL || tau == NULL)
        return -1;
    for (i = 0; i < N; i++)
        vals[i] = (int64_t)(bench_rand64() % N);
    random_fq(&alpha);
    random_fq(&lambda[0]);
    random_fq(&lambda[1]);
    random_fq(&zeta);
    random_fq(&rho);
    for (run = 0; run < ARGS_RUNS; run++) {
        sumcheck_instance in[2];
        hyrax_commitment cm, ch, cg;
        transcript_t tr;
        double t0 = now_seconds();

        memset(cnt, 0, N * sizeof(uint64_t));
        ok &= logup_count(cnt, &T, vals, NULL, N, NULL) == 0;
        for (i = 0; i < N; i++) {
            m_small[i] = (int32_t)cnt[i];
            fq_set_u64(&m[i], cnt[i]);
            fq_set_i64(&f[i], vals[i]);
        }
        logup_table_values(t, &T, NULL);
        ok &= logup_inverse_column(h, f, NULL, N, &alpha) == 0;
        ok &= logup_inverse_column(g, t, m, N, &alpha) == 0;
        ok &= hyrax_commit_small(&cm, m_small, n, hyrax_lc(n), beta) == 0;
        ok &= hyrax_commit(&ch, h, n, hyrax_lc(n), beta) == 0;
        ok &= hyrax_commit(&cg, g, n, hyrax_lc(n), beta) == 0;
        mle_eq_table(eq1, tau, n);
        memcpy(eq2, eq1, N * sizeof(fq_t));
        ok &= logup_lookup_instance(&in[0], n, eq1, h, f, &lambda[0], &alpha, &zeta) == 0;
        ok &= logup_table_instance(&in[1], n, eq2, g, t, m, &lambda[1], &alpha, &zeta) == 0;
        transcript_init(&tr, "bench/logup", 11);
        ok &= sumcheck_prove(&tr, "S1", n, 3, &rho, mask, in, 2, &Tv, msg,
                             sumcheck_message_count(n, 3), r, &e_n, NULL) == 0;
        times[run] = 1e3 * (now_seconds() - t0);
        hyrax_commitment_free(&cm);
        hyrax_commitment_free(&ch);
        hyrax_commitment_free(&cg);
    }
    free(vals);
    free(cnt);
    free(m_small);
    free(f);
    free(t);
    free(m);
    free(h);
    free(g);
    free(eq1);
    free(eq2);
    free(mask);
    free(msg);
    free(beta);
    free(tau);
    return ok ? median(times, ARGS_RUNS) : -1;
}

int
group_args(void)
{
    double small, full, sc, fq_ns, lk;
    int rc = 0;

    zkml_set_threads(2);
    small = hyrax_commit_ms(20, 1);
    full = hyrax_commit_ms(16, 0);
    if (small < 0 || full < 0)
        return 1;
    report("hyrax_commit_small16_1048576_2t_ms", small);
    report("hyrax_commit_full_65536_2t_ms", full);
    report("hyrax_small_vs_full_per_entry", (full / 65536.0) / (small / 1048576.0));

    zkml_set_threads(1);
    rc |= bench_ipa(10);

    zkml_set_threads(2);
    fq_ns = bench_fq_mul();
    sc = sumcheck_deg3_ms(20);
    if (sc < 0)
        return 1;
    report("sumcheck_deg3_1048576_2t_ms", sc);
    report("sumcheck_deg3_2t_ns_per_entry", sc * 1e6 / 1048576.0);
    report("sumcheck_deg3_2t_fq_muls_per_entry", sc * 1e6 / 1048576.0 / fq_ns);
    zkml_set_threads(1);
    sc = sumcheck_deg3_ms(20);
    if (sc < 0)
        return 1;
    report("sumcheck_deg3_1048576_1t_ms", sc);
    report("sumcheck_deg3_1t_fq_muls_per_entry", sc * 1e6 / 1048576.0 / fq_ns);
    report("fq_mul_ns", fq_ns);
    zkml_set_threads(2);

    lk = logup_prove_ms(16);
    if (lk < 0)
        return 1;
    report("logup_prove_65536_lookups_table65536_2t_ms", lk);
    return rc;
}
