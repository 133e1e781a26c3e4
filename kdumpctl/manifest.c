/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rebuild decision, by content: a manifest beside the image records a
 * SHA-256 of every input.  Keys and paths are relative to the root, and
 * nothing that differs between `rebuild --sysroot DIR` and the booted system
 * goes in, so an image built for DIR looks current inside it.
 *
 * Each file's stat identity (device, inode, size, mtime, ctime) is stored
 * beside its hash, and a file whose identity is unchanged since the last
 * manifest is not read again (as git's index does): under qemu TCG, hashing
 * the kernel alone was most of a nothing-changed `kdumpctl start`.  The
 * identity only saves work, it never decides: a differing one means hashing. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

#define MANIFEST_HEADER "# kdumpkit initramfs manifest v2\n"
#define MANIFEST_HEADER_V1 "# kdumpkit initramfs manifest v1\n"
#define HASH_MISSING "missing"

static const char * const helpers[] = {
        "kdump-target-generator", "kdump-collect", "kdump-failure-action",
        "kdump-ssh-writer", "kdump-nfs-writer", "kdump-raw-writer", "kdump-fence",
};

void manifest_done(struct manifest *m) {
        for (size_t i = 0; i < m->n; i++) {
                free(m->entries[i].key);
                free(m->entries[i].detail);
        }
        free(m->entries);
        *m = (struct manifest) {};
}

static int add_stat(struct manifest *m, const char *key, const char *hash, const char *stat, const char *detail) {
        struct manifest_entry *e;

        /* one entry per key: a repeated input (the same file twice in
         * extra_bins) is the same input */
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->entries[i].key, key))
                        return 0;
        e = realloc(m->entries, (m->n + 1) * sizeof(*e));
        if (!e)
                return -ENOMEM;
        m->entries = e;
        e = &m->entries[m->n];
        *e = (struct manifest_entry) { .key = strdup(key), .detail = detail ? strdup(detail) : NULL };
        if (!e->key || (detail && !e->detail)) {
                free(e->key);
                free(e->detail);
                return -ENOMEM;
        }
        snprintf(e->hash, sizeof e->hash, "%s", hash);
        snprintf(e->stat, sizeof e->stat, "%s", stat ? stat : "");
        m->n++;
        return 0;
}

static int add(struct manifest *m, const char *key, const char *hash, const char *detail) {
        return add_stat(m, key, hash, NULL, detail);
}

/* The manifest the image was built with, while manifest_compute() runs. */
static const struct manifest *prev_manifest;

static const struct manifest_entry *find(const struct manifest *m, const char *key);

/* Hashes `path` (`key` in the manifest) unless the previous manifest has it
 * with the same stat identity; `identity` gets that identity. */
static int hash_file(const char *key, const char *path, char hash[static 65], char identity[static 96]) {
        const struct manifest_entry *o;
        struct stat st;

        identity[0] = '\0';
        if (stat(path, &st) < 0)
                return -errno;
        snprintf(identity, 96, "%llx:%llx:%llx:%lld.%09ld:%lld.%09ld", (unsigned long long) st.st_dev,
                 (unsigned long long) st.st_ino, (unsigned long long) st.st_size, (long long) st.st_mtim.tv_sec,
                 st.st_mtim.tv_nsec, (long long) st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
        if (prev_manifest && (o = find(prev_manifest, key)) && streq(o->stat, identity) &&
            !streq(o->hash, HASH_MISSING)) {
                memcpy(hash, o->hash, 65);
                return 0;
        }
        return sha256_file(path, hash);
}

static int add_string(struct manifest *m, const char *key, const char *value, const char *detail) {
        char h[65];

        sha256_string(value, strlen(value), h);
        return add(m, key, h, detail);
}

/* `path` is inside the root; a missing file is recorded as such, so that
 * its appearance is a change too. */
static int add_file(const struct kdump_ctx *ctx, struct manifest *m, const char *key,
                    const char *path, const char *detail) {
        _cleanup_free_ char *p = root_path(ctx, path);
        char h[65], id[96];
        int r;

        if (!p)
                return -ENOMEM;
        r = hash_file(key, p, h, id);
        if (r < 0)
                snprintf(h, sizeof h, HASH_MISSING);
        return add_stat(m, key, h, r < 0 ? NULL : id, detail);
}

/* nftw has no user pointer; one walk at a time. */
static struct {
        const struct kdump_ctx *ctx;
        struct manifest *m;
        size_t prefix;
        int error;
} walk;

static int walk_one(const char *fpath, const struct stat *st, int type, struct FTW *ftw) {
        _cleanup_free_ char *key = NULL, *detail = NULL;
        char h[65], id[96];
        int r;

        (void) st;
        (void) ftw;
        if (type != FTW_F)
                return 0;
        if (asprintf(&key, "dracut-module:%s", fpath + walk.prefix) < 0 ||
            asprintf(&detail, "dracut module file %s", fpath + strlen(walk.ctx->root)) < 0) {
                walk.error = -ENOMEM;
                return 1;
        }
        r = hash_file(key, fpath, h, id);
        if (r < 0)
                snprintf(h, sizeof h, HASH_MISSING);
        r = add_stat(walk.m, key, h, r < 0 ? NULL : id, detail);
        if (r < 0) {
                walk.error = r;
                return 1;
        }
        return 0;
}

static int add_dracut_modules(const struct kdump_ctx *ctx, struct manifest *m) {
        _cleanup_free_ char *dir = root_path(ctx, dir_env("KDUMP_DRACUTMODDIR", DRACUTMODDIR));
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        struct dirent *de;

        if (!dir || !names)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return 0;       /* no modules: dracut will say so */
        while ((de = readdir(d)))
                if (startswith(de->d_name, "99kdump") && strv_push(&names, de->d_name) < 0)
                        return -ENOMEM;
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/%s", dir, *n) < 0)
                        return -ENOMEM;
                walk.ctx = ctx;
                walk.m = m;
                walk.prefix = strlen(dir) + 1;
                walk.error = 0;
                if (nftw(p, walk_one, 16, FTW_PHYS) < 0 && walk.error == 0)
                        continue;       /* vanished meanwhile: nothing to hash */
                if (walk.error < 0)
                        return walk.error;
        }
        return 0;
}

