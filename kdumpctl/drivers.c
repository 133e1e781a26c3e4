/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which kernel modules the capture initramfs gets.
 *
 * dracut's kernel-modules module is what makes a capture image big: with
 * --no-hostonly it installs every storage and input driver of the kernel
 * (about 680 modules, 70 of 105 MB unpacked, measured by `make bench`), and
 * in hostonly mode every module that happens to be loaded (127 in the bench
 * guest, most of them crypto).  Every byte of it is unpacked into the
 * crashkernel reservation.  So kdumpctl names the modules itself and omits
 * kernel-modules:
 *
 *   running system   the drivers of the devices the capture uses, read from
 *                    sysfs: the dump target's block device (and its parents,
 *                    and the devices under a dm/md device), the root file
 *                    system's for failure_action dump_to_rootfs, the
 *                    network interface for ssh/nfs;
 *   --sysroot image  nothing can be probed: the disk and network drivers of
 *                    common VMs and servers (below); extra_modules adds more.
 *
 * File systems always go by name (dracut --filesystems).  When sysfs cannot
 * tell (no such device node, not a block device), kernel-modules stays in
 * and dracut's hostonly logic picks the drivers, as before.
 *
 * The drivers are not an input of the rebuild manifest: an image built with
 * --sysroot has to stay current on the machine it boots.  After moving the
 * dump disk to another kind of controller, run `kdumpctl rebuild`.
 *
 * The sysfs walk is written here because neither libblkid nor libmount
 * report drivers, and dracut's own walk is internal to it. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <blkid.h>
#include <libmount.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

/* --sysroot: disk drivers of KVM/QEMU, Hyper-V, VMware, Xen and the usual
 * server controllers; all are in every distribution kernel. */
static const char * const image_block_drivers[] = {
        "virtio_blk", "virtio_scsi", "virtio_pci", "sd_mod", "ahci", "nvme",
        "hv_storvsc", "vmw_pvscsi", "xen-blkfront",
};

/* --sysroot, ssh/nfs: wired NICs of the same platforms. */
static const char * const image_net_drivers[] = {
        "virtio_net", "virtio_pci", "e1000", "e1000e", "igb", "vmxnet3", "hv_netvsc", "xen-netfront",
        "ena",
};

void capture_modules_done(struct capture_modules *m) {
        strv_free(m->drivers);
        strv_free(m->filesystems);
        strv_free(m->omit_drivers);
        *m = (struct capture_modules) {};
}

static int add_unique(char ***l, const char *s) {
        if (strv_contains(*l, s))
                return 0;
        return strv_push(l, s);
}

/* The module behind `dir`'s driver, if it is one (built-in drivers have no
 * module link). */
static int add_driver_of(const char *dir, char ***mods) {
        _cleanup_free_ char *link = NULL, *target = NULL;
        const char *name;

        if (asprintf(&link, "%s/driver/module", dir) < 0)
                return -ENOMEM;
        target = realpath(link, NULL);
        if (!target)
                return 0;
        name = strrchr(target, '/');
        return add_unique(mods, name ? name + 1 : target);
}

/* `dir` is a device directory under /sys/devices: the drivers of it and of
 * every parent, then the same for each of its slaves (dm, md), so a dump on
 * LVM on LUKS on NVMe gets nvme too. */
