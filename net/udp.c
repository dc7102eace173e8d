/* SPDX-License-Identifier: MIT */
#include "lq/udp.h"

#include "lq/netinfo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/sock_diag.h>

#include "lq/assert.h"
#include "lq/feed.h"

#define LQ_UDP_BGID	     7		/* our provided-buffer group id (any, one per ring) */
#define LQ_UDP_TAG_RECV	     UINT64_MAX /* user_data of the multishot receive */
#define LQ_UDP_TAG_CANCEL    (UINT64_MAX - 1)
#define LQ_UDP_PAGE	     4096
#define LQ_UDP_CQE_BATCH     64
#define LQ_UDP_CLOSE_WAIT_NS 10000000ull /* per wait while draining at close; 100 waits at most */
#define LQ_UDP_DRAIN_MAX     (1u << 22)	 /* datagrams counted out of the socket at close */

/* Kernel receive time (SO_TIMESTAMPNS) and cumulative socket drops (SO_RXQ_OVFL). */
#define LQ_UDP_CTRL_BYTES (CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t)))

_Static_assert(LQ_UDP_RX_BUFS_MAX <= 32768, "a provided buffer ring holds at most 2^15");
_Static_assert(LQ_UDP_RX_BUFS_MAX <= UINT16_MAX + 1u, "buffer ids are 16 bits");
_Static_assert(LQ_FEED_PACKET_MAX <= LQ_UDP_PAYLOAD_MAX, "a feed packet fits a datagram");

/* Single-shot mode: what one recvmsg in flight needs besides its buffer. */
struct lq_udp_slot_state {
	struct msghdr msg;
	struct iovec iov;
	uint8_t ctrl[LQ_UDP_CTRL_BYTES] __attribute__((aligned(8)));
};

