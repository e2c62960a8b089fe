// SPDX-License-Identifier: MIT
/*
 * Simulator backend, device side: a small userspace driver for the device
 * model, doing what sinan.ko does for the hardware (docs/hw-spec.md):
 *
 *  - device memory: a range allocator over BAR 4; the first
 *    SINAN_FW_RESERVED bytes belong to the firmware;
 *  - the MMU: the context table and one context's 3-level page tables in
 *    device memory (sinan_mmu.h), invalidated through MMU_INV;
 *  - firmware: the ELF image's PT_LOAD segments copied to device memory (or
 *    a boot header written in place when no image is installed), then
 *    FW_BOOT and the device's verdict in FW_STATUS/FW_ERROR;
 *  - queues: a ring and a completion ring per hardware queue, one
 *    INDIRECT + FENCE pair per job, the doorbell, completion records and
 *    error records, hang detection with a per-queue timeout;
 *  - time: the device runs on a virtual clock. now_ns() returns it; the
 *    device asks for a callback with timer_arm(); waiting advances the
 *    clock to the next due completion once no queue is still computing, so
 *    modeled time is exact and runs as fast as the host computes.
 *  - host memory: DMA reaches only buffers registered here, by bus address,
 *    bounds-checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sim_int.h"

uint64_t sim_real_ns(void)
{
	return sinan_now_ns();
}

/* ---- registers --------------------------------------------------------------- */

uint32_t sim_rd32(struct sim *s, uint64_t off)
{
	return (uint32_t)sinan_emu_mmio_read(s->emu, off, 4);
}

uint64_t sim_rd64(struct sim *s, uint64_t off)
{
	return sinan_emu_mmio_read(s->emu, off, 8);
}

void sim_wr32(struct sim *s, uint64_t off, uint32_t v)
{
	sinan_emu_mmio_write(s->emu, off, v, 4);
}

void sim_wr64(struct sim *s, uint64_t off, uint64_t v)
{
	sinan_emu_mmio_write(s->emu, off, v, 8);
}

/* ---- range allocator ------------------------------------------------------------ */

int ra_init(struct range_alloc *ra, uint64_t base, uint64_t end)
{
	ra->base = base;
	ra->end = end;
	ra->used = 0;
	ra->free = calloc(1, sizeof(*ra->free));
	if (!ra->free)
		return -ENOMEM;
	ra->free->start = base;
	ra->free->end = end;
	return 0;
}

void ra_fini(struct range_alloc *ra)
{
	while (ra->free) {
		struct extent *e = ra->free;

		ra->free = e->next;
		free(e);
	}
}

static int ra_carve(struct range_alloc *ra, struct extent **pp, uint64_t start, uint64_t size)
{
	struct extent *e = *pp;

	if (start == e->start && start + size == e->end) {
		*pp = e->next;
		free(e);
	} else if (start == e->start) {
		e->start += size;
	} else if (start + size == e->end) {
		e->end = start;
	} else {
		struct extent *n = malloc(sizeof(*n));

		if (!n)
			return -ENOMEM;
		n->start = start + size;
		n->end = e->end;
		n->next = e->next;
		e->end = start;
		e->next = n;
	}
	ra->used += size;
	return 0;
}

int ra_alloc(struct range_alloc *ra, uint64_t size, uint64_t align, uint64_t *out)
{
	for (struct extent **pp = &ra->free; *pp; pp = &(*pp)->next) {
		uint64_t start = ALIGN_UP((*pp)->start, align);

		if (start < (*pp)->start || start >= (*pp)->end || (*pp)->end - start < size)
			continue;
		if (ra_carve(ra, pp, start, size))
			return -ENOMEM;
		*out = start;
		return 0;
	}
	return -ENOMEM;
}

int ra_take(struct range_alloc *ra, uint64_t start, uint64_t size)
{
	if (start < ra->base || start > ra->end || size > ra->end - start)
		return -EINVAL;
	for (struct extent **pp = &ra->free; *pp; pp = &(*pp)->next)
		if ((*pp)->start <= start && start + size <= (*pp)->end)
			return ra_carve(ra, pp, start, size);
	return -EBUSY;
}

