
/*
 * Copyright (C) phoneval authors
 *
 * phoneval sync --location ID: the nightly pass.  Pages through all
 * contacts (GET /contacts/, cursor startAfterId / startAfter), picks those
 * with no status, a PENDING status, a last_validated older than
 * --stale-after, or an e164 result that is no longer their phone, and
 * writes fresh results with PUT /contacts/:id {"customFields": [...]}.
 *
 * At most two pages are held at a time (the one finishing and the next),
 * so memory stays flat however many contacts there are.  The state file
 * records the cursor of the last complete page and the contacts written
 * since, so an interrupted run resumes without writing anyone twice.
 */


#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phoneval_cli.h"


typedef enum {
    PV_SEL_SKIP = 0,           /* fresh, or nothing to do */
    PV_SEL_NO_STATUS,
    PV_SEL_PENDING,
    PV_SEL_STALE,
    PV_SEL_CHANGED,
    PV_SEL_CLEAR,              /* results but no phone: clear them */
    PV_SEL_N
} pv_sel_e;


typedef enum {
    PV_IT_WAITING = 0,
    PV_IT_RUNNING,
    PV_IT_FINISHED
} pv_it_state_e;


static const char  *pv_sel_names[PV_SEL_N] = {
    "fresh", "no status", "PENDING", "stale", "phone changed", "no phone"
};


typedef struct pv_sync_s  pv_sync_t;
typedef struct pv_page_s  pv_page_t;


typedef struct {
    pv_page_t               *page;
    char                    *id;
    char                    *phone;
    char                     country[3];
    pv_sel_e                 sel;
    pv_it_state_e            state;
} pv_item_t;


struct pv_page_s {
    pv_sync_t               *sy;
    unsigned long            seq;
    pv_item_t               *items;
    size_t                   n;
    size_t                   next;        /* first item not started */
    size_t                   finished;
    char                    *cursor_id;   /* where the next page starts */
    long long                cursor_ms;
    int                      last;
    pv_page_t               *next_page;
};


struct pv_sync_s {
    pv_conf_t               *conf;
    pv_report_t             *rep;
    pv_http_t               *http;
    pv_bp_t                 *bp;
    pv_state_t               st;
    int                      use_state;

    pv_page_t               *head;
    pv_page_t               *tail;
    unsigned                 open_pages;
    unsigned long            pages;
    int                      fetching;
    int                      no_more;
    int                      fatal;
    int                      fatal_rc;
    char                    *cursor_id;
    long long                cursor_ms;

    unsigned                 active;
    unsigned long            seen;
    time_t                   now;

    const char              *status_id;
    const char              *lastval_id;
    const char              *e164_id;

    unsigned long            selected[PV_SEL_N];
    unsigned long            fresh;
    unsigned long            no_phone;
    unsigned long            resumed_done;
    unsigned long            pending_kept;
    unsigned long            cleared;
};


static void pv_sync_page_answer(pv_req_t *rq);
static void pv_sync_validated(void *data, const pv_verdict_t *v);
static void pv_sync_put_done(pv_req_t *rq);


static const char *
pv_sync_target_id(pv_conf_t *conf, pv_item_e item)
{
    size_t  i;

    for (i = 0; i < conf->ntargets; i++) {
        if (conf->targets[i].item == item) {
            return conf->targets[i].id;
        }
    }

    return NULL;
}


static void
pv_sync_fetch(pv_sync_t *sy)
{
    char      *loc, *after;
    pv_req_t  *rq;

    loc = pv_url_escape(sy->conf->location);

    if (sy->cursor_id) {
        after = pv_url_escape(sy->cursor_id);
        rq = pv_ghl_req(sy->conf, "GET", NULL,
                        "/contacts/?locationId=%s&limit=%u&startAfterId=%s"
                        "&startAfter=%lld", loc, sy->conf->page_limit, after,
                        sy->cursor_ms);
        free(after);

    } else {
        rq = pv_ghl_req(sy->conf, "GET", NULL,
                        "/contacts/?locationId=%s&limit=%u", loc,
                        sy->conf->page_limit);
    }

    free(loc);

    rq->handler = pv_sync_page_answer;
    rq->data = sy;
    sy->fetching = 1;

    pv_http_submit(sy->http, rq);
}


