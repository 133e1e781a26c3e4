/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-collect [--target-root DIR]
 *
 * Saves the crashed kernel's memory, run by kdump-capture.service in the
 * capture initramfs.  One flow for every target, over a sink: a mounted file
 * system (the generator's units mount it), or a writer program for ssh, nfs
 * and raw targets (LIBEXECDIR/kdump-{ssh,nfs,raw}-writer, no mount):
 *
 *   1. kdump_pre (a non-zero exit declines the dump: exit 0, final_action)
 *   2. a new dump directory <path>/<host>-<YYYY-MM-DD-HH:MM:SS>/, mode 0700;
 *      when that name exists (two dumps in one second, a clock reset), the
 *      next free of "-1" ... "-99" is taken: an earlier dump is never reused.
 *      <host> is the host name on a file system, this machine's address on
 *      the route to the server for ssh and nfs (Fedora's <host-ip>-<date>).
 *      A raw device holds one dump and nothing else: no directory, no files
 *      besides the vmcore.
 *   3. vmcore-dmesg.txt (makedumpfile --dump-dmesg; a failure here is only a
 *      warning)
 *   4. the vmcore: core_collector ARGS... /proc/vmcore FILE on a file system;
 *      for a writer, the collector's stdout relayed by us into `writer put`
 *      (makedumpfile gets -F, cp and scp become cat; relay.c).  The dump is
 *      committed in one place, save_vmcore(), and only when the collector
 *      exited 0, made progress within stall_timeout, and every byte reached
 *      the sink: fsync and rename of vmcore-incomplete on a file system, the
 *      COMMIT line a writer waits for (flat-writer.h).  Anything else leaves
 *      the -incomplete name (raw: no header).
 *   5. kdump_post STATUS LOCATION (STATUS: 0 saved; the collector's status
 *      when it failed, 128+N when killed by signal N; 1 when it succeeded
 *      but the dump could not be stored)
 *   6. kdump-capture.log: journalctl -b, else the kernel log from /dev/kmsg
 *
 * Small files are made where the sink says (the dump directory, or a tmpfs
 * scratch directory under /run for a writer, then `writer put`) as
 * NAME-incomplete and committed like the vmcore.  The location in messages
 * and for kdump_post is the directory, ssh://USER@HOST/PATH/DIR,
 * nfs://HOST/EXPORT/PATH/DIR or raw:DEVICE.
 *
 * Files are 0600, directories 0700 (umask 077).  Exit status: 0 when the
 * dump was saved (or kdump_pre declined it), 1 when it failed (the unit's
 * OnFailure= then runs the failure action), 2 on bad usage.
 *
 * --target-root DIR writes under DIR instead of the dump target mount; the
 * failure action dump_to_rootfs uses it with /run/kdump/rootfs, and
 * `kdumpctl savecore` (a capture kernel that booted the root file system)
 * with / and KDUMP_ROOT_FS.  kdump_pre is not run again then.
 *
 * Environment, for tests: KDUMP_CONF, KDUMP_VMCORE, KDUMP_TARGET_ROOT (also
 * skips the mount point check), KDUMP_NOW (epoch seconds), KDUMP_HOSTNAME,
 * KDUMP_KMSG (file read instead of /dev/kmsg), KDUMP_LOG_STDERR=1 (log to
 * stderr instead of the console and kmsg), KDUMP_LIBEXECDIR (where the
 * writers are), KDUMP_RUNTIME_DIR (/run: the scratch directory's parent),
 * KDUMP_STALL_SECS (overrides stall_timeout, so tests can be quick),
 * KDUMP_ROOT_FS=1|0 (whether the dump directory is on the machine's root
 * file system, for its 5% reserve; kdumpctl savecore sets it).
 * Programs are found via PATH.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "cmdline.h"
#include "conf-diags.h"
#include "dumpdir.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"
#include "relay.h"
#include "run.h"
#include "strv.h"
#include "vmcoreinfo.h"

#define HOOK_TIMEOUT_SEC 1800           /* kdump_pre, kdump_post */
#define DMESG_TIMEOUT_SEC 300
#define JOURNAL_TIMEOUT_SEC 60
#define KMSG_MAX (8 * 1024 * 1024)
#define DIR_SUFFIX_MAX 99
/* writer mkdir, and put of small files: past the writers' own retries (up
 * to 660 s while an ssh server turns connections away) */
#define WRITER_TIMEOUT_SEC 900
/* the writer's fsync/COMMIT and rename after the data: this, plus a second
 * per 8 MiB (kdump_sync_secs) */
#define WRITER_FINISH_BASE_SEC 300
/* what a dump leaves free on the machine's root file system: the next boot
 * needs room (5% of it, at most 256 MiB) */
#define ROOT_KEEP_FREE_MAX (256ULL << 20)
#define ROOT_KEEP_FREE_PERCENT 5

static const char *arg_target_root;
static bool arg_override_root;          /* --target-root */
static bool arg_check_mount = true;

static const char *getenv_default(const char *name, const char *def) {
        const char *e = secure_getenv(name);

        return e && *e ? e : def;
}

static int host_name(char **ret);
static time_t capture_time(void);

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

/* mkdir -p of `path` below the directory `root_fd`, never following a
 * symlink: kdumpctl resolved every link of path in the running system, so a
 * link met here (or ".." ) would lead out of the target, or somewhere the
 * running system does not look.  New components get 0700.  Returns the
 * opened directory; on failure *ret_at names the component. */
static int open_beneath(int root_fd, const char *path, const char **ret_at) {
        _cleanup_free_ char *p = strdup(path);
        _cleanup_close_ int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        char *save = NULL;

        *ret_at = path;
        if (!p || fd < 0)
                return p ? negative_errno() : -ENOMEM;
        for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int nfd;

                *ret_at = path + (c - p);
                if (streq(c, "."))
                        continue;
                if (streq(c, ".."))
                        return -EXDEV;
                if (mkdirat(fd, c, DUMP_DIR_MODE) < 0 && errno != EEXIST)
                        return negative_errno();
                nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0) {
                        struct stat st;
                        int e = errno;

                        /* O_DIRECTORY|O_NOFOLLOW on a link: ENOTDIR */
                        if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                                return -ELOOP;
                        return -e;
                }
                close(fd);
                fd = nfd;
        }
        return TAKE_FD(fd);
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

/* ---- ssh, nfs and raw targets: naming ------------------------------------------ */

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
        if (local_address_to(c->target->host, ret) == 0)
                return 0;
        log_info("no local address on the route to %s, naming the dump after the host name",
                 strempty(c->target->host));
        return host_name(ret);
}

/* "/var/crash/" -> "/var/crash", "/" -> "" */
static void strip_trailing_slashes(char *s) {
        for (size_t n = strlen(s); n > 0 && s[n - 1] == '/'; n--)
                s[n - 1] = '\0';
}


/* -i FILE for a makedumpfile that predates the crashed kernel's VMCOREINFO
 * names (vmcoreinfo.h), or NULL. */
static char *compat_vmcoreinfo;

static void prepare_makedumpfile_compat(const char *vmcore) {
        _cleanup_free_ char *info = NULL;
        int r = vmcoreinfo_read(vmcore, &info);

        if (r < 0)
                return;         /* makedumpfile says so itself */
        const char *dir = getenv_default("KDUMP_RUNTIME_DIR", "/run");

        r = vmcoreinfo_makedumpfile_compat(info, dir, &compat_vmcoreinfo);
        if (r < 0)
                log_warning_errno(r, "cannot write the VMCOREINFO entries makedumpfile may lack into %s, "
                                  "it may leave compound tail pages out: %m", dir);
        else if (r > 0)
                log_info("the crashed kernel's VMCOREINFO has page.compound_info (Linux 7.1 and later): "
                         "makedumpfile gets it under its old name too, with -i %s", compat_vmcoreinfo);
}

/* makedumpfile ARGS... -> makedumpfile -i FILE ARGS..., unless it is told
 * where its debug information comes from already (-i, -x) */
static int collector_compat(char ***argv) {
        const char *prog;
        size_t n;
        char **l;

        if (!compat_vmcoreinfo || !*argv || !(*argv)[0])
                return 0;
        prog = strrchr((*argv)[0], '/') ? strrchr((*argv)[0], '/') + 1 : (*argv)[0];
        if (!streq(prog, "makedumpfile") || strv_contains(*argv, "-i") || strv_contains(*argv, "-x"))
                return 0;
        /* two slots at the end, then ARGS... moved up behind argv[0] */
        if (strv_push(argv, "-i") < 0 || strv_push(argv, compat_vmcoreinfo) < 0)
                return -ENOMEM;
        l = *argv;
        n = strv_length(l);
        char *i = l[n - 2], *file = l[n - 1];
        memmove(l + 3, l + 1, (n - 3) * sizeof *l);
        l[1] = i;
        l[2] = file;
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
        if (collector_compat(&argv) < 0)
                return NULL;
        if (strv_push(&argv, vmcore) < 0)
                return NULL;
        return TAKE_PTR(argv);
}

/* ---- sinks: where a dump goes ----------------------------------------------- */

struct sink;

struct sink_ops {
        /* Creates the new dump directory `name`: 0, -EEXIST (the caller tries
         * the next name), other <0 with *reason set.  NULL: no directories. */
        int (*mkdir)(struct sink *s, const char *name, char *reason, size_t reason_size);
        /* Where a small file NAME is made before it is stored (*ret_path must
         * not exist), and storing it; NULL: the sink keeps the vmcore only. */
        int (*file_path)(struct sink *s, const char *name, char **ret_path);
        int (*file_store)(struct sink *s, const char *name, const char *path);
        /* The vmcore's data path (relay.h), argvs owned by the sink;
         * -ENOSPC: no room for a dump at all. */
        int (*vmcore_params)(struct sink *s, const char *vmcore, struct relay_params *p);
        /* Optional: after a failed dump. */
        void (*vmcore_failed)(struct sink *s);
        /* Makes a whole vmcore final: 0, or <0 with *reason set. */
        int (*vmcore_commit)(struct sink *s, struct relay *r, char *reason, size_t reason_size);
};

struct sink {
        const struct sink_ops *ops;
        const struct kdump_conf *c;
        char *host_part;                /* of the directory name */
        char *location;                 /* for messages and kdump_post */
        char **collector;               /* the vmcore's argvs */
        char **writer;

        /* a file system */
        char *base;                     /* <root><path>, for messages */
        int base_fd;                    /* its directory */
        char *dir;
        int dir_fd;
        uint64_t keep_free;             /* the root file system: bytes left free */
        const char *vmcore_partial;     /* vmcore-incomplete, relative to dir_fd (in collector) */

        /* a writer */
        const char *config;             /* its --config */
        char *program;                  /* LIBEXECDIR/kdump-<type>-writer */
        char *dirname;                  /* ssh, nfs: the new dump directory */
        char *tmpdir;                   /* tmpfs scratch for the small files */
        bool dump_failed;               /* the log after a failed dump gets short retries */
};

static void sink_done(struct sink *s) {
        if (s->dir_fd >= 0)
                close(s->dir_fd);
        if (s->base_fd >= 0)
                close(s->base_fd);
        if (s->tmpdir)
                (void) rmdir(s->tmpdir);
        free(s->host_part);
        free(s->location);
        strv_free(s->collector);
        strv_free(s->writer);
        free(s->base);
        free(s->dir);
        free(s->program);
        free(s->dirname);
        free(s->tmpdir);
}

static int remote_location(struct sink *rm) {
        const struct kdump_conf *c = rm->c;
        _cleanup_free_ char *path = strdup(*kdump_conf_target_path(c) ? kdump_conf_target_path(c) : KDUMP_DEFAULT_PATH);
        _cleanup_free_ char *export = strdup(strempty(c->target->export));
        bool v6 = c->target->host && strchr(c->target->host, ':');
        int r;

        if (!path || !export)
                return -ENOMEM;
        strip_trailing_slashes(path);
        strip_trailing_slashes(export);
        if (c->target->type == KDUMP_TARGET_SSH)
                r = asprintf(&rm->location, "ssh://%s%s%s%s%s%s/%s",
                             strempty(c->target->user), c->target->user ? "@" : "",
                             v6 ? "[" : "", strempty(c->target->host), v6 ? "]" : "", path, strempty(rm->dirname));
        else if (c->target->type == KDUMP_TARGET_NFS)
                r = asprintf(&rm->location, "nfs://%s%s%s%s%s/%s",
                             v6 ? "[" : "", strempty(c->target->host), v6 ? "]" : "",
                             export, path, strempty(rm->dirname));
        else
                r = asprintf(&rm->location, "raw:%s", strempty(c->target->device));
        return r < 0 ? -ENOMEM : 0;
}

/* -- a mounted file system: the collector writes the file itself -- */

static uint64_t free_bytes(int fd) {
        struct statvfs sv;

        return fstatvfs(fd, &sv) == 0 ? (uint64_t) sv.f_bavail * sv.f_frsize : UINT64_MAX;
}

/* A btrfs reports an anonymous device per subvolume in st_dev: its member
 * devices come from the btrfs ioctls instead. */
static bool btrfs_has_device(int fd, dev_t rdev) {
        struct btrfs_ioctl_fs_info_args fi = {};
        struct statfs sf;

        if (fstatfs(fd, &sf) < 0 || sf.f_type != BTRFS_SUPER_MAGIC || ioctl(fd, BTRFS_IOC_FS_INFO, &fi) < 0)
                return false;
        for (__u64 id = 0; id <= fi.max_id; id++) {
                struct btrfs_ioctl_dev_info_args di = { .devid = id };
                struct stat st;

                if (ioctl(fd, BTRFS_IOC_DEV_INFO, &di) == 0 && stat((const char *) di.path, &st) == 0 &&
                    S_ISBLK(st.st_mode) && st.st_rdev == rdev)
                        return true;
        }
        return false;
}

/* Whether the dump directory is on the first kernel's root file system: that
 * of kdump.root= (root= as kexec hid it), or dump_to_rootfs. */
static bool on_root_fs(int dir_fd) {
        _cleanup_free_ char *cmdline = NULL, *spec = NULL, *node = NULL;
        const char *e = secure_getenv("KDUMP_ROOT_FS");
        struct stat dir, dev;

        if (e && *e)
                return streq(e, "1");
        if (arg_override_root)
                return true;
        if (cmdline_read(&cmdline) < 0)
                return false;
        if (cmdline_get_key(cmdline, "kdump.root", &spec) <= 0 && cmdline_get_key(cmdline, "root", &spec) <= 0)
                return false;
        node = kdump_device_spec_to_node(spec);
        if (!node || fstat(dir_fd, &dir) < 0 || stat(node, &dev) < 0 || !S_ISBLK(dev.st_mode))
                return false;
        return dev.st_rdev == dir.st_dev || btrfs_has_device(dir_fd, dev.st_rdev);
}

static int fs_mkdir(struct sink *s, const char *name, char *reason, size_t reason_size) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/%s", s->base, name) < 0) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        if (mkdirat(s->base_fd, name, DUMP_DIR_MODE) < 0) {
                if (errno == EEXIST)
                        return -EEXIST;
                snprintf(reason, reason_size, "cannot create a new directory %s: %s", p, strerror(errno));
                return negative_errno();
        }
        s->dir_fd = openat(s->base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s->dir_fd < 0) {
                snprintf(reason, reason_size, "cannot open %s: %s", p, strerror(errno));
                return negative_errno();
        }
        s->location = strdup(p);
        s->dir = TAKE_PTR(p);
        if (!s->location) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        if (on_root_fs(s->dir_fd)) {
                struct statvfs sv;

                if (fstatvfs(s->dir_fd, &sv) == 0) {
                        s->keep_free = (uint64_t) sv.f_blocks * sv.f_frsize / 100 * ROOT_KEEP_FREE_PERCENT;
                        if (s->keep_free > ROOT_KEEP_FREE_MAX)
                                s->keep_free = ROOT_KEEP_FREE_MAX;
                }
        }
        return 0;
}

