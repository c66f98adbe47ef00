
/*
 * Copyright (C) phoneval authors
 *
 * Finding the contacts of a body, their phones and countries.
 */


#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"
#include "pv_doc_paths.h"
#include "phoneval_scan.h"


#define S(s)  (const pv_u_char *) s, sizeof(s) - 1


static pv_doc_conf_t  conf = {
    S("phone"), S("country"), S("contacts"), 512, 0, 0, NULL, 0
};


typedef struct {
    const char          *doc;
    pv_doc_rc_e          rc;
    pv_root_e            root;
    size_t               ncontacts;
    pv_phone_state_e     state;        /* of the first contact */
    const char          *text;         /* its phone text, NULL: none */
    const char          *country;
    const char          *err_at;       /* error offset: where this starts */
    long                 bad_index;
} doc_case_t;


static const doc_case_t  cases[] = {

    /* single contacts and their phones */
    { "{\"phone\":\"+12095550142\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "+12095550142", "", NULL, -1 },
    { " \n{ \"firstName\" : \"Test\" }\n", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{}", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_ABSENT, NULL, "", NULL,
      -1 },
    { "{\"phone\":null}", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_NULL, NULL,
      "", NULL, -1 },
    { "{\"phone\":\"\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_NULL, "",
      "", NULL, -1 },
    { "{\"phone\":\"  \\t\\n \"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_NULL, "  \t\n ", "", NULL, -1 },
    { "{\"phone\":\"\\u00a0\xe3\x80\x80\xe2\x80\x82\"}", PV_DOC_OK,
      PV_ROOT_CONTACT, 1, PV_PHONE_NULL, "\xc2\xa0\xe3\x80\x80\xe2\x80\x82",
      "", NULL, -1 },
    { "{\"phone\":\" 1 \"}", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_TEXT,
      " 1 ", "", NULL, -1 },
    { "{\"phone\":\"\xc2\xa0x\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "\xc2\xa0x", "", NULL, -1 },
    { "{\"phone\":\"\\u002b1 (209) 555-0142\"}", PV_DOC_OK, PV_ROOT_CONTACT,
      1, PV_PHONE_TEXT, "+1 (209) 555-0142", "", NULL, -1 },
    { "{\"ph\\u006fne\":\"1\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "1", "", NULL, -1 },
    { "{\"phone\":12095550142}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "12095550142", "", NULL, -1 },
    { "{\"phone\":-1.5e3 }", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_TEXT,
      "-1.5e3", "", NULL, -1 },
    { "{\"phone\":1234567890123456789012}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "1234567890123456789012", "", NULL, -1 },
    { "{\"x\":{\"phone\":\"1\"},\"phones\":\"2\",\"Phone\":\"3\"}",
      PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{\"phone\":true}", PV_DOC_EPHONE_TYPE, PV_ROOT_CONTACT, 1,
      PV_PHONE_WRONG_TYPE, NULL, "", "true", -1 },
    { "{\"phone\":false}", PV_DOC_EPHONE_TYPE, PV_ROOT_CONTACT, 1,
      PV_PHONE_WRONG_TYPE, NULL, "", "false", -1 },
    { "{\"a\":1,\"phone\":{\"n\":\"1\"}}", PV_DOC_EPHONE_TYPE,
      PV_ROOT_CONTACT, 1, PV_PHONE_WRONG_TYPE, NULL, "", "{\"n\"", -1 },
    { "{\"phone\":[\"1\"]}", PV_DOC_EPHONE_TYPE, PV_ROOT_CONTACT, 1,
      PV_PHONE_WRONG_TYPE, NULL, "", "[", -1 },

    /* countries */
    { "{\"phone\":\"1\",\"country\":\"ca\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "1", "CA", NULL, -1 },
    { "{\"country\":\"US\",\"phone\":\"1\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "1", "US", NULL, -1 },
    { "{\"country\":\"\\u0055\\u0073\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_ABSENT, NULL, "US", NULL, -1 },
    { "{\"country\":\"USA\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{\"country\":\"\\u0055\\u0053\\u0041\"}", PV_DOC_OK, PV_ROOT_CONTACT,
      1, PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{\"country\":\"U1\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{\"country\":\"\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_ABSENT,
      NULL, "", NULL, -1 },
    { "{\"country\":\" US\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{\"country\":12}", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_ABSENT,
      NULL, "", NULL, -1 },
    { "{\"country\":null}", PV_DOC_OK, PV_ROOT_CONTACT, 1, PV_PHONE_ABSENT,
      NULL, "", NULL, -1 },
    { "{\"country\":\"a very long country name\"}", PV_DOC_OK,
      PV_ROOT_CONTACT, 1, PV_PHONE_ABSENT, NULL, "", NULL, -1 },

    /* J3: everything else is left alone */
    { "{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"cf_FAKE1\","
      "\"field_value\":1234567890123460}],\"score\":0.1}", PV_DOC_OK,
      PV_ROOT_CONTACT, 1, PV_PHONE_TEXT, "+12095550142", "", NULL, -1 },

    /* bulk bodies */
    { "{\"contacts\":[{\"phone\":\"1\",\"country\":\"de\"},{\"name\":\"x\"},"
      "{\"phone\":null}],\"locationId\":\"loc_TEST\"}", PV_DOC_OK,
      PV_ROOT_BULK, 3, PV_PHONE_TEXT, "1", "DE", NULL, -1 },
    { "{\"locationId\":\"l\", \"contacts\" : [ ] }", PV_DOC_OK, PV_ROOT_BULK,
      0, PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{\"contact\\u0073\":[{}]}", PV_DOC_OK, PV_ROOT_BULK, 1,
      PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    { "{\"contacts\":\"x\",\"phone\":\"1\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "1", "", NULL, -1 },
    { "{\"contacts\":null,\"phone\":\"1\"}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_TEXT, "1", "", NULL, -1 },
    { "{\"contacts\":{\"phone\":\"1\"}}", PV_DOC_OK, PV_ROOT_CONTACT, 1,
      PV_PHONE_ABSENT, NULL, "", NULL, -1 },
    /* a bulk root with a phone of its own: which one was meant? */
    { "{\"phone\":true,\"contacts\":[{\"phone\":\"1\"}]}",
      PV_DOC_EBULK_PHONE, PV_ROOT_BULK, 0, PV_PHONE_ABSENT, NULL, "",
      "\"phone\":true", -1 },
    { "{\"contacts\":[{}],\"phone\":[1],\"country\":\"US\"}",
      PV_DOC_EBULK_PHONE, PV_ROOT_BULK, 0, PV_PHONE_ABSENT, NULL, "",
      "\"phone\":[1]", -1 },
    { "{\"contacts\":[{}],\"phone\":null}", PV_DOC_EBULK_PHONE,
      PV_ROOT_BULK, 0, PV_PHONE_ABSENT, NULL, "", "\"phone\":null", -1 },
    { "{\"contacts\":[{}],\"ph\\u006fne\":\"1\"}", PV_DOC_EBULK_PHONE,
      PV_ROOT_BULK, 0, PV_PHONE_ABSENT, NULL, "", "\"ph\\u006fne\"", -1 },
    { "{\"contacts\":[{\"phone\":\"1\"}, 5]}", PV_DOC_EROOT, PV_ROOT_BULK, 0,
      PV_PHONE_ABSENT, NULL, "", "5]", 1 },
    { "{\"contacts\":[[{\"phone\":\"1\"}]]}", PV_DOC_EROOT, PV_ROOT_BULK, 0,
      PV_PHONE_ABSENT, NULL, "", "[{", 0 },
    { "{\"contacts\":[null]}", PV_DOC_EROOT, PV_ROOT_BULK, 0,
      PV_PHONE_ABSENT, NULL, "", "null", 0 },
    { "{\"contacts\":[{\"phone\":\"1\"},{},{\"phone\":true}]}",
      PV_DOC_EPHONE_TYPE, PV_ROOT_BULK, 3, PV_PHONE_TEXT, "1", "", "true",
      2 },

    /* root arrays */
    { "[{\"phone\":\"1\"},{\"phone\":\"2\"}]", PV_DOC_OK, PV_ROOT_ARRAY, 2,
      PV_PHONE_TEXT, "1", "", NULL, -1 },
    { " [ ] ", PV_DOC_OK, PV_ROOT_ARRAY, 0, PV_PHONE_ABSENT, NULL, "", NULL,
      -1 },
    { "[1]", PV_DOC_EROOT, PV_ROOT_ARRAY, 0, PV_PHONE_ABSENT, NULL, "",
      "1]", 0 },
    { "[{}, []]", PV_DOC_EROOT, PV_ROOT_ARRAY, 0, PV_PHONE_ABSENT, NULL, "",
      "[]]", 1 },
    { "[{\"contacts\":[{\"phone\":\"1\"}]}]", PV_DOC_OK, PV_ROOT_ARRAY, 1,
      PV_PHONE_ABSENT, NULL, "", NULL, -1 },

    /* other roots */
    { " \"x\"", PV_DOC_EROOT, PV_ROOT_CONTACT, 0, PV_PHONE_ABSENT, NULL, "",
      "\"x\"", -1 },
    { "12", PV_DOC_EROOT, PV_ROOT_CONTACT, 0, PV_PHONE_ABSENT, NULL, "",
      "12", -1 },
    { "null", PV_DOC_EROOT, PV_ROOT_CONTACT, 0, PV_PHONE_ABSENT, NULL, "",
      "null", -1 },

    /* bad JSON: J1 and friends */
    { "{\"phone\":\"+12095550100\",\"firstName\":\"Test\","
      "\"phone\":\"+12095550199\"}", PV_DOC_EJSON, PV_ROOT_CONTACT, 0,
      PV_PHONE_ABSENT, NULL, "", "\"phone\":\"+12095550199\"", -1 },
    { "{\"contacts\":[{\"phone\":\"1\",\"ph\\u006fne\":\"2\"}]}",
      PV_DOC_EJSON, PV_ROOT_CONTACT, 0, PV_PHONE_ABSENT, NULL, "",
      "\"ph\\u006fne\"", -1 },
    { "{\"phone\":\"1\",}", PV_DOC_EJSON, PV_ROOT_CONTACT, 0,
      PV_PHONE_ABSENT, NULL, "", "}", -1 },
    { "", PV_DOC_EJSON, PV_ROOT_CONTACT, 0, PV_PHONE_ABSENT, NULL, "", "",
      -1 }
};


static void
test_table(void)
{
    size_t             i, len, want;
    long               bad;
    pv_doc_t           doc;
    pv_arena_t         a;
    pv_doc_rc_e        rc;
    const char        *at;
    pv_contact_t      *c;
    pv_json_error_t    err;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pv_arena_init(&a);

        len = strlen(cases[i].doc);
        bad = 12345;

        rc = pv_doc_scan((const pv_u_char *) cases[i].doc, len, &conf,
                         &a.pool, &doc, &err, &bad);

        pv_test_run++;
        if (rc != cases[i].rc) {
            pv_test_failed++;
            fprintf(stderr, "case %d \"%s\": expected rc %d, got %d\n",
                    (int) i, cases[i].doc, (int) cases[i].rc, (int) rc);
            pv_arena_free(&a);
            continue;
        }

        if (cases[i].err_at) {
            at = strstr(cases[i].doc, cases[i].err_at);
            want = (*cases[i].err_at == '\0') ? len
                                              : (size_t) (at - cases[i].doc);

            PV_CHECK(at != NULL);
            PV_CHECK_INT(err.offset, want);
            PV_CHECK_INT(err.line, 1);
            PV_CHECK_INT(err.column, want + 1);
            PV_CHECK(err.message != NULL && err.message[0] != '\0');
            PV_CHECK_INT(bad, cases[i].bad_index);
        }

        if (rc == PV_DOC_EJSON || rc == PV_DOC_EROOT
            || rc == PV_DOC_EBULK_PHONE)
        {
            pv_arena_free(&a);
            continue;
        }

        PV_CHECK_INT(doc.root, cases[i].root);
        PV_CHECK_INT(doc.ncontacts, cases[i].ncontacts);

        if (doc.ncontacts == 0) {
            PV_CHECK_INT(rc, PV_DOC_OK);
            pv_arena_free(&a);
            continue;
        }

        c = &doc.contacts[0];

        PV_CHECK_INT(c->phone_state, cases[i].state);
        PV_CHECK_STR(c->country, cases[i].country);
        PV_CHECK_INT(cases[i].doc[c->open], '{');
        PV_CHECK_INT(cases[i].doc[c->close], '}');
        PV_CHECK_INT(c->index, doc.root == PV_ROOT_CONTACT ? -1 : 0);

        if (cases[i].text) {
            PV_CHECK(c->phone_text != NULL);
            if (c->phone_text) {
                PV_CHECK_MEM(c->phone_text, c->phone_len, cases[i].text);
            }

        } else if (c->phone_state != PV_PHONE_WRONG_TYPE) {
            PV_CHECK(c->phone_text == NULL);
        }

        if (c->phone_state != PV_PHONE_ABSENT) {
            PV_CHECK(pv_json_string_eq((const pv_u_char *) cases[i].doc,
                                       c->phone.key_start, c->phone.key_end,
                                       (const pv_u_char *) "phone", 5));
            PV_CHECK_INT(c->phone.end,
                         pv_json_value_end((const pv_u_char *) cases[i].doc,
                                           len, c->phone.start));
        }

        pv_arena_free(&a);
    }
}


static void
test_bulk_details(void)
{
    long               bad;
    size_t             len;
    pv_doc_t           doc;
    pv_arena_t         a;
    pv_contact_t      *c;
    pv_json_error_t    err;
    const char        *s;

    s = "{\n"
        "  \"contacts\": [\n"
        "    { \"phone\": \"+12095550142\", \"country\": \"us\" },\n"
        "    { \"firstName\": \"B\" },\n"
        "    { \"phone\": null },\n"
        "    { \"phone\": 4915112345678 }\n"
        "  ]\n"
        "}\n";

    len = strlen(s);
    pv_arena_init(&a);

    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, len, &conf, &a.pool,
                             &doc, &err, NULL), PV_DOC_OK);
    PV_CHECK_INT(doc.root, PV_ROOT_BULK);
    PV_CHECK_INT(doc.ncontacts, 4);

    c = doc.contacts;

    PV_CHECK_INT(c[0].index, 0);
    PV_CHECK_INT(c[1].index, 1);
    PV_CHECK_INT(c[2].index, 2);
    PV_CHECK_INT(c[3].index, 3);

    PV_CHECK_INT(c[0].open, strstr(s, "{ \"phone\": \"+1") - s);
    PV_CHECK_INT(c[0].close, strstr(s, "\"us\" }") - s + 5);
    PV_CHECK_INT(c[1].open, strstr(s, "{ \"firstName\"") - s);
    PV_CHECK_INT(c[1].close, strstr(s, "\"B\" }") - s + 4);

    PV_CHECK_INT(c[0].phone_state, PV_PHONE_TEXT);
    PV_CHECK_MEM(c[0].phone_text, c[0].phone_len, "+12095550142");
    PV_CHECK_STR(c[0].country, "US");
    PV_CHECK_INT(c[0].phone.key_start, strstr(s, "\"phone\": \"+1") - s);
    PV_CHECK_INT(c[0].phone.start, strstr(s, "\"+1") - s);
    PV_CHECK_INT(c[0].phone.type, PV_JSON_STRING);

    PV_CHECK_INT(c[1].phone_state, PV_PHONE_ABSENT);
    PV_CHECK_STR(c[1].country, "");
    PV_CHECK_INT(c[2].phone_state, PV_PHONE_NULL);
    PV_CHECK_INT(c[3].phone_state, PV_PHONE_TEXT);
    PV_CHECK_MEM(c[3].phone_text, c[3].phone_len, "4915112345678");
    PV_CHECK_INT(c[3].phone.type, PV_JSON_NUMBER);

    pv_arena_free(&a);

    /* a wrong phone type deep in a pretty body: line and column */

    s = "{\"contacts\":[\n  {\"phone\":\"1\"},\n  {\"phone\": [] }\n]}";
    len = strlen(s);
    pv_arena_init(&a);

    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, len, &conf, &a.pool,
                             &doc, &err, &bad), PV_DOC_EPHONE_TYPE);
    PV_CHECK_INT(bad, 1);
    PV_CHECK_INT(err.offset, strstr(s, "[] }") - s);
    PV_CHECK_INT(err.line, 3);
    PV_CHECK_INT(err.column, 13);

    pv_arena_free(&a);
}


static void
test_conf(void)
{
    long             bad;
    size_t           len;
    pv_doc_t         doc;
    pv_arena_t       a;
    pv_json_error_t  err;
    const char      *s;

    pv_doc_conf_t  other = {
        S("mobile"), S("cc"), S("items"), 3, 0, 0, NULL, 0
    };

    pv_doc_conf_t  nobulk = {
        S("phone"), S("country"), NULL, 0, 0, 0, 0, NULL, 0
    };

    s = "{\"items\":[{\"mobile\":\"7\",\"cc\":\"fr\",\"phone\":true}]}";
    len = strlen(s);
    pv_arena_init(&a);
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, len, &other, &a.pool,
                             &doc, &err, &bad), PV_DOC_OK);
    PV_CHECK_INT(doc.root, PV_ROOT_BULK);
    PV_CHECK_INT(doc.ncontacts, 1);
    PV_CHECK_MEM(doc.contacts[0].phone_text, doc.contacts[0].phone_len, "7");
    PV_CHECK_STR(doc.contacts[0].country, "FR");
    pv_arena_free(&a);

    /* max_depth 3: the contact is the third level, a member the fourth */

    s = "{\"items\":[{\"a\":1}]}";
    pv_arena_init(&a);
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, strlen(s), &other,
                             &a.pool, &doc, &err, &bad), PV_DOC_OK);
    pv_arena_free(&a);

    s = "{\"items\":[{\"a\":[1]}]}";
    pv_arena_init(&a);
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, strlen(s), &other,
                             &a.pool, &doc, &err, &bad), PV_DOC_EJSON);
    PV_CHECK_INT(err.rc, PV_JSON_EDEPTH);
    PV_CHECK_INT(err.offset, 15);
    pv_arena_free(&a);

    /* no bulk field: the object is always one contact; 0 depth is 512 */

    s = "{\"contacts\":[{\"phone\":\"1\"}],\"phone\":\"2\"}";
    pv_arena_init(&a);
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, strlen(s), &nobulk,
                             &a.pool, &doc, &err, &bad), PV_DOC_OK);
    PV_CHECK_INT(doc.root, PV_ROOT_CONTACT);
    PV_CHECK_MEM(doc.contacts[0].phone_text, doc.contacts[0].phone_len, "2");
    pv_arena_free(&a);
}


static void
test_depth(void)
{
    int              i;
    char             buf[2000], *o;
    pv_doc_t         doc;
    pv_arena_t       a;
    pv_json_error_t  err;

    o = buf;
    o += sprintf(o, "{\"phone\":\"1\",\"x\":");
    for (i = 0; i < 600; i++) {
        *o++ = '[';
    }
    for (i = 0; i < 600; i++) {
        *o++ = ']';
    }
    *o++ = '}';

    pv_arena_init(&a);
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) buf, o - buf, &conf,
                             &a.pool, &doc, &err, NULL), PV_DOC_EJSON);
    PV_CHECK_INT(err.rc, PV_JSON_EDEPTH);
    PV_CHECK_INT(err.offset, 17 + 511);
    pv_arena_free(&a);
}


