
/*
 * Copyright (C) phoneval authors
 *
 * Finds the contacts of a body and what each holds in its phone and
 * country members, by offsets into the client's bytes.
 */


#include <string.h>

#include "phoneval_core.h"
#include "phoneval_scan.h"


#define PV_DOC_MAX_DEPTH  512

/*
 * Spans allocated with the index: a single contact needs no more than
 * PV_DOC_SPANS, and real bodies have fewer containers than one per
 * PV_DOC_SPAN_BYTES bytes, so that a bulk body seldom grows its index.
 */
#define PV_DOC_SPANS       32
#define PV_DOC_SPAN_BYTES  64
#define PV_DOC_SPANS_MAX   16384      /* all an index records */


static pv_doc_rc_e pv_doc_contact(const pv_u_char *p, size_t len,
    const pv_doc_conf_t *conf, pv_pool_t *pool, size_t open, long cindex,
    pv_contact_t *c, pv_json_error_t *err, size_t *bulk,
    const pv_json_index_t *index);
static int pv_doc_is(const pv_u_char *p, const pv_json_item_t *item,
    int esc, const pv_u_char *name, size_t n);
static void pv_doc_country(const pv_u_char *p, const pv_json_item_t *item,
    char country[3]);
static int pv_doc_blank(const pv_u_char *s, size_t n);
static void pv_doc_fail(const pv_u_char *p, size_t len, size_t offset,
    const char *message, pv_json_error_t *err);


