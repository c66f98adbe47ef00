package Test::Nginx::Harness::Server;

# nginx process side of the phoneval Test::Nginx::Socket harness:
# servroot layout, nginx.conf generation, start / stop (plain, daemonized,
# or under valgrind), pid and port readiness polling, log file access,
# $TEST_NGINX_* expansion and random ports.
#
# Written from scratch for this project; see Test::Nginx::Socket's POD.

use strict;
use warnings;

use Cwd ();
use File::Path ();
use File::Spec ();
use POSIX ();
use Time::HiRes ();
use IO::Socket::INET ();
use Fcntl qw(:flock);
use Digest::MD5 ();

our $PollStep = 0.01;    # readiness polling step (seconds)
our $Verbose = $ENV{TEST_NGINX_VERBOSE};

sub _trace {
    return unless $Verbose;
    my $t = sprintf '%.3f', Time::HiRes::time();
    print STDERR "# [harness $t] @_\n";
}

sub new {
    my ($class, %o) = @_;
    my $self = bless { %o }, $class;
    $self->{servroot} = File::Spec->rel2abs($self->{servroot});
    $self->{servroot} =~ s{/+\z}{};
    return $self;
}

sub servroot  { $_[0]{servroot} }
sub html_dir  { "$_[0]{servroot}/html" }
sub conf_file { "$_[0]{servroot}/conf/nginx.conf" }
sub logs_dir  { "$_[0]{servroot}/logs" }
sub error_log { "$_[0]{servroot}/logs/error.log" }
sub access_log { "$_[0]{servroot}/logs/access.log" }
sub pid_file  { "$_[0]{servroot}/logs/nginx.pid" }
sub stderr_file { "$_[0]{servroot}/logs/stderr.log" }
sub valgrind_log { "$_[0]{servroot}/logs/valgrind.log" }

# ----------------------------------------------------------------------
# binary / version discovery
# ----------------------------------------------------------------------

sub find_binary {
    my $b = $ENV{TEST_NGINX_BINARY};
    return $b if defined $b && length $b;
    for my $dir (split /:/, $ENV{PATH} // '') {
        next unless length $dir;
        return 'nginx' if -x "$dir/nginx" && !-d "$dir/nginx";
    }
    return '/usr/sbin/nginx' if -x '/usr/sbin/nginx';
    return 'nginx';
}

my %VersionCache;

sub _nginx_V {
    my ($bin) = @_;
    return $VersionCache{$bin} if exists $VersionCache{$bin};
    my $out = '';
    if (open my $fh, '-|') {
        local $/;
        $out = <$fh> // '';
        close $fh;
    } else {
        open STDERR, '>&', \*STDOUT;
        exec $bin, '-V' or POSIX::_exit(127);
    }
    return $VersionCache{$bin} = $out;
}

sub nginx_version {
    my ($self) = @_;
    my $out = _nginx_V($self->{binary});
    return $1 if $out =~ m{nginx version: [^/\s]+/(\d+(?:\.\d+)*)};
    return undef;
}

sub openssl_version {
    my ($self) = @_;
    my $out = _nginx_V($self->{binary});
    return $1 if $out =~ /running with OpenSSL (\S+)/;
    return $1 if $out =~ /built with OpenSSL (\S+)/;
    return undef;
}

sub configure_args {
    my ($self) = @_;
    my $out = _nginx_V($self->{binary});
    return $1 if $out =~ /configure arguments:(.*)/;
    return '';
}

