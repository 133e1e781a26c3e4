/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "conf-diags.h"
#include "log.h"
#include "macro.h"

void log_conf_diags(const struct kdump_conf *c) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (c->n_diags == 0)
                return;
        f = open_memstream(&buf, &size);
        if (!f) {
                log_warning("%s: %zu problems, ignoring them", c->filename, c->n_diags);
                return;
        }
        kdump_conf_print_diags(c, f);
        if (fclose(f) != 0 || !buf)
                return;
        for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                log_warning("%s, ignoring", l);
}

int capture_conf_load(struct kdump_conf **ret) {
        const char *path = secure_getenv("KDUMP_CONF");
        int r;

        r = kdump_conf_load(path && *path ? path : KDUMP_CONF_PATH, KDUMP_CONF_LENIENT, ret);
        if (r < 0)
                return r;
        log_conf_diags(*ret);
        return 0;
}
