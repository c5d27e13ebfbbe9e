/* SPDX-License-Identifier: MIT
 * test_bib.c - bibliographies (bib.c, bibtex.c, csljson.c) and their styles (bibfmt.c):
 * parsing, TeX text, names, errors at their lines, GB/T 7714-2015 and Vancouver. */
#include "bib.h"
#include "bibfile.h"
#include "bibfmt.h"

#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

static char root[] = "/tmp/clinfolio-bib-XXXXXX";

/* The diagnostics of d as printed. */
static char *
printed(const diag *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    diag_print(d, f, false);
    fclose(f);
    return text;
}

/* Reads text as the file rel into a new bibliography; *out_d keeps the diagnostics. */
static bib *
load(const char *rel, const char *text, arena *a, diag **out_d)
{
    harness_write_file(root, rel, text);
    bib *b = bib_new(a);
    *out_d = diag_new();
    bib_load(b, root, rel, a, *out_d);
    return b;
}

static const char *
reference(const bib *b, const char *key, bibfmt_style style, arena *a)
{
    buf out = BUF_INIT;
    const bib_entry *e = bib_find(b, key);
    if (!e)
        return "(no entry)";
    bibfmt_reference(&out, e, style);
    const char *r = arena_strdup(a, out.ptr);
    buf_free(&out);
    return r;
}

static void
test_detex(arena *a)
{
    STR_EQ(bib_detex("M{\\\"u}ller and J\\\"{o}rg", a), "Müller and Jörg", "umlauts");
    STR_EQ(bib_detex("{\\'e}t{\\'\\i} \\c{c}a \\v{s}", a), "étí ça š", "acute, cedilla, caron");
    STR_EQ(bib_detex("R\\&D 50\\% a\\_b \\$5", a), "R&D 50% a_b $5", "escapes");
    STR_EQ(bib_detex("1--10 and x---y", a), "1–10 and x—y", "dashes");
    STR_EQ(bib_detex("\\emph{Biodesign}: {The} {Process}", a), "Biodesign: The Process",
           "font commands and braces dropped");
    STR_EQ(bib_detex("Stra{\\ss}e {\\o} {\\AA}", a), "Straße ø Å", "letters");
    STR_EQ(bib_detex("\\~{n} \\'{x}", a), "ñ x\xcc\x81", "an accent without a precomposed form");
    STR_EQ(bib_detex("资源  基础\n理论", a), "资源 基础 理论", "CJK and spaces");
}

static void
test_bibtex(arena *a)
{
    diag *d;
    bib *b = load("refs.bib",
                  "% a comment\n"
                  "@string{cup = \"Cambridge University Press\"}\n"
                  "@book{yock2015,\n"
                  "  author = {Yock, Paul G. and Zenios, Stefanos and Makower, Josh and others},\n"
                  "  title = {Biodesign: The Process of Innovating Medical Technologies},\n"
                  "  publisher = cup, address = {Cambridge}, edition = 2, year = 2015,\n"
                  "}\n"
                  "@article{names,\n"
                  "  author = {{World Health Organization} and van der Berg, Jan and"
                  " Jean-Pierre Dupont and 张三 and M{\\\"u}ller, J{\\\"o}rg},\n"
                  "  title = {T}, journal = {J}, year = {2020}, doi = {10.1000/a\\_b--c},\n"
                  "}\n"
                  "@article{zh, title = {资源基础理论}, journal = {医学教育管理}, year = 2026}\n"
                  "@article{en, title = {English}, langid = {english}, year = 2026}\n"
                  "@misc{lang, title = {Text}, language = {Chinese}}\n",
                  a, &d);
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "a good file: no diagnostics");
    INT_EQ(bib_count(b), 5, "five entries (the @string is no entry)");
    const bib_entry *e = bib_find(b, "yock2015");
    OK(e && e->type == BIB_BOOK, "@book is a book");
    STR_EQ(e->publisher, "Cambridge University Press", "@string expanded");
    INT_EQ(e->n_authors, 3, "'and others' is no author");
    OK(e->more_authors, "'and others': et al.");
    INT_EQ(e->at.line, 3, "the entry's line");
    STR_EQ(e->authors[0].family, "Yock", "Family, Given: the family");
    STR_EQ(e->authors[0].given, "Paul G.", "Family, Given: the given names");
    const bib_entry *n = bib_find(b, "names");
    INT_EQ(n->n_authors, 5, "five names");
    OK(n->authors[0].literal, "a braced name is one unit");
    STR_EQ(n->authors[0].family, "World Health Organization", "the corporate name");
    STR_EQ(n->authors[1].family, "van der Berg", "von part kept with the family");
    STR_EQ(n->authors[2].family, "Dupont", "Given Family: the family");
    STR_EQ(n->authors[2].given, "Jean-Pierre", "Given Family: the given");
    OK(n->authors[3].literal, "a CJK name is kept whole");
    STR_EQ(n->authors[3].family, "张三", "the CJK name");
    STR_EQ(n->authors[4].family, "Müller", "accents in names");
    STR_EQ(n->doi, "10.1000/a_b--c", "a DOI keeps its dashes; \\_ unescaped");
    OK(bib_find(b, "zh")->zh, "CJK in the title: a Chinese entry");
    OK(!bib_find(b, "en")->zh, "langid english: not Chinese");
    OK(bib_find(b, "lang")->zh, "language = Chinese");
    OK(bib_find(b, "lang")->type == BIB_OTHER, "@misc is other");
    diag_free(d);

    /* malformed: errors at the file's own lines, through libbtparse's handler */
    b = load("bad.bib",
             "@article{ok, title = {Fine}}\n"
             "\n"
             "@article{bad,\n"
             "  title = {unterminated,\n"
             "  year = 2020\n"
             "}\n"
             "@book{after, title = {After}}\n",
             a, &d);
    char *text = printed(d);
    OK(diag_error_count(d) > 0, "malformed BibTeX is an error");
    OK(strstr(text, "bad.bib:7: error: BibTeX: ") != NULL, "at its file:line: %s", text);
    OK(bib_find(b, "ok") != NULL, "entries before the error are read");
    free(text);
    diag_free(d);

    b = load("dup.bib", "@book{a, title = {One}}\n@book{a, title = {Two}}\n", a, &d);
    text = printed(d);
    OK(strstr(text, "dup.bib:2: warning: duplicate bibliography key 'a'") != NULL,
       "a duplicate key: a warning at the second: %s", text);
    STR_EQ(bib_find(b, "a")->title, "One", "the first entry is kept");
    free(text);
    diag_free(d);
}

