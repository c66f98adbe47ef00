
/*
 * Copyright (C) phoneval authors
 *
 * Shared declarations of the nginx glue of ngx_http_phoneval_module.
 */


#ifndef _NGX_HTTP_PHONEVAL_H_INCLUDED_
#define _NGX_HTTP_PHONEVAL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "phoneval_core.h"


#define NGX_HTTP_PHONEVAL_ANNOTATE   0
#define NGX_HTTP_PHONEVAL_REJECT     1

#define NGX_HTTP_PHONEVAL_ERR_PASS   0
#define NGX_HTTP_PHONEVAL_ERR_REJECT 1

/* the largest provider answer kept; Byteplant's are well under 1 KiB */
#define NGX_HTTP_PHONEVAL_ANSWER_MAX  8192

#define NGX_HTTP_PHONEVAL_MAX_DEPTH   512

/* bounds that keep "now + seconds" far from overflowing */
#define NGX_HTTP_PHONEVAL_PERIOD_MAX       (365 * 86400)   /* rate= */
#define NGX_HTTP_PHONEVAL_RETRY_AFTER_MAX  86400           /* a 503's */
#define NGX_HTTP_PHONEVAL_CACHE_VALID_MAX  (3650 * 86400)  /* 10y */

#ifndef NGX_HTTP_UNPROCESSABLE_ENTITY
#define NGX_HTTP_UNPROCESSABLE_ENTITY  422
#endif

/* bit 0 of a bitmask slot is NGX_CONF_BITMASK_SET, so verdicts start at 1 */
#define NGX_HTTP_PHONEVAL_VERDICT_BIT(v)  ((ngx_uint_t) 1 << ((v) + 1))


/* how a verdict was obtained, for counters, logs and $phoneval_cache */
typedef enum {
    NGX_HTTP_PHONEVAL_SRC_NONE = 0,
    NGX_HTTP_PHONEVAL_SRC_PROVIDER,
    NGX_HTTP_PHONEVAL_SRC_CACHE,
    NGX_HTTP_PHONEVAL_SRC_LOCAL,      /* locally INVALID */
    NGX_HTTP_PHONEVAL_SRC_NO_BUDGET,
    NGX_HTTP_PHONEVAL_SRC_TIMEOUT,
    NGX_HTTP_PHONEVAL_SRC_ERROR       /* transport, non-200, bad answer */
} ngx_http_phoneval_src_e;


/* provider call outcomes, for counters */
typedef enum {
    NGX_HTTP_PHONEVAL_CALL_OK = 0,        /* a verdict */
    NGX_HTTP_PHONEVAL_CALL_DELAYED,
    NGX_HTTP_PHONEVAL_CALL_RATE_LIMITED,
    NGX_HTTP_PHONEVAL_CALL_KEY_INVALID,
    NGX_HTTP_PHONEVAL_CALL_BAD_ANSWER,
    NGX_HTTP_PHONEVAL_CALL_HTTP_ERROR,    /* non-200 */
    NGX_HTTP_PHONEVAL_CALL_TRANSPORT,     /* no answer: refused, reset */
    NGX_HTTP_PHONEVAL_CALL_TIMEOUT,       /* cancelled by phoneval_timeout */
    NGX_HTTP_PHONEVAL_CALL_N
} ngx_http_phoneval_call_e;


/* request outcomes, for counters and $phoneval_status */
typedef enum {
    NGX_HTTP_PHONEVAL_REQ_ANNOTATED = 0,
    NGX_HTTP_PHONEVAL_REQ_UNCHANGED,
    NGX_HTTP_PHONEVAL_REQ_REJECTED,       /* 422 */
    NGX_HTTP_PHONEVAL_REQ_UNAVAILABLE,    /* 503 */
    NGX_HTTP_PHONEVAL_REQ_BAD_REQUEST,    /* 400, 413, 415 */
    NGX_HTTP_PHONEVAL_REQ_N
} ngx_http_phoneval_req_e;


typedef struct {
    pv_verdict_e                verdict;
    time_t                      validated_at;
    char                        line_type[PV_LINE_TYPE_MAX + 1];
    char                        country[3];
    char                        e164[PV_E164_MAX + 1];
} ngx_http_phoneval_verdict_t;


typedef struct ngx_http_phoneval_zone_s  ngx_http_phoneval_zone_t;


typedef struct {
    ngx_str_t                   name;        /* as configured */
    pv_target_t                 target;
} ngx_http_phoneval_result_t;


typedef struct {
    ngx_int_t                   verdict;
    ngx_str_t                   tag;
} ngx_http_phoneval_tag_t;


