// SPDX-License-Identifier: MIT
/*
 * Public graph API: builder, queries, operator support.
 */
#include "ops_int.h"

#include <stdio.h>
#include <stdlib.h>

SINAN_API sinan_graph_t sinan_graph_create(void)
{
	return cc_graph_new();
}

SINAN_API void sinan_graph_destroy(sinan_graph_t g)
{
	cc_graph_free(g);
}

SINAN_API const char *sinan_graph_error(sinan_graph_t g)
{
	return g ? g->err : "no graph";
}

SINAN_API void sinan_graph_clear_error(sinan_graph_t g)
{
	if (g)
		cc_err_clear(g);
}

SINAN_API int sinan_graph_set_opset(sinan_graph_t g, int version)
{
	if (!g)
		return -EINVAL;
	if (version < 11 || version > 17)
		return cc_err(g, ENOTSUP, "opset %d not supported (11..17)", version);
	g->opset = version;
	return 0;
}

SINAN_API const char *sinan_type_name(enum sinan_type type)
{
	return cc_dtype_name(type);
}

SINAN_API size_t sinan_type_size(enum sinan_type type)
{
	return cc_dtype_size(type);
}

static int check_name(struct cc_graph *g, const char *name)
{
	if (name && (strlen(name) >= CC_MAX_NAME || !*name))
		return cc_err(g, EINVAL, "invalid tensor name");
	return 0;
}

static int check_dims(struct cc_graph *g, const char *name, int rank, const int64_t *dims, bool allow_unknown)
{
	if (rank < 0 || rank > CC_MAX_RANK || (rank && !dims))
		return cc_err(g, EINVAL, "tensor '%s': rank %d out of range 0..%d", name ? name : "",
			      rank, CC_MAX_RANK);
	for (int i = 0; i < rank; i++)
		if (dims[i] > CC_MAX_DIM || dims[i] < (allow_unknown ? -1 : 0))
			return cc_err(g, EINVAL, "tensor '%s': bad dim %lld", name ? name : "",
				      (long long)dims[i]);
	return 0;
}

SINAN_API sinan_tensor_t sinan_graph_input(sinan_graph_t g, const char *name, enum sinan_type type,
					   int rank, const int64_t *dims)
{
	struct cc_tensor *t;

	if (!g || g->err_code || check_name(g, name) || check_dims(g, name, rank, dims, true))
		return NULL;
	if (!name) {
		cc_err(g, EINVAL, "graph inputs need a name");
		return NULL;
	}
	if (!cc_dtype_valid(type)) {
		cc_err(g, ENOTSUP, "input '%s': element type %d not supported", name, type);
		return NULL;
	}
	t = cc_tensor_new(g, name, type, rank, dims);
	if (!t || cc_graph_add_input(g, t))
		return NULL;
	return t;
}

SINAN_API sinan_tensor_t sinan_graph_constant(sinan_graph_t g, const char *name, enum sinan_type type,
					      int rank, const int64_t *dims, const void *data)
{
	struct cc_tensor *t;
	bool ovf;

	if (!g || g->err_code || check_name(g, name) || check_dims(g, name, rank, dims, false))
		return NULL;
	if (!cc_dtype_valid(type)) {
		cc_err(g, ENOTSUP, "constant '%s': element type %d not supported", name ? name : "", type);
		return NULL;
	}
	uint64_t n = cc_dims_elems(rank, dims, &ovf), bytes = n * cc_dtype_size(type);
	if (ovf || bytes > CC_MAX_TENSOR_BYTES) {
		cc_err(g, ERANGE, "constant '%s' too large", name ? name : "");
		return NULL;
	}
	if (!data && bytes) {
		cc_err(g, EINVAL, "constant '%s' without data", name ? name : "");
		return NULL;
	}
	void *copy = malloc(bytes ? bytes : 1);
	if (!copy) {
		cc_err(g, ENOMEM, "out of memory");
		return NULL;
	}
	if (bytes)
		memcpy(copy, data, bytes);
	t = cc_tensor_new(g, name, type, rank, dims);
	if (!t) {
		free(copy);
		return NULL;
	}
	cc_tensor_set_data(g, t, copy);
	return t;
}

