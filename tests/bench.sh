#!/bin/sh
# bench.sh CLINFOLIO [N...] - build generated corpora of N project pages (default 1000
# and 10000) with the demo's site.yaml and theme, and print wall time, pages per second
# and peak memory for each; then, for `clinfolio serve` on the same corpora, the time
# from saving one page to the live-reload event (tests/bench/serve_reload.py: the median,
# fastest and slowest of 5 edits, and serve's own rebuild time). Figures, not pass/fail:
# speed is never a timed test.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
sizes=${*:-1000 10000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$root/site.yaml" "$tmp/"
cp -R "$root/themes" "$root/plugins" "$tmp/"
mkdir -p "$tmp/content"
printf '%-8s %10s %12s %12s\n' pages seconds pages/s peak-MiB
for n in $sizes; do
    rm -rf "$tmp/content/projects" "$tmp/public"
    /usr/bin/python3 "$here/bench/gen_corpus.py" "$n" "$tmp/content/projects" >/dev/null 2>&1
    "$bin" build -q -s "$tmp" >/dev/null # warm the page cache; also fills public/
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" build -q -s "$tmp"
    read -r secs kb <"$tmp/time"
    awk -v n="$n" -v s="$secs" -v kb="$kb" \
        'BEGIN { printf "%-8d %10.2f %12.0f %12.1f\n", n, s, (s > 0 ? n / s : 0), kb / 1024 }'
done
printf '\nclinfolio serve, edit to reload event (ms, 5 edits)\n'
printf '%-8s %10s %10s %10s %12s\n' pages median fastest slowest rebuild
for n in $sizes; do
    rm -rf "$tmp/content/projects" "$tmp/public"
    /usr/bin/python3 "$here/bench/gen_corpus.py" "$n" "$tmp/content/projects" >/dev/null 2>&1
    /usr/bin/python3 "$here/bench/serve_reload.py" "$bin" "$tmp" 5 |
        awk '{ printf "%-8d %10d %10d %10d %12d\n", $1, $2, $3, $4, $5 }'
done
