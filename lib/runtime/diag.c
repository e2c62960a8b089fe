// SPDX-License-Identifier: MIT
/*
 * libsinan: sinan_device_diagnose(), the answer to "device not found".
 *
 * Walks the chain a working device needs and stops at the first broken
 * link: a Sinan PCI function -> the sinan module loaded -> the device bound
 * to it (a failed probe is usually the firmware: the kernel log says which)
 * -> a device node -> permission to open it -> matching versions of driver,
 * firmware and runtime. Each verdict carries the facts found and what to do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sinan_hw/sinan_regs.h>

#include "sinan_int.h"
#include "sinan_sys.h"

const char *sinan_sysroot(void)
{
	const char *r = getenv("SINAN_SYSROOT");

	return r ? r : "";
}

SINAN_API const char *sinan_diag_cause_name(uint32_t cause)
{
	static const char *const n[SINAN_DIAG_COUNT] = {
		[SINAN_DIAG_OK] = "ok",
		[SINAN_DIAG_NO_PCI_DEVICE] = "no PCI device",
		[SINAN_DIAG_DRIVER_NOT_LOADED] = "driver not loaded",
		[SINAN_DIAG_DRIVER_NOT_BOUND] = "driver not bound",
		[SINAN_DIAG_FIRMWARE_MISSING] = "firmware missing",
		[SINAN_DIAG_FIRMWARE_FAILED] = "firmware failed",
		[SINAN_DIAG_NO_DEVICE_NODE] = "no device node",
		[SINAN_DIAG_PERMISSION] = "permission",
		[SINAN_DIAG_VERSION_SKEW] = "version skew",
		[SINAN_DIAG_OPEN_FAILED] = "open failed",
		[SINAN_DIAG_NO_SUCH_INDEX] = "no such index",
	};

	return cause < SINAN_DIAG_COUNT ? n[cause] : "unknown";
}

static void verdict(struct sinan_diagnosis *d, uint32_t cause, sinan_status st, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void verdict(struct sinan_diagnosis *d, uint32_t cause, sinan_status st, const char *hint, const char *fmt, ...)
{
	va_list ap;

	d->cause = cause;
	d->status = st;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	snprintf(d->hint, sizeof(d->hint), "%s", hint);
}

static const char version_hint[] =
	"Install a driver, firmware and libsinan from the same release (their uAPI and firmware-interface "
	"majors must match); versions are checked here, at open, not at first use.";

struct pci_fn {
	char slot[32];
	char driver[32];
};

/* Sinan functions on the PCI bus. */
static unsigned int pci_scan(struct pci_fn *out, unsigned int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", sinan_sysroot());
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		char p[PATH_MAX], link[PATH_MAX];
		unsigned int v = 0, id = 0;
		FILE *f;
		ssize_t l;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s/vendor", path, de->d_name) >= (int)sizeof(p))
			continue;
		if ((f = fopen(p, "re"))) {
			if (fscanf(f, "%x", &v) != 1)
				v = 0;
			fclose(f);
		}
		if (snprintf(p, sizeof(p), "%s/%s/device", path, de->d_name) >= (int)sizeof(p))
			continue;
		if ((f = fopen(p, "re"))) {
			if (fscanf(f, "%x", &id) != 1)
				id = 0;
			fclose(f);
		}
		if (v != SINAN_PCI_VENDOR_ID || id != SINAN_PCI_DEVICE_ID)
			continue;
		strcopy(out[n].slot, sizeof(out[n].slot), de->d_name);
		out[n].driver[0] = 0;
		if (snprintf(p, sizeof(p), "%s/%s/driver", path, de->d_name) >= (int)sizeof(p))
			continue;
		l = readlink(p, link, sizeof(link) - 1);
		if (l > 0) {
			link[l] = 0;
			strcopy(out[n].driver, sizeof(out[n].driver), strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
		}
		n++;
	}
	closedir(dir);
	return n;
}

static bool path_exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", sinan_sysroot(), rel);
	return !stat(p, &st);
}

/*
 * Kernel log lines that mention sinan, newest last, into @buf. The log is
 * /dev/kmsg (records "prio,seq,time,flags;text"); reading it may need
 * CAP_SYSLOG (dmesg_restrict): then @buf says so.
 */
