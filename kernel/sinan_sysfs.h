/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 */
#ifndef __SINAN_SYSFS_H__
#define __SINAN_SYSFS_H__

#include <linux/sysfs.h>

extern const struct attribute_group *sinan_dev_groups[];

#endif /* __SINAN_SYSFS_H__ */
