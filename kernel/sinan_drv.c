// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Sinan NPU driver: PCI probe and remove, the DRM device, open and close,
 * the ioctl table and the parameter queries.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>

#include <sinan_hw/sinan_pkt.h>
#include <uapi/drm/sinan_accel.h>

#include "sinan_compat.h"
#include "sinan_debugfs.h"
#include "sinan_drv.h"
#include "sinan_fw.h"
#include "sinan_gem.h"
#include "sinan_hw.h"
#include "sinan_job.h"
#include "sinan_mmu.h"
#include "sinan_sysfs.h"

unsigned int sinan_dbg_mask;
module_param_named(dbg_mask, sinan_dbg_mask, uint, 0644);
MODULE_PARM_DESC(dbg_mask, "Debug categories: 1 reg, 2 irq, 4 fw, 8 mmu, 0x10 gem, 0x20 job, 0x40 queue, 0x80 reset, 0x100 file, 0x200 ioctl");

unsigned int sinan_job_timeout_ms = 5000;
module_param_named(job_timeout_ms, sinan_job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "Default job timeout in ms (per queue: drm_sinan_queue_create.timeout_ms)");

static unsigned int sinan_host_mem_limit_mb;
module_param_named(host_mem_limit_mb, sinan_host_mem_limit_mb, uint, 0644);
MODULE_PARM_DESC(host_mem_limit_mb, "Total size of host BOs per device in MiB (0: half of RAM)");

/* Bytes of host BOs a device may have: pinned memory must leave the system room. */
u64 sinan_host_mem_limit(void)
{
	u32 mb = READ_ONCE(sinan_host_mem_limit_mb);

	return mb ? (u64)mb << 20 : ((u64)totalram_pages() << PAGE_SHIFT) / 2;
}

unsigned int sinan_fw_boot_timeout_ms = 2000;
module_param_named(fw_boot_timeout_ms, sinan_fw_boot_timeout_ms, uint, 0644);
MODULE_PARM_DESC(fw_boot_timeout_ms, "Time the firmware gets to boot, in ms");

unsigned int sinan_hb_period_ms = 500;
module_param_named(hb_period_ms, sinan_hb_period_ms, uint, 0444);
MODULE_PARM_DESC(hb_period_ms, "Firmware heartbeat check period in ms (two stalled checks reset the device)");

/* The queue error codes of the uAPI are the hardware's. */
static_assert(DRM_SINAN_QUEUE_ERR_BAD_PACKET == SINAN_ERR_BAD_PACKET);
static_assert(DRM_SINAN_QUEUE_ERR_MMU_FAULT == SINAN_ERR_MMU_FAULT);
static_assert(DRM_SINAN_QUEUE_ERR_DMA == SINAN_ERR_DMA);
static_assert(DRM_SINAN_QUEUE_ERR_ILLEGAL_INSTR == SINAN_ERR_ILLEGAL_INSTR);
static_assert(DRM_SINAN_QUEUE_ERR_WATCHDOG == SINAN_ERR_WATCHDOG);
static_assert(DRM_SINAN_QUEUE_ERR_ECC == SINAN_ERR_ECC);
static_assert(DRM_SINAN_QUEUE_ERR_ABORTED == SINAN_ERR_ABORTED);
static_assert(DRM_SINAN_QUEUE_ERR_BAD_RING == SINAN_ERR_BAD_RING);
static_assert(DRM_SINAN_QUEUE_ERR_ALIGN == SINAN_ERR_ALIGN);
static_assert(DRM_SINAN_QUEUE_ERR_CORE_BOUNDS == SINAN_ERR_CORE_BOUNDS);
static_assert(DRM_SINAN_QUEUE_ERR_SYNC_HAZARD == SINAN_ERR_SYNC_HAZARD);
static_assert(DRM_SINAN_QUEUE_ERR_TIMEOUT >= SINAN_ERR_COUNT);
static_assert(DRM_SINAN_ENGINE_COPY == SINAN_Q_CONFIG_ENGINE_COPY);

