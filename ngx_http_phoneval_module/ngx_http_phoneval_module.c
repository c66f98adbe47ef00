
/*
 * Copyright (C) phoneval authors
 *
 * Module definition: directives, configuration and phase registration.
 */


#include "ngx_http_phoneval.h"


static ngx_int_t ngx_http_phoneval_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_phoneval_init(ngx_conf_t *cf);
static void ngx_http_phoneval_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_phoneval_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_phoneval_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_phoneval_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_phoneval_merge_targets(ngx_conf_t *cf,
    ngx_http_phoneval_loc_conf_t *conf);
static ngx_int_t ngx_http_phoneval_key_twin(ngx_conf_t *cf,
    const pv_target_t *key, pv_target_t *twin);
static ngx_uint_t ngx_http_phoneval_same_field(const pv_target_t *a,
    const pv_target_t *b);
static char *ngx_http_phoneval_check(ngx_conf_t *cf,
    ngx_http_phoneval_loc_conf_t *conf);
static char *ngx_http_phoneval_check_names(ngx_conf_t *cf,
    ngx_http_phoneval_loc_conf_t *conf);
static ngx_uint_t ngx_http_phoneval_same(ngx_str_t *a, ngx_str_t *b);

static char *ngx_http_phoneval_pass(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_api_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_api_key_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_phoneval_methods(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_country(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_locale(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_reject(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_result(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_cache_valid(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_phoneval_field_name(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_phoneval_notify_secret(ngx_conf_t *cf, void *post,
    void *data);
static int ngx_http_phoneval_verdict(ngx_conf_t *cf, ngx_str_t *name,
    ngx_uint_t allow_pending, char *pending_error);
static char *ngx_http_phoneval_notify_on(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_phoneval_tag(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_conf_num_bounds_t  ngx_http_phoneval_max_phones_bounds = {
    ngx_conf_check_num_bounds, 1, 10000
};

static ngx_conf_num_bounds_t  ngx_http_phoneval_max_contacts_bounds = {
    ngx_conf_check_num_bounds, 1, 100000
};

static ngx_conf_num_bounds_t  ngx_http_phoneval_concurrency_bounds = {
    ngx_conf_check_num_bounds, 1, 1024
};

static ngx_conf_post_t  ngx_http_phoneval_field_name_post = {
    ngx_http_phoneval_field_name
};

static ngx_conf_post_t  ngx_http_phoneval_notify_secret_post = {
    ngx_http_phoneval_notify_secret
};


static ngx_conf_enum_t  ngx_http_phoneval_check_modes[] = {
    { ngx_string("extensive"), 0 },
    { ngx_string("express"), 1 },
    { ngx_null_string, 0 }
};

static ngx_conf_enum_t  ngx_http_phoneval_actions[] = {
    { ngx_string("annotate"), NGX_HTTP_PHONEVAL_ANNOTATE },
    { ngx_string("reject"), NGX_HTTP_PHONEVAL_REJECT },
    { ngx_null_string, 0 }
};

static ngx_conf_enum_t  ngx_http_phoneval_on_errors[] = {
    { ngx_string("pass"), NGX_HTTP_PHONEVAL_ERR_PASS },
    { ngx_string("reject"), NGX_HTTP_PHONEVAL_ERR_REJECT },
    { ngx_null_string, 0 }
};

static ngx_conf_enum_t  ngx_http_phoneval_outputs[] = {
    { ngx_string("customfields"), PV_OUTPUT_CUSTOMFIELDS },
    { ngx_string("fields"), PV_OUTPUT_FIELDS },
    { ngx_string("off"), PV_OUTPUT_OFF },
    { ngx_null_string, 0 }
};


#define NGX_HTTP_PHONEVAL_CONF                                               \
    (NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF)


static ngx_command_t  ngx_http_phoneval_commands[] = {

    { ngx_string("phoneval_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_phoneval_zone,
      0,
      0,
      NULL },

    { ngx_string("phoneval"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, enable),
      NULL },

    { ngx_string("phoneval_pass"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_pass,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, pass),
      NULL },

    { ngx_string("phoneval_notify"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_pass,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, notify),
      NULL },

    { ngx_string("phoneval_notify_secret"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, notify_secret),
      &ngx_http_phoneval_notify_secret_post },

    { ngx_string("phoneval_notify_on"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_1MORE,
      ngx_http_phoneval_notify_on,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_tag"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE2,
      ngx_http_phoneval_tag,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_tag_pass"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_pass,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, tag_pass),
      NULL },

    { ngx_string("phoneval_api_key"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_api_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, api_key),
      NULL },

    { ngx_string("phoneval_api_key_file"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_api_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_methods"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_1MORE,
      ngx_http_phoneval_methods,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_phone_field"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, phone_field),
      &ngx_http_phoneval_field_name_post },

    { ngx_string("phoneval_country_field"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, country_field),
      &ngx_http_phoneval_field_name_post },

    { ngx_string("phoneval_default_country"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_country,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, default_country),
      NULL },

    { ngx_string("phoneval_bulk_field"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, bulk_field),
      &ngx_http_phoneval_field_name_post },

    { ngx_string("phoneval_max_phones"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, max_phones),
      &ngx_http_phoneval_max_phones_bounds },

    { ngx_string("phoneval_max_contacts"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, max_contacts),
      &ngx_http_phoneval_max_contacts_bounds },

    { ngx_string("phoneval_concurrency"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, concurrency),
      &ngx_http_phoneval_concurrency_bounds },

    { ngx_string("phoneval_timeout"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, timeout),
      NULL },

    { ngx_string("phoneval_check_mode"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, check_mode),
      &ngx_http_phoneval_check_modes },

    { ngx_string("phoneval_locale"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_locale,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, locale),
      NULL },

    { ngx_string("phoneval_action"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, action),
      &ngx_http_phoneval_actions },

    { ngx_string("phoneval_reject"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_1MORE,
      ngx_http_phoneval_reject,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_on_error"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, on_error),
      &ngx_http_phoneval_on_errors },

    { ngx_string("phoneval_output"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, output),
      &ngx_http_phoneval_outputs },

    { ngx_string("phoneval_result"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_2MORE,
      ngx_http_phoneval_result,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_normalize"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, normalize),
      NULL },

    { ngx_string("phoneval_strip_results"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_phoneval_loc_conf_t, strip_results),
      NULL },

    { ngx_string("phoneval_cache"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_TAKE1,
      ngx_http_phoneval_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_cache_valid"),
      NGX_HTTP_PHONEVAL_CONF|NGX_CONF_2MORE,
      ngx_http_phoneval_cache_valid,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("phoneval_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_phoneval_status,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_phoneval_module_ctx = {
    ngx_http_phoneval_preconfiguration,    /* preconfiguration */
    ngx_http_phoneval_init,                /* postconfiguration */

    ngx_http_phoneval_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_phoneval_create_loc_conf,     /* create location configuration */
    ngx_http_phoneval_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_phoneval_module = {
    NGX_MODULE_V1,
    &ngx_http_phoneval_module_ctx,         /* module context */
    ngx_http_phoneval_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_phoneval_exit_process,        /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void
ngx_http_phoneval_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_phoneval_free_buffers();
}


static ngx_str_t  ngx_http_phoneval_default_fields[] = {
    ngx_string("validation_status"),
    ngx_string("last_validated"),
    ngx_string("confidence")
};


static ngx_int_t
ngx_http_phoneval_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_phoneval_add_variables(cf);
}


static ngx_int_t
ngx_http_phoneval_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt            *h;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_phoneval_main_conf_t  *pmcf;

    static ngx_str_t  request_id = ngx_string("request_id");

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * precontent runs after allow/deny, auth_basic and auth_request, so
     * a request they refuse costs no provider call
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_phoneval_handler;

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_phoneval_module);

    pmcf->request_id_index = ngx_http_get_variable_index(cf, &request_id);
    if (pmcf->request_id_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (ngx_http_phoneval_notify_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_phoneval_capture_init(cf);
}


static void *
ngx_http_phoneval_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_phoneval_main_conf_t  *pmcf;

    pmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_phoneval_main_conf_t));
    if (pmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&pmcf->zones, cf->pool, 2, sizeof(ngx_shm_zone_t *))
        != NGX_OK)
    {
        return NULL;
    }

    ngx_http_phoneval_inflight_init(pmcf);

    return pmcf;
}


static void *
ngx_http_phoneval_create_loc_conf(ngx_conf_t *cf)
{
    ngx_uint_t                     i;
    ngx_http_phoneval_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_phoneval_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->pass = { 0, NULL };
     *     conf->api_key_file = { 0, NULL };
     *     conf->methods = 0;
     *     conf->phone_field = { 0, NULL };
     *     conf->country_field = { 0, NULL };
     *     conf->bulk_field = { 0, NULL };
     *     conf->default_country = { 0, NULL };
     *     conf->locale = { 0, NULL };
     *     conf->reject = 0;
     *     conf->zone = NULL;
     *     conf->cache_set = 0;
     *     conf->targets = NULL;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->api_key = NGX_CONF_UNSET_PTR;
    conf->max_phones = NGX_CONF_UNSET_UINT;
    conf->max_contacts = NGX_CONF_UNSET_UINT;
    conf->concurrency = NGX_CONF_UNSET_UINT;
    conf->timeout = NGX_CONF_UNSET_MSEC;
    conf->check_mode = NGX_CONF_UNSET_UINT;
    conf->action = NGX_CONF_UNSET_UINT;
    conf->on_error = NGX_CONF_UNSET_UINT;
    conf->output = NGX_CONF_UNSET_UINT;
    conf->results = NGX_CONF_UNSET_PTR;
    conf->normalize = NGX_CONF_UNSET;
    conf->strip_results = NGX_CONF_UNSET;
    conf->cache = NGX_CONF_UNSET;
    conf->tags = NGX_CONF_UNSET_PTR;

    for (i = 0; i < PV_VERDICT_N; i++) {
        conf->cache_valid[i] = NGX_CONF_UNSET;
    }

    return conf;
}


static char *
ngx_http_phoneval_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_phoneval_loc_conf_t *prev = parent;
    ngx_http_phoneval_loc_conf_t *conf = child;

    ngx_uint_t                      i;
    pv_doc_want_t                  *want;
    ngx_shm_zone_t                **zones;
    ngx_http_phoneval_main_conf_t  *pmcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_str_value(conf->pass, prev->pass, "");

    if (conf->api_key == NGX_CONF_UNSET_PTR
        && conf->api_key_file.data == NULL)
    {
        conf->api_key = prev->api_key;
        conf->api_key_file = prev->api_key_file;
    }

    if (conf->api_key == NGX_CONF_UNSET_PTR) {
        conf->api_key = NULL;
    }

    ngx_conf_merge_bitmask_value(conf->methods, prev->methods,
                                 (NGX_CONF_BITMASK_SET
                                  |NGX_HTTP_POST|NGX_HTTP_PUT));

    ngx_conf_merge_str_value(conf->phone_field, prev->phone_field, "phone");
    ngx_conf_merge_str_value(conf->country_field, prev->country_field,
                             "country");
    ngx_conf_merge_str_value(conf->bulk_field, prev->bulk_field, "contacts");
    ngx_conf_merge_str_value(conf->default_country, prev->default_country,
                             "");
    ngx_conf_merge_uint_value(conf->max_phones, prev->max_phones, 100);
    ngx_conf_merge_uint_value(conf->max_contacts, prev->max_contacts,
                              ngx_max(1000, conf->max_phones));

    if (conf->max_contacts < conf->max_phones) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"phoneval_max_contacts\" %ui is less than "
                           "\"phoneval_max_phones\" %ui", conf->max_contacts,
                           conf->max_phones);
        return NGX_CONF_ERROR;
    }
    ngx_conf_merge_uint_value(conf->concurrency, prev->concurrency, 8);
    ngx_conf_merge_msec_value(conf->timeout, prev->timeout, 10000);

    if (conf->timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"phoneval_timeout\" must be more than 0");
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_uint_value(conf->check_mode, prev->check_mode, 0);
    ngx_conf_merge_str_value(conf->locale, prev->locale, "en-US");
    ngx_conf_merge_uint_value(conf->action, prev->action,
                              NGX_HTTP_PHONEVAL_ANNOTATE);
    ngx_conf_merge_bitmask_value(conf->reject, prev->reject,
                                 (NGX_CONF_BITMASK_SET
                                  |NGX_HTTP_PHONEVAL_VERDICT_BIT(PV_INVALID)));
    ngx_conf_merge_uint_value(conf->on_error, prev->on_error,
                              NGX_HTTP_PHONEVAL_ERR_PASS);
    ngx_conf_merge_uint_value(conf->output, prev->output,
                              PV_OUTPUT_CUSTOMFIELDS);
    ngx_conf_merge_ptr_value(conf->results, prev->results, NULL);
    ngx_conf_merge_value(conf->normalize, prev->normalize, 0);
    ngx_conf_merge_value(conf->strip_results, prev->strip_results, 1);

    ngx_conf_merge_str_value(conf->notify, prev->notify, "");
    ngx_conf_merge_str_value(conf->notify_secret, prev->notify_secret, "");
    ngx_conf_merge_bitmask_value(conf->notify_on, prev->notify_on,
                            (NGX_CONF_BITMASK_SET
                             |NGX_HTTP_PHONEVAL_VERDICT_BIT(PV_PENDING)
                             |NGX_HTTP_PHONEVAL_VERDICT_BIT(PV_VALID_CONFIRMED)
                             |NGX_HTTP_PHONEVAL_VERDICT_BIT(PV_VALID_UNCONFIRMED)
                             |NGX_HTTP_PHONEVAL_VERDICT_BIT(PV_INVALID)));
    ngx_conf_merge_ptr_value(conf->tags, prev->tags, NULL);
    ngx_conf_merge_str_value(conf->tag_pass, prev->tag_pass, "");

    if (!conf->cache_set) {
        conf->zone = prev->zone;
        conf->cache = prev->cache;
        conf->cache_set = prev->cache_set;
    }

    if (conf->cache == NGX_CONF_UNSET) {
        conf->cache = 0;
    }

    if (conf->zone == NULL) {

        /* the budget and counters of the only zone apply everywhere */

        pmcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_phoneval_module);
        if (pmcf->zones.nelts == 1) {
            zones = pmcf->zones.elts;
            conf->zone = zones[0];
        }
    }

    if (conf->cache_valid[PV_VALID_CONFIRMED] == NGX_CONF_UNSET
        && conf->cache_valid[PV_VALID_UNCONFIRMED] == NGX_CONF_UNSET
        && conf->cache_valid[PV_INVALID] == NGX_CONF_UNSET)
    {
        for (i = 0; i < PV_VERDICT_N; i++) {
            conf->cache_valid[i] = prev->cache_valid[i];
        }
    }

    if (conf->cache_valid[PV_VALID_CONFIRMED] == NGX_CONF_UNSET
        && conf->cache_valid[PV_VALID_UNCONFIRMED] == NGX_CONF_UNSET
        && conf->cache_valid[PV_INVALID] == NGX_CONF_UNSET)
    {
        conf->cache_valid[PV_VALID_CONFIRMED] = 30 * 86400;
        conf->cache_valid[PV_VALID_UNCONFIRMED] = 30 * 86400;
        conf->cache_valid[PV_INVALID] = 7 * 86400;
    }

    for (i = 0; i < PV_VERDICT_N; i++) {
        if (conf->cache_valid[i] == NGX_CONF_UNSET) {
            conf->cache_valid[i] = 0;
        }
    }

    /* PENDING is never cached */
    conf->cache_valid[PV_PENDING] = 0;

    if (ngx_http_phoneval_merge_targets(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    conf->doc.phone_field = conf->phone_field.data;
    conf->doc.phone_field_len = conf->phone_field.len;
    conf->doc.country_field = conf->country_field.data;
    conf->doc.country_field_len = conf->country_field.len;
    conf->doc.bulk_field = conf->bulk_field.data;
    conf->doc.bulk_field_len = conf->bulk_field.len;
    conf->doc.max_depth = NGX_HTTP_PHONEVAL_MAX_DEPTH;

    /* a contact costs work and memory with or without a phone */
    conf->doc.max_contacts = conf->max_contacts;

    /* only the fields output and the tags walk a contact again */
    conf->doc.no_index = (conf->output != PV_OUTPUT_FIELDS
                          && conf->tags == NULL);

    want = ngx_palloc(cf->pool, pv_doc_want_size());
    if (want == NULL) {
        return NGX_CONF_ERROR;
    }

    pv_doc_want_init(want, &conf->doc);
    conf->doc.want = want;

    if (conf->enable) {
        return ngx_http_phoneval_check(cf, conf);
    }

    return NGX_CONF_OK;
}


/*
 * Resolves phoneval_result lines into core targets.  It is done here, not
 * in the directive, because phoneval_output may come after them.
 */

static char *
ngx_http_phoneval_merge_targets(ngx_conf_t *cf,
    ngx_http_phoneval_loc_conf_t *conf)
{
    ngx_uint_t                   i, j, k, n, pass;
    pv_target_t                 *t;
    ngx_http_phoneval_result_t  *res;

    static const pv_item_e  defaults[] = {
        PV_ITEM_STATUS, PV_ITEM_LAST_VALIDATED, PV_ITEM_CONFIDENCE
    };

    if (conf->output == PV_OUTPUT_OFF) {
        conf->targets = NULL;
        conf->ntargets = 0;
        return NGX_CONF_OK;
    }

    n = conf->results ? conf->results->nelts : 0;

    if (n == 0 && conf->output == PV_OUTPUT_FIELDS) {
        n = sizeof(defaults) / sizeof(defaults[0]);

        t = ngx_pcalloc(cf->pool, n * sizeof(pv_target_t));
        if (t == NULL) {
            return NGX_CONF_ERROR;
        }

        for (i = 0; i < n; i++) {
            t[i].item = defaults[i];
            t[i].name = ngx_http_phoneval_default_fields[i].data;
            t[i].name_len = ngx_http_phoneval_default_fields[i].len;
        }

        conf->targets = t;
        conf->ntargets = n;
        return NGX_CONF_OK;
    }

    if (n == 0) {
        conf->targets = NULL;
        conf->ntargets = 0;
        return NGX_CONF_OK;
    }

    /* room for the "contact." twin of every key */
    t = ngx_pcalloc(cf->pool, 2 * n * sizeof(pv_target_t));
    if (t == NULL) {
        return NGX_CONF_ERROR;
    }

    res = conf->results->elts;
    k = 0;

    /* the written targets first: an alias never shadows one */

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < n; i++) {
            if ((ngx_uint_t) res[i].target.strip_only != pass) {
                continue;
            }

            t[k] = res[i].target;
            t[k].by_key = 0;
            t[k].name = res[i].name.data;
            t[k].name_len = res[i].name.len;

            if (conf->output == PV_OUTPUT_CUSTOMFIELDS
                && res[i].name.len > 4
                && ngx_strncmp(res[i].name.data, "key:", 4) == 0)
            {
                t[k].by_key = 1;
                t[k].name += 4;
                t[k].name_len -= 4;

                if (t[k].name_len == 8
                    && ngx_strncmp(t[k].name, "contact.", 8) == 0)
                {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "empty target \"%V\" for result "
                                       "item \"%s\"", &res[i].name,
                                       pv_item_name(t[k].item));
                    return NGX_CONF_ERROR;
                }
            }

            /* "key:x" and "key:contact.x" are one HighLevel field */

            for (j = 0; j < k; j++) {
                if (ngx_http_phoneval_same_field(&t[j], &t[k])) {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "target \"%V\" is the same field "
                                       "as another target of \"%s\" or "
                                       "\"%s\"", &res[i].name,
                                       pv_item_name(t[j].item),
                                       pv_item_name(t[k].item));
                    return NGX_CONF_ERROR;
                }
            }

            k++;
        }
    }

    /*
     * HighLevel takes a field key with or without "contact.": each key
     * target also removes a client's entry under the other spelling.
     */

    for (i = 0; i < n; i++) {
        if (!t[i].by_key) {
            continue;
        }

        if (ngx_http_phoneval_key_twin(cf, &t[i], &t[k]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        for (j = 0; j < k; j++) {
            if (t[j].by_key && t[j].name_len == t[k].name_len
                && ngx_memcmp(t[j].name, t[k].name, t[k].name_len) == 0)
            {
                break;
            }
        }

        if (j == k) {
            k++;
        }
    }

    conf->targets = t;
    conf->ntargets = k;

    return NGX_CONF_OK;
}


/* two by-key targets that name one field, with or without "contact." */

static ngx_uint_t
ngx_http_phoneval_same_field(const pv_target_t *a, const pv_target_t *b)
{
    size_t          al, bl;
    const u_char   *an, *bn;

    if (!a->by_key || !b->by_key) {
        return 0;
    }

    an = a->name;
    al = a->name_len;
    bn = b->name;
    bl = b->name_len;

    if (al > 8 && ngx_strncmp(an, "contact.", 8) == 0) {
        an += 8;
        al -= 8;
    }

    if (bl > 8 && ngx_strncmp(bn, "contact.", 8) == 0) {
        bn += 8;
        bl -= 8;
    }

    return al == bl && ngx_memcmp(an, bn, al) == 0;
}


/* "contact.NAME" for "NAME" and "NAME" for "contact.NAME", strip only */

static ngx_int_t
ngx_http_phoneval_key_twin(ngx_conf_t *cf, const pv_target_t *key,
    pv_target_t *twin)
{
    u_char  *p;

    *twin = *key;
    twin->strip_only = 1;

    if (key->name_len > 8
        && ngx_strncmp(key->name, "contact.", 8) == 0)
    {
        twin->name = key->name + 8;
        twin->name_len = key->name_len - 8;
        return NGX_OK;
    }

    p = ngx_pnalloc(cf->pool, 8 + key->name_len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, "contact.", 8);
    ngx_memcpy(p + 8, key->name, key->name_len);

    twin->name = p;
    twin->name_len = 8 + key->name_len;

    return NGX_OK;
}


/* the consistency checks behind "nginx -t" for a location that is on */

static char *
ngx_http_phoneval_check(ngx_conf_t *cf, ngx_http_phoneval_loc_conf_t *conf)
{
    ngx_http_phoneval_main_conf_t  *pmcf;

    if (conf->pass.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"phoneval\" is on but \"phoneval_pass\" "
                           "is not set");
        return NGX_CONF_ERROR;
    }

    if (conf->api_key == NULL && conf->api_key_file.data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"phoneval\" is on but neither "
                           "\"phoneval_api_key\" nor "
                           "\"phoneval_api_key_file\" is set");
        return NGX_CONF_ERROR;
    }

    if (conf->output == PV_OUTPUT_CUSTOMFIELDS && conf->ntargets == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"phoneval_output customfields\" needs at least "
                           "one \"phoneval_result\"");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_phoneval_check_names(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->cache && conf->zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"phoneval_cache\" has no zone");
        return NGX_CONF_ERROR;
    }

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_phoneval_module);

    if (conf->zone == NULL && pmcf->zones.nelts > 1) {
        /* which budget applies is not for the module to guess */
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"phoneval\" is on with several "
                           "\"phoneval_zone\" and no \"phoneval_cache\" "
                           "naming one: provider calls here have no budget");
    }

    return NGX_CONF_OK;
}


/*
 * Members the module reads (phone, country, bulk array) and members it
 * writes (fields targets, "customFields", "tags") must all differ: two
 * edits of one member fail the request with 500, and a target over a
 * member the client sent wipes the client's data.
 */

static char *
ngx_http_phoneval_check_names(ngx_conf_t *cf,
    ngx_http_phoneval_loc_conf_t *conf)
{
    char        *what;
    ngx_str_t    name, *reads[3];
    ngx_uint_t   i, j;

    static ngx_str_t  custom_fields = ngx_string("customFields");
    static ngx_str_t  tags = ngx_string("tags");

    reads[0] = &conf->phone_field;
    reads[1] = &conf->country_field;
    reads[2] = &conf->bulk_field;

    if (ngx_http_phoneval_same(&conf->phone_field, &conf->country_field)
        || ngx_http_phoneval_same(&conf->phone_field, &conf->bulk_field)
        || ngx_http_phoneval_same(&conf->country_field, &conf->bulk_field))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"phoneval_phone_field\" \"%V\", "
                           "\"phoneval_country_field\" \"%V\" and "
                           "\"phoneval_bulk_field\" \"%V\" must be three "
                           "different members", &conf->phone_field,
                           &conf->country_field, &conf->bulk_field);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < 3; i++) {

        if (conf->output == PV_OUTPUT_CUSTOMFIELDS
            && ngx_http_phoneval_same(reads[i], &custom_fields))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "member \"customFields\" cannot be read "
                               "with \"phoneval_output customfields\", "
                               "which writes it");
            return NGX_CONF_ERROR;
        }

        if (conf->tags && ngx_http_phoneval_same(reads[i], &tags)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "member \"tags\" cannot be read with "
                               "\"phoneval_tag\", which writes it");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->output != PV_OUTPUT_FIELDS) {
        return NGX_CONF_OK;
    }

    for (i = 0; i < conf->ntargets; i++) {
        name.data = (u_char *) conf->targets[i].name;
        name.len = conf->targets[i].name_len;

        if (ngx_http_phoneval_same(&name, &conf->phone_field)) {
            what = "the phone member itself";

        } else if (ngx_http_phoneval_same(&name, &conf->country_field)) {
            what = "the member \"phoneval_country_field\" reads";

        } else if (ngx_http_phoneval_same(&name, &conf->bulk_field)) {
            what = "the member \"phoneval_bulk_field\" reads";

        } else if (ngx_http_phoneval_same(&name, &custom_fields)) {
            what = "the HighLevel custom fields member";

        } else if (conf->tags && ngx_http_phoneval_same(&name, &tags)) {
            what = "the member \"phoneval_tag\" writes";

        } else {
            what = NULL;

            for (j = 0; j < i; j++) {
                if (conf->targets[j].name_len == name.len
                    && ngx_memcmp(conf->targets[j].name, name.data,
                                  name.len) == 0)
                {
                    what = "used for two result items";
                    break;
                }
            }
        }

        if (what) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "result target \"%V\" is %s: pick another "
                               "member name", &name, what);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_phoneval_same(ngx_str_t *a, ngx_str_t *b)
{
    return a->len == b->len && ngx_memcmp(a->data, b->data, a->len) == 0;
}


/* phoneval_pass, phoneval_notify, phoneval_tag_pass: an internal URI */

static char *
ngx_http_phoneval_pass(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t  *field, *value;

    field = (ngx_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len < 2 || value[1].data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be a local URI such as "
                           "\"/_phoneval\", not \"%V\"", &cmd->name,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_strlchr(value[1].data, value[1].data + value[1].len, '?')) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" URI \"%V\" must not have arguments",
                           &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    /* the URI is used as written: a variable would never be evaluated */

    if (ngx_http_script_variables_count(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" URI \"%V\" must not contain variables",
                           &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    *field = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_http_phoneval_notify_on(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    int          v;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (plcf->notify_on) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        v = ngx_http_phoneval_verdict(cf, &value[i], 1, NULL);
        if (v < 0) {
            return NGX_CONF_ERROR;
        }

        plcf->notify_on |= NGX_HTTP_PHONEVAL_VERDICT_BIT(v);
    }

    plcf->notify_on |= NGX_CONF_BITMASK_SET;

    return NGX_CONF_OK;
}


static char *
ngx_http_phoneval_tag(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    int                       v;
    ngx_str_t                *value;
    ngx_http_phoneval_tag_t  *tag;

    value = cf->args->elts;

    v = ngx_http_phoneval_verdict(cf, &value[1], 1, NULL);
    if (v < 0) {
        return NGX_CONF_ERROR;
    }

    if (value[2].len == 0) {
        return "has an empty tag";
    }

    if (plcf->tags == NGX_CONF_UNSET_PTR) {
        plcf->tags = ngx_array_create(cf->pool, 4,
                                      sizeof(ngx_http_phoneval_tag_t));
        if (plcf->tags == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    tag = ngx_array_push(plcf->tags);
    if (tag == NULL) {
        return NGX_CONF_ERROR;
    }

    tag->verdict = v;
    tag->tag = value[2];

    return NGX_CONF_OK;
}


static char *
ngx_http_phoneval_api_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    if (plcf->api_key_file.data) {
        return "is duplicate, or \"phoneval_api_key_file\" is also set";
    }

    return ngx_http_set_complex_value_slot(cf, cmd, conf);
}


/*
 * The key file is read at configuration load, so "nginx -s reload"
 * rotates the key.  Trailing white space (a final newline) is dropped.
 */

static char *
ngx_http_phoneval_api_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    u_char           *p, *last;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_str_t        *value, name;
    ngx_file_info_t   fi;

    if (plcf->api_key_file.data || plcf->api_key != NGX_CONF_UNSET_PTR) {
        return "is duplicate, or \"phoneval_api_key\" is also set";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%s\" failed", name.data);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%s\" failed", name.data);
        goto failed;
    }

    if (ngx_file_size(&fi) > 4096) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "API key file \"%s\" is larger than 4096 bytes",
                           name.data);
        goto failed;
    }

    p = ngx_pnalloc(cf->pool, (size_t) ngx_file_size(&fi) + 1);
    if (p == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, p, (size_t) ngx_file_size(&fi));
    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_fd_n " \"%s\" failed", name.data);
        goto failed;
    }

    ngx_close_file(fd);

    last = p + n;

    while (last > p && (last[-1] == '\n' || last[-1] == '\r'
                        || last[-1] == ' ' || last[-1] == '\t'))
    {
        last--;
    }

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == last) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "API key file \"%s\" is empty", name.data);
        return NGX_CONF_ERROR;
    }

    plcf->api_key_file.data = p;
    plcf->api_key_file.len = last - p;

    return NGX_CONF_OK;

