/* SPDX-License-Identifier: MIT
 * diag.h - diagnostics users see, in GCC's shape: `file:line:col: error: message`.
 * Every pass reports here and keeps going; main prints them sorted and picks the exit
 * status. Safe to report from several threads at once (an internal mutex). */
#ifndef CLINFOLIO_DIAG_H
#define CLINFOLIO_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A place in a source file. line and col are 1-based; col counts characters, 0 means
 * unknown (printed as `file:line:`); line 0 means the whole file (`file:`). */
typedef struct src_pos {
    const char *file; /* relative to the site root; NULL: no file (`clinfolio:`) */
    unsigned line, col;
} src_pos;

#define SRC_POS(f, l, c) ((src_pos){(f), (l), (c)})
#define SRC_NONE         ((src_pos){NULL, 0, 0})

typedef enum diag_level { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR } diag_level;

typedef struct diag diag;

diag *diag_new(void);
void diag_free(diag *d);

/* Record a diagnostic; the file name and message are copied. Returns its id, which
 * diag_note() uses to attach follow-up notes that print right after it. Messages quote
 * user text, so the stored message is cleaned: invalid UTF-8 becomes U+FFFD and control
 * characters other than tab and newline are dropped. */
size_t diag_report(diag *d, diag_level level, src_pos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
size_t diag_vreport(diag *d, diag_level level, src_pos at, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
void diag_note(diag *d, size_t id, src_pos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* diag_report for a named check: code is the rule's name in kebab case ("unknown-key",
 * "stage-order"), a string literal (it is kept, not copied). Codes are what `site.yaml`
 * `checks:` switches and what `clinfolio check --format json` prints; diag_report's
 * diagnostics have none. */
size_t diag_report_code(diag *d, diag_level level, const char *code, src_pos at, const char *fmt,
                        ...) __attribute__((format(printf, 5, 6)));
size_t diag_vreport_code(diag *d, diag_level level, const char *code, src_pos at, const char *fmt,
                         va_list ap) __attribute__((format(printf, 5, 0)));

/* diag_report_code (parent SIZE_MAX) or diag_note (parent: the id of the diagnostic it is a
 * note of; level DIAG_NOTE, code NULL) with a message already made, text[0..len) (up to a
 * NUL), as "%.*s" would give it but without formatting: diagnostics restored from the
 * cache (serial.c). */
size_t diag_report_text(diag *d, diag_level level, const char *code, src_pos at, size_t parent,
                        const char *text, size_t len);

/* --strict: from now on every warning is reported (and counted, and printed) as an error. */
void diag_set_strict(diag *d, bool strict);

/* What `site.yaml` `checks:` makes of a check's warnings. */
typedef enum diag_check {
    DIAG_CHECK_OFF,     /* dropped: neither printed nor counted (nor their notes) */
    DIAG_CHECK_WARNING, /* left as warnings (the default) */
    DIAG_CHECK_ERROR,   /* reported as errors */
} diag_check;

/* From now on, warnings reported with this code (diag_report_code) are switched to
 * level; --strict then applies to those still warnings. Only warnings are switched: a
 * check that reports an error keeps it an error. code is copied; setting a code again
 * replaces its level. */
void diag_set_check(diag *d, const char *code, diag_check level);

/* A diagnostic as reported (before `checks:` and --strict, unless hidden says it was
 * switched off), for the cache of incremental builds to keep and report again. */
typedef struct diag_item {
    diag_level level;
    const char *code;
    src_pos at;
    const char *msg;
    size_t parent; /* a note's entry (an index of the same list); SIZE_MAX at top level */
    bool hidden;
} diag_item;

/* The diagnostics of d in report order, in *out (free() it; the strings stay d's). */
size_t diag_items(diag *d, diag_item **out);
/* The same in an order that does not depend on the order of reports (which the pool's
 * threads make in any order): by position, first note and message, each entry followed
 * by its notes. What a build's diagnostics are stored as (the cache's "inputs", sliced:
 * the same diagnostics, the same bytes). */
size_t diag_items_sorted(diag *d, diag_item **out);

/* A lasting copy of code[0..len) for diag_report_code (which keeps the pointer), the
 * same pointer for the same code; NULL after 256 different codes. */
const char *diag_code_intern(const char *code, size_t len);

/* How many diagnostics the calling thread has reported so far (to any diag): a render
 * that reported one is not remembered for the next build, whose skipped render would
 * not report it again. */
size_t diag_thread_reports(void);

/* Until it is cleared (note NULL), every error or warning this thread reports gets a note
 * `note` at `at` (render errors name the page being rendered this way). note is
 * borrowed and must stay valid while it is set. */
void diag_set_context(src_pos at, const char *note);

/* Moves every diagnostic of `from` (reported with neither `checks:` nor --strict, e.g. one
 * page's, collected apart on a worker thread) to the end of d, in from's order with its
 * notes, applying d's `checks:` and --strict as diag_report would. from keeps its entries
 * without their messages: only diag_free it. A NULL from is none. */
void diag_merge(diag *d, diag *from);

size_t diag_error_count(const diag *d);
size_t diag_warning_count(const diag *d);

/* Print every diagnostic sorted by (file, line, col), ties in report order, each
 * followed by its notes. Warnings and notes are left out when errors_only. */
void diag_print(const diag *d, FILE *f, bool errors_only);

/* The whole list as text, as diag_print would write it (for tests); free() it. */
char *diag_to_string(const diag *d);

/* The diagnostics as one JSON array (RFC 8259), in diag_print's order: one object per
 * error or warning, {"file", "line", "column", "level", "code", "message", "notes"}:
 * file null for a whole-run message (`clinfolio:`), line null for a whole file, column
 * null when unknown; code the check's code, else the level's name ("error",
 * "warning"); notes a list of {"file", "line", "column", "message"}. Strings are valid
 * UTF-8 (invalid bytes in file names become U+FFFD). No trailing newline. Warnings are
 * left out when errors_only. */
void diag_print_json(const diag *d, FILE *f, bool errors_only);

/* Errors and warnings as printed (after `checks:` and --strict), per code, sorted by
 * code; those reported without a code count under "error" or "warning". */
typedef struct diag_code_count {
    const char *code; /* valid while d lives */
    size_t errors, warnings;
} diag_code_count;

/* The counts, *n of them; free() the array. */
diag_code_count *diag_count_codes(const diag *d, size_t *n);

/* Column (1-based, in characters) of the byte at byte_index in line, which starts at
 * line_start. cmark-gfm counts bytes; we count characters (UTF-8 sequences). */
unsigned diag_col_from_byte(const char *line_start, size_t byte_index);

#endif
