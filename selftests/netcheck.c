// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traffic for the fast-path selftests, one exact exchange at a time:
 *
 *   netcheck serve tcp|udp ADDR PORT [N]
 *       echo back N (default 1) messages (TCP: N connections), then exit
 *   netcheck send tcp|udp ADDR PORT MSG
 *       send MSG, wait up to 3 s for the same bytes back; exit 0 if so
 *   netcheck sink udp ADDR PORT SECONDS [RECVLOG]
 *       count numbered datagrams for SECONDS; print "received N lost M"
 *       (lost = gaps in the numbering up to the highest seen); with
 *       RECVLOG, write the numbers received there, one a line
 *   netcheck stream udp ADDR PORT SECONDS PPS [SENTLOG]
 *       send numbered datagrams at PPS for SECONDS; print "sent N"; with
 *       SENTLOG, write "NUMBER TIME" there for each datagram the socket
 *       took (TIME: CLOCK_REALTIME, seconds) and print "sent N failed F"
 *       (F: refused by the socket, never on the wire)
 *   (SIGTERM ends sink or stream early, as if SECONDS had passed)
 *   netcheck drain tcp ADDR PORT
 *       accept one connection, read it to its end, print "received N"
 *       (bytes); ready (AZLXNET_READY) once listening
 *   netcheck bulk tcp ADDR PORT BYTES
 *       connect, write BYTES bytes in 64 KiB writes, close; print "sent N"
 *   netcheck windows SENTLOG RECVLOG TIMES
 *       loss per window: TIMES holds one time a line (CLOCK_REALTIME,
 *       seconds, ascending, as bash's $EPOCHREALTIME); window i runs from
 *       time i to time i+1 (the last to the end of the stream). Print
 *       "windows N lost L median M worst W before B" (B: lost before the
 *       first time) and, on a second line, "per-window:" and the losses
 *
 * ADDR may be IPv4 or IPv6.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
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

static int drain(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(argv[1], argv[2], &ss);
	int fd = sock_for(argv[0], &ss), c;
	struct timeval tv = { .tv_sec = 30 };
	unsigned long long got = 0;
	static char buf[65536];
	ssize_t r;

	CHECK(!strcmp(argv[0], "tcp"), "drain is tcp only");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK(!bind(fd, (struct sockaddr *)&ss, len), "bind: %s", strerror(errno));
	CHECK(!listen(fd, 1), "listen: %s", strerror(errno));
	ksft_ready();
	c = accept(fd, NULL, NULL);
	CHECK(c >= 0, "accept: %s", strerror(errno));
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((r = read(c, buf, sizeof(buf))) > 0)
		got += r;
	CHECK(r == 0, "read: %s", strerror(errno));
	printf("received %llu\n", got);
	return 0;
}

static int bulk(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(argv[1], argv[2], &ss);
	unsigned long long want = strtoull(argv[3], NULL, 10), sent = 0;
	int fd = sock_for(argv[0], &ss);
	static char buf[65536];
	size_t n;
	ssize_t w;

	CHECK(!strcmp(argv[0], "tcp"), "bulk is tcp only");
	CHECK(!connect(fd, (struct sockaddr *)&ss, len), "connect: %s", strerror(errno));
	while (sent < want) {
		n = want - sent < sizeof(buf) ? want - sent : sizeof(buf);
		w = write(fd, buf, n);
		CHECK(w > 0, "write: %s", strerror(errno));
		sent += w;
	}
	CHECK(!close(fd), "close: %s", strerror(errno));
	printf("sent %llu\n", sent);
	return 0;
}

/* Append @v to the growing array *@a of *@n. */
static void push_u64(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*a = realloc(*a, *cap * sizeof(**a));
		CHECK(*a, "out of memory");
	}
	(*a)[(*n)++] = v;
}

static int sink(char **argv, const char *recvlog)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(argv[1], argv[2], &ss);
	int fd = sock_for(argv[0], &ss);
	double end = now_s() + atof(argv[3]);
	uint64_t seq, max = 0, received = 0, *seqs = NULL;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t nseqs = 0, cap = 0, i;
	FILE *f;

	CHECK(!bind(fd, (struct sockaddr *)&ss, len), "bind: %s", strerror(errno));
	ksft_stop_on_sigterm();
	ksft_ready();
	while (now_s() < end && !ksft_stopped()) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (recv(fd, &seq, sizeof(seq), 0) != sizeof(seq))
			continue;
		received++;
		if (seq > max)
			max = seq;
		if (recvlog)
			push_u64(&seqs, &nseqs, &cap, seq);
	}
	if (recvlog) {
		f = fopen(recvlog, "w");
		CHECK(f, "%s: %s", recvlog, strerror(errno));
		for (i = 0; i < nseqs; i++)
			fprintf(f, "%llu\n", (unsigned long long)seqs[i]);
		CHECK(!fclose(f), "%s: %s", recvlog, strerror(errno));
	}
	printf("received %llu lost %llu\n", (unsigned long long)received,
	       (unsigned long long)(max > received ? max - received : 0));
	return 0;
}

