/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-nfs-writer: saves a dump over NFS with libnfs, in user space: no
 * kernel NFS client, no mount.nfs, no rpcbind in the capture initramfs.
 *
 *   kdump-nfs-writer [--config FILE] mkdir DIRNAME
 *   kdump-nfs-writer [--config FILE] put [--flattened] DIRNAME NAME < DATA
 *   kdump-nfs-writer [--config FILE] probe
 *
 * Target `nfs host:/export` and `path` (a directory under the export) come
 * from kdump.conf.  Version: NFSv4 first (one TCP port, no portmapper), then
 * NFSv3 (needs the server's portmapper for MOUNT and NFS ports), both tried
 * on every attempt while the network comes up; KDUMP_NFS_VERSION=3|4 forces
 * one.  Tests: KDUMP_NFS_PORT and KDUMP_NFS_MOUNT_PORT (the server's NFS and
 * MOUNT ports: no portmapper needed; MOUNT only with KDUMP_NFS_PORT),
 * KDUMP_NET_RETRY_SECS (60), KDUMP_NET_IO_TIMEOUT_SECS (60; 10 for probe).
 *
 * `probe` is kdumpctl's check, made as at crash time but bounded: one
 * attempt (NFSv4, then NFSv3), no waiting for the network.  It creates <path>
 * if missing, creates, writes, syncs and removes a `.kdump-probe-XXXXXX` file
 * there, and prints `free_bytes=N` (what FSSTAT or the v4 space_avail
 * attribute says) or `free_bytes=unknown`.
 *
 * The verbs themselves are flat-writer.c's (flat_net_main), shared with
 * kdump-ssh-writer; this file holds the libnfs calls they make.
 *
 * Final name without overwriting: LINK -incomplete to NAME (fails if NAME
 * exists, atomically on the server), then REMOVE -incomplete.  If the server
 * cannot hard link, a check that NAME is absent and RENAME follow (not atomic
 * against a concurrent writer of the same name; the dump directory is ours).
 *
 * Exit codes: 0 done; 1 failed (a partial file keeps its -incomplete name);
 * 3 mkdir: DIRNAME exists already.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

#include "dumpdir.h"
#include "flat-writer.h"
#include "flatten.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"

static unsigned arg_io_timeout_secs = 60;
static unsigned arg_port;               /* 0: 2049 for v4, portmapper for v3 */
static unsigned arg_mount_port;         /* v3 MOUNT; 0: portmapper */
static int arg_version;                 /* 0: 4 then 3 */

struct nfs_conn {
        struct nfs_context *nfs;
        const char *host;
        int version;
        bool configured;        /* the environment is read */
};

#define WATCHDOG_SECS (arg_io_timeout_secs + 15)

/*
 * Writes go out through nfs_pwrite_async() with many in flight, from buffers
 * of our own ("slots"): libnfs may read a buffer until the WRITE's callback
 * (libnfs 6 sends it without copying; 4.0's NFSv3 page cache reads it in the
 * callback), while flat_copy() reuses its buffer as soon as write_at returns.
 *
 * Size of one WRITE: libnfs 4.0 (Debian 12) encodes every NFSv4 COMPOUND into
 * a fixed 4 KiB buffer, whatever the WRITE carries, and neither nfs_pwrite()
 * nor nfs_get_writemax() (0 for v4) knows: more than ~3.8 KiB fails with
 * "ZDR error: Failed to encode COMPOUND4args".  Record mark, call header,
 * AUTH_SYS "libnfs" credential, PUTFH with the largest (128-byte) v4 handle and
 * the WRITE arguments take at most 252 of those bytes; 3.5 KiB always fits.
 * libnfs 5.0 sizes that buffer by the payload (and added
 * LIBNFS_FEATURE_MULTITHREADING, which tells the two apart).  NFSv3 WRITEs
 * are sized by the payload in every version, up to nfs_get_writemax().
 */
/*
 * Where the payload may be large, a WRITE still carries at most 64 KiB: the
 * window is a fixed number of bytes, so the chunk decides how many WRITEs are
 * in flight, and makedumpfile -F alternates small descriptor records with
 * ~64 KiB page-data records at other offsets, each of which fills a WRITE of
 * its own.  With 1 MiB chunks two WRITEs were in flight and every record
 * waited for a round trip (0.9 MiB/s with libnfs 5.0 on Debian 13, against
 * 8 MiB/s with 256 small WRITEs in flight with libnfs 4.0 on Debian 12).
 */
#define NFS_CHUNK_MAX (64 * 1024)
#ifdef LIBNFS_FEATURE_MULTITHREADING
#define NFS4_WRITE_MAX NFS_CHUNK_MAX
#else
#define NFS4_WRITE_MAX 3584
#endif
#define NFS_WRITE_MAX NFS_CHUNK_MAX             /* NFSv3 (libnfs caps at NFS_MAX_XFER_SIZE, 1 MiB) */
#define NFS_WINDOW_BYTES (2 * 1024 * 1024)      /* in flight at most, */
#define NFS_SLOTS_MAX 256                       /* in at most this many WRITEs */

/* libnfs 6 (LIBNFS_API_V2) swapped nfs_pwrite_async's arguments: wrapped once. */
static int nfs_pwrite_start(struct nfs_context *nfs, struct nfsfh *fh, uint64_t offset, const void *buf,
                            size_t len, nfs_cb cb, void *userdata) {
#ifdef LIBNFS_API_V2
        return nfs_pwrite_async(nfs, fh, buf, len, offset, cb, userdata);
#else
        return nfs_pwrite_async(nfs, fh, offset, len, buf, cb, userdata);
#endif
}

static const char *nfs_error(struct nfs_conn *c) {
        const char *e = c->nfs ? nfs_get_error(c->nfs) : NULL;

        return e && *e ? e : "unknown error";
}

static void nfs_conn_close(struct nfs_conn *c) {
        if (c->nfs)
                nfs_destroy_context(c->nfs);
        c->nfs = NULL;
}

static int nfs_open_once(struct nfs_conn *c, const char *export, int version) {
        int r;

        c->nfs = nfs_init_context();
        if (!c->nfs)
                return log_oom();
        if (arg_port > 0) {
                /* the ports are only settable through URL arguments */
                char url[96];
                struct nfs_url *u;

                if (arg_mount_port > 0)
                        snprintf(url, sizeof url, "nfs://port/?nfsport=%u&mountport=%u", arg_port, arg_mount_port);
                else
                        snprintf(url, sizeof url, "nfs://port/?nfsport=%u", arg_port);
                u = nfs_parse_url_incomplete(c->nfs, url);
                if (!u)
                        return log_error_errno(EINVAL, "Cannot set NFS port %u: %s", arg_port, nfs_error(c));
                nfs_destroy_url(u);
        }
        nfs_set_version(c->nfs, version);     /* NFS_V3 == 3, NFS_V4 == 4 */
        nfs_set_timeout(c->nfs, (int) arg_io_timeout_secs * 1000);
        /* a lost connection is an error for us to see, not an endless loop */
        nfs_set_autoreconnect(c->nfs, 0);
        nfs_set_uid(c->nfs, 0);
        nfs_set_gid(c->nfs, 0);

        flat_watchdog(WATCHDOG_SECS);
        r = nfs_mount(c->nfs, c->host, export);
        flat_watchdog(0);
        if (r < 0) {
                log_warning("NFSv%d mount of %s:%s failed: %s", version, c->host, export, nfs_error(c));
                nfs_conn_close(c);
                return -EAGAIN;
        }
        c->version = version;
        return 0;
}

/* One attempt with each version allowed, NFSv4 first.  -EAGAIN: none mounted. */
static int nfs_open_any(struct nfs_conn *c, const char *export) {
        int r = -EAGAIN;

        if (arg_version != 3)
                r = nfs_open_once(c, export, 4);
        if (r == -EAGAIN && arg_version != 4)
                r = nfs_open_once(c, export, 3);
        return r;
}

/* 1 exists (ret_dir: a directory), 0 missing, <0 error. */
static int nfs_lookup(struct nfs_conn *c, const char *path, bool *ret_dir) {
        struct nfs_stat_64 st;
        int r;

        flat_watchdog(WATCHDOG_SECS);
        r = nfs_lstat64(c->nfs, path, &st);
        flat_watchdog(0);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "stat '%s' on %s failed: %s", path, c->host, nfs_error(c));
        if (ret_dir)
                *ret_dir = S_ISDIR(st.nfs_mode);
        return 1;
}

