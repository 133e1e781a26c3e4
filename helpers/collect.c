/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-collect [--target-root DIR]
 *
 * Saves the crashed kernel's memory to a local file system, run by
 * kdump-capture.service in the capture initramfs:
 *
 *   1. kdump_pre (a non-zero exit declines the dump: exit 0, final_action)
 *   2. a new directory <root><path>/<host>-<YYYY-MM-DD-HH:MM:SS>/, mode 0700;
 *      when that name exists (two dumps in one second, a clock reset), the
 *      next free of "-1" ... "-99" is taken: an earlier dump is never reused
 *   3. vmcore-dmesg-incomplete.txt -> vmcore-dmesg.txt
 *      (makedumpfile --dump-dmesg; a failure here is only a warning)
 *   4. core_collector ARGS... /proc/vmcore DIR/vmcore-incomplete, then fsync
 *      of file and directory and rename to vmcore
 *   5. kdump_post STATUS DIR
 *   6. kdump-capture.log: journalctl -b, else the kernel log from /dev/kmsg
 *
 * Files are 0600, directories 0700 (umask 077).  A partial dump keeps its
 * -incomplete name.  Exit status: 0 when the dump was saved (or kdump_pre
 * declined it), 1 when it failed (the unit's OnFailure= then runs the
 * failure action), 2 on bad usage.
 *
 * --target-root DIR writes under DIR instead of the dump target mount; the
 * failure action dump_to_rootfs uses it with /run/kdump/rootfs.  kdump_pre
 * is not run again then.
 *
 * Environment, for tests: KDUMP_CONF, KDUMP_VMCORE, KDUMP_TARGET_ROOT (also
 * skips the mount point check), KDUMP_NOW (epoch seconds), KDUMP_HOSTNAME,
 * KDUMP_KMSG (file read instead of /dev/kmsg), KDUMP_LOG_STDERR=1 (log to
 * stderr instead of the console and kmsg).  Programs are found via PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "conf-diags.h"
#include "dumpdir.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"
#include "spawn.h"
#include "strv.h"

#define HOOK_TIMEOUT_SEC 1800           /* kdump_pre, kdump_post */
#define DMESG_TIMEOUT_SEC 300
#define JOURNAL_TIMEOUT_SEC 60
#define PROGRESS_EVERY_TICKS 50         /* 10 s at 200 ms */
#define KMSG_MAX (8 * 1024 * 1024)
#define DIR_SUFFIX_MAX 99

static const char *arg_target_root;
static bool arg_override_root;          /* --target-root */
static bool arg_check_mount = true;

struct collect_state {
        int dir_fd;
        const char *incomplete;         /* file being written, relative to dir_fd */
        unsigned long mem_total_kb;
        unsigned long mem_available_min_kb;
        unsigned ticks;
};

static const char *getenv_default(const char *name, const char *def) {
        const char *e = secure_getenv(name);

        return e && *e ? e : def;
}

/* ---- memory low-water mark and progress ------------------------------- */

static void sample_meminfo(struct collect_state *s) {
        _cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
        char line[128];
        unsigned long v;

        if (!f)
                return;
        while (fgets(line, sizeof line, f)) {
                if (sscanf(line, "MemTotal: %lu kB", &v) == 1)
                        s->mem_total_kb = v;
                else if (sscanf(line, "MemAvailable: %lu kB", &v) == 1 &&
                         (s->mem_available_min_kb == 0 || v < s->mem_available_min_kb))
                        s->mem_available_min_kb = v;
        }
}

static void collect_tick(void *userdata) {
        struct collect_state *s = userdata;
        struct stat st;

        sample_meminfo(s);
        if (++s->ticks % PROGRESS_EVERY_TICKS == 0 && s->incomplete &&
            fstatat(s->dir_fd, s->incomplete, &st, 0) == 0)
                log_info("saving vmcore: %" PRIu64 " MiB written", (uint64_t) st.st_size >> 20);
}

/* ---- files --------------------------------------------------------------- */

static int fsync_path_at(int dir_fd, const char *name) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return negative_errno();
        (void) fchmod(fd, DUMP_FILE_MODE);
        if (fsync(fd) < 0)
                return negative_errno();
        return 0;
}

/* fsync the file, rename it to its final name (never over an existing file),
 * fsync the directory. */
