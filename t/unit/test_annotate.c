
/*
 * Copyright (C) phoneval authors
 *
 * Golden tests of the exact bytes forwarded after annotation: scan,
 * annotate every contact, sort, splice.  Every output must also be valid
 * JSON, and annotating an output again must not change it.
 */


#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"


#define S(s)  (const pv_u_char *) s, sizeof(s) - 1

#define TS    "2026-01-01T00:00:00Z"
#define T0    1767225600

#define E_STATUS(v)  "{\"id\":\"cf_STATUS\",\"field_value\":" v "}"
#define E_LAST(v)    "{\"id\":\"cf_LASTVAL\",\"field_value\":" v "}"
#define E_CONF(v)    "{\"id\":\"cf_CONF\",\"field_value\":" v "}"

#define ENTRIES_OK                                                            \
    E_STATUS("\"VALID_CONFIRMED\"") "," E_LAST("\"" TS "\"") ","              \
    E_CONF("95")

#define ENTRIES_CLEAR                                                         \
    E_STATUS("\"\"") "," E_LAST("\"\"") "," E_CONF("\"\"")

#define ENTRIES_PENDING                                                       \
    E_STATUS("\"PENDING\"") "," E_LAST("\"\"") "," E_CONF("\"\"")


static const pv_doc_conf_t  doc_conf = {
    S("phone"), S("country"), S("contacts"), 512, 0, 0, NULL, 0
};


/* targets */

static const pv_target_t  t_cf3[] = {
    { PV_ITEM_STATUS, 0, S("cf_STATUS"), 0 },
    { PV_ITEM_LAST_VALIDATED, 0, S("cf_LASTVAL"), 0 },
    { PV_ITEM_CONFIDENCE, 0, S("cf_CONF"), 0 }
};

static const pv_target_t  t_fields3[] = {
    { PV_ITEM_STATUS, 0, S("validation_status"), 0 },
    { PV_ITEM_LAST_VALIDATED, 0, S("last_validated"), 0 },
    { PV_ITEM_CONFIDENCE, 0, S("confidence"), 0 }
};

static const pv_target_t  t_fields6[] = {
    { PV_ITEM_STATUS, 0, S("validation_status"), 0 },
    { PV_ITEM_LAST_VALIDATED, 0, S("last_validated"), 0 },
    { PV_ITEM_CONFIDENCE, 0, S("confidence"), 0 },
    { PV_ITEM_LINE_TYPE, 0, S("line_type"), 0 },
    { PV_ITEM_E164, 0, S("e164"), 0 },
    { PV_ITEM_COUNTRY, 0, S("phone_country"), 0 }
};

static const pv_target_t  t_fields_phone[] = {
    { PV_ITEM_STATUS, 0, S("phone"), 0 },
    { PV_ITEM_CONFIDENCE, 0, S("confidence"), 0 }
};

static const pv_target_t  t_key[] = {
    { PV_ITEM_STATUS, 1, S("phone_validation_status"), 0 },
    { PV_ITEM_CONFIDENCE, 0, S("cf_CONF"), 0 }
};

static const pv_target_t  t_dup[] = {
    { PV_ITEM_STATUS, 0, S("cf_STATUS"), 0 },
    { PV_ITEM_CONFIDENCE, 0, S("cf_STATUS"), 0 },
    { PV_ITEM_LAST_VALIDATED, 1, S("cf_STATUS"), 0 }
};

/* a target by id with its key as another name, and that key's twin */
static const pv_target_t  t_alias[] = {
    { PV_ITEM_STATUS, 0, S("cf_STATUS"), 0 },
    { PV_ITEM_STATUS, 1, S("contact.phone_validation_status"), 1 },
    { PV_ITEM_STATUS, 1, S("phone_validation_status"), 1 }
};

static const pv_target_t  t_fields_alias[] = {
    { PV_ITEM_STATUS, 0, S("validation_status"), 0 },
    { PV_ITEM_STATUS, 0, S("validationStatus"), 1 }
};

static const pv_target_t  t_quote[] = {
    { PV_ITEM_LINE_TYPE, 0, S("cf\"X\\"), 0 }
};

/* a name with a backslash in it: x, '\\', n */
static const pv_target_t  t_bs[] = {
    { PV_ITEM_STATUS, 0, S("x\\n"), 0 }
};


#define CONF(out, t, norm, strip)                                             \
    { out, t, sizeof(t) / sizeof(t[0]), norm, strip }

static const pv_annotate_conf_t  cf3 =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_cf3, 0, 1);
static const pv_annotate_conf_t  cf3_nostrip =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_cf3, 0, 0);
static const pv_annotate_conf_t  cf3_norm =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_cf3, 1, 1);
static const pv_annotate_conf_t  fields3 =
    CONF(PV_OUTPUT_FIELDS, t_fields3, 0, 1);
static const pv_annotate_conf_t  fields3_nostrip =
    CONF(PV_OUTPUT_FIELDS, t_fields3, 0, 0);
static const pv_annotate_conf_t  fields6 =
    CONF(PV_OUTPUT_FIELDS, t_fields6, 0, 1);
static const pv_annotate_conf_t  fields_phone =
    CONF(PV_OUTPUT_FIELDS, t_fields_phone, 1, 1);
static const pv_annotate_conf_t  cfkey =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_key, 0, 1);
static const pv_annotate_conf_t  cfdup =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_dup, 0, 1);
static const pv_annotate_conf_t  cfalias =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_alias, 0, 1);
static const pv_annotate_conf_t  fields_alias =
    CONF(PV_OUTPUT_FIELDS, t_fields_alias, 0, 1);
static const pv_annotate_conf_t  cfquote =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_quote, 0, 1);
static const pv_annotate_conf_t  cfbs =
    CONF(PV_OUTPUT_CUSTOMFIELDS, t_bs, 0, 1);
static const pv_annotate_conf_t  off_norm =
    CONF(PV_OUTPUT_OFF, t_cf3, 1, 1);


/* results */

static const pv_result_t  r_ok = {
    PV_RESULT_VERDICT, PV_VALID_CONFIRMED, T0, "MOBILE", "+12095550142", "US", 0
};

static const pv_result_t  r_unc = {
    PV_RESULT_VERDICT, PV_VALID_UNCONFIRMED, T0, "", "+12095550142", "", 0
};

static const pv_result_t  r_inv = {
    PV_RESULT_VERDICT, PV_INVALID, T0, "", "", "", 0
};

static const pv_result_t  r_inv_e164 = {
    PV_RESULT_VERDICT, PV_INVALID, T0, "", "+12095550142", "", 0
};

static const pv_result_t  r_pend = {
    PV_RESULT_VERDICT, PV_PENDING, 0, "", "", "", 0
};

