/*
 * QTest for the Sinan NPU device (emu/qemu/sinan_npu.c + emu/core).
 *
 * Covers the PCI/QEMU side of docs/hw-spec.md: identity and capability
 * registers, access-size rules, firmware boot checks, doorbells and queues,
 * DMA to guest memory through the device MMU, MSI-X, modeled completion
 * time on QEMU_CLOCK_VIRTUAL, fault injection (qom-set) and reset.
 *
 * Built inside QEMU's tree by the Sinan tree's scripts/build-qemu.sh.
 *
 * SPDX-License-Identifier: MIT
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/libqos-pc.h"
#include "libqos/pci.h"
#include "standard-headers/linux/pci_regs.h"
#if __has_include("qobject/qdict.h")
#include "qobject/qdict.h"          /* QEMU 9.2+ */
#else
#include "qapi/qmp/qdict.h"
#endif
#include "qemu/bswap.h"

#include "sinan_hw/sinan_regs.h"
#include "sinan_hw/sinan_pkt.h"
#include "sinan_hw/sinan_mmu.h"
#include "sinan_hw/sinan_fw_if.h"

#define DEVMEM_SIZE     (64ULL << 20)
#define CTX_TABLE_PA    0x200000ULL
#define PT_POOL_PA      0x210000ULL
#define RING_VA         0x100000ULL
#define CQ_VA           0x110000ULL
#define DEV_VA          0x400000ULL   /* device-memory data */
#define SYS_VA          0x800000ULL   /* guest RAM data */
#define RING_SIZE       4096
#define CQ_SIZE         4096

typedef struct Npu {
    QOSState *qs;
    QTestState *qts;
    QPCIDevice *dev;
    QPCIBar bar0, bar4;
    uint64_t pt_next;
    uint64_t data_next;          /* device memory for queue data */
    uint32_t tail[SINAN_MAX_QUEUES];
    uint64_t seq[SINAN_MAX_QUEUES];
    uint64_t ring_pa[SINAN_MAX_QUEUES];
} Npu;

static void save_dev(QPCIDevice *dev, int devfn, void *data)
{
    *(QPCIDevice **)data = dev;
}

static Npu *npu_boot(const char *props)
{
    Npu *n = g_new0(Npu, 1);

    n->qs = qtest_pc_boot("-nodefaults -device sinan-npu,id=npu0,devmem-size=64M,queues=4%s%s",
                          props ? "," : "", props ? props : "");
    n->qts = n->qs->qts;
    qpci_device_foreach(n->qs->pcibus, SINAN_PCI_VENDOR_ID, SINAN_PCI_DEVICE_ID, save_dev, &n->dev);
    g_assert(n->dev);
    qpci_device_enable(n->dev);
    n->bar0 = qpci_iomap(n->dev, SINAN_BAR_REGS, NULL);
    n->bar4 = qpci_iomap(n->dev, SINAN_BAR_DEVMEM, NULL);
    n->pt_next = PT_POOL_PA;
    n->data_next = 0x300000;
    return n;
}

static void npu_free(Npu *n)
{
    g_free(n->dev);
    qtest_shutdown(n->qs);
    g_free(n);
}

static uint32_t rd32(Npu *n, uint64_t off) { return qpci_io_readl(n->dev, n->bar0, off); }
static uint64_t rd64(Npu *n, uint64_t off) { return qpci_io_readq(n->dev, n->bar0, off); }
static void wr32(Npu *n, uint64_t off, uint32_t v) { qpci_io_writel(n->dev, n->bar0, off, v); }
static void wr64(Npu *n, uint64_t off, uint64_t v) { qpci_io_writeq(n->dev, n->bar0, off, v); }

static void dm_write(Npu *n, uint64_t pa, const void *buf, size_t len)
{
    qpci_memwrite(n->dev, n->bar4, pa, buf, len);
}

static void dm_read(Npu *n, uint64_t pa, void *buf, size_t len)
{
    qpci_memread(n->dev, n->bar4, pa, buf, len);
}

static uint64_t dm_rd64(Npu *n, uint64_t pa)
{
    uint64_t v;

    dm_read(n, pa, &v, 8);
    return le64_to_cpu(v);
}

static void dm_wr64(Npu *n, uint64_t pa, uint64_t v)
{
    v = cpu_to_le64(v);
    dm_write(n, pa, &v, 8);
}

/* Reference CRC-32 (IEEE), as the boot ROM computes it. */
static uint32_t crc32_ref(uint32_t crc, const uint8_t *p, size_t len)
{
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
    }
    return ~crc;
}

