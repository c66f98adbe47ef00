
/*
 * Copyright (C) phoneval authors
 *
 * A streaming CSV reader (RFC 4180): quoted fields with "" for a quote
 * and line breaks inside, CRLF or LF records, a UTF-8 BOM skipped.  One
 * record is held at a time, so a file of any length reads in flat memory.
 */


#include <stdlib.h>
#include <string.h>

#include "phoneval_cli.h"


#define PV_CSV_RECORD_MAX  (1024 * 1024)


void
pv_csv_init(pv_csv_t *c, FILE *f)
{
    memset(c, 0, sizeof(pv_csv_t));
    c->f = f;
    c->line = 1;
}


void
pv_csv_free(pv_csv_t *c)
{
    free(c->fields);
    pv_buf_free(&c->buf);
    c->fields = NULL;
}


/* fields are kept as offsets while the buffer may move */

static void
pv_csv_end_field(pv_csv_t *c)
{
    char  nul;

    if (c->nfields == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->fields = pv_xrealloc(c->fields, c->cap * sizeof(char *));
    }

    nul = '\0';
    pv_buf_add(&c->buf, &nul, 1);
    c->fields[c->nfields++] = (char *) (c->buf.len);   /* one past the NUL */
}


int
pv_csv_next(pv_csv_t *c, const char **err)
{
    int     ch, quoted, any;
    char    b;
    size_t  i, start, end;

    c->buf.len = 0;
    c->nfields = 0;
    quoted = 0;
    any = 0;

    if (!c->bom_checked) {
        c->bom_checked = 1;
        ch = getc(c->f);

        if (ch == 0xef) {
            if (getc(c->f) != 0xbb || getc(c->f) != 0xbf) {
                *err = "malformed UTF-8 byte order mark";
                return -1;
            }

        } else if (ch != EOF) {
            ungetc(ch, c->f);
        }
    }

    c->record_line = c->line;

    for ( ;; ) {
        ch = getc(c->f);

        if (ch == EOF) {
            if (quoted) {
                *err = "a quoted field is not closed at the end of the file";
                return -1;
            }

            if (!any) {
                return 0;
            }

            break;
        }

        any = 1;

        if (c->buf.len > PV_CSV_RECORD_MAX) {
            *err = "record longer than 1 MiB";
            return -1;
        }

        if (quoted) {
            if (ch == '"') {
                ch = getc(c->f);

                if (ch == '"') {
                    b = '"';
                    pv_buf_add(&c->buf, &b, 1);
                    continue;
                }

                quoted = 0;

                if (ch == EOF) {
                    break;
                }

                /* the character after the closing quote, handled below */

            } else {
                if (ch == '\n') {
                    c->line++;
                }

                b = (char) ch;
                pv_buf_add(&c->buf, &b, 1);
                continue;
            }
        }

        if (ch == ',') {
            pv_csv_end_field(c);
            continue;
        }

        if (ch == '\r') {
            ch = getc(c->f);

            if (ch != '\n' && ch != EOF) {
                ungetc(ch, c->f);
            }

            c->line++;
            break;
        }

        if (ch == '\n') {
            c->line++;
            break;
        }

        if (ch == '"') {
            /* a quote opens a quoted field only at its start; elsewhere
             * it is taken literally, as spreadsheets write it */
            start = c->nfields ? (size_t) c->fields[c->nfields - 1] : 0;

            if (c->buf.len == start) {
                quoted = 1;
                continue;
            }
        }

        b = (char) ch;
        pv_buf_add(&c->buf, &b, 1);
    }

    pv_csv_end_field(c);

    /* offsets to pointers: field i runs from the end of field i - 1 */

    start = 0;

    for (i = 0; i < c->nfields; i++) {
        end = (size_t) c->fields[i];
        c->fields[i] = c->buf.data + start;
        start = end;
    }

    return 1;
}