# compare dotted versions: returns -1, 0, 1 ("1.1.0h" style letters ok)
sub cmp_version {
    my ($a, $b) = @_;
    my @a = map { /^(\d+)([a-z]*)$/ ? ($1, $2) : ($_, '') } split /\./, $a;
    my @b = map { /^(\d+)([a-z]*)$/ ? ($1, $2) : ($_, '') } split /\./, $b;
    while (@a || @b) {
        my ($an, $al) = (shift(@a) // 0, shift(@a) // '');
        my ($bn, $bl) = (shift(@b) // 0, shift(@b) // '');
        my $c = ($an =~ /^\d+$/ && $bn =~ /^\d+$/) ? ($an <=> $bn) : ($an cmp $bn);
        return $c if $c;
        $c = $al cmp $bl;
        return $c if $c;
    }
    return 0;
}

# ----------------------------------------------------------------------
# environment expansion
# ----------------------------------------------------------------------

my %UsedPorts;
my %Locks;

sub _lock_path {
    my ($kind, $key) = @_;
    my $k = $kind eq 'port' ? $key : Digest::MD5::md5_hex($key);
    return File::Spec->catfile(File::Spec->tmpdir, "test-nginx-$kind-$k.lock");
}

sub _holder {
    my ($path) = @_;
    open my $fh, '<', $path or return 'unknown';
    my $l = <$fh>;
    close $fh;
    return 'unknown' unless defined $l;
    chomp $l;
    return $l;
}

# acquire_lock(kind, key, timeout, on_wait) - exclusive flock, held until
# release_lock() or exit.
# Returns 1 when acquired (or locking is impossible), 0 on timeout.
sub acquire_lock {
    my ($kind, $key, $timeout, $on_wait) = @_;
    my $path = _lock_path($kind, $key);
    return 1 if $Locks{$path};
    open my $fh, '+>>', $path or return 1;
    my $deadline = Time::HiRes::time() + ($timeout // 0);
    my $warned;
    for (;;) {
        if (flock $fh, LOCK_EX | LOCK_NB) {
            # the holder unlinks the file on release: a lock on the old
            # inode is no lock, open the path again
            my @now = stat $path;
            last if @now && $now[1] == (stat $fh)[1];
            close $fh;
            open $fh, '+>>', $path or return 1;
            next;
        }
        if (Time::HiRes::time() >= $deadline) {
            close $fh;
            return 0;
        }
        if (!$warned++ && $on_wait) {
            $on_wait->(_holder($path));
        }
        Time::HiRes::sleep(0.05);
    }
    truncate $fh, 0;
    seek $fh, 0, 0;
    my $old = select $fh; $| = 1; select $old;
    print $fh "pid $$ ($0)\n";
    $Locks{$path} = $fh;
    return 1;
}

# the file goes with the lock, so runs leave no lock files behind
sub release_lock {
    my ($kind, $key) = @_;
    _release(_lock_path($kind, $key));
}

sub _release {
    my ($path) = @_;
    my $fh = delete $Locks{$path} or return;
    unlink $path;
    close $fh;
}

my $LockOwner = $$;

END {
    # a forked child that exits normally must not drop its parent's locks
    if ($$ == $LockOwner) {
        _release($_) for keys %Locks;
    }
}

sub lock_holder { _holder(_lock_path(@_)) }

sub port_is_free {
    my ($port) = @_;
    for my $addr ('0.0.0.0', '127.0.0.1') {
        my $s = IO::Socket::INET->new(
            LocalAddr => $addr, LocalPort => $port, Proto => 'tcp',
            Listen => 1, ReuseAddr => 1,
        ) or return 0;
        close $s;
    }
    return 1;
}

# a free TCP port outside the usual ephemeral range; the port is also
# flock()ed (see acquire_lock()) so that concurrent test runs never pick the same
sub random_free_port {
    my (%avoid) = map { ($_ // 0) => 1 } @_;
    for (1 .. 2000) {
        my $p = 20000 + int rand 12000;
        next if $avoid{$p} || $UsedPorts{$p};
        next unless acquire_lock('port', $p, 0);
        if (!port_is_free($p)) {
            release_lock('port', $p);
            next;
        }
        $UsedPorts{$p} = 1;
        return $p;
    }
    die "cannot find a free TCP port\n";
}

# expand_env($text, $rand_ports_hash, $where) - replaces $TEST_NGINX_XXX
# with $ENV{TEST_NGINX_XXX}; $TEST_NGINX_RAND_PORT_<n> with a free port
# that stays the same within one block (the hash). Dies on undefined vars.
sub expand_env {
    my ($text, $ports, $where, $server_port) = @_;
    return $text unless defined $text && !ref $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        if ($var =~ /^TEST_NGINX_RAND_PORT_/) {
            $ports->{$var} //= random_free_port($server_port, values %$ports);
        } elsif (defined $ENV{$var}) {
            $ENV{$var};
        } else {
            die "No environment $var defined"
                . (defined $where ? " (used in $where)" : '') . ".\n";
        }
    }ge;
    return $text;
}

# deep version: strings, arrays (recursively), {value => ...} hashes
sub expand_env_deep {
    my ($v, $ports, $where, $server_port) = @_;
    return $v unless defined $v;
    if (!ref $v) {
        return expand_env($v, $ports, $where, $server_port);
    }
    if (ref $v eq 'ARRAY') {
        return [ map { expand_env_deep($_, $ports, $where, $server_port) } @$v ];
    }
    if (ref $v eq 'HASH') {
        my %h = %$v;
        for my $k (keys %h) {
            $h{$k} = expand_env_deep($h{$k}, $ports, $where, $server_port)
                unless ref $h{$k} eq 'CODE';
        }
        return \%h;
    }
    return $v;    # Regexp, CODE, ...
}

# ----------------------------------------------------------------------
# nginx.conf generation
# ----------------------------------------------------------------------

our @DefaultEnv = qw(
    MOCKEAGAIN_VERBOSE MOCKEAGAIN MOCKEAGAIN_WRITE_TIMEOUT_PATTERN
    LD_PRELOAD LD_LIBRARY_PATH DYLD_INSERT_LIBRARIES DYLD_FORCE_FLAT_NAMESPACE
    ASAN_OPTIONS MOCKNOEAGAIN_VERBOSE MOCKNOEAGAIN
);

sub _env_line {
    my ($e) = @_;
    return "env $e;" if $e =~ /^[\w=.:\/,+-]+$/;
    (my $q = $e) =~ s/(['\\])/\\$1/g;
    return "env '$q';";
}

# gen_config(%o) -> text.  Keys: load_modules [..], workers, master (bool),
# daemon (bool), user, log_level, env [..], main_config, http_config,
# config, post_main_config, preamble, server_name, port, listen_opts,
# root_location (bool), worker_connections, event_type, postpone_output,
# temp_paths [[directive, dir]...], title
sub gen_config {
    my ($self, %o) = @_;
    my $sr = $self->{servroot};
    my @c;
    push @c, "# generated by the phoneval Test::Nginx::Socket harness"
        . (defined $o{title} ? " for $o{title}" : '');
    push @c, "load_module $_;" for @{ $o{load_modules} || [] };
    push @c, "worker_processes  " . ($o{workers} // 1) . ";";
    push @c, "daemon " . ($o{daemon} ? 'on' : 'off') . ";";
    push @c, "master_process " . ($o{master} ? 'on' : 'off') . ";";
    push @c, "user $o{user};" if defined $o{user} && length $o{user};
    push @c, "error_log $sr/logs/error.log " . ($o{log_level} // 'debug') . ";";
    push @c, "pid       $sr/logs/nginx.pid;";
    push @c, _env_line($_) for @{ $o{env} || [] };
    push @c, '';
    push @c, $o{main_config} // '';
    push @c, '';
    push @c, 'http {';
    push @c, "    access_log $sr/logs/access.log;";
    my $hc = $o{http_config} // '';
    for my $tp (@{ $o{temp_paths} || [] }) {
        my ($dir, $sub) = @$tp;
        next if $hc =~ /(?:^|[\s;{])\Q$dir\E\s/m;
        push @c, "    $dir $sr/$sub;";
    }
    push @c, '';
    push @c, "    default_type text/plain;";
    push @c, "    keepalive_timeout  68000ms;";
    push @c, "    postpone_output $o{postpone_output};"
        if defined $o{postpone_output} && length $o{postpone_output};
    push @c, '';
    push @c, $hc;
    push @c, '';
    push @c, '    server {';
    push @c, "        listen          $o{port}" . ($o{listen_opts} // '') . ";";
    push @c, "        server_name     '" . ($o{server_name} // 'localhost') . "';";
    push @c, '';
    push @c, '        client_max_body_size 30M;';
    push @c, '';
    push @c, '        # Begin preamble config...';
    push @c, $o{preamble} // '';
    push @c, '        # End preamble config...';
    push @c, '';
    push @c, '        # Begin test case config...';
    push @c, $o{config} // '';
    push @c, '        # End test case config.';
    push @c, '';
    if ($o{root_location}) {
        push @c, '        location / {';
        push @c, "            root $sr/html;";
        push @c, '            index index.html index.htm;';
        push @c, '        }';
    }
    push @c, '    }';
    push @c, '}';
    push @c, '';
    push @c, $o{post_main_config} // '';
    push @c, '';
    push @c, 'events {';
    push @c, '    accept_mutex off;';
    push @c, "    use $o{event_type};" if $o{event_type};
    push @c, "    worker_connections  " . ($o{worker_connections} // 64) . ";";
    push @c, '}';
    return join("\n", @c) . "\n";
}

# temp path directives supported by this binary
sub temp_paths {
    my ($self) = @_;
    my $args = $self->configure_args;
    my @tp = (['client_body_temp_path', 'client_body_temp']);
    push @tp, ['proxy_temp_path', 'proxy_temp']
        unless $args =~ /--without-http_proxy_module\b/;
    push @tp, ['fastcgi_temp_path', 'fastcgi_temp']
        unless $args =~ /--without-http_fastcgi_module\b/;
    push @tp, ['uwsgi_temp_path', 'uwsgi_temp']
        unless $args =~ /--without-http_uwsgi_module\b/;
    push @tp, ['scgi_temp_path', 'scgi_temp']
        unless $args =~ /--without-http_scgi_module\b/;
    return \@tp;
}

# ----------------------------------------------------------------------
# servroot
# ----------------------------------------------------------------------

sub prepare_servroot {
    my ($self) = @_;
    my $sr = $self->{servroot};
    if (my $acc = $ENV{TEST_NGINX_ERROR_LOG}) {
        if (-s $self->error_log && open my $in, '<', $self->error_log) {
            if (open my $out, '>>', $acc) {
                local $/ = \65536;
                print $out $_ while <$in>;
                close $out;
            }
            close $in;
        }
    }
    File::Path::make_path($sr) unless -d $sr;
    opendir my $dh, $sr or die "cannot open $sr: $!\n";
    my @kill = grep { _cleaned($_) } readdir $dh;
    closedir $dh;
    File::Path::remove_tree(map { "$sr/$_" } @kill) if @kill;
    # like upstream, which then removes the (now empty) servroot and bails
    # out when that fails: anything else is refused, never removed (it may
    # be a user's data under a mistaken TEST_NGINX_SERVROOT)
    if (my @left = $self->leftovers) {
        die "the servroot $sr holds " . join(', ', map { "\"$_\"" } @left)
            . ", which the harness does not remove: between blocks only conf, "
            . "html, logs, *_temp and *_cache are (upstream Test::Nginx bails "
            . "out here: \"Can't remove $sr (not empty?)\"). Keep what a test "
            . "writes in those (e.g. a temp path named *_temp), and remove the "
            . "leftovers by hand.\n";
    }
    File::Path::make_path("$sr/conf", "$sr/logs", "$sr/html");
    open my $fh, '>', "$sr/html/index.html" or die "$sr/html/index.html: $!\n";
    print $fh "It works!\n";
    close $fh;
    return 1;
}

# the entries the cleanup between blocks removes: conf, html, logs and,
# as upstream's glob("*_temp") / glob("*_cache"), every name (no dot
# file) ending in _temp or _cache
sub _cleaned {
    my ($e) = @_;
    return $e =~ /\A(?:conf|logs|html)\z/ || $e =~ /\A[^.].*_(?:temp|cache)\z/s;
}

# the servroot entries that prepare_servroot refuses, sorted
sub leftovers {
    my ($self) = @_;
    opendir my $dh, $self->{servroot} or return ();
    my @e = sort grep { $_ ne '.' && $_ ne '..' && !_cleaned($_) } readdir $dh;
    closedir $dh;
    return @e;
}

sub write_file {
    my ($self, $path, $content, $mtime) = @_;
    my ($vol, $dir) = File::Spec->splitpath($path);
    File::Path::make_path($dir) if length $dir && !-d $dir;
    open my $fh, '>', $path or die "cannot write $path: $!\n";
    binmode $fh;
    print $fh $content;
    close $fh;
    utime $mtime, $mtime, $path if defined $mtime;
    return 1;
}

sub write_config {
    my ($self, $text) = @_;
    $self->write_file($self->conf_file, $text);
}

# ----------------------------------------------------------------------
# processes
# ----------------------------------------------------------------------

sub pid_alive {
    my ($pid) = @_;
    return 0 unless $pid && $pid =~ /^\d+$/;
    return 0 unless kill 0, $pid;
    if (open my $fh, '<', "/proc/$pid/stat") {
        my $st = <$fh> // '';
        close $fh;
        return 0 if $st =~ /\)\s+([ZX])\s/;
    }
    return 1;
}

sub child_pids {
    my ($ppid) = @_;
    my @kids;
    opendir my $dh, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $st = <$fh> // '';
        close $fh;
        push @kids, $p if $st =~ /\)\s+\S\s+(\d+)\s/ && $1 == $ppid;
    }
    closedir $dh;
    return @kids;
}

sub read_pid {
    my ($self) = @_;
    open my $fh, '<', $self->pid_file or return undef;
    my $pid = <$fh>;
    close $fh;
    return undef unless defined $pid && $pid =~ /^\s*(\d+)\s*$/;
    return $1;
}

sub running {
    my ($self) = @_;
    my $pid = $self->{child} || $self->{pid} || $self->read_pid;
    return pid_alive($pid) ? $pid : 0;
}

# build the nginx command line
sub nginx_cmd {
    my ($self) = @_;
    my $sr = $self->{servroot};
    my @cmd = ($self->{binary}, '-p', "$sr/", '-c', $self->conf_file);
    my $v = $self->nginx_version;
    push @cmd, '-e', $self->error_log
        if !defined $v || cmp_version($v, '1.19.5') >= 0;
    return @cmd;
}

sub valgrind_cmd {
    my ($self) = @_;
    my $opt = $self->{valgrind};
    my @v = ('valgrind', '-q');
    if ($opt =~ /^\d+$/) {
        push @v, qw(--tool=memcheck --leak-check=full --show-possibly-lost=no
                    --num-callers=30);
    } else {
        push @v, split ' ', $opt;
    }
    push @v, '--gen-suppressions=all';
    push @v, '--suppressions=valgrind.suppress' if -f 'valgrind.suppress';
    push @v, '--log-file=' . $self->valgrind_log;
    return @v;
}

sub _slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    my $c = <$fh>;
    close $fh;
    return $c // '';
}

# start(valgrind => bool) -> { ok => 1, pid } or
#   { ok => 0, exit_code, stderr, error }
sub start {
    my ($self, %o) = @_;
    my @cmd = $self->nginx_cmd;
    my $errf = $self->stderr_file;
    $self->{child} = undef;
    $self->{pid} = undef;

    # fail fast (nginx itself retries bind() for 2.5 s) when the port is
    # still taken, e.g. by an nginx of another test run
    my $port = $self->{port};
    if (defined $port && $port =~ /^\d+$/) {
        my $deadline = Time::HiRes::time() + ($o{port_wait} // 2);
        until (port_is_free($port)) {
            if (Time::HiRes::time() >= $deadline) {
                return { ok => 0, port_busy => 1, cmd => \@cmd, stderr => '',
                         error => "port $port is already in use by another "
                             . "process (another nginx or test run?); stop it, "
                             . "or use TEST_NGINX_RANDOMIZE=1 / TEST_NGINX_PORT" };
            }
            Time::HiRes::sleep($PollStep);
        }
    }

    if ($o{valgrind}) {
        @cmd = ($self->valgrind_cmd, @cmd);
        my $pid = fork;
        die "fork failed: $!\n" unless defined $pid;
        if ($pid == 0) {
            open STDIN, '<', '/dev/null';
            open STDOUT, '>>', $errf;
            open STDERR, '>&', \*STDOUT;
            exec @cmd or POSIX::_exit(127);
        }
        $self->{child} = $pid;
        my $limit = $o{start_timeout} // 60;
        my $deadline = Time::HiRes::time() + $limit;
        while (Time::HiRes::time() < $deadline) {
            my $w = waitpid $pid, POSIX::WNOHANG();
            if ($w == $pid) {
                my $code = $? >> 8;
                $self->{child} = undef;
                return { ok => 0, exit_code => $code,
                         stderr => _slurp($errf),
                         valgrind => _slurp($self->valgrind_log),
                         cmd => \@cmd,
                         error => "nginx (under valgrind) exited with code $code" };
            }
            if ($self->read_pid) {
                my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                              PeerPort => $self->{client_port} // $self->{port},
                                              Proto => 'tcp');
                if ($s) {
                    close $s;
                    $self->{pid} = $pid;
                    Time::HiRes::sleep($o{settle} // 0.2);
                    return { ok => 1, pid => $pid, cmd => \@cmd };
                }
            }
            Time::HiRes::sleep($PollStep);
        }
        return { ok => 0, exit_code => undef, stderr => _slurp($errf),
                 cmd => \@cmd,
                 error => "nginx under valgrind did not become ready in ${limit}s" };
    }

    my $pid = fork;
    die "fork failed: $!\n" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $errf;
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $status = $?;
    _trace("started: @cmd -> status $status");
    if ($status != 0) {
        my $code = $status & 127 ? undef : $status >> 8;
        return { ok => 0, exit_code => $code, stderr => _slurp($errf),
                 cmd => \@cmd,
                 error => 'nginx exited with '
                     . (defined $code ? "code $code" : 'signal ' . ($status & 127)) };
    }
    if (!$o{daemon}) {
        return { ok => 1, cmd => \@cmd };
    }
    # daemonized: wait for the pid file of a live process
    my $deadline = Time::HiRes::time() + ($o{start_timeout} // 10);
    while (Time::HiRes::time() < $deadline) {
        my $p = $self->read_pid;
        if ($p && pid_alive($p)) {
            $self->{pid} = $p;
            _trace("nginx pid $p is up");
            return { ok => 1, pid => $p, cmd => \@cmd };
        }
        Time::HiRes::sleep($PollStep);
    }
    return { ok => 0, exit_code => 0, stderr => _slurp($errf), cmd => \@cmd,
             error => 'nginx started but no live process appeared in '
                      . $self->pid_file };
}

sub _wait_gone {
    my ($self, $pid, $secs) = @_;
    my $deadline = Time::HiRes::time() + $secs;
    while (1) {
        if ($self->{child} && $self->{child} == $pid) {
            my $w = waitpid $pid, POSIX::WNOHANG();
            return 1 if $w == $pid || $w == -1;
        } else {
            return 1 unless pid_alive($pid);
        }
        return 0 if Time::HiRes::time() >= $deadline;
        Time::HiRes::sleep($PollStep);
    }
}

sub _looks_like_nginx {
    my ($pid) = @_;
    my $cmd = _slurp("/proc/$pid/cmdline");
    return 1 if $cmd eq '';    # cannot tell
    return $cmd =~ /nginx|valgrind|memcheck/ ? 1 : 0;
}

# stop(): QUIT, wait; TERM, wait; KILL - for the nginx we started (pid kept
# in memory) and the one named in the pid file. Also kills orphaned workers.
sub stop {
    my ($self, %o) = @_;
    my $mine = $self->{child} || $self->{pid};
    my $file = $self->read_pid;
    my %seen;
    my @pids = grep { $_ && !$seen{$_}++ && pid_alive($_) } $mine, $file;
    @pids = grep { ($mine && $_ == $mine) || _looks_like_nginx($_) } @pids;
    if (!@pids) {
        if ($self->{child}) {
            waitpid $self->{child}, POSIX::WNOHANG();
        }
        $self->{child} = $self->{pid} = undef;
        return 0;
    }
    for my $pid (@pids) {
        $self->_stop_pid($pid, %o);
    }
    $self->{child} = $self->{pid} = undef;
    return 1;
}

sub _stop_pid {
    my ($self, $pid, %o) = @_;
    my @kids = child_pids($pid);
    _trace("stopping nginx pid $pid (children: @kids)");
    my $quit_wait = $o{quit_timeout} // ($self->{child} ? 60 : 5);
    kill 'QUIT', $pid;
    if (!$self->_wait_gone($pid, $quit_wait)) {
        kill 'TERM', $pid;
        if (!$self->_wait_gone($pid, 2)) {
            kill 'KILL', $pid;
            $self->_wait_gone($pid, 2);
        }
    }
    for my $k (@kids) {
        next unless pid_alive($k);
        kill 'TERM', $k;
    }
    for my $k (@kids) {
        next if $self->_wait_gone($k, 1);
        kill 'KILL', $k;
    }
    if ($self->{child} && $self->{child} == $pid) {
        waitpid $pid, POSIX::WNOHANG();
    }
    _trace("nginx pid $pid stopped");
}

# stop an nginx left running from an earlier run using this servroot
sub stop_stale {
    my ($self) = @_;
    my $pid = $self->read_pid;
    return unless $pid && pid_alive($pid);
    my $cmd = _slurp("/proc/$pid/cmdline");
    return unless $cmd =~ /nginx|valgrind|memcheck/;
    $self->stop;
}

# ----------------------------------------------------------------------
# logs
# ----------------------------------------------------------------------

sub file_size {
    my ($file) = @_;
    my $s = -s $file;
    return $s // 0;
}

sub read_from {
    my ($file, $off) = @_;
    open my $fh, '<', $file or return '';
    binmode $fh;
    seek $fh, $off // 0, 0;
    local $/;
    my $c = <$fh>;
    close $fh;
    return $c // '';
}

# wait until the file has stopped growing (nginx may still be writing the
# tail of a request's debug log right after the connection was closed)
sub settle_file {
    my ($file, $max) = @_;
    $max //= 0.1;
    my $deadline = Time::HiRes::time() + $max;
    my $last = file_size($file);
    while (Time::HiRes::time() < $deadline) {
        Time::HiRes::sleep(0.005);
        my $now = file_size($file);
        return if $now == $last;
        $last = $now;
    }
}

1;
