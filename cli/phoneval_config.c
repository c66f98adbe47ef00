
/*
 * Copyright (C) phoneval authors
 *
 * Configuration: defaults, then the config file, then the environment,
 * then the command line, each overriding the one before.  Credentials are
 * read from the environment or from files only: a secret given in argv is
 * visible to every local user in ps(1) and stays in shell history.
 */


#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "phoneval_cli.h"


#define PV_SRC_DEFAULT  0
#define PV_SRC_FILE     1
#define PV_SRC_ENV      2
#define PV_SRC_ARGV     3

#define PV_SECRET_MAX   4096


enum {
    PV_OPT_HELP = 0,
    PV_OPT_CONFIG,
    PV_OPT_API_URL,
    PV_OPT_BP_URL,
    PV_OPT_TOKEN_FILE,
    PV_OPT_KEY_FILE,
    PV_OPT_LOCATION,
    PV_OPT_COUNTRY,
    PV_OPT_MODE,
    PV_OPT_LOCALE,
    PV_OPT_TIMEOUT,
    PV_OPT_CONCURRENCY,
    PV_OPT_BP_RATE,
    PV_OPT_RETRIES,
    PV_OPT_BACKOFF_CAP,
    PV_OPT_FIELD,
    PV_OPT_MAP,
    PV_OPT_FORMAT,
    PV_OPT_UPSERT,
    PV_OPT_NORMALIZE,
    PV_OPT_VIA_GATEWAY,
    PV_OPT_REPORT,
    PV_OPT_CREATE,
    PV_OPT_STALE_AFTER,
    PV_OPT_STATE,
    PV_OPT_DRY_RUN,
    PV_OPT_PAGE_SIZE,
    PV_OPT_JSON,
    PV_OPT_VERBOSE,
    PV_OPT_PROGRESS,
    PV_OPT_NO_PROGRESS
};


#define C_CHECK   (1u << PV_CMD_CHECK)
#define C_FIELDS  (1u << PV_CMD_FIELDS)
#define C_IMPORT  (1u << PV_CMD_IMPORT)
#define C_SYNC    (1u << PV_CMD_SYNC)
#define C_ALL     (C_CHECK | C_FIELDS | C_IMPORT | C_SYNC)
#define C_BP      (C_CHECK | C_IMPORT | C_SYNC)
#define C_GHL     (C_FIELDS | C_IMPORT | C_SYNC)


typedef struct {
    const char              *name;        /* long name, without "--" */
    char                     short_name;
    const char              *arg;         /* value placeholder, or NULL */
    unsigned                 cmds;        /* where argv may use it */
    int                      id;
    const char              *env;
    const char              *help;
} pv_opt_t;