/* Write a firmware image (header + payload + log) at PA 0 and boot it. */
static uint32_t fw_boot(Npu *n, uint16_t api_major, bool bad_crc)
{
    size_t size = 16384;
    uint8_t *img = g_malloc0(size);
    struct sinan_fw_boot_hdr *h = (void *)img;

    h->magic = SINAN_FW_MAGIC;
    h->api_major = api_major;
    h->api_minor = SINAN_FWIF_MINOR;
    h->fw_version = 0x010203;
    h->features = SINAN_FW_FEAT_HEARTBEAT | SINAN_FW_FEAT_LOG;
    h->hdr_size = sizeof(*h);
    h->image_size = size;
    h->log_offset = 8192;
    h->log_size = 8192;
    strcpy(h->version, "1.2.3-qtest");
    memset(img + sizeof(*h), 0xa5, 1000);
    h->crc32 = crc32_ref(0, img, size) ^ (bad_crc ? 1 : 0);
    dm_write(n, 0, img, size);
    g_free(img);
    wr64(n, SINAN_REG_FW_BOOT_ADDR, 0);
    wr32(n, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO);
    return rd32(n, SINAN_REG_FW_STATUS);
}

static uint64_t pt_alloc(Npu *n)
{
    uint64_t pa = n->pt_next;
    uint8_t zero[SINAN_PT_SIZE] = { 0 };

    n->pt_next += SINAN_PT_SIZE;
    g_assert_cmpuint(n->pt_next, <=, n->data_next);
    dm_write(n, pa, zero, sizeof(zero));
    return pa;
}

/* Map one 4 KiB page for @asid: @pa is device PA or (sysmem) a guest address. */
static void map_page(Npu *n, unsigned int asid, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t ctx = CTX_TABLE_PA + 16 * asid;
    uint64_t root = dm_rd64(n, ctx), table;

    if (!(root & SINAN_CTX_VALID)) {
        root = pt_alloc(n) | SINAN_CTX_VALID;
        dm_wr64(n, ctx, root);
    }
    table = root & SINAN_CTX_ROOT_MASK;
    for (int level = 0; level < SINAN_PT_LEVELS - 1; level++) {
        uint64_t ea = table + 8 * SINAN_VA_INDEX(va, level);
        uint64_t pte = dm_rd64(n, ea);

        if (!(pte & SINAN_PTE_VALID)) {
            pte = pt_alloc(n) | SINAN_PTE_VALID;
            dm_wr64(n, ea, pte);
        }
        table = pte & SINAN_PTE_ADDR_MASK;
    }
    dm_wr64(n, table + 8 * SINAN_VA_INDEX(va, SINAN_PT_LEVELS - 1),
            (pa & SINAN_PTE_ADDR_MASK) | SINAN_PTE_VALID | SINAN_PTE_LEAF | flags);
}

static void map_range(Npu *n, unsigned int asid, uint64_t va, uint64_t pa, uint64_t len,
                      uint64_t flags)
{
    for (uint64_t off = 0; off < len; off += SINAN_PAGE_SIZE) {
        map_page(n, asid, va + off, pa + off, flags);
    }
}

static uint64_t dm_data(Npu *n, uint64_t len)
{
    uint64_t pa = n->data_next;

    n->data_next += ROUND_UP(len, SINAN_PAGE_SIZE);
    g_assert_cmpuint(n->data_next, <=, DEVMEM_SIZE);
    return pa;
}

/*
 * Boot the firmware, set up the MMU and queue @q on @asid: its ring and
 * completion ring in device memory, mapped at RING_VA/CQ_VA + q * 64 KiB.
 */
