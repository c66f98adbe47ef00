
/*
 * Copyright (C) phoneval authors
 *
 * The shared zone: a verdict cache (a hash table of chains and an LRU
 * queue), the provider budget shared by all workers, and counters.
 * Nothing in the zone points outside it: old and new workers share it
 * across a reload.
 */


#include "ngx_http_phoneval_zone.h"


static ngx_int_t ngx_http_phoneval_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_phoneval_node_t *ngx_http_phoneval_lookup(
    ngx_http_phoneval_zctx_t *zctx, u_char *key, size_t len,
    uint32_t hash);
static ngx_http_phoneval_node_t *ngx_http_phoneval_find(
    ngx_http_phoneval_node_t *pn, u_char *key, size_t len, uint32_t hash);
static void ngx_http_phoneval_read_node(ngx_http_phoneval_zctx_t *zctx,
    ngx_http_phoneval_node_t *pn, ngx_http_phoneval_verdict_t *v);
static void ngx_http_phoneval_unlink(ngx_http_phoneval_zctx_t *zctx,
    ngx_http_phoneval_node_t *pn);
static void ngx_http_phoneval_expire(ngx_http_phoneval_zctx_t *zctx,
    ngx_uint_t force);
static char *ngx_http_phoneval_parse_rate(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_phoneval_zctx_t *zctx);


const ngx_msec_t  ngx_http_phoneval_latency_buckets[] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};


char *
ngx_http_phoneval_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    u_char                         *p;
    ssize_t                         size;
    ngx_str_t                      *value, name, s;
    ngx_uint_t                      i;
    ngx_shm_zone_t                 *shm_zone, **pz;
    ngx_http_phoneval_zctx_t       *zctx;
    ngx_http_phoneval_main_conf_t  *pmcf;

    value = cf->args->elts;

    zctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_phoneval_zctx_t));
    if (zctx == NULL) {
        return NGX_CONF_ERROR;
    }

    size = 0;
    name.len = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            name.data = value[i].data + 5;

            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\": expected "
                                   "zone=NAME:SIZE", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small: at least "
                                   "%uzk", &value[i],
                                   8 * ngx_pagesize / 1024);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            if (ngx_http_phoneval_parse_rate(cf, &value[i], zctx)
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_phoneval_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate zone \"%V\"", &name);
        return NGX_CONF_ERROR;
    }

    zctx->name = name;
    shm_zone->init = ngx_http_phoneval_init_zone;
    shm_zone->data = zctx;

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_phoneval_module);

    pz = ngx_array_push(&pmcf->zones);
    if (pz == NULL) {
        return NGX_CONF_ERROR;
    }

    *pz = shm_zone;

    return NGX_CONF_OK;
}


/* rate=N r/PERIOD: "100r/300s", "100r/5m", "10r/s", "600r/m" */

static char *
ngx_http_phoneval_parse_rate(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_phoneval_zctx_t *zctx)
{
    u_char     *p, *last;
    time_t      period;
    ngx_int_t   n;
    ngx_str_t   s;

    p = value->data + 5;
    last = value->data + value->len;

    s.data = p;

    while (p < last && *p >= '0' && *p <= '9') {
        p++;
    }

    s.len = p - s.data;

    if (s.len == 0 || last - p < 3 || p[0] != 'r' || p[1] != '/') {
        goto invalid;
    }

    n = ngx_atoi(s.data, s.len);
    if (n <= 0) {
        goto invalid;
    }

    s.data = p + 2;
    s.len = last - s.data;

    if (s.len == 1 && s.data[0] == 's') {
        period = 1;

    } else if (s.len == 1 && s.data[0] == 'm') {
        period = 60;

    } else if (s.len == 1 && s.data[0] == 'h') {
        period = 3600;

    } else {
        period = ngx_parse_time(&s, 1);
        if (period == (time_t) NGX_ERROR || period <= 0) {
            goto invalid;
        }
    }

    if (period > NGX_HTTP_PHONEVAL_PERIOD_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rate period \"%V\" is too long: at most 365d",
                           &s);
        return NGX_CONF_ERROR;
    }

    zctx->rate = n;
    zctx->period = period;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid rate \"%V\": expected rate=N r/PERIOD "
                       "such as rate=100r/300s", value);
    return NGX_CONF_ERROR;
}


