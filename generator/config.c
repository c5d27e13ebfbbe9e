/* SPDX-License-Identifier: MIT
 * config.c - load and check site.yaml. */
#include "config.h"

#include "buf.h"
#include "front.h"
#include "fs.h"
#include "text.h"

#include <math.h>
#include <string.h>

static const char *const known_keys[] = {
    "title",          "description", "base_url",         "language",           "theme",
    "author",         "currency",    "summary_length",   "markdown",           "feed",
    "home",           "menu",        "stages",           "taxonomies",         "metrics",
    "plugins",        "params",      "copyright",        "plugin_limits",      "checks",
    "paginate",       "languages",   "default_language", "summary_length_cjk", "bibliography",
    "citation_style", "search",
};

/* The checks `checks:` may switch: every check that reports warnings (a warning by
 * default). Checks that report errors stay errors. */
static const char *const switchable_checks[] = {
    "stage-order",        "future-date",      "status-stages",     "patent-stage", "stale-project",
    "registration-class", "unknown-key",      "missing-key",       "broken-link",  "broken-anchor",
    "missing-image",      "raw-html-dropped", "foreign-shortcode", "missing-alt",
};
static const char *const error_checks[] = {
    "bad-value", "bad-type", "bad-identifier", "quoted-date", "toml-front-matter", "bad-amount",
};

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

static const config_stage default_stages[] = {
    {"need", "Clinical need", "临床需求"},
    {"idea", "Idea", "创意"},
    {"design", "Design", "设计"},
    {"prototype", "Prototype", "原型"},
    {"patent_filed", "Patent filed", "专利申请"},
    {"patent_granted", "Patent granted", "专利授权"},
    {"testing", "Testing", "检测"},
    {"clinical", "Clinical evaluation", "临床评价"},
    {"registration", "Registration", "注册"},
    {"transfer", "Transfer", "成果转化"},
    {"market", "Market", "上市"},
    {"startup", "Startup", "创业"},
};

typedef struct loader {
    const char *file;
    arena *a;
    diag *d;
    bool ok;
} loader;

static void
type_error(loader *l, const value *v, const char *key, const char *want)
{
    diag_report(l->d, DIAG_ERROR, v->pos, "'%s' must be %s, not %s", key, want,
                value_type_name(v->type));
    l->ok = false;
}

/* A string setting: absent -> def; numbers are accepted as their text (cohort: 2023). */
static const char *
get_string(loader *l, const value *map, const char *key, const char *def)
{
    const value *v = value_map_get(map, key);
    if (!v || v->type == VALUE_NULL)
        return def;
    if (v->type == VALUE_STRING)
        return v->as.str.ptr;
    if (v->type == VALUE_NUMBER) {
        buf b = BUF_INIT;
        value_format_number(&b, v->as.number);
        const char *s = arena_strndup(l->a, b.ptr, b.len);
        buf_free(&b);
        return s;
    }
    type_error(l, v, key, "a string");
    return def;
}

static size_t
get_count(loader *l, const value *map, const char *key, size_t def)
{
    const value *v = value_map_get(map, key);
    if (!v || v->type == VALUE_NULL)
        return def;
    /* the range test comes first (and is false for NaN): converting an out-of-range
     * double to size_t is undefined behaviour */
    if (v->type != VALUE_NUMBER || !(v->as.number >= 0 && v->as.number <= 1e9) ||
        v->as.number != floor(v->as.number)) {
        diag_report(l->d, DIAG_ERROR, v->pos, "'%s' must be a whole number of at least 0", key);
        l->ok = false;
        return def;
    }
    return (size_t)v->as.number;
}

static bool
get_bool(loader *l, const value *map, const char *key, bool def)
{
    const value *v = value_map_get(map, key);
    if (!v || v->type == VALUE_NULL)
        return def;
    if (v->type != VALUE_BOOL) {
        type_error(l, v, key, "true or false");
        return def;
    }
    return v->as.boolean;
}

/* A map setting (absent: NULL). */
/* map has key, not null (get_count's default applies otherwise) */
static bool
is_set(const value *map, const char *key)
{
    const value *v = value_map_get(map, key);
    return v && v->type != VALUE_NULL;
}

