/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-raw-writer: saves a dump on the raw block device of kdump.conf's
 * `raw` target, behind the header of lib/rawdump.h, for the next boot's
 * `kdumpctl start` to copy out.
 *
 *   kdump-raw-writer [--config FILE] put [--flattened] < DATA
 *
 * Order: invalidate the old header, write the data (a flattened stream is
 * rebuilt at its offsets, holes zeroed, so the data is the normal dump file),
 * fsync, checksum what is on the device, wait for kdump-collect's commit
 * (flat-writer.h), write the header, fsync.  A dump cut short, or one whose
 * collector failed, therefore never carries a valid header.
 *
 * A device that carries a filesystem, RAID/LVM/LUKS signature or partition
 * table is refused.  kdumpctl checks with blkid when it builds the initramfs;
 * here a built-in check of the common magics at their fixed offsets is enough
 * and keeps libblkid out of the crashkernel memory.  KDUMP_RAW_DEVICE
 * overrides the device (tests use a plain file).
 *
 * Exit codes: 0 done; 1 failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flat-writer.h"
#include "flatten.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"
#include "rawdump.h"

#define PROBE_SIZE (68 * 1024)  /* btrfs's superblock ends below 64 KiB + 4 KiB */
#define DEVICE_WAIT_SECS 30

struct magic {
        const char *what;
        unsigned offset;
        const char *bytes;
        unsigned len;
        bool deep;      /* inside our data area: old dump data may match */
};

static const struct magic magics[] = {
        { "XFS",                  0,            "XFSB",                 4, false },
        { "LUKS",                 0,            "LUKS\xba\xbe",         6, false },
        { "LUKS2 (secondary)",    0,            "SKUL\xba\xbe",         6, false },
        { "squashfs",             0,            "hsqs",                 4, false },
        { "NTFS",                 3,            "NTFS    ",             8, false },
        { "exFAT",                3,            "EXFAT   ",             8, false },
        { "FAT",                  54,           "FAT1",                 4, false },
        { "FAT32",                82,           "FAT32   ",             8, false },
        { "LVM2 PV",              512 + 24,     "LVM2 001",             8, false },
        { "LVM2 PV",              24,           "LVM2 001",             8, false },
        { "GPT partition table",  512,          "EFI PART",             8, false },
        { "DOS partition table/boot sector", 510, "\x55\xaa",           2, false },
        { "ext2/3/4",             1024 + 56,    "\x53\xef",             2, false },
        { "F2FS",                 1024,         "\x10\x20\xf5\xf2",     4, false },
        { "MD RAID 1.1",          0,            "\xfc\x4e\x2b\xa9",     4, false },
        { "swap",                 4096 - 10,    "SWAPSPACE2",           10, false },
        { "swap",                 4096 - 10,    "SWAP-SPACE",           10, false },
        { "MD RAID 1.2",          4096,         "\xfc\x4e\x2b\xa9",     4, true },
        { "ISO 9660",             32769,        "CD001",                5, true },
        { "btrfs",                65536 + 64,   "_BHRfS_M",             8, true },
};

/* 0 when the device may be written, -EEXIST with a message otherwise. */
static int check_signatures(int fd, const char *node, uint64_t size) {
        _cleanup_free_ char *buf = malloc(PROBE_SIZE);
        size_t have;
        ssize_t n;
        bool old_dump;

        if (!buf)
                return log_oom();
        n = pread(fd, buf, PROBE_SIZE, 0);
        if (n < 0)
                return log_error_errno(errno, "Cannot read %s: %m", node);
        have = (size_t) n;
        if (have < (size_t) PROBE_SIZE && (uint64_t) have < size)
                log_warning("Short read probing %s, checking what was read.", node);

        /* a dump header of ours, valid or not: ours to overwrite */
        if (have >= sizeof KDUMP_RAW_MAGIC - 1 && memcmp(buf, KDUMP_RAW_MAGIC, sizeof KDUMP_RAW_MAGIC - 1) == 0)
                return 0;
        /* kdumpctl zeroes the header after copying a dump out; the old data
         * area starts with a dump file, whose contents may match deep magics */
        old_dump = have >= KDUMP_RAW_DATA_OFFSET + 8 &&
                   (memcmp(buf + KDUMP_RAW_DATA_OFFSET, "KDUMP   ", 8) == 0 ||
                    memcmp(buf + KDUMP_RAW_DATA_OFFSET, "\177ELF", 4) == 0);

        for (size_t i = 0; i < ELEMENTSOF(magics); i++) {
                const struct magic *m = &magics[i];

                if (m->deep && old_dump)
                        continue;
                if ((size_t) m->offset + m->len > have)
                        continue;
                if (memcmp(buf + m->offset, m->bytes, m->len) == 0)
                        return log_error_errno(EEXIST,
                                               "%s carries a %s signature (offset %u): refusing to overwrite it. "
                                               "A raw dump target must be an unused device; wipe it with 'wipefs -a' if it is.",
                                               node, m->what, m->offset);
        }
        return 0;
}

