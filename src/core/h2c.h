/*
 * h2c.h: hashing to Grumpkin per RFC 9380 (docs/protocol.md 1.3).
 *
 *   expand_message_xmd with SHA-256 (RFC 9380 5.3.1),
 *   hash_to_field into Fp with L = 48 bytes per element (RFC 9380 5.2: big-endian
 *   OS2IP of each 48-byte block, reduced mod p),
 *   map_to_curve_svdw with Z = 1 (RFC 9380 6.6.1, straight-line form of F.1),
 *   hash_to_curve = map(u0) + map(u1), the random-oracle variant (cofactor 1).
 *
 * Everything here except expand_message_xmd is variable time: it hashes public
 * strings only (generator names).  expand_message_xmd is also used on secrets (the W
 * blinds of docs/protocol.md 7) and wipes its intermediate blocks.
 */
#ifndef ZKML_H2C_H
#define ZKML_H2C_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "group.h"

/* The domain-separation tag of the ZKMLPG-V1 generators (docs/protocol.md 1.3). */
#define H2C_GENERATORS_DST "ZKMLPG-V1-GENERATORS-GRUMPKIN_XMD:SHA-256_SVDW_RO_"

/* RFC 9380 limits: len_in_bytes <= 255 * 32, |DST| <= 255. */
#define H2C_XMD_MAX_LEN (255 * 32)
#define H2C_DST_MAX_LEN 255
/* Bytes per field element (L = ceil((ceil(log2 p) + k) / 8), k = 128). */
#define H2C_FIELD_L 48
#define H2C_MAX_FIELD_COUNT (H2C_XMD_MAX_LEN / H2C_FIELD_L)

/*
 * Derive the SVDW constants c1..c4 from their definitions with field operations,
 * check them against the values of docs/protocol.md 1.3 and check the conditions RFC 9380
 * 6.6.1 puts on Z.  NULL on success or a static message.  Needs field_init(); call on
 * the main thread before any other function here (generators_init() does).
 */
const char *h2c_init(void);

/*
 * out = expand_message_xmd(msg, DST, len).  Returns 0, or -1 if a length is out of
 * range (out is then untouched) or hashing failed (out is then zero).
 */
int h2c_expand_message_xmd(uint8_t *out, size_t len, const uint8_t *msg, size_t msg_len,
                           const uint8_t *dst, size_t dst_len);

/* count elements of Fp, count <= H2C_MAX_FIELD_COUNT; 0 or -1 as above. */
int h2c_hash_to_field(fp_t *u, size_t count, const uint8_t *msg, size_t msg_len,
                      const uint8_t *dst, size_t dst_len);

/* The SVDW map; total: every u gives a point on the curve (never the identity). */
void h2c_map_svdw(ge_t *r, const fp_t *u);

/* hash_to_curve(msg) = map(u0) + map(u1); 0 or -1 as above (r is then the identity). */
int h2c_hash_to_curve(ge_t *r, const uint8_t *msg, size_t msg_len,
                      const uint8_t *dst, size_t dst_len);

#endif
