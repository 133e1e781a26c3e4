/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the capture kernel: crash memory check, the capture command line,
 * Secure Boot detection, kexec -p. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "crashkernel.h"
#include "kdumpctl.h"
#include "log.h"
#include "shellwords.h"
#include "strv.h"

/* Per architecture, what Fedora's kdump.sysconfig.<arch> removes from and
 * appends to the first kernel's command line.  `remove` entries match a
 * parameter name, with or without a value. */
static const struct arch_cmdline {
        const char *arch;
        const char *remove;
        const char *append;
} arch_cmdlines[] = {
        { "x86_64",
          "hugepages hugepagesz slub_debug quiet log_buf_len swiotlb cma hugetlb_cma ignition.firstboot",
          "irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 "
          "panic=10 acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable novmcoredd "
          "cma=0 hugetlb_cma=0 pcie_ports=compat" },
        { "aarch64",
          "hugepages hugepagesz slub_debug quiet log_buf_len swiotlb cma hugetlb_cma ignition.firstboot",
          "irqpoll nr_cpus=1 reset_devices cgroup_disable=memory udev.children-max=2 panic=10 "
          "swiotlb=noforce novmcoredd cma=0 hugetlb_cma=0" },
        { "ppc64le",
          "hugepages hugepagesz slub_debug quiet log_buf_len swiotlb cma hugetlb_cma ignition.firstboot",
          "irqpoll maxcpus=1 noirqdistrib reset_devices cgroup_disable=memory numa=off "
          "udev.children-max=2 ehea.use_mcs=0 panic=10 kvm_cma_resv_ratio=0 "
          "transparent_hugepage=never novmcoredd hugetlb_cma=0" },
        { "s390x",
          "hugepages hugepagesz slub_debug quiet log_buf_len swiotlb vmcp_cma cma hugetlb_cma "
          "prot_virt ignition.firstboot zfcp.allow_lun_scan",
          "nr_cpus=1 cgroup_disable=memory numa=off udev.children-max=2 panic=10 "
          "transparent_hugepage=never novmcoredd vmcp_cma=0 cma=0 hugetlb_cma=0" },
        { "riscv64",
          "hugepages hugepagesz slub_debug quiet log_buf_len swiotlb cma hugetlb_cma ignition.firstboot",
          "irqpoll nr_cpus=1 reset_devices cgroup_disable=memory udev.children-max=2 panic=10 "
          "novmcoredd cma=0 hugetlb_cma=0" },
};

/* Removed on every architecture, as Fedora's kdumpctl does:
 *   crashkernel      the capture kernel reserves nothing
 *   panic_on_warn    a harmless warning would end the capture
 *   trace_buf_size, trace_event   tracing buffers cost memory (we append trace_buf_size=1)
 *   rd.lvm.lv rd.luks.uuid rd.dm.uuid rd.md.uuid fcoe   regenerated for the
 *                    dump target by dracut --hostonly-cmdline
 *   netroot rd.iscsi.initiator iscsi_initiator   duplicated by the iscsi code
 *   default_hugepagesz resume resume_offset   huge pages and hibernation
 *                    have no business in a capture boot
 *   rd.shell rd.emergency   dracut's emergency handling: in the capture it
 *                    is kdump-failure-action --emergency's, which waits for a
 *                    dump in progress (rd.shell=0 would make dracut halt)
 * root=, rootflags= and rootfstype= are renamed, not removed (hide_root). */
static const char * const always_remove[] = {
        "crashkernel", "panic_on_warn", "trace_buf_size", "trace_event",
        "rd.lvm.lv", "rd.luks.uuid", "rd.dm.uuid", "rd.md.uuid", "fcoe",
        "netroot", "rd.iscsi.initiator", "iscsi_initiator",
        "default_hugepagesz", "resume", "resume_offset",
        "systemd.unit", "rd.systemd.unit", "rd.shell", "rd.emergency",
};

