# End-to-end phone normalization: what the provider receives (asserted from
# the mock's own access log, logs/provider.log) for every field case P1-P7,
# Unicode digits, JSON number phones, the CountryCode choice (contact country,
# phoneval_default_country, none), Mode, Locale, Timeout and APIKey.
#
# Mocks (echo module): the Byteplant mock on RAND_PORT_1 answers canned JSON
# chosen by the form body and logs the request line, content type, client
# credentials that must not leak, and the body; the CRM upstream on
# RAND_PORT_2 echoes "METHOD URI cl= te=" and the exact body it got.
# The mock text: pv_mocks() in t/inc/PhonevalMocks.pm.

use Test::Nginx::Socket 'no_plan';
use Encode ();
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(pv_mocks fwd);

perturb_freed_memory();
no_shuffle();

phoneval_preprocessor();

# the form body of a provider call with the defaults of these blocks
sub f {
    my ($phone, %o) = @_;
    return $phone . '&Mode=' . ($o{mode} // 'extensive')
        . '&Locale=' . ($o{locale} // 'en-US')
        . '&Timeout=' . ($o{timeout} // 10)
        . '&APIKey=' . ($o{key} // 'pv-TESTKEY');
}

# provider.log lines for form bodies
sub pvlog {
    return join '', map {
        "POST /ok ct=application/x-www-form-urlencoded auth=- cookie=- body=$_\n"
    } @_;
}

# a phone written with the digits of another script (UTF-8 bytes)
sub script_digits {
    my ($zero, $plus, $s) = @_;
    $s =~ s/(\d)/chr($zero + $1)/ge;
    $s =~ s/\+/$plus/g;
    return Encode::encode_utf8($s);
}

# the same as JSON \u escapes
sub escaped_digits {
    my ($zero, $s) = @_;
    $s =~ s/(\d)/sprintf('\\u%04x', $zero + $1)/ge;
    $s =~ s/\+/\\uff0b/g;
    return $s;
}

# the Byteplant mock with these answers, and the CRM echo
our $Mocks = pv_mocks(answers => <<'_EOC_');
        ~PhoneNumber=%2B12095550142& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=%2B5105550143& '{"status":"INVALID","linetype":"","countrycode":""}';
        ~PhoneNumber=5145550142&CountryCode=CA& '{"status":"VALID_CONFIRMED","linetype":"FIXED_LINE","countrycode":"CA","formatinternational":"+1 514-555-0142"}';
        ~PhoneNumber=%2B46705550142& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"SE","formatinternational":"+46 70 555 01 42"}';
        ~PhoneNumber=%2B16505550136& '{"status":"VALID_CONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 650-555-0136"}';
        ~PhoneNumber=2095550168&CountryCode=US& '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 209-555-0168"}';
        ~PhoneNumber=%2B12095550133& '{"status":"VALID_CONFIRMED","linetype":"VOIP","countrycode":"US","formatinternational":"+1 209-555-0133"}';
        ~PhoneNumber=02095550100&CountryCode=US& '{"status":"INVALID","linetype":"","countrycode":"US","formatinternational":"+1 02095550100"}';
        ~PhoneNumber=0655500100&CountryCode=IT& '{"status":"VALID_CONFIRMED","linetype":"FIXED_LINE","countrycode":"IT","formatnational":"06 5550 0100","formatinternational":"+39 06 5550 0100"}';
        ~PhoneNumber=3405551&CountryCode=VI& '{"status":"INVALID","linetype":"","countrycode":"VI"}';
        ~PhoneNumber=%2B16895550142& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 689-555-0142"}';
        ~PhoneNumber=12095550142&CountryCode=US& '{"status":"VALID_UNCONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=2095550142&CountryCode=US& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=2095550142&CountryCode=CA& '{"status":"INVALID","linetype":"","countrycode":"CA"}';
        ~PhoneNumber=2095550142&Mode= '{"status":"DELAYED"}';
        ~PhoneNumber=1234&CountryCode=US& '{"status":"INVALID"}';
        ~PhoneNumber=%2B12345678901234567& '{"status":"INVALID"}';
_EOC_

run_tests();

__DATA__

=== TEST 1: P1 a "+" without a country code: sent as is, no CountryCode, never repaired; no client credential reaches the provider
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"locationId":"loc_TEST","firstName":"Test","phone":"+5105550143"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
Authorization: Bearer client-secret-token
Cookie: sid=client-cookie
--- response_body eval
[::fwd("POST /contacts/", '{"locationId":"loc_TEST","firstName":"Test","phone":"+5105550143","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 ::pvlog(::f('PhoneNumber=%2B5105550143'))]
--- no_error_log
[error]
[warn]



=== TEST 2: P2 the contact's country wins over phoneval_default_country
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"(514) 555-0142","country":"CA"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"(514) 555-0142","country":"CA","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=5145550142&CountryCode=CA'))]
--- no_error_log
[error]
[warn]



=== TEST 3: P3 a trailing parenthesized name is dropped, no digit invented
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        phoneval_result e164 cf_E;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+46 70 555 01 42 (Axel)"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+46 70 555 01 42 (Axel)","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_E","field_value":"+46705550142"}]}'),
 ::pvlog(::f('PhoneNumber=%2B46705550142'))]
--- no_error_log
[error]
[warn]



=== TEST 4: P4 letters or other characters in the number: locally INVALID, no provider call
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        phoneval_result confidence cf_C;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+1 209 555 01ab"}',
 "POST /contacts/\n" . '{"phone":"+33 6 5X XX XX 42"}',
 "POST /contacts/\n" . '{"phone":"*67 209 555 0142"}',
 "POST /contacts/\n" . '{"phone":"1-800-FLOWERS"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+1 209 555 01ab","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_C","field_value":0}]}'),
 ::fwd("POST /contacts/", '{"phone":"+33 6 5X XX XX 42","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_C","field_value":0}]}'),
 ::fwd("POST /contacts/", '{"phone":"*67 209 555 0142","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_C","field_value":0}]}'),
 ::fwd("POST /contacts/", '{"phone":"1-800-FLOWERS","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_C","field_value":0}]}'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 5: P5 extensions are split off and never sent or glued; dangling markers ignored; never a 500
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+1 650 555 0136 x136"}',
 "POST /contacts/\n" . '{"phone":"+1 650 555 0136;ext=136"}',
 "POST /contacts/\n" . '{"phone":"(209) 555-0168#"}',
 "POST /contacts/\n" . '{"phone":"+1 209 555 0133 ext."}',
 "POST /contacts/\n" . '{"phone":"+1 650 555 0136 extension 7"}',
 "POST /contacts/\n" . '{"phone":"+1 650-555-0136 #12"}',
 "POST /contacts/\n" . '{"phone":"+1 650 555 0136 EXT. 99"}',
 "POST /contacts/\n" . '{"phone":"+1 650 555 0136 x"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+1 650 555 0136 x136","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1 650 555 0136;ext=136","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"(209) 555-0168#","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1 209 555 0133 ext.","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1 650 555 0136 extension 7","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1 650-555-0136 #12","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1 650 555 0136 EXT. 99","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1 650 555 0136 x","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B16505550136'), ::f('PhoneNumber=%2B16505550136'),
         ::f('PhoneNumber=2095550168&CountryCode=US'), ::f('PhoneNumber=%2B12095550133'),
         ::f('PhoneNumber=%2B16505550136'), ::f('PhoneNumber=%2B16505550136'),
         ::f('PhoneNumber=%2B16505550136'), ::f('PhoneNumber=%2B16505550136'))]
