package PhonevalCli;

# What every t/6*-cli-*.t needs: build/phoneval run with a clean
# environment (cli), the sandbox simulators started on a free port and
# stopped at the end (sim_start), their admin API (admin), and small
# helpers.  Loading it skips the whole file when build/phoneval or the
# simulators' python3 with phonenumbers is missing.
#
#   use FindBin;
#   use lib "$FindBin::Bin/inc";
#   use PhonevalCli;

use strict;
use warnings;

use Test::More ();
use FindBin;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

use Exporter 'import';

our @EXPORT = qw($ROOT $BIN $TMP $KEY $TOKEN
                 sim_start admin cli write_file iso_ms max_in_window);

# the sequence number of simulators and runs, for file names in $TMP
# (a file's own background runs share it)
our @EXPORT_OK = qw($N @SIMS);

our $ROOT = "$FindBin::Bin/..";
our $BIN  = "$ROOT/build/phoneval";

Test::More::plan skip_all => "build/phoneval is missing: run \"make cli\" first"
    unless -x $BIN;
Test::More::plan skip_all => "the simulators need /usr/bin/python3 with phonenumbers"
    unless system("/usr/bin/python3 -c 'import phonenumbers' 2>/dev/null")
           == 0;

our $TMP = tempdir("phoneval-cli-XXXXXX", TMPDIR => 1, CLEANUP => 1);
our $KEY = "pv-0123456789abcdef0123456789abcdef";
our $TOKEN = "pit-sandbox-token";
our (@SIMS, $N);

sub sim_start {
    my ($name, @args) = @_;
    my $port_file = "$TMP/$name." . ++$N . ".port";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', "$TMP/$name.$N.out";
        open STDERR, '>&', \*STDOUT;
        exec("$ROOT/sandbox/$name", '--port', 0, '--port-file', $port_file,
             @args) or POSIX::_exit(127);
    }
    push @SIMS, $pid;
    my $t0 = time;
    sleep 0.05 until -s $port_file || time - $t0 > 15;
    open my $fh, '<', $port_file or die "$name did not start";
    chomp(my $port = <$fh>);
    sleep 0.05 until -s $port_file && $port;
    return { pid => $pid, port => $port, url => "http://127.0.0.1:$port" };
}

END {
    local $?;                   # a child's status is not the test's
    kill 'TERM', @SIMS if @SIMS;
    waitpid $_, 0 for @SIMS;
}

my $HTTP = HTTP::Tiny->new(timeout => 30);

sub admin {
    my ($sim, $method, $path, $body) = @_;
    my %o = defined $body
        ? (content => encode_json($body),
           headers => { 'Content-Type' => 'application/json' })
        : ();
    my $r = $HTTP->request($method, "$sim->{url}$path", \%o);
    die "$method $path: $r->{status} $r->{content}" unless $r->{success};
    return decode_json($r->{content});
}

# runs build/phoneval with a clean environment plus %$env; the child's
# stdin is /dev/null, HOME a fresh directory (no stray config file)
sub cli {
    my ($env, @args) = @_;
    my $n = ++$N;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        delete $ENV{$_} for grep { /^PHONEVAL_|^XDG_CONFIG_HOME$/ } keys %ENV;
        mkdir "$TMP/home";
        $ENV{HOME} = "$TMP/home";
        $ENV{$_} = $env->{$_} for keys %$env;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$TMP/cli.$n.out";
        open STDERR, '>', "$TMP/cli.$n.err";
        exec($BIN, @args) or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $rc = $? >> 8;
    local $/;
    open my $o, '<', "$TMP/cli.$n.out";
    open my $e, '<', "$TMP/cli.$n.err";
    return { rc => $rc, out => scalar(<$o>) // '', err => scalar(<$e>) // '' };
}

sub write_file {
    my ($path, $text, $mode) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
    chmod $mode // 0600, $path;
    return $path;
}

sub iso_ms {
    my ($ts) = @_;     # 2026-12-03T19:00:28.899Z
    my ($y, $mo, $d, $h, $mi, $s, $ms) =
        $ts =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z$/ or return;
    require Time::Local;
    return Time::Local::timegm($s, $mi, $h, $d, $mo - 1, $y) * 1000 + $ms;
}

# the most requests any window of $secs seconds holds, over log times (ms)
sub max_in_window {
    my ($secs, @ms) = @_;
    @ms = sort { $a <=> $b } @ms;
    my ($max, $j) = (0, 0);
    for my $i (0 .. $#ms) {
        $j++ while $ms[$i] - $ms[$j] >= $secs * 1000;
        $max = $i - $j + 1 if $i - $j + 1 > $max;
    }
    return $max;
}

1;
