/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashkernel= on the command line of the next boots.  `kdumpctl
 * reset-crashkernel` sets the value get-default-crashkernel prints, through
 * the tool the boot loader is managed with:
 *   grubby            (Fedora, RHEL): per boot entry, as Fedora's kdumpctl;
 *   Debian's GRUB     a drop-in that grub-mkconfig reads after
 *                     /etc/default/grub, then update-grub;
 *   anything else     refused: we do not guess.
 * With --auto (the package scripts' and kernel hooks' entry point) it only
 * acts when auto_reset_crashkernel is yes, and only on a value that is
 * absent or one kdumpkit set itself (CRASHKERNEL_RECORD), never on one set
 * by hand.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashkernel.h"
#include "log.h"
#include "strv.h"

/* update-grub runs os-prober and grub-probe over every disk */
#define TIMEOUT_BOOTLOADER 300
#define TIMEOUT_GRUBBY 60

/* memparse(): a number with an optional K, M, G, T, P or E suffix. */
static int parse_size(const char *s, const char **end, unsigned long long *ret) {
        static const char suffixes[] = "KMGTPE";
        unsigned long long v;
        const char *sfx;
        char *e;

        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &e, 10);
        if (errno)
                return -EINVAL;
        if (*e && (sfx = strchr(suffixes, toupper((unsigned char) *e)))) {
                unsigned shift = 10 * (unsigned) (sfx - suffixes + 1);

                if (v > (ULLONG_MAX >> shift))
                        return -EINVAL;
                v <<= shift;
                e++;
        }
        *end = e;
        *ret = v;
        return 0;
}

int crashkernel_size(const char *spec, unsigned long long ram, unsigned long long *ret,
                     unsigned long long *ret_min_ram) {
        unsigned long long start, end, size, found = 0, min_ram = ULLONG_MAX;
        bool matched = false;
        const char *p = spec;
        int r;

        if (!strchr(spec, ':')) {
                r = parse_size(p, &p, &size);
                if (r < 0 || (*p && *p != '@' && *p != ','))
                        return -EINVAL;
                *ret = size;
                if (ret_min_ram)
                        *ret_min_ram = 0;
                return 0;
        }
        for (;;) {
                r = parse_size(p, &p, &start);
                if (r < 0 || *p++ != '-')
                        return -EINVAL;
                end = ULLONG_MAX;
                if (*p != ':') {
                        r = parse_size(p, &p, &end);
                        if (r < 0 || end <= start)
                                return -EINVAL;
                }
                if (*p++ != ':')
                        return -EINVAL;
                r = parse_size(p, &p, &size);
                if (r < 0)
                        return r;
                if (size > 0 && start < min_ram)
                        min_ram = start;
                if (!matched && ram >= start && ram < end) {
                        found = size;
                        matched = true;
                }
                if (*p != ',')
                        break;
                p++;
        }
        if (*p && *p != '@')
                return -EINVAL;
        *ret = found;
        if (ret_min_ram)
                *ret_min_ram = min_ram;
        return 0;
}

unsigned long long crashkernel_system_ram(const struct kdump_ctx *ctx) {
        return mem_total(ctx) + reserved_bytes(ctx);
}

/* The crashkernel= of a command line, *ret NULL when none: the last one,
 * which is the one the kernel takes. */
static int cmdline_crashkernel(const char *cmdline, char **ret) {
        _cleanup_strv_free_ char **words = NULL;
        const char *last = NULL;
        size_t n;
        int r;

        r = cmdline_split(cmdline, &words);
        if (r < 0)
                return r;
        STRV_FOREACH(w, words) {
                const char *v = startswith(*w, "crashkernel=");
                if (v)
                        last = v;
        }
        *ret = NULL;
        if (!last)
                return 0;
        n = strlen(last);
        if (n >= 2 && last[0] == '"' && last[n - 1] == '"')
                *ret = strndup(last + 1, n - 2);
        else
                *ret = strdup(last);
        return *ret ? 0 : -ENOMEM;
}

/* ---- warnings ------------------------------------------------------------ */

