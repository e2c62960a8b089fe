// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Firmware loading and boot (include/sinan_hw/sinan_fw_if.h).
 *
 * The image is checked completely before anything is written to the
 * device, so that a bad file fails probe with one message saying what is
 * wrong and where, instead of a boot timeout.
 */
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/iopoll.h>
#include <linux/seq_file.h>

#include "sinan_compat.h"
#include "sinan_drv.h"
#include "sinan_fw.h"
#include "sinan_hw.h"

#define SINAN_FW_MAX_PHDRS	16
#define SINAN_MBOX_TIMEOUT_US	100000
#define SINAN_HB_STALL_CHECKS	2

/*
 * The image is little-endian: structures are copied out of the file (its
 * offsets need not be aligned) and each field converted on use.
 */
static u64 le16f(u16 v)
{
	return le16_to_cpu((__force __le16)v);
}

static u64 le32f(u32 v)
{
	return le32_to_cpu((__force __le32)v);
}

static u64 le64f(u64 v)
{
	return le64_to_cpu((__force __le64)v);
}

#define sinan_fw_err(sdev, fmt, ...) \
	sinan_err(sdev, "firmware " SINAN_FW_NAME ": " fmt, ##__VA_ARGS__)

/* One message per defect: what is wrong, and where. */
#define fw_reject(sdev, fmt, ...) ({				\
	sinan_fw_err(sdev, fmt, ##__VA_ARGS__);			\
	-EINVAL;						\
})

/* Find the SINAN_NOTE_FW note in a PT_NOTE segment; 0 if absent. */
static int sinan_fw_find_note(struct sinan_device *sdev, const u8 *seg, u64 size, u64 file_off,
			      struct sinan_fw_note *note)
{
	struct elf64_note nh;
	u64 pos = 0;

	while (size - pos >= sizeof(nh)) {
		u64 namesz, descsz, name_off, desc_off;

		memcpy(&nh, seg + pos, sizeof(nh));
		namesz = le32f(nh.n_namesz);
		descsz = le32f(nh.n_descsz);
		name_off = pos + sizeof(nh);
		desc_off = name_off + ALIGN(namesz, 4);
		if (desc_off > size || ALIGN(descsz, 4) > size - desc_off)
			return fw_reject(sdev, "note at file offset 0x%llx overruns its segment",
					 file_off + pos);
		if (namesz == sizeof(SINAN_NOTE_NAME) && le32f(nh.n_type) == SINAN_NOTE_FW &&
		    !memcmp(seg + name_off, SINAN_NOTE_NAME, sizeof(SINAN_NOTE_NAME))) {
			if (descsz < sizeof(*note))
				return fw_reject(sdev,
						 "SINAN_NOTE_FW at file offset 0x%llx is %llu bytes, expected %zu",
						 file_off + pos, descsz, sizeof(*note));
			memcpy(note, seg + desc_off, sizeof(*note));
			return 1;
		}
		pos = desc_off + ALIGN(descsz, 4);
	}
	return 0;
}

/* Check a PT_LOAD segment and remember it. */
static int sinan_fw_add_seg(struct sinan_device *sdev, unsigned int i, u64 off, u64 filesz,
			    u64 paddr, u64 memsz)
{
	struct sinan_fw_info *fw = &sdev->fw;

	if (filesz > memsz || paddr >= SINAN_FW_RESERVED || memsz > SINAN_FW_RESERVED - paddr)
		return fw_reject(sdev,
				 "segment %u loads 0x%llx bytes at device address 0x%llx, outside the firmware area 0..0x%x",
				 i, memsz, paddr, SINAN_FW_RESERVED);
	if (fw->nsegs == SINAN_FW_MAX_SEGS)
		return fw_reject(sdev, "more than %u loadable segments", SINAN_FW_MAX_SEGS);
	fw->segs[fw->nsegs].offset = off;
	fw->segs[fw->nsegs].filesz = filesz;
	fw->segs[fw->nsegs].paddr = paddr;
	fw->segs[fw->nsegs].memsz = memsz;
	fw->nsegs++;
	return 0;
}

/* Check the ELF container: header, program headers, segments, note. */
static int sinan_fw_parse_elf(struct sinan_device *sdev, const u8 *data, size_t size,
			      struct sinan_fw_note *note)
{
	u64 phoff, phentsize, phnum, machine, type;
	struct elf64_phdr ph;
	struct elf64_hdr eh;
	bool have_note = false;
	unsigned int i;
	int ret;

