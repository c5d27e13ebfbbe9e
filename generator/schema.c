/* SPDX-License-Identifier: MIT
 * schema.c - the project schema: read the theme's and the site's schema.yaml, merge them,
 * compile them into key specifications (before the pages load), and check each page's
 * front matter against its section's keys (pass 3, on the page-load workers). */
#include "schema.h"

#include "buf.h"
#include "front.h"
#include "fs.h"
#include "ident.h"
#include "text.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static const char *const type_names[] = {
    [SCHEMA_ANY] = "any",         [SCHEMA_TEXT] = "text", [SCHEMA_NUMBER] = "number",
    [SCHEMA_INTEGER] = "integer", [SCHEMA_BOOL] = "bool", [SCHEMA_DATE] = "date",
    [SCHEMA_YEAR] = "year",       [SCHEMA_URL] = "url",   [SCHEMA_ENUM] = "enum",
    [SCHEMA_LIST] = "list",       [SCHEMA_MAP] = "map",   [SCHEMA_MONEY] = "money",
    [SCHEMA_PATENT] = "patent",   [SCHEMA_NMPA] = "nmpa", [SCHEMA_TRIAL] = "trial",
};
#define N_TYPES (sizeof type_names / sizeof type_names[0])

const char *
schema_type_name(schema_type t)
{
    return (size_t)t < N_TYPES ? type_names[t] : "any";
}
#define TYPE_LIST                                                                          \
    "text, number, integer, bool, date, year, url, enum, list, map, money, patent, nmpa, " \
    "trial"

/* {====================================================================
 * merge: the site's schema.yaml over the theme's, as value trees
 * ===================================================================== */

static value *
map_copy(const value *m, arena *a)
{
    value *c = value_new_map(a, m->pos);
    for (size_t i = 0; i < m->as.map.len; i++) {
        const value_pair *p = &m->as.map.pairs[i];
        value_map_setn_at(c, p->key, p->key_len, p->val, p->key_pos, a);
    }
    return c;
}

static bool
is_map(const value *v)
{
    return v && v->type == VALUE_MAP;
}

static value *merge_spec(const value *base, const value *over, arena *a);

/* keys: {name: spec}: the site's specs replace or change the theme's, one key at a time */
static value *
merge_keys(const value *base, const value *over, arena *a)
{
    if (!is_map(base) || !is_map(over))
        return (value *)over;
    value *m = map_copy(base, a);
    for (size_t i = 0; i < over->as.map.len; i++) {
        const value_pair *p = &over->as.map.pairs[i];
        const value *old = value_map_getn(base, p->key, p->key_len);
        value *v = old ? merge_spec(old, p->val, a) : p->val;
        value_map_setn_at(m, p->key, p->key_len, v, p->key_pos, a);
    }
    return m;
}

/* One key's specification: with `type` (or written as a type name), the site's replaces
 * the theme's; without, only the fields it writes change. */
static value *
merge_spec(const value *base, const value *over, arena *a)
{
    if (!is_map(over) || value_map_get(over, "type"))
        return (value *)over;
    if (base->type == VALUE_STRING) { /* `company: text` is {type: text} */
        value *m = map_copy(over, a);
        value_map_setn_at(m, "type", 4, (value *)base, base->pos, a);
        return m;
    }
    if (!is_map(base))
        return (value *)over;
    value *m = map_copy(base, a);
    for (size_t i = 0; i < over->as.map.len; i++) {
        const value_pair *p = &over->as.map.pairs[i];
        const value *old = value_map_getn(base, p->key, p->key_len);
        value *v = p->val;
        if (old && strcmp(p->key, "keys") == 0)
            v = merge_keys(old, p->val, a);
        else if (old && strcmp(p->key, "items") == 0)
            v = merge_spec(old, p->val, a);
        value_map_setn_at(m, p->key, p->key_len, v, p->key_pos, a);
    }
    return m;
}

