// SPDX-License-Identifier: MIT
/*
 * ONNX frontend: ModelProto (protobuf-c, generated from the vendored
 * onnx/onnx.proto) -> Sinan IR.
 *
 * The bytes are untrusted (the importer is fuzzed): before protobuf-c sees
 * them, a schema-driven walk of the wire format checks that they parse and
 * that messages nest at most CC_ONNX_MAX_DEPTH deep (protobuf-c recurses);
 * protobuf-c then allocates through a capped allocator. Every count, dim,
 * byte length and name is checked before use. Structural problems are
 * -EINVAL; things we do not handle (sparse, string or segmented tensors,
 * unknown opsets) are -ENOTSUP; nothing here decides whether an operator
 * runs on the device (that is sinan_graph_check()).
 */
#include "cc_int.h"
#include "onnx.pb-c.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CC_ONNX_MAX_DEPTH	64
#define CC_ONNX_MAX_FILE	(2ULL << 30)	/* protobuf's own 2 GiB limit */
#define CC_ONNX_ALLOC_CAP	(4ULL << 30)	/* total bytes protobuf-c may allocate */
#define CC_ONNX_MIN_OPSET	1
#define CC_ONNX_MAX_OPSET	17

/* ---- wire-format pre-check ---------------------------------------------------- */
static int rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int s = 0; s < 70; s += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		if (s == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d, uint32_t id)
{
	for (unsigned i = 0; i < d->n_fields; i++)
		if (d->fields[i].id == id)
			return &d->fields[i];
	return NULL;
}

static int wire_check(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
		      int depth, const char **why)
{
	if (depth > CC_ONNX_MAX_DEPTH) {
		*why = "messages nested too deeply";
		return -1;
	}
	while (p < end) {
		uint64_t key, v;
		if (rd_varint(&p, end, &key)) {
			*why = "truncated field key";
			return -1;
		}
		uint32_t id = (uint32_t)(key >> 3);
		unsigned wt = key & 7;
		if (key >> 3 > 0x1fffffff || id == 0) {
			*why = "bad field number";
			return -1;
		}
		switch (wt) {
		case 0:
			if (rd_varint(&p, end, &v)) {
				*why = "truncated varint";
				return -1;
			}
			break;
		case 1:
			if (end - p < 8) {
				*why = "truncated fixed64";
				return -1;
			}
			p += 8;
			break;
		case 5:
			if (end - p < 4) {
				*why = "truncated fixed32";
				return -1;
			}
			p += 4;
			break;
		case 2: {
			if (rd_varint(&p, end, &v) || v > (uint64_t)(end - p)) {
				*why = "length-delimited field past the end";
				return -1;
			}
			const ProtobufCFieldDescriptor *f = d ? find_field(d, id) : NULL;
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    wire_check(f->descriptor, p, p + v, depth + 1, why))
				return -1;
			p += v;
			break;
		}
		default:
			*why = "unsupported wire type (groups)";
			return -1;
		}
	}
	return 0;
}

/* ---- capped allocator ------------------------------------------------------------ */
struct capalloc {
	uint64_t used, cap;
	bool hit;
};

static void *cap_alloc(void *data, size_t size)
{
	struct capalloc *c = data;
	if (size > c->cap || c->used + size + 16 > c->cap) {
		c->hit = true;
		return NULL;
	}
	uint64_t *p = malloc(size + 16);
	if (!p)
		return NULL;
	p[0] = size;
	c->used += size + 16;
	return p + 2;
}

static void cap_free(void *data, void *ptr)
{
	struct capalloc *c = data;
	if (!ptr)
		return;
	uint64_t *p = (uint64_t *)ptr - 2;
	c->used -= p[0] + 16;
	free(p);
}

/* ---- tensors --------------------------------------------------------------------- */
static int set_err(char *err, size_t len, int code, const char *fmt, ...) CC_PRINTF(4, 5);
static int set_err(char *err, size_t len, int code, const char *fmt, ...)
{
	if (err && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -code;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *e;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &e, 10);
	if (errno || *e)
		return -1;
	*v = x;
	return 0;
}

