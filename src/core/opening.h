/*
 * opening.h: openings of committed rows (docs/protocol.md 12.11): the file
 * "ZKMLOPN1" that reveals chosen rows of one committed receipt (their features and
 * blinds), how the lender makes one, and how an auditor checks one.  The receipt is of
 * one proof ("ZKMLRCC1") or of several ("ZKMLRCTM" of committed parts): rows are counted
 * across the parts in order, and each row's blind is its own part's (12.11.1).
 *
 *   8 bytes  magic "ZKMLOPN1"
 *   32 bytes SHA-256 of the whole committed receipt (the container's, for several proofs)
 *   u32      n_1, the receipt's
 *   u32      K, rows opened: 1 .. B (B the total rows of a container)
 *   per opened row, indices strictly increasing:
 *     u32    b, its position in the receipt (0 .. B-1, across the parts in order)
 *     i32    n_1 features, each a signed xbits_j-bit integer
 *     32 bytes  its blind, a canonical scalar
 *
 * Failures follow error.h: 0 or -1, and a message in err.
 */
#ifndef ZKML_OPENING_H
#define ZKML_OPENING_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "field.h"
#include "model.h"
#include "receipt.h"
#include "receipt_group.h"

#define OPENING_MAGIC "ZKMLOPN1"
#define OPENING_HEADER_LEN (8 + 32 + 4 + 4)

typedef struct {
    uint8_t receipt_digest[32];
    uint32_t n_in;
    uint32_t count;             /* K */
    uint32_t *index;            /* K row indices, increasing */
    int32_t *features;          /* K x n_1 */
    fq_t *blind;                /* K blinds (secret until published: wiped on free) */
} opening;

void opening_free(opening *o);

/*
 * The lender's side (12.11.1): an opening of rows index[0..count) of a committed receipt
 * (rct: its bytes, p: its parts decoded) whose features are given (count x n_1), each
 * blind derived from the model's seed, the nonce of the row's part and the row's index
 * in that part.  Refuses, naming the row, a row whose features are not the committed
 * ones, and indices out of order or range.
 */
int opening_create(uint8_t **out, size_t *out_len, const uint8_t *rct, size_t rct_len,
                   const receipt_parts *p, const uint8_t seed[32], const uint32_t *index,
                   const int32_t *features, size_t count, char *err);

/* Strict decoder (7.2 step 2, the parts that need only the model's widths): n_in
 * features per row, each within its width in the dense model, or any i32 when model is
 * NULL (a tree's keys, docs/protocol.md 16.10.1). */
int opening_decode(opening *o, const uint8_t *buf, size_t len, uint32_t n_in,
                   const zk_model *model, char *err);

/*
 * 12.11.2 steps 2-3 against a decoded committed receipt (its parts) and its bytes: the
 * digest, n_1, every index below the total rows, and every opened row's commitment in
 * the part holding it.  1 the opening checks; 0 it does not (err names the field or the
 * row, its index, key and part); -1 internal failure.
 */
int opening_check(const opening *o, const uint8_t *rct, size_t rct_len,
                  const receipt_parts *p, char *err);

#endif
