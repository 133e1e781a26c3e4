/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network setup of the capture initramfs for ssh and nfs targets, and for
 * fence_kdump_nodes (fence.c: the route to the first node, any target).
 *
 * At kdumpctl time the target's host name is resolved to an address (the
 * capture kernel has no resolver: the address is what the baked kdump.conf
 * names), and the route to it gives the one interface to bring up, with
 * this kernel's addressing:
 *
 *   rd.neednet=1 ifname=DEV:MAC ip=DEV:dhcp                 (DHCP; dhcp6 for IPv6)
 *   rd.neednet=1 ifname=DEV:MAC ip=SRC::GW:MASK::DEV:none   (static)
 *
 * dracut's network module (systemd-networkd in a systemd initramfs, whose
 * systemd-network-generator turns ip=/ifname= into .network/.link files) brings
 * it up; `--hostonly-nics DEV` carries only that NIC's driver.  The wait is
 * bounded twice: systemd-networkd-wait-online (network-online.target, its
 * default 120 s), then the writer's own connect retry (60 s).
 *
 * The lookup is netlink RTM_GETROUTE (the kernel's own route choice,
 * policy routing included) and RTM_GETADDR (prefix; an address without
 * IFA_F_PERMANENT was leased, so DHCP).  For tests, and when this machine's
 * network is not the capture kernel's, KDUMP_ROUTE_OVERRIDE replaces both:
 *   KDUMP_ROUTE_OVERRIDE="addr=192.0.2.5 dev=eth0 src=10.0.2.15 via=10.0.2.2
 *                         mac=52:54:00:12:34:56 dhcp=1 prefix=24"
 * (addr defaults to the host when it is numeric).  Under KDUMP_SYSROOT and in
 * image mode (rebuild --sysroot) without it nothing is probed: the image gets
 * `rd.neednet=1 ip=dhcp` and the host name as written. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

void net_route_done(struct net_route *n) {
        free(n->address);
        free(n->dev);
        free(n->src);
        free(n->gateway);
        free(n->mac);
        *n = (struct net_route) {};
}

static int addr_family(const char *s) {
        struct in6_addr a;

        if (inet_pton(AF_INET, s, &a) == 1)
                return AF_INET;
        if (inet_pton(AF_INET6, s, &a) == 1)
                return AF_INET6;
        return AF_UNSPEC;
}

static int parse_override(const char *spec, const char *host, struct net_route *n) {
        _cleanup_free_ char *copy = strdup(spec);

        if (!copy)
                return -ENOMEM;
        for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                char *v = strchr(w, '=');
                char **field = NULL;

                if (!v)
                        return log_error_errno(EINVAL, "KDUMP_ROUTE_OVERRIDE: '%s' is not KEY=VALUE", w);
                *v++ = '\0';
                if (streq(w, "addr"))
                        field = &n->address;
                else if (streq(w, "dev"))
                        field = &n->dev;
                else if (streq(w, "src"))
                        field = &n->src;
                else if (streq(w, "via"))
                        field = &n->gateway;
                else if (streq(w, "mac"))
                        field = &n->mac;
                else if (streq(w, "dhcp"))
                        n->dhcp = streq(v, "1") || streq(v, "yes");
                else if (streq(w, "prefix"))
                        n->prefix = (unsigned) strtoul(v, NULL, 10);
                else
                        return log_error_errno(EINVAL, "KDUMP_ROUTE_OVERRIDE: unknown key '%s'", w);
                if (field) {
                        free(*field);
                        *field = strdup(v);
                        if (!*field)
                                return -ENOMEM;
                }
        }
        if (!n->address && addr_family(host) != AF_UNSPEC && !(n->address = strdup(host)))
                return -ENOMEM;
        if (!n->address || !n->dev)
                return log_error_errno(EINVAL, "KDUMP_ROUTE_OVERRIDE needs dev= and, for a host name, addr=");
        if (!n->dhcp && (!n->src || n->prefix == 0))
                return log_error_errno(EINVAL, "KDUMP_ROUTE_OVERRIDE: a static address needs src= and prefix=");
        return 0;
}

