import { createHash, timingSafeEqual } from 'node:crypto';
import { RateLimiter } from '../auth/rate-limit.js';
import type { Cookie } from '@azure/functions';
import { assertAcceptablePassword, signedInSession } from '../auth/sign-in.js';
import { DocumentExists } from '../data/errors.js';
import { activeAdministratorExists, createInstallation, installationId, readInstallation, type InstallationDocument } from '../data/installation-repository.js';
import { readLab } from '../data/labs-repository.js';
import { readUser } from '../data/users-repository.js';
import { addLab } from '../labs/manage-labs.js';
import type { RequestFacts } from '../platform/http-pipeline.js';
import { badRequest, conflict, forbidden, notFound } from '../platform/problems.js';
import { optionalSecret } from '../platform/secrets.js';
import type { SetupRequest, SetupResult } from '../schemas/setup.js';
import { createLocalUser, systemActor } from '../users/manage-users.js';

/** A guess at the token costs an attempt: five a minute from one address, while setup is open. */
const perAddress = new RateLimiter('setup-attempts-per-address', () => 5, 60, false);

/**
 * What setup's state was last found to be. The public sign-in page asks on every load, and where no
 * installation document exists (a company the importer or the demo seed moved in, or one not set up
 * yet) the answer takes a count across the users' partitions: so it is kept a minute either way, and
 * for good once the installation document is seen, as nothing removes it. A setup through this
 * instance changes it at once; one through another instance shows here within the minute, and a
 * second setup is refused by the installation document's fixed id meanwhile.
 */
let known: { needed: boolean; final: boolean; at: number } | null = null;
const setupStateReuseMs = 60_000;

/** Setup is open while nothing set the installation up and no active Administrator exists (SPEC §12). */
export async function setupNeeded(now = Date.now()): Promise<boolean> {
  if (known && (known.final || now - known.at < setupStateReuseMs)) return known.needed;
  const installed = (await readInstallation()) !== null;
  const needed = !installed && !(await activeAdministratorExists());
  known = { needed, final: installed, at: now };
  return needed;
}

const alreadySetUp = () => conflict('This installation is being set up, or was set up, by someone else.');

/** Hashing both sides first gives equal lengths, so the comparison takes the same time for any guess. */
function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Creates the first lab and the first Administrator of an empty installation with the one-time
 * token. The installation document is written first with a fixed id, so of two setups at once
 * exactly one goes on; its audit entry opens the company's chain. After setup this answers 404.
 */
export async function performSetup(input: SetupRequest, facts: RequestFacts): Promise<{ result: SetupResult; cookie: Cookie | null }> {
  // Guessing matters only while setup is open; after it every call gets the same 404, unlimited.
  const token = await optionalSecret('setupToken');
  if (!token || !(await setupNeeded())) throw notFound();
  await perAddress.take(facts.clientAddress);
  if (!sameToken(input.token, token))
    throw forbidden('The setup token is not correct. It was printed when the product started, or is the Key Vault secret setup-token.');

  const { administrator, lab } = input;
  const local = 'username' in administrator ? administrator : null;
  const microsoftUser = 'microsoftUser' in administrator ? administrator.microsoftUser : null;
  if (local) assertAcceptablePassword(local.password, local.username, 'administrator.password');
  const taken = (await readLab(lab.labId)) ? 'lab' : local && (await readUser(local.username)) ? 'user' : null;
  if (taken) {
    // A setup that ran meanwhile made them: this one lost the race.
    if (await readInstallation()) throw alreadySetUp();
    if (taken === 'lab') throw badRequest(`A lab ${lab.labId} already exists; choose another id.`, [{ field: 'lab.labId', message: 'is already taken' }]);
    throw badRequest(`A user named ${local!.username} already exists; choose another username.`, [
      { field: 'administrator.username', message: 'is already taken' },
    ]);
  }

  const named = local ? { username: local.username } : { microsoftUser: microsoftUser! };
  const at = new Date().toISOString();
  const installation: InstallationDocument = { id: installationId, type: 'installation', labId: installationId, setupAt: at, firstAdministrator: named };
  try {
    await createInstallation(installation, [
      {
        action: 'installation.setup',
        entityType: 'installation',
        entityId: installationId,
        labIds: [],
        actor: local ? { username: local.username, displayName: `${local.firstName} ${local.lastName}` } : systemActor,
        at,
        requestId: facts.requestId,
        clientAddress: facts.clientAddress,
        after: { lab, administrator: local ? { username: local.username, authMethod: 'local' } : { microsoftUser, authMethod: 'microsoft' } },
        reason: `first-run setup from ${facts.clientAddress}`,
      },
    ]);
  } catch (error) {
    if (error instanceof DocumentExists) throw alreadySetUp();
    throw error;
  }
  known = { needed: false, final: true, at: Date.now() };
  await addLab(systemActor, { ...lab, active: true }, facts);
  if (!local) return { result: { labId: lab.labId, administrator: { username: null, microsoftUser, authMethod: 'microsoft' } }, cookie: null };
  await createLocalUser(
    null,
    {
      username: local.username,
      firstName: local.firstName,
      lastName: local.lastName,
      primaryLabId: lab.labId,
      role: 'Administrator',
      password: local.password,
      requirePasswordChange: false,
    },
    facts,
  );
  // The person who just chose the password is signed in as a sign-in would sign them in; a Microsoft
  // account signs in with Microsoft.
  const { cookie } = await signedInSession(local.username, facts, 'first-run setup');
  return { result: { labId: lab.labId, administrator: { username: local.username, microsoftUser: null, authMethod: 'local' } }, cookie };
}

/** For tests and the local host, which start a new installation in the same process. */
export function forgetSetupState(): void {
  known = null;
}
