/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Crash memory: the recommended crashkernel= value, an estimate of what this
 * configuration needs, and what is reserved. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "crashkernel.h"
#include "kdumpctl.h"
#include "log.h"


/* Per architecture, for hostonly images.  x86_64 up to 4G is measured by
 * `make bench` (2 GiB guest, bench/results): the largest need was 144M on
 * Debian 12, whose image is not squashed (an ssh target, and a --sysroot
 * image for a local one; 2026-11-23), plus one 16M bisection step of
 * margin: 160M, against Fedora's 192M for its larger images.  Debian 13's
 * squashed image needs 96M (local) and 104M (ssh), at 2 and 16 GiB alike
 * (2026-12-04).  Above 4G and other architectures: Fedora's values
 * (kdump-utils), whose images are bigger than ours. */
const char *default_crashkernel(const char *arch) {
        if (streq(arch, "x86_64"))
                return "1G-4G:160M,4G-64G:256M,64G-:512M";
        if (streq(arch, "s390x"))
                return "1G-4G:192M,4G-64G:256M,64G-:512M";
        if (streq(arch, "aarch64") || streq(arch, "riscv64"))
                return sysconf(_SC_PAGESIZE) > 4096 && streq(arch, "aarch64")
                       ? "1G-4G:356M,4G-64G:420M,64G-:676M"
                       : "1G-4G:256M,4G-64G:320M,64G-:576M";
        if (streq(arch, "ppc64le") || streq(arch, "ppc64"))
                return "2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G";
        return NULL;
}

/* The fixed part of a reservation split with crashkernel=SIZE,cma: kexec
 * loads the kernel, the initramfs, the purgatory and the ELF header there
 * (never into CMA), so it is at least the kernel's init_size plus the
 * compressed initramfs.  When the kernel's header and the image can be read,
 * that is what `estimate` computes for them (8M of margin); this constant is
 * for when they cannot: Debian's kernels ask for 56 to 64 MiB (init_size
 * of 6.12, 7.2 and 6.1), and `make bench` found 80M the smallest fixed part
 * with Debian 14's 7.2 kernel and a 15 MiB image (bench/results), plus 16M. */
const char *default_crashkernel_cma_fixed(const char *arch) {
        if (streq(arch, "x86_64"))
                return "96M";
        return NULL;
}

/* Below this, splitting gains nothing: the CMA part of a small default is
 * at most a few MB. */
#define CMA_MIN (32 * MiB)

int crashkernel_cma_split(struct kdump_ctx *ctx, unsigned long long *ret_fixed, unsigned long long *ret_cma) {
        const char *arch = kdump_arch();
        const char *def = default_crashkernel(arch), *fixed = default_crashkernel_cma_fixed(arch);
        unsigned long long ram = crashkernel_system_ram(ctx), total = 0, f = 0;
        struct crash_estimate e;

        if (!def || !fixed)
                return -EOPNOTSUPP;
        if (crashkernel_size(def, ram, &total, NULL) < 0 || crashkernel_size(fixed, ram, &f, NULL) < 0)
                return -EINVAL;
        /* this kernel and this image, when both can be measured */
        if (crash_estimate(ctx, &e) >= 0 && e.kernel_exact && e.image_exists)
                f = e.cma_fixed;
        if (total < f + CMA_MIN)
                return -ERANGE;
        *ret_fixed = f;
        *ret_cma = total - f;
        return 0;
}

