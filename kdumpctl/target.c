/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dump target resolution: which filesystem holds the dump, under which
 * persistent name, mounted with which options, and the configuration baked
 * into the capture initramfs (always with an explicit target). */
#include <blkid.h>
#include <errno.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

static void unref_tablep(struct libmnt_table **t) {
        mnt_unref_table(*t);
}
#define _cleanup_table_ _cleanup_(unref_tablep)

void target_done(struct resolved_target *t) {
        free(t->fstype);
        free(t->source);
        free(t->mountpoint);
        free(t->options);
        free(t->path);
        free(t->seen_at);
        free(t->raw_node);
        net_route_done(&t->net);
        *t = (struct resolved_target) {};
}

static bool is_tag_spec(const char *s) {
        return startswith(s, "UUID=") || startswith(s, "LABEL=") ||
               startswith(s, "PARTUUID=") || startswith(s, "PARTLABEL=");
}

/* The running system's mount table, or in image mode the image's fstab.
 * Both are read below the root so tests can fake them. */
static int load_table(const struct kdump_ctx *ctx, bool fstab, struct libmnt_table **ret) {
        _cleanup_free_ char *p = root_path(ctx, fstab ? "/etc/fstab" : "/proc/self/mountinfo");
        _cleanup_table_ struct libmnt_table *tb = mnt_new_table();
        int r;

        if (!p || !tb)
                return -ENOMEM;
        if (access(p, F_OK) < 0) {
                /* a missing fstab is an empty one; a missing mount table is not */
                if (fstab && errno == ENOENT) {
                        *ret = TAKE_PTR(tb);
                        return 0;
                }
                return log_error_errno(errno, "Cannot read %s: %m", p);
        }
        r = fstab ? mnt_table_parse_fstab(tb, p) : mnt_table_parse_file(tb, p);
        if (r < 0)
                return log_error_errno(r, "Failed to parse %s: %m", p);
        *ret = TAKE_PTR(tb);
        return 0;
}

/* blkid probe of one value (UUID, LABEL, TYPE); NULL when unknown. */
static char *probe_value(const char *node, const char *name) {
        blkid_probe pr = blkid_new_probe_from_filename(node);
        const char *v = NULL;
        char *r = NULL;

        if (!pr)
                return NULL;
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_TYPE);
        if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
                r = strdup(v);
        blkid_free_probe(pr);
        return r;
}

/* A name that survives reboots: the tag the admin wrote in fstab, else the
 * filesystem UUID, else the name as it is. */
static int persistent_spec(const struct kdump_ctx *ctx, struct libmnt_table *fstab,
                           const char *source, const char *mountpoint, char **ret) {
        _cleanup_free_ char *node = NULL, *uuid = NULL;
        struct libmnt_fs *f;
        char *s;

        if (is_tag_spec(source)) {
                s = strdup(source);
                goto done;
        }
        if (mountpoint && (f = mnt_table_find_target(fstab, mountpoint, MNT_ITER_BACKWARD))) {
                const char *fs_src = mnt_fs_get_source(f);
                if (fs_src && is_tag_spec(fs_src)) {
                        s = strdup(fs_src);
                        goto done;
                }
        }
        if (startswith(source, "/dev/") && !ctx->image_mode) {
                node = root_path(ctx, source);
                if (!node)
                        return -ENOMEM;
                uuid = probe_value(node, "UUID");
                if (uuid) {
                        if (asprintf(&s, "UUID=%s", uuid) < 0)
                                return -ENOMEM;
                        goto done;
                }
                log_warning("No UUID found for %s; the capture kernel will use that name, "
                            "which may differ after a reboot.", source);
        }
        s = strdup(source);
done:
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Options for the capture mount: read-write (a read-only fs cannot take a
 * dump), and nothing that would make the mount optional or deferred.  A
 * btrfs is mounted at its top level (kdump-target-generator adds
 * subvolid=5): t->path starts there, so a subvolume needs no option. */
static int clean_options(const char *options, char **ret) {
        static const char * const drop[] = { "noauto", "nofail", "x-systemd.automount", "ro", "rw",
                                             "subvol", "subvolid", "bind", "rbind" };
        _cleanup_free_ char *o = strdup(options && *options ? options : "defaults");

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(drop); i++)
                while (mnt_optstr_remove_option(&o, drop[i]) == 0)
                        ;
        if (mnt_optstr_prepend_option(&o, "rw", NULL) < 0)
                return -ENOMEM;
        /* "defaults" implies nothing beyond rw here; keep the line short */
        (void) mnt_optstr_remove_option(&o, "defaults");
        *ret = TAKE_PTR(o);
        return 0;
}