static const pv_result_t  r_clear = {
    PV_RESULT_CLEAR, PV_PENDING, 0, "", "", "", 0
};

static const pv_result_t  r_none = {
    PV_RESULT_NONE, PV_PENDING, 0, "", "", "", 0
};

static const pv_result_t  r_ok_keep = {
    PV_RESULT_VERDICT, PV_VALID_CONFIRMED, T0, "MOBILE", "+12095550142", "US",
    1
};

static const pv_result_t  r_esc = {
    PV_RESULT_VERDICT, PV_VALID_CONFIRMED, T0, "A\"B\n", "+12095550142", "US", 0
};


/* run() reuses rendered texts across contacts, as the module does */
static int  run_memo = 1;

/* run() scans with the full path (no recorded customFields entries) */
static int  run_full = 0;

static const pv_doc_conf_t  doc_conf_full = {
    S("phone"), S("country"), S("contacts"), 512, 0, 1, NULL, 0
};


/* scan, annotate every contact with res[i] (the last one repeats) */

static int
run(const char *body, size_t len, const pv_annotate_conf_t *ac,
    const pv_result_t *const *res, size_t nres, pv_arena_t *a,
    pv_u_char **out, size_t *out_len, size_t *out_nedits)
{
    int                  rc;
    size_t               i, nedits, cap, size;
    pv_doc_t             doc;
    pv_edit_t           *edits;
    pv_u_char           *end;
    pv_json_error_t      err;
    pv_annotate_memo_t   memo;

    memset(&memo, 0, sizeof(pv_annotate_memo_t));

    if (pv_doc_scan((const pv_u_char *) body, len,
                    run_full ? &doc_conf_full : &doc_conf, &a->pool, &doc,
                    &err, NULL)
        != PV_DOC_OK)
    {
        return -100;
    }

    edits = NULL;
    nedits = 0;
    cap = 0;

    for (i = 0; i < doc.ncontacts; i++) {
        rc = pv_annotate_contact_memo((const pv_u_char *) body, len,
                                      &doc.contacts[i], ac,
                                      res[i < nres ? i : nres - 1], &a->pool,
                                      &edits, &nedits, &cap,
                                      run_memo ? &memo : NULL);
        if (rc != 0) {
            return rc;
        }
    }

    pv_edits_sort(edits, nedits);

    size = pv_splice_size(len, edits, nedits);
    if (size == (size_t) -1) {
        return -200;
    }

    *out = pv_alloc(&a->pool, size + 1);
    end = pv_splice(*out, (const pv_u_char *) body, len, edits, nedits);

    *out_len = (size_t) (end - *out);
    (*out)[*out_len] = '\0';

    if (out_nedits) {
        *out_nedits = nedits;
    }

    return 0;
}


static void
golden_n(int line, const char *body, const pv_annotate_conf_t *ac,
    const pv_result_t *const *res, size_t nres, const char *want)
{
    int          rc;
    size_t       len, len2, nedits;
    pv_u_char   *out, *out2;
    pv_arena_t   a;

    pv_arena_init(&a);

    rc = run(body, strlen(body), ac, res, nres, &a, &out, &len, &nedits);

    pv_test_run++;

    if (rc != 0) {
        pv_test_failed++;
        fprintf(stderr, "line %d: rc %d for %s\n", line, rc, body);
        pv_arena_free(&a);
        return;
    }

    if (len != strlen(want) || memcmp(out, want, len) != 0) {
        pv_test_failed++;
        fprintf(stderr, "line %d:\n  expected: %s\n  got:      %.*s\n",
                line, want, (int) len, (const char *) out);
    }

    /* an unchanged body has no edits at all */

    if (strcmp(body, want) == 0) {
        PV_CHECK_INT(nedits, 0);
    }

    PV_CHECK_INT(pv_json_validate(out, len, 512, &a.pool, NULL),
                 PV_JSON_OK);

    /* the same without reusing texts across contacts */

    run_memo = 0;
    rc = run(body, strlen(body), ac, res, nres, &a, &out2, &len2, NULL);
    run_memo = 1;

    pv_test_run++;

    if (rc != 0 || len2 != len || memcmp(out, out2, len) != 0) {
        pv_test_failed++;
        fprintf(stderr, "line %d: differs without the memo:\n  with:  %s\n"
                "  without: %.*s\n", line, (const char *) out,
                (int) len2, (const char *) out2);
    }

    /* the same from the full scan, which records no entries */

    run_full = 1;
    rc = run(body, strlen(body), ac, res, nres, &a, &out2, &len2, NULL);
    run_full = 0;

    pv_test_run++;

    if (rc != 0 || len2 != len || memcmp(out, out2, len) != 0) {
        pv_test_failed++;
        fprintf(stderr, "line %d: differs from the full scan:\n"
                "  one pass:  %s\n  full scan: %.*s\n", line,
                (const char *) out, (int) len2, (const char *) out2);
    }

    /* idempotent: the annotated body annotates to itself */

    rc = run((const char *) out, len, ac, res, nres, &a, &out2, &len2, NULL);

    pv_test_run++;

    if (rc != 0 || len2 != len || memcmp(out, out2, len) != 0) {
        pv_test_failed++;
        fprintf(stderr, "line %d: not idempotent:\n  once:  %s\n"
                "  twice: %.*s\n", line, (const char *) out,
                (int) len2, (const char *) out2);
    }

    pv_arena_free(&a);
}


static void
golden1(int line, const char *body, const pv_annotate_conf_t *ac,
    const pv_result_t *res, const char *want)
{
    golden_n(line, body, ac, &res, 1, want);
}


#define GOLDEN(body, conf, res, want)                                         \
    golden1(__LINE__, body, &conf, &res, want)


