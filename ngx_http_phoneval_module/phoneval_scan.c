
/*
 * Copyright (C) phoneval authors
 *
 * The one-pass contact scan: validates a body and records its contacts
 * in a single read of the bytes.  The full path of pv_doc_scan() reads a
 * contact's members twice (validation, then the member walk) and keeps
 * general bookkeeping for any object size and depth; this pass keeps a
 * small fixed one and hands everything it does not cover back to the
 * full path, which also owns every error message.  The fuzzer and the
 * unit tests check that both paths give the same document.
 */


#include <string.h>

#include "phoneval_core.h"
#include "phoneval_json_word.h"
#include "phoneval_scan.h"


#define PV_SCAN_DEPTH       32     /* deeper documents: the full path */
#define PV_SCAN_NAMES       32     /* names in one object, likewise */
#define PV_SCAN_FEW         4      /* names of an object that needs no
                                      dispatch compared one by one */
#define PV_SCAN_OPEN_NAMES  256    /* names of all open objects */
#define PV_SCAN_CONTACTS    16     /* first allocation of a contact list */
#define PV_SCAN_CONTACT_BYTES  512 /* and one per this many bytes left */
#define PV_SCAN_ENTRIES     16     /* first allocation of customFields
                                      entries */
#define PV_SCAN_ENTRY_BYTES 256    /* and one per this many bytes left, */
#define PV_SCAN_ENTRIES_MAX 4096   /* at most this many: a long string is
                                      no list of entries */


typedef enum {
    PV_SCAN_NONE = 0,
    PV_SCAN_ROOT,                  /* the root object */
    PV_SCAN_LIST,                  /* the root array or the bulk array */
    PV_SCAN_CONTACT,               /* an element of a list */
    PV_SCAN_CF,                    /* the customFields array of a contact */
    PV_SCAN_CF_ENTRY               /* an object element of one */
} pv_scan_role_e;


typedef struct {
    size_t                   key_start;   /* the member being read */
    size_t                   key_end;
    uint64_t                 key_word;    /* its first bytes, as hashed */
    size_t                   key_len;     /* its name's length */
    size_t                   value;       /* its value's first byte */
    size_t                   span;        /* the container's index slot */
    uint64_t                 filter[8];   /* a bit per name hash, cleared
                                             where hashing starts */
    struct pv_scan_name_s   *names;       /* its first name record */
    struct pv_scan_name_s   *names_end;   /* and the last it may have */
    pv_contact_t            *contact;     /* of a ROOT or CONTACT frame */
    pv_contact_t            *owner;       /* of a CF frame */
    size_t                   entry;       /* of a CF_ENTRY frame */
    pv_u_char                object;
    pv_u_char                role;
    pv_u_char                close;       /* '}' or ']' */
    pv_u_char                key_slot;    /* pv_scan_slot() of the name */
    pv_u_char                hook;        /* its values are recorded:
                                             any role but NONE and LIST */
    pv_u_char                want;        /* FOLLOW: pv_scan_wanted() of
                                             the member at hand */
    int                      have_country;
} pv_scan_frame_t;


typedef struct pv_scan_name_s {
    uint64_t                 hash;
    size_t                   start;       /* first byte after the quote */
    size_t                   len;
} pv_scan_name_t;


/*
 * The contacts of a list mostly have one shape: the same members in the
 * same order, written the same way, with other values.  A contact's
 * bytes outside its values are kept as chunks, each from the end of a
 * value (or a bracket) through the first byte of the next value (or the
 * next closing bracket): ", \"lastName\": \"", "}".  The next contact
 * is read against them: a chunk that matches the bytes at hand needs no
 * name read, no separator test and no duplicate check, since the same
 * bytes in the same place are valid and name what the last contact's
 * object had; only the values are read.  Where a chunk differs, the
 * contact's names read so far are hashed and it is read as any other,
 * its own chunks kept from there for the next one.
 */

typedef struct {
    size_t                   from;        /* the chunk's bytes in the body */
    uint32_t                 mask;        /* a bit per byte, up to 32; 0:
                                             longer */
    uint32_t                 len;
    uint32_t                 name;        /* MEMBER: the name's '"', from
                                             the chunk's start */
    uint32_t                 nlen;        /* MEMBER: the name's length */
    pv_u_char                kind;
    pv_u_char                slot;        /* MEMBER: pv_scan_name()'s */
    pv_u_char                want;        /* MEMBER of a contact: its
                                             pv_scan_wanted() */
    uint64_t                 word;        /* MEMBER: pv_scan_name()'s */
} pv_scan_chunk_t;

#define PV_SCAN_MEMBER   0
#define PV_SCAN_ELEMENT  1
#define PV_SCAN_END      2               /* through a closing bracket */

#define PV_SCAN_CHUNKS   64              /* first allocation of a shape */

#define PV_SCAN_PLAIN_MODE  0            /* not in a contact of a list */
#define PV_SCAN_RECORD      1            /* keeping the contact's chunks */
#define PV_SCAN_FOLLOW      2            /* reading it against the last's */


/* a member name pv_doc_member() looks for, by length and first bytes */

typedef struct {
    uint64_t                 word;
    size_t                   len;
    const pv_u_char         *name;
    unsigned                 names;       /* PV_DOC_NAME_*: all it is */
} pv_scan_wanted_t;

#define PV_SCAN_WANTED  6
#define PV_SCAN_SHARED  0xff

struct pv_doc_want_s {
    size_t                   nwanted;
    pv_scan_wanted_t         wanted[PV_SCAN_WANTED];
    pv_u_char                slots[64];     /* by pv_scan_slot(): 0 none,
                                               k: wanted[k - 1],
                                               PV_SCAN_SHARED: several */
};

/* a wanted name's slot, from its length and first bytes */
#define pv_scan_slot(word, n)                                                 \
    (unsigned) ((((word) ^ (uint64_t) (n)) * 0x9e3779b97f4a7c15ULL) >> 58)


