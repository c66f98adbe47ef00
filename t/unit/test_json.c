
/*
 * Copyright (C) phoneval authors
 *
 * Strict JSON validation, the walking helpers, decoding and quoting.
 */


#include <stdlib.h>
#include <time.h>

#include "phoneval_core.h"
#include "pv_test.h"


#define NO_OFF  ((size_t) -1)


typedef struct {
    const char      *doc;
    size_t           len;
    pv_json_rc_e     rc;
    size_t           offset;    /* NO_OFF: the offset of "at" in doc */
    const char      *at;
} json_case_t;


#define OK(s)            { s, sizeof(s) - 1, PV_JSON_OK, 0, NULL }
#define BAD(s, rc, off)  { s, sizeof(s) - 1, rc, off, NULL }
#define DUP(s, at)       { s, sizeof(s) - 1, PV_JSON_EDUPLICATE, NO_OFF, at }

#define SYN  PV_JSON_ESYNTAX
#define U8   PV_JSON_EUTF8


static const json_case_t  cases[] = {

    /* values */
    OK("0"), OK("-0"), OK("1"), OK("-1"), OK("0.5"), OK("-0.0e0"),
    OK("1e5"), OK("1E+5"), OK("1e-5"), OK("1.5E3"), OK("10"), OK("9.99"),
    OK("123456789012345678901234567890"), OK("1234567890123460"),
    OK("0.1"), OK("1E400"), OK("-1e-400"),
    OK("true"), OK("false"), OK("null"),
    OK("\"\""), OK("\"a\""), OK("\"a b\""), OK("\"\x7f\""),
    OK("[]"), OK("{}"), OK(" [ ] "), OK("{ }"), OK("\t\n\r [1]\n"),
    OK("[1,2,3]"), OK("[[],[[]],{}]"), OK("[\"a\",1,true,false,null,{}]"),
    OK("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}"),
    OK("{ \"a\" : 1 , \"b\" : 2 }"),
    OK("{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"cf_FAKE1\","
       "\"field_value\":1234567890123460}],\"score\":0.1}"),

    /* escapes */
    OK("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
    OK("\"\\u0041\""), OK("\"\\u00e9\""), OK("\"\\u00E9\""),
    OK("\"\\uD83D\\uDE00\""), OK("\"\\ud83d\\ude00\""),
    OK("\"\\u0000\""), OK("\"\\uFFFF\""), OK("\"\\uDBFF\\uDFFF\""),
    OK("\"\\uD800\\uDC00\""), OK("\"\\uD7FF\""), OK("\"\\uE000\""),
    OK("\"\\u2028\\u2029\""),

    /* UTF-8: the boundaries of every row of RFC 3629's table */
    OK("\"\xc2\x80\""), OK("\"\xdf\xbf\""), OK("\"\xc3\xa9\""),
    OK("\"\xe0\xa0\x80\""), OK("\"\xe2\x82\xac\""), OK("\"\xed\x9f\xbf\""),
    OK("\"\xee\x80\x80\""), OK("\"\xef\xbf\xbf\""),
    OK("\"\xf0\x90\x80\x80\""), OK("\"\xf0\x9f\x98\x80\""),
    OK("\"\xf3\xbf\xbf\xbf\""), OK("\"\xf4\x8f\xbf\xbf\""),
    OK("{\"\xc3\xa9\":\"\xd9\xa1\xd9\xa2\"}"),

    /* same names, but not in one object, or not the same name */
    OK("{\"a\":1,\"A\":1}"), OK("{\"a\":{\"a\":1}}"),
    OK("[{\"a\":1},{\"a\":2}]"), OK("{\"a\\u0000\":1,\"a\":2}"),
    OK("{\"ab\":1,\"a\":1}"), OK("{\"a\":1,\"b\":{\"a\":2},\"c\":{\"a\":3}}"),
    OK("{\"\\u00e9\":1,\"e\\u0301\":2}"), OK("{\"\":1,\" \":2}"),
    OK("{\"a\":[{\"a\":1}],\"b\":[{\"a\":1}]}"),

    /* empty and framing */
    BAD("", SYN, 0), BAD("   ", SYN, 3), BAD("\n", SYN, 1),
    BAD("\xef\xbb\xbf{}", SYN, 0), BAD("\xef\xbb\xbf", SYN, 0),
    BAD("{", SYN, 1), BAD("[", SYN, 1), BAD("[1,", SYN, 3),
    BAD("[1", SYN, 2), BAD("{\"a\"", SYN, 4), BAD("{\"a\":", SYN, 5),
    BAD("{\"a\":1", SYN, 6), BAD("{\"a\":1,", SYN, 7),
    BAD("[1,]", SYN, 3), BAD("[,1]", SYN, 1), BAD("[,]", SYN, 1),
    BAD("{\"a\"}", SYN, 4), BAD("{\"a\" 1}", SYN, 5), BAD("{\"a\":}", SYN, 5),
    BAD("{\"a\":1,}", SYN, 7), BAD("{,}", SYN, 1), BAD("{a:1}", SYN, 1),
    BAD("{'a':1}", SYN, 1), BAD("{1:1}", SYN, 1), BAD("{null:1}", SYN, 1),
    BAD("[1 2]", SYN, 3), BAD("{\"a\":1 \"b\":2}", SYN, 7),
    BAD("[1}", SYN, 2), BAD("{\"a\":1]", SYN, 6), BAD("[1]]", SYN, 3),
    BAD("{} {}", SYN, 3), BAD("1 2", SYN, 2), BAD("[1];", SYN, 3),
    BAD("]", SYN, 0), BAD("}", SYN, 0), BAD(":", SYN, 0), BAD(",", SYN, 0),
    BAD("[\"a\":1]", SYN, 4), BAD("{\"a\"::1}", SYN, 5),
    BAD("\x0c[]", SYN, 0), BAD("[]\x0b", SYN, 2), BAD("/*c*/1", SYN, 0),
    BAD("[1]//", SYN, 3), BAD("\xc2\xa0[]", SYN, 0),
    BAD("\xc3\xa9", SYN, 0), BAD("[1]\xff", SYN, 3),
    BAD("[1]\0", SYN, 3), BAD("\0", SYN, 0),

    /* numbers */
    BAD("01", SYN, 1), BAD("-01", SYN, 2), BAD("00", SYN, 1),
    BAD("[01]", SYN, 2), BAD("+1", SYN, 0), BAD(".5", SYN, 0),
    BAD("1.", SYN, 2), BAD("1.e5", SYN, 2), BAD("1e", SYN, 2),
    BAD("1e+", SYN, 3), BAD("1E-", SYN, 3), BAD("1e+-1", SYN, 3),
    BAD("-", SYN, 1), BAD("-a", SYN, 1), BAD("--1", SYN, 1),
    BAD("- 1", SYN, 1), BAD("1.5x", SYN, 3), BAD("0x10", SYN, 1),
    BAD("1.5.5", SYN, 3), BAD("1e5e5", SYN, 3), BAD("[1.]", SYN, 3),
    BAD("NaN", SYN, 0), BAD("Infinity", SYN, 0), BAD("-Infinity", SYN, 1),
    BAD("[-]", SYN, 2), BAD("1 .5", SYN, 2), BAD("\xef\xbc\x91", SYN, 0),

    /* literals */
    BAD("tru", SYN, 0), BAD("nul", SYN, 0), BAD("True", SYN, 0),
    BAD("NULL", SYN, 0), BAD("nulll", SYN, 4), BAD("[truex]", SYN, 5),
    BAD("[fals]", SYN, 1), BAD("undefined", SYN, 0),

    /* strings and escapes */
    BAD("\"abc", SYN, 4), BAD("\"", SYN, 1), BAD("\"\\", SYN, 2),
    BAD("\"\\\"", SYN, 3), BAD("\"\\u00", SYN, 5),
    BAD("\"\\uD83D\\uDE", SYN, 1),
    BAD("\"\\x\"", SYN, 1), BAD("\"\\U0041\"", SYN, 1),
    BAD("\"\\'\"", SYN, 1), BAD("\"\\a\"", SYN, 1), BAD("\"\\0\"", SYN, 1),
    BAD("\"ab\\ \"", SYN, 3),
    BAD("\"\\u12\"", SYN, 1), BAD("\"\\u12G4\"", SYN, 1),
    BAD("\"\\u-123\"", SYN, 1), BAD("\"\\u 123\"", SYN, 1),
    BAD("\"\\uD800\"", SYN, 1), BAD("\"\\uDBFF\"", SYN, 1),
    BAD("\"\\uDC00\"", SYN, 1), BAD("\"\\uDFFF\"", SYN, 1),
    BAD("\"x\\uD800\\u0041\"", SYN, 2), BAD("\"\\uD800\\uD800\"", SYN, 1),
    BAD("\"\\uD800x\"", SYN, 1), BAD("\"\\uDBFF\\uE000\"", SYN, 1),
    BAD("\"\\uD800\\n\"", SYN, 1), BAD("\"\\uDC00\\uD800\"", SYN, 1),
    BAD("\"\\uD800\\\\uDC00\"", SYN, 1),
    BAD("\"a\x01\"", SYN, 2), BAD("\"\t\"", SYN, 1), BAD("\"\n\"", SYN, 1),
    BAD("\"\r\"", SYN, 1), BAD("\"\x1f\"", SYN, 1), BAD("\"a\0b\"", SYN, 2),
    BAD("'a'", SYN, 0), BAD("{\"a\x01\":1}", SYN, 3),

    /* UTF-8 */
    BAD("\"\x80\"", U8, 1), BAD("\"\xbf\"", U8, 1),
    BAD("\"\xc0\xaf\"", U8, 1), BAD("\"\xc1\xbf\"", U8, 1),
    BAD("\"\xc0\x80\"", U8, 1),
    BAD("\"\xe0\x80\xaf\"", U8, 1), BAD("\"\xe0\x9f\xbf\"", U8, 1),
    BAD("\"\xf0\x80\x80\xaf\"", U8, 1), BAD("\"\xf0\x8f\xbf\xbf\"", U8, 1),
    BAD("\"\xed\xa0\x80\"", U8, 1), BAD("\"\xed\xbf\xbf\"", U8, 1),
    BAD("\"\xed\xa0\xbd\xed\xb8\x80\"", U8, 1),
    BAD("\"\xf4\x90\x80\x80\"", U8, 1), BAD("\"\xf5\x80\x80\x80\"", U8, 1),
    BAD("\"\xf8\x88\x80\x80\x80\"", U8, 1), BAD("\"\xfe\"", U8, 1),
    BAD("\"\xff\"", U8, 1),
    BAD("\"\xc3\"", U8, 1), BAD("\"\xe2\x82\"", U8, 1),
    BAD("\"\xf0\x9f\x98\"", U8, 1), BAD("\"\xc3", U8, 1),
    BAD("\"a\xe2\x82", U8, 2), BAD("\"\xc3\x41\"", U8, 1),
    BAD("\"\xe2\x28\xa1\"", U8, 1), BAD("\"\xe2\x82\x28\"", U8, 1),
    BAD("\"\xf0\x9f\x98\x28\"", U8, 1), BAD("\"ok\xc3\xa9\xa9\"", U8, 5),
    BAD("{\"\xff\":1}", U8, 2), BAD("[\"a\",\"\x80\"]", U8, 6),

    /* duplicates, compared by the decoded name */
    DUP("{\"phone\":\"+12095550100\",\"firstName\":\"Test\","
        "\"phone\":\"+12095550199\"}", "\"phone\":\"+12095550199\""),
    DUP("{\"a\":1,\"a\":2}", "\"a\":2"),
    DUP("{\"a\":1,\"b\":2,\"a\":3}", "\"a\":3"),
    DUP("{\"a\":1,\"\\u0061\":2}", "\"\\u0061\""),
    DUP("{\"ph\\u006fne\":1,\"phone\":2}", "\"phone\""),
    DUP("{\"phone\":1,\"ph\\u006Fne\":2}", "\"ph\\u006Fne\""),
    DUP("{\"\\u0070hone\":1,\"ph\\u006fne\":2}", "\"ph\\u006fne\""),
    DUP("{\"a\\/b\":1,\"a/b\":2}", "\"a/b\""),
    DUP("{\"\xc3\xa9\":1,\"\\u00e9\":2}", "\"\\u00e9\""),
    DUP("{\"\xf0\x9f\x98\x80\":1,\"\\uD83D\\uDE00\":2}", "\"\\uD83D"),
    DUP("{\"\\n\":1,\"\\u000a\":2}", "\"\\u000a\""),
    DUP("{\"\":1,\"\":2}", "\"\":2"),
    DUP("{\"a\":{\"b\":1,\"b\":2}}", "\"b\":2"),
    DUP("[{\"a\":1},{\"b\":1,\"b\":2}]", "\"b\":2"),
    DUP("{\"a\":[{\"x\":{\"y\":1,\"y\":1}}]}", "\"y\":1}"),
    DUP("{\"a\":{\"a\":1},\"a\":2}", "\"a\":2"),
    DUP("{\"a\":1,\"a\":2,\"a\":3}", "\"a\":2"),

    /* names read as words: every length around 8, escaped or not */
    DUP("{\"abcdefg\":1,\"abc\\u0064efg\":2}", "\"abc\\u0064"),
    DUP("{\"abcdefgh\":1,\"abc\\u0064efgh\":2}", "\"abc\\u0064"),
    DUP("{\"abcdefghi\":1,\"abc\\u0064efghi\":2}", "\"abc\\u0064"),
    DUP("{\"\\u0061bcdefghijklmnop\":1,\"abcdefghijklmnop\":2}",
        "\"abcdefghijklmnop\":2"),
    DUP("{\"\\u0061\":1,\"a\":2}", "\"a\":2"),
    DUP("{\"abcdefghXabcdefgh\":1,\"abcdefghXabcdefgh\":2}",
        "\"abcdefghXabcdefgh\":2"),
    OK("{\"abcdefghXabcdefgh\":1,\"abcdefghYabcdefgh\":2}"),
    OK("{\"a\\u0000\":1,\"a\":2}"),
    OK("[\"12345678\\\"\",\"\\\\\",\"\\\\\\\\\\\"x\"]"),
    OK("{\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\":\"\xe2\x82\xac\x7f\x20"
       "0123456789\"}"),
    BAD("[\"0123456789\x1f\"]", SYN, 12), BAD("[\"01234567\x80\"]", U8, 10),

    /* the scan stops at the first fault */
    DUP("{\"a\":1,\"a\":\"\xff\"}", "\"a\":\""),
    BAD("{\"a\":\"\xff\",\"a\":1}", U8, 6),
    BAD("{\"a\":1,\"a\"", PV_JSON_EDUPLICATE, 7)
};


static void
test_table(void)
{
    size_t            i, want;
    const char       *at;
    pv_arena_t        a;
    pv_json_rc_e      rc;
    pv_json_error_t   err;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pv_arena_init(&a);

        rc = pv_json_validate((const pv_u_char *) cases[i].doc, cases[i].len,
                              512, &a.pool, &err);

        want = cases[i].offset;

        if (want == NO_OFF) {
            at = strstr(cases[i].doc, cases[i].at);
            want = at ? (size_t) (at - cases[i].doc) : (size_t) -2;
        }

        pv_test_run++;

        if (rc != cases[i].rc || err.rc != rc
            || (rc != PV_JSON_OK && err.offset != want)
            || err.message == NULL)
        {
            pv_test_failed++;
            fprintf(stderr, "case %d \"%s\": expected rc %d at %d, "
                    "got rc %d at %d (%s)\n", (int) i, cases[i].doc,
                    (int) cases[i].rc, (int) want, (int) rc,
                    (int) err.offset, err.message ? err.message : "NULL");
        }

        if (rc != PV_JSON_OK) {
            PV_CHECK_INT(err.line, 1 + (memchr(cases[i].doc, '\n', want)
                                        != NULL));
        }

        pv_arena_free(&a);
    }
}