failed:

    ngx_close_file(fd);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_phoneval_methods(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i, m;

    static ngx_conf_bitmask_t  methods[] = {
        { ngx_string("POST"), NGX_HTTP_POST },
        { ngx_string("PUT"), NGX_HTTP_PUT },
        { ngx_string("PATCH"), NGX_HTTP_PATCH },
        { ngx_string("DELETE"), NGX_HTTP_DELETE },
        { ngx_null_string, 0 }
    };

    if (plcf->methods) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        for (m = 0; methods[m].name.len; m++) {
            if (value[i].len == methods[m].name.len
                && ngx_strncasecmp(value[i].data, methods[m].name.data,
                                   value[i].len) == 0)
            {
                break;
            }
        }

        if (methods[m].name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "method \"%V\" cannot carry a contact body; "
                               "use POST, PUT, PATCH or DELETE", &value[i]);
            return NGX_CONF_ERROR;
        }

        plcf->methods |= methods[m].mask;
    }

    plcf->methods |= NGX_CONF_BITMASK_SET;

    return NGX_CONF_OK;
}


static char *
ngx_http_phoneval_country(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char       *p = conf;

    char        cc[3];
    ngx_str_t  *field, *value;

    field = (ngx_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 4 && ngx_strncmp(value[1].data, "none", 4) == 0) {
        field->data = (u_char *) "";
        field->len = 0;
        return NGX_CONF_OK;
    }

    if (!pv_country_parse(value[1].data, value[1].len, cc)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid country \"%V\": expected two letters "
                           "of ISO 3166-1 such as \"US\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    field->data = ngx_pnalloc(cf->pool, 3);
    if (field->data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(field->data, cc, 3);
    field->len = 2;

    return NGX_CONF_OK;
}


static char *
ngx_http_phoneval_locale(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char       *rv;
    u_char     *c;
    ngx_str_t  *value;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > 35) {
        goto invalid;
    }

    for (c = value[1].data; c < value[1].data + value[1].len; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
              || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
        {
            goto invalid;
        }
    }

    rv = ngx_conf_set_str_slot(cf, cmd, conf);

    return rv;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid locale \"%V\": expected a language tag "
                       "such as \"en-US\"", &value[1]);
    return NGX_CONF_ERROR;
}


