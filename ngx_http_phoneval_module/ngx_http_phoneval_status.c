
/*
 * Copyright (C) phoneval authors
 *
 * The phoneval_status content handler: the zones' counters and gauges in
 * the Prometheus text exposition format, or JSON with ?format=json.
 * Counters are shared atomics, so every worker answers the same.
 */


#include "ngx_http_phoneval_zone.h"


static ngx_int_t ngx_http_phoneval_status_handler(ngx_http_request_t *r);
static u_char *ngx_http_phoneval_status_prom(u_char *p, u_char *last,
    ngx_shm_zone_t *zone);
static u_char *ngx_http_phoneval_status_json(u_char *p, u_char *last,
    ngx_shm_zone_t *zone);
static void ngx_http_phoneval_zone_gauges(ngx_http_phoneval_zctx_t *zctx,
    ngx_uint_t *entries, size_t *free, ngx_int_t *left, time_t *blocked);


static const char  *ngx_http_phoneval_req_names[] = {
    "annotated", "unchanged", "rejected", "unavailable", "bad_request"
};

static const char  *ngx_http_phoneval_call_names[] = {
    "ok", "delayed", "rate_limited", "key_invalid", "bad_answer",
    "http_error", "transport", "timeout"
};


#define NGX_HTTP_PHONEVAL_STATUS_ZONE_SIZE  8192


