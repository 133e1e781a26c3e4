/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dracut invocation that builds the capture initramfs, as an argv. */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

/* Modules that only cost crash memory or get in the way of a capture boot:
 *   plymouth      a boot splash; nobody watches it, and it holds the DRM device
 *   resume        the capture kernel must never resume a hibernation image
 *   ifcfg, earlykdump   Fedora-only leftovers, listed for compatibility
 *   drm           GPU drivers: tens of MB unpacked, and re-initialising a GPU
 *                 the crashed kernel left busy is a classic capture hang
 *   bluetooth, memstrack   never needed to save a dump
 *   shutdown      keeps a copy of the initramfs for the shutdown of a system
 *                 that switched root; the capture never does (and it pulls in
 *                 kexec with its libraries)
 *   rootfs-block, fs-lib, usrmount, overlay-root, fstab-sys, terminfo,
 *   kernel-modules-extra, qemu, lunmask, nvdimm
 *                 mounting and checking a root to switch to, and hardware
 *                 drivers by category: the capture mounts only its target
 *                 (kdump-target-generator, no fsck) and its drivers are named
 *                 (drivers.c)
 * qemu-net stays: dracut's network module depends on it inside a VM.
 * Storage stacks (lvm, crypt, dm, multipath, mdraid) are NOT omitted when
 * probing: hostonly mode adds them only when the dump target sits on them.
 * For a --sysroot image nothing is probed, and they would all come in. */
#define OMIT_MODULES "plymouth resume ifcfg earlykdump drm bluetooth memstrack shutdown " \
        "usrmount overlay-root fstab-sys terminfo kernel-modules-extra qemu lunmask nvdimm " \
        "hwdb systemd-battery-check systemd-pcrphase"
/*   hwdb          udev's hardware database: 13.5MB of a 47MB unpacked image
 *                 on Debian 13; it only names devices for humans, and the
 *                 capture names its drivers and its target itself
 *   systemd-battery-check, systemd-pcrphase   a low battery stopping the
 *                 boot, TPM measurements: neither belongs in a capture
 * File-system modules that dracut adds to a generic (--sysroot) image, kept
 * only when a member of the chain is of that kind (FS_MODULES). */
static const struct { const char *module, *fstype; } FS_MODULES[] = {
        { "btrfs", "btrfs" },
        { "virtiofs", "virtiofs" },
        { "virtfs", "9p" },
};
#define OMIT_ROOT_MODULES "rootfs-block fs-lib"
#define OMIT_IMAGE_MODULES "crypt dm lvm mdraid dmraid multipath"

/* zstd at level 19 makes the image about a fifth smaller than dracut's
 * default gzip -9 and unpacks three times faster (bench/results); the window
 * is capped at 2 MiB because the kernel allocates it while unpacking, in the
 * crash reservation. */
#define ZSTD_COMPRESS "zstd -19 -q -T0 --zstd=wlog=21"

/* extra_bins may name a command; look it up where binaries live. */
int resolve_extra_bin(const struct kdump_ctx *ctx, const char *name, char **ret) {
        static const char * const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

        if (name[0] == '/') {
                _cleanup_free_ char *p = root_path(ctx, name);
                if (!p)
                        return -ENOMEM;
                if (!is_executable_file(p))
                        return -ENOENT;
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *in = NULL, *p = NULL;

                if (asprintf(&in, "%s/%s", dirs[i], name) < 0)
                        return -ENOMEM;
                p = root_path(ctx, in);
                if (!p)
                        return -ENOMEM;
                if (is_executable_file(p)) {
                        *ret = TAKE_PTR(in);
                        return 0;
                }
        }
        return -ENOENT;
}

/* Whether the root's dracut has module `name`, looked for by name (NNname
 * up to Debian 14's dracut, or name): 1 yes, 0 no, -ENOENT when the module
 * directory cannot be read, -ENOMEM. */
static int dracut_has_module(const struct kdump_ctx *ctx, const char *name) {
        _cleanup_free_ char *dir = root_path(ctx, dir_env("KDUMP_DRACUTMODDIR", DRACUTMODDIR));
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return -ENOENT;
        while ((de = readdir(d))) {
                const char *n = de->d_name;

                if (isdigit((unsigned char) n[0]) && isdigit((unsigned char) n[1]))
                        n += 2;
                if (streq(n, name))
                        return 1;
        }
        return 0;
}