static int read_external(const char *dir, const Onnx__TensorProto *tp, void *dst, uint64_t bytes,
			 char *err, size_t errlen, const char *tname)
{
	const char *loc = NULL;
	uint64_t off = 0, len = bytes;
	bool has_len = false;

	for (size_t i = 0; i < tp->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = tp->external_data[i];
		if (!e->key)
			continue;
		if (!strcmp(e->key, "location"))
			loc = e->value;
		else if (!strcmp(e->key, "offset") && parse_u64(e->value, &off))
			return set_err(err, errlen, EINVAL, "tensor '%s': bad external offset", tname);
		else if (!strcmp(e->key, "length")) {
			if (parse_u64(e->value, &len))
				return set_err(err, errlen, EINVAL, "tensor '%s': bad external length", tname);
			has_len = true;
		}
	}
	if (!loc || !*loc)
		return set_err(err, errlen, EINVAL, "tensor '%s': external data without location", tname);
	if (!dir)
		return set_err(err, errlen, ENOTSUP,
			       "tensor '%s': external data needs the model's file path (import from a file)",
			       tname);
	/* Relative to the model's folder, and staying inside it. */
	if (loc[0] == '/' || strstr(loc, "..") || strlen(loc) > PATH_MAX / 2)
		return set_err(err, errlen, EINVAL, "tensor '%s': external location '%.200s' leaves the model folder",
			       tname, loc);
	if (has_len && len != bytes)
		return set_err(err, errlen, EINVAL, "tensor '%s': external length %llu, expected %llu bytes",
			       tname, (unsigned long long)len, (unsigned long long)bytes);
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dir, loc) >= (int)sizeof(path))
		return set_err(err, errlen, EINVAL, "tensor '%s': external path too long", tname);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return set_err(err, errlen, EIO, "tensor '%s': cannot open external data '%.200s': %s",
			       tname, loc, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < off ||
	    (uint64_t)st.st_size - off < bytes) {
		close(fd);
		return set_err(err, errlen, EINVAL, "tensor '%s': external data '%.200s' too short", tname, loc);
	}
	uint64_t done = 0;
	while (done < bytes) {
		ssize_t r = pread(fd, (char *)dst + done, (size_t)CC_MIN(bytes - done, 1u << 30),
				  (off_t)(off + done));
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			close(fd);
			return set_err(err, errlen, EIO, "tensor '%s': reading external data failed", tname);
		}
		done += (uint64_t)r;
	}
	close(fd);
	return 0;
}

