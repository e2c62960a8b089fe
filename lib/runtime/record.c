// SPDX-License-Identifier: MIT
/*
 * libsinan recording: turns queue and command-buffer verbs into the
 * device's 64-byte packets (include/sinan_hw/sinan_pkt.h), with argument
 * blocks for launches, the buffers each packet uses, and the places a slot
 * patches. Shared by queues (one job at a time) and command buffers.
 *
 * Every argument is checked here, at record time, so that a mistake is
 * reported by the call that made it and never reaches the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan_hw/sinan_kbin.h>

#include "sinan_int.h"

void rec_init(struct recorder *r, struct sinan_device *dev, bool allow_slots)
{
	memset(r, 0, sizeof(*r));
	r->dev = dev;
	r->allow_slots = allow_slots;
}

static void rec_drop_refs(struct recorder *r)
{
	for (uint32_t i = 0; i < r->refs.n; i++)
		buffer_unref(r->refs.v[i]);
	r->refs.n = 0;
	for (uint32_t i = 0; i < r->nmods; i++)
		module_unref(r->mods[i]);
	r->nmods = 0;
	for (uint32_t i = 0; i < r->nevs; i++)
		event_unref(r->evs[i].ev);
	r->nevs = 0;
}

void rec_reset(struct recorder *r)
{
	rec_drop_refs(r);
	r->npkts = 0;
	r->args_len = 0;
	r->nuses = 0;
	r->nargfix = 0;
	r->nevs = 0;
	r->has_launch = false;
}

void rec_fini(struct recorder *r)
{
	rec_drop_refs(r);
	free(r->refs.v);
	free(r->pkts);
	free(r->desc);
	free(r->args);
	free(r->uses);
	free(r->argfix);
	free(r->evs);
	free(r->mods);
	for (uint32_t i = 0; i < r->nslots; i++) {
		if (r->slots[i].bound)
			buffer_unref(r->slots[i].bound);
		if (r->slots[i].placeholder) {
			r->slots[i].placeholder->magic = MAGIC_DEAD;
			free(r->slots[i].placeholder);
		}
	}
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

static bool grow(void **v, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t nc;
	void *n;

	if (need <= *cap)
		return true;
	nc = *cap ? *cap : 16;
	while (nc < need)
		nc *= 2;
	n = realloc(*v, (size_t)nc * elem);
	if (!n)
		return false;
	*v = n;
	*cap = nc;
	return true;
}

#define GROW(r, arr, n, capf)	grow((void **)&(r)->arr, &(r)->capf, (n), sizeof(*(r)->arr))

/* Append a zeroed packet; returns it or NULL (error recorded). */
static struct sinan_pkt *pkt_new(struct recorder *r, uint8_t opcode, const char *what)
{
	struct sinan_pkt *p;

	if ((uint64_t)(r->npkts + 3) * SINAN_PKT_SIZE > SINAN_INDIRECT_MAX_SIZE) {
		sinan_error(SINAN_E_QUEUE_FULL, "more than %u packets in one job: submit (or end the command "
			    "buffer) before recording more", SINAN_INDIRECT_MAX_SIZE / SINAN_PKT_SIZE - 3);
		return NULL;
	}
	if (!grow((void **)&r->pkts, &r->cap, r->npkts + 1, sizeof(*r->pkts)) ||
	    !grow((void **)&r->desc, &r->desc_cap, r->npkts + 1, sizeof(*r->desc))) {
		sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		return NULL;
	}
	p = &r->pkts[r->npkts];
	memset(p, 0, sizeof(*p));
	p->header = SINAN_PKT_HDR(opcode, 0);
	r->desc[r->npkts].opcode = opcode;
	r->desc[r->npkts].what = what;
	r->npkts++;
	return p;
}

static sinan_status add_use(struct recorder *r, uint32_t slot, uint8_t where, uint8_t size, uint64_t pos,
			    uint64_t add)
{
	if (!GROW(r, uses, r->nuses + 1, uses_cap))
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	r->uses[r->nuses++] = (struct slot_use){ .slot = slot, .where = where, .size = size, .pos = pos, .add = add };
	return SINAN_OK;
}

/*
 * Check a buffer operand and return its device VA (0 for a slot buffer,
 * whose address is patched in later; *slot is then its slot id).
 */