static void queue_setup(Npu *n, unsigned int q, unsigned int asid, bool irq)
{
    uint64_t ring_pa = dm_data(n, RING_SIZE), cq_pa = dm_data(n, CQ_SIZE);
    uint64_t ring_va = RING_VA + q * 0x20000ULL, cq_va = CQ_VA + q * 0x20000ULL;

    n->ring_pa[q] = ring_pa;

    if (!(rd32(n, SINAN_REG_STATUS) & SINAN_STATUS_FW_READY)) {
        g_assert_cmpuint(fw_boot(n, SINAN_FWIF_MAJOR, false), ==, SINAN_FW_STATUS_READY);
        wr64(n, SINAN_REG_MMU_CTX_TABLE, CTX_TABLE_PA);
        wr32(n, SINAN_REG_MMU_CTRL, SINAN_MMU_CTRL_ENABLE);
    }
    map_range(n, asid, ring_va, ring_pa, RING_SIZE, 0);
    map_range(n, asid, cq_va, cq_pa, CQ_SIZE, SINAN_PTE_WRITE);
    wr64(n, SINAN_QREG(q, SINAN_Q_RING_BASE), ring_va);
    wr32(n, SINAN_QREG(q, SINAN_Q_RING_SIZE), RING_SIZE);
    wr64(n, SINAN_QREG(q, SINAN_Q_CQ_BASE), cq_va);
    wr32(n, SINAN_QREG(q, SINAN_Q_CQ_SIZE), CQ_SIZE);
    wr32(n, SINAN_QREG(q, SINAN_Q_ASID), asid);
    wr32(n, SINAN_QREG(q, SINAN_Q_CONFIG), irq ? SINAN_Q_CONFIG_IRQ_MASK : 0);
    wr32(n, SINAN_QREG(q, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE);
    g_assert_cmpuint(rd32(n, SINAN_QREG(q, SINAN_Q_STATUS)), ==, SINAN_QS_IDLE);
}

/* The ring is mapped read-only for the device; write it through BAR 4. */
static void ring_put(Npu *n, unsigned int q, const void *pkt)
{
    uint64_t ring_va = RING_VA + q * 0x20000ULL;
    uint64_t pa = 0, ctx_root, table, pte;

    /* Walk our own tables to find the ring's device PA. */
    ctx_root = dm_rd64(n, CTX_TABLE_PA + 16 * rd32(n, SINAN_QREG(q, SINAN_Q_ASID)));
    table = ctx_root & SINAN_CTX_ROOT_MASK;
    for (int level = 0; level < SINAN_PT_LEVELS; level++) {
        uint64_t va = ring_va + (n->tail[q] % RING_SIZE);

        pte = dm_rd64(n, table + 8 * SINAN_VA_INDEX(va, level));
        table = pte & SINAN_PTE_ADDR_MASK;
        pa = table | (va & (SINAN_PAGE_SIZE - 1));
    }
    dm_write(n, pa, pkt, SINAN_PKT_SIZE);
    n->tail[q] += SINAN_PKT_SIZE;
}

static void ring_fence(Npu *n, unsigned int q, bool irq)
{
    struct sinan_pkt_fence f = {
        .header = SINAN_PKT_HDR(SINAN_OP_FENCE, irq ? SINAN_FENCE_F_IRQ : 0),
        .seq = ++n->seq[q],
    };

    ring_put(n, q, &f);
}

static void doorbell(Npu *n, unsigned int q)
{
    wr32(n, SINAN_DOORBELL(q) + SINAN_DB_TAIL, n->tail[q]);
}

/* Step virtual time until @q has completed @seq or stopped; returns the status. */
static uint32_t wait_queue(Npu *n, unsigned int q, uint64_t seq)
{
    for (int i = 0; i < 200000; i++) {
        uint32_t st = rd32(n, SINAN_QREG(q, SINAN_Q_STATUS));

        if (rd64(n, SINAN_QREG(q, SINAN_Q_DONE_SEQ)) >= seq) {
            return 0;
        }
        if (st == SINAN_QS_ERROR && rd32(n, SINAN_QREG(q, SINAN_Q_CQ_WPTR)) &&
            (rd64(n, SINAN_REG_IRQ_STATUS) & SINAN_IRQ_QUEUE(q))) {
            return rd32(n, SINAN_QREG(q, SINAN_Q_ERROR));
        }
        qtest_clock_step(n->qts, 10000);
        if (i % 100 == 99) {
            g_usleep(1000);     /* let the worker thread run */
        }
    }
    g_assert_not_reached();
}

static void read_cqe(Npu *n, unsigned int q, unsigned int index, struct sinan_cqe *cqe)
{
    uint64_t cq_va = CQ_VA + q * 0x20000ULL + index * SINAN_CQE_SIZE;
    uint64_t ctx_root = dm_rd64(n, CTX_TABLE_PA + 16 * rd32(n, SINAN_QREG(q, SINAN_Q_ASID)));
    uint64_t table = ctx_root & SINAN_CTX_ROOT_MASK, pa = 0;

    for (int level = 0; level < SINAN_PT_LEVELS; level++) {
        uint64_t pte = dm_rd64(n, table + 8 * SINAN_VA_INDEX(cq_va, level));

        table = pte & SINAN_PTE_ADDR_MASK;
        pa = table | (cq_va & (SINAN_PAGE_SIZE - 1));
    }
    dm_read(n, pa, cqe, sizeof(*cqe));
}

/* ---- tests ------------------------------------------------------------------ */

static void test_identity(void)
{
    Npu *n = npu_boot("cores=4,clock-mhz=1500,l1-size=524288");

    g_assert_cmphex(qpci_config_readw(n->dev, PCI_VENDOR_ID), ==, SINAN_PCI_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(n->dev, PCI_DEVICE_ID), ==, SINAN_PCI_DEVICE_ID);
    g_assert_cmphex(qpci_config_readw(n->dev, PCI_CLASS_DEVICE), ==, SINAN_PCI_CLASS);
    g_assert_cmphex(rd32(n, SINAN_REG_ID), ==, SINAN_ID_MAGIC);
    g_assert_cmpuint(rd32(n, SINAN_REG_HW_VERSION) >> 16, ==, SINAN_HW_VERSION_MAJOR);
    g_assert_cmpuint(rd32(n, SINAN_REG_NUM_CORES), ==, 4);
    g_assert_cmpuint(rd32(n, SINAN_REG_NUM_QUEUES), ==, 4);
    g_assert_cmpuint(rd32(n, SINAN_REG_CLOCK_MHZ), ==, 1500);
    g_assert_cmpuint(rd32(n, SINAN_REG_L1_SIZE), ==, 524288);
    g_assert_cmpuint(rd32(n, SINAN_REG_L0A_SIZE), ==, 65536);
    g_assert_cmpuint(rd32(n, SINAN_REG_UB_SIZE), ==, 262144);
    g_assert_cmphex(rd32(n, SINAN_REG_CUBE_SHAPE), ==, 0x101010);
    g_assert_cmpuint(rd64(n, SINAN_REG_DEVMEM_SIZE), ==, DEVMEM_SIZE);
    g_assert_cmpuint(rd32(n, SINAN_REG_VA_BITS), ==, SINAN_VA_BITS);
    g_assert_cmpuint(rd32(n, SINAN_REG_NUM_MSIX), ==, 5);
    g_assert_cmphex(rd32(n, SINAN_REG_CAPS) & SINAN_CAP_DEBUG_REGS, ==, 0);
    g_assert_cmpuint(rd32(n, SINAN_REG_FW_STATUS), ==, SINAN_FW_STATUS_OFF);
    npu_free(n);
}

static void test_access_rules(void)
{
    Npu *n = npu_boot(NULL);

    /* A 2-byte read of a 32-bit register reads 0 and is reported. */
    g_assert_cmphex(qpci_io_readw(n->dev, n->bar0, SINAN_REG_ID), ==, 0);
    g_assert_cmpuint(rd32(n, SINAN_REG_PROG_ERROR), ==, SINAN_PROG_ERR_ACCESS_SIZE);
    /* 64-bit registers: one 8-byte access or two 4-byte halves. */
    g_assert_cmpuint(rd32(n, SINAN_REG_DEVMEM_SIZE), ==, (uint32_t)DEVMEM_SIZE);
    g_assert_cmpuint(rd32(n, SINAN_REG_DEVMEM_SIZE + 4), ==, DEVMEM_SIZE >> 32);
    wr32(n, SINAN_REG_IRQ_MASK, 0x12345678);
    wr32(n, SINAN_REG_IRQ_MASK + 4, 0x9abcdef0);
    g_assert_cmphex(rd64(n, SINAN_REG_IRQ_MASK), ==, 0x9abcdef012345678ULL);
    /* Read-only registers ignore writes, and say so. */
    wr32(n, SINAN_REG_NUM_CORES, 99);
    g_assert_cmpuint(rd32(n, SINAN_REG_NUM_CORES), ==, 8);
    g_assert_cmpuint(rd32(n, SINAN_REG_PROG_ERROR), ==, SINAN_PROG_ERR_READ_ONLY);
    /* The debug page is absent without debug-regs=on. */
    wr32(n, SINAN_REG_DBG_INJECT, SINAN_INJECT_FW_CRASH);
    g_assert_cmpuint(rd32(n, SINAN_REG_DBG_INJECT_COUNT), ==, 0);
    /* A queue can't be enabled before the firmware booted. */
    wr32(n, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE);
    g_assert_cmpuint(rd32(n, SINAN_REG_PROG_ERROR), ==, SINAN_PROG_ERR_NOT_READY);
    g_assert_cmpuint(rd32(n, SINAN_QREG(0, SINAN_Q_STATUS)), ==, SINAN_QS_DISABLED);
    /* Scratch is plain RW. */
    wr32(n, SINAN_REG_SCRATCH, 0xdeadbeef);
    g_assert_cmphex(rd32(n, SINAN_REG_SCRATCH), ==, 0xdeadbeef);
    npu_free(n);
}

static void test_fw_boot(void)
{
    Npu *n = npu_boot(NULL);
    uint32_t hb0, hb1;
    char log[64] = { 0 };

    g_assert_cmpuint(fw_boot(n, SINAN_FWIF_MAJOR + 1, false), ==, SINAN_FW_STATUS_ERROR);
    g_assert_cmpuint(rd32(n, SINAN_REG_FW_ERROR), ==, SINAN_FW_ERR_BAD_VERSION);
    wr32(n, SINAN_REG_CTRL, SINAN_CTRL_RESET);
    g_assert_cmpuint(fw_boot(n, SINAN_FWIF_MAJOR, true), ==, SINAN_FW_STATUS_ERROR);
    g_assert_cmpuint(rd32(n, SINAN_REG_FW_ERROR), ==, SINAN_FW_ERR_BAD_CRC);
    wr32(n, SINAN_REG_CTRL, SINAN_CTRL_RESET);
    g_assert_cmpuint(fw_boot(n, SINAN_FWIF_MAJOR, false), ==, SINAN_FW_STATUS_READY);
    g_assert_cmphex(rd32(n, SINAN_REG_FW_VERSION), ==, 0x010203);
    g_assert_cmphex(rd32(n, SINAN_REG_FW_API_VERSION), ==,
                    (SINAN_FWIF_MAJOR << 16) | SINAN_FWIF_MINOR);
    g_assert_true(rd32(n, SINAN_REG_STATUS) & SINAN_STATUS_FW_READY);
    /* The heartbeat advances with (virtual) time: one beat per millisecond. */
    hb0 = rd32(n, SINAN_REG_FW_HEARTBEAT);
    qtest_clock_step(n->qts, 5 * 1000 * 1000);
    hb1 = rd32(n, SINAN_REG_FW_HEARTBEAT);
    g_assert_cmpuint(hb1 - hb0, >=, 4);
    g_assert_cmpuint(hb1 - hb0, <=, 6);
    /* Mailbox ping. */
    wr32(n, SINAN_REG_MBOX_ARG(0), 41);
    wr32(n, SINAN_REG_MBOX_CMD, SINAN_MBOX_CMD_PING);
    g_assert_cmpuint(rd32(n, SINAN_REG_MBOX_STATUS), ==, SINAN_MBOX_ST_DONE);
    g_assert_cmpuint(rd32(n, SINAN_REG_MBOX_RESP(0)), ==, 42);
    /* The log ring says who booted. */
    dm_read(n, rd64(n, SINAN_REG_FW_LOG_ADDR), log, sizeof(log) - 1);
    g_assert_nonnull(strstr(log, "1.2.3-qtest"));
    npu_free(n);
}

/* Host -> device -> host copies through the MMU, completion on MSI-X. */
static void test_copy_dma_msix(void)
{
    Npu *n = npu_boot(NULL);
    uint64_t src = guest_alloc(&n->qs->alloc, 8192), dst = guest_alloc(&n->qs->alloc, 8192);
    uint64_t dev_pa = dm_data(n, 8192);
    uint8_t in[6000], out[6000];
    struct sinan_pkt_copy c1 = { .header = SINAN_PKT_HDR(SINAN_OP_COPY, 0) };
    struct sinan_pkt_copy c2 = { .header = SINAN_PKT_HDR(SINAN_OP_COPY, 0) };
    struct sinan_cqe cqe;

    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 7 + 3);
    }
    qtest_memwrite(n->qts, src + 100, in, sizeof(in));
    queue_setup(n, 1, 3, true);
    map_range(n, 3, SYS_VA, src, 8192, SINAN_PTE_SYSMEM);
    map_range(n, 3, SYS_VA + 8192, dst, 8192, SINAN_PTE_SYSMEM | SINAN_PTE_WRITE);
    map_range(n, 3, DEV_VA, dev_pa, 8192, SINAN_PTE_WRITE);
    qpci_msix_enable(n->dev);   /* entries start masked: notifications set PBA bits */

    c1.dst = DEV_VA + 5;
    c1.src = SYS_VA + 100;
    c1.size = sizeof(in);
    c2.dst = SYS_VA + 8192 + 1;
    c2.src = DEV_VA + 5;
    c2.size = sizeof(in);
    ring_put(n, 1, &c1);
    ring_put(n, 1, &c2);
    ring_fence(n, 1, true);
    doorbell(n, 1);
    g_assert_cmpuint(wait_queue(n, 1, 1), ==, 0);

    qtest_memread(n->qts, dst + 1, out, sizeof(out));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    g_assert_true(qpci_msix_pending(n->dev, SINAN_MSIX_VEC_QUEUE(1)));
    g_assert_false(qpci_msix_pending(n->dev, SINAN_MSIX_VEC_QUEUE(0)));
    g_assert_true(rd64(n, SINAN_REG_IRQ_STATUS) & SINAN_IRQ_QUEUE(1));
    read_cqe(n, 1, 0, &cqe);
    g_assert_cmpuint(cqe.seq, ==, 1);
    g_assert_cmpuint(cqe.status, ==, SINAN_ERR_NONE);
    g_assert_cmpuint(cqe.end_ts, >, cqe.start_ts);
    g_assert_cmpuint(cqe.busy_cycles, >, 0);
    g_assert_cmpuint(rd32(n, SINAN_QREG(1, SINAN_Q_HEAD)), ==, n->tail[1]);
    g_assert_cmpuint(rd32(n, SINAN_QREG(1, SINAN_Q_STATUS)), ==, SINAN_QS_IDLE);
    npu_free(n);
}

