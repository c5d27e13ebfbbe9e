/* SPDX-License-Identifier: MIT
 * bibfile.c - a bibliography file into a bib (see bibfile.h). */
#include "bibfile.h"

#include "buf.h"
#include "fs.h"

#include <string.h>
#include <strings.h>

bool
bib_load(bib *b, const char *root, const char *rel, arena *a, diag *d)
{
    buf text = BUF_INIT;
    bool ok = fs_read_input(&text, root, rel, rel, FS_MAX_INPUT, d);
    size_t len = strlen(rel);
    if (ok && len > 5 && strcasecmp(rel + len - 5, ".json") == 0)
        ok = bib_read_csl(b, rel, text.ptr, text.len, a, d);
    else if (ok)
        ok = bib_read_bibtex(b, rel, text.ptr, text.len, a, d);
    buf_free(&text);
    return ok;
}
