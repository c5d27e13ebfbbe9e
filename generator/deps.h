/* SPDX-License-Identifier: MIT
 * deps.h - what a render read from its context, so that the next build can tell,
 * without rendering, whether it would read the same (incremental builds).
 *
 * A render's reads are paths from its root context (`page.title`,
 * `site.sections["projects"].url`, `paginator.pages[3].summary`), each with how much of
 * the value mattered: all of it (printed, compared, given to a filter), its shape (a
 * loop over it: a list's length, a map's keys in order) or only its truth (an `if`).
 * The log keeps each such read once with a hash of what it saw; deps_check() resolves
 * the same paths in a new context and compares. Lookups go through deps_get_attr() and
 * deps_get_index(), which the template evaluator uses too, so a path means the same in
 * both. Render workers each keep their own log and memo; nothing here is shared. */
#ifndef CLINFOLIO_DEPS_H
#define CLINFOLIO_DEPS_H

#include "arena.h"
#include "buf.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One step of a path: `.name` (attribute), `[ "key" ]` (a string index), `[ n ]` (a
 * number index, with the number's text as the template printed it) or `| reverse` of a
 * list (no text: the list's items in the opposite order, as the filter gives them, so
 * that a loop over a reversed list reads its items by their own paths). */
typedef enum deps_op { DEPS_ATTR, DEPS_KEY, DEPS_NUM, DEPS_REVERSE } deps_op;

typedef struct deps_path {
    const struct deps_path *parent; /* NULL: the root context (then op is DEPS_ATTR) */
    const char *text;               /* the name, key, or number's text */
    size_t len;
    double num; /* DEPS_NUM */
    unsigned char op;
    uint64_t hash;    /* of the steps from the root: 0 until deps.c computes it (once) */
    const value *val; /* what the step found (NULL: nothing, or not known) */
} deps_path;

/* How much of a value a render used. */
typedef enum deps_kind {
    DEPS_DEEP,  /* everything in it */
    DEPS_SHAPE, /* its type and, for a list its length, for a map its keys in order */
    DEPS_TRUTH, /* whether it is defined, and whether it is true */
    DEPS_ATTRS, /* a list's length and one attribute of each item (deps_log_attrs) */
} deps_kind;

/* obj.name as templates read it: a map's key, a list's item for a name of digits. NULL
 * when there is none. */
const value *deps_get_attr(const value *obj, const char *name, size_t len);
/* obj[idx]: a map's key (a string, or a number's text), a list's item (negative counts
 * from the end), a string's character (a new string in scratch). NULL when none. */
const value *deps_get_index(const value *obj, const value *idx, arena *scratch);
/* The list obj with its items in the opposite order (a new list in scratch, sharing the
 * items); NULL when obj is not a list. */
const value *deps_get_reverse(const value *obj, arena *scratch);

/* The value one step (op, text[0..len), num: as in deps_path) leads to from v, as the
 * evaluator and deps_check() take it; NULL when none. */
const value *deps_step(const value *v, deps_op op, const char *text, size_t len, double num,
                       arena *scratch);

/* Pointer -> hash of the containers one worker hashed, so that a list read by many
 * outputs is hashed once per build. Lives as long as the values it was used on. */
typedef struct deps_memo deps_memo;
deps_memo *deps_memo_new(void);
void deps_memo_free(deps_memo *m);

/* Tells memo that the deep hash of v is h (computed with another memo, as by a
 * worker), so that a deep hash reaching v takes h. */
void deps_memo_put_deep(deps_memo *m, const value *v, uint64_t h);

/* The hash of what kind says matters of v (NULL: not there); not for DEPS_ATTRS. */
uint64_t deps_hash(const value *v, deps_kind kind, deps_memo *memo);
/* A deep hash of v that leaves out the pairs of maps whose key is in skip (a NULL-ended
 * list of names, a static array: its address names it); tag names the list for the memo
 * (one tag per list). */
uint64_t deps_hash_except(const value *v, const char *const *skip, uint64_t tag, deps_memo *memo);
/* Values whose deep hash (deps_hash(v, DEPS_DEEP)) is known already, vals[i] with
 * hashes[i]: a page's front matter and stages, restored from the cache with them
 * (memo.c). deps_hash_early() takes them for its pairs' values instead of walking them. */
