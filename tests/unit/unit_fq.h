/*
 * unit_fq.h: the field and commitment helpers the unit tests share (unit.h's
 * deterministic randomness underneath).
 */
#ifndef ZKML_UNIT_FQ_H
#define ZKML_UNIT_FQ_H

#include "field.h"
#include "group.h"

/* A uniformly random scalar: 64 random bytes reduced mod q. */
void unit_random_fq(fq_t *r);

/* The Pedersen commitment v·G + b·H in affine form (pedersen_com1). */
void unit_commit1(ge_t *C, const fq_t *v, const fq_t *b);

#endif
