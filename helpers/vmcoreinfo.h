/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The crashed kernel's VMCOREINFO, read from the ELF notes of /proc/vmcore,
 * and what an older makedumpfile needs told beside it. */

/* The VMCOREINFO note's text (KEY=VALUE lines) into *ret (malloc'd):
 * 0, -ENOENT when there is no such note, or another <0. */
int vmcoreinfo_read(const char *vmcore, char **ret);

/* The value of KEY= in a VMCOREINFO text, malloc'd; NULL if absent. */
char *vmcoreinfo_get(const char *info, const char *key);

/* Linux 7.1 renamed struct page's compound_head to compound_info, and its
 * VMCOREINFO entry with it; makedumpfile up to 1.7.9 looks only for the old
 * name, cannot tell tail pages of compound pages, and leaves some out of a
 * filtered dump (upstream f50c015, after 1.7.9).  makedumpfile -i FILE takes
 * entries from FILE before the dump's own VMCOREINFO, so FILE giving the old
 * name the new entry's value puts them back.  Writes that FILE into DIR when
 * INFO needs it: 1 and *ret_path (malloc'd), 0 when INFO needs nothing, <0
 * on error. */
int vmcoreinfo_makedumpfile_compat(const char *info, const char *dir, char **ret_path);
