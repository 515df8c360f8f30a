#!/usr/bin/env bash
# bench/sql_shard.sh: rows per second proven by zkml_prove_batch from a coordinator whose
# applications table is partitioned over shard servers (postgres_fdw foreign partitions,
# extensions 'zkml', async_capable, enable_partitionwise_aggregate), against the same
# rows proven on one server without postgres_fdw.  Three throwaway servers on this
# machine (run as root, like tools/test.sh; zkml must be installed), each on its own
# socket, each at its default thread count (one per core, at most 8): the shards share
# the machine's cores, so the figures show what the coordinator and postgres_fdw cost,
# not what more machines gain.
#
#   local      ROWS rows in one receipt, on the coordinator, from a local table
#   1 shard    ROWS rows in one receipt, proven on shard 1 (the aggregate pushed down)
#   2 shards   ROWS / 2 rows on each shard, one receipt each, both shards at once
#
# ZKML_SHARD_ROWS (default 2048) sets ROWS.  Prints "name value" lines: milliseconds
# (median of 3 runs, each in a new session) and rows per second.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
ROWS=${ZKML_SHARD_ROWS:-2048}
zkml_require_root
zkml_install_packages >/dev/null
zkml_sandbox

# The coordinator is the sandbox's server (zkml_cluster_start); the shards get their
# own data directories and sockets, stopped with it.
shard_stop_all() {
    local status=$? n
    for n in 1 2; do
        if [ -f "$ZKML_SANDBOX/shard$n/postmaster.pid" ]; then
            zkml_as_user pg_ctl -D "$ZKML_SANDBOX/shard$n" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
    (exit "$status")
    zkml_cleanup
}
trap shard_stop_all EXIT

zkml_cluster_start >/dev/null
for n in 1 2; do
    zkml_as_user mkdir "$ZKML_SANDBOX/sock$n"
    zkml_as_user initdb -D "$ZKML_SANDBOX/shard$n" --auth=trust --no-locale --encoding=UTF8 \
        --no-sync >/dev/null
    zkml_as_user "${ZKML_SERVER_ENV[@]}" pg_ctl -D "$ZKML_SANDBOX/shard$n" -l "$ZKML_SANDBOX/shard$n.log" -w -t 60 \
        -o "-c listen_addresses='' -k '$ZKML_SANDBOX/sock$n' -p $ZKML_PORT -c fsync=off" \
        start >/dev/null