/* sections: {name: {keys: {...}}}: a section's keys merge as above */
static value *
merge_root(const value *base, const value *over, arena *a)
{
    if (!is_map(base) || !is_map(over))
        return (value *)over;
    value *root = map_copy(over, a);
    const value *bs = value_map_get(base, "sections"), *os = value_map_get(over, "sections");
    if (!is_map(bs) || !is_map(os)) {
        if (!os && bs)
            value_map_setn_at(root, "sections", 8, (value *)bs,
                              value_map_pair(base, "sections")->key_pos, a);
        return root;
    }
    value *secs = map_copy(bs, a);
    for (size_t i = 0; i < os->as.map.len; i++) {
        const value_pair *p = &os->as.map.pairs[i];
        const value *old = value_map_getn(bs, p->key, p->key_len);
        value *v = p->val;
        if (is_map(old) && is_map(v)) {
            value *sec = map_copy(old, a);
            for (size_t k = 0; k < v->as.map.len; k++) {
                const value_pair *f = &v->as.map.pairs[k];
                const value *of = value_map_getn(old, f->key, f->key_len);
                value *nv = of && strcmp(f->key, "keys") == 0 ? merge_keys(of, f->val, a) : f->val;
                value_map_setn_at(sec, f->key, f->key_len, nv, f->key_pos, a);
            }
            v = sec;
        }
        value_map_setn_at(secs, p->key, p->key_len, v, p->key_pos, a);
    }
    value_map_setn_at(root, "sections", 8, secs, value_map_pair(over, "sections")->key_pos, a);
    return root;
}

/* {====================================================================
 * compile: value tree -> schema_key specifications
 * ===================================================================== */

typedef struct compiler {
    arena *a;
    diag *d;
    bool ok;
} compiler;

