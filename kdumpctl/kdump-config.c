/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-config — Debian's kdump-tools command on kdumpkit.  It is kdumpctl
 * under another name (kdumpctl.mk installs a symbolic link), not a second
 * program: its verbs run kdumpctl's, with the same context, locking and
 * kdump.conf, so the two can never disagree.  What is Debian's: the verb
 * names, the exit codes (0 success, 1 failure) and the messages scripts
 * grep for.  /etc/default/kdump-tools is read, never run, and only to warn
 * where it says something kdump.conf does not (kdump-config(8) maps every
 * variable).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kdump-config.h"
#include "kdumpctl.h"
#include "log.h"
#include "shellwords.h"
#include "strv.h"

#define KDUMP_TOOLS_DEFAULTS "/etc/default/kdump-tools"
/* what Debian's defaults load, and what `symlinks` points at ours */
#define KDUMP_TOOLS_KERNEL KDUMP_STATE_DIR "/vmlinuz"
#define KDUMP_TOOLS_INITRD KDUMP_STATE_DIR "/initrd.img"

/* ---- /etc/default/kdump-tools ------------------------------------------ */

struct defaults_var {
        char *name;
        char *value;
        unsigned line;
};

struct defaults {
        const struct kdump_ctx *ctx;
        const struct kdump_conf *conf;
        char *path;                     /* as read: with the root */
        struct defaults_var *vars;      /* the last assignment of each name */
        size_t n;
};

static void defaults_done(struct defaults *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->vars[i].name);
                free(d->vars[i].value);
        }
        free(d->vars);
        free(d->path);
}

/* One line as sh would assign it, without running anything: "NAME=value"
 * (or "export NAME=value"), the value split by shell_split(), so quotes are
 * removed and nothing is expanded.  Returns 1 with the parts, 0 for a blank
 * line or a comment, -EINVAL for anything else (a command, a second word). */
static int defaults_line(char *l, char **ret_name, char **ret_value) {
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ char *name = NULL, *value = NULL;
        const char *rest;
        bool blank;
        size_t n;
        int r;

        l += strspn(l, " \t");
        if (!*l || *l == '#')
                return 0;
        if (startswith(l, "export "))
                l += strlen("export ") + strspn(l + strlen("export "), " \t");
        n = strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
        if (n == 0 || l[n] != '=' || (l[0] >= '0' && l[0] <= '9'))
                return -EINVAL;
        rest = l + n + 1;
        r = shell_split(rest, &words);
        if (r < 0)
                return r;
        /* "NAME= # comment" is empty; "NAME= cmd" would run cmd */
        blank = rest[0] == ' ' || rest[0] == '\t';
        if (r > 0 && blank && words[0][0] != '#')
                return -EINVAL;
        if (r > 1 && words[1][0] != '#')
                return -EINVAL;
        name = strndup(l, n);
        value = strdup(r > 0 && !blank ? words[0] : "");
        if (!name || !value)
                return -ENOMEM;
        *ret_name = TAKE_PTR(name);
        *ret_value = TAKE_PTR(value);
        return 1;
}

/* Reads the file if there is one; a line it cannot read is warned about and
 * skipped.  Returns 0 (nothing to read is no error) or -ENOMEM. */
