import { describe, expect, it } from 'vitest';
import type { NonconformityDocument } from '../shared/data/nonconformity-repository.js';
import { noticeCard, renderNoticeEmail } from '../shared/notifications/messages.js';

/** E-mail and Teams notices give times as the lab reads them (SPEC §5, §11), never a raw ISO timestamp. */
const nonconformity = {
  ncNumber: 'LAB01-NC-000002',
  labId: 'LAB01',
  serialNumber: 'DWX-01-006',
  modelId: 'DWX-52D',
  source: 'pm-fault',
  calibrationNumber: null,
  recordNumber: 'LAB0100042',
  description: 'Two tool holders cracked, machine unsafe',
  openedBy: { username: 'manager1', displayName: 'Maria Manager' },
  openedAt: '2026-12-06T07:00:28.594Z',
  items: [],
} as unknown as NonconformityDocument;

const isoTimestamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

describe('notice times', () => {
  it('say when the nonconformity opened in the lab’s zone, with the zone, in the e-mail and the Teams card', () => {
    const boston = { name: 'Boston Dental Lab', timeZone: 'America/New_York' };
    const email = renderNoticeEmail(nonconformity, boston, 'https://equipman.example', 'Tara Tech', 'https://equipman.example/unsubscribe?token=t');
    const card = JSON.stringify(noticeCard(nonconformity, boston, 'https://equipman.example', []));
    for (const text of [email.plainText, email.html, card]) {
      expect(text).not.toMatch(isoTimestamp);
      expect(text).toContain('Opened by Maria Manager on Dec 6, 2026, 2:00 AM EST.');
    }
  });

  it('follow each lab’s own zone', () => {
    const email = renderNoticeEmail(
      { ...nonconformity, labId: 'LAB02' } as NonconformityDocument,
      { name: 'Chicago Dental Lab', timeZone: 'America/Chicago' },
      'https://e.example',
      'T',
      'https://e.example/u',
    );
    expect(email.plainText).toContain('on Dec 6, 2026, 1:00 AM CST.');
  });
});
