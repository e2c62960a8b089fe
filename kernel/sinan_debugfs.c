// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * debugfs, in the DRM minor's directory:
 *   queues          hardware queues in use: owner, state, sequence numbers
 *   bos             per open file: its BOs and its mappings
 *   counts          live contexts, queues and BOs, memory in use (leak checks)
 *   fw_info         firmware version, features, heartbeat, status
 *   fw_log          the firmware's log ring
 *   force_recovery  write 1: reset the device as if the firmware had died
 *   fail_next_reset write 1: the next device reset fails, as if the device
 *                   did not come back (to test the dead-device path)
 *   mbox            write "CMD [ARG...]": a firmware mailbox command; read:
 *                   "RESULT RESP0 RESP1 RESP2 RESP3" of the last one
 *   inject          write "KIND [HWQ]" (hang, dma, ecc, fw-crash, illegal,
 *                   mmu): inject a fault through the device's debug page
 *                   (only when the device exposes it, SINAN_CAP_DEBUG_REGS)
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>

#include <uapi/drm/sinan_accel.h>

#include "sinan_compat.h"
#include "sinan_debugfs.h"
#include "sinan_drv.h"
#include "sinan_fw.h"
#include "sinan_gem.h"
#include "sinan_hw.h"
#include "sinan_job.h"
#include "sinan_mmu.h"