static int fs_file_path(struct sink *s, const char *name, char **ret_path) {
        _cleanup_free_ char *incomplete = NULL;

        if (dump_incomplete_name(name, &incomplete) < 0 || asprintf(ret_path, "%s/%s", s->dir, incomplete) < 0)
                return -ENOMEM;
        return 0;
}

static int fs_file_store(struct sink *s, const char *name, const char *path) {
        return commit_file(s->dir_fd, strrchr(path, '/') + 1, name);
}

static int fs_vmcore_params(struct sink *s, const char *vmcore, struct relay_params *p) {
        _cleanup_free_ char *path = NULL;

        if (fs_file_path(s, "vmcore", &path) < 0)
                return -ENOMEM;
        s->collector = strv_copy(s->c->core_collector_argv);
        if (!s->collector || strv_length(s->collector) == 0 || collector_compat(&s->collector) < 0 ||
            strv_push(&s->collector, vmcore) < 0 || strv_push(&s->collector, path) < 0)
                return -ENOMEM;
        p->collector = s->collector;
        p->file_dir_fd = s->dir_fd;
        p->file_name = s->vmcore_partial = strrchr(s->collector[strv_length(s->collector) - 1], '/') + 1;
        if (s->keep_free > 0) {
                uint64_t avail = free_bytes(s->dir_fd);

                log_info("%" PRIu64 " MiB free on the root file system, the dump stops before less than %"
                         PRIu64 " MiB are left", avail >> 20, s->keep_free >> 20);
                if (avail <= s->keep_free)
                        return -ENOSPC;
                p->keep_free_fd = s->dir_fd;
                p->keep_free = s->keep_free;
        }
        return 0;
}

