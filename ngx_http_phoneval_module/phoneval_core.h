
/*
 * Copyright (C) phoneval authors
 *
 * The nginx-free core of phoneval: phone normalization, strict JSON scan
 * and splice, Byteplant answer parsing and verdict mapping.  The nginx
 * module, the phoneval CLI, the C unit tests and the fuzzers link the same
 * files, so nothing here may include an nginx header.
 *
 * Memory: the core never calls malloc() for per-request data.  Functions
 * that need memory take a pv_pool_t; the caller owns the arena (an nginx
 * pool in the module, pv_arena_t in the CLI and tests).  Nothing the core
 * allocates is freed individually.
 */


#ifndef _PHONEVAL_CORE_H_INCLUDED_
#define _PHONEVAL_CORE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <time.h>


typedef unsigned char  pv_u_char;


typedef struct {
    void                  *(*alloc)(void *data, size_t size);
    void                    *data;
} pv_pool_t;


#define pv_alloc(pool, size)  (pool)->alloc((pool)->data, size)


/* a malloc()-backed arena for the CLI, unit tests and fuzzers */

typedef struct pv_arena_block_s  pv_arena_block_t;

typedef struct {
    pv_arena_block_t        *blocks;
    pv_pool_t                pool;       /* pool.alloc allocates from it */
} pv_arena_t;

void pv_arena_init(pv_arena_t *a);
void pv_arena_free(pv_arena_t *a);


/* ---- verdicts ---------------------------------------------------------- */

typedef enum {
    PV_PENDING = 0,
    PV_VALID_CONFIRMED,
    PV_VALID_UNCONFIRMED,
    PV_INVALID,
    PV_VERDICT_N
} pv_verdict_e;

/* "PENDING", "VALID_CONFIRMED", ... */
const char *pv_verdict_name(pv_verdict_e v);
/* parses the names above (exact, case-sensitive); -1 when unknown */
int pv_verdict_from_name(const char *s, size_t len);
/* 95, 60, 0, or -1 for PENDING (rendered empty) */
int pv_verdict_confidence(pv_verdict_e v);


/* ---- phone normalization ----------------------------------------------- */

#define PV_PHONE_MIN_DIGITS  4
#define PV_PHONE_MAX_DIGITS  17
#define PV_EXT_MAX           15

typedef enum {
    PV_PHONE_OK = 0,          /* send to the provider */
    PV_PHONE_EMPTY,           /* only white space or separators */
    PV_PHONE_BAD_CHAR,        /* letters, '*', control chars... */
    PV_PHONE_TOO_SHORT,
    PV_PHONE_TOO_LONG,
    PV_PHONE_BAD_UTF8,
    PV_PHONE_NOT_INTEGER      /* a JSON number with a sign, fraction or
                                 exponent: pv_phone_literal() */
} pv_phone_rc_e;

typedef struct {
    pv_phone_rc_e            rc;
    int                      plus;        /* a leading '+' was given */
    size_t                   ndigits;
    char                     digits[PV_PHONE_MAX_DIGITS + 1]; /* NUL-ended */
    char                     ext[PV_EXT_MAX + 1];  /* NUL-ended, may be "" */
    int                      extra;       /* an extension or a comment was
                                             split off the number */
} pv_phone_t;

/*
 * Normalizes the decoded UTF-8 text of a phone (DESIGN "Phone
 * normalization"): folds Unicode decimal digits and the full-width plus,
 * trims white space, splits off an extension, drops a trailing
 * parenthesized comment holding letters, removes separators
 * (space - . / ( )), and gates the digit count.  Never invents a digit.
 * Returns out->rc.
 */
pv_phone_rc_e pv_phone_normalize(const pv_u_char *s, size_t len,
    pv_phone_t *out);

/* the same without the ASCII fast path: for tests of that path */
pv_phone_rc_e pv_phone_normalize_full(const pv_u_char *s, size_t len,
    pv_phone_t *out);

/*
 * A phone given as a JSON number is taken by its literal digits
 * (DESIGN), so a sign, a fraction or an exponent has no reading as a
 * phone: PV_PHONE_NOT_INTEGER; PV_PHONE_OK otherwise.
 */
