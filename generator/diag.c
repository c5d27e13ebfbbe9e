/* SPDX-License-Identifier: MIT
 * diag.c - collect diagnostics from every pass and print them sorted. */
#include "diag.h"

#include "buf.h"
#include "text.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

typedef struct entry {
    diag_level level;
    const char *code; /* the rule's name (a string literal), or NULL */
    char *file;
    unsigned line, col;
    char *msg;
    size_t seq;    /* report order, for stable sorting */
    size_t parent; /* notes: id of the entry they follow; SIZE_MAX for top-level */
    bool hidden;   /* switched off by `checks:` (or a note of such an entry) */
} entry;

typedef struct check_level {
    char *code;
    diag_check level;
} check_level;

struct diag {
    pthread_mutex_t lock;
    entry *items;
    size_t len, cap;
    size_t errors, warnings;
    bool strict;         /* warnings are reported as errors (--strict) */
    check_level *checks; /* `checks:` of site.yaml */
    size_t n_checks;
};

diag *
diag_new(void)
{
    diag *d = xcalloc(1, sizeof(diag));
    pthread_mutex_init(&d->lock, NULL);
    return d;
}

void
diag_free(diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->len; i++) {
        free(d->items[i].file);
        free(d->items[i].msg);
    }
    free(d->items);
    for (size_t i = 0; i < d->n_checks; i++)
        free(d->checks[i].code);
    free(d->checks);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* The thread's current context (diag_set_context): the page being worked on. */
static _Thread_local struct {
    src_pos at;
    const char *note; /* NULL: none */
    size_t reports;   /* diagnostics this thread reported, to any diag */
} context;

size_t
diag_thread_reports(void)
{
    return context.reports;
}

void
diag_set_context(src_pos at, const char *note)
{
    context.at = at;
    context.note = note;
}

/* Appends an entry; the caller holds the lock. */
static size_t
push(diag *d, diag_level level, const char *code, src_pos at, size_t parent, char *msg)
{
    d->items = xgrow(d->items, d->len, &d->cap, sizeof(entry), 16);
    size_t id = d->len++;
    d->items[id] = (entry){
        level, code, at.file ? xstrdup(at.file) : NULL, at.line, at.col, msg, id, parent, false};
    return id;
}

/* The level `checks:` gives a warning with this code; the caller holds the lock. */
static diag_check
check_of(const diag *d, const char *code)
{
    for (size_t i = 0; code && i < d->n_checks; i++)
        if (strcmp(d->checks[i].code, code) == 0)
            return d->checks[i].level;
    return DIAG_CHECK_WARNING;
}

/* Appends an entry after `checks:` and --strict (top-level warnings), counting it unless
 * hidden; the caller holds the lock. A note of a hidden entry is hidden. */
static size_t
push_ruled(diag *d, diag_level level, const char *code, src_pos at, size_t parent, char *msg)
{
    bool hidden = parent != SIZE_MAX && d->items[parent].hidden;
    if (parent == SIZE_MAX && level == DIAG_WARNING) {
        diag_check check = check_of(d, code);
        hidden = check == DIAG_CHECK_OFF;
        if (check == DIAG_CHECK_ERROR || d->strict)
            level = DIAG_ERROR;
    }
    size_t id = push(d, level, code, at, parent, msg);
    d->items[id].hidden = hidden;
    if (parent == SIZE_MAX && !hidden) {
        if (level == DIAG_ERROR)
            d->errors++;
        else if (level == DIAG_WARNING)
            d->warnings++;
    }
    return id;
}