static int relative_path(const char *mountpoint, const char *path, char **ret) {
        const char *rel = path;
        size_t ml = strlen(mountpoint);

        if (!streq(mountpoint, "/")) {
                if (strncmp(path, mountpoint, ml) != 0 || (path[ml] != '/' && path[ml] != '\0'))
                        return -EINVAL;
                rel = path[ml] ? path + ml : "/";
        }
        *ret = strdup(rel);
        return *ret ? 0 : -ENOMEM;
}

/* a + b for absolute paths, without doubled or trailing slashes */
static char *join_path(const char *a, const char *b) {
        char *s;

        while (*b == '/')
                b++;
        if (!*b)
                return strdup(a);
        if (asprintf(&s, "%s/%s", streq(a, "/") ? "" : a, b) < 0)
                return NULL;
        return s;
}

static bool has_option(struct libmnt_fs *fs, const char *name, char **ret_value) {
        char *v = NULL;
        size_t n = 0;

        if (mnt_optstr_get_option(mnt_fs_get_options(fs), name, &v, &n) != 0)
                return false;
        if (ret_value)
                *ret_value = strndup(v ? v : "", n);
        return true;
}

/* Where the mount's view starts inside its file system: mountinfo's root
 * field (a bind mount's directory, btrfs's subvolume path from the top
 * level).  An fstab has no such field: there btrfs's subvol= says it, and a
 * subvolid= alone cannot be turned into a path. */
static int mount_root(struct libmnt_fs *fs, bool fstab, char **ret) {
        _cleanup_free_ char *subvol = NULL, *id = NULL;
        const char *root = mnt_fs_get_root(fs);

        if (!fstab) {
                *ret = strdup(root && *root ? root : "/");
                return *ret ? 0 : -ENOMEM;
        }
        if (!streq_ptr(mnt_fs_get_fstype(fs), "btrfs")) {
                *ret = strdup("/");
                return *ret ? 0 : -ENOMEM;
        }
        if (has_option(fs, "subvol", &subvol) && *subvol) {
                *ret = join_path("/", subvol);
                return *ret ? 0 : -ENOMEM;
        }
        if (has_option(fs, "subvolid", &id) && !streq(id, "5") && !streq(id, "0"))
                return -EDOM;
        *ret = strdup("/");
        return *ret ? 0 : -ENOMEM;
}

/* File systems a capture kernel can mount from a block device and keep
 * across the reboot (virtiofs: a tag, see below). */
static bool fstype_supported(const char *t) {
        return streq_ptr(t, "ext2") || streq_ptr(t, "ext3") || streq_ptr(t, "ext4") || streq_ptr(t, "xfs") ||
               streq_ptr(t, "btrfs") || streq_ptr(t, "vfat") || streq_ptr(t, "virtiofs");
}

/* What the capture kernel cannot reproduce, refused now rather than at
 * crash time.  `what` names the path for the message. */
