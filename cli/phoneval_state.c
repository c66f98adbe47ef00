
/*
 * Copyright (C) phoneval authors
 *
 * The sync state file, so that an interrupted sync resumes where it
 * stopped and no contact is written twice:
 *
 *     phoneval-sync-state 1
 *     location <id>
 *     cursor <startAfterId> <startAfter>     pages up to here are done
 *     done <contact id>                      done after the cursor
 *     finished                               the pass is complete
 *
 * "done" lines are appended and flushed one by one as contacts are
 * written (a kill -9 loses at most a line being written, and a contact
 * written but not journaled has a fresh verdict, which the next run does
 * not select again).  When a page is complete the file is rewritten to a
 * temporary name, synced and renamed over the old one, so it is always
 * either the old state or the new one, and never holds more than the
 * ids of the pages still open: memory and file stay small however many
 * contacts the location has.
 */


#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phoneval_cli.h"


#define PV_STATE_MAGIC  "phoneval-sync-state 1"


static void
pv_state_add(pv_state_t *st, const char *id)
{
    if (st->ndone == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->done = pv_xrealloc(st->done, st->cap * sizeof(char *));
    }

    st->done[st->ndone++] = pv_xstrdup(id);
}


static void
pv_state_clear(pv_state_t *st)
{
    size_t  i;

    for (i = 0; i < st->ndone; i++) {
        free(st->done[i]);
    }

    st->ndone = 0;
}


static int
pv_state_id_ok(const char *id)
{
    if (*id == '\0' || strlen(id) > 200) {
        return 0;
    }

    for ( /* void */ ; *id; id++) {
        if ((unsigned char) *id <= ' ' || *id == 0x7f) {
            return 0;
        }
    }

    return 1;
}


/* the whole state to a temporary file, synced, then renamed over */

