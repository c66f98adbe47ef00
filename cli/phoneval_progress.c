
/*
 * Copyright (C) phoneval authors
 *
 * Messages on stderr and the progress bar.  The bar is drawn only on a
 * terminal (cron mail and CI logs would fill with carriage returns), and
 * every message line first erases it so the two never interleave.
 */


#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "phoneval_cli.h"


#define PV_BAR_WIDTH     30
#define PV_BAR_INTERVAL  0.1


int  pv_verbose;


static struct {
    int                      on;
    int                      drawn;
    unsigned long            total;
    unsigned long            done;
    double                   started;
    double                   last;
} pv_bar;


static void pv_progress_clear(void);
static void pv_progress_draw(void);
static void pv_vlog(const char *level, const char *fmt, va_list ap);


void
pv_progress_init(pv_progress_mode_e mode, int verbose)
{
    memset(&pv_bar, 0, sizeof(pv_bar));

    switch (mode) {

    case PV_PROGRESS_ALWAYS:
        pv_bar.on = 1;
        break;

    case PV_PROGRESS_NEVER:
        pv_bar.on = 0;
        break;

    default:
        pv_bar.on = isatty(STDERR_FILENO) && !verbose;
        break;
    }

    pv_bar.started = pv_now();
}


void
pv_progress_set_total(unsigned long total)
{
    pv_bar.total = total;
}


void
pv_progress_update(unsigned long done)
{
    double  now;

    pv_bar.done = done;

    if (!pv_bar.on) {
        return;
    }

    now = pv_now();

    if (now - pv_bar.last < PV_BAR_INTERVAL) {
        return;
    }

    pv_bar.last = now;
    pv_progress_draw();
}


void
pv_progress_done(void)
{
    if (pv_bar.on && pv_bar.drawn) {
        pv_progress_draw();
        fputc('\n', stderr);
        pv_bar.drawn = 0;
    }
}


static void
pv_progress_draw(void)
{
    int     i, fill;
    char    eta[32], line[160];
    double  elapsed, rate;

    elapsed = pv_now() - pv_bar.started;
    rate = elapsed > 0 ? pv_bar.done / elapsed : 0;

    if (pv_bar.total && rate > 0 && pv_bar.done <= pv_bar.total) {
        pv_format_duration((pv_bar.total - pv_bar.done) / rate, eta,
                           sizeof(eta));

    } else {
        strcpy(eta, "--");
    }

    fill = 0;

    if (pv_bar.total) {
        fill = (int) ((double) PV_BAR_WIDTH * pv_bar.done / pv_bar.total);
        fill = fill > PV_BAR_WIDTH ? PV_BAR_WIDTH : fill;
    }

    for (i = 0; i < PV_BAR_WIDTH; i++) {
        line[i] = i < fill ? '=' : (i == fill && pv_bar.total ? '>' : ' ');
    }

    line[PV_BAR_WIDTH] = '\0';

    if (pv_bar.total) {
        fprintf(stderr, "\r\033[K[%s] %lu/%lu  %.1f/s  ETA %s", line,
                pv_bar.done, pv_bar.total, rate, eta);

    } else {
        fprintf(stderr, "\r\033[K%lu done  %.1f/s", pv_bar.done, rate);
    }

    fflush(stderr);
    pv_bar.drawn = 1;
}


static void
pv_progress_clear(void)
{
    if (pv_bar.drawn) {
        fputs("\r\033[K", stderr);
        pv_bar.drawn = 0;
    }
}


static void
pv_vlog(const char *level, const char *fmt, va_list ap)
{
    pv_progress_clear();

    fputs("phoneval: ", stderr);

    if (level) {
        fputs(level, stderr);
    }

    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}


void
pv_log_error(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    pv_vlog("error: ", fmt, ap);
    va_end(ap);
}


void
pv_log_warn(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    pv_vlog("warning: ", fmt, ap);
    va_end(ap);
}


void
pv_log_info(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    pv_vlog(NULL, fmt, ap);
    va_end(ap);
}


void
pv_log_debug(const char *fmt, ...)
{
    va_list  ap;

    if (!pv_verbose) {
        return;
    }

    va_start(ap, fmt);
    pv_vlog(NULL, fmt, ap);
    va_end(ap);
}
