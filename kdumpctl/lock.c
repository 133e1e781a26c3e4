/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Serialises concurrent kdumpctl runs (a boot-time start racing an admin's
 * rebuild would otherwise interleave dracut runs on the same output). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "kdumpctl.h"
#include "log.h"

int kdump_lock(const struct kdump_ctx *ctx, int *ret_fd) {
        _cleanup_free_ char *path = root_path(ctx, KDUMP_LOCK_FILE);
        _cleanup_close_ int fd = -1;
        unsigned timeout = TIMEOUT_LOCK;
        const char *e = secure_getenv("KDUMP_LOCK_TIMEOUT");
        char *slash;
        int r;

        if (!path)
                return log_oom();
        if (e)
                timeout = (unsigned) strtoul(e, NULL, 10);
        slash = strrchr(path, '/');
        *slash = '\0';
        r = mkdir_p(path, 0755);
        *slash = '/';
        if (r < 0)
                return log_error_errno(r, "Failed to create the directory of %s: %m", path);

        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open lock file %s: %m", path);

        for (unsigned waited_ms = 0;; waited_ms += 100) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        break;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return log_error_errno(errno, "Failed to lock %s: %m", path);
                if (waited_ms == 0)
                        log_info("Another kdumpctl is running; waiting up to %us for it to finish.", timeout);
                if (waited_ms >= timeout * 1000)
                        return log_error_errno(ETIMEDOUT,
                                               "Another kdumpctl still holds %s after %us; giving up.",
                                               path, timeout);
                nanosleep(&(struct timespec) { 0, 100 * 1000 * 1000 }, NULL);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}
