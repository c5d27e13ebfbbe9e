/* SPDX-License-Identifier: MIT
 * plugin.c - the Lua plugin host: sandboxed states with limits, read-only views of the
 * site model, data conversion both ways, and the hooks, shortcodes and filters. */
#include "plugin.h"

#include "buf.h"
#include "fs.h"
#include "hash.h"
#include "ident.h"
#include "pool.h"
#include "profile.h"
#include "selfcheck.h"
#include "serial.h"
#include "smallpool.h"
#include "strtab.h"
#include "text.h"
#include "xalloc.h"

#include <lauxlib.h>
#include <limits.h>
#include <locale.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>

#define MAX_DATA_DEPTH 64
#define HOOK_EVERY     1000 /* instructions between two limit checks */
/* The longest string a plugin may hand over as data, a filter's or a shortcode's result:
 * 64 MiB, above the bundled plugins' largest (the overall cohort Gantt SVG is about 1 KB
 * per project: 9.5 MiB at 10,000 projects). A generated file's content is written once,
 * never copied into pages, and may be larger: 256 MiB, the default Lua heap. */
#define STRING_MAX           ((size_t)64 << 20)
#define FILE_CONTENT_MAX_MIB 256
#define FILE_CONTENT_MAX     ((size_t)FILE_CONTENT_MAX_MIB << 20)

typedef struct plugin_host plugin_host;

/* The limit a call went over. Once one is hit nothing more of the call runs: the sandbox's
 * pcall and xpcall raise it again, and the count hook fires before every instruction. */
typedef enum limit_hit { LIMIT_NONE, LIMIT_CPU, LIMIT_TIME, LIMIT_MEMORY } limit_hit;

/* One Lua state: the main one (hooks, shortcodes) or a render worker's (filters). */
typedef struct lstate {
    lua_State *L;
    plugin_host *h;
    smallpool *pool;             /* where L's blocks come from (limited_alloc) */
    size_t mem, mem_limit;       /* bytes of Lua heap, and the cap */
    size_t used, budget;         /* instructions of the current call, and the cap */
    bool in_call;                /* a limited call runs: the limits apply */
    limit_hit hit;               /* the limit the current (or last) call went over */
    char hit_msg[256];           /* its message at the plugin line, for CPU and time */
    _Atomic int64_t deadline_ms; /* monotonic ms when the current call must end; 0: idle */
    pthread_t thread;            /* under the host's lock, while deadline_ms: the caller's */
    bool signalled;              /* under the host's lock: the watchdog armed the hook */
    const char *_Atomic running; /* the plugin file of the current call */
    int *hooks;                  /* per plugin: registry reference of its hook table */
    diag *d;                     /* for clinfolio.warn during a call */
    struct lstate *next;         /* the host's list of states */
    /* during a page hook: the site value whose keys it reads are noted in site_reads (each
     * ended by '\0'), all_site when it went through them all (plugin_page_memo) */
    const value *watched_site;
    buf site_reads;
    bool all_site;
    lua_Integer call; /* the page hook call's number: proxies reached in it carry it */
    /* proxies made in this state so far, and whether the current call checks and marks
     * the proxies it reaches: not in a state's first watched call when it made no proxy
     * before (the ahead site_loaded of a later plugin, a worker's first page hook), whose
     * every proxy is its own; one it leaves unmarked reads in a later call as a proxy of
     * an earlier call, as it is */
    size_t proxies_made;
    bool reach_checks;
    /* registry references of the proxies' table, value* -> proxy (weak values), and of
     * their metatable. A proxy holds its value* itself (PROXY_TARGET), and the number of
     * the page hook call that last reached it (PROXY_CALL: a proxy a hook kept from an
     * earlier call reads values its call's reads of `site` do not name). */
    int ref_cache, ref_mt;
} lstate;

/* One page's page_facts result: made by its hook (v), or recalled as bytes
 * (plugin_page_memo.recall_bytes), which become Lua tables when read without a value made
 * in between (push_fact()). */
typedef struct plugin_fact {
    const value *v;
    plugin_bytes bytes;
} plugin_fact;

typedef struct plugin {
    const char *name;
    const char *file;      /* "plugins/cohort_metrics.lua", as diagnostics name it */
    const char *chunkname; /* "@" file: made once on the main thread, shared by every state */
    const char *src;       /* its text (reloaded into worker states) */
    size_t len;
    /* where its site_loaded, generate and shortcodes run, so that what site_loaded keeps
     * in file-level variables is there for the others: the main state for the first
     * plugin (and any without site_loaded), a state of its own for each later one, whose
     * site_loaded may then run beside the first's (plugin_run_site_loaded) */
    lstate *home;
    /* what its page_facts hook returned for each of the host's facts_pages (neither a
     * value nor bytes: nil), or NULL when it has none or it did not run
     * (plugin_run_page_facts); a value in the host's facts_arenas, freed once the
     * site_loaded hooks are done (drop_facts), or the bytes of one the memo recalled */
    plugin_fact *facts;
} plugin;

typedef struct filter_ref {
    plugin_host *h;
    size_t plugin;
    const char *name;
} filter_ref;

struct plugin_host {
    const config *cfg;
    void (*before_exit)(void); /* the watchdog's last call */
    plugin *plugins;
    size_t n;
    arena *a;
    lstate *main;
    pthread_mutex_t lock; /* guards `states` (workers add theirs) */
    lstate *states;
    lstate **pool; /* page hooks: worker w's state (w >= 1; worker 0 is the main thread) */
    size_t n_pool;
    const value *site_ctx, *page_ctx; /* for shortcodes */
    struct page_job *ahead;   /* page hooks started before site_loaded (plugin_start_page_hooks) */
    page *const *facts_pages; /* the pages the page_facts hooks ran for, n_facts of them */
    size_t n_facts;
    strtab facts_by_path; /* a page's path -> its place in facts_pages + 1 */
    arena **facts_arenas; /* per worker: the page_facts results (NULL: none made) */
    size_t n_facts_arenas;
    pthread_t ahead_thread;
    bool ahead_running;
    pthread_t watchdog;
    bool watchdog_running;
    bool stop;           /* under lock: the watchdog ends */
    pthread_cond_t wake; /* signals stop */
    profile *profile;    /* plugin_host_set_profile(): every hook call's time goes there */
};

static _Thread_local lstate *thread_state;
/* The state whose limited call runs on this thread, for the signal that arms its hook. */
static _Thread_local lstate *volatile calling_here;

struct page_job;
static void free_page_job(struct page_job *job);
static void drop_facts(struct plugin_host *h);

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static lstate *
state_of(lua_State *L)
{
    return *(lstate **)lua_getextraspace(L);
}

/* {====================================================================
 * limits: memory (allocator), instructions and time (count hook), and a watchdog for
 * library calls that never return to the VM (a pathological string.find)
 * ===================================================================== */

/* Registry key (its address) of the error value raised again once a limit was hit: made
 * with the state, so raising it allocates nothing. */
static const char LIMIT_KEY = 0;

/* The cap applies while a plugin runs. Between calls the host pushes views and copies of
 * a filter's input, and a refusal there would be an error outside any protected call
 * (Lua aborts); limited_call checks the heap before the next call instead. */
static void *
limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    lstate *S = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        smallpool_realloc(S->pool, ptr, osize, 0);
        S->mem -= old;
        return NULL;
    }
    if (S->in_call && nsize > old && (S->mem > S->mem_limit || nsize - old > S->mem_limit - S->mem))
        return NULL; /* Lua raises "not enough memory" */
    void *p = smallpool_realloc(S->pool, ptr, osize, nsize);
    if (p)
        S->mem = S->mem - old + nsize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar);

/* Counting instructions (plugin_limits.instructions set in site.yaml) needs the count
 * hook, which makes Lua 5.4 stop before every instruction (on the bench corpus a fifth of the
 * plugin pass's instructions and about a tenth of its time). Without it the VM runs with no hook,
 * and the watchdog arms the hook of a call past its time limit with ARM_SIGNAL to the thread
 * running it: Lua allows lua_sethook in a signal handler of that thread. */
#define ARM_SIGNAL SIGUSR2

static bool
counting(const lstate *S)
{
    return S->h->cfg->plugin_instructions_set;
}

/* The hook between calls: the count hook when instructions are counted, else none. */
static void
reset_hook(lstate *S)
{
    if (counting(S))
        lua_sethook(S->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    else if (lua_gethookmask(S->L))
        lua_sethook(S->L, NULL, 0, 0);
}

static void
arm_hook(int sig)
{
    (void)sig;
    lstate *S = calling_here;
    if (S && S->in_call)
        lua_sethook(S->L, count_hook, LUA_MASKCOUNT, 1);
}

static void
install_arm_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = arm_hook;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(ARM_SIGNAL, &sa, NULL);
}

/* Marks limit `kind` as hit: from now on the count hook fires before every instruction
 * and raises again, so no code of the call runs past it (not even a message handler). */
static void
trip(lstate *S, limit_hit kind)
{
    S->hit = kind;
    lua_sethook(S->L, count_hook, LUA_MASKCOUNT, 1);
}

/* Raises the error of a limit that was hit. */
static int
raise_hit(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &LIMIT_KEY);
    return lua_error(L);
}

/* Hits limit `kind` with msg at the line the VM was running when the hook fired
 * (luaL_error would name the hook itself). */
static void
hook_error(lua_State *L, lstate *S, limit_hit kind, const char *msg)
{
    lua_Debug ar;
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(S->hit_msg, sizeof S->hit_msg, "%s:%d: %s", ar.short_src, ar.currentline, msg);
    else
        snprintf(S->hit_msg, sizeof S->hit_msg, "%s", msg);
    trip(S, kind);
    lua_pushstring(L, S->hit_msg);
    lua_error(L);
}

static void
count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lstate *S = state_of(L);
    if (!S->in_call)
        return; /* no plugin code runs between calls, and an error here would abort */
    if (S->hit)
        raise_hit(L);
    const config *cfg = S->h->cfg;
    char msg[160];
    S->used += HOOK_EVERY;
    if (S->used > S->budget) {
        snprintf(msg, sizeof msg,
                 "CPU limit exceeded: more than %zu Lua instructions in one call "
                 "(plugin_limits.instructions)",
                 cfg->plugin_instructions);
        hook_error(L, S, LIMIT_CPU, msg);
    }
    int64_t deadline = atomic_load(&S->deadline_ms);
    if (deadline && now_ms() > deadline) {
        snprintf(msg, sizeof msg,
                 "time limit exceeded: the call ran longer than %zu s (plugin_limits.seconds)",
                 cfg->plugin_seconds);
        hook_error(L, S, LIMIT_TIME, msg);
    }
}

/* A call stuck in a library function (no VM instruction, so no hook) cannot be stopped
 * safely: after twice the time limit the build ends here, after before_exit removed the
 * temporary output tree; the previous output is never touched. */
static void *
watchdog_main(void *arg)
{
    plugin_host *h = arg;
    int64_t grace = (int64_t)h->cfg->plugin_seconds * 1000;
    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&h->wake, &h->lock, &until);
        for (lstate *S = h->states; S && !h->stop; S = S->next) {
            int64_t deadline = atomic_load(&S->deadline_ms);
            if (deadline && !counting(S) && !S->signalled && now_ms() > deadline) {
                S->signalled = true; /* its hook then ends the call at its line */
                pthread_kill(S->thread, ARM_SIGNAL);
            }
            if (deadline && now_ms() > deadline + grace) {
                fprintf(stderr,
                        "%s: error: time limit exceeded inside a library call "
                        "(plugin_limits.seconds: %zu); build stopped\n",
                        atomic_load(&S->running), h->cfg->plugin_seconds);
                fflush(stderr);
                if (h->before_exit)
                    h->before_exit();
                _exit(1);
            }
        }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* The message handler of every limited call: an error value that is not text
 * (error({code = 1})) becomes a message at the plugin line that raised it. Runs no Lua. */
static int
error_handler(lua_State *L)
{
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        return 1;
    char what[64];
    snprintf(what, sizeof what, "error() was given %s%s instead of a message",
             t == LUA_TNIL ? "" : "a ", luaL_typename(L, 1));
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, what);
            return 1;
        }
    lua_pushstring(L, what);
    return 1;
}

