# Issue 4 under a master process and two workers (file-level settings in
# Test::Nginx): the budget, the cache and the counters are shared by all
# workers; the zone survives "nginx -s reload" (HUP), also with a changed
# configuration; the depleted-key error line is logged once per minute in
# all.
#
# The listening socket uses reuseport (TEST_NGINX_REUSE_PORT, set before
# Test::Nginx loads), so that the kernel spreads connections over both
# workers; the blocks log $pid and check that both served some requests.
# Reloads happen in "--- init" (Perl run after nginx started, before the
# requests): pv_post() sends one request, pv_reload() sends HUP to the
# master and waits until only new workers are left.
#
#   prove -I t/lib t/240-workers.t

BEGIN {
    $ENV{TEST_NGINX_REUSE_PORT} = 1;

    # Test::Nginx runs nginx under valgrind with master_process off only;
    # "make test-valgrind" runs this file with every process under
    # memcheck through TEST_NGINX_BINARY=t/valgrind-master instead
    if ($ENV{TEST_NGINX_USE_VALGRIND}) {
        require Test::More;
        Test::More::plan(skip_all => 'needs a master process and two workers');
    }
}

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use lib 't/inc';
use PhonevalTest;
use PhonevalZone;       # the mocks, /_pv & co., cf fwd ex call crm filler

no_shuffle();
master_on();
workers(2);

phoneval_preprocessor(prepare => \&zone_mocks);

# one request on a fresh connection; dies unless the answer is a 200
sub pv_post {
    my ($uri, $body) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => server_port_for_client(),
                                  Proto => 'tcp', Timeout => 5)
        or die "cannot connect: $!\n";
    print $s "POST $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Content-Type: application/json\r\nContent-Length: "
        . length($body) . "\r\n\r\n$body";
    local $/;
    my $resp = <$s>;
    close $s;
    die "no 200 answer to POST $uri: " . ($resp // '(nothing)') . "\n"
        unless defined $resp && $resp =~ m{\AHTTP/1\.1 200 };
    return $resp;
}

# the pids of a process's children
sub pv_children {
    my ($ppid) = @_;
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh>;
        close $fh;
        push @kids, $1 if defined $line
                          && $line =~ /^(\d+) \(.*\) \S (\d+) / && $2 == $ppid;
    }
    return @kids;
}

# HUP to the master (after $edit->(\$conf_text) changed nginx.conf, if
# given); returns once two new workers run and no old one is left
sub pv_reload {
    my ($edit) = @_;
    my $root = server_root();
    open my $fh, '<', "$root/logs/nginx.pid" or die "no pid file: $!\n";
    chomp(my $master = <$fh>);
    close $fh;

    if ($edit) {
        open $fh, '<', "$root/conf/nginx.conf" or die "$!\n";
        my $conf = do { local $/; <$fh> };
        close $fh;
        $edit->(\$conf);
        open $fh, '>', "$root/conf/nginx.conf" or die "$!\n";
        print $fh $conf;
        close $fh;
    }

    my %old = map { $_ => 1 } pv_children($master);
    kill 'HUP', $master or die "cannot signal $master: $!\n";

    for (1 .. 500) {
        my @now = pv_children($master);
        return if @now >= 2 && !grep { $old{$_} } @now;
        select undef, undef, undef, 0.01;
    }

    die "nginx did not reload within 5s\n";
}

# at least two distinct pids at the start of the lines of a log
our $TwoPids = qr/^(?<pid>\d+) .*^(?!\k<pid> )\d+ /ms;

run_tests();

__DATA__

=== TEST 1: rate=10r/300s is one budget for both workers: 16 requests, 10 calls
--- http_config
    phoneval_zone zone=pv:1m rate=10r/300s;
    log_format pv_pid '$pid $phoneval_status';
