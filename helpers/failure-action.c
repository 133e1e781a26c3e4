/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-failure-action [--final]
 *
 * Without options (kdump-failure-action.service, the OnFailure= of
 * kdump-capture.service): prints "kdump: failure action NAME" on the console
 * and carries out failure_action from kdump.conf:
 *   reboot, halt, poweroff   that, at once (final_action does not apply)
 *   shell                    an interactive shell on the console; when it
 *                            exits, final_action
 *   dump_to_rootfs           kdump-collect --target-root /run/kdump/rootfs
 *                            (mounted by run-kdump-rootfs.mount), then
 *                            final_action, whatever its result
 * With --final (kdump-final-action.service, the OnSuccess= of
 * kdump-capture.service): carries out final_action.
 * With --emergency (emergency.service and dracut-emergency.service, whose
 * shell 99kdumpbase replaces): something in the capture boot gave up, such
 * as dracut's initqueue on a device or a failed mount.  While
 * kdump-capture.service is queued or saving, the capture is the one judge
 * (its own waits are bounded, and its stall watchdog): this waits for it and
 * leaves what follows to its OnSuccess=/OnFailure=.  Only when it never ran
 * is failure_action carried out here.  A queued capture is waited for at
 * most EMERGENCY_QUEUED_SEC.
 *
 * Actions are `systemctl --force reboot|halt|poweroff` (as Fedora's
 * `systemctl reboot -f`): the dump is committed and synced by now, so no unit
 * needs stopping; systemd-shutdown kills what runs, unmounts the file systems
 * and reboots.  Stopping every unit first costs seconds and memory: at the
 * smallest crashkernel= that saves a dump, the orderly shutdown ran the
 * capture kernel out of memory after the dump was saved (bench/results,
 * 2026-12-03, 96M).  If systemctl fails, the file systems are synced and
 * reboot(2) is called directly.
 *
 * Exit status: 0 when the action was started, 1 otherwise, 2 on bad usage.
 * Environment, for tests: KDUMP_CONF, KDUMP_LIBEXECDIR (where kdump-collect
 * is), KDUMP_SHELL (default /bin/sh), KDUMP_CONSOLE (default /dev/console),
 * KDUMP_NO_REBOOT=1 (never call reboot(2)), KDUMP_REBOOT_FALLBACK_SEC
 * (default 30; 0: none), KDUMP_LOG_STDERR=1,
 * KDUMP_POLL_MS (how often --emergency asks systemd, default 1000).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "conf-diags.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"
#include "run.h"

#define SYSTEMCTL_TIMEOUT_SEC 60
/* systemd-shutdown takes a second or two here to kill, unmount and reboot */
#define REBOOT_FALLBACK_SEC 30
/* the capture's device (90 s), mount (300 s) and network waits, and more */
#define EMERGENCY_QUEUED_SEC 900

static bool arg_final;
static bool arg_emergency;

static const char *getenv_default(const char *name, const char *def) {
        const char *e = secure_getenv(name);

        return e && *e ? e : def;
}

/* oom_score_adj -1000: the OOM killer never picks this process. */
static void oom_protect(void) {
        _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

        if (fd >= 0)
                (void) !write(fd, "-1000", 5);
}

