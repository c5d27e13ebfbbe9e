/* SPDX-License-Identifier: MIT
 * bibtex.c - BibTeX files through libbtparse (the only user of btparse.h): entries,
 * @string macros, names split the BibTeX way, errors turned into diagnostics. Main
 * thread only: libbtparse keeps its lexer, macro table and error handlers in globals. */
#include "bib.h"
#include "bibfile.h"

#include "text.h"

#include <btparse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The diagnostics of the parse under way, for print_error; written by bib_read_bibtex on
 * the main thread around each parse, NULL otherwise. */
static diag *parsing_diag;
static arena *parsing_arena;

/* libbtparse reports through a table of handlers (error.c) that point at its exported
 * print_error(), which prints to stderr. The table is not exported, but its entries are
 * relocated against the symbol, so this definition (in the program, which the dynamic
 * linker searches first) takes its place: each message becomes a diagnostic at the
 * file's line. The name is libbtparse's. */
void print_error(bt_error *err);

void
print_error(bt_error *err)
{
    if (!parsing_diag || err->errclass == BTERR_NOTIFY)
        return;
    diag_level level = err->errclass == BTERR_CONTENT || err->errclass == BTERR_LEXWARN ||
                               err->errclass == BTERR_USAGEWARN
                           ? DIAG_WARNING
                           : DIAG_ERROR;
    const char *file = err->filename ? arena_strdup(parsing_arena, err->filename) : NULL;
    src_pos at = SRC_POS(file, err->line > 0 ? (unsigned)err->line : 0, 0);
    diag_report(parsing_diag, level, at, "BibTeX: %s", err->message ? err->message : "error");
}

/* The string options: macros expanded, numbers as strings, # pasted, spaces collapsed. */
#define STRING_OPTIONS (BTO_CONVERT | BTO_EXPAND | BTO_PASTE | BTO_COLLAPSE)

/* A DOI or URL: braces and TeX escapes removed, nothing else touched (no dashes). */
static const char *
raw_text(const char *s, arena *a)
{
    if (!s)
        return NULL;
    buf b = BUF_INIT;
    for (const char *p = s; *p; p++) {
        if (*p == '{' || *p == '}')
            continue;
        if (*p == '\\' && p[1] && strchr("_%&#~$", p[1]))
            p++;
        buf_putc(&b, *p);
    }
    size_t len = b.len;
    const char *t = text_trim(b.ptr, &len);
    const char *r = len ? arena_strndup(a, t, len) : NULL;
    buf_free(&b);
    return r;
}

/* Whether a name's token is one unit: a braced "{World Health Organization}". */
static bool
braced(const char *tok)
{
    return tok && tok[0] == '{' && tok[strlen(tok) - 1] == '}';
}

/* The tokens parts[0..n) joined by spaces, as plain text. */
static const char *
join_tokens(char **parts, int n, arena *a)
{
    buf b = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? " " : "", parts[i]);
    const char *r = n ? bib_detex(b.ptr, a) : NULL;
    buf_free(&b);
    return r;
}

/* One name: "Family, Given", "Given Family", "von Family, Jr, Given", "{Corporate}", or a
 * CJK name, which is kept whole. */
static bib_name
split_name(char *text, const char *file, int line, int k, arena *a)
{
    bib_name n = {0};
    if (bib_has_cjk(text)) {
        n.family = bib_detex(text, a);
        n.literal = true;
        return n;
    }
    bt_name *bn = bt_split_name(text, (char *)file, line, k);
    int first = bn->part_len[BTN_FIRST], von = bn->part_len[BTN_VON];
    int last = bn->part_len[BTN_LAST], jr = bn->part_len[BTN_JR];
    if (!first && !von && last == 1 && braced(bn->parts[BTN_LAST][0])) {
        n.family = bib_detex(bn->parts[BTN_LAST][0], a);
        n.literal = true;
    } else {
        buf fam = BUF_INIT;
        for (int i = 0; i < von; i++)
            buf_printf(&fam, "%s ", bn->parts[BTN_VON][i]);
        for (int i = 0; i < last; i++)
            buf_printf(&fam, "%s%s", i ? " " : "", bn->parts[BTN_LAST][i]);
        for (int i = 0; i < jr; i++)
            buf_printf(&fam, " %s", bn->parts[BTN_JR][i]);
        n.family = bib_detex(fam.ptr, a);
        n.given = join_tokens(bn->parts[BTN_FIRST], first, a);
        buf_free(&fam);
    }
    bt_free_name(bn);
    return n;
}

/* An `and`-separated list of names into *out (in a); a last name "others" sets *more. */
static size_t
split_names(bib_name **out, bool *more, const char *list, const char *file, int line, arena *a)
{
    *out = NULL;
    if (!list || !*list)
        return 0;
    char *copy = arena_strdup(a, list);
    char and[] = "and", what[] = "name"; /* libbtparse's parameters are not const */
    bt_stringlist *l = bt_split_list(copy, and, (char *)file, line, what);
    if (!l)
        return 0;
    size_t n = 0;
    *out = arena_zalloc(a, ((size_t)l->num_items + 1) * sizeof(bib_name));
    for (int i = 0; i < l->num_items; i++)
        if (l->items[i] && strcmp(l->items[i], "others") == 0)
            *more = true;
        else if (l->items[i] && *l->items[i])
            (*out)[n++] = split_name(l->items[i], file, line, i, a);
    bt_free_list(l);
    return n;
}

/* The fields of one regular entry, by name (lower case, as libbtparse gives them). */
typedef struct fields {
    const char *names[64];
    const char *texts[64];
    int lines[64];
    size_t n;
} fields;

