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



=== TEST 17: phoneval_max_contacts below phoneval_max_phones
--- config
    location /contacts/ {
        phoneval_max_phones 50;
        phoneval_max_contacts 10;
    }
--- must_die
--- error_log
"phoneval_max_contacts" 10 is less than "phoneval_max_phones" 50
