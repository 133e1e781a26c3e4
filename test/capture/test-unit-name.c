/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prints unit_name_from_path(argv[i], argv[1]) per line, or "ERROR". */
#include <stdio.h>
#include <stdlib.h>

#include "../../helpers/unit-name.h"

int main(int argc, char *argv[]) {
        for (int i = 2; i < argc; i++) {
                char *n = NULL;

                if (unit_name_from_path(argv[i], argv[1], &n) < 0)
                        puts("ERROR");
                else
                        puts(n);
                free(n);
        }
        return 0;
}
