/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw targets: refusing devices that hold data, and copying a dump left by
 * the capture kernel (lib/rawdump.h layout) into <path> on the next start. */
#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "dumpdir.h"
#include "kdumpctl.h"
#include "log.h"
#include "rawdump.h"

int raw_device_has_signature(const char *node, char **ret_what) {
        blkid_probe pr;
        const char *v = NULL;
        int r;

        pr = blkid_new_probe_from_filename(node);
        if (!pr)
                return -errno ? -errno : -EIO;
        /* any filesystem, RAID or LVM superblock, and any partition table:
         * a raw target is overwritten from its first byte */
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
        blkid_probe_enable_partitions(pr, 1);
        blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
        r = blkid_do_safeprobe(pr);
        if (r == 0) {
                if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0 ||
                    blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) == 0)
                        *ret_what = strdup(v);
                else
                        *ret_what = strdup("unknown");
                r = *ret_what ? 1 : -ENOMEM;
        } else if (r == -2) {
                *ret_what = strdup("ambiguous (several)");
                r = *ret_what ? 1 : -ENOMEM;
        } else if (r == 1)
                r = 0;
        else
                r = -EIO;
        blkid_free_probe(pr);
        return r;
}

static int device_size(int fd, uint64_t *ret) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISBLK(st.st_mode))
                return ioctl(fd, BLKGETSIZE64, ret) < 0 ? -errno : 0;
        *ret = (uint64_t) st.st_size;
        return 0;
}

#define RAW_SPACE_MARGIN (64ULL << 20)          /* room left beside the saved dump */

/* Copies `length` bytes from `in` at `off` to `out`, in one pass, with the
 * crc32 of what was read. */