/* A requested kernel module, found through modules.dep of the target kernel. */
static int add_kernel_module(const struct kdump_ctx *ctx, struct manifest *m, const char *name) {
        _cleanup_free_ char *dep = NULL, *data = NULL, *key = NULL, *detail = NULL, *want = strdup(name);
        char h[65];
        int r;

        if (!want || asprintf(&dep, "%s/lib/modules/%s/modules.dep", ctx->root, ctx->kver) < 0 ||
            asprintf(&key, "kernel-module:%s", name) < 0 ||
            asprintf(&detail, "kernel module %s", name) < 0)
                return -ENOMEM;
        for (char *c = want; *c; c++)
                if (*c == '-')
                        *c = '_';
        snprintf(h, sizeof h, HASH_MISSING);
        if (read_file(dep, 64 * 1024 * 1024, &data, NULL) >= 0)
                for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        char *colon = strchr(l, ':'), *base, *dot;
                        _cleanup_free_ char *rel = NULL;

                        if (!colon)
                                continue;
                        *colon = '\0';
                        base = strrchr(l, '/');
                        base = base ? base + 1 : l;
                        dot = strstr(base, ".ko");
                        if (!dot)
                                continue;
                        *dot = '\0';
                        for (char *c = base; *c; c++)
                                if (*c == '-')
                                        *c = '_';
                        if (!streq(base, want))
                                continue;
                        *dot = '.';
                        if (asprintf(&rel, "/lib/modules/%s/%s", ctx->kver, l) < 0)
                                return -ENOMEM;
                        _cleanup_free_ char *p = root_path(ctx, rel);
                        if (!p)
                                return -ENOMEM;
                        r = sha256_file(p, h);
                        if (r < 0)
                                snprintf(h, sizeof h, HASH_MISSING);
                        break;
                }
        return add(m, key, h, detail);
}

static int add_dracut_version(const struct kdump_ctx *ctx, struct manifest *m) {
        _cleanup_free_ char *p = root_path(ctx, "/usr/lib/dracut/dracut-version.sh");
        _cleanup_free_ char *data = NULL, *detail = NULL;
        const char *v = "unknown";

        if (!p)
                return -ENOMEM;
        if (read_file(p, 65536, &data, NULL) >= 0)
                for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                        if (startswith(l, "DRACUT_VERSION=")) {
                                v = l + strlen("DRACUT_VERSION=");
                                break;
                        }
        if (asprintf(&detail, "dracut version (now %s)", v) < 0)
                return -ENOMEM;
        return add_string(m, "dracut-version", v, detail);
}

