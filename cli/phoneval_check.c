
/*
 * Copyright (C) phoneval authors
 *
 * phoneval check NUMBER...: the verdicts of a few numbers, as a table or
 * as JSON.  The same normalization, cache key and verdict mapping as the
 * module, so what check says is what the gateway would write.
 */


#include <stdlib.h>
#include <string.h>

#include "phoneval_cli.h"


#define PV_CHECK_COLS  8


typedef struct {
    pv_conf_t               *conf;
    pv_report_t             *rep;
    pv_bp_t                 *bp;
    pv_verdict_t            *results;
    unsigned char           *have;
    size_t                   n;
    size_t                   next;
    size_t                   finished;
} pv_check_t;


typedef struct {
    pv_check_t              *ck;
    size_t                   index;
} pv_check_item_t;


static const char  *pv_source_names[] = {
    "none", "local", "provider", "cache", "interrupted"
};


static void
pv_check_done(void *data, const pv_verdict_t *v)
{
    pv_check_item_t  *it = data;
    pv_check_t       *ck;

    ck = it->ck;
    ck->results[it->index] = *v;
    ck->have[it->index] = 1;
    ck->finished++;

    /* a number with no verdict is an item not done */
    if (v->source != PV_SRC_NONE
        && (v->verdict == PV_PENDING || v->source == PV_SRC_CANCELLED))
    {
        ck->rep->failed++;
    }

    if (v->source == PV_SRC_NONE) {
        ck->rep->skipped++;
    }

    pv_progress_update(ck->finished);
    free(it);
}


static int
pv_check_pump(void *data)
{
    pv_check_t       *ck = data;
    const char       *s;
    pv_check_item_t  *it;

    /* a long argument list is fed in as the pipeline drains */

    while (ck->next < ck->n && !pv_interrupted
           && ck->next - ck->finished < 4 * ck->conf->concurrency)
    {
        it = pv_xmalloc(sizeof(pv_check_item_t));
        it->ck = ck;
        it->index = ck->next++;
        s = ck->conf->args[it->index];
        pv_bp_validate(ck->bp, s, strlen(s), NULL, pv_check_done, it);
    }

    if (pv_interrupted) {
        return 0;
    }

    return ck->next < ck->n;
}


/*
 * Why a verdict is what it is.  A national number sent with no country is
 * a common mistake whose INVALID says nothing by itself: say so.
 */

static const char *
pv_check_note(const pv_verdict_t *v)
{
    if (v->note[0] == '\0' && v->verdict == PV_INVALID
        && (v->source == PV_SRC_PROVIDER || v->source == PV_SRC_CACHE)
        && !v->phone.plus && v->country_sent[0] == '\0')
    {
        return "no '+' and no country sent: try --country";
    }

    return v->note;
}


static void
pv_check_cells(const pv_verdict_t *v, const char *input, char cells[][64])
{
    int  conf;

    snprintf(cells[0], 64, "%.63s", input);
    pv_verdict_normalized(v, cells[1], 64);

    if (v->source == PV_SRC_NONE || v->source == PV_SRC_CANCELLED) {
        snprintf(cells[2], 64, "-");

    } else {
        snprintf(cells[2], 64, "%s", pv_verdict_name(v->verdict));
    }

    snprintf(cells[3], 64, "%s", v->line_type[0] ? v->line_type : "-");
    snprintf(cells[4], 64, "%s", v->e164[0] ? v->e164 : "-");
    snprintf(cells[5], 64, "%s", v->country[0] ? v->country : "-");

    conf = v->source == PV_SRC_NONE ? -1 : pv_verdict_confidence(v->verdict);

    if (conf >= 0) {
        snprintf(cells[6], 64, "%d", conf);

    } else {
        snprintf(cells[6], 64, "-");
    }

    snprintf(cells[7], 64, "%s", pv_check_note(v));
}