/* A failed dump on the root file system gives back what it took below the
 * reserve (the collector may have hit ENOSPC first): the partial stays,
 * shorter, and the next boot has room. */
static void fs_vmcore_failed(struct sink *s) {
        _cleanup_close_ int fd = -1;
        uint64_t avail;
        struct stat st;

        if (s->keep_free == 0)
                return;
        avail = free_bytes(s->dir_fd);
        if (avail >= s->keep_free)
                return;
        fd = openat(s->dir_fd, s->vmcore_partial, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0 || fstat(fd, &st) < 0)
                return;
        /* blocks, not the size: a sparse file gives back what it holds */
        uint64_t held = (uint64_t) st.st_blocks * 512, give = s->keep_free - avail + (1 << 20);
        uint64_t keep = held > give ? held - give : 0;

        if (keep > (uint64_t) st.st_size)
                keep = (uint64_t) st.st_size;
        if (ftruncate(fd, (off_t) keep) == 0 && fsync(fd) == 0)
                log_warning("the root file system was nearly full: %s/%s cut to %" PRIu64 " MiB, %" PRIu64
                            " MiB free again", s->dir, s->vmcore_partial, keep >> 20, free_bytes(s->dir_fd) >> 20);
}

static int fs_vmcore_commit(struct sink *s, struct relay *r _unused_, char *reason, size_t reason_size) {
        int k = commit_file(s->dir_fd, s->vmcore_partial, "vmcore");

        if (k < 0)
                snprintf(reason, reason_size, "cannot complete %s/vmcore: %s", s->dir, strerror(-k));
        return k;
}

