package PhonevalZone;

# The zone tests' fixtures (t/200-cache.t .. t/240-workers.t): the mocks
# every block gets, the utility locations, and the helpers that build
# expected bodies and log lines.
#
#   use lib 't/inc';
#   use PhonevalTest;
#   use PhonevalZone;
#   phoneval_preprocessor(prepare => \&zone_mocks);
#
# The helpers are exported into main, so blocks call them as ::fwd(...),
# ::call(...) etc. in their eval sections.

use strict;
use warnings;

use Exporter 'import';

our @EXPORT = qw(zone_mocks $PvMocks %PvUtilLocations $D
                 cf fwd ex call crm filler log_count);

# Every block gets these mocks appended to its http_config (unless it has
# its own server on $TEST_NGINX_RAND_PORT_1):
#
# - the Byteplant mock on $TEST_NGINX_RAND_PORT_1.  /ok answers by the
#   number in the form body (map $pv_answer); /slow does the same after
#   0.5 s; /bynum too, after 0.5 s for +12095550172 and at once for the
#   others; /delayed always answers DELAYED, /rate1 RATE_LIMIT_EXCEEDED
#   with ratelimit_seconds 1; /key always answers
#   API_KEY_INVALID_OR_DEPLETED (/slowkey after 0.3 s); /e500 answers
#   HTTP 500.  Every call is logged to logs/provider.log as "URI NUMBER
#   cc=COUNTRY mode=MODE".
# - the CRM upstream on $TEST_NGINX_RAND_PORT_2: echoes the request line,
#   Content-Length, Transfer-Encoding and the exact body it got, and logs
#   that body (JSON-escaped, one line per request) to logs/crm.log.
# - "lingering_close off", so that every request is logged before its
#   connection is closed (a log read back by the next request is complete).
#
# and these locations in its config (unless it has a location of that
# name): /_pv (the internal provider location, to /ok), /_pv_slow,
# /_pv_bynum, /_pv_delayed, /_pv_rate1, /_pv_key, /_pv_slowkey, /_pv_500,
# /_log/provider, /_log/crm, /_log/pv (logs/pv.log, for log_format tests),
# /_log/error (the whole error log: Test::Nginx checks --- error_log and
# --- grep_error_log after each request, so what several requests of a
# block log is checked in the body of a last GET /_log/error, see
# log_count()), /_sleep1 (answers after 1 s) and /_status (phoneval_status).

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
        ~PhoneNumber=%2B12095550161& '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":1e300}';
        ~PhoneNumber=%2B12095550162& '{"status":"VALID_CONFIRMED","ratelimit_remain":"0","ratelimit_seconds":"99999999999999999999999"}';
        ~PhoneNumber=%2B12095550163& '{"status":"VALID_CONFIRMED","ratelimit_remain":1e300,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550164& '{"status":"VALID_CONFIRMED","linetype":"UNKNOWN","countrycode":"US","formatinternational":"+1 209-555-0164"}';
        ~PhoneNumber=12345678901234567&CountryCode=US& '{"status":"VALID_UNCONFIRMED","linetype":"ABCDEFGHIJKLMNOPQRSTUVWX","countrycode":"US","formatinternational":"+12345678901234567890"}';
        ~PhoneNumber=%2B12095550171& '{"status":"VALID_CONFIRMED","ratelimit_remain":1,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550172& '{"status":"VALID_CONFIRMED","ratelimit_remain":5,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550173& '{"status":"VALID_CONFIRMED","ratelimit_remain":0,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B12095550175& '{"status":"VALID_CONFIRMED","ratelimit_remain":50,"ratelimit_seconds":3000}';
        ~PhoneNumber=2095550142&CountryCode=US& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B165055501[0-4][0-9]& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","ratelimit_remain":9999,"ratelimit_seconds":300}';
        ~PhoneNumber=%2B1650555015[0-9]& '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":300}';
        "~PhoneNumber=%2B1415555[0-9]{4}&" '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","ratelimit_remain":9999,"ratelimit_seconds":300}';
    }
    map $request_body $pv_delay {
        default 0.001;
        ~PhoneNumber=%2B12095550172& 0.5;
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
        location = /bynum {
            echo_read_request_body;
            echo_sleep $pv_delay;
            echo $pv_answer;
        }
        location = /delayed {
            echo_read_request_body;
            echo '{"status":"DELAYED"}';
        }
        location = /rate1 {
            echo_read_request_body;
            echo '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":1}';
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
for my $m (qw(slow bynum delayed rate1 key slowkey)) {
    $PvUtilLocations{"/_pv_$m"} = "location = /_pv_$m { internal; proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_1/$m; }";
}
$PvUtilLocations{'/_pv'} = 'location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }';
$PvUtilLocations{'/_pv_500'} = 'location = /_pv_500 { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e500; }';
$PvUtilLocations{'/_log/provider'} = 'location = /_log/provider { alias logs/provider.log; }';
$PvUtilLocations{'/_log/crm'} = 'location = /_log/crm { alias logs/crm.log; }';
$PvUtilLocations{'/_log/pv'} = 'location = /_log/pv { alias logs/pv.log; }';
$PvUtilLocations{'/_log/error'} = 'location = /_log/error { alias logs/error.log; }';
$PvUtilLocations{'/_sleep1'} = 'location = /_sleep1 { echo_sleep 1.0; echo slept; }';
$PvUtilLocations{'/_status'} = 'location = /_status { phoneval_status; }';

# the preprocessor's prepare step (see PhonevalTest): the mocks and the
# locations above, for every block but a must_die one
sub zone_mocks {
    my $block = shift;

    return if defined $block->must_die;

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
}

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

# for the body of GET /_log/error: exactly $n of its lines match $line (a
# qr// within one line), as a grep_error_log of $line over the whole log
# expecting $n matches
sub log_count {
    my ($n, $line) = @_;
    my $other = qr/(?:(?![^\n]*$line)[^\n]*\n)*/;
    return qr/\A$other(?:[^\n]*$line[^\n]*\n$other){$n}\z/;
}

# filler numbers +1 415 555 NNNN (the mock answers VALID_CONFIRMED, MOBILE)
sub filler { sprintf '+1415555%04d', $_[0] }

1;
