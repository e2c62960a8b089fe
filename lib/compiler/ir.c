// SPDX-License-Identifier: MIT
/*
 * Sinan compiler IR: element types, arena, tensors, nodes, attributes.
 */
#include "cc_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- dtypes ------------------------------------------------------------------ */
size_t cc_dtype_size(int dt)
{
	switch (dt) {
	case SINAN_TYPE_FLOAT: case SINAN_TYPE_INT32: case SINAN_TYPE_UINT32: return 4;
	case SINAN_TYPE_UINT8: case SINAN_TYPE_INT8: case SINAN_TYPE_BOOL: return 1;
	case SINAN_TYPE_UINT16: case SINAN_TYPE_INT16: case SINAN_TYPE_FLOAT16:
	case SINAN_TYPE_BFLOAT16: return 2;
	case SINAN_TYPE_INT64: case SINAN_TYPE_DOUBLE: case SINAN_TYPE_UINT64: return 8;
	default: return 0;
	}
}

const char *cc_dtype_name(int dt)
{
	switch (dt) {
	case SINAN_TYPE_FLOAT: return "float32";
	case SINAN_TYPE_UINT8: return "uint8";
	case SINAN_TYPE_INT8: return "int8";
	case SINAN_TYPE_UINT16: return "uint16";
	case SINAN_TYPE_INT16: return "int16";
	case SINAN_TYPE_INT32: return "int32";
	case SINAN_TYPE_INT64: return "int64";
	case SINAN_TYPE_STRING: return "string";
	case SINAN_TYPE_BOOL: return "bool";
	case SINAN_TYPE_FLOAT16: return "float16";
	case SINAN_TYPE_DOUBLE: return "float64";
	case SINAN_TYPE_UINT32: return "uint32";
	case SINAN_TYPE_UINT64: return "uint64";
	case SINAN_TYPE_BFLOAT16: return "bfloat16";
	case 14: return "complex64";
	case 15: return "complex128";
	default: return "undefined";
	}
}

bool cc_dtype_valid(int dt)
{
	return cc_dtype_size(dt) != 0;
}

bool cc_dtype_is_float(int dt)
{
	return dt == SINAN_TYPE_FLOAT || dt == SINAN_TYPE_FLOAT16 || dt == SINAN_TYPE_BFLOAT16 ||
	       dt == SINAN_TYPE_DOUBLE;
}

bool cc_dtype_is_int(int dt)
{
	return cc_dtype_valid(dt) && !cc_dtype_is_float(dt);
}

bool cc_dtype_is_signed(int dt)
{
	return dt == SINAN_TYPE_INT8 || dt == SINAN_TYPE_INT16 || dt == SINAN_TYPE_INT32 ||
	       dt == SINAN_TYPE_INT64 || cc_dtype_is_float(dt);
}

uint16_t cc_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000;
	int32_t exp = (int32_t)((x >> 23) & 0xff);
	uint32_t man = x & 0x7fffff;

	if (exp == 0xff) /* inf / nan */
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
	exp = exp - 127 + 15;
	if (exp >= 0x1f)
		return (uint16_t)(sign | 0x7c00);
	if (exp <= 0) {
		if (exp < -10)
			return (uint16_t)sign;
		man |= 0x800000;
		uint32_t shift = (uint32_t)(14 - exp);
		uint32_t half = man >> shift;
		uint32_t rem = man & ((1u << shift) - 1);
		uint32_t mid = 1u << (shift - 1);
		if (rem > mid || (rem == mid && (half & 1)))
			half++;
		return (uint16_t)(sign | half);
	}
	uint32_t h = sign | ((uint32_t)exp << 10) | (man >> 13);
	uint32_t rem = man & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;	/* may carry into the exponent: correct, up to inf */
	return (uint16_t)h;
}

float cc_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f;
	uint32_t man = h & 0x3ff;
	uint32_t x;
	float f;

	if (exp == 0) {
		if (man == 0) {
			x = sign;
		} else {
			exp = 127 - 15 + 1;
			while (!(man & 0x400)) {
				man <<= 1;
				exp--;
			}
			man &= 0x3ff;
			x = sign | (exp << 23) | (man << 13);
		}
	} else if (exp == 0x1f) {
		x = sign | 0x7f800000 | (man << 13);
	} else {
		x = sign | ((exp - 15 + 127) << 23) | (man << 13);
	}
	memcpy(&f, &x, 4);
	return f;
}

