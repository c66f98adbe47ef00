
/*
 * Copyright (C) phoneval authors
 *
 * Applies a list of byte edits to the client's body: everything outside
 * the edits is copied as it was sent.
 */


#include <string.h>

#include "phoneval_core.h"


/* runs sorted by insertion before they are merged */
#define PV_EDITS_RUN  16


static int pv_edit_less(const pv_edit_t *a, const pv_edit_t *b);
static void pv_edits_insertion(pv_edit_t *e, size_t n);
static void pv_edits_merge(pv_edit_t *e, size_t n1, size_t n2);
static size_t pv_edits_lower(const pv_edit_t *e, size_t n,
    const pv_edit_t *x);
static size_t pv_edits_upper(const pv_edit_t *e, size_t n,
    const pv_edit_t *x);
static void pv_edits_rotate(pv_edit_t *e, size_t n1, size_t n);
static void pv_edits_reverse(pv_edit_t *e, size_t n);


static int
pv_edit_less(const pv_edit_t *a, const pv_edit_t *b)
{
    return a->start < b->start || (a->start == b->start && a->end < b->end);
}


/*
 * Stable, because the order of inserts at one offset is the order of the
 * text they add.  There is no memory to merge into, so runs are merged in
 * place by rotations: O(n log n) comparisons, O(n log^2 n) moves at worst.
 * Edits usually arrive nearly sorted; a sorted list costs one pass.
 */

void
pv_edits_sort(pv_edit_t *e, size_t n)
{
    size_t  i, w, n1, n2;

    for (i = 1; i < n; i++) {
        if (pv_edit_less(&e[i], &e[i - 1])) {
            break;
        }
    }

    if (i >= n) {
        return;
    }

    for (i = 0; i < n; i += PV_EDITS_RUN) {
        pv_edits_insertion(e + i, n - i < PV_EDITS_RUN ? n - i : PV_EDITS_RUN);
    }

    for (w = PV_EDITS_RUN; w < n; w *= 2) {
        for (i = 0; i + w < n; i += 2 * w) {
            n1 = w;
            n2 = (n - i - w < w) ? n - i - w : w;

            pv_edits_merge(e + i, n1, n2);
        }
    }
}


static void
pv_edits_insertion(pv_edit_t *e, size_t n)
{
    size_t     i, j;
    pv_edit_t  t;

    for (i = 1; i < n; i++) {
        t = e[i];

        for (j = i; j > 0 && pv_edit_less(&t, &e[j - 1]); j--) {
            e[j] = e[j - 1];
        }

        e[j] = t;
    }
}


/* merges the sorted e[0, n1) and e[n1, n1 + n2) in place, stably */

static void
pv_edits_merge(pv_edit_t *e, size_t n1, size_t n2)
{
    size_t     c1, c2;
    pv_edit_t  t;

    /* the recursion depth is O(log n): the longer half is cut in two */

    while (n1 != 0 && n2 != 0) {

        if (!pv_edit_less(&e[n1], &e[n1 - 1])) {
            return;                             /* already in order */
        }

        if (n1 + n2 == 2) {
            t = e[0];
            e[0] = e[1];
            e[1] = t;
            return;
        }

        if (n1 >= n2) {
            c1 = n1 / 2;
            c2 = pv_edits_lower(e + n1, n2, &e[c1]);

        } else {
            c2 = n2 / 2;
            c1 = pv_edits_upper(e, n1, &e[n1 + c2]);
        }

        /* e: [0, c1) [c1, n1) [n1, n1 + c2) [n1 + c2, ...) */

        pv_edits_rotate(e + c1, n1 - c1, n1 - c1 + c2);

        pv_edits_merge(e, c1, c2);

        /* the right part as a loop instead of a second call */

        e += c1 + c2;
        n1 -= c1;
        n2 -= c2;
    }
}


/* the first i with !(e[i] < x) */

static size_t
pv_edits_lower(const pv_edit_t *e, size_t n, const pv_edit_t *x)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (pv_edit_less(&e[mid], x)) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo;
}


/* the first i with x < e[i] */

static size_t
pv_edits_upper(const pv_edit_t *e, size_t n, const pv_edit_t *x)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (!pv_edit_less(x, &e[mid])) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo;
}


