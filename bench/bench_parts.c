/*
 * bench_parts.c: the --parts group: groups proven in parts (docs/protocol.md 12.10.4), on
 * mlp20v2 with 2 threads, one run each (the figures the default of zkml.rows_per_proof
 * is chosen from).  For C = 1024 .. 16384: one proof of C rows, its rows per second and
 * the peak RSS of a child process that does only that.  Then a group of
 * ZKML_BENCH_GROUP_ROWS rows (default 100,000) in parts of ZKML_BENCH_PARTS_C rows
 * (default 4096, zkml.rows_per_proof's) through zkml_prove_rows, as zkml_prove_batch makes it: its time, rows
 * per second, peak RSS and the verification of the whole receipt; each with the child's
 * processor time (user and system, both threads).  Slow: minutes.  ZKML_BENCH_THREADS
 * and ZKML_BENCH_KEEP_MB as for --proofs (bench_child_setup).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "modelkey.h"
#include "zkml.h"

#include "bench.h"

#define PARTS_SHAPE "mlp20v2"

/* Prove B rows of mlp20v2 in parts of C (0: one proof) and verify; prints figures. */
static int
parts_config(size_t B, size_t C, const char *tag)
{
    char err[ZKML_ERR_LEN], fig[96];
    size_t rows, cols, i, key_len = 0, pub_len = 0, rct_len = 0;
    int32_t *all, *x;
    zkml_prove_options opts;
    uint8_t *key_buf = NULL, *pub = NULL, *rct = NULL;
    zkml_model *zm = NULL;
    modelkey key;
    double t0, tp, tv;

    memset(&key, 0, sizeof key);
    key.seed[0] = 1;
    if (fixture_model(&key.model, PARTS_SHAPE ".q.json", err) != MODEL_OK)
        return 1;
    all = fixture_csv("mlp20.rows.csv", &rows, &cols);
    x = all != NULL ? malloc(B * cols * sizeof(int32_t)) : NULL;
    if (x == NULL)
        return 1;
    for (i = 0; i < B; i++)
        memcpy(x + i * cols, all + (i % rows) * cols, cols * sizeof(int32_t));
    if (modelkey_encode(&key_buf, &key_len, &key, err) != 0 ||
        modelkey_public(&pub, &pub_len, key_buf, key_len, err) != 0 ||
        zkml_model_open(&zm, key_buf, key_len, pub, pub_len, err) != ZKML_OK) {
        fprintf(stderr, "zkml_bench: %s: %s\n", PARTS_SHAPE, err);
        return 1;
    }
    memset(&opts, 0, sizeof opts);
    opts.context = (const uint8_t *)"bench";
    opts.context_len = 5;
    opts.rows_per_proof = C;
    t0 = now_seconds();
    if (zkml_prove_rows(&rct, &rct_len, zm, x, B, cols, &opts, NULL, err) != ZKML_OK) {
        fprintf(stderr, "zkml_bench: %s B=%zu C=%zu: %s\n", PARTS_SHAPE, B, C, err);
        return 1;
    }
    tp = now_seconds() - t0;
    t0 = now_seconds();
    if (zkml_verify(rct, rct_len, pub, pub_len, err) != 1) {
        fprintf(stderr, "zkml_bench: %s B=%zu C=%zu: %s\n", PARTS_SHAPE, B, C, err);
        return 1;
    }
    tv = now_seconds() - t0;
    snprintf(fig, sizeof fig, "%s_%s_prove_ms", PARTS_SHAPE, tag);
    report(fig, 1e3 * tp);
    snprintf(fig, sizeof fig, "%s_%s_rows_per_s", PARTS_SHAPE, tag);
    report(fig, (double)B / tp);
    snprintf(fig, sizeof fig, "%s_%s_verify_ms", PARTS_SHAPE, tag);
    report(fig, 1e3 * tv);
    snprintf(fig, sizeof fig, "%s_%s_receipt_bytes", PARTS_SHAPE, tag);
    report(fig, (double)rct_len);
    free(rct);
    free(all);
    free(x);
    zkml_model_close(zm);
    free(pub);
    modelkey_bytes_free(key_buf, key_len);
    modelkey_free(&key);
    return 0;
}

/* One configuration in a child process: its own peak RSS.  0 or 1. */
static int
parts_child(size_t B, size_t C, const char *tag)
{
    struct rusage ru;
    char fig[96];
    int status;
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        bench_child_setup();
        _exit(parts_config(B, C, tag));
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return 1;
    snprintf(fig, sizeof fig, "%s_%s_peak_rss_mb", PARTS_SHAPE, tag);
    report(fig, (double)ru.ru_maxrss / 1024.0);
    /* on a loaded machine the processor time is the steadier figure */
    snprintf(fig, sizeof fig, "%s_%s_child_cpu_s", PARTS_SHAPE, tag);
    report(fig, (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                    1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec));
    return 0;
}

int
group_parts(void)
{
    const char *env_rows = getenv("ZKML_BENCH_GROUP_ROWS"), *env_c = getenv("ZKML_BENCH_PARTS_C");
    size_t group_rows = env_rows != NULL ? strtoul(env_rows, NULL, 10) : 100000;
    size_t C = env_c != NULL ? strtoul(env_c, NULL, 10) : 4096, c;
    char tag[64];
    int rc = 0;

    for (c = 1024; c <= 16384 && getenv("ZKML_BENCH_GROUP_ONLY") == NULL; c *= 2) {
        snprintf(tag, sizeof tag, "c%zu", c);
        rc |= parts_child(c, 0, tag);
    }
    if (group_rows > 0 && C > 0) {
        snprintf(tag, sizeof tag, "group%zu_c%zu", group_rows, C);
        rc |= parts_child(group_rows, C, tag);
    }
    return rc;
}
