
/*
 * Copyright (C) phoneval authors
 *
 * Verdict and item names, confidence, and the ISO 8601 time stamp.
 */


#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"


static void
test_names(void)
{
    int  i;

    static const char  *verdicts[] = {
        "PENDING", "VALID_CONFIRMED", "VALID_UNCONFIRMED", "INVALID"
    };

    static const char  *items[] = {
        "status", "last_validated", "confidence", "line_type", "e164",
        "country"
    };

    for (i = 0; i < PV_VERDICT_N; i++) {
        PV_CHECK_STR(pv_verdict_name((pv_verdict_e) i), verdicts[i]);
        PV_CHECK_INT(pv_verdict_from_name(verdicts[i], strlen(verdicts[i])),
                     i);
    }

    for (i = 0; i < PV_ITEM_N; i++) {
        PV_CHECK_STR(pv_item_name((pv_item_e) i), items[i]);
        PV_CHECK_INT(pv_item_from_name(items[i], strlen(items[i])), i);
    }

    PV_CHECK_INT(pv_verdict_from_name("valid_confirmed", 15), -1);
    PV_CHECK_INT(pv_verdict_from_name("VALID", 5), -1);
    PV_CHECK_INT(pv_verdict_from_name("VALID_CONFIRMEDX", 16), -1);
    PV_CHECK_INT(pv_verdict_from_name("INVALID", 6), -1);
    PV_CHECK_INT(pv_verdict_from_name("", 0), -1);
    PV_CHECK_INT(pv_verdict_from_name(NULL, 0), -1);
    PV_CHECK_INT(pv_verdict_from_name("PENDING\0", 8), -1);

    PV_CHECK_INT(pv_item_from_name("Status", 6), -1);
    PV_CHECK_INT(pv_item_from_name("e16", 3), -1);
    PV_CHECK_INT(pv_item_from_name("carrier", 7), -1);

    PV_CHECK_STR(pv_verdict_name(PV_VERDICT_N), "PENDING");
    PV_CHECK_STR(pv_item_name(PV_ITEM_N), "");

    PV_CHECK_INT(pv_verdict_confidence(PV_VALID_CONFIRMED), 95);
    PV_CHECK_INT(pv_verdict_confidence(PV_VALID_UNCONFIRMED), 60);
    PV_CHECK_INT(pv_verdict_confidence(PV_INVALID), 0);
    PV_CHECK_INT(pv_verdict_confidence(PV_PENDING), -1);
    PV_CHECK_INT(pv_verdict_confidence(PV_VERDICT_N), -1);
}


static void
test_time(void)
{
    size_t     i, n;
    pv_u_char  out[PV_ISO8601_LEN + 1];

    static const struct {
        long long    t;
        const char  *iso;
    } m[] = {
        { 0, "1970-01-01T00:00:00Z" },
        { 1, "1970-01-01T00:00:01Z" },
        { -1, "1969-12-31T23:59:59Z" },
        { 86399, "1970-01-01T23:59:59Z" },
        { 86400, "1970-01-02T00:00:00Z" },
        { 951782400, "2000-02-29T00:00:00Z" },
        { 951868799, "2000-02-29T23:59:59Z" },
        { 951868800, "2000-03-01T00:00:00Z" },
        { 1709251199, "2024-02-29T23:59:59Z" },
        { 1767225600, "2026-01-01T00:00:00Z" },
        { 1767225599, "2025-12-31T23:59:59Z" },
        { 4107542399LL, "2100-02-28T23:59:59Z" },
        { 4107542400LL, "2100-03-01T00:00:00Z" },
        { 2147483647LL, "2038-01-19T03:14:07Z" },
        { 2147483648LL, "2038-01-19T03:14:08Z" },
        { -2208988800LL, "1900-01-01T00:00:00Z" },
        { 253402300799LL, "9999-12-31T23:59:59Z" },
        { 253402300800LL, "9999-12-31T23:59:59Z" },
        { -62167219200LL, "0000-01-01T00:00:00Z" },
        { -62167219201LL, "0000-01-01T00:00:00Z" }
    };

    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        if (sizeof(time_t) < 8 && (m[i].t > 2147483647LL
                                   || m[i].t < -2147483647LL))
        {
            continue;
        }

        memset(out, 'x', sizeof(out));
        n = pv_time_iso8601((time_t) m[i].t, out);

        PV_CHECK_INT(n, PV_ISO8601_LEN);
        PV_CHECK_MEM(out, n, m[i].iso);
        PV_CHECK_INT(out[PV_ISO8601_LEN], 'x');
    }
}


/* every day of 1970-2100 against a plain day-by-day count */

static void
test_calendar(void)
{
    int        y, mo, d, ml, bad;
    char       want[32];
    long long  t;
    pv_u_char  out[PV_ISO8601_LEN];

    static const int  mdays[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    bad = 0;
    t = 12 * 3600 + 34 * 60 + 56;

    for (y = 1970; y <= 2100; y++) {
        for (mo = 1; mo <= 12; mo++) {
            ml = mdays[mo - 1];

            if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) {
                ml = 29;
            }

            for (d = 1; d <= ml; d++) {
                sprintf(want, "%04d-%02d-%02dT12:34:56Z", y, mo, d);

                pv_time_iso8601((time_t) t, out);

                if (memcmp(out, want, PV_ISO8601_LEN) != 0) {
                    bad++;
                }

                t += 86400;
            }
        }
    }

    PV_CHECK_INT(bad, 0);
}


int
main(void)
{
    test_names();
    test_time();
    test_calendar();

    PV_TEST_DONE("test_verdict");
}
