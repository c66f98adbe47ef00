
/*
 * Copyright (C) phoneval authors
 *
 * Validation through Byteplant, the way the module does it: the core
 * normalizes the text (a text that can never be a phone is INVALID with
 * no call), builds the form and maps the answer to a verdict.  On top of
 * that a batch needs a verdict cache for the run, so that a number that
 * occurs twice costs one call (also while the first call is in flight),
 * and the provider's own rate limit: ratelimit_remain / ratelimit_seconds
 * pause the calls, and RATE_LIMIT_EXCEEDED waits ratelimit_seconds and
 * asks again, a bounded number of times.
 */


#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phoneval_cli.h"


#define PV_BP_BUCKETS     65536
/* the one structure that grows with the input: bounded */
#define PV_BP_CACHE_MAX   50000


typedef struct pv_bp_waiter_s  pv_bp_waiter_t;
typedef struct pv_bp_entry_s   pv_bp_entry_t;


struct pv_bp_waiter_s {
    pv_bp_done_pt            done;
    void                    *data;
    pv_phone_t               phone;
    char                     country[3];
    pv_bp_waiter_t          *next;
};


/* a cached verdict is kept compact: what the result items need */

struct pv_bp_entry_s {
    pv_u_char                key[PV_CACHE_KEY_MAX];
    unsigned char            key_len;
    unsigned char            inflight;
    unsigned char            verdict;
    unsigned char            rl_attempts;
    time_t                   validated_at;
    char                     line_type[PV_LINE_TYPE_MAX + 1];
    char                     country[3];
    char                     e164[PV_E164_MAX + 1];
    pv_bp_waiter_t          *waiters;      /* while in flight */
    pv_bp_t                 *bp;
    pv_bp_entry_t           *hnext;
    pv_bp_entry_t           *fnext;        /* eviction order */
};


struct pv_bp_s {
    pv_conf_t               *conf;
    pv_http_t               *http;
    pv_report_t             *rep;
    pv_bp_entry_t          **buckets;
    pv_bp_entry_t           *fifo_head;
    pv_bp_entry_t           *fifo_tail;
    size_t                   ncached;
    int                      key_invalid;
};


static void pv_bp_answer(pv_req_t *rq);


pv_bp_t *
pv_bp_create(pv_conf_t *conf, pv_http_t *http, pv_report_t *rep)
{
    pv_bp_t  *bp;

    bp = pv_xcalloc(1, sizeof(pv_bp_t));
    bp->conf = conf;
    bp->http = http;
    bp->rep = rep;
    bp->buckets = pv_xcalloc(PV_BP_BUCKETS, sizeof(pv_bp_entry_t *));

    return bp;
}


void
pv_bp_destroy(pv_bp_t *bp)
{
    size_t          i;
    pv_bp_entry_t  *e, *next;

    if (bp == NULL) {
        return;
    }

    for (i = 0; i < PV_BP_BUCKETS; i++) {
        for (e = bp->buckets[i]; e; e = next) {
            next = e->hnext;
            free(e);
        }
    }

    free(bp->buckets);
    free(bp);
}


static unsigned
pv_bp_hash(const pv_u_char *key, size_t len)
{
    size_t    i;
    unsigned  h;

    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h = (h ^ key[i]) * 16777619u;
    }

    return h % PV_BP_BUCKETS;
}


static pv_bp_entry_t *
pv_bp_find(pv_bp_t *bp, const pv_u_char *key, size_t len)
{
    pv_bp_entry_t  *e;

    for (e = bp->buckets[pv_bp_hash(key, len)]; e; e = e->hnext) {
        if (e->key_len == len && memcmp(e->key, key, len) == 0) {
            return e;
        }
    }

    return NULL;
}


static void
pv_bp_unlink(pv_bp_t *bp, pv_bp_entry_t *e)
{
    pv_bp_entry_t  **pp;

    for (pp = &bp->buckets[pv_bp_hash(e->key, e->key_len)]; *pp;
         pp = &(*pp)->hnext)
    {
        if (*pp == e) {
            *pp = e->hnext;
            return;
        }
    }
}


/* a finished verdict enters the eviction order; the oldest goes first */