int cc_onnx_tensor_decode(const void *tpv, const char *dir, struct cc_view *v, char *err,
			  size_t errlen)
{
	const Onnx__TensorProto *tp = tpv;
	const char *tname = tp->name && *tp->name ? tp->name : "(unnamed)";
	int dt = tp->has_data_type ? tp->data_type : 0;
	bool ovf;

	memset(v, 0, sizeof(*v));
	if (tp->n_dims > CC_MAX_RANK)
		return set_err(err, errlen, ENOTSUP, "tensor '%s': rank %zu exceeds %d", tname,
			       tp->n_dims, CC_MAX_RANK);
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0 || tp->dims[i] > CC_MAX_DIM)
			return set_err(err, errlen, EINVAL, "tensor '%s': bad dim %lld", tname,
				       (long long)tp->dims[i]);
		v->dims[i] = tp->dims[i];
	}
	v->rank = (int)tp->n_dims;
	for (int i = v->rank; i < CC_MAX_RANK; i++)
		v->dims[i] = 1;
	if (dt == SINAN_TYPE_STRING)
		return set_err(err, errlen, ENOTSUP, "tensor '%s': string tensors are not supported", tname);
	if (!cc_dtype_valid(dt))
		return set_err(err, errlen, ENOTSUP, "tensor '%s': element type %d (%s) not supported",
			       tname, dt, cc_dtype_name(dt));
	if (tp->segment)
		return set_err(err, errlen, ENOTSUP, "tensor '%s': segmented tensors are not supported", tname);
	v->dtype = dt;
	uint64_t n = cc_dims_elems(v->rank, v->dims, &ovf);
	size_t es = cc_dtype_size(dt);
	if (ovf || n * es > CC_MAX_TENSOR_BYTES)
		return set_err(err, errlen, ERANGE, "tensor '%s': too large", tname);
	uint64_t bytes = n * es;
	void *d = malloc(bytes ? bytes : 1);
	if (!d)
		return set_err(err, errlen, ENOMEM, "tensor '%s': out of memory (%llu bytes)", tname,
			       (unsigned long long)bytes);
	int rc = 0;
	bool external = tp->has_data_location &&
			tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	if (external) {
		rc = read_external(dir, tp, d, bytes, err, errlen, tname);
	} else if (tp->has_raw_data) {
		if (tp->raw_data.len != bytes)
			rc = set_err(err, errlen, EINVAL, "tensor '%s': raw_data has %zu bytes, shape needs %llu",
				     tname, tp->raw_data.len, (unsigned long long)bytes);
		else if (bytes)
			memcpy(d, tp->raw_data.data, bytes);
	} else {
		size_t have;
		switch (dt) {
		case SINAN_TYPE_FLOAT: have = tp->n_float_data; break;
		case SINAN_TYPE_DOUBLE: have = tp->n_double_data; break;
		case SINAN_TYPE_INT64: have = tp->n_int64_data; break;
		case SINAN_TYPE_UINT32: case SINAN_TYPE_UINT64: have = tp->n_uint64_data; break;
		default: have = tp->n_int32_data; break;
		}
		if (have != n) {
			rc = set_err(err, errlen, EINVAL, "tensor '%s': %zu data elements, shape needs %llu",
				     tname, have, (unsigned long long)n);
		} else {
			for (uint64_t i = 0; i < n; i++) {
				switch (dt) {
				case SINAN_TYPE_FLOAT: ((float *)d)[i] = tp->float_data[i]; break;
				case SINAN_TYPE_DOUBLE: ((double *)d)[i] = tp->double_data[i]; break;
				case SINAN_TYPE_INT64: ((int64_t *)d)[i] = tp->int64_data[i]; break;
				case SINAN_TYPE_UINT32: ((uint32_t *)d)[i] = (uint32_t)tp->uint64_data[i]; break;
				case SINAN_TYPE_UINT64: ((uint64_t *)d)[i] = tp->uint64_data[i]; break;
				case SINAN_TYPE_FLOAT16: case SINAN_TYPE_BFLOAT16:
					((uint16_t *)d)[i] = (uint16_t)tp->int32_data[i];
					break;
				default: cc_sti(dt, d, i, tp->int32_data[i]); break;
				}
			}
		}
	}
	if (rc) {
		free(d);
		return rc;
	}
	v->data = d;
	return 0;
}

static void *unpack(const ProtobufCMessageDescriptor *desc, const void *data, size_t size,
		    ProtobufCAllocator *al, char *err, size_t errlen, int *rc)
{
	const char *why = NULL;

	if ((uint64_t)size > CC_ONNX_MAX_FILE) {
		*rc = set_err(err, errlen, ERANGE, "model larger than 2 GiB (use external data)");
		return NULL;
	}
	if (wire_check(desc, data, (const uint8_t *)data + size, 0, &why)) {
		*rc = set_err(err, errlen, EINVAL, "not a valid ONNX protobuf: %s", why);
		return NULL;
	}
	void *m = protobuf_c_message_unpack(desc, al, size, data);
	if (!m) {
		struct capalloc *c = al->allocator_data;
		if (c->hit)
			*rc = set_err(err, errlen, ERANGE, "model too large to decode");
		else
			*rc = set_err(err, errlen, EINVAL, "not a valid ONNX protobuf (decode failed)");
	}
	return m;
}

int cc_onnx_tensor_file(const void *data, size_t size, struct cc_view *v, char **name, char *err,
			size_t errlen)
{
	struct capalloc ca = { .cap = CC_ONNX_ALLOC_CAP };
	ProtobufCAllocator al = { cap_alloc, cap_free, &ca };
	int rc = 0;

	Onnx__TensorProto *tp = unpack(&onnx__tensor_proto__descriptor, data, size, &al, err, errlen, &rc);
	if (!tp)
		return rc;
	rc = cc_onnx_tensor_decode(tp, NULL, v, err, errlen);
	if (!rc && name)
		*name = strdup(tp->name ? tp->name : "");
	protobuf_c_message_free_unpacked(&tp->base, &al);
	return rc;
}

/* ---- model ------------------------------------------------------------------- */
static bool name_ok(const char *s)
{
	return s && strlen(s) < CC_MAX_NAME;
}

