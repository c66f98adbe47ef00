
/*
 * Copyright (C) phoneval authors
 *
 * The request engine: one curl multi handle, a queue per service
 * (HighLevel, Byteplant), at most --concurrency requests in flight to
 * each, and the rate limits of both.
 *
 * Byteplant: at most N requests start in any SECONDS window.  A slot of
 * the budget is reused only once the request that held it has completed
 * and SECONDS have passed since, so the provider, whose clock starts when
 * it receives a request, can never count N + 1 in one of its windows.
 *
 * HighLevel: X-RateLimit-Remaining caps what may be in flight, 0 pauses
 * the service for X-RateLimit-Interval-Milliseconds, and a 429 is retried
 * after Retry-After (else the interval), doubled per attempt up to
 * --backoff-cap.  A request that may have reached the server is repeated
 * only if it is idempotent: a create that timed out is never sent twice.
 */


#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "phoneval_cli.h"


#define PV_RESP_MAX_GHL   (32 * 1024 * 1024)
#define PV_RESP_MAX_BP    (256 * 1024)
#define PV_TURN_MS        100


volatile sig_atomic_t  pv_interrupted;


typedef struct {
    double                   t;           /* start, then completion */
    unsigned                 gen;
    int                      busy;        /* its request is in flight */
} pv_slot_t;


typedef struct {
    const char              *name;
    pv_req_t                *head;
    pv_req_t                *tail;
    unsigned                 queued;
    unsigned                 inflight;
    unsigned                 max_inflight;
    double                   paused_until;

    /* the start budget (Byteplant): a ring of win_n slots */
    unsigned                 win_n;
    double                   win_s;
    pv_slot_t               *ring;
    unsigned                 ring_next;
    unsigned                 ring_gen;
    unsigned                 budget_logged;

    long                     known_remaining;   /* -1: unknown */
    double                   window_start;      /* 0: unknown */
} pv_svc_t;


struct pv_http_s {
    CURLM                   *multi;
    pv_conf_t               *conf;
    pv_report_t             *rep;
    pv_svc_t                 svc[PV_SVC_N];
    int                      draining;
    pv_req_t                *ready;        /* decided without curl */
    pv_req_t                *ready_tail;
    CURL                   **spare;
    size_t                   nspare;
};


static void pv_http_finish(pv_http_t *http, pv_req_t *rq);
static void pv_http_complete(pv_http_t *http, CURL *easy, CURLcode code);


pv_http_t *
pv_http_create(pv_conf_t *conf, pv_report_t *rep)
{
    pv_http_t  *http;

    http = pv_xcalloc(1, sizeof(pv_http_t));
    http->conf = conf;
    http->rep = rep;

    http->multi = curl_multi_init();
    if (http->multi == NULL) {
        pv_log_error("curl_multi_init() failed");
        free(http);
        return NULL;
    }

    http->svc[PV_SVC_GHL].name = "highlevel";
    http->svc[PV_SVC_GHL].max_inflight = conf->concurrency;
    http->svc[PV_SVC_GHL].known_remaining = -1;

    http->svc[PV_SVC_BP].name = "byteplant";
    http->svc[PV_SVC_BP].max_inflight = conf->concurrency;
    http->svc[PV_SVC_BP].known_remaining = -1;
    http->svc[PV_SVC_BP].win_n = conf->bp_rate_n;
    http->svc[PV_SVC_BP].win_s = conf->bp_rate_s;
    http->svc[PV_SVC_BP].ring = pv_xcalloc(conf->bp_rate_n,
                                           sizeof(pv_slot_t));

    http->spare = pv_xcalloc(2 * conf->concurrency + 2, sizeof(CURL *));

    return http;
}


void
pv_http_destroy(pv_http_t *http)
{
    size_t  i;

    if (http == NULL) {
        return;
    }

    for (i = 0; i < http->nspare; i++) {
        curl_easy_cleanup(http->spare[i]);
    }

    curl_multi_cleanup(http->multi);
    free(http->svc[PV_SVC_BP].ring);
    free(http->spare);
    free(http);
}


