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
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(seen_mocks crm seen cf);

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

no_shuffle();
check_accum_error_log();

# The mocks every block gets in its http_config (seen_mocks() in
# t/inc/PhonevalMocks.pm):
#   $TEST_NGINX_RAND_PORT_1  Byteplant: answers by the PhoneNumber in the form
#                            body; logs what it received
#   $TEST_NGINX_RAND_PORT_2  the Contacts API: echoes exactly what it got
our $Mocks = seen_mocks();

# the form of a call for +12095550142 with the defaults and key "k"
our $FORM = 'PhoneNumber=%2B12095550142&Mode=extensive&Locale=en-US&Timeout=10&APIKey=k';

# every block gets the mocks, and fails on [alert], [crit] and [emerg]
# unless it expects one, and on [error] unless it checks the error log
# itself
phoneval_preprocessor(http_config => $Mocks, error => 1);

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
["Content-Type: application/json\nAuthorization: Basic cHY6d3Jvbmc=",
 "Content-Type: application/json",
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