static int defaults_load(struct defaults *d) {
        _cleanup_free_ char *data = NULL;
        unsigned line = 0;
        char *l, *next;
        int r;

        d->path = root_path(d->ctx, KDUMP_TOOLS_DEFAULTS);
        if (!d->path)
                return -ENOMEM;
        r = read_file(d->path, 1024 * 1024, &data, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (r != -ENOENT)
                        log_warning_errno(r, "Cannot read %s, ignoring: %m", d->path);
                return 0;
        }
        for (l = data; l; l = next) {
                char *name = NULL, *value = NULL;
                struct defaults_var *v = NULL;

                line++;
                next = strchr(l, '\n');
                if (next)
                        *next++ = '\0';
                r = defaults_line(l, &name, &value);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        fprintf(stderr, "warning: %s:%u: not a NAME=value assignment kdump-config reads "
                                "(it never runs this file), ignoring\n", d->path, line);
                        continue;
                }
                if (r == 0)
                        continue;
                /* the last assignment wins, as in sh */
                for (size_t i = 0; i < d->n && !v; i++)
                        if (streq(d->vars[i].name, name))
                                v = &d->vars[i];
                if (v) {
                        free(name);
                        free(v->value);
                } else {
                        struct defaults_var *vars = reallocarray(d->vars, d->n + 1, sizeof *vars);

                        if (!vars) {
                                free(name);
                                free(value);
                                return -ENOMEM;
                        }
                        d->vars = vars;
                        v = &d->vars[d->n++];
                        v->name = name;
                }
                v->value = value;
                v->line = line;
        }
        return 0;
}

static void defaults_warn(const struct defaults *d, const struct defaults_var *v, const char *fmt, ...)
        _printf_(3, 4);
static void defaults_warn(const struct defaults *d, const struct defaults_var *v, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "warning: %s:%u: %s=%s: ", d->path, v->line, v->name,
                streq(v->name, "FTP_PASSWORD") ? "(not shown)" : v->value);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* The words of a and b, split shell-style, are the same. */
static bool same_words(const char *a, const char *b) {
        _cleanup_strv_free_ char **wa = NULL, **wb = NULL;
        size_t i;

        if (shell_split(a, &wa) < 0 || shell_split(b, &wb) < 0)
                return streq(a, b);
        for (i = 0; wa[i] && wb[i]; i++)
                if (!streq(wa[i], wb[i]))
                        return false;
        return !wa[i] && !wb[i];
}

/* MAKEDUMP_ARGS against core_collector, leaving out -F: Debian adds it for
 * ssh, which kdumpkit's writer does not need. */
static bool same_collector(const char *args, char * const *argv) {
        _cleanup_strv_free_ char **w = NULL;
        char * const *a = argv + 1, * const *b;

        if (!argv[0] || !streq(basename(argv[0]), "makedumpfile") || shell_split(args, &w) < 0)
                return false;
        b = w;
        for (;;) {
                while (*a && streq(*a, "-F"))
                        a++;
                while (*b && streq(*b, "-F"))
                        b++;
                if (!*a || !*b)
                        return !*a && !*b;
                if (!streq(*a, *b))
                        return false;
                a++, b++;
        }
}

/* USE_KDUMP, KDUMP_FAIL_CMD, ...: each warns when kdumpkit would not do what
 * the value asks, saying what to set instead; silent when it agrees. */
static void check_use_kdump(const struct defaults *d, const struct defaults_var *v) {
        if (!streq(v->value, "1"))
                defaults_warn(d, v, "not read: kdump.service decides whether kdump is loaded "
                              "('systemctl disable kdump.service' turns it off)");
}

static void check_kernel(const struct defaults *d, const struct defaults_var *v) {
        if (!streq(v->value, KDUMP_TOOLS_KERNEL) && !streq_ptr(v->value, d->ctx->kernel))
                defaults_warn(d, v, "kdumpkit loads the running kernel (%s) as the capture kernel; "
                              "no kdump.conf directive chooses another", strempty(d->ctx->kernel));
}

static void check_initrd(const struct defaults *d, const struct defaults_var *v) {
        if (!streq(v->value, KDUMP_TOOLS_INITRD) && !streq(v->value, d->ctx->image))
                defaults_warn(d, v, "kdumpkit builds and loads its own capture initramfs (%s); no kdump.conf "
                              "directive loads another ('dracut_args' adds to it)", d->ctx->image);
}