static int resolve_host(const char *host, char **ret) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
        struct addrinfo *ai = NULL;
        char buf[INET6_ADDRSTRLEN];
        int r;

        r = getaddrinfo(host, NULL, &hints, &ai);
        if (r != 0)
                return log_error_errno(EHOSTUNREACH, "Cannot resolve %s: %s", host,
                                       r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
        r = getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, sizeof buf, NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(ai);
        if (r != 0)
                return log_error_errno(EHOSTUNREACH, "Cannot resolve %s: %s", host, gai_strerror(r));
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* One request, one answer (or a dump, ended by NLMSG_DONE); cb sees every
 * message. */
static int netlink_call(void *req, size_t len, int (*cb)(struct nlmsghdr *h, void *userdata), void *userdata) {
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        struct timeval tv = { .tv_sec = 5 };
        _cleanup_free_ char *buf = malloc(65536);
        int r;

        if (fd < 0)
                return negative_errno();
        if (!buf)
                return -ENOMEM;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (sendto(fd, req, len, 0, (struct sockaddr *) &sa, sizeof sa) < 0)
                return negative_errno();
        for (;;) {
                ssize_t n = recv(fd, buf, 65536, 0);

                if (n < 0)
                        return negative_errno();
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_type == NLMSG_DONE)
                                return 0;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                struct nlmsgerr *e = NLMSG_DATA(h);
                                return e->error;
                        }
                        r = cb(h, userdata);
                        if (r < 0)
                                return r;
                        if (!(h->nlmsg_flags & NLM_F_MULTI))
                                return 0;
                }
        }
}

