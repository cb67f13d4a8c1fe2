/*
 * camvid-shaper: a userspace stand-in for `tc qdisc ... netem` on kernels built without
 * sch_netem (CONFIG_NET_SCH_NETEM unset, e.g. the Firecracker kernels CAMVID's CI runs on).
 * scripts/netns/link-impairment.ts builds and starts it; nothing else should.
 *
 *   camvid-shaper HOST_PORT BRIDGE_PORT SEED        (run inside the lab's bridge namespace)
 *
 * HOST_PORT is the bridge-namespace end of a host's veth, BRIDGE_PORT a veth enslaved (through its
 * peer) to the lab bridge. Frames the host sends (HOST_PORT → BRIDGE_PORT) are delayed, jittered
 * and dropped like netem on the host's egress; frames towards the host pass at once, or are
 * dropped at `down LOSS_PPM` (a lossy downlink; its rate is a tbf qdisc on HOST_PORT). Parameters
 * arrive on stdin, one line each: `set DELAY_US JITTER_US LOSS_PPM`, `down LOSS_PPM`; `stats`
 * prints counters; end of stdin (the lab's process died or closed it) ends the shaper.
 *
 * PACKET_VNET_HDR on both sockets carries GSO and checksum-offload metadata across, so a TCP
 * super-frame or a UDP datagram with a partial checksum leaves exactly as it came in. Like netem,
 * a jittered packet may overtake an earlier one, and loss is per frame (Bernoulli, seeded RNG).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (65536 + 256)
/* netem's default limit is 1000 packets; a class of video needs more headroom at 20 ms. */
#define MAX_QUEUE 20000

struct pkt {
  uint64_t due;
  uint64_t order;
  uint32_t len;
  unsigned char *data;
};

static struct pkt heap[MAX_QUEUE];
static int nheap;
static uint64_t next_order;
static uint64_t delay_ns, jitter_ns;
static uint32_t loss_ppm, down_loss_ppm;
static uint64_t rng_state;
static unsigned long long n_in, n_fwd, n_lost, n_qdrop, n_err, n_back, n_down_lost;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible for a given seed and packet order */
static uint64_t rng(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

static int earlier(const struct pkt *a, const struct pkt *b) {
  return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static void heap_push(struct pkt p) {
  int i = nheap++;
  heap[i] = p;
  while (i > 0) {
    int parent = (i - 1) / 2;
    if (!earlier(&heap[i], &heap[parent])) break;
    struct pkt t = heap[i];
    heap[i] = heap[parent];
    heap[parent] = t;
    i = parent;
  }
}

static struct pkt heap_pop(void) {
  struct pkt top = heap[0];
  heap[0] = heap[--nheap];
  int i = 0;
  for (;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < nheap && earlier(&heap[l], &heap[m])) m = l;
    if (r < nheap && earlier(&heap[r], &heap[m])) m = r;
    if (m == i) break;
    struct pkt t = heap[i];
    heap[i] = heap[m];
    heap[m] = t;
    i = m;
  }
  return top;
}

static int open_port(const char *name) {
  unsigned idx = if_nametoindex(name);
  if (!idx) {
    fprintf(stderr, "camvid-shaper: no interface %s\n", name);
    exit(2);
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) {
    perror("camvid-shaper: socket(AF_PACKET)");
    exit(2);
  }
  int one = 1, buf = 8 << 20;
  if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) {
    perror("camvid-shaper: PACKET_VNET_HDR");
    exit(2);
  }
  /* never read back what we ourselves transmit on this port */
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
  struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)idx};
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    perror("camvid-shaper: bind");
    exit(2);
  }
  return fd;
}

static void transmit(int fd, const unsigned char *data, uint32_t len) {
  /* a port that is down (a cut cable) or a full peer backlog drops the frame, as a wire would */
  if (send(fd, data, len, MSG_DONTWAIT) < 0) n_err++;
}

