# annotate mode: what the Contacts API receives.  customfields and fields
# outputs, merging with the client's own customFields, anti-spoofing strip,
# clearing on a null or empty phone, normalize, bulk and array roots, and
# byte-for-byte preservation of everything the module does not write.
#
# Mocks (echo module): the Byteplant mock on RAND_PORT_1 answers canned JSON
# chosen by the form body and logs what it got to logs/provider.log; the CRM
# upstream on RAND_PORT_2 echoes "METHOD URI cl= te=" and the exact body.
# The mock text: pv_mocks() in t/inc/PhonevalMocks.pm.

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(pv_mocks fwd fwd_re exact_re);

perturb_freed_memory();
no_shuffle();

phoneval_preprocessor();

# one provider.log line for a form body
sub pvlog {
    return join '', map {
        "POST /ok ct=application/x-www-form-urlencoded auth=- cookie=- "
        . "body=$_&Mode=extensive&Locale=en-US&Timeout=10&APIKey=pv-TESTKEY\n"
    } @_;
}

# the Byteplant mock with the standard answers, and the CRM echo
our $Mocks = pv_mocks();

run_tests();

__DATA__

=== TEST 1: W3 single contact without customFields: entries appended, exact Content-Length, no Transfer-Encoding
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}', "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[::fwd_re("POST /contacts/",
  '{"phone":"+12095550142","customFields":[{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_LASTVAL","field_value":"@TS@"},{"id":"cf_CONF","field_value":95}]}'),
 ::exact_re(::pvlog('PhoneNumber=%2B12095550142'))]
--- no_error_log
[error]
[warn]



=== TEST 2: H3 PUT with other customFields: cf_OTHER untouched, result entries appended once
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"PUT /contacts/c_FAKE1\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_OTHER","field_value":"x"}]}'
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("PUT /contacts/c_FAKE1",
  '{"phone":"+12095550142","customFields":[{"id":"cf_OTHER","field_value":"x"},{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_LASTVAL","field_value":"@TS@"},{"id":"cf_CONF","field_value":95}]}')
--- no_error_log
[error]
[warn]



