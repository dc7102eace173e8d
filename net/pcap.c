/* SPDX-License-Identifier: MIT */
/* pcap and pcapng reading (UDP payloads out), classic nanosecond pcap writing. */
#include "lq/pcap.h"

#include "lq/assert.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAP_MAGIC_US	0xa1b2c3d4u
#define PCAP_MAGIC_NS	0xa1b23c4du
#define NG_SHB		0x0a0d0d0au
#define NG_BOM		0x1a2b3c4du
#define NG_IDB		1u
#define NG_PB		2u /* obsolete packet block */
#define NG_SPB		3u
#define NG_EPB		6u
#define NG_OPT_TSRESOL	9u
#define NG_OPT_TSOFFSET 14u

#define ETH_P_IPV4    0x0800u
#define ETH_P_8021Q   0x8100u
#define ETH_P_8021AD  0x88a8u
#define ETH_P_QINQ    0x9100u
#define VLAN_TAGS_MAX 2
#define IPPROTO_UDP_  17u

#define NS_PER_S 1000000000LL

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
/* Integers of the file, in its (or its section's) byte order. */
static uint16_t f16(const struct lq_pcap_reader *r, const uint8_t *p)
{
	return r->be ? be16(p) : le16(p);
}
static uint32_t f32(const struct lq_pcap_reader *r, const uint8_t *p)
{
	return r->be ? be32(p) : le32(p);
}
static uint64_t f64(const struct lq_pcap_reader *r, const uint8_t *p)
{
	uint64_t a = f32(r, p), b = f32(r, p + 4);
	return r->be ? a << 32 | b : b << 32 | a;
}

const char *lq_pcap_status_str(enum lq_pcap_status st)
{
	switch (st) {
	case LQ_PCAP_OK:
		return "ok";
	case LQ_PCAP_END:
		return "end of file";
	case LQ_PCAP_CUT:
		return "record cut by the snap length";
	case LQ_PCAP_E_TRUNCATED:
		return "file truncated inside a record";
	case LQ_PCAP_E_FORMAT:
		return "corrupt or unsupported capture file";
	case LQ_PCAP_E_LINKTYPE:
		return "a link type liqd cannot read";
	}
	return "?";
}

const char *lq_pcap_linktype_name(uint32_t linktype)
{
	switch (linktype) {
	case 0:
		return "BSD loopback (NULL)";
	case LQ_PCAP_LINK_ETHERNET:
		return "Ethernet";
	case 9:
		return "PPP";
	case LQ_PCAP_LINK_RAW:
		return "raw IP";
	case 105:
		return "IEEE 802.11";
	case 108:
		return "OpenBSD loopback";
	case LQ_PCAP_LINK_SLL:
		return "Linux cooked capture";
	case 127:
		return "IEEE 802.11 radiotap";
	case 220:
		return "USB Linux mmapped";
	case LQ_PCAP_LINK_IPV4:
		return "raw IPv4";
	case 229:
		return "raw IPv6";
	case 276:
		return "Linux cooked capture v2";
	}
	return NULL;
}

const char *lq_pcap_why(const struct lq_pcap_reader *r)
{
	if (r->failed && r->fail_status == LQ_PCAP_E_LINKTYPE && r->why[0])
		return r->why;
	return lq_pcap_status_str(r->failed ? r->fail_status : LQ_PCAP_END);
}

static enum lq_pcap_status fail(struct lq_pcap_reader *r, enum lq_pcap_status st)
{
	r->failed = true;
	r->fail_status = st;
	return st;
}

/* ---- link, IPv4 and UDP ---- */

enum dissect {
	D_UDP,
	D_CUT,
	D_SKIP,
	D_LINK, /* a link type the reader cannot dissect */
};

/* Bytes needed beyond what was captured: a snap-length cut, or a lie about lengths. */
static enum dissect short_frame(struct lq_pcap_reader *r, uint32_t caplen, uint32_t origlen)
{
	if (caplen < origlen) {
		r->stats.cut++;
		return D_CUT;
	}
	r->stats.malformed++;
	return D_SKIP;
}

