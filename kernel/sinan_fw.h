/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Firmware: image checks, loading, boot, heartbeat watchdog, mailbox, log.
 * The image format and boot protocol are include/sinan_hw/sinan_fw_if.h.
 */
#ifndef __SINAN_FW_H__
#define __SINAN_FW_H__

#include "sinan_drv.h"

struct seq_file;

int sinan_fw_init(struct sinan_device *sdev);
void sinan_fw_fini(struct sinan_device *sdev);
int sinan_fw_boot(struct sinan_device *sdev);

void sinan_fw_hb_start(struct sinan_device *sdev);
void sinan_fw_hb_stop(struct sinan_device *sdev);

int sinan_mbox_cmd(struct sinan_device *sdev, u32 cmd, const u32 *args, unsigned int nargs,
		   u32 *resp);
u32 sinan_fw_heartbeat(struct sinan_device *sdev);
int sinan_fw_log_show(struct sinan_device *sdev, struct seq_file *m);

#endif /* __SINAN_FW_H__ */
