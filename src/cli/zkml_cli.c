/*
 * zkml_cli.c: the zkml command, a thin front end to the core.
 *
 * Exit status: 0 success, 1 the operation failed, 2 unusable arguments or files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelkey.h"
#include "selftest.h"
#include "zkml.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* Same default as the zkml.threads setting of the extension. */
#define ZKML_THREADS_DEFAULT_CAP 8

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);     /* argv[0] is the command name */
    int takes_options;
} command;

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: zkml COMMAND [OPTIONS]\n"
            "\n"
            "Commands:\n"
            "  version      print the version of zkml\n"
            "  self-test    run the known-answer checks of the core;\n"
            "               exit status 0 if all pass, 1 otherwise\n"
            "  keygen --model Q.json --out MODEL.key [--force]\n"
            "               read a quantized model, draw its secret seed and write the\n"
            "               private key file (mode 0600; an existing file is kept unless\n"
            "               --force)\n"
            "  public --key MODEL.key --out MODEL.pub [--force]\n"
            "               commit to the weights of a key, write the public file (an\n"
            "               existing file is kept unless --force) and print its model\n"
            "               digest (SHA-256 of the file, hex)\n"
            "  --help       show this help\n"
            "\n"
            "Exit status: 0 success, 1 the operation failed, 2 unusable arguments or files.\n");
}

/* ---- files ---- */

