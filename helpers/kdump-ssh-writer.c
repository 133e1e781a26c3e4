/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-ssh-writer: saves a dump over SFTP (libssh2), with no ssh binary in
 * the capture initramfs.
 *
 *   kdump-ssh-writer [--config FILE] mkdir DIRNAME
 *   kdump-ssh-writer [--config FILE] put [--flattened] DIRNAME NAME < DATA
 *   kdump-ssh-writer [--config FILE] probe
 *
 * Target `ssh user@host` and `path` (remote base directory) and `sshkey` come
 * from kdump.conf.  The server's host key must match the known_hosts that
 * `kdumpctl propagate` recorded (/etc/kdump/known_hosts, KDUMP_KNOWN_HOSTS
 * overrides): an unknown or changed key is a failure, never trusted on first
 * use.  Environment for tests: KDUMP_SSH_PORT (22), KDUMP_NET_RETRY_SECS (60),
 * KDUMP_NET_REFUSED_RETRY_SECS (660), KDUMP_NET_IO_TIMEOUT_SECS (60; 10 for
 * probe).
 *
 * `probe` is kdumpctl's check, made exactly as at crash time (same key, same
 * pinned known_hosts: kdumpctl points KDUMP_KNOWN_HOSTS at
 * /var/lib/kdump/known_hosts) but bounded: one attempt, no waiting for the
 * network.  It creates <path> if missing, creates, writes, syncs (when the
 * server can) and removes a `.kdump-probe-XXXXXX` file there, and prints
 * `free_bytes=N` (from statvfs@openssh.com) or `free_bytes=unknown`.
 *
 * The verbs themselves are flat-writer.c's (flat_net_main), shared with
 * kdump-nfs-writer; this file holds the libssh2 calls they make.
 *
 * Exit codes: 0 done; 1 failed (a partial file keeps its -incomplete name);
 * 3 mkdir: DIRNAME exists already.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "dumpdir.h"
#include "flat-writer.h"
#include "flatten.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"

#define DEFAULT_KNOWN_HOSTS SYSCONFDIR "/kdump/known_hosts"
#define CONNECT_TIMEOUT_SECS 10

static unsigned arg_port = 22;
static unsigned arg_io_timeout_secs = 60;
static const char *arg_known_hosts = DEFAULT_KNOWN_HOSTS;

struct ssh_conn {
        int fd;
        LIBSSH2_SESSION *session;
        LIBSSH2_SFTP *sftp;
        const char *host;
        bool broken;            /* transport failed: no polite shutdown */
        bool libssh2_up;        /* libssh2_init() done */
        bool configured;        /* the environment is read */
};

static void ssh_conn_close(struct ssh_conn *c) {
        /* after a timeout or a dead peer every polite step would wait for
         * the timeout again: make them fail at once */
        if (c->broken && c->fd >= 0)
                (void) shutdown(c->fd, SHUT_RDWR);
        if (c->sftp)
                libssh2_sftp_shutdown(c->sftp);
        if (c->session) {
                libssh2_session_disconnect(c->session, "kdump-ssh-writer done");
                libssh2_session_free(c->session);
        }
        if (c->fd >= 0)
                close(c->fd);
        c->sftp = NULL;
        c->session = NULL;
        c->fd = -1;
}

static const char *session_error(LIBSSH2_SESSION *s) {
        char *msg = NULL;

        if (!s)
                return "no session";
        libssh2_session_last_error(s, &msg, NULL, 0);
        return msg && *msg ? msg : "unknown error";
}

