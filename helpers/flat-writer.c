/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flat-writer.h"
#include "log.h"
#include "macro.h"

#define PROGRESS_INTERVAL 5.0

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
        int r;

        r = kdump_conf_load(a->config, KDUMP_CONF_LENIENT, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to load %s: %m", a->config);
        /* lenient at crash time: report, keep going with what parsed */
        for (size_t i = 0; i < c->n_diags; i++)
                log_warning("%s:%u: %s, ignoring.", c->filename ? c->filename : a->config,
                            c->diags[i].line, c->diags[i].message);
        *ret = c;
        return 0;
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
        double now = flat_now();

        p->bytes = bytes;
        if (now - p->last < PROGRESS_INTERVAL)
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
