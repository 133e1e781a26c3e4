/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The target probe: at kdumpctl time, ask the writer the capture kernel will
 * run (LIBEXECDIR/kdump-{ssh,nfs}-writer, KDUMP_LIBEXECDIR overrides) to
 * reach the ssh or nfs target exactly as it will after a crash (same key,
 * same pinned known_hosts, the effective configuration), create <path>, write
 * a file there, and say how much space is free.  A target that fails here
 * would lose the dump: check-config and start refuse it.
 *
 *   LIBEXECDIR/kdump-{ssh,nfs}-writer --config TMP probe
 *     env KDUMP_KNOWN_HOSTS=<root>/var/lib/kdump/known_hosts
 *     stdout: free_bytes=N | free_bytes=unknown
 *     exit 0 ok, anything else failed (why on stderr) */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

#define PROBE_OUTPUT_MAX (64 * 1024)

struct probe_result {
        int status;                     /* writer exit code, or <0 errno (could not run) */
        char *out, *err;
        bool free_known;
        unsigned long long free_bytes;
};

static void probe_result_done(struct probe_result *p) {
        free(p->out);
        free(p->err);
}

/* The dump level of a makedumpfile collector (-d N or -dN); 0 without one,
 * makedumpfile's own default; -1 for any other collector (cp, ...). */
static int collector_dump_level(char * const *argv) {
        const char *base;
        int level = 0;

        if (!argv || !argv[0])
                return -1;
        base = strrchr(argv[0], '/');
        base = base ? base + 1 : argv[0];
        if (!streq(base, "makedumpfile"))
                return -1;
        for (size_t i = 1; argv[i]; i++) {
                const char *v = NULL;

                if (streq(argv[i], "-d") && argv[i + 1])
                        v = argv[++i];
                else if (startswith(argv[i], "-d") && argv[i][2])
                        v = argv[i] + 2;
                if (v)
                        level = atoi(v);
        }
        return level;
}

/* How large a dump may get: MemTotal times a ratio for the dump level.
 * -d 31 drops zero, cache, user and free pages, leaving mostly the kernel's
 * own memory: 1/8 of RAM is a conservative bound on ordinary machines.  Any
 * other level may keep most of memory, and cp (or -d 0) copies all of it:
 * count all of RAM.  Compression is not counted.  The benchmark (make bench)
 * will refine these ratios with measured dump sizes.  0: unknown. */
static unsigned long long dump_size_estimate(const struct kdump_ctx *ctx) {
        unsigned long long ram = mem_total(ctx);

        return collector_dump_level(ctx->conf->core_collector_argv) == 31 ? ram / 8 : ram;
}

/* The effective configuration, with the key path inside the root. */
static int write_probe_conf(const struct kdump_ctx *ctx, char **ret) {
        _cleanup_free_ char *key = root_path(ctx, ctx->conf->sshkey), *path = NULL;
        struct kdump_conf copy = *ctx->conf;
        const char *tmp = secure_getenv("TMPDIR");
        FILE *f;
        int fd, r;

        if (!key || asprintf(&path, "%s/kdumpctl-probe-XXXXXX.conf", tmp && *tmp ? tmp : "/tmp") < 0)
                return -ENOMEM;
        fd = mkstemps(path, 5);
        if (fd < 0)
                return log_error_errno(errno, "Cannot create a temporary file %s: %m", path);
        f = fdopen(fd, "we");
        if (!f) {
                r = -errno;
                close(fd);
                (void) unlink(path);
                return log_error_errno(r, "fdopen() failed: %m");
        }
        copy.sshkey = key;
        r = kdump_conf_write(&copy, f);
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(path);
                return log_error_errno(r, "Cannot write %s: %m", path);
        }
        *ret = TAKE_PTR(path);
        return 0;
}