static struct cc_tensor *tensor_from_proto(struct cc_graph *g, const Onnx__TensorProto *tp,
					   const char *name, bool add)
{
	struct cc_view v;
	char msg[512];
	struct cc_tensor *t;
	int rc = cc_onnx_tensor_decode(tp, g->model_dir, &v, msg, sizeof(msg));

	if (rc) {
		cc_err(g, -rc, "%s", msg);
		return NULL;
	}
	if (add) {
		t = cc_tensor_new(g, name, v.dtype, v.rank, v.dims);
	} else {
		/* attribute tensors live outside the graph's tensor list */
		t = cc_arena_alloc(&g->arena, sizeof(*t));
		if (t) {
			t->name = cc_arena_strdup(&g->arena, name ? name : "");
			t->dtype = v.dtype;
			t->rank = v.rank;
			memcpy(t->dims, v.dims, sizeof(t->dims));
			t->id = -1;
			t->mem_off = -1;
		}
		if (!t || !t->name)
			cc_err(g, ENOMEM, "out of memory");
	}
	if (!t) {
		free(v.data);
		return NULL;
	}
	if (add) {
		cc_tensor_set_data(g, t, v.data);
	} else {
		if (cc_graph_own(g, v.data))
			return NULL;
		t->data = v.data;
		t->kind = CC_T_CONST;
	}
	return t;
}

static int value_info_shape(struct cc_graph *g, const Onnx__ValueInfoProto *vi, int *dtype, int *rank,
			    int64_t *dims, char **params)
{
	const Onnx__TypeProto *tp = vi->type;

	*rank = -1;
	*dtype = 0;
	if (!tp)
		return 0;
	if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return cc_err(g, ENOTSUP, "value '%s': only tensor types are supported (sequences, maps, "
				"optionals and sparse tensors are not)", vi->name);
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	*dtype = tt->has_elem_type ? tt->elem_type : 0;
	if (!tt->shape)
		return 0;
	if (tt->shape->n_dim > CC_MAX_RANK)
		return cc_err(g, ENOTSUP, "value '%s': rank %zu exceeds %d", vi->name, tt->shape->n_dim,
			      CC_MAX_RANK);
	*rank = (int)tt->shape->n_dim;
	for (int i = 0; i < *rank; i++) {
		const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
		dims[i] = -1;
		params[i] = NULL;
		if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
			if (d->dim_value < 0 || d->dim_value > CC_MAX_DIM)
				return cc_err(g, EINVAL, "value '%s': bad dim %lld", vi->name,
					      (long long)d->dim_value);
			dims[i] = d->dim_value;
		} else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
			   name_ok(d->dim_param) && *d->dim_param) {
			params[i] = cc_arena_strdup(&g->arena, d->dim_param);
		}
	}
	return 0;
}

