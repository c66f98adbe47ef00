
/*
 * Copyright (C) phoneval authors
 *
 * Small helpers of the CLI: growable buffers, allocation that cannot
 * return NULL (a batch tool has nothing sensible to do without memory),
 * clocks, durations and time stamps.
 */


#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phoneval_cli.h"


static void pv_oom(void) __attribute__((noreturn));


static void
pv_oom(void)
{
    fputs("phoneval: out of memory\n", stderr);
    exit(PV_EXIT_FAILED);
}


void *
pv_xmalloc(size_t n)
{
    void  *p;

    p = malloc(n ? n : 1);
    if (p == NULL) {
        pv_oom();
    }

    return p;
}


void *
pv_xcalloc(size_t n, size_t size)
{
    void  *p;

    p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL) {
        pv_oom();
    }

    return p;
}


void *
pv_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        pv_oom();
    }

    return p;
}


char *
pv_xstrdup(const char *s)
{
    return pv_xstrndup(s, strlen(s));
}


char *
pv_xstrndup(const char *s, size_t n)
{
    char  *p;

    p = pv_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';

    return p;
}


char *
pv_xsprintf(const char *fmt, ...)
{
    int       n;
    char     *p;
    va_list   ap;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);

    if (n < 0) {
        pv_oom();
    }

    p = pv_xmalloc((size_t) n + 1);

    va_start(ap, fmt);
    vsnprintf(p, (size_t) n + 1, fmt, ap);
    va_end(ap);

    return p;
}


int
pv_buf_add(pv_buf_t *b, const void *p, size_t n)
{
    size_t  cap;

    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 256;

        while (cap < b->len + n + 1) {
            cap *= 2;
        }

        b->data = pv_xrealloc(b->data, cap);
        b->cap = cap;
    }

    if (n) {
        memcpy(b->data + b->len, p, n);
    }

    b->len += n;
    b->data[b->len] = '\0';       /* always a C string too */

    return 0;
}


int
pv_buf_printf(pv_buf_t *b, const char *fmt, ...)
{
    int       n;
    char      tmp[256], *p;
    va_list   ap;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);

    if (n < 0) {
        return -1;
    }

    if ((size_t) n < sizeof(tmp)) {
        return pv_buf_add(b, tmp, (size_t) n);
    }

    p = pv_xmalloc((size_t) n + 1);

    va_start(ap, fmt);
    vsnprintf(p, (size_t) n + 1, fmt, ap);
    va_end(ap);

    pv_buf_add(b, p, (size_t) n);
    free(p);

    return 0;
}


void
pv_buf_free(pv_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}


double
pv_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


char *
pv_trim(char *s)
{
    char  *e;

    while (*s && isspace((unsigned char) *s)) {
        s++;
    }

    e = s + strlen(s);

    while (e > s && isspace((unsigned char) e[-1])) {
        e--;
    }

    *e = '\0';

    return s;
}


int
pv_strcaseeq(const char *a, const char *b)
{
    while (*a && *b) {
        if (tolower((unsigned char) *a) != tolower((unsigned char) *b)) {
            return 0;
        }

        a++;
        b++;
    }

    return *a == *b;
}


size_t
pv_digits_of(const char *s, char *out, size_t cap)
{
    size_t  n;

    n = 0;

    for ( /* void */ ; s && *s; s++) {
        if (*s >= '0' && *s <= '9' && n + 1 < cap) {
            out[n++] = *s;
        }
    }

    if (cap) {
        out[n] = '\0';
    }

    return n;
}


long
pv_parse_duration(const char *s)
{
    long   v, unit;
    char  *end;

    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }

    errno = 0;
    v = strtol(s, &end, 10);

    if (errno || v < 0) {
        return -1;
    }

    switch (*end) {

    case '\0':
    case 's':
        unit = 1;
        break;

    case 'm':
        unit = 60;
        break;

    case 'h':
        unit = 3600;
        break;

    case 'd':
        unit = 86400;
        break;

    case 'w':
        unit = 7 * 86400;
        break;

    default:
        return -1;
    }

    if (*end != '\0' && end[1] != '\0') {
        return -1;
    }

    if (v > 100L * 365 * 86400 / unit) {
        return -1;
    }

    return v * unit;
}


/* days since 1970-01-01 of a Gregorian date (the inverse of the core's) */

static long long
pv_days_from_civil(long long y, int m, int d)
{
    long long  era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


static int
pv_num(const char *s, int n, int *v)
{
    int  i;

    *v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        *v = *v * 10 + (s[i] - '0');
    }

    return 0;
}


long long
pv_parse_iso8601(const char *s)
{
    int     y, mo, d, h, mi, se;
    size_t  len;

    if (s == NULL) {
        return -1;
    }

    len = strlen(s);
    h = mi = se = 0;

    if (len < 10 || pv_num(s, 4, &y) || s[4] != '-' || pv_num(s + 5, 2, &mo)
        || s[7] != '-' || pv_num(s + 8, 2, &d))
    {
        return -1;
    }

    if (len > 10) {
        /* a time part: hh:mm:ss, optional fraction, then Z (UTC only) */

        if (len < 19 || (s[10] != 'T' && s[10] != ' ')
            || pv_num(s + 11, 2, &h) || s[13] != ':'
            || pv_num(s + 14, 2, &mi) || s[16] != ':'
            || pv_num(s + 17, 2, &se))
        {
            return -1;
        }

        s += 19;

        if (*s == '.') {
            for (s++; *s >= '0' && *s <= '9'; s++) { /* void */ }
        }

        if (!(*s == '\0' || (s[0] == 'Z' && s[1] == '\0')
              || strcmp(s, "+00:00") == 0))
        {
            return -1;
        }
    }

    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59
        || se > 60)
    {
        return -1;
    }

    return pv_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}


void
pv_format_duration(double secs, char *out, size_t size)
{
    long  s;

    if (secs < 0 || secs > 1e9) {
        snprintf(out, size, "--");
        return;
    }

    s = (long) (secs + 0.5);

    if (s >= 3600) {
        snprintf(out, size, "%ldh%02ldm", s / 3600, s / 60 % 60);

    } else if (s >= 60) {
        snprintf(out, size, "%ldm%02lds", s / 60, s % 60);

    } else {
        snprintf(out, size, "%lds", s);
    }
}
