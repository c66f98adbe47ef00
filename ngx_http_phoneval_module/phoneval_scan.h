
/*
 * Copyright (C) phoneval authors
 *
 * The one-pass contact scan and the member rules it shares with the full
 * walk of phoneval_doc.c.  Internal to the core.
 */


#ifndef _PHONEVAL_SCAN_H_INCLUDED_
#define _PHONEVAL_SCAN_H_INCLUDED_


#include "phoneval_core.h"


#define PV_SCAN_OK       0
#define PV_SCAN_SLOW     1     /* not taken: the full path decides */
#define PV_SCAN_ENOMEM  -1

/*
 * Validates the document and finds its contacts in one pass, filling
 * *doc and doc->index exactly as the full path of pv_doc_scan() would.
 * It takes only documents it can prove valid with its simpler
 * bookkeeping; anything else is PV_SCAN_SLOW, never an error of its own,
 * so pv_doc_scan() stays the one place where errors are reported.
 * doc->index must be allocated and empty.
 */
int pv_scan_doc(const pv_u_char *p, size_t len, const pv_doc_conf_t *conf,
    unsigned max_depth, pv_pool_t *pool, pv_doc_t *doc);

/* the member names pv_doc_member() acts on, as bits */
#define PV_DOC_NAME_CUSTOM_FIELDS  0x01
#define PV_DOC_NAME_TAGS           0x02
#define PV_DOC_NAME_LOCATION_ID    0x04
#define PV_DOC_NAME_PHONE          0x08
#define PV_DOC_NAME_COUNTRY        0x10
#define PV_DOC_NAME_BULK           0x20

/* which of those names a member has (one name may be several) */
unsigned pv_doc_names(const pv_u_char *p, const pv_json_item_t *item,
    int esc, const pv_doc_conf_t *conf);

/* one member of a contact object, for both paths (phoneval_doc.c) */
pv_doc_rc_e pv_doc_member(const pv_u_char *p, pv_pool_t *pool, pv_contact_t *c,
    const pv_json_item_t *item, unsigned names, int *have_country,
    size_t *bulk);


#endif /* _PHONEVAL_SCAN_H_INCLUDED_ */
