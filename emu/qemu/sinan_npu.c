/*
 * Sinan NPU: QOM/PCI glue around the device model core.
 *
 * The hardware interface is specified in the Sinan tree's docs/hw-spec.md
 * and include/sinan_hw/; the behaviour lives in emu/core/ (plain C, no QEMU
 * headers). This file only connects the core to QEMU: BARs, MSI-X/INTx,
 * DMA through pci_dma_*, QEMU_CLOCK_VIRTUAL for time and completion timers,
 * LOG_GUEST_ERROR and trace events.
 *
 * BARs: 0 registers (512 KiB, 64-bit), 2 MSI-X (exclusive), 4 device memory
 * (64-bit prefetchable, lazily backed host RAM of devmem-size bytes).
 *
 * Properties (defaults are the default Sinan chip):
 *   cores=8             AI cores
 *   queues=16           hardware queues (1..64); MSI-X vectors = queues + 1
 *   asids=64            device address spaces (contexts)
 *   clock-mhz=1000      AI-core clock; TIMESTAMP counts cycles of it
 *   devmem-size=1G      device memory (power of two, 64M..64G)
 *   l1-size, l0a-size, l0b-size, l0c-size, ub-size   per-core buffers
 *   devmem-bw-mbps=300000, hostlink-bw-mbps=25000    cost model bandwidths
 *   host-threads=0      host threads for AI cores (0 = one per host CPU)
 *   strict-sync=on      report unsynchronized pipes as SINAN_ERR_SYNC_HAZARD
 *   debug-regs=off      expose the fault-injection register page
 *   inject=KIND[:Q]     write-only, settable at run time with qom-set:
 *                       hang, dma, ecc, fw-crash, illegal, mmu
 *
 * Copyright (c) 2026 The Sinan authors
 * SPDX-License-Identifier: MIT
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qemu/rcu.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "hw/pci/pci.h"
#if __has_include("hw/pci/pci_device.h")
#include "hw/pci/pci_device.h"
#endif
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "exec/memory.h"
#if __has_include("system/dma.h")
#include "system/dma.h"
#else
#include "sysemu/dma.h"
#endif
#include "trace.h"

#include "sinan_emu.h"
#include "sinan_hw/sinan_regs.h"

/* Glue differences between QEMU versions: docs/qemu-glue.md. */
#define SINAN_QEMU_AT_LEAST(maj, min) \
    (QEMU_VERSION_MAJOR > (maj) || (QEMU_VERSION_MAJOR == (maj) && QEMU_VERSION_MINOR >= (min)))
#if SINAN_QEMU_AT_LEAST(9, 2)
#define SINAN_PROPS_CONST const     /* device_class_set_props() checks a const array */
#else
#define SINAN_PROPS_CONST
#endif

#define TYPE_SINAN_NPU "sinan-npu"
OBJECT_DECLARE_SIMPLE_TYPE(SinanNPUState, SINAN_NPU)

struct SinanNPUState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    MemoryRegion devmem;
    QEMUTimer *timer;
    struct sinan_emu *emu;
    struct sinan_emu_config cfg;
    uint64_t devmem_size;
    uint32_t host_threads;
    unsigned int nvec;
};

/* ---- host callbacks for the core ---------------------------------------- */

/*
 * DMA runs on the core's worker threads without the big lock, so only RAM
 * may be a target: anything else (MMIO, including our own BARs, or an
 * address with bus mastering off) is a DMA error for the queue.
 */
static int sinan_npu_dma(SinanNPUState *s, uint64_t addr, void *buf, uint64_t len,
                         bool is_write)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    AddressSpace *as = pci_get_address_space(pdev);

    while (len) {
        hwaddr xlat, plen = len;
        bool ok;

        WITH_RCU_READ_LOCK_GUARD() {
            MemoryRegion *mr = address_space_translate(as, addr, &xlat, &plen, is_write,
                                                       MEMTXATTRS_UNSPECIFIED);
            ok = memory_region_is_ram(mr) && !(is_write && mr->readonly) && plen;
        }
        if (!ok || pci_dma_rw(pdev, addr, buf, plen,
                              is_write ? DMA_DIRECTION_FROM_DEVICE : DMA_DIRECTION_TO_DEVICE,
                              MEMTXATTRS_UNSPECIFIED) != MEMTX_OK) {
            trace_sinan_npu_err_dma(addr, len, is_write);
            qemu_log_mask(LOG_GUEST_ERROR, "sinan-npu: DMA %s 0x%" PRIx64 "+0x%" PRIx64
                          " does not reach guest RAM\n", is_write ? "write" : "read", addr, len);
            return -1;
        }
        addr += plen;
        buf = (uint8_t *)buf + plen;
        len -= plen;
    }
    return 0;
}