/*
 * The one-pass scan and the full path agree on every table case, on
 * realistic bodies, and on every prefix and one-byte mutation of them.
 */

static const char  *path_docs[] = {
    "{\"firstName\": \"Maria\", \"email\": \"maria@example.com\", "
    "\"locationId\": \"ve9EPM428h8vShlRW1KT\", \"phone\": \"+1 200-200-0001\", "
    "\"dnd\": false, \"dndSettings\": {\"Call\": {\"status\": \"inactive\", "
    "\"message\": \"\", \"code\": \"\"}}, \"tags\": [\"a\", \"b\"], "
    "\"customFields\": [{\"id\": \"cf1\", \"field_value\": 1.5e3}, "
    "{\"key\": \"contact.x\", \"field_value\": null}], \"country\": \"US\"}",
    "{\"locationId\":\"L\",\"contacts\":[{\"phone\":\"1\",\"country\":\"ca\"},"
    "{},{\"phone\":12095550142,\"tags\":[]},{\"phone\":null}]}",
    "[{\"phone\":\"+46 70\"},"
    "{\"phone\":\"\\u0662\\u0660\",\"x\":[[1],{\"y\":-0}]}]",
    "{\"phone\":true,\"contacts\":[{\"phone\":\"1\"}]}",
    "{\"contacts\":[],\"phone\":\"1\"}",
    "{\"contacts\":{\"phone\":\"1\"},\"phone\":\"2\"}",
    "{\"ph\\u006fne\":\"1\",\"a\\\"b\":\"\\\\\"}",
    "{\"phone\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
    "\"n\":\"\\ud83d\\ude00\"}",
    "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,"
    "\"i\":9,\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,"
    "\"p\":16,\"q\":17,\"r\":18,\"s\":19,\"t\":20,\"u\":21,\"v\":22,"
    "\"w\":23,\"x\":24,\"y\":25,\"z\":26,\"A\":27,\"B\":28,\"C\":29,"
    "\"D\":30,\"E\":31,\"F\":32,\"phone\":\"1\"}",
    "{\"abcdefghij\":1,\"abcdefghik\":2,\"abcdefgh\":3,\"abcdefg\":4,"
    "\"\":5,\"abcdefghij2\":6,\"phone\":\" \"}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"
    "\"phone\":\"3\"}",
    " \t\r\n{ \"phone\" : \"1\" , \"country\" : \"\\u0055S\" } \n",
    "{\"phone\":\"1\",\"phone\":\"2\"}",
    "{\"country\":1,\"country\":\"US\"}",
    "\"phone\"",
    "[]",
    "{}",
    "[1]",
    "{\"contacts\":[1]}",
    "{\"x\":{\"a\":1,\"a\":2},\"phone\":\"1\"}",
    "{\"x\":[{\"a\":1},{\"a\":2}],\"phone\":\"1\"}",

    /* contacts of one shape, and later ones that leave it or repeat names */
    "[{\"a\":1,\"b\":{\"c\":2}},{\"a\":3,\"b\":{\"c\":4}},"
    "{\"a\":5,\"b\":{\"c\":6}}]",
    "[{\"a\":1,\"b\":2},{\"a\":1,\"a\":2}]",
    "[{\"a\":1,\"b\":2},{\"a\":1,\"b\":2,\"a\":3}]",
    "[{\"x\":{\"a\":1},\"a\":2},{\"x\":{\"a\":1,\"a\":2}}]",
    "[{\"x\":{\"a\":1}},{\"x\":{\"a\":1}},{\"x\":{\"a\":1},\"x\":2}]",
    "[{\"a\":1},{\"b\":1,\"c\":2},{\"b\":1,\"c\":2,\"b\":3}]",
    "[{\"a\":1,\"b\":[{\"c\":1},{\"d\":2}]},"
    "{\"a\":1,\"b\":[{\"c\":1,\"d\":2,\"c\":3}]}]",
    "[{\"abcdefghijklmnopqrstu\":1},"
    "{\"abcdefghijklmnopqrstu\":1,\"abcdefghijklmnopqrstu\":2}]",
    "[{\"abcdefgh12345678ijklmnop\":1,\"abcdefghXXXXXXXXijklmnop\":2},"
    "{\"abcdefghXXXXXXXXijklmnop\":1,\"abcdefghXXXXXXXXijklmnop\":2}]",
    "{\"contacts\":[{\"phone\":\"1\",\"tags\":[\"t\"]},"
    "{\"phone\":\"2\",\"tags\":[\"t\"],\"phone\":\"3\"}]}",
    "{\"contacts\":[{\"phone\":\"1\",\"customFields\":[{\"id\":\"s\"}]},"
    "{\"phone\":\"2\",\"customFields\":[{\"id\":\"s\",\"id\":\"t\"}]}]}",
    "[{\"a\":{}},{\"a\":{},\"b\":{}},{\"a\":{}},{\"a\":{},\"a\":{}}]",
    "[{\"abcdefghX\":1,\"abcdefghY\":2},{\"abcdefghY\":1,\"abcdefghY\":2}]",
    "[{\"z\":1,\"b\":{\"z\":2}},{\"z\":{},\"z\":2}]",

    /* nested objects: names compared one by one, then hashed from the fifth */
    "{\"x\":{\"a\":1,\"b\":2,\"a\":3},\"phone\":\"1\"}",
    "{\"x\":{\"ab\":1,\"ba\":2,\"ab\":3},\"phone\":\"1\"}",
    "{\"x\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"a\":5},\"phone\":\"1\"}",
    "{\"x\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"d\":6}}",
    "{\"x\":{\"abcdefghijk\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,"
    "\"abcdefghijk\":6}}",
    "{\"x\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}}",
    "{\"customFields\":[{\"id\":\"a\",\"key\":\"b\",\"id\":\"c\"}],"
    "\"phone\":\"1\"}"
};