/* The errno that best describes the last libssh2/SFTP failure. */
static int ssh_errno(struct ssh_conn *c) {
        int e = libssh2_session_last_errno(c->session);

        switch (e) {
        case LIBSSH2_ERROR_SFTP_PROTOCOL:
                switch (libssh2_sftp_last_error(c->sftp)) {
                case LIBSSH2_FX_NO_SUCH_FILE:
                case LIBSSH2_FX_NO_SUCH_PATH:
                        return -ENOENT;
                case LIBSSH2_FX_PERMISSION_DENIED:
                case LIBSSH2_FX_WRITE_PROTECT:
                        return -EACCES;
                case LIBSSH2_FX_FILE_ALREADY_EXISTS:
                        return -EEXIST;
                case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
                case LIBSSH2_FX_QUOTA_EXCEEDED:
                        return -ENOSPC;
                case LIBSSH2_FX_OP_UNSUPPORTED:
                        return -EOPNOTSUPP;
                default:
                        return -EIO;
                }
        case LIBSSH2_ERROR_TIMEOUT:
                c->broken = true;
                return -ETIMEDOUT;
        case LIBSSH2_ERROR_SOCKET_SEND:
        case LIBSSH2_ERROR_SOCKET_RECV:
        case LIBSSH2_ERROR_SOCKET_DISCONNECT:
        case LIBSSH2_ERROR_SOCKET_TIMEOUT:
                c->broken = true;
                return -ECONNRESET;
        default:
                return -EIO;
        }
}

/* Logs the last libssh2 error with the context `what` and returns <0. */
static int log_ssh_error(struct ssh_conn *c, const char *what, const char *path) {
        int r = ssh_errno(c);

        if (libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_SFTP_PROTOCOL)
                return log_error_errno(r, "%s '%s' on %s failed: %m (SFTP status %lu)", what, path,
                                       c->host, libssh2_sftp_last_error(c->sftp));
        return log_error_errno(r, "%s '%s' on %s failed: %s", what, path, c->host,
                               session_error(c->session));
}

static int tcp_connect(const char *host, unsigned port, unsigned timeout_secs) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        char service[16];
        int r = -EHOSTUNREACH;

        snprintf(service, sizeof service, "%u", port);
        r = getaddrinfo(host, service, &hints, &ai);
        if (r != 0) {
                log_warning("Cannot resolve %s: %s", host, gai_strerror(r));
                return -EHOSTUNREACH;
        }
        r = -EHOSTUNREACH;
        for (struct addrinfo *a = ai; a; a = a->ai_next) {
                struct pollfd pfd;
                int fd, err = 0, one = 1;
                socklen_t len = sizeof err;

                fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
                if (fd < 0) {
                        r = -errno;
                        continue;
                }
                if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
                        r = -errno;
                        close(fd);
                        continue;
                }
                pfd = (struct pollfd) { .fd = fd, .events = POLLOUT };
                err = poll(&pfd, 1, (int) timeout_secs * 1000);
                if (err == 0)
                        err = ETIMEDOUT;
                else if (err < 0)
                        err = errno;
                else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err != 0) {
                        r = -err;
                        close(fd);
                        continue;
                }
                /* notice a peer that vanished even while we wait for input */
                (void) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
                freeaddrinfo(ai);
                return fd;
        }
        freeaddrinfo(ai);
        return r;
}

/* Host key algorithms, strongest first; only those known_hosts has a key of
 * are offered, so the server cannot pick a type we could not verify. */
