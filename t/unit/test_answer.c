
/*
 * Copyright (C) phoneval authors
 *
 * Byteplant answers: the observed and simulated samples, every status,
 * and the malformed answers that must become BAD_ANSWER or be ignored.
 */


#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"


#define VC        PV_BP_VALID_CONFIRMED
#define VU        PV_BP_VALID_UNCONFIRMED
#define INV       PV_BP_INVALID
#define DELAYED   PV_BP_DELAYED
#define RATE      PV_BP_RATE_LIMIT_EXCEEDED
#define KEY       PV_BP_API_KEY_INVALID_OR_DEPLETED
#define UNKNOWN   PV_BP_UNKNOWN_STATUS
#define BAD       PV_BP_BAD_ANSWER


typedef struct {
    const char              *body;
    size_t                   len;       /* 0: strlen(body) */
    pv_bp_status_e           status;
    const char              *line_type;
    const char              *country;
    const char              *e164;
    long                     remain;
    long                     seconds;
} answer_case_t;


static const answer_case_t  answer_cases[] = {

    /* observed: DE mobile, extensive */
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"MOBILE\","
      "\"location\":\"Germany\",\"countrycode\":\"DE\","
      "\"formatnational\":\"0172 8150130\","
      "\"formatinternational\":\"+49 172 8150130\"}",
      0, VC, "MOBILE", "DE", "+491728150130", -1, -1 },

    /* observed: ES fixed line, express */
    { "{\"status\":\"VALID_UNCONFIRMED\",\"linetype\":\"FIXED_LINE\","
      "\"location\":\"Barcelona\",\"countrycode\":\"ES\","
      "\"formatnational\":\"934 12 46 02\","
      "\"formatinternational\":\"+34 934 12 46 02\"}",
      0, VU, "FIXED_LINE", "ES", "+34934124602", -1, -1 },

    /* simulator shapes, one per status */
    { "{\"status\": \"VALID_CONFIRMED\", \"linetype\": \"MOBILE\", "
      "\"location\": \"Germany\", \"countrycode\": \"DE\", "
      "\"formatnational\": \"0172 8150130\", "
      "\"formatinternational\": \"+49 172 8150130\", \"mcc\": \"262\", "
      "\"mnc\": \"02\", \"ratelimit_remain\": 99, "
      "\"ratelimit_seconds\": 299}",
      0, VC, "MOBILE", "DE", "+491728150130", 99, 299 },
    { "{\"status\": \"VALID_UNCONFIRMED\", \"linetype\": \"FIXED_LINE\", "
      "\"location\": \"Barcelona\", \"countrycode\": \"ES\", "
      "\"formatnational\": \"934 12 46 02\", "
      "\"formatinternational\": \"+34 934 12 46 02\", \"mcc\": \"\", "
      "\"mnc\": \"\", \"ratelimit_remain\": 98, \"ratelimit_seconds\": 287}",
      0, VU, "FIXED_LINE", "ES", "+34934124602", 98, 287 },
    { "{\"status\": \"INVALID\", \"ratelimit_remain\": 97, "
      "\"ratelimit_seconds\": 275}",
      0, INV, "", "", "", 97, 275 },
    { "{\"status\": \"DELAYED\", \"ratelimit_remain\": 96, "
      "\"ratelimit_seconds\": 260}",
      0, DELAYED, "", "", "", 96, 260 },
    { "{\"status\": \"RATE_LIMIT_EXCEEDED\", \"ratelimit_remain\": 0, "
      "\"ratelimit_seconds\": 143}",
      0, RATE, "", "", "", 0, 143 },
    { "{\"status\": \"API_KEY_INVALID_OR_DEPLETED\"}",
      0, KEY, "", "", "", -1, -1 },

    /* P6: e164 is the provider's text, never rebuilt */
    { "{\"status\":\"VALID_CONFIRMED\",\"countrycode\":\"IT\","
      "\"formatinternational\":\"+39 06 5550 0100\"}",
      0, VC, "", "IT", "+390655500100", -1, -1 },

    /* P7 */
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"MOBILE\","
      "\"countrycode\":\"US\",\"formatinternational\":\"+1 689-555-0142\"}",
      0, VC, "MOBILE", "US", "+16895550142", -1, -1 },

    /* only status is required; unknown members and types are ignored */
    { "{\"status\":\"INVALID\"}", 0, INV, "", "", "", -1, -1 },
    { " \n{\"status\":\"DELAYED\"}\r\n ", 0, DELAYED, "", "", "", -1, -1 },
    { "{\"cost\":1,\"info\":{\"a\":[1,2,{}]},\"status\":\"VALID_CONFIRMED\","
      "\"x\":null,\"y\":true}", 0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":null,"
      "\"countrycode\":5,\"formatinternational\":491728150130,"
      "\"ratelimit_remain\":null,\"ratelimit_seconds\":[1]}",
      0, VC, "", "", "", -1, -1 },

    /* ratelimits: numbers, numeric strings, and the rest as absent */
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\"99\","
      "\"ratelimit_seconds\":\"299\"}", 0, INV, "", "", "", 99, 299 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\" 42 \","
      "\"ratelimit_seconds\":\"007\"}", 0, INV, "", "", "", 42, 7 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\"\","
      "\"ratelimit_seconds\":\"  \"}", 0, INV, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\"-5\","
      "\"ratelimit_seconds\":\"+5\"}", 0, INV, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\"1.5\","
      "\"ratelimit_seconds\":\"abc\"}", 0, INV, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\"4 2\","
      "\"ratelimit_seconds\":\"0x10\"}", 0, INV, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":99.0,"
      "\"ratelimit_seconds\":1.5}", 0, INV, "", "", "", 99, -1 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":-3,"
      "\"ratelimit_seconds\":-0.5}", 0, INV, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":0,"
      "\"ratelimit_seconds\":\"0\"}", 0, INV, "", "", "", 0, 0 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":1e30,"
      "\"ratelimit_seconds\":123456789012345678901234567890}",
      0, INV, "", "", "", PV_RATELIMIT_REMAIN_MAX, PV_RATELIMIT_SECONDS_MAX },
    { "{\"status\":\"INVALID\","
      "\"ratelimit_remain\":\"99999999999999999999999999999999999\","
      "\"ratelimit_seconds\":true}", 0, INV, "", "", "",
      PV_RATELIMIT_REMAIN_MAX, -1 },

    /* clamped at the bounds, numbers and strings alike; -1 stays absent */
    { "{\"status\":\"RATE_LIMIT_EXCEEDED\",\"ratelimit_remain\":0,"
      "\"ratelimit_seconds\":1e300}", 0, RATE, "", "", "", 0,
      PV_RATELIMIT_SECONDS_MAX },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":1000000,"
      "\"ratelimit_seconds\":86400}", 0, INV, "", "", "", 1000000, 86400 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":1000001,"
      "\"ratelimit_seconds\":86401}", 0, INV, "", "", "", 1000000, 86400 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\"1000001\","
      "\"ratelimit_seconds\":\"86401\"}", 0, INV, "", "", "",
      1000000, 86400 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":\"999999\","
      "\"ratelimit_seconds\":\"0000000000000000000000086399\"}",
      0, INV, "", "", "", 999999, 86399 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":1e7,"
      "\"ratelimit_seconds\":\"9999999999999999999x\"}",
      0, INV, "", "", "", 1000000, -1 },
    { "{\"status\":\"INVALID\",\"ratelimit_remain\":-1e300,"
      "\"ratelimit_seconds\":86400.5}", 0, INV, "", "", "", -1, 86400 },

    /* line type: [A-Z_]+ and at most 24 bytes */
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"linetype\":\"ABCDEFGHIJKLMNOPQRSTUVWX\"}",
      0, VC, "ABCDEFGHIJKLMNOPQRSTUVWX", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"linetype\":\"ABCDEFGHIJKLMNOPQRSTUVWXY\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"PERSONAL_NUMBER\"}",
      0, VC, "PERSONAL_NUMBER", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"mobile\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"MOBILE \"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"MO\\\"BILE\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"\"}",
      0, VC, "", "", "", -1, -1 },

    /* country: two letters, upper-cased */
    { "{\"status\":\"VALID_CONFIRMED\",\"countrycode\":\"de\"}",
      0, VC, "", "DE", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"countrycode\":\"DEU\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"countrycode\":\"D1\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"countrycode\":\"\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"countrycode\":\"\\u00c4E\"}",
      0, VC, "", "", "", -1, -1 },

    /* e164 from formatinternational */
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"+1 650-555-0136\"}",
      0, VC, "", "", "+16505550136", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"+1 650-555-0136 ext. 136\"}",
      0, VC, "", "", "+16505550136", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"(+49) 172 8150130\"}",
      0, VC, "", "", "+491728150130", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"+49\\u00a0172\\u00a08150130\"}",
      0, VC, "", "", "+491728150130", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"+49 172 8150130;ext=5\"}",
      0, VC, "", "", "+491728150130", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"+49 172 8150130 #5\"}",
      0, VC, "", "", "+491728150130", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"Tel. +49 172 8150130\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"formatinternational\":\"\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"formatinternational\":\"n/a\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\",\"formatinternational\":\"+\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"+12 3456 7890 1234 5678 90\"}",
      0, VC, "", "", "+12345678901234567890", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED\","
      "\"formatinternational\":\"+12 3456 7890 1234 5678 901\"}",
      0, VC, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\","
      "\"formatinternational\":\"+1 209 555 0100\"}",
      0, INV, "", "", "+12095550100", -1, -1 },

    /* unknown statuses */
    { "{\"status\":\"VALID\"}", 0, UNKNOWN, "", "", "", -1, -1 },
    { "{\"status\":\"valid_confirmed\"}", 0, UNKNOWN, "", "", "", -1, -1 },
    { "{\"status\":\"VALID_CONFIRMED \"}", 0, UNKNOWN, "", "", "", -1, -1 },
    { "{\"status\":\"\"}", 0, UNKNOWN, "", "", "", -1, -1 },
    { "{\"status\":\"UNKNOWN_STATUS\"}", 0, UNKNOWN, "", "", "", -1, -1 },
    { "{\"status\":\"BAD_ANSWER\"}", 0, UNKNOWN, "", "", "", -1, -1 },
    { "{\"status\":\"OK\",\"linetype\":\"MOBILE\"}",
      0, UNKNOWN, "MOBILE", "", "", -1, -1 },

    /* garbage */
    { "", 0, BAD, "", "", "", -1, -1 },
    { "   ", 0, BAD, "", "", "", -1, -1 },
    { "not json", 0, BAD, "", "", "", -1, -1 },
    { "<html><body>502 Bad Gateway</body></html>", 0, BAD,
      "", "", "", -1, -1 },
    { "[]", 0, BAD, "", "", "", -1, -1 },
    { "[{\"status\":\"INVALID\"}]", 0, BAD, "", "", "", -1, -1 },
    { "\"INVALID\"", 0, BAD, "", "", "", -1, -1 },
    { "null", 0, BAD, "", "", "", -1, -1 },
    { "121", 0, BAD, "", "", "", -1, -1 },
    { "{}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":null}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":200}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":[\"INVALID\"]}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":{\"code\":\"INVALID\"}}", 0, BAD, "", "", "", -1, -1 },
    { "{\"Status\":\"INVALID\"}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\"", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\"} x", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\"}{}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\",}", 0, BAD, "", "", "", -1, -1 },
    { "{'status':'INVALID'}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":\"INVALID\"}\0", 21, BAD, "", "", "", -1, -1 },
    { "{\"status\":\"INV\\u0000ALID\"}", 0, BAD, "", "", "", -1, -1 },
    { "{\"status\":\"\xFF\"}", 0, BAD, "", "", "", -1, -1 },
    { "\xEF\xBB\xBF{\"status\":\"INVALID\"}", 0, BAD, "", "", "", -1, -1 },
};