static size_t add(diag *d, diag_level level, const char *code, src_pos at, size_t parent,
                  const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* Appends the message text[0..len) (up to a NUL); see add(). */
static size_t
add_text(diag *d, diag_level level, const char *code, src_pos at, size_t parent, const char *text,
         size_t len)
{
    buf msg = BUF_INIT;
    const char *nul = memchr(text, '\0', len);
    /* messages quote user text: keep them valid UTF-8 without control characters */
    text_clean_xml(&msg, text, nul ? (size_t)(nul - text) : len);
    context.reports++;
    pthread_mutex_lock(&d->lock);
    size_t id = push_ruled(d, level, code, at, parent, buf_detach(&msg));
    if (parent == SIZE_MAX && !d->items[id].hidden && context.note)
        push(d, DIAG_NOTE, NULL, context.at, id, xstrdup(context.note));
    pthread_mutex_unlock(&d->lock);
    return id;
}

static size_t
add(diag *d, diag_level level, const char *code, src_pos at, size_t parent, const char *fmt,
    va_list ap)
{
    buf raw = BUF_INIT;
    buf_vprintf(&raw, fmt, ap);
    size_t id = add_text(d, level, code, at, parent, raw.ptr, raw.len);
    buf_free(&raw);
    return id;
}

size_t
diag_report_text(diag *d, diag_level level, const char *code, src_pos at, size_t parent,
                 const char *text, size_t len)
{
    return add_text(d, level, code, at, parent, text, len);
}

void
diag_merge(diag *d, diag *from)
{
    if (!from) /* none made: nothing to merge */
        return;
    pthread_mutex_lock(&from->lock);
    if (from->len == 0) { /* most pages' own: d's lock not taken (the pool's threads merge
                           * 10,000 pages' into the build's at once) */
        pthread_mutex_unlock(&from->lock);
        return;
    }
    size_t *ids = xcalloc(from->len + 1, sizeof(size_t));
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < from->len; i++) {
        entry *e = &from->items[i];
        size_t parent = e->parent == SIZE_MAX ? SIZE_MAX : ids[e->parent];
        ids[i] =
            push_ruled(d, e->level, e->code, SRC_POS(e->file, e->line, e->col), parent, e->msg);
        e->msg = NULL; /* moved */
    }
    free(ids);
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_unlock(&from->lock);
}

void
diag_set_strict(diag *d, bool strict)
{
    pthread_mutex_lock(&d->lock);
    d->strict = strict;
    pthread_mutex_unlock(&d->lock);
}

void
diag_set_check(diag *d, const char *code, diag_check level)
{
    pthread_mutex_lock(&d->lock);
    size_t i = 0;
    while (i < d->n_checks && strcmp(d->checks[i].code, code) != 0)
        i++;
    if (i == d->n_checks) {
        d->checks = xrealloc(d->checks, (d->n_checks + 1) * sizeof(check_level));
        d->checks[d->n_checks++].code = xstrdup(code);
    }
    d->checks[i].level = level;
    pthread_mutex_unlock(&d->lock);
}

size_t
diag_vreport(diag *d, diag_level level, src_pos at, const char *fmt, va_list ap)
{
    return add(d, level, NULL, at, SIZE_MAX, fmt, ap);
}

size_t
diag_report(diag *d, diag_level level, src_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t id = add(d, level, NULL, at, SIZE_MAX, fmt, ap);
    va_end(ap);
    return id;
}

size_t
diag_vreport_code(diag *d, diag_level level, const char *code, src_pos at, const char *fmt,
                  va_list ap)
{
    return add(d, level, code, at, SIZE_MAX, fmt, ap);
}

size_t
diag_report_code(diag *d, diag_level level, const char *code, src_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t id = add(d, level, code, at, SIZE_MAX, fmt, ap);
    va_end(ap);
    return id;
}

size_t
diag_items(diag *d, diag_item **out)
{
    pthread_mutex_lock(&d->lock);
    diag_item *items = xcalloc(d->len + 1, sizeof(diag_item));
    for (size_t i = 0; i < d->len; i++) {
        const entry *e = &d->items[i];
        items[i] = (diag_item){e->level, e->code,   SRC_POS(e->file, e->line, e->col),
                               e->msg,   e->parent, e->hidden};
    }
    size_t n = d->len;
    pthread_mutex_unlock(&d->lock);
    *out = items;
    return n;
}