static void
test_customfields(void)
{
    /* W3: no customFields at all */

    GOLDEN("{\"phone\":\"+12095550142\"}", cf3, r_ok,
           "{\"phone\":\"+12095550142\",\"customFields\":[" ENTRIES_OK "]}");

    /* H3: the client's other entries are untouched */

    GOLDEN("{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"cf_OTHER\","
           "\"field_value\":\"x\"}]}", cf3, r_ok,
           "{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"cf_OTHER\","
           "\"field_value\":\"x\"}," ENTRIES_OK "]}");

    /* result entries present: replaced in place, repeats removed */

    GOLDEN("{\"phone\":\"+12095550142\",\"customFields\":["
           "{\"id\":\"cf_CONF\",\"field_value\":1},"
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"},"
           "{\"id\":\"cf_STATUS\",\"field_value\":\"INVALID\"},"
           "{\"id\":\"cf_CONF\",\"field_value\":2}]}", cf3, r_ok,
           "{\"phone\":\"+12095550142\",\"customFields\":["
           E_CONF("95") ","
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"},"
           E_STATUS("\"VALID_CONFIRMED\"") "," E_LAST("\"" TS "\"") "]}");

    GOLDEN("{\"customFields\":["
           "{\"id\":\"cf_STATUS\",\"field_value\":\"a\"},"
           "{\"id\":\"cf_STATUS\",\"field_value\":\"b\"},"
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"}],"
           "\"phone\":\"+12095550142\"}", cf3, r_ok,
           "{\"customFields\":["
           E_STATUS("\"VALID_CONFIRMED\"") ","
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"},"
           E_LAST("\"" TS "\"") "," E_CONF("95") "],"
           "\"phone\":\"+12095550142\"}");

    GOLDEN("{\"phone\":\"1\",\"customFields\":["
           "{\"id\":\"cf_LASTVAL\"},{\"id\":\"cf_LASTVAL\"},"
           "{\"id\":\"cf_CONF\"},{\"id\":\"cf_STATUS\"},{\"id\":\"cf_CONF\"},"
           "{\"id\":\"cf_STATUS\"}]}", cf3, r_ok,
           "{\"phone\":\"1\",\"customFields\":["
           E_LAST("\"" TS "\"") "," E_CONF("95") ","
           E_STATUS("\"VALID_CONFIRMED\"") "]}");

    /* strip off still never duplicates an entry */

    GOLDEN("{\"phone\":\"1\",\"customFields\":[{\"id\":\"cf_STATUS\"},"
           "{\"id\":\"x\"},{\"id\":\"cf_STATUS\"}]}", cf3_nostrip, r_ok,
           "{\"phone\":\"1\",\"customFields\":["
           E_STATUS("\"VALID_CONFIRMED\"") ",{\"id\":\"x\"},"
           E_LAST("\"" TS "\"") "," E_CONF("95") "]}");

    /* J3: numbers elsewhere keep their literal bytes */

    GOLDEN("{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"cf_FAKE1\","
           "\"field_value\":1234567890123460}],\"score\":0.1}", cf3, r_ok,
           "{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"cf_FAKE1\","
           "\"field_value\":1234567890123460}," ENTRIES_OK "],"
           "\"score\":0.1}");

    /* verdicts and clears */

    GOLDEN("{\"phone\":null}", cf3, r_clear,
           "{\"phone\":null,\"customFields\":[" ENTRIES_CLEAR "]}");

    GOLDEN("{\"phone\":\"\",\"customFields\":[{\"id\":\"cf_STATUS\","
           "\"field_value\":\"VALID_CONFIRMED\"}]}", cf3, r_clear,
           "{\"phone\":\"\",\"customFields\":[" ENTRIES_CLEAR "]}");

    GOLDEN("{\"phone\":\"+12095550142\",\"customFields\":null}", cf3, r_pend,
           "{\"phone\":\"+12095550142\",\"customFields\":[" ENTRIES_PENDING
           "]}");

    GOLDEN("{\"phone\":\"123\"}", cf3, r_inv,
           "{\"phone\":\"123\",\"customFields\":["
           E_STATUS("\"INVALID\"") "," E_LAST("\"" TS "\"") ","
           E_CONF("0") "]}");

    GOLDEN("{\"phone\":\"1\"}", cf3, r_unc,
           "{\"phone\":\"1\",\"customFields\":["
           E_STATUS("\"VALID_UNCONFIRMED\"") "," E_LAST("\"" TS "\"") ","
           E_CONF("60") "]}");

    /* empty containers */

    GOLDEN("{\"phone\":\"1\",\"customFields\":[]}", cf3, r_ok,
           "{\"phone\":\"1\",\"customFields\":[" ENTRIES_OK "]}");
    GOLDEN("{\"phone\":\"1\",\"customFields\":[ \n ]}", cf3, r_ok,
           "{\"phone\":\"1\",\"customFields\":[" ENTRIES_OK " \n ]}");
    GOLDEN("{}", cf3, r_ok, "{\"customFields\":[" ENTRIES_OK "]}");
    GOLDEN("{ \n}", cf3, r_ok, "{\"customFields\":[" ENTRIES_OK "] \n}");
    GOLDEN("{\"phone\":\"1\" }", cf3, r_ok,
           "{\"phone\":\"1\",\"customFields\":[" ENTRIES_OK "] }");

    /* entries that are not for us stay as they are */

    GOLDEN("{\"phone\":\"1\",\"customFields\":[1,\"cf_STATUS\",null,"
           "{\"id\":5},{\"field_value\":1},[{\"id\":\"cf_STATUS\"}],"
           "{\"key\":\"cf_STATUS\"},{\"id\":\"cf_status\"},"
           "{\"x\":{\"id\":\"cf_STATUS\"}}]}", cf3, r_ok,
           "{\"phone\":\"1\",\"customFields\":[1,\"cf_STATUS\",null,"
           "{\"id\":5},{\"field_value\":1},[{\"id\":\"cf_STATUS\"}],"
           "{\"key\":\"cf_STATUS\"},{\"id\":\"cf_status\"},"
           "{\"x\":{\"id\":\"cf_STATUS\"}}," ENTRIES_OK "]}");

    /* names and ids compared decoded */

    GOLDEN("{\"ph\\u006fne\":\"1\",\"custom\\u0046ields\":[{\"\\u0069d\":"
           "\"cf_\\u0053TATUS\",\"field_value\":\"x\"}]}", cf3, r_ok,
           "{\"ph\\u006fne\":\"1\",\"custom\\u0046ields\":[" ENTRIES_OK "]}");

    /* a customFields member inside another member is not ours */

    GOLDEN("{\"phone\":\"1\",\"x\":{\"customFields\":[]}}", cf3, r_ok,
           "{\"phone\":\"1\",\"x\":{\"customFields\":[]},\"customFields\":["
           ENTRIES_OK "]}");
}


