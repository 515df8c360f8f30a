/*
 * zkml.h: the core library's front door, the one header of the core that the PostgreSQL
 * extension (src/pg) and the zkml command (src/cli) include; the build gives them no
 * other.  It offers what they do: start the core, open a model (from its key file, or
 * from its public file alone) and describe it, quantize features, score rows, prove them
 * into a receipt, verify and read receipts, register models (keygen, public file,
 * quantization), choose threads and run the self-test.
 *
 * Failures follow one convention (src/core/error.h): a function that can fail takes
 * `char *err`, a buffer of ZKML_ERR_LEN bytes or NULL, and returns ZKML_OK or a negative
 * ZKML_E_ code with a message in err.  A verdict is not an error: zkml_verify returns 1
 * (valid), 0 (invalid, err says why) or -1 (the check could not be made).  Messages
 * never hold a secret.  Calls marked "needs zkml_init()" run the core's parallel
 * regions: make them on the thread that called zkml_init().
 */
#ifndef ZKML_ZKML_H
#define ZKML_ZKML_H

#include <stddef.h>
#include <stdint.h>

#define ZKML_VERSION "0.2.0"

/* The size of every error message buffer the core writes into (`char err[ZKML_ERR_LEN]`). */
#define ZKML_ERR_LEN 320

/* ---- return codes ---- */

#define ZKML_OK 0
#define ZKML_E_INVALID (-1)         /* malformed bytes, an invalid document or argument */
#define ZKML_E_NOMEM (-2)           /* out of memory */
#define ZKML_E_INTERNAL (-3)        /* OS randomness, hashing, a commitment, interrupted */
#define ZKML_E_ROW_RANGE (-4)       /* a row outside the range the model was quantized for */
#define ZKML_E_FEATURE_RANGE (-5)   /* a feature beyond the model's input range, refused */
#define ZKML_E_BAD_RECEIPT (-6)     /* the bytes are not a receipt */
#define ZKML_E_BAD_PUBLIC (-7)      /* the bytes are not a public file */
#define ZKML_E_MISMATCH (-8)        /* a receipt of another model, or of other shapes */
#define ZKML_E_NO_KEY (-9)          /* the model was opened from its public file alone */
#define ZKML_E_WIDTH (-10)          /* rows not as wide as the model's features */
#define ZKML_E_UNSUPPORTED (-11)    /* the model's kind cannot do this (yet): proofs of trees */

/* ---- limits ---- */

#define ZKML_MAX_BATCH (1u << 24)   /* rows of one receipt */
#define ZKML_MAX_CONTEXT 65536u     /* bytes of a receipt's context */
#define ZKML_MAX_ROW_KEY 4096u      /* bytes of a row key */
#define ZKML_THREADS_DEFAULT_CAP 8  /* zkml_default_threads() is at most this */

/* ---- the process ---- */

/*
 * Initialise the core: check the field constants against GMP, build the fixed
 * generators G and H.  Returns NULL on success or a static message describing a fatal
 * internal error.  Idempotent; call on the main thread, never from a parallel region.
 */
const char *zkml_init(void);

/* Threads used by parallel regions of the core (>= 1). */
void zkml_set_threads(int n);
int zkml_threads(void);

/* The default thread count: one per online core, at most ZKML_THREADS_DEFAULT_CAP. */
int zkml_default_threads(void);

/*
 * A proof's working arrays are kept, wiped, for the next proof of the process, up to
 * this many bytes (oldest dropped first), so that a repeated proof does not fault their
 * pages in again.  0 keeps nothing and releases what is kept now.  Thread-safe.
 */
#define ZKML_KEEP_MEMORY_DEFAULT ((size_t)256 << 20)
void zkml_set_keep_memory(size_t bytes);
size_t zkml_kept_memory(void);

/*
 * Interruption.  Long computations of the core ask the hook at their safe points, on
 * the thread that installed it (runtime.h says how); once it has answered nonzero they
 * stop, release what they hold and fail ("interrupted"), until zkml_clear_interrupt().
 * No hook: never interrupted.
 */
typedef int (*zkml_interrupt_hook)(void);
void zkml_set_interrupt_hook(zkml_interrupt_hook hook);
void zkml_clear_interrupt(void);

