import { describe, expect, it } from 'vitest';
import type { SourceRange } from '../../src/errors.js';
import type { ArgInstruction, EnvInstruction, FromInstruction, Instruction, RunInstruction } from '../../src/parser/instructions.js';
import {
  baseFromImageEnv,
  formatPlatform,
  globalScope,
  parsePlatform,
  platformFromNode,
  resolveFrom,
  stageScope,
  unusedBuildArgs,
} from '../../src/parser/scope.js';
import type { ScopeOptions } from '../../src/parser/scope.js';

let line = 0;
function range(): SourceRange {
  line++;
  return { file: 'Boxfile', start: { line, column: 1, offset: 0 }, end: { line, column: 10, offset: 9 } };
}

/** `ARG A=1 B` → an ArgInstruction (a value with `=`; none without) */
function arg(...decls: string[]): ArgInstruction {
  const r = range();
  return {
    kind: 'arg',
    keyword: 'ARG',
    flags: [],
    range: r,
    args: decls.map((d) => {
      const eq = d.indexOf('=');
      return eq < 0 ? { name: d, range: r } : { name: d.slice(0, eq), defaultValue: d.slice(eq + 1), range: r };
    }),
  };
}

function env(...pairs: [string, string][]): EnvInstruction {
  const r = range();
  return { kind: 'env', keyword: 'ENV', flags: [], range: r, legacy: false, pairs: pairs.map(([key, value]) => ({ key, value, range: r })) };
}

function run(text: string): RunInstruction {
  const r = range();
  return { kind: 'run', keyword: 'RUN', flags: [], range: r, command: { form: 'shell', text, range: r }, mounts: [], heredocs: [] };
}

function from(image: string, platform?: string): FromInstruction {
  const r = range();
  const f: FromInstruction = { kind: 'from', keyword: 'FROM', flags: [], range: r, image: { text: image, range: r } };
  if (platform !== undefined) f.platform = { value: platform, range: r };
  return f;
}

const amd64 = { os: 'linux', architecture: 'amd64' };
const armv7 = { os: 'linux', architecture: 'arm', variant: 'v7' };

function opts(buildArgs: Record<string, string> = {}): ScopeOptions {
  return { buildArgs: new Map(Object.entries(buildArgs)), buildPlatform: amd64, targetPlatform: armv7 };
}

function envAt(steps: { env: ReadonlyMap<string, string> }[], i: number): Record<string, string> {
  return Object.fromEntries(steps[i]?.env ?? []);
}

describe('global scope (ARGs before the first FROM)', () => {
  it('exposes platform ARGs with OCI names to FROM lines', () => {
    const g = globalScope([], opts());
    expect(g.env.get('TARGETPLATFORM')).toBe('linux/arm/v7');
    expect(g.env.get('TARGETARCH')).toBe('arm');
    expect(g.env.get('TARGETVARIANT')).toBe('v7');
    expect(g.env.get('BUILDPLATFORM')).toBe('linux/amd64');
    expect(g.env.get('BUILDARCH')).toBe('amd64');
    expect(g.env.get('BUILDVARIANT')).toBe('');
  });

  it('expands defaults with earlier global ARGs, and build args replace defaults', () => {
    const g = globalScope([arg('VERSION=1.2'), arg('IMAGE=alpine:${VERSION}', 'PLAT=$TARGETOS')], opts());
    expect(g.env.get('IMAGE')).toBe('alpine:1.2');
    expect(g.env.get('PLAT')).toBe('linux');
    const g2 = globalScope([arg('VERSION=1.2'), arg('IMAGE=alpine:${VERSION}')], opts({ VERSION: '3.19' }));
    expect(g2.env.get('IMAGE')).toBe('alpine:3.19');
  });

  it('a bare global ARG adds no value', () => {
    const g = globalScope([arg('NOVALUE')], opts());
    expect(g.env.has('NOVALUE')).toBe(false);
    expect(g.declared.has('NOVALUE')).toBe(true);
  });

  it('reports a bad default as a positioned diagnostic', () => {
    const a = arg('X=${Y:?must be set}');
    const g = globalScope([a], opts());
    expect(g.diagnostics).toHaveLength(1);
    expect(g.diagnostics[0]?.message).toContain('Y: must be set');
    expect(g.diagnostics[0]?.range).toBe(a.range);
  });
});

