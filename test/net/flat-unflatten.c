/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test driver for helpers/flatten.c: rebuilds the input into a local file,
 * as the writers do on their targets.
 *   flat-unflatten [--plain] [--zero-gaps] [--max-end N] OUT < STREAM
 * On failure prints "error: ENAME" (for the tests) and exits 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../helpers/flatten.h"
#include "macro.h"

static int file_write_at(void *userdata, uint64_t offset, const void *buf, size_t len) {
        int fd = *(int *) userdata;
        const char *p = buf;

        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, (off_t) offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
                offset += (uint64_t) n;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct flat_copy_params p = { .flattened = true, .read = flat_read_fd, .write_at = file_write_at };
        struct flat_stats st;
        _cleanup_close_ int fd = -1;
        int in = STDIN_FILENO, i, r;

        for (i = 1; i < argc - 1; i++) {
                if (streq(argv[i], "--plain"))
                        p.flattened = false;
                else if (streq(argv[i], "--zero-gaps"))
                        p.zero_gaps = true;
                else if (streq(argv[i], "--max-end") && i + 1 < argc - 1)
                        p.max_end = strtoull(argv[++i], NULL, 0);
                else
                        break;
        }
        if (i != argc - 1) {
                fprintf(stderr, "Usage: %s [--plain] [--zero-gaps] [--max-end N] OUT < STREAM\n", argv[0]);
                return 2;
        }
        /* no O_TRUNC with --zero-gaps: like a raw device, old bytes stay */
        fd = open(argv[i], O_WRONLY | O_CREAT | O_CLOEXEC | (p.zero_gaps ? 0 : O_TRUNC), 0600);
        if (fd < 0) {
                perror(argv[i]);
                return 1;
        }
        p.read_userdata = &in;
        p.userdata = &fd;
        r = flat_copy(&p, &st);
        if (r < 0) {
                printf("error: %s\n", strerrorname_np(-r));
                return 1;
        }
        printf("records %llu end %llu%s\n", (unsigned long long) st.records,
               (unsigned long long) st.end, st.trailing ? " trailing" : "");
        return 0;
}