static int check_reproducible(const struct kdump_ctx *ctx, struct libmnt_fs *fs, const char *what) {
        _cleanup_free_ char *dev = NULL;
        const char *t = mnt_fs_get_fstype(fs), *mp = mnt_fs_get_target(fs);

        if (!fstype_supported(t)) {
                const char *hint = streq_ptr(t, "nfs") || streq_ptr(t, "nfs4") ? ": use 'nfs host:/export' instead"
                                   : streq_ptr(t, "tmpfs") || streq_ptr(t, "ramfs") ? ": it does not survive a reboot"
                                   : "";
                return log_error_errno(EOPNOTSUPP, "%s: %s is on %s (%s), which the capture kernel does not mount "
                                       "as a dump target%s.", ctx->conf_path, what, strempty(mp), strempty(t), hint);
        }
        if (streq(t, "xfs") && (has_option(fs, "logdev", &dev) || has_option(fs, "rtdev", &dev)))
                return log_error_errno(EOPNOTSUPP, "%s: %s is on an xfs with an external log or realtime "
                                       "device (%s), which kdumpkit does not bring up in the capture kernel; "
                                       "use a dump target without one.", ctx->conf_path, what, dev);
        return 0;
}

/* The mount whose mount point is the longest prefix of `path`.  Walks up
 * by string: libmount's mnt_table_find_mountpoint() stat()s the path,
 * which a --sysroot tree or a test's fake root does not have. */
static struct libmnt_fs *find_mountpoint(struct libmnt_table *tb, const char *path) {
        _cleanup_free_ char *p = strdup(path);

        while (p) {
                struct libmnt_fs *fs = mnt_table_find_target(tb, *p ? p : "/", MNT_ITER_BACKWARD);
                char *slash;

                if (fs || !*p)
                        return fs;
                slash = strrchr(p, '/');
                if (!slash)
                        return NULL;
                *slash = '\0';
        }
        return NULL;
}

/* The mount holding `path` (resolved), followed through an fstab's bind
 * entries ("/srv/crash /var/crash none bind") to the file system below. */
static int find_fs(const struct kdump_ctx *ctx, struct libmnt_table *tb, bool fstab, const char *path,
                   struct libmnt_fs **ret_fs, char **ret_path) {
        _cleanup_free_ char *p = strdup(path);

        for (int depth = 0; p && depth < 8; depth++) {
                struct libmnt_fs *fs = find_mountpoint(tb, p);
                _cleanup_free_ char *rel = NULL;
                const char *src;

                if (!fs)
                        return log_error_errno(ENOENT, "%s: no file system in %s holds path %s.", ctx->conf_path,
                                               fstab ? "/etc/fstab" : "the mount table", path);
                src = mnt_fs_get_source(fs);
                if (!fstab || !has_option(fs, "bind", NULL) || !src || src[0] != '/') {
                        *ret_fs = fs;
                        *ret_path = TAKE_PTR(p);
                        return 0;
                }
                if (relative_path(mnt_fs_get_target(fs), p, &rel) < 0)
                        return log_oom();
                free(p);
                p = join_path(src, rel);
        }
        if (!p)
                return log_oom();
        return log_error_errno(ELOOP, "%s: the bind mounts of /etc/fstab that hold %s nest too deep.",
                               ctx->conf_path, path);
}

/* A dedicated target that is mounted: the mount showing the whole file
 * system if there is one, else (only a subvolume or a bind of a directory
 * is mounted) the last. */
static struct libmnt_fs *whole_mount(struct libmnt_table *tb, struct libmnt_fs *fs) {
        struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *f, *best = fs;
        dev_t dev = mnt_fs_get_devno(fs);

        if (!it || !dev || streq_ptr(mnt_fs_get_root(fs), "/")) {
                mnt_free_iter(it);
                return fs;
        }
        while (mnt_table_next_fs(tb, it, &f) == 0)
                if (mnt_fs_get_devno(f) == dev && streq_ptr(mnt_fs_get_root(f), "/"))
                        best = f;
        mnt_free_iter(it);
        return best;
}

static int path_error(const struct kdump_ctx *ctx, int r, const char *path) {
        if (r == -ENOMEM)
                return log_oom();
        return log_error_errno(r, "%s: path %s: %s.", ctx->conf_path, path,
                               r == -EINVAL ? "must be absolute, without \"..\""
                               : r == -ELOOP ? "its symbolic links loop"
                               : r == -EXDEV ? "a symbolic link in it leads out of the file system tree"
                               : strerror(-r));
}