uint16_t cc_f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	x += 0x7fff + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}

float cc_bf16_to_f32(uint16_t h)
{
	uint32_t x = (uint32_t)h << 16;
	float f;
	memcpy(&f, &x, 4);
	return f;
}

double cc_ld(int dt, const void *p, size_t i)
{
	switch (dt) {
	case SINAN_TYPE_FLOAT: return ((const float *)p)[i];
	case SINAN_TYPE_DOUBLE: return ((const double *)p)[i];
	case SINAN_TYPE_FLOAT16: return cc_f16_to_f32(((const uint16_t *)p)[i]);
	case SINAN_TYPE_BFLOAT16: return cc_bf16_to_f32(((const uint16_t *)p)[i]);
	case SINAN_TYPE_UINT64: return (double)((const uint64_t *)p)[i];
	default: return (double)cc_ldi(dt, p, i);
	}
}

int64_t cc_ldi(int dt, const void *p, size_t i)
{
	switch (dt) {
	case SINAN_TYPE_UINT8: return ((const uint8_t *)p)[i];
	case SINAN_TYPE_BOOL: return ((const uint8_t *)p)[i] != 0;
	case SINAN_TYPE_INT8: return ((const int8_t *)p)[i];
	case SINAN_TYPE_UINT16: return ((const uint16_t *)p)[i];
	case SINAN_TYPE_INT16: return ((const int16_t *)p)[i];
	case SINAN_TYPE_INT32: return ((const int32_t *)p)[i];
	case SINAN_TYPE_UINT32: return ((const uint32_t *)p)[i];
	case SINAN_TYPE_INT64: return ((const int64_t *)p)[i];
	case SINAN_TYPE_UINT64: return (int64_t)((const uint64_t *)p)[i];
	default: {
		double d = cc_ld(dt, p, i);
		if (isnan(d))
			return 0;
		if (d >= 9.2233720368547758e18)
			return INT64_MAX;
		if (d <= -9.2233720368547758e18)
			return INT64_MIN;
		return (int64_t)d;
	}
	}
}

/* float -> int: C truncation, but saturating and NaN -> 0 (never UB). */
static int64_t sat_i64(double v, double lo, double hi)
{
	if (isnan(v))
		return 0;
	if (v <= lo)
		return (int64_t)lo;
	if (v >= hi)
		return (int64_t)hi;
	return (int64_t)v;
}

void cc_st(int dt, void *p, size_t i, double v)
{
	switch (dt) {
	case SINAN_TYPE_FLOAT: ((float *)p)[i] = (float)v; return;
	case SINAN_TYPE_DOUBLE: ((double *)p)[i] = v; return;
	case SINAN_TYPE_FLOAT16: ((uint16_t *)p)[i] = cc_f32_to_f16((float)v); return;
	case SINAN_TYPE_BFLOAT16: ((uint16_t *)p)[i] = cc_f32_to_bf16((float)v); return;
	case SINAN_TYPE_BOOL: ((uint8_t *)p)[i] = v != 0; return;
	/* ONNX leaves out-of-range float->int casts undefined; saturate (as the device). */
	case SINAN_TYPE_UINT8: ((uint8_t *)p)[i] = (uint8_t)sat_i64(v, 0, 255); return;
	case SINAN_TYPE_INT8: ((int8_t *)p)[i] = (int8_t)sat_i64(v, -128, 127); return;
	case SINAN_TYPE_UINT16: ((uint16_t *)p)[i] = (uint16_t)sat_i64(v, 0, 65535); return;
	case SINAN_TYPE_INT16: ((int16_t *)p)[i] = (int16_t)sat_i64(v, -32768, 32767); return;
	case SINAN_TYPE_INT32: ((int32_t *)p)[i] = (int32_t)sat_i64(v, -2147483648.0, 2147483647.0); return;
	case SINAN_TYPE_UINT32: ((uint32_t *)p)[i] = (uint32_t)sat_i64(v, 0, 4294967295.0); return;
	case SINAN_TYPE_INT64:
		((int64_t *)p)[i] = sat_i64(v, -9.2233720368547758e18, 9.2233720368547748e18);
		return;
	case SINAN_TYPE_UINT64:
		((uint64_t *)p)[i] = isnan(v) || v <= 0 ? 0 : v >= 1.8446744073709552e19 ? UINT64_MAX
										: (uint64_t)v;
		return;
	default: return;
	}
}

