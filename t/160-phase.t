# Phases: phoneval runs in the precontent phase of main requests only.
# Requests that access control refuses (deny, auth_basic, auth_request),
# methods and locations it is not enabled for, and subrequests (its own
# provider calls included) pass without a provider call and without
# their bodies being touched.
#
# The Byteplant mock logs every call it receives to logs/provider.log;
# blocks fetch that log as their last request, and an empty log proves
# that no call was made.

use Test::Nginx::Socket 'no_plan';
use Cwd qw(cwd);

$ENV{TEST_NGINX_PHONEVAL_SO} ||= cwd() . '/build/ngx_http_phoneval_module.so';
$ENV{TEST_NGINX_ECHO_SO} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

no_shuffle();

# The mocks every block gets in its http_config:
#   $TEST_NGINX_RAND_PORT_1  Byteplant: answers by the PhoneNumber in the form
#                            body; logs what it received
#   $TEST_NGINX_RAND_PORT_2  the Contacts API: echoes exactly what it got
our $Mocks = <<'_EOC_';
    map $request_body $pv_answer {
        default                        '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=%2B12095550143&   '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 209-555-0143"}';
        ~PhoneNumber=%2B12095550144&   '{"status":"INVALID"}';
        ~PhoneNumber=%2B12095550145&   '{"status":"DELAYED"}';
        ~PhoneNumber=%2B12095550146&   '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":42}';
        ~PhoneNumber=%2B12095550147&   '{"status":"API_KEY_INVALID_OR_DEPLETED"}';
        ~PhoneNumber=%2B12095550148&   '{"status":"SOMETHING_NEW"}';
    }

    log_format pv_seen '$request_method $request_uri ct=$content_type cl=$content_length auth=$http_authorization cookie=$http_cookie secret=$http_x_secret body=$request_body';

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/provider.log pv_seen;

        location = /ok {
            echo_read_request_body;
            echo $pv_answer;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        client_body_buffer_size 1m;

        location / {
            echo_read_request_body;
            echo "$request_method $request_uri cl=$http_content_length te=$http_transfer_encoding";
            echo_request_body;
        }
        location = /created {
            echo_status 201;
            echo_read_request_body;
            echo "$request_method $request_uri cl=$http_content_length te=$http_transfer_encoding";
            echo_request_body;
        }
    }
_EOC_

# what the Contacts API mock answers for a forwarded body
sub crm {
    my ($body, $uri, $method) = @_;
    $uri //= '/contacts/';
    $method //= 'POST';
    return "$method $uri cl=" . length($body) . " te=\n" . $body;
}

# one line of logs/provider.log for a call that carried $form
sub seen {
    my ($form, $uri) = @_;
    $uri //= '/ok';
    return "POST $uri ct=application/x-www-form-urlencoded cl=" . length($form)
           . " auth=- cookie=- secret=- body=$form\n";
}

# the annotation "phoneval_result status cf_S" appends to a contact
sub cf {
    my ($status) = @_;
    return ',"customFields":[{"id":"cf_S","field_value":"' . $status . '"}]';
}

# the form of a call for +12095550142 with the defaults and key "k"
our $FORM = 'PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k';

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->main_config) {
        $block->set_value('main_config',
            "load_module $ENV{TEST_NGINX_PHONEVAL_SO};\n"
            . "load_module $ENV{TEST_NGINX_ECHO_SO};\n");
    }

    return if defined $block->must_die;

    $block->set_value("http_config", $Mocks . ($block->http_config // ""));

    # every block fails on [alert], [crit] and [emerg] unless it expects
    # one, and on [error] unless it checks the error log itself
    my @always = ('[alert]', '[crit]', '[emerg]');
    push @always, '[error]'
        unless defined $block->error_log || defined $block->grep_error_log;
    my $el = $block->error_log;
    my $expected = join ' ', map { ref $_ ? "$_" : $_ }
                   (ref $el eq 'ARRAY' ? @$el : defined $el ? ($el) : ());
    @always = grep { index($expected, $_) < 0 } @always;

    my $nel = $block->no_error_log;
    if (!defined $nel) {
        $block->set_value('no_error_log', join("\n", @always) . "\n");
    } elsif (ref $nel eq 'ARRAY') {
        $block->set_value('no_error_log', [@$nel, @always]);
    } elsif (ref $nel) {
        $block->set_value('no_error_log', [$nel, @always]);
    } else {
        chomp $nel;
        $block->set_value('no_error_log', "$nel\n" . join("\n", @always) . "\n");
    }
});

run_tests();

__DATA__