/* @why must be a static string. */
void sinan_device_request_reset(struct sinan_device *sdev, const char *why)
{
	if (READ_ONCE(sdev->dead))
		return;
	sinan_dbg(sdev, RESET, "reset requested: %s\n", why);
	WRITE_ONCE(sdev->reset_reason, why);
	atomic_set(&sdev->reset_pending, 1);
	queue_work(sdev->reset_wq, &sdev->reset_work);
}

/* ---- open and close ------------------------------------------------------ */

static int sinan_open(struct drm_device *dev, struct drm_file *file)
{
	struct sinan_device *sdev = to_sinan_device(dev);
	struct sinan_ctx *ctx;
	int idx, ret;

	if (!drm_dev_enter(dev, &idx))
		return -ENODEV;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx) {
		ret = -ENOMEM;
		goto out_exit;
	}
	ctx->file = file;
	ret = sinan_ctx_init(sdev, ctx);
	if (ret) {
		kfree(ctx);
		goto out_exit;
	}
	file->driver_priv = ctx;
	atomic_inc(&sdev->num_ctxs);
	sinan_dbg(sdev, FILE, "pid %d opened context %u\n", sinan_file_pid(file), ctx->asid);
out_exit:
	drm_dev_exit(idx);
	return ret;
}

static void sinan_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct sinan_ctx *ctx = file_to_ctx(file);

	sinan_dbg(ctx->sdev, FILE, "context %u closed\n", ctx->asid);
	sinan_ctx_queues_fini(ctx);
	sinan_ctx_fini(ctx);
	atomic_dec(&ctx->sdev->num_ctxs);
	kfree(ctx);
}

/* ---- parameters ---------------------------------------------------------- */

static int sinan_get_param_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_device *sdev = to_sinan_device(dev);
	const struct sinan_hw_info *hw = &sdev->hw;
	struct drm_sinan_get_param *args = data;

	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case DRM_SINAN_PARAM_UAPI_VERSION:
		args->value = DRM_SINAN_UAPI_MAJOR << 16 | DRM_SINAN_UAPI_MINOR;
		break;
	case DRM_SINAN_PARAM_DEVICE_ID:
		args->value = (u32)sdev->pdev->vendor << 16 | sdev->pdev->device;
		break;
	case DRM_SINAN_PARAM_HW_VERSION:
		args->value = hw->hw_version;
		break;
	case DRM_SINAN_PARAM_NUM_CORES:
		args->value = hw->num_cores;
		break;
	case DRM_SINAN_PARAM_NUM_QUEUES:
		args->value = hw->num_queues;
		break;
	case DRM_SINAN_PARAM_CLOCK_MHZ:
		args->value = hw->clock_mhz;
		break;
	case DRM_SINAN_PARAM_ISA_VERSION:
		args->value = hw->isa_version;
		break;
	case DRM_SINAN_PARAM_FW_VERSION:
		args->value = sdev->fw.version;
		break;
	case DRM_SINAN_PARAM_FW_API_VERSION:
		args->value = sdev->fw.api_version;
		break;
	case DRM_SINAN_PARAM_CAPS:
		args->value = hw->caps;
		break;
	case DRM_SINAN_PARAM_DEVMEM_SIZE:
		args->value = hw->devmem_size;
		break;
	case DRM_SINAN_PARAM_DEVMEM_USED:
		args->value = atomic64_read(&sdev->devmem_used);
		break;
	case DRM_SINAN_PARAM_VA_START:
		args->value = SINAN_VA_USER_START;
		break;
	case DRM_SINAN_PARAM_VA_END:
		args->value = SINAN_VA_USER_END;
		break;
	case DRM_SINAN_PARAM_L1_SIZE:
		args->value = hw->l1_size;
		break;
	case DRM_SINAN_PARAM_L0A_SIZE:
		args->value = hw->l0a_size;
		break;
	case DRM_SINAN_PARAM_L0B_SIZE:
		args->value = hw->l0b_size;
		break;
	case DRM_SINAN_PARAM_L0C_SIZE:
		args->value = hw->l0c_size;
		break;
	case DRM_SINAN_PARAM_UB_SIZE:
		args->value = hw->ub_size;
		break;
	case DRM_SINAN_PARAM_CUBE_SHAPE:
		args->value = hw->cube_shape;
		break;
	case DRM_SINAN_PARAM_VEC_BYTES:
		args->value = hw->vec_bytes;
		break;
	case DRM_SINAN_PARAM_DEVMEM_BW:
		args->value = hw->devmem_bw;
		break;
	case DRM_SINAN_PARAM_HOSTLINK_BW:
		args->value = hw->hostlink_bw;
		break;
	case DRM_SINAN_PARAM_RESET_COUNT:
		args->value = atomic_read(&sdev->reset_count);
		break;
	case DRM_SINAN_PARAM_TIMESTAMP:
		args->value = sinan_rd64(sdev, SINAN_REG_TIMESTAMP);
		break;
	case DRM_SINAN_PARAM_ASID:
		args->value = file_to_ctx(file)->asid;
		break;
	case DRM_SINAN_PARAM_CTX_MEM_USED:
		args->value = sinan_file_mem_used(file);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int sinan_query_fw_info(struct sinan_device *sdev, struct drm_sinan_query *args)
{
	struct drm_sinan_fw_info info = {};

	if (!args->size) {
		args->size = sizeof(info);
		return 0;
	}
	if (args->size < sizeof(info))
		return -EINVAL;
	info.version = sdev->fw.version;
	info.api_version = sdev->fw.api_version;
	info.features = sdev->fw.features;
	info.boot_count = sdev->fw.boot_count;
	info.heartbeat = sinan_fw_heartbeat(sdev);
	strscpy(info.version_str, sdev->fw.version_str, sizeof(info.version_str));
	if (copy_to_user(u64_to_user_ptr(args->data), &info, sizeof(info)))
		return -EFAULT;
	args->size = sizeof(info);
	return 0;
}