static int import_attr(struct cc_graph *g, struct cc_node *n, const Onnx__AttributeProto *ap)
{
	int type = ap->has_type ? (int)ap->type : 0;
	struct cc_attr *a;

	if (!name_ok(ap->name) || !*ap->name)
		return cc_err(g, EINVAL, "node '%s' (%s): attribute without a valid name",
			      cc_node_label(n), n->op);
	if (ap->ref_attr_name && *ap->ref_attr_name)
		return cc_err(g, EINVAL, "node '%s' (%s): attribute '%s' refers to a function attribute "
				"outside a function", cc_node_label(n), n->op, ap->name);
	if (!type) {	/* IR v1: infer from the field in use */
		if (ap->has_f) type = SINAN_ATTR_FLOAT;
		else if (ap->has_i) type = SINAN_ATTR_INT;
		else if (ap->has_s) type = SINAN_ATTR_STRING;
		else if (ap->t) type = SINAN_ATTR_TENSOR;
		else if (ap->g) type = SINAN_ATTR_GRAPH;
		else if (ap->n_floats) type = SINAN_ATTR_FLOATS;
		else if (ap->n_ints) type = SINAN_ATTR_INTS;
		else if (ap->n_strings) type = SINAN_ATTR_STRINGS;
		else
			return cc_err(g, EINVAL, "node '%s' (%s): attribute '%s' has no type",
				      cc_node_label(n), n->op, ap->name);
	}
	a = cc_node_add_attr(g, n, ap->name, type);
	if (!a)
		return -g->err_code;
	switch (type) {
	case SINAN_ATTR_FLOAT: a->f = ap->f; break;
	case SINAN_ATTR_INT: a->i = ap->i; break;
	case SINAN_ATTR_STRING:
		if (ap->s.len >= CC_MAX_ATTR_ELEMS)
			return cc_err(g, ERANGE, "node '%s': attribute '%s' too long", cc_node_label(n), ap->name);
		a->s = cc_arena_strndup(&g->arena, ap->s.data ? (const char *)ap->s.data : "", ap->s.len);
		a->slen = ap->s.len;
		if (!a->s)
			return cc_err(g, ENOMEM, "out of memory");
		break;
	case SINAN_ATTR_TENSOR:
		if (!ap->t)
			return cc_err(g, EINVAL, "node '%s' (%s): tensor attribute '%s' without a tensor",
				      cc_node_label(n), n->op, ap->name);
		a->t = tensor_from_proto(g, ap->t, ap->name, false);
		if (!a->t)
			return -g->err_code;
		break;
	case SINAN_ATTR_FLOATS:
		if (ap->n_floats > CC_MAX_ATTR_ELEMS)
			return cc_err(g, ERANGE, "node '%s': attribute '%s' too long", cc_node_label(n), ap->name);
		a->n = (int)ap->n_floats;
		a->floats = cc_arena_alloc(&g->arena, sizeof(float) * ap->n_floats);
		if (!a->floats)
			return cc_err(g, ENOMEM, "out of memory");
		if (a->n)
			memcpy(a->floats, ap->floats, sizeof(float) * ap->n_floats);
		break;
	case SINAN_ATTR_INTS:
		if (ap->n_ints > CC_MAX_ATTR_ELEMS)
			return cc_err(g, ERANGE, "node '%s': attribute '%s' too long", cc_node_label(n), ap->name);
		a->n = (int)ap->n_ints;
		a->ints = cc_arena_alloc(&g->arena, sizeof(int64_t) * ap->n_ints);
		if (!a->ints)
			return cc_err(g, ENOMEM, "out of memory");
		if (a->n)
			memcpy(a->ints, ap->ints, sizeof(int64_t) * ap->n_ints);
		break;
	case SINAN_ATTR_STRINGS:
		if (ap->n_strings > CC_MAX_ATTR_ELEMS)
			return cc_err(g, ERANGE, "node '%s': attribute '%s' too long", cc_node_label(n), ap->name);
		a->n = (int)ap->n_strings;
		a->strs = cc_arena_alloc(&g->arena, sizeof(char *) * ap->n_strings);
		if (!a->strs)
			return cc_err(g, ENOMEM, "out of memory");
		for (size_t i = 0; i < ap->n_strings; i++) {
			if (ap->strings[i].len >= CC_MAX_ATTR_ELEMS)
				return cc_err(g, ERANGE, "node '%s': attribute '%s' too long",
					      cc_node_label(n), ap->name);
			a->strs[i] = cc_arena_strndup(&g->arena, ap->strings[i].data ?
						      (const char *)ap->strings[i].data : "",
						      ap->strings[i].len);
			if (!a->strs[i])
				return cc_err(g, ENOMEM, "out of memory");
		}
		break;
	default:
		/* graphs, sparse tensors, type protos: kept by type only; no op we support uses them */
		break;
	}
	return 0;
}

