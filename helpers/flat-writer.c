/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dumpdir.h"
#include "flat-writer.h"
#include "log.h"
#include "macro.h"

#define PROGRESS_INTERVAL 5.0
#define NET_RETRY_SECS 60
/* sshd's PerSourcePenalties bar an address for at most 600 s (max:600)
 * after its last penalty, and a refused connection adds none: past this, a
 * refusal is no penalty of ours. */
#define NET_REFUSED_RETRY_SECS 660
#define NET_IO_TIMEOUT_SECS 60
#define PROBE_IO_TIMEOUT_SECS 10        /* kdumpctl waits for the probe */

static flat_probe_fn probe_fn;

void flat_writer_set_probe(flat_probe_fn fn) {
        probe_fn = fn;
}

static void usage(FILE *f, bool with_dirs) {
        const char *p = program_invocation_short_name;

        if (with_dirs)
                fprintf(f,
                        "Usage: %1$s [--config FILE] mkdir DIRNAME\n"
                        "       %1$s [--config FILE] put [--flattened] DIRNAME NAME < DATA\n"
                        "       %1$s [--config FILE] probe\n",
                        p);
        else
                fprintf(f,
                        "Usage: %1$s [--config FILE] put [--flattened] < DATA\n"
                        "       %1$s [--config FILE] probe\n",
                        p);
}

bool flat_name_valid(const char *s) {
        return s && *s && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..") &&
               strlen(s) <= 255;
}

