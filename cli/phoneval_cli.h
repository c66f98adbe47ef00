
/*
 * Copyright (C) phoneval authors
 *
 * The phoneval command-line tool: shared types of its parts.  Phone
 * normalization, the Byteplant form and answer, verdicts and result items
 * come from the core (phoneval_core.h), exactly as the nginx module uses
 * them; this header only adds what a batch client needs around them.
 */


#ifndef _PHONEVAL_CLI_H_INCLUDED_
#define _PHONEVAL_CLI_H_INCLUDED_


#include <stdio.h>
#include <signal.h>
#include <curl/curl.h>
#include <jansson.h>

#include "phoneval_core.h"


#define PV_CLI_VERSION        "0.1.0"

#define PV_EXIT_OK            0
#define PV_EXIT_FAILED        1
#define PV_EXIT_USAGE         2

#define PV_GHL_VERSION        "2021-07-28"
#define PV_DEFAULT_API_URL    "https://services.leadconnectorhq.com"
#define PV_DEFAULT_BP_URL     "https://api.phone-validator.net/api/v2/verify"

#define PV_PAGE_LIMIT         100


/* ---- small utilities (phoneval_util.c) --------------------------------- */

typedef struct {
    char                    *data;
    size_t                   len;
    size_t                   cap;
} pv_buf_t;

int pv_buf_add(pv_buf_t *b, const void *p, size_t n);
int pv_buf_printf(pv_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pv_buf_free(pv_buf_t *b);

void *pv_xmalloc(size_t n);
void *pv_xcalloc(size_t n, size_t size);
void *pv_xrealloc(void *p, size_t n);
char *pv_xstrdup(const char *s);
char *pv_xstrndup(const char *s, size_t n);
char *pv_xsprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

double pv_now(void);                 /* monotonic seconds */
char *pv_trim(char *s);
int pv_strcaseeq(const char *a, const char *b);
/* the ASCII digits of s, NUL-ended, at most cap - 1 of them */
size_t pv_digits_of(const char *s, char *out, size_t cap);
/* "30d", "12h", "90m", "45s", "2w", "3600": seconds, or -1 */
long pv_parse_duration(const char *s);
/* "YYYY-MM-DDThh:mm:ss[.fff]Z" or "YYYY-MM-DD": epoch seconds, or -1 */
long long pv_parse_iso8601(const char *s);
void pv_format_duration(double secs, char *out, size_t size);


/* ---- messages (phoneval_progress.c) ------------------------------------ */

extern int  pv_verbose;

void pv_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pv_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pv_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* only with --verbose */
void pv_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));


/* ---- configuration (phoneval_config.c) --------------------------------- */

typedef enum {
    PV_CMD_CHECK = 0,
    PV_CMD_FIELDS,
    PV_CMD_IMPORT,
    PV_CMD_SYNC,
    PV_CMD_N
} pv_cmd_e;

typedef enum {
    PV_PROGRESS_AUTO = 0,
    PV_PROGRESS_NEVER,
    PV_PROGRESS_ALWAYS
} pv_progress_mode_e;

typedef struct {
    pv_item_e                item;
    int                      by_key;      /* TARGET was key:NAME */
    char                    *name;        /* id, or the key NAME */
    char                    *id;          /* resolved id (sync), or NULL */
} pv_target_conf_t;

typedef struct {
    char                    *column;      /* as given; matched caselessly */
    char                    *field;       /* contact member, cf:ID, key:K,
                                             or "-" to ignore */
} pv_map_t;

