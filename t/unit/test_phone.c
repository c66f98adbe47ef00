
/*
 * Copyright (C) phoneval authors
 *
 * Phone normalization, country parsing and cache keys.
 */


#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"


#define OK         PV_PHONE_OK
#define EMPTY      PV_PHONE_EMPTY
#define BAD_CHAR   PV_PHONE_BAD_CHAR
#define SHORT      PV_PHONE_TOO_SHORT
#define LONG       PV_PHONE_TOO_LONG
#define BAD_UTF8   PV_PHONE_BAD_UTF8


typedef struct {
    const char              *in;
    size_t                   len;       /* 0: strlen(in) */
    pv_phone_rc_e            rc;
    int                      plus;
    const char              *digits;
    const char              *ext;
} phone_case_t;


static const phone_case_t  phone_cases[] = {

    /* plain */
    { "+12095550142", 0, OK, 1, "12095550142", "" },
    { "2095550142", 0, OK, 0, "2095550142", "" },
    { "  +1 209 555 0142\t\r\n", 0, OK, 1, "12095550142", "" },

    /* empty, or only white space and separators */
    { "", 0, EMPTY, 0, "", "" },
    { "   ", 0, EMPTY, 0, "", "" },
    { "\t\n\r\v\f", 0, EMPTY, 0, "", "" },
    { "\u00A0\u2003\u3000\u202F\u2028\xC2\x85", 0, EMPTY, 0, "", "" },
    { "--", 0, EMPTY, 0, "", "" },
    { " ( ) - . / ", 0, EMPTY, 0, "", "" },
    { "\u2012\u2212", 0, EMPTY, 0, "", "" },
    { "\u200E\uFEFF", 0, EMPTY, 0, "", "" },

    /* each named digit script; "+49 172 8150130" or its digits */
    { "+\u0664\u0669\u0661\u0667\u0662\u0668\u0661\u0665\u0660\u0661"
      "\u0663\u0660", 0, OK, 1, "491728150130", "" },          /* Arabic */
    { "+\u06F4\u06F9 \u06F1\u06F7\u06F2 \u06F8\u06F1\u06F5\u06F0\u06F1"
      "\u06F3\u06F0", 0, OK, 1, "491728150130", "" },          /* Persian */
    { "\u0966\u0967\u0968\u0969\u096A\u096B\u096C\u096D\u096E\u096F",
      0, OK, 0, "0123456789", "" },                            /* Devan. */
    { "\u09E6\u09E7\u09E8\u09E9\u09EA\u09EB\u09EC\u09ED\u09EE\u09EF",
      0, OK, 0, "0123456789", "" },                            /* Bengali */
    { "\u07C0\u07C1\u07C2\u07C3\u07C4\u07C5\u07C6\u07C7\u07C8\u07C9",
      0, OK, 0, "0123456789", "" },                            /* N'Ko */
    { "\u0E50\u0E51\u0E52\u0E53\u0E54\u0E55\u0E56\u0E57\u0E58\u0E59",
      0, OK, 0, "0123456789", "" },                            /* Thai */
    { "\u1040\u1041\u1042\u1043\u1044\u1045\u1046\u1047\u1048\u1049",
      0, OK, 0, "0123456789", "" },                            /* Myanmar */
    { "\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19",
      0, OK, 0, "0123456789", "" },                            /* full w. */
    { "\U0001D7CE\U0001D7D9\U0001D7E4\U0001D7EF\U0001D7FA\U0001D7FF",
      0, OK, 0, "012349", "" },                                /* math */
    { "\U0001FBF0\U0001FBF9\U0001E950\U0001E959", 0, OK, 0, "0909", "" },

    /* mixed scripts fold alike */
    { "+1 \u0662\u0660\u0669 555 \uFF10\uFF11\uFF14\uFF12", 0, OK, 1,
      "12095550142", "" },

    /* the full-width plus */
    { "\uFF0B\uFF14\uFF19 172 8150130", 0, OK, 1, "491728150130", "" },
    { "\uFF0B\uFF0B49 172 8150130", 0, BAD_CHAR, 0, "", "" },

    /* neighbours of digit runs and other numeric characters are not
     * decimal digits */
    { "209 555 014\u066A", 0, BAD_CHAR, 0, "", "" },
    { "209 555 014\u0965", 0, BAD_CHAR, 0, "", "" },
    { "209 555 014\u00B2", 0, BAD_CHAR, 0, "", "" },
    { "209 555 014\u2460", 0, BAD_CHAR, 0, "", "" },
    { "209 555 014\u0BF0", 0, BAD_CHAR, 0, "", "" },
    { "209 555 014\uFF1A", 0, BAD_CHAR, 0, "", "" },
    { "209 555 014\u216B", 0, BAD_CHAR, 0, "", "" },

    /* every extension marker */
    { "+1 650 555 0136 x136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 X136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136x136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 x 136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 ext 136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 EXT136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 ext.136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 Ext. 136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 extension 136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 Extension136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136#136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 # 136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136;ext=136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136;EXT=136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 x\u00A0136", 0, OK, 1, "16505550136", "136" },
    { "+1 650 555 0136 x\u0661\u0663\u0666", 0, OK, 1, "16505550136",
      "136" },
    { "+1 650 555 0136 x12345678901234567890", 0, OK, 1, "16505550136",
      "123456789012345" },
    { "+1 650 555 0136 ext. 136 ", 0, OK, 1, "16505550136", "136" },

    /* every dangling marker is dropped */
    { "(209) 555-0168#", 0, OK, 0, "2095550168", "" },
    { "+1 209 555 0133 ext.", 0, OK, 1, "12095550133", "" },
    { "+1 209 555 0133 ext", 0, OK, 1, "12095550133", "" },
    { "+1 209 555 0133 EXTENSION", 0, OK, 1, "12095550133", "" },
    { "+1 209 555 0133 x", 0, OK, 1, "12095550133", "" },
    { "+1 209 555 0133;ext=", 0, OK, 1, "12095550133", "" },
    { "+1 209 555 0133 # ", 0, OK, 1, "12095550133", "" },

    /* only one extension; a marker that is not one stays a bad char */
    { "+1 209 555 0133 x12 x34", 0, BAD_CHAR, 0, "", "" },
    { "+1 209 555 0133 ext=12", 0, BAD_CHAR, 0, "", "" },
    { "+1 209 555 0133 ext:12", 0, BAD_CHAR, 0, "", "" },
    { "#31#2095550133", 0, BAD_CHAR, 0, "", "" },

    /* trailing comments with letters are dropped, digit groups kept */
    { "+46 70 555 01 42 (Axel)", 0, OK, 1, "46705550142", "" },
    { "+46 70 555 01 42(Axel)", 0, OK, 1, "46705550142", "" },
    { "+46 70 555 01 42 (\u00C5sa)", 0, OK, 1, "46705550142", "" },
    { "+46 70 555 01 42 (home 2)", 0, OK, 1, "46705550142", "" },
    { "+46 70 555 01 42 (Axel (work))", 0, OK, 1, "46705550142", "" },
    { "+46 70 555 01 42 (Axel) x12", 0, OK, 1, "46705550142", "12" },
    { "+46 70 555 01 42 x12 (Axel)", 0, OK, 1, "46705550142", "12" },
    { "+1 209 555 0133 ext. (Axel)", 0, OK, 1, "12095550133", "" },
    { "+46 70 555 01 42 (42)", 0, OK, 1, "4670555014242", "" },
    { "(514) 555-0142", 0, OK, 0, "5145550142", "" },
    { "+46 70 555 01 42 Axel)", 0, BAD_CHAR, 0, "", "" },
    { "+46 70 555 01 42 (Axel", 0, BAD_CHAR, 0, "", "" },
    { "(Axel) +46 70 555 01 42", 0, BAD_CHAR, 0, "", "" },
    { "+46 70 (Axel) 555 01 42", 0, BAD_CHAR, 0, "", "" },
    { "(Axel)", 0, SHORT, 0, "", "" },

    /* separators */
    { "+1.209.555.0142", 0, OK, 1, "12095550142", "" },
    { "+1/209/555/0142", 0, OK, 1, "12095550142", "" },
    { "+1 (209) 555-0142", 0, OK, 1, "12095550142", "" },
    { "209\u2010555\u2011014\u20122", 0, OK, 0, "2095550142", "" },
    { "209\u2013555\u2014014\u20152", 0, OK, 0, "2095550142", "" },
    { "209\u2212555\uFF0D0142", 0, OK, 0, "2095550142", "" },
    { "209\u00A0555\u20090142", 0, OK, 0, "2095550142", "" },
    { "209\u202F555\u30000142", 0, OK, 0, "2095550142", "" },
    { "209\u2000555\u200A0142", 0, OK, 0, "2095550142", "" },
    { "\uFF08209\uFF09555\uFF0E0142", 0, OK, 0, "2095550142", "" },
    { "209\u200B555\u00AD0142", 0, OK, 0, "2095550142", "" },
    { "\u202A+1 209 555 0142\u202C", 0, OK, 1, "12095550142", "" },
    { "\u2066+1 650 555 0136 x136\u2069", 0, OK, 1, "16505550136", "136" },
    { "(+44) 20 7946 0958", 0, OK, 1, "442079460958", "" },

    /* bad characters */
    { "+1 209 555 01ab", 0, BAD_CHAR, 0, "", "" },                /* P4 */
    { "+33 6 5X XX XX 42", 0, BAD_CHAR, 0, "", "" },              /* P4 */
    { "*67 209 555 0142", 0, BAD_CHAR, 0, "", "" },
    { "209*555*0142", 0, BAD_CHAR, 0, "", "" },
    { "+1 209 555 0142+", 0, BAD_CHAR, 0, "", "" },
    { "1+209 555 0142", 0, BAD_CHAR, 0, "", "" },
    { "++12095550142", 0, BAD_CHAR, 0, "", "" },
    { "209\t555 0142", 0, BAD_CHAR, 0, "", "" },
    { "209\n555 0142", 0, BAD_CHAR, 0, "", "" },
    { "209\x7F" "5550142", 0, BAD_CHAR, 0, "", "" },
    { "209\xC2\x80" "5550142", 0, BAD_CHAR, 0, "", "" },
    { "209,555,0142", 0, BAD_CHAR, 0, "", "" },
    { "209_555_0142", 0, BAD_CHAR, 0, "", "" },
    { "tel:+12095550142", 0, BAD_CHAR, 0, "", "" },
    { "+1 209 555 0142 \xF0\x9F\x93\xB1", 0, BAD_CHAR, 0, "", "" },
    { "209\0" "5550142", 11, BAD_CHAR, 0, "", "" },
    { "phone", 0, BAD_CHAR, 0, "", "" },

    /* length gates */
    { "123", 0, SHORT, 0, "", "" },
    { "1234", 0, OK, 0, "1234", "" },
    { "+123", 0, SHORT, 0, "", "" },
    { "+1234", 0, OK, 1, "1234", "" },
    { "+", 0, SHORT, 0, "", "" },
    { "x123", 0, SHORT, 0, "", "" },
    { "#", 0, SHORT, 0, "", "" },
    { "1 - 2 - 3 - 4", 0, OK, 0, "1234", "" },
    { "12345678901234567", 0, OK, 0, "12345678901234567", "" },
    { "+12345678901234567", 0, OK, 1, "12345678901234567", "" },
    { "123456789012345678", 0, LONG, 0, "", "" },
    { "+1 2345 6789 0123 45678", 0, LONG, 0, "", "" },
    { "\uFF11\uFF12\uFF13", 0, SHORT, 0, "", "" },
    { "123 x4567", 0, SHORT, 0, "", "" },

    /* bad UTF-8 */
    { "\xFF", 0, BAD_UTF8, 0, "", "" },
    { "+1 209 555 0142\xFE", 0, BAD_UTF8, 0, "", "" },
    { "\xC0\xAF" "2095550142", 0, BAD_UTF8, 0, "", "" },      /* overlong */
    { "\xE0\x80\xB0" "2095550142", 0, BAD_UTF8, 0, "", "" },
    { "\xF0\x80\x80\xB0" "2095550142", 0, BAD_UTF8, 0, "", "" },
    { "\xED\xA0\x80" "2095550142", 0, BAD_UTF8, 0, "", "" },  /* surrogate */
    { "\xF4\x90\x80\x80" "2095550142", 0, BAD_UTF8, 0, "", "" },
    { "\xF5\x80\x80\x80", 0, BAD_UTF8, 0, "", "" },
    { "2095550142\xE2\x80", 0, BAD_UTF8, 0, "", "" },         /* truncated */
    { "2095550142\xC3", 0, BAD_UTF8, 0, "", "" },
    { "\x80" "2095550142", 0, BAD_UTF8, 0, "", "" },
    { "209\xE2\x80\x41" "5550142", 0, BAD_UTF8, 0, "", "" },
    { "  \xC3 ", 0, BAD_UTF8, 0, "", "" },

    /* field cases */
    { "+5105550143", 0, OK, 1, "5105550143", "" },                /* P1 */
    { "(514) 555-0142", 0, OK, 0, "5145550142", "" },             /* P2 */
    { "+46 70 555 01 42 (Axel)", 0, OK, 1, "46705550142", "" },   /* P3 */
    { "+1 209 555 01ab", 0, BAD_CHAR, 0, "", "" },                /* P4 */
    { "+33 6 5X XX XX 42", 0, BAD_CHAR, 0, "", "" },              /* P4 */
    { "+1 650 555 0136 x136", 0, OK, 1, "16505550136", "136" },   /* P5 */
    { "+1 650 555 0136;ext=136", 0, OK, 1, "16505550136", "136" },
    { "(209) 555-0168#", 0, OK, 0, "2095550168", "" },
    { "+1 209 555 0133 ext.", 0, OK, 1, "12095550133", "" },
    { "0209 555 0100", 0, OK, 0, "02095550100", "" },             /* P6 */
    { "06 5550 0100", 0, OK, 0, "0655500100", "" },
    { "(340) 555-1", 0, OK, 0, "3405551", "" },                   /* P7 */
    { "+1 689 555 0142", 0, OK, 1, "16895550142", "" },
    { "2095550142", 0, OK, 0, "2095550142", "" },                 /* B1 */

    /* no guessing of international prefixes */
    { "0049 172 8150130", 0, OK, 0, "00491728150130", "" },
    { "011 49 172 8150130", 0, OK, 0, "011491728150130", "" },
};


