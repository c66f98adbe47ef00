# Events (phoneval_notify, signed with phoneval_notify_secret, filtered by
# phoneval_notify_on) and follow-up tags (phoneval_tag, phoneval_tag_pass).
#
# Mocks (echo module): RAND_PORT_1 is the Byteplant mock (+12095550142
# VALID_CONFIRMED, +12095550100 INVALID, +12095550199 DELAYED, every call
# logged to logs/provider.log) and the event receiver, which
# logs every event with its signature header to logs/hook.log; RAND_PORT_2
# is the CRM upstream echoing the body it got.

use Test::Nginx::Socket 'no_plan';
use Digest::SHA ();
use lib 't/inc';
use PhonevalTest;

no_shuffle();
check_accum_error_log();

our $HttpConfig = <<'_EOC_';
    log_format timing '$request_method $request_uri $status $request_time';

    log_format hook escape=none
        '$request_method $request_uri ct=$content_type '
        'auth=$http_authorization sig=$http_x_phoneval_signature '
        'body=$request_body';

    map $request_body $answer {
        ~PhoneNumber=%2B12095550100&
            '{"status":"INVALID","ratelimit_remain":98,"ratelimit_seconds":200}';
        ~PhoneNumber=%2B12095550199&
            '{"status":"DELAYED"}';
        default
            '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;

        location /verify {
            access_log logs/provider.log hook;
            echo_read_request_body;
            echo $answer;
        }

        location /hook {
            access_log logs/hook.log hook;
            echo_read_request_body;
            echo ok;
        }

        location /hook_slow {
            echo_read_request_body;
            echo_sleep 3;
            echo late;
        }

        location /hook_500 {
            return 500;
        }

        location /hook_hang {
            echo_read_request_body;
            echo_sleep 10;
            echo late;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;

        location = /contacts/c_GONE {
            return 400 '{"statusCode":400,"message":"Contact with id c_GONE not found"}';
        }

        location / {
            echo_read_request_body;
            echo_sleep 0.1;
            echo "$request_method $request_uri";
            echo_request_body;
        }
    }
_EOC_

our $Locations = <<'_EOC_';
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY-0123;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }

    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/verify;
    }

    location = /_hook {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/hook;
    }

    location = /_hook_slow {
        internal;
        proxy_read_timeout 300ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/hook_slow;
    }

    location = /_hook_500 {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/hook_500;
    }

    location = /_tags {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/hook/contacts/$arg_id/tags;
    }

    location = /_log/hook {
        alias logs/hook.log;
_EOC_

# a block without http_config gets $HttpConfig; @LOCATIONS@ in its config
# stands for $Locations
phoneval_preprocessor(prepare => sub {
    my $block = shift;

    if (!defined $block->http_config) {
        $block->set_value('http_config', $HttpConfig);
    }

    if (defined $block->config) {
        my $config = $block->config;
        $config =~ s/\@LOCATIONS\@/$Locations/;
        $block->set_value('config', $config);
    }
});

# true when the logged signature is HMAC-SHA256("t.body") with the secret
sub signed_ok {
    my ($t, $v1, $body, $secret) = @_;
    return Digest::SHA::hmac_sha256_hex("$t.$body", $secret) eq $v1;
}

run_tests();

__DATA__

=== TEST 1: one event per request, with the verdicts and no other data
--- config
    location /contacts/ {
        phoneval_notify /_hook;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n"
 . '{"locationId":"loc_TEST","firstName":"Test","email":"t@example.com","phone":"+1 209 555 0142"}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/^POST \/contacts\//,
 qr{\APOST /hook ct=application/json auth= sig= body=\{"event":"phoneval\.validated","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","request_id":"[0-9a-f]{32}","method":"POST","uri":"/contacts/","contacts":\[\{"index":null,"id":null,"locationId":"loc_TEST","phone":"\+1 209 555 0142","e164":"\+12095550142","status":"VALID_CONFIRMED","line_type":"MOBILE","confidence":95,"cache":"MISS"\}\]\}\n\z}]



=== TEST 2: the signature is HMAC-SHA256 of "t.body" with the secret
--- config
    location /contacts/ {
        phoneval_notify /_hook;
        phoneval_notify_secret s3cret-for-tests;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}', "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[qr/^POST/,
 qr{\APOST /hook ct=application/json auth= sig=t=(\d+),v1=([0-9a-f]{64}) body=(\{.*\})\n\z(?(?{ main::signed_ok($1, $2, $3, 's3cret-for-tests') })|(*FAIL))}s]