static const pv_opt_t  pv_opts[] = {

    { "location", 0, "ID", C_GHL, PV_OPT_LOCATION, "PHONEVAL_LOCATION",
      "HighLevel location (sub-account) id" },
    { "country", 0, "CC", C_BP, PV_OPT_COUNTRY, "PHONEVAL_COUNTRY",
      "default country of national numbers\n(ISO 3166 alpha-2, e.g. US)" },
    { "mode", 0, "MODE", C_BP, PV_OPT_MODE, NULL,
      "Byteplant mode: extensive (default) or express" },
    { "locale", 0, "LOCALE", C_BP, PV_OPT_LOCALE, NULL,
      "Byteplant locale (default en-US)" },
    { "field", 0, "ITEM=TARGET", C_GHL, PV_OPT_FIELD, NULL,
      "write result ITEM (status, last_validated,\n"
      "confidence, line_type, e164, country) to\n"
      "custom field TARGET (an id or key:NAME);\n"
      "repeatable (import --via-gateway: where\n"
      "the gateway's results are read back)" },
    { "create", 0, NULL, C_FIELDS, PV_OPT_CREATE, NULL,
      "create the result fields that are missing" },
    { "upsert", 0, NULL, C_IMPORT, PV_OPT_UPSERT, NULL,
      "POST /contacts/upsert instead of creating" },
    { "map", 0, "COL=FIELD", C_IMPORT, PV_OPT_MAP, NULL,
      "read column COL into contact FIELD\n"
      "(firstName, phone, ..., cf:ID, key:NAME,\n"
      "or - to ignore it); repeatable" },
    { "format", 0, "csv|jsonl", C_IMPORT, PV_OPT_FORMAT, NULL,
      "input format (default: from the file name)" },
    { "normalize", 0, NULL, C_IMPORT, PV_OPT_NORMALIZE, NULL,
      "send the E.164 form of valid phones\ninstead of the text as read" },
    { "via-gateway", 0, NULL, C_IMPORT, PV_OPT_VIA_GATEWAY, NULL,
      "--api-url is a phoneval gateway: it\n"
      "validates and writes the results; no\n"
      "Byteplant call and no Byteplant key here" },
    { "report", 0, "FILE", C_IMPORT | C_SYNC, PV_OPT_REPORT, NULL,
      "write failed rows (CSV: line, reason...)\nto FILE" },
    { "stale-after", 0, "AGE", C_SYNC, PV_OPT_STALE_AFTER, NULL,
      "re-validate verdicts older than AGE\n(default 30d; units s m h d w)" },
    { "state", 0, "FILE", C_SYNC, PV_OPT_STATE, NULL,
      "resumable state: paging cursor and contacts done" },
    { "dry-run", 0, NULL, C_SYNC, PV_OPT_DRY_RUN, NULL,
      "list what would be done: no validation,\nno writes" },
    { "page-size", 0, "N", C_SYNC, PV_OPT_PAGE_SIZE, NULL,
      "contacts per page (1-100, default 100)" },
    { "concurrency", 0, "N", C_ALL, PV_OPT_CONCURRENCY, NULL,
      "requests in flight to each service (default 4)" },
    { "byteplant-rate", 0, "N/SECONDS", C_BP, PV_OPT_BP_RATE, NULL,
      "Byteplant budget, never exceeded (default 100/300)" },
    { "timeout", 0, "SECONDS", C_BP, PV_OPT_TIMEOUT, NULL,
      "Byteplant Timeout (5-300, default 10)" },
    { "retries", 0, "N", C_ALL, PV_OPT_RETRIES, NULL,
      "retries after a rate limit or a failure\n"
      "that is safe to repeat (default 5)" },
    { "backoff-cap", 0, "SECONDS", C_ALL, PV_OPT_BACKOFF_CAP, NULL,
      "longest back-off between retries (default 60)" },
    { "api-url", 0, "URL", C_GHL, PV_OPT_API_URL, "PHONEVAL_API_URL",
      "Contacts API base URL (default\n" PV_DEFAULT_API_URL ")" },
    { "byteplant-url", 0, "URL", C_BP, PV_OPT_BP_URL,
      "PHONEVAL_BYTEPLANT_URL",
      "Byteplant verify URL (default\n" PV_DEFAULT_BP_URL ")" },
    { "token-file", 0, "FILE", C_GHL, PV_OPT_TOKEN_FILE,
      "PHONEVAL_TOKEN_FILE",
      "file holding the HighLevel token\n(or PHONEVAL_GHL_TOKEN)" },
    { "byteplant-key-file", 0, "FILE", C_BP, PV_OPT_KEY_FILE,
      "PHONEVAL_BYTEPLANT_KEY_FILE",
      "file holding the Byteplant key\n(or PHONEVAL_BYTEPLANT_KEY)" },
    { "config", 0, "FILE", C_ALL, PV_OPT_CONFIG, "PHONEVAL_CONFIG",
      "config file (default ~/.config/phoneval/config)" },
    { "json", 0, NULL, C_ALL, PV_OPT_JSON, NULL,
      "print the results / report as JSON on stdout" },
    { "verbose", 'v', NULL, C_ALL, PV_OPT_VERBOSE, NULL,
      "log requests, rate limits and retries on stderr" },
    { "progress", 0, NULL, C_ALL, PV_OPT_PROGRESS, NULL,
      "draw the progress bar even when stderr\nis not a terminal" },
    { "no-progress", 0, NULL, C_ALL, PV_OPT_NO_PROGRESS, NULL,
      "never draw the progress bar" },
    { "help", 'h', NULL, C_ALL, PV_OPT_HELP, NULL,
      "this help" },
    { NULL, 0, NULL, 0, 0, NULL, NULL }
};


/* where the *-file options came from: a file named on the command line
 * wins over the variable, a config file entry does not */
static int  pv_token_file_src;
static int  pv_key_file_src;


static const char  *pv_cmd_names[PV_CMD_N] = {
    "check", "fields", "import", "sync"
};


static const char  *pv_cmd_synopsis[PV_CMD_N] = {
    "phoneval check [OPTIONS] NUMBER...",
    "phoneval fields --location ID [--create] [OPTIONS]",
    ("phoneval import FILE.csv|FILE.jsonl --location ID [--upsert] "
     "[--via-gateway] [OPTIONS]"),
    ("phoneval sync --location ID [--stale-after AGE] [--state FILE] "
     "[--dry-run] [OPTIONS]")
};


static const char  *pv_cmd_about[PV_CMD_N] = {
    "Validates phone numbers through Byteplant and prints the verdicts.",
    "Finds (or creates) the custom fields the results are written to and\n"
    "prints them as phoneval_result lines for nginx.",
    "Creates or upserts contacts from a CSV file (header row) or JSON lines,\n"
    "validating each phone first and writing the results as custom fields.\n"
    "With --via-gateway the contacts go to a phoneval gateway as they are,\n"
    "and the gateway validates and writes the results.",
    "Pages through all contacts of a location and validates those with no\n"
    "result, a PENDING result or one older than --stale-after; writes the\n"
    "results with PUT /contacts/:id.  Resumable with --state."
};