/* ssh and nfs targets (any member of the chain), and fence_kdump_nodes with
 * any target, need dracut's network module, which Debian ships in
 * dracut-network, not in dracut-core; without it dracut stops with "Module
 * 'network' cannot be found".  Looked for as NNnetwork (dracut up to Debian
 * 14) or network; a module directory that cannot be read is left to dracut.
 * Returns the number of errors reported (0 or 1), or -ENOMEM. */
int dracut_check_network(const struct kdump_ctx *ctx) {
        const struct kdump_conf *c = ctx->conf;
        const struct kdump_target *net = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        for (size_t i = 0; i < c->n_targets && !net; i++)
                if (c->targets[i].type == KDUMP_TARGET_SSH || c->targets[i].type == KDUMP_TARGET_NFS)
                        net = &c->targets[i];
        if (!net && strv_length(c->fence_kdump_nodes) == 0)
                return 0;
        r = dracut_has_module(ctx, "network");
        if (r == -ENOMEM)
                return r;
        if (r != 0)
                return 0;       /* there, or left to dracut */
        dir = root_path(ctx, dir_env("KDUMP_DRACUTMODDIR", DRACUTMODDIR));
        if (!dir)
                return -ENOMEM;
        if (net)
                conf_error(ctx, net->line, "%s target '%s' needs dracut's network module, which is missing "
                           "from %s: install the package dracut-network",
                           kdump_target_type_to_string(net->type), net->spec, dir);
        else
                conf_error(ctx, c->lines.fence_kdump_nodes, "fence_kdump_nodes '%s' needs dracut's network module, "
                           "which is missing from %s: install the package dracut-network",
                           c->fence_kdump_nodes[0], dir);
        return 1;
}

static bool root_has_binary(const struct kdump_ctx *ctx, const char *name) {
        _cleanup_free_ char *p = NULL;

        return resolve_extra_bin(ctx, name, &p) == 0;
}

/* Whether the capture kernel can unpack a zstd initramfs and the root has
 * zstd: the kernel's config says so (CONFIG_RD_ZSTD=y); without a config to
 * read, dracut's default stays. */
static bool zstd_usable(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *config = NULL;

        if (!root_has_binary(ctx, "zstd") || !(config = kernel_config(ctx)))
                return false;
        return kconfig_set(config, "CONFIG_RD_ZSTD", false);
}

/* Whether the ELF file at `path` asks for a program interpreter (it is
 * dynamically linked).  An unreadable file counts as dynamic. */
