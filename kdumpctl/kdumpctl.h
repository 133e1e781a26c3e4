/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Declarations shared by the kdumpctl source files.  Everything here is
 * internal to kdumpctl; lib/ holds what the capture side shares. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "kdump-conf.h"
#include "macro.h"
#include "run.h"

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline int mfree_fd(int fd) {
        if (fd >= 0)
                close(fd);
        return -1;
}

#define EXIT_USAGE 2
#define EXIT_NOT_OPERATIONAL 3          /* status: Fedora's code for "not loaded" */

#define KDUMP_STATE_DIR "/var/lib/kdump"
#define KDUMP_KNOWN_HOSTS KDUMP_STATE_DIR "/known_hosts"
#define KDUMP_IMAGE_KNOWN_HOSTS "/etc/kdump/known_hosts"
#define KDUMP_IMAGE_MANIFEST "/etc/kdump/manifest"    /* dracut --add kdumpbase, by hand */
#define KDUMP_TEST_PENDING KDUMP_STATE_DIR "/test-pending"
#define KDUMP_LOCK_FILE "/run/lock/kdump"
#define KDUMP_SYSCONFIG "/etc/sysconfig/kdump"

/* Timeouts, in seconds: every wait is bounded. */
#define TIMEOUT_DRACUT 1200
#define TIMEOUT_KEXEC 120
#define TIMEOUT_SSH 120
#define TIMEOUT_LOCK 60
#define TIMEOUT_PROBE 90                /* the writer bounds itself well below this */

/* ssh, nfs: how the capture kernel reaches the target (network.c) */
struct net_route {
        bool resolved;                  /* false: not probed (image mode, sysroot): ip=dhcp */
        char *address;                  /* the host, resolved at kdumpctl time */
        char *dev;                      /* the interface of the route to it */
        char *src;                      /* this machine's address on it */
        char *gateway;                  /* NULL: on-link */
        char *mac;                      /* for ifname=; NULL when unknown */
        unsigned prefix;
        bool dhcp;                      /* a leased address: ip=DEV:dhcp */
};

/* The dump target as the capture kernel will see it: rootfs targets are
 * resolved to the filesystem that holds `path`. */
struct resolved_target {
        enum kdump_target_type type;    /* ROOTFS never appears: resolved to FS */
        bool from_rootfs;               /* FS resolved from "no target line" */
        char *fstype;                   /* FS */
        char *source;                   /* FS: persistent spec (UUID=, LABEL=, /dev/...); RAW: spec */
        char *mountpoint;               /* FS: where it is mounted in the first kernel, or NULL */
        char *options;                  /* FS: options for dracut --mount */
        char *path;                     /* dump directory from the file system's top (btrfs:
                                         * subvolid=5), as the capture kernel writes it */
        char *seen_at;                  /* FS: that directory as the first kernel sees it
                                         * (symlinks resolved), NULL when not mounted */
        char *raw_node;                 /* RAW: device node, inside the root */
        dev_t devno;                    /* FS: from the mount table when mounted, else 0 */
        struct net_route net;           /* SSH, NFS */
};

/* fence_kdump_nodes as the capture kernel notifies them (fence.c) */
struct fence_setup {
        char **addresses;               /* one per node, resolved; NULL: no fencing */
        struct net_route net;           /* the route to the first, for ip= */
};

struct kdump_ctx {
        char *root;                     /* "" for the running system, else a prefix without trailing '/' */
        bool image_mode;                /* rebuild --sysroot: never probe the running machine */
        bool dry_run;                   /* kdump-config test: print the dracut and kexec
                                         * commands start would run, run neither */
        char *conf_path;                /* the file actually read */
        struct kdump_conf *conf;
        char *kver;
        char *kernel;                   /* inside the root, e.g. /boot/vmlinuz-6.1.0 */
        char *image;                    /* inside the root: /var/lib/kdump/initramfs-<kver>kdump.img */
        /* The chain of dump targets, one per member of conf->targets;
         * `target` is the member in use (ctx_select_target()). */
        struct resolved_target chain[KDUMP_TARGETS_MAX];
        struct resolved_target *target;
        bool target_resolved;
        struct fence_setup fence;       /* filled by ctx_load_conf() */
};

/* util.c */
/* `path` of the root's tree, as the build host may open it: symlinks
 * resolved inside the root (an image's absolute link stays in the image). */