static void
test_messages(void)
{
    pv_arena_t       a;
    pv_json_error_t  err;

    static const struct {
        const char  *doc;
        const char  *message;
    } m[] = {
        { "", "empty document" },
        { "\xef\xbb\xbf[]", "byte order mark is not allowed" },
        { "[1,]", "unexpected character" },
        { "01", "leading zero in number" },
        { "1.", "invalid number" },
        { "nul", "invalid literal" },
        { "\"a", "unterminated string" },
        { "\"\\q\"", "invalid escape" },
        { "\"\\u00zz\"", "invalid \\u escape" },
        { "\"\\uDC00\"", "unpaired surrogate in \\u escape" },
        { "\"\x01\"", "control character in string" },
        { "\"\xff\"", "invalid UTF-8" },
        { "{\"a\" 1}", "expected ':'" },
        { "{\"a\":1 2}", "expected ',' or '}'" },
        { "[1 2]", "expected ',' or ']'" },
        { "{1}", "expected a member name" },
        { "{} x", "unexpected data after the document" },
        { "{\"a\":1,\"a\":1}", "duplicate member name" },
        { "[[", "nesting too deep" },
        { "[", "unexpected end of input" }
    };
    size_t  i;

    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        pv_arena_init(&a);
        (void) pv_json_validate((const pv_u_char *) m[i].doc,
                                strlen(m[i].doc), 1, &a.pool, &err);
        PV_CHECK_STR(err.message, m[i].message);
        pv_arena_free(&a);
    }

    /* a NULL err is allowed */
    pv_arena_init(&a);
    PV_CHECK_INT(pv_json_validate((const pv_u_char *) "[1,]", 4, 512,
                                  &a.pool, NULL), PV_JSON_ESYNTAX);
    PV_CHECK_INT(pv_json_validate((const pv_u_char *) "[1]", 3, 512,
                                  &a.pool, NULL), PV_JSON_OK);
    pv_arena_free(&a);
}