static void
pv_bp_keep(pv_bp_t *bp, pv_bp_entry_t *e)
{
    pv_bp_entry_t  *old;

    e->fnext = NULL;

    if (bp->fifo_tail) {
        bp->fifo_tail->fnext = e;

    } else {
        bp->fifo_head = e;
    }

    bp->fifo_tail = e;
    bp->ncached++;

    if (bp->ncached > PV_BP_CACHE_MAX) {
        old = bp->fifo_head;
        bp->fifo_head = old->fnext;
        bp->ncached--;
        pv_bp_unlink(bp, old);
        free(old);
    }
}


static void
pv_bp_verdict_init(pv_verdict_t *v, const pv_phone_t *phone,
    const char *country)
{
    memset(v, 0, sizeof(pv_verdict_t));
    v->verdict = PV_PENDING;

    if (phone) {
        v->phone = *phone;
    }

    if (country) {
        snprintf(v->country_sent, sizeof(v->country_sent), "%.2s", country);
    }
}


static void
pv_bp_count(pv_bp_t *bp, const pv_verdict_t *v)
{
    if (v->source == PV_SRC_NONE) {
        bp->rep->no_phone++;

    } else if (v->source != PV_SRC_CANCELLED) {
        bp->rep->by_status[v->verdict]++;
    }
}


void
pv_bp_validate(pv_bp_t *bp, const char *text, size_t len,
    const char *country, pv_bp_done_pt done, void *data)
{
    char             cc[3];
    size_t           klen, size;
    pv_req_t        *rq;
    pv_phone_t       phone;
    pv_u_char        key[PV_CACHE_KEY_MAX];
    pv_request_t     form;
    pv_verdict_t     v;
    pv_bp_entry_t   *e;
    pv_bp_waiter_t  *w;

    if (text == NULL) {
        text = "";
        len = 0;
    }

    pv_phone_normalize((const pv_u_char *) text, len, &phone);

    if (phone.rc == PV_PHONE_EMPTY) {
        pv_bp_verdict_init(&v, &phone, "");
        v.source = PV_SRC_NONE;
        snprintf(v.note, sizeof(v.note), "no phone");
        pv_bp_count(bp, &v);
        done(data, &v);
        return;
    }

    if (phone.rc != PV_PHONE_OK) {
        /* can never be a phone number: no provider call, like the module */
        pv_bp_verdict_init(&v, &phone, "");
        v.verdict = PV_INVALID;
        v.source = PV_SRC_LOCAL;
        v.validated_at = time(NULL);
        snprintf(v.note, sizeof(v.note), "%s", pv_phone_rc_text(phone.rc));
        bp->rep->local_invalid++;
        pv_bp_count(bp, &v);
        done(data, &v);
        return;
    }

    /* a '+' number carries its country; else the contact's, else ours */

    cc[0] = '\0';

    if (!phone.plus) {
        if (country == NULL
            || !pv_country_parse((const pv_u_char *) country,
                                 strlen(country), cc))
        {
            memcpy(cc, bp->conf->country, 3);
        }
    }

    klen = pv_cache_key(&phone, cc, bp->conf->express, key);
    e = pv_bp_find(bp, key, klen);

    if (e && !e->inflight) {
        pv_bp_verdict_init(&v, &phone, cc);
        v.verdict = (pv_verdict_e) e->verdict;
        v.source = PV_SRC_CACHE;
        v.validated_at = e->validated_at;
        memcpy(v.line_type, e->line_type, sizeof(v.line_type));
        memcpy(v.country, e->country, sizeof(v.country));
        memcpy(v.e164, e->e164, sizeof(v.e164));
        snprintf(v.note, sizeof(v.note), "cached");
        bp->rep->cache_hits++;
        pv_bp_count(bp, &v);
        done(data, &v);
        return;
    }

    if (bp->key_invalid) {
        pv_bp_verdict_init(&v, &phone, cc);
        v.source = PV_SRC_PROVIDER;
        snprintf(v.note, sizeof(v.note), "API key invalid or depleted");
        pv_bp_count(bp, &v);
        done(data, &v);
        return;
    }

    w = pv_xcalloc(1, sizeof(pv_bp_waiter_t));
    w->done = done;
    w->data = data;
    w->phone = phone;
    memcpy(w->country, cc, 3);

    if (e) {
        /* the same number is being asked already: one call for both */
        w->next = e->waiters;
        e->waiters = w;
        bp->rep->cache_hits++;
        return;
    }

    e = pv_xcalloc(1, sizeof(pv_bp_entry_t));
    memcpy(e->key, key, klen);
    e->key_len = (unsigned char) klen;
    e->inflight = 1;
    e->waiters = w;
    e->hnext = bp->buckets[pv_bp_hash(key, klen)];
    bp->buckets[pv_bp_hash(key, klen)] = e;

    form.phone = &phone;
    form.country = cc;
    form.mode = bp->conf->express ? "express" : "extensive";
    form.locale = (const pv_u_char *) bp->conf->locale;
    form.locale_len = strlen(bp->conf->locale);
    form.timeout = bp->conf->timeout;
    form.api_key = (const pv_u_char *) bp->conf->byteplant_key;
    form.api_key_len = strlen(bp->conf->byteplant_key);

    rq = pv_req_new(PV_SVC_BP, "POST", pv_xstrdup(bp->conf->byteplant_url));

    size = pv_form_size(&form);
    rq->body = pv_xmalloc(size + 1);
    rq->body_len = pv_form_write(&form, (pv_u_char *) rq->body);
    rq->body[rq->body_len] = '\0';

    /* the log names the number, never the form: it holds the key */
    rq->what = pv_xsprintf("%s%s%s%s", phone.plus ? "+" : "", phone.digits,
                           cc[0] ? "/" : "", cc);
    rq->headers = curl_slist_append(NULL, "Content-Type: "
                                    "application/x-www-form-urlencoded");
    rq->headers = curl_slist_append(rq->headers, "Accept: application/json");
    rq->headers = curl_slist_append(rq->headers, "Expect:");
    rq->handler = pv_bp_answer;
    rq->data = e;
    e->bp = bp;

    pv_http_submit(bp->http, rq);
}