static const char *
get(const fields *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcasecmp(f->names[i], name) == 0)
            return f->texts[i];
    return NULL;
}

static int
line_of(const fields *f, const char *name, int def)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcasecmp(f->names[i], name) == 0)
            return f->lines[i];
    return def;
}

static const char *
text_of(const fields *f, const char *name, arena *a)
{
    const char *t = get(f, name);
    return t && *t ? bib_detex(t, a) : NULL;
}

/* The first of the fields named that is set, as text. */
static const char *
first_of(const fields *f, const char *const *names, arena *a)
{
    for (; *names; names++) {
        const char *t = text_of(f, *names, a);
        if (t && *t)
            return t;
    }
    return NULL;
}

#define FIRST_OF(f, a, ...) first_of(f, (const char *const[]){__VA_ARGS__, NULL}, a)

/* The year of a BibLaTeX date "2021-03-18" or "2021". */
static const char *
year_of(const char *date, arena *a)
{
    size_t n = 0;
    while (date && date[n] >= '0' && date[n] <= '9')
        n++;
    return n == 4 ? arena_strndup(a, date, 4) : NULL;
}

static void
fill_entry(bib_entry *e, const char *type, const fields *f, const char *file, int line, arena *a)
{
    e->type = bib_type_of(type, get(f, "entrysubtype"), false);
    bool more_editors = false;
    e->n_authors = split_names(&e->authors, &e->more_authors, get(f, "author"), file,
                               line_of(f, "author", line), a);
    e->n_editors = split_names(&e->editors, &more_editors, get(f, "editor"), file,
                               line_of(f, "editor", line), a);
    e->title = text_of(f, "title", a);
    e->container = FIRST_OF(f, a, "journal", "journaltitle", "booktitle", "maintitle");
    e->edition = text_of(f, "edition", a);
    e->volume = text_of(f, "volume", a);
    e->issue = FIRST_OF(f, a, "number", "issue");
    e->pages = text_of(f, "pages", a);
    e->publisher = FIRST_OF(f, a, "publisher", "school", "institution", "organization");
    e->address = FIRST_OF(f, a, "address", "location");
    e->date = text_of(f, "date", a);
    e->year = text_of(f, "year", a);
    if (!e->year)
        e->year = year_of(e->date, a);
    if (e->type == BIB_REPORT || e->type == BIB_STANDARD || e->type == BIB_PATENT ||
        e->type == BIB_OTHER) {
        e->number = e->issue; /* a report's number is not an issue */
        e->issue = NULL;
    }
    e->urldate = text_of(f, "urldate", a);
    e->doi = raw_text(get(f, "doi"), a);
    e->url = raw_text(get(f, "url"), a);
    const char *lang = FIRST_OF(f, a, "langid", "language");
    e->zh = lang ? bib_language_is_zh(lang) : bib_has_cjk(e->title);
}

/* One regular entry of the AST into b. */
static void
add_entry(bib *b, AST *entry, const char *file, arena *a, diag *d)
{
    fields f = {0};
    char *name;
    for (AST *fl = NULL; f.n < 64 && (fl = bt_next_field(entry, fl, &name));) {
        f.names[f.n] = name;
        f.texts[f.n] = bt_get_text(fl);
        f.lines[f.n++] = fl->line;
    }
    bib_entry e = {0};
    fill_entry(&e, bt_entry_type(entry), &f, file, entry->line, a);
    for (size_t i = 0; i < f.n; i++)
        free((char *)f.texts[i]); /* bt_get_text() hands out a copy */
    const char *key = bt_entry_key(entry);
    e.at = SRC_POS(file, entry->line > 0 ? (unsigned)entry->line : 0, 0);
    if (!key || !*key) {
        diag_report(d, DIAG_ERROR, e.at, "BibTeX: an entry without a key");
        return;
    }
    e.key = arena_strdup(a, key);
    bib_add(b, &e, d);
}

bool
bib_read_bibtex(bib *b, const char *rel, const char *text, size_t len, arena *a, diag *d)
{
    size_t errors = diag_error_count(d);
    char *copy = arena_strndup(a, text, len); /* fmemopen wants it writable */
    FILE *in = fmemopen(copy, len ? len : 1, "r");
    if (!in) {
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0), "cannot read: out of memory");
        return false;
    }
    parsing_diag = d;
    parsing_arena = a;
    bt_initialize();
    bt_set_stringopts(BTE_REGULAR, STRING_OPTIONS);
    bt_set_stringopts(BTE_MACRODEF, STRING_OPTIONS);
    bt_delete_all_macros(); /* each file's @string macros are its own */
    /* the month macros every BibTeX style defines, so that `month = oct` (as the reports'
     * own cite.bib and most tools write it) is a month, not an undefined macro, whose
     * empty expansion libbtparse leaks */
    static const char *const months[12][2] = {
        {"jan", "January"},   {"feb", "February"}, {"mar", "March"},    {"apr", "April"},
        {"may", "May"},       {"jun", "June"},     {"jul", "July"},     {"aug", "August"},
        {"sep", "September"}, {"oct", "October"},  {"nov", "November"}, {"dec", "December"}};
    for (size_t i = 0; i < 12; i++)
        bt_add_macro_text((char *)months[i][0], (char *)months[i][1], (char *)rel, 0);
    boolean status;
    for (AST *entry; len && (entry = bt_parse_entry(in, (char *)rel, 0, &status));) {
        if (status && bt_entry_metatype(entry) == BTE_REGULAR)
            add_entry(b, entry, rel, a, d);
        bt_free_ast(entry);
    }
    bt_cleanup();
    parsing_diag = NULL;
    parsing_arena = NULL;
    fclose(in);
    return diag_error_count(d) == errors;
}
