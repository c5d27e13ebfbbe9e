/* SPDX-License-Identifier: MIT
 * bib.h - bibliography files (BibTeX through libbtparse, CSL-JSON through jansson) read
 * into entries with plain UTF-8 fields, and looked up by key. Read once per build on the
 * main thread, after the site model and before the shortcodes (libbtparse keeps global
 * state); read-only afterwards. Formatting is bibfmt.h's. */
#ifndef CLINFOLIO_BIB_H
#define CLINFOLIO_BIB_H

#include "arena.h"
#include "buf.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>

/* What kind of work an entry is: the GB/T 7714-2015 document types ([J], [M], ...). */
typedef enum bib_type {
    BIB_ARTICLE,     /* journal article [J]: BibTeX article, CSL article-journal */
    BIB_BOOK,        /* book [M]: book, CSL book */
    BIB_CHAPTER,     /* part of a book [M]//: inbook, incollection, CSL chapter */
    BIB_PAPER,       /* paper in proceedings [C]//: inproceedings, CSL paper-conference */
    BIB_PROCEEDINGS, /* proceedings as a whole [C]: proceedings */
    BIB_THESIS,      /* thesis [D]: phdthesis, mastersthesis, thesis */
    BIB_REPORT,      /* report [R]: techreport, report */
    BIB_STANDARD,    /* standard [S]: standard (biblatex), CSL standard */
    BIB_PATENT,      /* patent [P]: patent */
    BIB_WEBPAGE,     /* web page [EB/OL]: online, www, electronic, CSL webpage */
    BIB_NEWSPAPER,   /* newspaper article [N]: article with entrysubtype newspaper */
    BIB_OTHER,       /* anything else [Z]: misc, unpublished, CSL legislation, ... */
} bib_type;

/* One author or editor. A name written as one unit (a braced "{World Health
 * Organization}", a CJK name, a CSL `literal`) has only `family`, kept as written. */
typedef struct bib_name {
    const char *family; /* "Yock", "van der Berg", "张三", "World Health Organization" */
    const char *given;  /* "Paul G.", or NULL */
    bool literal;       /* shown as written: no initials, no upper case */
} bib_name;

typedef struct bib_entry {
    const char *key; /* "yock2015" */
    src_pos at;      /* where the entry starts in its file */
    bib_type type;
    bool zh; /* a Chinese entry: `language`/`langid`, else CJK characters in the title */
    bib_name *authors, *editors;
    size_t n_authors, n_editors;
    bool more_authors; /* the list ends in "and others" (BibTeX): always "et al." */
    /* plain UTF-8 text (TeX accents and escapes converted), NULL when absent */
    const char *title, *container; /* container: journal, book, proceedings, newspaper */
    const char *edition, *volume, *issue, *pages;
    const char *publisher, *address; /* address: the place of publication */
    const char *year;                /* "2015" */
    const char *date;                /* the full date when known: "2021-03-18" */
    const char *number;              /* report, standard or patent number */
    const char *urldate;             /* when it was read online: "2024-05-01" */
    const char *doi, *url;
} bib_entry;

/* The entries of the bibliography files one page cites from, in file order. */
typedef struct bib bib;

/* A new empty bibliography in a. */
bib *bib_new(arena *a);

/* The entry with this key, or NULL. */
const bib_entry *bib_find(const bib *b, const char *key);

/* The number of entries, and the i-th in the order of the files. */
size_t bib_count(const bib *b);
const bib_entry *bib_entry_at(const bib *b, size_t i);

/* Appends up to max of b's keys to out, ", "-separated, with ", ..." when there are more
 * (for messages). */
void bib_list_keys(buf *out, const bib *b, size_t max);

/* {====================================================================
 * helpers the readers share (bib.c)
 * ===================================================================== */

/* The BibTeX type name ("article", "inproceedings") or CSL type ("article-journal") as a
 * bib_type; entrysubtype is BibLaTeX's (a "newspaper" article), or NULL. */
bib_type bib_type_of(const char *name, const char *entrysubtype, bool csl);

/* Whether a `language`/`langid` value says Chinese: "zh", "zh-CN", "chinese", "中文". */
bool bib_language_is_zh(const char *lang);

/* Whether s (UTF-8, may be NULL) holds a CJK character. */
bool bib_has_cjk(const char *s);

/* TeX text as plain UTF-8: accents ({\"u}, \'e, \c{c}) to letters, escapes (\&, \%, \_)
 * to their characters, -- and --- to dashes, ~ to a space, braces and font commands
 * (\emph{x}, \textbf{x}) dropped around their text. Memory owned by a. */
const char *bib_detex(const char *s, arena *a);

/* Adds e to b (e->key set); a key already there is a warning at e, and e is dropped. */
void bib_add(bib *b, const bib_entry *e, diag *d);

#endif