static int sinan_queues_debugfs_show(struct seq_file *m, void *unused)
{
	sinan_queues_show(m->private, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sinan_queues_debugfs);

static int sinan_bo_print(int id, void *ptr, void *data)
{
	struct drm_gem_object *obj = ptr;
	struct seq_file *m = data;

	seq_printf(m, "  handle %d: %s BO, %zu bytes\n", id,
		   sinan_bo_is_device(obj) ? "device" : "host", obj->size);
	return 0;
}

static int sinan_bos_debugfs_show(struct seq_file *m, void *unused)
{
	struct sinan_device *sdev = m->private;
	struct drm_file *file;

	seq_printf(m, "device memory used %lld bytes, host memory used %lld bytes\n",
		   atomic64_read(&sdev->devmem_used), atomic64_read(&sdev->hostmem_used));
	mutex_lock(&sdev->drm.filelist_mutex);
	list_for_each_entry(file, &sdev->drm.filelist, lhead) {
		struct sinan_ctx *ctx = file_to_ctx(file);

		if (!ctx)
			continue;
		seq_printf(m, "pid %d asid %u: %llu bytes of BOs\n", sinan_file_pid(file),
			   ctx->asid, sinan_file_mem_used(file));
		spin_lock(&file->table_lock);
		idr_for_each(&file->object_idr, sinan_bo_print, m);
		spin_unlock(&file->table_lock);
		sinan_ctx_show_mappings(ctx, m);
	}
	mutex_unlock(&sdev->drm.filelist_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sinan_bos_debugfs);

static int sinan_counts_debugfs_show(struct seq_file *m, void *unused)
{
	struct sinan_device *sdev = m->private;
	u64 avail;

	/* Free device memory: page tables and rings too, not only BOs. */
	mutex_lock(&sdev->mm_lock);
	avail = sdev->mm.avail;
	mutex_unlock(&sdev->mm_lock);
	seq_printf(m, "contexts %d\nqueues %d\nbos %d\ndevmem_used %lld\nhostmem_used %lld\n",
		   atomic_read(&sdev->num_ctxs), atomic_read(&sdev->num_queues),
		   atomic_read(&sdev->num_bos), atomic64_read(&sdev->devmem_used),
		   atomic64_read(&sdev->hostmem_used));
	seq_printf(m, "devmem_free %llu\nresets %d\n", avail, atomic_read(&sdev->reset_count));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sinan_counts_debugfs);

static int sinan_fw_info_debugfs_show(struct seq_file *m, void *unused)
{
	struct sinan_device *sdev = m->private;
	const struct sinan_fw_info *fw = &sdev->fw;
	int idx;

	seq_printf(m, "version: %s (0x%08x)\ninterface: %u.%u\nfeatures: 0x%x\nboots: %u\nresets: %d\n",
		   fw->version_str, fw->version,
		   SINAN_VER_MAJOR(SINAN_REG_FW_API_VERSION, fw->api_version),
		   SINAN_VER_MINOR(SINAN_REG_FW_API_VERSION, fw->api_version), fw->features,
		   fw->boot_count, atomic_read(&sdev->reset_count));
	if (drm_dev_enter(&sdev->drm, &idx)) {
		seq_printf(m, "status: %u\nheartbeat: %u\n",
			   sinan_rd32(sdev, SINAN_REG_FW_STATUS), sinan_fw_heartbeat(sdev));
		drm_dev_exit(idx);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sinan_fw_info_debugfs);

static int sinan_fw_log_debugfs_show(struct seq_file *m, void *unused)
{
	struct sinan_device *sdev = m->private;
	int idx, ret;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	ret = sinan_fw_log_show(sdev, m);
	drm_dev_exit(idx);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(sinan_fw_log_debugfs);

static ssize_t sinan_force_recovery_write(struct file *f, const char __user *ubuf, size_t len,
					  loff_t *pos)
{
	struct sinan_device *sdev = file_inode(f)->i_private;
	bool go;
	int ret;

	ret = kstrtobool_from_user(ubuf, len, &go);
	if (ret)
		return ret;
	if (go)
		sinan_device_request_reset(sdev, "forced through debugfs");
	return len;
}

static const struct file_operations sinan_force_recovery_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sinan_force_recovery_write,
};

static ssize_t sinan_mbox_write(struct file *f, const char __user *ubuf, size_t len, loff_t *pos)
{
	struct sinan_device *sdev = file_inode(f)->i_private;
	u32 cmd, args[4], resp[4] = {};
	char buf[80];
	int idx, n, ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%u %u %u %u %u", &cmd, &args[0], &args[1], &args[2], &args[3]);
	if (n < 1)
		return -EINVAL;
	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	ret = sinan_mbox_cmd(sdev, cmd, args, n - 1, resp);
	drm_dev_exit(idx);
	snprintf(sdev->mbox_result, sizeof(sdev->mbox_result), "%d %u %u %u %u\n", ret, resp[0],
		 resp[1], resp[2], resp[3]);
	return len;
}

static ssize_t sinan_mbox_read(struct file *f, char __user *ubuf, size_t len, loff_t *pos)
{
	struct sinan_device *sdev = file_inode(f)->i_private;

	return simple_read_from_buffer(ubuf, len, pos, sdev->mbox_result,
				       strnlen(sdev->mbox_result, sizeof(sdev->mbox_result)));
}

static const struct file_operations sinan_mbox_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = sinan_mbox_read,
	.write = sinan_mbox_write,
};

static const char * const sinan_inject_kinds[] = {
	[SINAN_INJECT_HANG] = "hang",
	[SINAN_INJECT_DMA_ERROR] = "dma",
	[SINAN_INJECT_ECC] = "ecc",
	[SINAN_INJECT_FW_CRASH] = "fw-crash",
	[SINAN_INJECT_ILLEGAL_INSTR] = "illegal",
	[SINAN_INJECT_MMU_FAULT] = "mmu",
};

static ssize_t sinan_inject_write(struct file *f, const char __user *ubuf, size_t len,
				  loff_t *pos)
{
	struct sinan_device *sdev = file_inode(f)->i_private;
	char buf[32], kind[16];
	unsigned int hwq = 0, k;
	int idx, n;

	if (!(sdev->hw.caps & SINAN_CAP_DEBUG_REGS))
		return -ENODEV;	/* the device has no debug page */
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%15s %u", kind, &hwq);
	if (n < 1 || hwq >= sdev->hw.num_queues)
		return -EINVAL;
	for (k = 1; k < ARRAY_SIZE(sinan_inject_kinds); k++)
		if (!strcmp(kind, sinan_inject_kinds[k]))
			break;
	if (k == ARRAY_SIZE(sinan_inject_kinds))
		return -EINVAL;
	if (!drm_dev_enter(&sdev->drm, &idx))
		return -ENODEV;
	sinan_wr32(sdev, SINAN_REG_DBG_INJECT, SINAN_FLD_PREP(SINAN_REG_DBG_INJECT, KIND, k) |
		   SINAN_FLD_PREP(SINAN_REG_DBG_INJECT, QUEUE, hwq));
	drm_dev_exit(idx);
	sinan_dbg(sdev, RESET, "injected %s on hardware queue %u\n", kind, hwq);
	return len;
}

static const struct file_operations sinan_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sinan_inject_write,
};

static void sinan_debugfs_create(struct sinan_device *sdev, struct dentry *root)
{
	debugfs_create_file("queues", 0444, root, sdev, &sinan_queues_debugfs_fops);
	debugfs_create_file("bos", 0444, root, sdev, &sinan_bos_debugfs_fops);
	debugfs_create_file("counts", 0444, root, sdev, &sinan_counts_debugfs_fops);
	debugfs_create_file("fw_info", 0444, root, sdev, &sinan_fw_info_debugfs_fops);
	debugfs_create_file("fw_log", 0444, root, sdev, &sinan_fw_log_debugfs_fops);
	debugfs_create_file("force_recovery", 0200, root, sdev, &sinan_force_recovery_fops);
	debugfs_create_bool("fail_next_reset", 0600, root, &sdev->fail_next_reset);
	debugfs_create_file("inject", 0200, root, sdev, &sinan_inject_fops);
	debugfs_create_file("mbox", 0600, root, sdev, &sinan_mbox_fops);
}

/* Render nodes (6.1): the DRM core calls this for each minor. */
void sinan_debugfs_init(struct drm_minor *minor)
{
	sinan_debugfs_create(to_sinan_device(minor->dev), minor->debugfs_root);
}

/*
 * Accel nodes: recent kernels no longer call drm_driver.debugfs_init for
 * them, so the driver adds its files once the device is registered.
 */
void sinan_debugfs_register(struct sinan_device *sdev)
{
#if SINAN_ACCEL
	sinan_debugfs_create(sdev, sdev->drm.accel->debugfs_root);
#endif
}