/* Calls the function below nargs arguments with the limits armed. Returns the status;
 * on an error the error value is on the stack (and S->hit says if it was a limit). hook
 * (and what, a shortcode's or filter's name, or NULL) names the call in the host's
 * profile (build --profile); NULL: not profiled (a plugin file's own run). */
static int
limited_call(lstate *S, const plugin *p, const char *hook, const char *what, int nargs, int nres,
             diag *d)
{
    lua_State *L = S->L;
    if (S->hit || !counting(S)) { /* back to normal after a limit, or a late signal */
        S->hit = LIMIT_NONE;
        reset_hook(S);
    }
    if (S->mem > S->mem_limit) /* what the last call left, or a filter's big input */
        lua_gc(L, LUA_GCCOLLECT);
    if (S->mem > S->mem_limit) {
        lua_pop(L, nargs + 1);
        S->hit = LIMIT_MEMORY;
        lua_rawgetp(L, LUA_REGISTRYINDEX, &LIMIT_KEY);
        return LUA_ERRMEM;
    }
    int handler = lua_gettop(L) - nargs;
    lua_pushcfunction(L, error_handler);
    lua_insert(L, handler);
    S->used = 0;
    S->budget = counting(S) ? S->h->cfg->plugin_instructions : SIZE_MAX;
    S->d = d;
    atomic_store(&S->running, p->file);
    lstate *outer = calling_here;
    pthread_mutex_lock(&S->h->lock); /* the watchdog signals only a thread in a call */
    S->thread = pthread_self();
    S->signalled = false;
    atomic_store(&S->deadline_ms, now_ms() + (int64_t)S->h->cfg->plugin_seconds * 1000);
    pthread_mutex_unlock(&S->h->lock);
    calling_here = S;
    S->in_call = true;
    double start = S->h->profile && hook ? pool_now_ms() : 0;
    int status = lua_pcall(L, nargs, nres, handler);
    if (S->h->profile && hook) {
        char name[192];
        snprintf(name, sizeof name, "%s %s%s%s", p->name, hook, what ? " " : "", what ? what : "");
        profile_add(S->h->profile, PROFILE_PLUGIN, name, pool_now_ms() - start);
    }
    S->in_call = false;
    calling_here = outer;
    pthread_mutex_lock(&S->h->lock);
    atomic_store(&S->deadline_ms, 0);
    pthread_mutex_unlock(&S->h->lock);
    S->d = NULL;
    lua_remove(L, handler);
    if (status == LUA_ERRMEM && !S->hit)
        S->hit = LIMIT_MEMORY;
    return status;
}

/* }==================================================================== */

/* {====================================================================
 * pcall and xpcall of the sandbox: a limit is not the plugin's to catch
 * ===================================================================== */

/* After a protected call in a plugin: a limit (a memory error comes only from the cap) is
 * raised again, so the limited call ends; other errors return as Lua's pcall returns
 * them. extra: the stack slots below the first result. */
static int
finish_pcall(lua_State *L, int status, int extra)
{
    lstate *S = state_of(L);
    if (status == LUA_ERRMEM && !S->hit)
        trip(S, LIMIT_MEMORY);
    if (S->hit)
        return lua_error(L); /* the error value is on top */
    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - extra;
}

static int
sandbox_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1); /* the first result when there is no error */
    lua_insert(L, 1);
    return finish_pcall(L, lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0), 0);
}

/* The message handler xpcall installs: the plugin's (upvalue 1), except for a limit.
 * The count hook raises limits with hooks off, so that handler would run unlimited. */
static int
xpcall_handler(lua_State *L)
{
    if (state_of(L)->hit)
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int
sandbox_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, xpcall_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1); /* the first result when there is no error */
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* both below the function's arguments */
    return finish_pcall(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), 2);
}

/* setmetatable without __gc: Lua runs finalizers with hooks off, out of reach of every
 * limit (and again when the state is closed, after the build). */
static int
sandbox_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "'__gc' metamethods are not available to plugins (sandbox)");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* }==================================================================== */

/* {====================================================================
 * errors: "plugins/x.lua:12: message" -> a position and a message
 * ===================================================================== */

typedef struct lua_failure {
    src_pos at;      /* the plugin line, or the plugin file when the message has none */
    const char *msg; /* without the position prefix */
    char file[256];  /* at.file, when the message names a chunk */
    char text[160];  /* msg, when it is the memory limit's */
} lua_failure;

/* Reads the error of a limited call, which stays on top of S's stack (msg may point into
 * it): report, then pop it. Uses no arena, so any thread may call it. */
static void
read_failure(lua_failure *f, lstate *S, const plugin *p, int status)
{
    f->at = SRC_POS(p->file, 0, 0);
    if (S->hit == LIMIT_MEMORY || status == LUA_ERRMEM) {
        snprintf(f->text, sizeof f->text,
                 "memory limit exceeded: the plugins' Lua heap is limited to %zu MiB "
                 "(plugin_limits.memory_mb)",
                 S->h->cfg->plugin_memory_mb);
        f->msg = f->text;
        return;
    }
    const char *m = S->hit ? S->hit_msg : lua_tostring(S->L, -1);
    if (!m)
        m = luaL_typename(S->L, -1);
    /* "<chunk>.lua:<line>: <message>" (chunk names are the files as diagnostics name them) */
    const char *dot = strstr(m, ".lua:");
    if (dot && (size_t)(dot + 4 - m) < sizeof f->file) {
        const char *num = dot + 5;
        char *end;
        unsigned long line = strtoul(num, &end, 10);
        if (end > num && end[0] == ':' && end[1] == ' ') {
            memcpy(f->file, m, (size_t)(dot + 4 - m));
            f->file[dot + 4 - m] = '\0';
            f->at = SRC_POS(f->file, (unsigned)line, 0);
            m = end + 2;
        }
    }
    f->msg = m;
}

/* A hook failed: the error at the plugin line (the page being processed, if any, is the
 * thread's diag context). */
static void
report_hook_failure(lstate *S, const plugin *p, int status, const char *hook, diag *d)
{
    lua_failure f;
    read_failure(&f, S, p, status);
    diag_report(d, DIAG_ERROR, f.at, "%s (in %s)", f.msg, hook);
    lua_pop(S->L, 1);
}

/* }==================================================================== */

/* {====================================================================
 * values -> Lua: read-only views for the model, plain copies for short-lived values
 * ===================================================================== */

/* Whether the generate hooks read a page's Markdown results (PLUGIN_CONTENT_KEYS) through
 * a proxy: watched on the main thread while they run, for incremental builds. */
static _Thread_local bool watch_content, content_read;

const char *const PLUGIN_CONTENT_KEYS[] = {"content",    "summary",      "toc",
                                           "word_count", "reading_time", NULL};

static void
note_key(const char *key, size_t len)
{
    if (!watch_content || content_read)
        return;
    for (size_t i = 0; PLUGIN_CONTENT_KEYS[i]; i++)
        if (strlen(PLUGIN_CONTENT_KEYS[i]) == len && memcmp(PLUGIN_CONTENT_KEYS[i], key, len) == 0)
            content_read = true;
}

/* the proxies' metatable's name: its __name, which tostring() of a proxy shows */
static const char PROXY_MT[] = "clinfolio.readonly";
/* The key (its address, a light userdata no plugin can make) under which each proxy
 * holds the value it reads: one lookup in the proxy itself, where a table of every proxy
 * took a lookup among tens of thousands (cohort_metrics' site_loaded at 10,000 pages:
 * 255 -> 247 ms, stage_timeline's 184 -> 174 ms, seven facts edits each). */
static const char PROXY_TARGET = 0;

static void push_value(lua_State *L, const value *v, bool copy);

/* A page hook read key k of the site value v: noted for its memo (plugin_page_memo). */
static void
note_site_read(lua_State *L, const value *v, const char *k, size_t len)
{
    lstate *S = state_of(L);
    if (v != S->watched_site || memchr(k, '\0', len))
        return;
    buf_append(&S->site_reads, k, len);
    buf_putc(&S->site_reads, '\0');
}

/* The key (its address) under which each proxy holds the number of the page hook call
 * that last reached it: one lookup in the proxy, which proxy_target() reads anyway, where
 * a table of every proxy took four calls into Lua per read (a clean build of the
 * 1,000-page bench corpus reads about 107 values through proxies per project page). */
static const char PROXY_CALL = 0;

/* During a page hook, the proxy at idx was reached in this call (from its page or site,
 * with the site's keys noted), or else the call's result cannot be kept. */
static void
check_reached(lua_State *L, int idx)
{
    lstate *S = state_of(L);
    if (!S->watched_site || S->all_site || !S->reach_checks)
        return;
    lua_rawgetp(L, idx, &PROXY_CALL);
    if (lua_tointeger(L, -1) != S->call)
        S->all_site = true;
    lua_pop(L, 1);
}

/* The proxy on top of the stack was reached in the current page hook call. */
static void
mark_reached(lua_State *L)
{
    lstate *S = state_of(L);
    if (!S->watched_site || !S->reach_checks)
        return;
    lua_pushinteger(L, S->call);
    lua_rawsetp(L, -2, &PROXY_CALL);
}

static const value *
proxy_target(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return NULL;
    idx = lua_absindex(L, idx);
    check_reached(L, idx);
    lua_rawgetp(L, idx, &PROXY_TARGET);
    const value *v = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return v;
}

static void
push_date(lua_State *L, const value_date *dt)
{
    buf b = BUF_INIT;
    value_date_iso(&b, dt);
    lua_pushlstring(L, b.ptr, b.len);
    buf_free(&b);
}

static void
push_number(lua_State *L, double x)
{
    if (x == floor(x) && fabs(x) < 9007199254740992.0)
        lua_pushinteger(L, (lua_Integer)x);
    else
        lua_pushnumber(L, x);
}

static void
push_proxy(lua_State *L, const value *v)
{
    lstate *S = state_of(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_cache);
    lua_rawgetp(L, -1, v);
    if (!lua_isnil(L, -1)) {
        lua_remove(L, -2);
        mark_reached(L);
        return;
    }
    lua_pop(L, 1);
    /* the proxy: empty but for its target below and the call that reached it (room for
     * both made now: growing an empty table's hash part to hold one was about a quarter of
     * a proxy's making), reads go through __index */
    lua_createtable(L, 0, 2);
    S->proxies_made++;
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_mt);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, v);
    lua_remove(L, -2);
    lua_pushlightuserdata(L, (void *)v);
    lua_rawsetp(L, -2, &PROXY_TARGET);
    mark_reached(L);
}

/* What ran ahead in S against view (the site without data, site_without_data()) goes on
 * against site: the proxy S made of view now reads site and stands for it, so that a
 * plugin that kept it in a file-level variable reads what it would have read had its hook
 * run after the site_loaded hooks, as at -j 1 (data and all; the same table as the site
 * its later hooks get). On the calling thread, while no other thread uses S. */
static void
retarget_view(lstate *S, const value *view, const value *site)
{
    lua_State *L = S->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_cache);
    lua_rawgetp(L, -1, view);
    if (lua_isnil(L, -1)) { /* never pushed, or collected: nobody keeps it */
        lua_pop(L, 2);
        return;
    }
    lua_pushnil(L);
    lua_rawsetp(L, -3, view);
    lua_rawgetp(L, -2, site);
    bool site_has_one = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!site_has_one) {
        lua_pushvalue(L, -1);
        lua_rawsetp(L, -3, site);
    }
    lua_pushlightuserdata(L, (void *)site);
    lua_rawsetp(L, -2, &PROXY_TARGET);
    lua_pop(L, 2);
}

