/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-collect [--target-root DIR]
 *
 * Saves the crashed kernel's memory, run by kdump-capture.service in the
 * capture initramfs.  To a local file system (mounted by the generator's
 * units):
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
 * To an ssh or nfs target, through LIBEXECDIR/kdump-{ssh,nfs}-writer (no
 * mount): the same steps, with the directory named after this machine's
 * address on the route to the server (Fedora's <host-ip>-<date>), created by
 * `writer mkdir NAME` (exit 3, exists: the next suffix); vmcore-dmesg.txt and
 * kdump-capture.log are made in a tmpfs scratch directory under /run and
 * sent with `writer put DIR NAME`; the core_collector's stdout goes to
 * `writer put [--flattened] DIR vmcore` (makedumpfile gets -F, any other
 * collector /proc/vmcore as its last argument and must write to stdout; cp
 * and scp become `cat`).
 * kdump-collect relays that pipe itself and gives the writer the end of the
 * data only when the collector exited 0, so that a failed collector never
 * leaves a complete-looking vmcore.  To a raw target: the same pipe into
 * `kdump-raw-writer put [--flattened]`, and nothing else (a raw device holds
 * one dump).  The location in messages and for kdump_post is
 * ssh://USER@HOST/PATH/DIR, nfs://HOST/EXPORT/PATH/DIR or raw:DEVICE.
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
 * stderr instead of the console and kmsg), KDUMP_LIBEXECDIR (where the
 * writers are), KDUMP_RUNTIME_DIR (/run: the scratch directory's parent).
 * Programs are found via PATH.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "conf-diags.h"
#include "dumpdir.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"
#include "run.h"
#include "strv.h"

#define HOOK_TIMEOUT_SEC 1800           /* kdump_pre, kdump_post */
#define DMESG_TIMEOUT_SEC 300
#define JOURNAL_TIMEOUT_SEC 60
#define PROGRESS_EVERY_TICKS 50         /* 10 s at 200 ms */
#define KMSG_MAX (8 * 1024 * 1024)
#define DIR_SUFFIX_MAX 99
/* writer mkdir, and put of small files: past the writers' own retries (up
 * to 660 s while an ssh server turns connections away) */
#define WRITER_TIMEOUT_SEC 900
#define WRITER_FINISH_TIMEOUT_SEC 900   /* writer fsync + rename after the data */
#define PIPE_TAIL_TIMEOUT_SEC 60        /* one side of the pipe, once the other is gone */
#define RELAY_BUF_SIZE (128 * 1024)

static const char *arg_target_root;
static bool arg_override_root;          /* --target-root */
static bool arg_check_mount = true;

struct collect_state {
        int dir_fd;
        const char *incomplete;         /* file being written, relative to dir_fd */
        unsigned long mem_total_kb;
        unsigned long mem_available_min_kb;
        unsigned ticks;
        uint64_t sent;                  /* bytes handed to a writer */
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
        if (++s->ticks % PROGRESS_EVERY_TICKS != 0)
                return;
        if (s->incomplete && fstatat(s->dir_fd, s->incomplete, &st, 0) == 0)
                log_info("saving vmcore: %" PRIu64 " MiB written", (uint64_t) st.st_size >> 20);
        else if (!s->incomplete && s->sent > 0)
                log_info("saving vmcore: %" PRIu64 " MiB sent", s->sent >> 20);
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
        if (r == -ETIMEDOUT)
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
        struct spawn_opts o = {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = HOOK_TIMEOUT_SEC,
        };
        char desc[128];
        int r;

        log_info("running %s %s", what, program);
        r = spawn_run(argv, &o);
        if (r != 0) {
                describe_status(r, desc, sizeof desc);
                log_warning("%s %s %s", what, program, desc);
        }
        return r;
}

/* The crashed kernel's log: makedumpfile --dump-dmesg VMCORE OUTPUT, where
 * OUTPUT must be a file it may seek in.  A failure is only a warning: the
 * vmcore matters more.  Returns 0 when OUTPUT was written. */
static int dump_dmesg(const char *vmcore, const char *output) {
        char *argv[] = { "makedumpfile", "--dump-dmesg", (char *) vmcore, (char *) output, NULL };
        struct spawn_opts o = {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = DMESG_TIMEOUT_SEC,
        };
        char desc[128];
        int r;

        r = spawn_run(argv, &o);
        if (r == 0)
                return 0;
        describe_status(r, desc, sizeof desc);
        log_warning("saving the kernel log failed: makedumpfile --dump-dmesg %s, continuing", desc);
        return r < 0 ? r : -EIO;
}

/* Local target: written as -incomplete in the dump directory, then renamed
 * (a failed one keeps that name). */
static void save_dmesg(int dir_fd, const char *dir, const char *vmcore) {
        _cleanup_free_ char *incomplete = NULL, *path = NULL;
        int r;

        if (dump_incomplete_name("vmcore-dmesg.txt", &incomplete) < 0 ||
            asprintf(&path, "%s/%s", dir, incomplete) < 0) {
                log_oom();
                return;
        }
        if (dump_dmesg(vmcore, path) < 0)
                return;
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
        struct spawn_opts o = {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .tick = collect_tick, .userdata = &s,
        };
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
        r = spawn_run(argv, &o);
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

/* Writes the capture boot's log to fd (f wraps it): journalctl -b, else the
 * kernel log.  Returns 0, or a negative errno when nothing usable was written. */
static int write_capture_log(int fd, FILE *f) {
        int r = -ENOENT;

        if (find_in_path("journalctl")) {
                char *argv[] = { "journalctl", "-b", "-o", "short-monotonic", "--no-pager", NULL };
                struct spawn_opts o = {
                        .stdin_fd = SPAWN_NULL, .stdout_fd = fd, .stderr_fd = SPAWN_NULL,
                        .timeout_sec = JOURNAL_TIMEOUT_SEC,
                };

                r = spawn_run(argv, &o);
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
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}

/* Creates `name` (mode DUMP_FILE_MODE, never an existing file) relative to
 * dir_fd and writes the capture log into it.  Returns 0 or a negative errno. */
static int capture_log_to(int dir_fd, const char *name) {
        _cleanup_fclose_ FILE *f = NULL;
        int fd;

        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, DUMP_FILE_MODE);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return -ENOMEM;
        }
        return write_capture_log(fd, f) < 0 ? -EIO : 0;
}

static void save_capture_log(int dir_fd, const char *dir) {
        _cleanup_free_ char *incomplete = NULL;
        int r;

        if (dump_incomplete_name("kdump-capture.log", &incomplete) < 0) {
                log_oom();
                return;
        }
        r = capture_log_to(dir_fd, incomplete);
        if (r < 0) {
                log_warning_errno(r, "cannot write %s/%s, ignoring: %m", dir, incomplete);
                return;
        }
        r = commit_file(dir_fd, incomplete, "kdump-capture.log");
        if (r < 0)
                log_warning_errno(r, "cannot complete %s/kdump-capture.log, ignoring: %m", dir);
}

static int host_name(char **ret);
static time_t capture_time(void);

/* ---- ssh, nfs and raw targets: the writers ------------------------------------ */

/*
 * The writers (kdump-ssh-writer, kdump-nfs-writer, kdump-raw-writer) read the
 * data of `put` from stdin and give the file its final name only at the end
 * of that data.  kdump-collect sits in the middle of the pipe, collector ->
 * kdump-collect -> writer, so that the writer sees the end of the data only
 * when the collector has exited 0: when the collector fails, the writer is
 * killed first and the dump keeps its -incomplete name.
 */
struct remote {
        const struct kdump_conf *c;
        const char *config;             /* the writer's --config */
        char *writer;                   /* LIBEXECDIR/kdump-<type>-writer */
        char *dirname;                  /* ssh, nfs: the new dump directory */
        char *location;                 /* for messages and kdump_post */
        char *tmpdir;                   /* tmpfs scratch for dmesg and the log */
};

static void remote_done(struct remote *rm) {
        if (rm->tmpdir) {
                _cleanup_free_ char *dmesg = NULL, *logf = NULL;

                if (asprintf(&dmesg, "%s/vmcore-dmesg.txt", rm->tmpdir) >= 0)
                        (void) unlink(dmesg);
                if (asprintf(&logf, "%s/kdump-capture.log", rm->tmpdir) >= 0)
                        (void) unlink(logf);
                (void) rmdir(rm->tmpdir);
        }
        free(rm->writer);
        free(rm->dirname);
        free(rm->location);
        free(rm->tmpdir);
}

/* writer [--config FILE] VERB [--flattened] [DIRNAME [NAME]] */
static char **writer_argv(const struct remote *rm, const char *verb, bool flattened,
                          const char *dirname, const char *name) {
        _cleanup_strv_free_ char **argv = NULL;

        if (strv_push(&argv, rm->writer) < 0 || strv_push(&argv, "--config") < 0 ||
            strv_push(&argv, rm->config) < 0 || strv_push(&argv, verb) < 0 ||
            (flattened && strv_push(&argv, "--flattened") < 0) ||
            (dirname && strv_push(&argv, dirname) < 0) ||
            (name && strv_push(&argv, name) < 0))
                return NULL;
        return TAKE_PTR(argv);
}

static const char *writer_name(const struct remote *rm) {
        const char *slash = strrchr(rm->writer, '/');

        return slash ? slash + 1 : rm->writer;
}

/* This machine's address on the route to host, the host part of the dump
 * directory's name as Fedora's kdump names remote dumps.  Only a numeric host
 * (kdumpctl resolves names at build time) is looked up: the capture kernel
 * has no resolver. */
static int local_address_to(const char *host, char **ret) {
        struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_DGRAM };
        struct addrinfo *ai = NULL;
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        char buf[INET6_ADDRSTRLEN];
        _cleanup_close_ int fd = -1;
        const void *addr;

        if (!host || getaddrinfo(host, "9", &hints, &ai) != 0 || !ai)
                return -EADDRNOTAVAIL;
        fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        /* connect() on a datagram socket only picks the route: nothing is sent */
        if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                freeaddrinfo(ai);
                return -EADDRNOTAVAIL;
        }
        freeaddrinfo(ai);
        addr = sa.ss_family == AF_INET6 ? (const void *) &((struct sockaddr_in6 *) &sa)->sin6_addr
                                        : (const void *) &((struct sockaddr_in *) &sa)->sin_addr;
        if (!inet_ntop(sa.ss_family, addr, buf, sizeof buf))
                return -EADDRNOTAVAIL;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int remote_host_part(const struct kdump_conf *c, char **ret) {
        const char *e = secure_getenv("KDUMP_HOSTNAME");

        if (e && *e) {
                *ret = strdup(e);
                return *ret ? 0 : -ENOMEM;
        }
        if (local_address_to(c->target.host, ret) == 0)
                return 0;
        log_info("no local address on the route to %s, naming the dump after the host name",
                 strempty(c->target.host));
        return host_name(ret);
}

