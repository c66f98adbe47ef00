# phoneval check: the verdict table and --json, the Byteplant form, the
# run's cache, configuration sources, credentials never from argv, exit
# codes, and the Byteplant budget (--byteplant-rate and the provider's own
# RATE_LIMIT_EXCEEDED) against sandbox/byteplant.

use strict;
use warnings;

use Test::More;
use FindBin;
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(time);
use lib "$FindBin::Bin/inc";
use PhonevalCli;        # $TMP $KEY $TOKEN sim_start admin cli write_file ...

# ---- tests ---------------------------------------------------------------

my $bp = sim_start('byteplant', '--rate', '1000/60');
my %env = (PHONEVAL_BYTEPLANT_KEY => $KEY,
           PHONEVAL_BYTEPLANT_URL => "$bp->{url}/api/v2/verify");

# the table

my $r = cli(\%env, 'check', '--country', 'US', '+1 209 555 0142',
            '(209) 555-0142', '+1 209 555 01ab', '+1 209 559 999 00',
            '+49 172 8150130', '', '+12095550142');

is $r->{rc}, 0, 'check: exit 0 when every number has a verdict';
like $r->{out}, qr/^NUMBER\s+NORMALIZED\s+STATUS\s+LINE TYPE\s+E164\s+COUNTRY\s+CONFIDENCE/m,
    'check: table header';
like $r->{out}, qr/^\+1 209 555 0142\s+\+12095550142\s+VALID_CONFIRMED\s+MOBILE\s+\+12095550142\s+US\s+95\s*$/m,
    'check: an international number';
like $r->{out}, qr/^\(209\) 555-0142\s+2095550142 \(US\)\s+VALID_CONFIRMED\s+MOBILE\s+\+12095550142\s+US\s+95/m,
    'check: a national number gets the default country';
like $r->{out}, qr/^\+1 209 555 01ab\s+-\s+INVALID\s+-\s+-\s+-\s+0\s+\S/m,
    'check: letters are INVALID locally';
like $r->{out}, qr/^\+1 209 559 999 00\s+\+120955999900\s+INVALID\s+/m,
    'check: the provider says INVALID (magic 00)';
like $r->{out}, qr/^\+49 172 8150130\s+\+491728150130\s+VALID_CONFIRMED\s+MOBILE\s+\+491728150130\s+DE\s+95/m,
    'check: a German mobile';
like $r->{out}, qr/no phone/, 'check: an empty argument is no phone';
like $r->{err}, qr/provider calls 4, cache hits 1/,
    'check: summary counts calls and the duplicate as a cache hit';

my @log = @{ admin($bp, 'GET', '/_sim/log') };
is scalar(@log), 4, 'check: four provider calls (duplicate and local INVALID cost none)';
my ($national) = grep { $_->{form}{PhoneNumber} eq '2095550142' } @log;
ok $national, 'check: national number sent as digits';
is $national->{form}{CountryCode}, 'US', 'check: with CountryCode';
is $national->{method}, 'POST', 'check: POST form';
is $national->{form}{Mode}, 'extensive', 'check: Mode extensive by default';
is $national->{form}{Locale}, 'en-US', 'check: Locale';
is $national->{form}{Timeout}, '10', 'check: Timeout';
like $national->{form}{APIKey}, qr/cdef$/, 'check: the key travels in the form';
is_deeply $national->{query}, {}, 'check: nothing in the query string';
my ($intl) = grep { $_->{form}{PhoneNumber} eq '+12095550142' } @log;
ok !exists $intl->{form}{CountryCode}, 'check: no CountryCode with a +';
ok !grep({ $_->{form}{PhoneNumber} =~ /ab/ } @log),
    'check: the letters never reach the provider';

# a national number with no country at all: the provider's INVALID comes
# with a hint, and no country is made up

admin($bp, 'POST', '/_sim/reset');
$r = cli(\%env, 'check', '(209) 555-0142');
like $r->{out}, qr/^\(209\) 555-0142\s+2095550142\s+INVALID\s+.*no '\+' and no country sent: try --country\s*$/m,
    'check: no country, INVALID with a hint';
@log = @{ admin($bp, 'GET', '/_sim/log') };
ok !exists $log[0]{form}{CountryCode}, 'check: no country: no CountryCode sent';