=== TEST 3: a client-sent (spoofed) status entry is replaced in place, the others appended after cf_OTHER
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"customFields":[{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_OTHER","field_value":"x"}],"phone":"+12095550100"}'
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("POST /contacts/",
  '{"customFields":[{"id":"cf_STATUS","field_value":"INVALID"},{"id":"cf_OTHER","field_value":"x"},{"id":"cf_LASTVAL","field_value":"@TS@"},{"id":"cf_CONF","field_value":0}],"phone":"+12095550100"}')
--- no_error_log
[error]
[warn]



=== TEST 4: all result entries already present (odd spacing, value types) are rewritten where they are
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142","customFields":[ {"field_value":100,"id":"cf_CONF"} , {"id" : "cf_LASTVAL", "field_value" : null}, {"id":"cf_STATUS","value":"X"} ]}'
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("POST /contacts/",
  '{"phone":"+12095550142","customFields":[ {"id":"cf_CONF","field_value":95} , {"id":"cf_LASTVAL","field_value":"@TS@"}, {"id":"cf_STATUS","field_value":"VALID_CONFIRMED"} ]}')
--- no_error_log
[error]
[warn]



=== TEST 5: duplicates of a result entry are removed (first kept and replaced, later copies dropped with one comma)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_STATUS","field_value":"A"},{"id":"cf_OTHER","field_value":"x"},{"id":"cf_STATUS","field_value":"B"},{"id":"cf_OTHER2","field_value":"y"},{"id":"cf_STATUS","field_value":"C"}]}'
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("POST /contacts/",
  '{"phone":"+12095550142","customFields":[{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_OTHER","field_value":"x"},{"id":"cf_OTHER2","field_value":"y"},{"id":"cf_LASTVAL","field_value":"@TS@"},{"id":"cf_CONF","field_value":95}]}')
--- no_error_log
[error]
[warn]



=== TEST 6: duplicates at the end of the array: removed, the missing entries appended after the last kept one
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_OTHER","field_value":"x"},{"id":"cf_STATUS","field_value":"A"},{"id":"cf_STATUS","field_value":"B"}]}'
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("POST /contacts/",
  '{"phone":"+12095550142","customFields":[{"id":"cf_OTHER","field_value":"x"},{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_LASTVAL","field_value":"@TS@"},{"id":"cf_CONF","field_value":95}]}')
--- no_error_log
[error]
[warn]



=== TEST 7: H4 PUT with only customFields and no phone: no provider call, client-sent result entries stripped
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"customFields":[{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_OTHER","field_value":"x"},{"id":"cf_CONF","field_value":95},{"id":"cf_LASTVAL","field_value":"2020-01-01T00:00:00Z"}]}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"customFields":[{"id":"cf_OTHER","field_value":"x"}]}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 8: no phone, only result entries: the array is emptied, other members kept
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"firstName":"Test","customFields":[ {"id":"cf_STATUS","field_value":"VALID_CONFIRMED"} , {"id":"cf_CONF","field_value":95} ],"tags":["a"]}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"firstName":"Test","customFields":[  ],"tags":["a"]}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 9: phoneval_strip_results off: client-sent result entries are kept when there is no phone (byte-identical)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        phoneval_strip_results off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"customFields":[{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_OTHER","field_value":"x"},{"id":"cf_CONF","field_value":95}]}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"customFields":[{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"},{"id":"cf_OTHER","field_value":"x"},{"id":"cf_CONF","field_value":95}]}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 10: a body with no phone at all and no result entry is forwarded byte-identical (strip on)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . qq{{ "firstName" : "Test",\n  "email":"person1\\u0040example.com", "n":1.50e3 }},
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", qq{{ "firstName" : "Test",\n  "email":"person1\\u0040example.com", "n":1.50e3 }}),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 11: phone null: result entries written empty ("") and no provider call
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"phone":null,"customFields":[{"id":"cf_STATUS","field_value":"VALID_CONFIRMED"}]}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"phone":null,"customFields":[{"id":"cf_STATUS","field_value":""},{"id":"cf_LASTVAL","field_value":""},{"id":"cf_CONF","field_value":""}]}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 12: phone "" and phone "  ": result entries written empty, no provider call
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_STATUS;
        phoneval_result last_validated cf_LASTVAL;
        phoneval_result confidence cf_CONF;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"phone":""}',
 "PUT /contacts/c_FAKE1\n" . '{"phone":"  "}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"phone":"","customFields":[{"id":"cf_STATUS","field_value":""},{"id":"cf_LASTVAL","field_value":""},{"id":"cf_CONF","field_value":""}]}'),
 ::fwd("PUT /contacts/c_FAKE1", '{"phone":"  ","customFields":[{"id":"cf_STATUS","field_value":""},{"id":"cf_LASTVAL","field_value":""},{"id":"cf_CONF","field_value":""}]}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 13: fields output, phone null: members written as null (existing one replaced in place)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output fields;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"confidence":95,"phone":null}',
 "PUT /contacts/c_FAKE1\n" . '{"phone":""}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"confidence":null,"phone":null,"validation_status":null,"last_validated":null}'),
 ::fwd("PUT /contacts/c_FAKE1", '{"phone":"","validation_status":null,"last_validated":null,"confidence":null}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 14: key:NAME targets write {"key":...,"field_value":...}; an entry with that key is replaced, an "id" with the same text is not
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status key:contact.phone_validation_status;
        phoneval_result confidence key:contact.phone_confidence;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550143","customFields":[{"id":"contact.phone_confidence","field_value":"z"},{"key":"contact.phone_validation_status","field_value":"VALID_CONFIRMED"}]}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550143","customFields":[{"id":"contact.phone_confidence","field_value":"z"},{"key":"contact.phone_validation_status","field_value":"VALID_UNCONFIRMED"},{"key":"contact.phone_confidence","field_value":60}]}')
--- no_error_log
[error]
[warn]



=== TEST 15: all six result items for VALID_CONFIRMED
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_result last_validated cf_L;
        phoneval_result confidence cf_C;
        phoneval_result line_type cf_T;
        phoneval_result e164 cf_E;
        phoneval_result country cf_N;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"(209) 555-0142","country":"us"}'
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("POST /contacts/",
  '{"phone":"(209) 555-0142","country":"us","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_L","field_value":"@TS@"},{"id":"cf_C","field_value":95},{"id":"cf_T","field_value":"MOBILE"},{"id":"cf_E","field_value":"+12095550142"},{"id":"cf_N","field_value":"US"}]}')
--- no_error_log
[error]
[warn]



=== TEST 16: all six result items for VALID_UNCONFIRMED, INVALID (no e164 even if the provider formats one) and PENDING (empty time and confidence)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_result last_validated cf_L;
        phoneval_result confidence cf_C;
        phoneval_result line_type cf_T;
        phoneval_result e164 cf_E;
        phoneval_result country cf_N;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550143"}',
 "POST /contacts/\n" . '{"phone":"+12095550100"}',
 "POST /contacts/\n" . '{"phone":"+12095550199"}']
