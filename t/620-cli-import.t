# phoneval import: CSV (RFC 4180, common column names) and JSON lines,
# each phone validated before the create, results as custom fields, the
# report file, duplicates, never a blind retry of a create (5xx, a
# connection lost after sending), 429 retried, and field case H2: an
# upsert that matched another contact by email is read back and reported.
# --via-gateway, through a real nginx with build/ngx_http_phoneval_module.so:
# no Byteplant call from the CLI, the gateway's results stored and counted,
# its 422 (reject) reported per row, its 503 (on_error reject) retried
# after Retry-After, its 400 a row failure, H2 repaired through it.

use strict;
use warnings;

use Test::More;
use FindBin;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use lib "$FindBin::Bin/inc";
use PhonevalCli qw(:DEFAULT @SIMS);   # @SIMS: the gateway is stopped too

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
    my (@rows, @row);
    # RFC 4180: quoted fields may hold commas, quotes ("") and line breaks
    while ($text =~ /\G(?:"((?:[^"]|"")*)"|([^",\r\n]*))(,|\r\n|\z)/gc) {
        my ($quoted, $plain, $sep) = ($1, $2, $3);
        push @row, defined $quoted ? $quoted =~ s/""/"/gr : $plain;
        next if $sep eq ',';
        push @rows, [ @row ];
        @row = ();
        last if pos($text) >= length $text;
    }
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
$r = cli({}, 'import', '--help');
like $r->{out}, qr/--via-gateway +--api-url is a phoneval gateway/, 'import --help: --via-gateway';
$r = cli(\%env, 'import', $one, '--location', 'loc_I', '--via-gateway', '--normalize');
is $r->{rc}, 2, '--via-gateway with --normalize: exit 2';
like $r->{err}, qr/phoneval_normalize on/, '--via-gateway with --normalize: says where it belongs';

# ---- --via-gateway, straight at the Contacts API: the CLI writes nothing --

my $bp_before = @{ admin($bp, 'GET', '/_sim/log') };
my $zed = write_file("$TMP/zed.jsonl", qq({"firstName":"Zed","email":"zed\@example.com","phone":"+12095550180"}\n));
$r = cli({ %env, PHONEVAL_BYTEPLANT_KEY => '' }, 'import', $zed,
         '--location', 'loc_I', '--via-gateway', '--json');
is $r->{rc}, 0, 'via-gateway without a gateway: no Byteplant key needed';
is scalar(@{ admin($bp, 'GET', '/_sim/log') }), $bp_before,
    'via-gateway: no Byteplant call';
is_deeply contacts_by('email')->{'zed@example.com'}{customFields}, [],
    'via-gateway: the CLI writes no result field';
$j = decode_json($r->{out});
ok $j->{via_gateway}, 'via-gateway: in the report';
is $j->{verdicts_not_read}, 1, 'via-gateway: no verdict in the answer, counted as such';
like $r->{err}, qr/verdicts written by the gateway \(1 not in the answers\)/,
    'via-gateway: the summary says so';

# ---- --via-gateway through nginx with the module ---------------------------

my $NGINX  = $ENV{NGINX_BIN} || '/usr/sbin/nginx';
my $MODULE = "$ROOT/build/ngx_http_phoneval_module.so";

SKIP: {
skip "$NGINX or build/ngx_http_phoneval_module.so (make module) is missing", 1
    unless -x $NGINX && -f $MODULE;

my $gct = sim_start('contacts', '--rate', '1000/1', '--location', 'loc_G',
    '--allow-duplicates',
    '--field', 'contact.phone_validation_status:cfStatus',
    '--field', 'contact.phone_last_validated:cfLast',
    '--field', 'contact.phone_confidence:cfConf:NUMERICAL',
    '--field', 'contact.phone_line_type:cfLine',
    '--field', 'contact.phone_e164:cfE164');
my $gbp = sim_start('byteplant', '--rate', '1000/60');

# three servers: annotate; phoneval_action reject; phoneval_on_error reject
# with a budget of one call per 2 s (its own zone), so a second new phone
# finds none and gets the 503
my $G = "$TMP/gateway";
mkdir $G;
mkdir "$G/tmp";
write_file("$G/byteplant.key", "$KEY\n", 0600);
my %port;

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1) or die $!;
    my $p = $s->sockport;
    close $s;
    return $p;
}

