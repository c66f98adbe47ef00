
/*
 * Copyright (C) phoneval authors
 *
 * Events and follow-up tags, both fire-and-forget background subrequests:
 * phoneval_notify POSTs one signed JSON event per request once its
 * verdicts are known; phoneval_tag_pass adds tags to a contact a PUT
 * updated.  Neither changes the client's response; a failing receiver
 * costs a log line.
 */


#include "ngx_http_phoneval.h"

#if (NGX_OPENSSL)
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif


static size_t ngx_http_phoneval_event_size(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_str_t *id);
static u_char *ngx_http_phoneval_event_contact(u_char *p,
    ngx_http_phoneval_ctx_t *ctx, ngx_http_phoneval_contact_t *pc,
    ngx_str_t *id);
static ngx_int_t ngx_http_phoneval_contact_id(ngx_http_request_t *r,
    ngx_str_t *id);
static ngx_int_t ngx_http_phoneval_background(ngx_http_request_t *r,
    ngx_str_t *uri, ngx_str_t *args, u_char *body, size_t len,
    ngx_str_t *signature, ngx_uint_t client_headers);
static ngx_int_t ngx_http_phoneval_background_done(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static ngx_int_t ngx_http_phoneval_sign(ngx_http_request_t *r,
    ngx_str_t *secret, u_char *body, size_t len, ngx_str_t *signature);
static ngx_table_elt_t *ngx_http_phoneval_add_header(ngx_list_t *list,
    char *key, char *lowcase, ngx_str_t *value);


static ngx_uint_t ngx_http_phoneval_is_upsert(ngx_http_request_t *r);
static ngx_uint_t ngx_http_phoneval_ends_upsert(u_char *start, u_char *last);
static ngx_int_t ngx_http_phoneval_tag_put(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_header_filter(ngx_http_request_t *r);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;

static ngx_str_t  ngx_http_phoneval_post_method = ngx_string("POST");


ngx_int_t
ngx_http_phoneval_notify_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_phoneval_header_filter;

    return NGX_OK;
}


/* a PUT the Contacts API accepted gets its follow-up tags */

static ngx_int_t
ngx_http_phoneval_header_filter(ngx_http_request_t *r)
{
    ngx_http_phoneval_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_phoneval_module);

    if (ctx && ctx->tag_put) {
        ctx->tag_put = 0;

        if (r->headers_out.status >= NGX_HTTP_OK
            && r->headers_out.status < NGX_HTTP_SPECIAL_RESPONSE
            && ngx_http_phoneval_tag_put(r, ctx) != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "phoneval: could not send the tags");
        }
    }

    return ngx_http_next_header_filter(r);
}


/* the verdict of a contact that has one, or -1 */

static ngx_int_t
ngx_http_phoneval_contact_verdict(ngx_http_phoneval_contact_t *pc)
{
    if (pc->kind != PV_RESULT_VERDICT) {
        return -1;
    }

    return (ngx_int_t) pc->verdict->verdict;
}


