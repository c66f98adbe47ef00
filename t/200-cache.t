# Issue 4, the cache: keyed by the normalized number (plus the country when
# there is no "+", plus the mode); a hit makes no provider call and keeps
# the verdict's original last_validated; lifetimes per verdict; PENDING is
# never cached; a full zone evicts the least recently used verdicts and
# never fails a request; concurrent requests share one call.
#
# Reload and two-worker behaviour: t/240-workers.t (master_on and workers
# are file-level settings).
#
#   prove -I t/lib t/200-cache.t

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

# filler numbers +1 415 555 NNNN (the mock answers VALID_CONFIRMED, MOBILE)
sub filler { sprintf '+1415555%04d', $_[0] }

# a bulk body of fillers $from .. $from + $n - 1
sub fillers {
    my ($from, $n) = @_;
    return '{"contacts":[' . join(',', map { '{"phone":"' . filler($_) . '"}' }
                                  $from .. $from + $n - 1) . ']}';
}

# the CRM echo of that bulk body, annotated by a location writing only
# phoneval_result status cf_S
sub fillers_fwd {
    my ($from, $n) = @_;
    my $body = '{"contacts":[' . join(',', map {
            '{"phone":"' . filler($_) . '","customFields":[{"id":"cf_S",'
            . '"field_value":"VALID_CONFIRMED"}]}' } $from .. $from + $n - 1)
        . ']}';
    return "POST /contacts/ cl=" . length($body) . " te=\n$body";
}

run_tests();

__DATA__

=== TEST 1: a cache hit makes no provider call and keeps the verdict's original last_validated
The second request comes more than a second after the first, so a verdict
re-stamped on the hit would show a later time: crm.log must hold the same
annotated body twice.
--- http_config
    phoneval_zone zone=pv:1m rate=100r/300s;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_default_country US;
        phoneval_cache           pv;
        phoneval_result          status          cf_S;
        phoneval_result          last_validated  cf_L;
        phoneval_result          confidence      cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_sleep1",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
"GET /_log/crm",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::fwd('/contacts/', '{"phone":"+12095550142",' . ::cf('VALID_CONFIRMED') . '}'),
::ex("slept\n"),
::fwd('/contacts/', '{"phone":"+12095550142",' . ::cf('VALID_CONFIRMED') . '}'),
::ex(::call('+12095550142')),
do {
    (my $line = '{"phone":"+12095550142",' . ::cf('VALID_CONFIRMED') . '}')
        =~ s/"/\\"/g;
    my $re = quotemeta $line;
    $re =~ s/\\\@DATE\\\@/$::D/g;
    qr/\A(?=$re\n)([^\n]+)\n\1\n\z/;
},
qr/\nphoneval_cache_hits_total\{zone="pv"\} 1\n.*\nphoneval_cache_misses_total\{zone="pv"\} 1\n.*\nphoneval_zone_entries\{zone="pv"\} 1\n/s,
]



=== TEST 2: one cache entry for the normalized number: separators, extensions and comments do not make new keys
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
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+1 (209) 555-0142\"}",
"POST /contacts/\n{\"phone\":\"+1.209.555.0142 x12\"}",
"POST /contacts/\n{\"phone\":\"\\uff0b1 209 555 0142 (Axel)\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+1 (209) 555-0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+1.209.555.0142 x12","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"\uff0b1 209 555 0142 (Axel)","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('+12095550142'),
]



=== TEST 3: without a "+" the country is part of the key; with a "+" it is not
"209-555-0142" with the default US and "(209) 555 0142" with "us" share an
entry; the same digits with CA are another entry; "+12095550142" is a third
one, whatever the contact's country.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_default_country US;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"209-555-0142\"}",
"POST /contacts/\n{\"phone\":\"(209) 555 0142\",\"country\":\"us\"}",
"POST /contacts/\n{\"phone\":\"209 555 0142\",\"country\":\"CA\"}",
"POST /contacts/\n{\"phone\":\"2095550142\",\"country\":\"ca\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\",\"country\":\"CA\"}",
"POST /contacts/\n{\"phone\":\"+1 209 555 0142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"209-555-0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"(209) 555 0142","country":"us","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"209 555 0142","country":"CA","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
::crm('/contacts/', '{"phone":"2095550142","country":"ca","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","country":"CA","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+1 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('2095550142', 'US') . ::call('2095550142', 'CA') . ::call('+12095550142'),
]



=== TEST 4: the check mode is part of the key
Two locations share the zone, one extensive, one express: each mode pays
for its own call once.
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
    location /express/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_check_mode      express;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /express/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /express/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/express/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/express/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('+12095550142') . ::call('+12095550142', '', '/ok', 'express'),
]



=== TEST 5: lifetimes per verdict: an INVALID kept 1s is asked again after it expired, a VALID kept 1h is not
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_concurrency     1;
        phoneval_cache           pv;
        phoneval_cache_valid     VALID_CONFIRMED VALID_UNCONFIRMED 1h;
        phoneval_cache_valid     INVALID 1s;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]}",
