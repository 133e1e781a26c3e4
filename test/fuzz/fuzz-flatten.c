/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the flattened-stream reader (helpers/flatten.c), which
 * the ssh, nfs and raw writers run on what comes over the pipe.  Whatever
 * the bytes: no write past max_end, none of more than FLAT_CHUNK bytes, the
 * result's end covers every write, and the copy either ends cleanly or
 * says why. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flatten.h"

#define MAX_END (1 << 20)

struct src {
        const uint8_t *data;
        size_t size, off;
};

struct sink {
        uint64_t highest;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ssize_t src_read(void *userdata, void *buf, size_t n) {
        struct src *s = userdata;
        /* short reads too, as a pipe gives them */
        size_t k = s->size - s->off < n ? s->size - s->off : n;

        if (k > 7 && (s->off & 1))
                k = k / 2;
        memcpy(buf, s->data + s->off, k);
        s->off += k;
        return (ssize_t) k;
}

static int sink_write(void *userdata, uint64_t offset, const void *buf, size_t len) {
        struct sink *s = userdata;

        (void) buf;
        if (len > FLAT_CHUNK || offset + len > MAX_END || offset + len < offset)
                abort();
        if (offset + len > s->highest)
                s->highest = offset + len;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        for (int flattened = 0; flattened < 2; flattened++) {
                struct src s = { .data = data, .size = size };
                struct sink k = {};
                struct flat_stats st = {};
                int r = flat_copy(&(struct flat_copy_params) {
                                .flattened = flattened, .zero_gaps = flattened, .max_end = MAX_END,
                                .read = src_read, .read_userdata = &s, .write_at = sink_write, .userdata = &k,
                        }, &st);

                if (r != 0 && r != -EBADMSG && r != -EPIPE && r != -EFBIG && r != -ENODATA)
                        abort();
                if (r == 0 && st.end < k.highest)
                        abort();
        }
        return 0;
}