--- more_headers
Content-Type: application/json
--- response_body_like eval
[::fwd_re("POST /contacts/",
  '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"},{"id":"cf_L","field_value":"@TS@"},{"id":"cf_C","field_value":60},{"id":"cf_T","field_value":"FIXED_LINE"},{"id":"cf_E","field_value":"+12095550143"},{"id":"cf_N","field_value":"US"}]}'),
 ::fwd_re("POST /contacts/",
  '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_L","field_value":"@TS@"},{"id":"cf_C","field_value":0},{"id":"cf_T","field_value":""},{"id":"cf_E","field_value":""},{"id":"cf_N","field_value":"US"}]}'),
 ::fwd_re("POST /contacts/",
  '{"phone":"+12095550199","customFields":[{"id":"cf_S","field_value":"PENDING"},{"id":"cf_L","field_value":""},{"id":"cf_C","field_value":""},{"id":"cf_T","field_value":""},{"id":"cf_E","field_value":""},{"id":"cf_N","field_value":""}]}')]
--- no_error_log
[error]



=== TEST 17: fields output with the default members, appended after the last member
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output fields;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"firstName":"Test","phone":"+12095550142"}'
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("POST /contacts/",
  '{"firstName":"Test","phone":"+12095550142","validation_status":"VALID_CONFIRMED","last_validated":"@TS@","confidence":95}')
--- no_error_log
[error]
[warn]



=== TEST 18: fields output: members present are replaced in place (name bytes kept), missing ones appended
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output fields;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . qq{{"validation_status" : "VALID_CONFIRMED",\n "phone":"+12095550100", "confidence": {"spoof":[1]} ,"x":1}}
--- more_headers
Content-Type: application/json
--- response_body_like eval
::fwd_re("POST /contacts/",
  qq{{"validation_status" : "INVALID",\n "phone":"+12095550100", "confidence": 0 ,"x":1,"last_validated":"\@TS\@"}})
--- no_error_log
[error]
[warn]



=== TEST 19: fields output, PENDING: status PENDING, last_validated and confidence null
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output fields;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550199"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550199","validation_status":"PENDING","last_validated":null,"confidence":null}')
--- no_error_log
[error]



=== TEST 20: fields output with phoneval_result: only the configured members, under the configured names
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output fields;
        phoneval_result status phone_status;
        phoneval_result line_type phone_line_type;
        phoneval_result e164 phone_e164;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142","phone_e164":"+19999999999"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550142","phone_e164":"+12095550142","phone_status":"VALID_CONFIRMED","phone_line_type":"MOBILE"}')
--- no_error_log
[error]
[warn]



=== TEST 21: fields output, no phone: client-sent result members are removed (with exactly one comma)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output fields;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"validation_status":"VALID_CONFIRMED","firstName":"Test","confidence":95}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"firstName":"Test"}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 22: phoneval_output off: the provider is called but the body is forwarded unchanged
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+1 209 555 0142","customFields":[{"id":"cf_STATUS","field_value":"x"}]}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+1 209 555 0142","customFields":[{"id":"cf_STATUS","field_value":"x"}]}'),
 ::pvlog('PhoneNumber=%2B12095550142')]
--- no_error_log
[error]
[warn]



=== TEST 23: phoneval_output off with phoneval_normalize on: only the phone is rewritten to +E164
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output off;
        phoneval_normalize on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone" : "+1 (209) 555-0142" ,"firstName":"Test"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone" : "+12095550142" ,"firstName":"Test"}')
--- no_error_log
[error]
[warn]



