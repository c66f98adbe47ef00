
/*
 * Copyright (C) phoneval authors
 *
 * The Byteplant answer parser on arbitrary bytes: no crash, no leak, and
 * what it keeps is always well-formed.
 */


#include <stdlib.h>
#include <string.h>

#include "phoneval_core.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t        i;
    pv_answer_t   a;
    pv_verdict_e  v;

    pv_answer_parse(data, size, &a);

    if (a.status >= PV_BP_N) {
        abort();
    }

    for (i = 0; a.line_type[i]; i++) {
        if (!(a.line_type[i] == '_'
              || (a.line_type[i] >= 'A' && a.line_type[i] <= 'Z')))
        {
            abort();
        }
    }

    if (a.e164[0] != '\0') {
        if (a.e164[0] != '+' || strlen(a.e164) < 2) {
            abort();
        }

        for (i = 1; a.e164[i]; i++) {
            if (a.e164[i] < '0' || a.e164[i] > '9') {
                abort();
            }
        }
    }

    if (a.country[0] != '\0' && strlen(a.country) != 2) {
        abort();
    }

    v = pv_verdict_from_answer(&a);

    if (v != PV_PENDING && a.status > PV_BP_INVALID) {
        abort();
    }

    return 0;
}