--- config
    location /contacts/ {
        access_log logs/pv.log pv_pid;
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
(map { "POST /contacts/\n{\"phone\":\"" . ::filler($_) . "\"}" } 1 .. 16),
"GET /_log/provider",
"GET /_log/pv",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
(map { ::ex(::crm('/contacts/', '{"phone":"' . ::filler($_) . '","customFields":[{"id":"cf_S","field_value":"' . ($_ <= 10 ? 'VALID_CONFIRMED' : 'PENDING') . '"}]}')) } 1 .. 16),
::ex(CORE::join('', map { ::call(::filler($_)) } 1 .. 10)),
qr/\A(?=$::TwoPids)(?:\d+ VALID_CONFIRMED\n){10}(?:\d+ PENDING\n){6}\z/,
qr/"phones":\{"PENDING":6,"VALID_CONFIRMED":10,"VALID_UNCONFIRMED":0,"INVALID":0\},"provider_calls":\{"ok":10,"delayed":0,"rate_limited":0,"key_invalid":0,"bad_answer":0,"http_error":0,"transport":0,"timeout":0\},"no_budget":6,"cache":\{"hits":0,"misses":16,"evictions":0,"entries":10,.*"budget":\{"rate":10,"period":300,"remaining":0,"blocked_seconds":0\}/,
]



=== TEST 2: the cache is one cache for both workers: 10 numbers twice, 10 calls
--- http_config
    phoneval_zone zone=pv:1m;
    log_format pv_pid '$pid $phoneval_cache';
--- config
    location /contacts/ {
        access_log logs/pv.log pv_pid;
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
(map { "POST /contacts/\n{\"phone\":\"" . ::filler($_ % 10) . "\"}" } 0 .. 19),
"GET /_log/provider",
"GET /_log/pv",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
(map { ::ex(::crm('/contacts/', '{"phone":"' . ::filler($_ % 10) . '","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')) } 0 .. 19),
::ex(CORE::join('', map { ::call(::filler($_)) } 0 .. 9)),
qr/\A(?=$::TwoPids)(?:\d+ MISS\n){10}(?:\d+ HIT\n){10}\z/,
qr/"requests":\{"annotated":20,"unchanged":0,"rejected":0,"unavailable":0,"bad_request":0\},"phones":\{"PENDING":0,"VALID_CONFIRMED":20,"VALID_UNCONFIRMED":0,"INVALID":0\},"provider_calls":\{"ok":10,.*"cache":\{"hits":10,"misses":10,"evictions":0,"entries":10,/,
]



=== TEST 3: every worker answers the status with the same counts
Mixed outcomes first, then the status eight times, from both workers.
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
    log_format pv_pid '$pid $uri';
--- config
    access_log logs/pv.log pv_pid;

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
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\",}",
"POST /contacts/\n{\"phone\":\"+12095550145\"}",
"POST /contacts/\n{\"firstName\":\"Test\"}",
("GET /_status?format=json") x 8,
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 400, (200) x 11]
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr/"INVALID"/,
qr/"statusCode":400/,
qr/"PENDING"/,
qr/"firstName"/,
(qr/\A\{"zones":\{"pv":\{"requests":\{"annotated":4,"unchanged":1,"rejected":0,"unavailable":0,"bad_request":1\},"phones":\{"PENDING":1,"VALID_CONFIRMED":2,"VALID_UNCONFIRMED":0,"INVALID":1\},"provider_calls":\{"ok":2,"delayed":1,"rate_limited":0,"key_invalid":0,"bad_answer":0,"http_error":0,"transport":0,"timeout":0\},"no_budget":0,"cache":\{"hits":1,"misses":3,"evictions":0,"entries":2,"free_bytes":\d+\},"budget":\{"rate":100,"period":300,"remaining":97,"blocked_seconds":0\},"latency_ms":\{"buckets":\{[^}]*\},"sum":\d+\}\}\}\}\n\z/) x 8,
qr/\A(?=$::TwoPids)(?:\d+ \/contacts\/\n){6}(?:\d+ \/_status\n){8}\z/,
]



