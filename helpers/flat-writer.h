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
 * `put` gives the file its final name (the raw writer: writes the header)
 * only on kdump-collect's word that the data is whole: "COMMIT <bytes>\n" on
 * fd 3 (FLAT_COMMIT_FD), sent after the collector exited 0 and every byte
 * was relayed.  The end of stdin alone commits nothing: when kdump-collect
 * fails or dies, fd 3 ends without that line and the dump stays incomplete.
 *
 * Exit codes: 0 done, 1 failed (a partial file keeps its -incomplete name),
 * 2 probe not supported by this writer, 3 mkdir found DIRNAME already there
 * (pick another name).
 */

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "flatten.h"
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

/* An environment override of a TCP port (tests run servers on their own), or def. */
unsigned flat_env_port(const char *name, unsigned def);

#define FLAT_COMMIT_FD 3
#define FLAT_COMMIT_TIMEOUT_SECS 120    /* after the end of stdin */

/* Waits for "COMMIT <bytes_in>\n" on FLAT_COMMIT_FD.  Returns 0, or a
 * negative errno after saying why (no commit, another byte count, no fd 3);
 * `what` names the file left incomplete. */
int flat_await_commit(uint64_t bytes_in, const char *what);

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

/* Progress lines on stderr every ~5 s (none with KDUMP_WRITER_PROGRESS=0,
 * which kdump-collect sets: it prints one line for the whole pipe), and a
 * summary at the end. */
struct flat_progress {
        double start, last;
        uint64_t bytes;
};
void flat_progress_init(struct flat_progress *p);
void flat_progress_update(struct flat_progress *p, uint64_t bytes);
void flat_progress_done(struct flat_progress *p, const char *what);

/*
 * A network writer (SFTP, NFS) is its backend's calls in a struct
 * flat_fs_ops and a main() that hands them to flat_net_main(), which does
 * the rest for every verb: command line, config, connection, mkdir, put and
 * probe.  So every writer keeps the same rules: a dump is written as
 * NAME-incomplete, synced, and renamed only after a clean finish, never over
 * an existing NAME.
 *
 * Each call logs its own failure, with what its library says, and returns
 * a negative errno; the exceptions say "not logged".  Every call is bounded
 * (the I/O timeout and flat_watchdog()).
 */

/* What connect() is to do, and what it tries. */
struct flat_net {
        const struct kdump_conf *conf;
        unsigned retry_secs;            /* KDUMP_NET_RETRY_SECS (60): retry for this long */
        unsigned refused_retry_secs;    /* KDUMP_NET_REFUSED_RETRY_SECS (660): after -EBUSY */
        unsigned io_timeout_secs;       /* KDUMP_NET_IO_TIMEOUT_SECS (60, probe 10), at least 1 */
        bool probe;                     /* kdumpctl's probe: one attempt, no retries */
        char target[512];               /* set by connect(): "host port N", "host:/export" */
};

struct flat_fs_ops {
        /* One attempt to connect, reading the writer's own environment too.
         * -EAGAIN: not reachable (yet), worth retrying (logged as a warning;
         * for a probe, also why it failed, as an error).  -EBUSY: the server
         * is up but turns connections away for now (sshd's PerSourcePenalties
         * or MaxStartups): retried for refused_retry_secs from the first such
         * answer (logged as for -EAGAIN). */
        int (*connect)(void *fs, struct flat_net *n);
        /* Before a retry and at the end, also after a failed connect(). */
        void (*disconnect)(void *fs);

        /* 1 a directory, 0 missing, -ENOTDIR something else (not logged) */
        int (*is_dir)(void *fs, const char *path);
        /* 1 something is there (a link is not followed), 0 missing */
        int (*exists)(void *fs, const char *path);
        /* mode DUMP_DIR_MODE; -EEXIST (not logged) when it was there already */
        int (*mkdir)(void *fs, const char *path);
        /* opens for writing, mode DUMP_FILE_MODE: `excl` creates a new file
         * only, else creates or truncates (a leftover of an earlier attempt) */
        int (*open)(void *fs, const char *path, bool excl, void **ret_file);
        /* on the file; may only queue the data (see flush) */
        flat_write_fn write_at;
        /* optional: waits until everything written is acknowledged */
        int (*flush)(void *file);
        /* -EOPNOTSUPP (not logged): the server cannot */
        int (*fsync)(void *file);
        /* closes and releases the file, also when closing fails */
        int (*close)(void *file);
        /* after a failure: releases the file without waiting long, errors ignored */
        void (*abort)(void *file);
        /* renames to a name that must not exist: never overwrites */
        int (*rename_noreplace)(void *fs, const char *from, const char *to);
        int (*unlink)(void *fs, const char *path);
        /* space free for us below path; <0 (not logged): unknown */
        int (*free_bytes)(void *fs, const char *path, uint64_t *ret);
};

/* The whole program of a network writer for a `type` target (host from the
 * config): returns its exit code.  `fs` is the writer's connection, first
 * argument of every op. */
int flat_net_main(int argc, char **argv, const struct flat_fs_ops *ops, void *fs,
                  enum kdump_target_type type);
