
/*
 * Copyright (C) phoneval authors
 *
 * phoneval fields --location ID [--create]: the custom fields results go
 * to.  HighLevel's contact bodies reject unknown top-level members, so the
 * results must live in custom fields made beforehand; this finds them by
 * key (or makes them) and prints their ids as phoneval_result lines ready
 * for the nginx configuration.
 */


#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "phoneval_cli.h"


typedef struct {
    pv_item_e                item;
    char                    *key;
    char                    *id;          /* found or created */
    int                      created;
    int                      failed;
} pv_field_want_t;


static const char  *pv_field_names[PV_ITEM_N] = {
    "Phone Validation Status",
    "Phone Last Validated",
    "Phone Confidence",
    "Phone Line Type",
    "Phone E.164",
    "Phone Country"
};


/* "contact.lead_phone_state" -> "Lead Phone State" */

static char *
pv_field_name_from_key(const char *key)
{
    int          up;
    char        *name, *p;
    const char  *dot;

    dot = strchr(key, '.');
    name = pv_xstrdup(dot ? dot + 1 : key);
    up = 1;

    for (p = name; *p; p++) {
        if (*p == '_') {
            *p = ' ';
            up = 1;

        } else if (up) {
            *p = (char) toupper((unsigned char) *p);
            up = 0;
        }
    }

    return name;
}


/*
 * The id of the field with this key (or, by_id, this id); *fkey gets the
 * field's own key, which the printed line names beside the id.
 */

static char *
pv_field_lookup(json_t *fields, const char *key, int by_id, char **fkey)
{
    size_t       i;
    json_t      *f;
    const char  *fk, *id, *a, *b;

    json_array_foreach(fields, i, f) {
        fk = json_string_value(json_object_get(f, "fieldKey"));
        id = json_string_value(json_object_get(f, "id"));

        if (fk == NULL || id == NULL) {
            continue;
        }

        if (by_id) {
            if (strcmp(id, key) == 0) {
                *fkey = pv_xstrdup(fk);
                return pv_xstrdup(id);
            }

            continue;
        }

        a = strchr(fk, '.');
        b = strchr(key, '.');

        if (strcmp(fk, key) == 0
            || strcmp(a ? a + 1 : fk, b ? b + 1 : key) == 0)
        {
            *fkey = pv_xstrdup(fk);
            return pv_xstrdup(id);
        }
    }

    return NULL;
}


static int
pv_field_create(pv_conf_t *conf, pv_http_t *http, pv_field_want_t *w)
{
    int          rc;
    char        *loc, *name, *err, *key;
    json_t      *body, *root;
    pv_req_t    *rq;
    const char  *id;

    if (w->item < PV_ITEM_N && strcmp(w->key, pv_item_default_key(w->item))
                               == 0)
    {
        name = pv_xstrdup(pv_field_names[w->item]);

    } else {
        name = pv_field_name_from_key(w->key);
    }

    key = strchr(w->key, '.') ? pv_xstrdup(w->key)
                              : pv_xsprintf("contact.%s", w->key);

    /* fieldKey is accepted though undocumented (HighLevel issue #300);
     * without it the key would be derived from the display name */

    body = json_pack("{s:s, s:s, s:s, s:s}",
                     "name", name,
                     "dataType", w->item == PV_ITEM_CONFIDENCE
                                 ? "NUMERICAL" : "TEXT",
                     "fieldKey", key,
                     "model", "contact");

    loc = pv_url_escape(conf->location);
    rq = pv_ghl_req(conf, "POST", body, "/locations/%s/customFields", loc);
    free(loc);
    json_decref(body);

    pv_ghl_run_one(http, rq);

    rc = -1;

    if (rq->status == 200 || rq->status == 201) {
        root = pv_ghl_json(rq);
        id = json_string_value(json_object_get(json_object_get(root,
                                                               "customField"),
                                               "id"));

        if (id) {
            w->id = pv_xstrdup(id);
            w->created = 1;
            rc = 0;
            pv_log_debug("created custom field %s (%s): %s", key, name, id);
        }

        json_decref(root);
    }

    if (rc != 0) {
        err = pv_ghl_error_text(rq);
        pv_log_error("cannot create custom field %s: %s", key, err);
        free(err);
    }

    pv_req_free(rq);
    free(name);
    free(key);

    return rc;
}