void crash_cma_report(const struct kdump_ctx *ctx) {
        unsigned long long cma = crash_cma_bytes(ctx);

        if (!cma)
                return;
        log_info("Crash memory: %lluMB reserved + %lluMB from CMA (crashkernel=,cma). The system uses the CMA "
                 "part for movable pages until a crash; those pages are not in the dump (with dump level 31 "
                 "they would be left out anyway), and the kernel waits for DMA to them before it starts the "
                 "capture.", reserved_bytes(ctx) / MiB, cma / MiB);
}

void crashkernel_warnings(struct kdump_ctx *ctx, bool check_reserved) {
        _cleanup_free_ char *cmd_path = root_path(ctx, "/proc/cmdline"), *cmdline = NULL, *param = NULL;
        const char *def = default_crashkernel(kdump_arch());
        /* the CMA part counts: the capture kernel gets both */
        unsigned long long reserved = reserved_bytes(ctx), cma = crash_cma_bytes(ctx), ram = crashkernel_system_ram(ctx);
        unsigned long long def_size = 0, min_ram = 0, recommended = 0;
        struct crash_estimate e;
        bool small;

        if (!cmd_path) {
                log_oom();
                return;
        }
        if (read_one_line(cmd_path, &cmdline) >= 0)
                (void) cmdline_crashkernel(cmdline, &param);
        if (crash_estimate(ctx, &e) >= 0)
                recommended = e.recommended;
        small = def && ram > 0 && crashkernel_size(def, ram, &def_size, &min_ram) >= 0 && def_size == 0;

        if (small)
                log_warning("warning: this machine has %lluMB of RAM, and the default crashkernel=%s reserves "
                            "nothing below %lluMB: 'kdumpctl reset-crashkernel' would reserve no memory here. "
                            "Set crashkernel=%lluM by hand (what 'kdumpctl estimate' recommends) if this "
                            "machine needs kdump.",
                            ram / MiB, def, min_ram / MiB, recommended ? recommended / MiB : 256);
        if (reserved == 0) {
                if (!check_reserved)
                        return;
                if (param)
                        log_warning("warning: no memory is reserved for the crash kernel: the kernel did not "
                                    "reserve crashkernel=%s (/sys/kernel/kexec_crash_size is 0), so kdump cannot "
                                    "work.%s%s%s", param,
                                    small ? "" : " Run 'kdumpctl reset-crashkernel' to set crashkernel=",
                                    small ? "" : def, small ? "" : ", then reboot.");
                else
                        log_warning("warning: no memory is reserved for the crash kernel: crashkernel= is not on "
                                    "the kernel command line, so kdump cannot work.%s%s%s",
                                    small || !def ? "" : " Run 'kdumpctl reset-crashkernel' to set crashkernel=",
                                    small || !def ? "" : def, small || !def ? "" : ", then reboot.");
                return;
        }
        if (cma && recommended && reserved < e.cma_load)
                log_warning("warning: the fixed part of the crash memory is %lluMB, less than the %lluMB the "
                            "kernel and the capture initramfs need outside CMA: kexec cannot load them. Set "
                            "crashkernel=%lluM (with crashkernel=%lluM,cma), then reboot.",
                            reserved / MiB, (e.cma_load + MiB - 1) / MiB, e.cma_fixed / MiB, cma / MiB);
        reserved += cma;
        if (recommended && reserved < recommended) {
                if (def && def_size >= recommended)
                        log_warning("warning: %lluMB is reserved for the crash kernel (crashkernel=%s), less than "
                                    "the %lluMB 'kdumpctl estimate' computes for this configuration: the capture "
                                    "may run out of memory. Run 'kdumpctl reset-crashkernel' to set crashkernel=%s "
                                    "(%lluMB on this machine), then reboot.",
                                    reserved / MiB, strempty(param), recommended / MiB, def, def_size / MiB);
                else
                        log_warning("warning: %lluMB is reserved for the crash kernel (crashkernel=%s), less than "
                                    "the %lluMB 'kdumpctl estimate' computes for this configuration: the capture "
                                    "may run out of memory. The default that 'kdumpctl reset-crashkernel' sets "
                                    "gives %lluMB here, not enough either: set crashkernel=%lluM by hand, then "
                                    "reboot.",
                                    reserved / MiB, strempty(param), recommended / MiB, def_size / MiB,
                                    recommended / MiB);
        }
}

/* ---- the boot loader ----------------------------------------------------- */