/* the provider's own view of its window */

static void
pv_bp_ratelimit(pv_bp_t *bp, const pv_answer_t *a)
{
    char  why[96];

    if (a->ratelimit_remain < 0) {
        return;
    }

    if (a->ratelimit_remain == 0) {
        snprintf(why, sizeof(why), "ratelimit_remain 0, window ends in "
                 "%ld s", a->ratelimit_seconds);
        /* ratelimit_seconds is rounded down: one more second is safe */
        pv_http_pause(bp->http, PV_SVC_BP,
                      (a->ratelimit_seconds > 0 ? a->ratelimit_seconds : 1)
                      + 1.0, why);
        pv_http_set_remaining(bp->http, PV_SVC_BP, -1);
        return;
    }

    pv_http_set_remaining(bp->http, PV_SVC_BP, a->ratelimit_remain);
}


static void
pv_bp_answer(pv_req_t *rq)
{
    double           delay;
    pv_bp_t         *bp;
    pv_answer_t      a;
    pv_verdict_t     v, mine;
    pv_bp_entry_t   *e;
    pv_bp_waiter_t  *w, *next;

    e = rq->data;
    bp = e->bp;

    pv_bp_verdict_init(&v, NULL, NULL);
    v.source = PV_SRC_PROVIDER;

    if (rq->cancelled) {
        v.source = PV_SRC_CANCELLED;
        snprintf(v.note, sizeof(v.note), "interrupted");

    } else if (rq->error != CURLE_OK) {
        snprintf(v.note, sizeof(v.note), "%.63s",
                 rq->errbuf[0] ? rq->errbuf : curl_easy_strerror(rq->error));
        pv_log_debug("byteplant: %s: %s, verdict PENDING", rq->what, v.note);

    } else if (rq->status != 200) {
        snprintf(v.note, sizeof(v.note), "HTTP %ld", rq->status);
        pv_log_debug("byteplant: %s: HTTP %ld, verdict PENDING", rq->what,
                     rq->status);

    } else {
        pv_answer_parse((const pv_u_char *) rq->resp.data, rq->resp.len, &a);

        if (a.status != PV_BP_RATE_LIMIT_EXCEEDED) {
            pv_bp_ratelimit(bp, &a);
        }

        pv_log_debug("byteplant: %s -> %s (ratelimit_remain %ld, "
                     "ratelimit_seconds %ld)", rq->what,
                     pv_bp_status_name(a.status), a.ratelimit_remain,
                     a.ratelimit_seconds);

        switch (a.status) {

        case PV_BP_RATE_LIMIT_EXCEEDED:
            if (e->rl_attempts < bp->conf->retries && !pv_interrupted) {
                e->rl_attempts++;
                delay = a.ratelimit_seconds >= 0
                        ? a.ratelimit_seconds + 1.0
                        : 5.0 * e->rl_attempts;
                bp->rep->bp_retries++;
                pv_log_debug("byteplant: %s: RATE_LIMIT_EXCEEDED, retry "
                             "%u/%u in %.0f s", rq->what, e->rl_attempts,
                             bp->conf->retries, delay);
                pv_http_pause(bp->http, PV_SVC_BP, delay,
                              "RATE_LIMIT_EXCEEDED");
                pv_http_set_remaining(bp->http, PV_SVC_BP, -1);

                rq->attempts = 0;
                pv_http_submit(bp->http, rq);
                return;
            }

            snprintf(v.note, sizeof(v.note), "RATE_LIMIT_EXCEEDED");
            break;

        case PV_BP_API_KEY_INVALID_OR_DEPLETED:
            if (!bp->key_invalid) {
                pv_log_error("Byteplant answered API_KEY_INVALID_OR_DEPLETED:"
                             " no more validation calls in this run");
            }

            bp->key_invalid = 1;
            bp->rep->key_invalid = 1;
            snprintf(v.note, sizeof(v.note), "API key invalid or depleted");
            break;

        default:
            v.verdict = pv_verdict_from_answer(&a);

            if (v.verdict == PV_PENDING) {
                snprintf(v.note, sizeof(v.note), "%s",
                         pv_bp_status_name(a.status));
                break;
            }

            /* the same items the module writes */
            v.validated_at = time(NULL);
            memcpy(v.line_type, a.line_type, sizeof(v.line_type));
            memcpy(v.country, a.country, sizeof(v.country));

            if (v.verdict != PV_INVALID) {
                memcpy(v.e164, a.e164, sizeof(v.e164));
            }

            break;
        }
    }

    pv_req_free(rq);

    w = e->waiters;
    e->waiters = NULL;
    e->inflight = 0;

    if (v.verdict != PV_PENDING && v.source == PV_SRC_PROVIDER) {
        e->verdict = (unsigned char) v.verdict;
        e->validated_at = v.validated_at;
        memcpy(e->line_type, v.line_type, sizeof(e->line_type));
        memcpy(e->country, v.country, sizeof(e->country));
        memcpy(e->e164, v.e164, sizeof(e->e164));
        pv_bp_keep(bp, e);

    } else {
        /* PENDING is never cached: the next contact asks again */
        pv_bp_unlink(bp, e);
        free(e);
    }

    for ( /* void */ ; w; w = next) {
        next = w->next;
        mine = v;
        mine.phone = w->phone;
        memcpy(mine.country_sent, w->country, 3);
        pv_bp_count(bp, &mine);
        w->done(w->data, &mine);
        free(w);
    }
}