static void
test_line_column(void)
{
    pv_arena_t       a;
    pv_json_error_t  err;

    static const struct {
        const char  *doc;
        size_t       line;
        size_t       column;
    } m[] = {
        { "{\n  \"a\": 1,\n  \"a\": 2\n}", 3, 3 },
        { "[1,\n2,\n]", 3, 1 },
        { "\n\n   x", 3, 4 },
        { "[1,\r\n 2,\r\n 0x]", 3, 3 },
        { "x", 1, 1 },
        { "[1, 2, 3,]", 1, 10 },
        { "{\n\"a\":\n\"\xff\"}", 3, 2 },
        { "[\n", 2, 1 }
    };
    size_t  i;

    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        pv_arena_init(&a);
        (void) pv_json_validate((const pv_u_char *) m[i].doc,
                                strlen(m[i].doc), 512, &a.pool, &err);
        PV_CHECK_INT(err.line, m[i].line);
        PV_CHECK_INT(err.column, m[i].column);
        pv_arena_free(&a);
    }

    pv_arena_init(&a);
    PV_CHECK_INT(pv_json_validate((const pv_u_char *) "[]", 2, 512, &a.pool,
                                  &err), PV_JSON_OK);
    PV_CHECK_INT(err.rc, PV_JSON_OK);
    pv_arena_free(&a);
}


