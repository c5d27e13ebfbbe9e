/* SPDX-License-Identifier: MIT
 * test_deps.c - the reads a render logs (deps.h): a render whose logged reads are all
 * unchanged in a new context must render the same bytes from it (soundness), and a change
 * the template does not read must leave them unchanged (precision). Every template below
 * is rendered from a base context, then from many changed contexts. */
#include "harness.h"

#include "deps.h"
#include "front.h"
#include "template.h"

static const char BASE[] =
    "page:\n"
    "  title: Vein finder\n"
    "  summary: Finds veins\n"
    "  content: <p>Body</p>\n"
    "  section: projects\n"
    "  tags: [vision, nursing]\n"
    "  stages: {need: 2023-01-05, prototype: 2023-03-01}\n"
    "  params: {funding: 12000, note: ''}\n"
    "site:\n"
    "  title: Programme\n"
    "  sections:\n"
    "    projects: {title: Projects, url: /projects/, pages: [{title: A, content: aaa}]}\n"
    "    news: {title: News, url: /news/, pages: []}\n"
    "  projects:\n"
    "    - {title: A, status: active, content: aaa, n: 1}\n"
    "    - {title: B, status: transferred, content: bbb, n: 2}\n"
    "    - {title: C, status: active, content: ccc, n: 1}\n"
    "  data: {metrics: {overall: {projects: 3}}}\n";

/* Each change: a path to replace (dotted, list items by number) and the YAML of its new
 * value, or NULL to remove the key. */
typedef struct change {
    const char *path, *yaml;
} change;

static const change CHANGES[] = {
    {"page.title", "Vein finder 2"},
    {"page.summary", "Other"},
    {"page.content", "<p>New body</p>"},
    {"page.section", "news"},
    {"page.tags", "[vision]"},
    {"page.tags", "[vision, nursing, icu]"},
    {"page.tags.0", "surgery"},
    {"page.stages.need", "2023-01-06"},
    {"page.stages", "{need: 2023-01-05}"},
    {"page.params.funding", "12001"},
    {"page.params.funding", "'12000'"},
    {"page.params.note", "'x'"},
    {"page.params", NULL},
    {"site.title", "Programme 2"},
    {"site.sections.projects.title", "All projects"},
    {"site.sections.projects.pages.0.content", "zzz"},
    {"site.sections.news.url", "/n/"},
    {"site.projects.0.content", "changed"},
    {"site.projects.1.status", "active"},
    {"site.projects.2.title", "C2"},
    {"site.projects.0.title", "A2"},
    {"site.projects", "[{title: A, status: active, content: aaa}]"},
    {"site.data.metrics.overall.projects", "4"},
    {"site.data", "{}"},
    {"site", NULL},
};

static const char *const TEMPLATES[] = {
    "{{ page.title }}|{{ page.summary }}",
    "{{ page.content | safe }}",
    "{% if page.params.note %}note{% endif %}{% if page.params %}p{% endif %}",
    "{% for t in page.tags %}{{ loop.index }}{{ t }}{% if not loop.last %},{% endif %}{% endfor %}",
    "{% for k, v in page.stages %}{{ k }}={{ v }};{% endfor %}",
    "{% for k in page.stages %}{{ k }};{% endfor %}",
    "{{ site.sections[page.section].title }} {{ site.sections[page.section].url }}",
    "{{ site.projects | length }} {{ site.projects | where(attribute=\"status\", "
    "value=\"transferred\") | length }}",
    "{% for p in site.projects %}{{ p.title }}{% if loop.previtem %}<{{ loop.previtem.title "
    "}}{% endif %} {% endfor %}",
    "{% for p in site.projects %}{% if loop.nextitem %}{{ loop.nextitem.status }}{% endif "
    "%}{% endfor %}",
    "{% for p in site.projects if p.status == \"active\" %}{{ p.title }}{% endfor %}",
    "{{ site.projects[1].title }} {{ site.projects[-1].title }} {{ page.title[0] }}",
    "{{ page.summary or page.title }}",
    "{% set m = site.data.metrics.overall %}{{ m.projects }}",
    "{% macro card(p) %}[{{ p.title }}]{% endmacro %}{{ self::card(site.projects[0]) }}",
    "{{ page.params.funding | default(value=0) }} {{ page.params.funding * 2 }}",
    "{% if page.tags is defined and \"icu\" in page.tags %}icu{% endif %}",
    "{{ page.stages.prototype | date(format=\"%Y\") }}",
    "{{ site.title ~ \" / \" ~ page.title }}",
    "{{ site.projects | map(attribute=\"title\") | join(sep=\",\") }}",
    "{{ site.projects | join(sep=\";\", attribute=\"status\") }}",
    "{% for p in site.projects | where(attribute=\"status\", value=\"active\") %}{{ p.content "
    "}}{% endfor %}",
    "{{ site.projects | sort(attribute=\"title\") | first | default(value=\"\") }}",
    "{{ site.projects | map(attribute=\"title\") | unique | length }}",
    "{% for p in site.projects | reverse %}{{ loop.index }}{{ p.title }}{% endfor %}",
    "{% set p = site.projects[1] %}{% set s = page.stages %}{{ p.title }} {{ s }}{% if p %}y{% "
    "endif %}",
    "{% set l = site.projects | last %}{{ l.title }} {{ (site.projects | first).status }} {{ "
    "page.tags | last }} {{ page.title | first }} {% if site.sections.news.pages | first %}n{% "
    "endif %}",
    "{{ site.projects | reverse | map(attribute=\"status\") | join(sep=\",\") }}",
    "{{ page.title | reverse }} {{ site.projects | reverse | length }} {{ site.projects | "
    "reverse | first | default(value=\"\") }}",
    /* cached includes (card.html, see compile): the second loop reuses the first's outputs
     * through other paths (reversed) */
    "{% for p in site.projects %}{% include \"card.html\" cached %}{% endfor %}{% for p in "
    "site.projects | reverse %}{% include \"card.html\" cached %}{% endfor %}",
    "{% for p in site.sections.projects.pages %}{% include \"card.html\" cached %}{% endfor %}{% "
    "set p = site.projects[0] %}{% include \"card.html\" cached %}",
    "{% set p = site.projects | where(attribute=\"status\", value=\"active\") | last %}{{ "
    "p.title }}{{ p.content }}",
    "{% set p = site.projects | where(attribute=\"status\", value=\"transferred\") | first "
    "%}{{ p.title }}",
};