static int nfs_is_dir(void *userdata, const char *path) {
        bool dir = false;
        int r;

        r = nfs_lookup(userdata, path, &dir);
        if (r <= 0)
                return r;
        return dir ? 1 : -ENOTDIR;
}

static int nfs_exists(void *userdata, const char *path) {
        return nfs_lookup(userdata, path, NULL);
}

static int nfs_mkdir_one(void *userdata, const char *path) {
        struct nfs_conn *c = userdata;
        char msg[256];
        int r;

        flat_watchdog(WATCHDOG_SECS);
        r = nfs_mkdir2(c->nfs, path, DUMP_DIR_MODE);
        flat_watchdog(0);
        if (r == 0)
                return 0;
        /* the lookup below replaces libnfs's error string: keep this one */
        snprintf(msg, sizeof msg, "%s", nfs_error(c));
        if (nfs_lookup(c, path, NULL) > 0)
                return -EEXIST;
        return log_error_errno(r, "mkdir '%s' on %s failed: %s", path, c->host, msg);
}


struct nfs_out;

struct nfs_slot {
        struct nfs_out *out;
        char *buf;
        uint64_t offset;        /* where buf[0] goes */
        size_t len;             /* bytes in buf */
        size_t done;            /* of them acknowledged by the server */
        bool busy;              /* a WRITE is in flight: buf is libnfs's until its callback */
};

