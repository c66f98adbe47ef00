
/*
 * Copyright (C) phoneval authors
 *
 * Provider calls: one background subrequest per distinct number to the
 * phoneval_pass location, its answer captured by a body filter of ours,
 * and the verdict taken from it.
 *
 * The subrequest gets fresh request headers and its own form body: no
 * client header and no client body byte can reach the provider, whatever
 * the internal location is configured to pass.  The API key travels only
 * in that body, never in a URI.
 */


#include "ngx_http_phoneval.h"


static ngx_int_t ngx_http_phoneval_call_headers(ngx_http_request_t *sr,
    size_t len);
static ngx_http_request_body_t *ngx_http_phoneval_call_body(
    ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx,
    ngx_http_phoneval_item_t *item);
static ngx_int_t ngx_http_phoneval_call_done(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static void ngx_http_phoneval_take_answer(ngx_http_request_t *sr,
    ngx_http_phoneval_item_t *item, ngx_int_t rc);
static ngx_int_t ngx_http_phoneval_capture_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_phoneval_capture(ngx_http_request_t *r,
    ngx_http_phoneval_item_t *item, u_char *data, size_t size);
static void ngx_http_phoneval_share(ngx_http_phoneval_item_t *leader);
static void ngx_http_phoneval_call_end(ngx_http_phoneval_item_t *item);
static void ngx_http_phoneval_call_cleanup(void *data);


static ngx_http_output_body_filter_pt  ngx_http_next_body_filter;

static ngx_str_t  ngx_http_phoneval_post = ngx_string("POST");


static const char *ngx_http_phoneval_mode[] = { "extensive", "express" };


ngx_int_t
ngx_http_phoneval_call(ngx_http_request_t *r, ngx_http_phoneval_ctx_t *ctx,
    ngx_http_phoneval_item_t *item)
{
    ngx_pool_cleanup_t          *cln;
    ngx_http_request_t          *sr;
    ngx_http_request_body_t     *rb;
    ngx_http_variable_value_t   *vars;
    ngx_http_core_main_conf_t   *cmcf;
    ngx_http_post_subrequest_t  *ps;

    /*
     * the caller has just taken a unit of the zone's budget for this call,
     * which counts it as in flight there until ngx_http_phoneval_call_end()
     */
    item->in_budget = (ctx->conf->zone != NULL);

    /*
     * everything that can fail is made before the subrequest exists: once
     * posted, a subrequest runs, and it must never run with the client's
     * headers or body
     */

    /* a request that goes away with the call in flight ends it there */
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_http_phoneval_call_end(item);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_phoneval_call_cleanup;
    cln->data = item;

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (ps == NULL) {
        ngx_http_phoneval_call_end(item);
        return NGX_ERROR;
    }

    ps->handler = ngx_http_phoneval_call_done;
    ps->data = item;

    rb = ngx_http_phoneval_call_body(r, ctx, item);
    if (rb == NULL) {
        ngx_http_phoneval_call_end(item);
        return NGX_ERROR;
    }

    /*
     * variables of its own: subrequests share the parent's cache of
     * variable values, so $request_body would be the first call's body,
     * and a cached client header value could reach the provider
     */
    cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);

    vars = ngx_pcalloc(r->pool, cmcf->variables.nelts
                                * sizeof(ngx_http_variable_value_t));
    if (vars == NULL) {
        ngx_http_phoneval_call_end(item);
        return NGX_ERROR;
    }

    /*
     * background: nginx neither wakes the parent nor queues the output;
     * the done handler wakes the parent itself
     */

    if (ngx_http_subrequest(r, &ctx->conf->pass, NULL, &sr, ps,
                            NGX_HTTP_SUBREQUEST_BACKGROUND)
        != NGX_OK)
    {
        ngx_http_phoneval_call_end(item);
        return NGX_ERROR;
    }

    item->sr = sr;
    ngx_http_set_ctx(sr, item, ngx_http_phoneval_module);

    sr->variables = vars;
    sr->request_body = rb;
    sr->method = NGX_HTTP_POST;
    sr->method_name = ngx_http_phoneval_post;

    /* it clears the client's headers before anything that can fail */
    if (ngx_http_phoneval_call_headers(sr, rb->buf->last - rb->buf->pos)
        != NGX_OK)
    {
        ngx_http_phoneval_call_end(item);
        return NGX_ERROR;
    }

    item->state = NGX_HTTP_PHONEVAL_ITEM_IN_FLIGHT;
    item->answer_status = 0;
    item->started = ngx_current_msec;

    /* later requests for the same number in this worker wait for this */
    ngx_queue_init(&item->followers);
    item->node.key = item->hash;
    ngx_rbtree_insert(&ctx->main_conf->inflight, &item->node);
    item->in_tree = 1;
    ctx->tracked = 1;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "phoneval call: \"%*s\"", item->key_len, item->key);

    return NGX_OK;
}