static void kernel_log(char *buf, size_t len)
{
	char path[PATH_MAX], rec[2048], *all = NULL;
	size_t all_len = 0, used = 0;
	int fd;

	buf[0] = 0;
	snprintf(path, sizeof(path), "%s/dev/kmsg", sinan_sysroot());
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, len, "(kernel log not readable: %s%s)", strerror(errno),
			 errno == EPERM || errno == EACCES ? "; run 'dmesg | grep sinan' as root" : "");
		return;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *nl;

		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten while reading */
		if (n <= 0)
			break;
		nl = realloc(all, all_len + (size_t)n + 1);
		if (!nl)
			break;
		all = nl;
		memcpy(all + all_len, rec, (size_t)n);
		all_len += (size_t)n;
		all[all_len] = 0;
	}
	close(fd);
	if (!all)
		return;
	/* Keep the last lines that mention sinan (they end up at the end of buf). */
	for (char *line = all, *next; line && *line; line = next) {
		char *text;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		text = strchr(line, ';');
		text = text ? text + 1 : line;
		/* The driver's own lines: "sinan 0000:00:04.0: ...", "sinan: ...", firmware names. */
		if (strncmp(text, "sinan ", 6) && strncmp(text, "sinan:", 6) && !strstr(text, "sinan.ko") &&
		    !strstr(text, "sinan_fw") && !strstr(text, "sinan/"))
			continue;
		while (used + strlen(text) + 2 > len && used) {
			char *first = strchr(buf, '\n');
			size_t drop = first ? (size_t)(first - buf) + 1 : used;

			memmove(buf, buf + drop, used - drop + 1);
			used -= drop;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s\n", text);
		if (used >= len)
			used = len - 1;
	}
	free(all);
}

