# Issue 4, log variables: $phoneval_status (the verdict, MIXED for bulk
# with several, SKIPPED, ERROR), $phoneval_phones, $phoneval_cache (HIT,
# MISS, PARTIAL, BYPASS) and $phoneval_time (ms spent validating), in a
# log_format; the access log is read back through /_log/pv.
#
#   prove -I t/lib t/230-variables.t

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

run_tests();

__DATA__

=== TEST 1: the four variables in a log_format, request by request
--- http_config
    phoneval_zone zone=pv:1m;
    log_format pv_vars '$request_method $uri $status status=$phoneval_status phones=$phoneval_phones cache=$phoneval_cache time=$phoneval_time';
--- config
    access_log logs/pv.log pv_vars;

    location /contacts/ {
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
    location /reject/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_action          reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /strict/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_on_error        reject;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /small/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_max_phones      2;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /plain/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /as-text {
        proxy_set_header Content-Type text/plain;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/contacts/;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+1 209 555 0142\"}",
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]}",
"POST /contacts/\n[{\"phone\":\"+12095550143\"},{\"phone\":\"+1 209 555 0143\"}]",
"POST /contacts/\n{\"firstName\":\"Test\"}",
"POST /contacts/\n{\"phone\":\"+12095550142\"",
"GET /contacts/",
"POST /nocache/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+12095550145\"}",
"POST /contacts/\n[{\"phone\":\"+12095550142\"},{\"phone\":null}]",
"POST /reject/\n{\"phone\":\"+12095550143\"}",
"POST /strict/\n{\"phone\":\"+12095550145\"}",
"POST /small/\n[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"},{\"phone\":\"+12095550144\"}]",
"POST /plain/\n{\"phone\":\"+12095550142\"}",
"POST /as-text\n{\"phone\":\"+12095550142\"}",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200, 200, 400, 200, 200, 200, 200, 422, 503, 413, 200, 415, 200]
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr/"INVALID"/,
qr/"INVALID"/,
qr/"firstName"/,
qr/"statusCode":400/,
qr/\AGET \/contacts\/ /,
qr/"VALID_CONFIRMED"/,
qr/"PENDING"/,
qr/"VALID_CONFIRMED"/,
qr/"statusCode":422/,
qr/"statusCode":503/,
qr/"statusCode":413/,
qr/\APOST \/plain\/ cl=24 /,
qr/"statusCode":415/,
do {
    my $t = '(?:0|[1-9]\d*)';
    my @l = (
        "POST /contacts/ 200 status=VALID_CONFIRMED phones=1 cache=MISS time=T",
        "POST /contacts/ 200 status=VALID_CONFIRMED phones=1 cache=HIT time=T",
        "POST /contacts/ 200 status=MIXED phones=2 cache=PARTIAL time=T",
        "POST /contacts/ 200 status=INVALID phones=2 cache=HIT time=T",
        "POST /contacts/ 200 status=SKIPPED phones=0 cache=BYPASS time=T",
        "POST /contacts/ 400 status=ERROR phones=0 cache=BYPASS time=T",
        "GET /contacts/ 200 status=- phones=- cache=- time=-",
        "POST /nocache/ 200 status=VALID_CONFIRMED phones=1 cache=BYPASS time=T",
        "POST /contacts/ 200 status=PENDING phones=1 cache=MISS time=T",
        "POST /contacts/ 200 status=VALID_CONFIRMED phones=1 cache=HIT time=T",
        "POST /reject/ 422 status=INVALID phones=1 cache=HIT time=T",
        "POST /strict/ 503 status=PENDING phones=1 cache=MISS time=T",
        "POST /small/ 413 status=ERROR phones=3 cache=BYPASS time=T",
        "POST /plain/ 200 status=- phones=- cache=- time=-",
        "POST /contacts/ 415 status=SKIPPED phones=0 cache=BYPASS time=T",
        "POST /as-text 415 status=- phones=- cache=- time=-",
    );
    my $re = CORE::join('', map { my $x = quotemeta("$_\n"); $x =~ s/T(?=\\\n)/$t/; $x } @l);
    qr/\A$re\z/;
},
]



=== TEST 2: $phoneval_time counts the milliseconds spent validating (a 0.5 s provider)
--- http_config
    phoneval_zone zone=pv:1m;
    log_format pv_vars '$uri $phoneval_status $phoneval_cache $phoneval_time';
--- config
    location /contacts/ {
        access_log logs/pv.log pv_vars;
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
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"VALID_CONFIRMED"/,
qr{\A/contacts/ VALID_CONFIRMED MISS (?:[5-9]\d\d|[1-4]\d\d\d)\n/contacts/ VALID_CONFIRMED HIT (?:\d|[1-9]\d)\n\z},
]



=== TEST 3: the variables work in add_header of the proxied response
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        add_header X-Phoneval "$phoneval_status $phoneval_phones $phoneval_cache";
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550144\"}]}",
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550144\"}]}",
]
--- more_headers
Content-Type: application/json
--- response_headers eval
["X-Phoneval: MIXED 2 MISS", "X-Phoneval: MIXED 2 HIT"]
--- response_body_like eval
[qr/"VALID_UNCONFIRMED"/, qr/"VALID_UNCONFIRMED"/]



=== TEST 4: the documented example access-log line (docs/operations.md, Variables)
--- http_config
    phoneval_zone zone=pv:1m;
    log_format phoneval '$remote_addr [$time_local] "$request" $status '
                        'pv=$phoneval_status phones=$phoneval_phones '
                        'cache=$phoneval_cache pv_ms=$phoneval_time '
                        'rt=$request_time';
--- config
    location /contacts/ {
        access_log logs/pv.log phoneval;
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
"POST /contacts/\n[{\"phone\":\"+12095550142\"},{\"phone\":\"+1 209 555 01ab\"}]",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
qr/"VALID_CONFIRMED"/,
qr/"INVALID"/,
qr{\A127\.0\.0\.1 \[\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "POST /contacts/ HTTP/1\.1" 200 pv=VALID_CONFIRMED phones=1 cache=MISS pv_ms=\d+ rt=\d+\.\d{3}\n127\.0\.0\.1 \[[^\]]+\] "POST /contacts/ HTTP/1\.1" 200 pv=MIXED phones=2 cache=HIT pv_ms=\d+ rt=\d+\.\d{3}\n\z},
]
