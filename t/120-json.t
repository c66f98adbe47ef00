# Bodies the module refuses or leaves alone: invalid JSON (400 with line and
# column), duplicate members (J1), deep nesting (J2), bad roots, a phone of
# the wrong type, invalid UTF-8, empty bodies, the Content-Type gate (415,
# keepalive kept), too many phones (413, H5), customFields that is not an
# array, and nginx's own client_max_body_size.
#
# Mocks (echo module): the Byteplant mock on RAND_PORT_1 answers canned JSON
# chosen by the form body and logs what it got to logs/provider.log; the CRM
# upstream on RAND_PORT_2 echoes "METHOD URI cl= te=" and the exact body.
# The mock text: pv_mocks() in t/inc/PhonevalMocks.pm.

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(pv_mocks fwd);

perturb_freed_memory();
no_shuffle();
check_accum_error_log();

phoneval_preprocessor();

# a 400 body for a JSON syntax error
sub bad_json {
    my ($line, $col, $msg) = @_;
    return '{"statusCode":400,"message":"invalid JSON at line ' . $line
        . ', column ' . $col . ': ' . $msg . '","error":"Bad Request"}';
}

our $BadRoot = '{"statusCode":400,"message":"the body must be a contact object, an object whose \"contacts\" member is an array of contact objects, or an array of contact objects","error":"Bad Request"}';

our $NotJson = '{"statusCode":415,"message":"Content-Type must be application/json or application/*+json","error":"Unsupported Media Type"}';

# a contact object with more members than the linear duplicate check covers
our $Big = "{" . join(",", map { "\"m$_\":$_" } 0 .. 39) . ",\"phone\":\"+12095550142\",\"m\\u0035\":5}";

# the Byteplant mock with the standard answers, and the CRM echo
our $Mocks = pv_mocks();

run_tests();

__DATA__

=== TEST 1: invalid JSON: 400 in the Contacts API's error shape, with line and column; the upstream is not called
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142",}'
--- more_headers
Content-Type: application/json
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body eval
::bad_json(1, 25, "expected a member name")
--- error_log
phoneval: rejected body: invalid JSON at line 1, column 25: expected a member name
--- no_error_log
[error]
[warn]



=== TEST 2: invalid JSON in a multi-line body: the line and column of the fault
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . qq{{\n  "firstName": "Test",\n  "phone": "+12095550142"\n  "email": "person1\@example.com"\n}},
 "POST /contacts/\n" . qq{{\r\n\t"phone": tru\r\n}},
 "POST /contacts/\n" . qq{{\n  "customFields": [\n    {"id": "cf_S", "field_value": 01}\n  ]\n}}]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400]
--- response_body eval
[::bad_json(4, 3, "expected ',' or '}'"),
 ::bad_json(2, 11, "invalid literal"),
 ::bad_json(3, 36, "leading zero in number")]
--- no_error_log
[error]
[warn]



=== TEST 3: more syntax errors, each with its message and column
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"phone":"+1209',
 "POST /contacts/\n" . '{"phone":"+1"',
 "POST /contacts/\n" . '{"phone" "+1"}',
 "POST /contacts/\n" . '{"phone":null} x',
 "POST /contacts/\n" . qq{{"phone":"a\tb"}},
 "POST /contacts/\n" . '{"a":"\x"}',
 "POST /contacts/\n" . "\xef\xbb\xbf" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":+12095550142}',
 "POST /contacts/\n" . "{'phone':'+12095550142'}"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 400, 400, 400, 400, 400]
--- response_body eval
[::bad_json(1, 16, "unterminated string"),
 ::bad_json(1, 14, "unexpected end of input"),
 ::bad_json(1, 10, "expected ':'"),
 ::bad_json(1, 16, "unexpected data after the document"),
 ::bad_json(1, 12, "control character in string"),
 ::bad_json(1, 7, "invalid escape"),
 ::bad_json(1, 1, "byte order mark is not allowed"),
 ::bad_json(1, 10, "unexpected character"),
 ::bad_json(1, 2, "expected a member name")]
--- no_error_log
[error]
[warn]



