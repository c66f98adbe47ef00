# Provider calls: what Byteplant receives (the form body, its order and
# escaping, nothing of the client's), how often it is called
# (phoneval_concurrency, one call per distinct number, one call shared by
# requests that want the same number at the same time), how every answer
# maps to a verdict, and how every fault (non-200, junk, oversized, cut
# short, refused, closed, slow) becomes PENDING instead of a failed
# request.
#
# The Byteplant mock logs each call it receives to logs/provider.log
# (method, URI, Content-Type, Content-Length, the client headers that must
# not reach it, and the form body); blocks fetch that log as a second
# request.  Calls to /sleep200 also go to logs/timing.log as "<end>
# <duration>", from which the largest number of calls in flight at once
# is computed, instead of timing the client.  Concurrent client requests
# are made by nginx itself: /fanout proxies two subrequests back to this
# server, 100 ms apart.

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(seen_mocks crm seen cf);

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

no_shuffle();
check_accum_error_log();

# The mocks every block gets in its http_config (seen_mocks() in
# t/inc/PhonevalMocks.pm, with more):
#   $TEST_NGINX_RAND_PORT_1  Byteplant: answers by the PhoneNumber in the form
#                            body; fault locations; logs what it received
#   $TEST_NGINX_RAND_PORT_2  the Contacts API: echoes exactly what it got
#   $TEST_NGINX_RAND_PORT_3  nobody listens there (connection refused)
our $Mocks = seen_mocks(
    # /mixed answers at once for +12095550142, after 1.5 s for the others
    maps => <<'_EOC_',
    map $request_body $pv_speed {
        default                        slow;
        ~PhoneNumber=%2B12095550142&   fast;
    }

_EOC_
    # /sleep200 also logs "<end> <duration>" to logs/timing.log
    log_formats => <<'_EOC_',
    log_format pv_time '$msec $request_time';
_EOC_
    # the fault locations, next to /ok
    provider => <<'_EOC_');
        location = /fixed {
            echo_read_request_body;
            echo '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        }
        location = /sleep200 {
            access_log logs/provider.log pv_seen;
            access_log logs/timing.log pv_time;
            echo_read_request_body;
            echo_sleep 0.2;
            echo $pv_answer;
        }
        location = /sleep500 {
            echo_read_request_body;
            echo_sleep 0.5;
            echo $pv_answer;
        }
        location = /slow {
            echo_read_request_body;
            echo_sleep 1.5;
            echo $pv_answer;
        }
        location = /mixed {
            echo_read_request_body;
            echo_exec /mixed/$pv_speed;
        }
        location = /mixed/fast {
            echo $pv_answer;
        }
        location = /mixed/slow {
            echo_sleep 1.5;
            echo $pv_answer;
        }
        location = /stall {
            echo_read_request_body;
            echo -n '{"status":';
            echo_flush;
            echo_sleep 1.5;
            echo '"VALID_CONFIRMED"}';
        }
        location = /depleted {
            echo_read_request_body;
            echo '{"status":"API_KEY_INVALID_OR_DEPLETED"}';
        }
        location = /e500 {
            return 500 '{"status":"VALID_CONFIRMED"}';
        }
        location = /e502 {
            return 502 '{"status":"VALID_CONFIRMED"}';
        }
        location = /empty {
            return 200 '';
        }
        location = /notjson {
            return 200 '<html><body>VALID_CONFIRMED</body></html>';
        }
        location = /huge {
            echo -n '{"status":"VALID_CONFIRMED","pad":"';
            echo_duplicate 1048576 'x';
            echo '"}';
        }
        location = /close {
            return 444;
        }
_EOC_

# a port for the embedded TCP mock (upstream Test::Nginx takes a number)
$ENV{TEST_NGINX_PV_TCP_PORT} ||= server_port() + 1;

# logs/timing.log holds "<end> <duration>" per provider call: the largest
# number of calls in flight at once, with 50 ms of slack at both ends
sub overlap {
    my ($log) = @_;
    my @calls = map { [ $_->[0] - $_->[1], $_->[0] ] }
                map { [ split ' ' ] } grep { /\S/ } split /\n/, $log;
    my $max = 0;
    for my $c (@calls) {
        my $t = $c->[0] + 0.05;
        my $n = grep { $_->[0] <= $t && $_->[1] - 0.05 > $t } @calls;
        $max = $n if $n > $max;
    }
    return "calls=" . @calls . " in_flight_max=$max\n";
}

# a bulk body of contacts with these phones, and the same annotated
sub bulk {
    return '{"contacts":[' . join(',', map { qq({"phone":"$_"}) } @_) . ']}';
}

sub bulk_cf {
    my ($status, @phones) = @_;
    return '{"contacts":['
           . join(',', map { qq({"phone":"$_") . cf($status) . '}' } @phones)
           . ']}';
}

# every block gets the mocks, and fails on [alert], [crit] and [emerg]
# unless it expects one, and on [error] unless it checks the error log
# itself
phoneval_preprocessor(http_config => $Mocks, error => 1);

run_tests();

__DATA__

=== TEST 1: the form body, in order, and nothing of the client's
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
Authorization: Bearer xyz
Cookie: a=b
X-Secret: s
--- request eval
["POST /contacts/\n" . '{"phone":"(209) 555-0142","country":"US"}',
 "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"(209) 555-0142","country":"US"' . ::cf('VALID_CONFIRMED') . '}'),
 ::seen('PhoneNumber=2095550142&CountryCode=US&Mode=extensive&Locale=en-US&Timeout=10&APIKey=pv-TESTKEY')]



=== TEST 2: express mode, a locale, Timeout clamped up to 5; a "+" number has no CountryCode
--- config
    location = /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         k;
        phoneval_default_country US;
        phoneval_check_mode      express;
        phoneval_locale          de-DE;
        phoneval_timeout         2s;
        phoneval_output          fields;
        phoneval_result          status st;
        phoneval_result          confidence conf;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+1 209 555 0143","country":"DE"}',
 "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+1 209 555 0143","country":"DE","st":"VALID_UNCONFIRMED","conf":60}'),
 ::seen('PhoneNumber=%2B12095550143&Mode=express&Locale=de-DE&Timeout=5&APIKey=k')]



