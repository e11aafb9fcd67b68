import { describe, expect, it } from 'vitest';
import { planBuild, type PlanInput } from '../../src/builder/plan.js';
import type { BuildPlan, CopyOp, RunOp } from '../../src/builder/plan-types.js';
import { arg, boxfile, copy, ctx, env, from, image, input, label, run, workdir } from './builder-plan-helpers.js';

function plan(i: PlanInput): BuildPlan {
  const res = planBuild(i);
  if (!res.plan) throw new Error(`missing images: ${res.missingImages}`);
  return res.plan;
}
const keys = (p: BuildPlan) => p.stages.flatMap((s) => s.steps.map((st) => st.key));
const stepsOf = (p: BuildPlan) => p.stages.flatMap((s) => s.steps);

const simple = () =>
  boxfile([[from('busybox'), arg('V', '1'), copy(['a.txt'], '/a.txt'), env('E', 'x'), run('echo $V'), copy(['src/'], '/src/'), run('cat /src/b.txt')]]);

describe('planner cache keys', () => {
  it('gives the same keys for the same input', () => {
    expect(keys(plan(input(simple())))).toEqual(keys(plan(input(simple()))));
  });

  it('keeps keys when the context moves elsewhere', () => {
    const a = plan(input(simple(), { context: ctx({ 'a.txt': 'A', 'src/b.txt': 'B' }, '/one') }));
    const b = plan(input(simple(), { context: ctx({ 'a.txt': 'A', 'src/b.txt': 'B' }, '/somewhere/else') }));
    expect(keys(a)).toEqual(keys(b));
  });

  it('a changed file changes its COPY and every later key, nothing before', () => {
    const a = keys(plan(input(simple())));
    const b = keys(plan(input(simple(), { context: ctx({ 'a.txt': 'A', 'src/b.txt': 'C' }) })));
    // steps: FROM, ARG, COPY a, ENV, RUN, COPY src, RUN
    expect(b.slice(0, 5)).toEqual(a.slice(0, 5));
    expect(b[5]).not.toBe(a[5]);
    expect(b[6]).not.toBe(a[6]);
  });

  it('a changed mode changes the COPY key', () => {
    const c1 = ctx({ 'a.txt': 'A', 'src/b.txt': 'B' });
    const c2 = structuredClone(c1);
    c2.entries.find((e) => e.path === 'a.txt')!.mode = 0o755;
    expect(keys(plan(input(simple(), { context: c2 })))[2]).not.toBe(keys(plan(input(simple(), { context: c1 })))[2]);
  });

  it('each RUN input changes the key: build arg in scope, ENV, WORKDIR, command, base digest', () => {
    const base = keys(plan(input(simple())));
    const runKey = base[4];
    expect(keys(plan(input(simple(), { buildArgs: new Map([['V', '2']]) })))[4]).not.toBe(runKey);
    const withEnv = boxfile([[from('busybox'), arg('V', '1'), copy(['a.txt'], '/a.txt'), env('E', 'y'), run('echo $V'), copy(['src/'], '/src/'), run('cat /src/b.txt')]]);
    expect(keys(plan(input(withEnv)))[4]).not.toBe(runKey);
    const withCmd = boxfile([[from('busybox'), arg('V', '1'), copy(['a.txt'], '/a.txt'), env('E', 'x'), run('echo  $V'), copy(['src/'], '/src/'), run('cat /src/b.txt')]]);
    expect(keys(plan(input(withCmd)))[4]).not.toBe(runKey);
    const other = keys(plan(input(simple(), { images: new Map([['busybox', image('busybox', 'b2')]]) })));
    expect(other[0]).not.toBe(base[0]);
    expect(other[4]).not.toBe(runKey);
    const wd = boxfile([[from('busybox'), workdir('/w'), run('pwd')]]);
    const wd2 = boxfile([[from('busybox'), workdir('/x'), run('pwd')]]);
    expect(keys(plan(input(wd)))[2]).not.toBe(keys(plan(input(wd2)))[2]);
  });

  it('proxy build args reach the RUN env but not its key; an undeclared build arg changes nothing', () => {
    const a = plan(input(simple()));
    const b = plan(input(simple(), { buildArgs: new Map([['http_proxy', 'http://p:3128'], ['UNUSED', 'z']]) }));
    expect(keys(b)).toEqual(keys(a));
    const runOp = stepsOf(b)[4]!.op as RunOp;
    expect(runOp.env).toContain('http_proxy=http://p:3128');
    expect(runOp.env).toContain('V=1');
    expect(runOp.env).not.toContain('UNUSED=z');
  });

  it('a LABEL changes no key (config only)', () => {
    const a = boxfile([[from('busybox'), run('true')]]);
    const b = boxfile([[from('busybox'), label('x', 'y'), run('true')]]);
    expect(keys(plan(input(b))).at(-1)).toBe(keys(plan(input(a))).at(-1));
  });

  it('secret values never enter a key; the secret id does', () => {
    const mount = (id: string) => ({ type: 'secret' as const, id, required: false, range: undefined as never, text: '' });
    const a = plan(input(boxfile([[from('busybox'), run('cat /run/secrets/s', { mounts: [mount('s')] })]])));
    const b = plan(input(boxfile([[from('busybox'), run('cat /run/secrets/s', { mounts: [mount('t')] })]])));
    expect(keys(a)[1]).not.toBe(keys(b)[1]);
    expect((stepsOf(a)[1]!.op as RunOp).mounts[0]).toMatchObject({ type: 'secret', id: 's', target: '/run/secrets/s' });
  });
});