static int
pv_state_write(pv_state_t *st, int finished)
{
    char   *tmp;
    FILE   *f;
    size_t  i;

    if (st->journal) {
        fclose(st->journal);
        st->journal = NULL;
    }

    tmp = pv_xsprintf("%s.tmp", st->path);
    f = fopen(tmp, "w");

    if (f == NULL) {
        pv_log_error("state file %s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }

    fprintf(f, "%s\nlocation %s\n", PV_STATE_MAGIC, st->location);

    if (finished) {
        fputs("finished\n", f);

    } else {
        if (st->cursor_id) {
            fprintf(f, "cursor %s %lld\n", st->cursor_id, st->cursor_ms);
        }

        for (i = 0; i < st->ndone; i++) {
            fprintf(f, "done %s\n", st->done[i]);
        }
    }

    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        pv_log_error("state file %s: %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        free(tmp);
        return -1;
    }

    fclose(f);

    if (rename(tmp, st->path) != 0) {
        pv_log_error("state file %s: rename: %s", st->path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }

    free(tmp);

    if (finished) {
        return 0;
    }

    st->journal = fopen(st->path, "a");

    if (st->journal == NULL) {
        pv_log_error("state file %s: %s", st->path, strerror(errno));
        return -1;
    }

    return 0;
}


int
pv_state_open(pv_state_t *st, const char *path, const char *location)
{
    int       finished, bad;
    char     *line, *p, *id, *ms;
    long      lineno;
    FILE     *f;
    size_t    cap;

    memset(st, 0, sizeof(pv_state_t));
    st->path = pv_xstrdup(path);
    st->location = pv_xstrdup(location);

    f = fopen(path, "r");

    if (f == NULL && errno != ENOENT) {
        pv_log_error("state file %s: %s", path, strerror(errno));
        return PV_EXIT_USAGE;
    }

    finished = 0;

    if (f) {
        line = NULL;
        cap = 0;
        lineno = 0;
        bad = 0;

        while (!bad && getline(&line, &cap, f) >= 0) {
            lineno++;
            p = pv_trim(line);

            if (lineno == 1) {
                bad = strcmp(p, PV_STATE_MAGIC) != 0;
                continue;
            }

            if (*p == '\0') {
                continue;
            }

            if (strncmp(p, "location ", 9) == 0) {
                if (strcmp(p + 9, location) != 0) {
                    pv_log_error("state file %s belongs to location %s, not "
                                 "%s", path, p + 9, location);
                    free(line);
                    fclose(f);
                    return PV_EXIT_USAGE;
                }

            } else if (strncmp(p, "cursor ", 7) == 0) {
                id = p + 7;
                ms = strchr(id, ' ');

                if (ms == NULL) {
                    bad = 1;
                    break;
                }

                *ms++ = '\0';
                free(st->cursor_id);
                st->cursor_id = pv_xstrdup(id);
                st->cursor_ms = strtoll(ms, NULL, 10);

                /* ids done before a newer cursor belong to its pages */
                pv_state_clear(st);

            } else if (strncmp(p, "done ", 5) == 0 && pv_state_id_ok(p + 5)) {
                if (!pv_state_is_done(st, p + 5)) {
                    pv_state_add(st, p + 5);
                }

            } else if (strcmp(p, "finished") == 0) {
                finished = 1;

            } else if (strncmp(p, "done ", 5) != 0) {
                /* a torn last line after a kill: ignored, anything else
                 * means the file is not ours */
                bad = !feof(f) || lineno == 1;
            }
        }

        free(line);
        fclose(f);

        if (bad || lineno == 0) {
            pv_log_error("state file %s is not a phoneval sync state (remove "
                         "it to start over)", path);
            return PV_EXIT_USAGE;
        }
    }

    if (finished) {
        /* the last pass ended: this run is a new pass */
        free(st->cursor_id);
        st->cursor_id = NULL;
        st->cursor_ms = 0;
        pv_state_clear(st);
    }

    st->resumed = !finished && (st->cursor_id != NULL || st->ndone != 0);

    if (pv_state_write(st, 0) != 0) {
        return PV_EXIT_USAGE;
    }

    return PV_EXIT_OK;
}


int
pv_state_is_done(const pv_state_t *st, const char *id)
{
    size_t  i;

    for (i = 0; i < st->ndone; i++) {
        if (strcmp(st->done[i], id) == 0) {
            return 1;
        }
    }

    return 0;
}


int
pv_state_mark_done(pv_state_t *st, const char *id)
{
    if (!pv_state_id_ok(id)) {
        return -1;
    }

    pv_state_add(st, id);

    if (st->journal == NULL) {
        return -1;
    }

    fprintf(st->journal, "done %s\n", id);

    if (fflush(st->journal) != 0) {
        pv_log_error("state file %s: %s", st->path, strerror(errno));
        return -1;
    }

    return 0;
}


int
pv_state_checkpoint(pv_state_t *st, const char *cursor_id,
    long long cursor_ms, char **drop, size_t ndrop)
{
    size_t  i, j, n;

    if (cursor_id == NULL || !pv_state_id_ok(cursor_id)) {
        return -1;
    }

    free(st->cursor_id);
    st->cursor_id = pv_xstrdup(cursor_id);
    st->cursor_ms = cursor_ms;

    for (i = 0; i < ndrop; i++) {
        n = st->ndone;

        for (j = 0; j < n; j++) {
            if (strcmp(st->done[j], drop[i]) == 0) {
                free(st->done[j]);
                st->done[j] = st->done[n - 1];
                st->ndone--;
                break;
            }
        }
    }

    return pv_state_write(st, 0);
}


int
pv_state_finish(pv_state_t *st)
{
    pv_state_clear(st);

    return pv_state_write(st, 1);
}


void
pv_state_close(pv_state_t *st)
{
    if (st->journal) {
        fclose(st->journal);
    }

    pv_state_clear(st);
    free(st->done);
    free(st->path);
    free(st->location);
    free(st->cursor_id);
    memset(st, 0, sizeof(pv_state_t));
}