static void
test_phone_cases(void)
{
    size_t          i, len;
    pv_phone_t      ph;
    pv_phone_rc_e   rc;

    for (i = 0; i < sizeof(phone_cases) / sizeof(phone_cases[0]); i++) {
        const phone_case_t  *c = &phone_cases[i];

        len = c->len ? c->len : strlen(c->in);
        rc = pv_phone_normalize((const pv_u_char *) c->in, len, &ph);

        if (rc != c->rc || ph.rc != c->rc || ph.plus != c->plus
            || strcmp(ph.digits, c->digits) != 0
            || strcmp(ph.ext, c->ext) != 0
            || ph.ndigits != strlen(c->digits))
        {
            fprintf(stderr, "case %zu \"%s\": got rc %d plus %d \"%s\" "
                    "ext \"%s\"\n", i, c->in, (int) rc, ph.plus,
                    ph.digits, ph.ext);
        }

        PV_CHECK_INT(rc, c->rc);
        PV_CHECK_INT(ph.rc, c->rc);
        PV_CHECK_INT(ph.plus, c->plus);
        PV_CHECK_STR(ph.digits, c->digits);
        PV_CHECK_STR(ph.ext, c->ext);
        PV_CHECK_INT(ph.ndigits, strlen(c->digits));
    }
}


