/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "kdumpctl.h"
#include "shellwords.h"
#include "strv.h"

const char *kdump_sysroot_env(void) {
        const char *e = secure_getenv("KDUMP_SYSROOT");

        return e && *e ? e : NULL;
}

/* The kernel resolves a path as if `root_fd` were "/" (openat2's
 * RESOLVE_IN_ROOT, Linux 5.6): an absolute symlink in an image tree leads
 * to the image's file, never the build host's.  glibc has no wrapper before
 * 2.39. */
static int open_in_root(int root_fd, const char *path, int flags) {
        struct open_how how = { .flags = O_PATH | O_CLOEXEC | flags,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

        return (int) syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

/* "/a/./b/../c" -> "/a/c", by string: for a link's target joined to its
 * (already resolved) directory. */
static void normalize_path(char *p) {
        char *out = p, *save = NULL, *copy = strdup(p);

        if (!copy)
                return;
        *out = '\0';
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        char *slash = strrchr(p, '/');
                        if (slash)
                                *slash = '\0';
                        continue;
                }
                strcat(strcat(out, "/"), c);
        }
        if (!*p)
                strcpy(p, "/");
        free(copy);
}

/* The path of an O_PATH fd, as seen inside the root; NULL if outside. */
static char *fd_path_in_root(int fd, const char *real_root) {
        char link[64], buf[PATH_MAX];
        size_t rl = streq(real_root, "/") ? 0 : strlen(real_root);
        ssize_t n;

        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, buf, sizeof buf - 1);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        if (strncmp(buf, real_root, rl) != 0 || (buf[rl] != '/' && buf[rl] != '\0'))
                return NULL;
        return strdup(buf[rl] ? buf + rl : "/");
}