static const char  *pv_default_keys[PV_ITEM_N] = {
    "contact.phone_validation_status",
    "contact.phone_last_validated",
    "contact.phone_confidence",
    "contact.phone_line_type",
    "contact.phone_e164",
    "contact.phone_country"
};


/* members of a contact write DTO an import column may be mapped to */
static const char  *pv_contact_members[] = {
    "firstName", "lastName", "name", "email", "phone", "country",
    "companyName", "tags", "address1", "city", "state", "postalCode",
    "website", "timezone", "source", "dateOfBirth", "gender", "assignedTo",
    NULL
};


static int pv_conf_set(pv_conf_t *conf, const pv_opt_t *o, const char *val,
    int src, const char *where);
static int pv_conf_file(pv_conf_t *conf, const char *path, int required);
static int pv_refuse_secret(const char *name, const char *where);
static const pv_opt_t *pv_opt_find(const char *name, size_t len);
static char *pv_read_secret(const char *path, const char *what);


const char *
pv_cmd_name(pv_cmd_e cmd)
{
    return pv_cmd_names[cmd];
}


const char *
pv_item_default_key(pv_item_e item)
{
    return pv_default_keys[item];
}


void
pv_usage_command(pv_cmd_e cmd, FILE *f)
{
    int              n;
    char             head[64];
    const char      *h, *nl;
    const pv_opt_t  *o;

    fprintf(f, "usage: %s\n\n%s\n\noptions:\n", pv_cmd_synopsis[cmd],
            pv_cmd_about[cmd]);

    for (o = pv_opts; o->name; o++) {
        if (!(o->cmds & (1u << cmd))) {
            continue;
        }

        if (o->short_name) {
            n = snprintf(head, sizeof(head), "-%c, --%s%s%s", o->short_name,
                         o->name, o->arg ? " " : "", o->arg ? o->arg : "");

        } else {
            n = snprintf(head, sizeof(head), "    --%s%s%s", o->name,
                         o->arg ? " " : "", o->arg ? o->arg : "");
        }

        fprintf(f, "  %-28s", head);

        if (n > 26) {
            fprintf(f, "\n  %-28s", "");
        }

        for (h = o->help; (nl = strchr(h, '\n')) != NULL; h = nl + 1) {
            fprintf(f, "%.*s\n  %-28s", (int) (nl - h), h, "");
        }

        fprintf(f, "%s\n", h);
    }

    fprintf(f,
        "\nCredentials are never taken from the command line:\n"
        "  PHONEVAL_BYTEPLANT_KEY or --byteplant-key-file FILE (Byteplant)\n"
        "  PHONEVAL_GHL_TOKEN or --token-file FILE (HighLevel)\n"
        "\nExit status: 0 all done, 1 some items failed, "
        "2 usage or configuration error.\n");
}


static void
pv_conf_defaults(pv_conf_t *conf, pv_cmd_e cmd)
{
    memset(conf, 0, sizeof(pv_conf_t));

    conf->cmd = cmd;
    conf->api_url = pv_xstrdup(PV_DEFAULT_API_URL);
    conf->byteplant_url = pv_xstrdup(PV_DEFAULT_BP_URL);
    conf->locale = pv_xstrdup("en-US");
    conf->timeout = 10;
    conf->concurrency = 4;
    conf->bp_rate_n = 100;
    conf->bp_rate_s = 300;
    conf->retries = 5;
    conf->backoff_cap = 60;
    conf->stale_after = 30L * 86400;
    conf->page_limit = PV_PAGE_LIMIT;
}


static void
pv_conf_clear_targets(pv_conf_t *conf)
{
    size_t  i;

    for (i = 0; i < conf->ntargets; i++) {
        free(conf->targets[i].name);
        free(conf->targets[i].id);
    }

    conf->ntargets = 0;
}


static void
pv_conf_clear_maps(pv_conf_t *conf)
{
    size_t  i;

    for (i = 0; i < conf->nmaps; i++) {
        free(conf->maps[i].column);
        free(conf->maps[i].field);
    }

    free(conf->maps);
    conf->maps = NULL;
    conf->nmaps = 0;
}


void
pv_conf_free(pv_conf_t *conf)
{
    /* secrets are wiped, not only freed: core dumps outlive the process */

    if (conf->token) {
        memset(conf->token, 0, strlen(conf->token));
    }

    if (conf->byteplant_key) {
        memset(conf->byteplant_key, 0, strlen(conf->byteplant_key));
    }

    free(conf->token);
    free(conf->byteplant_key);
    free(conf->config_file);
    free(conf->api_url);
    free(conf->byteplant_url);
    free(conf->token_file);
    free(conf->byteplant_key_file);
    free(conf->location);
    free(conf->locale);
    free(conf->state_file);
    free(conf->report_file);
    free(conf->format);
    free(conf->args);
    pv_conf_clear_targets(conf);
    pv_conf_clear_maps(conf);
}