static const struct sink_ops fs_sink_ops = {
        .mkdir = fs_mkdir,
        .file_path = fs_file_path,
        .file_store = fs_file_store,
        .vmcore_params = fs_vmcore_params,
        .vmcore_commit = fs_vmcore_commit,
        .vmcore_failed = fs_vmcore_failed,
};

/* Where the file system of the member in use is mounted: member i of a
 * chain at kdump_target_mount(i), or below KDUMP_TARGET_ROOT (tests) as
 * ROOT, ROOT-2, ...; --target-root is one place for one attempt. */
static const char *member_root(const struct kdump_conf *c) {
        static char buf[PATH_MAX];
        size_t i = (size_t) (c->target - c->targets);

        if (arg_override_root || i == 0)
                return arg_target_root;
        if (!streq(arg_target_root, KDUMP_TARGET_MOUNT)) {
                if (snprintf(buf, sizeof buf, "%s-%zu", arg_target_root, i + 1) >= (int) sizeof buf)
                        return NULL;
                return buf;
        }
        return kdump_target_mount(i, buf);
}

/* The dump target is a mounted file system (or --target-root). */
static int fs_sink_open(struct sink *s, char *reason, size_t reason_size) {
        int r;

        const char *root = member_root(s->c);
        const char *path = kdump_conf_target_path(s->c);

        if (!root) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        if (arg_check_mount && !is_mount_point(root)) {
                snprintf(reason, reason_size, "dump target %.200s is not mounted", root);
                return -ENOENT;
        }
        /* a mount of the wrong kind (a rootfstype= that was the capture
         * kernel's own once made the root file system's mount a ramfs) */
        if (arg_check_mount) {
                struct statfs sf;

                if (statfs(root, &sf) == 0 && (sf.f_type == RAMFS_MAGIC || sf.f_type == TMPFS_MAGIC)) {
                        snprintf(reason, reason_size, "dump target %.200s is a file system in memory (%s): a "
                                 "dump there would be gone at the reboot", root,
                                 sf.f_type == RAMFS_MAGIC ? "ramfs" : "tmpfs");
                        return -EMEDIUMTYPE;
                }
        }
        if (asprintf(&s->base, "%s%s", streq(root, "/") ? "" : root, path) < 0 ||
            host_name(&s->host_part) < 0) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        {
                _cleanup_close_ int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                const char *at = path;

                r = root_fd < 0 ? negative_errno() : open_beneath(root_fd, path, &at);
                if (r < 0) {
                        if (r == -ELOOP || r == -EXDEV)
                                snprintf(reason, reason_size,
                                         "cannot create %s: \"%s\" is a symbolic link or \"..\" below the target "
                                         "(kdumpctl resolves them; run kdumpctl rebuild)", s->base, at);
                        else
                                snprintf(reason, reason_size, "cannot create %s: %s", s->base, strerror(-r));
                        return r;
                }
                s->base_fd = r;
        }
        s->ops = &fs_sink_ops;
        return 0;
}