static void
test_paths_one(const char *doc, size_t len, const pv_doc_conf_t *cf)
{
    pv_arena_t      a;
    int             same;
    pv_doc_want_t  *want;
    pv_doc_conf_t   built;

    pv_arena_init(&a);
    same = pv_doc_paths_agree((const pv_u_char *) doc, len, cf, &a.pool);
    pv_arena_free(&a);

    /* and with the names built once, as the module's configuration has */

    if (same && cf->want == NULL) {
        want = malloc(pv_doc_want_size());
        if (want == NULL) {
            abort();
        }

        built = *cf;
        pv_doc_want_init(want, &built);
        built.want = want;

        pv_arena_init(&a);
        same = pv_doc_paths_agree((const pv_u_char *) doc, len, &built,
                                  &a.pool);
        pv_arena_free(&a);
        free(want);
    }

    pv_test_run++;
    if (!same) {
        pv_test_failed++;
        fprintf(stderr, "paths differ on \"%.*s\"\n", (int) len, doc);
    }
}


static void
test_paths_fast(const char *doc, int want)
{
    pv_doc_t          d;
    pv_arena_t        a;
    pv_json_span_t    spans[32];
    pv_json_index_t   index;

    pv_arena_init(&a);

    index.spans = spans;
    index.n = 0;
    index.cap = 32;
    d.index = &index;

    PV_CHECK_INT(pv_scan_doc((const pv_u_char *) doc, strlen(doc), &conf,
                             512, &a.pool, &d), want);

    pv_arena_free(&a);
}


