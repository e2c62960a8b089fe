// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: AI-core instruction fetch, decode and dispatch,
 * the scalar unit (ALU, LD/ST, branches, SETCFG) and the synchronization
 * instructions. Data movement, cube and vector instructions live in
 * isa_mte.c, isa_cube.c and isa_vec.c; timing in isa_cost.c.
 *
 * Everything here runs on a core-pool thread with no lock held. The program
 * is guest input: every field is checked, and anything wrong stops the
 * launch with an error (never an abort).
 */
#include <string.h>

#include "isa_int.h"

/* Instructions between checks of the queue's stop request and the watchdog. */
#define POLL_INSNS	4096

int isa_fail(struct emu_core *c, unsigned int err, uint64_t addr, unsigned int access,
	     unsigned int what, unsigned int pipe)
{
	unsigned int op = c->op;

	if (err == SINAN_ERR_ILLEGAL_INSTR && what == SINAN_EXC_TRAP)
		op = (uint32_t)SINAN_DEC_IMM32(c->insn) & 0xff;
	c->fault.err = err;
	c->fault.addr = addr;
	c->fault.info = access | (SINAN_FAULT_UNIT_CORE(c->id) << 8) | SINAN_CORE_DETAIL(what, pipe, op);
	return -1;
}

int isa_fail_gm(struct emu_core *c, const struct emu_fault *f)
{
	c->fault = *f;
	c->fault.info = (f->info & (SINAN_FAULT_ACCESS_MASK | SINAN_FAULT_UNIT_MASK)) |
			SINAN_CORE_DETAIL(SINAN_BUF_GM, 0, c->op);
	emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx: %s at VA 0x%llx", c->id,
			(unsigned long long)c->pc, f->err == SINAN_ERR_MMU_FAULT ? "MMU fault" :
			f->err == SINAN_ERR_ECC ? "ECC error" : "memory error",
			(unsigned long long)f->addr);
	return -1;
}

static int illegal(struct emu_core *c, unsigned int cause, const char *why)
{
	emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx: illegal instruction 0x%016llx: %s",
			c->id, (unsigned long long)c->pc, (unsigned long long)c->insn, why);
	return isa_fail(c, SINAN_ERR_ILLEGAL_INSTR, c->L->prog_va + c->pc, SINAN_FAULT_FETCH, cause, 0);
}

bool isa_should_stop(struct emu_core *c)
{
	return __atomic_load_n(&c->L->abort, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&c->L->q->stop_req, __ATOMIC_RELAXED);
}

static const char *buf_name(unsigned int buf)
{
	static const char *const n[SINAN_BUF_COUNT] = { "GM", "L1", "L0A", "L0B", "L0C", "UB" };

	return buf < SINAN_BUF_COUNT ? n[buf] : "?";
}

int isa_check_local(struct emu_core *c, unsigned int buf, uint64_t off, uint64_t n, uint64_t len,
		    uint64_t stride, uint64_t align, unsigned int access)
{
	uint64_t span;

	if (align && (off % align)) {
		emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx: %s offset 0x%llx not %llu-byte aligned",
				c->id, (unsigned long long)c->pc, buf_name(buf), (unsigned long long)off,
				(unsigned long long)align);
		return isa_fail(c, SINAN_ERR_ALIGN, off, access, buf, 0);
	}
	if (!n || !len)
		return 0;
	if (__builtin_mul_overflow(n - 1, stride, &span) || __builtin_add_overflow(span, len, &span) ||
	    __builtin_add_overflow(span, off, &span) || span > c->lsize[buf]) {
		emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx: %s access at 0x%llx "
				"(%llu x %llu bytes, stride %llu) outside the buffer (%llu bytes)",
				c->id, (unsigned long long)c->pc, buf_name(buf), (unsigned long long)off,
				(unsigned long long)n, (unsigned long long)len,
				(unsigned long long)stride, (unsigned long long)c->lsize[buf]);
		return isa_fail(c, SINAN_ERR_CORE_BOUNDS, off, access, buf, 0);
	}
	return 0;
}

/* ---- scalar unit ---------------------------------------------------------------- */

static void alu(unsigned int fn, uint64_t a, uint64_t b, uint64_t *r)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;

	switch (fn) {
	case SINAN_ALU_ADD: *r = a + b; break;
	case SINAN_ALU_SUB: *r = a - b; break;
	case SINAN_ALU_MUL: *r = a * b; break;
	case SINAN_ALU_DIVU: *r = b ? a / b : UINT64_MAX; break;
	case SINAN_ALU_REMU: *r = b ? a % b : a; break;
	case SINAN_ALU_AND: *r = a & b; break;
	case SINAN_ALU_OR: *r = a | b; break;
	case SINAN_ALU_XOR: *r = a ^ b; break;
	case SINAN_ALU_SHL: *r = a << (b & 63); break;
	case SINAN_ALU_SHR: *r = a >> (b & 63); break;
	case SINAN_ALU_SRA: *r = (uint64_t)(sa >> (b & 63)); break;
	case SINAN_ALU_MIN: *r = sa < sb ? a : b; break;
	case SINAN_ALU_MAX: *r = sa > sb ? a : b; break;
	case SINAN_ALU_MINU: *r = a < b ? a : b; break;
	case SINAN_ALU_MAXU: *r = a > b ? a : b; break;
	case SINAN_ALU_SLT: *r = sa < sb; break;
	case SINAN_ALU_SLTU: *r = a < b; break;
	case SINAN_ALU_SEQ: *r = a == b; break;
	default: *r = 0; break;
	}
}

