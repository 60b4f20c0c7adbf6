/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "vfio" backend: a real card on PCIe, driven from user space through
 * VFIO. BAR0 is mmap'd and reached with plain 32-bit loads and stores
 * (the same tg_bar layer the tests exercise on an ordinary memory
 * region); host memory the card must reach is mapped in the IOMMU at
 * IOVA = VA, so descriptors and ring bases carry virtual addresses, as
 * on the other backends.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tg_card_backend.h"

struct tg_be_vfio_map {
	uintptr_t start;
	uintptr_t end;
};

struct tg_be_vfio {
	struct tg_bar bar;		/* first: the register ops use it */
	void *bar_map;
	size_t bar_map_len;
	int container;
	int group;
	int device;
	uint64_t config_off;		/* config space region in the device fd */
	struct tg_be_vfio_map *maps;	/* IOMMU mappings made, sorted by start */
	unsigned n_maps;
	unsigned cap_maps;
	char bdf[32];
};

/* Register access on any BAR mapping: shared by vfio and the "bar" ops. */
static uint32_t
tg_be_bar_read(void *priv, uint32_t off)
{
	return tg_bar_read32(priv, off);
}

static void
tg_be_bar_write(void *priv, uint32_t off, uint32_t val)
{
	tg_bar_write32(priv, off, val);
}

/*
 * The PCI address in its full "DDDD:BB:DD.F" form; a missing domain
 * means domain 0. Anything that could leave /sys/bus/pci/devices is
 * refused.
 */