typedef struct {
    pv_cmd_e                 cmd;

    char                    *config_file;
    char                    *api_url;         /* no trailing slash */
    char                    *byteplant_url;
    char                    *token;           /* never from argv */
    char                    *byteplant_key;   /* never from argv */
    char                    *token_file;
    char                    *byteplant_key_file;

    char                    *location;
    char                     country[3];      /* default country, or "" */
    int                      express;
    char                    *locale;
    unsigned                 timeout;         /* Byteplant Timeout, s */
    unsigned                 concurrency;
    unsigned                 bp_rate_n;       /* --byteplant-rate N/S */
    double                   bp_rate_s;
    unsigned                 retries;
    double                   backoff_cap;     /* seconds */

    pv_target_conf_t         targets[PV_ITEM_N];
    size_t                   ntargets;
    int                      targets_given;   /* --field used */

    pv_map_t                *maps;
    size_t                   nmaps;

    int                      json;
    int                      create;
    int                      upsert;
    int                      normalize;
    int                      via_gateway;     /* import: api_url is a
                                                 phoneval gateway */
    int                      dry_run;
    long                     stale_after;     /* seconds */
    char                    *state_file;
    char                    *report_file;
    char                    *format;          /* import: csv | jsonl */
    unsigned                 page_limit;
    pv_progress_mode_e       progress;

    char                   **args;            /* positional arguments */
    size_t                   nargs;
} pv_conf_t;

/*
 * Fills *conf from defaults, the config file, the environment and argv
 * (in that order of increasing precedence).  Returns PV_EXIT_OK, or
 * PV_EXIT_USAGE after printing why; -1 when --help was printed.
 */
int pv_conf_load(pv_conf_t *conf, pv_cmd_e cmd, int argc, char **argv);
/* loads the credentials a command needs; PV_EXIT_USAGE if missing */
int pv_conf_credentials(pv_conf_t *conf, int need_token, int need_key);
void pv_conf_free(pv_conf_t *conf);
void pv_usage_command(pv_cmd_e cmd, FILE *f);
const char *pv_cmd_name(pv_cmd_e cmd);
/* the default field key of a result item ("contact.phone_...") */
const char *pv_item_default_key(pv_item_e item);


/* ---- counters and reports (phoneval_report.c) -------------------------- */

typedef struct {
    const char              *command;
    double                   started;
    unsigned long            items;           /* numbers / rows / contacts */
    unsigned long            by_status[PV_VERDICT_N];
    unsigned long            no_phone;
    unsigned long            provider_calls;
    unsigned long            cache_hits;
    unsigned long            local_invalid;
    unsigned long            written;
    unsigned long            failed;
    unsigned long            skipped;
    unsigned long            ghl_requests;
    unsigned long            ghl_retries;
    unsigned long            bp_retries;
    unsigned long            bp_pauses;
    unsigned long            ghl_pauses;
    int                      interrupted;
    int                      key_invalid;
    /* the summary's verdict line: its label (default "verdicts"), and a
     * text shown instead of the counts (NULL: the counts) */
    const char              *verdicts_label;
    const char              *verdicts_text;
    json_t                  *extra;           /* command-specific members */
    FILE                    *failures;        /* --report CSV, or NULL */
} pv_report_t;

void pv_report_init(pv_report_t *rep, const char *command);
int pv_report_open_failures(pv_report_t *rep, const char *path);
/* one failed row/contact: counted, and written to the --report file */
void pv_report_failure(pv_report_t *rep, long line, const char *contact_id,
    const char *phone, const char *email, const char *reason);
void pv_report_extra_int(pv_report_t *rep, const char *name, long long v);
/* the human summary on stderr, and with json the report on stdout */
void pv_report_finish(pv_report_t *rep, int json);
int pv_report_exit_code(const pv_report_t *rep);
void pv_report_free(pv_report_t *rep);

/* CSV output of one field, quoted when needed (RFC 4180) */
void pv_csv_write_field(FILE *f, const char *s);


/* ---- progress (phoneval_progress.c) ------------------------------------ */

void pv_progress_init(pv_progress_mode_e mode, int verbose);
void pv_progress_set_total(unsigned long total);
void pv_progress_update(unsigned long done);
void pv_progress_done(void);


/* ---- the curl multi engine (phoneval_http.c) --------------------------- */

typedef enum {
    PV_SVC_GHL = 0,
    PV_SVC_BP,
    PV_SVC_N
} pv_svc_e;

