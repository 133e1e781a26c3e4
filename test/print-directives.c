/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prints the directives the parser knows, one per line ("!name" for removed
 * ones), so test/lint-docs.sh checks the man page and sample against the
 * parser itself rather than against a list that could drift. */
#include <stdio.h>

#include "kdump-conf.h"

int main(void) {
        for (size_t i = 0; kdump_directives[i].name; i++)
                printf("%s%s\n", kdump_directives[i].removed ? "!" : "", kdump_directives[i].name);
        for (size_t i = 0; kdump_fs_types[i]; i++)
                printf("%s\n", kdump_fs_types[i]);
        return 0;
}
