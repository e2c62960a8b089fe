// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: LAUNCH of AI-core programs.
 *
 * Walking-skeleton stage: the ISA interpreter is not implemented yet, so a
 * LAUNCH stops the queue with SINAN_ERR_ILLEGAL_INSTR (and says so in the
 * guest-error log) instead of pretending to run anything.
 */
#include "emu_int.h"

int emu_corepool_init(struct sinan_emu *emu)
{
	(void)emu;
	return 0;
}

void emu_corepool_fini(struct sinan_emu *emu)
{
	(void)emu;
}

int emu_launch(struct emu_queue *q, const struct sinan_pkt_launch *p, uint64_t *cycles,
	       struct emu_fault *f)
{
	emu_guest_error(q->emu, "sinan-npu: queue %u: LAUNCH: AI-core interpreter not implemented yet",
			q->id);
	*cycles = 0;
	f->err = SINAN_ERR_ILLEGAL_INSTR;
	f->addr = p->prog;
	f->info = 0;
	return -1;
}