char *root_path(const struct kdump_ctx *ctx, const char *path);
/* `path` with every symlink of its existing part resolved, as seen inside
 * the root ("/var/crash" -> "/data/crash"); -EINVAL for a relative path or
 * "..", -EXDEV when it leads out of the root, -ELOOP for a link loop.
 * Links to what does not exist yet are followed too. */
int root_resolve(const struct kdump_ctx *ctx, const char *path, char **ret);
const char *kdump_sysroot_env(void);
int read_file(const char *path, size_t max, char **ret, size_t *ret_size);
int read_one_line(const char *path, char **ret);
/* ctx->kver's build configuration (/boot/config-KVER), NULL when there is
 * none to read; whether it sets `option` to y (or m, when `module_ok`). */
char *kernel_config(const struct kdump_ctx *ctx);
bool kconfig_set(const char *config, const char *option, bool module_ok);
int read_ulong_file(const char *path, unsigned long long *ret);
int write_file_atomic(const char *path, const char *data, size_t size, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
int sha256_file(const char *path, char ret[static 65]);
void sha256_string(const char *data, size_t size, char ret[static 65]);
bool is_executable_file(const char *path);
char *argv_to_string(char * const *argv);
int sysconfig_get(const struct kdump_ctx *ctx, const char *key, char **ret);
/* An environment override of a directory (KDUMP_LIBEXECDIR, ...), or def. */
const char *dir_env(const char *env, const char *def);

/* lib/spawn.h, as kdumpctl runs programs: stdin, and stdout and stderr
 * unless captured, are ours; every wait is bounded. */
/* Waits at most `timeout` seconds.  Returns the exit status (>= 0), or a
 * negative errno; -ETIMEDOUT on timeout. */
static inline int spawn_wait(char * const *argv, unsigned timeout) {
        return spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_INHERIT, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = timeout,
        });
}
/* Same, with the environment `envp` (NULL: ours), stdout and stderr captured
 * separately (each at most `max` bytes kept). */
static inline int spawn_capture_output(char * const *argv, char * const *envp, unsigned timeout, size_t max,
                                       char **ret_out, char **ret_err) {
        return spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_INHERIT, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_CAPTURE,
                .envp = envp, .timeout_sec = timeout,
                .capture_max = max, .ret_stdout = ret_out, .ret_stderr = ret_err,
        });
}

/* collector.c */
/* Warns when the makedumpfile collector does not know ctx->kver; 1 if it
 * warned, else 0.  Never fails: it is advice. */
int collector_check_kernel(const struct kdump_ctx *ctx);

/* lock.c */
int kdump_lock(const struct kdump_ctx *ctx, int *ret_fd);

/* context.c */
int ctx_init(struct kdump_ctx *ctx, const char *sysroot, bool image_mode,
             const char *conf_path, const char *kver);
void ctx_done(struct kdump_ctx *ctx);
/* Loads kdump.conf strictly and runs the checks that need the system
 * (hooks executable, raw device without filesystem, ...).  Prints
 * "file:line: message" diagnostics; returns 0 or -EINVAL. */
int ctx_load_conf(struct kdump_ctx *ctx);
int ctx_find_kernel(struct kdump_ctx *ctx);
/* Prints "FILE:LINE: message" (FILE: message for line 0) on stderr. */
void conf_error(const struct kdump_ctx *ctx, unsigned line, const char *fmt, ...) _printf_(3, 4);
/* Resolves every member of the chain; the member in use stays. */
int ctx_resolve_target(struct kdump_ctx *ctx);
/* Makes member i the target in use, in ctx->target and ctx->conf->target. */
void ctx_select_target(struct kdump_ctx *ctx, size_t i);
static inline size_t ctx_n_targets(const struct kdump_ctx *ctx) {
        return ctx->conf ? ctx->conf->n_targets : 1;
}
/* True when some member of the chain is of type t. */
bool ctx_chain_has(const struct kdump_ctx *ctx, enum kdump_target_type t);

/* target.c */
int target_resolve(const struct kdump_ctx *ctx, struct resolved_target *ret);
void target_done(struct resolved_target *t);
/* The configuration baked into the image: explicit target, path relative to it. */
int target_baked_conf(const struct kdump_ctx *ctx, char **ret, size_t *ret_size);
/* A short human description ("ext4 UUID=... (mounted on /var), path /crash"). */
char *target_describe(const struct resolved_target *t);
/* Identity recorded in the manifest: the same in image and running mode. */
char *target_identity(const struct resolved_target *t);
/* dracut --mount for member `member` (0-based) of the chain. */
char *target_mount_arg(const struct resolved_target *t, size_t member);