/* ---- self-test: the known-answer checks of tests/kat/zkmlpg-v1.kat ---- */

/* One check's outcome: its static name and whether it passed. */
typedef struct {
    const char *check;
    int ok;
} zkml_check_result;

/* The number of checks zkml_self_test_run reports. */
size_t zkml_self_test_count(void);

/* Run every check once into out[0 .. zkml_self_test_count()-1]; the number that failed.
 * Single-threaded; needs zkml_init(). */
int zkml_self_test_run(zkml_check_result *out);

/* ---- models ---- */

/* A model opened for use: its decoded key file and/or public file, held once. */
typedef struct zkml_model zkml_model;

/*
 * Open a model.  From its key file (key not NULL): it can score and prove; pub, if not
 * NULL, is that key's public file (it saves recommitting the weights for the first
 * proof; decoded then, and a receipt is only as good as this match).  From its public
 * file alone (key NULL): verify-only, it can describe and dequantize.  On failure *out
 * is NULL and err holds the decoder's message: ZKML_E_INVALID for a bad key file,
 * ZKML_E_BAD_PUBLIC for a bad public file, ZKML_E_NOMEM.  No zkml_init() needed.
 */
int zkml_model_open(zkml_model **out, const uint8_t *key, size_t key_len, const uint8_t *pub,
                    size_t pub_len, char *err);

/* Wipe the secrets (explicit_bzero) and release everything; NULL is a no-op. */
void zkml_model_close(zkml_model *m);

/* What a model shows of itself: public facts of its descriptor. */
typedef struct {
    int has_key;                    /* opened from a key file: can score and prove */
    int has_digest;                 /* digest known: a public file was given or derived */
    uint8_t digest[32];             /* SHA-256 of the public file */
    const char *kind;               /* "dense" */
    uint32_t n_inputs, n_outputs;   /* n_1, m_L */
    const char *shapes;             /* the layer widths, input first: "20-64-32-1" */
    const char *const *input_names; /* n_inputs names, "" for an unnamed feature */
    const double *input_min;        /* n_inputs: the real range each input represents */
    const double *input_max;
    int proves_in_parts;            /* a batch can be proven in parts of one receipt
                                     * (zkml_prove_options.rows_per_proof): networks of
                                     * protocol version 2 */
} zkml_model_info;

/* The model's facts, valid until zkml_model_close (a proof may fill in the digest). */
const zkml_model_info *zkml_model_describe(const zkml_model *m);

/* What quantization does with a feature beyond the range the model's inputs represent. */
typedef enum {
    ZKML_FEATURES_SATURATE = 0,     /* clamp it to the nearest end of the range */
    ZKML_FEATURES_REFUSE = 1        /* refuse the row: ZKML_E_FEATURE_RANGE */
} zkml_feature_policy;

/*
 * One row of n_inputs real features into the model's integers (out, n_inputs values).
 * ZKML_E_INVALID for a NaN or infinite feature, ZKML_E_FEATURE_RANGE for one refused;
 * *failed (if not NULL) receives the 0-based feature that made it fail.
 */
int zkml_quantize_row(const zkml_model *m, const double *features, zkml_feature_policy policy,
                      int32_t *out, uint32_t *failed, char *err);

/* The real value of integer v at input j, or at output i; NaN if there is no such one. */
double zkml_dequantize_input(const zkml_model *m, uint32_t j, int32_t v);
double zkml_dequantize_output(const zkml_model *m, uint32_t i, int32_t v);

/*
 * The model's forward pass on batch integer rows (batch x n_inputs, row-major), its
 * outputs dequantized into scores (batch x n_outputs).  ZKML_E_ROW_RANGE when a row
 * leaves the range the model was quantized for: *failed_row (if not NULL) receives the
 * row, and err names the layer and unit, which is for the holder of the weights only.
 * ZKML_E_NO_KEY for a verify-only model, ZKML_E_NOMEM, ZKML_E_INVALID (an input out of
 * range, interrupted).  Runs on the calling thread only.
 */