pv_doc_rc_e
pv_doc_scan(const pv_u_char *p, size_t len, const pv_doc_conf_t *conf,
    pv_pool_t *pool, pv_doc_t *doc, pv_json_error_t *err, long *bad_index)
{
    long              n, i;
    size_t            root, arr, spans;
    unsigned          max_depth;
    pv_doc_rc_e       rc;
    pv_json_index_t  *index;
    pv_json_rc_e      jrc;
    pv_json_iter_t    it;
    pv_json_item_t    item;
    pv_json_error_t   dummy;

    if (err == NULL) {
        err = &dummy;
    }

    if (bad_index) {
        *bad_index = -1;
    }

    doc->root = PV_ROOT_CONTACT;
    doc->contacts = NULL;
    doc->ncontacts = 0;

    /*
     * The validator records where every container closes, so the walks
     * below and the later ones over contact members never re-read a
     * nested value.
     */

    spans = conf->no_index ? 0 : len / PV_DOC_SPAN_BYTES;

    if (spans < PV_DOC_SPANS) {
        spans = PV_DOC_SPANS;

    } else if (spans > PV_DOC_SPANS_MAX) {
        spans = PV_DOC_SPANS_MAX;
    }

    index = pv_alloc(pool, sizeof(pv_json_index_t)
                           + spans * sizeof(pv_json_span_t));
    if (index == NULL) {
        return PV_DOC_ENOMEM;
    }

    index->spans = (pv_json_span_t *) (index + 1);
    index->n = 0;
    index->cap = spans;
    doc->index = index;

    max_depth = conf->max_depth ? conf->max_depth : PV_DOC_MAX_DEPTH;

    /*
     * The one pass takes almost every real body.  What it leaves (any
     * error, an escaped member name, deep nesting, a large object) the
     * full validator and the walk below decide, with exact error offsets.
     */

    if (!conf->full_scan) {
        switch (pv_scan_doc(p, len, conf, max_depth, pool, doc)) {

        case PV_SCAN_OK:
            return PV_DOC_OK;

        case PV_SCAN_ENOMEM:
            return PV_DOC_ENOMEM;

        default: /* PV_SCAN_SLOW */
            doc->root = PV_ROOT_CONTACT;
            doc->contacts = NULL;
            doc->ncontacts = 0;
            index->n = 0;
            break;
        }
    }

    jrc = pv_json_validate_index(p, len, max_depth, pool, err, index);

    if (jrc == PV_JSON_ENOMEM) {
        return PV_DOC_ENOMEM;
    }

    if (jrc != PV_JSON_OK) {
        return PV_DOC_EJSON;
    }

    root = pv_json_skip_ws(p, len, 0);

    if (p[root] == '{') {

        /* one pass: the root as a contact, noting a bulk array on the way */

        doc->contacts = pv_alloc(pool, sizeof(pv_contact_t));
        if (doc->contacts == NULL) {
            return PV_DOC_ENOMEM;
        }

        arr = 0;

        rc = pv_doc_contact(p, len, conf, pool, root, -1, doc->contacts, err,
                            &arr, index);

        if (arr == 0) {
            doc->ncontacts = 1;
            return rc;
        }

        if (doc->contacts->phone_state != PV_PHONE_ABSENT) {
            pv_doc_fail(p, len, doc->contacts->phone.key_start,
                        "a bulk body has a phone of its own", err);
            doc->contacts = NULL;
            return PV_DOC_EBULK_PHONE;
        }

        doc->root = PV_ROOT_BULK;
        doc->contacts = NULL;

    } else if (p[root] == '[') {
        doc->root = PV_ROOT_ARRAY;
        arr = root;

    } else {
        pv_doc_fail(p, len, root, "the body is not a contact object", err);
        return PV_DOC_EROOT;
    }

    /* count the elements first: one allocation for all contacts */

    n = 0;
    pv_json_iter_init_index(&it, p, len, arr, index);

    while (pv_json_iter_next(&it, &item)) {
        if (item.type != PV_JSON_OBJECT) {
            pv_doc_fail(p, len, item.start, "a contact is not an object",
                        err);

            if (bad_index) {
                *bad_index = n;
            }

            return PV_DOC_EROOT;
        }

        n++;
    }

    if (n == 0) {
        return PV_DOC_OK;
    }

    if (conf->max_contacts && (size_t) n > conf->max_contacts) {

        /* counted without memory; the count is for the error message */

        pv_json_iter_init_index(&it, p, len, arr, index);

        for (i = 0; i <= (long) conf->max_contacts; i++) {
            (void) pv_json_iter_next(&it, &item);
        }

        pv_doc_fail(p, len, item.start, "too many contacts", err);

        if (bad_index) {
            *bad_index = (long) conf->max_contacts;
        }

        doc->ncontacts = (size_t) n;

        return PV_DOC_ETOO_MANY;
    }

    doc->contacts = pv_alloc(pool, (size_t) n * sizeof(pv_contact_t));
    if (doc->contacts == NULL) {
        return PV_DOC_ENOMEM;
    }

    doc->ncontacts = (size_t) n;

    i = 0;
    pv_json_iter_init_index(&it, p, len, arr, index);

    while (pv_json_iter_next(&it, &item)) {
        rc = pv_doc_contact(p, len, conf, pool, item.start, i,
                            &doc->contacts[i], err, NULL, index);

        if (rc != PV_DOC_OK) {
            if (rc == PV_DOC_EPHONE_TYPE && bad_index) {
                *bad_index = i;
            }

            return rc;
        }

        i++;
    }

    return PV_DOC_OK;
}


/*
 * Fills *c from the members of the object at open, in the one walk over
 * them the module makes.  For the root object (bulk != NULL) it also
 * looks for the bulk array; when there is one the root is not a contact,
 * so a phone of a wrong type there is no error.
 */