static void cerror(compiler *c, src_pos at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cerror(compiler *c, src_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(c->d, DIAG_ERROR, at, fmt, ap);
    va_end(ap);
    c->ok = false;
}

static bool
known_field(const char *key, const char *const *fields)
{
    for (; *fields; fields++)
        if (strcmp(key, *fields) == 0)
            return true;
    return false;
}

/* Every key of m must be one of fields; reports the others. */
static void
check_fields(compiler *c, const value *m, const char *const *fields, const char *where,
             const char *list)
{
    for (size_t i = 0; i < m->as.map.len; i++)
        if (!known_field(m->as.map.pairs[i].key, fields))
            cerror(c, m->as.map.pairs[i].key_pos, "unknown key '%s' in %s (keys: %s)",
                   m->as.map.pairs[i].key, where, list);
}

static const char *
text_field(compiler *c, const value *spec, const char *field)
{
    const value *v = value_map_get(spec, field);
    if (!v || v->type == VALUE_NULL)
        return NULL;
    if (v->type == VALUE_STRING)
        return v->as.str.ptr;
    cerror(c, v->pos, "'%s' must be text, not %s", field, value_type_name(v->type));
    return NULL;
}

static bool
bool_field(compiler *c, const value *spec, const char *field)
{
    const value *v = value_map_get(spec, field);
    if (!v || v->type == VALUE_NULL)
        return false;
    if (v->type == VALUE_BOOL)
        return v->as.boolean;
    cerror(c, v->pos, "'%s' must be true or false, not %s", field, value_type_name(v->type));
    return false;
}

static bool
type_from_name(schema_type *out, const char *name)
{
    for (size_t i = 1; i < N_TYPES; i++)
        if (strcmp(name, type_names[i]) == 0) {
            *out = (schema_type)i;
            return true;
        }
    return false;
}

static bool compile_spec(compiler *c, schema_key *k, const char *name, const value *spec);

/* keys: {name: spec} -> an array in the order written */
static const schema_key *
compile_keys(compiler *c, const value *m, size_t *n)
{
    *n = 0;
    if (!m || m->type == VALUE_NULL)
        return NULL;
    if (m->type != VALUE_MAP) {
        cerror(c, m->pos, "'keys' must be a map of name: specification, not %s",
               value_type_name(m->type));
        return NULL;
    }
    schema_key *keys = arena_zalloc(c->a, (m->as.map.len + 1) * sizeof(schema_key));
    for (size_t i = 0; i < m->as.map.len; i++) {
        const value_pair *p = &m->as.map.pairs[i];
        if (compile_spec(c, &keys[*n], p->key, p->val))
            keys[*n].at = p->key_pos, ++*n;
    }
    return keys;
}

/* values: [a, b] or {a: what a means, b: ...} */
static void
compile_values(compiler *c, schema_key *k, const value *v)
{
    bool is_list = v && v->type == VALUE_LIST;
    if (!v || (!is_list && v->type != VALUE_MAP) || value_len(v) == 0) {
        cerror(c, v ? v->pos : k->at, "enum '%s' needs 'values': a list such as [a, b]", k->name);
        return;
    }
    size_t n = value_len(v);
    k->values = arena_zalloc(c->a, n * sizeof(char *));
    k->value_notes = arena_zalloc(c->a, n * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const value *item = is_list ? v->as.list.items[i] : v->as.map.pairs[i].val;
        if (!is_list) {
            k->values[k->n_values] = v->as.map.pairs[i].key;
            if (item->type == VALUE_STRING)
                k->value_notes[k->n_values] = item->as.str.ptr;
            else if (item->type != VALUE_NULL)
                cerror(c, item->pos, "what a value means must be text, not %s",
                       value_type_name(item->type));
        } else if (item->type == VALUE_STRING || item->type == VALUE_NUMBER ||
                   item->type == VALUE_BOOL) {
            k->values[k->n_values] = value_to_cstr(item, c->a);
        } else {
            cerror(c, item->pos, "enum values must be text, not %s", value_type_name(item->type));
            continue;
        }
        k->n_values++;
    }
}

/* A field that only one type takes (values, items, keys) on a key of another type. */
static void
wrong_field(compiler *c, const schema_key *k, const value *v, const char *field, const char *type)
{
    if (k->type == SCHEMA_ANY)
        cerror(c, v->pos, "'%s' is for type %s, and '%s' has no 'type'", field, type, k->name);
    else
        cerror(c, v->pos, "'%s' is for type %s, not %s", field, type, type_names[k->type]);
}

static bool
compile_spec(compiler *c, schema_key *k, const char *name, const value *spec)
{
    static const char *const fields[] = {
        "type", "required", "recommended", "description", "label", "values", "items", "keys", NULL};
    k->name = name;
    k->at = spec->pos;
    if (spec->type == VALUE_STRING) { /* shorthand: `company: text` */
        if (!type_from_name(&k->type, spec->as.str.ptr)) {
            cerror(c, spec->pos, "unknown type '%s' (types: " TYPE_LIST ")", spec->as.str.ptr);
            return false;
        }
        if (k->type == SCHEMA_ENUM || k->type == SCHEMA_MAP)
            cerror(c, spec->pos, "'%s' of type %s needs a specification with '%s'", name,
                   spec->as.str.ptr, k->type == SCHEMA_ENUM ? "values" : "keys");
        if (k->type == SCHEMA_LIST)
            k->items = arena_zalloc(c->a, sizeof(schema_key));
        return true;
    }
    if (spec->type != VALUE_MAP) {
        cerror(c, spec->pos, "the specification of '%s' must be a type name or a map, not %s", name,
               value_type_name(spec->type));
        return false;
    }
    check_fields(c, spec, fields, arena_printf(c->a, "the specification of '%s'", name),
                 "type, required, recommended, description, label, values, items, keys");
    const char *type = text_field(c, spec, "type");
    if (type && !type_from_name(&k->type, type)) {
        cerror(c, value_map_get(spec, "type")->pos, "unknown type '%s' (types: " TYPE_LIST ")",
               type);
        return false;
    }
    k->required = bool_field(c, spec, "required");
    k->recommended = bool_field(c, spec, "recommended");
    k->description = text_field(c, spec, "description");
    k->label = text_field(c, spec, "label");
    const value *values = value_map_get(spec, "values"), *items = value_map_get(spec, "items");
    const value *keys = value_map_get(spec, "keys");
    if (k->type == SCHEMA_ENUM)
        compile_values(c, k, values);
    else if (values)
        wrong_field(c, k, values, "values", "enum");
    if (k->type == SCHEMA_LIST) {
        schema_key *it = arena_zalloc(c->a, sizeof(schema_key));
        it->name = "";
        if (items && !compile_spec(c, it, "", items))
            return false;
        k->items = it;
    } else if (items) {
        wrong_field(c, k, items, "items", "list");
    }
    if (k->type == SCHEMA_MAP) {
        if (!keys)
            cerror(c, spec->pos, "map '%s' needs 'keys'", name);
        k->keys = compile_keys(c, keys, &k->n_keys);
    } else if (keys) {
        wrong_field(c, k, keys, "keys", "map");
    }
    return true;
}

const schema *
schema_compile(const value *root, arena *a, diag *d)
{
    compiler c = {a, d, true};
    schema *s = arena_zalloc(a, sizeof(schema));
    if (!is_map(root)) {
        cerror(&c, root->pos, "schema.yaml must be a map with 'sections', not %s",
               value_type_name(root->type));
        return NULL;
    }
    check_fields(&c, root, (const char *const[]){"sections", NULL}, "schema.yaml", "sections");
    const value *secs = value_map_get(root, "sections");
    if (secs && !is_map(secs)) {
        cerror(&c, secs->pos, "'sections' must be a map of section: {keys: ...}, not %s",
               value_type_name(secs->type));
        return NULL;
    }
    size_t n = secs ? secs->as.map.len : 0;
    schema_section *out = arena_zalloc(a, (n + 1) * sizeof(schema_section));
    for (size_t i = 0; i < n; i++) {
        const value_pair *p = &secs->as.map.pairs[i];
        out[s->n_sections].name = p->key;
        if (p->val->type == VALUE_NULL) {
            s->n_sections++;
            continue;
        }
        if (!is_map(p->val)) {
            cerror(&c, p->val->pos, "section '%s' must be a map such as {keys: ...}, not %s",
                   p->key, value_type_name(p->val->type));
            continue;
        }
        check_fields(&c, p->val, (const char *const[]){"keys", "description", NULL},
                     arena_printf(a, "section '%s'", p->key), "keys, description");
        schema_section *sec = &out[s->n_sections++];
        sec->keys = compile_keys(&c, value_map_get(p->val, "keys"), &sec->n_keys);
    }
    s->sections = out;
    return c.ok ? s : NULL;
}

/* <dir>/schema.yaml as a value tree; *tree NULL when there is no such file. */
static bool
read_schema(value **tree, const char *dir, const char *diag_dir, arena *a, diag *d)
{
    *tree = NULL;
    buf path = BUF_INIT;
    fs_join(&path, dir, "schema.yaml");
    const char *name = *diag_dir ? arena_printf(a, "%s/schema.yaml", diag_dir) : "schema.yaml";
    if (fs_kind_of(path.ptr) == FS_OTHER && access(path.ptr, F_OK) != 0) {
        buf_free(&path);
        return true;
    }
    buf text = BUF_INIT;
    bool ok = fs_read_file(&text, path.ptr, name, d);
    if (ok) {
        *tree = front_parse_yaml(text.ptr, text.len, name, 1, true, NULL, a, d);
        ok = *tree != NULL;
    }
    buf_free(&text);
    buf_free(&path);
    return ok;
}

bool
schema_load(const schema **out, const char *root, const char *theme_dir, const char *theme_name,
            arena *a, diag *d)
{
    *out = NULL;
    value *of_theme = NULL, *of_site = NULL; /* each schema.yaml's tree, NULL: none */
    bool ok = !theme_dir || read_schema(&of_theme, theme_dir, theme_name, a, d);
    ok &= read_schema(&of_site, root, "", a, d);
    if (!ok)
        return false;
    const value *merged = of_theme && of_site ? merge_root(of_theme, of_site, a)
                          : of_theme          ? of_theme
                                              : of_site;
    if (!merged)
        return true;
    *out = schema_compile(merged, a, d);
    return *out != NULL;
}

const schema_section *
schema_find_section(const schema *s, const char *name)
{
    for (size_t i = 0; s && i < s->n_sections; i++)
        if (strcmp(s->sections[i].name, name) == 0)
            return &s->sections[i];
    return NULL;
}

/* {====================================================================
 * suggestions
 * ===================================================================== */

const char *
schema_suggest(const char *word, size_t len, const char *const *names, size_t n)
{
    size_t chars = text_utf8_count(word, len);
    size_t max = chars <= 2 ? 0 : chars <= 5 ? 1 : 2;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t name_len = strlen(names[i]);
        size_t dist = text_edit_distance(word, len, names[i], name_len, max);
        if (dist > max || (name_len == len && memcmp(names[i], word, len) == 0))
            continue;
        best = names[i];
        if (dist == 0)
            break;
        max = dist - 1; /* only a nearer one replaces it: the first of the nearest wins */
    }
    return best;
}