pv_phone_rc_e pv_phone_literal(const pv_u_char *s, size_t len);

/* short English reason for a local INVALID ("contains letters", ...) */
const char *pv_phone_rc_text(pv_phone_rc_e rc);

/*
 * Country: two ASCII letters, case-insensitive.  Writes the upper-case
 * form and a NUL to out[3]; returns 1 if valid, 0 otherwise.
 */
int pv_country_parse(const pv_u_char *s, size_t len, char out[3]);

/*
 * Cache key of a normalized phone:
 *   "+<digits>/<m>"            with a leading plus
 *   "<digits>/<CC>/<m>"        otherwise ("<digits>//<m>" with no country)
 * where <m> is 'e' (extensive) or 'x' (express).  Returns the length
 * written (at most PV_CACHE_KEY_MAX, not NUL-ended).
 */
#define PV_CACHE_KEY_MAX  (1 + PV_PHONE_MAX_DIGITS + 1 + 2 + 1 + 1)

size_t pv_cache_key(const pv_phone_t *ph, const char *country, int express,
    pv_u_char *out);

/*
 * 1 if the provider's "+<digits>" is the number of ph (same digits after a
 * '+'; a national number's digits without leading zeros at its end, after
 * a country code of at most three digits), else 0.
 */
int pv_phone_e164_agrees(const pv_phone_t *ph, const char *e164);


/* ---- provider request -------------------------------------------------- */

typedef struct {
    const pv_phone_t        *phone;
    const char              *country;     /* NULL or "" when none */
    const char              *mode;        /* "extensive" | "express" */
    const pv_u_char         *locale;
    size_t                   locale_len;
    unsigned                 timeout;     /* seconds, clamped to 5..300 */
    const pv_u_char         *api_key;
    size_t                   api_key_len;
} pv_request_t;

/*
 * The application/x-www-form-urlencoded body:
 *   PhoneNumber=...&CountryCode=..&Mode=...&Locale=...&Timeout=..&APIKey=...
 * CountryCode is omitted when the phone has a plus or there is no country,
 * Locale when locale_len is 0 (the provider's default applies).
 * Only [A-Za-z0-9._~-] pass unescaped.
 * pv_form_size() is an upper bound for pv_form_write(), which returns the
 * number of bytes written.
 */
size_t pv_form_size(const pv_request_t *rq);
size_t pv_form_write(const pv_request_t *rq, pv_u_char *out);

/* percent-encodes [s, s+len) as above; out needs 3 * len bytes */
size_t pv_form_escape(const pv_u_char *s, size_t len, pv_u_char *out);


/* ---- provider answer --------------------------------------------------- */

typedef enum {
    PV_BP_VALID_CONFIRMED = 0,
    PV_BP_VALID_UNCONFIRMED,
    PV_BP_INVALID,
    PV_BP_DELAYED,
    PV_BP_RATE_LIMIT_EXCEEDED,
    PV_BP_API_KEY_INVALID_OR_DEPLETED,
    PV_BP_UNKNOWN_STATUS,      /* a JSON object whose status we do not know */
    PV_BP_BAD_ANSWER,          /* not JSON, not an object, no status */
    PV_BP_N
} pv_bp_status_e;

#define PV_LINE_TYPE_MAX  24
#define PV_E164_MAX       (1 + 20)

/*
 * Bounds of the provider's rate-limit figures, applied when an answer is
 * parsed: Byteplant's window is 300 s by default, so a day is far beyond
 * any real one, and a million calls left is more than one window can use.
 * They keep time arithmetic on them from overflowing.
 */
#define PV_RATELIMIT_SECONDS_MAX  86400
#define PV_RATELIMIT_REMAIN_MAX   1000000

typedef struct {
    pv_bp_status_e           status;
    char                     line_type[PV_LINE_TYPE_MAX + 1];  /* "" none */
    char                     country[3];                       /* "" none */
    char                     e164[PV_E164_MAX + 1];            /* "" none */
    long                     ratelimit_remain;    /* -1: absent, else
                                                     0.._REMAIN_MAX */
    long                     ratelimit_seconds;   /* -1: absent, else
                                                     0.._SECONDS_MAX */
} pv_answer_t;

