# Issue 4, phoneval_status: the Prometheus text exposition (JSON with
# ?format=json) of requests by outcome, phones by verdict, provider calls
# by result, cache hits / misses / evictions, budget left, zone entries and
# free bytes, and a provider latency histogram.  Counters under two
# workers: t/240-workers.t.
#
#   prove -I t/lib t/220-status.t

use Test::Nginx::Socket 'no_plan';
use JSON::PP ();
use POSIX ();
use lib 't/inc';
use PhonevalTest;
use PhonevalZone;       # the mocks, /_pv & co., cf fwd ex call crm filler

no_shuffle();

phoneval_preprocessor(prepare => \&zone_mocks);

# Checks a Prometheus text exposition (format 0.0.4) and masks what varies
# from run to run: the finite histogram buckets (after checking they are
# cumulative and end at _count), the latency sum, the free bytes (after
# checking they are whole pages).  Problems are appended as "# BAD: ..."
# lines, so the exact comparison shows them.
sub prom_check {
    my ($text) = @_;
    return $text unless $text =~ /^# (?:HELP|TYPE) /;
    my $ps = POSIX::sysconf(POSIX::_SC_PAGESIZE());
    my (@bad, %help, %type, %prev, %count, %inf);
    my @out;
    for my $line (split /\n/, $text, -1) {
        if ($line eq '') { push @out, $line; next; }
        if ($line =~ /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S/) {
            $help{$1}++; push @out, $line; next;
        }
        if ($line =~ /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/) {
            push @bad, "TYPE before HELP for $1" unless $help{$1};
            $type{$1} = $2; push @out, $line; next;
        }
        if ($line !~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*",?)*)\} (\S+)$/) {
            push @bad, "bad line: $line"; push @out, $line; next;
        }
        my ($name, $labels, $value) = ($1, $2, $3);
        (my $family = $name) =~ s/_(?:bucket|sum|count)$//;
        $family = $name unless ($type{$family} // '') eq 'histogram';
        push @bad, "no TYPE for $name" unless $type{$family};
        push @bad, "counter $name does not end in _total"
            if ($type{$family} // '') eq 'counter' && $name !~ /_total$/;
        push @bad, "bad value in $line" unless $value =~ /^\d+(?:\.\d+)?$/;
        my ($zone) = $labels =~ /zone="([^"]*)"/;
        if ($name =~ /_bucket$/) {
            my ($le) = $labels =~ /le="([^"]*)"/;
            push @bad, "buckets not cumulative at le=$le"
                if defined $prev{$zone} && $value < $prev{$zone};
            $prev{$zone} = $value;
            if ($le eq '+Inf') { $inf{$zone} = $value; }
            else { $value = 'N'; }
        } elsif ($name =~ /_count$/ && $type{$family} eq 'histogram') {
            push @bad, "_count $value != +Inf bucket"
                unless defined $inf{$zone} && $inf{$zone} == $value;
        } elsif ($name =~ /_sum$/ && $type{$family} eq 'histogram') {
            $value = 'S';
        } elsif ($name eq 'phoneval_zone_free_bytes') {
            push @bad, "free bytes $value not whole pages" if $value % $ps;
            $value = 'F';
        }
        push @out, "$name\{$labels\} $value";
    }
    return join("\n", @out) . join('', map { "# BAD: $_\n" } @bad);
}