	if (size < sizeof(eh))
		return fw_reject(sdev, "%zu bytes is too small for an ELF header", size);
	memcpy(&eh, data, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return fw_reject(sdev, "not an ELF file (bad magic at offset 0)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return fw_reject(sdev, "ELF class %u at offset %u, expected ELFCLASS64",
				 eh.e_ident[EI_CLASS], EI_CLASS);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fw_reject(sdev, "ELF data encoding %u at offset %u, expected little-endian",
				 eh.e_ident[EI_DATA], EI_DATA);
	type = le16f(eh.e_type);
	if (type != ET_EXEC)
		return fw_reject(sdev, "ELF type %llu, expected ET_EXEC", type);
	machine = le16f(eh.e_machine);
	if (machine != SINAN_ELF_MACHINE)
		return fw_reject(sdev, "e_machine 0x%llx, expected 0x%x (Sinan)", machine,
				 SINAN_ELF_MACHINE);

	phoff = le64f(eh.e_phoff);
	phentsize = le16f(eh.e_phentsize);
	phnum = le16f(eh.e_phnum);
	if (phentsize != sizeof(ph) || !phnum || phnum > SINAN_FW_MAX_PHDRS)
		return fw_reject(sdev, "%llu program headers of %llu bytes, expected 1..%u of %zu",
				 phnum, phentsize, SINAN_FW_MAX_PHDRS, sizeof(ph));
	if (phoff > size || phnum * phentsize > size - phoff)
		return fw_reject(sdev,
				 "program headers at 0x%llx..0x%llx beyond the end of the file (%zu bytes)",
				 phoff, phoff + phnum * phentsize, size);

	sdev->fw.nsegs = 0;
	for (i = 0; i < phnum; i++) {
		u64 off, filesz;

		memcpy(&ph, data + phoff + i * phentsize, sizeof(ph));
		type = le32f(ph.p_type);
		off = le64f(ph.p_offset);
		filesz = le64f(ph.p_filesz);
		if (type != PT_LOAD && type != PT_NOTE)
			continue;
		if (off > size || filesz > size - off)
			return fw_reject(sdev,
					 "segment %u (file 0x%llx..0x%llx) beyond the end of the file (%zu bytes): truncated?",
					 i, off, off + filesz, size);
		if (type == PT_LOAD) {
			ret = sinan_fw_add_seg(sdev, i, off, filesz, le64f(ph.p_paddr),
					       le64f(ph.p_memsz));
		} else {
			ret = sinan_fw_find_note(sdev, data + off, filesz, off, note);
			have_note |= ret > 0;
		}
		if (ret < 0)
			return ret;
	}
	if (!sdev->fw.nsegs)
		return fw_reject(sdev, "no loadable segment");
	if (!have_note)
		return fw_reject(sdev, "no SINAN_NOTE_FW note (not a Sinan firmware image)");
	return 0;
}

/* Check the note and the boot header at the start of the first segment. */
static int sinan_fw_parse_hdr(struct sinan_device *sdev, const u8 *data,
			      const struct sinan_fw_note *note)
{
	struct sinan_fw_info *fw = &sdev->fw;
	const struct sinan_fw_seg *seg = &fw->segs[0];
	struct sinan_fw_boot_hdr hdr;
	u64 major, minor, magic, hdr_size, image_size;
	u32 crc, want;
	unsigned int i;

	magic = le32f(note->magic);
	major = le16f(note->api_major);
	minor = le16f(note->api_minor);
	if (magic != SINAN_FW_MAGIC)
		return fw_reject(sdev, "note magic 0x%08llx, expected 0x%08x", magic,
				 SINAN_FW_MAGIC);
	if (major != SINAN_FWIF_MAJOR)
		return fw_reject(sdev, "firmware interface %llu.%llu, this driver supports %u.x",
				 major, minor, SINAN_FWIF_MAJOR);

	if (seg->filesz < sizeof(hdr))
		return fw_reject(sdev, "first segment holds %llu bytes, less than the boot header",
				 seg->filesz);
	if (!IS_ALIGNED(seg->paddr, SINAN_PAGE_SIZE))
		return fw_reject(sdev, "boot header at device address 0x%llx is not 4 KiB aligned",
				 seg->paddr);
	memcpy(&hdr, data + seg->offset, sizeof(hdr));
	magic = le32f(hdr.magic);
	if (magic != SINAN_FW_MAGIC)
		return fw_reject(sdev,
				 "boot header magic 0x%08llx at file offset 0x%llx, expected 0x%08x",
				 magic, seg->offset, SINAN_FW_MAGIC);
	if (le16f(hdr.api_major) != major)
		return fw_reject(sdev, "boot header says interface %llu, the note %llu",
				 le16f(hdr.api_major), major);
	hdr_size = le32f(hdr.hdr_size);
	image_size = le64f(hdr.image_size);
	if (hdr_size < sizeof(hdr) || image_size < hdr_size || image_size > SINAN_FW_MAX_SIZE)
		return fw_reject(sdev, "boot header sizes out of range (header %llu, image %llu)",
				 hdr_size, image_size);
	if (image_size > seg->filesz)
		return fw_reject(sdev,
				 "truncated: the boot header covers %llu bytes, the file holds %llu at offset 0x%llx",
				 image_size, seg->filesz, seg->offset);
	for (i = 0; i < ARRAY_SIZE(hdr.rsvd); i++)
		if (hdr.rsvd[i])
			return fw_reject(sdev, "boot header reserved word %u is not zero", i);

	/* IEEE 802.3 CRC-32 of the image, with the CRC field taken as zero. */
	want = le32f(hdr.crc32);
	hdr.crc32 = 0;
	crc = crc32_le(~0U, (const u8 *)&hdr, sizeof(hdr));
	crc = ~crc32_le(crc, data + seg->offset + sizeof(hdr), image_size - sizeof(hdr));
	if (crc != want)
		return fw_reject(sdev,
				 "CRC-32 mismatch over file offsets 0x%llx..0x%llx: computed 0x%08x, header says 0x%08x",
				 seg->offset, seg->offset + image_size, crc, want);

	fw->boot_addr = seg->paddr;
	fw->api_version = (u32)(major << 16 | minor);
	fw->features = le32f(note->features);
	fw->version = le32f(note->fw_version);
	memcpy(fw->version_str, note->version, sizeof(fw->version_str));
	fw->version_str[sizeof(fw->version_str) - 1] = '\0';
	return 0;
}

static void sinan_fw_load(struct sinan_device *sdev)
{
	const struct sinan_fw_info *fw = &sdev->fw;
	unsigned int i;

	for (i = 0; i < fw->nsegs; i++) {
		const struct sinan_fw_seg *seg = &fw->segs[i];

		memcpy_toio(sdev->devmem + seg->paddr, fw->file->data + seg->offset, seg->filesz);
		memset_io(sdev->devmem + seg->paddr + seg->filesz, 0, seg->memsz - seg->filesz);
	}
	/* The boot ROM reads the image as soon as FW_BOOT is written. */
	wmb();
}

static const char * const sinan_fw_err_names[] = {
	[SINAN_FW_ERR_NONE] = "no error",
	[SINAN_FW_ERR_BAD_ADDR] = "boot header address invalid",
	[SINAN_FW_ERR_BAD_MAGIC] = "bad magic",
	[SINAN_FW_ERR_BAD_VERSION] = "interface version not supported",
	[SINAN_FW_ERR_BAD_SIZE] = "image or log size out of range",
	[SINAN_FW_ERR_BAD_CRC] = "CRC mismatch",
};

/* Copy the image to device memory, start it and wait until it is ready. */
int sinan_fw_boot(struct sinan_device *sdev)
{
	struct sinan_fw_info *fw = &sdev->fw;
	u32 status, err, api;
	int ret;

	sinan_fw_load(sdev);
	sinan_wr64(sdev, SINAN_REG_FW_BOOT_ADDR, fw->boot_addr);
	sinan_wr32(sdev, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO);
	ret = readl_poll_timeout(sdev->regs + SINAN_REG_FW_STATUS, status,
				 status == SINAN_FW_STATUS_READY || status == SINAN_FW_STATUS_ERROR,
				 100, sinan_fw_boot_timeout_ms * USEC_PER_MSEC);
	if (ret) {
		sinan_fw_err(sdev, "not ready %u ms after boot (status %u)\n",
			     sinan_fw_boot_timeout_ms, status);
		return -ETIMEDOUT;
	}
	if (status == SINAN_FW_STATUS_ERROR) {
		err = sinan_rd32(sdev, SINAN_REG_FW_ERROR);
		sinan_fw_err(sdev, "the device refused to boot it: %s (FW_ERROR %u)\n",
			     err < ARRAY_SIZE(sinan_fw_err_names) ? sinan_fw_err_names[err] : "?",
			     err);
		return -EIO;
	}
	api = sinan_rd32(sdev, SINAN_REG_FW_API_VERSION);
	if (SINAN_VER_MAJOR(SINAN_REG_FW_API_VERSION, api) != SINAN_FWIF_MAJOR) {
		sinan_fw_err(sdev, "booted firmware reports interface %u.%u, driver supports %u.x\n",
			     SINAN_VER_MAJOR(SINAN_REG_FW_API_VERSION, api),
			     SINAN_VER_MINOR(SINAN_REG_FW_API_VERSION, api), SINAN_FWIF_MAJOR);
		return -EIO;
	}
	fw->api_version = api;
	fw->version = sinan_rd32(sdev, SINAN_REG_FW_VERSION);
	fw->features = sinan_rd32(sdev, SINAN_REG_FW_FEATURES);
	fw->log_addr = sinan_rd64(sdev, SINAN_REG_FW_LOG_ADDR);
	fw->log_size = sinan_rd32(sdev, SINAN_REG_FW_LOG_SIZE);
	if (fw->log_size && (fw->log_addr >= SINAN_FW_RESERVED ||
			     fw->log_size > SINAN_FW_RESERVED - fw->log_addr))
		fw->log_size = 0;	/* never read outside the firmware area */
	fw->hb_last = sinan_fw_heartbeat(sdev);
	fw->hb_stalls = 0;

	if (fw->features & SINAN_FW_FEAT_MBOX) {
		u32 arg = 0x5a5a0000, resp[4];

		ret = sinan_mbox_cmd(sdev, SINAN_MBOX_CMD_PING, &arg, 1, resp);
		if (!ret && resp[0] != arg + 1)
			ret = -EIO;
		if (ret) {
			sinan_err(sdev, "firmware does not answer the mailbox: %d\n", ret);
			return ret;
		}
		ret = sinan_mbox_cmd(sdev, SINAN_MBOX_CMD_GET_INFO, NULL, 0, resp);
		if (ret)
			return ret;
		fw->boot_count = resp[3];
	} else {
		fw->boot_count++;
	}
	sinan_dbg(sdev, FW, "firmware booted at 0x%llx, boot %u\n", fw->boot_addr, fw->boot_count);
	return 0;
}

int sinan_fw_init(struct sinan_device *sdev)
{
	struct sinan_fw_info *fw = &sdev->fw;
	struct sinan_fw_note note;
	int ret;

	mutex_init(&fw->mbox_lock);
	/* One message of our own instead of the loader's generic one. */
	ret = firmware_request_nowarn(&fw->file, SINAN_FW_NAME, sdev->drm.dev);
	if (ret) {
		sinan_fw_err(sdev, "not found (%d): install it under /lib/firmware\n", ret);
		return ret;
	}
	ret = sinan_fw_parse_elf(sdev, fw->file->data, fw->file->size, &note);
	if (!ret)
		ret = sinan_fw_parse_hdr(sdev, fw->file->data, &note);
	if (!ret)
		ret = sinan_fw_boot(sdev);
	if (ret) {
		release_firmware(fw->file);
		fw->file = NULL;
		return ret;
	}
	sinan_info(sdev, "firmware %s (version %u.%u.%u, interface %u.%u, features 0x%x), boot %u\n",
		   fw->version_str,
		   (u32)SINAN_FLD_GET(SINAN_REG_FW_VERSION, MAJOR, fw->version),
		   (u32)SINAN_FLD_GET(SINAN_REG_FW_VERSION, MINOR, fw->version),
		   (u32)SINAN_FLD_GET(SINAN_REG_FW_VERSION, PATCH, fw->version),
		   SINAN_VER_MAJOR(SINAN_REG_FW_API_VERSION, fw->api_version),
		   SINAN_VER_MINOR(SINAN_REG_FW_API_VERSION, fw->api_version),
		   fw->features, fw->boot_count);
	return 0;
}

void sinan_fw_fini(struct sinan_device *sdev)
{
	release_firmware(sdev->fw.file);
	sdev->fw.file = NULL;
}

/* ---- mailbox ------------------------------------------------------------- */

int sinan_mbox_cmd(struct sinan_device *sdev, u32 cmd, const u32 *args, unsigned int nargs,
		   u32 *resp)
{
	unsigned int i;
	u32 status;
	int ret;

	if (nargs > 4)
		return -EINVAL;
	mutex_lock(&sdev->fw.mbox_lock);
	for (i = 0; i < 4; i++)
		sinan_wr32(sdev, SINAN_REG_MBOX_ARG(i), i < nargs ? args[i] : 0);
	sinan_wr32(sdev, SINAN_REG_MBOX_CMD, cmd);
	ret = readl_poll_timeout(sdev->regs + SINAN_REG_MBOX_STATUS, status,
				 status != SINAN_MBOX_ST_BUSY, 10, SINAN_MBOX_TIMEOUT_US);
	if (!ret && status != SINAN_MBOX_ST_DONE)
		ret = -EIO;
	if (!ret && resp)
		for (i = 0; i < 4; i++)
			resp[i] = sinan_rd32(sdev, SINAN_REG_MBOX_RESP(i));
	mutex_unlock(&sdev->fw.mbox_lock);
	if (ret)
		sinan_dbg(sdev, FW, "mailbox command %u: status %u, %d\n", cmd, status, ret);
	return ret;
}

/* ---- heartbeat watchdog -------------------------------------------------- */

u32 sinan_fw_heartbeat(struct sinan_device *sdev)
{
	return sinan_rd32(sdev, SINAN_REG_FW_HEARTBEAT);
}

/*
 * A firmware that stopped beating, or reports itself crashed, is rebooted
 * by a device reset. The check skips a round while a reset runs (the
 * firmware is legitimately down then).
 */
static void sinan_fw_hb_work(struct work_struct *work)
{
	struct sinan_fw_info *fw = container_of(to_delayed_work(work), struct sinan_fw_info,
						hb_work);
	struct sinan_device *sdev = container_of(fw, struct sinan_device, fw);
	const char *why = NULL;
	u32 status, hb, prog;

	if (!down_read_trylock(&sdev->reset_lock))
		goto out;
	if (sdev->dead) {
		up_read(&sdev->reset_lock);
		return;
	}
	status = sinan_rd32(sdev, SINAN_REG_FW_STATUS);
	hb = sinan_fw_heartbeat(sdev);
	prog = sinan_rd32(sdev, SINAN_REG_PROG_ERROR);
	if (prog != sdev->last_prog_error) {
		/* A register write the device rejected: a driver bug. */
		sinan_warn(sdev, "device reports programming error %u\n", prog);
		sdev->last_prog_error = prog;
	}
	if (status != SINAN_FW_STATUS_READY) {
		why = "firmware is not running";
	} else if (fw->features & SINAN_FW_FEAT_HEARTBEAT) {
		if (hb == fw->hb_last) {
			if (++fw->hb_stalls >= SINAN_HB_STALL_CHECKS)
				why = "firmware heartbeat stalled";
		} else {
			fw->hb_stalls = 0;
		}
		fw->hb_last = hb;
	}
	up_read(&sdev->reset_lock);
	if (why) {
		sinan_err(sdev, "%s (status %u, heartbeat %u)\n", why, status, hb);
		sinan_device_request_reset(sdev, why);
	}
out:
	schedule_delayed_work(&fw->hb_work, msecs_to_jiffies(sinan_hb_period_ms));
}

void sinan_fw_hb_start(struct sinan_device *sdev)
{
	INIT_DELAYED_WORK(&sdev->fw.hb_work, sinan_fw_hb_work);
	schedule_delayed_work(&sdev->fw.hb_work, msecs_to_jiffies(sinan_hb_period_ms));
}

void sinan_fw_hb_stop(struct sinan_device *sdev)
{
	cancel_delayed_work_sync(&sdev->fw.hb_work);
}

/* ---- log ----------------------------------------------------------------- */

/* The firmware log ring, oldest byte first (WPTR counts bytes ever written). */
int sinan_fw_log_show(struct sinan_device *sdev, struct seq_file *m)
{
	const struct sinan_fw_info *fw = &sdev->fw;
	u32 wptr, len, start, first;
	char *buf;

	if (!fw->log_size)
		return 0;
	buf = kvmalloc(fw->log_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	wptr = sinan_rd32(sdev, SINAN_REG_FW_LOG_WPTR);
	len = min(wptr, fw->log_size);
	start = (wptr - len) % fw->log_size;
	first = min(len, fw->log_size - start);
	memcpy_fromio(buf, sdev->devmem + fw->log_addr + start, first);
	memcpy_fromio(buf + first, sdev->devmem + fw->log_addr, len - first);
	seq_write(m, buf, len);
	kvfree(buf);
	return 0;
}