static size_t
utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }

    if (cp < 0x800) {
        out[0] = (char) (0xC0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }

    if (cp < 0x10000) {
        out[0] = (char) (0xE0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }

    out[0] = (char) (0xF0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}


/* every run of ten decimal digits in Unicode 15.1 folds to 0-9 */

static const uint32_t  digit_zeros[] = {
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6,
    0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0,
    0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900,
    0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066,
    0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0,
    0x11F50, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
    0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950, 0x1FBF0
};

#define NZEROS  (sizeof(digit_zeros) / sizeof(digit_zeros[0]))


static int
is_digit_cp(uint32_t cp)
{
    size_t  i;

    for (i = 0; i < NZEROS; i++) {
        if (cp >= digit_zeros[i] && cp < digit_zeros[i] + 10) {
            return 1;
        }
    }

    return 0;
}


static void
test_phone_digit_runs(void)
{
    char        buf[64];
    size_t      i, n;
    uint32_t    d, cp;
    pv_phone_t  ph;

    for (i = 0; i < NZEROS; i++) {
        n = 0;

        for (d = 0; d < 10; d++) {
            n += utf8_encode(digit_zeros[i] + d, buf + n);
        }

        PV_CHECK_INT(pv_phone_normalize((pv_u_char *) buf, n, &ph), OK);
        PV_CHECK_STR(ph.digits, "0123456789");

        /* the code points around a run are not digits, unless a run */

        cp = digit_zeros[i] - 1;

        /* printable ASCII and U+FF0F (a full-width '/') are separators */

        if (!is_digit_cp(cp) && !(cp >= 0x20 && cp < 0x7F) && cp != 0xFF0F)
        {
            n = utf8_encode(cp, buf);
            memcpy(buf + n, "2095550142", 10);
            n += 10;
            PV_CHECK_INT(pv_phone_normalize((pv_u_char *) buf, n, &ph),
                         BAD_CHAR);
        }

        cp = digit_zeros[i] + 10;

        if (!is_digit_cp(cp)) {
            memcpy(buf, "2095550142", 10);
            n = 10 + utf8_encode(cp, buf + 10);
            PV_CHECK_INT(pv_phone_normalize((pv_u_char *) buf, n, &ph),
                         BAD_CHAR);
        }
    }
}


/*
 * A property check over random text built from pieces with a known digit
 * contribution: the result never holds a digit the input did not have, in
 * the input's order, and its fields are always consistent.
 */

typedef struct {
    const char              *text;
    const char              *digits;
} piece_t;


static const piece_t  pieces[] = {
    { "0", "0" }, { "1", "1" }, { "5", "5" }, { "9", "9" },
    { "\u0663", "3" }, { "\uFF17", "7" }, { "\U0001D7D0", "2" },
    { "+", "" }, { "\uFF0B", "" }, { " ", "" }, { "-", "" }, { ".", "" },
    { "/", "" }, { "(", "" }, { ")", "" }, { "x", "" }, { "X", "" },
    { "ext", "" }, { "ext.", "" }, { "extension", "" }, { "#", "" },
    { ";ext=", "" }, { "(Axel)", "" }, { "a", "" }, { "*", "" },
    { "\t", "" }, { "\u00A0", "" }, { "\u2013", "" }, { "\u200E", "" },
    { "\xC3", "" }, { "\x80", "" }, { "\xE2\x80", "" }, { "\0", "" },
    { "\u00C5", "" }, { "\u3000", "" }
};

#define NPIECES  (sizeof(pieces) / sizeof(pieces[0]))


static int
is_subsequence(const char *s, const char *of)
{
    while (*s) {
        of = strchr(of, *s);
        if (of == NULL) {
            return 0;
        }

        of++;
        s++;
    }

    return 1;
}


static int
all_digits(const char *s)
{
    for ( /* void */ ; *s; s++) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
    }

    return 1;
}


static void
test_phone_random(void)
{
    int            bad;
    char          *text, digits[256];
    size_t         i, k, n, len, dlen, tlen;
    unsigned long long  seed;
    pv_phone_t     ph;

    seed = 12345;
    bad = 0;

    for (i = 0; i < 200000; i++) {
        char  buf[256];

        len = 0;
        dlen = 0;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        n = (seed >> 33) % 24;

        for (k = 0; k < n; k++) {
            const piece_t  *p;

            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            p = &pieces[(seed >> 33) % NPIECES];

            tlen = p->text[0] ? strlen(p->text) : 1;
            memcpy(buf + len, p->text, tlen);
            len += tlen;
            memcpy(digits + dlen, p->digits, strlen(p->digits));
            dlen += strlen(p->digits);
        }

        digits[dlen] = '\0';

        /* an exact-size heap copy lets ASan see any over-read */

        text = malloc(len ? len : 1);
        if (text == NULL) {
            break;
        }

        memcpy(text, buf, len);

        pv_phone_normalize((pv_u_char *) text, len, &ph);

        if ((unsigned) ph.rc > BAD_UTF8
            || strlen(ph.digits) != ph.ndigits
            || !all_digits(ph.digits) || !all_digits(ph.ext)
            || strlen(ph.ext) > PV_EXT_MAX
            || !is_subsequence(ph.digits, digits)
            || !is_subsequence(ph.ext, digits)
            || (ph.rc == OK && (ph.ndigits < PV_PHONE_MIN_DIGITS
                                || ph.ndigits > PV_PHONE_MAX_DIGITS))
            || (ph.rc != OK && (ph.ndigits || ph.plus || ph.ext[0])))
        {
            bad++;
            fprintf(stderr, "random case %zu: rc %d \"%s\" ext \"%s\" "
                    "from digits \"%s\"\n", i, (int) ph.rc, ph.digits,
                    ph.ext, digits);
        }

        free(text);
    }

    PV_CHECK_INT(bad, 0);
}


static void
test_phone_rc_text(void)
{
    int          i, j;
    const char  *t[PV_PHONE_NOT_INTEGER + 1];

    for (i = 0; i <= PV_PHONE_NOT_INTEGER; i++) {
        t[i] = pv_phone_rc_text((pv_phone_rc_e) i);
        PV_CHECK(t[i] != NULL && t[i][0] != '\0');

        for (j = 0; j < i; j++) {
            PV_CHECK(strcmp(t[i], t[j]) != 0);
        }
    }

    PV_CHECK_STR(pv_phone_rc_text(BAD_CHAR),
                 "contains letters or other invalid characters");
    PV_CHECK(pv_phone_rc_text((pv_phone_rc_e) 99) != NULL);
}


typedef struct {
    const char              *in;
    size_t                   len;
    int                      ok;
    const char              *out;
} country_case_t;


static const country_case_t  country_cases[] = {
    { "de", 2, 1, "DE" },
    { "DE", 2, 1, "DE" },
    { "dE", 2, 1, "DE" },
    { "us", 2, 1, "US" },
    { "zz", 2, 1, "ZZ" },
    { "D", 1, 0, "" },
    { "", 0, 0, "" },
    { "DEU", 3, 0, "" },
    { "D1", 2, 0, "" },
    { " d", 2, 0, "" },
    { "d ", 2, 0, "" },
    { "@[", 2, 0, "" },
    { "`{", 2, 0, "" },
    { "\xC3\x84", 2, 0, "" },
    { "\xC3\x84" "E", 3, 0, "" },
    { "d\0", 2, 0, "" },
};


static void
test_country(void)
{
    char    out[3];
    size_t  i;

    for (i = 0; i < sizeof(country_cases) / sizeof(country_cases[0]); i++) {
        const country_case_t  *c = &country_cases[i];

        memcpy(out, "??", 3);
        PV_CHECK_INT(pv_country_parse((const pv_u_char *) c->in, c->len, out),
                     c->ok);
        PV_CHECK_STR(out, c->out);
    }

    PV_CHECK_INT(pv_country_parse(NULL, 0, out), 0);
}


typedef struct {
    const char              *phone;
    const char              *country;
    int                      express;
    const char              *key;
} key_case_t;


static const key_case_t  key_cases[] = {
    { "+12095550142", NULL, 0, "+12095550142/e" },
    { "+12095550142", "US", 0, "+12095550142/e" },
    { "+12095550142", "US", 1, "+12095550142/x" },
    { "01728150130", "DE", 0, "01728150130/DE/e" },
    { "934124602", "ES", 1, "934124602/ES/x" },
    { "01728150130", "de", 0, "01728150130/DE/e" },
    { "2095550142", NULL, 0, "2095550142//e" },                   /* B1 */
    { "2095550142", "", 1, "2095550142//x" },
    { "+5105550143", "US", 0, "+5105550143/e" },                  /* P1 */
    { "(514) 555-0142", "CA", 0, "5145550142/CA/e" },             /* P2 */
    { "+1 650 555 0136 x136", NULL, 0, "+16505550136/e" },        /* P5 */
    { "12345678901234567", "DE", 1, "12345678901234567/DE/x" },
    { "+12345678901234567", "DE", 1, "+12345678901234567/x" },
};


static void
test_cache_key(void)
{
    size_t      i, n;
    pv_u_char   key[PV_CACHE_KEY_MAX + 1];
    pv_phone_t  ph;

    for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
        const key_case_t  *c = &key_cases[i];

        PV_CHECK_INT(pv_phone_normalize((const pv_u_char *) c->phone,
                                        strlen(c->phone), &ph), OK);

        memset(key, '!', sizeof(key));
        n = pv_cache_key(&ph, c->country, c->express, key);

        PV_CHECK_MEM(key, n, c->key);
        PV_CHECK(n <= PV_CACHE_KEY_MAX);
        PV_CHECK_INT(key[PV_CACHE_KEY_MAX], '!');
    }
}


