
/*
 * Copyright (C) phoneval authors
 *
 * The precontent phase handler: reads the body, finds the phones, gets a
 * verdict for each (cache, provider subrequests), then annotates the body
 * or rejects the request.  The handler is re-entered by the phase engine
 * after every wake-up, so it is a small state machine over its ctx.
 */


#include "ngx_http_phoneval.h"


static ngx_http_phoneval_ctx_t *ngx_http_phoneval_find_ctx(
    ngx_http_request_t *r);
static void ngx_http_phoneval_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_phoneval_is_json(ngx_http_request_t *r);
static ngx_int_t ngx_http_phoneval_body_buffer(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static void ngx_http_phoneval_header_back(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_start(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_read_body(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_contiguous(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_scan_error(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, pv_doc_rc_e rc, pv_json_error_t *err,
    long index);
static ngx_int_t ngx_http_phoneval_collect(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_check_custom_fields(
    ngx_http_phoneval_ctx_t *ctx);
static ngx_http_phoneval_item_t *ngx_http_phoneval_item(
    ngx_http_phoneval_ctx_t *ctx, ngx_uint_t *table, ngx_uint_t mask,
    pv_phone_t *phone, const char *country, ngx_uint_t *created);
static ngx_int_t ngx_http_phoneval_launch(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_resume(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_finish(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_spare_links(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, size_t nb);
static void ngx_http_phoneval_summarize(ngx_http_phoneval_ctx_t *ctx);
static ngx_int_t ngx_http_phoneval_annotate(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
static ngx_chain_t *ngx_http_phoneval_edited_body(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, pv_edit_t *edits, size_t nedits);
static ngx_int_t ngx_http_phoneval_replace_body(ngx_http_request_t *r,
    ngx_chain_t *body, size_t len);
static ngx_int_t ngx_http_phoneval_reply(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_int_t rc);
static void ngx_http_phoneval_timeout_handler(ngx_event_t *ev);
static void ngx_http_phoneval_wake_handler(ngx_event_t *ev);
static void ngx_http_phoneval_cleanup(void *data);
static void *ngx_http_phoneval_palloc(void *data, size_t size);


ngx_int_t
ngx_http_phoneval_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_cleanup_t            *hcln;
    ngx_http_phoneval_ctx_t       *ctx;
    ngx_http_phoneval_loc_conf_t  *plcf;

    /* our own provider subrequests would otherwise validate themselves */

    if (r != r->main) {
        return NGX_DECLINED;
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_phoneval_module);

    if (!plcf->enable) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_phoneval_module);

    if (ctx == NULL) {
        ctx = ngx_http_phoneval_find_ctx(r);

        if (ctx) {
            /* an internal redirect wiped r->ctx: the body is done already */
            ngx_http_set_ctx(r, ctx, ngx_http_phoneval_module);
        }
    }

    if (ctx) {
        switch (ctx->state) {

        case NGX_HTTP_PHONEVAL_STATE_READING:
            return NGX_DONE;

        case NGX_HTTP_PHONEVAL_STATE_BODY_READ:
            return ngx_http_phoneval_reply(r, ctx,
                                           ngx_http_phoneval_start(r, ctx));

        case NGX_HTTP_PHONEVAL_STATE_VALIDATING:
            return ngx_http_phoneval_reply(r, ctx,
                                           ngx_http_phoneval_resume(r, ctx));

        default: /* NGX_HTTP_PHONEVAL_STATE_DONE */
            return ctx->rc;
        }
    }

    if (!(r->method & plcf->methods & ~NGX_CONF_BITMASK_SET)) {
        return NGX_DECLINED;
    }

    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {
        return NGX_DECLINED;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_phoneval_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ctx->conf = plcf;
    ctx->main_conf = ngx_http_get_module_main_conf(r, ngx_http_phoneval_module);
    ctx->rc = NGX_DECLINED;

    ngx_http_set_ctx(r, ctx, ngx_http_phoneval_module);

    if (ngx_http_phoneval_is_json(r) != NGX_OK) {
        ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;
        ctx->rc = NGX_DONE;
        ngx_str_set(&ctx->status, "SKIPPED");
        ngx_http_phoneval_count_request(plcf->zone,
                                        NGX_HTTP_PHONEVAL_REQ_BAD_REQUEST);

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_phoneval_reply(r, ctx,
                   ngx_http_phoneval_send_error(r,
                       NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL, NULL));
    }

    /* timers, events and shared calls never outlive the request */

    hcln = ngx_http_cleanup_add(r, 0);
    if (hcln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    hcln->handler = ngx_http_phoneval_cleanup;
    hcln->data = ctx;

    /* room in the body buffer for the bytes read with the header */
    r->request_body_in_single_buf = 1;

    if (ngx_http_phoneval_body_buffer(r, ctx) != NGX_OK) {
        /* as after any error: an error_page redirect does not read it */
        ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;
        ctx->rc = NGX_DONE;
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->state = NGX_HTTP_PHONEVAL_STATE_READING;

    rc = ngx_http_read_client_request_body(r, ngx_http_phoneval_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        ngx_http_phoneval_header_back(r, ctx);

        /* nginx has already released the reference it took */
        ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;
        ngx_str_set(&ctx->status, "SKIPPED");
        return rc;
    }

    ngx_http_finalize_request(r, NGX_DONE);
    return NGX_DONE;
}


/*
 * The bytes of the body that came with the header are in r->header_in,
 * and nginx reads the rest into a buffer of its own: making the body one
 * text afterwards moves all of it.  nginx reads a rest that fits the room
 * left in r->header_in right after the bytes there, so a header_in of
 * ours, as long as the body and starting with those bytes, has the whole
 * body read into one buffer with no copy but theirs.  Only a body that
 * nginx would keep in memory anyway is read so; the request's own
 * header_in is put back as soon as the body is read, its bytes consumed.
 */

static ngx_int_t
ngx_http_phoneval_body_buffer(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx)
{
    off_t                      len, rest;
    size_t                     preread;
    u_char                    *p;
    ngx_buf_t                 *b, *hb;
    ngx_http_core_loc_conf_t  *clcf;

    hb = r->header_in;

    /*
     * HTTP/2 and HTTP/3 bodies come in frames, not after a header_in; of
     * a body read or discarded already, what is left in header_in is the
     * next pipelined request
     */

    if (hb == NULL || r->request_body || r->discard_body
        || r->http_version > NGX_HTTP_VERSION_11
        || r->headers_in.chunked || r->request_body_in_file_only
        || r != r->main)
    {
        return NGX_OK;
    }

    len = r->headers_in.content_length_n;
    preread = hb->last - hb->pos;

    if (preread == 0 || (off_t) preread >= len) {
        /* nginx reads it into one buffer, or has it all already */
        return NGX_OK;
    }

    rest = len - (off_t) preread;

    if (rest <= hb->end - hb->last) {
        return NGX_OK;
    }

    /* as nginx sizes its buffer: a larger body may go to a file */

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (rest >= (off_t) (clcf->client_body_buffer_size
                         + (clcf->client_body_buffer_size >> 2)))
    {
        return NGX_OK;
    }

    p = ngx_http_phoneval_ctx_alloc(ctx, (size_t) len);
    b = ngx_calloc_buf(r->pool);

    if (p == NULL || b == NULL) {
        return NGX_ERROR;
    }

    b->temporary = 1;
    b->start = p;
    b->pos = p;
    b->last = ngx_cpymem(p, hb->pos, preread);
    b->end = p + len;

    /* the bytes are the body's now, whatever becomes of this one */
    hb->pos = hb->last;

    ctx->header_in = hb;
    r->header_in = b;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "phoneval body: %O bytes read into one buffer after the "
                   "%uz read with the header", rest, preread);

    return NGX_OK;
}


/* the request's own header_in again: keep-alive reads pipelining there */

static void
ngx_http_phoneval_header_back(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx)
{
    if (ctx != NULL && ctx->header_in != NULL) {
        r->header_in = ctx->header_in;
        ctx->header_in = NULL;
    }
}


/*
 * Internal redirects and named locations zero r->ctx, but not the
 * request's cleanups: the ctx is found again through ours.
 */

static ngx_http_phoneval_ctx_t *
ngx_http_phoneval_find_ctx(ngx_http_request_t *r)
{
    ngx_http_cleanup_t  *cln;

    for (cln = r->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_phoneval_cleanup) {
            return cln->data;
        }
    }

    return NULL;
}


static void
ngx_http_phoneval_body_handler(ngx_http_request_t *r)
{
    ngx_http_phoneval_ctx_t  *ctx;

    ctx = ngx_http_phoneval_find_ctx(r);

    ngx_http_phoneval_header_back(r, ctx);

    ctx->state = NGX_HTTP_PHONEVAL_STATE_BODY_READ;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/*
 * ngx_strncasecmp(p, word, n) == 0 for a word of n lowercase letters: a
 * byte matches such a letter, either case, exactly when it does with
 * 0x20 set, so the compare needs no case mapping.
 */

static ngx_inline ngx_int_t
ngx_http_phoneval_is_word(u_char *p, const char *word, size_t n)
{
    while (n--) {
        if ((*p++ | 0x20) != (u_char) *word++) {
            return 0;
        }
    }

    return 1;
}


/* application/json or application/...+json, parameters allowed */

static ngx_int_t
ngx_http_phoneval_is_json(ngx_http_request_t *r)
{
    u_char  *p, *last, *slash, *plus;

    if (r->headers_in.content_type == NULL) {
        return NGX_DECLINED;
    }

    p = r->headers_in.content_type->value.data;
    last = p + r->headers_in.content_type->value.len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    slash = NULL;
    plus = NULL;

    for (last = p; last < r->headers_in.content_type->value.data
                          + r->headers_in.content_type->value.len; last++)
    {
        if (*last == ';' || *last == ' ' || *last == '\t') {
            break;
        }

        if (*last == '/' && slash == NULL) {
            slash = last;

        } else if (*last == '+') {
            plus = last;
        }
    }

    if (slash == NULL
        || slash - p != 11
        || !ngx_http_phoneval_is_word(p, "application", 11))
    {
        return NGX_DECLINED;
    }

    p = (plus && plus > slash) ? plus + 1 : slash + 1;

    if (last - p == 4 && ngx_http_phoneval_is_word(p, "json", 4)) {
        if (plus == NULL || plus - slash > 1) {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_phoneval_start(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx)
{
    long                           bad_index;
    ngx_int_t                      rc;
    pv_pool_t                      pool;
    pv_doc_rc_e                    drc;
    pv_json_error_t                err;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;
    ctx->start = ngx_current_msec;
    ngx_str_set(&ctx->status, "SKIPPED");

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;
        return NGX_DECLINED;
    }

    rc = ngx_http_phoneval_read_body(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ctx->body_len == 0) {
        ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;
        return NGX_DECLINED;
    }

    pool.alloc = ngx_http_phoneval_palloc;
    pool.data = ctx;

    bad_index = -1;

    drc = pv_doc_scan(ctx->body, ctx->body_len, &plcf->doc, &pool, &ctx->doc,
                      &err, &bad_index);

    if (drc != PV_DOC_OK) {
        return ngx_http_phoneval_scan_error(r, ctx, drc, &err, bad_index);
    }

    rc = ngx_http_phoneval_collect(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ctx->pending_calls == 0) {
        return ngx_http_phoneval_finish(r, ctx);
    }

    if (plcf->api_key) {
        if (ngx_http_complex_value(r, plcf->api_key, &ctx->api_key)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else {
        ctx->api_key = plcf->api_key_file;
    }

    ctx->timer.handler = ngx_http_phoneval_timeout_handler;
    ctx->timer.data = r;
    ctx->timer.log = r->connection->log;

    ctx->wake.handler = ngx_http_phoneval_wake_handler;
    ctx->wake.data = r;
    ctx->wake.log = r->connection->log;

    ngx_add_timer(&ctx->timer, plcf->timeout);

    ctx->state = NGX_HTTP_PHONEVAL_STATE_VALIDATING;

    return ngx_http_phoneval_resume(r, ctx);
}


/* makes the body one contiguous text, without a copy when it already is */

static ngx_int_t
ngx_http_phoneval_read_body(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx)
{
    u_char       *p;
    size_t        len, size;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (ngx_http_phoneval_contiguous(r, ctx) == NGX_OK) {
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        len += ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos)
                                    : (size_t) (b->file_last - b->file_pos);
    }

    p = ngx_http_phoneval_ctx_alloc(ctx, len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->body = p;
    ctx->body_len = len;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "phoneval body: %uz bytes copied into one buffer", len);

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        if (!b->in_file) {
            continue;
        }

        size = (size_t) (b->file_last - b->file_pos);

        n = ngx_read_file(b->file, p, size, b->file_pos);

        if (n == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if ((size_t) n != size) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "phoneval: read only %z of %uz bytes of the "
                          "body from \"%V\"", n, size, &b->file->name);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p += n;
    }

    return NGX_OK;
}


/*
 * Buffers in memory that follow each other without a gap, as a body read
 * into one buffer comes (one piece per read): already one text.
 * NGX_DECLINED: another shape.
 */

static ngx_int_t
ngx_http_phoneval_contiguous(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx)
{
    u_char       *start, *last;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    start = NULL;
    last = NULL;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        /* a chunked body ends with an empty buffer that is no memory */

        if (ngx_buf_size(b) == 0) {
            continue;
        }

        if (!ngx_buf_in_memory(b) || b->in_file) {
            return NGX_DECLINED;
        }

        if (start == NULL) {
            start = b->pos;

        } else if (b->pos != last) {
            return NGX_DECLINED;
        }

        last = b->last;
    }

    if (start == NULL) {
        return NGX_DECLINED;
    }

    ctx->body = start;
    ctx->body_len = last - start;

    return NGX_OK;
}


static ngx_int_t
ngx_http_phoneval_scan_error(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, pv_doc_rc_e rc, pv_json_error_t *err,
    long index)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   msg;

    ngx_str_set(&ctx->status, "ERROR");
    ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;

    ngx_http_phoneval_count_request(ctx->conf->zone,
                                    NGX_HTTP_PHONEVAL_REQ_BAD_REQUEST);

    if (rc == PV_DOC_ENOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = 256 + ctx->conf->phone_field.len + ctx->conf->bulk_field.len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    msg.data = p;

    switch (rc) {

    case PV_DOC_EJSON:
        p = ngx_slprintf(p, msg.data + len,
                         "invalid JSON at line %uz, column %uz: %s",
                         err->line, err->column, err->message);
        break;

    case PV_DOC_EROOT:
        p = ngx_slprintf(p, msg.data + len,
                         "the body must be a contact object, an object "
                         "whose \"%V\" member is an array of contact "
                         "objects, or an array of contact objects",
                         &ctx->conf->bulk_field);
        break;

    case PV_DOC_EBULK_PHONE:
        p = ngx_slprintf(p, msg.data + len,
                         "a body whose \"%V\" member is an array of "
                         "contacts cannot have a \"%V\" of its own",
                         &ctx->conf->bulk_field, &ctx->conf->phone_field);
        break;

    case PV_DOC_ETOO_MANY:
        p = ngx_slprintf(p, msg.data + len,
                         "too many contacts: %uz, at most %uz per request",
                         ctx->doc.ncontacts, ctx->conf->doc.max_contacts);
        break;

    default: /* PV_DOC_EPHONE_TYPE */
        if (index >= 0) {
            p = ngx_slprintf(p, msg.data + len,
                             "contact %l: \"%V\" must be a string, a number "
                             "or null", index, &ctx->conf->phone_field);
        } else {
            p = ngx_slprintf(p, msg.data + len,
                             "\"%V\" must be a string, a number or null",
                             &ctx->conf->phone_field);
        }
        break;
    }

    msg.len = p - msg.data;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "phoneval: rejected body: %V", &msg);

    return ngx_http_phoneval_send_error(r, rc == PV_DOC_ETOO_MANY
                                           ? NGX_HTTP_REQUEST_ENTITY_TOO_LARGE
                                           : NGX_HTTP_BAD_REQUEST,
                                        &msg, NULL);
}


/*
 * Normalizes every phone, gives each distinct number one item, and takes
 * what the cache already knows.
 */

static ngx_int_t
ngx_http_phoneval_collect(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx)
{
    u_char                         *p;
    size_t                          len;
    ngx_str_t                       msg;
    pv_phone_t                      phone;
    ngx_uint_t                      i, n, phones, size, created, *table;
    const char                     *country;
    pv_contact_t                   *c;
    ngx_http_phoneval_item_t       *item;
    ngx_http_phoneval_contact_t    *pc;
    ngx_http_phoneval_loc_conf_t   *plcf;

    plcf = ctx->conf;
    n = ctx->doc.ncontacts;

    /* what every phone that can never be a number gets */
    ctx->local.verdict = PV_INVALID;
    ctx->local.validated_at = ngx_time();

    phones = 0;

    for (i = 0; i < n; i++) {
        if (ctx->doc.contacts[i].phone_state == PV_PHONE_TEXT) {
            phones++;
        }
    }

    ctx->phones = phones;

    if (phones > plcf->max_phones) {
        ngx_str_set(&ctx->status, "ERROR");
        ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;

        ngx_http_phoneval_count_request(plcf->zone,
                                        NGX_HTTP_PHONEVAL_REQ_BAD_REQUEST);

        len = 128;
        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        msg.data = p;
        msg.len = ngx_slprintf(p, p + len, "too many phones: %ui, at most "
                               "%ui per request", phones, plcf->max_phones)
                  - p;

        return ngx_http_phoneval_send_error(r,
                                            NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                            &msg, NULL);
    }

    if (plcf->output == PV_OUTPUT_CUSTOMFIELDS
        && ngx_http_phoneval_check_custom_fields(ctx) != NGX_OK)
    {
        ngx_str_t  cf = ngx_string("\"customFields\" must be an array");

        ngx_str_set(&ctx->status, "ERROR");
        ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;
        ngx_http_phoneval_count_request(plcf->zone,
                                        NGX_HTTP_PHONEVAL_REQ_BAD_REQUEST);

        return ngx_http_phoneval_send_error(r, NGX_HTTP_BAD_REQUEST, &cf,
                                            NULL);
    }

    ctx->contacts = ngx_http_phoneval_ctx_calloc(ctx,
                                 n * sizeof(ngx_http_phoneval_contact_t) + 1);
    ctx->items = ngx_http_phoneval_ctx_calloc(ctx,
                              phones * sizeof(ngx_http_phoneval_item_t) + 1);
    if (ctx->contacts == NULL || ctx->items == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* an open-addressing table of item indexes, at most half full */

    for (size = 2; size < phones * 2; size <<= 1) { /* void */ }

    table = ngx_http_phoneval_ctx_calloc(ctx, size * sizeof(ngx_uint_t));
    if (table == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    for (i = 0; i < n; i++) {
        c = &ctx->doc.contacts[i];
        pc = &ctx->contacts[i];
        pc->contact = c;

        switch (c->phone_state) {

        case PV_PHONE_ABSENT:
            pc->kind = PV_RESULT_NONE;
            continue;

        case PV_PHONE_NULL:
            pc->kind = PV_RESULT_CLEAR;
            continue;

        default:
            pc->kind = PV_RESULT_VERDICT;
            break;
        }

        pc->phone_rc = pv_phone_normalize(c->phone_text, c->phone_len,
                                          &phone);
        pc->keep_phone = phone.extra;

        if (pc->phone_rc == PV_PHONE_OK && c->phone.type == PV_JSON_NUMBER) {
            pc->phone_rc = pv_phone_literal(c->phone_text, c->phone_len);
        }

        if (pc->phone_rc != PV_PHONE_OK) {
            /* text that can never be a phone costs no provider call */
            pc->verdict = &ctx->local;
            continue;
        }

        if (phone.plus) {
            country = "";

        } else if (c->country[0]) {
            country = c->country;

        } else {
            country = (char *) plcf->default_country.data;
        }

        item = ngx_http_phoneval_item(ctx, table, size - 1, &phone, country,
                                      &created);
        pc->item = item;
        pc->verdict = &item->verdict;

        /* the same number again is one lookup, one call: made below */

        if (created && plcf->cache) {
            ngx_http_phoneval_cache_prefetch(plcf->zone, item->hash);
        }
    }

    /* every distinct number: a cache hit, or a provider call to make */

    if (plcf->cache) {
        ctx->hits = ngx_http_phoneval_cache_get_items(plcf->zone, ctx->items,
                                                      ctx->nitems);
    }

    ctx->misses = ctx->nitems - ctx->hits;
    ctx->pending_calls += ctx->misses;

    if (plcf->cache) {
        ngx_http_phoneval_count_cache(plcf->zone, ctx->hits, ctx->misses);
    }

    return NGX_OK;
}


/*
 * A "customFields" the module cannot merge into is a 400 before any
 * provider call: the answer would be wasted.
 */

static ngx_int_t
ngx_http_phoneval_check_custom_fields(ngx_http_phoneval_ctx_t *ctx)
{
    ngx_uint_t       i;
    pv_json_item_t  *cf;

    /* the document scan recorded the member: no walk over the contacts */

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        cf = &ctx->doc.contacts[i].custom_fields;

        if (pv_contact_has(cf)
            && cf->type != PV_JSON_ARRAY && cf->type != PV_JSON_NULL)
        {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_http_phoneval_item_t *
ngx_http_phoneval_item(ngx_http_phoneval_ctx_t *ctx, ngx_uint_t *table,
    ngx_uint_t mask, pv_phone_t *phone, const char *country,
    ngx_uint_t *created)
{
    size_t                     len;
    u_char                     key[PV_CACHE_KEY_MAX];
    uint32_t                   hash;
    ngx_uint_t                 slot;
    ngx_http_phoneval_item_t  *item;

    len = pv_cache_key(phone, country, ctx->conf->check_mode == 1, key);

    /* the zone's hash too: a cache lookup does not hash again */
    hash = ngx_murmur_hash2(key, len);

    for (slot = hash & mask; table[slot]; slot = (slot + 1) & mask) {
        item = &ctx->items[table[slot] - 1];

        if (item->hash == hash && item->key_len == len
            && ngx_memcmp(item->key, key, len) == 0)
        {
            *created = 0;
            return item;
        }
    }

    *created = 1;
    item = &ctx->items[ctx->nitems++];
    table[slot] = ctx->nitems;

    item->ctx = ctx;
    item->phone = *phone;
    ngx_cpystrn((u_char *) item->country, (u_char *) country, 3);
    ngx_memcpy(item->key, key, len);
    item->key_len = len;
    item->hash = hash;
    item->state = NGX_HTTP_PHONEVAL_ITEM_QUEUED;

    return item;
}


/* starts provider calls while there is room under phoneval_concurrency */

static ngx_int_t
ngx_http_phoneval_launch(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx)
{
    time_t                         retry_after;
    ngx_http_phoneval_item_t      *item;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;

    while (ctx->in_flight < plcf->concurrency
           && ctx->next_item < ctx->nitems)
    {
        item = &ctx->items[ctx->next_item++];

        if (item->state != NGX_HTTP_PHONEVAL_ITEM_QUEUED) {
            continue;
        }

        if (ngx_http_phoneval_follow(r, item) == NGX_OK) {
            continue;
        }

        if (ngx_http_phoneval_budget_take(plcf->zone, &retry_after)
            != NGX_OK)
        {
            /* no budget left: PENDING without a call */
            item->state = NGX_HTTP_PHONEVAL_ITEM_DONE;
            item->src = NGX_HTTP_PHONEVAL_SRC_NO_BUDGET;
            ctx->pending_calls--;

            if (retry_after > ctx->retry_after) {
                ctx->retry_after = retry_after;
            }

            continue;
        }

        if (ngx_http_phoneval_call(r, ctx, item) != NGX_OK) {
            return NGX_ERROR;
        }

        ctx->in_flight++;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_phoneval_resume(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx)
{
    if (ctx->pending_calls && !ctx->timed_out) {

        if (ngx_http_phoneval_launch(r, ctx) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ctx->pending_calls) {
            return NGX_AGAIN;
        }
    }

    return ngx_http_phoneval_finish(r, ctx);
}


static ngx_int_t
ngx_http_phoneval_finish(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx)
{
    ngx_uint_t                     i, rejected, pending;
    ngx_uint_t                     counts[PV_VERDICT_N];
    pv_verdict_e                   v;
    ngx_http_phoneval_contact_t   *pc;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;

    ngx_memzero(counts, sizeof(counts));

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;
    ctx->elapsed = ngx_current_msec - ctx->start;

    rejected = 0;
    pending = 0;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        pc = &ctx->contacts[i];

        if (pc->kind != PV_RESULT_VERDICT) {
            continue;
        }

        v = pc->verdict->verdict;

        counts[v]++;

        if (v == PV_PENDING) {
            pending++;

        } else if (plcf->reject & NGX_HTTP_PHONEVAL_VERDICT_BIT(v)) {
            rejected++;
        }
    }

    ngx_http_phoneval_count_verdicts(plcf->zone, counts);

    ngx_http_phoneval_summarize(ctx);

    if (ngx_http_phoneval_notify(r, ctx) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "phoneval: could not send the event");
    }

    if (rejected && plcf->action == NGX_HTTP_PHONEVAL_REJECT) {
        ngx_http_phoneval_count_request(plcf->zone,
                                        NGX_HTTP_PHONEVAL_REQ_REJECTED);
        return ngx_http_phoneval_send_rejection(r, ctx,
                                                NGX_HTTP_UNPROCESSABLE_ENTITY);
    }

    if (pending && plcf->on_error == NGX_HTTP_PHONEVAL_ERR_REJECT) {
        ngx_http_phoneval_count_request(plcf->zone,
                                        NGX_HTTP_PHONEVAL_REQ_UNAVAILABLE);
        return ngx_http_phoneval_send_rejection(r, ctx,
                                                NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    return ngx_http_phoneval_annotate(r, ctx);
}


/* $phoneval_status: the one verdict, MIXED, SKIPPED or ERROR */

static void
ngx_http_phoneval_summarize(ngx_http_phoneval_ctx_t *ctx)
{
    ngx_int_t                     first;
    ngx_uint_t                    i;
    pv_verdict_e                  v;
    const char                   *name;
    ngx_http_phoneval_contact_t  *pc;

    first = -1;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        pc = &ctx->contacts[i];

        if (pc->kind != PV_RESULT_VERDICT) {
            continue;
        }

        v = pc->verdict->verdict;

        if (first == -1) {
            first = v;

        } else if (first != (ngx_int_t) v) {
            ngx_str_set(&ctx->status, "MIXED");
            return;
        }
    }

    if (first == -1) {
        ngx_str_set(&ctx->status, "SKIPPED");
        return;
    }

    name = pv_verdict_name((pv_verdict_e) first);
    ctx->status.data = (u_char *) name;
    ctx->status.len = ngx_strlen(name);
}


static ngx_int_t
ngx_http_phoneval_annotate(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx)
{
    size_t                         nedits, cap, size;
    ngx_int_t                      rc;
    pv_pool_t                      pool;
    ngx_chain_t                   *body;
    ngx_uint_t                     i;
    pv_edit_t                     *edits;
    pv_result_t                    res;
    pv_annotate_conf_t             acf;
    pv_annotate_memo_t             memo;
    ngx_http_phoneval_verdict_t   *v;
    ngx_http_phoneval_contact_t   *pc;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;

    pool.alloc = ngx_http_phoneval_palloc;
    pool.data = ctx;

    acf.output = (pv_output_e) plcf->output;
    acf.targets = plcf->targets;
    acf.ntargets = plcf->ntargets;
    acf.normalize = plcf->normalize;
    acf.strip = plcf->strip_results;

    edits = NULL;
    nedits = 0;
    cap = 0;

    /* the contacts of a bulk body mostly share their result texts */
    ngx_memzero(&memo, sizeof(pv_annotate_memo_t));

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        pc = &ctx->contacts[i];

        ngx_memzero(&res, sizeof(pv_result_t));
        res.kind = pc->kind;
        res.keep_phone = pc->keep_phone;
        res.line_type = "";
        res.e164 = "";
        res.country = "";

        if (pc->kind == PV_RESULT_VERDICT) {
            v = pc->verdict;

            res.verdict = v->verdict;
            res.validated_at = v->verdict == PV_PENDING ? 0
                                                        : v->validated_at;
            res.line_type = v->line_type;
            res.e164 = v->e164;
            res.country = v->country;

            /* normalize writes only the number that was sent */
            if (acf.normalize && pc->item
                && !pv_phone_e164_agrees(&pc->item->phone, v->e164))
            {
                res.keep_phone = 1;
            }
        }

        rc = pv_annotate_contact_memo(ctx->body, ctx->body_len, pc->contact,
                                      &acf, &res, &pool, &edits, &nedits,
                                      &cap,
                                      ctx->doc.ncontacts > 1 ? &memo : NULL);

        if (rc == PV_ANNOTATE_ECUSTOMFIELDS) {
            ngx_str_t  msg = ngx_string("\"customFields\" must be an array");

            ngx_str_set(&ctx->status, "ERROR");
            ngx_http_phoneval_count_request(plcf->zone,
                                          NGX_HTTP_PHONEVAL_REQ_BAD_REQUEST);
            return ngx_http_phoneval_send_error(r, NGX_HTTP_BAD_REQUEST,
                                                &msg, NULL);
        }

        if (rc != 0) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ngx_http_phoneval_tag_body(r, ctx, pc, &pool, &edits, &nedits,
                                       &cap)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* tags of a PUT go out once the Contacts API has accepted it */
    ctx->tag_put = (r->method == NGX_HTTP_PUT && plcf->tags != NULL
                    && plcf->tag_pass.len != 0);

    if (nedits == 0) {
        /* a body the module does not change is forwarded as received */
        ngx_http_phoneval_count_request(plcf->zone,
                                        NGX_HTTP_PHONEVAL_REQ_UNCHANGED);
        return NGX_DECLINED;
    }

    pv_edits_sort(edits, nedits);

    size = pv_splice_size(ctx->body_len, edits, nedits);

    if (size == (size_t) -1) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "phoneval: overlapping body edits");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body = ngx_http_phoneval_edited_body(r, ctx, edits, nedits);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_phoneval_replace_body(r, body, size) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_phoneval_count_request(plcf->zone,
                                    NGX_HTTP_PHONEVAL_REQ_ANNOTATED);

    return NGX_DECLINED;
}


/*
 * The edited body as buffers.  Runs of the client's bytes between edits
 * stay where they are; only the edits and the short runs between them are
 * copied.  Counted in instructions, a buffer costs the proxy more than
 * copying a kilobyte does; measured in time the copy does not win: a bulk
 * body of 100 contacts as 201 buffers measured the same as one copy with
 * glibc's heap trimming off, and faster with its default (fewer fresh
 * pages faulted in per request).  A body of a few kilobytes is still one
 * copy, one buffer.  Every buffer has start == pos, so a
 * proxy_next_upstream retry resends it whole.
 */

#define NGX_HTTP_PHONEVAL_KEEP_MIN    256   /* client bytes left in place:
                                               runs of at least this */
#define NGX_HTTP_PHONEVAL_COPY_WHOLE  4096  /* a body up to this is one
                                               copy */

static ngx_chain_t *
ngx_http_phoneval_edited_body(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, pv_edit_t *edits, size_t nedits)
{
    u_char       *copy;
    size_t        ncopy, keep, i, n, nb;
    ngx_buf_t    *b;
    pv_piece_t   *pieces;
    ngx_chain_t  *cl;

    keep = (ctx->body_len <= NGX_HTTP_PHONEVAL_COPY_WHOLE)
           ? (size_t) -1 : NGX_HTTP_PHONEVAL_KEEP_MIN;

    n = pv_splice_plan(ctx->body_len, edits, nedits, keep, &ncopy);

    /* every byte removed: one empty last buffer */
    nb = n ? n : 1;

    pieces = ngx_http_phoneval_ctx_alloc(ctx, nb * sizeof(pv_piece_t));
    b = ngx_http_phoneval_ctx_calloc(ctx, nb * sizeof(ngx_buf_t));
    cl = ngx_http_phoneval_ctx_alloc(ctx, nb * sizeof(ngx_chain_t));
    copy = ngx_http_phoneval_ctx_alloc(ctx, ncopy ? ncopy : 1);

    if (pieces == NULL || b == NULL || cl == NULL || copy == NULL) {
        return NULL;
    }

    if (pv_splice_pieces(pieces, copy, ctx->body, ctx->body_len, edits,
                         nedits, keep)
        != n)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "phoneval: the edited body is not as planned");
        return NULL;
    }

    if (n == 0) {
        pieces[0].data = copy;
        pieces[0].len = 0;
    }

    for (i = 0; i < nb; i++) {
        b[i].temporary = 1;
        b[i].start = (u_char *) pieces[i].data;
        b[i].pos = b[i].start;
        b[i].last = b[i].start + pieces[i].len;
        b[i].end = b[i].last;

        cl[i].buf = &b[i];
        cl[i].next = (i + 1 < nb) ? &cl[i + 1] : NULL;
    }

    b[nb - 1].last_buf = 1;
    b[nb - 1].last_in_chain = 1;

    if (ngx_http_phoneval_spare_links(r, ctx, nb) != NGX_OK) {
        return NULL;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "phoneval edits: a body of %uz bytes as %uz buffers, "
                   "%uz bytes copied", ctx->body_len, n, ncopy);

    return cl;
}


/*
 * The proxy takes a chain link per buffer of the body three times (its
 * request, the output chain, the chain writer), each from the request's
 * pool: ngx_palloc() walks the pool's blocks each time, which for a bulk
 * body's hundreds of buffers cost more than all the links are worth.
 * Links freed into the pool's free list are taken first, so a body of
 * many buffers puts that many there, in one allocation.
 */

#define NGX_HTTP_PHONEVAL_SPARE_MIN  16    /* buffers: fewer, no spares */

static ngx_int_t
ngx_http_phoneval_spare_links(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, size_t nb)
{
    size_t        i, n;
    ngx_chain_t  *links;

    if (nb < NGX_HTTP_PHONEVAL_SPARE_MIN) {
        return NGX_OK;
    }

    n = 3 * nb;

    links = ngx_http_phoneval_ctx_alloc(ctx, n * sizeof(ngx_chain_t));
    if (links == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        ngx_free_chain(r->pool, &links[i]);
    }

    return NGX_OK;
}


/* the proxy derives Content-Length from content_length_n */

static ngx_int_t
ngx_http_phoneval_replace_body(ngx_http_request_t *r, ngx_chain_t *body,
    size_t len)
{
    u_char                    *p, *q;
    size_t                     n;
    ngx_chain_t               *cl;
    ngx_http_request_body_t   *rb;

    rb = r->request_body;

    if (rb->temp_file && rb->temp_file->file.fd != NGX_INVALID_FILE) {
        ngx_pool_run_cleanup_file(r->pool, rb->temp_file->file.fd);
        rb->temp_file->file.fd = NGX_INVALID_FILE;
        rb->temp_file = NULL;
    }

    for (cl = body; cl->next; cl = cl->next) { /* void */ }

    rb->bufs = body;
    rb->buf = cl->buf;

    r->headers_in.content_length_n = len;

    if (r->headers_in.content_length) {
        p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        /* the decimal digits of len, as "%uz" writes them, from the end */

        q = p + NGX_OFF_T_LEN;
        n = len;

        do {
            *--q = (u_char) ('0' + n % 10);
            n /= 10;
        } while (n);

        r->headers_in.content_length->value.data = q;
        r->headers_in.content_length->value.len = p + NGX_OFF_T_LEN - q;
    }

    return NGX_OK;
}


/*
 * The steps above return NGX_DECLINED (forward the request), NGX_AGAIN
 * (waiting for the provider), NGX_DONE (a response of ours was sent and
 * finalized) or an error code for nginx to finalize.
 */

static ngx_int_t
ngx_http_phoneval_reply(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx,
    ngx_int_t rc)
{
    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc == NGX_DONE) {
        /*
         * our response is sent and finalized: on a keepalive connection
         * the request, and the ctx in its pool, may be gone already
         */
        return NGX_DONE;
    }

    ctx->state = NGX_HTTP_PHONEVAL_STATE_DONE;

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    ctx->rc = (rc == NGX_DECLINED) ? NGX_DECLINED : NGX_DONE;

    return rc;
}


static void
ngx_http_phoneval_timeout_handler(ngx_event_t *ev)
{
    ngx_uint_t                 i;
    ngx_connection_t          *c;
    ngx_http_request_t        *r;
    ngx_http_phoneval_ctx_t   *ctx;
    ngx_http_phoneval_item_t  *item;

    r = ev->data;
    c = r->connection;

    ctx = ngx_http_get_module_ctx(r, ngx_http_phoneval_module);

    if (ctx == NULL || ctx->state != NGX_HTTP_PHONEVAL_STATE_VALIDATING) {
        return;
    }

    ctx->timed_out = 1;

    ngx_log_error(NGX_LOG_WARN, c->log, 0,
                  "phoneval: validation timed out after %M ms with %ui of "
                  "%ui provider calls unanswered", ctx->conf->timeout,
                  ctx->pending_calls, ctx->misses);

    for (i = 0; i < ctx->nitems; i++) {
        item = &ctx->items[i];

        if (item->state == NGX_HTTP_PHONEVAL_ITEM_DONE) {
            continue;
        }

        if (item->state == NGX_HTTP_PHONEVAL_ITEM_IN_FLIGHT) {
            ngx_http_phoneval_cancel(item);
            ctx->in_flight--;

        } else if (item->state == NGX_HTTP_PHONEVAL_ITEM_FOLLOWING) {
            ngx_http_phoneval_unfollow(item);
        }

        item->state = NGX_HTTP_PHONEVAL_ITEM_DONE;
        item->src = NGX_HTTP_PHONEVAL_SRC_TIMEOUT;
        item->verdict.verdict = PV_PENDING;
        ctx->pending_calls--;
    }

    ngx_http_set_log_request(c->log, r);

    r->write_event_handler(r);
    ngx_http_run_posted_requests(c);
}


/*
 * The request is going away (finished, terminated, or its HTTP/2 stream
 * reset): nothing of ours may point at it any more.
 */

static void
ngx_http_phoneval_cleanup(void *data)
{
    ngx_http_phoneval_ctx_t  *ctx = data;

    ngx_uint_t                 i;
    ngx_http_phoneval_item_t  *item;

    ctx->aborted = 1;

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    if (ctx->wake.posted) {
        ngx_delete_posted_event(&ctx->wake);
    }

    if (!ctx->tracked) {
        /* all answers came from the cache: no item to take back */
        return;
    }

    for (i = 0; i < ctx->nitems; i++) {
        item = &ctx->items[i];

        if (item->state == NGX_HTTP_PHONEVAL_ITEM_FOLLOWING) {
            ngx_http_phoneval_unfollow(item);

        } else if (item->in_tree) {
            ngx_http_phoneval_release(item);
            ngx_http_phoneval_promote(item);
        }
    }
}


static void
ngx_http_phoneval_wake_handler(ngx_event_t *ev)
{
    ngx_connection_t         *c;
    ngx_http_request_t       *r;
    ngx_http_phoneval_ctx_t  *ctx;

    r = ev->data;
    c = r->connection;

    ctx = ngx_http_get_module_ctx(r, ngx_http_phoneval_module);

    if (ctx == NULL || ctx->state != NGX_HTTP_PHONEVAL_STATE_VALIDATING) {
        return;
    }

    ngx_http_set_log_request(c->log, r);

    r->write_event_handler(r);
    ngx_http_run_posted_requests(c);
}


static void *
ngx_http_phoneval_palloc(void *data, size_t size)
{
    return ngx_http_phoneval_ctx_alloc(data, size);
}