void cc_sti(int dt, void *p, size_t i, int64_t v)
{
	switch (dt) {
	case SINAN_TYPE_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; return;
	case SINAN_TYPE_BOOL: ((uint8_t *)p)[i] = v != 0; return;
	case SINAN_TYPE_INT8: ((int8_t *)p)[i] = (int8_t)v; return;
	case SINAN_TYPE_UINT16: ((uint16_t *)p)[i] = (uint16_t)v; return;
	case SINAN_TYPE_INT16: ((int16_t *)p)[i] = (int16_t)v; return;
	case SINAN_TYPE_INT32: ((int32_t *)p)[i] = (int32_t)v; return;
	case SINAN_TYPE_UINT32: ((uint32_t *)p)[i] = (uint32_t)v; return;
	case SINAN_TYPE_INT64: ((int64_t *)p)[i] = v; return;
	case SINAN_TYPE_UINT64: ((uint64_t *)p)[i] = (uint64_t)v; return;
	default: cc_st(dt, p, i, (double)v); return;
	}
}

/* ---- arena ------------------------------------------------------------------- */
struct cc_arena_chunk {
	struct cc_arena_chunk *next;
	size_t size, used;
	max_align_t data[];
};

void *cc_arena_alloc(struct cc_arena *a, size_t size)
{
	struct cc_arena_chunk *c = a->head;

	size = CC_ALIGN(size ? size : 1, 16);
	if (size > SIZE_MAX / 2)
		return NULL;
	if (a->limit && a->used + size > a->limit)
		return NULL;
	if (!c || c->size - c->used < size) {
		size_t cs = size > 65536 - sizeof(*c) ? size : 65536 - sizeof(*c);
		c = malloc(sizeof(*c) + cs);
		if (!c)
			return NULL;
		c->size = cs;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	a->used += size;
	memset(p, 0, size);
	return p;
}

char *cc_arena_strndup(struct cc_arena *a, const char *s, size_t n)
{
	char *d = cc_arena_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

char *cc_arena_strdup(struct cc_arena *a, const char *s)
{
	return cc_arena_strndup(a, s, strlen(s));
}

void cc_arena_free(struct cc_arena *a)
{
	struct cc_arena_chunk *c = a->head, *n;

	for (; c; c = n) {
		n = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = 0;
}

/* ---- graph --------------------------------------------------------------------- */
struct cc_graph *cc_graph_new(void)
{
	struct cc_graph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->opset = 17;
	g->ir_version = 8;
	return g;
}

void cc_graph_free(struct cc_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->ntensors; i++)
		free(g->tensors[i]->data);
	for (int i = 0; i < g->nblobs; i++)
		free(g->blobs[i]);
	free(g->blobs);
	free(g->tensors);
	free(g->nodes);
	free(g->inputs);
	free(g->outputs);
	free(g->hash);
	cc_arena_free(&g->arena);
	free(g);
}

int cc_err(struct cc_graph *g, int code, const char *fmt, ...)
{
	if (code <= 0)
		code = EINVAL;
	if (g && !g->err_code) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(g->err, sizeof(g->err), fmt, ap);
		va_end(ap);
		g->err_code = code;
	}
	return -code;
}

void cc_err_clear(struct cc_graph *g)
{
	g->err_code = 0;
	g->err[0] = 0;
}

static int grow(void **arr, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return 0;
	int nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	void *p = realloc(*arr, (size_t)nc * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

int cc_graph_own(struct cc_graph *g, void *p)
{
	if (grow((void **)&g->blobs, &g->bcap, g->nblobs + 1, sizeof(*g->blobs))) {
		free(p);
		return cc_err(g, ENOMEM, "out of memory");
	}
	g->blobs[g->nblobs++] = p;
	return 0;
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int hash_insert(struct cc_graph *g, struct cc_tensor *t)
{
	if ((uint64_t)(g->ntensors + 1) * 2 > g->hcap) {
		uint32_t nc = g->hcap ? g->hcap * 2 : 64;
		while ((uint64_t)(g->ntensors + 1) * 2 > nc)
			nc *= 2;
		struct cc_tensor **h = calloc(nc, sizeof(*h));
		if (!h)
			return -ENOMEM;
		for (uint32_t i = 0; i < g->hcap; i++) {
			struct cc_tensor *x = g->hash[i];
			if (!x)
				continue;
			uint32_t k = hash_str(x->name) & (nc - 1);
			while (h[k])
				k = (k + 1) & (nc - 1);
			h[k] = x;
		}
		free(g->hash);
		g->hash = h;
		g->hcap = nc;
	}
	uint32_t k = hash_str(t->name) & (g->hcap - 1);
	while (g->hash[k])
		k = (k + 1) & (g->hcap - 1);
	g->hash[k] = t;
	return 0;
}

int cc_tensor_rename(struct cc_graph *g, struct cc_tensor *t, const char *name)
{
	char *nm;

	if (cc_tensor_find(g, name))
		return cc_err(g, EINVAL, "name '%s' is already used", name);
	nm = cc_arena_strdup(&g->arena, name);
	if (!nm)
		return cc_err(g, ENOMEM, "out of memory");
	/* rebuild the table: open addressing has no tombstones */
	memset(g->hash, 0, sizeof(*g->hash) * g->hcap);
	t->name = nm;
	for (int i = 0; i < g->ntensors; i++) {
		uint32_t k = hash_str(g->tensors[i]->name) & (g->hcap - 1);
		while (g->hash[k])
			k = (k + 1) & (g->hcap - 1);
		g->hash[k] = g->tensors[i];
	}
	return 0;
}

struct cc_tensor *cc_tensor_find(struct cc_graph *g, const char *name)
{
	if (!g->hcap || !name)
		return NULL;
	uint32_t k = hash_str(name) & (g->hcap - 1);
	while (g->hash[k]) {
		if (!strcmp(g->hash[k]->name, name))
			return g->hash[k];
		k = (k + 1) & (g->hcap - 1);
	}
	return NULL;
}

char *cc_name_gen(struct cc_graph *g, const char *base)
{
	char buf[CC_MAX_NAME + 32];

	for (;;) {
		snprintf(buf, sizeof(buf), "%.*s:%u", CC_MAX_NAME - 16, base ? base : "t",
			 ++g->name_seq);
		if (!cc_tensor_find(g, buf))
			return cc_arena_strdup(&g->arena, buf);
	}
}

struct cc_tensor *cc_tensor_new(struct cc_graph *g, const char *name, int dtype, int rank,
				const int64_t *dims)
{
	struct cc_tensor *t;

	if (g->ntensors >= CC_MAX_TENSORS) {
		cc_err(g, ERANGE, "too many tensors (max %d)", CC_MAX_TENSORS);
		return NULL;
	}
	if (rank > CC_MAX_RANK) {
		cc_err(g, ENOTSUP, "tensor '%s': rank %d exceeds %d", name ? name : "?", rank,
		       CC_MAX_RANK);
		return NULL;
	}
	if (name && cc_tensor_find(g, name)) {
		cc_err(g, EINVAL, "tensor '%s' defined twice", name);
		return NULL;
	}
	if (grow((void **)&g->tensors, &g->tcap, g->ntensors + 1, sizeof(*g->tensors)))
		goto oom;
	t = cc_arena_alloc(&g->arena, sizeof(*t));
	if (!t)
		goto oom;
	t->name = name ? cc_arena_strdup(&g->arena, name) : cc_name_gen(g, "t");
	if (!t->name)
		goto oom;
	t->id = g->ntensors;
	t->dtype = dtype;
	t->rank = rank;
	for (int i = 0; i < CC_MAX_RANK; i++)
		t->dims[i] = (dims && i < rank) ? dims[i] : -1;
	t->mem_off = -1;
	t->kind = CC_T_ACT;
	if (hash_insert(g, t))
		goto oom;
	g->tensors[g->ntensors++] = t;
	return t;
oom:
	cc_err(g, ENOMEM, "out of memory");
	return NULL;
}

uint64_t cc_dims_elems(int rank, const int64_t *dims, bool *ovf)
{
	uint64_t n = 1;

	if (ovf)
		*ovf = false;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return 0;
		if (dims[i] && n > CC_MAX_ELEMS / (uint64_t)dims[i]) {
			if (ovf)
				*ovf = true;
			return 0;
		}
		n *= (uint64_t)dims[i];
	}
	return n;
}

bool cc_shape_known(const struct cc_tensor *t)
{
	if (t->rank < 0)
		return false;
	for (int i = 0; i < t->rank; i++)
		if (t->dims[i] < 0)
			return false;
	return true;
}

uint64_t cc_tensor_elems(const struct cc_tensor *t)
{
	return cc_shape_known(t) ? cc_dims_elems(t->rank, t->dims, NULL) : 0;
}

uint64_t cc_tensor_bytes(const struct cc_tensor *t)
{
	return cc_tensor_elems(t) * cc_dtype_size(t->dtype);
}

int cc_shape_str(const struct cc_tensor *t, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return 0;
	buf[0] = 0;
	if (t->rank < 0)
		return snprintf(buf, len, "[?]");
	o += (size_t)snprintf(buf + o, len - o, "[");
	for (int i = 0; i < t->rank && o < len; i++) {
		if (t->dims[i] >= 0)
			o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "",
					      (long long)t->dims[i]);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
					      t->dim_param[i] ? t->dim_param[i] : "?");
	}
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, "]");
	return (int)o;
}

