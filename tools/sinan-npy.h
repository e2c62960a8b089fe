/* SPDX-License-Identifier: MIT */
/*
 * Shared by sinan-run and sinan-cc: .npy files (NumPy format 1.0/2.0, C
 * order) and raw binaries as tensors, NAME=FILE arguments, precision names.
 */
#ifndef SINAN_TOOLS_NPY_H
#define SINAN_TOOLS_NPY_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan_model.h>

#define MAXIO 64

struct arr {
	char name[128];
	const char *path;
	void *data;
	size_t bytes;
	int rank;
	int64_t dims[SINAN_MAX_RANK];
	enum sinan_type type;
	bool npy;
};

static const struct { const char *d; enum sinan_type t; } npy_types[] = {
	{ "<f4", SINAN_TYPE_FLOAT }, { "<f2", SINAN_TYPE_FLOAT16 }, { "<f8", SINAN_TYPE_DOUBLE },
	{ "|u1", SINAN_TYPE_UINT8 }, { "|i1", SINAN_TYPE_INT8 }, { "<i2", SINAN_TYPE_INT16 },
	{ "<u2", SINAN_TYPE_UINT16 }, { "<i4", SINAN_TYPE_INT32 }, { "<u4", SINAN_TYPE_UINT32 },
	{ "<i8", SINAN_TYPE_INT64 }, { "<u8", SINAN_TYPE_UINT64 }, { "|b1", SINAN_TYPE_BOOL },
};

static inline bool ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static inline int read_all(const char *path, void **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || ftell(f) < 0) {
		fclose(f);
		return -EIO;
	}
	long n = ftell(f);
	rewind(f);
	*data = malloc((size_t)n + 1);
	if (!*data) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(*data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*data);
		return -EIO;
	}
	fclose(f);
	*size = (size_t)n;
	return 0;
}

/* Parse a .npy file in place; *a gets a pointer into buf. */
static inline int npy_parse(struct arr *a, uint8_t *buf, size_t size)
{
	if (size < 10 || memcmp(buf, "\x93NUMPY", 6))
		return -1;
	size_t hl, off;
	if (buf[6] == 1) {
		hl = (size_t)buf[8] | (size_t)buf[9] << 8;
		off = 10;
	} else if (size >= 12) {
		hl = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
		off = 12;
	} else {
		return -1;
	}
	if (hl > size - off || hl > 65536)
		return -1;
	char h[65537];
	memcpy(h, buf + off, hl);
	h[hl] = 0;
	char *d = strstr(h, "'descr':");
	char *fo = strstr(h, "'fortran_order':");
	char *sh = strstr(h, "'shape':");
	if (!d || !fo || !sh || strstr(fo, "True") == fo + 17)
		return -1;
	d = strchr(d + 8, '\'');
	if (!d)
		return -1;
	a->type = SINAN_TYPE_UNDEFINED;
	for (size_t i = 0; i < sizeof(npy_types) / sizeof(npy_types[0]); i++)
		if (!strncmp(d + 1, npy_types[i].d, 3))
			a->type = npy_types[i].t;
	if (a->type == SINAN_TYPE_UNDEFINED)
		return -1;
	char *p = strchr(sh, '(');
	if (!p)
		return -1;
	p++;
	a->rank = 0;
	while (*p && *p != ')') {
		char *e;
		long long v = strtoll(p, &e, 10);
		if (e == p) {
			p++;
			continue;
		}
		if (a->rank >= SINAN_MAX_RANK || v < 0)
			return -1;
		a->dims[a->rank++] = v;
		p = e;
	}
	size_t n = 1;
	for (int i = 0; i < a->rank; i++)
		n *= (size_t)a->dims[i];
	size_t need = n * sinan_type_size(a->type);
	if (size - off - hl < need)
		return -1;
	a->data = buf + off + hl;
	a->bytes = need;
	a->npy = true;
	return 0;
}

static inline int npy_write(const char *path, const struct sinan_model_tensor *t, const void *data)
{
	const char *descr = NULL;
	for (size_t i = 0; i < sizeof(npy_types) / sizeof(npy_types[0]); i++)
		if (npy_types[i].t == t->type)
			descr = npy_types[i].d;
	if (!descr)
		return -EINVAL;
	char hdr[512], shp[256] = "";
	size_t o = 0;
	for (uint32_t i = 0; i < t->rank; i++)
		o += (size_t)snprintf(shp + o, sizeof(shp) - o, "%lld%s", (long long)t->dims[i],
				      t->rank == 1 || i + 1 < t->rank ? "," : "");
	int n = snprintf(hdr, sizeof(hdr), "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shp);
	int total = 10 + n + 1;
	int pad = (64 - total % 64) % 64;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	uint16_t hl = (uint16_t)(n + pad + 1);
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc(hl & 0xff, f);
	fputc(hl >> 8, f);
	fwrite(hdr, 1, (size_t)n, f);
	for (int i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	bool ok = fwrite(data, 1, t->bytes, f) == t->bytes;
	return fclose(f) || !ok ? -EIO : 0;
}

static inline int split_arg(const char *arg, struct arr *a)
{
	const char *eq = strchr(arg, '=');
	memset(a, 0, sizeof(*a));
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(a->name))
		return -1;
	memcpy(a->name, arg, (size_t)(eq - arg));
	a->path = eq + 1;
	return 0;
}

static inline int tool_parse_precision(const char *s, enum sinan_precision *p)
{
	if (!strcmp(s, "fp32")) *p = SINAN_PRECISION_FP32;
	else if (!strcmp(s, "fp16")) *p = SINAN_PRECISION_FP16;
	else if (!strcmp(s, "bf16")) *p = SINAN_PRECISION_BF16;
	else if (!strcmp(s, "int8")) *p = SINAN_PRECISION_INT8;
	else return -1;
	return 0;
}

#endif