/* -- a writer: ssh, nfs, raw -- */

/* writer [--config FILE] VERB [--flattened] [DIRNAME [NAME]] */
static char **writer_argv(const struct sink *s, const char *verb, bool flattened, const char *name) {
        _cleanup_strv_free_ char **argv = NULL;

        if (strv_push(&argv, s->program) < 0 || strv_push(&argv, "--config") < 0 ||
            strv_push(&argv, s->config) < 0 || strv_push(&argv, verb) < 0 ||
            (flattened && strv_push(&argv, "--flattened") < 0) ||
            (s->dirname && strv_push(&argv, s->dirname) < 0) ||
            (name && strv_push(&argv, name) < 0))
                return NULL;
        return TAKE_PTR(argv);
}

static const char *writer_name(const struct sink *s) {
        const char *slash = strrchr(s->program, '/');

        return slash ? slash + 1 : s->program;
}

static int writer_mkdir(struct sink *s, const char *name, char *reason, size_t reason_size) {
        _cleanup_strv_free_ char **argv = NULL;
        char desc[128];
        int r;

        s->dirname = strdup(name);
        if (!s->dirname || !(argv = writer_argv(s, "mkdir", false, NULL))) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        r = spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = WRITER_TIMEOUT_SEC,
        });
        if (r == 0)
                return remote_location(s) < 0 ? -ENOMEM : 0;
        free(s->dirname);
        s->dirname = NULL;
        if (r == 3)
                return -EEXIST;
        describe_status(r, desc, sizeof desc);
        snprintf(reason, reason_size, "%s mkdir %s", writer_name(s), desc);
        return -EIO;
}

static int writer_file_path(struct sink *s, const char *name, char **ret_path) {
        if (!s->tmpdir)
                return -ENOENT;
        return asprintf(ret_path, "%s/%s", s->tmpdir, name) < 0 ? -ENOMEM : 0;
}

/* After a failed dump the server may be the reason: the capture log gets
 * one short try, not the writers' minutes of retries, so that the failure
 * action is not held up. */
static char **short_retry_env(void) {
        char **env = NULL;

        /* first: getenv() takes the first of a name; made anew each time,
         * since the environment names the member of the chain in use */
        if (strv_push(&env, "KDUMP_NET_RETRY_SECS=10") < 0 ||
            strv_push(&env, "KDUMP_NET_REFUSED_RETRY_SECS=10") < 0 || strv_extend(&env, environ) < 0) {
                strv_free(env);
                env = NULL;
        }
        return env;
}

/* writer put DIR NAME < FILE, committed: the file is whole */
static int writer_file_store(struct sink *s, const char *name, const char *path) {
        _cleanup_strv_free_ char **argv = writer_argv(s, "put", false, name);
        _cleanup_strv_free_ char **env = s->dump_failed ? short_retry_env() : NULL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int commit[2] = { -1, -1 }, r;
        char line[64];
        struct stat st;

        if (!argv)
                r = -ENOMEM;
        else if (fd < 0 || fstat(fd, &st) < 0)
                r = negative_errno();
        else if (pipe2(commit, O_CLOEXEC) < 0)
                r = negative_errno();
        else {
                /* a pipe holds the line until the writer reads it */
                int n = snprintf(line, sizeof line, "COMMIT %" PRIu64 "\n", (uint64_t) st.st_size);
                r = write(commit[1], line, (size_t) n) == n ? 0 : negative_errno();
                close(commit[1]);
                if (r == 0)
                        r = spawn_run(argv, &(const struct spawn_opts) {
                                .stdin_fd = fd, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                                .fd3 = commit[0], .timeout_sec = WRITER_TIMEOUT_SEC,
                                .envp = env,
                        });
                close(commit[0]);
        }
        (void) unlink(path);
        if (r != 0) {
                char desc[128];

                describe_status(r, desc, sizeof desc);
                log_warning("%s put %s %s", writer_name(s), name, desc);
                return r < 0 ? r : -EIO;
        }
        return 0;
}

