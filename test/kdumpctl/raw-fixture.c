/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test fixture: writes a dump onto a file the way the capture kernel's raw
 * writer does (lib/rawdump.h layout), so kdumpctl start can retrieve it.
 * Usage: kdumpctl-raw-fixture FILE HOSTNAME TIME LENGTH [bad-crc|ok [CLAIMED-LENGTH]]
 * (CLAIMED-LENGTH: what the header says, for hostile headers) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "rawdump.h"

int main(int argc, char **argv) {
        struct kdump_raw_header h = {};
        _cleanup_close_ int fd = -1;
        uint64_t length;
        uint32_t crc;

        if (argc < 5) {
                fprintf(stderr, "usage: %s FILE HOSTNAME TIME LENGTH [bad-crc|ok [CLAIMED-LENGTH]]\n", argv[0]);
                return 2;
        }
        length = strtoull(argv[4], NULL, 10);
        fd = open(argv[1], O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
                perror(argv[1]);
                return 1;
        }
        for (uint64_t i = 0; i < length; i++) {
                char c = (char) ('a' + i % 26);
                if (pwrite(fd, &c, 1, (off_t) (KDUMP_RAW_DATA_OFFSET + i)) != 1) {
                        perror("pwrite");
                        return 1;
                }
        }
        if (kdump_raw_data_crc32(fd, length, &crc) < 0)
                return 1;
        h.length = argc > 6 ? strtoull(argv[6], NULL, 10) : length;
        h.time = strtoull(argv[3], NULL, 10);
        h.data_crc32 = argc > 5 && streq(argv[5], "bad-crc") ? crc ^ 1 : crc;
        snprintf(h.hostname, sizeof h.hostname, "%s", argv[2]);
        return kdump_raw_header_write(fd, &h) < 0 ? 1 : 0;
}
