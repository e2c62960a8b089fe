// SPDX-License-Identifier: MIT
/*
 * libsinan kernel binaries: the ELF reader (with every check a malformed
 * file needs: a bad binary is an error, never a crash) and the writer the
 * compiler uses. Format: include/sinan_hw/sinan_kbin.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sinan_hw/sinan_isa.h>
#include <sinan_hw/sinan_kbin.h>

#include "sinan_int.h"

#define KBIN_MAX_BYTES	(1ULL << 30)

static sinan_status bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static sinan_status bad(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sinan_error(SINAN_E_BAD_BINARY, "kernel binary: %s", msg);
}

static bool nul_terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

void kbin_parsed_free(struct kbin_parsed *p)
{
	free(p->kernels);
	free(p->args);
	free(p->image);
	memset(p, 0, sizeof(*p));
}

static sinan_status parse_note(Elf_Data *d, struct sinan_kernel_note *note)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != SINAN_NOTE_KERNEL || nh.n_namesz != sizeof(SINAN_NOTE_NAME) ||
		    memcmp((char *)d->d_buf + name_off, SINAN_NOTE_NAME, sizeof(SINAN_NOTE_NAME)))
			continue;
		if (nh.n_descsz < sizeof(*note))
			return bad("the Sinan note is %u bytes, expected %zu", nh.n_descsz, sizeof(*note));
		memcpy(note, (char *)d->d_buf + desc_off, sizeof(*note));
		if (!nul_terminated(note->producer, sizeof(note->producer)))
			return bad("the note's producer string is not terminated");
		if (note->flags)
			return bad("the note's flags are 0x%x (must be 0)", note->flags);
		return SINAN_OK;
	}
	return bad("no SINAN_NOTE_KERNEL note in " SINAN_KBIN_SEC_NOTE);
}

static sinan_status check_kernels(struct kbin_parsed *p)
{
	for (uint32_t i = 0; i < p->num_kernels; i++) {
		const struct sinan_kbin_kernel *k = &p->kernels[i];
		uint64_t used_lo[SINAN_KBIN_MAX_ARGS], used_hi[SINAN_KBIN_MAX_ARGS];

		if (!nul_terminated(k->name, sizeof(k->name)) || !k->name[0])
			return bad("kernel %u has no name (or an unterminated one)", i);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(p->kernels[j].name, k->name))
				return bad("two kernels are named '%s'", k->name);
		if (k->flags)
			return bad("kernel '%s': flags 0x%x (must be 0)", k->name, k->flags);
		if (!k->code_bytes || k->code_bytes % 8 || k->code_offset % 8 || k->code_offset > p->text_bytes ||
		    k->code_bytes > p->text_bytes - k->code_offset)
			return bad("kernel '%s': code [%llu, +%llu) is not 8-byte words inside .text (%llu bytes)", k->name,
				   (unsigned long long)k->code_offset, (unsigned long long)k->code_bytes,
				   (unsigned long long)p->text_bytes);
		if (k->num_args > SINAN_KBIN_MAX_ARGS || k->first_arg > p->num_args ||
		    k->num_args > p->num_args - k->first_arg)
			return bad("kernel '%s': arguments %u..+%u are not in .sinan.args (%u records, at most %u per kernel)",
				   k->name, k->first_arg, k->num_args, p->num_args, SINAN_KBIN_MAX_ARGS);
		if (k->args_bytes > SINAN_KBIN_MAX_ARGS_BYTES)
			return bad("kernel '%s': argument block of %u bytes (at most %u)", k->name, k->args_bytes,
				   SINAN_KBIN_MAX_ARGS_BYTES);
		for (uint32_t a = 0; a < k->num_args; a++) {
			const struct sinan_kbin_arg *x = &p->args[k->first_arg + a];

			if (!nul_terminated(x->name, sizeof(x->name)))
				return bad("kernel '%s' argument %u: unterminated name", k->name, a);
			if (x->kind >= SINAN_KBIN_ARG_KINDS)
				return bad("kernel '%s' argument '%s': unknown kind %u", k->name, x->name, x->kind);
			if (x->flags & ~SINAN_KBIN_ARG_FLAGS)
				return bad("kernel '%s' argument '%s': unknown flags 0x%x", k->name, x->name, x->flags);
			if (x->kind == SINAN_KBIN_ARG_VALUE ? (x->bytes != 1 && x->bytes != 2 && x->bytes != 4 && x->bytes != 8) :
			    x->bytes != 8)
				return bad("kernel '%s' argument '%s': %u bytes is not a valid size for its kind", k->name,
					   x->name, x->bytes);
			if (x->offset % x->bytes || x->offset > k->args_bytes || x->bytes > k->args_bytes - x->offset)
				return bad("kernel '%s' argument '%s': [%u, +%u) is misaligned or outside the %u-byte "
					   "argument block", k->name, x->name, x->offset, x->bytes, k->args_bytes);
			if (x->kind == SINAN_KBIN_ARG_DATA ? x->value >= MAX(p->rodata_bytes, 1) : x->value != 0)
				return bad("kernel '%s' argument '%s': value %llu is invalid for its kind", k->name, x->name,
					   (unsigned long long)x->value);
			for (uint32_t b = 0; b < a; b++)
				if (x->offset < used_hi[b] && x->offset + x->bytes > used_lo[b])
					return bad("kernel '%s': arguments '%s' and '%s' overlap", k->name,
						   p->args[k->first_arg + b].name, x->name);
			used_lo[a] = x->offset;
			used_hi[a] = x->offset + x->bytes;
		}
	}
	return SINAN_OK;
}

sinan_status kbin_parse(const void *image, size_t bytes, struct kbin_parsed *p)
{
	Elf *e = NULL;
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool have_note = false;
	const uint8_t *kern = NULL, *args = NULL;
	uint64_t kern_bytes = 0, args_bytes = 0;
	sinan_status st;

	memset(p, 0, sizeof(*p));
	if (!image)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "image is NULL");
	if (bytes < sizeof(Elf64_Ehdr) || bytes > KBIN_MAX_BYTES)
		return bad("%zu bytes is not a plausible size", bytes);
	p->image = malloc(bytes);
	if (!p->image)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	memcpy(p->image, image, bytes);
	if (elf_version(EV_CURRENT) == EV_NONE) {
		st = sinan_error(SINAN_E_IO, "libelf: %s", elf_errmsg(-1));
		goto err;
	}
	e = elf_memory(p->image, bytes);
	if (!e || elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != ELFCLASS64 || !gelf_getehdr(e, &eh)) {
		st = bad("not an ELF64 file");
		goto err;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != SINAN_ELF_MACHINE || eh.e_type != ET_DYN) {
		st = bad("not a Sinan kernel binary (ELF data %u, machine 0x%x, type %u; expected little-endian, "
			 "machine 0x%x, ET_DYN)", eh.e_ident[EI_DATA], eh.e_machine, eh.e_type, SINAN_ELF_MACHINE);
		goto err;
	}
	if (elf_getshdrstrndx(e, &shstrndx)) {
		st = bad("no section-name table");
		goto err;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name))) {
			st = bad("bad section header");
			goto err;
		}
		if (sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > bytes || sh.sh_size > bytes - sh.sh_offset) {
			st = bad("section %s lies outside the file", name);
			goto err;
		}
		if (!strcmp(name, SINAN_KBIN_SEC_NOTE)) {
			d = elf_getdata(scn, NULL);
			if (!d || sh.sh_type != SHT_NOTE) {
				st = bad("unreadable " SINAN_KBIN_SEC_NOTE);
				goto err;
			}
			st = parse_note(d, &p->note);
			if (st)
				goto err;
			have_note = true;
		} else if (!strcmp(name, SINAN_KBIN_SEC_TEXT)) {
			p->text = (const uint8_t *)p->image + sh.sh_offset;
			p->text_bytes = sh.sh_size;
		} else if (!strcmp(name, SINAN_KBIN_SEC_RODATA)) {
			p->rodata = (const uint8_t *)p->image + sh.sh_offset;
			p->rodata_bytes = sh.sh_size;
		} else if (!strcmp(name, SINAN_KBIN_SEC_KERNELS)) {
			kern = (const uint8_t *)p->image + sh.sh_offset;
			kern_bytes = sh.sh_size;
		} else if (!strcmp(name, SINAN_KBIN_SEC_ARGS)) {
			args = (const uint8_t *)p->image + sh.sh_offset;
			args_bytes = sh.sh_size;
		}
	}
	if (!have_note) {
		st = bad("no " SINAN_KBIN_SEC_NOTE " section (ISA and ABI versions)");
		goto err;
	}
	if (!p->text || !p->text_bytes || p->text_bytes % 8) {
		st = bad(".text is missing or not a whole number of 8-byte instructions");
		goto err;
	}
	if (!kern || !kern_bytes || kern_bytes % sizeof(struct sinan_kbin_kernel) ||
	    kern_bytes / sizeof(struct sinan_kbin_kernel) > SINAN_KBIN_MAX_KERNELS) {
		st = bad(SINAN_KBIN_SEC_KERNELS " is missing or not a whole number of records (at most %u)",
			 SINAN_KBIN_MAX_KERNELS);
		goto err;
	}
	if (args_bytes % sizeof(struct sinan_kbin_arg)) {
		st = bad(SINAN_KBIN_SEC_ARGS " is not a whole number of records");
		goto err;
	}
	p->num_kernels = (uint32_t)(kern_bytes / sizeof(struct sinan_kbin_kernel));
	p->num_args = (uint32_t)(args_bytes / sizeof(struct sinan_kbin_arg));
	p->kernels = malloc(kern_bytes);
	p->args = malloc(args_bytes ? args_bytes : 1);
	if (!p->kernels || !p->args) {
		st = sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		goto err;
	}
	memcpy(p->kernels, kern, kern_bytes);
	if (args_bytes)
		memcpy(p->args, args, args_bytes);
	st = check_kernels(p);
	if (st)
		goto err;
	if (p->note.abi_version != SINAN_KBIN_ABI_VERSION) {
		st = sinan_error(SINAN_E_VERSION_MISMATCH, "kernel binary uses kernel ABI %u, this libsinan speaks ABI %u: "
				 "rebuild it with a matching compiler (producer: %s)", p->note.abi_version,
				 SINAN_KBIN_ABI_VERSION, p->note.producer);
		goto err;
	}
	elf_end(e);
	return SINAN_OK;
err:
	if (e)
		elf_end(e);
	kbin_parsed_free(p);
	return st;
}

static void kernel_arg_out(const struct sinan_kbin_arg *x, struct sinan_kernel_arg *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->name, x->name, sizeof(a->name));
	a->kind = x->kind;
	a->flags = x->flags;
	a->offset = x->offset;
	a->bytes = x->bytes;
	a->value = x->value;
}

SINAN_API sinan_status sinan_kbin_inspect(const void *image, size_t bytes, struct sinan_kbin_info *info)
{
	struct sinan_kbin_info i = { .size = sizeof(i) };
	struct kbin_parsed p;
	sinan_status st;

	API_ENTER();
	CHECK_ARG(info, "info is NULL");
	st = kbin_parse(image, bytes, &p);
	if (st)
		return st;
	i.isa_major = p.note.isa_major;
	i.isa_minor = p.note.isa_minor;
	i.abi_version = p.note.abi_version;
	i.num_kernels = p.num_kernels;
	i.text_bytes = p.text_bytes;
	i.rodata_bytes = p.rodata_bytes;
	memcpy(i.producer, p.note.producer, sizeof(i.producer));
	kbin_parsed_free(&p);
	return COPY_OUT(info, i, isa_major);
}

SINAN_API sinan_status sinan_kbin_get_kernel(const void *image, size_t bytes, uint32_t idx,
					     struct sinan_kernel_info *info, const uint64_t **code)
{
	struct sinan_kernel_info i = { .size = sizeof(i) };
	struct kbin_parsed p;
	const struct sinan_kbin_kernel *k;
	sinan_status st;

	API_ENTER();
	CHECK_ARG(info, "info is NULL");
	st = kbin_parse(image, bytes, &p);
	if (st)
		return st;
	if (idx >= p.num_kernels) {
		kbin_parsed_free(&p);
		return sinan_error(SINAN_E_NOT_FOUND, "kernel %u: the binary has %u", idx, p.num_kernels);
	}
	k = &p.kernels[idx];
	snprintf(i.name, sizeof(i.name), "%s", k->name);
	i.num_args = k->num_args;
	i.args_bytes = k->args_bytes;
	i.num_instructions = k->code_bytes / 8;
	i.code_offset = k->code_offset;
	if (code)
		*code = (const uint64_t *)((const uint8_t *)image + (p.text - (const uint8_t *)p.image) + k->code_offset);
	kbin_parsed_free(&p);
	return COPY_OUT(info, i, name);
}

SINAN_API sinan_status sinan_kbin_get_arg(const void *image, size_t bytes, uint32_t idx, uint32_t a,
					  struct sinan_kernel_arg *arg)
{
	struct kbin_parsed p;
	sinan_status st;

	API_ENTER();
	CHECK_ARG(arg, "arg is NULL");
	st = kbin_parse(image, bytes, &p);
	if (st)
		return st;
	if (idx >= p.num_kernels || a >= p.kernels[idx].num_args) {
		kbin_parsed_free(&p);
		return sinan_error(SINAN_E_NOT_FOUND, "kernel %u argument %u does not exist", idx, a);
	}
	kernel_arg_out(&p.args[p.kernels[idx].first_arg + a], arg);
	kbin_parsed_free(&p);
	return SINAN_OK;
}

/* ---- modules ------------------------------------------------------------------------------ */

