# Self-test of the project's Test::Nginx::Socket harness (t/lib) against
# plain nginx: core directives plus Debian's echo module. No phoneval
# module needed.
#
#   prove -I t/lib t/000-harness.t
use Test::Nginx::Socket 'no_plan';

use File::Temp ();
use IPC::Run ();
use Test::Nginx::Harness::Server ();

our $EchoSo = '/usr/lib/nginx/modules/ngx_http_echo_module.so';
$ENV{TEST_NGINX_HARNESS_WORD} = 'zebra';

# ---------------------------------------------------------------------
# 1. a block that must fail DOES fail, and says what differed
# ---------------------------------------------------------------------
sub run_inner {
    my ($file) = @_;
    my $dir = File::Temp->newdir('tn-inner-XXXXXX', TMPDIR => 1);
    my $port = Test::Nginx::Harness::Server::random_free_port($ENV{TEST_NGINX_SERVER_PORT});
    # the child takes the port lock itself
    Test::Nginx::Harness::Server::release_lock(port => $port);
    local %ENV = %ENV;
    delete @ENV{qw(TEST_NGINX_SERVER_PORT TEST_NGINX_CLIENT_PORT
                   TEST_NGINX_SERVER_ROOT TEST_NGINX_HTML_DIR
                   TEST_NGINX_RANDOMIZE TEST_NGINX_USE_VALGRIND
                   TEST_NGINX_NO_CLEAN HARNESS_ACTIVE)};
    $ENV{TEST_NGINX_PORT} = $port;
    $ENV{TEST_NGINX_SERVROOT} = "$dir/servroot";
    $ENV{TEST_NGINX_NO_SHUFFLE} = 1;
    my ($out, $err) = ('', '');
    IPC::Run::run([$^X, '-It/lib', $file], \undef, \$out, \$err,
                  IPC::Run::timeout(60));
    my $code = $? >> 8;
    my $left = Test::Nginx::Harness::Server->new(servroot => "$dir/servroot")->running;
    return ($code, $out, $err, $left, $port);
}

{
    my ($code, $out, $err, $left, $port) = run_inner('t/harness/must-fail.tt');
    isnt($code, 0, 'must-fail.tt exits non-zero');
    ok(!$left, 'must-fail.tt left no nginx running');

    my @not_ok = map { /^not ok \d+ - (.*)$/ ? $1 : () } split /\n/, $out;
    my @ok = grep { /^ok \d+ - / } split /\n/, $out;
    is_deeply(\@not_ok, [
        'TEST 1: body mismatch - response_body - response is expected (repeated req 0, req 0)',
        'TEST 2: status mismatch - status code ok',
        'TEST 3: error_log pattern missing - pattern "this text is never logged" should match a line in error.log (req 0)',
        'TEST 4: no_error_log pattern present - pattern "[error]" should not match any line in error.log (req 0)',
        'TEST 5: header mismatch and unexpected header - header Content-Type ok',
        'TEST 5: header mismatch and unexpected header - header X-Present ok',
        'ERROR: client socket timed out - TEST 6: client timeout',
        'TEST 6: client timeout - status code ok',
        'TEST 6: client timeout - response_body - response is expected (repeated req 0, req 0)',
        'TEST 7: must_die but nginx starts fine - nginx must die (but it started successfully)',
        'TEST 8: grep_error_log_out mismatch - grep_error_log_out (req 0)',
        'TEST 9: response_body_like mismatch - response_body_like - response is expected ("abc")',
        'TEST 10: nginx dies during the block - cannot connect to 127.0.0.1:' . $port . ': Connection refused',
        'TEST 10: nginx dies during the block - status code ok',
        'TEST 10: nginx dies during the block - response_body - response is expected (repeated req 0, req 0)',
        'TEST 10: nginx dies during the block - nginx is still running after the requests (req 0)',
    ], 'must-fail.tt: exactly the expected subtests fail') or diag("STDOUT:\n$out\nSTDERR:\n$err");
    is(scalar(@ok), 10, 'must-fail.tt: the other 10 subtests pass');
    like($out, qr/^1\.\.26$/m, 'must-fail.tt: 26 subtests in total');

    # expected-vs-got reporting, with a unified diff for bodies
    like($err, qr/got: "hello\\nworld\\nagain\\n"/, 'body failure shows got');
    like($err, qr/expected: "hello\\nWorld\\nagain\\n"/, 'body failure shows expected');
    like($err, qr/strings begin to differ at char 7 \(line 2 column 1\)/,
         'body failure shows the first difference');
    like($err, qr/^# --- expected\n# \+\+\+ got\n# @@ -1,3 \+1,3 @@\n#  hello\n# -World\n# \+world\n#  again$/m,
         'body failure shows a unified diff');
    like($err, qr/got: '404'\n#\s+expected: '200'/, 'status failure shows got/expected');
    like($err, qr/but it matches the line:\n#\s+\S+ \S+ \[error\] .*open\(\) "\/nonexistent-harness-dir\/t" failed/,
         'no_error_log failure shows the offending line');
    like($err, qr/header "X-Present" should be absent, but got "yes"/,
         '!Header failure explained');
    like($err, qr/got: "text\/plain".*\n.*\n#\s+expected: "application\/json"/,
         'header value failure shows got/expected');
    like($err, qr/got: "http request line: \\"GET \/t HTTP\/1.1\\"\\n"\n.*\n#\s+expected: "http request line: \\"GET \/other HTTP\/1.1\\"\\n"/,
         'grep_error_log_out failure shows got/expected');
}

# ---------------------------------------------------------------------
# 2. the blocks below must all pass
# ---------------------------------------------------------------------

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->main_config) {
        $block->set_value(main_config => "load_module $EchoSo;");
    }
    if (!defined $block->no_error_log && !defined $block->must_die
        && !defined $block->error_log)
    {
        $block->set_value(no_error_log => "[error]\n[alert]\n[crit]\n[emerg]");
    }
});

