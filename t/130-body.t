# The body on the wire: however the client sends it (spilled to a temp
# file, chunked, HTTP/2 with or without content-length, Expect:
# 100-continue, pipelined on one keepalive connection), phoneval reads it
# whole, validates the phone, and the upstream receives the annotated body
# with a Content-Length that matches it and no Transfer-Encoding.
#
# The Contacts API mock echoes "METHOD URI cl=<Content-Length>
# te=<Transfer-Encoding>" and then the exact body it received, so every
# block asserts the bytes forwarded.

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(seen_mocks crm);

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

no_shuffle();
check_accum_error_log();

# The mocks every block gets in its http_config (seen_mocks() in
# t/inc/PhonevalMocks.pm):
#   $TEST_NGINX_RAND_PORT_1  Byteplant: answers by the PhoneNumber in the form
#                            body; logs what it received
#   $TEST_NGINX_RAND_PORT_2  the Contacts API: echoes exactly what it got
our $Mocks = seen_mocks();

# the annotation "phoneval_result status cf_S" appends to a contact
our $CF_VC = ',"customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]';
our $CF_VU = ',"customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]';

# a contact of about 64 KiB whose phone is its last member (W1)
our $BIG = '{"firstName":"Test","notes":"' . ('a' x 65536)
           . '","phone":"+1 209 555 0142"}';

# a contact of 4 KiB: more than the 1k header buffer reads, less than the
# body buffer, so nginx keeps the bytes read with the header apart from
# the rest
our $MID = '{"firstName":"Test","notes":"' . ('b' x 4000)
           . '","phone":"+1 209 555 0142"}';
our $MID2 = '{"firstName":"Next","notes":"' . ('c' x 4000)
            . '","phone":"+1 209 555 0143"}';

# a bulk body of 5 contacts of about 5 KiB each, and what the upstream
# gets for it: each contact's annotation goes before its '}'
our $BULK = '{"contacts":['
            . join(',', map { '{"phone":"+1 209 555 0142","n":' . $_
                                  . ',"notes":"' . ('d' x 5000) . '"}' }
                        1 .. 5)
            . ']}';
# the same with contacts of 650 bytes: edited every 700 bytes or so
our $DENSE = '{"contacts":['
             . join(',', map { '{"phone":"+1 209 555 0142","n":' . $_
                                   . ',"notes":"' . ('e' x 600) . '"}' }
                         1 .. 40)
             . ']}';
(our $DENSE_FWD = $DENSE) =~ s/("notes":"e+")\}/$1$::CF_VC}/g;
# 100 contacts of about 90 bytes: runs too short to be a buffer each
our $SHORT = '{"contacts":['
             . join(',', map { '{"phone":"+1 209 555 0142","n":' . $_
                                   . ',"notes":"' . ('f' x 40) . '"}' }
                         1 .. 100)
             . ']}';
(our $SHORT_FWD = $SHORT) =~ s/("notes":"f+")\}/$1$::CF_VC}/g;
(our $BULK_FWD = $BULK) =~ s/("notes":"d+")\}/$1$::CF_VC}/g;

# every block gets the mocks, and fails on [alert], [crit] and [emerg]
# unless it expects one, and on [error] unless it checks the error log
# itself
phoneval_preprocessor(http_config => $Mocks, error => 1);

run_tests();

__DATA__