static value *
parse(const char *yaml, arena *a)
{
    diag *d = diag_new();
    value *v = front_parse_yaml(yaml, strlen(yaml), "t.yaml", 1, false, NULL, a, d);
    diag_free(d);
    return v;
}

/* Replaces (or removes) the value at the dotted path of root, a fresh copy per change. */
static void
apply(value *root, const change *c, arena *a)
{
    char path[128];
    snprintf(path, sizeof path, "%s", c->path);
    value *v = root;
    char *part = path;
    for (;;) {
        char *dot = strchr(part, '.');
        if (dot)
            *dot = '\0';
        bool last = !dot;
        if (v->type == VALUE_LIST) {
            size_t i = (size_t)atoi(part);
            if (last) {
                v->as.list.items[i] = parse(c->yaml, a);
                return;
            }
            v = v->as.list.items[i];
        } else {
            if (last) {
                if (c->yaml) {
                    value_map_set(v, part, parse(c->yaml, a), a);
                } else {
                    for (size_t i = 0; i < v->as.map.len; i++)
                        if (strcmp(v->as.map.pairs[i].key, part) == 0)
                            v->as.map.pairs[i].key = "(removed)";
                }
                return;
            }
            v = value_map_get(v, part);
        }
        part = dot + 1;
    }
}

/* A partial for `include ... cached`: it reads its variable p, the root context and its
 * own loop. */
static const char CARD[] = "[{{ p.title }}|{% if p.status == \"active\" %}a{% endif %}|{{ "
                           "site.title }}|{% for t in page.tags %}{{ loop.index }}{% endfor %}]";

static template_set *
compile(const char *src, arena *a)
{
    diag *d = diag_new();
    template_set *ts = template_set_new(a, &(template_options){"https://example.org/"});
    bool ok = template_set_add(ts, "t.html", src, strlen(src), "t.html", d) &&
              template_set_add(ts, "card.html", CARD, strlen(CARD), "card.html", d) &&
              template_set_link(ts, d);
    OK(ok, "compile %s", src);
    diag_free(d);
    return ts;
}

/* Renders t.html; with a log, cached includes keep their outputs for this render. */
static char *
render(const template_set *ts, const value *ctx, deps_log *log, arena *scratch)
{
    diag *d = diag_new();
    buf out = BUF_INIT;
    template_frags *frags = template_frags_new(template_frags_budget(1));
    template_cache *cache = template_cache_new(frags);
    bool ok = template_render_logged(&out, ts, "t.html", ctx, scratch, log, cache, d);
    template_cache_free(cache);
    template_frags_free(frags);
    diag_free(d);
    if (!ok) {
        buf_free(&out);
        return NULL;
    }
    return buf_detach(&out);
}

/* How test_sound_and_precise() marks the pages of a context as anchors (value.anchor). */
typedef enum anchoring {
    NO_ANCHORS,   /* none: every read is checked value by value */
    LISTED_PAGES, /* the items of site.projects and of each section's pages */
    ALL_PAGES,    /* those and `page`, as site.c marks each page's map: the output's own
                   * page is then read whole (deps.c, log_read) */
} anchoring;

#define N_TEMPLATES (sizeof TEMPLATES / sizeof TEMPLATES[0])
#define N_CHANGES   (sizeof CHANGES / sizeof CHANGES[0])
/* test_sound_and_precise(NO_ANCHORS)'s verdicts: the reads were unchanged */
static bool plain_same[N_TEMPLATES][N_CHANGES];

static void
mark_anchors_as(value *ctx, anchoring how)
{
    if (how == NO_ANCHORS)
        return;
    value *page = value_map_get(ctx, "page");
    if (how == ALL_PAGES && page && page->type == VALUE_MAP)
        page->anchor = true;
    const value *site = value_map_get(ctx, "site");
    const value *lists[8];
    size_t n = 0;
    lists[n++] = value_map_get(site, "projects");
    const value *sections = value_map_get(site, "sections");
    for (size_t i = 0; sections && sections->type == VALUE_MAP && i < sections->as.map.len && n < 8;
         i++)
        lists[n++] = value_map_get(sections->as.map.pairs[i].val, "pages");
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; lists[k] && lists[k]->type == VALUE_LIST && i < lists[k]->as.list.len;
             i++)
            if (lists[k]->as.list.items[i]->type == VALUE_MAP)
                lists[k]->as.list.items[i]->anchor = true;
}

/* Marks every page of ctx as an anchor, as site.c does. */
static void
mark_anchors(value *ctx)
{
    mark_anchors_as(ctx, ALL_PAGES);
}

/* For every template and change: unchanged reads imply the same output. Counts how often
 * a change left the reads unchanged, to show the log is not simply "everything". With
 * anchors, reads through a page are checked by the page's deep hash first: the same must
 * hold; through the listed pages the same changes must be found unread, and with `page`
 * an anchor too the only other verdicts are changes of `page` (read whole). */
