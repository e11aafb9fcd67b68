// A container's cgroup as plain data: kept in the container's state and in
// the host-wide record, so any later tsbuild process (stats, pause, reclaim)
// can reopen it.

export interface CgroupHandle {
  version: 1 | 2;
  /**
   * v1: controller → the container's dir in that controller's hierarchy
   * (co-mounted controllers share a dir); v2: { unified: dir }
   */
  dirs: Record<string, string>;
  /** the parent dirs tsbuild created or shares (removed when empty), innermost last, per hierarchy */
  parents: string[][];
}

export function uniqueDirs(h: CgroupHandle): string[] {
  return [...new Set(Object.values(h.dirs))];
}

/** the cgroup.procs files boxinit joins before the cgroup namespace is made */
export function procsFiles(h: CgroupHandle): string[] {
  return uniqueDirs(h).map((d) => `${d}/cgroup.procs`);
}
