/* SPDX-License-Identifier: MIT
 * template_eval.c - renders a linked template tree. All per-render state lives on the
 * stack or in the caller's scratch arena and the tree is only read, so any number of
 * threads may render from the same set at once. Part of the render pass. */
#include "template_internal.h"

#include "hash.h"
#include "text.h"
#include "xalloc.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const value template_true = {.type = VALUE_BOOL, .as.boolean = true};
const value template_false = {.type = VALUE_BOOL, .as.boolean = false};
const value template_null = {.type = VALUE_NULL};

/* {====================================================================
 * state
 * ===================================================================== */

typedef struct var {
    const char *name;
    size_t len;
    template_rv val;
} var;

/* A scope: the template's top level, a loop body, a block, an include, a macro call. */
typedef struct frame {
    struct frame *parent;
    var *vars;
    size_t len, cap;
} frame;

typedef struct loop_state {
    size_t index0, length;
    const value *const *items;     /* for previtem and nextitem */
    const deps_path *const *paths; /* where each item is, when the render logs reads */
} loop_state;

enum { FLOW_NONE, FLOW_BREAK, FLOW_CONTINUE };

typedef struct render {
    const template_set *ts;
    buf *out; /* swapped for a temporary buffer while capturing */
    arena *scratch;
    diag *d;
    const value *root;
    unsigned calls;        /* nested include and macro calls */
    unsigned nest;         /* recursion of render_node and eval */
    int flow;              /* a pending break or continue */
    size_t steps;          /* nodes run so far, against TEMPLATE_MAX_STEPS */
    deps_log *log;         /* the reads of the root context, or NULL (deps.h) */
    template_cache *cache; /* or NULL */
    /* the list of the root context a `where` under `first`/`last` filtered (USE_PICK) */
    const deps_path *pick_path;
    const value *pick_list;
    const struct frag_read
        *frag_checked;            /* reads of the root context a cached include checked here */
    struct frag_capture *capture; /* an include marked `cached` rendering anew, or NULL */
    const struct frame *capture_boundary; /* its frame: names found beyond it are its inputs */
} render;

/* How an expression's value is used, which decides what a read of the root context
 * logs: all of it (printed, compared, given to a filter or a macro), nothing yet (the
 * object of `.attr`, `[i]` or a loop: what is then read of it is logged), only
 * whether it is defined and true (`if`, `not`, `and`/`or` under them), only how many
 * items it has (`length`, `count`), or, for a `where` under `first` or `last` (the
 * lookup `xs | where(attribute="name", value=n) | first`), which item it picks: the item
 * then has its own path in xs. */
typedef enum use { USE_VALUE, USE_REF, USE_TRUTH, USE_COUNT, USE_PICK } use;

/* Where code runs: the template it belongs to (for positions, autoescape and blocks) and
 * its scope. */
typedef struct exec {
    const template_unit *owner;
    const template_unit *const *chain; /* the extends chain being rendered; NULL in macros */
    size_t chain_len;
    frame *scope;
    frame *tframe; /* the template's top frame, for set_global */
    const char *block;
    size_t block_len, block_level; /* the block being rendered, for super() */
} exec;

static bool rerr(render *r, const exec *ex, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool
rerr(render *r, const exec *ex, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(r->d, DIAG_ERROR, SRC_POS(ex->owner->diag_file, line, col), fmt, ap);
    va_end(ap);
    return false;
}

static template_rv
rv_of(const value *v)
{
    return (template_rv){v, NULL, TEMPLATE_RV_VALUE, false, NULL};
}

static template_rv
rv_undef(void)
{
    return rv_of(NULL);
}

static template_rv
rv_bool(bool b)
{
    return rv_of(b ? &template_true : &template_false);
}

static template_rv
rv_num(render *r, double n)
{
    return rv_of(value_new_number(r->scratch, n, SRC_NONE));
}

static bool
is_type(const template_rv *v, value_type t)
{
    return v->kind == TEMPLATE_RV_VALUE && v->v && v->v->type == t;
}

bool
template_truthy(const template_rv *v)
{
    if (v->kind == TEMPLATE_RV_LOOP)
        return true;
    return v->kind == TEMPLATE_RV_VALUE && value_truthy(v->v);
}

const char *
template_type_name(const template_rv *v)
{
    if (v->kind == TEMPLATE_RV_LOOP)
        return "loop";
    if (v->kind != TEMPLATE_RV_VALUE || !v->v)
        return "undefined";
    return value_type_name(v->v->type);
}

const char *
template_text(const template_rv *v, size_t *len, arena *scratch)
{
    if (v->kind != TEMPLATE_RV_VALUE || !v->v) {
        *len = 0;
        return "";
    }
    if (v->v->type == VALUE_STRING) {
        *len = v->v->as.str.len;
        return v->v->as.str.ptr;
    }
    buf b = BUF_INIT;
    value_to_text(&b, v->v);
    char *s = arena_strndup(scratch, b.ptr, b.len);
    *len = b.len;
    buf_free(&b);
    return s;
}

static void
frame_set(render *r, frame *f, const char *name, size_t len, template_rv val)
{
    for (size_t i = 0; i < f->len; i++) {
        if (f->vars[i].len == len && memcmp(f->vars[i].name, name, len) == 0) {
            f->vars[i].val = val;
            return;
        }
    }
    f->vars = arena_grow(r->scratch, f->vars, f->len, &f->cap, sizeof(var), 8);
    f->vars[f->len++] = (var){name, len, val};
}

/* The step from parent to val (what it found: NULL when nothing). */
static const deps_path *
new_path(render *r, const deps_path *parent, deps_op op, const char *text, size_t len, double num,
         const value *val)
{
    deps_path *p = arena_alloc(r->scratch, sizeof *p);
    *p = (deps_path){parent, text, len, num, (unsigned char)op, 0, val};
    return p;
}

static void capture_read(render *r, const deps_path *p, deps_kind kind, const value *v,
                         const char *attr, size_t attr_len);
static template_rv capture_name(render *r, const char *name, size_t len, const template_rv *val);

/* Logs a read (deps_log_add, or deps_log_attrs when attr is not NULL); while a cached
 * include renders anew, the include keeps it (capture_read). */
static void
log_read(render *r, const deps_path *p, deps_kind kind, const value *v, const char *attr,
         size_t attr_len)
{
    if (r->capture)
        capture_read(r, p, kind, v, attr, attr_len);
    else if (attr)
        deps_log_attrs(r->log, p, v, attr, attr_len);
    else
        deps_log_add(r->log, p, kind, v);
}

/* Logs what `how` says of v, found at v->path, and forgets the path: what is read of v
 * afterwards is covered. */
static void
log_use(render *r, template_rv *v, use how)
{
    if (!v->path || how == USE_REF)
        return;
    deps_kind kind = how == USE_TRUTH ? DEPS_TRUTH : how == USE_COUNT ? DEPS_SHAPE : DEPS_DEEP;
    log_read(r, v->path, kind, v->kind == TEMPLATE_RV_VALUE ? v->v : NULL, NULL, 0);
    v->path = NULL;
}

/* The variable `name` of scope or the frames above it (the nearest), NULL when none;
 * *where (where not NULL): the frame it is in. */
static const template_rv *
scope_find(const frame *scope, const char *name, size_t len, const frame **where)
{
    for (const frame *f = scope; f; f = f->parent)
        for (size_t i = f->len; i-- > 0;)
            if (f->vars[i].len == len && memcmp(f->vars[i].name, name, len) == 0) {
                if (where)
                    *where = f;
                return &f->vars[i].val;
            }
    if (where)
        *where = NULL;
    return NULL;
}

/* Whether the walk up from scope passes boundary before it reaches frame `at` (NULL: the
 * root context, past every frame). */
static bool
passes(const frame *scope, const frame *boundary, const frame *at)
{
    for (const frame *f = scope; f && f != at; f = f->parent)
        if (f == boundary)
            return true;
    return false;
}

static template_rv
lookup(render *r, const exec *ex, const char *name, size_t len)
{
    const frame *at;
    const template_rv *found = scope_find(ex->scope, name, len, &at);
    /* beyond the frame of a cached include rendering anew: one of its inputs */
    bool outside = r->capture && passes(ex->scope, r->capture_boundary, at);
    if (found)
        return outside ? capture_name(r, name, len, found) : *found;
    template_rv v = rv_of(value_map_getn(r->root, name, len));
    if (r->log)
        v.path = new_path(r, NULL, DEPS_ATTR, name, len, 0, v.v);
    if (outside)
        capture_name(r, name, len, NULL);
    return v;
}

/* {====================================================================
 * expressions
 * ===================================================================== */

static bool eval_as(render *r, const exec *ex, const template_expr *e, template_rv *out, use how);
static bool eval(render *r, const exec *ex, const template_expr *e, template_rv *out);
static bool render_body(render *r, const exec *ex, const template_node *n);

static template_rv
item_rv(const loop_state *l, size_t i, bool exists)
{
    if (!exists)
        return rv_undef();
    template_rv v = rv_of(l->items[i]);
    v.path = l->paths ? l->paths[i] : NULL;
    return v;
}

static template_rv
loop_attr(render *r, const loop_state *l, const char *name, size_t len)
{
#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
    if (IS("index"))
        return rv_num(r, (double)(l->index0 + 1));
    if (IS("index0"))
        return rv_num(r, (double)l->index0);
    if (IS("revindex"))
        return rv_num(r, (double)(l->length - l->index0));
    if (IS("revindex0"))
        return rv_num(r, (double)(l->length - l->index0 - 1));
    if (IS("first"))
        return rv_bool(l->index0 == 0);
    if (IS("last"))
        return rv_bool(l->index0 + 1 == l->length);
    if (IS("length"))
        return rv_num(r, (double)l->length);
    if (IS("previtem"))
        return item_rv(l, l->index0 - 1, l->index0 > 0);
    if (IS("nextitem"))
        return item_rv(l, l->index0 + 1, l->index0 + 1 < l->length);
#undef IS
    return rv_undef();
}

/* obj.name: a loop's attribute, else deps_get_attr(); the result's path extends obj's
 * when obj is a map or a list of the root context (else obj, a string, is logged whole:
 * what is read of it is not a path). */
static template_rv
get_attr(render *r, template_rv *obj, const char *name, size_t len)
{
    if (obj->kind == TEMPLATE_RV_LOOP)
        return loop_attr(r, obj->loop, name, len);
    if (obj->kind != TEMPLATE_RV_VALUE)
        return rv_undef();
    template_rv v = rv_of(deps_get_attr(obj->v, name, len));
    if (obj->path && obj->v && (obj->v->type == VALUE_MAP || obj->v->type == VALUE_LIST))
        v.path = new_path(r, obj->path, DEPS_ATTR, name, len, 0, v.v);
    else
        log_use(r, obj, USE_VALUE);
    return v;
}

static template_rv
get_index(render *r, template_rv *obj, const template_rv *idx)
{
    if (obj->kind == TEMPLATE_RV_LOOP && is_type(idx, VALUE_STRING))
        return loop_attr(r, obj->loop, idx->v->as.str.ptr, idx->v->as.str.len);
    if (obj->kind != TEMPLATE_RV_VALUE || idx->kind != TEMPLATE_RV_VALUE)
        return rv_undef();
    template_rv v = rv_of(deps_get_index(obj->v, idx->v, r->scratch));
    bool container = obj->v && (obj->v->type == VALUE_MAP || obj->v->type == VALUE_LIST);
    if (obj->path && container && is_type(idx, VALUE_STRING)) {
        v.path = new_path(r, obj->path, DEPS_KEY, idx->v->as.str.ptr, idx->v->as.str.len, 0, v.v);
    } else if (obj->path && container && is_type(idx, VALUE_NUMBER)) {
        size_t len;
        const char *text = template_text(idx, &len, r->scratch);
        v.path = new_path(r, obj->path, DEPS_NUM, text, len, idx->v->as.number, v.v);
    } else {
        log_use(r, obj, USE_VALUE);
    }
    return v;
}

/* Concatenation keeps safe HTML safe: the other operand is escaped into it. */
static template_rv
concat(render *r, const exec *ex, const template_rv *a, const template_rv *b)
{
    size_t la, lb;
    const char *sa = template_text(a, &la, r->scratch), *sb = template_text(b, &lb, r->scratch);
    buf tmp = BUF_INIT;
    bool safe = ex->owner->autoescape && (a->safe || b->safe);
    if (safe && !a->safe)
        text_html_escape(&tmp, sa, la);
    else
        buf_append(&tmp, sa, la);
    if (safe && !b->safe)
        text_html_escape(&tmp, sb, lb);
    else
        buf_append(&tmp, sb, lb);
    template_rv out = rv_of(value_new_string(r->scratch, tmp.ptr, tmp.len, SRC_NONE));
    out.safe = safe;
    buf_free(&tmp);
    return out;
}

static bool
rv_equal(const template_rv *a, const template_rv *b)
{
    if (a->kind != TEMPLATE_RV_VALUE || b->kind != TEMPLATE_RV_VALUE)
        return a->kind == b->kind && a->loop == b->loop;
    if (!a->v || !b->v)
        return !a->v && !b->v;
    return value_equal(a->v, b->v);
}

static bool
contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return true;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return true;
    return false;
}

