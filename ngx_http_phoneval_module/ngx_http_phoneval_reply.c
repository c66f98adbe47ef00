
/*
 * Copyright (C) phoneval authors
 *
 * Responses the module sends itself.  They are JSON in the Contacts API's
 * own error shape, so a client library reports them as it reports the
 * API's errors.  Each function sends, finalizes, and returns NGX_DONE.
 */


#include "ngx_http_phoneval.h"


static ngx_str_t *ngx_http_phoneval_reason(ngx_uint_t status);
static ngx_int_t ngx_http_phoneval_listed(ngx_http_phoneval_ctx_t *ctx,
    ngx_http_phoneval_contact_t *pc, ngx_uint_t status);
static size_t ngx_http_phoneval_path(u_char *out, ngx_http_phoneval_ctx_t *ctx,
    pv_contact_t *c);
static ngx_int_t ngx_http_phoneval_send(ngx_http_request_t *r,
    ngx_uint_t status, u_char *body, size_t len, time_t retry_after);


static ngx_str_t  ngx_http_phoneval_reasons[] = {
    ngx_string("Bad Request"),
    ngx_string("Request Entity Too Large"),
    ngx_string("Unsupported Media Type"),
    ngx_string("Unprocessable Entity"),
    ngx_string("Service Unavailable"),
    ngx_string("Internal Server Error")
};


ngx_int_t
ngx_http_phoneval_send_error(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *message, ngx_str_t *details)
{
    u_char     *body, *p;
    size_t      len;
    ngx_str_t  *reason, msg;

    if (message == NULL) {
        if (status == NGX_HTTP_UNSUPPORTED_MEDIA_TYPE) {
            ngx_str_set(&msg, "Content-Type must be application/json "
                              "or application/*+json");
        } else {
            msg = *ngx_http_phoneval_reason(status);
        }

        message = &msg;
    }

    reason = ngx_http_phoneval_reason(status);

    len = sizeof("{\"statusCode\":000,\"message\":,\"error\":\"\"}") - 1
          + 2 + 6 * message->len + reason->len
          + (details ? sizeof(",\"phoneval\":") - 1 + details->len : 0);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    p = ngx_sprintf(body, "{\"statusCode\":%ui,\"message\":", status);
    p += pv_json_quote(message->data, message->len, p);
    p = ngx_sprintf(p, ",\"error\":\"%V\"", reason);

    if (details) {
        p = ngx_sprintf(p, ",\"phoneval\":%V", details);
    }

    *p++ = '}';

    return ngx_http_phoneval_send(r, status, body, p - body, 0);
}


/*
 * 422 lists every contact whose verdict rejects; 503 every PENDING one.
 * "message" is an array of strings, as in the Contacts API's own 422.
 */

ngx_int_t
ngx_http_phoneval_send_rejection(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_uint_t status)
{
    u_char                        *body, *p, *path;
    size_t                         len, plen, n;
    time_t                         retry_after;
    ngx_int_t                      v;
    ngx_uint_t                     i, listed;
    pv_contact_t                  *c;
    ngx_str_t                     *reason;
    ngx_http_phoneval_contact_t   *pc;

    static u_char  unavailable[] =
        "\"phone validation is unavailable, retry later\"";

    reason = ngx_http_phoneval_reason(status);

    plen = 6 * (ctx->conf->bulk_field.len + ctx->conf->phone_field.len)
           + NGX_INT_T_LEN + 8;

    len = sizeof(unavailable) + 128;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        c = ctx->contacts[i].contact;
        len += 2 * plen + 6 * c->phone_len + 128;
    }

    body = ngx_pnalloc(r->pool, len);
    path = ngx_pnalloc(r->pool, plen);
    if (body == NULL || path == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    p = ngx_sprintf(body, "{\"statusCode\":%ui,\"message\":", status);

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        p = ngx_cpymem(p, unavailable, sizeof(unavailable) - 1);

    } else {
        *p++ = '[';
        listed = 0;

        for (i = 0; i < ctx->doc.ncontacts; i++) {
            v = ngx_http_phoneval_listed(ctx, &ctx->contacts[i], status);
            if (v < 0) {
                continue;
            }

            if (listed++) {
                *p++ = ',';
            }

            /* "<path>: <STATUS>": the quoted path without its last quote */
            n = ngx_http_phoneval_path(path, ctx, ctx->contacts[i].contact);
            p = ngx_cpymem(p, path, n - 1);
            p = ngx_sprintf(p, ": %s\"", pv_verdict_name(v));
        }

        *p++ = ']';
    }

    p = ngx_sprintf(p, ",\"error\":\"%V\",\"phoneval\":[", reason);
    listed = 0;

    for (i = 0; i < ctx->doc.ncontacts; i++) {
        pc = &ctx->contacts[i];

        v = ngx_http_phoneval_listed(ctx, pc, status);
        if (v < 0) {
            continue;
        }

        if (listed++) {
            *p++ = ',';
        }

        c = pc->contact;

        if (c->index < 0) {
            p = ngx_cpymem(p, "{\"index\":null", sizeof("{\"index\":null") - 1);
        } else {
            p = ngx_sprintf(p, "{\"index\":%l", c->index);
        }

        p = ngx_cpymem(p, ",\"path\":", sizeof(",\"path\":") - 1);
        p += ngx_http_phoneval_path(p, ctx, c);
        p = ngx_cpymem(p, ",\"input\":", sizeof(",\"input\":") - 1);
        p += pv_json_quote(c->phone_text, c->phone_len, p);
        p = ngx_sprintf(p, ",\"status\":\"%s\"", pv_verdict_name(v));

        if (pc->item == NULL && pc->phone_rc != PV_PHONE_OK) {
            p = ngx_sprintf(p, ",\"reason\":\"%s\"",
                            pv_phone_rc_text(pc->phone_rc));
        }

        *p++ = '}';
    }

    p = ngx_cpymem(p, "]}", 2);

    retry_after = 0;

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        retry_after = ctx->retry_after > 0 ? ctx->retry_after : 30;

        /* a long rate= period must not tell clients to go away for weeks */
        retry_after = ngx_min(retry_after, NGX_HTTP_PHONEVAL_RETRY_AFTER_MAX);
    }

    return ngx_http_phoneval_send(r, status, body, p - body, retry_after);
}