typedef struct {
    const pv_u_char         *p;
    size_t                   len;
    const pv_doc_conf_t     *conf;
    pv_pool_t               *pool;
    pv_json_index_t         *index;
    pv_contact_t             root;
    pv_contact_t            *list;
    size_t                   nlist;
    size_t                   cap;
    size_t                   bulk;        /* the bulk array's '[' or 0 */
    pv_cf_entry_t           *entries;     /* of all customFields arrays */
    size_t                   nentries;
    size_t                   entries_cap;
    pv_scan_name_t          *top;         /* past the last name record */
    const pv_doc_want_t     *want;
    int                      no_index;    /* conf->no_index */
    pv_scan_chunk_t         *chunks;      /* the shape */
    size_t                   nchunks;     /* of the last whole contact,
                                             0: none yet */
    size_t                   chunks_cap;
    size_t                   ev;          /* the contact's next chunk */
    size_t                   from;        /* where its chunk at hand began */
    pv_scan_frame_t         *cframe;      /* the contact's frame */
    int                      mode;        /* PV_SCAN_PLAIN_MODE, ... */
    pv_scan_frame_t          frames[PV_SCAN_DEPTH];
    pv_scan_name_t           names[PV_SCAN_OPEN_NAMES];
} pv_scan_t;


/* both the plain and the shape-following reads inline these */
static inline int pv_scan_open(pv_scan_t *s, pv_scan_frame_t *parent,
    pv_scan_frame_t *f, size_t pos, int object)
    __attribute__((always_inline));
static int pv_scan_is_bulk(pv_scan_t *s, const pv_scan_frame_t *f);
static void *pv_scan_grow(pv_scan_t *s, void *old, size_t n, size_t *cap,
    size_t size, size_t pos, size_t bytes, size_t min, size_t max);
static pv_contact_t *pv_scan_add_contact(pv_scan_t *s, size_t pos);
static int pv_scan_member(pv_scan_t *s, pv_scan_frame_t *f, size_t end);
static inline int pv_scan_wanted(pv_scan_t *s, pv_scan_frame_t *f);
static int pv_scan_wanted_member(pv_scan_t *s, pv_scan_frame_t *f,
    size_t end, int i);
static pv_cf_entry_t *pv_scan_add_entry(pv_scan_t *s, pv_scan_frame_t *cf,
    size_t pos);
static int pv_scan_cf_element(pv_scan_t *s, pv_scan_frame_t *f, size_t end);
static void pv_scan_cf_member(pv_scan_t *s, pv_scan_frame_t *f, size_t end);
static int pv_scan_name(pv_scan_t *s, pv_scan_frame_t *f,
    const pv_u_char *p, size_t len, size_t start, size_t end);
static inline int pv_scan_hook(pv_scan_t *s, pv_scan_frame_t *f,
    size_t end) __attribute__((always_inline));
static void pv_scan_filter_few(pv_scan_frame_t *f, const pv_u_char *p,
    size_t len, pv_scan_name_t *end);
static int pv_scan_chunk(pv_scan_t *s, pv_scan_frame_t *f, size_t pos,
    int kind);
static void pv_scan_desync(pv_scan_t *s, pv_scan_frame_t *f);
static inline int pv_scan_same(const pv_u_char *p, size_t len, size_t pos,
    size_t lim32, const pv_scan_chunk_t *e) __attribute__((always_inline));
static int pv_scan_finish(pv_scan_t *s, pv_doc_t *doc);
static void pv_scan_want(pv_doc_want_t *want, const pv_u_char *name,
    size_t len, unsigned names);
static uint64_t pv_scan_word(const pv_u_char *q, size_t n, size_t avail);


/* the type of the value whose first byte is c, in a valid text */

static inline pv_json_type_e
pv_scan_type(pv_u_char c)
{
    switch (c) {

    case '"':
        return PV_JSON_STRING;

    case '{':
        return PV_JSON_OBJECT;

    case '[':
        return PV_JSON_ARRAY;

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


/*
 * Most gaps are empty or one space (", " and ": " of the usual
 * serializers): a test or two each before the loop.  pv_scan_ws1() is
 * for the gaps after ',' and ':', which are mostly one space.
 */

#define pv_scan_ws(p, len, pos)                                               \
    do {                                                                      \
        if (pos < len && p[pos] <= ' ') {                                     \
            if (p[pos] == ' ' && len - pos > 1 && p[pos + 1] > ' ') {        \
                pos++;                                                        \
                                                                              \
            } else {                                                          \
                while (pos < len && pv_json_is_ws(p[pos])) {                  \
                    pos++;                                                    \
                }                                                             \
            }                                                                 \
        }                                                                     \
    } while (0)

#define pv_scan_ws1(p, len, pos)                                              \
    do {                                                                      \
        if (len - pos > 1 && p[pos] == ' ' && p[pos + 1] > ' ') {            \
            pos++;                                                            \
                                                                              \
        } else {                                                              \
            while (pos < len && pv_json_is_ws(p[pos])) {                      \
                pos++;                                                        \
            }                                                                 \
        }                                                                     \
    } while (0)


/*
 * The three bytes at q are ", \"" (pv_scan_comma_quote()), the two are
 * one load where words are read.  Four bytes from q must be in the
 * input.
 */

#if PV_JSON_SWAR

static inline uint32_t
pv_scan_load4(const pv_u_char *q)
{
    uint32_t  w;

    memcpy(&w, q, 4);

    return w;
}

#define pv_scan_comma_quote(q)                                                \
    ((pv_scan_load4(q) & 0xffffff) == (',' | ' ' << 8 | '"' << 16))
#define pv_scan_colon_space(q)                                                \
    ((pv_scan_load4(q) & 0xffff) == (':' | ' ' << 8))

#else

#define pv_scan_comma_quote(q)                                                \
    ((q)[0] == ',' && (q)[1] == ' ' && (q)[2] == '"')
#define pv_scan_colon_space(q)  ((q)[0] == ':' && (q)[1] == ' ')

#endif


#if PV_JSON_SSE2

/* a bit per byte of v that is '"', '\\', a control byte or above 0x7f */

#define pv_scan_special(v)                                                    \
    (unsigned) _mm_movemask_epi8(                                             \
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),     \
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),   \
                     _mm_cmplt_epi8(v, _mm_set1_epi8(' '))))


/*
 * pv_scan_plain() for what its one load does not cover: strings longer
 * than sixteen bytes (pos is then sixteen bytes into the string), and
 * strings near the input's end, whose last bytes are read as part of the
 * input's last sixteen.
 */