typedef struct pv_http_s  pv_http_t;
typedef struct pv_req_s   pv_req_t;

typedef void (*pv_req_handler_pt)(pv_req_t *rq);
/* called every loop turn; returns 0 once it will never add work again */
typedef int (*pv_pump_pt)(void *data);

struct pv_req_s {
    pv_svc_e                 svc;
    const char              *method;       /* "GET", "POST", "PUT" */
    char                    *url;          /* owned */
    char                    *what;         /* for log lines, owned */
    char                    *body;         /* owned, or NULL */
    size_t                   body_len;
    int                      idempotent;   /* safe to repeat once sent */

    /* outcome */
    long                     status;       /* HTTP status; 0: none */
    CURLcode                 error;
    char                     errbuf[CURL_ERROR_SIZE];
    int                      sent;         /* may have reached the server */
    int                      cancelled;    /* interrupted before it ran */
    pv_buf_t                 resp;
    long                     retry_after;  /* seconds, -1 none */
    long                     rl_remaining;
    long                     rl_interval_ms;
    long                     rl_max;
    long                     rl_daily_remaining;
    unsigned                 attempts;

    /* engine state */
    double                   started;      /* this attempt, monotonic */
    double                   not_before;
    int                      slot;         /* budget slot, -1 none */
    unsigned                 slot_gen;
    CURL                    *easy;
    struct curl_slist       *headers;
    pv_req_t                *next;

    pv_req_handler_pt        handler;
    void                    *data;
};

extern volatile sig_atomic_t  pv_interrupted;

pv_http_t *pv_http_create(pv_conf_t *conf, pv_report_t *rep);
void pv_http_destroy(pv_http_t *http);

pv_req_t *pv_req_new(pv_svc_e svc, const char *method, char *url);
void pv_req_free(pv_req_t *rq);
/* queues rq; its handler runs once, with the final outcome */
void pv_http_submit(pv_http_t *http, pv_req_t *rq);
/* queues rq again (for a retry decided by its handler) after delay s */
void pv_http_resubmit(pv_http_t *http, pv_req_t *rq, double delay);
/* no request of svc starts before now + secs */
void pv_http_pause(pv_http_t *http, pv_svc_e svc, double secs,
    const char *why);
/*
 * Runs until no request is queued or in flight and pump (if any) says it
 * has nothing more; the pump runs every turn so a producer can keep the
 * pipeline full without holding all its input in memory.
 */
void pv_http_run(pv_http_t *http, pv_pump_pt pump, void *data);
/* what the service says is left of its window; -1: unknown */
void pv_http_set_remaining(pv_http_t *http, pv_svc_e svc, long remaining);
/* requests of svc queued or in flight */
unsigned pv_http_busy(pv_http_t *http, pv_svc_e svc);


/* ---- Byteplant (phoneval_byteplant.c) ---------------------------------- */

typedef enum {
    PV_SRC_NONE = 0,          /* no phone: nothing to validate */
    PV_SRC_LOCAL,             /* INVALID without a provider call */
    PV_SRC_PROVIDER,
    PV_SRC_CACHE,
    PV_SRC_CANCELLED          /* interrupted before the provider answered */
} pv_source_e;

typedef struct {
    pv_verdict_e             verdict;
    pv_source_e              source;
    time_t                   validated_at;    /* 0 for PENDING / none */
    char                     line_type[PV_LINE_TYPE_MAX + 1];
    char                     country[3];
    char                     e164[PV_E164_MAX + 1];
    char                     note[64];        /* why (local / PENDING) */
    pv_phone_t               phone;           /* the normalized input */
    char                     country_sent[3];
} pv_verdict_t;

typedef struct pv_bp_s  pv_bp_t;

typedef void (*pv_bp_done_pt)(void *data, const pv_verdict_t *v);

pv_bp_t *pv_bp_create(pv_conf_t *conf, pv_http_t *http, pv_report_t *rep);
void pv_bp_destroy(pv_bp_t *bp);
/*
 * Validates one phone text with the contact's country (NULL or "" for
 * none; the default country applies).  done() runs exactly once, possibly
 * before pv_bp_validate() returns (no phone, local INVALID, cache hit).
 */
