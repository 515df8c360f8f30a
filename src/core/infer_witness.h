/*
 * infer_witness.h: the phase-1 witness of an inference proof (docs/protocol.md 6.2, 6.3,
 * 7 step 1): the P1 polynomial filled from a forward-pass trace, padding included, and
 * the multiplicity of every table row over every lookup instance.
 *
 * Padding (6.2): batch columns b >= B copy column B-1; output rows i >= m_l come from
 * zero weights and bias, so q = 0, rem = 2^(s-1) and a = ACT_l(0).  Every padded entry
 * is looked up like any other, and counted in the multiplicities.
 *
 * P1 entries are small integers (q, limbs, a, counts), kept as int64; the prover maps
 * them into the field when it commits.  The witness is secret: infer_witness_free wipes it.
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_INFER_WITNESS_H
#define ZKML_INFER_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "infer_layout.h"
#include "model.h"

typedef struct {
    size_t len;             /* 2^l_P */
    int64_t *p1;            /* P1, placed as the layout says, zero beyond the columns */
} infer_witness;

/*
 * Fill P1 from the trace of model_forward on the layout's B rows.  0, or -1 with err
 * (allocation failure, or a trace entry that is not in its table: an internal error,
 * since model_forward only produces table rows).
 */
int infer_witness_build(infer_witness *wit, const infer_layout *lay, const zk_model *model,
                        const model_trace *trace, char *err);

/* The same with the input rows (B x n_1), which a committed layout's input limbs need
 * (docs/protocol.md 7.20.3); inputs may be NULL for any other layout. */
int infer_witness_build_inputs(infer_witness *wit, const infer_layout *lay,
                               const zk_model *model, const model_trace *trace,
                               const int32_t *inputs, char *err);

void infer_witness_free(infer_witness *wit);

#endif
