// The planner fed by the real parser: Boxfile text in, steps out.
import { describe, expect, it } from 'vitest';
import { planBuild } from '../../src/builder/plan.js';
import type { BuildPlan, CopyOp, RunOp } from '../../src/builder/plan-types.js';
import { hasErrors, parseBoxfile } from '../../src/parser/index.js';
import type { Instruction } from '../../src/parser/instructions.js';
import { ctx, image } from './builder-plan-helpers.js';

function plan(text: string, over: { buildArgs?: Record<string, string>; onbuild?: string[] } = {}): BuildPlan {
  const r = parseBoxfile(text);
  if (hasErrors(r.diagnostics)) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const base = image('busybox', 'b1', { Env: ['PATH=/bin'], ...(over.onbuild ? { OnBuild: over.onbuild } : {}) });
  const res = planBuild({
    boxfile: r.value,
    buildArgs: new Map(Object.entries(over.buildArgs ?? {})),
    context: ctx({ 'a.txt': 'A', 'src/b.txt': 'B' }),
    images: new Map([['busybox', base]]),
    platform: { os: 'linux', architecture: 'amd64' },
    sourceDateEpoch: 0,
    parseTrigger: (t): Instruction => {
      const p = parseBoxfile(`FROM scratch\n${t}\n`);
      return p.value.stages[0]!.instructions[0]!;
    },
  });
  if (!res.plan) throw new Error(`missing ${res.missingImages}`);
  return res.plan;
}
const steps = (p: BuildPlan) => p.stages.flatMap((s) => s.steps);
const runOps = (p: BuildPlan) => steps(p).filter((s) => s.op.type === 'run').map((s) => s.op as RunOp);