static void
test_sound_and_precise(anchoring how)
{
    size_t skipped = 0, total = 0, whole = 0;
    for (size_t t = 0; t < N_TEMPLATES; t++) {
        arena *a = arena_new(), *scratch = arena_new();
        template_set *ts = compile(TEMPLATES[t], a);
        deps_memo *memo = deps_memo_new();
        deps_log log;
        deps_log_init(&log, memo);
        value *base = parse(BASE, a);
        mark_anchors_as(base, how);
        char *want = render(ts, base, &log, scratch);
        OK(want != NULL, "render %s", TEMPLATES[t]);
        char *plain = render(ts, base, NULL, scratch); /* no log: includes render anew */
        OK(want && plain && strcmp(want, plain) == 0,
           "%s: the same output with a log: '%s' vs '%s'", TEMPLATES[t], want ? want : "-",
           plain ? plain : "-");
        free(plain);
        OK(!log.overflow && log.n > 0, "%s logs its reads", TEMPLATES[t]);
        OK(deps_check(log.data.ptr, log.data.len, base, memo, scratch),
           "%s: the base context passes its own log", TEMPLATES[t]);
        for (size_t c = 0; c < N_CHANGES; c++) {
            value *ctx = parse(BASE, a);
            apply(ctx, &CHANGES[c], a);
            mark_anchors_as(ctx, how);
            deps_memo *m2 = deps_memo_new(); /* a new build: new pointers, new memo */
            bool same = deps_check(log.data.ptr, log.data.len, ctx, m2, scratch);
            deps_memo_free(m2);
            char *got = render(ts, ctx, NULL, scratch);
            total++;
            if (same) {
                skipped++;
                OK(want && got && strcmp(want, got) == 0,
                   "%s with %s: reads unchanged but the output differs: '%s' vs '%s'", TEMPLATES[t],
                   CHANGES[c].path, want ? want : "-", got ? got : "-");
            }
            if (how == NO_ANCHORS)
                plain_same[t][c] = same;
            else if (how == LISTED_PAGES)
                OK(same == plain_same[t][c], "%s with %s: as without anchors", TEMPLATES[t],
                   CHANGES[c].path);
            else if (same != plain_same[t][c]) {
                whole++;
                OK(!same && strncmp(CHANGES[c].path, "page", 4) == 0,
                   "%s with %s: only a change of the page read whole is found changed anew",
                   TEMPLATES[t], CHANGES[c].path);
            }
            free(got);
            arena_reset(scratch);
        }
        free(want);
        deps_log_free(&log);
        deps_memo_free(memo);
        arena_free(scratch);
        arena_free(a);
    }
    OK(skipped * 2 > total,
       "most changes are not read by a given template (%zu of %zu, anchors %d)", skipped, total,
       (int)how);
    if (how == ALL_PAGES)
        OK(whole > 0, "the page read whole finds changes of values it did not read (%zu)", whole);
}

/* A log split at `site` (deps_log_split, as build.c does for sitereads.h): for every
 * template and change, its two parts checked one after the other say what the one log of
 * the same render says; the reads of `site` are in the second part only, the others in
 * the first. */
static void
test_split_logs(void)
{
    size_t split_reads = 0, own_reads = 0;
    for (size_t t = 0; t < N_TEMPLATES; t++) {
        arena *a = arena_new(), *scratch = arena_new();
        template_set *ts = compile(TEMPLATES[t], a);
        deps_memo *memo = deps_memo_new();
        deps_log whole, own, site_part;
        deps_log_init(&whole, memo);
        deps_log_init(&own, memo);
        deps_log_init(&site_part, memo);
        deps_log_split(&own, &site_part, "site");
        value *base = parse(BASE, a);
        mark_anchors(base);
        char *want = render(ts, base, &whole, scratch);
        char *got = render(ts, base, &own, scratch);
        OK(want && got && strcmp(want, got) == 0, "%s: the same output with a split log",
           TEMPLATES[t]);
        OK(own.n + site_part.n == whole.n, "%s: every read in one part (%zu + %zu of %zu)",
           TEMPLATES[t], own.n, site_part.n, whole.n);
        OK(memmem(own.data.ptr ? own.data.ptr : "", own.data.len, "\4site", 5) == NULL,
           "%s: no read of site in the first part", TEMPLATES[t]);
        split_reads += site_part.n;
        own_reads += own.n;
        for (size_t c = 0; c < N_CHANGES; c++) {
            value *ctx = parse(BASE, a);
            apply(ctx, &CHANGES[c], a);
            mark_anchors(ctx);
            deps_memo *m2 = deps_memo_new();
            bool one = deps_check(whole.data.ptr, whole.data.len, ctx, m2, scratch);
            deps_memo_free(m2);
            m2 = deps_memo_new();
            bool two = deps_check(own.data.ptr, own.data.len, ctx, m2, scratch) &&
                       deps_check(site_part.data.ptr, site_part.data.len, ctx, m2, scratch);
            deps_memo_free(m2);
            OK(one == two, "%s with %s: the split log says %d, the whole %d", TEMPLATES[t],
               CHANGES[c].path, two, one);
            arena_reset(scratch);
        }
        deps_log_reset(&own);
        OK(own.n == 0 && site_part.n == 0 && site_part.data.len == 0,
           "%s: a reset empties both parts", TEMPLATES[t]);
        free(want);
        free(got);
        deps_log_free(&whole);
        deps_log_free(&own);
        deps_log_free(&site_part);
        deps_memo_free(memo);
        arena_free(scratch);
        arena_free(a);
    }
    OK(split_reads > 0 && own_reads > 0, "reads of site and of others (%zu, %zu)", split_reads,
       own_reads);
}

/* deps_check as a new build makes it: with a memo of its own (the log's memo holds
 * hashes of the values as they were when logged, and these tests change them in place). */
static bool
check_new(const deps_log *log, const value *ctx, arena *scratch)
{
    deps_memo *memo = deps_memo_new();
    bool same = deps_check(log->data.ptr, log->data.len, ctx, memo, scratch);
    deps_memo_free(memo);
    return same;
}

/* The cases the design is for: a page's own template does not depend on other pages'
 * bodies; a list depends on the titles it prints, not on the bodies. */
/* A long text's hash is remembered per value (a cohort's 230 KB Gantt chart, read by
 * many renders): the same as without the memo, different for another text. */
static void
test_long_text_memo(void)
{
    arena *a = arena_new();
    deps_memo *memo = deps_memo_new();
    size_t n = 50000;
    char *text = arena_alloc(a, n + 1);
    memset(text, 'g', n);
    text[n] = '\0';
    value *chart = value_new_string(a, text, n, SRC_NONE);
    char *other_text = arena_strndup(a, text, n);
    other_text[n / 2] = 'h';
    value *other = value_new_string(a, other_text, n, SRC_NONE);
    uint64_t plain = deps_hash(chart, DEPS_DEEP, NULL);
    OK(deps_hash(chart, DEPS_DEEP, memo) == plain,
       "a long text: the memo's first hash is the plain one");
    OK(deps_hash(chart, DEPS_DEEP, memo) == plain, "and its remembered one");
    OK(deps_hash(other, DEPS_DEEP, memo) != plain &&
           deps_hash(other, DEPS_DEEP, memo) == deps_hash(other, DEPS_DEEP, NULL),
       "another long text differing in one byte hashes differently");
    value *list = value_new_list(a, SRC_NONE);
    value_list_push(list, chart, a);
    value *list2 = value_new_list(a, SRC_NONE);
    value_list_push(list2, other, a);
    OK(deps_hash(list, DEPS_DEEP, memo) != deps_hash(list2, DEPS_DEEP, memo),
       "so do lists holding them");
    deps_memo_free(memo);
    arena_free(a);
}

