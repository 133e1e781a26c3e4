/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unit-name.h"

#define UNIT_NAME_MAX 256       /* systemd's limit, including the suffix */

static char *escape_char(char c, char *t) {
        static const char hex[] = "0123456789abcdef";

        *t++ = '\\';
        *t++ = 'x';
        *t++ = hex[((unsigned char) c) >> 4];
        *t++ = hex[((unsigned char) c) & 15];
        return t;
}

/* systemd's path_simplify(): drops "//", "/./" and trailing slashes. */
static int path_components(const char *path, char **ret) {
        _cleanup_free_ char *out = malloc(strlen(path) + 1);
        char *o;

        if (!out)
                return -ENOMEM;
        if (path[0] != '/')
                return -EINVAL;
        o = out;
        for (const char *p = path; *p;) {
                size_t n;

                p += strspn(p, "/");
                n = strcspn(p, "/");
                if (n == 0)
                        break;
                if (n == 1 && p[0] == '.') {
                        p += n;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return -EINVAL;         /* not normalized: refused */
                if (o != out)
                        *o++ = '/';
                memcpy(o, p, n);
                o += n;
                p += n;
        }
        *o = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

int unit_name_from_path(const char *path, const char *suffix, char **ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        char *t;
        int r;

        r = path_components(path, &p);
        if (r < 0)
                return r;

        s = malloc(strlen(p) * 4 + 1 + 1 + strlen(suffix) + 1);
        if (!s)
                return -ENOMEM;
        t = s;
        if (*p == '\0')
                *t++ = '-';     /* the root directory */
        for (const char *f = p; *f; f++) {
                if (*f == '/')
                        *t++ = '-';
                else if (f == p && *f == '.')
                        t = escape_char(*f, t); /* no unit name starts with '.' */
                else if ((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z') ||
                         (*f >= '0' && *f <= '9') || *f == ':' || *f == '_' || *f == '.')
                        *t++ = *f;
                else
                        t = escape_char(*f, t);
        }
        *t++ = '.';
        strcpy(t, suffix);
        if (strlen(s) >= UNIT_NAME_MAX)
                return -EINVAL;
        *ret = TAKE_PTR(s);
        return 0;
}