--- no_error_log
[error]
[warn]



=== TEST 6: P6 a national trunk 0 stays INVALID (never +10...); the e164 of a valid number is the provider's formatinternational
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_normalize on;
        phoneval_result status cf_S;
        phoneval_result e164 cf_E;
        phoneval_result country cf_N;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"0209 555 0100","country":"US"}',
 "POST /contacts/\n" . '{"phone":"06 5550 0100","country":"IT"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"0209 555 0100","country":"US","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_E","field_value":""},{"id":"cf_N","field_value":"US"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+390655500100","country":"IT","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_E","field_value":"+390655500100"},{"id":"cf_N","field_value":"IT"}]}'),
 ::pvlog(::f('PhoneNumber=02095550100&CountryCode=US'), ::f('PhoneNumber=0655500100&CountryCode=IT'))]
--- no_error_log
[error]
[warn]



=== TEST 7: P7 the local gate never vetoes a number the provider accepts; a short one gets what the provider says
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        phoneval_result line_type cf_T;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"(340) 555-1","country":"VI"}',
 "POST /contacts/\n" . '{"phone":"+1 689 555 0142"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"(340) 555-1","country":"VI","customFields":[{"id":"cf_S","field_value":"INVALID"},{"id":"cf_T","field_value":""}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1 689 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_T","field_value":"MOBILE"}]}'),
 ::pvlog(::f('PhoneNumber=3405551&CountryCode=VI'), ::f('PhoneNumber=%2B16895550142'))]