ngx_int_t
ngx_http_phoneval_notify(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx)
{
    u_char                        *body, *p;
    size_t                         size;
    ngx_int_t                      v;
    ngx_str_t                      id, signature, *rid, *s;
    ngx_uint_t                     i, n;
    ngx_http_variable_value_t     *vv;
    ngx_http_phoneval_contact_t   *pc;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;

    if (plcf->notify.len == 0) {
        return NGX_OK;
    }

    n = 0;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        v = ngx_http_phoneval_contact_verdict(&ctx->contacts[i]);

        if (v >= 0 && (plcf->notify_on & NGX_HTTP_PHONEVAL_VERDICT_BIT(v))) {
            n++;
        }
    }

    if (n == 0) {
        return NGX_OK;
    }

    ngx_str_null(&id);

    if (r->method == NGX_HTTP_PUT) {
        (void) ngx_http_phoneval_contact_id(r, &id);
    }

    rid = NULL;
    vv = ngx_http_get_indexed_variable(r, ctx->main_conf->request_id_index);

    if (vv && !vv->not_found) {
        rid = ngx_palloc(r->pool, sizeof(ngx_str_t));
        if (rid == NULL) {
            return NGX_ERROR;
        }

        rid->data = vv->data;
        rid->len = vv->len;
    }

    size = ngx_http_phoneval_event_size(r, ctx, &id);

    body = ngx_pnalloc(r->pool, size);
    if (body == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(body, "{\"event\":\"phoneval.validated\",\"time\":\"",
                   sizeof("{\"event\":\"phoneval.validated\",\"time\":\"")
                   - 1);
    p += pv_time_iso8601(ngx_time(), p);
    p = ngx_cpymem(p, "\",\"request_id\":", sizeof("\",\"request_id\":") - 1);

    if (rid) {
        p += pv_json_quote(rid->data, rid->len, p);

    } else {
        p = ngx_cpymem(p, "null", 4);
    }

    p = ngx_cpymem(p, ",\"method\":", sizeof(",\"method\":") - 1);
    p += pv_json_quote(r->method_name.data, r->method_name.len, p);
    p = ngx_cpymem(p, ",\"uri\":", sizeof(",\"uri\":") - 1);
    p += pv_json_quote(r->uri.data, r->uri.len, p);
    p = ngx_cpymem(p, ",\"contacts\":[", sizeof(",\"contacts\":[") - 1);

    n = 0;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        pc = &ctx->contacts[i];
        v = ngx_http_phoneval_contact_verdict(pc);

        if (v < 0 || !(plcf->notify_on & NGX_HTTP_PHONEVAL_VERDICT_BIT(v))) {
            continue;
        }

        if (n++) {
            *p++ = ',';
        }

        p = ngx_http_phoneval_event_contact(p, ctx, pc, &id);
    }

    p = ngx_cpymem(p, "]}", 2);

    s = NULL;

    if (plcf->notify_secret.len) {
        if (ngx_http_phoneval_sign(r, &plcf->notify_secret, body, p - body,
                                   &signature)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        s = &signature;
    }

    return ngx_http_phoneval_background(r, &plcf->notify, NULL, body,
                                        p - body, s, 0);
}


static size_t
ngx_http_phoneval_event_size(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_str_t *id)
{
    size_t         size;
    ngx_uint_t     i;
    pv_contact_t  *c;

    size = 256 + 6 * (r->uri.len + r->method_name.len) + 6 * NGX_INT_T_LEN;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        c = ctx->contacts[i].contact;

        /*
         * locationId is no longer than the contact itself; it is decoded
         * 6 bytes per raw byte ahead of where it is quoted, so 7 in all
         */
        size += 256 + 6 * (c->phone_len + id->len)
                + 7 * (c->close - c->open) + PV_E164_MAX
                + PV_LINE_TYPE_MAX;
    }

    return size;
}


static u_char *
ngx_http_phoneval_event_contact(u_char *p, ngx_http_phoneval_ctx_t *ctx,
    ngx_http_phoneval_contact_t *pc, ngx_str_t *id)
{
    int                           conf;
    size_t                        n;
    u_char                       *loc;
    pv_contact_t                 *c;
    pv_json_item_t               *item;
    ngx_http_phoneval_verdict_t  *v;

    c = pc->contact;
    v = pc->verdict;

    if (c->index < 0) {
        p = ngx_cpymem(p, "{\"index\":null", sizeof("{\"index\":null") - 1);

    } else {
        p = ngx_sprintf(p, "{\"index\":%l", c->index);
    }

    p = ngx_cpymem(p, ",\"id\":", sizeof(",\"id\":") - 1);

    if (id->len) {
        p += pv_json_quote(id->data, id->len, p);

    } else {
        p = ngx_cpymem(p, "null", 4);
    }

    p = ngx_cpymem(p, ",\"locationId\":", sizeof(",\"locationId\":") - 1);

    /* the document scan recorded the member */

    item = &c->location_id;

    if (pv_contact_has(item) && item->type == PV_JSON_STRING) {
        /* decode into the output, then quote in place: both fit */
        loc = p + 6 * (item->end - item->start);
        n = pv_json_string_decode(ctx->body, item->start, item->end, loc);
        p += pv_json_quote(loc, n, p);

    } else {
        p = ngx_cpymem(p, "null", 4);
    }

    p = ngx_cpymem(p, ",\"phone\":", sizeof(",\"phone\":") - 1);
    p += pv_json_quote(c->phone_text, c->phone_len, p);

    p = ngx_sprintf(p, ",\"e164\":\"%s\",\"status\":\"%s\",\"line_type\":\"%s\","
                    "\"confidence\":",
                    v->verdict == PV_INVALID ? "" : v->e164,
                    pv_verdict_name(v->verdict), v->line_type);

    conf = pv_verdict_confidence(v->verdict);

    if (conf < 0) {
        p = ngx_cpymem(p, "null", 4);

    } else {
        p = ngx_sprintf(p, "%d", conf);
    }

    p = ngx_sprintf(p, ",\"cache\":\"%s\"}",
                    (pc->item && pc->item->src == NGX_HTTP_PHONEVAL_SRC_CACHE)
                    ? "HIT" : "MISS");

    return p;
}


