/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/spawn: exit statuses, bounded waits, captured output, redirections.
 * The child is this program itself ("test-spawn child WHAT ..."), so that no
 * shell is involved and the test needs nothing but its own binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "macro.h"
#include "run.h"

static char self[4096];

#define STDIO_OURS .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_INHERIT, .stderr_fd = SPAWN_INHERIT

static int child(int argc, char **argv) {
        const char *what = argv[2];

        if (streq(what, "exit") && argc == 4)
                return atoi(argv[3]);
        if (streq(what, "kill"))
                raise(SIGKILL);
        if (streq(what, "sleep") && argc == 4) {
                sleep((unsigned) atoi(argv[3]));
                return 0;
        }
        if (streq(what, "ignore-term")) {
                signal(SIGTERM, SIG_IGN);
                sleep(60);
                return 0;
        }
        if (streq(what, "write") && argc == 4) {
                /* more than a pipe holds: the parent must read while waiting */
                for (int i = 0; i < atoi(argv[3]); i++)
                        putchar('x');
                fputs("err", stderr);
                return 0;
        }
        if (streq(what, "env") && argc == 4) {
                fputs(strempty(getenv(argv[3])), stdout);
                return 0;
        }
        if (streq(what, "cat")) {
                int c;

                while ((c = getchar()) != EOF)
                        putchar(c);
                return 0;
        }
        return 100;
}

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run(const char *what, const char *arg, unsigned timeout) {
        char *argv[] = { self, "child", (char *) what, (char *) arg, NULL };

        return spawn_run(argv, &(const struct spawn_opts) { STDIO_OURS, .timeout_sec = timeout });
}

static void test_exit_status(void **state) {
        (void) state;

        assert_int_equal(run("exit", "0", 10), 0);
        assert_int_equal(run("exit", "7", 10), 7);
        assert_int_equal(run("kill", NULL, 10), 128 + SIGKILL);
        assert_int_equal(run("exit", "3", 0), 3);      /* no timeout */
}

static void test_not_found(void **state) {
        char *argv[] = { "kdumpkit-no-such-program", NULL };
        char *empty[] = { NULL };
        (void) state;

        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) { STDIO_OURS }), -ENOENT);
        assert_int_equal(spawn_run(empty, &(const struct spawn_opts) { STDIO_OURS }), -EINVAL);
        assert_false(find_in_path("kdumpkit-no-such-program"));
        assert_true(find_in_path(self));
}

static void test_timeout_term(void **state) {
        long long t0 = now_ms();
        (void) state;

        assert_int_equal(run("sleep", "30", 1), -ETIMEDOUT);
        assert_true(now_ms() - t0 < 3000);
}

/* A program that ignores SIGTERM is killed 5 s later: every wait is bounded. */
static void test_timeout_kill(void **state) {
        long long t0 = now_ms(), t;
        (void) state;

        assert_int_equal(run("ignore-term", NULL, 1), -ETIMEDOUT);
        t = now_ms() - t0;
        assert_true(t >= 5500 && t < 9000);
}

static void test_capture(void **state) {
        char *argv[] = { self, "child", "write", "200000", NULL };
        _cleanup_free_ char *out = NULL, *err = NULL;
        (void) state;

        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_CAPTURE,
                .timeout_sec = 10, .capture_max = 1000, .ret_stdout = &out, .ret_stderr = &err,
        }), 0);
        assert_int_equal(strlen(out), 1000);           /* the cap; the rest was drained */
        assert_int_equal(strspn(out, "x"), 1000);
        assert_string_equal(err, "err");
}

static void test_capture_needs_destination(void **state) {
        char *argv[] = { self, "child", "exit", "0", NULL };
        (void) state;

        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_INHERIT,
        }), -EINVAL);
}