/* A text made with its hash (restored from the cache: serial.c, memo.c) is not hashed
 * again: deps_hash takes str.hash. value_string_hash is what a text hashes to. */
static void
test_known_text_hash(void)
{
    arena *a = arena_new();
    value *text = value_new_cstr(a, "<svg>a chart</svg>", SRC_NONE);
    uint64_t walked = deps_hash(text, DEPS_DEEP, NULL);
    OK(walked == value_string_hash(text->as.str.ptr, text->as.str.len),
       "value_string_hash gives a text's deep hash");
    value *known = value_new_cstr(a, "<svg>a chart</svg>", SRC_NONE);
    known->as.str.hash = walked;
    value *map = value_new_map(a, SRC_NONE), *map2 = value_new_map(a, SRC_NONE);
    value_map_set(map, "timeline_svg", text, a);
    value_map_set(map2, "timeline_svg", known, a);
    OK(deps_hash(map, DEPS_DEEP, NULL) == deps_hash(map2, DEPS_DEEP, NULL),
       "a map holding a text with its hash hashes as one holding the text alone");
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    /* outside sanitizer builds (which check it against the bytes, and stop) the known
     * hash is taken as it is: shown with one that is not the text's */
    value *fake = value_new_cstr(a, "<svg>a chart</svg>", SRC_NONE);
    fake->as.str.hash = walked ^ 1;
    OK(deps_hash(fake, DEPS_DEEP, NULL) == (walked ^ 1), "a known text hash is taken, not made");
#endif
    arena_free(a);
}

static void
test_specific(void)
{
    arena *a = arena_new(), *scratch = arena_new();
    deps_memo *memo = deps_memo_new();
    deps_log log;
    deps_log_init(&log, memo);
    template_set *ts = compile(TEMPLATES[6], a); /* the breadcrumb */
    value *base = parse(BASE, a);
    free(render(ts, base, &log, scratch));
    value *ctx = parse(BASE, a);
    apply(ctx, &(change){"site.sections.projects.pages.0.content", "zzz"}, a);
    OK(check_new(&log, ctx, scratch), "the breadcrumb does not depend on the section's pages");
    apply(ctx, &(change){"site.sections.projects.title", "P"}, a);
    OK(!check_new(&log, ctx, scratch), "the breadcrumb depends on the section's title");

    ts = compile(TEMPLATES[8], a); /* titles of a list */
    deps_log_reset(&log);
    free(render(ts, base, &log, scratch));
    ctx = parse(BASE, a);
    apply(ctx, &(change){"site.projects.1.content", "other"}, a);
    OK(check_new(&log, ctx, scratch), "a list of titles does not depend on the bodies");
    apply(ctx, &(change){"site.projects.1.title", "B2"}, a);
    OK(!check_new(&log, ctx, scratch), "a list of titles depends on each title");

    /* where(...) | length reads the attribute of each item, not the items whole */
    ts = compile(TEMPLATES[7], a);
    deps_log_reset(&log);
    free(render(ts, base, &log, scratch));
    ctx = parse(BASE, a);
    apply(ctx, &(change){"site.projects.1.content", "other"}, a);
    OK(check_new(&log, ctx, scratch), "counting by status does not depend on the bodies");
    apply(ctx, &(change){"site.projects.0.status", "transferred"}, a);
    OK(!check_new(&log, ctx, scratch), "counting by status depends on each status");

    /* a lookup (where | first) depends on the item it finds, not on the others */
    ts = compile(TEMPLATES[sizeof TEMPLATES / sizeof TEMPLATES[0] - 1], a);
    deps_log_reset(&log);
    free(render(ts, base, &log, scratch));
    ctx = parse(BASE, a);
    apply(ctx, &(change){"site.projects.0.content", "other"}, a);
    apply(ctx, &(change){"site.projects.2.title", "C3"}, a);
    OK(check_new(&log, ctx, scratch), "a lookup does not depend on the other items");
    apply(ctx, &(change){"site.projects.1.title", "B3"}, a);
    OK(!check_new(&log, ctx, scratch), "a lookup depends on the item it found");

    /* a loop over `| reverse` reads its items by their paths, not the list whole */
    ts = compile("{% for p in site.projects | reverse %}{{ p.title }}{% endfor %}", a);
    deps_log_reset(&log);
    free(render(ts, base, &log, scratch));
    ctx = parse(BASE, a);
    apply(ctx, &(change){"site.projects.1.content", "other"}, a);
    OK(check_new(&log, ctx, scratch), "a reversed list of titles does not depend on the bodies");
    apply(ctx, &(change){"site.projects.0.title", "A2"}, a);
    OK(!check_new(&log, ctx, scratch), "a reversed list of titles depends on each title");

    /* xs | last reads the last item's path, not the list whole */
    ts = compile("{{ (site.projects | last).title }}", a);
    deps_log_reset(&log);
    free(render(ts, base, &log, scratch));
    ctx = parse(BASE, a);
    apply(ctx, &(change){"site.projects.2.content", "other"}, a);
    apply(ctx, &(change){"site.projects.0.title", "A2"}, a);
    OK(check_new(&log, ctx, scratch), "the last item's title does not depend on the others");
    apply(ctx, &(change){"site.projects.2.title", "C2"}, a);
    OK(!check_new(&log, ctx, scratch), "the last item's title depends on it");

    /* {% set %} binds a path: what is read of the name counts, not the whole value */
    ts = compile("{% set p = site.projects[1] %}{{ p.title }}", a);
    deps_log_reset(&log);
    free(render(ts, base, &log, scratch));
    ctx = parse(BASE, a);
    apply(ctx, &(change){"site.projects.1.content", "other"}, a);
    OK(check_new(&log, ctx, scratch), "a set name's title does not depend on the body");
    apply(ctx, &(change){"site.projects.1.title", "B2"}, a);
    OK(!check_new(&log, ctx, scratch), "a set name's title depends on the title");

    /* damaged logs are never trusted */
    deps_log_reset(&log);
    free(render(ts, base, &log, scratch));
    OK(!deps_check(log.data.ptr, log.data.len - 1, base, memo, scratch), "a cut log fails");
    char *bad = malloc(log.data.len);
    memcpy(bad, log.data.ptr, log.data.len);
    bad[0] = 9; /* no such kind */
    OK(!deps_check(bad, log.data.len, base, memo, scratch), "a bad kind fails");
    free(bad);
    deps_log_free(&log);
    deps_memo_free(memo);
    arena_free(scratch);
    arena_free(a);
}