/* the value of custom field id in a listed contact ({id, value}) */

static const char *
pv_cf_value(json_t *contact, const char *id, char *buf, size_t size)
{
    size_t       i;
    json_t      *cf, *e, *v;
    const char  *eid;

    if (id == NULL) {
        return NULL;
    }

    cf = json_object_get(contact, "customFields");

    json_array_foreach(cf, i, e) {
        eid = json_string_value(json_object_get(e, "id"));

        if (eid == NULL || strcmp(eid, id) != 0) {
            continue;
        }

        v = json_object_get(e, "value");

        if (json_is_string(v)) {
            return json_string_value(v);
        }

        if (json_is_integer(v)) {
            snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
            return buf;
        }

        return NULL;
    }

    return NULL;
}


/* the e164 result is still the contact's phone */

static int
pv_same_phone(const char *e164, const pv_phone_t *ph)
{
    char         want[PV_E164_MAX + 1];
    size_t       lw, lp;
    const char  *d;

    pv_digits_of(e164, want, sizeof(want));

    if (ph->plus) {
        return strcmp(want, ph->digits) == 0;
    }

    /* a national number: the E.164 digits end with it, past trunk 0s */

    lw = strlen(want);
    lp = ph->ndigits;

    for (d = ph->digits; *d == '0'; d++) {
        lp--;
    }

    return lp >= 6 && lw >= lp && strcmp(want + lw - lp, d) == 0;
}


static pv_sel_e
pv_sync_select(pv_sync_t *sy, json_t *contact, pv_item_t *it)
{
    char          b1[32], b2[32], b3[32];
    long long     t;
    pv_phone_t    ph;
    const char   *status, *lastval, *e164;

    status = pv_cf_value(contact, sy->status_id, b1, sizeof(b1));
    lastval = pv_cf_value(contact, sy->lastval_id, b2, sizeof(b2));
    e164 = pv_cf_value(contact, sy->e164_id, b3, sizeof(b3));

    if (it->phone == NULL
        || pv_phone_normalize((const pv_u_char *) it->phone,
                              strlen(it->phone), &ph) == PV_PHONE_EMPTY)
    {
        /* no verdict outlives its number */
        return status && *status ? PV_SEL_CLEAR : PV_SEL_SKIP;
    }

    if (status == NULL || *status == '\0'
        || pv_verdict_from_name(status, strlen(status)) < 0)
    {
        return PV_SEL_NO_STATUS;
    }

    if (strcmp(status, "PENDING") == 0) {
        return PV_SEL_PENDING;
    }

    if (e164 && *e164 && ph.rc == PV_PHONE_OK && !pv_same_phone(e164, &ph)) {
        return PV_SEL_CHANGED;
    }

    if (sy->lastval_id) {
        t = pv_parse_iso8601(lastval);

        if (t < 0 || (long long) sy->now - t > sy->conf->stale_after) {
            return PV_SEL_STALE;
        }
    }

    return PV_SEL_SKIP;
}