static void check_coredir(const struct defaults *d, const struct defaults_var *v) {
        const char *path = d->conf->targets[0].path ? d->conf->targets[0].path : d->conf->path;

        if (!streq(v->value, path))
                defaults_warn(d, v, "set 'path %s' in %s (it has 'path %s')", v->value, d->ctx->conf_path, path);
}

static void check_fail_cmd(const struct defaults *d, const struct defaults_var *v) {
        static const struct { const char *cmd; enum kdump_action action; } cmds[] = {
                { "reboot", KDUMP_ACTION_REBOOT }, { "halt", KDUMP_ACTION_HALT },
                { "poweroff", KDUMP_ACTION_POWEROFF }, { "sh", KDUMP_ACTION_SHELL },
                { "bash", KDUMP_ACTION_SHELL },
        };
        _cleanup_strv_free_ char **w = NULL;
        int action = -1;

        /* one command and its options, not a shell script */
        if (!strpbrk(v->value, ";&|<>$`") && shell_split(v->value, &w) > 0)
                for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                        if (streq(basename(w[0]), cmds[i].cmd))
                                action = (int) cmds[i].action;
        if (action < 0)
                defaults_warn(d, v, "a command has no kdump.conf equivalent: set 'failure_action' (reboot, halt, "
                              "poweroff, shell or dump_to_rootfs) in %s, or run it from 'kdump_post'",
                              d->ctx->conf_path);
        else if ((enum kdump_action) action != d->conf->failure_action)
                defaults_warn(d, v, "set 'failure_action %s' in %s (it has 'failure_action %s')",
                              kdump_action_to_string((enum kdump_action) action), d->ctx->conf_path,
                              kdump_action_to_string(d->conf->failure_action));
}

static void check_dump_dmesg(const struct defaults *d, const struct defaults_var *v) {
        if (!streq(v->value, "1"))
                defaults_warn(d, v, "kdumpkit always saves vmcore-dmesg.txt beside the dump; no kdump.conf "
                              "directive turns it off");
}

static void check_num_dumps(const struct defaults *d, const struct defaults_var *v) {
        char *end = NULL;
        unsigned long n = strtoul(v->value, &end, 10);

        if (!*v->value || *end || n != d->conf->keep_dumps)
                defaults_warn(d, v, "set 'keep_dumps %s' in %s (it has 'keep_dumps %u')", v->value,
                              d->ctx->conf_path, d->conf->keep_dumps);
}

static void check_compression(const struct defaults *d, const struct defaults_var *v) {
        defaults_warn(d, v, "the dump file is not compressed again: choose makedumpfile's compression "
                      "(-c zlib, -l lzo, -z zstd) in 'core_collector' in %s", d->ctx->conf_path);
}

static void check_debug_kernel(const struct defaults *d, const struct defaults_var *v) {
        defaults_warn(d, v, "not used: makedumpfile filters with the kernel's VMCOREINFO, and no kdump.conf "
                      "directive names a debug kernel");
}

static void check_makedump_args(const struct defaults *d, const struct defaults_var *v) {
        if (!same_collector(v->value, d->conf->core_collector_argv))
                defaults_warn(d, v, "set 'core_collector makedumpfile %s' in %s (it has 'core_collector %s')",
                              v->value, d->ctx->conf_path, d->conf->core_collector);
}

/* The variables whose kdumpkit name is in /etc/sysconfig/kdump. */
static void check_sysconfig(const struct defaults *d, const struct defaults_var *v, const char *key) {
        _cleanup_free_ char *have = NULL;
        int r = sysconfig_get(d->ctx, key, &have);

        if (r < 0)
                log_warning_errno(r, "Cannot read %s%s, ignoring: %m", d->ctx->root, KDUMP_SYSCONFIG);
        else if (r == 0 || !same_words(v->value, have))
                defaults_warn(d, v, "set %s=\"%s\" in %s%s (it has %s%s%s)", key, v->value, d->ctx->root,
                              KDUMP_SYSCONFIG, r == 0 ? "none" : "\"", r == 0 ? "" : have, r == 0 ? "" : "\"");
}