static bool owns(struct cc_graph *g, const struct cc_tensor *t)
{
	return t && t->id >= 0 && t->id < g->ntensors && g->tensors[t->id] == t;
}

static int add_attrs(struct cc_graph *g, struct cc_node *n, int nattr, const struct sinan_attr *attrs)
{
	for (int i = 0; i < nattr; i++) {
		const struct sinan_attr *s = &attrs[i];
		struct cc_attr *a;
		if (!s->name || strlen(s->name) >= CC_MAX_NAME)
			return cc_err(g, EINVAL, "attribute %d has no valid name", i);
		if (s->n > CC_MAX_ATTR_ELEMS)
			return cc_err(g, ERANGE, "attribute '%s' too long", s->name);
		a = cc_node_add_attr(g, n, s->name, s->type);
		if (!a)
			return -g->err_code;
		switch (s->type) {
		case SINAN_ATTR_FLOAT: a->f = s->f; break;
		case SINAN_ATTR_INT: a->i = s->i; break;
		case SINAN_ATTR_STRING:
			if (!s->s)
				return cc_err(g, EINVAL, "attribute '%s' without a string", s->name);
			a->s = cc_arena_strdup(&g->arena, s->s);
			a->slen = strlen(s->s);
			break;
		case SINAN_ATTR_INTS:
			if (s->n && !s->ints)
				return cc_err(g, EINVAL, "attribute '%s' without values", s->name);
			a->n = (int)s->n;
			a->ints = cc_arena_alloc(&g->arena, sizeof(int64_t) * s->n);
			if (a->ints && s->n)
				memcpy(a->ints, s->ints, sizeof(int64_t) * s->n);
			break;
		case SINAN_ATTR_FLOATS:
			if (s->n && !s->floats)
				return cc_err(g, EINVAL, "attribute '%s' without values", s->name);
			a->n = (int)s->n;
			a->floats = cc_arena_alloc(&g->arena, sizeof(float) * s->n);
			if (a->floats && s->n)
				memcpy(a->floats, s->floats, sizeof(float) * s->n);
			break;
		case SINAN_ATTR_TENSOR: {
			if (!owns(g, s->t) || !s->t->data)
				return cc_err(g, EINVAL, "attribute '%s': not a constant of this graph", s->name);
			struct cc_tensor *t = cc_arena_alloc(&g->arena, sizeof(*t));
			size_t b = cc_tensor_bytes(s->t);
			if (!t)
				return cc_err(g, ENOMEM, "out of memory");
			*t = *s->t;
			t->id = -1;
			t->data = malloc(b ? b : 1);
			if (!t->data || cc_graph_own(g, t->data))
				return cc_err(g, ENOMEM, "out of memory");
			memcpy(t->data, s->t->data, b);
			a->t = t;
			break;
		}
		default:
			return cc_err(g, ENOTSUP, "attribute '%s': type %d not supported by the builder",
				      s->name, s->type);
		}
		if ((s->type == SINAN_ATTR_STRING && !a->s) || (s->type == SINAN_ATTR_INTS && !a->ints) ||
		    (s->type == SINAN_ATTR_FLOATS && !a->floats))
			return cc_err(g, ENOMEM, "out of memory");
	}
	return 0;
}