static void
pv_sync_page_answer(pv_req_t *rq)
{
    char         *err;
    size_t        i, n;
    json_t       *root, *contacts, *meta, *c, *v;
    pv_sync_t    *sy = rq->data;
    pv_page_t    *page;
    pv_item_t    *it;
    const char   *s, *sid;
    long long     ms;

    sy->fetching = 0;

    if (rq->status != 200) {
        err = pv_ghl_error_text(rq);

        if (!rq->cancelled) {
            pv_log_error("cannot list the contacts of location %s: %s",
                         sy->conf->location, err);
            sy->fatal = 1;
            sy->fatal_rc = (rq->status == 401 || rq->status == 403)
                           ? PV_EXIT_USAGE : PV_EXIT_FAILED;
        }

        free(err);
        pv_req_free(rq);
        return;
    }

    root = pv_ghl_json(rq);
    pv_req_free(rq);

    contacts = json_object_get(root, "contacts");

    if (!json_is_array(contacts)) {
        pv_log_error("the contact list of location %s is not understood",
                     sy->conf->location);
        json_decref(root);
        sy->fatal = 1;
        sy->fatal_rc = PV_EXIT_FAILED;
        return;
    }

    meta = json_object_get(root, "meta");

    if (sy->pages == 0) {
        v = json_object_get(meta, "total");

        if (json_is_integer(v)) {
            pv_progress_set_total((unsigned long) json_integer_value(v));
        }
    }

    n = json_array_size(contacts);

    page = pv_xcalloc(1, sizeof(pv_page_t));
    page->sy = sy;
    page->seq = ++sy->pages;
    page->items = pv_xcalloc(n ? n : 1, sizeof(pv_item_t));

    json_array_foreach(contacts, i, c) {
        s = json_string_value(json_object_get(c, "id"));

        if (s == NULL) {
            continue;
        }

        it = &page->items[page->n++];
        it->page = page;
        it->id = pv_xstrdup(s);

        s = json_string_value(json_object_get(c, "phone"));
        it->phone = s ? pv_xstrdup(s) : NULL;

        s = json_string_value(json_object_get(c, "country"));
        it->country[0] = '\0';

        if (s) {
            pv_country_parse((const pv_u_char *) s, strlen(s), it->country);
        }

        sy->seen++;

        if (sy->use_state && pv_state_is_done(&sy->st, it->id)) {
            it->sel = PV_SEL_SKIP;
            it->state = PV_IT_FINISHED;
            sy->resumed_done++;
            page->finished++;
            continue;
        }

        it->sel = pv_sync_select(sy, c, it);
        sy->selected[it->sel]++;

        if (it->sel == PV_SEL_SKIP) {
            if (it->phone == NULL || *pv_trim(it->phone) == '\0') {
                sy->no_phone++;

            } else {
                sy->fresh++;
            }

            it->state = PV_IT_FINISHED;
            page->finished++;

        } else if (sy->conf->dry_run) {
            /* the plan, one line a contact; --json keeps the counts only */
            if (!sy->conf->json) {
                printf("%s\t%s\t%s\n",
                       it->sel == PV_SEL_CLEAR ? "clear" : "validate",
                       it->id, pv_sel_names[it->sel]);
            }

            pv_log_debug("would %s contact %s (%s): %s",
                         it->sel == PV_SEL_CLEAR ? "clear the results of"
                                                 : "validate",
                         it->id, it->phone ? it->phone : "no phone",
                         pv_sel_names[it->sel]);
            it->state = PV_IT_FINISHED;
            page->finished++;

        } else {
            pv_log_debug("contact %s (%s): %s", it->id,
                         it->phone ? it->phone : "no phone",
                         pv_sel_names[it->sel]);
        }
    }

    /* where the next page starts: meta, else the last contact */

    sid = json_string_value(json_object_get(meta, "startAfterId"));
    v = json_object_get(meta, "startAfter");
    ms = json_is_number(v) ? (long long) json_number_value(v) : -1;

    if (sid == NULL && n > 0) {
        c = json_array_get(contacts, n - 1);
        sid = json_string_value(json_object_get(c, "id"));
        ms = pv_parse_iso8601(json_string_value(json_object_get(c,
                                                            "dateAdded")));
        ms = ms >= 0 ? ms * 1000 : -1;

        if (json_object_get(meta, "startAfterId") != NULL) {
            sid = NULL;         /* meta says explicitly: no next page */
        }
    }

    if (sid == NULL || n < sy->conf->page_limit) {
        page->last = 1;
        sy->no_more = 1;

    } else {
        page->cursor_id = pv_xstrdup(sid);
        page->cursor_ms = ms;
        free(sy->cursor_id);
        sy->cursor_id = pv_xstrdup(sid);
        sy->cursor_ms = ms;
    }

    json_decref(root);

    if (sy->tail) {
        sy->tail->next_page = page;

    } else {
        sy->head = page;
    }

    sy->tail = page;
    sy->open_pages++;

    pv_log_debug("page %lu: %zu contacts%s", page->seq, page->n,
                 page->last ? " (the last)" : "");
}