=== TEST 4: J1 a duplicate member: 400 pointing at the second name, no provider call
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550100","firstName":"Test","phone":"+12095550199"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- response_body eval
[::bad_json(1, 44, "duplicate member name"),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 5: a duplicate spelled with an escape ("ph\u006fne"), either order, in a bulk contact, and in a large object
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142","ph\u006fne":"+12095550199"}',
 "POST /contacts/\n" . '{"ph\u006fne":"+12095550142","phone":"+12095550199"}',
 "POST /contacts/\n" . '{"contacts":[{"phone":"+12095550142"},{"phone":"+12095550143","\u0070hone":null}]}',
 "POST /contacts/\n" . $::Big,
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 200]
--- response_body eval
[::bad_json(1, 25, "duplicate member name"),
 ::bad_json(1, 30, "duplicate member name"),
 ::bad_json(1, 63, "duplicate member name"),
 ::bad_json(1, index($::Big, '"m\u0035"') + 1, "duplicate member name"),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 6: J2 20000 levels of nesting: a fast 400 at level 513, no provider call, the worker lives on
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142","customFields":' . ('[' x 20000) . '0' . (']' x 20000) . '}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- timeout: 1
--- error_code eval
[400, 200]
--- response_body eval
[::bad_json(1, 551, "nesting too deep"),
 ""]
--- no_error_log
[error]



=== TEST 7: 512 levels are accepted and annotated; 513 are a 400
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142","x":' . ('[' x 511) . (']' x 511) . '}',
 "POST /contacts/\n" . '{"phone":"+12095550142","x":' . ('[' x 512) . (']' x 512) . '}']
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 400]
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+12095550142","x":' . ('[' x 511) . (']' x 511) . ',"customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::bad_json(1, 540, "nesting too deep")]
--- no_error_log
[error]
[warn]



=== TEST 8: bad roots: a string, a number, null, an array of non-objects, a bulk array or root array holding a non-object
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '"+12095550142"',
 "POST /contacts/\n" . '12095550142',
 "POST /contacts/\n" . 'null',
 "POST /contacts/\n" . '[1,2]',
 "POST /contacts/\n" . '{"contacts":[{"phone":"+12095550142"},"x"]}',
 "POST /contacts/\n" . '[{"phone":"+12095550142"},[]]',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 400, 400, 200]
--- response_body eval
[$::BadRoot, $::BadRoot, $::BadRoot, $::BadRoot, $::BadRoot, $::BadRoot, ""]
--- no_error_log
[error]
[warn]



=== TEST 9: an empty root array and an empty bulk array are forwarded as received
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '[ ]',
 "POST /contacts/\n" . '{"contacts":[],"locationId":"loc_TEST"}']
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '[ ]'),
 ::fwd("POST /contacts/", '{"contacts":[],"locationId":"loc_TEST"}')]
--- no_error_log
[error]
[warn]



=== TEST 10: a phone of the wrong type (true, {}, []) is a 400 naming the member, and the contact index in a bulk body
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":true}',
 "POST /contacts/\n" . '{"phone":{}}',
 "POST /contacts/\n" . '{"phone":[]}',
 "POST /contacts/\n" . '{"contacts":[{"phone":"+12095550142"},{"phone":false}]}',
 "POST /contacts/\n" . '[{"phone":["+12095550142"]}]',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 400, 200]
--- response_body eval
['{"statusCode":400,"message":"\"phone\" must be a string, a number or null","error":"Bad Request"}',
 '{"statusCode":400,"message":"\"phone\" must be a string, a number or null","error":"Bad Request"}',
 '{"statusCode":400,"message":"\"phone\" must be a string, a number or null","error":"Bad Request"}',
 '{"statusCode":400,"message":"contact 1: \"phone\" must be a string, a number or null","error":"Bad Request"}',
 '{"statusCode":400,"message":"contact 0: \"phone\" must be a string, a number or null","error":"Bad Request"}',
 ""]
--- no_error_log
[error]
[warn]



=== TEST 11: invalid UTF-8 (a stray byte, an overlong form, an encoded surrogate, a cut sequence) and an unpaired \u surrogate: 400
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . qq{{"phone":"\xff"}},
 "POST /contacts/\n" . qq{{"firstName":"\xc0\xaf","phone":"+12095550142"}},
 "POST /contacts/\n" . qq{{"firstName":"\xed\xa0\x80"}},
 "POST /contacts/\n" . qq{{"phone":"+1\xe2\x82"}},
 "POST /contacts/\n" . '{"a":"\ud800","phone":"+12095550142"}']
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 400]
--- response_body eval
[::bad_json(1, 11, "invalid UTF-8"),
 ::bad_json(1, 15, "invalid UTF-8"),
 ::bad_json(1, 15, "invalid UTF-8"),
 ::bad_json(1, 13, "invalid UTF-8"),
 ::bad_json(1, 7, 'unpaired surrogate in \\\\u escape')]
--- no_error_log
[error]
[warn]



=== TEST 12: an empty body (Content-Length: 0) is passed through untouched, whatever its Content-Type
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- pipelined_requests eval
["POST /contacts/", "PUT /contacts/c_FAKE1"]
--- more_headers
Content-Type: text/plain
Content-Length: 0
--- response_body eval
["POST /contacts/ cl=0 te=\n", "PUT /contacts/c_FAKE1 cl=0 te=\n"]
--- no_error_log
[error]
[warn]