=== TEST 24: phoneval_normalize on: replaced on VALID_CONFIRMED and VALID_UNCONFIRMED, never on INVALID or PENDING
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_normalize on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"contacts":[{"phone":"209-555-0142","country":"US"},{"phone":"+1.209.555.0143"},{"phone":"+1 209 555 0100"},{"phone":"+1 209 555 0199"},{"phone":"+1 209 555 01ab"}]}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"contacts":[{"phone":"+12095550142","country":"US","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]},{"phone":"+1 209 555 0100","customFields":[{"id":"cf_S","field_value":"INVALID"}]},{"phone":"+1 209 555 0199","customFields":[{"id":"cf_S","field_value":"PENDING"}]},{"phone":"+1 209 555 01ab","customFields":[{"id":"cf_S","field_value":"INVALID"}]}]}')
--- no_error_log
[error]



=== TEST 25: bulk object with mixed verdicts: each contact annotated, other members untouched
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/bulk\n" . '{"locationId":"loc_TEST","contacts":[{"phone":"+12095550142"},{"firstName":"NoPhone"},{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":null},{"phone":"+12095550199"},{"phone":"call me"}],"source":"form"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/bulk", '{"locationId":"loc_TEST","contacts":[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_C","field_value":95}]},{"firstName":"NoPhone"},{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_C","field_value":0}]},{"phone":null,"customFields":[{"id":"cf_S","field_value":""},{"id":"cf_C","field_value":""}]},{"phone":"+12095550199","customFields":[{"id":"cf_S","field_value":"PENDING"},{"id":"cf_C","field_value":""}]},{"phone":"call me","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_C","field_value":0}]}],"source":"form"}')
--- no_error_log
[error]



=== TEST 26: root array of contacts: each annotated, one provider call per distinct number
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_concurrency 1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '[{"phone":"+12095550142"},{"phone":"+12095550100"},{"phone":"+1 209 555 0142"}]',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]},{"phone":"+1 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}]'),
 ::pvlog('PhoneNumber=%2B12095550142', 'PhoneNumber=%2B12095550100')]
--- timeout: 2
--- no_error_log
[error]
[warn]



=== TEST 27: H1 customfields mode never adds a top-level member: POST /contacts/, POST /contacts/upsert, PUT /contacts/:id
--- http_config eval: $::Mocks
--- config
    location ~ ^/contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"locationId":"loc_TEST","firstName":"Test","phone":"+12095550142","customFields":[]}',
 "POST /contacts/upsert\n" . '{"locationId":"loc_TEST","email":"person1@example.com","phone":"+12095550142"}',
 "PUT /contacts/c_FAKE1\n" . '{"phone":"+12095550142","customFields":null,"tags":[]}']
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"locationId":"loc_TEST","firstName":"Test","phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/upsert", '{"locationId":"loc_TEST","email":"person1@example.com","phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("PUT /contacts/c_FAKE1", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}],"tags":[]}')]
--- no_error_log
[error]
[warn]



=== TEST 28: a pretty-printed body keeps every byte outside the edits
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . qq{{\r\n  "locationId" : "loc_TEST",\n\t"phone":   "+1 209 555 0142" ,\n  "customFields" : [\n    { "id" : "cf_OTHER", "field_value" : "x\\u00e9" },\n    { "id" : "cf_S", "field_value" : "SPOOF" }\n  ],\n  "n" : -0.0E+00\n}}
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", qq{{\r\n  "locationId" : "loc_TEST",\n\t"phone":   "+1 209 555 0142" ,\n  "customFields" : [\n    { "id" : "cf_OTHER", "field_value" : "x\\u00e9" },\n    {"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_C","field_value":95}\n  ],\n  "n" : -0.0E+00\n}})
--- no_error_log
[error]
[warn]



=== TEST 29: a pretty-printed body without customFields gets the member after its last member, white space kept
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
"POST /contacts/\n" . qq{{\n  "phone": "+12095550142",\n  "tags": [ "a" ]\n}}
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", qq{{\n  "phone": "+12095550142",\n  "tags": [ "a" ],"customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]\n}})
--- no_error_log
[error]
[warn]



=== TEST 30: J3 number literals are forwarded exactly as sent (1234567890123460, 0.1)
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
"POST /contacts/\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_FAKE1","field_value":1234567890123460}],"score":0.1,"big":12345678901234567890123,"e":1E400,"neg":-0}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_FAKE1","field_value":1234567890123460},{"id":"cf_S","field_value":"VALID_CONFIRMED"}],"score":0.1,"big":12345678901234567890123,"e":1E400,"neg":-0}')
--- no_error_log
[error]
[warn]



=== TEST 31: GET and DELETE on the location are untouched: no validation, no provider call
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
["GET /contacts/c_FAKE1\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"x"}]}',
 "DELETE /contacts/c_FAKE1\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"x"}]}',
 "GET /contacts/?locationId=loc_TEST",
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("GET /contacts/c_FAKE1", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"x"}]}'),
 ::fwd("DELETE /contacts/c_FAKE1", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"x"}]}'),
 "GET /contacts/?locationId=loc_TEST cl= te=\n",
 ""]
--- no_error_log
[error]
[warn]



=== TEST 32: an empty customFields array gets the entries inside it
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"customFields":[ ],"phone":"+12095550143"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"},{"id":"cf_C","field_value":60} ],"phone":"+12095550143"}')
--- no_error_log
[error]
[warn]