=== TEST 3: Timeout clamped down to 300; the key is percent-encoded, never a parameter of its own
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key "k+y&Mode=z";
        phoneval_timeout 400s;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}'),
 ::seen('PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=300&APIKey=k%2By%26Mode%3Dz')]



=== TEST 4: the API key is in no URI, no error-log line at any level, no response
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key pv-SECRET-77c1d2;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/fixed;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- log_level: debug
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}'),
 ::seen('PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10&APIKey=pv-SECRET-77c1d2', '/fixed')]
--- error_log
phoneval call
--- no_error_log
SECRET-77c1d2



=== TEST 5: the key from a file stays secret on the error path too (503)
--- user_files
>>> pv.key
pv-FILEKEY-0d9e3f
--- config
    location = /contacts/ {
        phoneval              on;
        phoneval_pass         /_pv;
        phoneval_api_key_file $TEST_NGINX_HTML_DIR/pv.key;
        phoneval_on_error     reject;
        phoneval_result       status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e500;
    }
--- log_level: debug
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- error_code: 503
--- response_headers
Retry-After: 30
Content-Type: application/json
--- response_body chomp
{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550142","status":"PENDING"}]}
--- error_log
phoneval: provider answered HTTP 500, verdict PENDING
--- no_error_log
FILEKEY-0d9e3f



=== TEST 6: the same number five ways in one bulk body: one provider call, answered at once
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- timeout: 1
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . ::bulk('+1 209 555 0142', '+1 (209) 555-0142', '+1.209.555.0142',
                              '+12095550142 ext. 7', "\xef\xbc\x8b\xef\xbc\x91 209 555 0142"),
 "GET /_log/provider"]
--- response_body eval
[::crm(::bulk_cf('VALID_CONFIRMED', '+1 209 555 0142', '+1 (209) 555-0142', '+1.209.555.0142',
                 '+12095550142 ext. 7', "\xef\xbc\x8b\xef\xbc\x91 209 555 0142")),
 ::seen('PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k')]



=== TEST 7: two contacts sharing one phone: one provider call, answered at once
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- timeout: 1
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . ::bulk('+12095550142', '+12095550143', '+12095550142'),
 "GET /_log/provider"]
--- response_body eval
[::crm('{"contacts":[{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '},'
       . '{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '},'
       . '{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}]}'),
 ::seen('PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k')
 . ::seen('PhoneNumber=%2B12095550143&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k')]
