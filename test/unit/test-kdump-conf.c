/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Table-driven tests for the kdump.conf parser: every directive, every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "kdump-conf.h"
#include "shellwords.h"
#include "strv.h"

struct conf_case {
        const char *name;
        const char *input;
        size_t n_errors;                /* strict mode */
        const char *diag;               /* substring of the first diag, or NULL */
        unsigned diag_line;
        const char *expect;             /* substring of kdump_conf_write() output */
};

static const struct conf_case cases[] = {
        /* defaults and syntax */
        { "empty file", "", 0, NULL, 0, "path /var/crash\ncore_collector makedumpfile -l --message-level 7 -d 31\n" },
        { "only comments", "# hello\n   # indented\n\n\t\n", 0, NULL, 0, "failure_action reboot\nfinal_action reboot\n" },
        { "trailing comment", "path /srv/crash # where\n", 0, NULL, 0, "path /srv/crash\n" },
        { "hash inside value is a comment", "path /srv/cr#ash\n", 0, NULL, 0, "path /srv/cr\n" },
        { "surrounding quotes", "path \"/srv/crash\"\n", 0, NULL, 0, "path /srv/crash\n" },
        { "quotes inside kept", "dracut_args \"--a\" \"--b\"\n", 0, NULL, 0, "dracut_args --a --b\n" },
        { "tabs and spaces", "\tpath\t\t/srv/x   \n", 0, NULL, 0, "path /srv/x\n" },
        { "CRLF line endings", "path /srv/x\r\nfailure_action halt\r\n", 0, NULL, 0, "failure_action halt\n" },
        { "no final newline", "path /srv/x", 0, NULL, 0, "path /srv/x\n" },
        { "path with space", "path /srv/my crash\n", 0, NULL, 0, "path /srv/my crash\n" },
        { "default sshkey not printed", "", 0, NULL, 0, "force_rebuild 0\n" },
        /* targets */
        { "ext4 by UUID", "ext4 UUID=0a1b-2c3d\n", 0, NULL, 0, "ext4 UUID=0a1b-2c3d\n" },
        { "ext2 by device", "ext2 /dev/sdb1\n", 0, NULL, 0, "ext2 /dev/sdb1\n" },
        { "ext3 by LABEL", "ext3 LABEL=dumps\n", 0, NULL, 0, "ext3 LABEL=dumps\n" },
        { "xfs by PARTUUID", "xfs PARTUUID=1234-01\n", 0, NULL, 0, "xfs PARTUUID=1234-01\n" },
        { "btrfs by PARTLABEL", "btrfs PARTLABEL=crash\n", 0, NULL, 0, "btrfs PARTLABEL=crash\n" },
        { "vfat", "vfat /dev/vdb1\n", 0, NULL, 0, "vfat /dev/vdb1\n" },
        { "virtiofs tag", "virtiofs dumpfs\n", 0, NULL, 0, "virtiofs dumpfs\n" },
        { "virtiofs bad tag", "virtiofs /dev/x\n", 1, "invalid virtiofs tag '/dev/x'", 1, NULL },
        { "fs bad device", "ext4 sdb1\n", 1, "invalid device 'sdb1' for 'ext4'", 1, NULL },
        { "fs empty UUID", "ext4 UUID=\n", 1, "invalid device 'UUID='", 1, NULL },
        { "fs bare /dev/", "ext4 /dev/\n", 1, "invalid device '/dev/'", 1, NULL },
        { "raw device", "raw /dev/vdc\n", 0, NULL, 0, "raw /dev/vdc\n" },
        { "raw by PARTLABEL", "raw PARTLABEL=kdump\n", 0, NULL, 0, "raw PARTLABEL=kdump\n" },
        { "raw bad device", "raw vdc\n", 1, "invalid device 'vdc' for 'raw'", 1, NULL },
        { "nfs hostname", "nfs server.example.com:/export/dumps\n", 0, NULL, 0, "nfs server.example.com:/export/dumps\n" },
        { "nfs ipv4", "nfs 192.0.2.5:/srv\n", 0, NULL, 0, "nfs 192.0.2.5:/srv\n" },
        { "nfs ipv6 bracketed", "nfs [2001:db8::5]:/srv\n", 0, NULL, 0, "nfs [2001:db8::5]:/srv\n" },
        { "nfs no export", "nfs server\n", 1, "invalid nfs target 'server'", 1, NULL },
        { "nfs relative export", "nfs server:srv\n", 1, "invalid nfs target", 1, NULL },
        { "nfs bad ipv6", "nfs [2001:zz::1]:/srv\n", 1, "invalid nfs target", 1, NULL },
        { "ssh user@host", "ssh root@dumps.example.com\n", 0, NULL, 0, "sshkey /root/.ssh/kdump_id_rsa\n" },
        { "ssh ipv6 bracketed", "ssh kdump@[fd00::1]\n", 0, NULL, 0, "ssh kdump@[fd00::1]\n" },
        { "ssh ipv6 bare", "ssh kdump@fd00::1\n", 0, NULL, 0, "ssh kdump@[fd00::1]\n" },
        { "ssh no user", "ssh dumps.example.com\n", 1, "invalid ssh target 'dumps.example.com'", 1, NULL },
        { "ssh empty host", "ssh root@\n", 1, "invalid ssh target", 1, NULL },
        { "ssh option injection", "ssh -oProxyCommand=x@host\n", 1, "invalid ssh target", 1, NULL },
        { "two targets: a chain", "ext4 /dev/sdb1\nnfs srv:/x\n", 0, NULL, 0, "ext4 /dev/sdb1\npath /var/crash\nnfs srv:/x\n" },
        { "two raw targets: a chain", "raw /dev/sdb\nraw /dev/sdc\n", 0, NULL, 0, "raw /dev/sdb\npath /var/crash\nraw /dev/sdc\n" },
        { "same target twice", "raw /dev/sdb\nraw /dev/sdb\n", 1, "dump target 'raw /dev/sdb' is already on line 1", 2, NULL },
        { "same target twice, quoted", "nfs srv:/x\nnfs \"srv:/x\"\n", 1, "dump target 'nfs srv:/x' is already on line 1", 2, NULL },
        { "too many targets", "raw /dev/a\nraw /dev/b\nraw /dev/c\nraw /dev/d\nraw /dev/e\n", 1,
          "too many dump targets: 'raw /dev/e' would be number 5, at most 4", 5, NULL },
        { "chain: ssh key written for a later ssh member", "nfs srv:/x\nssh a@b\n", 0, NULL, 0, "sshkey /root/.ssh/kdump_id_rsa\n" },
        /* path-like directives */
        { "path relative", "path var/crash\n", 1, "invalid value 'var/crash' for 'path'", 1, NULL },
        { "path dotdot", "path /var/../etc\n", 1, "without '..'", 1, NULL },
        { "path dotdot end", "path /var/..\n", 1, "without '..'", 1, NULL },
        { "path dots in name ok", "path /var/crash..old\n", 0, NULL, 0, "path /var/crash..old\n" },
        { "sshkey", "ssh a@b\nsshkey /root/.ssh/kdump_id_ed25519\n", 0, NULL, 0, "sshkey /root/.ssh/kdump_id_ed25519\n" },
        { "sshkey relative", "sshkey id_rsa\n", 1, "invalid value 'id_rsa' for 'sshkey'", 1, NULL },
        { "kdump_pre", "kdump_pre /usr/local/bin/pre.sh\n", 0, NULL, 0, "kdump_pre /usr/local/bin/pre.sh\n" },
        { "kdump_post", "kdump_post /usr/local/bin/post.sh\n", 0, NULL, 0, "kdump_post /usr/local/bin/post.sh\n" },
        { "kdump_post relative", "kdump_post post.sh\n", 1, "for 'kdump_post'", 1, NULL },
        /* core_collector */
        { "core_collector cp", "core_collector cp\n", 0, NULL, 0, "core_collector cp\n" },
        { "core_collector makedumpfile -c", "core_collector makedumpfile -c --message-level 1 -d 31\n", 0, NULL, 0, "core_collector makedumpfile -c --message-level 1 -d 31\n" },
        { "core_collector quoted arg", "core_collector /usr/bin/my\\ collector 'a b'\n", 0, NULL, 0, "core_collector '/usr/bin/my collector' 'a b'\n" },
        { "core_collector unbalanced", "core_collector makedumpfile 'x\n", 1, "unbalanced quote", 1, NULL },
        { "core_collector only quotes", "core_collector \"\"\n", 1, "needs a value", 1, NULL },
        /* lists */
        { "extra_bins list", "extra_bins /bin/ls /bin/cat\n", 0, NULL, 0, "extra_bins /bin/ls /bin/cat\n" },
        { "extra_bins repeat accumulates", "extra_bins /bin/ls\nextra_bins /bin/cat\n", 0, NULL, 0, "extra_bins /bin/ls /bin/cat\n" },
        { "extra_modules", "extra_modules gfs2 dm_mod\n", 0, NULL, 0, "extra_modules gfs2 dm_mod\n" },
        { "extra_modules bad name", "extra_modules gfs2 ../evil\n", 1, "invalid value '../evil' for 'extra_modules'", 1, NULL },
        { "dracut_args quoted", "dracut_args --kernel-cmdline \"rd.timeout=30 rd.debug\"\n", 0, NULL, 0, "dracut_args --kernel-cmdline 'rd.timeout=30 rd.debug'\n" },
        { "dracut_args repeat", "dracut_args --a\ndracut_args --b\n", 0, NULL, 0, "dracut_args --a --b\n" },
        { "dracut_args unbalanced", "dracut_args --x \"y\n", 1, "unbalanced quote", 1, NULL },
        { "fence_kdump_args", "fence_kdump_args -p 7410 -f auto\n", 0, NULL, 0, "fence_kdump_args -p 7410 -f auto\n" },
        { "fence_kdump_nodes", "fence_kdump_nodes node1 node2.example.com fd00::2\n", 0, NULL, 0, "fence_kdump_nodes node1 node2.example.com fd00::2\n" },
        { "fence_kdump_nodes bad", "fence_kdump_nodes node1 no/de\n", 1, "invalid value 'no/de'", 1, NULL },
        /* actions */
        { "failure_action shell", "failure_action shell\n", 0, NULL, 0, "failure_action shell\n" },
        { "failure_action dump_to_rootfs", "failure_action dump_to_rootfs\n", 0, NULL, 0, "failure_action dump_to_rootfs\n" },
        { "failure_action halt", "failure_action halt\n", 0, NULL, 0, "failure_action halt\n" },
        { "failure_action poweroff", "failure_action poweroff\n", 0, NULL, 0, "failure_action poweroff\n" },
        { "failure_action bad", "failure_action explode\n", 1, "invalid value 'explode' for 'failure_action'", 1, NULL },
        { "default alias warns", "default poweroff\n", 0, "'default' is obsolete", 1, "failure_action poweroff\n" },
        { "default and failure_action", "default shell\nfailure_action reboot\n", 1, NULL, 0, NULL },
        { "final_action poweroff", "final_action poweroff\n", 0, NULL, 0, "final_action poweroff\n" },
        { "final_action halt", "final_action halt\n", 0, NULL, 0, "final_action halt\n" },
        { "final_action shell refused", "final_action shell\n", 1, "expected reboot, halt or poweroff", 1, NULL },
        /* flags */
        { "force_rebuild 1", "force_rebuild 1\n", 0, NULL, 0, "force_rebuild 1\n" },
        { "force_no_rebuild 1", "force_no_rebuild 1\n", 0, NULL, 0, "force_no_rebuild 1\n" },
        { "force_rebuild yes refused", "force_rebuild yes\n", 1, "expected 0 or 1", 1, NULL },
        { "both force flags", "force_rebuild 1\nforce_no_rebuild 1\n", 1, "cannot both be set", 2, NULL },
        { "both force flags, one 0", "force_rebuild 1\nforce_no_rebuild 0\n", 0, NULL, 0, "force_rebuild 1\n" },
        { "auto_reset_crashkernel no", "auto_reset_crashkernel no\n", 0, NULL, 0, "auto_reset_crashkernel no\n" },
        { "auto_reset_crashkernel bad", "auto_reset_crashkernel maybe\n", 1, "expected yes or no", 1, NULL },
        { "stall_timeout 600", "stall_timeout 600\n", 0, NULL, 0, "stall_timeout 600\n" },
        { "stall_timeout 9 refused", "\nstall_timeout 9\n", 1, "invalid value '9' for 'stall_timeout': expected a number of seconds from 10 to 86400", 2, NULL },
        { "stall_timeout 86401 refused", "stall_timeout 86401\n", 1, "from 10 to 86400", 1, NULL },
        { "stall_timeout 5m refused", "stall_timeout 5m\n", 1, "from 10 to 86400", 1, NULL },
        { "keep_dumps 3", "keep_dumps 3\n", 0, NULL, 0, "keep_dumps 3\n" },
        { "keep_free_mb 4096", "keep_free_mb 4096\n", 0, NULL, 0, "keep_free_mb 4096\n" },
        { "keep_dumps x refused", "keep_dumps x\n", 1, "expected a number of dumps (0: keep all)", 1, NULL },
        { "keep_free_mb -5 refused", "keep_free_mb -5\n", 1, "expected a number of MiB (0: no limit)", 1, NULL },
        { "stall_timeout -1 refused", "stall_timeout -1\n", 1, "from 10 to 86400", 1, NULL },
        /* errors */
        { "unknown directive", "\n\npth /var/crash\n", 1, "unknown directive 'pth' (did you mean 'path'?)", 3, NULL },
        { "unknown far directive", "frobnicate 1\n", 1, "unknown directive 'frobnicate'", 1, NULL },
        { "duplicate path", "path /a\npath /b\n", 1, "duplicate directive 'path' (first set on line 1)", 2, NULL },
        { "empty value", "path\n", 1, "directive 'path' needs a value", 1, NULL },
        { "empty quoted value", "path \"\"\n", 1, "needs a value", 1, NULL },
        { "control char", "path /var/cr\001ash\n", 1, "control character 0x01", 1, NULL },
        { "escape char", "path /var/\033[31m\n", 1, "control character 0x1b", 1, NULL },
        { "removed net", "net root@host\n", 1, "'net' is no longer supported: use 'ssh", 1, NULL },
        { "removed options", "options e1000 debug=1\n", 1, "'options' is no longer supported", 1, NULL },
        { "removed link_delay", "link_delay 30\n", 1, "'link_delay' is no longer supported", 1, NULL },
        { "removed disk_timeout", "disk_timeout 30\n", 1, "rd.timeout", 1, NULL },
        { "removed debug_mem_level", "debug_mem_level 2\n", 1, "rd.memdebug", 1, NULL },
        { "removed blacklist", "blacklist e1000\n", 1, "rd.driver.blacklist", 1, NULL },
        { "three errors reported", "pth /x\nfailure_action boom\next4 nodev\n", 3, "unknown directive 'pth'", 1, NULL },
};

