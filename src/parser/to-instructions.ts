// The parser tree → typed instructions, checking everything BuildKit checks
// when it reads instructions (arity, flags, durations, --chmod, mounts,
// HEALTHCHECK, ONBUILD). Every problem becomes a diagnostic; conversion goes
// on so that all problems of a file are reported at once.
import type { SourceRange } from '../errors.js';
import type { AstNode } from './ast.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { parseGoDuration } from './durations.js';
import { readFlags, type ReadFlags } from './flags.js';
import { parseHeredocWord } from './heredocs.js';
import type { CommandLine, Duration, FlagValue, Instruction, KeyValue, Mount, Word } from './instructions.js';
import { instructionKinds } from './instructions.js';
import { MountError, parseMount } from './mounts.js';
import { didYouMean } from './suggest.js';

export interface ConvertContext {
  diagnostics: Diagnostic[];
}

/** BuildKit's reWhitespace: TAB VT FF CR SPACE */
const isWs = (c: number): boolean => c === 32 || c === 9 || c === 11 || c === 12 || c === 13;

function span(node: AstNode, a: number, b: number): SourceRange {
  return { file: node.range.file, start: node.lineMap.posAt(node.restOffset + a), end: node.lineMap.posAt(node.restOffset + b) };
}

/** the arguments of a whitespace-split or JSON rest, with their ranges */
function argWords(node: AstNode): Word[] {
  const r = node.rest;
  // start and end offsets of each argument, flat
  const spans: number[] = [];
  let i = 0;
  if (node.json) {
    while (i < r.length) {
      if (r.charCodeAt(i) === 34) {
        const s = i++;
        while (i < r.length && r.charCodeAt(i) !== 34) i += r.charCodeAt(i) === 92 ? 2 : 1;
        spans.push(s, ++i);
      } else i++;
    }
  } else {
    while (i < r.length) {
      while (i < r.length && isWs(r.charCodeAt(i))) i++;
      const s = i;
      while (i < r.length && !isWs(r.charCodeAt(i))) i++;
      if (i > s) spans.push(s, i);
    }
  }
  const out: Word[] = new Array<Word>(node.args.length);
  for (let k = 0; k < node.args.length; k++) {
    const a = spans[2 * k];
    out[k] = { text: node.args[k] as string, range: a === undefined ? node.restRange : span(node, a, spans[2 * k + 1] as number) };
  }
  return out;
}

/** ranges of words that appear verbatim in rest, in order */
function findWords(node: AstNode, words: readonly string[]): SourceRange[] {
  let from = 0;
  return words.map((w) => {
    const at = node.rest.indexOf(w, from);
    if (at === -1) return node.restRange;
    from = at + w.length;
    return span(node, at, at + w.length);
  });
}

function commandLine(node: AstNode, args: string[], range: SourceRange, text: string): CommandLine {
  return node.json ? { form: 'exec', args, range } : { form: 'shell', text, range };
}

