/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "memuse.h"
#include "relay.h"
#include "run.h"

#define POLL_MS 200
#define PROGRESS_EVERY_SECS 10
#define TAIL_SECS 60                    /* one side of the pipe, once the other is gone */
#define BUF_SIZE (128 * 1024)
#define MEM_SAMPLE_SECS 0.2
#define MEM_DETAIL_SECS 1.0

static double now_secs(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void close_fd(int *fd) {
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* MemAvailable as often as the bench's watcher of the peer samples it, so
 * that the two peaks compare; at a new low (at most once a second), what
 * holds the memory. */
static void sample_meminfo(struct relay *r, double now) {
        unsigned long total, avail;

        if (now - r->mem_sampled < MEM_SAMPLE_SECS)
                return;
        r->mem_sampled = now;
        if (memuse_meminfo(&total, &avail) < 0)
                return;
        r->mem_total_kb = total;
        if (r->mem_available_min_kb != 0 && avail >= r->mem_available_min_kb)
                return;
        r->mem_available_min_kb = avail;
        if (now - r->mem_detailed >= MEM_DETAIL_SECS) {
                r->mem_detailed = now;
                memuse_detail(r->mem_peak_detail, sizeof r->mem_peak_detail);
        }
}

/* One line at most every PROGRESS_EVERY_SECS: done, of what, time left. */
static void progress_line(const struct relay_params *p, uint64_t bytes, double elapsed) {
        double mib = (double) bytes / (1024.0 * 1024.0), rate = elapsed > 0 ? mib / elapsed : 0;

        if (p->expected > 0 && bytes > 0 && bytes <= p->expected && rate > 0) {
                double total = (double) p->expected / (1024.0 * 1024.0);
                log_info("saving vmcore: %.0f of %.0f MiB (%.0f%%), %.1f MiB/s, about %.0f s left",
                         mib, total, 100.0 * mib / total, rate, (total - mib) / rate);
        } else
                log_info("saving vmcore: %.0f MiB, %.1f MiB/s", mib, rate);
}

/* Progress of a file the collector writes: its size or its blocks change
 * (makedumpfile seeks). */
static uint64_t file_progress(const struct relay_params *p, uint64_t *size) {
        struct stat st;

        if (fstatat(p->file_dir_fd, p->file_name, &st, 0) < 0)
                return 0;
        *size = (uint64_t) st.st_size;
        return (uint64_t) st.st_size ^ ((uint64_t) st.st_blocks << 32);
}

static int start_pipe(const struct relay_params *p, struct relay *r, pid_t *cpid, int *in_fd, int *out_fd) {
        int in[2] = { -1, -1 }, out[2] = { -1, -1 }, commit[2] = { -1, -1 };
        int k;

        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(commit, O_CLOEXEC) < 0) {
                k = negative_errno();
                goto fail;
        }
        k = spawn_start(p->writer, &(const struct spawn_opts) {
                .stdin_fd = out[0], .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .fd3 = commit[0],
        }, &r->wpid);
        if (k < 0) {
                r->wpid = 0;
                goto fail;
        }
        close_fd(&out[0]);
        close_fd(&commit[0]);
        k = spawn_start(p->collector, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = in[1], .stderr_fd = SPAWN_INHERIT,
        }, cpid);
        if (k < 0) {
                relay_abort(r);
                goto fail;
        }
        close_fd(&in[1]);
        (void) fcntl(in[0], F_SETFL, O_NONBLOCK);
        (void) fcntl(out[1], F_SETFL, O_NONBLOCK);
        *in_fd = in[0];
        *out_fd = out[1];
        r->commit_fd = commit[1];
        return 0;
fail:
        for (int i = 0; i < 2; i++) {
                close_fd(&in[i]);
                close_fd(&out[i]);
                close_fd(&commit[i]);
        }
        return k;
}

