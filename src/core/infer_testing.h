/*
 * infer_testing.h: the test seam of the inference proof (PROTOCOL.md 11.3, 11.5).
 *
 * Soundness tests need a prover that lies: one that commits a witness the honest code
 * would never build, skips its own checks, and, to show that the tests can tell a
 * sound transcript order from an unsound one, one that runs an order the protocol
 * forbids.  This header is the only way in.  It is internal: no PostgreSQL function,
 * no command and no other module of the core includes it; zkml_prove_rows (zkml.h) never
 * sets infer_options.hooks and infer_verify runs with none, so a real proof can never
 * take any of these paths.
 *
 * With hooks (infer_options.hooks of infer_prove), the prover:
 *   - builds the honest phase-1 witness when the forward pass succeeds (all zeros when
 *     it does not, e.g. a q outside its table) and hands it to tamper_p1 before
 *     anything is committed;
 *   - does not refuse outputs that differ from the forward pass;
 *   - commits P1 from its field form, so that tamper_field may put any field value in
 *     it (a non-integer multiplicity, say);
 *   - does not stop when a linear relation of step 12 fails: it records the first
 *     broken relation in the report and proves anyway, so that the verifier decides.
 */
#ifndef ZKML_INFER_TESTING_H
#define ZKML_INFER_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "infer_layout.h"
#include "infer_proof.h"
#include "transcript.h"

/* What a hooked run observed (filled by infer_prove and infer_verify_hooked when not NULL). */
typedef struct {
    /* prover: the index of the first linear relation of step 12 that does not hold
     * (0..3 for R1..R4: S1 R_init, S1 R_final, S2 R_init, S2 R_final), -1 if all hold */
    int broken_relation;
    /* verifier: proof bytes read when it decided (the whole proof if the decision came
     * at the last check, the linear-relation argument, or on acceptance) */
    size_t bytes_read;
} infer_test_report;

typedef struct infer_test_hooks {
    /*
     * Called once with the phase-1 witness (2^l_P small integers placed as lay says,
     * multiplicities included) before it is committed: edit it at will.
     */
    void (*tamper_p1)(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                      void *arg);
    /*
     * Called once with P1 in field form just before its rows are committed, with the
     * lookup challenges α, γ as the prover knows them at that moment: the real ones
     * under early_lookup_challenges, otherwise the values a prover could predict from
     * the transcript so far (which the real α, γ then differ from).
     */
    void (*tamper_field)(fq_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                         const fq_t *alpha, const fq_t *gamma, void *arg);
    void *arg;
    /*
     * The unsound order of section 7 steps 1-2: α and γ drawn before "P1/rows" is
     * absorbed.  Both the prover and the verifier follow it when set; a proof made
     * one way never verifies the other way.
     */
    int early_lookup_challenges;
    /* Observer of every absorb and challenge after the statement (both roles). */
    transcript_trace_fn trace;
    void *trace_arg;
    infer_test_report *report;
} infer_test_hooks;

/* infer_verify with hooks (hooks NULL: exactly infer_verify). */
int infer_verify_hooked(const infer_statement *st, const uint8_t *proof, size_t proof_len,
                        const char **reason, const infer_test_hooks *hooks);

#endif
