/* SPDX-License-Identifier: MIT
 * test_facets.c - the project list's facets (facets.h) from template values made here:
 * taxonomy terms (site.cohorts newest first, a department written twice, a page of another
 * section among a term's pages), a plain key (values slugified, merged, sorted; a value
 * without a slug), the furthest stage, the FACETS_NONE item; the exact bytes of index.json
 * and rows-0.json (escaped titles, a foreign language, a picture under the page and one
 * elsewhere); rows cut every FACETS_ROWS_PER_FILE projects; no projects. */
#include "harness.h"

#include "files.h"

#include "facets.h"

#include <stdio.h>
#include <string.h>

static arena *A;

static value *
str(const char *s)
{
    return value_new_cstr(A, s, SRC_NONE);
}

static value *
num(double n)
{
    return value_new_number(A, n, SRC_NONE);
}

static value *
map(void)
{
    return value_new_map(A, SRC_NONE);
}

static value *
list(void)
{
    return value_new_list(A, SRC_NONE);
}

static void
put(value *m, const char *key, value *v)
{
    value_map_set(m, key, v, A);
}

static value *
stage(const char *key, int year, int month, int day)
{
    value *s = map();
    put(s, "key", str(key));
    value_date d = {year, month, day, 0, 0, 0, 0, false, false};
    put(s, "date", value_new_date(A, d, SRC_NONE));
    return s;
}

static value *
project(value *projects, const char *url, const char *title, const char *status, long days)
{
    value *p = map();
    put(p, "url", str(url));
    put(p, "title", str(title));
    put(p, "lang", str("en"));
    if (status)
        put(p, "status", str(status));
    put(p, "days_total", days < 0 ? value_new_null(A, SRC_NONE) : num((double)days));
    put(p, "stages", list());
    if (projects)
        value_list_push(projects, p, A);
    return p;
}

static value *
term(value *terms, const char *slug, const char *name, const char *url)
{
    value *t = map();
    put(t, "slug", str(slug));
    put(t, "name", str(name));
    put(t, "url", str(url));
    put(t, "pages", list());
    value_list_push(terms, t, A);
    return t;
}

static void
tag(value *t, value *page)
{
    value_list_push(value_map_get(t, "pages"), page, A);
}

static value *
site_value(value *projects)
{
    value *s = map();
    put(s, "language", str("en"));
    value *stages = list();
    const char *keys[] = {"need", "idea", "prototype", "transfer"};
    for (size_t i = 0; i < 4; i++) {
        value *st = map();
        put(st, "key", str(keys[i]));
        value_list_push(stages, st, A);
    }
    put(s, "stages", stages);
    put(s, "projects", projects);
    put(s, "taxonomies", map());
    put(s, "cohorts", list());
    return s;
}

/* the facet `name` of section.facets as "value:count name url; ..." (in a static buffer) */
static const char *
shown(const value *all, const char *name)
{
    static buf b = BUF_INIT;
    buf_clear(&b);
    const value *values =
        value_path(all, name) ? value_map_get(value_map_get(all, name), "values") : NULL;
    for (size_t i = 0; i < value_len(values); i++) {
        const value *v = value_list_get(values, i);
        buf_printf(&b, "%s%s:%g %s %s%s", i ? "; " : "", value_str(value_map_get(v, "value")),
                   value_map_get(v, "count")->as.number, value_str(value_map_get(v, "name")),
                   value_str(value_map_get(v, "url")), value_map_get(v, "none") ? " (none)" : "");
    }
    return b.ptr;
}

/* The demo-like site: three projects with cohorts and departments as taxonomies, one
 * without either, a news page under a department term. */
