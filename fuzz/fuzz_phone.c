
/*
 * Copyright (C) phoneval authors
 *
 * The phone normalizer never invents a digit and never reads out of
 * bounds (AddressSanitizer watches the reads).  On ASCII text, where no
 * digit is folded, the number's digits are exactly the text's first
 * digits in order (the extension and a comment only ever follow it), and
 * the ASCII fast path gives what the full path gives.
 */


#include <stdlib.h>
#include <string.h>

#include "phoneval_core.h"


/* an upper bound on the digits the input holds: every byte that starts a
 * UTF-8 sequence could be one digit */

static size_t
fuzz_digit_bound(const uint8_t *p, size_t n)
{
    size_t  i, c;

    for (c = 0, i = 0; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            c++;
        }
    }

    return c;
}


/* 1 if the text is ASCII and its first n digits are digits[0..n) */

static int
fuzz_ascii_digits_differ(const uint8_t *p, size_t size, const char *digits,
    size_t n)
{
    size_t  i, k;

    for (i = 0; i < size; i++) {
        if (p[i] >= 0x80) {
            return 0;
        }
    }

    for (i = 0, k = 0; i < size && k < n; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            if (p[i] != (uint8_t) digits[k]) {
                return 1;
            }

            k++;
        }
    }

    return k != n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t         i;
    uint8_t       *copy;
    pv_phone_t     ph, full;
    pv_u_char      key[PV_CACHE_KEY_MAX];
    pv_phone_rc_e  rc;

    /* an exact-size copy, so ASan sees any read past the end */
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    rc = pv_phone_normalize(copy, size, &ph);

    /* the fast path and the full one agree on every field */

    if (pv_phone_normalize_full(copy, size, &full) != rc
        || ph.rc != full.rc || ph.plus != full.plus
        || ph.ndigits != full.ndigits || ph.extra != full.extra
        || strcmp(ph.digits, full.digits) != 0
        || strcmp(ph.ext, full.ext) != 0)
    {
        abort();
    }

    if (rc == PV_PHONE_OK) {
        if (fuzz_ascii_digits_differ(copy, size, ph.digits, ph.ndigits)) {
            abort();
        }

        if (ph.ndigits < PV_PHONE_MIN_DIGITS
            || ph.ndigits > PV_PHONE_MAX_DIGITS
            || ph.ndigits > fuzz_digit_bound(copy, size)
            || strlen(ph.digits) != ph.ndigits)
        {
            abort();
        }

        for (i = 0; i < ph.ndigits; i++) {
            if (ph.digits[i] < '0' || ph.digits[i] > '9') {
                abort();
            }
        }

        if (pv_cache_key(&ph, "US", 0, key) > PV_CACHE_KEY_MAX) {
            abort();
        }
    }

    free(copy);

    return 0;
}
