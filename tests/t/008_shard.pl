# Proving across servers with PostgreSQL's own sharding: a coordinator and two shard
# servers, each a cluster on its own private socket.  The model registered on the
# coordinator goes to the shards with zkml_export_model_key / zkml_import_model_key (a
# superuser's COPY pipe, so the key file is in no statement and no log); applications and
# receipts are partitioned tables whose partitions are postgres_fdw foreign tables on the
# shards.  With enable_partitionwise_aggregate and async_capable, a GROUP BY shard runs
# zkml_prove_batch on both shards at once (their proofs' time ranges overlap), receipts
# verify on the coordinator, with the zkml command, and on the shards (zkml_verify pushed
# down), scores come from the shards through a view; a shard stopped mid-proof is an
# error on the coordinator and nothing is written.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use Time::Local qw(timegm);

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }

my $rows_per_shard = 256;
my $conf = join("\n",
	q{search_path = '"$user", public, zkml'},
	'zkml.max_threads = 1',                 # two shards and the coordinator on two cores
	# every statement that completes is logged with its text and duration: the shards'
	# proofs give their time ranges, and no statement may carry a key
	'log_statement = none', 'log_min_duration_statement = 0', '');
my $coord = PostgreSQL::Test::Cluster->new('coordinator');
my @shards = map { PostgreSQL::Test::Cluster->new("shard$_") } (1, 2);
foreach my $node ($coord, @shards)
{
	$node->init;
	$node->append_conf('postgresql.conf', $conf);
	$node->start;
}

# The model: mlp20, registered on the coordinator by its administrator.
my $mlp20 = slurp_file_text('tests/fixtures/mlp20.q.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/mlp20.rows.csv');
shift @rows;
$coord->safe_psql('postgres', qq{
CREATE EXTENSION zkml;
CREATE EXTENSION postgres_fdw;
CREATE ROLE lender LOGIN IN ROLE zkml_prover, zkml_auditor;
SELECT version FROM zkml.zkml_register_model('mlp20', \$doc\$$mlp20\$doc\$);
});
my $digest = $coord->safe_psql('postgres', q{SELECT digest FROM zkml.zkml_models WHERE name = 'mlp20'});
my $seed_hex = $coord->safe_psql('postgres',
	q{SELECT encode(substring(zkml.zkml_export_model_key('mlp20') FROM 9 FOR 32), 'hex')});
is(length($seed_hex), 64, 'the key file starts with its 32-byte seed');

# The key file to each shard: COPY out of the coordinator into COPY in on the shard, as
# superusers on both sides, then imported as the same version.
my $rows_values = join(",\n", map { my $i = $_; "('a' || lpad('$i', 4, '0'), '{$rows[$i % 16]}')" }
	(0 .. $rows_per_shard - 1));
foreach my $s (0, 1)
{
	my $shard = $shards[$s];
	my $n = $s + 1;
	$shard->safe_psql('postgres', q{CREATE EXTENSION zkml; CREATE ROLE lender LOGIN IN ROLE zkml_prover, zkml_auditor;});
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[ 'psql', '-X', '-q', '-A', '-t', '-d', $coord->connstr('postgres'),
		  '-c', q{COPY (SELECT zkml.zkml_export_model_key('mlp20', 1)) TO STDOUT} ],
		'|',
		[ 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', $shard->connstr('postgres'),
		  '-c', 'CREATE TEMP TABLE key_in (k bytea)', '-c', 'COPY key_in FROM STDIN',
		  '-c', q{SELECT version || ' ' || digest FROM key_in, zkml.zkml_import_model_key('mlp20', k, 1)} ],
		'>', \$out, '2>', \$err);
	ok($ok, "shard $n: the key file imported through a COPY pipe") or diag($err);
	is($out, "1 $digest\n", "shard $n: version 1, the coordinator's digest");
	$shard->safe_psql('postgres', qq{
CREATE TABLE applications (shard int NOT NULL, app_id text NOT NULL, features float8[] NOT NULL);
INSERT INTO applications SELECT $n, a, f::float8[] FROM (VALUES $rows_values) v(a, f);
CREATE TABLE receipts (shard int NOT NULL, receipt bytea NOT NULL);
-- the working pattern for what postgres_fdw cannot ship (STABLE functions, functions in
-- a scan's select list): views on the shard, read by the coordinator as foreign tables
CREATE VIEW applications_scored AS
    SELECT shard, app_id, zkml.zkml_score('mlp20', features) AS score FROM applications;
CREATE VIEW receipts_verified AS
    SELECT shard, receipt, zkml.zkml_verify(receipt) AS valid FROM receipts;
GRANT SELECT ON applications, applications_scored, receipts_verified TO lender;
GRANT SELECT, INSERT ON receipts TO lender;
});
}
is(join(',', map { $_->safe_psql('postgres', q{SELECT digest FROM zkml.zkml_models WHERE name = 'mlp20'}) } @shards),
	"$digest,$digest", 'the same model on all three servers');
