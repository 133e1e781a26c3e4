/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpdir.h"
#include "macro.h"

int dump_dir_name(const char *host, time_t t, char **ret) {
        struct tm tm;
        char stamp[32];

        if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof stamp, "%Y-%m-%d-%H:%M:%S", &tm) == 0)
                return -EINVAL;
        if (asprintf(ret, "%s-%s", host && *host ? host : "localhost", stamp) < 0)
                return -ENOMEM;
        return 0;
}

int dump_incomplete_name(const char *name, char **ret) {
        const char *dot = strrchr(name, '.');
        int r;

        if (dot && dot != name)
                r = asprintf(ret, "%.*s-incomplete%s", (int) (dot - name), name, dot);
        else
                r = asprintf(ret, "%s-incomplete", name);
        return r < 0 ? -ENOMEM : 0;
}
