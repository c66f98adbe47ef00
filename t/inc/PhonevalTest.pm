package PhonevalTest;

# What every phoneval Test::Nginx file starts with: where the modules are,
# and the block preprocessor that loads them and fails every block on
# [alert], [crit] and [emerg].
#
#   use Test::Nginx::Socket 'no_plan';
#   use lib 't/inc';
#   use PhonevalTest;
#
#   no_shuffle();
#   phoneval_preprocessor(http_config => $Mocks);
#   run_tests();
#
# Uses only Test::Nginx::Socket's public API (add_block_preprocessor and
# the block accessors), so it works with the bundled harness (t/lib) and
# with upstream Test::Nginx alike.  Load it after Test::Nginx::Socket.

use strict;
use warnings;

use Cwd ();
use Exporter 'import';

our @EXPORT = qw(phoneval_preprocessor perturb_freed_memory);
our @EXPORT_OK = qw(crit_checks);

# the modules under test; make (and CI) set both
$ENV{TEST_NGINX_PHONEVAL_SO} ||= Cwd::cwd() . '/build/ngx_http_phoneval_module.so';
$ENV{TEST_NGINX_ECHO_SO} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

# Upstream Test::Nginx starts nginx as "BINARY -p SERVROOT/ -c CONF" and
# reads only SERVROOT/logs/error.log, so with an nginx built with
# --error-log-path=stderr (Debian's) the [emerg] of a configuration that
# fails to load never reaches the log a must_die block checks.  The
# bundled harness passes -e (nginx >= 1.19.5) itself; under upstream,
# start nginx through a wrapper that does the same.
our $NginxWrapper;
if ($INC{'Test/Nginx/Util.pm'} && defined $Test::Nginx::Util::NginxBinary
    && defined $Test::Nginx::Util::ErrLogFile) {
    require File::Temp;
    my $real = $Test::Nginx::Util::NginxBinary;
    my $log = $Test::Nginx::Util::ErrLogFile;
    s/'/'\\''/g for $real, $log;
    $NginxWrapper = File::Temp->new(TEMPLATE => 'phoneval-nginx-XXXXXX',
                                    TMPDIR => 1);
    print $NginxWrapper "#!/bin/sh\nexec '$real' -e '$log' \"\$@\"\n";
    close $NginxWrapper;
    chmod 0755, $NginxWrapper->filename;
    $Test::Nginx::Util::NginxBinary = $NginxWrapper->filename;
}

# freed memory is filled with 0xa5 in nginx (glibc), so a use after free of
# request memory shows up as a failing block rather than going unnoticed
sub perturb_freed_memory {
    $ENV{MALLOC_PERTURB_} //= 165;
}

# Registers the file's one block preprocessor (upstream runs several in
# the reverse order of registration, the bundled harness in order: one
# avoids the question).  For every block:
# - main_config loads the phoneval and echo modules, unless the block has
#   its own;
# - prepare => sub { my ($block) = @_; ... }, if given, adds the file's
#   mocks, locations or macros (also for must_die blocks);
# and unless the block is must_die:
# - http_config => TEXT and config => TEXT, if given, go before the
#   block's own http_config and config (the mocks and locations every
#   block gets);
# - crit_checks(), with error => 1 passed on.
sub phoneval_preprocessor {
    my (%opt) = @_;
    my ($prepare, $http, $config, $error) =
        @opt{qw(prepare http_config config error)};

    my $pp = sub {
        my $block = shift;

        if (!defined $block->main_config) {
            $block->set_value('main_config',
                "load_module $ENV{TEST_NGINX_PHONEVAL_SO};\n"
                . "load_module $ENV{TEST_NGINX_ECHO_SO};\n");
        }

        $prepare->($block) if $prepare;

        return if defined $block->must_die;

        $block->set_value('http_config', $http . ($block->http_config // ''))
            if defined $http;
        $block->set_value('config', $config . ($block->config // ''))
            if defined $config;

        crit_checks($block, error => $error);
    };

    # & bypasses upstream's (&) prototype, which wants a literal block
    &Test::Nginx::Socket::add_block_preprocessor($pp);
}

# [alert], [crit] and [emerg] (and [error] with error => 1, unless the
# block checks the error log itself) are added to the block's own
# no_error_log: a string of lines, an eval array, or one qr//.  What the
# block's error_log or grep_error_log expects is not added.
sub crit_checks {
    my ($block, %opt) = @_;

    my @always = ('[alert]', '[crit]', '[emerg]');
    push @always, '[error]'
        if $opt{error}
           && !defined $block->error_log && !defined $block->grep_error_log;

    my $expected = join "\n", map { ref $_ eq 'ARRAY' ? @$_ : $_ }
                              grep { defined } ($block->error_log,
                                                $block->grep_error_log);
    @always = grep { index($expected, $_) < 0 } @always;

    my $nel = $block->no_error_log;

    if (!defined $nel) {
        $block->set_value('no_error_log', join("\n", @always) . "\n");

    } elsif (ref $nel eq 'ARRAY') {
        $block->set_value('no_error_log', [@$nel, @always]);

    } elsif (ref $nel) {                # one qr//
        $block->set_value('no_error_log', [$nel, @always]);

    } else {
        chomp $nel;
        $block->set_value('no_error_log', join("\n", $nel, @always) . "\n");
    }
}

1;