sub port_open {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $_[0],
                                  Timeout => 1);
    return defined $s;
}

my $nginx_pid;
for my $try (1 .. 3) {
    %port = (annotate => free_port(), reject => free_port(),
             unavailable => free_port());
    my $user = $> == 0 ? 'user root;' : '';
    write_file("$G/nginx.conf", <<"CONF");
load_module $MODULE;
$user
worker_processes 1;
daemon off;
pid $G/nginx.pid;
error_log $G/error.log warn;

events {
    worker_connections 256;
}

http {
    client_body_temp_path $G/tmp/client_body;
    proxy_temp_path       $G/tmp/proxy;
    fastcgi_temp_path     $G/tmp/fastcgi;
    uwsgi_temp_path       $G/tmp/uwsgi;
    scgi_temp_path        $G/tmp/scgi;
    access_log            $G/access.log;

    phoneval_zone zone=phoneval:1m rate=1000r/60s;
    phoneval_zone zone=scarce:1m rate=1r/2s;

    upstream contacts_api {
        server 127.0.0.1:$gct->{port};
        keepalive 8;
    }

    upstream byteplant_api {
        server 127.0.0.1:$gbp->{port};
        keepalive 8;
    }

    proxy_http_version 1.1;
    proxy_set_header   Connection "";
    proxy_set_header   Host \$proxy_host;

    phoneval_pass            /_phoneval;
    phoneval_api_key_file    $G/byteplant.key;
    phoneval_default_country US;
    phoneval_cache           phoneval;
    phoneval_result          status          cfStatus;
    phoneval_result          last_validated  cfLast;
    phoneval_result          confidence      cfConf;
    phoneval_result          line_type       cfLine;
    phoneval_result          e164            cfE164;

    server {
        listen 127.0.0.1:$port{annotate};
        include $ROOT/sandbox/nginx/contacts_locations.conf.in;
    }

    server {
        listen 127.0.0.1:$port{reject};
        phoneval_action reject;
        include $ROOT/sandbox/nginx/contacts_locations.conf.in;
    }

    server {
        listen 127.0.0.1:$port{unavailable};
        phoneval_on_error reject;
        phoneval_cache    scarce;
        include $ROOT/sandbox/nginx/contacts_locations.conf.in;
    }
}
CONF
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', "$G/nginx.out";
        open STDERR, '>&', \*STDOUT;
        exec($NGINX, '-p', "$G/", '-e', "$G/error.log", '-c', "$G/nginx.conf")
            or POSIX::_exit(127);
    }
    my $t0 = time;
    sleep 0.05 until (port_open($port{annotate}) && port_open($port{reject})
                      && port_open($port{unavailable}))
                     || waitpid($pid, POSIX::WNOHANG()) == $pid
                     || time - $t0 > 10;
    if (kill 0, $pid and port_open($port{annotate})) {
        $nginx_pid = $pid;
        push @SIMS, $pid;
        last;
    }
    kill 'TERM', $pid;
    waitpid $pid, 0;
}
ok $nginx_pid, 'the gateway runs' or do {
    diag `cat $G/error.log $G/nginx.out 2>/dev/null`;
    skip 'no gateway', 1;
};

my %gw = (PHONEVAL_GHL_TOKEN => $TOKEN,
          PHONEVAL_API_URL => "http://127.0.0.1:$port{annotate}",
          # the CLI could reach Byteplant (the gateway's simulator) but has
          # no key and must not call it
          PHONEVAL_BYTEPLANT_URL => "$gbp->{url}/api/v2/verify");
