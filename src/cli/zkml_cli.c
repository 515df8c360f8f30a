/*
 * zkml_cli.c: the zkml command, a thin front end to the core.
 *
 * Exit status: 0 success, 1 the operation failed, 2 unusable arguments or files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "zkml.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

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
            "  quantize --model FLOAT.json [--calibration CAL.csv] [--holdout H.csv]\n"
            "           [--options JSON] --out Q.json [--force]\n"
            "               turn a float model document (zkml-float-v1) into a quantized\n"
            "               model document, calibrated on the rows of CAL.csv (one header\n"
            "               line of feature names, then rows of numbers) or on a synthetic\n"
            "               set; write it (mode 0600) and print the quantization report\n"
            "  prove --key MODEL.key (--input ROWS.csv | --features ROWS.csv\n"
            "        [--out-of-range-features saturate|refuse]) [--context TEXT]\n"
            "        [--rows-per-proof N] [--inputs public|committed] --out RECEIPT [--force]\n"
            "               run the model on the rows of ROWS.csv (one header line, then\n"
            "               one row per line: integers with --input, real features that\n"
            "               the model quantizes with --features, clamping values beyond\n"
            "               its input range or, with refuse, failing on them), prove the\n"
            "               outputs and write the receipt; with --rows-per-proof, more\n"
            "               rows than N are proven in parts of N rows, one receipt of\n"
            "               several proofs; with --inputs committed the receipt carries\n"
            "               one commitment per row and no feature (both for models of\n"
            "               protocol version 2)\n"
            "  open --key MODEL.key --receipt RECEIPT --input ROWS.csv --rows K[,K..]\n"
            "       --out OPENING [--force]\n"
            "               write an opening of rows K (1-based) of a committed receipt:\n"
            "               their features (from ROWS.csv, the integer rows proven) and\n"
            "               blinds, checked against the receipt's commitments; the rows\n"
            "               of a receipt of several proofs are counted across its parts\n"
            "  verify --public MODEL.pub --receipt RECEIPT [--opening OPENING]\n"
            "               check a receipt against a public file: print \"valid\" and\n"
            "               exit 0, or exit 1 with the reason on standard error; with\n"
            "               --opening, check the opening against the receipt too\n"
            "  inspect RECEIPT [--public MODEL.pub [--opening OPENING]] [--raw] [--json]\n"
            "               print the contents of a receipt without checking its proof:\n"
            "               with --public, each row's key, score and features (real\n"
            "               values, dequantized with the model's public file); with\n"
            "               --raw, what the receipt holds: each row's key and integers as\n"
            "               the proof states them (a committed receipt: each part's nonce,\n"
            "               each row's commitment in hex and its outputs, no feature;\n"
            "               features only of rows an opening reveals, after checking it)\n"
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

/* Create an output file: an existing one only with force, and only a regular file (a
 * device or a pipe is never truncated, chmod'ed or removed on failure); a secret gets
 * mode 0600 even when it replaces a file.  -1 with a message (the caller exits with
 * EXIT_USAGE). */
static int
open_output(const char *path, int force, int secret)
{
    mode_t mode = secret ? 0600 : 0644;
    struct stat st;
    int fd;

    if (force && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "zkml: %s is not a regular file\n", path);
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | (force ? O_TRUNC : O_EXCL), mode);
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        fprintf(stderr, "zkml: %s is not a regular file\n", path);
        close(fd);
        return -1;
    }
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
#define OPT_INPUT 8u
#define OPT_CONTEXT 16u     /* optional */
#define OPT_PUBLIC 32u
#define OPT_RECEIPT 64u
#define OPT_FORCE 128u      /* a flag, optional */
#define OPT_CALIBRATION 256u    /* optional */
#define OPT_HOLDOUT 512u        /* optional */
#define OPT_QOPTIONS 1024u      /* optional */
#define OPT_FEATURES 2048u      /* prove: this or --input */
#define OPT_OUT_OF_RANGE 4096u  /* optional */
#define OPT_INPUTS 8192u        /* optional: prove --inputs public|committed */
#define OPT_ROWS 16384u         /* open --rows */
#define OPT_OPENING 32768u      /* optional: verify --opening */
#define OPT_ROWS_PER_PROOF 65536u   /* optional */
#define OPT_OPTIONAL (OPT_INPUTS | OPT_OPENING | OPT_CONTEXT | OPT_FORCE | OPT_CALIBRATION | \
                      OPT_HOLDOUT | OPT_QOPTIONS | OPT_OUT_OF_RANGE | OPT_ROWS_PER_PROOF)

typedef struct {
    const char *model, *key, *out, *input, *context, *public, *receipt;
    const char *calibration, *holdout, *qoptions, *features, *out_of_range, *rows_per_proof;
    const char *inputs, *rows, *opening;
    int force;
} options;

