#!/usr/bin/env python3
# search_test.py CLINFOLIO [TEST_SEARCH] - the search index (issue 14) on a copy of the demo:
#  - search/zh/ and search/en/ with meta.json, every shard valid JSON, its terms sorted by
#    UTF-8 bytes and within its range of meta.json, every block of the right size;
#  - a Chinese title bigram (护目 of 带疏水导流槽的防雾护目镜) and an English title word
#    (goggles) in the shard meta.json names, with the goggles project's document and the
#    title field; a department (麻醉科 -> Anesthesiology) and a team name as meta fields;
#  - the search pages in both languages, the header form on the others;
#  - an incremental build after a title edit: the new word is in the index at the title,
#    the old title word no longer at the title;
#  - search: {enabled: false}: no index, no search page, no header form;
#  - the C tokenizer (TEST_SEARCH --tokenize, default build/tests/test_search) and
#    search.js's give the same tokens on a set of strings (node).
# Prints "N passed, N failed".
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOKENIZER = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else \
    os.path.join(ROOT, "build", "tests", "test_search")
sys.path.insert(0, HERE)
from tally import check, done, copy_demo  # noqa: E402

STRINGS = [
    "Anti-fog goggles with hydrophobic drainage channels",
    "带疏水导流槽的防雾护目镜",
    "Émile ZOLA's Café — naïve façade, Ångström",
    "ＡＢＣ１２３ ﬁle ① Straße ΣΟΦΙΑ",
    "3D打印，护目镜。COVID-19 (2024) a.b/c",
    "한국어 カタカナ がぎぐ ｶﾞ",
    "e\u0301t\u00e9 İstanbul ǅ",
    "abcdefghijklmnopqrstuvwxyz0123456789abcdefghij x",
    "𠀀𠀁 emoji 😀 mixed中文text",
    "",
    "  ,.;  — ",
]


def build(site, out, *args):
    r = subprocess.run([BIN, "build", "-q", "-s", site, "-o", out] + list(args),
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr)
    return r.returncode == 0


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def utf8_key(s):
    return s.encode("utf-8")


def postings(index, term):
    """{doc: field} of term in the index folder, from the shard meta.json names"""
    meta = load(os.path.join(index, "meta.json"))
    k = max(i for i, first in enumerate(meta["shards"]) if utf8_key(first) <= utf8_key(term))
    shard = load(os.path.join(index, "t-%d.json" % k))
    out, doc = {}, 0
    for p in shard.get(term, []):
        doc += p >> 2
        out[doc] = p & 3
    return out