static int resolve_fs(const struct kdump_ctx *ctx, struct resolved_target *t) {
        const struct kdump_conf *c = ctx->conf;
        _cleanup_table_ struct libmnt_table *mounts = NULL, *fstab = NULL;
        _cleanup_free_ char *canon = NULL, *root = NULL, *rel = NULL;
        struct libmnt_fs *fs = NULL;
        const char *source;
        bool in_fstab = ctx->image_mode;        /* fs is an fstab line, not a mount */
        struct libmnt_fs *whole = NULL;
        int r;

        r = load_table(ctx, true, &fstab);
        if (r < 0)
                return r;
        if (ctx->image_mode)
                mounts = (mnt_ref_table(fstab), fstab);
        else {
                r = load_table(ctx, false, &mounts);
                if (r < 0)
                        return r;
        }

        if (c->target->type == KDUMP_TARGET_ROOTFS) {
                /* path as the running system sees it: every symlink
                 * followed now, so the capture kernel gets a plain path */
                _cleanup_free_ char *resolved = NULL;

                r = root_resolve(ctx, c->path, &resolved);
                if (r < 0)
                        return path_error(ctx, r, c->path);
                r = find_fs(ctx, mounts, ctx->image_mode, resolved, &fs, &canon);
                if (r < 0)
                        return r;
                t->from_rootfs = true;
                t->fstype = strdup(strempty(mnt_fs_get_fstype(fs)));
                t->mountpoint = strdup(mnt_fs_get_target(fs));
                t->seen_at = TAKE_PTR(resolved);
                if (!t->fstype || !t->mountpoint)
                        return log_oom();
                r = check_reproducible(ctx, fs, c->path);
                if (r < 0)
                        return r;
                r = relative_path(t->mountpoint, canon, &rel);
                if (r < 0)
                        return log_error_errno(r, "Cannot place %s on %s: %m", canon, t->mountpoint);
                source = mnt_fs_get_source(fs);
                if (!source)
                        return log_error_errno(EINVAL, "The filesystem on %s has no source device.", t->mountpoint);
                /* a bind or subvolume mount: the fstab line of the whole
                 * file system's mount names it (UUID=, LABEL=) */
                if (!in_fstab)
                        whole = whole_mount(mounts, fs);
        } else {
                source = c->target->device;
                /* mounted (or listed in fstab) under the name the admin wrote? */
                fs = mnt_table_find_source(mounts, source, MNT_ITER_BACKWARD);
                if (!fs && mounts != fstab) {
                        struct libmnt_fs *f = mnt_table_find_source(fstab, source, MNT_ITER_BACKWARD);
                        if (f && mnt_fs_get_target(f))
                                fs = mnt_table_find_target(mounts, mnt_fs_get_target(f), MNT_ITER_BACKWARD);
                        if (!fs) {
                                fs = f;
                                in_fstab = true;
                        }
                }
                if (fs && !in_fstab)
                        fs = whole_mount(mounts, fs);
                t->fstype = strdup(c->target->fstype);
                if (!t->fstype)
                        return log_oom();
                rel = strdup(c->path);
                if (!rel)
                        return log_oom();
                if (fs && mnt_fs_get_target(fs)) {
                        t->mountpoint = strdup(mnt_fs_get_target(fs));
                        if (!t->mountpoint)
                                return log_oom();
                }
                if (fs && !streq_ptr(mnt_fs_get_fstype(fs), c->target->fstype))
                        log_warning("%s is mounted as %s, but kdump.conf says %s.",
                                    source, strempty(mnt_fs_get_fstype(fs)), c->target->fstype);
                if (fs) {
                        r = check_reproducible(ctx, fs, c->target->spec ? c->target->spec : source);
                        if (r < 0)
                                return r;
                }
                if (t->mountpoint && !in_fstab) {
                        /* mounted here: path is below the mount as the
                         * running system sees it, links followed inside it */
                        _cleanup_free_ char *full = join_path(t->mountpoint, c->path), *res = NULL;

                        if (!full)
                                return log_oom();
                        r = root_resolve(ctx, full, &res);
                        if (r < 0)
                                return path_error(ctx, r, full);
                        free(rel);
                        rel = NULL;
                        if (relative_path(t->mountpoint, res, &rel) < 0)
                                return log_error_errno(EXDEV, "%s: path %s: on %s it leads out of that file "
                                                       "system (to %s).", ctx->conf_path, c->path,
                                                       t->mountpoint, res);
                        t->seen_at = TAKE_PTR(res);
                }
        }

        /* from the file system's top: the mount's own root first */
        if (fs) {
                r = mount_root(fs, in_fstab, &root);
                if (r == -EDOM)
                        return log_error_errno(EOPNOTSUPP, "%s: path %s: /etc/fstab mounts %s with subvolid= but "
                                               "no subvol=, so its path in the file system is unknown; name it "
                                               "with subvol=.", ctx->conf_path, c->path, strempty(mnt_fs_get_target(fs)));
                if (r < 0)
                        return log_oom();
        }
        t->path = join_path(root ? root : "/", rel);
        if (!t->path)
                return log_oom();

        /* mounted: the device number, for drivers.c (0 for an fstab entry) */
        if (fs)
                t->devno = mnt_fs_get_devno(fs);
        if (streq(t->fstype, "virtiofs"))
                t->source = strdup(source);     /* a tag, not a block device */
        else {
                r = persistent_spec(ctx, fstab, source, whole ? mnt_fs_get_target(whole) : t->mountpoint,
                                    &t->source);
                if (r < 0)
                        return log_oom();
        }
        r = clean_options(fs ? mnt_fs_get_options(fs) : NULL, &t->options);
        if (r < 0 || !t->source)
                return log_oom();
        if (streq(t->fstype, "btrfs") && mnt_optstr_append_option(&t->options, "subvolid", "5") < 0)
                return log_oom();
        return 0;
}