static void
push_value(lua_State *L, const value *v, bool copy)
{
    if (!v) {
        lua_pushnil(L);
        return;
    }
    luaL_checkstack(L, 4, "data nested too deeply");
    switch (v->type) {
    case VALUE_NULL:
        lua_pushnil(L);
        break;
    case VALUE_BOOL:
        lua_pushboolean(L, v->as.boolean);
        break;
    case VALUE_NUMBER:
        push_number(L, v->as.number);
        break;
    case VALUE_STRING:
        lua_pushlstring(L, v->as.str.ptr, v->as.str.len);
        break;
    case VALUE_DATE:
        push_date(L, &v->as.date);
        break;
    case VALUE_LIST:
    case VALUE_MAP:
        if (!copy) {
            push_proxy(L, v);
        } else if (v->type == VALUE_LIST) {
            lua_createtable(L, (int)v->as.list.len, 0);
            for (size_t i = 0; i < v->as.list.len; i++) {
                push_value(L, v->as.list.items[i], true);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
            }
        } else {
            lua_createtable(L, 0, (int)v->as.map.len);
            for (size_t i = 0; i < v->as.map.len; i++) {
                lua_pushlstring(L, v->as.map.pairs[i].key, v->as.map.pairs[i].key_len);
                push_value(L, v->as.map.pairs[i].val, true);
                lua_rawset(L, -3);
            }
        }
        break;
    }
}

static int
proxy_index(lua_State *L)
{
    const value *v = proxy_target(L, 1);
    if (!v)
        return 0;
    if (v->type == VALUE_LIST && lua_isinteger(L, 2)) {
        lua_Integer i = lua_tointeger(L, 2);
        if (i >= 1 && (size_t)i <= v->as.list.len) {
            push_value(L, v->as.list.items[i - 1], false);
            return 1;
        }
    } else if (v->type == VALUE_MAP && lua_type(L, 2) == LUA_TSTRING) {
        size_t len;
        const char *k = lua_tolstring(L, 2, &len);
        note_key(k, len);
        note_site_read(L, v, k, len);
        push_value(L, value_map_getn(v, k, len), false); /* nil when absent */
        return 1;
    }
    lua_pushnil(L);
    return 1;
}

static int
proxy_newindex(lua_State *L)
{
    return luaL_error(L, "the site model is read-only (publish data by returning it from "
                         "a hook)");
}

static int
proxy_len(lua_State *L)
{
    const value *v = proxy_target(L, 1);
    lua_pushinteger(L, v && v->type == VALUE_LIST ? (lua_Integer)v->as.list.len : 0);
    return 1;
}

/* The iterator of pairs(): upvalue 1 is the next index. Maps in the order written. */
static int
proxy_next(lua_State *L)
{
    const value *v = proxy_target(L, 1);
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(1));
    if (!v)
        return 0;
    if (v == state_of(L)->watched_site)
        state_of(L)->all_site = true;
    size_t n = v->type == VALUE_LIST ? v->as.list.len : v->as.map.len;
    if ((size_t)i >= n)
        return 0;
    lua_pushinteger(L, i + 1);
    lua_replace(L, lua_upvalueindex(1));
    if (v->type == VALUE_LIST) {
        lua_pushinteger(L, i + 1);
        push_value(L, v->as.list.items[i], false);
    } else {
        note_key(v->as.map.pairs[i].key, v->as.map.pairs[i].key_len);
        lua_pushlstring(L, v->as.map.pairs[i].key, v->as.map.pairs[i].key_len);
        push_value(L, v->as.map.pairs[i].val, false);
    }
    return 2;
}

static int
proxy_pairs(lua_State *L)
{
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, proxy_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* }==================================================================== */

/* {====================================================================
 * Lua -> values (what plugins return), with sorted map keys
 * ===================================================================== */

/* One conversion: where it allocates, its rules, and where in the data it is. */
typedef struct convert {
    arena *a;          /* the values and the error message */
    size_t string_max; /* the longest string accepted */
    const char *err;   /* what went wrong and where: "NaN under key 'metrics.rate'" */
    size_t len, want;  /* bytes of path kept, and the bytes it would have */
    char path[120];    /* the key path of the value being converted: "metrics.rows[2].rate" */
} convert;

#define CONVERT_INIT(arena_, string_max_) ((convert){.a = (arena_), .string_max = (string_max_)})

/* Appends to the key path; a path too long to show is cut at a whole character. */
static void
path_add(convert *c, const char *s, size_t n)
{
    bool whole = c->len == c->want;
    c->want += n;
    if (!whole)
        return;
    size_t k = sizeof c->path - 1 - c->len;
    if (k >= n)
        k = n;
    else
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
    memcpy(c->path + c->len, s, k);
    c->len += k;
    c->path[c->len] = '\0';
}

/* Sets c->err to the message (printf-style) and where the value is; returns NULL. */
static value *fail(convert *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static value *
fail(convert *c, const char *fmt, ...)
{
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (c->want)
        buf_printf(&b, " under key '%s%s'", c->path, c->len < c->want ? "..." : "");
    c->err = arena_strndup(c->a, b.ptr, b.len);
    buf_free(&b);
    return NULL;
}

/* A string a plugin hands over (what: "string", "map key") must be valid UTF-8 and at
 * most c->string_max bytes. */
static bool
check_string(convert *c, const char *s, size_t len, const char *what)
{
    if (len > c->string_max)
        fail(c, "a %s longer than %zu MiB (%zu bytes)", what, c->string_max >> 20, len);
    else if (!text_utf8_valid(s, len))
        fail(c, "a %s that is not valid UTF-8", what);
    return !c->err;
}

/* The number or string at idx follows the rules of data: a finite number, a string that
 * check_string accepts. false after setting c->err. */
static bool
check_scalar(convert *c, lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return check_string(c, s, len, "string");
    }
    double x = lua_tonumber(L, idx);
    if (isnan(x))
        fail(c, "NaN");
    else if (isinf(x))
        fail(c, "%s", x > 0 ? "infinity" : "-infinity");
    return !c->err;
}

typedef struct key_entry {
    const char *key;
    size_t len;
    int ref; /* the value, in the registry until it is converted */
} key_entry;

static int
cmp_keys(const void *pa, const void *pb)
{
    const key_entry *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static value *to_value(convert *c, lua_State *L, int idx, int depth);

/* The table at idx, a list (keys 1..n): every item converted. */
static value *
to_list(convert *c, lua_State *L, int idx, size_t n, int depth)
{
    value *list = value_new_list(c->a, SRC_NONE);
    for (size_t i = 1; i <= n; i++) {
        size_t len = c->len, want = c->want;
        char index[32];
        path_add(c, index, (size_t)snprintf(index, sizeof index, "[%zu]", i));
        lua_rawgeti(L, idx, (lua_Integer)i);
        value *item = to_value(c, L, -1, depth + 1);
        lua_pop(L, 1);
        if (!item)
            return NULL;
        c->len = len, c->want = want;
        c->path[len] = '\0';
        value_list_push(list, item, c->a);
    }
    return list;
}

/* The table at idx, a map of count entries: keys sorted, values converted. */
static value *
to_map(convert *c, lua_State *L, int idx, size_t count, int depth)
{
    key_entry *keys = xcalloc(count + 1, sizeof(key_entry));
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            keys[k].key = lua_tolstring(L, -2, &keys[k].len);
            if (!check_string(c, keys[k].key, keys[k].len, "map key"))
                break;
        } else if (lua_isinteger(L, -2)) {
            keys[k].key = arena_printf(c->a, "%lld", (long long)lua_tointeger(L, -2));
            keys[k].len = strlen(keys[k].key);
        } else {
            fail(c, "a map key that is a %s (keys are strings)", luaL_typename(L, -2));
            break;
        }
        keys[k].key = arena_strndup(c->a, keys[k].key, keys[k].len);
        keys[k].ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pops the value */
        k++;
    }
    if (c->err) {
        lua_pop(L, 2);
        for (size_t i = 0; i < k; i++)
            luaL_unref(L, LUA_REGISTRYINDEX, keys[i].ref);
        free(keys);
        return NULL;
    }
    qsort(keys, k, sizeof(key_entry), cmp_keys);
    value *map = value_new_map(c->a, SRC_NONE);
    size_t len = c->len, want = c->want;
    for (size_t i = 0; i < k; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, keys[i].ref);
        luaL_unref(L, LUA_REGISTRYINDEX, keys[i].ref);
        if (c->err) {
            lua_pop(L, 1);
            continue;
        }
        if (want)
            path_add(c, ".", 1);
        path_add(c, keys[i].key, keys[i].len);
        value *v = to_value(c, L, -1, depth + 1);
        lua_pop(L, 1);
        if (v) {
            c->len = len, c->want = want;
            c->path[len] = '\0';
            value_map_setn(map, keys[i].key, keys[i].len, v, c->a);
        }
    }
    free(keys);
    return c->err ? NULL : map;
}

/* Converts the Lua value at idx; on failure sets c->err (in c->a) and returns NULL. */
static value *
to_value(convert *c, lua_State *L, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return value_new_null(c->a, SRC_NONE);
    case LUA_TBOOLEAN:
        return value_new_bool(c->a, lua_toboolean(L, idx), SRC_NONE);
    case LUA_TNUMBER:
        if (!check_scalar(c, L, idx))
            return NULL;
        return value_new_number(c->a, lua_tonumber(L, idx), SRC_NONE);
    case LUA_TSTRING: {
        if (!check_scalar(c, L, idx))
            return NULL;
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return value_new_string(c->a, s, len, SRC_NONE);
    }
    case LUA_TTABLE:
        break;
    default:
        return fail(c, "a %s (not data)", luaL_typename(L, idx));
    }
    const value *view = proxy_target(L, idx);
    if (view)
        return (value *)view; /* a piece of the model, returned as it is: share it */
    if (depth >= MAX_DATA_DEPTH)
        return fail(c, "data nested more than 64 levels deep (or a table that contains itself)");
    luaL_checkstack(L, 8, "data nested too deeply");
    size_t n = lua_rawlen(L, idx), count = 0;
    bool integer_keys = true;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        if (!lua_isinteger(L, -2))
            integer_keys = false;
        lua_pop(L, 1);
    }
    if (n > 0 && count == n && integer_keys)
        return to_list(c, L, idx, n, depth);
    return to_map(c, L, idx, count, depth);
}

/* }==================================================================== */

/* {====================================================================
 * the sandbox
 * ===================================================================== */

