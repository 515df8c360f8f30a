/*
 * receipt.h: a self-contained inference receipt: the public parts of a proof statement
 * (model_kind.h; for a dense network, infer_proof.h) together with its proof.  Whoever holds the model's public
 * file (modelkey.h) checks a receipt with receipt_verify and learns that the committed
 * model maps the receipt's inputs to its outputs.  zkml_prove_rows (zkml.h, api_prove.c)
 * makes receipts with the pieces below.
 *
 * Receipt file, version 1 (all integers little-endian; the file is exactly as long as
 * its contents, nothing may follow the last field):
 *
 *   8 bytes  magic "ZKMLRCT1"
 *   32 bytes the model digest: SHA-256 of the model's public file (modelpub_digest)
 *   u32      B, the batch: 1 .. RECEIPT_MAX_BATCH rows
 *   u32      n_1, inputs per row: 1 .. RECEIPT_MAX_WIDTH
 *   u32      m_L, outputs per row: 1 .. RECEIPT_MAX_WIDTH
 *   u32      C, the context length: 0 .. RECEIPT_MAX_CONTEXT
 *   C bytes  the context (caller bytes: an audit request, a decision date, a nonce)
 *   per row b = 1 .. B:
 *     u32    k_b, the length of its key: 0 .. RECEIPT_MAX_KEY
 *     k_b bytes  the row key (an application id: names the row the score belongs to)
 *   i32      the inputs, B·n_1 values, row-major
 *   i32      the outputs, B·m_L values, row-major
 *   u64      P, the proof length: exactly the bytes that remain
 *   P bytes  the inference proof (codec.h)
 *
 * The statement's context (docs/protocol.md 7.0, "stmt/context") is the receipt's bytes
 * from C through the last row key: the caller's context and every row key are bound
 * into the proof, so a score cannot be moved to another row.
 *
 * The decoder checks every length against the bytes that remain before it allocates
 * anything, so a hostile header cannot make it allocate more than the file's size.
 *
 * Error messages are written into err (ZKML_ERR_LEN bytes, may be NULL).
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_RECEIPT_H
#define ZKML_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "infer_proof.h"
#include "json.h"
#include "modelkey.h"

#define RECEIPT_MAGIC "ZKMLRCT1"
/* Committed inputs (docs/protocol.md 12.9): after the last row key, a 32-byte nonce
 * and B row commitments of 64 bytes (rowcommit.h) where RCT1 has the inputs. */
#define RECEIPT_MAGIC_COMMITTED "ZKMLRCC1"
#define RECEIPT_MAX_BATCH ZKML_MAX_BATCH
#define RECEIPT_MAX_WIDTH 65536u
#define RECEIPT_MAX_CONTEXT ZKML_MAX_CONTEXT
#define RECEIPT_MAX_KEY ZKML_MAX_ROW_KEY
#define RECEIPT_HEADER_LEN (8 + 32 + 4 * 4)     /* magic .. C */

/*
 * A receipt's fields.  For receipt_encode the caller fills it with its own arrays.
 * receipt_decode sets inputs, outputs and the key arrays to storage it allocates
 * (release it with receipt_free) and points context, keys, statement context and proof
 * into the decoded buffer, which must outlive the receipt.
 */
typedef struct {
    uint8_t digest[32];
    uint32_t batch;             /* B */
    uint32_t n_in;              /* n_1 */
    uint32_t n_out;             /* m_L */
    const uint8_t *context;
    size_t context_len;
    const uint8_t *const *keys; /* B row keys, or NULL when every key is empty */
    const uint32_t *key_lens;
    const uint8_t *statement_context;   /* decoder: C .. the last key, as proven */
    size_t statement_context_len;
    const int32_t *inputs;      /* B x n_1, row-major; NULL when committed */
    const int32_t *outputs;     /* B x m_L, row-major */
    const uint8_t *proof;
    size_t proof_len;
    int committed;              /* ZKMLRCC1 */
    const uint8_t *nonce;       /* committed: 32 bytes */
    const ge_t *row_commitments;    /* committed: B points */
    int32_t *storage;           /* decoder's allocations; NULL otherwise */
    void *key_storage;
    ge_t *point_storage;
} receipt;

/* Release what receipt_decode allocated and zero the struct. */
void receipt_free(receipt *r);

/* The file bytes of a receipt, malloc'd into *out.  0, or -1 with err (bounds broken,
 * out of memory). */
int receipt_encode(uint8_t **out, size_t *out_len, const receipt *r, char *err);

/* Strict decoder.  0, or -1 with err naming the field and byte offset; on failure the
 * receipt is empty. */
int receipt_decode(receipt *r, const uint8_t *buf, size_t len, char *err);

/* The shape fields B, n_1, m_L and C: NULL if each is within its bounds, else the rule
 * broken (a static sentence). */
