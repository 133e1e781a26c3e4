/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "macro.h"

/* NULL-terminated string vectors, the argv shape that execv() wants. */

size_t strv_length(char * const *l);
void strv_free(char **l);
char **strv_copy(char * const *l);
/* Appends a copy of s; returns 0 or -ENOMEM (and leaves *l valid). */
int strv_push(char ***l, const char *s);
/* Appends copies of every element of other. */
int strv_extend(char ***l, char * const *other);
bool strv_contains(char * const *l, const char *s);
/* Joins with sep; returns NULL on ENOMEM. */
char *strv_join(char * const *l, const char *sep);

static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define STRV_FOREACH(s, l) for (char * const *s = (l); s && *s; s++)
