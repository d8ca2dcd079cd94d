import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import { installationId } from '../shared/data/installation-repository.js';
import type { AuditEntry } from '../shared/domain/audit-chain.js';
import { firstBrokenLink } from '../shared/domain/audit-chain.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/** SPEC §12: an empty installation (no demo, no Administrator) sets itself up once, with the token. */
let product: TestProduct;
const token = 'setup-token-for-this-test-run-1234';

const setupBody = (overrides: Record<string, unknown> = {}) => ({
  token,
  lab: { labId: 'HQ01', name: 'Headquarters Lab', timeZone: 'Europe/Berlin' },
  administrator: { username: 'firstadmin', firstName: 'Frieda', lastName: 'First', password: 'a first admin password' },
  ...overrides,
});

beforeAll(async () => {
  product = await startTestProduct({ SEED_DEMO_DATA: 'false', SETUP_TOKEN: token });
});
afterAll(async () => product.cleanup());

async function installationChain(): Promise<AuditEntry[]> {
  const { resources } = await (
    await container('labs')
  ).items
    .query<AuditEntry>({ query: "SELECT * FROM c WHERE c.type = 'audit' ORDER BY c.seq" }, { partitionKey: installationId })
    .fetchAll();
  return resources;
}

describe('first-run setup', () => {
  it('says it is needed, refuses a wrong token and bad input, sets up once with the right one, then answers 404 to everything', async () => {
    expect(product.demo).toBeNull();
    expect(product.setupToken).toBe(token);
    const anonymous: ApiClient = product.client();
    const status = await anonymous.get('/api/setup');
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ needed: true });
    expect((await anonymous.get('/api/auth/methods')).body).toMatchObject({ setupNeeded: true });
    // Every sign-in page asks; counting the users across their partitions each time is what it must not do.
    const again = await product.countCosmosRequests(() => anonymous.get('/api/auth/methods'));
    expect(again.result.body).toMatchObject({ setupNeeded: true });
    expect(again.counts).toMatchObject({ total: 0, crossPartitionQueries: 0 });

    const wrong = await anonymous.post('/api/setup', setupBody({ token: 'not the token' }));
    expect(wrong.status).toBe(403);
    expect((wrong.body as { detail: string }).detail).toContain('The setup token is not correct');
    const weak = await anonymous.post('/api/setup', setupBody({ administrator: { username: 'firstadmin', firstName: 'F', lastName: 'F', password: 'short' } }));
    expect(weak.status).toBe(400);
    expect((weak.body as { errors: { field: string }[] }).errors.map((error) => error.field)).toContain('administrator.password');
    const badZone = await anonymous.post('/api/setup', setupBody({ lab: { labId: 'HQ01', name: 'HQ', timeZone: 'Mars/Olympus' } }));
    expect(badZone.status).toBe(400);
    expect((await anonymous.get('/api/setup')).status).toBe(200);

    // Two setups at once: exactly one creates the installation.
    const racer = product.client();
    const [first, second] = await Promise.all([anonymous.post('/api/setup', setupBody()), racer.post('/api/setup', setupBody())]);
    const statuses = [first.status, second.status].sort((a, b) => a - b);
    const created = first.status === 201 ? first : second;
    const other = first.status === 201 ? second : first;
    expect(statuses[0]).toBe(201);
    // The other lost the race for the installation document (409), or came after it was set up (404).
    expect([404, 409], other.text).toContain(statuses[1]);
    expect(created.body).toEqual({ labId: 'HQ01', administrator: { username: 'firstadmin', microsoftUser: null, authMethod: 'local' } });
    expect(other.setCookies).toEqual([]);

    // Setup signed the new Administrator in, with the cookie a sign-in sets: no forced password
    // change, the lab in view, and the session's CSRF token lets them act at once.
    const admin = first.status === 201 ? anonymous : racer;
    const signIn = await product.client().post('/api/auth/login', { username: 'firstadmin', password: 'a first admin password' });
    const attributes = (line: string) =>
      line
        .split(';')
        .slice(1)
        .map((part) => part.trim())
        .sort();
    expect(created.setCookies).toHaveLength(1);
    expect(attributes(created.setCookies[0]!)).toEqual(attributes(signIn.setCookies[0]!));
    const me = await admin.get<{
      user: { username: string; mustChangePassword: boolean };
      labs: { labId: string; role: string; timeZone: string }[];
      csrfToken: string;
    }>('/api/auth/me');
    expect(me.status, me.text).toBe(200);
    expect(me.body.user).toMatchObject({ username: 'firstadmin', mustChangePassword: false });
    expect(me.body.labs).toEqual([expect.objectContaining({ labId: 'HQ01', role: 'Administrator', timeZone: 'Europe/Berlin' })]);
    admin.csrfToken = me.body.csrfToken;
    expect((await admin.post('/api/labs', { labId: 'HQ02', name: 'Second Lab', timeZone: 'Europe/Berlin' })).status).toBe(201);
    const trail = await admin.get<{ items: { action: string; reason?: string | null }[] }>('/api/audit?entityType=user&entityId=firstadmin');
    expect(
      trail.body.items
        .filter((entry) => entry.action === 'auth.login')
        .map((entry) => entry.reason)
        .sort(),
    ).toEqual(['first-run setup', 'local password']);

    expect((await anonymous.get('/api/auth/methods')).body).toMatchObject({ setupNeeded: false });
    // After setup both endpoints reveal nothing and refuse everything, the right token included.
    for (const response of [await anonymous.get('/api/setup'), await anonymous.post('/api/setup', setupBody()), await admin.get('/api/setup')]) {
      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain(token);
    }
  });

  it('opens the company’s audit chain with the setup, naming the account and the address, and the chain verifies', async () => {
    const chain = await installationChain();
    expect(chain[0]).toMatchObject({
      seq: 1,
      action: 'installation.setup',
      entityType: 'installation',
      actor: { username: 'firstadmin', displayName: 'Frieda First' },
      after: { lab: { labId: 'HQ01', name: 'Headquarters Lab', timeZone: 'Europe/Berlin' }, administrator: { username: 'firstadmin', authMethod: 'local' } },
    });
    expect(chain[0]!.clientAddress).toMatch(/127\.0\.0\.1|::1/);
    expect(chain).toHaveLength(1);
    expect(firstBrokenLink(chain)).toBeNull();
    expect(JSON.stringify(chain)).not.toContain(token);
  });

  it('never writes the token to the logs', () => {
    expect(product.logs.join('\n')).not.toContain(token);
  });
});