static int sinan_query_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_sinan_query *args = data;

	if (args->flags || args->pad)
		return -EINVAL;
	switch (args->query) {
	case DRM_SINAN_QUERY_FW_INFO:
		return sinan_query_fw_info(to_sinan_device(dev), args);
	default:
		return -EINVAL;
	}
}

/*
 * Every ioctl runs inside drm_dev_enter()/drm_dev_exit(): once the device
 * is unplugged they fail with -ENODEV and never touch the hardware.
 */
#define SINAN_IOCTL_GUARDED(fn)							\
static int fn##_guarded(struct drm_device *dev, void *data, struct drm_file *file)	\
{										\
	int idx, ret;								\
										\
	if (!drm_dev_enter(dev, &idx))						\
		return -ENODEV;							\
	ret = fn(dev, data, file);						\
	drm_dev_exit(idx);							\
	if (ret)								\
		sinan_dbg(to_sinan_device(dev), IOCTL, "%s: %d\n", #fn, ret);	\
	return ret;								\
}

SINAN_IOCTL_GUARDED(sinan_get_param_ioctl)
SINAN_IOCTL_GUARDED(sinan_query_ioctl)
SINAN_IOCTL_GUARDED(sinan_bo_create_ioctl)
SINAN_IOCTL_GUARDED(sinan_bo_info_ioctl)
SINAN_IOCTL_GUARDED(sinan_vm_bind_ioctl)
SINAN_IOCTL_GUARDED(sinan_vm_unbind_ioctl)
SINAN_IOCTL_GUARDED(sinan_queue_create_ioctl)
SINAN_IOCTL_GUARDED(sinan_queue_destroy_ioctl)
SINAN_IOCTL_GUARDED(sinan_submit_ioctl)
SINAN_IOCTL_GUARDED(sinan_queue_status_ioctl)

#define SINAN_IOCTL(n, fn) DRM_IOCTL_DEF_DRV(SINAN_##n, fn##_guarded, DRM_RENDER_ALLOW)
/* WAIT enters the device itself: it must not hold up an unplug while it sleeps. */
#define SINAN_IOCTL_SELF(n, fn) DRM_IOCTL_DEF_DRV(SINAN_##n, fn, DRM_RENDER_ALLOW)

static const struct drm_ioctl_desc sinan_ioctls[] = {
	SINAN_IOCTL(GET_PARAM, sinan_get_param_ioctl),
	SINAN_IOCTL(QUERY, sinan_query_ioctl),
	SINAN_IOCTL(BO_CREATE, sinan_bo_create_ioctl),
	SINAN_IOCTL(BO_INFO, sinan_bo_info_ioctl),
	SINAN_IOCTL(VM_BIND, sinan_vm_bind_ioctl),
	SINAN_IOCTL(VM_UNBIND, sinan_vm_unbind_ioctl),
	SINAN_IOCTL(QUEUE_CREATE, sinan_queue_create_ioctl),
	SINAN_IOCTL(QUEUE_DESTROY, sinan_queue_destroy_ioctl),
	SINAN_IOCTL(SUBMIT, sinan_submit_ioctl),
	SINAN_IOCTL_SELF(WAIT, sinan_wait_ioctl),
	SINAN_IOCTL(QUEUE_STATUS, sinan_queue_status_ioctl),
};

SINAN_DEFINE_FOPS(sinan_fops);

static const struct drm_driver sinan_driver = {
	.driver_features = SINAN_DRIVER_FEATURES | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = sinan_open,
	.postclose = sinan_postclose,
	.gem_create_object = sinan_gem_create_object,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	SINAN_PRIME_DRIVER_OPS
#if !SINAN_ACCEL
	.debugfs_init = sinan_debugfs_init,
#endif
	.ioctls = sinan_ioctls,
	.num_ioctls = ARRAY_SIZE(sinan_ioctls),
	.fops = &sinan_fops,
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
	SINAN_DRIVER_DATE_FIELD(DRIVER_DATE)
	.major = DRM_SINAN_UAPI_MAJOR,
	.minor = DRM_SINAN_UAPI_MINOR,
};

/* ---- PCI ----------------------------------------------------------------- */

static int sinan_pci_init(struct sinan_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;
	int ret;

	ret = pci_enable_device(pdev);
	if (ret) {
		sinan_err(sdev, "cannot enable the PCI device: %d\n", ret);
		return ret;
	}
	ret = pci_request_regions(pdev, DRIVER_NAME);
	if (ret) {
		sinan_err(sdev, "cannot claim the BARs: %d\n", ret);
		goto err_disable;
	}
	if (pci_resource_len(pdev, SINAN_BAR_REGS) < SINAN_BAR_REGS_SIZE ||
	    !(pci_resource_flags(pdev, SINAN_BAR_DEVMEM) & IORESOURCE_MEM)) {
		sinan_err(sdev, "unexpected BAR layout\n");
		ret = -ENODEV;
		goto err_release;
	}
	sdev->regs = pci_iomap(pdev, SINAN_BAR_REGS, SINAN_BAR_REGS_SIZE);
	if (!sdev->regs) {
		ret = -ENOMEM;
		goto err_release;
	}
	sdev->devmem_bus = pci_resource_start(pdev, SINAN_BAR_DEVMEM);
	sdev->devmem = ioremap_wc(sdev->devmem_bus, pci_resource_len(pdev, SINAN_BAR_DEVMEM));
	if (!sdev->devmem) {
		ret = -ENOMEM;
		goto err_unmap_regs;
	}
	/* Host addresses go into PTEs: as many bits as the PTE address field. */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(fls64(SINAN_PTE_ADDR_MASK)));
	if (ret) {
		sinan_err(sdev, "no usable DMA mask: %d\n", ret);
		goto err_unmap_devmem;
	}
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	pci_set_master(pdev);
	return 0;

err_unmap_devmem:
	iounmap(sdev->devmem);
err_unmap_regs:
	pci_iounmap(pdev, sdev->regs);
err_release:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void sinan_pci_fini(struct sinan_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;

	pci_clear_master(pdev);
	iounmap(sdev->devmem);
	pci_iounmap(pdev, sdev->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
}

/* Freed with the DRM device, after the last file and buffer are gone. */
static void sinan_drm_release(struct drm_device *drm, void *arg)
{
	struct sinan_device *sdev = to_sinan_device(drm);

	sinan_mmu_fini(sdev);
	sinan_devmem_fini(sdev);
	destroy_workqueue(sdev->reset_wq);
}

static int sinan_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct sinan_device *sdev;
	int ret;

	sdev = devm_drm_dev_alloc(&pdev->dev, &sinan_driver, struct sinan_device, drm);
	if (IS_ERR(sdev))
		return PTR_ERR(sdev);
	sdev->pdev = pdev;
	pci_set_drvdata(pdev, sdev);

	ret = sinan_pci_init(sdev);
	if (ret)
		return ret;
	ret = sinan_hw_init(sdev);
	if (ret)
		goto err_pci_fini;
	/* Power-on state: the firmware and the queues start from scratch. */
	ret = sinan_hw_reset(sdev);
	if (ret)
		goto err_pci_fini;
	ret = sinan_recovery_init(sdev);
	if (ret)
		goto err_pci_fini;
	ret = sinan_devmem_init(sdev);
	if (ret)
		goto err_destroy_wq;
	ret = sinan_mmu_init(sdev);
	if (ret)
		goto err_devmem_fini;
	/* From here the DRM device's release frees these three. */
	ret = drmm_add_action_or_reset(&sdev->drm, sinan_drm_release, NULL);
	if (ret)
		goto err_pci_fini;
	ret = sinan_irq_init(sdev);
	if (ret)
		goto err_pci_fini;
	ret = sinan_fw_init(sdev);
	if (ret) {
		/*
		 * It said what is wrong with the firmware; -ENODEV keeps the
		 * driver core from adding a second, vaguer line.
		 */
		ret = -ENODEV;
		goto err_irq_fini;
	}
	sinan_irq_enable(sdev);
	ret = drm_dev_register(&sdev->drm, 0);
	if (ret) {
		sinan_err(sdev, "cannot register the DRM device: %d\n", ret);
		goto err_hw_stop;
	}
	sinan_debugfs_register(sdev);
	sinan_hw_log_config(sdev);
	sinan_fw_hb_start(sdev);
	return 0;

err_hw_stop:
	sinan_irq_disable(sdev);
	sinan_hw_fini(sdev);
	sinan_fw_fini(sdev);
err_irq_fini:
	sinan_irq_fini(sdev);
	goto err_pci_fini;
err_devmem_fini:
	sinan_devmem_fini(sdev);
err_destroy_wq:
	destroy_workqueue(sdev->reset_wq);
err_pci_fini:
	sinan_pci_fini(sdev);
	return ret;
}

static void sinan_remove(struct pci_dev *pdev)
{
	struct sinan_device *sdev = pci_get_drvdata(pdev);

	sinan_fw_hb_stop(sdev);
	/* Fail what is in flight, so that unplug need not wait for it. */
	sinan_device_kill(sdev);
	drm_dev_unplug(&sdev->drm);
	sinan_irq_disable(sdev);
	sinan_hw_fini(sdev);
	sinan_fw_fini(sdev);
	sinan_irq_fini(sdev);
	sinan_pci_fini(sdev);
}

static const struct pci_device_id sinan_pci_ids[] = {
	{ PCI_DEVICE(SINAN_PCI_VENDOR_ID, SINAN_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sinan_pci_ids);

static void sinan_reset_prepare(struct pci_dev *pdev)
{
	sinan_pci_reset_prepare(pci_get_drvdata(pdev));
}

static void sinan_reset_done(struct pci_dev *pdev)
{
	sinan_pci_reset_done(pci_get_drvdata(pdev));
}

static const struct pci_error_handlers sinan_err_handlers = {
	.reset_prepare = sinan_reset_prepare,
	.reset_done = sinan_reset_done,
};

static struct pci_driver sinan_pci_driver = {
	.name = DRIVER_NAME,
	.id_table = sinan_pci_ids,
	.probe = sinan_probe,
	.remove = sinan_remove,
	.err_handler = &sinan_err_handlers,
	.dev_groups = sinan_dev_groups,
};
module_pci_driver(sinan_pci_driver);

MODULE_AUTHOR("The Sinan authors");
MODULE_DESCRIPTION("Sinan NPU accelerator driver");
MODULE_LICENSE("GPL");
MODULE_FIRMWARE(SINAN_FW_NAME);
SINAN_IMPORT_NS_DMA_BUF();
