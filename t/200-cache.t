# Issue 4, the cache: keyed by the normalized number (plus the country when
# there is no "+", plus the mode); a hit makes no provider call and keeps
# the verdict's original last_validated; lifetimes per verdict; PENDING is
# never cached; a full zone evicts the least recently used verdicts and
# never fails a request; concurrent requests share one call.  Field cases
# B1 (nothing PENDING is cached) and H4 (one call for a phone written twice).
#
# Reload and two-worker behaviour: t/240-workers.t (master_on and workers
# are file-level settings).
#
#   prove -I t/lib t/200-cache.t

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalZone;       # the mocks, /_pv & co., cf fwd ex call crm filler

no_shuffle();
check_accum_error_log();

phoneval_preprocessor(prepare => \&zone_mocks);

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



=== TEST 5: lifetimes per verdict: an INVALID kept 3s is asked again after it expired, a VALID kept 1h is not
The third request comes 3.1 s after the first, the fourth within 3 s of
the third (3 s, not 1 s: Test::Nginx reads the error log between two
requests, which can take a while on a busy machine).
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
        phoneval_cache_valid     INVALID 3s;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_sleep3 {
        echo_sleep 3.1;
        echo slept;
    }
--- request eval
[
"POST /contacts/\n{\"contacts\":[{\"phone\":\"+12095550142\"},{\"phone\":\"+12095550143\"}]}",
"GET /_sleep3",
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
--- timeout: 8



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



=== TEST 16: a line type the module has never heard of comes back from the cache as the provider sent it
"UNKNOWN", and a made-up 24-letter one on the largest node there is (a
17-digit national number with its country, a 20-digit E.164): each is
stored as text, not looked up in a table of known types.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_default_country US;
        phoneval_cache           pv;
        phoneval_output          fields;
        phoneval_result          status     st;
        phoneval_result          line_type  lt;
        phoneval_result          e164       e164;
        phoneval_result          country    cc;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n[{\"phone\":\"+1 209 555 0164\"},{\"phone\":\"12345678901234567\"}]",
"POST /contacts/\n[{\"phone\":\"+1 209 555 0164\"},{\"phone\":\"12345678901234567\"}]",
"GET /_log/provider",
"GET /_status?format=json",
]
--- more_headers
Content-Type: application/json
--- response_body_like eval
[
::ex(::crm('/contacts/', '[{"phone":"+1 209 555 0164","st":"VALID_CONFIRMED","lt":"UNKNOWN","e164":"+12095550164","cc":"US"},{"phone":"12345678901234567","st":"VALID_UNCONFIRMED","lt":"ABCDEFGHIJKLMNOPQRSTUVWX","e164":"+12345678901234567890","cc":"US"}]')),
::ex(::crm('/contacts/', '[{"phone":"+1 209 555 0164","st":"VALID_CONFIRMED","lt":"UNKNOWN","e164":"+12095550164","cc":"US"},{"phone":"12345678901234567","st":"VALID_UNCONFIRMED","lt":"ABCDEFGHIJKLMNOPQRSTUVWX","e164":"+12345678901234567890","cc":"US"}]')),
::ex(::call('+12095550164') . ::call('12345678901234567', 'US')),
qr/"cache":\{"hits":2,"misses":2,"evictions":0,"entries":2,/,
]



=== TEST 17: phoneval_cache_valid 10y, the longest lifetime: the verdict is cached
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location /contacts/ {
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_cache_valid     VALID_CONFIRMED 10y;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"POST /contacts/\n{\"phone\":\"+12095550142\"}",
"POST /contacts/\n{\"phone\":\"+1 209 555 0142\"}",
"GET /_log/provider",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::crm('/contacts/', '{"phone":"+1 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
::call('+12095550142'),
]



=== TEST 18: field case B1: DELAYED, then RATE_LIMIT_EXCEEDED, then API_KEY_INVALID_OR_DEPLETED for one number with no country: PENDING each time, never cached
"phone":"2095550142", no country and no phoneval_default_country: no
CountryCode is sent (none is invented).  Each answer gives PENDING and the
request is forwarded (on_error pass); nothing is stored, so the same number
is asked again: DELAYED twice, RATE_LIMIT_EXCEEDED twice (once its 1 s
block is over).  After API_KEY_INVALID_OR_DEPLETED the zone makes no call
for a minute (the next request: PENDING without a call), and the key error
is logged once.
--- http_config
    phoneval_zone zone=pv:1m;
--- config
    location = /b1/delayed {
        phoneval                 on;
        phoneval_pass            /_pv_delayed;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status          cf_S;
        phoneval_result          last_validated  cf_L;
        phoneval_result          confidence      cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /b1/rate1 {
        phoneval                 on;
        phoneval_pass            /_pv_rate1;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status          cf_S;
        phoneval_result          last_validated  cf_L;
        phoneval_result          confidence      cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /b1/key {
        phoneval                 on;
        phoneval_pass            /_pv_key;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status          cf_S;
        phoneval_result          last_validated  cf_L;
        phoneval_result          confidence      cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_log/error {
        alias logs/error.log;
    }
--- request eval
[
"POST /b1/delayed\n{\"phone\":\"2095550142\"}",
"POST /b1/delayed\n{\"phone\":\"2095550142\"}",
"POST /b1/rate1\n{\"phone\":\"2095550142\"}",
"GET /_sleep1",
"POST /b1/rate1\n{\"phone\":\"2095550142\"}",
"GET /_sleep1",
"POST /b1/key\n{\"phone\":\"2095550142\"}",
"POST /b1/key\n{\"phone\":\"2095550142\"}",
"GET /_log/provider",
"GET /_status?format=json",
"GET /_log/error",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
[
(map { ::ex(::crm("/b1/$_", '{"phone":"2095550142",' . ::cf('PENDING') . '}')) } qw(delayed delayed rate1)),
qr/\Aslept\n\z/,
::ex(::crm('/b1/rate1', '{"phone":"2095550142",' . ::cf('PENDING') . '}')),
qr/\Aslept\n\z/,
(map { ::ex(::crm("/b1/$_", '{"phone":"2095550142",' . ::cf('PENDING') . '}')) } qw(key key)),
::ex(::call('2095550142', '', '/delayed') . ::call('2095550142', '', '/delayed')
     . ::call('2095550142', '', '/rate1') . ::call('2095550142', '', '/rate1')
     . ::call('2095550142', '', '/key')),
qr/"phones":\{"PENDING":6,"VALID_CONFIRMED":0,"VALID_UNCONFIRMED":0,"INVALID":0\},"provider_calls":\{"ok":0,"delayed":2,"rate_limited":2,"key_invalid":1,.*"no_budget":1,"cache":\{"hits":0,"misses":6,"evictions":0,"entries":0,/,
qr/\A(?:(?![^\n]*\[error\])[^\n]*\n)*[^\n]*\[error\][^\n]*API_KEY_INVALID_OR_DEPLETED[^\n]*no calls for 60s[^\n]*\n(?:(?![^\n]*\[error\])[^\n]*\n)*\z/,
]
--- timeout: 10



=== TEST 19: field case H4: a PUT with only customFields and no phone costs no call; then the same phone twice within the cache lifetime: one call for the pair
The spoofed result entries of the first PUT are stripped; the second PUT's
spoofed entry is replaced by the real verdict; the third, the same number
in another spelling, is a cache hit.
--- http_config
    phoneval_zone zone=pv:1m;
    log_format pv_cache '$request_uri $phoneval_cache $phoneval_status';
--- config
    location /contacts/ {
        access_log logs/pv.log pv_cache;
        phoneval                 on;
        phoneval_pass            /_pv;
        phoneval_api_key         pv-test-key-0042;
        phoneval_cache           pv;
        phoneval_result          status  cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- request eval
[
"PUT /contacts/c_FAKE1\n{\"customFields\":[{\"id\":\"cf_S\",\"field_value\":\"VALID_CONFIRMED\"},{\"id\":\"cf_OTHER\",\"field_value\":\"x\"}]}",
"PUT /contacts/c_FAKE1\n{\"phone\":\"+12095550142\",\"customFields\":[{\"id\":\"cf_S\",\"field_value\":\"INVALID\"}]}",
"PUT /contacts/c_FAKE1\n{\"phone\":\"+1 (209) 555-0142\"}",
"GET /_log/provider",
"GET /_log/pv",
]
--- more_headers
Content-Type: application/json
--- response_body eval
[
::crm('/contacts/c_FAKE1', '{"customFields":[{"id":"cf_OTHER","field_value":"x"}]}', 'PUT'),
::crm('/contacts/c_FAKE1', '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}', 'PUT'),
::crm('/contacts/c_FAKE1', '{"phone":"+1 (209) 555-0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}', 'PUT'),
::call('+12095550142'),
"/contacts/c_FAKE1 BYPASS SKIPPED\n/contacts/c_FAKE1 MISS VALID_CONFIRMED\n/contacts/c_FAKE1 HIT VALID_CONFIRMED\n",
]