static bool
op_in(render *r, const exec *ex, const template_expr *e, const template_rv *needle,
      const template_rv *hay, bool *result)
{
    *result = false;
    if (hay->kind != TEMPLATE_RV_VALUE || !hay->v || hay->v->type == VALUE_NULL)
        return true;
    const value *h = hay->v;
    switch (h->type) {
    case VALUE_LIST:
        if (needle->kind == TEMPLATE_RV_VALUE && needle->v)
            for (size_t i = 0; i < h->as.list.len && !*result; i++)
                *result = value_equal(h->as.list.items[i], needle->v);
        return true;
    case VALUE_MAP:
        if (is_type(needle, VALUE_STRING) || is_type(needle, VALUE_NUMBER)) {
            size_t len;
            const char *key = template_text(needle, &len, r->scratch);
            for (size_t i = 0; i < h->as.map.len && !*result; i++)
                *result = h->as.map.pairs[i].key_len == len &&
                          memcmp(h->as.map.pairs[i].key, key, len) == 0;
        }
        return true;
    case VALUE_STRING: {
        size_t len;
        const char *s = template_text(needle, &len, r->scratch);
        *result = needle->kind == TEMPLATE_RV_VALUE && needle->v &&
                  contains(h->as.str.ptr, h->as.str.len, s, len);
        return true;
    }
    default:
        return rerr(r, ex, e->line, e->col, "'in' needs a list, map or string, got %s",
                    value_type_name(h->type));
    }
}

static const char *
op_name(template_op op)
{
    static const char *const names[] = {"not", "-",  "+",  "+", "-", "*",  "/",  "//", "%",
                                        "~",   "==", "!=", "<", ">", "<=", ">=", "in", "not in"};
    return names[op];
}

static bool
binary(render *r, const exec *ex, const template_expr *e, const template_rv *a,
       const template_rv *b, template_rv *out)
{
    template_op op = (template_op)e->op;
    bool na = is_type(a, VALUE_NUMBER), nb = is_type(b, VALUE_NUMBER);
    double x = na ? a->v->as.number : 0, y = nb ? b->v->as.number : 0;
    switch (op) {
    case TEMPLATE_OP_CONCAT:
        *out = concat(r, ex, a, b);
        return true;
    case TEMPLATE_OP_EQ:
    case TEMPLATE_OP_NE:
        *out = rv_bool(rv_equal(a, b) == (op == TEMPLATE_OP_EQ));
        return true;
    case TEMPLATE_OP_IN:
    case TEMPLATE_OP_NOT_IN: {
        bool res;
        if (!op_in(r, ex, e, a, b, &res))
            return false;
        *out = rv_bool(res == (op == TEMPLATE_OP_IN));
        return true;
    }
    case TEMPLATE_OP_LT:
    case TEMPLATE_OP_GT:
    case TEMPLATE_OP_LE:
    case TEMPLATE_OP_GE: {
        bool comparable = a->kind == TEMPLATE_RV_VALUE && b->kind == TEMPLATE_RV_VALUE && a->v &&
                          b->v && a->v->type == b->v->type &&
                          (na || a->v->type == VALUE_STRING || a->v->type == VALUE_DATE);
        if (!comparable)
            return rerr(r, ex, e->line, e->col, "cannot compare %s %s %s", template_type_name(a),
                        op_name(op), template_type_name(b));
        int c = value_compare(a->v, b->v);
        bool res = op == TEMPLATE_OP_LT   ? c < 0
                   : op == TEMPLATE_OP_GT ? c > 0
                   : op == TEMPLATE_OP_LE ? c <= 0
                                          : c >= 0;
        *out = rv_bool(res);
        return true;
    }
    case TEMPLATE_OP_ADD:
        if (is_type(a, VALUE_STRING) && is_type(b, VALUE_STRING)) {
            *out = concat(r, ex, a, b);
            return true;
        }
        if (is_type(a, VALUE_LIST) && is_type(b, VALUE_LIST)) {
            value *l = value_new_list(r->scratch, SRC_NONE);
            for (size_t i = 0; i < a->v->as.list.len; i++)
                value_list_push(l, a->v->as.list.items[i], r->scratch);
            for (size_t i = 0; i < b->v->as.list.len; i++)
                value_list_push(l, b->v->as.list.items[i], r->scratch);
            *out = rv_of(l);
            return true;
        }
        break;
    default:
        break;
    }
    if (!na || !nb)
        return rerr(r, ex, e->line, e->col, "cannot apply '%s' to %s and %s", op_name(op),
                    template_type_name(a), template_type_name(b));
    double z;
    switch (op) {
    case TEMPLATE_OP_ADD:
        z = x + y;
        break;
    case TEMPLATE_OP_SUB:
        z = x - y;
        break;
    case TEMPLATE_OP_MUL:
        z = x * y;
        break;
    case TEMPLATE_OP_DIV:
        if (y == 0)
            return rerr(r, ex, e->line, e->col, "division by zero");
        z = x / y;
        break;
    case TEMPLATE_OP_FLOORDIV:
        if (y == 0)
            return rerr(r, ex, e->line, e->col, "division by zero");
        z = floor(x / y);
        break;
    case TEMPLATE_OP_MOD:
        if (y == 0)
            return rerr(r, ex, e->line, e->col, "modulo by zero");
        z = x - y * floor(x / y); /* Python's: the sign of the divisor */
        break;
    default:
        z = 0;
        break;
    }
    *out = rv_num(r, z);
    return true;
}

/* {====================================================================
 * the results of `where` over lists of the root context (template_cache)
 * ===================================================================== */

/* A `where` over the list `in` by attribute `attr`, keeping items whose attribute equals
 * `val` (has_val) or is true; result NULL until the first render computed it. Strings
 * are the cache's copies. */
typedef struct cached {
    const value *in;
    const char *attr;
    bool has_val;
    value *val;
    value *result;
    uint64_t hash; /* 0: an empty slot */
} cached;

struct template_cache {
    arena *a;
    cached *slots;
    size_t cap, len;       /* cap: 0 or a power of two */
    template_frags *frags; /* the outputs of cached includes, or NULL */
    arena *frag_arena;     /* where this cache's user keeps them: the table's (frags_arena) */
};

static arena *frags_arena(template_frags *f);

template_cache *
template_cache_new(template_frags *frags)
{
    template_cache *c = xcalloc(1, sizeof *c);
    c->a = arena_new();
    c->frags = frags;
    c->frag_arena = frags ? frags_arena(frags) : NULL;
    return c;
}

void
template_cache_free(template_cache *c)
{
    if (!c)
        return;
    arena_free(c->a);
    free(c->slots);
    free(c);
}

/* A scalar argument as the key keeps it; NULL for one that cannot be kept (a list, a
 * map: such calls are not cached). */
static value *
key_scalar(arena *a, const value *v)
{
    switch (v->type) {
    case VALUE_STRING:
        return value_new_string(a, v->as.str.ptr, v->as.str.len, SRC_NONE);
    case VALUE_NUMBER:
    case VALUE_BOOL:
    case VALUE_NULL:
    case VALUE_DATE: {
        value *copy = arena_alloc(a, sizeof *copy);
        *copy = *v;
        copy->pos = SRC_NONE;
        if (v->type == VALUE_NUMBER && v->as.number_text)
            copy->as.number_text = arena_strdup(a, v->as.number_text);
        return copy;
    }
    case VALUE_LIST:
    case VALUE_MAP:
        break;
    }
    return NULL;
}

