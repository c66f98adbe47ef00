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

    # valgrind runs need master_process off
    if ($ENV{TEST_NGINX_USE_VALGRIND}) {
        require Test::More;
        Test::More::plan(skip_all => 'needs a master process and two workers');
    }
}

use Test::Nginx::Socket 'no_plan';
use Cwd qw(cwd);

$ENV{TEST_NGINX_PHONEVAL_SO} ||= cwd() . '/build/ngx_http_phoneval_module.so';
$ENV{TEST_NGINX_ECHO_SO} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

no_shuffle();

# Every block gets these mocks appended to its http_config (unless it has
# its own server on $TEST_NGINX_RAND_PORT_1):
#
# - the Byteplant mock on $TEST_NGINX_RAND_PORT_1.  /ok answers by the
#   number in the form body (map $pv_answer); /slow does the same after
#   0.5 s; /key always answers API_KEY_INVALID_OR_DEPLETED (/slowkey after
#   0.3 s); /e500 answers HTTP 500.  Every call is logged to
#   logs/provider.log as "URI NUMBER cc=COUNTRY mode=MODE".
# - the CRM upstream on $TEST_NGINX_RAND_PORT_2: echoes the request line,
#   Content-Length, Transfer-Encoding and the exact body it got, and logs
#   that body (JSON-escaped, one line per request) to logs/crm.log.
# - "lingering_close off", so that every request is logged before its
#   connection is closed (a log read back by the next request is complete).
#
# and these locations in its config (unless it has a location of that
# name): /_pv (the internal provider location, to /ok), /_pv_slow,
# /_pv_key, /_pv_slowkey, /_pv_500, /_log/provider, /_log/crm, /_log/pv
# (logs/pv.log, for log_format tests), /_sleep1 (answers after 1 s) and
# /_status (phoneval_status).

our $PvMocks = <<'_EOC_';
    # a request is logged before its connection closes, so a log read back
    # by the next request is complete
    lingering_close off;

    map $request_body $pv_answer {
        default '{"status":"INVALID","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550142& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550143& '{"status":"INVALID","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550144& '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 209-555-0144","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550145& '{"status":"DELAYED","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550146& '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550147& '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":1}';
        ~PhoneNumber=%2B12095550148& '{"status":"API_KEY_INVALID_OR_DEPLETED"}';
        ~PhoneNumber=%2B12095550149& '{"status":"RATE_LIMIT_EXCEEDED"}';
        ~PhoneNumber=%2B12095550151& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0151","ratelimit_remain":2,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550152& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0152","ratelimit_remain":1,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550153& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0153","ratelimit_remain":0,"ratelimit_seconds":300}';
        ~PhoneNumber=2095550142&CountryCode=US& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B165055501[0-4][0-9]& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B1650555015[0-9]& '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":300}';
        "~PhoneNumber=%2B1415555[0-9]{4}&" '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","ratelimit_remain":9999,"ratelimit_seconds":300}';
    }
    map $request_body $pv_num {
        default '-';
        ~PhoneNumber=(?<pvn>[^&]*) $pvn;
    }
    map $request_body $pv_cc {
        default '';
        ~CountryCode=(?<pvc>[^&]*) $pvc;
    }
    map $request_body $pv_mode {
        default '';
        ~Mode=(?<pvm>[^&]*) $pvm;
    }
    log_format pv_provider '$uri $pv_num cc=$pv_cc mode=$pv_mode';
    log_format pv_crm escape=json '$request_body';

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/provider.log pv_provider;
        location = /ok {
            echo_read_request_body;
            echo $pv_answer;
        }
        location = /slow {
            echo_read_request_body;
            echo_sleep 0.5;
            echo $pv_answer;
        }
        location = /key {
            echo_read_request_body;
            echo '{"status":"API_KEY_INVALID_OR_DEPLETED"}';
        }
        location = /slowkey {
            echo_read_request_body;
            echo_sleep 0.3;
            echo '{"status":"API_KEY_INVALID_OR_DEPLETED"}';
        }
        location = /e500 {
            echo_read_request_body;
            echo_status 500;
            echo 'oops';
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        access_log logs/crm.log pv_crm;
        location / {
            echo_read_request_body;
            echo "$request_method $request_uri cl=$http_content_length te=$http_transfer_encoding";
            echo_request_body;
        }
    }
_EOC_

our %PvUtilLocations;
for my $m (qw(slow key slowkey)) {
    $PvUtilLocations{"/_pv_$m"} = "location = /_pv_$m { internal; proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_1/$m; }";
}
$PvUtilLocations{'/_pv'} = 'location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }';
$PvUtilLocations{'/_pv_500'} = 'location = /_pv_500 { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e500; }';
$PvUtilLocations{'/_log/provider'} = 'location = /_log/provider { alias logs/provider.log; }';
$PvUtilLocations{'/_log/crm'} = 'location = /_log/crm { alias logs/crm.log; }';
$PvUtilLocations{'/_log/pv'} = 'location = /_log/pv { alias logs/pv.log; }';
$PvUtilLocations{'/_sleep1'} = 'location = /_sleep1 { echo_sleep 1.0; echo slept; }';
$PvUtilLocations{'/_status'} = 'location = /_status { phoneval_status; }';

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->main_config) {
        $block->set_value('main_config',
            "load_module $ENV{TEST_NGINX_PHONEVAL_SO};\n"
            . "load_module $ENV{TEST_NGINX_ECHO_SO};\n");
    }

    if (defined $block->must_die) {
        return $block;
    }

    my $http = $block->http_config // '';
    if ($http !~ /listen\s+127\.0\.0\.1:\$TEST_NGINX_RAND_PORT_1\b/) {
        $block->set_value('http_config', $http . $PvMocks);
    }

    my $config = $block->config // '';
    for my $loc (sort keys %PvUtilLocations) {
        next if $config =~ /location\s+=\s+\Q$loc\E\s/;
        $config .= "    $PvUtilLocations{$loc}\n";
    }
    $block->set_value('config', $config);

    # [alert], [crit] and [emerg] fail every block that does not expect
    # them, added to the block's own no_error_log
    my $expected = join "\n", map { ref $_ eq 'ARRAY' ? @$_ : $_ }
                              grep { defined } ($block->error_log,
                                                $block->grep_error_log);
    my @always = grep { index($expected, $_) < 0 }
                 ('[alert]', '[crit]', '[emerg]');
    my $nel = $block->no_error_log;

    if (!defined $nel) {
        $block->set_value('no_error_log', join("\n", @always) . "\n");

    } elsif (ref $nel eq 'ARRAY') {
        $block->set_value('no_error_log', [@$nel, @always]);

    } elsif (ref $nel) {                # one qr//
        $block->set_value('no_error_log', [$nel, @always]);

    } else {
        chomp $nel;
        $block->set_value('no_error_log', join("\n", $nel, @always) . "\n");
    }

    return $block;
});

