import type { AuditEvent } from '../domain/audit-chain.js';
import { writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';

/**
 * The installation's own document, in a partition of the labs container that no lab can have (lab
 * ids are capitals, digits and dashes): made once by the first-run setup, whose fixed id makes a
 * second setup fail, and the head of the company's audit chain.
 */
export const installationId = '_installation';

export interface InstallationDocument extends ChainOwner {
  id: typeof installationId;
  type: 'installation';
  labId: typeof installationId;
  setupAt: string;
  /** A Microsoft account named at setup becomes Administrator at its first sign-in. */
  firstAdministrator: { username: string } | { microsoftUser: string };
}

export async function readInstallation(): Promise<InstallationDocument | null> {
  const { resource } = await (await container('labs')).item(installationId, installationId).read<InstallationDocument>();
  return resource?.type === 'installation' ? resource : null;
}

/** Throws DocumentExists when another setup created it first. */
export async function createInstallation(installation: InstallationDocument, events: readonly AuditEvent[]): Promise<void> {
  await writeWithAudit({ container: 'labs', partition: ['labId', installationId], owner: installation, ownerEtag: undefined, events });
}

export async function activeAdministratorExists(): Promise<boolean> {
  const { resources } = await (
    await container('users')
  ).items
    .query<number>("SELECT VALUE COUNT(1) FROM c WHERE c.type = 'user' AND c.companyRole = 'Administrator' AND c.status = 'Active'")
    .fetchAll();
  return (resources[0] ?? 0) > 0;
}
