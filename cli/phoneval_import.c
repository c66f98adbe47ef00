
/*
 * Copyright (C) phoneval authors
 *
 * phoneval import FILE --location ID: contacts from a CSV file (header
 * row) or JSON lines, each phone validated first, the results written as
 * custom fields in the same create (POST /contacts/) or upsert.
 *
 * The file is streamed: at most a few rows per --concurrency are in
 * flight, so memory does not grow with the file.
 *
 * A create is never sent twice: 429 means the API did not process it
 * (retried by the engine), but a 5xx or a connection lost after sending
 * may have created the contact, so the row is reported "unknown outcome"
 * instead.  After an upsert the contact is read back: HighLevel matches
 * an existing contact by email or phone, and when the email matched one
 * that does not get the phone, the phone was silently not attached.
 *
 * With --via-gateway the API URL is an nginx with the phoneval module:
 * rows go out as they are read, the gateway validates the phones and
 * writes the result fields, and the verdicts are read back from the
 * contacts the API returns.  The gateway's own refusals come back as
 * HTTP errors with a "phoneval" array: a 422 (phoneval_action reject) is
 * the row's failure, a 503 (phoneval_on_error reject) was refused before
 * forwarding and is retried after its Retry-After.
 */


#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "phoneval_cli.h"


typedef struct pv_import_s  pv_import_t;


typedef struct {
    pv_import_t             *im;
    long                     line;
    json_t                  *contact;
    char                    *phone;       /* as read, for the report */
    char                    *email;
    char                     country[3];
    pv_verdict_t             v;
    char                    *sent_phone;  /* the phone in the body */
    char                    *contact_id;
    int                      is_new;
    int                      has_phone;   /* --via-gateway: not blank */
    char                     key_phone[PV_PHONE_MAX_DIGITS + 1];
} pv_row_t;


struct pv_import_s {
    pv_conf_t               *conf;
    pv_report_t             *rep;
    pv_http_t               *http;
    pv_bp_t                 *bp;
    FILE                    *in;
    int                      jsonl;
    pv_csv_t                 csv;
    char                   **colfield;    /* per CSV column, or NULL */
    size_t                   ncols;
    char                    *line;
    size_t                   linecap;
    long                     lineno;
    int                      eof;
    unsigned                 active;
    pv_row_t               **live;        /* the rows in flight */
    pv_row_t                *held;        /* read, waiting for a twin */
    unsigned long            done;
    unsigned long            rows;
    unsigned long            created;
    unsigned long            updated;
    unsigned long            duplicates;
    unsigned long            not_attached;
    unsigned long            unknown;
    long                     last_line;

    /* --via-gateway: the fields the verdicts are read from, or NULL */
    const char              *gw_status_id;
    const char              *gw_e164_id;
    unsigned long            gw_unread;   /* a phone, but no status read */
};


/* common column names, compared without case, spaces, - _ . */

static const struct {
    const char              *name;
    const char              *field;
} pv_columns[] = {
    { "phone", "phone" }, { "phonenumber", "phone" },
    { "mobile", "phone" }, { "mobilephone", "phone" },
    { "mobilenumber", "phone" }, { "cell", "phone" },
    { "cellphone", "phone" }, { "telephone", "phone" }, { "tel", "phone" },
    { "phone1", "phone" }, { "primaryphone", "phone" },
    { "email", "email" }, { "emailaddress", "email" }, { "mail", "email" },
    { "firstname", "firstName" }, { "first", "firstName" },
    { "givenname", "firstName" }, { "forename", "firstName" },
    { "lastname", "lastName" }, { "last", "lastName" },
    { "surname", "lastName" }, { "familyname", "lastName" },
    { "name", "name" }, { "fullname", "name" }, { "contactname", "name" },
    { "country", "country" }, { "countrycode", "country" },
    { "company", "companyName" }, { "companyname", "companyName" },
    { "organization", "companyName" }, { "organisation", "companyName" },
    { "business", "companyName" }, { "businessname", "companyName" },
    { "tags", "tags" }, { "tag", "tags" }, { "labels", "tags" },
    { "address", "address1" }, { "address1", "address1" },
    { "street", "address1" }, { "streetaddress", "address1" },
    { "city", "city" }, { "town", "city" },
    { "state", "state" }, { "province", "state" }, { "region", "state" },
    { "postalcode", "postalCode" }, { "zip", "postalCode" },
    { "zipcode", "postalCode" }, { "postcode", "postalCode" },
    { "website", "website" }, { "url", "website" }, { "web", "website" },
    { "timezone", "timezone" }, { "tz", "timezone" },
    { "source", "source" }, { "leadsource", "source" },
    { "dateofbirth", "dateOfBirth" }, { "dob", "dateOfBirth" },
    { "birthday", "dateOfBirth" }, { "birthdate", "dateOfBirth" },
    { NULL, NULL }
};


