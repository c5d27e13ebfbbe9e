/* SPDX-License-Identifier: MIT
 * template_internal.h - what the parts of the template module share and nothing else
 * includes: the compiled tree (template_parse.c builds it, template.c links it,
 * template_eval.c renders it) and the built-in filters and tests (template_filter.c). */
#ifndef CLINFOLIO_TEMPLATE_INTERNAL_H
#define CLINFOLIO_TEMPLATE_INTERNAL_H

#include "deps.h"
#include "template.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEMPLATE_MAX_PARSE_DEPTH 256    /* nesting of tags and expressions in one file */
#define TEMPLATE_MAX_CALL_DEPTH  64     /* nested include and macro calls while rendering */
#define TEMPLATE_MAX_NEST        1000   /* render recursion of any kind, against stack overflow */
#define TEMPLATE_MAX_PARAMS      4      /* parameters of a built-in filter */
#define TEMPLATE_MAX_RANGE       100000 /* items range() may build */
/* template nodes one render may run: far above a listing of 100,000 pages (a hundred
 * nodes each), low enough that a runaway loop stops within a second or two */
#define TEMPLATE_MAX_STEPS 20000000
/* scratch memory one render may hold (values built by filters, range(), loops) */
#define TEMPLATE_MAX_SCRATCH ((size_t)256 << 20)

typedef struct template_unit template_unit;
typedef struct template_node template_node;
typedef struct template_expr template_expr;
typedef struct template_macro template_macro;
typedef struct template_builtin template_builtin;
typedef struct template_test template_test;

/* {====================================================================
 * run-time values
 * ===================================================================== */

typedef enum template_rv_kind {
    TEMPLATE_RV_VALUE,  /* v; NULL is "undefined" */
    TEMPLATE_RV_LOOP,   /* the `loop` variable of a for loop: loop points at its state */
    TEMPLATE_RV_ABSENT, /* a filter argument that was not given */
} template_rv_kind;

/* What an expression evaluates to: a value plus whether it is safe HTML, and, while a
 * render logs its reads (deps.h), where in the root context the value was found (NULL:
 * not from there, or logged already). */
typedef struct template_rv {
    const value *v;
    const void *loop;
    unsigned char kind;
    bool safe;
    const deps_path *path;
} template_rv;

/* What a built-in filter or test may use. */
typedef struct template_fctx {
    const template_set *ts;
    arena *scratch;
    diag *d;
    src_pos at; /* the filter's name in the template */
    const char *name;
} template_fctx;

/* {====================================================================
 * the compiled tree (immutable once linked)
 * ===================================================================== */

typedef struct template_named {
    const char *name;
    size_t len;
    template_expr *val;
    unsigned line, col;
} template_named;

typedef struct template_args {
    template_expr **pos;
    size_t npos;
    template_named *named;
    size_t nnamed;
} template_args;

typedef struct template_user_filter {
    const char *name;
    template_filter_fn fn;
    void *payload;
} template_user_filter;

/* One `| name(args)` application. */
typedef struct template_filter_call {
    const char *name;
    size_t len;
    unsigned line, col;
    template_args args;
    /* set by the link: exactly one of builtin and user */
    const template_builtin *builtin;
    template_expr **slots; /* builtin: argument per parameter, NULL when absent */
    const template_user_filter *user;
    /* set by the link, for the reads a render logs (template_eval.c): what the filter
     * reads of its input, and the slot of its `attribute` parameter (-1: none) */
    unsigned char reads;
    signed char attribute;
} template_filter_call;

/* template_filter_call.reads */
enum {
    TEMPLATE_READS_ALL,       /* its input whole (user filters too) */
    TEMPLATE_READS_COUNT,     /* length, count: how many items */
    TEMPLATE_READS_ATTRIBUTE, /* map, sum, join: one attribute of each item */
    TEMPLATE_READS_WHERE,     /* where: one attribute of each item, and the items it keeps */
    TEMPLATE_READS_FIRST,     /* first: one item */
    TEMPLATE_READS_LAST,      /* last: one item */
    TEMPLATE_READS_REVERSE,   /* reverse: a list's items in the other order (deps.h) */
};