typedef struct {
    ngx_flag_t                  enable;
    ngx_str_t                   pass;
    ngx_http_complex_value_t   *api_key;
    ngx_str_t                   api_key_file;   /* the key read from it */
    ngx_uint_t                  methods;
    ngx_str_t                   phone_field;
    ngx_str_t                   country_field;
    ngx_str_t                   bulk_field;
    ngx_str_t                   default_country;
    ngx_uint_t                  max_phones;
    ngx_uint_t                  max_contacts;
    ngx_uint_t                  concurrency;
    ngx_msec_t                  timeout;
    ngx_uint_t                  check_mode;     /* 0 extensive, 1 express */
    ngx_str_t                   locale;
    ngx_uint_t                  action;
    ngx_uint_t                  reject;         /* bit per pv_verdict_e */
    ngx_uint_t                  on_error;
    ngx_uint_t                  output;         /* pv_output_e */
    ngx_array_t                *results;        /* ngx_http_phoneval_result_t */
    ngx_flag_t                  normalize;
    ngx_flag_t                  strip_results;
    ngx_shm_zone_t             *zone;           /* budget, counters */
    ngx_flag_t                  cache;          /* cache in that zone */
    ngx_uint_t                  cache_set;
    time_t                      cache_valid[PV_VERDICT_N];

    ngx_str_t                   notify;
    ngx_str_t                   notify_secret;
    ngx_uint_t                  notify_on;      /* bit per pv_verdict_e */
    ngx_array_t                *tags;           /* ngx_http_phoneval_tag_t */
    ngx_str_t                   tag_pass;

    /* derived at merge time */
    pv_target_t                *targets;
    ngx_uint_t                  ntargets;
    pv_doc_conf_t               doc;
} ngx_http_phoneval_loc_conf_t;


typedef struct {
    ngx_array_t                 zones;          /* ngx_shm_zone_t * */
    ngx_int_t                   request_id_index;

    /* this worker's calls in flight, by cache key, for sharing */
    ngx_rbtree_t                inflight;
    ngx_rbtree_node_t           inflight_sentinel;
} ngx_http_phoneval_main_conf_t;


typedef struct ngx_http_phoneval_ctx_s  ngx_http_phoneval_ctx_t;


/* one distinct number of a request, and its provider call */
typedef struct ngx_http_phoneval_item_s  ngx_http_phoneval_item_t;

struct ngx_http_phoneval_item_s {
    ngx_rbtree_node_t           node;        /* in inflight, as a leader */
    ngx_queue_t                 followers;   /* as a leader */
    ngx_queue_t                 follow;      /* as a follower */
    ngx_http_phoneval_item_t   *leader;      /* as a follower */

    ngx_http_phoneval_ctx_t    *ctx;
    ngx_http_request_t         *sr;
    pv_phone_t                  phone;
    char                        country[3];
    u_char                      key[PV_CACHE_KEY_MAX];
    size_t                      key_len;
    uint32_t                    hash;        /* ngx_murmur_hash2() of key,
                                                here and in the zone */

    ngx_uint_t                  state;
    ngx_msec_t                  started;
    ngx_http_phoneval_src_e     src;
    ngx_http_phoneval_verdict_t verdict;

    /* the captured answer */
    u_char                     *answer;
    size_t                      answer_len;
    size_t                      answer_cap;
    ngx_uint_t                  answer_status;
    unsigned                    answer_too_big:1;
    unsigned                    answer_complete:1;
    unsigned                    in_tree:1;
    unsigned                    in_budget:1; /* counted in flight in the
                                                zone */
};

#define NGX_HTTP_PHONEVAL_ITEM_QUEUED     0
#define NGX_HTTP_PHONEVAL_ITEM_IN_FLIGHT  1
#define NGX_HTTP_PHONEVAL_ITEM_DONE       2
#define NGX_HTTP_PHONEVAL_ITEM_FOLLOWING  3   /* waits for another
                                                 request's call */


/* one contact of the body and where its verdict comes from */
typedef struct {
    pv_contact_t               *contact;
    ngx_http_phoneval_item_t   *item;       /* NULL: no phone, or local */
    ngx_http_phoneval_verdict_t  *verdict;  /* the item's, or the
                                               request's local INVALID;
                                               NULL without a phone */
    pv_result_kind_e            kind;
    pv_phone_rc_e               phone_rc;
    unsigned                    keep_phone:1;   /* pv_result_t's */
} ngx_http_phoneval_contact_t;


#define NGX_HTTP_PHONEVAL_STATE_READING     0
#define NGX_HTTP_PHONEVAL_STATE_BODY_READ   1
#define NGX_HTTP_PHONEVAL_STATE_VALIDATING  2
#define NGX_HTTP_PHONEVAL_STATE_DONE        3


struct ngx_http_phoneval_ctx_s {
    ngx_http_request_t         *request;
    ngx_http_phoneval_loc_conf_t  *conf;
    ngx_http_phoneval_main_conf_t *main_conf;
    ngx_uint_t                  state;
    ngx_int_t                   rc;             /* what the handler returns
                                                   once done */
    u_char                     *body;
    size_t                      body_len;
    ngx_buf_t                  *header_in;      /* the request's own, while
                                                   the body is read into
                                                   one of ours */
    u_char                     *arena_pos;      /* the module's small
                                                   allocations */
    u_char                     *arena_end;
    pv_doc_t                    doc;

