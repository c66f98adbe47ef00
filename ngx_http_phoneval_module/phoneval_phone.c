
/*
 * Copyright (C) phoneval authors
 *
 * Phone normalization before the provider call, the country code, and the
 * cache key of a normalized phone.
 *
 * The input is untrusted client text and is fuzzed: every scan is bounded
 * by explicit begin/end pointers, and the UTF-8 is validated once up front
 * so that the backward steps can rely on character boundaries.
 */


#include <string.h>

#include "phoneval_core.h"


typedef uint32_t  pv_cp_t;


/*
 * The first code point ("zero") of every run of ten decimal digits
 * (general category Nd) in Unicode 15.1, sorted.  Not every run starts at a
 * code point ending in 0 (Devanagari starts at U+0966), and the
 * mathematical digits are five runs back to back.
 */

static const pv_cp_t  pv_digit_zeros[] = {
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6,
    0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0,
    0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900,
    0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0,
    0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950,
    0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0,
    0x1E4F0, 0x1E950, 0x1FBF0
};

#define PV_NDIGIT_ZEROS  (sizeof(pv_digit_zeros) / sizeof(pv_digit_zeros[0]))


/* extension markers, longest first so that "ext" does not shadow "ext." */

typedef struct {
    const char              *text;
    size_t                   len;
} pv_ext_marker_t;

static const pv_ext_marker_t  pv_ext_markers[] = {
    { "extension", 9 },
    { ";ext=", 5 },
    { "ext.", 4 },
    { "ext", 3 },
    { "x", 1 },
    { "#", 1 }
};

#define PV_NEXT_MARKERS  (sizeof(pv_ext_markers) / sizeof(pv_ext_markers[0]))


/*
 * Decodes one UTF-8 character at p.  Returns its length, or 0 if the bytes
 * are not a shortest-form encoding of a scalar value (RFC 3629).
 */

static size_t
pv_utf8_next(const pv_u_char *p, const pv_u_char *end, pv_cp_t *cp)
{
    size_t    n, i;
    pv_cp_t   c, min;

    c = p[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
        min = 0x80;

    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
        min = 0x800;

    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }

        c = (c << 6) | (p[i] & 0x3F);
    }

    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }

    *cp = c;

    return n;
}


static int
pv_utf8_valid(const pv_u_char *p, const pv_u_char *end)
{
    size_t   n;
    pv_cp_t  cp;

    while (p < end) {
        n = pv_utf8_next(p, end, &cp);
        if (n == 0) {
            return 0;
        }

        p += n;
    }

    return 1;
}


/* the start of the character before p; the text is valid UTF-8 */

static const pv_u_char *
pv_utf8_prev(const pv_u_char *b, const pv_u_char *p)
{
    do {
        p--;
    } while (p > b && (*p & 0xC0) == 0x80);

    return p;
}


static pv_cp_t
pv_utf8_at(const pv_u_char *p, const pv_u_char *end)
{
    pv_cp_t  cp;

    if (pv_utf8_next(p, end, &cp) == 0) {
        return 0xFFFD;
    }

    return cp;
}


/* the value 0-9 of a decimal digit of any script, -1 otherwise */

static int
pv_digit_value(pv_cp_t cp)
{
    size_t  lo, hi, mid;

    if (cp < 0x80) {
        return (cp >= '0' && cp <= '9') ? (int) (cp - '0') : -1;
    }

    /* the last run whose zero is <= cp */

    lo = 0;
    hi = PV_NDIGIT_ZEROS;

    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;

        if (pv_digit_zeros[mid] <= cp) {
            lo = mid;

        } else {
            hi = mid;
        }
    }

    if (cp >= pv_digit_zeros[lo] && cp - pv_digit_zeros[lo] < 10) {
        return (int) (cp - pv_digit_zeros[lo]);
    }

    return -1;
}


static int
pv_is_plus(pv_cp_t cp)
{
    return cp == '+' || cp == 0xFF0B;
}


/* space separators (category Zs): blanks inside a number */

static int
pv_is_blank(pv_cp_t cp)
{
    return cp == ' ' || cp == 0x00A0 || cp == 0x1680
           || (cp >= 0x2000 && cp <= 0x200A)
           || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}


/*
 * Invisible format characters that copy and paste leaves in numbers
 * (bidi marks around a phone in chat apps, zero-width spaces, BOM, soft
 * hyphen).  They carry no digit, so dropping them invents nothing.
 */

