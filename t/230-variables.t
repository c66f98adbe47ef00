# Issue 4, log variables: $phoneval_status (the verdict, MIXED for bulk
# with several, SKIPPED, ERROR), $phoneval_phones, $phoneval_cache (HIT,
# MISS, PARTIAL, BYPASS) and $phoneval_time (ms spent validating), in a
# log_format; the access log is read back through /_log/pv.
#
#   prove -I t/lib t/230-variables.t

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalZone;       # the mocks, /_pv & co., cf fwd ex call crm filler

no_shuffle();

phoneval_preprocessor(prepare => \&zone_mocks);

run_tests();

__DATA__

=== TEST 1: the four variables in a log_format, request by request
--- http_config
    phoneval_zone zone=pv:1m;
    log_format pv_vars '$request_method $uri $status status=$phoneval_status phones=$phoneval_phones cache=$phoneval_cache time=$phoneval_time';
--- config
    access_log logs/pv.log pv_vars;

    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /nocache/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           off;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /reject/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_action          reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /strict/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /small/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_max_phones      2;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /plain/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /as-text {
        proxy_set_header Content-Type text/plain;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+1 209 555 0142\"}",
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]}",
"POST /contacts/\n[{\"phone\":\"+12095550143\"},{\"phone\":\"+1 209 555 0143\"}]",
"POST /contacts/\n{\"firstName\":\"Test\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"",
"GET /contacts/",
"POST /nocache/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550145\"}",
"POST /contacts/\n[{\"phone\":\"+12095550142\"},{\"phone\":null}]",
"POST /reject/\n{\"phone\":\"+12095550143\"}",
"POST /strict/\n{\"phone\":\"+12095550145\"}",
"POST /small/\n[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"},{\"phone\":\"+12095550144\"}]",
"POST /plain/\n{\"phone\":\"+12095550142\"}",
"POST /as-text\n{\"phone\":\"+12095550142\"}",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200, 200, 400, 200, 200, 200, 200, 422, 503, 413, 200, 415, 200]
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr/"INVALID"/,
qr/"INVALID"/,
qr/"firstName"/,
qr/"statusCode":400/,
qr/\AGET \/contacts\/ /,
qr/"VALID_CONFIRMED"/,
qr/"PENDING"/,
qr/"VALID_CONFIRMED"/,
qr/"statusCode":422/,
qr/"statusCode":503/,
qr/"statusCode":413/,
qr/\APOST \/plain\/ cl=24 /,
qr/"statusCode":415/,
do {
    my $t = '(?:0|[1-9]\d*)';
    my @l = (
        "POST /contacts/ 200 status=VALID_CONFIRMED phones=1 cache=MISS time=T",
        "POST /contacts/ 200 status=VALID_CONFIRMED phones=1 cache=HIT time=T",
        "POST /contacts/ 200 status=MIXED phones=2 cache=PARTIAL time=T",
        "POST /contacts/ 200 status=INVALID phones=2 cache=HIT time=T",
        "POST /contacts/ 200 status=SKIPPED phones=0 cache=BYPASS time=T",
        "POST /contacts/ 400 status=ERROR phones=0 cache=BYPASS time=T",
        "GET /contacts/ 200 status=- phones=- cache=- time=-",
        "POST /nocache/ 200 status=VALID_CONFIRMED phones=1 cache=BYPASS time=T",
        "POST /contacts/ 200 status=PENDING phones=1 cache=MISS time=T",
        "POST /contacts/ 200 status=VALID_CONFIRMED phones=1 cache=HIT time=T",
        "POST /reject/ 422 status=INVALID phones=1 cache=HIT time=T",
        "POST /strict/ 503 status=PENDING phones=1 cache=MISS time=T",
        "POST /small/ 413 status=ERROR phones=3 cache=BYPASS time=T",
        "POST /plain/ 200 status=- phones=- cache=- time=-",
        "POST /contacts/ 415 status=SKIPPED phones=0 cache=BYPASS time=T",
        "POST /as-text 415 status=- phones=- cache=- time=-",
    );
    my $re = CORE::join('', map { my $x = quotemeta("$_\n"); $x =~ s/T(?=\\\n)/$t/; $x } @l);
    qr/\A$re\z/;
},
]



=== TEST 2: $phoneval_time counts the milliseconds spent validating (a 0.5 s provider)
--- http_config
    phoneval_zone zone=pv:1m;
    log_format pv_vars '$uri $phoneval_status $phoneval_cache $phoneval_time';
