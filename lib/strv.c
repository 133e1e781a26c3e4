/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

size_t strv_length(char * const *l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

void strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
}

char **strv_copy(char * const *l) {
        char **r = calloc(1, sizeof(char *));

        if (!r)
                return NULL;
        if (strv_extend(&r, l) < 0) {
                strv_free(r);
                return NULL;
        }
        return r;
}

int strv_push(char ***l, const char *s) {
        size_t n = strv_length(*l);
        char *c, **t;

        c = strdup(s);
        if (!c)
                return -ENOMEM;
        t = realloc(*l, (n + 2) * sizeof(char *));
        if (!t) {
                free(c);
                return -ENOMEM;
        }
        t[n] = c;
        t[n + 1] = NULL;
        *l = t;
        return 0;
}

int strv_extend(char ***l, char * const *other) {
        STRV_FOREACH(s, other)
                if (strv_push(l, *s) < 0)
                        return -ENOMEM;
        return 0;
}

bool strv_contains(char * const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

char *strv_join(char * const *l, const char *sep) {
        size_t len = 1, sl = strlen(sep);
        char *r, *p;

        STRV_FOREACH(s, l)
                len += strlen(*s) + sl;
        r = p = malloc(len);
        if (!r)
                return NULL;
        *p = '\0';
        STRV_FOREACH(s, l) {
                if (s != l)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *s);
        }
        return r;
}