int cc_tensor_set_data(struct cc_graph *g, struct cc_tensor *t, void *data)
{
	if (t->data) {
		g->const_bytes -= cc_tensor_bytes(t);
		free(t->data);
	}
	t->data = data;
	t->kind = CC_T_CONST;
	g->const_bytes += cc_tensor_bytes(t);
	return 0;
}

int cc_graph_add_input(struct cc_graph *g, struct cc_tensor *t)
{
	if (grow((void **)&g->inputs, &g->icap, g->ninputs + 1, sizeof(*g->inputs)))
		return cc_err(g, ENOMEM, "out of memory");
	t->kind = CC_T_INPUT;
	g->inputs[g->ninputs++] = t;
	return 0;
}

int cc_graph_add_output(struct cc_graph *g, struct cc_tensor *t)
{
	for (int i = 0; i < g->noutputs; i++)
		if (g->outputs[i] == t)
			return cc_err(g, EINVAL, "tensor '%s' is a graph output twice", t->name);
	if (grow((void **)&g->outputs, &g->ocap, g->noutputs + 1, sizeof(*g->outputs)))
		return cc_err(g, ENOMEM, "out of memory");
	t->is_output = true;
	g->outputs[g->noutputs++] = t;
	return 0;
}

struct cc_node *cc_node_new(struct cc_graph *g, const char *op, const char *domain,
			    const char *name, int nin, int nout)
{
	struct cc_node *n;

	if (g->nnodes >= CC_MAX_NODES) {
		cc_err(g, ERANGE, "too many nodes (max %d)", CC_MAX_NODES);
		return NULL;
	}
	if (nin < 0 || nout < 0 || nin > CC_MAX_IO || nout > CC_MAX_IO) {
		cc_err(g, ERANGE, "node '%s' (%s): %d inputs / %d outputs (max %d)",
		       name ? name : "", op, nin, nout, CC_MAX_IO);
		return NULL;
	}
	if (grow((void **)&g->nodes, &g->ncap, g->nnodes + 1, sizeof(*g->nodes)))
		goto oom;
	n = cc_arena_alloc(&g->arena, sizeof(*n));
	if (!n)
		goto oom;
	n->op = cc_arena_strdup(&g->arena, op);
	n->domain = cc_arena_strdup(&g->arena, domain ? domain : "");
	n->name = name ? cc_arena_strdup(&g->arena, name) : NULL;
	n->in = cc_arena_alloc(&g->arena, sizeof(*n->in) * (size_t)(nin ? nin : 1));
	n->out = cc_arena_alloc(&g->arena, sizeof(*n->out) * (size_t)(nout ? nout : 1));
	if (!n->op || !n->domain || (name && !n->name) || !n->in || !n->out)
		goto oom;
	n->nin = nin;
	n->nout = nout;
	n->id = g->nnodes;
	n->ver = g->opset;
	g->nodes[g->nnodes++] = n;
	return n;
oom:
	cc_err(g, ENOMEM, "out of memory");
	return NULL;
}

