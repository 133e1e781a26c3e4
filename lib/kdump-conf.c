/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kdump-conf.h"
#include "shellwords.h"
#include "strv.h"

#define MAX_LINE_LENGTH 4096
#define MAX_DIAGS 200   /* beyond this only the count grows: a 100,000-line
                         * garbage file must not produce 100,000 messages */

enum directive_id {
        D_RAW, D_NFS, D_SSH, D_FS,
        D_PATH, D_SSHKEY, D_CORE_COLLECTOR, D_KDUMP_PRE, D_KDUMP_POST,
        D_EXTRA_BINS, D_EXTRA_MODULES, D_FAILURE_ACTION, D_DEFAULT,
        D_FINAL_ACTION, D_FORCE_REBUILD, D_FORCE_NO_REBUILD, D_DRACUT_ARGS,
        D_FENCE_KDUMP_ARGS, D_FENCE_KDUMP_NODES, D_AUTO_RESET_CRASHKERNEL,
        D_STALL_TIMEOUT, D_KEEP_DUMPS, D_KEEP_FREE_MB,
        _D_MAX,
};

/* The exported table lists what users can write; the removed directives come
 * last.  Filesystem types are listed separately in kdump_fs_types. */
const struct kdump_directive_info kdump_directives[] = {
        { "raw", false, NULL },
        { "nfs", false, NULL },
        { "ssh", false, NULL },
        { "path", false, NULL },
        { "sshkey", false, NULL },
        { "core_collector", false, NULL },
        { "kdump_pre", false, NULL },
        { "kdump_post", false, NULL },
        { "extra_bins", false, NULL },
        { "extra_modules", false, NULL },
        { "failure_action", false, NULL },
        { "default", false, NULL },
        { "final_action", false, NULL },
        { "force_rebuild", false, NULL },
        { "force_no_rebuild", false, NULL },
        { "dracut_args", false, NULL },
        { "fence_kdump_args", false, NULL },
        { "fence_kdump_nodes", false, NULL },
        { "auto_reset_crashkernel", false, NULL },
        { "stall_timeout", false, NULL },
        { "keep_dumps", false, NULL },
        { "keep_free_mb", false, NULL },
        { "net", true, "use 'ssh user@host' or 'nfs host:/export'" },
        { "options", true, "pass module options with 'dracut_args --kernel-cmdline \"module.param=value\"'" },
        { "link_delay", true, "the capture kernel waits for the network by itself, with a bounded timeout" },
        { "disk_timeout", true, "use 'dracut_args --kernel-cmdline \"rd.timeout=SECONDS\"'" },
        { "debug_mem_level", true, "use 'dracut_args --kernel-cmdline \"rd.memdebug=LEVEL\"'" },
        { "blacklist", true, "use 'dracut_args --kernel-cmdline \"rd.driver.blacklist=MODULE\"'" },
        { NULL, false, NULL },
};

const char * const kdump_fs_types[] = {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "virtiofs", NULL,
};

static const char * const action_names[_KDUMP_ACTION_MAX] = {
        [KDUMP_ACTION_REBOOT] = "reboot",
        [KDUMP_ACTION_HALT] = "halt",
        [KDUMP_ACTION_POWEROFF] = "poweroff",
        [KDUMP_ACTION_SHELL] = "shell",
        [KDUMP_ACTION_DUMP_TO_ROOTFS] = "dump_to_rootfs",
};

static const char * const target_names[_KDUMP_TARGET_MAX] = {
        [KDUMP_TARGET_ROOTFS] = "rootfs",
        [KDUMP_TARGET_FS] = "fs",
        [KDUMP_TARGET_RAW] = "raw",
        [KDUMP_TARGET_NFS] = "nfs",
        [KDUMP_TARGET_SSH] = "ssh",
};

const char *kdump_action_to_string(enum kdump_action a) {
        return a < _KDUMP_ACTION_MAX ? action_names[a] : NULL;
}

int kdump_action_from_string(const char *s) {
        for (int i = 0; i < _KDUMP_ACTION_MAX; i++)
                if (streq(s, action_names[i]))
                        return i;
        return -EINVAL;
}

int kdump_conf_select_target(struct kdump_conf *c, size_t i) {
        if (i >= c->n_targets)
                return -ERANGE;
        c->target = &c->targets[i];
        return 0;
}

const char *kdump_target_type_to_string(enum kdump_target_type t) {
        return t < _KDUMP_TARGET_MAX ? target_names[t] : NULL;
}

/* ---- diagnostics ------------------------------------------------------- */

