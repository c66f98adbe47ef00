package Test::Nginx::Harness::Client;

# HTTP client side of the phoneval Test::Nginx::Socket harness:
#   - turning "--- request" style specs into wire bytes,
#   - talking to nginx over a raw non-blocking socket (HTTP/1.x),
#   - talking to nginx through curl (HTTP/2, prior knowledge),
#   - parsing HTTP/1.x responses (Content-Length, chunked, close-delimited,
#     1xx interim responses, HEAD / 204 / 304).
#
# Written from scratch for this project; see Test::Nginx::Socket's POD.

use strict;
use warnings;

use IO::Socket::INET ();
use IO::Select ();
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Errno qw(EAGAIN EWOULDBLOCK EINTR ECONNREFUSED ECONNRESET EPIPE);
use Time::HiRes ();
use File::Temp ();

our $Verbose = $ENV{TEST_NGINX_VERBOSE};

# ----------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------

# "3", "1.5", "500ms", "2s" -> seconds (float)
sub parse_time {
    my ($v) = @_;
    return undef unless defined $v;
    $v =~ s/^\s+|\s+$//g;
    return undef if $v eq '';
    return $1 / 1000 if $v =~ /^(\d+(?:\.\d*)?|\.\d+)\s*ms$/i;
    return $1 + 0    if $v =~ /^(\d+(?:\.\d*)?|\.\d+)\s*s?$/i;
    die "bad time value \"$v\" (expected e.g. 3, 1.5, 500ms)\n";
}

# printable, escaped, optionally truncated rendering of a byte string
sub escape_str {
    my ($s, $max) = @_;
    return 'undef' unless defined $s;
    my $t = $s;
    $t =~ s/\\/\\\\/g;
    $t =~ s/\n/\\n/g;
    $t =~ s/\r/\\r/g;
    $t =~ s/\t/\\t/g;
    $t =~ s/"/\\"/g;
    $t =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    if (defined $max && length($t) > $max) {
        $t = substr($t, 0, $max) . '...';
    }
    return qq{"$t"};
}

# ----------------------------------------------------------------------
# request building
# ----------------------------------------------------------------------