# Checks that a ?format=json answer is JSON and gives it back canonical
# (keys sorted), with the latency buckets and sum and the free bytes
# masked.
sub json_check {
    my ($text) = @_;
    return $text unless $text =~ /^\{"zones"/;
    my $doc = eval { JSON::PP->new->decode($text) };
    return "NOT JSON: $@" unless $doc;
    for my $z (values %{ $doc->{zones} }) {
        my $n = 0;
        $n += $_ for values %{ $z->{latency_ms}{buckets} };
        $z->{latency_ms} = { calls => $n };
        $z->{cache}{free_bytes} = $z->{cache}{free_bytes} > 0 ? 'F' : 0;
    }
    return JSON::PP->new->canonical->encode($doc) . "\n";
}

# the expected exposition for one zone "pv" with the given counts
sub prom {
    my (%c) = @_;
    my $z = $c{zone} // 'pv';
    my $t = '';
    $t .= "# HELP phoneval_requests_total Contact writes by outcome.\n"
        . "# TYPE phoneval_requests_total counter\n";
    $t .= qq{phoneval_requests_total{zone="$z",outcome="$_"} } . ($c{$_} // 0) . "\n"
        for qw(annotated unchanged rejected unavailable bad_request);
    $t .= "# HELP phoneval_phones_total Phones by verdict.\n"
        . "# TYPE phoneval_phones_total counter\n";
    $t .= qq{phoneval_phones_total{zone="$z",verdict="$_"} } . ($c{$_} // 0) . "\n"
        for qw(PENDING VALID_CONFIRMED VALID_UNCONFIRMED INVALID);
    $t .= "# HELP phoneval_provider_calls_total Provider calls by result.\n"
        . "# TYPE phoneval_provider_calls_total counter\n";
    $t .= qq{phoneval_provider_calls_total{zone="$z",result="$_"} } . ($c{"call_$_"} // 0) . "\n"
        for qw(ok delayed rate_limited key_invalid bad_answer http_error transport timeout);
    $t .= "# HELP phoneval_no_budget_total Calls not made for want of budget.\n"
        . "# TYPE phoneval_no_budget_total counter\n"
        . qq{phoneval_no_budget_total{zone="$z"} } . ($c{no_budget} // 0) . "\n"
        . "# HELP phoneval_cache_hits_total Verdicts found in the cache.\n"
        . "# TYPE phoneval_cache_hits_total counter\n"
        . qq{phoneval_cache_hits_total{zone="$z"} } . ($c{hits} // 0) . "\n"
        . "# HELP phoneval_cache_misses_total Verdicts not in the cache.\n"
        . "# TYPE phoneval_cache_misses_total counter\n"
        . qq{phoneval_cache_misses_total{zone="$z"} } . ($c{misses} // 0) . "\n"
        . "# HELP phoneval_cache_evictions_total Unexpired verdicts evicted from a full zone.\n"
        . "# TYPE phoneval_cache_evictions_total counter\n"
        . qq{phoneval_cache_evictions_total{zone="$z"} } . ($c{evictions} // 0) . "\n"
        . "# HELP phoneval_zone_entries Verdicts in the zone.\n"
        . "# TYPE phoneval_zone_entries gauge\n"
        . qq{phoneval_zone_entries{zone="$z"} } . ($c{entries} // 0) . "\n"
        . "# HELP phoneval_zone_free_bytes Free pages of the zone, in bytes.\n"
        . "# TYPE phoneval_zone_free_bytes gauge\n"
        . qq{phoneval_zone_free_bytes{zone="$z"} F\n};
    if (defined $c{remaining}) {
        $t .= "# HELP phoneval_budget_remaining Provider calls left in this window.\n"
            . "# TYPE phoneval_budget_remaining gauge\n"
            . qq{phoneval_budget_remaining{zone="$z"} $c{remaining}\n};
    }
    $t .= "# HELP phoneval_budget_blocked_seconds Seconds until the provider may be called again.\n"
        . "# TYPE phoneval_budget_blocked_seconds gauge\n"
        . qq{phoneval_budget_blocked_seconds{zone="$z"} } . ($c{blocked} // 0) . "\n"
        . "# HELP phoneval_provider_latency_seconds Provider call latency.\n"
        . "# TYPE phoneval_provider_latency_seconds histogram\n";
    $t .= qq{phoneval_provider_latency_seconds_bucket{zone="$z",le="$_"} N\n}
        for qw(0.005 0.010 0.025 0.050 0.100 0.250 0.500 1.000 2.500 5.000 10.000);
    my $calls = 0;
    $calls += $c{$_} // 0 for grep { /^call_/ } keys %c;
    $t .= qq{phoneval_provider_latency_seconds_bucket{zone="$z",le="+Inf"} $calls\n}
        . qq{phoneval_provider_latency_seconds_sum{zone="$z"} S\n}
        . qq{phoneval_provider_latency_seconds_count{zone="$z"} $calls\n};
    return $t;
}

run_tests();

__DATA__

=== TEST 1: Prometheus text exposition after a mix of outcomes
Annotated (a call, a hit, a DELAYED answer, a provider HTTP 500), unchanged
(no phone), bad request (invalid JSON), rejected (INVALID under reject).
The filter checks the exposition rules and masks the finite buckets, the
latency sum and the free bytes.
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
    location /reject/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_action          reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /down/ {
        phoneval                 on;
        phoneval_pass            /_pv_500;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550145\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\",}",
"POST /reject/\n{\"phone\":\"+12095550143\"}",
"POST /contacts/\n{\"firstName\":\"Test\"}",
"POST /down/\n{\"phone\":\"+12095550144\"}",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 400, 422, 200, 200, 200]
--- response_headers eval
["", "", "", "", "", "", "", "Content-Type: text/plain; version=0.0.4; charset=utf-8"]
--- response_body_filters eval
\&::prom_check
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr/"PENDING"/,
qr/"statusCode":400/,
qr/"statusCode":422/,
::ex(::crm('/contacts/', '{"firstName":"Test"}')),
qr/"PENDING"/,
::ex(::prom(annotated => 4, unchanged => 1, rejected => 1, bad_request => 1,
            PENDING => 2, VALID_CONFIRMED => 2, INVALID => 1,
            call_ok => 2, call_delayed => 1, call_http_error => 1,
            hits => 1, misses => 4, entries => 2, remaining => 96)),
]



=== TEST 2: the same counters as JSON with ?format=json
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
    location /reject/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_action          reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /down/ {
        phoneval                 on;
        phoneval_pass            /_pv_500;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550145\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\",}",
"POST /reject/\n{\"phone\":\"+12095550143\"}",
"POST /contacts/\n{\"firstName\":\"Test\"}",
"POST /down/\n{\"phone\":\"+12095550144\"}",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 400, 422, 200, 200, 200]
--- response_headers eval
["", "", "", "", "", "", "", "Content-Type: application/json"]
--- response_body_filters eval
\&::json_check
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr/"PENDING"/,
qr/"statusCode":400/,
qr/"statusCode":422/,
::ex(::crm('/contacts/', '{"firstName":"Test"}')),
qr/"PENDING"/,
::ex('{"zones":{"pv":{"budget":{"blocked_seconds":0,"period":300,"rate":100,"remaining":96},"cache":{"entries":2,"evictions":0,"free_bytes":"F","hits":1,"misses":4},"latency_ms":{"calls":4},"no_budget":0,"phones":{"INVALID":1,"PENDING":2,"VALID_CONFIRMED":2,"VALID_UNCONFIRMED":0},"provider_calls":{"bad_answer":0,"delayed":1,"http_error":1,"key_invalid":0,"ok":2,"rate_limited":0,"timeout":0,"transport":0},"requests":{"annotated":4,"bad_request":1,"rejected":1,"unavailable":0,"unchanged":1}}}}' . "\n"),
]



=== TEST 3: a fresh zone without rate=: every counter zero, no budget gauge (JSON: remaining null)
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
--- request eval
["GET /_status", "GET /_status?format=json"]
--- response_body_filters eval
sub { ::json_check(::prom_check($_[0])) }
--- response_body eval
[
::prom(),
'{"zones":{"pv":{"budget":{"blocked_seconds":0,"period":0,"rate":0,"remaining":null},"cache":{"entries":0,"evictions":0,"free_bytes":"F","hits":0,"misses":0},"latency_ms":{"calls":0},"no_budget":0,"phones":{"INVALID":0,"PENDING":0,"VALID_CONFIRMED":0,"VALID_UNCONFIRMED":0},"provider_calls":{"bad_answer":0,"delayed":0,"http_error":0,"key_invalid":0,"ok":0,"rate_limited":0,"timeout":0,"transport":0},"requests":{"annotated":0,"bad_request":0,"rejected":0,"unavailable":0,"unchanged":0}}}}' . "\n",
]



=== TEST 4: HEAD gets the headers only; other methods get 405
--- http_config
    phoneval_zone zone=pv:1m;
--- config
--- request eval
["HEAD /_status", "POST /_status\n{}", "HEAD /_status?format=json"]
--- error_code eval
[200, 405, 200]
--- response_headers eval
["Content-Type: text/plain; version=0.0.4; charset=utf-8", "", "Content-Type: application/json"]
--- response_body_like eval
[qr/\A\z/, qr/405 Not Allowed/, qr/\A\z/]



=== TEST 5: each zone has its own counters, told apart by the zone label
--- http_config
    phoneval_zone zone=one:1m rate=10r/300s;
    phoneval_zone zone=two:1m rate=20r/300s;
--- config
    location /one/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           one;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /two/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           two;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /one/\n{\"phone\":\"+12095550142\"}",
"POST /two/\n{\"phone\":\"+12095550142\"}",
"POST /two/\n{\"phone\":\"+12095550143\"}",
"POST /two/\n{\"phone\":\"+12095550143\"}",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_filters eval
\&::prom_check
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr/"INVALID"/,
qr/"INVALID"/,
::ex(::prom(zone => 'one', annotated => 1, VALID_CONFIRMED => 1, call_ok => 1,
            misses => 1, entries => 1, remaining => 9)
     . ::prom(zone => 'two', annotated => 3, VALID_CONFIRMED => 1, INVALID => 2,
              call_ok => 2, hits => 1, misses => 2, entries => 2,
              remaining => 18)),
]



=== TEST 6: no zone at all: an empty exposition, and {"zones":{}}
--- config
--- request eval
["GET /_status", "GET /_status?format=json"]
--- response_body eval
["", "{\"zones\":{}}\n"]



=== TEST 7: the latency histogram puts a 0.5 s call above le="0.500" and at or below le="1.000"
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
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
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/le="0\.250"\} 0\n.*le="0\.500"\} 0\n.*le="1\.000"\} 1\n.*le="\+Inf"\} 1\nphoneval_provider_latency_seconds_sum\{zone="pv"\} 0\.(?:5\d\d|[6-9]\d\d)\nphoneval_provider_latency_seconds_count\{zone="pv"\} 1\n\z/s,
]