static void
test_csl(arena *a)
{
    diag *d;
    bib *b = load("refs.json",
                  "[\n"
                  "  {\"id\": \"chen2025\", \"type\": \"article-journal\",\n"
                  "   \"author\": [{\"family\": \"Chen\", \"given\": \"Guangmin\"},\n"
                  "              {\"literal\": \"World Health Organization\"},\n"
                  "              {\"family\": \"张\", \"given\": \"三\"}],\n"
                  "   \"title\": \"Training model\", \"container-title\": \"MEM\",\n"
                  "   \"issued\": {\"date-parts\": [[2025, 8, 20]]}, \"volume\": 11,\n"
                  "   \"issue\": \"4\", \"page\": \"431-436\", \"DOI\": \"10.3969/x\"},\n"
                  "  {\"id\": \"web\", \"type\": \"webpage\", \"title\": \"网页\",\n"
                  "   \"URL\": \"https://example.org/\", \"accessed\": {\"date-parts\": "
                  "[[2024, 5, 1]]}}\n"
                  "]\n",
                  a, &d);
    INT_EQ(diag_error_count(d), 0, "good CSL-JSON");
    const bib_entry *e = bib_find(b, "chen2025");
    OK(e && e->type == BIB_ARTICLE, "article-journal");
    STR_EQ(e->year, "2025", "the year of issued");
    STR_EQ(e->date, "2025-08-20", "the date of issued");
    STR_EQ(e->volume, "11", "a number as text");
    INT_EQ(e->at.line, 2, "the line of the item's id");
    OK(e->authors[1].literal, "literal name");
    STR_EQ(e->authors[2].family, "张三", "a CJK family and given name written together");
    const bib_entry *w = bib_find(b, "web");
    OK(w && w->type == BIB_WEBPAGE && w->zh, "a Chinese web page");
    STR_EQ(w->urldate, "2024-05-01", "accessed");
    diag_free(d);

    b = load("bad.json", "[\n  {\"id\": \"a\",\n   \"title\": \"x\" \"y\"}\n]\n", a, &d);
    char *text = printed(d);
    OK(strstr(text, "bad.json:3:19: error: CSL-JSON: ") != NULL, "bad JSON at line:col: %s", text);
    free(text);
    diag_free(d);
}