/* PUT /contacts/:id: the last path segment */

static ngx_int_t
ngx_http_phoneval_contact_id(ngx_http_request_t *r, ngx_str_t *id)
{
    u_char  *p, *last;

    last = r->uri.data + r->uri.len;

    while (last > r->uri.data && last[-1] == '/') {
        last--;
    }

    for (p = last; p > r->uri.data && p[-1] != '/'; p--) { /* void */ }

    if (p == last) {
        return NGX_DECLINED;
    }

    id->data = p;
    id->len = last - p;

    return NGX_OK;
}


/*
 * PUT replaces all of a contact's tags, so the body is never touched;
 * the tags are added through POST /contacts/:id/tags instead.
 */

static ngx_int_t
ngx_http_phoneval_tag_put(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx)
{
    u_char                        *body, *p;
    size_t                         size;
    ngx_int_t                      v;
    ngx_str_t                      id, args;
    ngx_uint_t                     i, j, n;
    ngx_http_phoneval_tag_t       *tag;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;

    if (plcf->tag_pass.len == 0 || plcf->tags == NULL
        || r->method != NGX_HTTP_PUT
        || ngx_http_phoneval_contact_id(r, &id) != NGX_OK)
    {
        return NGX_OK;
    }

    tag = plcf->tags->elts;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        v = ngx_http_phoneval_contact_verdict(&ctx->contacts[i]);
        if (v < 0) {
            continue;
        }

        size = sizeof("{\"tags\":[]}");

        for (j = 0; j < plcf->tags->nelts; j++) {
            size += 6 * tag[j].tag.len + 3;
        }

        body = ngx_pnalloc(r->pool, size);
        if (body == NULL) {
            return NGX_ERROR;
        }

        p = ngx_cpymem(body, "{\"tags\":[", sizeof("{\"tags\":[") - 1);
        n = 0;

        for (j = 0; j < plcf->tags->nelts; j++) {
            if (tag[j].verdict != v) {
                continue;
            }

            if (n++) {
                *p++ = ',';
            }

            p += pv_json_quote(tag[j].tag.data, tag[j].tag.len, p);
        }

        if (n == 0) {
            continue;
        }

        p = ngx_cpymem(p, "]}", 2);

        args.data = ngx_pnalloc(r->pool, 3 + 3 * id.len);
        if (args.data == NULL) {
            return NGX_ERROR;
        }

        args.len = ngx_cpymem(args.data, "id=", 3) - args.data;
        args.len += pv_form_escape(id.data, id.len, args.data + 3);

        return ngx_http_phoneval_background(r, &plcf->tag_pass, &args, body,
                                            p - body, NULL, 1);
    }

    return NGX_OK;
}


/*
 * An upsert the way the Contacts API's router sees it: Express and NestJS
 * (HighLevel) match routes case-insensitively and with an optional
 * trailing slash.  Both the URI as sent (what proxy_pass without a URI
 * forwards) and the decoded, possibly rewritten one are looked at: when
 * in doubt it is an upsert, which at worst leaves a contact untagged.
 */

static ngx_uint_t
ngx_http_phoneval_is_upsert(ngx_http_request_t *r)
{
    u_char  *p, *last;

    p = r->unparsed_uri.data;
    last = p ? ngx_strlchr(p, p + r->unparsed_uri.len, '?') : NULL;

    if (last == NULL) {
        last = p + r->unparsed_uri.len;
    }

    return ngx_http_phoneval_ends_upsert(p, last)
           || ngx_http_phoneval_ends_upsert(r->uri.data,
                                            r->uri.data + r->uri.len);
}