/* "/var/crash/" -> "/var/crash", "/" -> "" */
static void strip_trailing_slashes(char *s) {
        for (size_t n = strlen(s); n > 0 && s[n - 1] == '/'; n--)
                s[n - 1] = '\0';
}

static int remote_location(struct remote *rm) {
        const struct kdump_conf *c = rm->c;
        _cleanup_free_ char *path = strdup(c->path ? c->path : KDUMP_DEFAULT_PATH);
        _cleanup_free_ char *export = strdup(strempty(c->target.export));
        bool v6 = c->target.host && strchr(c->target.host, ':');
        int r;

        if (!path || !export)
                return -ENOMEM;
        strip_trailing_slashes(path);
        strip_trailing_slashes(export);
        if (c->target.type == KDUMP_TARGET_SSH)
                r = asprintf(&rm->location, "ssh://%s%s%s%s%s%s/%s",
                             strempty(c->target.user), c->target.user ? "@" : "",
                             v6 ? "[" : "", strempty(c->target.host), v6 ? "]" : "", path, rm->dirname);
        else if (c->target.type == KDUMP_TARGET_NFS)
                r = asprintf(&rm->location, "nfs://%s%s%s%s%s/%s",
                             v6 ? "[" : "", strempty(c->target.host), v6 ? "]" : "",
                             export, path, rm->dirname);
        else
                r = asprintf(&rm->location, "raw:%s", strempty(c->target.device));
        return r < 0 ? -ENOMEM : 0;
}

