
/*
 * Copyright (C) phoneval authors
 *
 * Large per-request buffers (the scan's tables, the request's items, the
 * edited body), recycled in the worker.  Taken from malloc() and freed
 * with the request, they make the allocator hand memory back to the
 * kernel and fault fresh zeroed pages in again: measured on a bulk body
 * of 100 contacts, 7 to 22 page faults per request, each costing more
 * than the work done in the pages.  Blocks of a kilobyte and more are
 * taken here too: from the request's pool each would start a block of
 * its own, and every later ngx_palloc() of the request walks the pool's
 * blocks.  Blocks come in powers of two and go
 * back to a free list of their size when the request's pool is
 * destroyed; at most NGX_HTTP_PHONEVAL_BUF_KEEP bytes of free blocks stay
 * with the worker.
 */


#include "ngx_http_phoneval.h"


#define NGX_HTTP_PHONEVAL_BUF_MIN_SHIFT  10           /* 1 KiB */
#define NGX_HTTP_PHONEVAL_BUF_MAX_SHIFT  24           /* 16 MiB */
#define NGX_HTTP_PHONEVAL_BUF_KEEP       (64 * 1024 * 1024)

#define NGX_HTTP_PHONEVAL_ARENA          4096    /* a block of small ones */
#define NGX_HTTP_PHONEVAL_ARENA_SMALL    1024    /* larger: their own */
#define NGX_HTTP_PHONEVAL_ARENA_ALIGN    16


typedef struct ngx_http_phoneval_buf_s  ngx_http_phoneval_buf_t;

struct ngx_http_phoneval_buf_s {
    ngx_http_phoneval_buf_t  *next;
    ngx_uint_t                shift;
};

/* the block's header, rounded up so that the data stays aligned */
#define NGX_HTTP_PHONEVAL_BUF_HEAD                                            \
    ngx_align(sizeof(ngx_http_phoneval_buf_t), 16)


static void *ngx_http_phoneval_alloc(ngx_pool_t *pool, size_t size);
static void ngx_http_phoneval_buf_release(void *data);


/* this worker's free blocks by size, and their bytes */
static ngx_http_phoneval_buf_t  *ngx_http_phoneval_free_bufs[
                                     NGX_HTTP_PHONEVAL_BUF_MAX_SHIFT + 1];
static size_t                    ngx_http_phoneval_free_bytes;


/*
 * size bytes that live as long as the pool: from a recycled block when
 * large, else from the pool itself.
 */

static void *
ngx_http_phoneval_alloc(ngx_pool_t *pool, size_t size)
{
    size_t                    need;
    ngx_uint_t                shift;
    ngx_pool_cleanup_t       *cln;
    ngx_http_phoneval_buf_t  *b;

    need = size + NGX_HTTP_PHONEVAL_BUF_HEAD;

    if (size < ((size_t) 1 << NGX_HTTP_PHONEVAL_BUF_MIN_SHIFT)
        || need > ((size_t) 1 << NGX_HTTP_PHONEVAL_BUF_MAX_SHIFT))
    {
        return ngx_palloc(pool, size);
    }

    for (shift = NGX_HTTP_PHONEVAL_BUF_MIN_SHIFT;
         ((size_t) 1 << shift) < need;
         shift++)
    {
        /* void */
    }

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    b = ngx_http_phoneval_free_bufs[shift];

    if (b != NULL) {
        ngx_http_phoneval_free_bufs[shift] = b->next;
        ngx_http_phoneval_free_bytes -= (size_t) 1 << shift;

    } else {
        b = ngx_alloc((size_t) 1 << shift, pool->log);
        if (b == NULL) {
            return NULL;
        }

        b->shift = shift;
    }

    cln->handler = ngx_http_phoneval_buf_release;
    cln->data = b;

    return (u_char *) b + NGX_HTTP_PHONEVAL_BUF_HEAD;
}


/*
 * size bytes for the request of ctx: a small one from the request's
 * arena, a recycled block of NGX_HTTP_PHONEVAL_ARENA bytes that it fills
 * in turn, a larger one from a block of its own.  The request's pool is
 * left to nginx: each block the module's allocations added there would
 * be walked by every later ngx_palloc() of the request.
 */

void *
ngx_http_phoneval_ctx_alloc(ngx_http_phoneval_ctx_t *ctx, size_t size)
{
    u_char  *p;

    size = ngx_align(size, NGX_HTTP_PHONEVAL_ARENA_ALIGN);

    if (size > NGX_HTTP_PHONEVAL_ARENA_SMALL) {
        return ngx_http_phoneval_alloc(ctx->request->pool, size);
    }

    if ((size_t) (ctx->arena_end - ctx->arena_pos) < size) {
        p = ngx_http_phoneval_alloc(ctx->request->pool,
                                    NGX_HTTP_PHONEVAL_ARENA
                                    - NGX_HTTP_PHONEVAL_BUF_HEAD);
        if (p == NULL) {
            return NULL;
        }

        ctx->arena_pos = p;
        ctx->arena_end = p + NGX_HTTP_PHONEVAL_ARENA
                         - NGX_HTTP_PHONEVAL_BUF_HEAD;
    }

    p = ctx->arena_pos;
    ctx->arena_pos += size;

    return p;
}


/* ngx_http_phoneval_ctx_alloc(), zeroed */

void *
ngx_http_phoneval_ctx_calloc(ngx_http_phoneval_ctx_t *ctx, size_t size)
{
    void  *p;

    p = ngx_http_phoneval_ctx_alloc(ctx, size);

    if (p != NULL) {
        ngx_memzero(p, size);
    }

    return p;
}


static void
ngx_http_phoneval_buf_release(void *data)
{
    ngx_http_phoneval_buf_t  *b = data;

    size_t  size;

    size = (size_t) 1 << b->shift;

    if (ngx_http_phoneval_free_bytes + size > NGX_HTTP_PHONEVAL_BUF_KEEP) {
        ngx_free(b);
        return;
    }

    b->next = ngx_http_phoneval_free_bufs[b->shift];
    ngx_http_phoneval_free_bufs[b->shift] = b;
    ngx_http_phoneval_free_bytes += size;
}


/* the worker exits: its free blocks go back (memcheck sees no leak) */

void
ngx_http_phoneval_free_buffers(void)
{
    ngx_uint_t                shift;
    ngx_http_phoneval_buf_t  *b, *next;

    for (shift = 0; shift <= NGX_HTTP_PHONEVAL_BUF_MAX_SHIFT; shift++) {

        for (b = ngx_http_phoneval_free_bufs[shift]; b; b = next) {
            next = b->next;
            ngx_free(b);
        }

        ngx_http_phoneval_free_bufs[shift] = NULL;
    }

    ngx_http_phoneval_free_bytes = 0;
}