static int probe_run(const struct kdump_ctx *ctx, struct probe_result *ret) {
        const char *type = kdump_target_type_to_string(ctx->conf->target->type);
        _cleanup_free_ char *writer_rel = NULL, *writer = NULL, *conf = NULL, *kh = NULL, *kh_env = NULL;
        _cleanup_free_ char *index_env = NULL;
        _cleanup_free_ char **envp = NULL;
        extern char **environ;
        size_t n = 0;
        int r;

        *ret = (struct probe_result) {};
        if (asprintf(&writer_rel, "%s/kdump-%s-writer", dir_env("KDUMP_LIBEXECDIR", LIBEXECDIR), type) < 0)
                return log_oom();
        writer = root_path(ctx, writer_rel);
        kh = root_path(ctx, KDUMP_KNOWN_HOSTS);
        if (!writer || !kh || asprintf(&kh_env, "KDUMP_KNOWN_HOSTS=%s", kh) < 0)
                return log_oom();
        /* our environment, KDUMP_KNOWN_HOSTS replaced */
        for (char **e = environ; *e; e++)
                n++;
        envp = calloc(n + 3, sizeof(char *));
        if (!envp || asprintf(&index_env, KDUMP_TARGET_INDEX_ENV "=%td", ctx->target - ctx->chain) < 0)
                return log_oom();
        n = 0;
        for (char **e = environ; *e; e++)
                if (!startswith(*e, "KDUMP_KNOWN_HOSTS=") && !startswith(*e, KDUMP_TARGET_INDEX_ENV "="))
                        envp[n++] = *e;
        envp[n++] = kh_env;
        envp[n++] = index_env;

        r = write_probe_conf(ctx, &conf);
        if (r < 0)
                return r;
        {
                char *argv[] = { writer, (char *) "--config", conf, (char *) "probe", NULL };

                r = spawn_capture_output(argv, envp, TIMEOUT_PROBE, PROBE_OUTPUT_MAX, &ret->out, &ret->err);
        }
        (void) unlink(conf);
        ret->status = r;
        if (r == 0) {
                const char *v = strstr(ret->out, "free_bytes=");

                if (v && (v == ret->out || v[-1] == '\n') && v[11] >= '0' && v[11] <= '9') {
                        ret->free_bytes = strtoull(v + 11, NULL, 10);
                        ret->free_known = true;
                }
        }
        return 0;
}

/* The writer's stderr, one line at a time, its "kdump-xxx-writer: " dropped. */
static void print_writer_lines(const char *err, const char *prefix, FILE *f) {
        _cleanup_free_ char *copy = strdup(strempty(err));

        if (!copy)
                return;
        for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                const char *msg = l;

                if (startswith(l, "kdump-") && strstr(l, "-writer: "))
                        msg = strstr(l, "-writer: ") + strlen("-writer: ");
                fprintf(f, "%s%s\n", prefix, msg);
        }
}

/* The first line of the writer's message, for one-line reports. */
static char *first_message(const char *err) {
        _cleanup_free_ char *copy = strdup(strempty(err));
        char *l, *msg;

        if (!copy)
                return NULL;
        l = copy + strspn(copy, "\n");
        l[strcspn(l, "\n")] = '\0';
        msg = l;
        if (startswith(l, "kdump-") && strstr(l, "-writer: "))
                msg = strstr(l, "-writer: ") + strlen("-writer: ");
        return strdup(*msg ? msg : "no message");
}

/* A local target, mounted here: free space against the estimate.  On the
 * root file system the capture also leaves 5% (at most 256 MiB) free, so
 * that counts as taken.  Advice only: a warning, or show's line. */
static void local_space_check(struct kdump_ctx *ctx, bool report_only) {
        _cleanup_free_ char *dir = NULL;
        unsigned long long need = dump_size_estimate(ctx), avail, keep = 0;
        struct statvfs sv;
        bool root;

        if (ctx->image_mode || ctx_resolve_target(ctx) < 0 || !ctx->target->mountpoint)
                return;
        if (asprintf(&dir, "%s%s", ctx->root, ctx->target->mountpoint) < 0 || statvfs(dir, &sv) < 0)
                return;
        avail = (unsigned long long) sv.f_bavail * sv.f_frsize;
        root = streq(ctx->target->mountpoint, "/");
        if (root) {
                keep = (unsigned long long) sv.f_blocks * sv.f_frsize / 100 * 5;
                if (keep > 256 * MiB)
                        keep = 256 * MiB;
        }
        if (report_only)
                printf("Free space: %llu MiB on %s%s (a dump may need up to %llu MiB%s)%s\n", avail / MiB,
                       ctx->target->mountpoint, root ? ", the root file system" : "", need / MiB,
                       root ? ", and 5% of it stays free" : "", need + keep > avail ? ": too little" : "");
        else if (need + keep > avail)
                log_warning("warning: %s has %llu MiB free, a dump may need up to %llu MiB%s; a dump that does "
                            "not fit fails and keeps its -incomplete name", ctx->target->mountpoint, avail / MiB,
                            need / MiB, root ? " (the capture leaves 5% of the root file system free)" : "");
}