static void test_env(void **state) {
        char *argv[] = { self, "child", "env", "KDUMP_SPAWN_TEST", NULL };
        char *envp[] = { "KDUMP_SPAWN_TEST=from envp", NULL };
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        (void) state;

        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_INHERIT,
                .envp = envp, .timeout_sec = 10, .capture_max = 100, .ret_stdout = &out,
        }), 0);
        assert_string_equal(out, "from envp");

        /* without envp: ours */
        assert_int_equal(setenv("KDUMP_SPAWN_TEST", "ours", 1), 0);
        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = 10, .capture_max = 100, .ret_stdout = &out2,
        }), 0);
        assert_string_equal(out2, "ours");
}

static void test_stdin_stdout_fds(void **state) {
        char *argv[] = { self, "child", "cat", NULL };
        char in_path[] = "/tmp/test-spawn-in.XXXXXX", out_path[] = "/tmp/test-spawn-out.XXXXXX";
        _cleanup_close_ int in = mkstemp(in_path), out = mkstemp(out_path);
        _cleanup_free_ char *captured = NULL;
        char buf[64] = "";
        (void) state;

        assert_true(in >= 0 && out >= 0);
        (void) unlink(in_path);
        (void) unlink(out_path);
        assert_int_equal(write(in, "hello", 5), 5);
        assert_int_equal(lseek(in, 0, SEEK_SET), 0);

        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = in, .stdout_fd = out, .stderr_fd = SPAWN_NULL, .timeout_sec = 10,
        }), 0);
        assert_int_equal(pread(out, buf, sizeof buf - 1, 0), 5);
        assert_string_equal(buf, "hello");

        /* SPAWN_NULL: an empty stdin, not ours */
        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_INHERIT,
                .timeout_sec = 10, .capture_max = 100, .ret_stdout = &captured,
        }), 0);
        assert_string_equal(captured, "");
}

static void count_tick(void *userdata) {
        (*(unsigned *) userdata)++;
}

static void test_tick(void **state) {
        char *argv[] = { self, "child", "sleep", "1", NULL };
        unsigned ticks = 0;
        (void) state;

        assert_int_equal(spawn_run(argv, &(const struct spawn_opts) {
                STDIO_OURS, .tick = count_tick, .userdata = &ticks,
        }), 0);
        /* about every 200 ms */
        assert_true(ticks >= 3 && ticks <= 8);
}

static void test_start_reap_kill(void **state) {
        char *argv[] = { self, "child", "sleep", "30", NULL };
        char *quick[] = { self, "child", "exit", "5", NULL };
        int status = -1;
        pid_t pid;
        (void) state;

        assert_int_equal(spawn_start(argv, &(const struct spawn_opts) { STDIO_OURS }, &pid), 0);
        assert_int_equal(spawn_try_reap(pid, &status), 0);
        spawn_kill(pid);
        assert_true(spawn_try_reap(pid, &status) < 0);  /* already reaped */

        assert_int_equal(spawn_start(quick, &(const struct spawn_opts) { STDIO_OURS }, &pid), 0);
        for (int i = 0; i < 500 && spawn_try_reap(pid, &status) == 0; i++)
                usleep(10 * 1000);
        assert_int_equal(status, 5);

        assert_int_equal(spawn_start(quick, &(const struct spawn_opts) {
                .stdin_fd = SPAWN_NULL, .stdout_fd = SPAWN_CAPTURE, .stderr_fd = SPAWN_INHERIT,
        }, &pid), -EINVAL);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exit_status),
                cmocka_unit_test(test_not_found),
                cmocka_unit_test(test_timeout_term),
                cmocka_unit_test(test_timeout_kill),
                cmocka_unit_test(test_capture),
                cmocka_unit_test(test_capture_needs_destination),
                cmocka_unit_test(test_env),
                cmocka_unit_test(test_stdin_stdout_fds),
                cmocka_unit_test(test_tick),
                cmocka_unit_test(test_start_reap_kill),
        };
        ssize_t n;

        if (argc >= 3 && streq(argv[1], "child"))
                return child(argc, argv);
        n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
                return 1;
        self[n] = '\0';
        return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}