struct nfs_out {
        struct nfs_conn *conn;
        struct nfsfh *fh;
        const char *path;

        struct nfs_slot *slots;
        char *buffers;
        size_t chunk;           /* largest WRITE */
        unsigned n_slots, n_busy, next;
        struct nfs_slot *fill;  /* collecting contiguous data, not sent yet */
        uint64_t replies;
        uint64_t bytes;         /* handed to write_at: bounds the final COMMIT */
        double last_reply;      /* or when the pipeline last left idle */
        int error;              /* the first failure, negative errno */
        char error_msg[256];
        bool broken;            /* the connection is not usable any more */
};

static void nfs_out_fail(struct nfs_out *o, int error, const char *msg) {
        if (o->error < 0)
                return;
        o->error = error < 0 ? error : -EIO;
        snprintf(o->error_msg, sizeof o->error_msg, "%s", msg && *msg ? msg : strerror(-o->error));
}

static int nfs_slot_send(struct nfs_slot *s);

/* libnfs's callback: status is the count written or a negative errno, then
 * data is the error string (only valid now). */
static void nfs_slot_done(int status, struct nfs_context *nfs _unused_, void *data, void *userdata) {
        struct nfs_slot *s = userdata;
        struct nfs_out *o = s->out;

        s->busy = false;
        o->n_busy--;
        o->replies++;
        o->last_reply = flat_now();
        if (status == -EINTR || status == -ETIMEDOUT || status == -EFAULT) {
                /* libnfs's timeout (4.0 says EINTR: we cancel nothing while
                 * writing), or an RPC failure rather than an NFS error */
                nfs_out_fail(o, status == -EFAULT ? -EIO : -ETIMEDOUT, data);
                o->broken = true;
        } else if (status < 0)
                nfs_out_fail(o, status, data);
        else if (status == 0 || (size_t) status > s->len - s->done)
                nfs_out_fail(o, -EIO, "server acknowledged a WRITE with a wrong count");
        else {
                s->done += (size_t) status;
                /* a short write: the rest goes out at once, still ahead of any
                 * newer overlapping data, which waits for this slot */
                if (s->done < s->len && o->error == 0)
                        (void) nfs_slot_send(s);
        }
}

