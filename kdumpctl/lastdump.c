/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last capture's outcome at the next boot, for `kdumpctl status` and
 * `show`: the newest dump directory under the dump path of a local or raw
 * target, and the kdump-capture.status the capture (or the raw retrieval)
 * left in it.  ssh and nfs targets keep that record on the server. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kdumpctl.h"
#include "log.h"

#define STATUS_MAX 8192

/* The value of KEY in a status record ("key=value" lines), or NULL. */
static char *status_get(const char *rec, const char *key) {
        size_t n = strlen(key);

        for (const char *l = rec; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, n) == 0 && l[n] == '=')
                        return strndup(l + n + 1, strcspn(l + n + 1, "\n"));
        return NULL;
}

static char *read_small(int dir_fd, const char *name) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char *buf;
        ssize_t n;

        if (fd < 0)
                return NULL;
        buf = malloc(STATUS_MAX + 1);
        if (!buf)
                return NULL;
        n = read(fd, buf, STATUS_MAX);
        if (n < 0) {
                free(buf);
                return NULL;
        }
        buf[n] = '\0';
        return buf;
}

/* The directory dumps go to, as seen from here; NULL when it is not local. */
static char *dump_path(struct kdump_ctx *ctx) {
        const struct kdump_conf *c = ctx->conf;
        char *p = NULL;

        if (c->target.type == KDUMP_TARGET_RAW)
                return root_path(ctx, c->path);
        if (c->target.type == KDUMP_TARGET_SSH || c->target.type == KDUMP_TARGET_NFS)
                return NULL;
        if (ctx_resolve_target(ctx) < 0 || !ctx->target.mountpoint)
                return NULL;
        if (asprintf(&p, "%s%s/%s", ctx->root, streq(ctx->target.mountpoint, "/") ? "" : ctx->target.mountpoint,
                     ctx->target.path[0] == '/' ? ctx->target.path + 1 : ctx->target.path) < 0)
                return NULL;
        return p;
}

static void print_one(const char *base, const char *name, int dfd) {
        _cleanup_free_ char *rec = read_small(dfd, "kdump-capture.status");
        _cleanup_free_ char *result = NULL, *reason = NULL, *bytes = NULL, *secs = NULL, *loc = NULL;
        struct stat st;

        if (!rec) {
                if (fstatat(dfd, "vmcore", &st, AT_SYMLINK_NOFOLLOW) == 0)
                        printf("Last capture: %s/%s holds a vmcore of %" PRIu64 " MiB (no status record)\n", base,
                               name, (uint64_t) st.st_size >> 20);
                else if (fstatat(dfd, "vmcore-incomplete", &st, AT_SYMLINK_NOFOLLOW) == 0)
                        printf("Last capture: FAILED: %s/%s holds only vmcore-incomplete (%" PRIu64
                               " MiB), no status record\n", base, name, (uint64_t) st.st_size >> 20);
                else
                        printf("Last capture: FAILED: %s/%s holds no vmcore, no status record\n", base, name);
                return;
        }
        result = status_get(rec, "result");
        reason = status_get(rec, "reason");
        bytes = status_get(rec, "bytes");
        secs = status_get(rec, "seconds");
        loc = status_get(rec, "location");
        if (result && streq(result, "saved"))
                printf("Last capture: saved to %s/%s (vmcore %.1f MiB%s%s%s%s%s)\n", base, name,
                       bytes ? (double) strtoull(bytes, NULL, 10) / (1024.0 * 1024.0) : 0.0,
                       secs ? " in " : "", secs ? secs : "", secs ? " s" : "",
                       loc && strncmp(loc, "raw:", 4) == 0 ? ", from " : "",
                       loc && strncmp(loc, "raw:", 4) == 0 ? loc + 4 : "");
        else
                printf("Last capture: FAILED: %s (%s/%s)\n", reason ? reason : "no reason recorded", base, name);
}

void last_capture_report(struct kdump_ctx *ctx) {
        _cleanup_free_ char *base = NULL, *newest = NULL;
        _cleanup_close_ int bfd = -1, dfd = -1;
        struct timespec best = {};
        struct dirent *de;
        DIR *d;

        if (!ctx->conf)
                return;
        if (ctx->conf->target.type == KDUMP_TARGET_SSH || ctx->conf->target.type == KDUMP_TARGET_NFS) {
                printf("Last capture: recorded on the %s target, in kdump-capture.status beside each dump\n",
                       kdump_target_type_to_string(ctx->conf->target.type));
                return;
        }
        base = dump_path(ctx);
        if (!base) {
                printf("Last capture: unknown (the dump target is not mounted here)\n");
                return;
        }
        bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        d = bfd >= 0 ? fdopendir(dup(bfd)) : NULL;
        if (!d) {
                printf("Last capture: none in %s\n", base + strlen(ctx->root));
                return;
        }
        /* the newest directory that looks like a dump's: <host>-<date> */
        while ((de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.' || !strstr(de->d_name, "-20") ||
                    fstatat(bfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (!newest || st.st_mtim.tv_sec > best.tv_sec ||
                    (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec > best.tv_nsec)) {
                        free(newest);
                        newest = strdup(de->d_name);
                        best = st.st_mtim;
                }
        }
        closedir(d);
        if (!newest) {
                printf("Last capture: none in %s\n", base + strlen(ctx->root));
                return;
        }
        dfd = openat(bfd, newest, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return;
        print_one(base + strlen(ctx->root), newest, dfd);
}
