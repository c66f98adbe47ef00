package Test::Nginx::Socket;

# The phoneval project's own implementation of the Test::Nginx::Socket
# data-driven test scaffold (block format of openresty's test-nginx),
# written from scratch on top of Debian's Test::Base. See the POD at the
# end of this file.

use strict;
use warnings;

require Test::Base;
our @ISA = ('Test::Base');

use Test::More ();
use Test::Builder ();
use List::Util ();
use Time::HiRes ();
use POSIX ();
use Cwd ();
use File::Spec ();

use Test::Nginx::Harness::Client ();
use Test::Nginx::Harness::Server ();
use Test::Nginx::Harness::TCPServer ();

our $VERSION = '0.30';

our @EXPORT = qw(
    run_tests run_test
    repeat_each no_shuffle workers master_on master_off
    master_process_enabled log_level no_long_string no_root_location
    env_to_nginx add_block_preprocessor check_accum_error_log
    worker_connections config_preamble server_name
    server_root html_dir server_port server_port_for_client server_addr
    timeout bail_out add_cleanup_handler add_response_body_check is_str
    use_hup no_nginx_manager
);

# ----------------------------------------------------------------------
# settings (package variables, like upstream)
# ----------------------------------------------------------------------

our $RepeatEach           = 1;
our $NoShuffle            = $ENV{TEST_NGINX_NO_SHUFFLE} ? 1 : 0;
our $Workers              = 1;
our $MasterProcessEnabled = ($ENV{TEST_NGINX_MASTER_PROCESS} // 'off') =~ /^(?:on|1)$/i ? 'on' : 'off';
our $LogLevel             = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $NoLongString         = 0;
our $NoRootLocation       = 0;
our @EnvToNginx;
our @BlockPreprocessors;
our $CheckAccumErrLog     = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG} ? 1 : 0;
our $WorkerConnections    = 64;
our $ConfigPreamble       = '';
our $DefaultServerName    = 'localhost';
our @CleanupHandlers;
our @ResponseBodyChecks;
our $ServerAddr           = '127.0.0.1';
our $Timeout              = defined $ENV{TEST_NGINX_TIMEOUT} && length $ENV{TEST_NGINX_TIMEOUT}
                          ? Test::Nginx::Harness::Client::parse_time($ENV{TEST_NGINX_TIMEOUT}) : 3;
our $Sleep                = defined $ENV{TEST_NGINX_SLEEP} && length $ENV{TEST_NGINX_SLEEP}
                          ? $ENV{TEST_NGINX_SLEEP} : 0.015;
our $UseValgrind          = $ENV{TEST_NGINX_USE_VALGRIND};
our $ValgrindStrict       = $ENV{TEST_NGINX_VALGRIND_STRICT};
our $NoClean              = $ENV{TEST_NGINX_NO_CLEAN};
our $ForceRestart         = $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST} // 1;
our $UseHttp2             = $ENV{TEST_NGINX_USE_HTTP2};
our $NoNginxManager       = $ENV{TEST_NGINX_NO_NGINX_MANAGER} ? 1 : 0;
our $Verbose              = $ENV{TEST_NGINX_VERBOSE};

$UseValgrind = undef if defined $UseValgrind && ($UseValgrind eq '' || $UseValgrind eq '0');

our $ServerPort;
if ($ENV{TEST_NGINX_RANDOMIZE}) {
    $ServerPort = Test::Nginx::Harness::Server::random_free_port();
} else {
    $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
}
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT}
    || ($ENV{TEST_NGINX_RANDOMIZE} ? $ServerPort : $ENV{TEST_NGINX_PORT})
    || $ServerPort;

our $ServRoot = $ENV{TEST_NGINX_SERVROOT}
    || File::Spec->catdir(Cwd::cwd(), 't',
                          $ENV{TEST_NGINX_RANDOMIZE} ? "servroot_$ServerPort" : 'servroot');
$ServRoot = File::Spec->rel2abs($ServRoot);

our $NginxBinary = Test::Nginx::Harness::Server::find_binary();

our $Server = Test::Nginx::Harness::Server->new(
    servroot    => $ServRoot,
    binary      => $NginxBinary,
    port        => $ServerPort,
    client_port => $ServerPortForClient,
    valgrind    => $UseValgrind,
);

$ENV{TEST_NGINX_SERVER_PORT} = $ServerPort;
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;
$ENV{TEST_NGINX_HTML_DIR}    = $Server->html_dir;

# the default for 'repeat_each' etc. used in old-style plans
our $MainPid = $$;
my $PrevConfig;          # "--- config" of the previous block (reused if absent)
my $PrevConfText;        # previous nginx.conf text
my $Managing = 0;        # run_tests() owns the servroot (locks taken)
my $CleanedUp = 0;

# ----------------------------------------------------------------------
# exported setters / getters
# ----------------------------------------------------------------------

sub repeat_each           { $RepeatEach = shift if @_; return $RepeatEach }
sub no_shuffle            { $NoShuffle = 1 }
sub workers               { $Workers = shift if @_; return $Workers }
sub master_on             { $MasterProcessEnabled = 'on' }
sub master_off            { $MasterProcessEnabled = 'off' }
sub master_process_enabled {
    if (@_) { $MasterProcessEnabled = $_[0] ? 'on' : 'off' }
    return $MasterProcessEnabled eq 'on' ? 1 : 0;
}
sub log_level             { $LogLevel = shift if @_; return $LogLevel }
sub no_long_string        { $NoLongString = 1 }
sub no_root_location      { $NoRootLocation = 1 }
sub env_to_nginx          { push @EnvToNginx, @_ }
sub add_block_preprocessor { push @BlockPreprocessors, @_ }
sub check_accum_error_log { $CheckAccumErrLog = 1 }
sub worker_connections    { $WorkerConnections = shift if @_; return $WorkerConnections }
sub config_preamble       { $ConfigPreamble = shift if @_; return $ConfigPreamble }
sub server_name           { $DefaultServerName = shift if @_; return $DefaultServerName }
sub server_root           { $ServRoot }
sub html_dir              { $Server->html_dir }
sub server_port           { $ServerPort = shift if @_; return $ServerPort }
sub server_port_for_client { $ServerPortForClient = shift if @_; return $ServerPortForClient }
sub server_addr           { $ServerAddr = shift if @_; return $ServerAddr }
sub timeout               {
    $Timeout = Test::Nginx::Harness::Client::parse_time(shift) if @_;
    return $Timeout;
}
sub add_cleanup_handler   { push @CleanupHandlers, @_ }
sub add_response_body_check { push @ResponseBodyChecks, @_ }
sub no_nginx_manager      { $NoNginxManager = 1 }
sub use_hup {
    Test::More::diag("use_hup()/TEST_NGINX_USE_HUP is not supported by this "
                     . "harness; nginx is restarted for every block");
}

sub bail_out {
    my @msg = @_;
    _cleanup();
    Test::More::BAIL_OUT(join '', @msg);
}

# ----------------------------------------------------------------------
# string comparison with a useful failure report
# ----------------------------------------------------------------------

sub _esc { Test::Nginx::Harness::Client::escape_str(@_) }