/* Pushes f(string argument 1) for a text function of text.h. */
static int
push_text_fn(lua_State *L, void (*f)(buf *, const char *, size_t), bool any)
{
    size_t len;
    const char *s = any ? luaL_tolstring(L, 1, &len) : luaL_checklstring(L, 1, &len);
    buf b = BUF_INIT;
    f(&b, s, len);
    lua_pushlstring(L, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    return 1;
}

/* clinfolio.escape: most texts have nothing to escape, and come back as they are (no new
 * string: charts escape every label and number they draw) */
static int
lib_escape(lua_State *L)
{
    size_t len;
    const char *s = luaL_tolstring(L, 1, &len);
    return text_html_needs_escape(s, len) ? push_text_fn(L, text_html_escape, true) : 1;
}

static int
lib_json(lua_State *L)
{
    lua_Integer indent = luaL_optinteger(L, 2, 2);
    luaL_argcheck(L, indent >= 0 && indent <= 16, 2, "indent must be 0 to 16");
    arena *tmp = arena_new();
    convert c = CONVERT_INIT(tmp, SIZE_MAX);
    lua_settop(L, 1);
    value *v = to_value(&c, L, 1, 0);
    if (!v) {
        lua_pushfstring(L, "clinfolio.json got %s", c.err);
        arena_free(tmp);
        return lua_error(L);
    }
    buf b = BUF_INIT;
    value_to_json(&b, v, (int)indent);
    arena_free(tmp);
    lua_pushlstring(L, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    return 1;
}

static value_date
check_date(lua_State *L, int arg)
{
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    value_date d;
    if (!value_date_parse(&d, s, len))
        luaL_argerror(L, arg, lua_pushfstring(L, "'%s' is not a date such as 2023-01-05", s));
    return d;
}

static int
lib_days(lua_State *L)
{
    value_date a = check_date(L, 1), b = check_date(L, 2);
    lua_pushinteger(L, value_date_days_between(&a, &b));
    return 1;
}

/* One number of clinfolio.median's list: its value as a long double, which holds every
 * integer and every float of Lua exactly (a 64-bit mantissa on x86-64, 113 on arm64: the
 * order is Lua's `<`), and its place, which breaks ties so that the result does not
 * depend on qsort. */
typedef struct median_item {
    long double key;
    lua_Integer at;
} median_item;

static int
cmp_median_items(const void *x, const void *y)
{
    const median_item *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

static inline bool
median_less(const median_item *a, const median_item *b)
{
    return cmp_median_items(a, b) < 0;
}

static inline void
swap_items(median_item *items, size_t i, size_t j)
{
    median_item t = items[i];
    items[i] = items[j];
    items[j] = t;
}

/* Puts the item of rank k of items[0..n) (in cmp_median_items' order, a total one: no two
 * items compare equal) at items[k], those before it in that order before it and the others
 * after: Hoare's selection with the median of three as its pivot, so the median of a list
 * costs O(n) instead of a sort's O(n log n) (cohort_metrics takes one for every stage of
 * every group). Past 2 log2(n) rounds (a list made to defeat the pivots) the range left is
 * sorted, so it is never worse than a sort; short ranges are sorted too. */
static void
select_rank(median_item *items, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* items[k] is among items[lo..hi) */
    unsigned rounds = 2;
    for (size_t m = n; m > 1; m >>= 1)
        rounds += 2;
    while (hi - lo > 16 && rounds-- > 0) {
        size_t mid = lo + (hi - lo) / 2, last = hi - 1;
        if (median_less(&items[mid], &items[lo]))
            swap_items(items, mid, lo);
        if (median_less(&items[last], &items[lo]))
            swap_items(items, last, lo);
        if (median_less(&items[mid], &items[last]))
            swap_items(items, mid, last); /* items[last]: the middle one of the three */
        size_t store = lo;
        for (size_t i = lo; i < last; i++)
            if (median_less(&items[i], &items[last]))
                swap_items(items, i, store++);
        swap_items(items, store, last);
        if (k == store)
            return;
        if (k < store)
            hi = store;
        else
            lo = store + 1;
    }
    qsort(items + lo, hi - lo, sizeof *items, cmp_median_items);
}

/* clinfolio.median(list): the median of a list of numbers, the middle one, or for an even
 * count the mean of the middle two as Lua computes (a + b) / 2; nil for an empty list.
 * Chosen here (select_rank): through table.sort, cohort_metrics' medians of every group's
 * stage days were a sixth of its site_loaded (at 10,000 projects 1.34 G instructions, 1.12 G
 * with a sort in C). The copy is a userdata (the plugin's memory limit counts it; an error
 * frees it). */
static int
lib_median(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    size_t n = (size_t)lua_rawlen(L, 1);
    if (n == 0) {
        lua_pushnil(L);
        return 1;
    }
    if (n > SIZE_MAX / sizeof(median_item))
        return luaL_error(L, "median: a list of %I items is too long", (lua_Integer)n);
    median_item *items = lua_newuserdatauv(L, n * sizeof *items, 0);
    for (size_t i = 0; i < n; i++) {
        lua_Integer at = (lua_Integer)i + 1;
        if (lua_rawgeti(L, 1, at) != LUA_TNUMBER)
            return luaL_error(L, "median: item %I is %s, not a number", at, luaL_typename(L, -1));
        long double key = lua_isinteger(L, -1) ? (long double)lua_tointeger(L, -1)
                                               : (long double)lua_tonumber(L, -1);
        if (key != key)
            return luaL_error(L, "median: item %I is not a number (nan)", at);
        items[i] = (median_item){key, at};
        lua_pop(L, 1);
    }
    size_t k = (n - 1) / 2;
    select_rank(items, n, k);
    lua_rawgeti(L, 1, items[k].at);
    if (n % 2 == 0) { /* the next one: the least of those after items[k] */
        size_t next = k + 1;
        for (size_t i = k + 2; i < n; i++)
            if (median_less(&items[i], &items[next]))
                next = i;
        lua_rawgeti(L, 1, items[next].at);
        lua_arith(L, LUA_OPADD);
        lua_pushinteger(L, 2);
        lua_arith(L, LUA_OPDIV);
    }
    return 1;
}

static int
lib_slugify(lua_State *L)
{
    return push_text_fn(L, text_slugify, false);
}

static int
lib_warn(lua_State *L)
{
    lstate *S = state_of(L);
    const char *msg = luaL_checkstring(L, 1);
    lua_Debug ar;
    src_pos at = SRC_NONE;
    /* the chunk name lives as long as the calling function; diag_report copies it (no
     * arena: this may be a render thread) */
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.source[0] == '@')
        at = SRC_POS(ar.source + 1, ar.currentline > 0 ? (unsigned)ar.currentline : 0, 0);
    if (S->d)
        diag_report(S->d, DIAG_WARNING, at, "%s", msg);
    return 0;
}

/* clinfolio.ident(kind, text): {valid=true, normal, url, form, device_class, patent_type}
 * or {valid=false, why}. A text that is not a string is not valid. */
static int
lib_ident(lua_State *L)
{
    ident_kind kind;
    const char *name = luaL_checkstring(L, 1);
    if (!ident_kind_from_name(&kind, name))
        return luaL_argerror(L, 1, "kind must be \"patent\", \"nmpa\" or \"trial\"");
    ident id;
    const char *why = "not text";
    size_t len;
    const char *s = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;
    bool ok = s && ident_parse(&id, kind, s, len, &why);
    lua_createtable(L, 0, 6);
    lua_pushboolean(L, ok);
    lua_setfield(L, -2, "valid");
    if (!ok) {
        lua_pushstring(L, why);
        lua_setfield(L, -2, "why");
        return 1;
    }
    lua_pushstring(L, id.normal);
    lua_setfield(L, -2, "normal");
    lua_pushstring(L, id.url);
    lua_setfield(L, -2, "url");
    lua_pushstring(L, id.form);
    lua_setfield(L, -2, "form");
    lua_pushinteger(L, id.device_class);
    lua_setfield(L, -2, "device_class");
    const char type[2] = {id.patent_type, '\0'};
    lua_pushstring(L, type); /* "I", "U", "D" or "" */
    lua_setfield(L, -2, "patent_type");
    return 1;
}

/* The C.UTF-8 locale for case folding, made once by the first clinfolio.casefold call
 * (under pthread_once) and never changed or freed: read-only after that. setlocale() is
 * never called; C.UTF-8 is built into glibc 2.35 and later, no locales package needed. */
static locale_t fold_locale;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void
fold_locale_make(void)
{
    fold_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* The code point of the valid UTF-8 sequence s[0..n). */
static uint32_t
utf8_decode(const unsigned char *s, size_t n)
{
    if (n == 1)
        return s[0];
    uint32_t cp = s[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3Fu);
    return cp;
}

static void
utf8_encode(luaL_Buffer *b, uint32_t cp)
{
    if (cp < 0x80) {
        luaL_addchar(b, (char)cp);
    } else if (cp < 0x800) {
        luaL_addchar(b, (char)(0xC0 | cp >> 6));
        luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        luaL_addchar(b, (char)(0xE0 | cp >> 12));
        luaL_addchar(b, (char)(0x80 | (cp >> 6 & 0x3F)));
        luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        luaL_addchar(b, (char)(0xF0 | cp >> 18));
        luaL_addchar(b, (char)(0x80 | (cp >> 12 & 0x3F)));
        luaL_addchar(b, (char)(0x80 | (cp >> 6 & 0x3F)));
        luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* clinfolio.casefold(s): simple case folding, one code point to one, as the lower case of
 * the upper case (so "ß" stays "ß", final "ς" becomes "σ"); bytes that are not valid UTF-8
 * are kept as they are. Without the C.UTF-8 locale only ASCII is folded. */
static int
lib_casefold(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    pthread_once(&fold_once, fold_locale_make);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_seq(s + i, len - i);
        if (n == 0) {
            luaL_addchar(&b, s[i++]);
            continue;
        }
        uint32_t cp = utf8_decode((const unsigned char *)s + i, n);
        if (fold_locale) {
            wint_t up = towupper_l((wint_t)cp, fold_locale);
            cp = (uint32_t)towlower_l(up, fold_locale);
        } else if (cp >= 'A' && cp <= 'Z') {
            cp += 'a' - 'A';
        }
        utf8_encode(&b, cp);
        i += n;
    }
    luaL_pushresult(&b);
    return 1;
}

/* load() for text chunks only, running in the caller's environment (upvalue 1) unless
 * an env is given. */
static int
lib_load(lua_State *L)
{
    size_t len;
    const char *chunk = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    if (luaL_loadbufferx(L, chunk, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (!lua_isnoneornil(L, 4))
        lua_pushvalue(L, 4);
    else
        lua_pushvalue(L, lua_upvalueindex(1));
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    return 1;
}

/* Copies the fields of the global table `lib` into a new table (minus `skip`). */
static void
push_lib_copy(lua_State *L, const char *lib, const char *skip)
{
    lua_newtable(L);
    lua_getglobal(L, lib);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (!(skip && lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), skip) == 0)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -5);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* Reading a name the sandbox leaves out is an error that says so, not a nil. */
static int
forbidden_index(lua_State *L)
{
    static const char *const names[] = {
        "os",      "io",       "debug",      "require",        "package",
        "dofile",  "loadfile", "loadstring", "collectgarbage", "dump",
        "setfenv", "getfenv",  "coroutine"};
    const char *key = lua_tostring(L, 2);
    for (size_t i = 0; key && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(key, names[i]) == 0)
            return luaL_error(L, "'%s' is not available to plugins (sandbox)", key);
    return 0;
}

static void
set_forbidden_guard(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, forbidden_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* A fresh global environment for one plugin. */
static void
push_sandbox_env(lua_State *L)
{
    static const char *const base[] = {
        "assert", "error",    "ipairs", "next",         "pairs",  "rawequal", "rawlen",
        "select", "tonumber", "type",   "getmetatable", "rawget", "tostring",
    };
    static const luaL_Reg own[] = {{"pcall", sandbox_pcall},
                                   {"xpcall", sandbox_xpcall},
                                   {"setmetatable", sandbox_setmetatable},
                                   {NULL, NULL}};
    lua_newtable(L);
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        lua_getglobal(L, base[i]);
        lua_setfield(L, -2, base[i]);
    }
    luaL_setfuncs(L, own, 0);
    push_lib_copy(L, "string", "dump");
    set_forbidden_guard(L);
    lua_setfield(L, -2, "string");
    push_lib_copy(L, "table", NULL);
    lua_setfield(L, -2, "table");
    push_lib_copy(L, "math", NULL);
    lua_setfield(L, -2, "math");
    push_lib_copy(L, "utf8", NULL);
    lua_setfield(L, -2, "utf8");
    static const luaL_Reg lib[] = {
        {"escape", lib_escape},     {"json", lib_json},     {"days", lib_days},
        {"slugify", lib_slugify},   {"warn", lib_warn},     {"ident", lib_ident},
        {"casefold", lib_casefold}, {"median", lib_median}, {NULL, NULL}};
    luaL_newlib(L, lib);
    lua_pushliteral(L, CLINFOLIO_VERSION);
    lua_setfield(L, -2, "version");
    lua_setfield(L, -2, "clinfolio");
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, lib_load, 1);
    lua_setfield(L, -2, "load");
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
    lua_pushliteral(L, LUA_VERSION);
    lua_setfield(L, -2, "_VERSION");
    set_forbidden_guard(L);
}

/* The same random numbers on every build: at the start, and before every page hook (which
 * runs in whichever worker's state, so no page sees what an earlier one drew). */
static void
reseed(lua_State *L)
{
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 20230105);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
}

/* A new table with weak keys or values (mode "k" or "v"), kept in the registry: its
 * reference. */
static int
weak_table_ref(lua_State *L, const char *mode)
{
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, mode);
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

static lstate *
state_new(plugin_host *h)
{
    lstate *S = xcalloc(1, sizeof(lstate));
    S->h = h;
    S->site_reads = BUF_INIT;
    S->mem_limit = h->cfg->plugin_memory_mb << 20;
    S->hooks = xcalloc(h->n + 1, sizeof(int));
    S->pool = smallpool_new();
    S->L = S->pool ? lua_newstate(limited_alloc, S) : NULL;
    if (!S->L) {
        smallpool_free(S->pool);
        free(S->hooks);
        free(S);
        return NULL;
    }
    lua_State *L = S->L;
    *(lstate **)lua_getextraspace(L) = S;
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    reseed(L);
    /* strings share one metatable: hide it, so no plugin can change string methods */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    /* the read-only views */
    S->ref_cache = weak_table_ref(L, "v");
    static const luaL_Reg ro[] = {{"__index", proxy_index},
                                  {"__newindex", proxy_newindex},
                                  {"__len", proxy_len},
                                  {"__pairs", proxy_pairs},
                                  {NULL, NULL}};
    luaL_newmetatable(L, PROXY_MT);
    luaL_setfuncs(L, ro, 0);
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    S->ref_mt = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushliteral(L, "plugin limit exceeded");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &LIMIT_KEY);
    reset_hook(S);
    pthread_mutex_lock(&h->lock);
    S->next = h->states;
    h->states = S;
    pthread_mutex_unlock(&h->lock);
    return S;
}

static void
state_free(lstate *S)
{
    lua_close(S->L);
    smallpool_free(S->pool); /* after lua_close: it gave back every block */
    free(S->hooks);
    buf_free(&S->site_reads);
    free(S);
}

/* Runs every plugin's file in S (or only plugin `only`, when it is below the number of
 * plugins: a home state) and keeps the hook tables it returns. */
static bool
state_load_plugins(lstate *S, size_t only, diag *d)
{
    plugin_host *h = S->h;
    lua_State *L = S->L;
    bool ok = true;
    for (size_t i = 0; i < h->n; i++) {
        const plugin *p = &h->plugins[i];
        S->hooks[i] = LUA_NOREF;
        if (only < h->n && i != only)
            continue;
        int status = luaL_loadbufferx(L, p->src, p->len, p->chunkname, "t");
        if (status == LUA_OK) {
            push_sandbox_env(L);
            lua_setupvalue(L, -2, 1); /* the chunk's _ENV */
            status = limited_call(S, p, NULL, NULL, 0, 1, d);
        }
        if (status != LUA_OK) {
            report_hook_failure(S, p, status, "loading the plugin", d);
            ok = false;
            continue;
        }
        if (!lua_istable(L, -1)) {
            diag_report(d, DIAG_ERROR, SRC_POS(p->file, 0, 0),
                        "a plugin must return a table of hooks, not %s", luaL_typename(L, -1));
            lua_pop(L, 1);
            ok = false;
            continue;
        }
        S->hooks[i] = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return ok;
}

/* Pushes t[key] of the table at idx without metamethods (an __index of a plugin's table
 * would run outside any limited call); returns its type. */
static int
raw_field(lua_State *L, int idx, const char *key)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    return lua_rawget(L, idx);
}

/* Pushes hook `name` of plugin i (a function, or a table for filters and shortcodes);
 * returns false, pushing nothing, when the plugin has none. */
static bool
push_hook(lstate *S, size_t i, const char *name, int type)
{
    if (S->hooks[i] == LUA_NOREF)
        return false;
    lua_rawgeti(S->L, LUA_REGISTRYINDEX, S->hooks[i]);
    raw_field(S->L, -1, name);
    lua_remove(S->L, -2);
    if (lua_type(S->L, -1) != type) {
        lua_pop(S->L, 1);
        return false;
    }
    return true;
}

/* Whether plugin i has the function hook `name` (in the main state, the main thread's). */
static bool
has_hook(plugin_host *h, size_t i, const char *name)
{
    if (!push_hook(h->main, i, name, LUA_TFUNCTION))
        return false;
    lua_pop(h->main->L, 1);
    return true;
}

/* }==================================================================== */

/* {====================================================================
 * the host
 * ===================================================================== */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Finds plugins/<name>.lua: the site, the theme, the installed copy. */
static bool
find_plugin(plugin *p, const config_plugin *cp, const plugin_paths *paths, arena *a, diag *d)
{
    const char *dirs[3] = {paths->root, paths->theme_dir, paths->datadir};
    const char *names[3] = {NULL, paths->theme_name, paths->datadir};
    for (size_t k = 0; k < 3; k++) {
        if (!dirs[k])
            continue;
        const char *rel = arena_printf(a, "plugins/%s.lua", cp->name);
        buf path = BUF_INIT;
        fs_join(&path, dirs[k], rel);
        if (fs_is_file(path.ptr)) {
            buf text = BUF_INIT;
            p->file = names[k] ? arena_printf(a, "%s/%s", names[k], rel) : rel;
            p->chunkname = arena_printf(a, "@%s", p->file);
            bool read = fs_read_file(&text, path.ptr, p->file, d);
            p->src = arena_strndup(a, text.ptr ? text.ptr : "", text.len);
            p->len = text.len;
            buf_free(&text);
            buf_free(&path);
            return read;
        }
        buf_free(&path);
    }
    diag_report(d, DIAG_ERROR, cp->at, "plugin '%s' not found: no plugins/%s.lua in the site%s%s",
                cp->name, cp->name, paths->theme_dir ? ", the theme" : "",
                paths->datadir ? " or the installed plugins" : "");
    return false;
}

/* Hooks, filters and shortcodes must have the right types; others are typos. */
static bool
check_hooks(plugin_host *h, diag *d)
{
    static const struct {
        const char *name;
        int type;
    } known[] = {{"site_loaded", LUA_TFUNCTION}, {"page_facts", LUA_TFUNCTION},
                 {"page", LUA_TFUNCTION},        {"generate", LUA_TFUNCTION},
                 {"filters", LUA_TTABLE},        {"shortcodes", LUA_TTABLE}};
    enum { N_KNOWN = sizeof known / sizeof known[0] };
    lua_State *L = h->main->L;
    bool ok = true;
    for (size_t i = 0; i < h->n; i++) {
        src_pos at = SRC_POS(h->plugins[i].file, 0, 0);
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->main->hooks[i]);
        /* unknown keys (typos), reported in name order */
        const char **unknown = NULL;
        size_t n_unknown = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            size_t k = 0;
            while (k < N_KNOWN && strcmp(key, known[k].name) != 0)
                k++;
            if (k == N_KNOWN) {
                unknown = xrealloc(unknown, (n_unknown + 1) * sizeof(char *));
                unknown[n_unknown++] = arena_strdup(h->a, key);
            }
            lua_pop(L, 1);
        }
        if (n_unknown)
            qsort(unknown, n_unknown, sizeof(char *), cmp_str);
        for (size_t k = 0; k < n_unknown; k++)
            diag_report(d, DIAG_WARNING, at,
                        "unknown hook '%s' (hooks: site_loaded, page_facts, page, generate, "
                        "filters, shortcodes)",
                        unknown[k]);
        free(unknown);
        /* the known ones must have the right types */
        for (size_t k = 0; k < N_KNOWN; k++) {
            raw_field(L, -1, known[k].name);
            if (!lua_isnil(L, -1) && lua_type(L, -1) != known[k].type) {
                diag_report(d, DIAG_ERROR, at, "hook '%s' must be a %s, not a %s", known[k].name,
                            lua_typename(L, known[k].type), luaL_typename(L, -1));
                ok = false;
            } else if (known[k].type == LUA_TTABLE && lua_istable(L, -1)) {
                bool bad = false;
                lua_pushnil(L);
                while (lua_next(L, -2)) {
                    bad |= lua_type(L, -2) != LUA_TSTRING || !lua_isfunction(L, -1);
                    lua_pop(L, 1);
                }
                if (bad) {
                    diag_report(d, DIAG_ERROR, at, "every entry of '%s' must be name = function",
                                known[k].name);
                    ok = false;
                }
            }
            lua_pop(L, 1);
        }
        /* what page_facts returns reaches only site_loaded */
        raw_field(L, -1, "page_facts");
        bool facts = lua_isfunction(L, -1);
        raw_field(L, -2, "site_loaded");
        if (facts && lua_isnil(L, -1))
            diag_report(d, DIAG_WARNING, at,
                        "hook 'page_facts' without 'site_loaded': what it returns is never used");
        lua_pop(L, 3);
    }
    return ok;
}