--- no_error_log
[error]
[warn]



=== TEST 8: P7 the gate's bounds: 4 and 17 digits go to the provider, 3 and 18 are locally INVALID
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"123"}',
 "POST /contacts/\n" . '{"phone":"12-34"}',
 "POST /contacts/\n" . '{"phone":"+1234 5678 9012 34567"}',
 "POST /contacts/\n" . '{"phone":"+1234 5678 9012 345678"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"123","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 ::fwd("POST /contacts/", '{"phone":"12-34","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1234 5678 9012 34567","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 ::fwd("POST /contacts/", '{"phone":"+1234 5678 9012 345678","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 ::pvlog(::f('PhoneNumber=1234&CountryCode=US'), ::f('PhoneNumber=%2B12345678901234567'))]
--- no_error_log
[error]
[warn]



=== TEST 9: Arabic-Indic, extended Arabic-Indic and full-width digits (and the full-width plus) in a JSON string
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"' . ::script_digits(0x660, "+", "+1 209 555 0142") . '"}',
 "POST /contacts/\n" . '{"phone":"' . ::script_digits(0x6f0, "+", "+1 (209) 555-0142") . '"}',
 "POST /contacts/\n" . '{"phone":"' . ::script_digits(0xff10, "\x{ff0b}", "+1 209 555 0142") . '"}',
 "POST /contacts/\n" . '{"phone":"' . Encode::encode_utf8("\x{a0}+1\x{a0}209\x{2009}555\x{2011}0142\x{200f}") . '"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"' . ::script_digits(0x660, "+", "+1 209 555 0142") . '","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"' . ::script_digits(0x6f0, "+", "+1 (209) 555-0142") . '","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"' . ::script_digits(0xff10, "\x{ff0b}", "+1 209 555 0142") . '","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"' . Encode::encode_utf8("\x{a0}+1\x{a0}209\x{2009}555\x{2011}0142\x{200f}") . '","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B12095550142'), ::f('PhoneNumber=%2B12095550142'),
         ::f('PhoneNumber=%2B12095550142'), ::f('PhoneNumber=%2B12095550142'))]
--- no_error_log
[error]
[warn]



=== TEST 10: the same digits written as JSON \u escapes are decoded before normalization and forwarded as escapes
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"' . ::escaped_digits(0x660, "+1 209 555 0142") . '"}',
 "POST /contacts/\n" . '{"phone":"' . '\uff0b\uff11\u00a0\uff12\uff10\uff19\u3000\uff15\uff15\uff15-\uff10\uff11\uff14\uff12' . '"}',
 "POST /contacts/\n" . '{"ph\\u006fne":"\\u002b1 209 555 0142"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"' . ::escaped_digits(0x660, "+1 209 555 0142") . '","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"' . '\uff0b\uff11\u00a0\uff12\uff10\uff19\u3000\uff15\uff15\uff15-\uff10\uff11\uff14\uff12' . '","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"ph\\u006fne":"\\u002b1 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B12095550142'), ::f('PhoneNumber=%2B12095550142'),
         ::f('PhoneNumber=%2B12095550142'))]
--- no_error_log
[error]
[warn]



