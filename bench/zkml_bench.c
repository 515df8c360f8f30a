/*
 * zkml_bench.c: the benchmark driver.  `zkml_bench --GROUP ...` runs the named groups and
 * prints one figure per line, "name value", each the median of several runs.  Groups are
 * rows of the table `groups` below; a new group is one function and one row.
 *
 *   --micro      field multiplication and MSM figures (docs/design.md 6)
 *   --msm-tune   MSM time at 2^16 points for each window width near the chosen one
 *   --args       commitments and arguments: Hyrax, IPA, sumcheck, LogUp (bench_args.c)
 *   --proofs     inference proofs on the standard shapes (bench_proofs.c)
 *   --parts      groups proven in parts of a receipt of several proofs (bench_parts.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field.h"
#include "group.h"
#include "msm.h"
#include "zkml.h"

#include "bench.h"

#define MUL_CHAIN 10000000     /* multiplications per timed field run */
#define FIELD_RUNS 7
#define MSM_RUNS 7
#define MSM_LOG_N 16

/* ---- timing and statistics ---- */

double
now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void
report(const char *name, double value)
{
    printf("%s %.2f\n", name, value);
    fflush(stdout);
}

void
bench_child_setup(void)
{
    const char *threads = getenv("ZKML_BENCH_THREADS"), *keep = getenv("ZKML_BENCH_KEEP_MB");

    zkml_set_threads(threads != NULL ? atoi(threads) : 2);
    if (keep != NULL)
        zkml_set_keep_memory((size_t)strtoul(keep, NULL, 10) << 20);
}

void
peak_rss_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");

    if (f != NULL) {
        fputs("5", f);                  /* 5: reset the peak resident set size */
        fclose(f);
    }
}

double
peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtod(line + 6, NULL);
    fclose(f);
    return kb < 0 ? -1 : kb / 1024.0;
}

/* ---- deterministic inputs (splitmix64: the figures do not depend on the OS RNG) ---- */

static uint64_t bench_rng_state = 0x6a09e667f3bcc908ULL;

