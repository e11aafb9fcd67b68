// Runs the test suite: the pure tests first (in parallel), then the tests
// that touch the kernel (one file at a time), and prints one closing line
// `tests: N passed, N failed, N skipped`. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const extra = process.argv.slice(2);
const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let failedRun = false;

for (const project of ['unit', 'e2e']) {
  const out = path.join(dir, `${project}.json`);
  const argv = ['vitest', 'run', '--project', project, '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra];
  const r = spawnSync('npx', argv, { stdio: 'inherit' });
  if (r.status !== 0) failedRun = true;
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    if ((report.numFailedTestSuites ?? 0) > 0 && (report.numFailedTests ?? 0) === 0) totals.failed += report.numFailedTestSuites;
  } catch {
    if (r.status !== 0) totals.failed += 1;
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedRun || totals.failed > 0 ? 1 : 0);