=== TEST 11: a JSON number phone is taken by its literal digits, with the default country, and forwarded as the same literal
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":12095550142,"firstName":"Test"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":12095550142,"firstName":"Test","customFields":[{"id":"cf_S","field_value":"VALID_UNCONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=12095550142&CountryCode=US'))]
--- no_error_log
[error]
[warn]



=== TEST 12: CountryCode: default country, contact country (any case) over the default, and B1 none at all when neither
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /nodefault/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"209-555-0142"}',
 "POST /contacts/\n" . '{"phone":"209-555-0142","country":"ca"}',
 "POST /nodefault/\n" . '{"phone":"2095550142"}',
 "POST /nodefault/\n" . '{"phone":"2095550142","country":"US"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"209-555-0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"209-555-0142","country":"ca","customFields":[{"id":"cf_S","field_value":"INVALID"}]}'),
 ::fwd("POST /nodefault/", '{"phone":"2095550142","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
 ::fwd("POST /nodefault/", '{"phone":"2095550142","country":"US","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=2095550142&CountryCode=US'), ::f('PhoneNumber=2095550142&CountryCode=CA'),
         ::f('PhoneNumber=2095550142'), ::f('PhoneNumber=2095550142&CountryCode=US'))]
--- no_error_log
[error]



=== TEST 13: a contact country that is not two letters ("USA", "", null, "U1") falls back to the default; without a default, to none
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country us;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /nodefault/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"2095550142","country":"USA"}',
 "POST /contacts/\n" . '{"phone":"2095550142","country":""}',
 "POST /contacts/\n" . '{"phone":"2095550142","country":null}',
 "POST /contacts/\n" . '{"phone":"2095550142","country":"U1"}',
 "POST /nodefault/\n" . '{"phone":"2095550142","country":"USA"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"2095550142","country":"USA","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"2095550142","country":"","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"2095550142","country":null,"customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/", '{"phone":"2095550142","country":"U1","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /nodefault/", '{"phone":"2095550142","country":"USA","customFields":[{"id":"cf_S","field_value":"PENDING"}]}'),
 ::pvlog(::f('PhoneNumber=2095550142&CountryCode=US'), ::f('PhoneNumber=2095550142&CountryCode=US'),
         ::f('PhoneNumber=2095550142&CountryCode=US'), ::f('PhoneNumber=2095550142&CountryCode=US'),
         ::f('PhoneNumber=2095550142'))]
--- no_error_log
[error]



=== TEST 14: a number with a leading "+" never gets a CountryCode, whatever the contact's country
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"country":"CA","phone":"(+1) 209 555 0142"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"country":"CA","phone":"(+1) 209 555 0142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B12095550142'))]
--- no_error_log
[error]
[warn]



=== TEST 15: phoneval_phone_field and phoneval_country_field name the members read
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_phone_field mobile;
        phoneval_country_field cc;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"not a phone","country":"US","mobile":"514 555 0142","cc":"CA"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"not a phone","country":"US","mobile":"514 555 0142","cc":"CA","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=5145550142&CountryCode=CA'))]
--- no_error_log
[error]
[warn]



=== TEST 16: phoneval_check_mode express sends Mode=express; phoneval_locale sends Locale=
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_check_mode express;
        phoneval_locale de-DE;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B12095550142', mode => 'express', locale => 'de-DE'))]
--- no_error_log
[error]
[warn]



=== TEST 17: Timeout= is phoneval_timeout in seconds clamped to 5..300
--- http_config eval: $::Mocks
--- config
    location /contacts/t1/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_timeout 1s;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /contacts/t45/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_timeout 45s;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location /contacts/t600/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_timeout 10m;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/t1/\n" . '{"phone":"+12095550142"}',
 "POST /contacts/t45/\n" . '{"phone":"+12095550142"}',
 "POST /contacts/t600/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/t1/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/t45/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::fwd("POST /contacts/t600/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B12095550142', timeout => 5), ::f('PhoneNumber=%2B12095550142', timeout => 45),
         ::f('PhoneNumber=%2B12095550142', timeout => 300))]
--- no_error_log
[error]
[warn]



