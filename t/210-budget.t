# Issue 4, the provider budget: rate=N r/PERIOD shared by everything that
# uses the zone; the provider's own ratelimit_remain / ratelimit_seconds
# tighten it; after RATE_LIMIT_EXCEEDED the zone stops calling until the
# window ends; after API_KEY_INVALID_OR_DEPLETED it stops for a minute and
# logs one error line per minute.  A phone with no budget is PENDING (or a
# 503 under phoneval_on_error reject) without a provider call.  Field case
# H5.  Sharing the budget between two workers: t/240-workers.t.
#
#   prove -I t/lib t/210-budget.t

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalZone;       # the mocks, /_pv & co., cf fwd ex call crm filler

no_shuffle();
check_accum_error_log();

phoneval_preprocessor(prepare => \&zone_mocks);

# H5: 60 contacts +1 650 555 0100 .. 0159; the mock answers
# VALID_CONFIRMED for 0100-0149 and RATE_LIMIT_EXCEEDED for 0150-0159
sub h5_body {
    return '{"locationId":"loc_TEST","contacts":['
        . join(',', map { sprintf '{"firstName":"T%d","phone":"+1650555%04d"}',
                              $_, 100 + $_ } 0 .. 59)
        . ']}';
}

sub h5_fwd {
    my $body = '{"locationId":"loc_TEST","contacts":['
        . join(',', map { sprintf('{"firstName":"T%d","phone":"+1650555%04d",',
                                  $_, 100 + $_)
                          . cf($_ < 50 ? 'VALID_CONFIRMED' : 'PENDING') . '}' }
               0 .. 59)
        . ']}';
    return fwd('/contacts/', $body);
}

run_tests();

__DATA__

=== TEST 1: rate=3r/300s: three calls, then PENDING without a call; a cached verdict needs no budget
phoneval_concurrency 1 makes the order of the calls the order of the body.
--- http_config
    phoneval_zone zone=pv:1m rate=3r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     1;
        phoneval_cache           pv;
        phoneval_result          status          cf_S;
        phoneval_result          last_validated  cf_L;
        phoneval_result          confidence      cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+14155550001\"},{\"phone\":\"+14155550002\"},{\"phone\":\"+14155550003\"},{\"phone\":\"+14155550004\"},{\"phone\":\"+14155550005\"}]",
"POST /contacts/\n{\"phone\":\"+14155550006\"}",
"POST /contacts/\n{\"phone\":\"+14155550001\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::fwd('/contacts/', '[' . CORE::join(',', map { '{"phone":"' . ::filler($_) . '",' . ::cf($_ <= 3 ? 'VALID_CONFIRMED' : 'PENDING') . '}' } 1 .. 5) . ']'),
::fwd('/contacts/', '{"phone":"+14155550006",' . ::cf('PENDING') . '}'),
::fwd('/contacts/', '{"phone":"+14155550001",' . ::cf('VALID_CONFIRMED') . '}'),
::ex(::call('+14155550001') . ::call('+14155550002') . ::call('+14155550003')),
qr/"phones":\{"PENDING":3,"VALID_CONFIRMED":4,"VALID_UNCONFIRMED":0,"INVALID":0\},"provider_calls":\{"ok":3,"delayed":0,"rate_limited":0,"key_invalid":0,"bad_answer":0,"http_error":0,"transport":0,"timeout":0\},"no_budget":3,"cache":\{"hits":1,"misses":6,.*"budget":\{"rate":3,"period":300,"remaining":0,"blocked_seconds":0\}/,
]



=== TEST 2: the budget belongs to the zone: two locations share it
--- http_config
    phoneval_zone zone=pv:1m rate=2r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /contacts/upsert {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_check_mode      express;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/upsert\n{\"phone\":\"+12095550144\"}",
"POST /contacts/upsert\n{\"phone\":\"+12095550143\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/upsert', '{"phone":"+12095550144","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]}'),
::crm('/contacts/upsert', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::call('+12095550142') . ::call('+12095550144', '', '/ok', 'express'),
]