static __attribute__((noinline)) size_t
pv_scan_plain_end(const pv_u_char *p, size_t len, size_t pos)
{
    unsigned  m;
    __m128i   v;

    pos++;

    while (len - pos >= 16) {
        v = _mm_loadu_si128((const __m128i *) (p + pos));
        m = pv_scan_special(v);

        if (m != 0) {
            goto found;
        }

        pos += 16;
    }

    if (pos == len) {
        return 0;
    }

    if (len < 16) {
        while (pos < len && pv_json_str_class[p[pos]] == PV_JSON_C_PLAIN) {
            pos++;
        }

        return (pos < len && p[pos] == '"') ? pos + 1 : 0;
    }

    /* bit i of the last sixteen bytes is p[len - 16 + i] */

    v = _mm_loadu_si128((const __m128i *) (p + len - 16));
    m = pv_scan_special(v) >> (16 - (len - pos));

    if (m == 0) {
        return 0;
    }

found:

    pos += (unsigned) __builtin_ctz(m);

    return p[pos] == '"' ? pos + 1 : 0;
}


/*
 * The plain string whose opening quote is at pos, as pv_json_plain_string()
 * reads it, with the first sixteen bytes inlined: most names and values
 * end there.  lim16 is len - 16 (0 if less): seventeen bytes from a pos
 * below it are in the input.
 */

static inline __attribute__((always_inline)) size_t
pv_scan_plain(const pv_u_char *p, size_t len, size_t pos, size_t lim16)
{
    unsigned  m;
    __m128i   v;

    if (pos >= lim16) {
        return pv_scan_plain_end(p, len, pos);
    }

    v = _mm_loadu_si128((const __m128i *) (p + pos + 1));
    m = pv_scan_special(v);

    if (m == 0) {
        return pv_scan_plain_end(p, len, pos + 16);
    }

    pos += 1 + (unsigned) __builtin_ctz(m);

    return p[pos] == '"' ? pos + 1 : 0;
}

#else

#define pv_scan_plain(p, len, pos, lim16)                                     \
    ((void) (lim16), pv_json_plain_string(p, len, pos))

#endif


