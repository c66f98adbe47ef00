# phoneval import: CSV (RFC 4180, common column names) and JSON lines,
# each phone validated before the create, results as custom fields, the
# report file, duplicates, never a blind retry of a create (5xx, a
# connection lost after sending), 429 retried, and field case H2: an
# upsert that matched another contact by email is read back and reported.

use strict;
use warnings;

use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

# ---- the helpers every t/6*-cli-*.t carries (kept in step by hand) -------

my $ROOT = "$FindBin::Bin/..";
my $BIN  = "$ROOT/build/phoneval";

plan skip_all => "build/phoneval is missing: run \"make cli\" first"
    unless -x $BIN;
plan skip_all => "the simulators need /usr/bin/python3 with phonenumbers"
    unless system("/usr/bin/python3 -c 'import phonenumbers' 2>/dev/null")
           == 0;

my $TMP = tempdir("phoneval-cli-XXXXXX", TMPDIR => 1, CLEANUP => 1);
my $KEY = "pv-0123456789abcdef0123456789abcdef";
my $TOKEN = "pit-sandbox-token";
my (@SIMS, $N);

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

# ---- tests ---------------------------------------------------------------

my $ghl = sim_start('contacts', '--rate', '1000/1', '--location', 'loc_I',
    '--field', 'contact.phone_validation_status:cfStatus',
    '--field', 'contact.phone_last_validated:cfLast',
    '--field', 'contact.phone_confidence:cfConf:NUMERICAL',
    '--field', 'contact.phone_line_type:cfLine',
    '--field', 'contact.company_size:cfSize');
my $bp = sim_start('byteplant', '--rate', '1000/60');
my %env = (PHONEVAL_GHL_TOKEN => $TOKEN, PHONEVAL_API_URL => $ghl->{url},
           PHONEVAL_BYTEPLANT_KEY => $KEY,
           PHONEVAL_BYTEPLANT_URL => "$bp->{url}/api/v2/verify");

