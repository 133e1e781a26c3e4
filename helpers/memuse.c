/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "memuse.h"

#define MAX_NAMES 64                    /* a capture runs a dozen programs */
#define SHOWN 8

struct use {
        char name[32];
        unsigned long pss_kb, anon_kb;
};

static const char *proc_dir(void) {
        const char *e = secure_getenv("KDUMP_PROC");

        return e && *e ? e : "/proc";
}

/* The value of the "KEY: N kB" line of a /proc file, 0 when absent. */
static unsigned long kb_field(const char *path, const char *key) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        size_t n = strlen(key);
        char line[256];
        unsigned long v;

        if (!f)
                return 0;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, key, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%lu", &v) == 1)
                        return v;
        return 0;
}

int memuse_meminfo(unsigned long *total_kb, unsigned long *available_kb) {
        char path[PATH_MAX];
        unsigned long t, a;

        if (snprintf(path, sizeof path, "%s/meminfo", proc_dir()) >= (int) sizeof path)
                return -ENAMETOOLONG;
        if (access(path, R_OK) < 0)
                return -errno;
        t = kb_field(path, "MemTotal");
        a = kb_field(path, "MemAvailable");
        if (t == 0)
                return -EIO;
        *total_kb = t;
        *available_kb = a;
        return 0;
}

static bool read_comm(const char *proc, const char *pid, char *name, size_t size) {
        char path[PATH_MAX];
        _cleanup_fclose_ FILE *f = NULL;

        if (snprintf(path, sizeof path, "%s/%s/comm", proc, pid) >= (int) sizeof path)
                return false;
        f = fopen(path, "re");
        if (!f || !fgets(name, (int) size, f))
                return false;
        name[strcspn(name, "\n")] = '\0';
        return name[0] != '\0';
}

static int by_pss(const void *a, const void *b) {
        const struct use *x = a, *y = b;

        return x->pss_kb < y->pss_kb ? 1 : x->pss_kb > y->pss_kb ? -1 : strcmp(x->name, y->name);
}

/* snprintf at *off into buf, never past its end */
_printf_(4, 5) static void add(char *buf, size_t size, size_t *off, const char *fmt, ...) {
        va_list ap;
        int k;

        if (*off >= size)
                return;
        va_start(ap, fmt);
        k = vsnprintf(buf + *off, size - *off, fmt, ap);
        va_end(ap);
        if (k > 0)
                *off = *off + (size_t) k < size ? *off + (size_t) k : size;
}

void memuse_detail(char *buf, size_t size) {
        const char *proc = proc_dir();
        _cleanup_closedir_ DIR *d = NULL;
        struct use u[MAX_NAMES];
        size_t n = 0, off = 0, shown;
        unsigned long rest = 0, rest_n = 0;
        struct dirent *de;
        char path[PATH_MAX];

        if (size == 0)
                return;
        buf[0] = '\0';
        d = opendir(proc);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char name[32];
                unsigned long pss, anon;
                size_t i;

                if (!isdigit((unsigned char) de->d_name[0]) || !read_comm(proc, de->d_name, name, sizeof name))
                        continue;
                if (snprintf(path, sizeof path, "%s/%s/smaps_rollup", proc, de->d_name) >= (int) sizeof path)
                        continue;
                pss = kb_field(path, "Pss");
                if (pss == 0)           /* kernel threads */
                        continue;
                anon = kb_field(path, "Pss_Anon");
                for (i = 0; i < n && !streq(u[i].name, name); i++)
                        ;
                if (i == n) {
                        if (n == MAX_NAMES) {
                                rest += pss;
                                continue;
                        }
                        snprintf(u[n].name, sizeof u[n].name, "%s", name);
                        u[n].pss_kb = u[n].anon_kb = 0;
                        n++;
                }
                u[i].pss_kb += pss;
                u[i].anon_kb += anon;
        }
        qsort(u, n, sizeof u[0], by_pss);
        shown = n < SHOWN ? n : SHOWN;
        for (size_t i = 0; i < shown; i++)
                add(buf, size, &off, "%s%s %.1f (%.1f anon)", i ? ", " : "", u[i].name, (double) u[i].pss_kb / 1024.0,
                    (double) u[i].anon_kb / 1024.0);
        for (size_t i = shown; i < n; i++, rest_n++)
                rest += u[i].pss_kb;
        if (rest > 0)
                add(buf, size, &off, "%s%lu other%s %.1f", off ? ", " : "", rest_n ? rest_n : 1,
                    rest_n > 1 ? "s" : "", (double) rest / 1024.0);
        if (off > 0)
                add(buf, size, &off, " MiB (Pss); ");
        if (snprintf(path, sizeof path, "%s/meminfo", proc) >= (int) sizeof path)
                return;
        /* what MemAvailable does not count as available, and Cached, which it mostly does */
        static const char *const fields[] = { "AnonPages", "Shmem", "Unevictable", "SUnreclaim", "KernelStack",
                                              "PageTables", "Percpu", "Cached" };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                add(buf, size, &off, "%s%s %.1f", i ? ", " : "", fields[i], (double) kb_field(path, fields[i]) / 1024.0);
        add(buf, size, &off, " MiB");
}