static void
test_paths(void)
{
    size_t          i, j, k, len;
    char            buf[2048];
    static const char  subst[] = "\"\\{}[],: 0a-.eE\x80\xc3\x01";
    static const pv_doc_conf_t  confs[] = {
        { S("phone"), S("country"), S("contacts"), 512, 0, 0, NULL, 0 },
        { S("contacts"), S("country"), S("contacts"), 512, 0, 0, NULL, 0 },
        { S("x"), S("phone"), S("tags"), 3, 2, 0, NULL, 0 },
        { S("phone"), S("country"), S("contacts"), 512, 0, 0, NULL, 1 }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        test_paths_one(cases[i].doc, strlen(cases[i].doc), &conf);
    }

    /* the realistic bodies do take the one pass */

    for (i = 0; i < 6; i++) {
        test_paths_fast(path_docs[i], (i == 3 || i == 4) ? PV_SCAN_SLOW
                                                          : PV_SCAN_OK);
    }

    for (i = 0; i < sizeof(path_docs) / sizeof(path_docs[0]); i++) {
        len = strlen(path_docs[i]);

        for (k = 0; k < sizeof(confs) / sizeof(confs[0]); k++) {
            test_paths_one(path_docs[i], len, &confs[k]);
        }

        for (j = 0; j <= len; j++) {
            test_paths_one(path_docs[i], j, &conf);
        }

        for (j = 0; j < len && len < sizeof(buf); j++) {
            for (k = 0; k < sizeof(subst) - 1; k++) {
                memcpy(buf, path_docs[i], len);
                buf[j] = subst[k];
                test_paths_one(buf, len, &conf);
            }
        }
    }
}


