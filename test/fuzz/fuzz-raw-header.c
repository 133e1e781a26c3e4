/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the raw target's header, as kdumpctl reads it on the
 * next boot from a crashed machine's disk.  Whatever the bytes, a header
 * that reads as valid yields a dump directory name that is one plain path
 * component. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rawdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct kdump_raw_header h;
        char *name = NULL;
        bool fixed;
        int fd, r;

        fd = memfd_create("raw", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        if (size > 0 && write(fd, data, size) != (ssize_t) size)
                abort();
        r = kdump_raw_header_read(fd, &h);
        if (r == 1) {
                if (h.hostname[sizeof h.hostname - 1] != '\0')
                        abort();
                if (kdump_raw_dump_name(&h, &name, &fixed) < 0)
                        abort();
                if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") || strlen(name) > 255)
                        abort();
                free(name);
        }
        close(fd);
        return 0;
}
