/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fence_kdump_nodes and fence_kdump_args, checked and resolved at kdumpctl
 * time for the capture kernel's kdump-fence.service.
 *
 * In a cluster, a node that stops answering is fenced (powered off) by the
 * others; one that is saving a dump must not be.  The capture kernel runs
 * fence_kdump_send, which tells each node, over UDP, every interval, that
 * this machine is dumping; their fence_kdump agent then counts it as fenced.
 * The capture kernel has no resolver: every node is resolved here and the
 * baked kdump.conf names its address; the route to the first node gives the
 * network the capture kernel brings up (network.c), for any dump target.
 *
 * Refused, with FILE:LINE and the value:
 *   - a node that is this machine: its host name, a name its /etc/hosts
 *     gives it, one of its addresses or a loopback one (it would notify
 *     itself while the cluster fences it);
 *   - a node that does not resolve, or not in the family -f asks for;
 *   - fence_kdump_args that fence_kdump_send rejects, or that make it exit
 *     instead of notifying (-h, -V, -c/-i out of range), or that name nodes;
 *   - a root without fence_kdump_send.
 * On the running system names resolve with getaddrinfo(), its addresses are
 * the kernel's local ones (/proc/net/fib_trie "/32 host LOCAL" entries, and
 * /proc/net/if_inet6).  Under a root (KDUMP_SYSROOT, rebuild --sysroot) this
 * machine's resolver answers for another one: names resolve with the root's
 * /etc/hosts only, and its /proc/net files (a fake root's) are read; an
 * image has none, so only its host name is compared. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

void fence_done(struct fence_setup *f) {
        strv_free(f->addresses);
        net_route_done(&f->net);
        *f = (struct fence_setup) {};
}

/* Text form of an address, normalised ("::0001" -> "::1"); NULL if s is none. */
static char *normalize_address(const char *s, int *ret_family) {
        unsigned char a[16];
        char buf[INET6_ADDRSTRLEN];
        int family = strchr(s, ':') ? AF_INET6 : AF_INET;

        if (inet_pton(family, s, a) != 1 || !inet_ntop(family, a, buf, sizeof buf))
                return NULL;
        if (ret_family)
                *ret_family = family;
        return strdup(buf);
}

static bool is_loopback(const char *addr) {
        return startswith(addr, "127.") || streq(addr, "::1");
}

/* A strict decimal in [min, max]: fence_kdump_send's atoi() takes "7x" as 7. */
static bool parse_number(const char *s, long min, long max, long *ret) {
        char *end;
        long v;

        if (!s || !*s || strspn(s, "0123456789") != strlen(s))
                return false;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || v < min || v > max)
                return false;
        if (ret)
                *ret = v;
        return true;
}

struct fence_opt {
        char name;
        const char *long_name;
        int has_arg;                    /* 0 none, 1 required, 2 optional (attached only) */
};

/* fence_kdump_send's getopt_long("p:f:c:i:v::Vh") */
static const struct fence_opt fence_opts[] = {
        { 'p', "ipport", 1 }, { 'f', "family", 1 }, { 'c', "count", 1 }, { 'i', "interval", 1 },
        { 'v', "verbose", 2 }, { 'V', "version", 0 }, { 'h', "help", 0 },
};

/* getopt_long takes any unambiguous prefix of a long option */
static const struct fence_opt *find_long(const char *name, size_t len) {
        const struct fence_opt *found = NULL;

        for (size_t i = 0; i < ELEMENTSOF(fence_opts); i++) {
                if (strncmp(fence_opts[i].long_name, name, len) != 0)
                        continue;
                if (strlen(fence_opts[i].long_name) == len)
                        return &fence_opts[i];
                if (found)
                        return NULL;
                found = &fence_opts[i];
        }
        return found;
}

static const struct fence_opt *find_short(char c) {
        for (size_t i = 0; i < ELEMENTSOF(fence_opts); i++)
                if (fence_opts[i].name == c)
                        return &fence_opts[i];
        return NULL;
}

