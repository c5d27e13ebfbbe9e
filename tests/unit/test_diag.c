/* SPDX-License-Identifier: MIT
 * test_diag.c - diagnostics: counts, sorting, notes, --strict. */
#include "harness.h"

#include "diag.h"

#include <stdlib.h>
#include <string.h>

static void
test_strict(void)
{
    diag *d = diag_new();
    diag_report(d, DIAG_WARNING, SRC_POS("a.md", 2, 1), "before");
    diag_set_strict(d, true);
    diag_report_code(d, DIAG_WARNING, "stage-order", SRC_POS("a.md", 1, 1), "after");
    diag_report_code(d, DIAG_ERROR, "bad-value", SRC_POS("b.md", 1, 1), "an error");
    INT_EQ(diag_warning_count(d), 1, "the warning before --strict stays one");
    INT_EQ(diag_error_count(d), 2, "the warning after --strict is an error");
    char *s = diag_to_string(d);
    STR_EQ(s,
           "a.md:1:1: error: after\n"
           "a.md:2:1: warning: before\n"
           "b.md:1:1: error: an error\n",
           "printed sorted, with the strict level");
    free(s);
    diag_free(d);
}

int
main(void)
{
    test_strict();
    return harness_done();
}