int
pv_scan_doc(const pv_u_char *p, size_t len, const pv_doc_conf_t *conf,
    unsigned max_depth, pv_pool_t *pool, pv_doc_t *doc)
{
    int               esc, rc, opened;
    size_t            pos, depth, start, lim, lim16, lim32;
    pv_u_char         c;
    pv_json_span_t   *span;
    pv_scan_name_t   *k;
    pv_scan_frame_t  *f, *nf;
    pv_scan_chunk_t  *e, *eend;
    pv_json_fault_t   fault;
    pv_doc_want_t     want;
    pv_scan_t         s;

    s.p = p;
    s.len = len;
    s.conf = conf;
    s.pool = pool;
    s.index = doc->index;
    s.list = NULL;
    s.nlist = 0;
    s.cap = 0;
    s.bulk = 0;
    s.entries = NULL;
    s.nentries = 0;
    s.entries_cap = 0;
    s.top = s.names;
    s.want = conf->want;
    s.no_index = conf->no_index;
    s.chunks = NULL;
    s.nchunks = 0;
    s.chunks_cap = 0;
    s.ev = 0;
    s.from = 0;
    s.cframe = NULL;
    s.mode = PV_SCAN_PLAIN_MODE;

    if (s.want == NULL) {
        pv_doc_want_init(&want, conf);
        s.want = &want;
    }

    depth = 0;
    f = NULL;
    esc = 0;
    pos = 0;
    e = NULL;
    eend = NULL;
    opened = 0;

    /* pos < lim: four bytes from pos are in the input */
    lim = len > 3 ? len - 3 : 0;
    lim16 = len > 16 ? len - 16 : 0;
    lim32 = len > 32 ? len - 32 : 0;

    pv_scan_ws(p, len, pos);

    if (pos == len || (p[pos] != '{' && p[pos] != '[')) {
        return PV_SCAN_SLOW;                 /* no contact root */
    }

value:

    /* a value starts at pos; f is the container that holds it, if any */

    if (pos == len) {
        return PV_SCAN_SLOW;
    }

    if (s.mode == PV_SCAN_RECORD) {
        rc = pv_scan_chunk(&s, f, pos, f->object ? PV_SCAN_MEMBER
                                                 : PV_SCAN_ELEMENT);
        if (rc != PV_SCAN_OK) {
            return rc;
        }
    }

    c = p[pos];

    /* most values are strings */

    if (c == '"') {

string:

        /* a string value starts at pos */

        start = pv_scan_plain(p, len, pos, lim16);
        pos = start ? start : pv_json_string_at(p, len, pos, &esc, &fault);

        if (pos == 0) {
            return PV_SCAN_SLOW;
        }

        goto after;
    }

    if (c == '{' || c == '[') {
        if (depth == PV_SCAN_DEPTH || depth >= max_depth) {
            return PV_SCAN_SLOW;
        }

        nf = (f == NULL) ? s.frames : f + 1;

        rc = pv_scan_open(&s, f, nf, pos, c == '{');
        if (rc != PV_SCAN_OK) {
            return rc;
        }

        f = nf;
        depth++;
        pos++;
        s.from = pos;

        /* a contact of a list the last one's shape may fit */

        if (s.mode == PV_SCAN_FOLLOW) {
            opened = 1;
            e = s.chunks;
            eend = s.chunks + s.nchunks;
            goto follow;
        }

first:

        /* mostly a name follows the brace at once */

        if (c == '{' && pos < len && p[pos] == '"') {
            goto quoted;
        }

        pv_scan_ws(p, len, pos);

        if (pos == len) {
            return PV_SCAN_SLOW;
        }

        if (p[pos] == (c == '{' ? '}' : ']')) {
            goto close;
        }

        if (c == '{') {
            goto name;
        }

        goto element;
    }

    switch (c) {

    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        pos = pv_json_number_at(p, len, pos, &fault);
        break;

    case 't':
        pos = (len - pos >= 4 && memcmp(p + pos, "true", 4) == 0)
              ? pos + 4 : 0;
        break;

    case 'f':
        pos = (len - pos >= 5 && memcmp(p + pos, "false", 5) == 0)
              ? pos + 5 : 0;
        break;

    case 'n':
        pos = (len - pos >= 4 && memcmp(p + pos, "null", 4) == 0)
              ? pos + 4 : 0;
        break;

    default:
        return PV_SCAN_SLOW;
    }

    if (pos == 0) {
        return PV_SCAN_SLOW;
    }

after:

    /* a value ended at pos inside f (the root's end is found at close) */

    if (f->hook) {
        rc = pv_scan_hook(&s, f, pos);
        if (rc != PV_SCAN_OK) {
            return rc;
        }
    }

    s.from = pos;

separator:

    /* ", \"" between members, the usual way */

    if (pos < lim && f->object && pv_scan_comma_quote(p + pos)) {
        pos += 2;
        goto quoted;
    }

    pv_scan_ws(p, len, pos);

    if (pos == len) {
        return PV_SCAN_SLOW;
    }

    c = p[pos];

    if (c == ',') {
        pos++;
        pv_scan_ws1(p, len, pos);

        if (f->object) {
            goto name;
        }

        goto element;
    }

    if (c != f->close) {
        return PV_SCAN_SLOW;
    }

close:

    /* p[pos] closes the container of f */

    if (s.mode == PV_SCAN_RECORD) {
        rc = pv_scan_chunk(&s, f, pos, PV_SCAN_END);
        if (rc != PV_SCAN_OK) {
            return rc;
        }

        if (f == s.cframe) {
            /* the contact's shape is the next one's */
            s.nchunks = s.ev;
            s.mode = PV_SCAN_PLAIN_MODE;
        }
    }

    if (f->span != PV_JSON_NO_SPAN) {
        span = &s.index->spans[f->span];
        span->close = pos;
        span->next = s.index->n;
    }

    if (f->contact != NULL) {
        f->contact->close = pos;
    }

    s.top = f->names;
    pos++;

    if (--depth == 0) {
        pv_scan_ws(p, len, pos);
        return pos == len ? pv_scan_finish(&s, doc) : PV_SCAN_SLOW;
    }

    f--;

    goto after;

name:

    if (pos == len || p[pos] != '"') {
        return PV_SCAN_SLOW;
    }

quoted:

    /* a member name starts at pos, p[pos] is '"' */

    start = pos;
    pos = pv_scan_plain(p, len, start, lim16);

    if (pos == 0) {
        esc = 0;
        pos = pv_json_string_at(p, len, start, &esc, &fault);

        /* an escaped name needs decoding to compare: the full path does it */

        if (pos == 0 || esc) {
            return PV_SCAN_SLOW;
        }
    }

    if (pv_scan_name(&s, f, p, len, start, pos) != 0) {
        return PV_SCAN_SLOW;
    }

    f->key_start = start;
    f->key_end = pos;

    /* the colon mostly follows the name at once, and one space it */

    if (pos < lim && pv_scan_colon_space(p + pos)) {
        if (p[pos + 2] == '"') {
            pos += 2;
            f->value = pos;

            if (s.mode == PV_SCAN_RECORD) {
                rc = pv_scan_chunk(&s, f, pos, PV_SCAN_MEMBER);
                if (rc != PV_SCAN_OK) {
                    return rc;
                }
            }

            goto string;
        }

        if (p[pos + 2] > ' ') {
            pos += 2;
            f->value = pos;
            goto value;
        }
    }

    if (pos == len || p[pos] != ':') {
        pv_scan_ws(p, len, pos);

        if (pos == len || p[pos] != ':') {
            return PV_SCAN_SLOW;
        }
    }

    pos++;
    pv_scan_ws1(p, len, pos);

    f->value = pos;

    goto value;

element:

    /* an element of f's array starts at pos: a list holds only objects */

    if (pos == len || (f->role == PV_SCAN_LIST && p[pos] != '{')) {
        return PV_SCAN_SLOW;
    }

    f->value = pos;

    goto value;

follow:

    /* pos: where the contact's next chunk should be, in f */

    if (e == eend || !pv_scan_same(p, len, pos, lim32, e)) {

        /* the contact leaves the shape here: read on as any, keeping it */

        s.ev = e - s.chunks;
        pv_scan_desync(&s, f);
        s.from = pos;

        if (opened) {
            c = f->object ? '{' : '[';
            goto first;
        }

        goto separator;
    }

    start = pos;
    pos += e->len - 1;             /* a value's first byte, or a bracket */

    if (e->kind == PV_SCAN_END) {
        e++;
        goto follow_close;
    }

    if (e->kind == PV_SCAN_MEMBER) {
        k = s.top++;
        k->start = start + e->name + 1;
        k->len = e->nlen;

        /* what the hooks and a nested container's opening read */

        if (f->hook) {
            f->key_start = start + e->name;
            f->key_end = f->key_start + e->nlen + 2;
            f->key_len = e->nlen;
            f->key_word = e->word;
            f->key_slot = e->slot;
            f->want = e->want;
        }
    }

    e++;
    f->value = pos;
    c = p[pos];

    if (c == '"') {
        start = pv_scan_plain(p, len, pos, lim16);
        pos = start ? start : pv_json_string_at(p, len, pos, &esc, &fault);

        if (pos == 0) {
            return PV_SCAN_SLOW;
        }

        goto follow_after;
    }

    if (c == '{' || c == '[') {
        if (depth == PV_SCAN_DEPTH || depth >= max_depth) {
            return PV_SCAN_SLOW;
        }

        nf = f + 1;

        rc = pv_scan_open(&s, f, nf, pos, c == '{');
        if (rc != PV_SCAN_OK) {
            return rc;
        }

        f = nf;
        depth++;
        pos++;
        opened = 1;

        goto follow;
    }

    switch (c) {

    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        pos = pv_json_number_at(p, len, pos, &fault);
        break;

    case 't':
        pos = (len - pos >= 4 && memcmp(p + pos, "true", 4) == 0)
              ? pos + 4 : 0;
        break;

    case 'f':
        pos = (len - pos >= 5 && memcmp(p + pos, "false", 5) == 0)
              ? pos + 5 : 0;
        break;

    case 'n':
        pos = (len - pos >= 4 && memcmp(p + pos, "null", 4) == 0)
              ? pos + 4 : 0;
        break;

    default:
        return PV_SCAN_SLOW;
    }

    if (pos == 0) {
        return PV_SCAN_SLOW;
    }

follow_after:

    /*
     * a value ended at pos inside f: of a contact's member only the end
     * is kept unless the chunk named a wanted one
     */

    if (f->hook) {
        if (f->contact == NULL) {
            rc = pv_scan_hook(&s, f, pos);

        } else if (f->want) {
            rc = pv_scan_wanted_member(&s, f, pos, f->want);

        } else {
            f->contact->members_end = pos;
            rc = PV_SCAN_OK;
        }

        if (rc != PV_SCAN_OK) {
            return rc;
        }
    }

    opened = 0;

    goto follow;

follow_close:

    /* p[pos] closes the container of f, as at close */

    if (f->span != PV_JSON_NO_SPAN) {
        span = &s.index->spans[f->span];
        span->close = pos;
        span->next = s.index->n;
    }

    if (f->contact != NULL) {
        f->contact->close = pos;
    }

    s.top = f->names;
    pos++;
    depth--;

    if (f == s.cframe) {
        /* the contact had the last one's shape: it stays */
        s.mode = PV_SCAN_PLAIN_MODE;
        f--;
        goto after;
    }

    f--;

    goto follow_after;
}