run_tests();

__DATA__

=== TEST 1: simple GET with headers
--- config
    location = /t {
        add_header X-Harness yes;
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body
hello
--- response_headers
Content-Type: text/plain
Content-Length: 6
X-Harness: yes
!X-Not-There
--- response_headers_like
Server: nginx/\d+\.\d+\.\d+
Connection: close



=== TEST 2: POST body echoed back (trailing newline stripped, Content-Length added)
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$request_body] cl=$http_content_length";
    }
--- request
POST /echo
{"phone":"+14155550100"}
--- response_body
[{"phone":"+14155550100"}] cl=24



=== TEST 3: POST via request eval
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$request_body] cl=$http_content_length";
    }
--- request eval
"POST /echo\n" . '{"a":1}'
--- response_body
[{"a":1}] cl=7



=== TEST 4: explicit Content-Length keeps the body verbatim
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$request_body]";
    }
--- more_headers
Content-Length: 6
--- request
POST /echo
hello
--- response_body eval
"[hello\n]\n"



=== TEST 5: more_headers, Host override and the default headers
--- config
    location = /h {
        echo "host=$host foo=$http_x_foo conn=$http_connection ua=$http_user_agent";
    }
--- more_headers
X-Foo: bar baz
Host: example.com
--- request
GET /h
--- response_body
host=example.com foo=bar baz conn=close ua=



=== TEST 6: error_code and error_code_like
--- config
    location = /t { return 422 "unprocessable\n"; }
--- request
GET /t
--- error_code: 422
--- response_body
unprocessable



=== TEST 7: error_code_like
--- config
    location = /t { return 404; }
--- request
GET /t
--- error_code_like: ^4\d\d$
--- response_body_like: 404 Not Found



=== TEST 8: error_log and no_error_log (strings and regexes)
--- config
    location = /t { root /nonexistent-harness-dir; }
--- request
GET /t
--- error_code: 404
--- error_log eval
[
    qr/\[error\] \d+#\d+: \*\d+ open\(\) "\/nonexistent-harness-dir\/t" failed/,
    "No such file or directory",
]
--- no_error_log
[alert]
[crit]
this is not in the log