/* Added on every architecture: tiny trace buffer, no GPT partition
 * auto-discovery (it would mount whatever partitions it finds), and the
 * capture target as the initrd's goal.  systemd in an initrd starts
 * initrd.target, not default.target, so only the command line can make it
 * boot kdump-capture.target, which never mounts /sysroot or switches root.
 * rootfstype=ramfs: with no root= (hide_root) the kernel unpacks the
 * initramfs into a tmpfs that may hold half of the memory free at that
 * point, and at the smallest reservations that is less than the image: at
 * crashkernel=88M Debian 13's kernel had 21.4 MiB free, so 10.7 MiB of tmpfs
 * for a 14.1 MiB image ("Initramfs unpacking failed: write error",
 * bench/results/2026-12-03-*-trixie-*).  ramfs has no such limit, on every
 * kernel (Linux 6.18's initramfs_options=size= only raises it, and only
 * there); the capture writes nothing big into /, its /run and /tmp are
 * systemd's own tmpfs mounts. */
static const char * const always_append[] = {
        "trace_buf_size=1", "rd.systemd.gpt_auto=0", "rd.systemd.unit=kdump-capture.target", "rootfstype=ramfs",
};

const char *kdump_arch(void) {
        static struct utsname u;
        const char *e = secure_getenv("KDUMP_ARCH");   /* tests: a fixed arch */

        if (e && *e)
                return e;
        if (uname(&u) < 0)
                return "unknown";
        return u.machine;
}

static const struct arch_cmdline *arch_cmdline(void) {
        const char *a = kdump_arch();

        for (size_t i = 0; i < ELEMENTSOF(arch_cmdlines); i++)
                if (streq(arch_cmdlines[i].arch, a))
                        return &arch_cmdlines[i];
        return NULL;
}

/* Splits a kernel command line: whitespace separates, double quotes group
 * (param="a b" stays one word, quotes kept). */
