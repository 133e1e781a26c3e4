/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "dumpdir.h"
#include "macro.h"
#include "rawdump.h"

static uint32_t header_crc(const struct kdump_raw_header *h) {
        struct kdump_raw_header c = *h;

        c.header_crc32 = 0;
        return (uint32_t) crc32(0L, (const Bytef *) &c, sizeof c);
}

static int pwrite_all(int fd, const void *buf, size_t n, off_t off) {
        const char *p = buf;

        while (n > 0) {
                ssize_t k = pwrite(fd, p, n, off);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
                off += k;
        }
        return 0;
}

int kdump_raw_header_write(int fd, struct kdump_raw_header *h) {
        char block[KDUMP_RAW_DATA_OFFSET] = {};
        struct kdump_raw_header le = *h;

        memcpy(le.magic, KDUMP_RAW_MAGIC, sizeof le.magic);
        le.version = htole32(KDUMP_RAW_VERSION);
        le.header_size = htole32(KDUMP_RAW_DATA_OFFSET);
        le.length = htole64(h->length);
        le.time = htole64(h->time);
        le.data_crc32 = htole32(h->data_crc32);
        le.header_crc32 = 0;
        le.header_crc32 = htole32(header_crc(&le));
        memcpy(block, &le, sizeof le);
        return pwrite_all(fd, block, sizeof block, 0);
}

int kdump_raw_header_read(int fd, struct kdump_raw_header *ret) {
        struct kdump_raw_header h;
        ssize_t n;

        n = pread(fd, &h, sizeof h, 0);
        if (n < 0)
                return -errno;
        if ((size_t) n < sizeof h || memcmp(h.magic, KDUMP_RAW_MAGIC, sizeof h.magic) != 0)
                return 0;
        if (le32toh(h.header_crc32) != header_crc(&h) || le32toh(h.version) != KDUMP_RAW_VERSION ||
            le32toh(h.header_size) != KDUMP_RAW_DATA_OFFSET)
                return -EBADMSG;
        h.version = le32toh(h.version);
        h.header_size = le32toh(h.header_size);
        h.length = le64toh(h.length);
        h.time = le64toh(h.time);
        h.data_crc32 = le32toh(h.data_crc32);
        h.header_crc32 = le32toh(h.header_crc32);
        h.hostname[sizeof h.hostname - 1] = '\0';
        *ret = h;
        return 1;
}

int kdump_raw_invalidate(int fd) {
        char block[KDUMP_RAW_DATA_OFFSET] = {};
        int r = pwrite_all(fd, block, sizeof block, 0);

        if (r < 0)
                return r;
        return fsync(fd) < 0 ? -errno : 0;
}

int kdump_raw_data_crc32(int fd, uint64_t length, uint32_t *ret) {
        static char buf[1 << 16];
        uLong crc = crc32(0L, Z_NULL, 0);
        off_t off = KDUMP_RAW_DATA_OFFSET;

        while (length > 0) {
                size_t want = length < sizeof buf ? (size_t) length : sizeof buf;
                ssize_t n = pread(fd, buf, want, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;    /* device shorter than the header claims */
                crc = crc32(crc, (const Bytef *) buf, (uInt) n);
                off += n;
                length -= (uint64_t) n;
        }
        *ret = (uint32_t) crc;
        return 0;
}

#define RAW_TIME_MAX 253402300799ULL    /* 9999-12-31: gmtime() and the name hold */

static bool host_valid(const char *h, size_t max) {
        size_t n = strnlen(h, max);

        if (n == 0 || n >= max || h[0] == '.' || h[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) h[i]) && h[i] != '-' && h[i] != '.' && h[i] != '_')
                        return false;
        return true;
}

int kdump_raw_dump_name(const struct kdump_raw_header *h, char **ret, bool *ret_fixed) {
        bool ok_host = host_valid(h->hostname, sizeof h->hostname), ok_time = h->time <= RAW_TIME_MAX;

        *ret_fixed = !ok_host || !ok_time;
        return dump_dir_name(ok_host ? h->hostname : "raw-target", ok_time ? (time_t) h->time : time(NULL), ret);
}