void
pv_verdict_normalized(const pv_verdict_t *v, char *out, size_t size)
{
    if (v->source == PV_SRC_NONE) {
        snprintf(out, size, "-");

    } else if (v->phone.rc != PV_PHONE_OK) {
        snprintf(out, size, "-");

    } else if (v->phone.plus) {
        snprintf(out, size, "+%s", v->phone.digits);

    } else if (v->country_sent[0]) {
        snprintf(out, size, "%s (%s)", v->phone.digits, v->country_sent);

    } else {
        snprintf(out, size, "%s", v->phone.digits);
    }
}


json_t *
pv_verdict_item_value(const pv_verdict_t *v, pv_item_e item)
{
    int        conf;
    pv_u_char  iso[PV_ISO8601_LEN];

    /* no phone: every item is cleared, so no verdict outlives its number */

    if (v->source == PV_SRC_NONE) {
        return json_string("");
    }

    switch (item) {

    case PV_ITEM_STATUS:
        return json_string(pv_verdict_name(v->verdict));

    case PV_ITEM_LAST_VALIDATED:
        if (v->verdict == PV_PENDING || v->validated_at == 0) {
            return json_string("");
        }

        pv_time_iso8601(v->validated_at, iso);
        return json_stringn((const char *) iso, PV_ISO8601_LEN);

    case PV_ITEM_CONFIDENCE:
        conf = pv_verdict_confidence(v->verdict);
        return conf < 0 ? json_string("") : json_integer(conf);

    case PV_ITEM_LINE_TYPE:
        return json_string(v->line_type);

    case PV_ITEM_E164:
        return json_string(v->e164);

    case PV_ITEM_COUNTRY:
        return json_string(v->country);

    default:
        return json_string("");
    }
}
