/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdumpctl — the first-kernel side of kdumpkit: validates /etc/kdump.conf,
 * builds the capture initramfs with dracut, loads it with kexec -p, and
 * answers status.  Verbs and exit codes follow Fedora's kdumpctl.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashkernel.h"
#include "kdump-config.h"
#include "kdumpctl.h"
#include "log.h"
#include "savecore.h"
#include "strv.h"

const char *arg_config = NULL;

int open_ctx(struct kdump_ctx *ctx, bool need_conf) {
        int r;

        r = ctx_init(ctx, kdump_sysroot_env(), false, arg_config, NULL);
        if (r < 0)
                return r;
        if (need_conf)
                return ctx_load_conf(ctx);
        return 0;
}

/* The verbs below that get a context from run_verb() return an exit code,
 * or a negative errno for EXIT_FAILURE. */

static int do_check_config(struct kdump_ctx *ctx) {
        int r;

        r = target_probe(ctx, false);
        if (r < 0)
                return r;
        (void) collector_check_kernel(ctx);
        crashkernel_warnings(ctx, true);
        printf("# effective configuration of %s (defaults filled in)\n", ctx->conf_path);
        return kdump_conf_write(ctx->conf, stdout);
}

/* Everything needed to decide about and build the image. */
static int prepare(struct kdump_ctx *ctx, struct manifest *m) {
        int r;

        r = ctx_find_kernel(ctx);
        if (r < 0)
                return r;
        r = ctx_resolve_target(ctx);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                _cleanup_free_ char *key = NULL, *kh = NULL;

                ctx_select_target(ctx, i);
                if (ctx->target->type != KDUMP_TARGET_SSH)
                        continue;
                key = root_path(ctx, ctx->conf->sshkey);
                kh = root_path(ctx, KDUMP_KNOWN_HOSTS);
                if (!key || !kh)
                        return log_oom();
                if (access(key, R_OK) < 0)
                        return log_error_errno(errno, "The ssh key %s is missing (%m); run 'kdumpctl propagate' "
                                               "to create it and install it on %s.", key, ctx->conf->target->spec);
                r = known_hosts_adopt(ctx);
                if (r < 0)
                        return r;
                if (access(kh, R_OK) < 0)
                        return log_error_errno(errno, "The pinned host key file %s is unreadable (%m); run "
                                               "'kdumpctl propagate' to record %s's host key.",
                                               kh, ctx->conf->target->host);
        }
        ctx_select_target(ctx, 0);
        r = manifest_compute(ctx, m);
        if (r < 0)
                return log_error_errno(r, "Failed to compute the initramfs inputs: %m");
        return 0;
}

/* Rebuilds when needed (or always); says why. */
static int ensure_image(struct kdump_ctx *ctx, bool always) {
        _cleanup_strv_free_ char **reasons = NULL;
        _cleanup_free_ char *image = NULL;
        struct manifest m = {};
        int r;

        r = prepare(ctx, &m);
        if (r < 0)
                goto done;
        image = root_path(ctx, ctx->image);
        if (!image) {
                r = log_oom();
                goto done;
        }
        r = rebuild_needed(ctx, &m, &reasons);
        if (r < 0) {
                log_error_errno(r, "Failed to decide about a rebuild: %m");
                goto done;
        }
        if (!always && r > 0 && ctx->conf->force_no_rebuild && access(image, F_OK) == 0) {
                log_notice("Inputs changed (%s), but force_no_rebuild is set; using %s as it is.",
                           reasons[0], image);
                r = 0;
                goto done;
        }
        if (!always && r > 0 && ctx->conf->force_no_rebuild) {
                r = log_error_errno(ENOENT, "force_no_rebuild is set, but %s does not exist.", image);
                goto done;
        }
        if (!always && r == 0) {
                log_info("%s is up to date.", image);
                goto done;
        }
        STRV_FOREACH(s, reasons)
                log_info("%s: %s.", ctx->dry_run ? "A rebuild is needed" : "Rebuilding", *s);
        r = dracut_build(ctx, &m);
done:
        manifest_done(&m);
        return r;
}

