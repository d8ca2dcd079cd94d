import { describe, expect, it } from 'vitest';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { ProblemReport } from '../shared/schemas/problem-reports.js';
import { desktop, phone, screenshot, seriousAccessibilityProblems, settled, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { decodeQr } from './helpers/qr.js';
import { demoPassword } from './helpers/test-product.js';

/** A problem reported at the machine (SPEC §15), in Chromium on the demo company, from the printed label to a nonconformity. */
const browsing = browserProductForFile({ noConsoleErrors: true });

const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF worn spindle'), Buffer.alloc(3000, 1)]);
const words = 'Spindle <b>grinds</b> when it starts\nand the door light blinks';

describe('a problem reported at the machine', () => {
  it('URS-150 someone signed out scans the label on a phone, reports a fault with a photo, and a manager turns it into a nonconformity', async () => {
    const { page } = await browsing.session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, '/labels');
    await page.getByLabel('Label size').selectOption('large');
    const label = page.locator('.label', { hasText: 'F3B-01-001' });
    await label.locator('img.qr').waitFor();
    const decoded = decodeQr(await label.locator('img.qr').screenshot());
    expect(new URL(decoded!).pathname).toBe('/e/F3B-01-001');

    const passerBy = await browsing.session(phone);
    await passerBy.page.goto(decoded!);
    await passerBy.page.getByRole('heading', { name: 'Report a problem' }).waitFor();
    await passerBy.page.getByText('F3B-01-001').waitFor();
    // Someone without an account sees the machine's name and model, nothing of the lab's work.
    expect(await passerBy.page.getByText(/fit for use|calibrat|Boston|LAB01/i).count()).toBe(0);
    await passerBy.page.getByLabel('What is wrong').fill(words);
    await passerBy.page.getByLabel('Your name (optional)').fill('Sam from dispatch');
    await passerBy.page.getByLabel('Phone or e-mail (optional)').fill('+1 617 555 0100');
    await passerBy.page.getByLabel('Photo (optional)').setInputFiles({ name: 'spindle.jpg', mimeType: 'image/jpeg', buffer: photo });
    expect(await seriousAccessibilityProblems(passerBy.page)).toEqual([]);
    await screenshot(passerBy.page, 'report-problem-phone');
    await passerBy.page.getByRole('button', { name: 'Send the report' }).click();
    const thanks = await passerBy.page.getByText(/^Thank you: the lab has your report LAB01-REQ-\d{6}\./).textContent();
    const reportNumber = /LAB01-REQ-\d{6}/.exec(thanks!)![0];
    await screenshot(passerBy.page, 'report-problem-sent-phone');

    const manager = await browsing.session(phone);
    await signIn(manager.page, 'manager1', demoPassword);
    await visit(manager.page, '/requests');
    const card = manager.page.locator('.request', { hasText: reportNumber });
    // The reporter's words as typed: the markup in them is text on the page, never HTML.
    await card.getByText('Spindle <b>grinds</b> when it starts').waitFor();
    expect(await card.locator('b').count()).toBe(0);
    await card.getByText(/From Sam from dispatch \(\+1 617 555 0100\).*with a photo/).waitFor();
    await screenshot(manager.page, 'requests-phone');
    await card.getByRole('button', { name: 'Open a nonconformity' }).click();
    await manager.page.waitForURL(/\/nonconformities\/LAB01\/LAB01-NC-\d{6}$/);
    await settled(manager.page);
    await manager.page.getByText('Spindle <b>grinds</b> when it starts', { exact: false }).first().waitFor();
    await screenshot(manager.page, 'request-nonconformity-phone');

    const api = await browsing.product.signedIn('manager1');
    const machine = await api.get<Equipment>('/api/labs/LAB01/equipment/F3B-01-001');
    expect(machine.body.status).toBe('Out of Service');
    const request = await api.get<ProblemReport>(`/api/labs/LAB01/requests/${reportNumber}`);
    expect(request.body).toMatchObject({ status: 'Nonconformity', description: words, ncNumber: machine.body.quarantinedBy[0] });
  });
});
