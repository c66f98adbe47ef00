# Clients that go away: mid-body, mid-validation (HTTP/1.1 and HTTP/2),
# and a body that never finishes.  After each: no [alert] / [crit] /
# [emerg] (the master process is on, so a crashed worker would show up as
# an [alert] "exited on signal"), no provider call for a body that was
# never complete, the provider call of an abandoned validation finishes
# and is accounted for, the Contacts API never receives a write whose
# client is gone, and the same nginx goes on serving: a following request
# is validated and forwarded, and the zone's counters are what they should
# be.
#
# Two kinds of client:
# - the harness itself with --- abort (it closes its socket when
#   --- timeout expires) and --- ignore_response.  A block like that can
#   hold one request only, so what happened is read from the logs: every
#   mock, and the main server, writes its access log into logs/error.log
#   as one line "ACCESS|PROVIDER|CRM ..." (status, $phoneval_status, the
#   body received), which --- error_log / --- no_error_log can match in
#   any Test::Nginx.
# - nginx itself, for blocks that go on with more requests: /client/...
#   locations proxy the request back to this server and give up after
#   proxy_read_timeout (200 ms), closing the connection, exactly as a
#   client that times out.  Their own answer (504, or 502 when the server
#   side closes first) is checked like any response.  Test::Nginx checks
#   --- error_log after each request (here, with check_accum_error_log(),
#   on the log so far), so it only holds what the first request has
#   logged by its answer; what the later requests log is checked in the
#   body of a last request, GET /_log/error, which returns the whole log
#   (log_has() below).
# - for HTTP/2, a raw client in --- raw_request (h2_* below: prior
#   knowledge, on a 127.0.0.1 listen with the http2 flag that the block
#   adds next to the harness's own), so that it can close the connection
#   or reset one stream at an exact moment and go on with other streams.
#   (curl cannot reset a stream and keep the connection; and the bundled
#   harness does not pass the block's timeout to curl as --max-time, so
#   an HTTP/2 "--- timeout" there ends curl only 1-2 s later.)
#
# Mocks: $TEST_NGINX_RAND_PORT_1 Byteplant (/ok at once, /slow after 1 s,
# both VALID_CONFIRMED for +12095550142, VALID_UNCONFIRMED for
# +12095550143); $TEST_NGINX_RAND_PORT_2 the Contacts API, echoing what it
# received.

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(crm cf);

no_shuffle();
check_accum_error_log();
master_on();
workers(1);

