// SPDX-License-Identifier: MIT
/*
 * mkfw: build the Sinan firmware image (sinan_fw.elf).
 *
 * The image follows include/sinan_hw/sinan_fw_if.h: an ELF64 ET_EXEC file
 * for SINAN_ELF_MACHINE with a PT_NOTE segment (SINAN_NOTE_FW) and one
 * PT_LOAD segment at device address SINAN_FW_LOAD_ADDR that starts with the
 * boot header, then the firmware payload, then the (zeroed) log ring. The
 * header's CRC-32 covers the whole loaded image with the CRC field as zero.
 *
 * The management firmware's behaviour is modeled by the device (emu/core/
 * emu_fw.c); the payload carries its identity and configuration tables.
 *
 *   mkfw -o sinan_fw.elf [--version 1.0.0] [--api-major N] [--api-minor N]
 *        [--corrupt crc|magic|truncate]   (test images)
 */
#include <err.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <sinan_hw/sinan_fw_if.h>

#define LOG_SIZE	(64 * 1024)
#define PAYLOAD_SIZE	(16 * 1024)

static const char shstrtab[] = "\0.fw\0.note.sinan\0.shstrtab";
#define SH_FW		1
#define SH_NOTE		5
#define SH_SHSTRTAB	17

struct note {
	Elf64_Nhdr nh;
	char name[8];		/* "Sinan\0" padded to 4 */
	struct sinan_fw_note desc;
};

