# The module loads, nginx -t accepts a good configuration and refuses bad
# ones with a clear [emerg] line, and a location without phoneval proxies
# the body unchanged.

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;

no_shuffle();

phoneval_preprocessor();

run_tests();

__DATA__

=== TEST 1: the module loads and a plain location works
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok



=== TEST 2: a location without phoneval proxies the body unchanged
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / {
            echo_read_request_body;
            echo "$request_method $request_uri cl=$http_content_length";
            echo_request_body;
        }
    }
--- config
    location /contacts/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
"POST /contacts/\n" . '{"phone": "+1 209 555 0142" , "x":1.50e3}'
--- more_headers
Content-Type: application/json
--- response_body eval
qq{POST /contacts/ cl=41\n} . '{"phone": "+1 209 555 0142" , "x":1.50e3}'



=== TEST 3: a complete configuration passes nginx -t and serves
--- http_config
    phoneval_zone zone=phoneval:1m rate=100r/300s;
--- config
    location ~ ^/contacts/(upsert)?$ {
        phoneval                 on;
        phoneval_pass            /_phoneval;
        phoneval_api_key         pv-0123456789abcdef0123456789abcdef;
        phoneval_default_country US;
        phoneval_cache           phoneval;
        phoneval_result          status          cf_STATUS_ID;
        phoneval_result          last_validated  cf_LASTVAL_ID;
        phoneval_result          confidence      cf_CONF_ID;
        return 200 "configured\n";
    }
    location = /_phoneval {
        internal;
        return 500;
    }
    location = /phoneval_status {
        phoneval_status;
    }
--- request
GET /contacts/
--- response_body
configured



=== TEST 4: phoneval on without phoneval_pass
--- config
    location /contacts/ {
        phoneval on;
        phoneval_api_key k;
        phoneval_result status cf_S;
    }
--- must_die
--- error_log
"phoneval" is on but "phoneval_pass" is not set



=== TEST 5: customfields output without any phoneval_result
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
    }
--- must_die
--- error_log
"phoneval_output customfields" needs at least one "phoneval_result"



=== TEST 6: an undefined zone
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_result status cf_S;
        phoneval_cache nosuchzone;
    }
--- must_die
--- error_log
unknown phoneval zone "nosuchzone"



=== TEST 7: a default country that is not two letters
--- config
    location /contacts/ {
        phoneval_default_country USA;
    }
--- must_die
--- error_log
invalid country "USA": expected two letters of ISO 3166-1



=== TEST 8: no API key
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_result status cf_S;
    }
--- must_die
--- error_log
neither "phoneval_api_key" nor "phoneval_api_key_file" is set



=== TEST 9: phoneval_pass must be a local URI
--- config
    location /contacts/ {
        phoneval_pass https://api.phone-validator.net/api/v2/verify;
    }
--- must_die
--- error_log
"phoneval_pass" must be a local URI



=== TEST 10: unknown result item
--- config
    location /contacts/ {
        phoneval_result carrier cf_X;
    }
--- must_die
--- error_log
unknown result item "carrier"



=== TEST 11: unknown verdict in phoneval_reject
--- config
    location /contacts/ {
        phoneval_reject INVALID BOGUS;
    }
--- must_die
--- error_log
unknown verdict "BOGUS"



=== TEST 12: PENDING cannot be cached
--- config
    location /contacts/ {
        phoneval_cache_valid PENDING 1h;
    }
--- must_die
--- error_log
PENDING verdicts are never cached



=== TEST 13: a bad rate
--- http_config
    phoneval_zone zone=pv:1m rate=lots;
--- config
--- must_die
--- error_log
invalid rate "rate=lots"



=== TEST 14: a zone too small
--- http_config
    phoneval_zone zone=pv:8k;
--- config
--- must_die
--- error_log
is too small



=== TEST 15: the API key file is missing
--- config
    location /contacts/ {
        phoneval_api_key_file /nonexistent/phoneval.key;
    }
--- must_die
--- error_log
open() "/nonexistent/phoneval.key" failed



=== TEST 16: phoneval_methods refuses GET
--- config
    location /contacts/ {
        phoneval_methods GET;
    }
--- must_die
--- error_log
method "GET" cannot carry a contact body



=== TEST 17: a rate= period longer than a year
--- http_config
    phoneval_zone zone=pv:1m rate=10r/366d;
--- config
--- must_die
--- error_log
rate period "366d" is too long: at most 365d



=== TEST 18: a fields target named like the phone member
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result status phone;
    }
--- must_die
--- error_log
result target "phone" is the phone member itself: pick another member name



=== TEST 19: a fields target named like phoneval_country_field: the client's country would be overwritten
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result country country;
    }
--- must_die
--- error_log
result target "country" is the member "phoneval_country_field" reads: pick another member name



=== TEST 20: the same with a configured country member
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_country_field cc;
        phoneval_output fields;
        phoneval_result country cc;
    }
--- must_die
--- error_log
result target "cc" is the member "phoneval_country_field" reads



