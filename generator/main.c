/* SPDX-License-Identifier: MIT
 * main.c - the command line: parse arguments, run the build (or the check), print
 * diagnostics sorted, pick the exit status (0 built, 1 errors in the site, 2 bad usage). */
#include "buf.h"
#include "build.h"
#include "check.h"
#include "diag.h"
#include "feed.h"
#include "fs.h"
#include "markdown.h"
#include "pool.h"
#include "profile.h"
#include "progress.h"
#include "scaffold.h"
#include "serve.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: clinfolio <command> [options]\n"
    "\n"
    "commands:\n"
    "  build            generate the site into the output folder\n"
    "  check            run every check of a build, write nothing, print a summary\n"
    "  serve            build into a private folder, serve it on 127.0.0.1, rebuild\n"
    "                   and reload open pages on every change (Ctrl-C to stop)\n"
    "  new KIND TITLE   write a draft page from an archetype (KIND: project, report, news)\n"
    "  init DIR         create a small working site in DIR (new or empty)\n"
    "  help             show this help\n"
    "  version          show the version\n"
    "\n"
    "build options:\n"
    "  -s, --source DIR     the site folder, holding site.yaml (default: .)\n"
    "  -o, --output DIR     where to write the site (default: <source>/public)\n"
    "  -D, --drafts         also publish pages marked draft: true\n"
    "      --future         also publish pages dated in the future\n"
    "  -f, --force          replace an output folder that clinfolio did not make\n"
    "      --clean          render every page (ignore what the last build remembered)\n"
    "      --profile        after the build, the time of each template's renders and of\n"
    "                       each plugin hook's calls, the most first\n"
    "  -b, --base-url URL   replace site.yaml's base_url (e.g. http://localhost:8080/)\n"
    "  -j, --jobs N         worker threads (default: one per processor)\n"
    "      --strict         treat warnings as errors\n"
    "  -q, --quiet          print errors only (no warnings, no summary line)\n"
    "  -v, --verbose        also print the thread count and the number of warnings\n"
    "  -h, --help           show this help\n"
    "      --version        show the version\n"
    "\n"
    "check options: -s, -D, --future, -j, --strict, -q and -h as for build, and\n"
    "      --format FORMAT  text: diagnostics on standard error, a summary on\n"
    "                       standard output (the default); json: both as one JSON\n"
    "                       document on standard output\n"
    "\n"
    "serve options: -s, -D, --future, -j and -h as for build, and\n"
    "  -v, --verbose        after each rebuild, the milliseconds of each of its parts\n"
    "  -p, --port PORT      the port (default: 1313, or the next free one of 10; 0: any)\n"
    "      --bind ADDR      the address to listen on (default: 127.0.0.1)\n"
    "      --open           open the site in the browser (xdg-open)\n"
    "\n"
    "new options:\n"
    "  -s, --source DIR     the site folder (default: .)\n"
    "      --cohort C       the page's cohort (a project's defaults to this year)\n"
    "      --department D   the page's department\n"
    "      --slug SLUG      the file name (default: made from the title)\n"
    "  The page goes to content/<section>/<slug>.md; an existing file is never replaced.\n"
    "\n"
    "On a terminal, a build that runs over a second shows its progress on one line of\n"
    "standard error (not with -q). The installed themes and plugins are looked for in\n"
    "the folder named by the CLINFOLIO_DATADIR environment variable when it is set.\n"
    "The output folder is replaced only when the build succeeds, and only when it is\n"
    "empty or holds the .clinfolio-output file every build writes (or with --force).\n"
    "A build remembers what each page's render read, in .clinfolio-cache/ beside the\n"
    "output folder; the next build keeps the file of every page whose values did not\n"
    "change instead of rendering it again (the same bytes, inode and time).\n"
    "\"The future\" is after SOURCE_DATE_EPOCH when it is set, else after the clock.\n"
    "Exit status: 0 built or checked, 1 the site has errors (or warnings, with\n"
    "--strict; for serve: it could not start), 2 bad command line (for serve also:\n"
    "the port given with -p is in use). serve runs until Ctrl-C, which ends it as\n"
    "the signal does (status 130 in a shell).\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("clinfolio: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'clinfolio --help'.\n", stderr);
    return 2;
}