/*
 * Parses a Byteplant answer with jansson.  Every field but "status" is
 * optional; unknown members are ignored; ratelimit_* may be numbers or
 * numeric strings, and larger values are clamped to the bounds above.
 * e164 is '+' and the digits of "formatinternational"
 * (empty if that member is absent or has no digits, or has more than 20).
 * line_type is kept only if it is [A-Z_]+ and fits; country only if it
 * is two letters (stored upper-case).
 * Always fills *a; returns a->status.
 */
pv_bp_status_e pv_answer_parse(const pv_u_char *buf, size_t len,
    pv_answer_t *a);

const char *pv_bp_status_name(pv_bp_status_e s);

/* VALID_* and INVALID map to themselves; everything else is PENDING */
pv_verdict_e pv_verdict_from_answer(const pv_answer_t *a);


/* ---- time ------------------------------------------------------------- */

/* "YYYY-MM-DDThh:mm:ssZ" (20 bytes, not NUL-ended); returns 20 */
size_t pv_time_iso8601(time_t t, pv_u_char *out);
#define PV_ISO8601_LEN  20


/* ---- strict JSON ------------------------------------------------------- */

typedef enum {
    PV_JSON_NULL = 0,
    PV_JSON_FALSE,
    PV_JSON_TRUE,
    PV_JSON_NUMBER,
    PV_JSON_STRING,
    PV_JSON_ARRAY,
    PV_JSON_OBJECT
} pv_json_type_e;

typedef enum {
    PV_JSON_OK = 0,
    PV_JSON_ESYNTAX,
    PV_JSON_EUTF8,
    PV_JSON_EDUPLICATE,
    PV_JSON_EDEPTH,
    PV_JSON_ENOMEM
} pv_json_rc_e;

typedef struct {
    pv_json_rc_e             rc;
    size_t                   offset;    /* byte offset of the fault */
    size_t                   line;      /* 1-based */
    size_t                   column;    /* 1-based, in bytes */
    const char              *message;   /* static English text */
} pv_json_error_t;

/*
 * Validates a whole document against RFC 8259: UTF-8 (no overlongs, no
 * surrogates encoded in UTF-8, no code points above U+10FFFF), no control
 * characters in strings, escapes (\uD800-\uDBFF must pair with a low
 * surrogate), numbers per the grammar, exactly one value with optional
 * white space around it.  A leading UTF-8 BOM is an error.  Nesting deeper
 * than max_depth containers is PV_JSON_EDEPTH (reported at the bracket
 * that crossed it; the scan stops there, so deep input costs O(depth)).
 * Two members of one object whose decoded names are equal are
 * PV_JSON_EDUPLICATE (reported at the second), in every object.
 * Uses the pool for key bookkeeping; O(n log n) in the worst case.
 */
pv_json_rc_e pv_json_validate(const pv_u_char *p, size_t len,
    unsigned max_depth, pv_pool_t *pool, pv_json_error_t *err);

/* The helpers below assume the text was validated. */

typedef struct {
    pv_json_type_e           type;
    size_t                   start;      /* value: first byte */
    size_t                   end;        /* value: one past its last byte */
    size_t                   key_start;  /* members: the key's opening '"' */
    size_t                   key_end;    /* members: one past closing '"' */
} pv_json_item_t;

/*
 * Where the containers of a validated document close, so that walking a
 * document skips a nested object or array in O(1) instead of re-reading
 * it.  One span per container, in the order of the opening brackets:
 * spans[k].next is the first container opened after spans[k] closed, so
 * the containers nested directly in spans[k] are k + 1, then the next of
 * each in turn, while their open is before spans[k].close.
 */

typedef struct {
    size_t                   open;       /* offset of '{' or '[' */
    size_t                   close;      /* offset of '}' or ']' */
    size_t                   next;       /* index of the next sibling */
} pv_json_span_t;