=== TEST 13: a chunked body with no data is passed through untouched
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- raw_request eval
"POST /contacts/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
--- response_body eval
"POST /contacts/ cl=0 te=\n"
--- no_error_log
[error]
[warn]



=== TEST 14: a body of white space only is an empty JSON document: 400
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n \t "
--- more_headers
Content-Type: application/json
Content-Length: 3
--- error_code: 400
--- response_body eval
::bad_json(1, 4, "empty document")
--- no_error_log
[error]
[warn]



=== TEST 15: text/plain with a body: 415, the body is discarded and the keepalive connection serves the next request
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- pipelined_requests eval
["POST /contacts/\n" . '{"phone":"+12095550142","firstName":"GET / HTTP/1.1"}',
 "GET /contacts/c_FAKE1",
 "GET /_log/provider"]
--- more_headers
Content-Type: text/plain
--- error_code eval
[415, 200, 200]
--- response_body eval
[$::NotJson, "GET /contacts/c_FAKE1 cl= te=\n", ""]
--- no_error_log
[error]
[warn]



=== TEST 16: no Content-Type with a body: 415, body discarded, keepalive kept
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- pipelined_requests eval
["PUT /contacts/c_FAKE1\n" . '{"phone":"+12095550142"}',
 "GET /contacts/c_FAKE2",
 "GET /_log/provider"]
--- error_code eval
[415, 200, 200]
--- response_body eval
[$::NotJson, "GET /contacts/c_FAKE2 cl= te=\n", ""]
--- no_error_log
[error]
[warn]



=== TEST 17: other non-JSON types are 415 too: application/x-www-form-urlencoded
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . 'phone=%2B12095550142'
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- error_code: 415
--- response_headers
Content-Type: application/json
--- response_body eval
$::NotJson
--- no_error_log
[error]
[warn]



=== TEST 18: other non-JSON types are 415 too: text/json
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: text/json
--- error_code: 415
--- response_body eval
$::NotJson
--- no_error_log
[error]
[warn]



=== TEST 19: other non-JSON types are 415 too: application/jsonx
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: application/jsonx
--- error_code: 415
--- response_body eval
$::NotJson
--- no_error_log
[error]
[warn]



=== TEST 20: application/vnd.api+json is accepted and annotated
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: application/vnd.api+json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
--- no_error_log
[error]
[warn]



=== TEST 21: application/json; charset=utf-8 is accepted and annotated
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: application/json; charset=utf-8
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
--- no_error_log
[error]
[warn]



=== TEST 22: the media type is case-insensitive (Application/JSON)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: Application/JSON
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
--- no_error_log
[error]
[warn]



=== TEST 23: H5 250 contacts with phoneval_max_phones 100: 413 and no provider call
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_max_phones 100;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"locationId":"loc_TEST","contacts":[' . CORE::join(',', map { sprintf '{"firstName":"C%d","phone":"+1209555%04d"}', $_, $_ } 1 .. 250) . ']}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[413, 200]
--- response_body eval
['{"statusCode":413,"message":"too many phones: 250, at most 100 per request","error":"Request Entity Too Large"}',
 ""]
--- no_error_log
[error]
[warn]



=== TEST 24: phoneval_max_phones counts phones only (null and absent do not count): 3 of 3 pass, 4 of 3 are a 413
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_max_phones 3;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '[{"phone":"+12095550142"},{"phone":null},{"phone":"+12095550143"},{"x":1},{"phone":"+12095550100"}]',
 "POST /contacts/\n" . '[{"phone":"+12095550142"},{"phone":"abc"},{"phone":"+12095550143"},{"phone":"+12095550100"}]']
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 413]
--- response_body eval
[::fwd("POST /contacts/", '[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":null,"customFields":[{"id":"cf_S","field_value":""}]},{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]},{"x":1},{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}]'),
 '{"statusCode":413,"message":"too many phones: 4, at most 3 per request","error":"Request Entity Too Large"}']
--- no_error_log
[error]
[warn]



=== TEST 25: customFields that is not an array (object, string, number): 400
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142","customFields":{"id":"cf_S","field_value":"x"}}',
 "POST /contacts/\n" . '{"phone":"+12095550142","customFields":"cf_S"}',
 "PUT /contacts/c_FAKE1\n" . '{"customFields":1}']
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400]
--- response_body eval
['{"statusCode":400,"message":"\"customFields\" must be an array","error":"Bad Request"}',
 '{"statusCode":400,"message":"\"customFields\" must be an array","error":"Bad Request"}',
 '{"statusCode":400,"message":"\"customFields\" must be an array","error":"Bad Request"}']
