/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMCOREINFO note read from an ELF core file made for the test, and the
 * -i file for a makedumpfile that predates Linux 7.1's compound_info. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "../../helpers/vmcoreinfo.h"

static char dir[] = "/tmp/test-vmcoreinfo-XXXXXX";

/* Linux 7.1's entries, trimmed */
static const char *info_71 =
        "OSRELEASE=7.2.12+deb14-amd64\n"
        "BUILD-ID=0123\n"
        "PAGESIZE=4096\n"
        "SYMBOL(init_uts_ns)=ffffffffab4123c0\n"
        "OFFSET(page.flags)=0\n"
        "OFFSET(page.compound_info)=8\n"
        "OFFSET(page.compound_info_x)=99\n"
        "KERNELOFFSET=2a000000\n";

static size_t note(unsigned char *p, const char *name, uint32_t type, const void *desc, size_t descsz) {
        Elf64_Nhdr h = { .n_namesz = (Elf64_Word) strlen(name) + 1, .n_descsz = (Elf64_Word) descsz, .n_type = type };
        size_t off = 0;

        memcpy(p, &h, sizeof h);
        off += sizeof h;
        memcpy(p + off, name, h.n_namesz);
        off += (h.n_namesz + 3) & ~3u;
        memcpy(p + off, desc, descsz);
        off += (descsz + 3) & ~3u;
        return off;
}

/* an ELF64 core: the CPU's PRSTATUS note, then VMCOREINFO (if INFO), then a
 * PT_LOAD of memory, as /proc/vmcore has them */
static void core(const char *path, const char *info) {
        unsigned char notes[4096] = { 0 }, prstatus[336] = { 1 }, mem[4096] = { 0 };
        size_t nsz = note(notes, "CORE", NT_PRSTATUS, prstatus, sizeof prstatus);
        Elf64_Ehdr eh = {
                .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
                .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
                .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
                .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2,
        };
        Elf64_Phdr ph[2] = { 0 };
        FILE *f;

        if (info)
                nsz += note(notes + nsz, "VMCOREINFO", 0, info, strlen(info));
        ph[0].p_type = PT_NOTE;
        ph[0].p_offset = sizeof eh + sizeof ph;
        ph[0].p_filesz = ph[0].p_memsz = nsz;
        ph[1].p_type = PT_LOAD;
        ph[1].p_offset = ph[0].p_offset + nsz;
        ph[1].p_filesz = ph[1].p_memsz = sizeof mem;
        ph[1].p_paddr = 0x100000;
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(&eh, sizeof eh, 1, f), 1);
        assert_int_equal(fwrite(ph, sizeof ph, 1, f), 1);
        assert_int_equal(fwrite(notes, nsz, 1, f), 1);
        assert_int_equal(fwrite(mem, sizeof mem, 1, f), 1);
        assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path) {
        static char buf[4096];
        FILE *f = fopen(path, "re");
        size_t n;

        assert_non_null(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void test_read(void **state) {
        char path[128], *info = NULL;

        (void) state;
        snprintf(path, sizeof path, "%s/vmcore", dir);
        core(path, info_71);
        assert_int_equal(vmcoreinfo_read(path, &info), 0);
        assert_string_equal(info, info_71);
        free(info);

        core(path, NULL);
        assert_int_equal(vmcoreinfo_read(path, &info), -ENOENT);
        snprintf(path, sizeof path, "%s/not-elf", dir);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs("not an ELF file\n", f);
        fclose(f);
        assert_true(vmcoreinfo_read(path, &info) < 0);
        snprintf(path, sizeof path, "%s/absent", dir);
        assert_int_equal(vmcoreinfo_read(path, &info), -ENOENT);
}

static void test_get(void **state) {
        _cleanup_free_ char *v = vmcoreinfo_get(info_71, "OFFSET(page.compound_info)");
        _cleanup_free_ char *last = vmcoreinfo_get(info_71, "KERNELOFFSET");

        (void) state;
        assert_string_equal(v, "8");
        assert_string_equal(last, "2a000000");
        assert_null(vmcoreinfo_get(info_71, "OFFSET(page.compound_head)"));
        assert_null(vmcoreinfo_get(info_71, "OFFSET(page"));
        assert_null(vmcoreinfo_get("", "OSRELEASE"));
}

static void test_compat(void **state) {
        char *path = NULL;

        (void) state;
        /* Linux 7.1 and later: the old name with the new value, and no symbol */
        assert_int_equal(vmcoreinfo_makedumpfile_compat(info_71, dir, &path), 1);
        assert_non_null(path);
        assert_string_equal(slurp(path),
                            "OSRELEASE=7.2.12+deb14-amd64\nPAGESIZE=4096\nOFFSET(page.compound_head)=8\n");
        unlink(path);
        free(path);
        path = NULL;
        /* before 7.1, or a kernel exporting both: nothing to add */
        assert_int_equal(vmcoreinfo_makedumpfile_compat(
                "OSRELEASE=6.12.118+deb13-amd64\nPAGESIZE=4096\nOFFSET(page.compound_head)=8\n", dir, &path), 0);
        assert_int_equal(vmcoreinfo_makedumpfile_compat(
                "OSRELEASE=7.3\nPAGESIZE=4096\nOFFSET(page.compound_head)=8\nOFFSET(page.compound_info)=8\n",
                dir, &path), 0);
        /* makedumpfile -i would refuse a file without the release */
        assert_int_equal(vmcoreinfo_makedumpfile_compat("PAGESIZE=4096\nOFFSET(page.compound_info)=8\n", dir, &path),
                         0);
        assert_null(path);
        assert_true(vmcoreinfo_makedumpfile_compat(info_71, "/nonexistent-dir", &path) < 0);
        assert_null(path);
}

static int teardown(void **state) {
        char path[128];

        (void) state;
        for (const char *const *n = (const char *const[]) { "vmcore", "not-elf", NULL }; *n; n++) {
                snprintf(path, sizeof path, "%s/%s", dir, *n);
                (void) unlink(path);
        }
        return rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read),
                cmocka_unit_test(test_get),
                cmocka_unit_test(test_compat),
        };

        if (!mkdtemp(dir))
                return 1;
        return cmocka_run_group_tests(tests, NULL, teardown);
}