static void test_case(void **state) {
        const struct conf_case *tc = *state;
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        _cleanup_free_ char *out = NULL;
        size_t outlen = 0;
        FILE *f;

        assert_int_equal(kdump_conf_parse(tc->input, strlen(tc->input), "kdump.conf", KDUMP_CONF_STRICT, &c), 0);
        if (c->n_errors != tc->n_errors)
                kdump_conf_print_diags(c, stderr);
        assert_int_equal(c->n_errors, tc->n_errors);
        if (tc->diag) {
                assert_true(c->n_diags >= 1);
                if (!strstr(c->diags[0].message, tc->diag))
                        fail_msg("diag '%s' does not contain '%s'", c->diags[0].message, tc->diag);
                assert_int_equal(c->diags[0].line, tc->diag_line);
        }
        if (tc->expect) {
                f = open_memstream(&out, &outlen);
                assert_non_null(f);
                assert_int_equal(kdump_conf_write(c, f), 0);
                fclose(f);
                if (!strstr(out, tc->expect))
                        fail_msg("output:\n%s\ndoes not contain:\n%s", out, tc->expect);
        }
}

/* Whatever the parser accepts, writing and re-reading yields the same bytes:
 * kdumpctl bakes the written form into the image and hashes it. */
static void test_roundtrip(void **state) {
        const struct conf_case *tc = *state;
        _cleanup_kdump_conf_ struct kdump_conf *a = NULL, *b = NULL;
        _cleanup_free_ char *out1 = NULL, *out2 = NULL;
        size_t l1 = 0, l2 = 0;
        FILE *f;

        assert_int_equal(kdump_conf_parse(tc->input, strlen(tc->input), "a", KDUMP_CONF_STRICT, &a), 0);
        assert_int_equal(a->n_errors, 0);
        f = open_memstream(&out1, &l1);
        assert_int_equal(kdump_conf_write(a, f), 0);
        fclose(f);
        assert_int_equal(kdump_conf_parse(out1, l1, "b", KDUMP_CONF_STRICT, &b), 0);
        assert_int_equal(b->n_errors, 0);
        f = open_memstream(&out2, &l2);
        assert_int_equal(kdump_conf_write(b, f), 0);
        fclose(f);
        assert_string_equal(out1, out2);
}