static value *
small_site(void)
{
    value *projects = list();
    value *a = project(projects, "/p/a/", "Goggles \"A\" </script>", "Active", 120);
    value *b = project(projects, "/p/b/", "Band", "active", -1);
    value *c = project(projects, "/p/c/", "Clip", "Stopped", 30);
    value *e = project(projects, "/p/e/", "Extra", "—", -1);
    put(c, "lang", str("zh"));
    value_list_push(value_map_get(a, "stages"), stage("need", 2023, 1, 5), A);
    value_list_push(value_map_get(a, "stages"), stage("prototype", 2023, 3, 9), A);
    value_list_push(value_map_get(c, "stages"), stage("idea", 2022, 11, 30), A);
    value *img = map();
    put(img, "srcset", str("/p/a/photo-ab-480.jpg 480w, /p/a/photo-ab-960.jpg 960w"));
    put(img, "webp_srcset", str("/p/a/photo-ab-480.webp 480w"));
    put(img, "width", num(1600));
    put(img, "height", num(1200));
    put(a, "image", img);
    value *img2 = map();
    put(img2, "srcset", str("/elsewhere/x-320.png 320w"));
    put(img2, "width", num(320));
    put(img2, "height", num(99));
    put(b, "image", img2);
    value *s = site_value(projects);
    value *cohorts = value_map_get(s, "cohorts");
    tag(term(cohorts, "2024", "2024", "/cohorts/2024/"), b);
    value *c23 = term(cohorts, "2023", "2023", "/cohorts/2023/");
    tag(c23, a);
    tag(c23, c);
    value *tx = map();
    put(tx, "terms", list());
    put(value_map_get(s, "taxonomies"), "cohort", tx);
    value *dept = map();
    value *terms = list();
    put(dept, "terms", terms);
    put(value_map_get(s, "taxonomies"), "department", dept);
    value *card = term(terms, "cardiology", "Cardiology", "/departments/cardiology/");
    tag(card, project(NULL, "/news/n/", "News", NULL, -1)); /* not a project */
    tag(card, b);
    value *neuro = term(terms, "neurosurgery", "Neurosurgery", "/departments/neurosurgery/");
    tag(neuro, b);
    tag(neuro, a);
    tag(neuro, a); /* written twice */
    term(terms, "unused", "Unused", "/departments/unused/");
    (void)e;
    return s;
}

static void
test_value(void)
{
    facets *counted = facets_count(small_site());
    value *f = facets_value(counted, A);
    facets_free(counted);
    STR_EQ(shown(f, "cohort"),
           "2024:1 2024 /cohorts/2024/; 2023:2 2023 /cohorts/2023/; _none:1   (none)",
           "cohorts in site.cohorts' order, linked, and the projects without one");
    STR_EQ(shown(f, "department"),
           "cardiology:1 Cardiology /departments/cardiology/; neurosurgery:2 Neurosurgery "
           "/departments/neurosurgery/; _none:2   (none)",
           "departments: terms with projects, a news page not counted, one written twice once");
    STR_EQ(shown(f, "status"), "active:2 Active ; stopped:1 Stopped ; _none:1   (none)",
           "a plain key: slugs merged (Active, active), sorted, \"—\" is no value");
    STR_EQ(shown(f, "stage"), "idea:1 idea ; prototype:1 prototype ; _none:2   (none)",
           "the furthest dated stage, in site.stages order, unused stages left out");
}

static void
test_files(void)
{
    files f = {BUF_INIT, 0};
    diag *d = diag_new();
    facets *counted = facets_count(small_site());
    OK(facets_write_files(counted, facets_dir("en", A), collect_file, &f, d), "files written");
    facets_free(counted);
    INT_EQ(f.n, 2, "one row file and index.json");
    STR_EQ(file_of(&f, "facets/en/rows-0.json"),
           "[[\"Goggles \\\"A\\\" \\u003c/script>\",\"/p/a/\",\"\",[0,2],\"2023-03-09\","
           "[\"photo-ab-480.jpg\",480,360,1]],\n"
           "[\"Band\",\"/p/b/\",\"\",[],\"\",[\"/elsewhere/x-320.png\",320,99,0]],\n"
           "[\"Clip\",\"/p/c/\",\"zh\",[1],\"2022-11-30\",0],\n"
           "[\"Extra\",\"/p/e/\",\"\",[],\"\",0]]\n",
           "rows-0.json: escaped titles, a foreign language, stages, pictures");
    STR_EQ(file_of(&f, "facets/en/index.json"),
           "{\"version\":1,\"count\":4,\"rows\":200,\n"
           "\"facets\":[\"cohort\",\"department\",\"status\",\"stage\"],\n"
           "\"values\":[[\"2024\",\"2023\"],\n"
           "[\"cardiology\",\"neurosurgery\"],\n"
           "[\"active\",\"stopped\"],\n"
           "[\"idea\",\"prototype\"]],\n"
           "\"projects\":[\n"
           "[1,1,0,1,120],\n"
           "[0,[0,1],0,-1,-1],\n"
           "[1,-1,1,0,30],\n"
           "[-1,-1,-1,-1,-1]]}\n",
           "index.json: values as indexes, -1 for none, a list for two, the days");
    INT_EQ(diag_error_count(d), 0, "no diagnostics");
    buf_free(&f.all);
    diag_free(d);
}

