// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder: replaced by the walking-skeleton driver. */
#include <linux/module.h>
#include <linux/pci.h>
#include <sinan_hw/sinan_regs.h>

static const struct pci_device_id sinan_pci_ids[] = {
	{ PCI_DEVICE(SINAN_PCI_VENDOR_ID, SINAN_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sinan_pci_ids);

static int sinan_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	dev_info(&pdev->dev, "sinan placeholder probe\n");
	return 0;
}

static void sinan_remove(struct pci_dev *pdev)
{
}

static struct pci_driver sinan_pci_driver = {
	.name = "sinan",
	.id_table = sinan_pci_ids,
	.probe = sinan_probe,
	.remove = sinan_remove,
};
module_pci_driver(sinan_pci_driver);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sinan NPU");
