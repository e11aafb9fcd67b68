// `import --change`: the few Dockerfile instructions `docker import` accepts
// (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL),
// parsed here by a small local parser and applied to a container config.
// Pure functions, no I/O.
import { TsbuildError } from '../errors.js';
import type { ContainerConfig } from './config.js';

function changeError(change: string, why: string): TsbuildError {
  return new TsbuildError('usage', 'BAD_CHANGE', `--change '${change}': ${why}`);
}

/** JSON form (`["a","b"]`) when it is a JSON array of strings, else undefined. */
function jsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: shell form
  }
  return undefined;
}

/** Splits words with Dockerfile-ish quoting: "…", '…' and backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "'") {
      inWord = true;
      const end = text.indexOf(ch, i + 1);
      if (end === -1) throw new Error("unterminated ' quote");
      cur += text.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && /["\\$]/.test(text[j + 1] as string)) j++;
        cur += text[j];
      }
      if (j >= text.length) throw new Error('unterminated " quote');
      i = j;
    } else if (ch === '\\' && i + 1 < text.length) {
      inWord = true;
      cur += text[++i];
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      inWord = true;
      cur += ch;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `k=v k2="v 2"` pairs, or the legacy `ENV k value with spaces` form. */
function keyValues(change: string, instr: string, rest: string): [string, string][] {
  let words: string[];
  try {
    words = splitWords(rest);
  } catch (err) {
    throw changeError(change, (err as Error).message);
  }
  if (words.length === 0) throw changeError(change, `${instr} needs at least one argument`);
  if (!(words[0] as string).includes('=')) {
    const [key, ...value] = rest.trim().split(/\s+/);
    if (value.length === 0) throw changeError(change, `${instr} needs a value for '${key}'`);
    return [[key as string, rest.trim().slice((key as string).length).trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw changeError(change, `${instr} expects key=value, got '${w}'`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function commandForm(rest: string): string[] {
  return jsonArray(rest) ?? ['/bin/sh', '-c', rest.trim()];
}

/** Applies one change line to a copy of `cfg` and returns it. */
export function applyChange(cfg: ContainerConfig, change: string): ContainerConfig {
  const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(change);
  if (!m) throw changeError(change, 'expected INSTRUCTION ARGUMENTS');
  const instr = (m[1] as string).toUpperCase();
  const rest = (m[2] ?? '').trim();
  const out: ContainerConfig = { ...cfg };
  if (rest === '' && instr !== 'CMD' && instr !== 'ENTRYPOINT') throw changeError(change, `${instr} needs an argument`);
  switch (instr) {
    case 'CMD':
      out.Cmd = rest === '' ? null : commandForm(rest);
      break;
    case 'ENTRYPOINT':
      out.Entrypoint = rest === '' ? null : commandForm(rest);
      break;
    case 'ENV': {
      const env = [...(out.Env ?? [])];
      for (const [k, v] of keyValues(change, instr, rest)) {
        const i = env.findIndex((e) => e.split('=', 1)[0] === k);
        if (i === -1) env.push(`${k}=${v}`);
        else env[i] = `${k}=${v}`;
      }
      out.Env = env;
      break;
    }
    case 'LABEL':
      out.Labels = { ...(out.Labels ?? {}) };
      for (const [k, v] of keyValues(change, instr, rest)) out.Labels[k] = v;
      break;
    case 'EXPOSE':
      out.ExposedPorts = { ...(out.ExposedPorts ?? {}) };
      for (const p of rest.split(/\s+/)) {
        const pm = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
        if (!pm) throw changeError(change, `bad port '${p}' (want PORT[/tcp|udp|sctp])`);
        const proto = (pm[3] ?? 'tcp').toLowerCase();
        const lo = Number(pm[1]);
        const hi = pm[2] !== undefined ? Number(pm[2]) : lo;
        if (lo < 1 || hi > 65535 || hi < lo) throw changeError(change, `bad port range '${p}'`);
        for (let port = lo; port <= hi; port++) out.ExposedPorts[`${port}/${proto}`] = {};
      }
      break;
    case 'USER':
      out.User = rest;
      break;
    case 'WORKDIR':
      out.WorkingDir = rest.startsWith('/') ? rest : `${out.WorkingDir ?? '/'}${(out.WorkingDir ?? '/').endsWith('/') ? '' : '/'}${rest}`;
      break;
    case 'VOLUME':
      out.Volumes = { ...(out.Volumes ?? {}) };
      for (const v of jsonArray(rest) ?? rest.split(/\s+/)) out.Volumes[v] = {};
      break;
    case 'STOPSIGNAL':
      out.StopSignal = rest;
      break;
    default:
      throw changeError(change, `${instr} is not supported by import (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)`);
  }
  return out;
}

export function applyChanges(cfg: ContainerConfig, changes: readonly string[]): ContainerConfig {
  return changes.reduce(applyChange, cfg);
}