/* dumps.c */
/* Prints "Last capture: ..." (saved where, or failed and why) from the
 * newest dump directory's kdump-capture.status; needs ctx->conf. */
void last_capture_report(struct kdump_ctx *ctx);
/* keep_dumps / keep_free_mb on a local or raw target: removes the oldest
 * dumps (a failed capture's leftovers older than the newest complete dump
 * first), never the newest.  Never fails: a warning at worst. */
int dumps_retention(struct kdump_ctx *ctx);

/* probe.c */
/* Runs the target writer's `probe` (ssh, nfs): reachable, <path> writable,
 * enough free space for a dump; for a local target mounted here, checks its
 * free space against the estimate (a warning only).  Skipped (with a
 * notice) for raw targets,
 * under --sysroot and with KDUMP_SKIP_PROBE=1.  `report_only` (show): prints
 * one "Target probe: ..." line on stdout and never fails.  Else: problems as
 * "FILE:LINE: message" on stderr, a low free space as a warning; returns 0 or
 * -EIO. */
int target_probe(struct kdump_ctx *ctx, bool report_only);
/* The same for the member in use only (show: one report per member). */
int target_probe_current(struct kdump_ctx *ctx, bool report_only);

/* fence.c */
/* Checks fence_kdump_nodes and fence_kdump_args against this machine and
 * resolves the nodes and the route to the first into ctx->fence; prints
 * FILE:LINE diagnostics and returns -EINVAL when refused. */
int fence_resolve(struct kdump_ctx *ctx);
void fence_done(struct fence_setup *f);
static inline bool fence_enabled(const struct kdump_ctx *ctx) {
        return ctx->fence.addresses && ctx->fence.addresses[0];
}
/* Identity recorded in the manifest: the addresses and the route. */
char *fence_identity(const struct fence_setup *f);

/* network.c */
/* The route to an address already resolved, as network_resolve() finds it
 * (KDUMP_ROUTE_OVERRIDE; nothing probed under a root: ret->resolved false). */
int network_route_to(const struct kdump_ctx *ctx, const char *address, struct net_route *ret);
/* Resolves the ssh/nfs host and the route to it (see network.c for
 * KDUMP_ROUTE_OVERRIDE); logs and fails when the target is unreachable. */
int network_resolve(const struct kdump_ctx *ctx, struct net_route *ret);
void net_route_done(struct net_route *n);
int kdumpctl_network_args(const struct kdump_ctx *ctx, char ***dracut_args, char ***cmdline_args);

/* drivers.c */
struct capture_modules {
        char **drivers;                 /* dracut --add-drivers */
        char **filesystems;             /* dracut --filesystems */
        char **omit_drivers;            /* dracut --omit-drivers (--sysroot, ssh/nfs: other NICs) */
        bool probed;                    /* false: sysfs could not tell; keep dracut's kernel-modules */
};
int capture_modules(const struct kdump_ctx *ctx, struct capture_modules *ret);
void capture_modules_done(struct capture_modules *m);

/* dracut.c */
/* `baked_conf` is the path of the processed kdump.conf file (real path). */
int dracut_argv(const struct kdump_ctx *ctx, const char *baked_conf, const char *output, char ***ret);
int dracut_check_network(const struct kdump_ctx *ctx);
struct manifest;
int dracut_build(struct kdump_ctx *ctx, const struct manifest *m);
int resolve_extra_bin(const struct kdump_ctx *ctx, const char *name, char **ret);

/* manifest.c */
struct manifest_entry {
        char *key;
        char hash[65];
        char stat[96];                  /* a file's dev:ino:size:mtime:ctime, "" for others */
        char *detail;                   /* for messages only, not stored */
};
struct manifest {
        struct manifest_entry *entries;
        size_t n;
};
void manifest_done(struct manifest *m);
int manifest_compute(const struct kdump_ctx *ctx, struct manifest *ret);
int manifest_write(const struct manifest *m, const char *path);
int manifest_read(const char *path, struct manifest *ret);
/* Fills *ret with human-readable reasons; returns how many (0: up to date). */
int manifest_diff(const struct manifest *old, const struct manifest *cur, char ***ret);
/* Rebuild decision for ctx: 1 needed (reasons in *ret), 0 not, <0 error. */
int manifest_read_embedded(const char *image, struct manifest *ret);
int rebuild_needed(const struct kdump_ctx *ctx, const struct manifest *cur, char ***ret);
char *manifest_path(const struct kdump_ctx *ctx);

