#!/usr/bin/env bash
# test.sh: install what is missing, build and install zkml, then run every test:
# the C unit tests, the zkml command's tests, the fuzz targets for a bounded time
# (ZKML_FUZZ_SECONDS each, 20 by default), the pg_regress and TAP suites against
# throwaway servers, and the self-test of the installed zkml command.  Exits non-zero if any of them fails.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# pg_regress, through the Makefile's installcheck target, run by the unprivileged user
# on a copy of the tree.
regress() {
    local dir="$ZKML_SANDBOX/tree"

    mkdir "$dir"
    tar -C "$ZKML_ROOT" --exclude=./.git -cf - . | tar -C "$dir" -xf -
    chown -R "$ZKML_USER": "$dir"
    zkml_cluster_start || return 1
    if ! zkml_as_user make -C "$dir" installcheck PG_CONFIG="$PG_CONFIG"; then
        if [ -f "$dir/regression.diffs" ]; then
            cat "$dir/regression.diffs"
        fi
        echo "--- server log (last 50 lines)"
        tail -n 50 "$ZKML_SANDBOX/server.log"
        zkml_cluster_stop
        return 1
    fi
    zkml_cluster_stop
}

zkml_require_root
zkml_install_packages
zkml_build
zkml_sandbox

failed=()

zkml_log "C unit tests (make unit)"
make -C "$ZKML_ROOT" unit PG_CONFIG="$PG_CONFIG" || failed+=("unit tests")

zkml_log "the zkml command's arguments, files and exit statuses (make check-cli)"
make -C "$ZKML_ROOT" check-cli PG_CONFIG="$PG_CONFIG" || failed+=("zkml command tests")

zkml_log "fuzz targets (libFuzzer, ${ZKML_FUZZ_SECONDS:-20} s each)"
make -C "$ZKML_ROOT" fuzz PG_CONFIG="$PG_CONFIG" FUZZ_SECONDS="${ZKML_FUZZ_SECONDS:-20}" ||
    failed+=("fuzz targets")

zkml_log "SQL regression tests (pg_regress)"
regress || failed+=("SQL regression tests")

zkml_log "zkml self-test"
"$PG_BINDIR/zkml" self-test || failed+=("zkml self-test")

if [ ${#failed[@]} -gt 0 ]; then
    printf '\nFAILED:\n' >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
printf '\nAll tests passed.\n'