/*
 * Lists of contacts of one shape, and of shapes that change, are taken
 * by the one pass; a duplicate name in a later contact (also in a nested
 * object, or where it has the first eight bytes, or the first and last,
 * of another name) is left to the full path's 400.
 */

static void
test_shapes(void)
{
    size_t           i;
    pv_doc_t         doc;
    pv_arena_t       a;
    pv_doc_conf_t    noindex;
    pv_json_index_t  index;

    static const struct {
        const char  *doc;
        int          rc;
    } shapes[] = {
        { "[{\"a\":1,\"b\":{\"c\":2}},{\"a\":3,\"b\":{\"c\":4}},"
          "{\"a\":5,\"b\":{\"c\":6}}]", PV_SCAN_OK },
        { "[{\"a\":1},{\"b\":1,\"c\":2},{\"b\":1,\"c\":2}]", PV_SCAN_OK },
        { "[{\"a\":1,\"b\":2},{\"a\":1}]", PV_SCAN_OK },
        { "[{\"a\":1,\"b\":2},{\"a\":1,\"a\":2}]", PV_SCAN_SLOW },
        { "[{\"a\":1,\"b\":2},{\"a\":1,\"b\":2,\"a\":3}]", PV_SCAN_SLOW },
        { "[{\"x\":{\"a\":1},\"a\":2},{\"x\":{\"a\":1,\"a\":2}}]",
          PV_SCAN_SLOW },
        { "[{\"x\":{\"a\":1}},{\"x\":{\"a\":1}},"
          "{\"x\":{\"a\":1},\"x\":2}]", PV_SCAN_SLOW },
        { "[{\"a\":1},{\"b\":1,\"c\":2},{\"b\":1,\"c\":2,\"b\":3}]",
          PV_SCAN_SLOW },
        { "[{\"abcdefgh12345678ijklmnop\":1},"
          "{\"abcdefghXXXXXXXXijklmnop\":1,\"abcdefghXXXXXXXXijklmnop\":2}]",
          PV_SCAN_SLOW },
        { "[{\"abcdefgh12345678ijklmnop\":1},"
          "{\"abcdefghXXXXXXXXijklmnop\":1}]", PV_SCAN_OK },
        { "[{\"a\":{}},{\"a\":{},\"b\":{}},{\"a\":{}},{\"a\":{},\"a\":{}}]",
          PV_SCAN_SLOW },
        { "[{\"abcdefghX\":1,\"abcdefghY\":2},"
          "{\"abcdefghY\":1,\"abcdefghY\":2}]", PV_SCAN_SLOW },
        { "[{\"z\":1,\"b\":{\"z\":2}},{\"z\":{},\"z\":2}]", PV_SCAN_SLOW },
        { "{\"x\":{\"a\":1,\"b\":2,\"a\":3}}", PV_SCAN_SLOW },
        { "{\"x\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"a\":5}}",
          PV_SCAN_SLOW },
        { "{\"x\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"d\":6}}",
          PV_SCAN_SLOW },
        { "{\"x\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}}",
          PV_SCAN_OK },

        /* contacts that leave the last one's shape: still the one pass */
        { "[{\"a\":1},{\"b\":1}]", PV_SCAN_OK },
        { "[{\"a\":{\"x\":1}},{\"a\":{\"y\":1}}]", PV_SCAN_OK },
        { "[{\"a\":[1]},{\"a\":[\"s\"]}]", PV_SCAN_OK },
        { "[{\"a\":{}},{\"a\":{ }}]", PV_SCAN_OK },
        { "[{\"a\":1,\"b\":2},{\"a\":1, \"b\":2}]", PV_SCAN_OK },
        { "[{\"a\":1,\"b\":{\"c\":1,\"d\":2,\"e\":3,\"f\":4,\"g\":5}},"
          "{\"a\":1,\"b\":{\"c\":1,\"d\":2,\"e\":3,\"f\":4,\"g\":5,"
          "\"h\":6}}]", PV_SCAN_OK },
        { "[{\"a\":1,\"b\":{\"c\":1,\"d\":2,\"e\":3,\"f\":4,\"g\":5}},"
          "{\"a\":1,\"b\":{\"c\":1,\"d\":2,\"e\":3,\"f\":4,\"g\":5,"
          "\"c\":6}}]", PV_SCAN_SLOW },
        { "[{\"a\":1,\"b\":2},{\"a\":1,\"b\":2,\"a\":3}]", PV_SCAN_SLOW }
    };

    noindex = conf;
    noindex.no_index = 1;

    for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        pv_arena_init(&a);

        index.spans = NULL;
        index.n = 0;
        index.cap = 0;
        doc.index = &index;

        PV_CHECK_INT(pv_scan_doc((const pv_u_char *) shapes[i].doc,
                                 strlen(shapes[i].doc), &conf, 512, &a.pool,
                                 &doc),
                     shapes[i].rc);

        pv_arena_free(&a);

        /* and without an index wanted, the one pass records none */

        pv_arena_init(&a);

        index.spans = NULL;
        index.n = 0;
        index.cap = 0;
        doc.index = &index;

        PV_CHECK_INT(pv_scan_doc((const pv_u_char *) shapes[i].doc,
                                 strlen(shapes[i].doc), &noindex, 512,
                                 &a.pool, &doc),
                     shapes[i].rc);
        PV_CHECK_INT(index.n, 0);

        pv_arena_free(&a);
    }
}