static void test_lenient_keeps_defaults(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *in = "pth /x\npath relative\nfailure_action boom\nfinal_action poweroff\n"
                         "ext4 UUID=abc\nnfs h:/x\npath /a\npath /b\n";
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_LENIENT, &c), 0);
        assert_true(c->n_errors > 0);
        assert_int_equal(c->failure_action, KDUMP_ACTION_REBOOT);     /* invalid: default kept */
        assert_int_equal(c->final_action, KDUMP_ACTION_POWEROFF);      /* valid lines still apply */
        assert_int_equal(c->target->type, KDUMP_TARGET_FS);             /* first target wins */
        assert_string_equal(c->target->device, "UUID=abc");
        assert_string_equal(c->path, "/b");                            /* later duplicate wins */
}

static void test_strict_duplicate_keeps_first(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *in = "path /a\npath /b\n";
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_STRICT, &c), 0);
        assert_string_equal(c->path, "/a");
}

static void test_target_fields(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *s = NULL, *n = NULL;
        (void) state;

        assert_int_equal(kdump_conf_parse("ssh kdump@[fd00::1]\n", 20, "k", KDUMP_CONF_STRICT, &s), 0);
        assert_int_equal(s->target->type, KDUMP_TARGET_SSH);
        assert_string_equal(s->target->user, "kdump");
        assert_string_equal(s->target->host, "fd00::1");
        assert_int_equal(s->target->line, 1);

        assert_int_equal(kdump_conf_parse("nfs [fd00::2]:/exp/d\n", 21, "k", KDUMP_CONF_STRICT, &n), 0);
        assert_int_equal(n->target->type, KDUMP_TARGET_NFS);
        assert_string_equal(n->target->host, "fd00::2");
        assert_string_equal(n->target->export, "/exp/d");
}