int target_probe_current(struct kdump_ctx *ctx, bool report_only) {
        const struct kdump_conf *c = ctx->conf;
        const char *type = kdump_target_type_to_string(c->target->type);
        _cleanup_free_ char *prefix = NULL, *first = NULL;
        struct probe_result p = {};
        const char *skip = NULL;
        unsigned long long need;
        int r;

        if (c->target->type == KDUMP_TARGET_FS || c->target->type == KDUMP_TARGET_ROOTFS) {
                local_space_check(ctx, report_only);
                return 0;
        }
        if (c->target->type != KDUMP_TARGET_SSH && c->target->type != KDUMP_TARGET_NFS)
                return 0;
        if (ctx->image_mode)
                skip = "building for --sysroot: the image's target may not be reachable from here";
        else if (streq(strempty(secure_getenv("KDUMP_SKIP_PROBE")), "1"))
                skip = "KDUMP_SKIP_PROBE=1";
        if (skip) {
                if (report_only)
                        printf("Target probe: skipped (%s)\n", skip);
                else
                        log_notice("Not checking that the %s target %s is reachable and writable: %s.",
                                   type, c->target->spec, skip);
                return 0;
        }

        if (c->target->type == KDUMP_TARGET_SSH) {
                r = known_hosts_adopt(ctx);
                if (r < 0)
                        return report_only ? 0 : r;
        }
        r = probe_run(ctx, &p);
        if (r < 0)
                return report_only ? 0 : r;
        if (c->target->line > 0)
                r = asprintf(&prefix, "%s:%u: ", ctx->conf_path, c->target->line);
        else
                r = asprintf(&prefix, "%s: ", ctx->conf_path);
        first = first_message(p.err);
        if (r < 0 || !first) {
                probe_result_done(&p);
                return log_oom();
        }
        need = dump_size_estimate(ctx);

        if (p.status != 0) {
                const char *why = p.status == -ETIMEDOUT ? "timed out" : p.status < 0 ? strerror(-p.status) : NULL;

                if (report_only) {
                        printf("Target probe: FAILED: %s\n", why ? why : first);
                        r = 0;
                } else {
                        if (why)
                                fprintf(stderr, "%sprobe of the %s target %s: kdump-%s-writer %s\n", prefix,
                                        type, c->target->spec, type, why);
                        else
                                print_writer_lines(p.err, prefix, stderr);
                        fprintf(stderr, "%s: the %s target %s is not usable, configuration refused "
                                "(KDUMP_SKIP_PROBE=1 skips this check)\n", ctx->conf_path, type, c->target->spec);
                        r = -EIO;
                }
        } else {
                if (report_only) {
                        if (!p.free_known)
                                printf("Target probe: ok (free space unknown)\n");
                        else
                                printf("Target probe: ok, %llu MiB free%s (a dump may need up to %llu MiB)\n",
                                       p.free_bytes / MiB, need > p.free_bytes ? ", too little" : "",
                                       need / MiB);
                } else if (p.free_known && need > p.free_bytes)
                        log_warning("warning: %s target has %llu MiB free, a dump may need up to %llu MiB",
                                    type, p.free_bytes / MiB, need / MiB);
                r = 0;
        }
        probe_result_done(&p);
        return r;
}

int target_probe(struct kdump_ctx *ctx, bool report_only) {
        int r = 0;

        /* every member: a chain whose later member cannot work now is
         * refused like a single target that cannot */
        for (size_t i = 0; i < ctx_n_targets(ctx) && r >= 0; i++) {
                ctx_select_target(ctx, i);
                r = target_probe_current(ctx, report_only);
        }
        ctx_select_target(ctx, 0);
        return r;
}