static const value *
get_map(loader *l, const value *map, const char *key)
{
    const value *v = value_map_get(map, key);
    if (!v || v->type == VALUE_NULL)
        return NULL;
    if (v->type != VALUE_MAP) {
        type_error(l, v, key, "a mapping");
        return NULL;
    }
    return v;
}

static const value *
get_list(loader *l, const value *map, const char *key)
{
    const value *v = value_map_get(map, key);
    if (!v || v->type == VALUE_NULL)
        return NULL;
    if (v->type != VALUE_LIST) {
        type_error(l, v, key, "a list");
        return NULL;
    }
    return v;
}

static const char **per_language(loader *l, const config *c, const value *v, const char *what,
                                 const char *def);

/* menu: [{name, url}]: a name may be one per language ({zh: 项目, en: Projects}); a url must
 * not have a scheme outside text.h's allow-list, since templates link to it (javascript:,
 * data:). */
static void
check_menu(loader *l, const config *c, const value *menu)
{
    for (size_t i = 0; i < value_len(menu); i++) {
        const value *name = value_map_get(menu->as.list.items[i], "name");
        if (name && name->type == VALUE_MAP)
            per_language(l, c, name, "menu name", "");
        const value *url = value_map_get(menu->as.list.items[i], "url");
        const char *s = value_str(url);
        if (!s || text_url_scheme_allowed(s, url->as.str.len, false))
            continue;
        text_url_scheme sc;
        text_url_scheme_read(&sc, s, url->as.str.len, false);
        diag_report(l->d, DIAG_ERROR, url->pos,
                    "URL scheme '%s:' is not allowed in a menu 'url' (use " TEXT_URL_ALLOWED ")",
                    sc.name);
        l->ok = false;
    }
}