static int commit_file(int dir_fd, const char *incomplete, const char *final) {
        int r;

        r = fsync_path_at(dir_fd, incomplete);
        if (r < 0)
                return r;
        if (renameat2(dir_fd, incomplete, dir_fd, final, RENAME_NOREPLACE) < 0) {
                if (errno != EINVAL && errno != ENOSYS)
                        return negative_errno();
                /* file systems without RENAME_NOREPLACE (vfat, some virtiofs) */
                if (faccessat(dir_fd, final, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                        return -EEXIST;
                if (renameat(dir_fd, incomplete, dir_fd, final) < 0)
                        return negative_errno();
        }
        if (fsync(dir_fd) < 0)
                return negative_errno();
        return 0;
}

/* mkdir -p, for <root><path>; new components get 0700. */
static int mkdir_parents(const char *path) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdir(p, DUMP_DIR_MODE) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = c;
                if (c == '\0')
                        return 0;
        }
}

/* Creates a new directory under base; never an existing one. */
static int make_dump_dir(const char *base, const char *name, char **ret_path) {
        for (unsigned i = 0; i <= DIR_SUFFIX_MAX; i++) {
                _cleanup_free_ char *p = NULL;
                int r = i == 0 ? asprintf(&p, "%s/%s", base, name)
                               : asprintf(&p, "%s/%s-%u", base, name, i);

                if (r < 0)
                        return -ENOMEM;
                if (mkdir(p, DUMP_DIR_MODE) == 0) {
                        *ret_path = TAKE_PTR(p);
                        return 0;
                }
                if (errno != EEXIST)
                        return negative_errno();
        }
        return -EEXIST;
}

static bool is_mount_point(const char *path) {
        _cleanup_free_ char *parent = NULL;
        struct stat a, b;

        if (asprintf(&parent, "%s/..", path) < 0)
                return false;
        if (stat(path, &a) < 0 || stat(parent, &b) < 0)
                return false;
        return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

/* ---- hooks and programs ---------------------------------------------------- */

static void describe_status(int r, char *buf, size_t size) {
        if (r == -ETIME)
                snprintf(buf, size, "timed out");
        else if (r == -ENOENT)
                snprintf(buf, size, "was not found");
        else if (r < 0)
                snprintf(buf, size, "could not be started: %s", strerror(-r));
        else if (r > 128)
                snprintf(buf, size, "was killed by signal %d", r - 128);
        else
                snprintf(buf, size, "exited with status %d", r);
}

/* Returns the hook's status (<0: it could not run). */
static int run_hook(const char *what, const char *program, const char *arg1, const char *arg2) {
        char *argv[] = { (char *) program, (char *) arg1, (char *) arg2, NULL };
        struct spawn_opts o = { .stdout_fd = -1, .timeout_sec = HOOK_TIMEOUT_SEC };
        char desc[128];
        int r;

        log_info("running %s %s", what, program);
        r = spawn_wait(argv, &o);
        if (r != 0) {
                describe_status(r, desc, sizeof desc);
                log_warning("%s %s %s", what, program, desc);
        }
        return r;
}

static void save_dmesg(int dir_fd, const char *dir, const char *vmcore) {
        _cleanup_free_ char *incomplete = NULL, *path = NULL;
        char *argv[] = { "makedumpfile", "--dump-dmesg", (char *) vmcore, NULL, NULL };
        struct spawn_opts o = { .stdout_fd = -1, .timeout_sec = DMESG_TIMEOUT_SEC };
        char desc[128];
        int r;

        if (dump_incomplete_name("vmcore-dmesg.txt", &incomplete) < 0 ||
            asprintf(&path, "%s/%s", dir, incomplete) < 0) {
                log_oom();
                return;
        }
        argv[3] = path;
        r = spawn_wait(argv, &o);
        if (r != 0) {
                describe_status(r, desc, sizeof desc);
                log_warning("saving the kernel log failed: makedumpfile --dump-dmesg %s, continuing", desc);
                return;
        }
        r = commit_file(dir_fd, incomplete, "vmcore-dmesg.txt");
        if (r < 0)
                log_warning_errno(r, "cannot complete %s/vmcore-dmesg.txt, continuing: %m", dir);
        else
                log_info("saved %s/vmcore-dmesg.txt", dir);
}

/* Returns 0, or the collector's failure; *reason says why. */
static int run_collector(const struct kdump_conf *c, int dir_fd, const char *dir, const char *vmcore,
                         char *reason, size_t reason_size) {
        _cleanup_strv_free_ char **argv = strv_copy(c->core_collector_argv);
        _cleanup_free_ char *incomplete = NULL, *path = NULL;
        struct collect_state s = { .dir_fd = dir_fd };
        struct spawn_opts o = { .stdout_fd = -1, .tick = collect_tick, .userdata = &s };
        char desc[128];
        int r;

        if (!argv || strv_length(argv) == 0 ||
            dump_incomplete_name("vmcore", &incomplete) < 0 ||
            asprintf(&path, "%s/%s", dir, incomplete) < 0 ||
            strv_push(&argv, vmcore) < 0 || strv_push(&argv, path) < 0) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        s.incomplete = incomplete;

        log_info("saving vmcore with %s", c->core_collector);
        sample_meminfo(&s);
        r = spawn_wait(argv, &o);
        sample_meminfo(&s);
        log_info("peak memory during collection: MemAvailable min %lu kB of MemTotal %lu kB",
                 s.mem_available_min_kb, s.mem_total_kb);
        if (r != 0) {
                describe_status(r, desc, sizeof desc);
                snprintf(reason, reason_size, "core_collector %s %s", argv[0], desc);
                return r < 0 ? r : -EIO;
        }
        r = commit_file(dir_fd, incomplete, "vmcore");
        if (r < 0) {
                snprintf(reason, reason_size, "cannot complete %s/vmcore: %s", dir, strerror(-r));
                return r;
        }
        return 0;
}

/* ---- the capture boot's own log ------------------------------------------ */

/* Kernel log records "PRI,SEQ,USEC,FLAGS;MESSAGE" as "[  SEC.USEC] MESSAGE";
 * continuation lines (" KEY=VALUE") are dropped. */
static void write_kmsg_records(FILE *out, char *data) {
        for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned long long usec;
                char *msg = strchr(l, ';');

                if (l[0] == ' ' || !msg)
                        continue;
                if (sscanf(l, "%*u,%*u,%llu", &usec) != 1)
                        usec = 0;
                fprintf(out, "[%5llu.%06llu] %s\n", usec / 1000000, usec % 1000000, msg + 1);
        }
}