/* One option's value; returns an error text, or NULL when it is fine. */
static const char *check_value(const struct fence_opt *o, const char *v, int *family) {
        switch (o->name) {
        case 'p':
                return parse_number(v, 1, 65535, NULL) ? NULL : "the port must be a number from 1 to 65535";
        case 'f':
                if (strcasecmp(v, "auto") == 0)
                        *family = AF_UNSPEC;
                else if (strcasecmp(v, "ipv4") == 0)
                        *family = AF_INET;
                else if (strcasecmp(v, "ipv6") == 0)
                        *family = AF_INET6;
                else
                        return "the family must be auto, ipv4 or ipv6";
                return NULL;
        case 'c':
                return parse_number(v, 0, 1000000, NULL) ? NULL
                       : "the count must be a number, 0 (the default) for no limit";
        case 'i':
                return parse_number(v, 1, 86400, NULL) ? NULL
                       : "the interval must be a number of seconds from 1 to 86400";
        case 'v':
                return !v || parse_number(v, 0, 9, NULL) ? NULL : "a verbosity must be a number from 0 to 9";
        case 'V':
        case 'h':
                return "fence_kdump_send would print its version or help and exit instead of notifying";
        }
        return NULL;
}

/* Walks the words as fence_kdump_send's getopt_long would; prints each
 * problem; returns how many. */
static int check_args(const struct kdump_ctx *ctx, int *ret_family) {
        char * const *w = ctx->conf->fence_kdump_args;
        unsigned line = ctx->conf->lines.fence_kdump_args;
        _cleanup_free_ char *all = strv_join(w, " ");
        int errors = 0;

        if (!all)
                return log_oom();
#define BAD(...) do { conf_error(ctx, line, "fence_kdump_args '%s': " __VA_ARGS__); errors++; } while (0)
        for (size_t i = 0; w[i]; i++) {
                const char *word = w[i], *v, *err;
                const struct fence_opt *o;

                if (streq(word, "--") || word[0] != '-' || !word[1]) {
                        BAD("'%s' is not an option; the nodes to notify go in fence_kdump_nodes", all,
                            streq(word, "--") && w[i + 1] ? w[i + 1] : word);
                        break;
                }
                if (word[1] == '-') {
                        size_t n = strcspn(word + 2, "=");

                        o = find_long(word + 2, n);
                        if (!o) {
                                BAD("unknown or ambiguous option '%s' (fence_kdump_send takes -p, -f, -c, -i, -v)",
                                    all, word);
                                continue;
                        }
                        v = word[2 + n] == '=' ? word + 3 + n : NULL;
                        if (o->has_arg == 0 && v) {
                                BAD("option '--%s' takes no value", all, o->long_name);
                                continue;
                        }
                        if (o->has_arg == 1 && !v) {
                                v = w[i + 1];
                                if (!v) {
                                        BAD("option '--%s' needs a value", all, o->long_name);
                                        continue;
                                }
                                i++;
                        }
                        err = check_value(o, v, ret_family);
                        if (err)
                                BAD("%s%s%s: %s", all, word, v && v != word + 3 + n ? " " : "",
                                    v && v != word + 3 + n ? v : "", err);
                        continue;
                }
                /* a cluster of short options, as getopt reads it */
                for (const char *c = word + 1; *c; c++) {
                        o = find_short(*c);
                        if (!o) {
                                BAD("unknown option '-%c' (fence_kdump_send takes -p, -f, -c, -i, -v)", all, *c);
                                break;
                        }
                        if (o->has_arg == 0) {
                                err = check_value(o, NULL, ret_family);
                                if (err)
                                        BAD("-%c: %s", all, *c, err);
                                continue;
                        }
                        v = c[1] ? c + 1 : o->has_arg == 1 ? w[i + 1] : NULL;
                        if (o->has_arg == 1 && !c[1]) {
                                if (!v) {
                                        BAD("option '-%c' needs a value", all, *c);
                                        break;
                                }
                                i++;
                        }
                        err = check_value(o, v, ret_family);
                        if (err)
                                BAD("-%c %s: %s", all, *c, strempty(v), err);
                        break;
                }
        }
#undef BAD
        return errors;
}

/* Splits a line of a hosts file into words, comments dropped. */
static char **hosts_words(char *l) {
        char **words = calloc(1, sizeof(char *));

        l[strcspn(l, "#")] = '\0';
        for (char *save = NULL, *w = strtok_r(l, " \t", &save); words && w; w = strtok_r(NULL, " \t", &save))
                if (strv_push(&words, w) < 0) {
                        strv_free(words);
                        return NULL;
                }
        return words;
}

/* The root's /etc/hosts: the first address of `family` (AF_UNSPEC: any)
 * for `name`; with name NULL, every name on the lines naming `also`
 * (the host name's FQDN and aliases) in *ret_names.  1 found, 0 not. */
