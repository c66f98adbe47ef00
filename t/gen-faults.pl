#!/usr/bin/perl
# Writes t/400-faults.t, the provider fault matrix:
#
#   every provider fault or answer  (timeout, refused, closed mid-answer,
#                                    reset mid-answer, 500, 502, empty,
#                                    not JSON, 1 MB, and each Byteplant
#                                    status)
#   x phoneval_on_error pass | reject
#   x one contact | a bulk of three whose middle contact hits the fault
#
# plus INVALID under phoneval_action reject.  Every block sends the request,
# then a second, ordinary one to the same nginx (the worker is alive and
# still validates), and checks the status, the exact bytes the Contacts
# API received or the exact error body, the error log, and that no
# [alert], [crit] or [emerg] was logged.
#
# Usage: perl t/gen-faults.pl   (from the repository root; rewrites the file)
#
# The .t file is committed; edit this script and rerun it instead of
# editing the .t by hand.

use strict;
use warnings;

my $out = $ARGV[0] // 't/400-faults.t';

# ---------------------------------------------------------------------
# the faults
#
#   target  mock     an nginx location on $TEST_NGINX_RAND_PORT_4 (body)
#           refused  $TEST_NGINX_RAND_PORT_3, where nobody listens
#           tcp      the embedded TCP mock: headers promising 1000 bytes,
#                    part of a JSON answer, then the connection closes
#           rst      the file's reset mock (t/inc/PhonevalMocks.pm): the
#                    same answer prefix, then an abortive close (SO_LINGER
#                    0), so the kernel sends an RST instead of a FIN
#   verdict          the verdict the contact gets (PENDING for faults)
#   retry            Retry-After of the 503 under on_error reject
#   log              error-log lines expected (sub: gets the number of
#                    provider calls of the request)
#   error            1 when an [error] line is expected
#   nolog            more error-log lines that must not appear
# ---------------------------------------------------------------------

my $VC_ANSWER = '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0199"}';