static void
pv_item_finish(pv_sync_t *sy, pv_item_t *it, int done)
{
    it->state = PV_IT_FINISHED;
    it->page->finished++;
    sy->active--;

    if (done && sy->use_state) {
        pv_state_mark_done(&sy->st, it->id);
    }
}


static void
pv_sync_put(pv_sync_t *sy, pv_item_t *it, const pv_verdict_t *v, int clear)
{
    char      *id;
    json_t    *body;
    pv_req_t  *rq;

    body = json_pack("{s:o}", "customFields",
                     pv_ghl_result_fields(sy->conf, v, clear));
    id = pv_url_escape(it->id);
    rq = pv_ghl_req(sy->conf, "PUT", body, "/contacts/%s", id);
    free(id);
    json_decref(body);

    rq->handler = pv_sync_put_done;
    rq->data = it;

    pv_http_submit(sy->http, rq);
}


static void
pv_sync_start(pv_sync_t *sy, pv_item_t *it)
{
    pv_verdict_t  none;

    it->state = PV_IT_RUNNING;
    sy->active++;

    if (it->sel == PV_SEL_CLEAR) {
        memset(&none, 0, sizeof(none));
        none.source = PV_SRC_NONE;
        pv_sync_put(sy, it, &none, 1);
        return;
    }

    pv_bp_validate(sy->bp, it->phone, strlen(it->phone), it->country,
                   pv_sync_validated, it);
}


static void
pv_sync_validated(void *data, const pv_verdict_t *v)
{
    pv_item_t  *it = data;
    pv_sync_t  *sy;

    sy = it->page->sy;

    if (v->source == PV_SRC_CANCELLED) {
        /* not done: the page stays open and the next run resumes it */
        it->state = PV_IT_FINISHED;
        sy->active--;
        return;
    }

    if (v->verdict == PV_PENDING && v->source != PV_SRC_NONE
        && (it->sel == PV_SEL_STALE || it->sel == PV_SEL_PENDING))
    {
        /*
         * No verdict now: an old verdict of the same phone is better than
         * PENDING, and a PENDING one is PENDING already; nothing is
         * written, the next run asks again.  (A changed phone does get
         * PENDING: its old verdict was about another number.)
         */
        sy->pending_kept++;
        pv_log_debug("contact %s: no verdict (%s), results kept", it->id,
                     v->note);
        pv_item_finish(sy, it, 1);
        return;
    }

    pv_sync_put(sy, it, v, v->source == PV_SRC_NONE);
}


static void
pv_sync_put_done(pv_req_t *rq)
{
    char       *err, *reason;
    pv_item_t  *it = rq->data;
    pv_sync_t  *sy;

    sy = it->page->sy;

    if (rq->status == 200 || rq->status == 201) {
        sy->rep->written++;

        if (it->sel == PV_SEL_CLEAR) {
            sy->cleared++;
        }

        pv_req_free(rq);
        pv_item_finish(sy, it, 1);
        return;
    }

    if (rq->cancelled) {
        it->state = PV_IT_FINISHED;
        sy->active--;
        pv_req_free(rq);
        return;
    }

    err = pv_ghl_error_text(rq);
    reason = pv_xsprintf("PUT failed: %s", err);
    pv_report_failure(sy->rep, 0, it->id, it->phone, NULL, reason);
    free(reason);
    free(err);
    pv_req_free(rq);

    /* failed, not done: a later pass selects the contact again */
    pv_item_finish(sy, it, 0);
}


