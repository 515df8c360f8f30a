/*
 * bench_proofs.c: the --proofs group: the inference proof on the standard shapes of
 * DESIGN.md 6 (tests/fixtures) at B = 1, 16 and 1024 rows, 2 threads.  For each
 * configuration: prove_ms and verify_ms (median of a few runs), proof_bytes, and
 * peak_rss_mb of a child process that does only that configuration.
 * ZKML_BENCH_ONLY=mlp20_b1024 (say) runs one configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "infer_proof.h"
#include "weights.h"
#include "zkml.h"

#include "bench.h"

#define PROOF_RUNS 3

/* One configuration, in the current process; prints its figures.  0 or 1. */
static int
proof_config(const char *shape, size_t B)
{
    char name[64], err[MODEL_ERR_LEN], fig[96];
    size_t rows, cols, i, nout, len = 0;
    int32_t *all, *x, *y;
    double tp[PROOF_RUNS], tv[PROOF_RUNS];
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
            double t0 = now_seconds();

            free(proof);
            if (infer_prove(&proof, &len, &st, seed, NULL, err) != 0) {
                fprintf(stderr, "zkml_bench: %s B=%zu: %s\n", shape, B, err);
                return 1;
            }
            tp[run] = 1e3 * (now_seconds() - t0);
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
    static const char *const shapes[] = {"lr20", "mlp20", "mlp64"};
    static const size_t batches[] = {1, 16, 1024};
    size_t s, b;
    int rc = 0;

    for (s = 0; s < 3; s++)
        for (b = 0; b < 3; b++) {
            const char *only = getenv("ZKML_BENCH_ONLY");
            struct rusage ru;
            int status;
            char fig[96];
            pid_t pid;

            snprintf(fig, sizeof fig, "%s_b%zu", shapes[s], batches[b]);
            if (only != NULL && strcmp(only, fig) != 0)
                continue;
            fflush(stdout);
            pid = fork();
            if (pid == 0) {             /* a child per configuration: its own peak RSS */
                zkml_set_threads(2);
                _exit(proof_config(shapes[s], batches[b]));
            }
            if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
                WEXITSTATUS(status) != 0) {
                rc = 1;
                continue;
            }
            snprintf(fig, sizeof fig, "%s_b%zu_peak_rss_mb", shapes[s], batches[b]);
            report(fig, (double)ru.ru_maxrss / 1024.0);
        }
    return rc;
}