plugin_host *
plugin_host_new(const config *cfg, const plugin_paths *paths, arena *a, diag *d)
{
    if (cfg->n_plugins == 0)
        return NULL;
    plugin_host *h = xcalloc(1, sizeof(plugin_host));
    h->cfg = cfg;
    h->before_exit = paths->before_exit;
    h->a = a;
    h->n = cfg->n_plugins;
    h->plugins = arena_zalloc(a, h->n * sizeof(plugin));
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    bool ok = true;
    for (size_t i = 0; i < h->n; i++) {
        h->plugins[i].name = cfg->plugins[i].name;
        ok &= find_plugin(&h->plugins[i], &cfg->plugins[i], paths, a, d);
    }
    if (ok) {
        h->main = state_new(h);
        if (!h->main) {
            diag_report(d, DIAG_ERROR, SRC_NONE, "cannot start Lua (out of memory)");
            ok = false;
        }
    }
    if (ok && !cfg->plugin_instructions_set) {
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, install_arm_handler);
    }
    if (ok)
        h->watchdog_running = pthread_create(&h->watchdog, NULL, watchdog_main, h) == 0;
    if (ok)
        ok = state_load_plugins(h->main, SIZE_MAX, d) && check_hooks(h, d);
    for (size_t i = 0; ok && i < h->n; i++) {
        h->plugins[i].home = h->main;
        if (i == 0 || !push_hook(h->main, i, "site_loaded", LUA_TFUNCTION))
            continue;
        lua_pop(h->main->L, 1);
        lstate *S = state_new(h);
        diag *quiet = diag_new(); /* the main state's loading reported its warnings */
        ok = S && state_load_plugins(S, i, quiet); /* the plugin alone: only its hooks run */
        diag_free(quiet);
        if (!ok) /* S, if made, is freed with the host: it is in h->states */
            diag_report(d, DIAG_ERROR, SRC_NONE, "cannot start Lua (out of memory)");
        h->plugins[i].home = S;
    }
    if (!ok) {
        plugin_host_free(h);
        return NULL;
    }
    thread_state = h->main;
    return h;
}

void
plugin_host_set_profile(plugin_host *h, profile *p)
{
    if (h)
        h->profile = p;
}

void
plugin_host_free(plugin_host *h)
{
    if (!h)
        return;
    if (h->watchdog_running) {
        pthread_mutex_lock(&h->lock);
        h->stop = true;
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->watchdog, NULL);
    }
    for (lstate *S = h->states, *next; S; S = next) {
        next = S->next;
        if (thread_state == S)
            thread_state = NULL;
        state_free(S);
    }
    plugin_stop_page_hooks(h);
    free_page_job(h->ahead);
    drop_facts(h);
    free(h->pool);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->wake);
    free(h);
}

struct plugin_closing {
    plugin_host *h;
    pthread_t thread;
    bool started;
};

static void *
closing_main(void *arg)
{
    plugin_host_free(((plugin_closing *)arg)->h);
    return NULL;
}

plugin_closing *
plugin_host_close_start(plugin_host *h)
{
    if (!h)
        return NULL;
    /* the calling thread's state of h (worker_state()) must not outlive h */
    for (lstate *S = h->states; S; S = S->next)
        if (thread_state == S)
            thread_state = NULL;
    plugin_closing *c = xcalloc(1, sizeof *c);
    c->h = h;
    c->started = pthread_create(&c->thread, NULL, closing_main, c) == 0;
    if (!c->started)
        plugin_host_free(h);
    return c;
}

void
plugin_host_close_end(plugin_closing *c)
{
    if (!c)
        return;
    if (c->started)
        pthread_join(c->thread, NULL);
    free(c);
}

/* Pops a hook's result (the top of the stack): nil gives *out NULL; a table of name = data
 * becomes a map in a. False (reported) for anything else. */
static bool
read_result(lstate *S, const plugin *p, const char *hook, arena *a, value **out, diag *d)
{
    lua_State *L = S->L;
    *out = NULL;
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return true;
    }
    convert c = CONVERT_INIT(a, STRING_MAX);
    value *v = lua_istable(L, -1) && !proxy_target(L, -1) ? to_value(&c, L, -1, 0) : NULL;
    lua_pop(L, 1);
    if (c.err) {
        diag_report(d, DIAG_ERROR, SRC_POS(p->file, 0, 0), "%s returned %s", hook, c.err);
        return false;
    }
    if (!v || v->type != VALUE_MAP) {
        diag_report(d, DIAG_ERROR, SRC_POS(p->file, 0, 0),
                    "%s must return a table of name = data, or nil", hook);
        return false;
    }
    *out = v;
    return true;
}

