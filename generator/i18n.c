/* SPDX-License-Identifier: MIT
 * i18n.c - read and merge the interface strings of each language (i18n.h). */
#include "i18n.h"

#include "buf.h"
#include "front.h"
#include "fs.h"

#include <string.h>
#include <unistd.h>

/* One file's map of texts, merged into into (later files win); false after an error.
 * *found says whether the file exists. */
static bool
read_strings(value *into, const char *dir, const char *diag_dir, const char *code, bool *found,
             arena *a, diag *d)
{
    buf path = BUF_INIT;
    const char *rel = arena_printf(a, "i18n/%s.yaml", code);
    fs_join(&path, dir, rel);
    const char *name = *diag_dir ? arena_printf(a, "%s/%s", diag_dir, rel) : rel;
    *found = !(fs_kind_of(path.ptr) == FS_OTHER && access(path.ptr, F_OK) != 0);
    if (!*found) {
        buf_free(&path);
        return true;
    }
    buf text = BUF_INIT;
    bool ok = fs_read_file(&text, path.ptr, name, d);
    value *tree = NULL;
    if (ok) {
        const char *src = arena_strndup(a, text.ptr, text.len);
        tree = front_parse_yaml(src, text.len, name, 1, true, NULL, a, d);
        ok = tree != NULL;
    }
    buf_free(&text);
    buf_free(&path);
    if (ok && tree->type == VALUE_NULL)
        return true; /* an empty file */
    if (ok && tree->type != VALUE_MAP) {
        diag_report(d, DIAG_ERROR, tree->pos,
                    "%s must map keys to texts (latest_projects: Latest projects), not %s", name,
                    value_type_name(tree->type));
        return false;
    }
    for (size_t i = 0; ok && i < tree->as.map.len; i++) {
        const value_pair *p = &tree->as.map.pairs[i];
        value *v = p->val;
        if (v->type == VALUE_NUMBER || v->type == VALUE_BOOL)
            v = value_new_cstr(a, value_to_cstr(v, a), v->pos);
        if (v->type != VALUE_STRING) {
            diag_report(d, DIAG_ERROR, v->pos, "'%s' in %s must be a text, not %s", p->key, name,
                        value_type_name(v->type));
            ok = false;
            continue;
        }
        value_map_setn(into, p->key, p->key_len, v, a);
    }
    return ok;
}

/* The theme's file for code, then the site's over it; *found when either exists. */
static bool
read_language(value *into, const char *root, const char *theme_dir, const char *theme_name,
              const char *code, bool *found, arena *a, diag *d)
{
    bool in_theme = false, in_site = false;
    bool ok = !theme_dir || read_strings(into, theme_dir, theme_name, code, &in_theme, a, d);
    ok &= read_strings(into, root, "", code, &in_site, a, d);
    *found = in_theme || in_site;
    return ok;
}

static bool
has_folder(const char *dir)
{
    if (!dir)
        return false;
    buf path = BUF_INIT;
    fs_join(&path, dir, "i18n");
    bool yes = fs_kind_of(path.ptr) == FS_DIR;
    buf_free(&path);
    return yes;
}

value **
i18n_load(const config *cfg, const char *root, const char *theme_dir, const char *theme_name,
          arena *a, diag *d)
{
    value **maps = arena_zalloc(a, (cfg->n_languages + 1) * sizeof(value *));
    for (size_t k = 0; k < cfg->n_languages; k++)
        maps[k] = value_new_map(a, SRC_NONE);
    if (!has_folder(root) && !has_folder(theme_dir))
        return maps;
    bool ok = true;
    for (size_t k = 0; k < cfg->n_languages; k++) {
        const char *code = cfg->languages[k].code;
        bool found;
        ok &= read_language(maps[k], root, theme_dir, theme_name, code, &found, a, d);
        const char *dash = strchr(code, '-');
        if (!found && dash) /* "zh-Hans": zh.yaml */
            ok &= read_language(maps[k], root, theme_dir, theme_name,
                                arena_strndup(a, code, (size_t)(dash - code)), &found, a, d);
        if (!found) {
            diag_report(d, DIAG_WARNING, cfg->languages[k].at,
                        "no interface text for language '%s' (i18n/%s.yaml in the site or its "
                        "theme): the English text is used",
                        code, code);
            ok &= read_language(maps[k], root, theme_dir, theme_name, "en", &found, a, d);
        }
    }
    if (!ok)
        return NULL;
    for (size_t k = 1; k < cfg->n_languages; k++) { /* the default language's where one lacks */
        const value *def = maps[0];
        for (size_t i = 0; i < def->as.map.len; i++) {
            const value_pair *p = &def->as.map.pairs[i];
            if (value_map_getn(maps[k], p->key, p->key_len))
                continue;
            diag_report(d, DIAG_WARNING, p->val->pos,
                        "i18n key '%s' has no text in language '%s' (i18n/%s.yaml): the default "
                        "language's is used",
                        p->key, cfg->languages[k].code, cfg->languages[k].code);
            value_map_setn(maps[k], p->key, p->key_len, p->val, a);
        }
    }
    return maps;
}