void module_ref(struct sinan_module *m)
{
	atomic_fetch_add(&m->refs, 1);
}

void module_unref(struct sinan_module *m)
{
	if (atomic_fetch_sub(&m->refs, 1) != 1)
		return;
	buffer_unref(m->mem);
	for (uint32_t i = 0; i < m->num_kernels; i++) {
		m->kernels[i].magic = MAGIC_DEAD;
		free(m->kernels[i].args);
	}
	free(m->kernels);
	m->magic = MAGIC_DEAD;
	free(m);
}

SINAN_API sinan_status sinan_module_load(sinan_device_t d, const void *image, size_t bytes, sinan_module_t *out)
{
	struct sinan_device *dev;
	struct sinan_module *m;
	struct kbin_parsed p;
	uint32_t isa = 0;
	uint64_t text_pad, total;
	sinan_status st;
	void *cpu;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "module is NULL");
	*out = NULL;
	st = kbin_parse(image, bytes, &p);
	if (st)
		return st;
	isa = dev->props.isa_version;
	if (p.note.isa_major != isa >> 16 || p.note.isa_minor > (isa & 0xffff)) {
		st = sinan_error(SINAN_E_VERSION_MISMATCH,
				 "kernel binary needs ISA %u.%u, the device (%s) implements ISA %u.%u: %s (producer: %s)",
				 p.note.isa_major, p.note.isa_minor, dev->props.node, isa >> 16, isa & 0xffff,
				 p.note.isa_major != isa >> 16 ? "recompile it for this ISA major" :
				 "recompile it without the newer instructions, or update the device",
				 p.note.producer);
		kbin_parsed_free(&p);
		return st;
	}
	m = calloc(1, sizeof(*m));
	if (m)
		m->kernels = calloc(p.num_kernels, sizeof(*m->kernels));
	if (!m || !m->kernels) {
		free(m);
		kbin_parsed_free(&p);
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	}
	m->magic = MAGIC_MODULE;
	m->dev = dev;
	atomic_init(&m->refs, 1);
	text_pad = ALIGN_UP(p.text_bytes, 64);
	total = text_pad + p.rodata_bytes;
	m->rodata_offset = text_pad;
	st = sinan_buffer_create(dev, total, SINAN_MEM_DEVICE, SINAN_BUFFER_READ_ONLY, &m->mem);
	if (!st)
		st = sinan_buffer_map(m->mem, &cpu);
	if (st)
		goto err;
	memcpy(cpu, p.text, p.text_bytes);
	if (p.rodata_bytes)
		memcpy((uint8_t *)cpu + text_pad, p.rodata, p.rodata_bytes);
	m->num_kernels = p.num_kernels;
	for (uint32_t i = 0; i < p.num_kernels; i++) {
		struct sinan_kernel *k = &m->kernels[i];
		const struct sinan_kbin_kernel *pk = &p.kernels[i];

		k->magic = MAGIC_KERNEL;
		k->mod = m;
		snprintf(k->name, sizeof(k->name), "%s", pk->name);
		k->code_offset = pk->code_offset;
		k->code_bytes = pk->code_bytes;
		k->args_bytes = pk->args_bytes;
		k->num_args = pk->num_args;
		k->args = calloc(pk->num_args ? pk->num_args : 1, sizeof(*k->args));
		if (!k->args) {
			st = sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
			goto err;
		}
		for (uint32_t a = 0; a < pk->num_args; a++)
			kernel_arg_out(&p.args[pk->first_arg + a], &k->args[a]);
	}
	kbin_parsed_free(&p);
	pthread_mutex_lock(&dev->sched_lock);
	list_add_tail(&dev->modules, &m->link);
	pthread_mutex_unlock(&dev->sched_lock);
	*out = m;
	return SINAN_OK;