static int read_kmsg(FILE *out) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *data = NULL;
        size_t len = 0;

        fd = open(getenv_default("KDUMP_KMSG", "/dev/kmsg"), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        data = malloc(KMSG_MAX + 1);
        if (!data)
                return -ENOMEM;
        while (len < KMSG_MAX) {
                ssize_t n = read(fd, data + len, KMSG_MAX - len);

                if (n < 0) {
                        if (errno == EINTR || errno == EPIPE)  /* EPIPE: records overwritten */
                                continue;
                        if (errno == EAGAIN)
                                break;                          /* all records read */
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        data[len] = '\0';
        write_kmsg_records(out, data);
        return 0;
}

static void save_capture_log(int dir_fd, const char *dir) {
        _cleanup_free_ char *incomplete = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int fd, r = -ENOENT;

        if (dump_incomplete_name("kdump-capture.log", &incomplete) < 0) {
                log_oom();
                return;
        }
        fd = openat(dir_fd, incomplete, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, DUMP_FILE_MODE);
        if (fd < 0) {
                log_warning_errno(errno, "cannot create %s/%s, ignoring: %m", dir, incomplete);
                return;
        }
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                log_oom();
                return;
        }

        if (find_in_path("journalctl")) {
                char *argv[] = { "journalctl", "-b", "-o", "short-monotonic", "--no-pager", NULL };
                struct spawn_opts o = { .stdout_fd = fd, .null_stderr = true,
                                        .timeout_sec = JOURNAL_TIMEOUT_SEC };

                r = spawn_wait(argv, &o);
                if (r != 0) {
                        log_warning("journalctl failed, saving the kernel log instead");
                        if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                                r = 0;  /* keep what we have rather than mix */
                }
        }
        if (r != 0) {
                r = read_kmsg(f);
                if (r < 0)
                        log_warning_errno(r, "cannot read the kernel log, ignoring: %m");
        }
        if (fflush(f) != 0 || ferror(f)) {
                log_warning_errno(errno, "cannot write %s/%s, ignoring: %m", dir, incomplete);
                return;
        }
        r = commit_file(dir_fd, incomplete, "kdump-capture.log");
        if (r < 0)
                log_warning_errno(r, "cannot complete %s/kdump-capture.log, ignoring: %m", dir);
}

/* ---- main ------------------------------------------------------------------ */

static void help(FILE *f) {
        fprintf(f, "usage: kdump-collect [--target-root DIR]\n");
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "target-root", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'r':
                        if (optarg[0] != '/')
                                return log_error_errno(EINVAL, "--target-root needs an absolute path");
                        arg_target_root = optarg;
                        arg_override_root = true;
                        break;
                case 'h':
                        help(stdout);
                        exit(0);
                default:
                        help(stderr);
                        return -EINVAL;
                }
        if (optind < argc) {
                help(stderr);
                return -EINVAL;
        }
        if (!arg_target_root) {
                const char *e = secure_getenv("KDUMP_TARGET_ROOT");

                if (e && *e) {
                        arg_target_root = e;
                        arg_check_mount = false;
                } else
                        arg_target_root = KDUMP_TARGET_MOUNT;
        }
        return 0;
}