/* the verdict of a contact listed in a 422 or 503 answer, or -1 */

static ngx_int_t
ngx_http_phoneval_listed(ngx_http_phoneval_ctx_t *ctx,
    ngx_http_phoneval_contact_t *pc, ngx_uint_t status)
{
    pv_verdict_e  v;

    if (pc->kind != PV_RESULT_VERDICT) {
        return -1;
    }

    v = pc->verdict->verdict;

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        return (v == PV_PENDING) ? (ngx_int_t) v : -1;
    }

    if (v != PV_PENDING
        && (ctx->conf->reject & NGX_HTTP_PHONEVAL_VERDICT_BIT(v)))
    {
        return v;
    }

    return -1;
}


/* the phone's place in the body, written as a quoted JSON string */

static size_t
ngx_http_phoneval_path(u_char *out, ngx_http_phoneval_ctx_t *ctx,
    pv_contact_t *c)
{
    u_char                        *p;
    ngx_http_phoneval_loc_conf_t  *plcf;
    u_char                         raw[512];

    plcf = ctx->conf;
    p = raw;

    if (plcf->bulk_field.len + plcf->phone_field.len > sizeof(raw) - 32) {
        return pv_json_quote(plcf->phone_field.data, plcf->phone_field.len,
                             out);
    }

    if (ctx->doc.root == PV_ROOT_BULK) {
        p = ngx_cpymem(p, plcf->bulk_field.data, plcf->bulk_field.len);
    }

    if (c->index >= 0) {
        p = ngx_sprintf(p, "[%l].", c->index);
    }

    p = ngx_cpymem(p, plcf->phone_field.data, plcf->phone_field.len);

    return pv_json_quote(raw, p - raw, out);
}


static ngx_int_t
ngx_http_phoneval_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len, time_t retry_after)
{
    u_char           *p;
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *h;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;

    if (status == NGX_HTTP_UNPROCESSABLE_ENTITY) {
        /* nginx before 1.23 has no reason phrase for 422 */
        ngx_str_set(&r->headers_out.status_line, "422 Unprocessable Entity");
    }
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (retry_after) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return NGX_DONE;
        }

        p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
        if (p == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return NGX_DONE;
        }

        h->hash = 1;
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif
        ngx_str_set(&h->key, "Retry-After");
        h->value.data = p;
        h->value.len = ngx_sprintf(p, "%T", retry_after) - p;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));

    return NGX_DONE;
}


static ngx_str_t *
ngx_http_phoneval_reason(ngx_uint_t status)
{
    switch (status) {

    case NGX_HTTP_BAD_REQUEST:
        return &ngx_http_phoneval_reasons[0];

    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        return &ngx_http_phoneval_reasons[1];

    case NGX_HTTP_UNSUPPORTED_MEDIA_TYPE:
        return &ngx_http_phoneval_reasons[2];

    case NGX_HTTP_UNPROCESSABLE_ENTITY:
        return &ngx_http_phoneval_reasons[3];

    case NGX_HTTP_SERVICE_UNAVAILABLE:
        return &ngx_http_phoneval_reasons[4];

    default:
        return &ngx_http_phoneval_reasons[5];
    }
}