# --json

admin($bp, 'POST', '/_sim/reset');
$r = cli(\%env, 'check', '--json', '--mode', 'express', '+1 209 555 0143',
         '+1 209 555 0143', '+1 209 559 999 01');
is $r->{rc}, 1, 'check --json: exit 1 when a number stays PENDING';
my $j = decode_json($r->{out});
is $j->{provider_calls}, 2, 'check --json: provider_calls';
is $j->{cache_hits}, 1, 'check --json: cache_hits';
is $j->{by_status}{VALID_UNCONFIRMED}, 2, 'check --json: by_status (express never confirms)';
is $j->{by_status}{PENDING}, 1, 'check --json: DELAYED is PENDING';
is $j->{failed}, 1, 'check --json: failed';
ok exists $j->{$_}, "check --json: has $_"
    for qw(written skipped elapsed_ms);
my ($first, undef, $delayed) = @{ $j->{results} };
is $first->{status}, 'VALID_UNCONFIRMED', 'check --json: status';
is $first->{e164}, '+12095550143', 'check --json: e164';
is $first->{confidence}, 60, 'check --json: confidence from the core';
like $first->{last_validated}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    'check --json: last_validated is ISO 8601 UTC';
is $delayed->{status}, 'PENDING', 'check --json: PENDING';
is $delayed->{confidence}, undef, 'check --json: PENDING has no confidence';
is $delayed->{last_validated}, undef, 'check --json: nor a time';
is admin($bp, 'GET', '/_sim/log')->[0]{form}{Mode}, 'express',
    'check: --mode express is sent';

# configuration: file, environment, flags

my $keyfile = write_file("$TMP/bp.key", "$KEY\n");
my $cfg = write_file("$TMP/config", <<"EOF");
# phoneval test configuration
country = GB
byteplant-url = $bp->{url}/api/v2/verify
byteplant_key_file = $keyfile
EOF
admin($bp, 'POST', '/_sim/reset');
$r = cli({}, 'check', '--config', $cfg, '020 7946 0018');
is $r->{rc}, 0, 'config file: URL, key file and country from it';
is admin($bp, 'GET', '/_sim/log')->[0]{form}{CountryCode}, 'GB',
    'config file: country = GB';

$r = cli({ PHONEVAL_COUNTRY => 'DE' }, 'check', '--config', $cfg,
         '--country', 'FR', '01 23 45 67 89');
is admin($bp, 'GET', '/_sim/log')->[1]{form}{CountryCode}, 'FR',
    'flags beat the environment, which beats the file';

mkdir "$TMP/home/.config";
mkdir "$TMP/home/.config/phoneval";
write_file("$TMP/home/.config/phoneval/config", "country = NL\n");
$r = cli(\%env, 'check', '0612345678');
is admin($bp, 'GET', '/_sim/log')->[2]{form}{CountryCode}, 'NL',
    'the default config file ~/.config/phoneval/config is read';
unlink "$TMP/home/.config/phoneval/config";

$r = cli({ %env, PHONEVAL_BYTEPLANT_URL => 'http://127.0.0.1:9/x' },
         'check', '--byteplant-url', "$bp->{url}/api/v2/verify", '+12095550142');
is $r->{rc}, 0, '--byteplant-url beats PHONEVAL_BYTEPLANT_URL';

# credentials and usage errors

$r = cli({ PHONEVAL_BYTEPLANT_URL => $env{PHONEVAL_BYTEPLANT_URL} },
         'check', '+12095550142');
is $r->{rc}, 2, 'no key: exit 2';
like $r->{err}, qr/PHONEVAL_BYTEPLANT_KEY/, 'no key: says where it comes from';

for my $flag ("--key=$KEY", '--byteplant-key', '--api-key', '--token') {
    $r = cli(\%env, 'check', split(/=/, $flag, 2), '+12095550142');
    is $r->{rc}, 2, "$flag is refused with exit 2";
    like $r->{err}, qr/never taken from the command line/,
        "$flag: says why";
    unlike $r->{err}.$r->{out}, qr/\Q$KEY\E/, "$flag: the value is not echoed";
}