static int host_name(char **ret) {
        const char *e = secure_getenv("KDUMP_HOSTNAME");
        char buf[256] = "";

        if (e && *e)
                *ret = strdup(e);
        else {
                if (gethostname(buf, sizeof buf - 1) < 0 || streq(buf, "(none)"))
                        buf[0] = '\0';
                *ret = strdup(buf);
        }
        return *ret ? 0 : -ENOMEM;
}

static time_t capture_time(void) {
        const char *e = secure_getenv("KDUMP_NOW");
        char *end;
        long long t;

        if (e && *e) {
                errno = 0;
                t = strtoll(e, &end, 10);
                if (errno == 0 && *end == '\0' && t >= 0)
                        return (time_t) t;
                log_warning("KDUMP_NOW=%s is not a number of seconds, ignoring", e);
        }
        return time(NULL);
}

static int collect(const struct kdump_conf *c, char *reason, size_t reason_size) {
        _cleanup_free_ char *base = NULL, *host = NULL, *name = NULL, *dir = NULL;
        _cleanup_close_ int dir_fd = -1;
        const char *vmcore = getenv_default("KDUMP_VMCORE", KDUMP_VMCORE_PATH);
        char status[16];
        int r, result;

#define FAIL(...) do { snprintf(reason, reason_size, __VA_ARGS__); return -EIO; } while (0)

        if (!arg_override_root && c->target.type != KDUMP_TARGET_FS && c->target.type != KDUMP_TARGET_ROOTFS)
                /* The network and raw writers are separate helpers. */
                FAIL("kdump-collect writes to file systems only, not to a %s target",
                     kdump_target_type_to_string(c->target.type));
        if (access(vmcore, R_OK) < 0)
                FAIL("cannot read %s: %s", vmcore, strerror(errno));

        if (!arg_override_root && c->kdump_pre) {
                r = run_hook("kdump_pre", c->kdump_pre, NULL, NULL);
                if (r > 0) {
                        log_notice("kdump_pre declined the dump: no vmcore saved, carrying out final_action");
                        return 1;
                }
                if (r < 0)
                        log_warning("kdump_pre could not run, saving the dump anyway");
        }

        if (arg_check_mount && !is_mount_point(arg_target_root))
                FAIL("dump target %s is not mounted", arg_target_root);

        if (asprintf(&base, "%s%s", streq(arg_target_root, "/") ? "" : arg_target_root, c->path) < 0 ||
            host_name(&host) < 0)
                FAIL("out of memory");
        r = mkdir_parents(base);
        if (r < 0)
                FAIL("cannot create %s: %s", base, strerror(-r));
        r = dump_dir_name(host, capture_time(), &name);
        if (r < 0)
                FAIL("cannot name the dump directory: %s", strerror(-r));
        r = make_dump_dir(base, name, &dir);
        if (r < 0)
                FAIL("cannot create a new directory %s/%s: %s", base, name, strerror(-r));
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                FAIL("cannot open %s: %s", dir, strerror(errno));
        log_info("saving the dump to %s", dir);

        if (find_in_path("makedumpfile"))
                save_dmesg(dir_fd, dir, vmcore);
        else
                log_warning("makedumpfile is not in the image, vmcore-dmesg.txt not saved");

        result = run_collector(c, dir_fd, dir, vmcore, reason, reason_size);
        if (result == 0)
                log_notice("saved vmcore to %s", dir);

        if (c->kdump_post) {
                snprintf(status, sizeof status, "%d", result == 0 ? 0 : result > 0 ? result : 1);
                (void) run_hook("kdump_post", c->kdump_post, status, dir);
        }
        save_capture_log(dir_fd, dir);
        return result == 0 ? 0 : -EIO;
#undef FAIL
}

int main(int argc, char *argv[]) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *e = secure_getenv("KDUMP_LOG_STDERR");
        char reason[512] = "unknown error";
        int r;

        umask(077);
        log_setup("kdump", e && streq(e, "1") ? LOG_TARGET_STDERR : LOG_TARGET_CONSOLE);

        r = parse_argv(argc, argv);
        if (r < 0)
                return 2;
        r = capture_conf_load(&c);
        if (r < 0) {
                log_error("capture failed: out of memory");
                return 1;
        }

        r = collect(c, reason, sizeof reason);
        if (r < 0) {
                log_error("capture failed: %s", reason);
                return 1;
        }
        return 0;
}