static bool
same_call(const cached *e, const value *in, const char *attr, bool has_val, const value *val)
{
    return e->in == in && strcmp(e->attr, attr) == 0 && e->has_val == has_val &&
           (!has_val || (!val && !e->val) ||
            (val && e->val && val->type == e->val->type && value_equal(val, e->val)));
}

/* The slot of this `where` call: found, or new (its result NULL); NULL when the call is
 * not one to cache (another filter, a list or map argument, not a list). */
static cached *
where_cached(template_cache *c, const template_filter_call *f, const template_rv *in,
             const template_rv *args)
{
    if (f->reads != TEMPLATE_READS_WHERE || !is_type(in, VALUE_LIST) ||
        !is_type(&args[0], VALUE_STRING))
        return NULL;
    const char *attr = args[0].v->as.str.ptr;
    bool has_val = args[1].kind != TEMPLATE_RV_ABSENT;
    const value *val = has_val && args[1].kind == TEMPLATE_RV_VALUE ? args[1].v : NULL;
    if (val && (val->type == VALUE_LIST || val->type == VALUE_MAP))
        return NULL;
    uint64_t h = hash_str(hash_u64(has_val, (uintptr_t)in->v), attr);
    if (val && val->type == VALUE_STRING)
        h = hash_bytes(h, val->as.str.ptr, val->as.str.len);
    h |= 1;
    if ((c->len + 1) * 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        cached *slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < c->cap; i++)
            if (c->slots[i].hash) {
                size_t j = c->slots[i].hash & (cap - 1);
                while (slots[j].hash)
                    j = (j + 1) & (cap - 1);
                slots[j] = c->slots[i];
            }
        free(c->slots);
        c->slots = slots;
        c->cap = cap;
    }
    size_t i = h & (c->cap - 1);
    for (; c->slots[i].hash; i = (i + 1) & (c->cap - 1))
        if (c->slots[i].hash == h && same_call(&c->slots[i], in->v, attr, has_val, val))
            return &c->slots[i];
    c->slots[i] = (cached){
        in->v, arena_strdup(c->a, attr), has_val, val ? key_scalar(c->a, val) : NULL, NULL, h};
    c->len++;
    return &c->slots[i];
}

/* Keeps a result computed into the render's scratch arena: its items are the list's. */
static void
keep_result(template_cache *c, cached *e, const template_rv *out)
{
    if (out->kind != TEMPLATE_RV_VALUE || !out->v || out->v->type != VALUE_LIST)
        return;
    value *l = value_new_list(c->a, SRC_NONE);
    for (size_t i = 0; i < out->v->as.list.len; i++)
        value_list_push(l, out->v->as.list.items[i], c->a);
    e->result = l;
}

/* The argument of f that names an attribute of each item, when f reads nothing else of
 * its list: map, sum and join, and where when only the number of items it keeps
 * matters (how is USE_COUNT) or which item `first`/`last` takes of them (USE_PICK). -1
 * otherwise. */
static int
attribute_slot(const template_filter_call *f, use how)
{
    bool where = f->reads == TEMPLATE_READS_WHERE && (how == USE_COUNT || how == USE_PICK);
    return f->reads == TEMPLATE_READS_ATTRIBUTE || where ? f->attribute : -1;
}

/* Applies one filter call to in. in may still carry its path (in->path) only when slot
 * (attribute_slot) is not -1: then what the filter reads of it is logged here. */
static bool
apply_filter(render *r, const exec *ex, const template_filter_call *f, template_rv in,
             template_rv *out, int slot)
{
    src_pos at = SRC_POS(ex->owner->diag_file, f->line, f->col);
    if (in.kind != TEMPLATE_RV_VALUE)
        in = rv_undef();
    if (f->user) {
        value *args = value_new_map(r->scratch, SRC_NONE);
        char key[24];
        for (size_t i = 0; i < f->args.npos + f->args.nnamed; i++) {
            bool positional = i < f->args.npos;
            const template_expr *ae =
                positional ? f->args.pos[i] : f->args.named[i - f->args.npos].val;
            template_rv av;
            if (!eval(r, ex, ae, &av))
                return false;
            value *v = av.kind == TEMPLATE_RV_VALUE && av.v ? (value *)av.v
                                                            : value_new_null(r->scratch, at);
            if (positional) {
                snprintf(key, sizeof key, "%zu", i);
                value_map_set(args, key, v, r->scratch);
            } else {
                const template_named *na = &f->args.named[i - f->args.npos];
                value_map_setn(args, na->name, na->len, v, r->scratch);
            }
        }
        value *res = NULL;
        if (!f->user->fn(&res, in.v, args, r->scratch, r->d, at, f->user->payload))
            return false;
        *out = rv_of(res);
        return true;
    }
    template_rv args[TEMPLATE_MAX_PARAMS];
    for (size_t i = 0; i < TEMPLATE_MAX_PARAMS; i++) {
        args[i] = (template_rv){NULL, NULL, TEMPLATE_RV_ABSENT, false, NULL};
        if (f->slots[i] && !eval(r, ex, f->slots[i], &args[i]))
            return false;
        if (f->slots[i] && args[i].kind != TEMPLATE_RV_VALUE)
            args[i] = rv_undef();
    }
    bool of_root = in.path != NULL; /* a value of the root context: it does not change */
    if (in.path) {
        if (slot >= 0 && is_type(&in, VALUE_LIST) && is_type(&args[slot], VALUE_STRING)) {
            log_read(r, in.path, DEPS_ATTRS, in.v, args[slot].v->as.str.ptr,
                     args[slot].v->as.str.len);
            r->pick_path = in.path; /* for a `first` or `last` above (USE_PICK) */
            r->pick_list = in.v;
        } else {
            log_use(r, &in, USE_VALUE);
        }
    }
    template_fctx c = {r->ts, r->scratch, r->d, at, f->builtin->name};
    cached *hit = of_root && r->cache ? where_cached(r->cache, f, &in, args) : NULL;
    if (hit && hit->result) {
        *out = rv_of(hit->result);
        return true;
    }
    if (!f->builtin->fn(out, &in, args, &c))
        return false;
    if (hit)
        keep_result(r->cache, hit, out);
    return true;
}

static bool render_capture(render *r, const exec *ex, const template_node *body, template_rv *out);

static bool
call_super(render *r, const exec *ex, const template_expr *e, template_rv *out)
{
    if (ex->block && ex->chain) {
        for (size_t i = ex->block_level + 1; i < ex->chain_len; i++) {
            const template_block_def *def =
                template_find_block(ex->chain[i], ex->block, ex->block_len);
            if (!def)
                continue;
            exec bex = *ex;
            bex.owner = ex->chain[i];
            bex.block_level = i;
            return render_capture(r, &bex, def->node->u.block.body, out);
        }
    }
    return rerr(r, ex, e->line, e->col, "super(): block '%.*s' has no parent definition",
                ex->block ? (int)ex->block_len : 0, ex->block ? ex->block : "");
}

static bool
call_range(render *r, const exec *ex, const template_expr *e, template_rv *out)
{
    const template_args *args = &e->u.call.args;
    double v[3] = {0, 0, 1};
    bool given[3] = {false, false, false};
    if (args->npos > 3)
        return rerr(r, ex, e->line, e->col, "range() takes at most 3 arguments");
    for (size_t i = 0; i < args->npos + args->nnamed; i++) {
        bool positional = i < args->npos;
        const template_named *na = positional ? NULL : &args->named[i - args->npos];
        size_t slot;
        if (positional) /* range(end), range(start, end), range(start, end, step) */
            slot = args->npos == 1 ? 1 : i;
        else if (na->len == 5 && memcmp(na->name, "start", 5) == 0)
            slot = 0;
        else if (na->len == 3 && memcmp(na->name, "end", 3) == 0)
            slot = 1;
        else if ((na->len == 4 && memcmp(na->name, "step", 4) == 0) ||
                 (na->len == 7 && memcmp(na->name, "step_by", 7) == 0))
            slot = 2;
        else
            return rerr(r, ex, na->line, na->col, "range() has no argument '%s'", na->name);
        template_rv a;
        if (!eval(r, ex, positional ? args->pos[i] : na->val, &a))
            return false;
        if (!is_type(&a, VALUE_NUMBER))
            return rerr(r, ex, e->line, e->col, "range() needs numbers, got %s",
                        template_type_name(&a));
        v[slot] = a.v->as.number;
        given[slot] = true;
    }
    if (!given[1])
        return rerr(r, ex, e->line, e->col, "range() needs an end");
    if (v[2] == 0)
        return rerr(r, ex, e->line, e->col, "range() step must not be zero");
    double count = ceil((v[1] - v[0]) / v[2]);
    if (count > TEMPLATE_MAX_RANGE)
        return rerr(r, ex, e->line, e->col, "range() of more than %d items", TEMPLATE_MAX_RANGE);
    r->steps += (size_t)count; /* building the list is work too */
    value *l = value_new_list(r->scratch, SRC_NONE);
    for (double i = 0; i < count; i++)
        value_list_push(l, value_new_number(r->scratch, v[0] + i * v[2], SRC_NONE), r->scratch);
    *out = rv_of(l);
    return true;
}

