# Self-test of harness features that only show across a whole run of a
# file (block selection and order, file-level settings, environment
# variables, what is left behind at exit). Each section runs an inner
# file from t/harness/ in a subprocess, with its own port and servroot,
# and checks its TAP output and exit code, the generated nginx.conf and
# the nginx processes. No phoneval module needed.
#
#   prove -I t/lib t/000-harness-features.t
use strict;
use warnings;
use Test::More;

use Cwd ();
use File::Path ();
use File::Temp ();
use IO::Socket::INET ();
use IPC::Run ();
use Test::Nginx::Harness::Server ();

my $S = 'Test::Nginx::Harness::Server';
my $EchoSo = $ENV{TEST_NGINX_ECHO_SO} || '/usr/lib/nginx/modules/ngx_http_echo_module.so';
my $StreamSo = '/usr/lib/nginx/modules/ngx_stream_module.so';
my $Binary = $S->can('find_binary')->();

# servroots whose nginx must be stopped whatever happens (NO_CLEAN runs)
my @Leftover;
END {
    for my $sr (@Leftover) {
        my $srv = $S->new(servroot => $sr);
        $srv->stop if $srv->running;
    }
}

# run_inner($file, env => {...}, randomize => 1): runs $file with its own
# port and servroot (a temp dir, or t/servroot_PORT with randomize) and
# none of the outer run's TEST_NGINX_* settings that would change it.
sub run_inner {
    my ($file, %o) = @_;
    my $r = { dir => File::Temp->newdir('tn-feat-XXXXXX', TMPDIR => 1) };
    local %ENV = %ENV;
    delete @ENV{qw(TEST_NGINX_SERVER_PORT TEST_NGINX_PORT TEST_NGINX_CLIENT_PORT
                   TEST_NGINX_SERVROOT TEST_NGINX_SERVER_ROOT TEST_NGINX_HTML_DIR
                   TEST_NGINX_RANDOMIZE TEST_NGINX_USE_VALGRIND
                   TEST_NGINX_VALGRIND_STRICT TEST_NGINX_VALGRIND_LOG
                   TEST_NGINX_NO_CLEAN TEST_NGINX_NO_SHUFFLE TEST_NGINX_LOAD_MODULES
                   TEST_NGINX_MASTER_PROCESS TEST_NGINX_VERBOSE TEST_NGINX_REUSE_PORT
                   TEST_NGINX_ERROR_LOG HARNESS_ACTIVE)};
    if ($o{randomize}) {
        $ENV{TEST_NGINX_RANDOMIZE} = 1;
    } else {
        $r->{port} = $S->can('random_free_port')->($ENV{TEST_NGINX_SERVER_PORT});
        # the child takes the port lock itself
        $S->can('release_lock')->(port => $r->{port});
        $ENV{TEST_NGINX_SERVER_PORT} = $r->{port};
        $r->{servroot} = "$r->{dir}/servroot";
        $ENV{TEST_NGINX_SERVROOT} = $r->{servroot};
    }
    $ENV{TEST_NGINX_BINARY} = $Binary;
    $ENV{PROBE_REPORT} = "$r->{dir}/report";
    my %env = %{ $o{env} || {} };
    $ENV{$_} = $env{$_} for keys %env;

    my ($out, $err) = ('', '');
    IPC::Run::run([$^X, '-It/lib', $file], \undef, \$out, \$err,
                  IPC::Run::timeout($o{timeout} // 60));
    $r->{code} = $? >> 8;
    @$r{qw(out err)} = ($out, $err);
    if ($err =~ /^# probe servroot=(\S+) port=(\d+)$/m) {
        @$r{qw(servroot port)} = ($1, $2);
    }
    $r->{srv} = $S->new(servroot => $r->{servroot}) if defined $r->{servroot};
    $r->{conf} = slurp("$r->{servroot}/conf/nginx.conf") if defined $r->{servroot};
    my %rep = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /\n/, slurp($ENV{PROBE_REPORT});
    $r->{report} = \%rep;
    return $r;
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    my $c = <$fh> // '';
    close $fh;
    return $c;
}

sub show { my $r = shift; diag("STDOUT:\n$r->{out}\nSTDERR:\n$r->{err}") }

# the names of the "ok"/"not ok" lines of a TAP stream
sub tap_names {
    my ($out, $want) = @_;
    return map { /^(not ok|ok) \d+(?: -)? (.*)$/ && (!$want || $1 eq $want) ? $2 : () }
        split /\n/, $out;
}

# one GET on a fresh connection; the whole response
sub http_get {
    my ($port, $uri) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 3) or return undef;
    print $s "GET $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    local $/;
    my $resp = <$s>;
    close $s;
    return $resp;
}

my $alive = $S->can('pid_alive');

# ---------------------------------------------------------------------
# --- ONLY: only that block runs
# ---------------------------------------------------------------------
{
    my $r = run_inner('t/harness/only.tt');
    is($r->{code}, 0, 'ONLY: inner run passes (the failing blocks 1 and 3 did not run)')
        or show($r);
    is_deeply([ tap_names($r->{out}) ], [
        'TEST 2: the ONLY block - status code ok',
        'TEST 2: the ONLY block - response_body - response is expected (repeated req 0, req 0)',
    ], 'ONLY: exactly the subtests of the ONLY block, nothing skipped or added') or show($r);
    like($r->{out}, qr/^1\.\.2$/m, 'ONLY: plan of 2');
    unlike($r->{out} . $r->{err}, qr/TEST [13]\b/, 'ONLY: TEST 1 and TEST 3 never mentioned');
    like($r->{err}, qr/I found ONLY: maybe you're debugging\?/, 'ONLY: Test::Base warns about ONLY');
}

# ---------------------------------------------------------------------
# block order: shuffled by default, file order with no_shuffle() or
# TEST_NGINX_NO_SHUFFLE=1 (POD: "Every block (shuffled unless
# no_shuffle() or TEST_NGINX_NO_SHUFFLE=1)")
# ---------------------------------------------------------------------
{
    my $order = sub {
        my $r = shift;
        return [ map { /^ok \d+ # skip TEST (\d+): / ? $1 : () } split /\n/, $r->{out} ];
    };
    my @file = 1 .. 20;

    my $r = run_inner('t/harness/order.tt', env => { ORDER_NO_SHUFFLE => 1 });
    is($r->{code}, 0, 'no_shuffle(): inner run passes') or show($r);
    is_deeply($order->($r), \@file, 'no_shuffle(): blocks run in file order') or show($r);

    $r = run_inner('t/harness/order.tt', env => { TEST_NGINX_NO_SHUFFLE => 1 });
    is_deeply($order->($r), \@file, 'TEST_NGINX_NO_SHUFFLE=1: blocks run in file order')
        or show($r);

    $r = run_inner('t/harness/order.tt');
    is($r->{code}, 0, 'default order: inner run passes') or show($r);
    my $got = $order->($r);
    is_deeply([ sort { $a <=> $b } @$got ], \@file, 'default order: every block runs exactly once')
        or show($r);
    ok(join(',', @$got) ne join(',', @file), 'default order: blocks are shuffled')
        or diag("order: @$got");
}

# ---------------------------------------------------------------------
# workers(N) + master_on(): a master with N worker children serves; the
# default is one process, no master
# ---------------------------------------------------------------------
{
    my $r = run_inner('t/harness/probe.tt', env => { PROBE_MASTER => 1, PROBE_WORKERS => 3 });
    my $p = $r->{report};
    is($r->{code}, 0, 'master_on+workers(3): inner run passes') or show($r);
    like($r->{conf}, qr/^worker_processes  3;$/m, 'master_on+workers(3): nginx.conf has worker_processes 3');
    like($r->{conf}, qr/^master_process on;$/m, 'master_on+workers(3): nginx.conf has master_process on');
    like($r->{conf}, qr/^daemon on;$/m, 'master_on+workers(3): nginx.conf has daemon on');
    if ($> == 0) {
        like($r->{conf}, qr/^user root;$/m, 'master_on as root: nginx.conf has user root');
    }
    like($p->{pidfile_title} // '', qr/^nginx: master process /,
         'master_on+workers(3): the pid file names the master process');
    my @kids = split /,/, $p->{children} // '';
    is(scalar @kids, 3, 'master_on+workers(3): the master has 3 children') or diag(explain $p);
    is($p->{child_titles}, join(',', ('nginx: worker process') x 3),
       'master_on+workers(3): all three are worker processes');
    ok(scalar(grep { $_ eq ($p->{served_pid} // '') } @kids),
       'master_on+workers(3): a worker (not the master) served the request') or diag(explain $p);
    is($p->{served_ppid}, $p->{pidfile_pid}, 'master_on+workers(3): its parent is the master');
    ok(!grep({ $alive->($_) } $p->{pidfile_pid} || (), @kids),
       'master_on+workers(3): master and workers are gone after the run');

    $r = run_inner('t/harness/probe.tt');
    $p = $r->{report};
    is($r->{code}, 0, 'default: inner run passes') or show($r);
    like($r->{conf}, qr/^worker_processes  1;$/m, 'default: nginx.conf has worker_processes 1');
    like($r->{conf}, qr/^master_process off;$/m, 'default: nginx.conf has master_process off');
    unlike($r->{conf}, qr/^user /m, 'default: no user line');
    unlike($p->{pidfile_title} // '', qr/master process/, 'default: no master process');
    is($p->{children}, '', 'default: nginx has no child processes') or diag(explain $p);
    is($p->{served_pid}, $p->{pidfile_pid}, 'default: the process in the pid file served the request');
    ok(!$r->{srv}->running, 'default: nginx is gone after the run');
}

# ---------------------------------------------------------------------
# TEST_NGINX_NO_CLEAN (POD: "Leave nginx running at the end (and keep a
# randomized servroot)")
# ---------------------------------------------------------------------
{
    my $r = run_inner('t/harness/probe.tt', env => { TEST_NGINX_NO_CLEAN => 1 });
    push @Leftover, $r->{servroot};
    my $p = $r->{report};
    is($r->{code}, 0, 'NO_CLEAN: inner run passes') or show($r);
    my $pid = $r->{srv}->running;
    ok($pid, 'NO_CLEAN: nginx is still running after the run');
    is($pid, $p->{pidfile_pid}, 'NO_CLEAN: it is the nginx the block ran against');
    like(http_get($r->{port}, '/t') // '', qr/\r\n\r\npid=\Q$pid\E\n\z/,
         'NO_CLEAN: it still answers on the inner port with the last config');
    ok(-f "$r->{servroot}/conf/nginx.conf" && -s "$r->{servroot}/logs/error.log",
       'NO_CLEAN: servroot conf and logs are kept');
    $r->{srv}->stop;
    ok(!$alive->($pid), 'NO_CLEAN: the left nginx can be stopped');

    # randomized servroot t/servroot_PORT: kept with NO_CLEAN ...
    $r = run_inner('t/harness/probe.tt', randomize => 1, env => { TEST_NGINX_NO_CLEAN => 1 });
    my $cwd = Cwd::cwd();
    if (defined $r->{servroot}) {
        push @Leftover, $r->{servroot};
    }
    is($r->{code}, 0, 'NO_CLEAN+RANDOMIZE: inner run passes') or show($r);
    like($r->{servroot} // '', qr{^\Q$cwd\E/t/servroot_\d+$},
         'NO_CLEAN+RANDOMIZE: the servroot is t/servroot_PORT');
    ok(defined $r->{servroot} && -f "$r->{servroot}/conf/nginx.conf",
       'NO_CLEAN+RANDOMIZE: the randomized servroot is kept');
    $pid = $r->{srv} && $r->{srv}->running;
    ok($pid && $pid == ($r->{report}{pidfile_pid} // 0),
       'NO_CLEAN+RANDOMIZE: its nginx is still running');
    if (defined $r->{servroot} && $r->{servroot} =~ m{/t/servroot_\d+$}) {
        $r->{srv}->stop;
        File::Path::remove_tree($r->{servroot});
    }

    # ... and removed, with its nginx stopped, without
    $r = run_inner('t/harness/probe.tt', randomize => 1);
    is($r->{code}, 0, 'RANDOMIZE: inner run passes') or show($r);
    ok(defined $r->{servroot} && !-e $r->{servroot},
       'RANDOMIZE without NO_CLEAN: the randomized servroot is removed');
    ok($r->{report}{pidfile_pid} && !$alive->($r->{report}{pidfile_pid}),
       'RANDOMIZE without NO_CLEAN: its nginx is stopped');
}

# ---------------------------------------------------------------------
# TEST_NGINX_LOAD_MODULES: load_module lines at the top of nginx.conf
# ---------------------------------------------------------------------
{
    my @mods = ($EchoSo, -f $StreamSo ? $StreamSo : ());
    my $r = run_inner('t/harness/load-modules.tt',
                      env => { TEST_NGINX_LOAD_MODULES => ' ' . join('  ', @mods) . ' ' });
    is($r->{code}, 0, 'LOAD_MODULES: the echo directive works without a load_module in the block')
        or show($r);
    is_deeply([ tap_names($r->{out}, 'ok') ], [
        'TEST 1: echo without a load_module in the block - status code ok',
        'TEST 1: echo without a load_module in the block - response_body - response is expected (repeated req 0, req 0)',
    ], 'LOAD_MODULES: both subtests pass') or show($r);
    my $lines = join '', map { "load_module \Q$_\E;\n" } @mods;
    like($r->{conf}, qr/\A#[^\n]*\n${lines}worker_processes /,
         'LOAD_MODULES: one load_module line per path, in order, before everything else')
        or diag($r->{conf});

    $r = run_inner('t/harness/load-modules.tt');
    isnt($r->{code}, 0, 'without LOAD_MODULES: the same file fails');
    is_deeply([ tap_names($r->{out}, 'not ok') ],
              [ 'TEST 1: echo without a load_module in the block - nginx started successfully' ],
              'without LOAD_MODULES: nginx does not start') or show($r);
    like($r->{err}, qr/unknown directive "echo"/, 'without LOAD_MODULES: because "echo" is unknown');
    unlike($r->{conf}, qr/^load_module/m, 'without LOAD_MODULES: no load_module line');
}

# ---------------------------------------------------------------------
# TEST_NGINX_BINARY: the harness runs that binary
# ---------------------------------------------------------------------
{
    my $dir = File::Temp->newdir('tn-bin-XXXXXX', TMPDIR => 1);
    my $wrapper = "$dir/nginx-wrapper";
    open my $fh, '>', $wrapper or die "$wrapper: $!";
    print $fh "#!/bin/sh\nprintf '%s\\n' \"\$*\" >> '$dir/calls'\nexec '$Binary' \"\$@\"\n";
    close $fh;
    chmod 0755, $wrapper;

    my $r = run_inner('t/harness/probe.tt', env => { TEST_NGINX_BINARY => $wrapper });
    is($r->{code}, 0, 'TEST_NGINX_BINARY: inner run passes through the wrapper') or show($r);
    my $calls = slurp("$dir/calls");
    my $sr = $r->{servroot};
    like($calls, qr{^-p \Q$sr\E/ -c \Q$sr\E/conf/nginx\.conf\b}m,
         'TEST_NGINX_BINARY: the wrapper started nginx on the inner servroot') or diag($calls);
    like($calls, qr/^-V$/m, 'TEST_NGINX_BINARY: the version is asked from the wrapper too');
    like($r->{report}{served_pid} // '', qr/^\d+$/, 'TEST_NGINX_BINARY: the wrapped nginx served');
}

# ---------------------------------------------------------------------
# TEST_NGINX_USE_VALGRIND: nginx runs under memcheck, in the foreground,
# without a master (even with master_on() and workers(2))
# ---------------------------------------------------------------------
SKIP: {
    skip 'valgrind is not installed', 8
        unless grep { -x "$_/valgrind" } split /:/, $ENV{PATH} // '';
    my $r = run_inner('t/harness/probe.tt', timeout => 120,
                      env => { TEST_NGINX_USE_VALGRIND => 1,
                               PROBE_MASTER => 1, PROBE_WORKERS => 2 });
    my $p = $r->{report};
    my $sr = $r->{servroot};
    is($r->{code}, 0, 'USE_VALGRIND: inner run passes') or show($r);
    like($p->{served_exe} // '', qr{/memcheck-[^/]+$},
         'USE_VALGRIND: the process that served the request is valgrind memcheck') or diag(explain $p);
    like($p->{pidfile_title} // '',
         qr{valgrind\S* -q --tool=memcheck .*--log-file=\Q$sr\E/logs/valgrind\.log \Q$Binary\E -p \Q$sr\E/ },
         'USE_VALGRIND: with the documented options, running the nginx binary');
    is($p->{children}, '', 'USE_VALGRIND: no worker children (master_process off)');
    like($r->{conf}, qr/^daemon off;$/m, 'USE_VALGRIND: nginx.conf has daemon off');
    like($r->{conf}, qr/^master_process off;$/m, 'USE_VALGRIND: nginx.conf has master_process off despite master_on()');
    ok(-f "$sr/logs/valgrind.log", 'USE_VALGRIND: logs/valgrind.log exists');
    ok($p->{pidfile_pid} && !$alive->($p->{pidfile_pid}), 'USE_VALGRIND: nginx stopped after the block');
}

# ---------------------------------------------------------------------
# the error.log window of the log checks (POD "Log checks"): after every
# request, the lines since the previous check (the first check of a
# block also sees nginx's startup); with check_accum_error_log() or
# TEST_NGINX_CHECK_ACCUM_ERR_LOG=1, every line since the block started
# ---------------------------------------------------------------------
{
    my $t1 = 'TEST 1: a line of the second request: missing at the first request\'s check (both modes)';
    my $t2 = 'TEST 2: a line of the first request: missing at the second request\'s check (per request only)';
    my $t3 = 'TEST 3: an [error] of the first request: seen by the second request\'s check only when accumulated';
    my $t4 = 'TEST 4: grep_error_log: each check sees exactly one request line per request, both when accumulated';
    my $t5 = 'TEST 5: the first check of a block sees nginx\'s startup lines';
    my $b = sub { "response_body - response is expected (repeated req 0, req $_[0])" };
    my $p1 = 'pattern "http request line: "GET /b HTTP/1.1""';
    my $p2 = 'pattern "http request line: "GET /a HTTP/1.1""';
    my $p3 = 'pattern "[error]"';
    my $want = sub {
        my ($accum) = @_;
        return [
            "ok $t1 - status code ok", "ok $t1 - " . $b->(0),
            "not ok $t1 - $p1 should match a line in error.log (req 0)",
            "ok $t1 - status code ok", "ok $t1 - " . $b->(1),
            "ok $t1 - $p1 matches a line in error.log (req 0)",

            "ok $t2 - status code ok", "ok $t2 - " . $b->(0),
            "ok $t2 - $p2 matches a line in error.log (req 0)",
            "ok $t2 - status code ok", "ok $t2 - " . $b->(1),
            ($accum ? "ok $t2 - $p2 matches a line in error.log (req 0)"
                    : "not ok $t2 - $p2 should match a line in error.log (req 0)"),

            "ok $t3 - status code ok",
            "not ok $t3 - $p3 should not match any line in error.log (req 0)",
            "ok $t3 - status code ok",
            ($accum ? "not ok $t3 - $p3 should not match any line in error.log (req 0)"
                    : "ok $t3 - $p3 does not match a line in error.log (req 0)"),

            "ok $t4 - status code ok", "ok $t4 - " . $b->(0),
            "ok $t4 - grep_error_log_out (req 0)",
            "ok $t4 - status code ok", "ok $t4 - " . $b->(1),
            ($accum ? "not ok $t4 - grep_error_log_out (req 0)"
                    : "ok $t4 - grep_error_log_out (req 0)"),

            "ok $t5 - status code ok", "ok $t5 - " . $b->(0),
            "ok $t5 - pattern \"using the \"epoll\" event method\" matches a line in error.log (req 0)",
        ];
    };
    my $results = sub {
        my $r = shift;
        return [ map { /^(not ok|ok) \d+ - (.*)$/ ? "$1 $2" : () } split /\n/, $r->{out} ];
    };

    my $r = run_inner('t/harness/log-window.tt');
    isnt($r->{code}, 0, 'per-request log window: the inner run fails');
    is_deeply($results->($r), $want->(0),
              'per-request log window: a check after each request, on the lines since the previous one')
        or show($r);

    $r = run_inner('t/harness/log-window.tt', env => { LOG_ACCUM => 1 });
    is_deeply($results->($r), $want->(1),
              'check_accum_error_log(): a check after each request, on every line since the block started')
        or show($r);

    $r = run_inner('t/harness/log-window.tt', env => { TEST_NGINX_CHECK_ACCUM_ERR_LOG => 1 });
    is_deeply($results->($r), $want->(1),
              'TEST_NGINX_CHECK_ACCUM_ERR_LOG=1: the same as check_accum_error_log()')
        or show($r);
}

# ---------------------------------------------------------------------
# servroot leftovers (POD "Servroot"): only conf, html, logs, *_temp and
# *_cache are removed between blocks; anything else fails the block that
# leaves it and every block after it, and is never removed
# ---------------------------------------------------------------------
{
    my $r = run_inner('t/harness/leftover.tt');
    my $sr = $r->{servroot};
    isnt($r->{code}, 0, 'leftovers: the inner run fails');
    is_deeply([ map { /^(not ok|ok) \d+ - (.*)$/ ? "$1 $2" : () } split /\n/, $r->{out} ], [
        'ok TEST 1: a temp path named *_temp - status code ok',
        'ok TEST 1: a temp path named *_temp - response_body - response is expected (repeated req 0, req 0)',
        'ok TEST 2: a temp path that is not named *_temp - status code ok',
        'ok TEST 2: a temp path that is not named *_temp - response_body - response is expected (repeated req 0, req 0)',
        'not ok TEST 2: a temp path that is not named *_temp - the block leaves nothing in the servroot but conf, html, logs, *_temp, *_cache',
        'not ok TEST 3: a block after it - the servroot can be cleaned',
        'not ok TEST 4: a must_die block after it - the servroot can be cleaned',
    ], 'leftovers: the block that leaves one fails, and so does every block after it, without running')
        or show($r);
    like($r->{err}, qr/it left "body_leftover" in \Q$sr\E: the cleanup before the next block refuses it/,
         'leftovers: the leaving block is told what it left');
    like($r->{err}, qr/the servroot \Q$sr\E holds "body_leftover", which the harness does not remove: between blocks only conf, html, logs, \*_temp and \*_cache are/,
         'leftovers: the refused blocks are told why');
    ok(-d "$sr/body_leftover", 'leftovers: the leftover is not removed');
    ok(!-e "$sr/body_ok_temp", 'leftovers: a *_temp directory is removed');
    ok(!$r->{srv}->running, 'leftovers: no nginx is left running');
}

done_testing();