int cmdline_split(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        while (*s) {
                const char *start;
                bool q = false;

                s += strspn(s, " \t\n");
                if (!*s)
                        break;
                start = s;
                for (; *s && (q || !strchr(" \t\n", *s)); s++)
                        if (*s == '"')
                                q = !q;
                _cleanup_free_ char *w = strndup(start, (size_t) (s - start));
                if (!w || strv_push(&l, w) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool param_matches(const char *word, const char *name) {
        size_t n = strlen(name);
        return strncmp(word, name, n) == 0 && (word[n] == '\0' || word[n] == '=');
}

static bool has_param(char * const *l, const char *name) {
        STRV_FOREACH(w, l)
                if (param_matches(*w, name))
                        return true;
        return false;
}

static int remove_params(char ***l, char * const *names) {
        _cleanup_strv_free_ char **out = calloc(1, sizeof(char *));

        if (!out)
                return -ENOMEM;
        STRV_FOREACH(w, *l) {
                bool drop = false;
                STRV_FOREACH(n, names)
                        if (param_matches(*w, *n)) {
                                drop = true;
                                break;
                        }
                if (!drop && strv_push(&out, *w) < 0)
                        return -ENOMEM;
        }
        strv_free(*l);
        *l = TAKE_PTR(out);
        return 0;
}

/* The capture never mounts the root file system as its root, but dracut
 * waits for a root= device in its initqueue (dracut-ng's rootfs generator
 * even with rootfs-block left out) and, when the image rightly has no driver
 * for it, runs its timeout scripts and its emergency in the middle of a
 * dump.  Our generator still needs the values, for the default target and
 * dump_to_rootfs: it reads them as kdump.root=, kdump.rootflags= and
 * kdump.rootfstype=, which nothing else looks at. */
static int hide_root(char **l) {
        static const char * const names[] = { "root", "rootflags", "rootfstype" };

        for (char **w = l; *w; w++)
                for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                        char *n;
                        if (!param_matches(*w, names[i]))
                                continue;
                        if (asprintf(&n, "kdump.%s", *w) < 0)
                                return -ENOMEM;
                        free(*w);
                        *w = n;
                        break;
                }
        return 0;
}

static int append_params(char ***l, char * const *words) {
        STRV_FOREACH(w, words)
                if (!strv_contains(*l, *w) && strv_push(l, *w) < 0)
                        return -ENOMEM;
        return 0;
}

static int append_string(char ***l, const char *s) {
        _cleanup_strv_free_ char **w = NULL;
        int r = cmdline_split(s, &w);

        return r < 0 ? r : append_params(l, w);
}

/* The capture names local dump directories <hostname>-<date>, but its
 * initramfs need not know the name: an image built for others (rebuild
 * --sysroot, no hostonly) carries no /etc/hostname, and dracut 112 leaves it
 * out of those.  The running system knows it when it loads the capture
 * kernel; systemd in the capture initrd sets it from systemd.hostname=.
 * Returns 1 and the name, 0 when there is none worth passing. */
static int running_hostname(const struct kdump_ctx *ctx, char **ret) {
        _cleanup_free_ char *p = root_path(ctx, "/proc/sys/kernel/hostname"), *name = NULL;

        if (!p)
                return -ENOMEM;
        if (read_one_line(p, &name) < 0 || !*name || streq(name, "(none)") || streq(name, "localhost") ||
            strlen(name) > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") !=
                                         strlen(name))
                return 0;
        *ret = TAKE_PTR(name);
        return 1;
}

/* x86: the boot CPU's APIC id must not be brought up again by the capture
 * kernel (Fedora's disable_cpu_apicid). */
static int boot_cpu_apicid(const struct kdump_ctx *ctx, char **ret) {
        _cleanup_free_ char *p = root_path(ctx, "/proc/cpuinfo"), *data = NULL;

        if (!p)
                return -ENOMEM;
        if (read_file(p, 16 * 1024 * 1024, &data, NULL) < 0)
                return 0;
        for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                const char *v = startswith(l, "initial apicid");
                if (!v)
                        continue;
                v += strspn(v, " \t:");
                *ret = strndup(v, strcspn(v, " \t"));
                return *ret ? 1 : -ENOMEM;
        }
        return 0;
}

int capture_cmdline(const struct kdump_ctx *ctx, char **ret) {
        _cleanup_free_ char *base = NULL, *p = NULL, *extra_remove = NULL, *extra_append = NULL, *apic = NULL;
        _cleanup_strv_free_ char **words = NULL, **rm = calloc(1, sizeof(char *));
        _cleanup_strv_free_ char **net_dracut = NULL, **net_cmdline = NULL, **init_args = NULL;
        const struct arch_cmdline *a = arch_cmdline();
        int r;

        if (!rm)
                return -ENOMEM;
        r = sysconfig_get(ctx, "KDUMP_COMMANDLINE", &base);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s%s: %m", ctx->root, KDUMP_SYSCONFIG);
        if (r == 0 || !*base) {
                base = mfree(base);
                p = root_path(ctx, "/proc/cmdline");
                if (!p)
                        return -ENOMEM;
                r = read_one_line(p, &base);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", p);
        }
        r = cmdline_split(base, &words);
        if (r < 0)
                return r;
        /* words after "--" are for init, not the kernel: keep them apart
         * and last, so that nothing we append lands among them */
        for (size_t i = 0; words[i]; i++)
                if (streq(words[i], "--")) {
                        init_args = strv_copy(words + i);
                        if (!init_args)
                                return -ENOMEM;
                        for (size_t j = i; words[j]; j++)
                                words[j] = mfree(words[j]);
                        break;
                }

        for (size_t i = 0; i < ELEMENTSOF(always_remove); i++)
                if (strv_push(&rm, always_remove[i]) < 0)
                        return -ENOMEM;
        if (a) {
                _cleanup_strv_free_ char **w = NULL;
                if (cmdline_split(a->remove, &w) < 0 || strv_extend(&rm, w) < 0)
                        return -ENOMEM;
        }
        r = sysconfig_get(ctx, "KDUMP_COMMANDLINE_REMOVE", &extra_remove);
        if (r < 0)
                return r;
        if (r > 0) {
                _cleanup_strv_free_ char **w = NULL;
                if (cmdline_split(extra_remove, &w) < 0 || strv_extend(&rm, w) < 0)
                        return -ENOMEM;
        }
        r = remove_params(&words, rm);
        if (r < 0)
                return r;
        r = hide_root(words);
        if (r < 0)
                return r;

        if (a && (r = append_string(&words, a->append)) < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(always_append); i++)
                if (!strv_contains(words, always_append[i]) && strv_push(&words, always_append[i]) < 0)
                        return -ENOMEM;
        if (!has_param(words, "systemd.hostname")) {
                _cleanup_free_ char *name = NULL, *w = NULL;

                r = running_hostname(ctx, &name);
                if (r < 0)
                        return r;
                if (r > 0 && (asprintf(&w, "systemd.hostname=%s", name) < 0 || strv_push(&words, w) < 0))
                        return -ENOMEM;
        }
        if (streq(kdump_arch(), "x86_64")) {
                r = boot_cpu_apicid(ctx, &apic);
                if (r < 0)
                        return r;
                if (r > 0) {
                        _cleanup_free_ char *w = NULL;
                        if (asprintf(&w, "disable_cpu_apicid=%s", apic) < 0 || strv_push(&words, w) < 0)
                                return -ENOMEM;
                }
        }
        r = kdumpctl_network_args(ctx, &net_dracut, &net_cmdline);
        if (r < 0)
                return r;
        r = append_params(&words, net_cmdline);
        if (r < 0)
                return r;
        r = sysconfig_get(ctx, "KDUMP_COMMANDLINE_APPEND", &extra_append);
        if (r < 0)
                return r;
        if (r > 0 && (r = append_string(&words, extra_append)) < 0)
                return r;
        if (strv_extend(&words, init_args) < 0)
                return -ENOMEM;

        *ret = strv_join(words, " ");
        return *ret ? 0 : -ENOMEM;
}

/* efivars: 4 bytes of attributes, then the value. */
static int efivar_byte(const struct kdump_ctx *ctx, const char *prefix) {
        _cleanup_free_ char *dir = root_path(ctx, "/sys/firmware/efi/efivars");
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return -ENOENT;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL, *data = NULL;
                size_t size = 0;

                if (!startswith(de->d_name, prefix))
                        continue;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        return -ENOMEM;
                if (read_file(p, 4096, &data, &size) < 0 || size < 5)
                        return -EINVAL;
                return (unsigned char) data[4];
        }
        return -ENOENT;
}