/* what normalization split off, for phoneval_normalize (keep_phone) */

static void
test_phone_extra(void)
{
    size_t             i;
    pv_phone_t         ph;
    static const struct {
        const char    *in;
        int            extra;
    } cases[] = {
        { "+1 209 555 0142", 0 },
        { "(209) 555-0142", 0 },
        { "(209) 555-0168#", 0 },             /* a marker alone: nothing */
        { "+1 209 555 0133 ext.", 0 },
        { "+1 650 555 0136 x136", 1 },
        { "+1 650 555 0136;ext=136", 1 },
        { "+46 70 555 01 42 (Axel)", 1 },
        { "+1 209 555 0142 ext. 12 (Axel)", 1 },
        { "+1 209 555 0142 (Axel) ext. 12", 1 }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        PV_CHECK_INT(pv_phone_normalize((const pv_u_char *) cases[i].in,
                                        strlen(cases[i].in), &ph),
                     PV_PHONE_OK);
        PV_CHECK_INT(ph.extra, cases[i].extra);
    }
}


/* the ASCII fast path and the full path agree on every short text */

static void
test_phone_fast_path(void)
{
    int                same;
    size_t             i, k, n;
    unsigned           seed;
    pv_phone_t         fast, full;
    pv_u_char          buf[24];
    static const char  alphabet[] = "0123456789 -./()+x#;\ta";

    seed = 12345;
    same = 1;

    for (i = 0; i < 200000 && same; i++) {
        seed = seed * 1103515245 + 12345;
        n = (seed >> 16) % sizeof(buf);

        for (k = 0; k < n; k++) {
            seed = seed * 1103515245 + 12345;
            buf[k] = (pv_u_char) alphabet[(seed >> 16)
                                          % (sizeof(alphabet) - 1)];
        }

        (void) pv_phone_normalize(buf, n, &fast);
        (void) pv_phone_normalize_full(buf, n, &full);

        /* the fields; bytes past a NUL are nobody's */
        same = fast.rc == full.rc && fast.plus == full.plus
               && fast.ndigits == full.ndigits && fast.extra == full.extra
               && strcmp(fast.digits, full.digits) == 0
               && strcmp(fast.ext, full.ext) == 0;

        if (!same) {
            fprintf(stderr, "fast path differs on \"%.*s\"\n", (int) n,
                    (const char *) buf);
        }
    }

    PV_CHECK(same);
}