const char *
diag_code_intern(const char *code, size_t len)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char *codes[256];
    static size_t n;
    const char *found = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n && !found; i++)
        if (strlen(codes[i]) == len && memcmp(codes[i], code, len) == 0)
            found = codes[i];
    if (!found && n < sizeof codes / sizeof codes[0]) {
        codes[n] = xmalloc(len + 1);
        memcpy(codes[n], code, len);
        codes[n][len] = '\0';
        found = codes[n++];
    }
    pthread_mutex_unlock(&lock);
    return found;
}

void
diag_note(diag *d, size_t id, src_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_NOTE, NULL, at, id, fmt, ap);
    va_end(ap);
}

size_t
diag_error_count(const diag *d)
{
    return d->errors;
}

size_t
diag_warning_count(const diag *d)
{
    return d->warnings;
}

/* A top-level entry and its first note, sorted together. */
typedef struct ranked {
    const entry *e, *note;
} ranked;

static int
cmp_pos(const entry *a, const entry *b)
{
    /* entries without a file (whole-run messages) come first */
    if (!a->file != !b->file)
        return a->file ? 1 : -1;
    if (a->file) {
        int c = strcmp(a->file, b->file);
        if (c)
            return c;
    }
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return 0;
}

/* By position, then by the first note (its position and message), an entry with a note
 * after one without at the same place. Worker threads report in any order, but the same
 * template error on two pages differs in its note (the page). */
static int
cmp_heads(const ranked *a, const ranked *b)
{
    int c = cmp_pos(a->e, b->e);
    if (!c && a->note && b->note) {
        c = cmp_pos(a->note, b->note);
        if (!c)
            c = strcmp(a->note->msg, b->note->msg);
    }
    if (!c && !a->note != !b->note)
        c = a->note ? 1 : -1;
    return c;
}

static int
cmp_seq(const ranked *a, const ranked *b)
{
    return a->e->seq < b->e->seq ? -1 : a->e->seq > b->e->seq;
}

/* cmp_heads, then in report order: how diag_print orders them. */
static int
cmp_ranked(const void *pa, const void *pb)
{
    int c = cmp_heads(pa, pb);
    return c ? c : cmp_seq(pa, pb);
}

/* cmp_heads, then by message and level: an order of the entries alone. */
static int
cmp_content(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    int c = cmp_heads(a, b);
    if (!c)
        c = strcmp(a->e->msg, b->e->msg);
    if (!c)
        c = (int)a->e->level - (int)b->e->level;
    return c ? c : cmp_seq(a, b);
}

/* The top-level entries of d (the hidden ones too when with_hidden) in *top, each with
 * its first note, and in *next each note's next one in report order (SIZE_MAX: none), so
 * that a walk of the notes stays linear: what both orders of the entries sort and walk.
 * The caller holds d's lock; returns how many entries *top holds. */
static size_t
rank_entries(const diag *d, bool with_hidden, ranked **top_out, size_t **next_out)
{
    ranked *top = xcalloc(d->len + 1, sizeof(ranked));
    size_t *next = xmalloc((d->len + 1) * sizeof(size_t)); /* a note -> the next one */
    size_t *slot = xmalloc((d->len + 1) * sizeof(size_t)); /* an entry -> its place in top */
    size_t *last = xmalloc((d->len + 1) * sizeof(size_t)); /* place in top -> last note */
    size_t n = 0;
    for (size_t i = 0; i < d->len; i++) {
        const entry *e = &d->items[i];
        next[i] = slot[i] = SIZE_MAX;
        if (e->hidden && !with_hidden)
            continue; /* off (a note of an entry that is off is off too) */
        if (e->parent == SIZE_MAX) {
            slot[i] = n;
            top[n++] = (ranked){e, NULL};
            continue;
        }
        size_t k = slot[e->parent]; /* a note's parent is top-level (notes get no id) */
        if (k == SIZE_MAX)
            continue;
        if (!top[k].note)
            top[k].note = e;
        else
            next[last[k]] = i;
        last[k] = i;
    }
    free(slot);
    free(last);
    *top_out = top;
    *next_out = next;
    return n;
}

