/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every verb needs: the root (KDUMP_SYSROOT or --sysroot), the
 * configuration, the kernel version and image, the resolved target. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

/* --sysroot: the newest kernel installed in the image (with modules and an
 * image in /boot). */
static int pick_image_kver(const char *root, char **ret) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *best = NULL;
        struct dirent *de;

        if (asprintf(&dir, "%s/lib/modules", root) < 0)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return log_error_errno(errno, "Cannot list kernels in %s: %m; pass --kver.", dir);
        while ((de = readdir(d))) {
                _cleanup_free_ char *img = NULL;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&img, "%s/boot/vmlinuz-%s", root, de->d_name) < 0)
                        return -ENOMEM;
                if (access(img, F_OK) < 0)
                        continue;
                if (!best || strverscmp(de->d_name, best) > 0) {
                        free(best);
                        best = strdup(de->d_name);
                        if (!best)
                                return -ENOMEM;
                }
        }
        if (!best)
                return log_error_errno(ENOENT, "No kernel found in %s with a matching %s/boot/vmlinuz-*; pass --kver.",
                                       dir, root);
        *ret = TAKE_PTR(best);
        return 0;
}

int ctx_init(struct kdump_ctx *ctx, const char *sysroot, bool image_mode,
             const char *conf_path, const char *kver) {
        size_t l;
        int r;

        *ctx = (struct kdump_ctx) { .image_mode = image_mode };
        ctx->target = &ctx->chain[0];
        ctx->root = strdup(sysroot ? sysroot : "");
        if (!ctx->root)
                return log_oom();
        l = strlen(ctx->root);
        while (l > 0 && ctx->root[l - 1] == '/')
                ctx->root[--l] = '\0';

        if (conf_path)
                ctx->conf_path = strdup(conf_path);
        else
                ctx->conf_path = root_path(ctx, SYSCONFDIR "/kdump.conf");
        if (!ctx->conf_path)
                return log_oom();

        if (kver)
                ctx->kver = strdup(kver);
        else if (image_mode) {
                r = pick_image_kver(ctx->root, &ctx->kver);
                if (r < 0)
                        return r;
        } else if (*ctx->root) {
                /* a fake root carries the running kernel's release where
                 * the kernel publishes it */
                _cleanup_free_ char *p = root_path(ctx, "/proc/sys/kernel/osrelease");
                if (!p)
                        return log_oom();
                r = read_one_line(p, &ctx->kver);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", p);
        } else {
                struct utsname u;
                if (uname(&u) < 0)
                        return log_error_errno(errno, "uname() failed: %m");
                ctx->kver = strdup(u.release);
        }
        if (!ctx->kver)
                return log_oom();
        if (!*ctx->kver || strchr(ctx->kver, '/'))
                return log_error_errno(EINVAL, "Invalid kernel version '%s'.", ctx->kver);
        if (asprintf(&ctx->image, KDUMP_STATE_DIR "/initramfs-%skdump.img", ctx->kver) < 0)
                return log_oom();
        return 0;
}

void ctx_done(struct kdump_ctx *ctx) {
        kdump_conf_free(ctx->conf);
        for (size_t i = 0; i < KDUMP_TARGETS_MAX; i++)
                target_done(&ctx->chain[i]);
        fence_done(&ctx->fence);
        free(ctx->root);
        free(ctx->conf_path);
        free(ctx->kver);
        free(ctx->kernel);
        free(ctx->image);
        *ctx = (struct kdump_ctx) {};
}

