import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Requirement, TestRef } from './requirements.js';

/** A test's outcome in vitest's JSON report; "not run" when the report does not hold it. */
export type TestOutcome = 'passed' | 'failed' | 'skipped' | 'not run';

/** The parts of vitest's JSON reporter output (Jest's format) the pack reads. */
interface JsonReport {
  testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
}

export interface TracedTest extends TestRef {
  outcome: TestOutcome;
}

export interface TracedRequirement extends Requirement {
  tests: TracedTest[];
  /** Passed when every test of it passed in this run; otherwise what kept it from passing. */
  outcome: 'passed' | 'failed' | 'not run';
}

/**
 * Runs the given test files with vitest's JSON reporter into `outputFile` (vitest's own output goes to
 * the console as usual). Returns vitest's exit code: non-zero when a test failed, which the matrix shows.
 */
export function runTests(files: string[], outputFile: string): number | null {
  const run = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...files],
    {
      stdio: 'inherit',
    },
  );
  return run.status;
}

export function readTestReport(file: string): JsonReport {
  return JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
}

function outcomeIn(report: JsonReport, ref: TestRef): TestOutcome {
  const file = report.testResults.find((result) => result.name.replaceAll('\\', '/').endsWith(`/${ref.file}`) || result.name === ref.file);
  // A title may appear under several describe blocks; the test counts as passed only if each did.
  const statuses = file?.assertionResults.filter((assertion) => assertion.title === ref.test).map((assertion) => assertion.status) ?? [];
  if (statuses.length === 0) return 'not run';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.every((status) => status === 'passed')) return 'passed';
  return 'skipped';
}

/** Each requirement with its tests and their outcome in the report. */
export function traceOutcomes(requirements: Requirement[], tests: Map<string, TestRef[]>, report: JsonReport | null): TracedRequirement[] {
  return requirements.map((requirement) => {
    const traced = (tests.get(requirement.id) ?? []).map((ref) => ({ ...ref, outcome: report ? outcomeIn(report, ref) : ('not run' as const) }));
    const outcome =
      traced.length > 0 && traced.every((test) => test.outcome === 'passed')
        ? 'passed'
        : traced.some((test) => test.outcome === 'failed')
          ? 'failed'
          : 'not run';
    return { ...requirement, tests: traced, outcome };
  });
}

/**
 * Every test the report holds as failed that no requirement names: a failure outside the traced tests
 * still means the build did not pass, and the first page must not hide it.
 */
export function untracedFailures(report: JsonReport, tests: Map<string, TestRef[]>): TestRef[] {
  const traced = new Set([...tests.values()].flat().map((ref) => `${ref.file}\u0000${ref.test}`));
  const root = `${process.cwd().replaceAll('\\', '/')}/`;
  return report.testResults.flatMap((result) => {
    const name = result.name.replaceAll('\\', '/');
    const file = name.startsWith(root) ? name.slice(root.length) : name;
    return result.assertionResults
      .filter((assertion) => assertion.status === 'failed' && !traced.has(`${file}\u0000${assertion.title}`))
      .map((assertion) => ({ file, test: assertion.title }));
  });
}
