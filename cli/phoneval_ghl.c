
/*
 * Copyright (C) phoneval authors
 *
 * The HighLevel Contacts API: requests with the headers every call needs,
 * error texts from its NestJS-style bodies, and the result custom fields
 * (found by their keys once, then written by id).
 */


#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "phoneval_cli.h"


pv_req_t *
pv_ghl_req(pv_conf_t *conf, const char *method, json_t *body,
    const char *fmt, ...)
{
    int        n;
    char      *path, *auth;
    va_list    ap;
    pv_req_t  *rq;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);

    path = pv_xmalloc((size_t) n + 1);

    va_start(ap, fmt);
    vsnprintf(path, (size_t) n + 1, fmt, ap);
    va_end(ap);

    rq = pv_req_new(PV_SVC_GHL, method,
                    pv_xsprintf("%s%s", conf->api_url, path));
    rq->what = pv_xsprintf("%s %s", method, path);
    free(path);

    auth = pv_xsprintf("Authorization: Bearer %s", conf->token);
    rq->headers = curl_slist_append(NULL, auth);
    memset(auth, 0, strlen(auth));
    free(auth);

    rq->headers = curl_slist_append(rq->headers, "Version: " PV_GHL_VERSION);
    rq->headers = curl_slist_append(rq->headers, "Accept: application/json");
    rq->headers = curl_slist_append(rq->headers, "Expect:");

    if (body) {
        rq->body = json_dumps(body, JSON_COMPACT);

        if (rq->body == NULL) {
            rq->body = pv_xstrdup("{}");
        }

        rq->body_len = strlen(rq->body);
        rq->headers = curl_slist_append(rq->headers,
                                        "Content-Type: application/json");
    }

    return rq;
}


char *
pv_url_escape(const char *s)
{
    char                 *out, *p;
    static const char     hex[] = "0123456789ABCDEF";
    const unsigned char  *u;

    out = pv_xmalloc(strlen(s) * 3 + 1);
    p = out;

    for (u = (const unsigned char *) s; *u; u++) {
        if ((*u >= 'A' && *u <= 'Z') || (*u >= 'a' && *u <= 'z')
            || (*u >= '0' && *u <= '9') || *u == '-' || *u == '_'
            || *u == '.' || *u == '~')
        {
            *p++ = (char) *u;

        } else {
            *p++ = '%';
            *p++ = hex[*u >> 4];
            *p++ = hex[*u & 15];
        }
    }

    *p = '\0';

    return out;
}


json_t *
pv_ghl_json(const pv_req_t *rq)
{
    if (rq->resp.len == 0) {
        return NULL;
    }

    return json_loadb(rq->resp.data, rq->resp.len, 0, NULL);
}


char *
pv_ghl_error_text(const pv_req_t *rq)
{
    char      *s;
    size_t     i;
    json_t    *root, *msg, *m;
    pv_buf_t   b;

    if (rq->cancelled) {
        return pv_xstrdup("interrupted");
    }

    if (rq->error != CURLE_OK) {
        return pv_xsprintf("network error: %s",
                           rq->errbuf[0] ? rq->errbuf
                                         : curl_easy_strerror(rq->error));
    }

    memset(&b, 0, sizeof(b));
    pv_buf_printf(&b, "HTTP %ld", rq->status);

    root = pv_ghl_json(rq);
    msg = root ? json_object_get(root, "message") : NULL;

    if (json_is_string(msg)) {
        pv_buf_printf(&b, ": %.200s", json_string_value(msg));

    } else if (json_is_array(msg)) {
        json_array_foreach(msg, i, m) {
            if (json_is_string(m)) {
                pv_buf_printf(&b, "%s%.200s", i ? "; " : ": ",
                              json_string_value(m));
            }
        }
    }

    json_decref(root);

    s = pv_xstrdup(b.data);
    pv_buf_free(&b);

    return s;
}


static void
pv_ghl_one_done(pv_req_t *rq)
{
    *(int *) rq->data = 1;
}


void
pv_ghl_run_one(pv_http_t *http, pv_req_t *rq)
{
    int  done;

    done = 0;
    rq->handler = pv_ghl_one_done;
    rq->data = &done;

    pv_http_submit(http, rq);
    pv_http_run(http, NULL, NULL);
}


/* fieldKey "contact.x" matches "contact.x" and "x" */

static int
pv_key_matches(const char *field_key, const char *want)
{
    const char  *a, *b;

    if (strcmp(field_key, want) == 0) {
        return 1;
    }

    a = strchr(field_key, '.');
    b = strchr(want, '.');

    a = a ? a + 1 : field_key;
    b = b ? b + 1 : want;

    return strcmp(a, b) == 0;
}


