// Every instruction to its typed form, with ranges.
import { describe, expect, it } from 'vitest';
import { hasErrors, parseBoxfile, type Instruction } from '../../src/parser/index.js';

function one<K extends Instruction['kind']>(text: string, kind: K, index = 1): Extract<Instruction, { kind: K }> {
  const r = parseBoxfile(text, { file: 'Boxfile' });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const inst = r.value.instructions[index] as Instruction;
  expect(inst.kind).toBe(kind);
  return inst as Extract<Instruction, { kind: K }>;
}

describe('typed instructions', () => {
  it('FROM with platform, image and stage name (raw, unexpanded)', () => {
    const f = one('ARG B=x\nFROM --platform=$BUILDPLATFORM ${B}:1 AS Build\n', 'from');
    expect(f.image.text).toBe('${B}:1');
    expect(f.stageName?.text).toBe('Build');
    expect(f.platform?.value).toBe('$BUILDPLATFORM');
    expect(f.platform?.range.start).toMatchObject({ line: 2, column: 6 });
    expect(f.image.range.start).toMatchObject({ line: 2, column: 32 });
    expect(f.range.start).toMatchObject({ line: 2, column: 1 });
  });

  it('RUN shell form, exec form, mounts, network, security', () => {
    const r = one('FROM a\nRUN --network=none --security=insecure --mount=type=cache,target=/c,id=x,sharing=private,mode=0700,uid=1,gid=2 \\\n  make all\n', 'run');
    expect(r.command).toMatchObject({ form: 'shell', text: 'make all' });
    expect(r.network?.value).toBe('none');
    expect(r.security?.value).toBe('insecure');
    expect(r.mounts).toEqual([
      expect.objectContaining({ type: 'cache', target: '/c', id: 'x', sharing: 'private', mode: '0700', uid: '1', gid: '2', readonly: false }),
    ]);
    expect(r.range).toMatchObject({ start: { line: 2, column: 1 }, end: { line: 3 } });
    const e = one('FROM a\nRUN ["echo", "a b"]\n', 'run');
    expect(e.command).toMatchObject({ form: 'exec', args: ['echo', 'a b'] });
  });

  it('RUN mount kinds: bind, tmpfs, secret, ssh', () => {
    const r = one(
      'FROM a\nRUN --mount=type=bind,from=b,src=/s,dst=/d,rw --mount=type=tmpfs,target=/t,size=1g --mount=type=secret,id=s,env=TOKEN,required --mount=type=ssh,id=default,target=/ssh x\n',
      'run',
    );
    expect(r.mounts.map((m) => m.type)).toEqual(['bind', 'tmpfs', 'secret', 'ssh']);
    expect(r.mounts[0]).toMatchObject({ type: 'bind', from: 'b', source: '/s', target: '/d', readonly: false });
    expect(r.mounts[1]).toMatchObject({ type: 'tmpfs', target: '/t', size: '1g' });
    expect(r.mounts[2]).toMatchObject({ type: 'secret', id: 's', env: 'TOKEN', required: true });
    expect(r.mounts[3]).toMatchObject({ type: 'ssh', id: 'default', target: '/ssh', required: false });
    expect(r.mounts[1]?.range.start.column).toBe(r.flags[1]?.range.start.column);
  });

  it('RUN heredocs: body, chomp, quoted delimiter, file descriptor', () => {
    const r = one("FROM a\nRUN <<-'EOT' 3<<X bash\n\techo $HOME\n\tEOT\nx\nX\n", 'run');
    expect(r.heredocs).toEqual([
      expect.objectContaining({ name: 'EOT', chomp: true, expand: false, fileDescriptor: 0, content: '\techo $HOME\n' }),
      expect.objectContaining({ name: 'X', chomp: false, expand: true, fileDescriptor: 3, content: 'x\n' }),
    ]);
    expect(r.heredocs[0]?.range.start).toMatchObject({ line: 2, column: 5 });
    expect(r.heredocs[0]?.bodyRange.start.line).toBe(3);
    expect(r.range.end.line).toBe(6);
  });

  it('COPY with every flag, and heredoc sources', () => {
    const c = one('FROM a\nCOPY --from=b --chown=1:2 --chmod=u+x --link --parents --exclude=*.md --exclude=x/ a b /dst/\n', 'copy');
    expect(c.sources.map((s) => s.text)).toEqual(['a', 'b']);
    expect(c.dest.text).toBe('/dst/');
    expect(c.from?.value).toBe('b');
    expect(c.chown?.value).toBe('1:2');
    expect(c.chmod?.value).toBe('u+x');
    expect(c.link).toBe(true);
    expect(c.parents).toBe(true);
    expect(c.exclude.map((e) => e.value)).toEqual(['*.md', 'x/']);
    expect(c.dest.range.start).toMatchObject({ line: 2, column: 88 });
    const h = one('FROM a\nCOPY <<A <<B /d/\na\nA\nb\nB\n', 'copy');
    expect(h.heredocs.map((x) => [x.name, x.content])).toEqual([
      ['A', 'a\n'],
      ['B', 'b\n'],
    ]);
    const j = one('FROM a\nCOPY ["a b", "/c d/"]\n', 'copy');
    expect(j).toMatchObject({ json: true, dest: { text: '/c d/' } });
    expect(j.sources[0]?.text).toBe('a b');
  });

  it('ADD with --keep-git-dir, --checksum, --link=false', () => {
    const a = one('FROM a\nADD --keep-git-dir --checksum=sha256:abcdef01 --link=false https://x/y.tgz /y\n', 'add');
    expect(a.keepGitDir).toBe(true);
    expect(a.checksum?.value).toBe('sha256:abcdef01');
    expect(a.link).toBe(false);
  });

  it('CMD, ENTRYPOINT (exec and shell) and SHELL', () => {
    expect(one('FROM a\nCMD ["a", "b"]\n', 'cmd').command).toMatchObject({ form: 'exec', args: ['a', 'b'] });
    expect(one('FROM a\nCMD echo  "$X"\n', 'cmd').command).toMatchObject({ form: 'shell', text: 'echo  "$X"' });
    expect(one('FROM a\nENTRYPOINT ["/init"]\n', 'entrypoint').command).toMatchObject({ form: 'exec', args: ['/init'] });
    expect(one('FROM a\nSHELL ["pwsh", "-c"]\n', 'shell').shell).toEqual(['pwsh', '-c']);
  });

  it('ENV and LABEL: both forms, raw values', () => {
    const e = one('FROM a\nENV A=1 B="x y" C=$A\n', 'env');
    expect(e.legacy).toBe(false);
    expect(e.pairs.map((p) => [p.key, p.value])).toEqual([
      ['A', '1'],
      ['B', '"x y"'],
      ['C', '$A'],
    ]);
    expect(e.pairs[1]?.range.start).toMatchObject({ line: 2, column: 9 });
    const l = one('FROM a\nENV GOPATH /go  and more\n', 'env');
    expect(l).toMatchObject({ legacy: true, pairs: [{ key: 'GOPATH', value: '/go  and more' }] });
    const lab = one('FROM a\nLABEL "a b"=c d=e\n', 'label');
    expect(lab.pairs.map((p) => p.key)).toEqual(['"a b"', 'd']);
  });

  it('ARG with and without defaults', () => {
    const a = one('FROM a\nARG A B=2 C="x y"\n', 'arg');
    expect(a.args).toEqual([
      expect.objectContaining({ name: 'A' }),
      expect.objectContaining({ name: 'B', defaultValue: '2' }),
      expect.objectContaining({ name: 'C', defaultValue: '"x y"' }),
    ]);
    expect(a.args[0]?.defaultValue).toBeUndefined();
  });

  it('EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER', () => {
    expect(one('FROM a\nEXPOSE 80 53/udp $P\n', 'expose').ports.map((p) => p.text)).toEqual(['80', '53/udp', '$P']);
    expect(one('FROM a\nVOLUME ["/a", "/b"]\n', 'volume')).toMatchObject({ json: true, paths: [{ text: '/a' }, { text: '/b' }] });
    expect(one('FROM a\nVOLUME /a /b\n', 'volume').paths.map((p) => p.text)).toEqual(['/a', '/b']);
    expect(one('FROM a\nUSER app:grp\n', 'user').user.text).toBe('app:grp');
    expect(one('FROM a\nWORKDIR /srv/$X\n', 'workdir').path.text).toBe('/srv/$X');
    expect(one('FROM a\nSTOPSIGNAL SIGKILL\n', 'stopsignal').signal.text).toBe('SIGKILL');
    expect(one('FROM a\nMAINTAINER Jo <jo@x>\n', 'maintainer').maintainer.text).toBe('Jo <jo@x>');
  });

  it('HEALTHCHECK CMD with every option, and NONE', () => {
    const h = one('FROM a\nHEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1.5s --retries=4 CMD curl -f x\n', 'healthcheck');
    expect(h.test).toMatchObject({ type: 'cmd', command: { form: 'shell', text: 'curl -f x' } });
    expect(h.interval?.nanoseconds).toBe(90e9);
    expect(h.timeout?.nanoseconds).toBe(500e6);
    expect(h.startPeriod?.nanoseconds).toBe(2e9);
    expect(h.startInterval?.nanoseconds).toBe(1.5e9);
    expect(h.retries?.value).toBe(4);
    expect(one('FROM a\nHEALTHCHECK CMD ["/bin/check", "x"]\n', 'healthcheck').test).toMatchObject({ type: 'cmd', command: { form: 'exec', args: ['/bin/check', 'x'] } });
    expect(one('FROM a\nHEALTHCHECK NONE\n', 'healthcheck').test).toEqual({ type: 'none' });
  });

  it('ONBUILD with a nested instruction and its expression', () => {
    const o = one('FROM a\nONBUILD COPY --chown=1 . /app\n', 'onbuild');
    expect(o.expression).toBe('COPY --chown=1 . /app');
    expect(o.trigger).toMatchObject({ kind: 'copy', chown: { value: '1' }, dest: { text: '/app' } });
    expect(o.trigger.range.start).toMatchObject({ line: 2, column: 9 });
    const h = one('FROM a\nONBUILD RUN <<E\nhi\nE\n', 'onbuild');
    expect(h.trigger).toMatchObject({ kind: 'run', heredocs: [{ name: 'E', content: 'hi\n' }] });
  });

  it('keywords are case-insensitive and keep their spelling', () => {
    const r = one('from a\nrUn echo\n', 'run');
    expect(r.keyword).toBe('rUn');
  });

  it('stages, global args and directives', () => {
    const r = parseBoxfile('# syntax=x/y\n# escape=`\nARG A\nFROM a AS One\nRUN x `\n  y\nFROM one\nRUN z\n', { file: 'B' });
    expect(hasErrors(r.diagnostics)).toBe(false);
    expect(r.value.directives).toEqual({ syntax: 'x/y', escape: '`' });
    expect(r.value.globalArgs.length).toBe(1);
    expect(r.value.stages.map((s) => [s.index, s.name, s.instructions.length])).toEqual([
      [0, 'one', 1],
      [1, undefined, 1],
    ]);
    expect(r.value.stages[0]?.instructions[0]).toMatchObject({ command: { text: 'x   y' } });
  });
});
