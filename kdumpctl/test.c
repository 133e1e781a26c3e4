/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test: records a pending test, crashes the machine through sysrq; after the
 * reboot, status reports whether the capture saved a dump. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kdumpctl.h"
#include "log.h"

static int do_test(struct kdump_ctx *ctx, bool force) {
        _cleanup_free_ char *pending = root_path(ctx, KDUMP_TEST_PENDING), *dir = root_path(ctx, KDUMP_STATE_DIR);
        _cleanup_free_ char *sysrq = root_path(ctx, "/proc/sysrq-trigger"), *data = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (!pending || !dir || !sysrq)
                return log_oom();
        if (kexec_crash_loaded(ctx) != 1)
                return log_error_errno(EINVAL, "Kdump is not operational; run 'kdumpctl start' first.");
        if (!force) {
                char answer[16] = "";

                if (!isatty(STDIN_FILENO))
                        return log_error_errno(EINVAL, "Not asking on a non-interactive input; "
                                               "use 'kdumpctl test --force' to crash this machine.");
                printf("This crashes the kernel NOW to test kdump; the machine reboots after the capture.\n"
                       "Unsaved data is lost.  Type 'yes' to continue: ");
                fflush(stdout);
                if (!fgets(answer, sizeof answer, stdin) || !streq(answer, "yes\n")) {
                        log_info("Not confirmed; nothing done.");
                        return -ECANCELED;
                }
        }

        r = mkdir_p(dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        if (asprintf(&data, "time=%lld\n", (long long) time(NULL)) < 0)
                return log_oom();
        r = write_file_atomic(pending, data, strlen(data), 0600);
        if (r < 0)
                return log_error_errno(r, "Failed to record the test in %s: %m", pending);
        sync();

        log_info("Crashing the kernel through sysrq ...");
        fd = open(sysrq, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || write(fd, "c", 1) != 1) {
                r = -errno;
                (void) unlink(pending);
                return log_error_errno(r, "Failed to write to %s: %m", sysrq);
        }
        if (*ctx->root)
                return 0;       /* a fake root: nothing real crashes */
        sleep(30);
        (void) unlink(pending);
        return log_error_errno(EIO, "Still running 30s after the crash was triggered; the test failed.");
}

int verb_test(int argc, char **argv) {
        static const struct option options[] = {
                { "force", no_argument, NULL, 'f' },
                {}
        };
        struct kdump_ctx ctx;
        _cleanup_close_ int lock = -1;
        bool force = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "f", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        force = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                log_error("test: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        r = open_ctx(&ctx, true);
        if (r >= 0)
                r = kdump_lock(&ctx, &lock);
        if (r >= 0)
                r = do_test(&ctx, force);
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A dump directory newer than the test, holding a complete vmcore. */
static int find_dump(const char *dir, time_t since, char **ret) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&p, "%s/%s/vmcore", dir, de->d_name) < 0)
                        return -ENOMEM;
                if (stat(p, &st) == 0 && st.st_mtime >= since) {
                        *ret = TAKE_PTR(p);
                        return 1;
                }
        }
        return 0;
}

int test_status_report(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *pending = root_path(ctx, KDUMP_TEST_PENDING), *data = NULL;
        _cleanup_free_ char *dir = NULL, *found = NULL;
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *v;
        char stamp[64];
        time_t since;
        struct tm tm;
        int r;

        if (!pending)
                return -ENOMEM;
        if (read_file(pending, 4096, &data, NULL) < 0)
                return 0;       /* no test pending */
        v = startswith(data, "time=");
        since = v ? (time_t) strtoll(v, NULL, 10) : 0;
        if (!localtime_r(&since, &tm) || strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                snprintf(stamp, sizeof stamp, "@%lld", (long long) since);

        r = kdump_conf_load(ctx->conf_path, KDUMP_CONF_LENIENT, &c);
        if (r < 0)
                return r;
        switch (c->target->type) {
        case KDUMP_TARGET_RAW:          /* start copies raw dumps to path */
                dir = root_path(ctx, c->path);
                break;
        case KDUMP_TARGET_ROOTFS:
        case KDUMP_TARGET_FS: {
                struct kdump_ctx tmp = *ctx;
                struct resolved_target t = {};

                tmp.conf = c;
                if (target_resolve(&tmp, &t) >= 0 && t.seen_at &&
                    asprintf(&dir, "%s%s", ctx->root, t.seen_at) < 0)
                        dir = NULL;
                target_done(&t);
                break;
        }
        default:
                break;
        }
        if (!dir) {
                printf("Last kdump test (%s): the dump goes to %s %s:%s; check there.\n", stamp,
                       kdump_target_type_to_string(c->target->type), strempty(c->target->spec), c->path);
                return 0;
        }
        r = find_dump(dir, since, &found);
        if (r > 0)
                printf("Last kdump test (%s): succeeded, dump saved as %s\n", stamp, found);
        else
                printf("Last kdump test (%s): FAILED, no complete dump newer than the test in %s\n", stamp, dir);
        return 0;
}
