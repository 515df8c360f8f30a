/*
 * transcript.h: the Fiat-Shamir transcript of ZKMLPG-V1 (docs/protocol.md 3).
 *
 *   init(id):        st = SHA256("ZKMLPG-TRANSCRIPT-V1" || 0x00 || u32le(|id|) || id)
 *   absorb(l, d):    st = SHA256(st || 0x01 || u32le(|l|) || l || u64le(|d|) || d)
 *   challenge(l):    out = SHA256(st || 0x02 || u32le(|l|) || l || u32le(ctr)) for
 *                    ctr = 0, 1, ... until LE(out) mod 2^254 is < q (and nonzero if asked);
 *                    then st = SHA256(st || 0x03 || u32le(|l|) || l || out).
 *
 * Data encodings of the helpers:
 *   absorb_u64          u64le(v)
 *   absorb_scalar       enc(x): the 32-byte canonical encoding alone, no count
 *   absorb_point        enc(P): the 32-byte point encoding alone, no count
 *   absorb_scalars      u64le(n) || enc(x_0) || ... || enc(x_{n-1})
 *   absorb_points       u64le(n) || enc(P_0) || ... || enc(P_{n-1})
 * A single element is thus absorbed without the count of the vector form.  This is
 * what reproduces the transcript KATs of tests/kat/zkmlpg-v1.kat, whose three transcript
 * lines are one sequence on one transcript:
 *   t = init("ZKMLPG-V1/kat")                 -> the ".state" line
 *   absorb_scalar(t, "x", 1); challenge("c")  -> the absorb_scalar line
 *   absorb_point(t, "P", G); challenge("c")   -> the absorb_point line (G of 1.3)
 *
 * Labels are NUL-terminated strings, hashed without the terminator.  A transcript is
 * not shared between threads.  An internal hashing failure (allocation inside OpenSSL)
 * is sticky: the transcript is marked failed and the next challenge reports it, so a
 * caller only has to check the return value of transcript_challenge().
 */
#ifndef ZKML_TRANSCRIPT_H
#define ZKML_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "group.h"

typedef enum {
    TRANSCRIPT_EVENT_ABSORB,
    TRANSCRIPT_EVENT_CHALLENGE
} transcript_event;

/*
 * Optional observer of every absorb and challenge (tests compare the prover's and the
 * verifier's sequences, docs/protocol.md 11.1): the label, the length of the absorbed data
 * (0 for a challenge) and the state after the operation, which commits to all before.
 */
typedef void (*transcript_trace_fn)(void *arg, transcript_event ev, const char *label,
                                    size_t len, const uint8_t state[32]);

typedef struct {
    uint8_t state[32];
    int failed;                  /* sticky internal failure */
    transcript_trace_fn trace;   /* NULL unless a test sets it */
    void *trace_arg;
} transcript_t;

void transcript_init(transcript_t *t, const void *id, size_t id_len);

void transcript_absorb(transcript_t *t, const char *label, const void *data, size_t len);
void transcript_absorb_u64(transcript_t *t, const char *label, uint64_t v);
void transcript_absorb_scalar(transcript_t *t, const char *label, const fq_t *x);
void transcript_absorb_scalars(transcript_t *t, const char *label, const fq_t *x, size_t n);
void transcript_absorb_point(transcript_t *t, const char *label, const ge_t *p);
void transcript_absorb_points(transcript_t *t, const char *label, const ge_t *p, size_t n);
/* Projective points are normalised first (in batches, one inversion per batch). */
void transcript_absorb_gep_point(transcript_t *t, const char *label, const gep_t *p);
void transcript_absorb_gep_points(transcript_t *t, const char *label, const gep_t *p,
                                  size_t n);

/*
 * Draw a challenge by exact rejection sampling (uniform in F, or in F \ {0} when
 * nonzero is set).  Returns 0, or -1 if the transcript has failed (out is then zero).
 */
int transcript_challenge(transcript_t *t, const char *label, int nonzero, fq_t *out);

/* n challenges with the same label, the state ratcheting after each (docs/protocol.md 3).
 * 0, or -1 on failure (all of out is then zero from the failed one on). */
int transcript_challenges(transcript_t *t, const char *label, int nonzero, fq_t *out,
                          size_t n);

#endif
