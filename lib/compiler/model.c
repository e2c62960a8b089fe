// SPDX-License-Identifier: MIT
/*
 * Compiled models: the ELF image (writer and strict reader), loading on a
 * device through the runtime (module, buffers, a command buffer recorded
 * once and replayed per run), running, and performance counters.
 *
 * Image (ELF64 LE, ET_DYN, e_machine SINAN_ELF_MACHINE), sections:
 *   .note.sinan     SINAN_NOTE_MODEL: struct sinan_model_note
 *   .sinan.kbin     the AI-core programs: a kernel binary (sinan_kbin.h),
 *                   kernel i is launch i
 *   .sinan.weights  constants, device element types, at their planned offsets
 *   .sinan.model    struct sno_hdr and its tables: launches, launch
 *                   arguments (buffer kind, index, offset), inputs and
 *                   outputs, ops (for profiling), strings, bound values of
 *                   specialized inputs
 *   .shstrtab
 * The reader checks every offset, count and string before use: a corrupt
 * image is an error, never a crash.
 */
#include "cg_int.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>
#include <sinan_hw/sinan_fw_if.h>
#include <sinan_hw/sinan_kbin.h>
#include <runtime/sinan_int.h>

#define SNO_ARENA	1
#define SNO_WEIGHTS	2
#define SNO_INPUT	3
#define SNO_OUTPUT	4
#define SNO_SCRATCH	5

#define SNO_MAX_LAUNCH	(1u << 20)
#define SNO_MAX_ARGS	(1u << 24)
#define SNO_MAX_IO	CC_MAX_IO
#define SNO_MAX_BYTES	(64ULL << 30)

struct sno_hdr {
	uint32_t magic, version;
	uint32_t nlaunch, nargs, ninputs, noutputs, nops, precision;
	uint64_t arena_bytes, naive_bytes, scratch_bytes, weights_bytes, io_bytes, macs;
	uint32_t launch_off, arg_off, io_off, op_off, str_off, str_size, spec_off, spec_size;
};

struct sno_launch {
	uint32_t blocks, first_arg, nargs, op;
	uint64_t macs, bytes;
};

struct sno_arg {
	uint32_t kind, index;
	uint64_t offset;
};

struct sno_io {
	uint32_t name, dtype, dev_dtype, rank;
	int64_t dims[CC_MAX_RANK];
	uint64_t bytes, dev_bytes;
	uint32_t spec_off, spec_bytes;
};

struct sno_op {
	uint32_t name, type, first_launch, nlaunch;
	uint64_t macs, bytes;
	uint64_t cube_cycles;		/* macs at the peak rate of their operand type, per core */
};

/* ---- growable byte buffer --------------------------------------------------------------------- */
struct bb {
	uint8_t *p;
	size_t n, cap;
	bool oom;
};