char *
ngx_http_phoneval_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_phoneval_status_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_phoneval_status_handler(ngx_http_request_t *r)
{
    u_char                         *p, *last;
    size_t                          size;
    ngx_int_t                       rc, json;
    ngx_str_t                       format;
    ngx_buf_t                      *b;
    ngx_uint_t                      i;
    ngx_chain_t                     out;
    ngx_shm_zone_t                **zones;
    ngx_http_phoneval_main_conf_t  *pmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    json = 0;

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK
        && format.len == 4 && ngx_strncmp(format.data, "json", 4) == 0)
    {
        json = 1;
    }

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_phoneval_module);
    zones = pmcf->zones.elts;

    size = 64;

    for (i = 0; i < pmcf->zones.nelts; i++) {
        /* the zone name is on every line */
        size += NGX_HTTP_PHONEVAL_STATUS_ZONE_SIZE
                + 64 * zones[i]->shm.name.len;
    }

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = b->last;
    last = b->end;

    if (json) {
        p = ngx_slprintf(p, last, "{\"zones\":{");
    }

    for (i = 0; i < pmcf->zones.nelts; i++) {
        if (json) {
            if (i) {
                *p++ = ',';
            }

            p = ngx_http_phoneval_status_json(p, last, zones[i]);

        } else {
            p = ngx_http_phoneval_status_prom(p, last, zones[i]);
        }
    }

    if (json) {
        p = ngx_slprintf(p, last, "}}\n");
    }

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    if (b->last == b->pos) {
        /* no zones: an empty buffer would be a "zero size buf" alert */
        r->header_only = 1;
    }

    if (json) {
        ngx_str_set(&r->headers_out.content_type, "application/json");

    } else {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static void
ngx_http_phoneval_zone_gauges(ngx_http_phoneval_zctx_t *zctx,
    ngx_uint_t *entries, size_t *free, ngx_int_t *left, time_t *blocked)
{
    time_t                      now;
    ngx_http_phoneval_shctx_t  *sh;

    sh = zctx->sh;
    now = ngx_time();

    ngx_shmtx_lock(&zctx->shpool->mutex);

    *entries = sh->entries;
    *free = zctx->shpool->pfree * ngx_pagesize;
    *blocked = ngx_max(sh->blocked_until, sh->key_blocked_until);
    *blocked = *blocked > now ? *blocked - now : 0;

    if (zctx->rate == 0) {
        *left = -1;

    } else if (now >= sh->window_start + zctx->period) {
        *left = zctx->rate;

    } else {
        *left = (ngx_int_t) zctx->rate - (ngx_int_t) sh->window_used;
    }

    /* what the provider itself said is left tightens it */
    if (*left != -1 && sh->provider_reset > now
        && sh->provider_remain < *left)
    {
        *left = sh->provider_remain > 0 ? sh->provider_remain : 0;
    }

    if (*left != -1 && *blocked) {
        *left = 0;
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);
}


static u_char *
ngx_http_phoneval_status_prom(u_char *p, u_char *last, ngx_shm_zone_t *zone)
{
    size_t                      free;
    time_t                      blocked;
    ngx_int_t                   left;
    ngx_uint_t                  i, entries;
    ngx_atomic_uint_t           cum;
    ngx_str_t                  *name;
    ngx_http_phoneval_zctx_t   *zctx;
    ngx_http_phoneval_shctx_t  *sh;

    zctx = zone->data;
    sh = zctx->sh;
    name = &zctx->name;

    ngx_http_phoneval_zone_gauges(zctx, &entries, &free, &left, &blocked);

    p = ngx_slprintf(p, last,
            "# HELP phoneval_requests_total Contact writes by outcome.\n"
            "# TYPE phoneval_requests_total counter\n");

    for (i = 0; i < NGX_HTTP_PHONEVAL_REQ_N; i++) {
        p = ngx_slprintf(p, last,
                "phoneval_requests_total{zone=\"%V\",outcome=\"%s\"} %uA\n",
                name, ngx_http_phoneval_req_names[i], sh->requests[i]);
    }

    p = ngx_slprintf(p, last,
            "# HELP phoneval_phones_total Phones by verdict.\n"
            "# TYPE phoneval_phones_total counter\n");

    for (i = 0; i < PV_VERDICT_N; i++) {
        p = ngx_slprintf(p, last,
                "phoneval_phones_total{zone=\"%V\",verdict=\"%s\"} %uA\n",
                name, pv_verdict_name((pv_verdict_e) i), sh->verdicts[i]);
    }

    p = ngx_slprintf(p, last,
            "# HELP phoneval_provider_calls_total Provider calls by "
            "result.\n"
            "# TYPE phoneval_provider_calls_total counter\n");

    for (i = 0; i < NGX_HTTP_PHONEVAL_CALL_N; i++) {
        p = ngx_slprintf(p, last,
                "phoneval_provider_calls_total{zone=\"%V\",result=\"%s\"} "
                "%uA\n", name, ngx_http_phoneval_call_names[i],
                sh->calls[i]);
    }

    p = ngx_slprintf(p, last,
            "# HELP phoneval_no_budget_total Calls not made for want of "
            "budget.\n"
            "# TYPE phoneval_no_budget_total counter\n"
            "phoneval_no_budget_total{zone=\"%V\"} %uA\n"
            "# HELP phoneval_cache_hits_total Verdicts found in the "
            "cache.\n"
            "# TYPE phoneval_cache_hits_total counter\n"
            "phoneval_cache_hits_total{zone=\"%V\"} %uA\n"
            "# HELP phoneval_cache_misses_total Verdicts not in the "
            "cache.\n"
            "# TYPE phoneval_cache_misses_total counter\n"
            "phoneval_cache_misses_total{zone=\"%V\"} %uA\n"
            "# HELP phoneval_cache_evictions_total Unexpired verdicts "
            "evicted from a full zone.\n"
            "# TYPE phoneval_cache_evictions_total counter\n"
            "phoneval_cache_evictions_total{zone=\"%V\"} %uA\n"
            "# HELP phoneval_zone_entries Verdicts in the zone.\n"
            "# TYPE phoneval_zone_entries gauge\n"
            "phoneval_zone_entries{zone=\"%V\"} %ui\n"
            "# HELP phoneval_zone_free_bytes Free pages of the zone, in "
            "bytes.\n"
            "# TYPE phoneval_zone_free_bytes gauge\n"
            "phoneval_zone_free_bytes{zone=\"%V\"} %uz\n",
            name, sh->no_budget, name, sh->hits, name, sh->misses,
            name, sh->evictions, name, entries, name, free);

    if (left >= 0) {
        p = ngx_slprintf(p, last,
                "# HELP phoneval_budget_remaining Provider calls left in "
                "this window.\n"
                "# TYPE phoneval_budget_remaining gauge\n"
                "phoneval_budget_remaining{zone=\"%V\"} %i\n",
                name, left);
    }

    p = ngx_slprintf(p, last,
            "# HELP phoneval_budget_blocked_seconds Seconds until the "
            "provider may be called again.\n"
            "# TYPE phoneval_budget_blocked_seconds gauge\n"
            "phoneval_budget_blocked_seconds{zone=\"%V\"} %T\n"
            "# HELP phoneval_provider_latency_seconds Provider call "
            "latency.\n"
            "# TYPE phoneval_provider_latency_seconds histogram\n",
            name, blocked);

    cum = 0;

    for (i = 0; i < NGX_HTTP_PHONEVAL_LATENCY_N; i++) {
        cum += sh->latency[i];
        p = ngx_slprintf(p, last,
                "phoneval_provider_latency_seconds_bucket{zone=\"%V\","
                "le=\"%M.%03M\"} %uA\n", name,
                ngx_http_phoneval_latency_buckets[i] / 1000,
                ngx_http_phoneval_latency_buckets[i] % 1000, cum);
    }

    cum += sh->latency[NGX_HTTP_PHONEVAL_LATENCY_N];

    p = ngx_slprintf(p, last,
            "phoneval_provider_latency_seconds_bucket{zone=\"%V\","
            "le=\"+Inf\"} %uA\n"
            "phoneval_provider_latency_seconds_sum{zone=\"%V\"} %uA.%03uA\n"
            "phoneval_provider_latency_seconds_count{zone=\"%V\"} %uA\n",
            name, cum, name, sh->latency_sum / 1000,
            sh->latency_sum % 1000, name, cum);

    return p;
}


static u_char *
ngx_http_phoneval_status_json(u_char *p, u_char *last, ngx_shm_zone_t *zone)
{
    size_t                      free;
    time_t                      blocked;
    ngx_int_t                   left;
    ngx_uint_t                  i, entries;
    ngx_http_phoneval_zctx_t   *zctx;
    ngx_http_phoneval_shctx_t  *sh;

    zctx = zone->data;
    sh = zctx->sh;

    ngx_http_phoneval_zone_gauges(zctx, &entries, &free, &left, &blocked);

    p = ngx_slprintf(p, last, "\"%V\":{\"requests\":{", &zctx->name);

    for (i = 0; i < NGX_HTTP_PHONEVAL_REQ_N; i++) {
        p = ngx_slprintf(p, last, "%s\"%s\":%uA", i ? "," : "",
                         ngx_http_phoneval_req_names[i], sh->requests[i]);
    }

    p = ngx_slprintf(p, last, "},\"phones\":{");

    for (i = 0; i < PV_VERDICT_N; i++) {
        p = ngx_slprintf(p, last, "%s\"%s\":%uA", i ? "," : "",
                         pv_verdict_name((pv_verdict_e) i), sh->verdicts[i]);
    }

    p = ngx_slprintf(p, last, "},\"provider_calls\":{");

    for (i = 0; i < NGX_HTTP_PHONEVAL_CALL_N; i++) {
        p = ngx_slprintf(p, last, "%s\"%s\":%uA", i ? "," : "",
                         ngx_http_phoneval_call_names[i], sh->calls[i]);
    }

    p = ngx_slprintf(p, last,
                     "},\"no_budget\":%uA,"
                     "\"cache\":{\"hits\":%uA,\"misses\":%uA,"
                     "\"evictions\":%uA,\"entries\":%ui,\"free_bytes\":%uz},"
                     "\"budget\":{\"rate\":%ui,\"period\":%T,",
                     sh->no_budget, sh->hits, sh->misses, sh->evictions,
                     entries, free, zctx->rate, zctx->period);

    if (left >= 0) {
        p = ngx_slprintf(p, last, "\"remaining\":%i,", left);

    } else {
        p = ngx_slprintf(p, last, "\"remaining\":null,");
    }

    p = ngx_slprintf(p, last, "\"blocked_seconds\":%T},"
                     "\"latency_ms\":{\"buckets\":{", blocked);

    for (i = 0; i < NGX_HTTP_PHONEVAL_LATENCY_N; i++) {
        p = ngx_slprintf(p, last, "%s\"%M\":%uA", i ? "," : "",
                         ngx_http_phoneval_latency_buckets[i],
                         sh->latency[i]);
    }

    p = ngx_slprintf(p, last, ",\"+Inf\":%uA},\"sum\":%uA}}",
                     sh->latency[NGX_HTTP_PHONEVAL_LATENCY_N],
                     sh->latency_sum);

    return p;
}
