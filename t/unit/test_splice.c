
/*
 * Copyright (C) phoneval authors
 *
 * Sorting edits and splicing them into the original bytes.
 */


#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"


#define E(s, e, d)  { s, e, (const pv_u_char *) d, sizeof(d) - 1 }


typedef struct {
    const char      *orig;
    size_t           n;
    pv_edit_t        edits[6];
    const char      *want;      /* NULL: the edits are refused */
} splice_case_t;


static const splice_case_t  cases[] = {
    { "abcdef", 0, { E(0, 0, "") }, "abcdef" },
    { "abcdef", 1, { E(0, 0, "X") }, "Xabcdef" },
    { "abcdef", 1, { E(6, 6, "X") }, "abcdefX" },
    { "abcdef", 1, { E(2, 4, "XYZ") }, "abXYZef" },
    { "abcdef", 1, { E(2, 4, "") }, "abef" },
    { "abcdef", 1, { E(0, 6, "") }, "" },
    { "abcdef", 1, { E(0, 6, "new") }, "new" },
    { "", 1, { E(0, 0, "x") }, "x" },
    { "", 0, { E(0, 0, "") }, "" },
    { "abcdef", 2, { E(1, 2, "B"), E(2, 3, "C") }, "aBCdef" },
    { "abcdef", 2, { E(3, 3, "<"), E(3, 5, "") }, "abc<f" },
    { "abcdef", 2, { E(3, 5, ""), E(5, 5, ">") }, "abc>f" },
    { "abcdef", 3, { E(3, 3, "1"), E(3, 3, "2"), E(3, 3, "3") },
      "abc123def" },
    { "[1,2,3]", 3, { E(1, 1, "0,"), E(2, 4, ""), E(6, 6, ",4") },
      "[0,1,3,4]" },

    /* refused: overlaps, out of range, reversed */
    { "abcdef", 2, { E(1, 3, "x"), E(2, 4, "y") }, NULL },
    { "abcdef", 2, { E(1, 4, ""), E(2, 2, "y") }, NULL },
    { "abcdef", 2, { E(1, 3, ""), E(1, 3, "") }, NULL },
    { "abcdef", 1, { E(5, 7, "") }, NULL },
    { "abcdef", 1, { E(7, 7, "x") }, NULL },
    { "abcdef", 1, { E(4, 3, "") }, NULL }
};


static void
test_cases(void)
{
    size_t      i, size;
    pv_u_char   out[64], *end;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size = pv_splice_size(strlen(cases[i].orig), cases[i].edits,
                              cases[i].n);

        if (cases[i].want == NULL) {
            PV_CHECK_INT(size, (size_t) -1);
            continue;
        }

        PV_CHECK_INT(size, strlen(cases[i].want));

        memset(out, 0, sizeof(out));
        end = pv_splice(out, (const pv_u_char *) cases[i].orig,
                        strlen(cases[i].orig), cases[i].edits, cases[i].n);

        PV_CHECK_MEM(out, end - out, cases[i].want);
    }
}


static void
test_sort_small(void)
{
    pv_edit_t  e[6] = {
        E(5, 5, "c"), E(3, 4, "x"), E(5, 5, "d"), E(3, 3, "a"),
        E(0, 1, "z"), E(3, 3, "b")
    };
    pv_u_char  out[32], *end;

    pv_edits_sort(e, 6);

    PV_CHECK_INT(e[0].start, 0);
    PV_CHECK_MEM(e[1].data, e[1].len, "a");
    PV_CHECK_MEM(e[2].data, e[2].len, "b");
    PV_CHECK_MEM(e[3].data, e[3].len, "x");
    PV_CHECK_MEM(e[4].data, e[4].len, "c");
    PV_CHECK_MEM(e[5].data, e[5].len, "d");

    PV_CHECK_INT(pv_splice_size(6, e, 6), 10);
    end = pv_splice(out, (const pv_u_char *) "012345", 6, e, 6);
    PV_CHECK_MEM(out, end - out, "z12abx4cd5");

    pv_edits_sort(e, 0);
    pv_edits_sort(e, 1);
}


