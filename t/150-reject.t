# phoneval_action reject: 422 listing every rejected phone (paths for single,
# bulk and root-array bodies, "reason" for locally invalid text), the
# upstream never called on a rejection, phoneval_reject verdict lists, and
# phoneval_on_error: reject (503 + Retry-After + the PENDING list) or pass
# (forwarded as PENDING).  A 422 wins over a 503.
#
# Mocks (echo module): the Byteplant mock on RAND_PORT_1 answers canned JSON
# chosen by the form body and logs what it got to logs/provider.log; the CRM
# upstream on RAND_PORT_2 echoes "METHOD URI cl= te=" and the exact body, and
# logs every request it gets to logs/crm.log.  RAND_PORT_3 has no listener.
# The mock text: pv_mocks() in t/inc/PhonevalMocks.pm.

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(pv_mocks fwd fwd_re);

perturb_freed_memory();
no_shuffle();

phoneval_preprocessor();

# the Byteplant mock with these answers, and the CRM echo, which logs
# "METHOD URI" to logs/crm.log
our $Mocks = pv_mocks(crm_log => 1, answers => <<'_EOC_');
        ~PhoneNumber=%2B12095550142& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=%2B12095550143& '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 209-555-0143"}';
        ~PhoneNumber=%2B12095550100& '{"status":"INVALID","linetype":"","countrycode":"US"}';
        ~PhoneNumber=%2B12095550101& '{"status":"INVALID","linetype":"","countrycode":"US"}';
        ~PhoneNumber=%2B12095550199& '{"status":"DELAYED"}';
        ~PhoneNumber=%2B12095550198& '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":120}';
_EOC_

run_tests();

__DATA__

=== TEST 1: a single INVALID phone: 422 with exactly the documented body; the provider was asked, the upstream never called
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
    location = /_log/crm { alias logs/crm.log; }
--- request eval
["POST /contacts/\n" . '{"locationId":"loc_TEST","firstName":"Test","phone":"+12095550100"}',
 "GET /_log/provider",
 "GET /_log/crm"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200, 200]
--- response_body eval
['{"statusCode":422,"message":["phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":null,"path":"phone","input":"+12095550100","status":"INVALID"}]}',
 "POST /ok ct=application/x-www-form-urlencoded auth=- cookie=- body=PhoneNumber=%2B12095550100&Mode=extensive&Locale=en-US&Timeout=10&APIKey=pv-TESTKEY\n",
 ""]
--- no_error_log
[error]
[warn]



=== TEST 2: the 422 is JSON with Content-Type application/json and no Retry-After
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"PUT /contacts/c_FAKE1\n" . '{"phone":"+1 209 555 0100"}'
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_headers
Content-Type: application/json
!Retry-After
--- response_body eval
'{"statusCode":422,"message":["phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":null,"path":"phone","input":"+1 209 555 0100","status":"INVALID"}]}'
--- no_error_log
[error]
[warn]



=== TEST 3: locally INVALID phones carry a "reason"; the input is the decoded text, quoted as JSON; no provider call
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
    location = /_log/crm { alias logs/crm.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"call \"me\" \u00e9"}',
 "POST /contacts/\n" . '{"phone":"12"}',
 "POST /contacts/\n" . '{"phone":"+1 2345 6789 0123 456789"}',
 "GET /_log/provider",
 "GET /_log/crm"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 422, 422, 200, 200]
--- response_body eval
["{\"statusCode\":422,\"message\":[\"phone: INVALID\"],\"error\":\"Unprocessable Entity\",\"phoneval\":[{\"index\":null,\"path\":\"phone\",\"input\":\"call \\\"me\\\" \xc3\xa9\",\"status\":\"INVALID\",\"reason\":\"contains letters or other invalid characters\"}]}",
 '{"statusCode":422,"message":["phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":null,"path":"phone","input":"12","status":"INVALID","reason":"too few digits"}]}',
 '{"statusCode":422,"message":["phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":null,"path":"phone","input":"+1 2345 6789 0123 456789","status":"INVALID","reason":"too many digits"}]}',
 "",
 ""]
--- no_error_log
[error]
[warn]



