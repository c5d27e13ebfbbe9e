#!/bin/sh
# fuzz.sh BUILD SECONDS TARGET... - runs each libFuzzer target BUILD/fuzz_<target> (built
# by `make fuzz`, SAN=fuzzer) for SECONDS over its seeds, one target at a time, and stops
# at the first crash. The seeds in tests/fuzz/corpus/<target>/ are only read: new inputs
# go to BUILD/corpus/<target>/ and crashes to BUILD/artifacts/<target>/. A crash is kept
# by copying its file into tests/fuzz/corpus/<target>/ once it is fixed, so that `make
# test` replays it. Dictionaries tests/fuzz/<target>.dict are used when present.
# Inputs are at most 4096 bytes while fuzzing (bigger seeds are cut; make test replays
# them whole), which keeps the slow targets at hundreds of runs a second.
# Environment: FUZZ_FLAGS adds libFuzzer options, later ones win (e.g. -max_len=65536).
set -eu
cd "$(dirname "$0")/../.."
[ $# -ge 3 ] || { echo "usage: fuzz.sh BUILD SECONDS TARGET..." >&2; exit 2; }
build=$1 seconds=$2
shift 2
for t in "$@"; do
    bin=$build/fuzz_$t
    [ -x "$bin" ] || { echo "fuzz.sh: $bin not built (make fuzz)" >&2; exit 2; }
    mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
    dict=
    [ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
    echo "== fuzz $t: ${seconds}s"
    # -timeout: an input that runs for 10 s is a hang; -rss_limit_mb: 2 GB is an OOM
    # shellcheck disable=SC2086
    if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$t/" $dict ${FUZZ_FLAGS:-} \
        "$build/corpus/$t" "tests/fuzz/corpus/$t" >"$build/fuzz_$t.log" 2>&1; then
        grep -v '^#[0-9]' "$build/fuzz_$t.log" | tail -n 60
        echo "fuzz.sh: $t failed; the input is in $build/artifacts/$t/ (log: $build/fuzz_$t.log)" >&2
        exit 1
    fi
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+[[:space:]]+DONE)' "$build/fuzz_$t.log" |
        sed 's/^/    /'
done