static int
pv_is_invisible(pv_cp_t cp)
{
    return cp == 0x00AD
           || (cp >= 0x200B && cp <= 0x200F)
           || (cp >= 0x202A && cp <= 0x202E)
           || cp == 0x2060
           || (cp >= 0x2066 && cp <= 0x2069)
           || cp == 0xFEFF;
}


/* Unicode White_Space, trimmed at both ends */

static int
pv_is_space(pv_cp_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85
           || cp == 0x2028 || cp == 0x2029 || pv_is_blank(cp);
}


static int
pv_is_open(pv_cp_t cp)
{
    return cp == '(' || cp == 0xFF08;
}


static int
pv_is_close(pv_cp_t cp)
{
    return cp == ')' || cp == 0xFF09;
}


/* characters removed from inside a number */

static int
pv_is_separator(pv_cp_t cp)
{
    switch (cp) {
    case '-':
    case '.':
    case '/':
    case '(':
    case ')':
    case 0x2212:          /* minus sign */
    case 0xFF08:          /* full-width ( ) - . / */
    case 0xFF09:
    case 0xFF0D:
    case 0xFF0E:
    case 0xFF0F:
        return 1;
    }

    return (cp >= 0x2010 && cp <= 0x2015) || pv_is_blank(cp)
           || pv_is_invisible(cp);
}


/* what makes a parenthesized tail a comment rather than an area code */

static int
pv_is_letter(pv_cp_t cp)
{
    if (cp < 0x80) {
        return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
    }

    return pv_digit_value(cp) < 0 && !pv_is_separator(cp)
           && !pv_is_space(cp) && !pv_is_plus(cp);
}


static void
pv_phone_trim(const pv_u_char **b, const pv_u_char **e)
{
    size_t            n;
    pv_cp_t           cp;
    const pv_u_char  *p;

    while (*b < *e) {
        n = pv_utf8_next(*b, *e, &cp);
        if (n == 0 || !(pv_is_space(cp) || pv_is_invisible(cp))) {
            break;
        }

        *b += n;
    }

    while (*e > *b) {
        p = pv_utf8_prev(*b, *e);
        cp = pv_utf8_at(p, *e);

        if (!(pv_is_space(cp) || pv_is_invisible(cp))) {
            break;
        }

        *e = p;
    }
}


static int
pv_phone_only_separators(const pv_u_char *p, const pv_u_char *e)
{
    size_t   n;
    pv_cp_t  cp;

    while (p < e) {
        n = pv_utf8_next(p, e, &cp);
        if (n == 0 || !(pv_is_separator(cp) || pv_is_space(cp))) {
            return 0;
        }

        p += n;
    }

    return 1;
}


/*
 * Drops a trailing "(...)" that holds a letter: "+46 70 555 01 42 (Axel)".
 * A group of digits such as "(555)" is an area code and stays.
 */

static void
pv_phone_drop_comment(const pv_u_char *b, const pv_u_char **e)
{
    int               letter;
    size_t            depth;
    pv_cp_t           cp;
    const pv_u_char  *p;

    if (*e == b) {
        return;
    }

    p = pv_utf8_prev(b, *e);

    if (!pv_is_close(pv_utf8_at(p, *e))) {
        return;
    }

    depth = 1;
    letter = 0;

    while (p > b) {
        p = pv_utf8_prev(b, p);
        cp = pv_utf8_at(p, *e);

        if (pv_is_close(cp)) {
            depth++;

        } else if (pv_is_open(cp)) {
            if (--depth == 0) {
                if (letter) {
                    *e = p;
                }

                return;
            }

        } else if (pv_is_letter(cp)) {
            letter = 1;
        }
    }

    /* no matching '(': the ')' is an ordinary separator */
}


static int
pv_ascii_caseeq(const pv_u_char *p, const char *s, size_t n)
{
    size_t     i;
    pv_u_char  c;

    for (i = 0; i < n; i++) {
        c = p[i];

        if (c >= 'A' && c <= 'Z') {
            c = (pv_u_char) (c - 'A' + 'a');
        }

        if (c != (pv_u_char) s[i]) {
            return 0;
        }
    }

    return 1;
}


/*
 * Splits a trailing extension off [b, *e): a marker, optional blanks and
 * digits.  The digits go to out->ext; a marker with no digits is simply
 * cut.  Markers are ASCII, so q - len is always a character boundary.
 */