/* a phone given as a JSON number: its literal must be a whole number */

static void
test_phone_literal(void)
{
    size_t       i;
    static const char  *ok[] = { "12095550142", "0", "5550142" };
    static const char  *bad[] = { "-12095550142", "2095550142.0",
                                  "1.2095550142e10", "2e9", "12E3" };

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        PV_CHECK_INT(pv_phone_literal((const pv_u_char *) ok[i],
                                      strlen(ok[i])), PV_PHONE_OK);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        PV_CHECK_INT(pv_phone_literal((const pv_u_char *) bad[i],
                                      strlen(bad[i])), PV_PHONE_NOT_INTEGER);
    }
}


/* phoneval_normalize writes only the number that was sent */

static void
test_e164_agrees(void)
{
    size_t      i;
    pv_phone_t  ph;

    static const struct {
        const char  *in;
        const char  *e164;
        int          agrees;
    } cases[] = {
        { "+1 209 555 0142", "+12095550142", 1 },
        { "+1 209 555 0142", "+12095550143", 0 },
        { "+1 209 555 0142", "+112095550142", 0 },
        { "+5105550143", "+15105550143", 0 },        /* P1: never repaired */
        { "(209) 555-0142", "+12095550142", 1 },
        { "1 209 555 0142", "+12095550142", 1 },     /* with its own CC */
        { "(415) 555-1234", "+442079460958", 0 },    /* another number */
        { "06 5550 0100", "+390655500100", 1 },      /* P6: Italy keeps 0 */
        { "020 7946 0958", "+442079460958", 1 },     /* UK trunk 0 */
        { "0209 555 0100", "+12095550100", 1 },
        { "8 912 345 67 89", "+79123456789", 0 },    /* trunk 8: kept */
        { "2095550142", "+99992095550142", 0 },      /* CC of 4 digits */
        { "2095550142", "12095550142", 0 },          /* no '+' */
        { "2095550142", "+", 0 },
        { "2095550142", "", 0 },
        { "0000", "+10000", 1 },                     /* zeros kept */
        { "07 12 34 56 78", "+2250712345678", 1 },   /* CI keeps its 0 */
        { "07 12 34 56 78", "+22507123456789", 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        PV_CHECK_INT(pv_phone_normalize((const pv_u_char *) cases[i].in,
                                        strlen(cases[i].in), &ph),
                     PV_PHONE_OK);
        PV_CHECK_INT(pv_phone_e164_agrees(&ph, cases[i].e164),
                     cases[i].agrees);
    }

    PV_CHECK_INT(pv_phone_e164_agrees(&ph, NULL), 0);
}


int
main(void)
{
    test_phone_cases();
    test_phone_extra();
    test_phone_literal();
    test_phone_fast_path();
    test_phone_digit_runs();
    test_phone_random();
    test_phone_rc_text();
    test_country();
    test_cache_key();
    test_e164_agrees();

    PV_TEST_DONE("test_phone");
}