const hasVariable = (v: string): boolean => v.includes('$');
const CHMOD_OCTAL = /^[0-7]{1,4}$/;
const CHMOD_SYMBOLIC = /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+(?:,[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+)*$/;
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const CHECKSUM = /^sha(?:256|384|512):[0-9a-f]+$/;
const PORT = /^\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/i;

export function toInstruction(node: AstNode, ctx: ConvertContext, nested = false): Instruction | undefined {
  const d = ctx.diagnostics;
  const kw = node.keyword;
  const upper = kw.toUpperCase();
  const kind = kw.toLowerCase() as Instruction['kind'];
  const err = (code: string, message: string, range: SourceRange = node.keywordRange): undefined => {
    d.push(diagnostic(code, message, range));
    return undefined;
  };
  if (!(instructionKinds as readonly string[]).includes(kind)) {
    return err('UNKNOWN_INSTRUCTION', `unknown instruction: ${upper}${didYouMean(upper, instructionKinds.map((k) => k.toUpperCase()))}`);
  }
  const flags: ReadFlags = readFlags(kw, node.flags, d);
  const str = (name: string): FlagValue<string> | undefined => {
    const f = flags.strings.get(name);
    // a Flag with a value is a FlagValue<string> (the same object, no copy)
    return f && f.value !== undefined ? (f as FlagValue<string>) : undefined;
  };
  const bool = (name: string): boolean => flags.bools.get(name)?.value ?? false;
  const needRest = (what: string): boolean => {
    if (node.rest !== '') return true;
    err('ARITY', `${upper} needs ${what}`);
    return false;
  };
  const single = (): Word => ({ text: node.rest, range: node.restRange });

  switch (kind) {
    case 'from': {
      const words = argWords(node);
      if (words.length !== 1 && words.length !== 3) {
        err('ARITY', `FROM takes an image and optionally AS NAME (FROM IMAGE [AS NAME]), got ${words.length} argument${words.length === 1 ? '' : 's'}`);
      }
      // a broken FROM still starts a stage, so that what follows is not reported again
      const image = words[0] ?? { text: '', range: node.keywordRange };
      let stageName: Word | undefined;
      if (words.length >= 3) {
        const as = words[1] as Word;
        if (as.text.toLowerCase() !== 'as') err('ARITY', `FROM expects AS before the stage name, not '${as.text}'`, as.range);
        const name = words[2] as Word;
        if (!hasVariable(name.text) && !STAGE_NAME.test(name.text.toLowerCase())) {
          err('BAD_STAGE_NAME', `invalid stage name '${name.text}': it must start with a letter and contain only letters, digits, '-', '_' and '.'`, name.range);
        }
        stageName = name;
      }
      const platform = str('platform');
      return { kind, keyword: kw, range: node.range, flags: flags.all, image, stageName, platform };
    }
    case 'run': {
      if (!node.json && !needRest('a command')) return undefined;
      const mounts: Mount[] = [];
      for (const f of flags.lists.get('mount') ?? []) {
        try {
          mounts.push(parseMount(f.value as string, f.range));
        } catch (e) {
          if (!(e instanceof MountError)) throw e;
          err('BAD_MOUNT', `--mount: ${e.message}`, f.range);
        }
      }
      const network = str('network');
      if (network && !['default', 'none', 'host'].includes(network.value)) err('BAD_FLAG_VALUE', `--network must be default, none or host, not '${network.value}'`, network.range);
      const security = str('security');
      if (security && !['sandbox', 'insecure'].includes(security.value)) err('BAD_FLAG_VALUE', `--security must be sandbox or insecure, not '${security.value}'`, security.range);
      return {
        kind,
        keyword: kw,
        range: node.range,
        flags: flags.all,
        command: commandLine(node, node.args, node.restRange, node.rest),
        mounts,
        network: network as FlagValue<'default' | 'none' | 'host'> | undefined,
        security: security as FlagValue<'sandbox' | 'insecure'> | undefined,
        heredocs: node.heredocs,
      };
    }
    case 'copy':
    case 'add': {
      const words = argWords(node);
      if (words.length < 2) return err('ARITY', `${upper} needs a source and a destination (${upper} SRC... DEST)`, node.rest === '' ? node.keywordRange : node.restRange);
      const dest = words[words.length - 1] as Word;
      if (!node.json && parseHeredocWord(dest.text)) err('HEREDOC_DEST', `${upper} cannot use a heredoc as its destination`, dest.range);
      const chmod = str('chmod');
      if (chmod && !hasVariable(chmod.value) && !CHMOD_OCTAL.test(chmod.value) && !CHMOD_SYMBOLIC.test(chmod.value)) {
        err('BAD_CHMOD', `invalid --chmod '${chmod.value}': an octal mode (such as 755 or 0644) or a symbolic one (such as u+x,g-w)`, chmod.range);
      }
      const from = str('from');
      const chown = str('chown');
      const sources = words.slice(0, -1);
      const exclude = (flags.lists.get('exclude') ?? []) as FlagValue<string>[];
      const link = bool('link');
      const parents = bool('parents');
      if (kind === 'copy') {
        return { kind, keyword: kw, range: node.range, flags: flags.all, sources, dest, json: node.json, from, chown, chmod, link, parents, exclude, heredocs: node.heredocs };
      }
      const checksum = str('checksum');
      if (checksum && !hasVariable(checksum.value) && !CHECKSUM.test(checksum.value)) {
        err('BAD_CHECKSUM', `invalid --checksum '${checksum.value}': expected sha256:<hex digest>`, checksum.range);
      }
      const keepGitDir = bool('keep-git-dir');
      return { kind, keyword: kw, range: node.range, flags: flags.all, sources, dest, json: node.json, from, chown, chmod, link, parents, exclude, heredocs: node.heredocs, keepGitDir, checksum };
    }
    case 'cmd':
    case 'entrypoint':
      return { kind, keyword: kw, range: node.range, flags: flags.all, command: commandLine(node, node.args, node.restRange, node.rest) };
    case 'shell':
      if (!node.json) return err('SHELL_NOT_JSON', `SHELL needs a JSON array, such as SHELL ["/bin/sh", "-c"]`, node.rest === '' ? node.keywordRange : node.restRange);
      if (node.args.length === 0) return err('ARITY', 'SHELL needs at least one element: the shell program', node.restRange);
      return { kind, keyword: kw, range: node.range, flags: flags.all, shell: node.args };
    case 'env':
    case 'label': {
      if (node.args.length === 0) return err('ARITY', `${upper} needs at least one KEY=VALUE`);
      const legacy = node.args[2] === '';
      const pairs: KeyValue[] = [];
      const keys: string[] = [];
      for (let i = 0; i + 2 < node.args.length; i += 3) keys.push(legacy ? (node.args[i] as string) : `${node.args[i]}=${node.args[i + 1]}`);
      const ranges = legacy ? [span(node, 0, node.rest.length)] : findWords(node, keys);
      for (let i = 0, k = 0; i + 2 < node.args.length; i += 3, k++) {
        const key = node.args[i] as string;
        const range = ranges[k] ?? node.restRange;
        if (key === '') err('EMPTY_KEY', `${upper} names can not be blank`, range);
        pairs.push({ key, value: node.args[i + 1] as string, range });
      }
      return { kind, keyword: kw, range: node.range, flags: flags.all, pairs, legacy };
    }
    case 'arg': {
      if (node.args.length === 0) return err('ARITY', 'ARG needs a name (ARG NAME[=DEFAULT])');
      const ranges = findWords(node, node.args);
      const args = node.args.map((w, i) => {
        const eq = w.indexOf('=');
        const name = eq === -1 ? w : w.slice(0, eq);
        const range = ranges[i] as SourceRange;
        if (name === '') err('EMPTY_KEY', 'ARG names can not be blank', range);
        return { name, defaultValue: eq === -1 ? undefined : w.slice(eq + 1), range };
      });
      return { kind, keyword: kw, range: node.range, flags: flags.all, args };
    }
    case 'expose': {
      const ports = argWords(node);
      if (ports.length === 0) return err('ARITY', 'EXPOSE needs at least one port (EXPOSE 80/tcp)');
      for (const p of ports) {
        if (!hasVariable(p.text) && !PORT.test(p.text)) err('BAD_PORT', `invalid port '${p.text}': use PORT[/PROTOCOL] or FROM-TO[/PROTOCOL]`, p.range);
      }
      return { kind, keyword: kw, range: node.range, flags: flags.all, ports };
    }
    case 'volume': {
      const paths = argWords(node);
      if (paths.length === 0) return err('ARITY', 'VOLUME needs at least one path');
      for (const p of paths) if (p.text.trim() === '') err('ARITY', 'VOLUME paths can not be blank', p.range);
      return { kind, keyword: kw, range: node.range, flags: flags.all, paths, json: node.json };
    }
    case 'user':
      return needRest('a user (USER NAME[:GROUP])') ? { kind, keyword: kw, range: node.range, flags: flags.all, user: single() } : undefined;
    case 'workdir':
      return needRest('a path') ? { kind, keyword: kw, range: node.range, flags: flags.all, path: single() } : undefined;
    case 'stopsignal':
      return needRest('a signal (STOPSIGNAL SIGTERM)') ? { kind, keyword: kw, range: node.range, flags: flags.all, signal: single() } : undefined;
    case 'maintainer':
      return needRest('a name') ? { kind, keyword: kw, range: node.range, flags: flags.all, maintainer: single() } : undefined;
    case 'healthcheck':
      return healthcheck(node, flags, { keyword: kw, range: node.range, flags: flags.all }, err);
    case 'onbuild': {
      if (!node.nested) return err('ARITY', 'ONBUILD needs an instruction to run later (ONBUILD RUN …)');
      const t = node.nested.keyword.toUpperCase();
      if (t === 'ONBUILD' || t === 'FROM' || t === 'MAINTAINER') {
        return err('ONBUILD_TRIGGER', t === 'ONBUILD' ? 'ONBUILD cannot be chained: ONBUILD ONBUILD is not allowed' : `${t} is not allowed as an ONBUILD trigger`, node.nested.keywordRange);
      }
      const trigger = toInstruction(node.nested, ctx, true);
      if (!trigger) return undefined;
      return { kind, keyword: kw, range: node.range, flags: flags.all, trigger, expression: node.rest };
    }
  }
  void nested;
  return undefined;
}

type Base = { keyword: string; range: SourceRange; flags: import('./instructions.js').Flag[] };

function healthcheck(node: AstNode, flags: ReadFlags, base: Base, err: (c: string, m: string, r?: SourceRange) => undefined): Instruction | undefined {
  if (node.args.length === 0) return err('ARITY', 'HEALTHCHECK needs CMD COMMAND or NONE');
  const type = (node.args[0] as string).toUpperCase();
  const typeRange: SourceRange = { file: node.range.file, start: node.restRange.start, end: node.lineMap.posAt(node.restOffset + (node.args[0] as string).length) };
  if (type === 'NONE') {
    if (node.args.length > 1) return err('ARITY', 'HEALTHCHECK NONE takes no arguments', typeRange);
    if (flags.all.length > 0) return err('UNKNOWN_FLAG', 'HEALTHCHECK NONE takes no flags', flags.all[0]?.range);
    return { kind: 'healthcheck', keyword: base.keyword, range: base.range, flags: base.flags, test: { type: 'none' } };
  }
  if (type !== 'CMD') return err('HEALTHCHECK_TYPE', `unknown HEALTHCHECK type '${node.args[0]}' (use CMD or NONE)`, typeRange);
  if (node.args.length < 2) return err('ARITY', 'HEALTHCHECK CMD needs a command', typeRange);
  const after = node.rest.slice((node.args[0] as string).length).replace(/^[\t\n\v\f\r ]+/, '');
  const cmdStart = node.rest.length - after.length;
  const cmdRange: SourceRange = { file: node.range.file, start: node.lineMap.posAt(node.restOffset + cmdStart), end: node.restRange.end };
  const command: CommandLine = node.json ? { form: 'exec', args: node.args.slice(1), range: cmdRange } : { form: 'shell', text: node.args[1] as string, range: cmdRange };
  const duration = (name: string): Duration | undefined => {
    const f = flags.strings.get(name);
    if (!f || f.value === undefined) return undefined;
    const ns = parseGoDuration(f.value);
    if (ns === undefined) return err('BAD_DURATION', `invalid duration '${f.value}' for --${name} (such as 30s, 1m30s, 500ms)`, f.range);
    if (ns < 0) return err('BAD_DURATION', `--${name} cannot be negative`, f.range);
    if (ns > 0 && ns < 1e6) return err('BAD_DURATION', `--${name} must be at least 1ms (or 0 for the default)`, f.range);
    return { text: f.value, nanoseconds: ns, range: f.range };
  };
  const interval = duration('interval');
  const timeout = duration('timeout');
  const startPeriod = duration('start-period');
  const startInterval = duration('start-interval');
  let retries: FlagValue<number> | undefined;
  const r = flags.strings.get('retries');
  if (r && r.value !== undefined) {
    if (!/^[-+]?\d+$/.test(r.value)) err('BAD_FLAG_VALUE', `--retries must be a whole number, not '${r.value}'`, r.range);
    else if (Number(r.value) < 0) err('BAD_FLAG_VALUE', '--retries cannot be negative', r.range);
    else retries = { value: Number(r.value), range: r.range };
  }
  return {
    kind: 'healthcheck',
    keyword: base.keyword,
    range: base.range,
    flags: base.flags,
    test: { type: 'cmd', command },
    interval,
    timeout,
    startPeriod,
    startInterval,
    retries,
  };
}

export function toInstructions(nodes: readonly AstNode[], ctx: ConvertContext): Instruction[] {
  const out: Instruction[] = [];
  for (const n of nodes) {
    const i = toInstruction(n, ctx);
    if (i) out.push(i);
  }
  return out;
}