static int stream(char **argv, const char *sentlog)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(argv[1], argv[2], &ss);
	int fd = sock_for(argv[0], &ss);
	double start = now_s(), secs = atof(argv[3]), pps = atof(argv[4]);
	uint64_t seq = 0, failed = 0, *log = NULL;
	size_t nlog = 0, cap = 0, i;
	FILE *f;

	CHECK(!connect(fd, (struct sockaddr *)&ss, len), "connect: %s", strerror(errno));
	ksft_stop_on_sigterm();
	ksft_ready();
	while (now_s() - start < secs && !ksft_stopped()) {
		double due = start + seq / pps;

		if (now_s() < due) {
			usleep(200);
			continue;
		}
		seq++;
		/* losses are what we measure */
		if (send(fd, &seq, sizeof(seq), 0) != sizeof(seq)) {
			failed++;
			continue;
		}
		if (sentlog) {
			/* the time as two entries: seconds, then nanoseconds */
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			push_u64(&log, &nlog, &cap, seq);
			push_u64(&log, &nlog, &cap, ts.tv_sec);
			push_u64(&log, &nlog, &cap, ts.tv_nsec);
		}
	}
	if (!sentlog) {
		printf("sent %llu\n", (unsigned long long)seq);
		return 0;
	}
	f = fopen(sentlog, "w");
	CHECK(f, "%s: %s", sentlog, strerror(errno));
	for (i = 0; i + 2 < nlog; i += 3)
		fprintf(f, "%llu %llu.%09llu\n", (unsigned long long)log[i],
			(unsigned long long)log[i + 1], (unsigned long long)log[i + 2]);
	CHECK(!fclose(f), "%s: %s", sentlog, strerror(errno));
	printf("sent %llu failed %llu\n", (unsigned long long)(seq - failed),
	       (unsigned long long)failed);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int windows(char **argv)
{
	uint64_t *lost, *sorted, before = 0, total = 0, seq, *seqs = NULL;
	size_t nwin = 0, wcap = 0, nseqs = 0, cap = 0, i, w;
	double *times = NULL, t;
	unsigned long long v;
	uint8_t *got;
	FILE *f;

	f = fopen(argv[2], "r");
	CHECK(f, "%s: %s", argv[2], strerror(errno));
	while (fscanf(f, "%lf", &t) == 1) {
		if (nwin == wcap) {
			wcap = wcap ? wcap * 2 : 1024;
			times = realloc(times, wcap * sizeof(*times));
			CHECK(times, "out of memory");
		}
		CHECK(!nwin || t >= times[nwin - 1], "%s: times not ascending", argv[2]);
		times[nwin++] = t;
	}
	fclose(f);
	CHECK(nwin > 0, "%s: no times", argv[2]);

	/* What the sink received, as a set of numbers. */
	f = fopen(argv[1], "r");
	CHECK(f, "%s: %s", argv[1], strerror(errno));
	while (fscanf(f, "%llu", &v) == 1)
		push_u64(&seqs, &nseqs, &cap, v);
	fclose(f);
	for (seq = 0, i = 0; i < nseqs; i++)
		if (seqs[i] > seq)
			seq = seqs[i];
	got = calloc(seq + 1, 1);
	lost = calloc(nwin, sizeof(*lost));
	sorted = calloc(nwin, sizeof(*sorted));
	CHECK(got && lost && sorted, "out of memory");
	for (i = 0; i < nseqs; i++)
		got[seqs[i]] = 1;

	/* Each datagram sent: in the window of its time; lost if not got. */
	f = fopen(argv[0], "r");
	CHECK(f, "%s: %s", argv[0], strerror(errno));
	w = 0;
	while (fscanf(f, "%llu %lf", &v, &t) == 2) {
		if (v < seq + 1 && got[v])
			continue;
		total++;
		if (t < times[0]) {
			before++;
			continue;
		}
		while (w + 1 < nwin && t >= times[w + 1])
			w++;
		lost[w]++;
	}
	fclose(f);
	memcpy(sorted, lost, nwin * sizeof(*lost));
	qsort(sorted, nwin, sizeof(*sorted), cmp_u64);
	printf("windows %zu lost %llu median %llu worst %llu before %llu\n", nwin,
	       (unsigned long long)total, (unsigned long long)sorted[nwin / 2],
	       (unsigned long long)sorted[nwin - 1], (unsigned long long)before);
	printf("per-window:");
	for (i = 0; i < nwin; i++)
		printf(" %llu", (unsigned long long)lost[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "serve"))
		return serve(argv + 2, argc - 2);
	if (argc == 6 && !strcmp(argv[1], "send"))
		return send_one(argv + 2);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "sink"))
		return sink(argv + 2, argc == 7 ? argv[6] : NULL);
	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "stream"))
		return stream(argv + 2, argc == 8 ? argv[7] : NULL);
	if (argc == 5 && !strcmp(argv[1], "drain"))
		return drain(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "bulk"))
		return bulk(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "windows"))
		return windows(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of netcheck.c\n");
	return KSFT_FAIL;
}
