
/*
 * Copyright (C) phoneval authors
 *
 * Turns a contact's verdict into byte edits of the client's body: result
 * entries and members are replaced where they are, appended where they
 * are missing, and removed with exactly one comma, so that everything
 * else keeps its bytes and the result is still valid JSON.
 */


#include <string.h>

#include "phoneval_core.h"


#define PV_ANNOTATE_LOCAL  16


typedef struct {
    pv_pool_t               *pool;
    pv_edit_t              **edits;
    size_t                  *nedits;
    size_t                  *cap;
    pv_annotate_memo_t      *memo;        /* NULL: none */
} pv_annotate_ctx_t;


/*
 * Per target: the text written for it (a member "name":value, or a
 * customFields entry), the length of the value that ends the member
 * text, and what the contact already holds for it.
 */

typedef struct {
    pv_u_char               *data;
    size_t                   len;
    size_t                   value_len;
    int                      shadowed;    /* repeats an earlier target */
    int                      done;        /* written in place */
} pv_annotate_text_t;


/*
 * Removed items of one container, in runs: a run takes one comma with
 * it, the one before the next kept item, else the one after the previous
 * kept item.  An item starts at its key_start: a member with its name,
 * an element (key_start == start) with itself.
 */

typedef struct {
    int                      have_kept;
    size_t                   kept_end;
    int                      in_run;
    size_t                   run_start;
    size_t                   run_end;
} pv_annotate_runs_t;


static int pv_annotate_fields(const pv_u_char *p, size_t len,
    const pv_contact_t *c, const pv_annotate_conf_t *conf,
    pv_result_kind_e kind, pv_annotate_text_t *t, pv_annotate_ctx_t *ctx);
static int pv_annotate_customfields(const pv_u_char *p, size_t len,
    const pv_contact_t *c, const pv_annotate_conf_t *conf,
    pv_result_kind_e kind, pv_annotate_text_t *t, pv_annotate_ctx_t *ctx);
static int pv_annotate_entry(const pv_json_item_t *item, int i,
    pv_result_kind_e kind, pv_annotate_text_t *t, pv_annotate_runs_t *runs,
    pv_annotate_ctx_t *ctx);
static int pv_annotate_match(const pv_u_char *p, const pv_json_iter_t *parent,
    const pv_json_item_t *entry, const pv_annotate_conf_t *conf,
    const pv_annotate_text_t *t);
static int pv_annotate_escaped(const pv_u_char *p, const pv_json_item_t *v);
static int pv_annotate_target(const pv_u_char *p, const pv_json_item_t *id,
    const pv_json_item_t *key, const pv_annotate_conf_t *conf,
    const pv_annotate_text_t *t);
static int pv_annotate_texts(const pv_annotate_conf_t *conf,
    const pv_result_t *res, pv_annotate_text_t *t, pv_pool_t *pool);
static int pv_annotate_same(const pv_annotate_conf_t *conf,
    const pv_result_t *a, const pv_result_t *b);
static void pv_annotate_raw(const pv_result_t *res, pv_item_e item,
    pv_u_char *tmp, const pv_u_char **s, size_t *n, int *number);
#define pv_annotate_lit(s)  s, sizeof(s) - 1

static int pv_annotate_append(const pv_annotate_conf_t *conf,
    const pv_annotate_text_t *t, size_t start, size_t end, int comma,
    const char *head, size_t hlen, const char *tail, size_t tlen,
    pv_annotate_ctx_t *ctx);
static int pv_annotate_add(pv_annotate_ctx_t *ctx, size_t start, size_t end,
    const pv_u_char *data, size_t len);
static int pv_annotate_run_item(pv_annotate_runs_t *r,
    const pv_json_item_t *item, int removed, pv_annotate_ctx_t *ctx);
static int pv_annotate_run_end(pv_annotate_runs_t *r,
    pv_annotate_ctx_t *ctx);


int
pv_annotate_contact(const pv_u_char *p, size_t len, const pv_contact_t *c,
    const pv_annotate_conf_t *conf, const pv_result_t *res, pv_pool_t *pool,
    pv_edit_t **edits, size_t *nedits, size_t *cap)
{
    return pv_annotate_contact_memo(p, len, c, conf, res, pool, edits, nedits,
                                    cap, NULL);
}