my @faults = (
    {
        key     => 'timeout',
        title   => 'a provider that sleeps 2 s, phoneval_timeout 300ms',
        target  => 'mock',
        mock    => "echo_read_request_body;\n            echo_sleep 2;\n"
                   . "            echo '$VC_ANSWER';",
        verdict => 'PENDING',
        retry   => 30,
        phoneval_timeout => '300ms',
        log     => sub {
            my $n = shift;
            return ("phoneval: validation timed out after 300 ms with 1 of $n provider calls unanswered");
        },
        error   => 0,
    },
    {
        key     => 'refused',
        title   => 'connection refused',
        target  => 'refused',
        verdict => 'PENDING',
        retry   => 30,
        log     => sub {
            return ('connect() failed (111: Connection refused) while connecting to upstream',
                    'phoneval: provider call failed (502), verdict PENDING');
        },
        error   => 1,
    },
    {
        key     => 'closed',
        title   => 'connection closed mid-answer (Content-Length 1000, 48 bytes sent, then a FIN)',
        target  => 'tcp',
        verdict => 'PENDING',
        retry   => 30,
        log     => sub {
            return ('upstream prematurely closed connection while reading upstream',
                    'phoneval: provider answer is incomplete, verdict PENDING');
        },
        error   => 1,
    },
    {
        key     => 'reset',
        title   => 'connection reset mid-answer (Content-Length 1000, 48 bytes sent, then an RST)',
        target  => 'rst',
        verdict => 'PENDING',
        retry   => 30,
        log     => sub {
            # readv() from the event pipe once the header is in; the
            # 48 bytes before the RST are read first, so it is an
            # incomplete answer like the FIN case, not a failed call
            return ('failed (104: Connection reset by peer) while reading upstream',
                    'phoneval: provider answer is incomplete, verdict PENDING');
        },
        nolog   => ['upstream prematurely closed connection'],
        error   => 1,
    },
    {
        key     => 'http500',
        title   => 'HTTP 500 (with a JSON body that must be ignored)',
        target  => 'mock',
        mock    => "return 500 '$VC_ANSWER';",
        verdict => 'PENDING',
        retry   => 30,
        log     => sub { ('phoneval: provider answered HTTP 500, verdict PENDING') },
        error   => 0,
    },
    {
        key     => 'http502',
        title   => 'HTTP 502 (with a JSON body that must be ignored)',
        target  => 'mock',
        mock    => "return 502 '$VC_ANSWER';",
        verdict => 'PENDING',
        retry   => 30,
        log     => sub { ('phoneval: provider answered HTTP 502, verdict PENDING') },
        error   => 0,
    },
    {
        key     => 'empty',
        title   => 'an empty 200',
        target  => 'mock',
        mock    => "return 200 '';",
        verdict => 'PENDING',
        retry   => 30,
        log     => sub { ('phoneval: provider answer not understood (BAD_ANSWER), verdict PENDING') },
        error   => 0,
    },
    {
        key     => 'notjson',
        title   => 'a 200 that is not JSON',
        target  => 'mock',
        mock    => "return 200 '<html><body>VALID_CONFIRMED</body></html>';",
        verdict => 'PENDING',
        retry   => 30,
        log     => sub { ('phoneval: provider answer not understood (BAD_ANSWER), verdict PENDING') },
        error   => 0,
    },
    {
        key     => 'huge',
        title   => 'a 1 MB answer',
        target  => 'mock',
        mock    => "echo_read_request_body;\n"
                   . "            echo -n '{\"status\":\"VALID_CONFIRMED\",\"pad\":\"';\n"
                   . "            echo_duplicate 1048576 'x';\n"
                   . "            echo '\"}';",
        verdict => 'PENDING',
        retry   => 30,
        log     => sub { ('phoneval: provider answer is too big, verdict PENDING') },
        error   => 0,
    },
    {
        key     => 'VALID_CONFIRMED',
        title   => 'VALID_CONFIRMED',
        target  => 'mock',
        mock    => "echo_read_request_body;\n            echo '$VC_ANSWER';",
        verdict => 'VALID_CONFIRMED',
        log     => sub { () },
        error   => 0,
    },
    {
        key     => 'VALID_UNCONFIRMED',
        title   => 'VALID_UNCONFIRMED',
        target  => 'mock',
        mock    => "echo_read_request_body;\n"
                   . "            echo '{\"status\":\"VALID_UNCONFIRMED\",\"linetype\":\"FIXED_LINE\",\"countrycode\":\"US\",\"formatinternational\":\"+1 209-555-0199\"}';",
        verdict => 'VALID_UNCONFIRMED',
        log     => sub { () },
        error   => 0,
    },
    {
        key     => 'INVALID',
        title   => 'INVALID',
        target  => 'mock',
        mock    => "echo_read_request_body;\n            echo '{\"status\":\"INVALID\"}';",
        verdict => 'INVALID',
        log     => sub { () },
        error   => 0,
    },
    {
        key     => 'DELAYED',
        title   => 'DELAYED',
        target  => 'mock',
        mock    => "echo_read_request_body;\n            echo '{\"status\":\"DELAYED\"}';",
        verdict => 'PENDING',
        retry   => 30,
        log     => sub { () },
        error   => 0,
    },
    {
        key     => 'RATE_LIMIT_EXCEEDED',
        title   => 'RATE_LIMIT_EXCEEDED (ratelimit_seconds 42)',
        target  => 'mock',
        mock    => "echo_read_request_body;\n"
                   . "            echo '{\"status\":\"RATE_LIMIT_EXCEEDED\",\"ratelimit_remain\":0,\"ratelimit_seconds\":42}';",
        verdict => 'PENDING',
        retry   => 42,
        log     => sub { () },
        error   => 0,
    },
    {
        key     => 'API_KEY_INVALID_OR_DEPLETED',
        title   => 'API_KEY_INVALID_OR_DEPLETED',
        target  => 'mock',
        mock    => "echo_read_request_body;\n"
                   . "            echo '{\"status\":\"API_KEY_INVALID_OR_DEPLETED\"}';",
        verdict => 'PENDING',
        retry   => 60,
        log     => sub {
            ('phoneval: the provider answered API_KEY_INVALID_OR_DEPLETED: the API key is wrong or has no credits left; no calls for 60s');
        },
        error   => 1,
    },
);

# ---------------------------------------------------------------------
# bodies
# ---------------------------------------------------------------------

my $DATE = "\0DATE\0";           # 20 characters once it is a real date
my $DATE_RE = '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ';
my $DATE_LEN = 20;

my %CONF = (VALID_CONFIRMED => 95, VALID_UNCONFIRMED => 60, INVALID => 0);

# what "phoneval_result status/last_validated/confidence" append to a contact
sub cf {
    my ($v) = @_;
    if ($v eq 'PENDING') {
        return ',"customFields":[{"id":"cf_S","field_value":"PENDING"},'
             . '{"id":"cf_L","field_value":""},{"id":"cf_C","field_value":""}]';
    }
    return ',"customFields":[{"id":"cf_S","field_value":"' . $v . '"},'
         . '{"id":"cf_L","field_value":"' . $DATE . '"},'
         . '{"id":"cf_C","field_value":' . $CONF{$v} . '}]';
}