const char *cc_node_label(const struct cc_node *n)
{
	return n->name && n->name[0] ? n->name : (n->nout && n->out[0] ? n->out[0]->name : "?");
}

struct cc_attr *cc_node_add_attr(struct cc_graph *g, struct cc_node *n, const char *name, int type)
{
	struct cc_attr *a;

	for (int i = 0; i < n->nattr; i++)
		if (!strcmp(n->attr[i].name, name)) {
			cc_err(g, EINVAL, "node '%s' (%s): attribute '%s' given twice",
			       cc_node_label(n), n->op, name);
			return NULL;
		}
	a = cc_arena_alloc(&g->arena, sizeof(*a) * (size_t)(n->nattr + 1));
	if (!a) {
		cc_err(g, ENOMEM, "out of memory");
		return NULL;
	}
	if (n->nattr)
		memcpy(a, n->attr, sizeof(*a) * (size_t)n->nattr);
	n->attr = a;
	a = &n->attr[n->nattr++];
	a->name = cc_arena_strdup(&g->arena, name);
	a->type = type;
	if (!a->name) {
		n->nattr--;
		cc_err(g, ENOMEM, "out of memory");
		return NULL;
	}
	return a;
}

const struct cc_attr *cc_attr_find(const struct cc_node *n, const char *name)
{
	for (int i = 0; i < n->nattr; i++)
		if (!strcmp(n->attr[i].name, name))
			return &n->attr[i];
	return NULL;
}

