/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the three dump writers (kdump-ssh-writer, kdump-nfs-writer,
 * kdump-raw-writer) share: the command line the collector uses, the config,
 * logging, retry timing, progress lines and a watchdog on network calls.
 *
 *   WRITER [--config FILE] mkdir DIRNAME
 *   WRITER [--config FILE] put [--flattened] DIRNAME NAME   < data
 *   kdump-raw-writer [--config FILE] put [--flattened]       < data
 *   WRITER [--config FILE] probe
 *
 * `probe` is for kdumpctl time: one bounded attempt to reach the target,
 * create <path>, write and remove a file there, then one line on stdout,
 * `free_bytes=N` or `free_bytes=unknown`.  A writer offers it by registering
 * a function with flat_writer_set_probe(); the others answer exit 2.
 *
 * Exit codes: 0 done, 1 failed (a partial file keeps its -incomplete name),
 * 2 probe not supported by this writer, 3 mkdir found DIRNAME already there
 * (pick another name).
 */

#include <stdbool.h>
#include <stdint.h>

#include "kdump-conf.h"

enum {
        FLAT_EXIT_OK = 0,
        FLAT_EXIT_FAILURE = 1,
        FLAT_EXIT_UNSUPPORTED = 2,
        FLAT_EXIT_EXISTS = 3,
};

enum flat_verb {
        FLAT_VERB_MKDIR,
        FLAT_VERB_PUT,
        FLAT_VERB_PROBE,        /* never returned: flat_writer_init() runs it */
};

struct flat_args {
        const char *config;
        enum flat_verb verb;
        bool flattened;
        const char *dirname;    /* NULL for the raw writer */
        const char *name;
};

/* The writer's `probe`: returns the exit code (FLAT_EXIT_OK or _FAILURE). */
typedef int (*flat_probe_fn)(const struct flat_args *a);

/* Registers the writer's probe; call before flat_writer_init().  Without
 * one, `probe` says "probe not supported" and exits FLAT_EXIT_UNSUPPORTED. */
void flat_writer_set_probe(flat_probe_fn fn);

/* Sets up logging (console + kmsg when KDUMP_CAPTURE=1, else stderr) and
 * parses the command line; `with_dirs` is false for the raw writer, which
 * only knows `put [--flattened]` (and `probe`).  Returns 0, or <0 after
 * printing usage; `probe` does not return (it exits with the probe's code). */
int flat_writer_init(int argc, char **argv, bool with_dirs, struct flat_args *ret);

/* Loads the config leniently, logging its diagnostics. */
int flat_writer_load_config(const struct flat_args *a, struct kdump_conf **ret);

/* A path component we are willing to create: non-empty, no '/', not . or .. */
bool flat_name_valid(const char *s);

/* An environment override in whole seconds (tests shorten timeouts), or def. */
unsigned flat_env_secs(const char *name, unsigned def);

/* Monotonic seconds. */
double flat_now(void);

/* Retry pacing while the network comes up: sleeps before the next attempt
 * (1 s, 2 s, 4 s, ... capped at 8 s) and returns false once `deadline`
 * (flat_now() based) would be passed. */
bool flat_backoff(unsigned attempt, double deadline);

/* Bounds one network operation: after `secs` seconds without it returning
 * the process says so on stderr and exits 1 (the library may be stuck where
 * its own timeout does not reach).  0 disarms. */
void flat_watchdog(unsigned secs);

/* Progress lines on stderr every ~5 s, and a summary at the end. */
struct flat_progress {
        double start, last;
        uint64_t bytes;
};
void flat_progress_init(struct flat_progress *p);
void flat_progress_update(struct flat_progress *p, uint64_t bytes);
void flat_progress_done(struct flat_progress *p, const char *what);