static void pv_import_validated(void *data, const pv_verdict_t *v);
static void pv_import_send(pv_row_t *row);
static void pv_import_via_gateway(pv_row_t *row);
static void pv_import_written(pv_req_t *rq);
static void pv_import_read_back(pv_req_t *rq);
static void pv_import_repaired(pv_req_t *rq);


static void
pv_squash(const char *s, char *out, size_t size)
{
    size_t  n;

    for (n = 0; *s && n + 1 < size; s++) {
        if (*s == ' ' || *s == '-' || *s == '_' || *s == '.'
            || *s == '\t')
        {
            continue;
        }

        out[n++] = (char) tolower((unsigned char) *s);
    }

    out[n] = '\0';
}


static int
pv_import_header(pv_import_t *im)
{
    int          phone;
    char         sq[64], sm[64];
    size_t       i, j;
    const char  *field;

    im->ncols = im->csv.nfields;
    im->colfield = pv_xcalloc(im->ncols, sizeof(char *));
    phone = 0;

    for (i = 0; i < im->ncols; i++) {
        pv_squash(im->csv.fields[i], sq, sizeof(sq));
        field = NULL;

        for (j = 0; j < im->conf->nmaps; j++) {
            pv_squash(im->conf->maps[j].column, sm, sizeof(sm));

            if (strcmp(sq, sm) == 0) {
                field = im->conf->maps[j].field;
                break;
            }
        }

        for (j = 0; field == NULL && pv_columns[j].name; j++) {
            if (strcmp(sq, pv_columns[j].name) == 0) {
                field = pv_columns[j].field;
            }
        }

        if (field && strcmp(field, "-") == 0) {
            field = NULL;
        }

        if (field == NULL) {
            pv_log_debug("column \"%s\" is not imported (use --map to read "
                         "it)", im->csv.fields[i]);
            continue;
        }

        if (strcmp(field, "phone") == 0) {
            phone = 1;
        }

        pv_log_debug("column \"%s\" -> %s", im->csv.fields[i], field);
        im->colfield[i] = pv_xstrdup(field);
    }

    if (!phone) {
        pv_log_warn("%s: no phone column (Phone, Phone Number, Mobile...; "
                    "or --map COLUMN=phone): contacts are imported without "
                    "validation", im->conf->args[0]);
    }

    return 0;
}


static void
pv_add_custom_field(json_t *contact, const char *field, const char *value)
{
    json_t  *cf;

    cf = json_object_get(contact, "customFields");

    if (!json_is_array(cf)) {
        cf = json_array();
        json_object_set_new(contact, "customFields", cf);
    }

    json_array_append_new(cf,
        json_pack("{s:s, s:s}",
                  strncmp(field, "cf:", 3) == 0 ? "id" : "key",
                  strchr(field, ':') + 1, "field_value", value));
}


static json_t *
pv_split_tags(const char *s)
{
    char    *copy, *tok, *save, *t;
    json_t  *arr;

    arr = json_array();
    copy = pv_xstrdup(s);

    for (tok = strtok_r(copy, ",;", &save); tok;
         tok = strtok_r(NULL, ",;", &save))
    {
        t = pv_trim(tok);

        if (*t) {
            json_array_append_new(arr, json_string(t));
        }
    }

    free(copy);

    return arr;
}


/* one CSV record to a contact; NULL for a blank line */

static json_t *
pv_import_csv_contact(pv_import_t *im)
{
    int          any;
    char        *val;
    size_t       i;
    json_t      *c;
    const char  *field;

    c = json_object();
    any = 0;

    for (i = 0; i < im->csv.nfields; i++) {
        val = pv_trim(im->csv.fields[i]);

        if (*val != '\0') {
            any = 1;
        }

        if (i >= im->ncols || im->colfield[i] == NULL || *val == '\0') {
            continue;
        }

        field = im->colfield[i];

        if (strncmp(field, "cf:", 3) == 0 || strncmp(field, "key:", 4) == 0) {
            pv_add_custom_field(c, field, val);
            continue;
        }

        /* two columns for one member (Phone, Mobile): the first wins */
        if (json_object_get(c, field) != NULL) {
            continue;
        }

        if (strcmp(field, "tags") == 0) {
            json_object_set_new(c, field, pv_split_tags(val));

        } else {
            json_object_set_new(c, field, json_string(val));
        }
    }

    if (!any) {
        json_decref(c);
        return NULL;
    }

    return c;
}


static void
pv_row_free(pv_row_t *row)
{
    json_decref(row->contact);
    free(row->phone);
    free(row->email);
    free(row->sent_phone);
    free(row->contact_id);
    free(row);
}


static void
pv_row_fail(pv_row_t *row, const char *reason)
{
    pv_report_failure(row->im->rep, row->line, row->contact_id, row->phone,
                      row->email, reason);
}


