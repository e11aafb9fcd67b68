/*
 * boxinit: the small helper that sets a container up inside its new
 * namespaces. The contract (argv, config records on fd 3, JSON-line report
 * on fd 4, exit statuses) is documented in src/runtime/boxinit-protocol.ts.
 *
 *   boxinit --join-cgroup FILE ... -- PROG ARGS...   stage 1: join cgroups, exec PROG (unshare/nsenter)
 *   boxinit --stage2                                  run: after `unshare` (no --fork)
 *   boxinit --exec --mount-ns /proc/PID/ns/mnt        exec: after `nsenter --no-fork`
 *
 * Stage 2: re-exec from a sealed memfd copy (CVE-2019-5736); fork PID 1 and
 * stay as its parent (signals in, status out). PID 1, in order: read the
 * config; mount the rootfs, /proc, /sys (+ /sys/fs/cgroup), /dev, masked and
 * read-only paths, user mounts and /etc files (every container path resolved
 * inside the root with openat2 RESOLVE_IN_ROOT, mounted through
 * /proc/self/fd); allocate the pty; pivot_root and detach the old root;
 * read-only root; hostname; close inherited fds; working directory (checked
 * inside the root, CVE-2024-21626); non-dumpable; seccomp (when no
 * no_new_privs); bounding set, user, capability sets; no_new_privs and
 * seccomp; then exec (or fork + supervise as init / pty relay).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CONFIG_FD 3
#define REPORT_FD 4
#define FAILED_STATUS 125
#define MAX_RECORD (16u << 20)
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ── config ─────────────────────────────────────────────────────────────── */

struct strv {
  char **v;
  size_t n;
};

struct mountspec {
  char *type, *source, *dest, *options;
};

struct config {
  char *root_kind, *root_target, *root_data, *root_base;
  struct mountspec *mounts;
  size_t nmounts;
  struct strv masked, readonly, files, args, env;
  int sysfs_rw, readonly_root, no_new_privs, init, tty, cgroupfs;
  unsigned short rows, cols;
  char *hostname, *cwd;
  int loopback_up;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t ngroups;
  uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  struct sock_filter *seccomp;
  size_t seccomp_len;
};

static struct config cfg;
static int report_fd = -1;
static int root_fd = -1;

/* ── report ─────────────────────────────────────────────────────────────── */

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    buf += w;
    len -= (size_t)w;
  }
}

static size_t json_escape(char *out, size_t cap, const char *s) {
  size_t o = 0;
  for (; *s && o + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c < 0x20) {
      o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = 0;
  return o;
}

/* Reports a failing step and exits: {stage, errno, message}. */
static void __attribute__((noreturn, format(printf, 3, 4))) fail_status(int status, const char *stage, const char *fmt, ...);
static void fail_status(int status, const char *stage, const char *fmt, ...) {
  int err = errno;
  char msg[2048], esc[4096], line[4608];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_escape(esc, sizeof esc, msg);
  int n = snprintf(line, sizeof line, "{\"stage\":\"%s\",\"errno\":%d,\"message\":\"%s\"}\n", stage, err, esc);
  if (report_fd >= 0) {
    write_all(report_fd, line, (size_t)n);
  } else {
    dprintf(2, "boxinit: %s: %s: %s\n", stage, msg, strerror(err));
  }
  _exit(status);
}

#define fail(stage, ...) fail_status(FAILED_STATUS, stage, __VA_ARGS__)

/* ── reading the config records ─────────────────────────────────────────── */

static int read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t r = read(fd, p, len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) return 0;
    p += r;
    len -= (size_t)r;
  }
  return 1;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) fail("config", "out of memory");
  return p;
}

static void strv_push(struct strv *s, char *v) {
  s->v = realloc(s->v, (s->n + 2) * sizeof *s->v);
  if (!s->v) fail("config", "out of memory");
  s->v[s->n++] = v;
  s->v[s->n] = NULL;
}

/* Reads one record; returns its key, sets *val and *vlen (val is NUL-terminated).
 * NULL on EOF; a malformed record is a failure when fatal, else NULL too. */
static char *read_record(int fd, char **val, size_t *vlen, int fatal) {
  uint32_t len;
  int r = read_full(fd, &len, 4);
  if (r <= 0) return NULL;
  if (len == 0 || len > MAX_RECORD) {
    if (!fatal) return NULL;
    errno = EINVAL;
    fail("config", "bad record length %u", len);
  }
  char *buf = xmalloc(len + 1);
  if (read_full(fd, buf, len) <= 0) {
    if (!fatal) return free(buf), NULL;
    fail("config", "config ends inside a record");
  }
  buf[len] = 0;
  size_t klen = strnlen(buf, len);
  if (klen == len) {
    if (!fatal) return free(buf), NULL;
    errno = EINVAL;
    fail("config", "record without a key");
  }
  *val = buf + klen + 1;
  *vlen = len - klen - 1;
  return buf;
}

/* next NUL-separated field of a multi-field value */
static char *field(char **cursor, char *end) {
  char *f = *cursor;
  if (f > end) f = end;
  *cursor = f + strlen(f) + 1;
  return f;
}

static uint64_t hex64(const char *s) { return strtoull(s, NULL, 16); }

