/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flatten.h"
#include "macro.h"

struct flat_state {
        const struct flat_copy_params *p;
        struct flat_stats st;
        uint64_t max_end;
        uint64_t zeroed_to;     /* zero_gaps: every byte below is written */
        char *buf;
};

ssize_t flat_read_fd(void *userdata, void *buf, size_t n) {
        int fd = *(int *) userdata;

        for (;;) {
                ssize_t k = read(fd, buf, n);
                if (k >= 0)
                        return k;
                if (errno != EINTR)
                        return -errno;
        }
}

/* Reads exactly n bytes unless EOF comes first; returns the count read. */
static ssize_t read_full(struct flat_state *s, void *buf, size_t n) {
        size_t done = 0;

        while (done < n) {
                ssize_t k = s->p->read(s->p->read_userdata, (char *) buf + done, n - done);
                if (k < 0)
                        return k;
                if (k == 0)
                        break;
                if ((size_t) k > n - done)
                        return -EIO;
                done += (size_t) k;
        }
        s->st.bytes_in += done;
        return (ssize_t) done;
}

static int emit(struct flat_state *s, uint64_t offset, const void *buf, size_t len) {
        int r;

        if (len == 0)
                return 0;
        r = s->p->write_at(s->p->userdata, offset, buf, len);
        if (r < 0)
                return r;
        s->st.bytes_out += len;
        if (offset + len > s->st.end)
                s->st.end = offset + len;
        if (s->p->progress)
                s->p->progress(s->p->userdata, s->st.bytes_in);
        return 0;
}

/* With zero_gaps, fills [zeroed_to, offset) before data lands at offset. */
static int fill_gap(struct flat_state *s, uint64_t offset) {
        static const char zeros[64 * 1024];
        int r;

        if (!s->p->zero_gaps)
                return 0;
        while (s->zeroed_to < offset) {
                uint64_t n = offset - s->zeroed_to;
                if (n > sizeof zeros)
                        n = sizeof zeros;
                r = emit(s, s->zeroed_to, zeros, (size_t) n);
                if (r < 0)
                        return r;
                s->zeroed_to += n;
        }
        return 0;
}

static int write_region(struct flat_state *s, uint64_t offset, const void *buf, size_t len) {
        int r;

        if (offset > s->max_end || len > s->max_end - offset)
                return -EFBIG;
        r = fill_gap(s, offset);
        if (r < 0)
                return r;
        r = emit(s, offset, buf, len);
        if (r < 0)
                return r;
        if (offset + len > s->zeroed_to)
                s->zeroed_to = offset + len;
        return 0;
}

static int copy_passthrough(struct flat_state *s) {
        uint64_t offset = 0;
        int r;

        for (;;) {
                ssize_t n = read_full(s, s->buf, FLAT_CHUNK);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        return 0;
                r = write_region(s, offset, s->buf, (size_t) n);
                if (r < 0)
                        return r;
                offset += (uint64_t) n;
        }
}

static int copy_flattened(struct flat_state *s) {
        ssize_t n;
        int r;

        /* The header occupies a whole block; only its start carries fields. */
        n = read_full(s, s->buf, FLAT_HEADER_SIZE);
        if (n < 0)
                return (int) n;
        if (n < FLAT_HEADER_SIZE)
                return n == 0 ? -ENODATA : -EPIPE;
        {
                int64_t type;

                /* makedumpfile compares the signature as a C string */
                if (memcmp(s->buf, FLAT_SIGNATURE, sizeof FLAT_SIGNATURE) != 0)
                        return -EBADMSG;
                memcpy(&type, s->buf + FLAT_SIGNATURE_SIZE, sizeof type);
                if ((int64_t) be64toh((uint64_t) type) != FLAT_TYPE)
                        return -EBADMSG;
                /* the version is not checked, as makedumpfile -R does not */
        }

        for (;;) {
                uint64_t hdr[2];
                int64_t offset, size;
                uint64_t done = 0;

                n = read_full(s, hdr, sizeof hdr);
                if (n < 0)
                        return (int) n;
                if ((size_t) n < sizeof hdr)
                        return -EPIPE;          /* no end marker */
                offset = (int64_t) be64toh(hdr[0]);
                size = (int64_t) be64toh(hdr[1]);
                if (offset == -1 && size == -1)
                        break;
                if (offset < 0 || size < 0)
                        return -EBADMSG;
                if ((uint64_t) offset > s->max_end || (uint64_t) size > s->max_end - (uint64_t) offset)
                        return -EFBIG;
                s->st.records++;

                while (done < (uint64_t) size) {
                        uint64_t want = (uint64_t) size - done;
                        if (want > FLAT_CHUNK)
                                want = FLAT_CHUNK;
                        n = read_full(s, s->buf, (size_t) want);
                        if (n < 0)
                                return (int) n;
                        if ((uint64_t) n < want)
                                return -EPIPE;
                        r = write_region(s, (uint64_t) offset + done, s->buf, (size_t) n);
                        if (r < 0)
                                return r;
                        done += want;
                }
        }

        /* makedumpfile -R stops at the end marker; so do we, draining and
         * flagging what follows (a healthy collector never sends any). */
        for (;;) {
                n = read_full(s, s->buf, FLAT_CHUNK);
                if (n <= 0)
                        return 0;       /* the dump itself is complete */
                s->st.trailing = true;
        }
}

int flat_copy(const struct flat_copy_params *p, struct flat_stats *ret_stats) {
        struct flat_state s = {
                .p = p,
                .max_end = p->max_end > 0 && p->max_end <= INT64_MAX ? p->max_end : INT64_MAX,
        };
        int r;

        if (!p->read || !p->write_at)
                return -EINVAL;
        s.buf = malloc(FLAT_CHUNK);
        if (!s.buf)
                return -ENOMEM;
        r = p->flattened ? copy_flattened(&s) : copy_passthrough(&s);
        free(s.buf);
        if (ret_stats)
                *ret_stats = s.st;
        return r;
}