void conf_error(const struct kdump_ctx *ctx, unsigned line, const char *fmt, ...) {
        va_list ap;

        if (line > 0)
                fprintf(stderr, "%s:%u: ", ctx->conf_path, line);
        else
                fprintf(stderr, "%s: ", ctx->conf_path);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* The checks that need the system, beyond the parser's syntax checks. */
static int check_system(const struct kdump_ctx *ctx) {
        const struct kdump_conf *c = ctx->conf;
        const struct { const char *name, *path; unsigned line; } hooks[] = {
                { "kdump_pre", c->kdump_pre, c->lines.kdump_pre },
                { "kdump_post", c->kdump_post, c->lines.kdump_post },
        };
        int errors = 0, r;

        for (size_t i = 0; i < ELEMENTSOF(hooks); i++) {
                _cleanup_free_ char *p = NULL;

                if (!hooks[i].path)
                        continue;
                p = root_path(ctx, hooks[i].path);
                if (!p)
                        return log_oom();
                if (strpbrk(hooks[i].path, " \t")) {
                        /* dracut --install takes a space-separated list */
                        conf_error(ctx, hooks[i].line,
                                   "%s '%s': a path with white space cannot be installed into the initramfs",
                                   hooks[i].name, hooks[i].path);
                        errors++;
                } else if (!is_executable_file(p)) {
                        conf_error(ctx, hooks[i].line,
                                   "%s '%s' does not exist or is not an executable file",
                                   hooks[i].name, hooks[i].path);
                        errors++;
                }
        }
        for (size_t i = 0; c->extra_bins[i]; i++) {
                const char *b = c->extra_bins[i];
                _cleanup_free_ char *p = NULL;

                r = resolve_extra_bin(ctx, b, &p);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        conf_error(ctx, c->lines.extra_bins[i],
                                   "extra_bins '%s' %s", b,
                                   b[0] == '/' ? "does not exist or is not an executable file"
                                                  : "not found in /usr/sbin, /usr/bin, /sbin or /bin");
                        errors++;
                }
        }
        for (size_t i = 0; i < c->n_targets; i++) {
                const struct kdump_target *t = &c->targets[i];
                _cleanup_free_ char *node = NULL, *p = NULL, *what = NULL;

                if (t->type != KDUMP_TARGET_RAW || ctx->image_mode)
                        continue;
                node = kdump_device_spec_to_node(t->device);
                if (!node || !(p = root_path(ctx, node)))
                        return log_oom();
                if (access(p, F_OK) < 0) {
                        conf_error(ctx, t->line, "raw device '%s' does not exist (%s)", t->device, p);
                        errors++;
                } else {
                        r = raw_device_has_signature(p, &what);
                        if (r != 0) {
                                conf_error(ctx, t->line,
                                           r > 0 ? "raw device '%s' carries a %s signature; refusing to "
                                                   "overwrite it (wipe it with wipefs first if it really is unused)"
                                                 : "raw device '%s' cannot be probed for signatures%s",
                                           t->device, r > 0 ? what : "");
                                errors++;
                        }
                }
        }
        /* retention deletes dumps in the first kernel: only where kdumpctl
         * sees them, never on a server (in a chain: on its local members) */
        if ((c->keep_dumps || c->keep_free_mb) &&
            !ctx_chain_has(ctx, KDUMP_TARGET_ROOTFS) && !ctx_chain_has(ctx, KDUMP_TARGET_FS) &&
            !ctx_chain_has(ctx, KDUMP_TARGET_RAW)) {
                conf_error(ctx, c->keep_dumps ? c->lines.keep_dumps : c->lines.keep_free_mb,
                           "%s applies to local and raw targets only, not to the %s target %s",
                           c->keep_dumps ? "keep_dumps" : "keep_free_mb",
                           kdump_target_type_to_string(c->target->type), c->target->spec);
                errors++;
        }
        r = dracut_check_network(ctx);
        if (r < 0)
                return log_oom();
        errors += r;
        if (errors > 0) {
                fprintf(stderr, "%s: %d error%s, configuration refused\n",
                        ctx->conf_path, errors, errors == 1 ? "" : "s");
                return -EINVAL;
        }
        return 0;
}

int ctx_load_conf(struct kdump_ctx *ctx) {
        int r;

        r = kdump_conf_load(ctx->conf_path, KDUMP_CONF_STRICT, &ctx->conf);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", ctx->conf_path);
        kdump_conf_print_diags(ctx->conf, stderr);
        if (ctx->conf->n_errors > 0) {
                fprintf(stderr, "%s: %zu error%s, configuration refused\n",
                        ctx->conf_path, ctx->conf->n_errors, ctx->conf->n_errors == 1 ? "" : "s");
                return -EINVAL;
        }
        r = check_system(ctx);
        if (r < 0)
                return r;
        return fence_resolve(ctx);
}