=== TEST 9: grep_error_log with a regex
--- config
    location = /grep { return 200 "ok\n"; }
--- request
GET /grep?a=1
--- grep_error_log eval
qr/http request line: "[^"]*"/
--- grep_error_log_out
http request line: "GET /grep?a=1 HTTP/1.1"



=== TEST 10: grep_error_log with a string
--- config
    location = /t { root /nonexistent-harness-dir; }
--- request
GET /t
--- error_code: 404
--- grep_error_log chop
No such file or directory
--- grep_error_log_out
No such file or directory
--- no_error_log
[alert]



=== TEST 11: several requests (arrays), each on its own connection
--- config
    location = /a { echo "a conn_reqs=$connection_requests"; }
    location = /b {
        echo_read_request_body;
        echo "b $request_body $http_x_n";
    }
    location = /c { return 201 "c\n"; }
--- request eval
["GET /a", "POST /b\nhello", "GET /c"]
--- more_headers eval
["X-N: 1", "X-N: 2", "X-N: 3"]
--- error_code eval
[200, 200, 201]
--- response_body eval
["a conn_reqs=1\n", "b hello 2\n", "c\n"]



=== TEST 12: request split into packets (array of arrays) with a delay
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$request_body]";
    }
--- request eval
[["POST /echo\nhel", {value => "lo wor", delay_before => 0.05}, "ld"]]
--- response_body
[hello world]



=== TEST 13: pipelined requests on one keepalive connection
--- config
    location = /p1 { echo "p1 n=$connection_requests"; }
    location = /p2 {
        echo_read_request_body;
        echo "p2 n=$connection_requests body=$request_body";
    }
    location = /p3 { return 204; }
--- pipelined_requests eval
["GET /p1", "POST /p2\nhello", "GET /p3", "GET /p1"]
--- error_code eval
[200, 200, 204, 200]
--- response_body eval
["p1 n=1\n", "p2 n=2 body=hello\n", "", "p1 n=4\n"]
--- response_headers eval
["Connection: keep-alive", "Connection: keep-alive", "Connection: keep-alive", "Connection: close"]



=== TEST 14: raw_request with a chunked body
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$request_body] te=$http_transfer_encoding";
    }
--- raw_request eval
"POST /echo HTTP/1.1\r
Host: localhost\r
Connection: close\r
Transfer-Encoding: chunked\r
\r
5\r
hello\r
6\r
 world\r
0\r
\r
"
--- response_body
[hello world] te=chunked



=== TEST 15: raw_request pieces written with delays, Expect: 100-continue
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$request_body]";
    }
--- raw_request eval
["POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n",
 "hello", " world"]
--- raw_request_middle_delay: 0.05
--- response_body
[hello world]



=== TEST 16: chunked request through request + more_headers
--- config
    location = /echo {
        echo_read_request_body;
        echo "[$request_body] cl=$http_content_length";
    }
--- more_headers
Transfer-Encoding: chunked
--- request eval
"POST /echo
3\r
abc\r
0\r
\r
"
--- response_body
[abc] cl=



=== TEST 17: HTTP/2 via curl (GET and POST with headers)
--- http2
--- config
    location = /h2 {
        echo_read_request_body;
        echo "proto=$server_protocol method=$request_method x=$http_x_foo body=$request_body";
    }
--- more_headers eval
["X-Foo: one", "X-Foo: two"]
--- request eval
["GET /h2", "POST /h2\n{\"a\":1}"]
--- response_body eval
["proto=HTTP/2.0 method=GET x=one body=\n",
 "proto=HTTP/2.0 method=POST x=two body={\"a\":1}\n"]
--- response_headers eval
["Content-Type: text/plain", "Content-Type: text/plain"]



=== TEST 18: TEST_NGINX_RAND_PORT_1 mock server in http_config
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { echo "backend port=$server_port uri=$uri"; }
    }
--- config
    location = /proxy {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/up;
    }
--- request
GET /proxy
--- response_body
backend port=$TEST_NGINX_RAND_PORT_1 uri=/up