static bool
call_macro(render *r, const exec *ex, const template_expr *e, template_rv *out)
{
    const template_macro *m = e->u.call.macro;
    const template_args *args = &e->u.call.args;
    if (r->calls >= TEMPLATE_MAX_CALL_DEPTH)
        return rerr(r, ex, e->line, e->col, "too many nested include and macro calls (limit %d)",
                    TEMPLATE_MAX_CALL_DEPTH);
    frame f = {NULL, NULL, 0, 0};
    bool *given = arena_zalloc(r->scratch, m->nparams + 1);
    for (size_t i = 0; i < args->npos; i++) { /* arguments see the caller's scope */
        template_rv a;
        if (!eval(r, ex, args->pos[i], &a))
            return false;
        frame_set(r, &f, m->params[i], m->param_lens[i], a);
        given[i] = true;
    }
    for (size_t i = 0; i < args->nnamed; i++) {
        const template_named *na = &args->named[i];
        template_rv a;
        if (!eval(r, ex, na->val, &a))
            return false;
        for (size_t k = 0; k < m->nparams; k++)
            if (m->param_lens[k] == na->len && memcmp(m->params[k], na->name, na->len) == 0) {
                frame_set(r, &f, m->params[k], m->param_lens[k], a);
                given[k] = true;
            }
    }
    exec mex = {m->owner, NULL, 0, &f, &f, NULL, 0, 0};
    for (size_t k = 0; k < m->nparams; k++) { /* defaults see the earlier parameters */
        if (given[k])
            continue;
        template_rv a = rv_undef();
        if (m->defaults[k] && !eval(r, &mex, m->defaults[k], &a))
            return false;
        frame_set(r, &f, m->params[k], m->param_lens[k], a);
    }
    r->calls++;
    bool ok = render_capture(r, &mex, m->body, out);
    r->calls--;
    r->flow = FLOW_NONE;
    return ok;
}

/* t("key", n=3): the text of key in this output's language (the root context's
 * site.i18n, which i18n.c filled, falling back to the default language's), each {name}
 * replaced by the value of the argument name. A key no language has is an error. */
static bool
call_t(render *r, const exec *ex, const template_expr *e, template_rv *out)
{
    const template_args *args = &e->u.call.args;
    template_rv key;
    if (!eval(r, ex, args->pos[0], &key))
        return false;
    if (!is_type(&key, VALUE_STRING))
        return rerr(r, ex, e->line, e->col, "t() needs a key as text, got %s",
                    template_type_name(&key));
    /* the render depends on site.i18n whole, logged once (the log keeps a read once), not
     * on each key: a page calls t() a hundred times, and the map changes only with the
     * i18n files, which nearly every page reads anyway */
    const value *site = value_map_getn(r->root, "site", 4);
    const value *i18n = value_map_getn(site, "i18n", 4);
    if (r->log) {
        const deps_path *to_site = new_path(r, NULL, DEPS_ATTR, "site", 4, 0, site);
        log_read(r, new_path(r, to_site, DEPS_ATTR, "i18n", 4, 0, i18n), DEPS_DEEP, i18n, NULL, 0);
    }
    template_rv text = rv_of(deps_get_attr(i18n, key.v->as.str.ptr, key.v->as.str.len));
    if (!is_type(&text, VALUE_STRING)) {
        const value *lang = value_map_getn(site, "language", 8);
        return rerr(r, ex, e->line, e->col,
                    "t(): no interface text '%s' (add it to i18n/%s.yaml in the site or its "
                    "theme)",
                    key.v->as.str.ptr, value_str(lang) ? value_str(lang) : "en");
    }
    const char *s = text.v->as.str.ptr;
    if (!args->nnamed || !strchr(s, '{')) {
        *out = text;
        return true;
    }
    buf b = BUF_INIT;
    while (*s) {
        const char *open = strchr(s, '{'), *close = open ? strchr(open, '}') : NULL;
        if (!close) {
            buf_puts(&b, s);
            break;
        }
        buf_append(&b, s, (size_t)(open - s));
        size_t n = (size_t)(close - open - 1);
        const template_named *na = NULL;
        for (size_t i = 0; i < args->nnamed && !na; i++)
            if (args->named[i].len == n && memcmp(args->named[i].name, open + 1, n) == 0)
                na = &args->named[i];
        template_rv v;
        if (!na) {
            buf_append(&b, open, n + 2); /* not an argument: kept as written */
        } else if (!eval(r, ex, na->val, &v)) {
            buf_free(&b);
            return false;
        } else if (v.kind == TEMPLATE_RV_VALUE && v.v) {
            value_to_text(&b, v.v);
        }
        s = close + 1;
    }
    *out = rv_of(value_new_string(r->scratch, b.ptr, b.len, SRC_NONE));
    buf_free(&b);
    return true;
}

static bool
eval_call(render *r, const exec *ex, const template_expr *e, template_rv *out)
{
    switch ((template_fn)e->u.call.fn) {
    case TEMPLATE_FN_SUPER:
        return call_super(r, ex, e, out);
    case TEMPLATE_FN_RANGE:
        return call_range(r, ex, e, out);
    case TEMPLATE_FN_MACRO:
        return call_macro(r, ex, e, out);
    case TEMPLATE_FN_T:
        return call_t(r, ex, e, out);
    case TEMPLATE_FN_CYCLE: {
        template_rv l = lookup(r, ex, "loop", 4);
        if (l.kind != TEMPLATE_RV_LOOP)
            return rerr(r, ex, e->line, e->col, "loop.cycle() outside of a loop");
        const loop_state *st = l.loop;
        return eval(r, ex, e->u.call.args.pos[st->index0 % e->u.call.args.npos], out);
    }
    case TEMPLATE_FN_UNRESOLVED:
        break;
    }
    return rerr(r, ex, e->line, e->col, "call was not linked");
}

/* `first` or `last`: one item of a list. */
static bool
takes_one(const template_filter_call *f)
{
    return f->reads == TEMPLATE_READS_FIRST || f->reads == TEMPLATE_READS_LAST;
}

/* `first` or `last` of a `where`: a lookup of one item (USE_PICK). */
static bool
picks_one(const template_filter_call *f, const template_expr *input)
{
    return takes_one(f) && input->kind == TEMPLATE_EX_FILTER &&
           input->u.filter.f->reads == TEMPLATE_READS_WHERE;
}

/* The decimal text of a list index i, in the render's scratch (a path step per item of
 * every loop: without printf). */
static const char *
index_text(render *r, size_t i, size_t *len)
{
    char digits[24];
    size_t n = 0;
    do
        digits[sizeof digits - ++n] = (char)('0' + i % 10);
    while ((i /= 10) != 0);
    char *text = arena_alloc(r->scratch, n + 1);
    memcpy(text, digits + sizeof digits - n, n);
    text[n] = '\0';
    *len = n;
    return text;
}

/* The path of item (found in list, at `from`); NULL when it is not one of its items. */
static const deps_path *
item_path(render *r, const deps_path *from, const value *list, const value *item)
{
    for (size_t i = 0; i < list->as.list.len; i++)
        if (list->as.list.items[i] == item) {
            size_t len;
            const char *text = index_text(r, i, &len);
            return new_path(r, from, DEPS_NUM, text, len, (double)i, item);
        }
    return NULL;
}

/* `xs | reverse`, `xs | first` and `xs | last` of a list of the root context: the result
 * keeps a path (xs's with a DEPS_REVERSE step, or xs[0], xs[-1]), so what is then read of
 * it (its length in a loop, an item's attribute) is logged through that path, not the
 * whole list. */
static bool
eval_keeping_path(render *r, const exec *ex, const template_expr *e, template_rv *out)
{
    template_rv a;
    if (!eval_as(r, ex, e->u.filter.input, &a, USE_REF))
        return false;
    const deps_path *from = a.path;
    bool list = from && a.kind == TEMPLATE_RV_VALUE && a.v && a.v->type == VALUE_LIST;
    if (!list)
        log_use(r, &a, USE_VALUE); /* not a list (a string, undefined): read whole */
    a.path = NULL;
    if (!apply_filter(r, ex, e->u.filter.f, a, out, -1))
        return false;
    out->path = NULL;
    if (list && e->u.filter.f->reads == TEMPLATE_READS_REVERSE)
        out->path = new_path(r, from, DEPS_REVERSE, "", 0, 0, out->v);
    else if (list && e->u.filter.f->reads == TEMPLATE_READS_LAST)
        out->path = new_path(r, from, DEPS_NUM, "-1", 2, -1, out->v);
    else if (list)
        out->path = new_path(r, from, DEPS_NUM, "0", 1, 0, out->v);
    return true;
}

/* `length` and `count` only need a list's length or a map's keys. */
static bool
counts_items(const template_filter_call *f)
{
    return f->reads == TEMPLATE_READS_COUNT;
}