static ngx_int_t
ngx_http_phoneval_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_phoneval_zctx_t  *ozctx = data;

    size_t                     len;
    ngx_uint_t                 n;
    ngx_http_phoneval_zctx_t  *zctx;

    zctx = shm_zone->data;

    if (ozctx) {
        /* a reload with the same name and size keeps verdicts and counts */
        zctx->sh = ozctx->sh;
        zctx->shpool = ozctx->shpool;

        /* but not the stop after a bad key: the reload may rotate it */
        zctx->sh->key_blocked_until = 0;

        return NGX_OK;
    }

    zctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        zctx->sh = zctx->shpool->data;
        return NGX_OK;
    }

    /*
     * A bucket for about two verdicts of a full zone (the slab allocator
     * gives each at least 128 bytes): chains stay short, and the table
     * takes 3% of the zone.  It comes with the zone's state, so that a
     * small zone spends no page of its own on it.
     */

    n = ngx_max(shm_zone->shm.size / 256, 16);

    zctx->sh = ngx_slab_calloc(zctx->shpool,
                               sizeof(ngx_http_phoneval_shctx_t)
                               + n * sizeof(ngx_http_phoneval_node_t *));
    if (zctx->sh == NULL) {
        return NGX_ERROR;
    }

    zctx->shpool->data = zctx->sh;

    zctx->sh->buckets = (ngx_http_phoneval_node_t **) (zctx->sh + 1);
    zctx->sh->nbuckets = n;

    ngx_queue_init(&zctx->sh->queue);

    len = sizeof(" in phoneval zone \"\"") + shm_zone->shm.name.len;

    zctx->shpool->log_ctx = ngx_slab_alloc(zctx->shpool, len);
    if (zctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(zctx->shpool->log_ctx, " in phoneval zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone evicts; it is not worth a crit line */
    zctx->shpool->log_nomem = 0;

    return NGX_OK;
}


static ngx_http_phoneval_node_t *
ngx_http_phoneval_lookup(ngx_http_phoneval_zctx_t *zctx, u_char *key,
    size_t len, uint32_t hash)
{
    return ngx_http_phoneval_find(*ngx_http_phoneval_bucket(zctx->sh, hash),
                                  key, len, hash);
}


/* the node of key in the chain from pn on; locked */

static ngx_http_phoneval_node_t *
ngx_http_phoneval_find(ngx_http_phoneval_node_t *pn, u_char *key, size_t len,
    uint32_t hash)
{
    for ( /* void */ ; pn; pn = pn->next) {
        if (pn->hash == hash && pn->key_len == len
            && ngx_memcmp(pn->data, key, len) == 0)
        {
            return pn;
        }
    }

    return NULL;
}


/* takes pn out of its bucket and the LRU queue, and frees it; locked */

static void
ngx_http_phoneval_unlink(ngx_http_phoneval_zctx_t *zctx,
    ngx_http_phoneval_node_t *pn)
{
    ngx_http_phoneval_node_t  **pp;

    for (pp = ngx_http_phoneval_bucket(zctx->sh, pn->hash);
         *pp != pn;
         pp = &(*pp)->next)
    {
        /* void */
    }

    *pp = pn->next;

    ngx_queue_remove(&pn->queue);
    ngx_slab_free_locked(zctx->shpool, pn);
    zctx->sh->entries--;
}


/*
 * Cache lookups for the n items of a request, a few under each lock: the
 * first node of every item's bucket is fetched before any is compared, so
 * that their cache misses overlap instead of following one another.  A
 * hit sets the item's verdict, src and state.  Returns the hits.
 */

ngx_uint_t
ngx_http_phoneval_cache_get_items(ngx_shm_zone_t *zone,
    ngx_http_phoneval_item_t *items, ngx_uint_t n)
{
    time_t                     now;
    ngx_uint_t                 i, j, end, hits;
    ngx_http_phoneval_node_t  *pn, *first[NGX_HTTP_PHONEVAL_GET_BATCH];
    ngx_http_phoneval_item_t  *item;
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone == NULL) {
        return 0;
    }

    zctx = zone->data;
    now = ngx_time();
    hits = 0;

    for (i = 0; i < n; i = end) {
        end = ngx_min(n, i + NGX_HTTP_PHONEVAL_GET_BATCH);

        ngx_shmtx_lock(&zctx->shpool->mutex);

        for (j = i; j < end; j++) {
            pn = *ngx_http_phoneval_bucket(zctx->sh, items[j].hash);
            ngx_http_phoneval_prefetch(pn);
            first[j - i] = pn;
        }

        for (j = i; j < end; j++) {
            item = &items[j];

            pn = ngx_http_phoneval_find(first[j - i], item->key,
                                        item->key_len, item->hash);

            if (pn == NULL || (time_t) pn->expires <= now) {
                continue;
            }

            ngx_http_phoneval_read_node(zctx, pn, &item->verdict);

            item->src = NGX_HTTP_PHONEVAL_SRC_CACHE;
            item->state = NGX_HTTP_PHONEVAL_ITEM_DONE;
            hits++;
        }

        ngx_shmtx_unlock(&zctx->shpool->mutex);
    }

    return hits;
}