/* {====================================================================
 * check: a page's front matter against its section's keys
 * ===================================================================== */

typedef struct checker {
    const schema_page *pg;
    arena *a;
    diag *d;
    buf path; /* the key being checked: "outcomes.patents[1].number" */
    bool ok;
} checker;

static void report(checker *c, diag_level level, const char *code, src_pos at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
report(checker *c, diag_level level, const char *code, src_pos at, const char *fmt, ...)
{
    if (level == DIAG_ERROR)
        c->ok = false;
    unsigned *budget = c->pg->budget;
    if (*budget >= FRONT_MAX_ERRORS) /* hostile input: thousands of unknown keys */
        return;
    va_list ap;
    va_start(ap, fmt);
    size_t id = diag_vreport_code(c->d, level, code, at, fmt, ap);
    va_end(ap);
    if (++*budget == FRONT_MAX_ERRORS)
        diag_note(c->d, id, at, "too many problems; the rest of this front matter was not checked");
}

/* Whether a message would still be printed: past the budget, a warning is dropped and
 * its suggestion need not be computed. */
static bool
quiet(const checker *c)
{
    return *c->pg->budget >= FRONT_MAX_ERRORS;
}

/* What a value looks like in a message: 'hello', 42, true, list. */
static const char *
describe(checker *c, const value *v)
{
    if (v->type == VALUE_STRING) {
        size_t n = text_utf8_prefix(v->as.str.ptr, v->as.str.len, 60);
        return arena_printf(c->a, "'%.*s%s'", (int)n, v->as.str.ptr,
                            n < v->as.str.len ? "..." : "");
    }
    if (v->type == VALUE_NUMBER || v->type == VALUE_BOOL)
        return value_to_cstr(v, c->a);
    return value_type_name(v->type);
}

bool
schema_quoted_date(const value *v)
{
    value_date dt;
    return v->type == VALUE_STRING && value_date_parse(&dt, v->as.str.ptr, v->as.str.len);
}

/* ", "-separated names, for messages */
static const char *
name_list(checker *c, const char *const *names, size_t n)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    const char *s = arena_strndup(c->a, b.ptr, b.len);
    buf_free(&b);
    return s;
}

