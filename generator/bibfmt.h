/* SPDX-License-Identifier: MIT
 * bibfmt.h - citation styles: a bibliography entry as an HTML reference (GB/T 7714-2015
 * numeric, or Vancouver), and the in-text citation marks. Pure functions over bib.h's
 * entries; thread-safe. */
#ifndef CLINFOLIO_BIBFMT_H
#define CLINFOLIO_BIBFMT_H

#include "bib.h"
#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum bibfmt_style { BIBFMT_GBT7714, BIBFMT_VANCOUVER } bibfmt_style;

/* The styles `citation_style` may name, for messages. */
#define BIBFMT_STYLE_NAMES "gb-t-7714, vancouver"

/* The style called name ("gb-t-7714", "vancouver"); false for any other name. */
bool bibfmt_style_parse(bibfmt_style *out, const char *name);

/* Appends e as one reference of the list, HTML-escaped, its DOI (https://doi.org/...)
 * and http(s) URL as links, without its number. GB/T 7714: "YOCK P G, ZENIOS S,
 * MAKOWER J, et al. Title[M]. 2nd ed. Cambridge: Cambridge University Press, 2015.",
 * with ", 等" after three authors for a Chinese entry (e->zh). Vancouver: "Yock PG,
 * Zenios S, ... et al. Title. Journal. 2015;11(4):431-436. doi:10...." (six authors
 * before "et al."). */
void bibfmt_reference(buf *out, const bib_entry *e, bibfmt_style style);

/* Appends the label of reference number n in the list: "[1]" (GB/T 7714) or "1.". */
void bibfmt_label(buf *out, size_t n, bibfmt_style style);

/* One cited work in a citation: its number in the list and its key (the anchor
 * ref-<key>). */
typedef struct bibfmt_cited {
    size_t number;
    const char *key;
} bibfmt_cited;

/* Appends the citation mark of works[0..n) (sorted here by number; repeats dropped),
 * each number a link to #ref-<key>, three or more consecutive numbers as a range.
 * GB/T 7714: <sup class="citation">[1,3-5]</sup> with the locator after the bracket
 * ([1]12, "p." dropped); Vancouver: <span class="citation">[1, 3–5, p. 12]</span>.
 * locator may be NULL. Sorts works in place. */
void bibfmt_citation(buf *out, bibfmt_cited *works, size_t n, const char *locator,
                     bibfmt_style style);

#endif