# ---- expected bodies -------------------------------------------------

# last_validated: YYYY-MM-DDThh:mm:ssZ
our $D = '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ';

# the customFields member written by a location with
#   phoneval_result status cf_S; last_validated cf_L; confidence cf_C;
# "@DATE@" stands for last_validated
sub cf {
    my ($v) = @_;
    my %conf = (VALID_CONFIRMED => 95, VALID_UNCONFIRMED => 60, INVALID => 0);
    my $p = $v eq 'PENDING';
    return '"customFields":[{"id":"cf_S","field_value":"' . $v . '"},'
         . '{"id":"cf_L","field_value":"' . ($p ? '' : '@DATE@') . '"},'
         . '{"id":"cf_C","field_value":' . ($p ? '""' : $conf{$v}) . '}]';
}

# the CRM echo of a forwarded body, as an anchored regex ("@DATE@" in the
# body matches any last_validated)
sub fwd {
    my ($uri, $body, $method) = @_;
    (my $plain = $body) =~ s/\@DATE\@/2000-01-01T00:00:00Z/g;
    my $re = quotemeta(($method // 'POST') . " $uri cl=" . length($plain)
                       . " te=\n$body");
    $re =~ s/\\\@DATE\\\@/$D/g;
    return qr/\A$re\z/;
}

# an exact text as an anchored regex (for blocks that need
# response_body_like for some of their requests)
sub ex {
    my ($s) = @_;
    return qr/\A\Q$s\E\z/;
}

# a provider log line
sub call {
    my ($num, $cc, $uri, $mode) = @_;
    $num =~ s/^\+/%2B/;
    return ($uri // '/ok') . " $num cc=" . ($cc // '') . " mode="
           . ($mode // 'extensive') . "\n";
}

# the CRM echo of a forwarded body without dates
sub crm {
    my ($uri, $body, $method) = @_;
    return ($method // 'POST') . " $uri cl=" . length($body) . " te=\n$body";
}

use IO::Socket::INET ();

master_on();
workers(2);

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

# filler numbers +1 415 555 NNNN (the mock answers VALID_CONFIRMED, MOBILE)
sub filler { sprintf '+1415555%04d', $_[0] }

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