/* The whole of arg as a number from lo to hi into *out; false when it is not one. */
static bool
number_arg(const char *arg, long lo, long hi, long *out)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

/* -j N: the worker count into *workers, or the usage error's exit status (2). */
static int
jobs_arg(const char *arg, size_t *workers)
{
    long n;
    if (!number_arg(arg, 1, 256, &n))
        return usage_error("-j wants a number of threads from 1 to 256, not '%s'", arg);
    *workers = (size_t)n;
    return -1;
}

/* The usage error for what getopt_long returned as ':' (a missing value) or '?' (an
 * unknown option); `what` ends the unknown-option message (" for serve", or ""). */
static int
option_error(int ch, char **argv, const char *what)
{
    if (ch == ':')
        return usage_error("option '%s' needs a value", argv[optind - 1]);
    return usage_error("unknown option '%s'%s", argv[optind - 1], what);
}

/* The installed themes and plugins: $CLINFOLIO_DATADIR when set (tests, a moved
 * installation), else NULL for the folder compiled in. */
static const char *
datadir(void)
{
    const char *dir = getenv("CLINFOLIO_DATADIR");
    return dir && *dir ? dir : NULL;
}

/* The progress line: only on a terminal, and not with -q. */
static progress *
start_progress(int verbosity)
{
    return verbosity > 0 && isatty(STDERR_FILENO) ? progress_new(stderr, 1000) : NULL;
}

/* What the command line asked for (build and check share most options). */
typedef struct cli {
    build_options opt;
    int verbosity; /* 0 -q, 1, 2 -v */
    bool strict;
    bool json;    /* check --format json */
    bool profile; /* build --profile */
} cli;

enum { OPT_VERSION = 256, OPT_STRICT, OPT_FUTURE, OPT_FORMAT, OPT_CLEAN, OPT_PROFILE };

/* Reads argv into c. Returns -1 to go on, else the exit status (after --help, --version
 * or a usage error). Options of build that check does not take are unknown to check. */