const char *receipt_shape_problem(uint64_t batch, uint64_t n_in, uint64_t n_out,
                                  uint64_t context_len);

/*
 * The statement context of a receipt (the bytes from C through the last row key, as
 * proven), malloc'd into *out: the context, then B row keys (keys NULL: every key
 * empty).  0, or -1 with err (a key longer than RECEIPT_MAX_KEY, out of memory).
 */
int receipt_statement_context(uint8_t **out, size_t *out_len, const uint8_t *context,
                              size_t context_len, size_t batch, const uint8_t *const *keys,
                              const uint32_t *key_lens, char *err);

/*
 * Check a receipt against a model's public file: the receipt must decode, name the
 * digest of this public file, have the model's n_1 and m_L, and carry a proof that the
 * verifier of the model's kind accepts.  1 valid; 0 invalid, with err saying why; -1 if
 * the check could not be made, with err: the public file does not decode, the receipt's
 * batch is beyond what the proof system handles for this model (an unusable statement), or
 * an internal failure.  A receipt that does not decode is invalid (0).  Needs
 * zkml_init().
 */
int receipt_verify(const uint8_t *rct, size_t rct_len, const uint8_t *pub_buf,
                   size_t pub_len, char *err);

/*
 * A receipt's public facts as a JSON object (malloc'd, NUL-terminated, into *json), the
 * one vocabulary of zkml_receipt_info and `zkml inspect --json`:
 *
 *   {"format": "ZKMLRCT1" or "ZKMLRCC1", "inputs": "public" or "committed" (then
 *    "nonce": "<64 hex>"), "model_digest": "<64 hex>", "rows": B, "inputs_per_row": n_1,
 *    "outputs_per_row": m_L, "rows_with_keys": (rows whose key is not empty),
 *    "context_bytes": C, "context": (the context as a string if it is UTF-8 without NUL,
 *    else null), "context_hex": "<2C hex>", "proof_bytes": P, "receipt_bytes": (the
 *    file's length)}
 *
 * 0, or -1 with err (the receipt does not decode, out of memory).
 */
int receipt_info_json(char **json, const uint8_t *rct, size_t rct_len, char *err);

/*
 * A receipt's rows as it states them, dequantized with its model's public file: what an
 * auditor joins against its own copy of the rows.  Not a verdict (receipt_verify says
 * whether they are proven).
 */
typedef zkml_rows receipt_rows;   /* features, scores, keys: zkml.h */

#define RECEIPT_ROWS_OK 0
#define RECEIPT_ROWS_BAD_RECEIPT (-1)   /* the receipt does not decode */
#define RECEIPT_ROWS_BAD_PUBLIC (-2)    /* the public file does not decode */
#define RECEIPT_ROWS_MISMATCH (-3)      /* it names another model, or has other shapes */
#define RECEIPT_ROWS_NO_MEMORY (-4)

/*
 * Decode both files and check, before anything is indexed, that the receipt names the
 * public file's digest and has the model's n_1 and m_L.  RECEIPT_ROWS_OK with *out
 * filled (release it with receipt_rows_free; the keys point into rct, which must outlive
 * it), or another RECEIPT_ROWS_ code with err and *out empty.  Needs zkml_init().
 */
int receipt_read_rows(receipt_rows *out, const uint8_t *rct, size_t rct_len,
                      const uint8_t *pub_buf, size_t pub_len, char *err);

void receipt_rows_free(receipt_rows *rows);

/* ---- what receipts of several proofs (receipt_group.h) use of a single receipt ---- */

/* A public file decoded into pub, with its digest: RECEIPT_ROWS_OK, or
 * RECEIPT_ROWS_BAD_PUBLIC with err (pub then empty). */
int receipt_public_open(modelpub *pub, uint8_t digest[32], const uint8_t *pub_buf,
                        size_t pub_len, char *err);

/* Whether receipt r names the model of pub (its digest) and has its shapes: 0, or -1 with
 * err. */
int receipt_names_model(const receipt *r, const modelpub *pub, const uint8_t digest[32],
                        char *err);

/* SHA-256 of a decoded receipt's statement bytes S: the bytes of rct (the buffer it was
 * decoded from) before the proof-length field (docs/protocol.md 12.10.1).  0, or -1. */
int receipt_statement_digest(uint8_t out[32], const uint8_t *rct, const receipt *r);

/* The verdict of the model's kind on a decoded receipt's proof, its statement bound to
 * "stmt/group" bytes group (40); as infer_verify, *why set when not 1.  The caller has
 * checked the digest and shapes against pub. */
int receipt_verify_decoded(const receipt *r, const modelpub *pub,
                           const uint8_t group[40], const char **why);

/* Lower-case hex of n bytes as a JSON string. */
void receipt_json_write_hex(json_writer *w, const uint8_t *p, size_t n);

#endif
