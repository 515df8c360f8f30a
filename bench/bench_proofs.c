/*
 * bench_proofs.c: the --proofs group: the inference proof on the standard shapes of
 * docs/design.md 6 (tests/fixtures) at B = 1, 16 and 1024 rows, 2 threads.  For each
 * configuration: prove_ms and verify_ms (median of a few runs), proof_bytes, and
 * peak_rss_mb of a child process that does only that configuration, the share of
 * prove time spent in MSMs (msm_seconds) and its inverse (prove time over MSM time),
 * each phase of the prover, and the longest stretch without a question to the interrupt
 * hook (how late a cancel can take effect; the first run, which builds the generator
 * tables, separately).
 * ZKML_BENCH_ONLY=mlp20_b1024 (say) runs one configuration (a comma-separated list, several); mlp20v2_b4096 and mlp20_b10000 run only so.
 * ZKML_BENCH_THREADS=1 proves on one thread in place of 2 (comparisons on a busy machine),
 * ZKML_BENCH_KEEP_MB=0 keeps no memory between proofs (bench_child_setup);
 * prove_cpu_ms and verify_cpu_ms are the CPU time of all threads.
 * A proof is what the front ends make, zkml_prove_rows of the rows (its receipt around the
 * proof: the forward pass and the encoding add little), checked with zkml_verify.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "infer_proof.h"
#include "modelkey.h"
#include "msm.h"
#include "zkml.h"

#include "bench.h"

#define PROOF_RUNS 3
#define PHASES 6

/* "lookup tree": version 2's fractional-sum tree (docs/protocol.md 7.18.3); 0 in version 1 */
static const char *const phase_names[PHASES] = {"witness", "commitments", "lookup tree",
                                                "sumcheck S1", "sumcheck S2", "openings"};
static const char *const phase_keys[PHASES] = {"witness", "commit", "tree", "s1", "s2",
                                               "open"};

/* Seconds of each phase of the current run (zkml_prove_options.progress). */
static double phase_seconds[PHASES];

static void
record_phase(void *arg, const char *phase, double seconds)
{
    int i;

    (void)arg;
    for (i = 0; i < PHASES; i++)
        if (strcmp(phase, phase_names[i]) == 0)
            phase_seconds[i] = seconds;
}

/* CPU seconds of this process so far (user and system, every thread). */
static double
cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* The longest time without a question to the interrupt hook in the current run. */
static double hook_last, hook_max_gap;

static int
gap_hook(void)
{
    double t = now_seconds();

    if (t - hook_last > hook_max_gap)
        hook_max_gap = t - hook_last;
    hook_last = t;
    return 0;
}

/* One configuration, in the current process; prints its figures under label (the
 * shape, "committed" appended for committed inputs, docs/protocol.md 7.19-7.20).  0 or 1. */