static void read_config(void) {
  char *key, *val;
  size_t vlen;
  int version = 0;
  while ((key = read_record(CONFIG_FD, &val, &vlen, 1)) != NULL) {
    char *cur = val, *end = val + vlen;
    if (!strcmp(key, "version")) {
      version = atoi(val);
    } else if (!strcmp(key, "end")) {
      if (version != 1) {
        errno = EINVAL;
        fail("config", "unsupported config version %d", version);
      }
      return;
    } else if (!strcmp(key, "rootfs")) {
      cfg.root_kind = field(&cur, end);
      cfg.root_target = field(&cur, end);
      cfg.root_data = field(&cur, end);
      cfg.root_base = field(&cur, end);
    } else if (!strcmp(key, "mount")) {
      cfg.mounts = realloc(cfg.mounts, (cfg.nmounts + 1) * sizeof *cfg.mounts);
      if (!cfg.mounts) fail("config", "out of memory");
      struct mountspec *m = &cfg.mounts[cfg.nmounts++];
      m->type = field(&cur, end);
      m->source = field(&cur, end);
      m->dest = field(&cur, end);
      m->options = field(&cur, end);
    } else if (!strcmp(key, "masked")) {
      strv_push(&cfg.masked, val);
    } else if (!strcmp(key, "readonly")) {
      strv_push(&cfg.readonly, val);
    } else if (!strcmp(key, "sysfs")) {
      cfg.sysfs_rw = !strcmp(val, "rw");
    } else if (!strcmp(key, "cgroupfs")) {
      cfg.cgroupfs = !strcmp(val, "ro") ? 1 : 0;
    } else if (!strcmp(key, "file")) {
      strv_push(&cfg.files, field(&cur, end));
      strv_push(&cfg.files, field(&cur, end));
    } else if (!strcmp(key, "hostname")) {
      cfg.hostname = val;
    } else if (!strcmp(key, "loopback_up")) {
      cfg.loopback_up = 1;
    } else if (!strcmp(key, "readonly_root")) {
      cfg.readonly_root = 1;
    } else if (!strcmp(key, "cwd")) {
      cfg.cwd = val;
    } else if (!strcmp(key, "arg")) {
      strv_push(&cfg.args, val);
    } else if (!strcmp(key, "env")) {
      strv_push(&cfg.env, val);
    } else if (!strcmp(key, "uid")) {
      cfg.uid = (uid_t)strtoul(val, NULL, 10);
    } else if (!strcmp(key, "gid")) {
      cfg.gid = (gid_t)strtoul(val, NULL, 10);
    } else if (!strcmp(key, "group")) {
      cfg.groups = realloc(cfg.groups, (cfg.ngroups + 1) * sizeof *cfg.groups);
      if (!cfg.groups) fail("config", "out of memory");
      cfg.groups[cfg.ngroups++] = (gid_t)strtoul(val, NULL, 10);
    } else if (!strcmp(key, "cap_bounding")) {
      cfg.cap_bounding = hex64(val);
    } else if (!strcmp(key, "cap_effective")) {
      cfg.cap_effective = hex64(val);
    } else if (!strcmp(key, "cap_permitted")) {
      cfg.cap_permitted = hex64(val);
    } else if (!strcmp(key, "cap_inheritable")) {
      cfg.cap_inheritable = hex64(val);
    } else if (!strcmp(key, "cap_ambient")) {
      cfg.cap_ambient = hex64(val);
    } else if (!strcmp(key, "no_new_privs")) {
      cfg.no_new_privs = 1;
    } else if (!strcmp(key, "seccomp")) {
      if (vlen == 0 || vlen % sizeof(struct sock_filter) != 0) {
        errno = EINVAL;
        fail("config", "seccomp program of %zu bytes", vlen);
      }
      cfg.seccomp = xmalloc(vlen);
      memcpy(cfg.seccomp, val, vlen);
      cfg.seccomp_len = vlen / sizeof(struct sock_filter);
    } else if (!strcmp(key, "tty")) {
      unsigned r = 0, c = 0;
      sscanf(val, "%u %u", &r, &c);
      cfg.tty = 1;
      cfg.rows = (unsigned short)r;
      cfg.cols = (unsigned short)c;
    } else if (!strcmp(key, "init")) {
      cfg.init = 1;
    } /* unknown keys are ignored: newer TS, older helper */
  }
  errno = EPIPE;
  fail("config", "config ended before its end record");
}

/* ── mounts, every path resolved inside the container root ──────────────── */

static int open_in_root(const char *path, int flags, mode_t mode) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*path == '/') path++;
  if (*path == 0) path = ".";
  int fd;
  do fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