static void
pv_phone_split_ext(const pv_u_char *b, const pv_u_char **e, pv_phone_t *out)
{
    int               d;
    size_t            i, n, next;
    pv_cp_t           cp;
    const pv_u_char  *q, *r, *digits;

    q = *e;

    while (q > b) {
        r = pv_utf8_prev(b, q);
        if (pv_digit_value(pv_utf8_at(r, *e)) < 0) {
            break;
        }

        q = r;
    }

    digits = q;

    while (q > b) {
        r = pv_utf8_prev(b, q);
        if (!pv_is_blank(pv_utf8_at(r, *e))) {
            break;
        }

        q = r;
    }

    for (i = 0; i < PV_NEXT_MARKERS; i++) {
        n = pv_ext_markers[i].len;

        if ((size_t) (q - b) >= n
            && pv_ascii_caseeq(q - n, pv_ext_markers[i].text, n))
        {
            break;
        }
    }

    if (i == PV_NEXT_MARKERS) {
        return;
    }

    next = 0;

    while (digits < *e) {
        n = pv_utf8_next(digits, *e, &cp);
        if (n == 0) {
            break;
        }

        d = pv_digit_value(cp);

        if (d >= 0 && next < PV_EXT_MAX) {
            out->ext[next++] = (char) ('0' + d);
        }

        digits += n;
    }

    out->ext[next] = '\0';

    *e = q - pv_ext_markers[i].len;
}


/*
 * Most phones are ASCII digits with a few of "+ -./()": for those every
 * step but the digits, the plus and the count is a no-op (nothing to fold,
 * trim, cut or drop), so they are read in one loop.  Anything else, and
 * any phone that is not OK this way, takes the full path, which alone
 * decides the reasons.
 */

pv_phone_rc_e
pv_phone_normalize(const pv_u_char *s, size_t len, pv_phone_t *out)
{
    int        plus;
    size_t     i, n;
    pv_u_char  c;

    /* every field is set below: no need to clear the digits first */

    n = 0;
    plus = 0;

    for (i = 0; i < len; i++) {
        c = s[i];

        if (c >= '0' && c <= '9') {
            if (n == PV_PHONE_MAX_DIGITS) {
                goto full;
            }

            out->digits[n++] = (char) c;
            continue;
        }

        switch (c) {

        case ' ': case '-': case '.': case '/': case '(': case ')':
            continue;

        case '+':
            /* one plus before any digit, as the full path allows */
            if (n == 0 && !plus) {
                plus = 1;
                continue;
            }

            goto full;

        default:
            goto full;
        }
    }

    if (n < PV_PHONE_MIN_DIGITS) {
        goto full;
    }

    out->rc = PV_PHONE_OK;
    out->plus = plus;
    out->ndigits = n;
    out->digits[n] = '\0';
    out->ext[0] = '\0';
    out->extra = 0;

    return PV_PHONE_OK;

full:

    return pv_phone_normalize_full(s, len, out);
}


pv_phone_rc_e
pv_phone_normalize_full(const pv_u_char *s, size_t len, pv_phone_t *out)
{
    int               d, bad;
    size_t            n;
    pv_cp_t           cp;
    const pv_u_char  *b, *e, *p, *full;

    memset(out, 0, sizeof(pv_phone_t));

    if (s == NULL || len == 0) {
        out->rc = PV_PHONE_EMPTY;
        return out->rc;
    }

    b = s;
    e = s + len;

    if (!pv_utf8_valid(b, e)) {
        out->rc = PV_PHONE_BAD_UTF8;
        return out->rc;
    }

    pv_phone_trim(&b, &e);

    if (pv_phone_only_separators(b, e)) {
        out->rc = PV_PHONE_EMPTY;
        return out->rc;
    }

    /* the comment may sit before or after the extension */

    full = e;
    pv_phone_drop_comment(b, &e);
    out->extra = (e != full);
    pv_phone_trim(&b, &e);
    pv_phone_split_ext(b, &e, out);
    pv_phone_trim(&b, &e);
    full = e;
    pv_phone_drop_comment(b, &e);
    pv_phone_trim(&b, &e);

    if (e != full || out->ext[0] != '\0') {
        out->extra = 1;
    }

    bad = 0;

    for (p = b; p < e; p += n) {
        n = pv_utf8_next(p, e, &cp);
        if (n == 0) {
            bad = 1;
            break;
        }

        d = pv_digit_value(cp);

        if (d >= 0) {
            if (out->ndigits < PV_PHONE_MAX_DIGITS) {
                out->digits[out->ndigits] = (char) ('0' + d);
            }

            out->ndigits++;
            continue;
        }

        /*
         * One plus before any digit; separators may precede it, as in
         * "(+44) 20 ...".  A plus after a digit would have to be guessed
         * away, so it makes the text invalid.
         */

        if (pv_is_plus(cp)) {
            if (out->plus || out->ndigits > 0) {
                bad = 1;
                break;
            }

            out->plus = 1;
            continue;
        }

        if (pv_is_separator(cp)) {
            continue;
        }

        bad = 1;
        break;
    }

    if (bad) {
        out->rc = PV_PHONE_BAD_CHAR;

    } else if (out->ndigits < PV_PHONE_MIN_DIGITS) {
        out->rc = PV_PHONE_TOO_SHORT;

    } else if (out->ndigits > PV_PHONE_MAX_DIGITS) {
        out->rc = PV_PHONE_TOO_LONG;

    } else {
        out->digits[out->ndigits] = '\0';
        out->rc = PV_PHONE_OK;
        return out->rc;
    }

    /* nothing of a rejected phone may be used by mistake */

    out->plus = 0;
    out->ndigits = 0;
    out->digits[0] = '\0';
    out->ext[0] = '\0';

    return out->rc;
}


