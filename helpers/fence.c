/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-fence [--wait]
 *
 * kdump-fence.service, in a capture initramfs whose kdump.conf has
 * fence_kdump_nodes: tells the other cluster nodes that this one is saving a
 * dump, so that they do not fence (power off) it meanwhile.
 *
 * --wait (the unit's ExecStartPre=): waits at most KDUMP_FENCE_WAIT_SEC for
 * a route to the first node, i.e. for the network to come up, so that the
 * first message goes out before the dump starts.  Always exits 0: a network
 * that stays down delays the dump by that bound, never stops it.
 *
 * Without options (ExecStart=): execs
 *   fence_kdump_send [fence_kdump_args...] node...
 * as an argv (kdumpctl baked the nodes' addresses and checked the args).
 * fence_kdump_send sends its message to every node every interval (-i,
 * 10 s) and, with the default -c 0, until it is stopped: when
 * kdump-capture.service ends (the unit's BindsTo=).  A send that fails (no
 * network yet) is retried at the next interval by fence_kdump_send itself.
 *
 * Exit status: 0; 1 when there are no nodes or fence_kdump_send cannot be
 * run; 2 on bad usage.
 * Environment, for tests: KDUMP_CONF, KDUMP_FENCE_KDUMP_SEND (the program to
 * exec), KDUMP_FENCE_WAIT_MS (the --wait bound), KDUMP_LOG_STDERR=1.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf-diags.h"
#include "kdump-conf.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

/* Long enough for DHCP or a link to come up, short against the cluster's
 * own fence_kdump timeout (60 s by default), which starts at the crash. */
#define KDUMP_FENCE_WAIT_SEC 20
#define POLL_MS 200

static bool arg_wait;

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A UDP connect() sends nothing: it succeeds once the kernel has a route
 * (the interface up, its address set), fails with ENETUNREACH before. */
static int route_exists(const struct addrinfo *ai) {
        _cleanup_close_ int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
                return -errno;
        return 0;
}

static int wait_for_route(const char *node) {
        const char *e = secure_getenv("KDUMP_FENCE_WAIT_MS");
        long long bound = e && *e ? strtoll(e, NULL, 10) : KDUMP_FENCE_WAIT_SEC * 1000LL;
        struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        long long start = now_ms();
        int r;

        /* kdumpctl baked an address; no resolver is asked at crash time */
        r = getaddrinfo(node, "7410", &hints, &ai);
        if (r != 0) {
                log_warning("fence_kdump_nodes '%s' is not an address, not waiting for a route to it", node);
                return 0;
        }
        for (;;) {
                r = route_exists(ai);
                if (r >= 0 || now_ms() - start >= bound)
                        break;
                (void) usleep(POLL_MS * 1000);
        }
        freeaddrinfo(ai);
        if (r >= 0)
                log_notice("fence: route to %s after %.1fs, notifying the cluster", node,
                           (double) (now_ms() - start) / 1000);
        else
                log_warning_errno(r, "fence: no route to %s after %.1fs (%m); the dump goes on, "
                                  "fence_kdump_send keeps trying", node, (double) (now_ms() - start) / 1000);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "wait", no_argument, NULL, 'w' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'w':
                        arg_wait = true;
                        break;
                default:
                        fprintf(stderr, "usage: kdump-fence [--wait]\n");
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "usage: kdump-fence [--wait]\n");
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        _cleanup_strv_free_ char **args = NULL;
        const char *e = secure_getenv("KDUMP_LOG_STDERR"), *send = secure_getenv("KDUMP_FENCE_KDUMP_SEND");
        int r;

        log_setup("kdump", e && streq(e, "1") ? LOG_TARGET_STDERR : LOG_TARGET_CONSOLE);
        if (parse_argv(argc, argv) < 0)
                return 2;
        r = capture_conf_load(&c);
        if (r < 0) {
                log_oom();
                return arg_wait ? 0 : 1;
        }
        if (strv_length(c->fence_kdump_nodes) == 0) {
                log_error("fence: %s has no fence_kdump_nodes, nobody to notify", c->filename);
                return arg_wait ? 0 : 1;
        }
        if (arg_wait)
                return wait_for_route(c->fence_kdump_nodes[0]);

        if (!send || !*send)
                send = KDUMP_FENCE_KDUMP_SEND;
        args = calloc(1, sizeof(char *));
        if (!args || strv_push(&args, send) < 0 || strv_extend(&args, c->fence_kdump_args) < 0 ||
            strv_extend(&args, c->fence_kdump_nodes) < 0) {
                log_oom();
                return 1;
        }
        _cleanup_free_ char *shown = strv_join(args, " ");
        log_notice("fence: %s", shown ? shown : send);
        execv(send, args);
        log_error_errno(errno, "fence: cannot run %s: %m", send);
        return 1;
}