/* Creates the directories of PATH inside the root (and PATH itself: a dir, or a file when as_file). */
static void make_path(const char *stage, const char *path, int as_file) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) {
    errno = ENAMETOOLONG;
    fail(stage, "path too long: %s", path);
  }
  strcpy(buf, path);
  char *p = buf;
  while (*p == '/') p++;
  while (*p) {
    char *slash = strchr(p, '/');
    int last = !slash || slash[strspn(slash, "/")] == 0;
    if (slash) *slash = 0;
    if (last && as_file) {
      int fd = open_in_root(buf, O_CREAT | O_WRONLY, 0644);
      if (fd < 0 && errno != EISDIR) fail(stage, "cannot create %s", buf);
      if (fd >= 0) close(fd);
    } else {
      /* mkdirat on the parent resolved in root; the component itself resolved again next time */
      char *cut = strrchr(buf, '/');
      int parent;
      const char *name;
      if (cut) {
        *cut = 0;
        parent = open_in_root(buf, O_PATH | O_DIRECTORY, 0);
        *cut = '/';
        name = cut + 1;
      } else {
        parent = open_in_root(".", O_PATH | O_DIRECTORY, 0);
        name = buf;
      }
      if (parent < 0) fail(stage, "cannot open the parent of %s", buf);
      if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) fail(stage, "cannot create %s", buf);
      close(parent);
    }
    if (!slash) break;
    *slash = '/';
    p = slash + 1;
    while (*p == '/') p++;
  }
}

/* "/proc/self/fd/N" of an O_PATH fd of PATH inside the root (the mount target) */
static int target_fd(const char *stage, const char *path, char fdpath[64]) {
  int fd = open_in_root(path, O_PATH, 0);
  if (fd < 0) fail(stage, "cannot open %s in the container", path);
  snprintf(fdpath, 64, "/proc/self/fd/%d", fd);
  return fd;
}

static void mount_in(const char *stage, const char *src, const char *path, const char *fstype, unsigned long flags,
                      const char *data) {
  char fdpath[64];
  int fd = target_fd(stage, path, fdpath);
  if (mount(src, fdpath, fstype, flags, data) < 0) fail(stage, "mount %s (%s) on %s", src, fstype ? fstype : "bind", path);
  close(fd);
}

/* Bind-remounts PATH (inside the root) read-only, keeping its other flags. */
static void remount_ro(const char *stage, const char *path) {
  char fdpath[64];
  int fd = target_fd(stage, path, fdpath);
  struct statvfs sv;
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (fstatvfs(fd, &sv) == 0) {
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  }
  if (mount(NULL, fdpath, NULL, flags, NULL) < 0) fail(stage, "remount %s read-only", path);
  close(fd);
}

static int is_dir_in_root(const char *path) {
  int fd = open_in_root(path, O_PATH, 0);
  if (fd < 0) return -1;
  struct stat st;
  int r = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  close(fd);
  return r;
}

