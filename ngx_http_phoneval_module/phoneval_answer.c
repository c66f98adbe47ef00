
/*
 * Copyright (C) phoneval authors
 *
 * Parsing a Byteplant verify answer and mapping it to a verdict.
 *
 * The answer is provider text: it is parsed leniently (unknown members,
 * odd types) but nothing from it is kept unless it has the expected shape,
 * because line_type, country and e164 are written into client bodies.
 */


#include <string.h>

#include <jansson.h>

#include "phoneval_core.h"


/* far more than any real answer; bounds jansson's work on junk */
#define PV_ANSWER_MAX  65536


static const char  *pv_bp_status_names[] = {
    "VALID_CONFIRMED",
    "VALID_UNCONFIRMED",
    "INVALID",
    "DELAYED",
    "RATE_LIMIT_EXCEEDED",
    "API_KEY_INVALID_OR_DEPLETED",
    "UNKNOWN_STATUS",
    "BAD_ANSWER"
};


const char *
pv_bp_status_name(pv_bp_status_e s)
{
    if ((unsigned) s >= PV_BP_N) {
        return "BAD_ANSWER";
    }

    return pv_bp_status_names[s];
}


/* only the six statuses the provider documents are recognized */

static pv_bp_status_e
pv_answer_status(const char *s, size_t len)
{
    size_t  i, n;

    for (i = 0; i < PV_BP_UNKNOWN_STATUS; i++) {
        n = strlen(pv_bp_status_names[i]);

        if (len == n && memcmp(s, pv_bp_status_names[i], n) == 0) {
            return (pv_bp_status_e) i;
        }
    }

    return PV_BP_UNKNOWN_STATUS;
}


/* a string member, or NULL if absent or of another type */

static const char *
pv_answer_string(json_t *root, const char *name, size_t *len)
{
    json_t  *v;

    v = json_object_get(root, name);

    if (!json_is_string(v)) {
        return NULL;
    }

    *len = json_string_length(v);

    return json_string_value(v);
}


static void
pv_answer_line_type(json_t *root, pv_answer_t *a)
{
    size_t       i, len;
    const char  *s;

    s = pv_answer_string(root, "linetype", &len);

    if (s == NULL || len == 0 || len > PV_LINE_TYPE_MAX) {
        return;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_')) {
            return;
        }
    }

    memcpy(a->line_type, s, len);
    a->line_type[len] = '\0';
}


static void
pv_answer_country(json_t *root, pv_answer_t *a)
{
    size_t       len;
    const char  *s;

    s = pv_answer_string(root, "countrycode", &len);

    if (s != NULL) {
        (void) pv_country_parse((const pv_u_char *) s, len, a->country);
    }
}


/*
 * "+49 172 8150130" gives "+491728150130".  The scan stops at the first
 * ASCII character that cannot be part of a plain number, so that an
 * extension a formatter may append (" ext. 12", ";ext=12", "#12") is never
 * glued onto the digits.  Non-ASCII bytes (a no-break space, say) hold no
 * ASCII digit in UTF-8 and are skipped like separators.
 */

static void
pv_answer_e164(json_t *root, pv_answer_t *a)
{
    char         c;
    size_t       i, len, n;
    const char  *s;

    s = pv_answer_string(root, "formatinternational", &len);

    if (s == NULL) {
        return;
    }

    n = 1;

    for (i = 0; i < len; i++) {
        c = s[i];

        if (c >= '0' && c <= '9') {
            if (n == PV_E164_MAX) {
                a->e164[0] = '\0';
                return;
            }

            a->e164[n++] = c;
            continue;
        }

        if (c == '+' && n == 1) {
            continue;
        }

        if (c == ' ' || c == '-' || c == '.' || c == '/'
            || c == '(' || c == ')' || (unsigned char) c >= 0x80)
        {
            continue;
        }

        break;
    }

    if (n == 1) {
        return;
    }

    a->e164[0] = '+';
    a->e164[n] = '\0';
}


/*
 * A count from the provider: a JSON number, or a string of decimal digits.
 * Values above max are clamped to it; negative, fractional or malformed
 * ones count as absent (-1).
 */

static long
pv_answer_count(json_t *root, const char *name, long max)
{
    long         r;
    double       d;
    size_t       i, len;
    json_t      *v;
    const char  *s;

    v = json_object_get(root, name);

    if (json_is_number(v)) {
        d = json_number_value(v);

        if (!(d >= 0)) {
            return -1;
        }

        /* tested before the cast, which is undefined for huge values */

        if (d >= (double) max) {
            return max;
        }

        r = (long) d;

        return ((double) r == d) ? r : -1;
    }

    if (!json_is_string(v)) {
        return -1;
    }

    s = json_string_value(v);
    len = json_string_length(v);

    while (len && s[len - 1] == ' ') {
        len--;
    }

    for (i = 0; i < len && s[i] == ' '; i++) {
        /* void */
    }

    if (i == len) {
        return -1;
    }

    r = 0;

    for ( /* void */ ; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        /* max is far below LONG_MAX / 10: this cannot overflow */
        if (r < max) {
            r = r * 10 + (s[i] - '0');
        }
    }

    return r > max ? max : r;
}


pv_bp_status_e
pv_answer_parse(const pv_u_char *buf, size_t len, pv_answer_t *a)
{
    size_t         n;
    json_t        *root;
    const char    *s;
    json_error_t   err;

    memset(a, 0, sizeof(pv_answer_t));
    a->status = PV_BP_BAD_ANSWER;
    a->ratelimit_remain = -1;
    a->ratelimit_seconds = -1;

    if (buf == NULL || len == 0 || len > PV_ANSWER_MAX) {
        return a->status;
    }

    /*
     * Integers as reals: an integer too big for jansson would otherwise
     * fail the whole answer, while only the ratelimit counts are numbers.
     */

    root = json_loadb((const char *) buf, len, JSON_DECODE_INT_AS_REAL,
                      &err);
    if (root == NULL) {
        return a->status;
    }

    if (!json_is_object(root)) {
        json_decref(root);
        return a->status;
    }

    s = pv_answer_string(root, "status", &n);

    if (s == NULL) {
        json_decref(root);
        return a->status;
    }

    a->status = pv_answer_status(s, n);

    pv_answer_line_type(root, a);
    pv_answer_country(root, a);
    pv_answer_e164(root, a);

    a->ratelimit_remain = pv_answer_count(root, "ratelimit_remain",
                                          PV_RATELIMIT_REMAIN_MAX);
    a->ratelimit_seconds = pv_answer_count(root, "ratelimit_seconds",
                                           PV_RATELIMIT_SECONDS_MAX);

    json_decref(root);

    return a->status;
}


pv_verdict_e
pv_verdict_from_answer(const pv_answer_t *a)
{
    if (a == NULL) {
        return PV_PENDING;
    }

    switch (a->status) {
    case PV_BP_VALID_CONFIRMED:
        return PV_VALID_CONFIRMED;
    case PV_BP_VALID_UNCONFIRMED:
        return PV_VALID_UNCONFIRMED;
    case PV_BP_INVALID:
        return PV_INVALID;
    case PV_BP_DELAYED:
    case PV_BP_RATE_LIMIT_EXCEEDED:
    case PV_BP_API_KEY_INVALID_OR_DEPLETED:
    case PV_BP_UNKNOWN_STATUS:
    case PV_BP_BAD_ANSWER:
    case PV_BP_N:
        break;
    }

    return PV_PENDING;
}