static int import_graph(struct cc_graph *g, const Onnx__GraphProto *gp)
{
	if (gp->n_sparse_initializer)
		return cc_err(g, ENOTSUP, "sparse initializers are not supported");
	if (gp->n_node > CC_MAX_NODES || gp->n_initializer > CC_MAX_TENSORS ||
	    gp->n_input > CC_MAX_TENSORS || gp->n_output > CC_MAX_TENSORS)
		return cc_err(g, ERANGE, "graph too large");
	if (gp->name && name_ok(gp->name))
		g->name = cc_arena_strdup(&g->arena, gp->name);

	/* Initializers: constants. */
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];
		if (!name_ok(tp->name) || !*tp->name)
			return cc_err(g, EINVAL, "initializer #%zu has no valid name", i);
		if (!tensor_from_proto(g, tp, tp->name, true))
			return -g->err_code;
	}
	/* Inputs: those that are not initializers. */
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		int dt, rank;
		int64_t dims[CC_MAX_RANK];
		char *params[CC_MAX_RANK];
		if (!name_ok(vi->name) || !*vi->name)
			return cc_err(g, EINVAL, "graph input #%zu has no valid name", i);
		struct cc_tensor *t = cc_tensor_find(g, vi->name);
		if (t && t->kind == CC_T_CONST)
			continue;	/* IR < 4 lists initializers as inputs too */
		if (t)
			return cc_err(g, EINVAL, "graph input '%s' listed twice", vi->name);
		if (value_info_shape(g, vi, &dt, &rank, dims, params))
			return -g->err_code;
		if (!dt)
			return cc_err(g, EINVAL, "graph input '%s' has no element type", vi->name);
		t = cc_tensor_new(g, vi->name, dt, rank, dims);
		if (!t)
			return -g->err_code;
		for (int k = 0; k < rank; k++)
			t->dim_param[k] = params[k];
		if (cc_graph_add_input(g, t))
			return -g->err_code;
	}
	/* Nodes: create every output first (nodes may be unsorted), then bind inputs. */
	for (size_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		if (!name_ok(np->op_type) || !*np->op_type)
			return cc_err(g, EINVAL, "node #%zu has no operator type", i);
		if ((np->name && !name_ok(np->name)) || (np->domain && !name_ok(np->domain)))
			return cc_err(g, EINVAL, "node #%zu: name or domain too long", i);
		if (np->n_input > CC_MAX_IO || np->n_output > CC_MAX_IO)
			return cc_err(g, ERANGE, "node '%s' (%s): too many inputs/outputs",
				      np->name ? np->name : "", np->op_type);
		const char *dom = np->domain ? np->domain : "";
		if (!strcmp(dom, "ai.onnx"))
			dom = "";
		struct cc_node *n = cc_node_new(g, np->op_type, dom, np->name, (int)np->n_input,
						(int)np->n_output);
		if (!n)
			return -g->err_code;
		for (size_t j = 0; j < np->n_output; j++) {
			const char *on = np->output[j];
			if (!name_ok(on))
				return cc_err(g, EINVAL, "node '%s' (%s): output name too long",
					      cc_node_label(n), n->op);
			if (!*on)
				continue;	/* omitted optional output */
			if (cc_tensor_find(g, on))
				return cc_err(g, EINVAL, "node '%s' (%s): output '%s' is already defined "
						"(graph is not in SSA form)", cc_node_label(n), n->op, on);
			struct cc_tensor *t = cc_tensor_new(g, on, 0, -1, NULL);
			if (!t)
				return -g->err_code;
			n->out[j] = t;
			t->producer = n;
		}
		for (size_t j = 0; j < np->n_attribute; j++)
			if (import_attr(g, n, np->attribute[j]))
				return -g->err_code;
	}
	for (size_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		struct cc_node *n = g->nodes[i];
		for (size_t j = 0; j < np->n_input; j++) {
			const char *in = np->input[j];
			if (!name_ok(in))
				return cc_err(g, EINVAL, "node '%s' (%s): input name too long",
					      cc_node_label(n), n->op);
			if (!*in)
				continue;
			struct cc_tensor *t = cc_tensor_find(g, in);
			if (!t)
				return cc_err(g, EINVAL, "node '%s' (%s): input '%s' is not defined by any "
						"node, initializer or graph input", cc_node_label(n), n->op, in);
			n->in[j] = t;
		}
	}
	/* Outputs. */
	if (!gp->n_output)
		return cc_err(g, EINVAL, "graph has no outputs");
	for (size_t i = 0; i < gp->n_output; i++) {
		const Onnx__ValueInfoProto *vi = gp->output[i];
		if (!name_ok(vi->name) || !*vi->name)
			return cc_err(g, EINVAL, "graph output #%zu has no valid name", i);
		struct cc_tensor *t = cc_tensor_find(g, vi->name);
		if (!t)
			return cc_err(g, EINVAL, "graph output '%s' is not produced by the graph", vi->name);
		int dt, rank;
		int64_t dims[CC_MAX_RANK];
		char *params[CC_MAX_RANK];
		if (value_info_shape(g, vi, &dt, &rank, dims, params))
			return -g->err_code;
		if (cc_graph_add_output(g, t))
			return -g->err_code;
	}
	return cc_graph_toposort(g);
}