/* writer mkdir NAME, then NAME-1 ... NAME-99 while the writer says it exists
 * (exit 3): an earlier dump is never reused. */
static int remote_mkdir(struct remote *rm, const char *name, char *reason, size_t reason_size) {
        struct spawn_opts o = {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = WRITER_TIMEOUT_SEC,
        };
        char desc[128];
        int r = 0;

        for (unsigned i = 0; i <= DIR_SUFFIX_MAX; i++) {
                _cleanup_strv_free_ char **argv = NULL;
                _cleanup_free_ char *d = NULL;

                if ((i == 0 ? asprintf(&d, "%s", name) : asprintf(&d, "%s-%u", name, i)) < 0 ||
                    !(argv = writer_argv(rm, "mkdir", false, d, NULL))) {
                        snprintf(reason, reason_size, "out of memory");
                        return -ENOMEM;
                }
                r = spawn_run(argv, &o);
                if (r == 0) {
                        rm->dirname = TAKE_PTR(d);
                        return 0;
                }
                if (r != 3)
                        break;
                log_info("dump directory %s exists already, trying the next name", d);
        }
        if (r == 3)
                snprintf(reason, reason_size, "cannot create a new dump directory %s: all names up to -%d exist",
                         name, DIR_SUFFIX_MAX);
        else {
                describe_status(r, desc, sizeof desc);
                snprintf(reason, reason_size, "%s mkdir %s", writer_name(rm), desc);
        }
        return -EIO;
}