static void mount_rootfs(void) {
  if (!cfg.root_kind || !cfg.root_target || cfg.root_target[0] != '/') {
    errno = EINVAL;
    fail("rootfs", "no rootfs in the config");
  }
  if (!strcmp(cfg.root_kind, "overlay")) {
    if (cfg.root_base[0] && chdir(cfg.root_base) < 0) fail("rootfs", "chdir %s", cfg.root_base);
    if (mount("overlay", cfg.root_target, "overlay", 0, cfg.root_data) < 0)
      fail("rootfs", "mount overlay on %s", cfg.root_target);
  } else if (!strcmp(cfg.root_kind, "dir")) {
    if (mount(cfg.root_data, cfg.root_target, NULL, MS_BIND | MS_REC, NULL) < 0)
      fail("rootfs", "bind %s on %s", cfg.root_data, cfg.root_target);
  } else {
    errno = EINVAL;
    fail("rootfs", "unknown rootfs kind %s", cfg.root_kind);
  }
  root_fd = open(cfg.root_target, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail("rootfs", "open %s", cfg.root_target);
}

static void mount_proc_sys(void) {
  make_path("proc", "/proc", 0);
  mount_in("proc", "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  make_path("sys", "/sys", 0);
  mount_in("sys", "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (cfg.sysfs_rw ? 0 : MS_RDONLY), NULL);
}

/* /sys/fs/cgroup, read-only, as Docker shows it: a tmpfs with one mount per
 * hierarchy this process is in (cgroup v1 controllers, and cgroup2 — at
 * unified/ on a hybrid host, at the top on a pure v2 host). With the new
 * cgroup namespace each shows the container's cgroup as its root. */
static void mount_cgroupfs(void) {
  FILE *f = fopen("/proc/self/cgroup", "r"); /* still the host's /proc here */
  if (!f) fail("cgroupfs", "open /proc/self/cgroup");
  char line[512];
  int v1 = 0, v2 = 0;
  char names[32][128];
  int n = 0;
  while (fgets(line, sizeof line, f) && n < 32) {
    char *a = strchr(line, ':');
    char *b = a ? strchr(a + 1, ':') : NULL;
    if (!b) continue;
    *b = 0;
    const char *ctrl = a + 1;
    if (!*ctrl) {
      v2 = 1;
      continue;
    }
    v1 = 1;
    snprintf(names[n++], sizeof names[0], "%.127s", ctrl);
  }
  fclose(f);
  if (!v1 && !v2) return;
  if (v1) {
    mount_in("cgroupfs", "tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k");
    for (int i = 0; i < n; i++) {
      const char *ctrl = names[i];
      int named = !strncmp(ctrl, "name=", 5);
      char dir[192], opts[160];
      snprintf(dir, sizeof dir, "/sys/fs/cgroup/%.120s", named ? ctrl + 5 : ctrl);
      snprintf(opts, sizeof opts, "%s%.127s", named ? "none," : "", ctrl);
      make_path("cgroupfs", dir, 0);
      mount_in("cgroupfs", "cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts);
      /* cpu,cpuacct is also reachable as cpu and cpuacct */
      if (!named && strchr(ctrl, ',')) {
        char copy[128];
        snprintf(copy, sizeof copy, "%.127s", ctrl);
        char *save = NULL;
        int cg = open_in_root("/sys/fs/cgroup", O_PATH | O_DIRECTORY, 0);
        for (char *c = strtok_r(copy, ",", &save); c && cg >= 0; c = strtok_r(NULL, ",", &save))
          if (symlinkat(ctrl, cg, c) < 0 && errno != EEXIST) fail("cgroupfs", "symlink /sys/fs/cgroup/%s", c);
        if (cg >= 0) close(cg);
      }
    }
    if (v2) {
      make_path("cgroupfs", "/sys/fs/cgroup/unified", 0);
      mount_in("cgroupfs", "cgroup2", "/sys/fs/cgroup/unified", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL);
    }
    remount_ro("cgroupfs", "/sys/fs/cgroup");
  } else {
    mount_in("cgroupfs", "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL);
  }
}

static const struct {
  const char *name;
  unsigned maj, min;
} devices[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

static void mount_dev(void) {
  make_path("dev", "/dev", 0);
  mount_in("dev", "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  int dev = open_in_root("/dev", O_PATH | O_DIRECTORY, 0);
  if (dev < 0) fail("dev", "open /dev");
  mode_t old = umask(0);
  for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
    if (mknodat(dev, devices[i].name, S_IFCHR | 0666, makedev(devices[i].maj, devices[i].min)) < 0)
      fail("dev", "mknod /dev/%s", devices[i].name);
  }
  umask(old);
  static const char *links[][2] = {{"pts/ptmx", "ptmx"},         {"/proc/self/fd", "fd"},
                                   {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
                                   {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"}};
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat(links[i][0], dev, links[i][1]) < 0) fail("dev", "symlink /dev/%s", links[i][1]);
  for (const char *d = "pts\0shm\0mqueue\0"; *d; d += strlen(d) + 1)
    if (mkdirat(dev, d, 0755) < 0) fail("dev", "mkdir /dev/%s", d);
  close(dev);
  mount_in("dev", "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  mount_in("dev", "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
  mount_in("dev", "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void mask_paths(void) {
  for (size_t i = 0; i < cfg.masked.n; i++) {
    const char *p = cfg.masked.v[i];
    int dir = is_dir_in_root(p);
    if (dir < 0) continue; /* absent: nothing to mask */
    if (dir) {
      mount_in("mask", "tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
    } else {
      char src[64];
      int fd = target_fd("mask", "/dev/null", src);
      mount_in("mask", src, p, NULL, MS_BIND, NULL);
      close(fd);
    }
  }
  for (size_t i = 0; i < cfg.readonly.n; i++) {
    const char *p = cfg.readonly.v[i];
    if (is_dir_in_root(p) < 0) continue;
    char src[64];
    int fd = target_fd("readonly", p, src);
    if (mount(src, src, NULL, MS_BIND | MS_REC, NULL) < 0) fail("readonly", "bind %s on itself", p);
    close(fd);
    remount_ro("readonly", p);
  }
}

static void user_mounts(void) {
  for (size_t i = 0; i < cfg.nmounts; i++) {
    struct mountspec *m = &cfg.mounts[i];
    unsigned long flags = 0;
    char data[1024] = "";
    int ro = 0, rec = 0;
    char *opts = strdup(m->options), *save = NULL;
    for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
      if (!strcmp(o, "ro")) ro = 1;
      else if (!strcmp(o, "rw") || !strcmp(o, "bind")) continue;
      else if (!strcmp(o, "rbind")) rec = 1;
      else if (!strcmp(o, "nosuid")) flags |= MS_NOSUID;
      else if (!strcmp(o, "nodev")) flags |= MS_NODEV;
      else if (!strcmp(o, "noexec")) flags |= MS_NOEXEC;
      else {
        if (data[0]) strncat(data, ",", sizeof data - strlen(data) - 1);
        strncat(data, o, sizeof data - strlen(data) - 1);
      }
    }
    free(opts);
    if (!strcmp(m->type, "tmpfs")) {
      make_path("mount", m->dest, 0);
      mount_in("mount", "tmpfs", m->dest, "tmpfs", flags | (ro ? MS_RDONLY : 0), data[0] ? data : NULL);
    } else if (!strcmp(m->type, "bind")) {
      struct stat st;
      if (stat(m->source, &st) < 0) fail("mount", "bind source %s", m->source);
      make_path("mount", m->dest, !S_ISDIR(st.st_mode));
      mount_in("mount", m->source, m->dest, NULL, MS_BIND | (rec ? MS_REC : 0), NULL);
      if (ro || flags) {
        char fdpath[64];
        int fd = target_fd("mount", m->dest, fdpath);
        if (mount(NULL, fdpath, NULL, MS_BIND | MS_REMOUNT | flags | (ro ? MS_RDONLY : 0), NULL) < 0)
          fail("mount", "remount %s with %s", m->dest, m->options);
        close(fd);
      }
    } else {
      errno = EINVAL;
      fail("mount", "unknown mount type %s for %s", m->type, m->dest);
    }
  }
  for (size_t i = 0; i + 1 < cfg.files.n; i += 2) {
    const char *dest = cfg.files.v[i], *src = cfg.files.v[i + 1];
    make_path("file", dest, 1);
    mount_in("file", src, dest, NULL, MS_BIND, NULL);
  }
}

/* ── pty ────────────────────────────────────────────────────────────────── */

static int pty_master = -1, pty_slave = -1;

static void alloc_pty(int console) {
  int ptmx = open_in_root("/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0);
  if (ptmx < 0) fail("pty", "open /dev/pts/ptmx");
  int unlock = 0, n = -1;
  if (ioctl(ptmx, TIOCSPTLCK, &unlock) < 0 || ioctl(ptmx, TIOCGPTN, &n) < 0) fail("pty", "unlock the pty");
  char name[64];
  snprintf(name, sizeof name, "/dev/pts/%d", n);
  int slave = open_in_root(name, O_RDWR | O_NOCTTY, 0);
  if (slave < 0) fail("pty", "open %s", name);
  struct winsize ws = {.ws_row = cfg.rows, .ws_col = cfg.cols};
  if (ioctl(ptmx, TIOCSWINSZ, &ws) < 0) fail("pty", "set the window size");
  if (fchown(slave, cfg.uid, (gid_t)-1) < 0) fail("pty", "chown %s", name);
  if (console) {
    make_path("pty", "/dev/console", 1);
    char src[64];
    int fd = target_fd("pty", name, src);
    mount_in("pty", src, "/dev/console", NULL, MS_BIND, NULL);
    close(fd);
  }
  pty_master = ptmx;
  pty_slave = slave;
}

/* ── pivot_root ─────────────────────────────────────────────────────────── */

static void pivot(void) {
  if (fchdir(root_fd) < 0) fail("pivot_root", "chdir to the rootfs");
  /* the old root ends up stacked under the new one, then detached */
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root", "pivot_root %s", cfg.root_target);
  if (umount2(".", MNT_DETACH) < 0) fail("pivot_root", "detach the old root");
  if (chdir("/") < 0) fail("pivot_root", "chdir /");
  close(root_fd);
  root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail("pivot_root", "open /");
  if (cfg.readonly_root && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
    fail("readonly_root", "remount / read-only");
}

/* ── fds and working directory ──────────────────────────────────────────── */

static void close_fds(void) {
  int keep[5] = {report_fd, cfg.tty ? CONFIG_FD : -1, pty_master, pty_slave, root_fd};
  /* close everything above 2 except the fds in keep */
  unsigned lo = 3;
  for (;;) {
    int next = -1;
    for (int i = 0; i < 5; i++)
      if (keep[i] >= (int)lo && (next < 0 || keep[i] < next)) next = keep[i];
    unsigned hi = next < 0 ? ~0U : (unsigned)next - 1;
    if (hi >= lo && syscall(SYS_close_range, lo, hi, 0) < 0) fail("fds", "close_range %u..%u", lo, hi);
    if (next < 0) break;
    lo = (unsigned)next + 1;
  }
  if (cfg.tty) fcntl(CONFIG_FD, F_SETFD, FD_CLOEXEC);
}

static void enter_cwd(void) {
  const char *cwd = cfg.cwd ? cfg.cwd : "/";
  if (cwd[0] != '/') {
    errno = EINVAL;
    fail("cwd", "working directory %s is not absolute", cwd);
  }
  int fd = open_in_root(cwd, O_PATH | O_DIRECTORY, 0);
  if (fd < 0 && errno == ENOENT) {
    make_path("cwd", cwd, 0);
    fd = open_in_root(cwd, O_PATH | O_DIRECTORY, 0);
  }
  if (fd < 0) fail("cwd", "working directory %s", cwd);
  if (fchdir(fd) < 0) fail("cwd", "chdir %s", cwd);
  close(fd);
  /* CVE-2024-21626: the directory must be reachable from the container's root */
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof buf) || buf[0] != '/') {
    errno = EPERM;
    fail("cwd", "working directory %s is outside the container", cwd);
  }
  close(root_fd);
  root_fd = -1;
}

/* ── security: seccomp, user, capabilities ──────────────────────────────── */

static void load_seccomp(void) {
  if (!cfg.seccomp) return;
  struct sock_fprog prog = {.len = (unsigned short)cfg.seccomp_len, .filter = cfg.seccomp};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) fail("seccomp", "load the seccomp filter");
}

static void drop_bounding(void) {
  int last = 0;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
  if (!f || fscanf(f, "%d", &last) != 1) last = 40;
  if (f) fclose(f);
  for (int c = 0; c <= last && c < 64; c++) {
    if (cfg.cap_bounding & (1ULL << c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) fail("capabilities", "drop capability %d from the bounding set", c);
  }
}

static void switch_user(void) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail("user", "keep capabilities");
  if (setgroups(cfg.ngroups, cfg.groups) < 0) fail("user", "setgroups");
  if (setresgid(cfg.gid, cfg.gid, cfg.gid) < 0) fail("user", "setgid %u", (unsigned)cfg.gid);
  if (setresuid(cfg.uid, cfg.uid, cfg.uid) < 0) fail("user", "setuid %u", (unsigned)cfg.uid);
}

/* The capabilities boxinit holds itself (its permitted set): a container can
 * never get more, so the sets asked for are trimmed to it (as when the host
 * withholds e.g. CAP_SYS_RESOURCE; --privileged then means "all we have"). */
static uint64_t own_caps(void) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0) fail("capabilities", "capget");
  return (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
}

static void set_caps(uint64_t have) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  cfg.cap_effective &= have;
  cfg.cap_permitted &= have;
  cfg.cap_inheritable &= have;
  cfg.cap_ambient &= have;
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(cfg.cap_effective >> (32 * i));
    data[i].permitted = (uint32_t)(cfg.cap_permitted >> (32 * i));
    data[i].inheritable = (uint32_t)(cfg.cap_inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0) fail("capabilities", "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail("capabilities", "clear the ambient set");
  for (int c = 0; c < 64; c++)
    if ((cfg.cap_ambient & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      fail("capabilities", "raise ambient capability %d", c);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail("capabilities", "reset keepcaps");
}

/* ── exec ───────────────────────────────────────────────────────────────── */

static const char *env_path(void) {
  for (size_t i = 0; i < cfg.env.n; i++)
    if (!strncmp(cfg.env.v[i], "PATH=", 5)) return cfg.env.v[i] + 5;
  return DEFAULT_PATH;
}

/* execvp with the container's PATH and env; reports and exits 127/126 on failure */
static void __attribute__((noreturn)) exec_command(void) {
  char **argv = cfg.args.v;
  char *empty[] = {NULL};
  char **envp = cfg.env.v ? cfg.env.v : empty;
  if (!argv || !argv[0] || !argv[0][0]) {
    errno = ENOENT;
    fail_status(127, "exec", "exec: no command");
  }
  const char *name = argv[0];
  if (strchr(name, '/')) {
    execve(name, argv, envp);
    int e = errno;
    fail_status(e == ENOENT || e == ENOTDIR ? 127 : 126, "exec", "exec: %s: %s", name,
                e == ENOENT || e == ENOTDIR ? "not found" : strerror(e));
  }
  const char *path = env_path();
  int seen_eacces = 0, other = 0;
  char buf[PATH_MAX];
  for (const char *p = path;; p++) {
    const char *colon = strchrnul(p, ':');
    size_t dl = (size_t)(colon - p);
    if (dl == 0) snprintf(buf, sizeof buf, "%s", name);
    else snprintf(buf, sizeof buf, "%.*s/%s", (int)dl, p, name);
    execve(buf, argv, envp);
    if (errno == EACCES) seen_eacces = 1;
    else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP && errno != ENAMETOOLONG) other = errno;
    if (other) break;
    if (!*colon) break;
    p = colon;
  }
  if (other) {
    errno = other;
    fail_status(126, "exec", "exec: %s: %s", name, strerror(other));
  }
  if (seen_eacces) {
    errno = EACCES;
    fail_status(126, "exec", "exec: %s: permission denied", name);
  }
  errno = ENOENT;
  fail_status(127, "exec", "exec: %s: not found", name);
}

/* ── init / pty relay: boxinit stays PID 1, forks the command ───────────── */

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE};

static int status_of(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

static void relay(int from, int to, int *open_flag) {
  char buf[8192];
  ssize_t r = read(from, buf, sizeof buf);
  if (r <= 0) {
    if (r < 0 && errno == EINTR) return;
    *open_flag = 0;
    return;
  }
  write_all(to, buf, (size_t)r);
}

/* reads winsize records that follow the config (tty mode) */
static void read_winsize(int *open_flag) {
  char *val;
  size_t vlen;
  char *key = read_record(CONFIG_FD, &val, &vlen, 0); /* a broken stream just ends the resizes */
  if (!key) {
    *open_flag = 0;
    return;
  }
  unsigned r = 0, c = 0;
  if (!strcmp(key, "winsize") && sscanf(val, "%u %u", &r, &c) == 2) {
    struct winsize ws = {.ws_row = (unsigned short)r, .ws_col = (unsigned short)c};
    ioctl(pty_master, TIOCSWINSZ, &ws);
  }
  free(key);
}

static void __attribute__((noreturn)) supervise(void) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&set, forwarded[i]);
  if (sigprocmask(SIG_BLOCK, &set, &old) < 0) fail("fork", "block signals");
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) fail("fork", "signalfd");
  pid_t child = fork();
  if (child < 0) fail("fork", "fork the command");
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (cfg.tty) {
      if (setsid() < 0) fail("pty", "setsid");
      if (ioctl(pty_slave, TIOCSCTTY, 0) < 0) fail("pty", "set the controlling terminal");
      for (int fd = 0; fd < 3; fd++)
        if (dup2(pty_slave, fd) < 0) fail("pty", "dup2 the terminal");
      close(pty_slave);
      close(pty_master);
    }
    exec_command();
  }
  close(report_fd); /* the child keeps its copy until its exec */
  report_fd = -1;
  int stdin_open = cfg.tty, master_open = cfg.tty, ctl_open = cfg.tty;
  if (cfg.tty) close(pty_slave);
  int main_status = -1;
  for (;;) {
    struct pollfd p[4] = {{.fd = sfd, .events = POLLIN},
                          {.fd = master_open ? pty_master : -1, .events = POLLIN},
                          {.fd = stdin_open ? 0 : -1, .events = POLLIN},
                          {.fd = ctl_open ? CONFIG_FD : -1, .events = POLLIN}};
    if (main_status >= 0 && !master_open) break;
    int n = poll(p, 4, main_status >= 0 ? 100 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && main_status >= 0) break; /* child gone and pty quiet */
    if (p[1].revents) relay(pty_master, 1, &master_open);
    if (p[2].revents) relay(0, pty_master, &stdin_open);
    if (p[3].revents) read_winsize(&ctl_open);
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) != sizeof si) continue;
      if (si.ssi_signo != SIGCHLD) {
        if (main_status < 0) kill(child, (int)si.ssi_signo);
        continue;
      }
      int st;
      pid_t w;
      while ((w = waitpid(-1, &st, WNOHANG)) > 0)
        if (w == child) main_status = status_of(st);
    }
  }
  _exit(main_status);
}

/* Non-dumpable, then runc's order: seccomp first when there is no
 * no_new_privs (loading it needs CAP_SYS_ADMIN then), bounding set, user,
 * capability sets, no_new_privs and seccomp; then exec (or supervise). */
static void __attribute__((noreturn)) secure_and_run(void) {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail("dumpable", "make the process non-dumpable");
  if (!cfg.no_new_privs) load_seccomp();
  uint64_t have = own_caps();
  drop_bounding();
  switch_user();
  set_caps(have);
  if (cfg.no_new_privs) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no_new_privs", "set no_new_privs");
    load_seccomp();
  }
  if (cfg.init || cfg.tty) supervise();
  exec_command();
}

/* ── main ───────────────────────────────────────────────────────────────── */

static int stage1(int argc, char **argv) {
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--"); i++) {
    if (!strcmp(argv[i], "--join-cgroup") && i + 1 < argc) {
      const char *file = argv[++i];
      int fd = open(file, O_WRONLY | O_CLOEXEC);
      char pid[32];
      int n = snprintf(pid, sizeof pid, "%d\n", getpid());
      if (fd < 0 || write(fd, pid, (size_t)n) != n) fail("cgroup", "join %s", file);
      close(fd);
    } else {
      errno = EINVAL;
      fail("usage", "unknown argument %s", argv[i]);
    }
  }
  if (i + 1 >= argc) {
    errno = EINVAL;
    fail("usage", "nothing to exec after --");
  }
  execvp(argv[i + 1], argv + i + 1);
  fail("unshare", "exec %s", argv[i + 1]);
}