    ngx_http_phoneval_contact_t  *contacts;
    ngx_http_phoneval_verdict_t  local;     /* text that can never be a
                                               phone: INVALID, now */
    ngx_http_phoneval_item_t   *items;
    ngx_uint_t                  nitems;
    ngx_uint_t                  next_item;
    ngx_uint_t                  in_flight;
    ngx_uint_t                  pending_calls;  /* queued or in flight */

    ngx_str_t                   api_key;
    ngx_event_t                 timer;
    ngx_event_t                 wake;       /* another request's call
                                               answered ours */
    ngx_msec_t                  start;
    ngx_msec_t                  elapsed;
    time_t                      retry_after;

    /* for variables */
    ngx_str_t                   status;
    ngx_uint_t                  phones;
    ngx_uint_t                  hits;
    ngx_uint_t                  misses;

    unsigned                    timed_out:1;
    unsigned                    aborted:1;
    unsigned                    tag_put:1;
    unsigned                    tracked:1;  /* an item was in the worker's
                                               tree of calls or followed
                                               one: the cleanup walks them */
};


extern ngx_module_t  ngx_http_phoneval_module;


/* ngx_http_phoneval_handler.c */
ngx_int_t ngx_http_phoneval_handler(ngx_http_request_t *r);

/* ngx_http_phoneval_provider.c */
ngx_int_t ngx_http_phoneval_call(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_http_phoneval_item_t *item);
void ngx_http_phoneval_cancel(ngx_http_phoneval_item_t *item);
ngx_int_t ngx_http_phoneval_follow(ngx_http_request_t *r,
    ngx_http_phoneval_item_t *item);
void ngx_http_phoneval_unfollow(ngx_http_phoneval_item_t *item);
void ngx_http_phoneval_release(ngx_http_phoneval_item_t *item);
void ngx_http_phoneval_promote(ngx_http_phoneval_item_t *leader);
void ngx_http_phoneval_inflight_init(ngx_http_phoneval_main_conf_t *pmcf);
void ngx_http_phoneval_wake(ngx_http_phoneval_ctx_t *ctx);
ngx_int_t ngx_http_phoneval_capture_init(ngx_conf_t *cf);

/* ngx_http_phoneval_notify.c */
ngx_int_t ngx_http_phoneval_notify(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx);
ngx_int_t ngx_http_phoneval_notify_init(ngx_conf_t *cf);
ngx_int_t ngx_http_phoneval_tag_body(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_http_phoneval_contact_t *pc,
    pv_pool_t *pool, pv_edit_t **edits, size_t *nedits, size_t *cap);

/* ngx_http_phoneval_reply.c */
ngx_int_t ngx_http_phoneval_send_error(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *message, ngx_str_t *details);
ngx_int_t ngx_http_phoneval_send_rejection(ngx_http_request_t *r,
    ngx_http_phoneval_ctx_t *ctx, ngx_uint_t status);

/* ngx_http_phoneval_buffers.c */
void *ngx_http_phoneval_ctx_alloc(ngx_http_phoneval_ctx_t *ctx, size_t size);
void *ngx_http_phoneval_ctx_calloc(ngx_http_phoneval_ctx_t *ctx,
    size_t size);
void ngx_http_phoneval_free_buffers(void);

/* ngx_http_phoneval_zone.c */

char *ngx_http_phoneval_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_uint_t ngx_http_phoneval_cache_get_items(ngx_shm_zone_t *zone,
    ngx_http_phoneval_item_t *items, ngx_uint_t n);
void ngx_http_phoneval_cache_prefetch(ngx_shm_zone_t *zone, uint32_t hash);
void ngx_http_phoneval_cache_put(ngx_shm_zone_t *zone, u_char *key,
    size_t len, uint32_t hash, ngx_http_phoneval_verdict_t *v,
    time_t valid);
ngx_int_t ngx_http_phoneval_budget_take(ngx_shm_zone_t *zone,
    time_t *retry_after);
time_t ngx_http_phoneval_budget_update(ngx_shm_zone_t *zone,
    pv_answer_t *a, time_t late, ngx_log_t *log);
void ngx_http_phoneval_budget_done(ngx_shm_zone_t *zone);
void ngx_http_phoneval_count_request(ngx_shm_zone_t *zone,
    ngx_http_phoneval_req_e outcome);
void ngx_http_phoneval_count_verdicts(ngx_shm_zone_t *zone,
    const ngx_uint_t *n);
void ngx_http_phoneval_count_call(ngx_shm_zone_t *zone,
    ngx_http_phoneval_call_e call, ngx_msec_t latency);
void ngx_http_phoneval_count_cache(ngx_shm_zone_t *zone, ngx_uint_t hits,
    ngx_uint_t misses);

/* ngx_http_phoneval_status.c */
char *ngx_http_phoneval_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_phoneval_variables.c */
ngx_int_t ngx_http_phoneval_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_PHONEVAL_H_INCLUDED_ */