err:
	kbin_parsed_free(&p);
	if (m->mem) {
		m->mem->user_destroyed = true;
		buffer_unref(m->mem);
	}
	for (uint32_t i = 0; i < m->num_kernels; i++)
		free(m->kernels[i].args);
	free(m->kernels);
	free(m);
	return st;
}

SINAN_API sinan_status sinan_module_load_file(sinan_device_t d, const char *path, sinan_module_t *out)
{
	FILE *f;
	void *buf;
	long n;
	sinan_status st;

	API_ENTER();
	CHECK_ARG(path, "path is NULL");
	CHECK_ARG(out, "module is NULL");
	*out = NULL;
	f = fopen(path, "rbe");
	if (!f)
		return sinan_error_errno(errno == ENOENT ? SINAN_E_NOT_FOUND : SINAN_E_IO, errno, "%s: %s", path,
					 strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return sinan_error_errno(SINAN_E_IO, errno, "%s: cannot read", path);
	}
	if ((unsigned long)n > KBIN_MAX_BYTES) {
		fclose(f);
		return sinan_error(SINAN_E_BAD_BINARY, "%s: %ld bytes is too large for a kernel binary", path, n);
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf) {
		fclose(f);
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return sinan_error_errno(SINAN_E_IO, errno, "%s: short read", path);
	}
	fclose(f);
	st = sinan_module_load(d, buf, (size_t)n, out);
	free(buf);
	if (st) {
		struct sinan_error_info *e = sinan_error_tls();
		char msg[sizeof(e->message)];

		if (snprintf(msg, sizeof(msg), "%s: %s", path, e->message) > 0)
			memcpy(e->message, msg, sizeof(msg));
	}
	return st;
}