static size_t bb_put(struct bb *b, const void *d, size_t n)
{
	size_t at = b->n;
	if (b->oom)
		return at;
	if (b->n + n > b->cap) {
		size_t c = b->cap ? b->cap : 4096;
		while (c < b->n + n)
			c *= 2;
		uint8_t *q = realloc(b->p, c);
		if (!q) {
			b->oom = true;
			return at;
		}
		b->p = q;
		b->cap = c;
	}
	if (d)
		memcpy(b->p + b->n, d, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
	return at;
}

static void bb_align(struct bb *b, size_t a)
{
	while (b->n % a)
		bb_put(b, NULL, 1);
}

static uint32_t bb_str(struct bb *b, const char *s)
{
	return (uint32_t)bb_put(b, s, strlen(s) + 1);
}

/* ---- writer ------------------------------------------------------------------------------------ */
static int put_const(struct cc_graph *g, struct bb *w, const struct cc_tensor *t)
{
	uint64_t n = cc_tensor_elems(t);
	int dd = t->dev_dtype ? t->dev_dtype : t->dtype;
	size_t at = (size_t)t->mem_off;

	/* Regression (fuzz_onnx, zero offset applied to a NULL image): empty constants. */
	if (!cc_dev_bytes(t))
		return 0;
	if (w->n < at + cc_dev_bytes(t))
		bb_put(w, NULL, at + cc_dev_bytes(t) - w->n);
	if (w->oom)
		return cc_err(g, ENOMEM, "out of memory");
	uint8_t *d = w->p + at;
	if (dd == t->dtype) {
		memcpy(d, t->data, cc_dev_bytes(t));
		return 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (cc_dtype_is_float(dd))
			cc_st(dd, d, i, cc_ld(t->dtype, t->data, i));
		else
			cc_sti(dd, d, i, cc_ldi(t->dtype, t->data, i));
	}
	return 0;
}

static uint32_t arg_kind(const struct cc_karg *a, uint32_t *index, uint64_t *off)
{
	const struct cc_tensor *t = a->t;
	if (a->scratch) {
		*index = 0;
		*off = a->off;
		return SNO_SCRATCH;
	}
	*off = (uint64_t)t->mem_off + a->off;
	*index = (uint32_t)t->io_index;
	switch (t->mem_class) {
	case CC_MEM_ARENA: return SNO_ARENA;
	case CC_MEM_CONST: return SNO_WEIGHTS;
	case CC_MEM_INPUT: return SNO_INPUT;
	case CC_MEM_OUTPUT: return SNO_OUTPUT;
	default: return 0;
	}
}

static void put_io(struct bb *m, struct bb *str, struct bb *spec, const struct cc_tensor *t, bool out)
{
	struct sno_io io;
	memset(&io, 0, sizeof(io));
	io.name = bb_str(str, t->name);
	io.dtype = (uint32_t)t->dtype;
	io.dev_dtype = (uint32_t)(t->dev_dtype ? t->dev_dtype : t->dtype);
	io.rank = (uint32_t)t->rank;
	for (int i = 0; i < t->rank; i++)
		io.dims[i] = t->dims[i];
	io.bytes = cc_tensor_bytes(t);
	io.dev_bytes = cc_dev_bytes(t);
	if (!out && t->data) {	/* specialized: the value it was compiled for */
		io.spec_off = (uint32_t)bb_put(spec, t->data, io.bytes);
		io.spec_bytes = (uint32_t)io.bytes;
	}
	bb_put(m, &io, sizeof(io));
}

/* Section table entry helper. */
struct sec {
	const char *name;
	uint32_t type;
	const void *data;
	size_t size;
	size_t align;
};

static int write_elf(struct cc_graph *g, const struct sec *s, int ns, void **image, size_t *bytes)
{
	struct bb out = { 0 }, shs = { 0 };
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = calloc((size_t)ns + 2, sizeof(*sh));
	uint32_t *nm = calloc((size_t)ns + 2, sizeof(*nm));

	if (!sh || !nm) {
		free(sh);
		free(nm);
		return cc_err(g, ENOMEM, "out of memory");
	}
	bb_put(&shs, "", 1);
	for (int i = 0; i < ns; i++)
		nm[i] = bb_str(&shs, s[i].name);
	uint32_t shname = bb_str(&shs, ".shstrtab");
	memset(&eh, 0, sizeof(eh));
	bb_put(&out, &eh, sizeof(eh));
	for (int i = 0; i < ns; i++) {
		bb_align(&out, s[i].align ? s[i].align : 8);
		sh[i + 1].sh_name = nm[i];
		sh[i + 1].sh_type = s[i].type;
		sh[i + 1].sh_offset = out.n;
		sh[i + 1].sh_size = s[i].size;
		sh[i + 1].sh_addralign = s[i].align ? s[i].align : 8;
		bb_put(&out, s[i].data, s[i].size);
	}
	bb_align(&out, 8);
	sh[ns + 1].sh_name = shname;
	sh[ns + 1].sh_type = SHT_STRTAB;
	sh[ns + 1].sh_offset = out.n;
	sh[ns + 1].sh_size = shs.n;
	sh[ns + 1].sh_addralign = 1;
	bb_put(&out, shs.p, shs.n);
	bb_align(&out, 8);
	size_t shoff = out.n;
	bb_put(&out, sh, sizeof(*sh) * (size_t)(ns + 2));
	free(sh);
	free(nm);
	free(shs.p);
	if (out.oom || shs.oom) {
		free(out.p);
		return cc_err(g, ENOMEM, "out of memory");
	}
	Elf64_Ehdr *h = (Elf64_Ehdr *)out.p;
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_ident[EI_VERSION] = EV_CURRENT;
	h->e_type = ET_DYN;
	h->e_machine = SINAN_ELF_MACHINE;
	h->e_version = EV_CURRENT;
	h->e_ehsize = sizeof(Elf64_Ehdr);
	h->e_shentsize = sizeof(Elf64_Shdr);
	h->e_shoff = shoff;
	h->e_shnum = (uint16_t)(ns + 2);
	h->e_shstrndx = (uint16_t)(ns + 1);
	*image = out.p;
	*bytes = out.n;
	return 0;
}

/* Serialize @p (compiled from @g) as a model image. */
static int cc_model_image(struct cc_graph *g, struct cc_program *p, void **image, size_t *bytes)
{
	struct bb w = { 0 }, m = { 0 }, la = { 0 }, ar = { 0 }, io = { 0 }, ops = { 0 }, str = { 0 }, spec = { 0 };
	sinan_kbin_writer_t kw = NULL;
	void *kbin = NULL;
	size_t kbin_bytes = 0;
	int rc = 0;
	uint64_t macs = 0;

	*image = NULL;
	*bytes = 0;
	bb_put(&str, "", 1);
	/* weights */
	for (int i = 0; i < g->ntensors && !rc; i++) {
		struct cc_tensor *t = g->tensors[i];
		if (t->mem_class == CC_MEM_CONST && !t->alias && t->data)
			rc = put_const(g, &w, t);
	}
	if (!rc && w.n < g->weights_bytes)
		bb_put(&w, NULL, g->weights_bytes - w.n);
	/* kernels */
	if (!rc && sinan_kbin_writer_create(&kw) != SINAN_OK)
		rc = cc_err(g, ENOMEM, "kernel binary writer: %s", sinan_last_error_message());
	for (int i = 0; i < p->nk && !rc; i++) {
		struct cc_kernel *k = &p->k[i];
		struct sinan_kernel_arg args[CG_MAX_ARGS];
		struct sno_launch l = { .blocks = k->blocks, .first_arg = (uint32_t)(ar.n / sizeof(struct sno_arg)),
					.nargs = (uint32_t)k->nargs, .op = (uint32_t)k->node, .macs = k->macs,
					.bytes = k->bytes };
		memset(args, 0, sizeof(args));
		for (int j = 0; j < k->nargs; j++) {
			struct sno_arg a;
			a.kind = arg_kind(&k->args[j], &a.index, &a.offset);
			if (!a.kind) {
				rc = cc_err(g, EINVAL, "kernel %s: argument %d has no device storage", k->name, j);
				break;
			}
			bb_put(&ar, &a, sizeof(a));
			snprintf(args[j].name, sizeof(args[j].name), "a%d", j);
			args[j].kind = SINAN_KARG_BUFFER;
			args[j].flags = SINAN_KARG_F_READ | (k->args[j].write ? SINAN_KARG_F_WRITE : 0);
			args[j].offset = (uint32_t)(j * 8);
			args[j].bytes = 8;
		}
		if (rc)
			break;
		if (sinan_kbin_writer_add_kernel(kw, k->name, k->code, k->ncode, args, (uint32_t)k->nargs) != SINAN_OK)
			rc = cc_err(g, EINVAL, "kernel %s: %s", k->name, sinan_last_error_message());
		bb_put(&la, &l, sizeof(l));
		macs += k->macs;
	}
	if (!rc && !p->nk) {
		/* a model with nothing to compute still needs a valid kernel binary */
		static const uint64_t end = SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0);
		if (sinan_kbin_writer_add_kernel(kw, "empty", &end, 1, NULL, 0) != SINAN_OK)
			rc = cc_err(g, EINVAL, "kernel binary: %s", sinan_last_error_message());
	}
	if (!rc && sinan_kbin_writer_finish(kw, &kbin, &kbin_bytes) != SINAN_OK)
		rc = cc_err(g, EINVAL, "kernel binary: %s", sinan_last_error_message());
	/* io, ops */
	for (int i = 0; i < g->ninputs && !rc; i++)
		put_io(&io, &str, &spec, g->inputs[i], false);
	for (int i = 0; i < g->noutputs && !rc; i++)
		put_io(&io, &str, &spec, g->outputs[i], true);
	for (int i = 0; i < p->nops && !rc && p->kernel_ops; i++)	/* profiling: one entry per kernel */
		for (int k = 0; k < p->ops[i].nkernels; k++) {
			const struct cc_kernel *kk = &p->k[p->ops[i].first_kernel + k];
			struct sno_op o = { .name = bb_str(&str, p->ops[i].name), .type = bb_str(&str, kk->name),
					    .first_launch = (uint32_t)(p->ops[i].first_kernel + k), .nlaunch = 1,
					    .macs = kk->macs, .bytes = kk->bytes };
			if (kk->macs)
				o.cube_cycles = kk->macs / cg_mac_rate(kk->cube_dt);
			bb_put(&ops, &o, sizeof(o));
		}
	for (int i = 0; i < p->nops && !rc && !p->kernel_ops; i++) {
		struct sno_op o = { .name = bb_str(&str, p->ops[i].name), .type = bb_str(&str, p->ops[i].op),
				    .first_launch = (uint32_t)p->ops[i].first_kernel,
				    .nlaunch = (uint32_t)p->ops[i].nkernels };
		for (int k = 0; k < p->ops[i].nkernels; k++) {
			const struct cc_kernel *kk = &p->k[p->ops[i].first_kernel + k];
			o.macs += kk->macs;
			o.bytes += kk->bytes;
			if (kk->macs)
				o.cube_cycles += kk->macs / cg_mac_rate(kk->cube_dt);
		}
		bb_put(&ops, &o, sizeof(o));
	}
	if (!rc) {
		struct sno_hdr h;
		memset(&h, 0, sizeof(h));
		h.magic = SINAN_MODEL_MAGIC;
		h.version = SINAN_MODEL_FORMAT_MAJOR << 16 | SINAN_MODEL_FORMAT_MINOR;
		h.nlaunch = (uint32_t)p->nk;
		h.nargs = (uint32_t)(ar.n / sizeof(struct sno_arg));
		h.ninputs = (uint32_t)g->ninputs;
		h.noutputs = (uint32_t)g->noutputs;
		h.nops = (uint32_t)(ops.n / sizeof(struct sno_op));
		h.precision = (uint32_t)p->precision;
		h.arena_bytes = g->arena_bytes;
		h.naive_bytes = g->naive_bytes;
		h.scratch_bytes = p->scratch_bytes;
		h.weights_bytes = w.n;
		h.io_bytes = g->io_bytes;
		h.macs = macs;
		bb_put(&m, &h, sizeof(h));
		bb_align(&m, 8);
		h.launch_off = (uint32_t)bb_put(&m, la.p, la.n);
		bb_align(&m, 8);
		h.arg_off = (uint32_t)bb_put(&m, ar.p, ar.n);
		bb_align(&m, 8);
		h.io_off = (uint32_t)bb_put(&m, io.p, io.n);
		bb_align(&m, 8);
		h.op_off = (uint32_t)bb_put(&m, ops.p, ops.n);
		h.str_off = (uint32_t)bb_put(&m, str.p, str.n);
		h.str_size = (uint32_t)str.n;
		bb_align(&m, 8);
		h.spec_off = (uint32_t)bb_put(&m, spec.p, spec.n);
		h.spec_size = (uint32_t)spec.n;
		if (!m.oom)
			memcpy(m.p, &h, sizeof(h));
		struct sinan_model_note note;
		memset(&note, 0, sizeof(note));
		note.magic = SINAN_MODEL_MAGIC;
		note.format_major = SINAN_MODEL_FORMAT_MAJOR;
		note.format_minor = SINAN_MODEL_FORMAT_MINOR;
		note.isa_major = p->tgt.isa_major;
		note.isa_minor = p->tgt.isa_minor;
		note.precision = (uint32_t)p->precision;
		note.cores = p->tgt.cores;
		note.l1 = p->tgt.l1;
		note.l0a = p->tgt.l0a;
		note.l0b = p->tgt.l0b;
		note.l0c = p->tgt.l0c;
		note.ub = p->tgt.ub;
		snprintf(note.producer, sizeof(note.producer), "sinan-cc %d.%d.%d", SINAN_VERSION_MAJOR,
			 SINAN_VERSION_MINOR, SINAN_VERSION_PATCH);
		struct {
			Elf64_Nhdr nh;
			char name[8];
			struct sinan_model_note desc;
		} nt;
		memset(&nt, 0, sizeof(nt));
		nt.nh.n_namesz = sizeof(SINAN_NOTE_NAME);
		nt.nh.n_descsz = sizeof(note);
		nt.nh.n_type = SINAN_NOTE_MODEL;
		memcpy(nt.name, SINAN_NOTE_NAME, sizeof(SINAN_NOTE_NAME));
		nt.desc = note;
		if (w.oom || m.oom || la.oom || ar.oom || io.oom || ops.oom || str.oom || spec.oom) {
			rc = cc_err(g, ENOMEM, "out of memory");
		} else {
			struct sec s[] = {
				{ ".note.sinan", SHT_NOTE, &nt, sizeof(nt), 4 },
				{ ".sinan.kbin", SHT_PROGBITS, kbin, kbin_bytes, 8 },
				{ ".sinan.weights", SHT_PROGBITS, w.p, w.n, 64 },
				{ ".sinan.model", SHT_PROGBITS, m.p, m.n, 8 },
			};
			rc = write_elf(g, s, (int)CC_ARRAY_SIZE(s), image, bytes);
		}
	}
	if (kw)
		sinan_kbin_writer_destroy(kw);
	sinan_free(kbin);
	free(w.p);
	free(m.p);
	free(la.p);
	free(ar.p);
	free(io.p);
	free(ops.p);
	free(str.p);
	free(spec.p);
	return rc;
}

