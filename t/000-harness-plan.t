# Harness self-test: upstream-style explicit plan with repeat_each(2).
# If the harness counted subtests differently from upstream, the plan
# would not match and this file would fail.
use Test::Nginx::Socket;

repeat_each(2);

# per repetition: TEST 1: 3, TEST 2: 6 (the log checks run after each
# request), TEST 3: 3, TEST 4: 4, TEST 5: 3
plan tests => repeat_each() * (3 + 6 + 3 + 4 + 3);

our $EchoSo = '/usr/lib/nginx/modules/ngx_http_echo_module.so';

run_tests();

__DATA__

=== TEST 1: status + body + one no_error_log pattern
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok
--- no_error_log
[error]



=== TEST 2: two requests (status + body + grep_error_log each); the log window is per request
--- main_config eval
"load_module $::EchoSo;"
--- config
    location = /a { echo a; }
    location = /b { echo b; }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "b\n"]
--- grep_error_log eval
qr/http request line: "[^"]*"/
--- grep_error_log_out eval
qr/\Ahttp request line: "GET \/[ab] HTTP\/1\.1"\n\z/



=== TEST 3: must_die = 1 + patterns
--- config
    location = /t { no_such_directive_here; }
--- must_die
--- error_log
unknown directive "no_such_directive_here"
--- no_error_log
[alert]



=== TEST 4: status + two headers + body
--- config
    location = /t {
        add_header X-One 1;
        return 200 "x\n";
    }
--- request
GET /t
--- response_headers
X-One: 1
!X-Two
--- response_body
x



=== TEST 5: status + error_log + body_like; repeat_each reuses the same nginx
--- config
    location = /t { return 200 "n=$connection\n"; }
--- request
GET /t
--- response_body_like: ^n=\d+$
--- error_log
http request line: "GET /t HTTP/1.1"