/* Merges the map v (a hook's result, or NULL) into target (its pairs allocated in a); in
 * site.data a key may be published once (once: else reports nothing, d may be NULL). */
static bool
merge_result(const plugin *p, value *target, const value *v, const char *hook, bool once, arena *a,
             diag *d)
{
    for (size_t i = 0; v && i < v->as.map.len; i++) {
        const value_pair *pr = &v->as.map.pairs[i];
        if (once && value_map_get(target, pr->key)) {
            diag_report(d, DIAG_ERROR, SRC_POS(p->file, 0, 0),
                        "%s: site.data.%s is already published by an earlier plugin", hook,
                        pr->key);
            return false;
        }
        value_map_setn(target, pr->key, pr->key_len, pr->val, a);
    }
    return true;
}

/* The map under key in ctx, created when missing. */
static value *
data_map(value *ctx, arena *a)
{
    value *m = (value *)value_map_get(ctx, "data");
    if (!m || m->type != VALUE_MAP) {
        m = value_new_map(a, SRC_NONE);
        value_map_set(ctx, "data", m, a);
    }
    return m;
}

/* The Lua state of pool worker w for page hooks: the main one for worker 0 (the calling
 * thread), else one made by that worker with every plugin loaded again, kept for later
 * passes and freed with the host. NULL (reported) when it cannot start. */
static lstate *
pool_state(plugin_host *h, size_t w, diag *d)
{
    if (w == 0)
        return h->main;
    if (h->pool[w])
        return h->pool[w];
    lstate *S = state_new(h);
    diag *quiet = diag_new(); /* the main state's loading reported its warnings */
    bool ok = S && state_load_plugins(S, SIZE_MAX, quiet);
    diag_free(quiet);
    if (!ok) { /* S, if made, is freed with the host: it is in h->states */
        diag_report(d, DIAG_ERROR, SRC_NONE, "cannot start Lua (out of memory)");
        return NULL;
    }
    h->pool[w] = S;
    return S;
}

typedef struct page_job {
    plugin_host *h;
    size_t plugin;
    const char *hook; /* "page", or "page_facts" (plugin_run_page_facts) */
    const value *site_ctx;
    page *const *pages;
    arena **arenas;  /* per worker: where results are converted (live as long as the build) */
    diag **diags;    /* per page: what its hook reported, merged in page order */
    value **results; /* per page: the returned map, or NULL */
    /* per page, when the memo recalls page_facts results as bytes: those, or none */
    plugin_bytes *bytes;
    bool *failed;                 /* per page: the hook failed */
    const plugin_page_memo *memo; /* or NULL */
    /* run ahead of the site_loaded hooks (plugin_start_page_hooks), against a site value
     * without `data`: a page's result stands (done[i]) unless its hook read site.data, went
     * through all of site, or failed; the rest run after, in plugin_run_page_hooks */
    bool ahead;
    size_t n, workers; /* pages, and the ahead pool's threads */
    bool *done;        /* per page, or NULL */
    atomic_bool stop;  /* the site_loaded hooks are done: start no more pages ahead */
} page_job;

/* Whether key is among the keys read (each ended by '\0'). */
static bool
read_key(const buf *reads, const char *key)
{
    for (const char *k = reads->ptr; k && k < reads->ptr + reads->len; k += strlen(k) + 1)
        if (strcmp(k, key) == 0)
            return true;
    return false;
}

/* A call of S that sees `site` starts: the keys it reads of site are noted from here on
 * (before the arguments are pushed: their proxies are reached in this call). */
static void
watch_site(lstate *S, const value *site)
{
    S->watched_site = site;
    S->call++;
    buf_clear(&S->site_reads);
    S->all_site = false;
    S->reach_checks = S->proxies_made > 0;
}

/* After such a call: whether it read site.data or went through all of site, so that what
 * it returned against the site without data must not stand. */
static bool
saw_data(const lstate *S)
{
    return S->all_site || read_key(&S->site_reads, "data");
}

/* The site as the hooks run ahead see it: site_ctx's keys but "data", which the site_loaded
 * hooks are writing meanwhile (a copy of the map: the values are shared, read only). */
static value *
site_without_data(plugin_host *h, const value *site_ctx)
{
    value *view = value_new_map(h->a, SRC_NONE);
    for (size_t k = 0; k < site_ctx->as.map.len; k++) {
        const value_pair *pr = &site_ctx->as.map.pairs[k];
        if (strcmp(pr->key, "data") != 0)
            value_map_setn(view, pr->key, pr->key_len, pr->val, h->a);
    }
    return view;
}

/* The page hook of one plugin for page i, on worker w: everything it reports goes to the
 * page's own diag, its result into the worker's arena; nothing shared is written. */
static void
page_one(size_t i, size_t w, void *payload)
{
    page_job *job = payload;
    plugin_host *h = job->h;
    const page *pg = job->pages[i];
    const plugin *p = &h->plugins[job->plugin];
    diag *d = job->diags[i] = diag_new();
    char note[512];
    snprintf(note, sizeof note, "while processing %s", pg->path);
    diag_set_context(SRC_POS(pg->path, 1, 1), note);
    const plugin_page_memo *memo = job->memo;
    const plugin_page_call call = {p->name, i, pg, job->site_ctx, w};
    bool recalled =
        memo &&
        (job->bytes ? memo->recall_bytes(memo->payload, &call, &job->bytes[i], job->arenas[w], d)
                    : memo->recall(memo->payload, &call, &job->results[i], job->arenas[w], d));
    if (recalled) {
        job->failed[i] = false;
        if (job->done)
            job->done[i] = true;
        diag_set_context(SRC_NONE, NULL);
        return;
    }
    lstate *S = pool_state(h, w, d);
    bool ok = S && push_hook(S, job->plugin, job->hook, LUA_TFUNCTION);
    if (ok) {
        reseed(S->L);
        watch_site(S, job->site_ctx);
        push_value(S->L, pg->ctx, false);
        push_value(S->L, job->site_ctx, false);
        int status = limited_call(S, p, job->hook, NULL, 2, 1, d);
        S->watched_site = NULL;
        if (status != LUA_OK) {
            report_hook_failure(S, p, status, job->hook, d);
            ok = false;
        } else {
            ok = read_result(S, p, job->hook, job->arenas[w], &job->results[i], d);
        }
        if (job->ahead && (!ok || saw_data(S))) {
            /* it saw the site without what site_loaded makes: run again after */
            diag_free(d);
            job->diags[i] = NULL;
            job->results[i] = NULL;
            diag_set_context(SRC_NONE, NULL);
            return;
        }
        if (ok && memo && diag_error_count(d) == 0)
            memo->remember(memo->payload, &call,
                           &(plugin_site_reads){S->site_reads.ptr, S->site_reads.len, S->all_site},
                           job->results[i], d);
    }
    job->failed[i] = !ok;
    if (job->done)
        job->done[i] = true;
    diag_set_context(SRC_NONE, NULL);
}

/* page_one for the pages not done ahead */
static void
page_rest(size_t i, size_t w, void *payload)
{
    page_job *job = payload;
    if (!job->done || !job->done[i])
        page_one(i, w, payload);
}

/* page_one ahead, on worker w + 1 (worker 0, the main state, runs site_loaded) */
static void
page_ahead(size_t i, size_t w, void *payload)
{
    page_job *job = payload;
    if (!atomic_load_explicit(&job->stop, memory_order_relaxed))
        page_one(i, w + 1, payload);
}

static void *
ahead_main(void *arg)
{
    page_job *job = arg;
    pool_run(job->workers, job->n, page_ahead, job);
    return NULL;
}

/* {====================================================================
 * site_loaded's `facts`: page path -> a copy of what page_facts returned for it, made
 * when read (facts[path], pairs(facts)), so that the copies of 50,000 pages are never all
 * alive at once (Lua collects each after use), and plain Lua tables, not read-only views:
 * a site hook over every project reads them without a proxy per value. Upvalue 1 of its
 * functions is the plugin (a light userdata); the results are there only while the
 * site_loaded hooks run (drop_facts() clears the plugin's): read later (kept in a
 * file-level variable), it is an error.
 * ===================================================================== */

static bool
has_fact(const plugin_fact *f)
{
    return f->v || f->bytes.bytes;
}

/* The value at r (as serial_put_value() wrote it) as push_value(L, v, true) pushes the
 * value serial_get_value() makes of it: plain tables, numbers as push_number(), dates as
 * ISO text. */