static void check_kexec_args(const struct defaults *d, const struct defaults_var *v) {
        check_sysconfig(d, v, "KEXEC_ARGS");
}

static void check_cmdline(const struct defaults *d, const struct defaults_var *v) {
        check_sysconfig(d, v, "KDUMP_COMMANDLINE");
}

/* Each parameter on the capture kernel's command line: kdumpkit appends its
 * own (reset_devices, nr_cpus=1, irqpoll, ...) and KDUMP_COMMANDLINE_APPEND.
 * Debian's systemd.unit= names its own capture service; kdumpkit's initrd
 * boots rd.systemd.unit=kdump-capture.target. */
static void check_cmdline_append(const struct defaults *d, const struct defaults_var *v) {
        _cleanup_strv_free_ char **want = NULL, **have = NULL, **missing = calloc(1, sizeof(char *));
        _cleanup_free_ char *line = NULL, *list = NULL;

        if (!missing || cmdline_split(v->value, &want) < 0 || capture_cmdline(d->ctx, &line) < 0 ||
            cmdline_split(line, &have) < 0)
                return;
        STRV_FOREACH(w, want)
                if (!startswith(*w, "systemd.unit=") && !strv_contains(have, *w) && strv_push(&missing, *w) < 0)
                        return;
        if (!missing[0] || !(list = strv_join(missing, " ")))
                return;
        defaults_warn(d, v, "the capture kernel's command line lacks '%s': add it to KDUMP_COMMANDLINE_APPEND "
                      "in %s%s", list, d->ctx->root, KDUMP_SYSCONFIG);
}

static void check_hosttag(const struct defaults *d, const struct defaults_var *v) {
        if (!streq(v->value, "hostname"))
                defaults_warn(d, v, "kdumpkit names every dump directory <host name>-<date>; no kdump.conf "
                              "directive uses the IP address");
}

/* NFS=, SSH=: a member of the chain with that spec. */
static void check_remote(const struct defaults *d, const struct defaults_var *v, enum kdump_target_type type) {
        const char *other = NULL;

        for (size_t i = 0; i < d->conf->n_targets; i++) {
                if (d->conf->targets[i].type != type)
                        continue;
                if (streq_ptr(d->conf->targets[i].spec, v->value))
                        return;
                other = d->conf->targets[i].spec;
        }
        if (other)
                defaults_warn(d, v, "add '%s %s' to %s (its %s target is %s)", kdump_target_type_to_string(type),
                              v->value, d->ctx->conf_path, kdump_target_type_to_string(type), other);
        else
                defaults_warn(d, v, "add '%s %s' to %s (it has no %s target)", kdump_target_type_to_string(type),
                              v->value, d->ctx->conf_path, kdump_target_type_to_string(type));
}

static void check_nfs(const struct defaults *d, const struct defaults_var *v) {
        check_remote(d, v, KDUMP_TARGET_NFS);
}

static void check_ssh(const struct defaults *d, const struct defaults_var *v) {
        check_remote(d, v, KDUMP_TARGET_SSH);
}

static void check_nfs_option(const struct defaults *d, const struct defaults_var *v) {
        defaults_warn(d, v, "not used: kdumpkit writes NFS with libnfs, without a mount, and stops a dump "
                      "that makes no progress for 'stall_timeout' (%u s) in %s", d->conf->stall_timeout,
                      d->ctx->conf_path);
}

static void check_ssh_key(const struct defaults *d, const struct defaults_var *v) {
        if (!streq(v->value, d->conf->sshkey))
                defaults_warn(d, v, "set 'sshkey %s' in %s (it has 'sshkey %s')", v->value, d->ctx->conf_path,
                              d->conf->sshkey);
}