static int
tg_be_vfio_bdf(const char *device, char *bdf, size_t len)
{
	unsigned dom, bus, dev, fn;
	char tail;

	if (sscanf(device, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) == 4) {
		/* full form */
	} else if (sscanf(device, "%x:%x.%x%c", &bus, &dev, &fn, &tail) == 3) {
		dom = 0;
	} else {
		return -EINVAL;
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(bdf, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

/*
 * Bus mastering lets the card issue DMA; memory decoding makes BAR0
 * answer. Both live in the PCI command register.
 */
static int
tg_be_vfio_command(struct tg_be_vfio *v, int master)
{
	uint16_t cmd;

	if (pread(v->device, &cmd, sizeof(cmd), v->config_off + PCI_COMMAND) != sizeof(cmd))
		return -EIO;
	if (master)
		cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	else
		cmd &= ~PCI_COMMAND_MASTER;
	if (pwrite(v->device, &cmd, sizeof(cmd), v->config_off + PCI_COMMAND) != sizeof(cmd))
		return -EIO;
	return 0;
}

/*
 * Stop DMA for good: wait (briefly) for the card to finish what it has in
 * flight after CTRL.ENABLE was cleared, then take bus mastering away.
 */
static void
tg_be_vfio_quiesce(struct tg_be_vfio *v)
{
	for (int i = 0; i < 1000; i++) {
		if (tg_bar_read32(&v->bar, TG_REG_STATUS) & TG_STATUS_IDLE)
			break;
		usleep(100);
	}
	tg_be_vfio_command(v, 0);
}

/* Release everything the open acquired; closing the container unmaps the IOMMU. */
static void
tg_be_vfio_free(struct tg_be_vfio *v)
{
	if (v->bar_map)
		munmap(v->bar_map, v->bar_map_len);
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	free(v->maps);
	free(v);
}

/* Quiesce the card, then give everything back. */
static void
tg_be_vfio_close(void *priv)
{
	struct tg_be_vfio *v = priv;

	tg_be_vfio_quiesce(v);
	tg_be_vfio_free(v);
}

/* One message naming the backend and device, then the error passed through. */
static int
tg_be_vfio_fail(struct tg_be_vfio *v, int err, const char *fmt, const char *what)
{
	fprintf(stderr, "tg_card: vfio: %s: ", v->bdf);
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n");
	tg_be_vfio_free(v);
	return err;
}

/*
 * The container, the IOMMU group and the device: the group comes from
 * sysfs, type 1 IOMMU, BAR0 mmap'd, bus mastering on.
 */
static int
tg_be_vfio_open(const struct tg_card_config *cfg, void **priv)
{
	char path[PATH_MAX], link[PATH_MAX], buf[PATH_MAX + 128];
	struct vfio_group_status gstatus = { .argsz = sizeof(gstatus) };
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info rinfo = { .argsz = sizeof(rinfo) };
	struct tg_be_vfio *v;
	const char *group_name;
	unsigned long group_no;
	char *end;
	ssize_t n;
	int iommu, err;
	void *map;

	if (!cfg->device || !*cfg->device) {
		fprintf(stderr, "tg_card: vfio: no PCI device given (e.g. 0000:01:00.0)\n");
		return -EINVAL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		fprintf(stderr, "tg_card: vfio: out of memory\n");
		return -ENOMEM;
	}
	v->container = v->group = v->device = -1;
	if (tg_be_vfio_bdf(cfg->device, v->bdf, sizeof(v->bdf)) < 0) {
		snprintf(v->bdf, sizeof(v->bdf), "%.31s", cfg->device);
		return tg_be_vfio_fail(v, -EINVAL, "%s", "not a PCI address (want DDDD:BB:DD.F)");
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", v->bdf);
	if (access(path, F_OK) < 0)
		return tg_be_vfio_fail(v, -ENODEV, "no such PCI device (%s)", path);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", v->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return tg_be_vfio_fail(v, -ENODEV,
				       "no IOMMU group (%s missing: is the IOMMU on?)", path);
	link[n] = 0;
	group_name = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	group_no = strtoul(group_name, &end, 10);
	if (end == group_name || *end)
		return tg_be_vfio_fail(v, -ENODEV, "IOMMU group link %s is not a group", link);

	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0) {
		err = -errno;
		snprintf(buf, sizeof(buf), "cannot open /dev/vfio/vfio: %s (is vfio-pci loaded?)",
			 strerror(errno));
		return tg_be_vfio_fail(v, err, "%s", buf);
	}
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return tg_be_vfio_fail(v, -ENOTSUP, "%s", "unknown VFIO API version");
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0)
		iommu = VFIO_TYPE1v2_IOMMU;
	else if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0)
		iommu = VFIO_TYPE1_IOMMU;
	else
		return tg_be_vfio_fail(v, -ENOTSUP, "%s", "no type 1 IOMMU support");

	snprintf(path, sizeof(path), "/dev/vfio/%lu", group_no);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0) {
		int e = errno;

		snprintf(buf, sizeof(buf), "cannot open %s: %s%s", path, strerror(e),
			 e == ENOENT ? " (is the device bound to vfio-pci?)" : "");
		return tg_be_vfio_fail(v, e == ENOENT ? -ENODEV : -e, "%s", buf);
	}
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &gstatus) < 0 ||
	    !(gstatus.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		snprintf(buf, sizeof(buf),
			 "IOMMU group %lu not viable (bind every device in it to vfio-pci)",
			 group_no);
		return tg_be_vfio_fail(v, -EBUSY, "%s", buf);
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) < 0) {
		err = -errno;
		snprintf(buf, sizeof(buf), "VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
		return tg_be_vfio_fail(v, err, "%s", buf);
	}
	if (ioctl(v->container, VFIO_SET_IOMMU, iommu) < 0) {
		err = -errno;
		snprintf(buf, sizeof(buf), "VFIO_SET_IOMMU: %s", strerror(errno));
		return tg_be_vfio_fail(v, err, "%s", buf);
	}
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, v->bdf);
	if (v->device < 0) {
		err = -errno;
		snprintf(buf, sizeof(buf), "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
		return tg_be_vfio_fail(v, err, "%s", buf);
	}
	if (ioctl(v->device, VFIO_DEVICE_GET_INFO, &dinfo) < 0 ||
	    !(dinfo.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    dinfo.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
		return tg_be_vfio_fail(v, -ENODEV, "%s", "not a VFIO PCI device");

	rinfo.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &rinfo) < 0 ||
	    rinfo.size < TG_CARD_BAR_SIZE || !(rinfo.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return tg_be_vfio_fail(v, -ENODEV, "%s", "BAR0 missing, too small or not mappable");
	map = mmap(NULL, TG_CARD_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   v->device, (off_t)rinfo.offset);
	if (map == MAP_FAILED) {
		err = -errno;
		snprintf(buf, sizeof(buf), "mmap of BAR0: %s", strerror(errno));
		return tg_be_vfio_fail(v, err, "%s", buf);
	}
	v->bar_map = map;
	v->bar_map_len = TG_CARD_BAR_SIZE;
	v->bar.base = map;
	v->bar.len = TG_CARD_BAR_SIZE;

	memset(&rinfo, 0, sizeof(rinfo));
	rinfo.argsz = sizeof(rinfo);
	rinfo.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &rinfo) < 0)
		return tg_be_vfio_fail(v, -EIO, "%s", "no PCI config space region");
	v->config_off = rinfo.offset;
	if (tg_be_vfio_command(v, 1) < 0)
		return tg_be_vfio_fail(v, -EIO, "%s", "cannot enable bus mastering");
	*priv = v;
	return 0;
}

