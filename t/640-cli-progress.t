# The progress bar: drawn on stderr when it is a terminal (a pty made by
# util-linux script(1)), as "[bar] done/total  rate/s  ETA t" redrawn in
# place with a carriage return and ending with a newline; never drawn when
# stderr is a file or a pipe (no carriage return, no escape); --progress
# and --no-progress override the choice.

use strict;
use warnings;

use Test::More;
use FindBin;
use POSIX ();
use lib "$FindBin::Bin/inc";
use PhonevalCli qw(:DEFAULT $N);   # $N: script runs number their files too

plan skip_all => 'script(1) (util-linux) is missing or cannot open a pty'
    unless system('script -qec true /dev/null </dev/null >/dev/null 2>&1') == 0;

# ---- helpers -------------------------------------------------------------

sub slurp { local $/; open my $fh, '<', $_[0] or return ''; return scalar(<$fh>) // '' }

sub shq { my ($s) = @_; $s =~ s/'/'\\''/g; return "'$s'" }

# like cli(), but build/phoneval runs on a pseudo-terminal: stdout and
# stderr both go to it, and script copies what it shows to "out"
sub cli_tty {
    my ($env, @args) = @_;
    my $n = ++$N;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        delete $ENV{$_} for grep { /^PHONEVAL_|^XDG_CONFIG_HOME$/ } keys %ENV;
        mkdir "$TMP/home";
        $ENV{HOME} = "$TMP/home";
        $ENV{$_} = $env->{$_} for keys %$env;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$TMP/tty.$n.out";
        open STDERR, '>', "$TMP/tty.$n.err";
        exec('script', '-qec', join(' ', map { shq($_) } $BIN, @args),
             '/dev/null') or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    return { rc => $? >> 8, out => slurp("$TMP/tty.$n.out"),
             err => slurp("$TMP/tty.$n.err") };
}

# one drawing of the bar for $total items, as the terminal gets it
sub bar_re {
    my ($total) = @_;
    return qr{\r\e\[K\[[=> ]{30}\] \d+/$total  \d+\.\d/s  ETA (?:\d+s|\d+m\d\ds|\d+h\d\dm|--)};
}

# ---- 40 rows, each a provider call of 20 ms or more ----------------------

my $ghl = sim_start('contacts', '--rate', '100000/10', '--location', 'loc_G',
    '--field', 'contact.phone_validation_status:cfStatus');
my $bp = sim_start('byteplant', '--rate', '100000/60', '--latency', '20');
my %env = (PHONEVAL_GHL_TOKEN => $TOKEN, PHONEVAL_API_URL => $ghl->{url},
           PHONEVAL_BYTEPLANT_KEY => $KEY,
           PHONEVAL_BYTEPLANT_URL => "$bp->{url}/api/v2/verify");

# each file its own names, emails and phones (the Contacts API refuses
# duplicates)
my ($total, $files) = (40, 0);
sub rows {
    my ($tag) = @_;
    my $base = 100 * ++$files;
    return write_file("$TMP/$tag.csv", join '', "First Name,Email,Phone\n",
        map { sprintf "%s%d,%s%d\@example.com,+1 650 555 %04d\n",
                      $tag, $_, $tag, $_, $base + $_ } 1 .. $total);
}
# the summary import prints on stderr at the end (\n as given: on the
# terminal, \r\n)
sub summary_re {
    my ($nl) = @_;
    $nl //= "\n";
    return qr{\Aphoneval import: $total items in (?:\d+s|\d+m\d\ds) \(\d+\.\d/s\)$nl  verdicts: VALID_CONFIRMED $total, VALID_UNCONFIRMED 0, INVALID 0, PENDING 0, no phone 0$nl  provider calls $total, cache hits 0, written $total, failed 0, skipped 0$nl\z};
}

my @args = ('--location', 'loc_G', '--field', 'status=cfStatus',
            '--concurrency', '2',
            '--byteplant-rate', '100000/60');

# on a terminal

my $r = cli_tty(\%env, 'import', rows('tty'), @args);
is $r->{rc}, 0, 'terminal: exit 0';
is $r->{err}, '', 'terminal: script itself says nothing';
my $bar = bar_re($total);
my ($bars, $rest) = $r->{out} =~ /\A(.*?\r\n)(phoneval import:.*)\z/s;
like $bars // '', qr{\A(?:$bar)*\r\e\[K\[={30}\] $total/$total  \d+\.\d/s  ETA 0s\r\n\z},
    'terminal: the bar, redrawn in place, its last drawing full with ETA 0s and ending the line';
my @draws = ($bars // '') =~ /$bar/g;
cmp_ok scalar(@draws), '>=', 2, 'terminal: drawn at the first item and at the end';
like $rest // '', summary_re("\r\n"), 'terminal: then the summary';

# the same run, stderr a file and stdout a pipe: no bar

my $pipe_out = '';
{
    my $n = ++$N;
    my $csv = rows('file');
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        delete $ENV{$_} for grep { /^PHONEVAL_|^XDG_CONFIG_HOME$/ } keys %ENV;
        $ENV{HOME} = "$TMP/home";
        $ENV{$_} = $env{$_} for keys %env;
        open STDIN, '<', '/dev/null';
        open STDERR, '>', "$TMP/pipe.$n.err";
        exec($BIN, 'import', $csv, @args) or POSIX::_exit(127);
    }
    local $/;
    $pipe_out = <$fh> // '';
    close $fh;
    is $? >> 8, 0, 'not a terminal: exit 0';
    my $err = slurp("$TMP/pipe.$n.err");
    unlike $err, qr/\r|\e/, 'not a terminal: no carriage return or escape on stderr';
    like $err, summary_re(), 'not a terminal: stderr holds the summary, and only it';
    is $pipe_out, '', 'not a terminal: nothing on stdout';
}

# the two runs did the same work

my %created;
$created{ $_->{firstName} =~ /^(tty|file)\d/ ? $1 : 'other' }++
    for @{ admin($ghl, 'GET', '/_sim/contacts') };
is_deeply \%created, { tty => $total, file => $total },
    'both runs created every row';

# --progress draws into a file, --no-progress not on a terminal

$r = cli(\%env, 'import', rows('forced'), @args, '--progress');
is $r->{rc}, 0, '--progress: exit 0';
($bars, $rest) = $r->{err} =~ /\A(.*?\n)(phoneval import:.*)\z/s;
like $bars // '', qr{\A(?:$bar)*\r\e\[K\[={30}\] $total/$total  \d+\.\d/s  ETA 0s\n\z},
    '--progress: the bar is drawn into a file';
like $rest // '', summary_re(), '--progress: then the summary';

$r = cli_tty(\%env, 'import', rows('quiet'), @args, '--no-progress');
is $r->{rc}, 0, '--no-progress: exit 0';
like $r->{out}, summary_re("\r\n"), '--no-progress: only the summary on a terminal';

done_testing;