typedef enum template_expr_kind {
    TEMPLATE_EX_LITERAL,
    TEMPLATE_EX_NAME,
    TEMPLATE_EX_ATTR,
    TEMPLATE_EX_INDEX,
    TEMPLATE_EX_LIST,
    TEMPLATE_EX_DICT,
    TEMPLATE_EX_UNARY,
    TEMPLATE_EX_BINARY,
    TEMPLATE_EX_AND,
    TEMPLATE_EX_OR,
    TEMPLATE_EX_COND,
    TEMPLATE_EX_FILTER,
    TEMPLATE_EX_TEST,
    TEMPLATE_EX_CALL,
} template_expr_kind;

typedef enum template_op {
    TEMPLATE_OP_NOT,
    TEMPLATE_OP_NEG,
    TEMPLATE_OP_POS,
    TEMPLATE_OP_ADD,
    TEMPLATE_OP_SUB,
    TEMPLATE_OP_MUL,
    TEMPLATE_OP_DIV,
    TEMPLATE_OP_FLOORDIV,
    TEMPLATE_OP_MOD,
    TEMPLATE_OP_CONCAT,
    TEMPLATE_OP_EQ,
    TEMPLATE_OP_NE,
    TEMPLATE_OP_LT,
    TEMPLATE_OP_GT,
    TEMPLATE_OP_LE,
    TEMPLATE_OP_GE,
    TEMPLATE_OP_IN,
    TEMPLATE_OP_NOT_IN,
} template_op;

typedef enum template_fn {
    TEMPLATE_FN_UNRESOLVED,
    TEMPLATE_FN_SUPER,
    TEMPLATE_FN_RANGE,
    TEMPLATE_FN_CYCLE, /* loop.cycle(a, b, ...) */
    TEMPLATE_FN_MACRO,
    TEMPLATE_FN_T, /* t("key", name=value...): site.i18n[key], {name} filled in */
} template_fn;

struct template_expr {
    unsigned char kind, op;
    unsigned short height; /* of the subtree: the evaluator recurses this deep */
    unsigned line, col;
    union {
        const value *lit;
        struct {
            const char *name;
            size_t len;
        } name;
        struct {
            template_expr *obj;
            const char *name;
            size_t len;
        } attr;
        struct {
            template_expr *obj, *index;
        } index;
        struct {
            template_expr **items, **keys; /* keys: dict literals only */
            size_t n;
        } list;
        struct {
            template_expr *a, *b; /* unary operators use a */
        } bin;
        struct {
            template_expr *cond, *then, *otherwise; /* otherwise may be NULL */
        } cond;
        struct {
            template_expr *input;
            template_filter_call *f;
        } filter;
        struct {
            template_expr *input;
            const template_test *test;
            template_args args;
            bool negate;
        } test;
        struct {
            template_expr *callee; /* a NAME, or an ATTR for m.macro() and loop.cycle() */
            template_args args;
            unsigned char fn;            /* template_fn, set by the link */
            const template_macro *macro; /* TEMPLATE_FN_MACRO */
        } call;
    } u;
};

typedef enum template_node_kind {
    TEMPLATE_ND_TEXT,
    TEMPLATE_ND_OUTPUT,
    TEMPLATE_ND_IF,
    TEMPLATE_ND_FOR,
    TEMPLATE_ND_SET,
    TEMPLATE_ND_SET_BLOCK,
    TEMPLATE_ND_INCLUDE,
    TEMPLATE_ND_BLOCK,
    TEMPLATE_ND_FILTER_BLOCK,
    TEMPLATE_ND_BREAK,
    TEMPLATE_ND_CONTINUE,
} template_node_kind;

struct template_node {
    unsigned char kind;
    unsigned line, col;
    template_node *next;
    union {
        struct {
            const char *ptr;
            size_t len;
        } text;
        template_expr *output;
        struct {
            template_expr **conds;
            template_node **bodies;
            size_t n;
            template_node *otherwise;
        } if_;
        struct {
            const char *var1, *var2; /* var2: NULL unless `for k, v in` */
            size_t len1, len2;
            template_expr *iter, *filter; /* filter: `for x in xs if cond`, may be NULL */
            template_node *body, *otherwise;
        } for_;
        struct {
            const char *name;
            size_t len;
            template_expr *val;  /* ND_SET */
            template_node *body; /* ND_SET_BLOCK */
            bool global;         /* set_global */
        } set;
        struct {
            template_expr *name;
            const template_unit *target; /* set by the link when name is a literal */
            bool ignore_missing;
            bool cached; /* `cached`: an earlier output is reused when it would be the same */
        } include;
        struct {
            const char *name;
            size_t len;
            template_node *body;
        } block;
        struct {
            template_filter_call **calls;
            size_t n;
            template_node *body;
        } filter;
    } u;
};