describe('planner stages', () => {
  const multi = () =>
    boxfile([
      [from('busybox', 'broken'), run('exit 1')],
      [from('busybox', 'build'), run('make')],
      [from('busybox', 'other'), run('true')],
      [from('busybox'), copy(['/out'], '/out', { from: { value: 'build', range: undefined as never } })],
    ]);

  it('plans only the stages the target needs, in dependency order, with levels', () => {
    const p = plan(input(multi()));
    expect(p.stages.map((s) => s.index)).toEqual([1, 3]);
    expect(p.levels).toEqual([[1], [3]]);
    expect(p.target).toBe(3);
    const cp = p.stages[1]!.steps[1]!.op as CopyOp;
    expect(cp.from).toEqual({ kind: 'stage', stage: 1 });
  });

  it('a change in the source stage changes the COPY --from key', () => {
    const a = plan(input(multi()));
    const bf = multi();
    bf.stages[1]!.instructions = [run('make all')];
    const b = plan(input(bf));
    expect(b.stages[1]!.steps[1]!.key).not.toBe(a.stages[1]!.steps[1]!.key);
  });

  it('--target picks a stage; an unknown target is a usage error', () => {
    expect(plan(input(multi(), { target: 'other' })).stages.map((s) => s.index)).toEqual([2]);
    expect(() => planBuild(input(multi(), { target: 'nope' }))).toThrow(/--target nope: no such stage/);
  });

  it('asks for images it does not have', () => {
    const res = planBuild(input(boxfile([[from('alpine:3')]])));
    expect(res.missingImages).toEqual(['alpine:3']);
  });

  it('expands FROM with global ARGs and --build-arg', () => {
    const bf = boxfile([[from('${BASE}')]], [arg('BASE', 'busybox')]);
    expect(plan(input(bf)).stages[0]!.base).toMatchObject({ kind: 'image', ref: 'busybox' });
    expect(planBuild(input(bf, { buildArgs: new Map([['BASE', 'x:1']]) })).missingImages).toEqual(['x:1']);
  });
});

describe('planner config and ops', () => {
  it('builds the config, history and RUN op; SOURCE_DATE_EPOCH sets created', () => {
    const p = plan(input(boxfile([[from('busybox'), env('A', '1'), workdir('app'), label('l', '$A'), run('echo hi')]]), { sourceDateEpoch: 86400 }));
    expect(p.created).toBe('1970-01-02T00:00:00Z');
    expect(p.image.config).toMatchObject({ Env: ['PATH=/bin', 'A=1'], WorkingDir: '/app', Labels: { l: '1' } });
    const steps = stepsOf(p);
    expect(steps.map((s) => s.history?.empty_layer ?? false)).toEqual([false, true, true, true, false]);
    expect(steps[4]!.op).toMatchObject({ type: 'run', argv: ['/bin/sh', '-c', 'echo hi'], workdir: '/app', user: '' });
    expect(steps[4]!.history).toEqual({ created: '1970-01-02T00:00:00Z', created_by: 'RUN echo hi' });
  });

  it('COPY: relative destinations follow WORKDIR; several sources need a trailing slash; missing files are named', () => {
    const p = plan(input(boxfile([[from('busybox'), workdir('/w'), copy(['a.txt', 'src/b.txt'], 'd/')]])));
    expect(stepsOf(p)[2]!.op).toMatchObject({ dest: '/w/d', destIsDir: true, sources: ['a.txt', 'src/b.txt'] });
    expect(() => planBuild(input(boxfile([[from('busybox'), copy(['a.txt', 'src/b.txt'], '/d')]])))).toThrow(/must be a directory and end with a \//);
    expect(() => planBuild(input(boxfile([[from('busybox'), copy(['nope.txt'], '/d')]])))).toThrow(/Boxfile:\d+: COPY nope.txt \/d: nope.txt: not found/);
    expect(() => planBuild(input(boxfile([[from('busybox'), copy(['../x'], '/d')]])))).toThrow(/outside the build context/);
  });
});