/* The value slot of a named option the command accepts, or NULL. */
static const char **
option_slot(options *opt, const char *name, unsigned accepted)
{
    static const struct {
        unsigned bit;
        const char *name;
        size_t offset;
    } NAMED[] = {
        { OPT_MODEL, "--model", offsetof(options, model) },
        { OPT_KEY, "--key", offsetof(options, key) },
        { OPT_OUT, "--out", offsetof(options, out) },
        { OPT_INPUT, "--input", offsetof(options, input) },
        { OPT_CONTEXT, "--context", offsetof(options, context) },
        { OPT_PUBLIC, "--public", offsetof(options, public) },
        { OPT_RECEIPT, "--receipt", offsetof(options, receipt) },
        { OPT_CALIBRATION, "--calibration", offsetof(options, calibration) },
        { OPT_HOLDOUT, "--holdout", offsetof(options, holdout) },
        { OPT_QOPTIONS, "--options", offsetof(options, qoptions) },
        { OPT_FEATURES, "--features", offsetof(options, features) },
        { OPT_OUT_OF_RANGE, "--out-of-range-features", offsetof(options, out_of_range) },
        { OPT_ROWS_PER_PROOF, "--rows-per-proof", offsetof(options, rows_per_proof) },
        { OPT_INPUTS, "--inputs", offsetof(options, inputs) },
        { OPT_ROWS, "--rows", offsetof(options, rows) },
        { OPT_OPENING, "--opening", offsetof(options, opening) },
    };
    size_t i;

    for (i = 0; i < sizeof NAMED / sizeof NAMED[0]; i++)
        if ((accepted & NAMED[i].bit) && strcmp(name, NAMED[i].name) == 0)
            return (const char **)((char *)opt + NAMED[i].offset);
    return NULL;
}

/* Each accepted option at most once with a value, --force if accepted; all but the
 * optional ones are required.  0, or -1 with a message. */