static uint64_t lq_udp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t lq_udp_align(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static uint32_t lq_udp_pow2(uint32_t v)
{
	uint32_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

/* The dotted quad in s[0..len). */
static int ip_parse(const char *s, size_t len, uint32_t *ip)
{
	char host[INET_ADDRSTRLEN];
	struct in_addr a;
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

int lq_udp_ip_parse(const char *s, uint32_t *ip)
{
	return ip_parse(s, strlen(s), ip);
}

int lq_udp_addr_parse(const char *s, uint32_t *ip, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	uint32_t addr;
	if (!colon || ip_parse(s, (size_t)(colon - s), &addr))
		return -EINVAL;
	const char *p = colon + 1;
	uint32_t v = 0;
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(*p - '0');
		if (v > UINT16_MAX)
			return -EINVAL;
	}
	*ip = addr;
	*port = (uint16_t)v;
	return 0;
}

const char *lq_udp_strerror(int err)
{
	switch (-err) {
	case 0:
		return "no error";
	case EPERM:
	case ENOSYS:
	case ENOMEM:
		return lq_netinfo_uring_hint(err); /* io_uring's set-up, as `liqd version` says */
	case EINVAL:
		return "parameters out of range (address, buffer count or size), or the kernel "
		       "refused an io_uring feature";
	case EADDRINUSE:
		return "the address is in use: another receiver holds this port";
	case EADDRNOTAVAIL:
		return "the address is not one of this host's (or no interface to join the "
		       "multicast group on)";
	case ENODEV:
	case ENETUNREACH:
		return "no route or interface for this destination or group: add a route, or "
		       "name the interface address";
	case EACCES:
		return "permission denied: ports below 1024 need CAP_NET_BIND_SERVICE";
	case EMFILE:
	case ENFILE:
		return "too many open files";
	default:
		return "socket or io_uring set-up failed";
	}
}

static bool lq_udp_is_multicast(uint32_t ip)
{
	return (ip >> 28) == 0xe;
}

static struct sockaddr_in lq_udp_sin(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(ip);
	sa.sin_port = htons(port);
	return sa;
}

/* ---- receiver ---- */

void lq_udp_rx_params_default(struct lq_udp_rx_params *p)
{
	memset(p, 0, sizeof(*p));
	p->ip = INADDR_LOOPBACK;
	p->buf_count = LQ_UDP_RX_BUFS_DEF;
	p->payload_max = LQ_FEED_PACKET_MAX;
}

static bool lq_udp_rx_params_ok(const struct lq_udp_rx_params *p)
{
	return p->buf_count >= 1 && p->buf_count <= LQ_UDP_RX_BUFS_MAX && p->payload_max >= 1 &&
	       p->payload_max <= LQ_UDP_PAYLOAD_MAX && !(p->flags & ~LQ_UDP_RX_FLAGS_MASK);
}

/* Multishot buffers start with the kernel's header and our control space, then the payload. */
static uint32_t lq_udp_rx_slot_bytes(uint32_t payload_max)
{
	size_t b = sizeof(struct io_uring_recvmsg_out) + LQ_UDP_CTRL_BYTES + payload_max;
	return (uint32_t)lq_udp_align(b, 64);
}

/*
 * Layout of the caller's memory, from its first page boundary: the buffer ring (page aligned,
 * as the kernel requires), the buffers, then the single-shot slot states. The buffer count is
 * rounded to a power of two for the ring; both modes reserve the same memory.
 */
size_t lq_udp_rx_memsize(const struct lq_udp_rx_params *p)
{
	if (!lq_udp_rx_params_ok(p))
		return 0;
	uint32_t n = lq_udp_pow2(p->buf_count);
	size_t ring = lq_udp_align((size_t)n * sizeof(struct io_uring_buf), LQ_UDP_PAGE);
	size_t bufs = (size_t)n * lq_udp_rx_slot_bytes(p->payload_max);
	size_t states = (size_t)n * sizeof(struct lq_udp_slot_state);
	return LQ_UDP_PAGE - 1 + ring + bufs + states + sizeof(struct msghdr);
}

static uint8_t *lq_udp_rx_slot(struct lq_udp_rx *rx, uint32_t i)
{
	LQ_DASSERT(i < rx->buf_count);
	return rx->bufs + (size_t)i * rx->slot_bytes;
}

/* What the kernel may fill of a multishot buffer: exactly payload_max bytes of payload. */
static uint32_t lq_udp_rx_buf_len(const struct lq_udp_rx *rx)
{
	return (uint32_t)(sizeof(struct io_uring_recvmsg_out) + LQ_UDP_CTRL_BYTES) +
	       rx->payload_max;
}

static int lq_udp_rx_socket(const struct lq_udp_rx_params *p, int *out)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	int rc = 0;
	bool mcast = lq_udp_is_multicast(p->ip);
	/* Several receivers of one group on one host each get every datagram. */
	if (mcast && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		rc = -errno;
	/*
	 * SO_RCVBUFFORCE passes net.core.rmem_max with CAP_NET_ADMIN (a colocated engine's
	 * burst headroom); without it SO_RCVBUF gives what the limit allows.
	 */
	int rcvbuf = (int)p->rcvbuf_bytes;
	if (!rc && rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		rc = -errno;
	if (!rc && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		rc = -errno;
	if (!rc && setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0)
		rc = -errno;
	/* Binding to the group (not INADDR_ANY) keeps other groups on this port out. */
	struct sockaddr_in sa = lq_udp_sin(p->ip, p->port);
	if (!rc && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		rc = -errno;
	if (!rc && mcast) {
		struct ip_mreq mr;
		mr.imr_multiaddr.s_addr = htonl(p->ip);
		mr.imr_interface.s_addr = htonl(p->iface_ip);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			rc = -errno;
	}
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/*
 * Multishot recvmsg needs Linux 6.0; the opcode probe cannot see the flag, so IORING_OP_SEND_ZC
 * (also new in 6.0) stands for the kernel's age, and registering the buffer ring (5.19) must
 * succeed too.
 */
static bool lq_udp_rx_try_multishot(struct lq_udp_rx *rx)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(&rx->ring);
	if (!probe)
		return false;
	bool ok = io_uring_opcode_supported(probe, IORING_OP_RECVMSG) &&
		  io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
	io_uring_free_probe(probe);
	if (!ok)
		return false;
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)rx->bufring;
	reg.ring_entries = rx->buf_count;
	reg.bgid = LQ_UDP_BGID;
	if (io_uring_register_buf_ring(&rx->ring, &reg, 0) < 0)
		return false;
	rx->bufring_registered = true;
	struct io_uring_buf_ring *br = rx->bufring;
	io_uring_buf_ring_init(br);
	int mask = io_uring_buf_ring_mask(rx->buf_count);
	for (uint32_t i = 0; i < rx->buf_count; i++)
		io_uring_buf_ring_add(br, lq_udp_rx_slot(rx, i), lq_udp_rx_buf_len(rx), (uint16_t)i,
				      mask, (int)i);
	io_uring_buf_ring_advance(br, (int)rx->buf_count);
	return true;
}

static void lq_udp_rx_prep_single(struct lq_udp_rx *rx, struct io_uring_sqe *sqe, uint32_t i)
{
	struct lq_udp_slot_state *st = (struct lq_udp_slot_state *)rx->slot_state + i;
	memset(&st->msg, 0, sizeof(st->msg));
	st->iov.iov_base = lq_udp_rx_slot(rx, i);
	st->iov.iov_len = rx->payload_max;
	st->msg.msg_iov = &st->iov;
	st->msg.msg_iovlen = 1;
	st->msg.msg_control = st->ctrl;
	st->msg.msg_controllen = sizeof(st->ctrl); /* the kernel shrinks it to what it wrote */
	io_uring_prep_recvmsg(sqe, rx->fd, &st->msg, 0);
	io_uring_sqe_set_data64(sqe, i);
}

/* Prepare what must be in flight and submit it. 0 or -errno. */
static int lq_udp_rx_arm(struct lq_udp_rx *rx)
{
	uint32_t prepared = 0;
	if (rx->multishot) {
		if (rx->armed)
			return 0;
		struct io_uring_sqe *sqe = io_uring_get_sqe(&rx->ring);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_recvmsg_multishot(sqe, rx->fd, rx->msg_tmpl, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = LQ_UDP_BGID;
		io_uring_sqe_set_data64(sqe, LQ_UDP_TAG_RECV);
		prepared = 1;
	} else {
		/* pending_rearm buffers are the free ones; their SQEs were prepared on reaping. */
		prepared = rx->pending_rearm;
	}
	if (!prepared)
		return 0;
	int rc = io_uring_submit(&rx->ring);
	if (rc < 0)
		return rc;
	if (rx->multishot) {
		rx->armed = true;
		rx->in_flight = 1;
	} else {
		rx->in_flight += (uint32_t)rc;
		rx->pending_rearm -= (uint32_t)rc;
	}
	return 0;
}

int lq_udp_rx_init(struct lq_udp_rx *rx, void *mem, size_t size, const struct lq_udp_rx_params *p,
		   lq_udp_on_packet_fn on_packet, void *ctx)
{
	LQ_ASSERT(rx && mem && p && on_packet);
	memset(rx, 0, sizeof(*rx));
	rx->fd = -1;
	size_t need = lq_udp_rx_memsize(p);
	if (!need || size < need)
		return -EINVAL;
	uint32_t n = lq_udp_pow2(p->buf_count);
	uint8_t *base = (uint8_t *)lq_udp_align((uintptr_t)mem, LQ_UDP_PAGE);
	size_t ring_bytes = lq_udp_align((size_t)n * sizeof(struct io_uring_buf), LQ_UDP_PAGE);
	rx->buf_count = n;
	rx->payload_max = p->payload_max;
	rx->slot_bytes = lq_udp_rx_slot_bytes(p->payload_max);
	rx->ctrl_bytes = LQ_UDP_CTRL_BYTES;
	rx->bufring = base;
	rx->bufs = base + ring_bytes;
	rx->slot_state = rx->bufs + (size_t)n * rx->slot_bytes;
	rx->msg_tmpl = (uint8_t *)rx->slot_state + (size_t)n * sizeof(struct lq_udp_slot_state);
	LQ_ASSERT((uint8_t *)rx->msg_tmpl + sizeof(struct msghdr) <= (uint8_t *)mem + size);
	struct msghdr *tmpl = rx->msg_tmpl;
	memset(tmpl, 0, sizeof(*tmpl));
	tmpl->msg_controllen = LQ_UDP_CTRL_BYTES;
	rx->on_packet = on_packet;
	rx->ctx = ctx;

	int rc = lq_udp_rx_socket(p, &rx->fd);
	if (rc)
		return rc;
	/* Every buffer may complete before a poll: the CQ must hold them all, plus the end. */
	struct io_uring_params up;
	memset(&up, 0, sizeof(up));
	up.flags = IORING_SETUP_CQSIZE;
	up.cq_entries = 2 * n;
	rc = io_uring_queue_init_params(n < 8 ? 8 : n, &rx->ring, &up);
	if (rc < 0) {
		close(rx->fd);
		rx->fd = -1;
		return rc;
	}
	rx->ring_up = true;
	rx->multishot = !(p->flags & LQ_UDP_RX_SINGLESHOT) && lq_udp_rx_try_multishot(rx);
	if (!rx->multishot) {
		/* SQ entries >= buffers (queue_init above): an SQE for each. */
		for (uint32_t i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&rx->ring);
			LQ_ASSERT(sqe);
			lq_udp_rx_prep_single(rx, sqe, i);
		}
		rx->pending_rearm = n;
	}
	rc = lq_udp_rx_arm(rx);
	if (rc) {
		lq_udp_rx_close(rx);
		return rc;
	}
	return 0;
}

uint16_t lq_udp_rx_port(const struct lq_udp_rx *rx)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	if (getsockname(rx->fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	return ntohs(sa.sin_port);
}

/* Read the receive time and the socket's drop count from control messages. */
static uint64_t lq_udp_rx_cmsgs(struct lq_udp_rx *rx, const uint8_t *ctrl, size_t len)
{
	uint64_t rx_ns = 0;
	size_t off = 0;
	/* Each control message advances by at least its header: bounded by len. */
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr c;
		memcpy(&c, ctrl + off, sizeof(c));
		if (c.cmsg_len < sizeof(struct cmsghdr) || off + c.cmsg_len > len)
			break;
		const uint8_t *data = ctrl + off + CMSG_LEN(0);
		if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SCM_TIMESTAMPNS &&
		    c.cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;
			memcpy(&ts, data, sizeof(ts));
			rx_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		} else if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SO_RXQ_OVFL &&
			   c.cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			uint32_t drops;
			memcpy(&drops, data, sizeof(drops));
			rx->stats.kernel_drops = drops;
		}
		off += CMSG_ALIGN(c.cmsg_len);
	}
	return rx_ns ? rx_ns : lq_udp_now_ns();
}

static void lq_udp_rx_deliver(struct lq_udp_rx *rx, const uint8_t *data, size_t len, bool trunc,
			      uint64_t rx_ns)
{
	LQ_DASSERT(len <= rx->payload_max);
	rx->stats.packets++;
	rx->stats.bytes += len;
	rx->stats.truncated += trunc;
	rx->on_packet(rx->ctx, data, len, rx_ns);
}

/* One multishot completion. Returns 1 if a datagram was delivered. */
static int lq_udp_rx_cqe_multi(struct lq_udp_rx *rx, const struct io_uring_cqe *cqe)
{
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		rx->armed = false;
		rx->in_flight = 0;
	}
	if (cqe->res < 0) {
		if (cqe->res == -ENOBUFS)
			rx->stats.no_buffers++;
		else if (cqe->res != -ECANCELED)
			rx->stats.errors++;
		return 0;
	}
	if (!(cqe->flags & IORING_CQE_F_BUFFER)) {
		rx->stats.errors++;
		return 0;
	}
	uint32_t bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	LQ_ASSERT(bid < rx->buf_count);
	uint8_t *buf = lq_udp_rx_slot(rx, bid);
	struct msghdr *tmpl = rx->msg_tmpl;
	int delivered = 0;
	struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(buf, cqe->res, tmpl);
	if (!o) {
		rx->stats.errors++;
	} else {
		uint8_t *ctrl = (uint8_t *)io_uring_recvmsg_cmsg_firsthdr(o, tmpl);
		uint64_t rx_ns = lq_udp_rx_cmsgs(rx, ctrl ? ctrl : buf, ctrl ? o->controllen : 0);
		const uint8_t *payload = io_uring_recvmsg_payload(o, tmpl);
		size_t stored = io_uring_recvmsg_payload_length(o, cqe->res, tmpl);
		bool trunc = (o->flags & MSG_TRUNC) || o->payloadlen > stored;
		lq_udp_rx_deliver(rx, payload, stored, trunc, rx_ns);
		delivered = 1;
	}
	/* The callback is done with the buffer: hand it back (published in lq_udp_rx_poll). */
	io_uring_buf_ring_add(rx->bufring, buf, lq_udp_rx_buf_len(rx), (uint16_t)bid,
			      io_uring_buf_ring_mask(rx->buf_count), 0);
	io_uring_buf_ring_advance(rx->bufring, 1);
	return delivered;
}

/* One single-shot completion: deliver, then prepare the same buffer's next receive. */
static int lq_udp_rx_cqe_single(struct lq_udp_rx *rx, const struct io_uring_cqe *cqe)
{
	uint64_t i = cqe->user_data;
	if (i >= rx->buf_count)
		return 0; /* the close-time cancel */
	LQ_ASSERT(rx->in_flight > 0);
	rx->in_flight--;
	struct lq_udp_slot_state *st = (struct lq_udp_slot_state *)rx->slot_state + i;
	int delivered = 0;
	if (cqe->res < 0) {
		if (cqe->res != -ECANCELED)
			rx->stats.errors++;
	} else {
		uint64_t rx_ns = lq_udp_rx_cmsgs(rx, st->ctrl, st->msg.msg_controllen);
		bool trunc = (st->msg.msg_flags & MSG_TRUNC) != 0;
		lq_udp_rx_deliver(rx, lq_udp_rx_slot(rx, (uint32_t)i), (size_t)cqe->res, trunc,
				  rx_ns);
		delivered = 1;
	}
	/* SQ entries = buffers, and at most buffers are outside the kernel: never full. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&rx->ring);
	LQ_ASSERT(sqe);
	lq_udp_rx_prep_single(rx, sqe, (uint32_t)i);
	rx->pending_rearm++;
	return delivered;
}

int lq_udp_rx_poll(struct lq_udp_rx *rx, uint32_t max)
{
	uint32_t delivered = 0;
	struct io_uring_cqe *cqes[LQ_UDP_CQE_BATCH];
	/* Each round consumes at least one CQE or stops; the CQ is finite. */
	while (delivered < max) {
		uint32_t want = max - delivered;
		if (want > LQ_UDP_CQE_BATCH)
			want = LQ_UDP_CQE_BATCH;
		unsigned got = io_uring_peek_batch_cqe(&rx->ring, cqes, want);
		if (!got)
			break;
		for (unsigned k = 0; k < got; k++) {
			if (rx->multishot)
				delivered += (uint32_t)lq_udp_rx_cqe_multi(rx, cqes[k]);
			else
				delivered += (uint32_t)lq_udp_rx_cqe_single(rx, cqes[k]);
		}
		io_uring_cq_advance(&rx->ring, got);
	}
	if (rx->multishot && !rx->armed)
		rx->stats.rearms++;
	int rc = lq_udp_rx_arm(rx);
	if (rc < 0)
		return rc;
	return (int)delivered;
}

int lq_udp_rx_wait(struct lq_udp_rx *rx, uint32_t max, uint64_t timeout_ns)
{
	struct __kernel_timespec ts = {.tv_sec = (long long)(timeout_ns / 1000000000ull),
				       .tv_nsec = (long long)(timeout_ns % 1000000000ull)};
	struct io_uring_cqe *cqe = NULL;
	int rc = io_uring_wait_cqe_timeout(&rx->ring, &cqe, &ts);
	if (rc < 0 && rc != -ETIME && rc != -EINTR)
		return rc;
	return lq_udp_rx_poll(rx, max);
}

/*
 * The kernel may still write into the caller's buffers until every receive has completed:
 * cancel them and wait (bounded) for their last completions before unmapping the ring.
 */
/* A completion the run will not see: a datagram that arrived but was never delivered. */
static void lq_udp_rx_count_unread(struct lq_udp_rx *rx, const struct io_uring_cqe *cqe)
{
	if (cqe->res <= 0 || cqe->user_data == LQ_UDP_TAG_CANCEL)
		return;
	if (rx->multishot ? (cqe->flags & IORING_CQE_F_BUFFER) != 0
			  : cqe->user_data < rx->buf_count)
		rx->stats.unread_at_stop++;
}

/*
 * After the ring: datagrams still queued in the socket are counted (bounded by the receive
 * buffer's size; at most LQ_UDP_DRAIN_MAX), and the socket's final drop count is read
 * (SO_MEMINFO), since SO_RXQ_OVFL only reports it with a later datagram.
 */
static void lq_udp_rx_drain(struct lq_udp_rx *rx)
{
	uint8_t byte;
	for (uint32_t k = 0; k < LQ_UDP_DRAIN_MAX; k++)
		if (recv(rx->fd, &byte, sizeof(byte), MSG_DONTWAIT | MSG_TRUNC) < 0)
			break;
		else
			rx->stats.unread_at_stop++;
#ifdef SO_MEMINFO
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);
	if (getsockopt(rx->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
	    len > SK_MEMINFO_DROPS * sizeof(uint32_t) &&
	    mem[SK_MEMINFO_DROPS] > rx->stats.kernel_drops)
		rx->stats.kernel_drops = mem[SK_MEMINFO_DROPS];
#endif
}

/*
 * The kernel may still write into the caller's buffers until every receive has completed:
 * cancel them and wait (bounded) for their last completions before unmapping the ring.
 * Completions nobody delivered and datagrams left in the socket count as unread_at_stop.
 * A second call does nothing: the statistics stay readable.
 */
void lq_udp_rx_close(struct lq_udp_rx *rx)
{
	if (rx->ring_up) {
		struct io_uring_cqe *cqe;
		/* what had arrived before the stop and was not polled */
		while (io_uring_peek_cqe(&rx->ring, &cqe) == 0 && cqe) {
			lq_udp_rx_count_unread(rx, cqe);
			bool last = !(cqe->flags & IORING_CQE_F_MORE);
			if (rx->multishot && cqe->user_data == LQ_UDP_TAG_RECV && last)
				rx->in_flight = 0;
			else if (!rx->multishot && cqe->user_data < rx->buf_count &&
				 rx->in_flight > 0)
				rx->in_flight--;
			io_uring_cqe_seen(&rx->ring, cqe);
		}
		struct io_uring_sqe *sqe = io_uring_get_sqe(&rx->ring);
		if (sqe) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			io_uring_sqe_set_data64(sqe, LQ_UDP_TAG_CANCEL);
			io_uring_submit(&rx->ring);
		}
		for (int tries = 0; tries < 100 && rx->in_flight > 0; tries++) {
			struct __kernel_timespec ts = {.tv_nsec = LQ_UDP_CLOSE_WAIT_NS};
			if (io_uring_wait_cqe_timeout(&rx->ring, &cqe, &ts) < 0)
				continue;
			lq_udp_rx_count_unread(rx, cqe);
			bool last = !(cqe->flags & IORING_CQE_F_MORE);
			if (cqe->user_data == LQ_UDP_TAG_RECV && last)
				rx->in_flight = 0;
			else if (cqe->user_data < rx->buf_count && rx->in_flight > 0)
				rx->in_flight--;
			io_uring_cqe_seen(&rx->ring, cqe);
		}
		io_uring_queue_exit(&rx->ring);
		rx->ring_up = false;
	}
	if (rx->fd >= 0) {
		lq_udp_rx_drain(rx);
		close(rx->fd);
	}
	rx->fd = -1;
}