static void
pv_check_table(pv_check_t *ck)
{
    int          c;
    size_t       i, w[PV_CHECK_COLS], len;
    char         cells[PV_CHECK_COLS][64];
    static const char  *head[PV_CHECK_COLS] = {
        "NUMBER", "NORMALIZED", "STATUS", "LINE TYPE", "E164", "COUNTRY",
        "CONFIDENCE", "NOTE"
    };

    for (c = 0; c < PV_CHECK_COLS; c++) {
        w[c] = strlen(head[c]);
    }

    for (i = 0; i < ck->n; i++) {
        if (!ck->have[i]) {
            continue;
        }

        pv_check_cells(&ck->results[i], ck->conf->args[i], cells);

        for (c = 0; c < PV_CHECK_COLS; c++) {
            len = strlen(cells[c]);
            w[c] = len > w[c] ? len : w[c];
        }
    }

    for (c = 0; c < PV_CHECK_COLS - 1; c++) {
        printf("%-*s  ", (int) w[c], head[c]);
    }

    printf("%s\n", head[PV_CHECK_COLS - 1]);

    for (i = 0; i < ck->n; i++) {
        if (!ck->have[i]) {
            continue;
        }

        pv_check_cells(&ck->results[i], ck->conf->args[i], cells);

        for (c = 0; c < PV_CHECK_COLS - 2; c++) {
            printf("%-*s  ", (int) w[c], cells[c]);
        }

        /* no padding after the last cell, nor before an empty note */
        if (cells[PV_CHECK_COLS - 1][0]) {
            printf("%-*s  %s\n", (int) w[PV_CHECK_COLS - 2],
                   cells[PV_CHECK_COLS - 2], cells[PV_CHECK_COLS - 1]);

        } else {
            printf("%s\n", cells[PV_CHECK_COLS - 2]);
        }
    }

    fflush(stdout);
}


static json_t *
pv_check_json_one(const pv_verdict_t *v, const char *input)
{
    int      conf;
    char     norm[64];
    json_t  *o;

    o = json_object();
    json_object_set_new(o, "input", json_string(input));

    if (v->source == PV_SRC_NONE || v->phone.rc != PV_PHONE_OK) {
        json_object_set_new(o, "normalized", json_null());

    } else {
        snprintf(norm, sizeof(norm), "%s%s", v->phone.plus ? "+" : "",
                 v->phone.digits);
        json_object_set_new(o, "normalized", json_string(norm));
    }

    json_object_set_new(o, "country_sent", v->country_sent[0]
                        ? json_string(v->country_sent) : json_null());

    if (v->source == PV_SRC_NONE || v->source == PV_SRC_CANCELLED) {
        json_object_set_new(o, "status", json_null());

    } else {
        json_object_set_new(o, "status",
                            json_string(pv_verdict_name(v->verdict)));
    }

    json_object_set_new(o, "line_type", json_string(v->line_type));
    json_object_set_new(o, "e164", json_string(v->e164));
    json_object_set_new(o, "country", json_string(v->country));

    conf = v->source == PV_SRC_NONE ? -1 : pv_verdict_confidence(v->verdict);
    json_object_set_new(o, "confidence",
                        conf >= 0 ? json_integer(conf) : json_null());

    json_object_set_new(o, "last_validated",
                        v->source != PV_SRC_NONE && v->validated_at
                        && v->verdict != PV_PENDING
                        ? pv_verdict_item_value(v, PV_ITEM_LAST_VALIDATED)
                        : json_null());
    json_object_set_new(o, "source", json_string(pv_source_names[v->source]));
    json_object_set_new(o, "note", json_string(pv_check_note(v)));

    return o;
}


int
pv_cmd_check(pv_conf_t *conf)
{
    int          rc;
    size_t       i;
    json_t      *arr;
    pv_http_t   *http;
    pv_check_t   ck;
    pv_report_t  rep;

    rc = pv_conf_credentials(conf, 0, 1);
    if (rc != PV_EXIT_OK) {
        return rc;
    }

    pv_report_init(&rep, "check");

    http = pv_http_create(conf, &rep);
    if (http == NULL) {
        pv_report_free(&rep);
        return PV_EXIT_FAILED;
    }

    memset(&ck, 0, sizeof(ck));
    ck.conf = conf;
    ck.rep = &rep;
    ck.n = conf->nargs;
    ck.results = pv_xcalloc(ck.n, sizeof(pv_verdict_t));
    ck.have = pv_xcalloc(ck.n, 1);
    ck.bp = pv_bp_create(conf, http, &rep);

    pv_progress_set_total(ck.n);
    pv_http_run(http, pv_check_pump, &ck);

    rep.items = ck.finished;

    if (ck.finished < ck.n) {
        rep.interrupted = 1;
    }

    if (conf->json) {
        arr = json_array();

        for (i = 0; i < ck.n; i++) {
            if (!ck.have[i]) {
                continue;
            }

            json_array_append_new(arr, pv_check_json_one(&ck.results[i],
                                                         conf->args[i]));
        }

        json_object_set_new(rep.extra, "results", arr);

    } else {
        pv_progress_done();
        pv_check_table(&ck);
    }

    pv_report_finish(&rep, conf->json);
    rc = pv_report_exit_code(&rep);

    pv_bp_destroy(ck.bp);
    pv_http_destroy(http);
    free(ck.results);
    free(ck.have);
    pv_report_free(&rep);

    return rc;
}
