/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * On-disk layout of a dump on a raw target device:
 *   bytes 0..4095       struct kdump_raw_header (little endian), zero padded
 *   bytes 4096..        the vmcore (normal kdump-compressed or ELF), `length` bytes
 * The capture kernel writes the data first and the header last, so a dump
 * cut short never carries a valid header; the next boot's `kdumpctl start`
 * copies it out, then invalidates the header.
 */

#define KDUMP_RAW_MAGIC "KDUMPKIT-RAWDUMP"      /* 16 bytes, no NUL */
#define KDUMP_RAW_VERSION 1
#define KDUMP_RAW_DATA_OFFSET 4096

struct kdump_raw_header {
        char magic[16];
        uint32_t version;
        uint32_t header_size;           /* KDUMP_RAW_DATA_OFFSET */
        uint64_t length;                /* bytes of dump data */
        uint64_t time;                  /* capture time, seconds since the epoch */
        uint32_t data_crc32;            /* zlib crc32 of the data */
        uint32_t header_crc32;          /* crc32 of this struct with this field 0 */
        char hostname[64];              /* of the crashed machine, NUL padded */
} __attribute__((packed));

/* Fills in both checksums' header part and writes it at offset 0. */
int kdump_raw_header_write(int fd, struct kdump_raw_header *h);
/* 1 and *ret filled when a valid header is present, 0 when none, <0 on error. */
int kdump_raw_header_read(int fd, struct kdump_raw_header *ret);
/* Overwrites the header with zeros; the data is left alone. */
int kdump_raw_invalidate(int fd);
/* The dump directory's name for a header, "<host>-<date>": the header comes
 * from a crashed machine's disk, so a host name that is not a plain host
 * name becomes "raw-target" and a time out of range the time now.  Sets
 * *ret_fixed when something was replaced.  Never contains '/'. */
int kdump_raw_dump_name(const struct kdump_raw_header *h, char **ret, bool *ret_fixed);
/* crc32 over `length` bytes from KDUMP_RAW_DATA_OFFSET. */
int kdump_raw_data_crc32(int fd, uint64_t length, uint32_t *ret);