static void *
xmalloc(size_t size)
{
    void  *p;

    p = malloc(size);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    return p;
}


static char *
repeat(char *o, const char *s, size_t n)
{
    size_t  i, l;

    l = strlen(s);

    for (i = 0; i < n; i++) {
        memcpy(o, s, l);
        o += l;
    }

    return o;
}


static pv_json_rc_e
check_doc(const char *doc, size_t len, unsigned depth, size_t *offset)
{
    pv_arena_t       a;
    pv_json_rc_e     rc;
    pv_json_error_t  err;

    pv_arena_init(&a);
    rc = pv_json_validate((const pv_u_char *) doc, len, depth, &a.pool,
                          &err);
    *offset = err.offset;
    pv_arena_free(&a);

    return rc;
}


static void
test_depth(void)
{
    char        *buf, *o;
    size_t       off, pre;
    clock_t      t0;
    const char  *j2 = "{\"phone\":\"+12095550142\",\"customFields\":";

    buf = xmalloc(200000);

    /* arrays: 512 deep is fine, 513 is not */

    o = repeat(buf, "[", 512);
    o = repeat(o, "]", 512);
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

    o = repeat(buf, "[", 513);
    o = repeat(o, "]", 513);
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDEPTH);
    PV_CHECK_INT(off, 512);

    /* objects */

    o = repeat(buf, "{\"a\":", 511);
    o = repeat(o, "{}", 1);
    o = repeat(o, "}", 511);
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

    o = repeat(buf, "{\"a\":", 512);
    o = repeat(o, "{}", 1);
    o = repeat(o, "}", 512);
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDEPTH);
    PV_CHECK_INT(off, 512 * 5);

    /* mixed, with members on the way back up */

    o = repeat(buf, "[{\"k\":", 256);
    o = repeat(o, "1", 1);
    o = repeat(o, ",\"z\":0}]", 256);
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);
    PV_CHECK_INT(check_doc(buf, o - buf, 511, &off), PV_JSON_EDEPTH);
    PV_CHECK_INT(off, 255 * 6 + 1);

    PV_CHECK_INT(check_doc("[]", 2, 0, &off), PV_JSON_EDEPTH);
    PV_CHECK_INT(off, 0);
    PV_CHECK_INT(check_doc("1", 1, 0, &off), PV_JSON_OK);
    PV_CHECK_INT(check_doc("[[]]", 4, 1, &off), PV_JSON_EDEPTH);
    PV_CHECK_INT(off, 1);

    /* J2: 20 000 '[' fail fast, at the bracket that crossed 512 */

    pre = strlen(j2);
    o = repeat(buf, j2, 1);
    o = repeat(o, "[", 20000);
    o = repeat(o, "0", 1);
    o = repeat(o, "]", 20000);
    o = repeat(o, "}", 1);

    t0 = clock();
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDEPTH);
    PV_CHECK_INT(off, pre + 511);
    PV_CHECK((double) (clock() - t0) / CLOCKS_PER_SEC < 0.05);

    /* no recursion: a huge limit walks 20 000 levels on the heap */

    PV_CHECK_INT(check_doc(buf, o - buf, 100000, &off), PV_JSON_OK);

    o = repeat(buf, "[", 50000);
    PV_CHECK_INT(check_doc(buf, o - buf, 100000, &off), PV_JSON_ESYNTAX);
    PV_CHECK_INT(off, 50000);

    free(buf);
}