/* Offset of the IPv4 header in a frame of this link type, or a reason to skip it. */
static enum dissect link_ip_offset(struct lq_pcap_reader *r, uint32_t linktype, const uint8_t *f,
				   uint32_t caplen, uint32_t origlen, uint32_t *off)
{
	uint32_t et;
	switch (linktype) {
	case LQ_PCAP_LINK_ETHERNET:
		if (caplen < 14)
			return short_frame(r, caplen, origlen);
		et = be16(f + 12);
		*off = 14;
		for (int tags = 0; tags < VLAN_TAGS_MAX; tags++) {
			if (et != ETH_P_8021Q && et != ETH_P_8021AD && et != ETH_P_QINQ)
				break;
			if (caplen < *off + 4)
				return short_frame(r, caplen, origlen);
			et = be16(f + *off + 2);
			*off += 4;
		}
		break;
	case LQ_PCAP_LINK_SLL:
		if (caplen < 16)
			return short_frame(r, caplen, origlen);
		et = be16(f + 14);
		*off = 16;
		break;
	case LQ_PCAP_LINK_RAW:
	case LQ_PCAP_LINK_IPV4:
		if (caplen < 1)
			return short_frame(r, caplen, origlen);
		et = (f[0] >> 4) == 4 ? ETH_P_IPV4 : 0;
		*off = 0;
		break;
	default:
		r->stats.unsupported_link++;
		return D_LINK;
	}
	if (et != ETH_P_IPV4) {
		r->stats.non_ipv4++;
		return D_SKIP;
	}
	return D_UDP;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static enum dissect dissect(struct lq_pcap_reader *r, uint32_t linktype, const uint8_t *f,
			    uint32_t caplen, uint32_t origlen, struct lq_pcap_pkt *pkt)
{
	uint32_t off = 0;
	enum dissect d = link_ip_offset(r, linktype, f, caplen, origlen, &off);
	if (d != D_UDP)
		return d;
	if (caplen < off + 20)
		return short_frame(r, caplen, origlen);
	const uint8_t *ip = f + off;
	uint32_t ihl = (ip[0] & 0x0fu) * 4;
	uint32_t total = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl) {
		r->stats.malformed++;
		return D_SKIP;
	}
	if (caplen < off + ihl)
		return short_frame(r, caplen, origlen);
	if (csum_fold(csum_add(0, ip, ihl)) != 0)
		r->stats.ip_checksum_bad++;
	if (be16(ip + 6) & 0x3fffu) { /* more fragments, or a fragment offset */
		r->stats.fragments++;
		return D_SKIP;
	}
	if (ip[9] != IPPROTO_UDP_) {
		r->stats.non_udp++;
		return D_SKIP;
	}
	if (total < ihl + 8) {
		r->stats.malformed++;
		return D_SKIP;
	}
	if (caplen - off < total)
		return short_frame(r, caplen, origlen);
	const uint8_t *udp = ip + ihl;
	uint32_t ulen = be16(udp + 4);
	if (ulen < 8 || ulen > total - ihl) {
		r->stats.malformed++;
		return D_SKIP;
	}
	pkt->src_ip = be32(ip + 12);
	pkt->dst_ip = be32(ip + 16);
	pkt->src_port = be16(udp);
	pkt->dst_port = be16(udp + 2);
	pkt->payload = udp + 8;
	pkt->payload_len = ulen - 8;
	return D_UDP;
}

/* Dissect one record; LQ_PCAP_OK, LQ_PCAP_CUT, or -1 to read the next one. */
static int record(struct lq_pcap_reader *r, uint32_t linktype, const uint8_t *f, uint32_t caplen,
		  uint32_t origlen, struct lq_pcap_pkt *pkt)
{
	r->stats.records++;
	pkt->record = ++r->record;
	if (caplen > origlen) {
		r->stats.malformed++;
		return -1;
	}
	switch (dissect(r, linktype, f, caplen, origlen, pkt)) {
	case D_UDP:
		r->stats.udp++;
		return LQ_PCAP_OK;
	case D_CUT:
		return LQ_PCAP_CUT;
	case D_LINK: {
		const char *name = lq_pcap_linktype_name(linktype);
		snprintf(r->why, sizeof(r->why),
			 "record %llu has link type %u%s%s%s, which liqd cannot read (it reads "
			 "Ethernet 1, raw IP 101/228, Linux cooked 113)",
			 (unsigned long long)r->record, (unsigned)linktype, name ? " (" : "",
			 name ? name : "", name ? ")" : "");
		return fail(r, LQ_PCAP_E_LINKTYPE);
	}
	case D_SKIP:
		break;
	}
	return -1;
}

