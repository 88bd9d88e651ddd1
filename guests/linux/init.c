// /init of Samsara Replay's Linux test guest: a static riscv64 program (glibc, pthreads) that
// exercises what a recording has to capture — the console, two threads racing on two harts, a file
// from the initramfs, the virtio disk, the entropy source — and then powers the machine off.
//
// With `cpuwork=N` on the kernel command line (the kernel hands it to /init in its environment), it
// first runs one CPU-bound thread per online CPU, each pinned to its CPU, for N million iterations of
// a loop over its own registers and stack: the workload of `samsara bench`'s parallel recording
// section, where the harts share nothing but the kernel.
//
// Every line it prints starts with "samsara-init: " so that tests can pick them out of the console.
// Build: riscv64-linux-gnu-gcc -static -O2 -pthread -o init init.c   (guests/linux/build.sh does it)

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

// Enough racy increments that two harts running the loop at the same time lose some of them; the
// locked counter must always come out exact.
#define RACY_ITERATIONS 1000000L
#define LOCKED_ITERATIONS 100000L
#define THREADS 2

static void say(const char *fmt, ...) {
  char line[512];
  int n = snprintf(line, sizeof line, "samsara-init: ");
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(1, line + off, n - off);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return;
    }
    off += w;
  }
}

static void mount_fs(const char *type, const char *dir) {
  mkdir(dir, 0755);
  if (mount(type, dir, type, 0, NULL) == 0) say("mounted %s on %s", type, dir);
  else if (errno == EBUSY) say("%s already mounted on %s", type, dir);
  else say("mount %s on %s failed: %s", type, dir, strerror(errno));
}

// ---- the race ----

static volatile long racy;
static long locked;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int arrived;

static void *worker(void *arg) {
  (void)arg;
  // A spin barrier, so that both threads enter the racy loop at the same time.
  atomic_fetch_add(&arrived, 1);
  while (atomic_load(&arrived) < THREADS) {
  }
  for (long i = 0; i < RACY_ITERATIONS; i++) racy = racy + 1;
  for (long i = 0; i < LOCKED_ITERATIONS; i++) {
    pthread_mutex_lock(&lock);
    locked++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void race(void) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    int e = pthread_create(&t[i], NULL, worker, NULL);
    if (e != 0) {
      say("race: pthread_create failed: %s", strerror(e));
      return;
    }
  }
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  long want = THREADS * RACY_ITERATIONS;
  say("race: racy=%ld of %ld (lost %ld), locked=%ld of %ld", racy, want, want - racy, locked,
      THREADS * LOCKED_ITERATIONS);
}

// ---- CPU-bound threads (cpuwork=N) ----

#define MAX_CPUWORK_THREADS 8

struct cpuwork {
  pthread_t thread;
  int cpu;
  long iterations;
  unsigned long sum;
};

static void *cpuwork_thread(void *arg) {
  struct cpuwork *w = arg;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(w->cpu, &one);
  sched_setaffinity(0, sizeof one, &one);
  // xorshift64 over a small table on this thread's own stack: loads, stores and arithmetic.
  unsigned long table[64];
  unsigned long x = 0x9e3779b97f4a7c15UL ^ (unsigned long)w->cpu;
  for (int i = 0; i < 64; i++) table[i] = (unsigned long)i * 0x100000001UL;
  for (long i = 0; i < w->iterations; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    table[x & 63] += x;
  }
  unsigned long sum = 0;
  for (int i = 0; i < 64; i++) sum ^= table[i] + (unsigned long)i;
  w->sum = sum;
  return NULL;
}

static void cpuwork(long millions) {
  cpu_set_t cpus;
  int n = 0;
  int ids[MAX_CPUWORK_THREADS];
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) CPU_ZERO(&cpus);
  for (int c = 0; c < CPU_SETSIZE && n < MAX_CPUWORK_THREADS; c++)
    if (CPU_ISSET(c, &cpus)) ids[n++] = c;
  if (n == 0) ids[n++] = 0;
  struct cpuwork w[MAX_CPUWORK_THREADS];
  for (int i = 0; i < n; i++) {
    w[i] = (struct cpuwork){.cpu = ids[i], .iterations = millions * 1000000L};
    int e = pthread_create(&w[i].thread, NULL, cpuwork_thread, &w[i]);
    if (e != 0) {
      say("cpuwork: pthread_create failed: %s", strerror(e));
      n = i;
      break;
    }
  }
  for (int i = 0; i < n; i++) {
    pthread_join(w[i].thread, NULL);
    say("cpuwork: cpu %d: %ld million iterations, sum %016lx", w[i].cpu, millions, w[i].sum);
  }
}

// ---- files and devices ----

static void show_motd(void) {
  char buf[256];
  int fd = open("/etc/motd", O_RDONLY);
  if (fd < 0) {
    say("motd: cannot open /etc/motd: %s", strerror(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) {
    say("motd: read failed: %s", strerror(errno));
    return;
  }
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
  buf[n] = 0;
  say("motd: %s", buf);
}

static void show_disk(void) {
  unsigned char sector[512];
  int fd = open("/dev/vda", O_RDONLY);
  if (fd < 0) {
    say("disk: no /dev/vda (%s)", strerror(errno));
    return;
  }
  ssize_t n = read(fd, sector, sizeof sector);
  close(fd);
  if (n < 0) {
    say("disk: read of /dev/vda failed: %s", strerror(errno));
    return;
  }
  // The sector's leading printable text, up to 100 characters.
  char text[101];
  int len = 0;
  while (len < n && len < 100 && sector[len] >= 0x20 && sector[len] < 0x7f) {
    text[len] = (char)sector[len];
    len++;
  }
  text[len] = 0;
  say("disk: read %zd bytes from /dev/vda: \"%s\"", n, text);
}

static void show_random(void) {
  unsigned char bytes[16];
  ssize_t n = getrandom(bytes, sizeof bytes, 0);
  if (n != (ssize_t)sizeof bytes) {
    say("random: getrandom failed: %s", n < 0 ? strerror(errno) : "short read");
    return;
  }
  char hex[2 * sizeof bytes + 1];
  for (size_t i = 0; i < sizeof bytes; i++) snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  say("random: %s", hex);
}

int main(void) {
  struct utsname u;
  if (uname(&u) == 0) say("hello from init (Linux %s %s)", u.release, u.machine);
  else say("hello from init");

  mount_fs("devtmpfs", "/dev");
  mount_fs("proc", "/proc");
  mount_fs("sysfs", "/sys");

  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) say("cpus: %d online", CPU_COUNT(&cpus));

  const char *work = getenv("cpuwork");
  if (work) {
    char *end;
    long millions = strtol(work, &end, 10);
    if (*work && !*end && millions > 0 && millions <= 100000) cpuwork(millions);
    else say("cpuwork: ignored '%s' (a number of millions of iterations, 1 to 100000)", work);
  }

  race();
  show_motd();
  show_disk();
  show_random();

  say("done");
  sync();
  reboot(RB_POWER_OFF);
  say("reboot(RB_POWER_OFF) failed: %s", strerror(errno));
  for (;;) pause();
}
