
/*
 * Copyright (C) phoneval authors
 *
 * Follow-up tags: merge tags into a contact's "tags" array without
 * touching the tags already there.
 */


#include <string.h>

#include "phoneval_core.h"


static int pv_tags_push(pv_pool_t *pool, pv_edit_t **edits, size_t *nedits,
    size_t *cap, size_t start, size_t end, const pv_u_char *data,
    size_t len);
static int pv_tags_repeated(const pv_u_char **tags, const size_t *lens,
    size_t i);
static int pv_tags_has(const pv_u_char *p, size_t len,
    const pv_json_index_t *index, size_t open, const pv_u_char *tag,
    size_t tag_len);


int
pv_tags_contact(const pv_u_char *p, size_t len, const pv_contact_t *c,
    const pv_u_char **tags, const size_t *tag_lens, size_t ntags,
    int add_member, pv_pool_t *pool, pv_edit_t **edits, size_t *nedits,
    size_t *cap)
{
    size_t            i, size, at;
    pv_u_char        *out, *o;
    pv_json_iter_t    it;
    pv_json_item_t    item, tags_item;
    int               found, nonempty;

    if (ntags == 0) {
        return 0;
    }

    /* the document scan found the member */

    at = 0;
    tags_item = c->tags;
    found = pv_contact_has(&tags_item);

    if (found && tags_item.type != PV_JSON_ARRAY
        && tags_item.type != PV_JSON_NULL)
    {
        return PV_TAGS_ENOTARRAY;
    }

    if (!add_member && !(found && tags_item.type == PV_JSON_ARRAY)) {
        return 0;
    }

    size = 16;

    for (i = 0; i < ntags; i++) {
        size += 2 + 6 * tag_lens[i] + 1;
    }

    out = pv_alloc(pool, size + sizeof("\"tags\":[]") + 1);
    if (out == NULL) {
        return -1;
    }

    o = out;

    if (found && tags_item.type == PV_JSON_ARRAY) {

        /* append the missing ones before the closing bracket */

        nonempty = 0;
        pv_json_iter_init_index(&it, p, len, tags_item.start, c->json_index);

        while (pv_json_iter_next(&it, &item)) {
            nonempty = 1;
            at = item.end;
        }

        if (!nonempty) {
            at = tags_item.start + 1;
        }

        for (i = 0; i < ntags; i++) {
            if (pv_tags_has(p, len, c->json_index, tags_item.start, tags[i],
                            tag_lens[i]))
            {
                continue;
            }

            if (pv_tags_repeated(tags, tag_lens, i)) {
                continue;
            }

            if (nonempty) {
                *o++ = ',';
            }

            o += pv_json_quote(tags[i], tag_lens[i], o);
            nonempty = 1;
        }

        if (o == out) {
            return 0;
        }

        return pv_tags_push(pool, edits, nedits, cap, at, at, out, o - out);
    }

    /* a new member, or a null one replaced by an array */

    if (!found) {
        memcpy(o, ",\"tags\":", 8);
        o += 8;
    }

    *o++ = '[';

    for (i = 0; i < ntags; i++) {
        if (pv_tags_repeated(tags, tag_lens, i)) {
            continue;
        }

        if (i) {
            *o++ = ',';
        }

        o += pv_json_quote(tags[i], tag_lens[i], o);
    }

    *o++ = ']';

    if (found) {
        return pv_tags_push(pool, edits, nedits, cap, tags_item.start,
                            tags_item.end, out, o - out);
    }

    /* the contact has its phone member, so it is never empty here */
    return pv_tags_push(pool, edits, nedits, cap, c->close, c->close,
                        out, o - out);
}


/* the same tag configured twice for one verdict is added once */

static int
pv_tags_repeated(const pv_u_char **tags, const size_t *lens, size_t i)
{
    size_t  j;

    for (j = 0; j < i; j++) {
        if (lens[j] == lens[i] && memcmp(tags[j], tags[i], lens[i]) == 0) {
            return 1;
        }
    }

    return 0;
}


/* a tag equal to an element already there (decoded) is not added again */

static int
pv_tags_has(const pv_u_char *p, size_t len, const pv_json_index_t *index,
    size_t open, const pv_u_char *tag, size_t tag_len)
{
    pv_json_iter_t  it;
    pv_json_item_t  item;

    pv_json_iter_init_index(&it, p, len, open, index);

    while (pv_json_iter_next(&it, &item)) {
        if (item.type == PV_JSON_STRING
            && pv_json_string_eq(p, item.start, item.end, tag, tag_len))
        {
            return 1;
        }
    }

    return 0;
}


static int
pv_tags_push(pv_pool_t *pool, pv_edit_t **edits, size_t *nedits,
    size_t *cap, size_t start, size_t end, const pv_u_char *data,
    size_t len)
{
    size_t      n;
    pv_edit_t  *e;

    if (*nedits == *cap) {
        n = *cap ? *cap * 2 : 8;

        e = pv_alloc(pool, n * sizeof(pv_edit_t));
        if (e == NULL) {
            return -1;
        }

        if (*nedits) {
            memcpy(e, *edits, *nedits * sizeof(pv_edit_t));
        }

        *edits = e;
        *cap = n;
    }

    e = &(*edits)[(*nedits)++];
    e->start = start;
    e->end = end;
    e->data = data;
    e->len = len;

    return 0;
}
