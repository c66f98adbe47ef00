
/*
 * Copyright (C) phoneval authors
 *
 * Byte tests shared by the strict validator (phoneval_json.c) and the
 * one-pass contact scan (phoneval_scan.c): string byte classes, white
 * space, and the eight-bytes-at-a-time string reads.  Internal to the
 * core; nothing outside ngx_http_phoneval_module/phoneval_*.c includes it.
 */


#ifndef _PHONEVAL_JSON_WORD_H_INCLUDED_
#define _PHONEVAL_JSON_WORD_H_INCLUDED_


#include <string.h>

#include "phoneval_core.h"


/* classes of bytes inside a string; the hot loop skips PV_JSON_C_PLAIN */

#define PV_JSON_C_PLAIN   0
#define PV_JSON_C_QUOTE   1
#define PV_JSON_C_ESCAPE  2
#define PV_JSON_C_CTRL    3
#define PV_JSON_C_HIGH    4


#define pv_row(c)  c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c

static const pv_u_char  pv_json_str_class[256] = {
    pv_row(PV_JSON_C_CTRL),                                 /* 0x00 */
    pv_row(PV_JSON_C_CTRL),                                 /* 0x10 */
    0, 0, PV_JSON_C_QUOTE, 0, 0, 0, 0, 0,                   /* 0x20 */
    0, 0, 0, 0, 0, 0, 0, 0,
    pv_row(0),                                              /* 0x30 */
    pv_row(0),                                              /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0,                                 /* 0x50 */
    0, 0, 0, 0, PV_JSON_C_ESCAPE, 0, 0, 0,
    pv_row(0),                                              /* 0x60 */
    pv_row(0),                                              /* 0x70 */
    pv_row(PV_JSON_C_HIGH), pv_row(PV_JSON_C_HIGH),         /* 0x80 */
    pv_row(PV_JSON_C_HIGH), pv_row(PV_JSON_C_HIGH),
    pv_row(PV_JSON_C_HIGH), pv_row(PV_JSON_C_HIGH),
    pv_row(PV_JSON_C_HIGH), pv_row(PV_JSON_C_HIGH)
};


/* ' ', '\t', '\n', '\r' as bits of one word: two tests, not four */

#define PV_JSON_WS_BITS  ((1ULL << ' ') | (1ULL << '\t') | (1ULL << '\n')     \
                          | (1ULL << '\r'))

#define pv_json_is_ws(c)                                                      \
    ((c) <= ' ' && ((PV_JSON_WS_BITS >> (c)) & 1))

#define pv_json_is_digit(c)  ((c) >= '0' && (c) <= '9')


/*
 * Strings are most of a contact's bytes, so they are read eight bytes at
 * a time where the byte order lets a word's lowest set bit name its first
 * byte: each test below sets the high bit of a byte that matches, and the
 * borrows of the subtractions only ever flag bytes above a true match,
 * so the lowest flag is exact.
 */

/*
 * -DPV_NO_SIMD builds without SSE2 (the word reads stay), -DPV_NO_SWAR
 * also without the word reads: the byte loops everywhere.  The unit tests
 * run all three ("make unit-portable").
 */

#if defined(__GNUC__) && defined(__BYTE_ORDER__)                             \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(PV_NO_SWAR)
#define PV_JSON_SWAR  1
#else
#define PV_JSON_SWAR  0
#endif

/* sixteen bytes a step where SSE2 is there (always on x86-64) */

#if PV_JSON_SWAR && defined(__SSE2__) && !defined(PV_NO_SIMD)
#define PV_JSON_SSE2  1
#include <emmintrin.h>
#else
#define PV_JSON_SSE2  0
#endif

#define PV_JSON_ONES   0x0101010101010101ULL
#define PV_JSON_HIGHS  0x8080808080808080ULL

/* the high bit of every zero byte of x */
#define pv_json_zero8(x)  (((x) - PV_JSON_ONES) & ~(x) & PV_JSON_HIGHS)

/* the byte offset of the first flagged byte */
#define pv_json_first8(m)  ((size_t) __builtin_ctzll(m) >> 3)