/* the bucket of hash, fetched ahead of its lookup; no lock needed */

void
ngx_http_phoneval_cache_prefetch(ngx_shm_zone_t *zone, uint32_t hash)
{
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone != NULL) {
        zctx = zone->data;
        ngx_http_phoneval_prefetch(ngx_http_phoneval_bucket(zctx->sh, hash));
    }
}


/*
 * a hit: the node's verdict into v, the node kept near the LRU head; it
 * unlinks nothing, so the nodes a batch of lookups fetched stay valid
 */

static void
ngx_http_phoneval_read_node(ngx_http_phoneval_zctx_t *zctx,
    ngx_http_phoneval_node_t *pn, ngx_http_phoneval_verdict_t *v)
{
    u_char  *p;
    size_t   n;

    /*
     * Most recently used first: eviction takes from the tail.  A node put
     * at the head fewer than entries / 2 puts ago is still in the upper
     * half and stays there, so that the hits of a busy number, or of a
     * bulk body sent again, mostly only read the zone; a verdict used
     * last still outlives at least entries / 2 others.
     */

    if ((uint32_t) (zctx->sh->seq - pn->used) >= zctx->sh->entries / 2) {
        pn->used = ++zctx->sh->seq;
        ngx_queue_remove(&pn->queue);
        ngx_queue_insert_head(&zctx->sh->queue, &pn->queue);
    }

    v->verdict = (pv_verdict_e) pn->verdict;
    v->validated_at = (time_t) pn->validated_at;

    v->country[0] = pn->country[0];
    v->country[1] = pn->country[1];
    v->country[2] = '\0';

    p = pn->data + pn->key_len;

    if (pn->e164_len) {
        v->e164[0] = '+';
        ngx_memcpy(v->e164 + 1, p, pn->e164_len);
        v->e164[pn->e164_len + 1] = '\0';

    } else {
        v->e164[0] = '\0';
    }

    p += pn->e164_len;

    /* stored at most PV_LINE_TYPE_MAX long: the copy stays in line_type */
    n = ngx_min((size_t) pn->line_type_len, sizeof(v->line_type) - 1);
    ngx_memcpy(v->line_type, p, n);
    v->line_type[n] = '\0';
}