sub gw_contacts { return { map { ($_->{email} // '') => $_ }
                           @{ admin($gct, 'GET', '/_sim/contacts') } } }

# -- annotate: every phone validated by the gateway, none by the CLI --

my $gcsv = write_file("$TMP/gw.csv", join "\n",
    'First Name,Email,Phone,Country',
    'Ann,ann@g.example,+1 209 555 0142,US',
    'Ben,ben@g.example,(514) 555-0142,CA',
    'Cat,cat@g.example,+1 209 555 01ab,US',
    'Dan,dan@g.example,+1 209 559 999 00,US',
    'Eve,eve@g.example,,US',
    'Fay,fay@g.example,+1 209 555 0142,US',
    'Gus,gus@g.example,2095550160,', '');
$r = cli(\%gw, 'import', $gcsv, '--location', 'loc_G', '--via-gateway',
         '--json');
is $r->{rc}, 0, 'gateway csv: exit 0' or diag $r->{err};
$j = decode_json($r->{out});
is $j->{created}, 7, 'gateway csv: seven created';
is $j->{provider_calls}, 0, 'gateway csv: no provider call by the CLI';
is_deeply $j->{by_status}, { VALID_CONFIRMED => 4, VALID_UNCONFIRMED => 0,
                             INVALID => 2, PENDING => 0 },
    'gateway csv: the verdicts the gateway wrote, read from the answers';
is $j->{no_phone}, 1, 'gateway csv: one row without a phone';
like $r->{err}, qr/verdicts written by the gateway: VALID_CONFIRMED 4, VALID_UNCONFIRMED 0, INVALID 2, PENDING 0, no phone 1/,
    'gateway csv: the summary';

my @gbplog = @{ admin($gbp, 'GET', '/_sim/log') };
is scalar(@gbplog), 4,
    'gateway csv: Byteplant calls = distinct phones (a repeat is the gateway\'s cache hit, letters cost none)';
ok !grep({ ($_->{headers}{'User-Agent'} // '') =~ /phoneval/ } @gbplog),
    'gateway csv: every call came from the gateway';
my %gsent = map { $_->{form}{PhoneNumber} => $_->{form}{CountryCode} // '' } @gbplog;
is $gsent{'5145550142'}, 'CA', 'gateway csv: the row country reached the gateway';

$c = gw_contacts();
my $ann = cf($c->{'ann@g.example'});
is_deeply $ann, { cfStatus => 'VALID_CONFIRMED', cfConf => 95, cfLine => 'MOBILE',
                  cfE164 => '+12095550142', cfLast => $ann->{cfLast} },
    'gateway csv: the gateway\'s result fields are stored';
like $ann->{cfLast}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'gateway csv: last_validated';
is cf($c->{'cat@g.example'})->{cfStatus}, 'INVALID', 'gateway csv: letters INVALID';
is cf($c->{'dan@g.example'})->{cfStatus}, 'INVALID', 'gateway csv: provider INVALID';
is cf($c->{'fay@g.example'})->{cfStatus}, 'VALID_CONFIRMED', 'gateway csv: a repeated phone';
is cf($c->{'gus@g.example'})->{cfStatus}, 'VALID_CONFIRMED', 'gateway csv: the gateway\'s default country';
is_deeply $c->{'eve@g.example'}{customFields}, [], 'gateway csv: no phone, no results';

# -- upsert through the gateway: H2 read back and repaired, a 400 --------

# HighLevel drops a phone that belongs to another contact only where
# duplicates are not allowed
admin($gct, 'POST', '/_sim/config', { allow_duplicates => JSON::PP::false });

my ($ga, $gb) = @{ admin($gct, 'POST', '/_sim/contacts', [
    { locationId => 'loc_G', firstName => 'A', email => 'p1@g.example' },
    { locationId => 'loc_G', firstName => 'B', phone => '+12095550199' } ]) };
my $gh2 = write_file("$TMP/gw-h2.jsonl", join "\n",
    '{"firstName":"Test","email":"p1@g.example","phone":"+12095550199"}',
    '{"firstName":"Lu","email":"lu@g.example","phone":"+1 209 555 0174"}',
    '{"firstName":"Bad","email":"bad@g.example","phone":"+12095550175","customFields":"nope"}', '');
$before = @{ admin($gct, 'GET', '/_sim/log') };
$r = cli(\%gw, 'import', $gh2, '--location', 'loc_G', '--via-gateway',
         '--upsert', '--report', $report, '--json');
is $r->{rc}, 1, 'gateway H2: exit 1';
$j = decode_json($r->{out});
is $j->{not_attached}, 1, 'gateway H2: one phone not attached';
is $j->{created}, 1, 'gateway H2: the normal row created';
$rows = read_csv_report($report);
@$rows = ($rows->[0], sort { $a->[0] <=> $b->[0] } @$rows[1 .. $#$rows]);
is scalar(@$rows), 3, 'gateway H2: two failed rows';
like $rows->[1][2], qr/phone not attached \(matched contact \Q$ga->{id}\E by email/,
    'gateway H2: the row that matched another contact';
is $rows->[2][0], 3, 'gateway 400: the row';
like $rows->[2][2], qr/^HTTP 400: "customFields" must be an array$/,
    'gateway 400: a row failure with the gateway\'s message';
@log = @{ admin($gct, 'GET', '/_sim/log') };
@log = @log[$before .. $#log];
($fix) = grep { $_->{method} eq 'PUT' } @log;
is $fix->{path}, "/contacts/$ga->{id}", 'gateway H2: the matched contact is written again';
ok exists $fix->{body}{phone} && !defined $fix->{body}{phone},
    'gateway H2: with its own phone (none)';
ok !grep({ ($_->{body}{firstName} // '') eq 'Bad' } @log),
    'gateway 400: nothing reached the Contacts API';
$c = gw_contacts();
is_deeply $c->{'p1@g.example'}{customFields}, [],
    'gateway H2: the gateway cleared the verdict of a phone it lacks';
ok !$c->{'p1@g.example'}{phone}, 'gateway H2: and it still has no phone';
is cf($c->{'lu@g.example'})->{cfStatus}, 'VALID_CONFIRMED', 'gateway H2: a normal upsert';

# -- phoneval_action reject: each 422 is the row's failure -----------------

$gcsv = write_file("$TMP/gw-reject.csv", join "\n",
    'First Name,Email,Phone',
    'Ivy,ivy@g.example,+1 209 555 01ab',
    'Jon,jon@g.example,+1 209 559 999 00',
    'Kim,kim@g.example,+1 209 555 0177', '');
$before = @{ admin($gct, 'GET', '/_sim/log') };
$r = cli({ %gw, PHONEVAL_API_URL => "http://127.0.0.1:$port{reject}" },
         'import', $gcsv, '--location', 'loc_G', '--via-gateway',
         '--report', $report, '--json');
is $r->{rc}, 1, 'gateway 422: exit 1';
$j = decode_json($r->{out});
is $j->{created}, 1, 'gateway 422: the valid row created';
is $j->{failed}, 2, 'gateway 422: two rows failed';
$rows = read_csv_report($report);
@$rows = ($rows->[0], sort { $a->[0] <=> $b->[0] } @$rows[1 .. $#$rows]);
is_deeply [ map { $_->[0] } @$rows[1 .. $#$rows] ], [2, 3], 'gateway 422: per row';
is $rows->[1][2], 'rejected by the gateway: HTTP 422: phone: INVALID (phone: contains letters or other invalid characters); not imported',
    'gateway 422: the message, with the reason of a local INVALID';
is $rows->[2][2], 'rejected by the gateway: HTTP 422: phone: INVALID; not imported',
    'gateway 422: the message of a provider INVALID';
@log = @{ admin($gct, 'GET', '/_sim/log') };
is_deeply [ map { $_->{body}{firstName} } grep { $_->{method} eq 'POST' } @log[$before .. $#log] ],
    ['Kim'], 'gateway 422: the rejected rows never reached the Contacts API';

# -- phoneval_on_error reject: the 503 is retried after Retry-After ---------

$gcsv = write_file("$TMP/gw-503.csv", join "\n",
    'First Name,Email,Phone',
    'Lee,lee@g.example,+1 209 555 0181',
    'May,may@g.example,+1 209 555 0182', '');
my %gw503 = (%gw, PHONEVAL_API_URL => "http://127.0.0.1:$port{unavailable}");
$before = @{ admin($gct, 'GET', '/_sim/log') };
$r = cli(\%gw503, 'import', $gcsv, '--location', 'loc_G', '--via-gateway',
         '--concurrency', '1', '--verbose', '--json');
is $r->{rc}, 0, 'gateway 503: retried, exit 0' or diag $r->{err};
$j = decode_json($r->{out});
is $j->{created}, 2, 'gateway 503: both created';
is $j->{rate_limit}{highlevel_retries}, 1, 'gateway 503: one retry';
my ($wait) = $r->{err} =~ /line 3: 503 from the gateway .*retry 1\/5 in ([\d.]+) s \(Retry-After\)/;
ok defined $wait && $wait >= 1, 'gateway 503: the retry waits for Retry-After'
    or diag $r->{err};
ok $j->{elapsed_ms} >= 1000 * ($wait // 1), 'gateway 503: and it did wait';
@log = @{ admin($gct, 'GET', '/_sim/log') };
is scalar(grep { $_->{method} eq 'POST' } @log[$before .. $#log]), 2,
    'gateway 503: refused before forwarding: each create reached the API once';
is cf(gw_contacts()->{'may@g.example'})->{cfStatus}, 'VALID_CONFIRMED',
    'gateway 503: validated on the retry';

# the window is used again at once: with --retries 0 the 503 stays
write_file("$TMP/gw-503b.csv", "Name,Email,Phone\nNia,nia\@g.example,+1 209 555 0183\n");
$r = cli(\%gw503, 'import', "$TMP/gw-503b.csv", '--location', 'loc_G',
         '--via-gateway', '--retries', '0', '--report', $report);
is $r->{rc}, 1, 'gateway 503 outlasting --retries: exit 1';
like read_csv_report($report)->[1][2],
    qr/^phone validation unavailable at the gateway \(HTTP 503: phone validation is unavailable, retry later\) after 1 attempts; not imported, safe to import again/,
    'gateway 503 outlasting --retries: reported, safe to import again';
ok !gw_contacts()->{'nia@g.example'}, 'gateway 503 outlasting --retries: not created';

# -- no status field id: "validated by the gateway" -------------------------

my $oli = write_file("$TMP/gw-oli.jsonl", qq({"firstName":"Oli","email":"oli\@g.example","phone":"+12095550184"}\n));
$r = cli(\%gw, 'import', $oli, '--location', 'loc_G', '--via-gateway',
         '--field', 'status=key:nope', '--json');
is $r->{rc}, 0, 'gateway, status field unknown: exit 0';
like $r->{err}, qr/no custom field with key nope/, 'gateway, status field unknown: a warning';
like $r->{err}, qr/verdicts: validated by the gateway, no phone 0/,
    'gateway, status field unknown: "validated by the gateway"';
$j = decode_json($r->{out});
ok exists $j->{by_status} && !defined $j->{by_status},
    'gateway, status field unknown: by_status null in the report';
is cf(gw_contacts()->{'oli@g.example'})->{cfStatus}, 'VALID_CONFIRMED',
    'gateway, status field unknown: the gateway wrote it all the same';

ok !grep({ ($_->{headers}{'User-Agent'} // '') =~ /phoneval/ }
         @{ admin($gbp, 'GET', '/_sim/log') }),
    'gateway: no Byteplant call ever came from the CLI';
}

done_testing;