enum boot_method {
        BOOT_UNKNOWN,
        BOOT_GRUBBY,
        BOOT_DEBIAN_GRUB,
};

/* Whether `name` is an executable in a PATH directory of the root. */
static bool in_root_path(const struct kdump_ctx *ctx, const char *name) {
        _cleanup_free_ char *path = strdup(getenv("PATH") ?: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

        if (!path)
                return false;
        for (char *save = NULL, *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *in = NULL, *full = NULL;

                if (d[0] != '/' || asprintf(&in, "%s/%s", d, name) < 0)
                        continue;
                full = root_path(ctx, in);
                if (full && is_executable_file(full))
                        return true;
        }
        return false;
}

static enum boot_method boot_method(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *grub = root_path(ctx, GRUB_DEFAULT_FILE);

        if (in_root_path(ctx, "grubby"))
                return BOOT_GRUBBY;
        if (grub && access(grub, F_OK) == 0 && in_root_path(ctx, "update-grub"))
                return BOOT_DEBIAN_GRUB;
        return BOOT_UNKNOWN;
}

static void log_unknown_boot(const struct kdump_ctx *ctx, int level, const char *value) {
        _cleanup_free_ char *kcmd = root_path(ctx, "/etc/kernel/cmdline");
        bool kernel_install = kcmd && access(kcmd, F_OK) == 0;

        log_internal(level, 0, "Cannot tell how this machine boots: there is no grubby in PATH, and no update-grub "
                     "with %s (Debian's GRUB)%s. Add crashkernel=%s to the kernel command line of the boot "
                     "loader by hand, then reboot.", GRUB_DEFAULT_FILE,
                     kernel_install ? "; /etc/kernel/cmdline (kernel-install, systemd-boot) is not managed by "
                                      "kdumpctl" : "",
                     value);
}

/* The values kdumpkit has set: one per line of CRASHKERNEL_RECORD. */
static int read_record(const struct kdump_ctx *ctx, char ***ret) {
        _cleanup_free_ char *path = root_path(ctx, CRASHKERNEL_RECORD), *data = NULL;
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        int r;

        if (!path || !l)
                return -ENOMEM;
        r = read_file(path, 64 * 1024, &data, NULL);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r >= 0)
                for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save))
                        if (*line && *line != '#' && strv_push(&l, line) < 0)
                                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int add_record(const struct kdump_ctx *ctx, char ***record, const char *value) {
        _cleanup_free_ char *path = root_path(ctx, CRASHKERNEL_RECORD), *dir = NULL, *text = NULL, *body = NULL;
        int r;

        if (strv_contains(*record, value))
                return 0;
        if (!path || strv_push(record, value) < 0 || !(dir = root_path(ctx, KDUMP_STATE_DIR)))
                return -ENOMEM;
        body = strv_join(*record, "\n");
        if (!body || asprintf(&text, "# crashkernel= values kdumpctl reset-crashkernel has set; "
                              "an automatic reset changes only these.\n%s\n", body) < 0)
                return -ENOMEM;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text), 0644);
}

/* An automatic reset may change no value, or one kdumpkit set. */
static bool auto_may_change(const char *cur, char * const *record) {
        return !cur || strv_contains(record, cur);
}

struct reset {
        const char *kernel;             /* --kernel: a path, ALL, DEFAULT; NULL: not given */
        bool reboot;
        bool is_auto;
        bool cma;                       /* --cma: a fixed part and crashkernel=SIZE,cma */
        const char *value;              /* what is set */
        char *cma_value;                /* --cma: "FIXED crashkernel=SIZE,cma", o->value points here */
        char **record;
        bool changed;
};

/* ---- grubby ---------------------------------------------------------------- */

struct boot_entry {
        char *kernel;
        char *crashkernel;              /* NULL: none */
};

static void boot_entries_free(struct boot_entry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].kernel);
                free(e[i].crashkernel);
        }
        free(e);
}

/* A `key=value` line of grubby --info, quotes removed. */
static char *info_value(const char *line, const char *key) {
        const char *v = startswith(line, key);
        size_t n;

        if (!v)
                return NULL;
        n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
                return strndup(v + 1, n - 2);
        return strdup(v);
}

/* The boot entries grubby --info=WHICH lists; -ENOENT when grubby says
 * there is no such kernel. */
