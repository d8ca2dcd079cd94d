import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NonconformityDocument } from '../shared/data/nonconformity-repository.js';
import type { LabDigest } from '../shared/notifications/digest.js';
import { digestCard, digestSubject, headerText, noticeCard, noticeSubject, renderNoticeEmail } from '../shared/notifications/messages.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/** What the attack typed: a link to a look-alike sign-in page, a mention and bold text. */
const description = 'Door seal torn. [Verify your account](https://evil.example/login) <at>Maria Manager</at> **URGENT**';
const site = 'https://equipman.contoso.example';
const mentions = [{ id: 'maria.manager@demo.example', name: 'Maria Manager' }];
const boston = { name: 'Boston Dental Lab', timeZone: 'America/New_York' };

const nonconformity = {
  ncNumber: 'LAB01-NC-000007',
  labId: 'LAB01',
  serialNumber: 'SN-1',
  modelId: 'Autoclave (B)',
  source: 'manual',
  calibrationNumber: null,
  recordNumber: null,
  description,
  openedBy: { username: 'tech1', displayName: 'Tara Tech' },
  openedAt: '2026-12-06T08:00:00.000Z',
  items: [],
} as unknown as NonconformityDocument;

const digest: LabDigest = {
  labId: 'LAB01',
  labName: 'Lab HQA\r\nBcc: x@evil.example',
  date: '2026-12-06',
  dueToday: [],
  overdue: [],
  missedYesterday: [],
  calibrations: [],
  intermediateChecks: [],
  nonconformities: [{ ncNumber: 'LAB01-NC-000007', serialNumber: 'SN-1', description, openedOn: '2026-12-05', daysOpen: 1 }],
  reviewsDue: [],
};

type Node = Record<string, unknown>;

/** Every object in a card, depth first. */
function nodesOf(value: unknown): Node[] {
  if (Array.isArray(value)) return value.flatMap(nodesOf);
  if (value === null || typeof value !== 'object') return [];
  return [value as Node, ...Object.values(value).flatMap(nodesOf)];
}

/** Text that Teams reads as Markdown: TextBlocks and facts. TextRuns do not parse Markdown. */
const markdownTexts = (card: unknown) =>
  nodesOf(card).flatMap((node) =>
    node.type === 'TextBlock'
      ? [node.text as string]
      : Array.isArray(node.facts)
        ? (node.facts as Node[]).flatMap((fact) => [fact.title as string, fact.value as string])
        : [],
  );
const textRuns = (card: unknown) =>
  nodesOf(card)
    .filter((node) => node.type === 'TextRun')
    .map((node) => node.text as string);
const urlsOf = (card: unknown) =>
  nodesOf(card).flatMap((node) => ['url', 'href'].filter((key) => typeof node[key] === 'string').map((key) => node[key] as string));

function expectInert(card: unknown) {
  for (const text of markdownTexts(card)) {
    expect(text).not.toContain('](');
    expect(text).not.toContain('evil.example');
    expect(text).not.toContain('**');
  }
  // What the technician typed shows as typed, and opens no mention: a zero-width space follows "<".
  const runs = textRuns(card).join('\n');
  expect(runs).toContain('[Verify your account](https://evil.example/login)');
  expect(runs).toContain('**URGENT**');
  expect(runs).not.toMatch(/<\/?at>/);
  for (const url of urlsOf(card)) expect(url.startsWith(`${site}/`), url).toBe(true);
  const entities = (nodesOf(card).find((node) => node.msteams) as { msteams: { entities: { text: string }[] } }).msteams.entities;
  expect(entities.map((entity) => entity.text)).toEqual(['<at>Maria Manager</at>']);
}

describe('cards show what a person typed as text', () => {
  it('a notice card shows a description with a Markdown link, a mention and bold as typed, and links only to the product', () => {
    expectInert(noticeCard(nonconformity, boston, site, mentions));
  });

  it('a digest card cannot have a link target rewritten by a description, and links each line to the product', () => {
    const card = digestCard(digest, site, mentions);
    expectInert(card);
    const lineLinks = nodesOf(card)
      .filter((node) => node.type === 'Action.OpenUrl')
      .map((node) => node.url);
    expect(lineLinks).toContain(`${site}/nonconformities/LAB01/LAB01-NC-000007`);
    expect(JSON.stringify(card)).not.toContain('\\r');
  });

  it('a mention name cannot close its tag or format the card', () => {
    const card = noticeCard(nonconformity, boston, site, [{ id: 'eve@demo.example', name: 'Eve</at> [x](https://evil.example) **' }]);
    const mentionText = markdownTexts(card).find((text) => text.startsWith('For '))!;
    expect(mentionText).toBe('For <at>Eve /at x https://evil.example</at>');
    expect(mentionText).not.toContain('](');
  });

  it('subjects and mail display names are one line, whatever reached them', () => {
    expect(digestSubject(digest)).not.toMatch(/[\r\n]/);
    expect(digestSubject(digest)).toContain('Lab HQA Bcc: x@evil.example (LAB01)');
    expect(noticeSubject({ ...nonconformity, serialNumber: 'SN\r\nBcc: x@evil.example' })).not.toMatch(/[\r\n]/);
    expect(headerText('Tara\r\nBcc: x@evil.example\u0000\u2028')).toBe('Tara Bcc: x@evil.example ');
    // The e-mail's HTML escapes what was typed: no tag, no link but the product's.
    const html = renderNoticeEmail(nonconformity, boston, site, 'Maria Manager', `${site}/unsubscribe?token=t`).html;
    expect(html).not.toContain('<at>');
    expect([...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]!.startsWith(`${site}/`))).toEqual([true, true]);
  });
});

describe('single-line fields refuse control characters', () => {
  let product: TestProduct;
  beforeAll(async () => {
    product = await startTestProduct();
  });
  afterAll(async () => product.cleanup());

  it('refuses a lab named with a CRLF and a Bcc header with a sentence, and creates nothing', async () => {
    const admin = await product.signedIn('admin');
    const refused = await admin.post('/api/labs', { labId: 'HQA', name: 'Lab HQA\r\nBcc: x@evil.example', timeZone: 'UTC' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toBe('Some of what was sent needs correcting: Name cannot contain line breaks or other control characters.');
    expect((await admin.get<{ items: { labId: string }[] }>('/api/labs')).body.items.map((lab) => lab.labId)).not.toContain('HQA');
  });

  it('refuses a first name with a CRLF, and keeps the name as it was', async () => {
    const admin = await product.signedIn('admin');
    const before = await admin.get<{ firstName: string }>('/api/users/tech1');
    const refused = await admin.patch('/api/users/tech1', { firstName: 'Tara\r\nBcc: x@evil.example' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toBe('Some of what was sent needs correcting: First name cannot contain line breaks or other control characters.');
    expect((await admin.get<{ firstName: string }>('/api/users/tech1')).body.firstName).toBe(before.body.firstName);
  });

  it('refuses a description with a NUL with a sentence', async () => {
    const tech = await product.signedIn('tech1');
    const nul = await tech.post('/api/labs/LAB01/nonconformities', { serialNumber: 'SN-1', description: 'Door\u0000seal' });
    expect(nul.status).toBe(400);
    expect(nul.body.detail).toBe('Some of what was sent needs correcting: Description cannot contain control characters other than line breaks.');
  });
});
