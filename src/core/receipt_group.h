/*
 * receipt_group.h: receipts of several proofs (docs/protocol.md 12.10): the container
 * "ZKMLRCTM" holding k >= 2 complete single-proof receipts of one group, the group digest
 * G that every part's proof binds ("stmt/group"), and the container's checks.
 *
 * Container (all integers little-endian; exactly as long as its fields require):
 *
 *   8 bytes  magic "ZKMLRCTM"
 *   u32      k, the parts: 2 .. 65536
 *   u64      total rows: 2 .. 2^32, the sum of the parts' B
 *   per part i = 1 .. k:
 *     u64    length: at least 8, at most the bytes left
 *     bytes  one complete single-proof receipt (receipt.h)
 *
 * Decoding checks every part decodes by its own format's rules, that all parts have the
 * same magic, model digest, n_1, m_L and context, that the B add up to the total, and that
 * nothing follows part k.  The container does not know how the parts give their inputs:
 * it reads their header fields, their statement bytes S_i (receipt_statement_digest) and
 * their proof's verdict (receipt_verify_decoded).
 *
 * Failures follow error.h: 0 or -1 with a message in err.
 */
#ifndef ZKML_RECEIPT_GROUP_H
#define ZKML_RECEIPT_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "receipt.h"

#define RECEIPT_GROUP_MAGIC "ZKMLRCTM"
#define RECEIPT_GROUP_HEADER_LEN (8 + 4 + 8)
#define RECEIPT_GROUP_MIN_PARTS 2u
#define RECEIPT_GROUP_MAX_PARTS 65536u
#define RECEIPT_GROUP_MAX_ROWS ((uint64_t)1 << 32)

/* "stmt/group": u32le(i) || u32le(k) || G */
#define RECEIPT_GROUP_BYTES 40

/* A decoded container: its parts point into the decoded buffer, which must outlive it. */
typedef struct {
    uint32_t k;
    uint64_t total_rows;
    const uint8_t **part;       /* k, each at its receipt's first byte */
    size_t *part_len;
    receipt *parts;             /* k decoded receipts */
} receipt_group;

/* 1 if buf starts with the container's magic (whatever follows), else 0. */
int receipt_is_group(const uint8_t *buf, size_t len);

/* Strict decoder (6.1).  0, or -1 with err naming the part, field or byte offset; on
 * failure the group is empty. */
int receipt_group_decode(receipt_group *g, const uint8_t *buf, size_t len, char *err);

void receipt_group_free(receipt_group *g);

/* The container of k parts (2 .. 65536 complete receipts) and their total rows, malloc'd
 * into *out.  The parts are not decoded again: the caller made them.  0, or -1 with err. */
int receipt_group_encode(uint8_t **out, size_t *out_len, uint32_t k, uint64_t total_rows,
                         const uint8_t *const *parts, const size_t *part_lens, char *err);

/* G = SHA-256("ZKMLPG-V2/group" || u32le(k) || SHA-256(S_1) || .. || SHA-256(S_k)) (6.2),
 * from the k statement digests.  0, or -1 (hashing failed). */
int receipt_group_digest(uint8_t G[32], const uint8_t (*statement_digests)[32], uint32_t k);

/* The 40 bytes part i of k absorbs: u32le(i) || u32le(k) || G. */
void receipt_group_bytes(uint8_t out[RECEIPT_GROUP_BYTES], uint32_t i, uint32_t k,
                         const uint8_t G[32]);

/*
 * Verify a container against a public file, in the order of 6.3: the public file
 * decodes (else -1), the container decodes, names the public file's digest and has its
 * shapes, the model is of protocol version 2, and each part's proof verifies with
 * (i, k, G); the first failure decides and a part's reason starts "part i of k: ".
 * 1 valid, 0 invalid, -1 as receipt_verify.  Needs zkml_init().
 */
int receipt_group_verify(const uint8_t *rct, size_t rct_len, const uint8_t *pub_buf,
                         size_t pub_len, char *err);

/* receipt_read_rows of a container: every part's rows, in part order.  The total must
 * fit in 32 bits (else RECEIPT_ROWS_NO_MEMORY). */
int receipt_group_read_rows(receipt_rows *out, const uint8_t *rct, size_t rct_len,
                            const uint8_t *pub_buf, size_t pub_len, char *err);

/* receipt_info_json of a container: "format" "ZKMLRCTM", "rows" the total, "proof_bytes"
 * of all parts, "parts" k and "part_rows" the list of B_i. */
int receipt_group_info_json(char **json, const uint8_t *rct, size_t rct_len, char *err);

/*
 * The rows of a receipt of one proof or of several, as parts in order (12.10.1): a
 * single-proof receipt is the group of one part.  Row b (0-based) of the whole receipt
 * is row b - first_i of the part i whose rows first_i .. first_i + B_i - 1 hold it;
 * openings (12.11) name rows this way.
 */
typedef struct {
    receipt single;             /* a receipt of one proof */
    receipt_group group;        /* or of several (group.k > 0) */
    const receipt *parts;       /* k decoded parts, in order */
    uint32_t k;
    uint64_t total_rows;
} receipt_parts;

/* Decode either format strictly (receipt_decode, receipt_group_decode).  0, or -1 with
 * err; on failure p is empty. */
int receipt_parts_decode(receipt_parts *p, const uint8_t *buf, size_t len, char *err);

void receipt_parts_free(receipt_parts *p);

/*
 * The part holding row (0-based across the parts) and that part's first row.  *part and
 * *first are a cursor (start at 0, 0): rows asked in increasing order walk the parts
 * once.  0, or -1 if row is not below the total rows.
 */
int receipt_parts_find(const receipt_parts *p, uint64_t row, uint32_t *part, uint64_t *first);

#endif
