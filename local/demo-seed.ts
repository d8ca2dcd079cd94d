import { readUser } from '../shared/data/users-repository.js';
import { addLab, labExists } from '../shared/labs/manage-labs.js';
import type { CreateUser } from '../shared/schemas/users.js';
import { createLocalUser, systemActor, writeLabAccess } from '../shared/users/manage-users.js';
import { seedDemoCatalog } from './demo-catalog.js';

export interface DemoSeedResult {
  password: string;
  usernames: string[];
}

const demoLabs = [
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

/** The demo company of SPEC §8. Adds only what is missing, so it is safe on every start. */
export async function seedDemoCompany(password: string): Promise<DemoSeedResult> {
  for (const lab of demoLabs) {
    if (await labExists(lab.labId)) continue;
    await addLab(systemActor, { ...lab, active: true }, null);
  }
  await Promise.all(
    demoUsers.map(async (user) => {
      if (await readUser(user.username)) return;
      await createLocalUser(null, { ...user, password }, null);
    }),
  );
  await seedDemoCatalog();
  const manager = await readUser('manager1');
  if (manager && !manager.document.labAccess.some((access) => access.labId === 'LAB02')) {
    await writeLabAccess(systemActor, 'manager1', 'LAB02', 'Manager', null);
  }
  return { password, usernames: demoUsers.map((user) => user.username) };
}