static int nfs_slot_send(struct nfs_slot *s) {
        struct nfs_out *o = s->out;
        int r;

        if (o->n_busy == 0)
                o->last_reply = flat_now();     /* the I/O timeout runs from here */
        r = nfs_pwrite_start(o->conn->nfs, o->fh, s->offset + s->done, s->buf + s->done, s->len - s->done,
                             nfs_slot_done, s);
        if (r < 0) {
                /* the callback will not come (4.0 says -1 for anything) */
                nfs_out_fail(o, -EIO, nfs_get_error(o->conn->nfs));
                return o->error;
        }
        s->busy = true;
        o->n_busy++;
        return 0;
}

/* Lets libnfs work for up to 100 ms.  Returns the pipeline's error: a failed
 * WRITE, the connection, or no reply for the I/O timeout (libnfs's own
 * timeout should have fired by then). */
static int nfs_out_service(struct nfs_out *o) {
        struct nfs_context *nfs = o->conn->nfs;
        struct pollfd p = { .fd = nfs_get_fd(nfs), .events = (short) nfs_which_events(nfs) };
        uint64_t replies = o->replies;
        int r;

        if (o->error < 0)
                return o->error;
        if (p.fd < 0) {
                nfs_out_fail(o, -ENOTCONN, "connection lost");
                goto broken;
        }
        r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR) {
                r = -errno;
                nfs_out_fail(o, r, "poll() failed");
                goto broken;
        }
        /* also without events: libnfs checks its timeouts in there */
        if (nfs_service(nfs, r > 0 ? p.revents : 0) < 0) {
                nfs_out_fail(o, -EIO, nfs_get_error(nfs));
                goto broken;
        }
        if (o->replies != replies)
                flat_watchdog(WATCHDOG_SECS);   /* progress: the backstop starts over */
        else if (o->n_busy > 0 && flat_now() - o->last_reply > arg_io_timeout_secs) {
                nfs_out_fail(o, -ETIMEDOUT, "no reply from the server");
                goto broken;
        }
        return o->error;
broken:
        o->broken = true;
        return o->error;
}

static bool nfs_slot_overlaps_busy(struct nfs_out *o, const struct nfs_slot *s) {
        for (unsigned i = 0; i < o->n_slots; i++) {
                const struct nfs_slot *t = &o->slots[i];

                if (t->busy && t != s && t->offset + t->done < s->offset + s->len &&
                    s->offset + s->done < t->offset + t->len)
                        return true;
        }
        return false;
}

/* Sends a filled slot.  The server may apply WRITEs in flight in any order,
 * and a flattened dump rewrites some ranges (its header, last): whatever
 * older data overlaps is acknowledged first. */
static int nfs_out_send(struct nfs_out *o, struct nfs_slot *s) {
        int r;

        if (o->fill == s)
                o->fill = NULL;
        if (s->len == 0)
                return 0;
        while (nfs_slot_overlaps_busy(o, s)) {
                r = nfs_out_service(o);
                if (r < 0)
                        return r;
        }
        return nfs_slot_send(s);
}

static int nfs_out_get_slot(struct nfs_out *o, struct nfs_slot **ret) {
        int r;

        for (;;) {
                if (o->error < 0)
                        return o->error;
                for (unsigned i = 0; i < o->n_slots; i++) {
                        unsigned k = (o->next + i) % o->n_slots;
                        struct nfs_slot *s = &o->slots[k];

                        if (!s->busy && s != o->fill) {
                                o->next = (k + 1) % o->n_slots;
                                *ret = s;
                                return 0;
                        }
                }
                r = nfs_out_service(o);
                if (r < 0)
                        return r;
        }
}

/* Waits until every WRITE sent is acknowledged. */
static int nfs_out_drain(struct nfs_out *o) {
        int r = o->error;

        flat_watchdog(WATCHDOG_SECS);
        while (r >= 0 && o->n_busy > 0)
                r = nfs_out_service(o);
        flat_watchdog(0);
        return r;
}

