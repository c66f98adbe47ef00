
/*
 * Copyright (C) phoneval authors
 *
 * A minimal table-driven unit test kit for the core: no framework to
 * install, and failures print the file, line, and what differed.
 */


#ifndef _PV_TEST_H_INCLUDED_
#define _PV_TEST_H_INCLUDED_


#include <stdio.h>
#include <string.h>


static int  pv_test_failed;
static int  pv_test_run;


#define PV_CHECK(cond)                                                        \
    do {                                                                      \
        pv_test_run++;                                                        \
        if (!(cond)) {                                                        \
            pv_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n",                      \
                    __FILE__, __LINE__, #cond);                               \
        }                                                                     \
    } while (0)


#define PV_CHECK_INT(got, want)                                               \
    do {                                                                      \
        long long  g_ = (long long) (got), w_ = (long long) (want);           \
        pv_test_run++;                                                        \
        if (g_ != w_) {                                                       \
            pv_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n",           \
                    __FILE__, __LINE__, #got, w_, g_);                        \
        }                                                                     \
    } while (0)


/* compares a (pointer, length) result with a C string */
#define PV_CHECK_MEM(got, got_len, want)                                      \
    do {                                                                      \
        const char *w_ = (want);                                              \
        size_t      gl_ = (size_t) (got_len);                                 \
        pv_test_run++;                                                        \
        if (gl_ != strlen(w_) || memcmp((got), w_, gl_) != 0) {               \
            pv_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: %s:\n  expected: \"%s\"\n"                \
                    "  got:      \"%.*s\"\n",                                 \
                    __FILE__, __LINE__, #got, w_, (int) gl_,                  \
                    (const char *) (got));                                    \
        }                                                                     \
    } while (0)


#define PV_CHECK_STR(got, want)  PV_CHECK_MEM(got, strlen(got), want)


/* each test file's main() ends with this */
#define PV_TEST_DONE(name)                                                    \
    do {                                                                      \
        printf("%s: %d passed, %d failed\n", name,                            \
               pv_test_run - pv_test_failed, pv_test_failed);                 \
        return pv_test_failed ? 1 : 0;                                        \
    } while (0)


#endif /* _PV_TEST_H_INCLUDED_ */