/* A chain: every member kept in order, the first in use; in a baked conf
 * (lenient) a path line after a later member is that member's own. */
static void test_target_chain(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *s = NULL, *l = NULL;
        const char *in = "ssh a@b\nnfs h:/x\npath /c\next4 LABEL=d\n";
        const char *baked = "ssh a@b\npath /c\nnfs h:/x\next4 LABEL=d\npath /sub/c\n";
        _cleanup_free_ char *out = NULL;
        size_t out_size = 0;
        FILE *f;
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_STRICT, &s), 0);
        assert_int_equal(s->n_errors, 0);
        assert_int_equal(s->n_targets, 3);
        assert_ptr_equal(s->target, &s->targets[0]);
        assert_int_equal(s->targets[1].type, KDUMP_TARGET_NFS);
        assert_int_equal(s->targets[1].line, 2);
        assert_string_equal(s->targets[2].device, "LABEL=d");
        assert_int_equal(kdump_conf_select_target(s, 2), 0);
        assert_string_equal(s->target->fstype, "ext4");
        assert_string_equal(kdump_conf_target_path(s), "/c");
        assert_int_equal(kdump_conf_select_target(s, 3), -ERANGE);
        assert_ptr_equal(s->target, &s->targets[2]);

        assert_int_equal(kdump_conf_parse(baked, strlen(baked), "k", KDUMP_CONF_LENIENT, &l), 0);
        assert_int_equal(l->n_errors, 0);
        assert_int_equal(l->n_targets, 3);
        assert_string_equal(l->path, "/c");
        assert_null(l->targets[1].path);
        assert_string_equal(l->targets[2].path, "/sub/c");
        assert_int_equal(kdump_conf_select_target(l, 2), 0);
        assert_string_equal(kdump_conf_target_path(l), "/sub/c");
        f = open_memstream(&out, &out_size);
        assert_non_null(f);
        assert_int_equal(kdump_conf_write(l, f), 0);
        assert_int_equal(fclose(f), 0);
        assert_true(strncmp(out, baked, strlen(baked)) == 0);      /* written back the same */
}