/* The whole of a regular file, NUL-terminated, malloc'd; NULL with a message. */
static uint8_t *
read_file(const char *path, size_t *len)
{
    struct stat st;
    uint8_t *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY);

    if (fd < 0) {
        fprintf(stderr, "zkml: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "zkml: %s is not a regular file\n", path);
        close(fd);
        return NULL;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        fprintf(stderr, "zkml: out of memory reading %s\n", path);
        close(fd);
        return NULL;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

        if (n <= 0) {
            fprintf(stderr, "zkml: cannot read %s: %s\n", path,
                    n < 0 ? strerror(errno) : "file shrank while reading");
            explicit_bzero(buf, got);
            free(buf);
            close(fd);
            return NULL;
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = 0;
    *len = got;
    return buf;
}

/* Create an output file: an existing one only with force; a secret gets mode 0600 even
 * when it replaces a file.  -1 with a message (the caller exits with EXIT_USAGE). */
static int
open_output(const char *path, int force, int secret)
{
    mode_t mode = secret ? 0600 : 0644;
    int fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL), mode);

    if (fd < 0) {
        if (errno == EEXIST)
            fprintf(stderr, "zkml: %s exists; use --force to replace it\n", path);
        else
            fprintf(stderr, "zkml: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (secret && fchmod(fd, 0600) != 0) {
        fprintf(stderr, "zkml: cannot restrict %s to mode 0600: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Write everything and close; on failure remove the file.  0, or -1 with a message. */
static int
write_all(int fd, const char *path, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done < len || fsync(fd) != 0 || close(fd) != 0) {
        fprintf(stderr, "zkml: cannot write %s: %s\n", path, strerror(errno));
        if (done < len)
            close(fd);
        unlink(path);
        return -1;
    }
    return 0;
}

/* ---- options ---- */

#define OPT_MODEL 1u
#define OPT_KEY 2u
#define OPT_OUT 4u

typedef struct {
    const char *model, *key, *out;
    int force;
} options;

/* The value slot of a named option the command accepts, or NULL. */
static const char **
option_slot(options *opt, const char *name, unsigned accepted)
{
    if ((accepted & OPT_MODEL) && strcmp(name, "--model") == 0)
        return &opt->model;
    if ((accepted & OPT_KEY) && strcmp(name, "--key") == 0)
        return &opt->key;
    if ((accepted & OPT_OUT) && strcmp(name, "--out") == 0)
        return &opt->out;
    return NULL;
}

/* --force, and each accepted option once with a value; the accepted ones are required.
 * 0, or -1 with a message. */
static int
parse_options(options *opt, int argc, char **argv, unsigned accepted)
{
    int i;

    memset(opt, 0, sizeof *opt);
    for (i = 1; i < argc; i++) {
        const char **slot;

        if (strcmp(argv[i], "--force") == 0) {
            opt->force = 1;
            continue;
        }
        slot = option_slot(opt, argv[i], accepted);
        if (slot == NULL) {
            fprintf(stderr, "zkml %s: unexpected argument \"%s\"\n", argv[0], argv[i]);
            return -1;
        }
        if (*slot != NULL || i + 1 >= argc) {
            fprintf(stderr, "zkml %s: %s needs exactly one value\n", argv[0], argv[i]);
            return -1;
        }
        *slot = argv[++i];
    }
    if (((accepted & OPT_MODEL) && opt->model == NULL)
        || ((accepted & OPT_KEY) && opt->key == NULL)
        || ((accepted & OPT_OUT) && opt->out == NULL)) {
        fprintf(stderr, "zkml %s: missing option\n", argv[0]);
        return -1;
    }
    return 0;
}

/* ---- commands ---- */

static int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
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
init_core(void)
{
    const char *err = zkml_init();

    if (err != NULL) {
        fprintf(stderr, "zkml: could not initialize the core: %s\n", err);
        return -1;
    }
    zkml_set_threads(default_threads());
    return 0;
}

static int
cmd_self_test(int argc, char **argv)
{
    selftest_result *results;
    size_t n, i;
    int failed;

    (void)argc;
    (void)argv;
    if (init_core() != 0)
        return EXIT_FAILED;
    n = selftest_count();
    results = calloc(n > 0 ? n : 1, sizeof(*results));
    if (results == NULL) {
        fprintf(stderr, "zkml: out of memory\n");
        return EXIT_FAILED;
    }
    failed = selftest_run(results);
    for (i = 0; i < n; i++)
        printf("%-4s %s\n", results[i].ok ? "ok" : "FAIL", results[i].check);
    printf("%zu checks, %d failed\n", n, failed);
    free(results);
    return failed == 0 ? 0 : EXIT_FAILED;
}

/* zkml keygen --model Q.json --out MODEL.key [--force] (PROTOCOL.md 7 "Registration") */
static int
cmd_keygen(int argc, char **argv)
{
    char err[MODELKEY_ERR_LEN];
    options opt;
    uint8_t *json, *key;
    size_t json_len, key_len;
    int fd, rc;

    if (parse_options(&opt, argc, argv, OPT_MODEL | OPT_OUT) != 0) {
        fprintf(stderr, "Usage: zkml keygen --model Q.json --out MODEL.key [--force]\n");
        return EXIT_USAGE;
    }
    json = read_file(opt.model, &json_len);
    if (json == NULL)
        return EXIT_USAGE;
    rc = modelkey_keygen(&key, &key_len, (const char *)json, json_len, err);
    explicit_bzero(json, json_len);     /* the document holds the weights */
    free(json);
    if (rc != MODELKEY_OK) {
        fprintf(stderr, "zkml: %s: %s\n", opt.model, err);
        return EXIT_FAILED;
    }
    fd = open_output(opt.out, opt.force, 1);
    rc = fd < 0 ? EXIT_USAGE : write_all(fd, opt.out, key, key_len) != 0 ? EXIT_FAILED : 0;
    modelkey_bytes_free(key, key_len);
    return rc;
}

/* zkml public --key MODEL.key --out MODEL.pub */
static int
cmd_public(int argc, char **argv)
{
    char err[MODELKEY_ERR_LEN], hex[65];
    options opt;
    uint8_t *key, *pub, digest[32];
    size_t key_len, pub_len, i;
    int fd, rc;

    if (parse_options(&opt, argc, argv, OPT_KEY | OPT_OUT) != 0) {
        fprintf(stderr, "Usage: zkml public --key MODEL.key --out MODEL.pub [--force]\n");
        return EXIT_USAGE;
    }
    key = read_file(opt.key, &key_len);
    if (key == NULL)
        return EXIT_USAGE;
    if (init_core() != 0) {
        modelkey_bytes_free(key, key_len);
        return EXIT_FAILED;
    }
    rc = modelkey_public(&pub, &pub_len, key, key_len, err);
    modelkey_bytes_free(key, key_len);
    if (rc != MODELKEY_OK) {
        fprintf(stderr, "zkml: %s: %s\n", opt.key, err);
        return EXIT_FAILED;
    }
    if (modelpub_digest(digest, pub, pub_len, err) != MODELKEY_OK) {
        fprintf(stderr, "zkml: %s\n", err);
        free(pub);
        return EXIT_FAILED;
    }
    fd = open_output(opt.out, opt.force, 0);
    rc = fd < 0 ? EXIT_USAGE : write_all(fd, opt.out, pub, pub_len) != 0 ? EXIT_FAILED : 0;
    free(pub);
    if (rc == 0) {
        for (i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        printf("model digest %s\n", hex);
    }
    return rc;
}

static const command COMMANDS[] = {
    { "version", cmd_version, 0 },
    { "--version", cmd_version, 0 },
    { "self-test", cmd_self_test, 0 },
    { "keygen", cmd_keygen, 1 },
    { "public", cmd_public, 1 },
};

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    size_t i;

    if (cmd == NULL) {
        fprintf(stderr, "zkml: no command given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        if (strcmp(cmd, COMMANDS[i].name) != 0)
            continue;
        if (argc > 2 && !COMMANDS[i].takes_options) {
            fprintf(stderr, "zkml: %s takes no arguments\n", cmd);
            usage(stderr);
            return EXIT_USAGE;
        }
        return COMMANDS[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "zkml: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
