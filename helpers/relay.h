/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The data path of one dump, for kdump-collect: the core_collector alone
 * (it writes the file itself, on a mounted target), or the pipe
 * collector -> kdump-collect -> writer (ssh, nfs, raw).  relay_run()
 * supervises it until the collector has exited and, for a pipe, every byte
 * it wrote was handed on; the caller then either commits (relay_commit():
 * "COMMIT <bytes>" on the writer's fd 3, see flat-writer.h) or aborts.
 * Every error path kills both processes, so a writer never sees a commit it
 * should not.
 *
 * The stall watchdog: when no byte is written (the file does not grow) or
 * relayed for stall_secs, both processes are killed.  Before the first byte
 * the writer may still be connecting, with retries of its own: then the
 * limit is at least RELAY_FIRST_BYTE_SECS.
 *
 * On the machine's root file system the dump also stops before it leaves
 * less than keep_free bytes free there: the next boot needs room.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "memuse.h"

#define RELAY_FIRST_BYTE_SECS 900

struct relay_params {
        char **collector;               /* argv */
        char **writer;                  /* argv; NULL: the collector writes a file */
        int file_dir_fd;                /* no writer: the file being written ... */
        const char *file_name;          /* ... relative to file_dir_fd */
        unsigned stall_secs;
        uint64_t expected;              /* bytes expected in all, 0: unknown */
        int keep_free_fd;               /* >= 0: a directory on the file system that ... */
        uint64_t keep_free;             /* ... must keep this many bytes free (the root
                                         * file system): the dump stops there */
};

struct relay {
        /* the outcome of relay_run() */
        int collector;                  /* exit status as spawn_run() gives it */
        bool stalled;                   /* the watchdog killed both */
        bool no_space;                  /* stopped to keep keep_free bytes free */
        bool writer_gone;               /* the writer exited before its commit */
        int writer;                     /* its status then */
        bool read_failed;               /* reading the collector's output failed */
        uint64_t bytes;                 /* relayed, or the file's size */
        double secs;
        unsigned long mem_total_kb, mem_available_min_kb;
        char mem_peak_detail[MEMUSE_DETAIL_MAX];        /* memuse_detail() at that low */
        double mem_sampled, mem_detailed;               /* internal: when last read */

        /* internal: the writer, waiting for its commit */
        pid_t wpid;
        int commit_fd;
};

/* Runs the collector (and writer) to the end of the data.  Returns 0 with
 * the outcome in *r (the writer, if any, still waits for relay_commit() or
 * relay_abort()), or a negative errno when nothing could be started. */
int relay_run(const struct relay_params *p, struct relay *r);

/* Whether the data is whole: the collector exited 0, no stall, nothing lost
 * between the processes, and at least one byte. */
bool relay_complete(const struct relay *r);

/* Gives the writer its commit and waits for it (timeout_secs); returns its
 * exit status as spawn_run() gives it, -ETIMEDOUT after killing it. */
int relay_commit(struct relay *r, unsigned timeout_secs);

/* Kills a writer still waiting; idempotent. */
void relay_abort(struct relay *r);
