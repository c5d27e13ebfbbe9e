#!/bin/sh
# bench.sh CLINFOLIO [N...] - build generated corpora of N project pages (default 1000
# and 10000; BENCH_LARGE=1 adds 50000, BENCH_LARGE=2 50000 and 100000; Hugo only up to
# BENCH_HUGO_MAX pages, default 50000: it took 36-65 s and 7.2-7.8 GiB a build at 50,000
# pages, and what 100,000 pages measure is clinfolio's own growth) with the demo's
# settings in one language
# (tests/bench/site.yaml), theme and both plugins,
# and the same content files with Hugo (from Debian, installed here when missing) over a
# minimal Hugo site whose templates this script writes: a single and a list template that
# print the title, the date, the params and the content, with taxonomies for cohort and
# department. The two alternate (BENCH_ROUNDS rounds, default 2, after one warm-up build
# each); for each size it prints the fastest wall time and the largest peak RSS of each
# and the ratios clinfolio/Hugo, then clinfolio's wall and CPU time in user space and in
# the kernel and its peak memory per 1,000 pages (the fastest round's; the largest peak),
# each against the 10,000-page build's (the linearity targets of issue 10). Then, for
# `clinfolio serve` on the same corpora, the time
# from saving one page, open as in a browser, to its live-reload event (the fast render:
# tests/bench/serve_reload.py: the median, fastest and slowest of 5 edits, and serve's own
# time for the whole rebuild, then the median milliseconds of each part of the rebuild as
# serve -v prints them), and, for incremental
# builds, a clean build against a rebuild with nothing changed and with one page edited
# (its body, then its facts), each edit's row followed by the median milliseconds of each
# part of its builds (build -v's "ms:" line). Figures, not pass/fail: speed is never a
# timed test.
#
# Old output is moved aside into "$tmp/discarded", not deleted, until the script ends. On an
# ext4 without a journal (this test machine's root), the kernel's inode allocator skips every
# inode freed in the last 5 s (305 s while its inode-table block is dirty) and scans whole
# groups for another, so after an `rm -rf` of 20,000 files the next 20,000 creations cost
# seconds of system time, growing with every deletion of the run (20,000 files created after
# three successive deletions: 0.6, 3.4, 6.2 s; after moves: 0.7 s each time). That measures
# the previous deletion, not the tool, so neither tool's build pays for one here.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
sizes=${*:-1000 10000}
if [ "$#" -eq 0 ]; then
    case ${BENCH_LARGE:-0} in
    1) sizes="$sizes 50000" ;;
    2) sizes="$sizes 50000 100000" ;;
    esac
