
/*
 * Copyright (C) phoneval authors
 *
 * Log variables: $phoneval_status, $phoneval_phones, $phoneval_cache,
 * $phoneval_time.  They read the main request's ctx, so they also work
 * in log_format for the whole request.
 */


#include "ngx_http_phoneval.h"


static ngx_int_t ngx_http_phoneval_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#define NGX_HTTP_PHONEVAL_VAR_STATUS  0
#define NGX_HTTP_PHONEVAL_VAR_PHONES  1
#define NGX_HTTP_PHONEVAL_VAR_CACHE   2
#define NGX_HTTP_PHONEVAL_VAR_TIME    3


static ngx_http_variable_t  ngx_http_phoneval_vars[] = {

    { ngx_string("phoneval_status"), NULL, ngx_http_phoneval_variable,
      NGX_HTTP_PHONEVAL_VAR_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("phoneval_phones"), NULL, ngx_http_phoneval_variable,
      NGX_HTTP_PHONEVAL_VAR_PHONES, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("phoneval_cache"), NULL, ngx_http_phoneval_variable,
      NGX_HTTP_PHONEVAL_VAR_CACHE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("phoneval_time"), NULL, ngx_http_phoneval_variable,
      NGX_HTTP_PHONEVAL_VAR_TIME, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_phoneval_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_phoneval_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_phoneval_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                   *p;
    ngx_http_phoneval_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_phoneval_module);

    if (ctx == NULL || ctx->status.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    switch (data) {

    case NGX_HTTP_PHONEVAL_VAR_STATUS:
        v->data = ctx->status.data;
        v->len = ctx->status.len;
        return NGX_OK;

    case NGX_HTTP_PHONEVAL_VAR_CACHE:
        if (!ctx->conf->cache || ctx->hits + ctx->misses == 0) {
            ngx_str_set(v, "BYPASS");

        } else if (ctx->misses == 0) {
            ngx_str_set(v, "HIT");

        } else if (ctx->hits == 0) {
            ngx_str_set(v, "MISS");

        } else {
            ngx_str_set(v, "PARTIAL");
        }

        return NGX_OK;

    default:
        break;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;

    if (data == NGX_HTTP_PHONEVAL_VAR_PHONES) {
        v->len = ngx_sprintf(p, "%ui", ctx->phones) - p;

    } else {
        v->len = ngx_sprintf(p, "%M", ctx->elapsed) - p;
    }

    return NGX_OK;
}