=== TEST 3: the provider's ratelimit_remain tightens the budget
The zone would allow 100 calls; the answers say 2, 1, then 0 calls remain
in the provider's window: the fourth and fifth phones, and the next
request, get no call.  (phoneval_budget_remaining is documented as the
zone's own window, so it is not checked here.)
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     1;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+12095550151\"},{\"phone\":\"+12095550152\"},{\"phone\":\"+12095550153\"},{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]",
"POST /contacts/\n{\"phone\":\"+12095550144\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '[' . CORE::join(',', map { '{"phone":"+120955501' . $_->[0] . '","customFields":[{"id":"cf_S","field_value":"' . $_->[1] . '"}]}' } [51, 'VALID_CONFIRMED'], [52, 'VALID_CONFIRMED'], [53, 'VALID_CONFIRMED'], [42, 'PENDING'], [43, 'PENDING']) . ']')),
::ex(::crm('/contacts/', '{"phone":"+12095550144","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::call('+12095550151') . ::call('+12095550152') . ::call('+12095550153')),
qr/"provider_calls":\{"ok":3,.*"no_budget":3,/,
]



=== TEST 4: RATE_LIMIT_EXCEEDED stops all calls until the provider's window ends
The answer says ratelimit_seconds 300: the rest of this body and the next
request get no call; the status shows the block.
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     1;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+12095550146\"},{\"phone\":\"+12095550142\"}]",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_log/provider",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '[{"phone":"+12095550146","customFields":[{"id":"cf_S","field_value":"PENDING"}]},{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}]')),
::ex(::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::call('+12095550146')),
qr/\nphoneval_provider_calls_total\{zone="pv",result="rate_limited"\} 1\n.*\nphoneval_no_budget_total\{zone="pv"\} 2\n.*\nphoneval_zone_entries\{zone="pv"\} 0\n.*\nphoneval_budget_remaining\{zone="pv"\} 0\n.*\nphoneval_budget_blocked_seconds\{zone="pv"\} (?:29\d|300)\n/s,
]



=== TEST 5: after RATE_LIMIT_EXCEEDED with ratelimit_seconds 1, calls resume once that second is over
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550147\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_sleep1",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550147","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
"slept\n",
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('+12095550147') . ::call('+12095550142'),
]
--- timeout: 5



=== TEST 6: RATE_LIMIT_EXCEEDED without ratelimit_seconds stops calls until the zone's own window ends
--- http_config
    phoneval_zone zone=pv:1m rate=100r/2s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550149\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550149","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::call('+12095550149')),
qr/"budget":\{"rate":100,"period":2,"remaining":0,"blocked_seconds":[12]\}/,
]



=== TEST 7: API_KEY_INVALID_OR_DEPLETED: all phones PENDING, one error line for three answers, no key in it
Three calls are in flight at once and all come back with the depleted key.
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv_key;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
"POST /contacts/\n[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"},{\"phone\":\"+12095550144\"}]"
--- more_headers
Content-Type: application/json
--- response_body eval
::crm('/contacts/', '[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]},{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"PENDING"}]},{"phone":"+12095550144","customFields":[{"id":"cf_S","field_value":"PENDING"}]}]')
--- grep_error_log eval
qr/\[error\](?=.*API_KEY_INVALID_OR_DEPLETED)/
--- grep_error_log_out
[error]
--- no_error_log eval
[qr/^(?!.*\[debug\]).*pv-test-key-0042/]



=== TEST 8: after API_KEY_INVALID_OR_DEPLETED the zone makes no call for a minute
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550148\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550148","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::call('+12095550148')),
qr/"provider_calls":\{"ok":0,"delayed":0,"rate_limited":0,"key_invalid":1,.*"no_budget":2,.*"remaining":0,"blocked_seconds":(?:5\d|60)\}/,
]
--- no_error_log eval
[qr/^(?!.*\[debug\]).*pv-test-key-0042/]



=== TEST 9: the minute after API_KEY_INVALID_OR_DEPLETED ends: calls resume, and the next depleted answer logs its one error line again (one line per minute, not one ever)
This block waits 61 s on purpose: the minute is the contract.
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_wait61 {
        echo_sleep 61;
        echo waited;
    }
--- timeout: 75
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550148\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_wait61",
"POST /contacts/\n{\"phone\":\"+12095550148\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
"GET /_log/error",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550148","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
qr/\Awaited\n\z/,
::ex(::crm('/contacts/', '{"phone":"+12095550148","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::call('+12095550148') . ::call('+12095550148')),
::log_count(2, qr/\[error\][^\n]*API_KEY_INVALID_OR_DEPLETED/),
]
--- no_error_log eval
[qr/^(?!.*\[debug\]).*pv-test-key-0042/]



=== TEST 10: no budget under phoneval_on_error reject: 503 with Retry-After, and no provider call
--- http_config
    phoneval_zone zone=pv:1m rate=1r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 503, 200]
--- response_headers_like eval
["", "Retry-After: (?:29\\d|300)\nContent-Type: application/json", ""]
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550143","status":"PENDING"}]}',
::call('+12095550142'),
]