/* "/upsert" as the last path segment, any case, any trailing slashes */

static ngx_uint_t
ngx_http_phoneval_ends_upsert(u_char *start, u_char *last)
{
    if (start == NULL) {
        return 0;
    }

    while (last > start && last[-1] == '/') {
        last--;
    }

    return last - start >= 7 && last[-7] == '/'
           && ngx_strncasecmp(last - 6, (u_char *) "upsert", 6) == 0;
}


/*
 * The tags of one contact for a create or upsert body, merged into its
 * "tags" array by the core.
 */

ngx_int_t
ngx_http_phoneval_tag_body(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_http_phoneval_contact_t *pc,
    pv_pool_t *pool, pv_edit_t **edits, size_t *nedits, size_t *cap)
{
    int                            rc, upsert;
    size_t                         lens[16];
    ngx_int_t                      v;
    ngx_uint_t                     j, n;
    const u_char                  *tags[16];
    ngx_http_phoneval_tag_t       *tag;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;

    if (plcf->tags == NULL || r->method != NGX_HTTP_POST) {
        return NGX_OK;
    }

    v = ngx_http_phoneval_contact_verdict(pc);
    if (v < 0) {
        return NGX_OK;
    }

    tag = plcf->tags->elts;
    n = 0;

    for (j = 0; j < plcf->tags->nelts && n < 16; j++) {
        if (tag[j].verdict == v) {
            tags[n] = tag[j].tag.data;
            lens[n] = tag[j].tag.len;
            n++;
        }
    }

    /* an upsert's tags replace the stored ones: only extend the client's */
    upsert = ngx_http_phoneval_is_upsert(r);

    rc = pv_tags_contact(ctx->body, ctx->body_len, pc->contact, tags, lens,
                         n, !upsert, pool, edits, nedits, cap);

    if (rc == PV_TAGS_ENOTARRAY) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "phoneval: \"tags\" is not an array, not tagged");
        return NGX_OK;
    }

    return rc == 0 ? NGX_OK : NGX_ERROR;
}


