
/*
 * Copyright (C) phoneval authors
 *
 * The provider's form body, byte for byte.
 */


#include <limits.h>
#include <stdlib.h>

#include "phoneval_core.h"
#include "pv_test.h"


#define KEY  "pv-0123456789abcdef0123456789abcdef"


typedef struct {
    const char              *phone;
    const char              *country;
    const char              *mode;
    const char              *locale;
    unsigned                 timeout;
    const char              *key;
    const char              *body;
} form_case_t;


static const form_case_t  form_cases[] = {

    /* a plus: no CountryCode, even with a country */
    { "+12095550142", "US", "extensive", "en-US", 10, KEY,
      "PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US"
      "&Timeout=10&APIKey=" KEY },
    { "+5105550143", "US", "extensive", "en-US", 10, KEY,         /* P1 */
      "PhoneNumber=%2B5105550143&Mode=extensive&Locale=en-US"
      "&Timeout=10&APIKey=" KEY },

    /* national: the country is sent */
    { "01728150130", "DE", "extensive", "en-US", 10, KEY,
      "PhoneNumber=01728150130&CountryCode=DE&Mode=extensive"
      "&Locale=en-US&Timeout=10&APIKey=" KEY },
    { "934124602", "es", "express", "es-ES", 30, KEY,
      "PhoneNumber=934124602&CountryCode=es&Mode=express"
      "&Locale=es-ES&Timeout=30&APIKey=" KEY },
    { "(514) 555-0142", "CA", "extensive", "en-US", 10, KEY,      /* P2 */
      "PhoneNumber=5145550142&CountryCode=CA&Mode=extensive"
      "&Locale=en-US&Timeout=10&APIKey=" KEY },

    /* no country at all: none is invented (B1) */
    { "2095550142", NULL, "extensive", "en-US", 10, KEY,
      "PhoneNumber=2095550142&Mode=extensive&Locale=en-US"
      "&Timeout=10&APIKey=" KEY },
    { "2095550142", "", "extensive", "en-US", 10, KEY,
      "PhoneNumber=2095550142&Mode=extensive&Locale=en-US"
      "&Timeout=10&APIKey=" KEY },

    /* the extension is never sent */
    { "+1 650 555 0136 x136", NULL, "extensive", "en-US", 10, KEY,
      "PhoneNumber=%2B16505550136&Mode=extensive&Locale=en-US"
      "&Timeout=10&APIKey=" KEY },

    /* Timeout clamped to 5..300 */
    { "+12095550142", NULL, "express", "en-US", 0, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=5&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", 4, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=5&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", 5, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=5&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", 6, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=6&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", 299, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=299&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", 300, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=300&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", 301, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=300&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", UINT_MAX, KEY,
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=300&APIKey=" KEY },

    /* reserved and non-ASCII bytes in every free-text value */
    { "+12095550142", NULL, "extensive", "en-US", 10,
      "a+b&c=d e/f%g?h#i;j:k@l,m!n*o'p(q)r$s_t.u~v-w\"x<y>z",
      "PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10"
      "&APIKey=a%2Bb%26c%3Dd%20e%2Ff%25g%3Fh%23i%3Bj%3Ak%40l%2Cm%21n%2Ao"
      "%27p%28q%29r%24s_t.u~v-w%22x%3Cy%3Ez" },
    { "+12095550142", NULL, "extensive", "de&x=1", 10, "k\xC3\xA9y\n",
      "PhoneNumber=%2B12095550142&Mode=extensive&Locale=de%26x%3D1"
      "&Timeout=10&APIKey=k%C3%A9y%0A" },
    { "2095550142", "U&", "ex press", "en-US", 10, KEY,
      "PhoneNumber=2095550142&CountryCode=U%26&Mode=ex%20press"
      "&Locale=en-US&Timeout=10&APIKey=" KEY },

    /* an empty Locale is left out (the provider's default applies); a
     * missing mode is the provider's default, extensive */
    { "+12095550142", NULL, "extensive", "", 10, KEY,
      "PhoneNumber=%2B12095550142&Mode=extensive&Timeout=10&APIKey=" KEY },
    { "+12095550142", NULL, NULL, "en-US", 10, KEY,
      "PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US"
      "&Timeout=10&APIKey=" KEY },
    { "+12095550142", NULL, "express", "en-US", 10, "",
      "PhoneNumber=%2B12095550142&Mode=express&Locale=en-US"
      "&Timeout=10&APIKey=" },

    /* the longest phone */
    { "12345678901234567", "DE", "extensive", "en-US", 10, KEY,
      "PhoneNumber=12345678901234567&CountryCode=DE&Mode=extensive"
      "&Locale=en-US&Timeout=10&APIKey=" KEY },
    { "+12345678901234567", "DE", "extensive", "en-US", 10, KEY,
      "PhoneNumber=%2B12345678901234567&Mode=extensive&Locale=en-US"
      "&Timeout=10&APIKey=" KEY },
};


static void
test_form_cases(void)
{
    size_t         i, size, n;
    pv_u_char     *out;
    pv_phone_t     ph;
    pv_request_t   rq;

    for (i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]); i++) {
        const form_case_t  *c = &form_cases[i];

        PV_CHECK_INT(pv_phone_normalize((const pv_u_char *) c->phone,
                                        strlen(c->phone), &ph),
                     PV_PHONE_OK);

        rq.phone = &ph;
        rq.country = c->country;
        rq.mode = c->mode;
        rq.locale = (const pv_u_char *) c->locale;
        rq.locale_len = strlen(c->locale);
        rq.timeout = c->timeout;
        rq.api_key = (const pv_u_char *) c->key;
        rq.api_key_len = strlen(c->key);

        /* an exact-size heap buffer lets ASan catch an understated size */

        size = pv_form_size(&rq);
        out = malloc(size ? size : 1);
        if (out == NULL) {
            PV_CHECK(out != NULL);
            return;
        }

        n = pv_form_write(&rq, out);

        PV_CHECK_MEM(out, n, c->body);
        PV_CHECK(n <= size);

        free(out);
    }
}


static void
test_form_escape(void)
{
    char        want[4];
    size_t      n;
    unsigned    c;
    pv_u_char   in, out[3];
    const char  *unreserved;

    unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 "0123456789._~-";

    for (c = 0; c < 256; c++) {
        in = (pv_u_char) c;
        n = pv_form_escape(&in, 1, out);

        if (c != 0 && strchr(unreserved, (int) c) != NULL) {
            PV_CHECK_INT(n, 1);
            PV_CHECK_INT(out[0], c);
            continue;
        }

        snprintf(want, sizeof(want), "%%%02X", c);
        PV_CHECK_MEM(out, n, want);
    }

    PV_CHECK_INT(pv_form_escape((const pv_u_char *) "", 0, out), 0);
    n = pv_form_escape((const pv_u_char *) "+", 1, out);
    PV_CHECK_MEM(out, n, "%2B");
}


int
main(void)
{
    test_form_cases();
    test_form_escape();

    PV_TEST_DONE("test_form");
}