"GET /_sleep1",
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]}",
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"contacts":[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"INVALID"}]}]}'),
"slept\n",
::crm('/contacts/', '{"contacts":[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"INVALID"}]}]}'),
::crm('/contacts/', '{"contacts":[{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"INVALID"}]}]}'),
::call('+12095550142') . ::call('+12095550143') . ::call('+12095550143'),
]
--- timeout: 5



=== TEST 6: a verdict that phoneval_cache_valid does not list is not cached
Only VALID_CONFIRMED has a lifetime here: INVALID is asked every time.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_cache_valid     VALID_CONFIRMED 1h;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"POST /contacts/\n{\"phone\":\"+12095550143\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
::crm('/contacts/', '{"phone":"+12095550143","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('+12095550143') . ::call('+12095550143') . ::call('+12095550142'),
]



=== TEST 7: PENDING is never cached: DELAYED and a provider HTTP 500 are asked again each time
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
"POST /contacts/\n{\"phone\":\"+12095550145\"}",
"POST /contacts/\n{\"phone\":\"+12095550145\"}",
"POST /down/\n{\"phone\":\"+12095550142\"}",
"POST /down/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex("POST /contacts/ cl=79 te=\n" . '{"phone":"+12095550145","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::ex("POST /contacts/ cl=79 te=\n" . '{"phone":"+12095550145","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::ex("POST /down/ cl=79 te=\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::ex("POST /down/ cl=79 te=\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
::ex(::call('+12095550145') . ::call('+12095550145') . ::call('+12095550142', '', '/e500') . ::call('+12095550142', '', '/e500')),
qr/"cache":\{"hits":0,"misses":4,"evictions":0,"entries":0,/,
]



=== TEST 8: a bulk body mixes hits and misses: only the misses are asked
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
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n[{\"phone\":\"+12095550144\"},{\"phone\":\"+1 209 555 0142\"}]",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '[{"phone":"+12095550144","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]},{"phone":"+1 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}]'),
::call('+12095550142') . ::call('+12095550144'),
]



=== TEST 9: a cached verdict gives back every result item, not only the status
Line type, E.164 and country come from the cache node as they came from the
provider.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_output          fields;
        phoneval_result          status     st;
        phoneval_result          confidence conf;
        phoneval_result          line_type  lt;
        phoneval_result          e164       e164;
        phoneval_result          country    cc;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+1 209 555 0142\"},{\"phone\":\"+1 209 555 0144\"},{\"phone\":\"+1 209 555 0143\"}]",
"POST /contacts/\n[{\"phone\":\"+1 209 555 0142\"},{\"phone\":\"+1 209 555 0144\"},{\"phone\":\"+1 209 555 0143\"}]",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '[{"phone":"+1 209 555 0142","st":"VALID_CONFIRMED","conf":95,"lt":"MOBILE","e164":"+12095550142","cc":"US"},{"phone":"+1 209 555 0144","st":"VALID_UNCONFIRMED","conf":60,"lt":"FIXED_LINE","e164":"+12095550144","cc":"US"},{"phone":"+1 209 555 0143","st":"INVALID","conf":0,"lt":null,"e164":null,"cc":null}]'),
::crm('/contacts/', '[{"phone":"+1 209 555 0142","st":"VALID_CONFIRMED","conf":95,"lt":"MOBILE","e164":"+12095550142","cc":"US"},{"phone":"+1 209 555 0144","st":"VALID_UNCONFIRMED","conf":60,"lt":"FIXED_LINE","e164":"+12095550144","cc":"US"},{"phone":"+1 209 555 0143","st":"INVALID","conf":0,"lt":null,"e164":null,"cc":null}]'),
::call('+12095550142') . ::call('+12095550144') . ::call('+12095550143'),
]



=== TEST 10: phoneval_cache off bypasses the cache; other locations still share the zone's entries
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
    location /upsert/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /nocache/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           off;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /nocache/\n{\"phone\":\"+12095550142\"}",
"POST /nocache/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /upsert/\n{\"phone\":\"+12095550142\"}",
"POST /nocache/\n{\"phone\":\"+12095550142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/nocache/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/nocache/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/upsert/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/nocache/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('+12095550142') x 4,
]