static void
test_strip(void)
{
    /* H4: no phone: only the result entries go */

    GOLDEN("{\"customFields\":["
           "{\"id\":\"cf_STATUS\",\"field_value\":\"VALID_CONFIRMED\"},"
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"},"
           "{\"key\":\"cf_STATUS\",\"field_value\":\"y\"},"
           "{\"id\":\"cf_CONF\",\"field_value\":95}]}", cf3, r_none,
           "{\"customFields\":["
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"},"
           "{\"key\":\"cf_STATUS\",\"field_value\":\"y\"}]}");

    GOLDEN("{\"customFields\":[{\"id\":\"cf_STATUS\",\"field_value\":\"A\"},"
           "{\"id\":\"cf_CONF\",\"field_value\":1}],\"tags\":[]}", cf3, r_none,
           "{\"customFields\":[],\"tags\":[]}");

    GOLDEN("{\"customFields\": [ {\"id\":\"a\"} , {\"id\":\"cf_LASTVAL\"} , "
           "{\"id\":\"b\"} ] }", cf3, r_none,
           "{\"customFields\": [ {\"id\":\"a\"} , {\"id\":\"b\"} ] }");

    GOLDEN("{\"customFields\":[{\"id\":\"a\"},{\"id\":\"cf_STATUS\"},"
           "{\"id\":\"cf_CONF\"},{\"id\":\"b\"},{\"id\":\"cf_LASTVAL\"},"
           "{\"id\":\"c\"}]}", cf3, r_none,
           "{\"customFields\":[{\"id\":\"a\"},{\"id\":\"b\"},"
           "{\"id\":\"c\"}]}");

    GOLDEN("{\"customFields\":[{\"id\":\"cf_STATUS\"},{\"id\":\"cf_CONF\"},"
           "{\"id\":\"b\"}]}", cf3, r_none,
           "{\"customFields\":[{\"id\":\"b\"}]}");

    GOLDEN("{\"customFields\":[ {\"id\":\"b\"} ,\n {\"id\":\"cf_STATUS\"} ,"
           "{\"id\":\"cf_CONF\"}\n ]}", cf3, r_none,
           "{\"customFields\":[ {\"id\":\"b\"}\n ]}");

    GOLDEN("{\"customFields\":[ {\"id\":\"cf_STATUS\"} ]}", cf3, r_none,
           "{\"customFields\":[  ]}");

    /* nothing to strip, or strip off: the body is forwarded as is */

    GOLDEN("{\"customFields\":[{\"id\":\"cf_STATUS\"}]}", cf3_nostrip, r_none,
           "{\"customFields\":[{\"id\":\"cf_STATUS\"}]}");
    GOLDEN("{\"name\":\"x\"}", cf3, r_none, "{\"name\":\"x\"}");
    GOLDEN("{\"name\":\"x\",\"customFields\":null}", cf3, r_none,
           "{\"name\":\"x\",\"customFields\":null}");
    GOLDEN("{\"customFields\":[{\"id\":\"o\"}]}", cf3, r_none,
           "{\"customFields\":[{\"id\":\"o\"}]}");
    GOLDEN("{\"customFields\":\"x\"}", cf3_nostrip, r_none,
           "{\"customFields\":\"x\"}");
}


static void
test_customfields_errors(void)
{
    size_t       i, len;
    pv_u_char   *out;
    pv_arena_t   a;

    const pv_result_t  *ok = &r_ok, *none = &r_none;

    static const char  *bodies[] = {
        "{\"phone\":\"1\",\"customFields\":\"x\"}",
        "{\"phone\":\"1\",\"customFields\":{}}",
        "{\"phone\":\"1\",\"customFields\":{\"id\":\"cf_STATUS\"}}",
        "{\"phone\":\"1\",\"customFields\":5}",
        "{\"phone\":\"1\",\"customFields\":true}",
        "{\"phone\":\"1\",\"customFields\":false}"
    };

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        pv_arena_init(&a);

        PV_CHECK_INT(run(bodies[i], strlen(bodies[i]), &cf3, &ok, 1, &a,
                         &out, &len, NULL), PV_ANNOTATE_ECUSTOMFIELDS);
        PV_CHECK_INT(run(bodies[i], strlen(bodies[i]), &cf3, &none, 1, &a,
                         &out, &len, NULL), PV_ANNOTATE_ECUSTOMFIELDS);

        /* fields and off output never look at customFields */

        PV_CHECK_INT(run(bodies[i], strlen(bodies[i]), &fields3, &ok, 1, &a,
                         &out, &len, NULL), 0);
        PV_CHECK_INT(run(bodies[i], strlen(bodies[i]), &off_norm, &ok, 1, &a,
                         &out, &len, NULL), 0);

        pv_arena_free(&a);
    }
}


static void
test_fields(void)
{
    GOLDEN("{\"phone\":\"+12095550142\",\"confidence\":\"spoof\","
           "\"name\":\"A\"}", fields3, r_ok,
           "{\"phone\":\"+12095550142\",\"confidence\":95,\"name\":\"A\","
           "\"validation_status\":\"VALID_CONFIRMED\","
           "\"last_validated\":\"" TS "\"}");

    GOLDEN("{\"phone\":\"\",\"validation_status\":\"VALID_CONFIRMED\"}",
           fields3, r_clear,
           "{\"phone\":\"\",\"validation_status\":null,"
           "\"last_validated\":null,\"confidence\":null}");

    GOLDEN("{\"phone\":\"1\"}", fields3, r_pend,
           "{\"phone\":\"1\",\"validation_status\":\"PENDING\","
           "\"last_validated\":null,\"confidence\":null}");

    GOLDEN("{\"phone\":\"(209) 555-0142\"}", fields6, r_ok,
           "{\"phone\":\"(209) 555-0142\","
           "\"validation_status\":\"VALID_CONFIRMED\","
           "\"last_validated\":\"" TS "\",\"confidence\":95,"
           "\"line_type\":\"MOBILE\",\"e164\":\"+12095550142\","
           "\"phone_country\":\"US\"}");

    GOLDEN("{\"phone\":\"1\",\"line_type\":{\"a\":[1]},\"e164\":null}",
           fields6, r_inv,
           "{\"phone\":\"1\",\"line_type\":null,\"e164\":null,"
           "\"validation_status\":\"INVALID\","
           "\"last_validated\":\"" TS "\",\"confidence\":0,"
           "\"phone_country\":null}");

    GOLDEN("{\"phone\":\"1\"}", fields6, r_esc,
           "{\"phone\":\"1\",\"validation_status\":\"VALID_CONFIRMED\","
           "\"last_validated\":\"" TS "\",\"confidence\":95,"
           "\"line_type\":\"A\\\"B\\n\",\"e164\":\"+12095550142\","
           "\"phone_country\":\"US\"}");

    GOLDEN("{}", fields3, r_ok,
           "{\"validation_status\":\"VALID_CONFIRMED\","
           "\"last_validated\":\"" TS "\",\"confidence\":95}");

    GOLDEN("{\"confi\\u0064ence\" : 1 }", fields3, r_ok,
           "{\"confi\\u0064ence\" : 95,"
           "\"validation_status\":\"VALID_CONFIRMED\","
           "\"last_validated\":\"" TS "\" }");

    /* strip: members removed with one comma each */

    GOLDEN("{\"validation_status\":\"VALID_CONFIRMED\",\"name\":\"A\","
           "\"confidence\":95}", fields3, r_none, "{\"name\":\"A\"}");
    GOLDEN("{\"validation_status\":1}", fields3, r_none, "{}");
    GOLDEN("{ \"a\" : 1 ,\n \"confidence\" : 2 }", fields3, r_none,
           "{ \"a\" : 1 }");
    GOLDEN("{\"last_validated\":1,\"confidence\":2,\"a\":3}", fields3,
           r_none, "{\"a\":3}");
    GOLDEN("{\"last_validated\":1,\"a\":3}", fields3_nostrip, r_none,
           "{\"last_validated\":1,\"a\":3}");
    GOLDEN("{\"a\":[{\"confidence\":1}]}", fields3, r_none,
           "{\"a\":[{\"confidence\":1}]}");

    /* a target named like the phone never touches the phone */

    GOLDEN("{\"phone\":\"1\"}", fields_phone, r_ok,
           "{\"phone\":\"+12095550142\",\"confidence\":95}");
    GOLDEN("{\"phone\":\"1\",\"confidence\":0}", fields_phone, r_none,
           "{\"phone\":\"1\"}");
}


