import { verifyLabPage } from '../../shared/audit/audit-verification.js';
import { listLabs } from '../../shared/data/labs-repository.js';
import type { BrokenLink, EvidenceProblem } from '../../shared/schemas/audit-verification.js';

/** One lab's verification, added up over its pages. */
export interface LabVerification {
  labId: string;
  intact: boolean;
  pages: number;
  chains: number;
  chainEntries: number;
  recordsChecked: number;
  evidenceChecked: number;
  firstBroken: BrokenLink | null;
  evidenceProblems: EvidenceProblem[];
}

export interface StoreVerification {
  verifiedAt: string;
  labs: LabVerification[];
  /** Every lab's chains, records, signatures and evidence files hold. */
  intact: boolean;
}

/**
 * Verifies every lab of the store the process is connected to with the checks of GET /api/audit/verify
 * (shared/audit/audit-verification.ts), page after page until each lab's last: its audit chains, every
 * record against its trail and signatures, the signed calibrations and nonconformities, and each
 * evidence file against the SHA-256 recorded at upload.
 */
export async function verifyStore(now = new Date()): Promise<StoreVerification> {
  const labs: LabVerification[] = [];
  for (const { labId } of await listLabs()) {
    const lab: LabVerification = {
      labId,
      intact: false,
      pages: 0,
      chains: 0,
      chainEntries: 0,
      recordsChecked: 0,
      evidenceChecked: 0,
      firstBroken: null,
      evidenceProblems: [],
    };
    const chains = new Set<string>();
    let continuationToken: string | undefined;
    do {
      const page = await verifyLabPage({ labId, ...(continuationToken ? { continuationToken } : {}) }, now);
      lab.pages += 1;
      for (const chain of page.chains) {
        chains.add(`${chain.source}/${chain.partition}`);
        lab.chainEntries += chain.entries;
      }
      lab.recordsChecked += page.recordsChecked;
      lab.evidenceChecked += page.evidenceChecked;
      lab.evidenceProblems.push(...page.evidenceProblems);
      lab.firstBroken = page.firstBroken;
      lab.intact = page.intact === true;
      continuationToken = page.continuationToken ?? undefined;
    } while (continuationToken);
    lab.chains = chains.size;
    labs.push(lab);
  }
  return { verifiedAt: now.toISOString(), labs, intact: labs.every((lab) => lab.intact) };
}

/** The verification as lines a person reads: one per lab, then what broke. */
export function describeVerification(verification: StoreVerification): string[] {
  const lines = verification.labs.map(
    (lab) =>
      `${lab.labId}: ${lab.intact ? 'intact' : 'NOT INTACT'}: ${lab.chains} chains with ${lab.chainEntries} audit entries, ${lab.recordsChecked} records and their signatures, ${lab.evidenceChecked} evidence files`,
  );
  for (const lab of verification.labs) {
    if (lab.firstBroken) {
      const where =
        lab.firstBroken.recordNumber ??
        `${lab.firstBroken.source}/${lab.firstBroken.partition}${lab.firstBroken.seq !== undefined ? ` entry ${lab.firstBroken.seq}` : ''}`;
      lines.push(`${lab.labId}: first broken: ${where}: ${lab.firstBroken.reason}`);
    }
    for (const problem of lab.evidenceProblems)
      lines.push(
        `${lab.labId}: evidence ${problem.found}: ${problem.kind} ${problem.fileName} of ${problem.recordNumber} (${problem.serialNumber}): ${problem.reason}`,
      );
  }
  lines.push(verification.intact ? `Every lab of the store is intact (verified ${verification.verifiedAt}).` : 'The store is NOT intact: see the labs above.');
  return lines;
}