_printf_(4, 5)
static int add_diag(struct kdump_conf *c, unsigned line, bool warning, const char *fmt, ...) {
        va_list ap;
        char *m;
        int r;

        if (!warning)
                c->n_errors++;
        if (c->n_diags >= MAX_DIAGS) {
                c->n_diags++;   /* counted, reported as "... and N more" */
                return 0;
        }

        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        if (c->n_diags % 16 == 0) {
                struct kdump_diag *d = realloc(c->diags, (c->n_diags + 16) * sizeof(*d));
                if (!d) {
                        free(m);
                        return -ENOMEM;
                }
                c->diags = d;
        }
        c->diags[c->n_diags++] = (struct kdump_diag) {
                .line = line, .warning = warning, .message = m,
        };
        return 0;
}

void kdump_conf_print_diags(const struct kdump_conf *c, FILE *f) {
        size_t shown = c->n_diags < MAX_DIAGS ? c->n_diags : MAX_DIAGS;

        for (size_t i = 0; i < shown; i++) {
                const struct kdump_diag *d = &c->diags[i];

                if (d->line > 0)
                        fprintf(f, "%s:%u: %s%s\n", c->filename, d->line,
                                d->warning ? "warning: " : "", d->message);
                else
                        fprintf(f, "%s: %s%s\n", c->filename,
                                d->warning ? "warning: " : "", d->message);
        }
        if (c->n_diags > shown)
                fprintf(f, "%s: ... and %zu more problems not shown\n",
                        c->filename, c->n_diags - shown);
}

/* ---- value checks -------------------------------------------------------- */

bool kdump_device_spec_valid(const char *s) {
        static const char * const tags[] = { "LABEL=", "UUID=", "PARTUUID=", "PARTLABEL=" };
        const char *v;

        if ((v = startswith(s, "/dev/")))
                return *v != '\0' && !strstr(s, "/../") && !strchr(v, ' ');
        for (size_t i = 0; i < ELEMENTSOF(tags); i++)
                if ((v = startswith(s, tags[i])))
                        return *v != '\0';
        return false;
}

char *kdump_device_spec_to_node(const char *s) {
        static const struct { const char *tag, *dir; } map[] = {
                { "LABEL=", "/dev/disk/by-label/" },
                { "UUID=", "/dev/disk/by-uuid/" },
                { "PARTUUID=", "/dev/disk/by-partuuid/" },
                { "PARTLABEL=", "/dev/disk/by-partlabel/" },
        };
        const char *v;

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                size_t dl;
                char *r, *p;

                if (!(v = startswith(s, map[i].tag)))
                        continue;
                /* udev escapes '/' and whitespace in by-label names as \x2f, \x20 */
                dl = strlen(map[i].dir);
                r = malloc(dl + strlen(v) * 4 + 1);
                if (!r)
                        return NULL;
                p = stpcpy(r, map[i].dir);
                for (; *v; v++) {
                        if (*v == '/' || *v == ' ' || *v == '\\')
                                p += sprintf(p, "\\x%02x", (unsigned char) *v);
                        else
                                *p++ = *v;
                }
                *p = '\0';
                return r;
        }
        return strdup(s);
}

static bool absolute_path_valid(const char *s) {
        const char *p;

        if (s[0] != '/')
                return false;
        /* ".." would let a dump escape the target's directory */
        for (p = s; (p = strstr(p, "..")); p += 2)
                if ((p == s || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
                        return false;
        return true;
}

static bool hostname_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '-' && *s != '.' && *s != '_')
                        return false;
        return true;
}

static bool ipv6_valid(const char *s) {
        struct in6_addr a;
        char buf[INET6_ADDRSTRLEN + 16];
        const char *pct = strchr(s, '%');      /* fe80::1%eth0 */
        size_t n = pct ? (size_t) (pct - s) : strlen(s);

        if (n >= sizeof buf)
                return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return inet_pton(AF_INET6, buf, &a) == 1;
}