#if PV_JSON_SWAR

static inline uint64_t
pv_json_load8(const pv_u_char *p)
{
    uint64_t  v;

    memcpy(&v, p, 8);

    return v;
}


/* flags '"', '\\', control bytes and bytes above 0x7f */

static inline uint64_t
pv_json_special8(uint64_t x)
{
    uint64_t  q, b;

    q = x ^ (PV_JSON_ONES * '"');
    b = x ^ (PV_JSON_ONES * '\\');

    return pv_json_zero8(q) | pv_json_zero8(b)
           | (((x - PV_JSON_ONES * 0x20) & ~x) & PV_JSON_HIGHS)
           | (x & PV_JSON_HIGHS);
}


/* flags '"' and '\\' */

static inline uint64_t
pv_json_quote8(uint64_t x)
{
    uint64_t  q, b;

    q = x ^ (PV_JSON_ONES * '"');
    b = x ^ (PV_JSON_ONES * '\\');

    return pv_json_zero8(q) | pv_json_zero8(b);
}

#endif


/*
 * The common string, inlined where strings are read: printable ASCII up
 * to the closing quote.  Returns one past the quote, or 0 when the string
 * holds anything else (or ends within eight bytes of the input's end) and
 * the full scan must decide.
 */

static inline size_t
pv_json_plain_string(const pv_u_char *p, size_t len, size_t pos)
{
#if PV_JSON_SWAR
    uint64_t  m;
#if PV_JSON_SSE2
    int       b;
    __m128i   v, lo;

    pos++;

    /* signed: bytes above 0x7f compare below ' ' too */
    lo = _mm_set1_epi8(' ');

    while (len - pos >= 16) {
        v = _mm_loadu_si128((const __m128i *) (p + pos));
        b = _mm_movemask_epi8(
                _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                    _mm_cmplt_epi8(v, lo)));

        if (b != 0) {
            pos += (unsigned) __builtin_ctz((unsigned) b);
            return p[pos] == '"' ? pos + 1 : 0;
        }

        pos += 16;
    }
#else
    pos++;
#endif

    while (len - pos >= 8) {
        m = pv_json_special8(pv_json_load8(p + pos));

        if (m != 0) {
            pos += pv_json_first8(m);
            return p[pos] == '"' ? pos + 1 : 0;
        }

        pos += 8;
    }
#else
    (void) p;
    (void) len;
    (void) pos;
#endif

    return 0;
}



/* what pv_json_string_at() and pv_json_number_at() found wrong */

typedef struct {
    pv_json_rc_e             rc;
    size_t                   offset;
    const char              *message;
} pv_json_fault_t;


/*
 * Checks the escape whose '\\' is at pos.  Returns NULL and its length in
 * *n, or a message (*n is 0 when the input ended inside the escape).
 */
const char *pv_json_check_escape(const pv_u_char *p, size_t len, size_t pos,
    size_t *n);

/* RFC 3629 well-formed sequence at pos: its length, or 0 */
size_t pv_json_utf8_len(const pv_u_char *p, size_t len, size_t pos);

/*
 * An index records the first PV_JSON_INDEX_MAX containers only, so that
 * a body of many tiny containers cannot make it large; walks then read
 * past the others instead of skipping them.
 */
#define PV_JSON_INDEX_MAX  16384
#define PV_JSON_NO_SPAN    ((size_t) -1)

/* doubles the spans of an index (32 to start with) in the pool */
int pv_json_index_grow(pv_json_index_t *index, pv_pool_t *pool);


/*
 * The string whose opening '"' is at pos: one past its closing quote,
 * with *escaped set if it holds an escape; or 0 and *fault.  Callers try
 * pv_json_plain_string() first.
 */
size_t pv_json_string_at(const pv_u_char *p, size_t len, size_t pos,
    int *escaped, pv_json_fault_t *fault);

/* the number at pos (RFC 8259 grammar): one past it, or 0 and *fault */
size_t pv_json_number_at(const pv_u_char *p, size_t len, size_t pos,
    pv_json_fault_t *fault);

#endif /* _PHONEVAL_JSON_WORD_H_INCLUDED_ */
