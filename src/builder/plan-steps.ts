// Planning of the filesystem steps: RUN (argv, env, mounts, network) and
// COPY/ADD (sources, destination, flags), each with the inputs that go into
// its cache key. Pure.
import path from 'node:path';
import type { SourceRange } from '../errors.js';
import type { ContainerConfig } from '../image/config.js';
import type { AddInstruction, CopyInstruction, Heredoc, Mount, RunInstruction } from '../parser/instructions.js';
import type { CopyOp, HeredocFile, PlannedMount, RunOp, SourceRef } from './plan-types.js';
import { parseGitSource } from './git-source.js';
import { isSymbolicMode } from './steps/chmod.js';
import { commandArgs, defaultShell, resolveWorkdir } from './plan-meta.js';
import { boxfileError, defaultPath, envMap, expand, proxyArgs, setEnv, type ExpandContext } from './plan-scope.js';

export interface StepEnv {
  config: ContainerConfig;
  /** ARGs in scope with their values (declared in the stage, or proxy build args) */
  args: ReadonlyMap<string, string>;
  /** args ∪ env, what words are expanded with */
  words: ReadonlyMap<string, string>;
  cx: ExpandContext;
  network: 'default' | 'none' | 'host';
  /** resolves a `from=` / `--from` value to a source */
  source: (name: string, range: RunInstruction['range']) => SourceRef;
}

/** `<<-`: leading tabs off every line (BuildKit's ChompHeredocContent); here so the planner does not load the parser's lexer */
function chompHeredoc(content: string): string {
  return content.replace(/^\t+/gm, '');
}

function heredocBody(h: Heredoc, words: ReadonlyMap<string, string>, cx: ExpandContext, expandIt: boolean): string {
  const body = h.chomp ? chompHeredoc(h.content) : h.content;
  return expandIt && h.expand ? expand(body, words, cx, h.bodyRange) : body;
}

function octal(text: string | undefined, fallback: number, range: RunInstruction['range'], what: string): number {
  if (text === undefined || text === '') return fallback;
  if (!/^[0-7]{1,4}$/.test(text)) throw boxfileError('BAD_MODE', range, `${what}: invalid mode '${text}' (octal, e.g. 0755)`);
  return parseInt(text, 8);
}

function int(text: string | undefined, range: RunInstruction['range'], what: string): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d+$/.test(text)) throw boxfileError('BAD_ID', range, `${what}: '${text}' is not a number`);
  return Number(text);
}

