/*
 * fuzz_opening.c: a hostile public file, committed receipt (of one proof, or a container
 * of committed parts whose rows an opening counts across the parts) and opening through
 * zkml_check_opening and zkml_receipt_read_rows_opened, the paths of zkml verify
 * --opening, zkml_verify_opening and zkml_receipt_rows with an opening
 * (docs/protocol.md 12.11).  The seeds (tests/fuzz/run) hold both kinds.  Input: u32 (little-endian) lengths P and R, then P bytes of
 * public file, R bytes of receipt, and the opening.  No crash, no read outside any
 * buffer (the sanitizers watch); an opening that checks gives rows, each opened row
 * with its features and every other row without.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_core_init.h"
#include "zkml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static size_t
u32le(const uint8_t *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[ZKML_ERR_LEN];
    const uint8_t *pub, *rct, *opn;
    size_t pub_len, rct_len, opn_len, b, j;
    zkml_rows rows;
    int checked;

    if (len < 8)
        return 0;
    pub_len = u32le(data);
    rct_len = u32le(data + 4);
    if (pub_len > len - 8 || rct_len > len - 8 - pub_len)
        return 0;
    pub = data + 8;
    rct = pub + pub_len;
    opn = rct + rct_len;
    opn_len = len - 8 - pub_len - rct_len;
    checked = zkml_check_opening(rct, rct_len, pub, pub_len, opn, opn_len, err);
    if (checked < -1 || checked > 1)
        abort();
    if (zkml_receipt_read_rows_opened(&rows, rct, rct_len, pub, pub_len, opn, opn_len,
                                      err) != ZKML_OK) {
        if (checked == 1)           /* an opening that checks must be readable */
            abort();
        return 0;
    }
    if (!rows.committed || rows.opened == NULL)
        abort();
    for (b = 0; b < rows.batch; b++)
        for (j = 0; j < rows.n_in; j++)
            if (isnan(rows.features[b * rows.n_in + j]) == (rows.opened[b] != 0))
                abort();
    zkml_rows_free(&rows);
    return 0;
}