/* A key, slug or path segment users write: letters, digits, '-' and '_' only. */
static bool
is_identifier(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static void
load_base_url(loader *l, config *c, const value *root, const char *override)
{
    const char *url = override ? override : get_string(l, root, "base_url", NULL);
    const value *v = value_map_get(root, "base_url");
    src_pos at = override ? SRC_NONE : v ? v->pos : SRC_POS(l->file, 1, 1);
    if (!url) {
        if (override || !v || v->type == VALUE_NULL) /* a wrong type was reported already */
            diag_report(l->d, DIAG_ERROR, at,
                        "missing required key 'base_url' (e.g. "
                        "base_url: https://example.org/)");
        l->ok = false;
        return;
    }
    const char *scheme_end = strstr(url, "://");
    bool http = strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
    if (!http || !scheme_end || !scheme_end[3] || scheme_end[3] == '/' ||
        strpbrk(url, " \t\n\"<>\\?#") != NULL) {
        diag_report(l->d, DIAG_ERROR, at,
                    "base_url must be an absolute http(s) URL such as https://example.org/, "
                    "not '%s'",
                    url);
        l->ok = false;
        return;
    }
    size_t len = strlen(url);
    c->base_url = url[len - 1] == '/' ? url : arena_printf(l->a, "%s/", url);
    /* the path of the normalised URL, so it too ends with '/' */
    c->base_path = strchr(strstr(c->base_url, "://") + 3, '/');
}

static void
load_stages(loader *l, config *c, const value *root)
{
    const value *list = get_list(l, root, "stages");
    if (!list) {
        c->stages = (config_stage *)default_stages;
        c->n_stages = sizeof default_stages / sizeof default_stages[0];
        return;
    }
    c->stages = arena_zalloc(l->a, (list->as.list.len + 1) * sizeof(config_stage));
    for (size_t i = 0; i < list->as.list.len; i++) {
        const value *item = list->as.list.items[i];
        config_stage st = {0};
        if (item->type == VALUE_STRING) { /* "- need": a key alone */
            st.key = st.label = item->as.str.ptr;
        } else if (item->type == VALUE_MAP) {
            st.key = get_string(l, item, "key", NULL);
            st.label = get_string(l, item, "label", st.key);
            st.label_zh = get_string(l, item, "label_zh", NULL);
        } else {
            type_error(l, item, "stages item", "a key or {key, label, label_zh}");
            continue;
        }
        if (!st.key || !is_identifier(st.key)) {
            diag_report(l->d, DIAG_ERROR, item->pos,
                        "a stage needs a 'key' made of letters, digits, '-' and '_'");
            l->ok = false;
            continue;
        }
        if (config_stage_index(c, st.key, strlen(st.key)) >= 0) {
            diag_report(l->d, DIAG_ERROR, item->pos, "stage '%s' is listed twice", st.key);
            l->ok = false;
            continue;
        }
        c->stages[c->n_stages++] = st;
    }
}

/* A text per language: a string for all of them, or {code: text} (the default
 * language's when one is left out, else def). Unknown codes are errors. */
static const char **
per_language(loader *l, const config *c, const value *v, const char *what, const char *def)
{
    const char **out = arena_zalloc(l->a, (c->n_languages + 1) * sizeof(char *));
    if (v && v->type == VALUE_MAP) {
        for (size_t i = 0; i < v->as.map.len; i++) {
            const value_pair *p = &v->as.map.pairs[i];
            int k = config_language_index(c, p->key, p->key_len);
            if (k < 0) {
                diag_report(l->d, DIAG_ERROR, p->key_pos,
                            "%s: '%s' is not one of the site's languages", what, p->key);
                l->ok = false;
            } else if (p->val->type != VALUE_STRING || !*p->val->as.str.ptr) {
                type_error(l, p->val, p->key, "a non-empty text");
            } else {
                out[k] = p->val->as.str.ptr;
            }
        }
    } else if (v && v->type == VALUE_STRING) {
        for (size_t k = 0; k < c->n_languages; k++)
            out[k] = v->as.str.ptr;
    } else if (v && v->type != VALUE_NULL) {
        type_error(l, v, what, "a text or a map of language codes to texts");
    }
    for (size_t k = 0; k < c->n_languages; k++)
        if (!out[k])
            out[k] = out[0] ? out[0] : def;
    return out;
}

/* terms: {slug: {code: name, ...} | name}: declared terms of a taxonomy */
static void
load_terms(loader *l, const config *c, config_taxonomy *t, const value *terms)
{
    if (!terms || terms->type == VALUE_NULL)
        return;
    if (terms->type != VALUE_MAP) {
        type_error(l, terms, "terms",
                   "a map of slugs to names ({anesthesiology: {zh: 麻醉科, en: "
                   "Anesthesiology}})");
        return;
    }
    t->terms = arena_zalloc(l->a, (terms->as.map.len + 1) * sizeof(config_term));
    for (size_t i = 0; i < terms->as.map.len; i++) {
        const value_pair *p = &terms->as.map.pairs[i];
        buf slug = BUF_INIT;
        text_slugify(&slug, p->key, p->key_len);
        bool is_slug = slug.len == p->key_len && memcmp(slug.ptr, p->key, p->key_len) == 0;
        buf_free(&slug);
        if (!is_slug) {
            diag_report(l->d, DIAG_ERROR, p->key_pos,
                        "term '%s' of taxonomy '%s': the key is the term's URL segment, in small "
                        "letters, digits and '-' (such as anesthesiology)",
                        p->key, t->name);
            l->ok = false;
            continue;
        }
        config_term *term = &t->terms[t->n_terms++];
        term->slug = p->key;
        term->at = p->key_pos;
        term->names = per_language(l, c, p->val, arena_printf(l->a, "term '%s'", p->key), p->key);
    }
}

static void
load_taxonomies(loader *l, config *c, const value *root)
{
    const value *list = get_list(l, root, "taxonomies");
    if (!list) { /* default: tags only */
        c->taxonomies = arena_zalloc(l->a, sizeof(config_taxonomy));
        c->taxonomies[0] = (config_taxonomy){"tags", "tags", "Tags", NULL, NULL, 0};
        c->taxonomies[0].titles = per_language(l, c, NULL, "title", "Tags");
        c->n_taxonomies = 1;
        return;
    }
    c->taxonomies = arena_zalloc(l->a, (list->as.list.len + 1) * sizeof(config_taxonomy));
    for (size_t i = 0; i < list->as.list.len; i++) {
        const value *item = list->as.list.items[i];
        config_taxonomy t = {0};
        if (item->type == VALUE_STRING) {
            t.name = item->as.str.ptr;
        } else if (item->type == VALUE_MAP) {
            t.name = get_string(l, item, "name", NULL);
            t.path = get_string(l, item, "path", NULL);
            const value *title = value_map_get(item, "title");
            if (title && title->type == VALUE_MAP) /* one per language */
                t.titles = per_language(l, c, title, "title", NULL);
            else
                t.title = get_string(l, item, "title", NULL);
            load_terms(l, c, &t, value_map_get(item, "terms"));
        } else {
            type_error(l, item, "taxonomies item", "a name or {name, path, title}");
            continue;
        }
        if (!t.name || !is_identifier(t.name) || (t.path && !is_identifier(t.path))) {
            diag_report(l->d, DIAG_ERROR, item->pos,
                        "a taxonomy needs a 'name' (and optional 'path') made of letters, "
                        "digits, '-' and '_'");
            l->ok = false;
            continue;
        }
        if (!t.path)
            t.path = t.name;
        if (!t.title)
            t.title = t.titles && t.titles[0] ? t.titles[0] : t.name;
        if (!t.titles || !t.titles[0])
            t.titles = per_language(l, c, NULL, "title", t.title);
        for (size_t j = 0; j < c->n_taxonomies; j++)
            if (strcmp(c->taxonomies[j].name, t.name) == 0 ||
                strcmp(c->taxonomies[j].path, t.path) == 0) {
                diag_report(l->d, DIAG_ERROR, item->pos,
                            "taxonomy '%s' repeats the name or path of '%s'", t.name,
                            c->taxonomies[j].name);
                l->ok = false;
                t.name = NULL;
                break;
            }
        if (t.name)
            c->taxonomies[c->n_taxonomies++] = t;
    }
}

/* A language code as BCP 47 writes one, small enough for a file suffix: a primary tag of
 * 2-3 lowercase letters, then subtags of 2-8 letters or digits ("zh", "en", "zh-Hans"). */
bool
config_is_language_code(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
    if (n < 2 || n > 3)
        return false;
    for (s += n; *s == '-';) {
        size_t k = strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        if (k < 2 || k > 8)
            return false;
        s += 1 + k;
    }
    return *s == '\0';
}

/* languages: [{code, name, path, title, description}] with default_language (or the first
 * listed) first; without them, one language: `language` (default en) at the root. */
static void
load_languages(loader *l, config *c, const value *root)
{
    const value *list = get_list(l, root, "languages");
    const value *def = value_map_get(root, "default_language");
    if (!list || !list->as.list.len) {
        if (list)
            diag_report(l->d, DIAG_ERROR, list->pos, "'languages' must list at least one language");
        if (def && def->type != VALUE_NULL)
            diag_report(l->d, DIAG_WARNING, def->pos,
                        "'default_language' has no effect without 'languages'");
        l->ok &= !list;
        c->languages = arena_zalloc(l->a, sizeof(config_language));
        c->languages[0] = (config_language){
            c->language, c->language, "", c->title, c->description, NULL, SRC_POS(c->file, 1, 1)};
        c->n_languages = 1;
        return;
    }
    c->languages_set = true;
    c->languages = arena_zalloc(l->a, (list->as.list.len + 1) * sizeof(config_language));
    for (size_t i = 0; i < list->as.list.len; i++) {
        const value *item = list->as.list.items[i];
        config_language g = {0};
        g.at = item->pos;
        if (item->type == VALUE_STRING) {
            g.code = item->as.str.ptr;
        } else if (item->type == VALUE_MAP) {
            g.code = get_string(l, item, "code", NULL);
            g.name = get_string(l, item, "name", NULL);
            g.path = get_string(l, item, "path", NULL);
            g.title = get_string(l, item, "title", NULL);
            g.description = get_string(l, item, "description", NULL);
            g.params = get_map(l, item, "params");
            for (size_t k = 0; k < item->as.map.len; k++) {
                const char *key = item->as.map.pairs[k].key;
                if (strcmp(key, "code") && strcmp(key, "name") && strcmp(key, "path") &&
                    strcmp(key, "title") && strcmp(key, "description") && strcmp(key, "params"))
                    diag_report(l->d, DIAG_WARNING, item->as.map.pairs[k].key_pos,
                                "unknown key '%s' in a language (known: code, name, path, "
                                "title, description, params)",
                                key);
            }
        } else {
            type_error(l, item, "languages item",
                       "a code or {code, name, path, title, description, params}");
            continue;
        }
        if (!g.code || !config_is_language_code(g.code)) {
            diag_report(l->d, DIAG_ERROR, item->pos,
                        "a language needs a 'code' such as zh, en or zh-Hans (2-3 lowercase "
                        "letters, then '-' and 2-8 letters or digits)%s%s%s",
                        g.code ? ", not '" : "", g.code ? g.code : "", g.code ? "'" : "");
            l->ok = false;
            continue;
        }
        if (g.path && *g.path && !is_identifier(g.path)) {
            diag_report(l->d, DIAG_ERROR, value_map_get(item, "path")->pos,
                        "a language's 'path' is one URL segment of letters, digits, '-' and "
                        "'_', not '%s'",
                        g.path);
            l->ok = false;
            continue;
        }
        bool repeated = false;
        for (size_t j = 0; j < c->n_languages; j++)
            if (strcmp(c->languages[j].code, g.code) == 0) {
                diag_report(l->d, DIAG_ERROR, item->pos, "language '%s' is listed twice", g.code);
                l->ok = false;
                repeated = true;
            }
        if (!repeated)
            c->languages[c->n_languages++] = g;
    }
    if (!c->n_languages) {
        l->ok = false;
        c->languages[0] =
            (config_language){"en", "en", "", c->title, c->description, NULL, list->pos};
        c->n_languages = 1;
        return;
    }
    size_t first = 0; /* the default language */
    if (def && def->type != VALUE_NULL) {
        const char *code = value_str(def);
        int k = code ? config_language_index(c, code, strlen(code)) : -1;
        if (k < 0) {
            diag_report(l->d, DIAG_ERROR, def->pos,
                        "default_language must be the code of one of 'languages'");
            l->ok = false;
        } else {
            first = (size_t)k;
        }
    }
    config_language d0 = c->languages[first];
    memmove(c->languages + 1, c->languages, first * sizeof(config_language));
    c->languages[0] = d0;
    const value *single = value_map_get(root, "language");
    if (single && single->type != VALUE_NULL &&
        (!value_str(single) || strcmp(value_str(single), d0.code) != 0)) {
        diag_report(l->d, DIAG_ERROR, single->pos,
                    "'language' must be the default language '%s' when 'languages' is set (or "
                    "leave it out)",
                    d0.code);
        l->ok = false;
    }
    c->language = d0.code;
    for (size_t i = 0; i < c->n_languages; i++) {
        config_language *g = &c->languages[i];
        if (!g->name)
            g->name = g->code;
        if (!g->path)
            g->path = i == 0 ? "" : g->code;
        if (!g->title)
            g->title = c->title;
        if (!g->description)
            g->description = c->description;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->languages[j].path, g->path) == 0) {
                diag_report(l->d, DIAG_ERROR, g->at,
                            "languages '%s' and '%s' have the same URL path '/%s'",
                            c->languages[j].code, g->code, g->path);
                l->ok = false;
            }
    }
}

