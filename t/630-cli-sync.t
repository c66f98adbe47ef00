# phoneval sync: paging over more than 250 contacts, the selection (no
# status, PENDING, stale, phone changed, results without a phone), the
# run's verdict cache, PUT with customFields only, --dry-run (no Byteplant
# call, no PUT), an interrupted sync resumed from --state (each contact
# written exactly once), and both rate limits under pressure.

use strict;
use warnings;

use Test::More;
use FindBin;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use lib "$FindBin::Bin/inc";
use PhonevalCli qw(:DEFAULT $N);   # $N: cli_bg numbers its files too

# ---- tests ---------------------------------------------------------------

sub iso { POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime $_[0]) }

sub fields_sim {
    my (@extra) = @_;
    return sim_start('contacts', '--location', 'loc_S',
        '--field', 'contact.phone_validation_status:cfStatus',
        '--field', 'contact.phone_last_validated:cfLast',
        '--field', 'contact.phone_confidence:cfConf:NUMERICAL',
        '--field', 'contact.phone_line_type:cfLine',
        '--field', 'contact.phone_e164:cfE164', @extra);
}

sub puts_by_id {
    my ($sim) = @_;
    my %n;
    $n{$_->{path}}++ for grep { $_->{method} eq 'PUT' } @{ admin($sim, 'GET', '/_sim/log') };
    return \%n;
}

# a background run; returns its pid
sub cli_bg {
    my ($env, @args) = @_;
    my $n = ++$N;
    my $pid = fork // die;
    if (!$pid) {
        delete $ENV{$_} for grep { /^PHONEVAL_/ } keys %ENV;
        $ENV{HOME} = $TMP;
        $ENV{$_} = $env->{$_} for keys %$env;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$TMP/bg.$n.out";
        open STDERR, '>', "$TMP/bg.$n.err";
        exec($BIN, @args) or POSIX::_exit(127);
    }
    return ($pid, "$TMP/bg.$n.err");
}

sub slurp { local $/; open my $fh, '<', $_[0] or return ''; return <$fh> }

my @FIELDS = ('--field', 'status=cfStatus', '--field', 'last_validated=cfLast',
              '--field', 'confidence=cfConf', '--field', 'line_type=cfLine',
              '--field', 'e164=cfE164',
              '--byteplant-rate', '100000/60');     # the default is 100/300

# ---- 280 contacts, every kind ------------------------------------------

my $ghl = fields_sim('--rate', '100000/10');
my $bp = sim_start('byteplant', '--rate', '100000/60');
my %env = (PHONEVAL_GHL_TOKEN => $TOKEN, PHONEVAL_API_URL => $ghl->{url},
           PHONEVAL_BYTEPLANT_KEY => $KEY,
           PHONEVAL_BYTEPLANT_URL => "$bp->{url}/api/v2/verify");

my $yesterday = iso(time - 86400);
my (@seed, %want, %phone_of);
for my $i (0 .. 279) {
    my $phone = sprintf '+1209555%04d', 1000 + $i % 200;   # some twice
    my %c = (locationId => 'loc_S', firstName => "S$i", phone => $phone);
    my $kind = $i % 10;
    my @cf;
    if ($i >= 270) {                    # results but no phone: clear
        delete $c{phone};
        @cf = ([cfStatus => 'VALID_CONFIRMED'], [cfLast => $yesterday]);
        $kind = 'clear';
    } elsif ($i % 45 == 0) {            # no phone, nothing to do
        delete $c{phone};
        $kind = 'none';
    } elsif ($kind == 1) {
        @cf = ([cfStatus => 'PENDING']);
    } elsif ($kind == 2) {
        @cf = ([cfStatus => 'VALID_CONFIRMED'], [cfLast => '2020-01-01T00:00:00Z']);
    } elsif ($kind == 3) {
        @cf = ([cfStatus => 'VALID_CONFIRMED'], [cfLast => $yesterday], [cfE164 => $phone]);
    } elsif ($kind == 4) {
        @cf = ([cfStatus => 'VALID_CONFIRMED'], [cfLast => $yesterday], [cfE164 => '+12095559876']);
    } elsif ($kind == 6) {
        @cf = ([cfStatus => 'INVALID'], [cfLast => $yesterday]);
    } elsif ($kind == 7) {
        @cf = ([cfStatus => 'VALID_UNCONFIRMED'], [cfLast => $yesterday]);
    } elsif ($kind == 8) {
        @cf = ([cfStatus => 'VALID_CONFIRMED'], [cfLast => 'last tuesday']);
    } elsif ($kind == 9) {
        @cf = ([cfStatus => 'MAYBE']);
    }
    $c{customFields} = [ map { { id => $_->[0], value => $_->[1] } } @cf ];
    push @seed, \%c;
    $want{"S$i"} = $kind;
}
my %id_of;
for my $c (@{ admin($ghl, 'POST', '/_sim/contacts', \@seed) }) {
    $id_of{ $c->{firstName} } = $c->{id};
    $phone_of{ $c->{id} } = $c->{phone};
}
my @work = grep { $want{$_} !~ /^(?:3|6|7|none)$/ } keys %want;
my @validate = grep { $want{$_} ne 'clear' } @work;
my %distinct = map { $phone_of{ $id_of{$_} } => 1 } @validate;