--- no_error_log
s3cret-for-tests



=== TEST 3: bulk: every contact in one event, with its index
--- config
    location /contacts/ {
        phoneval_notify /_hook;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n"
 . '{"contacts":[{"phone":"+12095550142","locationId":"L1"},{"phone":"+12095550100"},{"firstName":"no phone"}]}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[qr/^POST/,
 qr{"contacts":\[\{"index":0,"id":null,"locationId":"L1","phone":"\+12095550142","e164":"\+12095550142","status":"VALID_CONFIRMED","line_type":"MOBILE","confidence":95,"cache":"MISS"\},\{"index":1,"id":null,"locationId":null,"phone":"\+12095550100","e164":"","status":"INVALID","line_type":"","confidence":0,"cache":"MISS"\}\]\}\n\z}]



=== TEST 4: phoneval_notify_on filters the verdicts
--- config
    location /contacts/ {
        phoneval_notify /_hook;
        phoneval_notify_on INVALID PENDING;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550100"}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[qr/^POST/, qr/^POST/,
 qr{\APOST /hook [^\n]*"status":"INVALID"[^\n]*\n\z}]



=== TEST 5: no event for a request rejected before validation
--- config
    location /contacts/ {
        phoneval_notify /_hook;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142",}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- response_body_like eval
[qr/invalid JSON/, qr/\A\z/]



=== TEST 6: a request rejected after validation still has its event
--- config
    location /contacts/ {
        phoneval_notify /_hook;
        phoneval_action reject;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550100"}', "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[422, 200]
--- response_body_like eval
[qr/"status":"INVALID"/, qr/"status":"INVALID"/]



=== TEST 7: a hanging receiver costs only a log line
--- config
    location /contacts/ {
        phoneval_notify /_hook_slow;
@LOCATIONS@
    }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: application/json
--- timeout: 2
--- response_body_like: ^POST /contacts/
--- wait: 0.5
--- error_log
phoneval: "/_hook_slow" failed without an answer
the event or tags were not delivered



=== TEST 8: a failing receiver costs only a log line
--- config
    location /contacts/ {
        phoneval_notify /_hook_500;
@LOCATIONS@
    }
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- more_headers
Content-Type: application/json
--- response_body_like: ^POST /contacts/
--- wait: 0.2
--- error_log
phoneval: "/_hook_500" answered 500



=== TEST 9: create: tags merged into the body, others untouched
--- config
    location /contacts/ {
        phoneval_tag VALID_CONFIRMED phone-ok;
        phoneval_tag VALID_CONFIRMED sms-ready;
        phoneval_tag INVALID phone-bad;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142","tags":["vip","sms-ready"]}',
 "POST /contacts/\n" . '{"phone":"+12095550100"}']
--- more_headers
Content-Type: application/json
--- response_body eval
["POST /contacts/\n"
 . '{"phone":"+12095550142","tags":["vip","sms-ready","phone-ok"],"customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}',
 "POST /contacts/\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}],"tags":["phone-bad"]}']



=== TEST 10: upsert: only a tags array the client sent is extended
--- config
    location /contacts/ {
        phoneval_tag INVALID phone-bad;
@LOCATIONS@
    }
--- request eval
["POST /contacts/upsert\n" . '{"phone":"+12095550100"}',
 "POST /contacts/upsert\n" . '{"phone":"+12095550100","tags":["lead"]}']
--- more_headers
Content-Type: application/json
--- response_body eval
["POST /contacts/upsert\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}',
 "POST /contacts/upsert\n"
 . '{"phone":"+12095550100","tags":["lead","phone-bad"],"customFields":[{"id":"cf_S","field_value":"INVALID"}]}']



=== TEST 11: PUT never touches tags in the body; they go to /contacts/:id/tags
--- config
    location /contacts/ {
        phoneval_tag VALID_CONFIRMED phone-ok;
        phoneval_tag_pass /_tags;
@LOCATIONS@
    }
--- request eval
["PUT /contacts/c_FAKE1\n" . '{"phone":"+12095550142","tags":["replaces-all"]}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
Authorization: Bearer pit-test
Version: 2021-07-28
--- response_body eval
["PUT /contacts/c_FAKE1\n"
 . '{"phone":"+12095550142","tags":["replaces-all"],"customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}',
 "POST /hook/contacts/c_FAKE1/tags ct=application/json auth=Bearer pit-test sig= body={\"tags\":[\"phone-ok\"]}\n"]



=== TEST 12: no tags call when the Contacts API refused the PUT
--- config
    location /contacts/ {
        phoneval_tag VALID_CONFIRMED phone-ok;
        phoneval_tag_pass /_tags;
@LOCATIONS@
    }
--- request eval
["PUT /contacts/c_GONE\n" . '{"phone":"+12095550142"}', "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- response_body eval
['{"statusCode":400,"message":"Contact with id c_GONE not found"}', ""]



=== TEST 13: an unknown verdict in phoneval_notify_on
--- config
    location /contacts/ {
        phoneval_notify_on MAYBE;
    }
--- must_die
--- error_log
unknown verdict "MAYBE"



=== TEST 14: a long locationId fits the event
--- config
    location /contacts/ {
        phoneval_notify /_hook;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n" . '{"phone":"x","locationId":"' . ('L' x 5000) . '"}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/^POST \/contacts\//,
 qr/"locationId":"L{5000}","phone":"x","e164":"","status":"INVALID"/]



=== TEST 15: an internal redirect does not validate or notify twice
--- config
    location /contacts/ {
        phoneval_notify /_hook;
        error_page 502 = @fallback;
        proxy_connect_timeout 1s;
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY-0123;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }

    location @fallback {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY-0123;
        phoneval_result status cf_S;
        phoneval_notify /_hook;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }

    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/verify;
    }

    location = /_hook {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/hook;
    }

    location = /_log/hook {
        alias logs/hook.log;
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}', "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/\APOST \/contacts\/\n\{"phone":"\+12095550142","customFields":\[\{"id":"cf_S","field_value":"VALID_CONFIRMED"\}\]\}\z/,
 qr/\APOST \/hook [^\n]*\n\z/]
--- error_log
connect() failed (111: Connection refused)




=== TEST 16: upsert as the Contacts API's router sees it: any case, a trailing slash, a query, an escape; only the client's tags array is extended
Express and NestJS (HighLevel) route case-insensitively and with an
optional trailing slash, so each of these is an upsert there: no "tags"
member is added (it would replace the stored tags).  /contacts/upserts
and /contacts/xupsert are not upserts: they get the member.
--- config
    location /contacts/ {
        phoneval_tag INVALID phone-bad;
@LOCATIONS@
    }
--- request eval
["POST /contacts/upsert/\n" . '{"phone":"+12095550100"}',
 "POST /contacts/Upsert\n" . '{"phone":"+12095550100"}',
 "POST /contacts/UPSERT/?locationId=loc_1\n" . '{"phone":"+12095550100"}',
 "POST /contacts/%75psert\n" . '{"phone":"+12095550100"}',
 "POST /contacts/upSert/\n" . '{"phone":"+12095550100","tags":["lead"]}',
 "POST /contacts/upserts\n" . '{"phone":"+12095550100"}',
 "POST /contacts/xupsert\n" . '{"phone":"+12095550100"}']
--- more_headers
Content-Type: application/json
--- response_body eval
["POST /contacts/upsert/\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}',
 "POST /contacts/Upsert\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}',
 "POST /contacts/UPSERT/?locationId=loc_1\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}',
 "POST /contacts/%75psert\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}]}',
 "POST /contacts/upSert/\n"
 . '{"phone":"+12095550100","tags":["lead","phone-bad"],"customFields":[{"id":"cf_S","field_value":"INVALID"}]}',
 "POST /contacts/upserts\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}],"tags":["phone-bad"]}',
 "POST /contacts/xupsert\n"
 . '{"phone":"+12095550100","customFields":[{"id":"cf_S","field_value":"INVALID"}],"tags":["phone-bad"]}']



=== TEST 17: PUT /contacts/:id: the contact in the event carries the id from the URI
--- config
    location /contacts/ {
        phoneval_notify /_hook;
@LOCATIONS@
    }
--- request eval
["PUT /contacts/c_PUT7\n"
 . '{"locationId":"loc_TEST","firstName":"Test","phone":"+1 209 555 0142"}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/\APUT \/contacts\/c_PUT7\n\{"locationId":"loc_TEST","firstName":"Test","phone":"\+1 209 555 0142","customFields":\[\{"id":"cf_S","field_value":"VALID_CONFIRMED"\}\]\}\z/,
 qr{\APOST /hook ct=application/json auth= sig= body=\{"event":"phoneval\.validated","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","request_id":"[0-9a-f]{32}","method":"PUT","uri":"/contacts/c_PUT7","contacts":\[\{"index":null,"id":"c_PUT7","locationId":"loc_TEST","phone":"\+1 209 555 0142","e164":"\+12095550142","status":"VALID_CONFIRMED","line_type":"MOBILE","confidence":95,"cache":"MISS"\}\]\}\n\z}]



=== TEST 18: the same number again: "cache":"HIT" in the second event, one provider call
--- http_config eval
$::HttpConfig . "    phoneval_zone zone=pv:1m;\n"
--- config
    location /contacts/ {
        phoneval_notify /_hook;
        phoneval_cache pv;
@LOCATIONS@
    }

    location = /_log/provider {
        alias logs/provider.log;
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+1 (209) 555-0142"}',
 "GET /_log/hook",
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[qr/\APOST \/contacts\/\n\{"phone":"\+12095550142","customFields":\[\{"id":"cf_S","field_value":"VALID_CONFIRMED"\}\]\}\z/,
 qr/\APOST \/contacts\/\n\{"phone":"\+1 \(209\) 555-0142","customFields":\[\{"id":"cf_S","field_value":"VALID_CONFIRMED"\}\]\}\z/,
 qr{\APOST /hook ct=application/json auth= sig= body=\{"event":"phoneval\.validated","time":"[^"]+","request_id":"[0-9a-f]{32}","method":"POST","uri":"/contacts/","contacts":\[\{"index":null,"id":null,"locationId":null,"phone":"\+12095550142","e164":"\+12095550142","status":"VALID_CONFIRMED","line_type":"MOBILE","confidence":95,"cache":"MISS"\}\]\}
POST /hook ct=application/json auth= sig= body=\{"event":"phoneval\.validated","time":"[^"]+","request_id":"[0-9a-f]{32}","method":"POST","uri":"/contacts/","contacts":\[\{"index":null,"id":null,"locationId":null,"phone":"\+1 \(209\) 555-0142","e164":"\+12095550142","status":"VALID_CONFIRMED","line_type":"MOBILE","confidence":95,"cache":"HIT"\}\]\}
\z},
 qr{\APOST /verify ct=application/x-www-form-urlencoded auth= sig= body=PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10&APIKey=pv-TESTKEY-0123\n\z}]



=== TEST 19: a PENDING verdict (the provider answered DELAYED) has its event: e164 and line_type empty, confidence null
--- config
    location /contacts/ {
        phoneval_notify /_hook;
@LOCATIONS@
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+1 209 555 0199","locationId":"loc_P"}',
 "GET /_log/hook"]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/\APOST \/contacts\/\n\{"phone":"\+1 209 555 0199","locationId":"loc_P","customFields":\[\{"id":"cf_S","field_value":"PENDING"\}\]\}\z/,
 qr{\APOST /hook ct=application/json auth= sig= body=\{"event":"phoneval\.validated","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","request_id":"[0-9a-f]{32}","method":"POST","uri":"/contacts/","contacts":\[\{"index":null,"id":null,"locationId":"loc_P","phone":"\+1 209 555 0199","e164":"","status":"PENDING","line_type":"","confidence":null,"cache":"MISS"\}\]\}\n\z}]



=== TEST 20: no event for a request rejected before validation: 413 (too many phones)
--- config
    location /contacts/ {
        phoneval_notify /_hook;
        phoneval_max_phones 2;
@LOCATIONS@
    }

    location = /_log/provider {
        alias logs/provider.log;
    }
--- request eval
["POST /contacts/\n"
 . '{"contacts":[{"phone":"+12095550142"},{"phone":"+12095550100"},{"phone":"+12095550143"}]}',
 "GET /_log/hook",
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- error_code eval
[413, 200, 200]
--- response_body eval
['{"statusCode":413,"message":"too many phones: 3, at most 2 per request","error":"Request Entity Too Large"}',
 "",
 ""]



=== TEST 21: no event for a request rejected before validation: 415 (not JSON)
--- config
    location /contacts/ {
        phoneval_notify /_hook;
@LOCATIONS@
    }

    location = /_log/provider {
        alias logs/provider.log;
    }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/hook",
 "GET /_log/provider"]
--- more_headers
Content-Type: text/plain
--- error_code eval
[415, 200, 200]
--- response_body eval
['{"statusCode":415,"message":"Content-Type must be application/json or application/*+json","error":"Unsupported Media Type"}',
 "",
 ""]



=== TEST 22: a hanging receiver: the keep-alive connection's next request waits only for the receiver location's proxy_read_timeout
The event subrequest holds the main request until it ends, so the
pipelined GET is served once /_hook_hang times out (500ms), not when the
receiver would answer (10s; the client gives up after 3s).  The first
request's $request_time, logged when it is freed, is that bound.
--- config
    location /contacts/ {
        phoneval_notify /_hook_hang;
        access_log logs/timing.log timing;
@LOCATIONS@
    }

    location = /_hook_hang {
        internal;
        proxy_connect_timeout 500ms;
        proxy_read_timeout 500ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/hook_hang;
    }

    location = /_log/timing {
        alias logs/timing.log;
    }
--- pipelined_requests eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/timing"]
--- more_headers
Content-Type: application/json
--- timeout: 3
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/\APOST \/contacts\/\n\{"phone":"\+12095550142","customFields":\[\{"id":"cf_S","field_value":"VALID_CONFIRMED"\}\]\}\z/,
 qr/\APOST \/contacts\/ 200 (?:0\.(?:4[5-9]|[5-9]\d)\d|1\.\d{3})\n\z/]
--- error_log eval
[qr/\[error\] \d+#\d+: \*\d+ upstream timed out \(110: Connection timed out\) while reading response header from upstream, client: 127\.0\.0\.1, server: localhost, request: "POST \/contacts\/ HTTP\/1\.1", subrequest: "\/_hook_hang", upstream: "http:\/\/127\.0\.0\.1:\d+\/hook_hang"/,
 qr/\[warn\] \d+#\d+: \*\d+ phoneval: "\/_hook_hang" failed without an answer \(rc 504\); the event or tags were not delivered/]
