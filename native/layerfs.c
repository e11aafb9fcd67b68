/*
 * layerfs: the file-system calls Node has no API for, batched so that a whole
 * layer costs one process, not one per file.
 *
 *   layerfs getxattrs
 *     stdin:  NUL-terminated paths
 *     stdout: one line per extended attribute: "INDEX HEXNAME HEXVALUE\n"
 *             (INDEX is the 0-based position of the path on stdin).
 *             Paths whose file system has no xattr support print nothing.
 *
 *   layerfs xattrs-tree ROOT
 *     walks ROOT (not following symlinks, ROOT itself left out) and prints
 *     "HEXRELPATH HEXNAME HEXVALUE\n" for every xattr found: one process and
 *     no stdin traffic for a whole tree; most files print nothing.
 *
 *   layerfs apply
 *     stdin:  one operation per line, fields separated by single spaces:
 *       "N HEXPATH MODE MAJOR MINOR UID GID MTIME"  mknod (MODE in octal,
 *             with the S_IF* type bits), then lchown (UID -1 = skip) and the
 *             mtime (seconds; atime = mtime), all without following symlinks
 *       "X HEXPATH HEXNAME HEXVALUE"                lsetxattr
 *     The first failure prints "layerfs: OP PATH: strerror" on stderr and
 *     exits 1; nothing after it is done.
 *
 * Hex keeps binary names, values and paths (newlines, spaces) intact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

static void hexout(FILE *out, const unsigned char *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    putc(digits[p[i] >> 4], out);
    putc(digits[p[i] & 15], out);
  }
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* decodes hex in place; returns the byte length or -1 */
static ssize_t unhex(char *s) {
  size_t n = strlen(s);
  if (n % 2) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    s[i] = (char)(hi << 4 | lo);
  }
  s[n / 2] = 0;
  return (ssize_t)(n / 2);
}

/* sizes the buffer first: one syscall for the common file without xattrs */
static ssize_t list_names(const char *path, char **buf, size_t *cap) {
  for (;;) {
    ssize_t want = llistxattr(path, NULL, 0);
    if (want <= 0) return want;
    if ((size_t)want > *cap) {
      *cap = (size_t)want + 256;
      *buf = realloc(*buf, *cap);
      if (!*buf) { perror("layerfs"); exit(1); }
    }
    ssize_t n = llistxattr(path, *buf, *cap);
    if (n >= 0 || errno != ERANGE) return n;
  }
}

static ssize_t get_value(const char *path, const char *name, unsigned char **buf, size_t *cap) {
  for (;;) {
    ssize_t want = lgetxattr(path, name, NULL, 0);
    if (want <= 0) return want;
    if ((size_t)want > *cap) {
      *cap = (size_t)want + 256;
      *buf = realloc(*buf, *cap);
      if (!*buf) { perror("layerfs"); exit(1); }
    }
    ssize_t n = lgetxattr(path, name, *buf, *cap);
    if (n >= 0 || errno != ERANGE) return n;
  }
}

static int getxattrs(void) {
  char *path = NULL, *names = NULL;
  unsigned char *value = NULL;
  size_t cap = 0, names_cap = 0, value_cap = 0;
  long index = -1;
  ssize_t len;
  while ((len = getdelim(&path, &cap, '\0', stdin)) > 0) {
    index++;
    if (path[len - 1] != '\0') break; /* unterminated last path */
    ssize_t n = list_names(path, &names, &names_cap);
    if (n < 0) {
      if (errno == ENOTSUP) continue;
      fprintf(stderr, "layerfs: llistxattr %s: %s\n", path, strerror(errno));
      return 1;
    }
    for (char *name = names; n > 0 && name < names + n; name += strlen(name) + 1) {
      ssize_t v = get_value(path, name, &value, &value_cap);
      if (v < 0) {
        if (errno == ENODATA) continue; /* removed meanwhile */
        fprintf(stderr, "layerfs: lgetxattr %s %s: %s\n", path, name, strerror(errno));
        return 1;
      }
      fprintf(stdout, "%ld ", index);
      hexout(stdout, (const unsigned char *)name, strlen(name));
      putc(' ', stdout);
      hexout(stdout, value, (size_t)v);
      putc('\n', stdout);
    }
  }
  if (fflush(stdout) != 0) { perror("layerfs: stdout"); return 1; }
  return 0;
}

static char *t_names;
static unsigned char *t_value;
static size_t t_names_cap, t_value_cap, t_root_len;
static int t_status;