static int hosts_lookup(const struct kdump_ctx *ctx, const char *name, int family, const char *also,
                        char **ret_addr, char ***ret_names) {
        _cleanup_free_ char *p = root_path(ctx, "/etc/hosts"), *data = NULL;

        if (!p)
                return -ENOMEM;
        if (read_file(p, 1 << 20, &data, NULL) < 0)
                return 0;
        for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                _cleanup_strv_free_ char **w = hosts_words(l);
                int fam;
                char *addr;

                if (!w)
                        return -ENOMEM;
                if (strv_length(w) < 2)
                        continue;
                addr = normalize_address(w[0], &fam);
                if (!addr)
                        continue;
                if (name && strv_contains(w + 1, name) && (family == AF_UNSPEC || family == fam)) {
                        *ret_addr = addr;
                        return 1;
                }
                free(addr);
                if (!name) {
                        bool match = false;
                        STRV_FOREACH(n, w + 1)
                                match = match || strcasecmp(*n, also) == 0;
                        if (match && strv_extend(ret_names, w + 1) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* The address fence_kdump_send will send to, as it resolves it (the first
 * answer); 0, or -EHOSTUNREACH with *ret_why set. */
static int resolve_node(const struct kdump_ctx *ctx, const char *node, int family, char **ret, const char **ret_why) {
        struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM };
        struct addrinfo *ai = NULL;
        char buf[INET6_ADDRSTRLEN];
        int fam, r;

        *ret = normalize_address(node, &fam);
        if (*ret) {
                if (family == AF_UNSPEC || family == fam)
                        return 0;
                *ret = mfree(*ret);
                *ret_why = "not an address of the family fence_kdump_args -f asks for";
                return -EHOSTUNREACH;
        }
        if (*ctx->root) {
                r = hosts_lookup(ctx, node, family, NULL, ret, NULL);
                if (r < 0)
                        return r;
                *ret_why = "not found in the root's /etc/hosts (under a root, names are looked up there only)";
                return r > 0 ? 0 : -EHOSTUNREACH;
        }
        r = getaddrinfo(node, NULL, &hints, &ai);
        if (r != 0) {
                *ret_why = r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r);
                return -EHOSTUNREACH;
        }
        r = getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, sizeof buf, NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(ai);
        if (r != 0) {
                *ret_why = gai_strerror(r);
                return -EHOSTUNREACH;
        }
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* This machine's names: the host name, the names its /etc/hosts gives
 * that name, and (running system) the canonical name the resolver gives. */
static int own_names(const struct kdump_ctx *ctx, char ***ret) {
        _cleanup_free_ char *p = root_path(ctx, ctx->image_mode ? "/etc/hostname" : "/proc/sys/kernel/hostname");
        _cleanup_free_ char *name = NULL;
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        int r;

        if (!p || !names)
                return -ENOMEM;
        if (read_one_line(p, &name) < 0 || !name || !*name) {
                *ret = TAKE_PTR(names);
                return 0;
        }
        if (strv_push(&names, name) < 0)
                return -ENOMEM;
        r = hosts_lookup(ctx, NULL, AF_UNSPEC, name, NULL, &names);
        if (r < 0)
                return r;
        if (!*ctx->root) {
                struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_socktype = SOCK_DGRAM };
                struct addrinfo *ai = NULL;

                if (getaddrinfo(name, NULL, &hints, &ai) == 0) {
                        r = ai->ai_canonname ? strv_push(&names, ai->ai_canonname) : 0;
                        freeaddrinfo(ai);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(names);
        return 0;
}

/* The kernel's local addresses: IPv4 from fib_trie (an address line, then
 * "/32 host LOCAL"), IPv6 from if_inet6 (32 hex digits first). */
static int local_addresses(const struct kdump_ctx *ctx, char ***ret) {
        _cleanup_free_ char *p4 = root_path(ctx, "/proc/net/fib_trie"), *p6 = root_path(ctx, "/proc/net/if_inet6");
        _cleanup_free_ char *d4 = NULL, *d6 = NULL;
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

        if (!p4 || !p6 || !l)
                return -ENOMEM;
        if (read_file(p4, 16 << 20, &d4, NULL) >= 0) {
                const char *last = NULL;
                for (char *save = NULL, *s = strtok_r(d4, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
                        const char *a = strstr(s, "|-- ");
                        if (a)
                                last = a + 4;
                        else if (strstr(s, "/32 host LOCAL") && last) {
                                _cleanup_free_ char *n = normalize_address(last, NULL);
                                if (n && !strv_contains(l, n) && strv_push(&l, n) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        if (read_file(p6, 16 << 20, &d6, NULL) >= 0)
                for (char *save = NULL, *s = strtok_r(d6, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
                        char txt[40];
                        _cleanup_free_ char *n = NULL;

                        if (strspn(s, "0123456789abcdef") != 32)
                                continue;
                        for (int i = 0, j = 0; i < 32; i += 4) {
                                memcpy(txt + j, s + i, 4);
                                j += 4;
                                txt[j++] = i < 28 ? ':' : '\0';
                        }
                        n = normalize_address(txt, NULL);
                        if (n && !strv_contains(l, n) && strv_push(&l, n) < 0)
                                return -ENOMEM;
                }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool name_in(char * const *names, const char *s) {
        STRV_FOREACH(n, names)
                if (strcasecmp(*n, s) == 0)
                        return true;
        return false;
}

int fence_resolve(struct kdump_ctx *ctx) {
        const struct kdump_conf *c = ctx->conf;
        unsigned line = c->lines.fence_kdump_nodes;
        _cleanup_strv_free_ char **names = NULL, **locals = NULL, **addrs = calloc(1, sizeof(char *));
        _cleanup_free_ char *send = root_path(ctx, KDUMP_FENCE_KDUMP_SEND);
        struct net_route route = {};
        int family = AF_UNSPEC, errors = 0, r;

        if (!addrs || !send)
                return log_oom();
        if (strv_length(c->fence_kdump_nodes) == 0) {
                if (strv_length(c->fence_kdump_args) > 0)
                        conf_error(ctx, c->lines.fence_kdump_args,
                                   "warning: fence_kdump_args without fence_kdump_nodes: nothing is notified");
                return 0;
        }
        r = check_args(ctx, &family);
        if (r < 0)
                return r;
        errors += r;
        if (!is_executable_file(send)) {
                conf_error(ctx, line, "fence_kdump_nodes '%s' needs %s%s, which is missing: install the package "
                           "fence-agents-kdump (Debian 13 and later) or fence-agents (Debian 12)",
                           c->fence_kdump_nodes[0], ctx->root, KDUMP_FENCE_KDUMP_SEND);
                errors++;
        }
        if (own_names(ctx, &names) < 0 || (!ctx->image_mode && local_addresses(ctx, &locals) < 0))
                return log_oom();

        STRV_FOREACH(n, c->fence_kdump_nodes) {
                _cleanup_free_ char *addr = NULL;
                const char *why = NULL;

                if (name_in(names, *n)) {
                        conf_error(ctx, line, "fence_kdump_nodes '%s': that is this machine's own name; "
                                   "list the other cluster nodes only", *n);
                        errors++;
                        continue;
                }
                r = resolve_node(ctx, *n, family, &addr, &why);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        conf_error(ctx, line, "fence_kdump_nodes '%s' does not resolve: %s", *n, why);
                        errors++;
                        continue;
                }
                if (is_loopback(addr) || strv_contains(locals, addr)) {
                        conf_error(ctx, line, "fence_kdump_nodes '%s'%s%s%s: that is %s of this machine; "
                                   "list the other cluster nodes only", *n,
                                   streq(addr, *n) ? "" : " (", streq(addr, *n) ? "" : addr,
                                   streq(addr, *n) ? "" : ")", is_loopback(addr) ? "a loopback address" : "an address");
                        errors++;
                        continue;
                }
                if (strv_push(&addrs, addr) < 0)
                        return log_oom();
        }
        if (errors > 0) {
                fprintf(stderr, "%s: %d error%s, configuration refused\n",
                        ctx->conf_path, errors, errors == 1 ? "" : "s");
                return -EINVAL;
        }

        /* the capture kernel brings up the interface of the route to the
         * first node (the others are expected on the same network) */
        r = network_route_to(ctx, addrs[0], &route);
        if (r < 0) {
                conf_error(ctx, line, "fence_kdump_nodes '%s' (%s): no route to it from this machine, so the "
                           "capture kernel could not notify it", c->fence_kdump_nodes[0], addrs[0]);
                return -EINVAL;
        }
        fence_done(&ctx->fence);
        ctx->fence.addresses = TAKE_PTR(addrs);
        ctx->fence.net = route;
        return 0;
}

char *fence_identity(const struct fence_setup *f) {
        _cleanup_free_ char *nodes = strv_join(f->addresses, ",");
        char *s;

        if (!nodes)
                return NULL;
        if (asprintf(&s, "nodes=%s dev=%s mac=%s src=%s/%u via=%s %s", nodes, strempty(f->net.dev),
                     strempty(f->net.mac), strempty(f->net.src), f->net.prefix, strempty(f->net.gateway),
                     !f->net.resolved ? "unprobed" : f->net.dhcp ? "dhcp" : "static") < 0)
                return NULL;
        return s;
}