pv_phone_rc_e
pv_phone_literal(const pv_u_char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return PV_PHONE_NOT_INTEGER;
        }
    }

    return PV_PHONE_OK;
}


const char *
pv_phone_rc_text(pv_phone_rc_e rc)
{
    switch (rc) {
    case PV_PHONE_OK:
        return "ok";
    case PV_PHONE_EMPTY:
        return "empty";
    case PV_PHONE_BAD_CHAR:
        return "contains letters or other invalid characters";
    case PV_PHONE_TOO_SHORT:
        return "too few digits";
    case PV_PHONE_TOO_LONG:
        return "too many digits";
    case PV_PHONE_BAD_UTF8:
        return "invalid UTF-8";
    case PV_PHONE_NOT_INTEGER:
        return "a JSON number that is not a whole number";
    }

    return "unknown";
}


int
pv_country_parse(const pv_u_char *s, size_t len, char out[3])
{
    size_t     i;
    pv_u_char  c;

    out[0] = '\0';

    if (s == NULL || len != 2) {
        return 0;
    }

    for (i = 0; i < 2; i++) {
        c = s[i];

        if (c >= 'a' && c <= 'z') {
            c = (pv_u_char) (c - 'a' + 'A');

        } else if (!(c >= 'A' && c <= 'Z')) {
            out[0] = '\0';
            return 0;
        }

        out[i] = (char) c;
    }

    out[2] = '\0';

    return 1;
}


size_t
pv_cache_key(const pv_phone_t *ph, const char *country, int express,
    pv_u_char *out)
{
    size_t      i, n;
    pv_u_char  *p, c;

    p = out;

    n = ph->ndigits;
    if (n > PV_PHONE_MAX_DIGITS) {
        n = PV_PHONE_MAX_DIGITS;
    }

    if (ph->plus) {
        *p++ = '+';
        memcpy(p, ph->digits, n);
        p += n;

    } else {
        memcpy(p, ph->digits, n);
        p += n;
        *p++ = '/';

        /* "de" and "DE" are the same country: one cache entry */

        for (i = 0; country != NULL && i < 2 && country[i] != '\0'; i++) {
            c = (pv_u_char) country[i];

            if (c >= 'a' && c <= 'z') {
                c = (pv_u_char) (c - 'a' + 'A');
            }

            *p++ = c;
        }
    }

    *p++ = '/';
    *p++ = express ? 'x' : 'e';

    return (size_t) (p - out);
}


/*
 * Whether the provider's E.164 number is the phone that was sent, so that
 * phoneval_normalize never writes another number over a contact's (a
 * provider's slip, or an answer tampered with on the way).  After a '+'
 * the digits must be the same.  A national number's digits, with or
 * without their leading zeros (a trunk prefix, or part of the number),
 * must end the E.164 digits after a country code of at most three digits;
 * a national number typed with its country code ("1 209 ...") may equal
 * them.  Other trunk prefixes ("8" in Russia) do not agree: the client's
 * text is kept.
 */

int
pv_phone_e164_agrees(const pv_phone_t *ph, const char *e164)
{
    size_t       n, m;
    const char  *d, *national;

    if (e164 == NULL || e164[0] != '+') {
        return 0;
    }

    d = e164 + 1;
    n = strlen(d);

    if (ph->plus) {
        return n == ph->ndigits && memcmp(d, ph->digits, n) == 0;
    }

    /* with its zeros (Italy, Cote d'Ivoire keep them), then without */

    national = ph->digits;
    m = ph->ndigits;

    if (n > m && n - m <= 3 && memcmp(d + (n - m), national, m) == 0) {
        return 1;
    }

    while (m && *national == '0') {
        national++;
        m--;
    }

    return m != 0 && n >= m && n - m <= 3
           && memcmp(d + (n - m), national, m) == 0;
}