=== TEST 19: must_die with a bad directive
--- config
    location = /t {
        harness_no_such_directive on;
    }
--- must_die
--- error_log
unknown directive "harness_no_such_directive"
[emerg]
--- no_error_log
[alert]



=== TEST 20: must_die with an exit code
--- config
    location = /t { return a b c d; }
--- must_die: 1
--- error_log eval
qr/invalid number of arguments in "return" directive/



=== TEST 21: chunked response is decoded
--- config
    location = /chunks {
        echo -n "one ";
        echo_flush;
        echo -n "two ";
        echo_flush;
        echo "three";
    }
--- request
GET /chunks
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
one two three



=== TEST 22: HTTP/1.0 close-delimited response
--- config
    location = /t { echo "ten"; }
--- request
GET /t HTTP/1.0
--- raw_response_headers_like: ^HTTP/1\.1 200 OK\r\n
--- response_headers
!Transfer-Encoding
!Content-Length
--- response_body
ten



=== TEST 23: HEAD response has no body
--- config
    location = /t { return 200 "abcdef\n"; }
--- request
HEAD /t
--- response_headers
Content-Length: 7
--- response_body



=== TEST 24: $TEST_NGINX_ variables in config and expected body
--- config
    location = /t { return 200 "word=$TEST_NGINX_HARNESS_WORD port=$TEST_NGINX_SERVER_PORT\n"; }
--- request
GET /t
--- response_body
word=$TEST_NGINX_HARNESS_WORD port=$TEST_NGINX_SERVER_PORT



=== TEST 25: user_files and the default root location
--- config
--- user_files
>>> hello.txt
Hello, file!
>>> sub/dir.txt 201801171935.33
in a subdir
--- request eval
["GET /hello.txt", "GET /sub/dir.txt", "GET /"]
--- response_body eval
["Hello, file!\n", "in a subdir\n", "It works!\n"]
--- response_headers_like eval
["Content-Type: text/plain", "Last-Modified: \\w+, \\d\\d Jan 2018 \\d\\d:\\d\\d:33 GMT", "Content-Length: 10"]



=== TEST 26: init code runs before the request
--- config
--- init
open my $fh, '>', "$ENV{TEST_NGINX_HTML_DIR}/init.txt" or die $!;
print $fh "written by init\n";
close $fh;
--- request
GET /init.txt
--- response_body
written by init



=== TEST 27: per-block log_level
--- log_level: warn
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- no_error_log
[debug]
[info]



=== TEST 28: access_log and no_access_log
--- config
    location = /acc { return 200 "ok\n"; }
--- request
GET /acc?x=1
--- access_log
"GET /acc?x=1 HTTP/1.1" 200 3
--- no_access_log
GET /other



=== TEST 29: response_body_filters and response_body_like arrays
--- config
    location = /t { echo "Mixed Case"; }
--- request eval
["GET /t", "GET /t"]
--- response_body_filters
uc
--- response_body_like eval
["^MIXED CASE\$", "^MIXED"]



=== TEST 30: client timeout with abort is not a failure
--- config
    location = /slow {
        echo_sleep 0.5;
        echo done;
    }
--- request
GET /slow
--- timeout: 100ms
--- abort
--- ignore_response
--- no_error_log
[alert]



=== TEST 31: timeout as a plain number, and wait
--- config
    location = /t {
        echo_sleep 0.1;
        echo done;
    }
--- request
GET /t
--- timeout: 1.5
--- wait: 0.05
--- response_body
done



=== TEST 32: embedded TCP mock (tcp_listen / tcp_reply / tcp_query)
--- config
    location = /up {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/backend;
        proxy_set_header Host mock;
    }
--- tcp_listen: $TEST_NGINX_RAND_PORT_2
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nmock\n"
--- tcp_query eval
"GET /backend HTTP/1.0\r\nHost: mock\r\nConnection: close\r\n\r\n"
--- request
GET /up
--- response_body
mock



=== TEST 33: a skipped block is never run
--- SKIP
--- config
    location = /t { return 500; }
--- request
GET /t
--- response_body
this would fail