static int grubby_entries(const char *which, struct boot_entry **ret, size_t *ret_n) {
        _cleanup_free_ char *arg = NULL, *out = NULL, *err = NULL;
        struct boot_entry *e = NULL;
        size_t n = 0;
        int r;

        if (asprintf(&arg, "--info=%s", which) < 0)
                return -ENOMEM;
        char *argv[] = { (char *) "grubby", arg, NULL };
        r = spawn_capture_output(argv, NULL, TIMEOUT_GRUBBY, 1024 * 1024, &out, &err);
        if (r < 0)
                return log_error_errno(r, "Failed to run grubby: %m");
        if (r > 0)
                return -ENOENT;
        for (char *save = NULL, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                _cleanup_free_ char *k = info_value(l, "kernel="), *a = NULL;

                if (k) {
                        struct boot_entry *t = realloc(e, (n + 1) * sizeof *e);

                        if (!t) {
                                boot_entries_free(e, n);
                                return -ENOMEM;
                        }
                        e = t;
                        e[n++] = (struct boot_entry) { .kernel = TAKE_PTR(k) };
                } else if (n > 0 && (a = info_value(l, "args="))) {
                        free(e[n - 1].crashkernel);
                        if (cmdline_crashkernel(a, &e[n - 1].crashkernel) < 0) {
                                boot_entries_free(e, n);
                                return -ENOMEM;
                        }
                }
        }
        *ret = e;
        *ret_n = n;
        return 0;
}

static int grubby_default_kernel(char **ret) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        char *argv[] = { (char *) "grubby", (char *) "--default-kernel", NULL };
        int r;

        r = spawn_capture_output(argv, NULL, TIMEOUT_GRUBBY, 64 * 1024, &out, &err);
        if (r < 0)
                return log_error_errno(r, "Failed to run grubby: %m");
        out[strcspn(out, "\n")] = '\0';
        if (r > 0 || !*out)
                return log_error_errno(ENOENT, "grubby --default-kernel names no kernel%s%s",
                                       *strempty(err) ? ": " : ".", strempty(err));
        *ret = TAKE_PTR(out);
        return 0;
}

static int reset_grubby(struct kdump_ctx *ctx, struct reset *o) {
        _cleanup_free_ char *which = NULL, *args = NULL;
        struct boot_entry *e = NULL;
        size_t n = 0;
        int r;

        if (!o->kernel && o->is_auto)
                which = strdup("ALL");
        else if (!o->kernel) {
                /* Fedora's default: the running kernel */
                r = ctx_find_kernel(ctx);
                if (r < 0)
                        return r;
                which = strdup(ctx->kernel);
        } else if (streq(o->kernel, "DEFAULT")) {
                r = grubby_default_kernel(&which);
                if (r < 0)
                        return r;
        } else
                which = strdup(o->kernel);
        if (!which || asprintf(&args, "--args=crashkernel=%s", o->value) < 0)
                return log_oom();

        r = grubby_entries(which, &e, &n);
        if (r == -ENOENT || (r >= 0 && n == 0)) {
                boot_entries_free(e, n);
                return log_error_errno(ENOENT, "Invalid --kernel=%s: grubby knows no boot entry for it; give the "
                                       "path of an installed kernel, ALL or DEFAULT.", which);
        }
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *upd = NULL, *cmd = NULL;
                bool seen = false;

                for (size_t j = 0; j < i; j++)
                        seen = seen || streq(e[j].kernel, e[i].kernel);
                if (seen)
                        continue;       /* one --update-kernel changes every entry of a kernel */
                if (streq_ptr(e[i].crashkernel, o->value)) {
                        log_info("%s: crashkernel=%s already; nothing to change.", e[i].kernel, o->value);
                        continue;
                }
                if (o->is_auto && !auto_may_change(e[i].crashkernel, o->record)) {
                        log_info("%s: crashkernel=%s was not set by kdumpctl; left as it is "
                                 "(run 'kdumpctl reset-crashkernel' to replace it).", e[i].kernel,
                                 e[i].crashkernel);
                        continue;
                }
                if (asprintf(&upd, "--update-kernel=%s", e[i].kernel) < 0) {
                        r = log_oom();
                        break;
                }
                char *argv[] = { (char *) "grubby", upd, args, NULL };
                cmd = argv_to_string(argv);
                r = spawn_wait(argv, TIMEOUT_GRUBBY);
                if (r != 0) {
                        r = log_error_errno(r < 0 ? r : EIO, "%s failed%s: crashkernel= of %s is not changed.",
                                            strempty(cmd), r < 0 ? " (%m)" : "", e[i].kernel);
                        break;
                }
                log_info("%s: crashkernel=%s -> crashkernel=%s (ran: %s)", e[i].kernel,
                         e[i].crashkernel ?: "(none)", o->value, strempty(cmd));
                o->changed = true;
        }
        boot_entries_free(e, n);
        return r < 0 ? r : 0;
}