static int do_raw_discard(struct kdump_ctx *ctx) {
        int r;

        if (!ctx_chain_has(ctx, KDUMP_TARGET_RAW))
                return log_error_errno(EINVAL, "%s has no raw target.", ctx->conf_path);
        r = ctx_resolve_target(ctx);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                ctx_select_target(ctx, i);
                if (ctx->target->type == KDUMP_TARGET_RAW && (r = raw_discard(ctx)) < 0)
                        break;
        }
        ctx_select_target(ctx, 0);
        return r;
}

/* start with a capture kernel loaded: 1 when it is the one start would load
 * now ("already running"), 0 when it must be rebuilt or reloaded (said why). */
static int loaded_is_current(struct kdump_ctx *ctx) {
        _cleanup_strv_free_ char **reasons = NULL;
        struct manifest m = {};
        int r;

        r = prepare(ctx, &m);
        if (r >= 0)
                r = rebuild_needed(ctx, &m, &reasons);
        manifest_done(&m);
        if (r < 0)
                return r;
        if (r > 0 && !ctx->conf->force_no_rebuild) {
                log_notice("Kdump is loaded, but its image is out of date (%s): rebuilding and reloading.",
                           reasons[0]);
                return 0;
        }
        r = kexec_loaded_current(ctx);
        if (r == -ENOENT) {
                log_info("Kdump already running (loaded by something other than 'kdumpctl start'; "
                         "'kdumpctl restart' reloads it).");
                return 1;
        }
        if (r < 0)
                return r;
        if (r == 0) {
                log_notice("Kdump is loaded, but not with the current image or command line: reloading.");
                return 0;
        }
        log_info("Kdump already running.");
        return 1;
}

int do_start(struct kdump_ctx *ctx) {
        bool loaded = false;
        int r;

        r = crash_memory_check(ctx);
        if (r < 0)
                return r;
        if (ctx_chain_has(ctx, KDUMP_TARGET_RAW)) {
                r = ctx_resolve_target(ctx);
                if (r < 0)
                        return r;
        }
        /* a dry run copies and deletes no dumps */
        for (size_t i = 0; i < ctx_n_targets(ctx) && !ctx->dry_run; i++) {
                ctx_select_target(ctx, i);
                if (ctx->target->type != KDUMP_TARGET_RAW)
                        continue;
                /* a dump left unsaved on the device would be overwritten by
                 * the next crash: not armed until it is saved or discarded */
                r = raw_retrieve(ctx);
                if (r < 0) {
                        log_error("Not loading the capture kernel: the next crash would overwrite the dump "
                                  "on %s that is not saved yet. Fix the cause above (make room in %s) and run "
                                  "'kdumpctl start' again, or drop that dump with 'kdumpctl raw-discard'.",
                                  ctx->target->raw_node, ctx->conf->path);
                        return r;
                }
        }
        ctx_select_target(ctx, 0);
        if (!ctx->dry_run)
                (void) dumps_retention(ctx);
        if (kexec_crash_loaded(ctx) == 1) {
                r = loaded_is_current(ctx);
                if (r < 0)
                        return r;
                /* a dry run shows what is loaded all the same */
                if (r > 0)
                        return ctx->dry_run ? kexec_load(ctx) : 0;
                loaded = true;
        }
        /* a target the writer cannot reach or write now would lose the dump;
         * a dry run contacts no server (the probe logs in and tries a write) */
        r = ctx->dry_run ? 0 : target_probe(ctx, false);
        if (r < 0)
                return r;
        r = ensure_image(ctx, false);
        if (r < 0)
                return r;
        (void) collector_check_kernel(ctx);
        /* nothing reserved failed above; the image is there to be counted */
        crashkernel_warnings(ctx, false);
        if (loaded) {
                r = kexec_unload(ctx);
                if (r < 0)
                        return r;
        }
        r = kexec_load(ctx);
        if (r < 0 || ctx->dry_run)
                return r;
        log_info("kexec: loaded kdump kernel");
        crash_cma_report(ctx);
        log_info("Starting kdump: [OK]");
        return 0;
}