static const pv_opt_t *
pv_opt_find(const char *name, size_t len)
{
    size_t           i;
    const pv_opt_t  *o;

    for (o = pv_opts; o->name; o++) {
        if (strlen(o->name) != len) {
            continue;
        }

        /* the config file may spell dashes as underscores */

        for (i = 0; i < len; i++) {
            if (o->name[i] != name[i]
                && !(o->name[i] == '-' && name[i] == '_'))
            {
                break;
            }
        }

        if (i == len) {
            return o;
        }
    }

    return NULL;
}


/*
 * Anything that looks like a secret given by value: --token, --key,
 * --api-key, --byteplant-key, --password...  but not the *-file forms.
 */

static int
pv_refuse_secret(const char *name, const char *where)
{
    size_t  i, len;
    char    low[64];

    len = strcspn(name, "=");

    if (len >= sizeof(low)) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        low[i] = (char) tolower((unsigned char) name[i]);
    }

    low[len] = '\0';

    if (len > 5 && strcmp(low + len - 5, "-file") == 0) {
        return 0;
    }

    if (len > 5 && strcmp(low + len - 5, "_file") == 0) {
        return 0;
    }

    if (strstr(low, "token") == NULL && strstr(low, "key") == NULL
        && strstr(low, "secret") == NULL && strstr(low, "password") == NULL)
    {
        return 0;
    }

    pv_log_error("%s%s%s: credentials are never taken from %s (they would "
                 "show in ps and shell history); use PHONEVAL_GHL_TOKEN or "
                 "--token-file FILE for HighLevel, PHONEVAL_BYTEPLANT_KEY or "
                 "--byteplant-key-file FILE for Byteplant",
                 where, *where ? "" : "--", low,
                 *where ? "the config file" : "the command line");

    return 1;
}


static int
pv_parse_uint(const char *val, unsigned min, unsigned max, unsigned *out)
{
    char           *end;
    unsigned long   v;

    if (*val < '0' || *val > '9') {
        return -1;
    }

    errno = 0;
    v = strtoul(val, &end, 10);

    if (errno || *end != '\0' || v < min || v > max) {
        return -1;
    }

    *out = (unsigned) v;

    return 0;
}


static int
pv_conf_field(pv_conf_t *conf, const char *val, int src, const char *where)
{
    int                item;
    size_t             i;
    const char        *eq, *target;
    pv_target_conf_t  *t;
    static int         field_src = -1;

    /* --field from a stronger source replaces, it does not add to, the
     * list a weaker one gave */

    if (src != field_src) {
        pv_conf_clear_targets(conf);
        field_src = src;
    }

    eq = strchr(val, '=');
    item = eq ? pv_item_from_name(val, (size_t) (eq - val)) : -1;

    if (item < 0) {
        pv_log_error("%s--field \"%s\": expected ITEM=TARGET with ITEM one "
                     "of status, last_validated, confidence, line_type, "
                     "e164, country", where, val);
        return -1;
    }

    target = eq + 1;

    if (strncmp(target, "key:", 4) == 0) {
        target += 4;
    }

    if (*target == '\0' || strpbrk(target, " \t\"\\") != NULL) {
        pv_log_error("%s--field \"%s\": TARGET must be a custom field id or "
                     "key:NAME", where, val);
        return -1;
    }

    for (i = 0; i < conf->ntargets; i++) {
        if ((int) conf->targets[i].item == item) {
            break;
        }
    }

    t = &conf->targets[i];

    if (i == conf->ntargets) {
        conf->ntargets++;

    } else {
        free(t->name);
        free(t->id);
    }

    t->item = (pv_item_e) item;
    t->by_key = (target != eq + 1);
    t->name = pv_xstrdup(target);
    t->id = t->by_key ? NULL : pv_xstrdup(target);
    conf->targets_given = 1;

    return 0;
}


static int
pv_conf_map(pv_conf_t *conf, const char *val, int src, const char *where)
{
    int          ok;
    const char  *eq, *field, **m;
    static int   map_src = -1;

    if (src != map_src) {
        pv_conf_clear_maps(conf);
        map_src = src;
    }

    eq = strchr(val, '=');

    if (eq == NULL || eq == val || eq[1] == '\0') {
        pv_log_error("%s--map \"%s\": expected COLUMN=FIELD", where, val);
        return -1;
    }

    field = eq + 1;
    ok = strcmp(field, "-") == 0
         || (strncmp(field, "cf:", 3) == 0 && field[3])
         || (strncmp(field, "key:", 4) == 0 && field[4]);

    for (m = pv_contact_members; !ok && *m; m++) {
        ok = strcmp(*m, field) == 0;
    }

    if (!ok) {
        pv_log_error("%s--map \"%s\": unknown contact field \"%s\" (use "
                     "firstName, lastName, name, email, phone, country, "
                     "companyName, tags, address1, city, state, postalCode, "
                     "website, timezone, source, dateOfBirth, cf:ID, key:NAME "
                     "or -)", where, val, field);
        return -1;
    }

    conf->maps = pv_xrealloc(conf->maps, (conf->nmaps + 1) * sizeof(pv_map_t));
    conf->maps[conf->nmaps].column = pv_xstrndup(val, (size_t) (eq - val));
    conf->maps[conf->nmaps].field = pv_xstrdup(field);
    conf->nmaps++;

    return 0;
}