describe('stage scope', () => {
  it('global ARGs are invisible in a stage unless redeclared by a bare ARG', () => {
    const g = globalScope([arg('V=1')], opts());
    const s = stageScope([run('echo $V'), arg('V'), run('echo $V')], g, opts());
    expect(envAt(s.steps, 0)).not.toHaveProperty('V');
    expect(envAt(s.steps, 2)).toMatchObject({ V: '1' });
  });

  it('a redeclaration with a default uses the default, not the global value', () => {
    const g = globalScope([arg('V=1')], opts());
    const s = stageScope([arg('V=2'), run('x')], g, opts());
    expect(envAt(s.steps, 1).V).toBe('2');
  });

  it('platform ARGs need a bare ARG inside a stage', () => {
    const g = globalScope([], opts());
    const s = stageScope([run('a'), arg('TARGETARCH', 'BUILDARCH'), run('b')], g, opts());
    expect(envAt(s.steps, 0)).not.toHaveProperty('TARGETARCH');
    expect(envAt(s.steps, 2)).toMatchObject({ TARGETARCH: 'arm', BUILDARCH: 'amd64' });
  });

  it('stage ARGs are visible from their line on, defaults expanded with what came before', () => {
    const g = globalScope([], opts());
    const s = stageScope([run('0'), arg('A=x', 'B=${A}y'), run('2')], g, opts());
    expect(envAt(s.steps, 0)).not.toHaveProperty('A');
    expect(envAt(s.steps, 2)).toMatchObject({ A: 'x', B: 'xy' });
    expect(s.steps[1]?.resolved).toEqual([
      { key: 'A', value: 'x' },
      { key: 'B', value: 'xy' },
    ]);
  });

  it('build args override ARG defaults (and the default is not expanded)', () => {
    const g = globalScope([], opts());
    const s = stageScope([arg('A=${NOPE:?boom}'), run('x')], g, opts({ A: 'given' }));
    expect(s.diagnostics).toEqual([]);
    expect(envAt(s.steps, 1).A).toBe('given');
  });

  it('ENV after ARG overrides it; ARG after ENV overrides that (last assignment wins)', () => {
    const g = globalScope([], opts());
    const s = stageScope([arg('X=fromarg'), env(['X', 'fromenv']), run('a'), arg('X=again'), run('b')], g, opts({ X: 'cli' }));
    expect(envAt(s.steps, 2).X).toBe('fromenv');
    expect(envAt(s.steps, 4).X).toBe('cli');
    // image config only carries ENV
    expect(s.imageEnv.get('X')).toBe('fromenv');
  });

  it('a bare ARG without any value keeps an inherited ENV', () => {
    const g = globalScope([], opts());
    const s = stageScope([arg('PATH'), run('x')], g, opts(), baseFromImageEnv(['PATH=/usr/bin']));
    expect(envAt(s.steps, 1).PATH).toBe('/usr/bin');
  });

  it('ENV pairs are expanded with the environment before the instruction', () => {
    const g = globalScope([], opts());
    const s = stageScope([env(['abc', 'hello']), env(['abc', 'bye'], ['def', '$abc']), run('x')], g, opts());
    expect(envAt(s.steps, 2)).toMatchObject({ abc: 'bye', def: 'hello' });
  });

  it('ENV removes quotes and expands keys', () => {
    const g = globalScope([], opts());
    const s = stageScope([arg('K=name'), env(['$K', '"a b"']), run('x')], g, opts());
    expect(envAt(s.steps, 2).name).toBe('a b');
  });

  it('the image environment is the base for expansion', () => {
    const g = globalScope([], opts());
    const s = stageScope([env(['P', '$HOME/bin:${PATH}'])], g, opts(), baseFromImageEnv(['HOME=/root', 'PATH=/bin']));
    expect(s.env.get('P')).toBe('/root/bin:/bin');
  });

  it('proxy build args reach RUN undeclared, outside args; declared ones are ordinary args', () => {
    const g = globalScope([], opts());
    const o = opts({ HTTP_PROXY: 'http://proxy:3128', no_proxy: 'localhost' });
    const s = stageScope([run('a'), arg('no_proxy'), run('b')], g, o);
    expect(Object.fromEntries(s.steps[0]?.proxyEnv ?? [])).toEqual({ HTTP_PROXY: 'http://proxy:3128', no_proxy: 'localhost' });
    expect(s.steps[0]?.env.has('HTTP_PROXY')).toBe(false);
    expect(s.steps[0]?.args.size).toBe(0);
    expect(Object.fromEntries(s.steps[2]?.proxyEnv ?? [])).toEqual({ HTTP_PROXY: 'http://proxy:3128' });
    expect(Object.fromEntries(s.steps[2]?.args ?? [])).toEqual({ no_proxy: 'localhost' });
  });

  it('reports a failing ENV expansion at the pair', () => {
    const g = globalScope([], opts());
    const e = env(['A', '${B:?B is required}']);
    const s = stageScope([e], g, opts());
    expect(s.diagnostics.map((d) => d.message)).toEqual(['failed to process "${B:?B is required}": B: B is required']);
    expect(s.diagnostics[0]?.range).toBe(e.pairs[0]?.range);
  });

  it('a stage built FROM another inherits its environment, ARGs included', () => {
    const g = globalScope([], opts());
    const parent = stageScope([arg('A=1'), env(['E', '2'])], g, opts());
    const child = stageScope([run('x')], g, opts(), { env: parent.env, imageEnv: parent.imageEnv });
    expect(envAt(child.steps, 0)).toMatchObject({ A: '1', E: '2' });
    expect(child.imageEnv.has('A')).toBe(false);
  });
});