static bool br_taken(unsigned int cond, uint64_t a, uint64_t b)
{
	switch (cond) {
	case SINAN_BR_EQ: return a == b;
	case SINAN_BR_NE: return a != b;
	case SINAN_BR_LT: return (int64_t)a < (int64_t)b;
	case SINAN_BR_GE: return (int64_t)a >= (int64_t)b;
	case SINAN_BR_LTU: return a < b;
	case SINAN_BR_GEU: return a >= b;
	}
	return true;	/* SINAN_BR_ALWAYS */
}

static int ldst(struct emu_core *c, bool store)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_I(w);
	unsigned int size = 1u << (fn & SINAN_LDST_SIZE_MASK);
	uint64_t va = c->x[SINAN_DEC_RA(w)] + (uint64_t)(int64_t)SINAN_DEC_IMM32(w);
	struct isa_acc gm = { .buf = SINAN_BUF_GM, .write = store, .base = va, .n = 1, .len = size };
	struct emu_fault f;
	uint64_t v = 0;

	if (va & (size - 1)) {
		emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx: %u-byte %s at misaligned VA 0x%llx",
				c->id, (unsigned long long)c->pc, size, store ? "store" : "load",
				(unsigned long long)va);
		return isa_fail(c, SINAN_ERR_ALIGN, va, store ? SINAN_FAULT_WRITE : SINAN_FAULT_READ,
				SINAN_BUF_GM, 0);
	}
	if (isa_cost_scalar(c, store ? 0 : isa_cost_s_ld(), &gm))
		return -1;
	if (store) {
		v = c->x[SINAN_DEC_RD(w)];
		if (emu_va_write(&c->actor, va, &v, size, &f))	/* little-endian host */
			return isa_fail_gm(c, &f);
		return 0;
	}
	if (emu_va_read(&c->actor, va, &v, size, EMU_ACCESS_READ, &f))
		return isa_fail_gm(c, &f);
	if ((fn & SINAN_LDST_SIGNED) && size < 8) {
		unsigned int sh = 64 - 8 * size;

		v = (uint64_t)((int64_t)(v << sh) >> sh);
	}
	if (SINAN_DEC_RD(w))
		c->x[SINAN_DEC_RD(w)] = v;
	return 0;
}

static int sync_insn(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w);

	if (c->op == SINAN_I_BARRIER) {
		isa_cost_barrier(c, fn);
		return 0;
	}
	{
		unsigned int src = SINAN_FLAG_SRC(fn), dst = SINAN_FLAG_DST(fn);
		unsigned int id = (uint16_t)SINAN_DEC_IMM16(w);

		if (c->op == SINAN_I_SET_FLAG)
			return isa_cost_set_flag(c, src, dst, id);
		return isa_cost_wait_flag(c, src, dst, id);
	}
}

/* ---- block execution --------------------------------------------------------------- */

static void block_init(struct emu_core *c, uint32_t block)
{
	memset(c->x, 0, sizeof(c->x));
	c->x[1] = c->L->args;
	c->x[2] = block;
	c->x[3] = c->L->blocks;
	c->x[4] = c->id;
	memset(c->cfg, 0, sizeof(c->cfg));
	c->cfg[SINAN_CFG_QSCALE] = SINAN_CFG_QSCALE_RESET;
	c->pc = 0;
	c->poll = 0;
	isa_cost_block_start(c);
}

static int fetch(struct emu_core *c)
{
	const struct emu_launch_ctx *L = c->L;

	if (c->pc >= L->prog_size || L->prog_size - c->pc < SINAN_INSN_SIZE) {
		c->op = 0;
		c->insn = 0;
		emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx outside the program (%llu bytes)",
				c->id, (unsigned long long)c->pc, (unsigned long long)L->prog_size);
		return isa_fail(c, SINAN_ERR_ILLEGAL_INSTR, L->prog_va + c->pc, SINAN_FAULT_FETCH,
				SINAN_EXC_PC, 0);
	}
	if (c->pc + SINAN_INSN_SIZE > L->prog_valid) {
		struct emu_fault f = L->prog_fault;

		c->op = 0;
		f.info = SINAN_FAULT_FETCH | (SINAN_FAULT_UNIT_CORE(c->id) << 8);
		return isa_fail_gm(c, &f);
	}
	memcpy(&c->insn, L->prog + c->pc, 8);	/* little-endian host */
	c->op = SINAN_DEC_OP(c->insn);
	return 0;
}