int verb_get_default_crashkernel(int argc, char **argv) {
        const char *arch = kdump_arch(), *v;

        if (argc > 2 || (argc == 2 && !streq(argv[1], "--cma"))) {
                log_error("Usage: kdumpctl get-default-crashkernel [--cma]");
                return EXIT_USAGE;
        }
        v = default_crashkernel(arch);
        if (!v) {
                log_error("No default crashkernel= value known for architecture %s.", arch);
                return EXIT_FAILURE;
        }
        if (argc == 2) {
                /* Two parameters for this machine's RAM: the CMA part takes
                 * a plain size, no ranges. */
                struct kdump_ctx ctx;
                unsigned long long fixed = 0, cma = 0;
                int r;

                if (open_ctx(&ctx, false) < 0) {
                        ctx_done(&ctx);
                        return EXIT_FAILURE;
                }
                if (!kernel_has_crash_cma(&ctx)) {
                        log_error("Kernel %s cannot take crashkernel=SIZE,cma (it needs Linux 6.17 or later "
                                  "with CONFIG_CMA): use 'kdumpctl get-default-crashkernel'.", ctx.kver);
                        ctx_done(&ctx);
                        return EXIT_FAILURE;
                }
                r = crashkernel_cma_split(&ctx, &fixed, &cma);
                ctx_done(&ctx);
                if (r == -EOPNOTSUPP) {
                        log_error("No default crashkernel=,cma split known for architecture %s.", arch);
                        return EXIT_FAILURE;
                }
                if (r < 0) {
                        log_error("The default crashkernel=%s is too small on this machine to split off a "
                                  "CMA part: use 'kdumpctl get-default-crashkernel'.", v);
                        return EXIT_FAILURE;
                }
                printf("crashkernel=%lluM crashkernel=%lluM,cma\n", fixed / MiB, cma / MiB);
                return EXIT_SUCCESS;
        }
        printf("%s\n", v);
        return EXIT_SUCCESS;
}

/* A "start-end" line of crash_cma_ranges, hex, end inclusive. */
static unsigned long long cma_range_bytes(const char *line) {
        unsigned long long start, end;
        char *e;

        errno = 0;
        start = strtoull(line, &e, 16);
        if (errno || e == line || *e != '-')
                return 0;
        line = e + 1;
        end = strtoull(line, &e, 16);
        if (errno || e == line || end < start)
                return 0;
        return end - start + 1;
}

unsigned long long crash_cma_bytes(const struct kdump_ctx *ctx) {
        /* Linux 6.19 lists them; the first name is the newer one */
        static const char * const files[] = { "/sys/kernel/kexec/crash_cma_ranges",
                                              "/sys/kernel/kexec_crash_cma_ranges" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = root_path(ctx, files[i]), *data = NULL;
                unsigned long long total = 0;

                if (!p || read_file(p, 64 * 1024, &data, NULL) < 0)
                        continue;
                for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                        total += cma_range_bytes(l);
                return total;
        }
        return 0;
}

/* Whether ctx->kver can take crashkernel=SIZE,cma (Linux 6.17; no version is
 * compared): CONFIG_CMA=y in its config, and either its own mark of the
 * support, for the running kernel (the crash_cma_ranges file of Linux 6.19,
 * or reserve_crashkernel_cma in /proc/kallsyms), or that function in its
 * System.map, for another (Debian 14 no longer installs System.map). */
bool kernel_has_crash_cma(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *cdata = NULL, *osrel = NULL, *running = NULL;
        _cleanup_free_ char *rel = NULL, *map = NULL, *data = NULL;
        static const char * const marks[] = { "/sys/kernel/kexec/crash_cma_ranges",
                                              "/sys/kernel/kexec_crash_cma_ranges" };

        if (!ctx->kver || !(cdata = kernel_config(ctx)) || !kconfig_set(cdata, "CONFIG_CMA", false))
                return false;
        osrel = root_path(ctx, "/proc/sys/kernel/osrelease");
        if (osrel && read_one_line(osrel, &running) >= 0 && streq(running, ctx->kver)) {
                _cleanup_free_ char *ks = root_path(ctx, "/proc/kallsyms"), *syms = NULL;

                for (size_t i = 0; i < ELEMENTSOF(marks); i++) {
                        _cleanup_free_ char *p = root_path(ctx, marks[i]);

                        if (p && access(p, F_OK) == 0)
                                return true;
                }
                if (ks && read_file(ks, 256 << 20, &syms, NULL) >= 0 && strstr(syms, " reserve_crashkernel_cma\n"))
                        return true;
        }
        if (asprintf(&rel, "/boot/System.map-%s", ctx->kver) < 0 || !(map = root_path(ctx, rel)) ||
            read_file(map, 64 << 20, &data, NULL) < 0)
                return false;
        return strstr(data, " reserve_crashkernel_cma\n") != NULL;
}