/* ---- classic pcap ---- */

static enum lq_pcap_status classic_next(struct lq_pcap_reader *r, struct lq_pcap_pkt *pkt)
{
	/* every turn consumes at least a 16-byte record header: bounded by the file size */
	for (;;) {
		if (r->off == r->len)
			return LQ_PCAP_END;
		if (r->len - r->off < 16)
			return fail(r, LQ_PCAP_E_TRUNCATED);
		const uint8_t *h = r->data + r->off;
		uint32_t caplen = f32(r, h + 8), origlen = f32(r, h + 12);
		if (caplen > LQ_PCAP_CAPLEN_MAX)
			return fail(r, LQ_PCAP_E_FORMAT);
		if (r->len - r->off - 16 < caplen)
			return fail(r, LQ_PCAP_E_TRUNCATED);
		r->off += 16 + (size_t)caplen;
		uint32_t frac = f32(r, h + 4);
		pkt->ts_ns =
		    (int64_t)f32(r, h) * NS_PER_S + (r->nsec ? frac : (int64_t)frac * 1000);
		pkt->iface = 0;
		int st = record(r, r->classic.linktype, h + 16, caplen, origlen, pkt);
		if (st >= 0)
			return (enum lq_pcap_status)st;
	}
}

static int classic_open(struct lq_pcap_reader *r, uint32_t magic_le, uint32_t magic_be)
{
	r->be = magic_be == PCAP_MAGIC_US || magic_be == PCAP_MAGIC_NS;
	r->nsec = (r->be ? magic_be : magic_le) == PCAP_MAGIC_NS;
	if (r->len < 24) {
		fail(r, LQ_PCAP_E_TRUNCATED);
		return 0;
	}
	if (f16(r, r->data + 4) != 2) {
		fail(r, LQ_PCAP_E_FORMAT);
		return 0;
	}
	r->classic.snaplen = f32(r, r->data + 16);
	/* the upper bits carry FCS information; the link type is the low 16 */
	r->classic.linktype = f32(r, r->data + 20) & 0xffffu;
	r->off = 24;
	return 0;
}

/* ---- pcapng ---- */

static int64_t ng_time(struct lq_pcap_reader *r, const struct lq_pcap_iface *ifc, uint64_t ts,
		       bool *ok)
{
	unsigned __int128 t = ts;
	if (ifc->ts_pow2) {
		t = (t * NS_PER_S) >> ifc->ts_exp;
	} else if (ifc->ts_exp <= 9) {
		for (unsigned i = ifc->ts_exp; i < 9; i++)
			t *= 10;
	} else {
		for (unsigned i = 9; i < ifc->ts_exp; i++)
			t /= 10;
	}
	__int128 ns = (__int128)t + (__int128)ifc->ts_offset_s * NS_PER_S;
	*ok = ns >= 0 && ns <= INT64_MAX;
	if (!*ok)
		r->stats.malformed++;
	return *ok ? (int64_t)ns : 0;
}

/* Interface description: link type, snap length, timestamp resolution and offset. */
static enum lq_pcap_status ng_idb(struct lq_pcap_reader *r, const uint8_t *b, size_t n)
{
	if (n < 8)
		return fail(r, LQ_PCAP_E_FORMAT);
	if (r->iface_count == LQ_PCAP_IFACES_MAX)
		return fail(r, LQ_PCAP_E_FORMAT);
	struct lq_pcap_iface *ifc = &r->ifaces[r->iface_count];
	memset(ifc, 0, sizeof(*ifc));
	ifc->linktype = f16(r, b);
	ifc->snaplen = f32(r, b + 4);
	ifc->ts_exp = 6; /* the default resolution is microseconds */
	size_t o = 8;
	while (n - o >= 4) {
		uint32_t code = f16(r, b + o), olen = f16(r, b + o + 2);
		if (code == 0)
			break;
		size_t padded = ((size_t)olen + 3) & ~(size_t)3;
		if (padded > n - o - 4)
			return fail(r, LQ_PCAP_E_FORMAT);
		const uint8_t *v = b + o + 4;
		if (code == NG_OPT_TSRESOL && olen == 1) {
			ifc->ts_pow2 = v[0] & 0x80;
			ifc->ts_exp = v[0] & 0x7f;
			if (ifc->ts_exp > (ifc->ts_pow2 ? 63 : 19))
				return fail(r, LQ_PCAP_E_FORMAT);
		} else if (code == NG_OPT_TSOFFSET && olen == 8) {
			ifc->ts_offset_s = (int64_t)f64(r, v);
			/* keep offset * 10^9 well inside 128 bits and the result meaningful */
			if (ifc->ts_offset_s > INT64_MAX / NS_PER_S ||
			    ifc->ts_offset_s < -(INT64_MAX / NS_PER_S))
				return fail(r, LQ_PCAP_E_FORMAT);
		}
		o += 4 + padded;
	}
	r->iface_count++;
	return LQ_PCAP_OK;
}