=== TEST 11: a full zone evicts the least recently used verdicts and never fails a request
The 32k zone (8 pages, the minimum) holds 160 verdicts on x86-64 (5 free
pages of 32 slots).  X is cached, 100 fillers follow, X is used again (so
it is the most recent), 100 more fillers force about 40 evictions: X must
survive them (no second call for it) while the oldest filler was evicted
(asked again).
--- http_config
    phoneval_zone zone=pv:32k;
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
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n" . ::fillers(0, 100),
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n" . ::fillers(100, 100),
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n" . ::fillers(0, 1),
"GET /_log/provider",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex("POST /contacts/ cl=87 te=\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::ex(::fillers_fwd(0, 100)),
::ex("POST /contacts/ cl=87 te=\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::ex(::fillers_fwd(100, 100)),
::ex("POST /contacts/ cl=87 te=\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::ex(::fillers_fwd(0, 1)),
qr{\A/ok %2B12095550142 cc= mode=extensive\n(?:/ok %2B1415555\d{4} cc= mode=extensive\n){200}/ok %2B14155550000 cc= mode=extensive\n\z},
qr/\nphoneval_requests_total\{zone="pv",outcome="annotated"\} 6\n.*\nphoneval_cache_evictions_total\{zone="pv"\} [1-9]\d*\n/s,
]
--- timeout: 10



=== TEST 12: bytes per cached verdict: one 128-byte slab slot or less
The filter turns each status answer into "entries" and the pages used since
the first answer; 400 verdicts must fit in ceil(400 * 128 / pagesize)
pages.
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
[
"GET /_status?format=json",
"POST /contacts/\n" . ::fillers(0, 100),
"POST /contacts/\n" . ::fillers(100, 100),
"POST /contacts/\n" . ::fillers(200, 100),
"POST /contacts/\n" . ::fillers(300, 100),
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_filters eval
my $free0;
sub {
    my ($body) = @_;
    return $body unless $body =~ /^\{"zones"/;
    my ($entries) = $body =~ /"entries":(\d+)/;
    my ($free) = $body =~ /"free_bytes":(\d+)/;
    $free0 //= $free;
    my $ps = POSIX::sysconf(POSIX::_SC_PAGESIZE());
    my $fits = $free0 - $free
               <= POSIX::ceil($entries * 128 / $ps) * $ps ? "yes" : "no";
    return "entries=$entries fits=$fits\n";
}
--- response_body eval
[
"entries=0 fits=yes\n",
::fillers_fwd(0, 100),
::fillers_fwd(100, 100),
::fillers_fwd(200, 100),
::fillers_fwd(300, 100),
"entries=400 fits=yes\n",
]
--- timeout: 10



=== TEST 13: concurrent requests for the same number share one provider call (within a worker)
/fan sends three contact writes through this nginx at once; the provider
takes 0.5 s to answer.  Two ask for +1 209 555 0142 (written differently),
one for +1 209 555 0144: two calls in all.
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
    location = /fan {
        echo_location_async /fan1;
        echo_location_async /fan2;
        echo_location_async /fan3;
    }
    location = /fan1 {
        proxy_method POST;
        proxy_set_header Content-Type application/json;
        proxy_set_body '{"phone":"+12095550142"}';
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
    location = /fan2 {
        proxy_method POST;
        proxy_set_header Content-Type application/json;
        proxy_set_body '{"phone":"+1 209 555 0142"}';
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
    location = /fan3 {
        proxy_method POST;
        proxy_set_header Content-Type application/json;
        proxy_set_body '{"phone":"+12095550144"}';
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
--- request eval
[
"GET /fan",
"GET /_log/provider",
]
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
. ::crm('/contacts/', '{"phone":"+1 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}')
. ::crm('/contacts/', '{"phone":"+12095550144","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]}')),
do { my @l = (::call('+12095550142', '', '/slow'), ::call('+12095550144', '', '/slow')); qr/\A(?:\Q$l[0]$l[1]\E|\Q$l[1]$l[0]\E)\z/ },
]



=== TEST 14: the same uncached number twice in one body: one provider call, and the answer comes at once
Both contacts wait for the one call; the request must not wait for a second
call that is never made (phoneval_timeout is the default 10s, the client
gives up after 3s).  The cache counts one miss.
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
[
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550144\"},{\"phone\":\"+1 209 555 0144\"}]}",
"GET /_log/provider",
"GET /_status",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '{"contacts":[{"phone":"+12095550144","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]},{"phone":"+1 209 555 0144","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]}]}')),
::ex(::call('+12095550144')),
qr/\nphoneval_cache_hits_total\{zone="pv"\} 0\n.*\nphoneval_cache_misses_total\{zone="pv"\} 1\n/s,
]
--- timeout: 3



=== TEST 15: a national number with no country at all is its own key, apart from the same digits with a country
No default country here: "2095550142" is asked without CountryCode, then
with CountryCode=US for a contact that has "country":"US"; each answer is
cached under its own key.
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
[
"POST /contacts/\n{\"phone\":\"2095550142\"}",
"POST /contacts/\n{\"phone\":\"2095550142\",\"country\":\"US\"}",
"POST /contacts/\n{\"phone\":\"209 555 0142\"}",
"POST /contacts/\n{\"phone\":\"209.555.0142\",\"country\":\"US\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"2095550142","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
::crm('/contacts/', '{"phone":"2095550142","country":"US","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"209 555 0142","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
::crm('/contacts/', '{"phone":"209.555.0142","country":"US","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('2095550142') . ::call('2095550142', 'US'),
]