static int do_stop(struct kdump_ctx *ctx) {
        int r = kexec_unload(ctx);

        if (r < 0)
                return r;
        log_info("kexec: unloaded kdump kernel");
        log_info("Stopping kdump: [OK]");
        return 0;
}

static int do_restart(struct kdump_ctx *ctx) {
        int r = do_stop(ctx);
        return r < 0 ? r : do_start(ctx);
}

/* Reload: unload and load the existing image again, no rebuild check. */
static int do_reload(struct kdump_ctx *ctx) {
        _cleanup_free_ char *image = root_path(ctx, ctx->image);
        int r;

        if (!image)
                return log_oom();
        r = crash_memory_check(ctx);
        if (r < 0)
                return r;
        r = ctx_find_kernel(ctx);
        if (r < 0)
                return r;
        if (access(image, R_OK) < 0)
                return log_error_errno(errno, "Cannot reload: %s is missing (%m); run 'kdumpctl start'.", image);
        if (kexec_crash_loaded(ctx) == 1) {
                r = kexec_unload(ctx);
                if (r < 0)
                        return r;
        }
        r = kexec_load(ctx);
        if (r < 0)
                return r;
        log_info("kexec: loaded kdump kernel");
        return 0;
}

/* The options of the verbs that build or remove a kernel's image. */
enum {
        IMG_SYSROOT = 1 << 0,
        IMG_KVER = 1 << 1,
        IMG_IF_NEEDED = 1 << 2,
        IMG_BAKE_FILES = 1 << 3,
};
struct image_args {
        const char *sysroot, *kver, *conf_out, *manifest_out;
        bool if_needed;
};

/* Parses the options `allowed` names; EXIT_USAGE (after saying why) or 0. */
static int parse_image_args(int argc, char **argv, unsigned allowed, struct image_args *a) {
        static const struct option options[] = {
                { "sysroot",   required_argument, NULL, 's' },
                { "kver",      required_argument, NULL, 'k' },
                { "if-needed", no_argument,       NULL, 'n' },
                { "conf",      required_argument, NULL, 'c' },
                { "manifest",  required_argument, NULL, 'm' },
                {}
        };
        int c, opt_index = 0;

        *a = (struct image_args) {};
        optind = 0;
        while ((c = getopt_long(argc, argv, "", options, &opt_index)) >= 0) {
                unsigned need = c == 's' ? IMG_SYSROOT : c == 'k' ? IMG_KVER : c == 'n' ? IMG_IF_NEEDED :
                                c == 'c' || c == 'm' ? IMG_BAKE_FILES : 0;

                if (!(allowed & need)) {
                        if (need)
                                log_error("%s: --%s is not an option of this verb", argv[0], options[opt_index].name);
                        return EXIT_USAGE;
                }
                switch (c) {
                case 's': a->sysroot = optarg; break;
                case 'k': a->kver = optarg; break;
                case 'n': a->if_needed = true; break;
                case 'c': a->conf_out = optarg; break;
                case 'm': a->manifest_out = optarg; break;
                }
        }
        if (optind < argc) {
                log_error("%s: unexpected argument '%s'", argv[0], argv[optind]);
                return EXIT_USAGE;
        }
        if (a->sysroot && a->sysroot[0] != '/') {
                log_error("--sysroot needs an absolute path, not '%s'", a->sysroot);
                return EXIT_USAGE;
        }
        if ((allowed & IMG_BAKE_FILES) && (!a->conf_out || !a->manifest_out)) {
                log_error("%s needs --conf FILE and --manifest FILE", argv[0]);
                return EXIT_USAGE;
        }
        return 0;
}

/* remove-image [--sysroot DIR] [--kver K]: a removed kernel's capture image
 * goes with it (the kernel hooks).  Never the running kernel's while it is
 * loaded. */