=== TEST 1: deny all: 403, no provider call, nothing forwarded
--- config
    location = /contacts/ {
        deny             all;
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}', "GET /_log/provider"]
--- error_code eval
[403, 200]
--- response_body_like eval
["403 Forbidden", '\A\z']
--- error_log
access forbidden by rule
--- no_error_log
phoneval call



=== TEST 2: auth_basic: 401 costs no provider call; the right password is validated
--- user_files
>>> htpasswd
pv:{PLAIN}secret
--- config
    location = /contacts/ {
        auth_basic           "contacts";
        auth_basic_user_file $TEST_NGINX_HTML_DIR/htpasswd;
        phoneval             on;
        phoneval_pass        /_pv;
        phoneval_api_key     k;
        phoneval_result      status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers eval
["Content-Type: application/json",
 "Content-Type: application/json\nAuthorization: Basic cHY6d3Jvbmc=",
 "",
 "Content-Type: application/json\nAuthorization: Basic cHY6c2VjcmV0",
 ""]
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider",
 "POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- error_code eval
[401, 401, 200, 200, 200]
--- response_body_like eval
["401 Authorization Required",
 "401 Authorization Required",
 '\A\z',
 '\A' . quotemeta(::crm('{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}')) . '\z',
 '\A' . quotemeta(::seen($::FORM)) . '\z']
--- error_log
user "pv": password mismatch



=== TEST 3: auth_request answering 403: no provider call
--- config
    location = /contacts/ {
        auth_request     /_auth;
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_auth {
        internal;
        return 403;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}', "GET /_log/provider"]
--- error_code eval
[403, 200]
--- response_body_like eval
["403 Forbidden", '\A\z']
--- no_error_log
phoneval call



=== TEST 4: auth_request answering 204: validated after it
--- config
    location = /contacts/ {
        auth_request     /_auth;
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_auth {
        internal;
        return 204;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}', "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}'), ::seen($::FORM)]



=== TEST 5: GET and DELETE pass untouched, with no provider call
--- config
    location /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["GET /contacts/",
 "GET /contacts/\n" . '{"phone":"+12095550142"}',
 "DELETE /contacts/c_FAKE1\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- response_body eval
["GET /contacts/ cl= te=\n",
 ::crm('{"phone":"+12095550142"}', '/contacts/', 'GET'),
 ::crm('{"phone":"+12095550142"}', '/contacts/c_FAKE1', 'DELETE'),
 ""]
--- no_error_log
phoneval call



=== TEST 6: phoneval_methods PUT: a POST passes untouched, a PUT is validated
--- config
    location /contacts/ {
        phoneval         on;
        phoneval_methods PUT;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "PUT /contacts/c_FAKE1\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142"}'),
 ::crm('{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}', '/contacts/c_FAKE1', 'PUT'),
 ::seen($::FORM)]



=== TEST 7: a location without phoneval is untouched, next to one with it
--- config
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /contacts/upsert {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/upsert\n" . '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}',
 "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}', '/contacts/upsert'),
 ""]



=== TEST 8: phoneval on at server level: the internal /_pv location does not validate its own calls
--- config
    phoneval         on;
    phoneval_pass    /_pv;
    phoneval_api_key k;
    phoneval_result  status cf_S;

    location = /contacts/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- log_level: debug
--- more_headers
Content-Type: application/json
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}', "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}'), ::seen($::FORM)]
--- grep_error_log: phoneval call:
--- grep_error_log_out
phoneval call:



=== TEST 9: an echo_subrequest POST into a phoneval location is not validated
--- config
    location = /main {
        echo_subrequest POST /contacts/ -b '{"phone":"+12095550142"}';
    }
    location = /contacts/ {
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
    location = /_log/provider {
        alias logs/provider.log;
    }
--- more_headers
Content-Type: application/json
--- request eval
["GET /main", "GET /_log/provider"]
--- response_body eval
[::crm('{"phone":"+12095550142"}'), ""]
--- no_error_log
phoneval call



=== TEST 10: a mirror subrequest into a phoneval location is not validated again
--- config
    location = /contacts/ {
        mirror           /_mirror;
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_mirror {
        internal;
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key k;
        phoneval_result  status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2/mirrored;
    }
    location = /_pv {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok;
    }
--- log_level: debug
--- more_headers
Content-Type: application/json
--- request eval
"POST /contacts/\n" . '{"phone":"+12095550142"}'
--- response_body eval
::crm('{"phone":"+12095550142"' . ::cf('VALID_CONFIRMED') . '}')
--- wait: 0.2
--- grep_error_log: phoneval call:
--- grep_error_log_out
phoneval call:
