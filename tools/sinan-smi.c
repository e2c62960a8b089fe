// SPDX-License-Identifier: MIT
/*
 * sinan-smi: what the Sinan NPUs of this machine are doing (in the spirit
 * of npu-smi and cnmon).
 *
 *   sinan-smi                 one block per device: identity, firmware,
 *                             configuration, memory, utilization, resets, queues
 *   sinan-smi -d N            only device N
 *   sinan-smi --diagnose      why a device does not open, and what to do
 *   sinan-smi --backend sim   the in-process simulator instead of the driver
 *   sinan-smi -i MS           utilization sampled over MS milliseconds (200)
 *
 * Utilization and resets come from the driver's sysfs attributes
 * (/sys/bus/pci/devices/<slot>/{busy_time_us,reset_count,mem_used}); the
 * queue table from debugfs when it is readable (root).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sinan/sinan.h>

static const char *sysroot(void)
{
	const char *r = getenv("SINAN_SYSROOT");

	return r ? r : "";
}

static int read_sys(const char *slot, const char *attr, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	if (!slot[0])
		return -1;
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/%s", sysroot(), slot, attr);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ver(char *buf, size_t len, uint32_t v)
{
	snprintf(buf, len, "%u.%u", v >> 16, v & 0xffff);
}

/* The driver's queue table (debugfs), if this user may read it. */
static void print_queues(const struct sinan_device_props *p)
{
	char path[256], line[512];
	const char *node = strrchr(p->node, '/');
	unsigned int minor = 0;
	FILE *f = NULL;

	if (!node)
		return;
	/* Named by PCI slot on recent kernels, by minor on older ones. */
	if (sscanf(node, "/accel%u", &minor) == 1 || sscanf(node, "/renderD%u", &minor) == 1) {
		const char *dir = node[1] == 'a' ? "accel" : "dri";

		snprintf(path, sizeof(path), "%s/sys/kernel/debug/%s/%s/queues", sysroot(), dir, p->pci_slot);
		f = fopen(path, "re");
		if (!f) {
			snprintf(path, sizeof(path), "%s/sys/kernel/debug/%s/%u/queues", sysroot(), dir, minor);
			f = fopen(path, "re");
		}
	}
	if (!f) {
		printf("  Queues             : (the driver's queue table needs root and debugfs)\n");
		return;
	}
	printf("  Queues             :\n");
	while (fgets(line, sizeof(line), f))
		printf("    %s", line);
	fclose(f);
}

