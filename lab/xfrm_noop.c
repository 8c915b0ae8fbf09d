/*
 * LD_PRELOAD shim for charon in the lab.
 *
 * The lab kernel has XFRM but no ESP/AH types, so XFRM_MSG_NEWSA fails and the daemon
 * would tear a freshly negotiated CHILD_SA down, which changes what goes on the wire.
 * This shim rewrites SA add/update/delete requests on NETLINK_XFRM sockets into
 * NLMSG_NOOP before they reach the kernel.  The kernel acknowledges a NOOP that carries
 * NLM_F_ACK with error 0 and the same sequence number, so the daemon sees success and
 * the IKE exchange stays what it would be on a host with ESP support.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
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
