
/*
 * Copyright (C) phoneval authors
 *
 * Counters of a run, the summary at its end (stderr, for people and cron
 * mail), the --json report (stdout, for scripts) and the --report file
 * of failed rows, written as they fail so an interrupted run keeps them.
 */


#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "phoneval_cli.h"


void
pv_report_init(pv_report_t *rep, const char *command)
{
    memset(rep, 0, sizeof(pv_report_t));
    rep->command = command;
    rep->started = pv_now();
    rep->extra = json_object();
}


void
pv_csv_write_field(FILE *f, const char *s)
{
    if (s == NULL) {
        s = "";
    }

    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }

    fputc('"', f);

    for ( /* void */ ; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }

        fputc(*s, f);
    }

    fputc('"', f);
}


int
pv_report_open_failures(pv_report_t *rep, const char *path)
{
    rep->failures = fopen(path, "w");

    if (rep->failures == NULL) {
        pv_log_error("report file %s: %s", path, strerror(errno));
        return PV_EXIT_USAGE;
    }

    fputs("line,contact_id,reason,phone,email\r\n", rep->failures);
    fflush(rep->failures);

    return PV_EXIT_OK;
}


void
pv_report_failure(pv_report_t *rep, long line, const char *contact_id,
    const char *phone, const char *email, const char *reason)
{
    char  num[32];

    rep->failed++;

    if (line > 0) {
        pv_log_debug("line %ld: %s", line, reason);

    } else {
        pv_log_debug("contact %s: %s", contact_id ? contact_id : "?",
                     reason);
    }

    if (rep->failures == NULL) {
        return;
    }

    num[0] = '\0';

    if (line > 0) {
        snprintf(num, sizeof(num), "%ld", line);
    }

    pv_csv_write_field(rep->failures, num);
    fputc(',', rep->failures);
    pv_csv_write_field(rep->failures, contact_id);
    fputc(',', rep->failures);
    pv_csv_write_field(rep->failures, reason);
    fputc(',', rep->failures);
    pv_csv_write_field(rep->failures, phone);
    fputc(',', rep->failures);
    pv_csv_write_field(rep->failures, email);
    fputs("\r\n", rep->failures);
    fflush(rep->failures);
}


void
pv_report_extra_int(pv_report_t *rep, const char *name, long long v)
{
    json_object_set_new(rep->extra, name, json_integer(v));
}


int
pv_report_exit_code(const pv_report_t *rep)
{
    if (rep->failed || rep->interrupted) {
        return PV_EXIT_FAILED;
    }

    return PV_EXIT_OK;
}


void
pv_report_finish(pv_report_t *rep, int json)
{
    int          i;
    char         took[32];
    double       elapsed;
    json_t      *root, *by;
    const char  *sep;

    pv_progress_done();

    elapsed = pv_now() - rep->started;
    pv_format_duration(elapsed, took, sizeof(took));

    if (strcmp(rep->command, "fields") == 0) {
        /* no verdicts here: fields found, made and missing */
        fprintf(stderr, "phoneval fields: %lu field%s, %lu created, %lu "
                "missing\n", rep->items, rep->items == 1 ? "" : "s",
                rep->written, rep->failed);
        goto json;
    }

    fprintf(stderr, "phoneval %s: %lu item%s in %s (%.1f/s)%s\n",
            rep->command, rep->items, rep->items == 1 ? "" : "s", took,
            elapsed > 0 ? rep->items / elapsed : 0.0,
            rep->interrupted ? ", interrupted" : "");

    fprintf(stderr, "  %s:",
            rep->verdicts_label ? rep->verdicts_label : "verdicts");

    if (rep->verdicts_text) {
        /* verdicts given elsewhere that this run could not read */
        fprintf(stderr, " %s, no phone %lu\n", rep->verdicts_text,
                rep->no_phone);

    } else {
        sep = " ";

        for (i = PV_VALID_CONFIRMED; i < PV_VERDICT_N; i++) {
            fprintf(stderr, "%s%s %lu", sep,
                    pv_verdict_name((pv_verdict_e) i), rep->by_status[i]);
            sep = ", ";
        }

        fprintf(stderr, "%s%s %lu, no phone %lu\n", sep,
                pv_verdict_name(PV_PENDING), rep->by_status[PV_PENDING],
                rep->no_phone);
    }

    fprintf(stderr, "  provider calls %lu, cache hits %lu, written %lu, "
            "failed %lu, skipped %lu\n", rep->provider_calls,
            rep->cache_hits, rep->written, rep->failed, rep->skipped);

    if (rep->bp_pauses || rep->bp_retries || rep->ghl_pauses
        || rep->ghl_retries)
    {
        fprintf(stderr, "  rate limits: byteplant %lu pause%s, %lu retr%s; "
                "highlevel %lu pause%s, %lu retr%s\n",
                rep->bp_pauses, rep->bp_pauses == 1 ? "" : "s",
                rep->bp_retries, rep->bp_retries == 1 ? "y" : "ies",
                rep->ghl_pauses, rep->ghl_pauses == 1 ? "" : "s",
                rep->ghl_retries, rep->ghl_retries == 1 ? "y" : "ies");
    }

json:

    if (!json) {
        return;
    }

    root = json_object();
    by = json_object();

    for (i = 0; i < PV_VERDICT_N; i++) {
        json_object_set_new(by, pv_verdict_name((pv_verdict_e) i),
                            json_integer((json_int_t) rep->by_status[i]));
    }

    json_object_set_new(root, "command", json_string(rep->command));
    json_object_set_new(root, "items", json_integer(rep->items));
    json_object_set_new(root, "by_status", by);
    json_object_set_new(root, "no_phone", json_integer(rep->no_phone));
    json_object_set_new(root, "provider_calls",
                        json_integer(rep->provider_calls));
    json_object_set_new(root, "cache_hits", json_integer(rep->cache_hits));
    json_object_set_new(root, "local_invalid",
                        json_integer(rep->local_invalid));
    json_object_set_new(root, "written", json_integer(rep->written));
    json_object_set_new(root, "failed", json_integer(rep->failed));
    json_object_set_new(root, "skipped", json_integer(rep->skipped));
    json_object_set_new(root, "elapsed_ms",
                        json_integer((json_int_t) (elapsed * 1000)));
    json_object_set_new(root, "highlevel_requests",
                        json_integer(rep->ghl_requests));
    json_object_set_new(root, "rate_limit",
                        json_pack("{s:I, s:I, s:I, s:I}",
                                  "byteplant_pauses",
                                  (json_int_t) rep->bp_pauses,
                                  "byteplant_retries",
                                  (json_int_t) rep->bp_retries,
                                  "highlevel_pauses",
                                  (json_int_t) rep->ghl_pauses,
                                  "highlevel_retries",
                                  (json_int_t) rep->ghl_retries));
    json_object_set_new(root, "interrupted",
                        json_boolean(rep->interrupted));
    json_object_set_new(root, "api_key_invalid",
                        json_boolean(rep->key_invalid));
    json_object_update(root, rep->extra);

    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    fflush(stdout);

    json_decref(root);
}


void
pv_report_free(pv_report_t *rep)
{
    if (rep->failures) {
        fclose(rep->failures);
        rep->failures = NULL;
    }

    json_decref(rep->extra);
    rep->extra = NULL;
}
