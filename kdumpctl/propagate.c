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

        if (c->target->type != KDUMP_TARGET_SSH) {
                log_error("propagate is only for ssh targets; %s has %s.", ctx->conf_path,
                          c->target->type == KDUMP_TARGET_ROOTFS ? "no target line" : "none");
                return -EINVAL;
        }
        key = root_path(ctx, c->sshkey);
        kh = root_path(ctx, KDUMP_KNOWN_HOSTS);
        khdir = root_path(ctx, KDUMP_STATE_DIR);
        keydir = key ? strdup(key) : NULL;
        if (!key || !kh || !khdir || !keydir || asprintf(&pub, "%s.pub", key) < 0 ||
            asprintf(&kh_opt, "UserKnownHostsFile=%s", kh) < 0 ||
            asprintf(&dest, "%s@%s", c->target->user, c->target->host) < 0 ||
            asprintf(&sftp_dest, strchr(c->target->host, ':') ? "%s@[%s]" : "%s@%s",
                     c->target->user, c->target->host) < 0)
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
                                  "an existing key), then run 'kdumpctl propagate' again.", c->target->host, c->target->user);
                        log_error("Or by hand: append %s to ~%s/.ssh/authorized_keys on %s, and record its "
                                  "verified host key in %s.", pub, c->target->user, c->target->host, kh);
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
                                  "'kdumpctl propagate' again.", c->target->user);
                        return -EIO;
                }
        }
        log_info("%s is set up for dumps to %s; 'kdumpctl restart' puts the key into the initramfs.", key, sftp_dest);
        return 0;
}

/* One known_hosts line as ssh-keygen -F prints it: "[@marker] hosts type key
 * [comment]".  Returns 1 and *ret_type, *ret_key (pointing into line, which is
 * cut), 0 for a line to skip (a comment, @cert-authority: libssh2 cannot pin a
 * CA), -EKEYREVOKED for @revoked. */
static int known_hosts_entry(char *line, char **ret_type, char **ret_key) {
        char *save = NULL, *tok, *type, *key;

        tok = strtok_r(line, " \t", &save);
        if (!tok || tok[0] == '#')
                return 0;
        if (tok[0] == '@') {
                if (streq(tok, "@revoked"))
                        return -EKEYREVOKED;
                return 0;
        }
        type = strtok_r(NULL, " \t", &save);
        key = strtok_r(NULL, " \t", &save);
        if (!type || !key)
                return 0;
        *ret_type = type;
        *ret_key = key;
        return 1;
}

/* Fedora's kdump trusts the host key root's ssh already trusts: when nothing
 * is pinned yet, the keys that ~root/.ssh/known_hosts or the system's
 * ssh_known_hosts hold for the target are pinned, and the admin is told.  A key
 * is never learnt from the network here (that is 'kdumpctl propagate', with
 * the admin at the keyboard), and a pinned file is never changed: a server
 * whose key changed stays refused.  ssh-keygen -F does the lookup, as ssh
 * does it (hashed entries, [host]:port, wildcards). */
int known_hosts_adopt(struct kdump_ctx *ctx) {
        const struct kdump_conf *c = ctx->conf;
        static const char *const sources[] = { "/root/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts" };
        _cleanup_free_ char *pinned = root_path(ctx, KDUMP_KNOWN_HOSTS), *dir = root_path(ctx, KDUMP_STATE_DIR);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        const char *found_in = NULL;
        FILE *f;
        int r;

        if (!pinned || !dir)
                return log_oom();
        if (c->target->type != KDUMP_TARGET_SSH || access(pinned, F_OK) == 0)
                return 0;
        f = open_memstream(&data, &len);
        if (!f)
                return log_oom();
        for (size_t i = 0; i < ELEMENTSOF(sources) && !found_in; i++) {
                _cleanup_free_ char *src = root_path(ctx, sources[i]), *out = NULL, *err = NULL;
                char *argv[] = { (char *) "ssh-keygen", (char *) "-F", c->target->host, (char *) "-f", src, NULL };
                char *line, *save = NULL;

                if (!src) {
                        fclose(f);
                        return log_oom();
                }
                if (access(src, R_OK) < 0)
                        continue;
                r = spawn_capture_output(argv, NULL, TIMEOUT_SSH, 1024 * 1024, &out, &err);
                if (r < 0 && r != -ENOENT) {
                        fclose(f);
                        return log_error_errno(r, "Failed to run ssh-keygen -F on %s: %m", src);
                }
                if (r == -ENOENT) {
                        fclose(f);
                        return log_error_errno(r, "ssh-keygen is missing (openssh-client): cannot look up %s's "
                                               "host key in %s.", c->target->host, src);
                }
                if (r != 0)     /* 1: no entry for the host */
                        continue;
                for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        char *type = NULL, *key = NULL;

                        r = known_hosts_entry(line, &type, &key);
                        if (r == -EKEYREVOKED) {
                                fclose(f);
                                return log_error_errno(r, "%s marks a host key of %s as @revoked: not pinning "
                                                       "any key from it; run 'kdumpctl propagate' once the "
                                                       "server has a new key.", src, c->target->host);
                        }
                        if (r <= 0)
                                continue;
                        /* unhashed, under the name the writer checks */
                        fprintf(f, "%s %s %s\n", c->target->host, type, key);
                        found_in = sources[i];
                }
        }
        if (fclose(f) != 0)
                return log_oom();
        if (!found_in)
                return log_error_errno(ENOENT, "No host key of %s is pinned in %s, and neither root's "
                                       "~/.ssh/known_hosts nor /etc/ssh/ssh_known_hosts knows one: run "
                                       "'kdumpctl propagate' to record it (the capture kernel never trusts "
                                       "a key on first use).", c->target->host, pinned);
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        r = write_file_atomic(pinned, data, len, 0600);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", pinned);
        log_notice("Pinned the host key of %s that %s trusts into %s; the capture kernel accepts only this "
                   "key ('kdumpctl propagate' records a new one).", c->target->host, found_in, KDUMP_KNOWN_HOSTS);
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
        /* every ssh member of a chain: ssh-copy-id adds each host's key */
        for (size_t i = 0; r >= 0 && i < ctx_n_targets(&ctx); i++) {
                ctx_select_target(&ctx, i);
                if (ctx.conf->target->type == KDUMP_TARGET_SSH || !ctx_chain_has(&ctx, KDUMP_TARGET_SSH))
                        r = do_propagate(&ctx);
        }
        ctx_done(&ctx);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
