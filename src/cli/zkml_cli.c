/*
 * zkml_cli.c: the zkml command, a thin front end to the core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selftest.h"
#include "zkml.h"

/* Same default as the zkml.threads setting of the extension. */
#define ZKML_THREADS_DEFAULT_CAP 8

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: zkml COMMAND\n"
            "\n"
            "Commands:\n"
            "  version      print the version of zkml\n"
            "  self-test    run the known-answer checks of the core;\n"
            "               exit status 0 if all pass, 1 otherwise\n"
            "  --help       show this help\n");
}

static int
cmd_version(void)
{
    printf("zkml %s\n", ZKML_VERSION);
    return 0;
}

static int
default_threads(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    if (ncpu < 1)
        return 1;
    return ncpu < ZKML_THREADS_DEFAULT_CAP ? (int)ncpu : ZKML_THREADS_DEFAULT_CAP;
}

static int
cmd_self_test(void)
{
    const char *err = zkml_init();
    selftest_result *results;
    size_t n, i;
    int failed;

    if (err != NULL) {
        fprintf(stderr, "zkml: could not initialize the core: %s\n", err);
        return 1;
    }
    zkml_set_threads(default_threads());

    n = selftest_count();
    results = calloc(n > 0 ? n : 1, sizeof(*results));
    if (results == NULL) {
        fprintf(stderr, "zkml: out of memory\n");
        return 1;
    }
    failed = selftest_run(results);
    for (i = 0; i < n; i++)
        printf("%-4s %s\n", results[i].ok ? "ok" : "FAIL", results[i].check);
    printf("%zu checks, %d failed\n", n, failed);
    free(results);
    return failed == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int (*run)(void) = NULL;

    if (cmd == NULL) {
        fprintf(stderr, "zkml: no command given\n");
        usage(stderr);
        return 2;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0)
        run = cmd_version;
    else if (strcmp(cmd, "self-test") == 0)
        run = cmd_self_test;
    else {
        fprintf(stderr, "zkml: unknown command \"%s\"\n", cmd);
        usage(stderr);
        return 2;
    }
    if (argc > 2) {
        fprintf(stderr, "zkml: %s takes no arguments\n", cmd);
        usage(stderr);
        return 2;
    }
    return run();
}