sub _diff_report {
    my ($got, $exp) = @_;
    my @out;
    if (!defined $got || !defined $exp) {
        push @out, '         got: ' . _esc($got, 2000);
        push @out, '    expected: ' . _esc($exp, 2000);
        return join "\n", @out;
    }
    my $min = length($got) < length($exp) ? length($got) : length($exp);
    my $i = 0;
    $i++ while $i < $min && substr($got, $i, 1) eq substr($exp, $i, 1);
    my $prefix = substr $exp, 0, $i;
    my $line = ($prefix =~ tr/\n//) + 1;
    my $col = $i - (rindex($prefix, "\n") + 1) + 1;

    my ($g, $e);
    if (!$NoLongString && (length($got) > 300 || length($exp) > 300)) {
        my $start = $i > 60 ? $i - 60 : 0;
        $g = ($start ? '...' : '') . _esc(substr($got, $start, 240), 1000);
        $e = ($start ? '...' : '') . _esc(substr($exp, $start, 240), 1000);
    } else {
        $g = _esc($got);
        $e = _esc($exp);
    }
    push @out, "         got: $g", '      length: ' . length($got);
    push @out, "    expected: $e", '      length: ' . length($exp);
    push @out, '    strings begin to differ at char ' . ($i + 1)
        . " (line $line column $col)";
    if (!$ENV{TEST_SHOW_NO_DIFFS} && ($got =~ /\n./s || $exp =~ /\n./s)) {
        my $d = eval {
            require Text::Diff;
            Text::Diff::diff(\$exp, \$got, { STYLE => 'Unified',
                FILENAME_A => 'expected', FILENAME_B => 'got' });
        };
        if (defined $d && length $d) {
            $d =~ s/\n?\z/\n/;
            push @out, '--- unified diff (expected -> got):', split /\n/, $d;
        }
    }
    return join "\n", @out;
}

# is_str($got, $expected, $name): string equality (or regex match when
# $expected is a qr//) with got/expected and a unified diff on failure.
sub is_str {
    my ($got, $exp, $desc) = @_;
    my $tb = Test::More->builder;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    if (ref $exp && ref $exp eq 'Regexp') {
        # scalar context: a failed match in list context is an empty list
        my $m = (defined $got && $got =~ $exp) ? 1 : 0;
        my $ok = $tb->ok($m, $desc);
        $tb->diag('         got: ' . _esc($got, 2000) . "\n    expected: match $exp")
            unless $ok;
        return $ok;
    }
    my $ok = (!defined $got && !defined $exp)
          || (defined $got && defined $exp && $got eq $exp);
    $tb->ok($ok, $desc);
    $tb->diag(_diff_report($got, $exp)) unless $ok;
    return $ok;
}

sub _like {
    my ($got, $re, $desc, $neg) = @_;
    my $tb = Test::More->builder;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $m = defined $got && $got =~ $re;
    my $ok = $tb->ok($neg ? !$m : $m, $desc);
    unless ($ok) {
        $tb->diag('         got: ' . _esc($got, 3000) . "\n"
                  . ($neg ? "    expected: no match for $re"
                          : "    expected: match for $re"));
    }
    return $ok;
}

# ----------------------------------------------------------------------
# main entry points
# ----------------------------------------------------------------------

sub run_tests {
    my $tb = Test::More->builder;
    if (!$tb->has_plan) {
        Test::More::diag("no test plan declared; use 'use Test::Nginx::Socket "
                         . "\"no_plan\";' or plan tests => ...; assuming no_plan");
        Test::More::plan('no_plan');
    }

    $SIG{INT}  = sub { _cleanup(); exit 130 };
    $SIG{TERM} = sub { _cleanup(); exit 143 };

    unless ($NoNginxManager) {
        # serialize concurrent runs sharing a servroot or a port
        my $limit = $ENV{TEST_NGINX_LOCK_TIMEOUT} // 900;
        for my $l ([servroot => $ServRoot], [port => $ServerPort]) {
            my ($kind, $key) = @$l;
            Test::Nginx::Harness::Server::acquire_lock($kind, $key, $limit, sub {
                Test::More::diag("waiting for $kind $key, in use by another "
                                 . "test run: $_[0]");
            }) or die "$kind $key is in use by another test run ("
                . Test::Nginx::Harness::Server::lock_holder($kind, $key)
                . "); waited ${limit}s. Use TEST_NGINX_RANDOMIZE=1 for parallel runs.\n";
        }
        $Managing = 1;
        $Server->stop_stale;
    }

    my @blocks = Test::Base::blocks();
    @blocks = List::Util::shuffle(@blocks) unless $NoShuffle;

    for my $block (@blocks) {
        run_test($block);
    }

    _cleanup();
}

sub _cleanup {
    return unless $$ == $MainPid;
    return if $CleanedUp++;
    for my $h (@CleanupHandlers) {
        eval { $h->(); 1 } or warn "cleanup handler failed: $@";
    }
    if ($Managing && !$NoClean && !$NoNginxManager && $Server) {
        $Server->stop;
        # a randomized servroot is private to this run: remove it
        if ($ENV{TEST_NGINX_RANDOMIZE} && !$ENV{TEST_NGINX_SERVROOT}
            && -d $ServRoot && $ServRoot =~ m{/servroot_\d+\z})
        {
            require File::Path;
            File::Path::remove_tree($ServRoot);
        }
    }
}

END {
    local $?;
    _cleanup() if defined $MainPid && $$ == $MainPid;
}

# sections whose value is indexed by request when several are sent
my @PerRequestSections = qw(
    error_code error_code_like response_body response_body_like
    response_body_unlike response_headers response_headers_like
    raw_response_headers_like raw_response_headers_unlike
);

sub _sval {
    my ($v) = @_;
    return undef unless defined $v;
    return $v if ref $v;
    (my $s = $v) =~ s/^\s+|\s+$//g;
    return $s;
}

# scalar access to a block section (Test::Base accessors return () for a
# missing section in list context)
sub _v {
    my ($block, $sec) = @_;
    my $v = $block->$sec;
    return $v;
}

sub run_test {
    my ($block) = @_;
    my $name = $block->name;
    $name = 'TEST ' . ($block->seq_num // '?') unless defined $name && length $name;

    for my $pp (@BlockPreprocessors) {
        $pp->($block);
    }

    # unsupported upstream sections: say so loudly instead of ignoring
    for my $sec (qw(stap stap_out stap_out_like stap_out_unlike udp_listen
                    udp_reply udp_query reload_fails http3)) {
        if (defined _v($block, $sec)) {
            Test::More::diag("WARNING: $name - section \"--- $sec\" is not "
                             . "supported by this harness and is ignored");
        }
    }

    # ---- conditional skips
    if (my $skip = _skip_reason($block)) {
        my ($n, $why) = @$skip;
        my $tb = Test::More->builder;
        $tb->skip("$name - $why") for 1 .. $n;
        return;
    }

    my $todo;
    if (defined(my $t = _v($block, 'todo'))) {
        if ($t =~ /^\s*(\d+)\s*:\s*(.*?)\s*$/s) {
            $todo = length $2 ? $2 : 'todo';
        } else {
            ($todo = $t) =~ s/^\s+|\s+$//g;
            $todo = 'todo' unless length $todo;
        }
        Test::More->builder->todo_start($todo);
    }

    my $ok = eval { _run_block($block, $name); 1 };
    my $err = $@;
    Test::More->builder->todo_end if defined $todo;
    die $err unless $ok;
}

sub _skip_reason {
    my ($block) = @_;
    if (defined(my $s = _v($block, 'skip_nginx'))) {
        if ($s =~ /^\s*(\d+)\s*:\s*([<>]=?|==?|!=)\s*(\d+(?:\.\d+)*)\s*$/) {
            my ($n, $op, $v) = ($1, $2, $3);
            my $cur = $Server->nginx_version;
            return [ $n, "tests skipped due to the nginx version $cur $op $v" ]
                if defined $cur && _cmp_op(Test::Nginx::Harness::Server::cmp_version($cur, $v), $op);
        } else {
            die "$block->{name}[0] - bad skip_nginx value: $s\n";
        }
    }
    if (defined(my $s = _v($block, 'skip_nginx2'))) {
        if ($s =~ /^\s*(\d+)\s*:\s*([<>]=?|==?|!=)\s*(\S+)\s+(and|or)\s+([<>]=?|==?|!=)\s*(\S+)\s*$/) {
            my ($n, $op1, $v1, $conj, $op2, $v2) = ($1, $2, $3, $4, $5, $6);
            my $cur = $Server->nginx_version;
            if (defined $cur) {
                my $a = _cmp_op(Test::Nginx::Harness::Server::cmp_version($cur, $v1), $op1);
                my $b = _cmp_op(Test::Nginx::Harness::Server::cmp_version($cur, $v2), $op2);
                my $r = $conj eq 'and' ? ($a && $b) : ($a || $b);
                return [ $n, "tests skipped due to the nginx version $cur" ] if $r;
            }
        } else {
            die "bad skip_nginx2 value: $s\n";
        }
    }
    if (defined(my $s = _v($block, 'skip_openssl'))) {
        if ($s =~ /^\s*(\d+)\s*:\s*([<>]=?|==?|!=)\s*(\S+)\s*$/) {
            my ($n, $op, $v) = ($1, $2, $3);
            my $cur = $Server->openssl_version;
            return [ $n, "tests skipped due to the OpenSSL version $cur $op $v" ]
                if defined $cur && _cmp_op(Test::Nginx::Harness::Server::cmp_version($cur, $v), $op);
        } else {
            die "bad skip_openssl value: $s\n";
        }
    }
    if (defined(my $s = _v($block, 'skip_eval'))) {
        if ($s =~ /^\s*(\d+)\s*:\s*(.*)$/s) {
            my ($n, $code) = ($1, $2);
            my $r = eval "package main; no strict; $code";
            die "skip_eval code failed: $@" if $@;
            return [ $n, "tests skipped by skip_eval" ] if $r;
        } else {
            die "bad skip_eval value: $s\n";
        }
    }
    return undef;
}

sub _cmp_op {
    my ($c, $op) = @_;
    return $c < 0  if $op eq '<';
    return $c <= 0 if $op eq '<=';
    return $c > 0  if $op eq '>';
    return $c >= 0 if $op eq '>=';
    return $c == 0 if $op eq '=' || $op eq '==';
    return $c != 0 if $op eq '!=';
    return 0;
}

# ----------------------------------------------------------------------
# one block
# ----------------------------------------------------------------------

sub _expand {
    my ($ctx, $v, $where) = @_;
    return Test::Nginx::Harness::Server::expand_env_deep(
        $v, $ctx->{ports}, "$ctx->{name}: --- $where", $ServerPort);
}

sub _run_block {
    my ($block, $name) = @_;
    my $ctx = { block => $block, name => $name, ports => {} };
    my $tb = Test::More->builder;

    # ---- configuration text
    my $config = _v($block, 'config');
    if (defined $config) {
        $PrevConfig = $config;
    } elsif (!$NoNginxManager) {
        # upstream: a block without "--- config" reuses the previous one
        if (!defined $PrevConfig) {
            die "$name - No '--- config' section specified and no previous "
                . "config available, please provide one.\n";
        }
        Test::More::diag("WARNING: $name - no '--- config' section: reusing the "
                         . "previous block's config, which depends on the (shuffled) "
                         . "block order; add a config section or call no_shuffle()")
            unless $NoShuffle;
        $config = $PrevConfig;
    }

    my %sec;
    for my $s (qw(main_config post_main_config http_config)) {
        $sec{$s} = _expand($ctx, _v($block, $s), $s);
    }
    $sec{config} = _expand($ctx, $config, 'config');
    $sec{server_name} = _expand($ctx, _sval(_v($block, 'server_name')), 'server_name');
    for my $s (qw(request raw_request pipelined_requests more_headers user_files
                  response_body response_body_like tcp_listen tcp_reply tcp_query)) {
        my $v = _v($block, $s);
        if ($s eq 'request' && !defined $v && defined _v($block, 'request_eval')) {
            $v = eval _v($block, 'request_eval');
            die "$name - request_eval failed: $@" if $@;
        }
        if ($s eq 'response_body' && !defined $v && defined _v($block, 'response_body_eval')) {
            $v = eval _v($block, 'response_body_eval');
            die "$name - response_body_eval failed: $@" if $@;
        }
        $ctx->{$s} = _expand($ctx, $v, $s);
    }

    my $must_die = _v($block, 'must_die');
    my $http2 = defined _v($block, 'http2')
        || ($UseHttp2 && !defined $ctx->{raw_request}
            && !defined $ctx->{pipelined_requests});
    $ctx->{http2} = $http2;

    my $log_level = _sval(_v($block, 'log_level')) // $LogLevel;
    my $master = $MasterProcessEnabled eq 'on';
    my $valgrind = $UseValgrind && !defined $must_die;
    $master = 0 if $valgrind;

    my @load = grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} // '');
    my $user;
    if ($master) {
        if (defined $ENV{TEST_NGINX_WORKER_USER} && length $ENV{TEST_NGINX_WORKER_USER}) {
            $user = $ENV{TEST_NGINX_WORKER_USER};
        } elsif ($> == 0) {
            $user = 'root';
        }
    }

    my $listen_opts = '';
    $listen_opts .= ' http2' if $http2;
    $listen_opts .= ' reuseport' if $ENV{TEST_NGINX_REUSE_PORT};

    my $conf = $Server->gen_config(
        title            => $name,
        load_modules     => \@load,
        workers          => $Workers,
        master           => $master,
        daemon           => !$valgrind,
        user             => $user,
        log_level        => $log_level,
        env              => [ @Test::Nginx::Harness::Server::DefaultEnv, @EnvToNginx ],
        main_config      => $sec{main_config},
        http_config      => $sec{http_config},
        config           => $sec{config},
        post_main_config => $sec{post_main_config},
        preamble         => $ConfigPreamble,
        server_name      => $sec{server_name} // $DefaultServerName,
        port             => $ServerPort,
        listen_opts      => $listen_opts,
        root_location    => !$NoRootLocation,
        worker_connections => $WorkerConnections,
        event_type       => $ENV{TEST_NGINX_EVENT_TYPE},
        postpone_output  => $ENV{TEST_NGINX_POSTPONE_OUTPUT},
        temp_paths       => $Server->temp_paths,
    );

    # ---- user files
    my @files = _parse_user_files($ctx->{user_files}, $name);

    # ---- must_die
    if (defined $must_die) {
        return _run_must_die($ctx, $conf, \@files);
    }

    my $restarted = 0;
    # ---- (re)start nginx
    if (!$NoNginxManager) {
        my $restart = 1;
        (my $conf_body = $conf) =~ s/\A#[^\n]*\n//;    # ignore the title line
        if (!$ForceRestart && defined $PrevConfText && $PrevConfText eq $conf_body
            && $Server->running && !$valgrind)
        {
            $restart = 0;
        }
        if ($restart) {
            $Server->stop;
            if (!_prepare_servroot($ctx)) {
                $PrevConfText = undef;
                return;
            }
            $Server->write_file($Server->html_dir . "/$_->[0]", $_->[1], $_->[2]) for @files;
            $Server->write_config($conf);
            my $st = $Server->start(valgrind => $valgrind, daemon => !$valgrind,
                                    settle => ($Sleep > 0.2 ? $Sleep : 0.2));
            if (!$st->{ok}) {
                $PrevConfText = undef;
                $tb->ok(0, "$name - nginx started successfully");
                $tb->diag("$st->{error}\ncommand: @{ $st->{cmd} || [] }\n"
                          . "nginx output:\n" . ($st->{stderr} // '')
                          . ($st->{valgrind} ? "valgrind:\n$st->{valgrind}" : ''));
                return;
            }
            $PrevConfText = $conf_body;
            $restarted = 1;
        } else {
            $Server->write_file($Server->html_dir . "/$_->[0]", $_->[1], $_->[2]) for @files;
        }
    }

    if (defined(my $init = _v($block, 'init'))) {
        eval "package main; no strict; $init; 1" or do {
            $tb->ok(0, "$name - --- init code failed");
            $tb->diag($@);
        };
    }

    # ---- build the requests
    my $jobs = eval { _build_jobs($ctx) };
    if (!$jobs) {
        die "$name - bad request specification: $@";
    }
    my $nresp = 0;
    $nresp += $_->{nresp} for @$jobs;
    if (!@$jobs && !defined _v($block, 'ignore_response')) {
        die "$name - no request specified (--- request, --- raw_request or "
            . "--- pipelined_requests)\n";
    }
    $ctx->{need_array} = $nresp > 1;
    if ($ctx->{need_array}) {
        for my $s (@PerRequestSections) {
            my $v = $s eq 'response_body' || $s eq 'response_body_like'
                  ? $ctx->{$s} : _v($block, $s);
            next unless defined $v;
            next if ref $v eq 'ARRAY';
            die "$name - You asked for many requests, the expected results "
                . "should be arrays as well (section \"--- $s\").\n";
        }
    }

    if (defined _v($block, 'curl')) {
        for my $j (@$jobs) {
            my $cmd = Test::Nginx::Harness::Client::curl_command(
                method => $j->{method} // 'GET', uri => $j->{uri} // '/',
                headers => $j->{headers}, host => $ServerAddr,
                port => $ServerPortForClient, http2 => ($j->{kind} eq 'h2'),
                body_file => (defined $j->{body} ? 'BODY_FILE' : undef));
            Test::More::diag(join ' ', map { /[^\w\/:.=@-]/ ? "'$_'" : $_ } @$cmd);
        }
    }

    # Log windows (as upstream): nginx's logs are checked after every
    # response. Each check sees the error.log lines written since the
    # previous check of the block (the first check also sees nginx's
    # startup lines when it was started for this block), or, with
    # check_accum_error_log(), every line since the block started. The
    # access log checks always see every line since the block started.
    my $elog = $Server->error_log;
    my $alog = $Server->access_log;
    $ctx->{err_start} = $restarted ? 0 : Test::Nginx::Harness::Server::file_size($elog);
    $ctx->{acc_start} = $restarted ? 0 : Test::Nginx::Harness::Server::file_size($alog);
    $ctx->{err_pos} = $ctx->{err_start};
    $ctx->{warned_to} = $ctx->{err_start};

    for my $rep (0 .. $RepeatEach - 1) {
        my $rep_off = Test::Nginx::Harness::Server::file_size($elog);

        my $tcp;
        if (defined $ctx->{tcp_listen}) {
            $tcp = _start_tcp_server($ctx);
        }

        my $on_response = sub {
            my ($last) = @_;
            if (defined(my $w = _v($block, 'wait'))) {
                my $secs = Test::Nginx::Harness::Client::parse_time($w);
                Time::HiRes::sleep($secs) if $secs;
            }
            if ($last) {
                if ($tcp) {
                    $tcp->stop;
                    _check_tcp_query($ctx, $tcp->received, $rep);
                }

                # a crash after the response was sent would otherwise go
                # unnoticed (with master_process off the crash takes the
                # whole server down)
                if (!$NoNginxManager && !$Server->running) {
                    $tb->ok(0, "$name - nginx is still running after the requests (req $rep)");
                    my $tail = Test::Nginx::Harness::Server::read_from(
                        $elog, $rep_off);
                    my @l = grep { /\[(?:emerg|alert|crit|error)\]/ } split /\n/, $tail;
                    @l = @l[-10 .. -1] if @l > 10;
                    $tb->diag("nginx exited or crashed during this block"
                              . (@l ? ":\n  " . join("\n  ", @l) : ''));
                    $PrevConfText = undef;
                }
            }
            _check_logs_now($ctx, $rep);
        };

        _run_requests($ctx, $jobs, $rep, $on_response);
    }

    # a block that leaves something in the servroot that the next block's
    # cleanup would refuse (see prepare_servroot)
    if (!$NoNginxManager) {
        _check_leftovers($ctx);
    }

    # ---- shutdown log checks / valgrind
    my $need_stop = defined _v($block, 'shutdown_error_log')
        || defined _v($block, 'no_shutdown_error_log') || $valgrind;
    if ($need_stop && !$NoNginxManager) {
        my $elog = $Server->error_log;
        my $off = Test::Nginx::Harness::Server::file_size($elog);
        $Server->stop;
        $PrevConfText = undef;
        if (defined _v($block, 'shutdown_error_log') || defined _v($block, 'no_shutdown_error_log')) {
            my $text = Test::Nginx::Harness::Server::read_from($elog, $off);
            _check_shutdown_logs($ctx, $text);
        }
        if ($valgrind) {
            _check_valgrind($ctx);
        }
    }
}

# wipes the servroot for a new block; false (and a failed test) when it
# holds something the harness refuses to remove
sub _prepare_servroot {
    my ($ctx) = @_;
    return 1 if eval { $Server->prepare_servroot; 1 };
    my $err = $@;
    my $tb = Test::More->builder;
    $tb->ok(0, "$ctx->{name} - the servroot can be cleaned");
    $tb->diag($err);
    return 0;
}

# after a block: what it created in the servroot that the next block's
# cleanup would refuse
sub _check_leftovers {
    my ($ctx) = @_;
    my @left = $Server->leftovers or return;
    my $tb = Test::More->builder;
    $tb->ok(0, "$ctx->{name} - the block leaves nothing in the servroot but "
               . "conf, html, logs, *_temp, *_cache");
    $tb->diag("it left " . join(', ', map { "\"$_\"" } @left) . " in "
              . $Server->servroot . ": the cleanup before the next block "
              . "refuses it (so does upstream Test::Nginx, which bails out); "
              . "name a temp path *_temp, or write below html/ or logs/");
}

sub _check_valgrind {
    my ($ctx) = @_;
    my $out = Test::Nginx::Harness::Server::_slurp($Server->valgrind_log);
    return unless $out =~ /\S/;
    my $tb = Test::More->builder;
    my $bad = $out =~ /Invalid (?:read|write|free)|definitely lost|uninitialised|Mismatched free|Source and destination overlap|Syscall param/;
    if ($bad && $ValgrindStrict) {
        $tb->ok(0, "$ctx->{name} - valgrind reported memory errors");
    }
    $tb->diag("valgrind output for $ctx->{name}:\n$out");
    if (my $f = $ENV{TEST_NGINX_VALGRIND_LOG}) {
        if (open my $fh, '>>', $f) {
            print $fh "==== $ctx->{name} (" . ($0 // '') . ")\n$out\n";
            close $fh;
        }
    }
}

sub _run_must_die {
    my ($ctx, $conf, $files) = @_;
    my $block = $ctx->{block};
    my $name = $ctx->{name};
    my $tb = Test::More->builder;

    $Server->stop;
    $PrevConfText = undef;
    _prepare_servroot($ctx) or return;
    $Server->write_file($Server->html_dir . "/$_->[0]", $_->[1], $_->[2]) for @$files;
    $Server->write_config($conf);
    my $st = $Server->start(valgrind => 0, daemon => 1);
    if ($st->{ok}) {
        $Server->stop;
    } elsif ($st->{port_busy}) {
        $tb->ok(0, "$name - nginx could not be tried: $st->{error}");
        return;
    }
    my $want = _sval(_v($block, 'must_die'));
    my $text = Test::Nginx::Harness::Server::_slurp($Server->error_log);
    my $stderr = $st->{stderr} // Test::Nginx::Harness::Server::_slurp($Server->stderr_file);
    $text .= "\n" if length $text && $text !~ /\n\z/;
    $text .= $stderr;

    for my $rep (0 .. $RepeatEach - 1) {
        if ($st->{ok}) {
            $tb->ok(0, "$name - nginx must die (but it started successfully)");
        } elsif (defined $want && length $want) {
            $tb->is_eq($st->{exit_code}, $want, "$name - nginx died with exit code $want");
        } else {
            $tb->ok(1, "$name - nginx died as expected");
        }
        _check_logs($ctx, $text, undef, $rep, 'must_die');
    }
    _check_leftovers($ctx) unless $NoNginxManager;
}

# ----------------------------------------------------------------------
# user files
# ----------------------------------------------------------------------

sub _mtime {
    my ($t) = @_;
    return undef unless defined $t && length $t;
    if ($t =~ /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d\d))?$/) {
        return POSIX::mktime($6 // 0, $5, $4, $3, $2 - 1, $1 - 1900);
    }
    return $t if $t =~ /^\d+$/;
    die "bad user file timestamp \"$t\"\n";
}

sub _parse_user_files {
    my ($spec, $name) = @_;
    return () unless defined $spec;
    my @files;
    if (ref $spec eq 'ARRAY') {
        for my $f (@$spec) {
            die "$name - user_files entries must be [name, content, mtime?]\n"
                unless ref $f eq 'ARRAY';
            push @files, [ $f->[0], $f->[1] // '', _mtime($f->[2]) ];
        }
    } elsif (!ref $spec) {
        my @parts = split /^>>>[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*\r?\n/m, $spec;
        shift @parts;    # text before the first >>>
        while (@parts) {
            my ($fname, $ts, $content) = splice @parts, 0, 3;
            push @files, [ $fname, $content // '', _mtime($ts) ];
        }
    } else {
        die "$name - unsupported user_files value\n";
    }
    for my $f (@files) {
        die "$name - bad user file name \"$f->[0]\"\n"
            if $f->[0] =~ m{(?:^|/)\.\.(?:/|$)} || $f->[0] =~ m{^/};
    }
    return @files;
}

# ----------------------------------------------------------------------
# requests
# ----------------------------------------------------------------------

sub _build_jobs {
    my ($ctx) = @_;
    my $block = $ctx->{block};
    my $more = $ctx->{more_headers};
    my $mh = sub {
        my $i = shift;
        return ref $more eq 'ARRAY' ? $more->[$i] : $more;
    };
    my @jobs;
    if (defined(my $pr = $ctx->{pipelined_requests})) {
        my @list = ref $pr eq 'ARRAY' ? @$pr : ($pr);
        my ($bytes, @methods) = ('');
        for my $i (0 .. $#list) {
            my $req = Test::Nginx::Harness::Client::build_request(
                spec => $list[$i], more_headers => $mh->($i),
                keepalive => $i < $#list);
            $bytes .= $req->{bytes};
            push @methods, $req->{method};
        }
        push @jobs, { kind => 'h1', packets => [ { data => $bytes } ],
                      nresp => scalar(@list), methods => \@methods };
    } elsif (defined(my $raw = $ctx->{raw_request})) {
        my $req = Test::Nginx::Harness::Client::build_raw_request($raw);
        push @jobs, { kind => 'h1', packets => $req->{packets}, nresp => 1,
                      methods => [ $req->{method} ],
                      http09 => defined _v($block, 'http09') };
    } elsif (defined(my $rq = $ctx->{request})) {
        my @list = ref $rq eq 'ARRAY' ? @$rq : ($rq);
        for my $i (0 .. $#list) {
            my $req = Test::Nginx::Harness::Client::build_request(
                spec => $list[$i], more_headers => $mh->($i));
            if ($ctx->{http2} && $req->{version} ne 'HTTP/1.0') {
                push @jobs, { kind => 'h2', nresp => 1,
                              method => $req->{method}, uri => $req->{uri},
                              headers => $req->{headers},
                              body => length $req->{body} ? $req->{body} : undef };
            } else {
                push @jobs, { kind => 'h1', packets => $req->{packets},
                              nresp => 1, methods => [ $req->{method} ],
                              method => $req->{method}, uri => $req->{uri},
                              headers => $req->{headers},
                              http09 => defined _v($block, 'http09') };
            }
        }
    }
    return \@jobs;
}

sub _block_timeout {
    my ($block) = @_;
    my $t = _v($block, 'timeout');
    return $Timeout unless defined $t;
    return Test::Nginx::Harness::Client::parse_time($t) // $Timeout;
}

# $on_response->($last) runs after each response's checks (the log checks);
# $last is true for the repetition's last response
sub _run_requests {
    my ($ctx, $jobs, $rep, $on_response) = @_;
    my $block = $ctx->{block};
    my $name = $ctx->{name};
    my $tb = Test::More->builder;
    my $timeout = _block_timeout($block);
    my $abort = defined _v($block, 'abort');
    my $ignore = defined _v($block, 'ignore_response');
    my $middle = _v($block, 'raw_request_middle_delay');
    $middle = defined $middle ? Test::Nginx::Harness::Client::parse_time($middle) : $Sleep;
    my $shutdown = _v($block, 'shutdown');
    $shutdown = _sval($shutdown) if defined $shutdown;
    $shutdown = 1 if defined $shutdown && $shutdown eq '';
    my $server_addr = _sval(_v($block, 'server_addr_for_client')) // $ServerAddr;

    my $idx = 0;
    my $total = 0;
    $total += $_->{nresp} for @$jobs;
    for my $job (@$jobs) {
        my $r;
        if ($job->{kind} eq 'h2') {
            my @extra = split ' ', (_sval(_v($block, 'curl_options')) // '');
            $r = Test::Nginx::Harness::Client::curl_exchange(
                host => $server_addr, port => $ServerPortForClient,
                method => $job->{method}, uri => $job->{uri},
                headers => $job->{headers}, body => $job->{body},
                timeout => $timeout, extra_opts => \@extra,
                protocol => _sval(_v($block, 'curl_protocol')));
            if (defined(my $ce = _v($block, 'curl_error'))) {
                my $err = $r->{curl_stderr} // '';
                if (ref $ce eq 'Regexp') {
                    _like($err, $ce, "$name - curl error ok (req $rep)");
                } else {
                    (my $e = $ce) =~ s/^\s+|\s+$//g;
                    $tb->ok(index($err, $e) >= 0, "$name - curl error ok (req $rep)")
                        or $tb->diag("curl stderr: $err\nexpected: $e");
                }
                delete $r->{error};
            }
        } else {
            $r = Test::Nginx::Harness::Client::exchange(
                host => $server_addr, port => $ServerPortForClient,
                packets => $job->{packets}, timeout => $timeout,
                middle_delay => $middle, shutdown => $shutdown,
                nresp => $job->{nresp}, methods => $job->{methods},
                http09 => $job->{http09});
        }

        if ($r->{timed_out}) {
            if (!$abort) {
                $tb->ok(0, "ERROR: client socket timed out - $name");
                $tb->diag("no (complete) response within ${timeout}s; received so far: "
                          . _esc($r->{raw}, 2000));
            }
        } elsif ($r->{error} && !$abort && !$ignore) {
            $tb->ok(0, "$name - $r->{error}");
        }
        if (!$r->{timed_out} && !$abort && !$ignore) {
            for my $k (0 .. $job->{nresp} - 1) {
                my $res = $r->{responses}[$k];
                next unless $res;
                if ($res->{error}) {
                    $tb->ok(0, "$name - bad response: $res->{error} (req $rep, resp $k)");
                    $tb->diag('raw response: ' . _esc($r->{raw}, 3000));
                }
            }
        }

        for my $k (0 .. $job->{nresp} - 1) {
            my $res = $r->{responses}[$k];
            _check_response($ctx, $res, $idx, $rep) unless $ignore;
            $idx++;
            $on_response->($idx == $total) if $on_response;
        }
    }
    $on_response->(1) if $on_response && !$total;
}

# ----------------------------------------------------------------------
# response checks
# ----------------------------------------------------------------------

sub _indexed {
    my ($ctx, $v, $idx) = @_;
    return undef unless defined $v;
    return $v unless ref $v eq 'ARRAY';
    return $ctx->{need_array} ? $v->[$idx] : $v->[0];
}

sub _parse_header_spec {
    my ($spec) = @_;
    return () unless defined $spec;
    if (ref $spec eq 'HASH') {
        return map { [ $_, $spec->{$_} ] } sort keys %$spec;
    }
    my @h;
    for my $l (split /\n/, $spec) {
        $l =~ s/\r\z//;
        next unless $l =~ /\S/;
        if ($l =~ /^\s*!\s*(\S+?)\s*:?\s*$/) {
            push @h, [ $1, undef ];
        } elsif ($l =~ /^\s*([^:]+?)\s*:\s*(.*?)\s*$/) {
            push @h, [ $1, $2 ];
        } else {
            die "bad header spec line: $l\n";
        }
    }
    return @h;
}

my %BuiltinBodyFilters = (
    md5_hex  => sub { require Digest::MD5; Digest::MD5::md5_hex($_[0]) },
    sha1_hex => sub { require Digest::SHA; Digest::SHA::sha1_hex($_[0]) },
    length   => sub { length $_[0] },
    uc       => sub { uc $_[0] },
    lc       => sub { lc $_[0] },
    ucfirst  => sub { ucfirst $_[0] },
    lcfirst  => sub { lcfirst $_[0] },
);

sub _apply_body_filters {
    my ($ctx, $f, $body, $idx) = @_;
    return $body unless defined $body;
    my @f;
    if (ref $f eq 'ARRAY') {
        if (@$f && ref $f->[0] eq 'ARRAY') {
            my $sel = $f->[$idx] // [];
            @f = ref $sel eq 'ARRAY' ? @$sel : ($sel);
        } else {
            @f = @$f;
        }
    } elsif (ref $f eq 'CODE') {
        @f = ($f);
    } else {
        @f = split ' ', $f;
    }
    for my $x (@f) {
        my $code = ref $x eq 'CODE' ? $x : $BuiltinBodyFilters{$x}
            or die "$ctx->{name} - unknown response_body_filters filter \"$x\"\n";
        $body = $code->($body);
    }
    return $body;
}

sub _check_response {
    my ($ctx, $res, $idx, $rep) = @_;
    my $block = $ctx->{block};
    my $name = $ctx->{name};
    my $tb = Test::More->builder;
    my $status = $res ? $res->{status} : undef;

    # status code
    if (defined _v($block, 'error_code_like')) {
        my $pat = _sval(_indexed($ctx, _v($block, 'error_code_like'), $idx));
        _like($status // '', (ref $pat ? $pat : qr/$pat/), "$name - status code ok");
    } else {
        my $exp = _sval(_indexed($ctx, _v($block, 'error_code'), $idx));
        $exp = 200 unless defined $exp;
        my $got = $status;
        $got = '' if !defined $got && $exp eq '';
        $tb->is_eq($got, $exp, "$name - status code ok");
    }

    # raw response headers
    for my $s (qw(raw_response_headers_like raw_response_headers_unlike)) {
        next unless defined _v($block, $s);
        my $pat = _indexed($ctx, _v($block, $s), $idx);
        my $re = ref $pat eq 'Regexp' ? $pat : qr/$pat/s;
        _like($res ? $res->{raw_headers} : undef, $re,
              "$name - raw resp headers " . ($s =~ /unlike/ ? 'unlike' : 'like'),
              $s =~ /unlike/);
    }

    # response headers
    if (defined _v($block, 'response_headers')) {
        for my $h (_parse_header_spec(_expand($ctx, _indexed($ctx, _v($block, 'response_headers'), $idx), 'response_headers'))) {
            my ($k, $v) = @$h;
            my $got = Test::Nginx::Harness::Client::header_value($res, $k);
            if (!defined $v) {
                my $ok = $tb->ok(!defined $got || $got eq '', "$name - header $k ok");
                $tb->diag("header \"$k\" should be absent, but got "
                          . _esc($got, 500)) unless $ok;
            } else {
                $got = '' unless defined $got;
                is_str($got, $v, "$name - header $k ok");
            }
        }
    }
    if (defined _v($block, 'response_headers_like')) {
        for my $h (_parse_header_spec(_indexed($ctx, _v($block, 'response_headers_like'), $idx))) {
            my ($k, $v) = @$h;
            my $got = Test::Nginx::Harness::Client::header_value($res, $k);
            $v = '' unless defined $v;
            _like($got // '', qr/^$v$/, "$name - header $k like ok");
        }
    }

    # body
    my $body = $res ? $res->{body} : undef;
    if (defined(my $f = _v($block, 'response_body_filters'))) {
        $body = _apply_body_filters($ctx, $f, $body, $idx);
    }
    if (defined $ctx->{response_body}) {
        my $exp = _indexed($ctx, $ctx->{response_body}, $idx);
        is_str($body, $exp,
               "$name - response_body - response is expected (repeated req $rep, req $idx)");
    } elsif (defined $ctx->{response_body_like}) {
        my $pat = _indexed($ctx, $ctx->{response_body_like}, $idx);
        my $summary = _esc(defined $body ? do { (my $s = $body) =~ s/^\s+|\s+$//g; $s } : undef, 60);
        _like($body, (ref $pat eq 'Regexp' ? $pat : qr/$pat/s),
              "$name - response_body_like - response is expected ($summary)");
    } elsif (defined _v($block, 'response_body_unlike')) {
        my $pat = _indexed($ctx, _v($block, 'response_body_unlike'), $idx);
        my $summary = _esc(defined $body ? do { (my $s = $body) =~ s/^\s+|\s+$//g; $s } : undef, 60);
        _like($body, (ref $pat eq 'Regexp' ? $pat : qr/$pat/s),
              "$name - response_body_unlike - response is expected ($summary)", 1);
    }

    for my $cb (@ResponseBodyChecks) {
        $cb->($block, $body, $idx, $rep, undef);
    }
}

# ----------------------------------------------------------------------
# log checks
# ----------------------------------------------------------------------

sub _patterns {
    my ($v) = @_;
    return () unless defined $v;
    return grep { defined } @$v if ref $v eq 'ARRAY';
    return ($v) if ref $v;
    return grep { length } map { s/\r\z//r } split /\n+/, $v;
}

sub _line_matches {
    my ($line, $pat) = @_;
    return ref $pat ? scalar($line =~ $pat) : index($line, $pat) >= 0;
}

sub _fmt_pat {
    my ($p) = @_;
    my $s = "$p";
    $s =~ s/\n/\\n/g;
    return $s;
}

sub _log_summary {
    my ($lines, $file) = @_;
    my @interesting = grep { /\[(?:emerg|alert|crit|error|warn)\]/ } @$lines;
    my $msg = scalar(@$lines) . " line(s) of $file checked";
    if (@interesting) {
        my @show = @interesting > 15 ? @interesting[-15 .. -1] : @interesting;
        $msg .= "; [warn] and above:\n  " . join("\n  ", @show);
    } elsif (@$lines) {
        my @show = @$lines > 5 ? @$lines[-5 .. -1] : @$lines;
        $msg .= "; last lines:\n  " . join("\n  ", @show);
    }
    return $msg;
}

sub _check_positive {
    my ($name, $pats, $lines, $file, $tag) = @_;
    my $tb = Test::More->builder;
    for my $pat (@$pats) {
        my $found = List::Util::first { _line_matches($_, $pat) } @$lines;
        my $p = _fmt_pat($pat);
        if (defined $found) {
            $tb->ok(1, "$name - pattern \"$p\" matches a line in $file ($tag)");
        } else {
            $tb->ok(0, "$name - pattern \"$p\" should match a line in $file ($tag)");
            $tb->diag(_log_summary($lines, $file));
        }
    }
}

sub _check_negative {
    my ($name, $pats, $lines, $file, $tag) = @_;
    my $tb = Test::More->builder;
    for my $pat (@$pats) {
        my $found = List::Util::first { _line_matches($_, $pat) } @$lines;
        my $p = _fmt_pat($pat);
        if (defined $found) {
            $tb->ok(0, "$name - pattern \"$p\" should not match any line in $file ($tag)");
            $tb->diag("but it matches the line:\n  $found");
        } else {
            $tb->ok(1, "$name - pattern \"$p\" does not match a line in $file ($tag)");
        }
    }
}

# the log checks of one response (see the "Log windows" comment in
# _run_block)
sub _check_logs_now {
    my ($ctx, $rep) = @_;
    my $block = $ctx->{block};
    my $elog = $Server->error_log;
    Test::Nginx::Harness::Server::settle_file($elog);
    my $from = $CheckAccumErrLog ? $ctx->{err_start} : $ctx->{err_pos};
    my $text = Test::Nginx::Harness::Server::read_from($elog, $from);
    # whole lines only: a line still being written belongs to the next check
    $text = substr $text, 0, rindex($text, "\n") + 1;
    my $end = $from + length $text;
    $ctx->{err_pos} = $end unless $CheckAccumErrLog;
    # unexpected [alert]/[crit]/[emerg] lines are reported once
    my $fresh = $ctx->{warned_to} > $from
        ? substr($text, $ctx->{warned_to} - $from) : $text;
    $ctx->{warned_to} = $end if $end > $ctx->{warned_to};

    my $atext;
    if ((defined _v($block, 'access_log') || defined _v($block, 'no_access_log'))
        && !defined _v($block, 'ignore_response'))
    {
        my $alog = $Server->access_log;
        Test::Nginx::Harness::Server::settle_file($alog, 0.05);
        $atext = Test::Nginx::Harness::Server::read_from($alog, $ctx->{acc_start});
    }
    _check_logs($ctx, $text, $atext, $rep, '', $fresh);
}

sub _check_logs {
    my ($ctx, $text, $atext, $rep, $mode, $fresh) = @_;
    my $block = $ctx->{block};
    my $name = $ctx->{name};
    my $tb = Test::More->builder;
    my @lines = split /\n/, $text // '';
    my $tag = "req $rep";

    my @pos = _patterns(_v($block, 'error_log'));
    my @neg = _patterns(_v($block, 'no_error_log'));
    _check_positive($name, \@pos, \@lines, 'error.log', $tag) if @pos;
    _check_negative($name, \@neg, \@lines, 'error.log', $tag) if @neg;

    if (defined(my $g = _v($block, 'grep_error_log'))) {
        my $exp = _v($block, 'grep_error_log_out');
        $exp = $exp->[$rep] if ref $exp eq 'ARRAY';
        my $pat = $g;
        if (!ref $pat) {
            $pat =~ s/\r?\n\z//;
        }
        my $out = '';
        for my $line (@lines) {
            if (ref $pat) {
                while ($line =~ /$pat/g) {
                    $out .= substr($line, $-[0], $+[0] - $-[0]) . "\n";
                    pos($line) = $+[0] + 1 if $+[0] == $-[0];
                }
            } elsif (length $pat) {
                my $p = 0;
                while ((my $i = index $line, $pat, $p) >= 0) {
                    $out .= "$pat\n";
                    $p = $i + length $pat;
                }
            }
        }
        is_str($out, (defined $exp ? $exp : ''), "$name - grep_error_log_out ($tag)");
    }

    if (defined $atext) {
        my @alines = split /\n/, $atext;
        my @apos = _patterns(_v($block, 'access_log'));
        my @aneg = _patterns(_v($block, 'no_access_log'));
        _check_positive($name, \@apos, \@alines, 'access.log', $tag) if @apos;
        _check_negative($name, \@aneg, \@alines, 'access.log', $tag) if @aneg;
    }

    # upstream behaviour: unexpected [alert]/[crit]/[emerg] lines are
    # reported as warnings (not failures)
    return if $mode eq 'must_die';
    for my $line (defined $fresh ? split(/\n/, $fresh) : @lines) {
        next unless $line =~ /\[(?:alert|crit|emerg)\]/;
        next if grep { _line_matches($line, $_) } @pos, @neg;
        Test::More::diag("WARNING: $name - $line");
    }
}

sub _check_shutdown_logs {
    my ($ctx, $text) = @_;
    my @lines = split /\n/, $text // '';
    my @pos = _patterns(_v($ctx->{block}, 'shutdown_error_log'));
    my @neg = _patterns(_v($ctx->{block}, 'no_shutdown_error_log'));
    _check_positive($ctx->{name}, \@pos, \@lines, 'error.log', 'shutdown') if @pos;
    _check_negative($ctx->{name}, \@neg, \@lines, 'error.log', 'shutdown') if @neg;
}

# ----------------------------------------------------------------------
# embedded TCP server
# ----------------------------------------------------------------------

sub _start_tcp_server {
    my ($ctx) = @_;
    my $block = $ctx->{block};
    my $listen = _sval($ctx->{tcp_listen});
    my $delay = _v($block, 'tcp_reply_delay');
    $delay = Test::Nginx::Harness::Client::parse_time($delay) if defined $delay;
    my $qlen = _sval(_v($block, 'tcp_query_len'));
    if (!defined $qlen && defined $ctx->{tcp_query} && !ref $ctx->{tcp_query}) {
        $qlen = length $ctx->{tcp_query};
    }
    return Test::Nginx::Harness::TCPServer->start(
        listen      => $listen,
        reply       => $ctx->{tcp_reply},
        reply_delay => $delay,
        query_len   => $qlen,
        no_close    => defined _v($block, 'tcp_no_close'),
        shutdown    => _sval(_v($block, 'tcp_shutdown')),
        read_timeout => _block_timeout($block),
    );
}

sub _check_tcp_query {
    my ($ctx, $got, $rep) = @_;
    my $block = $ctx->{block};
    my $name = $ctx->{name};
    if (defined $ctx->{tcp_query}) {
        is_str($got, $ctx->{tcp_query}, "$name - tcp_query ok (req $rep)");
    }
    if (defined(my $l = _sval(_v($block, 'tcp_query_len')))) {
        Test::More->builder->is_num(length $got, $l, "$name - TCP query length ok (req $rep)");
    }
}

1;
__END__

=encoding utf-8

=head1 NAME

Test::Nginx::Socket - the phoneval project's own data-driven nginx test
scaffold, compatible with openresty's Test::Nginx::Socket block format

=head1 SYNOPSIS

    use Test::Nginx::Socket 'no_plan';

    repeat_each(2);
    no_shuffle();

    add_block_preprocessor(sub {
        my $block = shift;
        $block->set_value(no_error_log => "[error]\n[alert]\n[crit]")
            unless defined $block->no_error_log;
    });

    run_tests();

    __DATA__

    === TEST 1: hello
    --- config
        location = /t { return 200 "hello\n"; }
    --- request
    GET /t
    --- response_body
    hello

Run everything from the repository root:

    prove -I t/lib -r t/

=head1 DESCRIPTION

The upstream openresty C<Test::Nginx> is not packaged for Debian and CPAN is
out of reach, so this project ships its own implementation, written from
scratch on top of Debian's L<Test::Base>. It implements the subset of
upstream's block language the project needs, with the same module name,
section names, defaults, environment variables and generated F<nginx.conf>
shape, so C<.t> files written for it also run unchanged under the upstream
module.

Every block (shuffled unless C<no_shuffle()> or C<TEST_NGINX_NO_SHUFFLE=1>):

=over

=item 1.

runs the block preprocessors, evaluates C<skip_*> / C<todo>;

=item 2.

expands C<$TEST_NGINX_*> variables, writes F<t/servroot/conf/nginx.conf>,
wipes C<conf>, C<logs>, C<html>, C<*_temp>, C<*_cache> in the servroot
(and refuses anything else there, see L</Servroot>), writes C<user_files>, stops the previous nginx (C<QUIT>, then C<TERM>, then
C<KILL>, polling every 10 ms) and starts a new one with

    $TEST_NGINX_BINARY -p <servroot>/ -c <servroot>/conf/nginx.conf -e <servroot>/logs/error.log

then polls (10 ms steps) for F<logs/nginx.pid> naming a live process;

=item 3.

for each of the C<repeat_each()> repetitions: sends the request(s) on
fresh connections and, after each response, checks it, sleeps C<--- wait>
and checks the logs (see L</Log checks (per request)>);

=item 4.

checks that the block left nothing in the servroot that the next block's
cleanup would refuse.

=back

Requests go over raw non-blocking sockets (C<--- http2> uses C<curl>), so a
connection that nginx never closes shows up as a client timeout failure.

=head2 Servroot

Between blocks only C<conf>, C<html>, C<logs> and every C<*_temp> and
C<*_cache> entry (no dot files) of the servroot are removed, as upstream
does. Anything else (say a C<client_body_temp_path body_w1;> that nginx
creates at start) is never removed: a block that leaves such an entry
fails (C<TEST n: name - the block leaves nothing in the servroot but conf,
html, logs, *_temp, *_cache>, with the names), and every later block that
finds one fails at once without running (C<TEST n: name - the servroot can
be cleaned>) until it is removed by hand. Upstream Test::Nginx bails out
there (C<Can't remove servroot (not empty?)>). Name temp paths C<*_temp>,
or keep files below F<html/> or F<logs/>.

=head2 Concurrent runs

C<run_tests> takes an exclusive C<flock> on the servroot and on the server
port (lock files F<test-nginx-servroot-E<lt>md5E<gt>.lock> and
F<test-nginx-port-E<lt>portE<gt>.lock> in the temp directory). A second test
run using the same servroot or port (another terminal, another session)
waits for the first one instead of wiping its servroot and killing its nginx
(a diagnostic says who holds the lock; C<TEST_NGINX_LOCK_TIMEOUT>, default
900 s, then dies). Random ports (C<TEST_NGINX_RAND_PORT_*>,
C<TEST_NGINX_RANDOMIZE>) are locked the same way. For parallel runs use
C<TEST_NGINX_RANDOMIZE=1> (each file gets its own port and
F<t/servroot_PORT>, removed again at the end).

Before starting nginx the port is checked: if something else still listens
on it after 2 s the block fails at once with an explanation (nginx itself
would retry C<bind()> for 2.5 s). Only a process that ran C<run_tests> stops
nginx at exit; merely loading the module never touches a servroot.

=head1 EXPORTED FUNCTIONS

C<run_tests>, C<run_test($block)>, C<repeat_each([n])>, C<no_shuffle>,
C<workers(n)>, C<master_on>, C<master_off>, C<master_process_enabled([bool])>,
C<log_level(level)>, C<no_long_string>, C<no_root_location>,
C<env_to_nginx(@names_or_name=value)>, C<add_block_preprocessor(sub)>,
C<check_accum_error_log>, C<worker_connections(n)>, C<config_preamble(text)>,
C<server_name(name)>, C<server_root>, C<html_dir>, C<server_port>,
C<server_port_for_client>, C<server_addr>, C<timeout([t])>, C<bail_out(msg)>,
C<add_cleanup_handler(sub)>, C<add_response_body_check(sub)>,
C<is_str($got, $expected, $name)>, C<use_hup> (warns: unsupported),
C<no_nginx_manager>.

Everything L<Test::Base> exports is available as well (C<plan>, C<blocks>,
C<is>, C<ok>, C<like>, C<unlike>, C<is_deeply>, C<diag>, C<pass>, C<fail>,
C<no_diff>, ...). C<use Test::Nginx::Socket 'no_plan';> works as upstream;
without a plan C<run_tests> falls back to no_plan (with a diagnostic).
C<$Test::Nginx::Socket::RepeatEach> exists for old-style plans.

=head1 SECTIONS

Values go through Test::Base's default C<norm> and C<trim> filters (so a
multi-line section ends with exactly one newline) and any filters named on
the section line (C<eval>, C<chomp>, C<chop>, ...). C<--- name: value> puts
a one-line value on the section line.

=head2 Meta

C<ONLY>, C<SKIP>, C<LAST> (Test::Base), C<skip_nginx: N: op version>,
C<skip_nginx2: N: op v1 and|or op v2>, C<skip_openssl: N: op version>,
C<skip_eval: N: perl-code> (emit N skipped tests and do not run the block),
C<todo: N: reason> (the block's tests become TODO tests).

=head2 Configuration

=over

=item C<main_config>, C<post_main_config>, C<http_config>, C<config>

Placed at the top level before C<http {}>, after C<http {}>, inside
C<http {}> and inside the default C<server {}>. A block without C<config>
reuses the previous block's C<config> (upstream behaviour; the first block
run must have one). Since blocks are shuffled by default this is rarely
what you want: a warning is printed unless C<no_shuffle()> is in effect.
Give every block a C<--- config> (it may be empty).

=item C<server_name>

Default C<localhost>.

=item C<log_level>

Overrides the error log level for the block (default C<debug>, or
C<log_level()>, or C<TEST_NGINX_LOG_LEVEL>).

=item C<user_files>

C<< >>> name [mtime] >> headers followed by content, or C<eval> giving
C<< [ [name, content, mtime?], ... ] >>. Created below F<html/>. The mtime
is C<YYYYMMDDhhmm[.ss]> (local time) or epoch seconds.

=item C<init>

Perl code run once after nginx has started, before the requests.

=item C<must_die> [C<: exit-code>]

nginx must fail to start. No request is sent. Each repetition emits one test
("nginx died as expected", or the exit code comparison) followed by the log
checks, which run against the whole F<error.log> plus nginx's stderr.
Never run under valgrind.

=back

=head2 Requests

=over

=item C<request>

First line (after optional blank / C<#> comment lines) is
C<METHOD [URI] [PROTOCOL]>; URI defaults to C</>, protocol to C<HTTP/1.1>.
C<Host: localhost> and C<Connection: close> are added (each unless
C<more_headers> already has that header), then the C<more_headers> lines.
The rest of the section is the body. When there is a body and C<more_headers>
has neither C<Content-Length> nor C<Transfer-Encoding: chunked>, B<the body's
leading and trailing whitespace is stripped> and C<Content-Length> is added
(upstream behaviour: so C<POST /x\n{"a":1}\n> sends the 7 bytes C<{"a":1}>).
With an explicit C<Content-Length> or a chunked request the body is sent
verbatim (including the trailing newline left by the C<trim> filter; use
C<eval> to control every byte).

C<request eval> may return a string; an array of strings (several requests,
each on its own connection, in order; every per-response check section must
then be an array with one element per request); or an array of arrays
(one request split into several writes; elements are strings or
C<< { value => ..., delay_before => secs } >>).

=item C<more_headers>

Extra request header lines. An C<eval> array gives one string per request.

=item C<raw_request>

Exact bytes, nothing added. C<eval> array: pieces written one after the
other with C<raw_request_middle_delay> (default C<TEST_NGINX_SLEEP>,
0.015 s) in between.

=item C<pipelined_requests>

C<eval> array of request specs sent back to back on one connection; all but
the last use C<Connection: keep-alive>. Responses are checked in order.

=item C<http2>

Send with C<curl -sS -i --http2-prior-knowledge>; the body via
C<--data-binary @file>; C<more_headers> as C<-H>; the server's C<listen>
gets the C<http2> flag (nginx 1.22 needs it on the listen line). C<curl> adds
its own C<User-Agent>, C<Accept> and, with a body,
C<Content-Type: application/x-www-form-urlencoded> unless you set one.
C<curl_options>, C<curl_protocol>, C<curl_error> are supported.
Not usable with C<raw_request> / C<pipelined_requests>.

=item C<timeout>

Client timeout between I/O events: C<3>, C<1.5>, C<500ms>, C<2s>. Default 3 s
(C<TEST_NGINX_TIMEOUT>). On expiry the test
C<ERROR: client socket timed out - TEST n: name> fails, unless C<abort>.

=item C<abort>, C<shutdown[: how]>, C<ignore_response>, C<http09>,
C<server_addr_for_client>, C<raw_request_middle_delay>, C<curl>

As upstream.

=back

=head2 Response checks (one test each, per response)

=over

=item C<error_code> (default 200), C<error_code_like>

Always one test: C<TEST n: name - status code ok>.

=item C<response_body>

Exact comparison; on failure: escaped got/expected, lengths, first differing
position and a unified diff (L<Text::Diff>) unless C<no_diff()>.
C<no_long_string()> shows whole strings instead of an excerpt.

=item C<response_body_like>, C<response_body_unlike>

Regex (with C</s>), not anchored, no chomping (use the C<chop> filter).
Only one of C<response_body>, C<response_body_like>, C<response_body_unlike>
is checked, in that order of preference (as upstream).

=item C<response_body_filters>

C<md5_hex sha1_hex length uc lc ucfirst lcfirst> or code refs.

=item C<response_headers>

C<Name: value> lines (exact value; several headers of the same name are
joined with C<, >), C<!Name> means absent (or empty). One test per line.

=item C<response_headers_like>

C<Name: regex>, anchored (C<^regex$>). One test per line.

=item C<raw_response_headers_like>, C<raw_response_headers_unlike>

Regex against the status line and header lines (CRLF terminated).

=back

The response parser understands Content-Length, chunked (decoded, trailers
ignored) and close-delimited bodies, skips C<1xx> interim responses (e.g.
C<100 Continue>) and knows that HEAD/204/304 have no body. A response that
is malformed or cut short adds a failing test (C<bad response: ...>) unless
C<abort> or C<ignore_response> is given.

=head2 Log checks (per request)

As upstream, the logs are checked after B<every> response (each request of
a C<request eval> array, each of C<pipelined_requests>), not once per block
or repetition. Each check of F<error.log> sees the lines written since the
previous check of the block, the first one also nginx's startup lines; so a
pattern in C<error_log> must appear in every request's own lines, and a line
written by a later request is missing at the earlier requests' checks.
With C<check_accum_error_log()> (or C<TEST_NGINX_CHECK_ACCUM_ERR_LOG=1>)
each check sees every line since the block started (nginx's startup
included, every repetition): an C<error_log> pattern must appear by the
first request's check, a C<no_error_log> pattern is checked against
everything so far. To check lines that only later requests write, end the
block with a request that returns F<logs/error.log> (C<location =
/_log/error { alias logs/error.log; }>) and match its body. The access log
checks see every line since the block started. For C<must_die>: the whole
startup log plus stderr, once per repetition.

=over

=item C<error_log>, C<no_error_log>

One pattern per non-empty line (substring match), or C<eval> giving a
C<qr//> or an array of strings and C<qr//>s. One test per pattern.

=item C<grep_error_log>, C<grep_error_log_out>

A substring (a trailing newline is ignored) or C<qr//>; all matches in the
new lines, each followed by C<"\n">, concatenated, compared with
C<grep_error_log_out> (string, C<qr//>, or an C<eval> array indexed by
repetition, not by request). One test per check.

=item C<access_log>, C<no_access_log>

Like C<error_log> / C<no_error_log> for F<logs/access.log>; not checked
with C<ignore_response> (as upstream).

=item C<shutdown_error_log>, C<no_shutdown_error_log>

Checked after stopping nginx at the end of the block.

=item C<wait>

Seconds (float, or C<ms>) slept after each response, before its log checks.

=back

Unexpected C<[alert]>, C<[crit]> and C<[emerg]> lines are printed as
C<WARNING:> diagnostics, not failures (upstream behaviour); add
C<no_error_log> patterns to make them fail. Each line is reported once.

=head2 Embedded TCP mock

C<tcp_listen> (port or unix socket path), C<tcp_reply> (string, array of
pieces, or C<sub { my $query = shift; ... }>), C<tcp_reply_delay>,
C<tcp_query> (expected bytes, one test), C<tcp_query_len> (one test),
C<tcp_no_close>, C<tcp_shutdown>. The server is (re)started for every
repetition. Without C<tcp_query>/C<tcp_query_len> it reads until a complete
HTTP request (headers plus Content-Length or chunked body) or 100 ms of
silence, then replies.

=head1 TEST COUNTS

Per response: 1 (status) + 1 per C<response_headers> / C<response_headers_like>
line + 1 if C<raw_response_headers_like> + 1 if C<raw_response_headers_unlike>
+ 1 if any of C<response_body>/C<response_body_like>/C<response_body_unlike>.
Also per response: 1 per C<error_log> / C<no_error_log> / C<access_log> /
C<no_access_log> pattern (no access log checks with C<ignore_response>),
1 for C<grep_error_log>. Per repetition: 1 for C<tcp_query>,
1 for C<tcp_query_len>, 1 for C<curl_error> per http2 request. C<must_die>:
1 + log patterns per repetition. Per block: 1 per C<shutdown_error_log> /
C<no_shutdown_error_log> pattern. Failures add tests (client timeout,
malformed response, nginx not starting, nginx no longer running after a
repetition's requests - e.g. a crash after the response was sent, servroot
leftovers), which
also makes the plan fail.
Everything is multiplied by C<repeat_each()>, so upstream-style plans like
C<plan tests =E<gt> repeat_each() * (3 * blocks())> work. Prefer
C<'no_plan'> when in doubt.

=head1 GENERATED nginx.conf

    load_module ...;                  # one per TEST_NGINX_LOAD_MODULES path
    worker_processes  1;              # workers()
    daemon on;                        # off under valgrind
    master_process off;               # master_on() / TEST_NGINX_MASTER_PROCESS
    user root;                        # only with the master on, when root
    error_log <servroot>/logs/error.log debug;
    pid       <servroot>/logs/nginx.pid;
    env MOCKEAGAIN_VERBOSE; ...       # upstream's default list + env_to_nginx()
    <main_config>
    http {
        access_log <servroot>/logs/access.log;
        client_body_temp_path <servroot>/client_body_temp;  # and proxy_, fastcgi_,
                                      # uwsgi_, scgi_temp_path unless http_config sets them
        default_type text/plain;
        keepalive_timeout  68000ms;
        <http_config>
        server {
            listen          1984;     # + " http2" for --- http2 blocks
            server_name     'localhost';
            client_max_body_size 30M;
            <config_preamble>
            <config>
            location / { root <servroot>/html; index index.html index.htm; }
        }
    }
    <post_main_config>
    events { accept_mutex off; worker_connections  64; }

=head1 ENVIRONMENT

=over

=item C<TEST_NGINX_BINARY>

nginx to run; default C<nginx> from C<PATH>, else F</usr/sbin/nginx>.

=item C<TEST_NGINX_SERVER_PORT>, C<TEST_NGINX_PORT>, C<TEST_NGINX_CLIENT_PORT>

Listen port (default 1984) and the port the client connects to (default:
C<TEST_NGINX_PORT>, else the server port). C<TEST_NGINX_SERVER_PORT> is
always set by the harness so configs can use it.

=item C<TEST_NGINX_RAND_PORT_E<lt>nE<gt>>

Not an input: every distinct name becomes a free random port (20000-31999),
the same everywhere within one block.

=item C<TEST_NGINX_SERVROOT>

Default F<t/servroot> under the current directory. Also exported to configs
as C<$TEST_NGINX_SERVER_ROOT>; C<$TEST_NGINX_HTML_DIR> is its F<html/>.

=item C<TEST_NGINX_RANDOMIZE>

Random port and F<t/servroot_PORT> (for C<prove -j> or concurrent runs);
the directory is removed at the end unless C<TEST_NGINX_NO_CLEAN>.

=item C<TEST_NGINX_LOAD_MODULES>

Space-separated F<.so> paths, turned into C<load_module> lines at the top.

=item C<TEST_NGINX_USE_VALGRIND>

C<1> runs nginx as C<valgrind -q --tool=memcheck --leak-check=full
--show-possibly-lost=no --num-callers=30 --gen-suppressions=all
[--suppressions=valgrind.suppress] --log-file=E<lt>servrootE<gt>/logs/valgrind.log>
(any other non-numeric value replaces the tool options); C<daemon off>,
C<master_process off>; readiness is polled (pid file and port, up to 60 s).
nginx is stopped at the end of every block so leak reports belong to it; any
valgrind output is printed as a diagnostic for that block (and appended to
C<TEST_NGINX_VALGRIND_LOG> if set). With C<TEST_NGINX_VALGRIND_STRICT=1>,
output mentioning C<Invalid read/write/free>, C<definitely lost>,
C<uninitialised>, C<Mismatched free>, C<Syscall param> or overlapping copies
adds a failing test C<TEST n: name - valgrind reported memory errors>.

=item C<TEST_NGINX_NO_CLEAN>

Leave nginx running at the end (and keep a randomized servroot).

=item C<TEST_NGINX_LOCK_TIMEOUT>

Seconds to wait for a servroot/port used by another test run (default 900).

=item C<TEST_NGINX_VALGRIND_STRICT>, C<TEST_NGINX_VALGRIND_LOG>

See C<TEST_NGINX_USE_VALGRIND>.

=item C<TEST_NGINX_VERBOSE>

Trace nginx starts/stops (and curl command lines) on stderr.

=item C<TEST_NGINX_CHECK_ACCUM_ERR_LOG>

C<1> is C<check_accum_error_log()> for every file.

=item C<TEST_NGINX_NO_SHUFFLE>, C<TEST_NGINX_LOG_LEVEL>, C<TEST_NGINX_TIMEOUT>,
C<TEST_NGINX_SLEEP>, C<TEST_NGINX_MASTER_PROCESS>, C<TEST_NGINX_ERROR_LOG>,
C<TEST_NGINX_FORCE_RESTART_ON_TEST>, C<TEST_NGINX_USE_HTTP2>,
C<TEST_NGINX_REUSE_PORT>, C<TEST_NGINX_EVENT_TYPE>,
C<TEST_NGINX_POSTPONE_OUTPUT>, C<TEST_NGINX_WORKER_USER>,
C<TEST_NGINX_NO_NGINX_MANAGER>, C<TEST_NGINX_VERBOSE>

As upstream.

=back

C<$TEST_NGINX_[A-Z0-9_]+> is expanded in C<main_config>,
C<post_main_config>, C<http_config>, C<config>, C<server_name>, C<request>,
C<raw_request>, C<pipelined_requests>, C<more_headers>, C<user_files>,
C<response_body>, C<response_body_like>, C<response_headers> and the
C<tcp_*> sections; an undefined variable dies with
C<No environment TEST_NGINX_FOO defined (used in TEST n: name: --- section).>

=head1 DIFFERENCES FROM UPSTREAM

=over

=item *

Not supported (a warning is printed if used): C<stap*>, C<udp_*>, C<http3>,
C<reload_fails>, HUP mode (C<use_hup>, C<TEST_NGINX_USE_HUP>), check-leak and
benchmark modes, C<TEST_NGINX_USE_RR>, C<TEST_NGINX_USE_STAP>,
C<TEST_NGINX_IGNORE_MISSING_DIRECTIVES>, C<error_log_file>.

=item *

Line numbers inside the generated F<nginx.conf> differ from upstream's; do not
assert on C<nginx.conf:NN> in messages.

=item *

nginx is started with C<-e logs/error.log>; upstream passes no C<-e>, so
with an nginx built C<--error-log-path=stderr> (Debian's) the messages of a
configuration that fails to load never reach the F<error.log> a C<must_die>
block checks there (F<t/inc/PhonevalTest.pm> wraps the binary under
upstream).

=item *

Servroot leftovers (L</Servroot>) fail the block that leaves them and the
blocks after it instead of C<BAIL_OUT>ing the whole run.

=item *

Unexpected nginx start failures fail the block instead of C<BAIL_OUT>ing the
whole run; a scalar expectation for a multi-request block dies (upstream
bails out).

=item *

Responses are read until nginx closes the connection, or until all expected
responses are complete and nginx announced keep-alive. Malformed or truncated
responses are reported as an extra failing test.

=item *

Additions: servroot/port locking, the fail-fast busy-port check, removal of
randomized servroots, C<TEST_NGINX_VALGRIND_STRICT>/C<TEST_NGINX_VALGRIND_LOG>,
the warning about reused configs under shuffling, C<TEST_NGINX_LOCK_TIMEOUT>.
When the master process is on and the harness runs as root, C<user root;> is
emitted (or C<TEST_NGINX_WORKER_USER>) so workers can use the servroot.

=item *

Valgrind: nginx is stopped after every block (so leaks are attributed to
the right block) and its output goes to F<logs/valgrind.log> and the test
diagnostics rather than straight to the terminal.

=item *

The client port falls back to the server port when only
C<TEST_NGINX_SERVER_PORT> is set (upstream: 1984).

=item *

Header name matching for the "already given" checks (C<Host>, C<Connection>,
C<Content-Length>) is case-insensitive.

=item *

C<$ServerPort> style (non-C<TEST_NGINX_>) substitutions in expected bodies are
not done.

=back

=cut