# --dry-run

my $state = "$TMP/sync.state";
my $r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--dry-run',
            '--state', $state, '--json');
is $r->{rc}, 0, 'dry-run: exit 0';
my $j = decode_json($r->{out});
is $j->{contacts}, 280, 'dry-run: every contact listed';
is $j->{pages}, 3, 'dry-run: three pages of 100';
is $j->{would_validate}, scalar(@validate), 'dry-run: what would be validated';
is $j->{would_clear}, 10, 'dry-run: what would be cleared';
is $j->{provider_calls}, 0, 'dry-run: no provider call in the report';
is_deeply admin($bp, 'GET', '/_sim/log'), [], 'dry-run: Byteplant saw nothing';
my @log = @{ admin($ghl, 'GET', '/_sim/log') };
is_deeply [ sort keys %{{ map { $_->{method} => 1 } @log }} ], ['GET'],
    'dry-run: only GETs, no PUT';
ok !-e $state, 'dry-run: the state file is not written';
is scalar(grep { $_->{path} eq '/contacts/' } @log), 3, 'dry-run: three page requests';
is $log[1]{query}{limit}, 100, 'paging: limit=100';
ok $log[1]{query}{startAfterId} && $log[1]{query}{startAfter},
    'paging: startAfterId and startAfter from meta';

$r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--dry-run');
my @plan = split /\n/, $r->{out};
is scalar(@plan), scalar(@work), 'dry-run: one plan line per contact';
like $plan[0], qr/^(validate|clear)\t\w+\t/, 'dry-run: action, id, why';

# the real run

$r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--state', $state,
         '--json');
is $r->{rc}, 0, 'sync: exit 0';
$j = decode_json($r->{out});
my $puts = puts_by_id($ghl);
is_deeply [ sort keys %$puts ], [ sort map { "/contacts/$id_of{$_}" } @work ],
    'sync: exactly the selected contacts are written';
ok !grep({ $_ != 1 } values %$puts), 'sync: each once';
is $j->{written}, scalar(@work), 'sync: written';
is $j->{provider_calls}, scalar(keys %distinct),
    'sync: one provider call per distinct number';
is $j->{cache_hits}, @validate - keys(%distinct), 'sync: the rest are cache hits';
is $j->{selected}{PENDING}, 27, 'sync: PENDING selected';
is $j->{selected}{stale}, 54, 'sync: stale selected';
is $j->{selected}{'phone changed'}, 27, 'sync: changed phones selected';
is $j->{selected}{'no phone'}, 10, 'sync: results without a phone';
is scalar(@{ admin($bp, 'GET', '/_sim/log') }), scalar(keys %distinct),
    'sync: Byteplant agrees';

my ($put) = grep { $_->{method} eq 'PUT' && $_->{path} eq "/contacts/$id_of{S1}" }
            @{ admin($ghl, 'GET', '/_sim/log') };
is_deeply [ keys %{ $put->{body} } ], ['customFields'], 'sync: PUT carries customFields only';
my %v = map { $_->{id} => $_->{field_value} } @{ $put->{body}{customFields} };
is $v{cfStatus}, 'VALID_CONFIRMED', 'sync: status';
is $v{cfConf}, 95, 'sync: confidence, a number';
like $v{cfLast}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'sync: last_validated';
is $v{cfE164}, $phone_of{ $id_of{S1} }, 'sync: e164';
is $v{cfLine}, 'MOBILE', 'sync: line_type';
($put) = grep { $_->{method} eq 'PUT' && $_->{path} eq "/contacts/$id_of{S270}" }
         @{ admin($ghl, 'GET', '/_sim/log') };
is_deeply [ map { $_->{field_value} } @{ $put->{body}{customFields} } ],
    ['', '', '', '', ''], 'sync: a contact without a phone gets its results cleared';
like slurp($state), qr/^finished$/m, 'sync: the state records a finished pass';