fi
rounds=${BENCH_ROUNDS:-2}
hugo_max=${BENCH_HUGO_MAX:-50000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if ! command -v hugo >/dev/null 2>&1; then
    sh "$here/deps.sh" build hugo
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/discarded"
discard() { # moves each existing path aside (see above); deleted with $tmp at the end
    for p in "$@"; do
        if [ -e "$p" ]; then
            mv "$p" "$(mktemp -d "$tmp/discarded/XXXXXX")/"
        fi
    done
}
# Every timed build starts with nothing of an earlier build left to write to the disk
# (`sync`, untimed): at 100,000 pages a build leaves about 5 GB in the page cache, which the
# kernel's flusher threads otherwise write back during the next builds, on the same two
# cores, so that a build paid for the one before it.
settle() { sync; }
cp "$here/bench/site.yaml" "$tmp/site.yaml" # the demo's settings in one language
cp -R "$root/themes" "$root/plugins" "$tmp/"
mkdir -p "$tmp/content"

# the Hugo site: its own minimal templates over the same content files
hsite="$tmp/hugo"
mkdir -p "$hsite/layouts/_default" "$hsite/content"
cat >"$hsite/config.yaml" <<'YAML'
baseURL: https://example.org/
title: bench
taxonomies:
  cohort: cohort
  department: department
YAML
cat >"$hsite/layouts/_default/single.html" <<'HTML'
<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>
<dl>{{ range $k, $v := .Params }}<dt>{{ $k }}</dt><dd>{{ $v }}</dd>{{ end }}</dl>
{{ .Content }}</body></html>
HTML
cat >"$hsite/layouts/_default/list.html" <<'HTML'
<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
</body></html>
HTML

run_clinfolio() { # prints "seconds peak-KiB user-s system-s" of a clean build (no output, no cache)
    discard "$tmp/public" "$tmp/.clinfolio-cache"
    settle
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$bin" build -q -s "$tmp" >/dev/null
    cat "$tmp/time"
}
run_hugo() {
    discard "$tmp/hpublic" "$hsite/resources"
    settle
    /usr/bin/time -f '%e %M' -o "$tmp/time" hugo --quiet -s "$hsite" -d "$tmp/hpublic" >/dev/null
    cat "$tmp/time"
}

printf 'clean builds (%s), fastest of %s alternating rounds, peak RSS the largest\n' \
    "$(hugo version | cut -d' ' -f1-2)" "$rounds"
printf '%-8s %10s %10s %8s %14s %10s %8s\n' pages clinfolio-s hugo-s ratio clinfolio-MiB \
    hugo-MiB ratio
: >"$tmp/cpu"
for n in $sizes; do
    with_hugo=$([ "$n" -le "$hugo_max" ] && echo 1 || echo 0)
    discard "$tmp/content/projects" "$tmp/public" "$hsite/content/projects"
    /usr/bin/python3 "$here/bench/gen_corpus.py" "$n" "$tmp/content/projects" >/dev/null 2>&1
    [ "$with_hugo" = 0 ] || cp -R "$tmp/content/projects" "$hsite/content/projects"
    run_clinfolio >/dev/null # warm the page cache; also fills public/
    [ "$with_hugo" = 0 ] || run_hugo >/dev/null
    : >"$tmp/runs"
    r=0
    while [ "$r" -lt "$rounds" ]; do
        printf 'c %s\n' "$(run_clinfolio)" >>"$tmp/runs"
        [ "$with_hugo" = 0 ] || printf 'h %s\n' "$(run_hugo)" >>"$tmp/runs"
        r=$((r + 1))
    done
    # the machine's own cost of writing what a build writes: the last round's output and
    # cache copied as they are (cp -R, its kernel time), a baseline for the kernel's part
    settle
    /usr/bin/time -f '%S' -o "$tmp/time" cp -R "$tmp/public" "$tmp/.clinfolio-cache" \
        "$(mktemp -d "$tmp/discarded/XXXXXX")/"
    awk -v n="$n" -v cp="$(cat "$tmp/time")" '
        $1 == "c" { if (!cs || $2 < cs) { cs = $2; u = $4; y = $5 }; if ($3 > cm) cm = $3 }
        END { print n, cs, u, y, cm, cp }' "$tmp/runs" >>"$tmp/cpu"
    awk -v n="$n" '
        $1 == "c" { if (!cs || $2 < cs) cs = $2; if ($3 > cm) cm = $3 }
        $1 == "h" { if (!hs || $2 < hs) hs = $2; if ($3 > hm) hm = $3 }
        END { if (hs > 0)
                  printf "%-8d %10.2f %10.2f %8.2f %14.1f %10.1f %8.2f\n", n, cs, hs, cs / hs,
                         cm / 1024, hm / 1024, cm / hm
              else
                  printf "%-8d %10.2f %10s %8s %14.1f %10s %8s\n", n, cs, "-", "-", cm / 1024,
                         "-", "-" }' "$tmp/runs"
done
discard "$hsite/content/projects" "$tmp/hpublic"

# what the clean builds' time is made of: the wall and CPU time of clinfolio's fastest round,
# in user space (its own work) and in the kernel (files written, memory given to it), and its
# peak memory, per 1,000 pages and against the 10,000-page build's (time or memory that
# grows faster than the pages shows here; in a virtual machine that hands memory to the host
# when it is freed, the kernel's part grows with every page first written); cp-sys: the
# kernel time of copying that build's output and cache with cp -R (the same files and
# bytes, read back from the page cache and written again), what writing them costs this
# machine whoever writes them
printf '\nclinfolio clean builds per 1,000 pages (s, MiB; the fastest round; x: against 10,000 pages)\n'
printf '%-8s %8s %8s %8s %8s %9s %9s %9s %9s %8s %8s %8s %8s %8s %8s\n' pages wall user system \
    MiB wall/1k user/1k sys/1k MiB/1k wall-x user-x sys-x MiB-x cp-sys cp-sys-x
awk '$1 == 10000 { bw = $2 / 10; bu = $3 / 10; bs = $4 / 10; bm = $5 / 1024 / 10; bc = $6 / 10 }
    { n[NR] = $1; w[NR] = $2; u[NR] = $3; s[NR] = $4; m[NR] = $5 / 1024; c[NR] = $6 }
    END { for (i = 1; i <= NR; i++) {
        k = n[i] / 1000
        printf "%-8d %8.2f %8.2f %8.2f %8.1f %9.3f %9.3f %9.3f %9.2f", n[i], w[i], u[i], s[i],
               m[i], w[i] / k, u[i] / k, s[i] / k, m[i] / k
        if (bw > 0 && bu > 0 && bs > 0 && bm > 0)
            printf " %8.2f %8.2f %8.2f %8.2f", w[i] / k / bw, u[i] / k / bu, s[i] / k / bs,
                   m[i] / k / bm
        else
            printf " %8s %8s %8s %8s", "-", "-", "-", "-"
        printf " %8.2f", c[i]
        if (bc > 0)
            printf " %8.2f", c[i] / k / bc
        printf "\n" } }' "$tmp/cpu"

# incremental builds: a clean build (--clean), a rebuild with nothing changed, and one
# page edited: its body (a sentence appended), then its facts (a stage date moved)
printf '\nclinfolio incremental builds (s; ratio to the clean build; median of 3 edits)\n'
printf '%-8s %8s %10s %7s %10s %7s %10s %7s\n' pages clean unchanged ratio body-edit ratio \
    facts-edit ratio
time_build() { # prints the seconds of one build
    settle
    /usr/bin/time -f '%e' -o "$tmp/time" "$bin" build -q -s "$tmp" "$@" >/dev/null 2>&1
    cat "$tmp/time"
}
median3() { printf '%s\n%s\n%s\n' "$1" "$2" "$3" | sort -n | sed -n 2p; }
edit_build() { # time_build with -v, its "ms: " line (the milliseconds of each part, on
    # stdout with the summary) added to $1
    settle
    /usr/bin/time -f '%e' -o "$tmp/time" "$bin" build -q -v -s "$tmp" >"$tmp/verbose" 2>/dev/null
    grep '^ms: ' "$tmp/verbose" >>"$1" || true
    cat "$tmp/time"
}
parts_median() { # "<label> parts: load L, ...": the median of each part over $2's lines
    sed 's/^ms: //; s/ (search \([0-9]*\))/, search \1/' "$2" | awk -v label="$1" -F', ' '
        { for (i = 1; i <= NF; i++) { k = split($i, w, " "); name[i] = w[1]; v[i, NR] = w[k] }
          nf = NF }
        END { printf "         %s parts:", label
              for (i = 1; i <= nf; i++) {
                  for (r = 1; r <= NR; r++) col[r] = v[i, r]
                  for (a = 1; a <= NR; a++) for (b = a + 1; b <= NR; b++)
                      if (col[b] + 0 < col[a] + 0) { t = col[a]; col[a] = col[b]; col[b] = t }
                  printf "%s %s %s", (i > 1 ? "," : ""), name[i], col[int((NR + 1) / 2)] }
              printf "\n" }'
}
for n in $sizes; do
    discard "$tmp/content/projects" "$tmp/public" "$tmp/.clinfolio-cache"
    /usr/bin/python3 "$here/bench/gen_corpus.py" "$n" "$tmp/content/projects" >/dev/null 2>&1
    time_build >/dev/null # warms the page cache
    discard "$tmp/public" "$tmp/.clinfolio-cache"
    c1=$(time_build)
    discard "$tmp/public" "$tmp/.clinfolio-cache"
    c2=$(time_build)
    clean=$(printf '%s\n%s\n' "$c1" "$c2" | sort -n | head -1)
    unchanged=$(time_build)
    page=$(ls "$tmp/content/projects" | sed -n "$((n / 2))p")
    body=""
    facts=""
    : >"$tmp/parts.body"
    : >"$tmp/parts.facts"
    for i in 1 2 3; do
        printf '\nAn edit, number %s.\n' "$i" >>"$tmp/content/projects/$page"
        body="$body $(edit_build "$tmp/parts.body")"
    done
    for i in 1 2 3; do
        sed -i "s/^  need: \([0-9]*\)-\([0-9]*\)-[0-9]*/  need: \1-\2-0$i/" "$tmp/content/projects/$page"
        facts="$facts $(edit_build "$tmp/parts.facts")"
    done
    # shellcheck disable=SC2086
    b=$(median3 $body)
    # shellcheck disable=SC2086
    f=$(median3 $facts)
    awk -v n="$n" -v c="$clean" -v u="$unchanged" -v b="$b" -v f="$f" 'BEGIN {
        printf "%-8d %8.2f %10.2f %7.2f %10.2f %7.2f %10.2f %7.2f\n", n, c, u, u / c, b, b / c,
               f, f / c }'
    parts_median body "$tmp/parts.body"
    parts_median facts "$tmp/parts.facts"
done

printf '\nclinfolio serve, edit to reload event of the open page (ms, 5 edits)\n'
printf '%-8s %10s %10s %10s %12s %12s\n' pages median fastest slowest rebuild other-page
for n in $sizes; do
    discard "$tmp/content/projects" "$tmp/public"
    /usr/bin/python3 "$here/bench/gen_corpus.py" "$n" "$tmp/content/projects" >/dev/null 2>&1
    settle
    /usr/bin/python3 "$here/bench/serve_reload.py" "$bin" "$tmp" 5 |
        awk '/^parts: / { print "         " $0; next }
             { printf "%-8d %10d %10d %10d %12d %12d\n", $1, $2, $3, $4, $5, $6 }'
done