=== TEST 21: a fields target named like phoneval_bulk_field
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result confidence contacts;
    }
--- must_die
--- error_log
result target "contacts" is the member "phoneval_bulk_field" reads



=== TEST 22: a fields target named "customFields"
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result status customFields;
    }
--- must_die
--- error_log
result target "customFields" is the HighLevel custom fields member



=== TEST 23: a fields target named "tags" next to phoneval_tag: two edits of one member
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result confidence tags;
        phoneval_tag VALID_CONFIRMED vip;
    }
--- must_die
--- error_log
result target "tags" is the member "phoneval_tag" writes



=== TEST 24: the same with phoneval_tag inherited from the server level
--- config
    phoneval_tag VALID_CONFIRMED vip;
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result confidence tags;
    }
--- must_die
--- error_log
result target "tags" is the member "phoneval_tag" writes



=== TEST 25: the same target for two result items
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result status st;
        phoneval_result confidence st;
    }
--- must_die
--- error_log
target "st" is used twice



=== TEST 26: phoneval_country_field naming the phone member
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_result status cf_S;
        phoneval_country_field phone;
    }
--- must_die
--- error_log
"phoneval_phone_field" "phone", "phoneval_country_field" "phone" and "phoneval_bulk_field" "contacts" must be three different members



=== TEST 27: phoneval_bulk_field naming the phone member
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_result status cf_S;
        phoneval_phone_field contacts;
    }
--- must_die
--- error_log
must be three different members



=== TEST 28: a phone member named "customFields" under customfields output
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_result status cf_S;
        phoneval_phone_field customFields;
    }
--- must_die
--- error_log
member "customFields" cannot be read with "phoneval_output customfields", which writes it



=== TEST 29: a country member named "tags" next to phoneval_tag
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_result status cf_S;
        phoneval_country_field tags;
        phoneval_tag INVALID bad-phone;
    }
--- must_die
--- error_log
member "tags" cannot be read with "phoneval_tag", which writes it



=== TEST 30: "tags" is free without phoneval_tag: a fields target, or the country member, named so passes nginx -t
--- config
    location /a/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_output fields;
        phoneval_result status tags;
        return 200 "a\n";
    }
    location /b/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key k;
        phoneval_country_field tags;
        phoneval_output off;
        return 200 "b\n";
    }
--- request
GET /a/
--- response_body
a



=== TEST 31: a cache lifetime beyond ten years (the zone keeps 32-bit expiry times)
--- config
    location /contacts/ {
        phoneval_cache_valid VALID_CONFIRMED VALID_UNCONFIRMED 90y;
    }
--- must_die
--- error_log
cache lifetime "90y" is too long: at most 10y



=== TEST 32: ten years and a day is too long as well
--- config
    location /contacts/ {
        phoneval_cache_valid INVALID 3651d;
    }
--- must_die
--- error_log
cache lifetime "3651d" is too long: at most 10y



=== TEST 33: phoneval_max_contacts below phoneval_max_phones
--- config
    location /contacts/ {
        phoneval_max_phones 50;
        phoneval_max_contacts 10;
    }
--- must_die
--- error_log
"phoneval_max_contacts" 10 is less than "phoneval_max_phones" 50



=== TEST 34: phoneval_pass with a variable: refused, it would be used as written
--- config
    location /contacts/ {
        phoneval_pass /_pv/$host;
    }
--- must_die
--- error_log
"phoneval_pass" URI "/_pv/$host" must not contain variables



=== TEST 35: phoneval_notify with a variable: refused the same way
--- config
    location /contacts/ {
        phoneval_notify /_hook$uri;
    }
--- must_die
--- error_log
"phoneval_notify" URI "/_hook$uri" must not contain variables



=== TEST 36: phoneval_result: another name of a target may not repeat a target
--- config
    location /contacts/ {
        phoneval_result status cf_S key:contact.phone_validation_status;
        phoneval_result confidence cf_C cf_S;
    }
--- must_die
--- error_log
target "cf_S" is used twice



=== TEST 37: phoneval_result: a target with other names, next to another item, passes nginx -t
--- config
    location /contacts/ {
        phoneval          on;
        phoneval_pass     /_pv;
        phoneval_api_key  pv-test-key-0042;
        phoneval_result   status cf_S key:contact.phone_validation_status;
        phoneval_result   confidence cf_C;
        return 200 "ok\n";
    }
--- request
GET /contacts/
--- response_body
ok



=== TEST 38: phoneval_result: "key:x" and "key:contact.x" are one HighLevel field, whether written or another name
--- config
    location /contacts/ {
        phoneval_result status key:phone_validation_status;
        phoneval_result line_type cf_L key:contact.phone_validation_status;
    }
--- must_die
--- error_log
target "key:contact.phone_validation_status" is the same field as another target of "status" or "line_type"



=== TEST 39: phoneval_result: "key:contact." names no field
--- config
    location /contacts/ {
        phoneval_result status key:contact.;
    }
--- must_die
--- error_log
empty target "key:contact." for result item "status"