static bool log_says(const char *log, const char *a, const char *b)
{
	for (const char *line = log; line && *line;) {
		const char *end = strchr(line, '\n');
		char tmp[512];
		size_t n = end ? (size_t)(end - line) : strlen(line);

		snprintf(tmp, sizeof(tmp), "%.*s", (int)MIN(n, sizeof(tmp) - 1), line);
		for (char *c = tmp; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		if (strstr(tmp, a) && (!b || strstr(tmp, b)))
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

static void user_groups(char *buf, size_t len)
{
	gid_t g[64];
	int n = getgroups(64, g);
	size_t used = 0;

	buf[0] = 0;
	used += (size_t)snprintf(buf, len, "uid %u, groups", (unsigned int)geteuid());
	for (int i = 0; i < n && used < len; i++) {
		char name[96];

		sinan_group_name(g[i], name, sizeof(name));
		used += (size_t)snprintf(buf + used, len - used, " %s", name);
	}
	if (n <= 0 && used < len)
		snprintf(buf + used, len - used, " (none)");
}

static void diagnose_drm(const struct sinan_open_options *o, struct sinan_diagnosis *d)
{
	struct pci_fn fns[16];
	unsigned int nfn = pci_scan(fns, ARRAY_SIZE(fns)), bound = 0;
	struct sinan_device_info nodes[64];
	uint32_t nnodes;
	struct sinan_device *dev;
	const char *fw = "/lib/firmware/sinan/sinan_fw.elf";
	sinan_status st;

	kernel_log(d->log, sizeof(d->log));
	if (!nfn) {
		verdict(d, SINAN_DIAG_NO_PCI_DEVICE, SINAN_E_NO_DEVICE,
			"Check 'lspci -nn -d 1234:51a0'. In the emulated machine the device is '-device sinan-npu' "
			"(tools/sinan-vm adds it); on real hardware check the card's seating and power.",
			"no Sinan NPU on the PCI bus (no function with vendor 0x%04x, device 0x%04x under %s/sys/bus/pci/devices)",
			SINAN_PCI_VENDOR_ID, SINAN_PCI_DEVICE_ID, sinan_sysroot());
		return;
	}
	for (unsigned int i = 0; i < nfn; i++)
		bound += !strcmp(fns[i].driver, "sinan");
	if (!bound) {
		if (!path_exists("/sys/module/sinan")) {
			verdict(d, SINAN_DIAG_DRIVER_NOT_LOADED, SINAN_E_NO_DEVICE,
				"Load the driver: 'modprobe sinan' (or 'insmod sinan.ko' from build/kmod/<kernel>/); "
				"if that fails, 'dmesg | grep sinan' says why.",
				"%u Sinan NPU%s on the PCI bus (%s), but the sinan kernel module is not loaded "
				"(no /sys/module/sinan)", nfn, nfn > 1 ? "s" : "", fns[0].slot);
			return;
		}
		if (fns[0].driver[0]) {
			verdict(d, SINAN_DIAG_DRIVER_NOT_BOUND, SINAN_E_NO_DEVICE,
				"Unbind the other driver (echo <slot> > /sys/bus/pci/drivers/<driver>/unbind) and bind "
				"sinan (echo <slot> > /sys/bus/pci/drivers/sinan/bind).",
				"the Sinan NPU at %s is bound to driver '%s', not sinan", fns[0].slot, fns[0].driver);
			return;
		}
		if (!path_exists(fw) || log_says(d->log, "firmware", "not found") ||
		    log_says(d->log, "firmware", "missing") || log_says(d->log, "direct firmware load", NULL)) {
			verdict(d, SINAN_DIAG_FIRMWARE_MISSING, SINAN_E_FIRMWARE,
				"Install the firmware as /lib/firmware/sinan/sinan_fw.elf ('make firmware' builds it in "
				"build/fw/), then reload the driver: 'rmmod sinan; modprobe sinan'.",
				"the sinan driver is loaded but did not take the device at %s: its firmware %s%s",
				fns[0].slot, !path_exists(fw) ? "is missing: no " : "could not be loaded (kernel log)",
				!path_exists(fw) ? fw : "");
			return;
		}
		if (log_says(d->log, "firmware", NULL) || log_says(d->log, "crc", NULL) || log_says(d->log, "boot", NULL)) {
			verdict(d, SINAN_DIAG_FIRMWARE_FAILED, SINAN_E_FIRMWARE,
				"The device refused the firmware (see the kernel log lines): install a firmware image "
				"built for this driver (firmware interface major must match), then reload the driver.",
				"the sinan driver could not start the device at %s: its firmware failed to boot", fns[0].slot);
			return;
		}
		verdict(d, SINAN_DIAG_DRIVER_NOT_BOUND, SINAN_E_NO_DEVICE,
			"The driver's probe failed: see 'dmesg | grep sinan' (below, if readable).",
			"the sinan driver is loaded but has no device: probing %s failed", fns[0].slot);
		return;
	}
	nnodes = sinan_drm_scan(nodes, ARRAY_SIZE(nodes));
	if (!nnodes) {
		verdict(d, SINAN_DIAG_NO_DEVICE_NODE, SINAN_E_NO_DEVICE,
			"The kernel made the device but /dev has no node for it: check that devtmpfs is mounted on "
			"/dev and that udev runs (udevadm trigger); the driver's udev rule is 70-sinan.rules.",
			"the sinan driver runs the device at %s but there is no /dev/accel/accel* or /dev/dri/renderD* "
			"node for it", fns[0].slot);
		return;
	}
	if (o->index >= nnodes) {
		verdict(d, SINAN_DIAG_NO_SUCH_INDEX, SINAN_E_NO_DEVICE,
			"Use an index below the number of devices (SINAN_DEVICE, sinan_open_options.index).",
			"device index %u asked for, %u Sinan device%s found", o->index, nnodes, nnodes == 1 ? "" : "s");
		return;
	}
	{
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "%s%s", sinan_sysroot(), nodes[o->index].node);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EPERM)) {
			struct stat sb;
			char grp[96] = "?", mine[400];
			struct group *g = getgrnam("sinan");
			bool is_sinan_group = false;

			if (!stat(path, &sb)) {
				sinan_group_name(sb.st_gid, grp, sizeof(grp));
				is_sinan_group = g && g->gr_gid == sb.st_gid;
			}
			user_groups(mine, sizeof(mine));
			verdict(d, SINAN_DIAG_PERMISSION, SINAN_E_PERMISSION,
				is_sinan_group || !g ?
				"Add yourself to the group that owns the node: 'sudo usermod -aG sinan $USER', then log out "
				"and in again (the driver's udev rule gives the node to group sinan, mode 0660). No root needed "
				"after that." :
				"The node is not in group 'sinan': install the driver's udev rule (70-sinan.rules) and run "
				"'udevadm trigger', then join group sinan ('sudo usermod -aG sinan $USER') and log in again.",
				"%s exists but this user may not open it: it belongs to group %s with mode %03o; you are %s",
				nodes[o->index].node, grp, (unsigned int)(sb.st_mode & 0777), mine);
			return;
		}
		if (fd >= 0)
			close(fd);
	}
	st = device_open_internal(o, &dev);
	if (!st) {
		verdict(d, SINAN_DIAG_OK, SINAN_OK, "Nothing to do.",
			"%s (%s) opens: driver uAPI %u.%u, firmware %s (interface %u.%u), ISA %u.%u, %u cores, %llu MiB",
			dev->props.node, dev->props.pci_slot, dev->props.uapi_version >> 16, dev->props.uapi_version & 0xffff,
			dev->props.fw_version_str, dev->props.fw_api_version >> 16, dev->props.fw_api_version & 0xffff,
			dev->props.isa_version >> 16, dev->props.isa_version & 0xffff, dev->props.num_cores,
			(unsigned long long)(dev->props.devmem_size >> 20));
		device_close_internal(dev);
		return;
	}
	if (st == SINAN_E_VERSION_MISMATCH)
		verdict(d, SINAN_DIAG_VERSION_SKEW, st, version_hint, "%s", sinan_error_tls()->message);
	else
		verdict(d, SINAN_DIAG_OPEN_FAILED, st, "See the message and the kernel log.", "%s: %s",
			sinan_strerror(st), sinan_error_tls()->message);
}