static int add_dracut_conf(const struct kdump_ctx *ctx, struct manifest *m) {
        _cleanup_free_ char *dir = root_path(ctx, "/etc/dracut.conf.d");
        struct dirent **list = NULL;
        int n, r;

        if (!dir)
                return -ENOMEM;
        r = add_file(ctx, m, "dracut-conf:/etc/dracut.conf", "/etc/dracut.conf", "/etc/dracut.conf");
        if (r < 0)
                return r;
        n = scandir(dir, &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *in = NULL, *key = NULL;
                const char *name = list[i]->d_name;
                size_t l = strlen(name);

                if (r >= 0 && l > 5 && streq(name + l - 5, ".conf") && name[0] != '.') {
                        if (asprintf(&in, "/etc/dracut.conf.d/%s", name) < 0 ||
                            asprintf(&key, "dracut-conf:%s", in) < 0)
                                r = -ENOMEM;
                        else
                                r = add_file(ctx, m, key, in, in);
                }
                free(list[i]);
        }
        free(list);
        return r < 0 ? r : 0;
}

static bool is_target_line(const char *l, size_t n) {
        static const char * const kinds[] = { "raw", "nfs", "ssh" };

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (strlen(kinds[i]) == n && strncmp(l, kinds[i], n) == 0)
                        return true;
        for (size_t i = 0; kdump_fs_types[i]; i++)
                if (strlen(kdump_fs_types[i]) == n && strncmp(l, kdump_fs_types[i], n) == 0)
                        return true;
        return false;
}

static int cmp_entries(const void *a, const void *b) {
        return strcmp(((const struct manifest_entry *) a)->key, ((const struct manifest_entry *) b)->key);
}

static int manifest_compute_with(const struct kdump_ctx *ctx, struct manifest *ret);

int manifest_compute(const struct kdump_ctx *ctx, struct manifest *ret) {
        _cleanup_free_ char *mpath = manifest_path(ctx);
        struct manifest prev = {};
        int r;

        if (!mpath)
                return -ENOMEM;
        /* no usable previous manifest: everything is hashed */
        if (manifest_read(mpath, &prev) == -ENOMEM)
                return -ENOMEM;
        prev_manifest = &prev;
        r = manifest_compute_with(ctx, ret);
        prev_manifest = NULL;
        manifest_done(&prev);
        return r;
}