/* Outside the new pid namespace (unshare does not fork): fork PID 1, then
 * stay as its parent: forward signals to it, and exit with its status
 * (128+n when a signal killed it). Returns in the child. */
static void parent_of_pid1(void) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&set, forwarded[i]);
  if (sigprocmask(SIG_BLOCK, &set, &old) < 0) fail("fork", "block signals");
  if (chdir("/") < 0) fail("fork", "chdir /");
  /* PID 1 cannot getppid() its parent (outside its pid namespace: 0), so the
   * parent holds the write end of this pipe for its whole life: a hang-up
   * after PR_SET_PDEATHSIG means the parent died before the setting took */
  int life[2];
  if (pipe2(life, O_CLOEXEC) < 0) fail("fork", "pipe");
  pid_t child = fork();
  if (child < 0) fail("fork", "fork PID 1");
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(life[1]);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) fail("fork", "set the parent-death signal");
    struct pollfd hup = {.fd = life[0], .events = POLLIN};
    if (poll(&hup, 1, 0) != 0) _exit(FAILED_STATUS); /* parent already gone (or a broken pipe) */
    close(life[0]);
    /* visible in the container's /proc from now on: not ptrace-able, no /proc/PID/mem or fd access */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail("dumpable", "make the process non-dumpable");
    return;
  }
  char line[96];
  int len = snprintf(line, sizeof line, "{\"event\":\"pid\",\"pid\":%d}\n", (int)child);
  write_all(report_fd, line, (size_t)len);
  /* keep nothing of the container: its config, report and stdio belong to PID 1
   * (only the write end of the life pipe stays, for as long as this process lives) */
  close(life[0]);
  if (life[1] > 3) syscall(SYS_close_range, 3U, (unsigned)life[1] - 1U, 0);
  syscall(SYS_close_range, (unsigned)life[1] + 1U, ~0U, 0);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    for (int fd = 0; fd < 3; fd++) dup2(null, fd);
    if (null > 2) close(null);
  }
  for (;;) {
    siginfo_t si;
    if (sigwaitinfo(&set, &si) < 0) continue;
    if (si.si_signo != SIGCHLD) {
      kill(child, si.si_signo);
      continue;
    }
    int st;
    pid_t w = waitpid(child, &st, WNOHANG);
    if (w == child) _exit(status_of(st));
  }
}