static char *
ngx_http_phoneval_reject(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    int          v;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (plcf->reject) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        v = ngx_http_phoneval_verdict(cf, &value[i], 0,
                                      "PENDING cannot be rejected here; use "
                                      "\"phoneval_on_error reject\"");
        if (v < 0) {
            return NGX_CONF_ERROR;
        }

        plcf->reject |= NGX_HTTP_PHONEVAL_VERDICT_BIT(v);
    }

    plcf->reject |= NGX_CONF_BITMASK_SET;

    return NGX_CONF_OK;
}


static char *
ngx_http_phoneval_result(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    int                          item;
    ngx_str_t                   *value;
    ngx_uint_t                   i, k;
    ngx_http_phoneval_result_t  *res;

    value = cf->args->elts;

    item = pv_item_from_name((char *) value[1].data, value[1].len);
    if (item < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown result item \"%V\": expected status, "
                           "last_validated, confidence, line_type, e164 "
                           "or country", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (plcf->results == NGX_CONF_UNSET_PTR) {
        plcf->results = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_http_phoneval_result_t));
        if (plcf->results == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /*
     * The target, then other names of the same field (its key beside its
     * id, say): a client's entry under any of them is removed, so a
     * result cannot be spoofed by naming the field another way.
     */

    for (k = 2; k < cf->args->nelts; k++) {

        if (value[k].len == 0
            || (value[k].len == 4
                && ngx_strncmp(value[k].data, "key:", 4) == 0))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "empty target for result item \"%V\"",
                               &value[1]);
            return NGX_CONF_ERROR;
        }

        res = plcf->results->elts;

        for (i = 0; i < plcf->results->nelts; i++) {
            if (k == 2 && !res[i].target.strip_only
                && res[i].target.item == (pv_item_e) item)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "result item \"%V\" is already written",
                                   &value[1]);
                return NGX_CONF_ERROR;
            }

            if (res[i].name.len == value[k].len
                && ngx_strncmp(res[i].name.data, value[k].data,
                               value[k].len)
                   == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "target \"%V\" is used twice",
                                   &value[k]);
                return NGX_CONF_ERROR;
            }
        }

        res = ngx_array_push(plcf->results);
        if (res == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(res, sizeof(ngx_http_phoneval_result_t));
        res->name = value[k];
        res->target.item = (pv_item_e) item;
        res->target.strip_only = (k > 2);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_phoneval_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    ngx_str_t                      *value;
    ngx_uint_t                      i;
    ngx_shm_zone_t                **zones;
    ngx_http_phoneval_main_conf_t  *pmcf;

    if (plcf->cache_set) {
        return "is duplicate";
    }

    value = cf->args->elts;
    plcf->cache_set = 1;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        plcf->cache = 0;
        plcf->zone = NULL;
        return NGX_CONF_OK;
    }

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_phoneval_module);
    zones = pmcf->zones.elts;

    for (i = 0; i < pmcf->zones.nelts; i++) {
        if (zones[i]->shm.name.len == value[1].len
            && ngx_strncmp(zones[i]->shm.name.data, value[1].data,
                           value[1].len) == 0)
        {
            plcf->zone = zones[i];
            plcf->cache = 1;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown phoneval zone \"%V\": define it with "
                       "\"phoneval_zone zone=%V:10m;\" in the http block "
                       "before its first use", &value[1], &value[1]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_phoneval_cache_valid(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_phoneval_loc_conf_t *plcf = conf;

    int          v;
    time_t       valid;
    ngx_str_t   *value;
    ngx_uint_t   i, n;

    value = cf->args->elts;
    n = cf->args->nelts - 1;

    valid = ngx_parse_time(&value[n], 1);
    if (valid == (time_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid time value \"%V\"", &value[n]);
        return NGX_CONF_ERROR;
    }

    /* expiry times are 32-bit in the zone */
    if (valid > NGX_HTTP_PHONEVAL_CACHE_VALID_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cache lifetime \"%V\" is too long: at most 10y",
                           &value[n]);
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < n; i++) {
        v = ngx_http_phoneval_verdict(cf, &value[i], 0,
                                      "PENDING verdicts are never cached");
        if (v < 0) {
            return NGX_CONF_ERROR;
        }

        plcf->cache_valid[v] = valid;
    }

    return NGX_CONF_OK;
}


/*
 * A verdict name of a directive's argument; PENDING only when allowed
 * (else pending_error is the message).  Logs and returns -1 on error.
 */

static int
ngx_http_phoneval_verdict(ngx_conf_t *cf, ngx_str_t *name,
    ngx_uint_t allow_pending, char *pending_error)
{
    int  v;

    v = pv_verdict_from_name((char *) name->data, name->len);

    if (v == PV_PENDING && !allow_pending) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", pending_error);
        return -1;
    }

    if (v < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown verdict \"%V\": expected "
                           "VALID_CONFIRMED, VALID_UNCONFIRMED%s",
                           name, allow_pending ? ", INVALID or PENDING"
                                               : " or INVALID");
        return -1;
    }

    return v;
}


/* member names are matched against decoded JSON names: any text will do,
 * but an empty one would match nothing */

static char *
ngx_http_phoneval_field_name(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *name = data;

    if (name->len == 0) {
        return "must not be empty";
    }

    return NGX_CONF_OK;
}


/*
 * Without OpenSSL no event could be signed, and each would be dropped at
 * run time: refuse at load.  "" (no signature, e.g. to undo an inherited
 * secret) needs nothing.
 */

static char *
ngx_http_phoneval_notify_secret(ngx_conf_t *cf, void *post, void *data)
{
#if !(NGX_OPENSSL)
    ngx_str_t  *secret = data;

    if (secret->len) {
        return "needs nginx built with OpenSSL (--with-http_ssl_module) "
               "to sign events";
    }
#endif

    return NGX_CONF_OK;
}
