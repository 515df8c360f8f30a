/*
 * unit_fq.c: the unit tests' shared field and commitment helpers (unit_fq.h).
 */
#include "unit_fq.h"

#include "pedersen.h"
#include "unit.h"

void
unit_random_fq(fq_t *r)
{
    uint8_t wide[64];

    unit_rand_bytes(wide, sizeof wide);
    fq_from_bytes_wide(r, wide);
}

void
unit_commit1(ge_t *C, const fq_t *v, const fq_t *b)
{
    gep_t p;

    pedersen_com1(&p, v, b);
    ge_set_gep(C, &p);
}