/* ---- Debian's GRUB ------------------------------------------------------- */

/* grub-mkconfig sources /etc/default/grub, then each /etc/default/grub.d/NAME.cfg.
 * GRUB_CMDLINE_LINUX goes to every entry (recovery ones too: a crash there
 * is worth a dump as well), GRUB_CMDLINE_LINUX_DEFAULT after it to normal
 * entries only; the kernel takes the last crashkernel=, so any other is
 * removed from both, in the generated grub.cfg only. */
static char *dropin_text(const char *value) {
        char *s;

        if (asprintf(&s,
                     "# Written by 'kdumpctl reset-crashkernel' (kdumpkit): the memory reserved for the\n"
                     "# crash kernel, on every GRUB entry (normal and recovery).  grub-mkconfig reads\n"
                     "# this after " GRUB_DEFAULT_FILE "; it takes any other crashkernel= out of\n"
                     "# GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT (that file is not changed)\n"
                     "# and adds this one.  kdumpctl rewrites this file: to go back to the command\n"
                     "# line of " GRUB_DEFAULT_FILE ", remove it and run update-grub.\n"
                     "KDUMPKIT_CRASHKERNEL='%s'\n"
                     "case $- in *f*) kdumpkit_glob= ;; *) kdumpkit_glob=1; set -f ;; esac\n"
                     "kdumpkit_args=\n"
                     "for kdumpkit_w in $GRUB_CMDLINE_LINUX; do\n"
                     "\tcase $kdumpkit_w in crashkernel=*) ;; *) kdumpkit_args=\"$kdumpkit_args $kdumpkit_w\" ;; esac\n"
                     "done\n"
                     "GRUB_CMDLINE_LINUX=\"${kdumpkit_args# } crashkernel=$KDUMPKIT_CRASHKERNEL\"\n"
                     "GRUB_CMDLINE_LINUX=${GRUB_CMDLINE_LINUX# }\n"
                     "kdumpkit_args=\n"
                     "for kdumpkit_w in $GRUB_CMDLINE_LINUX_DEFAULT; do\n"
                     "\tcase $kdumpkit_w in crashkernel=*) ;; *) kdumpkit_args=\"$kdumpkit_args $kdumpkit_w\" ;; esac\n"
                     "done\n"
                     "GRUB_CMDLINE_LINUX_DEFAULT=${kdumpkit_args# }\n"
                     "if [ -n \"$kdumpkit_glob\" ]; then set +f; fi\n"
                     "unset kdumpkit_args kdumpkit_w kdumpkit_glob\n", value) < 0)
                return NULL;
        return s;
}

/* The value of the drop-in's KDUMPKIT_CRASHKERNEL= line. */
static char *dropin_value(const char *text) {
        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                const char *v = startswith(l, "KDUMPKIT_CRASHKERNEL=");
                size_t n;

                if (!v)
                        continue;
                n = strcspn(v, "\n");
                if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0])
                        return strndup(v + 1, n - 2);
                return strndup(v, n);
        }
        return NULL;
}

/* The crashkernel= that /etc/default/grub puts on a normal entry without our
 * drop-in: the last one of GRUB_CMDLINE_LINUX_DEFAULT, which comes after
 * GRUB_CMDLINE_LINUX, else the last one of GRUB_CMDLINE_LINUX.  Read as
 * text, never run. */