/* ---- status mapping ---------------------------------------------------------------------------- */
sinan_status cc_status(int rc)
{
	switch (-rc) {
	case 0: return SINAN_OK;
	case ENOMEM: return SINAN_E_OUT_OF_MEMORY;
	case ENOTSUP: return SINAN_E_NOT_SUPPORTED;
	case EIO: return SINAN_E_IO;
	default: return SINAN_E_INVALID_ARGUMENT;
	}
}

static int target_of(sinan_device_t dev, struct cc_target *t)
{
	cc_target_default(t);
	if (!dev)
		return 0;
	struct sinan_device_props pr = { .size = sizeof(pr) };
	if (sinan_device_get_props(dev, &pr) != SINAN_OK)
		return -EIO;
	t->cores = pr.num_cores;
	t->l1 = pr.l1_size;
	t->l0a = pr.l0a_size;
	t->l0b = pr.l0b_size;
	t->l0c = pr.l0c_size;
	t->ub = pr.ub_size;
	t->clock_mhz = pr.clock_mhz;
	t->devmem_bw_mbps = pr.devmem_bw_mbps;
	t->caps = pr.caps;
	t->isa_major = pr.isa_version >> 16;
	t->isa_minor = pr.isa_version & 0xffff;
	return 0;
}

/* Parse "name=1x3x224x224;other=4x5" and bind. */
static int bind_shapes(struct cc_graph *g, const char *spec)
{
	char buf[4096], *save = NULL;
	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof(buf))
		return cc_err(g, EINVAL, "shape list too long");
	strcpy(buf, spec);
	for (char *it = strtok_r(buf, ";,", &save); it; it = strtok_r(NULL, ";,", &save)) {
		char *eq = strrchr(it, '=');
		int64_t d[CC_MAX_RANK];
		int r = 0;
		if (!eq)
			return cc_err(g, EINVAL, "shape '%s' is not name=DxDx...", it);
		*eq = 0;
		for (char *p = eq + 1; *p;) {
			char *end;
			long long v = strtoll(p, &end, 10);
			if (end == p || v < 0 || r >= CC_MAX_RANK)
				return cc_err(g, EINVAL, "bad shape for '%s'", it);
			d[r++] = v;
			p = *end == 'x' ? end + 1 : end;
			if (*end && *end != 'x')
				return cc_err(g, EINVAL, "bad shape for '%s'", it);
		}
		if (cc_bind_input_shape(g, it, r, d))
			return -g->err_code;
	}
	return 0;
}

int cc_compile_image(struct cc_graph *g, const struct cc_target *t, const struct cc_copts *co, void **image,
		     size_t *bytes)
{
	struct cc_program *p = NULL;
	int rc = cc_compile(g, t, co, &p);
	if (!rc)
		rc = cc_model_image(g, p, image, bytes);
	cc_program_free(p);
	return rc;
}