unsigned long long reserved_bytes(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *p = root_path(ctx, "/sys/kernel/kexec_crash_size");
        unsigned long long v = 0;

        if (p)
                (void) read_ulong_file(p, &v);
        return v;
}

int verb_showmem(int argc, char **argv) {
        struct kdump_ctx ctx;
        int r;

        (void) argc;
        (void) argv;
        r = open_ctx(&ctx, false);
        if (r < 0) {
                ctx_done(&ctx);
                return EXIT_FAILURE;
        }
        printf("Reserved %lluMB memory for crash kernel\n", reserved_bytes(&ctx) / MiB);
        if (crash_cma_bytes(&ctx))
                printf("Reserved %lluMB CMA memory for crash kernel\n", crash_cma_bytes(&ctx) / MiB);
        ctx_done(&ctx);
        return EXIT_SUCCESS;
}

/* Memory the kernel itself occupies once decompressed: x86's bzImage says it
 * in its setup header (init_size), arm64's Image in image_size. */
static int kernel_runtime_size(const char *path, unsigned long long *ret, bool *exact) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        unsigned char h[0x268];
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        *exact = false;
        *ret = (unsigned long long) st.st_size * 4;     /* a compressed image, roughly */
        if (pread(fd, h, sizeof h, 0) != (ssize_t) sizeof h)
                return 0;
        if (memcmp(h + 0x202, "HdrS", 4) == 0) {
                uint32_t init_size;
                memcpy(&init_size, h + 0x260, 4);
                *ret = le32toh(init_size);
                *exact = true;
        } else if (memcmp(h + 0x38, "ARM\x64", 4) == 0) {
                uint64_t image_size;
                memcpy(&image_size, h + 0x10, 8);
                *ret = le64toh(image_size);
                *exact = true;
        }
        return 0;
}

unsigned long long mem_total(const struct kdump_ctx *ctx) {
        _cleanup_free_ char *p = root_path(ctx, "/proc/meminfo"), *data = NULL;
        const char *v;

        if (!p || read_file(p, 1024 * 1024, &data, NULL) < 0)
                return 0;
        v = strstr(data, "MemTotal:");
        return v ? strtoull(v + strlen("MemTotal:"), NULL, 10) * 1024ULL : 0;
}

/* The size of the unpacked tree of a gzip, zstd or uncompressed initramfs,
 * counted by decompressing it (zlib, libzstd).  -EOPNOTSUPP for anything else (an
 * early cpio in front, another compressor): the caller then guesses. */
static int unpacked_size(const char *path, unsigned long long *ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ unsigned char *in = malloc(1 << 20), *out = malloc(1 << 20);
        unsigned char magic[4];
        unsigned long long total = 0;
        size_t n;
        int r = 0;

        if (!f)
                return -errno;
        if (!in || !out)
                return -ENOMEM;
        if (fread(magic, 1, sizeof magic, f) != sizeof magic || fseek(f, 0, SEEK_SET) < 0)
                return -EOPNOTSUPP;

        if (magic[0] == 0x1f && magic[1] == 0x8b) {
                z_stream z = {};

                if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
                        return -ENOMEM;
                while (r == 0 && (n = fread(in, 1, 1 << 20, f)) > 0) {
                        z.next_in = in;
                        z.avail_in = (unsigned) n;
                        while (z.avail_in > 0) {
                                int zr;

                                z.next_out = out;
                                z.avail_out = 1 << 20;
                                zr = inflate(&z, Z_NO_FLUSH);
                                total += (1 << 20) - z.avail_out;
                                if (zr == Z_STREAM_END) {
                                        /* dracut may append further members */
                                        if (inflateReset(&z) != Z_OK)
                                                r = -EIO;
                                } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                                        r = -EIO;
                                }
                                if (r < 0 || (zr == Z_BUF_ERROR && z.avail_in == 0))
                                        break;
                        }
                }
                inflateEnd(&z);
        } else if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
                ZSTD_DStream *z = ZSTD_createDStream();

                if (!z)
                        return -ENOMEM;
                while (r == 0 && (n = fread(in, 1, 1 << 20, f)) > 0) {
                        ZSTD_inBuffer ib = { in, n, 0 };

                        while (ib.pos < ib.size) {
                                ZSTD_outBuffer ob = { out, 1 << 20, 0 };
                                size_t zr = ZSTD_decompressStream(z, &ob, &ib);

                                if (ZSTD_isError(zr)) {
                                        r = -EIO;
                                        break;
                                }
                                total += ob.pos;
                        }
                }
                ZSTD_freeDStream(z);
        } else if (memcmp(magic, "0707", 4) == 0) {
                /* an uncompressed cpio (a squashed image): what is unpacked
                 * is the file itself */
                struct stat st;

                if (fstat(fileno(f), &st) < 0)
                        return -errno;
                total = (unsigned long long) st.st_size;
        } else
                return -EOPNOTSUPP;

        if (r < 0 || ferror(f))
                return r < 0 ? r : -EIO;
        *ret = total;
        return 0;
}