# again: everything is fresh

admin($bp, 'POST', '/_sim/reset');
my $nputs = grep { $_->{method} eq 'PUT' } @{ admin($ghl, 'GET', '/_sim/log') };
$r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--state', $state,
         '--json');
is $r->{rc}, 0, 'sync again: exit 0';
is decode_json($r->{out})->{written}, 0, 'sync again: nothing written';
is scalar(grep { $_->{method} eq 'PUT' } @{ admin($ghl, 'GET', '/_sim/log') }), $nputs,
    'sync again: no PUT';
is_deeply admin($bp, 'GET', '/_sim/log'), [], 'sync again: no provider call';

$r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--dry-run',
         '--stale-after', '1h', '--json');
is decode_json($r->{out})->{selected}{stale}, 81,
    '--stale-after 1h: yesterday\'s verdicts are stale';
$r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--dry-run',
         '--stale-after', '2d', '--json');
is decode_json($r->{out})->{selected}{stale}, 0, '--stale-after 2d: they are not';

# no verdict to be had (DELAYED): old verdicts stay, new contacts get PENDING

my $delayed = '+1 209 559 999 01';
my %d = map { $_->{firstName} => $_->{id} } @{ admin($ghl, 'POST', '/_sim/contacts', [
    { locationId => 'loc_S', firstName => 'Dstale', phone => $delayed,
      customFields => [ { id => 'cfStatus', value => 'VALID_CONFIRMED' },
                        { id => 'cfLast', value => '2020-01-01T00:00:00Z' } ] },
    { locationId => 'loc_S', firstName => 'Dpending', phone => $delayed,
      customFields => [ { id => 'cfStatus', value => 'PENDING' } ] },
    { locationId => 'loc_S', firstName => 'Dnew', phone => $delayed } ]) };
$r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--json');
$j = decode_json($r->{out});
is $j->{by_status}{PENDING}, 3, 'DELAYED: three PENDING verdicts (never cached)';
is $j->{pending_kept}, 2, 'DELAYED: two contacts keep what they had';
$puts = puts_by_id($ghl);
ok !$puts->{"/contacts/$d{Dstale}"}, 'DELAYED: a stale verdict is not replaced by PENDING';
ok !$puts->{"/contacts/$d{Dpending}"}, 'DELAYED: PENDING is not written again';
($put) = grep { $_->{method} eq 'PUT' && $_->{path} eq "/contacts/$d{Dnew}" }
         @{ admin($ghl, 'GET', '/_sim/log') };
%v = map { $_->{id} => $_->{field_value} } @{ $put->{body}{customFields} };
is_deeply [ @v{qw(cfStatus cfLast cfConf)} ], ['PENDING', '', ''],
    'DELAYED: a new contact gets PENDING, no time, no confidence';
is $r->{rc}, 0, 'DELAYED: not a failure of the sync';

$r = cli(\%env, 'sync', '--location', 'loc_S', '--field', 'status=cfStatus',
         '--stale-after', 'soon');
is $r->{rc}, 2, 'a bad --stale-after: exit 2';
$r = cli(\%env, 'sync', '--location', 'loc_S', '--field',
         'status=key:contact.nope');
is $r->{rc}, 2, 'a status field the location lacks: exit 2';
$r = cli(\%env, 'sync', '--location', 'loc_X', @FIELDS);
is $r->{rc}, 2, 'a location the token cannot see: exit 2';
write_file("$TMP/foreign.state", "phoneval-sync-state 1\nlocation loc_X\n");
$r = cli(\%env, 'sync', '--location', 'loc_S', @FIELDS, '--state',
         "$TMP/foreign.state");
is $r->{rc}, 2, 'a state file of another location: exit 2';

$r = cli({}, 'sync', '--help');
is $r->{rc}, 0, 'sync --help: exit 0';
like $r->{out}, qr/\Ausage: phoneval sync --location ID \[--stale-after AGE\] \[--state FILE\] \[--dry-run\] \[OPTIONS\]\n/,
    'sync --help: usage';
like $r->{out}, qr/^      --stale-after AGE +re-validate verdicts older than AGE\n +\(default 30d; units s m h d w\)$/m,
    'sync --help: sync\'s own options';
like $r->{out}, qr/^Exit status: 0 all done, 1 some items failed, 2 usage or configuration error\.\n\z/m,
    'sync --help: exit statuses';
is $r->{err}, '', 'sync --help: nothing on stderr';

# ---- interrupted twice, resumed: every contact exactly once ---------------