static int sinan_npu_dma_read(void *opaque, uint64_t addr, void *buf, uint64_t len)
{
    return sinan_npu_dma(opaque, addr, buf, len, false);
}

static int sinan_npu_dma_write(void *opaque, uint64_t addr, const void *buf, uint64_t len)
{
    return sinan_npu_dma(opaque, addr, (void *)buf, len, true);
}

/* Called with the big lock held (MMIO handlers, the completion timer). */
static void sinan_npu_irq(void *opaque, int vector, bool level)
{
    SinanNPUState *s = opaque;
    PCIDevice *pdev = PCI_DEVICE(s);

    if (vector < 0) {
        trace_sinan_npu_intx(level);
        pci_set_irq(pdev, level);
        return;
    }
    trace_sinan_npu_irq(vector);
    if (msix_enabled(pdev)) {
        msix_notify(pdev, vector);
    } else if (msi_enabled(pdev)) {
        msi_notify(pdev, 0);
    }
}

static bool sinan_npu_msix_enabled(void *opaque)
{
    PCIDevice *pdev = PCI_DEVICE(opaque);

    return msix_enabled(pdev) || msi_enabled(pdev);
}

static uint64_t sinan_npu_now(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/* Thread-safe: timer_mod_anticipate takes the timer list lock and kicks the loop. */
static void sinan_npu_timer_arm(void *opaque, uint64_t when)
{
    SinanNPUState *s = opaque;

    timer_mod_anticipate_ns(s->timer, (int64_t)when);
}

static void sinan_npu_guest_error(void *opaque, const char *msg)
{
    qemu_log_mask(LOG_GUEST_ERROR, "%s\n", msg);
}

static void sinan_npu_trace(void *opaque, enum sinan_emu_trace_kind k, uint64_t a, uint64_t b,
                            uint64_t c)
{
    switch (k) {
    case SINAN_TRACE_MMIO_READ: trace_sinan_npu_mmio_read(a, b, c); break;
    case SINAN_TRACE_MMIO_WRITE: trace_sinan_npu_mmio_write(a, b, c); break;
    case SINAN_TRACE_DOORBELL: trace_sinan_npu_doorbell(a, b); break;
    case SINAN_TRACE_PACKET: trace_sinan_npu_packet(a, b, c); break;
    case SINAN_TRACE_COMPLETE: trace_sinan_npu_complete(a, b, c); break;
    case SINAN_TRACE_IRQ: break;    /* traced in sinan_npu_irq */
    case SINAN_TRACE_FW_BOOT: trace_sinan_npu_fw_boot(a, b); break;
    case SINAN_TRACE_RESET: trace_sinan_npu_reset(a, b); break;
    case SINAN_TRACE_ERR_QUEUE: trace_sinan_npu_err_queue(a, b, c); break;
    case SINAN_TRACE_ERR_PROG: trace_sinan_npu_err_prog(a, b, c); break;
    case SINAN_TRACE_UB_ACCESS: trace_sinan_npu_ub_access(a, b); break;
    case SINAN_TRACE_INJECT: trace_sinan_npu_inject(a, b); break;
    }
}

static const struct sinan_emu_host_ops sinan_npu_host_ops = {
    .dma_read = sinan_npu_dma_read,
    .dma_write = sinan_npu_dma_write,
    .irq = sinan_npu_irq,
    .msix_enabled = sinan_npu_msix_enabled,
    .now_ns = sinan_npu_now,
    .timer_arm = sinan_npu_timer_arm,
    .guest_error = sinan_npu_guest_error,
    .trace = sinan_npu_trace,
};

static void sinan_npu_timer_cb(void *opaque)
{
    SinanNPUState *s = opaque;

    sinan_emu_timer(s->emu);
}

/* ---- BAR 0 ------------------------------------------------------------------ */

static uint64_t sinan_npu_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    SinanNPUState *s = opaque;

    return sinan_emu_mmio_read(s->emu, addr, size);
}

static void sinan_npu_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    SinanNPUState *s = opaque;

    sinan_emu_mmio_write(s->emu, addr, val, size);
}