/* Reads through an anchor: taken as unchanged when the same steps reach an anchor of the
 * same deep hash (a page another build made anew), checked value by value otherwise; an
 * anchor number the log never gave is a damaged log. */
static void
test_anchors(void)
{
    arena *a = arena_new(), *scratch = arena_new();
    deps_memo *memo = deps_memo_new();
    deps_log log;
    deps_log_init(&log, memo);
    template_set *ts = compile("{{ page.title }}{% for p in site.projects %}{{ p.title }}{{ "
                               "page.summary }}{% endfor %}",
                               a);
    value *base = parse(BASE, a);
    mark_anchors(base);
    free(render(ts, base, &log, scratch));
    OK(log.n_anchors == 4, "the page and three projects are anchors (%zu)", log.n_anchors);
    value *ctx = parse(BASE, a);
    mark_anchors(ctx);
    OK(check_new(&log, ctx, scratch), "the same pages, made anew: unchanged");
    apply(ctx, &(change){"site.projects.1.content", "other"}, a);
    mark_anchors(ctx);
    OK(check_new(&log, ctx, scratch),
       "another body in a listed page: its hash differs, its title is read again, unchanged");
    apply(ctx, &(change){"site.projects.1.status", "active"}, a);
    mark_anchors(ctx);
    OK(check_new(&log, ctx, scratch), "a value of a listed page that was not read: unchanged");
    apply(ctx, &(change){"page.params.note", "'x'"}, a);
    mark_anchors(ctx);
    OK(!check_new(&log, ctx, scratch), "a value of the output's own page, read whole: changed");
    ctx = parse(BASE, a);
    mark_anchors(ctx);
    apply(ctx, &(change){"site.projects.2.status", "active"}, a);
    mark_anchors(ctx);
    apply(ctx, &(change){"site.projects.2.title", "C2"}, a);
    mark_anchors(ctx);
    OK(!check_new(&log, ctx, scratch), "a listed page's title: changed");
    ctx = parse(BASE, a);
    mark_anchors(ctx);
    value *projects = value_map_get(value_map_get(ctx, "site"), "projects");
    value *first = projects->as.list.items[0];
    projects->as.list.items[0] = projects->as.list.items[2];
    projects->as.list.items[2] = first;
    OK(!check_new(&log, ctx, scratch), "the same pages in another order: changed");
    ctx = parse(BASE, a);
    OK(check_new(&log, ctx, scratch), "no anchors in the new context: checked value by value");

    /* the output's own page: everything read of it is one read of all of it */
    deps_log_reset(&log);
    ts = compile("{{ page.title }}{% for t in page.tags %}{{ t }}{% endfor %}{% if "
                 "page.params.note %}n{% endif %}",
                 a);
    free(render(ts, base, &log, scratch));
    const unsigned char *p = (const unsigned char *)log.data.ptr;
    /* kind, shared 0, more 1, step page, anchor 1 (after one step), number 0, hashes */
    OK(log.n == 1 && log.n_anchors == 1 && p[0] == DEPS_DEEP && p[1] == 0 && p[2] == 1 &&
           log.data.len == 3 + 2 + strlen("page") + 2 + 8 + 8,
       "the page's reads: one read of it whole (%zu reads, %zu bytes)", log.n, log.data.len);

    /* the log's anchor numbers: the first read through an anchor gives its hash (an
     * anchor that is not the root's page: its reads are logged one by one) */
    deps_log_reset(&log);
    OK(log.n_anchors == 0, "a reset log has no anchors");
    value *own = value_map_get(base, "page");
    value_map_set(base, "doc", own, a);
    own->anchor = true;
    ts = compile("{{ doc.title }}", a);
    free(render(ts, base, &log, scratch));
    /* kind, shared 0, more 2, steps doc and title, anchor 1 (after one step), number 0 */
    p = (const unsigned char *)log.data.ptr;
    OK(log.n_anchors == 1 && p[0] == DEPS_DEEP && p[1] == 0 && p[2] == 2,
       "one read of two steps through one anchor");
    size_t at = 3 + 2 + strlen("doc") + 2 + strlen("title"); /* op and length each */
    OK(at + 2 + 8 + 8 == log.data.len && p[at] == 1 && p[at + 1] == 0,
       "anchor after step 1, number 0, its hash and the read's (%zu bytes)", log.data.len);
    char *bad = malloc(log.data.len);
    memcpy(bad, log.data.ptr, log.data.len);
    bad[at + 1] = 1; /* an anchor number never given */
    OK(!deps_check(bad, log.data.len, base, memo, scratch), "an unknown anchor number fails");
    bad[at + 1] = 0;
    bad[at] = 3; /* more steps than the read has */
    OK(!deps_check(bad, log.data.len, base, memo, scratch), "an anchor beyond the path fails");
    free(bad);
    deps_log_free(&log);
    deps_memo_free(memo);
    arena_free(scratch);
    arena_free(a);
}

/* The results of `where` kept for the next renders of a thread: only for the same
 * list, attribute and value. */
/* Renders src from ctx with cache (the `where` results it keeps) and log; checks that it
 * renders, and gives want (msg names the check); the scratch arena is reset after. */
static void
render_where(const char *src, const value *ctx, template_cache *cache, deps_log *log, arena *a,
             arena *scratch, const char *want, const char *msg)
{
    template_set *ts = compile(src, a);
    diag *d = diag_new();
    buf out = BUF_INIT;
    deps_log_reset(log);
    OK(template_render_logged(&out, ts, "t.html", ctx, scratch, log, cache, d), "render %s", src);
    STR_EQ(out.ptr, want, msg);
    buf_free(&out);
    diag_free(d);
    arena_reset(scratch);
}