static int
pv_conf_url(char **dst, const char *val, const char *name, const char *where)
{
    size_t  len;

    if (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) {
        pv_log_error("%s--%s \"%s\": expected an http:// or https:// URL",
                     where, name, val);
        return -1;
    }

    len = strlen(val);

    while (len > 8 && val[len - 1] == '/') {
        len--;
    }

    free(*dst);
    *dst = pv_xstrndup(val, len);

    return 0;
}


static void
pv_set_str(char **dst, const char *val)
{
    free(*dst);
    *dst = pv_xstrdup(val);
}


static int
pv_conf_set(pv_conf_t *conf, const pv_opt_t *o, const char *val, int src,
    const char *where)
{
    long      l;
    char     *slash, *end, num[16];
    double    secs;
    unsigned  u;

    switch (o->id) {

    case PV_OPT_HELP:
    case PV_OPT_CONFIG:
        return 0;

    case PV_OPT_API_URL:
        return pv_conf_url(&conf->api_url, val, o->name, where);

    case PV_OPT_BP_URL:
        return pv_conf_url(&conf->byteplant_url, val, o->name, where);

    case PV_OPT_TOKEN_FILE:
        pv_set_str(&conf->token_file, val);
        pv_token_file_src = src;
        return 0;

    case PV_OPT_KEY_FILE:
        pv_set_str(&conf->byteplant_key_file, val);
        pv_key_file_src = src;
        return 0;

    case PV_OPT_LOCATION:
        if (*val == '\0' || strpbrk(val, "/?#& \t") != NULL) {
            pv_log_error("%s--location \"%s\": not a location id", where,
                         val);
            return -1;
        }

        pv_set_str(&conf->location, val);
        return 0;

    case PV_OPT_COUNTRY:
        if (*val == '\0') {
            conf->country[0] = '\0';
            return 0;
        }

        if (!pv_country_parse((const pv_u_char *) val, strlen(val),
                              conf->country))
        {
            pv_log_error("%s--country \"%s\": expected two letters (ISO "
                         "3166-1 alpha-2)", where, val);
            return -1;
        }

        return 0;

    case PV_OPT_MODE:
        if (strcmp(val, "extensive") == 0) {
            conf->express = 0;

        } else if (strcmp(val, "express") == 0) {
            conf->express = 1;

        } else {
            pv_log_error("%s--mode \"%s\": expected extensive or express",
                         where, val);
            return -1;
        }

        return 0;

    case PV_OPT_LOCALE:
        if (*val == '\0' || strlen(val) > 35) {
            pv_log_error("%s--locale \"%s\": not a locale", where, val);
            return -1;
        }

        pv_set_str(&conf->locale, val);
        return 0;

    case PV_OPT_TIMEOUT:
        if (pv_parse_uint(val, 5, 300, &conf->timeout) != 0) {
            pv_log_error("%s--timeout \"%s\": expected 5 to 300 seconds",
                         where, val);
            return -1;
        }

        return 0;

    case PV_OPT_CONCURRENCY:
        if (pv_parse_uint(val, 1, 64, &conf->concurrency) != 0) {
            pv_log_error("%s--concurrency \"%s\": expected 1 to 64", where,
                         val);
            return -1;
        }

        return 0;

    case PV_OPT_BP_RATE:
        slash = strchr(val, '/');
        u = 0;
        secs = 0;

        if (slash != NULL) {
            if ((size_t) (slash - val) < sizeof(num)) {
                memcpy(num, val, (size_t) (slash - val));
                num[slash - val] = '\0';

                if (pv_parse_uint(num, 1, 1000000, &u) != 0) {
                    u = 0;
                }
            }

            errno = 0;
            secs = strtod(slash + 1, &end);

            if (errno || *end != '\0' || slash[1] == '\0') {
                secs = 0;
            }
        }

        if (u == 0 || !(secs > 0 && secs <= 86400)) {
            pv_log_error("%s--byteplant-rate \"%s\": expected N/SECONDS, "
                         "e.g. 100/300", where, val);
            return -1;
        }

        conf->bp_rate_n = u;
        conf->bp_rate_s = secs;
        return 0;

    case PV_OPT_RETRIES:
        if (pv_parse_uint(val, 0, 20, &conf->retries) != 0) {
            pv_log_error("%s--retries \"%s\": expected 0 to 20", where, val);
            return -1;
        }

        return 0;

    case PV_OPT_BACKOFF_CAP:
        if (pv_parse_uint(val, 1, 3600, &u) != 0) {
            pv_log_error("%s--backoff-cap \"%s\": expected 1 to 3600 "
                         "seconds", where, val);
            return -1;
        }

        conf->backoff_cap = u;
        return 0;

    case PV_OPT_FIELD:
        return pv_conf_field(conf, val, src, where);

    case PV_OPT_MAP:
        return pv_conf_map(conf, val, src, where);

    case PV_OPT_FORMAT:
        if (strcmp(val, "csv") != 0 && strcmp(val, "jsonl") != 0) {
            pv_log_error("%s--format \"%s\": expected csv or jsonl", where,
                         val);
            return -1;
        }

        pv_set_str(&conf->format, val);
        return 0;

    case PV_OPT_REPORT:
        pv_set_str(&conf->report_file, val);
        return 0;

    case PV_OPT_STALE_AFTER:
        l = pv_parse_duration(val);

        if (l < 0) {
            pv_log_error("%s--stale-after \"%s\": expected an age such as "
                         "30d, 12h, 90m or seconds", where, val);
            return -1;
        }

        conf->stale_after = l;
        return 0;

    case PV_OPT_STATE:
        pv_set_str(&conf->state_file, val);
        return 0;

    case PV_OPT_PAGE_SIZE:
        if (pv_parse_uint(val, 1, PV_PAGE_LIMIT, &conf->page_limit) != 0) {
            pv_log_error("%s--page-size \"%s\": expected 1 to %d", where,
                         val, PV_PAGE_LIMIT);
            return -1;
        }

        return 0;

    /* flags; in the config file they take a boolean */

    default:
        if (val != NULL && src == PV_SRC_FILE) {
            if (strcmp(val, "yes") == 0 || strcmp(val, "true") == 0
                || strcmp(val, "on") == 0 || strcmp(val, "1") == 0)
            {
                u = 1;

            } else if (strcmp(val, "no") == 0 || strcmp(val, "false") == 0
                       || strcmp(val, "off") == 0 || strcmp(val, "0") == 0)
            {
                u = 0;

            } else {
                pv_log_error("%s%s = \"%s\": expected yes or no", where,
                             o->name, val);
                return -1;
            }

        } else {
            u = 1;
        }

        switch (o->id) {

        case PV_OPT_UPSERT:
            conf->upsert = (int) u;
            break;

        case PV_OPT_NORMALIZE:
            conf->normalize = (int) u;
            break;

        case PV_OPT_VIA_GATEWAY:
            conf->via_gateway = (int) u;
            break;

        case PV_OPT_CREATE:
            conf->create = (int) u;
            break;

        case PV_OPT_DRY_RUN:
            conf->dry_run = (int) u;
            break;

        case PV_OPT_JSON:
            conf->json = (int) u;
            break;

        case PV_OPT_VERBOSE:
            pv_verbose = (int) u;
            break;

        case PV_OPT_PROGRESS:
            conf->progress = u ? PV_PROGRESS_ALWAYS : PV_PROGRESS_AUTO;
            break;

        case PV_OPT_NO_PROGRESS:
            conf->progress = u ? PV_PROGRESS_NEVER : PV_PROGRESS_AUTO;
            break;
        }

        return 0;
    }
}