int64_t cc_attr_i(const struct cc_node *n, const char *name, int64_t def)
{
	const struct cc_attr *a = cc_attr_find(n, name);
	return a && a->type == SINAN_ATTR_INT ? a->i : def;
}

float cc_attr_f(const struct cc_node *n, const char *name, float def)
{
	const struct cc_attr *a = cc_attr_find(n, name);
	return a && a->type == SINAN_ATTR_FLOAT ? a->f : def;
}

const char *cc_attr_s(const struct cc_node *n, const char *name, const char *def)
{
	const struct cc_attr *a = cc_attr_find(n, name);
	return a && a->type == SINAN_ATTR_STRING ? a->s : def;
}

int cc_attr_ints(const struct cc_node *n, const char *name, int64_t *out, int max)
{
	const struct cc_attr *a = cc_attr_find(n, name);
	if (!a || a->type != SINAN_ATTR_INTS)
		return -1;
	for (int i = 0; i < a->n && i < max; i++)
		out[i] = a->ints[i];
	return a->n;
}

int cc_node_index(const struct cc_graph *g, const struct cc_node *n)
{
	for (int i = 0; i < g->nnodes; i++)
		if (g->nodes[i] == n)
			return i;
	return -1;
}

void cc_graph_replace_uses(struct cc_graph *g, struct cc_tensor *from, struct cc_tensor *to)
{
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		for (int j = 0; j < n->nin; j++)
			if (n->in[j] == from)
				n->in[j] = to;
	}
}