uint64_t
bench_rand64(void)
{
    uint64_t z = (bench_rng_state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void
random_fq(fq_t *r)
{
    uint8_t wide[64];
    int i;

    for (i = 0; i < 64; i++)
        wide[i] = (uint8_t)bench_rand64();
    fq_from_bytes_wide(r, wide);
}

static void
random_fp(fp_t *r)
{
    uint8_t wide[64];
    int i;

    for (i = 0; i < 64; i++)
        wide[i] = (uint8_t)bench_rand64();
    fp_from_bytes_wide(r, wide);
}

/*
 * n distinct-looking points: a random walk P_{i+1} = P_i + T_j over 16 random multiples
 * T_j of the test generator (one addition per point instead of a scalar multiplication).
 */
ge_t *
random_points(size_t n)
{
    gep_t table[16], g, cur, *proj = malloc(n * sizeof *proj);
    ge_t gen, *pts = malloc(n * sizeof *pts);
    fq_t k;
    size_t i;

    if (proj == NULL || pts == NULL) {
        free(proj);
        free(pts);
        return NULL;
    }
    ge_test_generator(&gen);
    gep_set_ge(&g, &gen);
    for (i = 0; i < 16; i++) {
        random_fq(&k);
        gep_mul_vartime(&table[i], &g, &k);
    }
    cur = table[0];
    for (i = 0; i < n; i++) {
        gep_add(&cur, &cur, &table[bench_rand64() & 15]);
        proj[i] = cur;
    }
    ge_set_gep_batch(pts, proj, n);
    free(proj);
    return pts;
}

/* ---- field ---- */

/* Nanoseconds per multiplication in a dependent chain, median of FIELD_RUNS runs. */
double
bench_fq_mul(void)
{
    double t[FIELD_RUNS];
    volatile uint64_t sink;
    fq_t x, y;
    int run, i;

    random_fq(&x);
    random_fq(&y);
    for (run = 0; run < FIELD_RUNS; run++) {
        double t0 = now_seconds();

        for (i = 0; i < MUL_CHAIN; i++)
            fq_mul(&x, &x, &y);
        t[run] = (now_seconds() - t0) * 1e9 / MUL_CHAIN;
    }
    sink = x.l[0];
    (void)sink;
    return median(t, FIELD_RUNS);
}

static double
bench_fp_mul(void)
{
    double t[FIELD_RUNS];
    volatile uint64_t sink;
    fp_t x, y;
    int run, i;

    random_fp(&x);
    random_fp(&y);
    for (run = 0; run < FIELD_RUNS; run++) {
        double t0 = now_seconds();

        for (i = 0; i < MUL_CHAIN; i++)
            fp_mul(&x, &x, &y);
        t[run] = (now_seconds() - t0) * 1e9 / MUL_CHAIN;
    }
    sink = x.l[0];
    (void)sink;
    return median(t, FIELD_RUNS);
}

/* ---- MSM ---- */

typedef struct {
    size_t n;
    ge_t *points;
    fq_t *full;         /* uniform scalars */
    int32_t *small16;   /* uniform in [-2^15, 2^15) */
} msm_inputs;

static int
msm_inputs_make(msm_inputs *in, size_t n)
{
    size_t i;

    in->n = n;
    in->points = random_points(n);
    in->full = malloc(n * sizeof *in->full);
    in->small16 = malloc(n * sizeof *in->small16);
    if (in->points == NULL || in->full == NULL || in->small16 == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        random_fq(&in->full[i]);
        in->small16[i] = (int32_t)(bench_rand64() & 0xffff) - 0x8000;
    }
    return 0;
}

static void
msm_inputs_free(msm_inputs *in)
{
    free(in->points);
    free(in->full);
    free(in->small16);
}

typedef enum { MSM_FULL, MSM_SMALL } msm_kind;

/* Milliseconds per call, median of MSM_RUNS runs; c = 0 lets msm choose; -1 on failure. */
static double
bench_msm(const msm_inputs *in, msm_kind kind, int threads, unsigned c)
{
    double t[MSM_RUNS];
    gep_t r;
    int run, rc;

    for (run = 0; run < MSM_RUNS; run++) {
        double t0 = now_seconds();

        if (kind == MSM_SMALL)
            rc = msm_small(&r, in->points, in->small16, in->n, threads);
        else if (c == 0)
            rc = msm(&r, in->points, in->full, in->n, threads);
        else
            rc = msm_with_window(&r, in->points, in->full, in->n, threads, c);
        t[run] = (now_seconds() - t0) * 1e3;
        if (rc != 0)
            return -1;
    }
    return median(t, MSM_RUNS);
}

/* ---- groups ---- */

static int
group_micro(void)
{
    msm_inputs in;
    size_t n = (size_t)1 << MSM_LOG_N;
    double v, fq_ns;
    int rc = 0;

    report("fq_mul_ns", fq_ns = bench_fq_mul());
    report("fp_mul_ns", bench_fp_mul());
    if (msm_inputs_make(&in, n) != 0) {
        fprintf(stderr, "zkml_bench: out of memory\n");
        msm_inputs_free(&in);
        return 1;
    }
    printf("msm_full_65536_1t_window %u\n", msm_window_bits(n, 254, 1));
    printf("msm_full_65536_2t_window %u\n", msm_window_bits(n, 254, 2));
    if ((v = bench_msm(&in, MSM_FULL, 1, 0)) < 0)
        rc = 1;
    report("msm_full_65536_1t_ms", v);
    /* the same in thousands of field multiplications: steadier on a shared machine */
    report("msm_full_65536_1t_kilo_fq_muls", v * 1e3 / fq_ns);
    if ((v = bench_msm(&in, MSM_SMALL, 1, 0)) < 0)
        rc = 1;
    report("msm_small16_65536_1t_ms", v);
    if ((v = bench_msm(&in, MSM_FULL, 2, 0)) < 0)
        rc = 1;
    report("msm_full_65536_2t_ms", v);
    if ((v = bench_msm(&in, MSM_SMALL, 2, 0)) < 0)
        rc = 1;
    report("msm_small16_65536_2t_ms", v);
    msm_inputs_free(&in);
    if (rc != 0)
        fprintf(stderr, "zkml_bench: an MSM failed\n");
    return rc;
}

static int
group_msm_tune(void)
{
    msm_inputs in;
    size_t n = (size_t)1 << MSM_LOG_N;
    unsigned chosen = msm_window_bits(n, 254, 1), c;
    char name[64];
    int rc = 0;

    if (msm_inputs_make(&in, n) != 0) {
        fprintf(stderr, "zkml_bench: out of memory\n");
        msm_inputs_free(&in);
        return 1;
    }
    printf("msm_full_65536_1t_window %u\n", chosen);
    for (c = chosen - 2; c <= chosen + 2 && c <= MSM_MAX_WINDOW; c++) {
        double v = bench_msm(&in, MSM_FULL, 1, c);

        if (v < 0)
            rc = 1;
        snprintf(name, sizeof name, "msm_full_65536_c%u_1t_ms", c);
        report(name, v);
    }
    msm_inputs_free(&in);
    return rc;
}

typedef struct {
    const char *flag;
    const char *what;
    int (*run)(void);
} bench_group;

static const bench_group groups[] = {
    {"--micro", "field multiplication and MSM figures", group_micro},
    {"--msm-tune", "MSM time per window width at 2^16 points", group_msm_tune},
    {"--args", "Hyrax, IPA, sumcheck and LogUp figures", group_args},
    {"--proofs", "inference proofs on the standard shapes (run from the repository root)",
     group_proofs},
    {"--parts", "groups proven in parts: rows/s per part size, a 100,000-row group (minutes)",
     group_parts},
};

#define NGROUPS (sizeof groups / sizeof groups[0])

static void
usage(void)
{
    size_t g;

    fprintf(stderr, "usage: zkml_bench GROUP...\n");
    for (g = 0; g < NGROUPS; g++)
        fprintf(stderr, "  %-12s %s\n", groups[g].flag, groups[g].what);
}

int
main(int argc, char **argv)
{
    const char *err;
    size_t g;
    int i, rc = 0;

    if (argc < 2) {
        usage();
        return 2;
    }
    for (i = 1; i < argc; i++) {
        for (g = 0; g < NGROUPS && strcmp(argv[i], groups[g].flag) != 0; g++)
            ;
        if (g == NGROUPS) {
            fprintf(stderr, "zkml_bench: unknown group %s\n", argv[i]);
            usage();
            return 2;
        }
    }
    if ((err = zkml_init()) != NULL) {
        fprintf(stderr, "zkml_bench: zkml_init: %s\n", err);
        return 1;
    }
    for (i = 1; i < argc; i++) {
        for (g = 0; strcmp(argv[i], groups[g].flag) != 0; g++)
            ;
        rc |= groups[g].run();
    }
    return rc;
}
