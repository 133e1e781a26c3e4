/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Saving the dump from a full boot (Fedora's seed: "only a simple copying
 * of the vmcore ... will be performed"; Debian's savecore).  A capture
 * kernel that booted the root file system finds /proc/vmcore; `kdumpctl
 * start` then saves it and carries out final_action instead of arming, and
 * `kdumpctl savecore` does it by hand.
 *
 * The saving is the capture's own, kdump-collect --target-root /: the dump
 * directory's name, vmcore-incomplete until committed, vmcore-dmesg.txt,
 * the stall watchdog, the 5% reserve of the root file system,
 * kdump-capture.status and kdump_post are the same as in the capture
 * initramfs.  It is given a configuration of one local target whose path is
 * the dump directory as this system sees it (symlinks resolved, prefixed
 * with KDUMP_SYSROOT for tests). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "savecore.h"
#include "strv.h"

#define TIMEOUT_SYSTEMCTL 60

bool savecore_vmcore_present(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *p = root_path(ctx, "/proc/vmcore");

        return p && access(p, F_OK) == 0;
}

static int load_conf_lenient(struct kdump_ctx *ctx) {
        int r;

        if (ctx->conf)
                return 0;
        /* lenient as at crash time: a mistake in kdump.conf must not lose
         * the dump; what the parser skipped is said */
        r = kdump_conf_load(ctx->conf_path, KDUMP_CONF_LENIENT, &ctx->conf);
        if (r < 0)
                return log_oom();
        kdump_conf_print_diags(ctx->conf, stderr);
        return 0;
}

/* Where the dump goes, as this system sees it. */
struct place {
        char *dir;                      /* inside the root, symlinks resolved */
        bool root_fs;                   /* on the file system mounted on / (the 5% reserve) */
        bool from_root_path;            /* `path` on the root file system: dump_to_rootfs adds nothing */
};

static void place_done(struct place *p) {
        free(p->dir);
        *p = (struct place) {};
}

/* `path` as if there were no target line: the file system holding it. */
static int resolve_root_path(struct kdump_ctx *ctx, const char *path, struct place *ret) {
        struct kdump_target rootfs = { .type = KDUMP_TARGET_ROOTFS };
        struct kdump_target *saved_target = ctx->conf->target;
        char *saved_path = ctx->conf->path;
        struct resolved_target t;
        int r;

        ctx->conf->target = &rootfs;
        ctx->conf->path = (char *) path;
        r = target_resolve(ctx, &t);
        ctx->conf->target = saved_target;
        ctx->conf->path = saved_path;
        if (r < 0)
                return r;
        *ret = (struct place) {
                .dir = TAKE_PTR(t.seen_at), .root_fs = streq_ptr(t.mountpoint, "/"), .from_root_path = true,
        };
        target_done(&t);
        return ret->dir ? 0 : log_oom();
}

/* The first member of the chain that is a file system mounted here; else,
 * for ssh, nfs and raw members (not written from a full boot), the first
 * one's path on the root file system.  A file system not mounted is
 * skipped; when it is the only kind of member, that is an error. */
static int pick_place(struct kdump_ctx *ctx, struct place *ret) {
        size_t fallback = SIZE_MAX;
        int r = 0;

        for (size_t i = 0; i < ctx_n_targets(ctx) && r == 0; i++) {
                const struct kdump_target *m;
                struct resolved_target t;

                ctx_select_target(ctx, i);
                m = ctx->conf->target;
                if (m->type == KDUMP_TARGET_ROOTFS) {
                        r = resolve_root_path(ctx, kdump_conf_target_path(ctx->conf), ret);
                        if (r >= 0)
                                r = 1;
                } else if (m->type == KDUMP_TARGET_FS) {
                        r = target_resolve(ctx, &t);
                        if (r < 0)
                                break;
                        if (t.seen_at) {
                                *ret = (struct place) {
                                        .dir = TAKE_PTR(t.seen_at), .root_fs = streq_ptr(t.mountpoint, "/"),
                                };
                                r = 1;
                        } else {
                                log_notice("The dump target %s %s is not mounted here.", m->fstype, m->device);
                        }
                        target_done(&t);
                } else if (fallback == SIZE_MAX)
                        fallback = i;
        }
        if (r == 0 && fallback != SIZE_MAX) {
                ctx_select_target(ctx, fallback);
                log_notice("The %s target %s is not written from a full boot: saving the dump to %s on this "
                           "system's file systems instead.", kdump_target_type_to_string(ctx->conf->target->type),
                           strempty(ctx->conf->target->spec), kdump_conf_target_path(ctx->conf));
                r = resolve_root_path(ctx, kdump_conf_target_path(ctx->conf), ret);
        } else if (r == 0)
                /* only file systems not mounted: a sysadmin's dedicated
                 * disk, not to be replaced by the root file system unasked
                 * (failure_action dump_to_rootfs asks) */
                r = log_error_errno(ENOENT, "No dump target of %s is mounted here: mount it (as /etc/fstab "
                                    "says) and run 'kdumpctl savecore'.", ctx->conf_path);
        ctx_select_target(ctx, 0);
        return r < 0 ? r : 0;
}

/* The configuration kdump-collect gets: kdump.conf with one target, no
 * target line, and `path` the directory as seen from / (the root's prefix
 * included); in a file under the root's /run, removed by the caller. */
static int write_collect_conf(const struct kdump_ctx *ctx, const char *dir, char **ret_path) {
        _cleanup_free_ char *run = root_path(ctx, "/run"), *real_root = NULL, *full = NULL, *tmp = NULL;
        struct kdump_conf copy = *ctx->conf;
        _cleanup_fclose_ FILE *f = NULL;
        int fd, r;

        if (!run)
                return log_oom();
        /* kdump-collect refuses symlinks on the way: the root's own too */
        if (*ctx->root && !(real_root = realpath(ctx->root, NULL)))
                return log_error_errno(errno, "Cannot resolve %s: %m", ctx->root);
        if (asprintf(&full, "%s%s", strempty(real_root), dir) < 0 ||
            asprintf(&tmp, "%s/kdump-savecore.conf.XXXXXX", run) < 0)
                return log_oom();
        copy.targets[0] = (struct kdump_target) { .type = KDUMP_TARGET_ROOTFS };
        copy.n_targets = 1;
        copy.target = &copy.targets[0];
        copy.path = full;
        /* kdump-collect does not fence; the capture kernel did, if anything */
        copy.fence_kdump_nodes = NULL;
        copy.fence_kdump_args = NULL;
        fd = mkstemp(tmp);
        if (fd < 0)
                return log_error_errno(errno, "Cannot create %s: %m", tmp);
        f = fdopen(fd, "w");
        if (!f) {
                r = log_oom();
                close(fd);
                (void) unlink(tmp);
                return r;
        }
        r = kdump_conf_write(&copy, f);
        if (r >= 0 && fflush(f) != 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return log_error_errno(r, "Cannot write %s: %m", tmp);
        }
        *ret_path = TAKE_PTR(tmp);
        return 0;
}

/* kdump-collect --target-root / with the environment that tells it what
 * kdumpctl found: the configuration, /proc/vmcore, the host name, whether
 * the directory is on the root file system. */
static int run_collect(const struct kdump_ctx *ctx, const struct place *p, bool console) {
        _cleanup_free_ char *rel = NULL, *collect = NULL, *vmcore = root_path(ctx, "/proc/vmcore"), *conf = NULL;
        _cleanup_free_ char *host_file = root_path(ctx, "/proc/sys/kernel/hostname"), *host = NULL;
        _cleanup_free_ char *e_conf = NULL, *e_vmcore = NULL, *e_host = NULL;
        _cleanup_strv_free_ char **env = NULL;
        char *argv[] = { NULL, (char *) "--target-root", (char *) "/", NULL };
        int r;

        if (!vmcore || !host_file || asprintf(&rel, "%s/kdump-collect", dir_env("KDUMP_LIBEXECDIR", LIBEXECDIR)) < 0 ||
            !(collect = root_path(ctx, rel)))
                return log_oom();
        if (!is_executable_file(collect))
                return log_error_errno(ENOENT, "%s is missing; reinstall kdumpkit.", collect);
        r = write_collect_conf(ctx, p->dir, &conf);
        if (r < 0)
                return r;
        (void) read_one_line(host_file, &host);
        /* first: getenv() takes the first of a name */
        if (asprintf(&e_conf, "KDUMP_CONF=%s", conf) < 0 || asprintf(&e_vmcore, "KDUMP_VMCORE=%s", vmcore) < 0 ||
            (host && asprintf(&e_host, "KDUMP_HOSTNAME=%s", host) < 0) ||
            strv_push(&env, e_conf) < 0 || strv_push(&env, e_vmcore) < 0 ||
            strv_push(&env, p->root_fs ? "KDUMP_ROOT_FS=1" : "KDUMP_ROOT_FS=0") < 0 ||
            (e_host && strv_push(&env, e_host) < 0) ||
            (!console && strv_push(&env, "KDUMP_LOG_STDERR=1") < 0) || strv_extend(&env, environ) < 0) {
                r = log_oom();
                goto done;
        }
        argv[0] = collect;
        log_info("Saving the dump in %s%s with %s.", ctx->root, p->dir, collect);
        /* no timeout: a dump takes as long as memory is large; kdump-collect's
         * stall watchdog (stall_timeout) stops one that makes no progress */
        r = spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT, .envp = env,
        });
        if (r == 0)
                log_info("Saved the dump in %s%s ('kdumpctl status' shows it).", ctx->root, p->dir);
        else if (r == 1)
                r = log_error_errno(EIO, "Saving the dump failed (the reason is above; what was written is named "
                                    "vmcore-incomplete, and kdump-capture.status beside it says why).");
        else if (r < 0)
                r = log_error_errno(r, "Cannot run %s: %m", collect);
        else
                r = log_error_errno(EIO, "%s exited with status %d.", collect, r);
