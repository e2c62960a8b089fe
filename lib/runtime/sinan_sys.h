/* SPDX-License-Identifier: MIT */
/* libsinan: what the system says about devices (sysfs, /dev, kernel log). */
#ifndef SINAN_SYS_H
#define SINAN_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sinan/sinan.h>

/* $SINAN_SYSROOT, or "" (prefix of /dev, /sys, /lib/firmware). */
const char *sinan_sysroot(void);
/* PCI slot, ids and driver of /sys/class/<cls>/<name>/device. */
void sinan_sys_describe(const char *cls, const char *name, struct sinan_device_info *i);
/* Every Sinan device node (accel nodes, then render nodes), indexed. */
uint32_t sinan_drm_scan(struct sinan_device_info *out, uint32_t max);
/* "'name' (gid N)" or "gid N". */
void sinan_group_name(gid_t gid, char *buf, size_t len);

#endif /* SINAN_SYS_H */