pv_req_t *
pv_req_new(pv_svc_e svc, const char *method, char *url)
{
    pv_req_t  *rq;

    rq = pv_xcalloc(1, sizeof(pv_req_t));
    rq->svc = svc;
    rq->method = method;
    rq->url = url;
    rq->slot = -1;
    rq->retry_after = -1;
    rq->rl_remaining = -1;
    rq->rl_interval_ms = -1;
    rq->rl_max = -1;
    rq->rl_daily_remaining = -1;
    rq->idempotent = strcmp(method, "GET") == 0 || strcmp(method, "PUT") == 0;

    return rq;
}


void
pv_req_free(pv_req_t *rq)
{
    if (rq == NULL) {
        return;
    }

    if (rq->body) {
        /* a Byteplant form holds the key */
        memset(rq->body, 0, rq->body_len);
    }

    free(rq->url);
    free(rq->what);
    free(rq->body);
    curl_slist_free_all(rq->headers);
    pv_buf_free(&rq->resp);
    free(rq);
}


void
pv_http_set_remaining(pv_http_t *http, pv_svc_e svc, long remaining)
{
    http->svc[svc].known_remaining = remaining;
}


unsigned
pv_http_busy(pv_http_t *http, pv_svc_e svc)
{
    return http->svc[svc].queued + http->svc[svc].inflight;
}


static void
pv_http_ready(pv_http_t *http, pv_req_t *rq)
{
    rq->next = NULL;

    if (http->ready_tail) {
        http->ready_tail->next = rq;

    } else {
        http->ready = rq;
    }

    http->ready_tail = rq;
}


static void
pv_queue_push(pv_svc_t *s, pv_req_t *rq, int front)
{
    if (front) {
        rq->next = s->head;
        s->head = rq;

        if (s->tail == NULL) {
            s->tail = rq;
        }

    } else {
        rq->next = NULL;

        if (s->tail) {
            s->tail->next = rq;

        } else {
            s->head = rq;
        }

        s->tail = rq;
    }

    s->queued++;
}


void
pv_http_submit(pv_http_t *http, pv_req_t *rq)
{
    if (rq->what == NULL) {
        rq->what = pv_xsprintf("%s %s", rq->method, rq->url);
    }

    rq->status = 0;
    rq->error = CURLE_OK;
    rq->errbuf[0] = '\0';
    rq->sent = 0;
    rq->cancelled = 0;
    rq->not_before = 0;

    /* after a first interrupt no new provider call starts: they cost
     * money and nothing would be left to write their verdicts with */

    if (http->draining && rq->svc == PV_SVC_BP) {
        rq->cancelled = 1;
        pv_http_ready(http, rq);
        return;
    }

    pv_queue_push(&http->svc[rq->svc], rq, 0);
}


void
pv_http_resubmit(pv_http_t *http, pv_req_t *rq, double delay)
{
    pv_http_submit(http, rq);
    rq->not_before = pv_now() + delay;
}


void
pv_http_pause(pv_http_t *http, pv_svc_e svc, double secs, const char *why)
{
    double     until;
    pv_svc_t  *s;

    s = &http->svc[svc];
    until = pv_now() + secs;

    if (until <= s->paused_until) {
        return;
    }

    s->paused_until = until;

    if (svc == PV_SVC_BP) {
        http->rep->bp_pauses++;

    } else {
        http->rep->ghl_pauses++;
    }

    pv_log_debug("%s: %s, pausing %.1f s", s->name, why, secs);
}


/* ---- starting requests ------------------------------------------------- */

static size_t
pv_http_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    size_t     n, max;
    pv_req_t  *rq = userdata;

    n = size * nmemb;
    max = rq->svc == PV_SVC_BP ? PV_RESP_MAX_BP : PV_RESP_MAX_GHL;

    if (rq->resp.len + n > max) {
        return 0;               /* CURLE_WRITE_ERROR: an oversized answer */
    }

    pv_buf_add(&rq->resp, ptr, n);

    return n;
}