static void
test_normalize(void)
{
    GOLDEN("{\"phone\":\"(209) 555-0142\"}", off_norm, r_ok,
           "{\"phone\":\"+12095550142\"}");
    GOLDEN("{\"phone\":\"+12095550142\"}", off_norm, r_ok,
           "{\"phone\":\"+12095550142\"}");
    GOLDEN("{\"phone\":\"\\u002b12095550142\"}", off_norm, r_ok,
           "{\"phone\":\"\\u002b12095550142\"}");
    GOLDEN("{\"phone\":12095550142}", off_norm, r_ok,
           "{\"phone\":\"+12095550142\"}");
    GOLDEN("{\"phone\":\"209.555.0142\"}", off_norm, r_unc,
           "{\"phone\":\"+12095550142\"}");
    GOLDEN("{\"phone\":\"209.555.0142\"}", off_norm, r_inv_e164,
           "{\"phone\":\"209.555.0142\"}");
    GOLDEN("{\"phone\":\"209.555.0142\"}", off_norm, r_inv,
           "{\"phone\":\"209.555.0142\"}");
    GOLDEN("{\"phone\":\"209.555.0142\"}", off_norm, r_pend,
           "{\"phone\":\"209.555.0142\"}");
    GOLDEN("{\"phone\":\"209.555.0142\"}", cf3, r_ok,
           "{\"phone\":\"209.555.0142\",\"customFields\":[" ENTRIES_OK "]}");
    GOLDEN("{\"phone\":null}", off_norm, r_clear, "{\"phone\":null}");

    /* an extension or a comment would be lost: the phone stays */

    GOLDEN("{\"phone\":\"+1 209 555 0142 ext. 12\"}", off_norm, r_ok_keep,
           "{\"phone\":\"+1 209 555 0142 ext. 12\"}");
    GOLDEN("{ \"phone\" : \" 209 555 0142 \" , \"x\":1}", off_norm, r_ok,
           "{ \"phone\" : \"+12095550142\" , \"x\":1}");

    /* with customfields, the phone the last member before the append */

    GOLDEN("{\"name\":\"A\",\"phone\":\"(209) 555-0142\"}", cf3_norm, r_ok,
           "{\"name\":\"A\",\"phone\":\"+12095550142\",\"customFields\":["
           ENTRIES_OK "]}");
}


static void
test_targets(void)
{
    /* by_key targets match "key", by-id targets "id" */

    GOLDEN("{\"phone\":\"1\",\"customFields\":["
           "{\"key\":\"phone_validation_status\",\"field_value\":\"x\"},"
           "{\"id\":\"phone_validation_status\",\"field_value\":\"y\"},"
           "{\"id\":\"cf_OTHER\",\"key\":\"cf_CONF\"}]}", cfkey, r_ok,
           "{\"phone\":\"1\",\"customFields\":["
           "{\"key\":\"phone_validation_status\","
           "\"field_value\":\"VALID_CONFIRMED\"},"
           "{\"id\":\"phone_validation_status\",\"field_value\":\"y\"},"
           "{\"id\":\"cf_OTHER\",\"key\":\"cf_CONF\"},"
           E_CONF("95") "]}");

    GOLDEN("{\"phone\":\"1\",\"customFields\":["
           "{\"id\":\"cf_OTHER\",\"key\":\"phone_validation_status\"}]}",
           cfkey, r_ok,
           "{\"phone\":\"1\",\"customFields\":["
           "{\"key\":\"phone_validation_status\","
           "\"field_value\":\"VALID_CONFIRMED\"}," E_CONF("95") "]}");

    GOLDEN("{\"phone\":\"1\"}", cfkey, r_clear,
           "{\"phone\":\"1\",\"customFields\":["
           "{\"key\":\"phone_validation_status\",\"field_value\":\"\"},"
           E_CONF("\"\"") "]}");

    GOLDEN("{\"customFields\":[{\"key\":\"phone_validation_status\"},"
           "{\"id\":\"phone_validation_status\"}]}", cfkey, r_none,
           "{\"customFields\":[{\"id\":\"phone_validation_status\"}]}");

    /* another name of a target: the client's entry so named goes */

    GOLDEN("{\"phone\":\"1\",\"customFields\":["
           "{\"key\":\"contact.phone_validation_status\","
           "\"field_value\":\"VALID_CONFIRMED\"},"
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"},"
           "{\"key\":\"phone_validation_status\",\"field_value\":1}]}",
           cfalias, r_ok,
           "{\"phone\":\"1\",\"customFields\":["
           "{\"id\":\"cf_OTHER\",\"field_value\":\"x\"},"
           E_STATUS("\"VALID_CONFIRMED\"") "]}");

    GOLDEN("{\"customFields\":[{\"key\":\"contact.phone_validation_status\","
           "\"field_value\":\"VALID_CONFIRMED\"}]}", cfalias, r_none,
           "{\"customFields\":[]}");

    GOLDEN("{\"phone\":\"1\",\"validationStatus\":\"VALID_CONFIRMED\","
           "\"a\":1}", fields_alias, r_ok,
           "{\"phone\":\"1\",\"a\":1,"
           "\"validation_status\":\"VALID_CONFIRMED\"}");

    /* a repeated target writes once */

    GOLDEN("{\"phone\":\"1\"}", cfdup, r_ok,
           "{\"phone\":\"1\",\"customFields\":["
           E_STATUS("\"VALID_CONFIRMED\"") ","
           "{\"key\":\"cf_STATUS\",\"field_value\":\"" TS "\"}]}");

    /* names written through the JSON quoting */

    GOLDEN("{\"phone\":\"1\"}", cfquote, r_esc,
           "{\"phone\":\"1\",\"customFields\":[{\"id\":\"cf\\\"X\\\\\","
           "\"field_value\":\"A\\\"B\\n\"}]}");
    GOLDEN("{\"phone\":\"1\",\"customFields\":[{\"id\":\"cf\\u0022X\\\\\","
           "\"field_value\":1}]}", cfquote, r_ok,
           "{\"phone\":\"1\",\"customFields\":[{\"id\":\"cf\\\"X\\\\\","
           "\"field_value\":\"MOBILE\"}]}");

    /*
     * An id as long as the name, with an escape in it, decodes shorter:
     * "x\n" (x and a line feed) is not the target x\n, "x\\n" is.
     */

    GOLDEN("{\"phone\":\"1\",\"customFields\":[{\"id\":\"x\\n\","
           "\"field_value\":\"a\"}]}", cfbs, r_ok,
           "{\"phone\":\"1\",\"customFields\":[{\"id\":\"x\\n\","
           "\"field_value\":\"a\"},{\"id\":\"x\\\\n\","
           "\"field_value\":\"VALID_CONFIRMED\"}]}");
    GOLDEN("{\"phone\":\"1\",\"customFields\":[{\"id\":\"x\\\\n\","
           "\"field_value\":\"a\"}]}", cfbs, r_ok,
           "{\"phone\":\"1\",\"customFields\":[{\"id\":\"x\\\\n\","
           "\"field_value\":\"VALID_CONFIRMED\"}]}");
}