struct template_macro {
    const char *name;
    size_t len;
    unsigned line, col;
    const char **params;
    size_t *param_lens;
    template_expr **defaults; /* NULL entries: no default */
    size_t nparams;
    template_node *body;
    const template_unit *owner;
};

typedef struct template_block_def {
    const char *name;
    size_t len;
    const template_node *node;
} template_block_def;

typedef struct template_import {
    const char *alias, *target_name;
    size_t alias_len;
    unsigned line, col;
    const template_unit *target; /* set by the link */
} template_import;

/* Growable arrays of pointers in the build arena (grown by copying). */
typedef struct template_ptrs {
    void **items;
    size_t len, cap;
} template_ptrs;

void template_ptrs_push(template_ptrs *p, void *item, arena *a);

struct template_unit {
    const char *name, *diag_file;
    template_node *body;
    bool autoescape;
    bool broken; /* had syntax errors: never linked nor rendered */
    /* extends */
    const char *extends;
    unsigned ext_line, ext_col;
    const template_unit *parent; /* set by the link */
    const template_unit **chain; /* set by the link: this, parent, ..., root */
    size_t chain_len;
    template_ptrs blocks;  /* template_block_def *, every block at any depth */
    template_ptrs macros;  /* template_macro * */
    template_ptrs imports; /* template_import * */
    /* what the link must resolve */
    template_ptrs filters;  /* template_filter_call * */
    template_ptrs calls;    /* template_expr * (TEMPLATE_EX_CALL) */
    template_ptrs includes; /* template_node * (TEMPLATE_ND_INCLUDE) */
};

struct template_set {
    arena *a;
    char *base_url;        /* always ends with '/' */
    char *base_path;       /* the path part of base_url: "/sub/" */
    template_ptrs units;   /* template_unit * */
    template_ptrs filters; /* template_user_filter * */
    bool linked;
    uint64_t hash; /* of base_url and every file added, in order (template_set_hash) */
};

/* {====================================================================
 * between the parts
 * ===================================================================== */

/* template_parse.c: compiles src into u (name, diag_file and autoescape already set),
 * allocating in a. Reports every error; false when there was one. */
bool template_parse(template_unit *u, const char *src, size_t len, arena *a, diag *d);

/* template.c */
const template_unit *template_find(const template_set *ts, const char *name, size_t len);
const template_macro *template_find_macro(const template_unit *u, const char *name, size_t len);
const template_block_def *template_find_block(const template_unit *u, const char *name, size_t len);

/* template_eval.c: renders u (resolving extends) as template_render_logged describes. */
bool template_eval(buf *out, const template_set *ts, const template_unit *u, const value *ctx,
                   arena *scratch, deps_log *log, template_cache *cache, diag *d);

/* template_filter.c */
typedef bool (*template_builtin_fn)(template_rv *out, const template_rv *in,
                                    const template_rv *args, const template_fctx *c);
struct template_builtin {
    const char *name;
    template_builtin_fn fn;
    const char *params[TEMPLATE_MAX_PARAMS]; /* NULL-terminated when shorter */
    unsigned required;                       /* how many leading params are required */
};
const template_builtin *template_builtin_find(const char *name, size_t len);

typedef bool (*template_test_fn)(bool *result, const template_rv *in, const template_rv *args,
                                 const template_fctx *c);
struct template_test {
    const char *name;
    template_test_fn fn;
    unsigned nargs;
};
const template_test *template_test_find(const char *name, size_t len);

/* Helpers the filters and the evaluator share. */
extern const value template_true, template_false, template_null;
/* The text form of v (value_to_text) as ptr/len: strings without a copy, others in
 * scratch. Undefined is "". */
const char *template_text(const template_rv *v, size_t *len, arena *scratch);
/* Type name for messages: "undefined" or the value type. */
const char *template_type_name(const template_rv *v);
bool template_truthy(const template_rv *v);

#endif