static long
pv_header_long(const char *v, size_t len)
{
    long    n;
    size_t  i;

    n = 0;

    for (i = 0; i < len && (v[i] == ' ' || v[i] == '\t'); i++) { /* void */ }

    if (i == len || v[i] < '0' || v[i] > '9') {
        return -1;
    }

    for ( /* void */ ; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
        if (n > 100000000L) {
            return -1;
        }

        n = n * 10 + (v[i] - '0');
    }

    return n;
}


static size_t
pv_http_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    char      *colon;
    size_t     n, name_len, vlen;
    pv_req_t  *rq = userdata;

    n = size * nmemb;

    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        /* a new response (after a 100 Continue, say): forget the last */
        rq->retry_after = -1;
        rq->rl_remaining = -1;
        rq->rl_interval_ms = -1;
        rq->rl_max = -1;
        rq->rl_daily_remaining = -1;
        return n;
    }

    colon = memchr(ptr, ':', n);
    if (colon == NULL) {
        return n;
    }

    name_len = (size_t) (colon - ptr);
    vlen = n - name_len - 1;

#define pv_is_header(h)                                                       \
    (name_len == sizeof(h) - 1 && strncasecmp(ptr, h, name_len) == 0)

    if (pv_is_header("X-RateLimit-Remaining")) {
        rq->rl_remaining = pv_header_long(colon + 1, vlen);

    } else if (pv_is_header("X-RateLimit-Interval-Milliseconds")) {
        rq->rl_interval_ms = pv_header_long(colon + 1, vlen);

    } else if (pv_is_header("X-RateLimit-Max")) {
        rq->rl_max = pv_header_long(colon + 1, vlen);

    } else if (pv_is_header("X-RateLimit-Daily-Remaining")) {
        rq->rl_daily_remaining = pv_header_long(colon + 1, vlen);

    } else if (pv_is_header("Retry-After")) {
        /* delta-seconds only; an HTTP-date falls back to the interval */
        rq->retry_after = pv_header_long(colon + 1, vlen);
    }

#undef pv_is_header

    return n;
}


static CURL *
pv_http_easy(pv_http_t *http, pv_req_t *rq)
{
    CURL  *easy;

    if (http->nspare) {
        easy = http->spare[--http->nspare];
        curl_easy_reset(easy);

    } else {
        easy = curl_easy_init();
        if (easy == NULL) {
            return NULL;
        }
    }

    curl_easy_setopt(easy, CURLOPT_URL, rq->url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, rq);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "phoneval/" PV_CLI_VERSION);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, pv_http_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, rq);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, pv_http_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, rq);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, rq->errbuf);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_TIMEOUT,
                     rq->svc == PV_SVC_BP
                     ? (long) http->conf->timeout + 15L : 60L);

    if (rq->headers) {
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, rq->headers);
    }

    if (strcmp(rq->method, "GET") == 0) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);

    } else {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE,
                         (long) (rq->body ? rq->body_len : 0));

        if (strcmp(rq->method, "POST") != 0) {
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, rq->method);
        }
    }

    return easy;
}


/*
 * Whether svc may start a request now; if not, *wait is lowered to the
 * seconds until it might.
 */

static int
pv_svc_can_start(pv_http_t *http, pv_svc_t *s, double now, double *wait)
{
    double      w;
    pv_slot_t  *slot;

    if (s->inflight >= s->max_inflight) {
        return 0;
    }

    if (now < s->paused_until) {
        w = s->paused_until - now;
        *wait = w < *wait ? w : *wait;
        return 0;
    }

    if (s->known_remaining >= 0 && (long) s->inflight >= s->known_remaining) {
        /* the answers in flight will tell how much is left */
        return 0;
    }

    if (s->ring) {
        slot = &s->ring[s->ring_next];

        if (slot->busy) {
            return 0;
        }

        if (slot->t > 0 && now < slot->t + s->win_s) {
            w = slot->t + s->win_s - now;
            *wait = w < *wait ? w : *wait;

            if (w > 1 && s->budget_logged != slot->gen) {
                /* once per slot: a long silent wait looks like a hang */
                s->budget_logged = slot->gen;
                pv_log_debug("%s: budget of %u calls per %g s used up, next "
                             "call in %.0f s", s->name, s->win_n, s->win_s,
                             w);
            }

            return 0;
        }
    }

    (void) http;

    return 1;
}