bool secure_boot_enforced(const struct kdump_ctx *ctx) {
        /* enforced = SecureBoot on and not in setup mode */
        return efivar_byte(ctx, "SecureBoot-") == 1 && efivar_byte(ctx, "SetupMode-") <= 0;
}

int kexec_load_argv(const struct kdump_ctx *ctx, char ***ret) {
        _cleanup_strv_free_ char **a = calloc(1, sizeof(char *)), **extra = NULL;
        _cleanup_free_ char *cmdline = NULL, *opt = NULL, *initrd = NULL, *kernel = NULL, *kargs = NULL;
        int r;

        if (!a)
                return -ENOMEM;
        r = capture_cmdline(ctx, &cmdline);
        if (r < 0)
                return r;
        r = sysconfig_get(ctx, "KEXEC_ARGS", &kargs);
        if (r < 0)
                return r;
        if (r > 0 && shell_split(kargs, &extra) < 0)
                return log_error_errno(EINVAL, "%s%s: cannot parse KEXEC_ARGS=\"%s\"",
                                       ctx->root, KDUMP_SYSCONFIG, kargs);

        if (strv_push(&a, "kexec") < 0)
                return -ENOMEM;
        /* kexec_file_load (-s): with Secure Boot enforced the only loader
         * allowed (it checks the signature); with a CMA part
         * (crashkernel=,cma) the only one that hands it on: the kernel adds
         * the ranges it reserved to the capture kernel's memory map, where
         * kexec_load's map is kexec-tools', which has only the fixed part. */
        if ((secure_boot_enforced(ctx) || crash_cma_bytes(ctx) > 0) && strv_push(&a, "-s") < 0)
                return -ENOMEM;
        if (strv_push(&a, "-p") < 0 || strv_extend(&a, extra) < 0)
                return -ENOMEM;
        if (asprintf(&opt, "--command-line=%s", cmdline) < 0 || strv_push(&a, opt) < 0)
                return -ENOMEM;
        initrd = root_path(ctx, ctx->image);
        kernel = root_path(ctx, ctx->kernel);
        if (!initrd || !kernel)
                return -ENOMEM;
        opt = mfree(opt);
        if (asprintf(&opt, "--initrd=%s", initrd) < 0 || strv_push(&a, opt) < 0 || strv_push(&a, kernel) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(a);
        return 0;
}

int kexec_crash_loaded(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *p = root_path(ctx, "/sys/kernel/kexec_crash_loaded");
        unsigned long long v;

        if (!p)
                return -ENOMEM;
        if (read_ulong_file(p, &v) < 0)
                return 0;       /* no kexec support: nothing loaded */
        return v == 1;
}

/* What was loaded, kept in /run (gone at reboot, as the loaded kernel is):
 * the kexec argv and the identity of the kernel and the image it named.  A
 * later start compares it with what it would load now, so "already loaded"
 * never hides an image rebuilt since, or a changed command line. */
#define KEXEC_LOADED_RECORD "/run/kdump/loaded"

static char *file_identity(const char *path) {
        struct stat st;
        char *s;

        if (stat(path, &st) < 0)
                return strdup("missing");
        if (asprintf(&s, "%llu:%llu %lld %lld.%09ld", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino,
                     (long long) st.st_size, (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec) < 0)
                return NULL;
        return s;
}

static int loaded_record(const struct kdump_ctx *ctx, char **ret) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *data = NULL, *kid = NULL, *iid = NULL, *kernel = root_path(ctx, ctx->kernel),
                            *initrd = root_path(ctx, ctx->image);
        size_t len = 0;
        FILE *f;
        int r;

        if (!kernel || !initrd)
                return -ENOMEM;
        r = kexec_load_argv(ctx, &argv);
        if (r < 0)
                return r;
        kid = file_identity(kernel);
        iid = file_identity(initrd);
        f = open_memstream(&data, &len);
        if (!kid || !iid || !f) {
                if (f)
                        fclose(f);
                return -ENOMEM;
        }
        STRV_FOREACH(a, argv)
                fprintf(f, "argv %s\n", *a);
        fprintf(f, "kernel %s\nimage %s\n", kid, iid);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(data);
        return 0;
}

/* 1: what is loaded is what start would load now; 0: it differs; -ENOENT:
 * no record (loaded by something other than kdumpctl, or before an upgrade). */
int kexec_loaded_current(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *path = root_path(ctx, KEXEC_LOADED_RECORD), *want = NULL, *have = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file(path, 1024 * 1024, &have, NULL);
        if (r < 0)
                return r == -ENOENT ? -ENOENT : r;
        r = loaded_record(ctx, &want);
        if (r < 0)
                return r;
        return streq(want, have);
}

static void loaded_record_write(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *path = root_path(ctx, KEXEC_LOADED_RECORD), *dir = root_path(ctx, "/run/kdump"),
                            *data = NULL;

        if (!path || !dir || loaded_record(ctx, &data) < 0 || mkdir_p(dir, 0755) < 0 ||
            write_file_atomic(path, data, strlen(data), 0644) < 0)
                log_warning("Cannot record what was loaded in %s; the next 'kdumpctl start' will reload.",
                            KEXEC_LOADED_RECORD);
}

int kexec_load(const struct kdump_ctx *ctx) {
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        r = kexec_load_argv(ctx, &argv);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : r;
        if (ctx->dry_run) {
                _cleanup_free_ char *s = argv_to_string(argv);

                if (!s)
                        return log_oom();
                printf("kexec command to be used:\n  %s\n", s);
                return 0;
        }
        r = spawn_wait(argv, TIMEOUT_KEXEC);
        if (r == -ETIMEDOUT)
                return log_error_errno(r, "kexec did not finish within %us.", TIMEOUT_KEXEC);
        if (r < 0)
                return log_error_errno(r, "Failed to run kexec: %m (is kexec-tools installed and in PATH?)");
        if (r != 0)
                return log_error_errno(EIO, "kexec -p failed with exit status %d; the capture kernel is not loaded.", r);
        if (kexec_crash_loaded(ctx) != 1)
                return log_error_errno(EIO, "kexec reported success, but %s/sys/kernel/kexec_crash_loaded is not 1.",
                                       ctx->root);
        loaded_record_write(ctx);
        return 0;
}

int kexec_unload(const struct kdump_ctx *ctx) {
        char *argv[] = { (char *) "kexec", (char *) "-p", (char *) "-u", NULL };
        int r;

        if (ctx->dry_run) {
                printf("unload command to be used first:\n  kexec -p -u\n");
                return 0;
        }
        r = spawn_wait(argv, TIMEOUT_KEXEC);
        if (r < 0)
                return log_error_errno(r, "Failed to run kexec -p -u: %m");
        if (r != 0)
                return log_error_errno(EIO, "kexec -p -u failed with exit status %d.", r);
        if (kexec_crash_loaded(ctx) == 1)
                return log_error_errno(EIO, "kexec -p -u succeeded, but the capture kernel is still loaded.");
        {
                _cleanup_free_ char *rec = root_path(ctx, KEXEC_LOADED_RECORD);

                if (rec)
                        (void) unlink(rec);
        }
        return 0;
}

int crash_memory_check(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *size_path = root_path(ctx, "/sys/kernel/kexec_crash_size");
        _cleanup_free_ char *cmd_path = root_path(ctx, "/proc/cmdline"), *cmdline = NULL;
        _cleanup_strv_free_ char **words = NULL;
        unsigned long long size = 0, def_size = 0, min_ram = 0;
        bool param = false;
        const char *def = default_crashkernel(kdump_arch());

        if (!size_path || !cmd_path)
                return log_oom();
        (void) read_ulong_file(size_path, &size);
        if (read_one_line(cmd_path, &cmdline) >= 0 && cmdline_split(cmdline, &words) >= 0)
                STRV_FOREACH(w, words)
                        if (param_matches(*w, "crashkernel"))
                                param = true;
        if (size > 0 && param)
                return 0;

        log_error("No memory is reserved for the crash kernel (%s).",
                  !param ? "crashkernel= is not on the kernel command line"
                         : "/sys/kernel/kexec_crash_size is 0");
        if (def && crashkernel_size(def, crashkernel_system_ram(ctx), &def_size, &min_ram) >= 0 && def_size == 0)
                log_error("This machine has %lluMB of RAM, and the default crashkernel=%s reserves nothing below "
                          "%lluMB ('kdumpctl reset-crashkernel' would not help): add crashkernel=256M to the "
                          "kernel command line by hand and reboot.",
                          crashkernel_system_ram(ctx) / MiB, def, min_ram / MiB);
        else if (def)
                log_error("To reserve it, run 'kdumpctl reset-crashkernel' (it sets crashkernel=%s with grubby, "
                          "or with update-grub on Debian's GRUB), then reboot.", def);
        else
                log_error("To reserve it, add crashkernel=256M to the kernel command line and reboot.");
        log_error("'kdumpctl estimate' checks the reservation against this configuration.");
        return -ENOMEM;
}