/*
 * Lists of contacts drawn from templates that share a shape, or part of
 * one, or none: the one pass reads each contact against the last one's
 * chunks and must find exactly what the full path finds, whichever
 * contact leaves the shape where.
 */

static void
test_shape_lists(void)
{
    int               t, n, i, k;
    char              buf[4096];
    size_t            len;
    unsigned long     seed;
    pv_doc_conf_t     noindex;

    static const char  *tpl[] = {
        "{\"phone\":\"+12095550142\",\"country\":\"US\",\"name\":\"A\","
        "\"tags\":[\"a\",\"b\"],\"customFields\":[{\"id\":\"x\","
        "\"field_value\":\"1\"},{\"key\":\"k\",\"field_value\":2}],"
        "\"dnd\":{\"Call\":{\"status\":\"on\"}},\"n\":1}",
        "{\"phone\":\"+1 209 555 0143\",\"country\":\"CA\",\"name\":"
        "\"Bobby\",\"tags\":[\"a\"],\"customFields\":[{\"id\":\"yy\","
        "\"field_value\":\"22\"}],\"dnd\":{\"Call\":{\"status\":"
        "\"off\"}},\"n\":12345}",
        "{\"phone\":\"+12095550144\",\"country\":\"US\",\"name\":\"C\","
        "\"tags\":[],\"customFields\":[],\"dnd\":{\"Call\":{}},"
        "\"n\":-1.5e3}",
        "{ \"phone\" : \"+1\", \"country\": \"US\" }",
        "{\"country\":\"US\",\"phone\":\"1\"}",
        "{\"name\":\"no phone\"}",
        "{\"phone\":12095550142,\"country\":\"US\"}",
        "{\"phone\":\"1\",\"dnd\":[1,{\"Call\":2}]}",
        "{}",
        "{\"phone\":\"+12095550142\",\"country\":\"US\",\"name\":\"A\","
        "\"tags\":[\"a\",\"b\"],\"customFields\":[{\"id\":\"x\","
        "\"field_value\":\"1\"},{\"key\":\"k\",\"field_value\":2}],"
        "\"dnd\":{\"Call\":{\"status\":\"on\"}},\"n\":1,\"extra\":null}",
        "{\"phone\":\"+12095550142\",\"country\":\"US\",\"name\":\"A\","
        "\"name\":\"B\"}",
        "{\"phone\":\"+12095550142\",\"country\":\"US\",\"name\":\"A\","
        "\"tags\":[\"a\",\"b\"],\"customFields\":[{\"id\":\"x\","
        "\"id\":\"y\"}]}",
        "{\"phone\":\"1\",\"dnd\":{\"Call\":{\"status\":\"a\","
        "\"status\":\"b\"}}}",
        "{\"phone\":\"\\u0031\",\"customFields\":[{\"id\":\"a\\u0062\"}]}",
        "{\"phone\":null,\"country\":\"\\u0055S\",\"name\":\"\xc3\xa9\"}",
        "{\"phone\":\"+12095550142\",\"country\":\"US\",\"name\":\"A\","
        "\"tags\":[\"a\",\"b\"],\"customFields\":[{\"id\":\"x\","
        "\"field_value\":\"1\"},{\"key\":\"k\",\"field_value\":2},"
        "{\"id\":\"z\"}],\"dnd\":{\"Call\":{\"status\":\"on\"}},\"n\":1}"
    };

    noindex = conf;
    noindex.no_index = 1;
    seed = 7;

    for (t = 0; t < 3000; t++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        n = 1 + (int) ((seed >> 33) % 6);

        len = 0;
        len += sprintf(buf + len, "%s", (t & 1) ? "{\"contacts\":[" : "[");

        for (i = 0; i < n; i++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;

            /* mostly the first three, which share most of their shape */
            k = (int) ((seed >> 33) % 8);
            k = (k < 5) ? k % 3
                        : (int) ((seed >> 40) % (sizeof(tpl) / sizeof(tpl[0])));

            len += sprintf(buf + len, "%s%s", i ? "," : "", tpl[k]);
        }

        len += sprintf(buf + len, "%s", (t & 1) ? "]}" : "]");

        test_paths_one(buf, len, &conf);
        test_paths_one(buf, len, &noindex);
    }
}


