#!/bin/sh
# golden.sh - build each fixture site in tests/golden/<name>/ and compare the result
# with tests/golden/<name>/expected/ byte for byte.
#   sh tests/golden.sh check  CLINFOLIO   one line per site: "ok <name>" or "FAIL <name>"
#   sh tests/golden.sh update CLINFOLIO   rewrite expected/ (review the diff before committing)
# Exit status: the number of failed sites.
set -u
mode=${1:?usage: golden.sh check|update CLINFOLIO}
bin=${2:?usage: golden.sh check|update CLINFOLIO}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for site in "$here"/golden/*/; do
    name=$(basename "$site")
    out="$tmp/$name"
    if ! "$bin" build -q -s "$site" -o "$out" -j 2 2>"$tmp/$name.err"; then
        echo "FAIL $name: the build failed"; cat "$tmp/$name.err"
        failed=$((failed + 1)); continue
    fi
    if [ -s "$tmp/$name.err" ]; then
        echo "FAIL $name: unexpected diagnostics"; cat "$tmp/$name.err"
        failed=$((failed + 1)); continue
    fi
    if [ "$mode" = update ]; then
        rm -rf "$site/expected" && cp -R "$out" "$site/expected" && echo "updated $name"
    elif diff -r "$site/expected" "$out" >"$tmp/$name.diff" 2>&1; then
        echo "ok $name"
    else
        echo "FAIL $name: output differs from expected/"; head -n 60 "$tmp/$name.diff"
        failed=$((failed + 1))
    fi
done
exit "$failed"
