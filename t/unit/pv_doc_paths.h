
/*
 * Copyright (C) phoneval authors
 *
 * The one-pass scan (phoneval_scan.c) against the full path of
 * pv_doc_scan(): on any text both must give the same result code, error,
 * container index and contacts.  Used by the unit tests and the fuzzer.
 */


#ifndef _PV_DOC_PATHS_H_INCLUDED_
#define _PV_DOC_PATHS_H_INCLUDED_


#include <string.h>

#include "phoneval_core.h"


static int
pv_doc_items_same(const pv_json_item_t *a, const pv_json_item_t *b)
{
    return a->type == b->type && a->start == b->start && a->end == b->end
           && a->key_start == b->key_start && a->key_end == b->key_end;
}


static int
pv_doc_contacts_same(const pv_contact_t *a, const pv_contact_t *b)
{
    return a->index == b->index
           && a->open == b->open
           && a->close == b->close
           && a->phone_state == b->phone_state
           && pv_doc_items_same(&a->phone, &b->phone)
           && a->phone_len == b->phone_len
           && (a->phone_len == 0
               || memcmp(a->phone_text, b->phone_text, a->phone_len) == 0)
           && strcmp(a->country, b->country) == 0
           && pv_doc_items_same(&a->custom_fields, &b->custom_fields)
           && pv_doc_items_same(&a->tags, &b->tags)
           && pv_doc_items_same(&a->location_id, &b->location_id)
           && a->members_end == b->members_end;
}


/* 1 if both paths agree on p[0..len) */

static int
pv_doc_paths_agree(const pv_u_char *p, size_t len, const pv_doc_conf_t *conf,
    pv_pool_t *pool)
{
    long              bad_fast, bad_full;
    size_t            i;
    pv_doc_t          fast, full;
    pv_doc_rc_e       rc_fast, rc_full;
    pv_doc_conf_t     cf;
    pv_json_error_t   err_fast, err_full;

    memset(&err_fast, 0, sizeof(pv_json_error_t));
    memset(&err_full, 0, sizeof(pv_json_error_t));

    cf = *conf;
    cf.full_scan = 0;
    rc_fast = pv_doc_scan(p, len, &cf, pool, &fast, &err_fast, &bad_fast);

    cf.full_scan = 1;
    rc_full = pv_doc_scan(p, len, &cf, pool, &full, &err_full, &bad_full);

    if (rc_fast != rc_full) {
        return 0;
    }

    if (rc_full != PV_DOC_OK) {
        return err_fast.rc == err_full.rc
               && err_fast.offset == err_full.offset
               && err_fast.line == err_full.line
               && err_fast.column == err_full.column
               && strcmp(err_fast.message, err_full.message) == 0
               && bad_fast == bad_full;
    }

    if (fast.root != full.root || fast.ncontacts != full.ncontacts) {
        return 0;
    }

    /*
     * Without an index wanted, one may have one and the other not (the
     * full path always records it): only the contacts must agree.
     */

    if (!conf->no_index && fast.index->n != full.index->n) {
        return 0;
    }

    for (i = 0; !conf->no_index && i < full.index->n; i++) {
        if (fast.index->spans[i].open != full.index->spans[i].open
            || fast.index->spans[i].close != full.index->spans[i].close
            || fast.index->spans[i].next != full.index->spans[i].next)
        {
            return 0;
        }
    }

    for (i = 0; i < full.ncontacts; i++) {
        if (!pv_doc_contacts_same(&fast.contacts[i], &full.contacts[i])) {
            return 0;
        }
    }

    return 1;
}


#endif /* _PV_DOC_PATHS_H_INCLUDED_ */
