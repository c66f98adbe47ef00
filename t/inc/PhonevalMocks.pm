package PhonevalMocks;

# The mocks (echo module) and the expected-text helpers that the t/1*.t,
# t/3*.t and t/4*.t files share.  Nothing is exported by default: a file
# names what it uses, and blocks call the helpers as ::fwd(...) etc.
#
#   use lib 't/inc';
#   use PhonevalMocks qw(pv_mocks fwd);
#   our $Mocks = pv_mocks(answers => <<'_EOC_');
#           ~PhoneNumber=%2B12095550142& '{"status":"VALID_CONFIRMED"}';
#   _EOC_

use strict;
use warnings;

use Exporter 'import';

our @EXPORT_OK = qw(pv_mocks $StandardAnswers seen_mocks
                    $TS fwd fwd_re exact_re crm seen cf reset_mock);

# ---- the "pv" mocks (t/100 .. t/120, t/150) ------------------------------
#
# - the Byteplant mock on $TEST_NGINX_RAND_PORT_1: answers every URI with
#   map $pv_answer, chosen by the form body ("NOT_IN_MOCK" for a number
#   it has no answer for), and logs "METHOD URI ct= auth= cookie= body="
#   to logs/provider.log;
# - the CRM upstream on $TEST_NGINX_RAND_PORT_2: echoes "METHOD URI cl=
#   te=" and the exact body it got; with crm_log => 1 it also logs
#   "METHOD URI" to logs/crm.log.
#
# answers => the map's lines after its default (default: $StandardAnswers)

our $StandardAnswers = <<'_EOC_';
        ~PhoneNumber=%2B12095550142& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","location":"California","countrycode":"US","formatnational":"(209) 555-0142","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=%2B12095550143& '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatnational":"(209) 555-0143","formatinternational":"+1 209-555-0143"}';
        ~PhoneNumber=%2B12095550100& '{"status":"INVALID","linetype":"","countrycode":"US","formatinternational":"+1 209-555-0100"}';
        ~PhoneNumber=%2B12095550199& '{"status":"DELAYED"}';
        ~PhoneNumber=2095550142&CountryCode=US& '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
_EOC_