=== TEST 11: field case H5: 60 contacts, rate=50r/300s, the provider answers RATE_LIMIT_EXCEEDED after 50 calls
50 verdicts and 10 PENDING, never more than 50 provider calls; a later
request gets no call either.
--- http_config
    phoneval_zone zone=pv:1m rate=50r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status          cf_S;
        phoneval_result          last_validated  cf_L;
        phoneval_result          confidence      cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n" . ::h5_body(),
"POST /contacts/\n{\"phone\":\"+16505550160\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::h5_fwd(),
::fwd('/contacts/', '{"phone":"+16505550160",' . ::cf('PENDING') . '}'),
qr{\A(?:/ok %2B165055501[0-4]\d cc= mode=extensive\n){50}\z},
qr/"phones":\{"PENDING":11,"VALID_CONFIRMED":50,"VALID_UNCONFIRMED":0,"INVALID":0\},"provider_calls":\{"ok":50,"delayed":0,"rate_limited":0,"key_invalid":0,"bad_answer":0,"http_error":0,"transport":0,"timeout":0\},"no_budget":11,/,
]



=== TEST 12: cache hits and locally INVALID phones cost no budget
--- http_config
    phoneval_zone zone=pv:1m rate=1r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n[{\"phone\":\"+12095550142\"},{\"phone\":\"+1 209 555 01ab\"},{\"phone\":\"12\"}]",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')),
::ex(::crm('/contacts/', '[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+1 209 555 01ab","customFields":[{"id":"cf_S","field_value":"INVALID"}]},{"phone":"12","customFields":[{"id":"cf_S","field_value":"INVALID"}]}]')),
qr/"no_budget":0,"cache":\{"hits":1,"misses":1,.*"budget":\{"rate":1,"period":300,"remaining":0,"blocked_seconds":0\}/,
]



=== TEST 13: when the zone's window ends, the budget is back
rate=1r/s: the second phone of the same second gets no call; a second
later it does.
--- http_config
    phoneval_zone zone=pv:1m rate=1r/s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_sleep1",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
"slept\n",
::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
::call('+12095550142') . ::call('+12095550143'),
]
--- timeout: 5



=== TEST 14: RATE_LIMIT_EXCEEDED under phoneval_on_error reject: 503 with the provider's Retry-After, then 503 without a call
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550146\"}",
"POST /contacts/\n[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[503, 503, 200]
--- response_headers_like eval
["Retry-After: 300", "Retry-After: (?:29\\d|300)", ""]
--- response_body eval
[
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550146","status":"PENDING"}]}',
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":0,"path":"[0].phone","input":"+12095550142","status":"PENDING"},{"index":1,"path":"[1].phone","input":"+12095550143","status":"PENDING"}]}',
::call('+12095550146'),
]



=== TEST 15: RATE_LIMIT_EXCEEDED without ratelimit_seconds under phoneval_on_error reject: the request that got it learns the block it started (the zone's window, 3600 s), not the default 30
--- http_config
    phoneval_zone zone=pv:1m rate=100r/1h;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550149\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[503, 503, 200]
--- response_headers_like eval
["Retry-After: (?:359\\d|3600)", "Retry-After: (?:359\\d|3600)", ""]
--- response_body eval
[
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550149","status":"PENDING"}]}',
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550142","status":"PENDING"}]}',
::call('+12095550149'),
]



=== TEST 16: a call shared by concurrent requests costs one unit of budget
rate=1r/300s; /fan sends two writes of the same number at once (the
provider answers after 0.5 s): both get the verdict from the one call.
--- http_config
    phoneval_zone zone=pv:1m rate=1r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv_slow;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /fan {
        echo_location_async /fan1;
        echo_location_async /fan2;
    }
    location = /fan1 {
        proxy_method POST;
        proxy_set_header Content-Type application/json;
        proxy_set_body '{"phone":"+12095550142"}';
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
    location = /fan2 {
        proxy_method POST;
        proxy_set_header Content-Type application/json;
        proxy_set_body '{"phone":"+1 209 555 0142"}';
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
--- request eval
[
"GET /fan",
"GET /_log/provider",
"GET /_status?format=json",
]
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
     . ::crm('/contacts/', '{"phone":"+1 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')),
::ex(::call('+12095550142', '', '/slow')),
qr/"provider_calls":\{"ok":1,.*"no_budget":0,.*"budget":\{"rate":1,"period":300,"remaining":0,"blocked_seconds":0\}/,
]



=== TEST 17: a huge ratelimit_seconds in RATE_LIMIT_EXCEEDED is clamped to a day: the stop holds, Retry-After is 86400
1e300 once became LONG_MAX and "now + LONG_MAX" wrapped, so the block never
took effect and Retry-After was 9223372036854775807.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550161\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[503, 503, 200, 200]
--- response_headers_like eval
["Retry-After: 86400\n", "Retry-After: (?:86400|8639\\d)\n", "", ""]
--- response_body_like eval
[
::ex('{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550161","status":"PENDING"}]}'),
::ex('{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550142","status":"PENDING"}]}'),
::ex(::call('+12095550161')),
qr/"no_budget":1,.*"blocked_seconds":(?:86400|8639\d)\}/,
]



=== TEST 18: a huge ratelimit_seconds with ratelimit_remain 0 on a verdict: no call until the (clamped) window ends
The string "99999999999999999999999" is a day; ratelimit_remain 1e300 on
the next answer is a million, not a wrapped count.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550162\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 503, 200]
--- response_headers_like eval
["", "Retry-After: (?:86400|8639\\d)\n", ""]
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550162","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550142","status":"PENDING"}]}',
::call('+12095550162'),
]