my $ghl2 = fields_sim('--rate', '100000/10');
my $bp2 = sim_start('byteplant', '--rate', '100000/60', '--latency', '25');
admin($ghl2, 'POST', '/_sim/contacts', [ map {
    { locationId => 'loc_S', firstName => "R$_", phone => sprintf('+1415555%04d', $_) }
} 1 .. 300 ]);
my %env2 = (%env, PHONEVAL_API_URL => $ghl2->{url},
            PHONEVAL_BYTEPLANT_URL => "$bp2->{url}/api/v2/verify");
my @args = ('sync', '--location', 'loc_S', @FIELDS, '--concurrency', '2',
            '--state', "$TMP/resume.state");

sub wait_puts {
    my ($sim, $n) = @_;
    my $t0 = time;
    while (time - $t0 < 20) {
        my $p = puts_by_id($sim);
        return scalar(keys %$p) if keys %$p >= $n;
        sleep 0.1;
    }
    return 0;
}

my ($pid, $err) = cli_bg(\%env2, @args);
cmp_ok wait_puts($ghl2, 40), '>=', 40, 'interrupt: the first run is writing';
kill 'INT', $pid;
waitpid $pid, 0;
is $? >> 8, 1, 'SIGINT: exit 1 (not all done)';
like slurp($err), qr/interrupted: run again with --state/, 'SIGINT: says how to resume';
my $after_int = keys %{ puts_by_id($ghl2) };
cmp_ok $after_int, '<', 300, 'SIGINT: stopped before the end';

($pid, $err) = cli_bg(\%env2, @args);
cmp_ok wait_puts($ghl2, $after_int + 60), '>', $after_int, 'the second run goes on';
kill 'KILL', $pid;
waitpid $pid, 0;
like slurp($err), qr/resuming from/, 'the second run resumed';
cmp_ok scalar(keys %{ puts_by_id($ghl2) }), '<', 300, 'SIGKILL: stopped before the end';

$r = cli(\%env2, @args, '--json');
is $r->{rc}, 0, 'the third run finishes';
$puts = puts_by_id($ghl2);
is scalar(keys %$puts), 300, 'resumed: every contact written';
is_deeply [ grep { $puts->{$_} != 1 } keys %$puts ], [],
    'resumed: no contact written twice';

# ---- both rate limits under pressure ----------------------------------------

my $ghl3 = fields_sim('--rate', '40/1');
my $bp3 = sim_start('byteplant', '--rate', '20/2');
admin($ghl3, 'POST', '/_sim/contacts', [ map {
    { locationId => 'loc_S', firstName => "P$_", phone => sprintf('+1650555%04d', $_) }
} 1 .. 50 ]);
admin($ghl3, 'POST', '/_sim/config', { force_429 => 2 });
$r = cli({ %env, PHONEVAL_API_URL => $ghl3->{url},
           PHONEVAL_BYTEPLANT_URL => "$bp3->{url}/api/v2/verify" },
         'sync', '--location', 'loc_S', @FIELDS, '--byteplant-rate', '25/2',
         '--concurrency', '8', '--backoff-cap', '2', '-v', '--json');
is $r->{rc}, 0, 'pressure: the run finishes';
$j = decode_json($r->{out});
is $j->{written}, 50, 'pressure: all fifty written';
is $j->{by_status}{VALID_CONFIRMED}, 50, 'pressure: all validated';
like $r->{err}, qr/highlevel: 429 on GET/, 'pressure: a 429 is retried (-v)';
unlike $r->{out}.$r->{err}, qr/\Q$TOKEN\E|\Q$KEY\E/,
    'pressure: -v never shows the token or the key';
like $r->{err}, qr/byteplant: (ratelimit_remain 0|.*RATE_LIMIT_EXCEEDED)/,
    'pressure: the provider\'s limit is honoured (-v)';
$puts = puts_by_id($ghl3);
is_deeply [ grep { $puts->{$_} != 1 } keys %$puts ], [], 'pressure: each contact once';
my @bplog = @{ admin($bp3, 'GET', '/_sim/log') };
cmp_ok max_in_window(2, map { iso_ms($_->{ts}) } @bplog), '<=', 25,
    'pressure: never more than --byteplant-rate 25/2';
my @ok = grep { $_->{answer}{body}{status} ne 'RATE_LIMIT_EXCEEDED' } @bplog;
is scalar(@ok), 50, 'pressure: one billed call per contact';
is scalar(grep { $_->{status} == 429 } @{ admin($ghl3, 'GET', '/_sim/log') }), 2,
    'pressure: no 429 beyond the forced ones (X-RateLimit-Remaining honoured)';

done_testing;