/*
 * Completions become visible at the job's modeled end time on
 * QEMU_CLOCK_VIRTUAL: a 16 MiB device-to-device copy at 300 GB/s takes
 * about 112 us of modeled time, so it cannot complete 10 us after the doorbell.
 */
static void test_modeled_time(void)
{
    Npu *n = npu_boot(NULL);
    uint64_t a = dm_data(n, 16 << 20), b = dm_data(n, 16 << 20);
    struct sinan_pkt_copy c = { .header = SINAN_PKT_HDR(SINAN_OP_COPY, 0) };
    struct sinan_cqe cqe;
    uint64_t cycles;

    queue_setup(n, 0, 1, false);
    map_range(n, 1, DEV_VA, a, 16 << 20, SINAN_PTE_WRITE);
    map_range(n, 1, DEV_VA + (16 << 20), b, 16 << 20, SINAN_PTE_WRITE);
    c.dst = DEV_VA + (16 << 20);
    c.src = DEV_VA;
    c.size = 16 << 20;
    ring_put(n, 0, &c);
    ring_fence(n, 0, false);
    doorbell(n, 0);
    /* Give the worker ample host time, but no virtual time. */
    for (int i = 0; i < 200 && rd32(n, SINAN_QREG(0, SINAN_Q_HEAD)) != n->tail[0]; i++) {
        g_usleep(5000);
    }
    g_assert_cmpuint(rd32(n, SINAN_QREG(0, SINAN_Q_HEAD)), ==, n->tail[0]);
    qtest_clock_step(n->qts, 10000);
    g_assert_cmpuint(rd64(n, SINAN_QREG(0, SINAN_Q_DONE_SEQ)), ==, 0);
    g_assert_cmpuint(wait_queue(n, 0, 1), ==, 0);
    read_cqe(n, 0, 0, &cqe);
    cycles = cqe.end_ts - cqe.start_ts;
    g_assert_cmpuint(cycles, >, 100000);
    g_assert_cmpuint(cycles, <, 130000);
    npu_free(n);
}

