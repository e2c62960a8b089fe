/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 */
#ifndef __SINAN_DEBUGFS_H__
#define __SINAN_DEBUGFS_H__

struct drm_minor;
struct sinan_device;

void sinan_debugfs_init(struct drm_minor *minor);
void sinan_debugfs_register(struct sinan_device *sdev);

#endif /* __SINAN_DEBUGFS_H__ */
