// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * sysfs attributes of the PCI device (/sys/bus/pci/devices/<bdf>/):
 *   fw_version    firmware version string, numbers and interface
 *   mem_used      bytes of device memory in device BOs
 *   busy_time_us  modeled time the queues spent on jobs, in microseconds
 *   reset_count   device resets since probe
 * They come and go with the driver binding (pci_driver.dev_groups).
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "sinan_drv.h"
#include "sinan_hw.h"
#include "sinan_sysfs.h"

static struct sinan_device *dev_to_sdev(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static ssize_t fw_version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct sinan_fw_info *fw = &dev_to_sdev(dev)->fw;

	return sysfs_emit(buf, "%s %u.%u.%u interface %u.%u\n", fw->version_str,
			  (u32)SINAN_FLD_GET(SINAN_REG_FW_VERSION, MAJOR, fw->version),
			  (u32)SINAN_FLD_GET(SINAN_REG_FW_VERSION, MINOR, fw->version),
			  (u32)SINAN_FLD_GET(SINAN_REG_FW_VERSION, PATCH, fw->version),
			  SINAN_VER_MAJOR(SINAN_REG_FW_API_VERSION, fw->api_version),
			  SINAN_VER_MINOR(SINAN_REG_FW_API_VERSION, fw->api_version));
}
static DEVICE_ATTR_RO(fw_version);

static ssize_t mem_used_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&dev_to_sdev(dev)->devmem_used));
}
static DEVICE_ATTR_RO(mem_used);

static ssize_t busy_time_us_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct sinan_device *sdev = dev_to_sdev(dev);

	return sysfs_emit(buf, "%llu\n",
			  div_u64(atomic64_read(&sdev->busy_cycles), sdev->hw.clock_mhz));
}
static DEVICE_ATTR_RO(busy_time_us);

static ssize_t reset_count_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&dev_to_sdev(dev)->reset_count));
}
static DEVICE_ATTR_RO(reset_count);

static struct attribute *sinan_dev_attrs[] = {
	&dev_attr_fw_version.attr,
	&dev_attr_mem_used.attr,
	&dev_attr_busy_time_us.attr,
	&dev_attr_reset_count.attr,
	NULL,
};

static const struct attribute_group sinan_dev_group = {
	.attrs = sinan_dev_attrs,
};

const struct attribute_group *sinan_dev_groups[] = {
	&sinan_dev_group,
	NULL,
};
