/* SPDX-License-Identifier: MIT
 * test_output_fallback.c - test_output.c's checks on a second copy of output.c compiled
 * here with CLINFOLIO_NO_OPENAT2: the O_NOFOLLOW walk that replaces openat2 where the
 * kernel refuses it, in the new tree and in the previous one (issue #10). This file
 * defines every output_* function, so the linker never takes output.o from
 * libclinfolio.a for this binary. */
#define CLINFOLIO_NO_OPENAT2 1
#include "../../generator/output.c"

#include "test_output.c"