static sinan_status compile_graph(sinan_graph_t g, sinan_device_t dev, const struct sinan_model_options *o,
				  void **image, size_t *bytes)
{
	struct cc_target t;
	struct cc_copts co = { .precision = o ? (int)o->precision : 0, .flags = o ? o->flags : 0,
			       .calibration = o ? o->calibration : NULL };
	int rc;

	if (target_of(dev, &t))
		return sinan_error(SINAN_E_IO, "cannot read the device's properties: %s", sinan_last_error_message());
	rc = bind_shapes(g, o ? o->shapes : NULL);
	if (!rc)
		rc = cc_compile_image(g, &t, &co, image, bytes);
	if (rc)
		return sinan_error(cc_status(rc), "%s", g->err);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_compile(sinan_graph_t graph, sinan_device_t dev,
					   const struct sinan_model_options *opts, void **image, size_t *bytes)
{
	API_ENTER();
	CHECK_ARG(graph && image && bytes, "graph, image or bytes is NULL");
	CHECK_ARG(!opts || opts->size >= sizeof(*opts), "options size");
	*image = NULL;
	*bytes = 0;
	return compile_graph(graph, dev, opts, image, bytes);
}

SINAN_API sinan_status sinan_model_compile_onnx(const char *path, sinan_device_t dev,
						const struct sinan_model_options *opts, void **image, size_t *bytes)
{
	char err[1024];
	sinan_graph_t g;
	int rc;

	API_ENTER();
	CHECK_ARG(path && image && bytes, "path, image or bytes is NULL");
	CHECK_ARG(!opts || opts->size >= sizeof(*opts), "options size");
	*image = NULL;
	*bytes = 0;
	rc = sinan_graph_import_onnx_file(path, &g, err, sizeof(err));
	if (rc)
		return sinan_error(cc_status(rc), "%s", err);
	sinan_status st = compile_graph(g, dev, opts, image, bytes);
	sinan_graph_destroy(g);
	return st;
}

/* ---- reader ------------------------------------------------------------------------------------------ */
struct parsed {
	const struct sinan_model_note *note;
	const uint8_t *kbin, *weights, *model;
	size_t kbin_bytes, weights_bytes, model_bytes;
	struct sno_hdr h;
	const struct sno_launch *launch;
	const struct sno_arg *args;
	const struct sno_io *io;
	const struct sno_op *ops;
	const char *str;
	const uint8_t *spec;
};

static bool in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static const char *pstr(const struct parsed *p, uint32_t off)
{
	return off < p->h.str_size ? p->str + off : "";
}

static sinan_status bad(const char *what)
{
	return sinan_error(SINAN_E_BAD_BINARY, "model image: %s", what);
}

static sinan_status parse(const void *image, size_t bytes, struct parsed *p)
{
	const uint8_t *b = image;
	const Elf64_Ehdr *eh = image;

	memset(p, 0, sizeof(*p));
	if (bytes < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad("not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad("not ELF64 little-endian");
	if (eh->e_machine != SINAN_ELF_MACHINE)
		return bad("not a Sinan image (e_machine)");
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || !eh->e_shnum || eh->e_shstrndx >= eh->e_shnum ||
	    !in_bounds(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), bytes) || eh->e_shoff % 8)
		return bad("bad section header table");
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
	const Elf64_Shdr *ss = &sh[eh->e_shstrndx];
	if (!in_bounds(ss->sh_offset, ss->sh_size, bytes) || !ss->sh_size || b[ss->sh_offset + ss->sh_size - 1])
		return bad("bad section name table");
	for (unsigned i = 1; i < eh->e_shnum; i++) {
		if (!in_bounds(sh[i].sh_offset, sh[i].sh_size, bytes))
			return bad("section out of the file");
		if (sh[i].sh_name >= ss->sh_size)
			return bad("bad section name");
		const char *nm = (const char *)b + ss->sh_offset + sh[i].sh_name;
		const uint8_t *d = b + sh[i].sh_offset;
		if (!strcmp(nm, ".note.sinan")) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)d;
			/* Aligned before its fields are read (the fuzzer's find). */
			if ((sh[i].sh_offset % 4) ||
			    sh[i].sh_size < sizeof(*nh) + 8 + sizeof(struct sinan_model_note) ||
			    nh->n_type != SINAN_NOTE_MODEL || nh->n_namesz != sizeof(SINAN_NOTE_NAME) ||
			    nh->n_descsz < sizeof(struct sinan_model_note) ||
			    memcmp(d + sizeof(*nh), SINAN_NOTE_NAME, sizeof(SINAN_NOTE_NAME)) || (sh[i].sh_offset % 4))
				return bad("not a model note (SINAN_NOTE_MODEL)");
			p->note = (const struct sinan_model_note *)(d + sizeof(*nh) + 8);
		} else if (!strcmp(nm, ".sinan.kbin")) {
			p->kbin = d;
			p->kbin_bytes = sh[i].sh_size;
		} else if (!strcmp(nm, ".sinan.weights")) {
			p->weights = d;
			p->weights_bytes = sh[i].sh_size;
		} else if (!strcmp(nm, ".sinan.model")) {
			if (sh[i].sh_offset % 8)
				return bad("misaligned model section");
			p->model = d;
			p->model_bytes = sh[i].sh_size;
		}
	}
	if (!p->note || !p->kbin || !p->weights || !p->model)
		return bad("missing sections");
	if (p->note->magic != SINAN_MODEL_MAGIC)
		return bad("bad magic");
	if (p->note->format_major != SINAN_MODEL_FORMAT_MAJOR || p->note->format_minor > SINAN_MODEL_FORMAT_MINOR)
		return sinan_error(SINAN_E_VERSION_MISMATCH, "model image format %u.%u, this library reads %u.%u",
				   p->note->format_major, p->note->format_minor, SINAN_MODEL_FORMAT_MAJOR,
				   SINAN_MODEL_FORMAT_MINOR);
	if (p->model_bytes < sizeof(struct sno_hdr))
		return bad("short model section");
	memcpy(&p->h, p->model, sizeof(p->h));
	const struct sno_hdr *h = &p->h;
	if (h->magic != SINAN_MODEL_MAGIC || h->version >> 16 != SINAN_MODEL_FORMAT_MAJOR)
		return bad("bad model header");
	if (h->nlaunch > SNO_MAX_LAUNCH || h->nargs > SNO_MAX_ARGS || h->ninputs > SNO_MAX_IO ||
	    h->noutputs > SNO_MAX_IO || h->nops > SNO_MAX_LAUNCH)
		return bad("too many entries");
	if (!in_bounds(h->launch_off, (uint64_t)h->nlaunch * sizeof(struct sno_launch), p->model_bytes) ||
	    !in_bounds(h->arg_off, (uint64_t)h->nargs * sizeof(struct sno_arg), p->model_bytes) ||
	    !in_bounds(h->io_off, (uint64_t)(h->ninputs + h->noutputs) * sizeof(struct sno_io), p->model_bytes) ||
	    !in_bounds(h->op_off, (uint64_t)h->nops * sizeof(struct sno_op), p->model_bytes) ||
	    !in_bounds(h->str_off, h->str_size, p->model_bytes) ||
	    !in_bounds(h->spec_off, h->spec_size, p->model_bytes) || !h->str_size ||
	    h->launch_off % 8 || h->arg_off % 8 || h->io_off % 8 || h->op_off % 8)
		return bad("table out of the section");
	p->launch = (const void *)(p->model + h->launch_off);
	p->args = (const void *)(p->model + h->arg_off);
	p->io = (const void *)(p->model + h->io_off);
	p->ops = (const void *)(p->model + h->op_off);
	p->str = (const char *)p->model + h->str_off;
	p->spec = p->model + h->spec_off;
	if (p->str[h->str_size - 1])
		return bad("unterminated strings");
	if (h->arena_bytes > SNO_MAX_BYTES || h->scratch_bytes > SNO_MAX_BYTES || h->weights_bytes != p->weights_bytes)
		return bad("bad sizes");
	for (uint32_t i = 0; i < h->nlaunch; i++) {
		const struct sno_launch *l = &p->launch[i];
		if (!l->blocks || l->blocks > SINAN_LAUNCH_MAX_BLOCKS || l->nargs > CG_MAX_ARGS ||
		    l->first_arg > h->nargs || l->nargs > h->nargs - l->first_arg || (l->op >= h->nops && h->nops))
			return bad("bad launch");
	}
	for (uint32_t i = 0; i < h->ninputs + h->noutputs; i++) {
		const struct sno_io *io = &p->io[i];
		bool ovf;
		if (io->rank > CC_MAX_RANK || !cc_dtype_valid((int)io->dtype) || !cc_dtype_valid((int)io->dev_dtype))
			return bad("bad input/output");
		for (uint32_t k = 0; k < io->rank; k++)
			if (io->dims[k] < 0)
				return bad("bad input/output dims");
		uint64_t n = cc_dims_elems((int)io->rank, io->dims, &ovf);
		if (ovf || io->bytes != n * cc_dtype_size((int)io->dtype) ||
		    io->dev_bytes != n * cc_dtype_size((int)io->dev_dtype) || io->dev_bytes > SNO_MAX_BYTES)
			return bad("bad input/output size");
		if (io->spec_bytes && (io->spec_bytes != io->bytes || !in_bounds(io->spec_off, io->spec_bytes, h->spec_size)))
			return bad("bad specialized input");
		if (io->name >= h->str_size)
			return bad("bad name");
	}
	for (uint32_t i = 0; i < h->nargs; i++) {
		const struct sno_arg *a = &p->args[i];
		uint64_t lim;
		switch (a->kind) {
		case SNO_ARENA: lim = h->arena_bytes; break;
		case SNO_WEIGHTS: lim = h->weights_bytes; break;
		case SNO_SCRATCH: lim = h->scratch_bytes; break;
		case SNO_INPUT:
			if (a->index >= h->ninputs)
				return bad("bad argument");
			lim = p->io[a->index].dev_bytes;
			break;
		case SNO_OUTPUT:
			if (a->index >= h->noutputs)
				return bad("bad argument");
			lim = p->io[h->ninputs + a->index].dev_bytes;
			break;
		default:
			return bad("bad argument kind");
		}
		if (a->offset > lim)
			return bad("argument out of its buffer");
	}
	for (uint32_t i = 0; i < h->nops; i++) {
		const struct sno_op *o = &p->ops[i];
		if (o->first_launch > h->nlaunch || o->nlaunch > h->nlaunch - o->first_launch)
			return bad("bad op");
	}
	return SINAN_OK;
}