static void test_core_collector_argv(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL, *d = NULL;
        const char *in = "core_collector makedumpfile -c --message-level '1' -d 31 \"a b\"\n";
        (void) state;

        assert_int_equal(kdump_conf_new(&d), 0);
        assert_int_equal(strv_length(d->core_collector_argv), 6);
        assert_string_equal(d->core_collector_argv[0], "makedumpfile");

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_STRICT, &c), 0);
        assert_int_equal(strv_length(c->core_collector_argv), 7);
        assert_string_equal(c->core_collector_argv[3], "1");
        assert_string_equal(c->core_collector_argv[6], "a b");
}

static void test_three_errors_with_lines(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        const char *in = "# comment\npth /x\nfailure_action boom\n\next4 nodev\n";
        FILE *f;
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "/etc/kdump.conf", KDUMP_CONF_STRICT, &c), 0);
        f = open_memstream(&out, &len);
        kdump_conf_print_diags(c, f);
        fclose(f);
        assert_non_null(strstr(out, "/etc/kdump.conf:2: unknown directive 'pth'"));
        assert_non_null(strstr(out, "/etc/kdump.conf:3: invalid value 'boom' for 'failure_action'"));
        assert_non_null(strstr(out, "/etc/kdump.conf:5: invalid device 'nodev' for 'ext4'"));
}

/* Line numbers of kept values, for kdumpctl's FILE:LINE after parsing:
 * comments and blank lines still count as lines. */
static void test_lines_scalar(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL, *d = NULL;
        const char *in =
                "# kdump.conf\n"                                        /* 1 */
                "\n"                                                    /* 2 */
                "ext4 UUID=abc   # the target\n"                        /* 3 */
                "   # indented comment\n"                               /* 4 */
                "\tpath /var/crash\r\n"                                 /* 5 */
                "\n"                                                    /* 6 */
                "core_collector makedumpfile -l -d 31\n"                /* 7 */
                "kdump_pre /usr/bin/pre\n"                              /* 8 */
                "kdump_post \"/usr/bin/post\"\n"                        /* 9 */
                "default halt\n"                                        /* 10 */
                "final_action poweroff\n"                               /* 11 */
                "force_rebuild 1\n"                                     /* 12 */
                "sshkey /root/.ssh/k\n"                                 /* 13 */
                "auto_reset_crashkernel no\n"                           /* 14 */
                "fence_kdump_args -p 7410\n"                            /* 15 */
                "fence_kdump_nodes node1 node2\n"                       /* 16 */
                "force_no_rebuild 0";                                   /* 17, no newline */
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_STRICT, &c), 0);
        assert_int_equal(c->n_errors, 0);
        assert_int_equal(c->target->line, 3);
        assert_int_equal(c->lines.path, 5);
        assert_int_equal(c->lines.core_collector, 7);
        assert_int_equal(c->lines.kdump_pre, 8);
        assert_int_equal(c->lines.kdump_post, 9);
        assert_int_equal(c->lines.failure_action, 10);  /* through its alias */
        assert_int_equal(c->lines.final_action, 11);
        assert_int_equal(c->lines.force_rebuild, 12);
        assert_int_equal(c->lines.sshkey, 13);
        assert_int_equal(c->lines.auto_reset_crashkernel, 14);
        assert_int_equal(c->lines.fence_kdump_args, 15);
        assert_int_equal(c->lines.fence_kdump_nodes, 16);
        assert_int_equal(c->lines.force_no_rebuild, 17);

        /* defaults were set on no line */
        assert_int_equal(kdump_conf_parse("# only a comment\n", 17, "k", KDUMP_CONF_STRICT, &d), 0);
        assert_int_equal(d->target->line, 0);
        assert_int_equal(d->lines.path, 0);
        assert_int_equal(d->lines.kdump_pre, 0);
        assert_int_equal(d->lines.failure_action, 0);
        assert_int_equal(strv_length(d->extra_bins), 0);
}

