/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the parser in both modes, and the writer's output must
 * parse back clean whenever strict mode accepted the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct kdump_conf *s = NULL, *l = NULL, *b = NULL;
        char *out = NULL;
        size_t len = 0;
        FILE *f;

        if (kdump_conf_parse((const char *) data, size, "fuzz", KDUMP_CONF_LENIENT, &l) == 0)
                kdump_conf_free(l);
        if (kdump_conf_parse((const char *) data, size, "fuzz", KDUMP_CONF_STRICT, &s) < 0)
                return 0;
        if (s->n_errors == 0) {
                f = open_memstream(&out, &len);
                if (f && kdump_conf_write(s, f) == 0) {
                        fclose(f);
                        if (kdump_conf_parse(out, len, "fuzz", KDUMP_CONF_STRICT, &b) == 0) {
                                if (b->n_errors != 0)
                                        abort();        /* written form must re-parse */
                                kdump_conf_free(b);
                        }
                } else if (f)
                        fclose(f);
                free(out);
        }
        kdump_conf_free(s);
        return 0;
}
