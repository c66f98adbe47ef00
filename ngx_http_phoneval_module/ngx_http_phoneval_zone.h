
/*
 * Copyright (C) phoneval authors
 *
 * The layout of the shared zone, for the zone and the status endpoint.
 */


#ifndef _NGX_HTTP_PHONEVAL_ZONE_H_INCLUDED_
#define _NGX_HTTP_PHONEVAL_ZONE_H_INCLUDED_


#include "ngx_http_phoneval.h"


#define NGX_HTTP_PHONEVAL_LATENCY_N  11

/* the bucket of a hash: multiply and shift, any number of buckets */
#define ngx_http_phoneval_bucket(sh, hash)                                    \
    (&(sh)->buckets[((uint64_t) (hash) * (sh)->nbuckets) >> 32])

#define NGX_HTTP_PHONEVAL_GET_BATCH  16      /* cache lookups per lock */

#if (defined __GNUC__ || defined __clang__)
#define ngx_http_phoneval_prefetch(p)  __builtin_prefetch(p)
#else
#define ngx_http_phoneval_prefetch(p)  (void) (p)
#endif


/*
 * A cached verdict, in the chain of its hash bucket and in the LRU
 * queue: 48 bytes and the key, E.164 digits and line type, at most 114,
 * which the slab allocator rounds to 128 (see operations.md).
 */

typedef struct ngx_http_phoneval_node_s  ngx_http_phoneval_node_t;

struct ngx_http_phoneval_node_s {
    ngx_http_phoneval_node_t   *next;        /* in its bucket */
    uint32_t                    hash;
    u_char                      verdict;
    u_char                      key_len;
    u_char                      e164_len;
    u_char                      line_type_len;
    u_char                      country[2];
    uint32_t                    validated_at;
    uint32_t                    expires;
    uint32_t                    used;        /* the zone's seq when last
                                                put at the LRU head */
    ngx_queue_t                 queue;
    u_char                      data[1];     /* key, e164 digits, then the
                                                line type */
};


typedef struct {
    ngx_http_phoneval_node_t  **buckets;     /* after this struct */
    ngx_uint_t                  nbuckets;
    ngx_queue_t                 queue;
    ngx_uint_t                  entries;
    uint32_t                    seq;         /* puts at the LRU head */

    /* the budget, under the slab mutex */
    time_t                      window_start;
    time_t                      window_period;
    ngx_uint_t                  window_used;
    time_t                      blocked_until;    /* rate limited */
    time_t                      key_blocked_until;  /* bad key: a reload
                                                       may bring a new one */
    long                        provider_remain;
    time_t                      provider_reset;
    ngx_uint_t                  in_flight;        /* calls taken, not yet
                                                     answered or given up */
    time_t                      key_logged;

    /* counters, updated without the lock */
    ngx_atomic_t                requests[NGX_HTTP_PHONEVAL_REQ_N];
    ngx_atomic_t                verdicts[PV_VERDICT_N];
    ngx_atomic_t                calls[NGX_HTTP_PHONEVAL_CALL_N];
    ngx_atomic_t                hits;
    ngx_atomic_t                misses;
    ngx_atomic_t                evictions;
    ngx_atomic_t                no_budget;
    ngx_atomic_t                latency[NGX_HTTP_PHONEVAL_LATENCY_N + 1];
    ngx_atomic_t                latency_sum;     /* ms */
} ngx_http_phoneval_shctx_t;


typedef struct {
    ngx_http_phoneval_shctx_t  *sh;
    ngx_slab_pool_t            *shpool;
    ngx_str_t                   name;
    ngx_uint_t                  rate;            /* 0: no budget */
    time_t                      period;
} ngx_http_phoneval_zctx_t;


extern const ngx_msec_t  ngx_http_phoneval_latency_buckets[];


#endif /* _NGX_HTTP_PHONEVAL_ZONE_H_INCLUDED_ */