/*
 * A container opens at pos inside parent (NULL for the root).  Its span's
 * close and next are set where it closes: a scan that does not get there
 * leaves the index to the full path, which empties it.
 */

static inline int
pv_scan_open(pv_scan_t *s, pv_scan_frame_t *parent, pv_scan_frame_t *f,
    size_t pos, int object)
{
    pv_contact_t     *c;
    pv_json_span_t   *span;
    pv_json_index_t  *index;

    index = s->index;

    if (s->no_index || index->n == PV_JSON_INDEX_MAX) {
        f->span = PV_JSON_NO_SPAN;

    } else {
        if (index->n == index->cap && pv_json_index_grow(index, s->pool) != 0)
        {
            return PV_SCAN_ENOMEM;
        }

        f->span = index->n;

        span = &index->spans[index->n++];
        span->open = pos;
    }

    f->object = (pv_u_char) object;
    f->close = object ? '}' : ']';

    f->names = s->top;
    f->names_end = s->top + PV_SCAN_NAMES;
    f->contact = NULL;
    f->role = PV_SCAN_NONE;
    f->hook = 0;

    if (f->names_end > s->names + PV_SCAN_OPEN_NAMES) {
        f->names_end = s->names + PV_SCAN_OPEN_NAMES;
    }

    /* inside a plain nested value every container is plain too */

    if (parent != NULL && parent->role == PV_SCAN_NONE) {
        return PV_SCAN_OK;
    }

    if (parent == NULL) {
        if (!f->object) {
            f->role = PV_SCAN_LIST;
            return PV_SCAN_OK;
        }

        f->role = PV_SCAN_ROOT;
        c = &s->root;
        memset(c, 0, sizeof(pv_contact_t));
        c->index = -1;

    } else if (parent->role == PV_SCAN_LIST) {
        f->role = PV_SCAN_CONTACT;

        if (s->conf->max_contacts && s->nlist == s->conf->max_contacts) {
            return PV_SCAN_SLOW;            /* the full path counts them */
        }

        c = pv_scan_add_contact(s, pos);
        if (c == NULL) {
            return PV_SCAN_ENOMEM;
        }

        /* it is read against the last contact's shape, or makes one */
        s->cframe = f;
        s->ev = 0;
        s->mode = s->nchunks ? PV_SCAN_FOLLOW : PV_SCAN_RECORD;

    } else {
        if (parent->role == PV_SCAN_ROOT && !f->object
            && pv_scan_is_bulk(s, parent))
        {
            f->role = PV_SCAN_LIST;
            s->bulk = pos;
            return PV_SCAN_OK;
        }

        /* a contact's customFields array: its entries are recorded */

        if (parent->contact != NULL && !f->object && parent->key_len == 12
            && memcmp(s->p + parent->key_start + 1, "customFields", 12) == 0)
        {
            f->role = PV_SCAN_CF;
            f->hook = 1;
            f->owner = parent->contact;
            f->owner->cf_open = pos;
            f->owner->cf_first = s->nentries;
            f->owner->cf_nentries = 0;
            return PV_SCAN_OK;
        }

        if (parent->role == PV_SCAN_CF) {
            if (pv_scan_add_entry(s, parent, pos) == NULL) {
                return PV_SCAN_ENOMEM;
            }

            if (f->object) {
                f->role = PV_SCAN_CF_ENTRY;
                f->hook = 1;
                f->entry = s->nentries - 1;
            }
        }

        return PV_SCAN_OK;
    }

    /* a contact's names are hashed from the first one */
    memset(f->filter, 0, sizeof(f->filter));

    c->open = pos;
    c->phone_state = PV_PHONE_ABSENT;
    c->members_end = pos + 1;
    c->json_index = index;
    f->contact = c;
    f->hook = 1;
    f->have_country = 0;

    return PV_SCAN_OK;
}


/*
 * The array member of the root object being opened is the bulk array:
 * the first array named bulk_field that pv_doc_member() does not take as
 * the phone.
 */

static int
pv_scan_is_bulk(pv_scan_t *s, const pv_scan_frame_t *f)
{
    size_t                n;
    const pv_u_char      *name;
    const pv_doc_conf_t  *conf;

    conf = s->conf;
    name = s->p + f->key_start + 1;
    n = f->key_end - f->key_start - 2;

    if (s->bulk != 0 || conf->bulk_field_len != n
        || memcmp(name, conf->bulk_field, n) != 0)
    {
        return 0;
    }

    return !(s->root.phone_state == PV_PHONE_ABSENT
             && conf->phone_field_len == n
             && memcmp(name, conf->phone_field, n) == 0);
}


/*
 * A full array of n elements of size bytes, grown: doubled, or at first
 * as many as the bytes left from pos allow at one per "bytes" (within
 * min and max, max 0: none), so that a bulk body seldom copies it.
 */