/* The bootloader's BOOT_IMAGE= names the running kernel's file; "(hd0,gpt2)"
 * device prefixes are GRUB's, and the path may be relative to /boot. */
static int boot_image_candidate(const struct kdump_ctx *ctx, char **ret) {
        _cleanup_free_ char *p = root_path(ctx, "/proc/cmdline"), *cmdline = NULL;
        const char *v;

        if (!p)
                return -ENOMEM;
        if (read_one_line(p, &cmdline) < 0)
                return 0;
        for (char *save = NULL, *w = strtok_r(cmdline, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                const char *base;
                char *img;

                if (!(v = startswith(w, "BOOT_IMAGE=")))
                        continue;
                if (*v == '(' && strchr(v, ')'))
                        v = strchr(v, ')') + 1;
                base = strrchr(v, '/');
                base = base ? base + 1 : v;
                /* only if it is the running kernel's image */
                if (!strstr(base, ctx->kver))
                        return 0;
                for (int i = 0; i < 2; i++) {
                        _cleanup_free_ char *full = NULL;
                        if (i == 0 ? asprintf(&img, "%s%s", *v == '/' ? "" : "/", v) < 0
                                   : asprintf(&img, "/boot%s%s", *v == '/' ? "" : "/", v) < 0)
                                return -ENOMEM;
                        full = root_path(ctx, img);
                        if (!full) {
                                free(img);
                                return -ENOMEM;
                        }
                        if (access(full, R_OK) == 0) {
                                *ret = img;
                                return 1;
                        }
                        free(img);
                }
                return 0;
        }
        return 0;
}

int ctx_find_kernel(struct kdump_ctx *ctx) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        int r;

        if (ctx->kernel)
                return 0;
        if (!ctx->image_mode) {
                r = boot_image_candidate(ctx, &ctx->kernel);
                if (r < 0)
                        return log_oom();
                if (r > 0)
                        return 0;
        }
        if (asprintf(&a, "/boot/vmlinuz-%s", ctx->kver) < 0 ||
            asprintf(&b, "/lib/modules/%s/vmlinuz", ctx->kver) < 0)
                return log_oom();
        for (int i = 0; i < 2; i++) {
                _cleanup_free_ char *full = root_path(ctx, i == 0 ? a : b);
                if (!full)
                        return log_oom();
                if (access(full, R_OK) == 0) {
                        ctx->kernel = strdup(i == 0 ? a : b);
                        return ctx->kernel ? 0 : log_oom();
                }
        }
        return log_error_errno(ENOENT, "No kernel image for %s: looked for %s%s and %s%s.",
                               ctx->kver, ctx->root, a, ctx->root, b);
}

int ctx_resolve_target(struct kdump_ctx *ctx) {
        size_t cur = (size_t) (ctx->target - ctx->chain);
        int r;

        if (ctx->target_resolved)
                return 0;
        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                ctx_select_target(ctx, i);
                r = target_resolve(ctx, ctx->target);
                if (r < 0) {
                        /* Fedora's rule for one target, for each member: a
                         * chain with a member that cannot work is refused */
                        if (ctx_n_targets(ctx) > 1)
                                conf_error(ctx, ctx->conf->target->line, "dump target %zu of %zu ('%s') cannot be used",
                                           i + 1, ctx_n_targets(ctx), strempty(ctx->conf->target->spec));
                        ctx_select_target(ctx, cur);
                        return r;
                }
        }
        ctx_select_target(ctx, cur);       /* the caller's member stays in use */
        ctx->target_resolved = true;
        return 0;
}

void ctx_select_target(struct kdump_ctx *ctx, size_t i) {
        if (ctx->conf)
                (void) kdump_conf_select_target(ctx->conf, i);
        ctx->target = &ctx->chain[i < KDUMP_TARGETS_MAX ? i : 0];
}

bool ctx_chain_has(const struct kdump_ctx *ctx, enum kdump_target_type t) {
        for (size_t i = 0; ctx->conf && i < ctx->conf->n_targets; i++)
                if (ctx->conf->targets[i].type == t)
                        return true;
        return false;
}