/* An MMU fault stops only the faulting queue and says where. */
static void test_mmu_fault_isolated(void)
{
    Npu *n = npu_boot(NULL);
    uint64_t pa = dm_data(n, 4096);
    struct sinan_pkt_fill f = {
        .header = SINAN_PKT_HDR(SINAN_OP_FILL, 0), .pattern = 0x11223344, .size = 256,
    };
    struct sinan_cqe cqe;
    uint32_t word;

    queue_setup(n, 0, 1, true);
    queue_setup(n, 2, 2, true);
    map_range(n, 2, DEV_VA, pa, 4096, SINAN_PTE_WRITE);
    /* Queue 0 (ASID 1) fills an address only ASID 2 has mapped. */
    f.dst = DEV_VA + 0x40;
    ring_put(n, 0, &f);
    ring_fence(n, 0, true);
    doorbell(n, 0);
    g_assert_cmpuint(wait_queue(n, 0, 1), ==, SINAN_ERR_MMU_FAULT);
    g_assert_cmphex(rd64(n, SINAN_QREG(0, SINAN_Q_FAULT_ADDR)), ==, DEV_VA + 0x40);
    g_assert_cmpuint(SINAN_FLD_GET(SINAN_FAULT, ACCESS, rd32(n, SINAN_QREG(0, SINAN_Q_FAULT_INFO))),
                     ==, SINAN_FAULT_WRITE);
    read_cqe(n, 0, 0, &cqe);
    g_assert_cmpuint(cqe.status, ==, SINAN_ERR_MMU_FAULT);
    g_assert_cmpuint(cqe.flags & SINAN_CQE_F_ERROR, !=, 0);
    g_assert_true(rd32(n, SINAN_REG_GLOBAL_CAUSE) & SINAN_CAUSE_QUEUE_ERROR);
    /* Queue 2 (ASID 2) still works. */
    f.dst = DEV_VA + 0x40;
    ring_put(n, 2, &f);
    ring_fence(n, 2, true);
    doorbell(n, 2);
    g_assert_cmpuint(wait_queue(n, 2, 1), ==, 0);
    dm_read(n, pa + 0x40, &word, 4);
    g_assert_cmphex(word, ==, 0x11223344);
    /* Reset brings queue 0 back. */
    wr32(n, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET);
    g_assert_cmpuint(rd32(n, SINAN_QREG(0, SINAN_Q_STATUS)), ==, SINAN_QS_DISABLED);
    g_assert_cmpuint(rd32(n, SINAN_QREG(0, SINAN_Q_ERROR)), ==, 0);
    npu_free(n);
}