/* "host", "[v6]" or a bare v6 literal; writes the host without brackets. */
static int parse_host(const char *s, size_t len, char **ret) {
        _cleanup_free_ char *h = NULL;

        if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
                h = strndup(s + 1, len - 2);
                if (!h)
                        return -ENOMEM;
                if (!ipv6_valid(h))
                        return -EINVAL;
        } else {
                h = strndup(s, len);
                if (!h)
                        return -ENOMEM;
                if (strchr(h, ':') ? !ipv6_valid(h) : !hostname_valid(h))
                        return -EINVAL;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

static bool user_valid(const char *s, size_t n) {
        if (n == 0 || s[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr("._-$", s[i]))
                        return false;
        return true;
}

static bool module_name_valid(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '_' && *s != '-')
                        return false;
        return true;
}

/* ---- parsing ------------------------------------------------------------- */

struct parse_state {
        struct kdump_conf *conf;
        enum kdump_conf_mode mode;
        unsigned seen[_D_MAX];          /* line each directive was first set on */
};

static int lookup_directive(const char *name) {
        static const struct { const char *name; enum directive_id id; } map[] = {
                { "raw", D_RAW }, { "nfs", D_NFS }, { "ssh", D_SSH },
                { "path", D_PATH }, { "sshkey", D_SSHKEY },
                { "core_collector", D_CORE_COLLECTOR },
                { "kdump_pre", D_KDUMP_PRE }, { "kdump_post", D_KDUMP_POST },
                { "extra_bins", D_EXTRA_BINS }, { "extra_modules", D_EXTRA_MODULES },
                { "failure_action", D_FAILURE_ACTION }, { "default", D_DEFAULT },
                { "final_action", D_FINAL_ACTION },
                { "force_rebuild", D_FORCE_REBUILD },
                { "force_no_rebuild", D_FORCE_NO_REBUILD },
                { "dracut_args", D_DRACUT_ARGS },
                { "fence_kdump_args", D_FENCE_KDUMP_ARGS },
                { "fence_kdump_nodes", D_FENCE_KDUMP_NODES },
                { "auto_reset_crashkernel", D_AUTO_RESET_CRASHKERNEL },
                { "stall_timeout", D_STALL_TIMEOUT },
                { "keep_dumps", D_KEEP_DUMPS },
                { "keep_free_mb", D_KEEP_FREE_MB },
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(name, map[i].name))
                        return map[i].id;
        for (size_t i = 0; kdump_fs_types[i]; i++)
                if (streq(name, kdump_fs_types[i]))
                        return D_FS;
        return -ENOENT;
}

static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), prev[32], cur[32];

        if (la >= 31 || lb >= 31)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
                        if (prev[j] + 1 < d)
                                d = prev[j] + 1;
                        if (cur[j - 1] + 1 < d)
                                d = cur[j - 1] + 1;
                        cur[j] = d;
                }
                memcpy(prev, cur, sizeof(size_t) * (lb + 1));
        }
        return prev[lb];
}

static const char *suggest_directive(const char *name) {
        const char *best = NULL;
        size_t best_d = 3;      /* suggest only close matches */

        for (size_t i = 0; kdump_directives[i].name; i++) {
                size_t d;
                if (kdump_directives[i].removed)
                        continue;
                d = edit_distance(name, kdump_directives[i].name);
                if (d < best_d) {
                        best_d = d;
                        best = kdump_directives[i].name;
                }
        }
        return best;
}

static int set_string(char **field, const char *value) {
        char *v = strdup(value);

        if (!v)
                return -ENOMEM;
        free(*field);
        *field = v;
        return 0;
}