static void
test_large_objects(void)
{
    int          i, n, k;
    char        *o;
    size_t       off, at;
    static char  buf[200000];

    /* 200 distinct members */

    o = buf;
    *o++ = '{';
    for (i = 0; i < 200; i++) {
        o += sprintf(o, "%s\"k%d\":%d", i ? "," : "", i, i);
    }
    *o++ = '}';
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

    /* a repeat at the end, found when the object closes */

    o--;
    at = o - buf + 1;
    o += sprintf(o, ",\"k57\":1}");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDUPLICATE);
    PV_CHECK_INT(off, at);

    /* the same, spelled with an escape */

    o = buf + at - 1;
    o += sprintf(o, ",\"k\\u0035\\u0037\":1}");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDUPLICATE);
    PV_CHECK_INT(off, at);

    /* two repeats: the error is at the earlier second name */

    o = buf;
    *o++ = '{';
    for (i = 0; i < 150; i++) {
        o += sprintf(o, "%s\"k%d\":%d", i ? "," : "", i, i);
        if (i == 100) {
            at = o - buf + 1;
            o += sprintf(o, ",\"k99\":0");
        }
        if (i == 120) {
            o += sprintf(o, ",\"k3\":0");
        }
    }
    *o++ = '}';
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDUPLICATE);
    PV_CHECK_INT(off, at);

    /* a large object nested in an array of large objects */

    o = buf;
    o += sprintf(o, "[{\"x\":1}, {");
    for (i = 0; i < 40; i++) {
        o += sprintf(o, "\"k%d\":{\"a\":[%d]},", i, i);
    }
    o += sprintf(o, "\"inner\":{");
    for (i = 0; i < 40; i++) {
        o += sprintf(o, "%s\"m%d\":%d", i ? "," : "", i, i);
    }
    o += sprintf(o, "}}]");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

    o -= 3;
    at = o - buf + 1;
    o += sprintf(o, ",\"m7\":1}}]");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDUPLICATE);
    PV_CHECK_INT(off, at);

    /*
     * Names alike at both ends: the cheap name hash collides for them
     * all, so equality rests on the full comparison, small or large.
     */

    o = buf;
    o += sprintf(o, "{\"abcdefgh1ijklmnop\":1,\"abcdefgh2ijklmnop\":2}");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

    o = buf;
    o += sprintf(o, "{\"abcdefgh1ijklmnop\":1,\"abcdefgh2ijklmnop\":2,"
                 "\"abcdefgh\\u0031ijklmnop\":3}");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDUPLICATE);
    PV_CHECK_INT(off, strstr(buf, "\"abcdefgh\\u0031") - buf);

    o = buf;
    *o++ = '{';
    for (i = 0; i < 3000; i++) {
        o += sprintf(o, "%s\"abcdefgh%05dijklmnop\":1", i ? "," : "",
                     (i * 7919) % 3000);
    }
    *o++ = '}';
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

    o--;
    at = o - buf + 1;
    o += sprintf(o, ",\"abcdefgh01234ijklmnop\":3}");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDUPLICATE);
    PV_CHECK_INT(off, at);

    o = buf + at - 1;
    o += sprintf(o, ",\"abcdefgh0123\\u0034ijklmnop\":3}");
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_EDUPLICATE);
    PV_CHECK_INT(off, at);

    /* every size around the switch from pairwise checks to the sort */

    for (n = 1; n < 80; n++) {
        for (k = 0; k < n; k += 1 + n / 7) {
            o = buf;
            *o++ = '{';
            for (i = 0; i < n; i++) {
                o += sprintf(o, "%s\"m%d\":[%d]", i ? "," : "", i, i);
            }
            *o++ = '}';
            PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

            o--;
            at = o - buf + 1;
            o += sprintf(o, ",\"m%d\":0,\"z\":{\"m%d\":1}}", k, k);
            PV_CHECK_INT(check_doc(buf, o - buf, 512, &off),
                         PV_JSON_EDUPLICATE);
            PV_CHECK_INT(off, at);
        }
    }

    /* 5000 members: the close-time sort, not a quadratic scan */

    o = buf;
    *o++ = '{';
    for (i = 0; i < 5000; i++) {
        o += sprintf(o, "%s\"n%d\":0", i ? "," : "", 4999 - i);
    }
    *o++ = '}';
    PV_CHECK_INT(check_doc(buf, o - buf, 512, &off), PV_JSON_OK);

}


static void
test_helpers(void)
{
    int                i;
    size_t             n;
    pv_json_iter_t     it;
    pv_json_item_t     item;
    const pv_u_char   *p;

    static const char  *doc =
        " { \"a\" : 1.5e3 , \"b\\\"\":[ 1 ,{\"c\":\"}\\\\\"} ],"
        "\"d\":{},\"e\":true,\"f\":false,\"g\":null,\"h\":\"x\\\"]\" } ";

    static const struct {
        const char      *key;
        pv_json_type_e   type;
        const char      *value;
    } want[] = {
        { "\"a\"", PV_JSON_NUMBER, "1.5e3" },
        { "\"b\\\"\"", PV_JSON_ARRAY, "[ 1 ,{\"c\":\"}\\\\\"} ]" },
        { "\"d\"", PV_JSON_OBJECT, "{}" },
        { "\"e\"", PV_JSON_TRUE, "true" },
        { "\"f\"", PV_JSON_FALSE, "false" },
        { "\"g\"", PV_JSON_NULL, "null" },
        { "\"h\"", PV_JSON_STRING, "\"x\\\"]\"" }
    };

    p = (const pv_u_char *) doc;
    n = strlen(doc);

    PV_CHECK_INT(pv_json_skip_ws(p, n, 0), 1);
    PV_CHECK_INT(pv_json_skip_ws(p, n, 1), 1);
    PV_CHECK_INT(pv_json_skip_ws(p, n, n - 1), n);
    PV_CHECK_INT(pv_json_value_end(p, n, 1), n - 1);
    PV_CHECK_INT(pv_json_type_at(p, 1), PV_JSON_OBJECT);

    pv_json_iter_init(&it, p, n, 1);
    PV_CHECK_INT(it.object, 1);

    for (i = 0; i < 7; i++) {
        PV_CHECK_INT(pv_json_iter_next(&it, &item), 1);
        PV_CHECK_MEM(p + item.key_start, item.key_end - item.key_start,
                     want[i].key);
        PV_CHECK_MEM(p + item.start, item.end - item.start, want[i].value);
        PV_CHECK_INT(item.type, want[i].type);
        PV_CHECK_INT(pv_json_type_at(p, item.start), want[i].type);
        PV_CHECK_INT(pv_json_value_end(p, n, item.start), item.end);
    }

    PV_CHECK_INT(pv_json_iter_next(&it, &item), 0);
    PV_CHECK_INT(p[it.pos], '}');
    PV_CHECK_INT(it.pos, n - 2);
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 0);

    /* arrays: key_start == key_end == start */

    p = (const pv_u_char *) "[ 1, \"a\" ,[ ],{ } ,-2 ]";
    n = strlen((const char *) p);

    pv_json_iter_init(&it, p, n, 0);
    PV_CHECK_INT(it.object, 0);

    PV_CHECK_INT(pv_json_iter_next(&it, &item), 1);
    PV_CHECK_INT(item.start, 2);
    PV_CHECK_INT(item.end, 3);
    PV_CHECK_INT(item.key_start, 2);
    PV_CHECK_INT(item.key_end, 2);
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 1);
    PV_CHECK_MEM(p + item.start, item.end - item.start, "\"a\"");
    PV_CHECK_INT(item.key_start, item.start);
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 1);
    PV_CHECK_MEM(p + item.start, item.end - item.start, "[ ]");
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 1);
    PV_CHECK_MEM(p + item.start, item.end - item.start, "{ }");
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 1);
    PV_CHECK_MEM(p + item.start, item.end - item.start, "-2");
    PV_CHECK_INT(item.type, PV_JSON_NUMBER);
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 0);
    PV_CHECK_INT(it.pos, n - 1);

    /* empty containers */

    p = (const pv_u_char *) "{ \n }";
    pv_json_iter_init(&it, p, 5, 0);
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 0);
    PV_CHECK_INT(it.pos, 4);

    p = (const pv_u_char *) "[]";
    pv_json_iter_init(&it, p, 2, 0);
    PV_CHECK_INT(pv_json_iter_next(&it, &item), 0);
    PV_CHECK_INT(it.pos, 1);

    /* a string of backslashes ends where the even run does */

    p = (const pv_u_char *) "[\"\\\\\\\\\",\"\\\\\\\"\"]";
    n = strlen((const char *) p);
    PV_CHECK_INT(pv_json_value_end(p, n, 1), 7);
    PV_CHECK_INT(pv_json_value_end(p, n, 8), 14);
    PV_CHECK_INT(pv_json_value_end(p, n, 0), n);
}