static int ntop(int family, const void *a, char **ret) {
        char buf[INET6_ADDRSTRLEN];

        if (!inet_ntop(family, a, buf, sizeof buf))
                return -EINVAL;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

struct route_answer {
        int family;
        int oif;
        struct net_route *n;
};

static int route_cb(struct nlmsghdr *h, void *userdata) {
        struct route_answer *a = userdata;
        struct rtmsg *rt = NLMSG_DATA(h);
        int len = RTM_PAYLOAD(h);

        if (h->nlmsg_type != RTM_NEWROUTE)
                return 0;
        for (struct rtattr *at = RTM_RTA(rt); RTA_OK(at, len); at = RTA_NEXT(at, len)) {
                int r = 0;

                if (at->rta_type == RTA_OIF)
                        a->oif = *(int *) RTA_DATA(at);
                else if (at->rta_type == RTA_GATEWAY && !a->n->gateway)
                        r = ntop(a->family, RTA_DATA(at), &a->n->gateway);
                else if (at->rta_type == RTA_PREFSRC && !a->n->src)
                        r = ntop(a->family, RTA_DATA(at), &a->n->src);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int addr_cb(struct nlmsghdr *h, void *userdata) {
        struct route_answer *a = userdata;
        struct ifaddrmsg *ifa = NLMSG_DATA(h);
        int len = IFA_PAYLOAD(h);
        unsigned flags = ifa->ifa_flags;
        _cleanup_free_ char *addr = NULL;

        if (h->nlmsg_type != RTM_NEWADDR || (int) ifa->ifa_index != a->oif || ifa->ifa_family != a->family)
                return 0;
        for (struct rtattr *at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len)) {
                if (at->rta_type == IFA_FLAGS)
                        flags = *(unsigned *) RTA_DATA(at);
                else if ((at->rta_type == IFA_LOCAL || (at->rta_type == IFA_ADDRESS && !addr)) &&
                         ntop(a->family, RTA_DATA(at), &addr) < 0)
                        return -ENOMEM;
                if (at->rta_type == IFA_LOCAL)
                        break;
        }
        if (!addr || (a->n->src && !streq(addr, a->n->src)))
                return 0;
        if (!a->n->src)
                a->n->src = TAKE_PTR(addr);
        a->n->prefix = ifa->ifa_prefixlen;
        a->n->dhcp = !(flags & IFA_F_PERMANENT);
        return 0;
}

static int lookup_route(const char *address, struct net_route *n) {
        struct {
                struct nlmsghdr h;
                struct rtmsg rt;
                char attrs[64];
        } req = {};
        struct {
                struct nlmsghdr h;
                struct ifaddrmsg ifa;
        } areq = {};
        struct route_answer a = { .n = n };
        unsigned char dst[16];
        struct rtattr *at;
        char ifname[IF_NAMESIZE], path[64 + IF_NAMESIZE];
        size_t alen;
        int r;

        a.family = addr_family(address);
        alen = a.family == AF_INET6 ? 16 : 4;
        if (a.family == AF_UNSPEC || inet_pton(a.family, address, dst) != 1)
                return -EINVAL;
        req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.rt);
        req.h.nlmsg_type = RTM_GETROUTE;
        req.h.nlmsg_flags = NLM_F_REQUEST;
        req.rt.rtm_family = (unsigned char) a.family;
        req.rt.rtm_dst_len = (unsigned char) (alen * 8);
        at = (struct rtattr *) ((char *) &req + NLMSG_ALIGN(req.h.nlmsg_len));
        at->rta_type = RTA_DST;
        at->rta_len = (unsigned short) RTA_LENGTH(alen);
        memcpy(RTA_DATA(at), dst, alen);
        req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(at->rta_len);
        r = netlink_call(&req, req.h.nlmsg_len, route_cb, &a);
        if (r < 0)
                return log_error_errno(r, "No route to %s: %m", address);
        if (a.oif <= 0 || !if_indextoname((unsigned) a.oif, ifname))
                return log_error_errno(EHOSTUNREACH, "No route to %s through a network interface", address);
        if (streq(ifname, "lo"))
                return log_error_errno(EINVAL, "%s is this machine itself: a dump target must be another host", address);
        n->dev = strdup(ifname);
        if (!n->dev)
                return -ENOMEM;

        areq.h.nlmsg_len = NLMSG_LENGTH(sizeof areq.ifa);
        areq.h.nlmsg_type = RTM_GETADDR;
        areq.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        areq.ifa.ifa_family = (unsigned char) a.family;
        r = netlink_call(&areq, areq.h.nlmsg_len, addr_cb, &a);
        if (r < 0)
                return log_error_errno(r, "Cannot read the addresses of %s: %m", ifname);
        if (!n->src || n->prefix == 0)
                return log_error_errno(EADDRNOTAVAIL, "%s has no address to reach %s from", ifname, address);

        snprintf(path, sizeof path, "/sys/class/net/%s/address", ifname);
        if (read_one_line(path, &n->mac) < 0 || !n->mac || streq(n->mac, "00:00:00:00:00:00"))
                n->mac = mfree(n->mac);         /* no stable hardware name: ifname= left out */
        return 0;
}

int network_route_to(const struct kdump_ctx *ctx, const char *address, struct net_route *ret) {
        const char *override = secure_getenv("KDUMP_ROUTE_OVERRIDE");
        struct net_route n = {};
        int r;

        *ret = (struct net_route) {};
        if (override && *override) {
                r = parse_override(override, address, &n);
                if (r >= 0 && !streq(n.address, address)) {
                        /* addr= names a target host's address; this one is known */
                        free(n.address);
                        n.address = strdup(address);
                        if (!n.address)
                                r = -ENOMEM;
                }
        } else if (ctx->image_mode || *ctx->root)
                return 0;       /* nothing of this machine applies: ip=dhcp */
        else {
                n.address = strdup(address);
                r = n.address ? lookup_route(address, &n) : -ENOMEM;
        }
        if (r < 0) {
                net_route_done(&n);
                return r;
        }
        n.resolved = true;
        *ret = n;
        return 0;
}

int network_resolve(const struct kdump_ctx *ctx, struct net_route *ret) {
        const char *host = ctx->conf->target->host;
        const char *override = secure_getenv("KDUMP_ROUTE_OVERRIDE");
        struct net_route n = {};
        int r;

        if (!host)
                return -EINVAL;
        if (override && *override)
                r = parse_override(override, host, &n);
        else if (ctx->image_mode || *ctx->root)
                return 0;       /* nothing of this machine applies: ip=dhcp, names kept */
        else {
                r = resolve_host(host, &n.address);
                if (r >= 0)
                        r = lookup_route(n.address, &n);
        }
        if (r < 0) {
                net_route_done(&n);
                return r;
        }
        n.resolved = true;
        *ret = n;
        return 0;
}

/* "24" -> "255.255.255.0"; IPv6 takes the prefix length as it is */
static int netmask(const struct net_route *n, char *buf, size_t size) {
        struct in_addr a;

        if (addr_family(n->src) == AF_INET6 || n->prefix > 32) {
                snprintf(buf, size, "%u", n->prefix);
                return 0;
        }
        a.s_addr = htonl(n->prefix == 0 ? 0 : 0xffffffffu << (32 - n->prefix));
        return inet_ntop(AF_INET, &a, buf, (socklen_t) size) ? 0 : -EINVAL;
}

static const char *bracket(const char *a, char *buf, size_t size) {
        if (!a)
                return "";
        if (addr_family(a) != AF_INET6)
                return a;
        snprintf(buf, size, "[%s]", a);
        return buf;
}

/* ifname=, ip= for the interface of route n; --hostonly-nics for its driver */
static int push_route(char ***k, char ***d, const struct net_route *n) {
        _cleanup_free_ char *ip = NULL, *ifname = NULL;
        char mask[INET_ADDRSTRLEN], b1[INET6_ADDRSTRLEN + 2], b2[INET6_ADDRSTRLEN + 2];
        bool v6;

        if (!n->resolved)
                return strv_push(k, "ip=dhcp");
        v6 = addr_family(n->address) == AF_INET6;
        if (n->dhcp && asprintf(&ip, "ip=%s:%s", n->dev, v6 ? "dhcp6" : "dhcp") < 0)
                return -ENOMEM;
        if (!n->dhcp && (netmask(n, mask, sizeof mask) < 0 ||
                         asprintf(&ip, "ip=%s::%s:%s::%s:none", bracket(n->src, b1, sizeof b1),
                                  bracket(n->gateway, b2, sizeof b2), mask, n->dev) < 0))
                return -ENOMEM;
        if (n->mac && (asprintf(&ifname, "ifname=%s:%s", n->dev, n->mac) < 0 || strv_push(k, ifname) < 0))
                return -ENOMEM;
        if (strv_push(k, ip) < 0 || strv_push(d, "--hostonly-nics") < 0 || strv_push(d, n->dev) < 0)
                return -ENOMEM;
        return 0;
}

int kdumpctl_network_args(const struct kdump_ctx *ctx, char ***dracut_args, char ***cmdline_args) {
        const struct net_route *f = &ctx->fence.net, *first = NULL;
        _cleanup_strv_free_ char **d = calloc(1, sizeof(char *));
        _cleanup_strv_free_ char **k = calloc(1, sizeof(char *));
        _cleanup_free_ const char **devs = calloc(KDUMP_TARGETS_MAX + 1, sizeof(char *));
        bool fence = fence_enabled(ctx), dhcp_any = false;
        size_t n_devs = 0;

        if (!d || !k || !devs)
                return -ENOMEM;
        /* every ssh and nfs member of the chain: one ip= per interface (a
         * second ip= for the same one would contradict the first); one
         * ip=dhcp is all an unprobed image gets */
        for (size_t i = 0; ctx->conf && i < ctx->conf->n_targets; i++) {
                const struct net_route *n = &ctx->chain[i].net;
                bool seen = false;

                if (ctx->conf->targets[i].type != KDUMP_TARGET_SSH && ctx->conf->targets[i].type != KDUMP_TARGET_NFS)
                        continue;
                if (!first && strv_push(&k, "rd.neednet=1") < 0)
                        return -ENOMEM;
                first = first ? first : n;
                if (!n->resolved) {
                        if (!dhcp_any && push_route(&k, &d, n) < 0)
                                return -ENOMEM;
                        dhcp_any = true;
                        continue;
                }
                for (size_t j = 0; j < n_devs; j++)
                        seen = seen || streq(devs[j], n->dev);
                if (seen)
                        continue;
                devs[n_devs++] = n->dev;
                if (push_route(&k, &d, n) < 0)
                        return -ENOMEM;
        }
        /* fence_kdump_nodes: their interface too, for any target */
        if (fence && !first && strv_push(&k, "rd.neednet=1") < 0)
                return -ENOMEM;
        if (fence) {
                bool seen = !f->resolved && dhcp_any;

                for (size_t j = 0; j < n_devs && f->resolved; j++)
                        seen = seen || streq(devs[j], f->dev);
                if (!seen && (!first || (first->resolved && f->resolved)) && push_route(&k, &d, f) < 0)
                        return -ENOMEM;
        }
        *dracut_args = TAKE_PTR(d);
        *cmdline_args = TAKE_PTR(k);
        return 0;
}