static int import_model(struct cc_graph *g, const Onnx__ModelProto *m)
{
	bool have_default = false;

	if (!m->has_ir_version)
		return cc_err(g, EINVAL, "model has no ir_version (not an ONNX model?)");
	if (m->ir_version < 3)
		return cc_err(g, ENOTSUP, "ONNX IR version %lld not supported (3 or newer)",
			      (long long)m->ir_version);
	g->ir_version = (int)CC_MIN(m->ir_version, 1000);
	for (size_t i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];
		const char *d = o->domain ? o->domain : "";
		if (!*d || !strcmp(d, "ai.onnx")) {
			if (!o->has_version || o->version < CC_ONNX_MIN_OPSET)
				return cc_err(g, EINVAL, "bad default-domain opset version");
			if (o->version > CC_ONNX_MAX_OPSET)
				return cc_err(g, ENOTSUP, "ONNX opset %lld is newer than the newest supported "
						"(%d)", (long long)o->version, CC_ONNX_MAX_OPSET);
			g->opset = (int)o->version;
			have_default = true;
		}
	}
	if (!have_default)
		g->opset = 1;
	if (!m->graph)
		return cc_err(g, EINVAL, "model has no graph");
	return import_graph(g, m->graph);
}

static int import_bytes(const void *data, size_t size, const char *dir, sinan_graph_t *out,
			char *err, size_t errlen)
{
	struct capalloc ca = { .cap = CC_ONNX_ALLOC_CAP };
	ProtobufCAllocator al = { cap_alloc, cap_free, &ca };
	int rc = 0;

	if (!out)
		return set_err(err, errlen, EINVAL, "no output graph pointer");
	*out = NULL;
	if (!data && size)
		return set_err(err, errlen, EINVAL, "no data");
	Onnx__ModelProto *m = unpack(&onnx__model_proto__descriptor, data ? data : "", size, &al, err,
				     errlen, &rc);
	if (!m)
		return rc;
	struct cc_graph *g = cc_graph_new();
	if (!g) {
		protobuf_c_message_free_unpacked(&m->base, &al);
		return set_err(err, errlen, ENOMEM, "out of memory");
	}
	if (dir)
		g->model_dir = cc_arena_strdup(&g->arena, dir);
	rc = import_model(g, m);
	protobuf_c_message_free_unpacked(&m->base, &al);
	if (rc) {
		set_err(err, errlen, -rc, "%s", g->err);
		cc_graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

SINAN_API int sinan_graph_import_onnx(const void *data, size_t size, sinan_graph_t *out, char *err,
				      size_t errlen)
{
	return import_bytes(data, size, NULL, out, err, errlen);
}

int cc_read_file(const char *path, void **data, size_t *size, uint64_t max, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	*data = NULL;
	*size = 0;
	if (fd < 0)
		return set_err(err, errlen, EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return set_err(err, errlen, EIO, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return set_err(err, errlen, ERANGE, "%s: file too large (%lld bytes)", path,
			       (long long)st.st_size);
	}
	size_t n = (size_t)st.st_size, done = 0;
	char *buf = malloc(n ? n : 1);
	if (!buf) {
		close(fd);
		return set_err(err, errlen, ENOMEM, "%s: out of memory", path);
	}
	while (done < n) {
		ssize_t r = read(fd, buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			close(fd);
			return set_err(err, errlen, EIO, "%s: read failed", path);
		}
		done += (size_t)r;
	}
	close(fd);
	*data = buf;
	*size = n;
	return 0;
}

SINAN_API int sinan_graph_import_onnx_file(const char *path, sinan_graph_t *out, char *err,
					   size_t errlen)
{
	void *data;
	size_t size;
	char dir[PATH_MAX];
	int rc;

	if (!path)
		return set_err(err, errlen, EINVAL, "no path");
	rc = cc_read_file(path, &data, &size, CC_ONNX_MAX_FILE, err, errlen);
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	rc = import_bytes(data, size, dir, out, err, errlen);
	free(data);
	return rc;
}
