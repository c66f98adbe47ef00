
/*
 * Copyright (C) phoneval authors
 *
 * Strict JSON (RFC 8259) validation and the helpers that walk validated
 * text without building a tree: the module only ever needs offsets, and
 * the bytes between them are forwarded as the client sent them.
 */


#include <string.h>

#include "phoneval_core.h"
#include "phoneval_json_word.h"


/* hex digit values; 16 for anything else */

static const pv_u_char  pv_json_hex[256] = {
    pv_row(16), pv_row(16), pv_row(16),                     /* 0x00 */
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 16, 16, 16, 16, 16,   /* 0x30 */
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    pv_row(16),                                             /* 0x50 */
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    pv_row(16),                                             /* 0x70 */
    pv_row(16), pv_row(16), pv_row(16), pv_row(16),         /* 0x80 */
    pv_row(16), pv_row(16), pv_row(16), pv_row(16)
};


/* bytes pv_json_quote() may not copy as they are: '"', '\\', controls,
 * and 0xe2, which leads U+2028 and U+2029 */

static const pv_u_char  pv_json_quote_special[256] = {
    pv_row(1), pv_row(1),                                   /* 0x00 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 0x20 */
    pv_row(0), pv_row(0),                                   /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,         /* 0x50 */
    pv_row(0), pv_row(0),                                   /* 0x60 */
    pv_row(0), pv_row(0), pv_row(0), pv_row(0),             /* 0x80 */
    pv_row(0), pv_row(0),                                   /* 0xc0 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 0xe0 */
    pv_row(0)                                               /* 0xf0 */
};


/* bytes that matter when skipping over a validated container */

#define PV_JSON_S_OPEN   1
#define PV_JSON_S_CLOSE  2
#define PV_JSON_S_QUOTE  3

static const pv_u_char  pv_json_struct[256] = {
    pv_row(0), pv_row(0),                                   /* 0x00 */
    0, 0, PV_JSON_S_QUOTE, 0, 0, 0, 0, 0,                   /* 0x20 */
    0, 0, 0, 0, 0, 0, 0, 0,
    pv_row(0), pv_row(0),                                   /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0,                                 /* 0x50 */
    0, 0, 0, PV_JSON_S_OPEN, 0, PV_JSON_S_CLOSE, 0, 0,
    pv_row(0),                                              /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0,                                 /* 0x70 */
    0, 0, 0, PV_JSON_S_OPEN, 0, PV_JSON_S_CLOSE, 0, 0,
    pv_row(0), pv_row(0), pv_row(0), pv_row(0),             /* 0x80 */
    pv_row(0), pv_row(0), pv_row(0), pv_row(0)
};


/*
 * The validator's one growing array.  It holds a frame record for every
 * open container and, after an object's frame, a record for each member
 * name seen so far.  A closed container's records are dropped, so the
 * array never holds more than the open path plus its members' names.
 */

typedef struct {
    size_t                   start;   /* name: opening '"'; frame: parent */
    size_t                   end;     /* name: one past the closing '"';
                                         frame: its span in the index */
    uint32_t                 hash;    /* name: see pv_json_hash_name();
                                         frame: a filter of its names' */
    uint32_t                 flags;
} pv_json_key_t;

#define PV_JSON_KEY_ESCAPED   0x01
#define PV_JSON_FRAME_OBJECT  0x02
#define PV_JSON_FRAME_ARRAY   0x04
#define PV_JSON_FRAME_SORT    0x08    /* too many members to check linearly */

#define PV_JSON_NO_FRAME      ((size_t) -1)

/* members compared pairwise as they come; beyond: sorted at the close */
#define PV_JSON_LINEAR_MAX    32

/* records on the C stack before the pool is asked for anything */
#define PV_JSON_LOCAL_KEYS    64


typedef struct {
    const pv_u_char         *p;
    size_t                   len;
    pv_pool_t               *pool;
    pv_json_key_t           *keys;
    size_t                   nkeys;
    size_t                   cap;
    pv_json_index_t         *index;
    pv_json_error_t         *err;
} pv_json_ctx_t;


/* decodes one name or string byte by byte, without a buffer */

typedef struct {
    const pv_u_char         *p;
    size_t                   pos;
    size_t                   end;     /* offset of the closing '"' */
    pv_u_char                buf[4];
    unsigned                 nbuf;
    unsigned                 ibuf;
} pv_json_cursor_t;


static pv_json_rc_e pv_json_fail(pv_json_ctx_t *ctx, pv_json_rc_e rc,
    size_t offset, const char *message);
static pv_json_rc_e pv_json_scan_string(pv_json_ctx_t *ctx, size_t *ppos,
    int *escaped);
static pv_json_rc_e pv_json_scan_number(pv_json_ctx_t *ctx, size_t *ppos);
static size_t pv_json_digits(const pv_u_char *p, size_t len, size_t pos);
static pv_json_rc_e pv_json_scan_literal(pv_json_ctx_t *ctx, size_t *ppos,
    const char *lit, size_t n);
static int pv_json_push(pv_json_ctx_t *ctx, size_t start, size_t end,
    uint32_t hash, uint32_t flags);
static int pv_json_grow(pv_json_ctx_t *ctx);
static int pv_json_span_open(pv_json_ctx_t *ctx, size_t frame, size_t pos);
static void pv_json_span_close(pv_json_ctx_t *ctx, size_t frame, size_t pos);
static size_t pv_json_span_find(const pv_json_index_t *index, size_t open);
static pv_json_rc_e pv_json_member_name(pv_json_ctx_t *ctx, size_t *ppos,
    size_t frame);
static int pv_json_name_dup(const pv_u_char *p, const pv_json_key_t *k,
    size_t start, size_t end, int escaped);
static pv_json_rc_e pv_json_check_sorted(pv_json_ctx_t *ctx, size_t frame);
static int pv_json_key_cmp(const pv_u_char *p, const pv_json_key_t *a,
    const pv_json_key_t *b);