done:
        (void) unlink(conf);
        return r;
}

/* ret_from_root_path: whether the place tried was `path` on the root file
 * system (dump_to_rootfs would try the same). */
static int savecore(struct kdump_ctx *ctx, bool console, bool root_path_only, bool *ret_from_root_path) {
        _cleanup_free_ char *vmcore = root_path(ctx, "/proc/vmcore");
        struct place p = {};
        int r;

        *ret_from_root_path = false;
        if (!vmcore)
                return log_oom();
        if (access(vmcore, R_OK) < 0) {
                if (errno == ENOENT)
                        return log_error_errno(errno, "There is no %s: this is not a capture kernel after a crash, "
                                               "there is no dump to save.", vmcore);
                return log_error_errno(errno, "Cannot read %s: %m", vmcore);
        }
        r = load_conf_lenient(ctx);
        if (r < 0)
                return r;
        r = root_path_only ? resolve_root_path(ctx, ctx->conf->path, &p) : pick_place(ctx, &p);
        if (r < 0)
                return r;
        *ret_from_root_path = p.from_root_path;
        r = run_collect(ctx, &p, console);
        place_done(&p);
        return r;
}

int savecore_by_hand(struct kdump_ctx *ctx) {
        bool from_root_path;

        return savecore(ctx, false, false, &from_root_path);
}