/* Sends what is left and waits for all of it. */
static int nfs_out_flush(struct nfs_out *o) {
        int r = 0;

        flat_watchdog(WATCHDOG_SECS);
        if (o->fill)
                r = nfs_out_send(o, o->fill);
        if (r >= 0)
                r = nfs_out_drain(o);
        flat_watchdog(0);
        return r;
}

static int nfs_out_setup(struct nfs_out *o) {
        uint64_t max = nfs_get_writemax(o->conn->nfs);

        o->chunk = o->conn->version == 4 ? NFS4_WRITE_MAX : NFS_WRITE_MAX;
        if (max > 0 && max < o->chunk)
                o->chunk = (size_t) max;
        o->n_slots = NFS_WINDOW_BYTES / o->chunk;
        if (o->n_slots < 2)
                o->n_slots = 2;
        if (o->n_slots > NFS_SLOTS_MAX)
                o->n_slots = NFS_SLOTS_MAX;
        o->slots = calloc(o->n_slots, sizeof *o->slots);
        o->buffers = malloc(o->n_slots * o->chunk);
        if (!o->slots || !o->buffers)
                return -ENOMEM;
        for (unsigned i = 0; i < o->n_slots; i++)
                o->slots[i] = (struct nfs_slot) { .out = o, .buf = o->buffers + i * o->chunk };
        log_debug("NFSv%d: up to %u WRITEs of %zu bytes in flight.", o->conn->version, o->n_slots, o->chunk);
        return 0;
}

/* WRITEs still in flight: dropping the connection cancels them (their
 * callbacks run now, while the slots exist). */
static void nfs_out_free(struct nfs_out *o) {
        if (o->n_busy > 0)
                nfs_conn_close(o->conn);
        free(o->slots);
        free(o->buffers);
        free(o);
}

static void nfs_ignore_cb(int status _unused_, struct nfs_context *nfs _unused_, void *data _unused_,
                          void *userdata _unused_) {
}

static int nfs_write_at(void *userdata, uint64_t offset, const void *buf, size_t len) {
        struct nfs_out *o = userdata;
        const char *p = buf;
        int r = o->error;

        o->bytes += len;
        flat_watchdog(WATCHDOG_SECS);
        while (r >= 0 && len > 0) {
                struct nfs_slot *s = o->fill;
                size_t n;

                /* contiguous data collects in one slot (small records) */
                if (s && s->offset + s->len != offset) {
                        r = nfs_out_send(o, s);
                        continue;
                }
                if (!s) {
                        r = nfs_out_get_slot(o, &s);
                        if (r < 0)
                                break;
                        s->offset = offset;
                        s->len = s->done = 0;
                        o->fill = s;
                }
                n = o->chunk - s->len < len ? o->chunk - s->len : len;
                memcpy(s->buf + s->len, p, n);
                s->len += n;
                p += n;
                len -= n;
                offset += n;
                if (s->len == o->chunk)
                        r = nfs_out_send(o, s);
        }
        flat_watchdog(0);
        if (r < 0)
                return log_error_errno(r, "write '%s' on %s failed: %s", o->path, o->conn->host, o->error_msg);
        return 0;
}

