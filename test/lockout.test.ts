import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newLocalBreakGlassToken } from '../local/break-glass-token.js';
import { container } from '../shared/data/cosmos.js';
import { breakGlassPartition, readUser } from '../shared/data/users-repository.js';
import { reloadSettings } from '../shared/platform/config.js';
import type { ApiClient } from './helpers/api-client.js';
import { auditTrailOf, newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
/** The administrator's own browser, signed in before any guessing: a recognised device. */
let adminDesk: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  adminDesk = await product.signedIn('admin');
});
afterAll(async () => {
  delete process.env.LOCKOUT_MODE;
  reloadSettings();
  await product.cleanup();
});

const deviceCookie = 'ems_session_device';
const stranger = () => product.client();
const attempt = (client: ApiClient, username: string, password: string) => client.post<{ detail?: string }>('/api/auth/login', { username, password });

async function actionsOf(username: string): Promise<string[]> {
  return (await auditTrailOf(username)).map((entry) => entry.action);
}

async function addUser(username: string, role = 'Technician', password = 'a long first password 1') {
  const response = await adminDesk.post('/api/users', newUserBody(username, { lastName: username, password, role, requirePasswordChange: false }));
  expect(response.status).toBe(201);
  return password;
}

function useMode(mode: 'backoff' | 'permanent') {
  process.env.LOCKOUT_MODE = mode;
  reloadSettings();
}