static int manifest_compute_with(const struct kdump_ctx *ctx, struct manifest *ret) {
        const struct kdump_conf *c = ctx->conf;
        struct manifest m = {};
        _cleanup_free_ char *conf = NULL, *ident = NULL, *ident_detail = NULL, *kdetail = NULL;
        size_t conf_size = 0;
        unsigned targets = 0;
        const char *libexec = dir_env("KDUMP_LIBEXECDIR", LIBEXECDIR);
        FILE *f;
        int r;

        /* the normalised effective configuration, one entry per directive,
         * so a comment changes nothing and a change names its directive */
        f = open_memstream(&conf, &conf_size);
        if (!f)
                return -ENOMEM;
        r = kdump_conf_write(c, f);
        if (fclose(f) != 0 || r < 0)
                return -ENOMEM;
        for (char *save = NULL, *l = strtok_r(conf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                _cleanup_free_ char *key = NULL, *detail = NULL;
                int n = (int) strcspn(l, " ");
                const char *name = l;
                char member[32];

                /* "target", then "target-2"... for the members of a chain */
                if (is_target_line(l, (size_t) n)) {
                        if (targets++ == 0)
                                snprintf(member, sizeof member, "target");
                        else
                                snprintf(member, sizeof member, "target-%u", targets);
                        name = member;
                        n = (int) strlen(name);
                }
                if (asprintf(&key, "conf:%.*s", n, name) < 0 ||
                    asprintf(&detail, "kdump.conf '%.*s'", n, name) < 0)
                        goto oom;
                r = add_string(&m, key, l, detail);
                if (r < 0)
                        goto fail;
        }

        for (size_t i = 0; i < ctx_n_targets(ctx); i++) {
                _cleanup_free_ char *key = NULL;

                ident = mfree(ident);
                ident_detail = mfree(ident_detail);
                ident = target_identity(&ctx->chain[i]);
                if (!ident || asprintf(&ident_detail, "resolved dump target%s (now %s)",
                                       i == 0 ? "" : " of the chain", ident) < 0 ||
                    (i == 0 ? !(key = strdup("target")) : asprintf(&key, "target-%zu", i + 1) < 0))
                        goto oom;
                r = add_string(&m, key, ident, ident_detail);
                if (r < 0)
                        goto fail;
        }

        if (fence_enabled(ctx)) {
                _cleanup_free_ char *fi = fence_identity(&ctx->fence), *detail = NULL;

                if (!fi || asprintf(&detail, "resolved fence_kdump_nodes (now %s)", fi) < 0)
                        goto oom;
                r = add_string(&m, "fence", fi, detail);
                if (r >= 0)
                        r = add_file(ctx, &m, "fence_kdump_send", KDUMP_FENCE_KDUMP_SEND,
                                     KDUMP_FENCE_KDUMP_SEND);
                if (r < 0)
                        goto fail;
        }

        if (asprintf(&kdetail, "kernel image %s", ctx->kernel) < 0)
                goto oom;
        r = add_file(ctx, &m, "kernel", ctx->kernel, kdetail);
        if (r < 0)
                goto fail;
        r = add_string(&m, "kdumpctl", KDUMPKIT_VERSION, "kdumpctl version (now " KDUMPKIT_VERSION ")");
        if (r < 0)
                goto fail;

        {
                const char *hooks[] = { c->kdump_pre, c->kdump_post };
                for (size_t i = 0; i < ELEMENTSOF(hooks); i++) {
                        _cleanup_free_ char *key = NULL, *detail = NULL;
                        if (!hooks[i])
                                continue;
                        if (asprintf(&key, "hook:%s", hooks[i]) < 0 ||
                            asprintf(&detail, "hook %s", hooks[i]) < 0)
                                goto oom;
                        r = add_file(ctx, &m, key, hooks[i], detail);
                        if (r < 0)
                                goto fail;
                }
        }
        STRV_FOREACH(b, c->extra_bins) {
                _cleanup_free_ char *p = NULL, *key = NULL, *detail = NULL;
                r = resolve_extra_bin(ctx, *b, &p);
                if (r == -ENOMEM)
                        goto oom;
                if (asprintf(&key, "extra_bin:%s", r < 0 ? *b : p) < 0 ||
                    asprintf(&detail, "extra_bins %s", r < 0 ? *b : p) < 0)
                        goto oom;
                r = add_file(ctx, &m, key, r < 0 ? *b : p, detail);
                if (r < 0)
                        goto fail;
        }
        if (ctx_chain_has(ctx, KDUMP_TARGET_SSH)) {
                _cleanup_free_ char *key = NULL, *detail = NULL;
                if (asprintf(&key, "sshkey:%s", c->sshkey) < 0 || asprintf(&detail, "ssh key %s", c->sshkey) < 0)
                        goto oom;
                r = add_file(ctx, &m, key, c->sshkey, detail);
                if (r < 0)
                        goto fail;
                r = add_file(ctx, &m, "known_hosts", KDUMP_KNOWN_HOSTS, "pinned host key " KDUMP_KNOWN_HOSTS);
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; i < ELEMENTSOF(helpers); i++) {
                _cleanup_free_ char *in = NULL, *p = NULL, *key = NULL, *detail = NULL;
                if (asprintf(&in, "%s/%s", libexec, helpers[i]) < 0 || !(p = root_path(ctx, in)))
                        goto oom;
                if (access(p, F_OK) < 0)
                        continue;       /* only the helpers that exist */
                if (asprintf(&key, "helper:%s", helpers[i]) < 0 || asprintf(&detail, "helper %s", in) < 0)
                        goto oom;
                r = add_file(ctx, &m, key, in, detail);
                if (r < 0)
                        goto fail;
        }
        r = add_dracut_modules(ctx, &m);
        if (r < 0)
                goto fail;
        STRV_FOREACH(k, c->extra_modules) {
                r = add_kernel_module(ctx, &m, *k);
                if (r < 0)
                        goto fail;
        }
        r = add_dracut_version(ctx, &m);
        if (r < 0)
                goto fail;
        r = add_dracut_conf(ctx, &m);
        if (r < 0)
                goto fail;

        qsort(m.entries, m.n, sizeof(*m.entries), cmp_entries);
        *ret = m;
        return 0;
oom:
        r = -ENOMEM;
fail:
        manifest_done(&m);
        return r;
}

int manifest_write(const struct manifest *m, const char *path) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        fputs(MANIFEST_HEADER, f);
        for (size_t i = 0; i < m->n; i++)
                fprintf(f, "%s %s %s\n", m->entries[i].hash,
                        m->entries[i].stat[0] ? m->entries[i].stat : "-", m->entries[i].key);
        if (fclose(f) != 0)
                return -ENOMEM;
        return write_file_atomic(path, buf, size, 0600);
}

static int manifest_parse(char *data, struct manifest *ret);

int manifest_read(const char *path, struct manifest *ret) {
        _cleanup_free_ char *data = NULL;
        int r;

        r = read_file(path, 16 * 1024 * 1024, &data, NULL);
        if (r < 0)
                return r;
        return manifest_parse(data, ret);
}

/* An image that a plain `dracut --add kdumpbase` built carries its manifest
 * inside (the module asked `kdumpctl bake` for it): read with dracut's own
 * lsinitrd, which knows every compression and an early cpio in front.
 * -ENOENT when the image has none. */
