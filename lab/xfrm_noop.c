/*
 * LD_PRELOAD shim for charon in the lab.
 *
 * The lab kernel has XFRM but no ESP/AH types, so XFRM_MSG_NEWSA fails and the daemon
 * would tear a freshly negotiated CHILD_SA down, which changes what goes on the wire.
 * This shim rewrites SA add/update/delete requests on NETLINK_XFRM sockets into
 * NLMSG_NOOP before they reach the kernel.  The kernel acknowledges a NOOP that carries
 * NLM_F_ACK with error 0 and the same sequence number, so the daemon sees success and
 * the IKE exchange stays what it would be on a host with ESP support.
 *
 * The kernel also lacks the "espintcp" upper layer protocol that IKE over TCP (RFC 8229)
 * daemons enable on their TCP sockets.  Its job towards the daemon is only framing: each
 * write() becomes one length-prefixed record on the stream, each read() returns one record
 * without its length.  The shim accepts the setsockopt and does that framing itself, so
 * the stream on the wire is what the kernel module would have produced.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

static int is_xfrm_socket(int fd)
{
	int proto = -1;
	socklen_t len = sizeof(proto);
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0 || ss.ss_family != AF_NETLINK)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) != 0)
		return 0;
	return proto == NETLINK_XFRM;
}

static int neutralize(void *buf, size_t len)
{
	struct nlmsghdr *hdr = buf;
	size_t left = len;
	int changed = 0;

	while (NLMSG_OK(hdr, left)) {
		switch (hdr->nlmsg_type) {
		case XFRM_MSG_NEWSA:
		case XFRM_MSG_UPDSA:
		case XFRM_MSG_DELSA:
			hdr->nlmsg_type = NLMSG_NOOP;
			hdr->nlmsg_flags |= NLM_F_ACK;
			changed = 1;
			break;
		default:
			break;
		}
		hdr = NLMSG_NEXT(hdr, left);
	}
	return changed;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t alen)
{
	static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	void *copy;
	ssize_t ret;

	if (!real)
		real = dlsym(RTLD_NEXT, "sendto");
	if (len < sizeof(struct nlmsghdr) || !is_xfrm_socket(fd))
		return real(fd, buf, len, flags, addr, alen);
	copy = malloc(len);
	if (!copy)
		return real(fd, buf, len, flags, addr, alen);
	memcpy(copy, buf, len);
	neutralize(copy, len);
	ret = real(fd, copy, len, flags, addr, alen);
	free(copy);
	return ret;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);

	if (!real)
		real = dlsym(RTLD_NEXT, "sendmsg");
	if (msg->msg_iovlen == 1 && msg->msg_iov[0].iov_len >= sizeof(struct nlmsghdr) &&
	    is_xfrm_socket(fd)) {
		struct msghdr m = *msg;
		struct iovec iov;
		ssize_t ret;
		void *copy = malloc(msg->msg_iov[0].iov_len);

		if (!copy)
			return real(fd, msg, flags);
		memcpy(copy, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len);
		neutralize(copy, msg->msg_iov[0].iov_len);
		iov.iov_base = copy;
		iov.iov_len = msg->msg_iov[0].iov_len;
		m.msg_iov = &iov;
		ret = real(fd, &m, flags);
		free(copy);
		return ret;
	}
	return real(fd, msg, flags);
}

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#define MAX_FD 4096

static unsigned char espintcp[MAX_FD];

int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	static int (*real)(int, int, int, const void *, socklen_t);

	if (!real)
		real = dlsym(RTLD_NEXT, "setsockopt");
	if (level == IPPROTO_TCP && name == TCP_ULP && fd >= 0 && fd < MAX_FD &&
	    len >= 8 && memcmp(value, "espintcp", 8) == 0) {
		espintcp[fd] = 1;
		return 0;
	}
	return real(fd, level, name, value, len);
}

int close(int fd)
{
	static int (*real)(int);

	if (!real)
		real = dlsym(RTLD_NEXT, "close");
	if (fd >= 0 && fd < MAX_FD)
		espintcp[fd] = 0;
	return real(fd);
}

/* Read exactly len bytes from a non-blocking stream; only the first byte may see EAGAIN. */
static ssize_t read_full(ssize_t (*real)(int, void *, size_t), int fd, unsigned char *buf,
			 size_t len, int may_block_first)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = real(fd, buf + got, len - got);

		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0)
			return got;
		if (errno != EAGAIN || (got == 0 && !may_block_first))
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2000) <= 0)
			return -1;
	}
	return got;
}

ssize_t read(int fd, void *buf, size_t count)
{
	static ssize_t (*real)(int, void *, size_t);
	unsigned char hdr[2], body[65536];
	ssize_t n;
	size_t len;

	if (!real)
		real = dlsym(RTLD_NEXT, "read");
	if (fd < 0 || fd >= MAX_FD || !espintcp[fd])
		return real(fd, buf, count);
	n = read_full(real, fd, hdr, 2, 0);
	if (n <= 0)
		return n;
	if (n < 2) {
		errno = EIO;
		return -1;
	}
	len = ((size_t)hdr[0] << 8 | hdr[1]);
	if (len < 2) {
		errno = EIO;
		return -1;
	}
	n = read_full(real, fd, body, len - 2, 1);
	if (n < (ssize_t)(len - 2)) {
		errno = EIO;
		return -1;
	}
	if ((size_t)n > count)
		n = count;
	memcpy(buf, body, n);
	return n;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);
	unsigned char framed[65536];
	size_t sent = 0;

	if (!real)
		real = dlsym(RTLD_NEXT, "write");
	if (fd >= 0 && fd < MAX_FD && espintcp[fd] && count + 2 <= sizeof(framed)) {
		framed[0] = (count + 2) >> 8;
		framed[1] = (count + 2) & 0xff;
		memcpy(framed + 2, buf, count);
		while (sent < count + 2) {
			ssize_t n = real(fd, framed + sent, count + 2 - sent);

			if (n < 0 && errno == EAGAIN) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };
				poll(&p, 1, 2000);
				continue;
			}
			if (n <= 0)
				return -1;
			sent += n;
		}
		return count;
	}
	if (count >= sizeof(struct nlmsghdr) && ((const struct nlmsghdr *)buf)->nlmsg_len <= count &&
	    is_xfrm_socket(fd)) {
		void *copy = malloc(count);
		ssize_t ret;

		if (!copy)
			return real(fd, buf, count);
		memcpy(copy, buf, count);
		neutralize(copy, count);
		ret = real(fd, copy, count);
		free(copy);
		return ret;
	}
	return real(fd, buf, count);
}