static int
parse_options(options *opt, int argc, char **argv, unsigned accepted)
{
    unsigned seen = 0;
    int i;

    memset(opt, 0, sizeof *opt);
    for (i = 1; i < argc; i++) {
        const char **slot;

        if ((accepted & OPT_FORCE) && strcmp(argv[i], "--force") == 0) {
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
    seen |= opt->model != NULL ? OPT_MODEL : 0;
    seen |= opt->key != NULL ? OPT_KEY : 0;
    seen |= opt->out != NULL ? OPT_OUT : 0;
    seen |= opt->input != NULL ? OPT_INPUT : 0;
    seen |= opt->public != NULL ? OPT_PUBLIC : 0;
    seen |= opt->receipt != NULL ? OPT_RECEIPT : 0;
    seen |= opt->features != NULL ? OPT_FEATURES : 0;
    seen |= opt->rows != NULL ? OPT_ROWS : 0;
    /* --input and --features: exactly one of them where both are accepted */
    if ((accepted & OPT_FEATURES) && (accepted & OPT_INPUT)) {
        if ((seen & (OPT_INPUT | OPT_FEATURES)) == (OPT_INPUT | OPT_FEATURES)) {
            fprintf(stderr, "zkml %s: give --input or --features, not both\n", argv[0]);
            return -1;
        }
        if ((seen & (OPT_INPUT | OPT_FEATURES)) != 0)
            seen |= OPT_INPUT | OPT_FEATURES;
    }
    if ((accepted & ~OPT_OPTIONAL & ~seen) != 0) {
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
init_core(void)
{
    const char *err = zkml_init();

    if (err != NULL) {
        fprintf(stderr, "zkml: could not initialize the core: %s\n", err);
        return -1;
    }
    zkml_set_threads(zkml_default_threads());     /* as the extension's zkml.threads */
    return 0;
}

static int
cmd_self_test(int argc, char **argv)
{
    zkml_check_result *results;
    size_t n, i;
    int failed;

    (void)argc;
    (void)argv;
    if (init_core() != 0)
        return EXIT_FAILED;
    n = zkml_self_test_count();
    results = calloc(n > 0 ? n : 1, sizeof(*results));
    if (results == NULL) {
        fprintf(stderr, "zkml: out of memory\n");
        return EXIT_FAILED;
    }
    failed = zkml_self_test_run(results);
    for (i = 0; i < n; i++)
        printf("%-4s %s\n", results[i].ok ? "ok" : "FAIL", results[i].check);
    printf("%zu checks, %d failed\n", n, failed);
    free(results);
    return failed == 0 ? 0 : EXIT_FAILED;
}

/* zkml keygen --model Q.json --out MODEL.key [--force] (docs/protocol.md 7.15) */
static int
cmd_keygen(int argc, char **argv)
{
    char err[ZKML_ERR_LEN];
    options opt;
    uint8_t *json, *key;
    size_t json_len, key_len;
    int fd, rc;

    if (parse_options(&opt, argc, argv, OPT_MODEL | OPT_OUT | OPT_FORCE) != 0) {
        fprintf(stderr, "Usage: zkml keygen --model Q.json --out MODEL.key [--force]\n");
        return EXIT_USAGE;
    }
    json = read_file(opt.model, &json_len);
    if (json == NULL)
        return EXIT_USAGE;
    rc = zkml_key_generate(&key, &key_len, (const char *)json, json_len, err);
    if (rc != ZKML_OK && strstr((const char *)json, "\"zkml-float-v1\"") != NULL) {
        zkml_secret_free(json, json_len);
        fprintf(stderr, "zkml keygen: %s is a float model document (zkml-float-v1); keygen "
                "takes a quantized one: run \"zkml quantize --model %s --calibration "
                "CAL.csv --out Q.json\" first, then \"zkml keygen --model Q.json\"\n",
                opt.model, opt.model);
        return EXIT_USAGE;
    }
    zkml_secret_free(json, json_len);   /* the document holds the weights */
    if (rc != ZKML_OK) {
        fprintf(stderr, "zkml: %s: %s\n", opt.model, err);
        return EXIT_FAILED;
    }
    fd = open_output(opt.out, opt.force, 1);
    rc = fd < 0 ? EXIT_USAGE : write_all(fd, opt.out, key, key_len) != 0 ? EXIT_FAILED : 0;
    zkml_secret_free(key, key_len);
    return rc;
}

/* zkml public --key MODEL.key --out MODEL.pub */
static int
cmd_public(int argc, char **argv)
{
    char err[ZKML_ERR_LEN], hex[65];
    options opt;
    uint8_t *key, *pub, digest[32];
    size_t key_len, pub_len, i;
    int fd, rc;

    if (parse_options(&opt, argc, argv, OPT_KEY | OPT_OUT | OPT_FORCE) != 0) {
        fprintf(stderr, "Usage: zkml public --key MODEL.key --out MODEL.pub [--force]\n");
        return EXIT_USAGE;
    }
    key = read_file(opt.key, &key_len);
    if (key == NULL)
        return EXIT_USAGE;
    if (init_core() != 0) {
        zkml_secret_free(key, key_len);
        return EXIT_FAILED;
    }
    rc = zkml_public_from_key(&pub, &pub_len, key, key_len, err);
    zkml_secret_free(key, key_len);
    if (rc != ZKML_OK) {
        fprintf(stderr, "zkml: %s: %s\n", opt.key, err);
        return EXIT_FAILED;
    }
    if (zkml_public_digest(digest, pub, pub_len, err) != ZKML_OK) {
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

/* ---- CSV files (csv.c) ---- */

/* The integer rows of an --input file, every row as wide as the first (the model checks
 * the width when proving).  0 and *rows (malloc'd, row-major), or an exit code. */
static int
read_input_file(const char *path, int32_t **rows, size_t *batch, size_t *cols)
{
    csv_table t;
    uint8_t *csv;
    size_t len;
    int rc;

    csv = read_file(path, &len);
    if (csv == NULL)
        return EXIT_USAGE;
    rc = csv_open(&t, path, (const char *)csv, len);
    if (rc == 0)
        rc = csv_read_rows(&t, CSV_INT32, 0, ZKML_MAX_BATCH);
    if (rc == 0) {
        *rows = t.ints;
        *batch = t.n_rows;
        *cols = t.n_cols;
        t.ints = NULL;
    }
    csv_close(&t);
    free(csv);
    return rc == 0 ? 0 : EXIT_FAILED;
}

/*
 * The header of a feature CSV against the model's feature names (want, n_features of
 * them, "" for an unnamed one): as many columns as features, and where a feature has a
 * name, the column must carry it (so that a file with its columns in another order is
 * refused, not silently scored).  0, or -1 with a message.
 */
static int
check_feature_header(const char *path, char *const *names, size_t count,
                     const char *const *want_names, size_t n_features)
{
    size_t j;

    if (count != n_features) {
        fprintf(stderr, "zkml: %s: line 1: %zu columns, the model has %zu features\n", path,
                count, n_features);
        return -1;
    }
    for (j = 0; j < count; j++) {
        const char *want = want_names[j];

        if (want[0] != '\0' && strcmp(want, names[j]) != 0) {
            fprintf(stderr, "zkml: %s: line 1: column %zu is \"%.64s\", the model's feature "
                    "%zu is \"%s\"\n", path, j + 1, names[j], j + 1, want);
            return -1;
        }
    }
    return 0;
}

/* A feature CSV file: the header checked before any row is read (a file of another
 * layout is refused for its header, not for a row), then one row of numbers per line,
 * n_features wide; with missing_ok an empty field is NaN.  0 and *rows (malloc'd,
 * row-major), or an exit code. */
static int
read_feature_file(const char *path, const char *const *names, size_t n_features,
                  int missing_ok, double **rows, size_t *batch)
{
    csv_table t;
    uint8_t *csv;
    size_t len;
    int rc;

    csv = read_file(path, &len);
    if (csv == NULL)
        return EXIT_USAGE;
    rc = csv_open(&t, path, (const char *)csv, len);
    if (rc == 0)
        rc = check_feature_header(path, t.names, t.n_names, names, n_features);
    if (rc == 0)
        rc = csv_read_rows(&t, missing_ok ? CSV_DOUBLE_MISSING : CSV_DOUBLE, n_features,
                           ZKML_MAX_BATCH);
    if (rc == 0) {
        *rows = t.reals;
        *batch = t.n_rows;
        t.reals = NULL;
    }
    csv_close(&t);
    free(csv);
    return rc == 0 ? 0 : EXIT_FAILED;
}

/* ---- models and receipts ---- */

/* zkml quantize --model FLOAT.json [--calibration CAL.csv] [--holdout H.csv]
 *               [--options JSON] --out Q.json [--force] */
static int
cmd_quantize(int argc, char **argv)
{
    char err[ZKML_ERR_LEN];
    options opt;
    zkml_quantize_input in;
    uint8_t *doc;
    char *report = NULL, *qjson = NULL, **names = NULL;
    double *cal = NULL, *hold = NULL;
    size_t doc_len, n_features = 0, n_cal = 0, n_hold = 0, qlen = 0;
    int fd, rc;

    if (parse_options(&opt, argc, argv,
                      OPT_MODEL | OPT_CALIBRATION | OPT_HOLDOUT | OPT_QOPTIONS | OPT_OUT |
                          OPT_FORCE) != 0) {
        fprintf(stderr, "Usage: zkml quantize --model FLOAT.json [--calibration CAL.csv] "
                "[--holdout H.csv] [--options JSON] --out Q.json [--force]\n");
        return EXIT_USAGE;
    }
    memset(&in, 0, sizeof in);
    in.options = opt.qoptions != NULL ? opt.qoptions : "";
    in.options_len = strlen(in.options);
    if (zkml_quantize_options_check(in.options, in.options_len, err) != ZKML_OK) {
        fprintf(stderr, "zkml quantize: %s\n", err);
        return EXIT_USAGE;
    }
    doc = read_file(opt.model, &doc_len);
    if (doc == NULL)
        return EXIT_USAGE;
    if (zkml_float_features(&names, &n_features, (const char *)doc, doc_len, err) != ZKML_OK) {
        fprintf(stderr, "zkml quantize: %s: %s\n", opt.model, err);
        zkml_secret_free(doc, doc_len);
        return EXIT_FAILED;
    }
    rc = 0;
    if (opt.calibration != NULL)
        rc = read_feature_file(opt.calibration, (const char *const *)names, n_features, 0, &cal,
                               &n_cal);
    if (rc == 0 && opt.holdout != NULL)
        rc = read_feature_file(opt.holdout, (const char *const *)names, n_features, 0, &hold,
                               &n_hold);
    free(names);
    if (rc == 0) {
        in.calibration = cal;
        in.n_calibration = n_cal;
        in.calibration_width = n_features;
        in.holdout = hold;
        in.n_holdout = n_hold;
        in.holdout_width = n_features;
        if (zkml_quantize_model(&qjson, &qlen, &report, (const char *)doc, doc_len, &in, NULL,
                                err) != ZKML_OK) {
            fprintf(stderr, "zkml quantize: %s\n", err);
            rc = EXIT_FAILED;
        }
    }
    zkml_secret_free(doc, doc_len);     /* the document holds the weights */
    free(cal);
    free(hold);
    if (rc == 0) {
        fd = open_output(opt.out, opt.force, 1);
        rc = fd < 0 ? EXIT_USAGE
                    : write_all(fd, opt.out, (const uint8_t *)qjson, qlen) != 0 ? EXIT_FAILED : 0;
    }
    if (rc == 0)
        fputs(report, stdout);
    zkml_secret_free(qjson, qlen);
    free(report);
    return rc;
}

/* Real feature rows -> the model's integer inputs (zkml_quantize_row).  0, or an exit
 * code. */
static int
quantize_feature_rows(const char *path, const zkml_model *m, zkml_feature_policy policy,
                      int32_t **rows, size_t *batch, size_t *cols)
{
    const zkml_model_info *info = zkml_model_describe(m);
    char merr[ZKML_ERR_LEN];
    double *x = NULL;
    size_t n = 0, b, n_in = info->n_inputs;
    int rc;

    /* an empty field is a missing value for a tree ensemble (docs/protocol.md 15.2.2), an
     * error for every other kind */
    rc = read_feature_file(path, info->input_names, n_in, strcmp(info->kind, "trees") == 0,
                           &x, &n);
    if (rc == 0) {
        *rows = malloc(n * n_in * sizeof **rows);
        if (*rows == NULL) {
            fprintf(stderr, "zkml: out of memory\n");
            rc = EXIT_FAILED;
        }
    }
    for (b = 0; rc == 0 && b < n; b++) {
        if (zkml_quantize_row(m, x + b * n_in, policy, *rows + b * n_in, NULL, merr) !=
            ZKML_OK) {
            fprintf(stderr, "zkml prove: %s: line %zu: %s\n", path, b + 2, merr);
            free(*rows);
            *rows = NULL;
            rc = EXIT_FAILED;
        }
    }
    free(x);
    *batch = n;
    *cols = n_in;
    return rc;
}

/* zkml prove --key MODEL.key (--input ROWS.csv | --features ROWS.csv
 *            [--out-of-range-features saturate|refuse]) [--context TEXT]
 *            [--rows-per-proof N] --out RECEIPT [--force] */
static int
cmd_prove(int argc, char **argv)
{
    char err[ZKML_ERR_LEN];
    options opt;
    zkml_prove_options popt;
    zkml_model *m = NULL;
    uint8_t *key, *rct;
    int32_t *rows = NULL;
    size_t key_len, rct_len, batch = 0, cols = 0, ctx_len;
    zkml_feature_policy policy = ZKML_FEATURES_SATURATE;
    unsigned long long rows_per_proof = 0;
    int fd, rc;

    if (parse_options(&opt, argc, argv,
                      OPT_KEY | OPT_INPUT | OPT_FEATURES | OPT_OUT_OF_RANGE | OPT_CONTEXT |
                          OPT_ROWS_PER_PROOF | OPT_OUT | OPT_FORCE | OPT_INPUTS) != 0) {
        fprintf(stderr, "Usage: zkml prove --key MODEL.key (--input ROWS.csv | --features "
                "ROWS.csv [--out-of-range-features saturate|refuse]) [--context TEXT] "
                "[--rows-per-proof N] [--inputs public|committed] --out RECEIPT [--force]\n");
        return EXIT_USAGE;
    }
    if (opt.inputs != NULL && strcmp(opt.inputs, "public") != 0 &&
        strcmp(opt.inputs, "committed") != 0) {
        fprintf(stderr, "zkml prove: --inputs must be public or committed\n");
        return EXIT_USAGE;
    }
    if (opt.rows_per_proof != NULL) {
        char *end = NULL;

        errno = 0;
        rows_per_proof = strtoull(opt.rows_per_proof, &end, 10);
        if (opt.rows_per_proof[0] < '0' || opt.rows_per_proof[0] > '9' || errno != 0 ||
            *end != '\0' || rows_per_proof < 1 || rows_per_proof > ZKML_MAX_BATCH) {
            fprintf(stderr, "zkml prove: --rows-per-proof must be an integer in 1 .. %u\n",
                    ZKML_MAX_BATCH);
            return EXIT_USAGE;
        }
    }
    if (opt.out_of_range != NULL) {
        if (opt.features == NULL) {
            fprintf(stderr, "zkml prove: --out-of-range-features applies to --features only\n");
            return EXIT_USAGE;
        }
        if (strcmp(opt.out_of_range, "refuse") == 0)
            policy = ZKML_FEATURES_REFUSE;
        else if (strcmp(opt.out_of_range, "saturate") != 0) {
            fprintf(stderr, "zkml prove: --out-of-range-features must be saturate or refuse\n");
            return EXIT_USAGE;
        }
    }
    ctx_len = opt.context != NULL ? strlen(opt.context) : 0;
    if (ctx_len > ZKML_MAX_CONTEXT) {
        fprintf(stderr, "zkml prove: the context is longer than %u bytes\n",
                ZKML_MAX_CONTEXT);
        return EXIT_USAGE;
    }
    if (opt.input != NULL && (rc = read_input_file(opt.input, &rows, &batch, &cols)) != 0)
        return rc;
    key = read_file(opt.key, &key_len);
    if (key == NULL) {
        if (opt.input != NULL)
            free(rows);
        return EXIT_USAGE;
    }
    /* with --input, the core starts before the key file is read (its errors come first) */
    if (opt.input != NULL && init_core() != 0) {
        zkml_secret_free(key, key_len);
        free(rows);
        return EXIT_FAILED;
    }
    rc = zkml_model_open(&m, key, key_len, NULL, 0, err);
    zkml_secret_free(key, key_len);
    if (rc != ZKML_OK) {
        fprintf(stderr, "zkml prove: %s%s\n", opt.input != NULL ? "key file: " : "", err);
        free(rows);
        return EXIT_FAILED;
    }
    if (opt.features != NULL &&
        ((rc = quantize_feature_rows(opt.features, m, policy, &rows, &batch, &cols)) != 0 ||
         (rc = init_core() != 0 ? EXIT_FAILED : 0) != 0)) {
        zkml_model_close(m);
        free(rows);
        return rc;
    }
    memset(&popt, 0, sizeof popt);
    popt.context = (const uint8_t *)opt.context;
    popt.context_len = ctx_len;
    popt.rows_per_proof = (size_t)rows_per_proof;
    popt.committed_inputs = opt.inputs != NULL && strcmp(opt.inputs, "committed") == 0;
    rc = zkml_prove_rows(&rct, &rct_len, m, rows, batch, cols, &popt, NULL, err);
    zkml_model_close(m);
    free(rows);
    if (rc != ZKML_OK) {
        fprintf(stderr, "zkml prove: %s\n", err);
        return EXIT_FAILED;
    }
    fd = open_output(opt.out, opt.force, 0);
    rc = fd < 0 ? EXIT_USAGE : write_all(fd, opt.out, rct, rct_len) != 0 ? EXIT_FAILED : 0;
    free(rct);
    if (rc == 0 && rows_per_proof > 0 && batch > rows_per_proof)
        printf("%zu rows proven in %llu parts, receipt of %zu bytes\n", batch,
               (batch + rows_per_proof - 1) / rows_per_proof, rct_len);
    else if (rc == 0)
        printf("%zu rows proven, receipt of %zu bytes\n", batch, rct_len);
    return rc;
}

/* Rows "K,K,.." (1-based, increasing) into 0-based indices; 0 or -1. */
static int
parse_row_list(const char *text, uint32_t **rows, size_t *count)
{
    size_t n = 1, k = 0;
    const char *p;
    char *end;

    for (p = text; *p != '\0'; p++)
        n += *p == ',';
    *rows = malloc(n * sizeof **rows);
    if (*rows == NULL)
        return -1;
    for (p = text; k < n; k++) {
        unsigned long v = strtoul(p, &end, 10);

        if (end == p || v < 1 || v > 0xffffffffUL || (*end != ',' && *end != '\0') ||
            (k > 0 && v - 1 <= (*rows)[k - 1])) {
            free(*rows);
            *rows = NULL;
            return -1;
        }
        (*rows)[k] = (uint32_t)(v - 1);
        p = end + (*end == ',');
    }
    *count = n;
    return 0;
}

/* zkml open --key MODEL.key --receipt RECEIPT --input ROWS.csv --rows K[,K..]
 *           --out OPENING [--force] */
static int
cmd_open(int argc, char **argv)
{
    char err[ZKML_ERR_LEN];
    options opt;
    zkml_model *m = NULL;
    uint8_t *key = NULL, *rct = NULL, *opn = NULL;
    int32_t *rows = NULL, *chosen = NULL;
    uint32_t *idx = NULL;
    size_t key_len, rct_len, opn_len = 0, batch = 0, cols = 0, count = 0, i;
    int fd, rc = EXIT_USAGE;

    if (parse_options(&opt, argc, argv, OPT_KEY | OPT_RECEIPT | OPT_INPUT | OPT_ROWS | OPT_OUT |
                                            OPT_FORCE) != 0) {
        fprintf(stderr, "Usage: zkml open --key MODEL.key --receipt RECEIPT --input ROWS.csv "
                "--rows K[,K..] --out OPENING [--force]\n");
        return EXIT_USAGE;
    }
    if (parse_row_list(opt.rows, &idx, &count) != 0) {
        fprintf(stderr, "zkml open: --rows must be row numbers from 1, increasing, separated "
                "by commas\n");
        return EXIT_USAGE;
    }
    if ((rc = read_input_file(opt.input, &rows, &batch, &cols)) != 0)
        goto out;
    rc = EXIT_USAGE;
    for (i = 0; i < count; i++)
        if (idx[i] >= batch) {
            fprintf(stderr, "zkml open: row %u is beyond the %zu rows of %s\n",
                    (unsigned)idx[i] + 1, batch, opt.input);
            goto out;
        }
    if ((rct = read_file(opt.receipt, &rct_len)) == NULL ||
        (key = read_file(opt.key, &key_len)) == NULL)
        goto out;
    rc = EXIT_FAILED;
    if (init_core() != 0)
        goto out;
    if (zkml_model_open(&m, key, key_len, NULL, 0, err) != ZKML_OK) {
        fprintf(stderr, "zkml open: key file: %s\n", err);
        goto out;
    }
    if ((chosen = malloc(count * cols * sizeof *chosen)) == NULL)
        goto out;
    for (i = 0; i < count; i++)
        memcpy(chosen + i * cols, rows + (size_t)idx[i] * cols, cols * sizeof *chosen);
    if (zkml_open_rows(&opn, &opn_len, m, rct, rct_len, idx, chosen, count, err) != ZKML_OK) {
        fprintf(stderr, "zkml open: %s\n", err);
        goto out;
    }
    fd = open_output(opt.out, opt.force, 1);        /* applicants' data: mode 0600 */
    rc = fd < 0 ? EXIT_USAGE : write_all(fd, opt.out, opn, opn_len) != 0 ? EXIT_FAILED : 0;
    if (rc == 0)
        printf("%zu rows opened, opening of %zu bytes\n", count, opn_len);
out:
    zkml_model_close(m);
    if (key != NULL)
        zkml_secret_free(key, key_len);
    free(rct);
    free(opn);
    free(rows);
    free(chosen);
    free(idx);
    return rc;
}

/* zkml verify --public MODEL.pub --receipt RECEIPT [--opening OPENING] */
static int
cmd_verify(int argc, char **argv)
{
    char err[ZKML_ERR_LEN] = "";
    options opt;
    uint8_t *pub, *rct;
    size_t pub_len, rct_len;
    int rc;

    uint8_t *opn = NULL;
    size_t opn_len = 0;

    if (parse_options(&opt, argc, argv, OPT_PUBLIC | OPT_RECEIPT | OPT_OPENING) != 0) {
        fprintf(stderr, "Usage: zkml verify --public MODEL.pub --receipt RECEIPT "
                "[--opening OPENING]\n");
        return EXIT_USAGE;
    }
    if (opt.opening != NULL && (opn = read_file(opt.opening, &opn_len)) == NULL)
        return EXIT_USAGE;
    pub = read_file(opt.public, &pub_len);
    if (pub == NULL)
        return EXIT_USAGE;
    rct = read_file(opt.receipt, &rct_len);
    if (rct == NULL) {
        free(pub);
        return EXIT_USAGE;
    }
    if (init_core() != 0) {
        free(pub);
        free(rct);
        return EXIT_FAILED;
    }
    rc = opn != NULL ? zkml_check_opening(rct, rct_len, pub, pub_len, opn, opn_len, err)
                     : zkml_verify(rct, rct_len, pub, pub_len, err);
    free(pub);
    free(rct);
    free(opn);
    if (rc == 1) {
        printf(opt.opening != NULL ? "valid; the opening checks\n" : "valid\n");
        return 0;
    }
    if (rc == 0) {
        fprintf(stderr, "zkml verify: invalid: %s\n", err);
        return EXIT_FAILED;
    }
    fprintf(stderr, "zkml verify: cannot verify: %s\n", err);
    return EXIT_USAGE;
}

static void
print_hex(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
}

/* Printable ASCII as is (with " and \ escaped), other bytes as \xNN. */
static void
print_escaped(const uint8_t *p, size_t n)
{
    size_t i;

    putchar('"');
    for (i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            printf("\\%c", p[i]);
        else if (p[i] >= 0x20 && p[i] < 0x7f)
            putchar(p[i]);
        else
            printf("\\x%02x", p[i]);
    }
    putchar('"');
}

/* The rows of a receipt, dequantized with its model's public file: a line per row, its
 * key (if any), its score(s) and its features.  0, or an exit status with a message. */
static int
print_rows(const uint8_t *rct, size_t rct_len, const char *pub_path, const char *opn_path,
           int json)
{
    char err[ZKML_ERR_LEN];
    uint8_t *pub, *opn = NULL;
    size_t pub_len, b, j, opn_len = 0;
    zkml_rows rows;
    int rc;

    pub = read_file(pub_path, &pub_len);
    if (pub == NULL)
        return EXIT_USAGE;
    if (init_core() != 0) {
        free(pub);
        return EXIT_FAILED;
    }
    if (opn_path != NULL && (opn = read_file(opn_path, &opn_len)) == NULL) {
        free(pub);
        return EXIT_USAGE;
    }
    rc = opn != NULL ? zkml_receipt_read_rows_opened(&rows, rct, rct_len, pub, pub_len, opn,
                                                     opn_len, err)
                     : zkml_receipt_read_rows(&rows, rct, rct_len, pub, pub_len, err);
    free(pub);
    free(opn);
    if (rc != ZKML_OK) {
        fprintf(stderr, "zkml inspect: %s: %s\n", pub_path, err);
        return rc == ZKML_E_BAD_PUBLIC ? EXIT_USAGE : EXIT_FAILED;
    }
    if (json)
        printf(", \"rows_dequantized\": [");
    for (b = 0; b < rows.batch; b++) {
        if (json) {
            printf("%s{\"key\": ", b > 0 ? ", " : "");
            if (rows.key_lens[b] > 0)
                print_escaped(rows.keys[b], rows.key_lens[b]);
            else
                printf("null");
            printf(", \"scores\": [");
            for (j = 0; j < rows.n_out; j++)
                printf("%s%.17g", j > 0 ? ", " : "", rows.scores[b * rows.n_out + j]);
            if (rows.committed && (rows.opened == NULL || !rows.opened[b])) {
                printf("], \"features\": null}");     /* committed, not opened */
                continue;
            }
            printf("], \"features\": [");
            for (j = 0; j < rows.n_in; j++)
                printf("%s%.17g", j > 0 ? ", " : "", rows.features[b * rows.n_in + j]);
            printf("]}");
            continue;
        }
        printf("row %zu", b + 1);
        if (rows.key_lens[b] > 0) {
            printf(" ");
            print_escaped(rows.keys[b], rows.key_lens[b]);
        }
        printf(": score");
        for (j = 0; j < rows.n_out; j++)
            printf(" %.6g", rows.scores[b * rows.n_out + j]);
        if (rows.committed && (rows.opened == NULL || !rows.opened[b])) {
            printf("; features committed\n");
            continue;
        }
        printf("; features");
        for (j = 0; j < rows.n_in; j++)
            printf(" %.6g", rows.features[b * rows.n_in + j]);
        printf("\n");
    }
    if (json)
        printf("]");
    zkml_rows_free(&rows);
    return 0;
}

/* zkml inspect RECEIPT [--public MODEL.pub] [--raw] [--json] */
static int
cmd_inspect(int argc, char **argv)
{
    char err[ZKML_ERR_LEN];
    const char *path = NULL, *pub_path = NULL, *opn_path = NULL;
    uint8_t *buf;
    size_t len, b, j;
    zkml_receipt *h;
    const zkml_receipt_summary *r;
    int json = 0, raw = 0, rc = 0, i, bad = 0;

    for (i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--json") == 0 && !json)
            json = 1;
        else if (strcmp(argv[i], "--raw") == 0 && !raw)
            raw = 1;
        else if (strcmp(argv[i], "--public") == 0 && pub_path == NULL && i + 1 < argc)
            pub_path = argv[++i];
        else if (strcmp(argv[i], "--opening") == 0 && opn_path == NULL && i + 1 < argc)
            opn_path = argv[++i];
        else if (argv[i][0] != '-' && path == NULL)
            path = argv[i];
        else {
            fprintf(stderr, "zkml inspect: unexpected argument \"%s\"\n", argv[i]);
            bad = 1;
        }
    }
    if (path == NULL || bad || (opn_path != NULL && pub_path == NULL)) {
        fprintf(stderr, "Usage: zkml inspect RECEIPT [--public MODEL.pub [--opening OPENING]] "
                "[--raw] [--json]\n");
        return EXIT_USAGE;
    }
    buf = read_file(path, &len);
    if (buf == NULL)
        return EXIT_USAGE;
    if (zkml_receipt_open(&h, buf, len, err) != ZKML_OK) {
        fprintf(stderr, "zkml inspect: %s: %s\n", path, err);
        free(buf);
        return EXIT_FAILED;
    }
    r = zkml_receipt_describe(h);
    if (json) {
        /* zkml_receipt_info_json's object (zkml_receipt_info's vocabulary), the outputs,
         * and with --public the rows dequantized */
        char *info = NULL;

        if (zkml_receipt_info_json(&info, buf, len, err) != ZKML_OK) {
            fprintf(stderr, "zkml inspect: %s: %s\n", path, err);
            zkml_receipt_close(h);
            free(buf);
            return EXIT_FAILED;
        }
        printf("%.*s, \"outputs\": [", (int)(strlen(info) - 1), info);
        free(info);
        for (b = 0; b < r->batch; b++) {
            printf("%s[", b > 0 ? ", " : "");
            for (j = 0; j < r->n_out; j++)
                printf("%s%d", j > 0 ? ", " : "", (int)r->outputs[b * r->n_out + j]);
            printf("]");
        }
        printf("]");
        if (pub_path != NULL)
            rc = print_rows(buf, len, pub_path, opn_path, 1);
        printf("}\n");
    } else {
        printf("model digest   ");
        print_hex(r->digest, 32);
        printf("\nrows (B)       %u\ninputs (n_1)   %u\noutputs (m_L)  %u\ncontext        ",
               (unsigned)r->batch, (unsigned)r->n_in, (unsigned)r->n_out);
        print_escaped(r->context, r->context_len);
        printf(" (%zu bytes)\nproof bytes    %zu\nparts          %u (rows", r->context_len,
               r->proof_len, (unsigned)r->parts);
        for (b = 0; b < r->parts; b++)
            printf("%s %u", b > 0 ? "," : "", (unsigned)r->part_rows[b]);
        printf(")\n");
        if (r->inputs == NULL)
            printf("inputs         committed (one commitment per row; no feature is in the "
                   "receipt)\n");
        if (pub_path != NULL)
            rc = print_rows(buf, len, pub_path, opn_path, 0);
        else if (!raw)
            printf("(give --public MODEL.pub for the rows' scores and features, --raw for "
                   "their integers)\n");
        /* --raw: what the receipt holds, row by row (docs/protocol.md 12.11.3): keys,
         * then the inputs, or for committed inputs each part's nonce and each row's
         * commitment (64-byte affine encoding, hex), then the outputs */
        for (b = 0; raw && r->nonces != NULL && b < r->parts; b++) {
            if (r->parts == 1)
                printf("nonce          ");
            else
                printf("nonce, part %zu  ", b + 1);
            print_hex(r->nonces + 32 * b, 32);
            printf("\n");
        }
        for (b = 0; raw && b < r->batch; b++) {
            printf("row %zu", b + 1);
            if (r->key_lens[b] > 0) {
                printf(" key ");
                print_escaped(r->keys[b], r->key_lens[b]);
            }
            if (r->row_commitments != NULL) {
                printf(" commitment ");
                print_hex(r->row_commitments + 64 * b, 64);
                printf(";");
            }
            printf(" integers: ");
            if (r->inputs != NULL) {
                printf("inputs");
                for (j = 0; j < r->n_in; j++)
                    printf(" %d", (int)r->inputs[b * r->n_in + j]);
                printf("; ");
            }
            printf("outputs");
            for (j = 0; j < r->n_out; j++)
                printf(" %d", (int)r->outputs[b * r->n_out + j]);
            printf("\n");
        }
    }
    zkml_receipt_close(h);
    free(buf);
    return rc;
}

static const command COMMANDS[] = {
    { "version", cmd_version, 0 },
    { "--version", cmd_version, 0 },
    { "self-test", cmd_self_test, 0 },
    { "keygen", cmd_keygen, 1 },
    { "public", cmd_public, 1 },
    { "quantize", cmd_quantize, 1 },
    { "prove", cmd_prove, 1 },
    { "verify", cmd_verify, 1 },
    { "open", cmd_open, 1 },
    { "inspect", cmd_inspect, 1 },
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
