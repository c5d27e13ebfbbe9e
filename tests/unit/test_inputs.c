/* SPDX-License-Identifier: MIT
 * test_inputs.c - the inputs' fingerprint (inputs.h): a walk that keeps what it saw gives
 * the same key as one that does not; it keeps every regular file below the folder, by its
 * path from the folder's parent, with the metadata lstat gives, and nothing it leaves
 * out (hidden and backup names, folders, symbolic links and what is behind them); a file
 * written again has a new key and, walked again, its new metadata. */
#include "inputs.h"

#include "harness.h"

#include <stdint.h>
#include <unistd.h>

static char root[] = "/tmp/clinfolio-inputs-XXXXXX";

/* whether seen has rel with the metadata lstat gives it now */
static int
seen_as_now(const inputs_seen *seen, const char *rel)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    struct stat now, was;
    return lstat(path, &now) == 0 && inputs_seen_stat(seen, rel, &was) &&
           was.st_ino == now.st_ino && was.st_dev == now.st_dev && was.st_size == now.st_size &&
           was.st_mtim.tv_sec == now.st_mtim.tv_sec && was.st_mtim.tv_nsec == now.st_mtim.tv_nsec &&
           S_ISREG(was.st_mode);
}

int
main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    harness_write_file(root, "content/_index.md", "home\n");
    harness_write_file(root, "content/projects/a.md", "a\n");
    harness_write_file(root, "content/projects/deep/b.md", "bb\n");
    harness_write_file(root, "content/projects/.hidden.md", "h\n");
    harness_write_file(root, "content/projects/c.md~", "backup\n");
    harness_write_file(root, "content/#draft.md", "d\n");
    harness_write_file(root, "elsewhere/e.md", "e\n");
    char content[600], link[600], dirlink[600], target[600];
    snprintf(content, sizeof content, "%s/content", root);
    snprintf(link, sizeof link, "%s/content/projects/link.md", root);
    snprintf(dirlink, sizeof dirlink, "%s/content/other", root);
    snprintf(target, sizeof target, "%s/elsewhere", root);
    OK(symlink("a.md", link) == 0 && symlink(target, dirlink) == 0, "symbolic links made");

    inputs_seen *seen = inputs_seen_new();
    uint64_t plain = inputs_hash(7, content), kept = inputs_hash_seen(7, content, seen);
    OK(plain == kept, "keeping what it saw does not change the key");
    OK(seen_as_now(seen, "content/_index.md"), "a file at the top, by its path");
    OK(seen_as_now(seen, "content/projects/a.md"), "a file in a folder");
    OK(seen_as_now(seen, "content/projects/deep/b.md"), "a file two folders down");
    struct stat st;
    OK(!inputs_seen_stat(seen, "content/projects/.hidden.md", &st), "a hidden name is not kept");
    OK(!inputs_seen_stat(seen, "content/projects/c.md~", &st), "a backup name is not kept");
    OK(!inputs_seen_stat(seen, "content/#draft.md", &st), "a name with # is not kept");
    OK(!inputs_seen_stat(seen, "content/projects", &st), "a folder is not kept");
    OK(!inputs_seen_stat(seen, "content/projects/link.md", &st), "a symbolic link is not kept");
    OK(!inputs_seen_stat(seen, "content/other/e.md", &st),
       "nor a file behind a link to a folder (the walk does not follow it)");
    OK(!inputs_seen_stat(seen, "projects/a.md", &st) && !inputs_seen_stat(seen, "a.md", &st),
       "only the path from the folder's parent names a file");
    OK(!inputs_seen_stat(NULL, "content/projects/a.md", &st), "no walk: nothing seen");

    sleep(1); /* a new modification time even on a file system that keeps whole seconds */
    harness_write_file(root, "content/projects/a.md", "a, written again\n");
    inputs_seen *again = inputs_seen_new();
    OK(inputs_hash_seen(7, content, again) != kept, "a file written again: another key");
    OK(seen_as_now(again, "content/projects/a.md"), "and the walk keeps its new metadata");
    OK(!seen_as_now(seen, "content/projects/a.md"), "the first walk's is the old metadata");
    inputs_seen_free(seen);
    inputs_seen_free(again);
    inputs_seen_free(NULL);
    harness_rm_rf(root);
    return harness_done();
}