$r = cli(\%env, 'check', '--config', write_file("$TMP/bad.cfg",
         "byteplant-key = $KEY\n"), '+12095550142');
is $r->{rc}, 2, 'a key in the config file is refused';
like $r->{err}, qr/never taken from the config file/, 'and says why';

$r = cli({ %env, PHONEVAL_BYTEPLANT_KEY => '' }, 'check', '-v',
         '--byteplant-key-file', $keyfile, '+12095550144', '+1 209 559 999 03');
is $r->{rc}, 1, 'a depleted key: exit 1';
like $r->{err}, qr/API_KEY_INVALID_OR_DEPLETED/, 'a depleted key is reported';
unlike $r->{out}.$r->{err}, qr/\Q$KEY\E/, 'the key is never printed, even with -v';

for my $bad ([['check'], 'no number'],
             [['check', '--country', 'USA', '1'], 'bad country'],
             [['check', '--mode', 'fast', '1'], 'bad mode'],
             [['check', '--byteplant-rate', '0/10', '1'], 'bad rate'],
             [['check', '--frobnicate', '1'], 'unknown option'],
             [['check', '--location', 'x', '1'], 'option of another command'],
             [['frobnicate'], 'unknown command'])
{
    $r = cli(\%env, @{ $bad->[0] });
    is $r->{rc}, 2, "usage error ($bad->[1]): exit 2";
}

$r = cli({}, 'check', '--help');
is $r->{rc}, 0, 'check --help: exit 0';
like $r->{out}, qr/usage: phoneval check/, 'check --help: usage';
like $r->{out}, qr/--byteplant-rate/, 'check --help: options';

# the budget: never more than --byteplant-rate in any window

admin($bp, 'POST', '/_sim/reset');
my @nums = map { sprintf '+1209555%04d', 200 + $_ } 1 .. 12;
my $t0 = time;
$r = cli(\%env, 'check', '--byteplant-rate', '5/2', '--concurrency', '4',
         @nums);
my $took = time - $t0;
is $r->{rc}, 0, 'budget 5/2: all twelve validated';
@log = @{ admin($bp, 'GET', '/_sim/log') };
is scalar(@log), 12, 'budget 5/2: twelve calls';
cmp_ok max_in_window(2, map { iso_ms($_->{ts}) } @log), '<=', 5,
    'budget 5/2: never more than 5 in any 2 s';
cmp_ok $took, '>=', 3.9, 'budget 5/2: twelve calls take two windows and more';

# the provider's limit: RATE_LIMIT_EXCEEDED waits ratelimit_seconds

my $tight = sim_start('byteplant', '--rate', '4/2');
HTTP::Tiny->new->post_form("$tight->{url}/api/v2/verify",
                           { PhoneNumber => '+12095550100', APIKey => $KEY })
    for 1 .. 4;            # someone else used this window up
@nums = map { sprintf '+1209555%04d', 300 + $_ } 1 .. 8;
$r = cli({ PHONEVAL_BYTEPLANT_KEY => $KEY,
           PHONEVAL_BYTEPLANT_URL => "$tight->{url}/api/v2/verify" },
         'check', '-v', '--json', '--byteplant-rate', '4/2', @nums);
is $r->{rc}, 0, 'RATE_LIMIT_EXCEEDED: the run still ends with every verdict';
$j = decode_json($r->{out});
is $j->{by_status}{VALID_CONFIRMED}, 8, 'RATE_LIMIT_EXCEEDED: eight verdicts';
cmp_ok $j->{rate_limit}{byteplant_retries}, '>=', 1,
    'RATE_LIMIT_EXCEEDED: the number was asked again';
like $r->{err}, qr/RATE_LIMIT_EXCEEDED, retry 1\/5 in \d+ s/,
    'RATE_LIMIT_EXCEEDED: visible with --verbose';
like $r->{err}, qr/byteplant: ratelimit_remain 0.*pausing/,
    'ratelimit_remain 0 pauses, visible with --verbose';
@log = grep { $_->{form}{PhoneNumber} ne '+12095550100' }
       @{ admin($tight, 'GET', '/_sim/log') };
cmp_ok max_in_window(2, map { iso_ms($_->{ts}) } @log), '<=', 4,
    'RATE_LIMIT_EXCEEDED: our own budget held too';

done_testing;