int flat_writer_init(int argc, char **argv, bool with_dirs, struct flat_args *ret) {
        static const struct option options[] = {
                { "config",    required_argument, NULL, 'c' },
                { "flattened", no_argument,       NULL, 'F' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        struct flat_args a = { .config = SYSCONFDIR "/kdump.conf" };
        const char *e;
        int c, nargs;

        e = secure_getenv("KDUMP_CAPTURE");
        log_setup(program_invocation_short_name,
                  e && streq(e, "1") ? LOG_TARGET_CONSOLE : LOG_TARGET_STDERR);

        /* "+": options end at the verb, so `put --flattened` is the verb's */
        while ((c = getopt_long(argc, argv, "+c:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        a.config = optarg;
                        break;
                case 'h':
                        usage(stdout, with_dirs);
                        exit(FLAT_EXIT_OK);
                default:
                        usage(stderr, with_dirs);
                        return -EINVAL;
                }
        if (optind >= argc)
                goto bad;

        if (streq(argv[optind], "mkdir") && with_dirs) {
                a.verb = FLAT_VERB_MKDIR;
                optind++;
                nargs = 1;
        } else if (streq(argv[optind], "put")) {
                a.verb = FLAT_VERB_PUT;
                optind++;
                if (optind < argc && streq(argv[optind], "--flattened")) {
                        a.flattened = true;
                        optind++;
                }
                nargs = with_dirs ? 2 : 0;
        } else if (streq(argv[optind], "probe")) {
                a.verb = FLAT_VERB_PROBE;
                optind++;
                nargs = 0;
        } else
                goto bad;

        if (argc - optind != nargs)
                goto bad;
        if (nargs >= 1) {
                a.dirname = argv[optind];
                if (!flat_name_valid(a.dirname))
                        return log_error_errno(EINVAL, "Invalid directory name '%s'.", a.dirname);
        }
        if (nargs >= 2) {
                a.name = argv[optind + 1];
                if (!flat_name_valid(a.name))
                        return log_error_errno(EINVAL, "Invalid file name '%s'.", a.name);
        }
        if (a.verb == FLAT_VERB_PROBE) {
                if (!probe_fn) {
                        log_error("probe not supported.");
                        exit(FLAT_EXIT_UNSUPPORTED);
                }
                exit(probe_fn(&a));
        }
        *ret = a;
        return 0;
bad:
        usage(stderr, with_dirs);
        return -EINVAL;
}

int flat_writer_load_config(const struct flat_args *a, struct kdump_conf **ret) {
        struct kdump_conf *c = NULL;
        const char *e;
        int r;

        r = kdump_conf_load(a->config, KDUMP_CONF_LENIENT, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to load %s: %m", a->config);
        /* lenient at crash time: report, keep going with what parsed */
        for (size_t i = 0; i < c->n_diags; i++)
                log_warning("%s:%u: %s, ignoring.", c->filename ? c->filename : a->config,
                            c->diags[i].line, c->diags[i].message);
        /* a chain: kdump-collect (and kdumpctl's probe) say which member */
        e = secure_getenv(KDUMP_TARGET_INDEX_ENV);
        if (e && *e) {
                char *end;
                unsigned long i = strtoul(e, &end, 10);

                if (*end != '\0' || kdump_conf_select_target(c, i) < 0) {
                        kdump_conf_free(c);
                        return log_error_errno(ERANGE, "%s=%s: %s has no such dump target.",
                                               KDUMP_TARGET_INDEX_ENV, e, a->config);
                }
        }
        *ret = c;
        return 0;
}

/* The config's `path` (KDUMP_DEFAULT_PATH without one), which must be
 * absolute, without trailing slashes. */
static int base_path(const struct kdump_conf *c, const char *config, char **ret) {
        const char *base = *kdump_conf_target_path(c) ? kdump_conf_target_path(c) : KDUMP_DEFAULT_PATH;
        char *p;

        if (base[0] != '/')
                return log_error_errno(EINVAL, "%s: path '%s' is not absolute.", config, base);
        p = strdup(base);
        if (!p)
                return log_oom();
        for (size_t n = strlen(p); n > 1 && p[n - 1] == '/'; n--)
                p[n - 1] = '\0';
        *ret = p;
        return 0;
}

unsigned flat_env_port(const char *name, unsigned def) {
        const char *e = secure_getenv(name);
        char *end;
        unsigned long p;

        if (!e)
                return def;
        errno = 0;
        p = strtoul(e, &end, 10);
        if (errno != 0 || !*e || *end || p == 0 || p > 65535) {
                log_warning("Invalid %s='%s', ignoring.", name, e);
                return def;
        }
        return (unsigned) p;
}

unsigned flat_env_secs(const char *name, unsigned def) {
        const char *e = secure_getenv(name);
        char *end;
        unsigned long v;

        if (!e || !*e)
                return def;
        errno = 0;
        v = strtoul(e, &end, 10);
        if (errno != 0 || *end || v > 24 * 3600) {
                log_warning("Invalid %s='%s', ignoring.", name, e);
                return def;
        }
        return (unsigned) v;
}

double flat_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

bool flat_backoff(unsigned attempt, double deadline) {
        double delay = attempt >= 4 ? 8.0 : (double) (1u << attempt), left = deadline - flat_now();
        struct timespec ts;

        if (left <= 0)
                return false;
        if (delay > left)
                delay = left;
        ts.tv_sec = (time_t) delay;
        ts.tv_nsec = (long) ((delay - (double) ts.tv_sec) * 1e9);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        return true;
}

int flat_await_commit(uint64_t bytes_in, const char *what) {
        char buf[64];
        size_t len = 0;
        double deadline = flat_now() + FLAT_COMMIT_TIMEOUT_SECS;
        unsigned long long n;
        char *end;

        for (;;) {
                struct pollfd p = { .fd = FLAT_COMMIT_FD, .events = POLLIN };
                double left = deadline - flat_now();
                ssize_t k;
                int r;

                if (len > 0 && buf[len - 1] == '\n')
                        break;
                if (left <= 0)
                        return log_error_errno(ETIMEDOUT, "No commit from kdump-collect in %d s, '%s' left incomplete.",
                                               FLAT_COMMIT_TIMEOUT_SECS, what);
                r = poll(&p, 1, (int) (left * 1000) + 1);
                if (r < 0 && errno != EINTR)
                        return log_error_errno(errno, "Cannot wait for the commit, '%s' left incomplete: %m", what);
                if (r <= 0)
                        continue;
                if (p.revents & POLLNVAL)
                        return log_error_errno(EBADF, "put needs the commit channel on fd %d, '%s' left incomplete.",
                                               FLAT_COMMIT_FD, what);
                k = read(FLAT_COMMIT_FD, buf + len, sizeof buf - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return log_error_errno(errno, "Cannot read the commit, '%s' left incomplete: %m", what);
                if (k == 0)
                        return log_error_errno(ECANCELED, "The data was not committed (the collector or kdump-collect failed), '%s' left incomplete.",
                                               what);
                len += (size_t) k;
                if (len == sizeof buf - 1)
                        break;
        }
        buf[len] = '\0';
        if (strncmp(buf, "COMMIT ", 7) != 0 || buf[len - 1] != '\n')
                return log_error_errno(EPROTO, "Malformed commit, '%s' left incomplete.", what);
        errno = 0;
        n = strtoull(buf + 7, &end, 10);
        if (errno != 0 || end == buf + 7 || *end != '\n')
                return log_error_errno(EPROTO, "Malformed commit, '%s' left incomplete.", what);
        if (n != bytes_in)
                return log_error_errno(EPIPE, "kdump-collect relayed %llu bytes but %llu arrived, '%s' left incomplete.",
                                       n, (unsigned long long) bytes_in, what);
        return 0;
}

static void watchdog_fired(int sig _unused_) {
        static const char msg[] = ": a network operation did not return in time, giving up.\n";
        const char *p = program_invocation_short_name;

        (void) !write(STDERR_FILENO, p, strlen(p));
        (void) !write(STDERR_FILENO, msg, sizeof msg - 1);
        _exit(FLAT_EXIT_FAILURE);
}

void flat_watchdog(unsigned secs) {
        static bool installed;

        if (!installed) {
                struct sigaction sa = { .sa_handler = watchdog_fired };
                sigaction(SIGALRM, &sa, NULL);
                installed = true;
        }
        alarm(secs);
}

void flat_progress_init(struct flat_progress *p) {
        *p = (struct flat_progress) { .start = flat_now() };
        p->last = p->start;
}

void flat_progress_update(struct flat_progress *p, uint64_t bytes) {
        static int quiet = -1;
        double now = flat_now();

        /* under kdump-collect, which prints one progress line for the pipe */
        if (quiet < 0)
                quiet = streq(strempty(secure_getenv("KDUMP_WRITER_PROGRESS")), "0");
        p->bytes = bytes;
        if (quiet || now - p->last < PROGRESS_INTERVAL)
                return;
        p->last = now;
        fprintf(stderr, "%s: %.1f MiB written (%.1f MiB/s)\n", program_invocation_short_name,
                (double) bytes / (1024.0 * 1024.0),
                (double) bytes / (1024.0 * 1024.0) / (now - p->start));
}

void flat_progress_done(struct flat_progress *p, const char *what) {
        double secs = flat_now() - p->start;

        fprintf(stderr, "%s: %s: %.1f MiB in %.1f s\n", program_invocation_short_name, what,
                (double) p->bytes / (1024.0 * 1024.0), secs);
}

/* A network writer's connection, as the shared code sees it. */
struct flat_fs {
        const struct flat_fs_ops *ops;
        void *fs;
        const char *host;       /* for messages */
};

/* base/name; base "/" gives "/name". */
static char *path_join(const char *base, const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s", streq(base, "/") ? "" : base, name) < 0)
                return NULL;
        return p;
}

static int flat_fs_mkdir_parents(const struct flat_fs *fs, const char *path) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (streq(path, "/"))
                return 0;
        p = strdup(path);
        if (!p)
                return log_oom();
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char saved = *s;
                *s = '\0';
                r = fs->ops->is_dir(fs->fs, p);
                if (r == -ENOTDIR)
                        return log_error_errno(r, "'%s' on %s is not a directory.", p, fs->host);
                if (r < 0)
                        return r;
                if (r == 0) {
                        /* -EEXIST: created meanwhile by someone else, fine */
                        r = fs->ops->mkdir(fs->fs, p);
                        if (r < 0 && r != -EEXIST)
                                return r;
                }
                *s = saved;
                if (saved == '\0')
                        break;
        }
        return 0;
}

static int flat_fs_mkdir(const struct flat_fs *fs, const char *base, const char *dirname) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = flat_fs_mkdir_parents(fs, base);
        if (r < 0)
                return r;
        path = path_join(base, dirname);
        if (!path)
                return log_oom();
        r = fs->ops->mkdir(fs->fs, path);
        if (r == -EEXIST) {
                log_error("'%s' exists already on %s.", path, fs->host);
                return r;
        }
        if (r < 0)
                return r;
        log_info("Created %s:%s", fs->host, path);
        return 0;
}

struct put_state {
        const struct flat_fs *fs;
        void *file;
        struct flat_progress progress;
};

static int put_write_at(void *userdata, uint64_t offset, const void *buf, size_t len) {
        struct put_state *st = userdata;

        return st->fs->ops->write_at(st->file, offset, buf, len);
}

static void put_progress(void *userdata, uint64_t bytes_in) {
        struct put_state *st = userdata;

        flat_progress_update(&st->progress, bytes_in);
}

static int flat_fs_put(const struct flat_fs *fs, const char *base, const struct flat_args *a) {
        _cleanup_free_ char *dir = NULL, *final = NULL, *partial = NULL, *incomplete = NULL;
        const struct flat_fs_ops *ops = fs->ops;
        struct put_state st = { .fs = fs };
        struct flat_stats stats = {};
        int r, fd = STDIN_FILENO;

        dir = path_join(base, a->dirname);
        if (!dir || dump_incomplete_name(a->name, &incomplete) < 0)
                return log_oom();
        final = path_join(dir, a->name);
        partial = path_join(dir, incomplete);
        if (!final || !partial)
                return log_oom();

        r = ops->exists(fs->fs, final);
        if (r < 0)
                return r;
        if (r > 0)
                return log_error_errno(EEXIST, "'%s' exists already on %s, refusing to overwrite it.",
                                       final, fs->host);

        r = ops->open(fs->fs, partial, false, &st.file);
        if (r < 0)
                return r;

        flat_progress_init(&st.progress);
        r = flat_copy(&(struct flat_copy_params) {
                        .flattened = a->flattened,
                        .read = flat_read_fd,
                        .read_userdata = &fd,
                        .write_at = put_write_at,
                        .progress = put_progress,
                        .userdata = &st,
                }, &stats);
        if (r >= 0 && ops->flush)
                r = ops->flush(st.file);
        if (r < 0) {
                if (r == -EBADMSG || r == -EPIPE || r == -ENODATA || r == -EFBIG)
                        log_error_errno(r, "Input is not a complete flattened dump (%s), '%s' left incomplete: %m",
                                        r == -EPIPE ? "cut short" : r == -ENODATA ? "empty" : "malformed",
                                        partial);
                else
                        log_error_errno(r, "Writing '%s' on %s failed, left incomplete: %m", partial, fs->host);
                goto fail;
        }
        if (stats.trailing)
                log_warning("Data after the flattened end marker, ignoring.");

        r = ops->fsync(st.file);
        if (r == -EOPNOTSUPP)
                log_warning("%s cannot fsync, renaming unsynced.", fs->host);
        else if (r < 0)
                goto fail;
        r = flat_await_commit(stats.bytes_in, partial);
        if (r < 0)
                goto fail;
        r = ops->close(TAKE_PTR(st.file));
        if (r < 0)
                goto fail;

        r = ops->rename_noreplace(fs->fs, partial, final);
        if (r < 0)
                goto fail;
        flat_progress_done(&st.progress, final);
        log_info("Saved %s:%s (%llu bytes).", fs->host, final, (unsigned long long) stats.end);
        return 0;
fail:
        if (st.file)
                ops->abort(st.file);
        return r < 0 ? r : -EIO;
}

/* A name no dump uses: ".kdump-probe-" and six random characters. */
static void probe_name(char ret[static 20]) {
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        unsigned char rnd[6];

        if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t) sizeof rnd)
                for (size_t i = 0; i < sizeof rnd; i++)
                        rnd[i] = (unsigned char) ((unsigned) getpid() * 31u + (unsigned) i * 7u + (unsigned) time(NULL));
        strcpy(ret, ".kdump-probe-");
        for (size_t i = 0; i < sizeof rnd; i++)
                ret[13 + i] = chars[rnd[i] % (sizeof chars - 1)];
        ret[19] = '\0';
}

static int flat_fs_probe(const struct flat_fs *fs, const char *base) {
        static const char payload[] = "kdumpctl probe: this file should have been removed\n";
        const struct flat_fs_ops *ops = fs->ops;
        _cleanup_free_ char *path = NULL;
        uint64_t free_bytes;
        void *file;
        char name[20];
        int r, q;

        r = flat_fs_mkdir_parents(fs, base);
        if (r < 0)
                return r;
        probe_name(name);
        path = path_join(base, name);
        if (!path)
                return log_oom();

        r = ops->open(fs->fs, path, true, &file);
        if (r < 0)
                return r;
        r = ops->write_at(file, 0, payload, sizeof payload - 1);
        if (r >= 0 && ops->flush)
                r = ops->flush(file);
        if (r >= 0) {
                r = ops->fsync(file);
                if (r == -EOPNOTSUPP)   /* put goes on without it, so may we */
                        r = 0;
        }
        if (r >= 0)
                r = ops->close(file);
        else
                ops->abort(file);
        /* whatever went wrong, leave no file behind */
        q = ops->unlink(fs->fs, path);
        if (r < 0)
                return r;
        if (q < 0)
                return q;

        if (ops->free_bytes(fs->fs, base, &free_bytes) < 0)
                printf("free_bytes=unknown\n");
        else
                printf("free_bytes=%llu\n", (unsigned long long) free_bytes);
        return fflush(stdout) == 0 ? 0 : log_error_errno(errno, "Cannot write to stdout: %m");
}

/* Connects as n says: while the network comes up, retrying for
 * n->retry_secs; while the server turns us away, for n->refused_retry_secs
 * from its first refusal; for a probe, once. */
static int net_connect(const struct flat_fs *fs, struct flat_net *n) {
        double start = flat_now(), deadline = start + n->retry_secs;
        bool refused = false;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                r = fs->ops->connect(fs->fs, n);
                if ((r != -EAGAIN && r != -EBUSY) || n->probe)
                        return r;
                fs->ops->disconnect(fs->fs);
                if (r == -EBUSY && !refused) {
                        refused = true;
                        if (flat_now() + n->refused_retry_secs > deadline)
                                deadline = flat_now() + n->refused_retry_secs;
                        log_info("%s turns connections away for now; waiting up to %.0f s for it.", n->target,
                                 deadline - flat_now());
                }
                if (!flat_backoff(attempt, deadline))
                        return log_error_errno(refused ? EBUSY : EHOSTUNREACH, "Giving up on %s after %.0f s.",
                                               n->target, flat_now() - start);
                log_info("Retrying %s...", n->target);
        }
}

