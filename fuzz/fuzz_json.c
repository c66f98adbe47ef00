
/*
 * Copyright (C) phoneval authors
 *
 * The strict JSON scanner against jansson as a differential oracle: both
 * accept or both reject.  On accepted contact documents, annotation must
 * yield JSON that parses and keeps every member it does not write.
 */


#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "phoneval_core.h"
#include "pv_doc_paths.h"


#define FUZZ_DEPTH  2048    /* jansson's own nesting limit */


static const pv_doc_conf_t  doc_conf = {
    (const pv_u_char *) "phone", 5, (const pv_u_char *) "country", 7,
    (const pv_u_char *) "contacts", 8, FUZZ_DEPTH, 0, 0, NULL, 0
};

/* the same when nothing walks a contact later: no container index */
static const pv_doc_conf_t  doc_conf_noindex = {
    (const pv_u_char *) "phone", 5, (const pv_u_char *) "country", 7,
    (const pv_u_char *) "contacts", 8, FUZZ_DEPTH, 0, 0, NULL, 1
};

/* the same without the one pass, which records customFields entries */
static const pv_doc_conf_t  doc_conf_full = {
    (const pv_u_char *) "phone", 5, (const pv_u_char *) "country", 7,
    (const pv_u_char *) "contacts", 8, FUZZ_DEPTH, 0, 1, NULL, 0
};

static const pv_target_t  targets[] = {
    { PV_ITEM_STATUS, 0, (const pv_u_char *) "cf_STATUS", 9, 0 },
    { PV_ITEM_CONFIDENCE, 1, (const pv_u_char *) "conf", 4, 0 },
    { PV_ITEM_STATUS, 1, (const pv_u_char *) "status", 6, 1 }
};


static void check_annotation(const pv_u_char *data, size_t size,
    json_t *in, pv_arena_t *arena);
static pv_u_char *annotate(const pv_u_char *data, size_t size,
    const pv_doc_conf_t *conf, pv_arena_t *arena, pv_doc_t *doc,
    size_t *out_size);
static void check_contact(json_t *in, json_t *out);
static void check_pieces(const pv_u_char *data, size_t size,
    const pv_edit_t *edits, size_t nedits, const pv_u_char *want,
    size_t want_size, size_t keep);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t           *j;
    pv_arena_t        arena;
    json_error_t      jerr;
    pv_json_rc_e      rc;
    pv_json_error_t   err, err2;
    pv_json_index_t   index;

    pv_arena_init(&arena);

    rc = pv_json_validate(data, size, FUZZ_DEPTH, &arena.pool, &err);

    j = json_loadb((const char *) data, size,
                   JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL
                   | JSON_DECODE_INT_AS_REAL, &jerr);

    if ((j == NULL && (strstr(jerr.text, "overflow") != NULL
                       || strstr(jerr.text, "NUL byte in object key")))
        || (j != NULL && memchr(data, '\0', size) != NULL))
    {
        /*
         * jansson's known departures, not ours: 1e999 is valid JSON it
         * cannot hold as a double, "\u0000" in a member name is valid
         * JSON it cannot hold, and it stops reading at a NUL byte
         */
        json_decref(j);
        pv_arena_free(&arena);
        return 0;
    }

    if ((rc == PV_JSON_OK) != (j != NULL)) {
        abort();
    }

    /* recording the container index changes no verdict and no offset */

    memset(&index, 0, sizeof(pv_json_index_t));

    if (pv_json_validate_index(data, size, FUZZ_DEPTH, &arena.pool, &err2,
                               &index)
        != rc
        || err2.offset != err.offset)
    {
        abort();
    }

    /* the one-pass scan and the full path find the same document */

    if (!pv_doc_paths_agree(data, size, &doc_conf, &arena.pool)
        || !pv_doc_paths_agree(data, size, &doc_conf_noindex, &arena.pool))
    {
        abort();
    }

    if (j != NULL) {
        check_annotation(data, size, j, &arena);
        json_decref(j);
    }

    pv_arena_free(&arena);

    return 0;
}


static void
check_annotation(const pv_u_char *data, size_t size, json_t *in,
    pv_arena_t *arena)
{
    size_t               i, out_size, full_size;
    json_t              *out, *ci, *co;
    pv_doc_t             doc, full_doc;
    pv_u_char           *buf, *full;
    json_error_t         jerr;

    buf = annotate(data, size, &doc_conf, arena, &doc, &out_size);
    if (buf == NULL) {
        return;
    }

    /* the full scan's contacts annotate to the same bytes */

    full = annotate(data, size, &doc_conf_full, arena, &full_doc, &full_size);

    if (full == NULL || full_size != out_size
        || memcmp(full, buf, out_size) != 0)
    {
        abort();
    }

    free(full);

    out = json_loadb((const char *) buf, out_size,
                     JSON_DECODE_ANY | JSON_REJECT_DUPLICATES
                     | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &jerr);
    if (out == NULL) {
        abort();
    }

    if (doc.root == PV_ROOT_CONTACT) {
        check_contact(in, out);

    } else {
        ci = doc.root == PV_ROOT_BULK ? json_object_get(in, "contacts") : in;
        co = doc.root == PV_ROOT_BULK ? json_object_get(out, "contacts")
                                      : out;

        if (json_array_size(ci) != json_array_size(co)) {
            abort();
        }

        for (i = 0; i < json_array_size(ci); i++) {
            check_contact(json_array_get(ci, i), json_array_get(co, i));
        }
    }

    json_decref(out);
    free(buf);
}