static bool
eval_inner(render *r, const exec *ex, const template_expr *e, template_rv *out, use how)
{
    template_rv a, b;
    switch ((template_expr_kind)e->kind) {
    case TEMPLATE_EX_LITERAL:
        *out = rv_of(e->u.lit);
        return true;
    case TEMPLATE_EX_NAME:
        *out = lookup(r, ex, e->u.name.name, e->u.name.len);
        return true;
    case TEMPLATE_EX_ATTR:
        if (!eval_as(r, ex, e->u.attr.obj, &a, USE_REF))
            return false;
        *out = get_attr(r, &a, e->u.attr.name, e->u.attr.len);
        return true;
    case TEMPLATE_EX_INDEX:
        if (!eval_as(r, ex, e->u.index.obj, &a, USE_REF) || !eval(r, ex, e->u.index.index, &b))
            return false;
        *out = get_index(r, &a, &b);
        return true;
    case TEMPLATE_EX_LIST: {
        value *l = value_new_list(r->scratch, SRC_NONE);
        for (size_t i = 0; i < e->u.list.n; i++) {
            if (!eval(r, ex, e->u.list.items[i], &a))
                return false;
            bool def = a.kind == TEMPLATE_RV_VALUE && a.v;
            value_list_push(l, def ? (value *)a.v : value_new_null(r->scratch, SRC_NONE),
                            r->scratch);
        }
        *out = rv_of(l);
        return true;
    }
    case TEMPLATE_EX_DICT: {
        value *m = value_new_map(r->scratch, SRC_NONE);
        for (size_t i = 0; i < e->u.list.n; i++) {
            if (!eval(r, ex, e->u.list.keys[i], &a) || !eval(r, ex, e->u.list.items[i], &b))
                return false;
            if (!is_type(&a, VALUE_STRING) && !is_type(&a, VALUE_NUMBER))
                return rerr(r, ex, e->u.list.keys[i]->line, e->u.list.keys[i]->col,
                            "a map key must be a string, got %s", template_type_name(&a));
            size_t len;
            const char *key = template_text(&a, &len, r->scratch);
            bool def = b.kind == TEMPLATE_RV_VALUE && b.v;
            value_map_setn(m, key, len, def ? (value *)b.v : value_new_null(r->scratch, SRC_NONE),
                           r->scratch);
        }
        *out = rv_of(m);
        return true;
    }
    case TEMPLATE_EX_UNARY:
        if (!eval_as(r, ex, e->u.bin.a, &a, e->op == TEMPLATE_OP_NOT ? USE_TRUTH : USE_VALUE))
            return false;
        if (e->op == TEMPLATE_OP_NOT) {
            *out = rv_bool(!template_truthy(&a));
            return true;
        }
        if (!is_type(&a, VALUE_NUMBER))
            return rerr(r, ex, e->line, e->col, "cannot apply unary '%s' to %s",
                        op_name((template_op)e->op), template_type_name(&a));
        *out = e->op == TEMPLATE_OP_NEG ? rv_num(r, -a.v->as.number) : a;
        return true;
    case TEMPLATE_EX_BINARY:
        if (!eval(r, ex, e->u.bin.a, &a) || !eval(r, ex, e->u.bin.b, &b))
            return false;
        return binary(r, ex, e, &a, &b, out);
    case TEMPLATE_EX_AND:
    case TEMPLATE_EX_OR: /* the deciding operand, as in Jinja: `a or b` */
        if (!eval_as(r, ex, e->u.bin.a, &a, how == USE_TRUTH ? USE_TRUTH : USE_VALUE))
            return false;
        if (template_truthy(&a) == (e->kind == TEMPLATE_EX_OR)) {
            *out = a;
            return true;
        }
        return eval_as(r, ex, e->u.bin.b, out, how);
    case TEMPLATE_EX_COND:
        if (!eval_as(r, ex, e->u.cond.cond, &a, USE_TRUTH))
            return false;
        if (template_truthy(&a))
            return eval_as(r, ex, e->u.cond.then, out, how);
        if (e->u.cond.otherwise)
            return eval_as(r, ex, e->u.cond.otherwise, out, how);
        *out = rv_undef();
        return true;
    case TEMPLATE_EX_FILTER: {
        if (r->log && (e->u.filter.f->reads == TEMPLATE_READS_REVERSE ||
                       (takes_one(e->u.filter.f) && !picks_one(e->u.filter.f, e->u.filter.input))))
            return eval_keeping_path(r, ex, e, out);
        int slot = r->log ? attribute_slot(e->u.filter.f, how) : -1;
        bool pick = r->log && picks_one(e->u.filter.f, e->u.filter.input);
        use input = counts_items(e->u.filter.f) ? USE_COUNT
                    : pick                      ? USE_PICK
                    : slot >= 0                 ? USE_REF
                                                : USE_VALUE;
        r->pick_list = NULL;
        if (!eval_as(r, ex, e->u.filter.input, &a, input))
            return false;
        if (input == USE_REF && a.path &&
            !(a.kind == TEMPLATE_RV_VALUE && a.v && a.v->type == VALUE_LIST))
            log_use(r, &a, USE_VALUE); /* not a list: the filter reads it whole */
        const deps_path *from = pick ? r->pick_path : NULL;
        const value *list = pick ? r->pick_list : NULL;
        r->pick_list = NULL;
        if (!apply_filter(r, ex, e->u.filter.f, a, out, slot))
            return false;
        out->path = NULL; /* a new value, or one of its inputs (logged already) */
        if (list && out->kind == TEMPLATE_RV_VALUE && out->v) /* the item picked */
            out->path = item_path(r, from, list, out->v);
        return true;
    }
    case TEMPLATE_EX_TEST: {
        const template_test *t = e->u.test.test;
        template_rv args[2] = {rv_undef(), rv_undef()};
        if (!eval(r, ex, e->u.test.input, &a))
            return false;
        for (size_t i = 0; i < e->u.test.args.npos && i < 2; i++)
            if (!eval(r, ex, e->u.test.args.pos[i], &args[i]))
                return false;
        template_fctx c = {r->ts, r->scratch, r->d, SRC_POS(ex->owner->diag_file, e->line, e->col),
                           t->name};
        bool res;
        if (!t->fn(&res, &a, args, &c))
            return false;
        *out = rv_bool(res != e->u.test.negate);
        return true;
    }
    case TEMPLATE_EX_CALL:
        return eval_call(r, ex, e, out);
    }
    return false;
}

static bool
too_deep(render *r, const exec *ex, unsigned line, unsigned col)
{
    return rerr(r, ex, line, col, "template nesting too deep (more than %d levels)",
                TEMPLATE_MAX_NEST);
}

static bool
eval_as(render *r, const exec *ex, const template_expr *e, template_rv *out, use how)
{
    if (r->nest >= TEMPLATE_MAX_NEST)
        return too_deep(r, ex, e->line, e->col);
    r->nest++;
    bool ok = eval_inner(r, ex, e, out, how);
    r->nest--;
    if (ok)
        log_use(r, out, how);
    return ok;
}

static bool
eval(render *r, const exec *ex, const template_expr *e, template_rv *out)
{
    return eval_as(r, ex, e, out, USE_VALUE);
}

/* {====================================================================
 * statements
 * ===================================================================== */

/* {{ v }}: escaped unless safe or the template does not autoescape. */
static void
print(render *r, const exec *ex, const template_rv *v)
{
    if (v->kind != TEMPLATE_RV_VALUE || !v->v)
        return;
    const value *x = v->v;
    if (v->safe || !ex->owner->autoescape || x->type == VALUE_NUMBER || x->type == VALUE_BOOL ||
        x->type == VALUE_DATE || x->type == VALUE_NULL) {
        value_to_text(r->out, x);
    } else if (x->type == VALUE_STRING) {
        text_html_escape(r->out, x->as.str.ptr, x->as.str.len);
    } else {
        buf tmp = BUF_INIT;
        value_to_text(&tmp, x);
        text_html_escape(r->out, tmp.ptr, tmp.len);
        buf_free(&tmp);
    }
}

/* What is printed at the start of a URL attribute's value (`href="{{ x }}"`, `src=`, ...)
 * in an autoescaped template must be a URL with an allowed scheme (text.h), whatever its
 * source and even when marked safe: a javascript: or data: URL from the content would
 * run in the reader's browser. A scheme the template writes itself (`href="mailto:{{ x
 * }}"`) is trusted. Hugo writes #ZgotmplZ instead; here the build fails, at the tag. */
typedef struct url_guard {
    bool on;
    size_t value_start;
    char name[64]; /* the attribute, copied: printing may move the buffer */
} url_guard;

static void
guard_begin(url_guard *g, const render *r, const exec *ex)
{
    text_url_attr at;
    g->on = ex->owner->autoescape && text_html_url_attr(&at, r->out->ptr, r->out->len) &&
            at.name_len < sizeof g->name;
    if (!g->on)
        return;
    g->value_start = at.value_start;
    memcpy(g->name, at.name, at.name_len);
    g->name[at.name_len] = '\0';
}

static bool
guard_end(const url_guard *g, render *r, const exec *ex, const template_node *n,
          const template_rv *v)
{
    if (!g->on)
        return true;
    const char *url = r->out->ptr + g->value_start;
    size_t len = r->out->len - g->value_start;
    if (text_url_scheme_allowed(url, len, true))
        return true;
    text_url_scheme sc;
    text_url_scheme_read(&sc, url, len, true);
    size_t id = diag_report(
        r->d, DIAG_ERROR, SRC_POS(ex->owner->diag_file, n->line, n->col),
        "URL scheme '%s:' is not allowed in the '%s' attribute (use " TEXT_URL_ALLOWED ")", sc.name,
        g->name);
    if (v->kind == TEMPLATE_RV_VALUE && v->v && v->v->pos.file)
        diag_note(r->d, id, v->v->pos, "the URL was written here");
    return false;
}

/* One step of work (a node, a loop turn) against the render's budgets of steps and
 * scratch memory, so a runaway template fails at line:col instead of hanging. */
static bool
spend(render *r, const exec *ex, unsigned line, unsigned col)
{
    if (++r->steps > TEMPLATE_MAX_STEPS)
        return rerr(r, ex, line, col,
                    "the template ran more than %d steps for one page (a loop that does not "
                    "end, or loops nested too deep)",
                    TEMPLATE_MAX_STEPS);
    if (arena_used(r->scratch) > TEMPLATE_MAX_SCRATCH)
        return rerr(r, ex, line, col,
                    "the template built more than %zu MiB of values for one page (a loop "
                    "that builds a large list on every turn?)",
                    TEMPLATE_MAX_SCRATCH >> 20);
    return true;
}

/* Renders body into a safe string (macro calls, super(), {% set %} and {% filter %}). */
static bool
render_capture(render *r, const exec *ex, const template_node *body, template_rv *out)
{
    buf tmp = BUF_INIT, *saved = r->out;
    r->out = &tmp;
    bool ok = render_body(r, ex, body);
    r->out = saved;
    if (ok) {
        *out = rv_of(value_new_string(r->scratch, tmp.ptr, tmp.len, SRC_NONE));
        out->safe = true;
    }
    buf_free(&tmp);
    return ok;
}

static bool render_unit(render *r, const template_unit *u, frame *f);

/* {====================================================================
 * cached includes: {% include "x" cached %}
 * ===================================================================== */

/* An include marked `cached` renders anew the first time, noting the names it looks up
 * outside its own frame (variables of the include's scope, such as a loop's `card`, or
 * names of the root context) and its reads of the root context. Its output is then
 * reused, on any render thread of the pass, wherever the same template is included with the same
 * variables (the same values of the model, which does not change while pages render)
 * and where each read of the root context sees what it saw (the same hash): the output
 * is then the one a render would give.
 *
 * What the include read through a variable is logged as one read of the whole variable
 * (it is a page's map, an anchor: one hash), the same whether it rendered or was
 * reused, so the log does not depend on which thread rendered what. That is more than
 * it read: an edit of a listed page renders the lists it is on again. Not kept: a
 * render that failed, said something (a warning) or read a variable that is not a value
 * of the model (a loop's `loop`, a value the template made; what is read through such a
 * variable is logged as it was read). */

/* The most the kept outputs of a pass take (template_frags_budget): at least this much,
 * or this much a render (a project card with its reads: 1.44 KB). */