/* flat_net_main()'s, for the probe that flat_writer_init() runs */
static const struct flat_fs_ops *net_ops;
static void *net_fs;
static enum kdump_target_type net_type;

static int net_run(const struct flat_args *a, bool probe) {
        _cleanup_kdump_conf_ struct kdump_conf *conf = NULL;
        _cleanup_free_ char *base = NULL;
        struct flat_fs fs = { .ops = net_ops, .fs = net_fs };
        struct flat_net n = { .probe = probe };
        int r;

        r = flat_writer_load_config(a, &conf);
        if (r < 0)
                return FLAT_EXIT_FAILURE;
        if (conf->target->type != net_type || !conf->target->host ||
            (net_type == KDUMP_TARGET_NFS && !conf->target->export)) {
                log_error("%s has no '%s' target.", a->config,
                          net_type == KDUMP_TARGET_NFS ? "nfs host:/export" : "ssh user@host");
                return FLAT_EXIT_FAILURE;
        }
        if (base_path(conf, a->config, &base) < 0)
                return FLAT_EXIT_FAILURE;
        n.conf = conf;
        n.retry_secs = flat_env_secs("KDUMP_NET_RETRY_SECS", NET_RETRY_SECS);
        n.refused_retry_secs = flat_env_secs("KDUMP_NET_REFUSED_RETRY_SECS", NET_REFUSED_RETRY_SECS);
        n.io_timeout_secs = flat_env_secs("KDUMP_NET_IO_TIMEOUT_SECS",
                                          probe ? PROBE_IO_TIMEOUT_SECS : NET_IO_TIMEOUT_SECS);
        if (n.io_timeout_secs == 0)
                n.io_timeout_secs = 1;
        fs.host = conf->target->host;

        r = net_connect(&fs, &n);
        if (r >= 0) {
                if (probe)
                        r = flat_fs_probe(&fs, base);
                else if (a->verb == FLAT_VERB_MKDIR)
                        r = flat_fs_mkdir(&fs, base, a->dirname);
                else
                        r = flat_fs_put(&fs, base, a);
        }
        fs.ops->disconnect(fs.fs);

        if (r == -EEXIST && !probe && a->verb == FLAT_VERB_MKDIR)
                return FLAT_EXIT_EXISTS;
        return r < 0 ? FLAT_EXIT_FAILURE : FLAT_EXIT_OK;
}

static int net_probe(const struct flat_args *a) {
        return net_run(a, true);
}

int flat_net_main(int argc, char **argv, const struct flat_fs_ops *ops, void *fs,
                  enum kdump_target_type type) {
        struct flat_args a;

        net_ops = ops;
        net_fs = fs;
        net_type = type;
        flat_writer_set_probe(net_probe);
        if (flat_writer_init(argc, argv, true, &a) < 0)
                return FLAT_EXIT_FAILURE;
        return net_run(&a, false);
}