sub pv_mocks {
    my (%opt) = @_;
    my $answers = $opt{answers} // $StandardAnswers;
    my $crm_log = $opt{crm_log};

    return <<'_EOC_'
    log_format pv '$request_method $request_uri ct=$content_type auth=$http_authorization cookie=$http_cookie body=$request_body';
_EOC_
    . ($crm_log ? <<'_EOC_' : '')
    log_format crm '$request_method $request_uri';
_EOC_
    . <<'_EOC_'

    map $request_body $pv_answer {
        default '{"status":"NOT_IN_MOCK"}';
_EOC_
    . $answers
    . <<'_EOC_'
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/provider.log pv;

        location / {
            echo_read_request_body;
            echo $pv_answer;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
_EOC_
    . ($crm_log ? <<'_EOC_' : '')
        access_log logs/crm.log crm;
_EOC_
    . <<'_EOC_';

        location / {
            echo_read_request_body;
            echo "$request_method $request_uri cl=$http_content_length te=$http_transfer_encoding";
            echo_request_body;
        }
    }
_EOC_
}

# ---- the "pv_seen" mocks (t/130, t/140, t/160) ---------------------------
#
# - the Byteplant mock on $TEST_NGINX_RAND_PORT_1: /ok answers by the
#   PhoneNumber in the form body (VALID_CONFIRMED for any number it has no
#   other answer for), and every call is logged to logs/provider.log with
#   its method, URI, Content-Type, Content-Length, the client headers that
#   must not reach it, and the form body (see seen());
# - the Contacts API on $TEST_NGINX_RAND_PORT_2: echoes "METHOD URI cl=
#   te=" and the exact body it got (see crm()); /created does the same
#   with a 201.
#
# maps => more http-level text after the answers map, log_formats => more
# log_format lines, provider => more locations in the Byteplant mock.

sub seen_mocks {
    my (%opt) = @_;

    return <<'_EOC_'
    map $request_body $pv_answer {
        default                        '{"status":"VALID_CONFIRMED","linetype":"MOBILE","countrycode":"US","formatinternational":"+1 209-555-0142"}';
        ~PhoneNumber=%2B12095550143&   '{"status":"VALID_UNCONFIRMED","linetype":"FIXED_LINE","countrycode":"US","formatinternational":"+1 209-555-0143"}';
        ~PhoneNumber=%2B12095550144&   '{"status":"INVALID"}';
        ~PhoneNumber=%2B12095550145&   '{"status":"DELAYED"}';
        ~PhoneNumber=%2B12095550146&   '{"status":"RATE_LIMIT_EXCEEDED","ratelimit_remain":0,"ratelimit_seconds":42}';
        ~PhoneNumber=%2B12095550147&   '{"status":"API_KEY_INVALID_OR_DEPLETED"}';
        ~PhoneNumber=%2B12095550148&   '{"status":"SOMETHING_NEW"}';
    }

_EOC_
    . ($opt{maps} // '')
    . <<'_EOC_'
    log_format pv_seen '$request_method $request_uri ct=$content_type cl=$content_length auth=$http_authorization cookie=$http_cookie secret=$http_x_secret body=$request_body';
_EOC_
    . ($opt{log_formats} // '')
    . <<'_EOC_'

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/provider.log pv_seen;

        location = /ok {
            echo_read_request_body;
            echo $pv_answer;
        }
_EOC_
    . ($opt{provider} // '')
    . <<'_EOC_';
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
}

# ---- expected texts --------------------------------------------------------

# a last_validated value: UTC, YYYY-MM-DDThh:mm:ssZ
our $TS = '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ';

# what the echo upstream answers for a forwarded body
sub fwd {
    my ($line, $body) = @_;
    return "$line cl=" . length($body) . " te=\n" . $body;
}

# the same, as an exact regex where @TS@ stands for a timestamp (20 bytes)
sub fwd_re {
    my ($line, $body) = @_;
    (my $sample = $body) =~ s/\@TS\@/2000-01-01T00:00:00Z/g;
    my $text = "$line cl=" . length($sample) . " te=\n" . $body;
    my $re = join $TS, map { quotemeta } split /\@TS\@/, $text, -1;
    return qr/\A$re\z/;
}

# an exact text as an anchored regex
sub exact_re {
    my ($s) = @_;
    return qr/\A\Q$s\E\z/;
}

# what the Contacts API mock (seen_mocks) answers for a forwarded body
sub crm {
    my ($body, $uri, $method) = @_;
    $uri //= '/contacts/';
    $method //= 'POST';
    return "$method $uri cl=" . length($body) . " te=\n" . $body;
}

# one line of logs/provider.log (seen_mocks) for a call that carried $form
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

# ---- a provider that resets the connection (t/4*.t) ----------------------
#
# reset_mock(PORT, ANSWER_PREFIX): a forked TCP server of the test file
# itself, so that it works the same under the bundled harness and
# upstream Test::Nginx (neither has an abortive close among its sections).
# For each connection it reads the request head, sends the answer prefix
# (a status line, headers, part of a body), then closes with SO_LINGER 0:
# the kernel sends an RST, not a FIN.  Stopped when the file ends.

my @ResetMocks;

sub reset_mock {
    my ($port, $answer) = @_;

    require IO::Socket::INET;
    require Socket;
    require POSIX;

    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                    LocalPort => $port, Listen => 16,
                                    ReuseAddr => 1, Proto => 'tcp')
        or die "reset mock on port $port: $!\n";

    my $pid = fork // die "fork: $!\n";

    if ($pid == 0) {
        $SIG{TERM} = sub { POSIX::_exit(0) };

        while (1) {
            my $c = $srv->accept or next;
            my $head = '';
            while ($head !~ /\r\n\r\n/) {
                my $n = sysread $c, $head, 4096, length $head;
                last unless $n;
            }
            syswrite $c, $answer;
            setsockopt $c, Socket::SOL_SOCKET(), Socket::SO_LINGER(),
                       pack('ii', 1, 0);
            close $c;
        }
    }

    close $srv;
    push @ResetMocks, [$pid, $$];
    return $pid;
}

END {
    for my $m (@ResetMocks) {
        next unless $m->[1] == $$;          # not in a forked child
        kill 'TERM', $m->[0];
        waitpid $m->[0], 0;
    }
}

1;

