# A backend that dies during a proof: pg_terminate_backend, and SIGKILL (the server
# reinitialises).  Afterwards, and after a restart, the catalog is intact: the same models
# with the same digests, receipts made before still verify, new proofs work, and the rows
# of the killed transactions are gone.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "search_path = '\"\$user\", public, zkml'\nzkml.threads = 2\nrestart_after_crash = on\n");
$node->start;

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }

my $m64 = slurp_file_text('tests/fixtures/mlp64.q.json');
my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/mlp64.rows.csv');
shift @rows;
my $values = join(",\n", map { "('{$_}'::float8[])" } @rows);

$node->safe_psql('postgres', qq{
CREATE EXTENSION zkml;
SELECT version FROM zkml_register_model('m64', \$doc\$$m64\$doc\$);
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
CREATE TABLE rows16 (x float8[]);
INSERT INTO rows16 VALUES $values;
CREATE TABLE big AS SELECT i, x FROM rows16, generate_series(1, 64) i;
CREATE TABLE receipts (what text, r bytea);
INSERT INTO receipts SELECT 'before', zkml_prove('lr20', x[1:20], 'before') FROM rows16 LIMIT 2;
});

my $catalog_query = q{SELECT string_agg(name || ':' || version || ':' || digest, ',' ORDER BY name, version)
    FROM zkml_models};
my $catalog = $node->safe_psql('postgres', $catalog_query);

# The state after a backend died: catalog, old receipts, a new proof, no rows of the dead
# transaction.
sub check_intact
{
	my ($when) = @_;
	is($node->safe_psql('postgres', $catalog_query), $catalog, "$when: the same models and digests");
	is($node->safe_psql('postgres', q{SELECT count(*) FROM zkml.model_secrets}), '2',
		"$when: the weights of both models are there");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FILTER (WHERE what = 'before' AND zkml_verify(r)), count(*) FROM receipts}),
		'2|2', "$when: receipts made before verify; rows of the killed transaction are gone");
	is($node->safe_psql('postgres',
			q{SELECT zkml_verify(zkml_prove('m64', x)) FROM rows16 LIMIT 1}),
		't', "$when: a new proof verifies");
}

# Start a long proof in a transaction that has already written a row; return the session
# and its backend's pid once the proof is under way.
sub start_long_proof
{
	my $bg = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $bg->query_safe('SELECT pg_backend_pid()');
	$bg->query_until(qr/go/, "\\echo go\n"
		  . "BEGIN; INSERT INTO receipts VALUES ('killed', '\\x00');\n"
		  . "SELECT length(zkml_prove_batch('m64', i::text || x::text, x)) FROM big;\n");
	$node->poll_query_until('postgres', qq{SELECT state = 'active' AND query LIKE '%zkml_prove_batch%'
		FROM pg_stat_activity WHERE pid = $pid}) or die 'the proof did not start';
	usleep(1_000_000);
	return ($bg, $pid);
}

# pg_terminate_backend: the backend ends at the proof's next safe point, nothing else does
my ($bg, $pid) = start_long_proof();
my $postmaster_start = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid")
  or die 'the backend did not end';
eval { $bg->quit; };
check_intact('after pg_terminate_backend');
ok(!$node->log_contains('terminated by signal'), 'pg_terminate_backend: no backend crashed');

# SIGKILL: the postmaster treats it as a crash and reinitialises every process
($bg, $pid) = start_long_proof();
my $log_offset = -s $node->logfile;
kill 'KILL', $pid;
$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
ok($node->log_contains('all server processes terminated; reinitializing', $log_offset),
	'SIGKILL: the server reinitialised');
eval { $bg->quit; };
check_intact('after SIGKILL');

$node->restart;
check_intact('after a restart');

$node->stop;
done_testing();
