/* Shared by the fuzz targets: fail loudly, whichever harness (libFuzzer, replay) runs them. */
#ifndef AD_FUZZ_COMMON_H
#define AD_FUZZ_COMMON_H

#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input as a NUL-terminated string (cut at the first NUL the input holds); never NULL. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FUZZ_ASSERT(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Splits the input at its first newline: *rest is what follows (or ""). Modifies s. */
static inline char *fuzz_split_line(char *s, char **rest)
{
    char *nl = strchr(s, '\n');
    *rest = nl ? nl + 1 : s + strlen(s);
    if (nl)
        *nl = '\0';
    return s;
}

static inline int fuzz_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* One per target: each target is its own program. */
static char fuzz_tempdir_path[64];

static inline void fuzz_tempdir_remove(void)
{
    if (fuzz_tempdir_path[0])
        nftw(fuzz_tempdir_path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private directory for the process's files, created once and removed at exit. */
static inline const char *fuzz_tempdir(void)
{
    if (!fuzz_tempdir_path[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_tempdir_path, sizeof fuzz_tempdir_path, "%s/adfuzz.XXXXXX",
                 base && strlen(base) < 40 ? base : "/tmp");
        FUZZ_ASSERT(mkdtemp(fuzz_tempdir_path) != NULL);
        atexit(fuzz_tempdir_remove);
    }
    return fuzz_tempdir_path;
}

/* Replaces path with the bytes given; aborts on failure (the harness is broken, not us). */
static inline void fuzz_write_file(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_ASSERT(fd >= 0);
    FUZZ_ASSERT(size == 0 || write(fd, data, size) == (ssize_t)size);
    close(fd);
}

#endif