static const struct {
        int knownhost_type;
        const char *methods;
} hostkey_methods[] = {
        { LIBSSH2_KNOWNHOST_KEY_ED25519,   "ssh-ed25519" },
        { LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256" },
        { LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384" },
        { LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521" },
        { LIBSSH2_KNOWNHOST_KEY_SSHRSA,    "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
        { LIBSSH2_KNOWNHOST_KEY_SSHDSS,    "ssh-dss" },
};

static int knownhost_type_of(int hostkey_type) {
        switch (hostkey_type) {
        case LIBSSH2_HOSTKEY_TYPE_RSA:       return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
        case LIBSSH2_HOSTKEY_TYPE_DSS:       return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
        case LIBSSH2_HOSTKEY_TYPE_ED25519:   return LIBSSH2_KNOWNHOST_KEY_ED25519;
        default:                             return -1;
        }
}

static int limit_hostkey_methods(struct ssh_conn *c, LIBSSH2_KNOWNHOSTS *kh) {
        struct libssh2_knownhost *prev = NULL, *h;
        char methods[256] = "";
        bool have[ELEMENTSOF(hostkey_methods)] = {};

        while (libssh2_knownhost_get(kh, &h, prev) == 0) {
                for (size_t i = 0; i < ELEMENTSOF(hostkey_methods); i++)
                        if ((h->typemask & LIBSSH2_KNOWNHOST_KEY_MASK) == hostkey_methods[i].knownhost_type)
                                have[i] = true;
                prev = h;
        }
        for (size_t i = 0; i < ELEMENTSOF(hostkey_methods); i++)
                if (have[i]) {
                        if (*methods)
                                strcat(methods, ",");
                        strcat(methods, hostkey_methods[i].methods);
                }
        if (!*methods)
                return log_error_errno(EKEYREJECTED, "%s holds no usable host key, refusing to connect.",
                                       arg_known_hosts);
        if (libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, methods) < 0)
                log_warning("Cannot limit host key algorithms to '%s': %s, ignoring.", methods,
                            session_error(c->session));
        return 0;
}

/* "host", "host:port", "[v6]:port": how known_hosts names the server. */
static const char *server_addr(const struct ssh_conn *c) {
        static char buf[300];

        if (arg_port == 22)
                return c->host;
        snprintf(buf, sizeof buf, strchr(c->host, ':') ? "[%s]:%u" : "%s:%u", c->host, arg_port);
        return buf;
}

static int verify_host_key(struct ssh_conn *c, LIBSSH2_KNOWNHOSTS *kh) {
        struct libssh2_knownhost *match = NULL;
        const char *key;
        size_t len;
        int type, kt, r;

        key = libssh2_session_hostkey(c->session, &len, &type);
        kt = knownhost_type_of(type);
        if (!key || kt < 0)
                return log_error_errno(EKEYREJECTED, "%s offered no host key of a known type.", c->host);
        r = libssh2_knownhost_checkp(kh, c->host, (int) arg_port, key, len,
                                     LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kt,
                                     &match);
        switch (r) {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
                return 0;
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
                return log_error_errno(EKEYREJECTED,
                                       "host key of %s does not match the key pinned in %s: run 'kdumpctl "
                                       "propagate' if the server was reinstalled (else it may be an impostor: "
                                       "refusing to connect).",
                                       server_addr(c), arg_known_hosts);
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
                return log_error_errno(EKEYREJECTED,
                                       "host key of %s is not pinned in %s: run 'kdumpctl propagate' "
                                       "(refusing to connect).",
                                       server_addr(c), arg_known_hosts);
        default:
                return log_error_errno(EKEYREJECTED, "Cannot check the host key of %s: %s", c->host,
                                       session_error(c->session));
        }
}

/* The SHA-1 hint is for RSA keys only: false when KEY.pub names another type. */
static bool key_may_be_rsa(const char *key) {
        _cleanup_free_ char *pub = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char type[32] = "";

        if (asprintf(&pub, "%s.pub", key) < 0)
                return true;
        f = fopen(pub, "re");
        if (!f || fscanf(f, "%31s", type) != 1)
                return true;
        return streq(type, "ssh-rsa");
}

/* After a failed handshake: did the server turn us away before its SSH
 * banner?  OpenSSH's listener does so for an address under a
 * PerSourcePenalties penalty or past MaxStartups, with a line "Not allowed
 * at this time" (libssh2 takes it for the banner) or nothing, then hangs up.
 * A server that sent its banner and then failed is another matter. */
static bool refused_before_banner(const struct ssh_conn *c, const char **ret_said) {
        const char *banner = libssh2_session_banner_get(c->session);
        ssize_t n;
        char b;

        *ret_said = banner && *banner ? banner : NULL;
        if (banner && strncmp(banner, "SSH-", 4) == 0)
                return false;
        n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* One attempt.  -EAGAIN: worth retrying (network not up yet); -EBUSY: the
 * server turns connections away for now, worth retrying for longer; other
 * errors are final (host key, authentication, SFTP refused): sshd charges a
 * failed login 5 s (PerSourcePenalties authfail) and bars the address once
 * 15 s add up (min), so retrying those would lock us out.  A retried
 * handshake costs 1 s (noauth), gone before the next attempt. */
static int ssh_open_once(struct ssh_conn *c, const struct kdump_conf *conf) {
        LIBSSH2_KNOWNHOSTS *kh = NULL;
        const char *user = conf->target->user ? conf->target->user : "root";
        const char *key = conf->sshkey ? conf->sshkey : KDUMP_DEFAULT_SSHKEY;
        int r;

        c->fd = tcp_connect(c->host, arg_port, CONNECT_TIMEOUT_SECS);
        if (c->fd < 0) {
                log_warning_errno(c->fd, "Cannot connect to %s port %u: %m", c->host, arg_port);
                return -EAGAIN;
        }

        c->session = libssh2_session_init();
        if (!c->session)
                return log_oom();
        libssh2_session_set_blocking(c->session, 1);
        /* the handshake gets the short timeout: a port that accepts and
         * never speaks is as good as down */
        libssh2_session_set_timeout(c->session, CONNECT_TIMEOUT_SECS * 1000L);

        kh = libssh2_knownhost_init(c->session);
        if (!kh)
                return log_oom();
        r = libssh2_knownhost_readfile(kh, arg_known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
        if (r < 0) {
                r = log_error_errno(EKEYREJECTED, "Cannot read known hosts %s: %s", arg_known_hosts,
                                    session_error(c->session));
                goto done;
        }
        r = limit_hostkey_methods(c, kh);
        if (r < 0)
                goto done;

        flat_watchdog(CONNECT_TIMEOUT_SECS * 3);
        r = libssh2_session_handshake(c->session, c->fd);
        flat_watchdog(0);
        if (r < 0) {
                const char *said;

                if (refused_before_banner(c, &said)) {
                        log_warning("%s port %u closed the connection before its SSH banner%s%s%s: it turns "
                                    "connections away for now (sshd's PerSourcePenalties or MaxStartups).",
                                    c->host, arg_port, said ? " (it said \"" : "", strempty(said),
                                    said ? "\")" : "");
                        r = -EBUSY;
                } else {
                        log_warning("SSH handshake with %s port %u failed: %s", c->host, arg_port,
                                    session_error(c->session));
                        r = -EAGAIN;
                }
                goto done;
        }
        r = verify_host_key(c, kh);
        if (r < 0)
                goto done;

        libssh2_session_set_timeout(c->session, arg_io_timeout_secs * 1000L);
        if (access(key, R_OK) < 0) {
                r = log_error_errno(errno, "Cannot read SSH key %s: %m", key);
                goto done;
        }
        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_userauth_publickey_fromfile_ex(c->session, user, (unsigned) strlen(user), NULL, key, NULL);
        flat_watchdog(0);
        if (r < 0) {
                r = log_error_errno(EACCES, "Key authentication as %s@%s with %s failed: %s", user,
                                    c->host, key, session_error(c->session));
                if (!libssh2_version(0x010b00) && key_may_be_rsa(key))
                        log_error("(libssh2 %s signs RSA keys with SHA-1 only, which OpenSSH 8.8 and "
                                  "later refuse by default: use an ed25519 or ECDSA key.)",
                                  libssh2_version(0));
                goto done;
        }

        flat_watchdog(arg_io_timeout_secs + 15);
        c->sftp = libssh2_sftp_init(c->session);
        flat_watchdog(0);
        if (!c->sftp) {
                r = log_error_errno(EPROTO, "Cannot start SFTP on %s: %s", c->host, session_error(c->session));
                goto done;
        }
        r = 0;
done:
        libssh2_knownhost_free(kh);
        return r;
}

/* 1: a directory, 0: missing, -ENOTDIR: something else, <0 error. */
static int sftp_is_dir(void *userdata, const char *path) {
        struct ssh_conn *c = userdata;
        LIBSSH2_SFTP_ATTRIBUTES st;
        int r;

        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_sftp_stat(c->sftp, path, &st);
        flat_watchdog(0);
        if (r < 0) {
                r = ssh_errno(c);
                return r == -ENOENT ? 0 : log_ssh_error(c, "stat", path);
        }
        if ((st.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) && !LIBSSH2_SFTP_S_ISDIR(st.permissions))
                return -ENOTDIR;
        return 1;
}

static int sftp_exists(void *userdata, const char *path) {
        struct ssh_conn *c = userdata;
        LIBSSH2_SFTP_ATTRIBUTES st;
        int r;

        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_sftp_lstat(c->sftp, path, &st);
        flat_watchdog(0);
        if (r == 0)
                return 1;
        r = ssh_errno(c);
        return r == -ENOENT ? 0 : log_ssh_error(c, "stat", path);
}

/* mkdir, then -EEXIST if it was there before. */
static int sftp_mkdir(void *userdata, const char *path) {
        struct ssh_conn *c = userdata;
        unsigned long status;
        int r, e;

        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_sftp_mkdir(c->sftp, path, DUMP_DIR_MODE);
        flat_watchdog(0);
        if (r == 0)
                return 0;
        r = ssh_errno(c);
        /* the lookup below replaces libssh2's last error: keep this one */
        e = libssh2_session_last_errno(c->session);
        status = libssh2_sftp_last_error(c->sftp);
        /* OpenSSH answers a plain FAILURE for EEXIST: look */
        if (sftp_exists(c, path) > 0)
                return -EEXIST;
        if (e == LIBSSH2_ERROR_SFTP_PROTOCOL)
                return log_error_errno(r, "mkdir '%s' on %s failed: %m (SFTP status %lu)", path, c->host, status);
        return log_error_errno(r, "mkdir '%s' on %s failed: %m", path, c->host);
}

/* Records are collected per region of the file, up to SFTP_COALESCE bytes
 * each, before they go out.  makedumpfile -F alternates between two regions
 * (a page descriptor of ~500 bytes, then ~64 KiB of page data), and libssh2
 * pipelines only within one libssh2_sftp_write() call and not across a seek:
 * record by record, every write waited for its acknowledgement (0.7 MiB/s
 * in the VM scenario). */
#define SFTP_COALESCE (1024 * 1024)
#define SFTP_REGIONS 4

struct sftp_pending {
        char *buf;                      /* SFTP_COALESCE bytes, allocated when first used */
        uint64_t offset;                /* where buf[0] belongs */
        size_t len;
};

struct sftp_out {
        struct ssh_conn *conn;
        LIBSSH2_SFTP_HANDLE *handle;
        const char *path;
        uint64_t pos;                   /* the handle's file position */
        struct sftp_pending pending[SFTP_REGIONS];
};

static void sftp_out_free(struct sftp_out *o) {
        for (size_t i = 0; i < SFTP_REGIONS; i++)
                free(o->pending[i].buf);
        free(o);
}

static int sftp_open(void *userdata, const char *path, bool excl, void **ret_file) {
        struct ssh_conn *c = userdata;
        struct sftp_out *o;

        o = calloc(1, sizeof *o);
        if (!o)
                return log_oom();
        *o = (struct sftp_out) { .conn = c, .path = path };
        flat_watchdog(arg_io_timeout_secs + 15);
        o->handle = libssh2_sftp_open_ex(c->sftp, path, (unsigned) strlen(path),
                                         LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
                                         (excl ? LIBSSH2_FXF_EXCL : LIBSSH2_FXF_TRUNC),
                                         DUMP_FILE_MODE, LIBSSH2_SFTP_OPENFILE);
        flat_watchdog(0);
        if (!o->handle) {
                sftp_out_free(o);
                return log_ssh_error(c, excl ? "create" : "open", path);
        }
        if (!excl) {
                /* a leftover of an earlier attempt keeps its mode through TRUNC */
                LIBSSH2_SFTP_ATTRIBUTES attrs = {
                        .flags = LIBSSH2_SFTP_ATTR_PERMISSIONS,
                        .permissions = DUMP_FILE_MODE,
                };
                if (libssh2_sftp_fsetstat(o->handle, &attrs) < 0)
                        log_warning("Cannot set mode of '%s' on %s: %s, ignoring.", path, c->host,
                                    session_error(c->session));
        }
        *ret_file = o;
        return 0;
}

/* One pipelined write of `len` bytes at `offset`. */
static int sftp_send(struct sftp_out *o, uint64_t offset, const char *buf, size_t len) {
        size_t done = 0;

        if (offset != o->pos) {
                libssh2_sftp_seek64(o->handle, offset);
                o->pos = offset;
        }
        /* A short write means libssh2 still owns the rest of the buffer
         * (pipelined packets): call again with exactly the remainder. */
        flat_watchdog(arg_io_timeout_secs + 15);
        while (done < len) {
                ssize_t n = libssh2_sftp_write(o->handle, buf + done, len - done);
                if (n < 0) {
                        flat_watchdog(0);
                        return log_ssh_error(o->conn, "write", o->path);
                }
                done += (size_t) n;
        }
        flat_watchdog(0);
        o->pos += len;
        return 0;
}

static int sftp_flush_one(struct sftp_out *o, struct sftp_pending *p) {
        int r;

        if (p->len == 0)
                return 0;
        r = sftp_send(o, p->offset, p->buf, p->len);
        p->len = 0;
        return r;
}

static int sftp_flush(void *userdata) {
        struct sftp_out *o = userdata;

        for (size_t i = 0; i < SFTP_REGIONS; i++) {
                int r = sftp_flush_one(o, &o->pending[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int sftp_write_at(void *userdata, uint64_t offset, const void *buf, size_t len) {
        struct sftp_out *o = userdata;
        struct sftp_pending *p = NULL;
        int r;

        /* a record that rewrites bytes still held back (makedumpfile
         * rewrites its header at the end) must land after them */
        for (size_t i = 0; i < SFTP_REGIONS; i++) {
                struct sftp_pending *q = &o->pending[i];

                if (q->len > 0 && offset < q->offset + q->len && q->offset < offset + len) {
                        r = sftp_flush_one(o, q);
                        if (r < 0)
                                return r;
                }
        }
        if (len >= SFTP_COALESCE)
                return sftp_send(o, offset, buf, len);

        /* the region this record continues, else an empty one, else the
         * fullest goes out to make room */
        for (size_t i = 0; i < SFTP_REGIONS && !p; i++)
                if (o->pending[i].len > 0 && o->pending[i].offset + o->pending[i].len == offset)
                        p = &o->pending[i];
        for (size_t i = 0; i < SFTP_REGIONS && !p; i++)
                if (o->pending[i].len == 0)
                        p = &o->pending[i];
        if (!p) {
                p = &o->pending[0];
                for (size_t i = 1; i < SFTP_REGIONS; i++)
                        if (o->pending[i].len > p->len)
                                p = &o->pending[i];
                r = sftp_flush_one(o, p);
                if (r < 0)
                        return r;
        }
        if (p->len + len > SFTP_COALESCE) {
                r = sftp_flush_one(o, p);
                if (r < 0)
                        return r;
        }
        if (!p->buf) {
                p->buf = malloc(SFTP_COALESCE);
                if (!p->buf)
                        return log_oom();
        }
        if (p->len == 0)
                p->offset = offset;
        memcpy(p->buf + p->len, buf, len);
        p->len += len;
        return p->len == SFTP_COALESCE ? sftp_flush_one(o, p) : 0;
}

static int sftp_fsync(void *userdata) {
        struct sftp_out *o = userdata;
        int r;

        r = sftp_flush(o);
        if (r < 0)
                return r;
        flat_watchdog(kdump_sync_secs(arg_io_timeout_secs + 15, o->pos));
        r = libssh2_sftp_fsync(o->handle);
        flat_watchdog(0);
        if (r >= 0)
                return 0;
        r = ssh_errno(o->conn);
        if (r == -EOPNOTSUPP)   /* no fsync@openssh.com */
                return r;
        return log_ssh_error(o->conn, "fsync", o->path);
}

static int sftp_close(void *userdata) {
        struct sftp_out *o = userdata;
        int r, q;

        q = sftp_flush(o);
        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_sftp_close_handle(o->handle);       /* frees the handle, also on failure */
        flat_watchdog(0);
        if (r < 0)
                r = log_ssh_error(o->conn, "close", o->path);
        sftp_out_free(o);
        return q < 0 ? q : r < 0 ? r : 0;
}

static void sftp_abort(void *userdata) {
        struct sftp_out *o = userdata;

        /* bounded: the session timeout applies, and a broken connection
         * fails at once */
        if (o->conn->broken)
                (void) shutdown(o->conn->fd, SHUT_RDWR);
        flat_watchdog(arg_io_timeout_secs + 15);
        libssh2_sftp_close_handle(o->handle);
        flat_watchdog(0);
        sftp_out_free(o);
}

static int sftp_rename_noreplace(void *userdata, const char *from, const char *to) {
        struct ssh_conn *c = userdata;
        int r;

        /* SFTPv3 rename never overwrites (OpenSSH: link + unlink), and we
         * never ask for LIBSSH2_SFTP_RENAME_OVERWRITE. */
        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_sftp_rename_ex(c->sftp, from, (unsigned) strlen(from), to, (unsigned) strlen(to),
                                   LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE);
        flat_watchdog(0);
        return r < 0 ? log_ssh_error(c, "rename to final name", from) : 0;
}

static int sftp_unlink(void *userdata, const char *path) {
        struct ssh_conn *c = userdata;
        int r;

        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_sftp_unlink_ex(c->sftp, path, (unsigned) strlen(path));
        flat_watchdog(0);
        return r < 0 ? log_ssh_error(c, "remove", path) : 0;
}

static int sftp_free_bytes(void *userdata, const char *path, uint64_t *ret) {
        struct ssh_conn *c = userdata;
        LIBSSH2_SFTP_STATVFS st;
        int r;

        flat_watchdog(arg_io_timeout_secs + 15);
        r = libssh2_sftp_statvfs(c->sftp, path, strlen(path), &st);
        flat_watchdog(0);
        if (r < 0) {
                /* an old or non-OpenSSH server: not an error */
                log_debug("statvfs '%s' on %s failed: %s", path, c->host, session_error(c->session));
                return -EOPNOTSUPP;
        }
        *ret = (uint64_t) st.f_bavail * (uint64_t) (st.f_frsize ? st.f_frsize : st.f_bsize);
        return 0;
}


static int sftp_connect(void *userdata, struct flat_net *n) {
        struct ssh_conn *c = userdata;
        int r;

        if (!c->configured) {
                const char *e = secure_getenv("KDUMP_KNOWN_HOSTS");

                if (e && *e)
                        arg_known_hosts = e;
                arg_port = flat_env_port("KDUMP_SSH_PORT", arg_port);
                arg_io_timeout_secs = n->io_timeout_secs;
                c->host = n->conf->target->host;
                c->configured = true;
        }
        snprintf(n->target, sizeof n->target, "%s port %u", c->host, arg_port);

        if (!c->libssh2_up) {
                if (libssh2_init(0) != 0)
                        return log_error_errno(EIO, "Cannot initialize libssh2.");
                c->libssh2_up = true;
        }
        r = ssh_open_once(c, n->conf);
        if (r == -EAGAIN && n->probe)
                log_error_errno(EHOSTUNREACH, "cannot reach the ssh server %s (one attempt, %u s timeout).",
                                server_addr(c), CONNECT_TIMEOUT_SECS);
        else if (r == -EBUSY && n->probe)
                log_error_errno(EBUSY, "the ssh server %s turns connections away for now (sshd's "
                                "PerSourcePenalties or MaxStartups); a dump would wait up to %u s for it.",
                                server_addr(c), n->refused_retry_secs);
        return r;
}

static void sftp_disconnect(void *userdata) {
        struct ssh_conn *c = userdata;

        ssh_conn_close(c);
        if (c->libssh2_up)
                libssh2_exit();
        c->libssh2_up = false;
}

static const struct flat_fs_ops sftp_ops = {
        .connect = sftp_connect,
        .disconnect = sftp_disconnect,
        .is_dir = sftp_is_dir,
        .exists = sftp_exists,
        .mkdir = sftp_mkdir,
        .open = sftp_open,
        .write_at = sftp_write_at,
        .flush = sftp_flush,
        .fsync = sftp_fsync,
        .close = sftp_close,
        .abort = sftp_abort,
        .rename_noreplace = sftp_rename_noreplace,
        .unlink = sftp_unlink,
        .free_bytes = sftp_free_bytes,
};

int main(int argc, char **argv) {
        struct ssh_conn c = { .fd = -1 };

        return flat_net_main(argc, argv, &sftp_ops, &c, KDUMP_TARGET_SSH);
}