static sinan_status operand(struct recorder *r, sinan_buffer_t h, uint64_t off, uint64_t size, bool write,
			    const char *what, uint64_t *va, uint32_t *slot)
{
	struct sinan_buffer *b = buffer_get(h, what);

	*slot = 0;
	*va = 0;
	if (!b)
		return SINAN_E_INVALID_ARGUMENT;
	if (b->dev != r->dev)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "%s belongs to another device", what);
	if (off > b->size || size > b->size - off)
		return sinan_error(SINAN_E_INVALID_ARGUMENT,
				   "%s: range [%llu, +%llu) is outside the buffer's %llu bytes", what,
				   (unsigned long long)off, (unsigned long long)size, (unsigned long long)b->size);
	if (b->kind == BUF_SLOT) {
		if (!r->allow_slots || b->cb == NULL)
			return sinan_error(SINAN_E_INVALID_ARGUMENT, "%s is a slot buffer of a command buffer: "
					   "use it only in that command buffer", what);
		if (&b->cb->rec != r)
			return sinan_error(SINAN_E_INVALID_ARGUMENT, "%s is a slot buffer of another command buffer", what);
		*slot = b->slot;
		return SINAN_OK;
	}
	if (write && (b->bo->flags & SINAN_BUFFER_READ_ONLY))
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "%s is read-only for the device", what);
	*va = b->bo->va + b->offset + off;
	return reflist_add(&r->refs, b);
}

sinan_status rec_copy(struct recorder *r, struct sinan_buffer *dst, uint64_t doff, struct sinan_buffer *src,
		      uint64_t soff, uint64_t size)
{
	struct sinan_pkt_copy *p;
	uint64_t dva, sva;
	uint32_t dslot, sslot, n0 = r->npkts;
	sinan_status st;

	st = operand(r, dst, doff, size, true, "dst", &dva, &dslot);
	if (!st)
		st = operand(r, src, soff, size, false, "src", &sva, &sslot);
	if (st)
		return st;
	if (!size)
		return SINAN_OK;
	p = (struct sinan_pkt_copy *)pkt_new(r, SINAN_OP_COPY, NULL);
	if (!p)
		return sinan_error_tls()->status;
	p->dst = dva;
	p->src = sva;
	p->size = size;
	if (dslot)
		st = add_use(r, dslot, PATCH_CMD, 8, (uint64_t)n0 * SINAN_PKT_SIZE + offsetof(struct sinan_pkt_copy, dst), doff);
	if (!st && sslot)
		st = add_use(r, sslot, PATCH_CMD, 8, (uint64_t)n0 * SINAN_PKT_SIZE + offsetof(struct sinan_pkt_copy, src), soff);
	return st;
}

sinan_status rec_fill(struct recorder *r, struct sinan_buffer *dst, uint64_t off, uint64_t size, uint32_t pattern)
{
	struct sinan_pkt_fill *p;
	uint64_t va;
	uint32_t slot, n0 = r->npkts;
	sinan_status st;

	if ((off | size) & 3)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "fill: offset %llu and size %llu must be multiples of 4",
				   (unsigned long long)off, (unsigned long long)size);
	st = operand(r, dst, off, size, true, "dst", &va, &slot);
	if (st)
		return st;
	if (!size)
		return SINAN_OK;
	p = (struct sinan_pkt_fill *)pkt_new(r, SINAN_OP_FILL, NULL);
	if (!p)
		return sinan_error_tls()->status;
	p->pattern = pattern;
	p->dst = va;
	p->size = size;
	if (slot)
		return add_use(r, slot, PATCH_CMD, 8, (uint64_t)n0 * SINAN_PKT_SIZE + offsetof(struct sinan_pkt_fill, dst), off);
	return SINAN_OK;
}

static bool value_fits(uint64_t v, uint32_t bytes)
{
	if (bytes >= 8)
		return true;
	/* Unsigned or sign-extended from the argument's width. */
	return (v >> (8 * bytes)) == 0 || (int64_t)v >> (8 * bytes - 1) == -1;
}

