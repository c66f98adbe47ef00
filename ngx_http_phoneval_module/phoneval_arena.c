
/*
 * Copyright (C) phoneval authors
 *
 * A malloc()-backed arena behind pv_pool_t, for the users of the core that
 * have no nginx pool: the CLI, the unit tests and the fuzzers.
 */


#include <stdlib.h>

#include "phoneval_core.h"


struct pv_arena_block_s {
    pv_arena_block_t        *next;
    /* the allocation follows, aligned by the union below */
};


typedef union {
    pv_arena_block_t         block;
    long double              align_ld;
    void                    *align_p;
    long long                align_ll;
} pv_arena_header_t;


static void *
pv_arena_alloc(void *data, size_t size)
{
    pv_arena_t         *a = data;
    pv_arena_header_t  *h;

    if (size > (size_t) -1 - sizeof(pv_arena_header_t)) {
        return NULL;
    }

    h = malloc(sizeof(pv_arena_header_t) + size);
    if (h == NULL) {
        return NULL;
    }

    h->block.next = a->blocks;
    a->blocks = &h->block;

    return h + 1;
}


void
pv_arena_init(pv_arena_t *a)
{
    a->blocks = NULL;
    a->pool.alloc = pv_arena_alloc;
    a->pool.data = a;
}


void
pv_arena_free(pv_arena_t *a)
{
    pv_arena_block_t  *b, *next;

    for (b = a->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    a->blocks = NULL;
}
