/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw targets: refusing devices that hold data, and copying a dump left by
 * the capture kernel (lib/rawdump.h layout) into <path> on the next start. */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

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

static int copy_range(int in, uint64_t off, uint64_t length, int out) {
        static char buf[1 << 20];

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
        return 0;
}

int raw_retrieve(const struct kdump_ctx *ctx) {
        const struct resolved_target *t = &ctx->target;
        _cleanup_free_ char *node = root_path(ctx, t->raw_node), *base = root_path(ctx, t->path);
        _cleanup_free_ char *name = NULL, *dir = NULL, *tmp = NULL, *final = NULL, *what = NULL;
        _cleanup_close_ int fd = -1, out = -1, dfd = -1;
        struct kdump_raw_header h;
        uint64_t size = 0;
        uint32_t crc;
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
        if (h.length > size || size - h.length < KDUMP_RAW_DATA_OFFSET)
                return log_error_errno(EBADMSG, "%s: the header claims %llu bytes of dump, more than the "
                                       "device holds; leaving it alone.", node, (unsigned long long) h.length);
        r = kdump_raw_data_crc32(fd, h.length, &crc);
        if (r < 0)
                return log_error_errno(r, "Failed to read the dump on %s: %m", node);
        if (crc != h.data_crc32)
                return log_error_errno(EBADMSG, "%s: the dump fails its checksum (crc32 %08x, header says %08x); "
                                       "leaving it alone for inspection.", node, crc, h.data_crc32);

        r = dump_dir_name(h.hostname, (time_t) h.time, &name);
        if (r < 0)
                return log_oom();
        if (asprintf(&dir, "%s/%s", base, name) < 0 || asprintf(&tmp, "%s/vmcore-incomplete", dir) < 0 ||
            asprintf(&final, "%s/vmcore", dir) < 0)
                return log_oom();
        r = mkdir_p(base, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", base);
        if (mkdir(dir, DUMP_DIR_MODE) < 0) {
                if (errno == EEXIST && access(final, F_OK) == 0) {
                        /* saved before, the invalidation was cut short */
                        log_info("%s already saved to %s.", node, final);
                        goto invalidate;
                }
                return log_error_errno(errno, "Cannot create %s: %m; not overwriting an existing directory.", dir);
        }
        out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, DUMP_FILE_MODE);
        if (out < 0)
                return log_error_errno(errno, "Cannot create %s: %m", tmp);
        log_info("Saving the dump found on %s (%llu bytes) to %s ...", node, (unsigned long long) h.length, final);
        r = copy_range(fd, KDUMP_RAW_DATA_OFFSET, h.length, out);
        if (r < 0)
                return log_error_errno(r, "Failed to copy the dump to %s: %m", tmp);
        if (fsync(out) < 0)
                return log_error_errno(errno, "Failed to sync %s: %m", tmp);
        if (rename(tmp, final) < 0)
                return log_error_errno(errno, "Failed to rename %s: %m", tmp);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0)
                return log_error_errno(errno, "Failed to sync %s: %m", dir);

invalidate:
        fd = mfree_fd(fd);
        fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(errno, "Cannot open %s to invalidate the saved dump: %m", node);
        r = kdump_raw_invalidate(fd);
        if (r < 0)
                return log_error_errno(r, "Failed to invalidate the dump header on %s: %m", node);
        log_info("Saved %s; the dump header on %s is invalidated.", final, node);
        return 1;
}
