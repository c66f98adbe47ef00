# Configurations nginx accepts but that deserve a warning from nginx -t.
# Startup warnings go to stderr, not to a Test::Nginx error.log, so this
# runs nginx -t itself (plain Test::More, the same under either harness).

use strict;
use warnings;

use Cwd ();
use File::Temp qw(tempdir);
use Test::More;

my $top = Cwd::cwd();
my $so = $ENV{TEST_NGINX_PHONEVAL_SO}
         || "$top/build/ngx_http_phoneval_module.so";
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $tmp = tempdir('phoneval-warn-XXXXXX', TMPDIR => 1, CLEANUP => 1);

plan skip_all => "no module at $so (make module)" unless -f $so;

mkdir "$tmp/logs" or die "$tmp/logs: $!";

sub nginx_t {
    my ($http) = @_;
    my $path = "$tmp/nginx.conf";
    open my $fh, '>', $path or die "$path: $!";
    print $fh "load_module $so;\nevents {}\nhttp {\n$http\n}\n";
    close $fh;
    my $out = `$nginx -p $tmp/ -e $tmp/logs/error.log -c $path -t 2>&1`;
    return ($? >> 8, $out);
}

my $location = <<'_EOC_';
        phoneval         on;
        phoneval_pass    /_pv;
        phoneval_api_key pv-test-key-0042;
        phoneval_result  status cf_S;
_EOC_

my ($rc, $out) = nginx_t(<<"_EOC_");
    phoneval_zone zone=pv_a:1m rate=10r/300s;
    phoneval_zone zone=pv_b:1m rate=10r/300s;
    server {
        listen 127.0.0.1:1;
        location /contacts/ {
$location        }
        location /cached/ {
$location            phoneval_cache pv_b;
        }
    }
_EOC_
is $rc, 0, 'several zones: nginx -t accepts it';
my @warn = $out =~ /^(.*\[warn\].*)$/mg;
is scalar(@warn), 1, 'several zones: one warning, for the location '
                     . 'without phoneval_cache' or diag($out);
like $warn[0] // '', qr/\[warn\] "phoneval" is on with several "phoneval_zone" and no "phoneval_cache" naming one: provider calls here have no budget in \S+:\d+$/,
     'several zones: the warning says why and where';

($rc, $out) = nginx_t(<<"_EOC_");
    phoneval_zone zone=pv_a:1m rate=10r/300s;
    server {
        listen 127.0.0.1:1;
        location /contacts/ {
$location        }
    }
_EOC_
is $rc, 0, 'one zone: nginx -t accepts it';
unlike $out, qr/\[warn\]/, 'one zone: its budget applies, no warning';

done_testing();