static void on_host_frames(int in_fd) {
  static unsigned char buf[MAX_FRAME];
  for (;;) {
    ssize_t n = recv(in_fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return;
    n_in++;
    if (loss_ppm && rng() % 1000000 < loss_ppm) {
      n_lost++;
      continue;
    }
    if (nheap >= MAX_QUEUE) {
      n_qdrop++;
      continue;
    }
    int64_t d = (int64_t)delay_ns;
    if (jitter_ns) d += (int64_t)(rng() % (2 * jitter_ns + 1)) - (int64_t)jitter_ns;
    if (d < 0) d = 0;
    struct pkt p = {.due = now_ns() + (uint64_t)d, .order = next_order++, .len = (uint32_t)n, .data = malloc((size_t)n)};
    if (!p.data) {
      n_qdrop++;
      continue;
    }
    memcpy(p.data, buf, (size_t)n);
    heap_push(p);
  }
}

static void on_bridge_frames(int out_fd, int in_fd) {
  static unsigned char buf[MAX_FRAME];
  for (;;) {
    ssize_t n = recv(out_fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return;
    n_back++;
    if (down_loss_ppm && rng() % 1000000 < down_loss_ppm) {
      n_down_lost++;
      continue;
    }
    transmit(in_fd, buf, (uint32_t)n);
  }
}

/* Returns 0 at end of input. */
static int on_stdin(void) {
  static char line[256];
  static size_t used;
  ssize_t n = read(0, line + used, sizeof line - 1 - used);
  if (n <= 0) return n < 0 && errno == EINTR;
  used += (size_t)n;
  line[used] = 0;
  char *nl;
  while ((nl = strchr(line, '\n'))) {
    *nl = 0;
    unsigned long long d, j, l;
    if (sscanf(line, "set %llu %llu %llu", &d, &j, &l) == 3) {
      delay_ns = d * 1000ull;
      jitter_ns = j * 1000ull;
      loss_ppm = (uint32_t)(l > 1000000 ? 1000000 : l);
      printf("ok\n");
    } else if (sscanf(line, "down %llu", &l) == 1) {
      down_loss_ppm = (uint32_t)(l > 1000000 ? 1000000 : l);
      printf("ok\n");
    } else if (strcmp(line, "stats") == 0) {
      printf("stats in %llu forwarded %llu lost %llu queue-dropped %llu send-errors %llu to-host %llu to-host-lost %llu queued %d\n", n_in,
             n_fwd, n_lost, n_qdrop, n_err, n_back, n_down_lost, nheap);
    } else if (line[0]) {
      printf("error unknown command\n");
    }
    fflush(stdout);
    used -= (size_t)(nl + 1 - line);
    memmove(line, nl + 1, used + 1);
  }
  if (used >= sizeof line - 1) used = 0; /* an overlong line is garbage: forget it */
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: camvid-shaper HOST_PORT BRIDGE_PORT SEED\n");
    return 2;
  }
  int in_fd = open_port(argv[1]);
  int out_fd = open_port(argv[2]);
  rng_state = strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ull | 1;
  printf("ready\n");
  fflush(stdout);
  struct pollfd fds[3] = {{.fd = 0, .events = POLLIN}, {.fd = in_fd, .events = POLLIN}, {.fd = out_fd, .events = POLLIN}};
  for (;;) {
    struct timespec ts, *tsp = NULL;
    if (nheap) {
      uint64_t now = now_ns(), due = heap[0].due;
      uint64_t wait = due > now ? due - now : 0;
      ts.tv_sec = (time_t)(wait / 1000000000ull);
      ts.tv_nsec = (long)(wait % 1000000000ull);
      tsp = &ts;
    }
    if (ppoll(fds, 3, tsp, NULL) < 0 && errno != EINTR) {
      perror("camvid-shaper: ppoll");
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!on_stdin()) return 0;
    }
    if (fds[1].revents & POLLIN) on_host_frames(in_fd);
    if (fds[2].revents & POLLIN) on_bridge_frames(out_fd, in_fd);
    uint64_t now = now_ns();
    while (nheap && heap[0].due <= now) {
      struct pkt p = heap_pop();
      transmit(out_fd, p.data, p.len);
      n_fwd++;
      free(p.data);
    }
  }
}