static int verb_remove_image(int argc, char **argv) {
        _cleanup_free_ char *image = NULL, *manifest = NULL;
        struct image_args a;
        struct kdump_ctx ctx;
        _cleanup_close_ int lock = -1;
        int r;

        r = parse_image_args(argc, argv, IMG_SYSROOT | IMG_KVER, &a);
        if (r != 0)
                return r;
        r = ctx_init(&ctx, a.sysroot ? a.sysroot : kdump_sysroot_env(), !!a.sysroot, arg_config, a.kver);
        if (r >= 0 && !a.sysroot)
                r = kdump_lock(&ctx, &lock);
        if (r < 0)
                goto done;
        image = root_path(&ctx, ctx.image);
        manifest = manifest_path(&ctx);
        if (!image || !manifest) {
                r = log_oom();
                goto done;
        }
        if (!a.sysroot && kexec_crash_loaded(&ctx) == 1) {
                struct kdump_ctx running;

                r = ctx_init(&running, kdump_sysroot_env(), false, arg_config, NULL);
                if (r >= 0 && streq(running.kver, ctx.kver))
                        r = log_error_errno(EBUSY, "Not removing %s: it is the running kernel's, and loaded "
                                            "('kdumpctl stop' first).", image);
                ctx_done(&running);
                if (r < 0)
                        goto done;
        }
        if (unlink(image) < 0 && errno != ENOENT) {
                r = log_error_errno(errno, "Failed to remove %s: %m", image);
                goto done;
        }
        if (unlink(manifest) < 0 && errno != ENOENT) {
                r = log_error_errno(errno, "Failed to remove %s: %m", manifest);
                goto done;
        }
        log_info("Removed the capture image of kernel %s (%s), if there was one.", ctx.kver, image);
        r = 0;
done:
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* bake [--sysroot DIR] [--kver K] --conf FILE --manifest FILE: what dracut's
 * kdumpbase module asks for when dracut runs without kdumpctl (an image
 * builder's `dracut --add kdumpbase`): the configuration as kdumpctl bakes
 * it, and the manifest `kdumpctl start` compares the image with. */
static int verb_bake(int argc, char **argv) {
        _cleanup_free_ char *baked = NULL;
        size_t baked_size = 0;
        struct manifest m = {};
        struct image_args a;
        struct kdump_ctx ctx;
        int r;

        r = parse_image_args(argc, argv, IMG_SYSROOT | IMG_KVER | IMG_BAKE_FILES, &a);
        if (r != 0)
                return r;
        r = ctx_init(&ctx, a.sysroot ? a.sysroot : kdump_sysroot_env(), !!a.sysroot, arg_config, a.kver);
        if (r >= 0)
                r = ctx_load_conf(&ctx);
        if (r >= 0)
                r = prepare(&ctx, &m);
        if (r >= 0) {
                r = target_baked_conf(&ctx, &baked, &baked_size);
                if (r < 0)
                        log_oom();
        }
        if (r >= 0) {
                r = write_file_atomic(a.conf_out, baked, baked_size, 0600);
                if (r < 0)
                        log_error_errno(r, "Failed to write %s: %m", a.conf_out);
        }
        if (r >= 0) {
                r = manifest_write(&m, a.manifest_out);
                if (r < 0)
                        log_error_errno(r, "Failed to write %s: %m", a.manifest_out);
        }
        manifest_done(&m);
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int verb_rebuild(int argc, char **argv) {
        struct image_args a;
        struct kdump_ctx ctx;
        _cleanup_close_ int lock = -1;
        int r;

        r = parse_image_args(argc, argv, IMG_SYSROOT | IMG_KVER | IMG_IF_NEEDED, &a);
        if (r != 0)
                return r;
        r = ctx_init(&ctx, a.sysroot ? a.sysroot : kdump_sysroot_env(), !!a.sysroot, arg_config, a.kver);
        if (r >= 0)
                r = ctx_load_conf(&ctx);
        /* an image under construction has no running kdumpctl to race */
        if (r >= 0 && !a.sysroot)
                r = kdump_lock(&ctx, &lock);
        if (r >= 0)
                r = ensure_image(&ctx, !a.if_needed);
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* savecore: by hand, in a capture kernel that booted the root file system
 * (kdump.service does it at boot: start). */
static int do_savecore(struct kdump_ctx *ctx) {
        return savecore_by_hand(ctx);
}

static int do_status(struct kdump_ctx *ctx) {
        int ret;

        if (kexec_crash_loaded(ctx) == 1) {
                printf("Kdump is operational\n");
                ret = EXIT_SUCCESS;
        } else {
                printf("Kdump is not operational\n");
                ret = EXIT_NOT_OPERATIONAL;
        }
        crash_cma_report(ctx);
        crashkernel_warnings(ctx, true);
        (void) test_status_report(ctx);
        /* the last crash's outcome; a configuration with errors is read
         * leniently here: status must answer whatever kdump.conf says */
        if (!ctx->conf && kdump_conf_load(ctx->conf_path, KDUMP_CONF_LENIENT, &ctx->conf) < 0)
                ctx->conf = NULL;
        last_capture_report(ctx);
        return ret;
}

static int do_show(struct kdump_ctx *ctx) {
        struct manifest m = {};
        _cleanup_strv_free_ char **reasons = NULL, **dargv = NULL, **kargv = NULL;
        _cleanup_free_ char *baked = NULL, *desc = NULL, *dstr = NULL, *kstr = NULL;
        _cleanup_free_ char *image = NULL, *tmp = NULL, *conf_tmp = NULL;
        size_t baked_size = 0;
        int r;

        r = prepare(ctx, &m);
        if (r < 0)
                goto done;

        printf("Configuration file: %s\n", ctx->conf_path);
        printf("Effective configuration:\n");
        r = target_baked_conf(ctx, &baked, &baked_size);
        if (r < 0)
                goto done;
        for (char *save = NULL, *l = strtok_r(baked, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                printf("    %s\n", l);

        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                char head[64] = "Dump target";

                ctx_select_target(ctx, i);
                /* a chain: tried in this order at crash time */
                if (ctx_n_targets(ctx) > 1)
                        snprintf(head, sizeof head, "Dump target %zu of %zu", i + 1, ctx_n_targets(ctx));
                desc = mfree(desc);
                desc = target_describe(ctx->target);
                if (desc) {
                        printf("%s: %s\n", head, desc);
                        (void) target_probe_current(ctx, true);
                } else if (ctx->conf->target->type == KDUMP_TARGET_SSH ||
                           ctx->conf->target->type == KDUMP_TARGET_NFS) {
                        const struct net_route *n = &ctx->target->net;

                        printf("%s: %s %s, path %s\n", head, kdump_target_type_to_string(ctx->conf->target->type),
                               ctx->conf->target->spec, ctx->conf->path);
                        if (n->resolved)
                                printf("Network: %s is %s, via %s%s%s, %s %s/%u%s\n", ctx->conf->target->host,
                                       n->address, n->dev, n->gateway ? " gateway " : "", strempty(n->gateway),
                                       n->dhcp ? "DHCP, now" : "static", strempty(n->src), n->prefix,
                                       n->mac ? "" : " (no MAC: interface name not pinned)");
                        else
                                printf("Network: %s not resolved here (image build): DHCP on the first interface up\n",
                                       ctx->conf->target->host);
                        (void) target_probe_current(ctx, true);
                }
        }
        ctx_select_target(ctx, 0);
        if (fence_enabled(ctx)) {
                const struct net_route *n = &ctx->fence.net;

                printf("Fence nodes:");
                for (size_t i = 0; ctx->fence.addresses[i]; i++)
                        printf(" %s%s%s%s", ctx->conf->fence_kdump_nodes[i],
                               streq(ctx->conf->fence_kdump_nodes[i], ctx->fence.addresses[i]) ? "" : " (",
                               streq(ctx->conf->fence_kdump_nodes[i], ctx->fence.addresses[i]) ? ""
                                       : ctx->fence.addresses[i],
                               streq(ctx->conf->fence_kdump_nodes[i], ctx->fence.addresses[i]) ? "" : ")");
                if (n->resolved)
                        printf(", notified via %s%s%s, %s %s/%u\n", n->dev, n->gateway ? " gateway " : "",
                               strempty(n->gateway), n->dhcp ? "DHCP, now" : "static", strempty(n->src), n->prefix);
                else
                        printf(", route not probed here (image build): DHCP on the first interface up\n");
        }
        last_capture_report(ctx);
        printf("Kernel: %s%s (%s)\n", ctx->root, ctx->kernel, ctx->kver);
        image = root_path(ctx, ctx->image);
        if (!image || asprintf(&tmp, "%s.tmp", image) < 0 || asprintf(&conf_tmp, "%s.conf.tmp", image) < 0) {
                r = log_oom();
                goto done;
        }
        printf("Initramfs: %s\n", image);
        r = rebuild_needed(ctx, &m, &reasons);
        if (r < 0)
                goto done;
        if (r == 0)
                printf("Rebuild needed: no\n");
        else {
                printf("Rebuild needed: %s\n", ctx->conf->force_no_rebuild ? "no (force_no_rebuild is set), but:" : "yes");
                STRV_FOREACH(s, reasons)
                        printf("    %s\n", *s);
        }
        if (dracut_argv(ctx, conf_tmp, tmp, &dargv) < 0 || !(dstr = argv_to_string(dargv))) {
                r = log_oom();
                goto done;
        }
        printf("dracut command: %s\n", dstr);
        r = kexec_load_argv(ctx, &kargv);
        if (r < 0)
                goto done;
        kstr = argv_to_string(kargv);
        if (!kstr) {
                r = log_oom();
                goto done;
        }
        printf("kexec command: %s\n", kstr);
        printf("Crash kernel loaded: %s\n", kexec_crash_loaded(ctx) == 1 ? "yes" : "no");
        r = EXIT_SUCCESS;
done:
        manifest_done(&m);
        return r;
}

/* What run_verb() does for a verb before its own logic. */
enum {
        VERB_NO_ARGS    = 1 << 0,       /* any argument is a usage error */
        VERB_CONF       = 1 << 1,       /* kdump.conf loaded and checked strictly */
        VERB_LOCKED     = 1 << 2,       /* changes state: holds the kdump lock */
        VERB_SAVECORE   = 1 << 3,       /* in a capture kernel (/proc/vmcore): saves the dump
                                         * and carries out final_action instead (savecore.h),
                                         * kdump.conf read leniently */
};

/* A verb has either `run`, which gets a context set up as `flags` say, or
 * `run_argv`, which parses its own arguments and sets up what it needs
 * (rebuild --sysroot, test --force, and the verbs of the other files). */
static const struct verb {
        const char *name;
        unsigned flags;
        int (*run)(struct kdump_ctx *ctx);
        int (*run_argv)(int argc, char **argv);
        const char *help;
} verbs[] = {
        { "start", VERB_NO_ARGS | VERB_CONF | VERB_LOCKED | VERB_SAVECORE, do_start, NULL,
          "build the capture initramfs if needed and load it (in a capture kernel: savecore)" },
        { "stop", VERB_NO_ARGS | VERB_LOCKED, do_stop, NULL,
          "unload the capture kernel" },
        { "status", VERB_NO_ARGS, do_status, NULL,
          "exit 0 if the capture kernel is loaded, 3 if not" },
        { "restart", VERB_NO_ARGS | VERB_CONF | VERB_LOCKED, do_restart, NULL,
          "stop, then start" },
        { "reload", VERB_NO_ARGS | VERB_CONF | VERB_LOCKED, do_reload, NULL,
          "load the existing initramfs again, without a rebuild check" },
        { "rebuild", 0, NULL, verb_rebuild,
          "[--sysroot DIR] [--kver VER] [--if-needed] rebuild the initramfs" },
        { "bake", 0, NULL, verb_bake,
          "[--sysroot DIR] [--kver VER] --conf F --manifest F  for dracut's kdumpbase module" },
        { "remove-image", 0, NULL, verb_remove_image,
          "[--sysroot DIR] [--kver VER] remove a kernel's capture image" },
        { "propagate", VERB_NO_ARGS, NULL, verb_propagate,
          "set up the ssh key and pinned host key for an ssh target" },
        { "showmem", VERB_NO_ARGS, NULL, verb_showmem,
          "print the memory reserved for the crash kernel" },
        { "estimate", VERB_NO_ARGS, NULL, verb_estimate,
          "estimate the crash memory this configuration needs" },
        { "get-default-crashkernel", 0, NULL, verb_get_default_crashkernel,
          "[--cma] print the recommended crashkernel= value (--cma: a fixed and a CMA part)" },
        { "reset-crashkernel", 0, NULL, verb_reset_crashkernel,
          "[--kernel=PATH|ALL|DEFAULT] [--reboot] [--auto|--cma] set crashkernel= to the default" },
        { "_reset-crashkernel-after-update", 0, NULL, verb_reset_crashkernel_after_update,
          "Fedora's name of reset-crashkernel --auto" },
        { "_reset-crashkernel-for-installed_kernel", 0, NULL, verb_reset_crashkernel_for_installed_kernel,
          "Fedora's name of reset-crashkernel --auto --kernel=/boot/vmlinuz-KVER" },
        { "test", 0, NULL, verb_test,
          "[--force] crash the machine to test the capture" },
        { "check-config", VERB_NO_ARGS | VERB_CONF, do_check_config, NULL,
          "validate kdump.conf and print the effective configuration" },
        { "show", VERB_NO_ARGS | VERB_CONF, do_show, NULL,
          "print configuration, target, image, rebuild reason, commands" },
        { "raw-discard", VERB_NO_ARGS | VERB_CONF | VERB_LOCKED, do_raw_discard, NULL,
          "drop a dump left on the raw target without saving it" },
        { "savecore", VERB_NO_ARGS | VERB_LOCKED, do_savecore, NULL,
          "in a capture kernel that booted the root file system: save /proc/vmcore" },
};

static int run_verb(const struct verb *v, int argc, char **argv) {
        struct kdump_ctx ctx;
        _cleanup_close_ int lock = -1;
        bool capture;
        int r;

        if ((v->flags & VERB_NO_ARGS) && argc > 1) {
                log_error("%s takes no arguments", v->name);
                return EXIT_USAGE;
        }
        if (v->run_argv)
                return v->run_argv(argc, argv);

        r = open_ctx(&ctx, false);
        capture = r >= 0 && (v->flags & VERB_SAVECORE) && savecore_vmcore_present(&ctx);
        if (r >= 0 && (v->flags & VERB_CONF) && !capture)
                r = ctx_load_conf(&ctx);
        if (r >= 0 && (v->flags & VERB_LOCKED))
                r = kdump_lock(&ctx, &lock);
        if (r >= 0)
                r = capture ? savecore_boot(&ctx) : v->run(&ctx);
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : r;
}

int run_verb_named(int argc, char **argv) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[0], verbs[i].name))
                        return run_verb(&verbs[i], argc, argv);
        return -ENOENT;
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: kdumpctl [OPTIONS] VERB [ARGS...]\n"
                "Configure and load the kdump capture kernel.\n\n"
                "Options:\n"
                "  -c, --config FILE   configuration file (default %s)\n"
                "  -h, --help          show this help\n"
                "  -V, --version       show the version\n\n"
                "Verbs:\n", SYSCONFDIR "/kdump.conf");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (verbs[i].name[0] != '_')    /* Fedora's internal verbs: for package scripts */
                        fprintf(f, "  %-24s %s\n", verbs[i].name, verbs[i].help);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "config",  required_argument, NULL, 'c' },
                { "help",    no_argument,       NULL, 'h' },
                { "version", no_argument,       NULL, 'V' },
                {}
        };
        int c, r;

        /* Debian's name: kdump-config.c maps its verbs onto these */
        if (streq(basename(argv[0]), "kdump-config"))
                return kdump_config_main(argc, argv);

        log_setup("kdumpctl", LOG_TARGET_STDERR);

        while ((c = getopt_long(argc, argv, "+c:hV", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                case 'V':
                        printf("kdumpctl (kdumpkit) %s\n", KDUMPKIT_VERSION);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }

        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        r = run_verb_named(argc - optind, argv + optind);
        if (r != -ENOENT)
                return r;
        log_error("Unknown verb '%s'; see 'kdumpctl --help'.", argv[optind]);
        return EXIT_USAGE;
}
