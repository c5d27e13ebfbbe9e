/* SPDX-License-Identifier: MIT
 * bibfile.h - reading a bibliography file into a bib (bib.h): the format by the file's
 * name, then its reader. Apart from bib.c, so that the model does not call its readers,
 * which fill it. */
#ifndef CLINFOLIO_BIBFILE_H
#define CLINFOLIO_BIBFILE_H

#include "arena.h"
#include "bib.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>

/* Reads the file rel (relative to root; diagnostics name it rel) into b: BibTeX unless
 * its name ends in ".json" (CSL-JSON). Each file's @string macros are its own. A
 * syntax error is an error at the file's line (BibTeX) or line and column (JSON); a
 * key already in b is a warning at the second entry, which is left out. Returns false
 * after reporting an error. Not thread-safe (libbtparse has global state): call it on
 * one thread, and never while another thread might. */
bool bib_load(bib *b, const char *root, const char *rel, arena *a, diag *d);

/* The readers bib_load calls: text[0..len) of the file rel into b (bibtex.c, the only
 * user of libbtparse; csljson.c, the only user of jansson). */
bool bib_read_bibtex(bib *b, const char *rel, const char *text, size_t len, arena *a, diag *d);
bool bib_read_csl(bib *b, const char *rel, const char *text, size_t len, arena *a, diag *d);

#endif
