# End to end with the official HighLevel SDK: @gohighlevel/api-client
# (exact version pinned in t/e2e/package-lock.json, unmodified) talks to an
# nginx gateway with the phoneval module, in front of the sandbox's Contacts
# API and Byteplant simulators. The node:test files in t/e2e/*.test.mjs do
# the work; this wrapper installs their dependencies (npm ci) when needed,
# starts the sandbox (sandbox/demo_env.py, the demo's launcher), runs each
# file with "node --test" and reports every node test as one TAP line.
#
#   prove -I t/lib t/500-sdk-e2e.t

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp ();
use IPC::Run ();

my $Top = abs_path(dirname(__FILE__) . '/..');
my $E2e = "$Top/t/e2e";
my $Py = '/usr/bin/python3';
my $So = $ENV{TEST_NGINX_PHONEVAL_SO} || "$Top/build/ngx_http_phoneval_module.so";
my $Nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';

$ENV{NO_PROXY} = $ENV{no_proxy} = '127.0.0.1,localhost';

sub run_cmd {
    my ($cmd, $timeout, %o) = @_;
    my ($out, $err) = ('', '');
    my $ok = eval {
        IPC::Run::run($cmd, %o, \undef, \$out, \$err,
                      IPC::Run::timeout($timeout));
        1;
    };
    my $code = $ok ? $? >> 8 : -1;
    $err .= "\n$@" unless $ok;
    return ($code, $out, $err);
}

# ---- what this needs -------------------------------------------------------

my ($ncode, $nver) = run_cmd(['node', '--version'], 10);
plan skip_all => 'node is not installed (Debian: apt-get install nodejs npm; '
    . 'make deps does it)' if $ncode != 0;
chomp $nver;
my ($major) = $nver =~ /^v(\d+)/;
plan skip_all => "node $nver is too old: \@gohighlevel/api-client needs 18+"
    if !$major || $major < 18;
plan skip_all => "$So is not built (make module)" unless -f $So;
plan skip_all => "$Py is missing" unless -x $Py;

# npm ci when node_modules is missing or older than the lock file
my $installed = "$E2e/node_modules/.package-lock.json";
if (!-f "$E2e/node_modules/\@gohighlevel/api-client/package.json"
    || !-f $installed || -M $installed > -M "$E2e/package-lock.json")
{
    my ($code, $out, $err) = run_cmd(
        ['npm', 'ci', '--no-audit', '--no-fund'], 300, init => sub {
            chdir $E2e or die "chdir $E2e: $!";
        });
    if ($code != 0) {
        fail('npm ci in t/e2e');
        diag("$out$err");
        done_testing();
        exit;
    }
}

# ---- the sandbox -----------------------------------------------------------

my $run = File::Temp->newdir('phoneval-e2e-XXXXXX', TMPDIR => 1);
my $started;

END {
    if ($started) {
        run_cmd([$Py, "$Top/sandbox/demo_env.py", 'down', "$run"], 30);
    }
}

# A Byteplant window far above what the tests use; the Contacts simulator
# keeps HighLevel's 100 requests per 10 s.
my ($ucode, $uout, $uerr) = run_cmd(
    [$Py, "$Top/sandbox/demo_env.py", 'up', "$run",
     '--byteplant-rate', '1000/300', '--workers', '2',
     '--nginx', $Nginx, '--module', $So], 60);
$started = 1;
if ($ucode != 0) {
    fail('the sandbox starts (sandbox/demo_env.py up)');
    diag("$uout$uerr");
    done_testing();
    exit;
}

# ---- the node tests --------------------------------------------------------

$ENV{PHONEVAL_E2E_ENV} = "$run/env.json";

opendir my $dh, $E2e or die "$E2e: $!";
my @files = sort grep { /\.test\.mjs$/ } readdir $dh;
closedir $dh;

ok(scalar @files, 'there are node tests in t/e2e') or diag("none in $E2e");

# one node process per file, one after another: the 429 tests set up the
# Contacts simulator's next answers, so nothing may run beside them
for my $file (@files) {
    my ($code, $out, $err) = run_cmd(
        ['node', '--test', '--test-reporter=tap', $file], 120,
        init => sub { chdir $E2e or die "chdir $E2e: $!" });

    my ($n, $failed, @block) = (0, 0);
    my @lines = split /\n/, $out;
    for (my $i = 0; $i < @lines; $i++) {
        my $line = $lines[$i];
        # node 20 prints each test at the top level; node 18 nests them
        # under a line for the file, which is left out here
        next unless $line =~ /^(\s*)(not )?ok \d+ - (.*?)(?: # (SKIP|TODO).*)?$/;
        my ($ind, $bad, $name, $directive) = ($1, $2, $3, $4);
        next if $name =~ m{(?:^|/)\Q$file\E$};
        $n++;
        # the YAML block under a failure says why
        my @why;
        for (my $j = $i + 1; $j < @lines && $lines[$j] =~ /^\Q$ind\E\s/; $j++) {
            push @why, $lines[$j];
        }
        if ($directive && $directive eq 'SKIP') {
          SKIP: { skip("$file: $name", 1) }
            next;
        }
        ok(!$bad, "$file: $name") or do {
            $failed++;
            diag(join "\n", grep { !/^\s+(?:duration_ms|location|\.\.\.|---)/ }
                 @why);
        };
    }
    ok($n > 0, "$file: node reported its tests") or diag("$out\n$err");
    # a failed test already said why; otherwise the exit status must be 0
    if (!$failed) {
        is($code, 0, "$file: node --test exits 0") or diag("$out\n$err");
    }
}

if (!Test::More->builder->is_passing) {
    for my $log (qw(error.log access.log contacts.log byteplant.log)) {
        next unless -s "$run/$log";
        open my $fh, '<', "$run/$log" or next;
        my @l = <$fh>;
        diag("--- $log (last lines)\n", @l[ @l > 15 ? -15 .. -1 : 0 .. $#l ]);
    }
}

done_testing();