static int
pv_conf_file(pv_conf_t *conf, const char *path, int required)
{
    int              rc;
    long             lineno;
    char            *line, *key, *val, *eq, where[512];
    FILE            *f;
    size_t           cap, len;
    ssize_t          n;
    const pv_opt_t  *o;

    f = fopen(path, "r");

    if (f == NULL) {
        if (!required && errno == ENOENT) {
            return 0;
        }

        pv_log_error("config file %s: %s", path, strerror(errno));
        return -1;
    }

    line = NULL;
    cap = 0;
    lineno = 0;
    rc = 0;

    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        key = pv_trim(line);

        if (*key == '\0' || *key == '#' || *key == ';') {
            continue;
        }

        snprintf(where, sizeof(where), "%s:%ld: ", path, lineno);

        eq = strchr(key, '=');

        if (eq == NULL) {
            pv_log_error("%sexpected \"key = value\"", where);
            rc = -1;
            break;
        }

        *eq = '\0';
        key = pv_trim(key);
        val = pv_trim(eq + 1);
        len = strlen(val);

        if (len >= 2 && ((val[0] == '"' && val[len - 1] == '"')
                         || (val[0] == '\'' && val[len - 1] == '\'')))
        {
            val[len - 1] = '\0';
            val++;
        }

        if (pv_refuse_secret(key, where)) {
            rc = -1;
            break;
        }

        o = pv_opt_find(key, strlen(key));

        if (o == NULL || o->id == PV_OPT_HELP || o->id == PV_OPT_CONFIG) {
            pv_log_error("%sunknown key \"%s\"", where, key);
            rc = -1;
            break;
        }

        rc = pv_conf_set(conf, o, val, PV_SRC_FILE, where);
    }

    free(line);
    fclose(f);

    return rc;
}