/* turns e[0, n1) e[n1, n) into e[n1, n) e[0, n1) */

static void
pv_edits_rotate(pv_edit_t *e, size_t n1, size_t n)
{
    if (n1 == 0 || n1 == n) {
        return;
    }

    pv_edits_reverse(e, n1);
    pv_edits_reverse(e + n1, n - n1);
    pv_edits_reverse(e, n);
}


static void
pv_edits_reverse(pv_edit_t *e, size_t n)
{
    size_t     i;
    pv_edit_t  t;

    for (i = 0; i < n / 2; i++) {
        t = e[i];
        e[i] = e[n - 1 - i];
        e[n - 1 - i] = t;
    }
}


size_t
pv_splice_size(size_t orig_len, const pv_edit_t *e, size_t n)
{
    size_t  i, size, prev;

    size = orig_len;
    prev = 0;

    for (i = 0; i < n; i++) {
        if (e[i].start > e[i].end || e[i].end > orig_len
            || e[i].start < prev)
        {
            return (size_t) -1;
        }

        size -= e[i].end - e[i].start;

        if (e[i].len >= (size_t) -1 - size) {
            return (size_t) -1;
        }

        size += e[i].len;
        prev = e[i].end;
    }

    return size;
}


pv_u_char *
pv_splice(pv_u_char *dst, const pv_u_char *orig, size_t orig_len,
    const pv_edit_t *e, size_t n)
{
    size_t  i, pos;

    pos = 0;

    for (i = 0; i < n; i++) {
        if (e[i].start > pos) {
            memcpy(dst, orig + pos, e[i].start - pos);
            dst += e[i].start - pos;
        }

        if (e[i].len) {
            memcpy(dst, e[i].data, e[i].len);
            dst += e[i].len;
        }

        pos = e[i].end;
    }

    if (orig_len > pos) {
        memcpy(dst, orig + pos, orig_len - pos);
        dst += orig_len - pos;
    }

    return dst;
}


/*
 * Walks the result as runs of the original and the edits' data: a run
 * of keep or more bytes is a piece of its own in place, anything else is
 * appended to the copied piece being built.
 */

size_t
pv_splice_plan(size_t orig_len, const pv_edit_t *e, size_t n, size_t keep,
    size_t *copy)
{
    int     open;
    size_t  i, pos, end, run, pieces;

    pieces = 0;
    *copy = 0;
    open = 0;              /* a copied piece is being built */
    pos = 0;

    for (i = 0; i <= n; i++) {
        end = (i < n) ? e[i].start : orig_len;
        run = end - pos;

        if (run >= keep && run != 0) {
            pieces++;
            open = 0;

        } else if (run) {
            *copy += run;
            pieces += !open;
            open = 1;
        }

        if (i == n) {
            break;
        }

        if (e[i].len) {
            *copy += e[i].len;
            pieces += !open;
            open = 1;
        }

        pos = e[i].end;
    }

    return pieces;
}


size_t
pv_splice_pieces(pv_piece_t *pieces, pv_u_char *copy, const pv_u_char *orig,
    size_t orig_len, const pv_edit_t *e, size_t n, size_t keep)
{
    size_t       i, pos, end, run, np;
    pv_piece_t  *open;

    np = 0;
    open = NULL;
    pos = 0;

    for (i = 0; i <= n; i++) {
        end = (i < n) ? e[i].start : orig_len;
        run = end - pos;

        if (run >= keep && run != 0) {
            pieces[np].data = orig + pos;
            pieces[np].len = run;
            np++;
            open = NULL;

        } else if (run) {
            if (open == NULL) {
                open = &pieces[np++];
                open->data = copy;
                open->len = 0;
            }

            memcpy(copy, orig + pos, run);
            copy += run;
            open->len += run;
        }

        if (i == n) {
            break;
        }

        if (e[i].len) {
            if (open == NULL) {
                open = &pieces[np++];
                open->data = copy;
                open->len = 0;
            }

            memcpy(copy, e[i].data, e[i].len);
            copy += e[i].len;
            open->len += e[i].len;
        }

        pos = e[i].end;
    }

    return np;
}
