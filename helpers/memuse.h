/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Where the capture kernel's memory goes while the dump is written, for
 * kdump-collect's "peak memory" lines (and `make bench`'s breakdown): the
 * system's MemTotal/MemAvailable, and at the lowest MemAvailable, what each
 * program uses (its proportional set size, shared pages split among their
 * users, and of it the anonymous part: file pages count as available) and
 * what /proc/meminfo says holds the rest: AnonPages, Shmem (the tmpfs
 * mounts), Unevictable (the initramfs in its ramfs, kdumpctl's
 * rootfstype=ramfs), the kernel's SUnreclaim, KernelStack, PageTables and
 * Percpu, then Cached (all file pages, the dump being written among them).  No library reads
 * these /proc files for us (procps's libproc2 is not in a capture image).
 *
 * KDUMP_PROC (tests): another /proc.
 */

#include <stddef.h>

#define MEMUSE_DETAIL_MAX 640

/* MemTotal and MemAvailable in kB; -errno when /proc/meminfo cannot be read. */
int memuse_meminfo(unsigned long *total_kb, unsigned long *available_kb);

/* One line for the log: the programs using the most memory, summed by name
 * ("makedumpfile 11.2 (10.9 anon), systemd 3.9 (1.1 anon), ... MiB (Pss)"),
 * then the meminfo fields above.  Empty when nothing could be read. */
void memuse_detail(char *buf, size_t size);