/*
 * Sorted by (start, end), equal keys in their original order (the data
 * pointer records it), and every edit still there exactly once.
 */

static size_t
check_sorted(const pv_edit_t *a, size_t n, const pv_u_char *ids,
    unsigned char *seen)
{
    size_t  i, bad, id;

    bad = 0;
    memset(seen, 0, n);

    for (i = 0; i < n; i++) {
        id = (size_t) (a[i].data - ids);

        if (id >= n || seen[id]++) {
            bad++;
        }

        if (i == 0) {
            continue;
        }

        if (a[i].start < a[i - 1].start
            || (a[i].start == a[i - 1].start && a[i].end < a[i - 1].end))
        {
            bad++;
        }

        if (a[i].start == a[i - 1].start && a[i].end == a[i - 1].end
            && a[i].data < a[i - 1].data)
        {
            bad++;
        }
    }

    return bad;
}


static void
test_sort_large(void)
{
    int                 shape;
    size_t              i, n, m;
    pv_edit_t          *a;
    unsigned char      *seen;
    unsigned long long  seed;
    static pv_u_char    ids[100000];

    static const size_t  sizes[] = { 2, 3, 15, 16, 17, 31, 33, 100, 1000,
                                     5000, 20000, 100000 };

    a = malloc(100000 * sizeof(pv_edit_t));
    seen = malloc(100000);

    if (a == NULL || seen == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    seed = 42;

    for (shape = 0; shape < 6; shape++) {
        for (n = 0; n < sizeof(sizes) / sizeof(sizes[0]); n++) {
            m = sizes[n];

            for (i = 0; i < m; i++) {
                seed = seed * 6364136223846793005ULL + 1;

                switch (shape) {

                case 0:                 /* random, many ties */
                    a[i].start = (size_t) (seed >> 40) % 50;
                    a[i].end = a[i].start + (size_t) (seed >> 20) % 3;
                    break;

                case 1:                 /* sorted already */
                    a[i].start = i;
                    a[i].end = i;
                    break;

                case 2:                 /* reversed */
                    a[i].start = m - i;
                    a[i].end = m - i;
                    break;

                case 3:                 /* all equal: order must hold */
                    a[i].start = 7;
                    a[i].end = 7;
                    break;

                case 4:                 /* random, wide */
                    a[i].start = (size_t) (seed >> 24);
                    a[i].end = a[i].start;
                    break;

                default:                /* per-contact runs, interleaved */
                    a[i].start = (i % 7) * 1000000 + i / 7;
                    a[i].end = a[i].start + (i % 2);
                    break;
                }

                /* the data pointer records the original position */
                a[i].data = &ids[i];
                a[i].len = 0;
            }

            pv_edits_sort(a, m);

            PV_CHECK_INT(check_sorted(a, m, ids, seen), 0);
        }
    }

    free(a);
    free(seen);
}


/* many edits over one buffer: the result equals a naive rebuild */

static void
test_splice_many(void)
{
    size_t      i, n, size;
    pv_u_char  *orig, *out, *end, *want, *w;
    pv_edit_t  *e;

    n = 3000;
    orig = malloc(4 * n);
    out = malloc(8 * n);
    want = malloc(8 * n);
    e = malloc(n * sizeof(pv_edit_t));

    if (orig == NULL || out == NULL || want == NULL || e == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    for (i = 0; i < 4 * n; i++) {
        orig[i] = (pv_u_char) ('a' + i % 26);
    }

    /* edit i: every 4 bytes, a replace, a removal, or an insert */

    for (i = 0; i < n; i++) {
        e[n - 1 - i].start = 4 * i + 1;
        e[n - 1 - i].end = 4 * i + 1 + (i % 3);
        e[n - 1 - i].data = (const pv_u_char *) "XY";
        e[n - 1 - i].len = (i % 3 == 1) ? 0 : 2;
    }

    pv_edits_sort(e, n);

    w = want;
    for (i = 0; i < n; i++) {
        *w++ = orig[4 * i];

        if (i % 3 != 1) {
            *w++ = 'X';
            *w++ = 'Y';
        }

        memcpy(w, orig + 4 * i + 1 + (i % 3), 3 - (i % 3));
        w += 3 - (i % 3);
    }

    size = pv_splice_size(4 * n, e, n);
    PV_CHECK_INT(size, w - want);

    end = pv_splice(out, orig, 4 * n, e, n);
    PV_CHECK_INT(end - out, size);
    PV_CHECK(memcmp(out, want, size) == 0);

    free(orig);
    free(out);
    free(want);
    free(e);
}


/*
 * pv_splice_pieces() against pv_splice(): random bodies and edits, and
 * keep from 1 (everything of the original in place) to more than the
 * body (all copied).
 */

static unsigned long  seed = 12345;

static size_t
rnd(size_t n)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return n ? (size_t) ((seed >> 33) % n) : 0;
}


static void
test_pieces(void)
{
    int          bad;
    size_t       t, k, i, n, len, pos, np, nplan, copy, total, size;
    size_t       keeps[] = { 1, 2, 7, 64, 100000 };
    pv_edit_t    e[40];
    pv_piece_t   pieces[100];
    pv_u_char    orig[600], data[40][8], want[2000], got[2000], buf[2000];

    for (t = 0; t < 2000; t++) {
        len = rnd(sizeof(orig));

        for (i = 0; i < len; i++) {
            orig[i] = (pv_u_char) ('a' + rnd(26));
        }

        n = rnd(40);
        pos = 0;

        for (i = 0; i < n; i++) {
            e[i].start = pos + rnd(len - pos + 1 > 40 ? 40 : len - pos + 1);

            if (e[i].start > len) {
                e[i].start = len;
            }

            e[i].end = e[i].start + rnd(len - e[i].start > 5
                                        ? 5 : len - e[i].start + 1);
            e[i].len = rnd(8);

            for (k = 0; k < e[i].len; k++) {
                data[i][k] = (pv_u_char) ('A' + rnd(26));
            }

            e[i].data = data[i];
            pos = e[i].end;
        }

        size = pv_splice_size(len, e, n);
        PV_CHECK(size != (size_t) -1);

        if (size == (size_t) -1) {
            continue;
        }

        pv_splice(want, orig, len, e, n);

        for (k = 0; k < sizeof(keeps) / sizeof(keeps[0]); k++) {
            nplan = pv_splice_plan(len, e, n, keeps[k], &copy);
            np = pv_splice_pieces(pieces, buf, orig, len, e, n, keeps[k]);

            PV_CHECK_INT(np, nplan);

            total = 0;
            bad = 0;

            for (i = 0; i < np; i++) {
                bad |= (pieces[i].len == 0);

                if (pieces[i].data >= orig && pieces[i].data < orig + len) {
                    bad |= (pieces[i].len < keeps[k]);

                } else {
                    bad |= (pieces[i].data < buf
                            || pieces[i].data + pieces[i].len > buf + copy);

                    /* copied pieces next to each other are one piece */
                    bad |= (i > 0 && !(pieces[i - 1].data >= orig
                                       && pieces[i - 1].data < orig + len));
                }

                memcpy(got + total, pieces[i].data, pieces[i].len);
                total += pieces[i].len;
            }

            PV_CHECK(!bad);
            PV_CHECK_INT(total, size);
            PV_CHECK(memcmp(got, want, size) == 0);
        }
    }
}


int
main(void)
{
    test_cases();
    test_sort_small();
    test_sort_large();
    test_splice_many();
    test_pieces();

    PV_TEST_DONE("test_splice");
}