int manifest_read_embedded(const char *image, struct manifest *ret) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        char *argv[] = { (char *) "lsinitrd", (char *) "-f", (char *) (KDUMP_IMAGE_MANIFEST + 1), (char *) image, NULL };
        int r;

        r = spawn_capture_output(argv, NULL, 60, 16 * 1024 * 1024, &out, &err);
        if (r < 0 || r > 0 || !out || !*out)
                return -ENOENT;
        return manifest_parse(out, ret);
}

static int manifest_parse(char *data, struct manifest *ret) {
        struct manifest m = {};
        bool v1;
        int r;

        /* v1 (no stat identities) reads as well: its files are hashed again */
        v1 = startswith(data, MANIFEST_HEADER_V1);
        if (!v1 && !startswith(data, MANIFEST_HEADER))
                return -EBADMSG;
        for (char *save = NULL, *l = strtok_r(data + strlen(MANIFEST_HEADER), "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(l, ' '), *id = NULL, *sp2;
                if (!sp || sp - l > 64) {
                        manifest_done(&m);
                        return -EBADMSG;
                }
                *sp = '\0';
                if (!v1) {
                        id = sp + 1;
                        sp2 = strchr(id, ' ');
                        if (!sp2 || sp2 - id > 95) {
                                manifest_done(&m);
                                return -EBADMSG;
                        }
                        *sp2 = '\0';
                        sp = sp2;
                        if (streq(id, "-"))
                                id = NULL;
                }
                r = add_stat(&m, sp + 1, l, id, NULL);
                if (r < 0) {
                        manifest_done(&m);
                        return r;
                }
        }
        *ret = m;
        return 0;
}

static const struct manifest_entry *find(const struct manifest *m, const char *key) {
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->entries[i].key, key))
                        return &m->entries[i];
        return NULL;
}

int manifest_diff(const struct manifest *old, const struct manifest *cur, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < cur->n; i++) {
                const struct manifest_entry *e = &cur->entries[i], *o = find(old, e->key);
                const char *what = e->detail ? e->detail : e->key;
                _cleanup_free_ char *s = NULL;

                if (o && streq(o->hash, e->hash))
                        continue;
                if (!o)
                        s = asprintf(&s, "new input: %s", what) < 0 ? NULL : s;
                else if (streq(e->hash, HASH_MISSING))
                        s = asprintf(&s, "%s is missing", what) < 0 ? NULL : s;
                else
                        s = asprintf(&s, "%s changed", what) < 0 ? NULL : s;
                if (!s || strv_push(&l, s) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < old->n; i++) {
                _cleanup_free_ char *s = NULL;

                if (find(cur, old->entries[i].key))
                        continue;
                if (asprintf(&s, "input no longer used: %s", old->entries[i].key) < 0 || strv_push(&l, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return (int) strv_length(*ret);
}

char *manifest_path(const struct kdump_ctx *ctx) {
        char *p;

        if (asprintf(&p, "%s%s.manifest", ctx->root, ctx->image) < 0)
                return NULL;
        return p;
}

int rebuild_needed(const struct kdump_ctx *ctx, const struct manifest *cur, char ***ret) {
        _cleanup_free_ char *image = root_path(ctx, ctx->image), *mpath = manifest_path(ctx);
        _cleanup_strv_free_ char **reasons = NULL;
        struct manifest old = {};
        int r;

        if (!image || !mpath)
                return -ENOMEM;
        if (access(image, F_OK) < 0) {
                reasons = calloc(1, sizeof(char *));
                if (!reasons || strv_push(&reasons, "no initramfs built yet") < 0)
                        return -ENOMEM;
        } else {
                r = manifest_read(mpath, &old);
                if (r == -ENOENT) {
                        r = manifest_read_embedded(image, &old);
                        if (r >= 0)
                                log_info("%s was built by dracut's kdumpbase directly; judging it by the "
                                         "manifest it carries.", image);
                }
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        reasons = calloc(1, sizeof(char *));
                        if (!reasons || strv_push(&reasons, r == -ENOENT ? "the image has no manifest"
                                                                         : "the manifest is unreadable") < 0)
                                return -ENOMEM;
                } else {
                        r = manifest_diff(&old, cur, &reasons);
                        manifest_done(&old);
                        if (r < 0)
                                return r;
                }
        }
        if (ctx->conf->force_rebuild && strv_push(&reasons, "force_rebuild is set in kdump.conf") < 0)
                return -ENOMEM;
        r = strv_length(reasons) > 0;
        *ret = TAKE_PTR(reasons);
        return r;
}