int
pv_cmd_fields(pv_conf_t *conf)
{
    int               rc, width, need;
    char             *loc, *err, *fkey;
    size_t            i, n;
    json_t           *root, *fields, *out;
    pv_req_t         *rq;
    pv_http_t        *http;
    pv_report_t       rep;
    pv_field_want_t   want[PV_ITEM_N];

    rc = pv_conf_credentials(conf, 1, 0);
    if (rc != PV_EXIT_OK) {
        return rc;
    }

    /* which fields: those of --field, else the four defaults */

    memset(want, 0, sizeof(want));
    n = 0;

    if (conf->targets_given) {
        for (i = 0; i < conf->ntargets; i++) {
            want[n].item = conf->targets[i].item;
            want[n].key = pv_xstrdup(conf->targets[i].name);
            want[n].id = NULL;
            want[n].failed = !conf->targets[i].by_key;    /* see below */
            n++;
        }

    } else {
        for (i = 0; i < PV_ITEM_E164; i++) {
            want[n].item = (pv_item_e) i;
            want[n].key = pv_xstrdup(pv_item_default_key((pv_item_e) i));
            n++;
        }
    }

    pv_report_init(&rep, "fields");

    http = pv_http_create(conf, &rep);
    if (http == NULL) {
        pv_report_free(&rep);
        return PV_EXIT_FAILED;
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
        goto done;
    }

    root = pv_ghl_json(rq);
    pv_req_free(rq);
    fields = json_object_get(root, "customFields");

    if (!json_is_array(fields)) {
        pv_log_error("the custom field list of location %s is not "
                     "understood", conf->location);
        json_decref(root);
        rc = PV_EXIT_FAILED;
        goto done;
    }

    for (i = 0; i < n; i++) {
        /* an id given with --field is checked, a key is looked up */
        need = want[i].failed;
        want[i].failed = 0;
        fkey = NULL;
        want[i].id = pv_field_lookup(fields, want[i].key, need, &fkey);

        if (fkey != NULL) {
            /* the field's own key, also when --field gave its id */
            free(want[i].key);
            want[i].key = fkey;
        }

        if (want[i].id == NULL && need) {
            pv_log_error("%s: location %s has no custom field with id %s",
                         pv_item_name(want[i].item), conf->location,
                         want[i].key);
            want[i].failed = 1;
            continue;
        }

        if (want[i].id == NULL && conf->create) {
            if (pv_field_create(conf, http, &want[i]) != 0) {
                want[i].failed = 1;

            } else {
                rep.written++;
            }
        }
    }

    json_decref(root);

    rc = PV_EXIT_OK;
    rep.items = n;
    width = 0;

    for (i = 0; i < n; i++) {
        if ((int) strlen(pv_item_name(want[i].item)) > width) {
            width = (int) strlen(pv_item_name(want[i].item));
        }
    }

    out = json_array();

    for (i = 0; i < n; i++) {
        if (want[i].id) {
            /* the key too: a client's entry under it is removed */
            if (!conf->json) {
                printf("phoneval_result  %-*s  %s key:%s%s;\n", width,
                       pv_item_name(want[i].item), want[i].id,
                       strchr(want[i].key, '.') ? "" : "contact.",
                       want[i].key);
            }

        } else {
            rep.failed++;

            if (!want[i].failed) {
                pv_log_warn("%s: no custom field %s in location %s (add "
                            "--create to make it)",
                            pv_item_name(want[i].item), want[i].key,
                            conf->location);
            }
        }

        json_array_append_new(out,
            json_pack("{s:s, s:s, s:o, s:b}",
                      "item", pv_item_name(want[i].item),
                      "key", want[i].key,
                      "id", want[i].id ? json_string(want[i].id)
                                       : json_null(),
                      "created", want[i].created));
    }

    fflush(stdout);
    json_object_set_new(rep.extra, "location", json_string(conf->location));
    json_object_set_new(rep.extra, "fields", out);

    pv_report_finish(&rep, conf->json);
    rc = pv_report_exit_code(&rep);

done:

    for (i = 0; i < n; i++) {
        free(want[i].key);
        free(want[i].id);
    }

    pv_http_destroy(http);
    pv_report_free(&rep);

    return rc;
}