/* ---- sender ---- */

void lq_udp_tx_params_default(struct lq_udp_tx_params *p)
{
	memset(p, 0, sizeof(*p));
	p->dst_ip = INADDR_LOOPBACK;
	p->slots = LQ_UDP_TX_SLOTS_DEF;
	p->payload_max = LQ_FEED_PACKET_MAX;
}

static bool lq_udp_tx_params_ok(const struct lq_udp_tx_params *p)
{
	return p->slots >= 1 && p->slots <= LQ_UDP_TX_SLOTS_MAX && p->payload_max >= 1 &&
	       p->payload_max <= LQ_UDP_PAYLOAD_MAX && p->dst_port != 0;
}

size_t lq_udp_tx_memsize(const struct lq_udp_tx_params *p)
{
	if (!lq_udp_tx_params_ok(p))
		return 0;
	return (size_t)p->slots * (lq_udp_align(p->payload_max, 64) + 2 * sizeof(uint32_t)) + 64;
}

static int lq_udp_tx_socket(const struct lq_udp_tx_params *p, int *out)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (lq_udp_is_multicast(p->dst_ip)) {
		int ttl = p->ttl ? p->ttl : 1;
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0)
			rc = -errno;
		struct in_addr ifa = {.s_addr = htonl(p->iface_ip)};
		if (!rc && p->iface_ip &&
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)) < 0)
			rc = -errno;
	}
	/* Connected: every send is a plain send, and the kernel routes once. */
	struct sockaddr_in sa = lq_udp_sin(p->dst_ip, p->dst_port);
	if (!rc && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		rc = -errno;
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

int lq_udp_tx_init(struct lq_udp_tx *tx, void *mem, size_t size, const struct lq_udp_tx_params *p)
{
	LQ_ASSERT(tx && mem && p);
	memset(tx, 0, sizeof(*tx));
	tx->fd = -1;
	size_t need = lq_udp_tx_memsize(p);
	if (!need || size < need)
		return -EINVAL;
	tx->slots = p->slots;
	tx->payload_max = p->payload_max;
	tx->bufs = (uint8_t *)lq_udp_align((uintptr_t)mem, 64);
	tx->lens = (uint32_t *)(tx->bufs + (size_t)tx->slots * lq_udp_align(p->payload_max, 64));
	tx->free_stack = tx->lens + tx->slots;
	for (uint32_t i = 0; i < tx->slots; i++)
		tx->free_stack[i] = tx->slots - 1 - i;
	tx->free_count = tx->slots;
	int rc = lq_udp_tx_socket(p, &tx->fd);
	if (rc)
		return rc;
	rc = io_uring_queue_init(tx->slots < 8 ? 8 : tx->slots, &tx->ring, 0);
	if (rc < 0) {
		close(tx->fd);
		tx->fd = -1;
		return rc;
	}
	tx->ring_up = true;
	return 0;
}

static uint8_t *lq_udp_tx_slot(const struct lq_udp_tx *tx, uint32_t i)
{
	return tx->bufs + (size_t)i * lq_udp_align(tx->payload_max, 64);
}

static void lq_udp_tx_complete(struct lq_udp_tx *tx, const struct io_uring_cqe *cqe)
{
	uint64_t i = cqe->user_data;
	LQ_ASSERT(i < tx->slots);
	LQ_ASSERT(tx->in_flight > 0);
	LQ_ASSERT(tx->free_count < tx->slots);
	if (cqe->res < 0) {
		tx->stats.errors++;
		tx->stats.last_error = cqe->res;
	} else {
		tx->stats.packets++;
		tx->stats.bytes += (uint64_t)cqe->res;
		tx->stats.short_sends += (uint32_t)cqe->res != tx->lens[i];
	}
	tx->in_flight--;
	tx->free_stack[tx->free_count++] = (uint32_t)i;
}

uint32_t lq_udp_tx_reap(struct lq_udp_tx *tx)
{
	struct io_uring_cqe *cqes[LQ_UDP_CQE_BATCH];
	uint32_t total = 0;
	/* At most in_flight completions exist: bounded. */
	for (;;) {
		unsigned got = io_uring_peek_batch_cqe(&tx->ring, cqes, LQ_UDP_CQE_BATCH);
		if (!got)
			break;
		for (unsigned k = 0; k < got; k++)
			lq_udp_tx_complete(tx, cqes[k]);
		io_uring_cq_advance(&tx->ring, got);
		total += got;
	}
	return total;
}

int lq_udp_tx_queue(struct lq_udp_tx *tx, const void *data, size_t len)
{
	if (len > tx->payload_max)
		return -EMSGSIZE;
	if (!tx->free_count)
		lq_udp_tx_reap(tx);
	if (!tx->free_count)
		return -EAGAIN;
	/* Queued + in flight <= slots <= SQ entries, so an SQE is always free. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&tx->ring);
	LQ_ASSERT(sqe);
	uint32_t i = tx->free_stack[--tx->free_count];
	uint8_t *buf = lq_udp_tx_slot(tx, i);
	memcpy(buf, data, len);
	tx->lens[i] = (uint32_t)len;
	io_uring_prep_send(sqe, tx->fd, buf, len, 0);
	io_uring_sqe_set_data64(sqe, i);
	tx->queued++;
	return 0;
}

int lq_udp_tx_flush(struct lq_udp_tx *tx)
{
	if (!tx->queued)
		return 0;
	int rc = io_uring_submit(&tx->ring);
	if (rc < 0)
		return rc;
	tx->stats.submits++;
	tx->queued -= (uint32_t)rc;
	tx->in_flight += (uint32_t)rc;
	return rc;
}

static uint64_t lq_udp_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int lq_udp_tx_wait(struct lq_udp_tx *tx, uint32_t want, uint64_t timeout_ns)
{
	if (want > tx->slots)
		want = tx->slots;
	int rc = lq_udp_tx_flush(tx);
	if (rc < 0)
		return rc;
	uint64_t deadline = lq_udp_mono_ns() + timeout_ns;
	lq_udp_tx_reap(tx);
	/* Every round reaps a completion or moves toward the deadline. */
	while (tx->free_count < want) {
		uint64_t now = lq_udp_mono_ns();
		if (now >= deadline || !tx->in_flight)
			return -ETIME;
		uint64_t left = deadline - now;
		struct __kernel_timespec ts = {.tv_sec = (long long)(left / 1000000000ull),
					       .tv_nsec = (long long)(left % 1000000000ull)};
		struct io_uring_cqe *cqe;
		rc = io_uring_wait_cqe_timeout(&tx->ring, &cqe, &ts);
		if (rc < 0 && rc != -ETIME && rc != -EINTR)
			return rc;
		lq_udp_tx_reap(tx);
	}
	return (int)tx->free_count;
}

void lq_udp_tx_close(struct lq_udp_tx *tx)
{
	/* Sends complete promptly on their own; wait for them so the slots are ours again. */
	if (tx->ring_up) {
		lq_udp_tx_wait(tx, tx->slots, 1000000000ull);
		io_uring_queue_exit(&tx->ring);
		tx->ring_up = false;
	}
	if (tx->fd >= 0)
		close(tx->fd);
	tx->fd = -1;
}