int
config_language_index(const config *c, const char *code, size_t len)
{
    for (size_t i = 0; i < c->n_languages; i++)
        if (strlen(c->languages[i].code) == len && memcmp(c->languages[i].code, code, len) == 0)
            return (int)i;
    return -1;
}

const char *
config_language_list(const config *c, arena *a)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < c->n_languages; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", c->languages[i].code);
    const char *s = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return s;
}

static void
load_feed(loader *l, config *c, const value *root)
{
    const value *feed = get_map(l, root, "feed");
    c->feed_limit = get_count(l, feed, "limit", 20);
    const value *sections = feed ? get_list(l, feed, "sections") : NULL;
    if (!sections) {
        static const char *const defaults[] = {"news", "projects", "reports"};
        c->feed_sections = (const char **)defaults;
        c->n_feed_sections = 3;
        return;
    }
    c->feed_sections = arena_zalloc(l->a, (sections->as.list.len + 1) * sizeof(char *));
    for (size_t i = 0; i < sections->as.list.len; i++) {
        const value *s = sections->as.list.items[i];
        if (s->type != VALUE_STRING) {
            type_error(l, s, "feed.sections item", "a section name");
            continue;
        }
        c->feed_sections[c->n_feed_sections++] = s->as.str.ptr;
    }
}