void ra_free(struct range_alloc *ra, uint64_t start, uint64_t size)
{
	struct extent **pp = &ra->free, *prev = NULL, *n;

	while (*pp && (*pp)->start < start) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	ra->used -= size;
	if (prev && prev->end == start) {
		prev->end += size;
		if (prev->next && prev->next->start == prev->end) {
			n = prev->next;
			prev->end = n->end;
			prev->next = n->next;
			free(n);
		}
		return;
	}
	if (*pp && (*pp)->start == start + size) {
		(*pp)->start = start;
		return;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return;	/* the range is lost, never handed out twice */
	n->start = start;
	n->end = start + size;
	n->next = *pp;
	*pp = n;
}

/* ---- host side of the device ------------------------------------------------------ */

static struct sim_bo *host_find(struct sim *s, uint64_t addr, uint64_t len)
{
	uint32_t lo = 0, hi = s->nhost;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		struct sim_bo *bo = s->host[mid];

		if (addr < bo->bus)
			hi = mid;
		else if (addr >= bo->bus + bo->size)
			lo = mid + 1;
		else
			return len <= bo->bus + bo->size - addr ? bo : NULL;
	}
	return NULL;
}

static int host_dma_read(void *opaque, uint64_t addr, void *buf, uint64_t len)
{
	struct sim *s = opaque;
	struct sim_bo *bo;
	int ret = -1;

	pthread_rwlock_rdlock(&s->host_lock);
	bo = host_find(s, addr, len);
	if (bo) {
		memcpy(buf, (uint8_t *)bo->host + (addr - bo->bus), len);
		ret = 0;
	}
	pthread_rwlock_unlock(&s->host_lock);
	return ret;
}

static int host_dma_write(void *opaque, uint64_t addr, const void *buf, uint64_t len)
{
	struct sim *s = opaque;
	struct sim_bo *bo;
	int ret = -1;

	pthread_rwlock_rdlock(&s->host_lock);
	bo = host_find(s, addr, len);
	if (bo) {
		memcpy((uint8_t *)bo->host + (addr - bo->bus), buf, len);
		ret = 0;
	}
	pthread_rwlock_unlock(&s->host_lock);
	return ret;
}

static void host_irq(void *opaque, int vector, bool level)
{
	(void)vector;
	(void)level;
	/* Completions are polled from the completion rings; an interrupt only wakes waiters. */
	sim_kick(opaque);
}

static bool host_msix_enabled(void *opaque)
{
	(void)opaque;
	return true;
}

static uint64_t host_now_ns(void *opaque)
{
	struct sim *s = opaque;

	return atomic_load(&s->now_ns);
}

static void host_timer_arm(void *opaque, uint64_t when)
{
	struct sim *s = opaque;

	pthread_mutex_lock(&s->arm_lock);
	if (when < s->armed_ns)
		s->armed_ns = when;
	s->arm_gen++;
	pthread_cond_broadcast(&s->arm_cond);
	pthread_mutex_unlock(&s->arm_lock);
}

static void host_guest_error(void *opaque, const char *msg)
{
	(void)opaque;
	sinan_dbg("sim device: %s", msg);
}

const struct sinan_emu_host_ops sim_host_ops = {
	.dma_read = host_dma_read,
	.dma_write = host_dma_write,
	.irq = host_irq,
	.msix_enabled = host_msix_enabled,
	.now_ns = host_now_ns,
	.timer_arm = host_timer_arm,
	.guest_error = host_guest_error,
};

void sim_kick(struct sim *s)
{
	pthread_mutex_lock(&s->arm_lock);
	s->arm_gen++;
	pthread_cond_broadcast(&s->arm_cond);
	pthread_mutex_unlock(&s->arm_lock);
}

/* ---- MMU ------------------------------------------------------------------------- */

static uint64_t *pa_ptr(struct sim *s, uint64_t pa)
{
	return (uint64_t *)((uint8_t *)sinan_emu_devmem(s->emu) + pa);
}

static int pt_alloc(struct sim *s, uint64_t *pa)
{
	int ret = ra_alloc(&s->devmem, SINAN_PT_SIZE, SINAN_PT_SIZE, pa);

	if (ret)
		return ret;
	memset(pa_ptr(s, *pa), 0, SINAN_PT_SIZE);
	s->pt_pages++;
	return 0;
}