static void *
pv_scan_grow(pv_scan_t *s, void *old, size_t n, size_t *cap, size_t size,
    size_t pos, size_t bytes, size_t min, size_t max)
{
    size_t  c;
    void   *a;

    if (*cap) {
        c = *cap * 2;

    } else {
        c = (s->len - pos) / bytes;

        if (max && c > max) {
            c = max;
        }

        if (c < min) {
            c = min;
        }
    }

    if (c > (size_t) -1 / size) {
        return NULL;
    }

    a = pv_alloc(s->pool, c * size);
    if (a == NULL) {
        return NULL;
    }

    if (n) {
        memcpy(a, old, n * size);
    }

    *cap = c;

    return a;
}


/*
 * A contact opening at pos (a real contact takes more than
 * PV_SCAN_CONTACT_BYTES, hence the first guess).
 */

static pv_contact_t *
pv_scan_add_contact(pv_scan_t *s, size_t pos)
{
    pv_contact_t  *c;

    if (s->nlist == s->cap) {
        s->list = pv_scan_grow(s, s->list, s->nlist, &s->cap,
                               sizeof(pv_contact_t), pos,
                               PV_SCAN_CONTACT_BYTES, PV_SCAN_CONTACTS,
                               s->conf->max_contacts);
        if (s->list == NULL) {
            return NULL;
        }
    }

    c = &s->list[s->nlist];
    memset(c, 0, sizeof(pv_contact_t));
    c->index = (long) s->nlist++;

    return c;
}


/* a new element of the customFields array cf, starting at pos */

static pv_cf_entry_t *
pv_scan_add_entry(pv_scan_t *s, pv_scan_frame_t *cf, size_t pos)
{
    pv_cf_entry_t  *e;

    if (s->nentries == s->entries_cap) {
        /* a bulk body has more customFields arrays after this one */
        s->entries = pv_scan_grow(s, s->entries, s->nentries,
                                  &s->entries_cap, sizeof(pv_cf_entry_t),
                                  pos, PV_SCAN_ENTRY_BYTES, PV_SCAN_ENTRIES,
                                  PV_SCAN_ENTRIES_MAX);
        if (s->entries == NULL) {
            return NULL;
        }
    }

    e = &s->entries[s->nentries++];

    e->item.type = pv_scan_type(s->p[pos]);
    e->item.start = pos;
    e->item.end = pos;
    e->item.key_start = pos;
    e->item.key_end = pos;

    /* not a string: the rest of id and key is never read */
    e->id.type = PV_JSON_NULL;
    e->key.type = PV_JSON_NULL;

    cf->owner->cf_nentries++;

    return e;
}


/*
 * An element of the customFields array f ended at end: a container got
 * its entry when it opened, a scalar gets it now.
 */

static int
pv_scan_cf_element(pv_scan_t *s, pv_scan_frame_t *f, size_t end)
{
    pv_cf_entry_t  *e;

    if (s->p[f->value] == '{' || s->p[f->value] == '[') {
        e = &s->entries[s->nentries - 1];

    } else {
        e = pv_scan_add_entry(s, f, f->value);
        if (e == NULL) {
            return PV_SCAN_ENOMEM;
        }
    }

    e->item.end = end;

    return PV_SCAN_OK;
}


/*
 * A member of a customFields entry ended at end: "id" and "key" with
 * string values are kept (the names are not escaped in this pass).
 */

static void
pv_scan_cf_member(pv_scan_t *s, pv_scan_frame_t *f, size_t end)
{
    const pv_u_char  *name;
    pv_json_item_t   *item;

    if (s->p[f->value] != '"') {
        return;
    }

    name = s->p + f->key_start + 1;

    if (f->key_len == 2 && name[0] == 'i' && name[1] == 'd') {
        item = &s->entries[f->entry].id;

    } else if (f->key_len == 3 && memcmp(name, "key", 3) == 0) {
        item = &s->entries[f->entry].key;

    } else {
        return;
    }

    item->type = PV_JSON_STRING;
    item->start = f->value;
    item->end = end;
    item->key_start = f->key_start;
    item->key_end = f->key_end;
}


/* a value of f's container ended at end: what its role records */

static inline int
pv_scan_hook(pv_scan_t *s, pv_scan_frame_t *f, size_t end)
{
    if (f->contact != NULL) {
        return pv_scan_member(s, f, end);
    }

    if (f->role == PV_SCAN_CF_ENTRY) {
        pv_scan_cf_member(s, f, end);
        return PV_SCAN_OK;
    }

    return pv_scan_cf_element(s, f, end) == PV_SCAN_OK ? PV_SCAN_OK
                                                       : PV_SCAN_ENOMEM;
}


/*
 * Two names of n > 8 bytes whose first eight bytes are equal: are they?
 * Up to sixteen bytes, the last eight decide.
 */

static inline int
pv_scan_rest_eq(const pv_u_char *a, const pv_u_char *b, size_t n)
{
#if PV_JSON_SWAR
    if (n <= 16) {
        return pv_json_load8(a + n - 8) == pv_json_load8(b + n - 8);
    }
#endif

    return memcmp(a + 8, b + 8, n - 8) == 0;
}


/*
 * The wanted name (pv_doc_want_t's wanted[] + 1) the member of a contact
 * being read has, or 0: most members have none.
 */

static inline int
pv_scan_wanted(pv_scan_t *s, pv_scan_frame_t *f)
{
    size_t                   i, n, k;
    const pv_scan_wanted_t  *w;

    n = f->key_len;
    k = s->want->slots[f->key_slot];

    if (k == 0) {
        return 0;
    }

    for (i = (k == PV_SCAN_SHARED) ? 0 : k - 1; i < s->want->nwanted; i++) {
        w = &s->want->wanted[i];

        if (w->len == n && w->word == f->key_word
            && (n <= 8
                || pv_scan_rest_eq(s->p + f->key_start + 1, w->name, n)))
        {
            return (int) i + 1;
        }

        if (k != PV_SCAN_SHARED) {
            break;
        }
    }

    return 0;
}


/* the member of a contact whose value ended at end */

static int
pv_scan_member(pv_scan_t *s, pv_scan_frame_t *f, size_t end)
{
    int  i;

    f->contact->members_end = end;

    i = pv_scan_wanted(s, f);

    return i ? pv_scan_wanted_member(s, f, end, i) : PV_SCAN_OK;
}


/* the member of a contact, of wanted name i, whose value ended at end */