static int final_action(enum kdump_action a) {
        const char *name = kdump_action_to_string(a);
        char *argv[] = { "systemctl", "--force", (char *) name, NULL };
        struct spawn_opts o = {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = SYSTEMCTL_TIMEOUT_SEC,
        };
        const char *e;
        int r, cmd;

        switch (a) {
        case KDUMP_ACTION_REBOOT:
                cmd = RB_AUTOBOOT;
                break;
        case KDUMP_ACTION_HALT:
                cmd = RB_HALT_SYSTEM;
                break;
        case KDUMP_ACTION_POWEROFF:
                cmd = RB_POWER_OFF;
                break;
        default:
                log_warning("final_action %s is not reboot, halt or poweroff, rebooting", strempty(name));
                return final_action(KDUMP_ACTION_REBOOT);
        }

        /* locked in memory first: the fallback below must run without
         * paging anything in from the squashed image */
        (void) mlockall(MCL_CURRENT);
        r = spawn_run(argv, &o);
        if (r == 0) {
                /* systemd-shutdown kills this process on its way; still being
                 * here means the shutdown stalled: at the smallest crash
                 * memory that saves a dump, Debian 13's capture kernel was
                 * still thrashing 90 s after systemctl returned, until an
                 * out-of-memory panic (bench/results, 2026-12-04, 96M).
                 * Nothing is allocated after the wait (the OOM killer took
                 * this process when it logged then), and the OOM killer is
                 * told to leave it alone. */
                unsigned fallback = REBOOT_FALLBACK_SEC;

                e = secure_getenv("KDUMP_REBOOT_FALLBACK_SEC");
                if (e && *e)
                        fallback = (unsigned) strtoul(e, NULL, 10);
                if (fallback == 0)              /* tests: no fallback */
                        return 0;
                log_info("reboot(2) in %u s, should the shutdown not have ended this process by then", fallback);
                oom_protect();
                for (unsigned left = fallback; left > 0;)
                        left = sleep(left);
        } else
                log_error("systemctl --force %s failed (%d), calling reboot(2) directly", name, r);
        e = secure_getenv("KDUMP_NO_REBOOT");
        if (e && streq(e, "1")) {
                if (r == 0)
                        log_info("KDUMP_NO_REBOOT=1: not calling reboot(2)");
                return r == 0 ? 0 : -EIO;
        }
        sync();
        if (reboot(cmd) < 0)
                return log_error_errno(errno, "reboot(2) failed: %m");
        return 0;
}

/* An interactive shell on the console, as its controlling terminal.  The
 * one unbounded wait of the capture: the administrator asked for it. */
static int run_shell(enum kdump_action final) {
        const char *shell = getenv_default("KDUMP_SHELL", "/bin/sh");
        const char *console = getenv_default("KDUMP_CONSOLE", "/dev/console");
        int status;
        pid_t pid;

        log_notice("starting a shell on the console; final_action %s follows when it exits",
                   kdump_action_to_string(final));
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "fork failed: %m");
        if (pid == 0) {
                int fd;

                (void) setsid();
                fd = open(console, O_RDWR | O_NOCTTY);
                if (fd < 0)
                        _exit(127);
                (void) ioctl(fd, TIOCSCTTY, 1);
                if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
                        _exit(127);
                if (fd > 2)
                        close(fd);
                execl(shell, shell, "-i", (char *) NULL);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "waitpid failed: %m");
        return 0;
}

static int dump_to_rootfs(void) {
        _cleanup_free_ char *collect = NULL;
        char *argv[] = { NULL, "--target-root", KDUMP_ROOTFS_MOUNT, NULL };
        struct spawn_opts o = {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
        };
        int r;

        if (asprintf(&collect, "%s/kdump-collect", getenv_default("KDUMP_LIBEXECDIR", LIBEXECDIR)) < 0)
                return log_oom();
        argv[0] = collect;
        /* no timeout: a dump takes as long as the memory is large */
        r = spawn_run(argv, &o);
        if (r != 0)
                return log_error_errno(EIO, "dump_to_rootfs failed (%d)", r);
        return 0;
}

struct capture_state {
        bool queued;            /* a start job is waiting */
        bool activating;        /* kdump-collect runs */
        bool ran;               /* it was started at some point */
};

/* systemctl show of kdump-capture.service; <0 when systemd cannot tell. */
static int capture_state(struct capture_state *ret) {
        char *argv[] = { "systemctl", "show", "-p", "ActiveState", "-p", "Job",
                         "-p", "ExecMainStartTimestampMonotonic", KDUMP_CAPTURE_SERVICE, NULL };
        _cleanup_free_ char *out = NULL, *err = NULL;
        int r;

        r = spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_CAPTURE,
                .timeout_sec = SYSTEMCTL_TIMEOUT_SEC, .capture_max = 4096,
                .ret_stdout = &out, .ret_stderr = &err,
        });
        if (r != 0)
                return -EIO;
        *ret = (struct capture_state) {};
        for (char *save = NULL, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (streq(l, "ActiveState=activating"))
                        ret->activating = true;
                else if (startswith(l, "Job=") && l[4])
                        ret->queued = true;
                else if (startswith(l, "ExecMainStartTimestampMonotonic=") && !streq(l + 32, "0") && l[32])
                        ret->ran = true;
        }
        return 0;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Returns true when the capture ran (or runs) and so decides what follows. */