static char *
pv_default_config_path(void)
{
    const char  *xdg, *home;

    xdg = getenv("XDG_CONFIG_HOME");

    if (xdg && *xdg) {
        return pv_xsprintf("%s/phoneval/config", xdg);
    }

    home = getenv("HOME");

    if (home && *home) {
        return pv_xsprintf("%s/.config/phoneval/config", home);
    }

    return NULL;
}


int
pv_conf_load(pv_conf_t *conf, pv_cmd_e cmd, int argc, char **argv)
{
    int              i, only_args, src;
    char            *arg, *val, *cfg, opt[64];
    size_t           len;
    const char      *env;
    const pv_opt_t  *o;

    pv_conf_defaults(conf, cmd);
    conf->args = pv_xcalloc((size_t) argc + 1, sizeof(char *));

    /* help and --config first: the file must be read before the flags */

    cfg = NULL;
    only_args = 0;

    for (i = 0; i < argc; i++) {
        arg = argv[i];

        if (strcmp(arg, "--") == 0) {
            break;
        }

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            pv_usage_command(cmd, stdout);
            return -1;
        }

        if (strcmp(arg, "--config") == 0 && i + 1 < argc) {
            cfg = argv[i + 1];

        } else if (strncmp(arg, "--config=", 9) == 0) {
            cfg = arg + 9;
        }
    }

    if (cfg == NULL) {
        env = getenv("PHONEVAL_CONFIG");
        cfg = (env && *env) ? (char *) env : NULL;
    }

    if (cfg) {
        conf->config_file = pv_xstrdup(cfg);

        if (pv_conf_file(conf, cfg, 1) != 0) {
            return PV_EXIT_USAGE;
        }

    } else {
        conf->config_file = pv_default_config_path();

        if (conf->config_file && pv_conf_file(conf, conf->config_file, 0)) {
            return PV_EXIT_USAGE;
        }
    }

    for (o = pv_opts; o->name; o++) {
        if (o->env == NULL || o->id == PV_OPT_CONFIG) {
            continue;
        }

        env = getenv(o->env);

        if (env == NULL || *env == '\0') {
            continue;
        }

        snprintf(opt, sizeof(opt), "%s: ", o->env);

        if (pv_conf_set(conf, o, env, PV_SRC_ENV, opt) != 0) {
            return PV_EXIT_USAGE;
        }
    }

    src = PV_SRC_ARGV;

    for (i = 0; i < argc; i++) {
        arg = argv[i];

        if (only_args || arg[0] != '-' || arg[1] == '\0') {
            conf->args[conf->nargs++] = arg;
            continue;
        }

        if (strcmp(arg, "--") == 0) {
            only_args = 1;
            continue;
        }

        val = NULL;

        if (arg[1] != '-') {
            /* short options: -v, -h; a lone "-5..." is not a number here */
            for (o = pv_opts; o->name; o++) {
                if (o->short_name && o->short_name == arg[1]
                    && arg[2] == '\0')
                {
                    break;
                }
            }

            if (o->name == NULL) {
                pv_log_error("unknown option \"%s\" (see phoneval %s --help)",
                             arg, pv_cmd_names[cmd]);
                return PV_EXIT_USAGE;
            }

        } else {
            arg += 2;

            if (pv_refuse_secret(arg, "")) {
                return PV_EXIT_USAGE;
            }

            len = strcspn(arg, "=");
            o = pv_opt_find(arg, len);

            if (o == NULL || strchr(o->name, '_') != NULL
                || memchr(arg, '_', len) != NULL)
            {
                pv_log_error("unknown option \"--%.*s\" (see phoneval %s "
                             "--help)", (int) len, arg, pv_cmd_names[cmd]);
                return PV_EXIT_USAGE;
            }

            if (arg[len] == '=') {
                val = arg + len + 1;
            }
        }

        if (!(o->cmds & (1u << cmd))) {
            pv_log_error("option --%s does not apply to \"%s\"", o->name,
                         pv_cmd_names[cmd]);
            return PV_EXIT_USAGE;
        }

        if (o->arg == NULL && val != NULL) {
            pv_log_error("option --%s takes no value", o->name);
            return PV_EXIT_USAGE;
        }

        if (o->arg != NULL && val == NULL) {
            if (i + 1 >= argc) {
                pv_log_error("option --%s needs a value (%s)", o->name,
                             o->arg);
                return PV_EXIT_USAGE;
            }

            val = argv[++i];
        }

        if (pv_conf_set(conf, o, val, src, "") != 0) {
            return PV_EXIT_USAGE;
        }
    }

    /* what each command needs */

    if (cmd != PV_CMD_CHECK && conf->location == NULL) {
        pv_log_error("%s needs --location ID (or PHONEVAL_LOCATION)",
                     pv_cmd_names[cmd]);
        return PV_EXIT_USAGE;
    }

    switch (cmd) {

    case PV_CMD_CHECK:
        if (conf->nargs == 0) {
            pv_log_error("check needs at least one NUMBER");
            return PV_EXIT_USAGE;
        }

        break;

    case PV_CMD_IMPORT:
        if (conf->nargs != 1) {
            pv_log_error("import needs exactly one FILE (.csv or .jsonl)");
            return PV_EXIT_USAGE;
        }

        if (conf->via_gateway && conf->normalize) {
            /* the E.164 form comes with the verdict, which only the
             * gateway has */
            pv_log_error("--normalize does not apply with --via-gateway: "
                         "set \"phoneval_normalize on\" in the gateway");
            return PV_EXIT_USAGE;
        }

        if (conf->format == NULL) {
            len = strlen(conf->args[0]);

            if (len > 4 && pv_strcaseeq(conf->args[0] + len - 4, ".csv")) {
                conf->format = pv_xstrdup("csv");

            } else if ((len > 6
                        && pv_strcaseeq(conf->args[0] + len - 6, ".jsonl"))
                       || (len > 7
                           && pv_strcaseeq(conf->args[0] + len - 7,
                                           ".ndjson")))
            {
                conf->format = pv_xstrdup("jsonl");

            } else {
                pv_log_error("%s: cannot tell the format from the name; "
                             "use --format csv or --format jsonl",
                             conf->args[0]);
                return PV_EXIT_USAGE;
            }
        }

        break;

    default:
        if (conf->nargs != 0) {
            pv_log_error("%s takes no argument (\"%s\")", pv_cmd_names[cmd],
                         conf->args[0]);
            return PV_EXIT_USAGE;
        }

        break;
    }

    return PV_EXIT_OK;
}


