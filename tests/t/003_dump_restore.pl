# pg_dump of a lender's database (models, versions, an imported verify-only model, batch
# and single receipts), restored into a new cluster: every receipt still verifies there,
# the models, digests and scores are the same, proving works, and new versions follow the
# restored ones.  And receipts cross between SQL and the zkml command both ways.
use strict;
use warnings;
use File::Temp qw(tempdir);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }
sub slurp_file_bytes { my ($f) = @_; open(my $h, '<:raw', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }
sub write_bytes { my ($f, $b) = @_; open(my $h, '>:raw', $f) or die "$f: $!"; print $h $b; close $h; }

my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my $mlp20 = slurp_file_text('tests/fixtures/mlp20.q.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/lr20.rows.csv');
shift @rows;
my $values = join(",\n", map { "('{$_}'::float8[])" } @rows);

my $lender = PostgreSQL::Test::Cluster->new('lender');
$lender->init;
$lender->append_conf('postgresql.conf', "search_path = '\"\$user\", public, zkml'\n");
$lender->start;
$lender->safe_psql('postgres', 'CREATE DATABASE lender');
$lender->safe_psql('lender', qq{
CREATE EXTENSION zkml;
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
SELECT version FROM zkml_register_model('mlp20', \$doc\$$mlp20\$doc\$);
CREATE TABLE apps (id text, day date, x float8[]);
INSERT INTO apps SELECT 'app-' || n, date '2026-11-20' + (n % 2)::int, x
FROM (SELECT row_number() OVER () AS n, x FROM (VALUES $values) v(x)) s;
CREATE TABLE receipts (day date, r bytea);
INSERT INTO receipts SELECT day, zkml_prove_batch('lr20', id, x ORDER BY id) FROM apps GROUP BY day;
INSERT INTO receipts SELECT NULL, zkml_prove('mlp20', x, id) FROM apps LIMIT 3;
INSERT INTO receipts SELECT NULL, zkml_prove('lr20', x, 'version 2') FROM apps LIMIT 1;
});
# a receipt of version 1 of lr20, and a verify-only model imported from elsewhere
$lender->safe_psql('postgres', 'CREATE DATABASE other');
$lender->safe_psql('other', qq{
CREATE EXTENSION zkml;
SELECT version FROM zkml_register_model('partner', \$doc\$$lr20\$doc\$);
});
my $partner_pub = $lender->safe_psql('other', q{SELECT encode(zkml_model_public('partner'), 'hex')});
my $partner_rct = $lender->safe_psql('other', qq{SELECT encode(zkml_prove('partner', '{$rows[0]}'), 'hex')});
$lender->safe_psql('lender', qq{
SELECT name FROM zkml_import_model_public('partner', decode('$partner_pub', 'hex'));
INSERT INTO receipts VALUES (NULL, decode('$partner_rct', 'hex'));
});

my $models_q = q{SELECT string_agg(name || ':' || version || ':' || digest || ':' || verify_only, ','
    ORDER BY name, version) FROM zkml_models};
my $scores_q = q{SELECT string_agg(id || '=' || zkml_score('lr20', x) || '/' || zkml_score('mlp20', x),
    ',' ORDER BY id) FROM apps};
my $models = $lender->safe_psql('lender', $models_q);
my $scores = $lender->safe_psql('lender', $scores_q);
is($lender->safe_psql('lender', 'SELECT count(*), bool_and(zkml_verify(r)) FROM receipts'), '7|t',
	'the lender: seven receipts, all valid');

my $dir = tempdir(CLEANUP => 1);
$lender->command_ok(['pg_dump', '-Fc', '-f', "$dir/lender.dump", '-d', $lender->connstr('lender')],
	'pg_dump of the lender database');

my $restored = PostgreSQL::Test::Cluster->new('restored');
$restored->init;
$restored->append_conf('postgresql.conf', "search_path = '\"\$user\", public, zkml'\n");
$restored->start;
$restored->safe_psql('postgres', 'CREATE DATABASE lender');
$restored->command_ok(['pg_restore', '--exit-on-error', '-d', $restored->connstr('lender'),
	"$dir/lender.dump"], 'pg_restore into a new cluster');

is($restored->safe_psql('lender', $models_q), $models, 'restored: the same models, versions and digests');
is($restored->safe_psql('lender', 'SELECT count(*), bool_and(zkml_verify(r)) FROM receipts'), '7|t',
	'restored: every receipt verifies');
is($restored->safe_psql('lender', $scores_q), $scores, 'restored: the same scores');
is($restored->safe_psql('lender', q{SELECT zkml_verify(zkml_prove('mlp20', x, 'after')) FROM apps LIMIT 1}),
	't', 'restored: a new proof verifies');
is($restored->safe_psql('lender', qq{SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$)}),
	'3', 'restored: registering again gives the next version');
is($restored->safe_psql('lender', q{SELECT zkml_verify(r) FROM receipts WHERE day IS NULL
	AND zkml_receipt_info(r)->>'context' = 'version 2'}), 't',
	'restored: a receipt of version 2 verifies after version 3 exists');

# SQL -> zkml command: the receipt and the descriptor as files
my $hex = $lender->safe_psql('lender', q{SELECT encode(r, 'hex') FROM receipts WHERE day = '2026-11-20'});
write_bytes("$dir/batch.receipt", pack('H*', $hex));
$hex = $lender->safe_psql('lender', q{SELECT encode(zkml_model_public('lr20', 2), 'hex')});
write_bytes("$dir/lr20.pub", pack('H*', $hex));
command_like(['zkml', 'verify', '--public', "$dir/lr20.pub", '--receipt', "$dir/batch.receipt"],
	qr/^valid/, 'a receipt of zkml_prove_batch verifies with the zkml command');

# zkml command -> SQL: keygen, public, prove; imported and verified in SQL
command_ok(['zkml', 'keygen', '--model', 'tests/fixtures/lr20.q.json', '--out', "$dir/cli.key"],
	'zkml keygen');
command_ok(['zkml', 'public', '--key', "$dir/cli.key", '--out', "$dir/cli.pub"], 'zkml public');
command_ok(['zkml', 'prove', '--key', "$dir/cli.key", '--input', 'tests/fixtures/lr20.rows.csv',
	'--context', 'from the command', '--out', "$dir/cli.receipt"], 'zkml prove');
my $cli_pub = unpack('H*', slurp_file_bytes("$dir/cli.pub"));
my $cli_rct = unpack('H*', slurp_file_bytes("$dir/cli.receipt"));
is($restored->safe_psql('lender', qq{
	SELECT name FROM zkml_import_model_public('cli', decode('$cli_pub', 'hex'));
	SELECT zkml_verify(decode('$cli_rct', 'hex'))}), "cli\nt",
	'a receipt of the zkml command verifies in SQL');
my @expected = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/lr20.expected.csv');
shift @expected;
is($restored->safe_psql('lender', qq{SELECT string_agg((score * 32768)::int::text, ',')
	FROM zkml_receipt_rows(decode('$cli_rct', 'hex'))}), join(',', @expected),
	'zkml_receipt_rows of the command\'s receipt: the expected outputs');

$lender->stop;
$restored->stop;
done_testing();