/* contacts past conf.max_contacts are refused before memory is taken */

static void
test_max_contacts(void)
{
    int              full;
    long             bad;
    pv_doc_t         doc;
    pv_arena_t       a;
    pv_doc_conf_t    cf;
    pv_json_error_t  err;
    const char      *s;

    cf = conf;
    cf.max_contacts = 2;

    for (full = 0; full < 2; full++) {
        cf.full_scan = full;

        s = "[{},{\"phone\":\"1\"}]";
        pv_arena_init(&a);
        PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, strlen(s), &cf,
                                 &a.pool, &doc, &err, &bad), PV_DOC_OK);
        PV_CHECK_INT(doc.ncontacts, 2);
        pv_arena_free(&a);

        s = "{\"contacts\":[{},{\"phone\":\"1\"}, {}, {}]}";
        pv_arena_init(&a);
        PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, strlen(s), &cf,
                                 &a.pool, &doc, &err, &bad),
                     PV_DOC_ETOO_MANY);
        PV_CHECK_INT(doc.ncontacts, 4);
        PV_CHECK_INT(err.offset, strstr(s, "{}, {}") - s);
        PV_CHECK_INT(bad, 2);
        pv_arena_free(&a);
    }

    s = "{\"phone\":\"1\"}";
    cf.max_contacts = 1;
    pv_arena_init(&a);
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) s, strlen(s), &cf, &a.pool,
                             &doc, &err, &bad), PV_DOC_OK);
    pv_arena_free(&a);
}


