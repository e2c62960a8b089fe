// SPDX-License-Identifier: MIT
/*
 * DRM backend: the sinan.ko driver through its device node.
 *
 * Devices: accel nodes (/dev/accel/accelN, Linux 6.2+) found through
 * /sys/class/accel, and render nodes (Linux 6.1, no accel subsystem) found
 * with libdrm's drmGetDevices2(); either way the node must belong to the
 * driver "sinan" (drmGetVersion() on open, the sysfs driver link and the
 * PCI ids before). Every call goes through drmIoctl() (which restarts on
 * EINTR/EAGAIN) from sinan_ioctl(), and mmap() of buffer objects.
 *
 * $SINAN_SYSROOT prefixes /dev and /sys (tests, containers); libdrm's scan
 * cannot be redirected, so with a sysroot render nodes are scanned by hand.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>

#include <sinan_hw/sinan_regs.h>

#include "sinan_int.h"
#include "sinan_sys.h"

struct drm_dev {
	int fd;
};

#define DRMDEV(dev)	((struct drm_dev *)(dev)->be)

/* ---- finding devices ----------------------------------------------------------------- */

static int read_hex(const char *path, uint32_t *v)
{
	char buf[32];
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*v = (uint32_t)strtoul(buf, NULL, 16);
	return 0;
}

/* Fill PCI slot, ids and driver of a node's /sys/class/<cls>/<name>/device. */
void sinan_sys_describe(const char *cls, const char *name, struct sinan_device_info *i)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/sys/class/%s/%s/device", sinan_sysroot(), cls, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		strcopy(i->pci_slot, sizeof(i->pci_slot), strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	snprintf(path, sizeof(path), "%s/sys/class/%s/%s/device/driver", sinan_sysroot(), cls, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		strcopy(i->driver, sizeof(i->driver), strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	snprintf(path, sizeof(path), "%s/sys/class/%s/%s/device/vendor", sinan_sysroot(), cls, name);
	read_hex(path, &i->vendor_id);
	snprintf(path, sizeof(path), "%s/sys/class/%s/%s/device/device", sinan_sysroot(), cls, name);
	read_hex(path, &i->device_id);
}

static bool is_sinan(const struct sinan_device_info *i)
{
	if (i->driver[0])
		return !strcmp(i->driver, "sinan");
	return i->vendor_id == SINAN_PCI_VENDOR_ID && i->device_id == SINAN_PCI_DEVICE_ID;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct sinan_device_info *)a)->node, ((const struct sinan_device_info *)b)->node);
}

/* Scan /dev/<dir> for names starting with @prefix; sysfs class @cls describes them. */
static void scan_dir(const char *dir, const char *prefix, const char *cls, struct sinan_device_info *out,
		     uint32_t *n, uint32_t max)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/dev/%s", sinan_sysroot(), dir);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) && *n < max) {
		struct sinan_device_info i = { .size = sizeof(i) };

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		sinan_sys_describe(cls, de->d_name, &i);
		if (!is_sinan(&i))
			continue;
		snprintf(i.node, sizeof(i.node), "/dev/%s/%.40s", dir, de->d_name);
		out[(*n)++] = i;
	}
	closedir(d);
}

/* All Sinan nodes: accel first, then render nodes of devices without one. Sorted, indexed. */
uint32_t sinan_drm_scan(struct sinan_device_info *out, uint32_t max)
{
	uint32_t n = 0, accel;

	scan_dir("accel", "accel", "accel", out, &n, max);
	accel = n;
	if (!sinan_sysroot()[0]) {
		drmDevicePtr devs[64];
		int nd = drmGetDevices2(0, devs, 64);

		for (int k = 0; k < nd && n < max; k++) {
			struct sinan_device_info i = { .size = sizeof(i) };
			const char *node;

			if (!(devs[k]->available_nodes & (1 << DRM_NODE_RENDER)))
				continue;
			node = devs[k]->nodes[DRM_NODE_RENDER];
			sinan_sys_describe("drm", strrchr(node, '/') + 1, &i);
			if (devs[k]->bustype == DRM_BUS_PCI && !i.vendor_id) {
				i.vendor_id = devs[k]->deviceinfo.pci->vendor_id;
				i.device_id = devs[k]->deviceinfo.pci->device_id;
			}
			if (!is_sinan(&i))
				continue;
			snprintf(i.node, sizeof(i.node), "%s", node);
			out[n++] = i;
		}
		if (nd > 0)
			drmFreeDevices(devs, nd);
	} else {
		scan_dir("dri", "renderD", "drm", out, &n, max);
	}
	/* A device with an accel node is not listed twice. */
	for (uint32_t r = accel; r < n; r++) {
		for (uint32_t a = 0; a < accel; a++) {
			if (out[r].pci_slot[0] && !strcmp(out[r].pci_slot, out[a].pci_slot)) {
				out[r--] = out[--n];
				break;
			}
		}
	}
	qsort(out, accel, sizeof(*out), cmp_info);
	qsort(out + accel, n - accel, sizeof(*out), cmp_info);
	for (uint32_t k = 0; k < n; k++) {
		out[k].index = k;
		snprintf(out[k].backend, sizeof(out[k].backend), "drm");
	}
	return n;
}