static int grub_default_value(const char *text, char **ret) {
        _cleanup_free_ char *copy = strdup(text), *linux_v = NULL, *default_v = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char **slot;

                l += strspn(l, " \t");
                if (startswith(l, "GRUB_CMDLINE_LINUX_DEFAULT="))
                        slot = &default_v;
                else if (startswith(l, "GRUB_CMDLINE_LINUX="))
                        slot = &linux_v;
                else
                        continue;
                for (char *c = l; (c = strstr(c, "crashkernel=")); c += strlen("crashkernel=")) {
                        const char *v = c + strlen("crashkernel=");

                        if (!strchr(" \t\"'=", c[-1]))
                                continue;       /* foo_crashkernel= */
                        free(*slot);
                        *slot = strndup(v, strcspn(v, " \t\"'"));
                        if (!*slot)
                                return -ENOMEM;
                }
        }
        *ret = default_v ? TAKE_PTR(default_v) : TAKE_PTR(linux_v);
        return 0;
}

/* grub-mkconfig reads the drop-ins in the order of their names: one after
 * ours that sets crashkernel= too (Debian's kdump-tools ships
 * kdump-tools.cfg) has the last word. */
static void warn_later_dropins(const char *dir) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        const char *ours = strrchr(GRUB_CRASHKERNEL_DROPIN, '/') + 1;
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                size_t n = strlen(de->d_name);

                if (n < 5 || !streq(de->d_name + n - 4, ".cfg") || strcmp(de->d_name, ours) <= 0)
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0 || read_file(path, 1024 * 1024, &text, NULL) < 0)
                        continue;
                if (strstr(text, "crashkernel="))
                        log_warning("warning: %s mentions crashkernel= and grub-mkconfig reads it after %s, so "
                                    "a crashkernel= it adds wins; remove it, or that line.", path, ours);
        }
}