static int
proof_config(const char *shape, size_t B, int committed, const char *label)
{
    char name[64], err[ZKML_ERR_LEN], fig[96];
    size_t rows, cols, i, len = 0, key_len = 0, pub_len = 0, rct_len = 0;
    int32_t *all, *x;
    double tp[PROOF_RUNS], tv[PROOF_RUNS], share[PROOF_RUNS], ph[PHASES][PROOF_RUNS];
    double gap[PROOF_RUNS], cp[PROOF_RUNS], cv[PROOF_RUNS], prove_peak = -1;
    zkml_prove_options opts = {(const uint8_t *)"bench", 5, NULL, NULL, record_phase, NULL,
                               NULL, 0, NULL, committed};
    uint8_t *key_buf = NULL, *pub = NULL, *rct = NULL;
    zkml_model *zm = NULL;
    modelkey key;
    int run;

    memset(&key, 0, sizeof key);
    key.seed[0] = 1;
    snprintf(name, sizeof name, "%s.q.json", shape);
    if (fixture_model(&key.model, name, err) != MODEL_OK)
        return 1;
    all = fixture_rows(shape, &rows, &cols);
    if (all == NULL)
        return 1;
    x = malloc(B * cols * sizeof(int32_t));
    for (i = 0; i < B; i++)
        memcpy(x + i * cols, all + (i % rows) * cols, cols * sizeof(int32_t));
    if (modelkey_encode(&key_buf, &key_len, &key, err) != 0 ||
        modelkey_public(&pub, &pub_len, key_buf, key_len, err) != 0 ||
        zkml_model_open(&zm, key_buf, key_len, pub, pub_len, err) != ZKML_OK) {
        fprintf(stderr, "zkml_bench: %s: %s\n", shape, err);
        return 1;
    }
    for (run = 0; run < PROOF_RUNS; run++) {
        zkml_receipt *r;
        double t0 = now_seconds(), m0 = msm_seconds(), c0 = cpu_seconds();
        int p;

        free(rct);
        hook_last = t0;
        hook_max_gap = 0;
        zkml_set_interrupt_hook(gap_hook);
        peak_rss_reset();
        if (zkml_prove_rows(&rct, &rct_len, zm, x, B, cols, &opts, NULL, err) != ZKML_OK) {
            fprintf(stderr, "zkml_bench: %s B=%zu: %s\n", shape, B, err);
            return 1;
        }
        prove_peak = fmax(prove_peak, peak_rss_mb());
        gap_hook();                         /* the stretch up to the end */
        zkml_set_interrupt_hook(NULL);
        gap[run] = 1e3 * hook_max_gap;
        tp[run] = 1e3 * (now_seconds() - t0);
        cp[run] = 1e3 * (cpu_seconds() - c0);
        share[run] = 1e3 * (msm_seconds() - m0) / tp[run];
        for (p = 0; p < PHASES; p++)
            ph[p][run] = 1e3 * phase_seconds[p];
        if (zkml_receipt_open(&r, rct, rct_len, err) != ZKML_OK) {
            fprintf(stderr, "zkml_bench: %s B=%zu: %s\n", shape, B, err);
            return 1;
        }
        len = zkml_receipt_describe(r)->proof_len;
        zkml_receipt_close(r);
        t0 = now_seconds();
        c0 = cpu_seconds();
        if (zkml_verify(rct, rct_len, pub, pub_len, err) != 1) {
            fprintf(stderr, "zkml_bench: %s B=%zu: %s\n", shape, B, err);
            return 1;
        }
        tv[run] = 1e3 * (now_seconds() - t0);
        cv[run] = 1e3 * (cpu_seconds() - c0);
    }
    snprintf(fig, sizeof fig, "%s_b%zu_prove_ms", label, B);
    report(fig, median(tp, PROOF_RUNS));
    /* the most resident during one proof (the process's data before it included) */
    snprintf(fig, sizeof fig, "%s_b%zu_prove_peak_rss_mb", label, B);
    report(fig, prove_peak);
    snprintf(fig, sizeof fig, "%s_b%zu_verify_ms", label, B);
    report(fig, median(tv, PROOF_RUNS));
    /* CPU time (all threads): steadier than wall time on a shared machine */
    snprintf(fig, sizeof fig, "%s_b%zu_prove_cpu_ms", label, B);
    report(fig, median(cp, PROOF_RUNS));
    snprintf(fig, sizeof fig, "%s_b%zu_verify_cpu_ms", label, B);
    report(fig, median(cv, PROOF_RUNS));
    snprintf(fig, sizeof fig, "%s_b%zu_proof_bytes", label, B);
    report(fig, (double)len);
    /* the receipt without its proof, per row: keys, inputs or commitments, outputs */
    snprintf(fig, sizeof fig, "%s_b%zu_receipt_bytes_per_row", label, B);
    report(fig, (double)(rct_len - len) / (double)B);
    snprintf(fig, sizeof fig, "%s_b%zu_msm_share", label, B);
    report(fig, median(share, PROOF_RUNS));
    /* how far the prover is from its MSMs alone (issue 15's ratio) */
    snprintf(fig, sizeof fig, "%s_b%zu_prove_over_msm", label, B);
    report(fig, 1.0 / median(share, PROOF_RUNS));
    snprintf(fig, sizeof fig, "%s_b%zu_first_interrupt_gap_ms", label, B);
    report(fig, gap[0]);
    snprintf(fig, sizeof fig, "%s_b%zu_interrupt_gap_ms", label, B);
    report(fig, median(gap + 1, PROOF_RUNS - 1));
    for (run = 0; run < PHASES; run++) {
        snprintf(fig, sizeof fig, "%s_b%zu_prove_%s_ms", label, B, phase_keys[run]);
        report(fig, median(ph[run], PROOF_RUNS));
    }
    free(rct);
    free(all);
    free(x);
    zkml_model_close(zm);
    free(pub);
    modelkey_bytes_free(key_buf, key_len);
    modelkey_free(&key);
    return 0;
}