static void
pv_row_end(pv_row_t *row)
{
    unsigned      i;
    pv_import_t  *im;

    im = row->im;

    for (i = 0; i < im->active; i++) {
        if (im->live[i] == row) {
            im->live[i] = im->live[im->active - 1];
            break;
        }
    }

    im->active--;
    im->done++;
    pv_progress_update(im->done);
    pv_row_free(row);
}


/* reads the next row; NULL at the end of the input */

static pv_row_t *
pv_import_read(pv_import_t *im)
{
    int            rc;
    char           buf[256];
    long           line;
    ssize_t        n;
    json_t        *c, *ph, *cc;
    pv_row_t      *row;
    pv_phone_t     phone;
    const char    *err, *s;
    json_error_t   jerr;

    for ( ;; ) {
        if (im->jsonl) {
            n = getline(&im->line, &im->linecap, im->in);

            if (n < 0) {
                return NULL;
            }

            line = ++im->lineno;

            if (*pv_trim(im->line) == '\0') {
                continue;
            }

            c = json_loads(im->line, JSON_REJECT_DUPLICATES, &jerr);

            if (!json_is_object(c)) {
                im->rows++;
                im->done++;
                snprintf(buf, sizeof(buf), "not a JSON object: %s",
                         c ? "another JSON value" : jerr.text);
                json_decref(c);
                pv_report_failure(im->rep, line, NULL, NULL, NULL, buf);
                continue;
            }

        } else {
            rc = pv_csv_next(&im->csv, &err);

            if (rc == 0) {
                return NULL;
            }

            line = im->csv.record_line;

            if (rc < 0) {
                im->rows++;
                pv_report_failure(im->rep, line, NULL, NULL, NULL, err);
                pv_log_error("%s:%ld: %s; the rest of the file is not read",
                             im->conf->args[0], line, err);
                return NULL;
            }

            c = pv_import_csv_contact(im);

            if (c == NULL) {
                continue;               /* a blank line */
            }
        }

        break;
    }

    im->rows++;
    im->last_line = line;

    row = pv_xcalloc(1, sizeof(pv_row_t));
    row->im = im;
    row->line = line;
    row->contact = c;

    /* the location is ours, whatever the file says */
    json_object_set_new(c, "locationId", json_string(im->conf->location));

    s = json_string_value(json_object_get(c, "email"));
    row->email = s ? pv_xstrdup(s) : NULL;

    ph = json_object_get(c, "phone");

    if (json_is_string(ph)) {
        row->phone = pv_xstrdup(json_string_value(ph));

    } else if (json_is_integer(ph)) {
        /* a phone typed as a JSON number: its digits */
        row->phone = pv_xsprintf("%" JSON_INTEGER_FORMAT,
                                 json_integer_value(ph));
        json_object_set_new(c, "phone", json_string(row->phone));
    }

    cc = json_object_get(c, "country");
    row->country[0] = '\0';

    if (json_is_string(cc)) {
        s = json_string_value(cc);
        pv_country_parse((const pv_u_char *) s, strlen(s), row->country);
    }

    if (row->phone
        && pv_phone_normalize((const pv_u_char *) row->phone,
                              strlen(row->phone), &phone) == PV_PHONE_OK)
    {
        memcpy(row->key_phone, phone.digits, sizeof(row->key_phone));
    }

    return row;
}


/*
 * Two rows for one person (same email or phone) in flight at once would
 * race: which one HighLevel sees first, and so which one is the duplicate,
 * would depend on timing.  A row waits for its twin, so the file's order
 * decides.
 */