/* writer put DIR NAME < FILE, for the small files; failures are warnings. */
static void remote_put_file(struct remote *rm, const char *file, const char *name) {
        _cleanup_strv_free_ char **argv = writer_argv(rm, "put", false, rm->dirname, name);
        _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct spawn_opts o = {
                .stdin_fd = fd, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = WRITER_TIMEOUT_SEC,
        };
        char desc[128];
        int r;

        if (!argv) {
                log_oom();
                return;
        }
        if (fd < 0) {
                log_warning_errno(errno, "cannot open %s, %s not saved: %m", file, name);
                return;
        }
        r = spawn_run(argv, &o);
        if (r != 0) {
                describe_status(r, desc, sizeof desc);
                log_warning("%s put %s %s, continuing", writer_name(rm), name, desc);
        } else
                log_info("saved %s/%s", rm->location, name);
}

static int make_tmpdir(struct remote *rm) {
        if (asprintf(&rm->tmpdir, "%s/kdump-collect.XXXXXX", getenv_default("KDUMP_RUNTIME_DIR", "/run")) < 0)
                return -ENOMEM;
        if (!mkdtemp(rm->tmpdir)) {
                int r = negative_errno();
                free(rm->tmpdir);
                rm->tmpdir = NULL;
                return r;
        }
        return 0;
}

/* dump_dmesg() cannot write to a pipe: made in tmpfs, then put. */
static void remote_save_dmesg(struct remote *rm, const char *vmcore) {
        _cleanup_free_ char *path = NULL;

        if (!rm->tmpdir || asprintf(&path, "%s/vmcore-dmesg.txt", rm->tmpdir) < 0) {
                log_warning("no scratch directory, vmcore-dmesg.txt not saved");
                return;
        }
        if (dump_dmesg(vmcore, path) == 0)
                remote_put_file(rm, path, "vmcore-dmesg.txt");
        (void) unlink(path);
}