=== TEST 4: bulk body: every failing index listed (contacts[N].phone), valid, null and absent phones not listed; upstream not called
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/crm { alias logs/crm.log; }
--- request eval
["POST /contacts/\n" . '{"locationId":"loc_TEST","contacts":[{"phone":"+12095550142"},{"phone":"+12095550100"},{"firstName":"NoPhone"},{"phone":"abc"},{"phone":null},{"phone":"+12095550143"},{"phone":"+12095550101"}]}',
 "GET /_log/crm"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- response_body eval
['{"statusCode":422,"message":["contacts[1].phone: INVALID","contacts[3].phone: INVALID","contacts[6].phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":1,"path":"contacts[1].phone","input":"+12095550100","status":"INVALID"},{"index":3,"path":"contacts[3].phone","input":"abc","status":"INVALID","reason":"contains letters or other invalid characters"},{"index":6,"path":"contacts[6].phone","input":"+12095550101","status":"INVALID"}]}',
 ""]
--- no_error_log
[error]
[warn]



=== TEST 5: root array: paths are [N].phone
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/crm { alias logs/crm.log; }
--- request eval
["POST /contacts/\n" . '[{"phone":"+12095550100"},{"phone":"+12095550142"},{"phone":"+1 209 555 01ab"}]',
 "GET /_log/crm"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- response_body eval
['{"statusCode":422,"message":["[0].phone: INVALID","[2].phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":0,"path":"[0].phone","input":"+12095550100","status":"INVALID"},{"index":2,"path":"[2].phone","input":"+1 209 555 01ab","status":"INVALID","reason":"contains letters or other invalid characters"}]}',
 ""]
--- no_error_log
[error]
[warn]



=== TEST 6: phoneval_bulk_field and phoneval_phone_field name the path
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_bulk_field items;
        phoneval_phone_field mobile;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"items":[{"mobile":"+12095550142"},{"mobile":"+12095550100","phone":"+12095550142"}]}'
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_body eval
'{"statusCode":422,"message":["items[1].mobile: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":1,"path":"items[1].mobile","input":"+12095550100","status":"INVALID"}]}'
--- no_error_log
[error]
[warn]



=== TEST 7: reject mode, VALID verdicts: the request passes, annotated
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        phoneval_result last_validated cf_L;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"contacts":[{"phone":"+12095550143"},{"phone":null},{"x":1}]}']
--- more_headers
Content-Type: application/json
--- response_body_like eval
[::fwd_re("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_L","field_value":"@TS@"},{"id":"cf_C","field_value":95}]}'),
 ::fwd_re("POST /contacts/", '{"contacts":[{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"},{"id":"cf_L","field_value":"@TS@"},{"id":"cf_C","field_value":60}]},{"phone":null,"customFields":[{"id":"cf_S","field_value":""},{"id":"cf_L","field_value":""},{"id":"cf_C","field_value":""}]},{"x":1}]}')]
--- no_error_log
[error]
[warn]



=== TEST 8: phoneval_reject INVALID VALID_UNCONFIRMED: VALID_UNCONFIRMED rejects too, VALID_CONFIRMED passes
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_reject INVALID VALID_UNCONFIRMED;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"contacts":[{"phone":"+12095550143"},{"phone":"+12095550142"},{"phone":"+12095550100"}]}',
 "POST /contacts/\n" . '{"phone":"+12095550142"}']
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- response_body eval
['{"statusCode":422,"message":["contacts[0].phone: VALID_UNCONFIRMED","contacts[2].phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":0,"path":"contacts[0].phone","input":"+12095550143","status":"VALID_UNCONFIRMED"},{"index":2,"path":"contacts[2].phone","input":"+12095550100","status":"INVALID"}]}',
 ::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')]
--- no_error_log
[error]
[warn]



=== TEST 9: phoneval_reject VALID_UNCONFIRMED alone: INVALID then passes, annotated
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_reject VALID_UNCONFIRMED;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550100"}',
 "POST /contacts/\n" . '{"phone":"+12095550143"}']
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 422]
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 '{"statusCode":422,"message":["phone: VALID_UNCONFIRMED"],"error":"Unprocessable Entity","phoneval":[{"index":null,"path":"phone","input":"+12095550143","status":"VALID_UNCONFIRMED"}]}']
--- no_error_log
[error]
[warn]



=== TEST 10: phoneval_action annotate (the default) never rejects an INVALID phone
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_reject INVALID VALID_UNCONFIRMED;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550100"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}')
--- no_error_log
[error]
[warn]