def doc_of(index, url):
    meta = load(os.path.join(index, "meta.json"))
    for b in range((meta["docs"] + meta["block"] - 1) // meta["block"]):
        for i, d in enumerate(load(os.path.join(index, "d-%d.json" % b))):
            if d["url"] == url:
                return b * meta["block"] + i
    return None


def check_index(index, lang):
    meta = load(os.path.join(index, "meta.json"))
    check(meta["version"] == 2 and meta["docs"] > 20 and meta["block"] == 10,
          "%s: meta.json version, docs, block: %r" % (lang, {k: meta[k] for k in ("version", "docs", "block")}))
    shards = meta["shards"]
    for k, first in enumerate(shards):
        shard = load(os.path.join(index, "t-%d.json" % k))
        terms = list(shard)
        check(terms == sorted(terms, key=utf8_key), "%s: t-%d.json sorted by UTF-8 bytes" % (lang, k))
        check(terms[0] == first, "%s: t-%d.json starts with meta's %r" % (lang, k, first))
        if k + 1 < len(shards):
            check(utf8_key(terms[-1]) < utf8_key(shards[k + 1]), "%s: t-%d.json ends before the next" % (lang, k))
        check(all(isinstance(p, int) and p & 3 in (1, 2, 3) for ps in shard.values() for p in ps),
              "%s: t-%d.json postings are numbers with a field" % (lang, k))
    check(not os.path.exists(os.path.join(index, "t-%d.json" % len(shards))), "%s: no shard past meta's" % lang)
    blocks = (meta["docs"] + 9) // 10
    sizes = [len(load(os.path.join(index, "d-%d.json" % b))) for b in range(blocks)]
    check(sum(sizes) == meta["docs"] and all(s == 10 for s in sizes[:-1]), "%s: blocks of 10 documents" % lang)
    # each document block's text block: the same documents' text, longer, starting alike
    for b in range(blocks):
        docs = load(os.path.join(index, "d-%d.json" % b))
        texts = load(os.path.join(index, "f-%d.json" % b))
        check(len(texts) == len(docs) and all(t.startswith(d["text"]) and len(t) <= 20000
                                              for d, t in zip(docs, texts))
              and all(len(d["text"]) <= 480 for d in docs),
              "%s: f-%d.json holds the texts of d-%d.json's documents, d-%d.json their first 480 characters"
              % (lang, b, b, b))


def main():
    tmp = tempfile.mkdtemp(prefix="search-test-")
    try:
        site = copy_demo(os.path.join(tmp, "site"))
        out = os.path.join(tmp, "out")
        check(build(site, out), "the demo builds")
        zh, en = os.path.join(out, "search", "zh"), os.path.join(out, "search", "en")
        check_index(zh, "zh")
        check_index(en, "en")

        goggles_zh = doc_of(zh, "/projects/anti-fog-goggles/")
        goggles_en = doc_of(en, "/en/projects/anti-fog-goggles/")
        check(goggles_zh is not None and goggles_en is not None, "the goggles project in both indexes")
        check(postings(zh, "护目").get(goggles_zh) == 3, "zh: 护目 in the goggles project's title")
        check(postings(zh, "镜").get(goggles_zh) == 3, "zh: the single character 镜 too")
        check(postings(en, "goggles").get(goggles_en) == 3, "en: goggles in the goggles project's title")
        check(postings(en, "anesthesiology").get(goggles_en) == 2,
              "en: the department, named in English, as a meta field")
        check(postings(zh, "麻醉科").get(goggles_zh) is None and postings(zh, "麻醉").get(goggles_zh) == 2,
              "zh: the department as bigrams, a meta field")
        check(postings(en, "jiaxin").get(goggles_en) == 2, "en: a team member's name as a meta field")
        # a word far into a long page: in its text block, not in its document block
        report = doc_of(en, "/en/reports/2024-programme-evaluation/")
        block = load(os.path.join(en, "d-%d.json" % (report // 10)))[report % 10]["text"].lower()
        text = load(os.path.join(en, "f-%d.json" % (report // 10)))[report % 10].lower()
        check("goggles" not in block and "goggles" in text and len(text) > 10000,
              "en: the report's text block reaches its mention of goggles (%d characters)" % len(text))
        # a page of the Chinese site the English lists show untranslated: its department
        # (麻醉科 in its language) is found by the English name too, as the list names it
        lma = doc_of(en, "/projects/lma-depth-marker/")
        check(lma is not None and postings(en, "anesthesiology").get(lma) == 2
              and postings(en, "麻醉").get(lma) == 2,
              "en: an untranslated page's department by its English and Chinese names")
        check(postings(zh, "anesthesiology").get(doc_of(zh, "/projects/lma-depth-marker/")) is None,
              "zh: the Chinese site's own pages by their Chinese names only")
        check(postings(en, "goggles").get(goggles_zh + 1000, 0) == 0, "no stray documents")

        with open(os.path.join(out, "en", "search", "index.html"), encoding="utf-8") as f:
            page = f.read()
        check('data-search-index="/search/en/"' in page and 'role="search"' in page and
              '<label for="search-q">' in page and "<noscript>" in page,
              "en/search/: the index folder, a labelled search form, the fallback")
        check(os.path.exists(os.path.join(out, "search", "index.html")), "search/: the Chinese search page")
        with open(os.path.join(out, "en", "projects", "index.html"), encoding="utf-8") as f:
            check('action="/en/search/"' in f.read(), "the header form on a list page")

        # an incremental build after a title edit
        page_md = os.path.join(site, "content", "projects", "anti-fog-goggles/index.en.md")
        with open(page_md, encoding="utf-8") as f:
            text = f.read()
        with open(page_md, "w", encoding="utf-8") as f:
            f.write(text.replace("title: Anti-fog goggles with hydrophobic drainage channels",
                                 "title: Quokka-proof goggles"))
        check(build(site, out), "the incremental build after a title edit")
        check(postings(en, "quokka").get(goggles_en) == 3, "the new title word at the title")
        check(postings(en, "drainage").get(goggles_en) != 3, "the old title word no longer at the title")
        check(postings(en, "drainage").get(goggles_en) == 1, "the old title word still in the body")
        fresh = os.path.join(tmp, "fresh")
        check(build(site, fresh, "--clean") and
              subprocess.run(["diff", "-r", os.path.join(out, "search"), os.path.join(fresh, "search")]).returncode == 0,
              "the incremental index is the clean build's")

        # search off
        with open(os.path.join(site, "site.yaml"), "a", encoding="utf-8") as f:
            f.write("search: {enabled: false}\n")
        off = os.path.join(tmp, "off")
        check(build(site, off), "the demo builds with search off")
        check(not os.path.exists(os.path.join(off, "search")) and
              not os.path.exists(os.path.join(off, "en", "search")), "search off: no index, no search page")
        with open(os.path.join(off, "en", "index.html"), encoding="utf-8") as f:
            check('role="search"' not in f.read(), "search off: no header form")

        # the C tokenizer and search.js's
        c = subprocess.run([TOKENIZER, "--tokenize"], input="\n".join(STRINGS) + "\n",
                           capture_output=True, text=True)
        js = subprocess.run(["node", "-e", """
const t = require(process.argv[1]);
const lines = require('fs').readFileSync(0, 'utf8').split('\\n').slice(0, -1);
for (const l of lines) for (const q of [false, true]) console.log(t.tokenize(l, q).join(' '));
""", os.path.join(ROOT, "themes", "default", "static", "js", "search.js")],
            input="\n".join(STRINGS) + "\n", capture_output=True, text=True)
        check(c.returncode == 0 and js.returncode == 0, "both tokenizers ran: %s %s" % (c.stderr, js.stderr))
        cl, jl = c.stdout.split("\n"), js.stdout.split("\n")
        for i, s in enumerate(STRINGS):
            for q in (0, 1):
                k = 2 * i + q
                got_c = cl[k] if k < len(cl) else None
                got_js = jl[k] if k < len(jl) else None
                check(got_c == got_js, "tokens of %r (%s): C %r, search.js %r" %
                      (s, "query" if q else "index", got_c, got_js))
        check(len(cl) > 3 and cl[3].endswith("防雾 雾护 护目 目镜"),
              "the query tokens of the Chinese title end in 防雾 雾护 护目 目镜: %r" % cl[3])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