static const char *
pv_find_field_id(json_t *fields, const char *key)
{
    size_t       i;
    json_t      *f;
    const char  *fk, *id;

    json_array_foreach(fields, i, f) {
        fk = json_string_value(json_object_get(f, "fieldKey"));
        id = json_string_value(json_object_get(f, "id"));

        if (fk && id && pv_key_matches(fk, key)) {
            return id;
        }
    }

    return NULL;
}


int
pv_ghl_resolve_fields(pv_conf_t *conf, pv_http_t *http, int need_ids)
{
    int                rc;
    char              *err, *loc;
    size_t             i;
    json_t            *root, *fields;
    pv_req_t          *rq;
    const char        *id;
    pv_target_conf_t  *t;

    if (conf->targets_given) {
        for (i = 0; i < conf->ntargets; i++) {
            if (conf->targets[i].id == NULL) {
                break;
            }
        }

        if (i == conf->ntargets) {
            return PV_EXIT_OK;      /* all ids: nothing to look up */
        }
    }

    loc = pv_url_escape(conf->location);
    rq = pv_ghl_req(conf, "GET", NULL,
                    "/locations/%s/customFields?model=contact", loc);
    free(loc);

    pv_ghl_run_one(http, rq);

    if (rq->status != 200) {
        err = pv_ghl_error_text(rq);
        pv_log_error("cannot list the custom fields of location %s: %s",
                     conf->location, err);
        free(err);
        rc = (rq->status == 401 || rq->status == 403 || rq->status == 404)
             ? PV_EXIT_USAGE : PV_EXIT_FAILED;
        pv_req_free(rq);
        return rc;
    }

    root = pv_ghl_json(rq);
    pv_req_free(rq);

    fields = json_object_get(root, "customFields");

    if (!json_is_array(fields)) {
        pv_log_error("the custom field list of location %s is not "
                     "understood", conf->location);
        json_decref(root);
        return PV_EXIT_FAILED;
    }

    rc = PV_EXIT_OK;

    if (conf->targets_given) {
        for (i = 0; i < conf->ntargets; i++) {
            t = &conf->targets[i];

            if (t->id) {
                continue;
            }

            id = pv_find_field_id(fields, t->name);

            if (id) {
                t->id = pv_xstrdup(id);
                pv_log_debug("field %s: key %s is id %s",
                             pv_item_name(t->item), t->name, id);

            } else if (need_ids) {
                pv_log_error("location %s has no custom field with key %s "
                             "(--field %s=key:%s)", conf->location, t->name,
                             pv_item_name(t->item), t->name);
                rc = PV_EXIT_USAGE;
            }
        }

        json_decref(root);
        return rc;
    }

    /* the defaults: the fields "phoneval fields --create" makes */

    for (i = 0; i < PV_ITEM_E164; i++) {
        id = pv_find_field_id(fields, pv_item_default_key((pv_item_e) i));

        if (id == NULL) {
            if (i == PV_ITEM_STATUS) {
                pv_log_error("location %s has no custom field %s: run "
                             "\"phoneval fields --location %s --create\" or "
                             "give --field status=ID", conf->location,
                             pv_item_default_key(PV_ITEM_STATUS),
                             conf->location);
                rc = PV_EXIT_USAGE;
                break;
            }

            pv_log_debug("field %s: no field %s, not written",
                         pv_item_name((pv_item_e) i),
                         pv_item_default_key((pv_item_e) i));
            continue;
        }

        t = &conf->targets[conf->ntargets++];
        t->item = (pv_item_e) i;
        t->by_key = 0;
        t->name = pv_xstrdup(id);
        t->id = pv_xstrdup(id);

        pv_log_debug("field %s: %s is id %s", pv_item_name(t->item),
                     pv_item_default_key(t->item), id);
    }

    json_decref(root);

    return rc;
}


json_t *
pv_ghl_result_fields(const pv_conf_t *conf, const pv_verdict_t *v,
    int clear)
{
    size_t                   i;
    json_t                  *arr, *entry;
    const pv_target_conf_t  *t;

    arr = json_array();

    for (i = 0; i < conf->ntargets; i++) {
        t = &conf->targets[i];
        entry = json_object();

        if (t->by_key && t->id == NULL) {
            json_object_set_new(entry, "key", json_string(t->name));

        } else {
            json_object_set_new(entry, "id",
                                json_string(t->id ? t->id : t->name));
        }

        json_object_set_new(entry, "field_value",
                            clear ? json_string("")
                                  : pv_verdict_item_value(v, t->item));
        json_array_append_new(arr, entry);
    }

    return arr;
}
