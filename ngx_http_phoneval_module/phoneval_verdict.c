
/*
 * Copyright (C) phoneval authors
 *
 * Verdict and result item names, confidence mapping, and the UTC time
 * stamp written as last_validated.
 */


#include <string.h>

#include "phoneval_core.h"


typedef struct {
    const char              *name;
    size_t                   len;
} pv_name_t;


#define pv_name(s)  { s, sizeof(s) - 1 }


static const pv_name_t  pv_verdict_names[PV_VERDICT_N] = {
    pv_name("PENDING"),
    pv_name("VALID_CONFIRMED"),
    pv_name("VALID_UNCONFIRMED"),
    pv_name("INVALID")
};


static const pv_name_t  pv_item_names[PV_ITEM_N] = {
    pv_name("status"),
    pv_name("last_validated"),
    pv_name("confidence"),
    pv_name("line_type"),
    pv_name("e164"),
    pv_name("country")
};


static int pv_name_lookup(const pv_name_t *names, int n, const char *s,
    size_t len);


const char *
pv_verdict_name(pv_verdict_e v)
{
    /* an out-of-range value is a caller bug; PENDING is the safe reading */

    if ((unsigned) v >= PV_VERDICT_N) {
        return pv_verdict_names[PV_PENDING].name;
    }

    return pv_verdict_names[v].name;
}


int
pv_verdict_from_name(const char *s, size_t len)
{
    return pv_name_lookup(pv_verdict_names, PV_VERDICT_N, s, len);
}


int
pv_verdict_confidence(pv_verdict_e v)
{
    switch (v) {

    case PV_VALID_CONFIRMED:
        return 95;

    case PV_VALID_UNCONFIRMED:
        return 60;

    case PV_INVALID:
        return 0;

    default:
        return -1;
    }
}


int
pv_item_from_name(const char *s, size_t len)
{
    return pv_name_lookup(pv_item_names, PV_ITEM_N, s, len);
}


const char *
pv_item_name(pv_item_e item)
{
    if ((unsigned) item >= PV_ITEM_N) {
        return "";
    }

    return pv_item_names[item].name;
}


static int
pv_name_lookup(const pv_name_t *names, int n, const char *s, size_t len)
{
    int  i;

    if (s == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (names[i].len == len && memcmp(names[i].name, s, len) == 0) {
            return i;
        }
    }

    return -1;
}


/*
 * Days since 1970-01-01 to a proleptic Gregorian date, by counting whole
 * 400-year eras from 0000-03-01 (a year that starts in March puts the
 * leap day last).  Pure arithmetic: reentrant, no gmtime(), and the same
 * on every platform whatever time_t looks like.
 */

static void
pv_civil_from_days(long long days, long long *year, int *month, int *day)
{
    long long  z, era, doe, yoe, doy, mp, y;

    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    y = yoe + era * 400;

    *day = (int) (doy - (153 * mp + 2) / 5 + 1);
    *month = (int) (mp < 10 ? mp + 3 : mp - 9);
    *year = (*month <= 2) ? y + 1 : y;
}


/* two decimal digits of v < 100, from a table of all hundred pairs */

static pv_u_char *
pv_put2(pv_u_char *p, unsigned v)
{
    static const char  pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930"
        "31323334353637383940414243444546474849505152535455565758596061"
        "62636465666768697071727374757677787980818283848586878889909192"
        "93949596979899";

    p[0] = (pv_u_char) pairs[2 * v];
    p[1] = (pv_u_char) pairs[2 * v + 1];

    return p + 2;
}


size_t
pv_time_iso8601(time_t t, pv_u_char *out)
{
    int         month, day;
    long long   s, days, secs, year;
    pv_u_char  *p;

    /* the fixed 20-byte form only holds years 0000-9999: clamp */

    s = (long long) t;

    if (s < -62167219200LL) {               /* 0000-01-01T00:00:00Z */
        s = -62167219200LL;

    } else if (s > 253402300799LL) {        /* 9999-12-31T23:59:59Z */
        s = 253402300799LL;
    }

    days = s / 86400;
    secs = s % 86400;

    if (secs < 0) {
        secs += 86400;
        days--;
    }

    pv_civil_from_days(days, &year, &month, &day);

    p = out;
    p = pv_put2(p, (unsigned) (year / 100));
    p = pv_put2(p, (unsigned) (year % 100));
    *p++ = '-';
    p = pv_put2(p, (unsigned) month);
    *p++ = '-';
    p = pv_put2(p, (unsigned) day);
    *p++ = 'T';
    p = pv_put2(p, (unsigned) (secs / 3600));
    *p++ = ':';
    p = pv_put2(p, (unsigned) (secs / 60 % 60));
    *p++ = ':';
    p = pv_put2(p, (unsigned) (secs % 60));
    *p++ = 'Z';

    return (size_t) (p - out);
}