static void
test_answer_cases(void)
{
    char            *copy;
    size_t           i, len;
    pv_answer_t      a;
    pv_bp_status_e   st;

    for (i = 0; i < sizeof(answer_cases) / sizeof(answer_cases[0]); i++) {
        const answer_case_t  *c = &answer_cases[i];

        len = c->len ? c->len : strlen(c->body);

        /* an exact-size heap copy: no NUL after the answer */

        copy = malloc(len ? len : 1);
        if (copy == NULL) {
            PV_CHECK(copy != NULL);
            return;
        }

        memcpy(copy, c->body, len);

        memset(&a, 'z', sizeof(a));
        st = pv_answer_parse((const pv_u_char *) copy, len, &a);

        if (st != c->status) {
            fprintf(stderr, "answer case %zu: %s\n", i, c->body);
        }

        PV_CHECK_INT(st, c->status);
        PV_CHECK_INT(a.status, c->status);
        PV_CHECK_STR(a.line_type, c->line_type);
        PV_CHECK_STR(a.country, c->country);
        PV_CHECK_STR(a.e164, c->e164);
        PV_CHECK_INT(a.ratelimit_remain, c->remain);
        PV_CHECK_INT(a.ratelimit_seconds, c->seconds);

        free(copy);
    }

    /* a NULL buffer */

    memset(&a, 'z', sizeof(a));
    PV_CHECK_INT(pv_answer_parse(NULL, 0, &a), BAD);
    PV_CHECK_STR(a.e164, "");
    PV_CHECK_INT(a.ratelimit_remain, -1);
}


