/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD double for a disk that fails at the end: fsync() and
 * fdatasync() of a file whose name ends in FSYNC_EIO_SUFFIX (default
 * "vmcore-incomplete") fail with EIO.  The real thing (a device-mapper
 * error target, a dying disk) cannot be set up on these machines: the host
 * kernel has no loadable modules. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);

static int failing(int fd) {
        const char *suffix = getenv("FSYNC_EIO_SUFFIX");
        char link[64], path[PATH_MAX];
        ssize_t n;
        size_t s;

        if (!suffix || !*suffix)
                suffix = "vmcore-incomplete";
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof path - 1);
        if (n <= 0)
                return 0;
        path[n] = '\0';
        s = strlen(suffix);
        return (size_t) n >= s && strcmp(path + n - s, suffix) == 0;
}

int fsync(int fd) {
        int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");

        if (failing(fd)) {
                errno = EIO;
                return -1;
        }
        return real(fd);
}

int fdatasync(int fd) {
        int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fdatasync");

        if (failing(fd)) {
                errno = EIO;
                return -1;
        }
        return real(fd);
}