/* ---- loaded models ---------------------------------------------------------------------------------- */
struct mio {
	struct sinan_model_tensor t;
	int dtype, dev_dtype;
	uint64_t dev_bytes;
	sinan_buffer_t dev, host;
	void *hp;
	void *spec;		/* bound value of a specialized input */
};

struct mop {
	char name[128], type[48];
	uint32_t first, n;
	uint64_t macs, bytes, cube_cycles;
	uint64_t cycles;
};

struct sinan_model {
	sinan_device_t dev;
	sinan_module_t mod;
	sinan_buffer_t weights, arena, scratch;
	sinan_cmdbuf_t cb;
	sinan_queue_t q;
	sinan_event_t *ev;	/* nops + 3: before inputs, ops..., after outputs */
	struct mio *in, *out;
	uint32_t nin, nout;
	struct mop *ops;
	uint32_t nops, nlaunch;
	struct sno_hdr h;
	uint32_t precision, cores;
	struct sinan_model_run_stats last;
	bool ran;
};

SINAN_API sinan_status sinan_model_destroy(sinan_model_t m)
{
	if (!m)
		return SINAN_OK;
	if (m->q)
		sinan_queue_destroy(m->q);
	if (m->cb)
		sinan_cmdbuf_destroy(m->cb);
	for (uint32_t i = 0; m->ev && i < m->nops + 3; i++)
		if (m->ev[i])
			sinan_event_destroy(m->ev[i]);
	for (uint32_t i = 0; i < m->nin; i++) {
		if (m->in[i].dev)
			sinan_buffer_destroy(m->in[i].dev);
		if (m->in[i].host)
			sinan_buffer_destroy(m->in[i].host);
		free(m->in[i].spec);
	}
	for (uint32_t i = 0; i < m->nout; i++) {
		if (m->out[i].dev)
			sinan_buffer_destroy(m->out[i].dev);
		if (m->out[i].host)
			sinan_buffer_destroy(m->out[i].host);
	}
	if (m->weights)
		sinan_buffer_destroy(m->weights);
	if (m->arena)
		sinan_buffer_destroy(m->arena);
	if (m->scratch)
		sinan_buffer_destroy(m->scratch);
	if (m->mod)
		sinan_module_destroy(m->mod);
	free(m->ev);
	free(m->in);
	free(m->out);
	free(m->ops);
	free(m);
	return SINAN_OK;
}

static sinan_status dev_buffer(sinan_device_t dev, uint64_t bytes, uint32_t placement, sinan_buffer_t *b)
{
	return sinan_buffer_create(dev, bytes ? bytes : 4096, placement, 0, b);
}

static sinan_status load_io(struct sinan_model *m, const struct parsed *p, struct mio *io, const struct sno_io *s)
{
	sinan_status st;
	memset(io, 0, sizeof(*io));
	io->t.size = sizeof(io->t);
	snprintf(io->t.name, sizeof(io->t.name), "%s", pstr(p, s->name));
	io->t.type = (enum sinan_type)s->dtype;
	io->t.rank = s->rank;
	for (uint32_t k = 0; k < s->rank; k++)
		io->t.dims[k] = s->dims[k];
	io->t.bytes = s->bytes;
	io->dtype = (int)s->dtype;
	io->dev_dtype = (int)s->dev_dtype;
	io->dev_bytes = s->dev_bytes;
	if (s->spec_bytes) {
		io->spec = malloc(s->spec_bytes);
		if (!io->spec)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		memcpy(io->spec, p->spec + s->spec_off, s->spec_bytes);
	}
	st = dev_buffer(m->dev, io->dev_bytes, SINAN_MEM_DEVICE, &io->dev);
	if (st == SINAN_OK)
		st = dev_buffer(m->dev, io->dev_bytes, SINAN_MEM_HOST, &io->host);
	if (st == SINAN_OK)
		st = sinan_buffer_map(io->host, &io->hp);
	return st;
}