static struct sinan_module *module_get(sinan_module_t m)
{
	if (!m || m->magic != MAGIC_MODULE || m->user_destroyed) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "module handle is NULL or destroyed");
		return NULL;
	}
	return m;
}

void module_destroy_internal(struct sinan_module *m)
{
	pthread_mutex_lock(&m->dev->sched_lock);
	m->user_destroyed = true;
	list_del(&m->link);
	pthread_mutex_unlock(&m->dev->sched_lock);
	module_unref(m);
}

SINAN_API sinan_status sinan_module_destroy(sinan_module_t module)
{
	struct sinan_module *m;

	API_ENTER();
	m = module_get(module);
	if (!m)
		return SINAN_E_INVALID_ARGUMENT;
	module_destroy_internal(m);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_module_get_kernel(sinan_module_t module, const char *name, sinan_kernel_t *kernel)
{
	struct sinan_module *m;

	API_ENTER();
	m = module_get(module);
	if (!m)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(name, "name is NULL");
	CHECK_ARG(kernel, "kernel is NULL");
	*kernel = NULL;
	for (uint32_t i = 0; i < m->num_kernels; i++) {
		if (!strcmp(m->kernels[i].name, name)) {
			*kernel = &m->kernels[i];
			return SINAN_OK;
		}
	}
	return sinan_error(SINAN_E_NOT_FOUND, "the module has no kernel named '%s'", name);
}

static struct sinan_kernel *kernel_get(sinan_kernel_t k)
{
	if (!k || k->magic != MAGIC_KERNEL || k->mod->user_destroyed) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel handle is NULL or its module was destroyed");
		return NULL;
	}
	return k;
}