void
ngx_http_phoneval_cache_put(ngx_shm_zone_t *zone, u_char *key, size_t len,
    uint32_t hash, ngx_http_phoneval_verdict_t *v, time_t valid)
{
    time_t                     now;
    size_t                     size, e164_len, lt_len;
    ngx_http_phoneval_node_t  *pn, **bucket;
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone == NULL || v->verdict == PV_PENDING || valid <= 0
        || len > 255)
    {
        return;
    }

    zctx = zone->data;

    e164_len = v->e164[0] == '+' ? ngx_strlen(v->e164) - 1 : 0;

    /* the provider's text, whatever it is: new line types come back too */
    lt_len = ngx_strnlen((u_char *) v->line_type, PV_LINE_TYPE_MAX);

    size = offsetof(ngx_http_phoneval_node_t, data) + len + e164_len + lt_len;

    ngx_shmtx_lock(&zctx->shpool->mutex);

    pn = ngx_http_phoneval_lookup(zctx, key, len, hash);

    if (pn) {
        /* another worker answered the same number meanwhile */
        ngx_http_phoneval_unlink(zctx, pn);
    }

    ngx_http_phoneval_expire(zctx, 0);

    pn = ngx_slab_alloc_locked(zctx->shpool, size);

    while (pn == NULL) {

        if (ngx_queue_empty(&zctx->sh->queue)) {
            ngx_shmtx_unlock(&zctx->shpool->mutex);
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "phoneval: zone \"%V\" cannot hold a verdict",
                          &zctx->name);
            return;
        }

        /* a full zone evicts the least recently used verdicts */
        ngx_http_phoneval_expire(zctx, 1);

        pn = ngx_slab_alloc_locked(zctx->shpool, size);
    }

    pn->hash = hash;
    pn->verdict = (u_char) v->verdict;
    pn->key_len = (u_char) len;
    pn->e164_len = (u_char) e164_len;
    pn->line_type_len = (u_char) lt_len;
    pn->country[0] = v->country[0];
    pn->country[1] = v->country[0] ? v->country[1] : '\0';
    pn->validated_at = (uint32_t) v->validated_at;

    /* 32-bit times: a lifetime past 2106 is kept until then, never wraps */
    now = ngx_time();
    pn->used = ++zctx->sh->seq;
    pn->expires = (valid < (time_t) NGX_MAX_UINT32_VALUE - now)
                  ? (uint32_t) (now + valid) : NGX_MAX_UINT32_VALUE;

    ngx_memcpy(pn->data, key, len);
    ngx_memcpy(pn->data + len, v->e164 + 1, e164_len);
    ngx_memcpy(pn->data + len + e164_len, v->line_type, lt_len);

    bucket = ngx_http_phoneval_bucket(zctx->sh, hash);
    pn->next = *bucket;
    *bucket = pn;

    ngx_queue_insert_head(&zctx->sh->queue, &pn->queue);
    zctx->sh->entries++;

    ngx_shmtx_unlock(&zctx->shpool->mutex);
}


/*
 * Drops up to two expired verdicts from the LRU tail, or with force the
 * tail one whatever its age (counted as an eviction).  Called locked.
 */

static void
ngx_http_phoneval_expire(ngx_http_phoneval_zctx_t *zctx, ngx_uint_t force)
{
    time_t                     now;
    ngx_uint_t                 n;
    ngx_queue_t               *q;
    ngx_http_phoneval_node_t  *pn;

    now = ngx_time();

    for (n = 0; n < 2; n++) {

        if (ngx_queue_empty(&zctx->sh->queue)) {
            return;
        }

        q = ngx_queue_last(&zctx->sh->queue);
        pn = ngx_queue_data(q, ngx_http_phoneval_node_t, queue);

        if (!force && (time_t) pn->expires > now) {
            return;
        }

        if (force && (time_t) pn->expires > now) {
            ngx_atomic_fetch_add(&zctx->sh->evictions, 1);
        }

        ngx_http_phoneval_unlink(zctx, pn);

        if (force) {
            return;
        }
    }
}