our $Mocks = <<'_EOC_';
    phoneval_zone zone=pv:1m;

    # a request is logged before its connection closes
    lingering_close off;

    log_format pv_access   'ACCESS $request_method $request_uri $status pv=$phoneval_status cache=$phoneval_cache';
    log_format pv_provider 'PROVIDER $request_method $request_uri $status body=$request_body';
    log_format pv_crm      'CRM $request_method $request_uri $status body=$request_body';

    access_log logs/error.log pv_access;

    map $request_body $pv_answer {
        default                        '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=%2B12095550143&   '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 209-555-0143"}';
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/error.log pv_provider;

        location = /ok {
            echo_read_request_body;
            echo $pv_answer;
        }
        location = /slow {
            echo_read_request_body;
            echo_sleep 1;
            echo $pv_answer;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        access_log logs/error.log pv_crm;

        location / {
            echo_read_request_body;
            echo "$request_method $request_uri cl=$http_content_length te=$http_transfer_encoding";
            echo_request_body;
        }
    }
_EOC_

# the locations every block gets in its config
our $Locations = <<'_EOC_';
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_cache   pv;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/slow {
        phoneval         on;
        phoneval_pass    /_pv_slow;
        phoneval_api_key k;
        phoneval_cache   pv;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_pv_slow {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/slow;
    }
    location = /phoneval_status {
        phoneval_status;
    }
    # answers after 1.1 s: by then an abandoned 1 s provider call is over
    location = /pause {
        echo_sleep 1.1;
        echo paused;
    }
    # the whole error log, for a block's last request
    location = /_log/error {
        alias logs/error.log;
    }
_EOC_

# for the body of GET /_log/error: each of @lines (a substring, or a qr//)
# is in the log, in any order, as --- error_log would check it
sub log_has {
    my $re = join '', map { ref $_ ? "(?=[\\s\\S]*$_)" : "(?=[\\s\\S]*\Q$_\E)" } @_;
    return qr/\A$re/;
}

# phoneval_status?format=json, the counters that matter here: requests by
# outcome, phones by verdict, provider calls by result, cache hits/misses
sub counters {
    my (%c) = @_;
    my $req = join ',', map { qq("$_":) . ($c{$_} // 0) }
                        qw(annotated unchanged rejected unavailable bad_request);
    my $ph = join ',', map { qq("$_":) . ($c{$_} // 0) }
                       qw(PENDING VALID_CONFIRMED VALID_UNCONFIRMED INVALID);
    my $calls = join ',', map { qq("$_":) . ($c{"call_$_"} // 0) }
                          qw(ok delayed rate_limited key_invalid bad_answer http_error transport timeout);
    my $re = '\A\{"zones":\{"pv":\{"requests":\{' . quotemeta($req) . '\},'
           . '"phones":\{' . quotemeta($ph) . '\},'
           . '"provider_calls":\{' . quotemeta($calls) . '\},'
           . '"no_budget":0,'
           . '"cache":\{"hits":' . ($c{hits} // 0) . ',"misses":' . ($c{misses} // 0) . ',';
    return qr/$re/;
}

# a raw HTTP/2 client (prior knowledge), for --- raw_request: frames,
# HPACK literal header fields without indexing (new names, no Huffman),
# and a POST of a JSON body on one stream
sub h2_frame {
    my ($type, $flags, $stream, $payload) = @_;
    return substr(pack('N', length $payload), 1)
           . pack('CCN', $type, $flags, $stream) . $payload;
}

sub h2_post {
    my ($stream, $path, $body) = @_;
    my @h = (':method' => 'POST', ':scheme' => 'http', ':path' => $path,
             ':authority' => 'localhost', 'content-type' => 'application/json',
             'content-length' => length $body);
    my $block = '';
    while (my ($n, $v) = splice @h, 0, 2) {
        $block .= pack('CC', 0, length $n) . $n . pack('C', length $v) . $v;
    }
    return h2_frame(1, 0x4, $stream, $block)       # HEADERS, END_HEADERS
           . h2_frame(0, 0x1, $stream, $body);      # DATA, END_STREAM
}

# the connection preface and an empty SETTINGS frame
sub h2_start {
    return "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" . h2_frame(4, 0, 0, '');
}

sub h2_rst_cancel {
    return h2_frame(3, 0, $_[0], pack('N', 8));
}

sub h2_ping {
    return h2_frame(6, 0, 0, 'pingpong');
}

# every block gets the mocks and the locations, and fails on [alert],
# [crit] and [emerg], on top of its own list
phoneval_preprocessor(http_config => $Mocks, config => $Locations);

run_tests();

__DATA__

=== TEST 1: the client sends half the body and closes: 400, no provider call
Content-Length announces 100 bytes, 24 arrive, the client gives up after
200 ms.  nginx ends the request when it reads the end of the connection.
--- config
--- raw_request eval
"POST /contacts/ HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Content-Length: 100\r
Connection: close\r
\r
" . '{"phone":"+12095550142"}'
--- timeout: 200ms
--- abort
--- ignore_response
--- wait: 0.1
--- error_log
client prematurely closed connection, client: 127.0.0.1, server: localhost, request: "POST /contacts/ HTTP/1.1"
ACCESS POST /contacts/ 400 pv=- cache=-
--- no_error_log
PROVIDER
CRM
phoneval call
[error]



=== TEST 2: the same with nginx as the client, then a normal request: validated; nothing counted for the broken one
--- config
    location = /client/half_body {
        # the headers and 24 of the 100 bytes announced, then it gives up
        proxy_set_header   Content-Length 100;
        proxy_read_timeout 200ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /client/half_body\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550143"}',
 "GET /phoneval_status?format=json",
 "GET /_log/error"]
--- error_code eval
[504, 200, 200, 200]
--- response_body_like eval
[qr/504 Gateway Time-out/,
 qr/\A\Q${\ ::crm('{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '}')}\E\z/,
 ::counters(annotated => 1, VALID_UNCONFIRMED => 1, call_ok => 1, misses => 1),
 ::log_has('upstream timed out (110: Connection timed out) while reading response header from upstream',
           'client prematurely closed connection, client: 127.0.0.1, server: localhost, request: "POST /contacts/ HTTP/1.0"',
           'ACCESS POST /contacts/ 400 pv=- cache=-',
           'ACCESS POST /client/half_body 504 pv=- cache=-',
           'PROVIDER POST /ok 200 body=PhoneNumber=%2B12095550143&',
           'ACCESS POST /contacts/ 200 pv=VALID_UNCONFIRMED cache=MISS')]
--- error_log
upstream timed out (110: Connection timed out) while reading response header from upstream
ACCESS POST /client/half_body 504 pv=- cache=-
--- no_error_log
PhoneNumber=%2B12095550142
CRM POST /contacts/ 200 body={\x22phone\x22:\x22+12095550142



=== TEST 3: the client closes mid-validation: the call finishes, nothing reaches the Contacts API
The provider answers after 1 s, the client is gone after 200 ms: the
validation ends, nginx finds the client gone when it would forward (499),
and the Contacts API never sees the write.
--- config
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/slow\n" . '{"phone":"+12095550142"}'
--- timeout: 200ms
--- abort
--- ignore_response
--- wait: 1.3
--- error_log
PROVIDER POST /slow 200 body=PhoneNumber=%2B12095550142&
client prematurely closed connection
ACCESS POST /contacts/slow 499 pv=VALID_CONFIRMED cache=MISS
--- no_error_log
CRM
[error]



=== TEST 4: the same with nginx as the client, then more requests: the verdict was cached, the counters add up
After the abandoned request: another number is validated at once (the
worker is not busy with the abandoned call); after the abandoned call is
over, the same number is a cache HIT with no second call, and the
counters hold the abandoned request once: validated, annotated, never
forwarded.
--- config
    location = /client/abort {
        proxy_read_timeout 200ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/slow;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /client/abort\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550143"}',
 "GET /pause",
 "POST /contacts/\n" . '{"phone":"+1 209 555 0142"}',
 "GET /phoneval_status?format=json",
 "GET /_log/error"]
--- error_code eval
[504, 200, 200, 200, 200, 200]
--- response_body_like eval
[qr/504 Gateway Time-out/,
 qr/\A\Q${\ ::crm('{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '}')}\E\z/,
 qr/\Apaused\n\z/,
 qr/\A\Q${\ ::crm('{"phone":"+1 209 555 0142"' . ::cf('VALID_CONFIRMED') . '}')}\E\z/,
 ::counters(annotated => 3, VALID_CONFIRMED => 2, VALID_UNCONFIRMED => 1,
            call_ok => 2, hits => 1, misses => 2),
 ::log_has('upstream timed out (110: Connection timed out) while reading response header from upstream',
           'PROVIDER POST /slow 200 body=PhoneNumber=%2B12095550142&',
           'ACCESS POST /contacts/slow 499 pv=VALID_CONFIRMED cache=MISS',
           'ACCESS POST /contacts/ 200 pv=VALID_UNCONFIRMED cache=MISS',
           'ACCESS POST /contacts/ 200 pv=VALID_CONFIRMED cache=HIT')]
--- error_log
upstream timed out (110: Connection timed out) while reading response header from upstream
--- no_error_log
PROVIDER POST /ok 200 body=PhoneNumber=%2B12095550142&
CRM POST /contacts/slow



=== TEST 5: the client closes mid-validation under on_error reject and a 300 ms budget: the 503 meets a closed connection
--- config
    location = /contacts/reject {
        phoneval          on;
        phoneval_pass     /_pv_slow;
        phoneval_api_key  k;
        phoneval_cache    pv;
        phoneval_timeout  300ms;
        phoneval_on_error reject;
        phoneval_result   status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /client/abort {
        proxy_read_timeout 200ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/reject;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /client/abort\n" . '{"phone":"+12095550142"}',
 "GET /pause",
 "POST /contacts/\n" . '{"phone":"+12095550143"}',
 "GET /phoneval_status?format=json",
 "GET /_log/error"]
--- error_code eval
[504, 200, 200, 200, 200]
--- response_body_like eval
[qr/504 Gateway Time-out/,
 qr/\Apaused\n\z/,
 qr/\A\Q${\ ::crm('{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '}')}\E\z/,
 ::counters(unavailable => 1, annotated => 1, PENDING => 1, VALID_UNCONFIRMED => 1,
            call_ok => 1, call_timeout => 1, misses => 2),
 ::log_has('phoneval: validation timed out after 300 ms with 1 of 1 provider calls unanswered',
           'ACCESS POST /contacts/reject 503 pv=PENDING cache=MISS',
           'ACCESS POST /contacts/ 200 pv=VALID_UNCONFIRMED cache=MISS')]
--- no_error_log
CRM POST /contacts/reject



=== TEST 6: a body shorter than its Content-Length: client_body_timeout 1s ends it with 408, no provider call
nginx 1.22 logs no line of its own for this timeout (no "client timed
out"): the access log's 408 and the debug line of the finalization show
it.  t/130-body.t TEST 15 checks the same with the default config.
--- config
    location = /contacts/short {
        client_body_timeout 1s;
        phoneval            on;
        phoneval_pass       /_pv;
        phoneval_api_key    k;
        phoneval_result     status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- raw_request eval
"POST /contacts/short HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Content-Length: 100\r
Connection: close\r
\r
" . '{"phone":"+12095550142"}'
--- timeout: 2
--- ignore_response
--- error_log
http finalize request: 408, "/contacts/short?"
ACCESS POST /contacts/short 408 pv=- cache=-
--- no_error_log
PROVIDER
CRM
phoneval call
[error]



=== TEST 7: the same with nginx as the client, then a normal request: validated; nothing counted for the 408
--- config
    location = /contacts/short {
        client_body_timeout 1s;
        phoneval            on;
        phoneval_pass       /_pv;
        phoneval_api_key    k;
        phoneval_cache      pv;
        phoneval_result     status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /client/short {
        # the headers and 24 of the 100 bytes announced, then it waits
        proxy_set_header   Content-Length 100;
        proxy_read_timeout 3s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/short;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /client/short\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550143"}',
 "GET /phoneval_status?format=json",
 "GET /_log/error"]
--- error_code eval
[502, 200, 200, 200]
--- response_body_like eval
[qr/502 Bad Gateway/,
 qr/\A\Q${\ ::crm('{"phone":"+12095550143"' . ::cf('VALID_UNCONFIRMED') . '}')}\E\z/,
 ::counters(annotated => 1, VALID_UNCONFIRMED => 1, call_ok => 1, misses => 1),
 ::log_has('http finalize request: 408, "/contacts/short?"',
           'ACCESS POST /contacts/short 408 pv=- cache=-',
           'upstream prematurely closed connection while reading response header from upstream',
           'ACCESS POST /contacts/ 200 pv=VALID_UNCONFIRMED cache=MISS')]
--- error_log
http finalize request: 408, "/contacts/short?"
ACCESS POST /contacts/short 408 pv=- cache=-
upstream prematurely closed connection while reading response header from upstream
--- no_error_log
PhoneNumber=%2B12095550142
CRM POST /contacts/short



=== TEST 8: HTTP/2: the client closes the connection mid-validation: no alert, nothing reaches the Contacts API
A raw HTTP/2 client (prior knowledge, on this block's 127.0.0.1 listen,
which has the http2 flag) posts on stream 1 and closes the connection
after 200 ms, while the provider call (1 s) is in flight.  As over
HTTP/1.1 (TEST 3), the write of a client that is gone must not be
forwarded.
--- config
    listen 127.0.0.1:$TEST_NGINX_SERVER_PORT http2;
--- raw_request eval
::h2_start() . ::h2_post(1, '/contacts/slow', '{"phone":"+12095550142"}')
--- timeout: 200ms
--- abort
--- ignore_response
--- wait: 1.3
--- error_log eval
[qr{PROVIDER POST /slow \d+ body=PhoneNumber=%2B12095550142&},
 qr{ACCESS POST /contacts/slow (?:499|000) }]
--- no_error_log
CRM



=== TEST 9: HTTP/2: RST_STREAM mid-validation, the connection goes on: the next streams are served
The raw HTTP/2 client posts on stream 1 (provider call: 1 s); 300 ms later
it resets stream 1 (CANCEL) and posts another contact on stream 3; at
1.2 s, once the abandoned call is over, stream 5 posts the first number
again: a cache HIT, the abandoned call's verdict was kept.  Streams 3 and
5 are validated and forwarded; stream 1 never is; nothing is logged at
[alert] or above.
--- config
    listen 127.0.0.1:$TEST_NGINX_SERVER_PORT http2;
--- raw_request eval
[::h2_start() . ::h2_post(1, '/contacts/slow', '{"phone":"+12095550142"}'),
 ::h2_rst_cancel(1) . ::h2_post(3, '/contacts/', '{"phone":"+12095550143"}'),
 ::h2_ping(),
 ::h2_ping(),
 ::h2_post(5, '/contacts/', '{"phone":"+1 209 555 0142"}')]
--- raw_request_middle_delay: 0.3
--- timeout: 500ms
--- abort
--- ignore_response
--- wait: 0.2
--- error_log eval
['client canceled stream 1',
 qr{PROVIDER POST /slow \d+ body=PhoneNumber=%2B12095550142&},
 'ACCESS POST /contacts/ 200 pv=VALID_UNCONFIRMED cache=MISS',
 'CRM POST /contacts/ 200 body={\x22phone\x22:\x22+12095550143\x22,\x22customFields\x22:[{\x22id\x22:\x22cf_S\x22,\x22field_value\x22:\x22VALID_UNCONFIRMED\x22}]}',
 'ACCESS POST /contacts/ 200 pv=VALID_CONFIRMED cache=HIT',
 'CRM POST /contacts/ 200 body={\x22phone\x22:\x22+1 209 555 0142\x22,\x22customFields\x22:[{\x22id\x22:\x22cf_S\x22,\x22field_value\x22:\x22VALID_CONFIRMED\x22}]}',
 qr{ACCESS POST /contacts/slow (?:499|000) }]
--- no_error_log
CRM POST /contacts/slow