/* the form body, a body of its own: the parent's is never read here */

static ngx_http_request_body_t *
ngx_http_phoneval_call_body(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_http_phoneval_item_t *item)
{
    u_char                        *p;
    size_t                         len;
    ngx_buf_t                     *b;
    ngx_chain_t                   *cl;
    pv_request_t                   rq;
    ngx_http_request_body_t       *rb;
    ngx_http_phoneval_loc_conf_t  *plcf;

    plcf = ctx->conf;

    rq.phone = &item->phone;
    rq.country = item->country;
    rq.mode = ngx_http_phoneval_mode[plcf->check_mode];
    rq.locale = plcf->locale.data;
    rq.locale_len = plcf->locale.len;
    rq.timeout = (unsigned) ((plcf->timeout + 999) / 1000);
    rq.api_key = ctx->api_key.data;
    rq.api_key_len = ctx->api_key.len;

    p = ngx_pnalloc(r->pool, pv_form_size(&rq));
    if (p == NULL) {
        return NULL;
    }

    len = pv_form_write(&rq, p);

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);
    rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    if (b == NULL || cl == NULL || rb == NULL) {
        return NULL;
    }

    b->temporary = 1;
    b->start = p;
    b->pos = p;
    b->last = p + len;
    b->end = p + len;
    b->last_buf = 1;
    b->last_in_chain = 1;

    cl->buf = b;
    cl->next = NULL;

    rb->bufs = cl;
    rb->buf = b;

    return rb;
}


/*
 * The subrequest starts with a copy of the client's headers; replace them
 * with the two the provider needs.
 */