static enum lq_pcap_status ng_shb(struct lq_pcap_reader *r, const uint8_t *b, size_t n)
{
	if (n < 16 || f16(r, b + 4) != 1)
		return fail(r, LQ_PCAP_E_FORMAT);
	r->iface_count = 0; /* interfaces belong to their section */
	return LQ_PCAP_OK;
}

/* A packet block's frame: EPB and PB carry a time, SPB does not. */
static int ng_packet(struct lq_pcap_reader *r, uint32_t type, const uint8_t *b, size_t n,
		     struct lq_pcap_pkt *pkt)
{
	uint32_t iface = 0, caplen, origlen;
	const uint8_t *frame;
	uint64_t ts = 0;
	if (type == NG_SPB) {
		if (n < 4 || r->iface_count == 0)
			return fail(r, LQ_PCAP_E_FORMAT);
		origlen = f32(r, b);
		caplen = n - 4 < origlen ? (uint32_t)(n - 4) : origlen;
		if (r->ifaces[0].snaplen != 0 && caplen > r->ifaces[0].snaplen)
			caplen = r->ifaces[0].snaplen;
		frame = b + 4;
	} else {
		if (n < 20)
			return fail(r, LQ_PCAP_E_FORMAT);
		iface = type == NG_PB ? f16(r, b) : f32(r, b);
		ts = (uint64_t)f32(r, b + 4) << 32 | f32(r, b + 8);
		caplen = f32(r, b + 12);
		origlen = f32(r, b + 16);
		if (caplen > n - 20 || iface >= r->iface_count)
			return fail(r, LQ_PCAP_E_FORMAT);
		frame = b + 20;
	}
	const struct lq_pcap_iface *ifc = &r->ifaces[iface];
	pkt->iface = iface;
	pkt->ts_ns = 0;
	if (type != NG_SPB) {
		bool ok;
		pkt->ts_ns = ng_time(r, ifc, ts, &ok);
		if (!ok) {
			r->stats.records++;
			r->record++;
			return -1;
		}
	}
	return record(r, ifc->linktype, frame, caplen, origlen, pkt);
}

static enum lq_pcap_status ng_next(struct lq_pcap_reader *r, struct lq_pcap_pkt *pkt)
{
	/* every turn consumes a block of at least 12 bytes: bounded by the file size */
	for (;;) {
		if (r->off == r->len)
			return LQ_PCAP_END;
		size_t left = r->len - r->off;
		const uint8_t *h = r->data + r->off;
		if (left < 12)
			return fail(r, LQ_PCAP_E_TRUNCATED);
		uint32_t type = le32(h); /* the SHB type reads the same in both orders */
		if (type == NG_SHB) {
			if (le32(h + 8) == NG_BOM)
				r->be = false;
			else if (be32(h + 8) == NG_BOM)
				r->be = true;
			else
				return fail(r, LQ_PCAP_E_FORMAT);
		} else {
			type = f32(r, h);
		}
		uint32_t blen = f32(r, h + 4);
		if (blen < 12 || (blen & 3))
			return fail(r, LQ_PCAP_E_FORMAT);
		if (blen > left)
			return fail(r, LQ_PCAP_E_TRUNCATED);
		if (f32(r, h + blen - 4) != blen)
			return fail(r, LQ_PCAP_E_FORMAT);
		r->off += blen;
		const uint8_t *body = h + 8;
		size_t n = blen - 12;
		int st;
		switch (type) {
		case NG_SHB:
			st = ng_shb(r, body, n) == LQ_PCAP_OK ? -1 : (int)r->fail_status;
			break;
		case NG_IDB:
			st = ng_idb(r, body, n) == LQ_PCAP_OK ? -1 : (int)r->fail_status;
			break;
		case NG_EPB:
		case NG_SPB:
		case NG_PB:
			st = ng_packet(r, type, body, n, pkt);
			break;
		default:
			r->stats.other_blocks++;
			st = -1;
			break;
		}
		if (st >= 0)
			return (enum lq_pcap_status)st;
	}
}