static int show_device(uint32_t index, const char *backend, unsigned int interval_ms)
{
	struct sinan_open_options o = { .size = sizeof(o), .backend = backend, .index = index };
	struct sinan_device_props p = { .size = sizeof(p) };
	char a[32], b[32], c[32], busy0[64], busy1[64], resets[32], memu[32];
	sinan_device_t d;
	sinan_status st;
	double t0, t1;

	st = sinan_device_open(&o, &d);
	if (st) {
		printf("Device %u: cannot open: %s: %s\n  (sinan-smi --diagnose says why)\n", index,
		       sinan_strerror(st), sinan_last_error_message());
		return 1;
	}
	st = sinan_device_get_props(d, &p);
	if (st) {
		printf("Device %u: %s\n", index, sinan_last_error_message());
		sinan_device_close(d);
		return 1;
	}
	ver(a, sizeof(a), p.uapi_version);
	ver(b, sizeof(b), p.fw_api_version);
	ver(c, sizeof(c), p.isa_version);
	printf("Device %u: %s\n", index, p.name);
	printf("  Node               : %s (%s backend)\n", p.node, p.backend);
	if (p.pci_slot[0])
		printf("  PCI                : %s [%04x:%04x]\n", p.pci_slot, p.vendor_id, p.device_id);
	printf("  Hardware version   : %u.%u\n", p.hw_version >> 16, p.hw_version & 0xffff);
	printf("  Firmware           : %s (0x%06x), interface %s, features 0x%x, booted %u time%s, heartbeat %u\n",
	       p.fw_version_str, p.fw_version, b, p.fw_features, p.fw_boot_count, p.fw_boot_count == 1 ? "" : "s",
	       p.fw_heartbeat);
	printf("  Versions           : driver uAPI %s, ISA %s, runtime %u.%u.%u\n", a, c, p.runtime_version >> 16,
	       (p.runtime_version >> 8) & 0xff, p.runtime_version & 0xff);
	printf("  AI cores           : %u at %u MHz, cube %ux%ux%u, vector %u B/cycle\n", p.num_cores, p.clock_mhz,
	       p.cube_m, p.cube_n, p.cube_k, p.vec_bytes);
	printf("  Per-core buffers   : L1 %u KiB, L0A %u KiB, L0B %u KiB, L0C %u KiB, UB %u KiB\n", p.l1_size >> 10,
	       p.l0a_size >> 10, p.l0b_size >> 10, p.l0c_size >> 10, p.ub_size >> 10);
	printf("  Capabilities       :%s%s%s%s%s%s\n", p.caps & SINAN_DEVCAP_FP16 ? " fp16" : "",
	       p.caps & SINAN_DEVCAP_BF16 ? " bf16" : "", p.caps & SINAN_DEVCAP_INT8 ? " int8" : "",
	       p.caps & SINAN_DEVCAP_FP32_CUBE ? " fp32-cube" : "", p.caps & SINAN_DEVCAP_ECC ? " ecc" : "",
	       p.caps & SINAN_DEVCAP_DEBUG ? " debug" : "");
	printf("  Hardware queues    : %u\n", p.num_queues);
	printf("  Bandwidth          : device memory %u MB/s, host link %u MB/s per direction\n", p.devmem_bw_mbps,
	       p.hostlink_bw_mbps);
	if (read_sys(p.pci_slot, "mem_used", memu, sizeof(memu)))
		snprintf(memu, sizeof(memu), "%llu", (unsigned long long)p.devmem_used);
	printf("  Device memory      : %llu MiB used of %llu MiB\n", strtoull(memu, NULL, 0) >> 20,
	       (unsigned long long)(p.devmem_size >> 20));
	if (!read_sys(p.pci_slot, "busy_time_us", busy0, sizeof(busy0))) {
		t0 = now_s();
		usleep(interval_ms * 1000);
		t1 = now_s();
		if (!read_sys(p.pci_slot, "busy_time_us", busy1, sizeof(busy1))) {
			double busy = (strtoull(busy1, NULL, 0) - strtoull(busy0, NULL, 0)) / 1e6;

			printf("  Utilization        : %.1f %% of one queue over %u ms (busy time %s us in total)\n",
			       100.0 * busy / (t1 - t0), interval_ms, busy1);
		}
	} else {
		printf("  Utilization        : n/a (%s)\n", p.pci_slot[0] ? "no busy_time_us in sysfs" : "no driver");
	}
	if (read_sys(p.pci_slot, "reset_count", resets, sizeof(resets)))
		snprintf(resets, sizeof(resets), "%u", p.reset_count);
	printf("  Resets             : %s\n", resets);
	if (!strcmp(p.backend, "drm"))
		print_queues(&p);
	sinan_device_close(d);
	return 0;
}

static int diagnose(const char *backend, uint32_t index)
{
	struct sinan_open_options o = { .size = sizeof(o), .backend = backend, .index = index };
	struct sinan_diagnosis d = { .size = sizeof(d) };
	sinan_status st = sinan_device_diagnose(&o, &d);

	if (st) {
		fprintf(stderr, "sinan-smi: diagnose: %s\n", sinan_last_error_message());
		return 2;
	}
	printf("Diagnosis   : %s\n", sinan_diag_cause_name(d.cause));
	printf("What        : %s\n", d.message);
	printf("What to do  : %s\n", d.hint);
	if (d.log[0])
		printf("Kernel log  :\n%s", d.log);
	return d.cause == SINAN_DIAG_OK ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: sinan-smi [-d INDEX] [--backend drm|sim] [-i MS] [--diagnose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "backend", required_argument, NULL, 'b' },
		{ "interval", required_argument, NULL, 'i' },
		{ "diagnose", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = NULL;
	long dev = -1;
	unsigned int interval = 200;
	int c, do_diag = 0, rc = 0;
	uint32_t n = 0;

	while ((c = getopt_long(argc, argv, "d:b:i:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = strtol(optarg, NULL, 0); break;
		case 'b': backend = optarg; break;
		case 'i': interval = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'D': do_diag = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (do_diag)
		return diagnose(backend, dev < 0 ? 0 : (uint32_t)dev);
	if (sinan_device_enumerate(backend, NULL, 0, &n)) {
		fprintf(stderr, "sinan-smi: %s\n", sinan_last_error_message());
		return 2;
	}
	printf("sinan-smi (libsinan %u.%u.%u): %u device%s\n", SINAN_VERSION_MAJOR, SINAN_VERSION_MINOR,
	       SINAN_VERSION_PATCH, n, n == 1 ? "" : "s");
	if (!n) {
		printf("No Sinan NPU found. Why:\n");
		diagnose(backend, 0);
		return 1;
	}
	for (uint32_t i = 0; i < n; i++)
		if (dev < 0 || (uint32_t)dev == i)
			rc |= show_device(i, backend, interval);
	return rc;
}