=== TEST 19: a huge ratelimit_remain is clamped, not wrapped: calls go on
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     1;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+12095550163\"},{\"phone\":\"+12095550142\"}]",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '[{"phone":"+12095550163","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}]'),
::call('+12095550163') . ::call('+12095550142'),
]



=== TEST 20: Retry-After is at most a day, also when the zone's own window is longer
--- http_config
    phoneval_zone zone=pv:1m rate=1r/30d;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 503, 200]
--- response_headers_like eval
["", "Retry-After: 86400\n", ""]
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550143","status":"PENDING"}]}',
::call('+12095550142'),
]



=== TEST 21: the provider's remainder counts the calls still in flight: "1 left" with another call out means none left
phoneval_concurrency 2: the calls for 0171 and 0172 start together; 0171
answers at once with ratelimit_remain 1 while 0172 (0.5 s) is still out,
so the account may have nothing left: 0173 gets no call.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv_bynum;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     2;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+12095550171\"},{\"phone\":\"+12095550172\"},{\"phone\":\"+12095550173\"}]",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '[{"phone":"+12095550171","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550172","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550173","customFields":[{"id":"cf_S","field_value":"PENDING"}]}]')),
::ex(::call('+12095550171', '', '/bynum') . ::call('+12095550172', '', '/bynum')),
qr/"provider_calls":\{"ok":2,.*"no_budget":1,/,
]



=== TEST 22: an answer that arrives last with a larger remainder gives back no calls in the same window
0172 (0.5 s, "5 left") and 0173 (at once, "0 left") start together: 0173
answers first and leaves none; 0172's "5 left" comes later but may have
been computed before 0173's call was counted, so the next request still
gets no call.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv_bynum;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     2;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+12095550172\"},{\"phone\":\"+12095550173\"}]",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '[{"phone":"+12095550172","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550173","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}]'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::call('+12095550173', '', '/bynum') . ::call('+12095550172', '', '/bynum'),
]



=== TEST 23: a call given up by phoneval_timeout no longer counts as in flight
The call for 0145 (0.5 s) is cancelled after 200 ms.  0171 then says "1
left": with nothing in flight that is one more call, for 0142 (whose own
"9999 left" in the same window gives nothing back), and 0143 gets none.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /slow/ {
        phoneval                 on;
        phoneval_pass            /_pv_slow;
        phoneval_api_key         pv-test-key-0042;
        phoneval_timeout         200ms;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /slow/\n{\"phone\":\"+12095550145\"}",
"POST /contacts/\n{\"phone\":\"+12095550171\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/slow/', '{"phone":"+12095550145","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::crm('/contacts/', '{"phone":"+12095550171","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
]
--- error_log
validation timed out after 200 ms with 1 of 1 provider calls unanswered



=== TEST 24: an answer whose window ends much later than the recorded one starts a new window: its remainder counts
0171 says "1 left, 300 s"; 0175 then says "50 left, 3000 s": that window
ends long after the first one plus phoneval_timeout, so it is a new window
and not the same one seen late.  0142 ("9999 left, 300 s", within the new
window) gets a call, as does 0144.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     1;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+12095550171\"},{\"phone\":\"+12095550175\"},{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550144\"}]",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '[{"phone":"+12095550171","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550175","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550144","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]}]'),
::call('+12095550171') . ::call('+12095550175') . ::call('+12095550142') . ::call('+12095550144'),
]

