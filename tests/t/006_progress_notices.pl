# zkml.log_progress: each phase's NOTICE names the group it proves, the model with its
# version and the first and last row keys of a keyed batch, so that the notices of a
# query proving many groups can be told apart.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub slurp_file_text { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }

my $lr20 = slurp_file_text('tests/fixtures/lr20.q.json');
my @rows = grep { /\d/ } split /\n/, slurp_file_text('tests/fixtures/lr20.rows.csv');
shift @rows;
my $n = 0;
my $values = join(",\n", map { $n++; "('app-$n', " . ($n <= 3 ? "'day 1'" : "'day 2'") . ", '{$_}'::float8[])" } @rows[0 .. 5]);

my $node = PostgreSQL::Test::Cluster->new('progress');
$node->init;
$node->append_conf('postgresql.conf', "search_path = '\"\$user\", public, zkml'\n");
$node->start;
$node->safe_psql('postgres', qq{
CREATE EXTENSION zkml;
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
SELECT version FROM zkml_register_model('lr20', \$doc\$$lr20\$doc\$);
CREATE TABLE apps (id text, day text, x float8[]);
INSERT INTO apps VALUES $values;
});

my ($stdout, $stderr);
$node->psql('postgres', q{
SET zkml.log_progress = on;
SELECT day, length(zkml_prove_batch('lr20@1', id, x ORDER BY id)) > 0 FROM apps GROUP BY day ORDER BY day;
}, stdout => \$stdout, stderr => \$stderr, on_error_die => 1);
like($stderr, qr/NOTICE:  zkml: model "lr20\@1", rows "app-1" to "app-3", 3 rows, witness: \d+ ms/,
	'a phase of the first group names the model, its version and the group\'s keys');
like($stderr, qr/NOTICE:  zkml: model "lr20\@1", rows "app-4" to "app-6", 3 rows, openings: \d+ ms/,
	'the second group\'s notices name its own keys');

$node->psql('postgres', q{
SET zkml.log_progress = on;
SELECT length(zkml_prove('lr20', x)) > 0 FROM apps WHERE id = 'app-1';
}, stdout => \$stdout, stderr => \$stderr, on_error_die => 1);
like($stderr, qr/NOTICE:  zkml: model "lr20\@2", 1 row, witness: \d+ ms/,
	'a single row\'s notices name the current version it was proven with');

$node->stop;
done_testing();