/* Execute one instruction. Returns 1 at END, 0 to go on, -1 on error. */
static int step(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int rd = SINAN_DEC_RD(w), ra = SINAN_DEC_RA(w);
	uint64_t v;

	switch (sinan_insn_check(w)) {
	case SINAN_EXC_NONE:
		break;
	case SINAN_EXC_OPCODE:
		return illegal(c, SINAN_EXC_OPCODE, sinan_insn_fields(c->op) ?
			       "unused field not zero" : "unknown opcode");
	default:
		return illegal(c, SINAN_EXC_FUNC, "bad func value");
	}
	switch (c->op) {
	case SINAN_I_NOP:
		return isa_cost_scalar(c, 0, NULL);
	case SINAN_I_LI:
		if (rd)
			c->x[rd] = (uint64_t)(int64_t)SINAN_DEC_IMM32(w);
		return isa_cost_scalar(c, 0, NULL);
	case SINAN_I_LUI:
		if (rd)
			c->x[rd] = ((uint64_t)(uint32_t)SINAN_DEC_IMM32(w) << 32) | (c->x[rd] & 0xffffffffu);
		return isa_cost_scalar(c, 0, NULL);
	case SINAN_I_ALU:
	case SINAN_I_ALUI: {
		uint64_t b = c->op == SINAN_I_ALU ? c->x[SINAN_DEC_RB(w)] :
			     (uint64_t)(int64_t)SINAN_DEC_IMM32(w);

		alu(c->op == SINAN_I_ALU ? SINAN_DEC_FUNC_R(w) : SINAN_DEC_FUNC_I(w), c->x[ra], b, &v);
		if (rd)
			c->x[rd] = v;
		return isa_cost_scalar(c, 0, NULL);
	}
	case SINAN_I_LD:
	case SINAN_I_ST:
		return ldst(c, c->op == SINAN_I_ST);
	case SINAN_I_BR: {
		unsigned int cond = SINAN_DEC_FUNC_I(w);
		bool taken = br_taken(cond, c->x[rd], c->x[ra]);

		if (isa_cost_scalar(c, 0, NULL))
			return -1;
		if (taken) {
			c->pc += (uint64_t)((int64_t)SINAN_DEC_IMM32(w) * SINAN_INSN_SIZE);
			return 2;	/* pc already updated */
		}
		return 0;
	}
	case SINAN_I_END:
		return 1;
	case SINAN_I_TRAP:
		emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx: TRAP %d", c->id,
				(unsigned long long)c->pc, SINAN_DEC_IMM32(w));
		return isa_fail(c, SINAN_ERR_ILLEGAL_INSTR, c->L->prog_va + c->pc, SINAN_FAULT_FETCH,
				SINAN_EXC_TRAP, 0);
	case SINAN_I_SETCFG: {
		unsigned int id = SINAN_DEC_FUNC_I(w);

		c->cfg[id] = c->x[ra];
		return isa_cost_scalar(c, 0, NULL);
	}
	case SINAN_I_SET_FLAG:
	case SINAN_I_WAIT_FLAG:
	case SINAN_I_BARRIER:
		return sync_insn(c);
	case SINAN_I_MOV:
		return isa_mov(c);
	case SINAN_I_LOADF:
		return isa_loadf(c);
	case SINAN_I_IMG2COL:
		return isa_img2col(c);
	case SINAN_I_MMAD:
		return isa_mmad(c);
	case SINAN_I_FIXP:
		return isa_fixp(c);
	default:
		return isa_vector(c);
	}
}

int isa_run_block(struct emu_core *c, uint32_t block)
{
	block_init(c, block);
	for (;;) {
		int r;

		if (++c->poll >= POLL_INSNS) {
			c->poll = 0;
			if (isa_should_stop(c))
				return isa_fail(c, SINAN_ERR_ABORTED, c->L->prog_va + c->pc, 0, 0, 0);
			if (c->L->wd_limit && c->base_cycles + c->t_issue > c->L->wd_limit) {
				emu_guest_error(c->emu, "sinan-npu: core %u: watchdog at pc 0x%llx", c->id,
						(unsigned long long)c->pc);
				return isa_fail(c, SINAN_ERR_WATCHDOG, c->L->prog_va + c->pc,
						SINAN_FAULT_FETCH, 0, 0);
			}
		}
		if (fetch(c))
			return -1;
		r = step(c);
		if (r < 0)
			return -1;
		if (r == 1) {
			c->base_cycles += isa_cost_block_end(c);
			return 0;
		}
		if (r == 0)
			c->pc += SINAN_INSN_SIZE;
	}
}