static void
push_serial(lua_State *L, serial_reader *r, unsigned depth)
{
    serial_item it;
    luaL_checkstack(L, 4, "data nested too deeply");
    if (depth > 256 || !serial_get_item(r, &it, NULL))
        luaL_error(L, "a kept page_facts result is damaged");
    switch (it.type) {
    case VALUE_NULL:
        lua_pushnil(L);
        break;
    case VALUE_BOOL:
        lua_pushboolean(L, it.boolean);
        break;
    case VALUE_NUMBER:
        push_number(L, it.number);
        break;
    case VALUE_STRING:
        lua_pushlstring(L, it.text, it.len);
        break;
    case VALUE_DATE:
        push_date(L, &it.date);
        break;
    case VALUE_LIST:
        lua_createtable(L, (int)it.count, 0);
        for (size_t i = 0; i < it.count; i++) {
            push_serial(L, r, depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case VALUE_MAP:
        lua_createtable(L, 0, (int)it.count);
        for (size_t i = 0; i < it.count; i++) {
            size_t len;
            src_pos at;
            const char *key = serial_get_key(r, &len, &at, NULL);
            if (!key)
                luaL_error(L, "a kept page_facts result is damaged");
            lua_pushlstring(L, key, len);
            push_serial(L, r, depth + 1);
            lua_rawset(L, -3);
        }
        break;
    }
}

/* The sanitizer builds check that a kept result reads as the value it was (a walk of the
 * two tables, at the top of L's stack). */
static bool
same_lua(lua_State *L, int a, int b, unsigned depth)
{
    a = lua_absindex(L, a);
    b = lua_absindex(L, b);
    if (lua_type(L, a) != lua_type(L, b) || depth > 300)
        return false;
    if (lua_type(L, a) != LUA_TTABLE) /* 1 and 1.0 are raw-equal: the subtype too */
        return lua_isinteger(L, a) == lua_isinteger(L, b) && lua_rawequal(L, a, b);
    size_t n_a = 0, n_b = 0;
    lua_pushnil(L);
    while (lua_next(L, a)) { /* key -2, value -1 */
        n_a++;
        lua_pushvalue(L, -2);
        lua_rawget(L, b);
        bool same = same_lua(L, -2, -1, depth + 1);
        lua_pop(L, 2);
        if (!same) {
            lua_pop(L, 1);
            return false;
        }
    }
    lua_pushnil(L);
    while (lua_next(L, b)) {
        n_b++;
        lua_pop(L, 1);
    }
    return n_a == n_b;
}

/* A page's page_facts result as a fresh plain table (or what the value is). */
static void
push_fact(lua_State *L, const plugin_fact *f)
{
    if (f->v) {
        push_value(L, f->v, true);
        return;
    }
    serial_reader r = SERIAL_READER_BORROWING(f->bytes.bytes, f->bytes.len);
    push_serial(L, &r, 0);
    if (r.p != r.end)
        luaL_error(L, "a kept page_facts result is damaged");
    if (SELF_CHECKS) {
        arena *a = arena_new();
        serial_reader again = SERIAL_READER_BORROWING(f->bytes.bytes, f->bytes.len);
        push_value(L, serial_get_value(&again, a), true);
        bool same = same_lua(L, -2, -1, 0);
        lua_pop(L, 1);
        arena_free(a);
        if (!same)
            internal_error("a kept page_facts result reads otherwise as bytes than as a value");
    }
}

static const plugin *
facts_plugin(lua_State *L)
{
    const plugin *p = lua_touserdata(L, lua_upvalueindex(1));
    if (!p->facts)
        luaL_error(L, "facts are only there while site_loaded runs");
    return p;
}

static int
facts_index(lua_State *L)
{
    const plugin *p = facts_plugin(L);
    const plugin_host *h = state_of(L)->h;
    const char *path = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    uintptr_t at = path ? (uintptr_t)strtab_get(&h->facts_by_path, path) : 0;
    if (!at || !has_fact(&p->facts[at - 1]))
        return 0;
    push_fact(L, &p->facts[at - 1]);
    return 1;
}

/* The iterator of pairs(facts): upvalue 2 is the next place; pages in site.pages order. */
static int
facts_next(lua_State *L)
{
    const plugin *p = facts_plugin(L);
    const plugin_host *h = state_of(L)->h;
    lua_Integer k = lua_tointeger(L, lua_upvalueindex(2));
    while ((size_t)k < h->n_facts && !has_fact(&p->facts[k]))
        k++;
    if ((size_t)k >= h->n_facts)
        return 0;
    lua_pushinteger(L, k + 1);
    lua_replace(L, lua_upvalueindex(2));
    lua_pushstring(L, h->facts_pages[k]->path);
    push_fact(L, &p->facts[k]);
    return 2;
}

static int
facts_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, facts_next, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* #facts: how many pages page_facts returned a table for. */
static int
facts_len(lua_State *L)
{
    const plugin *p = facts_plugin(L);
    const plugin_host *h = state_of(L)->h;
    lua_Integer n = 0;
    for (size_t k = 0; k < h->n_facts; k++)
        n += has_fact(&p->facts[k]);
    lua_pushinteger(L, n);
    return 1;
}

static int
facts_newindex(lua_State *L)
{
    return luaL_error(L, "facts are read-only");
}

/* site_loaded's second argument when plugin p has a page_facts hook (see above). Returns
 * how many arguments it pushed (0 or 1). */
static int
push_facts(lstate *S, const plugin *p)
{
    if (!p->facts)
        return 0;
    lua_State *L = S->L;
    static const luaL_Reg mt[] = {{"__index", facts_index},
                                  {"__newindex", facts_newindex},
                                  {"__pairs", facts_pairs},
                                  {"__len", facts_len},
                                  {NULL, NULL}};
    luaL_checkstack(L, 8, "facts");
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 4);
    lua_pushlightuserdata(L, (void *)p);
    luaL_setfuncs(L, mt, 1);
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    return 1;
}

/* After the site_loaded hooks: the page_facts results are freed, and a `facts` a plugin
 * kept reads as an error. */
static void
drop_facts(plugin_host *h)
{
    for (size_t i = 0; i < h->n; i++)
        h->plugins[i].facts = NULL;
    for (size_t w = 0; w < h->n_facts_arenas; w++)
        arena_free(h->facts_arenas[w]);
    free(h->facts_arenas);
    h->facts_arenas = NULL;
    h->n_facts_arenas = 0;
    strtab_free(&h->facts_by_path);
}

/* }==================================================================== */

/* The site_loaded hooks of the plugins after the first, run on a thread of their own while
 * the first plugin's runs on the calling one, each in its home state, against the site
 * without "data" (what the earlier plugins are making): a result stands (done[i], the
 * returned table kept in the state's registry, ref[i]) unless the hook read site.data, went
 * through all of site, or failed; the others run again after, in order. */
typedef struct site_job {
    plugin_host *h;
    const value *view; /* the site without "data" */
    bool *done;
    int *ref;
    diag **diags;
} site_job;

static void *
site_ahead_main(void *arg)
{
    site_job *job = arg;
    plugin_host *h = job->h;
    for (size_t i = 1; i < h->n; i++) {
        const plugin *p = &h->plugins[i];
        lstate *S = p->home;
        if (S == h->main || !push_hook(S, i, "site_loaded", LUA_TFUNCTION))
            continue;
        watch_site(S, job->view);
        push_value(S->L, job->view, false);
        int facts = push_facts(S, p);
        diag *pd = diag_new();
        int status = limited_call(S, p, "site_loaded", NULL, 1 + facts, 1, pd);
        S->watched_site = NULL;
        if (status == LUA_OK && !saw_data(S)) {
            job->ref[i] = luaL_ref(S->L, LUA_REGISTRYINDEX);
            job->diags[i] = pd;
            job->done[i] = true;
        } else {
            lua_pop(S->L, 1); /* the result or the error: it runs again */
            diag_free(pd);
        }
    }
    return NULL;
}

/* Plugin i's site_loaded in its home state against site_ctx, or (ref not LUA_NOREF) what
 * it returned ahead; its result merged into site.data. */
static bool
site_loaded_one(plugin_host *h, size_t i, value *site_ctx, int ref, diag *d)
{
    const plugin *p = &h->plugins[i];
    lstate *S = p->home;
    if (ref != LUA_NOREF) {
        lua_rawgeti(S->L, LUA_REGISTRYINDEX, ref);
        luaL_unref(S->L, LUA_REGISTRYINDEX, ref);
    } else {
        if (!push_hook(S, i, "site_loaded", LUA_TFUNCTION))
            return true;
        push_value(S->L, site_ctx, false);
        int facts = push_facts(S, p);
        int status = limited_call(S, p, "site_loaded", NULL, 1 + facts, 1, d);
        if (status != LUA_OK) {
            report_hook_failure(S, p, status, "site_loaded", d);
            return false;
        }
    }
    value *v;
    return read_result(S, p, "site_loaded", h->a, &v, d) &&
           merge_result(p, data_map(site_ctx, h->a), v, "site_loaded", true, h->a, d);
}

bool
plugin_run_site_loaded(plugin_host *h, value *site_ctx, size_t workers, diag *d)
{
    h->site_ctx = site_ctx;
    size_t ahead = 0; /* later plugins with a site_loaded hook (and a home state) */
    for (size_t i = 1; i < h->n; i++)
        ahead += h->plugins[i].home != h->main;
    site_job job = {h, NULL, xcalloc(h->n + 1, sizeof(bool)), xcalloc(h->n + 1, sizeof(int)),
                    xcalloc(h->n + 1, sizeof(diag *))};
    for (size_t i = 0; i < h->n; i++)
        job.ref[i] = LUA_NOREF;
    pthread_t thread;
    bool running = false;
    if (workers >= 2 && ahead) {
        job.view = site_without_data(h, site_ctx);
        running = pthread_create(&thread, NULL, site_ahead_main, &job) == 0;
    }
    bool ok = site_loaded_one(h, 0, site_ctx, LUA_NOREF, d);
    if (running)
        pthread_join(thread, NULL);
    for (size_t i = 1; running && i < h->n; i++)
        if (h->plugins[i].home != h->main)
            retarget_view(h->plugins[i].home, job.view, site_ctx);
    for (size_t i = 1; i < h->n; i++) {
        if (ok) {
            if (job.done[i])
                diag_merge(d, job.diags[i]);
            ok = site_loaded_one(h, i, site_ctx, job.ref[i], d);
        } else if (job.ref[i] != LUA_NOREF) { /* not taken: a plugin before it failed */
            luaL_unref(h->plugins[i].home->L, LUA_REGISTRYINDEX, job.ref[i]);
        }
        diag_free(job.diags[i]);
    }
    free(job.done);
    free(job.ref);
    free(job.diags);
    drop_facts(h);
    return ok;
}

/* The state array for `workers` page hook workers. */
static void
size_pool(plugin_host *h, size_t workers)
{
    if (workers > h->n_pool) {
        h->pool = xrealloc(h->pool, workers * sizeof(lstate *));
        memset(h->pool + h->n_pool, 0, (workers - h->n_pool) * sizeof(lstate *));
        h->n_pool = workers;
    }
}

static page_job *
new_page_job(plugin_host *h, size_t which, const value *site_ctx, page *const *pages, size_t n,
             arena **arenas, const plugin_page_memo *memo)
{
    page_job *job = xcalloc(1, sizeof *job);
    job->h = h;
    job->plugin = which;
    job->hook = "page";
    job->site_ctx = site_ctx;
    job->pages = pages;
    job->arenas = arenas;
    job->diags = xcalloc(n + 1, sizeof(diag *));
    job->results = xcalloc(n + 1, sizeof(value *));
    job->failed = xcalloc(n + 1, sizeof(bool));
    job->memo = memo;
    job->n = n;
    atomic_init(&job->stop, false);
    return job;
}

static void
free_page_job(page_job *job)
{
    if (!job)
        return;
    for (size_t k = 0; k < job->n; k++)
        diag_free(job->diags[k]);
    free(job->diags);
    free(job->results);
    free(job->bytes);
    free(job->failed);
    free(job->done);
    free(job);
}

bool
plugin_run_page_facts(plugin_host *h, value *site_ctx, page *const *pages, size_t n, size_t workers,
                      const plugin_page_memo *memo, diag *d)
{
    h->site_ctx = site_ctx;
    size_pool(h, workers);
    drop_facts(h);
    /* the results live until the site_loaded hooks are done (drop_facts), in arenas of
     * their own: not in the model's, which last the whole build */
    h->facts_arenas = xcalloc(workers, sizeof(arena *));
    h->n_facts_arenas = workers;
    for (size_t w = 0; w < workers; w++)
        h->facts_arenas[w] = arena_new();
    h->facts_pages = pages;
    h->n_facts = n;
    strtab_reserve(&h->facts_by_path, n);
    for (size_t k = 0; k < n; k++)
        strtab_put(&h->facts_by_path, pages[k]->path, (void *)(uintptr_t)(k + 1));
    bool ok = true;
    /* plugin by plugin, the pages of one on the pool; results and diagnostics taken in page
     * order up to the first page whose hook failed, as for page hooks */
    for (size_t i = 0; i < h->n && ok; i++) {
        if (!has_hook(h, i, "page_facts"))
            continue;
        page_job *job = new_page_job(h, i, site_ctx, pages, n, h->facts_arenas, memo);
        job->hook = "page_facts";
        if (memo && memo->recall_bytes)
            job->bytes = xcalloc(n + 1, sizeof *job->bytes);
        if (memo)
            memo->start(memo->payload, n);
        pool_run(workers, n, page_one, job);
        plugin_fact *facts = arena_zalloc(h->a, (n + 1) * sizeof *facts);
        for (size_t k = 0; k < n && ok; k++) { /* the rest: nil */
            facts[k] = (plugin_fact){job->results[k],
                                     job->bytes ? job->bytes[k] : (plugin_bytes){NULL, 0}};
            diag_merge(d, job->diags[k]);
            ok = !job->failed[k];
        }
        h->plugins[i].facts = facts;
        free_page_job(job);
    }
    return ok;
}

const char **
plugin_page_facts_names(plugin_host *h, size_t *n)
{
    const char **names = arena_alloc(h->a, (h->n + 1) * sizeof *names);
    *n = 0;
    for (size_t i = 0; i < h->n; i++)
        if (has_hook(h, i, "page_facts"))
            names[(*n)++] = h->plugins[i].name;
    return names;
}

/* The first plugin with a page hook, or h->n. */
static size_t
first_page_plugin(plugin_host *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (has_hook(h, i, "page"))
            return i;
    return h->n;
}

void
plugin_start_page_hooks(plugin_host *h, value *site_ctx, page *const *pages, size_t n,
                        size_t workers, arena **worker_arenas, const plugin_page_memo *memo)
{
    size_t first = first_page_plugin(h);
    if (h->ahead || workers < 2 || !worker_arenas || first == h->n || n == 0)
        return;
    value *view = site_without_data(h, site_ctx);
    size_pool(h, workers);
    page_job *job = new_page_job(h, first, view, pages, n, worker_arenas, memo);
    job->ahead = true;
    job->workers = workers - 1;
    job->done = xcalloc(n + 1, sizeof(bool));
    if (memo)
        memo->start(memo->payload, n);
    /* plugin_run_page_hooks takes the job (and does not start the memo again); when no
     * thread could be made, with none of its pages done */
    h->ahead = job;
    h->ahead_running = pthread_create(&h->ahead_thread, NULL, ahead_main, job) == 0;
}

void
plugin_stop_page_hooks(plugin_host *h)
{
    if (!h->ahead_running)
        return;
    atomic_store(&h->ahead->stop, true);
    pthread_join(h->ahead_thread, NULL);
    h->ahead_running = false;
}

/* Page i's result into its page.data, once every page's hook of the plugin ran (a hook may
 * read other pages' data, which then stays as it was for all of them): on the pool, each
 * page's map its own (at 10,000 pages 8 ms on the main thread before). */
static void
merge_one(size_t i, size_t worker, void *payload)
{
    page_job *job = payload;
    if (!job->results[i])
        return;
    page *p = job->pages[i];
    value *data = data_map(p->ctx, job->arenas[worker]);
    merge_result(&job->h->plugins[job->plugin], data, job->results[i], "page", false,
                 job->arenas[worker], NULL);
    if (job->memo) /* the page hashes take it (page.late_vals), made while it is at hand */
        page_note_late(p, PAGE_LATE_DATA, data);
}

bool
plugin_run_page_hooks(plugin_host *h, value *site_ctx, page *const *pages, size_t n, size_t workers,
                      arena **worker_arenas, const plugin_page_memo *memo, diag *d)
{
    h->site_ctx = site_ctx;
    plugin_stop_page_hooks(h);
    if (!worker_arenas)
        workers = 1;
    size_pool(h, workers);
    arena *main_arena[1] = {h->a};
    bool ok = true;
    /* plugin by plugin (a later plugin's page hook sees what earlier ones added), the
     * pages of one plugin on the pool; results and diagnostics are taken in page order,
     * up to the first page whose hook failed, as if they had run one after another */
    for (size_t i = 0; i < h->n && ok; i++) {
        if (!has_hook(h, i, "page"))
            continue;
        page_job *job = h->ahead && h->ahead->plugin == i ? h->ahead : NULL;
        if (job) { /* the pages done ahead stand; the rest run now, against the whole site */
            h->ahead = NULL;
            job->ahead = false;
            for (size_t w = 1; w < h->n_pool; w++)
                if (h->pool[w])
                    retarget_view(h->pool[w], job->site_ctx, site_ctx);
            job->site_ctx = site_ctx;
        } else {
            job = new_page_job(h, i, site_ctx, pages, n, worker_arenas ? worker_arenas : main_arena,
                               memo);
            if (memo)
                memo->start(memo->payload, n);
        }
        pool_run(workers, n, page_rest, job);
        size_t taken = 0; /* the pages up to the first whose hook failed */
        while (taken < n && ok) {
            diag_merge(d, job->diags[taken]);
            ok = !job->failed[taken++];
        }
        pool_run(workers, ok ? taken : taken - 1, merge_one, job);
        free_page_job(job);
    }
    free_page_job(h->ahead); /* started for pages of another count: not used */
    h->ahead = NULL;
    return ok;
}

static const char *
field_string(lua_State *L, int idx, const char *key, size_t *len)
{
    raw_field(L, idx, key);
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
    lua_pop(L, 1); /* the string stays alive: it is a field of the table at idx */
    return s;
}

static bool
run_generate(plugin_host *h, const value *site_ctx, plugin_output **outs, size_t *n, diag *d)
{
    size_t cap = 0;
    *outs = NULL;
    *n = 0;
    for (size_t i = 0; i < h->n; i++) {
        const plugin *p = &h->plugins[i];
        lstate *S = p->home;
        lua_State *L = S->L;
        if (!push_hook(S, i, "generate", LUA_TFUNCTION))
            continue;
        push_value(L, site_ctx, false);
        int status = limited_call(S, p, "generate", NULL, 1, 1, d);
        if (status != LUA_OK) {
            report_hook_failure(S, p, status, "generate", d);
            return false;
        }
        src_pos at = SRC_POS(p->file, 0, 0);
        if (!lua_istable(L, -1)) {
            diag_report(d, DIAG_ERROR, at, "generate must return a list of {path = ...}, not %s",
                        luaL_typename(L, -1));
            lua_pop(L, 1);
            return false;
        }
        size_t count = lua_rawlen(L, -1);
        for (size_t k = 1; k <= count; k++) {
            lua_rawgeti(L, -1, (lua_Integer)k);
            int t = lua_gettop(L);
            size_t plen = 0, clen = 0, tlen = 0;
            const char *path = lua_istable(L, t) ? field_string(L, t, "path", &plen) : NULL;
            const char *content = path ? field_string(L, t, "content", &clen) : NULL;
            const char *tmpl = path ? field_string(L, t, "template", &tlen) : NULL;
            if (!path || !plen || (!content == !tmpl)) {
                diag_report(d, DIAG_ERROR, at,
                            "generate: item %zu must be {path = \"...\", content = \"...\"} or "
                            "{path = \"...\", template = \"...\", data = {...}}",
                            k);
                lua_pop(L, 2);
                return false;
            }
            *outs = arena_grow(h->a, *outs, *n, &cap, sizeof(plugin_output), 8);
            plugin_output *o = &(*outs)[(*n)++];
            memset(o, 0, sizeof *o);
            o->path = arena_strndup(h->a, path, plen);
            o->origin = at;
            if (content && clen > FILE_CONTENT_MAX) {
                diag_report(d, DIAG_ERROR, at,
                            "generate: the content of '%s' is longer than %d MiB (%zu bytes)",
                            o->path, FILE_CONTENT_MAX_MIB, clen);
                lua_pop(L, 2);
                return false;
            }
            if (content) {
                o->content = arena_strndup(h->a, content, clen);
                o->content_len = clen;
            } else {
                o->template_name = arena_strndup(h->a, tmpl, tlen);
                raw_field(L, t, "data");
                convert c = CONVERT_INIT(h->a, STRING_MAX);
                o->data = lua_isnil(L, -1) ? value_new_map(h->a, SRC_NONE) : to_value(&c, L, -1, 0);
                lua_pop(L, 1);
                if (c.err)
                    diag_report(d, DIAG_ERROR, at, "generate returned %s in the data of '%s'",
                                c.err, o->path);
                else if (o->data->type != VALUE_MAP)
                    diag_report(d, DIAG_ERROR, at, "generate: the data of '%s' must be a map",
                                o->path);
                if (!o->data || o->data->type != VALUE_MAP) {
                    lua_pop(L, 2);
                    return false;
                }
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return true;
}

void
plugin_set_page(plugin_host *h, const value *site_ctx, const value *page_ctx)
{
    h->site_ctx = site_ctx;
    h->page_ctx = page_ctx;
}

/* The names of every shortcode, sorted, for "unknown shortcode" messages. */
static const char *
shortcode_names(lstate *S, arena *a)
{
    const char **names = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < S->h->n; i++) {
        if (!push_hook(S, i, "shortcodes", LUA_TTABLE))
            continue;
        lua_pushnil(S->L);
        while (lua_next(S->L, -2)) {
            names = xgrow(names, n, &cap, sizeof(char *), 16);
            names[n++] = arena_strdup(a, lua_tostring(S->L, -2));
            lua_pop(S->L, 1);
        }
        lua_pop(S->L, 1);
    }
    if (n)
        qsort(names, n, sizeof(char *), cmp_str);
    buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
            buf_printf(&b, "%s%s", b.len ? ", " : "", names[i]);
    const char *s = arena_strdup(a, b.len ? b.ptr : "none");
    buf_free(&b);
    free(names);
    return s;
}

bool
plugin_shortcode(buf *html, const shortcode_call *call, void *payload, diag *d)
{
    plugin_host *h = payload;
    size_t found = h->n;
    lstate *S = h->main;
    lua_State *L = S->L;
    for (size_t i = h->n; i-- > 0 && found == h->n;) { /* a later plugin's wins */
        S = h->plugins[i].home;                        /* where its site_loaded ran */
        L = S->L;
        if (!push_hook(S, i, "shortcodes", LUA_TTABLE))
            continue;
        raw_field(L, -1, call->name);
        lua_remove(L, -2);
        if (lua_isfunction(L, -1))
            found = i;
        else
            lua_pop(L, 1);
    }
    if (found == h->n) {
        diag_report(d, DIAG_ERROR, call->at, "unknown shortcode '%s' (shortcodes: %s)", call->name,
                    shortcode_names(h->main, h->a));
        return false;
    }
    const plugin *p = &h->plugins[found];
    push_value(L, call->args, true);
    lua_createtable(L, 0, 2);
    push_value(L, h->page_ctx, false);
    lua_setfield(L, -2, "page");
    push_value(L, h->site_ctx, false);
    lua_setfield(L, -2, "site");
    int status = limited_call(S, p, "shortcode", call->name, 2, 1, d);
    if (status != LUA_OK) {
        lua_failure f;
        read_failure(&f, S, p, status);
        size_t id = diag_report(d, DIAG_ERROR, call->at, "shortcode '%s': %s", call->name, f.msg);
        if (f.at.line)
            diag_note(d, id, f.at, "raised here");
        else
            diag_note(d, id, f.at, "the shortcode of plugin '%s'", p->name);
        lua_pop(L, 1);
        return false;
    }
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER) {
        diag_report(d, DIAG_ERROR, call->at, "shortcode '%s' must return text (HTML), not %s",
                    call->name, luaL_typename(L, -1));
        lua_pop(L, 1);
        return false;
    }
    convert c = CONVERT_INIT(h->a, STRING_MAX);
    if (!check_scalar(&c, L, -1)) {
        diag_report(d, DIAG_ERROR, call->at, "shortcode '%s' returned %s", call->name, c.err);
        lua_pop(L, 1);
        return false;
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    buf_append(html, s, len);
    lua_pop(L, 1);
    return true;
}

/* The Lua state of the calling thread: the main one on the main thread, else one made
 * for this thread with every plugin loaded again (and freed with the host). */
static lstate *
worker_state(plugin_host *h, diag *d)
{
    if (thread_state && thread_state->h == h)
        return thread_state;
    lstate *S = state_new(h);
    if (!S) {
        diag_report(d, DIAG_ERROR, SRC_NONE, "cannot start Lua (out of memory)");
        return NULL;
    }
    if (!state_load_plugins(S, SIZE_MAX, d))
        return NULL; /* still freed with the host: it is in h->states */
    thread_state = S;
    return S;
}

static bool
run_filter(value **out, const value *input, const value *args, arena *scratch, diag *d, src_pos at,
           void *payload)
{
    filter_ref *f = payload;
    lstate *S = worker_state(f->h, d);
    if (!S)
        return false;
    lua_State *L = S->L;
    const plugin *p = &f->h->plugins[f->plugin];
    if (!push_hook(S, f->plugin, "filters", LUA_TTABLE))
        return false;
    raw_field(L, -1, f->name);
    lua_remove(L, -2);
    push_value(L, input, true); /* copies: template values may live in scratch */
    push_value(L, args, true);
    int status = limited_call(S, p, "filter", f->name, 2, 1, d);
    if (status != LUA_OK) {
        lua_failure fl;
        read_failure(&fl, S, p, status);
        size_t id = diag_report(d, DIAG_ERROR, at, "filter '%s': %s", f->name, fl.msg);
        if (fl.at.line)
            diag_note(d, id, fl.at, "raised here");
        lua_pop(L, 1);
        return false;
    }
    convert c = CONVERT_INIT(scratch, STRING_MAX); /* this thread's own arena */
    *out = to_value(&c, L, -1, 0);
    lua_pop(L, 1);
    if (!*out) {
        diag_report(d, DIAG_ERROR, at, "filter '%s' returned %s", f->name, c.err);
        return false;
    }
    return true;
}

bool
plugin_run_generate(plugin_host *h, const value *site_ctx, plugin_output **outs, size_t *n,
                    bool *read_content, diag *d)
{
    watch_content = true;
    content_read = false;
    bool ok = run_generate(h, site_ctx, outs, n, d);
    watch_content = false;
    *read_content = content_read;
    return ok;
}

uint64_t
plugin_host_hash(const plugin_host *h)
{
    uint64_t x = 0;
    for (size_t i = 0; h && i < h->n; i++)
        x = hash_bytes(hash_str(x, h->plugins[i].file), h->plugins[i].src, h->plugins[i].len);
    return x;
}

void
plugin_add_filters(plugin_host *h, template_set *ts)
{
    lstate *S = h->main;
    for (size_t i = 0; i < h->n; i++) {
        if (!push_hook(S, i, "filters", LUA_TTABLE))
            continue;
        lua_pushnil(S->L);
        while (lua_next(S->L, -2)) {
            filter_ref *f = arena_zalloc(h->a, sizeof(filter_ref));
            *f = (filter_ref){h, i, arena_strdup(h->a, lua_tostring(S->L, -2))};
            template_set_add_filter(ts, f->name, run_filter, f);
            lua_pop(S->L, 1);
        }
        lua_pop(S->L, 1);
    }
}
