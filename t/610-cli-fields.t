# phoneval fields: finding and creating the result custom fields, the
# phoneval_result lines, HighLevel's headers, the token from the
# environment or a file only, and 429 with back-off, against
# sandbox/contacts.

use strict;
use warnings;

use Test::More;
use FindBin;
use JSON::PP;
use Time::HiRes qw(time);
use lib "$FindBin::Bin/inc";
use PhonevalCli;        # $TMP $KEY $TOKEN sim_start admin cli write_file ...

# ---- tests ---------------------------------------------------------------

my $ghl = sim_start('contacts', '--rate', '1000/1', '--location', 'loc_F');
my %env = (PHONEVAL_GHL_TOKEN => $TOKEN, PHONEVAL_API_URL => $ghl->{url});

# nothing there yet

my $r = cli(\%env, 'fields', '--location', 'loc_F');
is $r->{rc}, 1, 'fields: exit 1 when fields are missing';
unlike $r->{out}, qr/phoneval_result/, 'fields: no line for a missing field';
like $r->{err}, qr/no custom field contact\.phone_validation_status .*--create/,
    'fields: says how to make them';

# --create

$r = cli(\%env, 'fields', '--location', 'loc_F', '--create');
is $r->{rc}, 0, 'fields --create: exit 0';
my %ids = $r->{out} =~ /^phoneval_result\s+(\w+)\s+(\S+) key:contact\.phone_\w+;$/mg;
is_deeply [sort keys %ids], [sort qw(status last_validated confidence line_type)],
    'fields --create: four phoneval_result lines';

my @posts = grep { $_->{method} eq 'POST' } @{ admin($ghl, 'GET', '/_sim/log') };
is scalar(@posts), 4, 'fields --create: four POSTs';
is $posts[0]{path}, '/locations/loc_F/customFields', 'fields --create: the route';
my %by_key = map { $_->{body}{fieldKey} => $_->{body} } @posts;
is $by_key{'contact.phone_confidence'}{dataType}, 'NUMERICAL',
    'fields --create: confidence is NUMERICAL';
is $by_key{'contact.phone_validation_status'}{dataType}, 'TEXT',
    'fields --create: status is TEXT';
is $by_key{'contact.phone_validation_status'}{model}, 'contact',
    'fields --create: model contact';
ok $by_key{'contact.phone_line_type'}{name}, 'fields --create: a name';

my $fields = admin($ghl, 'GET', '/_sim/state')->{customFields};
my %stored = map { $_->{fieldKey} => $_->{id} } values %$fields;
is $ids{status}, $stored{'contact.phone_validation_status'},
    'fields: the printed id is the stored one';

my $h = $posts[0]{headers};
my %hdr = map { lc($_) => $h->{$_} } keys %$h;
is $hdr{version}, '2021-07-28', 'HighLevel: Version header';
is $hdr{accept}, 'application/json', 'HighLevel: Accept header';
like $hdr{authorization}, qr/^Bearer \*+oken$/, 'HighLevel: Bearer token';

# again: found, nothing created

admin($ghl, 'POST', '/_sim/config', { force_429 => 0 });
my $before = @{ admin($ghl, 'GET', '/_sim/log') };
$r = cli(\%env, 'fields', '--location', 'loc_F', '--json');
is $r->{rc}, 0, 'fields --json: exit 0';
my $j = decode_json($r->{out});
is_deeply { map { $_->{item} => $_->{id} } @{ $j->{fields} } }, \%ids,
    'fields --json: the same ids';
ok !grep({ $_->{created} } @{ $j->{fields} }), 'fields --json: none created';
ok exists $j->{$_}, "fields --json: has $_"
    for qw(by_status provider_calls written failed);
my @after = @{ admin($ghl, 'GET', '/_sim/log') };
is scalar(@after) - $before, 1, 'fields: one GET, no POST';
is $after[-1]{query}{model}, 'contact', 'fields: ?model=contact';

# --field: other items and keys

$r = cli(\%env, 'fields', '--location', 'loc_F', '--create',
         '--field', 'status=key:contact.phone_validation_status',
         '--field', 'e164=key:phone_e164_result');
is $r->{rc}, 0, 'fields --field: exit 0';
like $r->{out}, qr/^phoneval_result\s+status\s+\Q$ids{status}\E key:contact\.phone_validation_status;$/m,
    'fields --field: an existing key is found';