static void test_bad_packets(void)
{
    Npu *n = npu_boot(NULL);
    struct sinan_pkt p = { .header = SINAN_PKT_HDR(0x7f, 0) };
    struct sinan_pkt_fill f = { .header = SINAN_PKT_HDR(SINAN_OP_FILL, 0), .dst = DEV_VA + 2,
                                .size = 8 };

    queue_setup(n, 0, 1, true);
    ring_put(n, 0, &p);
    doorbell(n, 0);
    g_assert_cmpuint(wait_queue(n, 0, 1), ==, SINAN_ERR_BAD_PACKET);
    wr32(n, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET);
    n->tail[0] = 0;
    wr32(n, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE);
    ring_put(n, 0, &f);
    doorbell(n, 0);
    g_assert_cmpuint(wait_queue(n, 0, 1), ==, SINAN_ERR_ALIGN);
    /* A doorbell past the ring stops the queue with BAD_RING. */
    queue_setup(n, 1, 1, true);
    wr32(n, SINAN_DOORBELL(1) + SINAN_DB_TAIL, RING_SIZE * 2);
    g_assert_cmpuint(rd32(n, SINAN_QREG(1, SINAN_Q_STATUS)), ==, SINAN_QS_ERROR);
    g_assert_cmpuint(rd32(n, SINAN_QREG(1, SINAN_Q_ERROR)), ==, SINAN_ERR_BAD_RING);
    npu_free(n);
}

