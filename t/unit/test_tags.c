
/*
 * Copyright (C) phoneval authors
 *
 * Follow-up tags merged into a contact's "tags" array: exact bytes.
 */


#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"


static const pv_doc_conf_t  doc_conf = {
    (const pv_u_char *) "phone", 5, (const pv_u_char *) "country", 7,
    (const pv_u_char *) "contacts", 8, 512, 0, 0, NULL, 0
};


typedef struct {
    const char  *in;
    const char  *tags[3];
    int          rc;
    const char  *out;
} tag_case_t;


static const tag_case_t  cases[] = {

    /* no tags member: appended before the closing brace */
    { "{\"phone\":\"+1\"}", { "ok", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[\"ok\"]}" },

    /* existing tags keep their bytes; the new one goes last */
    { "{\"phone\":\"+1\",\"tags\":[ \"a\" , \"b\" ]}", { "ok", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[ \"a\" , \"b\",\"ok\" ]}" },

    /* already there: nothing changes */
    { "{\"phone\":\"+1\",\"tags\":[\"ok\"]}", { "ok", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[\"ok\"]}" },

    /* already there, spelled with an escape */
    { "{\"phone\":\"+1\",\"tags\":[\"\\u006fk\"]}", { "ok", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[\"\\u006fk\"]}" },

    /* an empty array */
    { "{\"phone\":\"+1\",\"tags\":[]}", { "ok", "x", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[\"ok\",\"x\"]}" },

    /* null is replaced */
    { "{\"phone\":\"+1\",\"tags\":null}", { "ok", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[\"ok\"]}" },

    /* the same tag twice is added once */
    { "{\"phone\":\"+1\"}", { "ok", "ok", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[\"ok\"]}" },

    /* a tag that needs escaping */
    { "{\"phone\":\"+1\"}", { "a\"b", NULL }, 0,
      "{\"phone\":\"+1\",\"tags\":[\"a\\\"b\"]}" },

    /* pretty-printed: white space kept */
    { "{\n  \"phone\": \"+1\"\n}", { "ok", NULL }, 0,
      "{\n  \"phone\": \"+1\"\n,\"tags\":[\"ok\"]}" },

    /* not an array: untouched, reported */
    { "{\"phone\":\"+1\",\"tags\":\"ok\"}", { "ok", NULL }, PV_TAGS_ENOTARRAY,
      "{\"phone\":\"+1\",\"tags\":\"ok\"}" },
};


int
main(void)
{
    int               rc;
    long              bad;
    size_t            i, n, ntags, nedits, cap, size;
    size_t            lens[3];
    pv_u_char        *out, *last;
    pv_doc_t          doc;
    pv_edit_t        *edits;
    pv_arena_t        arena;
    pv_json_error_t   err;
    const pv_u_char  *tags[3];

    n = sizeof(cases) / sizeof(cases[0]);

    for (i = 0; i < n; i++) {
        pv_arena_init(&arena);

        PV_CHECK_INT(pv_doc_scan((const pv_u_char *) cases[i].in,
                                 strlen(cases[i].in), &doc_conf, &arena.pool,
                                 &doc, &err, &bad), PV_DOC_OK);

        for (ntags = 0; ntags < 3 && cases[i].tags[ntags]; ntags++) {
            tags[ntags] = (const pv_u_char *) cases[i].tags[ntags];
            lens[ntags] = strlen(cases[i].tags[ntags]);
        }

        edits = NULL;
        nedits = 0;
        cap = 0;

        rc = pv_tags_contact((const pv_u_char *) cases[i].in,
                             strlen(cases[i].in), &doc.contacts[0], tags,
                             lens, ntags, 1, &arena.pool, &edits, &nedits, &cap);

        PV_CHECK_INT(rc, cases[i].rc);

        pv_edits_sort(edits, nedits);
        size = pv_splice_size(strlen(cases[i].in), edits, nedits);
        out = malloc(size + 1);
        last = pv_splice(out, (const pv_u_char *) cases[i].in,
                         strlen(cases[i].in), edits, nedits);

        PV_CHECK_MEM(out, (size_t) (last - out), cases[i].out);
        PV_CHECK_INT(pv_json_validate(out, (size_t) (last - out), 512,
                                      &arena.pool, &err), PV_JSON_OK);

        free(out);
        pv_arena_free(&arena);
    }

    PV_TEST_DONE("test_tags");
}