/* One entry of every type, in both styles. */
static void
test_styles(arena *a)
{
    diag *d;
    bib *b = load(
        "styles.bib",
        "@article{j, author = {Yock, Paul G. and Zenios, Stefanos and Makower, Josh and Brinton, "
        "Todd J.}, title = {Teaching}, journal = {Sci Transl Med}, year = 2011, volume = 3, "
        "number = 92, pages = {431--436}, doi = {10.1126/x<y>}}\n"
        "@article{zh, author = {张三 and 李四 and 王五 and 赵六}, title = {医学教育}, "
        "journal = {医学教育管理}, year = 2026, volume = 12, number = 1, pages = {120--126}}\n"
        "@book{m, author = {Yock, Paul G.}, title = {Biodesign}, edition = 2, "
        "publisher = {CUP}, address = {Cambridge}, year = 2015}\n"
        "@incollection{ch, author = {Doe, Jane}, title = {A Chapter}, editor = {Roe, Rick}, "
        "booktitle = {The Book}, publisher = {Pub}, address = {City}, year = 2001, "
        "pages = {32--36}}\n"
        "@inproceedings{c, author = {Doe, Jane}, title = {A Paper}, booktitle = {Proc. X}, "
        "publisher = {Pub}, address = {City}, year = 2002, pages = {1--2}}\n"
        "@phdthesis{d, author = {Doe, Jane}, title = {A Thesis}, school = {Uni}, address = "
        "{City}, year = 2003}\n"
        "@techreport{r, author = {{WHO}}, title = {A Report}, institution = {WHO}, address = "
        "{Geneva}, number = {R-1}, year = 2004}\n"
        "@standard{s, author = {{国家标准化管理委员会}}, title = {参考文献著录规则}, number = "
        "{GB/T 7714—2015}, publisher = {中国标准出版社}, address = {北京}, year = 2015}\n"
        "@patent{p, author = {Doe, Jane}, title = {A Device}, number = {CN1234567A}, date = "
        "{2020-01-02}}\n"
        "@online{eb, author = {{国务院}}, title = {条例}, date = {2021-03-18}, urldate = "
        "{2024-05-01}, url = {https://www.gov.cn/x?a=1&b=2}}\n"
        "@article{n, entrysubtype = {newspaper}, author = {Zhu, Xiaojuan}, title = {News}, "
        "journal = {Health News}, date = {2022-07-24}, pages = 3}\n"
        "@misc{z, title = {<script>}}\n",
        a, &d);
    INT_EQ(diag_error_count(d), 0, "the style entries parse");
    static const struct {
        const char *key;
        bibfmt_style style;
        const char *want, *what;
    } cases[] = {
        {"j", BIBFMT_GBT7714,
         "YOCK P G, ZENIOS S, MAKOWER J, et al. Teaching[J]. Sci Transl Med, 2011, 3(92): 431-436. "
         "DOI:<a href=\"https://doi.org/10.1126/x%3Cy%3E\">10.1126/x&lt;y&gt;</a>.",
         "GB/T [J]: three authors, et al., DOI link escaped"},
        {"j", BIBFMT_VANCOUVER,
         "Yock PG, Zenios S, Makower J, Brinton TJ. Teaching. Sci Transl Med. 2011;3(92):431-436. "
         "doi:<a href=\"https://doi.org/10.1126/x%3Cy%3E\">10.1126/x&lt;y&gt;</a>.",
         "Vancouver journal: up to six authors"},
        {"zh", BIBFMT_GBT7714,
         "张三, 李四, 王五, 等. 医学教育[J]. 医学教育管理, 2026, 12(1): 120-126.",
         "GB/T Chinese entry: 等"},
        {"m", BIBFMT_GBT7714, "YOCK P G. Biodesign[M]. 2nd ed. Cambridge: CUP, 2015.", "GB/T [M]"},
        {"m", BIBFMT_VANCOUVER, "Yock PG. Biodesign. 2nd ed. Cambridge: CUP; 2015.",
         "Vancouver book"},
        {"ch", BIBFMT_GBT7714, "DOE J. A Chapter[M]//ROE R. The Book. City: Pub, 2001: 32-36.",
         "GB/T [M]//"},
        {"ch", BIBFMT_VANCOUVER,
         "Doe J. A Chapter. In: Roe R, editor. The Book. City: Pub; 2001. p. 32-36.",
         "Vancouver chapter"},
        {"c", BIBFMT_GBT7714, "DOE J. A Paper[C]//Proc. X. City: Pub, 2002: 1-2.", "GB/T [C]//"},
        {"c", BIBFMT_VANCOUVER, "Doe J. A Paper. In: Proc. X. City: Pub; 2002. p. 1-2.",
         "Vancouver paper"},
        {"d", BIBFMT_GBT7714, "DOE J. A Thesis[D]. City: Uni, 2003.", "GB/T [D]"},
        {"d", BIBFMT_VANCOUVER, "Doe J. A Thesis [dissertation]. City: Uni; 2003.",
         "Vancouver thesis"},
        {"r", BIBFMT_GBT7714, "WHO. A Report: R-1[R]. Geneva: WHO, 2004.", "GB/T [R]"},
        {"r", BIBFMT_VANCOUVER, "WHO. A Report. Geneva: WHO; 2004. Report No.: R-1.",
         "Vancouver report"},
        {"s", BIBFMT_GBT7714,
         "国家标准化管理委员会. 参考文献著录规则: GB/T 7714—2015[S]. 北京: 中国标准出版社, 2015.",
         "GB/T [S]"},
        {"s", BIBFMT_VANCOUVER,
         "国家标准化管理委员会. 参考文献著录规则. GB/T 7714—2015. 北京: 中国标准出版社; 2015.",
         "Vancouver standard"},
        {"p", BIBFMT_GBT7714, "DOE J. A Device: CN1234567A[P]. 2020-01-02.", "GB/T [P]"},
        {"p", BIBFMT_VANCOUVER, "Doe J. A Device. CN1234567A. 2020-01-02.", "Vancouver patent"},
        {"eb", BIBFMT_GBT7714,
         "国务院. 条例[EB/OL]. 2021(2021-03-18)[2024-05-01]. <a "
         "href=\"https://www.gov.cn/x?a=1&amp;b=2\">https://www.gov.cn/x?a=1&amp;b=2</a>.",
         "GB/T [EB/OL]: (update)[cited]. URL"},
        {"eb", BIBFMT_VANCOUVER,
         "国务院. 条例 [Internet]. 2021 [updated 2021-03-18; cited 2024-05-01]. Available from: "
         "<a href=\"https://www.gov.cn/x?a=1&amp;b=2\">https://www.gov.cn/x?a=1&amp;b=2</a>",
         "Vancouver web page"},
        {"n", BIBFMT_GBT7714, "ZHU X. News[N]. Health News, 2022-07-24(3).", "GB/T [N]"},
        {"n", BIBFMT_VANCOUVER, "Zhu X. News. Health News. 2022-07-24:3.", "Vancouver newspaper"},
        {"z", BIBFMT_GBT7714, "&lt;script&gt;[Z].", "GB/T [Z], HTML escaped"},
        {"z", BIBFMT_VANCOUVER, "&lt;script&gt;.", "Vancouver, nothing but a title"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        STR_EQ(reference(b, cases[i].key, cases[i].style, a), cases[i].want, cases[i].what);
    diag_free(d);
}

static void
test_citations(void)
{
    buf out = BUF_INIT;
    bibfmt_cited w[] = {{3, "c"}, {1, "a"}, {2, "b"}, {5, "e"}};
    bibfmt_citation(&out, w, 4, NULL, BIBFMT_GBT7714);
    STR_EQ(out.ptr,
           "<sup class=\"citation\">[<a href=\"#ref-a\">1</a>-<a href=\"#ref-c\">3</a>,"
           "<a href=\"#ref-e\">5</a>]</sup>",
           "GB/T: sorted, three in a row as a range");
    buf_clear(&out);
    bibfmt_cited two[] = {{2, "b"}, {1, "a"}, {1, "a"}};
    bibfmt_citation(&out, two, 3, "p. 12", BIBFMT_GBT7714);
    STR_EQ(out.ptr,
           "<sup class=\"citation\">[<a href=\"#ref-a\">1</a>,<a href=\"#ref-b\">2</a>]12</sup>",
           "GB/T: two in a row with a comma, repeats dropped, the page after the bracket");
    buf_clear(&out);
    bibfmt_cited v[] = {{1, "a"}, {2, "b"}, {3, "c"}};
    bibfmt_citation(&out, v, 3, "p. 12", BIBFMT_VANCOUVER);
    STR_EQ(out.ptr,
           "<span class=\"citation\">[<a href=\"#ref-a\">1</a>–<a href=\"#ref-c\">3</a>, p. "
           "12]</span>",
           "Vancouver: an en dash, the locator in the bracket");
    buf_clear(&out);
    bibfmt_label(&out, 4, BIBFMT_GBT7714);
    bibfmt_label(&out, 4, BIBFMT_VANCOUVER);
    STR_EQ(out.ptr, "[4]4.", "labels");
    buf_free(&out);
    bibfmt_style s;
    OK(bibfmt_style_parse(&s, "vancouver") && s == BIBFMT_VANCOUVER, "style names");
    OK(!bibfmt_style_parse(&s, "apa"), "an unknown style");
}

int
main(void)
{
    if (!mkdtemp(root))
        return 1;
    arena *a = arena_new();
    test_detex(a);
    test_bibtex(a);
    test_csl(a);
    test_styles(a);
    test_citations();
    arena_free(a);
    harness_rm_rf(root);
    return harness_done();
}