#define FRAG_MIN_BUDGET        ((size_t)32 << 20)
#define FRAG_BUDGET_PER_RENDER ((size_t)4 << 10)
/* The most reads of the root context an include may make (each one counted) for its
 * output to be kept: they are checked on every reuse. */
#define FRAG_MAX_READS 256

/* A name the include looked up outside its frame: a variable of the include's scope
 * (in_scope: val, a value of the model), or the root context's. */
typedef struct frag_name {
    const char *name;
    size_t len;
    bool in_scope;
    const value *val;
    bool safe;
} frag_name;

typedef struct frag_step {
    const char *text;
    size_t len;
    double num;
    deps_op op;
} frag_step;

/* A read of the root context: its path's steps, what of it was read, and the hash of
 * what it saw. */
typedef struct frag_read {
    const frag_step *steps;
    size_t n_steps;
    deps_kind kind;
    const char *attr; /* DEPS_ATTRS */
    size_t attr_len;
    uint64_t hash;
} frag_read;

typedef struct frag_entry {
    struct frag_entry *next;
    const template_unit *unit;
    uint64_t key;
    const frag_name *names;
    size_t n_names;
    const frag_read *reads;
    size_t n_reads;
    const char *out;
    size_t out_len;
    size_t steps;         /* the steps its render took (TEMPLATE_MAX_STEPS) */
    unsigned calls, nest; /* the depths it rendered at: a deeper use renders anew */
} frag_entry;

/* The names the key of an included template's outputs is made of: those its first
 * kept render looked up. */
typedef struct frag_inputs {
    const template_unit *unit;
    const frag_name *names;
    size_t n_names;
    const frag_read *reads; /* the reads of the root context kept last: most outputs */
    size_t n_reads;         /* of a template make the same, and share them */
} frag_inputs;

/* The outputs kept, shared by the render threads of a pass: entries by key (chained),
 * and per included template its inputs. Entries do not change once in; lock guards the
 * table, the inputs and the list of arenas: read-locked to look an entry up (most uses:
 * a project's card is kept once and reused on each list it is on), write-locked to put
 * one in. */
struct template_frags {
    pthread_rwlock_t lock;
    arena **arenas; /* one per template_cache using the table (frags_arena): entries are
                     * made in their render's, outside the lock; freed with the table */
    size_t n_arenas;
    frag_entry **slots;
    size_t cap, len;  /* cap: 0 or a power of two */
    size_t bytes;     /* what the entries take of arenas */
    size_t max_bytes; /* past it, no more are kept */
    frag_inputs *inputs;
    size_t n_inputs;
};

size_t
template_frags_budget(size_t renders)
{
    if (renders > FRAG_MIN_BUDGET / FRAG_BUDGET_PER_RENDER)
        return renders > SIZE_MAX / FRAG_BUDGET_PER_RENDER ? SIZE_MAX
                                                           : renders * FRAG_BUDGET_PER_RENDER;
    return FRAG_MIN_BUDGET;
}

template_frags *
template_frags_new(size_t max_bytes)
{
    template_frags *f = xcalloc(1, sizeof *f);
    pthread_rwlock_init(&f->lock, NULL);
    f->max_bytes = max_bytes;
    return f;
}

void
template_frags_free(template_frags *f)
{
    if (!f)
        return;
    pthread_rwlock_destroy(&f->lock);
    for (size_t i = 0; i < f->n_arenas; i++)
        arena_free(f->arenas[i]);
    free(f->arenas);
    free(f->slots);
    free(f->inputs);
    free(f);
}

/* A new arena of f's, for one template_cache's renders to keep entries in. */
static arena *
frags_arena(template_frags *f)
{
    arena *a = arena_new();
    pthread_rwlock_wrlock(&f->lock);
    f->arenas = xrealloc(f->arenas, (f->n_arenas + 1) * sizeof *f->arenas);
    f->arenas[f->n_arenas++] = a;
    pthread_rwlock_unlock(&f->lock);
    return a;
}

/* A read of the include rendering anew (the path is in the render's scratch). */
typedef struct raw_read {
    const deps_path *p;
    deps_kind kind;
    const value *v;
    const char *attr;
    size_t attr_len;
} raw_read;

/* A name the include rendering anew looked up outside its frame; for a variable of the
 * model, the stand-in root of paths through it and where it really is (else NULL). */
typedef struct capture_name_rec {
    frag_name n;
    const deps_path *mark, *path;
} capture_name_rec;

typedef struct frag_capture {
    bool keep; /* false once it read something that makes its output not reusable */
    capture_name_rec *names;
    size_t n_names, names_cap;
    raw_read *reads; /* those not through a stand-in */
    size_t n_reads, reads_cap;
} frag_capture;

static bool
is_mark(const frag_capture *c, const deps_path *root)
{
    for (size_t k = 0; k < c->n_names; k++)
        if (c->names[k].mark == root)
            return true;
    return false;
}

static void
capture_read(render *r, const deps_path *p, deps_kind kind, const value *v, const char *attr,
             size_t attr_len)
{
    frag_capture *c = r->capture;
    const deps_path *root = p;
    while (root->parent)
        root = root->parent;
    if (is_mark(c, root))
        return; /* covered by the read of the whole variable */
    if (c->n_reads == FRAG_MAX_READS)
        c->keep = false;
    c->reads = arena_grow(r->scratch, c->reads, c->n_reads, &c->reads_cap, sizeof *c->reads, 16);
    c->reads[c->n_reads++] = (raw_read){p, kind, v, attr, attr_len};
}

/* Notes that the include looked up `name` outside its frame (val: the variable found,
 * NULL when the root context's); returns what the lookup gives: a variable of the model
 * with a stand-in path, so that what is read through it is known as such. */
static template_rv
capture_name(render *r, const char *name, size_t len, const template_rv *val)
{
    frag_capture *c = r->capture;
    size_t k = 0;
    while (k < c->n_names &&
           !(c->names[k].n.len == len && memcmp(c->names[k].n.name, name, len) == 0))
        k++;
    if (k == c->n_names) {
        c->names = arena_grow(r->scratch, c->names, c->n_names, &c->names_cap, sizeof *c->names, 4);
        bool model = val && val->kind == TEMPLATE_RV_VALUE && val->v && val->path;
        c->names[k] = (capture_name_rec){
            {name, len, val != NULL, val ? val->v : NULL, val && val->safe},
            model ? new_path(r, NULL, DEPS_ATTR, name, len, 0, val->v) : NULL,
            model ? val->path : NULL,
        };
        c->n_names++;
        if (val && !model)
            c->keep = false; /* it may differ at the same address */
    }
    if (!val)
        return rv_undef();
    template_rv out = *val;
    if (c->names[k].mark)
        out.path = c->names[k].mark;
    return out;
}

static uint64_t
frag_key(const template_unit *u, const frame *scope, const frag_name *names, size_t n)
{
    uint64_t h = hash_u64(0x66726167, (uint64_t)(uintptr_t)u);
    for (size_t i = 0; i < n; i++) {
        const template_rv *v = scope_find(scope, names[i].name, names[i].len, NULL);
        h = hash_u64(h, v ? (uint64_t)(uintptr_t)v->v : 1);
    }
    return h;
}

static frag_inputs *
frag_inputs_of(const template_frags *c, const template_unit *u)
{
    for (size_t i = 0; i < c->n_inputs; i++)
        if (c->inputs[i].unit == u)
            return &c->inputs[i];
    return NULL;
}

static uint64_t
read_hash(const value *v, deps_kind kind, const char *attr, size_t attr_len, deps_memo *memo)
{
    return kind == DEPS_ATTRS ? deps_hash_attrs(v, attr, attr_len, memo) : deps_hash(v, kind, memo);
}

/* Whether e's output is what the include would render here, with the same variables,
 * every read of the root context seeing the same, and no limit a render here would
 * reach; then logs what the render would have. */
static bool
frag_reuse(render *r, const frame *scope, const frag_entry *e)
{
    if (r->calls > e->calls || r->nest > e->nest || r->steps + e->steps > TEMPLATE_MAX_STEPS)
        return false;
    const deps_path **paths =
        arena_alloc(r->scratch, (e->n_names + e->n_reads + 1) * sizeof *paths);
    const value **vals = arena_alloc(r->scratch, (e->n_reads + 1) * sizeof *vals);
    for (size_t i = 0; i < e->n_names; i++) {
        const template_rv *v = scope_find(scope, e->names[i].name, e->names[i].len, NULL);
        if ((v != NULL) != e->names[i].in_scope)
            return false;
        if (v && (v->kind != TEMPLATE_RV_VALUE || v->v != e->names[i].val ||
                  v->safe != e->names[i].safe || !v->path))
            return false;
        paths[i] = v ? v->path : NULL;
    }
    size_t n_reads = e->reads == r->frag_checked ? 0 : e->n_reads; /* logged already */
    const deps_path **read_paths = paths + e->n_names;
    for (size_t i = 0; i < n_reads; i++) {
        const frag_read *rd = &e->reads[i];
        const value *v = r->root;
        const deps_path *p = NULL;
        for (size_t k = 0; k < rd->n_steps; k++) {
            const frag_step *s = &rd->steps[k];
            v = deps_step(v, s->op, s->text, s->len, s->num, r->scratch);
            p = new_path(r, p, s->op, s->text, s->len, s->num, v);
        }
        if (read_hash(v, rd->kind, rd->attr, rd->attr_len, r->log->memo) != rd->hash)
            return false;
        read_paths[i] = p;
        vals[i] = v;
    }
    for (size_t i = 0; i < e->n_names; i++) /* each variable of the model whole */
        if (paths[i])
            log_read(r, paths[i], DEPS_DEEP, e->names[i].val, NULL, 0);
    for (size_t i = 0; i < n_reads; i++)
        log_read(r, read_paths[i], e->reads[i].kind, vals[i], e->reads[i].attr,
                 e->reads[i].attr_len);
    r->frag_checked = e->reads;
    return true;
}

