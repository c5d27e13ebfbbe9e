/* SPDX-License-Identifier: MIT
 * inputs.h - a fingerprint of a build's input files without reading them, so that a
 * build whose inputs are all as they were can say so in milliseconds (incremental
 * builds: build.c). Each file counts with its path, size, inode, mode and modification
 * and change times: writing a file changes its change time, which no tool can set back. */
#ifndef CLINFOLIO_INPUTS_H
#define CLINFOLIO_INPUTS_H

#include "fs.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* The regular files a walk found, with their metadata as it took it, by their path from
 * the walk's folder's parent ("content/projects/x.md" for a walk of <root>/content), so
 * that the page loads need not ask again (10,000 fstatat at 10,000 pages: about 12 ms of
 * a one-page edit's processor time). Written by one thread, then only read. */
typedef struct inputs_seen inputs_seen;

inputs_seen *inputs_seen_new(void);
void inputs_seen_free(inputs_seen *seen);
/* Whether the walk saw rel as a regular file: then *st is its metadata. */
bool inputs_seen_stat(const inputs_seen *seen, const char *rel, struct stat *st);
/* The entries of the folder rel ("content/projects") as the walk saw them (*n of them,
 * sorted by name as fs_list_dir() sorts them, with their kinds as lstat() gives them, but
 * without the names a walk leaves out), or NULL when it did not list that folder: the
 * content scan then takes the folders the fingerprint saw, not a later state of them (at
 * 10,000 pages its own listing was 9 ms of an edit on one thread). Valid while seen is. */
const fs_entry *inputs_seen_list(const inputs_seen *seen, const char *rel, size_t *n);

/* Whether a walk leaves out an entry of this name: hidden and editor files (a name
 * starting with '.' or '#' or ending in '~'), as the content scan does. */
bool inputs_left_out(const char *name);

/* Mixes into h what is under dir (a file or a folder, walked recursively in name order,
 * without following symbolic links; names inputs_left_out() are left out), naming
 * entries by their path below it. A missing dir mixes in that it is missing. */
uint64_t inputs_hash(uint64_t h, const char *dir);
/* inputs_hash(), keeping in seen the regular files under dir (by dir's last name and
 * their path below it). */
uint64_t inputs_hash_seen(uint64_t h, const char *dir, inputs_seen *seen);

#endif
