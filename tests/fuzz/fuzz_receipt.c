/*
 * fuzz_receipt.c: hostile receipt bytes through the receipt decoders, of one proof and
 * of several (receipt_group.h).  No crash; and a receipt that decodes encodes back to the
 * same bytes (the formats are canonical, so one statement and proof have exactly one
 * receipt).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_core_init.h"
#include "receipt.h"
#include "receipt_group.h"
#include "zkml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[ZKML_ERR_LEN];
    uint8_t *again = NULL;
    size_t again_len = 0;
    receipt r;
    receipt_group g;

    if (receipt_group_decode(&g, data, len, err) == 0) {
        if (receipt_group_encode(&again, &again_len, g.k, g.total_rows,
                                 (const uint8_t *const *)g.part, g.part_len, err) != 0 ||
            again_len != len || memcmp(again, data, len) != 0)
            abort();
        free(again);
        receipt_group_free(&g);
        return 0;
    }
    if (receipt_decode(&r, data, len, err) != 0)
        return 0;
    if (receipt_encode(&again, &again_len, &r, err) != 0 || again_len != len ||
        memcmp(again, data, len) != 0)
        abort();
    free(again);
    receipt_free(&r);
    return 0;
}
