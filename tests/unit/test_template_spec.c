/* SPDX-License-Identifier: MIT
 * test_template_spec.c - runs the template examples of tests/spec/templates.txt (the
 * format is described at the top of that file): compiles each example's files, links
 * them, renders the first with the JSON (or YAML) context, and compares the output or the
 * diagnostics. Usage: test_template_spec [file [title-substring]] */
#include "harness.h"

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "front.h"
#include "fs.h"
#include "template.h"
#include "value.h"

#include <stdlib.h>
#include <string.h>

#define BASE_URL "https://example.org/sub/"

/* {====================================================================
 * a small JSON reader for contexts; {"$date": "2023-01-05"} makes a date
 * ===================================================================== */

typedef struct json {
    const char *s, *end;
    arena *a;
    const char *err;
    int depth;
} json;

static void
ws(json *j)
{
    while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' || *j->s == '\n' || *j->s == '\r'))
        j->s++;
}

static void
put_utf8(buf *b, unsigned long cp)
{
    if (cp < 0x80) {
        buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        buf_putc(b, (char)(0xC0 | (cp >> 6)));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_putc(b, (char)(0xE0 | (cp >> 12)));
        buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_putc(b, (char)(0xF0 | (cp >> 18)));
        buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

static unsigned long
hex4(json *j)
{
    unsigned long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = j->s < j->end ? *j->s++ : 0;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) {
            j->err = "bad \\u escape";
            return 0;
        }
        v = v * 16 + (unsigned long)d;
    }
    return v;
}