/*
 * The provider budget: at most rate calls per period across all workers,
 * tightened by what the provider itself reports, and stopped entirely
 * while the provider said to stop.
 */

ngx_int_t
ngx_http_phoneval_budget_take(ngx_shm_zone_t *zone, time_t *retry_after)
{
    time_t                      now;
    ngx_http_phoneval_zctx_t   *zctx;
    ngx_http_phoneval_shctx_t  *sh;

    *retry_after = 0;

    if (zone == NULL) {
        return NGX_OK;
    }

    zctx = zone->data;
    sh = zctx->sh;
    now = ngx_time();

    ngx_shmtx_lock(&zctx->shpool->mutex);

    if (now < sh->blocked_until || now < sh->key_blocked_until) {
        *retry_after = ngx_max(sh->blocked_until, sh->key_blocked_until)
                       - now;
        goto busy;
    }

    if (zctx->rate) {
        if (now >= sh->window_start + zctx->period
            || sh->window_period != zctx->period)
        {
            sh->window_start = now;
            sh->window_period = zctx->period;
            sh->window_used = 0;
        }

        if (sh->window_used >= zctx->rate) {
            *retry_after = sh->window_start + zctx->period - now;
            goto busy;
        }
    }

    if (sh->provider_reset > now) {
        if (sh->provider_remain <= 0) {
            *retry_after = sh->provider_reset - now;
            goto busy;
        }

        sh->provider_remain--;
    }

    sh->window_used++;
    sh->in_flight++;

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    return NGX_OK;

busy:

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    if (*retry_after <= 0) {
        *retry_after = 1;
    }

    ngx_atomic_fetch_add(&sh->no_budget, 1);

    return NGX_BUSY;
}


/*
 * What an answer says about the budget.  "late" is how old an answer can
 * be when it arrives (its call's phoneval_timeout): a provider window that
 * ends later than that after the recorded one is a new window.  After a
 * RATE_LIMIT_EXCEEDED or API_KEY_INVALID_OR_DEPLETED answer, returns how
 * long the zone now makes no calls (its whole block, whichever answer
 * started it), else 0.
 */

time_t
ngx_http_phoneval_budget_update(ngx_shm_zone_t *zone, pv_answer_t *a,
    time_t late, ngx_log_t *log)
{
    long                        remain;
    time_t                      now, stop, seconds, reset, wait;
    ngx_uint_t                  log_key;
    ngx_http_phoneval_zctx_t   *zctx;
    ngx_http_phoneval_shctx_t  *sh;

    static time_t               key_logged;   /* without a zone */

    now = ngx_time();
    log_key = 0;
    wait = 0;

    if (zone == NULL) {
        if (a->status == PV_BP_API_KEY_INVALID_OR_DEPLETED
            && now >= key_logged + 60)
        {
            key_logged = now;
            log_key = 1;
        }

        goto done;
    }

    zctx = zone->data;
    sh = zctx->sh;

    /* the parser clamps them too; "now + seconds" must never overflow */
    seconds = ngx_min(a->ratelimit_seconds, PV_RATELIMIT_SECONDS_MAX);
    remain = ngx_min(a->ratelimit_remain, PV_RATELIMIT_REMAIN_MAX);

    ngx_shmtx_lock(&zctx->shpool->mutex);

    if (remain >= 0 && seconds >= 0) {

        /*
         * the calls still in flight may reach the provider after it
         * counted this remainder: each of them may take one more
         */
        remain -= ngx_min((long) sh->in_flight, remain);
        reset = now + seconds;

        if (sh->provider_reset > now
            && reset <= sh->provider_reset + late + 2)
        {
            /*
             * the same window: this answer may be up to "late" seconds old
             * (and both ends are rounded down), and answers may arrive out
             * of order; an older, larger remainder must not give back
             * calls already made
             */

            if (remain < sh->provider_remain) {
                sh->provider_remain = remain;
            }

        } else {
            sh->provider_remain = remain;
            sh->provider_reset = reset;
        }
    }

    switch (a->status) {

    case PV_BP_RATE_LIMIT_EXCEEDED:
        /* stop until the provider's window ends */
        if (seconds > 0) {
            stop = now + seconds;

        } else if (zctx->rate && sh->window_start + zctx->period > now) {
            stop = sh->window_start + zctx->period;

        } else {
            stop = now + 60;
        }

        if (stop > sh->blocked_until) {
            sh->blocked_until = stop;
        }

        break;

    case PV_BP_API_KEY_INVALID_OR_DEPLETED:
        if (now + 60 > sh->key_blocked_until) {
            sh->key_blocked_until = now + 60;
        }

        if (now >= sh->key_logged + 60) {
            sh->key_logged = now;
            log_key = 1;
        }

        break;

    default:
        break;
    }

    if (a->status == PV_BP_RATE_LIMIT_EXCEEDED
        || a->status == PV_BP_API_KEY_INVALID_OR_DEPLETED)
    {
        wait = ngx_max(sh->blocked_until, sh->key_blocked_until) - now;
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);

done:

    if (log_key) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "phoneval: the provider answered "
                      "API_KEY_INVALID_OR_DEPLETED: the API key is wrong "
                      "or has no credits left; no calls for 60s");
    }

    return wait > 0 ? wait : 0;
}


