/* SPDX-License-Identifier: MIT
 * inputs.h - a fingerprint of a build's input files without reading them, so that a
 * build whose inputs are all as they were can say so in milliseconds (incremental
 * builds: build.c). Each file counts with its path, size, inode, mode and modification
 * and change times: writing a file changes its change time, which no tool can set back. */
#ifndef CLINFOLIO_INPUTS_H
#define CLINFOLIO_INPUTS_H

#include <stdint.h>

/* Mixes into h what is under dir (a file or a folder, walked recursively in name order,
 * without following symbolic links; names starting with '.' or '#' or ending in '~' are
 * left out, as the content scan leaves them out), naming entries by their path below
 * it. A missing dir mixes in that it is missing. */
uint64_t inputs_hash(uint64_t h, const char *dir);

#endif
