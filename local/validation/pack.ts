import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { CheckResult } from './checks.js';
import { installationChecks } from './installation-checks.js';
import { startLocalInstallation } from './local-installation.js';
import { reportHtml, printPdf } from './report.js';
import { readRequirements, readRequirementsMap, testFiles, traceRequirements } from './requirements.js';
import { operationalScenarios, type ValidationAccounts } from './scenarios.js';
import { readTestReport, runTests, traceOutcomes, untracedFailures, type TracedRequirement } from './test-outcomes.js';
import type { TestRef } from './requirements.js';
import { currentVersions } from './versions.js';

/** Where packs are written unless told otherwise: git-ignored. */
export const defaultPackRoot = 'validation-packs';

export interface PackOptions {
  /** The installation to check; without it the local product is started for the pack and stopped after. */
  url?: string;
  /** A vitest JSON report to take the test outcomes from, instead of running the mapped tests now. */
  results?: string;
  /** The lab the scenarios act in. */
  labId: string;
  /** Who the scenarios act as; required with `url`, the demo users otherwise. */
  accounts?: ValidationAccounts;
  outRoot?: string;
  now?: Date;
}

export interface PackSummary {
  dir: string;
  requirements: TracedRequirement[];
  traceProblems: string[];
  untracedFailures: TestRef[];
  installation: CheckResult[];
  operation: CheckResult[];
  /** Every requirement passed, no other test failed, every check and scenario passed or did not apply, and the trace has no problem. */
  passed: boolean;
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { name: string; parentPath: string; isFile: () => boolean }[])
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .split(sep)
        .join('/'),
    )
    .sort();
}

/** `sha256sum -c manifest.sha256` checks it: every file of the pack but the manifest itself. */
function writeManifest(dir: string): void {
  const lines = filesUnder(dir)
    .filter((file) => file !== 'manifest.sha256')
    .map(
      (file) =>
        `${createHash('sha256')
          .update(readFileSync(join(dir, file)))
          .digest('hex')}  ${file}`,
    );
  writeFileSync(join(dir, 'manifest.sha256'), `${lines.join('\n')}\n`);
}

const writeJson = (dir: string, file: string, value: unknown) => writeFileSync(join(dir, file), `${JSON.stringify(value, null, 2)}\n`);

/**
 * Makes a dated validation pack (SPEC §16): the requirements traced to their tests and this run's
 * outcomes, the versions, the installation checks (IQ) and operational scenarios (OQ) against an
 * installation with their evidence, an HTML report and its PDF, and a SHA-256 manifest of it all.
 */
export async function makeValidationPack(options: PackOptions): Promise<PackSummary> {
  const now = options.now ?? new Date();
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  const dir = resolve(options.outRoot ?? defaultPackRoot, stamp);
  mkdirSync(dir, { recursive: true });

  const requirements = readRequirements();
  const trace = traceRequirements(requirements, readRequirementsMap(), testFiles());
  const reportFile = join(dir, 'test-results.json');
  let testSource: string;
  if (options.results) {
    copyFileSync(options.results, reportFile);
    testSource = `the results file given (${options.results}), kept as test-results.json`;
  } else {
    const files = [...new Set([...trace.tests.values()].flat().map((ref) => ref.file))].sort();
    const code = runTests(files, reportFile);
    testSource = `vitest run now on the ${files.length} test files the requirements name (exit code ${code}), kept as test-results.json`;
  }
  const testReport = readTestReport(reportFile);
  const traced = traceOutcomes(requirements, trace.tests, testReport);
  const otherFailures = untracedFailures(testReport, trace.tests);

  const versions = currentVersions();
  const local = options.url ? undefined : await startLocalInstallation();
  const url = options.url ?? local!.url;
  const accounts: ValidationAccounts = options.accounts ?? {
    technician: { username: 'tech1', password: local!.password },
    manager: { username: 'manager1', password: local!.password },
    administrator: { username: 'admin', password: local!.password },
  };
  let installation: CheckResult[];
  let operation: CheckResult[];
  let reportedVersion: unknown = null;
  try {
    installation = await installationChecks(url, dir, { commit: versions.commit }, accounts);
    reportedVersion = await fetch(new URL('/api/health/version', url))
      .then((answer) => answer.json())
      .catch(() => null);
    operation = await operationalScenarios(url, dir, options.labId, accounts, stamp.replace(/[^0-9]/g, '').slice(0, 14));
  } finally {
    await local?.stop();
  }

  const contents = {
    createdAt: now.toISOString(),
    installationUrl: options.url ?? `${url} (the local product started for this pack, with a fresh data folder and the demo company)`,
    testSource,
    requirements: traced,
    untracedFailures: otherFailures,
    traceProblems: trace.problems,
    installation,
    operation,
    versions,
    reportedVersion,
  };
  writeJson(dir, 'traceability.json', { requirements: traced, untracedFailures: otherFailures, problems: trace.problems });
  writeJson(dir, 'versions.json', { ...versions, installation: reportedVersion });
  writeJson(dir, 'iq.json', installation);
  writeJson(dir, 'oq.json', operation);
  writeFileSync(join(dir, 'report.html'), reportHtml(contents));
  await printPdf(join(dir, 'report.html'), join(dir, 'report.pdf'));
  writeManifest(dir);

  const checksPass = [...installation, ...operation].every((result) => result.outcome !== 'fail');
  return {
    dir,
    requirements: traced,
    traceProblems: trace.problems,
    untracedFailures: otherFailures,
    installation,
    operation,
    passed: checksPass && trace.problems.length === 0 && otherFailures.length === 0 && traced.every((requirement) => requirement.outcome === 'passed'),
  };
}