static int nfs_open_file(void *userdata, const char *path, bool excl, void **ret_file) {
        struct nfs_conn *c = userdata;
        struct nfs_out *o;
        int r;

        o = calloc(1, sizeof *o);
        if (!o)
                return log_oom();
        *o = (struct nfs_out) { .conn = c, .path = path };
        flat_watchdog(WATCHDOG_SECS);
        if (excl)
                r = nfs_create(c->nfs, path, O_WRONLY | O_EXCL, DUMP_FILE_MODE, &o->fh);
        else {
                r = nfs_create(c->nfs, path, O_WRONLY | O_TRUNC, DUMP_FILE_MODE, &o->fh);
                if (r == -EEXIST)       /* a leftover of an earlier attempt (v4 creates exclusively) */
                        r = nfs_open(c->nfs, path, O_WRONLY | O_TRUNC, &o->fh);
        }
        flat_watchdog(0);
        if (r < 0) {
                free(o);
                return log_error_errno(r, "create '%s' on %s failed: %s", path, c->host, nfs_error(c));
        }
        /* a leftover of an earlier attempt keeps its mode through O_TRUNC */
        if (!excl && nfs_fchmod(c->nfs, o->fh, DUMP_FILE_MODE) < 0)
                log_warning("Cannot set mode of '%s' on %s: %s, ignoring.", path, c->host, nfs_error(c));

        r = nfs_out_setup(o);
        if (r < 0) {
                flat_watchdog(WATCHDOG_SECS);
                nfs_close(c->nfs, o->fh);
                flat_watchdog(0);
                nfs_out_free(o);
                return log_oom();
        }
        *ret_file = o;
        return 0;
}

static int nfs_flush(void *userdata) {
        struct nfs_out *o = userdata;
        int r;

        r = nfs_out_flush(o);
        if (r < 0)
                return log_error_errno(r, "write '%s' on %s failed: %s", o->path, o->conn->host, o->error_msg);
        return 0;
}

static int nfs_fsync_file(void *userdata) {
        struct nfs_out *o = userdata;
        struct nfs_conn *c = o->conn;
        int r;

        flat_watchdog(kdump_sync_secs(WATCHDOG_SECS, o->bytes));
        r = nfs_fsync(c->nfs, o->fh);
        flat_watchdog(0);
        if (r < 0)
                return log_error_errno(r, "fsync '%s' on %s failed: %s", o->path, c->host, nfs_error(c));
        return 0;
}

static int nfs_close_file(void *userdata) {
        struct nfs_out *o = userdata;
        struct nfs_conn *c = o->conn;
        int r;

        flat_watchdog(WATCHDOG_SECS);
        r = nfs_close(c->nfs, o->fh);   /* frees the handle, also on failure */
        flat_watchdog(0);
        if (r < 0)
                log_error_errno(r, "close '%s' on %s failed: %s", o->path, c->host, nfs_error(c));
        nfs_out_free(o);
        return r < 0 ? r : 0;
}

static void nfs_abort_file(void *userdata) {
        struct nfs_out *o = userdata;
        struct nfs_conn *c = o->conn;

        /* bad input: what was sent still lands before CLOSE */
        if (o->error == 0)
                (void) nfs_out_drain(o);
        if (o->n_busy == 0 && !o->broken) {
                flat_watchdog(WATCHDOG_SECS);
                nfs_close(c->nfs, o->fh);
                flat_watchdog(0);
        } else {
                /* no waiting on a dead server: dropping the connection
                 * cancels the WRITEs in flight (their callbacks run now,
                 * while the slots exist) and the CLOSE queued first, which
                 * frees the handle */
                (void) nfs_close_async(c->nfs, o->fh, nfs_ignore_cb, NULL);
                nfs_conn_close(c);
        }
        nfs_out_free(o);
}

/* Gives `partial` the name `final` unless `final` exists. */
static int nfs_rename_noreplace(void *userdata, const char *partial, const char *final) {
        struct nfs_conn *c = userdata;
        int r;

        flat_watchdog(WATCHDOG_SECS);
        r = nfs_link(c->nfs, partial, final);
        flat_watchdog(0);
        if (r == 0) {
                flat_watchdog(WATCHDOG_SECS);
                r = nfs_unlink(c->nfs, partial);
                flat_watchdog(0);
                if (r < 0)
                        log_warning("Cannot remove '%s' on %s after linking it: %s, ignoring.", partial,
                                    c->host, nfs_error(c));
                return 0;
        }
        if (r == -EEXIST || nfs_lookup(c, final, NULL) > 0)
                return log_error_errno(EEXIST, "'%s' exists already on %s, refusing to overwrite it.",
                                       final, c->host);
        if (r != -EOPNOTSUPP && r != -ENOTSUP && r != -EPERM && r != -ENOSYS && r != -EXDEV && r != -EINVAL)
                return log_error_errno(r, "link '%s' on %s failed: %s", partial, c->host, nfs_error(c));

        log_warning("%s cannot hard link (%s), renaming after a check instead.", c->host, nfs_error(c));
        flat_watchdog(WATCHDOG_SECS);
        r = nfs_rename(c->nfs, partial, final);
        flat_watchdog(0);
        if (r < 0)
                return log_error_errno(r, "rename '%s' on %s failed: %s", partial, c->host, nfs_error(c));
        return 0;
}

