// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: firmware boot, heartbeat, mailbox and log
 * (docs/hw-spec.md, "Firmware"). The management firmware's behaviour is
 * modeled here; the image the driver loads is checked the way a boot ROM
 * would check it (magic, interface major, size, CRC-32) before anything runs.
 */
#include <stdio.h>
#include <string.h>

#include "emu_int.h"

#define HB_PERIOD_DEFAULT_NS	1000000ULL	/* one beat per modeled millisecond */

uint32_t emu_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

void emu_fw_reset_locked(struct sinan_emu *emu)
{
	emu->fw_status = SINAN_FW_STATUS_OFF;
	emu->fw_error = SINAN_FW_ERR_NONE;
	emu->fw_version = emu->fw_api = emu->fw_features = 0;
	emu->fw_log_addr = 0;
	emu->fw_log_size = emu->fw_log_wptr = 0;
	emu->fw_boot_addr = 0;
	emu->fw_hb_period_ns = HB_PERIOD_DEFAULT_NS;
	emu->fw_hb_frozen = 0;
	emu->mbox_cmd = emu->mbox_status = 0;
	memset(emu->mbox_arg, 0, sizeof(emu->mbox_arg));
	memset(emu->mbox_resp, 0, sizeof(emu->mbox_resp));
}

void emu_fw_log(struct sinan_emu *emu, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	int n;

	if (!emu->fw_log_size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	for (int i = 0; i < n; i++) {
		emu->devmem[emu->fw_log_addr + (emu->fw_log_wptr % emu->fw_log_size)] = (uint8_t)line[i];
		emu->fw_log_wptr++;
	}
}

static void boot_fail(struct sinan_emu *emu, uint32_t err, const char *why)
{
	emu->fw_status = SINAN_FW_STATUS_ERROR;
	emu->fw_error = err;
	emu_trace(emu, SINAN_TRACE_FW_BOOT, SINAN_FW_STATUS_ERROR, err, 0);
	emu_guest_error(emu, "sinan-npu: firmware boot at 0x%llx failed: %s",
			(unsigned long long)emu->fw_boot_addr, why);
	emu_global_cause_locked(emu, SINAN_CAUSE_FW_ERROR);
}

void emu_fw_boot_locked(struct sinan_emu *emu)
{
	struct sinan_fw_boot_hdr h;
	uint64_t addr = emu->fw_boot_addr;
	uint32_t crc;

	if (emu->fw_status == SINAN_FW_STATUS_READY || emu->fw_status == SINAN_FW_STATUS_BOOTING) {
		emu_guest_error(emu, "sinan-npu: FW_BOOT while the firmware runs (reset first)");
		return;
	}
	emu->fw_status = SINAN_FW_STATUS_BOOTING;
	if ((addr & 4095) || !emu_pa_ok(emu, addr, sizeof(h)))
		return boot_fail(emu, SINAN_FW_ERR_BAD_ADDR, "header misaligned or outside device memory");
	memcpy(&h, emu->devmem + addr, sizeof(h));
	if (h.magic != SINAN_FW_MAGIC)
		return boot_fail(emu, SINAN_FW_ERR_BAD_MAGIC, "bad magic");
	if (h.api_major != SINAN_FWIF_MAJOR)
		return boot_fail(emu, SINAN_FW_ERR_BAD_VERSION, "firmware-interface major not supported");
	if (h.hdr_size < sizeof(h) || h.image_size < h.hdr_size || h.image_size > SINAN_FW_MAX_SIZE ||
	    !emu_pa_ok(emu, addr, h.image_size) ||
	    (h.log_size && (h.log_offset < h.hdr_size || h.log_offset > h.image_size ||
			    h.log_size > h.image_size - h.log_offset)))
		return boot_fail(emu, SINAN_FW_ERR_BAD_SIZE, "image or log size out of range");
	{
		struct sinan_fw_boot_hdr z = h;

		z.crc32 = 0;
		crc = emu_crc32(0, &z, sizeof(z));
		crc = emu_crc32(crc, emu->devmem + addr + sizeof(h), h.image_size - sizeof(h));
	}
	if (crc != h.crc32)
		return boot_fail(emu, SINAN_FW_ERR_BAD_CRC, "CRC mismatch");

	emu->fw_status = SINAN_FW_STATUS_READY;
	emu->fw_version = h.fw_version;
	emu->fw_api = ((uint32_t)h.api_major << 16) | h.api_minor;
	emu->fw_features = h.features & (SINAN_FW_FEAT_HEARTBEAT | SINAN_FW_FEAT_LOG | SINAN_FW_FEAT_MBOX);
	emu->fw_log_addr = addr + h.log_offset;
	emu->fw_log_size = (uint32_t)h.log_size;
	emu->fw_log_wptr = 0;
	emu->fw_boot_ns = emu->ops->now_ns(emu->opaque);
	emu->fw_boots++;
	emu->status |= SINAN_STATUS_FW_READY;
	emu->status &= ~SINAN_STATUS_HALTED;
	h.version[sizeof(h.version) - 1] = 0;
	emu_fw_log(emu, "sinan-fw %s booted (interface %u.%u), boot %u", h.version, h.api_major,
		   h.api_minor, emu->fw_boots);
	emu_fw_log(emu, "chip: %u AI cores at %u MHz, %llu MiB device memory, %u queues",
		   emu->cfg.num_cores, emu->cfg.clock_mhz,
		   (unsigned long long)(emu->devmem_size >> 20), emu->cfg.num_queues);
	emu_trace(emu, SINAN_TRACE_FW_BOOT, SINAN_FW_STATUS_READY, h.fw_version, 0);
	emu_global_cause_locked(emu, SINAN_CAUSE_FW_READY);
}

uint32_t emu_fw_heartbeat_locked(struct sinan_emu *emu)
{
	if (emu->fw_status != SINAN_FW_STATUS_READY)
		return (uint32_t)emu->fw_hb_frozen;
	return (uint32_t)((emu->ops->now_ns(emu->opaque) - emu->fw_boot_ns) / emu->fw_hb_period_ns);
}

void emu_fw_crash_locked(struct sinan_emu *emu)
{
	if (emu->fw_status != SINAN_FW_STATUS_READY)
		return;
	emu->fw_hb_frozen = emu_fw_heartbeat_locked(emu);
	emu_fw_log(emu, "FATAL: firmware exception, halting");
	emu->fw_status = SINAN_FW_STATUS_CRASHED;
	emu->status &= ~SINAN_STATUS_FW_READY;
	emu->status |= SINAN_STATUS_HALTED;
	emu_queues_stop_all_locked(emu, SINAN_ERR_ABORTED, true);
	emu_global_cause_locked(emu, SINAN_CAUSE_FW_CRASH);
}

void emu_mbox_cmd_locked(struct sinan_emu *emu, uint32_t cmd)
{
	emu->mbox_cmd = cmd;
	memset(emu->mbox_resp, 0, sizeof(emu->mbox_resp));
	emu->mbox_status = SINAN_MBOX_ST_DONE;
	if (emu->fw_status != SINAN_FW_STATUS_READY) {
		emu->mbox_status = SINAN_MBOX_ST_ERROR;
		/* A dead firmware does not answer: no interrupt either. */
		return;
	}
	switch (cmd) {
	case SINAN_MBOX_CMD_PING:
		emu->mbox_resp[0] = emu->mbox_arg[0] + 1;
		break;
	case SINAN_MBOX_CMD_GET_INFO:
		emu->mbox_resp[0] = emu->fw_version;
		emu->mbox_resp[1] = emu->fw_api;
		emu->mbox_resp[2] = emu->fw_features;
		emu->mbox_resp[3] = emu->fw_boots;
		break;
	case SINAN_MBOX_CMD_SET_HB_PERIOD:
		if (emu->mbox_arg[0] < 10 || emu->mbox_arg[0] > 10000000) {
			emu->mbox_status = SINAN_MBOX_ST_ERROR;
			break;
		}
		emu->fw_hb_frozen = emu_fw_heartbeat_locked(emu);
		emu->fw_boot_ns = emu->ops->now_ns(emu->opaque) - emu->fw_hb_frozen * emu->mbox_arg[0] * 1000ULL;
		emu->fw_hb_period_ns = emu->mbox_arg[0] * 1000ULL;
		break;
	default:
		emu->mbox_status = SINAN_MBOX_ST_ERROR;
		emu_guest_error(emu, "sinan-npu: unknown mailbox command %u", cmd);
		break;
	}
	emu_global_cause_locked(emu, SINAN_CAUSE_MBOX);
}