describe('unused build args', () => {
  it('warns about build args no ARG declared, never about proxies or platform names', () => {
    const b = opts({ USED: '1', GLOBAL: '2', UNUSED: '3', HTTPS_PROXY: 'x', TARGETARCH: 'arm64', ALSO: '4' });
    const g = globalScope([arg('GLOBAL')], b);
    const s = stageScope([arg('USED')] as Instruction[], g, b);
    const w = unusedBuildArgs(b.buildArgs as Map<string, string>, g, [s]);
    expect(w).toHaveLength(1);
    expect(w[0]?.names).toEqual(['ALSO', 'UNUSED']);
    expect(w[0]?.message).toBe('One or more build-args [ALSO UNUSED] were not consumed');
    expect(unusedBuildArgs(new Map([['USED', '1']]), g, [s])).toEqual([]);
  });
});

describe('platforms', () => {
  it("maps Node's arch names to OCI ones", () => {
    expect(platformFromNode('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(platformFromNode('arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(platformFromNode('arm', 'linux', '6')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(platformFromNode('ia32')).toEqual({ os: 'linux', architecture: '386' });
  });

  it('parses and normalises platform strings', () => {
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('linux')).toBeUndefined();
    expect(parsePlatform('linux//')).toBeUndefined();
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
  });
});

describe('FROM lines', () => {
  it('expand with global and platform ARGs', () => {
    const g = globalScope([arg('BASE=alpine', 'TAG=3.19')], opts());
    const r = resolveFrom(from('${BASE}:${TAG}-$TARGETARCH', '$BUILDPLATFORM'), g);
    expect(r.image).toBe('alpine:3.19-arm');
    expect(r.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(r.diagnostics).toEqual([]);
  });

  it('warn about undeclared ARGs and refuse a blank name', () => {
    const g = globalScope([arg('DECLARED')], opts());
    const f = from('${NOPE}${DECLARED}');
    const r = resolveFrom(f, g);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      ['UNDEFINED_ARG_IN_FROM', 'warning', "FROM argument 'NOPE' is not declared"],
      ['BLANK_BASE_NAME', 'error', 'base name (${NOPE}${DECLARED}) should not be blank'],
    ]);
    expect(r.diagnostics[0]?.range).toBe(f.image.range);
  });

  it('refuse an empty or malformed platform', () => {
    const g = globalScope([arg('P=')], opts());
    expect(resolveFrom(from('x', '$P'), g).diagnostics[0]?.message).toBe('empty platform value from expression $P');
    expect(resolveFrom(from('x', 'linux'), g).diagnostics[0]?.code).toBe('BAD_PLATFORM');
    expect(resolveFrom(from('x', '${P'), g).diagnostics[0]?.code).toBe('WORD_EXPANSION');
  });

  it('do not see stage ARGs', () => {
    const g = globalScope([], opts());
    const s = stageScope([arg('LATE=1')], g, opts());
    expect(s.declared.has('LATE')).toBe(true);
    expect(resolveFrom(from('img:$LATE'), g).image).toBe('img:');
  });
});
