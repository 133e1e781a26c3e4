/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "log.h"

static const char *log_ident = "kdumpkit";
static enum log_target log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;

void log_setup(const char *ident, enum log_target target) {
        const char *e;

        log_ident = ident;
        log_target = target;
        e = secure_getenv("KDUMP_LOG_LEVEL");
        if (e && *e >= '0' && *e <= '7' && e[1] == '\0')
                log_max_level = *e - '0';
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static void write_kmsg(int level, const char *msg) {
        char buf[1024];
        int fd, n;

        fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return;
        n = snprintf(buf, sizeof buf, "<%d>%s[%d]: %s\n", level, log_ident, (int) getpid(), msg);
        if (n > 0)
                (void) !write(fd, buf, (size_t) n < sizeof buf ? (size_t) n : sizeof buf - 1);
        close(fd);
}

/* The kernel prints every record below its console log level on the
 * console itself: a line we also write to the console would show twice.
 * So the kmsg copy (for the journal and kdump-capture.log) goes at a level
 * the console does not print, at worst as debug. */
static int kmsg_level_quiet(int level) {
        static int console_level = -1;

        if (console_level < 0) {
                FILE *f = fopen("/proc/sys/kernel/printk", "re");

                if (!f || fscanf(f, "%d", &console_level) != 1)
                        console_level = 8;      /* unknown: as if all were printed */
                if (f)
                        fclose(f);
        }
        if (level >= console_level)
                return level;
        return console_level > 7 ? 7 : console_level;
}

static void write_console(const char *msg) {
        FILE *f = fopen("/dev/console", "we");

        if (!f)
                return;
        fprintf(f, "%s: %s\n", log_ident, msg);
        fclose(f);
}

int log_internal(int level, int error, const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        int saved = errno;

        if (error < 0)
                error = -error;
        if (level <= log_max_level) {
                errno = error;  /* makes %m print the error we were handed */
                va_start(ap, fmt);
                vsnprintf(msg, sizeof msg, fmt, ap);
                va_end(ap);

                switch (log_target) {
                case LOG_TARGET_CONSOLE:
                        write_console(msg);
                        write_kmsg(kmsg_level_quiet(level), msg);
                        break;
                case LOG_TARGET_KMSG:
                        write_kmsg(level, msg);
                        break;
                case LOG_TARGET_STDERR:
                default:
                        fprintf(stderr, "%s: %s\n", log_ident, msg);
                        break;
                }
        }
        errno = saved;
        return error > 0 ? -error : -EIO;
}