/* the annotated body (malloc()ed), or NULL if the scan refused it */

static pv_u_char *
annotate(const pv_u_char *data, size_t size, const pv_doc_conf_t *conf,
    pv_arena_t *arena, pv_doc_t *doc, size_t *out_size)
{
    long                 bad;
    size_t               i, nedits, cap;
    pv_u_char           *buf, *last;
    pv_edit_t           *edits;
    pv_result_t          res;
    pv_json_error_t      err;
    pv_annotate_conf_t   acf;

    switch (pv_doc_scan(data, size, conf, &arena->pool, doc, &err, &bad)) {

    case PV_DOC_OK:
        break;

    case PV_DOC_EJSON:
        /* the document validated above */
        abort();

    default:
        return NULL;
    }

    acf.output = PV_OUTPUT_CUSTOMFIELDS;
    acf.targets = targets;
    acf.ntargets = sizeof(targets) / sizeof(targets[0]);
    acf.normalize = 1;
    acf.strip = 1;

    memset(&res, 0, sizeof(res));
    res.kind = PV_RESULT_VERDICT;
    res.verdict = PV_VALID_CONFIRMED;
    res.validated_at = 1767225600;
    res.line_type = "MOBILE";
    res.e164 = "+12095550142";
    res.country = "US";

    edits = NULL;
    nedits = 0;
    cap = 0;

    for (i = 0; i < doc->ncontacts; i++) {
        res.kind = doc->contacts[i].phone_state == PV_PHONE_TEXT
                   ? PV_RESULT_VERDICT
                   : (doc->contacts[i].phone_state == PV_PHONE_NULL
                      ? PV_RESULT_CLEAR : PV_RESULT_NONE);

        if (pv_annotate_contact(data, size, &doc->contacts[i], &acf, &res,
                                &arena->pool, &edits, &nedits, &cap)
            != 0)
        {
            return NULL;
        }
    }

    pv_edits_sort(edits, nedits);

    *out_size = pv_splice_size(size, edits, nedits);
    if (*out_size == (size_t) -1) {
        abort();
    }

    buf = malloc(*out_size + 1);
    last = pv_splice(buf, data, size, edits, nedits);

    if ((size_t) (last - buf) != *out_size) {
        abort();
    }

    /* the same result as pieces, runs kept in place from 1..64 bytes on */

    check_pieces(data, size, edits, nedits, buf, *out_size, 1 + size % 64);

    return buf;
}


/* pv_splice_pieces() gives what pv_splice() wrote, in pieces */

static void
check_pieces(const pv_u_char *data, size_t size, const pv_edit_t *edits,
    size_t nedits, const pv_u_char *want, size_t want_size, size_t keep)
{
    size_t       i, n, np, ncopy, at;
    pv_u_char   *copy;
    pv_piece_t  *pieces;

    n = pv_splice_plan(size, edits, nedits, keep, &ncopy);

    pieces = malloc((n + 1) * sizeof(pv_piece_t));
    copy = malloc(ncopy + 1);

    np = pv_splice_pieces(pieces, copy, data, size, edits, nedits, keep);

    if (np != n) {
        abort();
    }

    at = 0;

    for (i = 0; i < np; i++) {
        if (pieces[i].len == 0 || at + pieces[i].len > want_size
            || memcmp(want + at, pieces[i].data, pieces[i].len) != 0)
        {
            abort();
        }

        at += pieces[i].len;
    }

    if (at != want_size) {
        abort();
    }

    free(pieces);
    free(copy);
}


/* how many objects of an array have member name equal to the string s */

static size_t
count_entries(json_t *a, const char *name, const char *s)
{
    size_t       i, n;
    json_t      *e, *v;

    n = 0;

    json_array_foreach(a, i, e) {
        v = json_is_object(e) ? json_object_get(e, name) : NULL;

        if (v != NULL && json_is_string(v) && strcmp(json_string_value(v), s)
                                              == 0)
        {
            n++;
        }
    }

    return n;
}


/*
 * Every member the module does not write is still there, equal; a result
 * entry is there at most once, and none under another name of its target.
 */

static void
check_contact(json_t *in, json_t *out)
{
    json_t      *v, *cf;
    const char  *key;

    json_object_foreach(in, key, v) {
        if (strcmp(key, "customFields") == 0 || strcmp(key, "phone") == 0) {
            continue;
        }

        if (!json_equal(v, json_object_get(out, key))) {
            abort();
        }
    }

    cf = json_object_get(out, "customFields");

    if (json_is_array(cf)
        && (count_entries(cf, "id", "cf_STATUS") > 1
            || count_entries(cf, "key", "conf") > 1
            || count_entries(cf, "key", "status") != 0))
    {
        abort();
    }
}