/* systemctl --no-block reboot|halt|poweroff: systemd stops the units and
 * unmounts the file systems; --no-block, since kdump.service is itself a
 * job of the boot that the shutdown cancels. */
static int system_action(enum kdump_action a) {
        char *argv[] = { (char *) "systemctl", (char *) "--no-block", (char *) kdump_action_to_string(a), NULL };
        int r;

        log_notice("Carrying out %s.", kdump_action_to_string(a));
        r = spawn_wait(argv, TIMEOUT_SYSTEMCTL);
        if (r < 0)
                return log_error_errno(r, "Cannot run systemctl --no-block %s: %m", argv[2]);
        if (r > 0)
                return log_error_errno(EIO, "systemctl --no-block %s exited with status %d.", argv[2], r);
        return 0;
}

/* final_action is reboot, halt or poweroff (the parser refuses others);
 * anything else reboots, as kdump-failure-action does. */
static int final_action(const struct kdump_ctx *ctx) {
        enum kdump_action a = ctx->conf->final_action;

        if (a != KDUMP_ACTION_REBOOT && a != KDUMP_ACTION_HALT && a != KDUMP_ACTION_POWEROFF)
                a = KDUMP_ACTION_REBOOT;
        log_info("final_action %s.", kdump_action_to_string(a));
        return system_action(a);
}

int savecore_boot(struct kdump_ctx *ctx) {
        bool from_root_path = false;
        enum kdump_action fa;
        int r;

        log_notice("/proc/vmcore exists: this is a capture kernel that booted the root file system. Saving the "
                   "dump instead of loading a capture kernel.");
        r = load_conf_lenient(ctx);
        if (r < 0)
                return r;
        r = savecore(ctx, true, false, &from_root_path);
        if (r >= 0) {
                (void) final_action(ctx);
                return 0;
        }
        /* no loop: the reboot of a failure action is a normal one, into the
         * first kernel, which arms again */
        fa = ctx->conf->failure_action;
        log_error("failure_action %s.", kdump_action_to_string(fa));
        switch (fa) {
        case KDUMP_ACTION_REBOOT:
        case KDUMP_ACTION_HALT:
        case KDUMP_ACTION_POWEROFF:
                (void) system_action(fa);
                break;
        case KDUMP_ACTION_SHELL:
                /* the booted system is the shell: no final_action */
                log_notice("The system stays up: fix the cause and run 'kdumpctl savecore', then reboot.");
                break;
        case KDUMP_ACTION_DUMP_TO_ROOTFS:
                if (from_root_path)
                        log_notice("The dump failed on the root file system already; not trying it again.");
                else {
                        log_notice("Saving the dump to %s on the root file system instead.", ctx->conf->path);
                        r = savecore(ctx, true, true, &from_root_path);
                }
                (void) final_action(ctx);
                break;
        default:
                break;
        }
        return r;
}