static void
test_many_and_none(void)
{
    value *projects = list();
    char url[32];
    for (int i = 0; i < 2 * FACETS_ROWS_PER_FILE + 1; i++) {
        snprintf(url, sizeof url, "/p/%d/", i);
        project(projects, arena_strdup(A, url), "P", i % 2 ? "b" : "a", i);
    }
    files f = {BUF_INIT, 0};
    diag *d = diag_new();
    facets *counted = facets_count(site_value(projects));
    OK(facets_write_files(counted, "f/", collect_file, &f, d), "401 rows");
    INT_EQ(f.n, 4, "three row files and index.json");
    OK(strstr(f.all.ptr, "== f/rows-2.json\n[[\"P\",\"/p/400/\"") != NULL,
       "the third file starts with project 400");
    OK(strstr(f.all.ptr, "== f/rows-3.json") == NULL, "no fourth file");
    /* one at a time (a build that keeps the others): the same files, the same bytes */
    files one = {BUF_INIT, 0};
    INT_EQ(facets_rows_files(counted), 3, "three row files");
    for (size_t k = 0; k < facets_rows_files(counted); k++)
        OK(facets_write_rows(counted, "f/", k, collect_file, &one, d), "row file %zu alone", k);
    OK(facets_write_index(counted, "f/", collect_file, &one, d), "index.json alone");
    OK(one.n == f.n && one.all.len == f.all.len && memcmp(one.all.ptr, f.all.ptr, f.all.len) == 0,
       "written one at a time: the files facets_write_files() writes, in its order");
    buf_free(&one.all);
    facets_free(counted);
    buf_free(&f.all);

    f = (files){BUF_INIT, 0};
    counted = facets_count(site_value(list()));
    OK(facets_write_files(counted, "f/", collect_file, &f, d), "no projects");
    INT_EQ(f.n, 1, "no projects: no row file");
    STR_EQ(file_of(&f, "f/index.json"),
           "{\"version\":1,\"count\":0,\"rows\":200,\n"
           "\"facets\":[\"cohort\",\"department\",\"status\",\"stage\"],\n"
           "\"values\":[[],\n[],\n[],\n[]],\n\"projects\":[]}\n",
           "no projects: an index.json without projects, no row file");
    value *empty = facets_value(counted, A);
    facets_free(counted);
    STR_EQ(shown(empty, "cohort"), "", "no projects: no values");
    buf_free(&f.all);
    diag_free(d);
}

/* facets_rows_key(): a file's key changes with any of its projects' hashes, its number,
 * their count, the stages or the language, and only with those */
static void
test_rows_key(void)
{
    value *projects = list();
    project(projects, "/p/a/", "A", "a", 1);
    value *s = site_value(projects);
    deps_memo *m = deps_memo_new();
    uint64_t h[] = {11, 22, 33};
    uint64_t k = facets_rows_key(s, h, 3, 1, m);
    OK(k == facets_rows_key(s, h, 3, 1, m), "the same values: the same key");
    uint64_t other[] = {11, 23, 33};
    OK(k != facets_rows_key(s, other, 3, 1, m), "a project's hash");
    OK(k != facets_rows_key(s, h, 3, 2, m), "the file's number");
    OK(k != facets_rows_key(s, h, 2, 1, m), "the count of its projects");
    value *s2 = site_value(projects);
    put(s2, "language", str("zh"));
    OK(k != facets_rows_key(s2, h, 3, 1, m), "the language");
    value *s3 = site_value(projects);
    put(s3, "stages", list());
    OK(k != facets_rows_key(s3, h, 3, 1, m), "the stages");
    OK(facets_rows_key(s, h, 3, 0, m) != facets_key(s, h, 3, m),
       "not facets_key()'s of the same projects");
    deps_memo_free(m);
}

int
main(void)
{
    A = arena_new();
    test_value();
    test_files();
    test_many_and_none();
    test_rows_key();
    arena_free(A);
    return harness_done();
}