/* an answer padded with an unknown member to exactly len bytes */

static char *
padded_answer(size_t len)
{
    char        *p;
    const char  *head, *tail;
    size_t       hlen, tlen;

    head = "{\"status\":\"VALID_CONFIRMED\",\"linetype\":\"MOBILE\",\"pad\":\"";
    tail = "\"}";
    hlen = strlen(head);
    tlen = strlen(tail);

    p = malloc(len);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, head, hlen);
    memset(p + hlen, 'a', len - hlen - tlen);
    memcpy(p + len - tlen, tail, tlen);

    return p;
}


static void
test_answer_sizes(void)
{
    char         *p, *big;
    size_t        i, n;
    pv_answer_t   a;

    /* 64 KiB is accepted, one byte more is not even parsed */

    p = padded_answer(65536);
    if (p != NULL) {
        PV_CHECK_INT(pv_answer_parse((pv_u_char *) p, 65536, &a), VC);
        PV_CHECK_STR(a.line_type, "MOBILE");
        free(p);
    }

    p = padded_answer(65537);
    if (p != NULL) {
        PV_CHECK_INT(pv_answer_parse((pv_u_char *) p, 65537, &a), BAD);
        PV_CHECK_STR(a.line_type, "");
        free(p);
    }

    /* huge values of each kept field are dropped, not truncated */

    big = malloc(40000 + 200);
    if (big == NULL) {
        PV_CHECK(big != NULL);
        return;
    }

    {
        static const char  *fields[] = {
            "linetype", "countrycode", "formatinternational", "status",
            "ratelimit_remain"
        };

        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            n = (size_t) sprintf(big, "{%s\"%s\":\"",
                                 i == 3 ? "" : "\"status\":\"INVALID\",",
                                 fields[i]);
            memset(big + n, i == 2 ? '7' : 'A', 40000);
            n += 40000;
            memcpy(big + n, "\"}", 2);
            n += 2;

            PV_CHECK_INT(pv_answer_parse((pv_u_char *) big, n, &a),
                         i == 3 ? UNKNOWN : INV);
            PV_CHECK_STR(a.line_type, "");
            PV_CHECK_STR(a.country, "");
            PV_CHECK_STR(a.e164, "");
            PV_CHECK_INT(a.ratelimit_remain, -1);
        }
    }

    /* nesting: jansson's own depth limit turns it into BAD_ANSWER */

    n = 0;
    big[n++] = '{';
    memcpy(big + n, "\"status\":\"INVALID\",\"x\":", 23);
    n += 23;
    memset(big + n, '[', 20000);
    n += 20000;
    memset(big + n, ']', 20000);
    n += 20000;
    big[n++] = '}';

    PV_CHECK_INT(pv_answer_parse((pv_u_char *) big, n, &a), BAD);

    free(big);
}