static void usage(void)
{
	fprintf(stderr, "usage: mkfw -o OUT [--version X.Y.Z] [--api-major N] [--api-minor N] "
		"[--corrupt crc|magic|truncate]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' },
		{ "api-major", required_argument, NULL, 'M' },
		{ "api-minor", required_argument, NULL, 'm' },
		{ "corrupt", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *version = "1.0.0", *corrupt = NULL;
	unsigned int api_major = SINAN_FWIF_MAJOR, api_minor = SINAN_FWIF_MINOR;
	unsigned int vmaj, vmin, vpat;
	struct sinan_fw_boot_hdr *h;
	size_t image_size;
	uint8_t *image;
	struct note note;
	Elf *e;
	GElf_Ehdr ehdr;
	GElf_Phdr ph;
	Elf_Scn *scn_fw, *scn_note, *scn_str;
	Elf_Data *d;
	GElf_Shdr sh;
	int c, fd;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'v': version = optarg; break;
		case 'M': api_major = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'm': api_minor = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': corrupt = optarg; break;
		default: usage();
		}
	}
	if (!out || optind != argc)
		usage();
	if (sscanf(version, "%u.%u.%u", &vmaj, &vmin, &vpat) != 3 || vmaj > 0xffff || vmin > 255 ||
	    vpat > 255)
		errx(2, "--version must be MAJOR.MINOR.PATCH");

	/* The loaded image: header, payload, log ring. */
	image_size = sizeof(*h) + PAYLOAD_SIZE + LOG_SIZE;
	image = calloc(1, image_size);
	if (!image)
		err(1, "calloc");
	h = (struct sinan_fw_boot_hdr *)image;
	h->magic = SINAN_FW_MAGIC;
	h->api_major = (__u16)api_major;
	h->api_minor = (__u16)api_minor;
	h->fw_version = (vmaj << 16) | (vmin << 8) | vpat;
	h->features = SINAN_FW_FEAT_HEARTBEAT | SINAN_FW_FEAT_LOG | SINAN_FW_FEAT_MBOX;
	h->hdr_size = sizeof(*h);
	h->image_size = image_size;
	h->log_offset = sizeof(*h) + PAYLOAD_SIZE;
	h->log_size = LOG_SIZE;
	snprintf(h->version, sizeof(h->version), "%s", version);
	snprintf((char *)image + sizeof(*h), PAYLOAD_SIZE,
		 "Sinan management firmware %s: queue scheduler, MMU manager, heartbeat, mailbox, log\n",
		 version);
	h->crc32 = (__u32)crc32(0, image, (uInt)image_size);
	if (corrupt && !strcmp(corrupt, "crc"))
		image[sizeof(*h) + 7] ^= 0x5a;
	else if (corrupt && !strcmp(corrupt, "magic"))
		h->magic ^= 1;
	else if (corrupt && strcmp(corrupt, "truncate"))
		usage();

	memset(&note, 0, sizeof(note));
	note.nh.n_namesz = sizeof(SINAN_NOTE_NAME);
	note.nh.n_descsz = sizeof(note.desc);
	note.nh.n_type = SINAN_NOTE_FW;
	memcpy(note.name, SINAN_NOTE_NAME, sizeof(SINAN_NOTE_NAME));
	note.desc.magic = SINAN_FW_MAGIC;
	note.desc.api_major = h->api_major;
	note.desc.api_minor = h->api_minor;
	note.desc.fw_version = h->fw_version;
	note.desc.features = h->features;
	memcpy(note.desc.version, h->version, sizeof(note.desc.version));

	if (elf_version(EV_CURRENT) == EV_NONE)
		errx(1, "libelf: %s", elf_errmsg(-1));
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		err(1, "%s", out);
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e)
		errx(1, "elf_begin: %s", elf_errmsg(-1));
	if (!gelf_newehdr(e, ELFCLASS64) || !gelf_getehdr(e, &ehdr))
		errx(1, "ehdr: %s", elf_errmsg(-1));
	ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr.e_ident[EI_OSABI] = ELFOSABI_NONE;
	ehdr.e_type = ET_EXEC;
	ehdr.e_machine = SINAN_ELF_MACHINE;
	ehdr.e_version = EV_CURRENT;
	ehdr.e_entry = SINAN_FW_LOAD_ADDR;
	ehdr.e_shstrndx = 3;
	if (!gelf_update_ehdr(e, &ehdr))
		errx(1, "ehdr: %s", elf_errmsg(-1));
	if (!gelf_newphdr(e, 2))
		errx(1, "phdr: %s", elf_errmsg(-1));

	scn_fw = elf_newscn(e);
	d = elf_newdata(scn_fw);
	d->d_buf = image;
	d->d_size = corrupt && !strcmp(corrupt, "truncate") ? image_size / 2 : image_size;
	d->d_align = 4096;
	d->d_type = ELF_T_BYTE;
	gelf_getshdr(scn_fw, &sh);
	sh.sh_name = SH_FW;
	sh.sh_type = SHT_PROGBITS;
	sh.sh_flags = SHF_ALLOC | SHF_EXECINSTR | SHF_WRITE;
	sh.sh_addr = SINAN_FW_LOAD_ADDR;
	sh.sh_addralign = 4096;
	gelf_update_shdr(scn_fw, &sh);

	scn_note = elf_newscn(e);
	d = elf_newdata(scn_note);
	d->d_buf = &note;
	d->d_size = sizeof(note);
	d->d_align = 4;
	d->d_type = ELF_T_BYTE;
	gelf_getshdr(scn_note, &sh);
	sh.sh_name = SH_NOTE;
	sh.sh_type = SHT_NOTE;
	sh.sh_addralign = 4;
	gelf_update_shdr(scn_note, &sh);

	scn_str = elf_newscn(e);
	d = elf_newdata(scn_str);
	d->d_buf = (void *)shstrtab;
	d->d_size = sizeof(shstrtab);
	d->d_align = 1;
	d->d_type = ELF_T_BYTE;
	gelf_getshdr(scn_str, &sh);
	sh.sh_name = SH_SHSTRTAB;
	sh.sh_type = SHT_STRTAB;
	gelf_update_shdr(scn_str, &sh);

	/* Lay out, then describe the segments with the final offsets. */
	if (elf_update(e, ELF_C_NULL) < 0)
		errx(1, "elf_update: %s", elf_errmsg(-1));
	gelf_getshdr(scn_fw, &sh);
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_LOAD;
	ph.p_flags = PF_R | PF_W | PF_X;
	ph.p_offset = sh.sh_offset;
	ph.p_vaddr = ph.p_paddr = SINAN_FW_LOAD_ADDR;
	ph.p_filesz = sh.sh_size;
	/* A truncated test image still claims the full size in memory. */
	ph.p_memsz = image_size;
	ph.p_align = 4096;
	gelf_update_phdr(e, 0, &ph);
	gelf_getshdr(scn_note, &sh);
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_flags = PF_R;
	ph.p_offset = sh.sh_offset;
	ph.p_filesz = ph.p_memsz = sh.sh_size;
	ph.p_align = 4;
	gelf_update_phdr(e, 1, &ph);
	if (elf_update(e, ELF_C_WRITE) < 0)
		errx(1, "elf_update: %s", elf_errmsg(-1));
	elf_end(e);
	close(fd);
	free(image);
	return 0;
}
