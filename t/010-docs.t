# The complete configurations the docs print (README's minimal one and the
# production example of docs/directives.md) pass nginx -t, so a user who
# copies them starts from something that works.  Only what this machine
# cannot have is replaced: the host names (no DNS here), the key file, the
# certificate and the log directory.
#
# Plain Test::More: it needs no Test::Nginx block, so it runs the same
# under the bundled harness and upstream's.

use strict;
use warnings;

use Cwd ();
use File::Temp qw(tempdir);
use Test::More;

my $top = Cwd::cwd();
my $so = $ENV{TEST_NGINX_PHONEVAL_SO}
         || "$top/build/ngx_http_phoneval_module.so";
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $tmp = tempdir('phoneval-docs-XXXXXX', TMPDIR => 1, CLEANUP => 1);

plan skip_all => "no module at $so (make module)" unless -f $so;

# the first ```nginx block after the line matching $after
sub nginx_block {
    my ($file, $after) = @_;
    open my $fh, '<', $file or die "$file: $!";
    my ($seen, $in, $text) = (!defined $after, 0, '');
    while (my $l = <$fh>) {
        if (!$seen) {
            $seen = $l =~ $after;
            next;
        }
        if (!$in) {
            $in = $l =~ /^```nginx\s*$/;
            next;
        }
        return $text if $l =~ /^```\s*$/;
        $text .= $l;
    }
    die "$file: no nginx block" . (defined $after ? " after $after" : '');
}

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

# an nginx built from source keeps its pid file under the prefix
mkdir "$tmp/logs" or die "$tmp/logs: $!";

write_file("$tmp/byteplant.key", "docs-test-key\n");
chmod 0600, "$tmp/byteplant.key";

sub localize {
    my ($conf) = @_;
    my $crt = "$top/t/data/docs-test.crt";
    my $key = "$top/t/data/docs-test.key";

    $conf =~ s{\bmodules/ngx_http_phoneval_module\.so}{$so}g;
    $conf =~ s{/etc/nginx/byteplant\.key}{$tmp/byteplant.key}g;
    $conf =~ s{/etc/nginx/gateway\.crt}{$crt}g;
    $conf =~ s{/etc/nginx/gateway\.key}{$key}g;
    $conf =~ s{/etc/ssl/certs/ca-certificates\.crt}{$crt}g;
    $conf =~ s{/var/log/nginx/}{$tmp/}g;
    $conf =~ s{\b(?:services\.leadconnectorhq\.com|api\.phone-validator\.net)\b}
              {127.0.0.1}g;
    return $conf;
}

sub nginx_t {
    my ($name, $conf) = @_;
    my $path = "$tmp/$name.conf";
    write_file($path, localize($conf));
    my $out = `$nginx -p $tmp/ -e $tmp/error.log -c $path -t 2>&1`;
    my $rc = $?;
    is($rc, 0, "$name: nginx -t accepts it") or diag($out);
    unlike($out, qr/\[(?:emerg|alert|crit|warn)\]/,
           "$name: no warning from nginx -t") or diag($out);
}

my $readme = nginx_block("$top/README.md");
like($readme, qr/^\s*phoneval\s+on;/m, 'README: the block is the gateway');
nginx_t('readme', $readme);

my $example = nginx_block("$top/docs/directives.md",
                          qr/^## Example configuration/);
like($example, qr/^\s*events\s*\{/m, 'directives.md: a whole nginx.conf');
nginx_t('directives-example', $example);

done_testing();
