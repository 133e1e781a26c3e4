/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "kdumpctl.h"

/* Saving the dump from a full boot: a capture kernel that booted the root
 * file system (our initramfs failed, or the capture kernel was loaded
 * without it) has /proc/vmcore, which kdumpctl saves with kdump-collect. */

/* Whether <root>/proc/vmcore exists: this is a capture kernel. */
bool savecore_vmcore_present(const struct kdump_ctx *ctx);

/* kdumpctl savecore: saves the dump to the dump target as this system sees
 * it, by hand (kdump-collect's messages on stderr, no final_action).
 * Reads kdump.conf leniently when ctx->conf is not loaded yet.  Returns 0
 * when saved, else a negative errno (said why). */
int savecore_by_hand(struct kdump_ctx *ctx);

/* kdumpctl start in a capture kernel: saves the dump (kdump-collect's
 * messages on the console, as in the capture initramfs), then carries out
 * final_action; when saving fails, failure_action as kdumpctl(8) says.
 * Returns 0 when saved, else a negative errno. */
int savecore_boot(struct kdump_ctx *ctx);