static pv_doc_rc_e
pv_doc_contact(const pv_u_char *p, size_t len, const pv_doc_conf_t *conf,
    pv_pool_t *pool, size_t open, long cindex, pv_contact_t *c,
    pv_json_error_t *err, size_t *bulk, const pv_json_index_t *index)
{
    int               have_country, esc;
    pv_doc_rc_e       rc;
    pv_json_iter_t    it;
    pv_json_item_t    item;

    memset(c, 0, sizeof(pv_contact_t));

    c->index = cindex;
    c->open = open;
    c->phone_state = PV_PHONE_ABSENT;
    c->members_end = open + 1;
    c->json_index = index;

    have_country = 0;

    pv_json_iter_init_index(&it, p, len, open, index);

    while (pv_json_iter_next(&it, &item)) {

        c->members_end = item.end;

        /* an escaped name is rare: only then are names decoded */

        esc = memchr(p + item.key_start + 1, '\\',
                     item.key_end - item.key_start - 2)
              != NULL;

        rc = pv_doc_member(p, pool, c, &item,
                           pv_doc_names(p, &item, esc, conf), &have_country,
                           bulk);

        if (rc == PV_DOC_EPHONE_TYPE) {
            goto wrong_type;
        }

        if (rc != PV_DOC_OK) {
            return rc;
        }
    }

    /* the iterator stops at the closing brace */

    c->close = it.pos;

    if (c->phone_state == PV_PHONE_WRONG_TYPE
        && (bulk == NULL || *bulk == 0))
    {
        goto wrong_type;
    }

    return PV_DOC_OK;

wrong_type:

    pv_doc_fail(p, len, c->phone.start,
                "the phone is not a string, a number or null", err);

    return PV_DOC_EPHONE_TYPE;
}


/*
 * Records one member of a contact: the HighLevel names the later steps
 * need, the phone, the country and, for the root object (bulk != NULL),
 * the bulk array.  Both the one-pass scan and the walk below call it, so
 * the two cannot disagree on what a member means.  A phone of a wrong
 * type is an error at once in a contact, and only at the end in the root
 * object, which is no contact when it turns out to be a bulk body.
 */

unsigned
pv_doc_names(const pv_u_char *p, const pv_json_item_t *item, int esc,
    const pv_doc_conf_t *conf)
{
    unsigned  names;

    names = 0;

    if (pv_doc_is(p, item, esc, (const pv_u_char *) "customFields", 12)) {
        names |= PV_DOC_NAME_CUSTOM_FIELDS;
    }

    if (pv_doc_is(p, item, esc, (const pv_u_char *) "tags", 4)) {
        names |= PV_DOC_NAME_TAGS;
    }

    if (pv_doc_is(p, item, esc, (const pv_u_char *) "locationId", 10)) {
        names |= PV_DOC_NAME_LOCATION_ID;
    }

    if (conf->phone_field_len
        && pv_doc_is(p, item, esc, conf->phone_field, conf->phone_field_len))
    {
        names |= PV_DOC_NAME_PHONE;
    }

    if (conf->country_field_len
        && pv_doc_is(p, item, esc, conf->country_field,
                     conf->country_field_len))
    {
        names |= PV_DOC_NAME_COUNTRY;
    }

    if (conf->bulk_field_len
        && pv_doc_is(p, item, esc, conf->bulk_field, conf->bulk_field_len))
    {
        names |= PV_DOC_NAME_BULK;
    }

    return names;
}


pv_doc_rc_e
pv_doc_member(const pv_u_char *p, pv_pool_t *pool, pv_contact_t *c,
    const pv_json_item_t *item, unsigned names, int *have_country,
    size_t *bulk)
{
    size_t      n;
    pv_u_char  *text;

    /* the HighLevel names the later steps need; no duplicates here */

    if (names & PV_DOC_NAME_CUSTOM_FIELDS) {
        c->custom_fields = *item;

    } else if (names & PV_DOC_NAME_TAGS) {
        c->tags = *item;

    } else if (names & PV_DOC_NAME_LOCATION_ID) {
        c->location_id = *item;
    }

    if (c->phone_state == PV_PHONE_ABSENT && (names & PV_DOC_NAME_PHONE)) {
        c->phone = *item;

        switch (item->type) {

        case PV_JSON_NULL:
            c->phone_state = PV_PHONE_NULL;
            break;

        case PV_JSON_STRING:
            n = item->end - item->start - 2;

            /* with no escape the text is the client's bytes as they are */

            if (memchr(p + item->start + 1, '\\', n) == NULL) {
                c->phone_text = p + item->start + 1;

            } else {
                text = pv_alloc(pool, item->end - item->start);
                if (text == NULL) {
                    return PV_DOC_ENOMEM;
                }

                n = pv_json_string_decode(p, item->start, item->end, text);
                c->phone_text = text;
            }

            c->phone_len = n;
            c->phone_state = pv_doc_blank(c->phone_text, n) ? PV_PHONE_NULL
                                                            : PV_PHONE_TEXT;
            break;

        case PV_JSON_NUMBER:
            /* the literal digits, never a converted double */
            c->phone_text = p + item->start;
            c->phone_len = item->end - item->start;
            c->phone_state = PV_PHONE_TEXT;
            break;

        default:
            c->phone_state = PV_PHONE_WRONG_TYPE;

            if (bulk == NULL) {
                return PV_DOC_EPHONE_TYPE;
            }

            break;
        }

        return PV_DOC_OK;
    }

    if (!*have_country
        && (names & PV_DOC_NAME_COUNTRY)
        && item->type == PV_JSON_STRING)
    {
        *have_country = 1;
        pv_doc_country(p, item, c->country);
        return PV_DOC_OK;
    }

    if (bulk
        && *bulk == 0
        && item->type == PV_JSON_ARRAY
        && (names & PV_DOC_NAME_BULK))
    {
        *bulk = item->start;
    }

    return PV_DOC_OK;
}