typedef struct {
    pv_json_span_t          *spans;
    size_t                   n;
    size_t                   cap;
} pv_json_index_t;

typedef struct {
    const pv_u_char         *p;
    size_t                   len;
    size_t                   pos;
    int                      object;
    int                      done;
    const pv_json_index_t   *index;     /* NULL: skip values by scanning */
    size_t                   span;      /* the next nested container's */
    size_t                   item_span; /* the last item's, if a container
                                           with a span, else (size_t) -1 */
} pv_json_iter_t;

/*
 * pv_json_validate() that also fills *index (set it to zeros first, or
 * give it spans and cap to start with); the spans grow in the pool.
 * *index is complete only when PV_JSON_OK is returned.
 */
pv_json_rc_e pv_json_validate_index(const pv_u_char *p, size_t len,
    unsigned max_depth, pv_pool_t *pool, pv_json_error_t *err,
    pv_json_index_t *index);

/* first non-white-space offset at or after pos (len if none) */
size_t pv_json_skip_ws(const pv_u_char *p, size_t len, size_t pos);

/* offset one past the value that starts at pos */
size_t pv_json_value_end(const pv_u_char *p, size_t len, size_t pos);

pv_json_type_e pv_json_type_at(const pv_u_char *p, size_t pos);

/*
 * Iterates the members (object) or elements (array) of the container
 * whose '{' or '[' is at offset open.  For elements, key_start == key_end
 * == start.
 */
void pv_json_iter_init(pv_json_iter_t *it, const pv_u_char *p, size_t len,
    size_t open);
/*
 * The same with the index of the document (may be NULL): nested
 * containers are then skipped without reading them.
 */
void pv_json_iter_init_index(pv_json_iter_t *it, const pv_u_char *p,
    size_t len, size_t open, const pv_json_index_t *index);
/* 1: *item filled; 0: no more items (it->pos is then the closing bracket) */
int pv_json_iter_next(pv_json_iter_t *it, pv_json_item_t *item);
/*
 * pv_json_iter_init_index() over the container item that parent returned
 * last, with the span parent found for it instead of searching.
 */
void pv_json_iter_init_item(pv_json_iter_t *it, const pv_json_iter_t *parent,
    const pv_json_item_t *item);

/*
 * Decodes the JSON string whose opening quote is at p[start] and whose
 * closing quote is at p[end - 1] into UTF-8.  out needs end - start bytes.
 * Returns the decoded length.
 */
size_t pv_json_string_decode(const pv_u_char *p, size_t start, size_t end,
    pv_u_char *out);

/* 1 if the string at [start, end) decodes to exactly name[0..len) */
int pv_json_string_eq(const pv_u_char *p, size_t start, size_t end,
    const pv_u_char *name, size_t len);

/*
 * Writes s as a JSON string with quotes; out needs 2 + 6 * len bytes.
 * Escapes '"', '\\', control characters, U+2028 and U+2029.
 */
size_t pv_json_quote(const pv_u_char *s, size_t len, pv_u_char *out);


/* ---- splicing ---------------------------------------------------------- */

/* replace [start, end) of the original with data[0..len); start == end
 * inserts */
typedef struct {
    size_t                   start;
    size_t                   end;
    const pv_u_char         *data;
    size_t                   len;
} pv_edit_t;

/* sorts by (start, end); inserts therefore come before a removal that
 * starts at the same offset */
void pv_edits_sort(pv_edit_t *e, size_t n);

/*
 * The size of the result; -1 (as size_t) if edits overlap or exceed
 * orig_len (edits must be sorted).
 */
size_t pv_splice_size(size_t orig_len, const pv_edit_t *e, size_t n);

/* writes the result, returns one past its end; edits must be sorted */
pv_u_char *pv_splice(pv_u_char *dst, const pv_u_char *orig, size_t orig_len,
    const pv_edit_t *e, size_t n);