static const MemoryRegionOps sinan_npu_mmio_ops = {
    .read = sinan_npu_mmio_read,
    .write = sinan_npu_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* The core checks widths itself and reports bad ones to the guest. */
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- lifecycle ---------------------------------------------------------------- */

static void sinan_npu_realize(PCIDevice *pdev, Error **errp)
{
    SinanNPUState *s = SINAN_NPU(pdev);
    const char *why;
    int ret;

    s->cfg.devmem_size = s->devmem_size;
    s->cfg.host_threads = s->host_threads;
    s->nvec = s->cfg.num_queues + 1;
    s->cfg.num_msix = s->nvec;
    why = sinan_emu_config_check(&s->cfg);
    if (why) {
        error_setg(errp, "sinan-npu: %s", why);
        return;
    }

    pci_config_set_interrupt_pin(pdev->config, 1);
    if (pci_is_express(pdev)) {
        if (pcie_endpoint_cap_init(pdev, 0x80) < 0) {
            error_setg(errp, "sinan-npu: cannot add the PCI Express capability");
            return;
        }
        pcie_cap_flr_init(pdev);
    }

    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, sinan_npu_timer_cb, s);
    s->emu = sinan_emu_create(&s->cfg, &sinan_npu_host_ops, s);
    if (!s->emu) {
        error_setg(errp, "sinan-npu: cannot create the device model (out of memory?)");
        goto err_timer;
    }

    memory_region_init_io(&s->mmio, OBJECT(s), &sinan_npu_mmio_ops, s, "sinan-npu.regs",
                          SINAN_BAR_REGS_SIZE);
    pci_register_bar(pdev, SINAN_BAR_REGS,
                     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64, &s->mmio);

    ret = msix_init_exclusive_bar(pdev, s->nvec, SINAN_BAR_MSIX, errp);
    if (ret) {
        goto err_emu;
    }
    for (unsigned int i = 0; i < s->nvec; i++) {
        msix_vector_use(pdev, i);
    }

    memory_region_init_ram_ptr(&s->devmem, OBJECT(s), "sinan-npu.devmem",
                               sinan_emu_devmem_size(s->emu), sinan_emu_devmem(s->emu));
    pci_register_bar(pdev, SINAN_BAR_DEVMEM,
                     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->devmem);
    return;

err_emu:
    sinan_emu_destroy(s->emu);
    s->emu = NULL;
err_timer:
    timer_free(s->timer);
    s->timer = NULL;
}

/*
 * A hybrid (PCI and PCIe) device manages QEMU_PCI_CAP_EXPRESS itself: on a
 * PCI Express bus it is an endpoint (PCIe capability with FLR, 4 KiB config
 * space), on a conventional bus a plain PCI function. This must be decided
 * before the PCI core sizes the config space, hence a DeviceClass realize.
 */
static DeviceRealize sinan_npu_parent_dc_realize;

static void sinan_npu_dc_realize(DeviceState *qdev, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(qdev);
    PCIBus *bus = PCI_BUS(qdev_get_parent_bus(qdev));

    if (bus && pci_bus_is_express(bus)) {
        pdev->cap_present |= QEMU_PCI_CAP_EXPRESS;
    }
    sinan_npu_parent_dc_realize(qdev, errp);
}

static void sinan_npu_exit(PCIDevice *pdev)
{
    SinanNPUState *s = SINAN_NPU(pdev);

    for (unsigned int i = 0; i < s->nvec; i++) {
        msix_vector_unuse(pdev, i);
    }
    msix_uninit_exclusive_bar(pdev);
    timer_free(s->timer);
    sinan_emu_destroy(s->emu);
    s->emu = NULL;
}

/* Bus reset and FLR: stop the queues, wait for the workers, back to power-on. */
static void sinan_npu_reset(DeviceState *dev)
{
    SinanNPUState *s = SINAN_NPU(dev);

    timer_del(s->timer);
    sinan_emu_reset(s->emu);
}

static void sinan_npu_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val, int len)
{
    SinanNPUState *s = SINAN_NPU(pdev);

    pci_default_write_config(pdev, addr, val, len);
    if (pci_is_express(pdev)) {
        pcie_cap_flr_write_config(pdev, addr, val, len);
    }
    /* MSI-X enable or INTx disable may have changed how interrupts are sent. */
    sinan_emu_irq_update(s->emu);
}

static void sinan_npu_set_inject(Object *obj, const char *value, Error **errp)
{
    SinanNPUState *s = SINAN_NPU(obj);

    if (!s->emu) {
        error_setg(errp, "sinan-npu: inject: device not realized");
        return;
    }
    if (sinan_emu_inject_str(s->emu, value)) {
        error_setg(errp, "sinan-npu: inject: '%s' is not KIND[:QUEUE] with KIND one of "
                   "hang, dma, ecc, fw-crash, illegal, mmu", value);
    }
}