sinan_status rec_launch(struct recorder *r, struct sinan_kernel *k, const struct sinan_launch *l, uint32_t engine)
{
	struct sinan_pkt_launch *p;
	uint64_t aoff;
	uint32_t n0 = r->npkts, user = 0;
	sinan_status st;

	if (engine != SINAN_ENGINE_COMPUTE)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "launch on a copy-engine queue: create the queue with "
				   "engine SINAN_ENGINE_COMPUTE");
	if (!k || k->magic != MAGIC_KERNEL)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel handle is NULL or invalid");
	if (k->mod->user_destroyed)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel '%s': its module was destroyed", k->name);
	if (k->mod->dev != r->dev)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel '%s' was loaded on another device", k->name);
	if (!l || l->size < offsetof(struct sinan_launch, args) + sizeof(void *))
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "launch is NULL or launch->size is not sizeof(struct sinan_launch)");
	if (!l->blocks || l->blocks > SINAN_LAUNCH_MAX_BLOCKS)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "launch->blocks is %u: use 1..%u", l->blocks,
				   SINAN_LAUNCH_MAX_BLOCKS);
	for (uint32_t i = 0; i < k->num_args; i++)
		user += k->args[i].kind != SINAN_KARG_DATA;
	if (l->num_args != user)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel '%s' takes %u arguments, the launch gives %u",
				   k->name, user, l->num_args);
	if (user && !l->args)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "launch->args is NULL");

	/* The argument block: 64-byte aligned in the job's argument memory. */
	aoff = ALIGN_UP(r->args_len, 64);
	if (aoff + k->args_bytes > (1ULL << 30))
		return sinan_error(SINAN_E_QUEUE_FULL, "too many argument bytes in one job");
	if (aoff + k->args_bytes > r->args_cap) {
		uint64_t nc = r->args_cap ? r->args_cap : 4096;
		uint8_t *n;

		while (nc < aoff + k->args_bytes)
			nc *= 2;
		n = realloc(r->args, nc);
		if (!n)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		r->args = n;
		r->args_cap = nc;
	}
	if (aoff + k->args_bytes > r->args_len)
		memset(r->args + r->args_len, 0, aoff + k->args_bytes - r->args_len);
	for (uint32_t i = 0, u = 0; i < k->num_args; i++) {
		const struct sinan_kernel_arg *ka = &k->args[i];
		uint8_t *dst = r->args + aoff + ka->offset;
		uint64_t v = 0;

		if (ka->kind == SINAN_KARG_DATA) {
			v = k->mod->mem->bo->va + k->mod->mem->offset + k->mod->rodata_offset + ka->value;
			memcpy(dst, &v, 8);
			continue;
		}
		{
			const struct sinan_arg *a = &l->args[u++];

			if (a->kind != (ka->kind == SINAN_KARG_BUFFER ? SINAN_ARG_BUFFER : SINAN_ARG_VALUE))
				return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel '%s' argument %u ('%s') is a %s, "
						   "the launch gives a %s", k->name, u - 1, ka->name,
						   ka->kind == SINAN_KARG_BUFFER ? "buffer" : "value",
						   a->kind == SINAN_ARG_BUFFER ? "buffer" : "value");
			if (ka->kind == SINAN_KARG_BUFFER) {
				struct sinan_buffer *b = buffer_get(a->buffer, "launch argument");
				uint32_t slot;

				if (!b)
					return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel '%s' argument '%s': buffer "
							   "handle is NULL or destroyed", k->name, ka->name);
				if (a->slot)
					return sinan_error(SINAN_E_INVALID_ARGUMENT, "argument '%s': buffers are patched "
							   "through slot buffers (sinan_cmdbuf_slot), not sinan_arg.slot",
							   ka->name);
				if (b->kind != BUF_SLOT && b->bo->placement != SINAN_MEM_DEVICE)
					return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel '%s' argument '%s' is a host "
							   "buffer: AI cores reach device memory only", k->name, ka->name);
				st = operand(r, b, a->offset, 0, (ka->flags & SINAN_KARG_F_WRITE) != 0, ka->name, &v, &slot);
				if (st)
					return st;
				if (slot) {
					st = add_use(r, slot, PATCH_ARGS, 8, aoff + ka->offset, a->offset);
					if (st)
						return st;
				}
			} else {
				v = a->value;
				if (!value_fits(v, ka->bytes))
					return sinan_error(SINAN_E_INVALID_ARGUMENT, "kernel '%s' argument '%s': value "
							   "0x%llx does not fit in %u bytes", k->name, ka->name,
							   (unsigned long long)v, ka->bytes);
				if (a->slot) {
					if (!r->allow_slots)
						return sinan_error(SINAN_E_INVALID_ARGUMENT, "argument '%s': value slots "
								   "exist in command buffers only", ka->name);
					st = add_use(r, a->slot, PATCH_VALUE, (uint8_t)ka->bytes, aoff + ka->offset, 0);
					if (st)
						return st;
				}
			}
			memcpy(dst, &v, ka->bytes);
		}
	}
	p = (struct sinan_pkt_launch *)pkt_new(r, SINAN_OP_LAUNCH, k->name);
	if (!p)
		return sinan_error_tls()->status;
	p->header = SINAN_PKT_HDR(SINAN_OP_LAUNCH, 0);
	p->blocks = l->blocks;
	p->prog = k->mod->mem->bo->va + k->mod->mem->offset + k->code_offset;
	p->prog_size = k->code_bytes;
	p->args_size = k->args_bytes;
	r->args_len = aoff + k->args_bytes;
	if (!GROW(r, argfix, r->nargfix + 1, argfix_cap) || !GROW(r, mods, r->nmods + 1, mods_cap))
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	r->argfix[r->nargfix].pkt = n0;
	r->argfix[r->nargfix].off = aoff;
	r->nargfix++;
	module_ref(k->mod);
	r->mods[r->nmods++] = k->mod;
	r->has_launch = true;
	return reflist_add(&r->refs, k->mod->mem);
}