static int walk_device(const char *dir, char ***mods, unsigned depth) {
        _cleanup_free_ char *p = strdup(dir), *slaves = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        int r;

        if (!p)
                return -ENOMEM;
        if (depth > 8)                  /* a loop in sysfs would be a kernel bug; stay bounded */
                return 0;
        for (char *slash; (slash = strrchr(p, '/')) && strstr(p, "/devices/"); *slash = '\0') {
                r = add_driver_of(p, mods);
                if (r < 0)
                        return r;
        }

        if (asprintf(&slaves, "%s/slaves", dir) < 0)
                return -ENOMEM;
        d = opendir(slaves);
        if (!d)
                return 0;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *s = NULL, *real = NULL;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&s, "%s/%s", slaves, de->d_name) < 0)
                        return -ENOMEM;
                real = realpath(s, NULL);
                if (!real)
                        continue;
                r = walk_device(real, mods, depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The drivers of block device `devno`; 0 with nothing added when sysfs does
 * not know it, which the caller takes as "not probed". */
static int block_drivers(const struct kdump_ctx *ctx, dev_t devno, char ***mods, bool *found) {
        _cleanup_free_ char *rel = NULL, *link = NULL, *real = NULL;

        if (asprintf(&rel, "/sys/dev/block/%u:%u", major(devno), minor(devno)) < 0)
                return -ENOMEM;
        link = root_path(ctx, rel);
        if (!link)
                return -ENOMEM;
        real = realpath(link, NULL);
        if (!real)
                return 0;
        *found = true;
        return walk_device(real, mods, 0);
}

/* A spec (UUID=, LABEL=, /dev/...) to its device number, through the root. */
static int spec_devno(const struct kdump_ctx *ctx, const char *spec, dev_t *ret) {
        _cleanup_free_ char *node = NULL, *p = NULL;
        struct stat st;

        if (!spec)
                return -ENOENT;
        node = blkid_evaluate_spec(spec, NULL);
        if (!node)
                return -ENOENT;
        p = root_path(ctx, node);
        if (!p)
                return -ENOMEM;
        if (stat(p, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -ENOTBLK;
        *ret = st.st_rdev;
        return 0;
}

/* The drivers of network interface `dev` (its device and parents); dracut's
 * network modules add their own, filtered to the loaded ones.  *found stays
 * false when sysfs does not know it. */
static int nic_drivers(const struct kdump_ctx *ctx, const char *dev, char ***mods, bool *found) {
        _cleanup_free_ char *rel = NULL, *link = NULL, *real = NULL;

        if (!dev)
                return 0;
        if (asprintf(&rel, "/sys/class/net/%s/device", dev) < 0 || !(link = root_path(ctx, rel)))
                return -ENOMEM;
        real = realpath(link, NULL);
        if (!real)
                return 0;
        *found = true;
        return walk_device(real, mods, 0);
}

/* The root file system, for dump_to_rootfs: its type and device number. */
static int root_fs(const struct kdump_ctx *ctx, char **ret_type, dev_t *ret_devno) {
        _cleanup_free_ char *p = root_path(ctx, "/proc/self/mountinfo");
        struct libmnt_table *tb = mnt_new_table();
        struct libmnt_fs *fs;
        int r = -ENOENT;

        if (!p || !tb) {
                mnt_unref_table(tb);
                return -ENOMEM;
        }
        if (mnt_table_parse_file(tb, p) == 0 && (fs = mnt_table_find_target(tb, "/", MNT_ITER_BACKWARD))) {
                *ret_type = mnt_fs_get_fstype(fs) ? strdup(mnt_fs_get_fstype(fs)) : NULL;
                *ret_devno = mnt_fs_get_devno(fs);
                r = *ret_type ? 0 : -ENOMEM;
        }
        mnt_unref_table(tb);
        return r;
}

static int add_list(char ***l, const char * const *items, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (add_unique(l, items[i]) < 0)
                        return -ENOMEM;
        return 0;
}

/* A module's name as kmod spells it: the file name without .ko[.xz|.zst|.gz],
 * '-' as '_'. */
static char *module_name(const char *path, size_t len) {
        const char *base = memrchr(path, '/', len);
        char *n, *dot;

        base = base ? base + 1 : path;
        n = strndup(base, len - (size_t) (base - path));
        if (!n)
                return NULL;
        dot = strstr(n, ".ko");
        if (dot)
                *dot = '\0';
        for (char *c = n; *c; c++)
                if (*c == '-')
                        *c = '_';
        return n;
}

/* --sysroot, ssh/nfs: dracut's network module installs every wired NIC
 * driver of the kernel when not hostonly (over 200 modules, 41 of 82 MB
 * unpacked in the bench).  Every module under kernel/drivers/net that is
 * neither one of `wanted` nor a dependency of one goes to --omit-drivers.
 * The names and dependencies come from modules.dep. */
static int image_net_omit(const struct kdump_ctx *ctx, char * const *wanted, char ***omit) {
        _cleanup_free_ char *rel = NULL, *path = NULL, *data = NULL;
        _cleanup_strv_free_ char **keep = calloc(1, sizeof(char *));
        size_t size;

        if (!keep || strv_extend(&keep, wanted) < 0)
                return -ENOMEM;
        for (char **k = keep; *k; k++)
                for (char *c = *k; *c; c++)
                        if (*c == '-')
                                *c = '_';
        if (asprintf(&rel, "/lib/modules/%s/modules.dep", ctx->kver) < 0 || !(path = root_path(ctx, rel)))
                return -ENOMEM;
        if (read_file(path, 64 << 20, &data, &size) < 0)
                return 0;               /* no module list: dracut decides, as before */

        /* the dependencies of what we keep: one pass per level, bounded */
        for (unsigned pass = 0; pass < 8; pass++) {
                size_t before = strv_length(keep);

                for (const char *line = data; line && *line;) {
                        const char *eol = strchr(line, '\n'), *colon = strchr(line, ':');
                        size_t len = eol ? (size_t) (eol - line) : strlen(line);
                        _cleanup_free_ char *name = NULL;

                        if (colon && colon < line + len && (name = module_name(line, (size_t) (colon - line))) &&
                            strv_contains(keep, name)) {
                                const char *d = colon + 1, *end = line + len;

                                while (d < end) {
                                        _cleanup_free_ char *dep = NULL;
                                        size_t n;

                                        d += strspn(d, " ");
                                        n = strcspn(d, " \n");
                                        if (n == 0)
                                                break;
                                        dep = module_name(d, n);
                                        if (!dep || add_unique(&keep, dep) < 0)
                                                return -ENOMEM;
                                        d += n;
                                }
                        }
                        line = eol ? eol + 1 : NULL;
                }
                if (strv_length(keep) == before)
                        break;
        }

        for (const char *line = data; line && *line;) {
                const char *eol = strchr(line, '\n'), *colon = strchr(line, ':');

                if (colon && (!eol || colon < eol) && startswith(line, "kernel/drivers/net/")) {
                        _cleanup_free_ char *name = module_name(line, (size_t) (colon - line));

                        if (!name)
                                return -ENOMEM;
                        if (!strv_contains(keep, name) && add_unique(omit, name) < 0)
                                return -ENOMEM;
                }
                line = eol ? eol + 1 : NULL;
        }
        return 0;
}

int capture_modules(const struct kdump_ctx *ctx, struct capture_modules *ret) {
        const struct kdump_conf *c = ctx->conf;
        struct capture_modules m = {
                .drivers = calloc(1, sizeof(char *)),
                .filesystems = calloc(1, sizeof(char *)),
                .omit_drivers = calloc(1, sizeof(char *)),
        };
        bool found = false, net = false, block = false;
        dev_t devno = 0;
        int r = 0;

        if (!m.drivers || !m.filesystems || !m.omit_drivers)
                goto oom;

        /* every member of the chain: the image carries them all */
        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                const struct resolved_target *t = &ctx->chain[i];

                if (t->type == KDUMP_TARGET_FS && add_unique(&m.filesystems, t->fstype) < 0)
                        goto oom;
                if (t->type == KDUMP_TARGET_SSH || t->type == KDUMP_TARGET_NFS)
                        net = true;
                else
                        block = true;
        }

        if (ctx->image_mode) {
                m.probed = true;
                if (block)
                        r = add_list(&m.drivers, image_block_drivers, ELEMENTSOF(image_block_drivers));
                if (r >= 0 && (net || fence_enabled(ctx)))
                        r = add_list(&m.drivers, image_net_drivers, ELEMENTSOF(image_net_drivers));
                if (r < 0)
                        goto oom;
        } else {
                /* named drivers only when every member's are known */
                m.probed = true;
                for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                        const struct resolved_target *t = &ctx->chain[i];

                        found = false;
                        switch (t->type) {
                        case KDUMP_TARGET_FS:
                        case KDUMP_TARGET_RAW:
                                /* a virtiofs tag has no block device: dracut's virtiofs module */
                                if (t->type == KDUMP_TARGET_FS && streq(t->fstype, "virtiofs"))
                                        break;
                                devno = t->devno;       /* 0 for raw and unmounted targets */
                                if ((devno != 0 || spec_devno(ctx, t->source, &devno) >= 0) &&
                                    block_drivers(ctx, devno, &m.drivers, &found) < 0)
                                        goto oom;
                                break;
                        case KDUMP_TARGET_SSH:
                        case KDUMP_TARGET_NFS:
                                if (nic_drivers(ctx, t->net.dev, &m.drivers, &found) < 0)
                                        goto oom;
                                break;
                        default:
                                break;
                        }
                        m.probed = m.probed && found;
                }
                /* fence_kdump_nodes: the NIC of the route to the first node,
                 * for any target; unknown, dracut's rules pick the drivers */
                if (m.probed && fence_enabled(ctx) && ctx->fence.net.dev) {
                        found = false;
                        if (nic_drivers(ctx, ctx->fence.net.dev, &m.drivers, &found) < 0)
                                goto oom;
                        m.probed = found;
                }

                if (m.probed && c->failure_action == KDUMP_ACTION_DUMP_TO_ROOTFS) {
                        _cleanup_free_ char *type = NULL;

                        found = false;
                        r = root_fs(ctx, &type, &devno);
                        if (r == -ENOMEM)
                                goto oom;
                        if (r < 0 || block_drivers(ctx, devno, &m.drivers, &found) < 0 || !found)
                                m.probed = false;       /* let dracut find the root's drivers */
                        else if (add_unique(&m.filesystems, type) < 0)
                                goto oom;
                }
        }

        STRV_FOREACH(k, c->extra_modules)
                if (add_unique(&m.drivers, *k) < 0)
                        goto oom;
        if (ctx->image_mode && net &&
            image_net_omit(ctx, m.drivers, &m.omit_drivers) < 0)
                goto oom;

        *ret = m;
        return 0;
oom:
        capture_modules_done(&m);
        return -ENOMEM;
}