--- response_body_filters eval
[[], [sub { CORE::join '', sort split /^/, $_[0] }]]
--- no_error_log
validation timed out



=== TEST 8: default phoneval_concurrency (8): eight slow calls all in flight at once
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/sleep200;
    }
    location = /_log/timing {
        alias logs/timing.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . ::bulk(map { "+1209555010$_" } 0 .. 7), "GET /_log/timing"]
--- response_body_filters eval
[[], [\&::overlap]]
--- response_body eval
[::crm(::bulk_cf('VALID_CONFIRMED', map { "+1209555010$_" } 0 .. 7)),
 "calls=8 in_flight_max=8\n"]



=== TEST 9: phoneval_concurrency 1: the calls never overlap
--- config
    location = /contacts/ {
        phoneval             on;
        phoneval_pass        /_pv;
        phoneval_api_key     k;
        phoneval_concurrency 1;
        phoneval_result      status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/sleep200;
    }
    location = /_log/timing {
        alias logs/timing.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . ::bulk(map { "+1209555010$_" } 0 .. 2), "GET /_log/timing"]
--- response_body_filters eval
[[], [\&::overlap]]
--- response_body eval
[::crm(::bulk_cf('VALID_CONFIRMED', map { "+1209555010$_" } 0 .. 2)),
 "calls=3 in_flight_max=1\n"]



=== TEST 10: phoneval_concurrency 3 with seven numbers: at most three in flight
--- config
    location = /contacts/ {
        phoneval             on;
        phoneval_pass        /_pv;
        phoneval_api_key     k;
        phoneval_concurrency 3;
        phoneval_result      status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/sleep200;
    }
    location = /_log/timing {
        alias logs/timing.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . ::bulk(map { "+1209555010$_" } 0 .. 6), "GET /_log/timing"]
--- response_body_filters eval
[[], [\&::overlap]]
--- response_body eval
[::crm(::bulk_cf('VALID_CONFIRMED', map { "+1209555010$_" } 0 .. 6)),
 "calls=7 in_flight_max=3\n"]



=== TEST 11: an HTTP/1.1 keepalive upstream to the provider: chunked answers, one connection
--- http_config
    upstream byteplant {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 2;
    }
--- config
    location = /contacts/ {
        phoneval             on;
        phoneval_pass        /_pv;
        phoneval_api_key     k;
        phoneval_concurrency 1;
        phoneval_result      status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_http_version 1.1;
        proxy_set_header   Connection "";
        proxy_pass http://byteplant/ok;
    }
--- log_level: debug
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . ::bulk('+12095550142', '+12095550143', '+12095550144')
--- response_body eval
::crm('{"contacts":[{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '},'
      . '{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '},'
      . '{"phone":"+12095550144"' . ::cf('INVALID') . '}]}')
--- grep_error_log eval
qr/http proxy header: "Transfer-Encoding: chunked"|get keepalive peer: using connection/
--- grep_error_log_out
http proxy header: "Transfer-Encoding: chunked"
get keepalive peer: using connection
http proxy header: "Transfer-Encoding: chunked"
get keepalive peer: using connection
http proxy header: "Transfer-Encoding: chunked"



=== TEST 12: VALID_CONFIRMED and INVALID: every result item
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_output  fields;
        phoneval_result  status st;
        phoneval_result  confidence conf;
        phoneval_result  line_type lt;
        phoneval_result  e164 e164;
        phoneval_result  country cc;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . ::bulk('+12095550142', '+12095550144')
--- response_body eval
::crm('{"contacts":['
      . '{"phone":"+12095550142","st":"VALID_CONFIRMED","conf":95,"lt":"MOBILE","e164":"+12095550142","cc":"US"},'
      . '{"phone":"+12095550144","st":"INVALID","conf":0,"lt":null,"e164":null,"cc":null}'
      . ']}')



=== TEST 13: DELAYED, RATE_LIMIT_EXCEEDED, API_KEY_INVALID_OR_DEPLETED and an unknown status: PENDING, forwarded
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_output  fields;
        phoneval_result  status st;
        phoneval_result  confidence conf;
        phoneval_result  last_validated at;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . ::bulk('+12095550145', '+12095550146', '+12095550147', '+12095550148')
--- response_body eval
::crm('{"contacts":['
      . CORE::join(',', map { qq({"phone":"+1209555014$_","st":"PENDING","conf":null,"at":null}) } 5 .. 8)
      . ']}')