int root_resolve(const struct kdump_ctx *ctx, const char *path, char **ret) {
        _cleanup_free_ char *real_root = NULL, *full = NULL, *head = NULL;
        _cleanup_close_ int root_fd = -1;

        if (!path || path[0] != '/')
                return -EINVAL;
        for (const char *c = path; (c = strstr(c, "/..")); c += 3)
                if (c[3] == '/' || c[3] == '\0')
                        return -EINVAL;
        real_root = realpath(*ctx->root ? ctx->root : "/", NULL);
        if (!real_root)
                return -errno;
        root_fd = open(real_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return -errno;
        full = strdup(path);
        if (!full)
                return -ENOMEM;
        /* The deepest component that exists is resolved by the kernel; the
         * rest (not made yet) is appended as written.  A link to something
         * missing (a mount point's directory not in an image tree, say) is
         * followed by hand, at most 40 times, as the kernel would. */
        for (int hops = 0; hops < 40; hops++) {
                size_t cut = strlen(full);

                free(head);
                head = strdup(full);
                if (!head)
                        return -ENOMEM;
                for (;;) {
                        _cleanup_close_ int fd = open_in_root(root_fd, *head ? head : "/", 0);
                        const char *tail = full + cut + (full[cut] == '/');
                        char *slash;

                        if (fd >= 0) {
                                _cleanup_free_ char *in = fd_path_in_root(fd, real_root);
                                int k;

                                if (!in)
                                        return -EXDEV;
                                k = !*tail ? asprintf(ret, "%s", in)
                                           : asprintf(ret, "%s/%s", streq(in, "/") ? "" : in, tail);
                                return k < 0 ? -ENOMEM : 0;
                        }
                        if (errno != ENOENT || !*head)
                                return -errno;
                        fd = open_in_root(root_fd, head, O_NOFOLLOW);
                        if (fd >= 0) {
                                /* head is a link to nothing: go on from its target */
                                _cleanup_close_ int pfd = -1;
                                _cleanup_free_ char *parent = NULL, *next = NULL;
                                char target[PATH_MAX];
                                ssize_t n = readlinkat(fd, "", target, sizeof target - 1);

                                if (n < 0)
                                        return -errno;
                                target[n] = '\0';
                                slash = strrchr(head, '/');
                                *slash = '\0';
                                pfd = open_in_root(root_fd, *head ? head : "/", 0);
                                if (pfd < 0 || !(parent = fd_path_in_root(pfd, real_root)))
                                        return pfd < 0 ? -errno : -EXDEV;
                                if (asprintf(&next, "%s/%s%s%s", target[0] == '/' ? "" : parent, target,
                                             *tail ? "/" : "", tail) < 0)
                                        return -ENOMEM;
                                normalize_path(next);
                                free(full);
                                full = TAKE_PTR(next);
                                break;
                        }
                        slash = strrchr(head, '/');
                        *slash = '\0';
                        cut = (size_t) (slash - head);
                }
        }
        return -ELOOP;
}

char *root_path(const struct kdump_ctx *ctx, const char *path) {
        _cleanup_free_ char *in = NULL;
        char *r;

        /* The running system: the kernel resolves it as it is. */
        if (!*ctx->root || !path || path[0] != '/')
                return asprintf(&r, "%s%s", ctx->root, strempty(path)) < 0 ? NULL : r;
        if (root_resolve(ctx, path, &in) < 0)
                in = NULL;      /* unresolvable (a loop, say): used as written */
        if (asprintf(&r, "%s%s", ctx->root, in ? in : path) < 0)
                return NULL;
        return r;
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                if (size + 4096 + 1 > alloc) {
                        char *t;

                        alloc = (size + 4096 + 1) * 2;
                        t = realloc(buf, alloc);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                }
                n = read(fd, buf + size, alloc - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max)
                        return -EFBIG;
        }
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int read_one_line(const char *path, char **ret) {
        char *s;
        int r;

        r = read_file(path, 64 * 1024, &s, NULL);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        *ret = s;
        return 0;
}

int read_ulong_file(const char *path, unsigned long long *ret) {
        _cleanup_free_ char *s = NULL;
        char *end;
        int r;

        r = read_one_line(path, &s);
        if (r < 0)
                return r;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        if (errno || end == s || (*end && !isspace((unsigned char) *end)))
                return -EINVAL;
        return 0;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Written to a temporary name and renamed, so readers never see half a file. */
int write_file_atomic(const char *path, const char *data, size_t size, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        size_t off = 0;

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        (void) unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        while (off < size) {
                ssize_t n = write(fd, data + off, size - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = -errno;
                        (void) unlink(tmp);
                        return e;
                }
                off += (size_t) n;
        }
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                int e = -errno;
                (void) unlink(tmp);
                return e;
        }
        return 0;
}

static void hex(const unsigned char *md, unsigned len, char *out) {
        for (unsigned i = 0; i < len; i++)
                sprintf(out + 2 * i, "%02x", md[i]);
        out[2 * len] = '\0';
}

int sha256_file(const char *path, char ret[static 65]) {
        _cleanup_close_ int fd = -1;
        EVP_MD_CTX *md;
        unsigned char buf[65536], out[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        int r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        md = EVP_MD_CTX_new();
        if (!md)
                return -ENOMEM;
        if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                r = -EIO;
        while (r == 0) {
                ssize_t n = read(fd, buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                if (EVP_DigestUpdate(md, buf, (size_t) n) != 1)
                        r = -EIO;
        }
        if (r == 0 && EVP_DigestFinal_ex(md, out, &len) != 1)
                r = -EIO;
        EVP_MD_CTX_free(md);
        if (r < 0)
                return r;
        hex(out, len, ret);
        return 0;
}

void sha256_string(const char *data, size_t size, char ret[static 65]) {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        if (EVP_Digest(data, size, out, &len, EVP_sha256(), NULL) != 1) {
                /* cannot happen with a built-in digest; an impossible hash
                 * forces a rebuild rather than a wrong "up to date" */
                strcpy(ret, "error");
                return;
        }
        hex(out, len, ret);
}

bool is_executable_file(const char *path) {
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* For display only: quoted so that a shell would read the same words. */
char *argv_to_string(char * const *argv) {
        _cleanup_strv_free_ char **q = calloc(1, sizeof(char *));

        if (!q)
                return NULL;
        STRV_FOREACH(a, argv) {
                _cleanup_free_ char *s = shell_quote(*a);
                if (!s || strv_push(&q, s) < 0)
                        return NULL;
        }
        return strv_join(q, " ");
}

/* /etc/sysconfig/kdump: Fedora's KEY="value" file.  Read as data, never run
 * by a shell: one pair of quotes is removed, nothing is expanded.
 * Returns 1 and *ret when the key is set, 0 when not. */
int sysconfig_get(const struct kdump_ctx *ctx, const char *key, char **ret) {
        _cleanup_free_ char *path = root_path(ctx, KDUMP_SYSCONFIG);
        _cleanup_free_ char *data = NULL, *value = NULL;
        size_t kl = strlen(key);
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file(path, 1024 * 1024, &data, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *v, *e;

                l += strspn(l, " \t");
                if (strncmp(l, key, kl) != 0 || l[kl] != '=')
                        continue;
                v = l + kl + 1;
                e = v + strlen(v);
                while (e > v && strchr(" \t\r", e[-1]))
                        *--e = '\0';
                if (e - v >= 2 && (v[0] == '"' || v[0] == '\'') && e[-1] == v[0]) {
                        e[-1] = '\0';
                        v++;
                }
                free(value);
                value = strdup(v);      /* the last assignment wins, as in sh */
                if (!value)
                        return -ENOMEM;
        }
        if (!value)
                return 0;
        *ret = TAKE_PTR(value);
        return 1;
}

const char *dir_env(const char *env, const char *def) {
        const char *e = secure_getenv(env);
        return e && *e ? e : def;
}

/* The capture kernel's build configuration (/boot/config-KVER), NULL when
 * there is none to read. */
char *kernel_config(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *rel = NULL, *config = NULL;
        char *data = NULL;

        if (asprintf(&rel, "/boot/config-%s", ctx->kver) < 0 || !(config = root_path(ctx, rel)))
                return NULL;
        if (read_file(config, 16 << 20, &data, NULL) < 0)
                return NULL;
        return data;
}

/* Whether `config` sets `option` to y (or m, when `module_ok`). */
bool kconfig_set(const char *config, const char *option, bool module_ok) {
        for (const char *l = config; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                const char *v = startswith(l, option);

                if (v && v[0] == '=')
                        return (v[1] == 'y' || (module_ok && v[1] == 'm')) && (v[2] == '\n' || !v[2]);
        }
        return false;
}
