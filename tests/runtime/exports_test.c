// SPDX-License-Identifier: MIT
/*
 * The export list: what the public headers (include/sinan/) declare (SINAN_API), what
 * lib/libsinan.map lists and what libsinan.so really exports are the same
 * set. The two lists are compiled in (exports_gen.h, made from the sources
 * by mk/u-runtimetests.mk), so the check also runs where the sources are
 * not (the emulated machine); the library is the one this program loaded.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_common.h"
#include "exports_gen.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static int in(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

static void test_header_equals_map(void **state)
{
	(void)state;
	assert_true(N(header_api) > 50);
	for (size_t i = 0; i < N(header_api); i++) {
		if (!in(map_api, N(map_api), header_api[i]))
			print_error("%s is declared in the header but not in lib/libsinan.map\n", header_api[i]);
		assert_true(in(map_api, N(map_api), header_api[i]));
	}
	for (size_t i = 0; i < N(map_api); i++) {
		if (!in(header_api, N(header_api), map_api[i]))
			print_error("%s is in lib/libsinan.map but not declared in a public header\n", map_api[i]);
		assert_true(in(header_api, N(header_api), map_api[i]));
	}
}

/* The loaded libsinan.so: its dynamic symbol table, defined symbols only. */
static void test_library_exports(void **state)
{
	Dl_info info;
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t found = 0;
	int fd;

	(void)state;
	assert_true(dladdr((void *)sinan_version, &info) && info.dli_fname);
	print_message("  library: %s\n", info.dli_fname);
	assert_non_null(strstr(info.dli_fname, "libsinan.so"));
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(info.dli_fname, O_RDONLY);
	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;

			gelf_getsym(d, (int)i, &s);
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (s.st_shndx == SHN_UNDEF || GELF_ST_BIND(s.st_info) == STB_LOCAL || !name || !*name)
				continue;
			if (GELF_ST_TYPE(s.st_info) == STT_OBJECT && s.st_size == 0 && !strncmp(name, "SINAN_", 6))
				continue;	/* the version node */
			if (!in(header_api, N(header_api), name))
				print_error("libsinan.so exports %s, which no public header declares\n", name);
			assert_true(in(header_api, N(header_api), name));
			found++;
		}
	}
	elf_end(e);
	close(fd);
	assert_int_equal(found, N(header_api));
	/* And every declared function resolves. */
	for (size_t i = 0; i < N(header_api); i++)
		assert_non_null(dlsym(RTLD_DEFAULT, header_api[i]));
	/* Internals stay hidden. */
	assert_null(dlsym(RTLD_DEFAULT, "sinan_ioctl"));
	assert_null(dlsym(RTLD_DEFAULT, "sinan_emu_create"));
	assert_null(dlsym(RTLD_DEFAULT, "sinan_test_queue_raw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_equals_map),
		cmocka_unit_test(test_library_exports),
	};

	return cmocka_run_group_tests_name("runtime-exports", tests, NULL, NULL);
}
