/*
 * bench_proofs.c: the --proofs group: the inference proof on the standard shapes of
 * DESIGN.md 6 (tests/fixtures) at B = 1, 16 and 1024 rows, 2 threads.  For each
 * configuration: prove_ms and verify_ms (median of a few runs), proof_bytes, and
 * peak_rss_mb of a child process that does only that configuration, the share of
 * prove time spent in MSMs (msm_seconds), each phase of the prover, and the longest
 * stretch without a question to the interrupt hook (how late a cancel can take effect;
 * the first run, which builds the generator tables, separately).
 * ZKML_BENCH_ONLY=mlp20_b1024 (say) runs one configuration; mlp20_b10000 runs only so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "infer_proof.h"
#include "msm.h"
#include "weights.h"
#include "zkml.h"

#include "bench.h"

#define PROOF_RUNS 3
#define PHASES 5

static const char *const phase_names[PHASES] = {"witness", "commitments", "sumcheck S1",
                                                "sumcheck S2", "openings"};
static const char *const phase_keys[PHASES] = {"witness", "commit", "s1", "s2", "open"};

/* Seconds of each phase of the current run (infer_options.progress). */
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

/* One configuration, in the current process; prints its figures.  0 or 1. */
static int
proof_config(const char *shape, size_t B)
{
    char name[64], err[ZKML_ERR_LEN], fig[96];
    size_t rows, cols, i, nout, len = 0;
    int32_t *all, *x, *y;
    double tp[PROOF_RUNS], tv[PROOF_RUNS], share[PROOF_RUNS], ph[PHASES][PROOF_RUNS];
    double gap[PROOF_RUNS];
    infer_options opts = {NULL, record_phase, NULL};
    uint8_t seed[32] = {1}, *proof = NULL;
    weights_layout wl;
    hyrax_commitment wr;
    model_trace tr;
    zk_model m;
    int run;

    snprintf(name, sizeof name, "%s.q.json", shape);
    if (fixture_model(&m, name, err) != MODEL_OK)
        return 1;
    snprintf(name, sizeof name, "%s.rows.csv", shape);
    all = fixture_csv(name, &rows, &cols);
    if (all == NULL)
        return 1;
    x = malloc(B * cols * sizeof(int32_t));
    for (i = 0; i < B; i++)
        memcpy(x + i * cols, all + (i % rows) * cols, cols * sizeof(int32_t));
    if (model_forward(&tr, &m, x, B, 0, err) != MODEL_OK)
        return 1;
    nout = B * m.layer[m.n_layers - 1].m;
    y = malloc(nout * sizeof(int32_t));
    memcpy(y, tr.out, nout * sizeof(int32_t));
    model_trace_free(&tr);
    if (weights_layout_build(&wl, &m) != 0 || weights_commit(&wr, &wl, &m, seed) != 0)
        return 1;
    {
        infer_statement st = {&m, &wr, B, x, y, (const uint8_t *)"bench", 5};

        for (run = 0; run < PROOF_RUNS; run++) {
            const char *why;
            double t0 = now_seconds(), m0 = msm_seconds();
            int p;

            free(proof);
            hook_last = t0;
            hook_max_gap = 0;
            zkml_set_interrupt_hook(gap_hook);
            if (infer_prove_opts(&proof, &len, &st, seed, &opts, err) != 0) {
                fprintf(stderr, "zkml_bench: %s B=%zu: %s\n", shape, B, err);
                return 1;
            }
            gap_hook();                         /* the stretch up to the end */
            zkml_set_interrupt_hook(NULL);
            gap[run] = 1e3 * hook_max_gap;
            tp[run] = 1e3 * (now_seconds() - t0);
            share[run] = 1e3 * (msm_seconds() - m0) / tp[run];
            for (p = 0; p < PHASES; p++)
                ph[p][run] = 1e3 * phase_seconds[p];
            t0 = now_seconds();
            if (infer_verify(&st, proof, len, &why) != 1) {
                fprintf(stderr, "zkml_bench: %s B=%zu: %s\n", shape, B, why);
                return 1;
            }
            tv[run] = 1e3 * (now_seconds() - t0);
        }
    }
    snprintf(fig, sizeof fig, "%s_b%zu_prove_ms", shape, B);
    report(fig, median(tp, PROOF_RUNS));
    snprintf(fig, sizeof fig, "%s_b%zu_verify_ms", shape, B);
    report(fig, median(tv, PROOF_RUNS));
    snprintf(fig, sizeof fig, "%s_b%zu_proof_bytes", shape, B);
    report(fig, (double)len);
    snprintf(fig, sizeof fig, "%s_b%zu_msm_share", shape, B);
    report(fig, median(share, PROOF_RUNS));
    snprintf(fig, sizeof fig, "%s_b%zu_first_interrupt_gap_ms", shape, B);
    report(fig, gap[0]);
    snprintf(fig, sizeof fig, "%s_b%zu_interrupt_gap_ms", shape, B);
    report(fig, median(gap + 1, PROOF_RUNS - 1));
    for (run = 0; run < PHASES; run++) {
        snprintf(fig, sizeof fig, "%s_b%zu_prove_%s_ms", shape, B, phase_keys[run]);
        report(fig, median(ph[run], PROOF_RUNS));
    }
    free(proof);
    free(all);
    free(x);
    free(y);
    hyrax_commitment_free(&wr);
    model_free(&m);
    return 0;
}

int
group_proofs(void)
{
    static const struct {
        const char *shape;
        size_t batch;
        int on_request;                 /* only when ZKML_BENCH_ONLY names it */
    } configs[] = {{"lr20", 1, 0},   {"lr20", 16, 0},   {"lr20", 1024, 0},
                   {"mlp20", 1, 0},  {"mlp20", 16, 0},  {"mlp20", 1024, 0},
                   {"mlp64", 1, 0},  {"mlp64", 16, 0},  {"mlp64", 1024, 0},
                   {"mlp20", 10000, 1}};
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

        snprintf(fig, sizeof fig, "%s_b%zu", shape, batch);
        if (only != NULL ? strcmp(only, fig) != 0 : configs[k].on_request)
            continue;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {                 /* a child per configuration: its own peak RSS */
            zkml_set_threads(2);
            _exit(proof_config(shape, batch));
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            rc = 1;
            continue;
        }
        snprintf(fig, sizeof fig, "%s_b%zu_peak_rss_mb", shape, batch);
        report(fig, (double)ru.ru_maxrss / 1024.0);
        {
            char err[ZKML_ERR_LEN], name[64];
            zk_model m;

            snprintf(name, sizeof name, "%s.q.json", shape);
            if (fixture_model(&m, name, err) == MODEL_OK) {
                snprintf(fig, sizeof fig, "%s_b%zu_memory_estimate_mb", shape, batch);
                report(fig, (double)infer_prove_memory_estimate(&m, batch) / 1048576.0);
                model_free(&m);
            }
        }
    }
    return rc;
}
