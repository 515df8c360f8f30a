#!/usr/bin/env bash
# test.sh: install what is missing, build and install zkml, then run every test:
# the C unit tests, the zkml command's tests (both again built with AddressSanitizer and
# UndefinedBehaviorSanitizer), the conformance vectors, the fuzz targets for a bounded
# time (ZKML_FUZZ_SECONDS each, 20 by default), pg_regress against a sanitized zkml.so,
# the pg_regress and TAP suites against throwaway servers, and the self-test of the
# installed zkml command.  Exits non-zero if any of them fails.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# regress tap|no-tap: pg_regress, then the TAP tests unless told no-tap, through the
# Makefile's installcheck target, run by the unprivileged user on a copy of the tree
# against a throwaway server.  Each run starts from a new tree, cluster and server log.
regress() {
    local dir="$ZKML_SANDBOX/tree" make_args=()

    if [ "$1" = no-tap ]; then
        make_args=(TAP_TESTS=)
    fi
    rm -rf "$dir" "$ZKML_SANDBOX/data" "$ZKML_SANDBOX/socket" "$ZKML_SANDBOX/server.log"
    mkdir "$dir"
    tar -C "$ZKML_ROOT" --exclude=./.git --exclude=./build -cf - . | tar -C "$dir" -xf -
    chown -R "$ZKML_USER": "$dir"
    zkml_cluster_start || return 1
    if ! zkml_as_user make -C "$dir" installcheck PG_CONFIG="$PG_CONFIG" "${make_args[@]}"; then
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

# pg_regress (not the TAP tests) once more, with zkml.so built with AddressSanitizer and
# UndefinedBehaviorSanitizer (make sanitize-so) installed for this run only, in a server
# that preloads their runtime.  Fails if pg_regress fails or if a sanitizer report reached
# the server log.
regress_sanitized() {
    local pkglibdir status=0 report='ERROR: (AddressSanitizer|LeakSanitizer)|: runtime error: '

    pkglibdir=$("$PG_CONFIG" --pkglibdir)
    make -C "$ZKML_ROOT" -j2 sanitize-so PG_CONFIG="$PG_CONFIG" || return 1
    # The server's user may not be able to read the checkout.
    install -m 755 "$ZKML_ROOT/build/sanitize/swift_demangle.so" "$ZKML_SANDBOX/" || return 1
    install -m 755 "$ZKML_ROOT/build/sanitize/zkml.so" "$pkglibdir/zkml.so" || return 1
    # No leak checks: PostgreSQL leaves its memory to the end of the process.  A report
    # aborts the backend, so the test that caused it fails too.
    ZKML_SERVER_ENV=(
        "${ZKML_SERVER_ENV_DEFAULT[@]}"
        LD_PRELOAD="$(gcc -print-file-name=libasan.so) $ZKML_SANDBOX/swift_demangle.so"
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
        UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
    )
    regress no-tap || status=1
    ZKML_SERVER_ENV=("${ZKML_SERVER_ENV_DEFAULT[@]}")
    # The normal zkml.so again, for what follows (make install too puts it back, should
    # this run be interrupted).
    install -m 755 "$ZKML_ROOT/zkml.so" "$pkglibdir/zkml.so" || status=1
    if grep -Eq "$report" "$ZKML_SANDBOX/server.log"; then
        echo "--- sanitizer reports in the server log"
        grep -E -A 40 "$report" "$ZKML_SANDBOX/server.log"
        status=1
    fi
    return "$status"
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

zkml_log "the conformance vectors (make check-vectors)"
make -C "$ZKML_ROOT" check-vectors PG_CONFIG="$PG_CONFIG" || failed+=("conformance vectors")

zkml_log "the same vectors through an independent verifier (make check-refverify)"
make -C "$ZKML_ROOT" check-refverify PG_CONFIG="$PG_CONFIG" || failed+=("independent verifier")

# All ten models (a logistic regression and an MLP on five data sets), version 2 numerics.
zkml_log "accuracy of ten credit models on five data sets (make check-accuracy)"
make -C "$ZKML_ROOT" check-accuracy PG_CONFIG="$PG_CONFIG" || failed+=("accuracy suite")

zkml_log "unit and zkml command tests with AddressSanitizer and UBSan (make check-sanitize)"
make -C "$ZKML_ROOT" -j2 check-sanitize PG_CONFIG="$PG_CONFIG" ||
    failed+=("unit and zkml command tests with sanitizers")

zkml_log "fuzz targets (libFuzzer, ${ZKML_FUZZ_SECONDS:-20} s each)"
make -C "$ZKML_ROOT" fuzz PG_CONFIG="$PG_CONFIG" FUZZ_SECONDS="${ZKML_FUZZ_SECONDS:-20}" ||
    failed+=("fuzz targets")

zkml_log "SQL regression tests with a sanitized zkml.so (pg_regress)"
regress_sanitized || failed+=("SQL regression tests with sanitizers")

zkml_log "SQL regression tests (pg_regress) and TAP tests"
regress tap || failed+=("SQL regression tests")

zkml_log "zkml self-test"
"$PG_BINDIR/zkml" self-test || failed+=("zkml self-test")

if [ ${#failed[@]} -gt 0 ]; then
    printf '\nFAILED:\n' >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
printf '\nAll tests passed.\n'