int
pv_annotate_contact_memo(const pv_u_char *p, size_t len,
    const pv_contact_t *c, const pv_annotate_conf_t *conf,
    const pv_result_t *res, pv_pool_t *pool, pv_edit_t **edits,
    size_t *nedits, size_t *cap, pv_annotate_memo_t *memo)
{
    size_t               n, elen, size;
    pv_u_char           *buf;
    pv_annotate_ctx_t    ctx;
    pv_annotate_text_t  *t, local[PV_ANNOTATE_LOCAL];

    ctx.pool = pool;
    ctx.edits = edits;
    ctx.nedits = nedits;
    ctx.cap = cap;
    ctx.memo = memo;

    if (conf->normalize
        && res->kind == PV_RESULT_VERDICT
        && (res->verdict == PV_VALID_CONFIRMED
            || res->verdict == PV_VALID_UNCONFIRMED)
        && res->e164 != NULL && res->e164[0] != '\0'
        && !res->keep_phone
        && c->phone_state == PV_PHONE_TEXT)
    {
        elen = strlen(res->e164);

        if (c->phone_len != elen
            || memcmp(c->phone_text, res->e164, elen) != 0)
        {
            buf = pv_alloc(pool, 2 + 6 * elen);
            if (buf == NULL) {
                return -1;
            }

            n = pv_json_quote((const pv_u_char *) res->e164, elen, buf);

            if (pv_annotate_add(&ctx, c->phone.start, c->phone.end, buf, n)
                != 0)
            {
                return -1;
            }
        }
    }

    if (conf->output == PV_OUTPUT_OFF || conf->ntargets == 0) {
        return 0;
    }

    if (res->kind == PV_RESULT_NONE && !conf->strip) {
        return 0;
    }

    if (conf->ntargets <= PV_ANNOTATE_LOCAL) {
        t = local;

    } else {
        t = pv_alloc(pool, conf->ntargets * sizeof(pv_annotate_text_t));
        if (t == NULL) {
            return -1;
        }
    }

    size = conf->ntargets * sizeof(pv_annotate_text_t);

    if (memo != NULL && memo->texts != NULL
        && pv_annotate_same(conf, &memo->res, res))
    {
        memcpy(t, memo->texts, size);

    } else {
        if (pv_annotate_texts(conf, res, t, pool) != 0) {
            return -1;
        }

        if (memo != NULL) {
            if (memo->texts == NULL) {
                memo->texts = pv_alloc(pool, size);
                if (memo->texts == NULL) {
                    return -1;
                }
            }

            /*
             * nothing is matched yet (only the other names of targets are
             * "done", as for every contact): the copy serves any contact
             */
            memcpy(memo->texts, t, size);
            memo->res = *res;
            memo->append = NULL;
        }
    }

    if (conf->output == PV_OUTPUT_FIELDS) {
        return pv_annotate_fields(p, len, c, conf, res->kind, t, &ctx);
    }

    return pv_annotate_customfields(p, len, c, conf, res->kind, t, &ctx);
}


static int
pv_annotate_fields(const pv_u_char *p, size_t len, const pv_contact_t *c,
    const pv_annotate_conf_t *conf, pv_result_kind_e kind,
    pv_annotate_text_t *t, pv_annotate_ctx_t *ctx)
{
    int                  removed;
    size_t               i, at;
    pv_json_iter_t       it;
    pv_json_item_t       item;
    pv_annotate_runs_t   runs;

    memset(&runs, 0, sizeof(pv_annotate_runs_t));

    pv_json_iter_init_index(&it, p, len, c->open, c->json_index);

    while (pv_json_iter_next(&it, &item)) {
        removed = 0;

        for (i = 0; i < conf->ntargets; i++) {
            if (t[i].shadowed
                || !pv_json_string_eq(p, item.key_start, item.key_end,
                                      conf->targets[i].name,
                                      conf->targets[i].name_len))
            {
                continue;
            }

            t[i].done = 1;

            /*
             * A target named like the phone member is a configuration
             * error: the phone is never overwritten or removed.
             */

            if (c->phone_state != PV_PHONE_ABSENT
                && item.key_start == c->phone.key_start)
            {
                break;
            }

            if (kind == PV_RESULT_NONE || conf->targets[i].strip_only) {
                removed = 1;
                break;
            }

            /* the client's name stays, only the value changes */

            if (pv_annotate_add(ctx, item.start, item.end,
                                t[i].data + t[i].len - t[i].value_len,
                                t[i].value_len)
                != 0)
            {
                return -1;
            }

            break;
        }

        if (pv_annotate_run_item(&runs, &item, removed, ctx) != 0) {
            return -1;
        }
    }

    if (pv_annotate_run_end(&runs, ctx) != 0) {
        return -1;
    }

    if (kind == PV_RESULT_NONE) {
        return 0;
    }

    /* nothing is removed here, so the last member is the last kept one */

    at = runs.have_kept ? runs.kept_end : c->open + 1;

    return pv_annotate_append(conf, t, at, at, runs.have_kept,
                              pv_annotate_lit(""), pv_annotate_lit(""), ctx);
}