/* search: {enabled, keys}. The default keys are the default theme's (themes/default/
 * schema.yaml): what a project, report or news item says about itself beside its text. */
static void
load_search(loader *l, config *c, const value *root)
{
    const value *search = get_map(l, root, "search");
    c->search_enabled = get_bool(l, search, "enabled", true);
    const value *keys = search ? get_list(l, search, "keys") : NULL;
    if (!keys) {
        static const char *const defaults[] = {
            "clinical_need", "team.name",  "authors.name", "keywords",
            "tags",          "department", "cohort",
        };
        c->search_keys = (const char **)defaults;
        c->n_search_keys = COUNT(defaults);
        return;
    }
    c->search_keys = arena_zalloc(l->a, (keys->as.list.len + 1) * sizeof(char *));
    for (size_t i = 0; i < keys->as.list.len; i++) {
        const value *k = keys->as.list.items[i];
        if (k->type != VALUE_STRING || !k->as.str.len) {
            type_error(l, k, "search.keys item",
                       "a front matter key (team.name: a key of each item)");
            continue;
        }
        c->search_keys[c->n_search_keys++] = k->as.str.ptr;
    }
}

/* plugins: [name, ...] (run in this order) and plugin_limits: {instructions, seconds,
 * memory_mb}. */
static void
load_plugins(loader *l, config *c, const value *root)
{
    const value *list = get_list(l, root, "plugins");
    size_t n = list ? list->as.list.len : 0;
    c->plugins = arena_zalloc(l->a, (n + 1) * sizeof(config_plugin));
    for (size_t i = 0; i < n; i++) {
        const value *v = list->as.list.items[i];
        if (v->type != VALUE_STRING || !is_identifier(v->as.str.ptr)) {
            diag_report(l->d, DIAG_ERROR, v->pos,
                        "a plugin is named by its file under plugins/ without '.lua' "
                        "(letters, digits, '-', '_'), not %s",
                        v->type == VALUE_STRING ? arena_printf(l->a, "'%s'", v->as.str.ptr)
                                                : value_type_name(v->type));
            l->ok = false;
            continue;
        }
        for (size_t k = 0; k < c->n_plugins; k++)
            if (strcmp(c->plugins[k].name, v->as.str.ptr) == 0) {
                diag_report(l->d, DIAG_ERROR, v->pos, "plugin '%s' is listed twice", v->as.str.ptr);
                l->ok = false;
            }
        c->plugins[c->n_plugins++] = (config_plugin){v->as.str.ptr, v->pos};
    }
    const value *lim = get_map(l, root, "plugin_limits");
    c->plugin_instructions = get_count(l, lim, "instructions", 0); /* 0: not counted */
    c->plugin_seconds = get_count(l, lim, "seconds", 10);
    c->plugin_memory_mb = get_count(l, lim, "memory_mb", 256);
    c->plugin_instructions_set = is_set(lim, "instructions");
    c->plugin_seconds_set = is_set(lim, "seconds");
    c->plugin_memory_mb_set = is_set(lim, "memory_mb");
    static const struct {
        const char *key;
        size_t min;
    } mins[] = {{"instructions", 1000}, {"seconds", 1}, {"memory_mb", 1}};
    size_t got[] = {c->plugin_instructions, c->plugin_seconds, c->plugin_memory_mb};
    bool set[] = {c->plugin_instructions_set, true, true};
    for (size_t i = 0; i < 3; i++)
        if (set[i] && got[i] < mins[i].min) {
            diag_report(l->d, DIAG_ERROR, value_map_get(lim, mins[i].key)->pos,
                        "plugin_limits.%s must be at least %zu", mins[i].key, mins[i].min);
            l->ok = false;
        }
}