int target_resolve(const struct kdump_ctx *ctx, struct resolved_target *ret) {
        const struct kdump_conf *c = ctx->conf;
        struct resolved_target t = { .type = c->target->type };
        int r = 0;

        switch (c->target->type) {
        case KDUMP_TARGET_ROOTFS:
        case KDUMP_TARGET_FS:
                t.type = KDUMP_TARGET_FS;
                r = resolve_fs(ctx, &t);
                break;
        case KDUMP_TARGET_RAW:
                t.source = strdup(c->target->device);
                t.raw_node = kdump_device_spec_to_node(c->target->device);
                t.path = strdup(c->path);
                if (!t.source || !t.raw_node || !t.path)
                        r = log_oom();
                break;
        case KDUMP_TARGET_SSH:
        case KDUMP_TARGET_NFS:
                t.path = strdup(c->path);
                if (!t.path)
                        r = log_oom();
                else
                        r = network_resolve(ctx, &t.net);
                break;
        default:
                r = -EINVAL;
        }
        if (r < 0) {
                target_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}

int target_baked_conf(const struct kdump_ctx *ctx, char **ret, size_t *ret_size) {
        struct kdump_conf copy = *ctx->conf;
        char *out = NULL;
        size_t out_size = 0;
        FILE *f;
        int r;

        /* The capture side only ever sees explicit targets, under the names
         * resolved now: the file system holding path when there is no
         * target line, every file system's path from its top level, the writer's and fence_kdump_send's hosts by
         * address (the capture kernel has no resolver).  A member whose dump
         * directory is not the first's gets its own path line. */
        for (size_t i = 0; i < copy.n_targets; i++) {
                const struct resolved_target *t = &ctx->chain[i];
                struct kdump_target *m = &copy.targets[i];

                if (t->from_rootfs) {
                        m->type = KDUMP_TARGET_FS;
                        m->fstype = t->fstype;
                        m->device = t->source;
                }
                if ((t->type == KDUMP_TARGET_SSH || t->type == KDUMP_TARGET_NFS) && t->net.resolved)
                        m->host = t->net.address;
                m->path = i == 0 || streq_ptr(t->path, ctx->chain[0].path) ? NULL : t->path;
        }
        if (ctx->chain[0].path)
                copy.path = ctx->chain[0].path;
        if (fence_enabled(ctx))
                copy.fence_kdump_nodes = ctx->fence.addresses;

        f = open_memstream(&out, &out_size);
        if (!f)
                return -ENOMEM;
        r = kdump_conf_write(&copy, f);
        if (fclose(f) != 0 || r < 0) {
                free(out);
                return -ENOMEM;
        }
        *ret = out;
        *ret_size = out_size;
        return 0;
}

char *target_describe(const struct resolved_target *t) {
        char *s = NULL;
        int r = -1;

        switch (t->type) {
        case KDUMP_TARGET_FS:
                r = asprintf(&s, "%s %s%s%s%s, path %s%s%s%s", t->fstype, t->source,
                             t->mountpoint ? " (mounted on " : " (not mounted",
                             strempty(t->mountpoint), ")", t->path,
                             t->seen_at ? ", seen here as " : "", strempty(t->seen_at),
                             t->from_rootfs ? " (no target line: the filesystem holding path)" : "");
                break;
        case KDUMP_TARGET_RAW:
                r = asprintf(&s, "raw device %s, saved after reboot to %s", t->source, t->path);
                break;
        default:
                return NULL;
        }
        return r < 0 ? NULL : s;
}

char *target_identity(const struct resolved_target *t) {
        char *s = NULL;

        /* Mount options are left out: fstab's "defaults" and the mount
         * table's "rw,relatime" name the same target, and an image built
         * with --sysroot must look current in the booted system. */
        if (t->type == KDUMP_TARGET_FS) {
                if (asprintf(&s, "%s %s path=%s", t->fstype, t->source, t->path) < 0)
                        return NULL;
        } else if (t->type == KDUMP_TARGET_RAW) {
                if (asprintf(&s, "raw %s", t->source) < 0)
                        return NULL;
        } else if ((t->type == KDUMP_TARGET_SSH || t->type == KDUMP_TARGET_NFS) && t->net.resolved) {
                /* a new address or route needs a new image (ip=, ifname=,
                 * the baked address) */
                if (asprintf(&s, "%s addr=%s dev=%s mac=%s src=%s/%u via=%s %s",
                             kdump_target_type_to_string(t->type), t->net.address, t->net.dev,
                             strempty(t->net.mac), strempty(t->net.src), t->net.prefix,
                             strempty(t->net.gateway), t->net.dhcp ? "dhcp" : "static") < 0)
                        return NULL;
        } else
                s = strdup(kdump_target_type_to_string(t->type));
        return s;
}

/* dracut --mount "dev mountpoint fstype options": Fedora's /kdumproot prefix
 * keeps the dump target apart from anything the initramfs mounts itself. */
char *target_mount_arg(const struct resolved_target *t, size_t member) {
        char n[24] = "";
        char *s;

        if (t->type != KDUMP_TARGET_FS)
                return NULL;
        /* --mount makes dracut install the device's drivers and layers (LVM,
         * MD, crypt); kdump-target-generator does the mounting, with a bounded
         * device wait, so the fstab entry dracut writes must stay noauto.
         * Later members of a chain get a mount point of their own. */
        if (member > 0)
                snprintf(n, sizeof n, "-%zu", member + 1);
        if (asprintf(&s, "%s /kdumproot%s%s %s %s,noauto", t->source, n,
                     t->mountpoint && !streq(t->mountpoint, "/") ? t->mountpoint : "",
                     t->fstype, t->options) < 0)
                return NULL;
        return s;
}