int relay_run(const struct relay_params *p, struct relay *r) {
        _cleanup_free_ char *buf = NULL;
        int in = -1, out = -1, k;
        pid_t cpid;
        bool c_done = false, eof = p->writer == NULL;
        double start = now_secs(), last_change = start, last_line = start, c_deadline = 0;
        uint64_t mark = 0, size = 0;
        size_t len = 0, off = 0;

        *r = (struct relay) { .collector = -EIO, .wpid = 0, .commit_fd = -1,
                              .mem_sampled = -1e9, .mem_detailed = -1e9 };
        sample_meminfo(r, start);
        if (p->writer) {
                buf = malloc(BUF_SIZE);
                if (!buf)
                        return -ENOMEM;
                k = start_pipe(p, r, &cpid, &in, &out);
        } else
                k = spawn_start(p->collector, &(const struct spawn_opts) {
                        .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                }, &cpid);
        if (k < 0)
                return k;

        for (;;) {
                struct pollfd pf[2];
                nfds_t n = 0;
                double now;
                uint64_t m;
                unsigned limit;

                if (!c_done && spawn_try_reap(cpid, &r->collector) > 0)
                        c_done = true;
                if (r->wpid > 0 && spawn_try_reap(r->wpid, &r->writer) > 0) {
                        /* gone before its commit: it failed, whatever it says */
                        r->wpid = 0;
                        r->writer_gone = true;
                        close_fd(&out);
                        close_fd(&in);  /* the collector gets EPIPE */
                        eof = true;
                }
                if (c_done && ((eof && len == off) || r->collector != 0))
                        break;          /* a failed collector's rest is not worth sending */

                now = now_secs();
                sample_meminfo(r, now);
                m = p->writer ? r->bytes : file_progress(p, &size);
                if (m != mark) {
                        mark = m;
                        last_change = now;
                }
                if (!p->writer)
                        r->bytes = size;
                limit = r->bytes == 0 && p->stall_secs < RELAY_FIRST_BYTE_SECS ? RELAY_FIRST_BYTE_SECS
                                                                              : p->stall_secs;
                if (now - last_change >= limit) {
                        log_error("no progress for %u s (%" PRIu64 " bytes saved): stopping the dump", limit,
                                  r->bytes);
                        r->stalled = true;
                        break;
                }
                if (p->keep_free_fd >= 0 && !c_done) {
                        struct statvfs sv;

                        if (fstatvfs(p->keep_free_fd, &sv) == 0 &&
                            (uint64_t) sv.f_bavail * sv.f_frsize < p->keep_free) {
                                log_error("only %" PRIu64 " MiB left free, stopping the dump to keep %" PRIu64
                                          " MiB free for the next boot",
                                          (uint64_t) sv.f_bavail * sv.f_frsize >> 20, p->keep_free >> 20);
                                r->no_space = true;
                                break;
                        }
                }
                if (eof && !c_done) {
                        if (c_deadline == 0)
                                c_deadline = now + TAIL_SECS;
                        else if (now >= c_deadline) {
                                log_warning("%s did not exit after its output ended", p->collector[0]);
                                r->stalled = true;
                                break;
                        }
                }
                if (now - last_line >= PROGRESS_EVERY_SECS) {
                        progress_line(p, r->bytes, now - start);
                        last_line = now;
                }

                if (in >= 0 && len == off)
                        pf[n++] = (struct pollfd) { .fd = in, .events = POLLIN };
                if (out >= 0 && len > off)
                        pf[n++] = (struct pollfd) { .fd = out, .events = POLLOUT };
                if (n == 0) {
                        (void) poll(NULL, 0, POLL_MS / 10);     /* only waiting for an exit */
                        continue;
                }
                k = poll(pf, n, POLL_MS);
                if (k <= 0)
                        continue;

                if (in >= 0 && len == off) {
                        ssize_t got = read(in, buf, BUF_SIZE);

                        if (got > 0) {
                                len = (size_t) got;
                                off = 0;
                        } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                                if (got < 0) {
                                        log_warning_errno(errno, "cannot read from %s: %m", p->collector[0]);
                                        r->read_failed = true;
                                }
                                close_fd(&in);
                                eof = true;
                        }
                } else if (out >= 0 && len > off) {
                        ssize_t put = write(out, buf + off, len - off);

                        if (put > 0) {
                                off += (size_t) put;
                                r->bytes += (uint64_t) put;
                        } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
                                /* EPIPE: the writer is gone, reaped above */
                                close_fd(&out);
                                len = off = 0;
                        }
                }
        }

        if (!c_done) {
                spawn_kill(cpid);
                r->collector = 128 + SIGKILL;
        }
        if (!p->writer)
                (void) file_progress(p, &r->bytes);
        close_fd(&in);
        close_fd(&out);                 /* the end of the data: no commit yet */
        if (!relay_complete(r))
                relay_abort(r);
        r->secs = now_secs() - start;
        sample_meminfo(r, now_secs() + MEM_SAMPLE_SECS);
        return 0;
}

bool relay_complete(const struct relay *r) {
        return r->collector == 0 && !r->stalled && !r->no_space && !r->writer_gone && !r->read_failed &&
               r->bytes > 0;
}

int relay_commit(struct relay *r, unsigned timeout_secs) {
        char line[64];
        int n, status;
        double deadline = now_secs() + timeout_secs;

        if (r->wpid <= 0)
                return -ESRCH;
        n = snprintf(line, sizeof line, "COMMIT %" PRIu64 "\n", r->bytes);
        if (write(r->commit_fd, line, (size_t) n) != n) {
                log_warning_errno(errno, "cannot give the writer its commit: %m");
                relay_abort(r);
                return -EIO;
        }
        close_fd(&r->commit_fd);
        while (spawn_try_reap(r->wpid, &status) == 0) {
                if (now_secs() >= deadline) {
                        relay_abort(r);
                        return -ETIMEDOUT;
                }
                (void) poll(NULL, 0, POLL_MS / 10);
        }
        r->wpid = 0;
        return status;
}

void relay_abort(struct relay *r) {
        if (r->wpid > 0) {
                spawn_kill(r->wpid);
                r->wpid = 0;
        }
        close_fd(&r->commit_fd);
}
