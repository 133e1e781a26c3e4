/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdumpctl — the first-kernel side of kdumpkit: validates /etc/kdump.conf,
 * builds the capture initramfs with dracut, loads it with kexec -p, and
 * answers status.  Verbs and exit codes follow Fedora's kdumpctl.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-conf.h"
#include "log.h"
#include "macro.h"

#define EXIT_USAGE 2

static const char *arg_config = SYSCONFDIR "/kdump.conf";

static int verb_check_config(int argc, char **argv) {
        _cleanup_kdump_conf_ struct kdump_conf *c = NULL;
        int r;

        if (argc > 1) {
                log_error("check-config takes no arguments");
                return EXIT_USAGE;
        }
        (void) argv;

        r = kdump_conf_load(arg_config, KDUMP_CONF_STRICT, &c);
        if (r < 0) {
                log_error_errno(r, "Failed to read %s: %m", arg_config);
                return EXIT_FAILURE;
        }
        kdump_conf_print_diags(c, stderr);
        if (c->n_errors > 0) {
                fprintf(stderr, "%s: %zu error%s, configuration refused\n",
                        arg_config, c->n_errors, c->n_errors == 1 ? "" : "s");
                return EXIT_FAILURE;
        }
        printf("# effective configuration of %s (defaults filled in)\n", arg_config);
        if (kdump_conf_write(c, stdout) < 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}

static const struct verb {
        const char *name;
        int (*func)(int argc, char **argv);
        const char *help;
} verbs[] = {
        { "check-config", verb_check_config, "validate kdump.conf and print the effective configuration" },
};

static void usage(FILE *f) {
        fprintf(f,
                "Usage: kdumpctl [OPTIONS] VERB [ARGS...]\n"
                "Configure and load the kdump capture kernel.\n\n"
                "Options:\n"
                "  -c, --config FILE   configuration file (default %s)\n"
                "  -h, --help          show this help\n"
                "  -V, --version       show the version\n\n"
                "Verbs:\n", SYSCONFDIR "/kdump.conf");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %-24s %s\n", verbs[i].name, verbs[i].help);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "config",  required_argument, NULL, 'c' },
                { "help",    no_argument,       NULL, 'h' },
                { "version", no_argument,       NULL, 'V' },
                {}
        };
        int c;

        log_setup("kdumpctl", LOG_TARGET_STDERR);

        while ((c = getopt_long(argc, argv, "+c:hV", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                case 'V':
                        printf("kdumpctl (kdumpkit) %s\n", KDUMPKIT_VERSION);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }

        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name))
                        return verbs[i].func(argc - optind, argv + optind);

        log_error("Unknown verb '%s'; see 'kdumpctl --help'.", argv[optind]);
        return EXIT_USAGE;
}
