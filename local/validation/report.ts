import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import type { CheckResult } from './checks.js';
import type { TestRef } from './requirements.js';
import type { TracedRequirement } from './test-outcomes.js';
import type { Versions } from './versions.js';

export interface PackContents {
  createdAt: string;
  installationUrl: string;
  /** How the test outcomes were obtained: this run of vitest, or a results file given. */
  testSource: string;
  requirements: TracedRequirement[];
  /** Tests that failed in this run although no requirement names them. */
  untracedFailures: TestRef[];
  /** Traceability problems (a requirement without a test, a stale map entry): none in a releasable build. */
  traceProblems: string[];
  installation: CheckResult[];
  operation: CheckResult[];
  versions: Versions;
  reportedVersion: unknown;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function outcomeCell(outcome: string): string {
  const kind = outcome === 'pass' || outcome === 'passed' ? 'good' : outcome === 'not applicable' ? 'neutral' : 'bad';
  return `<td class="${kind}">${escape(outcome)}</td>`;
}

function checksTable(results: CheckResult[]): string {
  return `<table><thead><tr><th>Id</th><th>Check</th><th>Outcome</th></tr></thead><tbody>${results
    .map((result) => `<tr><td>${result.id}</td><td>${escape(result.title)}</td>${outcomeCell(result.outcome)}</tr>`)
    .join('')}</tbody></table>`;
}

function checkDetails(results: CheckResult[]): string {
  return results
    .map(
      (result) => `<section class="check"><h3>${result.id} ${escape(result.title)}: ${escape(result.outcome)}</h3>
<ul>${result.details.map((detail) => `<li>${escape(detail)}</li>`).join('')}</ul>
${result.evidence.length ? `<p class="evidence">Evidence: ${result.evidence.map((file) => `<a href="${escape(file)}">${escape(file)}</a>`).join(', ')}</p>` : ''}
</section>`,
    )
    .join('\n');
}

/** The pack's report: its first page says whether the pack shows what it should, the rest is the detail. */
export function reportHtml(pack: PackContents): string {
  const notPassing = pack.requirements.filter((requirement) => requirement.outcome !== 'passed');
  const failedChecks = [...pack.installation, ...pack.operation].filter((result) => result.outcome === 'fail');
  const count = (results: CheckResult[], outcome: string) => results.filter((result) => result.outcome === outcome).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>EquipManSys validation pack ${escape(pack.createdAt)}</title>
<style>
  body { font: 10.5pt/1.4 system-ui, sans-serif; margin: 1.5cm; color: #111; }
  h1 { font-size: 18pt; margin: 0 0 .3em; } h2 { font-size: 13pt; margin-top: 1.4em; } h3 { font-size: 11pt; margin: 1em 0 .3em; }
  table { border-collapse: collapse; width: 100%; margin: .5em 0; } th, td { border: 1px solid #999; padding: 2px 5px; text-align: left; vertical-align: top; }
  td { overflow-wrap: anywhere; } .facts { table-layout: fixed; } table:not(.facts) td:nth-child(-n+2) { white-space: nowrap; overflow-wrap: normal; }
  th { background: #eee; } .good { background: #dff0d8; } .bad { background: #f2dede; font-weight: 600; } .neutral { background: #f5f5f5; }
  td:first-child { white-space: nowrap; } .first-page { page-break-after: always; } .facts td:first-child { width: 32%; font-weight: 600; }
  .evidence, .small { font-size: 8.5pt; color: #333; word-break: break-all; } .check { page-break-inside: avoid; }
</style></head><body>
<div class="first-page">
<h1>EquipManSys validation pack</h1>
<table class="facts">
<tr><td>Made</td><td>${escape(pack.createdAt)}</td></tr>
<tr><td>Installation</td><td>${escape(pack.installationUrl)}</td></tr>
<tr><td>Installation reports</td><td>${escape(JSON.stringify(pack.reportedVersion))}</td></tr>
<tr><td>Traced build (commit)</td><td>${escape(pack.versions.commit ?? '(not a git checkout)')}${pack.versions.dirty ? ' with uncommitted changes' : ''}</td></tr>
<tr><td>Test outcomes</td><td>${escape(pack.testSource)}</td></tr>
<tr><td>Requirements</td><td>${pack.requirements.length}, of which ${pack.requirements.length - notPassing.length} with every test passing</td></tr>
<tr><td>Installation checks (IQ)</td><td>${count(pack.installation, 'pass')} pass, ${count(pack.installation, 'fail')} fail, ${count(pack.installation, 'not applicable')} not applicable</td></tr>
<tr><td>Operational scenarios (OQ)</td><td>${count(pack.operation, 'pass')} pass, ${count(pack.operation, 'fail')} fail</td></tr>
</table>
<h2>Requirements without a passing test</h2>
${
  notPassing.length === 0
    ? '<p>None: every requirement has tests, and every one of them passed in this run.</p>'
    : `<table><thead><tr><th>Id</th><th>Risk</th><th>Requirement</th><th>Outcome</th></tr></thead><tbody>${notPassing
        .map(
          (requirement) =>
            `<tr><td>${requirement.id}</td><td>${requirement.risk}</td><td>${escape(requirement.text)}</td>${outcomeCell(requirement.outcome)}</tr>`,
        )
        .join('')}</tbody></table>`
}
${pack.traceProblems.length ? `<h2>Traceability problems</h2><ul>${pack.traceProblems.map((problem) => `<li>${escape(problem)}</li>`).join('')}</ul>` : ''}
<h2>Other tests that failed in this run</h2>
${
  pack.untracedFailures.length === 0
    ? '<p>None.</p>'
    : `<table><thead><tr><th>File</th><th>Test</th></tr></thead><tbody>${pack.untracedFailures
        .map((test) => `<tr><td>${escape(test.file)}</td><td class="bad">${escape(test.test)}</td></tr>`)
        .join('')}</tbody></table>`
}
<h2>Checks and scenarios that failed</h2>
${failedChecks.length === 0 ? '<p>None.</p>' : `<ul>${failedChecks.map((result) => `<li>${result.id} ${escape(result.title)}</li>`).join('')}</ul>`}
<p class="small">Every file of this pack is listed with its SHA-256 in manifest.sha256 (check with <code>sha256sum -c manifest.sha256</code> in the pack's folder).</p>
</div>

<h2>Traceability matrix</h2>
<table><thead><tr><th>Id</th><th>Risk</th><th>Requirement</th><th>Tests (file: title, outcome)</th><th>Outcome</th></tr></thead><tbody>
${pack.requirements
  .map(
    (requirement) =>
      `<tr><td>${requirement.id}</td><td>${requirement.risk}</td><td>${escape(requirement.text)}</td><td class="small">${requirement.tests
        .map((test) => `${escape(test.file)}: ${escape(test.test)} <b>(${test.outcome})</b>`)
        .join('<br>')}</td>${outcomeCell(requirement.outcome)}</tr>`,
  )
  .join('\n')}
</tbody></table>

<h2>Installation qualification (IQ)</h2>
${checksTable(pack.installation)}
${checkDetails(pack.installation)}

<h2>Operational qualification (OQ)</h2>
${checksTable(pack.operation)}
${checkDetails(pack.operation)}

<h2>Versions</h2>
<table class="facts">
<tr><td>Commit</td><td>${escape(pack.versions.commit ?? '(none)')}${pack.versions.dirty ? ' (uncommitted changes)' : ''}</td></tr>
<tr><td>package-lock.json SHA-256</td><td>${pack.versions.lockfileSha256}</td></tr>
<tr><td>Node.js</td><td>${escape(pack.versions.node)} on ${escape(pack.versions.platform)}</td></tr>
${Object.entries(pack.versions.packages)
  .map(([name, version]) => `<tr><td>${escape(name)}</td><td>${escape(version)}</td></tr>`)
  .join('\n')}
</table>
</body></html>
`;
}

/** Prints the report to PDF with Chromium, as a browser would print it (A4, backgrounds on). */
export async function printPdf(htmlFile: string, pdfFile: string): Promise<void> {
  // The sandbox needs user namespaces that CI containers running as root do not have; the page is the pack's own file.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(htmlFile).toString());
    await page.pdf({ path: pdfFile, format: 'A4', printBackground: true, margin: { top: '1cm', bottom: '1cm', left: '0.5cm', right: '0.5cm' } });
  } finally {
    await browser.close();
  }
}