--- no_error_log
[error]
[warn]



=== TEST 26: nginx's own client_max_body_size 413 stays nginx's (HTML page, no provider call)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        client_max_body_size 16;
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[413, 200]
--- response_body_like eval
[qr{\A<html>\r?\n<head><title>413 Request Entity Too Large</title></head>.*</html>\r?\n\z}s,
 qr{\A\z}]
--- error_log
client intended to send too large body: 24 bytes
--- no_error_log
[warn]



=== TEST 27: 415 with a chunked body: the body is discarded and the next pipelined request is answered
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- pipelined_requests eval
["POST /contacts/\n" . "8\r\n{\"phone\"\r\n10\r\n:\"+12095550142\"}\r\n0\r\n\r\n",
 "GET /_log/provider\n" . "0\r\n\r\n"]
--- more_headers
Content-Type: text/plain
Transfer-Encoding: chunked
--- error_code eval
[415, 200]
--- response_body eval
[$::NotJson, ""]
--- no_error_log
[error]
[warn]



=== TEST 28: 415 with a large body (beyond the body buffer): all of it is discarded, the connection stays usable
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        client_body_buffer_size 1k;
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- pipelined_requests eval
["POST /contacts/\n" . '{"phone":"+12095550142","notes":"' . ('a' x 100000) . '"}',
 "PUT /contacts/c_FAKE1\n" . '{"phone":"+12095550142"}']
--- more_headers
Content-Type: text/plain
--- error_code eval
[415, 415]
--- response_body eval
[$::NotJson, $::NotJson]
--- no_error_log
[error]
[warn]



=== TEST 29: after a 400 and a 413 of the module the keepalive connection serves the next request
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_max_phones 1;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- pipelined_requests eval
["POST /contacts/\n" . '{"phone":"+12095550142",}',
 "POST /contacts/\n" . '[{"phone":"+12095550142"},{"phone":"+12095550143"}]',
 "POST /contacts/\n" . '{"phone":"+12095550142"}']
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 413, 200]
--- response_body eval
[::bad_json(1, 25, "expected a member name"),
 '{"statusCode":413,"message":"too many phones: 2, at most 1 per request","error":"Request Entity Too Large"}',
 ::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')]
--- no_error_log
[error]
[warn]



=== TEST 30: a 400 on a keep-alive connection whose body arrives after the headers; nginx keeps serving
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
[[ "POST /contacts/\n", { value => '{"phone":"+12095550142",}', delay_before => 0.1 } ],
 "POST /contacts/\n" . '{"phone":"+12095550142"} ']
--- more_headers
Content-Type: application/json
Content-Length: 25
Connection: keep-alive
--- error_code eval
[400, 200]
--- response_body eval
[::bad_json(1, 25, "expected a member name"),
 ::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]} ')]
--- no_error_log
[error]
[warn]
--- timeout: 2
--- abort



=== TEST 31: a bulk body whose root has a phone of its own: 400 whatever the phone, no provider call
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
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550100","contacts":[]}',
 "POST /contacts/\n" . '{"contacts":[{}],"phone":"call me","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}',
 "POST /contacts/\n" . '{"contacts":[{"phone":"+12095550142"}],"ph\u006fne":null}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 200]
--- response_body eval
['{"statusCode":400,"message":"a body whose \"contacts\" member is an array of contacts cannot have a \"phone\" of its own","error":"Bad Request"}',
 '{"statusCode":400,"message":"a body whose \"contacts\" member is an array of contacts cannot have a \"phone\" of its own","error":"Bad Request"}',
 '{"statusCode":400,"message":"a body whose \"contacts\" member is an array of contacts cannot have a \"phone\" of its own","error":"Bad Request"}',
 ""]
--- no_error_log
[error]
[warn]



=== TEST 32: phoneval_max_contacts counts contacts with or without a phone: 413 before any work, the count in the message
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_max_phones 2;
        phoneval_max_contacts 3;
        phoneval_result status cf_S;
        client_max_body_size 2m;
        client_body_buffer_size 2m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '[{},{"x":1},{}]',
 "POST /contacts/\n" . '[{},{"x":1},{},{"phone":"+12095550142"},{}]',
 "POST /contacts/\n" . '{"contacts":[' . CORE::join(',', ('{}') x 300000) . ']}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 413, 413, 200]
--- response_body eval
[::fwd("POST /contacts/", '[{},{"x":1},{}]'),
 '{"statusCode":413,"message":"too many contacts: 5, at most 3 per request","error":"Request Entity Too Large"}',
 '{"statusCode":413,"message":"too many contacts: 300000, at most 3 per request","error":"Request Entity Too Large"}',
 ""]
--- timeout: 10
--- no_error_log
[error]
[warn]