=== TEST 11: after a 422 the keepalive connection serves the next request
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- pipelined_requests eval
["POST /contacts/\n" . '{"phone":"+12095550100"}',
 "POST /contacts/\n" . '{"phone":"+12095550142"}']
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- response_body eval
['{"statusCode":422,"message":["phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":null,"path":"phone","input":"+12095550100","status":"INVALID"}]}',
 ::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')]
--- no_error_log
[error]
[warn]



=== TEST 12: on_error reject, a DELAYED answer: 503 with Retry-After and the PENDING list; upstream not called
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_on_error reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550199"}'
--- more_headers
Content-Type: application/json
--- error_code: 503
--- response_headers
Content-Type: application/json
Retry-After: 30
--- response_body eval
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550199","status":"PENDING"}]}'
--- no_error_log
[error]
[warn]



=== TEST 13: on_error reject in a bulk body: only the PENDING phones are listed; Retry-After follows the provider's ratelimit_seconds
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_on_error reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/crm { alias logs/crm.log; }
--- request eval
["POST /contacts/\n" . '{"contacts":[{"phone":"+12095550142"},{"phone":"+12095550198"},{"phone":"+12095550100"},{"phone":"+12095550199"}]}',
 "GET /_log/crm"]
--- more_headers
Content-Type: application/json
--- error_code eval
[503, 200]
--- response_headers eval
["Retry-After: 120", ""]
--- response_body eval
['{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":1,"path":"contacts[1].phone","input":"+12095550198","status":"PENDING"},{"index":3,"path":"contacts[3].phone","input":"+12095550199","status":"PENDING"}]}',
 ""]
--- no_error_log
[error]
[warn]



=== TEST 14: on_error reject, the provider unreachable (connection refused): 503 with Retry-After, never a 502 or 500
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_on_error reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: application/json
--- error_code: 503
--- response_headers
Retry-After: 30
--- response_body eval
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550142","status":"PENDING"}]}'
--- error_log eval
[qr/\[warn\] .*phoneval: provider (?:call failed|answered HTTP 502)/]



=== TEST 15: on_error pass (the default): a PENDING phone is forwarded with status PENDING and empty last_validated / confidence
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        phoneval_result last_validated cf_L;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550199"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550199","customFields":[{"id":"cf_S","field_value":"PENDING"},{"id":"cf_L","field_value":""},{"id":"cf_C","field_value":""}]}')
--- no_error_log
[error]
[warn]



=== TEST 16: on_error pass with the provider unreachable: forwarded as PENDING
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_on_error pass;
        phoneval_result status cf_S;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550100"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"PENDING"},{"id":"cf_C","field_value":""}]}')
--- error_log eval
[qr/\[warn\] .*phoneval: provider (?:call failed|answered HTTP 502)/]



=== TEST 17: precedence: INVALID and PENDING together in reject mode with on_error reject: 422 listing the INVALID only
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_on_error reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/crm { alias logs/crm.log; }
--- request eval
["POST /contacts/\n" . '[{"phone":"+12095550199"},{"phone":"+12095550100"},{"phone":"+12095550142"}]',
 "GET /_log/crm"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- response_headers eval
["!Retry-After", ""]
--- response_body eval
['{"statusCode":422,"message":["[1].phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":1,"path":"[1].phone","input":"+12095550100","status":"INVALID"}]}',
 ""]
--- no_error_log
[error]
[warn]



=== TEST 18: precedence with on_error pass: INVALID and PENDING in reject mode is still a 422
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"contacts":[{"phone":"+12095550100"},{"phone":"+12095550199"}]}'
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_body eval
'{"statusCode":422,"message":["contacts[0].phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":0,"path":"contacts[0].phone","input":"+12095550100","status":"INVALID"}]}'
--- no_error_log
[error]
[warn]



=== TEST 19: reject mode, no phone or a null phone: nothing to reject, forwarded (the client's result entries stripped)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_on_error reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"firstName":"Test","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}',
 "PUT /contacts/c_FAKE1\n" . '{"phone":null}']
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"firstName":"Test","customFields":[]}'),
 ::fwd("PUT /contacts/c_FAKE1", '{"phone":null,"customFields":[{"id":"cf_S","field_value":""}]}')]
--- no_error_log
[error]
[warn]



=== TEST 20: the input of a rejected phone is quoted as JSON: a number literal, an escaped NUL, a line separator
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_action reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '[{"phone":12},{"phone":"+1209\u00005550142"},{"phone":"+1209\u20285550142"}]'
--- more_headers
Content-Type: application/json
--- error_code: 422
--- response_body eval
'{"statusCode":422,"message":["[0].phone: INVALID","[1].phone: INVALID","[2].phone: INVALID"],"error":"Unprocessable Entity","phoneval":[{"index":0,"path":"[0].phone","input":"12","status":"INVALID","reason":"too few digits"},{"index":1,"path":"[1].phone","input":"+1209\u00005550142","status":"INVALID","reason":"contains letters or other invalid characters"},{"index":2,"path":"[2].phone","input":"+1209\u20285550142","status":"INVALID","reason":"contains letters or other invalid characters"}]}'
--- no_error_log
[error]
[warn]



=== TEST 21: after a 503 the keepalive connection serves the next request
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_on_error reject;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- pipelined_requests eval
["POST /contacts/\n" . '{"phone":"+12095550199"}',
 "POST /contacts/\n" . '{"phone":"+12095550142"}']
--- more_headers
Content-Type: application/json
--- error_code eval
[503, 200]
--- response_body eval
['{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550199","status":"PENDING"}]}',
 ::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')]
--- no_error_log
[error]
[warn]