static bool elf_is_dynamic(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        Elf64_Ehdr eh;

        if (fd < 0 || pread(fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
            eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
                return true;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;

                if (pread(fd, &ph, sizeof ph, (off_t) (eh.e_phoff + (uint64_t) i * sizeof ph)) != (ssize_t) sizeof ph)
                        return true;
                if (ph.p_type == PT_INTERP)
                        return true;
        }
        return false;
}

/* Whether dracut_args omit the module: `--omit LIST`, `--omit=LIST` or
 * `-o LIST`, LIST one word or several in one argument, as dracut takes them. */
static bool user_omits(const struct kdump_conf *c, const char *module) {
        for (size_t i = 0; c->dracut_args && c->dracut_args[i]; i++) {
                const char *w = c->dracut_args[i], *list = NULL;

                if ((streq(w, "--omit") || streq(w, "-o")) && c->dracut_args[i + 1])
                        list = c->dracut_args[++i];
                else if (startswith(w, "--omit="))
                        list = w + strlen("--omit=");
                if (!list)
                        continue;
                _cleanup_free_ char *copy = strdup(list);
                char *save = NULL;

                if (!copy)
                        continue;
                for (char *m = strtok_r(copy, " \t", &save); m; m = strtok_r(NULL, " \t", &save))
                        if (streq(m, module))
                                return true;
        }
        return false;
}

/*
 * dracut's squashed image: the tree goes into a squashfs image inside the
 * initramfs, which the loader mounts (loop, overlay) and switches to.  A
 * cpio's tree is unpacked whole into memory nothing can reclaim; the squashed
 * one stays compressed there, and only what runs is paged in (and can be
 * paged out).  On Debian 13's generic image: 47MB unpacked from a 14MB cpio,
 * against a 13.6MB squashfs (bench/results).  squashfs, not erofs: erofs
 * with lzma is as small only with large pclusters, which dracut's
 * squash-erofs does not ask for.  The compressor: squash_compressor().
 *   dracut-ng (Debian 13 on): squash-squashfs; 99kdumpbase gives its loader
 *   busybox's libraries, which dracut leaves out.
 *   dracut 059 (Debian 12): squash, whose loader is built after every module
 *   ran and gets busybox without libraries: only with no busybox or a
 *   statically linked one.
 * Needs mksquashfs in the root and a kernel with squashfs (xz or zstd),
 * loop and overlayfs.  NULL: a plain cpio; else *compressor is set.
 */
/*
 * mksquashfs -comp words (dracut splits --squash-compressor into words).  The
 * image stays in the capture kernel's memory for the whole capture, so every
 * byte of it is crash memory: xz with the x86 branch filter where the
 * kernel's xz decoder has it.  Debian 13's local image: 9.8MB, against
 * 10.3MB with plain xz and 11.1MB with zstd at its default level (zstd -19:
 * 11.0MB); xz decompresses more slowly, but only what runs is read
 * (bench/results, 2026-12-04-vm-trixie-xz).  128K blocks (the default):
 * squashfs keeps three blocks of fragments and one per CPU in memory it
 * cannot reclaim.
 */
static const char *squash_compressor(const char *config) {
        if (kconfig_set(config, "CONFIG_SQUASHFS_XZ", false) && kconfig_set(config, "CONFIG_X86", false) &&
            kconfig_set(config, "CONFIG_XZ_DEC_X86", false))
                return "xz -Xbcj x86";
        if (kconfig_set(config, "CONFIG_SQUASHFS_XZ", false))
                return "xz";
        if (kconfig_set(config, "CONFIG_SQUASHFS_ZSTD", false))
                return "zstd";
        return NULL;
}

static const char *squash_module(const struct kdump_ctx *ctx, const char **compressor) {
        _cleanup_free_ char *config = NULL;
        const char *module = NULL;

        /* the administrator's way out: dracut_args --omit squash-squashfs
         * (or squash, or squash-lib) gives a plain zstd cpio */
        if (user_omits(ctx->conf, "squash-squashfs") || user_omits(ctx->conf, "squash") ||
            user_omits(ctx->conf, "squash-lib"))
                return NULL;

        if (dracut_has_module(ctx, "squash-squashfs") == 1 && dracut_has_module(ctx, "squash-lib") == 1)
                module = "squash-squashfs";
        else if (dracut_has_module(ctx, "squash") == 1 && dracut_has_module(ctx, "squash-lib") == 0) {
                _cleanup_free_ char *bb = NULL;

                if (resolve_extra_bin(ctx, "busybox", &bb) == 0) {
                        _cleanup_free_ char *p = root_path(ctx, bb);

                        if (!p || elf_is_dynamic(p))
                                return NULL;
                }
                module = "squash";
        }
        if (!module || !root_has_binary(ctx, "mksquashfs") || !root_has_binary(ctx, "unsquashfs") ||
            !(config = kernel_config(ctx)))
                return NULL;
        if (!kconfig_set(config, "CONFIG_SQUASHFS", true) || !kconfig_set(config, "CONFIG_BLK_DEV_LOOP", true) ||
            !kconfig_set(config, "CONFIG_OVERLAY_FS", true) || !(*compressor = squash_compressor(config)))
                return NULL;
        return module;
}

/* Appends each space-separated word of `words`. */
static int push_words(char ***l, const char *words) {
        _cleanup_free_ char *copy = strdup(words);

        if (!copy)
                return -ENOMEM;
        for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                if (strv_push(l, w) < 0)
                        return -ENOMEM;
        return 0;
}

static int push_pair(char ***l, const char *a, const char *b) {
        return strv_push(l, a) < 0 || strv_push(l, b) < 0 ? -ENOMEM : 0;
}

/* The writer module of every kind of member, once each. */
static int target_modules(const struct kdump_ctx *ctx, char **ret) {
        static const struct { enum kdump_target_type type; const char *module; } writers[] = {
                { KDUMP_TARGET_SSH, " kdump-ssh" },
                { KDUMP_TARGET_NFS, " kdump-nfs" },
                { KDUMP_TARGET_RAW, " kdump-raw" },
        };
        char s[64] = "kdumpbase";

        for (size_t i = 0; i < ELEMENTSOF(writers); i++)
                if (ctx_chain_has(ctx, writers[i].type))
                        strcat(s, writers[i].module);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* dracut's lvm, mdraid and crypt modules depend on rootfs-block: it stays
 * when the target is a device-mapper or MD device (one with slaves). */
static bool member_on_stack(const struct kdump_ctx *ctx, const struct resolved_target *t) {
        _cleanup_free_ char *rel = NULL, *p = NULL;
        dev_t dev = t->devno;
        struct dirent *de;
        bool any = false;
        DIR *d;

        if (t->type != KDUMP_TARGET_FS)
                return false;
        if (!dev && startswith(t->source, "/dev/")) {
                _cleanup_free_ char *node = root_path(ctx, t->source);
                struct stat st;

                if (node && stat(node, &st) == 0 && S_ISBLK(st.st_mode))
                        dev = st.st_rdev;
        }
        if (!dev || asprintf(&rel, "/sys/dev/block/%u:%u/slaves", major(dev), minor(dev)) < 0 ||
            !(p = root_path(ctx, rel)) || !(d = opendir(p)))
                return false;
        while (!any && (de = readdir(d)))
                any = de->d_name[0] != '.';
        closedir(d);
        return any;
}

static bool target_on_stack(const struct kdump_ctx *ctx) {
        for (size_t i = 0; i < ctx_n_targets(ctx); i++)
                if (member_on_stack(ctx, &ctx->chain[i]))
                        return true;
        return false;
}

/* --sysroot DIR: DIR's own dracut runs inside DIR (util-linux's unshare: a
 * private mount namespace with its own /proc, chrooted to DIR), so that
 * dracut, its modules (ours among them) and every binary and library it
 * installs are the tree's.  The build host's dracut may be another version,
 * or absent; run from outside, it looked for the tree's programs in the
 * host's places.  --sysroot / (already in the tree) needs no chroot. */
static bool dracut_in_tree(const struct kdump_ctx *ctx) {
        return ctx->image_mode && ctx->root[0];
}

/* A path below the root as the chrooted dracut sees it. */
static const char *tree_path(const struct kdump_ctx *ctx, const char *p) {
        size_t l = strlen(ctx->root);

        if (dracut_in_tree(ctx) && strncmp(p, ctx->root, l) == 0 && p[l] == '/')
                return p + l;
        return p;
}

int dracut_argv(const struct kdump_ctx *ctx, const char *baked_conf, const char *output, char ***ret) {
        const struct kdump_conf *c = ctx->conf;
        _cleanup_strv_free_ char **a = calloc(1, sizeof(char *));
        _cleanup_strv_free_ char **install = calloc(1, sizeof(char *));
        _cleanup_strv_free_ char **omit = NULL;
        _cleanup_(capture_modules_done) struct capture_modules mods = {};
        _cleanup_strv_free_ char **net_dracut = NULL, **net_cmdline = NULL;
        _cleanup_free_ char *mount = NULL, *joined = NULL;
        const char *squash, *compressor = NULL;
        int r;

        if (!a || !install)
                return -ENOMEM;

        if (dracut_in_tree(ctx)) {
                char *wrap[] = { (char *) "unshare", (char *) "--mount", (char *) "--propagation",
                                 (char *) "private", (char *) "--mount-proc=/proc", (char *) "--root",
                                 ctx->root, (char *) "--", NULL };

                if (strv_extend(&a, wrap) < 0)
                        return -ENOMEM;
        }
        /* --force: the output is our own temporary name, removed beforehand */
        if (strv_push(&a, "dracut") < 0 || strv_push(&a, "--force") < 0 || strv_push(&a, "--quiet") < 0)
                return -ENOMEM;

        if (ctx->image_mode) {
                /* Nothing of the build host is probed: generic image, files
                 * and kernel modules taken from the system under DIR. */
                if (strv_push(&a, "--no-hostonly") < 0 || strv_push(&a, "--no-hostonly-cmdline") < 0)
                        return -ENOMEM;
        } else {
                /* hostonly strict: only the drivers of this machine; the
                 * cmdline part brings rd.lvm.lv=, rd.luks.uuid= for the target;
                 * i18n only the configured keymap. */
                if (strv_push(&a, "--hostonly") < 0 || push_pair(&a, "--hostonly-mode", "strict") < 0 ||
                    strv_push(&a, "--hostonly-cmdline") < 0 || strv_push(&a, "--hostonly-i18n") < 0 ||
                    push_pair(&a, "--hostonly-nics", "") < 0)
                        return -ENOMEM;
                /* The root device is only needed when the failure action
                 * dumps to it; otherwise its drivers only cost memory. */
                if (c->failure_action != KDUMP_ACTION_DUMP_TO_ROOTFS &&
                    strv_push(&a, "--no-hostonly-default-device") < 0)
                        return -ENOMEM;
        }
        /* Microcode is already loaded in the CPU; stripping more debug data
         * and leaving it out both save crash memory. */
        if (strv_push(&a, "--aggressive-strip") < 0 || strv_push(&a, "--no-early-microcode") < 0)
                return -ENOMEM;
        squash = squash_module(ctx, &compressor);
        /* a squashfs image does not compress further: the cpio around it
         * is left uncompressed, so nothing is decompressed at unpack time */
        if (squash && strv_push(&a, "--no-compress") < 0)
                return -ENOMEM;
        if (!squash && zstd_usable(ctx) && push_pair(&a, "--compress", ZSTD_COMPRESS) < 0)
                return -ENOMEM;

        r = capture_modules(ctx, &mods);
        if (r < 0)
                return r;
        omit = calloc(1, sizeof(char *));
        if (!omit || push_words(&omit, OMIT_MODULES) < 0)
                return -ENOMEM;
        /* named drivers instead of dracut's by-category kernel-modules */
        if (mods.probed && strv_push(&omit, "kernel-modules") < 0)
                return -ENOMEM;
        if (mods.probed && !target_on_stack(ctx) && push_words(&omit, OMIT_ROOT_MODULES) < 0)
                return -ENOMEM;
        if (ctx->image_mode && push_words(&omit, OMIT_IMAGE_MODULES) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(FS_MODULES); i++) {
                bool used = false;

                for (size_t j = 0; j < ctx_n_targets(ctx); j++)
                        used = used || (ctx->chain[j].type == KDUMP_TARGET_FS &&
                                        streq_ptr(ctx->chain[j].fstype, FS_MODULES[i].fstype));
                if (!used && strv_push(&omit, FS_MODULES[i].module) < 0)
                        return -ENOMEM;
        }
        joined = strv_join(omit, " ");
        if (!joined || push_pair(&a, "--omit", joined) < 0)
                return -ENOMEM;
        joined = mfree(joined);
        /* fence_kdump_nodes: a network for any target (99kdumpbase adds
         * fence_kdump_send and kdump-fence.service) */
        r = target_modules(ctx, &mount);
        if (r < 0 || asprintf(&joined, "%s%s%s%s", mount, fence_enabled(ctx) ? " network" : "",
                              squash ? " " : "", strempty(squash)) < 0 ||
            push_pair(&a, "--add", joined) < 0)
                return -ENOMEM;
        if (squash && push_pair(&a, "--squash-compressor", compressor) < 0)
                return -ENOMEM;
        joined = mfree(joined);
        mount = mfree(mount);

        r = kdumpctl_network_args(ctx, &net_dracut, &net_cmdline);
        if (r < 0)
                return r;
        if (strv_extend(&a, net_dracut) < 0)
                return -ENOMEM;

        /* For an image the device is not attached: dracut could not resolve a
         * --mount (it warns and drops it), so the file system is named. */
        for (size_t i = 0; i < ctx_n_targets(ctx) && !ctx->image_mode; i++) {
                if (ctx->chain[i].type != KDUMP_TARGET_FS)
                        continue;
                mount = mfree(mount);
                mount = target_mount_arg(&ctx->chain[i], i);
                if (!mount || push_pair(&a, "--mount", mount) < 0)
                        return -ENOMEM;
        }
        if (strv_length(mods.filesystems) > 0) {
                joined = strv_join(mods.filesystems, " ");
                if (!joined || push_pair(&a, "--filesystems", joined) < 0)
                        return -ENOMEM;
                joined = mfree(joined);
        }
        if (strv_length(mods.drivers) > 0) {
                joined = strv_join(mods.drivers, " ");
                if (!joined || push_pair(&a, "--add-drivers", joined) < 0)
                        return -ENOMEM;
                joined = mfree(joined);
        }
        if (strv_length(mods.omit_drivers) > 0) {
                joined = strv_join(mods.omit_drivers, " ");
                if (!joined || push_pair(&a, "--omit-drivers", joined) < 0)
                        return -ENOMEM;
                joined = mfree(joined);
        }

        /* Hooks and extra binaries keep their absolute path in the image;
         * dracut pulls in their shared libraries. */
        if (c->kdump_pre && strv_push(&install, c->kdump_pre) < 0)
                return -ENOMEM;
        if (c->kdump_post && strv_push(&install, c->kdump_post) < 0)
                return -ENOMEM;
        STRV_FOREACH(b, c->extra_bins) {
                _cleanup_free_ char *p = NULL;
                r = resolve_extra_bin(ctx, *b, &p);
                if (r == -ENOMEM)
                        return r;
                if (!strv_contains(install, r < 0 ? *b : p) && strv_push(&install, r < 0 ? *b : p) < 0)
                        return -ENOMEM;
        }
        if (strv_length(install) > 0) {
                joined = strv_join(install, " ");
                if (!joined || push_pair(&a, "--install", joined) < 0)
                        return -ENOMEM;
                joined = mfree(joined);
        }

        if (push_pair(&a, "--include", tree_path(ctx, baked_conf)) < 0 || strv_push(&a, "/etc/kdump.conf") < 0)
                return -ENOMEM;
        if (ctx_chain_has(ctx, KDUMP_TARGET_SSH)) {
                _cleanup_free_ char *key = root_path(ctx, c->sshkey);
                _cleanup_free_ char *kh = root_path(ctx, KDUMP_KNOWN_HOSTS);

                if (!key || !kh ||
                    push_pair(&a, "--include", tree_path(ctx, key)) < 0 || strv_push(&a, c->sshkey) < 0 ||
                    push_pair(&a, "--include", tree_path(ctx, kh)) < 0 || strv_push(&a, KDUMP_IMAGE_KNOWN_HOSTS) < 0)
                        return -ENOMEM;
        }

        if (push_pair(&a, "--kver", ctx->kver) < 0)
                return -ENOMEM;
        /* dracut_args last, word by word, so they can override ours */
        if (strv_extend(&a, c->dracut_args) < 0)
                return -ENOMEM;
        if (push_pair(&a, tree_path(ctx, output), ctx->kver) < 0)
                return -ENOMEM;

        *ret = TAKE_PTR(a);
        return 0;
}

/* What running the tree's dracut in the tree needs, said before it fails
 * obscurely. */
static int dracut_in_tree_check(const struct kdump_ctx *ctx) {
        static const char *const dracuts[] = { "/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut" };
        _cleanup_free_ char *null = NULL;
        struct stat st;
        bool found = false;

        if (!dracut_in_tree(ctx))
                return 0;
        if (geteuid() != 0)
                return log_error_errno(EPERM, "rebuild --sysroot %s runs the tree's own dracut inside it "
                                       "(a mount namespace and chroot): run it as root.", ctx->root);
        for (size_t i = 0; i < ELEMENTSOF(dracuts) && !found; i++) {
                _cleanup_free_ char *p = root_path(ctx, dracuts[i]);

                if (!p)
                        return log_oom();
                found = access(p, X_OK) == 0;
        }
        if (!found)
                return log_error_errno(ENOENT, "%s has no dracut: install dracut (Debian: dracut-core) in the "
                                       "image; its own dracut builds its capture image.", ctx->root);
        null = root_path(ctx, "/dev/null");
        if (!null)
                return log_oom();
        if (stat(null, &st) < 0 || !S_ISCHR(st.st_mode))
                return log_error_errno(ENODEV, "%s/dev has no /dev/null, which dracut needs: mount the build "
                                       "host's /dev there first (mount --bind /dev %s/dev).", ctx->root, ctx->root);
        return 0;
}

int dracut_build(struct kdump_ctx *ctx, const struct manifest *m) {
        _cleanup_free_ char *image = root_path(ctx, ctx->image), *dir = root_path(ctx, KDUMP_STATE_DIR);
        _cleanup_free_ char *tmp = NULL, *conf_tmp = NULL, *baked = NULL, *mpath = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        size_t baked_size;
        struct stat st;
        mode_t old_umask;
        int r;

        if (!image || !dir || asprintf(&tmp, "%s.tmp", image) < 0 ||
            asprintf(&conf_tmp, "%s.conf.tmp", image) < 0 || !(mpath = manifest_path(ctx)))
                return log_oom();
        if (ctx->dry_run) {
                _cleanup_free_ char *s = NULL;

                if (dracut_argv(ctx, conf_tmp, tmp, &argv) < 0 || !(s = argv_to_string(argv)))
                        return log_oom();
                printf("dracut command to be used:\n  %s\n", s);
                return 0;
        }

        r = mkdir_p(dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);

        r = target_baked_conf(ctx, &baked, &baked_size);
        if (r < 0)
                return log_oom();
        (void) unlink(conf_tmp);
        r = write_file_atomic(conf_tmp, baked, baked_size, 0600);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", conf_tmp);

        r = dracut_in_tree_check(ctx);
        if (r < 0) {
                (void) unlink(conf_tmp);
                return r;
        }
        r = dracut_argv(ctx, conf_tmp, tmp, &argv);
        if (r < 0) {
                (void) unlink(conf_tmp);
                return log_oom();
        }

        (void) unlink(tmp);
        log_info("Building %s ...", image);
        /* the image holds the ssh key: never readable by others, not even
         * while dracut writes it */
        old_umask = umask(0077);
        /* for 99kdumpbase: dracut's --include never replaces a file a
         * module installed, so the module installs the baked configuration
         * itself rather than the host's /etc/kdump.conf */
        if (setenv("KDUMP_BAKED_CONF", tree_path(ctx, conf_tmp), 1) < 0) {
                umask(old_umask);
                (void) unlink(conf_tmp);
                return log_oom();
        }
        r = spawn_wait(argv, TIMEOUT_DRACUT);
        (void) unsetenv("KDUMP_BAKED_CONF");
        umask(old_umask);
        (void) unlink(conf_tmp);
        if (r == -ETIMEDOUT) {
                (void) unlink(tmp);
                return log_error_errno(r, "dracut did not finish within %us; gave up.", TIMEOUT_DRACUT);
        }
        if (r < 0 && dracut_in_tree(ctx))
                return log_error_errno(r, "Failed to run unshare (util-linux) to run %s's dracut: %m", ctx->root);
        if (r < 0)
                return log_error_errno(r, "Failed to run dracut: %m (is dracut installed and in PATH?)");
        if (r != 0) {
                (void) unlink(tmp);
                return log_error_errno(EIO, "dracut failed with exit status %d; %s left unchanged.", r, image);
        }
        if (stat(tmp, &st) < 0 || st.st_size == 0) {
                (void) unlink(tmp);
                return log_error_errno(EIO, "dracut succeeded but wrote no image to %s.", tmp);
        }
        if (chmod(tmp, 0600) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return log_error_errno(r, "Failed to chmod %s: %m", tmp);
        }
        /* old manifest goes first: a crash in between leaves "rebuild
         * needed", never a new image described by an old manifest */
        (void) unlink(mpath);
        if (rename(tmp, image) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return log_error_errno(r, "Failed to rename %s to %s: %m", tmp, image);
        }
        r = manifest_write(m, mpath);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", mpath);
        log_info("Built %s.", image);
        return 0;
}