--- config
    location /contacts/ {
        access_log logs/pv.log pv_vars;
        phoneval                 on;
        phoneval_pass            /_pv_slow;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr{\A/contacts/ VALID_CONFIRMED MISS (?:[5-9]\d\d|[1-4]\d\d\d)\n/contacts/ VALID_CONFIRMED HIT (?:\d|[1-9]\d)\n\z},
]



=== TEST 3: the variables work in add_header of the proxied response
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        add_header X-Phoneval "$phoneval_status $phoneval_phones $phoneval_cache";
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550144\"}]}",
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550144\"}]}",
]
--- more_headers
Content-Type: application/json
--- response_headers eval
["X-Phoneval: MIXED 2 MISS", "X-Phoneval: MIXED 2 HIT"]
--- response_body_like eval
[qr/"VALID_UNCONFIRMED"/, qr/"VALID_UNCONFIRMED"/]



=== TEST 4: the documented example access-log line (docs/operations.md, Variables)
--- http_config
    phoneval_zone zone=pv:1m;
    log_format phoneval '$remote_addr [$time_local] "$request" $status '
                        'pv=$phoneval_status phones=$phoneval_phones '
                        'cache=$phoneval_cache pv_ms=$phoneval_time '
                        'rt=$request_time';
--- config
    location /contacts/ {
        access_log logs/pv.log phoneval;
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
"POST /contacts/\n[{\"phone\":\"+12095550142\"},{\"phone\":\"+1 209 555 01ab\"}]",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"INVALID"/,
qr{\A127\.0\.0\.1 \[\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "POST /contacts/ HTTP/1\.1" 200 pv=VALID_CONFIRMED phones=1 cache=MISS pv_ms=\d+ rt=\d+\.\d{3}\n127\.0\.0\.1 \[[^\]]+\] "POST /contacts/ HTTP/1\.1" 200 pv=MIXED phones=2 cache=HIT pv_ms=\d+ rt=\d+\.\d{3}\n\z},
]



=== TEST 5: the API key is in no variable: everything a main request or a provider call usually logs, the response headers and the status page (the one exception, $request_body inside the provider location, is documented)
--- http_config
    phoneval_zone zone=pv:1m;
    log_format pv_all '$request|$request_uri|$uri|$args|$request_body|$http_authorization|$http_cookie|$phoneval_status|$phoneval_phones|$phoneval_cache|$upstream_addr|$upstream_status|$sent_http_x_pv';
    log_format pv_call 'call $request|$request_uri|$uri|$args|$is_args|$query_string|$content_length|$content_type|$http_authorization|$http_cookie|$phoneval_status|$upstream_status';
--- config
    location /contacts/ {
        access_log logs/pv.log pv_all;
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-KEYVAR-5e71a0;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        add_header X-Pv "$phoneval_status $phoneval_phones $phoneval_cache $phoneval_time";
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        log_subrequest on;
        access_log logs/pv.log pv_call;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- log_level: info
--- more_headers
Content-Type: application/json
Authorization: Bearer client-token
Cookie: s=client-cookie
--- request eval
[
"POST /contacts/?a=1\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n[{\"phone\":\"+12095550143\"},{\"phone\":\"+12095550145\"}]",
"GET /_status",
"GET /_log/pv",
]
--- response_headers_like eval
["X-Pv: VALID_CONFIRMED 1 MISS \\d+", "X-Pv: MIXED 2 MISS \\d+",
 "Content-Type: text/plain.*", "Content-Type: .*"]
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"PENDING"/,
qr/\A(?!.*KEYVAR).*phoneval_provider_calls_total/s,
do {
    my $call = 'call POST \/contacts\/(\?a=1)? HTTP\/1\.1\|\/contacts\/(\?a=1)?\|\/_pv\|-\|\|-\|\d+\|application\/x-www-form-urlencoded\|-\|-\|SKIPPED\|200\n';
    qr/\A(?!.*KEYVAR)${call}POST \/contacts\/\?a=1 HTTP\/1\.1\|\/contacts\/\?a=1\|\/contacts\/\|a=1\|\{\\x22phone\\x22:\\x22\+12095550142\\x22,[^|\n]*\|Bearer client-token\|s=client-cookie\|VALID_CONFIRMED\|1\|MISS\|127\.0\.0\.1:\d+\|200\|VALID_CONFIRMED 1 MISS \d+\n(?:$call){2}POST \/contacts\/ HTTP\/1\.1\|\/contacts\/\|\/contacts\/\|-\|[^|\n]*\|Bearer client-token\|s=client-cookie\|MIXED\|2\|MISS\|127\.0\.0\.1:\d+\|200\|MIXED 2 MISS \d+\n\z/s;
},
]
--- no_error_log
KEYVAR