static void remote_save_capture_log(struct remote *rm) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (!rm->tmpdir || asprintf(&path, "%s/kdump-capture.log", rm->tmpdir) < 0) {
                log_warning("no scratch directory, kdump-capture.log not saved");
                return;
        }
        r = capture_log_to(AT_FDCWD, path);
        if (r < 0)
                log_warning_errno(r, "cannot write %s, ignoring: %m", path);
        else
                remote_put_file(rm, path, "kdump-capture.log");
        (void) unlink(path);
}

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd) {
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

struct pipe_result {
        int collector;          /* status as spawn_run() returns it */
        int writer;
        bool writer_early;      /* the writer exited before the end of the data */
        bool relay_failed;      /* reading the collector's output failed */
};

/* collector | kdump-collect | writer.  Every wait is bounded except the
 * collector's run itself (a dump takes as long as the memory is large; the
 * writer's own I/O timeout ends a stalled network). */
static int run_pipe(char **collector, char **writer, struct collect_state *s, struct pipe_result *res) {
        _cleanup_free_ char *buf = malloc(RELAY_BUF_SIZE);
        int in[2] = { -1, -1 }, out[2] = { -1, -1 };
        pid_t cpid, wpid;
        bool c_done = false, w_done = false, eof = false;
        long long c_deadline = 0, w_deadline = 0;
        size_t len = 0, off = 0;
        int r;

        *res = (struct pipe_result) { .collector = -EIO, .writer = -EIO };
        if (!buf)
                return -ENOMEM;
        if (pipe2(in, O_CLOEXEC) < 0)
                return negative_errno();
        if (pipe2(out, O_CLOEXEC) < 0) {
                r = negative_errno();
                close_fd(&in[0]);
                close_fd(&in[1]);
                return r;
        }
        r = spawn_start(writer, &(const struct spawn_opts) {
                .stdin_fd = out[0], .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
        }, &wpid);
        close_fd(&out[0]);
        if (r < 0) {
                res->writer = r;
                close_fd(&in[0]);
                close_fd(&in[1]);
                close_fd(&out[1]);
                return 0;
        }
        r = spawn_start(collector, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = in[1], .stderr_fd = SPAWN_INHERIT,
        }, &cpid);
        close_fd(&in[1]);
        if (r < 0) {
                res->collector = r;
                spawn_kill(wpid);       /* it must not see the end of the data */
                res->writer = 128 + SIGKILL;
                close_fd(&in[0]);
                close_fd(&out[1]);
                return 0;
        }
        (void) fcntl(in[0], F_SETFL, O_NONBLOCK);
        (void) fcntl(out[1], F_SETFL, O_NONBLOCK);

        for (;;) {
                struct pollfd p[2];
                nfds_t n = 0;
                long long now;

                if (!c_done && spawn_try_reap(cpid, &res->collector) > 0)
                        c_done = true;
                if (!w_done && spawn_try_reap(wpid, &res->writer) > 0) {
                        w_done = true;
                        if (out[1] >= 0) {
                                /* gone before it was given the end of the data */
                                res->writer_early = true;
                                close_fd(&out[1]);
                        }
                }
                if (c_done && w_done)
                        break;

                now = now_ms();
                if (out[1] < 0 && in[0] >= 0) {
                        /* the writer is gone: the collector gets EPIPE */
                        close_fd(&in[0]);
                        eof = true;
                }
                if (eof && !c_done && c_deadline == 0)
                        c_deadline = now + PIPE_TAIL_TIMEOUT_SEC * 1000LL;
                if (eof && c_done && len == off && out[1] >= 0) {
                        if (res->collector == 0 && !res->relay_failed) {
                                close_fd(&out[1]);      /* the end of the data: the writer commits */
                                w_deadline = now + WRITER_FINISH_TIMEOUT_SEC * 1000LL;
                        } else {
                                spawn_kill(wpid);       /* never let a partial dump look complete */
                                res->writer = 128 + SIGKILL;
                                w_done = true;
                                close_fd(&out[1]);
                        }
                        continue;
                }
                if (!c_done && c_deadline && now >= c_deadline) {
                        log_warning("%s did not exit after its output ended, killing it", collector[0]);
                        spawn_kill(cpid);
                        res->collector = -ETIMEDOUT;
                        c_done = true;
                        continue;
                }
                if (!w_done && out[1] < 0) {
                        if (w_deadline == 0)
                                w_deadline = now + PIPE_TAIL_TIMEOUT_SEC * 1000LL;
                        if (now >= w_deadline) {
                                log_warning("%s did not finish in time, killing it", writer[0]);
                                spawn_kill(wpid);
                                res->writer = -ETIMEDOUT;
                                w_done = true;
                                continue;
                        }
                }

                if (in[0] >= 0 && len == off)
                        p[n++] = (struct pollfd) { .fd = in[0], .events = POLLIN };
                if (out[1] >= 0 && len > off)
                        p[n++] = (struct pollfd) { .fd = out[1], .events = POLLOUT };
                r = poll(p, n, 200);
                if (r < 0 && errno != EINTR)
                        return negative_errno();
                collect_tick(s);
                if (r <= 0)
                        continue;

                if (in[0] >= 0 && len == off) {
                        ssize_t k = read(in[0], buf, RELAY_BUF_SIZE);

                        if (k > 0) {
                                len = (size_t) k;
                                off = 0;
                        } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
                                if (k < 0) {
                                        log_warning_errno(errno, "cannot read from %s: %m", collector[0]);
                                        res->relay_failed = true;
                                }
                                close_fd(&in[0]);
                                eof = true;
                        }
                } else if (out[1] >= 0 && len > off) {
                        ssize_t k = write(out[1], buf + off, len - off);

                        if (k > 0) {
                                off += (size_t) k;
                                s->sent += (uint64_t) k;
                        } else if (k < 0 && errno != EAGAIN && errno != EINTR) {
                                /* EPIPE: the writer is gone, it is reaped above */
                                res->writer_early = true;
                                close_fd(&out[1]);
                                len = off = 0;
                        }
                }
        }
        close_fd(&in[0]);
        close_fd(&out[1]);
        return 0;
}