/* Splits a whitespace-separated list (extra_bins, extra_modules, nodes). */
static int split_list(const char *value, char ***ret) {
        _cleanup_free_ char *copy = strdup(value);
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        char *save = NULL;

        if (!copy || !l)
                return -ENOMEM;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
                if (strv_push(&l, w) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

/* Appends words to *list, and their line to the parallel *lines. */
static int extend_list(char ***list, unsigned **lines, char * const *words, unsigned line) {
        size_t n = strv_length(*list), k = strv_length(words);
        unsigned *l;

        l = realloc(*lines, (n + k + 1) * sizeof(unsigned));
        if (!l)
                return -ENOMEM;
        *lines = l;
        for (size_t i = 0; i < k; i++)
                l[n + i] = line;
        return strv_extend(list, words);
}

/* Where the line of a directive that holds one value is kept; NULL for the
 * target (kdump_target.line) and the lists (a line per word). */
static unsigned *line_field(struct kdump_conf *c, enum directive_id id) {
        switch (id) {
        case D_PATH:                    return &c->lines.path;
        case D_SSHKEY:                  return &c->lines.sshkey;
        case D_CORE_COLLECTOR:          return &c->lines.core_collector;
        case D_KDUMP_PRE:               return &c->lines.kdump_pre;
        case D_KDUMP_POST:              return &c->lines.kdump_post;
        case D_FENCE_KDUMP_ARGS:        return &c->lines.fence_kdump_args;
        case D_FENCE_KDUMP_NODES:       return &c->lines.fence_kdump_nodes;
        case D_DEFAULT:
        case D_FAILURE_ACTION:          return &c->lines.failure_action;
        case D_FINAL_ACTION:            return &c->lines.final_action;
        case D_FORCE_REBUILD:           return &c->lines.force_rebuild;
        case D_FORCE_NO_REBUILD:        return &c->lines.force_no_rebuild;
        case D_AUTO_RESET_CRASHKERNEL:  return &c->lines.auto_reset_crashkernel;
        case D_STALL_TIMEOUT:           return &c->lines.stall_timeout;
        case D_KEEP_DUMPS:              return &c->lines.keep_dumps;
        case D_KEEP_FREE_MB:            return &c->lines.keep_free_mb;
        default:                        return NULL;
        }
}

static void target_clear(struct kdump_target *t) {
        free(t->fstype);
        free(t->device);
        free(t->user);
        free(t->host);
        free(t->export);
        free(t->spec);
        free(t->path);
        *t = (struct kdump_target) { .type = KDUMP_TARGET_ROOTFS };
}

/* Returns 0 on success, -EINVAL with a diag added, -ENOMEM. */
static int parse_target(struct parse_state *s, unsigned line, const char *directive,
                        enum directive_id id, const char *value) {
        struct kdump_conf *c = s->conf;
        struct kdump_target t = { .line = line };
        const char *at, *sep;
        int r;

        switch (id) {
        case D_FS:
                if (streq(directive, "virtiofs") ? !hostname_valid(value)
                                                  : !kdump_device_spec_valid(value)) {
                        r = add_diag(c, line, false,
                                     streq(directive, "virtiofs")
                                     ? "invalid virtiofs tag '%s'"
                                     : "invalid device '%s' for '%s': expected /dev/..., LABEL=, UUID=, PARTUUID= or PARTLABEL=",
                                     value, directive);
                        return r < 0 ? r : -EINVAL;
                }
                t.type = KDUMP_TARGET_FS;
                t.fstype = strdup(directive);
                t.device = strdup(value);
                break;
        case D_RAW:
                if (!kdump_device_spec_valid(value)) {
                        r = add_diag(c, line, false,
                                     "invalid device '%s' for 'raw': expected /dev/..., LABEL=, UUID=, PARTUUID= or PARTLABEL=",
                                     value);
                        return r < 0 ? r : -EINVAL;
                }
                t.type = KDUMP_TARGET_RAW;
                t.device = strdup(value);
                break;
        case D_SSH:
                at = strchr(value, '@');
                if (!at || !user_valid(value, at - value) ||
                    (r = parse_host(at + 1, strlen(at + 1), &t.host)) == -EINVAL) {
                        r = add_diag(c, line, false,
                                     "invalid ssh target '%s': expected user@host or user@[ipv6]", value);
                        return r < 0 ? r : -EINVAL;
                }
                if (r < 0)
                        return r;
                t.type = KDUMP_TARGET_SSH;
                t.user = strndup(value, at - value);
                break;
        case D_NFS:
                if (value[0] == '[') {
                        sep = strstr(value, "]:");
                        sep = sep ? sep + 1 : NULL;
                } else
                        sep = strstr(value, ":/");
                if (!sep || sep[1] != '/' || !absolute_path_valid(sep + 1) ||
                    (r = parse_host(value, sep - value, &t.host)) == -EINVAL) {
                        target_clear(&t);
                        r = add_diag(c, line, false,
                                     "invalid nfs target '%s': expected host:/export or [ipv6]:/export", value);
                        return r < 0 ? r : -EINVAL;
                }
                if (r < 0)
                        return r;
                t.type = KDUMP_TARGET_NFS;
                t.export = strdup(sep + 1);
                break;
        default:
                return -EINVAL;
        }
        t.spec = strdup(value);
        if (!t.spec || (t.type == KDUMP_TARGET_FS && (!t.fstype || !t.device)) ||
            (t.type == KDUMP_TARGET_RAW && !t.device) ||
            (t.type == KDUMP_TARGET_SSH && !t.user) ||
            (t.type == KDUMP_TARGET_NFS && !t.export)) {
                target_clear(&t);
                return -ENOMEM;
        }
        /* no target line was one ROOTFS member; the first line replaces it */
        if (c->targets[0].type == KDUMP_TARGET_ROOTFS)
                c->n_targets = 0;
        target_clear(&c->targets[c->n_targets]);
        c->targets[c->n_targets++] = t;
        c->target = &c->targets[0];
        return 0;
}

static int parse_bool01(const char *v) {
        if (streq(v, "0"))
                return 0;
        if (streq(v, "1"))
                return 1;
        return -EINVAL;
}

static int invalid(struct kdump_conf *c, unsigned line, const char *directive,
                   const char *value, const char *expected) {
        int r = add_diag(c, line, false, "invalid value '%s' for '%s': %s", value, directive, expected);
        return r < 0 ? r : -EINVAL;
}

static int parse_directive(struct parse_state *s, unsigned line, const char *directive,
                           enum directive_id id, const char *value) {
        struct kdump_conf *c = s->conf;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        switch (id) {
        case D_RAW: case D_NFS: case D_SSH: case D_FS:
                return parse_target(s, line, directive, id, value);

        case D_PATH:
        case D_SSHKEY:
        case D_KDUMP_PRE:
        case D_KDUMP_POST:
                if (!absolute_path_valid(value))
                        return invalid(c, line, directive, value,
                                       "expected an absolute path without '..'");
                return set_string(id == D_PATH ? &c->path :
                                  id == D_SSHKEY ? &c->sshkey :
                                  id == D_KDUMP_PRE ? &c->kdump_pre : &c->kdump_post, value);

        case D_CORE_COLLECTOR:
                r = shell_split(value, &words);
                if (r == -ENOMEM)
                        return r;
                if (r <= 0)
                        return invalid(c, line, directive, value,
                                       r == 0 ? "expected a command" : "unbalanced quote or trailing backslash");
                r = set_string(&c->core_collector, value);
                if (r < 0)
                        return r;
                strv_free(c->core_collector_argv);
                c->core_collector_argv = TAKE_PTR(words);
                return 0;

        case D_DRACUT_ARGS:
        case D_FENCE_KDUMP_ARGS:
                r = shell_split(value, &words);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return invalid(c, line, directive, value, "unbalanced quote or trailing backslash");
                if (id == D_DRACUT_ARGS)
                        return extend_list(&c->dracut_args, &c->lines.dracut_args, words, line);
                strv_free(c->fence_kdump_args);
                c->fence_kdump_args = TAKE_PTR(words);
                return 0;

        case D_EXTRA_BINS:
        case D_EXTRA_MODULES:
        case D_FENCE_KDUMP_NODES:
                r = split_list(value, &words);
                if (r < 0)
                        return r;
                STRV_FOREACH(w, words) {
                        if (id == D_EXTRA_MODULES && !module_name_valid(*w))
                                return invalid(c, line, directive, *w, "not a kernel module name");
                        if (id == D_FENCE_KDUMP_NODES && !hostname_valid(*w) && !ipv6_valid(*w))
                                return invalid(c, line, directive, *w, "not a host name or address");
                }
                if (id == D_FENCE_KDUMP_NODES) {
                        strv_free(c->fence_kdump_nodes);
                        c->fence_kdump_nodes = TAKE_PTR(words);
                        return 0;
                }
                if (id == D_EXTRA_BINS)
                        return extend_list(&c->extra_bins, &c->lines.extra_bins, words, line);
                return extend_list(&c->extra_modules, &c->lines.extra_modules, words, line);

        case D_DEFAULT:
        case D_FAILURE_ACTION:
                r = kdump_action_from_string(value);
                if (r < 0)
                        return invalid(c, line, directive, value,
                                       "expected reboot, halt, poweroff, shell or dump_to_rootfs");
                c->failure_action = r;
                return 0;

        case D_FINAL_ACTION:
                r = kdump_action_from_string(value);
                if (r < 0 || r > KDUMP_ACTION_POWEROFF)
                        return invalid(c, line, directive, value, "expected reboot, halt or poweroff");
                c->final_action = r;
                return 0;

        case D_FORCE_REBUILD:
        case D_FORCE_NO_REBUILD:
                r = parse_bool01(value);
                if (r < 0)
                        return invalid(c, line, directive, value, "expected 0 or 1");
                if (id == D_FORCE_REBUILD)
                        c->force_rebuild = r;
                else
                        c->force_no_rebuild = r;
                return 0;

        case D_AUTO_RESET_CRASHKERNEL:
                if (streq(value, "yes"))
                        c->auto_reset_crashkernel = true;
                else if (streq(value, "no"))
                        c->auto_reset_crashkernel = false;
                else
                        return invalid(c, line, directive, value, "expected yes or no");
                return 0;

        case D_STALL_TIMEOUT: {
                _Static_assert(KDUMP_STALL_TIMEOUT_MIN == 10 && KDUMP_STALL_TIMEOUT_MAX == 86400,
                               "the message below names the range");
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(value, &end, 10);
                if (!isdigit((unsigned char) value[0]) || *end || errno ||
                    v < KDUMP_STALL_TIMEOUT_MIN || v > KDUMP_STALL_TIMEOUT_MAX)
                        return invalid(c, line, directive, value,
                                       "expected a number of seconds from 10 to 86400");
                c->stall_timeout = (unsigned) v;
                return 0;
        }

        case D_KEEP_DUMPS:
        case D_KEEP_FREE_MB: {
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(value, &end, 10);
                if (!isdigit((unsigned char) value[0]) || *end || errno || v > 1000000)
                        return invalid(c, line, directive, value,
                                       id == D_KEEP_DUMPS ? "expected a number of dumps (0: keep all)"
                                                          : "expected a number of MiB (0: no limit)");
                if (id == D_KEEP_DUMPS)
                        c->keep_dumps = (unsigned) v;
                else
                        c->keep_free_mb = (unsigned) v;
                return 0;
        }

        default:
                return -EINVAL;
        }
}

static bool directive_accumulates(enum directive_id id) {
        /* Fedora's mkdumprd acts on every such line, so repeating them is legal */
        return id == D_EXTRA_BINS || id == D_EXTRA_MODULES || id == D_DRACUT_ARGS;
}

/* A further target line, a member of the chain.  Returns 0 to parse it, 1
 * when it was refused with a diag (the earlier members stay), <0 on ENOMEM. */
static int check_chain_member(struct parse_state *s, unsigned line, const char *directive, const char *value) {
        struct kdump_conf *c = s->conf;
        int r;

        if (c->n_targets >= KDUMP_TARGETS_MAX) {
                r = add_diag(c, line, false, "too many dump targets: '%s %s' would be number %zu, at most %d are tried",
                             directive, value, c->n_targets + 1, KDUMP_TARGETS_MAX);
                return r < 0 ? r : 1;
        }
        for (size_t i = 0; i < c->n_targets; i++) {
                const struct kdump_target *t = &c->targets[i];
                const char *kind = t->fstype ? t->fstype : kdump_target_type_to_string(t->type);

                if (streq(kind, directive) && streq_ptr(t->spec, value)) {
                        r = add_diag(c, line, false, "dump target '%s %s' is already on line %u",
                                     directive, value, t->line);
                        return r < 0 ? r : 1;
                }
        }
        return 0;
}

static int parse_line(struct parse_state *s, unsigned line, char *text, size_t len) {
        struct kdump_conf *c = s->conf;
        char *p, *directive, *value, *end;
        enum directive_id id;
        unsigned slot, *kept;
        int r;

        if (memchr(text, '\0', len))
                return add_diag(c, line, false, "NUL byte in line");
        text[len] = '\0';

        /* Like Fedora's parser, '#' starts a comment wherever it appears. */
        p = strchr(text, '#');
        if (p)
                *p = '\0';

        /* Trim; a trailing '\r' (a file edited on Windows) counts as space. */
        p = text + strspn(text, " \t\r");
        end = p + strlen(p);
        while (end > p && strchr(" \t\r", end[-1]))
                *--end = '\0';
        if (*p == '\0')
                return 0;

        if (len > MAX_LINE_LENGTH)
                return add_diag(c, line, false, "line too long (%zu bytes, at most %d)",
                                len, MAX_LINE_LENGTH);

        directive = p;
        p += strcspn(p, " \t");
        if (*p)
                *p++ = '\0';
        value = p + strspn(p, " \t");

        for (const char *q = directive; *q; q++)
                if (iscntrl((unsigned char) *q) || (unsigned char) *q >= 0x80)
                        return add_diag(c, line, false, "control or non-ASCII character in directive name");

        r = lookup_directive(directive);
        if (r < 0) {
                for (size_t i = 0; kdump_directives[i].name; i++)
                        if (kdump_directives[i].removed && streq(directive, kdump_directives[i].name))
                                return add_diag(c, line, false, "directive '%s' is no longer supported: %s",
                                                directive, kdump_directives[i].replacement);
                const char *hint = suggest_directive(directive);
                if (hint)
                        return add_diag(c, line, false, "unknown directive '%s' (did you mean '%s'?)",
                                        directive, hint);
                return add_diag(c, line, false, "unknown directive '%s'", directive);
        }
        id = r;

        for (const char *q = value; *q; q++)
                if ((iscntrl((unsigned char) *q) && *q != '\t') || *q == 0x7f)
                        return add_diag(c, line, false, "control character 0x%02x in value of '%s'",
                                        (unsigned char) *q, directive);

        /* One pair of surrounding double quotes is removed, as Fedora does;
         * only when no other quote is inside, so "a" "b" stays two words. */
        len = strlen(value);
        if (len >= 2 && value[0] == '"' && value[len - 1] == '"' && !memchr(value + 1, '"', len - 2)) {
                value[len - 1] = '\0';
                value++;
        }

        if (*value == '\0')
                return add_diag(c, line, false, "directive '%s' needs a value", directive);

        if (id == D_DEFAULT) {
                r = add_diag(c, line, true, "'default' is obsolete, use 'failure_action' instead");
                if (r < 0)
                        return r;
        }

        /* All targets share a slot, as do failure_action and its alias. */
        slot = id == D_RAW || id == D_NFS || id == D_SSH ? D_FS :
               id == D_DEFAULT ? D_FAILURE_ACTION : id;
        if (slot == D_FS && s->seen[D_FS]) {
                r = check_chain_member(s, line, directive, value);
                if (r != 0)
                        return r < 0 ? r : 0;
        } else if (id == D_PATH && s->seen[D_PATH] && s->mode == KDUMP_CONF_LENIENT &&
                   s->seen[D_FS] > s->seen[D_PATH] && c->n_targets > 1 &&
                   !c->targets[c->n_targets - 1].path) {
                /* a baked conf: the dump directory of the member above */
                if (!absolute_path_valid(value))
                        return invalid(c, line, directive, value, "expected an absolute path without '..'");
                return set_string(&c->targets[c->n_targets - 1].path, value);
        } else if (s->seen[slot] && !directive_accumulates(id)) {
                r = add_diag(c, line, false, "duplicate directive '%s' (first set on line %u)",
                             directive, s->seen[slot]);
                if (r < 0)
                        return r;
                /* Lenient: the later line wins, as in Fedora. */
                if (s->mode == KDUMP_CONF_STRICT)
                        return 0;
        }

        r = parse_directive(s, line, directive, id, value);
        if (r == -ENOMEM)
                return r;
        if (r == 0 && (!s->seen[slot] || slot == D_FS))
                s->seen[slot] = line;       /* for targets: the last member's line */
        /* the value in effect: in lenient mode a later duplicate replaces it */
        if (r == 0 && (kept = line_field(c, id)))
                *kept = line;
        return 0;
}

int kdump_conf_new(struct kdump_conf **ret) {
        struct kdump_conf *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (struct kdump_conf) {
                .targets[0].type = KDUMP_TARGET_ROOTFS,
                .n_targets = 1,
                .failure_action = KDUMP_ACTION_REBOOT,
                .final_action = KDUMP_ACTION_REBOOT,
                .auto_reset_crashkernel = true,
                .stall_timeout = KDUMP_DEFAULT_STALL_TIMEOUT,
        };
        c->target = &c->targets[0];
        c->path = strdup(KDUMP_DEFAULT_PATH);
        c->sshkey = strdup(KDUMP_DEFAULT_SSHKEY);
        c->core_collector = strdup(KDUMP_DEFAULT_CORE_COLLECTOR);
        c->filename = strdup("kdump.conf");
        c->extra_bins = calloc(1, sizeof(char *));
        c->extra_modules = calloc(1, sizeof(char *));
        c->dracut_args = calloc(1, sizeof(char *));
        c->fence_kdump_args = calloc(1, sizeof(char *));
        c->fence_kdump_nodes = calloc(1, sizeof(char *));
        r = c->core_collector ? shell_split(c->core_collector, &c->core_collector_argv) : -ENOMEM;
        if (r < 0 || !c->path || !c->sshkey || !c->filename || !c->extra_bins ||
            !c->extra_modules || !c->dracut_args || !c->fence_kdump_args || !c->fence_kdump_nodes) {
                kdump_conf_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void kdump_conf_free(struct kdump_conf *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n_targets; i++)
                target_clear(&c->targets[i]);
        free(c->path);
        free(c->sshkey);
        free(c->core_collector);
        strv_free(c->core_collector_argv);
        free(c->kdump_pre);
        free(c->kdump_post);
        strv_free(c->extra_bins);
        strv_free(c->extra_modules);
        strv_free(c->dracut_args);
        strv_free(c->fence_kdump_args);
        strv_free(c->fence_kdump_nodes);
        free(c->lines.extra_bins);
        free(c->lines.extra_modules);
        free(c->lines.dracut_args);
        free(c->filename);
        for (size_t i = 0; i < c->n_diags && i < MAX_DIAGS; i++)
                free(c->diags[i].message);
        free(c->diags);
        free(c);
}

static int set_filename(struct kdump_conf *c, const char *filename) {
        return set_string(&c->filename, filename ? filename : "kdump.conf");
}

int kdump_conf_parse(const char *data, size_t size, const char *filename,
                     enum kdump_conf_mode mode, struct kdump_conf **ret) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        struct parse_state s = { .mode = mode };
        _cleanup_free_ char *buf = NULL;
        unsigned line = 0;
        int r;

        r = kdump_conf_new(&c);
        if (r < 0)
                return r;
        r = set_filename(c, filename);
        if (r < 0)
                return r;
        s.conf = c;

        buf = malloc(size + 1);        /* parse_line() edits lines in place */
        if (!buf)
                return -ENOMEM;
        memcpy(buf, data, size);
        buf[size] = '\0';

        for (size_t off = 0; off < size;) {
                char *nl = memchr(buf + off, '\n', size - off);
                size_t len = nl ? (size_t) (nl - (buf + off)) : size - off;

                r = parse_line(&s, ++line, buf + off, len);
                if (r < 0)
                        return r;
                off += len + 1;
        }

        if (c->force_rebuild && c->force_no_rebuild) {
                r = add_diag(c, s.seen[D_FORCE_NO_REBUILD], false,
                             "'force_rebuild 1' (line %u) and 'force_no_rebuild 1' cannot both be set",
                             s.seen[D_FORCE_REBUILD]);
                if (r < 0)
                        return r;
                c->force_no_rebuild = false;    /* lenient: rebuilding is the safe side */
        }

        *ret = TAKE_PTR(c);
        return 0;
}

int kdump_conf_load(const char *path, enum kdump_conf_mode mode, struct kdump_conf **ret) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t size = 0;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > KDUMP_CONF_MAX_SIZE) {
                int e = fd < 0 ? errno : 0;
                bool missing = e == ENOENT;

                r = kdump_conf_new(&c);
                if (r < 0)
                        return r;
                r = set_filename(c, path);
                if (r < 0)
                        return r;
                if (e != 0)
                        r = add_diag(c, 0, missing && mode == KDUMP_CONF_LENIENT,
                                     "cannot open: %s", strerror(e));
                else if (S_ISDIR(st.st_mode))
                        r = add_diag(c, 0, false, "is a directory, not a configuration file");
                else if (!S_ISREG(st.st_mode))
                        r = add_diag(c, 0, false, "is not a regular file");
                else
                        r = add_diag(c, 0, false, "file too large (%lld bytes, at most %d)",
                                     (long long) st.st_size, KDUMP_CONF_MAX_SIZE);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(c);
                return 0;
        }

        data = malloc((size_t) st.st_size + 1);
        if (!data)
                return -ENOMEM;
        /* read until EOF, but never past the size limit (the file may grow) */
        for (;;) {
                ssize_t n = read(fd, data + size, (size_t) st.st_size + 1 - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = kdump_conf_new(&c);
                        if (r < 0)
                                return r;
                        r = set_filename(c, path);
                        if (r < 0 || (r = add_diag(c, 0, false, "read error: %s", strerror(errno))) < 0)
                                return r;
                        *ret = TAKE_PTR(c);
                        return 0;
                }
                if (n == 0 || size + (size_t) n > (size_t) st.st_size)
                        break;
                size += (size_t) n;
        }
        return kdump_conf_parse(data, size, path, mode, ret);
}

