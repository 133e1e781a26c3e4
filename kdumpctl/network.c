/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network setup of the capture initramfs for ssh and nfs targets.
 *
 * Placeholder by design: the network part (dracut's network module, ip=,
 * rd.neednet, the NIC of the route to the target) is written separately.
 * The main dracut builder already adds --add kdump-ssh / kdump-nfs; whatever
 * else the network needs is returned from here. */
#include <errno.h>
#include <stdlib.h>

#include "kdumpctl.h"
#include "strv.h"

int kdumpctl_network_args(const struct kdump_ctx *ctx, char ***dracut_args, char ***cmdline_args) {
        _cleanup_strv_free_ char **d = calloc(1, sizeof(char *));
        _cleanup_strv_free_ char **k = calloc(1, sizeof(char *));

        (void) ctx;
        if (!d || !k)
                return -ENOMEM;
        *dracut_args = TAKE_PTR(d);
        *cmdline_args = TAKE_PTR(k);
        return 0;
}