static const char *
key_names(checker *c, const schema_key *keys, size_t n)
{
    const char **names = arena_alloc(c->a, (n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        names[i] = keys[i].name;
    return name_list(c, names, n);
}

/* What a value of spec's type looks like, for "must be ..." */
static const char *
expected(checker *c, const schema_key *k)
{
    switch (k->type) {
    case SCHEMA_TEXT:
        return "text";
    case SCHEMA_NUMBER:
        return "a number";
    case SCHEMA_INTEGER:
        return "a whole number";
    case SCHEMA_BOOL:
        return "true or false";
    case SCHEMA_DATE:
        return "a date such as 2023-03-01";
    case SCHEMA_YEAR:
        return "a year such as 2023";
    case SCHEMA_URL:
        return "a URL";
    case SCHEMA_ENUM:
        return arena_printf(c->a, "one of %s", name_list(c, k->values, k->n_values));
    case SCHEMA_LIST:
        return "a list such as [a, b]";
    case SCHEMA_MAP:
        return arena_printf(c->a, "a map of {%s}", key_names(c, k->keys, k->n_keys));
    case SCHEMA_MONEY:
        return "an amount such as {amount: 50000, currency: CNY}";
    case SCHEMA_PATENT:
        return "a patent number such as CN202320158462.9";
    case SCHEMA_NMPA:
        return "an NMPA registration or filing number such as 国械注准20233140123";
    case SCHEMA_TRIAL:
        return "a trial registration such as ChiCTR2300071234 or NCT01234567";
    case SCHEMA_ANY:
        break;
    }
    return "anything";
}

/* Whether text would have been right without its quotes: '2023' for a year, "true" for a
 * bool (YAML reads a quoted scalar as text). */
static bool
quoted_fits(const schema_key *k, const value *v)
{
    if (v->type != VALUE_STRING || v->as.str.len == 0 || v->as.str.len > 40)
        return false;
    const char *str = v->as.str.ptr;
    if (k->type == SCHEMA_BOOL)
        return strcmp(str, "true") == 0 || strcmp(str, "false") == 0;
    if (k->type != SCHEMA_NUMBER && k->type != SCHEMA_INTEGER && k->type != SCHEMA_YEAR)
        return false;
    size_t i = str[0] == '-' || str[0] == '+', digits = 0, dots = 0;
    for (; i < v->as.str.len; i++) {
        if (str[i] >= '0' && str[i] <= '9')
            digits++;
        else if (str[i] == '.' && k->type == SCHEMA_NUMBER)
            dots++;
        else
            return false;
    }
    if (digits == 0 || dots > 1)
        return false;
    return k->type != SCHEMA_YEAR || (v->as.str.len == 4 && str[0] >= '1');
}

static void
bad_type(checker *c, const schema_key *k, const value *v)
{
    if (quoted_fits(k, v))
        report(c, DIAG_ERROR, "bad-type", v->pos,
               "'%s' must be %s, not the text %s (remove the quotes)", c->path.ptr, expected(c, k),
               describe(c, v));
    else
        report(c, DIAG_ERROR, "bad-type", v->pos, "'%s' must be %s, not %s", c->path.ptr,
               expected(c, k), describe(c, v));
}

static void check_value(checker *c, const schema_key *k, const value *v);

/* Unknown keys of a map get a warning, naming the nearest known key when one is close. */
static void
unknown_key(checker *c, const value_pair *p, const char *const *names, size_t n, bool top)
{
    if (quiet(c)) /* hostile input: thousands of unknown keys */
        return;
    const char *near = schema_suggest(p->key, p->key_len, names, n);
    if (near)
        report(c, DIAG_WARNING, "unknown-key", p->key_pos,
               "unknown key '%s'%s%s%s (did you mean '%s'?)", p->key, top ? "" : " in '",
               top ? "" : c->path.ptr, top ? "" : "'", near);
    else if (top)
        report(c, DIAG_WARNING, "unknown-key", p->key_pos,
               "unknown key '%s' (not a built-in key, a taxonomy or a key of schema.yaml for "
               "this section)",
               p->key);
    else
        report(c, DIAG_WARNING, "unknown-key", p->key_pos, "unknown key '%s' in '%s' (keys: %s)",
               p->key, c->path.ptr, name_list(c, names, n));
}

static const schema_key *
find_key(const schema_key *keys, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static void
push_key(checker *c, const char *key)
{
    if (c->path.len)
        buf_putc(&c->path, '.');
    buf_puts(&c->path, key);
}

/* The keys of map m against keys[0..n); extra names (built-ins, taxonomies) are known
 * at the top level and checked elsewhere. */
static void
check_keys(checker *c, const schema_key *keys, size_t n, const value *m, const char *const *extra,
           size_t n_extra, src_pos missing_at)
{
    bool top = c->path.len == 0;
    const char **names = NULL;
    size_t n_names = 0;
    size_t mark = c->path.len;
    for (size_t i = 0; i < m->as.map.len; i++) {
        const value_pair *p = &m->as.map.pairs[i];
        const schema_key *k = find_key(keys, n, p->key);
        if (!k) {
            bool known = false;
            for (size_t e = 0; e < n_extra && !known; e++)
                known = strcmp(extra[e], p->key) == 0;
            if (known)
                continue;
            if (!names) {
                names = arena_alloc(c->a, (n + n_extra + 1) * sizeof(char *));
                for (size_t e = 0; e < n_extra; e++)
                    names[n_names++] = extra[e];
                for (size_t e = 0; e < n; e++)
                    names[n_names++] = keys[e].name;
            }
            unknown_key(c, p, names, n_names, top);
            continue;
        }
        push_key(c, p->key);
        check_value(c, k, p->val);
        buf_truncate(&c->path, mark);
    }
    for (size_t i = 0; i < n; i++) {
        const schema_key *k = &keys[i];
        if (!k->required && !(k->recommended && c->pg->recommended))
            continue;
        const value_pair *p = value_map_pair(m, k->name);
        if (p && (p->val->type != VALUE_NULL || p->val->invalid))
            continue;
        const char *kind = k->required ? "required" : "recommended";
        src_pos at = p ? p->key_pos : missing_at;
        if (top)
            report(c, k->required ? DIAG_ERROR : DIAG_WARNING, "missing-key", at,
                   "missing %s key '%s'", kind, k->name);
        else
            report(c, k->required ? DIAG_ERROR : DIAG_WARNING, "missing-key", at,
                   "missing %s key '%s' in '%s'", kind, k->name, c->path.ptr);
    }
}

static bool
is_scalar(const value *v)
{
    return v->type == VALUE_STRING || v->type == VALUE_NUMBER || v->type == VALUE_BOOL;
}

static void
check_enum(checker *c, const schema_key *k, const value *v)
{
    if (!is_scalar(v)) {
        bad_type(c, k, v);
        return;
    }
    const char *s = value_to_cstr(v, c->a);
    for (size_t i = 0; i < k->n_values; i++)
        if (strcmp(s, k->values[i]) == 0)
            return;
    if (quiet(c)) {
        c->ok = false;
        return;
    }
    const char *near = schema_suggest(s, strlen(s), k->values, k->n_values);
    if (near)
        report(c, DIAG_ERROR, "bad-value", v->pos, "'%s' must be %s, not %s (did you mean '%s'?)",
               c->path.ptr, expected(c, k), describe(c, v), near);
    else
        report(c, DIAG_ERROR, "bad-value", v->pos, "'%s' must be %s, not %s", c->path.ptr,
               expected(c, k), describe(c, v));
}

static void
check_money(checker *c, const schema_key *k, const value *v)
{
    static const schema_key parts[] = {{.name = "amount", .required = true}, {.name = "currency"}};
    if (v->type != VALUE_MAP) {
        bad_type(c, k, v);
        return;
    }
    check_keys(c, parts, 2, v, NULL, 0, v->pos);
    size_t mark = c->path.len;
    const value *amount = value_map_get(v, "amount"), *cur = value_map_get(v, "currency");
    push_key(c, "amount");
    if (amount && !amount->invalid && amount->type != VALUE_NULL &&
        (amount->type != VALUE_NUMBER || !isfinite(amount->as.number)))
        report(c, DIAG_ERROR, "bad-amount", amount->pos,
               "'%s' must be a number such as 50000 (no separators, units or .nan), not %s",
               c->path.ptr, describe(c, amount));
    buf_truncate(&c->path, mark);
    push_key(c, "currency");
    if (cur && !cur->invalid && cur->type != VALUE_NULL) {
        const char *s = cur->type == VALUE_STRING ? cur->as.str.ptr : "";
        bool code = cur->type == VALUE_STRING && cur->as.str.len == 3;
        for (size_t i = 0; code && i < 3; i++)
            code = s[i] >= 'A' && s[i] <= 'Z';
        if (!code)
            report(c, DIAG_ERROR, "bad-value", cur->pos,
                   "'%s' must be a currency code of 3 capital letters such as CNY or USD, not %s",
                   c->path.ptr, describe(c, cur));
    }
    buf_truncate(&c->path, mark);
}

static void
check_ident(checker *c, const schema_key *k, const value *v)
{
    if (v->type != VALUE_STRING && !(v->type == VALUE_NUMBER && v->as.number_text)) {
        bad_type(c, k, v); /* an unquoted 202320158462.9 is a number: its text counts */
        return;
    }
    const char *s = v->type == VALUE_STRING ? v->as.str.ptr : v->as.number_text;
    size_t len = v->type == VALUE_STRING ? v->as.str.len : strlen(s);
    ident_kind kind = k->type == SCHEMA_PATENT ? IDENT_PATENT
                      : k->type == SCHEMA_NMPA ? IDENT_NMPA
                                               : IDENT_TRIAL;
    static const char *const what[] = {[IDENT_PATENT] = "patent number",
                                       [IDENT_NMPA] = "NMPA registration or filing number",
                                       [IDENT_TRIAL] = "trial registration"};
    ident id;
    const char *why = NULL;
    if (!ident_parse(&id, kind, s, len, &why))
        report(c, DIAG_ERROR, "bad-identifier", v->pos, "'%s': %s is not a valid %s: %s",
               c->path.ptr, describe(c, v), what[kind], why ? why : "malformed");
}

static void
check_list(checker *c, const schema_key *k, const value *v)
{
    if (v->type != VALUE_LIST) {
        bad_type(c, k, v);
        return;
    }
    size_t mark = c->path.len;
    for (size_t i = 0; i < v->as.list.len; i++) {
        const value *item = v->as.list.items[i];
        buf_printf(&c->path, "[%zu]", i);
        if (item->type == VALUE_NULL && k->items->type != SCHEMA_ANY)
            bad_type(c, k->items, item);
        else
            check_value(c, k->items, item);
        buf_truncate(&c->path, mark);
    }
}

static void
check_value(checker *c, const schema_key *k, const value *v)
{
    if (v->invalid || v->type == VALUE_NULL) /* reported by the YAML reader; or absent */
        return;
    switch (k->type) {
    case SCHEMA_ANY:
        return;
    case SCHEMA_TEXT:
        if (v->type != VALUE_STRING && v->type != VALUE_NUMBER)
            bad_type(c, k, v);
        return;
    case SCHEMA_NUMBER:
    case SCHEMA_INTEGER:
        if (v->type != VALUE_NUMBER || !isfinite(v->as.number) ||
            (k->type == SCHEMA_INTEGER && v->as.number != floor(v->as.number)))
            bad_type(c, k, v);
        return;
    case SCHEMA_BOOL:
        if (v->type != VALUE_BOOL)
            bad_type(c, k, v);
        return;
    case SCHEMA_DATE:
        if (schema_quoted_date(v))
            report(c, DIAG_ERROR, "quoted-date", v->pos,
                   "'%s' must be a date such as 2023-03-01, not the text %s (remove the quotes)",
                   c->path.ptr, describe(c, v));
        else if (v->type != VALUE_DATE)
            bad_type(c, k, v);
        return;
    case SCHEMA_YEAR:
        if (v->type != VALUE_NUMBER || v->as.number != floor(v->as.number) || v->as.number < 1000 ||
            v->as.number > 9999)
            bad_type(c, k, v);
        return;
    case SCHEMA_URL:
        if (v->type != VALUE_STRING)
            bad_type(c, k, v);
        else if (!text_url_scheme_allowed(v->as.str.ptr, v->as.str.len, false))
            report(c, DIAG_ERROR, "bad-value", v->pos,
                   "'%s' must be a URL with " TEXT_URL_ALLOWED ", not %s", c->path.ptr,
                   describe(c, v));
        return;
    case SCHEMA_ENUM:
        check_enum(c, k, v);
        return;
    case SCHEMA_LIST:
        check_list(c, k, v);
        return;
    case SCHEMA_MAP:
        if (v->type != VALUE_MAP)
            bad_type(c, k, v);
        else
            check_keys(c, k->keys, k->n_keys, v, NULL, 0, v->pos);
        return;
    case SCHEMA_MONEY:
        check_money(c, k, v);
        return;
    case SCHEMA_PATENT:
    case SCHEMA_NMPA:
    case SCHEMA_TRIAL:
        check_ident(c, k, v);
        return;
    }
}

bool
schema_check_page(const schema_section *sec, const value *front, const schema_page *pg, arena *a,
                  diag *d)
{
    checker c = {pg, a, d, BUF_INIT, true};
    check_keys(&c, sec->keys, sec->n_keys, front, pg->known, pg->n_known, SRC_POS(pg->file, 1, 1));
    buf_free(&c.path);
    return c.ok;
}