static void inject(Npu *n, const char *what)
{
    QDict *resp = qtest_qmp(n->qts, "{'execute': 'qom-set', 'arguments': "
                            "{'path': '/machine/peripheral/npu0', 'property': 'inject', "
                            "'value': %s}}", what);

    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
}

/* Injected DMA and ECC errors stop only their queue, with the documented status. */
static void test_inject_dma_ecc(void)
{
    Npu *n = npu_boot(NULL);
    uint64_t host = guest_alloc(&n->qs->alloc, 4096);
    uint64_t pa = dm_data(n, 8192);
    struct sinan_pkt_copy c = { .header = SINAN_PKT_HDR(SINAN_OP_COPY, 0), .size = 64 };
    QDict *resp;

    queue_setup(n, 0, 1, true);
    queue_setup(n, 1, 1, true);
    map_range(n, 1, SYS_VA, host, 4096, SINAN_PTE_SYSMEM | SINAN_PTE_WRITE);
    map_range(n, 1, DEV_VA, pa, 8192, SINAN_PTE_WRITE);

    inject(n, "dma:0");
    c.dst = DEV_VA;
    c.src = SYS_VA;
    ring_put(n, 0, &c);
    ring_fence(n, 0, true);
    doorbell(n, 0);
    g_assert_cmpuint(wait_queue(n, 0, 1), ==, SINAN_ERR_DMA);

    inject(n, "ecc:1");
    c.dst = DEV_VA + 4096;
    c.src = DEV_VA;
    ring_put(n, 1, &c);
    ring_fence(n, 1, true);
    doorbell(n, 1);
    g_assert_cmpuint(wait_queue(n, 1, 1), ==, SINAN_ERR_ECC);
    g_assert_true(rd32(n, SINAN_REG_GLOBAL_CAUSE) & SINAN_CAUSE_ECC);
    /* The queue's next device-memory read is its packet fetch from the ring. */
    g_assert_cmphex(rd64(n, SINAN_REG_ECC_ADDR), ==, n->ring_pa[1]);

    /* A bad injection request is refused with an error, not a crash. */
    resp = qtest_qmp(n->qts, "{'execute': 'qom-set', 'arguments': "
                     "{'path': '/machine/peripheral/npu0', 'property': 'inject', "
                     "'value': 'meltdown:99'}}");
    g_assert(qdict_haskey(resp, "error"));
    qobject_unref(resp);
    npu_free(n);
}