/* What the capture kernel needs beyond its own image, the compressed
 * initramfs and the unpacked tree: the kernel's allocations while it boots
 * and unpacks, systemd, udev and makedumpfile.  Calibrated by `make bench`'s
 * bisections on the 2 GiB guest with a 63.6M kernel
 * (bench/results/2026-11-23-vm-kdumpkit-guest-kdumpkit-peer.md):
 *   local, hostonly     9.8M image, 30.3M unpacked: 112M < need <= 128M
 *   local, --sysroot   10.7M image, 34.9M unpacked: 128M < need <= 144M
 *   ssh, hostonly      11.3M image, 33.9M unpacked: 128M < need <= 144M
 * so this term lies between 19.2M and 24.3M; with 20M each estimate falls
 * in the step the bisection found.  The squashed image (Debian 13, 6.12's
 * 55.9M kernel, a 14M uncompressed cpio counted twice while the kernel
 * copies it into the root file system) saved a dump and rebooted at 96M,
 * not at 88M (8M steps, bench/results/2026-12-04-*-trixie-*; at 2 and at
 * 16 GiB of RAM alike): the sum here is 104M, one step above. */
#define RUNTIME_RESERVE (20 * MiB)
/* The fixed part of a CMA split holds what kexec loads: the kernel, the
 * compressed initramfs, and the purgatory, boot parameters and ELF header
 * (CMA_FIXED_EXTRA); calibrated on the forky guest (bench/results). */
#define CMA_FIXED_EXTRA (2 * MiB)
#define CMA_FIXED_MARGIN (8 * MiB)     /* forky: 60.3 + 15.2 + 2 -> 80M measured, 88M proposed */
/* What `estimate` and the bisection may disagree by: one bisection step. */
#define ESTIMATE_MARGIN (16 * MiB)

static unsigned long long round_up(unsigned long long v, unsigned long long step) {
        return (v + step - 1) / step * step;
}