static void check_ftp(const struct defaults *d, const struct defaults_var *v) {
        defaults_warn(d, v, "kdumpkit has no FTP target: use an 'ssh' or 'nfs' target in %s", d->ctx->conf_path);
}

static void check_sysctl(const struct defaults *d, const struct defaults_var *v) {
        defaults_warn(d, v, "kdumpkit sets no sysctl when it loads: put it in /etc/sysctl.d/");
}

static void check_retry(const struct defaults *d, const struct defaults_var *v) {
        defaults_warn(d, v, "not used: the writers retry until 'stall_timeout' (%u s) in %s",
                      d->conf->stall_timeout, d->ctx->conf_path);
}

/* Debian's variables (kdump-tools' /etc/default/kdump-tools and kdump-config);
 * kdump-config(8) has the same table. */
static const struct {
        const char *name;
        void (*check)(const struct defaults *d, const struct defaults_var *v);
} defaults_checks[] = {
        { "USE_KDUMP",            check_use_kdump },
        { "KDUMP_KERNEL",         check_kernel },
        { "KDUMP_INITRD",         check_initrd },
        { "KDUMP_COREDIR",        check_coredir },
        { "KDUMP_FAIL_CMD",       check_fail_cmd },
        { "KDUMP_DUMP_DMESG",     check_dump_dmesg },
        { "KDUMP_NUM_DUMPS",      check_num_dumps },
        { "KDUMP_COMPRESSION",    check_compression },
        { "DEBUG_KERNEL",         check_debug_kernel },
        { "MAKEDUMP_ARGS",        check_makedump_args },
        { "KDUMP_KEXEC_ARGS",     check_kexec_args },
        { "KDUMP_CMDLINE",        check_cmdline },
        { "KDUMP_CMDLINE_APPEND", check_cmdline_append },
        { "KDUMP_SYSCTL",         check_sysctl },
        { "HOSTTAG",              check_hosttag },
        { "NFS",                  check_nfs },
        { "NFS_TIMEO",            check_nfs_option },
        { "NFS_RETRANS",          check_nfs_option },
        { "NFS_MOUNT_RETRY",      check_retry },
        { "SSH",                  check_ssh },
        { "SSH_KEY",              check_ssh_key },
        { "SSH_KDUMP_RETRY",      check_retry },
        { "FTP",                  check_ftp },
        { "FTP_USER",             check_ftp },
        { "FTP_PASSWORD",         check_ftp },
        { "FTP_PORT",             check_ftp },
};

/* Warns about every variable of /etc/default/kdump-tools that kdump.conf
 * (read leniently here: the verb itself judges it) does not reflect.  An
 * empty value is Debian's default, and so is no warning; a name Debian does
 * not know is no business of ours.  Never fails: it is advice. */
static void defaults_warnings(struct kdump_ctx *ctx) {
        _cleanup_kdump_conf_ struct kdump_conf *conf = NULL;
        struct defaults d = { .ctx = ctx };

        if (defaults_load(&d) < 0 || d.n == 0)
                goto done;
        if (kdump_conf_load(ctx->conf_path, KDUMP_CONF_LENIENT, &conf) < 0)
                goto done;
        d.conf = conf;
        /* KDUMP_KERNEL is compared with the kernel kdumpkit loads */
        for (size_t i = 0; i < d.n && !ctx->kernel; i++)
                if (streq(d.vars[i].name, "KDUMP_KERNEL") && *d.vars[i].value)
                        (void) ctx_find_kernel(ctx);
        for (size_t i = 0; i < d.n; i++)
                for (size_t j = 0; j < ELEMENTSOF(defaults_checks); j++)
                        if (streq(d.vars[i].name, defaults_checks[j].name) && *d.vars[i].value)
                                defaults_checks[j].check(&d, &d.vars[i]);
done:
        defaults_done(&d);
}

/* ---- the verbs ---------------------------------------------------------- */