# a failed import whose statement holds the key: the statement is left out of the log
my ($rc, $out, $err) = $shards[0]->psql('postgres',
	q{SELECT zkml.zkml_import_model_key('again', '\x} . $coord->safe_psql('postgres',
		q{SELECT encode(zkml.zkml_export_model_key('mlp20'), 'hex')}) . q{'::bytea)});
like($err, qr/already in the catalog, as model "mlp20" \(version 1\)/, 'a second import is refused');
foreach my $node ($coord, @shards)
{
	unlike(slurp_file_text($node->logfile), qr/$seed_hex/i, $node->name . ': no key in the server log');
}

# The coordinator: partitioned tables over the shards, the lender's user mappings.
my $coord_schema = q{
CREATE TABLE applications (shard int NOT NULL, app_id text NOT NULL, features float8[] NOT NULL)
    PARTITION BY LIST (shard);
CREATE TABLE receipts (shard int NOT NULL, receipt bytea NOT NULL) PARTITION BY LIST (shard);
CREATE TABLE applications_scored (shard int, app_id text, score float8) PARTITION BY LIST (shard);
CREATE TABLE receipts_verified (shard int, receipt bytea, valid bool) PARTITION BY LIST (shard);
CREATE TABLE proofs (shard int NOT NULL, receipt bytea NOT NULL);
GRANT SELECT, INSERT ON applications, receipts, applications_scored, receipts_verified, proofs TO lender;
};
foreach my $s (0, 1)
{
	my $n = $s + 1;
	my ($host, $port) = ($shards[$s]->host, $shards[$s]->port);
	$coord_schema .= qq{
CREATE SERVER shard$n FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$host', port '$port', dbname 'postgres', extensions 'zkml', async_capable 'true');
-- trust on a private socket here; over a network, a password or a certificate
CREATE USER MAPPING FOR lender SERVER shard$n OPTIONS (user 'lender', password_required 'false');
};
	foreach my $t ('applications', 'receipts', 'applications_scored', 'receipts_verified')
	{
		$coord_schema .= "CREATE FOREIGN TABLE ${t}_$n PARTITION OF $t FOR VALUES IN ($n)"
		  . " SERVER shard$n OPTIONS (table_name '$t');\n";
	}
}
$coord->safe_psql('postgres', $coord_schema);
sub as_lender
{
	my ($sql) = @_;
	return $coord->safe_psql('postgres', "SET enable_partitionwise_aggregate = on;\n$sql",
		extra_params => ['-U', 'lender']);
}

# Proofs by shard: the aggregate runs on each shard, both at once.
my $prove = q{INSERT INTO proofs SELECT shard, zkml.zkml_prove_batch('mlp20', app_id, features ORDER BY app_id)
FROM applications GROUP BY shard};
my $plan = as_lender("EXPLAIN VERBOSE $prove");
is(scalar(() = $plan =~ /Async Foreign Scan/g), 2, 'EXPLAIN: two asynchronous foreign scans');
is(scalar(() = $plan =~ /Remote SQL: SELECT shard, zkml\.zkml_prove_batch\('mlp20'::text, app_id, features ORDER BY app_id ASC NULLS LAST\) FROM public\.applications GROUP BY 1/g),
	2, 'EXPLAIN: the aggregate runs on each shard') or diag($plan);

# Each shard's proof ran in the FETCH of its cursor: the log gives when it ended and how
# long it took.
sub proof_ranges
{
	my ($node, $from) = @_;
	my @ranges;
	foreach my $line (split /\n/, substr(slurp_file_text($node->logfile), $from))
	{
		next unless $line =~ /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+\.\d+) UTC \[\d+\] (?:\S+ )?LOG:  duration: ([\d.]+) ms  statement: FETCH/;
		my $end = timegm(int($6), $5, $4, $3, $2 - 1, $1) + ($6 - int($6));
		push @ranges, [ $end - $7 / 1000, $end ];
	}
	return @ranges;
}
my @log_from = map { -s $_->logfile } @shards;
as_lender($prove);
my @r1 = proof_ranges($shards[0], $log_from[0]);
my @r2 = proof_ranges($shards[1], $log_from[1]);
is(scalar(@r1) . ' ' . scalar(@r2), '1 1', 'one proving FETCH on each shard');
ok($r1[0][0] < $r2[0][1] && $r2[0][0] < $r1[0][1], 'both shards were proving at the same time')
  or diag(sprintf('shard 1 %.3f..%.3f, shard 2 %.3f..%.3f', @{ $r1[0] }, @{ $r2[0] }));

# Every receipt: the coordinator's digest, the shard's rows, valid on the coordinator.
is(as_lender(q{SELECT shard, zkml.zkml_receipt_info(receipt)->>'model_digest',
    (zkml.zkml_receipt_info(receipt)->>'rows')::int, zkml.zkml_verify(receipt)
    FROM proofs ORDER BY shard}),
	"1|$digest|$rows_per_shard|t\n2|$digest|$rows_per_shard|t", 'each receipt: the digest, its rows, valid on the coordinator');
is(as_lender(q{SELECT count(*) FROM proofs p, zkml.zkml_receipt_rows(p.receipt) r
    JOIN applications a ON a.app_id = r.row_key AND a.features = r.features
    WHERE a.shard = p.shard}), 2 * $rows_per_shard, 'each receipt holds its shard\'s rows, keys and features');

# ... and with the zkml command, from files.
my $dir = PostgreSQL::Test::Utils::tempdir;
sub write_hex { my ($path, $hex) = @_; open(my $h, '>:raw', $path) or die "$path: $!"; print $h pack('H*', $hex); close $h; }
write_hex("$dir/mlp20.pub", $coord->safe_psql('postgres', q{SELECT encode(zkml.zkml_model_public('mlp20'), 'hex')}));
foreach my $n (1, 2)
{
	write_hex("$dir/shard$n.receipt",
		$coord->safe_psql('postgres', "SELECT encode(receipt, 'hex') FROM proofs WHERE shard = $n"));
	command_like([ 'zkml', 'verify', '--public', "$dir/mlp20.pub", '--receipt', "$dir/shard$n.receipt" ],
		qr/valid/, "zkml verify: the receipt of shard $n");
}

# Receipts stored on the shards, verified there: zkml_verify against the coordinator's
# descriptor (an init plan's parameter) inside a pushed-down aggregate.  A damaged receipt
# on shard 2 counts as invalid.
as_lender(q{INSERT INTO receipts SELECT shard, receipt FROM proofs});
# the first row key's first byte ("a" of "a0000"): magic 8, digest 32, four u32, the key's
# u32 length, then the key
$shards[1]->safe_psql('postgres', q{INSERT INTO receipts
    SELECT shard, overlay(receipt PLACING 'b'::bytea FROM 61) FROM receipts});
my $verify = q{SELECT shard, count(*), count(*) FILTER (WHERE zkml.zkml_verify(receipt, (SELECT zkml.zkml_model_public('mlp20'))))
FROM receipts GROUP BY shard ORDER BY shard};
$plan = as_lender("EXPLAIN VERBOSE $verify");
is(scalar(() = $plan =~ /Remote SQL: SELECT shard, count\(\*\), count\(\*\) FILTER \(WHERE zkml\.zkml_verify\(receipt, \$1::bytea\)\)/g),
	2, 'EXPLAIN: zkml_verify runs on each shard') or diag($plan);
is(as_lender($verify), "1|1|1\n2|2|1", 'verified on the shards: the damaged receipt is not valid');
is(as_lender(q{SELECT shard, valid FROM receipts_verified ORDER BY shard, valid}), "1|t\n2|f\n2|t",
	'through the shards\' view, against their own catalogs');
# Scores from the shards' view equal the coordinator's own.
is(as_lender(q{SELECT count(*), count(*) FILTER (WHERE s.score = zkml.zkml_score('mlp20', a.features))
    FROM applications_scored s JOIN applications a USING (shard, app_id)}),
	(2 * $rows_per_shard) . '|' . (2 * $rows_per_shard), 'scores computed on the shards equal the coordinator\'s');

# A shard stopped in the middle of its proof: the coordinator's statement fails with the
# shard's error, and nothing of it is written anywhere.
my $receipts_before = as_lender(q{SELECT count(*) FROM proofs}) . '/' . as_lender(q{SELECT count(*) FROM receipts});
my ($bg_out, $bg_err) = ('', '');
my $bg = IPC::Run::start(
	[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $coord->connstr('postgres') . ' user=lender',
	  '-c', 'SET enable_partitionwise_aggregate = on',
	  '-c', "WITH made AS ($prove RETURNING shard, receipt) INSERT INTO receipts SELECT * FROM made" ],
	'>', \$bg_out, '2>', \$bg_err);
my $proving = q{SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'FETCH%'};
my $waited = 0;
until (($shards[0]->safe_psql('postgres', $proving) eq '1' && $shards[1]->safe_psql('postgres', $proving) eq '1')
	  || $waited++ > 3000)
{
	usleep(10_000);
}
ok($waited <= 3000, 'both shards are proving');
$shards[1]->stop('fast');
$bg->finish;
isnt($bg->result, 0, 'the coordinator\'s statement fails');
like($bg_err, qr/terminating connection due to administrator command|server closed the connection|could not receive data/,
	'with the shard\'s error') or diag($bg_err);
like($bg_err, qr/remote SQL command: SELECT shard, zkml\.zkml_prove_batch/, 'naming the remote proof it stopped');
$shards[1]->start;
is(as_lender(q{SELECT count(*) FROM proofs}) . '/' . as_lender(q{SELECT count(*) FROM receipts}),
	$receipts_before, 'nothing written, on the coordinator or on the shards');
# The shard back, proving goes on.
as_lender($prove);
is(as_lender(q{SELECT count(*), count(*) FILTER (WHERE zkml.zkml_verify(receipt)) FROM proofs}), '4|4',
	'with the shard back, both shards prove again');

done_testing();
