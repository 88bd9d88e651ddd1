/*
 * virtio-mmio (version 2) drivers with one split virtqueue each, polled: the entropy device
 * (DeviceID 4), whose bytes seed the per-hart random delays, and the block device (DeviceID 2),
 * whose sector 0 is printed at boot.
 */
#include "kernel.h"

#define VIRTIO_PA 0x10001000UL
#define VIRTIO_SLOTS 8
#define VIRTIO_MAGIC 0x74726976 /* "virt" */

enum {
	MagicValue = 0x000, Version = 0x004, DeviceID = 0x008, DeviceFeatures = 0x010,
	DeviceFeaturesSel = 0x014, DriverFeatures = 0x020, DriverFeaturesSel = 0x024,
	QueueSel = 0x030, QueueNumMax = 0x034, QueueNum = 0x038, QueueReady = 0x044,
	QueueNotify = 0x050, InterruptStatus = 0x060, InterruptACK = 0x064, Status = 0x070,
	QueueDescLow = 0x080, QueueDescHigh = 0x084, QueueDriverLow = 0x090,
	QueueDriverHigh = 0x094, QueueDeviceLow = 0x0a0, QueueDeviceHigh = 0x0a4,
};
#define ST_ACKNOWLEDGE 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define QSIZE 8

struct virtq_desc { u64 addr; u32 len; u16 flags, next; };
struct virtq {
	struct virtq_desc desc[QSIZE];
	struct { u16 flags, idx, ring[QSIZE], used_event; } avail;
	struct { u16 flags, idx; struct { u32 id, len; } ring[QSIZE]; u16 avail_event; } used __attribute__((aligned(4)));
	u16 last_used;
} __attribute__((aligned(16)));

struct vdev {
	volatile u32 *regs;
	u64 pa;
	struct virtq q;
};

static struct vdev rng, blk;

static u32 rd(struct vdev *d, u32 off) { return d->regs[off / 4]; }
static void wr(struct vdev *d, u32 off, u32 v) { d->regs[off / 4] = v; }

/* Reset the device, negotiate VIRTIO_F_VERSION_1 only, set up queue 0 and go live. */
static bool vdev_init(struct vdev *d, const char *what)
{
	wr(d, Status, 0);
	wr(d, Status, ST_ACKNOWLEDGE);
	wr(d, Status, ST_ACKNOWLEDGE | ST_DRIVER);
	wr(d, DeviceFeaturesSel, 1);
	if (!(rd(d, DeviceFeatures) & 1)) {
		printk("virtio-mmio@%lx: %s without VIRTIO_F_VERSION_1, ignored\n", d->pa, what);
		return false;
	}
	wr(d, DriverFeaturesSel, 0);
	wr(d, DriverFeatures, 0);
	wr(d, DriverFeaturesSel, 1);
	wr(d, DriverFeatures, 1); /* bit 32: VIRTIO_F_VERSION_1 */
	wr(d, Status, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
	if (!(rd(d, Status) & ST_FEATURES_OK))
		return false;
	wr(d, QueueSel, 0);
	if (rd(d, QueueNumMax) < QSIZE)
		return false;
	wr(d, QueueNum, QSIZE);
	wr(d, QueueDescLow, (u32)__pa(d->q.desc));
	wr(d, QueueDescHigh, (u32)(__pa(d->q.desc) >> 32));
	wr(d, QueueDriverLow, (u32)__pa(&d->q.avail));
	wr(d, QueueDriverHigh, (u32)(__pa(&d->q.avail) >> 32));
	wr(d, QueueDeviceLow, (u32)__pa(&d->q.used));
	wr(d, QueueDeviceHigh, (u32)(__pa(&d->q.used) >> 32));
	wr(d, QueueReady, 1);
	wr(d, Status, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	printk("virtio-mmio@%lx: %s\n", d->pa, what);
	return true;
}

/* Make the chain starting at descriptor 0 available, notify, and wait (1 s at most) for it. */
static bool vq_submit(struct vdev *d, u32 *len)
{
	struct virtq *q = &d->q;
	q->avail.ring[q->avail.idx % QSIZE] = 0;
	asm volatile("fence rw, rw" ::: "memory");
	WRITE_ONCE(q->avail.idx, q->avail.idx + 1);
	asm volatile("fence iorw, iorw" ::: "memory");
	wr(d, QueueNotify, 0);
	u64 deadline = rdtime() + (dt.timebase ? dt.timebase : 10000000);
	while (READ_ONCE(q->used.idx) == q->last_used) {
		if (rdtime() > deadline)
			return false;
		cpu_relax();
	}
	asm volatile("fence rw, rw" ::: "memory");
	*len = q->used.ring[q->last_used % QSIZE].len;
	q->last_used++;
	wr(d, InterruptACK, rd(d, InterruptStatus));
	return true;
}

bool virtio_rng_read(void *buf, u32 len)
{
	static u8 bounce[64];
	u32 got = 0;
	if (!rng.regs)
		return false;
	while (got < len) {
		u32 n = len - got < sizeof(bounce) ? len - got : sizeof(bounce), done;
		rng.q.desc[0] = (struct virtq_desc){ __pa(bounce), n, VIRTQ_DESC_F_WRITE, 0 };
		if (!vq_submit(&rng, &done) || done == 0)
			return false;
		memcpy((u8 *)buf + got, bounce, done);
		got += done;
	}
	return true;
}

static void blk_read_sector0(void)
{
	static struct { u32 type, reserved; u64 sector; } req;
	static u8 sector[512];
	static volatile u8 status;
	u32 len;
	req.type = 0; /* VIRTIO_BLK_T_IN */
	req.sector = 0;
	status = 0xff;
	blk.q.desc[0] = (struct virtq_desc){ __pa(&req), sizeof(req), VIRTQ_DESC_F_NEXT, 1 };
	blk.q.desc[1] = (struct virtq_desc){ __pa(sector), sizeof(sector), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2 };
	blk.q.desc[2] = (struct virtq_desc){ __pa(&status), 1, VIRTQ_DESC_F_WRITE, 0 };
	if (!vq_submit(&blk, &len) || status != 0) {
		printk("virtio-blk: reading sector 0 failed (status %u)\n", status);
		return;
	}
	char text[65];
	u32 n = 0;
	while (n < 64 && sector[n] >= 0x20 && sector[n] < 0x7f) {
		text[n] = (char)sector[n];
		n++;
	}
	text[n] = 0;
	printk("virtio-blk: sector 0: \"%s\"\n", text);
}

void virtio_probe(void)
{
	for (u32 i = 0; i < VIRTIO_SLOTS; i++) {
		u64 pa = VIRTIO_PA + 0x1000UL * i;
		volatile u32 *regs = (volatile u32 *)ioaddr(pa);
		if (regs[MagicValue / 4] != VIRTIO_MAGIC)
			continue;
		u32 id = regs[DeviceID / 4];
		if (id && regs[Version / 4] != 2) {
			/* QEMU's default; run it with -global virtio-mmio.force-legacy=false */
			printk("virtio-mmio@%lx: legacy (version %u) device %u, ignored\n", pa, regs[Version / 4], id);
			continue;
		}
		if (id == 4 && !rng.regs) {
			rng.regs = regs;
			rng.pa = pa;
			if (!vdev_init(&rng, "entropy device"))
				rng.regs = NULL;
		} else if (id == 2 && !blk.regs) {
			blk.regs = regs;
			blk.pa = pa;
			if (vdev_init(&blk, "block device"))
				blk_read_sector0();
			else
				blk.regs = NULL;
		}
	}
}
