
/*
 * Copyright (C) phoneval authors
 *
 * The form body of a Byteplant verify call.  It is the only place the API
 * key is written, and every value is percent-encoded, so no client text
 * can add or alter a parameter.
 */


#include <string.h>

#include "phoneval_core.h"


#define PV_TIMEOUT_MIN  5
#define PV_TIMEOUT_MAX  300

/* the longest clamped timeout, "300" */
#define PV_TIMEOUT_LEN  3


static const char  pv_hex[] = "0123456789ABCDEF";


static int
pv_form_unreserved(pv_u_char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9')
           || c == '.' || c == '_' || c == '~' || c == '-';
}


size_t
pv_form_escape(const pv_u_char *s, size_t len, pv_u_char *out)
{
    size_t      i;
    pv_u_char  *p;

    p = out;

    for (i = 0; i < len; i++) {
        if (pv_form_unreserved(s[i])) {
            *p++ = s[i];
            continue;
        }

        *p++ = '%';
        *p++ = (pv_u_char) pv_hex[s[i] >> 4];
        *p++ = (pv_u_char) pv_hex[s[i] & 0x0F];
    }

    return (size_t) (p - out);
}


static unsigned
pv_form_timeout(unsigned t)
{
    if (t < PV_TIMEOUT_MIN) {
        return PV_TIMEOUT_MIN;
    }

    if (t > PV_TIMEOUT_MAX) {
        return PV_TIMEOUT_MAX;
    }

    return t;
}


/* an absent mode means the provider's default, which is extensive */

static const char *
pv_form_mode(const pv_request_t *rq)
{
    return (rq->mode != NULL && rq->mode[0] != '\0') ? rq->mode
                                                      : "extensive";
}


/* the country is sent only for a national number */

static const char *
pv_form_country(const pv_request_t *rq)
{
    if (rq->phone->plus || rq->country == NULL || rq->country[0] == '\0') {
        return NULL;
    }

    return rq->country;
}


static size_t
pv_form_ndigits(const pv_request_t *rq)
{
    return rq->phone->ndigits > PV_PHONE_MAX_DIGITS ? PV_PHONE_MAX_DIGITS
                                                    : rq->phone->ndigits;
}


static pv_u_char *
pv_form_add(pv_u_char *p, const char *name, const pv_u_char *value,
    size_t len)
{
    size_t  n;

    n = strlen(name);
    memcpy(p, name, n);
    p += n;

    return p + pv_form_escape(value, len, p);
}


size_t
pv_form_size(const pv_request_t *rq)
{
    size_t       size;
    const char  *country;

    /* a '+' is escaped as "%2B" */

    size = sizeof("PhoneNumber=") - 1 + 3 + pv_form_ndigits(rq);

    country = pv_form_country(rq);
    if (country != NULL) {
        size += sizeof("&CountryCode=") - 1 + 3 * strlen(country);
    }

    size += sizeof("&Mode=") - 1 + 3 * strlen(pv_form_mode(rq));

    if (rq->locale_len) {
        size += sizeof("&Locale=") - 1 + 3 * rq->locale_len;
    }

    size += sizeof("&Timeout=") - 1 + PV_TIMEOUT_LEN;
    size += sizeof("&APIKey=") - 1 + 3 * rq->api_key_len;

    return size;
}


size_t
pv_form_write(const pv_request_t *rq, pv_u_char *out)
{
    char         num[1 + PV_PHONE_MAX_DIGITS];
    size_t       n;
    unsigned     t;
    pv_u_char   *p, tbuf[PV_TIMEOUT_LEN];
    const char  *country, *mode;

    n = 0;

    if (rq->phone->plus) {
        num[n++] = '+';
    }

    memcpy(num + n, rq->phone->digits, pv_form_ndigits(rq));
    n += pv_form_ndigits(rq);

    p = pv_form_add(out, "PhoneNumber=", (const pv_u_char *) num, n);

    country = pv_form_country(rq);
    if (country != NULL) {
        p = pv_form_add(p, "&CountryCode=", (const pv_u_char *) country,
                        strlen(country));
    }

    mode = pv_form_mode(rq);
    p = pv_form_add(p, "&Mode=", (const pv_u_char *) mode, strlen(mode));

    /* an empty Locale would not be the provider's default, en-US */

    if (rq->locale_len) {
        p = pv_form_add(p, "&Locale=", rq->locale, rq->locale_len);
    }

    t = pv_form_timeout(rq->timeout);
    n = sizeof(tbuf);

    do {
        tbuf[--n] = (pv_u_char) ('0' + t % 10);
        t /= 10;
    } while (t);

    p = pv_form_add(p, "&Timeout=", tbuf + n, sizeof(tbuf) - n);
    p = pv_form_add(p, "&APIKey=", rq->api_key, rq->api_key_len);

    return (size_t) (p - out);
}