/* the first queued request whose back-off has passed */

static pv_req_t *
pv_svc_take(pv_svc_t *s, double now, double *wait)
{
    double     w;
    pv_req_t  *rq, *prev;

    prev = NULL;

    for (rq = s->head; rq; prev = rq, rq = rq->next) {
        if (rq->not_before <= now) {
            break;
        }

        w = rq->not_before - now;
        *wait = w < *wait ? w : *wait;
    }

    if (rq == NULL) {
        return NULL;
    }

    if (prev) {
        prev->next = rq->next;

    } else {
        s->head = rq->next;
    }

    if (s->tail == rq) {
        s->tail = prev;
    }

    rq->next = NULL;
    s->queued--;

    return rq;
}


static double
pv_http_start(pv_http_t *http)
{
    int         i;
    CURL       *easy;
    double      now, wait;
    pv_svc_t   *s;
    pv_req_t   *rq;
    pv_slot_t  *slot;

    now = pv_now();
    wait = 1e9;

    for (i = 0; i < PV_SVC_N; i++) {
        s = &http->svc[i];

        while (s->queued && pv_svc_can_start(http, s, now, &wait)) {
            rq = pv_svc_take(s, now, &wait);
            if (rq == NULL) {
                break;
            }

            easy = pv_http_easy(http, rq);

            if (easy == NULL) {
                rq->error = CURLE_FAILED_INIT;
                snprintf(rq->errbuf, sizeof(rq->errbuf), "curl_easy_init "
                         "failed");
                pv_http_ready(http, rq);
                continue;
            }

            rq->easy = easy;
            rq->started = now;
            rq->attempts++;
            rq->resp.len = 0;

            if (s->ring) {
                slot = &s->ring[s->ring_next];
                slot->t = now;
                slot->busy = 1;
                slot->gen = ++s->ring_gen;
                rq->slot = (int) s->ring_next;
                rq->slot_gen = slot->gen;
                s->ring_next = (s->ring_next + 1) % s->win_n;
            }

            if (rq->svc == PV_SVC_BP) {
                http->rep->provider_calls++;

            } else {
                http->rep->ghl_requests++;
            }

            s->inflight++;
            curl_multi_add_handle(http->multi, easy);
        }
    }

    return wait;
}


/* ---- completions ------------------------------------------------------- */

static void
pv_http_release(pv_http_t *http, pv_req_t *rq)
{
    double      now;
    pv_svc_t   *s;
    pv_slot_t  *slot;

    s = &http->svc[rq->svc];
    s->inflight--;

    curl_multi_remove_handle(http->multi, rq->easy);

    if (http->nspare < 2 * http->conf->concurrency + 2) {
        http->spare[http->nspare++] = rq->easy;

    } else {
        curl_easy_cleanup(rq->easy);
    }

    rq->easy = NULL;

    if (rq->slot >= 0) {
        slot = &s->ring[rq->slot];

        if (slot->gen == rq->slot_gen) {
            /* the window counts from when the provider surely had it; a
             * call that never left costs nothing */
            now = pv_now();
            slot->t = rq->sent ? now : 0;
            slot->busy = 0;
        }

        rq->slot = -1;
    }

    if (!rq->sent && rq->svc == PV_SVC_BP) {
        http->rep->provider_calls--;
    }
}


static double
pv_backoff(pv_http_t *http, double base, unsigned attempt)
{
    unsigned  i;
    double    d;

    d = base;

    for (i = 1; i < attempt && d < http->conf->backoff_cap; i++) {
        d *= 2;
    }

    return d < http->conf->backoff_cap ? d : http->conf->backoff_cap;
}


/* HighLevel's headers, on every answer */

