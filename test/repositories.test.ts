import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import { DocumentChanged, DocumentExists } from '../shared/data/errors.js';
import { createLab, listLabs, readLab, type LabDocument } from '../shared/data/labs-repository.js';
import { writeWithAudit } from '../shared/data/audited-write.js';
import { countAttempt, purgeOldAttemptCounters } from '../shared/data/attempt-counters.js';
import { claimSignInFlow, createSession, purgeExpiredSessions, readSession, type SessionDocument } from '../shared/data/sessions-repository.js';
import { changeUser, listUsers, readUser } from '../shared/data/users-repository.js';
import { firstBrokenLink, type AuditEntry, type AuditEvent } from '../shared/domain/audit-chain.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;

beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => product.cleanup());

const event = (action: string): AuditEvent => ({
  action,
  entityType: 'lab',
  entityId: 'REPO1',
  labIds: ['REPO1'],
  actor: { username: 'tester', displayName: 'Tester' },
  at: new Date().toISOString(),
});

async function auditEntries(containerName: 'labs' | 'users', key: string, value: string): Promise<AuditEntry[]> {
  const { resources } = await (
    await container(containerName)
  ).items
    .query<AuditEntry>(
      { query: `SELECT * FROM c WHERE c.${key} = @value AND c.type = 'audit' ORDER BY c.seq`, parameters: [{ name: '@value', value }] },
      { partitionKey: value },
    )
    .fetchAll();
  return resources;
}

describe('audited writes', () => {
  const lab: LabDocument = { id: 'REPO1', type: 'lab', labId: 'REPO1', name: 'Repo lab', timeZone: 'UTC', active: true, createdAt: '2026-01-01T00:00:00Z' };

  it('writes the document and a chained audit entry together', async () => {
    await createLab(lab, [event('lab.created')]);
    const stored = await readLab('REPO1');
    expect(stored?.document.audit?.seq).toBe(1);
    const entries = await auditEntries('labs', 'labId', 'REPO1');
    expect(entries.map((entry) => entry.action)).toEqual(['lab.created']);
    expect(entries[0]!.hash).toBe(stored?.document.audit?.hash);
  });

  it('refuses to create a document twice (409) and writes no second entry', async () => {
    await expect(createLab(lab, [event('lab.created')])).rejects.toBeInstanceOf(DocumentExists);
    expect(await auditEntries('labs', 'labId', 'REPO1')).toHaveLength(1);
  });

  it('refuses a stale ETag (412) and writes nothing', async () => {
    const current = (await readLab('REPO1'))!;
    await writeWithAudit({
      container: 'labs',
      partition: ['labId', 'REPO1'],
      owner: { ...current.document, name: 'First' },
      ownerEtag: current.etag,
      events: [event('lab.updated')],
    });
    await expect(
      writeWithAudit({
        container: 'labs',
        partition: ['labId', 'REPO1'],
        owner: { ...current.document, name: 'Second' },
        ownerEtag: current.etag,
        events: [event('lab.updated')],
      }),
    ).rejects.toBeInstanceOf(DocumentChanged);
    expect((await readLab('REPO1'))?.document.name).toBe('First');
    const entries = await auditEntries('labs', 'labId', 'REPO1');
    expect(entries).toHaveLength(2);
    expect(firstBrokenLink(entries)).toBeNull();
  });

  it('keeps one unbroken chain when many writers change the same user at once', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        changeUser('tech1', (user) => ({
          user: { ...user, failedLogins: user.failedLogins + 1 },
          events: [{ ...event(`test.${index}`), entityType: 'user', entityId: 'tech1' }],
        })),
      ),
    );
    expect((await readUser('tech1'))?.document.failedLogins).toBe(10);
    const entries = await auditEntries('users', 'username', 'tech1');
    expect(entries.filter((entry) => entry.action.startsWith('test.'))).toHaveLength(10);
    expect(firstBrokenLink(entries)).toBeNull();
  });

  it('lists only lab documents, never audit entries, in lab order', async () => {
    const labs = await listLabs();
    expect(labs.every((item) => item.type === 'lab')).toBe(true);
    expect(labs.map((item) => item.labId)).toEqual([...labs.map((item) => item.labId)].sort());
  });
});

describe('user queries', () => {
  it('filters by lab, hides company-wide and disabled users on request, and pages', async () => {
    const lab1 = await listUsers({ labIds: ['LAB01'], includeCompanyUsers: false, includeDisabled: false, pageSize: 100 });
    expect(lab1.users.map((user) => user.username).sort()).toEqual(['localaudit1', 'manager1', 'tech1']);
    const everyone = await listUsers({ labIds: 'all', includeCompanyUsers: true, includeDisabled: true, pageSize: 4 });
    expect(everyone.users).toHaveLength(4);
    expect(everyone.continuationToken).not.toBeNull();
    const rest = await listUsers({
      labIds: 'all',
      includeCompanyUsers: true,
      includeDisabled: true,
      pageSize: 4,
      continuationToken: everyone.continuationToken!,
    });
    expect([...everyone.users, ...rest.users].map((user) => user.username)).toEqual(['admin', 'auditor', 'localaudit1', 'manager1', 'tech1', 'tech2']);
  });
});

describe('sessions', () => {
  const session = (id: string, lastSeenAt: string, expiresAt: string): SessionDocument => ({
    id,
    type: 'session',
    username: 'tech2',
    authMethod: 'local',
    csrfToken: 'x',
    createdAt: lastSeenAt,
    lastSeenAt,
    expiresAt,
    ttl: 60,
  });

  it('purges sessions past their idle or absolute end and keeps live ones', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    await createSession(session('live', '2026-11-22T11:55:00Z', '2026-11-22T20:00:00Z'));
    await createSession(session('idle', '2026-11-22T11:30:00Z', '2026-11-22T20:00:00Z'));
    await createSession(session('old', '2026-11-22T11:59:00Z', '2026-11-22T11:59:30Z'));
    expect(await purgeExpiredSessions(now, 15)).toBe(2);
    expect(await readSession('tech2', 'live')).not.toBeNull();
    expect(await readSession('tech2', 'idle')).toBeNull();
    expect(await readSession('tech2', 'old')).toBeNull();
  });

  it('lets each sign-in flow state be used once', async () => {
    await claimSignInFlow('state-1', 600);
    await expect(claimSignInFlow('state-1', 600)).rejects.toBeInstanceOf(DocumentExists);
  });
});

describe('attempt counters', () => {
  it('count per key and window, and old windows are purged', async () => {
    const minute = 60_000;
    const old = Date.parse('2026-11-22T10:00:00Z');
    const current = Date.parse('2026-11-22T11:00:00Z');
    expect(await countAttempt('test', 'key-a', old, 60)).toBe(1);
    expect(await countAttempt('test', 'key-a', old, 60)).toBe(2);
    expect(await countAttempt('test', 'key-b', old, 60)).toBe(1);
    expect(await countAttempt('test', 'key-a', current, 60)).toBe(1);
    expect(await purgeOldAttemptCounters(new Date(current - 10 * minute))).toBe(2);
    expect(await countAttempt('test', 'key-a', current, 60)).toBe(2);
    expect(await countAttempt('test', 'key-a', old, 60)).toBe(1);
  });

  it('never loses an increment when many attempts arrive at once', async () => {
    const window = Date.parse('2026-11-22T12:00:00Z');
    const counts = await Promise.all(Array.from({ length: 20 }, () => countAttempt('test', 'burst', window, 60)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
  });
});