/* CVE-2019-5736: a process left inside the container (PID 1 with --init or
 * -t, the -t supervisor of an exec) must not expose the host's boxinit binary
 * through /proc/PID/exe. So stage 2 and exec run from a sealed in-memory copy
 * of it (runc's cloned_binary idea): copy /proc/self/exe into a memfd, seal
 * it read-only, and re-exec from it. A sealed /proc/self/exe means: done. */
static void run_from_sealed_copy(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) fail("clone_binary", "open /proc/self/exe");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE)) {
    close(self);
    return;
  }
  struct stat st;
  if (fstat(self, &st) < 0) fail("clone_binary", "stat /proc/self/exe");
  int mfd = memfd_create("boxinit", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) fail("clone_binary", "memfd_create");
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("clone_binary", "copy /proc/self/exe");
  }
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) fail("clone_binary", "seal the copy");
  extern char **environ;
  fexecve(mfd, argv, environ);
  fail("clone_binary", "exec the sealed copy");
}

/* Stage 2's parent is tsbuild (stage 1, nsenter and unshare exec on in the
 * same pid): when tsbuild dies, even by SIGKILL, this process gets SIGKILL,
 * and PID 1 follows it (its own parent-death signal), so the container never
 * outlives tsbuild. If tsbuild died before the setting took, this process was
 * re-parented already: a changed parent, or a report pipe nobody reads any
 * more, means exit. The setting survives the exec of the sealed copy (same
 * credentials, no set-uid), which sets it again on its way through. */