SINAN_API sinan_status sinan_model_load(sinan_device_t dev, const void *image, size_t bytes, sinan_model_t *out)
{
	struct parsed p;
	sinan_status st;
	struct sinan_model *m;

	API_ENTER();
	CHECK_ARG(dev && image && out, "device, image or model is NULL");
	*out = NULL;
	st = parse(image, bytes, &p);
	if (st != SINAN_OK)
		return st;
	struct cc_target t;
	if (target_of(dev, &t))
		return sinan_error(SINAN_E_IO, "cannot read the device's properties");
	if (t.l1 < p.note->l1 || t.l0a < p.note->l0a || t.l0b < p.note->l0b || t.l0c < p.note->l0c ||
	    t.ub < p.note->ub)
		return sinan_error(SINAN_E_VERSION_MISMATCH, "the model was compiled for larger on-chip buffers "
				   "(L1 %u, L0A %u, L0B %u, L0C %u, UB %u) than the device has (%u, %u, %u, %u, %u): "
				   "recompile it for this device", p.note->l1, p.note->l0a, p.note->l0b, p.note->l0c,
				   p.note->ub, t.l1, t.l0a, t.l0b, t.l0c, t.ub);
	m = calloc(1, sizeof(*m));
	if (!m)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	m->dev = dev;
	m->h = p.h;
	m->precision = p.note->precision;
	m->cores = t.cores;
	m->nin = p.h.ninputs;
	m->nout = p.h.noutputs;
	m->nops = p.h.nops;
	m->nlaunch = p.h.nlaunch;
	m->in = calloc(m->nin + 1, sizeof(*m->in));
	m->out = calloc(m->nout + 1, sizeof(*m->out));
	m->ops = calloc(m->nops + 1, sizeof(*m->ops));
	m->ev = calloc(m->nops + 3, sizeof(*m->ev));
	if (!m->in || !m->out || !m->ops || !m->ev) {
		st = sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		goto fail;
	}
	st = sinan_module_load(dev, p.kbin, p.kbin_bytes, &m->mod);
	if (st != SINAN_OK)
		goto fail;
	for (uint32_t i = 0; i < m->nin && st == SINAN_OK; i++)
		st = load_io(m, &p, &m->in[i], &p.io[i]);
	for (uint32_t i = 0; i < m->nout && st == SINAN_OK; i++)
		st = load_io(m, &p, &m->out[i], &p.io[m->nin + i]);
	if (st == SINAN_OK)
		st = dev_buffer(dev, p.h.weights_bytes, SINAN_MEM_DEVICE, &m->weights);
	if (st == SINAN_OK)
		st = dev_buffer(dev, p.h.arena_bytes, SINAN_MEM_DEVICE, &m->arena);
	if (st == SINAN_OK)
		st = dev_buffer(dev, p.h.scratch_bytes, SINAN_MEM_DEVICE, &m->scratch);
	if (st == SINAN_OK)
		st = sinan_queue_create(dev, NULL, &m->q);
	if (st != SINAN_OK)
		goto fail;
	/* weights: through a host staging buffer and a copy */
	if (p.h.weights_bytes) {
		sinan_buffer_t stage;
		void *sp;
		st = dev_buffer(dev, p.h.weights_bytes, SINAN_MEM_HOST, &stage);
		if (st != SINAN_OK)
			goto fail;
		st = sinan_buffer_map(stage, &sp);
		if (st == SINAN_OK) {
			memcpy(sp, p.weights, p.h.weights_bytes);
			st = sinan_queue_copy(m->q, m->weights, 0, stage, 0, p.h.weights_bytes);
		}
		if (st == SINAN_OK)
			st = sinan_queue_finish(m->q, SINAN_TIMEOUT_INFINITE);
		sinan_buffer_destroy(stage);
		if (st != SINAN_OK)
			goto fail;
	}
	/* ops */
	for (uint32_t i = 0; i < m->nops; i++) {
		snprintf(m->ops[i].name, sizeof(m->ops[i].name), "%s", pstr(&p, p.ops[i].name));
		snprintf(m->ops[i].type, sizeof(m->ops[i].type), "%s", pstr(&p, p.ops[i].type));
		m->ops[i].first = p.ops[i].first_launch;
		m->ops[i].n = p.ops[i].nlaunch;
		m->ops[i].macs = p.ops[i].macs;
		m->ops[i].cube_cycles = p.ops[i].cube_cycles;
		m->ops[i].bytes = p.ops[i].bytes;
	}
	for (uint32_t i = 0; i < m->nops + 3 && st == SINAN_OK; i++)
		st = sinan_event_create(dev, &m->ev[i]);
	/* the command buffer: inputs in, kernels (timestamped per op), outputs out */
	if (st == SINAN_OK)
		st = sinan_cmdbuf_create(dev, &m->cb);
	if (st != SINAN_OK)
		goto fail;
	st = sinan_cmdbuf_timestamp(m->cb, m->ev[0]);
	for (uint32_t i = 0; i < m->nin && st == SINAN_OK; i++)
		if (m->in[i].dev_bytes)
			st = sinan_cmdbuf_copy(m->cb, m->in[i].dev, 0, m->in[i].host, 0, m->in[i].dev_bytes);
	if (st == SINAN_OK)
		st = sinan_cmdbuf_timestamp(m->cb, m->ev[1]);
	uint32_t op = 0;
	for (uint32_t i = 0; i < m->nlaunch && st == SINAN_OK; i++) {
		const struct sno_launch *l = &p.launch[i];
		struct sinan_kernel_info ki = { .size = sizeof(ki) };
		sinan_kernel_t k;
		struct sinan_arg args[CG_MAX_ARGS];
		st = sinan_kbin_get_kernel(p.kbin, p.kbin_bytes, i, &ki, NULL);
		if (st == SINAN_OK)
			st = sinan_module_get_kernel(m->mod, ki.name, &k);
		if (st != SINAN_OK)
			break;
		for (uint32_t j = 0; j < l->nargs; j++) {
			const struct sno_arg *a = &p.args[l->first_arg + j];
			memset(&args[j], 0, sizeof(args[j]));
			args[j].kind = SINAN_ARG_BUFFER;
			args[j].offset = a->offset;
			switch (a->kind) {
			case SNO_ARENA: args[j].buffer = m->arena; break;
			case SNO_WEIGHTS: args[j].buffer = m->weights; break;
			case SNO_SCRATCH: args[j].buffer = m->scratch; break;
			case SNO_INPUT: args[j].buffer = m->in[a->index].dev; break;
			case SNO_OUTPUT: args[j].buffer = m->out[a->index].dev; break;
			}
		}
		struct sinan_launch la = { .size = sizeof(la), .blocks = l->blocks, .num_args = l->nargs, .args = args };
		st = sinan_cmdbuf_launch(m->cb, k, &la);
		/* timestamp after the last kernel of each op */
		while (st == SINAN_OK && op < m->nops && m->ops[op].first + m->ops[op].n == i + 1) {
			st = sinan_cmdbuf_timestamp(m->cb, m->ev[2 + op]);
			op++;
		}
	}
	while (st == SINAN_OK && op < m->nops) {	/* ops without kernels */
		st = sinan_cmdbuf_timestamp(m->cb, m->ev[2 + op]);
		op++;
	}
	for (uint32_t i = 0; i < m->nout && st == SINAN_OK; i++)
		if (m->out[i].dev_bytes)
			st = sinan_cmdbuf_copy(m->cb, m->out[i].host, 0, m->out[i].dev, 0, m->out[i].dev_bytes);
	if (st == SINAN_OK)
		st = sinan_cmdbuf_timestamp(m->cb, m->ev[m->nops + 2]);
	if (st == SINAN_OK)
		st = sinan_cmdbuf_end(m->cb);
	if (st != SINAN_OK)
		goto fail;
	*out = m;
	return SINAN_OK;
fail:
	sinan_model_destroy(m);
	return st;
}