static void
test_pretty(void)
{
    GOLDEN("{\n"
           "  \"phone\" : \"+1 209 555 0142\",\n"
           "  \"customFields\" : [\n"
           "    { \"id\" : \"cf_OTHER\" , \"field_value\" : \"x\" } ,\n"
           "    { \"id\" : \"cf_STATUS\", \"field_value\" : \"old\" }\n"
           "  ] ,\n"
           "  \"tags\" : [ \"a\" ]\n"
           "}\n", cf3, r_ok,
           "{\n"
           "  \"phone\" : \"+1 209 555 0142\",\n"
           "  \"customFields\" : [\n"
           "    { \"id\" : \"cf_OTHER\" , \"field_value\" : \"x\" } ,\n"
           "    " ENTRIES_OK "\n"
           "  ] ,\n"
           "  \"tags\" : [ \"a\" ]\n"
           "}\n");

    GOLDEN("\t{\r\n\t\"phone\":\t\"+12095550142\" ,\r\n"
           "\t\"tags\": [ \"a\" ,\"b\" ]\r\n}  ", cf3, r_ok,
           "\t{\r\n\t\"phone\":\t\"+12095550142\" ,\r\n"
           "\t\"tags\": [ \"a\" ,\"b\" ],\"customFields\":[" ENTRIES_OK
           "]\r\n}  ");

    GOLDEN("{\n  \"customFields\": [\n    {\"id\": \"cf_CONF\"},\n"
           "    {\"id\": \"keep\", \"field_value\": 1.50}\n  ]\n}",
           cf3, r_none,
           "{\n  \"customFields\": [\n"
           "    {\"id\": \"keep\", \"field_value\": 1.50}\n  ]\n}");
}


/* reusing texts across contacts changes no output, whatever the order */

static void
test_memo(void)
{
    size_t       i, j, k, len, len2;
    pv_u_char   *out, *out2;
    pv_arena_t   a;

    static const pv_result_t  r_ok_t1 = {
        PV_RESULT_VERDICT, PV_VALID_CONFIRMED, T0 + 1, "MOBILE",
        "+12095550142", "US", 0
    };
    static const pv_result_t  r_ok_e164 = {
        PV_RESULT_VERDICT, PV_VALID_CONFIRMED, T0, "MOBILE",
        "+12095550143", "US", 0
    };
    static const pv_result_t  r_ok_line = {
        PV_RESULT_VERDICT, PV_VALID_CONFIRMED, T0, "LANDLINE",
        "+12095550142", "CA", 0
    };

    const pv_result_t  *all[] = {
        &r_ok, &r_ok_t1, &r_ok_e164, &r_ok_line, &r_unc, &r_inv, &r_pend,
        &r_clear, &r_none, &r_esc, &r_ok
    };
    const pv_result_t  *seq[14];

    const pv_annotate_conf_t  *confs[] = {
        &cf3, &fields3, &fields6, &cfkey, &cfdup, &cfquote
    };

    /*
     * Contacts whose appended text differs by what they hold: nothing,
     * another entry (a comma before), a target's entry (written in
     * place, the others appended), a null or empty customFields, and
     * the same shape twice in a row.
     */
    static const char  body[] =
        "{\"contacts\":[{\"phone\":\"+12095550142\"},"
        "{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"x\"}]},"
        "{\"phone\":\"+12095550142\",\"confidence\":1},"
        "{\"phone\":\"+12095550142\"},"
        "{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"x\"}]},"
        "{\"phone\":\"+12095550142\",\"customFields\":"
        "[{\"id\":\"cf_LASTVAL\",\"field_value\":\"old\"}]},"
        "{\"phone\":\"+12095550142\",\"customFields\":"
        "[{\"id\":\"cf_CONF\"},{\"id\":\"y\"}]},"
        "{\"phone\":\"+12095550142\",\"customFields\":null},"
        "{\"phone\":\"+12095550142\",\"customFields\":[]},"
        "{\"phone\":\"+12095550142\",\"customFields\":[]},"
        "{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"x\"}]},"
        "{\"phone\":\"+12095550142\",\"customFields\":[]},"
        "{\"phone\":\"+12095550142\"},{}]}";

    for (k = 0; k < sizeof(confs) / sizeof(confs[0]); k++) {
        for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
            for (j = 0; j < sizeof(all) / sizeof(all[0]); j++) {
                seq[0] = all[i];
                seq[1] = all[j];
                seq[2] = all[i];
                seq[3] = all[i];
                seq[4] = all[i];
                seq[5] = all[i];
                seq[6] = all[j];
                seq[7] = all[j];
                seq[8] = all[j];
                seq[9] = all[i];
                seq[10] = all[i];
                seq[11] = all[i];
                seq[12] = all[i];
                seq[13] = all[i];

                pv_arena_init(&a);

                run_memo = 1;
                PV_CHECK_INT(run(body, sizeof(body) - 1, confs[k], seq, 14,
                                 &a, &out, &len, NULL), 0);
                run_memo = 0;
                PV_CHECK_INT(run(body, sizeof(body) - 1, confs[k], seq, 14,
                                 &a, &out2, &len2, NULL), 0);
                run_memo = 1;

                pv_test_run++;

                if (len != len2 || memcmp(out, out2, len) != 0) {
                    pv_test_failed++;
                    fprintf(stderr, "memo: conf %zu, results %zu %zu:\n"
                            "  with:    %.*s\n  without: %.*s\n", k, i, j,
                            (int) len, (const char *) out, (int) len2,
                            (const char *) out2);
                }

                pv_arena_free(&a);
            }
        }
    }
}


