/* SPDX-License-Identifier: MIT
 * page.c - load and check one content page (pass 2 and 3 of the pipeline: front
 * matter and Markdown, per file, on worker threads). */
#include "page.h"

#include "buf.h"
#include "deps.h"
#include "front.h"
#include "fs.h"
#include "selfcheck.h"
#include "shortcode.h"
#include "text.h"

#include <stdarg.h>
#include <string.h>

typedef struct checker {
    const char *file;
    const config *cfg;
    arena *a;
    diag *d;
    bool ok;
    unsigned errors; /* messages of the checks below and schema.c, up to FRONT_MAX_ERRORS */
} checker;

static void verror_at(checker *c, const char *code, src_pos at, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void error_at(checker *c, src_pos at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void code_error_at(checker *c, const char *code, src_pos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
verror_at(checker *c, const char *code, src_pos at, const char *fmt, va_list ap)
{
    c->ok = false;
    if (c->errors >= FRONT_MAX_ERRORS) /* hostile input: thousands of unknown stages */
        return;
    size_t id = diag_vreport_code(c->d, DIAG_ERROR, code, at, fmt, ap);
    if (++c->errors == FRONT_MAX_ERRORS)
        diag_note(c->d, id, at, "too many errors; the rest of this front matter was not checked");
}

static void
error_at(checker *c, src_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror_at(c, NULL, at, fmt, ap);
    va_end(ap);
}

/* error_at for a named check (diag.h codes) */
static void
code_error_at(checker *c, const char *code, src_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror_at(c, code, at, fmt, ap);
    va_end(ap);
}

/* The value of key in the front matter f, NULL when it is absent, null, or stands in for a
 * value the YAML reader reported already (one mistake, one message). */
static const value *
field(const value *f, const char *key)
{
    const value *v = value_map_get(f, key);
    return v && v->type != VALUE_NULL && !v->invalid ? v : NULL;
}

/* What a value looks like in a message: 'hello', 42, a list. */
static const char *
describe(checker *c, const value *v)
{
    if (v->type == VALUE_STRING)
        return arena_printf(c->a, "'%.60s'", v->as.str.ptr);
    if (v->type == VALUE_NUMBER || v->type == VALUE_BOOL)
        return value_to_cstr(v, c->a);
    return value_type_name(v->type);
}

/* Text of a scalar as a string (numbers as written: cohort 2023 -> "2023"). */
static const char *
scalar_text(checker *c, const value *v, const char *key)
{
    if (v->type == VALUE_STRING || v->type == VALUE_NUMBER || v->type == VALUE_BOOL)
        return value_to_cstr(v, c->a);
    error_at(c, v->pos, "'%s' must be text, not %s", key, value_type_name(v->type));
    return NULL;
}

/* A URL that templates may link to: no scheme, or one on text.h's allow-list. */
static void
check_url(checker *c, const value *v, const char *key)
{
    if (v->type != VALUE_STRING || text_url_scheme_allowed(v->as.str.ptr, v->as.str.len, false))
        return;
    text_url_scheme sc;
    text_url_scheme_read(&sc, v->as.str.ptr, v->as.str.len, false);
    error_at(c, v->pos, "URL scheme '%s:' is not allowed in '%s' (use " TEXT_URL_ALLOWED ")",
             sc.name, key);
}

static const value *
check_date(checker *c, const value *v, const char *what)
{
    if (!v || v->type == VALUE_NULL || v->invalid)
        return NULL;
    if (v->type == VALUE_DATE)
        return v;
    if (schema_quoted_date(v))
        code_error_at(c, "quoted-date", v->pos,
                      "%s must be a date such as 2023-03-01, not the text %s (remove the quotes)",
                      what, describe(c, v));
    else
        error_at(c, v->pos, "%s must be a date such as 2023-03-01, not %s", what, describe(c, v));
    return NULL;
}

/* stages: {key: date | {date, note}} -> dated stages in site.yaml order. */
static void
check_stages(checker *c, page *p, const value *stages)
{
    p->stages = value_new_list(c->a, stages ? stages->pos : SRC_NONE);
    p->days_total = -1;
    if (!stages)
        return;
    if (stages->type != VALUE_MAP) {
        error_at(c, stages->pos, "'stages' must be a mapping of stage: date, not %s",
                 value_type_name(stages->type));
        return;
    }
    size_t n = c->cfg->n_stages;
    const value **dates = arena_zalloc(c->a, (n + 1) * sizeof(value *));
    const value **notes = arena_zalloc(c->a, (n + 1) * sizeof(value *));
    for (size_t i = 0; i < stages->as.map.len; i++) {
        const value_pair *pr = &stages->as.map.pairs[i];
        int idx = config_stage_index(c->cfg, pr->key, pr->key_len);
        if (idx < 0) {
            error_at(c, pr->key_pos, "unknown stage '%s' (site.yaml stages: %s)", pr->key,
                     config_stage_list(c->cfg, c->a));
            continue;
        }
        const value *v = pr->val, *date = v, *note = NULL;
        if (v->type == VALUE_MAP && !v->invalid) {
            date = value_map_get(v, "date");
            note = value_map_get(v, "note");
            if (!date) {
                error_at(c, v->pos, "stage '%s' needs a 'date'", pr->key);
                continue;
            }
        }
        const char *what = arena_printf(c->a, "stage '%s'", pr->key);
        dates[idx] = check_date(c, date, what);
        notes[idx] = note;
    }
    const value *first = NULL, *last = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!dates[i])
            continue;
        const config_stage *st = &c->cfg->stages[i];
        value *m = value_new_map(c->a, dates[i]->pos);
        value_map_set(m, "key", value_new_cstr(c->a, st->key, SRC_NONE), c->a);
        value_map_set(m, "label", value_new_cstr(c->a, st->label, SRC_NONE), c->a);
        value_map_set(m, "label_zh",
                      st->label_zh ? value_new_cstr(c->a, st->label_zh, SRC_NONE)
                                   : value_new_null(c->a, SRC_NONE),
                      c->a);
        value_map_set(m, "date", (value *)dates[i], c->a);
        value_map_set(m, "note", notes[i] ? (value *)notes[i] : value_new_null(c->a, SRC_NONE),
                      c->a);
        if (first) {
            long days = value_date_days_between(&first->as.date, &dates[i]->as.date);
            value_map_set(m, "days", value_new_number(c->a, (double)days, SRC_NONE), c->a);
        } else {
            value_map_set(m, "days", value_new_number(c->a, 0, SRC_NONE), c->a);
        }
        value_list_push(p->stages, m, c->a);
        if (!first)
            first = dates[i];
        last = dates[i];
    }
    if (first && last != first)
        p->days_total = value_date_days_between(&first->as.date, &last->as.date);
}

/* A text of an image map that must not be empty (src, alt), or NULL after an error. */
static const char *
image_text(checker *c, const value *img, const char *key, const char *hint)
{
    const value *v = value_map_get(img, key);
    if (!v || v->type == VALUE_NULL) {
        error_at(c, img->pos, "image needs '%s': %s", key, hint);
        return NULL;
    }
    const char *s = v->type == VALUE_STRING ? v->as.str.ptr : NULL;
    size_t i = 0;
    while (s && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
        i++;
    if (!s || !s[i]) {
        error_at(c, v->pos, "image '%s' must be a non-empty text, not %s", key, describe(c, v));
        return NULL;
    }
    return s;
}

/* `image: {src: photo.jpg, alt: "...", credit: "..."}`: the page's featured image
 * (media.c publishes it); alt text is required, the picture alone says nothing to a
 * screen reader. */
static void
check_image(checker *c, const value *img)
{
    if (img->type == VALUE_STRING) {
        error_at(c, img->pos,
                 "image needs alt text: write image: {src: %s, alt: \"what the picture "
                 "shows\"}",
                 img->as.str.ptr);
        return;
    }
    if (img->type != VALUE_MAP) {
        error_at(c, img->pos, "image must be a map {src, alt, credit}, not %s", describe(c, img));
        return;
    }
    for (size_t i = 0; i < img->as.map.len; i++) {
        const value_pair *kv = &img->as.map.pairs[i];
        if (strcmp(kv->key, "src") && strcmp(kv->key, "alt") && strcmp(kv->key, "credit"))
            error_at(c, kv->key_pos, "unknown key '%s' in image (keys: src, alt, credit)", kv->key);
        else if (strcmp(kv->key, "credit") == 0 && kv->val->type != VALUE_STRING)
            error_at(c, kv->val->pos, "image 'credit' must be text, not %s", describe(c, kv->val));
    }
    image_text(c, img, "src",
               "the file, beside the page (photo.jpg) or under content/static "
               "(/img/photo.jpg)");
    image_text(c, img, "alt", "what the picture shows, for readers who cannot see it");
}

static void
check_front(checker *c, page *p)
{
    const value *f = p->front;
    const value *v = value_map_get(f, "title");
    if (v && v->type != VALUE_NULL && !v->invalid)
        p->title = scalar_text(c, v, "title");
    if (!p->title || !*p->title) {
        p->title = "";
        if (!p->is_index && !p->lang && !(v && v->invalid)) /* a translation's: the original's */
            error_at(c, v ? v->pos : SRC_POS(c->file, 1, 1), "missing required key 'title'");
    }
    p->date = check_date(c, value_map_get(f, "date"), "'date'");
    p->updated = check_date(c, value_map_get(f, "updated"), "'updated'");
    if ((v = field(f, "draft"))) {
        if (v->type == VALUE_BOOL)
            p->draft = v->as.boolean;
        else
            error_at(c, v->pos, "'draft' must be true or false, not %s", describe(c, v));
    }
    if ((v = field(f, "weight"))) {
        if (v->type == VALUE_NUMBER)
            p->weight = v->as.number;
        else
            error_at(c, v->pos, "'weight' must be a number, not %s", describe(c, v));
    }
    if ((v = field(f, "summary")))
        p->summary = scalar_text(c, v, "summary");
    if ((v = field(f, "lang"))) { /* the language of the text, when not its file's */
        const char *code = v->type == VALUE_STRING ? v->as.str.ptr : NULL;
        if (c->cfg->languages_set &&
            (!code || config_language_index(c->cfg, code, strlen(code)) < 0))
            error_at(c, v->pos,
                     "'lang' must be the code of one of the site's languages (%s), not %s",
                     config_language_list(c->cfg, c->a), describe(c, v));
        else if (!code || !config_is_language_code(code))
            error_at(c, v->pos, "'lang' must be a language code such as zh, en or zh-Hans, not %s",
                     describe(c, v));
    }
    if ((v = field(f, "cohort")))
        p->cohort = scalar_text(c, v, "cohort");
    if ((v = field(f, "image")) && !p->lang)
        check_image(c, v);
    if ((v = field(f, "image_alt")))
        scalar_text(c, v, "image_alt");
    if ((v = field(f, "template"))) {
        p->template_name = scalar_text(c, v, "template");
        p->template_pos = v->pos;
    }
    if ((v = field(f, "slug"))) {
        const char *s = scalar_text(c, v, "slug");
        if (s) {
            buf b = BUF_INIT;
            text_slugify(&b, s, strlen(s));
            if (b.len == 0)
                error_at(c, v->pos, "slug %s has no letters or digits", describe(c, v));
            p->slug = arena_strndup(c->a, b.ptr, b.len);
            buf_free(&b);
        }
    }
    for (const char *const *key = (const char *const[]){"tags", "aliases", NULL}; *key; key++) {
        bool urls = strcmp(*key, "aliases") == 0;
        if (!(v = field(f, *key)))
            continue;
        if (v->type == VALUE_STRING && urls)
            check_url(c, v, *key);
        if (v->type == VALUE_STRING)
            continue;
        if (v->type != VALUE_LIST) {
            error_at(c, v->pos, "'%s' must be a list such as [a, b], not %s", *key, describe(c, v));
            continue;
        }
        for (size_t i = 0; i < v->as.list.len; i++) {
            const value *item = v->as.list.items[i];
            if (item->type != VALUE_STRING && item->type != VALUE_NUMBER && !item->invalid)
                error_at(c, item->pos, "'%s' items must be text, not %s", *key,
                         value_type_name(item->type));
            else if (urls)
                check_url(c, item, *key);
        }
    }
    check_stages(c, p, field(f, "stages"));
}

size_t
page_language(const config *cfg, const char *rel, size_t *stem_len)
{
    size_t len = strlen(rel);
    if (stem_len)
        *stem_len = len >= 3 ? len - 3 : len;
    if (!cfg->languages_set || len < 3 || strcmp(rel + len - 3, ".md") != 0)
        return 0;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    const char *dot = NULL;
    for (const char *q = base; q < rel + len - 3; q++)
        if (*q == '.')
            dot = q;
    if (!dot || dot == base) /* "x.md", or ".en.md" (a hidden file) */
        return 0;
    int k = config_language_index(cfg, dot + 1, (size_t)(rel + len - 3 - (dot + 1)));
    if (k < 0)
        return 0;
    if (stem_len)
        *stem_len = (size_t)(dot - rel);
    return (size_t)k;
}

bool
page_key_translatable(const page_load_options *opt, const char *section, const char *key)
{
    static const char *const text[] = {"title", "summary", "description", "draft", "image_alt"};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (strcmp(key, text[i]) == 0)
            return true;
    const schema_section *sec = schema_find_section(opt->schema, section);
    for (size_t i = 0; sec && i < sec->n_keys; i++)
        if (strcmp(sec->keys[i].name, key) == 0)
            return sec->keys[i].type == SCHEMA_TEXT;
    return false;
}

/* A translation's front matter: only text (page_key_translatable), each as text. */
static void
check_translation(checker *c, const page_load_options *opt, const page *p, size_t stem_len)
{
    const value *f = p->front;
    for (size_t i = 0; i < f->as.map.len; i++) {
        const value_pair *kv = &f->as.map.pairs[i];
        if (!page_key_translatable(opt, p->section, kv->key)) {
            error_at(c, kv->key_pos,
                     "'%s' cannot be set in a translation: it is shared by every language of the "
                     "page; write it in %.*s.md (a translation sets only its text: title, "
                     "summary, description, draft, image_alt and the text keys of the schema)",
                     kv->key, (int)stem_len, p->path);
            continue;
        }
        if (kv->val->type != VALUE_STRING && kv->val->type != VALUE_NULL &&
            strcmp(kv->key, "draft") != 0 && !kv->val->invalid)
            error_at(c, kv->val->pos, "'%s' must be text, not %s", kv->key, describe(c, kv->val));
    }
}

bool
page_is_bundle(const char *rel, size_t *dir_len)
{
    const char *slash = strrchr(rel, '/');
    if (!slash || slash == rel)
        return false;
    const char *base = slash + 1;
    size_t len = strlen(base);
    if (strncmp(base, "index.", 6) != 0 || len < 8 || strcmp(base + len - 3, ".md") != 0)
        return false;
    /* "index.md", or "index.<lang>.md" with one word between the dots */
    const char *mid = base + 6, *end = base + len - 3;
    if (mid != end + 1 && (mid >= end || memchr(mid, '.', (size_t)(end - mid)) ||
                           memchr(mid, '/', (size_t)(end - mid))))
        return false;
    *dir_len = (size_t)(slash - rel);
    return true;
}

/* The slug a file name gives: "anti-fog.md" -> "anti-fog"; a bundle's page
 * (".../anti-fog/index.md") takes its folder's name. */
static const char *
slug_from_file(arena *a, const char *rel)
{
    size_t dir_len;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    size_t len = strlen(base);
    if (page_is_bundle(rel, &dir_len)) {
        base = rel + dir_len;
        while (base > rel && base[-1] != '/')
            base--;
        len = (size_t)(rel + dir_len - base);
    } else if (len > 3 && strcmp(base + len - 3, ".md") == 0) {
        len -= 3;
    }
    buf b = BUF_INIT;
    text_slugify(&b, base, len);
    const char *s = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return s;
}

/* The schema's check for a single page of a section it names: the keys page.c checks
 * (above) and the site's taxonomies are known keys too. */
static void
check_schema(checker *c, const page_load_options *opt, const page *p)
{
    static const char *const builtins[] = {
        "title",  "date",         "updated",        "draft", "weight",   "summary",
        "cohort", "template",     "slug",           "tags",  "aliases",  "stages",
        "lang",   "bibliography", "citation_style", "image", "image_alt"};
    const size_t n_builtins = sizeof builtins / sizeof builtins[0];
    const schema_section *sec = schema_find_section(opt->schema, p->section);
    if (!sec || p->is_index)
        return;
    const config *cfg = opt->cfg;
    const char **known = arena_alloc(c->a, (n_builtins + cfg->n_taxonomies) * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < n_builtins; i++)
        known[n++] = builtins[i];
    for (size_t i = 0; i < cfg->n_taxonomies; i++)
        known[n++] = cfg->taxonomies[i].name;
    schema_page pg = {c->file, known, n, opt->recommended, &c->errors};
    if (!schema_check_page(sec, p->front, &pg, c->a, c->d))
        c->ok = false;
}

/* `+++` on the first line: Hugo's TOML front matter, which would otherwise be read as
 * Markdown (and the page would lack its title). */
static bool
is_toml_front(const char *src, size_t len)
{
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        src += 3, len -= 3;
    size_t i = 3;
    if (len < 3 || memcmp(src, "+++", 3) != 0)
        return false;
    while (i < len && (src[i] == ' ' || src[i] == '\t'))
        i++;
    return i == len || src[i] == '\n' || src[i] == '\r';
}

bool
page_read(const char **src, size_t *len, const page_load_options *opt, const char *rel, arena *a,
          diag *d)
{
    buf text = BUF_INIT;
    if (!fs_read_input(&text, opt->root, rel, rel, FS_MAX_INPUT, d)) {
        buf_free(&text);
        return false;
    }
    *src = arena_strndup(a, text.ptr, text.len);
    *len = text.len;
    buf_free(&text);
    return true;
}

void
page_init(page *p, const char *rel, const char *section, bool is_index, arena *a)
{
    memset(p, 0, sizeof *p);
    p->path = arena_strdup(a, rel);
    p->section = arena_strdup(a, section);
    p->is_index = is_index;
    p->days_total = -1;
}

bool
page_parse(page *p, const page_load_options *opt, const char *rel, const char *section,
           bool is_index, const char *src, size_t len, arena *a, diag *d)
{
    const config *cfg = opt->cfg;
    page_init(p, rel, section, is_index, a);
    checker c = {p->path, cfg, a, d, true, 0};

    front_doc doc;
    if (!front_split(&doc, src, len, p->path, d))
        return false;
    if (!doc.has_front && is_toml_front(src, len)) {
        diag_report_code(d, DIAG_ERROR, "toml-front-matter", SRC_POS(p->path, 1, 1),
                         "front matter in TOML (+++) is not supported: write YAML between --- "
                         "lines");
        return false;
    }
    if (doc.has_front && doc.yaml_len > FS_MAX_FRONT_MATTER) {
        fs_report_too_large(d, SRC_POS(p->path, 1, 1), "front matter", doc.yaml_len,
                            FS_MAX_FRONT_MATTER, "a page's front matter");
        return false;
    }
    if (doc.has_front) {
        /* a tree with YAML errors is still checked: every error of the page in one run */
        p->front = front_parse_page(&c.ok, doc.yaml, doc.yaml_len, p->path, doc.yaml_line, a, d);
        if (!p->front)
            return false;
    } else {
        p->front = value_new_map(a, SRC_POS(p->path, 1, 1));
    }
    size_t stem_len;
    p->lang = page_language(cfg, rel, &stem_len);
    if (p->lang) { /* its facts come from the original (site.c); only its text is checked */
        check_translation(&c, opt, p, stem_len);
        if (c.ok)
            check_front(&c, p);
    } else {
        check_front(&c, p);
        check_schema(&c, opt, p);
    }
    if (!p->slug)
        p->slug = is_index ? "" : slug_from_file(a, rel);

    p->body = doc.body;
    p->body_len = doc.body_len;
    p->body_line = doc.body_line;
    p->body_at = doc.body ? (size_t)(doc.body - src) : 0;
    p->calls = shortcode_may_call(doc.body, doc.body_len);
    return c.ok;
}

bool
page_load(page *p, const page_load_options *opt, const char *rel, const char *section,
          bool is_index, arena *a, diag *d)
{
    const char *src;
    size_t len;
    if (!page_read(&src, &len, opt, rel, a, d)) {
        page_init(p, rel, section, is_index, a);
        return false;
    }
    return page_parse(p, opt, rel, section, is_index, src, len, a, d);
}

/* Whether p's HTML is still the text the cache gave (html_hashed). */
static bool
html_restored(const page *p)
{
    return p->html_hashed && p->md.html == p->html_hashed;
}

uint64_t
page_html_hash(const page *p)
{
    return html_restored(p) ? p->html_hash : 0;
}

size_t
page_html_len(const page *p)
{
    if (!html_restored(p))
        return strlen(p->md.html);
    if (SELF_CHECKS && p->html_hashed_len != strlen(p->md.html))
        internal_error("%s: its restored HTML is not as long as its record said", p->path);
    return p->html_hashed_len;
}

void
page_note_late(page *p, size_t k, const value *v)
{
    p->late_vals[k] = v;
    p->late_hashes[k] = deps_hash(v, DEPS_DEEP, NULL);
}

void
page_link_set(page *p, const char *key, value *v, arena *a)
{
    value_map_set(p->link, key, v, a);
    if (p->link_hash)
        p->link_hash = deps_hash(p->link, DEPS_DEEP, NULL);
}

const char *
page_text_language(const page *p, const config *cfg)
{
    if (p->text_lang)
        return p->text_lang;
    const char *lang = value_str(value_map_get(p->front, "lang"));
    return lang ? lang : cfg->languages[p->lang].code;
}

bool
page_render_markdown(page *p, const config *cfg, const char *src, size_t len, arena *a, diag *d)
{
    markdown_options mo = {cfg->unsafe_html, cfg->summary_length, cfg->summary_length_cjk,
                           page_text_language(p, cfg), cfg->image_sizes};
    bool ok = markdown_render(&p->md, src, len, &mo, p->path, p->body_line, a, d);
    if (!p->summary)
        p->summary = p->md.summary ? p->md.summary : "";
    return ok;
}
