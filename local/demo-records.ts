import { displayNameOf, grantsOf, type Principal } from '../shared/auth/principal.js';
import { verifyPassword } from '../shared/auth/passwords.js';
import { listRecords, type RecordDocument } from '../shared/data/records-repository.js';
import type { SessionDocument } from '../shared/data/sessions-repository.js';
import { readUser } from '../shared/data/users-repository.js';
import { completeRecord, justifyMissedRecord } from '../shared/records/manage-records.js';
import type { ResponseInput } from '../shared/schemas/records.js';

const seedFacts = { requestId: 'demo-seed', clientAddress: 'local' };

export async function demoPrincipal(username: string): Promise<Principal | null> {
  const found = await readUser(username);
  if (!found) return null;
  const user = found.document;
  return { ...grantsOf(user), username, displayName: displayNameOf(user), user, session: {} as SessionDocument, csrfToken: '', mustChangePassword: false };
}

/** Answers every task: ticks, and readings in the middle of their limits. */
export function answers(record: RecordDocument): ResponseInput[] {
  return record.tasks.map((task) => {
    if (task.kind === 'check') return { taskId: task.taskId, done: true };
    const value = task.min !== undefined && task.max !== undefined ? (task.min + task.max) / 2 : (task.min ?? task.max ?? 1);
    return { taskId: task.taskId, done: true, value };
  });
}

/**
 * A few of LAB01's checklists done and signed by tech1 (some on time, some late), one missed day
 * justified by manager1, the rest left Open or Missed: what a lab looks like after a few days of use.
 * Runs once: not when LAB01 already has a completed record.
 */
export async function seedDemoRecords(password: string): Promise<void> {
  const completed = await listRecords({ labId: 'LAB01', statuses: ['Completed'], pageSize: 1 });
  if (completed.items.length > 0) return;
  const technician = await demoPrincipal('tech1');
  const manager = await demoPrincipal('manager1');
  if (!technician?.user.passwordHash || !manager || !(await verifyPassword(password, technician.user.passwordHash))) return;
  // The demo password was checked once above; each signature below is tech1's or manager1's.
  const signedByTechnician = async () => 'password' as const;
  const signedByManager = async () => 'password' as const;
  const daily = (await listRecords({ labId: 'LAB01', frequency: 'Daily', pageSize: 200 })).items;
  const open = daily.filter((record) => record.status === 'Open').slice(0, 3);
  const missed = daily.filter((record) => record.status === 'Missed');
  const lateOnes = missed.slice(0, 3);
  for (const record of [...open, ...lateOnes]) {
    await completeRecord(
      technician,
      'LAB01',
      record.recordNumber,
      { responses: answers(record), signature: { meaning: 'Performed by' } },
      seedFacts,
      null,
      signedByTechnician,
    );
  }
  const unexplained = missed[3];
  if (unexplained) {
    const reason = 'Printer room closed for a power outage; checks resumed the next day.';
    await justifyMissedRecord(manager, 'LAB01', unexplained.recordNumber, { reason, signature: { meaning: 'Justified by' } }, seedFacts, signedByManager);
  }
}