/* The table under entry @idx of @table, allocated if missing. */
static int pt_next(struct sim *s, uint64_t table, unsigned int idx, uint64_t *next)
{
	uint64_t *e = pa_ptr(s, table) + idx;
	int ret;

	if (*e & SINAN_PTE_VALID) {
		if (*e & SINAN_PTE_LEAF)
			return -EBUSY;
		*next = *e & SINAN_PTE_ADDR_MASK;
		return 0;
	}
	ret = pt_alloc(s, next);
	if (ret)
		return ret;
	*e = *next | SINAN_PTE_VALID;
	return 0;
}

int sim_pt_map(struct sim *s, uint64_t va, uint64_t addr, uint64_t size, uint64_t flags)
{
	while (size) {
		uint64_t l1, l2;
		int ret = pt_next(s, s->root_pa, SINAN_VA_INDEX(va, 0), &l1);

		if (ret)
			return ret;
		if (!((va | addr) & (SINAN_BLOCK_SIZE - 1)) && size >= SINAN_BLOCK_SIZE) {
			uint64_t *e = pa_ptr(s, l1) + SINAN_VA_INDEX(va, 1);

			if ((*e & SINAN_PTE_VALID) && (*e & SINAN_PTE_LEAF))
				return -EBUSY;
			if (*e & SINAN_PTE_VALID) {
				/* A table left by page mappings: reusable as a block once empty. */
				uint64_t t = *e & SINAN_PTE_ADDR_MASK, *pt = pa_ptr(s, t);

				for (unsigned int i = 0; i < SINAN_PT_ENTRIES; i++)
					if (pt[i] & SINAN_PTE_VALID)
						return -EBUSY;
				ra_free(&s->devmem, t, SINAN_PT_SIZE);
				s->pt_pages--;
			}
			*e = addr | flags | SINAN_PTE_VALID | SINAN_PTE_LEAF;
			va += SINAN_BLOCK_SIZE;
			addr += SINAN_BLOCK_SIZE;
			size -= SINAN_BLOCK_SIZE;
			continue;
		}
		ret = pt_next(s, l1, SINAN_VA_INDEX(va, 1), &l2);
		if (ret)
			return ret;
		pa_ptr(s, l2)[SINAN_VA_INDEX(va, 2)] = addr | flags | SINAN_PTE_VALID | SINAN_PTE_LEAF;
		va += SINAN_PAGE_SIZE;
		addr += SINAN_PAGE_SIZE;
		size -= SINAN_PAGE_SIZE;
	}
	return 0;
}

void sim_pt_unmap(struct sim *s, uint64_t va, uint64_t size)
{
	while (size) {
		uint64_t *e0 = pa_ptr(s, s->root_pa) + SINAN_VA_INDEX(va, 0);
		uint64_t step = SINAN_PAGE_SIZE, *e1;

		if (*e0 & SINAN_PTE_VALID) {
			e1 = pa_ptr(s, *e0 & SINAN_PTE_ADDR_MASK) + SINAN_VA_INDEX(va, 1);
			if ((*e1 & SINAN_PTE_VALID) && (*e1 & SINAN_PTE_LEAF)) {
				*e1 = 0;
				step = SINAN_BLOCK_SIZE;
			} else if (*e1 & SINAN_PTE_VALID) {
				pa_ptr(s, *e1 & SINAN_PTE_ADDR_MASK)[SINAN_VA_INDEX(va, 2)] = 0;
			}
		}
		step = MIN(step, size);
		va += step;
		size -= step;
	}
}

void sim_mmu_invalidate(struct sim *s)
{
	sim_wr32(s, SINAN_REG_MMU_INV, SIM_ASID);
	while (sim_rd32(s, SINAN_REG_MMU_INV_STATUS) & 1)
		;
}

/* ---- firmware --------------------------------------------------------------------- */

static const char *fw_err_str(uint32_t e)
{
	switch (e) {
	case SINAN_FW_ERR_BAD_ADDR: return "header misaligned or outside device memory";
	case SINAN_FW_ERR_BAD_MAGIC: return "bad magic (not a Sinan firmware image)";
	case SINAN_FW_ERR_BAD_VERSION: return "firmware-interface major not supported by the device";
	case SINAN_FW_ERR_BAD_SIZE: return "image or log size out of range";
	case SINAN_FW_ERR_BAD_CRC: return "CRC mismatch (corrupted image)";
	}
	return "unknown error";
}