/*
 * The result as pieces instead of one copy: runs of at least keep bytes
 * of the original stay where they are, everything else (the edits' data
 * and shorter runs) is copied into one buffer, adjacent copies joined
 * into one piece.  pv_splice_plan() counts the pieces and the bytes to
 * copy; pv_splice_pieces() fills pieces[] (that many) and copy, and
 * returns the number of pieces.  Edits must be sorted and not overlap.
 */
typedef struct {
    const pv_u_char         *data;
    size_t                   len;
} pv_piece_t;

size_t pv_splice_plan(size_t orig_len, const pv_edit_t *e, size_t n,
    size_t keep, size_t *copy);
size_t pv_splice_pieces(pv_piece_t *pieces, pv_u_char *copy,
    const pv_u_char *orig, size_t orig_len, const pv_edit_t *e, size_t n,
    size_t keep);


/* ---- contact documents ------------------------------------------------- */

typedef enum {
    PV_ROOT_CONTACT = 0,       /* a contact object */
    PV_ROOT_BULK,              /* an object whose bulk field is an array */
    PV_ROOT_ARRAY              /* an array of contact objects */
} pv_root_e;

typedef enum {
    PV_PHONE_ABSENT = 0,       /* no phone member */
    PV_PHONE_NULL,             /* null or "" (after trimming): clears */
    PV_PHONE_TEXT,             /* string or number: normalize it */
    PV_PHONE_WRONG_TYPE        /* true/false/object/array: 400 */
} pv_phone_state_e;

/*
 * An element of a contact's "customFields" array as the one-pass scan
 * read it: the element (key_start == start) and, for an object, its
 * "id" and "key" members when they are strings (else of type
 * PV_JSON_NULL, and nothing else of them is set).
 */
typedef struct {
    pv_json_item_t           item;
    pv_json_item_t           id;
    pv_json_item_t           key;
} pv_cf_entry_t;

typedef struct {
    long                     index;       /* -1 for a single contact */
    size_t                   open;        /* offset of '{' */
    size_t                   close;       /* offset of '}' */
    pv_phone_state_e         phone_state;
    pv_json_item_t           phone;       /* the member, when present */
    const pv_u_char         *phone_text;  /* decoded string, or the number's
                                             literal: in the body when it
                                             had no escape, else pool
                                             memory */
    size_t                   phone_len;
    char                     country[3];  /* valid contact country or "" */

    /*
     * Members the module's later steps need, recorded by the one walk of
     * the contact's members, so that nothing walks them again; an absent
     * member has key_start == key_end == 0 (no member starts at 0).
     */
    pv_json_item_t           custom_fields;   /* "customFields" */
    pv_json_item_t           tags;            /* "tags" */
    pv_json_item_t           location_id;     /* "locationId" */
    size_t                   members_end;     /* one past the last member's
                                                 value; open + 1 if none */
    const pv_json_index_t   *json_index;      /* the document's */

    /*
     * The elements of the "customFields" array that opens at cf_open, if
     * the one-pass scan recorded them (cf_open 0: it did not, and the
     * annotation walks the array); cf_first is the scan's own.
     */
    size_t                   cf_open;
    size_t                   cf_first;
    const pv_cf_entry_t     *cf_entries;
    size_t                   cf_nentries;
} pv_contact_t;

#define pv_contact_has(item)  ((item)->key_end != 0)

typedef struct {
    const pv_u_char         *phone_field;
    size_t                   phone_field_len;
    const pv_u_char         *country_field;
    size_t                   country_field_len;
    const pv_u_char         *bulk_field;
    size_t                   bulk_field_len;
    unsigned                 max_depth;        /* 512 */
    size_t                   max_contacts;     /* 0: no limit */
    int                      full_scan;        /* tests: skip the one-pass
                                                  scan (phoneval_scan.c) */
    const struct pv_doc_want_s  *want;         /* pv_doc_want_init() of this
                                                  configuration, or NULL:
                                                  each scan builds it */
    int                      no_index;         /* nothing walks a contact's
                                                  members or arrays later:
                                                  the one pass records no
                                                  container index */
} pv_doc_conf_t;

