// SPDX-License-Identifier: MIT
/*
 * sinan-objdump: describe and disassemble Sinan kernel binaries.
 *
 *   sinan-objdump [-d] FILE...
 *
 * Prints the versions the binary needs (ISA, kernel ABI), its producer,
 * every kernel with its argument block layout, and with -d the code, one
 * instruction per line (lib/isa's disassembler; raw words when it is not
 * built in). A malformed binary is reported, never trusted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan.h>
#include <sinan_hw/sinan_isa.h>

#if __has_include("isa/sinan_asm.h")
#include "isa/sinan_asm.h"
#define HAVE_DISASM 1
#endif

static const char *kind_name(uint32_t k)
{
	switch (k) {
	case SINAN_KARG_BUFFER: return "buffer";
	case SINAN_KARG_VALUE: return "value";
	case SINAN_KARG_DATA: return "rodata";
	}
	return "?";
}

static void disasm(uint64_t w, char *buf, size_t len)
{
#ifdef HAVE_DISASM
	/* Invalid words come back as ".word" with the reason the core would reject them. */
	sinan_disasm(w, buf, len);
#else
	snprintf(buf, len, ".word 0x%016llx   # opcode 0x%02x", (unsigned long long)w, SINAN_DEC_OP(w));
#endif
}

static int dump(const char *path, int code)
{
	struct sinan_kbin_info info = { .size = sizeof(info) };
	long n;
	void *img;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "sinan-objdump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	img = malloc(n > 0 ? (size_t)n : 1);
	if (!img || n < 0 || fread(img, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "sinan-objdump: %s: cannot read\n", path);
		fclose(f);
		free(img);
		return 1;
	}
	fclose(f);
	if (sinan_kbin_inspect(img, (size_t)n, &info)) {
		fprintf(stderr, "sinan-objdump: %s: %s\n", path, sinan_last_error_message());
		free(img);
		return 1;
	}
	printf("%s: Sinan kernel binary\n", path);
	printf("  ISA %u.%u, kernel ABI %u, produced by %s\n", info.isa_major, info.isa_minor, info.abi_version,
	       info.producer);
	printf("  .text %llu bytes, .rodata %llu bytes, %u kernel%s\n", (unsigned long long)info.text_bytes,
	       (unsigned long long)info.rodata_bytes, info.num_kernels, info.num_kernels == 1 ? "" : "s");
	for (uint32_t k = 0; k < info.num_kernels; k++) {
		struct sinan_kernel_info ki = { .size = sizeof(ki) };
		const uint64_t *words;

		if (sinan_kbin_get_kernel(img, (size_t)n, k, &ki, &words))
			break;
		printf("\nkernel %s: %llu instructions at .text+0x%llx, argument block %u bytes\n", ki.name,
		       (unsigned long long)ki.num_instructions, (unsigned long long)ki.code_offset, ki.args_bytes);
		for (uint32_t a = 0; a < ki.num_args; a++) {
			struct sinan_kernel_arg ka;

			if (sinan_kbin_get_arg(img, (size_t)n, k, a, &ka))
				break;
			printf("  arg %u %-16s %-6s %u bytes at +%u%s%s", a, ka.name, kind_name(ka.kind), ka.bytes,
			       ka.offset, ka.flags & SINAN_KARG_F_READ ? " read" : "",
			       ka.flags & SINAN_KARG_F_WRITE ? " write" : "");
			if (ka.kind == SINAN_KARG_DATA)
				printf(" (.rodata+0x%llx)", (unsigned long long)ka.value);
			printf("\n");
		}
		if (!code)
			continue;
		for (uint64_t i = 0; i < ki.num_instructions; i++) {
			char text[160];
			uint64_t w;

			memcpy(&w, &words[i], sizeof(w));
			disasm(w, text, sizeof(text));
			printf("  %6llx:  %016llx  %s\n", (unsigned long long)(ki.code_offset + 8 * i),
			       (unsigned long long)w, text);
		}
	}
	free(img);
	return 0;
}

int main(int argc, char **argv)
{
	int c, code = 0, rc = 0;

	while ((c = getopt(argc, argv, "dh")) != -1) {
		switch (c) {
		case 'd': code = 1; break;
		default:
			fprintf(stderr, "usage: sinan-objdump [-d] FILE...\n");
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: sinan-objdump [-d] FILE...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++)
		rc |= dump(argv[i], code);
	return rc;
}
