/* SPDX-License-Identifier: MIT
 * fuzz_config.c - libFuzzer target for site.yaml: config_load reads only a file, so each
 * input is written to site.yaml in a private temporary folder and loaded from there (a
 * small file in the page cache; the YAML-to-config part it exercises is config.c's own).
 * Any bytes must load or be reported without a crash or sanitizer report, and: loading
 * fails exactly when an error was reported; a loaded config has a non-empty title, an
 * absolute base_url ending in '/' whose path is base_path, unique stage keys, taxonomies
 * with a name and a path, and plugin names; checks.stale_months from 1 to 1200;
 * diagnostics are valid UTF-8. Inputs whose length is a multiple of 3 also get a
 * --base-url override. */
#include "config.h"
#include "fuzz_common.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_config(const config *c, arena *a)
{
    size_t url_len = c->base_url ? strlen(c->base_url) : 0;
    if (!c->title || !*c->title || !c->raw || c->raw->type != VALUE_MAP || url_len == 0 ||
        c->base_url[url_len - 1] != '/' ||
        (strncmp(c->base_url, "http://", 7) != 0 && strncmp(c->base_url, "https://", 8) != 0))
        abort();
    size_t path_len = c->base_path ? strlen(c->base_path) : 0;
    if (path_len == 0 || c->base_path[0] != '/' || c->base_path[path_len - 1] != '/' ||
        c->base_url + url_len - path_len != c->base_path)
        abort();
    for (size_t i = 0; i < c->n_stages; i++)
        if (!c->stages[i].key || !c->stages[i].label ||
            config_stage_index(c, c->stages[i].key, strlen(c->stages[i].key)) != (int)i)
            abort();
    for (size_t i = 0; i < c->n_taxonomies; i++)
        if (!c->taxonomies[i].name || !c->taxonomies[i].path || !c->taxonomies[i].title)
            abort();
    for (size_t i = 0; i < c->n_plugins; i++)
        if (!c->plugins[i].name || !*c->plugins[i].name)
            abort();
    for (size_t i = 0; i < c->n_feed_sections; i++)
        if (!c->feed_sections[i])
            abort();
    if (!c->theme || !c->language || !config_stage_list(c, a))
        abort();
    if (c->stale_months < 1 || c->stale_months > 1200)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write("site.yaml", data, size);
    arena *a = arena_new();
    diag *d = diag_new();
    config c;
    const char *override = size % 3 == 0 ? "http://localhost:8080/sub" : NULL;
    bool ok = config_load(&c, fuzz_tmpdir(), override, a, d);
    if (ok != (diag_error_count(d) == 0))
        abort();
    if (ok)
        check_config(&c, a);
    fuzz_check_diags(d);
    diag_free(d);
    arena_free(a);
    return 0;
}