static void diagnose_sim(const struct sinan_open_options *o, struct sinan_diagnosis *d)
{
	struct sinan_device *dev;
	sinan_status st = device_open_internal(o, &dev);

	if (!st) {
		verdict(d, SINAN_DIAG_OK, SINAN_OK, "Nothing to do.",
			"the simulated device opens: %u cores, %llu MiB, firmware %s (interface %u.%u)",
			dev->props.num_cores, (unsigned long long)(dev->props.devmem_size >> 20), dev->props.fw_version_str,
			dev->props.fw_api_version >> 16, dev->props.fw_api_version & 0xffff);
		device_close_internal(dev);
		return;
	}
	if (st == SINAN_E_VERSION_MISMATCH)
		verdict(d, SINAN_DIAG_VERSION_SKEW, st, version_hint, "%s", sinan_error_tls()->message);
	else if (st == SINAN_E_FIRMWARE)
		verdict(d, strstr(sinan_error_tls()->message, "cannot open") ? SINAN_DIAG_FIRMWARE_MISSING :
			SINAN_DIAG_FIRMWARE_FAILED, st,
			"Point the simulator at a valid image (SINAN_SIM=firmware=PATH; 'make firmware' builds one) or "
			"leave firmware unset to use the built-in boot header.", "%s", sinan_error_tls()->message);
	else if (st == SINAN_E_NO_DEVICE)
		verdict(d, SINAN_DIAG_NO_SUCH_INDEX, st, "The simulator has one device: index 0.", "%s",
			sinan_error_tls()->message);
	else
		verdict(d, SINAN_DIAG_OPEN_FAILED, st, "See the message.", "%s", sinan_error_tls()->message);
}

SINAN_API sinan_status sinan_device_diagnose(const struct sinan_open_options *opts, struct sinan_diagnosis *diag)
{
	struct sinan_diagnosis d = { .size = sizeof(d) };
	struct sinan_open_options o;
	const struct sinan_backend_ops *ops;
	sinan_status st;

	API_ENTER();
	CHECK_ARG(diag && diag->size >= offsetof(struct sinan_diagnosis, cause) + sizeof(uint32_t),
		  "diag is NULL or diag->size is not sizeof(struct sinan_diagnosis)");
	st = device_resolve_options(opts, &o);
	if (st)
		return st;
	ops = sinan_backend_find(o.backend);
	if (!ops)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "unknown backend '%s': use drm or sim", o.backend);
	o.backend = ops->name;
	if (ops == &sinan_backend_sim)
		diagnose_sim(&o, &d);
	else
		diagnose_drm(&o, &d);
	st = COPY_OUT(diag, d, cause);
	/* The diagnosis is the result: the thread's error record stays clean. */
	if (!st)
		sinan_error_tls()->status = SINAN_OK, sinan_error_tls()->message[0] = 0;
	return st;
}