=== TEST 33: leading and trailing white space around the document is forwarded too (explicit Content-Length)
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
"POST /contacts/\n" . qq{ \n{"phone":"+12095550142"}\n\t }
--- more_headers
Content-Type: application/json
Content-Length: 29
--- response_body eval
::fwd("POST /contacts/", qq{ \n{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}\n\t })
--- no_error_log
[error]
[warn]



=== TEST 34: a customFields member that is null becomes an array with the entries
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
"POST /contacts/\n" . '{"customFields" : null ,"phone":"+12095550100"}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"customFields" : [{"id":"cf_S","field_value":"INVALID"}] ,"phone":"+12095550100"}')
--- no_error_log
[error]
[warn]



=== TEST 35: anti-spoofing sees through escapes: "cf_\u0053" is the cf_S entry, "validation\u005fstatus" the member
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /fields/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_output fields;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550100","customFields":[{"id":"cf_\u0053","field_value":"VALID_CONFIRMED"}]}',
 "PUT /contacts/c_FAKE1\n" . '{"customFields":[{"id":"cf_\u0053","field_value":"VALID_CONFIRMED"},{"id":"cf_S2","field_value":1}]}',
 "POST /fields/\n" . '{"validation\u005fstatus":"VALID_CONFIRMED","phone":"+12095550100"}',
 "PUT /fields/c_FAKE1\n" . '{"validation\u005fstatus":"VALID_CONFIRMED","firstName":"Test"}']
--- more_headers
Content-Type: application/json
--- response_body_like eval
[::fwd_re("POST /contacts/", '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 ::fwd_re("PUT /contacts/c_FAKE1", '{"customFields":[{"id":"cf_S2","field_value":1}]}'),
 ::fwd_re("POST /fields/", '{"validation\u005fstatus":"INVALID","phone":"+12095550100","last_validated":"@TS@","confidence":0}'),
 ::fwd_re("PUT /fields/c_FAKE1", '{"firstName":"Test"}')]
--- no_error_log
[error]
[warn]



=== TEST 36: phoneval_normalize on a JSON number phone: replaced by the "+E164" string
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_normalize on;
        phoneval_output off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '{"phone":2095550142,"x":1}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550142","x":1}')
--- no_error_log
[error]
[warn]



=== TEST 37: customFields entries that are not objects, or whose id is not a string, are kept as they are
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
"POST /contacts/\n" . '{"phone":"+12095550142","customFields":["cf_S",null,{"id":1,"field_value":"x"},{"id":{"v":"cf_S"}},[]]}'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":["cf_S",null,{"id":1,"field_value":"x"},{"id":{"v":"cf_S"}},[],{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
--- no_error_log
[error]
[warn]



=== TEST 38: a bulk body with many contacts (many edits, no provider call for text that is never a phone)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"contacts":[' . CORE::join(',', map { qq{{"n":$_,"phone":"no phone $_","customFields":[{"id":"cf_C","field_value":100},{"id":"cf_X","field_value":$_}]}} } 1 .. 60) . ']}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"contacts":[' . CORE::join(',', map { qq{{"n":$_,"phone":"no phone $_","customFields":[{"id":"cf_C","field_value":0},{"id":"cf_X","field_value":$_},{"id":"cf_S","field_value":"INVALID"}]}} } 1 .. 60) . ']}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 39: a field's other names (its key beside its id, and the key with or without "contact."): a client's entry under any of them is removed, with or without a phone, so no result is spoofed by naming the field another way
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S key:contact.phone_validation_status;
        phoneval_result confidence key:phone_confidence;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"customFields":[{"key":"contact.phone_validation_status","field_value":"VALID_CONFIRMED"},{"id":"cf_OTHER","field_value":"x"},{"key":"phone_validation_status","field_value":"VALID_CONFIRMED"},{"key":"contact.phone_confidence","field_value":95}]}',
 "PUT /contacts/c_FAKE1\n" . '{"phone":"+12095550100","customFields":[{"key":"contact.phone_validation_status","field_value":"VALID_CONFIRMED"},{"key":"phone_confidence","field_value":95}]}']
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("PUT /contacts/c_FAKE1", '{"customFields":[{"id":"cf_OTHER","field_value":"x"}]}'),
 ::fwd("PUT /contacts/c_FAKE1", '{"phone":"+12095550100","customFields":[{"key":"phone_confidence","field_value":0},{"id":"cf_S","field_value":"INVALID"}]}')]
--- no_error_log
[error]
[warn]