/* core_collector for a writer: makedumpfile gets -F (its flattened format on
 * stdout, which the writer turns back into a normal dump file); any other
 * collector gets /proc/vmcore as its last argument and must write the dump to
 * stdout, as `cat` does. */
static char **pipe_collector_argv(const struct kdump_conf *c, const char *vmcore, bool *ret_flattened) {
        _cleanup_strv_free_ char **argv = strv_copy(c->core_collector_argv);
        const char *prog;

        if (!argv || strv_length(argv) == 0)
                return NULL;
        prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        if (streq(prog, "cp") || streq(prog, "scp")) {
                /* a request for an unfiltered copy (kdump.conf(5)): cp cannot
                 * write to a pipe as it writes files, cat does */
                strv_free(argv);
                argv = NULL;
                if (strv_push(&argv, "cat") < 0)
                        return NULL;
                prog = "cat";
        }
        *ret_flattened = streq(prog, "makedumpfile");
        if (*ret_flattened && !strv_contains(argv, "-F") && strv_push(&argv, "-F") < 0)
                return NULL;
        if (strv_push(&argv, vmcore) < 0)
                return NULL;
        return TAKE_PTR(argv);
}

static int remote_collector(struct remote *rm, const char *vmcore, char *reason, size_t reason_size) {
        _cleanup_strv_free_ char **cargv = NULL, **wargv = NULL;
        struct collect_state s = { .dir_fd = -1 };
        struct pipe_result res;
        bool flattened = false;
        char desc[128];
        int r;

        cargv = pipe_collector_argv(rm->c, vmcore, &flattened);
        if (cargv)
                wargv = rm->c->target.type == KDUMP_TARGET_RAW
                        ? writer_argv(rm, "put", flattened, NULL, NULL)
                        : writer_argv(rm, "put", flattened, rm->dirname, "vmcore");
        if (!cargv || !wargv) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }

        log_info("saving vmcore with %s to %s", rm->c->core_collector, rm->location);
        sample_meminfo(&s);
        r = run_pipe(cargv, wargv, &s, &res);
        sample_meminfo(&s);
        log_info("peak memory during collection: MemAvailable min %lu kB of MemTotal %lu kB",
                 s.mem_available_min_kb, s.mem_total_kb);
        if (r < 0) {
                snprintf(reason, reason_size, "cannot run %s | %s: %s", cargv[0], writer_name(rm), strerror(-r));
                return r;
        }
        /* a writer gone early is the cause: the collector then dies of EPIPE */
        if (res.writer_early && res.writer == 0) {
                snprintf(reason, reason_size, "%s put exited before the end of the dump", writer_name(rm));
                return -EIO;
        }
        if (res.writer_early) {
                describe_status(res.writer, desc, sizeof desc);
                snprintf(reason, reason_size, "%s put %s", writer_name(rm), desc);
                return -EIO;
        }
        if (res.collector != 0) {
                describe_status(res.collector, desc, sizeof desc);
                snprintf(reason, reason_size, "core_collector %s %s", cargv[0], desc);
                return -EIO;
        }
        if (res.relay_failed) {
                snprintf(reason, reason_size, "cannot read the output of core_collector %s", cargv[0]);
                return -EIO;
        }
        if (res.writer != 0) {
                describe_status(res.writer, desc, sizeof desc);
                snprintf(reason, reason_size, "%s put %s", writer_name(rm), desc);
                return -EIO;
        }
        return 0;
}