static void
pv_ghl_rate_headers(pv_http_t *http, pv_req_t *rq)
{
    double     interval, now;
    pv_svc_t  *s;
    char       why[96];

    s = &http->svc[PV_SVC_GHL];

    if (rq->rl_remaining < 0) {
        return;
    }

    interval = rq->rl_interval_ms > 0 ? rq->rl_interval_ms / 1000.0 : 1;

    now = pv_now();

    if (rq->rl_max > 0 && rq->rl_remaining == rq->rl_max - 1) {
        /* the first request of a window: the window began before now */
        s->window_start = now;
    }

    if (rq->rl_remaining == 0) {
        /*
         * Until the window we saw begin is over; a whole interval when we
         * did not see it begin.  Too early only costs a 429 and its
         * back-off.
         */

        if (s->window_start > 0 && s->window_start + interval > now) {
            interval = s->window_start + interval - now + 0.05;
        }

        s->window_start = 0;
        snprintf(why, sizeof(why), "X-RateLimit-Remaining 0 "
                 "(interval %ld ms)", rq->rl_interval_ms);
        pv_http_pause(http, PV_SVC_GHL, interval, why);
        s->known_remaining = -1;
        return;
    }

    s->known_remaining = rq->rl_remaining;
}


/*
 * Decides whether a finished attempt is repeated.  Returns 1 if rq went
 * back to the queue.
 */

static int
pv_http_retry(pv_http_t *http, pv_req_t *rq)
{
    double     delay, base;
    pv_svc_t  *s;

    s = &http->svc[rq->svc];

    if (rq->attempts > http->conf->retries || pv_interrupted) {
        return 0;
    }

    if (rq->status == 429 && rq->svc == PV_SVC_GHL) {
        if (rq->rl_daily_remaining == 0) {
            pv_log_debug("%s: 429 on %s with the daily limit used up, "
                         "not retried", s->name, rq->what);
            return 0;
        }

        /* not processed: safe to repeat, even a create */

        if (rq->retry_after >= 0) {
            base = (double) rq->retry_after;

        } else if (rq->rl_interval_ms > 0) {
            base = rq->rl_interval_ms / 1000.0;

        } else {
            base = 1;
        }

        delay = pv_backoff(http, base, rq->attempts);

        if (rq->retry_after >= 0 && delay < rq->retry_after) {
            delay = (double) rq->retry_after;
        }

        http->rep->ghl_retries++;
        pv_log_debug("%s: 429 on %s, retry %u/%u in %.1f s (%s)", s->name,
                     rq->what, rq->attempts, http->conf->retries, delay,
                     rq->retry_after >= 0 ? "Retry-After"
                     : rq->rl_interval_ms > 0 ? "interval" : "default");

        /* the limit is the location's: every request waits, not only
         * this one */
        pv_http_pause(http, PV_SVC_GHL, delay, "429 Too Many Requests");
        s->known_remaining = -1;
        rq->status = 0;
        pv_queue_push(s, rq, 1);
        rq->not_before = 0;
        return 1;
    }

    if (rq->error != CURLE_OK) {
        if (rq->sent && !rq->idempotent) {
            return 0;           /* unknown outcome: the caller reports it */
        }

        if (rq->svc == PV_SVC_BP && rq->sent) {
            return 0;           /* a call that may be billed: PENDING */
        }

        delay = pv_backoff(http, 0.5, rq->attempts);

    } else if (rq->status >= 500 && rq->svc == PV_SVC_GHL && rq->idempotent) {
        delay = pv_backoff(http, 1, rq->attempts);

    } else {
        return 0;
    }

    if (rq->svc == PV_SVC_GHL) {
        http->rep->ghl_retries++;

    } else {
        http->rep->bp_retries++;
    }

    pv_log_debug("%s: %s failed (%s), retry %u/%u in %.1f s", s->name,
                 rq->what, rq->error != CURLE_OK
                           ? (rq->errbuf[0] ? rq->errbuf
                                            : curl_easy_strerror(rq->error))
                           : "server error",
                 rq->attempts, http->conf->retries, delay);

    pv_http_resubmit(http, rq, delay);

    return 1;
}