my ($e164) = $r->{out} =~ /^phoneval_result\s+e164\s+(\S+) key:\S+;$/m;
ok $e164, 'fields --field: a new key is created';
my @log = @{ admin($ghl, 'GET', '/_sim/log') };
my ($post) = grep { $_->{method} eq 'POST' } @log[$before .. $#log];
is $post->{body}{fieldKey}, 'contact.phone_e164_result',
    'fields --field: with its key';

$r = cli(\%env, 'fields', '--location', 'loc_F', '--field', 'status=nope');
is $r->{rc}, 1, 'fields --field ID: an unknown id is an error';

$r = cli(\%env, 'fields', '--location', 'loc_F', '--field', "status=$ids{status}");
is $r->{rc}, 0, 'fields --field ID: a known id';
like $r->{out}, qr/^phoneval_result\s+status\s+\Q$ids{status}\E key:contact\.phone_validation_status;$/m,
    'fields --field ID: the line names the field\'s own key, not the id';

# the token

$r = cli({ PHONEVAL_API_URL => $ghl->{url} }, 'fields', '--location', 'loc_F');
is $r->{rc}, 2, 'no token: exit 2';
like $r->{err}, qr/PHONEVAL_GHL_TOKEN.*--token-file/, 'no token: says where it comes from';

my $tf = write_file("$TMP/token", "$TOKEN\n");
$r = cli({ PHONEVAL_API_URL => $ghl->{url} }, 'fields', '--location', 'loc_F',
         '--token-file', $tf, '-v');
is $r->{rc}, 0, '--token-file: works';
unlike $r->{out}.$r->{err}, qr/\Q$TOKEN\E/, 'the token is never printed, even with -v';

$r = cli({ PHONEVAL_API_URL => $ghl->{url} }, 'fields', '--location', 'loc_F',
         '--token-file', write_file("$TMP/token.open", "$TOKEN\n", 0644));
like $r->{err}, qr/readable by others/, '--token-file: warns about a world-readable file';

$r = cli({ %env, PHONEVAL_GHL_TOKEN => 'pit-wrong-token' }, 'fields',
         '--location', 'loc_F');
is $r->{rc}, 2, 'a refused token: exit 2';
like $r->{err}, qr/HTTP 401/, 'a refused token: the answer is shown';
unlike $r->{err}, qr/pit-wrong-token/, 'a refused token: not echoed';

for my $flag (['--token', $TOKEN], ["--token=$TOKEN"], ['--ghl-token', $TOKEN],
              ['--access-token', $TOKEN])
{
    $r = cli(\%env, 'fields', '--location', 'loc_F', @$flag);
    is $r->{rc}, 2, "$flag->[0] is refused";
    like $r->{err}, qr/never taken from the command line/, "$flag->[0]: says why";
    unlike $r->{err}, qr/\Q$TOKEN\E/, "$flag->[0]: not echoed";
}

$r = cli(\%env, 'fields', '--location', 'loc_NOPE');
is $r->{rc}, 2, 'a location the token cannot see: exit 2';
like $r->{err}, qr/403/, 'a location the token cannot see: 403 shown';

$r = cli(\%env, 'fields');
is $r->{rc}, 2, 'fields without --location: exit 2';

# 429: back-off, then success

admin($ghl, 'POST', '/_sim/config', { force_429 => 2 });
$before = @{ admin($ghl, 'GET', '/_sim/log') };
my $t0 = time;
$r = cli(\%env, 'fields', '--location', 'loc_F', '-v', '--json');
is $r->{rc}, 0, '429: retried and then answered';
like $r->{err}, qr/429 on GET \S+, retry 1\/5 in 1\.0 s \(interval\)/,
    '429: back-off from X-RateLimit-Interval-Milliseconds, visible with -v';
like $r->{err}, qr/retry 2\/5 in 2\.0 s/, '429: doubled on the next attempt';
@after = @{ admin($ghl, 'GET', '/_sim/log') };
is scalar(@after) - $before, 3, '429: two refused GETs and one answered';
cmp_ok time - $t0, '>=', 2.9, '429: waited 1 s then 2 s';
is decode_json($r->{out})->{rate_limit}{highlevel_retries}, 2,
    '429: retries in the report';

admin($ghl, 'POST', '/_sim/config', { force_429 => 9 });
$r = cli(\%env, 'fields', '--location', 'loc_F', '--retries', '1',
         '--backoff-cap', '1');
is $r->{rc}, 1, '429: bounded retries, then a failure (exit 1)';
like $r->{err}, qr/HTTP 429/, '429: reported';
admin($ghl, 'POST', '/_sim/reset');

$r = cli({}, 'fields', '--help');
like $r->{out}, qr/usage: phoneval fields --location ID \[--create\]/,
    'fields --help';

done_testing;