void pv_bp_validate(pv_bp_t *bp, const char *text, size_t len,
    const char *country, pv_bp_done_pt done, void *data);
/* "+4917..." or "2095550142 (US)": the normalized form, for tables */
void pv_verdict_normalized(const pv_verdict_t *v, char *out, size_t size);
/* the six result item values of a verdict as JSON values */
json_t *pv_verdict_item_value(const pv_verdict_t *v, pv_item_e item);


/* ---- HighLevel (phoneval_ghl.c) ---------------------------------------- */

/* a request to the Contacts API with its headers; path is printf-like */
pv_req_t *pv_ghl_req(pv_conf_t *conf, const char *method, json_t *body,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* percent-encodes a path segment or query value */
char *pv_url_escape(const char *s);
/* the parsed JSON answer (new reference) or NULL */
json_t *pv_ghl_json(const pv_req_t *rq);
/* "HTTP 422: phone must be ..." style text of a failed request */
char *pv_ghl_error_text(const pv_req_t *rq);
/* runs rq to its end, synchronously (no other work queued) */
void pv_ghl_run_one(pv_http_t *http, pv_req_t *rq);
/*
 * Resolves conf->targets: with no --field, the default keys are looked up
 * (status required).  With need_ids, key: targets get their ids too.
 * Returns PV_EXIT_OK, or PV_EXIT_USAGE / PV_EXIT_FAILED after a message.
 */
int pv_ghl_resolve_fields(pv_conf_t *conf, pv_http_t *http, int need_ids);
/* the customFields array a write carries for a verdict (new reference) */
json_t *pv_ghl_result_fields(const pv_conf_t *conf, const pv_verdict_t *v,
    int clear);


/* ---- CSV input (phoneval_csv.c) ---------------------------------------- */

typedef struct {
    FILE                    *f;
    long                     line;        /* current physical line */
    long                     record_line; /* first line of the last record */
    char                   **fields;
    size_t                   nfields;
    size_t                   cap;
    pv_buf_t                 buf;
    int                      bom_checked;
} pv_csv_t;

void pv_csv_init(pv_csv_t *c, FILE *f);
/* 1: a record in c->fields; 0: end of input; -1: malformed (message) */
int pv_csv_next(pv_csv_t *c, const char **err);
void pv_csv_free(pv_csv_t *c);


/* ---- the sync state file (phoneval_state.c) ---------------------------- */

typedef struct {
    char                    *path;
    FILE                    *journal;
    char                    *location;
    char                    *cursor_id;       /* NULL: from the start */
    long long                cursor_ms;
    char                   **done;            /* ids after the cursor */
    size_t                   ndone;
    size_t                   cap;
    int                      resumed;
} pv_state_t;

/* loads (or starts) the state; PV_EXIT_USAGE on a foreign or bad file */
int pv_state_open(pv_state_t *st, const char *path, const char *location);
int pv_state_is_done(const pv_state_t *st, const char *id);
/* appends "done ID" to the journal and flushes it */
int pv_state_mark_done(pv_state_t *st, const char *id);
/*
 * The pages up to the cursor are complete: their ids (drop, ndrop) leave
 * the done set, and the file is rewritten atomically with the cursor and
 * the ids still done after it.
 */
int pv_state_checkpoint(pv_state_t *st, const char *cursor_id,
    long long cursor_ms, char **drop, size_t ndrop);
/* the whole pass is over: the next run starts from the beginning */
int pv_state_finish(pv_state_t *st);
void pv_state_close(pv_state_t *st);


/* ---- the commands ------------------------------------------------------ */

int pv_cmd_check(pv_conf_t *conf);
int pv_cmd_fields(pv_conf_t *conf);
int pv_cmd_import(pv_conf_t *conf);
int pv_cmd_sync(pv_conf_t *conf);


#endif /* _PHONEVAL_CLI_H_INCLUDED_ */
