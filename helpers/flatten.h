/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reader for makedumpfile's flattened format (makedumpfile -F), shared by the
 * network and raw writers.  makedumpfile can only stream that format; we
 * write each record at its offset, so what lands on the target is the normal
 * dump file, byte for byte what `makedumpfile -R` would rebuild.
 *
 * The stream, all integers big-endian signed 64-bit:
 *   header, FLAT_HEADER_SIZE bytes: "makedumpfile" NUL-padded to 16 bytes,
 *           type (1), version, zero padding
 *   records: offset, size, then `size` bytes of data for that offset
 *   end:     offset = -1, size = -1
 * Anything else (negative values, a record past `max_end`, EOF before the end
 * marker) is refused: the input is not trusted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_SIGNATURE_SIZE 16
#define FLAT_HEADER_SIZE 4096
#define FLAT_TYPE 1
#define FLAT_CHUNK (1024 * 1024)        /* largest single write_at() */

/* Writes `len` bytes at `offset` of the output; 0 or negative errno. */
typedef int (*flat_write_fn)(void *userdata, uint64_t offset, const void *buf, size_t len);
/* Reads up to `n` bytes; returns the count, 0 at EOF, or negative errno. */
typedef ssize_t (*flat_read_fn)(void *userdata, void *buf, size_t n);
/* Called after every write with the input consumed so far. */
typedef void (*flat_progress_fn)(void *userdata, uint64_t bytes_in);

struct flat_copy_params {
        bool flattened;         /* false: copy the input sequentially from offset 0 */
        bool zero_gaps;         /* write zeros into holes the records leave
                                 * (a raw device holds old data there) */
        uint64_t max_end;       /* no byte may land at or past this; 0: INT64_MAX */
        flat_read_fn read;
        void *read_userdata;
        flat_write_fn write_at;
        flat_progress_fn progress;
        void *userdata;         /* for write_at and progress */
};

struct flat_stats {
        uint64_t bytes_in;      /* consumed from the input */
        uint64_t bytes_out;     /* handed to write_at, gap zeros included */
        uint64_t end;           /* size of the result: highest offset + size */
        uint64_t records;
        bool trailing;          /* bytes followed the end marker (ignored) */
};

/* Copies the whole input.  Returns 0 after a clean end (EOF, and for
 * flattened input the end marker), -EBADMSG for a malformed stream, -EPIPE for
 * a stream cut short, -EFBIG past max_end, or the error of read/write_at. */
int flat_copy(const struct flat_copy_params *p, struct flat_stats *ret_stats);

/* A flat_read_fn on a file descriptor (userdata is a pointer to the int). */
ssize_t flat_read_fd(void *userdata, void *buf, size_t n);