/* Copy the PT_LOAD segments of an ELF image to device memory; *boot = first segment. */
static int fw_load_elf(struct sim *s, const char *path, uint64_t *boot)
{
	uint8_t *dm = sinan_emu_devmem(s->emu);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct sinan_fw_note note;
	bool have_note = false;
	Elf *e = NULL;
	GElf_Ehdr eh;
	size_t n;
	struct stat st;
	int ret = -EINVAL;

	if (fd < 0) {
		int err = errno;

		sinan_error_errno(SINAN_E_FIRMWARE, err, "sim: cannot open firmware %s: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) || elf_version(EV_CURRENT) == EV_NONE || !(e = elf_begin(fd, ELF_C_READ, NULL)) ||
	    elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || eh.e_machine != SINAN_ELF_MACHINE ||
	    elf_getphdrnum(e, &n)) {
		sinan_error(SINAN_E_FIRMWARE, "sim: %s is not a Sinan firmware image (ELF for machine 0x%x)",
			    path, SINAN_ELF_MACHINE);
		goto out;
	}
	*boot = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph))
			goto bad;
		if (ph.p_type == PT_NOTE && ph.p_filesz >= sizeof(Elf64_Nhdr) + 8 + sizeof(note) &&
		    ph.p_offset <= (uint64_t)st.st_size && ph.p_filesz <= (uint64_t)st.st_size - ph.p_offset) {
			Elf64_Nhdr nh;

			if (pread(fd, &nh, sizeof(nh), (off_t)ph.p_offset) == sizeof(nh) &&
			    nh.n_type == SINAN_NOTE_FW && nh.n_namesz == sizeof(SINAN_NOTE_NAME) &&
			    nh.n_descsz >= sizeof(note) &&
			    pread(fd, &note, sizeof(note), (off_t)(ph.p_offset + sizeof(nh) + 8)) == sizeof(note))
				have_note = true;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_paddr >= SINAN_FW_RESERVED ||
		    ph.p_memsz > SINAN_FW_RESERVED - ph.p_paddr || ph.p_offset > (uint64_t)st.st_size ||
		    ph.p_filesz > (uint64_t)st.st_size - ph.p_offset)
			goto bad;
		if (pread(fd, dm + ph.p_paddr, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			goto bad;
		memset(dm + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (*boot == UINT64_MAX)
			*boot = ph.p_paddr;
	}
	if (*boot == UINT64_MAX)
		goto bad;
	/* Like the driver: refuse an interface major we do not speak before booting it. */
	if (have_note && note.api_major != SINAN_FWIF_MAJOR) {
		sinan_error(SINAN_E_VERSION_MISMATCH,
			    "sim: firmware %s implements firmware interface %u.%u, this runtime speaks %u.x: "
			    "install firmware built for interface %u", path, note.api_major, note.api_minor,
			    SINAN_FWIF_MAJOR, SINAN_FWIF_MAJOR);
		goto out;
	}
	ret = 0;
	goto out;
bad:
	sinan_error(SINAN_E_FIRMWARE, "sim: firmware %s: malformed program headers", path);
out:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

/* No image installed: write a valid boot header the way the image would carry it. */
static void fw_builtin(struct sim *s, uint64_t *boot)
{
	uint8_t *dm = sinan_emu_devmem(s->emu);
	struct sinan_fw_boot_hdr *h = (void *)dm;
	const uint64_t log_size = 64 * 1024;

	memset(dm, 0, sizeof(*h) + log_size);
	h->magic = SINAN_FW_MAGIC;
	h->api_major = SINAN_FWIF_MAJOR;
	h->api_minor = SINAN_FWIF_MINOR;
	h->fw_version = (1u << 16);
	h->features = SINAN_FW_FEAT_HEARTBEAT | SINAN_FW_FEAT_LOG | SINAN_FW_FEAT_MBOX;
	h->hdr_size = sizeof(*h);
	h->image_size = sizeof(*h) + log_size;
	h->log_offset = sizeof(*h);
	h->log_size = log_size;
	snprintf(h->version, sizeof(h->version), "1.0.0-sim-builtin");
	h->crc32 = (uint32_t)crc32(0, dm, (uInt)h->image_size);
	*boot = 0;
}

static int fw_boot(struct sim *s, const char *path, bool explicit_path)
{
	uint64_t boot;
	uint32_t st;
	int ret;

	if (path && (explicit_path || access(path, R_OK) == 0)) {
		ret = fw_load_elf(s, path, &boot);
		if (ret)
			return ret;
		snprintf(s->fw_source, sizeof(s->fw_source), "%s", path);
	} else {
		fw_builtin(s, &boot);
		snprintf(s->fw_source, sizeof(s->fw_source), "built-in boot header (no firmware image found)");
	}
	sim_wr64(s, SINAN_REG_FW_BOOT_ADDR, boot);
	sim_wr32(s, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO);
	st = sim_rd32(s, SINAN_REG_FW_STATUS);
	if (st != SINAN_FW_STATUS_READY) {
		uint32_t e = sim_rd32(s, SINAN_REG_FW_ERROR);

		sinan_error(e == SINAN_FW_ERR_BAD_VERSION ? SINAN_E_VERSION_MISMATCH : SINAN_E_FIRMWARE,
			    "sim: the device refused the firmware (%s): %s (FW_STATUS %u, FW_ERROR %u)",
			    s->fw_source, fw_err_str(e), st, e);
		return -EIO;
	}
	{
		const struct sinan_fw_boot_hdr *h = (const void *)((uint8_t *)sinan_emu_devmem(s->emu) + boot);

		memcpy(s->fw_version_str, h->version, sizeof(s->fw_version_str));
		s->fw_version_str[sizeof(s->fw_version_str) - 1] = 0;
	}
	return 0;
}

int sim_hw_init(struct sim *s, const char *fw_path, bool fw_explicit)
{
	uint64_t ctx_bytes = (uint64_t)s->cfg.num_asids * sizeof(struct sinan_ctx_desc);
	struct sinan_ctx_desc *ctx;
	int ret;

	if (sim_rd32(s, SINAN_REG_ID) != SINAN_ID_MAGIC) {
		sinan_error(SINAN_E_DEVICE_LOST, "sim: the device model does not answer");
		return -ENODEV;
	}
	ret = ra_init(&s->devmem, SINAN_FW_RESERVED, sinan_emu_devmem_size(s->emu));
	if (ret)
		return ret;
	ret = fw_boot(s, fw_path, fw_explicit);
	if (ret)
		return ret;
	/* Context table and this context's root table. */
	ret = ra_alloc(&s->devmem, ALIGN_UP(ctx_bytes, SINAN_PAGE_SIZE), SINAN_PAGE_SIZE, &s->ctx_table_pa);
	if (ret)
		return ret;
	memset(pa_ptr(s, s->ctx_table_pa), 0, ctx_bytes);
	ret = pt_alloc(s, &s->root_pa);
	if (ret)
		return ret;
	ctx = (struct sinan_ctx_desc *)pa_ptr(s, s->ctx_table_pa);
	ctx[SIM_ASID].root = s->root_pa | SINAN_CTX_VALID;
	sim_wr64(s, SINAN_REG_MMU_CTX_TABLE, s->ctx_table_pa);
	sim_wr32(s, SINAN_REG_MMU_CTRL, SINAN_MMU_CTRL_ENABLE);
	if (sim_rd64(s, SINAN_REG_MMU_CTX_TABLE) != s->ctx_table_pa) {
		sinan_error(SINAN_E_DEVICE_ERROR, "sim: the device refused the context table");
		return -EIO;
	}
	return 0;
}

void sim_hw_fini(struct sim *s)
{
	ra_fini(&s->devmem);
}

/* ---- queues ---------------------------------------------------------------------- */

int sim_queue_hw_start(struct sim *s, struct sim_queue *q)
{
	unsigned int i = q->id;
	uint32_t cfg = (uint32_t)(SINAN_FLD_PREP(SINAN_Q_CONFIG, ENGINE, q->engine) |
				  SINAN_FLD_PREP(SINAN_Q_CONFIG, PRIORITY, q->priority) |
				  SINAN_Q_CONFIG_IRQ_MASK);

	memset(pa_ptr(s, q->cq_pa), 0, SIM_CQ_SIZE);
	sim_wr32(s, SINAN_QREG(i, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET);
	sim_wr64(s, SINAN_QREG(i, SINAN_Q_RING_BASE), q->ring_va);
	sim_wr32(s, SINAN_QREG(i, SINAN_Q_RING_SIZE), SIM_RING_SIZE);
	sim_wr32(s, SINAN_QREG(i, SINAN_Q_ASID), SIM_ASID);
	sim_wr64(s, SINAN_QREG(i, SINAN_Q_CQ_BASE), q->cq_va);
	sim_wr32(s, SINAN_QREG(i, SINAN_Q_CQ_SIZE), SIM_CQ_SIZE);
	sim_wr32(s, SINAN_QREG(i, SINAN_Q_CONFIG), cfg);
	sim_wr32(s, SINAN_QREG(i, SINAN_Q_WATCHDOG), 0);
	sim_wr32(s, SINAN_QREG(i, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE);
	q->tail = 0;
	q->cq_rptr = 0;
	q->pushed = 0;
	q->snap_real = sim_real_ns();
	q->stuck = false;
	return sim_rd32(s, SINAN_QREG(i, SINAN_Q_STATUS)) == SINAN_QS_IDLE ? 0 : -EIO;
}

void sim_queue_hw_stop(struct sim *s, struct sim_queue *q)
{
	q->busy_base += sim_rd64(s, SINAN_QREG(q->id, SINAN_Q_BUSY_CYCLES));
	sim_wr32(s, SINAN_QREG(q->id, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET);
}

/* ---- jobs and fences ------------------------------------------------------------------ */

bool sim_point_signaled(struct sim_syncobj *so, uint64_t point)
{
	if (point == 0)
		return so->bin_signaled;
	return so->value >= point;
}

/* Advance a timeline: points signal in submission order (a dma_fence_chain). */
void sim_syncobj_advance(struct sim_syncobj *so)
{
	while (so->points && so->points->done) {
		struct sim_point *p = so->points;

		so->points = p->next;
		if (p->point > so->value)
			so->value = p->point;
		free(p);
	}
}

void sim_job_unref(struct sim *s, struct sim_job *j)
{
	if (--j->refs)
		return;
	for (uint32_t i = 0; i < j->nin; i++)
		sim_syncobj_unref(s, j->in[i].so);
	for (uint32_t i = 0; i < j->nout; i++)
		sim_syncobj_unref(s, j->out[i].so);
	free(j->in);
	free(j->out);
	free(j->bos);
	free(j);
}

/* A job is over (success, failure or cancel): signal its fences, drop its buffers. */
static void job_complete(struct sim *s, struct sim_job *j, int status)
{
	struct sim_queue *q = j->q;

	if (j->state == JOB_PUSHED)
		q->pushed--;
	j->state = JOB_DONE;
	j->status = status;
	if (j->seq > q->done_seq)
		q->done_seq = j->seq;
	for (uint32_t i = 0; i < j->nout; i++) {
		struct sim_syncobj *so = j->out[i].so;

		if (j->out[i].point == 0) {
			if (so->bin_job == j)
				so->bin_signaled = true;
		} else if (j->out[i].pt) {
			j->out[i].pt->done = true;
			sim_syncobj_advance(so);
		}
	}
	for (uint32_t i = 0; i < j->nbos; i++)
		sim_bo_unref(s, j->bos[i]);
	j->nbos = 0;
}

/* Pop finished jobs off the queue's FIFO head. */
static void queue_reap(struct sim *s, struct sim_queue *q)
{
	while (q->jobs && q->jobs->state == JOB_DONE) {
		struct sim_job *j = q->jobs;

		q->jobs = j->next;
		if (!q->jobs)
			q->jobs_tail = &q->jobs;
		sim_job_unref(s, j);
	}
}

static int hw_err_to_errno(uint32_t err)
{
	switch (err) {
	case SINAN_ERR_MMU_FAULT: return -EFAULT;
	case SINAN_ERR_WATCHDOG: return -ETIMEDOUT;
	case SINAN_ERR_ABORTED: return -ECANCELED;
	}
	return -EIO;
}

/* Job @j failed: record why, ban the queue, cancel everything queued after it. */
static void queue_fail(struct sim *s, struct sim_queue *q, struct sim_job *j, int status, uint32_t err,
		       uint32_t err_pkt, uint64_t fault_addr, uint32_t fault_info)
{
	q->banned = true;
	q->guilty = true;
	q->error = err;
	q->err_pkt = err_pkt;
	q->fault_addr = fault_addr;
	q->fault_info = fault_info;
	q->failed_seq = j ? j->seq : q->done_seq + 1;
	q->failed_status = status;
	q->reset_count++;
	sim_queue_hw_stop(s, q);
	for (struct sim_job *k = q->jobs; k; k = k->next) {
		if (k->state == JOB_DONE)
			continue;
		job_complete(s, k, k == j ? status : -ECANCELED);
	}
	queue_reap(s, q);
}

static void process_cq(struct sim *s, struct sim_queue *q)
{
	for (;;) {
		struct sinan_cqe *slot = (struct sinan_cqe *)((uint8_t *)pa_ptr(s, q->cq_pa) +
							      (q->cq_rptr & (SIM_CQ_SIZE - 1)));
		struct sinan_cqe c = *slot;

		if (!c.seq && !c.flags)
			return;
		memset(slot, 0, sizeof(*slot));
		q->cq_rptr += SINAN_CQE_SIZE;
		if (c.flags & SINAN_CQE_F_ERROR) {
			struct sim_job *j = NULL;

			for (struct sim_job *k = q->jobs; k; k = k->next)
				if (k->state == JOB_PUSHED && (k->seq == c.seq || (!j && !c.seq)))
					j = k;
			if (!j)
				for (struct sim_job *k = q->jobs; k && !j; k = k->next)
					if (k->state == JOB_PUSHED)
						j = k;
			queue_fail(s, q, j, hw_err_to_errno(c.status), c.status, c.err_pkt, c.fault_addr,
				   c.fault_info);
			return;
		}
		for (struct sim_job *k = q->jobs; k && k->seq <= c.seq; k = k->next) {
			if (k->state == JOB_PUSHED) {
				job_complete(s, k, 0);
				if (k->next && k->next->state == JOB_PUSHED)
					k->next->start_real = sim_real_ns();
			}
		}
		queue_reap(s, q);
	}
}

static bool job_ready(struct sim_job *j)
{
	for (uint32_t i = 0; i < j->nin; i++)
		if (!sim_point_signaled(j->in[i].so, j->in[i].point))
			return false;
	return true;
}

/* Write INDIRECT + FENCE for each ready job, in order, and ring the doorbell. */
static void queue_push(struct sim *s, struct sim_queue *q)
{
	bool rang = false;

	if (q->banned)
		return;
	for (struct sim_job *j = q->jobs; j; j = j->next) {
		struct sinan_pkt_indirect ind = { 0 };
		struct sinan_pkt_fence fen = { 0 };
		uint8_t *ring = (uint8_t *)pa_ptr(s, q->ring_pa);

		if (j->state != JOB_QUEUED)
			continue;
		if (!job_ready(j) || (q->pushed + 1) * SIM_JOB_RING_BYTES > SIM_RING_SIZE)
			break;
		ind.header = SINAN_PKT_HDR(SINAN_OP_INDIRECT, 0);
		ind.addr = j->cmd_va;
		ind.size = j->cmd_size;
		ind.seq = j->seq;
		fen.header = SINAN_PKT_HDR(SINAN_OP_FENCE, SINAN_FENCE_F_IRQ);
		fen.seq = j->seq;
		memcpy(ring + (q->tail & (SIM_RING_SIZE - 1)), &ind, sizeof(ind));
		q->tail += SINAN_PKT_SIZE;
		memcpy(ring + (q->tail & (SIM_RING_SIZE - 1)), &fen, sizeof(fen));
		q->tail += SINAN_PKT_SIZE;
		if (!q->pushed)
			j->start_real = sim_real_ns();
		q->pushed++;
		j->state = JOB_PUSHED;
		rang = true;
	}
	if (rang)
		sim_wr32(s, SINAN_DOORBELL(q->id) + SINAN_DB_TAIL, q->tail);
}

/* The oldest running job exceeded the queue's timeout: stop the queue, fail the job. */
static void queue_check_hang(struct sim *s, struct sim_queue *q, uint64_t now)
{
	struct sim_job *j = q->jobs;
	uint32_t limit = q->timeout_ms ? q->timeout_ms : s->default_timeout_ms;

	while (j && j->state == JOB_DONE)
		j = j->next;
	if (!j || j->state != JOB_PUSHED || now < j->start_real ||
	    now - j->start_real < (uint64_t)limit * 1000000ULL)
		return;
	sinan_dbg("sim: queue %u job %llu ran longer than %u ms: stopping the queue", q->id,
		  (unsigned long long)j->seq, limit);
	queue_fail(s, q, j, -ETIMEDOUT, DRM_SINAN_QUEUE_ERR_TIMEOUT, 0, 0, 0);
}

/* Is some queue still computing (so an earlier completion may still appear)? */
static bool queues_busy(struct sim *s, uint64_t now)
{
	bool busy = false;

	for (unsigned int i = 0; i < s->cfg.num_queues; i++) {
		struct sim_queue *q = &s->queues[i];
		uint64_t b, h;

		if (!q->used || q->banned || !q->pushed)
			continue;
		if (sim_rd32(s, SINAN_QREG(i, SINAN_Q_STATUS)) != SINAN_QS_RUNNING)
			continue;
		b = sim_rd64(s, SINAN_QREG(i, SINAN_Q_BUSY_CYCLES));
		h = sim_rd32(s, SINAN_QREG(i, SINAN_Q_HEAD));
		if (b != q->snap_busy || h != q->snap_head) {
			q->snap_busy = b;
			q->snap_head = h;
			q->snap_real = now;
			q->stuck = false;
		} else if (now - q->snap_real > SIM_STUCK_NS) {
			q->stuck = true;	/* hung: do not hold the other queues' time back */
		}
		if (!q->stuck)
			busy = true;
	}
	return busy;
}

void sim_settle(struct sim *s)
{
	for (int round = 0; round < 64; round++) {
		uint64_t now = sim_real_ns(), due;
		bool busy;

		for (unsigned int i = 0; i < s->cfg.num_queues; i++) {
			struct sim_queue *q = &s->queues[i];

			if (!q->used)
				continue;
			process_cq(s, q);
			queue_push(s, q);
			if (!q->banned)
				queue_check_hang(s, q, now);
		}
		busy = queues_busy(s, now);
		pthread_mutex_lock(&s->arm_lock);
		due = s->armed_ns;
		if (due != UINT64_MAX && !busy)
			s->armed_ns = UINT64_MAX;
		pthread_mutex_unlock(&s->arm_lock);
		if (due == UINT64_MAX || busy)
			return;
		if (due > atomic_load(&s->now_ns))
			atomic_store(&s->now_ns, due);
		sinan_emu_timer(s->emu);
	}
}

void sim_wait_change(struct sim *s, int64_t deadline)
{
	struct timespec ts;
	uint64_t gen;
	int64_t now = (int64_t)sim_real_ns();
	int64_t until = now + 2000000;	/* re-check at least every 2 ms */

	if (deadline < until)
		until = deadline;
	if (until <= now)
		return;
	pthread_mutex_lock(&s->arm_lock);
	gen = s->arm_gen;
	pthread_mutex_unlock(&s->arm_lock);
	pthread_mutex_unlock(&s->lock);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	{
		int64_t rel = until - now;

		ts.tv_sec += rel / 1000000000LL;
		ts.tv_nsec += rel % 1000000000LL;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&s->arm_lock);
	while (s->arm_gen == gen) {
		if (pthread_cond_timedwait(&s->arm_cond, &s->arm_lock, &ts))
			break;
	}
	pthread_mutex_unlock(&s->arm_lock);
	pthread_mutex_lock(&s->lock);
}

/* Status of job @seq: 0, or the fence error; *done says whether it is over. */
int sim_job_status(struct sim_queue *q, uint64_t seq, bool *done)
{
	*done = seq <= q->done_seq || (q->banned && seq <= q->last_seq);
	if (!*done)
		return 0;
	if (q->failed_seq && seq == q->failed_seq)
		return q->failed_status;
	if (q->failed_seq && seq > q->failed_seq)
		return -ECANCELED;
	return 0;
}
