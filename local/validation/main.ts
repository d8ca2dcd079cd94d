// `npm run validation-pack [-- --url <installation>] [-- --results <vitest JSON>] [-- --lab <labId>] [-- --out <folder>]`
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { defaultPackRoot, makeValidationPack } from './pack.js';
import type { Account, ValidationAccounts } from './scenarios.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    results: { type: 'string' },
    lab: { type: 'string', default: 'LAB01' },
    out: { type: 'string', default: defaultPackRoot },
  },
});

/** An installation's accounts come from the environment, so no password is typed on a command line. */
function accountFromEnvironment(role: string, fallbackUsername: string): Account {
  const username = process.env[`VALIDATION_${role}`] ?? fallbackUsername;
  const password = process.env[`VALIDATION_${role}_PASSWORD`];
  if (!password) {
    console.error(
      `Set VALIDATION_${role}_PASSWORD (and VALIDATION_${role} unless the account is ${fallbackUsername}) to run the scenarios against ${values.url}.`,
    );
    process.exit(2);
  }
  return { username, password };
}

const accounts: ValidationAccounts | undefined = values.url
  ? {
      technician: accountFromEnvironment('TECHNICIAN', 'tech1'),
      manager: accountFromEnvironment('MANAGER', 'manager1'),
      administrator: accountFromEnvironment('ADMINISTRATOR', 'admin'),
    }
  : undefined;

const pack = await makeValidationPack({ url: values.url, results: values.results, labId: values.lab!, outRoot: values.out, accounts });
const notPassing = pack.requirements.filter((requirement) => requirement.outcome !== 'passed');
console.log(`\nValidation pack written to ${relative('.', pack.dir) || pack.dir}`);
console.log(
  `Requirements: ${pack.requirements.length}, ${notPassing.length} without a passing test${notPassing.length ? `: ${notPassing.map((requirement) => requirement.id).join(', ')}` : ''}`,
);
for (const result of [...pack.installation, ...pack.operation]) console.log(`${result.id} ${result.outcome.padEnd(14)} ${result.title}`);
for (const problem of pack.traceProblems) console.log(`Traceability: ${problem}`);
for (const test of pack.untracedFailures) console.log(`Failed outside the requirements: ${test.file}: ${test.test}`);
process.exit(pack.passed ? 0 : 1);