static bool
same_read(const frag_read *a, const frag_read *b)
{
    if (a->kind != b->kind || a->n_steps != b->n_steps || a->hash != b->hash ||
        a->attr_len != b->attr_len || (a->attr_len && memcmp(a->attr, b->attr, a->attr_len)))
        return false;
    for (size_t k = 0; k < a->n_steps; k++) {
        const frag_step *x = &a->steps[k], *y = &b->steps[k];
        if (x->op != y->op || x->len != y->len || memcmp(x->text, y->text, x->len) != 0 ||
            (x->op == DEPS_NUM && x->num != y->num))
            return false;
    }
    return true;
}

/* The capture's reads of the root context, each once (in the render's scratch). */
static frag_read *
frag_reads(render *r, const frag_capture *c, size_t *n_out)
{
    frag_read *reads = arena_alloc(r->scratch, (c->n_reads ? c->n_reads : 1) * sizeof *reads);
    size_t n = 0;
    for (size_t i = 0; i < c->n_reads; i++) {
        const raw_read *raw = &c->reads[i];
        size_t n_steps = 0;
        for (const deps_path *q = raw->p; q; q = q->parent)
            n_steps++;
        frag_step *steps = arena_alloc(r->scratch, n_steps * sizeof *steps);
        size_t at = n_steps;
        for (const deps_path *q = raw->p; q; q = q->parent)
            steps[--at] = (frag_step){q->text, q->len, q->num, (deps_op)q->op};
        frag_read rd = {
            steps,         n_steps,
            raw->kind,     raw->attr,
            raw->attr_len, read_hash(raw->v, raw->kind, raw->attr, raw->attr_len, r->log->memo)};
        size_t k = 0;
        while (k < n && !same_read(&reads[k], &rd))
            k++;
        if (k == n)
            reads[n++] = rd;
    }
    *n_out = n;
    return reads;
}

/* reads[0..n) as an entry keeps them: those of in (the template's last kept) when the
 * same, else a copy in a. */
static const frag_read *
share_reads(frag_inputs *in, frag_read *reads, size_t n, arena *a)
{
    bool same = in->reads && in->n_reads == n;
    for (size_t i = 0; same && i < n; i++)
        same = same_read(&in->reads[i], &reads[i]);
    if (same)
        return in->reads;
    for (size_t i = 0; i < n; i++) { /* the texts may be in the render's scratch */
        frag_step *steps = arena_alloc(a, reads[i].n_steps * sizeof *steps);
        for (size_t k = 0; k < reads[i].n_steps; k++) {
            steps[k] = reads[i].steps[k];
            steps[k].text = arena_strndup(a, steps[k].text, steps[k].len);
        }
        reads[i].steps = steps;
        reads[i].attr = reads[i].attr ? arena_strndup(a, reads[i].attr, reads[i].attr_len) : NULL;
    }
    frag_read *kept = arena_alloc(a, (n ? n : 1) * sizeof *kept);
    memcpy(kept, reads, n * sizeof *kept);
    in->reads = kept;
    in->n_reads = n;
    return kept;
}

static void
frag_put(template_frags *c, frag_entry *e)
{
    if ((c->len + 1) * 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        frag_entry **slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < c->cap; i++)
            for (frag_entry *x = c->slots[i], *next; x; x = next) {
                next = x->next;
                x->next = slots[x->key & (cap - 1)];
                slots[x->key & (cap - 1)] = x;
            }
        free(c->slots);
        c->slots = slots;
        c->cap = cap;
    }
    e->next = c->slots[e->key & (c->cap - 1)];
    c->slots[e->key & (c->cap - 1)] = e;
    c->len++;
}

/* Keeps the output the capture c rendered (out[0..len)) for the includes of u that follow. */
static void
frag_keep(render *r, const exec *ex, const template_unit *u, const frag_capture *c, const char *out,
          size_t len, size_t steps)
{
    size_t n_reads;
    frag_read *reads = frag_reads(r, c, &n_reads); /* hashed outside the lock */
    template_frags *fs = r->cache->frags;
    /* the entry is made in this render's own arena of the table, outside the lock (the
     * other workers wait on it to look entries up) */
    arena *a = r->cache->frag_arena;
    size_t before = arena_used(a);
    frag_name *names = arena_alloc(a, (c->n_names ? c->n_names : 1) * sizeof *names);
    for (size_t i = 0; i < c->n_names; i++) {
        names[i] = c->names[i].n;
        names[i].name = arena_strndup(a, names[i].name, names[i].len);
    }
    frag_entry *e = arena_alloc(a, sizeof *e);
    *e = (frag_entry){.unit = u,
                      .names = names,
                      .n_names = c->n_names,
                      .n_reads = n_reads,
                      .out = arena_strndup(a, out, len),
                      .out_len = len,
                      .steps = steps,
                      .calls = r->calls,
                      .nest = r->nest};
    pthread_rwlock_wrlock(&fs->lock);
    frag_inputs *in = frag_inputs_of(fs, u);
    if (!in) {
        fs->inputs = xrealloc(fs->inputs, (fs->n_inputs + 1) * sizeof *fs->inputs);
        fs->inputs[fs->n_inputs] = (frag_inputs){u, names, c->n_names, NULL, 0};
        in = &fs->inputs[fs->n_inputs++];
    }
    const frag_read *kept = share_reads(in, reads, n_reads, a);
    e->reads = kept;
    e->key = frag_key(u, ex->scope, in->names, in->n_names);
    frag_put(fs, e);
    fs->bytes += arena_used(a) - before;
    pthread_rwlock_unlock(&fs->lock);
    r->frag_checked = kept; /* what this render read, and logged */
}

/* At most this many entries of one key are tried. */
#define FRAG_MAX_TRIES 8

/* Renders the include of u marked `cached` (frame f, in the scope of ex): reuses an
 * earlier output that fits, else renders and keeps the output. */
static bool
render_cached(render *r, const exec *ex, const template_unit *u, frame *f)
{
    template_frags *fs = r->cache->frags;
    const frag_entry *tries[FRAG_MAX_TRIES];
    size_t n_tries = 0;
    pthread_rwlock_rdlock(&fs->lock);
    const frag_inputs *in = frag_inputs_of(fs, u);
    if (in && fs->cap) {
        uint64_t key = frag_key(u, ex->scope, in->names, in->n_names);
        for (const frag_entry *e = fs->slots[key & (fs->cap - 1)]; e && n_tries < FRAG_MAX_TRIES;
             e = e->next)
            if (e->unit == u && e->key == key)
                tries[n_tries++] = e;
    }
    bool room = fs->bytes < fs->max_bytes;
    pthread_rwlock_unlock(&fs->lock);
    for (size_t i = 0; i < n_tries; i++)
        if (frag_reuse(r, ex->scope, tries[i])) {
            buf_append(r->out, tries[i]->out, tries[i]->out_len);
            r->steps += tries[i]->steps;
            return true;
        }
    frag_capture c = {.keep = room};
    size_t from = r->out->len, steps = r->steps, reports = diag_thread_reports();
    r->capture = &c;
    r->capture_boundary = f;
    bool ok = render_unit(r, u, f);
    r->capture = NULL;
    r->capture_boundary = NULL;
    if (!ok)
        return false;
    /* logged as a reuse logs them */
    for (size_t i = 0; i < c.n_names; i++) /* each variable of the model whole */
        if (c.names[i].path)
            log_read(r, c.names[i].path, DEPS_DEEP, c.names[i].n.val, NULL, 0);
    for (size_t i = 0; i < c.n_reads; i++)
        log_read(r, c.reads[i].p, c.reads[i].kind, c.reads[i].v, c.reads[i].attr,
                 c.reads[i].attr_len);
    if (c.keep && diag_thread_reports() == reports)
        frag_keep(r, ex, u, &c, r->out->ptr + from, r->out->len - from, r->steps - steps);
    return true;
}

static bool
render_include(render *r, const exec *ex, const template_node *n)
{
    const template_unit *target = n->u.include.target;
    const template_expr *name = n->u.include.name;
    if (!target) {
        template_rv v;
        if (!eval(r, ex, name, &v))
            return false;
        /* a list of names: the first that exists */
        size_t count = is_type(&v, VALUE_LIST) ? v.v->as.list.len : 1;
        const char *first = NULL;
        for (size_t i = 0; i < count && !target; i++) {
            template_rv item = is_type(&v, VALUE_LIST) ? rv_of(v.v->as.list.items[i]) : v;
            if (!is_type(&item, VALUE_STRING))
                return rerr(r, ex, name->line, name->col, "include needs a template name, got %s",
                            template_type_name(&item));
            if (!first)
                first = item.v->as.str.ptr;
            target = template_find(r->ts, item.v->as.str.ptr, item.v->as.str.len);
        }
        if (!target) {
            if (n->u.include.ignore_missing)
                return true;
            return rerr(r, ex, name->line, name->col, "included template '%s' not found",
                        first ? first : "");
        }
    }
    if (r->calls >= TEMPLATE_MAX_CALL_DEPTH)
        return rerr(r, ex, n->line, n->col, "too many nested include and macro calls (limit %d)",
                    TEMPLATE_MAX_CALL_DEPTH);
    frame f = {ex->scope, NULL, 0, 0}; /* an include sees the current scope */
    r->calls++;
    bool ok = n->u.include.cached && r->cache && r->cache->frags && !r->capture
                  ? render_cached(r, ex, target, &f)
                  : render_unit(r, target, &f);
    r->calls--;
    r->flow = FLOW_NONE;
    return ok;
}

static bool
render_block(render *r, const exec *ex, const template_node *n)
{
    const char *name = n->u.block.name;
    size_t len = n->u.block.len;
    exec bex = *ex;
    const template_node *body = n->u.block.body;
    bex.block = name;
    bex.block_len = len;
    bex.block_level = 0;
    if (ex->chain) { /* the most derived definition wins */
        for (size_t i = 0; i < ex->chain_len; i++) {
            const template_block_def *def = template_find_block(ex->chain[i], name, len);
            if (def) {
                bex.owner = ex->chain[i];
                bex.block_level = i;
                body = def->node->u.block.body;
                break;
            }
        }
    }
    frame f = {ex->scope, NULL, 0, 0};
    bex.scope = &f;
    return render_body(r, &bex, body);
}

/* paths[i], when the iterable came from the root context: where a list's item is, or a
 * map's value (its keys are strings of the template's own). */