done
on_coord() { zkml_as_user psql -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }
on_shard() { local n=$1; shift; zkml_as_user psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$ZKML_SANDBOX/sock$n" "$@"; }

cp "$ZKML_ROOT/tests/fixtures/mlp20.q.json" "$ZKML_ROOT/tests/fixtures/mlp20.rows.csv" "$ZKML_SANDBOX/"
chown "$ZKML_USER": "$ZKML_SANDBOX"/mlp20.*
# rows16(n, x): the fixture's 16 rows; row i of a table is row (i - 1) mod 16 + 1
rows16="CREATE TABLE rows16 (n serial, x float8[]);
\\copy rows16(x) FROM PROGRAM 'tail -n +2 mlp20.rows.csv | sed -e \"s/^/{/\" -e \"s/$/}/\"'"
on_coord >/dev/null <<SQL
CREATE EXTENSION zkml;
CREATE EXTENSION postgres_fdw;
\\set mlp20 \`cat mlp20.q.json\`
SELECT zkml.zkml_register_model('mlp20', :'mlp20');
$rows16
CREATE TABLE local_apps AS
SELECT i AS n, 'a' || i AS app_id, x AS features FROM generate_series(1, $ROWS) i JOIN rows16 ON rows16.n = (i - 1) % 16 + 1;
VACUUM ANALYZE local_apps;
CREATE TABLE applications (shard int, n int, app_id text, features float8[]) PARTITION BY LIST (shard);
SQL
for n in 1 2; do
    # the model's key file, from superuser to superuser, in no statement's text
    on_coord -c "COPY (SELECT zkml.zkml_export_model_key('mlp20')) TO STDOUT" |
        on_shard "$n" -c 'CREATE EXTENSION zkml' -c 'CREATE TEMP TABLE key_in (k bytea)' \
            -c 'COPY key_in FROM STDIN' \
            -c "SELECT zkml.zkml_import_model_key('mlp20', k, 1) FROM key_in" >/dev/null
    on_shard "$n" >/dev/null <<SQL
$rows16
CREATE TABLE applications AS
SELECT $n AS shard, i AS n, 'a' || i AS app_id, x AS features FROM generate_series(1, $ROWS) i JOIN rows16 ON rows16.n = (i - 1) % 16 + 1;
VACUUM ANALYZE applications;
SQL
    on_coord >/dev/null <<SQL
CREATE SERVER shard$n FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$ZKML_SANDBOX/sock$n',
    port '$ZKML_PORT', dbname 'postgres', extensions 'zkml', async_capable 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$n;
CREATE FOREIGN TABLE applications_$n PARTITION OF applications FOR VALUES IN ($n)
    SERVER shard$n OPTIONS (table_name 'applications');
SQL
done
digests=$(for n in 1 2; do on_shard "$n" -c "SELECT digest FROM zkml.zkml_models"; done | sort -u)
[ "$digests" = "$(on_coord -c 'SELECT digest FROM zkml.zkml_models')" ] ||
    { echo "the shards do not hold the coordinator's model" >&2; exit 1; }

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# $1: a query that proves; prints its milliseconds, median of 3 runs in new sessions,
# after checking that every receipt it makes verifies and that they hold $ROWS rows
prove_ms() {
    local times=() check
    for _ in 1 2 3; do
        times+=("$(on_coord <<SQL | tail -n 1
SET enable_partitionwise_aggregate = on;
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
CREATE TEMP TABLE made AS $1;
SELECT round(extract(epoch FROM clock_timestamp() - t) * 1000, 1) FROM t0;
SQL
)")
    done
    check=$(on_coord <<SQL | tail -n 1
CREATE TEMP TABLE made AS $1;
SELECT sum((zkml.zkml_receipt_info(r)->>'rows')::int) || ' ' || bool_and(zkml.zkml_verify(r)) FROM made;
SQL
)
    [ "$check" = "$ROWS true" ] || { echo "receipts of '$1': $check, not '$ROWS true'" >&2; exit 1; }
    printf '%s\n' "${times[@]}" | median
}
per_s() { awk -v ms="$1" -v n="$ROWS" 'BEGIN { printf "%.0f\n", n / (ms / 1000) }'; }

plan=$(on_coord -c 'SET enable_partitionwise_aggregate = on' -c "EXPLAIN VERBOSE
    SELECT shard, zkml.zkml_prove_batch('mlp20', app_id, features ORDER BY n) FROM applications
    WHERE n <= $ROWS / 2 GROUP BY shard")
[ "$(grep -c 'Async Foreign Scan' <<<"$plan")" = 2 ] && grep -q 'Remote SQL: SELECT shard, zkml.zkml_prove_batch' <<<"$plan" ||
    { echo "the proofs are not pushed down to both shards:" >&2; echo "$plan" >&2; exit 1; }

local_ms=$(prove_ms "SELECT zkml.zkml_prove_batch('mlp20', app_id, features ORDER BY n) AS r FROM local_apps")
one_ms=$(prove_ms "SELECT shard, zkml.zkml_prove_batch('mlp20', app_id, features ORDER BY n) AS r
    FROM applications WHERE shard = 1 GROUP BY shard")
two_ms=$(prove_ms "SELECT shard, zkml.zkml_prove_batch('mlp20', app_id, features ORDER BY n) AS r
    FROM applications WHERE n <= $ROWS / 2 GROUP BY shard")
echo "threads_per_server $(on_coord -c 'SELECT zkml.zkml_version()' -c 'SHOW zkml.threads' | tail -n 1)"
echo "local_mlp20_${ROWS}_ms $local_ms"
echo "local_mlp20_${ROWS}_rows_per_s $(per_s "$local_ms")"
echo "fdw_1shard_mlp20_${ROWS}_ms $one_ms"
echo "fdw_1shard_mlp20_${ROWS}_rows_per_s $(per_s "$one_ms")"
echo "fdw_2shards_mlp20_${ROWS}_ms $two_ms"
echo "fdw_2shards_mlp20_${ROWS}_rows_per_s $(per_s "$two_ms")"