describe('lockout by default (back-off for devices the account has not signed in on)', () => {
  it("a stranger's wrong passwords for admin pause only unknown devices: admin's recognised device signs in, admin's live session goes on, nothing locks", async () => {
    useMode('backoff');
    const desk = product.client();
    await desk.login('admin', demoPassword);
    expect(desk.cookies.has(deviceCookie)).toBe(true);

    const guesser = stranger();
    const statuses: number[] = [];
    for (let n = 1; n <= 5; n++) statuses.push((await attempt(guesser, 'admin', `wrong-${n}`)).status);
    expect(statuses).toEqual([401, 401, 429, 429, 429]);
    // Even the right password from the stranger's device is not looked at while it is paused.
    const paused = await attempt(guesser, 'admin', demoPassword);
    expect(paused.status).toBe(429);
    expect(paused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(paused.body.detail).toMatch(/devices it has not signed in on.*A device this account has signed in on before can sign in now\./);

    expect((await readUser('admin'))?.document.status).toBe('Active');
    expect((await desk.get('/api/auth/me')).status).toBe(200);
    // Another browser tab of the same device (its device cookie only, no session) signs in.
    const sameDevice = product.client();
    sameDevice.cookies.set(deviceCookie, desk.cookies.get(deviceCookie)!);
    expect((await attempt(sameDevice, 'admin', demoPassword)).status).toBe(200);

    const trail = await actionsOf('admin');
    expect(trail.filter((action) => action === 'auth.login.failed').length).toBeGreaterThanOrEqual(3);
    expect(trail).toContain('auth.login.paused');
    expect(trail).toContain('auth.login.refused');
    expect(trail).not.toContain('user.locked');
  });

  it('answers a name nobody holds exactly as a real account under the same guessing', async () => {
    useMode('backoff');
    await addUser('pausedone');
    const real: [number, unknown][] = [];
    const made: [number, unknown][] = [];
    for (let n = 1; n <= 4; n++) {
      const a = await attempt(stranger(), 'pausedone', `wrong password ${n}`);
      const b = await attempt(stranger(), 'nobody-at-all', `wrong password ${n}`);
      real.push([a.status, a.body.detail]);
      made.push([b.status, b.body.detail]);
    }
    expect(real.map(([status]) => status)).toEqual([401, 401, 429, 429]);
    expect(made).toEqual(real);
    expect(await actionsOf('~unknown')).toContain('auth.login.paused');
  });

  it("a recognised device's wrong passwords still lock the account at the threshold (SPEC §4), and the owner's live session survives", async () => {
    useMode('backoff');
    const password = await addUser('ownwrong');
    const device = product.client();
    await device.login('ownwrong', password);
    const statuses: number[] = [];
    for (let n = 1; n <= 3; n++) statuses.push((await attempt(device, 'ownwrong', `wrong password ${n}`)).status);
    expect(statuses).toEqual([401, 401, 423]);
    expect((await readUser('ownwrong'))?.document.status).toBe('Locked');
    expect((await device.get('/api/auth/me')).status).toBe(200);
  });
});

describe('LOCKOUT_MODE=permanent, the old rule', () => {
  it('locks after LOCKOUT_THRESHOLD wrong passwords from anyone; the right one then gets 423; the live session is not ended by them', async () => {
    useMode('permanent');
    const password = await addUser('strictone');
    const owner = await product.signedIn('strictone', password);
    const statuses: number[] = [];
    for (let n = 1; n <= 4; n++) statuses.push((await attempt(stranger(), 'strictone', `wrong-${n}`)).status);
    expect(statuses).toEqual([401, 401, 423, 423]);
    expect((await readUser('strictone'))?.document.status).toBe('Locked');
    expect((await attempt(stranger(), 'strictone', password)).status).toBe(423);
    expect((await owner.get('/api/auth/me')).status).toBe(200);
    expect(await actionsOf('strictone')).toContain('user.locked');
  });
});

describe('break-glass when every Administrator is locked', () => {
  async function breakGlassTrail() {
    return auditTrailOf(breakGlassPartition);
  }

  async function administrators(): Promise<string[]> {
    const { resources } = await (
      await container('users')
    ).items
      .query<string>("SELECT VALUE c.username FROM c WHERE c.type = 'user' AND c.companyRole = 'Administrator' AND c.status = 'Active'")
      .fetchAll();
    return resources;
  }

  it('unlocks an Administrator with a one-time token, refuses a wrong one and a second use, and audits it all', async () => {
    useMode('permanent');
    const admins = await administrators();
    expect(admins.length).toBeGreaterThan(0);
    for (const username of admins) {
      for (let n = 1; n <= 3; n++) await attempt(stranger(), username, `wrong-${n}`);
      expect((await readUser(username))?.document.status).toBe('Locked');
    }
    expect(await administrators()).toEqual([]);
    expect((await stranger().get('/api/setup')).status).toBe(404);

    const newPassword = 'break glass let me in 2026';
    const wrong = await stranger().post<{ detail: string }>('/api/setup/break-glass', { token: 'not-the-token', username: 'admin', password: newPassword });
    expect(wrong.status).toBe(403);
    expect(wrong.body.detail).toMatch(/^The break-glass token is not correct\./);
    expect((await readUser('admin'))?.document.status).toBe('Locked');
    expect((await breakGlassTrail()).map((entry) => entry.action)).toEqual(['break-glass.refused']);

    const token = await newLocalBreakGlassToken(process.env.LOCAL_DATA_DIR!);
    const used = await stranger().post('/api/setup/break-glass', { token, username: 'admin', password: newPassword });
    expect(used.status).toBe(200);
    expect(used.body).toEqual({ username: 'admin', outcome: 'unlocked' });
    expect((await readUser('admin'))?.document.status).toBe('Active');
    await product.client().login('admin', newPassword);
    const adminTrail = await actionsOf('admin');
    expect(adminTrail).toContain('user.unlocked');
    expect(adminTrail).toContain('user.password.reset');
    expect(adminTrail.at(-1)).toBe('auth.login');

    const trailBefore = await breakGlassTrail();
    const adminBefore = await auditTrailOf('admin');
    const again = await stranger().post<{ detail: string }>('/api/setup/break-glass', { token, username: 'admin', password: 'another long password 2026' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(
      'This break-glass token was used already; each token works once. Write a new one as "Break-glass" in docs/operating-on-azure.md says.',
    );
    expect(await breakGlassTrail()).toEqual(trailBefore);
    expect(await auditTrailOf('admin')).toEqual(adminBefore);
    await product.client().login('admin', newPassword);
    expect(trailBefore.map((entry) => [entry.action, entry.entityId])).toEqual([
      ['break-glass.refused', 'admin'],
      ['break-glass.used', 'admin'],
    ]);
  });

  it('creates an Administrator under a new name, and will not promote someone who is not one', async () => {
    const token = await newLocalBreakGlassToken(process.env.LOCAL_DATA_DIR!);
    const notAdmin = await stranger().post<{ detail: string }>('/api/setup/break-glass', { token, username: 'tech1', password: 'break glass let me in 2026' });
    expect(notAdmin.status).toBe(409);
    expect(notAdmin.body.detail).toMatch(/^tech1 is not a local Administrator\./);
    const incomplete = await stranger().post<{ detail: string }>('/api/setup/break-glass', {
      token,
      username: 'rescue',
      password: 'break glass let me in 2026',
    });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.detail).toMatch(/^There is no user rescue; to create that Administrator/);

    const created = await stranger().post('/api/setup/break-glass', {
      token,
      username: 'rescue',
      password: 'break glass let me in 2026',
      firstName: 'Rescue',
      lastName: 'Admin',
      primaryLabId: 'LAB01',
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ username: 'rescue', outcome: 'created' });
    expect((await readUser('rescue'))?.document.companyRole).toBe('Administrator');
    await product.client().login('rescue', 'break glass let me in 2026');
    expect((await auditTrailOf(breakGlassPartition)).at(-1)).toMatchObject({ action: 'break-glass.used', entityId: 'rescue' });
  });
});