/* ---- open, next, close ---- */

int lq_pcap_open_mem(struct lq_pcap_reader *r, const void *data, size_t len)
{
	LQ_ASSERT(r != NULL);
	memset(r, 0, sizeof(*r));
	if (data == NULL || len < 4)
		return -EINVAL;
	r->data = data;
	r->len = len;
	uint32_t le = le32(r->data), be = be32(r->data);
	if (le == NG_SHB) {
		r->ng = true; /* the first block's header is read by lq_pcap_next */
		return 0;
	}
	if (le == PCAP_MAGIC_US || le == PCAP_MAGIC_NS || be == PCAP_MAGIC_US ||
	    be == PCAP_MAGIC_NS)
		return classic_open(r, le, be);
	return -EINVAL;
}

int lq_pcap_open(struct lq_pcap_reader *r, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 4) {
		close(fd);
		return -EINVAL;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	(void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	err = lq_pcap_open_mem(r, p, (size_t)st.st_size);
	if (err) {
		munmap(p, (size_t)st.st_size);
		return err;
	}
	r->mapped = true;
	return 0;
}

enum lq_pcap_status lq_pcap_next(struct lq_pcap_reader *r, struct lq_pcap_pkt *pkt)
{
	LQ_ASSERT(pkt != NULL);
	if (r->failed)
		return r->fail_status;
	memset(pkt, 0, sizeof(*pkt));
	enum lq_pcap_status st = r->ng ? ng_next(r, pkt) : classic_next(r, pkt);
	LQ_ASSERT(r->off <= r->len);
	return st;
}

void lq_pcap_close(struct lq_pcap_reader *r)
{
	if (r->mapped)
		munmap((void *)(uintptr_t)r->data, r->len);
	memset(r, 0, sizeof(*r));
}

/* ---- writer ---- */

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32be(uint8_t *p, uint32_t v)
{
	put16be(p, (uint16_t)(v >> 16));
	put16be(p + 2, (uint16_t)v);
}
static void put32le(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void lq_pcap_multicast_mac(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((ip >> 16) & 0x7f);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}

void lq_pcap_addr_defaults(struct lq_pcap_addr *a)
{
	static const uint8_t src_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	memset(a, 0, sizeof(*a));
	memcpy(a->src_mac, src_mac, sizeof(src_mac));
	a->src_ip = 0x0a000001u; /* 10.0.0.1 */
	a->dst_ip = 0xefff4c51u; /* 239.255.76.81: "LQ" in the administratively scoped range */
	a->src_port = 40000;
	a->dst_port = 31000;
	a->ttl = 1; /* a feed stays on its segment */
	lq_pcap_multicast_mac(a->dst_ip, a->dst_mac);
}

#define ETH_MIN_FRAME 60 /* without the FCS: shorter frames are padded on the wire */

size_t lq_pcap_frame_udp(uint8_t *buf, size_t cap, const struct lq_pcap_addr *a, uint16_t ip_id,
			 const void *payload, size_t len)
{
	if (len > LQ_PCAP_UDP_PAYLOAD_MAX)
		return 0;
	size_t frame = LQ_PCAP_FRAME_HEADERS + len;
	size_t padded = frame < ETH_MIN_FRAME ? ETH_MIN_FRAME : frame;
	if (padded > cap)
		return 0;
	memset(buf, 0, padded);
	memcpy(buf, a->dst_mac, 6);
	memcpy(buf + 6, a->src_mac, 6);
	put16be(buf + 12, ETH_P_IPV4);
	uint8_t *ip = buf + 14;
	ip[0] = 0x45;
	put16be(ip + 2, (uint16_t)(20 + 8 + len));
	put16be(ip + 4, ip_id);
	put16be(ip + 6, 0x4000); /* don't fragment */
	ip[8] = a->ttl;
	ip[9] = IPPROTO_UDP_;
	put32be(ip + 12, a->src_ip);
	put32be(ip + 16, a->dst_ip);
	put16be(ip + 10, csum_fold(csum_add(0, ip, 20)));
	uint8_t *udp = ip + 20;
	put16be(udp, a->src_port);
	put16be(udp + 2, a->dst_port);
	put16be(udp + 4, (uint16_t)(8 + len));
	memcpy(udp + 8, payload, len);
	/* UDP checksum over the pseudo-header (addresses, protocol, length) and the datagram */
	uint32_t sum = csum_add(0, ip + 12, 8) + IPPROTO_UDP_ + (uint32_t)(8 + len);
	uint16_t c = csum_fold(csum_add(sum, udp, 8 + len));
	put16be(udp + 6, c == 0 ? 0xffff : c); /* 0 would mean "no checksum" */
	return padded;
}

int lq_pcap_writer_open(struct lq_pcap_writer *w, const char *path, const struct lq_pcap_addr *a)
{
	LQ_ASSERT(w != NULL);
	LQ_ASSERT(a != NULL);
	memset(w, 0, offsetof(struct lq_pcap_writer, frame));
	w->addr = *a;
	w->f = fopen(path, "wbe");
	if (!w->f)
		return -errno;
	(void)setvbuf(w->f, NULL, _IOFBF, 1u << 20); /* stdio allocates it, once */
	uint8_t h[24];
	put32le(h, PCAP_MAGIC_NS);
	h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4, little-endian */
	put32le(h + 8, 0);			/* thiszone */
	put32le(h + 12, 0);			/* sigfigs */
	put32le(h + 16, LQ_PCAP_CAPLEN_MAX);	/* snaplen: every frame is whole */
	put32le(h + 20, LQ_PCAP_LINK_ETHERNET);
	if (fwrite(h, sizeof(h), 1, w->f) != 1) {
		int err = errno ? -errno : -EIO;
		fclose(w->f);
		w->f = NULL;
		return err;
	}
	return 0;
}

int lq_pcap_writer_write(struct lq_pcap_writer *w, int64_t ts_ns, const void *payload, size_t len)
{
	LQ_ASSERT(w->f != NULL);
	if (ts_ns < 0 || ts_ns / NS_PER_S > UINT32_MAX)
		return -EINVAL;
	size_t n = lq_pcap_frame_udp(w->frame, sizeof(w->frame), &w->addr, w->ip_id, payload, len);
	if (n == 0)
		return -EMSGSIZE;
	int rc = lq_pcap_writer_write_frame(w, ts_ns, w->frame, n);
	if (rc == 0)
		w->ip_id++;
	return rc;
}

int lq_pcap_writer_write_frame(struct lq_pcap_writer *w, int64_t ts_ns, const void *frame, size_t n)
{
	LQ_ASSERT(w->f != NULL);
	if (ts_ns < 0 || ts_ns / NS_PER_S > UINT32_MAX)
		return -EINVAL;
	if (n > LQ_PCAP_CAPLEN_MAX)
		return -EMSGSIZE;
	uint8_t h[16];
	put32le(h, (uint32_t)(ts_ns / NS_PER_S));
	put32le(h + 4, (uint32_t)(ts_ns % NS_PER_S));
	put32le(h + 8, (uint32_t)n);
	put32le(h + 12, (uint32_t)n);
	if (fwrite(h, sizeof(h), 1, w->f) != 1 || (n > 0 && fwrite(frame, n, 1, w->f) != 1))
		return errno ? -errno : -EIO;
	w->records++;
	return 0;
}

int lq_pcap_writer_close(struct lq_pcap_writer *w)
{
	if (!w->f)
		return 0;
	int err = 0;
	if (fflush(w->f) != 0 || ferror(w->f))
		err = errno ? -errno : -EIO;
	if (fclose(w->f) != 0 && err == 0)
		err = errno ? -errno : -EIO;
	w->f = NULL;
	return err;
}