static int tree_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  if (ftw->level == 0) return 0;
  ssize_t n = list_names(path, &t_names, &t_names_cap);
  if (n < 0) {
    if (errno == ENOTSUP || errno == ENOENT) return 0;
    fprintf(stderr, "layerfs: llistxattr %s: %s\n", path, strerror(errno));
    t_status = 1;
    return 1;
  }
  const char *rel = path + t_root_len;
  while (*rel == '/') rel++;
  for (char *name = t_names; n > 0 && name < t_names + n; name += strlen(name) + 1) {
    ssize_t v = get_value(path, name, &t_value, &t_value_cap);
    if (v < 0) {
      if (errno == ENODATA) continue;
      fprintf(stderr, "layerfs: lgetxattr %s %s: %s\n", path, name, strerror(errno));
      t_status = 1;
      return 1;
    }
    hexout(stdout, (const unsigned char *)rel, strlen(rel));
    putc(' ', stdout);
    hexout(stdout, (const unsigned char *)name, strlen(name));
    putc(' ', stdout);
    hexout(stdout, t_value, (size_t)v);
    putc('\n', stdout);
  }
  return 0;
}

static int xattrs_tree(const char *root) {
  t_root_len = strlen(root);
  if (nftw(root, tree_visit, 64, FTW_PHYS) != 0 && t_status == 0) {
    fprintf(stderr, "layerfs: walk %s: %s\n", root, strerror(errno));
    return 1;
  }
  if (fflush(stdout) != 0) { perror("layerfs: stdout"); return 1; }
  return t_status;
}

static int fail(const char *op, const char *path) {
  fprintf(stderr, "layerfs: %s %s: %s\n", op, path, strerror(errno));
  return 1;
}

static int apply(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    if (line[len - 1] == '\n') line[--len] = 0;
    if (len == 0) continue;
    char *save = NULL;
    char *op = strtok_r(line, " ", &save);
    char *path = strtok_r(NULL, " ", &save);
    if (!op || !path || unhex(path) < 0) { fprintf(stderr, "layerfs: bad line\n"); return 2; }
    if (strcmp(op, "N") == 0) {
      char *f[6];
      for (int i = 0; i < 6; i++) {
        f[i] = strtok_r(NULL, " ", &save);
        if (!f[i]) { fprintf(stderr, "layerfs: bad N line for %s\n", path); return 2; }
      }
      mode_t mode = (mode_t)strtoul(f[0], NULL, 8);
      dev_t dev = makedev(strtoul(f[1], NULL, 10), strtoul(f[2], NULL, 10));
      long uid = strtol(f[3], NULL, 10), gid = strtol(f[4], NULL, 10);
      long long mtime = strtoll(f[5], NULL, 10);
      if (mknod(path, mode, dev) != 0) return fail("mknod", path);
      if (uid >= 0 && lchown(path, (uid_t)uid, (gid_t)gid) != 0) return fail("lchown", path);
      /* mknod applied the umask and chown may clear set-id bits */
      if (fchmodat(AT_FDCWD, path, mode & 07777, 0) != 0) return fail("chmod", path);
      struct timespec ts[2] = {{.tv_sec = mtime, .tv_nsec = 0}, {.tv_sec = mtime, .tv_nsec = 0}};
      if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) return fail("utimensat", path);
    } else if (strcmp(op, "X") == 0) {
      char *name = strtok_r(NULL, " ", &save);
      char *value = strtok_r(NULL, " ", &save);
      static char empty[1];
      if (!value) value = empty; /* empty value: strtok skips the empty field */
      ssize_t vlen;
      if (!name || unhex(name) < 0 || (vlen = unhex(value)) < 0) {
        fprintf(stderr, "layerfs: bad X line for %s\n", path);
        return 2;
      }
      if (lsetxattr(path, name, value, (size_t)vlen, 0) != 0) {
        fprintf(stderr, "layerfs: lsetxattr %s %s: %s\n", path, name, strerror(errno));
        return 1;
      }
    } else {
      fprintf(stderr, "layerfs: unknown operation %s\n", op);
      return 2;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "getxattrs") == 0) return getxattrs();
  if (argc == 2 && strcmp(argv[1], "apply") == 0) return apply();
  if (argc == 3 && strcmp(argv[1], "xattrs-tree") == 0) return xattrs_tree(argv[2]);
  fprintf(stderr, "usage: layerfs getxattrs|xattrs-tree ROOT|apply (see native/layerfs.c)\n");
  return 2;
}