/* Repeated list directives accumulate; each word keeps its own line, and a
 * multi-word value gives all its words the same line. */
static void test_lines_lists(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *in =
                "dracut_args --kernel-cmdline \"rd.timeout=30 rd.debug\"\n"    /* 1 */
                "extra_bins /usr/bin/lftp tool\n"                               /* 2 */
                "# extra_bins /not/this\n"                                      /* 3 */
                "extra_bins lftp\n"                                             /* 4 */
                "extra_modules gfs2\n"                                          /* 5 */
                "\n"                                                            /* 6 */
                "extra_modules dm_mod\tdm_crypt\n"                              /* 7 */
                "dracut_args --omit nfs\n";                                     /* 8 */
        static const unsigned bins[] = { 2, 2, 4 }, mods[] = { 5, 7, 7 }, dracut[] = { 1, 1, 8, 8 };
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_STRICT, &c), 0);
        assert_int_equal(c->n_errors, 0);
        assert_int_equal(strv_length(c->extra_bins), ELEMENTSOF(bins));
        for (size_t i = 0; i < ELEMENTSOF(bins); i++)
                assert_int_equal(c->lines.extra_bins[i], bins[i]);
        /* "lftp" is a substring of line 2 too: the line is the one it was written on */
        assert_string_equal(c->extra_bins[2], "lftp");
        assert_int_equal(strv_length(c->extra_modules), ELEMENTSOF(mods));
        for (size_t i = 0; i < ELEMENTSOF(mods); i++)
                assert_int_equal(c->lines.extra_modules[i], mods[i]);
        assert_int_equal(strv_length(c->dracut_args), ELEMENTSOF(dracut));
        assert_string_equal(c->dracut_args[1], "rd.timeout=30 rd.debug");
        for (size_t i = 0; i < ELEMENTSOF(dracut); i++)
                assert_int_equal(c->lines.dracut_args[i], dracut[i]);
}

/* The line is the one of the value in effect: strict keeps the first of a
 * duplicate, lenient the last valid one; a rejected line leaves no entry. */
static void test_lines_duplicates(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *s = NULL, *l = NULL;
        const char *in =
                "path /a\n"                                     /* 1 */
                "failure_action halt\n"                         /* 2 */
                "path /b\n"                                     /* 3 */
                "failure_action boom\n"                         /* 4: invalid */
                "extra_modules gfs2 ../evil\n"                  /* 5: invalid */
                "extra_modules dm_mod\n"                        /* 6 */
                "raw /dev/vdc\n"                                /* 7 */
                "ssh a@b\n";                                    /* 8: a second target */
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_STRICT, &s), 0);
        assert_string_equal(s->path, "/a");
        assert_int_equal(s->lines.path, 1);
        assert_int_equal(s->lines.failure_action, 2);

        assert_int_equal(kdump_conf_parse(in, strlen(in), "k", KDUMP_CONF_LENIENT, &l), 0);
        assert_string_equal(l->path, "/b");
        assert_int_equal(l->lines.path, 3);
        assert_int_equal(l->failure_action, KDUMP_ACTION_HALT);
        assert_int_equal(l->lines.failure_action, 2);
        assert_int_equal(strv_length(l->extra_modules), 1);
        assert_int_equal(l->lines.extra_modules[0], 6);
        assert_int_equal(l->target->type, KDUMP_TARGET_RAW);  /* the first target stays */
        assert_int_equal(l->target->line, 7);
}

/* Fedora ships kdump.conf with every directive commented out except the
 * defaults; such a file must parse clean. */