/*
 * A call that budget_take() allowed is over: answered, failed, cancelled,
 * or abandoned with its request.  Called before budget_update() of its
 * answer, so that the call no longer counts against its own remainder.
 */

void
ngx_http_phoneval_budget_done(ngx_shm_zone_t *zone)
{
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone == NULL) {
        return;
    }

    zctx = zone->data;

    ngx_shmtx_lock(&zctx->shpool->mutex);

    if (zctx->sh->in_flight) {
        zctx->sh->in_flight--;
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);
}


void
ngx_http_phoneval_count_request(ngx_shm_zone_t *zone,
    ngx_http_phoneval_req_e outcome)
{
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone) {
        zctx = zone->data;
        ngx_atomic_fetch_add(&zctx->sh->requests[outcome], 1);
    }
}


/*
 * A request's verdicts, added once per request: each add is a locked
 * write to a line every worker shares, so not one per contact.
 */

void
ngx_http_phoneval_count_verdicts(ngx_shm_zone_t *zone, const ngx_uint_t *n)
{
    ngx_uint_t                 v;
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone == NULL) {
        return;
    }

    zctx = zone->data;

    for (v = 0; v < PV_VERDICT_N; v++) {
        if (n[v]) {
            ngx_atomic_fetch_add(&zctx->sh->verdicts[v], n[v]);
        }
    }
}


void
ngx_http_phoneval_count_call(ngx_shm_zone_t *zone,
    ngx_http_phoneval_call_e call, ngx_msec_t latency)
{
    ngx_uint_t                 i, n;
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone == NULL) {
        return;
    }

    zctx = zone->data;

    ngx_atomic_fetch_add(&zctx->sh->calls[call], 1);

    n = sizeof(ngx_http_phoneval_latency_buckets) / sizeof(ngx_msec_t);

    for (i = 0; i < n; i++) {
        if (latency <= ngx_http_phoneval_latency_buckets[i]) {
            break;
        }
    }

    ngx_atomic_fetch_add(&zctx->sh->latency[i], 1);
    ngx_atomic_fetch_add(&zctx->sh->latency_sum, latency);
}


/* a request's cache hits and misses, added once per request */

void
ngx_http_phoneval_count_cache(ngx_shm_zone_t *zone, ngx_uint_t hits,
    ngx_uint_t misses)
{
    ngx_http_phoneval_zctx_t  *zctx;

    if (zone == NULL) {
        return;
    }

    zctx = zone->data;

    if (hits) {
        ngx_atomic_fetch_add(&zctx->sh->hits, hits);
    }

    if (misses) {
        ngx_atomic_fetch_add(&zctx->sh->misses, misses);
    }
}
