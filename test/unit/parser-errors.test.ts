// Every error message of the parser and validator, with its position, and
// that all problems of a file are reported at once.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { boxfileError, formatDiagnostic, parseBoxfile, parseDump, type Diagnostic } from '../../src/parser/index.js';

function errors(text: string): Diagnostic[] {
  return parseBoxfile(text, { file: 'dir/Boxfile' }).diagnostics.filter((d) => d.severity === 'error');
}

function only(text: string): Diagnostic {
  const e = errors(text);
  expect(e.map((d) => d.message)).toHaveLength(1);
  return e[0] as Diagnostic;
}

const at = (d: Diagnostic) => [d.range.start.line, d.range.start.column];

describe('errors', () => {
  const cases: [string, string, string, [number, number]][] = [
    ['unknown instruction with a suggestion', 'FROM a\nCOPPY a b\n', 'unknown instruction: COPPY (did you mean COPY?)', [2, 1]],
    ['unknown instruction without one', 'FROM a\nBOGUS x\n', 'unknown instruction: BOGUS', [2, 1]],
    ['unknown flag with a suggestion', 'FROM a\nCOPY --chonw=1 a b\n', 'unknown flag --chonw for COPY (did you mean --chown?)', [2, 6]],
    ['misplaced flag', 'FROM a\nRUN --from=x echo\n', 'unknown flag --from for RUN (--from belongs to COPY; RUN takes --mount, --network, --security)', [2, 5]],
    ['flag on an instruction without flags', 'FROM a\nUSER --x=1 me\n', 'unknown flag --x for USER (USER takes no flags)', [2, 6]],
    ['duplicate flag', 'FROM a\nCOPY --from=a --from=b x y\n', 'flag --from is given more than once', [2, 15]],
    ['string flag without value', 'FROM --platform a\n', 'flag --platform needs a value: --platform=VALUE', [1, 6]],
    ['bool flag with a bad value', 'FROM a\nCOPY --link=yes a b\n', "flag --link takes true or false, not 'yes'", [2, 6]],
    ['FROM arity', 'FROM a b\n', 'FROM takes an image and optionally AS NAME (FROM IMAGE [AS NAME]), got 2 arguments', [1, 1]],
    ['FROM without AS', 'FROM a IS b\n', "FROM expects AS before the stage name, not 'IS'", [1, 8]],
    ['bad stage name', 'FROM a AS 1st\n', "invalid stage name '1st': it must start with a letter and contain only letters, digits, '-', '_' and '.'", [1, 11]],
    ['RUN without a command', 'FROM a\nRUN\n', 'RUN needs a command', [2, 1]],
    ['COPY arity', 'FROM a\nCOPY onlyone\n', 'COPY needs a source and a destination (COPY SRC... DEST)', [2, 6]],
    ['ADD with nothing', 'FROM a\nADD\n', 'ADD needs a source and a destination (ADD SRC... DEST)', [2, 1]],
    ['heredoc as destination', 'FROM a\nCOPY a <<E\nx\nE\n', 'COPY cannot use a heredoc as its destination', [2, 8]],
    ['bad octal chmod', 'FROM a\nCOPY --chmod=889 a b\n', "invalid --chmod '889': an octal mode (such as 755 or 0644) or a symbolic one (such as u+x,g-w)", [2, 6]],
    ['bad symbolic chmod', 'FROM a\nCOPY --chmod=u+q a b\n', "invalid --chmod 'u+q': an octal mode (such as 755 or 0644) or a symbolic one (such as u+x,g-w)", [2, 6]],
    ['bad checksum', 'FROM a\nADD --checksum=md5:x http://a /b\n', "invalid --checksum 'md5:x': expected sha256:<hex digest>", [2, 5]],
    ['SHELL not JSON', 'FROM a\nSHELL /bin/sh -c\n', 'SHELL needs a JSON array, such as SHELL ["/bin/sh", "-c"]', [2, 7]],
    ['SHELL empty', 'FROM a\nSHELL []\n', 'SHELL needs at least one element: the shell program', [2, 7]],
    ['ENV without pairs', 'FROM a\nENV\n', 'ENV needs at least one KEY=VALUE', [2, 1]],
    ['ENV legacy with one word', 'FROM a\nENV PATH\n', 'ENV must have two arguments', [2, 5]],
    ['LABEL legacy with one word', 'FROM a\nLABEL x\n', 'LABEL must have two arguments', [2, 7]],
    ['ENV = form with a word without =', 'FROM a\nENV a=b c\n', 'Syntax error - can\'t find = in "c". Must be of the form: name=value', [2, 5]],
    ['blank ENV name', 'FROM a\nENV =x\n', 'ENV names can not be blank', [2, 5]],
    ['ARG without name', 'FROM a\nARG\n', 'ARG needs a name (ARG NAME[=DEFAULT])', [2, 1]],
    ['blank ARG name', 'FROM a\nARG =1\n', 'ARG names can not be blank', [2, 5]],
    ['EXPOSE without ports', 'FROM a\nEXPOSE\n', 'EXPOSE needs at least one port (EXPOSE 80/tcp)', [2, 1]],
    ['bad port', 'FROM a\nEXPOSE 80/xyz\n', "invalid port '80/xyz': use PORT[/PROTOCOL] or FROM-TO[/PROTOCOL]", [2, 8]],
    ['VOLUME without paths', 'FROM a\nVOLUME\n', 'VOLUME needs at least one path', [2, 1]],
    ['blank VOLUME path', 'FROM a\nVOLUME [""]\n', 'VOLUME paths can not be blank', [2, 9]],
    ['USER without user', 'FROM a\nUSER\n', 'USER needs a user (USER NAME[:GROUP])', [2, 1]],
    ['WORKDIR without path', 'FROM a\nWORKDIR\n', 'WORKDIR needs a path', [2, 1]],
    ['STOPSIGNAL without signal', 'FROM a\nSTOPSIGNAL\n', 'STOPSIGNAL needs a signal (STOPSIGNAL SIGTERM)', [2, 1]],
    ['MAINTAINER without name', 'FROM a\nMAINTAINER\n', 'MAINTAINER needs a name', [2, 1]],
    ['HEALTHCHECK without arguments', 'FROM a\nHEALTHCHECK\n', 'HEALTHCHECK needs CMD COMMAND or NONE', [2, 1]],
    ['HEALTHCHECK unknown type', 'FROM a\nHEALTHCHECK CONNECT x\n', "unknown HEALTHCHECK type 'CONNECT' (use CMD or NONE)", [2, 13]],
    ['HEALTHCHECK CMD without command', 'FROM a\nHEALTHCHECK CMD\n', 'HEALTHCHECK CMD needs a command', [2, 13]],
    ['HEALTHCHECK NONE with arguments', 'FROM a\nHEALTHCHECK NONE x\n', 'HEALTHCHECK NONE takes no arguments', [2, 13]],
    ['HEALTHCHECK NONE with flags', 'FROM a\nHEALTHCHECK --retries=1 NONE\n', 'HEALTHCHECK NONE takes no flags', [2, 13]],
    ['bad duration', 'FROM a\nHEALTHCHECK --timeout=10 CMD x\n', "invalid duration '10' for --timeout (such as 30s, 1m30s, 500ms)", [2, 13]],
    ['negative duration', 'FROM a\nHEALTHCHECK --interval=-1s CMD x\n', '--interval cannot be negative', [2, 13]],
    ['too short duration', 'FROM a\nHEALTHCHECK --start-period=10us CMD x\n', '--start-period must be at least 1ms (or 0 for the default)', [2, 13]],
    ['bad retries', 'FROM a\nHEALTHCHECK --retries=many CMD x\n', "--retries must be a whole number, not 'many'", [2, 13]],
    ['negative retries', 'FROM a\nHEALTHCHECK --retries=-2 CMD x\n', '--retries cannot be negative', [2, 13]],
    ['ONBUILD without trigger', 'FROM a\nONBUILD\n', 'ONBUILD needs an instruction to run later (ONBUILD RUN …)', [2, 1]],
    ['ONBUILD ONBUILD', 'FROM a\nONBUILD ONBUILD RUN x\n', 'ONBUILD cannot be chained: ONBUILD ONBUILD is not allowed', [2, 9]],
    ['ONBUILD FROM', 'FROM a\nONBUILD FROM b\n', 'FROM is not allowed as an ONBUILD trigger', [2, 9]],
    ['ONBUILD MAINTAINER', 'FROM a\nONBUILD MAINTAINER me\n', 'MAINTAINER is not allowed as an ONBUILD trigger', [2, 9]],
    ['ONBUILD with a bad trigger', 'FROM a\nONBUILD COPY x\n', 'COPY needs a source and a destination (COPY SRC... DEST)', [2, 14]],
    ['instruction before FROM', 'RUN x\nFROM a\n', 'RUN comes before the first FROM: only ARG may come before FROM', [1, 1]],
    ['no FROM at all', 'ARG a\n', 'the Boxfile has no FROM: every build stage starts with FROM IMAGE', [1, 1]],
    ['duplicate stage at the second definition', 'FROM a AS x\nFROM b AS X\n', "duplicate stage name 'X': already defined at dir/Boxfile:1:11", [2, 11]],
    ['JSON array with non-strings', 'FROM a\nCMD ["a", 1]\n', 'when using JSON array syntax, arrays must be comprised of strings only', [2, 5]],
    ['JSON array with non-strings in ONBUILD', 'FROM a\nONBUILD RUN [true]\n', 'when using JSON array syntax, arrays must be comprised of strings only', [2, 13]],
    ['unterminated heredoc at its << line', 'FROM a\nRUN echo && cat <<EOF\nbody\n', "unterminated heredoc EOF: no line 'EOF' ends it", [2, 17]],
    ['bad escape directive', '# escape=x\nFROM a\n', "invalid escape token 'x' does not match ` or \\", [1, 1]],
    ['duplicate directive', '# syntax=a\n# syntax=b\nFROM a\n', 'only one syntax parser directive can be used', [2, 1]],
    ['empty file', '', 'file with no instructions', [1, 1]],
    ['only comments', '# hello\n\n', 'file with no instructions', [2, 1]],
    ['line too long', `FROM a\nRUN ${'x'.repeat(65536)}\n`, 'dockerfile line greater than max allowed size of 65535', [2, 1]],
    ['bad mount type', 'FROM a\nRUN --mount=type=nfs x\n', "--mount: unsupported mount type 'nfs' (use bind, cache, tmpfs, secret, ssh)", [2, 5]],
    ['unknown mount key', 'FROM a\nRUN --mount=type=tmpfs,target=/t,from=x x\n', "--mount: unexpected key 'from' for a tmpfs mount (allowed: type, target, size)", [2, 5]],
    ['mount without target', 'FROM a\nRUN --mount=type=cache x\n', '--mount: a cache mount needs a target: target=PATH', [2, 5]],
    ['secret mount without id or target', 'FROM a\nRUN --mount=type=secret x\n', '--mount: a secret mount needs an id or a target', [2, 5]],
    ['bad sharing', 'FROM a\nRUN --mount=type=cache,target=/c,sharing=all x\n', "--mount: invalid sharing 'all' (shared, private or locked)", [2, 5]],
    ['bad mount mode', 'FROM a\nRUN --mount=type=secret,id=a,mode=rw x\n', "--mount: invalid mode 'rw': an octal number such as 0755", [2, 5]],
    ['bad mount uid', 'FROM a\nRUN --mount=type=ssh,uid=root x\n', "--mount: invalid uid 'root': a number", [2, 5]],
    ['bad mount bool', 'FROM a\nRUN --mount=type=secret,id=a,required=maybe x\n', "--mount: invalid value for required: 'maybe' (true or false)", [2, 5]],
    ['repeated mount key', 'FROM a\nRUN --mount=type=bind,target=/a,dst=/b x\n', "--mount: mount option 'dst' is given twice", [2, 5]],
    ['mount option without value', 'FROM a\nRUN --mount=type=bind,target=/a,from x\n', "--mount: mount option 'from' needs a value: from=VALUE", [2, 5]],
    ['unterminated CSV quote', 'FROM a\nRUN --mount=type=bind,\\"target=/a x\n', '--mount: unterminated quote in \'type=bind,"target=/a\'', [2, 5]],
    ['bad network', 'FROM a\nRUN --network=bridge x\n', "--network must be default, none or host, not 'bridge'", [2, 5]],
    ['bad security', 'FROM a\nRUN --security=open x\n', "--security must be sandbox or insecure, not 'open'", [2, 5]],
  ];
  for (const [name, text, message, pos] of cases) {
    it(name, () => {
      const d = only(text);
      expect(d.message).toBe(message);
      expect(at(d)).toEqual(pos);
      expect(d.range.file).toBe('dir/Boxfile');
    });
  }

  it('variables skip the checks that need a value', () => {
    expect(errors('FROM a AS ${N}\nCOPY --chmod=$M a b\nEXPOSE $P\nRUN --mount=type=cache,target=/c,mode=$X x\n')).toEqual([]);
  });

  it('reports every problem of a file at once, in order', () => {
    const text = readFileSync(new URL('../../fixtures/invalid/many-errors.Boxfile', import.meta.url), 'utf8');
    const e = errors(text);
    expect(e.map((d) => [d.code, d.range.start.line])).toEqual([
      ['BEFORE_FROM', 1],
      ['UNKNOWN_INSTRUCTION', 3],
      ['UNKNOWN_FLAG', 4],
      ['ARITY', 5],
      ['BAD_DURATION', 6],
      ['BAD_CHMOD', 7],
      ['ONBUILD_TRIGGER', 8],
      ['JSON_NOT_STRINGS', 9],
      ['DUPLICATE_STAGE', 10],
      ['UNTERMINATED_HEREDOC', 11],
    ]);
  });

  it('formats FILE:LINE:COL: message, the source line and a caret', () => {
    const text = 'FROM a\n\tCOPY --chmod=9 a b\n';
    const d = only(text);
    expect(formatDiagnostic(d, text)).toBe("dir/Boxfile:2:7: invalid --chmod '9': an octal mode (such as 755 or 0644) or a symbolic one (such as u+x,g-w)\n  \tCOPY --chmod=9 a b\n  \t     ^");
  });

  it('boxfileError holds every diagnostic, category boxfile', () => {
    const text = 'FROM a\nRUNN x\nCOPY x\n';
    const e = boxfileError(parseBoxfile(text, { file: 'Boxfile' }).diagnostics, text);
    expect(e.category).toBe('boxfile');
    expect(e.message.split('\n')[0]).toBe('Boxfile: 2 errors');
    expect(e.message).toContain('Boxfile:2:1: unknown instruction: RUNN (did you mean RUN?)');
    expect(e.message).toContain('Boxfile:3:6: COPY needs a source and a destination');
    expect(e.ranges).toHaveLength(2);
  });

  it('empty continuation lines are warnings, not errors', () => {
    const r = parseBoxfile('FROM a\nRUN x \\\n\n  y\n', { file: 'B' });
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'EMPTY_CONTINUATION' })]);
  });

  it('dump mode accepts what BuildKit accepts and stops at its first error', () => {
    expect(parseDump('FOO bar\nFROM\nONBUILD FROM x\n').value).toBe('(foo "")\n(from)\n(onbuild (from "x"))\n');
    const r = parseDump('FROM a\nENV x\nCMD [1]\n');
    expect(r.diagnostics.map((d) => d.message)).toEqual(['ENV must have two arguments']);
  });
});