function size(text: string | undefined, range: RunInstruction['range']): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)([kmg]?)b?$/i.exec(text);
  if (!m) throw boxfileError('BAD_SIZE', range, `tmpfs: invalid size '${text}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

function planMount(m: Mount, se: StepEnv, workdir: string): PlannedMount {
  const ex = (w: string | undefined): string | undefined => (w === undefined ? undefined : expand(w, se.words, se.cx, m.range));
  const target = (t: string | undefined): string => resolveWorkdir(workdir, ex(t) ?? '');
  switch (m.type) {
    case 'bind': {
      const from = m.from !== undefined ? se.source(ex(m.from) as string, m.range) : ({ kind: 'context' } as const);
      return { type: 'bind', target: target(m.target), source: ex(m.source) ?? '', from, readonly: m.readonly };
    }
    case 'cache': {
      const t = target(m.target);
      const out: PlannedMount = {
        type: 'cache',
        target: t,
        id: ex(m.id) ?? t,
        sharing: m.sharing,
        readonly: m.readonly,
        mode: octal(ex(m.mode), 0o755, m.range, 'cache mount'),
        uid: int(ex(m.uid), m.range, 'cache mount uid'),
        gid: int(ex(m.gid), m.range, 'cache mount gid'),
      };
      if (m.from !== undefined) {
        out.from = se.source(ex(m.from) as string, m.range);
        out.source = ex(m.source) ?? '';
      }
      return out;
    }
    case 'tmpfs': {
      const out: PlannedMount = { type: 'tmpfs', target: target(m.target) };
      const sz = size(ex(m.size), m.range);
      if (sz !== undefined) out.size = sz;
      return out;
    }
    case 'secret': {
      const t = ex(m.target);
      const id = ex(m.id) ?? (t ? path.posix.basename(t) : undefined);
      if (!id) throw boxfileError('BAD_MOUNT', m.range, 'secret mount needs an id or a target');
      const envName = ex(m.env);
      const out: PlannedMount = {
        type: 'secret',
        id,
        required: m.required,
        mode: octal(ex(m.mode), 0o400, m.range, 'secret mount'),
        uid: int(ex(m.uid), m.range, 'secret mount uid'),
        gid: int(ex(m.gid), m.range, 'secret mount gid'),
      };
      if (envName !== undefined) out.env = envName;
      if (t !== undefined || envName === undefined) out.target = t !== undefined ? resolveWorkdir(workdir, t) : `/run/secrets/${id}`;
      return out;
    }
    case 'ssh':
      throw boxfileError('UNSUPPORTED', m.range, 'RUN --mount=type=ssh is not supported by tsbuild (no SSH agent forwarding)');
  }
}

/** The RUN step's op, and what of it goes into the cache key (no proxy ARGs, no secret values). */
export function planRun(ins: RunInstruction, se: StepEnv): { op: RunOp; keyInput: unknown } {
  const c = se.config;
  let argv: string[];
  let scriptFile: RunOp['scriptFile'];
  const cmd = ins.command;
  if (cmd.form === 'shell' && ins.heredocs.length > 0) {
    const only = ins.heredocs.length === 1 && /^<<-?\s*(["']?)[^\s"']+\1$/.test(cmd.text.trim()) ? ins.heredocs[0] : undefined;
    if (only) {
      const body = heredocBody(only, se.words, se.cx, false);
      if (body.startsWith('#!')) {
        scriptFile = { path: `/dev/pipes/${only.name}`, content: body };
        argv = [scriptFile.path];
      } else argv = [...defaultShell(c), body];
    } else {
      let script = cmd.text;
      for (const h of ins.heredocs) script += `\n${heredocBody(h, se.words, se.cx, false)}${h.name}`;
      argv = [...defaultShell(c), script];
    }
  } else argv = commandArgs(cmd, c);

  // the image's env; then every ARG not shadowed by an ENV of the same name
  let env = [...(c.Env ?? [])];
  const image = envMap(env);
  if (!image.has('PATH')) env = setEnv(env, 'PATH', defaultPath);
  const argEnv: [string, string][] = [];
  for (const [k, v] of se.args) if (!image.has(k)) argEnv.push([k, v]);
  for (const [k, v] of argEnv) env.push(`${k}=${v}`);
  const keyEnv = env.filter((e) => !proxyArgs.has(e.slice(0, e.indexOf('='))) || image.has(e.slice(0, e.indexOf('='))));

  const workdir = c.WorkingDir || '/';
  const mounts = ins.mounts.map((m) => planMount(m, se, workdir));
  const network = ins.network?.value ?? se.network;
  const op: RunOp = { type: 'run', argv, env, user: c.User ?? '', workdir, mounts, network };
  if (scriptFile) op.scriptFile = scriptFile;
  const keyMounts = mounts.map((m) => (m.type === 'secret' ? { type: 'secret', id: m.id, target: m.target ?? '', env: m.env ?? '', required: m.required, mode: m.mode, uid: m.uid, gid: m.gid } : m));
  const keyInput = ['run', argv, keyEnv, op.user, workdir, keyMounts, network, scriptFile?.content ?? ''];
  return { op, keyInput };
}

const urlRe = /^https?:\/\//i;

/**
 * --chown with --link: the layer is built without the image below it, so
 * there is no /etc/passwd to look names up in. As BuildKit does, only
 * numeric ids (and `root`, which is 0 everywhere) are accepted; the error
 * says so at planning time instead of failing the step.
 */
function linkChown(spec: string, range: SourceRange, kw: string): string {
  const parts = spec.split(':', 2).map((p) => (p === 'root' ? '0' : p));
  const bad = parts.find((p) => p !== '' && !/^\d+$/.test(p));
  if (bad !== undefined) {
    throw boxfileError('LINK_CHOWN_NAME', range, `${kw} --link --chown=${spec}: names cannot be looked up with --link (the layer is built apart from the image below it, without its /etc/passwd); use numeric ids, e.g. --chown=1000:1000`);
  }
  return parts.join(':');
}

/** The COPY/ADD op (sources expanded, destination resolved); the caller adds the file selection to the key. */
export function planCopy(ins: CopyInstruction | AddInstruction, se: StepEnv): CopyOp {
  const ex = (w: string, r = ins.range): string => expand(w, se.words, se.cx, r);
  const add = ins.kind === 'add';
  const heredocNames = new Map(ins.heredocs.map((h) => [h.name, h]));
  const heredocs: HeredocFile[] = [];
  const sources: string[] = [];
  const urls: CopyOp['urls'] = [];
  const gits: NonNullable<CopyOp['gits']> = [];
  const checksum = add && (ins as AddInstruction).checksum ? ex((ins as AddInstruction).checksum!.value) : undefined;
  for (const w of ins.sources) {
    const hm = /^<<-?(["']?)([^"']+)\1$/.exec(w.text);
    const h = hm ? heredocNames.get(hm[2] as string) : undefined;
    if (h) {
      heredocs.push({ name: h.name, content: heredocBody(h, se.words, se.cx, true), mode: 0o644 });
      continue;
    }
    const s = ex(w.text, w.range);
    const git = add ? parseGitSource(s) : undefined;
    if (git) {
      gits.push({ ...git, keepGitDir: (ins as AddInstruction).keepGitDir });
      continue;
    }
    if (add && urlRe.test(s)) {
      urls.push(checksum !== undefined ? { url: s, checksum } : { url: s });
      continue;
    }
    if (!add && urlRe.test(s)) throw boxfileError('COPY_URL', w.range, 'COPY does not take URLs; use ADD');
    sources.push(s);
  }
  if (checksum !== undefined && !/^sha256:[a-f0-9]{64}$/.test(checksum)) {
    throw boxfileError('BAD_CHECKSUM', ins.range, `ADD --checksum: want sha256:<64 hex digits>, got '${checksum}'`);
  }
  const rawDest = ex(ins.dest.text, ins.dest.range);
  const count = sources.length + urls.length + heredocs.length + gits.length;
  const trailing = rawDest.endsWith('/') || rawDest.endsWith('/.') || rawDest === '.';
  const workdir = se.config.WorkingDir || '/';
  const dest = resolveWorkdir(workdir, rawDest);
  // several sources need a folder destination written with a trailing slash (as Docker says)
  const hasGlobSource = sources.some((s) => /[*?[]/.test(s));
  if (count > 1 && !trailing) {
    throw boxfileError('COPY_DEST', ins.dest.range, `When using ${ins.keyword.toUpperCase()} with more than one source file, the destination must be a directory and end with a /`);
  }
  let chmod: number | string | undefined;
  if (ins.chmod) {
    const t = ex(ins.chmod.value, ins.chmod.range);
    if (/^[0-7]{3,4}$/.test(t)) chmod = parseInt(t, 8);
    else if (isSymbolicMode(t)) chmod = t;
    else throw boxfileError('BAD_CHMOD', ins.chmod.range, `--chmod: '${t}' is neither an octal mode (0755) nor a symbolic one (u+x,go-w)`);
  }
  const op: CopyOp = {
    type: 'copy',
    add,
    from: ins.from ? se.source(ex(ins.from.value, ins.from.range), ins.from.range) : { kind: 'context' },
    sources,
    urls,
    heredocs,
    dest,
    // a repository always lands in a folder
    destIsDir: trailing || count > 1 || (hasGlobSource && trailing) || gits.length > 0,
    link: ins.link,
    parents: ins.parents,
    excludes: ins.exclude.map((e) => ex(e.value, e.range)),
    workdir,
  };
  if (gits.length > 0) op.gits = gits;
  if (ins.chown) {
    op.chown = ex(ins.chown.value, ins.chown.range);
    if (ins.link) op.chown = linkChown(op.chown, ins.chown.range, ins.keyword.toUpperCase());
  }
  if (chmod !== undefined) op.chmod = chmod;
  return op;
}