int zkml_score_rows(const zkml_model *m, const int32_t *rows, size_t batch, double *scores,
                    size_t *failed_row, char *err);

/* ---- proofs ---- */

/* A proof's phases as each ends, with its seconds: "witness", "commitments", "sumcheck
 * S1", "sumcheck S2", "openings".  Called on the caller's thread. */
typedef void (*zkml_progress_fn)(void *arg, const char *phase, double seconds);

/* What a proof binds besides the rows, and how it runs (every field may be 0/NULL). */
typedef struct {
    const uint8_t *context;         /* caller bytes bound into the proof: at most */
    size_t context_len;             /* ZKML_MAX_CONTEXT */
    const uint8_t *const *row_keys; /* batch row keys (at most ZKML_MAX_ROW_KEY bytes), */
    const uint32_t *row_key_lens;   /* or NULL for none */
    zkml_progress_fn progress;
    void *progress_arg;
    const uint8_t *fixed_rng;       /* 32 bytes replacing OS randomness: tests only */
    /* Groups of several proofs (docs/protocol.md 12.10): 0, or a batch of more rows than
     * this is proven in parts of rows_per_proof rows (the last holds the rest), one
     * after another, into one receipt of several proofs ("ZKMLRCTM"); only for models
     * whose info says proves_in_parts (else ZKML_E_UNSUPPORTED). */
    size_t rows_per_proof;
    /* Called, if not NULL, as each part begins (1-based part of parts, its first row
     * 0-based, its rows), with progress_arg, on the caller's thread. */
    void (*part)(void *arg, size_t part, size_t parts, size_t first_row, size_t rows);
    int committed_inputs;           /* 1: a ZKMLRCC1 receipt (each part one), the rows
                                     * committed, never written (docs/protocol.md 7.19-7.20;
                                     * version 2) */
} zkml_prove_options;

/* About how many bytes a proof of batch rows holds at its peak (0: no layout). */
uint64_t zkml_prove_memory_estimate(const zkml_model *m, size_t batch);

/*
 * Score batch integer rows (batch x n_in, row-major; n_in must be the model's), prove
 * the scores and write the receipt into *receipt (malloc'd).  opts may be NULL.  Every
 * row is scored before the first proof; a batch split into parts (rows_per_proof) has
 * at most ZKML_MAX_BATCH rows a part and 2^32 in all, and its errors start with
 * "part i of k: ".  Interrupted between parts too.
 * ZKML_E_ROW_RANGE as for zkml_score_rows (whoever reports it to others names at most the
 * row, *failed_row); ZKML_E_NO_KEY; otherwise a negative code with err.  Needs
 * zkml_init().
 */
int zkml_prove_rows(uint8_t **receipt, size_t *receipt_len, zkml_model *m,
                    const int32_t *rows, size_t batch, size_t n_in,
                    const zkml_prove_options *opts, size_t *failed_row, char *err);

/* ---- receipts ---- */

/*
 * Check a receipt, of one proof ("ZKMLRCT1") or several ("ZKMLRCTM", valid exactly when
 * every part is; the first failing part is named: "part i of k: ...", docs/protocol.md
 * 12.10.3), against a model's public file.  1 valid; 0 invalid (a receipt that
 * does not decode, names another model or has a rejected proof), err saying why; -1 if
 * the check could not be made (the public file does not decode, an unusable batch, an
 * internal failure), err saying why.  Needs zkml_init().
 */
int zkml_verify(const uint8_t *rct, size_t rct_len, const uint8_t *pub, size_t pub_len,
                char *err);

/* A decoded receipt, its proof unchecked. */
typedef struct zkml_receipt zkml_receipt;