static void
bind_loop_vars(render *r, frame *f, const template_node *n, const value *key, const value *val,
               const deps_path *path)
{
    template_rv k = rv_of(key), v = rv_of(val);
    if (n->u.for_.var2)
        v.path = path;
    else
        k.path = path;
    frame_set(r, f, n->u.for_.var1, n->u.for_.len1, k);
    if (n->u.for_.var2)
        frame_set(r, f, n->u.for_.var2, n->u.for_.len2, v);
}

/* The paths of the items (or a map's values) of v, found at base. */
static const deps_path **
item_paths(render *r, const deps_path *base, const value *v)
{
    size_t n = value_len(v);
    const deps_path **paths = arena_alloc(r->scratch, (n + 1) * sizeof(deps_path *));
    for (size_t i = 0; i < n; i++) {
        if (v->type == VALUE_MAP) {
            const value_pair *p = &v->as.map.pairs[i];
            paths[i] = new_path(r, base, DEPS_KEY, p->key, p->key_len, 0, p->val);
        } else {
            size_t len;
            const char *text = index_text(r, i, &len);
            paths[i] = new_path(r, base, DEPS_NUM, text, len, (double)i, v->as.list.items[i]);
        }
    }
    return paths;
}

static bool
render_for(render *r, const exec *ex, const template_node *n)
{
    template_rv it;
    if (!eval_as(r, ex, n->u.for_.iter, &it, USE_REF))
        return false;
    size_t count = 0;
    const value **keys = NULL, **vals = NULL; /* keys: the items, or a map's keys */
    const value *v = it.kind == TEMPLATE_RV_VALUE ? it.v : NULL;
    const deps_path **paths = NULL; /* of the items, or of a map's values */
    if (it.path && v && (v->type == VALUE_LIST || v->type == VALUE_MAP)) {
        log_read(r, it.path, DEPS_SHAPE, v, NULL, 0); /* the loop runs over these items */
        if (v->type == VALUE_LIST || n->u.for_.var2)  /* a map's keys alone are its shape */
            paths = item_paths(r, it.path, v);
    } else {
        log_use(r, &it, USE_VALUE);
    }
    if (v && v->type != VALUE_NULL && n->u.for_.var2 && v->type != VALUE_MAP)
        return rerr(r, ex, n->u.for_.iter->line, n->u.for_.iter->col,
                    "'for %s, %s in' needs a map, got %s", n->u.for_.var1, n->u.for_.var2,
                    value_type_name(v->type));
    if (!v || v->type == VALUE_NULL) {
        count = 0;
    } else if (v->type == VALUE_LIST) {
        count = v->as.list.len;
        keys = (const value **)v->as.list.items;
    } else if (v->type == VALUE_MAP) {
        count = v->as.map.len;
        keys = arena_alloc(r->scratch, (count + 1) * sizeof(value *));
        vals = arena_alloc(r->scratch, (count + 1) * sizeof(value *));
        for (size_t i = 0; i < count; i++) {
            const value_pair *p = &v->as.map.pairs[i];
            keys[i] = value_new_string_ref(r->scratch, p->key, p->key_len, SRC_NONE);
            vals[i] = p->val;
        }
    } else if (v->type == VALUE_STRING) {
        const char *s = v->as.str.ptr;
        size_t len = v->as.str.len;
        keys = arena_alloc(r->scratch, (text_utf8_count(s, len) + 1) * sizeof(value *));
        for (size_t i = 0; i < len;) {
            size_t k = text_utf8_prefix(s + i, len - i, 1);
            keys[count++] = value_new_string(r->scratch, s + i, k, SRC_NONE);
            i += k;
        }
    } else {
        return rerr(r, ex, n->u.for_.iter->line, n->u.for_.iter->col, "cannot iterate over %s",
                    value_type_name(v->type));
    }
    frame f = {ex->scope, NULL, 0, 0};
    exec lex = *ex;
    lex.scope = &f;
    if (n->u.for_.filter && count) { /* `for x in xs if cond`: filter first, for loop.length */
        const value **fk = arena_alloc(r->scratch, count * sizeof(value *));
        const value **fv = vals ? arena_alloc(r->scratch, count * sizeof(value *)) : NULL;
        const deps_path **fp = paths ? arena_alloc(r->scratch, count * sizeof(deps_path *)) : NULL;
        size_t kept = 0;
        for (size_t i = 0; i < count; i++) {
            if (!spend(r, ex, n->line, n->col))
                return false;
            f.len = 0;
            bind_loop_vars(r, &f, n, keys[i], vals ? vals[i] : NULL, paths ? paths[i] : NULL);
            template_rv c;
            if (!eval_as(r, &lex, n->u.for_.filter, &c, USE_TRUTH))
                return false;
            if (template_truthy(&c)) {
                fk[kept] = keys[i];
                if (fv)
                    fv[kept] = vals[i];
                if (fp)
                    fp[kept] = paths[i];
                kept++;
            }
        }
        keys = fk;
        vals = fv;
        paths = fp;
        count = kept;
    }
    loop_state st = {0, count, (const value *const *)keys,
                     vals ? NULL : (const deps_path *const *)paths};
    for (size_t i = 0; i < count; i++) {
        if (!spend(r, ex, n->line, n->col))
            return false;
        f.len = 0; /* every iteration starts with a fresh scope */
        st.index0 = i;
        bind_loop_vars(r, &f, n, keys[i], vals ? vals[i] : NULL, paths ? paths[i] : NULL);
        frame_set(r, &f, "loop", 4, (template_rv){NULL, &st, TEMPLATE_RV_LOOP, false, NULL});
        if (!render_body(r, &lex, n->u.for_.body))
            return false;
        if (r->flow == FLOW_BREAK) {
            r->flow = FLOW_NONE;
            break;
        }
        r->flow = FLOW_NONE;
    }
    if (!count && n->u.for_.otherwise)
        return render_body(r, ex, n->u.for_.otherwise);
    return true;
}

static bool
render_node(render *r, const exec *ex, const template_node *n)
{
    template_rv v;
    if (!spend(r, ex, n->line, n->col))
        return false;
    switch ((template_node_kind)n->kind) {
    case TEMPLATE_ND_TEXT:
        buf_append(r->out, n->u.text.ptr, n->u.text.len);
        return true;
    case TEMPLATE_ND_OUTPUT: {
        if (!eval(r, ex, n->u.output, &v))
            return false;
        url_guard g;
        guard_begin(&g, r, ex);
        print(r, ex, &v);
        return guard_end(&g, r, ex, n, &v);
    }
    case TEMPLATE_ND_IF:
        for (size_t i = 0; i < n->u.if_.n; i++) {
            if (!eval_as(r, ex, n->u.if_.conds[i], &v, USE_TRUTH))
                return false;
            if (template_truthy(&v))
                return render_body(r, ex, n->u.if_.bodies[i]);
        }
        return render_body(r, ex, n->u.if_.otherwise);
    case TEMPLATE_ND_FOR:
        return render_for(r, ex, n);
    case TEMPLATE_ND_SET:
    case TEMPLATE_ND_SET_BLOCK:
        /* a name bound to a value of the root context keeps its path: what is read of it
         * later is logged then (USE_REF), not the whole value now */
        if (n->kind == TEMPLATE_ND_SET ? !eval_as(r, ex, n->u.set.val, &v, USE_REF)
                                       : !render_capture(r, ex, n->u.set.body, &v))
            return false;
        frame_set(r, n->u.set.global ? ex->tframe : ex->scope, n->u.set.name, n->u.set.len, v);
        return true;
    case TEMPLATE_ND_INCLUDE:
        return render_include(r, ex, n);
    case TEMPLATE_ND_BLOCK:
        return render_block(r, ex, n);
    case TEMPLATE_ND_FILTER_BLOCK:
        if (!render_capture(r, ex, n->u.filter.body, &v))
            return false;
        for (size_t i = 0; i < n->u.filter.n; i++)
            if (!apply_filter(r, ex, n->u.filter.calls[i], v, &v, -1))
                return false;
        if (v.kind == TEMPLATE_RV_VALUE && v.v) { /* the body was escaped already */
            url_guard g;
            guard_begin(&g, r, ex);
            value_to_text(r->out, v.v);
            return guard_end(&g, r, ex, n, &v);
        }
        return true;
    case TEMPLATE_ND_BREAK:
        r->flow = FLOW_BREAK;
        return true;
    case TEMPLATE_ND_CONTINUE:
        r->flow = FLOW_CONTINUE;
        return true;
    }
    return true;
}

static bool
render_body(render *r, const exec *ex, const template_node *n)
{
    for (; n; n = n->next) {
        if (r->nest >= TEMPLATE_MAX_NEST)
            return too_deep(r, ex, n->line, n->col);
        r->nest++;
        bool ok = render_node(r, ex, n);
        r->nest--;
        if (!ok)
            return false;
        if (r->flow)
            return true;
    }
    return true;
}

/* Renders u in the frame f. With extends, the top-level set tags of each template in the
 * chain run first (most derived first), then the root template's body, whose blocks
 * resolve to the most derived definitions. */
static bool
render_unit(render *r, const template_unit *u, frame *f)
{
    exec ex = {u, u->chain, u->chain_len, f, f, NULL, 0, 0};
    for (size_t i = 0; i + 1 < u->chain_len; i++) {
        ex.owner = u->chain[i];
        for (const template_node *n = u->chain[i]->body; n; n = n->next) {
            if ((n->kind == TEMPLATE_ND_SET || n->kind == TEMPLATE_ND_SET_BLOCK) &&
                !render_node(r, &ex, n))
                return false;
        }
    }
    ex.owner = u->chain_len ? u->chain[u->chain_len - 1] : u;
    return render_body(r, &ex, ex.owner->body);
}

bool
template_eval(buf *out, const template_set *ts, const template_unit *u, const value *ctx,
              arena *scratch, deps_log *log, template_cache *cache, diag *d)
{
    render r = {ts,   out,  scratch, d,    ctx, 0, 0, FLOW_NONE, 0, log, log ? cache : NULL,
                NULL, NULL, NULL,    NULL, NULL};
    frame top = {NULL, NULL, 0, 0};
    return render_unit(&r, u, &top);
}