typedef struct deps_known {
    const value *const *vals;
    const uint64_t *hashes;
    size_t n;
} deps_known;
/* The deep hash of the map v made of hashes[i], the deep hash of its pair i's value:
 * what deps_hash(v, DEPS_DEEP) gives, without walking the values. */
uint64_t deps_hash_map_of(const value *v, const uint64_t *hashes);
/* A deep hash of the map v made in two steps, for a map some of whose pairs are set after
 * the others (a page's: page.data and the Markdown's results come after the model).
 * deps_hash_early() hashes, in order, the pairs whose key is not in late (a NULL-ended
 * list, a static array: its address names it); deps_hash_late() adds to that the late pairs,
 * each with its place. As long as the
 * other pairs are the ones early was made of, the result tells maps apart as a deep hash
 * does (it is another number than deps_hash()'s). No memo: the containers of a page are
 * its own. Not a map: deps_hash_early() gives the deep hash, deps_hash_late() early.
 * known (or NULL): values of v's pairs whose hashes are known (each found by its address),
 * the same hash made faster. */
uint64_t deps_hash_early(const value *v, const char *const *late, const deps_known *known);
uint64_t deps_hash_late(uint64_t early, const value *v, const char *const *late,
                        const deps_known *known);
/* DEPS_ATTRS: the length of the list v and the attribute attr[0..len) (a dotted path,
 * "outcomes.funding") of each item; all of v when it is not a list. */
uint64_t deps_hash_attrs(const value *v, const char *attr, size_t len, deps_memo *memo);

/* One render's reads. */
/* Paths longer than this are not logged (the render is then never skipped). */
#define DEPS_MAX_STEPS 256

typedef struct deps_log {
    buf data;        /* the encoded reads, see deps.c */
    size_t n;        /* how many */
    uint64_t *seen;  /* hashes of the reads logged, open addressing (0: empty) */
    size_t seen_cap; /* a power of two */
    deps_memo *memo;
    bool overflow; /* a read too deep to log: the render must not be skipped next time */
    const deps_path *prev[DEPS_MAX_STEPS]; /* the steps of the read logged last */
    size_t prev_n;
    /* the anchors (value.anchor: pages' maps) reads went through, numbered in order of
     * first use (pointer -> number) */
    deps_memo *anchors;
    size_t n_anchors;
    /* deps_log_split(): the log of the reads from the root's split_root */
    struct deps_log *split;
    const char *split_root;
} deps_log;

void deps_log_init(deps_log *l, deps_memo *memo);
/* Logs that the render used `kind` of v, found at path p. */
void deps_log_add(deps_log *l, const deps_path *p, deps_kind kind, const value *v);
/* Logs that the render used the length of the list found at p and the attribute
 * attr[0..len) of each of its items (a filter such as map(attribute=...)). */
void deps_log_attrs(deps_log *l, const deps_path *p, const value *list, const char *attr,
                    size_t len);
/* From now on, the reads whose path starts at the root's `root` (a name, borrowed) go to
 * shared instead of l, encoded as a log of their own: a check of l and one of shared
 * together tell what a check of one log of all the reads would. Many renders read the
 * same of `site` (its title, menu, strings), so that part of their logs is often the
 * same bytes, checked once per build for all of them (memo.c). A read too deep to log
 * still sets l->overflow. */
void deps_log_split(deps_log *l, deps_log *shared, const char *root);
/* Empties the log (and the log it splits reads into) for the next render (keeps their
 * memory). */
void deps_log_reset(deps_log *l);
void deps_log_free(deps_log *l);

/* Whether every read in data[0..len) (a deps_log's data) sees the same in root as it
 * saw when it was logged. False on the first difference, and on data that does not
 * decode (a damaged cache is never trusted). scratch holds temporary values.
 * A read whose path went through an anchor (a page's map) is taken as unchanged when the
 * same steps lead to an anchor with the deep hash the first one had: a page that did not
 * change is not read again value by value, whatever the render read of it. A read of the
 * root's `page`, when that is an anchor (the output of a page), is logged as a read of
 * the page whole (DEPS_DEEP): the output depends on all of its own page. */
bool deps_check(const void *data, size_t len, const value *root, deps_memo *memo, arena *scratch);

#endif
