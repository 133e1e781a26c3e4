/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Splits a kdump.conf value (core_collector, dracut_args, fence_kdump_args)
 * into words the way a POSIX shell would quote them: whitespace separates,
 * '...' is literal, "..." honours \" \\ \$ \`, and a backslash outside quotes
 * escapes the next character.  Nothing is expanded: no $VAR, no globs, no
 * command substitution, so no value from kdump.conf can run anything.
 *
 * Returns the number of words (>= 0) and a NULL-terminated vector in *ret, or
 * -EINVAL for an unterminated quote or trailing backslash, -ENOMEM. */
int shell_split(const char *s, char ***ret);

/* Quotes one word so that shell_split() (and sh) read it back unchanged.
 * Used only to *display* command lines (kdumpctl show); never to run them. */
char *shell_quote(const char *word);