static void
pv_page_free(pv_page_t *page)
{
    size_t  i;

    for (i = 0; i < page->n; i++) {
        free(page->items[i].id);
        free(page->items[i].phone);
    }

    free(page->items);
    free(page->cursor_id);
    free(page);
}


/* complete pages, oldest first, move the state's cursor past them */

static void
pv_sync_checkpoint(pv_sync_t *sy)
{
    char       **ids;
    size_t       i;
    pv_page_t   *page;

    while ((page = sy->head) != NULL && page->finished == page->n
           && page->next == page->n)
    {
        if (sy->use_state && !page->last) {
            ids = pv_xcalloc(page->n, sizeof(char *));

            for (i = 0; i < page->n; i++) {
                ids[i] = page->items[i].id;
            }

            pv_state_checkpoint(&sy->st, page->cursor_id, page->cursor_ms,
                                ids, page->n);
            free(ids);
        }

        sy->head = page->next_page;

        if (sy->head == NULL) {
            sy->tail = NULL;
        }

        sy->open_pages--;
        pv_page_free(page);
    }
}


static unsigned long
pv_sync_unsettled(pv_sync_t *sy)
{
    unsigned long   n;
    pv_page_t      *page;

    n = 0;

    for (page = sy->head; page; page = page->next_page) {
        n += page->n - page->finished;
    }

    return n;
}


static int
pv_sync_pump(void *data)
{
    pv_sync_t  *sy = data;
    pv_page_t  *page;
    pv_item_t  *it;
    unsigned    window;

    window = 4 * sy->conf->concurrency;

    /* dry-run items finish when listed: start items only for real */

    for (page = sy->head; page && !pv_interrupted; page = page->next_page) {
        while (page->next < page->n && sy->active < window) {
            it = &page->items[page->next++];

            if (it->state == PV_IT_WAITING) {
                pv_sync_start(sy, it);
            }
        }

        if (page->next < page->n) {
            break;
        }
    }

    pv_sync_checkpoint(sy);

    pv_progress_update(sy->seen - pv_sync_unsettled(sy));

    if (sy->fatal || pv_interrupted) {
        return 0;
    }

    /* the next page while this one finishes; never more than two held */

    if (!sy->no_more && !sy->fetching && sy->open_pages < 2) {
        pv_sync_fetch(sy);
    }

    return !(sy->no_more && sy->head == NULL && !sy->fetching);
}