int crash_estimate(struct kdump_ctx *ctx, struct crash_estimate *ret) {
        _cleanup_free_ char *kernel = NULL, *image = NULL;
        struct crash_estimate e = {};
        unsigned long long ram;
        struct stat st;
        int r;

        r = ctx_find_kernel(ctx);
        if (r < 0)
                return r;
        kernel = root_path(ctx, ctx->kernel);
        image = root_path(ctx, ctx->image);
        if (!kernel || !image)
                return log_oom();
        r = kernel_runtime_size(kernel, &e.kernel_size, &e.kernel_exact);
        if (r < 0)
                return log_error_errno(r, "Cannot read %s: %m", kernel);
        if (stat(image, &st) == 0) {
                e.image_exists = true;
                e.compressed = (unsigned long long) st.st_size;
                e.unpacked_counted = unpacked_size(image, &e.unpacked) >= 0;
                if (!e.unpacked_counted)
                        /* zstd -19 unpacks to about 3.1 times its size, gzip -9 to 2.6 */
                        e.unpacked = e.compressed * 3;
        } else {
                e.compressed = 12 * MiB;
                e.unpacked = 32 * MiB;
        }
        ram = mem_total(ctx);
        /* makedumpfile's bitmaps and the vmcore's page tables grow with the
         * memory being dumped */
        if (ram > 64ULL * 1024 * MiB)
                e.large = (ram - 64ULL * 1024 * MiB) / 512;
        /* the compressed image and its unpacked tree coexist while the
         * capture kernel unpacks it */
        e.need = e.kernel_size + e.compressed + e.unpacked + RUNTIME_RESERVE + e.large;
        e.recommended = round_up(e.need, 16 * MiB) + ESTIMATE_MARGIN;
        /* split: what kexec loads stays in the fixed part, the rest of the
         * capture's memory may be CMA */
        e.cma_load = e.kernel_size + e.compressed + CMA_FIXED_EXTRA;
        e.cma_fixed = round_up(e.cma_load, 8 * MiB) + CMA_FIXED_MARGIN;
        e.cma_part = e.recommended > e.cma_fixed ? round_up(e.recommended - e.cma_fixed, 16 * MiB) : 0;
        *ret = e;
        return 0;
}

int verb_estimate(int argc, char **argv) {
        struct kdump_ctx ctx;
        struct crash_estimate e;
        unsigned long long reserved, cma;
        int ret = EXIT_FAILURE;

        (void) argc;
        (void) argv;
        if (open_ctx(&ctx, true) < 0 || crash_estimate(&ctx, &e) < 0)
                goto done;
        if (!e.image_exists)
                log_warning("%s%s does not exist yet ('kdumpctl rebuild'); counting 12MB (32MB unpacked) for it.",
                            ctx.root, ctx.image);
        reserved = reserved_bytes(&ctx);
        cma = crash_cma_bytes(&ctx);

        if (cma)
                printf("Reserved crashkernel:    %lluMB + %lluMB from CMA\n", reserved / MiB, cma / MiB);
        else
                printf("Reserved crashkernel:    %lluMB\n", reserved / MiB);
        printf("Recommended crashkernel: %lluMB (about %lluMB needed, rounded up to 16MB, plus a %lluMB margin)\n\n",
               e.recommended / MiB, (e.need + MiB - 1) / MiB, ESTIMATE_MARGIN / MiB);
        printf("Kernel image size:   %lluMB%s\n", (e.kernel_size + MiB - 1) / MiB, e.kernel_exact ? "" : " (estimated)");
        printf("Initramfs size:      %lluMB compressed, %lluMB unpacked%s\n", (e.compressed + MiB - 1) / MiB,
               (e.unpacked + MiB - 1) / MiB, e.unpacked_counted ? "" : " (estimated)");
        printf("Runtime reservation: %lluMB\n", RUNTIME_RESERVE / MiB);
        if (e.large)
                printf("Large memory reservation: %lluMB\n", (e.large + MiB - 1) / MiB);
        if (kernel_has_crash_cma(&ctx))
                printf("\nKernel %s can take part of it from CMA (crashkernel=SIZE,cma): crashkernel=%lluM "
                       "crashkernel=%lluM,cma (the kernel and the initramfs stay in the fixed part; pages the "
                       "system uses in the CMA part at a crash are not in the dump, with dump level 31 only "
                       "user pages)\n", ctx.kver, e.cma_fixed / MiB, e.cma_part / MiB);
        if (reserved + cma < e.recommended)
                printf("WARNING: Current crashkernel size is lower than recommended size %lluM.\n",
                       e.recommended / MiB);
        if (cma && reserved < e.cma_load)
                printf("WARNING: The fixed part of crashkernel (%lluM) is lower than the %lluM the kernel and "
                       "the initramfs need outside CMA: set it to %lluM.\n", reserved / MiB,
                       (e.cma_load + MiB - 1) / MiB, e.cma_fixed / MiB);
        ret = EXIT_SUCCESS;
done:
        ctx_done(&ctx);
        return ret;
}