static void
test_where_cache(void)
{
    arena *a = arena_new(), *scratch = arena_new();
    deps_memo *memo = deps_memo_new();
    deps_log log;
    deps_log_init(&log, memo);
    template_cache *cache = template_cache_new(NULL);
    value *ctx = parse(BASE, a);
    static const char *const cases[][2] = {
        {"{{ site.projects | where(attribute=\"status\", value=\"active\") | length }}", "2"},
        {"{{ site.projects | where(attribute=\"status\", value=\"transferred\") | length }}", "1"},
        {"{{ site.projects | where(attribute=\"status\", value=\"active\") | map(attribute="
         "\"title\") | join(sep=\",\") }}",
         "A,C"},
        {"{{ site.projects | where(attribute=\"title\", value=\"B\") | length }}", "1"},
        {"{{ site.projects | where(attribute=\"status\") | length }}", "3"},
        {"{{ site.projects | where(attribute=\"status\", value=1) | length }}", "0"},
        {"{{ site.projects | where(attribute=\"n\", value=1) | length }}", "2"},
        {"{{ site.projects | where(attribute=\"n\", value=2) | length }}", "1"},
    };
    for (int round = 0; round < 2; round++) /* the second round reads the cache */
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            render_where(cases[i][0], ctx, cache, &log, a, scratch, cases[i][1], cases[i][0]);
    /* another list (a new build's values): not the cached result */
    value *other = parse(BASE, a);
    apply(other, &(change){"site.projects.0.status", "stopped"}, a);
    render_where(cases[0][0], other, cache, &log, a, scratch, "1",
                 "another list is filtered again");
    /* a reversed list is made in the scratch arena, whose addresses the next render takes
     * again: two renders of two reversed lists, not one's result for the other */
    value *lists = parse("site:\n  xs: [{s: a, t: 1}, {s: b, t: 2}]\n"
                         "  ys: [{s: a, t: 3}, {s: a, t: 4}]\n",
                         a);
    static const char *const reversed[][2] = {
        {"{{ site.xs | reverse | where(attribute=\"s\", value=\"a\") | map(attribute=\"t\") "
         "| join(sep=\",\") }}",
         "1"},
        {"{{ site.ys | reverse | where(attribute=\"s\", value=\"a\") | map(attribute=\"t\") "
         "| join(sep=\",\") }}",
         "4,3"},
    };
    for (size_t i = 0; i < 2; i++)
        render_where(reversed[i][0], lists, cache, &log, a, scratch, reversed[i][1],
                     reversed[i][0]);
    template_cache_free(cache);
    deps_log_free(&log);
    deps_memo_free(memo);
    arena_free(scratch);
    arena_free(a);
}

/* Renders ts's t.html from ctx with frags kept by the caller. */
static char *
render_kept(const template_set *ts, const value *ctx, template_frags *frags, deps_log *log,
            arena *scratch)
{
    diag *d = diag_new();
    buf out = BUF_INIT;
    template_cache *cache = template_cache_new(frags);
    deps_log_reset(log);
    bool ok = template_render_logged(&out, ts, "t.html", ctx, scratch, log, cache, d);
    OK(ok && diag_error_count(d) == 0, "render");
    template_cache_free(cache);
    diag_free(d);
    arena_reset(scratch);
    return buf_detach(&out);
}

/* The site of BASE with its pages marked, and a log, for the tests of cached includes
 * (CARDS_LOOP: a card per project). */
static const char CARDS_LOOP[] =
    "{% for p in site.projects %}{% include \"card.html\" cached %}{% endfor %}";

static value *
cards_open(arena **a, arena **scratch, deps_memo **memo, deps_log *log)
{
    *a = arena_new();
    *scratch = arena_new();
    *memo = deps_memo_new();
    deps_log_init(log, *memo);
    value *ctx = parse(BASE, *a);
    mark_anchors(ctx);
    return ctx;
}

static void
cards_close(arena *a, arena *scratch, deps_memo *memo, deps_log *log)
{
    deps_log_free(log);
    deps_memo_free(memo);
    arena_free(scratch);
    arena_free(a);
}

/* {% include ... cached %}: an output is reused only for the same variables and the same
 * reads of the root context, and the log is the same whether it was reused or not. The
 * reuse is seen by changing a value in place, which a build never does while it renders. */
static void
test_cached_include(void)
{
    arena *a, *scratch;
    deps_memo *memo;
    deps_log log;
    value *ctx = cards_open(&a, &scratch, &memo, &log);
    template_frags *frags = template_frags_new(template_frags_budget(1));
    const template_set *loop = compile(CARDS_LOOP, a);
    char *first = render_kept(loop, ctx, frags, &log, scratch);
    STR_EQ(first, "[A|a|Programme|12][B||Programme|12][C|a|Programme|12]", "the cards");
    buf log1 = BUF_INIT;
    buf_append(&log1, log.data.ptr, log.data.len);

    /* the same values: reused, and logged alike */
    value *a_title =
        value_map_get(value_map_get(ctx, "site")->as.map.pairs[2].val->as.list.items[0], "title");
    OK(a_title && a_title->type == VALUE_STRING, "site.projects[0].title");
    a_title->as.str.ptr = "Z";
    char *again = render_kept(loop, ctx, frags, &log, scratch);
    STR_EQ(again, first, "the kept outputs are reused (the title changed in place is not seen)");
    buf log2 = BUF_INIT;
    buf_append(&log2, log.data.ptr, log.data.len);
    template_frags *none = template_frags_new(template_frags_budget(1));
    char *anew = render_kept(loop, ctx, none, &log, scratch);
    template_frags_free(none);
    STR_EQ(anew, "[Z|a|Programme|12][B||Programme|12][C|a|Programme|12]", "without them: Z");
    OK(log.data.len == log2.len && memcmp(log.data.ptr, log2.ptr, log2.len) == 0,
       "a reuse logs what a render logs (%zu and %zu bytes)", log2.len, log.data.len);
    OK(log1.len == log2.len && memcmp(log1.ptr, log2.ptr, log2.len) != 0,
       "the log has the value as it is now (its hash)");
    free(anew);
    buf_free(&log2);
    a_title->as.str.ptr = "A";

    /* a read of the root context that sees another value: rendered anew */
    value *site = value_map_get(ctx, "site");
    value *site_title = value_map_get(site, "title");
    site_title->as.str.ptr = "Other";
    site_title->as.str.len = 5;
    char *other = render_kept(loop, ctx, frags, &log, scratch);
    STR_EQ(other, "[A|a|Other|12][B||Other|12][C|a|Other|12]", "site.title changed: rendered anew");
    site_title->as.str.ptr = "Programme";
    site_title->as.str.len = 9;
    char *back = render_kept(loop, ctx, frags, &log, scratch);
    STR_EQ(back, first, "and the first outputs fit again");

    /* a name from the root context in one use, a variable in the next: not the same */
    static const char SHADOW[] = "{% set p = site.projects[1] %}{% include \"card.html\" cached %}"
                                 "{% for page in site.projects %}{% include \"card.html\" cached "
                                 "%}{% endfor %}";
    char *shadow = render_kept(compile(SHADOW, a), ctx, frags, &log, scratch);
    STR_EQ(shadow, "[B||Programme|12][B||Programme|][B||Programme|][B||Programme|]",
           "page as a loop variable (no tags) is not the root context's page");

    /* a variable the template made (not a value of the model): rendered every time */
    static const char MADE[] =
        "{% for t in [\"x\", \"y\"] %}{% set p = {\"title\": t} %}{% include \"card.html\" "
        "cached %}{% endfor %}";
    char *made = render_kept(compile(MADE, a), ctx, frags, &log, scratch);
    STR_EQ(made, "[x||Programme|12][y||Programme|12]", "made values are not keys");

    /* what the reused output read through p is logged as p whole: an edit of the item
     * is seen, an edit of another item is not */
    free(render_kept(loop, ctx, frags, &log, scratch));
    value *changed = parse(BASE, a);
    mark_anchors(changed);
    apply(changed, &(change){"site.projects.0.content", "other"}, a);
    OK(!check_new(&log, changed, scratch), "a listed item changed: the list renders again");
    changed = parse(BASE, a);
    mark_anchors(changed);
    apply(changed, &(change){"site.sections.news.url", "/n/"}, a);
    OK(check_new(&log, changed, scratch), "what no card reads: the list is kept");
    changed = parse(BASE, a);
    mark_anchors(changed);
    apply(changed, &(change){"page.tags", "[a]"}, a);
    OK(!check_new(&log, changed, scratch), "the root context a card reads: the list renders again");

    template_frags_free(frags);
    buf_free(&log1);
    free(first);
    free(again);
    free(other);
    free(back);
    free(shadow);
    free(made);
    cards_close(a, scratch, memo, &log);
}

