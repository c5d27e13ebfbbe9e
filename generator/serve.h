/* SPDX-License-Identifier: MIT
 * serve.h - `clinfolio serve`: build the site into a private folder, serve it over HTTP
 * on loopback (libmicrohttpd), watch the sources with inotify, rebuild on a change, and
 * reload open pages (Server-Sent Events) or show the build's errors over them. */
#ifndef CLINFOLIO_SERVE_H
#define CLINFOLIO_SERVE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* The first port tried when none is given, as `hugo server`; when it is taken the next
 * SERVE_PORT_TRIES - 1 ports are tried in turn. */
#define SERVE_DEFAULT_PORT 1313
#define SERVE_PORT_TRIES   10

/* Where the live-reload events are served (outside any site path: a site cannot write a
 * folder whose name starts with "__clinfolio"). */
#define SERVE_EVENTS_PATH "/__clinfolio/events"

typedef struct serve_options {
    const char *root;    /* the site folder (holds site.yaml) */
    const char *bind;    /* the address to listen on, IPv4 or IPv6: "127.0.0.1" */
    int port;            /* -1: SERVE_DEFAULT_PORT and the next free ones; 0: any free port */
    bool drafts;         /* publish pages marked draft: true */
    bool future;         /* publish pages dated in the future */
    bool open_browser;   /* run xdg-open on the URL once serving */
    bool verbose;        /* print each build's milliseconds per part (build_stats) */
    size_t workers;      /* build threads; 0 means one per processor */
    const char *datadir; /* installed themes and plugins (build_options.datadir), or NULL */
} serve_options;

/* Serves the site until a signal ends the process (main's signal thread calls
 * output_remove_temporaries(), which removes the private folder too). Prints the URL
 * and one line per rebuild on standard output, diagnostics on standard error. Returns
 * only when serving could not start (no private folder, no port, no inotify), after
 * printing why, with the exit status: 1. */
int serve_run(const serve_options *opt);

/* {====================================================================
 * request paths (exported for tests)
 * ===================================================================== */

typedef enum serve_path {
    SERVE_PATH_FILE,     /* *out is a relative path beneath the served folder: "a/b.css",
                          * "projects/x/" (a folder: its index.html), "" (the root) */
    SERVE_PATH_REDIRECT, /* the base path without its last slash: "/sub" for "/sub/" */
    SERVE_PATH_OUTSIDE,  /* a valid path outside the base path: 404 */
    SERVE_PATH_BAD,      /* malformed or unsafe: 400 */
} serve_path;

/* Maps the raw (still %-encoded) path of a request to a file beneath the served folder.
 * %XX is decoded once (a malformed escape is kept as it is); refused (SERVE_PATH_BAD): a
 * path that does not start with '/', starts with "//", or holds after decoding a NUL or
 * other control character, a backslash, an empty segment or a "." or ".." segment (so
 * "%2e%2e" and "%2F.." too).
 * base_path starts and ends with '/' ("/" or "/sub/"). *out is cleared first. */
serve_path serve_map_path(buf *out, const char *raw, const char *base_path);

/* The Content-Type for a file name, by its extension (case-insensitive); text types
 * carry "; charset=utf-8"; "application/octet-stream" for anything else. A static
 * string. */
const char *serve_content_type(const char *name);

/* Inserts `extra` before the last "</body>" of html (case-insensitive), or appends it
 * when there is none. */
void serve_inject(buf *html, const char *extra);

/* }==================================================================== */

#endif