/* Debian's checks before load, status and test: a kernel without kexec
 * support, or one booted without crashkernel=.  Says which; 0 or -ENOTSUP. */
static int check_support(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *loaded = root_path(ctx, "/sys/kernel/kexec_crash_loaded");
        _cleanup_free_ char *cmd = root_path(ctx, "/proc/cmdline"), *cmdline = NULL;
        _cleanup_strv_free_ char **words = NULL;
        bool param = false;
        int r = 0;

        if (!loaded || !cmd)
                return log_oom();
        if (access(loaded, F_OK) < 0)
                r = log_error_errno(ENOTSUP, "kdump is not supported by this kernel");
        if (read_one_line(cmd, &cmdline) >= 0 && cmdline_split(cmdline, &words) >= 0)
                STRV_FOREACH(w, words)
                        if (startswith(*w, "crashkernel="))
                                param = true;
        if (!param)
                r = log_error_errno(ENOTSUP, "no crashkernel= parameter in the kernel cmdline");
        return r;
}

/* kdumpctl's verb `name` with no arguments, as kdump-config's exit code. */
static int run_kdumpctl(const char *name) {
        char *argv[] = { (char *) name, NULL };

        return run_verb_named(1, argv) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int no_args(int argc, char **argv) {
        if (argc <= 1)
                return 0;
        log_error("%s takes no arguments", argv[0]);
        return -EINVAL;
}

static int open_config(struct kdump_ctx *ctx, bool need_conf) {
        int r = ctx_init(ctx, kdump_sysroot_env(), false, NULL, NULL);

        return r < 0 || !need_conf ? r : ctx_load_conf(ctx);
}

static void usage(FILE *f);

static int kc_help(int argc, char **argv) {
        (void) argc;
        (void) argv;
        usage(stdout);
        return EXIT_SUCCESS;
}

/* A dry run of load: what start would build and load, nothing run. */
static int kc_test(int argc, char **argv) {
        _cleanup_free_ char *kernel = NULL, *image = NULL;
        struct kdump_ctx ctx;
        int r, supported = 0;

        if (no_args(argc, argv) < 0)
                return EXIT_FAILURE;
        r = open_config(&ctx, false);
        if (r < 0)
                goto done;
        supported = check_support(&ctx);
        defaults_warnings(&ctx);
        r = ctx_load_conf(&ctx);
        if (r >= 0)
                r = ctx_find_kernel(&ctx);
        if (r < 0)
                goto done;
        kernel = root_path(&ctx, ctx.kernel);
        image = root_path(&ctx, ctx.image);
        if (!kernel || !image) {
                r = log_oom();
                goto done;
        }
        printf("kdump kernel: %s (%s)\nkdump initrd: %s\n", kernel, ctx.kver, image);
        ctx.dry_run = true;
        r = do_start(&ctx);
        /* as load would: an unsupported kernel fails it */
        if (r >= 0)
                r = supported;
done:
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int kc_show(int argc, char **argv) {
        struct kdump_ctx ctx;

        if (no_args(argc, argv) < 0)
                return EXIT_FAILURE;
        if (open_config(&ctx, false) >= 0) {
                (void) check_support(&ctx);     /* show shows all the same */
                defaults_warnings(&ctx);
        }
        ctx_done(&ctx);
        return run_kdumpctl("show");
}

static int kc_status(int argc, char **argv) {
        struct kdump_ctx ctx;
        int r, loaded;

        if (no_args(argc, argv) < 0)
                return EXIT_FAILURE;
        r = open_config(&ctx, false);
        if (r >= 0)
                r = check_support(&ctx);
        if (r >= 0) {
                defaults_warnings(&ctx);
                loaded = kexec_crash_loaded(&ctx);
                printf("current state   : %s\n", loaded == 1 ? "ready to kdump" : "Not ready to kdump");
                if (run_kdumpctl("status") != EXIT_SUCCESS || loaded != 1)
                        r = -EIO;
        }
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int kc_load(int argc, char **argv) {
        struct kdump_ctx ctx;
        int r;

        if (no_args(argc, argv) < 0)
                return EXIT_FAILURE;
        r = open_config(&ctx, false);
        if (r >= 0)
                r = check_support(&ctx);
        if (r >= 0)
                defaults_warnings(&ctx);
        ctx_done(&ctx);
        if (r < 0)
                return EXIT_FAILURE;
        if (run_kdumpctl("start") != EXIT_SUCCESS) {
                log_error("failed to load kdump kernel");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static int kc_unload(int argc, char **argv) {
        if (no_args(argc, argv) < 0)
                return EXIT_FAILURE;
        if (run_kdumpctl("stop") != EXIT_SUCCESS) {
                log_error("failed to unload kdump kernel");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

/* kdumpctl's savecore, found by name: a kdumpctl without it says so. */
static int kc_savecore(int argc, char **argv) {
        int r = run_verb_named(argc, argv);

        if (r == -ENOENT) {
                log_error("savecore is not available: this kdumpctl has no 'savecore' verb.");
                return EXIT_FAILURE;
        }
        return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int kc_propagate(int argc, char **argv) {
        struct kdump_ctx ctx;
        int r;

        if (no_args(argc, argv) < 0)
                return EXIT_FAILURE;
        r = open_config(&ctx, true);
        if (r >= 0 && !ctx_chain_has(&ctx, KDUMP_TARGET_SSH))
                r = log_error_errno(EINVAL, "Remote ssh dump is not configured. No reason to propagate");
        if (r >= 0)
                defaults_warnings(&ctx);
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : run_kdumpctl("propagate");
}

/* `link` (in the root) made a symbolic link to `target` (a path inside the
 * root), replacing what is there in one rename. */
static int replace_symlink(const char *target, const char *link) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        if (asprintf(&tmp, "%s.tmp", link) < 0)
                return -ENOMEM;
        (void) unlink(tmp);
        if (symlink(target, tmp) < 0)
                return -errno;
        if (rename(tmp, link) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

/* symlinks KVER: /var/lib/kdump/vmlinuz and initrd.img, the names Debian's
 * KDUMP_KERNEL and KDUMP_INITRD default to, point at KVER's kernel and at
 * its kdumpkit capture image, built (or brought up to date) first. */
static int kc_symlinks(int argc, char **argv) {
        _cleanup_free_ char *kernel = NULL, *kernel_path = NULL, *dir = NULL;
        _cleanup_free_ char *link_kernel = NULL, *link_initrd = NULL;
        char *rebuild[] = { (char *) "rebuild", (char *) "--kver", NULL, (char *) "--if-needed", NULL };
        struct kdump_ctx ctx = {};
        const char *kver;
        int r;

        if (argc < 2) {
                log_error("Invalid argument : missing kernel version");
                return EXIT_FAILURE;
        }
        if (argc > 2) {
                log_error("symlinks takes one kernel version");
                return EXIT_FAILURE;
        }
        kver = argv[1];
        if (!*kver || strchr(kver, '/') || streq(kver, ".") || streq(kver, "..")) {
                log_error("Invalid kernel version : %s", kver);
                return EXIT_FAILURE;
        }
        r = ctx_init(&ctx, kdump_sysroot_env(), false, NULL, kver);
        if (r < 0)
                goto done;
        if (kexec_crash_loaded(&ctx) == 1) {
                r = log_error_errno(EBUSY, "Cannot change symbolic links when kdump is loaded");
                goto done;
        }
        /* Debian's kernel names; the link holds the path as the system sees it */
        for (int i = 0; i < 2 && !kernel; i++) {
                if (asprintf(&kernel, i == 0 ? "/boot/vmlinuz-%s" : "/boot/vmlinux-%s", kver) < 0 ||
                    !(kernel_path = root_path(&ctx, kernel))) {
                        r = log_oom();
                        goto done;
                }
                if (access(kernel_path, F_OK) < 0) {
                        kernel = mfree(kernel);
                        kernel_path = mfree(kernel_path);
                }
        }
        if (!kernel) {
                r = log_error_errno(ENOENT, "Invalid kernel version : %s", kver);
                goto done;
        }
        rebuild[2] = (char *) kver;
        if (run_verb_named(ELEMENTSOF(rebuild) - 1, rebuild) != 0) {
                r = log_error_errno(EIO, "No capture image for kernel %s; the symbolic links are left as they are.",
                                    kver);
                goto done;
        }
        /* the directory, never the links: a link would be followed */
        dir = root_path(&ctx, KDUMP_STATE_DIR);
        if (!dir || asprintf(&link_kernel, "%s/vmlinuz", dir) < 0 ||
            asprintf(&link_initrd, "%s/initrd.img", dir) < 0) {
                r = log_oom();
                goto done;
        }
        log_info("Creating symlink %s", KDUMP_TOOLS_KERNEL);
        r = replace_symlink(kernel, link_kernel);
        if (r < 0) {
                log_error_errno(r, "Failed to create %s: %m", link_kernel);
                goto done;
        }
        log_info("Creating symlink %s", KDUMP_TOOLS_INITRD);
        r = replace_symlink(ctx.image, link_initrd);
        if (r < 0)
                log_error_errno(r, "Failed to create %s: %m", link_initrd);
done:
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static const struct {
        const char *name;
        const char *args;
        int (*run)(int argc, char **argv);
        const char *help;
} kc_verbs[] = {
        { "help",      "",     kc_help,      "print this summary" },
        { "test",      "",     kc_test,      "show the dracut and kexec commands load would run; run neither" },
        { "show",      "",     kc_show,      "show the configuration, target, image and commands (kdumpctl show)" },
        { "status",    "",     kc_status,    "say whether the kdump kernel is loaded (kdumpctl status)" },
        { "load",      "",     kc_load,      "build the capture initramfs if needed and load it (kdumpctl start)" },
        { "unload",    "",     kc_unload,    "unload the kdump kernel (kdumpctl stop)" },
        { "savecore",  "",     kc_savecore,  "save /proc/vmcore from a full boot (kdumpctl savecore)" },
        { "propagate", "",     kc_propagate, "install the ssh key on the ssh target (kdumpctl propagate)" },
        { "symlinks",  "KVER", kc_symlinks,  "point /var/lib/kdump/vmlinuz and initrd.img at KVER's" },
};

static void usage(FILE *f) {
        fprintf(f,
                "Usage: kdump-config {help|test|show|status|load|unload|savecore|propagate|symlinks KVER}\n"
                "Debian's kdump-config on kdumpkit: configured in %s, see kdump-config(8).\n\n"
                "Verbs:\n", SYSCONFDIR "/kdump.conf");
        for (size_t i = 0; i < ELEMENTSOF(kc_verbs); i++)
                fprintf(f, "  %-9s %-4s  %s\n", kc_verbs[i].name, kc_verbs[i].args, kc_verbs[i].help);
}

int kdump_config_main(int argc, char **argv) {
        log_setup("kdump-config", LOG_TARGET_STDERR);
        /* our lines and the warnings on stderr in the order they happen */
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (argc < 2) {
                usage(stderr);
                return EXIT_FAILURE;
        }
        if (streq(argv[1], "-h") || streq(argv[1], "--help"))
                return kc_help(argc - 1, argv + 1);
        for (size_t i = 0; i < ELEMENTSOF(kc_verbs); i++)
                if (streq(argv[1], kc_verbs[i].name))
                        return kc_verbs[i].run(argc - 1, argv + 1);
        log_error("Unknown verb '%s'.", argv[1]);
        usage(stderr);
        return EXIT_FAILURE;
}