static void
test_bulk(void)
{
    int          i;
    char        *body, *o;
    size_t       len, n;
    pv_u_char   *out, *q;
    pv_arena_t   a;

    const pv_result_t  *three[] = { &r_ok, &r_clear, &r_none };
    const pv_result_t  *ok = &r_ok;

    golden_n(__LINE__,
             "{\"contacts\":[{\"phone\":\"+12095550142\"},"
             "{\"phone\":null,\"customFields\":[{\"id\":\"cf_STATUS\","
             "\"field_value\":\"VALID_CONFIRMED\"}]},"
             "{\"name\":\"x\",\"customFields\":[{\"id\":\"cf_CONF\","
             "\"field_value\":95},{\"id\":\"o\"}]}],\"locationId\":\"l\"}",
             &cf3, three, 3,
             "{\"contacts\":[{\"phone\":\"+12095550142\",\"customFields\":["
             ENTRIES_OK "]},"
             "{\"phone\":null,\"customFields\":[" ENTRIES_CLEAR "]},"
             "{\"name\":\"x\",\"customFields\":[{\"id\":\"o\"}]}],"
             "\"locationId\":\"l\"}");

    golden_n(__LINE__,
             "[ {\"phone\":\"(209) 555-0142\"} ,{\"phone\":\"x\","
             "\"validation_status\":1}, {\"validation_status\":2} ]",
             &fields3, three, 3,
             "[ {\"phone\":\"(209) 555-0142\","
             "\"validation_status\":\"VALID_CONFIRMED\","
             "\"last_validated\":\"" TS "\",\"confidence\":95} ,"
             "{\"phone\":\"x\",\"validation_status\":null,"
             "\"last_validated\":null,\"confidence\":null}, {} ]");

    golden_n(__LINE__, "{\"contacts\":[]}", &cf3, three, 3,
             "{\"contacts\":[]}");

    /* a thousand contacts: many edits, one splice */

    body = malloc(200000);
    if (body == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    o = body;
    o += sprintf(o, "{\"contacts\":[");
    for (i = 0; i < 1000; i++) {
        o += sprintf(o, "%s{\"phone\":\"+1209555%04d\",\"customFields\":["
                     "{\"id\":\"cf_CONF\",\"field_value\":1},"
                     "{\"id\":\"cf_CONF\",\"field_value\":2}]}",
                     i ? "," : "", i);
    }
    o += sprintf(o, "]}");

    pv_arena_init(&a);

    PV_CHECK_INT(run(body, (size_t) (o - body), &cf3, &ok, 1, &a, &out,
                     &len, &n), 0);
    PV_CHECK_INT(n, 3000);
    PV_CHECK_INT(pv_json_validate(out, len, 512, &a.pool, NULL), PV_JSON_OK);

    n = 0;
    for (q = out; (q = (pv_u_char *) strstr((char *) q, "cf_")) != NULL;
         q++)
    {
        n++;
    }

    PV_CHECK_INT(n, 3000);
    PV_CHECK(strstr((char *) out, "{\"phone\":\"+12095550999\","
                    "\"customFields\":[" E_CONF("95") ","
                    E_STATUS("\"VALID_CONFIRMED\"") ","
                    E_LAST("\"" TS "\"") "]}]}") != NULL);

    pv_arena_free(&a);
    free(body);
}


static void
test_edits_array(void)
{
    size_t           nedits, cap;
    pv_doc_t         doc;
    pv_edit_t       *edits;
    pv_arena_t       a;
    pv_json_error_t  err;

    const char  *body = "{\"phone\":\"1\"}";

    /* edits accumulate across calls; off output adds nothing */

    pv_arena_init(&a);

    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) body, strlen(body),
                             &doc_conf, &a.pool, &doc, &err, NULL),
                 PV_DOC_OK);

    edits = NULL;
    nedits = 0;
    cap = 0;

    PV_CHECK_INT(pv_annotate_contact((const pv_u_char *) body, strlen(body),
                                     &doc.contacts[0], &cf3, &r_ok, &a.pool,
                                     &edits, &nedits, &cap), 0);
    PV_CHECK_INT(nedits, 1);
    PV_CHECK(cap >= nedits);

    PV_CHECK_INT(pv_annotate_contact((const pv_u_char *) body, strlen(body),
                                     &doc.contacts[0], &off_norm, &r_inv,
                                     &a.pool, &edits, &nedits, &cap), 0);
    PV_CHECK_INT(nedits, 1);

    PV_CHECK_INT(pv_annotate_contact((const pv_u_char *) body, strlen(body),
                                     &doc.contacts[0], &off_norm, &r_ok,
                                     &a.pool, &edits, &nedits, &cap), 0);
    PV_CHECK_INT(nedits, 2);
    PV_CHECK_MEM(edits[1].data, edits[1].len, "\"+12095550142\"");

    pv_arena_free(&a);
}


/*
 * Looks at the customFields array of the one contact in doc: counts the
 * entries for each cf3 target, and joins the bytes of all other entries
 * with '|' into others.  Returns -1 if there is no such array.
 */

static int
inspect(const pv_u_char *doc, size_t len, int counts[3], char *others)
{
    int              i;
    size_t           root;
    pv_json_iter_t   it, eit;
    pv_json_item_t   item, e, m;

    counts[0] = counts[1] = counts[2] = 0;
    others[0] = '\0';

    root = pv_json_skip_ws(doc, len, 0);
    pv_json_iter_init(&it, doc, len, root);

    while (pv_json_iter_next(&it, &item)) {
        if (pv_json_string_eq(doc, item.key_start, item.key_end,
                              (const pv_u_char *) "customFields", 12))
        {
            break;
        }
    }

    if (it.done || item.type != PV_JSON_ARRAY) {
        return -1;
    }

    pv_json_iter_init(&it, doc, len, item.start);

    while (pv_json_iter_next(&it, &e)) {
        i = -1;

        if (e.type == PV_JSON_OBJECT) {
            pv_json_iter_init(&eit, doc, len, e.start);

            while (pv_json_iter_next(&eit, &m)) {
                if (m.type != PV_JSON_STRING
                    || !pv_json_string_eq(doc, m.key_start, m.key_end,
                                          (const pv_u_char *) "id", 2))
                {
                    continue;
                }

                for (i = 2; i >= 0; i--) {
                    if (pv_json_string_eq(doc, m.start, m.end,
                                          t_cf3[i].name, t_cf3[i].name_len))
                    {
                        break;
                    }
                }
            }
        }

        if (i >= 0) {
            counts[i]++;
            continue;
        }

        strcat(others, "|");
        strncat(others, (const char *) doc + e.start, e.end - e.start);
    }

    return 0;
}