static int reset_debian_grub(struct kdump_ctx *ctx, struct reset *o) {
        _cleanup_free_ char *dropin = root_path(ctx, GRUB_CRASHKERNEL_DROPIN), *dir = root_path(ctx, "/etc/default/grub.d");
        _cleanup_free_ char *grub = root_path(ctx, GRUB_DEFAULT_FILE), *grub_text = NULL;
        _cleanup_free_ char *old = NULL, *old_value = NULL, *hand = NULL, *text = NULL;
        char *argv[] = { (char *) "update-grub", NULL };
        const char *cur;
        int r;

        if (!dropin || !dir || !grub)
                return log_oom();
        if (o->kernel && !streq(o->kernel, "ALL") && !streq(o->kernel, "DEFAULT")) {
                if (!o->is_auto)
                        return log_error_errno(EOPNOTSUPP, "--kernel=%s: Debian's GRUB puts one kernel command "
                                               "line (GRUB_CMDLINE_LINUX of %s) on every kernel's entry, so "
                                               "crashkernel= cannot be set for one kernel alone. Use "
                                               "--kernel=ALL, or leave --kernel out.", o->kernel,
                                               GRUB_DEFAULT_FILE);
                /* a kernel hook: the one command line is every kernel's */
                log_info("Debian's GRUB: crashkernel= is the same for every kernel, %s included.", o->kernel);
        }
        r = read_file(dropin, 64 * 1024, &old, NULL);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Cannot read %s: %m", dropin);
        if (old)
                old_value = dropin_value(old);
        r = read_file(grub, 1024 * 1024, &grub_text, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot read %s: %m", grub);
        r = grub_default_value(grub_text, &hand);
        if (r < 0)
                return log_oom();
        warn_later_dropins(dir);
        cur = old ? old_value : hand;
        text = dropin_text(o->value);
        if (!text)
                return log_oom();

        if (old && streq(old, text)) {
                log_info("crashkernel=%s already, set by %s%s; nothing to change.", o->value, dropin,
                         o->kernel ? "" : " for every kernel");
                return 0;
        }
        if (!old && streq_ptr(hand, o->value)) {
                log_info("crashkernel=%s already, in %s; nothing to change.", o->value, grub);
                return 0;
        }
        if (o->is_auto && !auto_may_change(cur, o->record)) {
                log_info("crashkernel=%s in %s was not set by kdumpctl; left as it is (run 'kdumpctl "
                         "reset-crashkernel' to replace it).", cur, old ? dropin : grub);
                return 0;
        }

        r = mkdir_p(dir, 0755);
        if (r >= 0)
                r = write_file_atomic(dropin, text, strlen(text), 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", dropin);
        log_info("Wrote %s: crashkernel=%s -> crashkernel=%s, on every GRUB entry.", dropin, cur ?: "(none)",
                 o->value);
        if (hand && !old)
                log_info("crashkernel=%s stays in %s, but the generated grub.cfg carries only the new value; "
                         "remove %s and run update-grub to go back to it.", hand, grub, dropin);
        log_info("Running update-grub.");
        r = spawn_wait(argv, TIMEOUT_BOOTLOADER);
        if (r != 0) {
                /* grub.cfg was not regenerated: the old drop-in goes back, so
                 * that no later update-grub applies what failed here */
                int k = old ? write_file_atomic(dropin, old, strlen(old), 0644) : unlink(dropin) < 0 ? -errno : 0;

                if (k < 0)
                        log_error_errno(k, "Failed to restore %s: %m", dropin);
                return log_error_errno(r < 0 ? r : EIO, "update-grub failed%s; %s %s, crashkernel= is not changed.",
                                       r < 0 ? " (%m)" : "", dropin, old ? "restored" : "removed again");
        }
        o->changed = true;
        return 0;
}

/* ---- the verb ------------------------------------------------------------ */

static bool valid_value(const char *v) {
        return *v && strspn(v, "0123456789KMGTPEkmgtpe-:,@") == strlen(v);
}

static int reset_crashkernel(struct reset *o) {
        struct kdump_ctx ctx;
        _cleanup_close_ int lock = -1;
        unsigned long long size = 0;
        enum boot_method m;
        int r;

        r = open_ctx(&ctx, false);
        if (r < 0)
                goto done;
        if (o->is_auto) {
                /* read leniently: a package script must not fail over a typo */
                if (kdump_conf_load(ctx.conf_path, KDUMP_CONF_LENIENT, &ctx.conf) < 0)
                        ctx.conf = NULL;
                if (ctx.conf && !ctx.conf->auto_reset_crashkernel) {
                        log_info("auto_reset_crashkernel is no in %s: crashkernel= is left as it is.", ctx.conf_path);
                        r = 0;
                        goto done;
                }
        }
        o->value = default_crashkernel(kdump_arch());
        if (o->value && o->cma) {
                /* two parameters: the plain one is the fixed part; words
                 * after the first value reach the command line as they are
                 * (grubby --args, the GRUB drop-in's crashkernel=$VALUE) */
                unsigned long long fixed = 0, cma = 0;

                if (!kernel_has_crash_cma(&ctx)) {
                        r = log_error_errno(EOPNOTSUPP, "--cma: kernel %s cannot take crashkernel=SIZE,cma (it needs "
                                            "Linux 6.17 or later with CONFIG_CMA).", ctx.kver);
                        goto done;
                }
                r = crashkernel_cma_split(&ctx, &fixed, &cma);
                if (r < 0) {
                        log_error_errno(r, "--cma: no split of the default crashkernel=%s on this machine%s.",
                                        o->value, r == -ERANGE ? " (too small to split)" : "");
                        goto done;
                }
                if (asprintf(&o->cma_value, "%lluM crashkernel=%lluM,cma", fixed / MiB, cma / MiB) < 0) {
                        r = log_oom();
                        goto done;
                }
                o->value = o->cma_value;
        }
        if (!o->value) {
                r = log_error_errno(EOPNOTSUPP, "No default crashkernel= value known for architecture %s.",
                                    kdump_arch());
                goto done;
        }
        if (!o->cma && !valid_value(o->value)) {
                r = log_error_errno(EINVAL, "The default crashkernel=%s is not crashkernel= syntax.", o->value);
                goto done;
        }
        r = kdump_lock(&ctx, &lock);
        if (r < 0)
                goto done;
        r = read_record(&ctx, &o->record);
        if (r < 0) {
                log_error_errno(r, "Cannot read %s%s: %m", ctx.root, CRASHKERNEL_RECORD);
                goto done;
        }

        m = boot_method(&ctx);
        if (m == BOOT_GRUBBY)
                r = reset_grubby(&ctx, o);
        else if (m == BOOT_DEBIAN_GRUB)
                r = reset_debian_grub(&ctx, o);
        else if (o->is_auto) {
                log_unknown_boot(&ctx, LOG_INFO, o->value);
                r = 0;
                goto done;
        } else {
                log_unknown_boot(&ctx, LOG_ERR, o->value);
                r = -EOPNOTSUPP;
                goto done;
        }
        /* what was changed is recorded even when a later kernel failed */
        if (o->changed) {
                int k = add_record(&ctx, &o->record, o->value);
                if (k < 0)
                        log_warning_errno(k, "Failed to record crashkernel=%s in %s%s, ignoring: %m", o->value,
                                          ctx.root, CRASHKERNEL_RECORD);
        }
        if (r < 0)
                goto done;

        if (!o->cma && crashkernel_size(o->value, crashkernel_system_ram(&ctx), &size, NULL) >= 0 && size == 0)
                log_warning("warning: with %lluMB of RAM, crashkernel=%s reserves nothing on this machine.",
                            crashkernel_system_ram(&ctx) / MiB, o->value);
        if (!o->changed) {
                if (o->reboot)
                        log_info("Nothing changed: not rebooting.");
                goto done;
        }
        if (!o->reboot) {
                log_info("Reboot for the new crashkernel= to take effect.");
                goto done;
        }
        log_info("Rebooting for the new crashkernel= to take effect.");
        char *argv[] = { (char *) "systemctl", (char *) "reboot", NULL };
        r = spawn_wait(argv, 60);
        if (r < 0)
                r = log_error_errno(r, "systemctl reboot could not run (%m); reboot by hand.");
        else if (r != 0)
                r = log_error_errno(EIO, "systemctl reboot exited with status %d; reboot by hand.", r);
done:
        strv_free(o->record);
        o->record = NULL;
        o->cma_value = mfree(o->cma_value);
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int verb_reset_crashkernel(int argc, char **argv) {
        static const struct option options[] = {
                { "kernel", required_argument, NULL, 'k' },
                { "reboot", no_argument,       NULL, 'r' },
                { "auto",   no_argument,       NULL, 'a' },
                { "fadump", required_argument, NULL, 'f' },
                { "cma",    no_argument,       NULL, 'c' },
                {}
        };
        struct reset o = {};
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'k':
                        if (!*optarg) {
                                log_error("--kernel needs a kernel path, ALL or DEFAULT.");
                                return EXIT_USAGE;
                        }
                        o.kernel = optarg;
                        break;
                case 'r':
                        o.reboot = true;
                        break;
                case 'a':
                        o.is_auto = true;
                        break;
                case 'c':
                        o.cma = true;
                        break;
                case 'f':
                        /* firmware-assisted dump is POWER's; kdumpkit has none */
                        if (!streq(kdump_arch(), "ppc64le") && !streq(kdump_arch(), "ppc64"))
                                log_error("--fadump is only for ppc64le (POWER's firmware-assisted dump); "
                                          "this machine is %s.", kdump_arch());
                        else
                                log_error("--fadump: kdumpkit does not support firmware-assisted dump.");
                        return EXIT_FAILURE;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                log_error("reset-crashkernel: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        if (o.cma && o.is_auto) {
                /* a split leaves movable pages out of the dump: by hand only */
                log_error("reset-crashkernel: --cma is not for --auto; run it by hand.");
                return EXIT_USAGE;
        }
        return reset_crashkernel(&o);
}

int verb_reset_crashkernel_after_update(int argc, char **argv) {
        struct reset o = { .is_auto = true };

        (void) argv;
        if (argc > 1) {
                log_error("_reset-crashkernel-after-update takes no arguments");
                return EXIT_USAGE;
        }
        return reset_crashkernel(&o);
}

int verb_reset_crashkernel_for_installed_kernel(int argc, char **argv) {
        _cleanup_free_ char *kernel = NULL;
        struct reset o = { .is_auto = true };

        if (argc != 2 || !*argv[1] || strchr(argv[1], '/')) {
                log_error("Usage: kdumpctl _reset-crashkernel-for-installed_kernel KERNEL-VERSION");
                return EXIT_USAGE;
        }
        if (asprintf(&kernel, "/boot/vmlinuz-%s", argv[1]) < 0) {
                log_oom();
                return EXIT_FAILURE;
        }
        o.kernel = kernel;
        return reset_crashkernel(&o);
}