describe('planner from Boxfile text', () => {
  it('shell, exec and SHELL forms become argv', () => {
    const p = plan('FROM busybox\nRUN echo a\nRUN ["echo","b"]\nSHELL ["/bin/ash","-eo","pipefail","-c"]\nRUN echo c\n');
    expect(runOps(p).map((o) => o.argv)).toEqual([['/bin/sh', '-c', 'echo a'], ['echo', 'b'], ['/bin/ash', '-eo', 'pipefail', '-c', 'echo c']]);
  });

  it('heredocs: a script, a shebang script as a file, and heredocs fed to a command', () => {
    const p = plan('FROM busybox\nRUN <<EOF\necho one\necho two\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nRUN cat <<A > /x\nhello\nA\n');
    const [a, b, c] = runOps(p);
    expect(a?.argv).toEqual(['/bin/sh', '-c', 'echo one\necho two\n']);
    expect(b?.argv).toEqual(['/dev/pipes/EOF']);
    expect(b?.scriptFile).toEqual({ path: '/dev/pipes/EOF', content: '#!/usr/bin/env python3\nprint(1)\n' });
    expect(c?.argv).toEqual(['/bin/sh', '-c', 'cat <<A > /x\nhello\nA']);
  });

  it('mounts are planned with defaults; the network flag and ARG env reach the op', () => {
    const p = plan('FROM busybox\nARG X=1\nRUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t,size=1m --mount=type=bind,source=src,target=/s --network=none echo\n');
    const op = runOps(p)[0]!;
    expect(op.network).toBe('none');
    expect(op.env).toEqual(['PATH=/bin', 'X=1']);
    expect(op.mounts).toEqual([
      { type: 'cache', target: '/c', id: '/c', sharing: 'shared', readonly: false, mode: 0o755, uid: 0, gid: 0 },
      { type: 'tmpfs', target: '/t', size: 1024 * 1024 },
      { type: 'bind', target: '/s', source: 'src', from: { kind: 'context' }, readonly: true },
    ]);
  });

  it('COPY heredocs expand variables unless the delimiter is quoted', () => {
    const p = plan("FROM busybox\nARG W=world\nCOPY <<A <<'B' /files/\nhello $W\nA\nliteral $W\nB\n");
    const op = steps(p).find((s) => s.op.type === 'copy')!.op as CopyOp;
    expect(op.heredocs).toEqual([
      { name: 'A', content: 'hello world\n', mode: 0o644 },
      { name: 'B', content: 'literal $W\n', mode: 0o644 },
    ]);
  });

  it('config: ENTRYPOINT drops an inherited CMD, HEALTHCHECK, STOPSIGNAL, VOLUME, ONBUILD stored', () => {
    const p = plan('FROM busybox\nENTRYPOINT ["/bin/app"]\nHEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost\nSTOPSIGNAL SIGINT\nVOLUME /data\nONBUILD RUN echo child\n');
    expect(p.image.config).toMatchObject({
      Entrypoint: ['/bin/app'],
      Cmd: null,
      Healthcheck: { Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 5e9, Retries: 2 },
      StopSignal: 'SIGINT',
      Volumes: { '/data': {} },
      OnBuild: ['RUN echo child'],
    });
  });

  it("the base image's ONBUILD triggers run first, and the child keeps none", () => {
    const p = plan('FROM busybox\nRUN echo mine\n', { onbuild: ['RUN echo trigger', 'ENV FROM_TRIGGER=1'] });
    expect(steps(p).map((s) => s.label)).toEqual(['FROM busybox@sha256:b1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'RUN echo trigger', 'ENV FROM_TRIGGER=1', 'RUN echo mine']);
    expect(p.image.config?.OnBuild).toBeUndefined();
  });

  it('a stage used as a base passes on its config and key', () => {
    const p = plan('FROM busybox AS a\nENV A=1\nRUN echo a\nFROM a\nRUN echo $A\n');
    expect(p.stages.map((s) => s.index)).toEqual([0, 1]);
    expect(p.stages[1]!.steps[0]!.key).toBe(p.stages[0]!.finalKey);
    expect(runOps(p)[1]!.env).toContain('A=1');
  });
});

describe('planner: mount inputs in keys', () => {
  it('a bind mount of context files re-keys the RUN when those files change', () => {
    const text = 'FROM busybox\nRUN --mount=type=bind,source=src,target=/s cat /s/b.txt\n';
    const r = parseBoxfile(text);
    const mk = (b: string) =>
      planBuild({
        boxfile: r.value,
        buildArgs: new Map(),
        context: ctx({ 'a.txt': 'A', 'src/b.txt': b }),
        images: new Map([['busybox', image('busybox', 'b1')]]),
        platform: { os: 'linux', architecture: 'amd64' },
        sourceDateEpoch: 0,
      }).plan!.stages[0]!.steps[1]!.key;
    expect(mk('B')).toBe(mk('B'));
    expect(mk('C')).not.toBe(mk('B'));
  });
});

describe('planner: COPY --link', () => {
  const keysOf = (text: string, buildArgs: Record<string, string> = {}) => steps(plan(text, { buildArgs })).map((s) => [s.label, s.key] as const);
  const text = 'FROM busybox\nARG V=1\nRUN echo $V > /v\nCOPY --link a.txt /opt/\nRUN cat /opt/a.txt\n';

  it('the --link step key leaves the layers below out; the steps after it still chain on them', () => {
    const a = keysOf(text, { V: '1' });
    const b = keysOf(text, { V: '2' });
    const at = (k: typeof a, label: string) => k.find(([l]) => l === label)?.[1];
    expect(at(b, 'RUN echo $V > /v')).not.toBe(at(a, 'RUN echo $V > /v'));
    expect(at(b, 'COPY a.txt /opt/')).toBe(at(a, 'COPY a.txt /opt/'));
    expect(at(b, 'RUN cat /opt/a.txt')).not.toBe(at(a, 'RUN cat /opt/a.txt'));
    // without --link the COPY follows its parent
    const plain = text.replace(' --link', '');
    expect(at(keysOf(plain, { V: '2' }), 'COPY a.txt /opt/')).not.toBe(at(keysOf(plain, { V: '1' }), 'COPY a.txt /opt/'));
    // and --link is part of the key itself
    expect(at(keysOf(plain, { V: '1' }), 'COPY a.txt /opt/')).not.toBe(at(a, 'COPY a.txt /opt/'));
  });

  it('--chown takes numeric ids and root with --link, and refuses other names with the position', () => {
    const op = (t: string) => steps(plan(t)).find((s) => s.op.type === 'copy')!.op as CopyOp;
    expect(op('FROM busybox\nCOPY --link --chown=root:root a.txt /a\n').chown).toBe('0:0');
    expect(op('FROM busybox\nCOPY --link --chown=1000 a.txt /a\n').chown).toBe('1000');
    expect(op('FROM busybox\nCOPY --chown=daemon a.txt /a\n').chown).toBe('daemon');
    expect(() => plan('FROM busybox\nCOPY --link --chown=1000:staff a.txt /a\n')).toThrow(/:2:\d+: COPY --link --chown=1000:staff: names cannot be looked up/);
  });
});

describe('planner: SOURCE_DATE_EPOCH in the keys', () => {
  it('a layer made under another epoch is another layer: every filesystem key changes, the default keeps its keys', () => {
    const text = 'FROM busybox\nCOPY a.txt /a\nCOPY --link src/ /src/\nRUN true\n';
    const r = parseBoxfile(text);
    const mk = (epoch: number) =>
      planBuild({ boxfile: r.value, buildArgs: new Map(), context: ctx({ 'a.txt': 'A', 'src/b.txt': 'B' }), images: new Map([['busybox', image('busybox', 'b1')]]), platform: { os: 'linux', architecture: 'amd64' }, sourceDateEpoch: epoch }).plan!;
    const fs = (p: BuildPlan) => steps(p).filter((s) => s.op.type !== 'from').map((s) => s.key);
    const zero = fs(mk(0));
    const other = fs(mk(1700000000));
    expect(other).toHaveLength(3);
    for (let i = 0; i < 3; i++) expect(other[i]).not.toBe(zero[i]);
    expect(fs(mk(1700000000))).toEqual(other);
  });
});