static size_t
at_least(size_t current, size_t scaled)
{
    return scaled > current ? scaled : current;
}

void
config_scale_plugin_limits(config *c, size_t n_pages)
{
    if (!c->plugin_memory_mb_set)
        c->plugin_memory_mb =
            at_least(c->plugin_memory_mb, (n_pages * CONFIG_PLUGIN_KIB_PER_PAGE + 1023) / 1024);
    if (!c->plugin_seconds_set)
        c->plugin_seconds = at_least(c->plugin_seconds, n_pages / CONFIG_PLUGIN_PAGES_PER_SECOND);
}

static bool
listed(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* checks: {<code>: error | warning | off, stale_months: N}: each switch goes to d at
 * once, so that the checks of every later pass (page loading included) obey it. */
static void
load_checks(loader *l, config *c, const value *root)
{
    const value *checks = get_map(l, root, "checks");
    const value *months = value_map_get(checks, "stale_months");
    c->stale_months = 12;
    if (months && months->type != VALUE_NULL) {
        double n = months->type == VALUE_NUMBER ? months->as.number : 0;
        if (n >= 1 && n <= 1200 && n == floor(n)) {
            c->stale_months = (size_t)n;
        } else {
            diag_report(l->d, DIAG_ERROR, months->pos,
                        "checks.stale_months must be a whole number of months from 1 to 1200");
            l->ok = false;
        }
    }
    static const char *const levels[] = {"off", "warning", "error"};
    for (size_t i = 0; i < value_len(checks); i++) {
        const value_pair *p = &checks->as.map.pairs[i];
        if (strcmp(p->key, "stale_months") == 0)
            continue;
        if (!listed(switchable_checks, COUNT(switchable_checks), p->key)) {
            if (listed(error_checks, COUNT(error_checks), p->key)) {
                diag_report(l->d, DIAG_ERROR, p->key_pos,
                            "check '%s' reports errors, which cannot be switched", p->key);
                l->ok = false;
                continue;
            }
            buf names = BUF_INIT;
            for (size_t k = 0; k < COUNT(switchable_checks); k++)
                buf_printf(&names, "%s%s", k ? ", " : "", switchable_checks[k]);
            diag_report(l->d, DIAG_WARNING, p->key_pos,
                        "unknown check '%s' in site.yaml checks (known: %s, stale_months)", p->key,
                        names.ptr);
            buf_free(&names);
            continue;
        }
        const char *level = value_str(p->val);
        size_t k = 0;
        while (level && k < COUNT(levels) && strcmp(level, levels[k]) != 0)
            k++;
        if (!level || k == COUNT(levels)) {
            diag_report(l->d, DIAG_ERROR, p->val->pos,
                        "checks.%s must be error, warning or off, not %s", p->key,
                        level ? arena_printf(l->a, "'%s'", level) : value_type_name(p->val->type));
            l->ok = false;
            continue;
        }
        diag_set_check(l->d, p->key, (diag_check)k);
    }
}

static void
warn_unknown(loader *l, const value *root)
{
    for (size_t i = 0; i < root->as.map.len; i++) {
        const value_pair *p = &root->as.map.pairs[i];
        bool known = false;
        for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0]; k++)
            known |= strcmp(p->key, known_keys[k]) == 0;
        if (!known)
            diag_report(l->d, DIAG_WARNING, p->key_pos,
                        "unknown key '%s' in site.yaml (a typo? custom settings belong "
                        "under 'params')",
                        p->key);
    }
}