sub contacts_by { my ($k) = @_;
    return { map { ($_->{$k} // '') => $_ } @{ admin($ghl, 'GET', '/_sim/contacts') } } }
sub cf { my ($c) = @_; return { map { $_->{id} => $_->{value} } @{ $c->{customFields} || [] } } }
sub read_csv_report {
    my ($path) = @_;
    open my $fh, '<', $path or return [];
    local $/;
    my $text = <$fh>;
    my @rows = map { [ split /,/, $_, 5 ] } split /\r\n/, $text;
    return \@rows;
}

# ---- CSV --------------------------------------------------------------

my $csv = write_file("$TMP/contacts.csv", join "\r\n",
    'First Name,Last Name,E-mail,Phone Number,Country,Company,Tags,Notes,Size',
    'Ada,Lovelace,ada@example.com,+1 209 555 0142,US,"Analytical Engines, Ltd.","vip; import",,12',
    '"Bob ""the"" Builder",Smith,bob@example.com,(514) 555-0142,CA,Bob & Co,,"two',
    'lines",',
    'Cy,Letters,cy@example.com,+1 209 555 01ab,US,,,,',
    'Di,Magic,di@example.com,+1 209 559 999 00,US,,,,',
    'Ed,NoPhone,ed@example.com,,US,,,,',
    '',
    'Fay,Dup,ada@example.com,+1 209 555 0150,US,,,,',
    "Gus,National,gus\@example.com,2095550160,,,,,\r\n");

my $report = "$TMP/report.csv";
my $r = cli(\%env, 'import', $csv, '--location', 'loc_I', '--country', 'US',
            '--map', 'Size=key:contact.company_size', '--report', $report,
            '--json');
is $r->{rc}, 1, 'import csv: exit 1 (a duplicate failed)';
my $j = decode_json($r->{out});
is $j->{rows}, 7, 'import csv: seven rows (the blank line is not one)';
is $j->{created}, 6, 'import csv: six created';
is $j->{duplicates}, 1, 'import csv: one duplicate';
is $j->{written}, 6, 'import csv: written';
is $j->{failed}, 1, 'import csv: failed';
is $j->{provider_calls}, 5, 'import csv: five provider calls (letters cost none)';
is_deeply $j->{by_status}, { VALID_CONFIRMED => 4, VALID_UNCONFIRMED => 0,
                             INVALID => 2, PENDING => 0 },
    'import csv: by_status';
is $j->{no_phone}, 1, 'import csv: one row without a phone';

my $c = contacts_by('email');
my $ada = $c->{'ada@example.com'};
is $ada->{phone}, '+12095550142', 'csv: Ada imported';
is $ada->{companyName}, 'Analytical Engines, Ltd.', 'csv: a quoted comma';
is_deeply $ada->{tags}, ['vip', 'import'], 'csv: tags split';
is_deeply cf($ada), { cfStatus => 'VALID_CONFIRMED', cfConf => 95,
                      cfLine => 'MOBILE', cfSize => '12',
                      cfLast => cf($ada)->{cfLast} },
    'csv: results written as custom fields, --map key: column too';
like cf($ada)->{cfLast}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    'csv: last_validated ISO 8601';
is $c->{'bob@example.com'}{firstName}, 'Bob "the" Builder', 'csv: a doubled quote';
is $c->{'bob@example.com'}{phone}, '+15145550142', 'csv: national number with its country';
is cf($c->{'cy@example.com'})->{cfStatus}, 'INVALID', 'csv: letters: INVALID';
is cf($c->{'cy@example.com'})->{cfConf}, 0, 'csv: INVALID has confidence 0';
is cf($c->{'di@example.com'})->{cfStatus}, 'INVALID', 'csv: provider INVALID';
is_deeply $c->{'ed@example.com'}{customFields}, [], 'csv: no phone, no results';
is cf($c->{'gus@example.com'})->{cfStatus}, 'VALID_CONFIRMED', 'csv: default country';
ok !$c->{'ada@example.com'}{Notes} && !grep({ /two/ } map { $_->{firstName} } values %$c),
    'csv: an unknown column is not sent';

my @bplog = @{ admin($bp, 'GET', '/_sim/log') };
my %sent = map { $_->{form}{PhoneNumber} => $_->{form}{CountryCode} // '' } @bplog;
is $sent{'5145550142'}, 'CA', 'csv: the row country is the CountryCode';
is $sent{'2095550160'}, 'US', 'csv: else --country';
ok !grep({ /ab/ } keys %sent), 'csv: letters never sent to the provider';

my $rows = read_csv_report($report);
is_deeply $rows->[0], ['line', 'contact_id', 'reason', 'phone', 'email'],
    'report: header';
is scalar(@$rows), 2, 'report: one failed row';
is $rows->[1][0], 9, 'report: the line number of the row';
is $rows->[1][1], $ada->{id}, 'report: the contact it duplicates';
like $rows->[1][2], qr/duplicate of contact \Q$ada->{id}\E matching email/,
    'report: the reason';

# ---- JSON lines --------------------------------------------------------

my $jsonl = write_file("$TMP/contacts.jsonl", join "\n",
    '{"firstName":"Hal","email":"hal@example.com","phone":"+44 20 7946 0018","tags":["jsonl"],"customFields":[{"key":"contact.company_size","field_value":"3"}]}',
    '{"firstName":"Ivy","email":"ivy@example.com","phone":2095550170}',
    'not json',
    '{"firstName":"Jo","email":"jo@example.com","phone":"+1 209 555 0171","customFields":[{"id":"cfStatus","field_value":"SPOOFED"}]}',
    '');
$r = cli(\%env, 'import', $jsonl, '--location', 'loc_I', '--country', 'US',
         '--report', $report);
is $r->{rc}, 1, 'import jsonl: exit 1 (a bad line)';
$c = contacts_by('email');
is cf($c->{'hal@example.com'})->{cfSize}, '3', 'jsonl: the row\'s own custom field kept';
is cf($c->{'hal@example.com'})->{cfLine}, 'FIXED_LINE', 'jsonl: results added';
is cf($c->{'ivy@example.com'})->{cfStatus}, 'VALID_CONFIRMED', 'jsonl: a phone as a JSON number';
is cf($c->{'jo@example.com'})->{cfStatus}, 'VALID_CONFIRMED', 'jsonl: a sent status is replaced';
my ($jo) = grep { ($_->{body}{firstName} // '') eq 'Jo' } @{ admin($ghl, 'GET', '/_sim/log') };
is scalar(grep { ($_->{id} // '') eq 'cfStatus' } @{ $jo->{body}{customFields} }), 1,
    'jsonl: never two entries for one field';
$rows = read_csv_report($report);
is $rows->[1][0], 3, 'jsonl: the bad line is in the report';
like $rows->[1][2], qr/not a JSON object/, 'jsonl: with why';

# ---- never a blind retry of a create --------------------------------------

my @ids = ('--field', 'status=cfStatus', '--field', 'confidence=cfConf');
my $one = write_file("$TMP/one.jsonl", qq({"firstName":"Kay","email":"kay\@example.com","phone":"+12095550173"}\n));

admin($ghl, 'POST', '/_sim/config', { force => [ { status => 502 } ] });
my $before = @{ admin($ghl, 'GET', '/_sim/log') };
$r = cli(\%env, 'import', $one, '--location', 'loc_I', @ids, '--report', $report);
is $r->{rc}, 1, '502 on create: exit 1';
my @log = @{ admin($ghl, 'GET', '/_sim/log') };
is scalar(grep { $_->{method} eq 'POST' } @log[$before .. $#log]), 1,
    '502 on create: sent once, not retried';
like read_csv_report($report)->[1][2], qr/unknown outcome: HTTP 502/,
    '502 on create: reported as an unknown outcome';

admin($ghl, 'POST', '/_sim/config', { force_429 => 1 });
$before = @log;
$r = cli(\%env, 'import', $one, '--location', 'loc_I', @ids);
is $r->{rc}, 0, '429 on create: retried, created';
@log = @{ admin($ghl, 'GET', '/_sim/log') };
is_deeply [ map { $_->{status} } grep { $_->{method} eq 'POST' } @log[$before .. $#log] ],
    [429, 201], '429 on create: not processed, so safe to send again';

# a server that reads the request and hangs up without an answer
my $srv = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                LocalPort => 0, ReuseAddr => 1) or die $!;
my $count = "$TMP/hangup.count";
my $hang = fork // die;
if (!$hang) {
    while (my $s = $srv->accept) {
        my $buf = '';
        while ($buf !~ /\r\n\r\n/) { sysread($s, $buf, 4096, length $buf) or last }
        my ($len) = $buf =~ /Content-Length:\s*(\d+)/i;
        my ($head) = $buf =~ /^(.*?\r\n\r\n)/s;
        sysread($s, $buf, 4096, length $buf)
            while defined $len && length($buf) < length($head) + $len;
        open my $fh, '>>', $count;
        print $fh (split /\r\n/, $buf)[0], "\n";
        close $fh;
        close $s;
    }
    POSIX::_exit(0);
}
push @SIMS, $hang;
$r = cli({ %env, PHONEVAL_API_URL => 'http://127.0.0.1:' . $srv->sockport },
         'import', $one, '--location', 'loc_I', @ids, '--report', $report);
is $r->{rc}, 1, 'connection lost after sending: exit 1';
open my $cf, '<', $count;
my @hits = <$cf>;
is_deeply \@hits, ["POST /contacts/ HTTP/1.1\n"],
    'connection lost after sending: the create went out once';
like read_csv_report($report)->[1][2],
    qr/unknown outcome: network error: .* not retried/,
    'connection lost after sending: an unknown outcome, not retried';

# ---- H2: an upsert that matched someone else by email ----------------------

my ($ca, $cb) = @{ admin($ghl, 'POST', '/_sim/contacts', [
    { locationId => 'loc_I', firstName => 'A', email => 'person1@example.com' },
    { locationId => 'loc_I', firstName => 'B', phone => '+12095550199' } ]) };
my $h2 = write_file("$TMP/h2.jsonl", join "\n",
    '{"firstName":"Test","email":"person1@example.com","phone":"+12095550199"}',
    '{"firstName":"Lu","email":"lu@example.com","phone":"+1 209 555 0174"}', '');
$before = @{ admin($ghl, 'GET', '/_sim/log') };
$r = cli(\%env, 'import', $h2, '--location', 'loc_I', '--upsert',
         '--report', $report, '--json');
is $r->{rc}, 1, 'H2: exit 1';
$j = decode_json($r->{out});
is $j->{not_attached}, 1, 'H2: one phone not attached';
is $j->{created}, 1, 'H2: the other row created';
$rows = read_csv_report($report);
is $rows->[1][0], 1, 'H2: the row';
like $rows->[1][2], qr/phone not attached \(matched contact \Q$ca->{id}\E by email/,
    'H2: phone not attached (matched contact by email)';
@log = @{ admin($ghl, 'GET', '/_sim/log') };
@log = @log[$before .. $#log];
is scalar(grep { $_->{method} eq 'POST' && $_->{path} eq '/contacts/upsert' } @log), 2,
    'H2: POST /contacts/upsert';
ok grep({ $_->{method} eq 'GET' && $_->{path} eq "/contacts/$ca->{id}" } @log),
    'H2: the contact is read back';
my ($fix) = grep { $_->{method} eq 'PUT' } @log;
is $fix->{path}, "/contacts/$ca->{id}", 'H2: the wrong results are cleared';
$c = contacts_by('firstName');
is_deeply $c->{Test}{customFields}, [], 'H2: contact A carries no verdict for a phone it lacks';
ok !$c->{Test}{phone}, 'H2: and has no phone';
is $c->{B}{phone}, '+12095550199', 'H2: B keeps its phone';
is_deeply $c->{B}{customFields}, [], 'H2: B untouched';
is cf($c->{Lu})->{cfStatus}, 'VALID_CONFIRMED', 'H2: a normal upsert is fine';

# ---- usage -------------------------------------------------------------

$r = cli(\%env, 'import', "$TMP/missing.csv", '--location', 'loc_I');
is $r->{rc}, 2, 'a missing file: exit 2';
$r = cli(\%env, 'import', "$TMP/contacts.txt", '--location', 'loc_I');
is $r->{rc}, 2, 'an unknown format: exit 2';
$r = cli(\%env, 'import', $csv);
is $r->{rc}, 2, 'no --location: exit 2';
$r = cli(\%env, 'import', $csv, '--location', 'loc_I', '--map', 'Phone=mobile');
is $r->{rc}, 2, 'a --map to an unknown field: exit 2';
$r = cli({ %env, PHONEVAL_BYTEPLANT_KEY => '' }, 'import', $csv,
         '--location', 'loc_I');
is $r->{rc}, 2, 'no Byteplant key: exit 2';
$r = cli(\%env, 'import', $one, '--location', 'loc_I', '--field', 'status=key:nope');
is $r->{rc}, 2, 'a field key the location lacks: exit 2 before any create';

done_testing;