int
pv_cmd_sync(pv_conf_t *conf)
{
    int          rc;
    size_t       i;
    json_t      *sel;
    pv_sync_t    sy;
    pv_page_t   *page;
    pv_http_t   *http;
    pv_report_t  rep;

    rc = pv_conf_credentials(conf, 1, !conf->dry_run);
    if (rc != PV_EXIT_OK) {
        return rc;
    }

    memset(&sy, 0, sizeof(sy));
    sy.conf = conf;
    sy.now = time(NULL);

    pv_report_init(&rep, "sync");
    sy.rep = &rep;

    if (conf->report_file
        && pv_report_open_failures(&rep, conf->report_file) != PV_EXIT_OK)
    {
        pv_report_free(&rep);
        return PV_EXIT_USAGE;
    }

    http = pv_http_create(conf, &rep);
    if (http == NULL) {
        pv_report_free(&rep);
        return PV_EXIT_FAILED;
    }

    sy.http = http;

    rc = pv_ghl_resolve_fields(conf, http, 1);
    if (rc != PV_EXIT_OK) {
        goto done;
    }

    sy.status_id = pv_sync_target_id(conf, PV_ITEM_STATUS);
    sy.lastval_id = pv_sync_target_id(conf, PV_ITEM_LAST_VALIDATED);
    sy.e164_id = pv_sync_target_id(conf, PV_ITEM_E164);

    if (sy.status_id == NULL) {
        pv_log_error("sync needs the status field (--field status=ID)");
        rc = PV_EXIT_USAGE;
        goto done;
    }

    if (sy.lastval_id == NULL) {
        pv_log_warn("no last_validated field: verdicts never go stale "
                    "(--stale-after is ignored)");
    }

    /* a dry run writes nothing, its state file included */

    if (conf->state_file && !conf->dry_run) {
        rc = pv_state_open(&sy.st, conf->state_file, conf->location);

        if (rc != PV_EXIT_OK) {
            goto done;
        }

        sy.use_state = 1;

        if (sy.st.resumed) {
            pv_log_info("resuming from %s (%s, %zu contact%s done after it)",
                        conf->state_file,
                        sy.st.cursor_id ? "after a saved cursor"
                                        : "from the first page",
                        sy.st.ndone, sy.st.ndone == 1 ? "" : "s");
            sy.cursor_id = sy.st.cursor_id ? pv_xstrdup(sy.st.cursor_id)
                                           : NULL;
            sy.cursor_ms = sy.st.cursor_ms;
        }
    }

    if (!conf->dry_run) {
        sy.bp = pv_bp_create(conf, http, &rep);
    }

    pv_http_run(http, pv_sync_pump, &sy);

    /* what finished while draining still moves the cursor */
    pv_sync_checkpoint(&sy);

    if (sy.fatal) {
        rep.failed++;
    }

    if (pv_interrupted) {
        rep.interrupted = 1;
    }

    if (sy.use_state && !sy.fatal && !rep.interrupted && sy.no_more
        && sy.head == NULL)
    {
        pv_state_finish(&sy.st);
    }

    rep.items = sy.seen;
    rep.skipped = sy.fresh + sy.no_phone + sy.resumed_done;

    sel = json_object();

    for (i = PV_SEL_NO_STATUS; i < PV_SEL_N; i++) {
        json_object_set_new(sel, pv_sel_names[i],
                            json_integer((json_int_t) sy.selected[i]));
    }

    json_object_set_new(rep.extra, "selected", sel);
    json_object_set_new(rep.extra, "dry_run", json_boolean(conf->dry_run));
    pv_report_extra_int(&rep, "contacts", (long long) sy.seen);
    pv_report_extra_int(&rep, "pages", (long long) sy.pages);
    pv_report_extra_int(&rep, "fresh", (long long) sy.fresh);
    pv_report_extra_int(&rep, "no_phone", (long long) sy.no_phone);
    pv_report_extra_int(&rep, "cleared", (long long) sy.cleared);
    pv_report_extra_int(&rep, "pending_kept", (long long) sy.pending_kept);
    pv_report_extra_int(&rep, "resumed_done", (long long) sy.resumed_done);
    json_object_set_new(rep.extra, "resumed",
                        json_boolean(sy.use_state && sy.st.resumed));

    if (conf->dry_run) {
        pv_report_extra_int(&rep, "would_validate",
                            (long long) (sy.selected[PV_SEL_NO_STATUS]
                                         + sy.selected[PV_SEL_PENDING]
                                         + sy.selected[PV_SEL_STALE]
                                         + sy.selected[PV_SEL_CHANGED]));
        pv_report_extra_int(&rep, "would_clear",
                            (long long) sy.selected[PV_SEL_CLEAR]);
    }

    if (rep.interrupted && sy.use_state) {
        pv_log_info("interrupted: run again with --state %s to resume",
                    conf->state_file);
    }

    pv_report_finish(&rep, conf->json);
    rc = sy.fatal ? sy.fatal_rc : pv_report_exit_code(&rep);

done:

    while (sy.head) {
        page = sy.head->next_page;
        pv_page_free(sy.head);
        sy.head = page;
    }

    if (sy.use_state) {
        pv_state_close(&sy.st);
    }

    free(sy.cursor_id);
    pv_bp_destroy(sy.bp);
    pv_http_destroy(http);
    pv_report_free(&rep);

    return rc;
}