static int writer_vmcore_params(struct sink *s, const char *vmcore, struct relay_params *p) {
        bool flattened = false;
        struct stat st;

        s->collector = pipe_collector_argv(s->c, vmcore, &flattened);
        if (!s->collector)
                return -ENOMEM;
        s->writer = writer_argv(s, "put", flattened, s->dirname ? "vmcore" : NULL);
        if (!s->writer)
                return -ENOMEM;
        p->collector = s->collector;
        p->writer = s->writer;
        /* an unfiltered copy is as large as /proc/vmcore */
        if (!flattened && streq(s->collector[0], "cat") && stat(vmcore, &st) == 0)
                p->expected = (uint64_t) st.st_size;
        return 0;
}

static int writer_vmcore_commit(struct sink *s, struct relay *r, char *reason, size_t reason_size) {
        unsigned timeout = kdump_sync_secs(WRITER_FINISH_BASE_SEC, r->bytes);
        char desc[128];
        int k;

        k = relay_commit(r, timeout);
        if (k == 0)
                return 0;
        describe_status(k, desc, sizeof desc);
        snprintf(reason, reason_size, "%s put %s after the data", writer_name(s), desc);
        return -EIO;
}

static const struct sink_ops writer_sink_ops = {
        .mkdir = writer_mkdir,
        .file_path = writer_file_path,
        .file_store = writer_file_store,
        .vmcore_params = writer_vmcore_params,
        .vmcore_commit = writer_vmcore_commit,
};

static const struct sink_ops raw_sink_ops = {
        .vmcore_params = writer_vmcore_params,
        .vmcore_commit = writer_vmcore_commit,
};

static int writer_sink_open(struct sink *s, char *reason, size_t reason_size) {
        bool raw = s->c->target->type == KDUMP_TARGET_RAW;
        int r;

        s->config = getenv_default("KDUMP_CONF", KDUMP_CONF_PATH);
        if (asprintf(&s->program, "%s/kdump-%s-writer", getenv_default("KDUMP_LIBEXECDIR", LIBEXECDIR),
                     kdump_target_type_to_string(s->c->target->type)) < 0) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        if (!find_in_path(s->program)) {
                snprintf(reason, reason_size, "%s is not in the image", s->program);
                return -ENOENT;
        }
        if (raw) {
                s->ops = &raw_sink_ops;
                log_info("a raw target holds the vmcore only: vmcore-dmesg.txt and kdump-capture.log not saved");
                return remote_location(s) < 0 ? -ENOMEM : 0;
        }
        r = remote_host_part(s->c, &s->host_part);
        if (r < 0) {
                snprintf(reason, reason_size, "out of memory");
                return r;
        }
        if (asprintf(&s->tmpdir, "%s/kdump-collect.XXXXXX", getenv_default("KDUMP_RUNTIME_DIR", "/run")) < 0) {
                snprintf(reason, reason_size, "out of memory");
                return -ENOMEM;
        }
        if (!mkdtemp(s->tmpdir)) {
                log_warning_errno(errno, "cannot create a scratch directory, dmesg and log not saved: %m");
                free(s->tmpdir);
                s->tmpdir = NULL;
        }
        s->ops = &writer_sink_ops;
        return 0;
}

/* ---- the flow ----------------------------------------------------------------- */

/* A new directory, never an existing one: NAME, NAME-1 ... NAME-99. */
static int sink_new_dir(struct sink *s, char *reason, size_t reason_size) {
        _cleanup_free_ char *name = NULL;
        int r;

        r = dump_dir_name(s->host_part, capture_time(), &name);
        if (r < 0) {
                snprintf(reason, reason_size, "cannot name the dump directory: %s", strerror(-r));
                return r;
        }
        for (unsigned i = 0; i <= DIR_SUFFIX_MAX; i++) {
                _cleanup_free_ char *d = NULL;

                if ((i == 0 ? asprintf(&d, "%s", name) : asprintf(&d, "%s-%u", name, i)) < 0) {
                        snprintf(reason, reason_size, "out of memory");
                        return -ENOMEM;
                }
                r = s->ops->mkdir(s, d, reason, reason_size);
                if (r != -EEXIST)
                        return r;
                log_info("dump directory %s exists already, trying the next name", d);
        }
        snprintf(reason, reason_size, "cannot create a new dump directory %s: all names up to -%d exist", name,
                 DIR_SUFFIX_MAX);
        return -EEXIST;
}

/* A small file made by `make` at a path, then stored; failures are warnings. */
static void sink_save_file(struct sink *s, const char *name, int (*make)(const char *path, const void *arg),
                           const void *arg) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (!s->ops->file_path)
                return;
        r = s->ops->file_path(s, name, &path);
        if (r < 0) {
                log_warning_errno(r, "no place for %s, not saved: %m", name);
                return;
        }
        if (make(path, arg) < 0) {
                (void) unlink(path);
                return;
        }
        r = s->ops->file_store(s, name, path);
        if (r < 0)
                log_warning_errno(r, "cannot complete %s/%s, continuing: %m", s->location, name);
        else
                log_info("saved %s/%s", s->location, name);
}

static int make_dmesg(const char *path, const void *vmcore) {
        return dump_dmesg(vmcore, path);
}

static int make_capture_log(const char *path, const void *arg _unused_) {
        int r = capture_log_to(AT_FDCWD, path);

        if (r < 0)
                log_warning_errno(r, "cannot write %s, ignoring: %m", path);
        return r;
}

/* The capture's outcome, for the next boot's `kdumpctl status`
 * (kdump-capture.status beside the dump; key=value lines). */