static int pv_json_name_cmp(const pv_u_char *p, const pv_json_key_t *a,
    const pv_json_key_t *b);
static void pv_json_keys_sort(const pv_u_char *p, pv_json_key_t *a,
    size_t n);
static void pv_json_sift_down(const pv_u_char *p, pv_json_key_t *a,
    size_t root, size_t n);
static uint32_t pv_json_hash_name(const pv_u_char *p, size_t len,
    size_t start, size_t end, int escaped);
static void pv_json_cursor_init(pv_json_cursor_t *cur, const pv_u_char *p,
    size_t start, size_t end);
static int pv_json_cursor_next(pv_json_cursor_t *cur);
static unsigned pv_json_unescape(const pv_u_char *p, size_t *ppos,
    size_t end, pv_u_char *out);
static unsigned pv_json_hex4(const pv_u_char *p);
static size_t pv_json_string_end(const pv_u_char *p, size_t len, size_t pos);
static pv_json_type_e pv_json_type_of(pv_u_char c);


pv_json_rc_e
pv_json_validate(const pv_u_char *p, size_t len, unsigned max_depth,
    pv_pool_t *pool, pv_json_error_t *err)
{
    return pv_json_validate_index(p, len, max_depth, pool, err, NULL);
}


pv_json_rc_e
pv_json_validate_index(const pv_u_char *p, size_t len, unsigned max_depth,
    pv_pool_t *pool, pv_json_error_t *err, pv_json_index_t *index)
{
    int               want_value, escaped;
    size_t            pos, frame, depth, i, nl, end;
    pv_u_char         c, close;
    pv_json_rc_e      rc;
    pv_json_ctx_t     ctx;
    pv_json_error_t   dummy;
    pv_json_key_t     local[PV_JSON_LOCAL_KEYS];

    if (err == NULL) {
        err = &dummy;
    }

    err->rc = PV_JSON_OK;
    err->offset = 0;
    err->line = 0;
    err->column = 0;
    err->message = "no error";

    ctx.p = p;
    ctx.len = len;
    ctx.pool = pool;
    ctx.keys = local;
    ctx.nkeys = 0;
    ctx.cap = PV_JSON_LOCAL_KEYS;
    ctx.index = index;
    ctx.err = err;

    frame = PV_JSON_NO_FRAME;
    depth = 0;
    pos = 0;

    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        rc = pv_json_fail(&ctx, PV_JSON_ESYNTAX, 0,
                          "byte order mark is not allowed");
        goto failed;
    }

    while (pos < len && pv_json_is_ws(p[pos])) {
        pos++;
    }

    if (pos == len) {
        rc = pv_json_fail(&ctx, PV_JSON_ESYNTAX, pos, "empty document");
        goto failed;
    }

    want_value = 1;

    for ( ;; ) {

        if (want_value) {

            /* a value starts at pos, white space already skipped */

            if (pos == len) {
                rc = pv_json_fail(&ctx, PV_JSON_ESYNTAX, pos,
                                  "unexpected end of input");
                goto failed;
            }

            c = p[pos];

            switch (c) {

            case '{':
            case '[':
                if (depth >= max_depth) {
                    rc = pv_json_fail(&ctx, PV_JSON_EDEPTH, pos,
                                      "nesting too deep");
                    goto failed;
                }

                if (pv_json_push(&ctx, frame, 0, 0,
                                 c == '{' ? PV_JSON_FRAME_OBJECT
                                          : PV_JSON_FRAME_ARRAY)
                    != 0)
                {
                    rc = pv_json_fail(&ctx, PV_JSON_ENOMEM, pos,
                                      "out of memory");
                    goto failed;
                }

                frame = ctx.nkeys - 1;
                depth++;

                if (index != NULL) {
                    if (pv_json_span_open(&ctx, frame, pos) != 0) {
                        rc = pv_json_fail(&ctx, PV_JSON_ENOMEM, pos,
                                          "out of memory");
                        goto failed;
                    }

                }

                pos++;
                while (pos < len && pv_json_is_ws(p[pos])) {
                    pos++;
                }

                if (pos < len && p[pos] == (c == '{' ? '}' : ']')) {
                    pv_json_span_close(&ctx, frame, pos);

                    ctx.nkeys = frame;
                    frame = ctx.keys[frame].start;
                    depth--;
                    pos++;
                    want_value = 0;
                    continue;
                }

                if (c == '{') {
                    rc = pv_json_member_name(&ctx, &pos, frame);
                    if (rc != PV_JSON_OK) {
                        goto failed;
                    }
                }

                continue;

            case '"':
                end = pv_json_plain_string(p, len, pos);

                if (end != 0) {
                    pos = end;
                    rc = PV_JSON_OK;
                    break;
                }

                rc = pv_json_scan_string(&ctx, &pos, &escaped);
                break;

            case '-': case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                rc = pv_json_scan_number(&ctx, &pos);
                break;

            case 't':
                rc = pv_json_scan_literal(&ctx, &pos, "true", 4);
                break;

            case 'f':
                rc = pv_json_scan_literal(&ctx, &pos, "false", 5);
                break;

            case 'n':
                rc = pv_json_scan_literal(&ctx, &pos, "null", 4);
                break;

            default:
                rc = pv_json_fail(&ctx, PV_JSON_ESYNTAX, pos,
                                  "unexpected character");
                break;
            }

            if (rc != PV_JSON_OK) {
                goto failed;
            }

            want_value = 0;
        }

        /* after a value */

        while (pos < len && pv_json_is_ws(p[pos])) {
            pos++;
        }

        if (depth == 0) {
            if (pos != len) {
                rc = pv_json_fail(&ctx, PV_JSON_ESYNTAX, pos,
                                  "unexpected data after the document");
                goto failed;
            }

            return PV_JSON_OK;
        }

        if (ctx.keys[frame].flags & PV_JSON_FRAME_OBJECT) {
            close = '}';

        } else {
            close = ']';
        }

        if (pos == len) {
            rc = pv_json_fail(&ctx, PV_JSON_ESYNTAX, pos,
                              "unexpected end of input");
            goto failed;
        }

        c = p[pos];

        if (c == ',') {
            pos++;
            while (pos < len && pv_json_is_ws(p[pos])) {
                pos++;
            }

            if (close == '}') {
                rc = pv_json_member_name(&ctx, &pos, frame);
                if (rc != PV_JSON_OK) {
                    goto failed;
                }
            }

            want_value = 1;
            continue;
        }

        if (c != close) {
            rc = pv_json_fail(&ctx, PV_JSON_ESYNTAX, pos,
                              close == '}' ? "expected ',' or '}'"
                                           : "expected ',' or ']'");
            goto failed;
        }

        if (ctx.keys[frame].flags & PV_JSON_FRAME_SORT) {
            rc = pv_json_check_sorted(&ctx, frame);
            if (rc != PV_JSON_OK) {
                goto failed;
            }
        }

        pv_json_span_close(&ctx, frame, pos);

        ctx.nkeys = frame;
        frame = ctx.keys[frame].start;
        depth--;
        pos++;
    }