/* ---- loading files, the compile cache ---------------------------------------------------------------- */
static uint64_t fnv(uint64_t h, const void *d, size_t n)
{
	const uint8_t *p = d;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static int cache_dir(char *buf, size_t len)
{
	const char *d = getenv("SINAN_CACHE_DIR");
	if (d && !strcmp(d, "off"))
		return -1;
	if (d && *d)
		snprintf(buf, len, "%s", d);
	else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME"))
		snprintf(buf, len, "%s/sinan", getenv("XDG_CACHE_HOME"));
	else if (getenv("HOME") && *getenv("HOME"))
		snprintf(buf, len, "%s/.cache/sinan", getenv("HOME"));
	else
		return -1;
	return 0;
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

SINAN_API sinan_status sinan_model_load_file(sinan_device_t dev, const char *path,
					     const struct sinan_model_options *opts, sinan_model_t *model)
{
	void *data = NULL, *img = NULL;
	size_t size = 0, isz = 0;
	char err[512], dir[PATH_MAX], cpath[PATH_MAX + 64];
	sinan_status st;
	int rc;

	API_ENTER();
	CHECK_ARG(dev && path && model, "device, path or model is NULL");
	CHECK_ARG(!opts || opts->size >= sizeof(*opts), "options size");
	*model = NULL;
	rc = cc_read_file(path, &data, &size, 4ULL << 30, err, sizeof(err));
	if (rc)
		return sinan_error(cc_status(rc), "%s", err);
	if (size >= 4 && !memcmp(data, ELFMAG, SELFMAG)) {
		st = sinan_model_load(dev, data, size, model);
		free(data);
		return st;
	}
	if (!ends_with(path, ".onnx") && size && ((uint8_t *)data)[0] != 0x08) {
		free(data);
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "%s: neither a model image (.sno) nor ONNX", path);
	}
	/* ONNX: compile for this device, through the cache */
	struct cc_target t;
	target_of(dev, &t);
	uint64_t key = fnv(1469598103934665603ULL, data, size);
	key = fnv(key, &t, sizeof(t));
	uint32_t prec = opts ? (uint32_t)opts->precision : 0, fl = opts ? opts->flags : 0;
	key = fnv(key, &prec, sizeof(prec));
	key = fnv(key, &fl, sizeof(fl));
	if (opts && opts->shapes)
		key = fnv(key, opts->shapes, strlen(opts->shapes));
	if (opts && opts->calibration) {	/* its contents (a missing file fails the compile below) */
		void *cal = NULL;
		size_t csz = 0;
		if (!cc_read_file(opts->calibration, &cal, &csz, 16u << 20, err, sizeof(err)))
			key = fnv(key, cal, csz);
		free(cal);
		key = fnv(key, "cal", 3);
	}
	key = fnv(key, __DATE__ __TIME__, sizeof(__DATE__ __TIME__));	/* compiler build */
	bool cache = !(fl & SINAN_MODEL_F_NO_CACHE) && !cache_dir(dir, sizeof(dir));
	if (cache) {
		snprintf(cpath, sizeof(cpath), "%s/%016llx.sno", dir, (unsigned long long)key);
		if (!cc_read_file(cpath, &img, &isz, 4ULL << 30, err, sizeof(err))) {
			st = sinan_model_load(dev, img, isz, model);
			free(img);
			if (st == SINAN_OK) {
				free(data);
				return st;
			}
			unlink(cpath);	/* stale or corrupt: compile again */
		}
	}
	sinan_graph_t g;
	char dirbuf[PATH_MAX];
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	char *slash = strrchr(dirbuf, '/');
	if (slash)
		*slash = 0;
	rc = sinan_graph_import_onnx_file(path, &g, err, sizeof(err));
	free(data);
	if (rc)
		return sinan_error(cc_status(rc), "%s", err);
	st = compile_graph(g, dev, opts, &img, &isz);
	sinan_graph_destroy(g);
	if (st != SINAN_OK)
		return st;
	if (cache) {
		mkdirs(dir);
		char tmp[PATH_MAX + 96];
		snprintf(tmp, sizeof(tmp), "%s.%d.tmp", cpath, (int)getpid());
		FILE *f = fopen(tmp, "wb");
		if (f) {
			bool ok = fwrite(img, 1, isz, f) == isz;
			ok = !fclose(f) && ok;
			if (!ok || rename(tmp, cpath))
				unlink(tmp);
		}
	}
	st = sinan_model_load(dev, img, isz, model);
	free(img);
	return st;
}

/* ---- running ---------------------------------------------------------------------------------------------- */
static int find_io(const struct mio *v, uint32_t n, const struct sinan_model_io *io, uint32_t pos)
{
	if (!io->name)
		return pos < n ? (int)pos : -1;
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(v[i].t.name, io->name))
			return (int)i;
	return -1;
}

static sinan_status put_input(struct mio *in, const void *data, size_t bytes)
{
	uint64_t n = in->t.bytes / (cc_dtype_size(in->dtype) ? cc_dtype_size(in->dtype) : 1);
	if (bytes != in->t.bytes)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "input '%s' is %llu bytes, got %zu", in->t.name,
				   (unsigned long long)in->t.bytes, bytes);
	if (in->spec && memcmp(in->spec, data, bytes))
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "input '%s' decides shapes and the model was compiled "
				   "for another value: recompile for this one", in->t.name);
	if (in->dtype == in->dev_dtype) {
		memcpy(in->hp, data, bytes);
		return SINAN_OK;
	}
	for (uint64_t i = 0; i < n; i++) {
		int64_t v = cc_ldi(in->dtype, data, i);
		if (in->dtype == SINAN_TYPE_INT64 && (v < INT32_MIN || v > INT32_MAX))
			return sinan_error(SINAN_E_INVALID_ARGUMENT, "input '%s' element %llu (%lld) does not fit "
					   "the device's int32", in->t.name, (unsigned long long)i, (long long)v);
		cc_sti(in->dev_dtype, in->hp, i, v);
	}
	return SINAN_OK;
}