static void test_fedora_style_default(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char *in =
                "# This file contains a series of commands to perform (in order) in the kdump\n"
                "# kernel after a kernel crash in the crash kernel(1st kernel) has happened.\n"
                "#\n"
                "# raw <partition>\n"
                "#           - Will dd /proc/vmcore into <partition>.\n"
                "#\n"
                "# nfs <nfs mount>\n"
                "# ssh <user@server>\n"
                "# sshkey <path>\n"
                "# path <path>\n"
                "# core_collector <command> <options>\n"
                "# kdump_post <binary | script>\n"
                "# kdump_pre <binary | script>\n"
                "# extra_bins <binaries | shell scripts>\n"
                "# extra_modules <module(s)>\n"
                "# failure_action <reboot | halt | poweroff | shell | dump_to_rootfs>\n"
                "# default <reboot | halt | poweroff | shell | dump_to_rootfs>\n"
                "# final_action <reboot | halt | poweroff>\n"
                "# force_rebuild <0 | 1>\n"
                "# force_no_rebuild <0 | 1>\n"
                "# dracut_args <arg(s)>\n"
                "# fence_kdump_args <arg(s)>\n"
                "# fence_kdump_nodes <node(s)>\n"
                "# auto_reset_crashkernel <yes|no>\n"
                "\n"
                "#raw /dev/vg/lv_kdump\n"
                "#ext4 /dev/vg/lv_kdump\n"
                "#ext4 LABEL=/boot\n"
                "#ext4 UUID=03138356-5e61-4ab3-b58e-27507ac41937\n"
                "#virtiofs myfs\n"
                "#nfs my.server.com:/export/tmp\n"
                "#nfs [2001:db8::1:2:3:4]:/export/tmp\n"
                "#ssh user@my.server.com\n"
                "#ssh user@2001:db8::1:2:3:4\n"
                "#sshkey /root/.ssh/kdump_id_rsa\n"
                "auto_reset_crashkernel yes\n"
                "path /var/crash\n"
                "core_collector makedumpfile -l --message-level 7 -d 31\n"
                "#core_collector scp\n"
                "#kdump_post /var/crash/scripts/kdump-post.sh\n"
                "#kdump_pre /var/crash/scripts/kdump-pre.sh\n"
                "#extra_bins /usr/bin/lftp\n"
                "#extra_modules gfs2\n"
                "#failure_action shell\n"
                "#force_rebuild 1\n"
                "#force_no_rebuild 1\n"
                "#dracut_args --omit-drivers \"cfg80211 snd\" --add-drivers \"ext2 ext3\"\n"
                "#fence_kdump_args -p 7410 -f auto -c 0 -i 10\n"
                "#fence_kdump_nodes node1 node2\n";
        (void) state;

        assert_int_equal(kdump_conf_parse(in, strlen(in), "kdump.conf", KDUMP_CONF_STRICT, &c), 0);
        if (c->n_diags)
                kdump_conf_print_diags(c, stderr);
        assert_int_equal(c->n_diags, 0);
        assert_int_equal(c->target->type, KDUMP_TARGET_ROOTFS);
}

/* ---- hostile input -------------------------------------------------------- */

static void test_huge_line(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        size_t n = 1024 * 1024;
        _cleanup_free_ char *in = malloc(n + 16);
        (void) state;

        assert_non_null(in);
        memcpy(in, "path /", 6);
        memset(in + 6, 'a', n);
        in[n + 6] = '\n';
        assert_int_equal(kdump_conf_parse(in, n + 7, "k", KDUMP_CONF_STRICT, &c), 0);
        assert_int_equal(c->n_errors, 1);
        assert_non_null(strstr(c->diags[0].message, "line too long"));
        assert_string_equal(c->path, "/var/crash");
}

static void test_binary_garbage(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        unsigned char in[65536];
        uint32_t x = 2463534242u;
        (void) state;

        for (size_t i = 0; i < sizeof in; i++) {      /* xorshift: reproducible noise */
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                in[i] = (unsigned char) x;
        }
        assert_int_equal(kdump_conf_parse((char *) in, sizeof in, "k", KDUMP_CONF_STRICT, &c), 0);
        assert_true(c->n_errors > 0);
        assert_true(c->n_diags >= c->n_errors);
}

static void test_many_lines(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        _cleanup_free_ char *in = NULL, *out = NULL;
        size_t len = 0, olen = 0;
        FILE *f = open_memstream(&in, &len);
        (void) state;

        for (int i = 0; i < 100000; i++)
                fprintf(f, "path /var/crash%d\n", i);
        fclose(f);
        assert_int_equal(kdump_conf_parse(in, len, "k", KDUMP_CONF_STRICT, &c), 0);
        assert_int_equal(c->n_errors, 99999);
        f = open_memstream(&out, &olen);
        kdump_conf_print_diags(c, f);
        fclose(f);
        assert_non_null(strstr(out, "and 99799 more problems not shown"));
}

static void test_nul_byte(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        const char in[] = "path /var/\0crash\nfailure_action halt\n";
        (void) state;

        assert_int_equal(kdump_conf_parse(in, sizeof in - 1, "k", KDUMP_CONF_STRICT, &c), 0);
        assert_int_equal(c->n_errors, 1);
        assert_string_equal(c->diags[0].message, "NUL byte in line");
        assert_int_equal(c->failure_action, KDUMP_ACTION_HALT);
}

static void test_load_directory(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        (void) state;

        assert_int_equal(kdump_conf_load("/", KDUMP_CONF_STRICT, &c), 0);
        assert_int_equal(c->n_errors, 1);
        assert_non_null(strstr(c->diags[0].message, "is a directory"));
}

static void test_load_missing(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *s = NULL, *l = NULL;
        (void) state;

        assert_int_equal(kdump_conf_load("/nonexistent/kdump.conf", KDUMP_CONF_STRICT, &s), 0);
        assert_int_equal(s->n_errors, 1);
        assert_int_equal(kdump_conf_load("/nonexistent/kdump.conf", KDUMP_CONF_LENIENT, &l), 0);
        assert_int_equal(l->n_errors, 0);      /* defaults: the dump still happens */
        assert_int_equal(l->n_diags, 1);
        assert_string_equal(l->path, "/var/crash");
}