/* 1 if fig is one of the comma-separated names of list (ZKML_BENCH_ONLY). */
static int
named_in(const char *list, const char *fig)
{
    size_t n = strlen(fig);
    const char *p = list;

    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

        if (len == n && strncmp(p, fig, n) == 0)
            return 1;
        p += len + (end != NULL);
    }
    return 0;
}

int
group_proofs(void)
{
    static const struct {
        const char *shape;
        size_t batch;
        int on_request;                 /* only when ZKML_BENCH_ONLY names it */
        int committed;                  /* committed inputs: "<shape>committed_b<B>" */
    } configs[] = {{"lr20", 1, 0, 0},   {"lr20", 16, 0, 0},   {"lr20", 1024, 0, 0},
                   {"mlp20", 1, 0, 0},  {"mlp20", 16, 0, 0},  {"mlp20", 1024, 0, 0},
                   {"mlp64", 1, 0, 0},  {"mlp64", 16, 0, 0},  {"mlp64", 1024, 0, 0},
                   /* protocol version 2, the same functions (docs/protocol.md 6.4, 7.17) */
                   {"lr20v2", 1, 0, 0}, {"lr20v2", 16, 0, 0}, {"lr20v2", 1024, 0, 0},
                   {"mlp20v2", 1, 0, 0}, {"mlp20v2", 16, 0, 0}, {"mlp20v2", 1024, 0, 0},
                   {"mlp64v2", 1, 0, 0}, {"mlp64v2", 16, 0, 0}, {"mlp64v2", 1024, 0, 0},
                   {"mlp20v2relu", 1, 0, 0}, {"mlp20v2relu", 16, 0, 0}, {"mlp20v2relu", 1024, 0, 0},
                   {"mlp64v2relu", 1, 0, 0}, {"mlp64v2relu", 16, 0, 0}, {"mlp64v2relu", 1024, 0, 0},
                   /* committed inputs beside public ones (docs/design.md 9.2) */
                   {"lr20v2", 16, 0, 1}, {"mlp20v2", 16, 0, 1}, {"mlp20v2", 1024, 0, 1},
                   {"mlp20v2", 4096, 1, 0}, {"mlp20", 10000, 1, 0}};
    const char *only = getenv("ZKML_BENCH_ONLY");
    size_t k;
    int rc = 0;

    for (k = 0; k < sizeof configs / sizeof configs[0]; k++) {
        const char *shape = configs[k].shape;
        size_t batch = configs[k].batch;
        struct rusage ru;
        int status;
        char fig[96];
        pid_t pid;

        char label[64];

        snprintf(label, sizeof label, "%s%s", shape, configs[k].committed ? "committed" : "");
        snprintf(fig, sizeof fig, "%s_b%zu", label, batch);
        if (only != NULL ? !named_in(only, fig) : configs[k].on_request)
            continue;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {                 /* a child per configuration: its own peak RSS */
            bench_child_setup();
            _exit(proof_config(shape, batch, configs[k].committed, label));
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            rc = 1;
            continue;
        }
        snprintf(fig, sizeof fig, "%s_b%zu_peak_rss_mb", label, batch);
        report(fig, (double)ru.ru_maxrss / 1024.0);
        {
            char err[ZKML_ERR_LEN], name[64];
            zk_model m;

            snprintf(name, sizeof name, "%s.q.json", shape);
            if (fixture_model(&m, name, err) == MODEL_OK) {
                snprintf(fig, sizeof fig, "%s_b%zu_memory_estimate_mb", label, batch);
                report(fig, (double)infer_prove_memory_estimate(&m, batch) / 1048576.0);
                model_free(&m);
            }
        }
    }
    return rc | group_trees();   /* bench_trees.c */
}