failed:

    /* line and column are only needed on failure: count them now */

    nl = 0;
    err->line = 1;

    for (i = 0; i < err->offset && i < len; i++) {
        if (p[i] == '\n') {
            err->line++;
            nl = i + 1;
        }
    }

    err->column = err->offset - nl + 1;

    return rc;
}


static pv_json_rc_e
pv_json_fail(pv_json_ctx_t *ctx, pv_json_rc_e rc, size_t offset,
    const char *message)
{
    ctx->err->rc = rc;
    ctx->err->offset = offset;
    ctx->err->message = message;

    return rc;
}


/* *ppos: the opening '"' on entry, one past the closing '"' on return */

static pv_json_rc_e
pv_json_scan_string(pv_json_ctx_t *ctx, size_t *ppos, int *escaped)
{
    size_t           end;
    pv_json_fault_t  fault;

    *escaped = 0;

    /* set for the compiler: a string that ends is never at offset 0 */
    fault.rc = PV_JSON_ESYNTAX;
    fault.offset = 0;
    fault.message = "invalid string";

    end = pv_json_string_at(ctx->p, ctx->len, *ppos, escaped, &fault);
    if (end == 0) {
        return pv_json_fail(ctx, fault.rc, fault.offset, fault.message);
    }

    *ppos = end;

    return PV_JSON_OK;
}


size_t
pv_json_string_at(const pv_u_char *p, size_t len, size_t pos, int *escaped,
    pv_json_fault_t *fault)
{
    size_t       n;
    const char  *msg;
#if PV_JSON_SWAR
    uint64_t     m;
#endif

    pos++;

    for ( ;; ) {

#if PV_JSON_SWAR
        while (len - pos >= 8) {
            m = pv_json_special8(pv_json_load8(p + pos));

            if (m != 0) {
                pos += pv_json_first8(m);
                goto special;
            }

            pos += 8;
        }
#endif

        while (pos < len && pv_json_str_class[p[pos]] == PV_JSON_C_PLAIN) {
            pos++;
        }

        if (pos == len) {
            fault->rc = PV_JSON_ESYNTAX;
            fault->offset = len;
            fault->message = "unterminated string";
            return 0;
        }

#if PV_JSON_SWAR
    special:
#endif

        switch (pv_json_str_class[p[pos]]) {

        case PV_JSON_C_QUOTE:
            return pos + 1;

        case PV_JSON_C_ESCAPE:
            msg = pv_json_check_escape(p, len, pos, &n);
            if (msg != NULL) {
                fault->rc = PV_JSON_ESYNTAX;
                fault->offset = n ? pos : len;
                fault->message = msg;
                return 0;
            }

            *escaped = 1;
            pos += n;
            break;

        case PV_JSON_C_CTRL:
            fault->rc = PV_JSON_ESYNTAX;
            fault->offset = pos;
            fault->message = "control character in string";
            return 0;

        default: /* PV_JSON_C_HIGH */
            n = pv_json_utf8_len(p, len, pos);
            if (n == 0) {
                fault->rc = PV_JSON_EUTF8;
                fault->offset = pos;
                fault->message = "invalid UTF-8";
                return 0;
            }

            pos += n;
            break;
        }
    }
}


static inline size_t
pv_json_digits(const pv_u_char *p, size_t len, size_t pos)
{
    while (pos < len && pv_json_is_digit(p[pos])) {
        pos++;
    }

    return pos;
}


size_t
pv_json_number_at(const pv_u_char *p, size_t len, size_t pos,
    pv_json_fault_t *fault)
{
    fault->rc = PV_JSON_ESYNTAX;
    fault->message = "invalid number";

    if (p[pos] == '-') {
        pos++;
    }

    if (pos < len && p[pos] == '0') {
        pos++;

        if (pos < len && pv_json_is_digit(p[pos])) {
            fault->message = "leading zero in number";
            goto failed;
        }

    } else if (pos < len && pv_json_is_digit(p[pos])) {
        pos = pv_json_digits(p, len, pos + 1);

    } else {
        goto failed;
    }

    if (pos < len && p[pos] == '.') {
        pos++;

        if (pos == len || !pv_json_is_digit(p[pos])) {
            goto failed;
        }

        pos = pv_json_digits(p, len, pos + 1);
    }

    if (pos < len && (p[pos] == 'e' || p[pos] == 'E')) {
        pos++;

        if (pos < len && (p[pos] == '+' || p[pos] == '-')) {
            pos++;
        }

        if (pos == len || !pv_json_is_digit(p[pos])) {
            goto failed;
        }

        pos = pv_json_digits(p, len, pos + 1);
    }

    return pos;

failed:

    fault->offset = pos;

    return 0;
}