/*
 * The member names the one-pass scan looks for, built once per
 * configuration: pv_doc_want_size() bytes, filled by pv_doc_want_init()
 * from conf's names (which must outlive it), then set as conf->want.
 */
typedef struct pv_doc_want_s  pv_doc_want_t;

size_t pv_doc_want_size(void);
void pv_doc_want_init(pv_doc_want_t *want, const pv_doc_conf_t *conf);

typedef struct {
    pv_root_e                root;
    pv_contact_t            *contacts;
    size_t                   ncontacts;
    pv_json_index_t         *index;       /* containers, pool memory */
} pv_doc_t;

typedef enum {
    PV_DOC_OK = 0,
    PV_DOC_EJSON,              /* err filled by pv_json_validate() */
    PV_DOC_EROOT,              /* root is not one of the three shapes */
    PV_DOC_EPHONE_TYPE,        /* a phone member of a wrong type */
    PV_DOC_EBULK_PHONE,        /* a bulk body's root has a phone member */
    PV_DOC_ETOO_MANY,          /* more contacts than max_contacts */
    PV_DOC_ENOMEM
} pv_doc_rc_e;

/*
 * Validates the document and finds its contacts.  The root object is a
 * bulk body when it has a member named bulk_field whose value is an array
 * (every element must then be an object, else PV_DOC_EROOT); otherwise it
 * is a single contact.  A root array must hold only objects.  An empty
 * array or bulk array is valid and has no contacts.
 * A bulk root with a phone member of its own is PV_DOC_EBULK_PHONE: which
 * of the two the client meant cannot be known, and guessing would let a
 * phone pass unvalidated.  More than conf->max_contacts contacts is
 * PV_DOC_ETOO_MANY, found before memory is taken for them.
 * On PV_DOC_EPHONE_TYPE and PV_DOC_ETOO_MANY, err->offset is the offending
 * value's offset and *bad_index the contact's index.
 * The validation records the document's containers in doc->index, and
 * the one walk over each contact's members records what annotation, tags
 * and events need (pv_contact_t), so nothing after the scan walks a
 * contact's members again or re-reads a nested value.
 */
pv_doc_rc_e pv_doc_scan(const pv_u_char *p, size_t len,
    const pv_doc_conf_t *conf, pv_pool_t *pool, pv_doc_t *doc,
    pv_json_error_t *err, long *bad_index);


/* ---- annotation -------------------------------------------------------- */

typedef enum {
    PV_ITEM_STATUS = 0,
    PV_ITEM_LAST_VALIDATED,
    PV_ITEM_CONFIDENCE,
    PV_ITEM_LINE_TYPE,
    PV_ITEM_E164,
    PV_ITEM_COUNTRY,
    PV_ITEM_N
} pv_item_e;

/* "status", "last_validated", ...; -1 if unknown */
int pv_item_from_name(const char *s, size_t len);
const char *pv_item_name(pv_item_e item);

typedef enum {
    PV_OUTPUT_CUSTOMFIELDS = 0,
    PV_OUTPUT_FIELDS,
    PV_OUTPUT_OFF
} pv_output_e;

typedef struct {
    pv_item_e                item;
    int                      by_key;     /* customfields "key:NAME" */
    const pv_u_char         *name;       /* id, key NAME, or member name */
    size_t                   name_len;
    int                      strip_only; /* another name of a target: a
                                            client's entry or member so
                                            named is removed, nothing is
                                            written to it */
} pv_target_t;

typedef struct {
    pv_output_e              output;
    const pv_target_t       *targets;
    size_t                   ntargets;
    int                      normalize;   /* phoneval_normalize */
    int                      strip;       /* phoneval_strip_results */
} pv_annotate_conf_t;

typedef enum {
    PV_RESULT_NONE = 0,        /* no phone member: only strip */
    PV_RESULT_CLEAR,           /* phone null or "": write empty values */
    PV_RESULT_VERDICT          /* write the verdict */
} pv_result_kind_e;