static void get_output(const struct mio *o, void *data)
{
	uint64_t n = o->t.bytes / (cc_dtype_size(o->dtype) ? cc_dtype_size(o->dtype) : 1);
	if (o->dtype == o->dev_dtype) {
		memcpy(data, o->hp, o->t.bytes);
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (o->dtype == SINAN_TYPE_BOOL)
			((uint8_t *)data)[i] = ((const uint8_t *)o->hp)[i] != 0;
		else
			cc_sti(o->dtype, data, i, cc_ldi(o->dev_dtype, o->hp, i));
	}
}

static void collect_stats(struct sinan_model *m)
{
	uint64_t c0 = 0, c1 = 0, prev;
	uint64_t ideal = 0;

	sinan_event_elapsed(m->ev[1], m->ev[m->nops + 1], NULL, &c0);
	sinan_event_elapsed(m->ev[0], m->ev[m->nops + 2], NULL, &c1);
	prev = 1;
	for (uint32_t i = 0; i < m->nops; i++) {
		uint64_t c = 0;
		sinan_event_elapsed(m->ev[prev], m->ev[2 + i], NULL, &c);
		m->ops[i].cycles = c;
		prev = 2 + i;
		ideal += m->ops[i].cube_cycles;
	}
	m->last.size = sizeof(m->last);
	m->last.device_cycles = c0;
	m->last.total_cycles = c1;
	struct sinan_device_props pr = { .size = sizeof(pr) };
	uint32_t mhz = 1000;
	if (sinan_device_get_props(m->dev, &pr) == SINAN_OK && pr.clock_mhz)
		mhz = pr.clock_mhz;
	m->last.device_ns = c0 * 1000 / mhz;
	m->last.cube_utilization = 0;
	if (c0 && m->cores)
		m->last.cube_utilization = (double)ideal / ((double)c0 * m->cores);
	m->ran = true;
}

SINAN_API sinan_status sinan_model_run(sinan_model_t m, uint32_t nin, const struct sinan_model_io *in,
				       uint32_t nout, const struct sinan_model_io *out)
{
	sinan_status st;

	API_ENTER();
	CHECK_ARG(m, "model is NULL");
	CHECK_ARG(nin == m->nin && (!nin || in), "the model has %u inputs, got %u", m->nin, nin);
	CHECK_ARG(nout <= m->nout && (!nout || out), "the model has %u outputs, asked for %u", m->nout, nout);
	for (uint32_t i = 0; i < nin; i++) {
		int k = find_io(m->in, m->nin, &in[i], i);
		if (k < 0)
			return sinan_error(SINAN_E_NOT_FOUND, "no input named '%s'", in[i].name ? in[i].name : "?");
		CHECK_ARG(in[i].data || !in[i].bytes, "input %u has no data", i);
		st = put_input(&m->in[k], in[i].data, in[i].bytes);
		if (st != SINAN_OK)
			return st;
	}
	for (uint32_t i = 0; i < nout; i++) {
		int k = find_io(m->out, m->nout, &out[i], i);
		if (k < 0)
			return sinan_error(SINAN_E_NOT_FOUND, "no output named '%s'", out[i].name ? out[i].name : "?");
		if (out[i].bytes != m->out[k].t.bytes)
			return sinan_error(SINAN_E_INVALID_ARGUMENT, "output '%s' is %llu bytes, got %zu",
					   m->out[k].t.name, (unsigned long long)m->out[k].t.bytes, out[i].bytes);
	}
	st = sinan_queue_exec(m->q, m->cb);
	if (st == SINAN_OK)
		st = sinan_queue_finish(m->q, SINAN_TIMEOUT_INFINITE);
	if (st != SINAN_OK) {
		sinan_queue_recover(m->q);
		return st;
	}
	collect_stats(m);
	for (uint32_t i = 0; i < nout; i++) {
		int k = find_io(m->out, m->nout, &out[i], i);
		get_output(&m->out[k], out[i].data);
	}
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_input_buffer(sinan_model_t m, uint32_t index, void **data, size_t *bytes)
{
	API_ENTER();
	CHECK_ARG(m && data && bytes && index < m->nin, "bad model, index or pointers");
	*data = m->in[index].hp;
	*bytes = m->in[index].dev_bytes;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_output_buffer(sinan_model_t m, uint32_t index, void **data, size_t *bytes)
{
	API_ENTER();
	CHECK_ARG(m && data && bytes && index < m->nout, "bad model, index or pointers");
	*data = m->out[index].hp;
	*bytes = m->out[index].dev_bytes;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_enqueue(sinan_model_t m, sinan_queue_t queue)
{
	API_ENTER();
	CHECK_ARG(m && queue, "model or queue is NULL");
	return sinan_queue_exec(queue, m->cb);
}

SINAN_API sinan_status sinan_model_get_info(sinan_model_t m, struct sinan_model_info *info)
{
	API_ENTER();
	CHECK_ARG(m && info && info->size >= sizeof(*info), "bad model or info");
	info->num_inputs = m->nin;
	info->num_outputs = m->nout;
	info->num_ops = m->nops;
	info->num_kernels = m->nlaunch;
	info->precision = m->precision;
	info->weights_bytes = m->h.weights_bytes;
	info->arena_bytes = m->h.arena_bytes;
	info->arena_naive_bytes = m->h.naive_bytes;
	info->io_bytes = m->h.io_bytes;
	info->scratch_bytes = m->h.scratch_bytes;
	info->peak_bytes = m->h.weights_bytes + m->h.arena_bytes + m->h.io_bytes + m->h.scratch_bytes;
	info->macs = m->h.macs;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_get_input(sinan_model_t m, uint32_t index, struct sinan_model_tensor *t)
{
	API_ENTER();
	CHECK_ARG(m && t && t->size >= sizeof(*t) && index < m->nin, "bad model, index or tensor");
	*t = m->in[index].t;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_get_output(sinan_model_t m, uint32_t index, struct sinan_model_tensor *t)
{
	API_ENTER();
	CHECK_ARG(m && t && t->size >= sizeof(*t) && index < m->nout, "bad model, index or tensor");
	*t = m->out[index].t;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_get_op_stats(sinan_model_t m, uint32_t index, struct sinan_model_op_stats *s)
{
	API_ENTER();
	CHECK_ARG(m && s && s->size >= sizeof(*s) && index < m->nops, "bad model, index or stats");
	if (!m->ran)
		return sinan_error(SINAN_E_NOT_READY, "the model has not run yet");
	const struct mop *o = &m->ops[index];
	snprintf(s->name, sizeof(s->name), "%s", o->name);
	snprintf(s->op, sizeof(s->op), "%s", o->type);
	s->kernels = o->n;
	s->cycles = o->cycles;
	s->macs = o->macs;
	s->bytes = o->bytes;
	s->cube_utilization = o->cycles && m->cores ? (double)o->cube_cycles / ((double)o->cycles * m->cores) : 0;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_model_get_run_stats(sinan_model_t m, struct sinan_model_run_stats *s)
{
	API_ENTER();
	CHECK_ARG(m && s && s->size >= sizeof(*s), "bad model or stats");
	if (!m->ran)
		return sinan_error(SINAN_E_NOT_READY, "the model has not run yet");
	*s = m->last;
	return SINAN_OK;
}
