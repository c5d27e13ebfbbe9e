#!/bin/sh
# deps.sh - install what the build or the tests need, only when it is missing.
#   sh tests/deps.sh build PKG...   Debian packages for the build (from the Makefile's
#                                   DEB_BUILD; make fuzz also asks for DEB_FUZZ: clang and
#                                   libclang-rt-dev, whose libFuzzer and sanitizer
#                                   runtimes -fsanitize=fuzzer needs). The ThreadSanitizer
#                                   build uses gcc's libtsan2, which build-essential brings.
#   sh tests/deps.sh test           validators: Java + vnu.jar (W3C HTML checker),
#                                   xmllint, python3-feedparser, chromium + axe-core
#                                   (accessibility), poppler-utils (pdftotext: the
#                                   printed report's text, tests/validate/print.js),
#                                   node/npm
# apt-get runs as root, or through sudo when that works without a password.
set -eu
mode=${1:?usage: deps.sh build PKG... | test}
shift

missing=""
need() { # need PKG...: remember the Debian packages that are not installed
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
}

apt_install() {
    [ -n "$missing" ] || return 0
    if [ "$(id -u)" = 0 ]; then sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
    else
        echo "clinfolio: missing Debian packages:$missing" >&2
        echo "clinfolio: run as root (or with sudo): apt-get install$missing" >&2
        exit 1
    fi
    echo "deps: installing$missing"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

case "$mode" in
build)
    need "$@"
    apt_install
    ;;
test)
    need default-jre-headless libxml2-utils python3-feedparser python3-yaml python3 ca-certificates time \
        chromium poppler-utils
    command -v npm >/dev/null 2>&1 || need nodejs npm
    apt_install
    modules=$(dirname "$0")/node_modules
    if [ ! -f "$modules/vnu-jar/build/dist/vnu.jar" ] || [ ! -d "$modules/axe-core" ] ||
        [ ! -d "$modules/playwright-core" ]; then
        echo "deps: npm install vnu-jar axe-core playwright-core (HTML and accessibility checkers)"
        # --ignore-scripts: vnu-jar's postinstall would download a JRE (Debian's Java is
        # used) and nothing may download a browser (Debian's chromium is used)
        (cd "$(dirname "$0")" && npm install --silent --no-save --no-package-lock \
            --ignore-scripts vnu-jar@26.9.27 axe-core@4.14.1 playwright-core@1.65.1 >/dev/null)
    fi
    ;;
*)
    echo "usage: deps.sh build PKG... | test" >&2
    exit 2
    ;;
esac