static int
pv_annotate_customfields(const pv_u_char *p, size_t len,
    const pv_contact_t *c, const pv_annotate_conf_t *conf,
    pv_result_kind_e kind, pv_annotate_text_t *t, pv_annotate_ctx_t *ctx)
{
    int                  i;
    size_t               last_end, at, k;
    pv_json_iter_t       it;
    pv_json_item_t       item, cf;
    pv_annotate_runs_t   runs;
    const pv_cf_entry_t *e;

    /* the document scan found the member and the contact's last one */

    cf = c->custom_fields;
    last_end = c->members_end;

    if (!pv_contact_has(&cf)) {
        if (kind == PV_RESULT_NONE) {
            return 0;
        }

        return pv_annotate_append(conf, t, last_end, last_end,
                                  last_end != c->open + 1,
                                  pv_annotate_lit("\"customFields\":["),
                                  pv_annotate_lit("]"), ctx);
    }

    if (cf.type == PV_JSON_NULL) {
        if (kind == PV_RESULT_NONE) {
            return 0;
        }

        return pv_annotate_append(conf, t, cf.start, cf.end, 0,
                                  pv_annotate_lit("["), pv_annotate_lit("]"),
                                  ctx);
    }

    if (cf.type != PV_JSON_ARRAY) {
        return PV_ANNOTATE_ECUSTOMFIELDS;
    }

    memset(&runs, 0, sizeof(pv_annotate_runs_t));

    if (c->cf_open != 0 && c->cf_open == cf.start) {

        /* the document scan recorded the entries and their ids */

        for (k = 0; k < c->cf_nentries; k++) {
            e = &c->cf_entries[k];

            i = (e->item.type == PV_JSON_OBJECT)
                ? pv_annotate_target(p, &e->id, &e->key, conf, t) : -1;

            if (pv_annotate_entry(&e->item, i, kind, t, &runs, ctx) != 0) {
                return -1;
            }
        }

    } else {
        pv_json_iter_init_index(&it, p, len, cf.start, c->json_index);

        while (pv_json_iter_next(&it, &item)) {
            i = pv_annotate_match(p, &it, &item, conf, t);

            if (pv_annotate_entry(&item, i, kind, t, &runs, ctx) != 0) {
                return -1;
            }
        }
    }

    if (pv_annotate_run_end(&runs, ctx) != 0) {
        return -1;
    }

    if (kind == PV_RESULT_NONE) {
        return 0;
    }

    at = runs.have_kept ? runs.kept_end : cf.start + 1;

    return pv_annotate_append(conf, t, at, at, runs.have_kept,
                              pv_annotate_lit(""), pv_annotate_lit(""), ctx);
}


/* an entry of customFields, for target i (-1: none): kept or replaced */

static int
pv_annotate_entry(const pv_json_item_t *item, int i, pv_result_kind_e kind,
    pv_annotate_text_t *t, pv_annotate_runs_t *runs, pv_annotate_ctx_t *ctx)
{
    int  removed;

    removed = 0;

    if (i >= 0) {
        if (kind == PV_RESULT_NONE || t[i].done) {
            removed = 1;

        } else {
            t[i].done = 1;

            if (pv_annotate_add(ctx, item->start, item->end, t[i].data,
                                t[i].len)
                != 0)
            {
                return -1;
            }
        }
    }

    return pv_annotate_run_item(runs, item, removed, ctx);
}


/* the target an entry is for, by its "id" or "key" string; -1: none */

