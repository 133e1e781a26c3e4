/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dump naming and the raw-device header shared by all writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "dumpdir.h"
#include "macro.h"
#include "rawdump.h"

static void test_dir_name(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        (void) state;

        assert_int_equal(dump_dir_name("10.0.2.15", 1700000000, &a), 0);
        assert_string_equal(a, "10.0.2.15-2023-11-14-22:13:20");
        assert_int_equal(dump_dir_name(NULL, 0, &b), 0);
        assert_string_equal(b, "localhost-1970-01-01-00:00:00");
}

static void test_incomplete_name(void **state) {
        static const char *map[][2] = {
                { "vmcore", "vmcore-incomplete" },
                { "vmcore-dmesg.txt", "vmcore-dmesg-incomplete.txt" },
                { ".hidden", ".hidden-incomplete" },
                { "kdump-capture.log", "kdump-capture-incomplete.log" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                _cleanup_free_ char *n = NULL;
                assert_int_equal(dump_incomplete_name(map[i][0], &n), 0);
                assert_string_equal(n, map[i][1]);
        }
}

static int make_device(size_t size) {
        int fd = memfd_create("rawdev", 0);

        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t) size), 0);
        return fd;
}

static void test_raw_header_roundtrip(void **state) {
        struct kdump_raw_header h = { .length = 5, .time = 1700000000 }, r;
        int fd = make_device(8192);
        uint32_t crc;
        (void) state;

        assert_int_equal(kdump_raw_header_read(fd, &r), 0);     /* blank device */
        assert_int_equal(pwrite(fd, "hello", 5, KDUMP_RAW_DATA_OFFSET), 5);
        assert_int_equal(kdump_raw_data_crc32(fd, 5, &crc), 0);
        assert_int_equal(crc, 0x3610a686);                      /* crc32("hello") */
        h.data_crc32 = crc;
        strcpy(h.hostname, "node1");
        assert_int_equal(kdump_raw_header_write(fd, &h), 0);
        assert_int_equal(kdump_raw_header_read(fd, &r), 1);
        assert_int_equal(r.length, 5);
        assert_int_equal(r.time, 1700000000);
        assert_int_equal(r.data_crc32, crc);
        assert_string_equal(r.hostname, "node1");

        assert_int_equal(kdump_raw_invalidate(fd), 0);
        assert_int_equal(kdump_raw_header_read(fd, &r), 0);
        close(fd);
}

static void test_raw_header_corrupt(void **state) {
        struct kdump_raw_header h = { .length = 1 }, r;
        int fd = make_device(8192);
        (void) state;

        assert_int_equal(kdump_raw_header_write(fd, &h), 0);
        assert_int_equal(pwrite(fd, "\xff", 1, 40), 1);            /* flip a header byte */
        assert_int_equal(kdump_raw_header_read(fd, &r), -EBADMSG);
        close(fd);
}

static void test_raw_crc_short_device(void **state) {
        int fd = make_device(KDUMP_RAW_DATA_OFFSET + 10);
        uint32_t crc;
        (void) state;

        assert_int_equal(kdump_raw_data_crc32(fd, 100, &crc), -EIO);
        close(fd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dir_name),
                cmocka_unit_test(test_incomplete_name),
                cmocka_unit_test(test_raw_header_roundtrip),
                cmocka_unit_test(test_raw_header_corrupt),
                cmocka_unit_test(test_raw_crc_short_device),
        };
        return cmocka_run_group_tests_name("dumpdir", tests, NULL, NULL);
}
