/*
 * infer_case.h: inference-proof statements for the unit tests, and an integer
 * reference of what such a proof is about.
 *
 * The reference forward pass is written from docs/protocol.md 6.1-6.3 alone and shares no
 * code with model.c or infer_witness.c: it computes every layer on the padded matrices
 * (2^μ_l rows, 2^β batch columns, padded batch columns copying row B-1, padded rows
 * from zero weights), requantizes with an arithmetic shift instead of a division, and
 * splits rem into limbs with its own limb plan.  Statements made here take their
 * outputs from it, so every proof that verifies also shows that the proven outputs are
 * the reference's, bit for bit.  From a (possibly edited) reference trace it also
 * builds the phase-1 witness, which is what the malicious prover of
 * test_infer_forge.c commits.
 */
#ifndef ZKML_TEST_INFER_CASE_H
#define ZKML_TEST_INFER_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "infer_layout.h"
#include "infer_proof.h"
#include "model.h"
#include "weights.h"

/* A statement with everything needed to prove it. */
typedef struct {
    zk_model m;
    weights_layout wl;
    hyrax_commitment rows;
    uint8_t seed[32];
    int32_t *x, *y;             /* B x n_1 and B x m_L */
    size_t B;
    uint8_t context[16];
    infer_statement st;
} infer_case;

/* A fixture shape with B rows cycling through its rows (a version 2 twin's: those of its
 * version 1 shape).  0 or -1. */
int icase_fixture(infer_case *ic, const char *shape, size_t B);

/*
 * Odd shapes: dims[0] inputs, then L layers of dims[1..L] outputs; small random
 * weights, M = 1, s = 4, Q = 8; activations identity everywhere (all_identity) or
 * alternating identity and relu; random 8-bit inputs.  0 or -1.
 */
int icase_odd(infer_case *ic, const unsigned *dims, unsigned L, size_t B, int all_identity);

/*
 * Finish a case whose model (ic->m, with weights) is already set: copy B input rows,
 * take the outputs from the reference pass (the core's forward pass for version 2),
 * commit W with a random seed.  0, or -1 (also when some q leaves its table).
 */
int icase_finish(infer_case *ic, const int32_t *x, size_t B);

void icase_free(infer_case *ic);

/* ---- the reference pass ---- */

typedef struct {
    unsigned L, beta;
    size_t B, cols;                             /* cols = 2^β */
    size_t rows[MODEL_MAX_LAYERS];              /* 2^μ_l */
    unsigned K[MODEL_MAX_LAYERS];
    unsigned width[MODEL_MAX_LAYERS][MODEL_MAX_LIMBS];
    unsigned offset[MODEL_MAX_LAYERS][MODEL_MAX_LIMBS];
    /* entry (i, b) at b + cols·i; limb k of it at k·rows·cols + b + cols·i */
    int64_t *q[MODEL_MAX_LAYERS], *rem[MODEL_MAX_LAYERS], *a[MODEL_MAX_LAYERS];
    int64_t *limb[MODEL_MAX_LAYERS];
    const zk_model *m;
    const int32_t *x;
    /* statistics of the real entries (i < m_l, b < B), summed over every layer computed
     * since ref_forward began (layers recomputed after an edit count again) */
    size_t out_of_range;        /* q outside [-2^(Q-1), 2^(Q-1)) (a set to 0 there) */
    size_t ties;                /* M·Y + 2^(s-1) a multiple of 2^s: rem = 0 */
    size_t negative;            /* Y < 0 */
    size_t negative_ties;       /* both */
    size_t saturated;           /* a at the table's extreme, and so is its outward neighbour */
} ref_trace;

/* Run the whole pass on B rows of x (B x n_1, kept by pointer).  0 or -1 (memory). */
int ref_forward(ref_trace *rt, const zk_model *m, const int32_t *x, size_t B);

/* Recompute layer l from the layer before (or the inputs), e.g. after an edit. */
void ref_layer(ref_trace *rt, unsigned l);

/* Set the limbs of entry e of layer l from rem (the canonical split). */
void ref_split(ref_trace *rt, unsigned l, size_t e);

/* The table row index of q in layer l, or -1 outside the table. */
long ref_row(const ref_trace *rt, unsigned l, int64_t q);

/* The B x m_L outputs (the last layer's a on the real entries). */
void ref_outputs(const ref_trace *rt, int32_t *y);

void ref_free(ref_trace *rt);

/*
 * The phase-1 witness of a reference trace (2^l_P entries, malloc'd), placed as lay
 * says, with the multiplicities of every entry that is a row of its table (entries
 * that are not are left out; padded entries too when skip_padding).  NULL on failure.
 */
int64_t *ref_witness(const ref_trace *rt, const infer_layout *lay, int skip_padding);

/* Recount the multiplicity columns of p1 from its own q, limb and a columns. */
void ref_count(int64_t *p1, const infer_layout *lay, const ref_trace *rt, int skip_padding);

/* Offset of entry e of the P1 column of layer l: kind 'q', 'a', or a limb index. */
size_t ref_p1_q(const infer_layout *lay, unsigned l, size_t e);
size_t ref_p1_a(const infer_layout *lay, unsigned l, size_t e);
size_t ref_p1_limb(const infer_layout *lay, unsigned l, unsigned k, size_t e);

/*
 * The version 2 quantized document of a network n_0 -> dims[1] -> .. -> dims[L] whose
 * layer l has kind kinds[l] (r relu, c clamp, i identity, s sigmoid table): small random
 * weights, biases and per-row multipliers; feature j of input_bits(j) bits.  The
 * caller frees it.
 */
char *icase_v2_doc(const unsigned *dims, const char *kinds, unsigned L,
                   unsigned (*input_bits)(unsigned j));

#endif
