import { verifyPassword } from '../shared/auth/passwords.js';
import { changeUser, readUser } from '../shared/data/users-repository.js';
import { addLab, labExists } from '../shared/labs/manage-labs.js';
import type { CreateUser } from '../shared/schemas/users.js';
import { createLocalUser, systemActor, writeLabAccess } from '../shared/users/manage-users.js';
import { userEvent } from '../shared/auth/user-events.js';
import type { NotificationPreferences } from '../shared/schemas/notifications.js';
import { seedDemoCalibration } from './demo-calibration.js';
import { seedDemoCatalog } from './demo-catalog.js';
import { seedDemoReliability } from './demo-reliability.js';

export interface DemoSeedResult {
  /** A password the demo users sign in with today, or null when none of the candidates does. */
  password: string | null;
  usernames: string[];
  /** Whether this start created the demo users (then `password` is the one they were given). */
  createdNow: boolean;
}

export const demoLabs = [
  { labId: 'LAB01', name: 'Boston Dental Lab', timeZone: 'America/New_York' },
  { labId: 'LAB02', name: 'Chicago Dental Lab', timeZone: 'America/Chicago' },
  { labId: 'LAB03', name: 'Denver Dental Lab', timeZone: 'America/Denver' },
  { labId: 'LAB04', name: 'Seattle Dental Lab', timeZone: 'America/Los_Angeles' },
  { labId: 'LAB05', name: 'London Dental Lab', timeZone: 'Europe/London' },
  { labId: 'LAB06', name: 'Berlin Dental Lab', timeZone: 'Europe/Berlin' },
  { labId: 'LAB07', name: 'Mumbai Dental Lab', timeZone: 'Asia/Kolkata' },
  { labId: 'LAB08', name: 'Tokyo Dental Lab', timeZone: 'Asia/Tokyo' },
  { labId: 'LAB09', name: 'Sydney Dental Lab', timeZone: 'Australia/Sydney' },
  { labId: 'LAB10', name: 'Honolulu Dental Lab', timeZone: 'Pacific/Honolulu' },
];

const demoUsers: Omit<CreateUser, 'password'>[] = [
  { username: 'admin', firstName: 'Ada', lastName: 'Admin', primaryLabId: 'LAB01', role: 'Administrator', requirePasswordChange: false },
  { username: 'auditor', firstName: 'Grace', lastName: 'Auditor', primaryLabId: 'LAB01', role: 'Global Audit', requirePasswordChange: false },
  { username: 'manager1', firstName: 'Maria', lastName: 'Manager', primaryLabId: 'LAB01', role: 'Manager', requirePasswordChange: false },
  { username: 'localaudit1', firstName: 'Liam', lastName: 'Local-Audit', primaryLabId: 'LAB01', role: 'Local Audit', requirePasswordChange: false },
  { username: 'tech1', firstName: 'Tara', lastName: 'Technician', primaryLabId: 'LAB01', role: 'Technician', requirePasswordChange: false },
  { username: 'tech2', firstName: 'Theo', lastName: 'Technician', primaryLabId: 'LAB02', role: 'Technician', requirePasswordChange: false },
];

/**
 * The demo company of SPEC §8. Adds only what is missing, so it is safe on every start. Users are
 * created with the first candidate password; users made on an earlier start keep theirs, so the
 * result names the candidate that still signs them in, if any does.
 */
export async function seedDemoCompany(candidates: readonly string[]): Promise<DemoSeedResult> {
  const password = candidates[0]!;
  for (const lab of demoLabs) {
    if (await labExists(lab.labId)) continue;
    await addLab(systemActor, { ...lab, active: true }, null);
  }
  const created = await Promise.all(
    demoUsers.map(async (user) => {
      if (await readUser(user.username)) return false;
      await createLocalUser(null, { ...user, password }, null);
      return true;
    }),
  );
  await seedDemoCatalog();
  const manager = await readUser('manager1');
  if (manager && !manager.document.labAccess.some((access) => access.labId === 'LAB02')) {
    await writeLabAccess(systemActor, 'manager1', 'LAB02', 'Manager', null);
  }
  // Months past, before anyone asked for notices: old failures send none today.
  await seedDemoReliability();
  // Before the calibrations: the out-of-tolerance finding among them sends its notice to these users.
  await seedDemoNotificationChoices();
  await seedDemoCalibration();
  const usernames = demoUsers.map((user) => user.username);
  if (created.every(Boolean)) return { password, usernames, createdNow: true };
  return { password: await workingPassword(candidates), usernames, createdNow: false };
}

/** The demo manager and a technician want reminders, so the local outbox shows what a lab's morning brings. */
const demoNotificationChoices: Record<string, NotificationPreferences> = {
  manager1: { email: 'maria.manager@demo.example', digestLabs: ['LAB01', 'LAB02'], immediateNotices: true, channels: { email: true, teams: true } },
  tech1: { email: 'tara.technician@demo.example', digestLabs: ['LAB01'], immediateNotices: true, channels: { email: true, teams: false } },
};

async function seedDemoNotificationChoices(): Promise<void> {
  for (const [username, preferences] of Object.entries(demoNotificationChoices)) {
    await changeUser(username, (current) => {
      if (current.notifications) return null;
      const next = { ...current, notifications: preferences };
      return {
        user: next,
        events: [userEvent('user.notifications.changed', next, systemActor, null, { after: { notifications: preferences }, reason: 'demo company' })],
      };
    });
  }
}

async function workingPassword(candidates: readonly string[]): Promise<string | null> {
  const hash = (await readUser('tech1'))?.document.passwordHash;
  for (const candidate of hash ? candidates : []) if (await verifyPassword(candidate, hash!)) return candidate;
  return null;
}

/** The start banner's line: the password only where it signs the demo users in today. */
export function demoBanner(demo: DemoSeedResult): string {
  const users = demo.usernames.join(', ');
  if (demo.createdNow) return `Demo users (password: ${demo.password}): ${users}`;
  if (demo.password) return `Demo users (password: ${demo.password}, given when they were created on an earlier start): ${users}`;
  return (
    `Demo users: ${users}. Their password is not shown: they were created on an earlier start, and neither DEMO_PASSWORD nor the password ` +
    'this data folder generated signs them in any more (DEMO_PASSWORD counts only when the demo company is first created). ' +
    'Use the password they have, or start with a new LOCAL_DATA_DIR for a new demo company.'
  );
}
