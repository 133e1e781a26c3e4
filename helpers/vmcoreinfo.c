/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "vmcoreinfo.h"

/* /proc/vmcore is an ELF core file whose PT_NOTE segment holds, among the
 * CPUs' notes, the one named VMCOREINFO; libelf (makedumpfile's own ELF
 * library, already in the image) reads the notes where they lie, without
 * mapping the rest of memory. */
int vmcoreinfo_read(const char *vmcore, char **ret) {
        _cleanup_close_ int fd = open(vmcore, O_RDONLY | O_CLOEXEC);
        Elf *elf = NULL;
        size_t n = 0;
        int r = -ENOENT;

        if (fd < 0)
                return -errno;
        if (elf_version(EV_CURRENT) == EV_NONE)
                return -EINVAL;
        elf = elf_begin(fd, ELF_C_READ, NULL);
        if (!elf)
                return -EINVAL;
        if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n) < 0) {
                r = -EINVAL;
                goto out;
        }
        for (size_t i = 0; i < n && r == -ENOENT; i++) {
                GElf_Phdr ph;
                GElf_Nhdr nh;
                Elf_Data *d;
                size_t off = 0, name_off, desc_off;

                if (!gelf_getphdr(elf, (int) i, &ph) || ph.p_type != PT_NOTE || ph.p_filesz == 0)
                        continue;
                d = elf_getdata_rawchunk(elf, (int64_t) ph.p_offset, ph.p_filesz, ELF_T_NHDR);
                if (!d)
                        continue;
                while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
                        if (nh.n_namesz != sizeof "VMCOREINFO" ||
                            memcmp((const char *) d->d_buf + name_off, "VMCOREINFO", sizeof "VMCOREINFO") != 0)
                                continue;
                        *ret = strndup((const char *) d->d_buf + desc_off, nh.n_descsz);
                        r = *ret ? 0 : -ENOMEM;
                        break;
                }
        }
out:
        elf_end(elf);
        return r;
}

char *vmcoreinfo_get(const char *info, const char *key) {
        size_t k = strlen(key);

        for (const char *l = info; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, k) == 0 && l[k] == '=')
                        return strndup(l + k + 1, strcspn(l + k + 1, "\n"));
        return NULL;
}

int vmcoreinfo_makedumpfile_compat(const char *info, const char *dir, char **ret_path) {
        _cleanup_free_ char *head = vmcoreinfo_get(info, "OFFSET(page.compound_head)");
        _cleanup_free_ char *tail = vmcoreinfo_get(info, "OFFSET(page.compound_info)");
        _cleanup_free_ char *release = NULL, *pagesize = NULL, *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int fd;

        if (head || !tail)
                return 0;
        /* makedumpfile -i refuses a file without these two (and checks the
         * release against the dump's); symbols are left out on purpose:
         * those it reads from -i get the KASLR offset added once more */
        release = vmcoreinfo_get(info, "OSRELEASE");
        pagesize = vmcoreinfo_get(info, "PAGESIZE");
        if (!release || !pagesize)
                return 0;
        if (asprintf(&path, "%s/vmcoreinfo-makedumpfile.XXXXXX", dir) < 0)
                return -ENOMEM;
        fd = mkstemp(path);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                int e = errno;

                close(fd);
                unlink(path);
                return -e;
        }
        fprintf(f, "OSRELEASE=%s\nPAGESIZE=%s\nOFFSET(page.compound_head)=%s\n", release, pagesize, tail);
        if (fflush(f) != 0 || ferror(f)) {
                unlink(path);
                return -EIO;
        }
        *ret_path = TAKE_PTR(path);
        return 1;
}