SINAN_API sinan_status sinan_kernel_get_info(sinan_kernel_t kernel, struct sinan_kernel_info *info)
{
	struct sinan_kernel_info i = { .size = sizeof(i) };
	struct sinan_kernel *k;

	API_ENTER();
	k = kernel_get(kernel);
	if (!k)
		return SINAN_E_INVALID_ARGUMENT;
	snprintf(i.name, sizeof(i.name), "%s", k->name);
	i.num_args = k->num_args;
	i.args_bytes = k->args_bytes;
	i.num_instructions = k->code_bytes / 8;
	i.code_offset = k->code_offset;
	return COPY_OUT(info, i, name);
}

SINAN_API sinan_status sinan_kernel_get_arg(sinan_kernel_t kernel, uint32_t index, struct sinan_kernel_arg *arg)
{
	struct sinan_kernel *k;

	API_ENTER();
	k = kernel_get(kernel);
	if (!k)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(arg, "arg is NULL");
	if (index >= k->num_args)
		return sinan_error(SINAN_E_NOT_FOUND, "kernel '%s' has %u arguments, not %u", k->name, k->num_args,
				   index + 1);
	*arg = k->args[index];
	return SINAN_OK;
}

/* ---- writer ------------------------------------------------------------------------------- */

struct wkernel {
	struct sinan_kbin_kernel k;
};

struct sinan_kbin_writer {
	uint32_t magic;
	uint32_t isa_major, isa_minor, abi;
	uint64_t *text;
	uint64_t ninstr, text_cap;
	struct sinan_kbin_kernel *kernels;
	uint32_t nkernels, kernels_cap;
	struct sinan_kbin_arg *args;
	uint32_t nargs, args_cap;
	uint8_t *rodata;
	uint64_t rodata_bytes;
};