/* The kept outputs of cached includes stop at their budget: past it, an include renders
 * every time (seen, as above, by a value changed in place); and the budget grows with the
 * pass, so that a large site's list items all fit. */
/* What a lookup makes in the scratch arena (a reversed list) is not remembered by its
 * address: once the arena is reset, another list can take the same one. Two renders (and
 * then two checks) on one worker's memo and scratch, of two reversed lists. */
static void
test_scratch_lists(void)
{
    static const char CTX[] = "site:\n  a: [{t: x}, {t: y}]\n  b: [{t: p}, {t: q}]\n";
    arena *a = arena_new(), *scratch = arena_new();
    value *ctx = parse(CTX, a);
    deps_memo *memo = deps_memo_new();
    deps_log la, lb;
    deps_log_init(&la, memo);
    deps_log_init(&lb, memo);
    const template_set *ta =
        compile("{{ site.a | reverse | map(attribute=\"t\") | join(sep=\",\") }}", a);
    const template_set *tb =
        compile("{{ site.b | reverse | map(attribute=\"t\") | join(sep=\",\") }}", a);
    char *out_a = render(ta, ctx, &la, scratch);
    arena_reset(scratch);
    char *out_b = render(tb, ctx, &lb, scratch);
    arena_reset(scratch);
    STR_EQ(out_b, "q,p", "the second list reversed");
    OK(check_new(&lb, ctx, scratch), "the second render's log holds what it read");
    value *changed = parse(CTX, a);
    apply(changed, &(change){"site.b.0.t", "z"}, a);
    deps_memo *m2 = deps_memo_new();
    OK(deps_check(la.data.ptr, la.data.len, changed, m2, scratch), "the first list: unchanged");
    arena_reset(scratch);
    OK(!deps_check(lb.data.ptr, lb.data.len, changed, m2, scratch),
       "the second list, checked next on the same memo: changed");
    free(out_a);
    free(out_b);
    deps_memo_free(m2);
    deps_log_free(&la);
    deps_log_free(&lb);
    deps_memo_free(memo);
    arena_free(scratch);
    arena_free(a);
}

static void
test_frags_budget(void)
{
    size_t least = (size_t)32 << 20;
    OK(template_frags_budget(0) == least && template_frags_budget(1000) == least,
       "a small pass: 32 MiB");
    OK(template_frags_budget(50000) == (size_t)50000 * 4096, "50,000 renders: 4 KiB each (%zu)",
       template_frags_budget(50000));
    OK(template_frags_budget(SIZE_MAX / 2) == SIZE_MAX, "no overflow");

    arena *a, *scratch;
    deps_memo *memo;
    deps_log log;
    value *ctx = cards_open(&a, &scratch, &memo, &log);
    const template_set *loop = compile(CARDS_LOOP, a);
    template_frags *one = template_frags_new(1); /* room for the first output only */
    char *first = render_kept(loop, ctx, one, &log, scratch);
    STR_EQ(first, "[A|a|Programme|12][B||Programme|12][C|a|Programme|12]", "the cards");
    const value *projects = value_map_get(value_map_get(ctx, "site"), "projects");
    value *titles[2] = {value_map_get(projects->as.list.items[0], "title"),
                        value_map_get(projects->as.list.items[1], "title")};
    OK(titles[0] && titles[1] && titles[0]->type == VALUE_STRING && titles[1]->type == VALUE_STRING,
       "the titles");
    titles[0]->as.str.ptr = "Y";
    titles[1]->as.str.ptr = "Z";
    char *again = render_kept(loop, ctx, one, &log, scratch);
    STR_EQ(again, "[A|a|Programme|12][Z||Programme|12][C|a|Programme|12]",
           "the first card kept (its title changed in place is not seen), the next rendered anew");
    template_frags *room = template_frags_new(template_frags_budget(3));
    titles[0]->as.str.ptr = "A";
    titles[1]->as.str.ptr = "B";
    free(render_kept(loop, ctx, room, &log, scratch));
    titles[1]->as.str.ptr = "Z";
    char *kept = render_kept(loop, ctx, room, &log, scratch);
    STR_EQ(kept, first, "within the budget, every card is kept");
    titles[1]->as.str.ptr = "B";

    template_frags_free(one);
    template_frags_free(room);
    free(first);
    free(again);
    free(kept);
    cards_close(a, scratch, memo, &log);
}