struct outcome {
        int status;                     /* as kdump_post gets it */
        const char *reason;
        const char *location;
        const char *collector;
        uint64_t bytes;
        double secs;
        /* a chain: which member this is, and why the earlier ones failed */
        size_t member, n_members;
        char * const *earlier;
};

static int make_status(const char *path, const void *arg) {
        const struct outcome *o = arg;
        _cleanup_fclose_ FILE *f = NULL;
        int fd;

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, DUMP_FILE_MODE);
        if (fd < 0)
                return log_warning_errno(errno, "cannot create %s: %m", path);
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return -ENOMEM;
        }
        fprintf(f, "result=%s\n", o->status == 0 ? "saved" : "failed");
        fprintf(f, "status=%d\n", o->status);
        if (o->status != 0)
                fprintf(f, "reason=%s\n", o->reason);
        fprintf(f, "location=%s\n", o->location);
        fprintf(f, "core_collector=%s\n", o->collector);
        fprintf(f, "bytes=%" PRIu64 "\n", o->bytes);
        fprintf(f, "seconds=%.1f\n", o->secs);
        fprintf(f, "time=%lld\n", (long long) capture_time());
        if (o->n_members > 1) {
                fprintf(f, "target=%zu of %zu\n", o->member + 1, o->n_members);
                for (size_t i = 0; o->earlier && o->earlier[i]; i++)
                        fprintf(f, "earlier_target_%zu=%s\n", i + 1, o->earlier[i]);
        }
        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

static unsigned stall_secs(const struct kdump_conf *c) {
        const char *e = secure_getenv("KDUMP_STALL_SECS");
        char *end;
        unsigned long v;

        if (e && *e) {
                v = strtoul(e, &end, 10);
                if (*end == '\0' && v > 0 && v <= KDUMP_STALL_TIMEOUT_MAX)
                        return (unsigned) v;
        }
        return c->stall_timeout;
}

/* The vmcore, committed here and nowhere else.  Returns 0 when saved, else
 * the status for kdump_post (>0) with *reason set. */
static int save_vmcore(struct sink *s, const char *vmcore, char *reason, size_t reason_size,
                       struct outcome *o) {
        struct relay_params p = { .file_dir_fd = -1, .keep_free_fd = -1, .stall_secs = stall_secs(s->c) };
        struct relay r;
        char desc[128];
        int k;

        k = s->ops->vmcore_params(s, vmcore, &p);
        if (k == -ENOSPC) {
                snprintf(reason, reason_size, "no room for a dump on the root file system: %" PRIu64
                         " MiB free, %" PRIu64 " MiB must stay free", free_bytes(s->dir_fd) >> 20, s->keep_free >> 20);
                return 1;
        }
        if (k < 0) {
                snprintf(reason, reason_size, "out of memory");
                return 1;
        }
        log_info("saving vmcore with %s to %s", s->c->core_collector, s->location);
        k = relay_run(&p, &r);
        if (k >= 0) {
                o->bytes = r.bytes;
                o->secs = r.secs;
        }
        if (k < 0) {
                snprintf(reason, reason_size, "cannot run %s%s%s: %s", p.collector[0], p.writer ? " | " : "",
                         p.writer ? writer_name(s) : "", strerror(-k));
                return 1;
        }
        log_info("peak memory during collection: MemAvailable min %lu kB of MemTotal %lu kB",
                 r.mem_available_min_kb, r.mem_total_kb);
        if (r.mem_peak_detail[0])
                log_info("memory at that low: %s", r.mem_peak_detail);

        if (relay_complete(&r)) {
                k = s->ops->vmcore_commit(s, &r, reason, reason_size);
                if (k < 0)
                        return 1;
                log_notice("saved vmcore to %s (%.1f MiB in %.1f s)", s->location,
                           (double) r.bytes / (1024.0 * 1024.0), r.secs);
                return 0;
        }
        relay_abort(&r);
        if (s->ops->vmcore_failed)
                s->ops->vmcore_failed(s);

        /* the first cause: a stall, a writer gone (the collector then dies of
         * EPIPE), the collector, the relay, an empty dump */
        if (r.no_space)
                snprintf(reason, reason_size, "the root file system is nearly full, %s stopped to keep %" PRIu64
                         " MiB free (vmcore left incomplete)", p.collector[0], p.keep_free >> 20);
        else if (r.stalled)
                snprintf(reason, reason_size, "no progress for %u s, %s stopped (vmcore left incomplete)",
                         p.stall_secs, p.collector[0]);
        else if (r.writer_gone) {
                describe_status(r.writer, desc, sizeof desc);
                snprintf(reason, reason_size, "%s put %s before the end of the dump", writer_name(s),
                         r.writer == 0 ? "exited" : desc);
        } else if (r.collector != 0) {
                describe_status(r.collector, desc, sizeof desc);
                snprintf(reason, reason_size, "core_collector %s %s", p.collector[0], desc);
        } else if (r.read_failed)
                snprintf(reason, reason_size, "cannot read the output of core_collector %s", p.collector[0]);
        else
                snprintf(reason, reason_size, "core_collector %s exited 0 but wrote nothing", p.collector[0]);
        return r.collector > 0 ? r.collector : 1;
}

/* One attempt, on the member in use.  kdump_post runs once, after the last
 * attempt (`last`: this one saved the dump or no member is left), with that
 * attempt's status. */
