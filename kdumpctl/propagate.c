/* SPDX-License-Identifier: GPL-2.0-or-later */
/* propagate: the ssh key (ed25519), its public half on the target, and the
 * target's host key pinned in a kdump-only known_hosts that the capture
 * initramfs carries: the capture kernel never trusts on first use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdumpctl.h"
#include "log.h"

static int do_propagate(struct kdump_ctx *ctx) {
        const struct kdump_conf *c = ctx->conf;
        _cleanup_free_ char *key = NULL, *pub = NULL, *kh = NULL, *khdir = NULL, *keydir = NULL;
        _cleanup_free_ char *kh_opt = NULL, *dest = NULL, *sftp_dest = NULL;
        char *slash;
        int r;

        if (c->target.type != KDUMP_TARGET_SSH) {
                log_error("propagate is only for ssh targets; %s has %s.", ctx->conf_path,
                          c->target.type == KDUMP_TARGET_ROOTFS ? "no target line" : "none");
                return -EINVAL;
        }
        key = root_path(ctx, c->sshkey);
        kh = root_path(ctx, KDUMP_KNOWN_HOSTS);
        khdir = root_path(ctx, KDUMP_STATE_DIR);
        keydir = key ? strdup(key) : NULL;
        if (!key || !kh || !khdir || !keydir || asprintf(&pub, "%s.pub", key) < 0 ||
            asprintf(&kh_opt, "UserKnownHostsFile=%s", kh) < 0 ||
            asprintf(&dest, "%s@%s", c->target.user, c->target.host) < 0 ||
            asprintf(&sftp_dest, strchr(c->target.host, ':') ? "%s@[%s]" : "%s@%s",
                     c->target.user, c->target.host) < 0)
                return log_oom();

        if (access(key, F_OK) == 0)
                log_info("Using the existing key %s.", key);
        else {
                /* ed25519: small, fast, and what every current sshd accepts */
                char *argv[] = { (char *) "ssh-keygen", (char *) "-q", (char *) "-t", (char *) "ed25519",
                                 (char *) "-N", (char *) "", (char *) "-C", (char *) "kdump",
                                 (char *) "-f", key, NULL };

                slash = strrchr(keydir, '/');
                if (slash && slash != keydir) {
                        *slash = '\0';
                        r = mkdir_p(keydir, 0700);
                        if (r < 0)
                                return log_error_errno(r, "Failed to create %s: %m", keydir);
                }
                r = spawn_wait(argv, TIMEOUT_SSH);
                if (r != 0)
                        return log_error_errno(r < 0 ? r : EIO,
                                               "ssh-keygen failed to create %s (%s); check that the directory "
                                               "is writable, or create the key yourself with "
                                               "'ssh-keygen -t ed25519 -N \"\" -f %s'.",
                                               key, r < 0 ? "could not run it" : "it exited with an error", key);
                log_info("Created the ssh key %s.", key);
        }

        r = mkdir_p(khdir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", khdir);

        {
                /* The admin is at the keyboard: the host key is accepted here,
                 * once, and pinned; ssh-copy-id asks for the password.  The
                 * capture kernel connects to the address kdumpctl resolved, not
                 * the name, so the entry must carry the address too
                 * (CheckHostIP), unhashed so libssh2 can match it. */
                char *argv[] = { (char *) "ssh-copy-id", (char *) "-i", pub,
                                 (char *) "-o", kh_opt, (char *) "-o", (char *) "StrictHostKeyChecking=accept-new",
                                 (char *) "-o", (char *) "CheckHostIP=yes", (char *) "-o", (char *) "HashKnownHosts=no",
                                 dest, NULL };

                r = spawn_wait(argv, 300);
                if (r != 0) {
                        log_error("Failed to install %s on %s (%s).", pub, dest,
                                  r == -ETIMEDOUT ? "timed out" : r < 0 ? "could not run ssh-copy-id" : "ssh-copy-id failed");
                        log_error("Check that %s is reachable and that you can log in as %s (password or "
                                  "an existing key), then run 'kdumpctl propagate' again.", c->target.host, c->target.user);
                        log_error("Or by hand: append %s to ~%s/.ssh/authorized_keys on %s, and record its "
                                  "verified host key in %s.", pub, c->target.user, c->target.host, kh);
                        return -EIO;
                }
        }
        {
                /* as the capture kernel will: key only, pinned host key, no prompts */
                char *argv[] = { (char *) "sftp", (char *) "-b", (char *) "/dev/null",
                                 (char *) "-o", (char *) "BatchMode=yes", (char *) "-o", kh_opt,
                                 (char *) "-o", (char *) "StrictHostKeyChecking=yes",
                                 (char *) "-o", (char *) "IdentitiesOnly=yes", (char *) "-i", key,
                                 sftp_dest, NULL };

                r = spawn_wait(argv, TIMEOUT_SSH);
                if (r != 0) {
                        log_error("The key was installed, but a non-interactive sftp login to %s with %s and "
                                  "the pinned host key in %s failed.", sftp_dest, key, kh);
                        log_error("Check that the server allows public key logins and sftp for %s, then run "
                                  "'kdumpctl propagate' again.", c->target.user);
                        return -EIO;
                }
        }
        log_info("%s is set up for dumps to %s; 'kdumpctl restart' puts the key into the initramfs.", key, sftp_dest);
        return 0;
}

int verb_propagate(int argc, char **argv) {
        struct kdump_ctx ctx;
        _cleanup_close_ int lock = -1;
        int r;

        (void) argc;
        (void) argv;
        r = open_ctx(&ctx, true);
        if (r >= 0)
                r = kdump_lock(&ctx, &lock);
        if (r >= 0)
                r = do_propagate(&ctx);
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