static char *sinan_npu_get_inject(Object *obj, Error **errp)
{
    return g_strdup("");
}

static void sinan_npu_instance_init(Object *obj)
{
    SinanNPUState *s = SINAN_NPU(obj);

    sinan_emu_config_default(&s->cfg);
    s->devmem_size = s->cfg.devmem_size;
}

static SINAN_PROPS_CONST Property sinan_npu_props[] = {
    DEFINE_PROP_UINT32("cores", SinanNPUState, cfg.num_cores, 8),
    DEFINE_PROP_UINT32("queues", SinanNPUState, cfg.num_queues, 16),
    DEFINE_PROP_UINT32("asids", SinanNPUState, cfg.num_asids, 64),
    DEFINE_PROP_UINT32("clock-mhz", SinanNPUState, cfg.clock_mhz, 1000),
    DEFINE_PROP_SIZE("devmem-size", SinanNPUState, devmem_size, 1 * GiB),
    DEFINE_PROP_UINT32("l1-size", SinanNPUState, cfg.l1_size, 1 * MiB),
    DEFINE_PROP_UINT32("l0a-size", SinanNPUState, cfg.l0a_size, 64 * KiB),
    DEFINE_PROP_UINT32("l0b-size", SinanNPUState, cfg.l0b_size, 64 * KiB),
    DEFINE_PROP_UINT32("l0c-size", SinanNPUState, cfg.l0c_size, 256 * KiB),
    DEFINE_PROP_UINT32("ub-size", SinanNPUState, cfg.ub_size, 256 * KiB),
    DEFINE_PROP_UINT32("devmem-bw-mbps", SinanNPUState, cfg.devmem_bw_mbps, 300000),
    DEFINE_PROP_UINT32("hostlink-bw-mbps", SinanNPUState, cfg.hostlink_bw_mbps, 25000),
    DEFINE_PROP_UINT32("host-threads", SinanNPUState, host_threads, 0),
    DEFINE_PROP_BOOL("strict-sync", SinanNPUState, cfg.strict_sync, true),
    DEFINE_PROP_BOOL("debug-regs", SinanNPUState, cfg.debug_regs, false),
#ifdef DEFINE_PROP_END_OF_LIST     /* gone in 9.2 */
    DEFINE_PROP_END_OF_LIST(),
#endif
};

static const VMStateDescription sinan_npu_vmstate = {
    .name = "sinan-npu",
    .unmigratable = 1,
};

#if SINAN_QEMU_AT_LEAST(10, 1)
static void sinan_npu_class_init(ObjectClass *klass, const void *data)
#else
static void sinan_npu_class_init(ObjectClass *klass, void *data)
#endif
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = sinan_npu_realize;
    k->exit = sinan_npu_exit;
    k->config_write = sinan_npu_config_write;
    k->vendor_id = SINAN_PCI_VENDOR_ID;
    k->device_id = SINAN_PCI_DEVICE_ID;
    k->subsystem_vendor_id = SINAN_PCI_SUBSYS_VENDOR_ID;
    k->subsystem_id = SINAN_PCI_SUBSYS_ID;
    k->revision = SINAN_PCI_REVISION;
    k->class_id = SINAN_PCI_CLASS;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    dc->desc = "Sinan NPU (AI accelerator)";
    dc->vmsd = &sinan_npu_vmstate;
    device_class_set_props(dc, sinan_npu_props);
#if SINAN_QEMU_AT_LEAST(9, 1)
    device_class_set_legacy_reset(dc, sinan_npu_reset);
#else
    dc->reset = sinan_npu_reset;
#endif
    device_class_set_parent_realize(dc, sinan_npu_dc_realize, &sinan_npu_parent_dc_realize);
    object_class_property_add_str(klass, "inject", sinan_npu_get_inject, sinan_npu_set_inject);
    object_class_property_set_description(klass, "inject",
        "Inject a fault: KIND[:QUEUE], KIND = hang, dma, ecc, fw-crash, illegal, mmu");
}

static const TypeInfo sinan_npu_info = {
    .name = TYPE_SINAN_NPU,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SinanNPUState),
    .instance_init = sinan_npu_instance_init,
    .class_init = sinan_npu_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void sinan_npu_register_types(void)
{
    type_register_static(&sinan_npu_info);
}

type_init(sinan_npu_register_types)