/* The place in d->items of r's first note, SIZE_MAX when it has none (then next[] on). */
static size_t
first_note(const diag *d, const ranked *r)
{
    return r->note ? (size_t)(r->note - d->items) : SIZE_MAX;
}

size_t
diag_items_sorted(diag *d, diag_item **out)
{
    pthread_mutex_lock(&d->lock);
    ranked *top;
    size_t *next;
    size_t n = rank_entries(d, true, &top, &next);
    qsort(top, n, sizeof(ranked), cmp_content);
    diag_item *items = xcalloc(d->len + 1, sizeof(diag_item));
    size_t k = 0;
    for (size_t t = 0; t < n; t++) { /* each entry, then its notes */
        const entry *e = top[t].e;
        size_t at = k;
        items[k++] = (diag_item){e->level, e->code,  SRC_POS(e->file, e->line, e->col),
                                 e->msg,   SIZE_MAX, e->hidden};
        for (size_t i = first_note(d, &top[t]); i != SIZE_MAX; i = next[i]) {
            const entry *note = &d->items[i];
            items[k++] =
                (diag_item){note->level, note->code, SRC_POS(note->file, note->line, note->col),
                            note->msg,   at,         note->hidden};
        }
    }
    pthread_mutex_unlock(&d->lock);
    free(top);
    free(next);
    *out = items;
    return k;
}

static const char *const level_names[] = {"note", "warning", "error"};

static void
format_entry(buf *out, const entry *e)
{
    if (!e->file)
        buf_puts(out, "clinfolio");
    else if (e->line == 0)
        buf_puts(out, e->file);
    else if (e->col == 0)
        buf_printf(out, "%s:%u", e->file, e->line);
    else
        buf_printf(out, "%s:%u:%u", e->file, e->line, e->col);
    buf_printf(out, ": %s: %s\n", level_names[e->level], e->msg);
}

/* {====================================================================
 * JSON
 * ===================================================================== */

/* s as a JSON string: valid UTF-8 (invalid bytes become U+FFFD, control characters other
 * than tab and newline are dropped, as in messages), '"' '\\' and control characters
 * escaped; NULL is null. */
static void
json_string(buf *out, const char *s)
{
    if (!s) {
        buf_puts(out, "null");
        return;
    }
    buf clean = BUF_INIT;
    text_clean_xml(&clean, s, strlen(s));
    buf_putc(out, '"');
    for (size_t i = 0; i < clean.len; i++) {
        unsigned char c = (unsigned char)clean.ptr[i];
        if (c == '"' || c == '\\')
            buf_printf(out, "\\%c", c);
        else if (c == '\n')
            buf_puts(out, "\\n");
        else if (c == '\t')
            buf_puts(out, "\\t");
        else if (c < 0x20 || c == 0x7f)
            buf_printf(out, "\\u%04x", c);
        else
            buf_putc(out, (char)c);
    }
    buf_putc(out, '"');
    buf_free(&clean);
}

/* "file":..,"line":..,"column":.. of an entry */
static void
json_position(buf *out, const entry *e)
{
    buf_puts(out, "\"file\":");
    json_string(out, e->file);
    if (e->file && e->line)
        buf_printf(out, ",\"line\":%u", e->line);
    else
        buf_puts(out, ",\"line\":null");
    if (e->file && e->line && e->col)
        buf_printf(out, ",\"column\":%u", e->col);
    else
        buf_puts(out, ",\"column\":null");
}