/* the member's name is name[0..n) */

static int
pv_doc_is(const pv_u_char *p, const pv_json_item_t *item, int esc,
    const pv_u_char *name, size_t n)
{
    if (esc) {
        return pv_json_string_eq(p, item->key_start, item->key_end, name, n);
    }

    return item->key_end - item->key_start - 2 == n
           && memcmp(p + item->key_start + 1, name, n) == 0;
}


static void
pv_doc_country(const pv_u_char *p, const pv_json_item_t *item,
    char country[3])
{
    size_t     n;
    pv_u_char  buf[16];

    country[0] = '\0';

    /* two letters take at most two 6-byte escapes: longer is not one */

    if (item->end - item->start > 2 + 12) {
        return;
    }

    /* "US": two letters as they are, the usual spelling */

    if (item->end - item->start == 4 && p[item->start + 1] != '\\') {
        if (!pv_country_parse(p + item->start + 1, 2, country)) {
            country[0] = '\0';
        }

        return;
    }

    n = pv_json_string_decode(p, item->start, item->end, buf);

    if (!pv_country_parse(buf, n, country)) {
        country[0] = '\0';
    }
}


/*
 * White space only (Unicode White_Space), so that "" and "  " clear
 * alike.  The text is valid UTF-8: it was decoded from validated JSON.
 */

static int
pv_doc_blank(const pv_u_char *s, size_t n)
{
    size_t  i;

    i = 0;

    while (i < n) {

        if (s[i] == ' ' || (s[i] >= 0x09 && s[i] <= 0x0d)) {
            i++;
            continue;
        }

        if (n - i >= 2 && s[i] == 0xc2
            && (s[i + 1] == 0x85 || s[i + 1] == 0xa0))
        {
            i += 2;                                 /* U+0085, U+00A0 */
            continue;
        }

        if (n - i < 3) {
            return 0;
        }

        if ((s[i] == 0xe1 && s[i + 1] == 0x9a && s[i + 2] == 0x80)
            || (s[i] == 0xe2 && s[i + 1] == 0x80
                && (s[i + 2] <= 0x8a || s[i + 2] == 0xa8 || s[i + 2] == 0xa9
                    || s[i + 2] == 0xaf))
            || (s[i] == 0xe2 && s[i + 1] == 0x81 && s[i + 2] == 0x9f)
            || (s[i] == 0xe3 && s[i + 1] == 0x80 && s[i + 2] == 0x80))
        {
            /* U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000 */
            i += 3;
            continue;
        }

        return 0;
    }

    return 1;
}


static void
pv_doc_fail(const pv_u_char *p, size_t len, size_t offset,
    const char *message, pv_json_error_t *err)
{
    size_t  i, nl;

    nl = 0;

    err->rc = PV_JSON_OK;
    err->offset = offset;
    err->message = message;
    err->line = 1;

    for (i = 0; i < offset && i < len; i++) {
        if (p[i] == '\n') {
            err->line++;
            nl = i + 1;
        }
    }

    err->column = offset - nl + 1;
}