static int nfs_unlink_path(void *userdata, const char *path) {
        struct nfs_conn *c = userdata;
        int r;

        flat_watchdog(WATCHDOG_SECS);
        r = nfs_unlink(c->nfs, path);
        flat_watchdog(0);
        if (r < 0)
                return log_error_errno(r, "remove '%s' on %s failed: %s", path, c->host, nfs_error(c));
        return 0;
}

static int nfs_free_bytes(void *userdata, const char *path, uint64_t *ret) {
        struct nfs_conn *c = userdata;
        struct nfs_statvfs_64 st;
        int r;

        flat_watchdog(WATCHDOG_SECS);
        r = nfs_statvfs64(c->nfs, path, &st);
        flat_watchdog(0);
        if (r < 0) {
                log_debug("statvfs '%s' on %s failed: %s", path, c->host, nfs_error(c));
                return r;
        }
        *ret = st.f_bavail * (st.f_frsize ? st.f_frsize : st.f_bsize);
        return 0;
}

static int nfs_connect(void *userdata, struct flat_net *n) {
        struct nfs_conn *c = userdata;
        const char *export = n->conf->target->export;
        int r;

        if (!c->configured) {
                const char *e = secure_getenv("KDUMP_NFS_VERSION");

                arg_port = flat_env_port("KDUMP_NFS_PORT", arg_port);
                arg_mount_port = flat_env_port("KDUMP_NFS_MOUNT_PORT", arg_mount_port);
                if (e && (streq(e, "3") || streq(e, "4")))
                        arg_version = *e - '0';
                else if (e)
                        log_warning("Invalid KDUMP_NFS_VERSION='%s' (3 or 4), ignoring.", e);
                arg_io_timeout_secs = n->io_timeout_secs;
                c->host = n->conf->target->host;
                c->configured = true;
        }
        snprintf(n->target, sizeof n->target, "%s:%s", c->host, export);

        r = nfs_open_any(c, export);
        if (r >= 0 && !n->probe)
                log_info("Mounted %s with NFSv%d (libnfs, user space).", n->target, c->version);
        if (r == -EAGAIN && n->probe)
                log_error_errno(EHOSTUNREACH, "cannot mount %s with %s (one attempt, %u s timeout).", n->target,
                                arg_version == 3 ? "NFSv3" : arg_version == 4 ? "NFSv4" : "NFSv4 or NFSv3",
                                arg_io_timeout_secs);
        return r;
}

static void nfs_disconnect(void *userdata) {
        nfs_conn_close(userdata);
}

static const struct flat_fs_ops nfs_ops = {
        .connect = nfs_connect,
        .disconnect = nfs_disconnect,
        .is_dir = nfs_is_dir,
        .exists = nfs_exists,
        .mkdir = nfs_mkdir_one,
        .open = nfs_open_file,
        .write_at = nfs_write_at,
        .flush = nfs_flush,
        .fsync = nfs_fsync_file,
        .close = nfs_close_file,
        .abort = nfs_abort_file,
        .rename_noreplace = nfs_rename_noreplace,
        .unlink = nfs_unlink_path,
        .free_bytes = nfs_free_bytes,
};

int main(int argc, char **argv) {
        struct nfs_conn c = {};

        return flat_net_main(argc, argv, &nfs_ops, &c, KDUMP_TARGET_NFS);
}