int cc_graph_toposort(struct cc_graph *g)
{
	int n = g->nnodes, done = 0;
	struct cc_node **order;
	char *state;
	int rc = 0;

	if (!n)
		return 0;
	order = malloc(sizeof(*order) * (size_t)n);
	state = calloc((size_t)n, 1);
	if (!order || !state) {
		free(order);
		free(state);
		return cc_err(g, ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++)
		g->nodes[i]->id = i;
	for (int i = 0; i < g->ntensors; i++)
		g->tensors[i]->producer = NULL;
	for (int i = 0; i < n; i++) {
		struct cc_node *nd = g->nodes[i];
		if (nd->dead)
			continue;
		for (int j = 0; j < nd->nout; j++)
			if (nd->out[j])
				nd->out[j]->producer = nd;
	}
	/* Kahn's algorithm in passes; stable for already sorted graphs. */
	bool progress = true;
	int live = 0;
	for (int i = 0; i < n; i++)
		live += !g->nodes[i]->dead;
	while (done < live && progress) {
		progress = false;
		for (int i = 0; i < n; i++) {
			struct cc_node *nd = g->nodes[i];
			bool ready = true;
			if (state[i] || nd->dead)
				continue;
			for (int j = 0; j < nd->nin && ready; j++) {
				struct cc_tensor *t = nd->in[j];
				if (t && t->producer && !state[t->producer->id])
					ready = false;
			}
			if (ready) {
				state[i] = 1;
				order[done++] = nd;
				progress = true;
			}
		}
	}
	if (done < live) {
		for (int i = 0; i < n; i++)
			if (!state[i] && !g->nodes[i]->dead) {
				rc = cc_err(g, EINVAL, "graph has a cycle through node '%s' (%s)",
					    cc_node_label(g->nodes[i]), g->nodes[i]->op);
				break;
			}
	} else {
		int k = done;
		for (int i = 0; i < n; i++)	/* dead nodes at the end */
			if (g->nodes[i]->dead)
				order[k++] = g->nodes[i];
		memcpy(g->nodes, order, sizeof(*order) * (size_t)n);
		for (int i = 0; i < n; i++)
			g->nodes[i]->id = i;
	}
	free(order);
	free(state);
	return rc;
}

int cc_graph_refresh(struct cc_graph *g)
{
	int k = 0;

	for (int i = 0; i < g->nnodes; i++)
		if (!g->nodes[i]->dead)
			g->nodes[k++] = g->nodes[i];
	g->nnodes = k;
	for (int i = 0; i < g->ntensors; i++) {
		g->tensors[i]->producer = NULL;
		g->tensors[i]->nuse = 0;
	}
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		n->id = i;
		for (int j = 0; j < n->nout; j++)
			if (n->out[j])
				n->out[j]->producer = n;
		for (int j = 0; j < n->nin; j++)
			if (n->in[j])
				n->in[j]->nuse++;
	}
	for (int i = 0; i < g->noutputs; i++)
		g->outputs[i]->nuse++;
	return 0;
}

int cc_graph_count_op(const struct cc_graph *g, const char *op)
{
	int c = 0;
	for (int i = 0; i < g->nnodes; i++)
		if (!g->nodes[i]->dead && !strcmp(g->nodes[i]->op, op))
			c++;
	return c;
}

void cc_view_of(struct cc_view *v, const struct cc_tensor *t)
{
	v->dtype = t->dtype;
	v->rank = t->rank;
	for (int i = 0; i < CC_MAX_RANK; i++)
		v->dims[i] = i < t->rank ? t->dims[i] : 1;
	v->data = t->data;
}

uint64_t cc_view_elems(const struct cc_view *v)
{
	return cc_dims_elems(v->rank, v->dims, NULL);
}

double *cc_view_doubles(const struct cc_view *v)
{
	uint64_t n = cc_view_elems(v);
	double *d = n <= (SIZE_MAX / sizeof(double)) ? malloc(sizeof(double) * (size_t)(n ? n : 1)) : NULL;

	if (!d)
		return NULL;
	if (v->dtype == SINAN_TYPE_FLOAT) {
		const float *f = v->data;
		for (uint64_t i = 0; i < n; i++)
			d[i] = f[i];
	} else {
		for (uint64_t i = 0; i < n; i++)
			d[i] = cc_ld(v->dtype, v->data, i);
	}
	return d;
}

void cc_ref_gemm(const double *a, const double *b, double *c, int64_t M, int64_t N, int64_t K, bool ta, bool tb)
{
	for (int64_t i = 0; i < M; i++) {
		double *row = c + i * N;
		for (int64_t j = 0; j < N; j++)
			row[j] = 0;
		for (int64_t k = 0; k < K; k++) {
			double va = a[ta ? k * M + i : i * K + k];
			if (tb)
				for (int64_t j = 0; j < N; j++)
					row[j] += va * b[j * K + k];
			else
				for (int64_t j = 0; j < N; j++)
					row[j] += va * b[k * N + j];
		}
	}
}
