/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* crashkernel= for the next boots (kdumpctl reset-crashkernel) and the
 * warnings about the reservation of this boot. */

#include <stdbool.h>

#include "kdumpctl.h"

/* kdumpctl reset-crashkernel writes this drop-in on Debian's GRUB, and
 * records every value it set, so that an automatic reset can tell its own
 * values from one set by hand. */
#define GRUB_DEFAULT_FILE "/etc/default/grub"
#define GRUB_CRASHKERNEL_DROPIN "/etc/default/grub.d/kdump-crashkernel.cfg"
#define CRASHKERNEL_RECORD KDUMP_STATE_DIR "/crashkernel-set"

/* What crashkernel=`spec` reserves on a machine with `ram` bytes, read as
 * the kernel reads it (a plain size, or start-[end]:size ranges, start
 * inclusive, end exclusive, the first match wins): 0 when no range matches.
 * *ret_min_ram (optional): the smallest RAM size that gets a reservation.
 * -EINVAL when `spec` is not crashkernel= syntax. */
int crashkernel_size(const char *spec, unsigned long long ram, unsigned long long *ret,
                     unsigned long long *ret_min_ram);

/* The machine's RAM as the kernel counted it for crashkernel=: MemTotal
 * plus what is reserved (MemTotal no longer holds the reservation). */
unsigned long long crashkernel_system_ram(const struct kdump_ctx *ctx);

/* Warnings, never an error: nothing reserved (when `check_reserved`), less
 * reserved than `kdumpctl estimate` computes, a RAM size the default
 * crashkernel= reserves nothing for.  Each names the values and what to do. */
void crashkernel_warnings(struct kdump_ctx *ctx, bool check_reserved);

/* With a CMA part reserved (crashkernel=SIZE,cma): both parts, and what
 * the CMA part costs the dump.  Nothing without one. */
void crash_cma_report(const struct kdump_ctx *ctx);

/* kdumpctl reset-crashkernel [--kernel=PATH|ALL|DEFAULT] [--reboot] [--auto] [--cma] */
int verb_reset_crashkernel(int argc, char **argv);
/* Fedora's internal verbs, for its package scripts and kernel-install
 * plugin: _reset-crashkernel-after-update (= reset-crashkernel --auto) and
 * _reset-crashkernel-for-installed_kernel KVER (= ... --auto
 * --kernel=/boot/vmlinuz-KVER). */
int verb_reset_crashkernel_after_update(int argc, char **argv);
int verb_reset_crashkernel_for_installed_kernel(int argc, char **argv);
