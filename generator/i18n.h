/* SPDX-License-Identifier: MIT
 * i18n.h - the interface text of each language (`t("key")` in templates): a theme's
 * i18n/<code>.yaml, with the site's own i18n/<code>.yaml over it. Read once per build,
 * after site.yaml, before the site model (which gives each language's map to its
 * templates as site.i18n). */
#ifndef CLINFOLIO_I18N_H
#define CLINFOLIO_I18N_H

#include "arena.h"
#include "config.h"
#include "diag.h"
#include "value.h"

/* The strings of every language of cfg, one map per language in cfg->languages' order.
 * Each language's file is i18n/<code>.yaml, else i18n/<primary subtag>.yaml ("zh" for
 * "zh-Hans"), else, for a language without any, i18n/en.yaml (a warning names the file
 * it looked for). A key the default language has and another language lacks takes the
 * default's text, with a warning. Without any i18n folder every map is empty and nothing
 * is said. theme_dir may be NULL (no theme). NULL after reporting an error (a file that
 * is not a map of texts). */
value **i18n_load(const config *cfg, const char *root, const char *theme_dir,
                  const char *theme_name, arena *a, diag *d);

#endif