=== TEST 18: the API key travels only in the form body, percent-encoded; never in the URI, the upstream body or the error log (the mock in this nginx logs its own form body in "http map" and "http script var" debug lines: those are excluded)
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key "pv-SECRET&Mode=express x+y";
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/?APIKey=client\n" . '{"phone":"+12095550142","APIKey":"client"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/?APIKey=client", '{"phone":"+12095550142","APIKey":"client","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B12095550142', key => 'pv-SECRET%26Mode%3Dexpress%20x%2By'))]
--- no_error_log eval
[qr/^(?!.*http (?:script var|map): ).*pv-SECRET/, "[error]", "[warn]"]



=== TEST 19: phoneval_api_key_file: the key read at load (trailing newline dropped) goes only into the form body
--- user_files
>>> byteplant.key
pv-FROMFILE
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key_file ../html/byteplant.key;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '{"phone":"+12095550142"}',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}'),
 ::pvlog(::f('PhoneNumber=%2B12095550142', key => 'pv-FROMFILE'))]
--- no_error_log eval
[qr/^(?!.*http (?:script var|map): ).*pv-FROMFILE/, "[error]", "[warn]"]



=== TEST 20: a phone given as a JSON number with a sign, a fraction or an exponent is locally INVALID, no provider call
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_default_country US;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
    location = /_log/provider { alias logs/provider.log; }
--- request eval
["POST /contacts/\n" . '[{"phone":-12095550142},{"phone":2095550142.0},{"phone":2.095550142e9}]',
 "GET /_log/provider"]
--- more_headers
Content-Type: application/json
--- response_body eval
[::fwd("POST /contacts/", '[{"phone":-12095550142,"customFields":[{"id":"cf_S","field_value":"INVALID"}]},{"phone":2095550142.0,"customFields":[{"id":"cf_S","field_value":"INVALID"}]},{"phone":2.095550142e9,"customFields":[{"id":"cf_S","field_value":"INVALID"}]}]'),
 ""]
--- no_error_log
[error]
[warn]



=== TEST 21: phoneval_normalize never drops an extension or a comment: those phones stay as sent
--- http_config eval: $::Mocks
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv;
        phoneval_api_key pv-TESTKEY;
        phoneval_normalize on;
        phoneval_result status cf_S;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok; }
--- request eval
"POST /contacts/\n" . '[{"phone":"+1 209 555 0142 ext. 12 (Axel)"},{"phone":"+1 209 555 0142 (Axel)"},{"phone":"+1 (209) 555-0142"}]'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '[{"phone":"+1 209 555 0142 ext. 12 (Axel)","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+1 209 555 0142 (Axel)","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]},{"phone":"+12095550142","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"}]}]')
--- no_error_log
[error]
[warn]



=== TEST 22: phoneval_normalize writes only the number that was sent: an answer for another number (a provider's slip, or an answer tampered with) leaves the client's phone as it was, while the verdict is written
--- http_config eval
$::Mocks . <<'_EOC_'
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        location / {
            echo_read_request_body;
            echo '{"status":"VALID_CONFIRMED","linetype":"FIXED_LINE","countrycode":"GB","formatinternational":"+44 20 7946 0958"}';
        }
    }
_EOC_
--- config
    location /contacts/ {
        phoneval on;
        phoneval_pass /_pv_other;
        phoneval_api_key pv-TESTKEY;
        phoneval_normalize on;
        phoneval_result status cf_S;
        phoneval_result e164 cf_E;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    location = /_pv_other { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_3/; }
--- request eval
"POST /contacts/\n" . '[{"phone":"(415) 555-1234","country":"US"},{"phone":"+1 415 555 1234"},{"phone":"020 7946 0958","country":"GB"}]'
--- more_headers
Content-Type: application/json
--- response_body eval
::fwd("POST /contacts/", '[{"phone":"(415) 555-1234","country":"US","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_E","field_value":"+442079460958"}]},{"phone":"+1 415 555 1234","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_E","field_value":"+442079460958"}]},{"phone":"+442079460958","country":"GB","customFields":[{"id":"cf_S","field_value":"VALID_CONFIRMED"},{"id":"cf_E","field_value":"+442079460958"}]}]')
--- no_error_log
[error]
[warn]