/* A receipt's fields as stated (pointers into the receipt's bytes or its handle). */
typedef struct {
    uint8_t digest[32];             /* the model digest it names */
    uint32_t batch, n_in, n_out;
    const uint8_t *context;
    size_t context_len;
    const int32_t *inputs;          /* batch x n_in, row-major; NULL for committed inputs */
    const int32_t *outputs;         /* batch x n_out, row-major */
    size_t proof_len;               /* of every proof together */
    uint32_t parts;                 /* 1, or the parts of a receipt of several proofs
                                     * (then batch, inputs and outputs are all parts'
                                     * in order, and batch is at most 2^32 - 1) */
    const uint32_t *part_rows;      /* the rows of each part (parts values) */
    const uint8_t *const *keys;     /* batch row keys, all parts' in order (key_lens[b] */
    const uint32_t *key_lens;       /* 0: row b has none) */
    /* Committed inputs (docs/protocol.md 12.9), else both NULL: each part's nonce (parts
     * x 32 bytes) and each row's commitment, its 64-byte affine encoding (batch x 64
     * bytes, 12.9.2), all parts' in order. */
    const uint8_t *nonces;
    const uint8_t *row_commitments;
} zkml_receipt_summary;

/* Decode a receipt (the bytes must outlive the handle).  ZKML_E_BAD_RECEIPT with err
 * naming the field and byte offset, or ZKML_E_NOMEM; *out NULL on failure. */
int zkml_receipt_open(zkml_receipt **out, const uint8_t *rct, size_t rct_len, char *err);

/* The fields of an open receipt, valid until zkml_receipt_close. */
const zkml_receipt_summary *zkml_receipt_describe(const zkml_receipt *r);

/* Release an open receipt; NULL is a no-op. */
void zkml_receipt_close(zkml_receipt *r);

/*
 * A receipt's public facts as a JSON object (malloc'd, NUL-terminated):
 *   {"format": "ZKMLRCT1", "ZKMLRCC1" or "ZKMLRCTM", "inputs": "public" (or "committed",
 *    then, for a ZKMLRCC1, "nonce": "<64 hex>"), "model_digest", "rows",
 *    "inputs_per_row", "outputs_per_row", "rows_with_keys", "context_bytes", "context" (a
 *    string, or null unless UTF-8 without NUL), "context_hex", "proof_bytes" (all
 *    proofs'), "receipt_bytes", "parts" (1 for one proof), "part_rows" (the rows of each
 *    part)}
 * ZKML_E_BAD_RECEIPT or ZKML_E_NOMEM with err.
 */
int zkml_receipt_info_json(char **json, const uint8_t *rct, size_t rct_len, char *err);

/* A receipt's rows as it states them (every part's, in order), dequantized with its
 * model's public file. */
typedef struct {
    uint32_t batch, n_in, n_out;
    double *features;           /* batch x n_in, row-major */
    double *scores;             /* batch x n_out, row-major */
    const uint8_t **keys;       /* batch row keys, pointing into the receipt's bytes */
    uint32_t *key_lens;         /* 0 for a row without a key */
    int committed;              /* a committed-input receipt (ZKMLRCC1): features are NaN */
    uint8_t *opened;            /* committed, with an opening: 1 for each opened row (its */
                                /* features checked and given), else NULL */
} zkml_rows;

/*
 * Decode both files and check that the receipt names this public file and has its
 * shapes, then dequantize.  Not a verdict (zkml_verify says whether the rows are
 * proven).  ZKML_OK with *out filled (release with zkml_rows_free; the keys point into
 * rct), or ZKML_E_BAD_PUBLIC, ZKML_E_BAD_RECEIPT, ZKML_E_MISMATCH, ZKML_E_NOMEM with err
 * and *out empty.  Needs zkml_init().
 */
int zkml_receipt_read_rows(zkml_rows *out, const uint8_t *rct, size_t rct_len,
                           const uint8_t *pub, size_t pub_len, char *err);

/*
 * The same for a committed receipt with an opening (docs/protocol.md 12.11): the
 * opening is checked against the receipt (its digest, its rows' commitments; not the
 * proof, which zkml_verify checks) and the opened rows' features are given, NaN for the
 * others (rows->opened says which).  ZKML_E_INVALID with err naming the failed check for
 * an opening that does not check; otherwise as zkml_receipt_read_rows.
 */
int zkml_receipt_read_rows_opened(zkml_rows *out, const uint8_t *rct, size_t rct_len,
                                  const uint8_t *pub, size_t pub_len, const uint8_t *opening,
                                  size_t opening_len, char *err);