static void
test_status_names(void)
{
    static const struct {
        pv_bp_status_e       s;
        const char          *name;
        pv_verdict_e         verdict;
    } names[] = {
        { VC, "VALID_CONFIRMED", PV_VALID_CONFIRMED },
        { VU, "VALID_UNCONFIRMED", PV_VALID_UNCONFIRMED },
        { INV, "INVALID", PV_INVALID },
        { DELAYED, "DELAYED", PV_PENDING },
        { RATE, "RATE_LIMIT_EXCEEDED", PV_PENDING },
        { KEY, "API_KEY_INVALID_OR_DEPLETED", PV_PENDING },
        { UNKNOWN, "UNKNOWN_STATUS", PV_PENDING },
        { BAD, "BAD_ANSWER", PV_PENDING },
    };

    char         body[128];
    size_t       i;
    pv_answer_t  a;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        PV_CHECK_STR(pv_bp_status_name(names[i].s), names[i].name);

        memset(&a, 0, sizeof(a));
        a.status = names[i].s;
        PV_CHECK_INT(pv_verdict_from_answer(&a), names[i].verdict);

        /* the six provider statuses round-trip through the parser */

        if (names[i].s < UNKNOWN) {
            snprintf(body, sizeof(body), "{\"status\":\"%s\"}",
                     names[i].name);
            PV_CHECK_INT(pv_answer_parse((pv_u_char *) body, strlen(body),
                                         &a),
                         names[i].s);
            PV_CHECK_INT(pv_verdict_from_answer(&a), names[i].verdict);
        }
    }

    PV_CHECK_STR(pv_bp_status_name(PV_BP_N), "BAD_ANSWER");
    PV_CHECK_STR(pv_bp_status_name((pv_bp_status_e) 1000), "BAD_ANSWER");
    PV_CHECK_INT(pv_verdict_from_answer(NULL), PV_PENDING);

    a.status = (pv_bp_status_e) 1000;
    PV_CHECK_INT(pv_verdict_from_answer(&a), PV_PENDING);
}


int
main(void)
{
    test_answer_cases();
    test_answer_sizes();
    test_status_names();

    PV_TEST_DONE("test_answer");
}
