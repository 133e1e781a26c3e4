/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one kdump.conf parser, shared by kdumpctl (first kernel, strict) and the
 * capture helpers (crash kernel, lenient).  The format is Fedora's: one
 * "directive value" per line, '#' starts a comment anywhere, one pair of
 * surrounding double quotes is removed from the value.
 */

#include <stdbool.h>
#include <stdio.h>

enum kdump_target_type {
        KDUMP_TARGET_ROOTFS,    /* no target line: dump to the root filesystem */
        KDUMP_TARGET_FS,        /* "<fstype> <device>" */
        KDUMP_TARGET_RAW,
        KDUMP_TARGET_NFS,
        KDUMP_TARGET_SSH,
        _KDUMP_TARGET_MAX,
};

enum kdump_action {
        KDUMP_ACTION_REBOOT,
        KDUMP_ACTION_HALT,
        KDUMP_ACTION_POWEROFF,
        KDUMP_ACTION_SHELL,
        KDUMP_ACTION_DUMP_TO_ROOTFS,
        _KDUMP_ACTION_MAX,
};

enum kdump_conf_mode {
        KDUMP_CONF_STRICT,      /* kdumpctl: every problem is an error */
        KDUMP_CONF_LENIENT,     /* capture kernel: log, skip, keep defaults */
};

struct kdump_target {
        enum kdump_target_type type;
        char *fstype;           /* FS: ext4, xfs, ...; NULL otherwise */
        char *device;           /* FS, RAW: "/dev/sdb1", "UUID=...", virtiofs tag */
        char *user;             /* SSH */
        char *host;             /* SSH, NFS: brackets of an IPv6 literal removed */
        char *export;           /* NFS: "/export/dumps" */
        char *spec;             /* the value as written, e.g. "root@[fd00::1]" */
        char *path;             /* baked confs: this member's dump directory, when
                                 * not `path` (a `path` line after its target line) */
        unsigned line;          /* 0 when not set in the file */
};

/* Dump target lines, tried in the order written (a chain); one more is
 * refused, since every member costs a bounded wait at crash time. */
#define KDUMP_TARGETS_MAX 4

struct kdump_diag {
        unsigned line;          /* 0: the file as a whole */
        bool warning;           /* warnings never fail strict mode */
        char *message;
};

/* The line each kept value was set on, 0 for a default, so that checks made
 * after parsing (a hook that is not executable) can say FILE:LINE.  The
 * target's line is kdump_target.line. */
struct kdump_conf_lines {
        unsigned path;
        unsigned sshkey;
        unsigned core_collector;
        unsigned kdump_pre;
        unsigned kdump_post;
        unsigned fence_kdump_args;
        unsigned fence_kdump_nodes;
        unsigned failure_action;        /* or its alias 'default' */
        unsigned final_action;
        unsigned force_rebuild;
        unsigned force_no_rebuild;
        unsigned auto_reset_crashkernel;
        unsigned stall_timeout;
        unsigned keep_dumps;
        unsigned keep_free_mb;
        /* one entry per word of the list of the same name: repeated lines
         * accumulate, and each word keeps the line it was written on */
        unsigned *extra_bins;
        unsigned *extra_modules;
        unsigned *dracut_args;
};

struct kdump_conf {
        /* The chain, in the order written; no target line is one ROOTFS
         * member, so n_targets >= 1.  `target` is the member in use:
         * targets[0] unless kdump_conf_select_target() chose another. */
        struct kdump_target targets[KDUMP_TARGETS_MAX];
        size_t n_targets;
        struct kdump_target *target;
        char *path;
        char *sshkey;
        char *core_collector;           /* as written, for display */
        char **core_collector_argv;     /* split shell-style, never NULL */
        char *kdump_pre;
        char *kdump_post;
        char **extra_bins;              /* accumulated over repeated lines */
        char **extra_modules;
        char **dracut_args;             /* split shell-style, accumulated */
        char **fence_kdump_args;        /* split shell-style */
        char **fence_kdump_nodes;
        enum kdump_action failure_action;
        enum kdump_action final_action;
        bool force_rebuild;
        bool force_no_rebuild;
        bool auto_reset_crashkernel;
        unsigned stall_timeout;         /* seconds without progress that end a dump */
        unsigned keep_dumps;            /* local targets: at most this many dumps, 0 all */
        unsigned keep_free_mb;          /* local targets: old dumps go below this, 0 never */
        struct kdump_conf_lines lines;