static bool
json_string(json *j, buf *out)
{
    j->s++; /* the opening quote */
    while (j->s < j->end && *j->s != '"') {
        char c = *j->s++;
        if (c != '\\') {
            buf_putc(out, c);
            continue;
        }
        char e = j->s < j->end ? *j->s++ : 0;
        switch (e) {
        case 'n':
            buf_putc(out, '\n');
            break;
        case 't':
            buf_putc(out, '\t');
            break;
        case 'r':
            buf_putc(out, '\r');
            break;
        case 'b':
            buf_putc(out, '\b');
            break;
        case 'f':
            buf_putc(out, '\f');
            break;
        case 'u': {
            unsigned long cp = hex4(j);
            if (cp >= 0xD800 && cp < 0xDC00 && j->s + 1 < j->end && j->s[0] == '\\' &&
                j->s[1] == 'u') {
                j->s += 2;
                unsigned long lo = hex4(j);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(out, cp);
            break;
        }
        default:
            buf_putc(out, e);
        }
    }
    if (j->s >= j->end) {
        j->err = "unterminated string";
        return false;
    }
    j->s++;
    return !j->err;
}

static value *
json_value(json *j)
{
    ws(j);
    if (j->s >= j->end) {
        j->err = "unexpected end";
        return NULL;
    }
    if (++j->depth > 100) {
        j->err = "too deep";
        return NULL;
    }
    value *v = NULL;
    char c = *j->s;
    if (c == '{') {
        j->s++;
        v = value_new_map(j->a, SRC_NONE);
        ws(j);
        while (j->s < j->end && *j->s != '}') {
            buf key = BUF_INIT;
            ws(j);
            if (j->s >= j->end || *j->s != '"' || !json_string(j, &key)) {
                j->err = j->err ? j->err : "expected a key";
                buf_free(&key);
                return NULL;
            }
            ws(j);
            if (j->s >= j->end || *j->s != ':') {
                j->err = "expected ':'";
                buf_free(&key);
                return NULL;
            }
            j->s++;
            value *item = json_value(j);
            if (!item) {
                buf_free(&key);
                return NULL;
            }
            value_map_setn(v, key.ptr, key.len, item, j->a);
            buf_free(&key);
            ws(j);
            if (j->s < j->end && *j->s == ',')
                j->s++;
            ws(j);
        }
        if (j->s >= j->end) {
            j->err = "unterminated object";
            return NULL;
        }
        j->s++;
        const value *d = value_map_get(v, "$date");
        if (d && value_len(v) == 1) {
            value_date date;
            if (!value_str(d) || !value_date_parse(&date, d->as.str.ptr, d->as.str.len)) {
                j->err = "bad $date";
                return NULL;
            }
            v = value_new_date(j->a, date, SRC_NONE);
        }
    } else if (c == '[') {
        j->s++;
        v = value_new_list(j->a, SRC_NONE);
        ws(j);
        while (j->s < j->end && *j->s != ']') {
            value *item = json_value(j);
            if (!item)
                return NULL;
            value_list_push(v, item, j->a);
            ws(j);
            if (j->s < j->end && *j->s == ',')
                j->s++;
            ws(j);
        }
        if (j->s >= j->end) {
            j->err = "unterminated array";
            return NULL;
        }
        j->s++;
    } else if (c == '"') {
        buf s = BUF_INIT;
        if (json_string(j, &s))
            v = value_new_string(j->a, s.ptr, s.len, SRC_NONE);
        buf_free(&s);
    } else if ((size_t)(j->end - j->s) >= 4 && memcmp(j->s, "true", 4) == 0) {
        j->s += 4;
        v = value_new_bool(j->a, true, SRC_NONE);
    } else if ((size_t)(j->end - j->s) >= 5 && memcmp(j->s, "false", 5) == 0) {
        j->s += 5;
        v = value_new_bool(j->a, false, SRC_NONE);
    } else if ((size_t)(j->end - j->s) >= 4 && memcmp(j->s, "null", 4) == 0) {
        j->s += 4;
        v = value_new_null(j->a, SRC_NONE);
    } else {
        char tmp[64], *end;
        size_t n = 0;
        while (j->s + n < j->end && n < sizeof tmp - 1 && strchr("+-0123456789.eE", j->s[n]))
            n++;
        memcpy(tmp, j->s, n);
        tmp[n] = '\0';
        double d = strtod(tmp, &end);
        if (!n || *end) {
            j->err = "bad value";
            return NULL;
        }
        j->s += n;
        v = value_new_number(j->a, d, SRC_NONE);
    }
    j->depth--;
    return v;
}

/* {====================================================================
 * the spec file
 * ===================================================================== */

typedef struct file {
    const char *name;
    buf text;
} file;

typedef struct example {
    const char *title;
    int line;
    file files[8];
    int nfiles;
    buf context, expect;
    bool has_context, context_yaml, expect_error;
} example;

static void
example_free(example *ex)
{
    for (int i = 0; i < ex->nfiles; i++)
        buf_free(&ex->files[i].text);
    buf_free(&ex->context);
    buf_free(&ex->expect);
}

static void
run(example *ex)
{
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_options opt = {BASE_URL};
    template_set *ts = template_set_new(a, &opt);
    buf out = BUF_INIT;
    const char *why = NULL;
    bool ok = true;
    for (int i = 0; i < ex->nfiles; i++)
        ok &= template_set_add(ts, ex->files[i].name, ex->files[i].text.ptr, ex->files[i].text.len,
                               ex->files[i].name, d);
    ok = template_set_link(ts, d) && ok;
    value *ctx = value_new_map(a, SRC_NONE);
    if (ex->has_context && ex->context_yaml) {
        /* read as front matter is: numbers keep their text, dates are dates */
        ctx =
            front_parse_yaml(ex->context.ptr, ex->context.len, "context.yaml", 1, true, NULL, a, d);
        if (!ctx)
            why = "the YAML context does not load";
    } else if (ex->has_context) {
        json j = {ex->context.ptr, ex->context.ptr + ex->context.len, a, NULL, 0};
        ctx = json_value(&j);
        if (!ctx || ctx->type != VALUE_MAP)
            why = j.err ? j.err : "context is not a JSON object";
    }
    if (!why && ok)
        ok = template_render(&out, ts, ex->files[0].name, ctx, scratch, d);
    char *diags = diag_to_string(d);
    size_t dlen = strlen(diags);
    if (dlen && diags[dlen - 1] == '\n')
        diags[--dlen] = '\0';
    if (!why) {
        if (ex->expect_error) {
            if (strcmp(diags, ex->expect.ptr) != 0)
                why = "diagnostics differ";
        } else if (!ok || dlen) {
            why = "unexpected diagnostics";
        } else if (strcmp(out.ptr, ex->expect.ptr) != 0) {
            why = "output differs";
        }
    }
    if (why) {
        harness_failed++;
        fprintf(stderr,
                "tests/spec/templates.txt:%d: FAIL: %s: %s\n--- expected:\n%s\n--- got:\n%s\n"
                "--- diagnostics:\n%s\n\n",
                ex->line, ex->title, why, ex->expect.ptr, out.ptr, diags);
    } else {
        harness_passed++;
    }
    free(diags);
    buf_free(&out);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
}

static bool
starts(const char *line, const char *marker)
{
    return strncmp(line, marker, strlen(marker)) == 0;
}

int
main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "tests/spec/templates.txt";
    const char *only = argc > 2 ? argv[2] : NULL;
    diag *d = diag_new();
    buf src = BUF_INIT;
    if (!fs_read_file(&src, path, path, d)) {
        diag_print(d, stderr, false);
        return 2;
    }
    diag_free(d);
    example ex;
    memset(&ex, 0, sizeof ex);
    buf *cur = NULL; /* the section being read */
    bool in_example = false, first_line = false;
    int lineno = 0, examples = 0;
    /* split by hand: strtok_r would merge empty lines */
    for (char *line = src.ptr; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        if (starts(line, "%%% ")) {
            const char *arg = line + 4;
            if (starts(arg, "example")) {
                if (in_example)
                    fprintf(stderr, "%s:%d: example without end\n", path, lineno);
                example_free(&ex);
                memset(&ex, 0, sizeof ex);
                ex.title = arg[7] == ' ' ? arg + 8 : "";
                ex.line = lineno;
                ex.files[0].name = "main.html";
                ex.nfiles = 1;
                cur = &ex.files[0].text;
                in_example = true;
            } else if (starts(arg, "file ")) {
                if (ex.nfiles == 1 && !ex.files[0].text.len &&
                    strcmp(ex.files[0].name, "main.html") == 0)
                    ex.nfiles = 0; /* the implicit main.html was empty: replace it */
                if (ex.nfiles == 8) {
                    fprintf(stderr, "%s:%d: too many files\n", path, lineno);
                    return 2;
                }
                ex.files[ex.nfiles].name = arg + 5;
                ex.files[ex.nfiles].text = BUF_INIT;
                cur = &ex.files[ex.nfiles++].text;
            } else if (starts(arg, "context")) {
                ex.has_context = true;
                cur = &ex.context;
            } else if (starts(arg, "yaml")) {
                ex.has_context = ex.context_yaml = true;
                cur = &ex.context;
            } else if (starts(arg, "output")) {
                cur = &ex.expect;
            } else if (starts(arg, "error")) {
                ex.expect_error = true;
                cur = &ex.expect;
            } else if (starts(arg, "end")) {
                if (in_example && (!only || strstr(ex.title, only))) {
                    run(&ex);
                    examples++;
                }
                in_example = false;
                cur = NULL;
            } else {
                fprintf(stderr, "%s:%d: unknown marker '%s'\n", path, lineno, line);
                return 2;
            }
            first_line = true;
        } else if (cur) {
            /* lines joined with "\n", no final newline */
            if (!first_line)
                buf_putc(cur, '\n');
            buf_puts(cur, line);
            first_line = false;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (in_example)
        fprintf(stderr, "%s: the last example has no end\n", path);
    example_free(&ex);
    buf_free(&src);
    if (!only && examples < 60)
        fprintf(stderr, "%s: only %d examples\n", path, examples);
    return harness_done();
}