static void die_with_parent(void) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) fail("parent_death", "set the parent-death signal");
  struct pollfd reader = {.fd = report_fd, .events = 0};
  if (getppid() != parent || (report_fd >= 0 && poll(&reader, 1, 0) > 0 && (reader.revents & POLLERR))) {
    dprintf(2, "boxinit: parent_death: tsbuild is gone, not starting the container\n");
    _exit(FAILED_STATUS);
  }
}

/* `--exec`: a new process in a running container (namespaces joined by nsenter --no-fork) */
static void __attribute__((noreturn)) exec_into(int argc, char **argv) {
  /* nsenter joined every namespace but the mount namespace, which would hide
   * this very binary from it; join that one here (root and cwd become the
   * container's root) */
  if (argc >= 4 && !strcmp(argv[2], "--mount-ns")) {
    int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) fail("setns", "join the mount namespace %s", argv[3]);
    close(fd);
  }
  parent_of_pid1(); /* the child continues, inside the container's pid namespace */
  fcntl(CONFIG_FD, F_SETFD, FD_CLOEXEC);
  read_config();
  root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC); /* setns(mnt) made the container root ours */
  if (root_fd < 0) fail("exec_root", "open /");
  if (cfg.tty) alloc_pty(0);
  else if (setsid() < 0) fail("setsid", "setsid");
  close_fds();
  enter_cwd();
  secure_and_run();
}