/*
 * An opening of chosen rows of a committed receipt this model made (7.1): rows (count
 * 0-based indices, increasing) and their quantized features (count x n_in, as given to
 * the proof).  ZKML_E_NO_KEY; ZKML_E_INVALID naming the row whose features are not the
 * committed ones, or an index out of order or range; ZKML_E_BAD_RECEIPT,
 * ZKML_E_MISMATCH (another model's receipt).  Needs zkml_init().
 */
int zkml_open_rows(uint8_t **opening, size_t *opening_len, zkml_model *m,
                   const uint8_t *rct, size_t rct_len, const uint32_t *rows,
                   const int32_t *features, size_t count, char *err);

/* The same with the rows named by their keys, each occurring exactly once in the
 * receipt, in any order. */
int zkml_open_rows_by_key(uint8_t **opening, size_t *opening_len, zkml_model *m,
                          const uint8_t *rct, size_t rct_len, const uint8_t *const *keys,
                          const uint32_t *key_lens, const int32_t *features, size_t count,
                          char *err);

/*
 * Check an opening (7.2): the receipt must verify against the public file, then the
 * opening must match it.  1 both hold; 0 either fails (err says which, naming the row);
 * -1 the check could not be made.  Needs zkml_init().
 */
int zkml_check_opening(const uint8_t *rct, size_t rct_len, const uint8_t *pub,
                       size_t pub_len, const uint8_t *opening, size_t opening_len, char *err);

/* Release what zkml_receipt_read_rows filled in and zero it. */
void zkml_rows_free(zkml_rows *rows);

/* ---- registration ---- */

/* A quantized model document (zkml-quantized-v1) -> a key file with a fresh secret seed
 * (malloc'd; it holds secrets: release it with zkml_secret_free).  ZKML_E_INVALID for a
 * document that is not a valid model. */
int zkml_key_generate(uint8_t **key, size_t *key_len, const char *qjson, size_t qjson_len,
                      char *err);

/* Wipe len bytes (explicit_bzero) and free them: key files, quantized documents. */
void zkml_secret_free(void *buf, size_t len);

/* A key file -> its public file (malloc'd): the weights' commitments.  Deterministic.
 * Needs zkml_init(). */
int zkml_public_from_key(uint8_t **pub, size_t *pub_len, const uint8_t *key, size_t key_len,
                         char *err);

/* The model digest: SHA-256 of the public file's bytes (no decoding). */
int zkml_public_digest(uint8_t digest[32], const uint8_t *pub, size_t pub_len, char *err);

/* The features of a float model document (zkml-float-v1): *names, count strings ("" for
 * an unnamed feature) in one malloc'd block (release with free).  ZKML_E_INVALID with err
 * naming the JSON path. */
int zkml_float_features(char ***names, size_t *count, const char *float_json, size_t len,
                        char *err);

/* Check quantization options (a JSON object; len 0: the defaults), as zkml_quantize_model
 * reads them.  ZKML_E_INVALID with err. */
int zkml_quantize_options_check(const char *options, size_t len, char *err);

/* What zkml_quantize_model reads besides the document (every field may be 0/NULL). */
typedef struct {
    const double *calibration;      /* n_calibration rows of calibration_width values, */
    size_t n_calibration;           /* row-major; NULL: a synthetic set */
    size_t calibration_width;
    const double *holdout;          /* likewise, only measured */
    size_t n_holdout;
    size_t holdout_width;
    const char *options;            /* a JSON object of options, or NULL: the defaults */
    size_t options_len;
} zkml_quantize_input;

/*
 * Quantize a float model document with its calibration rows into a quantized model
 * document (*qjson, malloc'd, NUL-terminated, *qjson_len bytes; it holds the weights:
 * release it with zkml_secret_free) and a report (*report, a malloc'd JSON object:
 * quantize.h describes it).  ZKML_E_WIDTH, with *n_features (if not NULL) the
 * document's feature count, when calibration or holdout rows are not that wide;
 * otherwise a negative code with err.  Both outputs NULL on failure.
 */
int zkml_quantize_model(char **qjson, size_t *qjson_len, char **report,
                        const char *float_json, size_t len, const zkml_quantize_input *in,
                        size_t *n_features, char *err);

#endif
