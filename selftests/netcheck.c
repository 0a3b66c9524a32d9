// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traffic for the fast-path selftests, one exact exchange at a time:
 *
 *   netcheck serve tcp|udp ADDR PORT [N]
 *       echo back N (default 1) messages (TCP: N connections), then exit
 *   netcheck send tcp|udp ADDR PORT MSG
 *       send MSG, wait up to 3 s for the same bytes back; exit 0 if so
 *   netcheck sink udp ADDR PORT SECONDS
 *       count numbered datagrams for SECONDS; print "received N lost M"
 *       (lost = gaps in the numbering up to the highest seen)
 *   netcheck stream udp ADDR PORT SECONDS PPS
 *       send numbered datagrams at PPS for SECONDS; print "sent N"
 *
 * ADDR may be IPv4 or IPv6.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ksft.h"

static socklen_t mkaddr(const char *addr, const char *port,
			struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(port));
		return sizeof(*s4);
	}
	CHECK(inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1, "bad address %s", addr);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(atoi(port));
	return sizeof(*s6);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sock_for(const char *proto, struct sockaddr_storage *ss)
{
	int tcp = !strcmp(proto, "tcp"), one = 1, fd;
	struct timeval tv = { .tv_sec = 3 };

	CHECK(tcp || !strcmp(proto, "udp"), "protocol tcp or udp, not %s", proto);
	fd = socket(ss->ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	CHECK(fd >= 0, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int serve(char **argv, int argc)
{
	struct sockaddr_storage ss, peer;
	int n = argc > 3 ? atoi(argv[3]) : 1;
	socklen_t len = mkaddr(argv[1], argv[2], &ss), plen;
	int fd = sock_for(argv[0], &ss), c, i;
	struct timeval tv = { .tv_sec = 30 };
	char buf[65536];
	ssize_t r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK(!bind(fd, (struct sockaddr *)&ss, len), "bind: %s", strerror(errno));
	if (!strcmp(argv[0], "udp")) {
		for (i = 0; i < n; i++) {
			plen = sizeof(peer);
			r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
			CHECK(r >= 0, "recvfrom: %s", strerror(errno));
			CHECK(sendto(fd, buf, r, 0, (struct sockaddr *)&peer, plen) == r,
			      "sendto: %s", strerror(errno));
		}
		return 0;
	}
	CHECK(!listen(fd, 8), "listen: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		c = accept(fd, NULL, NULL);
		CHECK(c >= 0, "accept: %s", strerror(errno));
		while ((r = read(c, buf, sizeof(buf))) > 0)
			CHECK(write(c, buf, r) == r, "write: %s", strerror(errno));
		close(c);
	}
	return 0;
}

static int send_one(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(argv[1], argv[2], &ss);
	int fd = sock_for(argv[0], &ss);
	size_t n = strlen(argv[3]), got = 0;
	char buf[65536];
	ssize_t r;

	CHECK(n < sizeof(buf), "message too long");
	CHECK(!connect(fd, (struct sockaddr *)&ss, len), "connect: %s", strerror(errno));
	CHECK(write(fd, argv[3], n) == (ssize_t)n, "write: %s", strerror(errno));
	if (!strcmp(argv[0], "tcp"))
		shutdown(fd, SHUT_WR);
	while (got < n) {
		r = read(fd, buf + got, sizeof(buf) - got);
		CHECK(r > 0, "no echo (%s)", r < 0 ? strerror(errno) : "EOF");
		got += r;
	}
	CHECK(got == n && !memcmp(buf, argv[3], n), "echo differs");
	return 0;
}

static int sink(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(argv[1], argv[2], &ss);
	int fd = sock_for(argv[0], &ss);
	double end = now_s() + atof(argv[3]);
	uint64_t seq, max = 0, received = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	CHECK(!bind(fd, (struct sockaddr *)&ss, len), "bind: %s", strerror(errno));
	while (now_s() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (recv(fd, &seq, sizeof(seq), 0) != sizeof(seq))
			continue;
		received++;
		if (seq > max)
			max = seq;
	}
	printf("received %llu lost %llu\n", (unsigned long long)received,
	       (unsigned long long)(max > received ? max - received : 0));
	return 0;
}

static int stream(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(argv[1], argv[2], &ss);
	int fd = sock_for(argv[0], &ss);
	double start = now_s(), secs = atof(argv[3]), pps = atof(argv[4]);
	uint64_t seq = 0;

	CHECK(!connect(fd, (struct sockaddr *)&ss, len), "connect: %s", strerror(errno));
	while (now_s() - start < secs) {
		double due = start + seq / pps;

		if (now_s() < due) {
			usleep(200);
			continue;
		}
		seq++;
		send(fd, &seq, sizeof(seq), 0);	/* losses are what we measure */
	}
	printf("sent %llu\n", (unsigned long long)seq);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "serve"))
		return serve(argv + 2, argc - 2);
	if (argc == 6 && !strcmp(argv[1], "send"))
		return send_one(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "sink"))
		return sink(argv + 2);
	if (argc == 7 && !strcmp(argv[1], "stream"))
		return stream(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of netcheck.c\n");
	return KSFT_FAIL;
}
