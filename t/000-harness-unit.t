# Unit tests of the harness internals (no nginx needed).
use strict;
use warnings;
use Test::More;

use Test::Nginx::Harness::Client ();
use Test::Nginx::Harness::Server ();

my $C = 'Test::Nginx::Harness::Client';
my $S = 'Test::Nginx::Harness::Server';

# --- times
is($C->can('parse_time')->('3'), 3, 'time: 3');
is($C->can('parse_time')->('1.5'), 1.5, 'time: 1.5');
is($C->can('parse_time')->('500ms'), 0.5, 'time: 500ms');
is($C->can('parse_time')->('2s'), 2, 'time: 2s');
ok(!eval { $C->can('parse_time')->('soon'); 1 }, 'time: garbage dies');

my $build = $C->can('build_request');

# --- request building
{
    my $r = $build->(spec => "GET /t\n");
    is($r->{bytes}, "GET /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
       'GET: HTTP/1.1, Host, Connection added');

    $r = $build->(spec => "GET\n");
    like($r->{bytes}, qr{^GET / HTTP/1\.1\r\n}, 'URI defaults to /');

    $r = $build->(spec => "# a comment\n\n   GET /x?a=1 HTTP/1.0\n");
    like($r->{bytes}, qr{^GET /x\?a=1 HTTP/1\.0\r\nHost: localhost\r\nConnection: close\r\n\r\n\z},
         'comment lines skipped, HTTP/1.0 kept, headers still added');

    $r = $build->(spec => "POST /c\n  {\"a\":1}\n\n");
    is($r->{bytes}, "POST /c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  . "Content-Length: 7\r\n\r\n{\"a\":1}",
       'body: whitespace stripped, Content-Length added');

    $r = $build->(spec => "POST /c\nhello\n", more_headers => "Content-Length: 6\n");
    is($r->{bytes}, "POST /c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  . "Content-Length: 6\r\n\r\nhello\n",
       'explicit Content-Length: body verbatim, no second Content-Length');

    $r = $build->(spec => "POST /c\n3\r\nabc\r\n0\r\n\r\n",
                  more_headers => "Transfer-Encoding: chunked");
    is($r->{bytes}, "POST /c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  . "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       'chunked: body verbatim, no Content-Length');

    $r = $build->(spec => "GET /k", keepalive => 1,
                  more_headers => "X-A: 1\n\n  X-B: two words  \nHost: h.example\n");
    is($r->{bytes}, "GET /k HTTP/1.1\r\nConnection: keep-alive\r\nX-A: 1\r\n"
                  . "X-B: two words\r\nHost: h.example\r\n\r\n",
       'keepalive, more_headers order, Host override');

    $r = $build->(spec => ["POST /p\n  na", { value => "me=foo\n", delay_before => 0.1 }]);
    is(scalar @{ $r->{packets} }, 2, 'packets: two writes');
    is($r->{packets}[0]{data}, "POST /p HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                             . "Content-Length: 8\r\n\r\nna", 'packets: first write');
    is($r->{packets}[1]{data}, 'me=foo', 'packets: second write (trailing ws stripped)');
    is($r->{packets}[1]{delay_before}, 0.1, 'packets: delay_before');

    my $raw = $C->can('build_raw_request')->(["GET / HTTP/1.1\r\n", "Host: x\r\n\r\n"]);
    is($raw->{bytes}, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 'raw request: exact bytes');
    is($raw->{method}, 'GET', 'raw request: method');
}

# --- response parsing
my $parse = $C->can('parse_responses');
my $hv = $C->can('header_value');
{
    my $res = $parse->("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhelloEXTRA", 1, ['GET'], 1);
    is($res->[0]{status}, 200, 'CL: status');
    is($res->[0]{body}, 'hello', 'CL: body');
    ok($res->[0]{complete}, 'CL: complete');
    is($hv->($res->[0], 'X-A'), '1, 2', 'repeated headers joined, case-insensitive');

    $res = $parse->("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    . "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-T: 1\r\n\r\n", 1, ['GET'], 1);
    is($res->[0]{body}, 'hello world', 'chunked: decoded (with extensions, trailers)');
    ok($res->[0]{complete} && !$res->[0]{error}, 'chunked: complete');

    $res = $parse->("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 1, ['GET'], 1);
    ok(!$res->[0]{complete}, 'truncated chunked: incomplete');
    like($res->[0]{error}, qr/incomplete chunked body/, 'truncated chunked: error');

    $res = $parse->("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil close", 1, ['GET'], 1);
    is($res->[0]{body}, 'until close', 'close-delimited body');
    is($res->[0]{framing}, 'close', 'close-delimited framing');

    $res = $parse->("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 1, ['POST'], 1);
    is($res->[0]{status}, 201, '100 Continue skipped');
    is_deeply($res->[0]{interim}, [100], 'interim statuses recorded');

    $res = $parse->("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", 1, ['HEAD'], 1);
    is($res->[0]{body}, '', 'HEAD: no body');
    ok($res->[0]{complete}, 'HEAD: complete');

    $res = $parse->("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
                    . "HTTP/1.1 204 No Content\r\n\r\n"
                    . "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n",
                    3, ['GET', 'GET', 'GET'], 1);
    is_deeply([ map { [$_->{status}, $_->{body}] } @$res ],
              [ [200, 'a'], [204, ''], [200, 'c'] ], 'pipelined responses');

    $res = $parse->("garbage\r\n\r\n", 1, ['GET'], 1);
    like($res->[0]{error}, qr/bad status line/, 'bad status line reported');

    $res = $parse->("", 1, ['GET'], 1);
    is(scalar @$res, 0, 'no response at all');
}

# --- env expansion
{
    local $ENV{TEST_NGINX_UNIT_X} = 'ex';
    my $ports = {};
    my $exp = $S->can('expand_env');
    is($exp->('a $TEST_NGINX_UNIT_X b $http_host', $ports), 'a ex b $http_host',
       'TEST_NGINX_ vars expanded, nginx vars left alone');
    my $t = $exp->('$TEST_NGINX_RAND_PORT_1 $TEST_NGINX_RAND_PORT_2 $TEST_NGINX_RAND_PORT_1', $ports);
    my ($p1, $p2, $p3) = split ' ', $t;
    like($p1, qr/^\d+$/, 'random port is a number');
    is($p3, $p1, 'same random port for the same name');
    isnt($p2, $p1, 'different random port for another name');
    eval { $exp->('x $TEST_NGINX_UNIT_UNDEFINED', {}, 'TEST 1: t: --- config') };
    like($@, qr/^No environment TEST_NGINX_UNIT_UNDEFINED defined \(used in TEST 1: t: --- config\)/,
         'undefined variable dies clearly');
    is_deeply($S->can('expand_env_deep')->(['$TEST_NGINX_UNIT_X', { value => '$TEST_NGINX_UNIT_X' }, qr/x/], {}),
              ['ex', { value => 'ex' }, qr/x/], 'deep expansion');
}

# --- version comparison
{
    my $cmp = $S->can('cmp_version');
    is($cmp->('1.22.1', '1.19.5'), 1, 'version >');
    is($cmp->('1.22.1', '1.22.1'), 0, 'version ==');
    is($cmp->('1.1.0h', '1.1.1'), -1, 'openssl style version <');
}

# --- generated nginx.conf shape
{
    my $srv = $S->new(servroot => '/tmp/x/servroot', binary => 'nginx', port => 1984);
    my $conf = $srv->gen_config(
        load_modules => ['/m/a.so'], workers => 1, master => 0, daemon => 1,
        log_level => 'debug', env => ['FOO', 'B=hello world'],
        main_config => 'MAIN;', http_config => "HTTP;\nproxy_temp_path /p;",
        config => 'SERVER;', post_main_config => 'POST;', port => 1984,
        root_location => 1, worker_connections => 64,
        temp_paths => [['client_body_temp_path', 'client_body_temp'],
                       ['proxy_temp_path', 'proxy_temp']]);
    my @order = (
        qr/^load_module \/m\/a\.so;$/m, qr/^worker_processes  1;$/m,
        qr/^daemon on;$/m, qr/^master_process off;$/m,
        qr{^error_log /tmp/x/servroot/logs/error\.log debug;$}m,
        qr{^pid       /tmp/x/servroot/logs/nginx\.pid;$}m,
        qr/^env FOO;$/m, qr/^env 'B=hello world';$/m, qr/^MAIN;$/m, qr/^http \{$/m,
        qr{^    access_log /tmp/x/servroot/logs/access\.log;$}m,
        qr{^    client_body_temp_path /tmp/x/servroot/client_body_temp;$}m,
        qr/^    default_type text\/plain;$/m, qr/^    keepalive_timeout  68000ms;$/m,
        qr/^HTTP;$/m, qr/^        listen          1984;$/m,
        qr/^        server_name     'localhost';$/m,
        qr/^        client_max_body_size 30M;$/m, qr/^SERVER;$/m,
        qr/^        location \/ \{$/m, qr{^            root /tmp/x/servroot/html;$}m,
        qr/^POST;$/m, qr/^events \{$/m, qr/^    accept_mutex off;$/m,
        qr/^    worker_connections  64;$/m,
    );
    my $pos = 0;
    for my $re (@order) {
        my $ok = $conf =~ /$re/g ? 1 : 0;
        $ok &&= $-[0] >= $pos;
        ok($ok, "nginx.conf has $re in order") or diag($conf);
        $pos = $+[0] if $ok;
    }
    unlike($conf, qr{proxy_temp_path /tmp/x}, 'temp path skipped when http_config sets it');
    unlike($conf, qr/^user /m, 'no user line with the master off');
}

# --- user_files parsing (lives in Test::Nginx::Socket)
{
    require Test::Nginx::Socket;
    my @f = Test::Nginx::Socket::_parse_user_files(
        ">>> a.txt\nline 1\n>>> sub/b.txt 201801171935.33\nline 2\n", 'T');
    is(scalar @f, 2, 'user_files: two files');
    is_deeply([ @{ $f[0] }[0, 1] ], ['a.txt', "line 1\n"], 'user_files: first');
    is($f[1][0], 'sub/b.txt', 'user_files: subdir name');
    like($f[1][2], qr/^\d+$/, 'user_files: mtime parsed');
    ok(!eval { Test::Nginx::Socket::_parse_user_files(">>> ../x\n", 'T'); 1 },
       'user_files: .. rejected');
}

done_testing();
