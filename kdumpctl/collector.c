/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Does the installed makedumpfile know the kernel that will be dumped?
 *
 * makedumpfile reads the crashed kernel's page structures to filter pages
 * (dump level), and each release knows the kernels up to the one it was
 * released against: on a newer kernel it says only "The kernel version is
 * not supported", at crash time, in the capture log.  What that costs is
 * real: makedumpfile 1.7.6 on Linux 6.12 finds no free pages (6.12 changed
 * how page types are stored), so a -d 31 dump keeps them and is four times
 * larger and slower to write; 1.7.2 on 6.1 writes dumps that Debian 12's
 * crash 8.0.2 cannot list the tasks of.  kdumpctl says so at start and
 * check-config, when it can still be fixed.
 *
 * makedumpfile has no option that prints its newest supported kernel, so
 * the table below is by hand: LATEST_VERSION in makedumpfile.h at each
 * release tag.  A makedumpfile newer than the table is not judged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdumpctl.h"
#include "log.h"
#include "strv.h"

struct mdf_release {
        unsigned v[3];          /* makedumpfile version */
        unsigned latest[3];     /* LATEST_VERSION: the newest kernel it knows */
};

static const struct mdf_release releases[] = {
        { { 1, 7, 2 }, { 6, 0, 1 } },
        { { 1, 7, 3 }, { 6, 3, 0 } },
        { { 1, 7, 4 }, { 6, 6, 0 } },
        { { 1, 7, 5 }, { 6, 8, 4 } },
        { { 1, 7, 6 }, { 6, 11, 4 } },
        { { 1, 7, 7 }, { 6, 14, 2 } },
        { { 1, 7, 8 }, { 6, 17, 4 } },
};

static int cmp3(const unsigned a[3], const unsigned b[3]) {
        for (int i = 0; i < 3; i++)
                if (a[i] != b[i])
                        return a[i] < b[i] ? -1 : 1;
        return 0;
}

/* "6.12.118+deb13-amd64" -> 6 12 118; missing parts are 0.  Returns 0 or
 * -EINVAL when it does not start with a number. */
static int parse_version3(const char *s, unsigned ret[3]) {
        ret[0] = ret[1] = ret[2] = 0;
        for (int i = 0; i < 3; i++) {
                char *end;
                unsigned long n;

                if (*s < '0' || *s > '9')
                        return i == 0 ? -EINVAL : 0;
                n = strtoul(s, &end, 10);
                ret[i] = n > 0xffff ? 0xffff : (unsigned) n;
                if (*end != '.')
                        return 0;
                s = end + 1;
        }
        return 0;
}

/* The version makedumpfile -v prints: "makedumpfile: version 1.7.6 (released on ...)". */
static int makedumpfile_version(const char *prog, unsigned ret[3]) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        char *argv[] = { (char *) prog, (char *) "-v", NULL };
        const char *p;
        int r;

        r = spawn_capture_output(argv, NULL, 10, 4096, &out, &err);
        if (r < 0)
                return r;
        p = strstr(out, "version ");
        if (!p && err)
                p = strstr(err, "version ");
        if (!p)
                return -EBADMSG;
        return parse_version3(p + strlen("version "), ret);
}

int collector_check_kernel(const struct kdump_ctx *ctx) {
        char * const *argv = ctx->conf->core_collector_argv;
        const struct mdf_release *rel = NULL;
        unsigned v[3], k[3];
        const char *base;
        int r;

        /* makedumpfile only; a cp or cat collector filters nothing */
        if (!argv || !argv[0])
                return 0;
        base = strrchr(argv[0], '/');
        base = base ? base + 1 : argv[0];
        if (!streq(base, "makedumpfile") || !ctx->kver)
                return 0;
        r = makedumpfile_version(argv[0], v);
        if (r < 0) {
                log_warning("warning: could not tell makedumpfile's version (%s -v: %s); "
                            "not checking that it supports kernel %s.", argv[0], strerror(-r), ctx->kver);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(releases); i++)
                if (cmp3(releases[i].v, v) == 0)
                        rel = &releases[i];
        if (!rel || parse_version3(ctx->kver, k) < 0)
                return 0;
        if (cmp3(k, rel->latest) <= 0)
                return 0;
        log_warning("warning: makedumpfile %u.%u.%u supports kernels up to %u.%u.%u; kernel %s will be "
                    "dumped with it. Its page filtering (dump level) may be wrong for this kernel: it can keep "
                    "pages it should drop (a larger dump that takes longer to write; 1.7.6 on 6.12 keeps "
                    "every free page) or drop pages crash(8) needs. Install a makedumpfile that supports "
                    "%u.%u (a newer Debian suite or backports), or see kdump.conf(5), core_collector.",
                    v[0], v[1], v[2], rel->latest[0], rel->latest[1], rel->latest[2], ctx->kver, k[0], k[1]);
        return 1;
}