static int
pv_import_conflict(pv_import_t *im, pv_row_t *row)
{
    unsigned   i;
    pv_row_t  *r;

    for (i = 0; i < im->active; i++) {
        r = im->live[i];

        if (row->email && r->email && pv_strcaseeq(row->email, r->email)) {
            return 1;
        }

        if (row->key_phone[0] && strcmp(row->key_phone, r->key_phone) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
pv_import_pump(void *data)
{
    unsigned      window;
    pv_row_t     *row;
    pv_import_t  *im = data;

    window = 4 * im->conf->concurrency;

    while (!pv_interrupted) {
        if (im->held == NULL) {
            if (im->eof || im->active >= window) {
                break;
            }

            im->held = pv_import_read(im);

            if (im->held == NULL) {
                im->eof = 1;
                break;
            }
        }

        if (im->active >= window || pv_import_conflict(im, im->held)) {
            break;
        }

        row = im->held;
        im->held = NULL;
        im->live[im->active++] = row;

        if (im->conf->via_gateway) {
            pv_import_via_gateway(row);
            continue;
        }

        pv_bp_validate(im->bp, row->phone,
                       row->phone ? strlen(row->phone) : 0, row->country,
                       pv_import_validated, row);
    }

    return (!im->eof || im->held != NULL) && !pv_interrupted;
}


/* replaces the entries for our targets, keeps the file's other fields */

static void
pv_merge_results(pv_row_t *row, json_t *results)
{
    size_t       i, j;
    json_t      *cf, *e, *r;
    const char  *a, *b;

    cf = json_object_get(row->contact, "customFields");

    if (!json_is_array(cf)) {
        json_object_set(row->contact, "customFields", results);
        return;
    }

    json_array_foreach(results, i, r) {
        a = json_string_value(json_object_get(r, "id"));
        b = json_string_value(json_object_get(r, "key"));

        for (j = 0; j < json_array_size(cf); /* void */ ) {
            e = json_array_get(cf, j);

            if ((a && json_string_value(json_object_get(e, "id"))
                 && strcmp(a, json_string_value(json_object_get(e, "id")))
                    == 0)
                || (b && json_string_value(json_object_get(e, "key"))
                    && strcmp(b, json_string_value(json_object_get(e, "key")))
                       == 0))
            {
                json_array_remove(cf, j);
                continue;
            }

            j++;
        }

        json_array_append(cf, r);
    }
}


static void
pv_import_validated(void *data, const pv_verdict_t *v)
{
    json_t       *results;
    pv_row_t     *row = data;
    pv_import_t  *im;

    im = row->im;
    row->v = *v;

    if (v->source == PV_SRC_CANCELLED) {
        pv_row_fail(row, "interrupted before validation; not imported");
        pv_row_end(row);
        return;
    }

    if (v->source != PV_SRC_NONE) {
        results = pv_ghl_result_fields(im->conf, v, 0);
        pv_merge_results(row, results);
        json_decref(results);

        if (im->conf->normalize && v->e164[0]
            && (v->verdict == PV_VALID_CONFIRMED
                || v->verdict == PV_VALID_UNCONFIRMED))
        {
            json_object_set_new(row->contact, "phone", json_string(v->e164));
        }

        row->sent_phone = pv_xstrdup(json_string_value(
                                 json_object_get(row->contact, "phone")));
    }

    pv_import_send(row);
}


/* --via-gateway: the row as read; the gateway validates and writes */

static void
pv_import_via_gateway(pv_row_t *row)
{
    pv_phone_t  phone;

    if (row->phone
        && pv_phone_normalize((const pv_u_char *) row->phone,
                              strlen(row->phone), &phone)
           != PV_PHONE_EMPTY)
    {
        row->has_phone = 1;
        row->sent_phone = pv_xstrdup(row->phone);
    }

    pv_import_send(row);
}


static void
pv_import_send(pv_row_t *row)
{
    pv_req_t     *rq;
    pv_import_t  *im;

    im = row->im;

    rq = pv_ghl_req(im->conf, "POST", row->contact,
                    im->conf->upsert ? "/contacts/upsert" : "/contacts/");
    rq->idempotent = 0;
    rq->handler = pv_import_written;
    rq->data = row;

    pv_http_submit(im->http, rq);
}


/*
 * --via-gateway: the verdict the gateway wrote, from the contact the API
 * returned ({"id", "value"} entries; "field_value" as sent is taken too).
 */

static void
pv_import_gateway_verdict(pv_row_t *row, json_t *contact)
{
    int           verdict;
    size_t        i;
    json_t       *e, *val;
    const char   *id, *s;
    pv_import_t  *im;

    im = row->im;

    if (!row->has_phone) {
        im->rep->no_phone++;
        return;
    }

    if (im->gw_status_id == NULL) {
        return;                 /* not readable: "validated by the gateway" */
    }

    verdict = -1;

    json_array_foreach(json_object_get(contact, "customFields"), i, e) {
        id = json_string_value(json_object_get(e, "id"));
        val = json_object_get(e, "value");

        if (val == NULL) {
            val = json_object_get(e, "field_value");
        }

        s = json_string_value(val);

        if (id == NULL || s == NULL) {
            continue;
        }

        if (strcmp(id, im->gw_status_id) == 0) {
            verdict = pv_verdict_from_name(s, strlen(s));

        } else if (im->gw_e164_id && strcmp(id, im->gw_e164_id) == 0
                   && s[0] == '+')
        {
            /* the read-back check compares with it, as with our own */
            snprintf(row->v.e164, sizeof(row->v.e164), "%s", s);
        }
    }

    if (verdict < 0) {
        im->gw_unread++;
        return;
    }

    row->v.verdict = (pv_verdict_e) verdict;
    im->rep->by_status[verdict]++;
}


/*
 * --via-gateway: a 503 with a "phoneval" array is the gateway's
 * phoneval_on_error reject, answered before anything was forwarded, so
 * the create is sent again after Retry-After, doubled per attempt up to
 * --backoff-cap (never sooner than Retry-After), at most --retries times.
 */

static int
pv_import_retry_unavailable(pv_row_t *row, pv_req_t *rq)
{
    double        delay, base;
    unsigned      i;
    pv_import_t  *im;

    im = row->im;

    if (rq->attempts > im->conf->retries || pv_interrupted) {
        return 0;
    }

    base = rq->retry_after > 0 ? (double) rq->retry_after : 1;
    delay = base;

    for (i = 1; i < rq->attempts && delay < im->conf->backoff_cap; i++) {
        delay *= 2;
    }

    if (delay > im->conf->backoff_cap) {
        delay = im->conf->backoff_cap;
    }

    if (delay < base) {
        delay = base;
    }

    im->rep->ghl_retries++;
    pv_log_debug("line %ld: 503 from the gateway (phone validation "
                 "unavailable), retry %u/%u in %.1f s (%s)", row->line,
                 rq->attempts, im->conf->retries, delay,
                 rq->retry_after >= 0 ? "Retry-After" : "default");

    pv_http_resubmit(im->http, rq, delay);

    return 1;
}


/* "HTTP 422: phone: INVALID (phone: contains letters ...)" */

static char *
pv_import_gateway_refusal(const char *err, json_t *details)
{
    char        *s;
    size_t       i;
    json_t      *d;
    pv_buf_t     b;
    const char  *path, *why;

    memset(&b, 0, sizeof(b));
    pv_buf_printf(&b, "rejected by the gateway: %s", err);

    json_array_foreach(details, i, d) {
        path = json_string_value(json_object_get(d, "path"));
        why = json_string_value(json_object_get(d, "reason"));

        if (why) {
            pv_buf_printf(&b, " (%.100s: %.200s)", path ? path : "phone",
                          why);
        }
    }

    pv_buf_printf(&b, "; not imported");

    s = pv_xstrdup(b.data);
    pv_buf_free(&b);

    return s;
}


static void
pv_import_written(pv_req_t *rq)
{
    char          *err, *reason;
    json_t        *root, *contact, *meta, *gw, *details;
    pv_row_t      *row = rq->data;
    pv_req_t      *get;
    pv_import_t   *im;
    const char    *id, *mid, *mf;

    im = row->im;

    if (rq->status == 200 || rq->status == 201) {
        root = pv_ghl_json(rq);
        contact = json_object_get(root, "contact");
        id = json_string_value(json_object_get(contact, "id"));
        row->contact_id = id ? pv_xstrdup(id) : NULL;
        row->is_new = !im->conf->upsert
                      || json_is_true(json_object_get(root, "new"));

        if (im->conf->via_gateway) {
            pv_import_gateway_verdict(row, contact);
        }

        json_decref(root);
        pv_req_free(rq);

        if (im->conf->upsert && row->sent_phone && row->contact_id) {
            /* the upsert may have matched someone else: look */
            id = row->contact_id;
            err = pv_url_escape(id);
            get = pv_ghl_req(im->conf, "GET", NULL, "/contacts/%s", err);
            free(err);
            get->handler = pv_import_read_back;
            get->data = row;
            pv_http_submit(im->http, get);
            return;
        }

        if (row->is_new) {
            im->created++;

        } else {
            im->updated++;
        }

        im->rep->written++;
        pv_row_end(row);
        return;
    }

    /* the gateway's own refusals carry a "phoneval" array */

    details = NULL;
    gw = NULL;

    if (im->conf->via_gateway && rq->error == CURLE_OK
        && (rq->status == 422 || rq->status == 503))
    {
        gw = pv_ghl_json(rq);
        details = json_object_get(gw, "phoneval");

        if (!json_is_array(details)) {
            details = NULL;
        }
    }

    if (details && rq->status == 503 && pv_import_retry_unavailable(row, rq))
    {
        json_decref(gw);
        return;
    }

    err = pv_ghl_error_text(rq);
    root = NULL;

    if (rq->cancelled) {
        reason = pv_xsprintf("interrupted; not imported");

    } else if (details && rq->status == 503) {
        reason = pv_xsprintf("phone validation unavailable at the gateway "
                             "(%s) after %u attempts; not imported, safe to "
                             "import again (refused before forwarding)",
                             err, rq->attempts);

    } else if (details) {
        reason = pv_import_gateway_refusal(err, details);

    } else if (rq->status == 400
               && (root = pv_ghl_json(rq)) != NULL
               && (meta = json_object_get(root, "meta")) != NULL
               && (mid = json_string_value(json_object_get(meta,
                                                           "contactId")))
                  != NULL)
    {
        mf = json_string_value(json_object_get(meta, "matchingField"));
        row->contact_id = pv_xstrdup(mid);
        reason = pv_xsprintf("duplicate of contact %s%s%s (not created; "
                             "use --upsert to update it)", mid,
                             mf ? " matching " : "", mf ? mf : "");
        im->duplicates++;

    } else if (rq->error != CURLE_OK && rq->sent) {
        reason = pv_xsprintf("unknown outcome: %s after the request was "
                             "sent; not retried, check the contact before "
                             "importing this row again", err);
        im->unknown++;

    } else if (rq->status >= 500) {
        reason = pv_xsprintf("unknown outcome: %s; not retried, check the "
                             "contact before importing this row again", err);
        im->unknown++;

    } else if (rq->status == 429) {
        reason = pv_xsprintf("rate limited (%s) after %u attempts; not "
                             "imported", err, rq->attempts);

    } else {
        reason = pv_xsprintf("%s", err);
    }

    pv_row_fail(row, reason);
    json_decref(root);          /* a 400 without "meta" parsed it too */
    json_decref(gw);
    free(reason);
    free(err);
    pv_req_free(rq);
    pv_row_end(row);
}


/*
 * Whether the stored phone is the one sent: the stored one may be E.164
 * or the text as given, the sent one national; digits are compared from
 * the right, after trunk zeros, with the provider's E.164 when known.
 */

static int
pv_phone_attached(const char *stored, const pv_verdict_t *v,
    const char *sent)
{
    char         want[PV_E164_MAX + 1];
    size_t       la, lb;
    pv_phone_t   a, b;
    const char  *da, *db;

    if (stored == NULL || *stored == '\0') {
        return 0;
    }

    if (pv_phone_normalize((const pv_u_char *) stored, strlen(stored), &a)
        != PV_PHONE_OK)
    {
        return strcmp(stored, sent ? sent : "") == 0;
    }

    if (v->e164[0]) {
        pv_digits_of(v->e164, want, sizeof(want));

        if (a.plus) {
            return strcmp(a.digits, want) == 0;
        }

        db = want;

    } else {
        if (pv_phone_normalize((const pv_u_char *) sent, strlen(sent), &b)
            != PV_PHONE_OK)
        {
            return strcmp(stored, sent) == 0;
        }

        if (a.plus && b.plus) {
            return strcmp(a.digits, b.digits) == 0;
        }

        memcpy(want, b.digits, sizeof(b.digits) < sizeof(want)
                               ? sizeof(b.digits) : sizeof(want));
        want[sizeof(want) - 1] = '\0';
        db = want;
    }

    da = a.digits;

    while (*da == '0') {
        da++;
    }

    while (*db == '0') {
        db++;
    }

    la = strlen(da);
    lb = strlen(db);

    if (la < 6 || lb < 6) {
        return la == lb && strcmp(da, db) == 0;
    }

    return la >= lb ? strcmp(da + la - lb, db) == 0
                    : strcmp(db + lb - la, da) == 0;
}


static void
pv_import_read_back(pv_req_t *rq)
{
    char          *err, *reason, *id;
    json_t        *root, *body, *clear;
    pv_row_t      *row = rq->data;
    pv_req_t      *put;
    pv_import_t   *im;
    const char    *stored;

    im = row->im;

    if (rq->status != 200) {
        err = pv_ghl_error_text(rq);
        reason = pv_xsprintf("upserted contact %s, but reading it back "
                             "failed (%s): the phone is not verified",
                             row->contact_id, err);
        pv_row_fail(row, reason);
        free(reason);
        free(err);
        pv_req_free(rq);
        pv_row_end(row);
        return;
    }

    root = pv_ghl_json(rq);
    pv_req_free(rq);

    stored = json_string_value(json_object_get(json_object_get(root,
                                                               "contact"),
                                               "phone"));

    if (pv_phone_attached(stored, &row->v, row->sent_phone)) {
        json_decref(root);

        if (row->is_new) {
            im->created++;

        } else {
            im->updated++;
        }

        im->rep->written++;
        pv_row_end(row);
        return;
    }

    im->not_attached++;

    reason = pv_xsprintf("phone not attached (matched contact %s by "
                         "%s; it keeps %s)", row->contact_id,
                         row->email ? "email" : "another field",
                         stored && *stored ? "its own phone" : "no phone");
    pv_row_fail(row, reason);
    free(reason);

    if (im->conf->via_gateway) {
        /*
         * The gateway strips result fields from a body without a phone,
         * so they cannot be cleared through it: the contact's own phone
         * (null when it has none) is written back instead, and the
         * gateway replaces the results with that phone's (or clears
         * them).
         */

        body = json_pack("{s:o}", "phone",
                         stored && *stored ? json_string(stored)
                                           : json_null());

    } else {
        /* the results describe a phone that contact does not have:
         * cleared, so the next sync validates the phone it really has */

        clear = pv_ghl_result_fields(im->conf, &row->v, 1);
        body = json_pack("{s:o}", "customFields", clear);
    }

    json_decref(root);
    id = pv_url_escape(row->contact_id);
    put = pv_ghl_req(im->conf, "PUT", body, "/contacts/%s", id);
    free(id);
    json_decref(body);

    put->handler = pv_import_repaired;
    put->data = row;
    pv_http_submit(im->http, put);
}


static void
pv_import_repaired(pv_req_t *rq)
{
    char      *err;
    pv_row_t  *row = rq->data;

    if (rq->status != 200) {
        err = pv_ghl_error_text(rq);
        pv_log_warn("line %ld: could not %s the results written to "
                    "contact %s: %s", row->line,
                    row->im->conf->via_gateway ? "replace" : "clear",
                    row->contact_id, err);
        free(err);
    }

    pv_req_free(rq);
    pv_row_end(row);
}


/* a field key "contact.x" matches "contact.x" and "x" */

static int
pv_import_key_matches(const char *field_key, const char *want)
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


/*
 * --via-gateway: the result fields are the gateway's business; they are
 * only looked up to read the verdicts back, so one that is missing (or a
 * gateway that does not pass the field list on) is no error.  Without
 * --field every default key is tried.
 */

static int
pv_import_gateway_fields(pv_import_t *im)
{
    int                rc, need;
    char              *err, *loc;
    size_t             i, j;
    json_t            *root, *fields, *f;
    pv_req_t          *rq;
    pv_conf_t         *conf;
    const char        *fk, *id;
    pv_target_conf_t  *t;

    conf = im->conf;

    if (!conf->targets_given) {
        for (i = 0; i < PV_ITEM_N; i++) {
            t = &conf->targets[conf->ntargets++];
            t->item = (pv_item_e) i;
            t->by_key = 1;
            t->name = pv_xstrdup(pv_item_default_key((pv_item_e) i));
            t->id = NULL;
        }
    }

    need = 0;

    for (i = 0; i < conf->ntargets; i++) {
        if (conf->targets[i].id == NULL) {
            need = 1;
        }
    }

    if (need) {
        loc = pv_url_escape(conf->location);
        rq = pv_ghl_req(conf, "GET", NULL,
                        "/locations/%s/customFields?model=contact", loc);
        free(loc);

        pv_ghl_run_one(im->http, rq);

        if (rq->status != 200) {
            err = pv_ghl_error_text(rq);
            rc = PV_EXIT_OK;

            if (rq->status == 401 || rq->status == 403) {
                pv_log_error("location %s: %s", conf->location, err);
                rc = PV_EXIT_USAGE;

            } else if (rq->status == 0) {
                pv_log_error("cannot reach %s: %s", conf->api_url, err);
                rc = PV_EXIT_FAILED;

            } else {
                pv_log_warn("cannot list the custom fields of location %s "
                            "(%s): the verdicts the gateway writes are not "
                            "read back", conf->location, err);
            }

            free(err);
            pv_req_free(rq);

            if (rc != PV_EXIT_OK) {
                return rc;
            }

        } else {
            root = pv_ghl_json(rq);
            pv_req_free(rq);
            fields = json_object_get(root, "customFields");

            for (i = 0; i < conf->ntargets; i++) {
                t = &conf->targets[i];

                if (t->id) {
                    continue;
                }

                json_array_foreach(fields, j, f) {
                    fk = json_string_value(json_object_get(f, "fieldKey"));
                    id = json_string_value(json_object_get(f, "id"));

                    if (fk && id && pv_import_key_matches(fk, t->name)) {
                        t->id = pv_xstrdup(id);
                        break;
                    }
                }

                if (t->id) {
                    pv_log_debug("field %s: key %s is id %s",
                                 pv_item_name(t->item), t->name, t->id);

                } else if (conf->targets_given) {
                    pv_log_warn("location %s has no custom field with key "
                                "%s: the gateway's %s results are not read "
                                "back", conf->location, t->name,
                                pv_item_name(t->item));

                } else {
                    pv_log_debug("field %s: no field %s",
                                 pv_item_name(t->item), t->name);
                }
            }

            json_decref(root);
        }
    }

    for (i = 0; i < conf->ntargets; i++) {
        t = &conf->targets[i];

        if (t->item == PV_ITEM_STATUS) {
            im->gw_status_id = t->id;

        } else if (t->item == PV_ITEM_E164) {
            im->gw_e164_id = t->id;
        }
    }

    if (im->gw_status_id == NULL) {
        pv_log_debug("no status field id: the verdicts are not read back");
    }

    return PV_EXIT_OK;
}


static unsigned long
pv_count_lines(FILE *f)
{
    int            ch, last;
    unsigned long  n;

    n = 0;
    last = '\n';

    while ((ch = getc(f)) != EOF) {
        if (ch == '\n') {
            n++;
        }

        last = ch;
    }

    if (last != '\n') {
        n++;
    }

    rewind(f);

    return n;
}


int
pv_cmd_import(pv_conf_t *conf)
{
    int             rc;
    char           *label;
    size_t          i;
    pv_http_t      *http;
    const char     *err;
    pv_report_t     rep;
    pv_import_t     im;
    struct stat     sb;
    unsigned long   total;

    /* through a gateway the gateway holds the Byteplant key */

    rc = pv_conf_credentials(conf, 1, !conf->via_gateway);
    if (rc != PV_EXIT_OK) {
        return rc;
    }

    memset(&im, 0, sizeof(im));
    im.conf = conf;
    im.jsonl = strcmp(conf->format, "jsonl") == 0;

    im.in = strcmp(conf->args[0], "-") == 0 ? stdin
                                              : fopen(conf->args[0], "r");

    if (im.in == NULL) {
        pv_log_error("%s: %s", conf->args[0], strerror(errno));
        return PV_EXIT_USAGE;
    }

    pv_report_init(&rep, "import");
    im.rep = &rep;

    if (conf->report_file
        && pv_report_open_failures(&rep, conf->report_file) != PV_EXIT_OK)
    {
        rc = PV_EXIT_USAGE;
        goto close;
    }

    total = 0;

    if (im.in != stdin && fstat(fileno(im.in), &sb) == 0
        && S_ISREG(sb.st_mode))
    {
        total = pv_count_lines(im.in);
    }

    if (!im.jsonl) {
        pv_csv_init(&im.csv, im.in);
        rc = pv_csv_next(&im.csv, &err);

        if (rc <= 0) {
            pv_log_error("%s: %s", conf->args[0],
                         rc == 0 ? "empty file, no header row" : err);
            rc = PV_EXIT_USAGE;
            goto close;
        }

        pv_import_header(&im);
        total = total ? total - 1 : 0;
    }

    http = pv_http_create(conf, &rep);
    if (http == NULL) {
        rc = PV_EXIT_FAILED;
        goto close;
    }

    im.http = http;

    rc = conf->via_gateway ? pv_import_gateway_fields(&im)
                           : pv_ghl_resolve_fields(conf, http, 1);

    if (rc != PV_EXIT_OK) {
        pv_http_destroy(http);
        goto close;
    }

    if (!conf->via_gateway) {
        im.bp = pv_bp_create(conf, http, &rep);
    }

    im.live = pv_xcalloc(4 * conf->concurrency, sizeof(pv_row_t *));

    pv_progress_set_total(total);
    pv_http_run(http, pv_import_pump, &im);

    if (im.held) {
        pv_row_fail(im.held, "interrupted before validation; not imported");
        pv_row_free(im.held);
        im.held = NULL;
    }

    rep.items = im.rows;

    pv_report_extra_int(&rep, "rows", (long long) im.rows);
    pv_report_extra_int(&rep, "created", (long long) im.created);
    pv_report_extra_int(&rep, "updated", (long long) im.updated);
    pv_report_extra_int(&rep, "duplicates", (long long) im.duplicates);
    pv_report_extra_int(&rep, "not_attached", (long long) im.not_attached);
    pv_report_extra_int(&rep, "unknown_outcome", (long long) im.unknown);

    if (conf->report_file) {
        json_object_set_new(rep.extra, "report_file",
                            json_string(conf->report_file));
    }

    label = NULL;

    if (conf->via_gateway) {
        json_object_set_new(rep.extra, "via_gateway", json_true());

        if (im.gw_status_id == NULL) {
            rep.verdicts_text = "validated by the gateway";
            json_object_set_new(rep.extra, "by_status", json_null());

        } else {
            label = im.gw_unread
                    ? pv_xsprintf("verdicts written by the gateway (%lu not "
                                  "in the answers)", im.gw_unread)
                    : pv_xstrdup("verdicts written by the gateway");
            rep.verdicts_label = label;
            pv_report_extra_int(&rep, "verdicts_not_read",
                                (long long) im.gw_unread);
        }
    }

    if (!im.eof) {
        rep.interrupted = 1;
        pv_report_extra_int(&rep, "last_line", im.last_line);
        pv_log_info("interrupted: nothing after line %ld of %s was read",
                    im.last_line, conf->args[0]);
    }

    pv_report_finish(&rep, conf->json);
    rc = pv_report_exit_code(&rep);
    free(label);

    pv_bp_destroy(im.bp);
    pv_http_destroy(http);

close:

    if (!im.jsonl) {
        pv_csv_free(&im.csv);
    }

    for (i = 0; i < im.ncols; i++) {
        free(im.colfield[i]);
    }

    free(im.colfield);
    free(im.live);
    free(im.line);

    if (im.in != stdin) {
        fclose(im.in);
    }

    pv_report_free(&rep);

    return rc;
}