static struct sinan_kbin_writer *writer_get(sinan_kbin_writer_t w)
{
	if (!w || w->magic != MAGIC_WRITER) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "writer handle is NULL or destroyed");
		return NULL;
	}
	return w;
}

SINAN_API sinan_status sinan_kbin_writer_create(sinan_kbin_writer_t *out)
{
	struct sinan_kbin_writer *w;

	API_ENTER();
	CHECK_ARG(out, "writer is NULL");
	w = calloc(1, sizeof(*w));
	if (!w)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	w->magic = MAGIC_WRITER;
	w->isa_major = SINAN_ISA_MAJOR;
	w->isa_minor = SINAN_ISA_MINOR;
	w->abi = SINAN_KBIN_ABI_VERSION;
	*out = w;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_kbin_writer_destroy(sinan_kbin_writer_t writer)
{
	struct sinan_kbin_writer *w;

	API_ENTER();
	w = writer_get(writer);
	if (!w)
		return SINAN_E_INVALID_ARGUMENT;
	free(w->text);
	free(w->kernels);
	free(w->args);
	free(w->rodata);
	w->magic = MAGIC_DEAD;
	free(w);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_kbin_writer_set_version(sinan_kbin_writer_t writer, uint32_t isa_major,
						     uint32_t isa_minor, uint32_t abi_version)
{
	struct sinan_kbin_writer *w;

	API_ENTER();
	w = writer_get(writer);
	if (!w)
		return SINAN_E_INVALID_ARGUMENT;
	w->isa_major = isa_major;
	w->isa_minor = isa_minor;
	w->abi = abi_version;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_kbin_writer_add_kernel(sinan_kbin_writer_t writer, const char *name, const uint64_t *code,
						    uint64_t ninstr, const struct sinan_kernel_arg *args, uint32_t nargs)
{
	struct sinan_kbin_writer *w;
	struct sinan_kbin_kernel *k;
	bool auto_layout = true;
	uint32_t off = 0;

	API_ENTER();
	w = writer_get(writer);
	if (!w)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(name && *name && strlen(name) < SINAN_KBIN_NAME_LEN, "name is empty, NULL or longer than %u bytes",
		  SINAN_KBIN_NAME_LEN - 1);
	CHECK_ARG(code && ninstr, "code is NULL or empty");
	CHECK_ARG(ninstr <= KBIN_MAX_BYTES / 8, "too many instructions");
	CHECK_ARG(!nargs || args, "args is NULL");
	CHECK_ARG(nargs <= SINAN_KBIN_MAX_ARGS, "%u arguments (at most %u)", nargs, SINAN_KBIN_MAX_ARGS);
	CHECK_ARG(w->nkernels < SINAN_KBIN_MAX_KERNELS, "too many kernels");
	for (uint32_t i = 0; i < w->nkernels; i++)
		CHECK_ARG(strcmp(w->kernels[i].name, name), "a kernel named '%s' is already in the binary", name);
	for (uint32_t i = 0; i < nargs; i++) {
		CHECK_ARG(memchr(args[i].name, 0, sizeof(args[i].name)), "argument %u: unterminated name", i);
		if (args[i].offset)
			auto_layout = false;
	}
	if (w->ninstr + ninstr > w->text_cap) {
		uint64_t nc = MAX(w->text_cap * 2, w->ninstr + ninstr);
		uint64_t *t = realloc(w->text, nc * 8);

		if (!t)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		w->text = t;
		w->text_cap = nc;
	}
	if (w->nkernels == w->kernels_cap) {
		uint32_t nc = w->kernels_cap ? w->kernels_cap * 2 : 8;
		struct sinan_kbin_kernel *n = realloc(w->kernels, nc * sizeof(*n));

		if (!n)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		w->kernels = n;
		w->kernels_cap = nc;
	}
	if (w->nargs + nargs > w->args_cap) {
		uint32_t nc = MAX(w->args_cap * 2, w->nargs + nargs);
		struct sinan_kbin_arg *n = realloc(w->args, nc * sizeof(*n));

		if (!n)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		w->args = n;
		w->args_cap = nc;
	}
	k = &w->kernels[w->nkernels];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->code_offset = w->ninstr * 8;
	k->code_bytes = ninstr * 8;
	k->first_arg = w->nargs;
	k->num_args = nargs;
	for (uint32_t i = 0; i < nargs; i++) {
		struct sinan_kbin_arg *a = &w->args[w->nargs + i];
		uint32_t bytes = args[i].kind == SINAN_KARG_VALUE ? args[i].bytes : 8;

		memset(a, 0, sizeof(*a));
		memcpy(a->name, args[i].name, sizeof(a->name));
		a->kind = args[i].kind;
		a->flags = args[i].flags;
		a->bytes = bytes;
		a->value = args[i].value;
		if (auto_layout) {
			off = bytes ? ALIGN_UP(off, bytes) : off;
			a->offset = off;
			off += bytes;
		} else {
			a->offset = args[i].offset;
			off = MAX(off, args[i].offset + bytes);
		}
	}
	k->args_bytes = ALIGN_UP(off, 8);
	memcpy(w->text + w->ninstr, code, ninstr * 8);
	w->ninstr += ninstr;
	w->nargs += nargs;
	w->nkernels++;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_kbin_writer_set_rodata(sinan_kbin_writer_t writer, const void *data, uint64_t bytes)
{
	struct sinan_kbin_writer *w;
	uint8_t *n = NULL;

	API_ENTER();
	w = writer_get(writer);
	if (!w)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(!bytes || data, "data is NULL");
	CHECK_ARG(bytes <= KBIN_MAX_BYTES / 2, "rodata too large");
	if (bytes) {
		n = malloc(bytes);
		if (!n)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		memcpy(n, data, bytes);
	}
	free(w->rodata);
	w->rodata = n;
	w->rodata_bytes = bytes;
	return SINAN_OK;
}

struct knote {
	Elf64_Nhdr nh;
	char name[8];
	struct sinan_kernel_note desc;
};

static Elf_Scn *add_section(Elf *e, const void *buf, size_t size, uint32_t name, uint32_t type, uint64_t flags,
			    uint64_t align, uint64_t entsize)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d;
	GElf_Shdr sh;

	if (!scn || !(d = elf_newdata(scn)))
		return NULL;
	d->d_buf = (void *)buf;
	d->d_size = size;
	d->d_align = align;
	d->d_type = ELF_T_BYTE;
	if (!gelf_getshdr(scn, &sh))
		return NULL;
	sh.sh_name = name;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addralign = align;
	sh.sh_entsize = entsize;
	return gelf_update_shdr(scn, &sh) ? scn : NULL;
}

SINAN_API sinan_status sinan_kbin_writer_finish(sinan_kbin_writer_t writer, void **image, size_t *bytes)
{
	struct sinan_kbin_writer *w;
	char shstr[256];
	size_t shlen = 1;
	uint32_t n_text, n_ro = 0, n_note, n_kern, n_args, n_sym, n_str, n_shstr;
	struct knote note;
	Elf64_Sym *syms = NULL;
	char *strtab = NULL;
	size_t strlen_total = 1;
	Elf *e = NULL;
	GElf_Ehdr eh;
	Elf_Scn *scn_sym = NULL, *scn_str = NULL, *scn_shstr = NULL;
	GElf_Shdr sh;
	struct kbin_parsed check;
	sinan_status st = SINAN_OK;
	void *out = NULL;
	off_t size;
	int fd = -1;

	API_ENTER();
	w = writer_get(writer);
	if (!w)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(image && bytes, "image or bytes is NULL");
	CHECK_ARG(w->nkernels, "the binary has no kernel");
	*image = NULL;
	*bytes = 0;

	memset(shstr, 0, sizeof(shstr));
#define SHNAME(var, s) do { var = (uint32_t)shlen; memcpy(shstr + shlen, s, sizeof(s)); shlen += sizeof(s); } while (0)
	SHNAME(n_text, SINAN_KBIN_SEC_TEXT);
	if (w->rodata_bytes)
		SHNAME(n_ro, SINAN_KBIN_SEC_RODATA);
	SHNAME(n_note, SINAN_KBIN_SEC_NOTE);
	SHNAME(n_kern, SINAN_KBIN_SEC_KERNELS);
	SHNAME(n_args, SINAN_KBIN_SEC_ARGS);
	SHNAME(n_sym, ".symtab");
	SHNAME(n_str, ".strtab");
	SHNAME(n_shstr, ".shstrtab");
#undef SHNAME

	memset(&note, 0, sizeof(note));
	note.nh.n_namesz = sizeof(SINAN_NOTE_NAME);
	note.nh.n_descsz = sizeof(note.desc);
	note.nh.n_type = SINAN_NOTE_KERNEL;
	memcpy(note.name, SINAN_NOTE_NAME, sizeof(SINAN_NOTE_NAME));
	note.desc.isa_major = w->isa_major;
	note.desc.isa_minor = w->isa_minor;
	note.desc.abi_version = w->abi;
	snprintf(note.desc.producer, sizeof(note.desc.producer), "libsinan %u.%u.%u", SINAN_VERSION_MAJOR,
		 SINAN_VERSION_MINOR, SINAN_VERSION_PATCH);

	/* Symbols: null, the .text section, one function per kernel. */
	syms = calloc(w->nkernels + 2, sizeof(*syms));
	for (uint32_t i = 0; i < w->nkernels; i++)
		strlen_total += strlen(w->kernels[i].name) + 1;
	strtab = calloc(1, strlen_total);
	if (!syms || !strtab) {
		st = sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		goto out;
	}
	syms[1].st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION);
	syms[1].st_shndx = 1;
	for (uint32_t i = 0, pos = 1; i < w->nkernels; i++) {
		size_t l = strlen(w->kernels[i].name) + 1;

		memcpy(strtab + pos, w->kernels[i].name, l);
		syms[i + 2].st_name = pos;
		syms[i + 2].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		syms[i + 2].st_shndx = 1;
		syms[i + 2].st_value = w->kernels[i].code_offset;
		syms[i + 2].st_size = w->kernels[i].code_bytes;
		pos += (uint32_t)l;
	}

	if (elf_version(EV_CURRENT) == EV_NONE) {
		st = sinan_error(SINAN_E_IO, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	fd = memfd_create("sinan-kbin", MFD_CLOEXEC);
	if (fd < 0) {
		st = sinan_error_errno(SINAN_E_IO, errno, "memfd_create: %s", strerror(errno));
		goto out;
	}
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64) || !gelf_getehdr(e, &eh))
		goto elf_err;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_DYN;
	eh.e_machine = SINAN_ELF_MACHINE;
	eh.e_version = EV_CURRENT;
	if (!gelf_update_ehdr(e, &eh))
		goto elf_err;
	if (!add_section(e, w->text, w->ninstr * 8, n_text, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 8, 0))
		goto elf_err;
	if (w->rodata_bytes &&
	    !add_section(e, w->rodata, w->rodata_bytes, n_ro, SHT_PROGBITS, SHF_ALLOC, 64, 0))
		goto elf_err;
	if (!add_section(e, &note, sizeof(note), n_note, SHT_NOTE, 0, 4, 0) ||
	    !add_section(e, w->kernels, w->nkernels * sizeof(*w->kernels), n_kern, SHT_PROGBITS, 0, 8,
			 sizeof(*w->kernels)) ||
	    !add_section(e, w->nargs ? (void *)w->args : (void *)"", w->nargs * sizeof(*w->args), n_args,
			 SHT_PROGBITS, 0, 8, sizeof(*w->args)))
		goto elf_err;
	scn_sym = add_section(e, syms, (w->nkernels + 2) * sizeof(*syms), n_sym, SHT_SYMTAB, 0, 8, sizeof(*syms));
	scn_str = add_section(e, strtab, strlen_total, n_str, SHT_STRTAB, 0, 1, 0);
	scn_shstr = add_section(e, shstr, shlen, n_shstr, SHT_STRTAB, 0, 1, 0);
	if (!scn_sym || !scn_str || !scn_shstr)
		goto elf_err;
	if (!gelf_getshdr(scn_sym, &sh))
		goto elf_err;
	sh.sh_link = (uint32_t)elf_ndxscn(scn_str);
	sh.sh_info = 2;	/* first global symbol */
	if (!gelf_update_shdr(scn_sym, &sh))
		goto elf_err;
	eh.e_shstrndx = (uint16_t)elf_ndxscn(scn_shstr);
	if (!gelf_update_ehdr(e, &eh) || elf_update(e, ELF_C_WRITE) < 0)
		goto elf_err;
	elf_end(e);
	e = NULL;
	size = lseek(fd, 0, SEEK_END);
	out = size > 0 ? malloc((size_t)size) : NULL;
	if (!out || pread(fd, out, (size_t)size, 0) != size) {
		st = sinan_error(SINAN_E_IO, "cannot read back the ELF image");
		goto out;
	}
	/* What we write must be what we accept. */
	st = kbin_parse(out, (size_t)size, &check);
	if (st == SINAN_E_VERSION_MISMATCH)
		st = SINAN_OK;	/* deliberately old/new versions (tests, cross-builds) */
	else if (!st)
		kbin_parsed_free(&check);
	if (st)
		goto out;
	*image = out;
	*bytes = (size_t)size;
	out = NULL;
	goto out;
elf_err:
	st = sinan_error(SINAN_E_IO, "libelf: %s", elf_errmsg(-1));
out:
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	free(out);
	free(syms);
	free(strtab);
	return st;
}