const char *
pv_json_check_escape(const pv_u_char *p, size_t len, size_t pos, size_t *n)
{
    size_t    i;
    unsigned  u, lo;

    *n = 0;

    if (len - pos < 2) {
        return "unterminated string";
    }

    switch (p[pos + 1]) {

    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
    case 't':
        *n = 2;
        return NULL;

    case 'u':
        break;

    default:
        *n = 1;
        return "invalid escape";
    }

    *n = 1;

    for (i = 2; i < 6; i++) {
        if (pos + i == len) {
            *n = 0;
            return "unterminated string";
        }

        if (pv_json_hex[p[pos + i]] > 15) {
            return "invalid \\u escape";
        }
    }

    u = pv_json_hex4(p + pos + 2);

    if (u >= 0xdc00 && u <= 0xdfff) {
        return "unpaired surrogate in \\u escape";
    }

    if (u < 0xd800 || u > 0xdbff) {
        *n = 6;
        return NULL;
    }

    /* a high surrogate: a low one must follow at once */

    if (len - pos < 12 || p[pos + 6] != '\\' || p[pos + 7] != 'u') {
        return "unpaired surrogate in \\u escape";
    }

    lo = pv_json_hex4(p + pos + 8);
    if (lo < 0xdc00 || lo > 0xdfff) {
        return "unpaired surrogate in \\u escape";
    }

    *n = 12;
    return NULL;
}


