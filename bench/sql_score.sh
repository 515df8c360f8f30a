#!/usr/bin/env bash
# bench/sql_score.sh: zkml_score throughput in SQL over 100,000 rows of the mlp20 shape,
# on a throwaway server (run as root, like tools/test.sh; zkml must be installed).
# Prints "name value" lines: rows per second, serial and with parallel workers, median
# of 3 runs each.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
zkml_bench_server
zkml_as_user psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE apps AS SELECT i, x FROM rows16, generate_series(1, 6250) i;   -- 100,000 rows
VACUUM ANALYZE apps;
SQL
run() {     # $1: max_parallel_workers_per_gather; prints seconds of the scoring query
    zkml_as_user psql -X -q -t -A -v ON_ERROR_STOP=1 <<SQL
SET max_parallel_workers_per_gather = $1;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET zkml.threads = 1;
SELECT count(*) FROM apps;      -- warm the table
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
SELECT sum(zkml_score('mlp20', x)) IS NOT NULL FROM apps;
SELECT extract(epoch FROM clock_timestamp() - t) FROM t0;
SQL
}
for workers in 0 2; do
    times=()
    for _ in 1 2 3; do
        times+=("$(run "$workers" | tail -n 1)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
    awk -v s="$median" -v w="$workers" \
        'BEGIN { printf "zkml_score_mlp20_100000_rows_workers%d_rows_per_s %.0f\n", w, 100000 / s }'
done
zkml_cluster_stop >/dev/null