static sinan_status drm_enumerate(struct sinan_device_info *infos, uint32_t cap, uint32_t *count)
{
	struct sinan_device_info all[64];
	uint32_t n = sinan_drm_scan(all, ARRAY_SIZE(all));
	sinan_status st = SINAN_OK;

	*count = n;
	for (uint32_t k = 0; k < n && k < cap && !st; k++)
		st = sinan_copy_out(&infos[k], &all[k], sizeof(all[k]), offsetof(struct sinan_device_info, index), "infos");
	return st;
}

/* ---- open ------------------------------------------------------------------------------- */

void sinan_group_name(gid_t gid, char *buf, size_t len)
{
	struct group *g = getgrgid(gid);

	if (g)
		snprintf(buf, len, "'%s' (gid %u)", g->gr_name, (unsigned int)gid);
	else
		snprintf(buf, len, "gid %u", (unsigned int)gid);
}

static sinan_status drm_open(struct sinan_device *dev, uint32_t index, const char *options)
{
	struct sinan_device_info all[64];
	uint32_t n = sinan_drm_scan(all, ARRAY_SIZE(all));
	char path[PATH_MAX];
	struct drm_dev *d;
	drmVersionPtr v;
	int fd;

	(void)options;
	if (!n)
		return sinan_error(SINAN_E_NO_DEVICE, "no Sinan NPU found (no /dev/accel/accel* or /dev/dri/renderD* "
				   "node of driver sinan): sinan_device_diagnose() or 'sinan-smi --diagnose' says why");
	if (index >= n)
		return sinan_error(SINAN_E_NO_DEVICE, "device index %u asked for, %u Sinan device%s found", index, n,
				   n == 1 ? "" : "s");
	snprintf(path, sizeof(path), "%s%s", sinan_sysroot(), all[index].node);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		struct stat st;
		char grp[96] = "?";

		if (err == EACCES || err == EPERM) {
			if (!stat(path, &st))
				sinan_group_name(st.st_gid, grp, sizeof(grp));
			return sinan_error_errno(SINAN_E_PERMISSION, err,
						 "%s: permission denied: the node belongs to group %s (mode %03o); add "
						 "this user to it (usermod -aG <group> $USER, then log in again)",
						 all[index].node, grp, (unsigned int)(st.st_mode & 0777));
		}
		return sinan_error_errno(err == ENOENT || err == ENXIO || err == ENODEV ? SINAN_E_NO_DEVICE : SINAN_E_IO,
					 err, "%s: %s", all[index].node, strerror(err));
	}
	v = drmGetVersion(fd);
	if (!v || strcmp(v->name, "sinan")) {
		sinan_status st = sinan_error(SINAN_E_NO_DEVICE, "%s is driven by '%s', not sinan", all[index].node,
					      v ? v->name : "(unknown)");

		if (v)
			drmFreeVersion(v);
		close(fd);
		return st;
	}
	drmFreeVersion(v);
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	}
	d->fd = fd;
	dev->be = d;
	snprintf(dev->props.name, sizeof(dev->props.name), "Sinan NPU");
	snprintf(dev->props.node, sizeof(dev->props.node), "%s", all[index].node);
	snprintf(dev->props.pci_slot, sizeof(dev->props.pci_slot), "%s", all[index].pci_slot);
	dev->props.vendor_id = all[index].vendor_id;
	dev->props.device_id = all[index].device_id;
	return SINAN_OK;
}

static void drm_close(struct sinan_device *dev)
{
	struct drm_dev *d = DRMDEV(dev);

	if (!d)
		return;
	close(d->fd);
	free(d);
	dev->be = NULL;
}

static int drm_ioctl(struct sinan_device *dev, unsigned long req, void *arg)
{
	return drmIoctl(DRMDEV(dev)->fd, req, arg) ? -errno : 0;
}

static int drm_mmap(struct sinan_device *dev, uint64_t offset, uint64_t len, void **ptr)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, DRMDEV(dev)->fd, (off_t)offset);

	if (p == MAP_FAILED)
		return -errno;
	*ptr = p;
	return 0;
}

static int drm_munmap(struct sinan_device *dev, void *ptr, uint64_t len)
{
	(void)dev;
	return munmap(ptr, len) ? -errno : 0;
}

const struct sinan_backend_ops sinan_backend_drm = {
	.name = "drm",
	.enumerate = drm_enumerate,
	.open = drm_open,
	.close = drm_close,
	.ioctl = drm_ioctl,
	.mmap = drm_mmap,
	.munmap = drm_munmap,
};