=== TEST 4: the zone survives "nginx -s reload": verdicts and counters are still there
init: one validated request, then HUP.
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
--- init
main::pv_post('/contacts/', '{"phone":"+12095550142"}');
main::pv_reload();
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')),
::ex(::call('+12095550142')),
qr/"requests":\{"annotated":2,.*"provider_calls":\{"ok":1,.*"cache":\{"hits":1,"misses":1,"evictions":0,"entries":1,/,
]



=== TEST 5: a reload with a changed configuration keeps the zone, and nothing in it points at the old one
The new configuration has another API key, another result target and a new
location; the zone (same name, same size) keeps its verdicts, its name in
the status, its counters; no worker crashes.
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
--- init
main::pv_post('/contacts/', '{"phone":"+12095550142"}');
main::pv_reload(sub {
    my $conf = shift;
    $$conf =~ s/pv-test-key-0042/pv-test-key-0043/ or die "no key\n";
    $$conf =~ s/cf_S;/cf_NEW;/ or die "no target\n";
    $$conf =~ s/(location = \/_status )/location = \/reloaded { return 200 "new configuration\\n"; }\n    $1/
        or die "no status location\n";
});
--- request eval
[
"GET /reloaded",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"GET /_log/provider",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex("new configuration\n"),
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_NEW","field_value":"VALID_CONFIRMED"}]}')),
::ex(::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_NEW","field_value":"INVALID"}]}')),
::ex(::call('+12095550142') . ::call('+12095550143')),
qr/\nphoneval_requests_total\{zone="pv",outcome="annotated"\} 3\n.*\nphoneval_cache_hits_total\{zone="pv"\} 1\n.*\nphoneval_cache_misses_total\{zone="pv"\} 2\n.*\nphoneval_zone_entries\{zone="pv"\} 2\n.*\nphoneval_budget_remaining\{zone="pv"\} 98\n/s,
]



=== TEST 6: API_KEY_INVALID_OR_DEPLETED answered in both workers at once: one error line in all
/fan sends four contact writes through this nginx at once (the connections
are spread over the workers); the provider answers after 0.3 s that the
key is depleted.
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv_slowkey;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /fan {
        echo_location_async /fan/1;
        echo_location_async /fan/2;
        echo_location_async /fan/3;
        echo_location_async /fan/4;
    }
    location ~ ^/fan/(?<n>\d)$ {
        proxy_method POST;
        proxy_set_header Content-Type application/json;
        proxy_set_body '{"phone":"+1209555014$n"}';
        rewrite ^ /contacts/ break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
--- request
GET /fan
--- response_body eval
CORE::join('', map { ::crm('/contacts/', '{"phone":"+1209555014' . $_ . '","customFields":[{"id":"cf_S","field_value":"PENDING"}]}') } 1 .. 4)
--- grep_error_log eval
qr/\[error\](?=.*API_KEY_INVALID_OR_DEPLETED)/
--- grep_error_log_out
[error]
--- timeout: 5



=== TEST 7: after RATE_LIMIT_EXCEEDED in one worker, no worker calls the provider
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
    log_format pv_pid '$pid $phoneval_status';
--- config
    location /contacts/ {
        access_log logs/pv.log pv_pid;
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550146\"}",
(map { "POST /contacts/\n{\"phone\":\"" . ::filler($_) . "\"}" } 1 .. 12),
"GET /_log/provider",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550146","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
(map { ::ex(::crm('/contacts/', '{"phone":"' . ::filler($_) . '","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')) } 1 .. 12),
::ex(::call('+12095550146')),
qr/\A(?=$::TwoPids)(?:\d+ PENDING\n){13}\z/,
]



=== TEST 8: the budget window survives a reload, and the new rate= applies to it
rate=2r/300s: three phones, two calls.  The reload raises the rate to 3:
one more call, then none.
--- http_config
    phoneval_zone zone=pv:1m rate=2r/300s;
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
--- init
main::pv_post('/contacts/', '[{"phone":"+14155550001"},{"phone":"+14155550002"},{"phone":"+14155550003"}]');
main::pv_reload(sub {
    my $conf = shift;
    $$conf =~ s/rate=2r\/300s/rate=3r\/300s/ or die "no rate\n";
});
--- request eval
[
"POST /contacts/\n{\"phone\":\"+14155550004\"}",
"POST /contacts/\n{\"phone\":\"+14155550005\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+14155550004","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')),
::ex(::crm('/contacts/', '{"phone":"+14155550005","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::call('+14155550001') . ::call('+14155550002') . ::call('+14155550004')),
qr/"no_budget":2,.*"budget":\{"rate":3,"period":300,"remaining":0,"blocked_seconds":0\}/,
]



=== TEST 9: the minute without calls after API_KEY_INVALID_OR_DEPLETED ends with a reload (which may rotate the key)
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
--- init
main::pv_post('/contacts/', '{"phone":"+12095550148"}');
main::pv_post('/contacts/', '{"phone":"+12095550143"}');
main::pv_reload(sub {
    my $conf = shift;
    $$conf =~ s/pv-test-key-0042/pv-test-key-0043/ or die "no key\n";
});
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('+12095550148') . ::call('+12095550142'),
]



=== TEST 10: the stop after RATE_LIMIT_EXCEEDED survives a reload
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
--- init
main::pv_post('/contacts/', '{"phone":"+12095550146"}');
main::pv_reload();
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}')),
::ex(::call('+12095550146')),
qr/\nphoneval_budget_blocked_seconds\{zone="pv"\} (?:29\d|300)\n/,
]



=== TEST 11: calls in flight in any worker count against the provider's remainder
/fan writes 0172 (the provider answers after 0.5 s, "5 left") and, 0.1 s
later on another connection, 0171 (at once, "1 left"): when 0171's answer
comes, 0172's call is still out, so nothing is left, and 0172's later "5
left" in the same window gives nothing back: the next write gets no call.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv_bynum;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /fan {
        echo_location_async /fan/2;
        echo_sleep 0.1;
        echo_location_async /fan/1;
    }
    location ~ ^/fan/(?<n>\d)$ {
        proxy_method POST;
        proxy_set_header Content-Type application/json;
        proxy_set_body '{"phone":"+1209555017$n"}';
        rewrite ^ /contacts/ break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
--- request eval
[
"GET /fan",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550172","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
. ::crm('/contacts/', '{"phone":"+12095550171","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::call('+12095550171', '', '/bynum') . ::call('+12095550172', '', '/bynum'),
]
--- timeout: 5
