/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dumps saved under the dump path of a local or raw target, as the
 * first kernel sees them: the last capture's outcome for `kdumpctl status`
 * and `show` (the newest dump directory and the kdump-capture.status the
 * capture, or the raw retrieval, left in it; ssh and nfs targets keep that
 * record on the server), and the retention of keep_dumps / keep_free_mb. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

        if (c->target->type == KDUMP_TARGET_RAW)
                return root_path(ctx, c->path);
        if (c->target->type == KDUMP_TARGET_SSH || c->target->type == KDUMP_TARGET_NFS)
                return NULL;
        if (ctx_resolve_target(ctx) < 0 || !ctx->target->seen_at)
                return NULL;
        if (asprintf(&p, "%s%s", ctx->root, ctx->target->seen_at) < 0)
                return NULL;
        return p;
}

static void print_one(const char *base, const char *name, int dfd) {
        _cleanup_free_ char *rec = read_small(dfd, "kdump-capture.status");
        _cleanup_free_ char *result = NULL, *reason = NULL, *bytes = NULL, *secs = NULL, *loc = NULL;
        _cleanup_free_ char *member = NULL;
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
        /* a chain: which member this was, and why the earlier ones failed */
        member = status_get(rec, "target");
        if (member)
                printf("    as dump target %s\n", member);
        for (unsigned i = 1; i < KDUMP_TARGETS_MAX; i++) {
                _cleanup_free_ char *key = NULL, *why = NULL;

                if (asprintf(&key, "earlier_target_%u", i) < 0 || !(why = status_get(rec, key)))
                        break;
                printf("    target %u failed first: %s\n", i, why);
        }
}

struct dump_entry {
        char *name;
        struct timespec mtime;
        bool complete;                  /* holds a vmcore */
};

static int entry_cmp(const void *a, const void *b) {
        const struct dump_entry *x = a, *y = b;

        if (x->mtime.tv_sec != y->mtime.tv_sec)
                return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
        if (x->mtime.tv_nsec != y->mtime.tv_nsec)
                return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
        return strcmp(x->name, y->name);
}

static void dumps_free(struct dump_entry *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i].name);
        free(l);
}