static unsigned long long  rnd_state = 7;


static int
rnd(int k)
{
    rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;

    return (int) ((rnd_state >> 33) % (unsigned) k);
}


/*
 * Random contacts with random customFields arrays and white space: after
 * annotation each target has exactly one entry (none after stripping),
 * every other entry keeps its bytes and order, and the body is valid.
 */

static void
test_random(void)
{
    int                 i, j, n, kind, counts[3], counts2[3], bad;
    char               *o, body[4096], others[4096], others2[4096];
    size_t              len, olen;
    pv_u_char          *out;
    pv_arena_t          a;
    const pv_result_t  *res;

    static const char  *entries[] = {
        "{\"id\":\"cf_STATUS\",\"field_value\":1}", "{\"id\":\"cf_CONF\"}",
        "{ \"id\" : \"cf_LASTVAL\" }", "{\"id\":\"o1\"}",
        "{\"id\":\"o2\",\"field_value\":[1,2]}", "5", "null",
        "\"cf_STATUS\"", "{\"key\":\"cf_STATUS\"}", "[]",
        "{\"field_value\":\"cf_CONF\",\"id\":\"cf_CON\"}"
    };

    static const char  *ws[] = { "", "", " ", "\n  ", "\t" };

    static const pv_result_t  *results[] = { &r_ok, &r_clear, &r_none };

    bad = 0;

    for (i = 0; i < 20000; i++) {
        o = body;
        o += sprintf(o, "{%s", ws[rnd(5)]);

        if (rnd(2)) {
            o += sprintf(o, "\"phone\":\"1\",%s", ws[rnd(5)]);
        }

        o += sprintf(o, "\"customFields\"%s:%s[%s", ws[rnd(5)], ws[rnd(5)],
                     ws[rnd(5)]);

        n = rnd(7);
        for (j = 0; j < n; j++) {
            o += sprintf(o, "%s%s%s%s", j ? "," : "", ws[rnd(5)],
                         entries[rnd(11)], ws[rnd(5)]);
        }

        o += sprintf(o, "]%s", ws[rnd(5)]);

        if (rnd(2)) {
            o += sprintf(o, ",\"tags\":[\"a\"]");
        }

        o += sprintf(o, "}");
        len = (size_t) (o - body);

        kind = rnd(3);
        res = results[kind];

        pv_arena_init(&a);

        if (run(body, len, &cf3, &res, 1, &a, &out, &olen, NULL) != 0
            || pv_json_validate(out, olen, 512, &a.pool, NULL) != PV_JSON_OK
            || inspect((const pv_u_char *) body, len, counts, others) != 0
            || inspect(out, olen, counts2, others2) != 0
            || strcmp(others, others2) != 0)
        {
            bad++;
            fprintf(stderr, "random: %s\n", body);
            pv_arena_free(&a);
            continue;
        }

        for (j = 0; j < 3; j++) {
            if (counts2[j] != (kind == 2 ? 0 : 1)) {
                bad++;
                fprintf(stderr, "random: %s\n  -> %s\n", body,
                        (const char *) out);
                break;
            }
        }

        pv_arena_free(&a);
    }

    PV_CHECK_INT(bad, 0);
}


/* a pool that fails after a number of allocations */

typedef struct {
    pv_arena_t               arena;
    int                      left;
} limited_t;


static void *
limited_alloc(void *data, size_t size)
{
    limited_t  *l = data;

    if (l->left == 0) {
        return NULL;
    }

    l->left--;

    return pv_alloc(&l->arena.pool, size);
}


static void
test_nomem(void)
{
    int              n, rc, ok;
    size_t           nedits, cap;
    pv_doc_t         doc;
    pv_pool_t        pool;
    pv_edit_t       *edits;
    limited_t        l;
    pv_json_error_t  err;

    static const struct {
        const char                *body;
        const pv_annotate_conf_t  *conf;
        const pv_result_t         *res;
    } m[] = {
        { "{\"phone\":\"(209) 555-0142\"}", &cf3_norm, &r_ok },
        { "{\"phone\":\"1\",\"customFields\":[{\"id\":\"cf_CONF\"},"
          "{\"id\":\"cf_CONF\"}]}", &cf3, &r_ok },
        { "{\"validation_status\":1,\"a\":2}", &fields3, &r_none },
        { "{\"phone\":\"1\",\"confidence\":1}", &fields6, &r_ok }
    };
    size_t  i;

    pool.alloc = limited_alloc;
    pool.data = &l;

    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        ok = 0;

        for (n = 0; n < 20; n++) {
            pv_arena_init(&l.arena);
            l.left = n;

            if (pv_doc_scan((const pv_u_char *) m[i].body,
                            strlen(m[i].body), &doc_conf, &pool, &doc, &err,
                            NULL)
                != PV_DOC_OK)
            {
                /*
                 * only a lack of memory may fail the scan here: the
                 * container index, the contacts, the phone text, the
                 * customFields entries
                 */
                PV_CHECK(n < 4);
                pv_arena_free(&l.arena);
                continue;
            }

            edits = NULL;
            nedits = 0;
            cap = 0;

            rc = pv_annotate_contact((const pv_u_char *) m[i].body,
                                     strlen(m[i].body), &doc.contacts[0],
                                     m[i].conf, m[i].res, &pool, &edits,
                                     &nedits, &cap);

            PV_CHECK(rc == 0 || rc == -1);

            if (rc == 0) {
                ok = 1;
            }

            pv_arena_free(&l.arena);
        }

        PV_CHECK(ok);
    }

    pv_arena_init(&l.arena);
    l.left = 0;
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) "{\"phone\":\"1\"}", 13,
                             &doc_conf, &pool, &doc, &err, NULL),
                 PV_DOC_ENOMEM);
    pv_arena_free(&l.arena);
}


int
main(void)
{
    test_customfields();
    test_strip();
    test_customfields_errors();
    test_fields();
    test_normalize();
    test_targets();
    test_pretty();
    test_bulk();
    test_memo();
    test_edits_array();
    test_nomem();
    test_random();

    PV_TEST_DONE("test_annotate");
}