static void test_load_file(void **state) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        char tmpl[] = "/tmp/kdump-conf-test-XXXXXX";
        int fd = mkstemp(tmpl);
        const char *in = "xfs LABEL=crash\npath /dumps\n";
        (void) state;

        assert_true(fd >= 0);
        assert_int_equal(write(fd, in, strlen(in)), (ssize_t) strlen(in));
        close(fd);
        assert_int_equal(kdump_conf_load(tmpl, KDUMP_CONF_STRICT, &c), 0);
        unlink(tmpl);
        assert_int_equal(c->n_errors, 0);
        assert_string_equal(c->target->fstype, "xfs");
        assert_string_equal(c->path, "/dumps");
        assert_string_equal(c->filename, tmpl);
}

/* ---- shell words -------------------------------------------------------- */

struct split_case {
        const char *in;
        int n;
        const char *words[6];
};

static const struct split_case splits[] = {
        { "", 0, { NULL } },
        { "   ", 0, { NULL } },
        { "a b  c", 3, { "a", "b", "c" } },
        { "'a b' c", 2, { "a b", "c" } },
        { "\"a b\" c", 2, { "a b", "c" } },
        { "a\\ b", 1, { "a b" } },
        { "\"a\\\"b\"", 1, { "a\"b" } },
        { "'it'\\''s'", 1, { "it's" } },
        { "x\"y z\"w", 1, { "xy zw" } },
        { "$HOME `id` $(id) *", 4, { "$HOME", "`id`", "$(id)", "*" } },
        { "\"\\n\"", 1, { "\\n" } },
        { "''", 1, { "" } },
        { "'unterminated", -EINVAL, { NULL } },
        { "\"unterminated", -EINVAL, { NULL } },
        { "trailing\\", -EINVAL, { NULL } },
};

static void test_shell_split(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(splits); i++) {
                _cleanup_strv_free_ char **w = NULL;
                int r = shell_split(splits[i].in, &w);

                if (r != splits[i].n)
                        fail_msg("'%s': got %d, expected %d", splits[i].in, r, splits[i].n);
                for (int j = 0; j < r; j++)
                        assert_string_equal(w[j], splits[i].words[j]);
                if (r >= 0)
                        assert_null(w[r]);
        }
}

static void test_shell_quote_roundtrip(void **state) {
        static const char *words[] = { "plain", "a b", "it's", "$x", "", "\"q\"", "back\\slash" };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(words); i++) {
                _cleanup_free_ char *q = shell_quote(words[i]);
                _cleanup_strv_free_ char **w = NULL;

                assert_non_null(q);
                assert_int_equal(shell_split(q, &w), 1);
                assert_string_equal(w[0], words[i]);
        }
}

static void test_device_node(void **state) {
        static const char *map[][2] = {
                { "UUID=abc-1", "/dev/disk/by-uuid/abc-1" },
                { "LABEL=my disk", "/dev/disk/by-label/my\\x20disk" },
                { "LABEL=a/b", "/dev/disk/by-label/a\\x2fb" },
                { "PARTUUID=1-2", "/dev/disk/by-partuuid/1-2" },
                { "PARTLABEL=kd", "/dev/disk/by-partlabel/kd" },
                { "/dev/vdb1", "/dev/vdb1" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                _cleanup_free_ char *n = kdump_device_spec_to_node(map[i][0]);
                assert_string_equal(n, map[i][1]);
        }
}

int main(void) {
        struct CMUnitTest tests[2 * ELEMENTSOF(cases) + 32];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                tests[n++] = (struct CMUnitTest) {
                        .name = cases[i].name, .test_func = test_case,
                        .initial_state = (void *) &cases[i],
                };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                static char names[ELEMENTSOF(cases)][96];
                if (cases[i].n_errors > 0)
                        continue;       /* only accepted input is baked and re-read */
                snprintf(names[i], sizeof names[i], "roundtrip: %s", cases[i].name);
                tests[n++] = (struct CMUnitTest) {
                        .name = names[i], .test_func = test_roundtrip,
                        .initial_state = (void *) &cases[i],
                };
        }
#define ADD(f) tests[n++] = (struct CMUnitTest) { .name = #f, .test_func = f }
        ADD(test_lenient_keeps_defaults);
        ADD(test_strict_duplicate_keeps_first);
        ADD(test_target_fields);
        ADD(test_target_chain);
        ADD(test_core_collector_argv);
        ADD(test_three_errors_with_lines);
        ADD(test_lines_scalar);
        ADD(test_lines_lists);
        ADD(test_lines_duplicates);
        ADD(test_fedora_style_default);
        ADD(test_huge_line);
        ADD(test_binary_garbage);
        ADD(test_many_lines);
        ADD(test_nul_byte);
        ADD(test_load_directory);
        ADD(test_load_missing);
        ADD(test_load_file);
        ADD(test_shell_split);
        ADD(test_shell_quote_roundtrip);
        ADD(test_device_node);

        return _cmocka_run_group_tests("kdump-conf", tests, n, NULL, NULL);
}