/* Order mappings by start address, for the hole search in dma_map. */
static int
tg_be_vfio_map_cmp(const void *a, const void *b)
{
	const struct tg_be_vfio_map *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One IOMMU mapping at IOVA = VA, remembered so it is never made twice. */
static int
tg_be_vfio_map_one(struct tg_be_vfio *v, uintptr_t start, uintptr_t end)
{
	struct vfio_iommu_type1_dma_map dm = {
		.argsz = sizeof(dm),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = start,
		.iova = start,
		.size = end - start,
	};

	if (v->n_maps == v->cap_maps) {
		unsigned cap = v->cap_maps ? 2 * v->cap_maps : 16;
		struct tg_be_vfio_map *m = realloc(v->maps, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		v->maps = m;
		v->cap_maps = cap;
	}
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &dm) < 0)
		return -errno;
	v->maps[v->n_maps].start = start;
	v->maps[v->n_maps].end = end;
	v->n_maps++;
	return 0;
}

/*
 * Map [va, va + len), widened to whole pages, at IOVA = VA. Pages mapped
 * earlier are skipped: the IOMMU refuses overlapping mappings, and frame
 * buffers often share pages with the rings or with each other.
 */
static int
tg_be_vfio_dma_map(void *priv, void *va, size_t len)
{
	struct tg_be_vfio *v = priv;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t cur = (uintptr_t)va & ~(page - 1);
	uintptr_t end = ((uintptr_t)va + len + page - 1) & ~(page - 1);
	unsigned n0 = v->n_maps;
	int rc = 0;

	/* Walk the sorted mappings, filling the holes they leave in the range. */
	for (unsigned i = 0; i < n0 && cur < end && rc == 0; i++) {
		if (v->maps[i].end <= cur)
			continue;
		if (v->maps[i].start >= end)
			break;
		if (v->maps[i].start > cur)
			rc = tg_be_vfio_map_one(v, cur, v->maps[i].start);
		cur = v->maps[i].end;
	}
	if (rc == 0 && cur < end)
		rc = tg_be_vfio_map_one(v, cur, end);
	qsort(v->maps, v->n_maps, sizeof(*v->maps), tg_be_vfio_map_cmp);
	return rc;
}

const struct tg_card_ops tg_be_vfio_ops = {
	.name = "vfio",
	.open = tg_be_vfio_open,
	.close = tg_be_vfio_close,
	.reg_read = tg_be_bar_read,
	.reg_write = tg_be_bar_write,
	.dma_map = tg_be_vfio_dma_map,
};

/*
 * Registers on a BAR mapping someone else made, with no DMA setup: the
 * register layer of the vfio backend on its own, for tests and for cards
 * whose BAR is reached some other way.
 */
const struct tg_card_ops tg_be_bar_ops = {
	.name = "bar",
	.reg_read = tg_be_bar_read,
	.reg_write = tg_be_bar_write,
};