static ngx_int_t
ngx_http_phoneval_background(ngx_http_request_t *r, ngx_str_t *uri,
    ngx_str_t *args, u_char *body, size_t len, ngx_str_t *signature,
    ngx_uint_t client_headers)
{
    ngx_buf_t                   *b;
    ngx_str_t                    value;
    ngx_uint_t                   i;
    ngx_chain_t                 *cl;
    ngx_list_part_t             *part;
    ngx_table_elt_t             *h, *hn;
    ngx_http_request_t          *sr;
    ngx_http_request_body_t     *rb;
    ngx_http_post_subrequest_t  *ps;

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (ps == NULL) {
        return NGX_ERROR;
    }

    ps->handler = ngx_http_phoneval_background_done;
    ps->data = ngx_pcalloc(r->pool, sizeof(ngx_uint_t));
    if (ps->data == NULL) {
        return NGX_ERROR;
    }

    /* what can fail comes first: a posted subrequest runs */

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);
    rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    if (b == NULL || cl == NULL || rb == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_subrequest(r, uri, args, &sr, ps,
                            NGX_HTTP_SUBREQUEST_BACKGROUND)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the answer is not wanted */
    sr->header_only = 1;

    sr->method = NGX_HTTP_POST;
    sr->method_name = ngx_http_phoneval_post_method;

    b->temporary = 1;
    b->start = body;
    b->pos = body;
    b->last = body + len;
    b->end = body + len;
    b->last_buf = 1;
    b->last_in_chain = 1;

    cl->buf = b;
    cl->next = NULL;
    rb->bufs = cl;
    rb->buf = b;
    sr->request_body = rb;

    /* a fresh list in place: a copied list's "last" would point here */

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    if (ngx_list_init(&sr->headers_in.headers, r->pool, 8,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (client_headers) {

        /* the CRM needs the client's credentials and API version */

        part = &r->headers_in.headers.part;
        h = part->elts;

        for (i = 0; /* void */; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (h[i].hash == 0
                || (h[i].key.len == 14
                    && ngx_strncasecmp(h[i].key.data,
                                       (u_char *) "Content-Length", 14) == 0)
                || (h[i].key.len == 12
                    && ngx_strncasecmp(h[i].key.data,
                                       (u_char *) "Content-Type", 12) == 0)
                || (h[i].key.len == 17
                    && ngx_strncasecmp(h[i].key.data,
                                       (u_char *) "Transfer-Encoding", 17)
                       == 0)
                || (h[i].key.len == 6
                    && ngx_strncasecmp(h[i].key.data, (u_char *) "Expect", 6)
                       == 0))
            {
                continue;
            }

            hn = ngx_list_push(&sr->headers_in.headers);
            if (hn == NULL) {
                return NGX_ERROR;
            }

            *hn = h[i];
#if (nginx_version >= 1023000)
            hn->next = NULL;
#endif
        }
    }

    ngx_str_set(&value, "application/json");

    sr->headers_in.content_type = ngx_http_phoneval_add_header(
                                      &sr->headers_in.headers, "Content-Type",
                                      "content-type", &value);
    if (sr->headers_in.content_type == NULL) {
        return NGX_ERROR;
    }

    if (signature
        && ngx_http_phoneval_add_header(&sr->headers_in.headers,
                                        "X-Phoneval-Signature",
                                        "x-phoneval-signature", signature)
           == NULL)
    {
        return NGX_ERROR;
    }

    sr->headers_in.content_length_n = len;
    sr->headers_in.keep_alive_n = -1;

    return NGX_OK;
}


static ngx_table_elt_t *
ngx_http_phoneval_add_header(ngx_list_t *list, char *key, char *lowcase,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(list);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->lowcase_key = (u_char *) lowcase;
    h->value = *value;

    return h;
}


static ngx_int_t
ngx_http_phoneval_background_done(ngx_http_request_t *sr, void *data,
    ngx_int_t rc)
{
    ngx_uint_t  *seen = data;

    ngx_uint_t  status;

    /* called again after an error page: report once */
    if (*seen) {
        return NGX_OK;
    }

    *seen = 1;

    status = sr->headers_out.status;

    if (status == 0) {
        /* no answer at all: a timeout or a refused connection */
        ngx_log_error(NGX_LOG_WARN, sr->connection->log, 0,
                      "phoneval: \"%V\" failed without an answer (rc %i); "
                      "the event or tags were not delivered", &sr->uri, rc);

    } else if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE
               || status >= NGX_HTTP_SPECIAL_RESPONSE)
    {
        ngx_log_error(NGX_LOG_WARN, sr->connection->log, 0,
                      "phoneval: \"%V\" answered %ui (rc %i); the event or "
                      "tags were not delivered", &sr->uri, status, rc);
    }

    return NGX_OK;
}


/* t=<unix>,v1=<hex hmac-sha256 of "t.body"> */

static ngx_int_t
ngx_http_phoneval_sign(ngx_http_request_t *r, ngx_str_t *secret,
    u_char *body, size_t len, ngx_str_t *signature)
{
#if (NGX_OPENSSL)

    u_char        *msg, *p;
    time_t         t;
    unsigned int   mdlen;
    u_char         md[EVP_MAX_MD_SIZE];

    t = ngx_time();

    msg = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 1 + len);
    if (msg == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(msg, "%T.", t);
    p = ngx_cpymem(p, body, len);

    if (HMAC(EVP_sha256(), secret->data, (int) secret->len, msg, p - msg,
             md, &mdlen)
        == NULL)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "phoneval: HMAC() failed");
        return NGX_ERROR;
    }

    signature->data = ngx_pnalloc(r->pool,
                                  sizeof("t=,v1=") + NGX_TIME_T_LEN
                                  + 2 * mdlen);
    if (signature->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(signature->data, "t=%T,v1=", t);
    p = ngx_hex_dump(p, md, mdlen);
    signature->len = p - signature->data;

    return NGX_OK;

#else

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "phoneval: nginx was built without OpenSSL, events are "
                  "not signed");
    return NGX_ERROR;

#endif
}