static void
json_open_entry(buf *out, const entry *e, bool first)
{
    buf_puts(out, first ? "\n  {" : ",\n  {");
    json_position(out, e);
    buf_printf(out, ",\"level\":\"%s\",\"code\":", level_names[e->level]);
    json_string(out, e->code ? e->code : level_names[e->level]);
    buf_puts(out, ",\"message\":");
    json_string(out, e->msg);
    buf_puts(out, ",\"notes\":[");
}

static void
json_note(buf *out, const entry *e, bool first)
{
    buf_puts(out, first ? "{" : ",{");
    json_position(out, e);
    buf_puts(out, ",\"message\":");
    json_string(out, e->msg);
    buf_putc(out, '}');
}

/* }==================================================================== */

/* Every diagnostic sorted, each followed by its notes: as text, or as a JSON array. */
static void
format_all(buf *out, const diag *d, bool errors_only, bool json)
{
    pthread_mutex_lock((pthread_mutex_t *)&d->lock);
    ranked *top;
    size_t *next;
    size_t n = rank_entries(d, false, &top, &next);
    qsort(top, n, sizeof(ranked), cmp_ranked);
    if (json)
        buf_putc(out, '[');
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (errors_only && top[i].e->level != DIAG_ERROR)
            continue;
        if (json)
            json_open_entry(out, top[i].e, first);
        else
            format_entry(out, top[i].e);
        first = false;
        for (size_t j = first_note(d, &top[i]); j != SIZE_MAX; j = next[j]) {
            if (json)
                json_note(out, &d->items[j], j == first_note(d, &top[i]));
            else
                format_entry(out, &d->items[j]);
        }
        if (json)
            buf_puts(out, "]}");
    }
    if (json)
        buf_puts(out, first ? "]" : "\n]");
    free(next);
    free(top);
    pthread_mutex_unlock((pthread_mutex_t *)&d->lock);
}

static void
print_all(const diag *d, FILE *f, bool errors_only, bool json)
{
    buf out = BUF_INIT;
    format_all(&out, d, errors_only, json);
    fwrite(out.ptr, 1, out.len, f);
    buf_free(&out);
}

void
diag_print(const diag *d, FILE *f, bool errors_only)
{
    print_all(d, f, errors_only, false);
}

char *
diag_to_string(const diag *d)
{
    buf out = BUF_INIT;
    format_all(&out, d, false, false);
    return buf_detach(&out);
}

void
diag_print_json(const diag *d, FILE *f, bool errors_only)
{
    print_all(d, f, errors_only, true);
}

static int
cmp_counts(const void *pa, const void *pb)
{
    return strcmp(((const diag_code_count *)pa)->code, ((const diag_code_count *)pb)->code);
}

diag_code_count *
diag_count_codes(const diag *d, size_t *n)
{
    pthread_mutex_lock((pthread_mutex_t *)&d->lock);
    diag_code_count *counts = xcalloc(d->len + 1, sizeof(diag_code_count));
    *n = 0;
    for (size_t i = 0; i < d->len; i++) {
        const entry *e = &d->items[i];
        if (e->parent != SIZE_MAX || e->hidden || e->level == DIAG_NOTE)
            continue;
        const char *code = e->code ? e->code : level_names[e->level];
        size_t k = 0;
        while (k < *n && strcmp(counts[k].code, code) != 0)
            k++;
        if (k == *n)
            counts[(*n)++].code = code;
        if (e->level == DIAG_ERROR)
            counts[k].errors++;
        else
            counts[k].warnings++;
    }
    pthread_mutex_unlock((pthread_mutex_t *)&d->lock);
    qsort(counts, *n, sizeof(diag_code_count), cmp_counts);
    return counts;
}

unsigned
diag_col_from_byte(const char *line_start, size_t byte_index)
{
    unsigned col = 1;
    for (size_t i = 0; i < byte_index; i++)
        if (((unsigned char)line_start[i] & 0xC0) != 0x80) /* not a continuation byte */
            col++;
    return col;
}
