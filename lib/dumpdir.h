/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <time.h>

/* Naming shared by every writer (local, ssh, nfs, raw retrieval), so a dump
 * looks the same wherever it lands. */

/* "<host>-<YYYY-MM-DD-HH:MM:SS>", in UTC: the capture kernel has no time
 * zone data, and UTC sorts the same on every machine of a fleet. */
int dump_dir_name(const char *host, time_t t, char **ret);

/* The name a file has while it is being written: "vmcore" ->
 * "vmcore-incomplete", "vmcore-dmesg.txt" -> "vmcore-dmesg-incomplete.txt".
 * Only the complete name is ever used by analysis tools, so a partial dump
 * never looks complete. */
int dump_incomplete_name(const char *name, char **ret);

#define DUMP_DIR_MODE 0700
#define DUMP_FILE_MODE 0600