static int
pv_annotate_match(const pv_u_char *p, const pv_json_iter_t *parent,
    const pv_json_item_t *entry, const pv_annotate_conf_t *conf,
    const pv_annotate_text_t *t)
{
    size_t                raw;
    pv_json_iter_t        it;
    pv_json_item_t        m, id, key;

    if (entry->type != PV_JSON_OBJECT) {
        return -1;
    }

    memset(&id, 0, sizeof(pv_json_item_t));
    memset(&key, 0, sizeof(pv_json_item_t));

    pv_json_iter_init_item(&it, parent, entry);

    while (pv_json_iter_next(&it, &m)) {
        if (m.type != PV_JSON_STRING) {
            continue;
        }

        /*
         * A name of two or three raw bytes is "id" or "key" only as
         * those very bytes (an escape there decodes to '"', '\\', '/'
         * or a control); longer ones may be escaped spellings.
         */

        raw = m.key_end - m.key_start - 2;

        if (raw == 2) {
            if (p[m.key_start + 1] == 'i' && p[m.key_start + 2] == 'd') {
                id = m;
            }

        } else if (raw == 3) {
            if (memcmp(p + m.key_start + 1, "key", 3) == 0) {
                key = m;
            }

        } else if (raw > 3) {
            if (pv_json_string_eq(p, m.key_start, m.key_end,
                                  (const pv_u_char *) "id", 2))
            {
                id = m;

            } else if (pv_json_string_eq(p, m.key_start, m.key_end,
                                         (const pv_u_char *) "key", 3))
            {
                key = m;
            }
        }
    }

    return pv_annotate_target(p, &id, &key, conf, t);
}


/* the target of an entry with these "id" and "key" members; -1: none */