sinan_status rec_barrier(struct recorder *r)
{
	return pkt_new(r, SINAN_OP_BARRIER, NULL) ? SINAN_OK : sinan_error_tls()->status;
}

sinan_status rec_timestamp(struct recorder *r, struct sinan_event *ev)
{
	struct sinan_pkt_timestamp *p;
	uint32_t n0 = r->npkts;

	p = (struct sinan_pkt_timestamp *)pkt_new(r, SINAN_OP_TIMESTAMP, NULL);
	if (!p)
		return sinan_error_tls()->status;
	p->addr = ev->mem->bo->va + ev->mem->offset;
	if (!GROW(r, evs, r->nevs + 1, evs_cap))
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	r->evs[r->nevs].pkt = n0;
	r->evs[r->nevs].ev = ev;
	r->nevs++;
	return reflist_add(&r->refs, ev->mem);
}

sinan_status rec_raw(struct recorder *r, const struct sinan_pkt *pkt)
{
	struct sinan_pkt *p = pkt_new(r, SINAN_PKT_OPCODE(pkt->header), "raw packet");

	if (!p)
		return sinan_error_tls()->status;
	*p = *pkt;
	return SINAN_OK;
}

static void put64(uint8_t *base, uint64_t pos, uint64_t v, unsigned int size)
{
	memcpy(base + pos, &v, size);
}

/* Write the value of slot @def into every place that uses it. */
void rec_patch_slot(struct recorder *r, const struct slot_def *def, uint8_t *cmd, uint64_t cmd_shift, uint8_t *args)
{
	for (uint32_t i = 0; i < r->nuses; i++) {
		const struct slot_use *u = &r->uses[i];
		uint64_t v;

		if (u->slot != def->slot || (u->where == PATCH_VALUE) != def->is_value)
			continue;
		if (def->is_value)
			v = def->value;
		else
			v = def->bound->bo->va + def->bound->offset + def->bound_offset + u->add;
		if (u->where == PATCH_CMD)
			put64(cmd, u->pos + cmd_shift, v, 8);
		else if (args)
			put64(args, u->pos, v, u->size);
	}
}

sinan_status rec_upload(struct recorder *r, uint64_t ts_va, struct sinan_buffer **cmd_out,
			struct sinan_buffer **args_out, struct pkt_desc **desc_out, uint32_t *npkts_out)
{
	struct sinan_buffer *cmd = NULL, *args = NULL;
	uint32_t shift = ts_va ? 1 : 0, total = r->npkts + 2 * shift;
	struct pkt_desc *desc;
	uint8_t *cpu, *acpu = NULL;
	uint64_t args_va = 0;
	sinan_status st;

	if (!r->npkts)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "nothing recorded");
	desc = malloc(total * sizeof(*desc));
	if (!desc)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	st = internal_alloc(r->dev, SINAN_MEM_HOST, (uint64_t)total * SINAN_PKT_SIZE, &cmd);
	if (!st && r->args_len)
		st = internal_alloc(r->dev, SINAN_MEM_DEVICE, r->args_len, &args);
	if (!st)
		st = bo_map(cmd->bo, (void **)&cpu);
	if (!st && args)
		st = bo_map(args->bo, (void **)&acpu);
	if (st)
		goto err;
	cpu += cmd->offset;
	if (args) {
		acpu += args->offset;
		args_va = args->bo->va + args->offset;
	}
	for (uint32_t i = 0; i < r->nargfix; i++)
		((struct sinan_pkt_launch *)&r->pkts[r->argfix[i].pkt])->args = args_va + r->argfix[i].off;
	if (shift) {
		struct sinan_pkt_timestamp t = { .header = SINAN_PKT_HDR(SINAN_OP_TIMESTAMP, 0), .addr = ts_va };

		memcpy(cpu, &t, sizeof(t));
		t.addr = ts_va + 8;
		memcpy(cpu + (uint64_t)(total - 1) * SINAN_PKT_SIZE, &t, sizeof(t));
		desc[0] = (struct pkt_desc){ SINAN_OP_TIMESTAMP, "trace timestamp" };
		desc[total - 1] = desc[0];
	}
	memcpy(cpu + (uint64_t)shift * SINAN_PKT_SIZE, r->pkts, (size_t)r->npkts * SINAN_PKT_SIZE);
	memcpy(desc + shift, r->desc, r->npkts * sizeof(*desc));
	if (args)
		memcpy(acpu, r->args, r->args_len);
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].set)
			rec_patch_slot(r, &r->slots[i], cpu, (uint64_t)shift * SINAN_PKT_SIZE, acpu);
	*cmd_out = cmd;
	*args_out = args;
	*desc_out = desc;
	*npkts_out = total;
	return SINAN_OK;
err:
	if (cmd)
		buffer_unref(cmd);
	if (args)
		buffer_unref(args);
	free(desc);
	return st;
}