SINAN_API int sinan_graph_op_multi(sinan_graph_t g, const char *op, int nin, const sinan_tensor_t *in,
				   int nattr, const struct sinan_attr *attrs, int nout,
				   sinan_tensor_t *out)
{
	const char *dom = "", *name = op;
	struct cc_node *n;
	char dbuf[64];

	if (!g)
		return -EINVAL;
	if (g->err_code)
		return -g->err_code;
	if (!op || nin < 0 || nout < 1 || (nin && !in) || !out || nattr < 0 || (nattr && !attrs) ||
	    strlen(op) >= CC_MAX_NAME)
		return cc_err(g, EINVAL, "bad arguments to sinan_graph_op");
	const char *colon = strchr(op, ':');
	if (colon) {
		if ((size_t)(colon - op) >= sizeof(dbuf))
			return cc_err(g, EINVAL, "operator domain too long");
		memcpy(dbuf, op, (size_t)(colon - op));
		dbuf[colon - op] = 0;
		dom = dbuf;
		name = colon + 1;
	}
	for (int i = 0; i < nin; i++)
		if (in[i] && !owns(g, in[i]))
			return cc_err(g, EINVAL, "%s: input %d is not a tensor of this graph", op, i);
	n = cc_node_new(g, name, dom, NULL, nin, nout);
	if (!n)
		return -g->err_code;
	for (int i = 0; i < nin; i++)
		n->in[i] = in[i];
	for (int i = 0; i < nout; i++) {
		n->out[i] = cc_tensor_new(g, NULL, 0, -1, NULL);
		if (!n->out[i])
			return -g->err_code;
		n->out[i]->producer = n;
	}
	if (add_attrs(g, n, nattr, attrs))
		return -g->err_code;
	/* Validate now so errors point at the call; shapes may be inferred later. */
	int rc = cc_node_bind(g, n);
	if (!rc)
		rc = cc_node_check(g, n);
	bool known = true;
	for (int i = 0; i < nin; i++)
		if (in[i] && !cc_shape_known(in[i]))
			known = false;
	if (!rc && known)
		rc = cc_node_infer(g, n);
	/* shape computations (Shape -> Gather -> Concat -> Reshape) fold as they are built;
	 * quantized weights stay quantized until the compiler chose a precision mode */
	if (!rc && known && strcmp(n->op, "DequantizeLinear"))
		rc = cc_node_try_fold(g, n);
	if (rc) {
		n->dead = true;
		return rc;
	}
	for (int i = 0; i < nout; i++)
		out[i] = n->out[i];
	return 0;
}

SINAN_API sinan_tensor_t sinan_graph_op(sinan_graph_t g, const char *op, int nin, const sinan_tensor_t *in,
					int nattr, const struct sinan_attr *attrs)
{
	sinan_tensor_t t = NULL;
	return sinan_graph_op_multi(g, op, nin, in, nattr, attrs, 1, &t) ? NULL : t;
}

SINAN_API int sinan_graph_output(sinan_graph_t g, sinan_tensor_t t, const char *name)
{
	if (!g)
		return -EINVAL;
	if (g->err_code)
		return -g->err_code;
	if (!owns(g, t))
		return cc_err(g, EINVAL, "output is not a tensor of this graph");
	if (name && strcmp(name, t->name)) {
		if (check_name(g, name) || cc_tensor_rename(g, t, name))
			return -g->err_code;
	}
	return cc_graph_add_output(g, t);
}

SINAN_API int sinan_tensor_set_quant(sinan_graph_t g, sinan_tensor_t t, int n, const float *scale,
				     const int32_t *zero_point, int axis)
{
	if (!g || !owns(g, t))
		return -EINVAL;
	if (n < 1 || n > (1 << 20) || !scale)
		return cc_err(g, EINVAL, "tensor '%s': bad quantization parameters", t->name);
	if (n > 1 && (axis < 0 || axis >= t->rank || t->dims[axis] != n))
		return cc_err(g, EINVAL, "tensor '%s': %d scales do not match axis %d", t->name, n, axis);
	t->q.scale = cc_arena_alloc(&g->arena, sizeof(float) * (size_t)n);
	t->q.zero = cc_arena_alloc(&g->arena, sizeof(int32_t) * (size_t)n);
	if (!t->q.scale || !t->q.zero)
		return cc_err(g, ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		if (!(scale[i] > 0))
			return cc_err(g, EINVAL, "tensor '%s': scale %d is not positive", t->name, i);
		t->q.scale[i] = scale[i];
		t->q.zero[i] = zero_point ? zero_point[i] : 0;
	}
	t->q.n = n;
	t->q.axis = axis;
	return 0;
}

SINAN_API int sinan_graph_bind_input(sinan_graph_t g, const char *name, int rank, const int64_t *dims)
{
	if (!g || !name || (rank && !dims))
		return -EINVAL;
	return cc_bind_input_shape(g, name, rank, dims);
}

SINAN_API int sinan_tensor_get_info(sinan_tensor_t t, struct sinan_tensor_info *info)
{
	if (!t || !info)
		return -EINVAL;
	info->name = t->name;
	info->type = (enum sinan_type)t->dtype;
	info->rank = t->rank;
	for (int i = 0; i < SINAN_MAX_RANK; i++)
		info->dims[i] = i < t->rank ? t->dims[i] : -1;
	return 0;
}