/* --network none: bring up `lo` in the fresh network namespace (what `ip link
 * set lo up` would do, without launching a process) */
static void loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("loopback", "socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) fail("loopback", "SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) fail("loopback", "SIOCSIFFLAGS lo");
  close(fd);
}

int main(int argc, char **argv) {
  if (fcntl(REPORT_FD, F_GETFD) >= 0) report_fd = REPORT_FD;
  if (argc < 2) {
    dprintf(2, "usage: boxinit --join-cgroup FILE... -- unshare ... -- boxinit --stage2\n"
               "       boxinit --join-cgroup FILE... -- nsenter ... --no-fork -- boxinit --exec --mount-ns FILE\n"
               "(started by tsbuild; see src/runtime/boxinit-protocol.ts)\n");
    return 2;
  }
  int stage2 = !strcmp(argv[1], "--stage2"), exec_mode = !strcmp(argv[1], "--exec");
  /* stage 1 hands fds 3 and 4 on through unshare/nsenter; the later stages close them on exec */
  if (!stage2 && !exec_mode) return stage1(argc, argv);
  if (stage2) die_with_parent();
  run_from_sealed_copy(argv);
  if (report_fd >= 0) fcntl(report_fd, F_SETFD, FD_CLOEXEC);
  if (exec_mode) exec_into(argc, argv);
  if (getpid() != 1) parent_of_pid1();
  if (getpid() != 1) {
    errno = EINVAL;
    fail("usage", "stage 2 must run in a new pid namespace (unshare --pid)");
  }
  fcntl(CONFIG_FD, F_SETFD, FD_CLOEXEC);
  read_config();

  mount_rootfs();
  mount_proc_sys();
  if (cfg.cgroupfs) mount_cgroupfs();
  mount_dev();
  mask_paths();
  user_mounts();
  if (cfg.tty) alloc_pty(1);
  pivot();
  if (cfg.hostname && sethostname(cfg.hostname, strlen(cfg.hostname)) < 0) fail("hostname", "sethostname %s", cfg.hostname);
  if (cfg.loopback_up) loopback_up();
  if (!cfg.tty && setsid() < 0) fail("setsid", "setsid");
  close_fds();
  enter_cwd();
  secure_and_run();
}
