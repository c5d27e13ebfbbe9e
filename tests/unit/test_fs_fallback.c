/* SPDX-License-Identifier: MIT
 * test_fs_fallback.c - test_fs.c's checks on a second copy of fs.c compiled here with
 * CLINFOLIO_NO_OPENAT2: the O_NOFOLLOW walk that replaces openat2 where the kernel
 * refuses it (before Linux 5.6, seccomp), and CLINFOLIO_NO_D_TYPE: folder entries typed
 * by lstat, as on a file system whose readdir gives DT_UNKNOWN. This file defines every
 * fs_* function, so the linker never takes fs.o from libclinfolio.a for this binary. */
#define CLINFOLIO_NO_OPENAT2 1
#define CLINFOLIO_NO_D_TYPE  1
#include "../../generator/fs.c"

#include "test_fs.c"