bool
config_load(config *out, const char *root, const char *base_url_override, arena *a, diag *d)
{
    memset(out, 0, sizeof *out);
    out->file = "site.yaml";
    loader l = {out->file, a, d, true};
    buf text = BUF_INIT;
    if (!fs_read_input(&text, root, out->file, out->file, FS_MAX_INPUT, d)) {
        buf_free(&text);
        return false;
    }
    const char *src = arena_strndup(a, text.ptr, text.len);
    size_t src_len = text.len;
    buf_free(&text);
    value *rootv = front_parse_yaml(src, src_len, out->file, 1, true, NULL, a, d);
    if (!rootv)
        return false;
    out->raw = rootv;
    warn_unknown(&l, rootv);

    const value *title = value_map_get(rootv, "title");
    out->title = get_string(&l, rootv, "title", NULL);
    if (!out->title && (!title || title->type == VALUE_NULL)) {
        diag_report(d, DIAG_ERROR, title ? title->pos : SRC_POS(out->file, 1, 1),
                    "missing required key 'title'");
        l.ok = false;
    } else if (out->title && out->title[strspn(out->title, " \t")] == '\0') {
        diag_report(d, DIAG_ERROR, title->pos, "'title' must not be empty");
        l.ok = false;
    }
    out->description = get_string(&l, rootv, "description", "");
    out->language = get_string(&l, rootv, "language", "en");
    out->theme = get_string(&l, rootv, "theme", "default");
    if (out->theme && !is_identifier(out->theme)) {
        diag_report(d, DIAG_ERROR, value_map_get(rootv, "theme")->pos,
                    "theme must be a folder name under themes/, not '%s'", out->theme);
        l.ok = false;
    }
    out->author = get_string(&l, rootv, "author", "");
    out->currency = get_string(&l, rootv, "currency", "CNY");
    out->summary_length = get_count(&l, rootv, "summary_length", 200);
    /* a Chinese character carries about a word: half as many (100 by default) */
    out->summary_length_cjk =
        get_count(&l, rootv, "summary_length_cjk", (out->summary_length + 1) / 2);
    const value *markdown = get_map(&l, rootv, "markdown");
    out->unsafe_html = get_bool(&l, markdown, "unsafe_html", false);
    out->image_sizes = get_string(&l, markdown, "image_sizes", CONFIG_IMAGE_SIZES);
    out->home_latest = get_count(&l, get_map(&l, rootv, "home"), "latest", 6);
    out->paginate = get_count(&l, rootv, "paginate", CONFIG_PAGINATE_DEFAULT);
    load_base_url(&l, out, rootv, base_url_override);
    load_languages(&l, out, rootv);
    load_feed(&l, out, rootv);
    load_search(&l, out, rootv);
    load_stages(&l, out, rootv);
    load_taxonomies(&l, out, rootv);
    load_plugins(&l, out, rootv);
    get_map(&l, rootv, "params");
    check_menu(&l, out, get_list(&l, rootv, "menu"));
    load_checks(&l, out, rootv);
    return l.ok;
}

const char **
config_bibliography_files(const config *c, arena *a)
{
    const value *v = value_map_get(c->raw, "bibliography");
    size_t n = v && v->type == VALUE_LIST ? v->as.list.len : 1;
    const char **out = arena_zalloc(a, (n + 1) * sizeof(char *));
    for (size_t i = 0, k = 0; v && i < n; i++) {
        const char *rel = value_str(v->type == VALUE_LIST ? v->as.list.items[i] : v);
        if (rel && *rel && !fs_bad_rel(rel))
            out[k++] = rel;
    }
    return out;
}

int
config_stage_index(const config *c, const char *key, size_t len)
{
    for (size_t i = 0; i < c->n_stages; i++)
        if (strlen(c->stages[i].key) == len && memcmp(c->stages[i].key, key, len) == 0)
            return (int)i;
    return -1;
}

const char *
config_stage_list(const config *c, arena *a)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < c->n_stages; i++) {
        if (i)
            buf_puts(&b, ", ");
        buf_puts(&b, c->stages[i].key);
    }
    const char *s = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return s;
}
