/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump-collect's memory breakdown, over a /proc made for the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "../../helpers/memuse.h"

static char proc[] = "/tmp/test-memuse-XXXXXX";

static void put(const char *rel, const char *text) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", proc, rel);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* a process PID named COMM with PSS_KB (0: a kernel thread's empty smaps_rollup) */
static void process(int pid, const char *comm, unsigned pss_kb) {
        char rel[64], text[256];

        snprintf(rel, sizeof rel, "%s/%d", proc, pid);
        assert_int_equal(mkdir(rel, 0755), 0);
        snprintf(rel, sizeof rel, "%d/comm", pid);
        snprintf(text, sizeof text, "%s\n", comm);
        put(rel, text);
        snprintf(rel, sizeof rel, "%d/smaps_rollup", pid);
        if (pss_kb)
                snprintf(text, sizeof text, "55d0-7ffd ---p 00000000 00:00 0    [rollup]\nRss:  %u kB\n"
                         "Pss:  %u kB\nPss_Anon:  %u kB\n", pss_kb * 2, pss_kb, pss_kb / 4);
        else
                text[0] = '\0';
        put(rel, text);
}

static int setup(void **state) {
        (void) state;
        assert_non_null(mkdtemp(proc));
        setenv("KDUMP_PROC", proc, 1);
        put("meminfo", "MemTotal:   52326 kB\nMemFree:  1000 kB\nMemAvailable:   9011 kB\n"
            "Cached:   20480 kB\nShmem:   14438 kB\nUnevictable:  11796 kB\nAnonPages:  6144 kB\n"
            "SUnreclaim:  5222 kB\nKernelStack:  256 kB\nPageTables:  410 kB\nPercpu:  614 kB\n");
        return 0;
}

static int teardown(void **state) {
        char cmd[128];
        (void) state;

        snprintf(cmd, sizeof cmd, "rm -rf %s", proc);
        assert_int_equal(system(cmd), 0);
        return 0;
}

static void test_meminfo(void **state) {
        unsigned long t = 0, a = 0;
        (void) state;

        assert_int_equal(memuse_meminfo(&t, &a), 0);
        assert_int_equal(t, 52326);
        assert_int_equal(a, 9011);
}

#define MEMINFO "AnonPages 6.0, Shmem 14.1, Unevictable 11.5, SUnreclaim 5.1, KernelStack 0.2, " \
        "PageTables 0.4, Percpu 0.6, Cached 20.0 MiB"

static void test_detail(void **state) {
        char buf[MEMUSE_DETAIL_MAX];
        (void) state;

        process(1, "systemd", 4096);
        process(2, "kthreadd", 0);
        process(180, "systemd-journal", 2150);
        process(241, "systemd-udevd", 1946);
        process(275, "kdump-collect", 512);
        /* two of a name are one entry */
        process(276, "makedumpfile", 10240);
        process(277, "makedumpfile", 1024);
        memuse_detail(buf, sizeof buf);
        assert_string_equal(buf, "makedumpfile 11.0 (2.8 anon), systemd 4.0 (1.0 anon), systemd-journal 2.1 (0.5 anon), "
                            "systemd-udevd 1.9 (0.5 anon), kdump-collect 0.5 (0.1 anon) MiB (Pss); " MEMINFO);

        /* more names than are shown: the rest summed */
        for (int i = 0; i < 6; i++) {
                char name[16];

                snprintf(name, sizeof name, "helper%d", i);
                process(300 + i, name, 102 + (unsigned) i);
        }
        memuse_detail(buf, sizeof buf);
        assert_string_equal(buf, "makedumpfile 11.0 (2.8 anon), systemd 4.0 (1.0 anon), systemd-journal 2.1 (0.5 anon), "
                            "systemd-udevd 1.9 (0.5 anon), kdump-collect 0.5 (0.1 anon), helper5 0.1 (0.0 anon), "
                            "helper4 0.1 (0.0 anon), helper3 0.1 (0.0 anon), 3 others 0.3 MiB (Pss); " MEMINFO);

        /* a small buffer is cut, never overrun */
        char small[24];
        memset(small, 'x', sizeof small);
        memuse_detail(small, 20);
        assert_int_equal(strlen(small), 19);
        assert_int_equal(small[23], 'x');
}

static void test_no_proc(void **state) {
        char buf[64] = "stale";
        unsigned long t, a;
        (void) state;

        setenv("KDUMP_PROC", "/nonexistent-proc", 1);
        assert_true(memuse_meminfo(&t, &a) < 0);
        memuse_detail(buf, sizeof buf);
        assert_string_equal(buf, "");
        setenv("KDUMP_PROC", proc, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_meminfo),
                cmocka_unit_test(test_detail),
                cmocka_unit_test(test_no_proc),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