static void
test_decode(void)
{
    size_t            i, n;
    pv_u_char         out[64];
    const pv_u_char  *p;

    static const struct {
        const char  *json;
        const char  *text;
        size_t       len;
    } m[] = {
        { "\"\"", "", 0 },
        { "\"abc\"", "abc", 3 },
        { "\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d", 7 },
        { "\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5 },
        { "\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6 },
        { "\"\\uD83D\\uDE00!\"", "\xf0\x9f\x98\x80!", 5 },
        { "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4 },
        { "\"\\uD800\\uDC00\"", "\xf0\x90\x80\x80", 4 },
        { "\"a\\u0000b\"", "a\0b", 3 },
        { "\"\xc3\xa9\\u00e9\"", "\xc3\xa9\xc3\xa9", 4 },
        { "\"\\u07FF\\u0800\\u0080\"", "\xdf\xbf\xe0\xa0\x80\xc2\x80", 7 },
        { "\"+1 (209) 555-0142\"", "+1 (209) 555-0142", 17 }
    };

    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        p = (const pv_u_char *) m[i].json;
        memset(out, 0xee, sizeof(out));

        n = pv_json_string_decode(p, 0, strlen(m[i].json), out);
        PV_CHECK_INT(n, m[i].len);
        PV_CHECK(memcmp(out, m[i].text, m[i].len) == 0);
        PV_CHECK(n <= strlen(m[i].json) - 2);

        PV_CHECK_INT(pv_json_string_eq(p, 0, strlen(m[i].json),
                                       (const pv_u_char *) m[i].text,
                                       m[i].len), 1);

        if (m[i].len > 0) {
            PV_CHECK_INT(pv_json_string_eq(p, 0, strlen(m[i].json),
                                           (const pv_u_char *) m[i].text,
                                           m[i].len - 1), 0);
        }

        if (m[i].len > 0) {
            PV_CHECK_INT(pv_json_string_eq(p, 0, strlen(m[i].json),
                                           (const pv_u_char *) "zzzzzzzzzzzzz"
                                           "zzzzzzzzzzz", m[i].len), 0);
        }
    }

    /* equality is by decoded bytes, not spelling */

    p = (const pv_u_char *) "\"ph\\u006fne\"";
    PV_CHECK_INT(pv_json_string_eq(p, 0, 12, (const pv_u_char *) "phone", 5),
                 1);
    PV_CHECK_INT(pv_json_string_eq(p, 0, 12, (const pv_u_char *) "phonex", 6),
                 0);
    PV_CHECK_INT(pv_json_string_eq(p, 0, 12, (const pv_u_char *) "phon", 4),
                 0);
    PV_CHECK_INT(pv_json_string_eq(p, 0, 12, (const pv_u_char *) "ph\\u006fne",
                                   10), 0);

    p = (const pv_u_char *) "\"a\\\\b\"";
    PV_CHECK_INT(pv_json_string_eq(p, 0, 6, (const pv_u_char *) "a\\b", 3),
                 1);
    PV_CHECK_INT(pv_json_string_eq(p, 0, 6, (const pv_u_char *) "a\\\\b", 4),
                 0);

    p = (const pv_u_char *) "\"\"";
    PV_CHECK_INT(pv_json_string_eq(p, 0, 2, (const pv_u_char *) "", 0), 1);
    PV_CHECK_INT(pv_json_string_eq(p, 0, 2, (const pv_u_char *) "a", 1), 0);
}


static void test_quote_random(void);


static void
test_quote(void)
{
    size_t       i, n, d;
    pv_arena_t   a;
    pv_u_char    out[256], back[256];

    static const struct {
        const char  *text;
        size_t       len;
        const char  *json;
    } m[] = {
        { "", 0, "\"\"" },
        { "VALID_CONFIRMED", 15, "\"VALID_CONFIRMED\"" },
        { "a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"" },
        { "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
        { "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"" },
        { "a\0b", 3, "\"a\\u0000b\"" },
        { "\xe2\x80\xa8|\xe2\x80\xa9", 7, "\"\\u2028|\\u2029\"" },
        { "\xe2\x80\xa7\xc3\xa9\xf0\x9f\x98\x80", 9,
          "\"\xe2\x80\xa7\xc3\xa9\xf0\x9f\x98\x80\"" },
        { "+12095550142", 12, "\"+12095550142\"" }
    };

    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        n = pv_json_quote((const pv_u_char *) m[i].text, m[i].len, out);
        PV_CHECK_MEM(out, n, m[i].json);
        PV_CHECK(n <= 2 + 6 * m[i].len);

        /* what quote writes validates and decodes back */

        pv_arena_init(&a);
        PV_CHECK_INT(pv_json_validate(out, n, 512, &a.pool, NULL),
                     PV_JSON_OK);
        pv_arena_free(&a);

        d = pv_json_string_decode(out, 0, n, back);
        PV_CHECK_INT(d, m[i].len);
        PV_CHECK(memcmp(back, m[i].text, d) == 0);
    }

    /* the worst case fills the bound exactly */

    memset(back, 0x01, 40);
    n = pv_json_quote(back, 40, out);
    PV_CHECK_INT(n, 2 + 6 * 40);

    test_quote_random();
}


/* pv_json_quote() byte by byte, as its contract says */

static size_t
ref_quote(const pv_u_char *s, size_t len, pv_u_char *out)
{
    size_t                   i;
    pv_u_char                c, *o;
    static const pv_u_char   hex[] = "0123456789abcdef";

    o = out;
    *o++ = '"';

    for (i = 0; i < len; i++) {
        c = s[i];

        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = c;

        } else if (c < 0x20) {
            *o++ = '\\';

            switch (c) {
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 0xf];
            }

        } else if (c == 0xe2 && len - i >= 3 && s[i + 1] == 0x80
                   && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
        {
            memcpy(o, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            o += 6;
            i += 2;

        } else {
            *o++ = c;
        }
    }

    *o++ = '"';

    return (size_t) (o - out);
}


/* random texts of every length around the eight-byte steps */

static void
test_quote_random(void)
{
    size_t           i, j, len, n, r;
    pv_u_char        text[48], out[2 + 6 * 48], want[2 + 6 * 48];
    unsigned long long  state;

    static const pv_u_char  bytes[] = {
        '"', '\\', '\n', 0x01, 0x1f, 0xe2, 0x80, 0xa8, 0xa9, 0xc3, 0x7f,
        ' ', '~', '/'
    };

    state = 42;

    for (i = 0; i < 40000; i++) {
        len = i % 48;

        for (j = 0; j < len; j++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            r = (size_t) (state >> 33);

            /* mostly plain letters, so that whole words go through */
            text[j] = (r % 8 != 0) ? (pv_u_char) ('a' + r % 26)
                                   : bytes[(r >> 8) % sizeof(bytes)];
        }

        n = pv_json_quote(text, len, out);
        r = ref_quote(text, len, want);

        pv_test_run++;

        if (n != r || memcmp(out, want, n) != 0) {
            pv_test_failed++;
            fprintf(stderr, "quote differs from the reference at %zu\n", i);
            break;
        }
    }
}


/*
 * Random documents: generated valid ones, half of them then damaged by
 * one byte.  Nothing may crash or read out of bounds (the sanitizers
 * watch); every undamaged one must pass; on every valid one the walking
 * helpers must agree with the validator, and each value the iterator
 * cuts out must be a valid document by itself.
 */

static unsigned long long  rnd_state = 12345;


static unsigned
rnd(unsigned n)
{
    rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;

    return (unsigned) (rnd_state >> 33) % n;
}


static char *
gen_ws(char *o)
{
    static const char  ws[] = " \t\r\n";

    while (rnd(4) == 0) {
        *o++ = ws[rnd(4)];
    }

    return o;
}


static char *
gen_value(char *o, int depth)
{
    unsigned     i, n, k;
    const char  *s;

    static const char  *scalars[] = {
        "0", "-1", "12.5e-3", "1E9", "true", "false", "null", "\"\"",
        "\"a\"", "\"\\\"\\\\\"", "\"\\u00e9\\uD83D\\uDE00\"", "\"\xc3\xa9\"",
        "\"x\\/y\"", "1234567890123460", "-0.0"
    };

    static const char  *names[] = {
        "\"a\"", "\"b\"", "\"c\"", "\"\\u0064\"", "\"e\\\"\"", "\"\xc3\xa9\"",
        "\"phone\"", "\"customFields\""
    };

    k = (depth < 5) ? rnd(4) : 3;

    if (k == 0) {
        *o++ = '[';
        o = gen_ws(o);
        n = rnd(4);
        for (i = 0; i < n; i++) {
            if (i) {
                *o++ = ',';
                o = gen_ws(o);
            }
            o = gen_value(o, depth + 1);
            o = gen_ws(o);
        }
        *o++ = ']';
        return o;
    }

    if (k == 1) {
        /* names taken in order, so never twice in one object */
        *o++ = '{';
        o = gen_ws(o);
        n = rnd(5);
        for (i = 0; i < n; i++) {
            if (i) {
                *o++ = ',';
                o = gen_ws(o);
            }
            s = names[(i * 3 + depth) % 8];
            memcpy(o, s, strlen(s));
            o += strlen(s);
            o = gen_ws(o);
            *o++ = ':';
            o = gen_ws(o);
            o = gen_value(o, depth + 1);
            o = gen_ws(o);
        }
        *o++ = '}';
        return o;
    }

    s = scalars[rnd(sizeof(scalars) / sizeof(scalars[0]))];
    memcpy(o, s, strlen(s));

    return o + strlen(s);
}


static void
check_walk(const pv_u_char *p, size_t len)
{
    size_t          root, end;
    pv_arena_t      a;
    pv_json_iter_t  it;
    pv_json_item_t  item;

    root = pv_json_skip_ws(p, len, 0);
    end = pv_json_value_end(p, len, root);

    PV_CHECK_INT(pv_json_skip_ws(p, len, end), len);

    if (p[root] != '{' && p[root] != '[') {
        return;
    }

    pv_json_iter_init(&it, p, len, root);

    while (pv_json_iter_next(&it, &item)) {
        pv_arena_init(&a);

        if (pv_json_validate(p + item.start, item.end - item.start, 512,
                             &a.pool, NULL)
            != PV_JSON_OK)
        {
            PV_CHECK_MEM(p + item.start, item.end - item.start, "a value");
        }

        pv_arena_free(&a);
    }

    PV_CHECK_INT(it.pos, end - 1);
}


/* a walk with the index sees what a walk without it sees */

static void
check_index_walk(const pv_u_char *p, size_t len, size_t open,
    const pv_json_index_t *index)
{
    pv_json_iter_t  it, plain, child, found;
    pv_json_item_t  item, want;

    pv_json_iter_init_index(&it, p, len, open, index);
    pv_json_iter_init(&plain, p, len, open);

    PV_CHECK(it.index == index);

    while (pv_json_iter_next(&it, &item)) {
        PV_CHECK_INT(pv_json_iter_next(&plain, &want), 1);
        PV_CHECK_INT(item.key_start, want.key_start);
        PV_CHECK_INT(item.key_end, want.key_end);
        PV_CHECK_INT(item.start, want.start);
        PV_CHECK_INT(item.end, want.end);
        PV_CHECK_INT(item.type, want.type);

        if (item.type == PV_JSON_OBJECT || item.type == PV_JSON_ARRAY) {

            /* the parent's span for the item is the one a search finds */

            pv_json_iter_init_item(&child, &it, &item);
            pv_json_iter_init_index(&found, p, len, item.start, index);

            PV_CHECK(child.index == found.index);
            PV_CHECK_INT(child.span, found.span);
            PV_CHECK_INT(child.pos, found.pos);
            PV_CHECK_INT(child.object, found.object);
            PV_CHECK_INT(child.done, found.done);

            check_index_walk(p, len, item.start, index);
        }
    }

    PV_CHECK_INT(pv_json_iter_next(&plain, &want), 0);
    PV_CHECK_INT(it.pos, plain.pos);
}


static void
check_index(const pv_u_char *p, size_t len, pv_json_rc_e want,
    const pv_json_error_t *want_err)
{
    size_t           k, j, root;
    pv_arena_t       a;
    pv_json_rc_e     rc;
    pv_json_span_t  *s;
    pv_json_error_t  err;
    pv_json_index_t  index;

    pv_arena_init(&a);
    memset(&index, 0, sizeof(pv_json_index_t));

    rc = pv_json_validate_index(p, len, 512, &a.pool, &err, &index);

    PV_CHECK_INT(rc, want);
    PV_CHECK_INT(err.offset, want_err->offset);

    if (rc != PV_JSON_OK) {
        pv_arena_free(&a);
        return;
    }

    for (k = 0; k < index.n; k++) {
        s = &index.spans[k];

        PV_CHECK(p[s->open] == '{' || p[s->open] == '[');
        PV_CHECK_INT(p[s->close], p[s->open] == '{' ? '}' : ']');
        PV_CHECK_INT(pv_json_value_end(p, len, s->open), s->close + 1);
        PV_CHECK(k == 0 || index.spans[k - 1].open < s->open);
        PV_CHECK(s->next > k && s->next <= index.n);
        PV_CHECK(s->next == index.n || index.spans[s->next].open > s->close);

        for (j = k + 1; j < s->next; j++) {
            PV_CHECK(index.spans[j].close < s->close);
        }
    }

    root = pv_json_skip_ws(p, len, 0);

    if (p[root] == '{' || p[root] == '[') {
        check_index_walk(p, len, root, &index);
    }

    pv_arena_free(&a);
}


static void
test_random(void)
{
    int              i, nvalid, ndamaged;
    char            *o;
    size_t           len, at;
    pv_arena_t       a;
    pv_json_rc_e     rc;
    pv_json_error_t  err;
    static char      buf[1 << 20];

    static const char  bytes[] = "{}[],:\" \\0a-.e\xff\xc3\x01";

    nvalid = 0;
    ndamaged = 0;

    for (i = 0; i < 50000; i++) {
        o = gen_ws(buf);
        o = gen_value(o, 0);
        o = gen_ws(o);
        len = (size_t) (o - buf);

        if (i % 2) {
            at = rnd((unsigned) len);

            switch (rnd(3)) {

            case 0:
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;

            case 1:
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = bytes[rnd(sizeof(bytes) - 1)];
                len++;
                break;

            default:
                buf[at] = bytes[rnd(sizeof(bytes) - 1)];
                break;
            }
        }

        pv_arena_init(&a);
        rc = pv_json_validate((const pv_u_char *) buf, len, 512, &a.pool,
                              &err);
        pv_arena_free(&a);

        check_index((const pv_u_char *) buf, len, rc, &err);

        if (i % 2 == 0 && rc != PV_JSON_OK) {
            PV_CHECK_MEM(buf, len, "a generated document");
            continue;
        }

        if (rc != PV_JSON_OK) {
            ndamaged++;
            PV_CHECK(err.offset <= len && err.line >= 1 && err.column >= 1);
            continue;
        }

        nvalid++;
        check_walk((const pv_u_char *) buf, len);
    }

    PV_CHECK(nvalid > 25000);
    PV_CHECK(ndamaged > 5000);
}


static void *
no_alloc(void *data, size_t size)
{
    (void) data;
    (void) size;

    return NULL;
}


/* small documents need no memory at all; a failing pool is ENOMEM */

static void
test_nomem(void)
{
    int               i;
    char              buf[4096], *o;
    pv_pool_t         pool;
    pv_json_error_t   err;

    pool.alloc = no_alloc;
    pool.data = NULL;

    o = buf;
    o += sprintf(o, "{\"contacts\":[");
    for (i = 0; i < 20; i++) {
        o += sprintf(o, "%s{\"phone\":\"1\",\"a\":{\"b\":[1,{\"c\":2}]}}",
                     i ? "," : "");
    }
    o += sprintf(o, "]}");

    PV_CHECK_INT(pv_json_validate((const pv_u_char *) buf, o - buf, 512,
                                  &pool, &err), PV_JSON_OK);

    o = buf;
    for (i = 0; i < 100; i++) {
        *o++ = '[';
    }
    for (i = 0; i < 100; i++) {
        *o++ = ']';
    }

    PV_CHECK_INT(pv_json_validate((const pv_u_char *) buf, o - buf, 512,
                                  &pool, &err), PV_JSON_ENOMEM);
    PV_CHECK_INT(err.rc, PV_JSON_ENOMEM);
    PV_CHECK_INT(err.offset, 64);
    PV_CHECK_STR(err.message, "out of memory");

    o = buf;
    *o++ = '{';
    for (i = 0; i < 100; i++) {
        o += sprintf(o, "%s\"k%d\":%d", i ? "," : "", i, i);
    }
    *o++ = '}';

    PV_CHECK_INT(pv_json_validate((const pv_u_char *) buf, o - buf, 512,
                                  &pool, &err), PV_JSON_ENOMEM);
    PV_CHECK_INT(err.offset, (size_t) (strstr(buf, "\"k63\"") - buf));
}


int
main(void)
{
    test_table();
    test_nomem();
    test_messages();
    test_line_column();
    test_depth();
    test_large_objects();
    test_helpers();
    test_decode();
    test_quote();
    test_random();

    PV_TEST_DONE("test_json");
}