        char *filename;                 /* for messages */
        struct kdump_diag *diags;
        size_t n_diags;
        size_t n_errors;                /* diags that are not warnings */
};

/* Directive table, exported for the docs lint and for kdumpctl --help. */
struct kdump_directive_info {
        const char *name;
        bool removed;                   /* refused; `replacement` says what to use */
        const char *replacement;
};
extern const struct kdump_directive_info kdump_directives[];
extern const char * const kdump_fs_types[];

/* Parses `size` bytes of `data` (NULs inside are reported, not trusted).
 * Always returns a filled-in config (defaults for anything unset or invalid)
 * in *ret, unless it fails with -ENOMEM.  Problems are in (*ret)->diags; in
 * strict mode the caller refuses when n_errors > 0.  `filename` is only used
 * in messages. */
int kdump_conf_parse(const char *data, size_t size, const char *filename,
                     enum kdump_conf_mode mode, struct kdump_conf **ret);

/* Reads and parses a file.  A file that cannot be read (missing, a directory,
 * too large) yields a config of defaults with one diag with line 0, and
 * returns 0; only -ENOMEM is returned as an error.  A missing file is an error
 * in strict mode and a warning in lenient mode. */
int kdump_conf_load(const char *path, enum kdump_conf_mode mode, struct kdump_conf **ret);

/* Config with defaults only. */
int kdump_conf_new(struct kdump_conf **ret);
void kdump_conf_free(struct kdump_conf *c);
static inline void kdump_conf_freep(struct kdump_conf **c) {
        kdump_conf_free(*c);
}
#define _cleanup_kdump_conf_ __attribute__((cleanup(kdump_conf_freep)))

/* Prints the diagnostics as "FILE:LINE: message" lines (warnings prefixed
 * with "warning: "). */
void kdump_conf_print_diags(const struct kdump_conf *c, FILE *f);

/* Writes the effective configuration in kdump.conf syntax, every directive in
 * a fixed order with defaults filled in and no comments, so that equal
 * configurations produce equal bytes (kdumpctl hashes it, and bakes it into
 * the capture initramfs, which parses it back). */
int kdump_conf_write(const struct kdump_conf *c, FILE *f);

/* Makes member i of the chain the target in use (c->target); -ERANGE when
 * there is no such member. */
int kdump_conf_select_target(struct kdump_conf *c, size_t i);
/* The member a writer serves, 0-based, when not the first (kdump-collect and
 * kdumpctl's probe set it). */
#define KDUMP_TARGET_INDEX_ENV "KDUMP_TARGET_INDEX"
/* The dump directory of the target in use. */
static inline const char *kdump_conf_target_path(const struct kdump_conf *c) {
        return c->target->path ? c->target->path : c->path;
}

const char *kdump_action_to_string(enum kdump_action a);
int kdump_action_from_string(const char *s);   /* -EINVAL if unknown */
const char *kdump_target_type_to_string(enum kdump_target_type t);

/* Validates a device spec: /dev/..., LABEL=, UUID=, PARTUUID=, PARTLABEL=. */
bool kdump_device_spec_valid(const char *s);
/* Turns a device spec into the /dev/disk/by-* path udev creates, e.g.
 * "UUID=abc" -> "/dev/disk/by-uuid/abc" (with udev's escaping of '/' and
 * spaces).  /dev/ paths are returned as they are.  NULL on ENOMEM. */
char *kdump_device_spec_to_node(const char *s);

#define KDUMP_DEFAULT_PATH "/var/crash"
#define KDUMP_DEFAULT_CORE_COLLECTOR "makedumpfile -l --message-level 7 -d 31"
#define KDUMP_DEFAULT_SSHKEY "/root/.ssh/kdump_id_rsa"
#define KDUMP_DEFAULT_STALL_TIMEOUT 300
#define KDUMP_STALL_TIMEOUT_MIN 10
#define KDUMP_STALL_TIMEOUT_MAX 86400
/* fence_kdump_nodes: Debian's fence_kdump_send (fence-agents-kdump from
 * Debian 13, fence-agents in 12), the same path in the capture initramfs */
#define KDUMP_FENCE_KDUMP_SEND "/usr/libexec/fence-agents/fence_kdump_send"
#define KDUMP_CONF_MAX_SIZE (1024 * 1024)   /* larger files are refused */