size_t
pv_json_utf8_len(const pv_u_char *p, size_t len, size_t pos)
{
    size_t     n, i;
    unsigned   c, lo, hi;

    c = p[pos];
    lo = 0x80;
    hi = 0xbf;

    if (c < 0xc2) {
        return 0;                       /* continuation or overlong lead */

    } else if (c < 0xe0) {
        n = 2;

    } else if (c < 0xf0) {
        n = 3;

        if (c == 0xe0) {
            lo = 0xa0;                  /* overlong */

        } else if (c == 0xed) {
            hi = 0x9f;                  /* surrogates */
        }

    } else if (c < 0xf5) {
        n = 4;

        if (c == 0xf0) {
            lo = 0x90;                  /* overlong */

        } else if (c == 0xf4) {
            hi = 0x8f;                  /* above U+10FFFF */
        }

    } else {
        return 0;
    }

    if (len - pos < n || p[pos + 1] < lo || p[pos + 1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if ((p[pos + i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return n;
}


static pv_json_rc_e
pv_json_scan_number(pv_json_ctx_t *ctx, size_t *ppos)
{
    size_t           end;
    pv_json_fault_t  fault;

    fault.offset = *ppos;   /* set for the compiler: a number is never empty */

    end = pv_json_number_at(ctx->p, ctx->len, *ppos, &fault);
    if (end == 0) {
        return pv_json_fail(ctx, fault.rc, fault.offset, fault.message);
    }

    *ppos = end;

    return PV_JSON_OK;
}


static pv_json_rc_e
pv_json_scan_literal(pv_json_ctx_t *ctx, size_t *ppos, const char *lit,
    size_t n)
{
    size_t  pos;

    pos = *ppos;

    if (ctx->len - pos < n || memcmp(ctx->p + pos, lit, n) != 0) {
        return pv_json_fail(ctx, PV_JSON_ESYNTAX, pos, "invalid literal");
    }

    *ppos = pos + n;

    return PV_JSON_OK;
}


static inline int
pv_json_push(pv_json_ctx_t *ctx, size_t start, size_t end, uint32_t hash,
    uint32_t flags)
{
    pv_json_key_t  *k;

    if (ctx->nkeys == ctx->cap && pv_json_grow(ctx) != 0) {
        return -1;
    }

    k = &ctx->keys[ctx->nkeys++];
    k->start = start;
    k->end = end;
    k->hash = hash;
    k->flags = flags;

    return 0;
}


static int
pv_json_grow(pv_json_ctx_t *ctx)
{
    size_t          cap;
    pv_json_key_t  *keys;

    cap = ctx->cap * 2;

    if (ctx->pool == NULL || cap > (size_t) -1 / sizeof(pv_json_key_t)) {
        return -1;
    }

    keys = pv_alloc(ctx->pool, cap * sizeof(pv_json_key_t));
    if (keys == NULL) {
        return -1;
    }

    memcpy(keys, ctx->keys, ctx->nkeys * sizeof(pv_json_key_t));
    ctx->keys = keys;
    ctx->cap = cap;

    return 0;
}


/*
 * Records a container that opens at pos; its close is filled in later.
 * A frame's end is otherwise unused: it holds the span, or
 * PV_JSON_NO_SPAN past PV_JSON_INDEX_MAX.
 */

static int
pv_json_span_open(pv_json_ctx_t *ctx, size_t frame, size_t pos)
{
    pv_json_span_t   *span;
    pv_json_index_t  *index;

    index = ctx->index;

    if (index->n == PV_JSON_INDEX_MAX) {
        ctx->keys[frame].end = PV_JSON_NO_SPAN;
        return 0;
    }

    if (index->n == index->cap && pv_json_index_grow(index, ctx->pool) != 0)
    {
        return -1;
    }

    ctx->keys[frame].end = index->n;

    span = &index->spans[index->n++];
    span->open = pos;
    span->close = pos;
    span->next = index->n;

    return 0;
}


static void
pv_json_span_close(pv_json_ctx_t *ctx, size_t frame, size_t pos)
{
    pv_json_span_t  *span;

    if (ctx->index == NULL || ctx->keys[frame].end == PV_JSON_NO_SPAN) {
        return;
    }

    span = &ctx->index->spans[ctx->keys[frame].end];
    span->close = pos;
    span->next = ctx->index->n;
}


int
pv_json_index_grow(pv_json_index_t *index, pv_pool_t *pool)
{
    size_t           cap;
    pv_json_span_t  *spans;

    cap = index->cap ? index->cap * 2 : 32;

    if (pool == NULL || cap > (size_t) -1 / sizeof(pv_json_span_t)) {
        return -1;
    }

    spans = pv_alloc(pool, cap * sizeof(pv_json_span_t));
    if (spans == NULL) {
        return -1;
    }

    if (index->n) {
        memcpy(spans, index->spans, index->n * sizeof(pv_json_span_t));
    }

    index->spans = spans;
    index->cap = cap;

    return 0;
}


/* the span of the container that opens at open, or (size_t) -1 */

static size_t
pv_json_span_find(const pv_json_index_t *index, size_t open)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = index->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (index->spans[mid].open < open) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    if (lo < index->n && index->spans[lo].open == open) {
        return lo;
    }

    return (size_t) -1;
}


/*
 * Scans a member name at *ppos and the ':' after it, leaving *ppos at
 * the value.  Small objects are checked for a duplicate right here, so
 * the error points at the second name as soon as it is read.
 */

static pv_json_rc_e
pv_json_member_name(pv_json_ctx_t *ctx, size_t *ppos, size_t frame)
{
    int               escaped;
    size_t            pos, start, end, i, klen;
    uint32_t          hash, bit;
    pv_json_rc_e      rc;
    pv_json_key_t    *f, *k;
    const pv_u_char  *p;

    p = ctx->p;
    pos = *ppos;

    if (pos == ctx->len) {
        return pv_json_fail(ctx, PV_JSON_ESYNTAX, pos,
                            "unexpected end of input");
    }

    if (p[pos] != '"') {
        return pv_json_fail(ctx, PV_JSON_ESYNTAX, pos,
                            "expected a member name");
    }

    start = pos;
    end = pv_json_plain_string(p, ctx->len, pos);

    if (end != 0) {
        pos = end;
        escaped = 0;

    } else {
        rc = pv_json_scan_string(ctx, &pos, &escaped);
        if (rc != PV_JSON_OK) {
            return rc;
        }

        end = pos;
    }

    hash = pv_json_hash_name(p, ctx->len, start, end, escaped);

    f = &ctx->keys[frame];

    /*
     * A frame's hash is a filter of its names' hashes, one bit each: a
     * name whose bit is clear repeats no earlier name, so most names skip
     * the comparisons.
     */

    bit = (uint32_t) 1 << (hash >> 27);

    if (!(f->flags & PV_JSON_FRAME_SORT)) {

        if (ctx->nkeys - frame - 1 >= PV_JSON_LINEAR_MAX) {
            f->flags |= PV_JSON_FRAME_SORT;

        } else if (f->hash & bit) {
            klen = end - start;

            for (i = frame + 1; i < ctx->nkeys; i++) {
                k = &ctx->keys[i];

                if (k->hash != hash) {
                    continue;
                }

                if (!escaped && !(k->flags & PV_JSON_KEY_ESCAPED)) {
                    if (k->end - k->start == klen
                        && memcmp(p + k->start, p + start, klen) == 0)
                    {
                        goto duplicate;
                    }

                    continue;
                }

                if (pv_json_name_dup(p, k, start, end, escaped)) {
                    goto duplicate;
                }
            }
        }

        f->hash |= bit;
    }

    if (pv_json_push(ctx, start, end, hash,
                     escaped ? PV_JSON_KEY_ESCAPED : 0)
        != 0)
    {
        return pv_json_fail(ctx, PV_JSON_ENOMEM, start, "out of memory");
    }

    while (pos < ctx->len && pv_json_is_ws(p[pos])) {
        pos++;
    }

    if (pos == ctx->len) {
        return pv_json_fail(ctx, PV_JSON_ESYNTAX, pos,
                            "unexpected end of input");
    }

    if (p[pos] != ':') {
        return pv_json_fail(ctx, PV_JSON_ESYNTAX, pos, "expected ':'");
    }

    pos++;

    while (pos < ctx->len && pv_json_is_ws(p[pos])) {
        pos++;
    }

    *ppos = pos;

    return PV_JSON_OK;

duplicate:

    return pv_json_fail(ctx, PV_JSON_EDUPLICATE, start,
                        "duplicate member name");
}


/* an escaped name against an earlier one, by their decoded bytes */

static int
pv_json_name_dup(const pv_u_char *p, const pv_json_key_t *k, size_t start,
    size_t end, int escaped)
{
    pv_json_key_t  name;

    name.start = start;
    name.end = end;
    name.hash = k->hash;
    name.flags = escaped ? PV_JSON_KEY_ESCAPED : 0;

    return pv_json_name_cmp(p, k, &name) == 0;
}


/*
 * A large object is checked when it closes: its names are sorted by
 * (hash, decoded name, offset), which puts equal names next to each
 * other whatever the hash collisions, in O(m log m) with no extra memory.
 * The error goes to the earliest name that repeats an earlier one.
 */

static pv_json_rc_e
pv_json_check_sorted(pv_json_ctx_t *ctx, size_t frame)
{
    size_t          i, n, best;
    pv_json_key_t  *a;

    a = &ctx->keys[frame + 1];
    n = ctx->nkeys - frame - 1;

    pv_json_keys_sort(ctx->p, a, n);

    best = (size_t) -1;

    for (i = 1; i < n; i++) {
        if (a[i].hash == a[i - 1].hash
            && pv_json_name_cmp(ctx->p, &a[i - 1], &a[i]) == 0
            && a[i].start < best)
        {
            best = a[i].start;
        }
    }

    if (best != (size_t) -1) {
        return pv_json_fail(ctx, PV_JSON_EDUPLICATE, best,
                            "duplicate member name");
    }

    return PV_JSON_OK;
}


static int
pv_json_key_cmp(const pv_u_char *p, const pv_json_key_t *a,
    const pv_json_key_t *b)
{
    int  rc;

    if (a->hash != b->hash) {
        return a->hash < b->hash ? -1 : 1;
    }

    rc = pv_json_name_cmp(p, a, b);
    if (rc != 0) {
        return rc;
    }

    return (a->start > b->start) - (a->start < b->start);
}


/* orders two names by their decoded bytes */

static int
pv_json_name_cmp(const pv_u_char *p, const pv_json_key_t *a,
    const pv_json_key_t *b)
{
    int               ca, cb, rc;
    size_t            la, lb;
    pv_json_cursor_t  x, y;

    if (!((a->flags | b->flags) & PV_JSON_KEY_ESCAPED)) {
        la = a->end - a->start - 2;
        lb = b->end - b->start - 2;

        rc = memcmp(p + a->start + 1, p + b->start + 1, la < lb ? la : lb);
        if (rc != 0) {
            return rc;
        }

        return (la > lb) - (la < lb);
    }

    pv_json_cursor_init(&x, p, a->start, a->end);
    pv_json_cursor_init(&y, p, b->start, b->end);

    do {
        ca = pv_json_cursor_next(&x);
        cb = pv_json_cursor_next(&y);
    } while (ca == cb && ca != -1);

    return (ca > cb) - (ca < cb);
}


/* heapsort: O(n log n) in the worst case and no memory of its own */

static void
pv_json_keys_sort(const pv_u_char *p, pv_json_key_t *a, size_t n)
{
    size_t         i;
    pv_json_key_t  t;

    if (n < 2) {
        return;
    }

    for (i = n / 2; i-- > 0; /* void */) {
        pv_json_sift_down(p, a, i, n);
    }

    for (i = n - 1; i > 0; i--) {
        t = a[0];
        a[0] = a[i];
        a[i] = t;

        pv_json_sift_down(p, a, 0, i);
    }
}


static void
pv_json_sift_down(const pv_u_char *p, pv_json_key_t *a, size_t root,
    size_t n)
{
    size_t         child;
    pv_json_key_t  t;

    for ( ;; ) {
        child = 2 * root + 1;

        if (child >= n) {
            return;
        }

        if (child + 1 < n && pv_json_key_cmp(p, &a[child], &a[child + 1]) < 0)
        {
            child++;
        }

        if (pv_json_key_cmp(p, &a[root], &a[child]) >= 0) {
            return;
        }

        t = a[root];
        a[root] = a[child];
        a[child] = t;

        root = child;
    }
}


/*
 * A cheap hash of the decoded name: its length and its first and last
 * eight bytes.  Names that differ only in the middle collide, which costs
 * a comparison, never a wrong answer: equal hashes are always compared
 * in full, and the sort orders by the full name after the hash.  Escaped
 * names are decoded on the fly, so every spelling of a name hashes alike:
 * both paths build the words as little-endian numbers of the bytes.
 */

static uint32_t
pv_json_hash_name(const pv_u_char *p, size_t len, size_t start, size_t end,
    int escaped)
{
    int               c;
    size_t            i, n;
    uint64_t          a, b, h;
    pv_u_char         first[8], last[8];
    const pv_u_char  *s;
    pv_json_cursor_t  cur;

    s = p + start + 1;
    n = end - start - 2;

    if (!escaped) {

#if PV_JSON_SWAR
        if (n >= 8) {
            a = pv_json_load8(s);
            b = pv_json_load8(s + n - 8);
            goto mix;
        }

        if (len - (start + 1) >= 8) {
            /* the low bytes of a little-endian word are the first ones */
            a = pv_json_load8(s) & ((1ULL << (8 * n)) - 1);
            b = 0;
            goto mix;
        }
#else
        (void) len;
#endif

        memset(first, 0, 8);
        memset(last, 0, 8);

        if (n >= 8) {
            memcpy(first, s, 8);
            memcpy(last, s + n - 8, 8);

        } else {
            memcpy(first, s, n);
        }

    } else {
        memset(first, 0, 8);
        memset(last, 0, 8);

        pv_json_cursor_init(&cur, p, start, end);
        n = 0;

        /* last[] is a ring of the latest eight bytes */

        while ((c = pv_json_cursor_next(&cur)) != -1) {
            if (n < 8) {
                first[n] = (pv_u_char) c;
            }

            last[n % 8] = (pv_u_char) c;
            n++;
        }

        if (n < 8) {
            memset(last, 0, 8);

        } else if (n % 8) {
            pv_u_char  t[8];

            for (i = 0; i < 8; i++) {
                t[i] = last[(n + i) % 8];
            }

            memcpy(last, t, 8);
        }
    }

    a = 0;
    b = 0;

    for (i = 8; i-- > 0; /* void */) {
        a = a << 8 | first[i];
        b = b << 8 | last[i];
    }

#if PV_JSON_SWAR
mix:
#endif

    h = (a ^ (uint64_t) n) * 0x9e3779b97f4a7c15ULL;
    h ^= b * 0xc2b2ae3d27d4eb4fULL;
    h ^= h >> 29;

    return (uint32_t) (h ^ (h >> 32));
}


static void
pv_json_cursor_init(pv_json_cursor_t *cur, const pv_u_char *p, size_t start,
    size_t end)
{
    cur->p = p;
    cur->pos = start + 1;
    cur->end = end - 1;
    cur->nbuf = 0;
    cur->ibuf = 0;
}


/* the next decoded byte, or -1 at the end of the string */

static int
pv_json_cursor_next(pv_json_cursor_t *cur)
{
    if (cur->ibuf < cur->nbuf) {
        return cur->buf[cur->ibuf++];
    }

    if (cur->pos >= cur->end) {
        return -1;
    }

    if (cur->p[cur->pos] != '\\') {
        return cur->p[cur->pos++];
    }

    cur->nbuf = pv_json_unescape(cur->p, &cur->pos, cur->end, cur->buf);
    cur->ibuf = 1;

    return cur->buf[0];
}


/*
 * Decodes the escape at p[*ppos] (before end) into UTF-8 in out[4];
 * returns the number of bytes.  The text is assumed valid, but a short
 * escape is read as literal bytes rather than past end.
 */

static unsigned
pv_json_unescape(const pv_u_char *p, size_t *ppos, size_t end,
    pv_u_char *out)
{
    size_t    i;
    unsigned  cp, lo;

    i = *ppos + 1;

    if (i >= end) {
        out[0] = '\\';
        *ppos = i;
        return 1;
    }

    switch (p[i]) {

    case 'b':
        out[0] = '\b';
        break;

    case 'f':
        out[0] = '\f';
        break;

    case 'n':
        out[0] = '\n';
        break;

    case 'r':
        out[0] = '\r';
        break;

    case 't':
        out[0] = '\t';
        break;

    case 'u':
        if (end - i < 5) {
            out[0] = 'u';
            break;
        }

        cp = pv_json_hex4(p + i + 1) & 0xffff;
        i += 5;

        if (cp >= 0xd800 && cp <= 0xdbff && end - i >= 6
            && p[i] == '\\' && p[i + 1] == 'u')
        {
            lo = pv_json_hex4(p + i + 2);

            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
        }

        *ppos = i;

        if (cp < 0x80) {
            out[0] = (pv_u_char) cp;
            return 1;
        }

        if (cp < 0x800) {
            out[0] = (pv_u_char) (0xc0 | (cp >> 6));
            out[1] = (pv_u_char) (0x80 | (cp & 0x3f));
            return 2;
        }

        if (cp < 0x10000) {
            out[0] = (pv_u_char) (0xe0 | (cp >> 12));
            out[1] = (pv_u_char) (0x80 | ((cp >> 6) & 0x3f));
            out[2] = (pv_u_char) (0x80 | (cp & 0x3f));
            return 3;
        }

        out[0] = (pv_u_char) (0xf0 | (cp >> 18));
        out[1] = (pv_u_char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (pv_u_char) (0x80 | ((cp >> 6) & 0x3f));
        out[3] = (pv_u_char) (0x80 | (cp & 0x3f));
        return 4;

    default:            /* '"', '\\', '/' */
        out[0] = p[i];
        break;
    }

    *ppos = i + 1;

    return 1;
}


/* four hex digits; a value above 0xffff means one was not a hex digit */

static unsigned
pv_json_hex4(const pv_u_char *p)
{
    unsigned  v, d, i;

    v = 0;

    for (i = 0; i < 4; i++) {
        d = pv_json_hex[p[i]];

        if (d > 15) {
            return 0x10000;
        }

        v = v << 4 | d;
    }

    return v;
}


size_t
pv_json_skip_ws(const pv_u_char *p, size_t len, size_t pos)
{
    while (pos < len && pv_json_is_ws(p[pos])) {
        pos++;
    }

    return pos;
}


/*
 * One past the closing quote of the string at pos; len if unterminated.
 * Only '"' and '\\' matter here: an escape is stepped over whole, so an
 * escaped quote never ends the string.
 */

static inline size_t
pv_json_string_end(const pv_u_char *p, size_t len, size_t pos)
{
    size_t    i;
#if PV_JSON_SWAR
    uint64_t  m;
#endif

    i = pos + 1;

    while (i < len) {

#if PV_JSON_SWAR
        while (len - i >= 8) {
            m = pv_json_quote8(pv_json_load8(p + i));

            if (m != 0) {
                i += pv_json_first8(m);
                goto found;
            }

            i += 8;
        }
#endif

        while (i < len && p[i] != '"' && p[i] != '\\') {
            i++;
        }

        if (i == len) {
            break;
        }

#if PV_JSON_SWAR
    found:
#endif

        if (p[i] == '"') {
            return i + 1;
        }

        /* '\\' and the byte it escapes; \uXXXX's digits are plain */

        i += 2;
    }

    return len;
}


size_t
pv_json_value_end(const pv_u_char *p, size_t len, size_t pos)
{
    size_t     depth;
    pv_u_char  c;

    if (pos >= len) {
        return len;
    }

    switch (p[pos]) {

    case '"':
        return pv_json_string_end(p, len, pos);

    case '{':
    case '[':
        depth = 0;

        while (pos < len) {

            switch (pv_json_struct[p[pos]]) {

            case 0:
                pos++;
                continue;

            case PV_JSON_S_QUOTE:
                pos = pv_json_string_end(p, len, pos);
                continue;

            case PV_JSON_S_OPEN:
                depth++;
                break;

            default: /* PV_JSON_S_CLOSE */
                if (--depth == 0) {
                    return pos + 1;
                }

                break;
            }

            pos++;
        }

        return len;

    case 't':
    case 'n':
        return len - pos < 4 ? len : pos + 4;

    case 'f':
        return len - pos < 5 ? len : pos + 5;

    default:
        while (pos < len) {
            c = p[pos];

            if (!(pv_json_is_digit(c) || c == '-' || c == '+' || c == '.'
                  || c == 'e' || c == 'E'))
            {
                break;
            }

            pos++;
        }

        return pos;
    }
}


pv_json_type_e
pv_json_type_at(const pv_u_char *p, size_t pos)
{
    return pv_json_type_of(p[pos]);
}


static inline pv_json_type_e
pv_json_type_of(pv_u_char c)
{
    switch (c) {

    case '{':
        return PV_JSON_OBJECT;

    case '[':
        return PV_JSON_ARRAY;

    case '"':
        return PV_JSON_STRING;

    case 't':
        return PV_JSON_TRUE;

    case 'f':
        return PV_JSON_FALSE;

    case 'n':
        return PV_JSON_NULL;

    default:
        return PV_JSON_NUMBER;
    }
}


void
pv_json_iter_init(pv_json_iter_t *it, const pv_u_char *p, size_t len,
    size_t open)
{
    it->p = p;
    it->len = len;
    it->pos = open + 1;
    it->object = (open < len && p[open] == '{');
    it->done = (open >= len);
    it->index = NULL;
    it->span = 0;
    it->item_span = (size_t) -1;
}


void
pv_json_iter_init_index(pv_json_iter_t *it, const pv_u_char *p, size_t len,
    size_t open, const pv_json_index_t *index)
{
    size_t  k;

    pv_json_iter_init(it, p, len, open);

    if (index == NULL || it->done) {
        return;
    }

    k = pv_json_span_find(index, open);

    if (k != (size_t) -1) {
        it->index = index;
        it->span = k + 1;
    }
}


void
pv_json_iter_init_item(pv_json_iter_t *it, const pv_json_iter_t *parent,
    const pv_json_item_t *item)
{
    size_t  k;

    k = parent->item_span;

    if (parent->index == NULL || k == (size_t) -1
        || parent->index->spans[k].open != item->start)
    {
        pv_json_iter_init_index(it, parent->p, parent->len, item->start,
                                parent->index);
        return;
    }

    pv_json_iter_init(it, parent->p, parent->len, item->start);

    it->index = parent->index;
    it->span = k + 1;
}


int
pv_json_iter_next(pv_json_iter_t *it, pv_json_item_t *item)
{
    size_t                  pos, len, k;
    pv_u_char               c;
    const pv_u_char        *p;
    const pv_json_index_t  *index;

    if (it->done) {
        return 0;
    }

    p = it->p;
    len = it->len;
    pos = it->pos;

    while (pos < len && pv_json_is_ws(p[pos])) {
        pos++;
    }

    if (pos < len && p[pos] == ',') {
        pos++;

        while (pos < len && pv_json_is_ws(p[pos])) {
            pos++;
        }
    }

    if (pos >= len || p[pos] == '}' || p[pos] == ']') {
        it->pos = pos;
        it->done = 1;
        return 0;
    }

    if (it->object) {
        item->key_start = pos;
        item->key_end = pv_json_string_end(p, len, pos);

        pos = item->key_end;

        while (pos < len && pv_json_is_ws(p[pos])) {
            pos++;
        }

        if (pos < len && p[pos] == ':') {
            pos++;

            while (pos < len && pv_json_is_ws(p[pos])) {
                pos++;
            }
        }

    } else {
        item->key_start = pos;
        item->key_end = pos;
    }

    if (pos >= len) {
        it->pos = len;
        it->done = 1;
        return 0;
    }

    item->start = pos;
    c = p[pos];
    index = it->index;
    it->item_span = (size_t) -1;

    if (c == '"') {
        item->end = pv_json_string_end(p, len, pos);

    } else if (index != NULL && (c == '{' || c == '[')) {

        /* the nested containers come in the order of the index */

        k = it->span;

        if (k >= index->n || index->spans[k].open != pos) {
            k = pv_json_span_find(index, pos);
        }

        if (k != (size_t) -1) {
            item->end = index->spans[k].close + 1;
            it->span = index->spans[k].next;
            it->item_span = k;

        } else {
            item->end = pv_json_value_end(p, len, pos);
        }

    } else {
        item->end = pv_json_value_end(p, len, pos);
    }

    item->type = pv_json_type_of(c);

    it->pos = item->end;

    return 1;
}


size_t
pv_json_string_decode(const pv_u_char *p, size_t start, size_t end,
    pv_u_char *out)
{
    size_t            i, e, run;
    pv_u_char        *o;
    const pv_u_char  *q;

    i = start + 1;
    e = end - 1;
    o = out;

    while (i < e) {
        q = memchr(p + i, '\\', e - i);
        run = (q == NULL) ? e - i : (size_t) (q - (p + i));

        memcpy(o, p + i, run);
        o += run;
        i += run;

        if (i < e) {
            o += pv_json_unescape(p, &i, e, o);
        }
    }

    return (size_t) (o - out);
}


int
pv_json_string_eq(const pv_u_char *p, size_t start, size_t end,
    const pv_u_char *name, size_t len)
{
    int               c;
    size_t            i, raw;
    pv_json_cursor_t  cur;

    raw = end - start - 2;

    /*
     * An escape is longer than the byte or bytes it stands for, so the
     * raw bytes are never fewer than the decoded ones, and as many only
     * without a backslash: most names differ from name in length alone.
     */

    if (raw < len) {
        return 0;
    }

    if (raw == len) {
        return memcmp(p + start + 1, name, len) == 0
               && memchr(p + start + 1, '\\', raw) == NULL;
    }

    if (memchr(p + start + 1, '\\', raw) == NULL) {
        return 0;
    }

    pv_json_cursor_init(&cur, p, start, end);

    for (i = 0; i < len; i++) {
        c = pv_json_cursor_next(&cur);

        if (c != name[i]) {
            return 0;
        }
    }

    return pv_json_cursor_next(&cur) == -1;
}


size_t
pv_json_quote(const pv_u_char *s, size_t len, pv_u_char *out)
{
    size_t                   i, run;
    pv_u_char                c, *o;
#if PV_JSON_SWAR
    uint64_t                 x;
#endif
    static const pv_u_char   hex[] = "0123456789abcdef";

    o = out;
    *o++ = '"';

    for (i = 0; i < len; i++) {

#if PV_JSON_SWAR
        /* printable ASCII, eight bytes at a time (out has room for it) */

        while (len - i >= 8) {
            x = pv_json_load8(s + i);

            if (pv_json_special8(x) != 0) {
                break;
            }

            memcpy(o, &x, 8);
            o += 8;
            i += 8;
        }

        if (i == len) {
            break;
        }
#endif

        /* runs of bytes that need no escape are copied whole */

        for (run = i; run < len && !pv_json_quote_special[s[run]]; run++) {
            /* void */
        }

        if (run != i) {
            memcpy(o, s + i, run - i);
            o += run - i;
            i = run;

            if (i == len) {
                break;
            }
        }

        c = s[i];

        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = c;
            continue;
        }

        if (c < 0x20) {
            *o++ = '\\';

            switch (c) {

            case '\b':
                *o++ = 'b';
                break;

            case '\f':
                *o++ = 'f';
                break;

            case '\n':
                *o++ = 'n';
                break;

            case '\r':
                *o++ = 'r';
                break;

            case '\t':
                *o++ = 't';
                break;

            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 0xf];
                break;
            }

            continue;
        }

        /* U+2028 and U+2029 end lines in JavaScript: escape them */

        if (len - i >= 3 && s[i + 1] == 0x80
            && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
        {
            memcpy(o, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            o += 6;
            i += 2;
            continue;
        }

        *o++ = c;                                   /* another 0xe2 */
    }

    *o++ = '"';

    return (size_t) (o - out);
}