static int
pv_annotate_target(const pv_u_char *p, const pv_json_item_t *id,
    const pv_json_item_t *key, const pv_annotate_conf_t *conf,
    const pv_annotate_text_t *t)
{
    int                   esc, id_esc, key_esc;
    size_t                i, raw;
    const pv_target_t    *tg;
    const pv_json_item_t *v;

    /*
     * A string with no backslash is its own decoded text, so a name is
     * matched by length and bytes; one with an escape is decoded.
     */

    id_esc = pv_annotate_escaped(p, id);
    key_esc = pv_annotate_escaped(p, key);

    for (i = 0; i < conf->ntargets; i++) {
        if (t[i].shadowed) {
            continue;
        }

        tg = &conf->targets[i];

        if (tg->by_key) {
            v = key;
            esc = key_esc;

        } else {
            v = id;
            esc = id_esc;
        }

        if (v->type != PV_JSON_STRING) {
            continue;
        }

        if (esc) {
            if (pv_json_string_eq(p, v->start, v->end, tg->name,
                                  tg->name_len))
            {
                return (int) i;
            }

            continue;
        }

        raw = v->end - v->start - 2;

        if (raw == tg->name_len
            && memcmp(p + v->start + 1, tg->name, raw) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


/* a string item with a backslash in it */

static int
pv_annotate_escaped(const pv_u_char *p, const pv_json_item_t *v)
{
    return v->type == PV_JSON_STRING
           && memchr(p + v->start + 1, '\\', v->end - v->start - 2) != NULL;
}


/*
 * Renders every target's text once per contact.  fields: "name":value,
 * empty values are null.  customfields: {"id":T,"field_value":V} or
 * {"key":NAME,"field_value":V}, empty values are "".
 */

static int
pv_annotate_texts(const pv_annotate_conf_t *conf, const pv_result_t *res,
    pv_annotate_text_t *t, pv_pool_t *pool)
{
    int                 number, fields;
    size_t              i, j, n, size;
    pv_u_char          *o;
    const pv_u_char    *s;
    const pv_target_t  *tg;
    pv_u_char           tmp[PV_ISO8601_LEN];

    fields = (conf->output == PV_OUTPUT_FIELDS);

    for (i = 0; i < conf->ntargets; i++) {
        tg = &conf->targets[i];

        t[i].data = NULL;
        t[i].len = 0;
        t[i].value_len = 0;
        t[i].done = 0;
        t[i].shadowed = 0;

        /* a repeated target would write one entry or member twice */

        for (j = 0; j < i; j++) {
            if ((fields || !conf->targets[j].by_key == !tg->by_key)
                && conf->targets[j].name_len == tg->name_len
                && memcmp(conf->targets[j].name, tg->name, tg->name_len) == 0)
            {
                t[i].shadowed = 1;
                break;
            }
        }

        /* another name of a target: what matches it is removed */

        if (tg->strip_only) {
            t[i].done = 1;
            continue;
        }

        /* only stripping: nothing is written */

        if (t[i].shadowed || res->kind == PV_RESULT_NONE) {
            continue;
        }

        pv_annotate_raw(res, tg->item, tmp, &s, &n, &number);

        /* {"key":...,"field_value":...} around the name and the value */

        size = sizeof("{\"key\":,\"field_value\":}") - 1
               + 2 + 6 * tg->name_len + 2 + 6 * n + 4;

        o = pv_alloc(pool, size);
        if (o == NULL) {
            return -1;
        }

        t[i].data = o;

        if (fields) {
            o += pv_json_quote(tg->name, tg->name_len, o);
            *o++ = ':';

        } else {
            if (tg->by_key) {
                memcpy(o, "{\"key\":", 7);
                o += 7;

            } else {
                memcpy(o, "{\"id\":", 6);
                o += 6;
            }

            o += pv_json_quote(tg->name, tg->name_len, o);

            memcpy(o, ",\"field_value\":", 15);
            o += 15;
        }

        if (n == 0) {
            n = fields ? 4 : 2;
            memcpy(o, fields ? "null" : "\"\"", n);

        } else if (number) {
            memcpy(o, s, n);

        } else {
            n = pv_json_quote(s, n, o);
        }

        o += n;
        t[i].value_len = n;

        if (!fields) {
            *o++ = '}';
        }

        t[i].len = (size_t) (o - t[i].data);
    }

    return 0;
}


/* 1 if pv_annotate_texts() renders the same texts for a and b */

static int
pv_annotate_same(const pv_annotate_conf_t *conf, const pv_result_t *a,
    const pv_result_t *b)
{
    size_t       i;
    const char  *x, *y;

    if (a->kind != b->kind) {
        return 0;
    }

    if (a->kind != PV_RESULT_VERDICT) {
        return 1;                       /* every text is empty */
    }

    if (a->verdict != b->verdict || a->validated_at != b->validated_at) {
        return 0;
    }

    for (i = 0; i < conf->ntargets; i++) {

        switch (conf->targets[i].item) {

        case PV_ITEM_LINE_TYPE:
            x = a->line_type;
            y = b->line_type;
            break;

        case PV_ITEM_E164:
            x = a->e164;
            y = b->e164;
            break;

        case PV_ITEM_COUNTRY:
            x = a->country;
            y = b->country;
            break;

        default:
            continue;
        }

        if (x != y
            && (x == NULL || y == NULL || strcmp(x, y) != 0))
        {
            return 0;
        }
    }

    return 1;
}


/* the plain text of an item; n is 0 when it is empty */

static void
pv_annotate_raw(const pv_result_t *res, pv_item_e item, pv_u_char *tmp,
    const pv_u_char **s, size_t *n, int *number)
{
    int          conf;
    const char  *str;

    *s = tmp;
    *n = 0;
    *number = 0;

    if (res->kind != PV_RESULT_VERDICT) {
        return;
    }

    str = NULL;

    switch (item) {

    case PV_ITEM_STATUS:
        str = pv_verdict_name(res->verdict);
        break;

    case PV_ITEM_LAST_VALIDATED:
        if (res->verdict != PV_PENDING && res->validated_at != 0) {
            *n = pv_time_iso8601(res->validated_at, tmp);
        }

        return;

    case PV_ITEM_CONFIDENCE:
        conf = pv_verdict_confidence(res->verdict);

        if (conf >= 0) {
            *number = 1;

            if (conf >= 100) {
                tmp[(*n)++] = (pv_u_char) ('0' + conf / 100);
            }

            if (conf >= 10) {
                tmp[(*n)++] = (pv_u_char) ('0' + conf / 10 % 10);
            }

            tmp[(*n)++] = (pv_u_char) ('0' + conf % 10);
        }

        return;

    case PV_ITEM_LINE_TYPE:
        str = res->line_type;
        break;

    case PV_ITEM_E164:
        str = res->e164;
        break;

    case PV_ITEM_COUNTRY:
        str = res->country;
        break;

    default:
        return;
    }

    if (str != NULL) {
        *s = (const pv_u_char *) str;
        *n = strlen(str);
    }
}


/*
 * Replaces [start, end) (an insert when equal) with the texts of the
 * targets not written in place, comma-separated, after a comma if asked,
 * and between head and tail.  Without such targets and without a head
 * there is nothing to write.
 */

static int
pv_annotate_append(const pv_annotate_conf_t *conf,
    const pv_annotate_text_t *t, size_t start, size_t end, int comma,
    const char *head, size_t hlen, const char *tail, size_t tlen,
    pv_annotate_ctx_t *ctx)
{
    size_t               i, size, ntexts;
    uint64_t             pending;
    pv_u_char           *buf, *o;
    pv_annotate_memo_t  *m;

    size = 1 + hlen + tlen;
    ntexts = 0;
    pending = 0;

    for (i = 0; i < conf->ntargets; i++) {
        if (!t[i].shadowed && !t[i].done) {
            size += 1 + t[i].len;
            ntexts++;
            pending |= (i < 64) ? 1ULL << i : 0;
        }
    }

    if (ntexts == 0 && hlen == 0 && start == end) {
        return 0;
    }

    /* the contacts of a bulk body mostly append the same text */

    m = (conf->ntargets <= 64) ? ctx->memo : NULL;

    if (m != NULL && m->append != NULL && m->append_pending == pending
        && m->append_comma == comma && m->append_head == head
        && m->append_tail == tail)
    {
        return pv_annotate_add(ctx, start, end, m->append, m->append_len);
    }

    buf = pv_alloc(ctx->pool, size);
    if (buf == NULL) {
        return -1;
    }

    o = buf;

    if (comma && (ntexts || hlen)) {
        *o++ = ',';
    }

    memcpy(o, head, hlen);
    o += hlen;

    ntexts = 0;

    for (i = 0; i < conf->ntargets; i++) {
        if (t[i].shadowed || t[i].done) {
            continue;
        }

        if (ntexts++) {
            *o++ = ',';
        }

        memcpy(o, t[i].data, t[i].len);
        o += t[i].len;
    }

    memcpy(o, tail, tlen);
    o += tlen;

    if (m != NULL) {
        m->append = buf;
        m->append_len = (size_t) (o - buf);
        m->append_pending = pending;
        m->append_comma = comma;
        m->append_head = head;
        m->append_tail = tail;
    }

    return pv_annotate_add(ctx, start, end, buf, (size_t) (o - buf));
}


static int
pv_annotate_add(pv_annotate_ctx_t *ctx, size_t start, size_t end,
    const pv_u_char *data, size_t len)
{
    size_t      cap;
    pv_edit_t  *e;

    if (*ctx->nedits == *ctx->cap) {
        cap = *ctx->cap ? *ctx->cap * 2 : 16;

        e = pv_alloc(ctx->pool, cap * sizeof(pv_edit_t));
        if (e == NULL) {
            return -1;
        }

        if (*ctx->nedits) {
            memcpy(e, *ctx->edits, *ctx->nedits * sizeof(pv_edit_t));
        }

        *ctx->edits = e;
        *ctx->cap = cap;
    }

    e = &(*ctx->edits)[(*ctx->nedits)++];

    e->start = start;
    e->end = end;
    e->data = data;
    e->len = len;

    return 0;
}


static int
pv_annotate_run_item(pv_annotate_runs_t *r, const pv_json_item_t *item,
    int removed, pv_annotate_ctx_t *ctx)
{
    if (removed) {
        if (!r->in_run) {
            r->in_run = 1;
            r->run_start = item->key_start;
        }

        r->run_end = item->end;
        return 0;
    }

    if (r->in_run) {
        /* a kept item follows: the comma before it goes */

        r->in_run = 0;

        if (pv_annotate_add(ctx, r->run_start, item->key_start, NULL, 0)
            != 0)
        {
            return -1;
        }
    }

    r->have_kept = 1;
    r->kept_end = item->end;

    return 0;
}


static int
pv_annotate_run_end(pv_annotate_runs_t *r, pv_annotate_ctx_t *ctx)
{
    if (!r->in_run) {
        return 0;
    }

    r->in_run = 0;

    /* the last items go: the comma after the previous kept item goes */

    return pv_annotate_add(ctx, r->have_kept ? r->kept_end : r->run_start,
                           r->run_end, NULL, 0);
}