static ngx_int_t
ngx_http_phoneval_call_headers(ngx_http_request_t *sr, size_t len)
{
    ngx_table_elt_t  *h;

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    if (ngx_list_init(&sr->headers_in.headers, sr->pool, 2,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Content-Type");
    ngx_str_set(&h->value, "application/x-www-form-urlencoded");
    h->lowcase_key = (u_char *) "content-type";
    sr->headers_in.content_type = h;

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Accept");
    ngx_str_set(&h->value, "application/json");
    h->lowcase_key = (u_char *) "accept";

    sr->headers_in.content_length_n = len;
    sr->headers_in.keep_alive_n = -1;

    return NGX_OK;
}


/* may run more than once for one subrequest: only the first counts */

static ngx_int_t
ngx_http_phoneval_call_done(ngx_http_request_t *sr, void *data, ngx_int_t rc)
{
    ngx_http_phoneval_item_t  *item = data;

    ngx_http_phoneval_ctx_t  *ctx;

    if (item->state != NGX_HTTP_PHONEVAL_ITEM_IN_FLIGHT) {
        return NGX_OK;
    }

    ctx = item->ctx;

    item->state = NGX_HTTP_PHONEVAL_ITEM_DONE;
    ctx->in_flight--;
    ctx->pending_calls--;

    ngx_http_phoneval_call_end(item);
    ngx_http_phoneval_release(item);
    ngx_http_phoneval_take_answer(sr, item, rc);
    ngx_http_phoneval_share(item);

    if (ctx->state == NGX_HTTP_PHONEVAL_STATE_VALIDATING && !ctx->aborted) {
        /* never run posted requests from here: we are inside finalize */
        ngx_http_post_request(ctx->request, NULL);
    }

    /* no error page into the subrequest: the main request goes on */
    return NGX_OK;
}


static void
ngx_http_phoneval_take_answer(ngx_http_request_t *sr,
    ngx_http_phoneval_item_t *item, ngx_int_t rc)
{
    time_t                         block;
    ngx_uint_t                     status;
    pv_answer_t                    a;
    pv_verdict_e                   v;
    ngx_http_phoneval_ctx_t       *ctx;
    ngx_http_phoneval_call_e       call;
    ngx_http_phoneval_loc_conf_t  *plcf;

    ctx = item->ctx;
    plcf = ctx->conf;

    item->verdict.verdict = PV_PENDING;
    item->src = NGX_HTTP_PHONEVAL_SRC_ERROR;

    status = sr->headers_out.status;

    if (status == 0 || rc == NGX_ERROR
        || (rc >= NGX_HTTP_SPECIAL_RESPONSE && status == NGX_HTTP_OK))
    {
        call = NGX_HTTP_PHONEVAL_CALL_TRANSPORT;

        ngx_log_error(NGX_LOG_WARN, sr->connection->log, 0,
                      "phoneval: provider call failed (%i), verdict "
                      "PENDING", rc);
        goto done;
    }

    if (status != NGX_HTTP_OK) {
        call = NGX_HTTP_PHONEVAL_CALL_HTTP_ERROR;

        ngx_log_error(NGX_LOG_WARN, sr->connection->log, 0,
                      "phoneval: provider answered HTTP %ui, verdict "
                      "PENDING", status);
        goto done;
    }

    if (item->answer_too_big || !item->answer_complete) {
        call = NGX_HTTP_PHONEVAL_CALL_BAD_ANSWER;

        ngx_log_error(NGX_LOG_WARN, sr->connection->log, 0,
                      "phoneval: provider answer %s, verdict PENDING",
                      item->answer_too_big ? "is too big" : "is incomplete");
        goto done;
    }

    pv_answer_parse(item->answer, item->answer_len, &a);

    /* phoneval_timeout cancels a call: no answer is older than that */
    block = ngx_http_phoneval_budget_update(plcf->zone, &a,
                                            (time_t) (plcf->timeout / 1000
                                                      + 1),
                                            sr->connection->log);

    switch (a.status) {

    case PV_BP_VALID_CONFIRMED:
    case PV_BP_VALID_UNCONFIRMED:
    case PV_BP_INVALID:
        call = NGX_HTTP_PHONEVAL_CALL_OK;
        break;

    case PV_BP_DELAYED:
        call = NGX_HTTP_PHONEVAL_CALL_DELAYED;
        break;

    case PV_BP_RATE_LIMIT_EXCEEDED:
        call = NGX_HTTP_PHONEVAL_CALL_RATE_LIMITED;
        break;

    case PV_BP_API_KEY_INVALID_OR_DEPLETED:
        call = NGX_HTTP_PHONEVAL_CALL_KEY_INVALID;
        break;

    default:
        call = NGX_HTTP_PHONEVAL_CALL_BAD_ANSWER;

        ngx_log_error(NGX_LOG_WARN, sr->connection->log, 0,
                      "phoneval: provider answer not understood (%s), "
                      "verdict PENDING", pv_bp_status_name(a.status));
        goto done;
    }

    v = pv_verdict_from_answer(&a);

    if (v == PV_PENDING) {
        /* DELAYED is worth retrying soon; the others when the block ends */
        if (a.status == PV_BP_RATE_LIMIT_EXCEEDED
            && a.ratelimit_seconds > ctx->retry_after)
        {
            /* at most PV_RATELIMIT_SECONDS_MAX: the parser clamps it */
            ctx->retry_after = a.ratelimit_seconds;

        } else if (a.status == PV_BP_API_KEY_INVALID_OR_DEPLETED
                   && ctx->retry_after < 60)
        {
            ctx->retry_after = 60;
        }

        /* the zone's block, which this answer started or found running */
        if (block > ctx->retry_after) {
            ctx->retry_after = block;
        }

        goto done;
    }

    item->src = NGX_HTTP_PHONEVAL_SRC_PROVIDER;
    item->verdict.verdict = v;
    item->verdict.validated_at = ngx_time();
    ngx_cpystrn((u_char *) item->verdict.line_type, (u_char *) a.line_type,
                sizeof(item->verdict.line_type));
    ngx_cpystrn((u_char *) item->verdict.country, (u_char *) a.country,
                sizeof(item->verdict.country));

    if (v != PV_INVALID) {
        ngx_cpystrn((u_char *) item->verdict.e164, (u_char *) a.e164,
                    sizeof(item->verdict.e164));
    }

    if (plcf->cache && plcf->cache_valid[v]) {
        ngx_http_phoneval_cache_put(plcf->zone, item->key, item->key_len,
                                    item->hash, &item->verdict,
                                    plcf->cache_valid[v]);
    }

done:

    ngx_http_phoneval_count_call(plcf->zone, call,
                                 ngx_current_msec - item->started);
}


/*
 * Ends a call phoneval_timeout gave up on: the upstream's own cleanup
 * closes the provider connection and releases the subrequest's reference,
 * so the client's keepalive connection is free at once.  The done handler
 * is not called on that path.
 */

void
ngx_http_phoneval_cancel(ngx_http_phoneval_item_t *item)
{
    ngx_http_request_t   *sr;
    ngx_http_upstream_t  *u;

    sr = item->sr;
    item->state = NGX_HTTP_PHONEVAL_ITEM_DONE;

    ngx_http_phoneval_call_end(item);
    ngx_http_phoneval_release(item);
    ngx_http_phoneval_promote(item);

    ngx_http_phoneval_count_call(item->ctx->conf->zone,
                                 NGX_HTTP_PHONEVAL_CALL_TIMEOUT,
                                 ngx_current_msec - item->started);

    if (sr == NULL) {
        return;
    }

    u = sr->upstream;

    if (u && u->cleanup && *u->cleanup) {
        (*u->cleanup)(sr);
    }

    /* not an upstream location: it finishes on its own, ignored */
}


/* the call no longer counts as in flight in the zone's budget */

static void
ngx_http_phoneval_call_end(ngx_http_phoneval_item_t *item)
{
    if (item->in_budget) {
        item->in_budget = 0;
        ngx_http_phoneval_budget_done(item->ctx->conf->zone);
    }
}


/*
 * The request's pool goes: a call still in flight was abandoned with its
 * request (the client went away), and neither the done handler nor the
 * cancel ran for it.
 */

static void
ngx_http_phoneval_call_cleanup(void *data)
{
    ngx_http_phoneval_item_t  *item = data;

    ngx_http_phoneval_call_end(item);
}


ngx_int_t
ngx_http_phoneval_capture_init(ngx_conf_t *cf)
{
    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_phoneval_capture_filter;

    return NGX_OK;
}


/*
 * Keeps the answer of our subrequests (bounded) and swallows it, so it
 * never reaches the client connection.  An oversized answer is marked,
 * not an error: that would abort the client's request.
 */

static ngx_int_t
ngx_http_phoneval_capture_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    size_t                     size;
    ngx_buf_t                 *b;
    ngx_chain_t               *cl;
    ngx_http_phoneval_item_t  *item;

    if (r == r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    item = ngx_http_get_module_ctx(r, ngx_http_phoneval_module);

    if (item == NULL || item->sr != r) {
        return ngx_http_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            size = b->last - b->pos;

        } else if (b->in_file) {
            size = (size_t) (b->file_last - b->file_pos);
            item->answer_too_big = 1;
            b->file_pos = b->file_last;
            size = 0;

        } else {
            size = 0;
        }

        if (size && !item->answer_too_big) {
            if (ngx_http_phoneval_capture(r, item, b->pos, size) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        if (ngx_buf_in_memory(b)) {
            b->pos = b->last;
        }

        if (b->last_buf || b->last_in_chain) {
            item->answer_complete = 1;
        }
    }

    return NGX_OK;
}


/* appends to the item's answer, growing it up to the cap */

static ngx_int_t
ngx_http_phoneval_capture(ngx_http_request_t *r,
    ngx_http_phoneval_item_t *item, u_char *data, size_t size)
{
    u_char  *p;
    size_t   cap;

    if (item->answer_len + size > NGX_HTTP_PHONEVAL_ANSWER_MAX) {
        item->answer_too_big = 1;
        return NGX_OK;
    }

    if (item->answer_len + size > item->answer_cap) {
        cap = ngx_max(item->answer_cap * 2, item->answer_len + size);
        cap = ngx_max(cap, 512);
        cap = ngx_min(cap, NGX_HTTP_PHONEVAL_ANSWER_MAX);

        p = ngx_pnalloc(r->pool, cap);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (item->answer_len) {
            ngx_memcpy(p, item->answer, item->answer_len);
        }

        item->answer = p;
        item->answer_cap = cap;
    }

    ngx_memcpy(item->answer + item->answer_len, data, size);
    item->answer_len += size;

    return NGX_OK;
}


/*
 * In-flight sharing, within this worker: a request that needs a number
 * another request is already asking the provider about waits for that
 * answer instead of paying for a second call.
 */

static void
ngx_http_phoneval_inflight_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t         **p;
    ngx_http_phoneval_item_t   *a, *b;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            a = (ngx_http_phoneval_item_t *) node;
            b = (ngx_http_phoneval_item_t *) temp;

            p = (ngx_memn2cmp(a->key, b->key, a->key_len, b->key_len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


void
ngx_http_phoneval_inflight_init(ngx_http_phoneval_main_conf_t *pmcf)
{
    ngx_rbtree_init(&pmcf->inflight, &pmcf->inflight_sentinel,
                    ngx_http_phoneval_inflight_insert);
}


ngx_int_t
ngx_http_phoneval_follow(ngx_http_request_t *r,
    ngx_http_phoneval_item_t *item)
{
    uint32_t                   hash;
    ngx_int_t                  rc;
    ngx_rbtree_node_t         *node, *sentinel;
    ngx_http_phoneval_item_t  *leader;

    hash = item->hash;

    node = item->ctx->main_conf->inflight.root;
    sentinel = item->ctx->main_conf->inflight.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        leader = (ngx_http_phoneval_item_t *) node;

        rc = ngx_memn2cmp(item->key, leader->key, item->key_len,
                          leader->key_len);

        if (rc == 0) {
            item->leader = leader;
            item->state = NGX_HTTP_PHONEVAL_ITEM_FOLLOWING;
            item->ctx->tracked = 1;
            ngx_queue_insert_tail(&leader->followers, &item->follow);

            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "phoneval shares a call: \"%*s\"",
                           item->key_len, item->key);
            return NGX_OK;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NGX_DECLINED;
}


/* a follower gives up waiting: its own request timed out or ended */

void
ngx_http_phoneval_unfollow(ngx_http_phoneval_item_t *item)
{
    if (item->state == NGX_HTTP_PHONEVAL_ITEM_FOLLOWING && item->leader) {
        ngx_queue_remove(&item->follow);
        item->leader = NULL;
    }
}


/* the call is over: later requests no longer find it */

void
ngx_http_phoneval_release(ngx_http_phoneval_item_t *item)
{
    if (item->in_tree) {
        ngx_rbtree_delete(&item->ctx->main_conf->inflight, &item->node);
        item->in_tree = 0;
    }
}


/*
 * A leader's call ended without an answer to share (cancelled, or its
 * request went away): its followers ask the provider themselves.
 */

void
ngx_http_phoneval_promote(ngx_http_phoneval_item_t *leader)
{
    ngx_queue_t               *q;
    ngx_http_phoneval_item_t  *f;

    while (!ngx_queue_empty(&leader->followers)) {
        q = ngx_queue_head(&leader->followers);
        f = ngx_queue_data(q, ngx_http_phoneval_item_t, follow);

        ngx_queue_remove(q);
        f->leader = NULL;
        f->state = NGX_HTTP_PHONEVAL_ITEM_QUEUED;
        f->ctx->next_item = 0;

        ngx_http_phoneval_wake(f->ctx);
    }
}


static void
ngx_http_phoneval_share(ngx_http_phoneval_item_t *leader)
{
    ngx_queue_t               *q;
    ngx_http_phoneval_item_t  *f;

    while (!ngx_queue_empty(&leader->followers)) {
        q = ngx_queue_head(&leader->followers);
        f = ngx_queue_data(q, ngx_http_phoneval_item_t, follow);

        ngx_queue_remove(q);
        f->leader = NULL;
        f->state = NGX_HTTP_PHONEVAL_ITEM_DONE;
        f->src = leader->src;
        f->verdict = leader->verdict;
        f->ctx->pending_calls--;

        ngx_http_phoneval_wake(f->ctx);
    }
}


/*
 * Another connection's event answered us: post an event, since posting
 * the request itself would wait for an event on its own connection.
 */

void
ngx_http_phoneval_wake(ngx_http_phoneval_ctx_t *ctx)
{
    if (ctx->state == NGX_HTTP_PHONEVAL_STATE_VALIDATING && !ctx->aborted
        && !ctx->wake.posted)
    {
        ngx_post_event(&ctx->wake, &ngx_posted_events);
    }
}