SINAN_API int sinan_graph_num_inputs(sinan_graph_t g)
{
	return g ? g->ninputs : 0;
}

SINAN_API int sinan_graph_num_outputs(sinan_graph_t g)
{
	return g ? g->noutputs : 0;
}

SINAN_API sinan_tensor_t sinan_graph_get_input(sinan_graph_t g, int i)
{
	return g && i >= 0 && i < g->ninputs ? g->inputs[i] : NULL;
}

SINAN_API sinan_tensor_t sinan_graph_get_output(sinan_graph_t g, int i)
{
	return g && i >= 0 && i < g->noutputs ? g->outputs[i] : NULL;
}

/* ---- operator support ----------------------------------------------------------------------------------- */
SINAN_API bool sinan_op_supported(const struct sinan_op_desc *d, char *reason, size_t len)
{
	struct cc_graph *g;
	struct cc_node *n;
	bool ok = false;
	char dbuf[64];

	if (reason && len)
		reason[0] = 0;
	if (!d || d->size < sizeof(*d) || !d->op || d->nin < 0 || d->nin > CC_MAX_IO ||
	    (d->nin && !d->inputs) || d->nattr < 0 || (d->nattr && !d->attrs)) {
		if (reason && len)
			snprintf(reason, len, "invalid operator description");
		return false;
	}
	g = cc_graph_new();
	if (!g) {
		if (reason && len)
			snprintf(reason, len, "out of memory");
		return false;
	}
	if (d->opset)
		g->opset = d->opset;
	const char *dom = d->domain ? d->domain : "";
	snprintf(dbuf, sizeof(dbuf), "%s", dom);
	sinan_tensor_t *ins = calloc((size_t)(d->nin ? d->nin : 1), sizeof(*ins));
	if (!ins) {
		cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < d->nin; i++) {
		const struct sinan_tensor_desc *td = &d->inputs[i];
		char nm[32];
		if (td->type == SINAN_TYPE_UNDEFINED)
			continue;
		snprintf(nm, sizeof(nm), "in%d", i);
		ins[i] = td->data ? sinan_graph_constant(g, nm, td->type, td->rank, td->dims, td->data)
				  : sinan_graph_input(g, nm, td->type, td->rank, td->dims);
		if (!ins[i])
			goto out;
	}
	n = cc_node_new(g, d->op, dbuf, d->op, d->nin, 1);
	if (!n)
		goto out;
	for (int i = 0; i < d->nin; i++)
		n->in[i] = ins[i];
	n->out[0] = cc_tensor_new(g, "out", 0, -1, NULL);
	if (!n->out[0] || add_attrs(g, n, d->nattr, d->attrs))
		goto out;
	if (cc_node_bind(g, n) || cc_node_check(g, n) || cc_node_infer(g, n))
		goto out;
	ok = cc_dev_supported(g, n, (int)d->precision, NULL) == 0;
out:
	if (!ok && reason && len)
		snprintf(reason, len, "%s", g->err[0] ? g->err : "not supported");
	free(ins);
	cc_graph_free(g);
	return ok;
}

SINAN_API int sinan_graph_check(sinan_graph_t g, enum sinan_precision precision, char *report, size_t len)
{
	size_t o = 0;
	int bad = 0, rc;

	if (report && len)
		report[0] = 0;
	if (!g)
		return -EINVAL;
	rc = cc_pass_infer_fold(g);
	if (!rc)
		rc = cc_pass_simplify(g);
	if (!rc)
		rc = cc_pass_fuse(g);
	if (!rc)
		rc = cc_pass_legalize(g);
	if (rc) {
		if (report && len)
			snprintf(report, len, "%s\n", g->err);
		return rc;
	}
	char first[sizeof(g->err)] = "";
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		cc_err_clear(g);
		if (cc_dev_supported(g, n, (int)precision, NULL)) {
			if (!bad++)
				memcpy(first, g->err, sizeof(first));
			if (report && o < len)
				o += (size_t)snprintf(report + o, len - o, "%s\n", g->err);
		}
	}
	cc_err_clear(g);
	if (bad) {
		g->err_code = ENOTSUP;
		memcpy(g->err, first, sizeof(first));
	}
	return bad ? -ENOTSUP : 0;
}
