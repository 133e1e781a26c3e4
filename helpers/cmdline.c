/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "macro.h"

#define CMDLINE_MAX 65536

int cmdline_read(char **ret) {
        const char *path = secure_getenv("KDUMP_PROC_CMDLINE");
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = malloc(CMDLINE_MAX + 1);
        size_t len = 0;

        if (!buf)
                return -ENOMEM;
        fd = open(path && *path ? path : "/proc/cmdline", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        while (len < CMDLINE_MAX) {
                ssize_t n = read(fd, buf + len, CMDLINE_MAX - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int cmdline_get_key(const char *cmdline, const char *key, char **ret) {
        size_t kl = strlen(key);
        char *found = NULL;

        for (const char *p = cmdline; *p;) {
                const char *w;
                bool quoted = false;
                size_t n;

                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                w = p;
                for (; *p && (quoted || !strchr(" \t\n", *p)); p++)
                        if (*p == '"')
                                quoted = !quoted;
                n = (size_t) (p - w);

                if (n > kl && strncmp(w, key, kl) == 0 && w[kl] == '=') {
                        const char *v = w + kl + 1;
                        size_t vl = n - kl - 1;
                        char *c;

                        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                                v++;
                                vl -= 2;
                        }
                        c = strndup(v, vl);
                        if (!c) {
                                free(found);
                                return -ENOMEM;
                        }
                        free(found);
                        found = c;
                }
        }
        if (!found)
                return 0;
        *ret = found;
        return 1;
}