/* A firmware crash halts the device; a reset and a reboot bring it back. */
static void test_fw_crash_and_reset(void)
{
    Npu *n = npu_boot("debug-regs=on");
    uint32_t hb;

    queue_setup(n, 0, 1, true);
    g_assert_true(rd32(n, SINAN_REG_CAPS) & SINAN_CAP_DEBUG_REGS);
    wr32(n, SINAN_REG_DBG_INJECT, SINAN_INJECT_FW_CRASH);
    g_assert_cmpuint(rd32(n, SINAN_REG_DBG_INJECT_COUNT), ==, 1);
    g_assert_cmpuint(rd32(n, SINAN_REG_FW_STATUS), ==, SINAN_FW_STATUS_CRASHED);
    g_assert_true(rd32(n, SINAN_REG_STATUS) & SINAN_STATUS_HALTED);
    hb = rd32(n, SINAN_REG_FW_HEARTBEAT);
    qtest_clock_step(n->qts, 10 * 1000 * 1000);
    g_assert_cmpuint(rd32(n, SINAN_REG_FW_HEARTBEAT), ==, hb);
    g_assert_cmpuint(rd32(n, SINAN_QREG(0, SINAN_Q_STATUS)), ==, SINAN_QS_ERROR);
    g_assert_cmpuint(rd32(n, SINAN_QREG(0, SINAN_Q_ERROR)), ==, SINAN_ERR_ABORTED);
    g_assert_true(rd32(n, SINAN_REG_GLOBAL_CAUSE) & SINAN_CAUSE_FW_CRASH);

    wr32(n, SINAN_REG_CTRL, SINAN_CTRL_RESET);
    g_assert_cmpuint(rd32(n, SINAN_REG_FW_STATUS), ==, SINAN_FW_STATUS_OFF);
    g_assert_cmpuint(rd32(n, SINAN_QREG(0, SINAN_Q_STATUS)), ==, SINAN_QS_DISABLED);
    g_assert_cmpuint(rd64(n, SINAN_REG_MMU_CTX_TABLE), ==, 0);
    memset(n->tail, 0, sizeof(n->tail));
    memset(n->seq, 0, sizeof(n->seq));
    n->pt_next = PT_POOL_PA;
    n->data_next = 0x300000;
    {
        uint8_t zero[4096] = { 0 };

        dm_write(n, CTX_TABLE_PA, zero, sizeof(zero));
    }
    queue_setup(n, 0, 1, true);
    ring_fence(n, 0, true);
    doorbell(n, 0);
    g_assert_cmpuint(wait_queue(n, 0, 1), ==, 0);
    npu_free(n);
}

/* A hung queue makes no progress; the others do; a queue reset clears it. */
static void test_inject_hang(void)
{
    Npu *n = npu_boot(NULL);

    queue_setup(n, 0, 1, true);
    queue_setup(n, 1, 1, true);
    inject(n, "hang:0");
    ring_fence(n, 0, true);
    doorbell(n, 0);
    ring_fence(n, 1, true);
    doorbell(n, 1);
    g_assert_cmpuint(wait_queue(n, 1, 1), ==, 0);
    qtest_clock_step(n->qts, 50 * 1000 * 1000);
    g_assert_cmpuint(rd64(n, SINAN_QREG(0, SINAN_Q_DONE_SEQ)), ==, 0);
    wr32(n, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET);
    n->tail[0] = 0;
    n->seq[0] = 0;
    wr32(n, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE);
    ring_fence(n, 0, true);
    doorbell(n, 0);
    g_assert_cmpuint(wait_queue(n, 0, 1), ==, 0);
    npu_free(n);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (strcmp(qtest_get_arch(), "x86_64")) {
        /* Never pass by running nothing: QTEST_QEMU_BINARY must be x86_64. */
        fprintf(stderr, "sinan-npu-test: QTEST_QEMU_BINARY is not qemu-system-x86_64\n");
        return 1;
    }
    qtest_add_func("/sinan-npu/identity", test_identity);
    qtest_add_func("/sinan-npu/access-rules", test_access_rules);
    qtest_add_func("/sinan-npu/fw-boot", test_fw_boot);
    qtest_add_func("/sinan-npu/copy-dma-msix", test_copy_dma_msix);
    qtest_add_func("/sinan-npu/modeled-time", test_modeled_time);
    qtest_add_func("/sinan-npu/mmu-fault-isolated", test_mmu_fault_isolated);
    qtest_add_func("/sinan-npu/bad-packets", test_bad_packets);
    qtest_add_func("/sinan-npu/inject-dma-ecc", test_inject_dma_ecc);
    qtest_add_func("/sinan-npu/fw-crash-and-reset", test_fw_crash_and_reset);
    qtest_add_func("/sinan-npu/inject-hang", test_inject_hang);
    return g_test_run();
}