/* deps_hash_early() then deps_hash_late(): maps told apart by any pair, the late ones by
 * their places too, and the early hash blind to the late pairs (memo.c's page hashes). */
static void
test_early_late(void)
{
    arena *a = arena_new();
    static const char *const late[] = {"data", "content", NULL};
    value *m = parse("title: A\ndata: {x: 1}\ntags: [a, b]\ncontent: <p>x</p>\n", a);
    uint64_t early = deps_hash_early(m, late, NULL);
    uint64_t whole = deps_hash_late(early, m, late, NULL);
    OK(deps_hash_early(parse("title: A\ntags: [a, b]\n", a), late, NULL) == early,
       "the early hash leaves the late pairs out, wherever they are");
    OK(deps_hash_late(early, parse("title: A\ndata: {x: 1}\ntags: [a, b]\ncontent: <p>x</p>\n", a),
                      late, NULL) == whole,
       "the same map hashes the same");
    static const char *const others[] = {
        "title: B\ndata: {x: 1}\ntags: [a, b]\ncontent: <p>x</p>\n", /* an early pair */
        "title: A\ndata: {x: 1}\ntags: [a, c]\ncontent: <p>x</p>\n", /* deep in one */
        "title: A\ndata: {x: 2}\ntags: [a, b]\ncontent: <p>x</p>\n", /* a late pair */
        "title: A\ndata: {x: 1}\ntags: [a, b]\ncontent: <p>y</p>\n",
        "title: A\ndata: {x: 1}\ntags: [a, b]\n",                    /* one gone */
        "data: {x: 1}\ntitle: A\ntags: [a, b]\ncontent: <p>x</p>\n", /* moved */
        "title: A\ntags: [a, b]\ndata: {x: 1}\ncontent: <p>x</p>\n",
        "title: A\ndata: {x: 1}\ntags: [a, b]\ncontent: <p>x</p>\nz: 1\n", /* added */
        "tags: [a, b]\ntitle: A\ndata: {x: 1}\ncontent: <p>x</p>\n",       /* early reordered */
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        value *o = parse(others[i], a);
        OK(deps_hash_late(deps_hash_early(o, late, NULL), o, late, NULL) != whole,
           "a changed map: %s", others[i]);
    }
    /* a late key that was there before the plugins, as a page's own summary is */
    value *before = parse("title: A\ncontent: old\n", a);
    value *after = parse("title: A\ncontent: new\n", a);
    OK(deps_hash_early(before, late, NULL) == deps_hash_early(after, late, NULL) &&
           deps_hash_late(deps_hash_early(before, late, NULL), after, late, NULL) !=
               deps_hash_late(deps_hash_early(before, late, NULL), before, late, NULL),
       "a late pair replaced in place changes the hash");
    value *text = parse("x: abc\n", a)->as.map.pairs[0].val;
    OK(deps_hash_late(deps_hash_early(text, late, NULL), text, late, NULL) ==
           deps_hash(text, DEPS_DEEP, NULL),
       "not a map: the deep hash");
    /* known hashes (a restored page's front matter, memo.c): the same hashes, and used */
    value *front = parse("title: A\ntags: [a, b]\nteam: [{name: X, role: student}]\n", a);
    value *page = parse("title: T\ntags: [a, b]\nteam: [{name: X, role: student}]\n"
                        "params: 0\ndata: {x: 1}\n",
                        a);
    size_t n = front->as.map.len;
    const value *vals[8];
    uint64_t hashes[8];
    for (size_t i = 0; i < n; i++) { /* the page shares the front matter's values, as site.c */
        if (i > 0)
            page->as.map.pairs[i].val = front->as.map.pairs[i].val;
        vals[i] = front->as.map.pairs[i].val;
        hashes[i] = deps_hash(vals[i], DEPS_DEEP, NULL);
    }
    page->as.map.pairs[3].val = front; /* params */
    vals[n] = front;
    hashes[n] = deps_hash_map_of(front, hashes);
    OK(hashes[n] == deps_hash(front, DEPS_DEEP, NULL), "a map's hash from its pairs' hashes");
    deps_known known = {vals, hashes, n + 1};
    OK(deps_hash_early(page, late, &known) == deps_hash_early(page, late, NULL),
       "known hashes make the same early hash");
    hashes[2]++; /* team */
    OK(deps_hash_early(page, late, &known) != deps_hash_early(page, late, NULL),
       "a known hash is taken for its value, not walked");
    hashes[2]--;
    hashes[n]++; /* params, found by its value at another place */
    OK(deps_hash_early(page, late, &known) != deps_hash_early(page, late, NULL),
       "a known value is found in another place");
    hashes[n]--;
    /* known hashes of late pairs (memo.c's page.late_vals, made as they were set) */
    uint64_t e = deps_hash_early(m, late, NULL);
    const value *late_vals[2] = {value_map_get(m, "content"), value_map_get(m, "data")};
    uint64_t late_hashes[2] = {deps_hash(late_vals[0], DEPS_DEEP, NULL),
                               deps_hash(late_vals[1], DEPS_DEEP, NULL)};
    deps_known late_known = {late_vals, late_hashes, 2};
    OK(deps_hash_late(e, m, late, &late_known) == whole, "known late hashes make the same hash");
    late_hashes[1]++;
    OK(deps_hash_late(e, m, late, &late_known) != whole, "a known late hash is taken, not walked");
    value *copy = parse("title: A\ndata: {x: 1}\ntags: [a, b]\ncontent: <p>x</p>\n", a);
    OK(deps_hash_late(e, copy, late, &late_known) == whole,
       "an equal value elsewhere is walked: a hash is taken by the value's address");
    arena_free(a);
}

int
main(void)
{
    test_cached_include();
    test_frags_budget();
    test_scratch_lists();
    test_where_cache();
    test_sound_and_precise(NO_ANCHORS);
    test_sound_and_precise(LISTED_PAGES);
    test_sound_and_precise(ALL_PAGES);
    test_split_logs();
    test_anchors();
    test_long_text_memo();
    test_known_text_hash();
    test_early_late();
    test_specific();
    return harness_done();
}