static bool capture_decides(void) {
        const char *e = secure_getenv("KDUMP_POLL_MS");
        unsigned poll_ms = e && atoi(e) > 0 ? (unsigned) atoi(e) : 1000;
        struct capture_state st;
        unsigned long long queued_ms = 0;
        bool said = false, seen_running = false;

        for (;;) {
                if (capture_state(&st) < 0) {
                        /* Once the capture was seen running, a systemd that no longer answers
                         * is most likely one going down for the action the capture's own
                         * OnSuccess=/OnFailure= started (systemctl --force reboot): acting
                         * here too would announce a failure action after a saved dump. */
                        if (seen_running) {
                                log_notice("systemd no longer answers about %s, which was saving the dump: "
                                           "its own final or failure action is under way", KDUMP_CAPTURE_SERVICE);
                                return true;
                        }
                        log_warning("cannot ask systemd about %s", KDUMP_CAPTURE_SERVICE);
                        return false;
                }
                if (st.activating)
                        seen_running = true;
                if (!st.queued && !st.activating)
                        return st.ran;
                if (!said) {
                        log_notice("emergency in the capture boot while %s is %s: the dump goes on, and its "
                                   "result decides what follows", KDUMP_CAPTURE_SERVICE,
                                   st.activating ? "saving the dump" : "waiting to start");
                        said = true;
                }
                if (!st.activating) {
                        queued_ms += poll_ms;
                        if (queued_ms >= EMERGENCY_QUEUED_SEC * 1000ULL) {
                                log_error("%s did not start in %d s", KDUMP_CAPTURE_SERVICE, EMERGENCY_QUEUED_SEC);
                                return false;
                        }
                }
                sleep_ms(poll_ms);
        }
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "final", no_argument, NULL, 'f' },
                { "emergency", no_argument, NULL, 'e' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        arg_final = true;
                        break;
                case 'e':
                        arg_emergency = true;
                        break;
                case 'h':
                        printf("usage: kdump-failure-action [--final|--emergency]\n");
                        exit(0);
                default:
                        fprintf(stderr, "usage: kdump-failure-action [--final|--emergency]\n");
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "usage: kdump-failure-action [--final|--emergency]\n");
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *e = secure_getenv("KDUMP_LOG_STDERR");
        enum kdump_action a;
        int r;

        log_setup("kdump", e && streq(e, "1") ? LOG_TARGET_STDERR : LOG_TARGET_CONSOLE);
        if (parse_argv(argc, argv) < 0)
                return 2;
        r = capture_conf_load(&c);
        if (r < 0) {
                log_oom();
                /* still end the capture */
                return final_action(KDUMP_ACTION_REBOOT) < 0 ? 1 : 0;
        }

        if (arg_final) {
                log_notice("final action %s", kdump_action_to_string(c->final_action));
                return final_action(c->final_action) < 0 ? 1 : 0;
        }

        if (arg_emergency && capture_decides()) {
                log_notice("%s ran: its OnSuccess=/OnFailure= carry out final_action or failure_action",
                           KDUMP_CAPTURE_SERVICE);
                return 0;
        }

        a = c->failure_action;
        log_notice("failure action %s", kdump_action_to_string(a));
        switch (a) {
        case KDUMP_ACTION_SHELL:
                (void) run_shell(c->final_action);
                break;
        case KDUMP_ACTION_DUMP_TO_ROOTFS:
                (void) dump_to_rootfs();
                break;
        default:
                return final_action(a) < 0 ? 1 : 0;
        }
        log_notice("final action %s", kdump_action_to_string(c->final_action));
        return final_action(c->final_action) < 0 ? 1 : 0;
}