/* ---- writing ------------------------------------------------------------- */

static void write_words(FILE *f, const char *directive, char * const *words, bool quote) {
        if (strv_length(words) == 0)
                return;
        fputs(directive, f);
        STRV_FOREACH(w, words) {
                _cleanup_free_ char *q = quote ? shell_quote(*w) : NULL;
                fprintf(f, " %s", q ? q : *w);
        }
        fputc('\n', f);
}

static void write_target(FILE *f, const struct kdump_target *t) {
        switch (t->type) {
        case KDUMP_TARGET_FS:
                fprintf(f, "%s %s\n", t->fstype, t->device);
                break;
        case KDUMP_TARGET_RAW:
                fprintf(f, "raw %s\n", t->device);
                break;
        case KDUMP_TARGET_SSH:
                fprintf(f, strchr(t->host, ':') ? "ssh %s@[%s]\n" : "ssh %s@%s\n", t->user, t->host);
                break;
        case KDUMP_TARGET_NFS:
                fprintf(f, strchr(t->host, ':') ? "nfs [%s]:%s\n" : "nfs %s:%s\n", t->host, t->export);
                break;
        default:
                break;
        }
}

int kdump_conf_write(const struct kdump_conf *c, FILE *f) {
        bool ssh = false;

        /* the first member, path, then each further member with its own
         * dump directory when it has one (a `path` line after it) */
        write_target(f, &c->targets[0]);
        fprintf(f, "path %s\n", c->targets[0].path ? c->targets[0].path : c->path);
        for (size_t i = 1; i < c->n_targets; i++) {
                write_target(f, &c->targets[i]);
                if (c->targets[i].path)
                        fprintf(f, "path %s\n", c->targets[i].path);
        }
        for (size_t i = 0; i < c->n_targets; i++)
                ssh = ssh || c->targets[i].type == KDUMP_TARGET_SSH;
        write_words(f, "core_collector", c->core_collector_argv, true);
        if (ssh || !streq(c->sshkey, KDUMP_DEFAULT_SSHKEY))
                fprintf(f, "sshkey %s\n", c->sshkey);
        if (c->kdump_pre)
                fprintf(f, "kdump_pre %s\n", c->kdump_pre);
        if (c->kdump_post)
                fprintf(f, "kdump_post %s\n", c->kdump_post);
        write_words(f, "extra_bins", c->extra_bins, false);
        write_words(f, "extra_modules", c->extra_modules, false);
        write_words(f, "dracut_args", c->dracut_args, true);
        write_words(f, "fence_kdump_args", c->fence_kdump_args, true);
        write_words(f, "fence_kdump_nodes", c->fence_kdump_nodes, false);
        fprintf(f, "failure_action %s\n", kdump_action_to_string(c->failure_action));
        fprintf(f, "final_action %s\n", kdump_action_to_string(c->final_action));
        fprintf(f, "force_rebuild %d\n", c->force_rebuild);
        fprintf(f, "force_no_rebuild %d\n", c->force_no_rebuild);
        fprintf(f, "auto_reset_crashkernel %s\n", c->auto_reset_crashkernel ? "yes" : "no");
        /* only when set: the bytes (and kdumpctl's hash) of every earlier
         * configuration stay the same */
        if (c->stall_timeout != KDUMP_DEFAULT_STALL_TIMEOUT)
                fprintf(f, "stall_timeout %u\n", c->stall_timeout);
        if (c->keep_dumps)
                fprintf(f, "keep_dumps %u\n", c->keep_dumps);
        if (c->keep_free_mb)
                fprintf(f, "keep_free_mb %u\n", c->keep_free_mb);

        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}