/* kexec.c */
/* Splits a kernel command line into words (double quotes group). */
int cmdline_split(const char *s, char ***ret);
int crash_memory_check(const struct kdump_ctx *ctx);
int capture_cmdline(const struct kdump_ctx *ctx, char **ret);
int kexec_load_argv(const struct kdump_ctx *ctx, char ***ret);
int kexec_load(const struct kdump_ctx *ctx);
int kexec_unload(const struct kdump_ctx *ctx);
int kexec_crash_loaded(const struct kdump_ctx *ctx);
int kexec_loaded_current(const struct kdump_ctx *ctx);
bool secure_boot_enforced(const struct kdump_ctx *ctx);
const char *kdump_arch(void);

/* memory.c */
#define MiB (1024ULL * 1024ULL)
/* MemTotal of <root>/proc/meminfo in bytes; 0 when unknown. */
unsigned long long mem_total(const struct kdump_ctx *ctx);
/* /sys/kernel/kexec_crash_size in bytes; 0 when unknown. */
unsigned long long reserved_bytes(const struct kdump_ctx *ctx);
/* What `kdumpctl estimate` computes, in bytes. */
struct crash_estimate {
        unsigned long long kernel_size, compressed, unpacked, large, need, recommended;
        bool kernel_exact;              /* from the kernel's header, not guessed */
        bool image_exists;              /* else 12M (32M unpacked) counted for it */
        bool unpacked_counted;          /* decompressed, not guessed */
        /* a crashkernel=,cma split: what kexec must load into the fixed
         * part, and the split proposed (the fixed part with its margin) */
        unsigned long long cma_load, cma_fixed, cma_part;
};
/* Needs the kernel (ctx_find_kernel, logged when missing) and counts the
 * capture initramfs as it is now. */
int crash_estimate(struct kdump_ctx *ctx, struct crash_estimate *ret);
int verb_get_default_crashkernel(int argc, char **argv);
int verb_estimate(int argc, char **argv);
int verb_showmem(int argc, char **argv);
const char *default_crashkernel(const char *arch);
/* crashkernel=SIZE,cma (Linux 6.17): the fixed part of the default split
 * when the kernel and the image cannot be measured (NULL: none known for
 * `arch`); the split of this machine's default: the fixed part `estimate`
 * computes for ctx's kernel and image, the rest of the default as CMA
 * (-ERANGE: too small to split, -EOPNOTSUPP: no split for the arch). */
const char *default_crashkernel_cma_fixed(const char *arch);
int crashkernel_cma_split(struct kdump_ctx *ctx, unsigned long long *ret_fixed, unsigned long long *ret_cma);
/* Bytes of the CMA part reserved in this boot (0: none). */
unsigned long long crash_cma_bytes(const struct kdump_ctx *ctx);
/* Whether ctx->kver can take crashkernel=SIZE,cma. */
bool kernel_has_crash_cma(const struct kdump_ctx *ctx);

/* propagate.c */
int verb_propagate(int argc, char **argv);
int known_hosts_adopt(struct kdump_ctx *ctx);

/* raw.c */
/* 1 when the device carries a filesystem or partition table signature
 * (*ret_what names it), 0 when not, <0 when it cannot be probed. */
int raw_device_has_signature(const char *node, char **ret_what);
/* Copies a dump the capture left on the raw target into <path> (checked
 * against its header, under a new directory), then invalidates the header.
 * Returns 1 when saved, 0 when there was none, <0 when a dump is left
 * unsaved on the device. */
int raw_retrieve(const struct kdump_ctx *ctx);
/* kdumpctl raw-discard: invalidates the header of a dump left on the device. */
int raw_discard(const struct kdump_ctx *ctx);

/* test.c */
int verb_test(int argc, char **argv);
int test_status_report(const struct kdump_ctx *ctx);

/* kdumpctl.c: options shared with the verbs in other files */
extern const char *arg_config;
extern bool arg_force;
int open_ctx(struct kdump_ctx *ctx, bool need_conf);
/* The verb argv[0] as `kdumpctl VERB ARGS...` runs it: its exit code, or
 * -ENOENT when this kdumpctl has no such verb. */
int run_verb_named(int argc, char **argv);
/* start's logic on a context with kdump.conf loaded; with ctx->dry_run it
 * changes nothing and prints the commands it would run. */
int do_start(struct kdump_ctx *ctx);