/* The dump directories under bfd, oldest first. */
static int list_dumps(int bfd, struct dump_entry **ret, size_t *ret_n) {
        struct dump_entry *l = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d = fdopendir(dup(bfd));

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                struct stat st, vm;
                struct dump_entry *nl;

                if (de->d_name[0] == '.' || !strstr(de->d_name, "-20") ||
                    fstatat(bfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                nl = realloc(l, (n + 1) * sizeof *l);
                if (!nl)
                        break;
                l = nl;
                {
                        _cleanup_close_ int dfd = openat(bfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        l[n] = (struct dump_entry) {
                                .name = strdup(de->d_name), .mtime = st.st_mtim,
                                .complete = dfd >= 0 && fstatat(dfd, "vmcore", &vm, AT_SYMLINK_NOFOLLOW) == 0 &&
                                            S_ISREG(vm.st_mode),
                        };
                }
                if (l[n].name)
                        n++;
        }
        closedir(d);
        if (n > 1)
                qsort(l, n, sizeof *l, entry_cmp);
        *ret = l;
        *ret_n = n;
        return 0;
}

static void report_current(struct kdump_ctx *ctx) {
        _cleanup_free_ char *base = NULL;
        _cleanup_close_ int bfd = -1, dfd = -1;
        struct dump_entry *l = NULL;
        size_t n = 0;

        if (ctx->conf->target->type == KDUMP_TARGET_SSH || ctx->conf->target->type == KDUMP_TARGET_NFS) {
                printf("Last capture: recorded on the %s target, in kdump-capture.status beside each dump\n",
                       kdump_target_type_to_string(ctx->conf->target->type));
                return;
        }
        base = dump_path(ctx);
        if (!base) {
                printf("Last capture: unknown (the dump target is not mounted here)\n");
                return;
        }
        bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0 || list_dumps(bfd, &l, &n) < 0 || n == 0) {
                printf("Last capture: none in %s\n", base + strlen(ctx->root));
                free(l);
                return;
        }
        /* the newest, failed or not */
        dfd = openat(bfd, l[n - 1].name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd >= 0)
                print_one(base + strlen(ctx->root), l[n - 1].name, dfd);
        dumps_free(l, n);
}

/* ---- retention ------------------------------------------------------------ */

/* Removes a dump directory: its files, then itself.  A directory holding
 * anything but files is not a dump of ours: left alone. */
static int remove_dump(int bfd, const char *name) {
        _cleanup_close_ int dfd = openat(bfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (dfd < 0)
                return -errno;
        d = fdopendir(dup(dfd));
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        r = -ENOTEMPTY;
        rewinddir(d);
        while (r == 0 && (de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && unlinkat(dfd, de->d_name, 0) < 0)
                        r = -errno;
        closedir(d);
        if (r == 0 && unlinkat(bfd, name, AT_REMOVEDIR) < 0)
                r = -errno;
        return r;
}

static uint64_t free_mib(int fd) {
        struct statvfs sv;

        return fstatvfs(fd, &sv) == 0 ? (uint64_t) sv.f_bavail * sv.f_frsize >> 20 : UINT64_MAX;
}

static int retention_current(struct kdump_ctx *ctx) {
        const struct kdump_conf *c = ctx->conf;
        _cleanup_free_ char *base = NULL;
        _cleanup_close_ int bfd = -1;
        struct dump_entry *l = NULL;
        size_t n = 0, complete = 0, newest = SIZE_MAX;
        int r;

        if (!c->keep_dumps && !c->keep_free_mb)
                return 0;
        base = dump_path(ctx);
        if (!base)
                return 0;
        bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return 0;
        r = list_dumps(bfd, &l, &n);
        if (r < 0)
                return log_warning_errno(r, "Cannot list %s: %m", base);
        for (size_t i = 0; i < n; i++)
                if (l[i].complete) {
                        complete++;
                        newest = i;
                }

        for (size_t i = 0; i < n; i++) {
                const char *why = NULL;

                if (i == newest || i == n - 1)
                        continue;       /* never the newest dump */
                if (!l[i].complete && newest != SIZE_MAX && i < newest)
                        why = "a failed capture's leftover, older than the newest complete dump";
                else if (l[i].complete && c->keep_dumps && complete > c->keep_dumps)
                        why = "keep_dumps";
                else if (l[i].complete && c->keep_free_mb && free_mib(bfd) < c->keep_free_mb)
                        why = "keep_free_mb";
                if (!why)
                        continue;
                r = remove_dump(bfd, l[i].name);
                if (r < 0)
                        log_warning_errno(r, "Cannot remove %s/%s: %m", base + strlen(ctx->root), l[i].name);
                else {
                        log_info("Removed %s/%s (%s).", base + strlen(ctx->root), l[i].name, why);
                        if (l[i].complete)
                                complete--;
                }
        }
        if (c->keep_free_mb && free_mib(bfd) < c->keep_free_mb)
                log_warning("%s has %" PRIu64 " MiB free, less than keep_free_mb %u, with only the newest dump left.",
                            base + strlen(ctx->root), free_mib(bfd), c->keep_free_mb);
        dumps_free(l, n);
        return 0;
}

/* A chain: each member's own dump directory, in the order tried. */
void last_capture_report(struct kdump_ctx *ctx) {
        if (!ctx->conf)
                return;
        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                ctx_select_target(ctx, i);
                report_current(ctx);
        }
        ctx_select_target(ctx, 0);
}

int dumps_retention(struct kdump_ctx *ctx) {
        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                ctx_select_target(ctx, i);
                (void) retention_current(ctx);
        }
        ctx_select_target(ctx, 0);
        return 0;
}
