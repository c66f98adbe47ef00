package Test::Nginx::Harness::TCPServer;

# Tiny forked TCP server for the "--- tcp_listen" / "--- tcp_reply" /
# "--- tcp_query" sections of the phoneval Test::Nginx::Socket harness.
# Every accepted connection: optional shutdown (tcp_shutdown), read the
# query, append it to a record file, wait tcp_reply_delay, send the reply,
# close (unless tcp_no_close).

use strict;
use warnings;

use IO::Socket::INET ();
use IO::Socket::UNIX ();
use IO::Select ();
use POSIX ();
use Time::HiRes ();
use File::Temp ();

# start(listen => PORT | /path.sock, reply => STR | [STR..] | CODE,
#       reply_delay => SECS, query_len => N, no_close => BOOL,
#       shutdown => 0|1|2, read_timeout => SECS)
sub start {
    my ($class, %o) = @_;
    my $listen = $o{listen};
    my $srv;
    if ($listen =~ m{/} || $listen =~ /\.sock$/) {
        unlink $listen;
        $srv = IO::Socket::UNIX->new(Local => $listen, Listen => 64)
            or die "tcp_listen: cannot listen on unix:$listen: $!\n";
    } else {
        $srv = IO::Socket::INET->new(
            LocalAddr => '127.0.0.1', LocalPort => $listen, Proto => 'tcp',
            Listen => 64, ReuseAddr => 1,
        ) or die "tcp_listen: cannot listen on port $listen: $!\n";
    }
    my $rec = File::Temp->new(TEMPLATE => 'tn-tcp-XXXXXX', TMPDIR => 1);
    close $rec;
    my $recfile = $rec->filename;

    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        $SIG{TERM} = sub { POSIX::_exit(0) };
        my @keep;
        while (1) {
            my $c = $srv->accept or next;
            _serve($c, $recfile, \%o);
            if ($o{no_close}) { push @keep, $c } else { close $c }
        }
        POSIX::_exit(0);
    }
    close $srv;
    return bless { pid => $pid, rec => $rec, recfile => $recfile,
                   listen => $listen }, $class;
}

sub _http_complete {
    my ($buf) = @_;
    my $e = index $buf, "\r\n\r\n";
    return 0 if $e < 0;
    my $head = substr $buf, 0, $e;
    if ($head =~ /^Content-Length\s*:\s*(\d+)/mi) {
        return length($buf) >= $e + 4 + $1;
    }
    if ($head =~ /^Transfer-Encoding\s*:.*chunked/mi) {
        return $buf =~ /\r\n0\r\n(?:[^\r\n]+\r\n)*\r\n\z/;
    }
    return 1;
}

sub _serve {
    my ($c, $recfile, $o) = @_;
    if (defined $o->{shutdown} && $o->{shutdown} =~ /^\d$/) {
        shutdown $c, $o->{shutdown};
    }
    my $buf = '';
    my $sel = IO::Select->new($c);
    my $limit = $o->{read_timeout} // 3;
    my $want = $o->{query_len};
    unless (defined $o->{shutdown} && ($o->{shutdown} == 0 || $o->{shutdown} == 2)) {
        while (1) {
            last if defined $want && length($buf) >= $want;
            last if !defined $want && length($buf) && _http_complete($buf);
            # without an expected length: stop after a short idle period
            my $t = (!defined $want && length $buf) ? 0.1 : $limit;
            my @r = $sel->can_read($t);
            last unless @r;
            my $n = sysread $c, my $chunk, 65536;
            last unless $n;
            $buf .= $chunk;
        }
    }
    if (open my $fh, '>>', $recfile) {
        binmode $fh;
        print $fh $buf;
        close $fh;
    }
    Time::HiRes::sleep($o->{reply_delay}) if $o->{reply_delay};
    my $reply = $o->{reply};
    $reply = $reply->($buf) if ref $reply eq 'CODE';
    return unless defined $reply;
    local $SIG{PIPE} = 'IGNORE';
    my @pieces = ref $reply eq 'ARRAY' ? @$reply : ($reply);
    for my $i (0 .. $#pieces) {
        Time::HiRes::sleep(0.01) if $i;
        my $d = $pieces[$i];
        my $off = 0;
        while ($off < length $d) {
            my $n = syswrite $c, $d, length($d) - $off, $off;
            last unless $n;
            $off += $n;
        }
    }
}

sub received {
    my ($self) = @_;
    open my $fh, '<', $self->{recfile} or return '';
    binmode $fh;
    local $/;
    my $c = <$fh>;
    close $fh;
    return $c // '';
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
    $self->{pid} = undef;
    unlink $self->{listen} if $self->{listen} =~ m{/} || $self->{listen} =~ /\.sock$/;
}

sub DESTROY {
    my ($self) = @_;
    local $?;
    $self->stop if $self->{pid};
}

1;