static int copy_range_crc(int in, uint64_t off, uint64_t length, int out, uint32_t *ret_crc) {
        static char buf[1 << 20];
        uLong crc = crc32(0L, Z_NULL, 0);

        while (length > 0) {
                size_t want = length < sizeof buf ? (size_t) length : sizeof buf;
                ssize_t n = pread(in, buf, want, (off_t) off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                crc = crc32(crc, (const Bytef *) buf, (uInt) n);
                for (ssize_t w = 0; w < n;) {
                        ssize_t k = write(out, buf + w, (size_t) (n - w));
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        w += k;
                }
                off += (uint64_t) n;
                length -= (uint64_t) n;
        }
        *ret_crc = (uint32_t) crc;
        return 0;
}

/* crc32 and size of a saved file, read back. */
static int file_crc(int dir_fd, const char *name, uint64_t *ret_size, uint32_t *ret_crc) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        static char buf[1 << 20];
        uLong crc = crc32(0L, Z_NULL, 0);
        uint64_t size = 0;
        ssize_t n;

        if (fd < 0)
                return -errno;
        while ((n = read(fd, buf, sizeof buf)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                crc = crc32(crc, (const Bytef *) buf, (uInt) n);
                size += (uint64_t) n;
        }
        *ret_size = size;
        *ret_crc = (uint32_t) crc;
        return 0;
}

/* Whether dir (relative to base_fd) holds exactly the dump of this header. */
static bool already_saved(int base_fd, const char *dir, const struct kdump_raw_header *h) {
        _cleanup_close_ int dfd = openat(base_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        uint64_t size;
        uint32_t crc;

        return dfd >= 0 && file_crc(dfd, "vmcore", &size, &crc) == 0 && size == h->length &&
               crc == h->data_crc32;
}

/* A directory left by an earlier attempt at this same dump: nothing in it
 * but vmcore-incomplete, which is then removed (the device still holds
 * the data).  Returns 1 when dir may be used again. */
static int reuse_leftover(int base_fd, const char *dir) {
        _cleanup_close_ int dfd = openat(base_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        DIR *d;
        struct dirent *de;
        bool other = false, partial = false;

        if (dfd < 0)
                return 0;
        d = fdopendir(dup(dfd));
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (streq(de->d_name, "vmcore-incomplete"))
                        partial = true;
                else
                        other = true;
        }
        closedir(d);
        if (other || !partial)
                return 0;
        if (unlinkat(dfd, "vmcore-incomplete", 0) < 0)
                return 0;
        log_info("Removed the partial copy of an earlier attempt in %s.", dir);
        return 1;
}

/* kdump-capture.status for `kdumpctl status`, as the capture writes it for
 * other targets; a failure here is only a warning. */
static void write_status(int dfd, bool whole, const char *node, const struct kdump_raw_header *h, uint32_t crc) {
        _cleanup_close_ int fd = openat(dfd, "kdump-capture.status",
                                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, DUMP_FILE_MODE);
        _cleanup_free_ char *text = NULL;
        int n;

        n = whole ? asprintf(&text, "result=saved\nstatus=0\nlocation=raw:%s\nbytes=%llu\ntime=%llu\n", node,
                             (unsigned long long) h->length, (unsigned long long) h->time)
                  : asprintf(&text, "result=failed\nstatus=1\nreason=the dump read from %s fails its checksum "
                             "(crc32 %08x, header says %08x): kept as vmcore-incomplete\nlocation=raw:%s\n"
                             "bytes=%llu\ntime=%llu\n", node, crc, h->data_crc32, node,
                             (unsigned long long) h->length, (unsigned long long) h->time);
        if (fd < 0 || n < 0 || write(fd, text, (size_t) n) != n || fsync(fd) < 0)
                log_warning("Cannot write kdump-capture.status beside the saved dump.");
}

static int invalidate(const char *node) {
        _cleanup_close_ int fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY);
        int r;

        if (fd < 0)
                return log_error_errno(errno, "Cannot open %s to invalidate the saved dump: %m", node);
        r = kdump_raw_invalidate(fd);
        if (r < 0)
                return log_error_errno(r, "Failed to invalidate the dump header on %s: %m", node);
        return 0;
}

int raw_retrieve(const struct kdump_ctx *ctx) {
        const struct resolved_target *t = ctx->target;
        _cleanup_free_ char *node = root_path(ctx, t->raw_node), *base = root_path(ctx, t->path);
        _cleanup_free_ char *name = NULL, *dir = NULL, *what = NULL;
        _cleanup_close_ int fd = -1, out = -1, dfd = -1, base_fd = -1;
        const char *final_name = "vmcore";
        bool fixed;
        struct kdump_raw_header h;
        struct statvfs sv;
        uint64_t size = 0, saved_size;
        uint32_t crc = 0, saved_crc = 0;
        int r;

        if (!node || !base)
                return log_oom();
        fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(errno, "Cannot open raw target %s: %m", node);
        r = kdump_raw_header_read(fd, &h);
        if (r == 0)
                return 0;
        if (r == -EBADMSG) {
                log_warning("%s has a damaged kdumpkit header; leaving it alone.", node);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read the header of %s: %m", node);

        /* never write to anything that looks like it holds a filesystem */
        r = raw_device_has_signature(node, &what);
        if (r != 0)
                return log_error_errno(EBUSY, "%s has a dump header but also a %s signature; not touching it.",
                                       node, r > 0 ? what : "unprobeable");

        r = device_size(fd, &size);
        if (r < 0)
                return log_error_errno(r, "Cannot get the size of %s: %m", node);
        if (h.length == 0) {
                log_warning("%s: the header describes an empty dump; invalidating it.", node);
                return invalidate(node) < 0 ? -EIO : 0;
        }
        if (size < KDUMP_RAW_DATA_OFFSET || h.length > size - KDUMP_RAW_DATA_OFFSET)
                return log_error_errno(EBADMSG, "%s: the header claims %llu bytes of dump, more than the "
                                       "device holds (%llu); not saved (kdumpctl raw-discard drops it).", node,
                                       (unsigned long long) h.length, (unsigned long long) size);

        r = kdump_raw_dump_name(&h, &name, &fixed);
        if (r < 0)
                return log_oom();
        if (fixed)
                log_warning("%s: the header's host name or time is not usable in a path; the dump is saved as %s.",
                            node, name);

        r = mkdir_p(base, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", base);
        base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (base_fd < 0)
                return log_error_errno(errno, "Cannot open %s: %m", base);
        if (fstatvfs(base_fd, &sv) == 0 &&
            (uint64_t) sv.f_bavail * sv.f_frsize < h.length + RAW_SPACE_MARGIN)
                return log_error_errno(ENOSPC, "Not enough space in %s for the dump on %s: it needs %llu MiB "
                                       "(and %llu MiB to spare), %llu MiB are free; the dump stays on the device.",
                                       base, node, (unsigned long long) (h.length >> 20),
                                       (unsigned long long) (RAW_SPACE_MARGIN >> 20),
                                       (unsigned long long) ((uint64_t) sv.f_bavail * sv.f_frsize >> 20));

        /* the directory: never an existing one, unless it is exactly this
         * dump (saved before, the invalidation cut short) or a partial
         * copy of it */
        for (unsigned i = 0;; i++) {
                free(dir);
                dir = NULL;
                if (i > 99)
                        return log_error_errno(EEXIST, "Cannot find a free directory name for %s in %s.", name, base);
                if ((i == 0 ? asprintf(&dir, "%s", name) : asprintf(&dir, "%s-%u", name, i)) < 0)
                        return log_oom();
                if (mkdirat(base_fd, dir, DUMP_DIR_MODE) == 0)
                        break;
                if (errno != EEXIST)
                        return log_error_errno(errno, "Cannot create %s/%s: %m", base, dir);
                if (already_saved(base_fd, dir, &h)) {
                        log_info("The dump on %s was saved to %s/%s before.", node, base, dir);
                        goto invalidate;
                }
                if (reuse_leftover(base_fd, dir) > 0)
                        break;
        }
        dfd = openat(base_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return log_error_errno(errno, "Cannot open %s/%s: %m", base, dir);
        out = openat(dfd, "vmcore-incomplete", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, DUMP_FILE_MODE);
        if (out < 0)
                return log_error_errno(errno, "Cannot create %s/%s/vmcore-incomplete: %m", base, dir);
        log_info("Saving the dump found on %s (%llu MiB) to %s/%s/vmcore ...", node,
                 (unsigned long long) (h.length >> 20), base, dir);
        r = copy_range_crc(fd, KDUMP_RAW_DATA_OFFSET, h.length, out, &crc);
        if (r < 0)
                return log_error_errno(r, "Failed to copy the dump to %s/%s/vmcore-incomplete: %m; the dump stays "
                                       "on %s.", base, dir, node);
        if (fsync(out) < 0)
                return log_error_errno(errno, "Failed to sync %s/%s/vmcore-incomplete: %m", base, dir);
        /* what is saved, read back, against the header */
        r = file_crc(dfd, "vmcore-incomplete", &saved_size, &saved_crc);
        if (r < 0)
                return log_error_errno(r, "Cannot read back %s/%s/vmcore-incomplete: %m", base, dir);
        if (saved_size != h.length || saved_crc != crc)
                return log_error_errno(EIO, "%s/%s/vmcore-incomplete differs from what was read from %s; the "
                                       "dump stays on the device.", base, dir, node);
        if (crc != h.data_crc32) {
                /* the device returned other data than the capture wrote:
                 * kept for an analyst, under a name that says so */
                log_error("%s: the dump fails its checksum (crc32 %08x, header says %08x); kept as "
                          "%s/%s/vmcore-incomplete.", node, crc, h.data_crc32, base, dir);
                final_name = NULL;
        }
        if (final_name) {
                if (renameat(dfd, "vmcore-incomplete", dfd, final_name) < 0)
                        return log_error_errno(errno, "Failed to rename %s/%s/vmcore-incomplete: %m", base, dir);
                if (fsync(dfd) < 0)
                        return log_error_errno(errno, "Failed to sync %s/%s: %m", base, dir);
        }

        write_status(dfd, final_name != NULL, t->raw_node, &h, crc);

invalidate:
        r = invalidate(node);
        if (r < 0)
                return r;
        log_info("Saved %s/%s/%s; the dump header on %s is invalidated.", base, dir,
                 final_name ? final_name : "vmcore-incomplete", node);
        return 1;
}

int raw_discard(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *node = root_path(ctx, ctx->target->raw_node);
        _cleanup_close_ int fd = -1;
        struct kdump_raw_header h;
        int r;

        if (!node)
                return log_oom();
        fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(errno, "Cannot open raw target %s: %m", node);
        r = kdump_raw_header_read(fd, &h);
        if (r < 0 && r != -EBADMSG)
                return log_error_errno(r, "Failed to read the header of %s: %m", node);
        if (r == 0) {
                printf("No dump on %s.\n", node);
                return 0;
        }
        r = invalidate(node);
        if (r < 0)
                return r;
        printf("Discarded the dump on %s (its header is invalidated; the data is left as it is).\n", node);
        return 0;
}
