// Parses a generated 10,000-instruction Boxfile in-process (every instruction
// kind) and prints the median time. Run: npx tsx bench/parse.ts [instructions] [runs]
import { performance } from 'node:perf_hooks';
import { parseBoxfile } from '../src/parser/index.js';
import { globalScope, stageScope } from '../src/parser/scope.js';

const INSTRUCTIONS = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 20);
const WARMUP = 5;

/** One stage body; `i` keeps every line a little different. Each entry is one instruction. */
function stageBody(s: number): string[] {
  return [
    `ARG VERSION_${s}=1.${s}`,
    `ENV PATH=/opt/s${s}/bin:$PATH HOME=/root`,
    `ENV LEGACY_${s} value with spaces`,
    `LABEL org.example.stage="${s}" version="\${VERSION_${s}}"`,
    `RUN apt-get update && apt-get install -y curl \\\n    ca-certificates \\\n  && rm -rf /var/lib/apt/lists/*`,
    `RUN --mount=type=cache,target=/root/.cache,sharing=locked --mount=type=bind,source=.,target=/src --network=none make -C /src build-${s}`,
    `RUN --mount=type=secret,id=token,required=true --mount=type=ssh --mount=type=tmpfs,target=/tmp ["sh", "-c", "echo ${s}"]`,
    `RUN <<EOF\nset -e\necho stage ${s}\nEOF`,
    `COPY --chown=1000:1000 --chmod=755 --link src/ /app/src/`,
    `COPY --from=stage${Math.max(0, s - 1)} /out/bin /usr/local/bin/`,
    `COPY <<EOF /etc/stage${s}.conf\nkey=value\nEOF`,
    `ADD --keep-git-dir=true --checksum=sha256:${'a'.repeat(64)} https://example.com/f${s}.tar.gz /tmp/`,
    `ADD ["file with space ${s}", "/dest/"]`,
    `WORKDIR /app/\${VERSION_${s}}`,
    `USER app:app`,
    `EXPOSE 80/tcp 443 ${8000 + (s % 1000)}/udp`,
    `VOLUME ["/data${s}", "/logs"]`,
    `HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --start-interval=2s --retries=3 CMD curl -f http://localhost/ || exit 1`,
    `ONBUILD RUN echo triggered ${s}`,
    `STOPSIGNAL SIGTERM`,
    `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`,
    `MAINTAINER someone${s}@example.com`,
    `ENTRYPOINT ["/usr/local/bin/app", "--stage", "${s}"]`,
    `CMD ["--help"]`,
  ];
}

export function generateBoxfile(total: number): { text: string; count: number } {
  const out: string[] = ['# syntax=docker/dockerfile:1', 'ARG BASE=alpine:3.19', 'ARG TARGETARCH'];
  let count = 2;
  for (let s = 0; count < total; s++) {
    out.push(s % 3 === 0 ? `FROM --platform=$BUILDPLATFORM \${BASE} AS stage${s}` : `FROM stage${s - 1} AS stage${s}`);
    count++;
    for (const inst of stageBody(s)) {
      if (count >= total) break;
      out.push(inst);
      count++;
    }
  }
  return { text: out.join('\n') + '\n', count };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const { text, count } = generateBoxfile(INSTRUCTIONS);
const first = parseBoxfile(text, { file: 'bench/Boxfile' });
const errors = first.diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) {
  console.error(`generated Boxfile has ${errors.length} errors, first: ${errors[0]?.range.start.line}: ${errors[0]?.message}`);
  process.exit(1);
}
const kinds = new Set(first.value.instructions.map((i) => i.kind));

for (let i = 0; i < WARMUP; i++) parseBoxfile(text);
const times: number[] = [];
const cpuTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  parseBoxfile(text);
  times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpuTimes.push((c.user + c.system) / 1000);
}

// ARG/ENV scoping of every stage, as the planner runs it
const platform = { os: 'linux', architecture: 'amd64' };
const scopeTimes: number[] = [];
for (let i = 0; i < WARMUP + RUNS; i++) {
  const t0 = performance.now();
  const opts = { buildPlatform: platform, targetPlatform: platform };
  const g = globalScope(first.value.globalArgs, opts);
  for (const stage of first.value.stages) stageScope(stage.instructions, g, opts);
  if (i >= WARMUP) scopeTimes.push(performance.now() - t0);
}

console.log(
  `parse: ${count} instructions (${first.value.instructions.length} parsed, ${kinds.size} kinds, ${first.value.stages.length} stages, ${text.length} bytes): ` +
    `median ${median(times).toFixed(1)} ms over ${RUNS} runs (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}); ` +
    `CPU time median ${median(cpuTimes).toFixed(1)} ms (user+system, all threads incl. GC)`,
);
console.log(`scope: median ${median(scopeTimes).toFixed(1)} ms for all stages`);
