/*
 * bench_trees.c: the proof of a tree ensemble (docs/protocol.md 16) in bench --proofs:
 * XGBoost's 100 trees of depth 6 (tests/fixtures/trees/xgb100.json) on the German
 * Credit rows with missing values, at 1 and 1,024 rows, through the front door
 * (zkml_prove_rows, zkml_verify) on 2 threads: prove and verify times (medians), the
 * prover's CPU time (both threads: less sensitive to a loaded host than the wall clock),
 * proof bytes, and the peak RSS of a child that does only that configuration.  The same
 * with committed inputs (docs/protocol.md 16.10): "xgb100committed_b<B>", with the receipt's
 * bytes (its size per row follows).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "fixture.h"
#include "modelkey.h"
#include "tree_model.h"
#include "tree_proof.h"
#include "zkml.h"

#define TREE_RUNS 3

/* ZKML_BENCH_PHASES=1: each proof's phases (the progress callback) on standard error;
 * ZKML_BENCH_TREE_RUNS=1 or 2: fewer runs than TREE_RUNS (profiling). */
static void
print_phase(void *arg, const char *phase, double seconds)
{
    fprintf(stderr, "  %s %s: %.0f ms\n", (const char *)arg, phase, 1e3 * seconds);
}

/* B rows of keys from a CSV of doubles (header; an empty field is NaN), cycled. */
static int32_t *
key_rows(const char *name, size_t n, size_t B)
{
    size_t len, r = 0, j = 0, cap = 0;
    char *text = fixture_read(name, &len), *p, *end;
    int32_t *all = NULL, *out;

    if (text == NULL)
        return NULL;
    cap = len + 1;
    all = malloc(cap * sizeof *all);
    p = strchr(text, '\n');
    p = p != NULL ? p + 1 : text + len;
    while (all != NULL && *p != '\0') {
        double v = NAN;

        if (*p != ',' && *p != '\n') {
            v = strtod(p, &end);
            p = end;
        }
        all[r * n + j] = tree_key_of_double(v);
        if (*p == ',') {
            p++;
            j++;
            continue;
        }
        if (*p == '\n')
            p++;
        j = 0;
        r++;
    }
    free(text);
    out = all != NULL && r > 0 ? malloc(B * n * sizeof *out) : NULL;
    for (j = 0; out != NULL && j < B; j++)
        memcpy(out + j * n, all + (j % r) * n, n * sizeof *out);
    free(all);
    return out;
}

/* CPU seconds of this process so far, every thread's (user and system). */
static double
cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static int
tree_config(size_t B, int committed)
{
    char err[ZKML_ERR_LEN], fig[96], label[32];
    size_t len, key_len = 0, pub_len = 0, rct_len = 0, plen = 0;
    char *json = fixture_read("trees/xgb100.json", &len);
    uint8_t *key_buf = NULL, *pub = NULL, *rct = NULL;
    zkml_model *zm = NULL;
    zkml_prove_options opts = {(const uint8_t *)"bench", 5, NULL, NULL, NULL, NULL, NULL, 0, NULL,
                               committed};
    double tp[TREE_RUNS], tv[TREE_RUNS], tc[TREE_RUNS];
    int32_t *x;
    int run, runs = TREE_RUNS;

    if (json == NULL || modelkey_keygen(&key_buf, &key_len, json, len, err) != 0 ||
        modelkey_public(&pub, &pub_len, key_buf, key_len, err) != 0 ||
        zkml_model_open(&zm, key_buf, key_len, pub, pub_len, err) != ZKML_OK) {
        fprintf(stderr, "zkml_bench: xgb100: %s\n", json == NULL ? "no fixture" : err);
        return 1;
    }
    free(json);
    if ((x = key_rows("trees/credit_gaps.rows.csv", 20, B)) == NULL)
        return 1;
    snprintf(label, sizeof label, "xgb100%s_b%zu", committed ? "committed" : "", B);
    if (getenv("ZKML_BENCH_PHASES") != NULL) {
        opts.progress = print_phase;
        opts.progress_arg = label;
    }
    if (getenv("ZKML_BENCH_TREE_RUNS") != NULL && atoi(getenv("ZKML_BENCH_TREE_RUNS")) > 0 &&
        atoi(getenv("ZKML_BENCH_TREE_RUNS")) < TREE_RUNS)
        runs = atoi(getenv("ZKML_BENCH_TREE_RUNS"));
    for (run = 0; run < runs; run++) {
        zkml_receipt *r;
        double t0 = now_seconds(), c0 = cpu_seconds();

        free(rct);
        if (zkml_prove_rows(&rct, &rct_len, zm, x, B, 20, &opts, NULL, err) != ZKML_OK) {
            fprintf(stderr, "zkml_bench: xgb100 B=%zu: %s\n", B, err);
            return 1;
        }
        tp[run] = 1e3 * (now_seconds() - t0);
        tc[run] = 1e3 * (cpu_seconds() - c0);
        if (zkml_receipt_open(&r, rct, rct_len, err) != ZKML_OK)
            return 1;
        plen = zkml_receipt_describe(r)->proof_len;
        zkml_receipt_close(r);
        t0 = now_seconds();
        if (zkml_verify(rct, rct_len, pub, pub_len, err) != 1) {
            fprintf(stderr, "zkml_bench: xgb100 B=%zu: %s\n", B, err);
            return 1;
        }
        tv[run] = 1e3 * (now_seconds() - t0);
    }
    snprintf(fig, sizeof fig, "%s_prove_ms", label);
    report(fig, median(tp, runs));
    /* the CPU time of both threads: what the proof costs whatever else the host runs */
    snprintf(fig, sizeof fig, "%s_prove_cpu_ms", label);
    report(fig, median(tc, runs));
    snprintf(fig, sizeof fig, "%s_verify_ms", label);
    report(fig, median(tv, runs));
    snprintf(fig, sizeof fig, "%s_proof_bytes", label);
    report(fig, (double)plen);
    snprintf(fig, sizeof fig, "%s_receipt_bytes", label);
    report(fig, (double)rct_len);
    free(rct);
    free(x);
    free(pub);
    zkml_model_close(zm);
    modelkey_bytes_free(key_buf, key_len);
    return 0;
}

int
group_trees(void)
{
    static const size_t batches[] = {1, 1024};
    const char *only = getenv("ZKML_BENCH_ONLY");
    size_t k;
    int rc = 0;

    for (k = 0; k < 2 * (sizeof batches / sizeof batches[0]); k++) {
        struct rusage ru;
        int status, committed = (int)(k % 2);
        size_t B = batches[k / 2];
        char fig[96];
        pid_t pid;

        snprintf(fig, sizeof fig, "xgb100%s_b%zu", committed ? "committed" : "", B);
        if (only != NULL && strcmp(only, fig) != 0)
            continue;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            bench_child_setup();
            _exit(tree_config(B, committed));
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            rc = 1;
            continue;
        }
        strcat(fig, "_peak_rss_mb");
        report(fig, (double)ru.ru_maxrss / 1024.0);
    }
    return rc;
}