static int open_device(const char *node, int *ret_fd, uint64_t *ret_size) {
        double deadline = flat_now() + flat_env_secs("KDUMP_RAW_WAIT_SECS", DEVICE_WAIT_SECS);
        _cleanup_close_ int fd = -1;
        struct stat st;

        for (unsigned attempt = 0;; attempt++) {
                if (stat(node, &st) == 0)
                        break;
                if (errno != ENOENT)
                        return log_error_errno(errno, "Cannot access %s: %m", node);
                if (!flat_backoff(attempt, deadline))
                        return log_error_errno(ENOENT, "%s did not appear.", node);
        }
        /* O_EXCL on a block device: fails if mounted or held by dm/md */
        fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
        if (fd < 0)
                return log_error_errno(errno, "Cannot open %s: %m", node);
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Cannot stat %s: %m", node);
        if (S_ISBLK(st.st_mode)) {
                if (ioctl(fd, BLKGETSIZE64, ret_size) < 0)
                        return log_error_errno(errno, "Cannot get the size of %s: %m", node);
        } else if (S_ISREG(st.st_mode))
                *ret_size = (uint64_t) st.st_size;      /* tests: a file stands in */
        else
                return log_error_errno(ENOTBLK, "%s is not a block device.", node);
        if (*ret_size <= KDUMP_RAW_DATA_OFFSET)
                return log_error_errno(ENOSPC, "%s is too small (%llu bytes).", node,
                                       (unsigned long long) *ret_size);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

struct raw_out {
        int fd;
        const char *node;
        struct flat_progress progress;
};

static int raw_write_at(void *userdata, uint64_t offset, const void *buf, size_t len) {
        struct raw_out *o = userdata;
        const char *p = buf;
        off_t off = (off_t) (offset + KDUMP_RAW_DATA_OFFSET);

        while (len > 0) {
                ssize_t n = pwrite(o->fd, p, len, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "Writing %s at %lld failed: %m", o->node, (long long) off);
                }
                if (n == 0)
                        return log_error_errno(ENOSPC, "Writing %s at %lld: no space.", o->node, (long long) off);
                p += n;
                len -= (size_t) n;
                off += n;
        }
        return 0;
}

static void raw_progress(void *userdata, uint64_t bytes_in) {
        struct raw_out *o = userdata;

        flat_progress_update(&o->progress, bytes_in);
}

int main(int argc, char **argv) {
        _cleanup_kdump_conf_ struct kdump_conf *conf = NULL;
        _cleanup_free_ char *node_alloc = NULL;
        _cleanup_close_ int fd = -1;
        struct kdump_raw_header h = {};
        struct flat_stats stats = {};
        struct flat_args a;
        struct raw_out o;
        const char *node;
        uint64_t size = 0;
        uint32_t crc;
        int r, in = STDIN_FILENO;

        r = flat_writer_init(argc, argv, false, &a);
        if (r < 0)
                return FLAT_EXIT_FAILURE;
        r = flat_writer_load_config(&a, &conf);
        if (r < 0)
                return FLAT_EXIT_FAILURE;

        node = secure_getenv("KDUMP_RAW_DEVICE");
        if (!node || !*node) {
                if (conf->target->type != KDUMP_TARGET_RAW || !conf->target->device) {
                        log_error("%s has no 'raw <device>' target.", a.config);
                        return FLAT_EXIT_FAILURE;
                }
                node = node_alloc = kdump_device_spec_to_node(conf->target->device);
                if (!node) {
                        log_oom();
                        return FLAT_EXIT_FAILURE;
                }
        }

        r = open_device(node, &fd, &size);
        if (r < 0)
                return FLAT_EXIT_FAILURE;
        r = check_signatures(fd, node, size);
        if (r < 0)
                return FLAT_EXIT_FAILURE;

        /* an old header must not vouch for half-new data */
        r = kdump_raw_invalidate(fd);
        if (r < 0) {
                log_error_errno(r, "Cannot clear the header of %s: %m", node);
                return FLAT_EXIT_FAILURE;
        }

        o = (struct raw_out) { .fd = fd, .node = node };
        flat_progress_init(&o.progress);
        r = flat_copy(&(struct flat_copy_params) {
                        .flattened = a.flattened,
                        .zero_gaps = true,
                        .max_end = size - KDUMP_RAW_DATA_OFFSET,
                        .read = flat_read_fd,
                        .read_userdata = &in,
                        .write_at = raw_write_at,
                        .progress = raw_progress,
                        .userdata = &o,
                }, &stats);
        if (r == -EFBIG) {
                log_error("The dump does not fit on %s (%llu bytes of room), no header written.", node,
                          (unsigned long long) (size - KDUMP_RAW_DATA_OFFSET));
                return FLAT_EXIT_FAILURE;
        }
        if (r < 0) {
                log_error_errno(r, "Dump to %s failed, no header written: %m", node);
                return FLAT_EXIT_FAILURE;
        }
        if (stats.trailing)
                log_warning("Data after the flattened end marker, ignoring.");
        if (fsync(fd) < 0) {
                log_error_errno(errno, "fsync of %s failed, no header written: %m", node);
                return FLAT_EXIT_FAILURE;
        }

        /* checksum what the device holds: records may overlap */
        h.length = stats.end;
        r = kdump_raw_data_crc32(fd, h.length, &crc);
        if (r < 0) {
                log_error_errno(r, "Cannot read back %s: %m", node);
                return FLAT_EXIT_FAILURE;
        }
        h.data_crc32 = crc;
        if (flat_await_commit(stats.bytes_in, node) < 0)
                return FLAT_EXIT_FAILURE;       /* no header: nothing to retrieve */
        h.time = (uint64_t) time(NULL);
        if (gethostname(h.hostname, sizeof h.hostname - 1) < 0 || !h.hostname[0])
                strcpy(h.hostname, "localhost");
        r = kdump_raw_header_write(fd, &h);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                log_error_errno(r, "Writing the header of %s failed: %m", node);
                return FLAT_EXIT_FAILURE;
        }
        flat_progress_done(&o.progress, node);
        log_info("Saved the dump on %s (%llu bytes, crc32 %08x).", node, (unsigned long long) h.length,
                 crc);
        return FLAT_EXIT_OK;
}