static int
pv_scan_wanted_member(pv_scan_t *s, pv_scan_frame_t *f, size_t end, int i)
{
    pv_contact_t            *c;
    pv_doc_rc_e              rc;
    pv_json_item_t           item;
    const pv_scan_wanted_t  *w;

    c = f->contact;
    c->members_end = end;
    w = &s->want->wanted[i - 1];

    item.type = pv_scan_type(s->p[f->value]);
    item.start = f->value;
    item.end = end;
    item.key_start = f->key_start;
    item.key_end = f->key_end;

    /* what pv_doc_member() does for the names that are only recorded */

    switch (w->names) {

    case PV_DOC_NAME_CUSTOM_FIELDS:
        c->custom_fields = item;
        return PV_SCAN_OK;

    case PV_DOC_NAME_TAGS:
        c->tags = item;
        return PV_SCAN_OK;

    case PV_DOC_NAME_LOCATION_ID:
        c->location_id = item;
        return PV_SCAN_OK;

    default:
        break;
    }

    rc = pv_doc_member(s->p, s->pool, c, &item, w->names, &f->have_country,
                       f->role == PV_SCAN_ROOT ? &s->bulk : NULL);

    switch (rc) {

    case PV_DOC_OK:
        return PV_SCAN_OK;

    case PV_DOC_ENOMEM:
        return PV_SCAN_ENOMEM;

    default:
        return PV_SCAN_SLOW;
    }
}


/*
 * Records a member name (not escaped) of f's object; -1 if it repeats
 * one or the object has more names than this pass keeps.  The filter has
 * a bit per hash, so most names are compared with nothing.
 */

static int
pv_scan_name(pv_scan_t *s, pv_scan_frame_t *f, const pv_u_char *p,
    size_t len, size_t start, size_t end)
{
    size_t            n;
    uint64_t          a, b, h, bit, *word;
    const pv_u_char  *q;
    pv_scan_name_t   *k;

    if (s->top == f->names_end) {
        return -1;
    }

    /* p and len are the caller's registers; s->p would be loaded again */

    q = p + start + 1;
    n = end - start - 2;

    /*
     * The first few names of an object that is no contact need neither a
     * hash for dispatch nor a filter: each is compared with the others,
     * length first.  The next one hashes them, and hashing goes on.
     */

    if (f->role != PV_SCAN_CONTACT && f->role != PV_SCAN_ROOT) {
        f->key_len = n;

        if (s->top - f->names < PV_SCAN_FEW) {
            for (k = f->names; k < s->top; k++) {
                if (k->len == n && memcmp(p + k->start, q, n) == 0) {
                    return -1;
                }
            }

            k = s->top++;
            k->start = start + 1;
            k->len = n;

            return 0;
        }

        if (s->top - f->names == PV_SCAN_FEW) {
            pv_scan_filter_few(f, p, len, s->top);
        }
    }

    a = pv_scan_word(q, n, len - start - 1);
    b = 0;

    if (n > 8) {
        memcpy(&b, q + n - 8, 8);
    }

    h = (a ^ (uint64_t) n) * 0x9e3779b97f4a7c15ULL;

    /* the member's dispatch needs the same product (pv_scan_slot()) */

    f->key_word = a;
    f->key_len = n;
    f->key_slot = (pv_u_char) (h >> 58);

    if (n > 8) {
        h ^= b * 0xc2b2ae3d27d4eb4fULL;
    }

    /* 512 bits: with 32 names at most, few names test the others */

    word = &f->filter[h >> 61];
    bit = 1ULL << ((h >> 55) & 63);

    if (*word & bit) {
        for (k = f->names; k < s->top; k++) {
            if (k->hash == h && k->len == n
                && memcmp(p + k->start, q, n) == 0)
            {
                return -1;
            }
        }
    }

    *word |= bit;

    k = s->top++;
    k->hash = h;
    k->start = start + 1;
    k->len = n;

    return 0;
}


/* the names f has compared one by one go into its filter, as hashed */

static void
pv_scan_filter_few(pv_scan_frame_t *f, const pv_u_char *p, size_t len,
    pv_scan_name_t *end)
{
    size_t           n;
    uint64_t         a, b, h;
    pv_scan_name_t  *k;

    memset(f->filter, 0, sizeof(f->filter));

    for (k = f->names; k < end; k++) {
        n = k->len;
        a = pv_scan_word(p + k->start, n, len - k->start);
        b = 0;

        if (n > 8) {
            memcpy(&b, p + k->start + n - 8, 8);
        }

        h = (a ^ (uint64_t) n) * 0x9e3779b97f4a7c15ULL;

        if (n > 8) {
            h ^= b * 0xc2b2ae3d27d4eb4fULL;
        }

        f->filter[h >> 61] |= 1ULL << ((h >> 55) & 63);
        k->hash = h;
    }
}


/*
 * The chunk that ends at pos (a value's first byte, or a closing bracket)
 * joins the contact's shape.
 */

static int
pv_scan_chunk(pv_scan_t *s, pv_scan_frame_t *f, size_t pos, int kind)
{
    size_t            cap;
    pv_scan_chunk_t  *e;

    if (s->ev == s->chunks_cap) {
        cap = s->chunks_cap ? s->chunks_cap * 2 : PV_SCAN_CHUNKS;

        e = pv_alloc(s->pool, cap * sizeof(pv_scan_chunk_t));
        if (e == NULL) {
            return PV_SCAN_ENOMEM;
        }

        if (s->ev) {
            memcpy(e, s->chunks, s->ev * sizeof(pv_scan_chunk_t));
        }

        s->chunks = e;
        s->chunks_cap = cap;
    }

    e = &s->chunks[s->ev++];

    e->from = s->from;
    e->len = (uint32_t) (pos - s->from + 1);
    e->mask = (e->len <= 32) ? (uint32_t) ((1ULL << e->len) - 1) : 0;
    e->kind = (pv_u_char) kind;

    if (kind == PV_SCAN_MEMBER) {
        e->name = (uint32_t) (f->key_start - s->from);
        e->nlen = (uint32_t) f->key_len;
        e->slot = f->key_slot;
        e->word = f->key_word;
        e->want = (pv_u_char) (f->contact ? pv_scan_wanted(s, f) : 0);
    }

    return PV_SCAN_OK;
}


/*
 * The contact leaves its shape with f the innermost frame: the objects
 * whose names are hashed (the contact, and others past their first few
 * names) get the filter bits of the names read so far, and the contact's
 * own chunks are kept from here on.
 */