static int save_dump(const struct kdump_conf *c, const char *vmcore, char * const *earlier, bool last,
                     char *reason, size_t reason_size) {
        _cleanup_(sink_done) struct sink s = { .c = c, .dir_fd = -1, .base_fd = -1 };
        struct outcome o = {
                .collector = c->core_collector, .member = (size_t) (c->target - c->targets),
                .n_members = arg_override_root ? 1 : c->n_targets, .earlier = earlier,
        };
        bool remote = !arg_override_root && c->target->type != KDUMP_TARGET_FS &&
                      c->target->type != KDUMP_TARGET_ROOTFS;
        char status[16];
        int r, result;

        r = remote ? writer_sink_open(&s, reason, reason_size) : fs_sink_open(&s, reason, reason_size);
        if (r < 0)
                return -EIO;
        if (s.ops->mkdir && sink_new_dir(&s, reason, reason_size) < 0)
                return -EIO;
        log_info("saving the dump to %s", s.location);

        if (s.ops->file_path) {
                if (find_in_path("makedumpfile"))
                        sink_save_file(&s, "vmcore-dmesg.txt", make_dmesg, vmcore);
                else
                        log_warning("makedumpfile is not in the image, vmcore-dmesg.txt not saved");
        }

        result = save_vmcore(&s, vmcore, reason, reason_size, &o);
        s.dump_failed = result != 0;
        o.status = result;
        o.reason = reason;
        o.location = s.location;
        sink_save_file(&s, "kdump-capture.status", make_status, &o);

        if (c->kdump_post && (result == 0 || last)) {
                snprintf(status, sizeof status, "%d", result);
                (void) run_hook("kdump_post", c->kdump_post, status, s.location);
        }
        sink_save_file(&s, "kdump-capture.log", make_capture_log, NULL);
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

/* The members of the chain in the order written, until one saves a complete
 * dump; each attempt is bounded on its own (the generator's device and mount
 * waits, the writers' retries, the stall watchdog).  A failed member keeps
 * what it wrote under its -incomplete names. */
static int save_chain(struct kdump_conf *c, const char *vmcore, char *reason, size_t reason_size) {
        _cleanup_strv_free_ char **earlier = NULL;
        size_t n = arg_override_root ? 1 : c->n_targets;
        char index[24];
        int r = -EIO;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *why = NULL;

                (void) kdump_conf_select_target(c, i);
                snprintf(index, sizeof index, "%zu", i);
                /* the writers serve the member kdump-collect names */
                if (setenv(KDUMP_TARGET_INDEX_ENV, index, 1) < 0) {
                        snprintf(reason, reason_size, "out of memory");
                        return -ENOMEM;
                }
                if (n > 1)
                        log_notice("dump target %zu of %zu: %s %s", i + 1, n,
                                   c->target->fstype ? c->target->fstype : kdump_target_type_to_string(c->target->type),
                                   strempty(c->target->spec));
                r = save_dump(c, vmcore, earlier, i + 1 == n, reason, reason_size);
                if (r == 0 || n == 1)
                        break;
                if (asprintf(&why, "%s %s: %s",
                             c->target->fstype ? c->target->fstype : kdump_target_type_to_string(c->target->type),
                             strempty(c->target->spec), reason) < 0 || strv_push(&earlier, why) < 0) {
                        snprintf(reason, reason_size, "out of memory");
                        return -ENOMEM;
                }
                if (i + 1 < n)
                        log_warning("dump target %zu of %zu failed (%s), trying the next", i + 1, n, reason);
        }
        if (r < 0 && n > 1) {
                size_t off = (size_t) snprintf(reason, reason_size, "all %zu dump targets failed", n);

                for (size_t i = 0; earlier && earlier[i] && off < reason_size; i++)
                        off += (size_t) snprintf(reason + off, reason_size - off, "; %zu: %s", i + 1, earlier[i]);
        }
        return r;
}

static int collect(struct kdump_conf *c, char *reason, size_t reason_size) {
        const char *vmcore = getenv_default("KDUMP_VMCORE", KDUMP_VMCORE_PATH);
        int r;

        if (access(vmcore, R_OK) < 0) {
                snprintf(reason, reason_size, "cannot read %s: %s", vmcore, strerror(errno));
                return -EIO;
        }
        if (!arg_override_root && c->kdump_pre) {
                r = run_hook("kdump_pre", c->kdump_pre, NULL, NULL);
                if (r > 0) {
                        log_notice("kdump_pre declined the dump: no vmcore saved, carrying out final_action");
                        return 1;
                }
                if (r < 0)
                        log_warning("kdump_pre could not run, saving the dump anyway");
        }
        /* after kdump_pre: a declined dump leaves no file behind */
        prepare_makedumpfile_compat(vmcore);
        r = save_chain(c, vmcore, reason, reason_size);
        if (compat_vmcoreinfo)
                (void) unlink(compat_vmcoreinfo);
        free(compat_vmcoreinfo);
        compat_vmcoreinfo = NULL;
        return r;
}

int main(int argc, char *argv[]) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *e = secure_getenv("KDUMP_LOG_STDERR");
        char reason[2048] = "unknown error";
        int r;

        umask(077);
        /* one progress line for the pipe: ours (relay.c), not the writer's too */
        (void) setenv("KDUMP_WRITER_PROGRESS", "0", 1);
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