static char *
pv_read_secret(const char *path, const char *what)
{
    int           bad;
    char         *p, *s, buf[PV_SECRET_MAX + 2];
    FILE         *f;
    size_t        n;
    struct stat   sb;

    f = fopen(path, "r");

    if (f == NULL) {
        pv_log_error("%s file %s: %s", what, path, strerror(errno));
        return NULL;
    }

    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077) != 0) {
        pv_log_warn("%s file %s is readable by others (chmod 600 it)", what,
                    path);
    }

    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';

    if (n > PV_SECRET_MAX) {
        pv_log_error("%s file %s is too big for a credential", what, path);
        return NULL;
    }

    s = pv_trim(buf);
    bad = (*s == '\0');

    for (p = s; *p; p++) {
        if ((unsigned char) *p < 0x21 || (unsigned char) *p == 0x7f) {
            bad = 1;
        }
    }

    if (bad) {
        memset(buf, 0, sizeof(buf));
        pv_log_error("%s file %s must hold one credential on one line", what,
                     path);
        return NULL;
    }

    p = pv_xstrdup(s);
    memset(buf, 0, sizeof(buf));

    return p;
}


static int
pv_secret_ok(const char *s)
{
    if (*s == '\0') {
        return 0;
    }

    for ( /* void */ ; *s; s++) {
        if ((unsigned char) *s < 0x21 || (unsigned char) *s == 0x7f) {
            return 0;
        }
    }

    return 1;
}


int
pv_conf_credentials(pv_conf_t *conf, int need_token, int need_key)
{
    const char  *env;

    /* precedence as everywhere: argv, then the environment, then the
     * config file */

    if (need_token) {
        env = getenv("PHONEVAL_GHL_TOKEN");

        if (conf->token_file
            && (pv_token_file_src == PV_SRC_ARGV || env == NULL || !*env))
        {
            conf->token = pv_read_secret(conf->token_file, "token");

            if (conf->token == NULL) {
                return PV_EXIT_USAGE;
            }

        } else if (env && *env) {
            if (!pv_secret_ok(env)) {
                pv_log_error("PHONEVAL_GHL_TOKEN holds white space or "
                             "control characters");
                return PV_EXIT_USAGE;
            }

            conf->token = pv_xstrdup(env);

        } else {
            pv_log_error("no HighLevel token: set PHONEVAL_GHL_TOKEN or use "
                         "--token-file FILE");
            return PV_EXIT_USAGE;
        }
    }

    if (need_key) {
        env = getenv("PHONEVAL_BYTEPLANT_KEY");

        if (conf->byteplant_key_file
            && (pv_key_file_src == PV_SRC_ARGV || env == NULL || !*env))
        {
            conf->byteplant_key = pv_read_secret(conf->byteplant_key_file,
                                                 "Byteplant key");

            if (conf->byteplant_key == NULL) {
                return PV_EXIT_USAGE;
            }

        } else if (env && *env) {
            if (!pv_secret_ok(env)) {
                pv_log_error("PHONEVAL_BYTEPLANT_KEY holds white space or "
                             "control characters");
                return PV_EXIT_USAGE;
            }

            conf->byteplant_key = pv_xstrdup(env);

        } else {
            pv_log_error("no Byteplant key: set PHONEVAL_BYTEPLANT_KEY or "
                         "use --byteplant-key-file FILE");
            return PV_EXIT_USAGE;
        }
    }

    return PV_EXIT_OK;
}