static int
parse_options(cli *c, int argc, char **argv, bool check)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"drafts", no_argument, NULL, 'D'},
        {"base-url", required_argument, NULL, 'b'},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"force", no_argument, NULL, 'f'},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"future", no_argument, NULL, OPT_FUTURE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"clean", no_argument, NULL, OPT_CLEAN},
        {"profile", no_argument, NULL, OPT_PROFILE},
        {NULL, 0, NULL, 0},
    };
    *c = (cli){.opt = {.root = ".", .datadir = datadir()}, .verbosity = 1};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":s:o:Db:fj:qvh", longopts, NULL)) != -1) {
        if (check && (ch == 'o' || ch == 'b' || ch == 'f' || ch == 'v'))
            return usage_error("option '-%c' is for build, not check", ch);
        if (!check && ch == OPT_FORMAT)
            return usage_error("option '--format' is for check, not build");
        if (check && (ch == OPT_CLEAN || ch == OPT_PROFILE))
            return usage_error("option '--%s' is for build, not check",
                               ch == OPT_CLEAN ? "clean" : "profile");
        switch (ch) {
        case 's':
            c->opt.root = optarg;
            break;
        case 'o':
            c->opt.out_dir = optarg;
            break;
        case 'D':
            c->opt.drafts = true;
            break;
        case 'f':
            c->opt.force = true;
            break;
        case 'b':
            c->opt.base_url = optarg;
            break;
        case 'j': {
            int bad = jobs_arg(optarg, &c->opt.workers);
            if (bad >= 0)
                return bad;
            break;
        }
        case 'q':
            c->verbosity = 0;
            break;
        case 'v':
            c->verbosity = 2;
            break;
        case OPT_STRICT:
            c->strict = true;
            break;
        case OPT_FUTURE:
            c->opt.future = true;
            break;
        case OPT_CLEAN:
            c->opt.clean = true;
            break;
        case OPT_PROFILE:
            c->profile = true;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return usage_error("--format wants text or json, not '%s'", optarg);
            c->json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf("clinfolio %s\n", CLINFOLIO_VERSION);
            return 0;
        default:
            return option_error(ch, argv, "");
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return -1;
}

static int
cmd_build(int argc, char **argv)
{
    cli c;
    int done = parse_options(&c, argc, argv, false);
    if (done >= 0)
        return done;
    build_options opt = c.opt;
    int verbosity = c.verbosity;
    buf out_dir = BUF_INIT;
    if (!opt.out_dir) {
        fs_join(&out_dir, opt.root, "public");
        opt.out_dir = out_dir.ptr;
    }
    diag *d = diag_new();
    diag_set_strict(d, c.strict);
    build_stats stats = {0};
    double t0 = pool_now_ms();
    opt.progress = start_progress(verbosity);
    opt.cache_notes = verbosity > 1;
    opt.profile = c.profile ? profile_new() : NULL;
    bool ok = build_site(&opt, &stats, d);
    progress_free(opt.progress);
    double ms = pool_now_ms() - t0;
    diag_print(d, stderr, verbosity == 0);
    int status = ok ? 0 : 1;
    if (!ok) {
        size_t errors = diag_error_count(d);
        fprintf(stderr, "clinfolio: build failed with %zu error%s; %s left unchanged\n", errors,
                errors == 1 ? "" : "s", opt.out_dir);
    } else if (verbosity > 0) {
        printf("built %zu pages (%zu files) into %s in %.0f ms\n", stats.pages, stats.outputs,
               opt.out_dir, ms);
        if (verbosity > 1) {
            size_t threads = opt.workers ? opt.workers : pool_default_workers();
            size_t warnings = diag_warning_count(d);
            printf("%zu thread%s, %zu warning%s\n", threads, threads == 1 ? "" : "s", warnings,
                   warnings == 1 ? "" : "s");
            printf("rendered %zu of %zu pages; the other %zu were unchanged and kept\n",
                   stats.renders - stats.kept, stats.renders, stats.kept);
            printf("read %zu of %zu content files to load them; the others' metadata was as "
                   "last time\n",
                   stats.files - stats.files_unread, stats.files);
            printf("parsed the front matter of %zu of %zu files\n", stats.files - stats.files_kept,
                   stats.files);
            printf("checked the consistency rules of %zu of %zu files; the other findings "
                   "were kept\n",
                   stats.files - stats.rules_kept, stats.files);
            printf("converted the Markdown of %zu of %zu pages (parsed %s); plugin hooks %s\n",
                   stats.markdown - stats.markdown_kept, stats.markdown,
                   markdown_parses_in_parallel() ? "in parallel" : "one at a time",
                   stats.plugins_kept ? "not run (unchanged)" : "run");
            if (!stats.plugins_kept && stats.facts_calls)
                printf("page_facts hooks run %zu of %zu times; the other results were kept\n",
                       stats.facts_calls - stats.facts_kept, stats.facts_calls);
            if (!stats.plugins_kept && stats.hook_calls)
                printf("page hooks run %zu of %zu times (a plugin's hook for a page); the other "
                       "results were kept\n",
                       stats.hook_calls - stats.hooks_kept, stats.hook_calls);
            printf("image files: %zu made, %zu taken from the image cache\n", stats.images_made,
                   stats.images_reused);
            if (stats.data_files)
                printf("sitemap %s; %zu of %zu project list data files kept\n",
                       stats.sitemap_kept ? "kept" : "made", stats.facets_kept, stats.facets_files);
            build_stats_print_times(stdout, &stats);
        }
    }
    if (opt.profile && ok) {
        if (verbosity < 2) /* -v printed them */
            build_stats_print_times(stdout, &stats);
        profile_print(stdout, opt.profile, opt.workers ? opt.workers : pool_default_workers());
    }
    profile_free(opt.profile);
    diag_free(d);
    buf_free(&out_dir);
    return status;
}

/* clinfolio check: every pass of a build, nothing written; the diagnostics and a summary. */
static int
cmd_check(int argc, char **argv)
{
    cli c;
    int done = parse_options(&c, argc, argv, true);
    if (done >= 0)
        return done;
    c.opt.check_only = true;
    c.opt.report = check_report_new();
    diag *d = diag_new();
    diag_set_strict(d, c.strict);
    c.opt.progress = start_progress(c.verbosity);
    build_site(&c.opt, NULL, d);
    progress_free(c.opt.progress);
    if (c.json) {
        check_report_print_json(c.opt.report, d, stdout, c.verbosity == 0);
    } else {
        diag_print(d, stderr, c.verbosity == 0);
        if (c.verbosity > 0)
            check_report_print_text(c.opt.report, d, stdout);
    }
    int status = diag_error_count(d) ? 1 : 0;
    check_report_free(c.opt.report);
    diag_free(d);
    return status;
}

/* clinfolio serve: parse its options, then serve until a signal (serve.h). */
static int
cmd_serve(int argc, char **argv)
{
    enum { OPT_BIND = 300, OPT_OPEN };
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},
        {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, OPT_BIND},
        {"drafts", no_argument, NULL, 'D'},
        {"future", no_argument, NULL, OPT_FUTURE},
        {"open", no_argument, NULL, OPT_OPEN},
        {"jobs", required_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    serve_options opt = {.root = ".", .bind = "127.0.0.1", .port = -1, .datadir = datadir()};
    int ch;
    long n;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":s:p:Dj:vh", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            opt.root = optarg;
            break;
        case 'p':
            if (!number_arg(optarg, 0, 65535, &n))
                return usage_error("--port wants a port number from 0 to 65535, not '%s'", optarg);
            opt.port = (int)n;
            break;
        case OPT_BIND:
            opt.bind = optarg;
            break;
        case 'D':
            opt.drafts = true;
            break;
        case OPT_FUTURE:
            opt.future = true;
            break;
        case OPT_OPEN:
            opt.open_browser = true;
            break;
        case 'v':
            opt.verbose = true;
            break;
        case 'j': {
            int bad = jobs_arg(optarg, &opt.workers);
            if (bad >= 0)
                return bad;
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return option_error(ch, argv, " for serve");
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (!fs_is_dir(opt.root))
        return usage_error("no site folder '%s'", opt.root);
    return serve_run(&opt);
}

/* {====================================================================
 * new and init
 * ===================================================================== */

/* Today as YYYY-MM-DD: the local date, or SOURCE_DATE_EPOCH's (UTC) when it is set. */
static void
today(char out[11])
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long secs = sde && *sde ? strtoll(sde, &end, 10) : 0;
    struct tm tm;
    if (sde && *sde && *end == '\0' && secs >= 0) {
        time_t t = (time_t)secs;
        gmtime_r(&t, &tm);
    } else {
        time_t t = time(NULL);
        localtime_r(&t, &tm);
    }
    strftime(out, 11, "%Y-%m-%d", &tm);
}

enum { OPT_COHORT = 300, OPT_DEPARTMENT, OPT_SLUG };

/* clinfolio new KIND TITLE [--cohort C] [--department D] [--slug SLUG] [-s SITE] */
static int
cmd_new(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},
        {"cohort", required_argument, NULL, OPT_COHORT},
        {"department", required_argument, NULL, OPT_DEPARTMENT},
        {"slug", required_argument, NULL, OPT_SLUG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char date[11];
    today(date);
    scaffold_page_options o = {.root = ".", .datadir = datadir(), .date = date};
    int ch;
    opterr = 0;
    optind = 1;
    /* '+' would stop at the first operand; options may come after KIND and TITLE */
    while ((ch = getopt_long(argc, argv, ":s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            o.root = optarg;
            break;
        case OPT_COHORT:
            o.cohort = optarg;
            break;
        case OPT_DEPARTMENT:
            o.department = optarg;
            break;
        case OPT_SLUG:
            o.slug = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return option_error(ch, argv, "");
        }
    }
    if (argc - optind != 2)
        return usage_error("new wants a kind (project, report or news) and a title, e.g. "
                           "clinfolio new project \"Anti-fog goggles\"");
    o.kind = argv[optind];
    o.title = argv[optind + 1];
    if (strcmp(o.kind, "project") != 0 && strcmp(o.kind, "report") != 0 &&
        strcmp(o.kind, "news") != 0)
        return usage_error("unknown kind of page '%s' (kinds: project, report, news)", o.kind);
    diag *d = diag_new();
    buf path = BUF_INIT;
    bool ok = scaffold_page(&path, &o, d);
    diag_print(d, stderr, false);
    if (ok)
        printf("%s\n", path.ptr);
    buf_free(&path);
    diag_free(d);
    return ok ? 0 : 1;
}

/* clinfolio init DIR */
static int
cmd_init(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return usage_error("init wants one folder, e.g. clinfolio init my-site");
    diag *d = diag_new();
    bool ok = scaffold_site(argv[1], d);
    diag_print(d, stderr, false);
    if (ok)
        printf("created a site in %s: try clinfolio build -s %s\n", argv[1], argv[1]);
    diag_free(d);
    return ok ? 0 : 1;
}

/* }==================================================================== */

/* {====================================================================
 * signals: SIGINT, SIGTERM and SIGHUP remove the temporary output tree and cache files
 * (build_remove_temporaries()), then end the process as the signal would have
 * ===================================================================== */

static sigset_t cleanup_signals; /* written once by main, before any thread starts */

/* A thread of its own waits for the signals (blocked in every thread), so the cleanup
 * runs as ordinary code, not in a signal handler. */
static void *
signal_main(void *arg)
{
    (void)arg;
    int sig;
    if (sigwait(&cleanup_signals, &sig) != 0)
        return NULL;
    build_remove_temporaries();
    fprintf(stderr, "clinfolio: %s; the output folder is left unchanged\n", strsignal(sig));
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    _exit(128 + sig);
}

static void
catch_signals(void)
{
    /* a file size limit (ulimit -f) makes write() fail with EFBIG, reported like any
     * failed write, instead of killing the process */
    signal(SIGXFSZ, SIG_IGN);
    sigemptyset(&cleanup_signals);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        /* a signal ignored by whoever started us (nohup) stays ignored */
        if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
            sigaddset(&cleanup_signals, sigs[i]);
    }
    pthread_t t;
    if (pthread_sigmask(SIG_BLOCK, &cleanup_signals, NULL) == 0 &&
        pthread_create(&t, NULL, signal_main, NULL) == 0)
        pthread_detach(t);
    else
        pthread_sigmask(SIG_UNBLOCK, &cleanup_signals, NULL);
}

/* }==================================================================== */

/* main never calls setlocale: the C locale keeps number parsing (strtod), and string
 * order in Lua plugins (strcoll), the same on every machine, so builds are reproducible. */
int
main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("clinfolio %s\n", CLINFOLIO_VERSION);
        return 0;
    }
    if (strcmp(cmd, "build") == 0 || strcmp(cmd, "check") == 0 || strcmp(cmd, "serve") == 0) {
        /* the libraries' global tables are set up before any thread starts */
        markdown_global_init();
        feed_global_init();
        catch_signals(); /* before any other thread, so every thread blocks them */
        if (cmd[0] == 's')
            return cmd_serve(argc - 1, argv + 1);
        return cmd[0] == 'b' ? cmd_build(argc - 1, argv + 1) : cmd_check(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "new") == 0)
        return cmd_new(argc - 1, argv + 1);
    if (strcmp(cmd, "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    return usage_error("unknown command '%s' (commands: build, check, serve, new, init, help, "
                       "version)",
                       cmd);
}