static int collect_remote(const struct kdump_conf *c, const char *vmcore, char *reason, size_t reason_size) {
        _cleanup_(remote_done) struct remote rm = { .c = c };
        _cleanup_free_ char *host = NULL, *name = NULL;
        char status[16];
        bool raw = c->target.type == KDUMP_TARGET_RAW;
        int r, result;

        rm.config = getenv_default("KDUMP_CONF", KDUMP_CONF_PATH);
        if (asprintf(&rm.writer, "%s/kdump-%s-writer", getenv_default("KDUMP_LIBEXECDIR", LIBEXECDIR),
                     kdump_target_type_to_string(c->target.type)) < 0) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        if (!find_in_path(rm.writer)) {
                snprintf(reason, reason_size, "%s is not in the image", rm.writer);
                return -ENOENT;
        }

        if (!raw) {
                r = remote_host_part(c, &host);
                if (r < 0) {
                        snprintf(reason, reason_size, "out of memory");
                        return r;
                }
                r = dump_dir_name(host, capture_time(), &name);
                if (r < 0) {
                        snprintf(reason, reason_size, "cannot name the dump directory: %s", strerror(-r));
                        return r;
                }
                r = remote_mkdir(&rm, name, reason, reason_size);
                if (r < 0)
                        return r;
        }
        if (remote_location(&rm) < 0) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        log_info("saving the dump to %s", rm.location);

        r = make_tmpdir(&rm);
        if (r < 0)
                log_warning_errno(r, "cannot create a scratch directory, dmesg and log not saved: %m");
        if (raw)
                log_info("a raw target holds the vmcore only: vmcore-dmesg.txt and kdump-capture.log not saved");
        else if (find_in_path("makedumpfile"))
                remote_save_dmesg(&rm, vmcore);
        else
                log_warning("makedumpfile is not in the image, vmcore-dmesg.txt not saved");

        result = remote_collector(&rm, vmcore, reason, reason_size);
        if (result == 0)
                log_notice("saved vmcore to %s", rm.location);

        if (c->kdump_post) {
                snprintf(status, sizeof status, "%d", result == 0 ? 0 : 1);
                (void) run_hook("kdump_post", c->kdump_post, status, rm.location);
        }
        if (!raw)
                remote_save_capture_log(&rm);
        return result == 0 ? 0 : -EIO;
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

        if (!arg_override_root && c->target.type != KDUMP_TARGET_FS && c->target.type != KDUMP_TARGET_ROOTFS)
                /* ssh, nfs, raw: no mount, the writer helpers store the dump */
                return collect_remote(c, vmcore, reason, reason_size);

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
        /* a writer that dies must not kill us: its status says what happened */
        (void) signal(SIGPIPE, SIG_IGN);
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
