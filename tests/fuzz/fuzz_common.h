/* SPDX-License-Identifier: MIT
 * fuzz_common.h - what several fuzz targets share: a private temporary site folder for
 * the APIs that read files (config_load, site_load), a shortcode callback that echoes
 * its call, and the check that diagnostics are valid UTF-8. Header-only. */
#ifndef CLINFOLIO_FUZZ_COMMON_H
#define CLINFOLIO_FUZZ_COMMON_H

#include "buf.h"
#include "diag.h"
#include "shortcode.h"
#include "text.h"
#include "value.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The folder fuzz_tmpdir() made; written once by the first call, on the fuzzing thread. */
static char fuzz_dir[256];

static inline int
fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static inline void
fuzz_rm_dir(void)
{
    if (fuzz_dir[0])
        nftw(fuzz_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private folder under $TMPDIR (or /tmp), made on the first call and removed at exit. */
static inline const char *
fuzz_tmpdir(void)
{
    if (!fuzz_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/clinfolio-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror(fuzz_dir);
            abort();
        }
        atexit(fuzz_rm_dir);
    }
    return fuzz_dir;
}

/* Writes data[0..len) to fuzz_tmpdir()/rel, making its folders; aborts on failure. */
static inline void
fuzz_write(const char *rel, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), rel);
    for (char *s = strchr(path + strlen(fuzz_dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0700); /* EEXIST is fine; a real failure shows at fopen */
        *s = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* A shortcode that echoes its call: "<name>[k=v;...]", HTML-escaped, or an error for the
 * name "fail"; payload counts the calls (int). */
static inline bool
fuzz_echo_shortcode(buf *html, const shortcode_call *call, void *payload, diag *d)
{
    (*(int *)payload)++;
    if (strcmp(call->name, "fail") == 0) {
        diag_report(d, DIAG_ERROR, call->at, "fail was called");
        return false;
    }
    if (!call->args || call->args->type != VALUE_MAP)
        abort();
    buf text = BUF_INIT;
    buf_printf(&text, "%s[", call->name);
    for (size_t i = 0; i < call->args->as.map.len; i++) {
        const value_pair *p = &call->args->as.map.pairs[i];
        buf_printf(&text, "%s%s=", i ? ";" : "", p->key);
        value_to_text(&text, p->val);
    }
    buf_putc(&text, ']');
    buf_puts(html, strcmp(call->name, "block") == 0 ? "<figure>" : "<span>");
    text_html_escape(html, text.ptr, text.len);
    buf_puts(html, strcmp(call->name, "block") == 0 ? "</figure>" : "</span>");
    buf_free(&text);
    return true;
}

/* Diagnostics quote user text: they must come out as valid UTF-8 whatever the input. */
static inline void
fuzz_check_diags(const diag *d)
{
    char *text = diag_to_string(d);
    if (!text_utf8_valid(text, strlen(text)))
        abort();
    free(text);
}

#endif