typedef struct {
    pv_result_kind_e         kind;
    pv_verdict_e             verdict;
    time_t                   validated_at;   /* 0 if none (PENDING) */
    const char              *line_type;      /* "" if none */
    const char              *e164;           /* "" if none */
    const char              *country;        /* "" if none */
    int                      keep_phone;     /* normalize never replaces a
                                                phone with an extension or
                                                a comment: it would lose
                                                them */
} pv_result_t;

/*
 * Adds the edits that annotate one contact to *edits (a growable array in
 * pool memory; *nedits and *cap are its length and capacity; *edits may
 * start NULL with *cap 0).  Rules (DESIGN "Result items", "Body"):
 *
 * customfields: the contact's "customFields" array keeps every entry in
 *   its bytes, except entries whose "id" (or "key", for by_key targets)
 *   equals a target: the first is replaced in place by the new entry, later
 *   ones are removed; entries for targets not present are appended.  A
 *   missing member is appended to the contact object; a null one is
 *   replaced by an array.  Values: status, line_type, e164, country and
 *   last_validated as JSON strings, confidence as a JSON number; empty
 *   values are "".  Entries are {"id":T,"field_value":V} or
 *   {"key":NAME,"field_value":V}.
 * fields: a top-level member per target, replaced in place if present,
 *   else appended; empty values are null.
 * strip: with kind PV_RESULT_NONE and strip on, result targets the client
 *   sent are removed; with strip off, nothing is done for NONE.
 * normalize: on a VALID_* verdict with a non-empty e164, the phone value
 *   is replaced by "<e164>" (only if it differs from the sent text).
 * off: only normalize applies.
 *
 * Returns 0, PV_ANNOTATE_ECUSTOMFIELDS if customFields exists but is not
 * an array or null (the caller answers 400), or -1 on allocation failure.
 * c must come from pv_doc_scan() of the same text: its recorded members
 * are used, not searched for.
 */
#define PV_ANNOTATE_ECUSTOMFIELDS  1

int pv_annotate_contact(const pv_u_char *p, size_t len,
    const pv_contact_t *c, const pv_annotate_conf_t *conf,
    const pv_result_t *res, pv_pool_t *pool, pv_edit_t **edits,
    size_t *nedits, size_t *cap);

/*
 * The texts rendered for the previous contact of a body, so that the
 * contacts of a bulk body with the same result (status, time, ...) reuse
 * them.  Zero it before the first contact; it refers to res's strings and
 * to pool memory, so it lives as long as both, with one conf.
 */
typedef struct {
    pv_result_t              res;
    void                    *texts;        /* internal */

    /* internal: the text appended last, for the next contact's */
    const pv_u_char         *append;
    size_t                   append_len;
    const char              *append_head;
    const char              *append_tail;
    uint64_t                 append_pending;
    int                      append_comma;
} pv_annotate_memo_t;

/* pv_annotate_contact() with a memo (NULL: none) */
int pv_annotate_contact_memo(const pv_u_char *p, size_t len,
    const pv_contact_t *c, const pv_annotate_conf_t *conf,
    const pv_result_t *res, pv_pool_t *pool, pv_edit_t **edits,
    size_t *nedits, size_t *cap, pv_annotate_memo_t *memo);


/* ---- follow-up tags --------------------------------------------------- */

/*
 * Adds the tags to the contact's "tags" array: tags already there (by
 * decoded value) are not added again, the others keep their bytes; with
 * add_member, a missing member is appended and a null one replaced,
 * without it only an existing array is extended (an upsert's tags replace
 * the stored ones, so adding a member would drop them).  Equal tags are
 * added once.
 * Returns 0, PV_TAGS_ENOTARRAY when "tags" is neither an array nor null
 * (left untouched), or -1 on allocation failure.  c must come from
 * pv_doc_scan() of the same text.
 */
#define PV_TAGS_ENOTARRAY  1

int pv_tags_contact(const pv_u_char *p, size_t len, const pv_contact_t *c,
    const pv_u_char **tags, const size_t *tag_lens, size_t ntags,
    int add_member, pv_pool_t *pool, pv_edit_t **edits, size_t *nedits,
    size_t *cap);


#endif /* _PHONEVAL_CORE_H_INCLUDED_ */
