/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Written by hand because no Debian library does quoting without expansion:
 * wordexp(3) expands variables and globs (and WRDE_NOCMD only refuses $()),
 * and glib's g_shell_parse_argv would pull glib into the capture initramfs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shellwords.h"
#include "strv.h"

int shell_split(const char *s, char ***ret) {
        _cleanup_strv_free_ char **words = calloc(1, sizeof(char *));
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        bool in_word = false;
        int n = 0;

        if (!words)
                return -ENOMEM;
        buf = malloc(strlen(s) + 1);
        if (!buf)
                return -ENOMEM;

        for (const char *p = s;; p++) {
                char c = *p;

                if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
                        if (in_word) {
                                buf[len] = '\0';
                                if (strv_push(&words, buf) < 0)
                                        return -ENOMEM;
                                n++;
                                len = 0;
                                in_word = false;
                        }
                        if (c == '\0')
                                break;
                        continue;
                }

                in_word = true;
                if (c == '\\') {
                        if (p[1] == '\0')
                                return -EINVAL;
                        buf[len++] = *++p;
                } else if (c == '\'') {
                        const char *e = strchr(p + 1, '\'');

                        if (!e)
                                return -EINVAL;
                        memcpy(buf + len, p + 1, e - p - 1);
                        len += e - p - 1;
                        p = e;
                } else if (c == '"') {
                        for (p++;; p++) {
                                if (*p == '\0')
                                        return -EINVAL;
                                if (*p == '"')
                                        break;
                                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                                        p++;
                                buf[len++] = *p;
                        }
                } else
                        buf[len++] = c;
        }

        *ret = TAKE_PTR(words);
        return n;
}

char *shell_quote(const char *word) {
        size_t n = 3;
        char *r, *p;

        if (*word && strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789_-+=./,:@%") == strlen(word))
                return strdup(word);

        for (const char *c = word; *c; c++)
                n += *c == '\'' ? 4 : 1;
        r = p = malloc(n);
        if (!r)
                return NULL;
        *p++ = '\'';
        for (const char *c = word; *c; c++) {
                if (*c == '\'') {
                        memcpy(p, "'\\''", 4);
                        p += 4;
                } else
                        *p++ = *c;
        }
        *p++ = '\'';
        *p = '\0';
        return r;
}
