# Issue 4, phoneval_status: the Prometheus text exposition (JSON with
# ?format=json) of requests by outcome, phones by verdict, provider calls
# by result, cache hits / misses / evictions, budget left, zone entries and
# free bytes, and a provider latency histogram.  Counters under two
# workers: t/240-workers.t.
#
#   prove -I t/lib t/220-status.t

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

use JSON::PP ();
use POSIX ();

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