static void
pv_http_complete(pv_http_t *http, CURL *easy, CURLcode code)
{
    long       size;
    char      *priv;
    pv_req_t  *rq;

    priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    rq = (pv_req_t *) priv;

    rq->error = code;
    rq->status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &rq->status);

    size = 0;
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &size);

    /* a request that never got a connection cannot have been processed */
    rq->sent = size > 0
               && code != CURLE_COULDNT_CONNECT
               && code != CURLE_COULDNT_RESOLVE_HOST
               && code != CURLE_COULDNT_RESOLVE_PROXY;

    if (code != CURLE_OK) {
        rq->status = 0;
    }

    pv_http_release(http, rq);

    /* a 429 has its own back-off below */
    if (rq->svc == PV_SVC_GHL && code == CURLE_OK && rq->status != 429) {
        pv_ghl_rate_headers(http, rq);
    }

    if (code == CURLE_OK && rq->rl_remaining >= 0) {
        pv_log_debug("%s: %s -> %ld (X-RateLimit-Remaining %ld)",
                     http->svc[rq->svc].name, rq->what, rq->status,
                     rq->rl_remaining);

    } else if (code == CURLE_OK) {
        pv_log_debug("%s: %s -> %ld", http->svc[rq->svc].name, rq->what,
                     rq->status);

    } else {
        pv_log_debug("%s: %s -> %s", http->svc[rq->svc].name, rq->what,
                     rq->errbuf[0] ? rq->errbuf : curl_easy_strerror(code));
    }

    if (pv_http_retry(http, rq)) {
        return;
    }

    pv_http_finish(http, rq);
}


static void
pv_http_finish(pv_http_t *http, pv_req_t *rq)
{
    (void) http;

    if (rq->handler) {
        rq->handler(rq);

    } else {
        pv_req_free(rq);
    }
}


/* a first SIGINT: queued provider calls are dropped, the rest finishes */

static void
pv_http_drain(pv_http_t *http)
{
    pv_svc_t  *s;
    pv_req_t  *rq;

    http->draining = 1;
    s = &http->svc[PV_SVC_BP];

    while (s->head) {
        rq = s->head;
        s->head = rq->next;
        s->queued--;
        rq->cancelled = 1;
        pv_http_ready(http, rq);
    }

    s->tail = NULL;
}


void
pv_http_run(pv_http_t *http, pv_pump_pt pump, void *data)
{
    int        more, running, msgs, did;
    long       ms;
    double     wait;
    CURLMsg   *msg;
    pv_req_t  *rq;

    more = (pump != NULL);

    for ( ;; ) {
        if (pv_interrupted > 1) {
            pv_log_error("interrupted twice: stopping at once");
            exit(PV_EXIT_FAILED);
        }

        if (pv_interrupted && !http->draining) {
            pv_log_info("interrupted: finishing the requests in flight "
                        "(interrupt again to stop at once)");
            http->rep->interrupted = 1;
            pv_http_drain(http);
        }

        did = 0;

        while (http->ready) {
            rq = http->ready;
            http->ready = rq->next;

            if (http->ready == NULL) {
                http->ready_tail = NULL;
            }

            rq->next = NULL;
            pv_http_finish(http, rq);
            did = 1;
        }

        if (more) {
            more = pump(data);
        }

        wait = pv_http_start(http);

        if (!more && http->ready == NULL
            && pv_http_busy(http, PV_SVC_GHL) == 0
            && pv_http_busy(http, PV_SVC_BP) == 0)
        {
            break;
        }

        curl_multi_perform(http->multi, &running);

        while ((msg = curl_multi_info_read(http->multi, &msgs)) != NULL) {
            if (msg->msg == CURLMSG_DONE) {
                pv_http_complete(http, msg->easy_handle, msg->data.result);
                did = 1;
            }
        }

        if (did || http->ready) {
            continue;
        }

        ms = PV_TURN_MS;

        if (wait < ms / 1000.0) {
            ms = (long) (wait * 1000) + 1;
        }

        curl_multi_poll(http->multi, NULL, 0, (int) ms, NULL);
    }
}