my $FAULT_PHONE = '+1 209-555-0199';     # PhoneNumber=%2B12095550199

my $SINGLE = '{"firstName":"Ann","phone":"' . $FAULT_PHONE . '"}';
my $BULK = '{"contacts":[{"phone":"+12095550142"},{"phone":"'
           . $FAULT_PHONE . '"},{"phone":"+12095550143"}]}';
my $FOLLOW = '{"phone":"+12095550142"}';

sub single_out {
    my ($v) = @_;
    return '{"firstName":"Ann","phone":"' . $FAULT_PHONE . '"' . cf($v) . '}';
}

sub bulk_out {
    my ($v) = @_;
    return '{"contacts":[{"phone":"+12095550142"' . cf('VALID_CONFIRMED') . '},'
         . '{"phone":"' . $FAULT_PHONE . '"' . cf($v) . '},'
         . '{"phone":"+12095550143"' . cf('VALID_UNCONFIRMED') . '}]}';
}

# "METHOD URI cl=N te=\n" + body, as the Contacts API mock echoes it; a
# Perl expression for the .t: a string, or a qr## when a date is in it
sub crm_expr {
    my ($body, $uri) = @_;
    my $len = length($body) + (() = $body =~ /\0DATE\0/g) * ($DATE_LEN - length $DATE);
    my $text = "POST $uri cl=$len te=\n" . $body;
    return perl_str($text) if index($text, $DATE) < 0;

    my @pieces = split /\0DATE\0/, $text, -1;
    for (@pieces) {
        die "cannot put this in a qr##: $_" if /[\$\@\\#]|\\E/;
    }
    # \Q quotes before escapes are processed: a newline goes outside it
    my $quote = sub {
        join '\n', map { length $_ ? "\\Q$_\\E" : '' } split /\n/, $_[0], -1;
    };
    return 'qr#\A' . join($DATE_RE, map { $quote->($_) } @pieces) . '\z#';
}

# a single-quoted Perl string (the bodies have no quote or backslash)
sub perl_str {
    my ($s) = @_;
    die "cannot single-quote: $s" if $s =~ /['\\]/;
    if ($s =~ /\n/) {
        my @l = split /\n/, $s, -1;
        return join(' . "\n" . ', map { "'$_'" } @l);
    }
    return "'$s'";
}

sub rejection {
    my ($status, $shape, $verdict) = @_;
    my ($index, $path) = $shape eq 'single' ? ('null', 'phone') : (1, 'contacts[1].phone');
    my $item = qq({"index":$index,"path":"$path","input":"$FAULT_PHONE","status":"$verdict"});
    if ($status == 503) {
        return '{"statusCode":503,"message":"phone validation is unavailable, retry later",'
             . '"error":"Service Unavailable","phoneval":[' . $item . ']}';
    }
    return '{"statusCode":422,"message":["' . $path . ': ' . $verdict . '"],'
         . '"error":"Unprocessable Entity","phoneval":[' . $item . ']}';
}

# ---------------------------------------------------------------------
# blocks
# ---------------------------------------------------------------------

my @blocks;
my $n = 0;

sub block {
    my (%a) = @_;
    my ($f, $on_error, $shape, $action) = @a{qw(fault on_error shape action)};
    $action //= 'annotate';
    $n++;

    my $ncalls = $shape eq 'single' ? 1 : 3;
    my $v = $f->{verdict};

    my ($code, $first, $headers);
    if ($v eq 'PENDING' && $on_error eq 'reject') {
        $code = 503;
        $first = perl_str(rejection(503, $shape, 'PENDING'));
        $headers = "Retry-After: $f->{retry}\\nContent-Type: application/json";
    } elsif ($action eq 'reject' && $v eq 'INVALID') {
        $code = 422;
        $first = perl_str(rejection(422, $shape, 'INVALID'));
        $headers = "!Retry-After\\nContent-Type: application/json";
    } else {
        $code = 200;
        $first = crm_expr($shape eq 'single' ? single_out($v) : bulk_out($v), '/contacts/');
        $headers = "!Retry-After";
    }

    my $expect = $code == 200 ? "forwarded, the contact " . $v
               : $code == 503 ? "503 listing " . ($shape eq 'single' ? 'the phone' : 'index 1')
               : "422 listing " . ($shape eq 'single' ? 'the phone' : 'index 1');

    my $title = "$f->{title}; on_error $on_error"
              . ($action eq 'reject' ? "; action reject" : "")
              . "; " . ($shape eq 'single' ? 'one contact' : 'bulk of 3, the middle one hit')
              . ": $expect";

    # where the faulty phone's call goes
    my $addr = $f->{target} eq 'refused' ? '127.0.0.1:$TEST_NGINX_RAND_PORT_3'
             : $f->{target} eq 'tcp'     ? '127.0.0.1:$TEST_NGINX_PV_TCP_PORT'
             : $f->{target} eq 'rst'     ? '127.0.0.1:$TEST_NGINX_PV_RST_PORT'
             :                             '127.0.0.1:$TEST_NGINX_RAND_PORT_4';

    my $http_config = '';
    if ($f->{target} eq 'mock') {
        $http_config .= <<"_EOC_";
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_4;
        location / {
            $f->{mock}
        }
    }
_EOC_
    }

    my $pass;
    if ($shape eq 'bulk') {
        # round robin, in the order the calls start: the contacts' order
        $http_config .= <<"_EOC_";
    upstream pv_bulk {
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1 max_fails=0;
        server $addr max_fails=0;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1 max_fails=0;
    }
_EOC_
        $pass = "proxy_next_upstream off;\n        proxy_pass http://pv_bulk/ok;";
    } else {
        $pass = "proxy_pass http://$addr/ok;";
    }

    my $timeout_line = $f->{phoneval_timeout}
        ? sprintf("        %-18s %s;\n", 'phoneval_timeout', $f->{phoneval_timeout}) : '';
    my $action_line = $action ne 'annotate'
        ? sprintf("        %-18s %s;\n", 'phoneval_action', $action) : '';

    my $loc = sub {
        my ($uri, $pv) = @_;
        return "    location = $uri {\n"
             . sprintf("        %-18s %s;\n", 'phoneval', 'on')
             . sprintf("        %-18s %s;\n", 'phoneval_pass', $pv)
             . sprintf("        %-18s %s;\n", 'phoneval_api_key', 'k')
             . $timeout_line
             . $action_line
             . sprintf("        %-18s %s;\n", 'phoneval_on_error', $on_error)
             . sprintf("        %-18s %-15s %s;\n", 'phoneval_result', 'status', 'cf_S')
             . sprintf("        %-18s %-15s %s;\n", 'phoneval_result', 'last_validated', 'cf_L')
             . sprintf("        %-18s %-15s %s;\n", 'phoneval_result', 'confidence', 'cf_C')
             . "        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_2;\n"
             . "    }\n";
    };

    my $config = $loc->('/contacts/', '/_pv')
               . $loc->('/contacts/next', '/_pv_ok')
               . "    location = /_pv {\n        internal;\n        $pass\n    }\n"
               . "    location = /_pv_ok {\n        internal;\n"
               . "        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAND_PORT_1/ok;\n    }\n";

    my $req_body = $shape eq 'single' ? $SINGLE : $BULK;
    my $follow = crm_expr('{"phone":"+12095550142"' . cf('VALID_CONFIRMED') . '}', '/contacts/next');

    my @log = $f->{log}->($ncalls);
    my @nolog;
    push @nolog, '[error]' unless $f->{error};
    push @nolog, 'validation timed out' unless $f->{key} eq 'timeout';
    push @nolog, 'verdict PENDING' if $v ne 'PENDING';
    push @nolog, @{ $f->{nolog} // [] };

    my $client_timeout = $f->{key} eq 'timeout' ? 1 : 2;

    my $b = "=== TEST $n: $title\n";
    $b .= "--- http_config\n$http_config" if $http_config;
    $b .= "--- config\n$config";
    if ($f->{target} eq 'tcp') {
        $b .= "--- tcp_listen eval\n\$ENV{TEST_NGINX_PV_TCP_PORT}\n";
        $b .= "--- tcp_reply eval\n"
            . '"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"' . "\n"
            . q!. '{"status":"VALID_CONFIRMED","linetype":"MOBILE",'! . "\n";
    }
    $b .= "--- timeout: $client_timeout\n";
    $b .= "--- more_headers\nContent-Type: application/json\n";
    $b .= "--- request eval\n"
        . "[\"POST /contacts/\\n\" . '$req_body',\n"
        . " \"POST /contacts/next\\n\" . '$FOLLOW']\n";
    $b .= "--- error_code eval\n[$code, 200]\n";
    $b .= "--- response_headers eval\n[\"$headers\", \"!Retry-After\"]\n";
    $b .= "--- response_body eval\n[$first,\n $follow]\n";
    $b .= "--- error_log\n" . join("\n", @log) . "\n" if @log;
    $b .= "--- no_error_log\n" . join("\n", @nolog) . "\n";

    push @blocks, $b;
}

for my $f (@faults) {
    for my $on_error (qw(pass reject)) {
        for my $shape (qw(single bulk)) {
            block(fault => $f, on_error => $on_error, shape => $shape);
        }
    }
}

my ($invalid) = grep { $_->{key} eq 'INVALID' } @faults;
for my $shape (qw(single bulk)) {
    block(fault => $invalid, on_error => 'pass', shape => $shape, action => 'reject');
}

# ---------------------------------------------------------------------
# the file
# ---------------------------------------------------------------------

my $head = <<'_EOT_';
# GENERATED by t/gen-faults.pl: edit that script and rerun it
# (perl t/gen-faults.pl), do not edit this file by hand.
#
# The provider fault matrix: every way a provider call can fail or answer
# (timeout, refused, connection closed mid-answer, connection reset
# mid-answer, HTTP 500, 502, an empty 200, a 200 that is not JSON, 1 MB,
# and each Byteplant status) x
# phoneval_on_error pass | reject x one contact | a bulk of three whose
# middle contact hits the fault while the other two are answered normally;
# plus INVALID under phoneval_action reject.
#
# Expected (DESIGN "What happens to a request", "The provider call"):
# - a verdict status annotates the contact with it (422 for INVALID under
#   phoneval_action reject, listing exactly that contact);
# - everything else is PENDING: under on_error pass the Contacts API gets
#   the body with status PENDING and empty last_validated and confidence
#   (the other contacts of a bulk keep their verdicts); under on_error
#   reject the client gets 503 with Retry-After listing exactly the
#   PENDING contact (index 1 in a bulk).
# Every block then sends an ordinary request to the same nginx: the worker
# is alive and still validates.  No block may log [alert], [crit] or
# [emerg], and each has a client timeout, so a hang fails it.
#
# Mocks:
#   $TEST_NGINX_RAND_PORT_1  Byteplant answering normally, by number:
#                            +12095550142 VALID_CONFIRMED,
#                            +12095550143 VALID_UNCONFIRMED
#   $TEST_NGINX_RAND_PORT_2  the Contacts API: echoes what it received
#   $TEST_NGINX_RAND_PORT_3  nobody listens (connection refused)
#   $TEST_NGINX_RAND_PORT_4  the block's fault (an nginx location)
#   $TEST_NGINX_PV_TCP_PORT  the embedded TCP mock (cut-short answer, then
#                            a FIN)
#   $TEST_NGINX_PV_RST_PORT  the file's reset mock (the same cut-short
#                            answer, then an RST)
# A bulk's calls go through a round-robin upstream of PORT_1, the fault,
# PORT_1: the calls start in the contacts' order, so the second one, for
# the middle contact, is the one that hits the fault.  (The fault cannot
# be chosen by the form body in the internal location: subrequests share
# their parent's variable cache, so $request_body there is the first
# call's body for every call.)

use Test::Nginx::Socket 'no_plan';
use lib 't/inc';
use PhonevalTest;
use PhonevalMocks qw(reset_mock);

# a port for the embedded TCP mock (upstream Test::Nginx takes a number)
$ENV{TEST_NGINX_PV_TCP_PORT} ||= server_port() + 1;

# the reset mock, for the whole file
$ENV{TEST_NGINX_PV_RST_PORT} ||= server_port() + 2;
reset_mock($ENV{TEST_NGINX_PV_RST_PORT},
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           . "Content-Length: 1000\r\nConnection: close\r\n\r\n"
           . '{"status":"VALID_CONFIRMED","linetype":"MOBILE",');

no_shuffle();
check_accum_error_log();

our $Mocks = <<'_EOC_';
    map $request_body $pv_answer {
        default                        '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=%2B12095550143&   '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 209-555-0143"}';
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;

        location = /ok {
            echo_read_request_body;
            echo $pv_answer;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;

        location / {
            echo_read_request_body;
            echo "$request_method $request_uri cl=$http_content_length te=$http_transfer_encoding";
            echo_request_body;
        }
    }
_EOC_

# every block gets the mocks, and fails on [alert], [crit] and [emerg], on
# top of its own list
phoneval_preprocessor(http_config => $Mocks);

run_tests();

__DATA__

_EOT_

open my $fh, '>', $out or die "$out: $!\n";
print $fh $head, join("\n\n\n", @blocks);
close $fh or die "$out: $!\n";

print "wrote $out: ", scalar(@blocks), " blocks\n";
