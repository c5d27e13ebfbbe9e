/* SPDX-License-Identifier: MIT
 * replay.c - runs a libFuzzer target without libFuzzer: each file named on the command line
 * (or each file in a named directory) goes once through LLVMFuzzerTestOneInput, so `make
 * test` can replay every corpus under ASan and UBSan. Link it with any fuzz_<target>.c. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Reads path into an exactly sized heap block, so ASan sees any read past the end. */
static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 4096, len = 0;
    char *tmp = malloc(cap);
    size_t n;
    while (tmp && (n = fread(tmp + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            tmp = realloc(tmp, cap *= 2);
    }
    int err = !tmp || ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(tmp);
        return 1;
    }
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        free(tmp);
        return 1;
    }
    memcpy(data, tmp, len);
    free(tmp);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

int
main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    int failed = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *dir = opendir(argv[i]);
            if (!dir) {
                perror(argv[i]);
                failed++;
                continue;
            }
            struct dirent *e;
            while ((e = readdir(dir)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                size_t n = strlen(argv[i]) + strlen(e->d_name) + 2;
                char *path = malloc(n);
                if (!path)
                    return 2;
                snprintf(path, n, "%s/%s", argv[i], e->d_name);
                failed += replay_file(path);
                files++;
                free(path);
            }
            closedir(dir);
        } else {
            failed += replay_file(argv[i]);
            files++;
        }
    }
    printf("replayed %d files, %d unreadable\n", files - failed, failed);
    return failed ? 1 : 0;
}