/*
 * A body of many tiny containers: the index keeps the first
 * PV_JSON_INDEX_MAX, both paths agree, and the contacts are still found.
 */

static void
test_index_cap(void)
{
    int              i;
    char            *buf, *o;
    pv_doc_t         doc;
    pv_arena_t       a;
    pv_json_error_t  err;

    buf = malloc(64 + 3 * 20000);
    PV_CHECK(buf != NULL);
    if (buf == NULL) {
        return;
    }

    o = buf;
    o += sprintf(o, "{\"x\":[");
    for (i = 0; i < 20000; i++) {
        o += sprintf(o, i ? ",[]" : "[]");
    }
    o += sprintf(o, "],\"phone\":\"1\",\"tags\":[\"a\"]}");

    test_paths_one(buf, (size_t) (o - buf), &conf);

    pv_arena_init(&a);
    PV_CHECK_INT(pv_doc_scan((const pv_u_char *) buf, o - buf, &conf,
                             &a.pool, &doc, &err, NULL), PV_DOC_OK);
    PV_CHECK_INT(doc.index->n, 16384);
    PV_CHECK_INT(doc.contacts[0].phone_state, PV_PHONE_TEXT);
    PV_CHECK_INT(buf[doc.contacts[0].tags.start], '[');
    PV_CHECK_INT(buf[doc.contacts[0].tags.end - 1], ']');
    pv_arena_free(&a);

    free(buf);
}


int
main(void)
{
    test_table();
    test_max_contacts();
    test_shapes();
    test_shape_lists();
    test_index_cap();
    test_paths();
    test_bulk_details();
    test_conf();
    test_depth();

    PV_TEST_DONE("test_doc");
}