static void
pv_scan_desync(pv_scan_t *s, pv_scan_frame_t *f)
{
    pv_scan_name_t   *end;
    pv_scan_frame_t  *g;

    for (g = s->cframe; g <= f; g++) {
        end = (g == f) ? s->top : (g + 1)->names;

        if (g->object && (g == s->cframe || end - g->names > PV_SCAN_FEW)) {
            pv_scan_filter_few(g, s->p, s->len, end);
        }
    }

    s->mode = PV_SCAN_RECORD;
}


/*
 * The bytes at pos are chunk e's (e->from < pos): two 16-byte compares
 * and its mask for a chunk of up to 32 bytes with 32 bytes left
 * (pos < lim32), else memcmp().
 */

static inline int
pv_scan_same(const pv_u_char *p, size_t len, size_t pos, size_t lim32,
    const pv_scan_chunk_t *e)
{
#if PV_JSON_SSE2
    unsigned  m;

    if (pos < lim32 && e->mask) {
        m = (unsigned) _mm_movemask_epi8(
                _mm_cmpeq_epi8(
                    _mm_loadu_si128((const __m128i *) (p + pos)),
                    _mm_loadu_si128((const __m128i *) (p + e->from))))
            | (unsigned) _mm_movemask_epi8(
                _mm_cmpeq_epi8(
                    _mm_loadu_si128((const __m128i *) (p + pos + 16)),
                    _mm_loadu_si128((const __m128i *) (p + e->from + 16))))
              << 16;

        return (~m & e->mask) == 0;
    }
#else
    (void) lim32;
#endif

    return len - pos >= e->len && memcmp(p + pos, p + e->from, e->len) == 0;
}


static int
pv_scan_finish(pv_scan_t *s, pv_doc_t *doc)
{
    size_t  i;

    /*
     * The entries moved while they grew: now the contacts may point at
     * theirs (the root is set up only when it is an object).
     */

    if (s->nentries != 0) {
        if (s->frames[0].role == PV_SCAN_ROOT && s->root.cf_open) {
            s->root.cf_entries = s->entries + s->root.cf_first;
        }

        for (i = 0; i < s->nlist; i++) {
            if (s->list[i].cf_open) {
                s->list[i].cf_entries = s->entries + s->list[i].cf_first;
            }
        }
    }

    if (s->frames[0].role == PV_SCAN_ROOT && s->bulk != 0
        && s->root.phone_state != PV_PHONE_ABSENT)
    {
        return PV_SCAN_SLOW;                /* PV_DOC_EBULK_PHONE */
    }

    if (s->frames[0].role == PV_SCAN_ROOT && s->bulk == 0) {

        /* the wrong type's error message is the full path's */

        if (s->root.phone_state == PV_PHONE_WRONG_TYPE) {
            return PV_SCAN_SLOW;
        }

        doc->contacts = pv_alloc(s->pool, sizeof(pv_contact_t));
        if (doc->contacts == NULL) {
            return PV_SCAN_ENOMEM;
        }

        *doc->contacts = s->root;
        doc->root = PV_ROOT_CONTACT;
        doc->ncontacts = 1;

        return PV_SCAN_OK;
    }

    doc->root = (s->frames[0].role == PV_SCAN_ROOT) ? PV_ROOT_BULK
                                                    : PV_ROOT_ARRAY;
    doc->contacts = s->nlist ? s->list : NULL;
    doc->ncontacts = s->nlist;

    return PV_SCAN_OK;
}


size_t
pv_doc_want_size(void)
{
    return sizeof(pv_doc_want_t);
}


void
pv_doc_want_init(pv_doc_want_t *want, const pv_doc_conf_t *conf)
{
    want->nwanted = 0;
    memset(want->slots, 0, sizeof(want->slots));

    pv_scan_want(want, (const pv_u_char *) "customFields", 12,
                 PV_DOC_NAME_CUSTOM_FIELDS);
    pv_scan_want(want, (const pv_u_char *) "tags", 4, PV_DOC_NAME_TAGS);
    pv_scan_want(want, (const pv_u_char *) "locationId", 10,
                 PV_DOC_NAME_LOCATION_ID);
    pv_scan_want(want, conf->phone_field, conf->phone_field_len,
                 PV_DOC_NAME_PHONE);
    pv_scan_want(want, conf->country_field, conf->country_field_len,
                 PV_DOC_NAME_COUNTRY);
    pv_scan_want(want, conf->bulk_field, conf->bulk_field_len,
                 PV_DOC_NAME_BULK);
}


/*
 * A name the members are matched against.  Names given twice (the phone
 * member called "tags", say) share one entry with all their bits, as
 * pv_doc_names() would give them.
 */

static void
pv_scan_want(pv_doc_want_t *want, const pv_u_char *name, size_t len,
    unsigned names)
{
    size_t             i;
    uint64_t           word;
    pv_u_char         *slot;
    pv_scan_wanted_t  *w;

    if (len == 0) {
        return;
    }

    word = pv_scan_word(name, len, len);

    for (i = 0; i < want->nwanted; i++) {
        w = &want->wanted[i];

        if (w->len == len && w->word == word
            && memcmp(w->name, name, len) == 0)
        {
            w->names |= names;
            return;
        }
    }

    w = &want->wanted[want->nwanted++];
    w->word = word;
    w->len = len;
    w->name = name;
    w->names = names;

    slot = &want->slots[pv_scan_slot(word, len)];
    *slot = (*slot == 0) ? (pv_u_char) want->nwanted : PV_SCAN_SHARED;
}


/*
 * The first (at most eight) bytes of a name as a number, the same for a
 * name in the body and one in the configuration; avail is how many bytes
 * may be read from q.
 */

static uint64_t
pv_scan_word(const pv_u_char *q, size_t n, size_t avail)
{
    uint64_t  a;

#if PV_JSON_SWAR
    if (n >= 8) {
        return pv_json_load8(q);
    }

    if (avail >= 8) {
        /* the low bytes of a little-endian word are the first ones */
        return pv_json_load8(q) & ((1ULL << (8 * n)) - 1);
    }
#else
    (void) avail;
#endif

    a = 0;
    memcpy(&a, q, n < 8 ? n : 8);

    return a;
}