# Split a request spec ("POST /x HTTP/1.1\nbody...") into its parts.
# Leading blank lines and '#' comment lines are skipped (upstream feature).
sub parse_request_spec {
    my ($text) = @_;
    $text = '' unless defined $text;
    while ($text =~ s/\A[ \t]*(?:#[^\n]*)?\r?\n//) { }
    my ($first, $rest);
    if ($text =~ /\A([^\n]*)\n(.*)\z/s) {
        ($first, $rest) = ($1, $2);
    } else {
        ($first, $rest) = ($text, '');
    }
    $first =~ s/\r\z//;
    $first =~ s/^\s+|\s+$//g;
    my ($meth, $uri, @ver) = split /\s+/, $first;
    die "empty request line in request spec\n"
        unless defined $meth && length $meth;
    $uri = '/' unless defined $uri && length $uri;
    my $ver = @ver ? join(' ', @ver) : 'HTTP/1.1';
    return { method => $meth, uri => $uri, version => $ver, body => $rest };
}

sub _header_lines {
    my ($more) = @_;
    return () unless defined $more;
    my @h;
    for my $l (split /\n/, $more) {
        $l =~ s/\r\z//;
        $l =~ s/^\s+|\s+$//g;
        next if $l eq '';
        push @h, $l;
    }
    return @h;
}

# build_request(spec => STRING | [pieces], more_headers => STR,
#               keepalive => BOOL)
# A piece is a string or { value => STR, delay_before => SECS }.
# Returns { method, uri, version, packets => [ { data, delay_before } ],
#           bytes => full request, headers => [..], body => STR }.
#
# Upstream semantics:
#   * HTTP/1.1 is used when the request line has no version;
#   * "Host: localhost" and "Connection: close" (or keep-alive) are added
#     unless more_headers already has a Host / Connection header;
#   * more_headers lines follow, one per line;
#   * if there is a body, no Content-Length in more_headers and the
#     request is not chunked (Transfer-Encoding: chunked in more_headers),
#     the body's leading and trailing whitespace is stripped and a
#     Content-Length header is added. Otherwise the body goes out verbatim.
sub build_request {
    my (%a) = @_;
    my $spec = $a{spec};
    my @pieces = ref $spec eq 'ARRAY' ? @$spec : ($spec);
    die "empty request\n" unless @pieces;

    my @p = map {
        ref $_ eq 'HASH'
            ? { data => (defined $_->{value} ? $_->{value} : ''),
                delay_before => $_->{delay_before} }
            : { data => (defined $_ ? $_ : '') }
    } @pieces;

    my $req = parse_request_spec($p[0]{data});
    my @body = ($req->{body}, map { $_->{data} } @p[1 .. $#p]);

    my @hdrs = _header_lines($a{more_headers});
    my $has = sub {
        my $n = shift;
        return scalar grep { /^\Q$n\E\s*:/i } @hdrs;
    };
    my $chunked = grep { /^Transfer-Encoding\s*:.*\bchunked\b/i } @hdrs;

    my $body_all = join '', @body;
    my @head;
    push @head, "Host: localhost" unless $has->('Host');
    push @head, "Connection: " . ($a{keepalive} ? 'keep-alive' : 'close')
        unless $has->('Connection');
    push @head, @hdrs;

    if (!$chunked && $body_all ne '' && !$has->('Content-Length')) {
        # strip leading whitespace across pieces
        for my $i (0 .. $#body) {
            $body[$i] =~ s/\A\s+//;
            last if $body[$i] ne '';
        }
        for my $i (reverse 0 .. $#body) {
            $body[$i] =~ s/\s+\z//;
            last if $body[$i] ne '';
        }
        $body_all = join '', @body;
        push @head, "Content-Length: " . length($body_all);
    }

    my $head = "$req->{method} $req->{uri} $req->{version}\r\n"
        . join('', map { "$_\r\n" } @head) . "\r\n";

    my @packets = ({ data => $head . $body[0], delay_before => $p[0]{delay_before} });
    for my $i (1 .. $#p) {
        push @packets, { data => $body[$i], delay_before => $p[$i]{delay_before} };
    }

    return {
        method  => $req->{method},
        uri     => $req->{uri},
        version => $req->{version},
        headers => \@hdrs,
        body    => $body_all,
        packets => \@packets,
        bytes   => join('', map { $_->{data} } @packets),
    };
}

# raw_request: exact bytes (string) or pieces (array of strings / hashes)
sub build_raw_request {
    my ($spec) = @_;
    my @pieces = ref $spec eq 'ARRAY' ? @$spec : ($spec);
    my @packets = map {
        ref $_ eq 'HASH'
            ? { data => (defined $_->{value} ? $_->{value} : ''),
                delay_before => $_->{delay_before} }
            : { data => (defined $_ ? $_ : '') }
    } @pieces;
    my $bytes = join '', map { $_->{data} } @packets;
    my $method = $bytes =~ /\A\s*(\S+)/ ? $1 : 'GET';
    return { method => $method, packets => \@packets, bytes => $bytes };
}

# ----------------------------------------------------------------------
# response parsing
# ----------------------------------------------------------------------

# parse_responses($buf, $n, \@methods, $eof, $http09)
# Parses up to $n responses from $buf. Returns an array ref of hashes:
#   { status, proto, reason, status_line, headers => [[name, value]...],
#     raw_headers, body, complete, framing, error }
# Interim 1xx responses (other than 101) are skipped.
sub parse_responses {
    my ($buf, $n, $methods, $eof, $http09) = @_;
    my @res;
    my $pos = 0;
    my $len = length $buf;

    if ($http09) {
        return [ { status => undef, headers => [], raw_headers => '',
                   body => $buf, complete => $eof ? 1 : 0,
                   framing => 'http09' } ];
    }

    for my $i (0 .. $n - 1) {
        my $method = uc($methods->[$i] // 'GET');
        my ($r, @interim);
        while ($pos < $len) {
            $r = _parse_one(\$buf, $pos, $method, $eof);
            last unless $r;
            $pos = $r->{_end};
            if (defined $r->{status} && $r->{status} >= 100
                && $r->{status} < 200 && $r->{status} != 101
                && $r->{complete})
            {
                push @interim, $r->{status};
                undef $r;
                next;
            }
            last;
        }
        last unless $r;
        delete $r->{_end};
        $r->{interim} = \@interim if @interim;
        push @res, $r;
        last unless $r->{complete};
    }
    return \@res;
}

sub header_value {
    my ($res, $name) = @_;
    return undef unless $res && $res->{headers};
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $res->{headers} };
    return undef unless @v;
    return join ', ', @v;
}

sub _parse_one {
    my ($bufref, $pos, $method, $eof) = @_;
    my $len = length $$bufref;
    return undef if $pos >= $len;

    my $hend = index $$bufref, "\r\n\r\n", $pos;
    my $hend_lf = index $$bufref, "\n\n", $pos;
    my ($head_end, $sep);
    if ($hend >= 0 && ($hend_lf < 0 || $hend <= $hend_lf)) {
        ($head_end, $sep) = ($hend, 4);
    } elsif ($hend_lf >= 0) {
        ($head_end, $sep) = ($hend_lf, 2);
    }

    if (!defined $head_end) {
        # incomplete header
        my $partial = substr $$bufref, $pos;
        my $r = { status => undef, headers => [], raw_headers => $partial,
                  body => '', complete => 0, _end => $len,
                  error => 'incomplete response header' };
        if ($partial =~ m{\AHTTP/(\d+\.\d+)\s+(\d{3})}) {
            $r->{proto} = $1;
            $r->{status} = $2;
        }
        return $r;
    }

    my $raw = substr $$bufref, $pos, $head_end - $pos;
    my @lines = split /\r?\n/, $raw;
    my $sl = shift @lines;
    $sl = '' unless defined $sl;
    my $r = { status_line => $sl, headers => [],
              raw_headers => substr($$bufref, $pos, $head_end - $pos) . "\r\n" };

    if ($sl =~ m{\AHTTP/(\d+(?:\.\d+)?)\s+(\d{3})(?:\s+(.*))?\z}) {
        ($r->{proto}, $r->{status}, $r->{reason}) = ($1, $2, $3);
    } else {
        $r->{error} = "bad status line " . escape_str($sl, 200);
        $r->{status} = undef;
        $r->{body} = substr $$bufref, $pos;
        $r->{complete} = $eof ? 1 : 0;
        $r->{_end} = $len;
        return $r;
    }

    for my $l (@lines) {
        if ($l =~ /^[ \t]/ && @{ $r->{headers} }) {   # obsolete folding
            (my $c = $l) =~ s/^\s+//;
            $r->{headers}[-1][1] .= " $c";
            next;
        }
        if ($l =~ /^([^:]+?)\s*:\s*(.*?)\s*\z/) {
            push @{ $r->{headers} }, [ $1, $2 ];
        } else {
            $r->{error} ||= "bad header line " . escape_str($l, 200);
        }
    }

    my $p = $head_end + $sep;
    my $status = $r->{status};

    if ($method eq 'HEAD' || $status == 204 || $status == 304
        || ($status >= 100 && $status < 200))
    {
        $r->{body} = '';
        $r->{complete} = 1;
        $r->{framing} = 'none';
        $r->{_end} = $p;
        return $r;
    }

    my $te = header_value($r, 'Transfer-Encoding');
    my $cl = header_value($r, 'Content-Length');

    if (defined $te && $te =~ /\bchunked\b/i) {
        $r->{framing} = 'chunked';
        my $body = '';
        my $complete = 0;
        while (1) {
            my $eol = index $$bufref, "\n", $p;
            last if $eol < 0;
            my $line = substr $$bufref, $p, $eol - $p;
            $line =~ s/\r\z//;
            if ($line !~ /^\s*([0-9a-fA-F]+)\s*(?:;.*)?$/) {
                $r->{error} = "bad chunk size line " . escape_str($line, 100);
                last;
            }
            my $size = hex $1;
            my $data_start = $eol + 1;
            if ($size == 0) {
                # trailers until an empty line
                my $q = $data_start;
                my $done = 0;
                while (1) {
                    my $e = index $$bufref, "\n", $q;
                    last if $e < 0;
                    my $tl = substr $$bufref, $q, $e - $q;
                    $q = $e + 1;
                    $tl =~ s/\r\z//;
                    if ($tl eq '') { $done = 1; last }
                    if ($tl =~ /^([^:]+?)\s*:\s*(.*?)\s*\z/) {
                        push @{ $r->{trailers} ||= [] }, [ $1, $2 ];
                    }
                }
                if ($done) {
                    $p = $q;
                    $complete = 1;
                }
                last;
            }
            last if $data_start + $size > $len;
            $body .= substr $$bufref, $data_start, $size;
            $p = $data_start + $size;
            # chunk data must be followed by CRLF
            if ($p + 2 <= $len && substr($$bufref, $p, 2) eq "\r\n") {
                $p += 2;
            } elsif ($p + 1 <= $len && substr($$bufref, $p, 1) eq "\n") {
                $p += 1;
            } elsif ($p >= $len) {
                last;
            } else {
                $r->{error} = "chunk data not followed by CRLF";
                last;
            }
        }
        $r->{body} = $body;
        $r->{complete} = $complete;
        $r->{_end} = $complete ? $p : $len;
        $r->{error} ||= 'incomplete chunked body' if !$complete && $eof;
        return $r;
    }

    if (defined $cl && $cl =~ /^\s*(\d+)\s*$/) {
        my $want = $1;
        $r->{framing} = 'content-length';
        if ($p + $want <= $len) {
            $r->{body} = substr $$bufref, $p, $want;
            $r->{complete} = 1;
            $r->{_end} = $p + $want;
        } else {
            $r->{body} = substr $$bufref, $p;
            $r->{complete} = 0;
            $r->{need_total} = $p + $want;
            $r->{_end} = $len;
            $r->{error} = sprintf('incomplete body: got %d of %d bytes',
                                  $len - $p, $want) if $eof;
        }
        return $r;
    }

    # close-delimited
    $r->{framing} = 'close';
    $r->{body} = substr $$bufref, $p;
    $r->{complete} = $eof ? 1 : 0;
    $r->{_end} = $len;
    return $r;
}

# ----------------------------------------------------------------------
# socket exchange (HTTP/1.x)
# ----------------------------------------------------------------------

# exchange(host, port, packets => [ {data, delay_before} ...],
#          timeout => secs, middle_delay => secs, shutdown => undef|how,
#          nresp => N, methods => [..], http09 => bool)
# Sends the packets and reads until EOF, or until all nresp responses are
# complete and the last one does not announce "Connection: close"
# (i.e. nginx would keep the connection open).
# Returns { raw, timed_out, eof, error, responses }
sub exchange {
    my (%a) = @_;
    my $timeout = $a{timeout} // 3;
    my $host = $a{host} // '127.0.0.1';
    my $port = $a{port};
    my $nresp = $a{nresp} // 1;
    my $methods = $a{methods} || [];
    my %ret = (raw => '', timed_out => 0, eof => 0);

    local $SIG{PIPE} = 'IGNORE';

    # connect (retry "connection refused" briefly: nginx may be starting)
    my $sock;
    my $deadline = Time::HiRes::time() + ($timeout > 1 ? 1 : $timeout);
    while (1) {
        $sock = IO::Socket::INET->new(
            PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
            Timeout => $timeout,
        );
        last if $sock;
        my $refused = $!{ECONNREFUSED};
        my $err = "$!";
        if ($refused && Time::HiRes::time() < $deadline) {
            Time::HiRes::sleep(0.01);
            next;
        }
        $ret{error} = "cannot connect to $host:$port: $err";
        $ret{responses} = [];
        return \%ret;
    }
    setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1);
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);

    my $buf = '';
    my $write_failed;

    my $read_some = sub {
        # returns 1 if data read, 0 on EOF, undef on EAGAIN
        my $n = sysread $sock, my $chunk, 65536;
        if (!defined $n) {
            return undef if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
            if ($!{ECONNRESET}) { $ret{reset} = 1; return 0 }
            $ret{error} = "read error: $!";
            return 0;
        }
        return 0 if $n == 0;
        $buf .= $chunk;
        return 1;
    };

    # When the (last) request asked for "Connection: close", nginx closes the
    # connection and we simply read until EOF. Otherwise (raw keep-alive
    # requests) stop as soon as all responses are complete. Re-parsing is
    # throttled so that big bodies do not cost O(n^2).
    my $expect_close = $a{expect_close};
    if (!defined $expect_close) {
        my $all = join '', map { $_->{data} } @{ $a{packets} };
        my @heads = $all =~ /(?:\A|\n)([A-Z]+ [^\r\n]* HTTP\/1\.[01])\r?\n/g;
        my $last_ver = @heads && $heads[-1] =~ /HTTP\/1\.0$/ ? '1.0' : '1.1';
        my $tail = $all;
        if ($all =~ /.*\n([A-Z]+ [^\r\n]* HTTP\/1\.[01]\r?\n)/s) {
            $tail = substr $all, $-[1];
        }
        $expect_close = $tail =~ /^Connection\s*:\s*close/mi
            || ($last_ver eq '1.0' && $tail !~ /^Connection\s*:\s*keep-alive/mi)
            || $a{http09};
    }
    my $next_check = 0;
    my $done_reading = sub {
        return 0 if $expect_close;
        return 0 if length($buf) < $next_check
                     && substr($buf, -3) ne "\n\r\n" && substr($buf, -2) ne "\n\n";
        my $res = parse_responses($buf, $nresp, $methods, 0, $a{http09});
        if (@$res && !$res->[-1]{complete}) {
            my $last = $res->[-1];
            if (defined $last->{need_total}) {
                $next_check = $last->{need_total};
            } elsif (($last->{framing} // '') eq 'close') {
                $next_check = 9**18;     # only EOF completes it
            } else {                     # chunked / headers: the end of the
                                         # message ends with an empty line
                $next_check = int(length($buf) * 1.25) + 65536;
            }
            return 0;
        }
        return 0 unless @$res == $nresp && $res->[-1]{complete};
        return 0 if $res->[-1]{framing} && $res->[-1]{framing} eq 'close';
        return 0 if $a{http09};
        my $conn = header_value($res->[-1], 'Connection');
        return 0 if defined $conn && $conn =~ /close/i;
        # HTTP/1.0 responses without keep-alive are closed by nginx
        return 0 if ($res->[-1]{proto} // '') eq '1.0'
                    && !(defined $conn && $conn =~ /keep-alive/i);
        return 1;
    };

    # --- write
    my $first = 1;
    PACKET:
    for my $pk (@{ $a{packets} }) {
        my $delay = $pk->{delay_before};
        if (!$first) {
            $delay = $a{middle_delay} unless defined $delay;
        }
        $first = 0;
        if ($delay && $delay > 0) {
            Time::HiRes::sleep($delay);
        }
        my $data = $pk->{data};
        my $off = 0;
        while ($off < length $data) {
            my @w = IO::Select->new($sock)->can_write($timeout);
            if (!@w) {
                $ret{timed_out} = 1;
                $ret{error} = 'timed out while sending the request';
                last PACKET;
            }
            my $n = syswrite $sock, $data, length($data) - $off, $off;
            if (!defined $n) {
                next if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
                $write_failed = "write error: $!";
                last PACKET;
            }
            $off += $n;
        }
    }

    if (defined $a{shutdown} && !$ret{timed_out}) {
        shutdown $sock, ($a{shutdown} =~ /^\d+$/ ? $a{shutdown} : 1);
    }

    # --- read
    if (!$ret{timed_out}) {
        while (1) {
            my @r = $sel->can_read($timeout);
            if (!@r) {
                $ret{timed_out} = 1;
                last;
            }
            my $st = $read_some->();
            next unless defined $st;
            if ($st == 0) {
                $ret{eof} = 1;
                last;
            }
            last if $done_reading->();
        }
    }
    close $sock;

    $ret{write_error} = $write_failed if $write_failed;
    $ret{raw} = $buf;
    $ret{responses} = parse_responses($buf, $nresp, $methods, $ret{eof},
                                      $a{http09});
    return \%ret;
}

# ----------------------------------------------------------------------
# curl (HTTP/2 prior knowledge)
# ----------------------------------------------------------------------

sub curl_command {
    my (%a) = @_;
    my @cmd = ($a{curl} // 'curl', '-sS', '-i');
    push @cmd, '--http2-prior-knowledge' unless defined $a{http2} && !$a{http2};
    push @cmd, '--max-time', $a{max_time} if $a{max_time};
    my $meth = $a{method};
    my $has_body = defined $a{body_file};
    if ($meth eq 'HEAD') {
        push @cmd, '-I';
    } elsif ($has_body) {
        push @cmd, '-X', $meth if $meth ne 'POST';
        push @cmd, '--data-binary', '@' . $a{body_file};
    } elsif ($meth ne 'GET') {
        push @cmd, '-X', $meth;
    }
    for my $h (@{ $a{headers} || [] }) {
        push @cmd, '-H', $h;
    }
    push @cmd, @{ $a{extra_opts} || [] };
    my $proto = $a{protocol} // 'http';
    push @cmd, "$proto://$a{host}:$a{port}$a{uri}";
    return \@cmd;
}

# curl_exchange(host, port, method, uri, headers => [..], body => STR|undef,
#               timeout, extra_opts => [..], protocol)
sub curl_exchange {
    my (%a) = @_;
    require IPC::Run;
    my %ret = (raw => '', timed_out => 0, eof => 1);
    my $tmp;
    if (defined $a{body} && length $a{body}) {
        $tmp = File::Temp->new(TEMPLATE => 'tn-h2-body-XXXXXX', TMPDIR => 1);
        binmode $tmp;
        print $tmp $a{body};
        close $tmp;
    }
    my $cmd = curl_command(%a, body_file => ($tmp ? $tmp->filename : undef));
    $ret{cmd} = $cmd;
    warn "curl command: @$cmd\n" if $Verbose;
    my ($out, $err) = ('', '');
    my $t = $a{timeout} // 3;
    my $h = eval {
        IPC::Run::start($cmd, \undef, \$out, \$err, IPC::Run::timeout($t + 0.5));
    };
    if (!$h) {
        $ret{error} = "cannot run curl: $@";
        $ret{responses} = [];
        return \%ret;
    }
    eval { $h->finish; 1 } or do {
        my $e = $@;
        eval { $h->kill_kill };
        if ($e =~ /timeout/i) {
            $ret{timed_out} = 1;
        } else {
            $ret{error} = "curl: $e";
        }
    };
    my $code = $h->result;
    $ret{curl_exit} = $code;
    $ret{curl_stderr} = $err;
    if (defined $code && $code == 28) {    # operation timed out
        $ret{timed_out} = 1;
    }
    $ret{raw} = $out;

    # curl -i prints one header block per (interim) response, then the body
    my $pos = 0;
    my $res;
    while (1) {
        my $e = index $out, "\r\n\r\n", $pos;
        last if $e < 0;
        my $head = substr $out, $pos, $e - $pos;
        last unless $head =~ m{\AHTTP/(\S+)\s+(\d{3})(?:[ \t]+([^\r\n]*))?};
        my ($proto, $status, $reason) = ($1, $2, $3);
        my @lines = split /\r\n/, $head;
        my $sl = shift @lines;
        $res = { proto => $proto, status => $status, reason => $reason,
                 status_line => $sl, headers => [],
                 raw_headers => "$head\r\n", framing => 'h2' };
        for my $l (@lines) {
            push @{ $res->{headers} }, [ $1, $2 ]
                if $l =~ /^([^:]+?)\s*:\s*(.*?)\s*\z/;
        }
        $pos = $e + 4;
        next if $status >= 100 && $status < 200 && $status != 101;
        last;
    }
    if ($res) {
        $res->{body} = substr $out, $pos;
        $res->{complete} = ($ret{timed_out} || ($code // 0) != 0) ? 0 : 1;
        $ret{responses} = [$res];
    } else {
        $ret{responses} = [];
    }
    if (defined $code && $code != 0 && !$ret{timed_out}) {
        (my $e = $err) =~ s/\s+\z//;
        $ret{error} = "curl exited with code $code: $e";
    }
    return \%ret;
}

1;