--- error_log
phoneval: the provider answered API_KEY_INVALID_OR_DEPLETED
phoneval: provider answer not understood (UNKNOWN_STATUS), verdict PENDING



=== TEST 14: the same answers under phoneval_on_error reject: 503 listing every PENDING phone
Retry-After is the longest wait among them: the depleted key's 60 s
(RATE_LIMIT_EXCEEDED asked for 42 s, DELAYED for none).
--- config
    location = /contacts/ {
        phoneval          on;
        phoneval_pass     /_pv;
        phoneval_api_key  k;
        phoneval_on_error reject;
        phoneval_result   status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . ::bulk('+12095550142', '+12095550145', '+12095550146', '+12095550147', '+12095550148')
--- error_code: 503
--- response_headers
Retry-After: 60
--- response_body eval
'{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":['
. CORE::join(',', map { qq({"index":$_,"path":"contacts[$_].phone","input":"+1209555014) . ($_ + 4) . '","status":"PENDING"}' } 1 .. 4)
. ']}'
--- error_log
phoneval: the provider answered API_KEY_INVALID_OR_DEPLETED



=== TEST 15: provider answers 500: PENDING, the request is forwarded
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e500;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
phoneval: provider answered HTTP 500, verdict PENDING


=== TEST 16: provider answers 502: PENDING, the request is forwarded
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e502;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
phoneval: provider answered HTTP 502, verdict PENDING


=== TEST 17: provider answers HTML: PENDING
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/notjson;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
phoneval: provider answer not understood (BAD_ANSWER), verdict PENDING


=== TEST 18: provider answers an empty 200: PENDING
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/empty;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
phoneval: provider answer not understood (BAD_ANSWER), verdict PENDING


=== TEST 19: provider answers 1 MB: PENDING, the answer is not kept
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/huge;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
phoneval: provider answer is too big, verdict PENDING


=== TEST 20: provider closes the connection without an answer: PENDING
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/close;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
upstream prematurely closed connection
phoneval: provider call failed (502), verdict PENDING


=== TEST 21: provider refuses the connection: PENDING
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
connect() failed (111: Connection refused)
phoneval: provider call failed (502), verdict PENDING


=== TEST 22: an answer cut short of its Content-Length is not taken, even when it parses
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_PV_TCP_PORT/ok;
    }
--- tcp_listen eval
$ENV{TEST_NGINX_PV_TCP_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
. '{"status":"VALID_CONFIRMED"}'
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
upstream prematurely closed connection while reading upstream
phoneval: provider answer is incomplete, verdict PENDING



=== TEST 23: W4: a slow provider, phoneval_timeout 500ms, on_error pass: forwarded PENDING at once
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_timeout 500ms;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow;
    }
--- timeout: 1
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}')
--- error_log
phoneval: validation timed out after 500 ms with 1 of 1 provider calls unanswered



=== TEST 24: W4: the same under on_error reject: 503 with Retry-After
--- config
    location = /contacts/ {
        phoneval          on;
        phoneval_pass     /_pv;
        phoneval_api_key  k;
        phoneval_timeout  500ms;
        phoneval_on_error reject;
        phoneval_result   status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow;
    }
--- timeout: 1
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- error_code: 503
--- response_headers
Retry-After: 30
--- response_body chomp
{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550142","status":"PENDING"}]}
--- error_log
phoneval: validation timed out after 500 ms with 1 of 1 provider calls unanswered



=== TEST 25: W4: after the timeout the keepalive connection serves the next request at once
The provider takes 1.5 s; the first answer comes after 300 ms and the
client waits at most 800 ms between events, so the second answer must not
wait for the abandoned call.
--- config
    location = /contacts/slow {
        phoneval         on;
        phoneval_pass    /_pv_slow;
        phoneval_api_key k;
        phoneval_timeout 300ms;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv_slow {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- timeout: 0.8
--- more_headers
Content-Type: application/json
--- pipelined_requests eval
["POST /contacts/slow\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550143"}']
--- response_body eval
[::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}', '/contacts/slow'),
 ::crm('{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '}')]



=== TEST 26: W4: a provider that stalls mid-answer: PENDING at the timeout, the connection goes on
--- config
    location = /contacts/slow {
        phoneval         on;
        phoneval_pass    /_pv_stall;
        phoneval_api_key k;
        phoneval_timeout 300ms;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv_stall {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/stall;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- timeout: 0.8
--- more_headers
Content-Type: application/json
--- pipelined_requests eval
["POST /contacts/slow\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550143"}']
--- response_body eval
[::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}', '/contacts/slow'),
 ::crm('{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '}')]
--- error_log
phoneval: validation timed out after 300 ms with 1 of 1 provider calls unanswered



=== TEST 27: a call abandoned at the timeout never leaves its keepalive connection to the next call
--- http_config
    upstream byteplant {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 2;
    }
--- config
    location = /contacts/slow {
        phoneval         on;
        phoneval_pass    /_pv_stall;
        phoneval_api_key k;
        phoneval_timeout 300ms;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv_stall {
        internal;
        proxy_http_version 1.1;
        proxy_set_header   Connection "";
        proxy_pass http://byteplant/stall;
    }
    location = /_pv {
        internal;
        proxy_http_version 1.1;
        proxy_set_header   Connection "";
        proxy_pass http://byteplant/ok;
    }
--- timeout: 0.8
--- more_headers
Content-Type: application/json
--- pipelined_requests eval
["POST /contacts/slow\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550143"}']
--- response_body eval
[::crm('{"phone":"+12095550142"' . ::cf('PENDING') . '}', '/contacts/slow'),
 ::crm('{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '}')]



=== TEST 28: the timeout also ends calls still queued behind phoneval_concurrency
The first phone is answered at once, the second in 1.5 s, the third waits
behind it (phoneval_concurrency 1) when the 500 ms run out.
--- config
    location = /contacts/ {
        phoneval             on;
        phoneval_pass        /_pv;
        phoneval_api_key     k;
        phoneval_concurrency 1;
        phoneval_timeout     500ms;
        phoneval_result      status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/mixed;
    }
--- timeout: 1
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . ::bulk('+12095550142', '+12095550143', '+12095550144')
--- response_body eval
::crm('{"contacts":[{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '},'
      . '{"phone":"+12095550143"' . ::cf('PENDING') . '},'
      . '{"phone":"+12095550144"' . ::cf('PENDING') . '}]}')
--- error_log
phoneval: validation timed out after 500 ms with 2 of 3 provider calls unanswered



=== TEST 29: a depleted key: every phone PENDING, one [error] line for many answers
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/depleted;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . ::bulk('+12095550100', '+12095550101', '+12095550102'),
 "POST /contacts/\n" . ::bulk('+12095550103')]
--- response_body eval
[::crm(::bulk_cf('PENDING', '+12095550100', '+12095550101', '+12095550102')),
 ::crm(::bulk_cf('PENDING', '+12095550103'))]
--- grep_error_log eval
qr/\[error\] .*/
--- grep_error_log_out eval
qr/\A\[error\] [^\n]*phoneval: the provider answered API_KEY_INVALID_OR_DEPLETED: the API key is wrong or has no credits left; no calls for 60s[^\n]*\n\z/



=== TEST 30: a depleted key with a zone: one [error] line, and no more calls for a while
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/depleted;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . ::bulk('+12095550100', '+12095550101', '+12095550102'),
 "POST /contacts/\n" . ::bulk('+12095550103'),
 "GET /_log/provider"]
--- response_body eval
[::crm(::bulk_cf('PENDING', '+12095550100', '+12095550101', '+12095550102')),
 ::crm(::bulk_cf('PENDING', '+12095550103')),
 CORE::join('', map { ::seen("PhoneNumber=%2B1209555010$_&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k", '/depleted') } 0 .. 2)]
--- response_body_filters eval
[[], [], [sub { CORE::join '', sort split /^/, $_[0] }]]
--- grep_error_log eval
qr/\[error\] .*/
--- grep_error_log_out eval
qr/\A\[error\] [^\n]*phoneval: the provider answered API_KEY_INVALID_OR_DEPLETED: the API key is wrong or has no credits left; no calls for 60s[^\n]*\n\z/



=== TEST 31: RATE_LIMIT_EXCEEDED with a zone: 503 under reject, Retry-After from ratelimit_seconds
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location = /contacts/ {
        phoneval          on;
        phoneval_pass     /_pv;
        phoneval_api_key  k;
        phoneval_on_error reject;
        phoneval_result   status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550146"}',
 "POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- error_code eval
[503, 503, 200]
--- response_headers_like eval
["Retry-After: 42", "Retry-After: 4[12]", "Content-Type: text/plain"]
--- response_body eval
['{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550146","status":"PENDING"}]}',
 '{"statusCode":503,"message":"phone validation is unavailable, retry later","error":"Service Unavailable","phoneval":[{"index":null,"path":"phone","input":"+12095550142","status":"PENDING"}]}',
 ::seen('PhoneNumber=%2B12095550146&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k')]



=== TEST 32: two requests at once for one number: one provider call, shared
Two client requests (made by nginx itself, proxying the two halves of
/fanout back to this server) ask for the same number 100 ms apart; the
second waits for the first one's call.
--- config
    location = /fanout {
        echo_subrequest_async POST /_fwd_a -b '{"phone":"+12095550142","who":"a"}';
        echo_sleep 0.1;
        echo_subrequest_async POST /_fwd_b -b '{"phone":"+12095550142","who":"b"}';
    }
    location = /_fwd_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/a;
    }
    location = /_fwd_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/b;
    }
    location = /contacts/a {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/b {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/sleep500;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- log_level: debug
--- more_headers
Content-Type: application/json
--- request eval
["GET /fanout", "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142","who":"a"' . ::cf('VALID_CONFIRMED') . '}', '/contacts/a')
 . ::crm('{"phone":"+12095550142","who":"b"' . ::cf('VALID_CONFIRMED') . '}', '/contacts/b'),
 ::seen('PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k', '/sleep500')]
--- grep_error_log eval
qr/phoneval (?:call|shares a call): "[^"]+"/
--- grep_error_log_out
phoneval call: "+12095550142/e"
phoneval shares a call: "+12095550142/e"



=== TEST 33: the request that made the shared call times out: the waiting one asks the provider itself
--- config
    location = /fanout {
        echo_subrequest_async POST /_fwd_a -b '{"phone":"+12095550142","who":"a"}';
        echo_sleep 0.1;
        echo_subrequest_async POST /_fwd_b -b '{"phone":"+12095550142","who":"b"}';
    }
    location = /_fwd_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/a;
    }
    location = /_fwd_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/b;
    }
    location = /contacts/a {
        phoneval         on;
        phoneval_pass    /_pv_slow;
        phoneval_api_key k;
        phoneval_timeout 200ms;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/b {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv_slow {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/sleep500;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- log_level: debug
--- timeout: 1
--- more_headers
Content-Type: application/json
--- request
GET /fanout
--- response_body eval
::crm('{"phone":"+12095550142","who":"a"' . ::cf('PENDING') . '}', '/contacts/a')
. ::crm('{"phone":"+12095550142","who":"b"' . ::cf('VALID_CONFIRMED') . '}', '/contacts/b')
--- grep_error_log eval
qr/phoneval (?:call|shares a call): "[^"]+"/
--- grep_error_log_out
phoneval call: "+12095550142/e"
phoneval shares a call: "+12095550142/e"
phoneval call: "+12095550142/e"



=== TEST 34: the waiting request times out first: it stops waiting, the call still answers the other
--- config
    location = /fanout {
        echo_subrequest_async POST /_fwd_a -b '{"phone":"+12095550142","who":"a"}';
        echo_sleep 0.1;
        echo_subrequest_async POST /_fwd_b -b '{"phone":"+12095550142","who":"b"}';
    }
    location = /_fwd_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/a;
    }
    location = /_fwd_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/b;
    }
    location = /contacts/a {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/b {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_timeout 200ms;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/sleep500;
    }
--- log_level: debug
--- timeout: 1
--- more_headers
Content-Type: application/json
--- request
GET /fanout
--- response_body eval
::crm('{"phone":"+12095550142","who":"a"' . ::cf('VALID_CONFIRMED') . '}', '/contacts/a')
. ::crm('{"phone":"+12095550142","who":"b"' . ::cf('PENDING') . '}', '/contacts/b')
--- grep_error_log eval
qr/phoneval (?:call|shares a call): "[^"]+"|phoneval: validation timed out[^,]*/
--- grep_error_log_out
phoneval call: "+12095550142/e"
phoneval shares a call: "+12095550142/e"
phoneval: validation timed out after 200 ms with 1 of 1 provider calls unanswered
