/*
 * le.h: little-endian fixed-width integers in byte buffers (docs/protocol.md 0), shared by
 * the file formats (descriptor, key and public files, receipts).  The caller has checked
 * that the bytes are there.
 */
#ifndef ZKML_LE_H
#define ZKML_LE_H

#include <stdint.h>

static inline void
le_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void
le_put_u64(uint8_t *p, uint64_t v)
{
    le_put_u32(p, (uint32_t)v);
    le_put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t
le_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
le_get_u64(const uint8_t *p)
{
    return (uint64_t)le_get_u32(p) | (uint64_t)le_get_u32(p + 4) << 32;
}

/* int32 as two's complement (signed to unsigned is defined modulo 2^32) ... */
static inline void
le_put_i32(uint8_t *p, int32_t v)
{
    le_put_u32(p, (uint32_t)v);
}

/* ... and back, without the implementation-defined unsigned-to-signed conversion. */
static inline int32_t
le_get_i32(const uint8_t *p)
{
    uint32_t v = le_get_u32(p);

    return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) + INT32_MIN;
}

#endif