=== TEST 1: W1: a 64 KiB body spilled to a temp file, phone last
The phone is found at the end of the file, the upstream gets all 64 KiB
plus the annotation, and the block's temp directory is empty afterwards.
--- config
    location = /contacts/ {
        client_body_buffer_size 8k;
        client_body_temp_path   body_w1_temp;
        phoneval                on;
        phoneval_pass           /_pv;
        phoneval_api_key        k;
        phoneval_result         status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location /_ls/ {
        alias body_w1_temp/;
        autoindex on;
        autoindex_format json;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n$::BIG", "GET /_ls/"]
--- response_body eval
[::crm(substr($::BIG, 0, -1) . "$::CF_VC}"), "[\r\n]"]
--- grep_error_log: a client request body is buffered to a temporary file
--- grep_error_log_out
a client request body is buffered to a temporary file



=== TEST 2: a body kept in a temp file until the end is removed with it
client_body_in_file_only clean gives the temp file a name in the
directory for the whole request; replacing the body must not leak it.
--- config
    location = /contacts/ {
        client_body_in_file_only clean;
        client_body_temp_path    body_clean_temp;
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         k;
        phoneval_result          status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location /_ls/ {
        alias body_clean_temp/;
        autoindex on;
        autoindex_format json;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+1 209 555 0142"}', "GET /_ls/"]
--- response_body eval
[::crm('{"phone":"+1 209 555 0142"' . "$::CF_VC}"), "[\r\n]"]
--- error_log eval
qr{a client request body is buffered to a temporary file \S+/body_clean_temp/\d+}



=== TEST 3: chunked request: upstream gets a Content-Length, no Transfer-Encoding
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
--- more_headers
Content-Type: application/json
Transfer-Encoding: chunked
--- request eval
"POST /contacts/\n"
. "b\r\n" . '{"name":"a"' . "\r\n"
. "f\r\n" . ',"phone":"+1 20' . "\r\n"
. "c\r\n" . '9 555 0142"}' . "\r\n"
. "0\r\n\r\n"
--- response_body eval
::crm('{"name":"a","phone":"+1 209 555 0142"' . "$::CF_VC}")



=== TEST 4: a body arriving in three pieces, split inside the phone
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
--- raw_request eval
["POST /contacts/ HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Content-Length: 38\r
Connection: close\r
\r
{\"name\":\"a\",", '"phone":"+1 209', ' 555 0142"}']
--- raw_request_middle_delay: 0.05
--- response_body eval
::crm('{"name":"a","phone":"+1 209 555 0142"' . "$::CF_VC}")



=== TEST 5: chunked request spilled to a temp file
--- config
    location = /contacts/ {
        client_body_buffer_size 1k;
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
--- more_headers
Content-Type: application/json
Transfer-Encoding: chunked
--- request eval
my $notes = '{"notes":"' . ('b' x 3000) . '"';
my $phone = ',"phone":"+1 209 555 0142"}';
"POST /contacts/\n"
. sprintf("%x\r\n", length $notes) . $notes . "\r\n"
. sprintf("%x\r\n", length $phone) . $phone . "\r\n"
. "0\r\n\r\n"
--- response_body eval
::crm('{"notes":"' . ('b' x 3000) . '","phone":"+1 209 555 0142"' . "$::CF_VC}")
--- error_log
a client request body is buffered to a temporary file



=== TEST 6: an empty chunked body passes untouched
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
--- more_headers
Content-Type: application/json
Transfer-Encoding: chunked
--- request eval
"POST /contacts/\n0\r\n\r\n"
--- response_body eval
"POST /contacts/ cl=0 te=\n"
--- no_error_log
phoneval call



=== TEST 7: W2: HTTP/2 with a content-length
--- http2
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"notes":"' . ('c' x 20000) . '","phone":"+1 209 555 0142"}'
--- response_body eval
::crm('{"notes":"' . ('c' x 20000) . '","phone":"+1 209 555 0142"' . "$::CF_VC}")
--- log_level: debug
--- error_log eval
'http2 header: "content-length: ' . length('{"notes":"' . ('c' x 20000) . '","phone":"+1 209 555 0142"}') . '"'



=== TEST 8: W2: HTTP/2 without a content-length, body in several DATA frames
"Transfer-Encoding: chunked" only keeps the harness from adding a
Content-Length; curl drops it on HTTP/2 and sends the body in 16 KiB DATA
frames with no content-length header.
--- http2
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
--- more_headers
Content-Type: application/json
Transfer-Encoding: chunked
--- request eval
"POST /contacts/\n" . '{"notes":"' . ('c' x 20000) . '","phone":"+1 209 555 0142"}'
--- response_body eval
::crm('{"notes":"' . ('c' x 20000) . '","phone":"+1 209 555 0142"' . "$::CF_VC}")
--- log_level: debug
--- no_error_log
http2 header: "content-length
--- grep_error_log: http2 DATA frame
--- grep_error_log_out eval
qr/\A(?:http2 DATA frame\n){2,}\z/



=== TEST 9: Expect: 100-continue gets one 100 Continue, then the final answer
Upstream Test::Nginx reports the interim 100 as the status and the final
response as the body; this harness skips the interim response.  The body
regex accepts both, and the debug log shows exactly one 100 Continue sent.
--- config
    location = /contacts/ {
        chunked_transfer_encoding off;
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
--- raw_request eval
["POST /contacts/ HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Content-Length: 27\r
Expect: 100-continue\r
Connection: close\r
\r
", '{"phone":"+1 209 555 0142"}']
--- raw_request_middle_delay: 0.1
--- log_level: debug
--- error_code_like: ^(?:100|200)$
--- response_body_like eval
'\A(?:HTTP/1\.1 200 OK\r\n.*?\r\n\r\n)?'
. quotemeta(::crm('{"phone":"+1 209 555 0142"' . "$::CF_VC}")) . '\z'
--- grep_error_log: send 100 Continue
--- grep_error_log_out
send 100 Continue



=== TEST 10: proxy_request_buffering off: still validated and annotated
--- config
    location = /contacts/ {
        proxy_request_buffering off;
        proxy_http_version      1.1;
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+1 209 555 0142"}'
--- response_body eval
::crm('{"phone":"+1 209 555 0142"' . "$::CF_VC}")



=== TEST 11: proxy_request_buffering off with a chunked body
--- config
    location = /contacts/ {
        proxy_request_buffering off;
        proxy_http_version      1.1;
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
--- more_headers
Content-Type: application/json
Transfer-Encoding: chunked
--- request eval
"POST /contacts/\n"
. "10\r\n" . '{"phone":"+1 209' . "\r\n"
. "b\r\n" . ' 555 0142"}' . "\r\n"
. "0\r\n\r\n"
--- response_body eval
::crm('{"phone":"+1 209 555 0142"' . "$::CF_VC}")



=== TEST 12: W3: a 24-byte body grows; Content-Length is the new length
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_output  fields;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/created;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- error_code: 201
--- response_body_like eval
my $body = '\{"phone":"\+12095550142","validation_status":"VALID_CONFIRMED",'
    . '"last_validated":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","confidence":95\}';
# the 24 bytes grew to 118
'\APOST /created cl=118 te=\n' . $body . '\z'



=== TEST 13: keepalive: two pipelined contact writes, both annotated
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
--- more_headers
Content-Type: application/json
--- pipelined_requests eval
["POST /contacts/\n" . '{"phone":"+1 209 555 0142","n":1}',
 "POST /contacts/\n" . '{"phone":"+1 209 555 0143","n":2}']
--- response_body eval
[::crm('{"phone":"+1 209 555 0142","n":1' . "$::CF_VC}"),
 ::crm('{"phone":"+1 209 555 0143","n":2' . "$::CF_VU}")]



=== TEST 14: keepalive: a chunked write then a length write on one connection
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
--- more_headers eval
["Content-Type: application/json\nTransfer-Encoding: chunked",
 "Content-Type: application/json"]
--- pipelined_requests eval
["POST /contacts/\n" . "1b\r\n" . '{"phone":"+1 209 555 0142"}' . "\r\n0\r\n\r\n",
 "POST /contacts/\n" . '{"phone":"+1 209 555 0143"}']
--- response_body eval
[::crm('{"phone":"+1 209 555 0142"' . "$::CF_VC}"),
 ::crm('{"phone":"+1 209 555 0143"' . "$::CF_VU}")]



=== TEST 15: a body shorter than its Content-Length: client_body_timeout ends it, no provider call
--- config
    location = /contacts/ {
        client_body_timeout 1s;
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
--- raw_request eval
"POST /contacts/ HTTP/1.1\r
Host: localhost\r
Content-Type: application/json\r
Content-Length: 100\r
Connection: close\r
\r
" . '{"phone":"+1 209 555 0142"}'
--- timeout: 3
--- ignore_response
--- log_level: debug
--- error_log
http finalize request: 408, "/contacts/?"
--- no_error_log
phoneval call
http upstream


=== TEST 16: a retry to the next upstream resends the whole annotated body
The first Contacts API server drops the connection without an answer;
proxy_next_upstream (POST is not idempotent, so it must be allowed) sends the 64 KiB annotated body again to the
second, which must receive all of it.
--- http_config
    upstream crm_pair {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        return 444;
    }
--- config
    location = /contacts/ {
        client_body_buffer_size 8k;
        phoneval                on;
        phoneval_pass           /_pv;
        phoneval_api_key        k;
        phoneval_result         status cf_S;
        proxy_next_upstream     error timeout non_idempotent;
        proxy_pass http://crm_pair;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::BIG"
--- response_body eval
::crm(substr($::BIG, 0, -1) . "$::CF_VC}")
--- error_log
upstream server temporarily disabled
a client request body is buffered to a temporary file



=== TEST 17: a body longer than the header buffer is read into one buffer: exact bytes upstream
nginx reads the head and the first bytes of the body into the 1k header
buffer; the module gives nginx a header_in as long as the body that starts
with those bytes, so nginx reads the rest right after them (no copy of the
whole body) and the upstream gets the client's bytes and the annotation.
--- config
    client_header_buffer_size 1k;
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::MID"
--- response_body eval
::crm(substr($::MID, 0, -1) . "$::CF_VC}")
--- error_log eval
qr/phoneval body: \d+ bytes read into one buffer after the \d+ read with the header/
--- no_error_log
phoneval body: 4066 bytes copied



=== TEST 18: two such bodies pipelined on one connection: each read into one buffer, the second request intact
--- config
    client_header_buffer_size 1k;
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
--- more_headers
Content-Type: application/json
--- pipelined_requests eval
["POST /contacts/\n$::MID", "POST /contacts/\n$::MID2"]
--- response_body eval
[::crm(substr($::MID, 0, -1) . "$::CF_VC}"),
 ::crm(substr($::MID2, 0, -1) . "$::CF_VU}")]
--- grep_error_log eval
qr/phoneval body: \d+ bytes (?:read into one buffer|copied)/
--- grep_error_log_out eval
qr/\A(?:phoneval body: \d+ bytes read into one buffer\n){2}\z/



=== TEST 19: a body read into one buffer that the module does not change is forwarded as received
--- config
    client_header_buffer_size 1k;
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_output  off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::MID"
--- response_body eval
::crm($::MID)
--- error_log eval
qr/phoneval body: \d+ bytes read into one buffer after the \d+ read with the header/



=== TEST 20: a body that fits the header buffer is used where it is: no buffer of the module's, no copy
--- config
    client_header_buffer_size 8k;
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::MID"
--- response_body eval
::crm(substr($::MID, 0, -1) . "$::CF_VC}")
--- no_error_log
phoneval body:



=== TEST 21: a large body is edited in place: the client's runs stay, only the annotations are copied
5 contacts of about 5 KiB: 5 runs of the client's bytes are sent where
they are, and the 5 annotations (the last with the body's closing "}]}")
are the copied buffers.
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::BULK"
--- response_body eval
::crm($::BULK_FWD)
--- error_log eval
qr/phoneval edits: a body of 25\d\d\d bytes as 10 buffers, 318 bytes copied/



=== TEST 22: a retry to the next upstream resends every buffer of an edited bulk body
--- http_config
    upstream crm_pair {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        return 444;
    }
--- config
    location = /contacts/ {
        phoneval                on;
        phoneval_pass           /_pv;
        phoneval_api_key        k;
        phoneval_result         status cf_S;
        proxy_next_upstream     error timeout non_idempotent;
        proxy_pass http://crm_pair;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::BULK"
--- response_body eval
::crm($::BULK_FWD)
--- error_log eval
[qr/phoneval edits: a body of \d+ bytes as 10 buffers/,
 qr/upstream server temporarily disabled/]



=== TEST 23: a small body is edited as one copied buffer
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+1 209 555 0142"}'
--- response_body eval
::crm('{"phone":"+1 209 555 0142"' . "$::CF_VC}")
--- error_log
phoneval edits: a body of 27 bytes as 1 buffers, 90 bytes copied



=== TEST 24: a body edited every 700 bytes keeps its runs in place: only the annotations are copied
40 contacts of about 650 bytes: each run between two annotations is a
buffer of the client's bytes, each annotation a copied one (the last with
the body's closing "]}").
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::DENSE"
--- response_body eval
::crm($::DENSE_FWD)
--- error_log eval
qr/phoneval edits: a body of 2\d\d\d\d bytes as 80 buffers, 25\d\d bytes copied/



=== TEST 25: large bodies one after another on a connection reuse the worker's buffers: each forwarded exactly
The second and third requests get the blocks the first one's tables and
edited body had, with its bytes still in them: nothing of them may show.
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
--- more_headers
Content-Type: application/json
--- pipelined_requests eval
["POST /contacts/\n$::DENSE", "POST /contacts/\n$::BULK",
 "POST /contacts/\n$::DENSE"]
--- response_body eval
[::crm($::DENSE_FWD), ::crm($::BULK_FWD), ::crm($::DENSE_FWD)]



=== TEST 26: a body edited every 90 bytes is one copied buffer
100 contacts of about 90 bytes: the runs between the annotations are too
short to be worth a buffer each, so runs and annotations are copied
together.
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
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n$::SHORT"
--- response_body eval
::crm($::SHORT_FWD)
--- error_log eval
qr/phoneval edits: a body of \d+ bytes as 1 buffers, \d+ bytes copied/



=== TEST 27: a chunked body in one chunk is used where nginx read it: exact bytes upstream, no copy
The chunked body ends with an empty buffer that holds no memory; the one
buffer of data before it is the body.
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
--- raw_request eval
my $b = '{"firstName":"Chunk","phone":"+1 209 555 0142"}';
"POST /contacts/ HTTP/1.1\r
Host: localhost\r
Connection: close\r
Content-Type: application/json\r
Transfer-Encoding: chunked\r
\r
" . sprintf("%x", length $b) . "\r\n$b\r\n0\r\n\r\n"
--- response_body eval
::crm(qq[{"firstName":"Chunk","phone":"+1 209 555 0142"$::CF_VC}])
--- no_error_log
phoneval body:



=== TEST 28: a chunked body in several chunks is made one text: exact bytes upstream
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
--- raw_request eval
my ($x, $y) = ('{"firstName":"Chunk"', ',"phone":"+1 209 555 0142"}');
["POST /contacts/ HTTP/1.1\r
Host: localhost\r
Connection: close\r
Content-Type: application/json\r
Transfer-Encoding: chunked\r
\r
" . sprintf("%x", length $x) . "\r\n$x\r\n",
 sprintf("%x", length $y) . "\r\n$y\r\n0\r\n\r\n"]
--- raw_request_middle_delay
0.05
--- response_body eval
::crm(qq[{"firstName":"Chunk","phone":"+1 209 555 0142"$::CF_VC}])
--- error_log eval
qr/phoneval body: \d+ bytes copied into one buffer/
