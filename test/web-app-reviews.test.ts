import { describe, expect, it } from 'vitest';
import { desktop, phone, screenshot, seriousAccessibilityProblems, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** A periodic review from the auditor's landing page to its signature, in Chromium. */
const browsing = browserProductForFile({ noConsoleErrors: true });

describe('periodic reviews in the browser', () => {
  it('URS-124 shows the reviews due on the auditor’s Overview, and signs an audit trail review from the figures with findings', async () => {
    const { page } = await browsing.session(desktop);
    await signIn(page, 'auditor', demoPassword);
    const due = page.locator('section[aria-labelledby="reviews-due"]');
    await due.getByText('Audit trail review: due now, none signed yet').waitFor();
    await screenshot(page, 'overview-reviews-due-desktop');

    await due.getByRole('link', { name: 'Periodic reviews' }).click();
    await page.getByRole('heading', { name: /^Periodic reviews/ }).waitFor();
    await page
      .getByRole('listitem')
      .filter({ hasText: /^Audit trail review/ })
      .getByRole('button', { name: 'Start' })
      .click();
    await page.getByText(/^Signatures: \d+$/).waitFor();
    await page.getByText(/^Failed sign-ins: \d+$/).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'review-start-desktop');
    await page.setViewportSize(phone);
    await screenshot(page, 'review-start-phone');
    await page.setViewportSize(desktop);

    await page.getByLabel('Findings').fill('Two failed sign-ins of tech1 were typing errors; nothing to act on.');
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign the review' }).click();
    await page.getByRole('heading', { name: /-REV-000001 · Audit trail review$/ }).waitFor();
    await page.getByText(/^Reviewed by: /).waitFor();
    await screenshot(page, 'review-signed-desktop');
    await page.setViewportSize(phone);
    await screenshot(page, 'review-signed-phone');
  });

  it('URS-163 the Reviews page of Global Audit lists the company-wide accounts, the reviewer’s own among them', async () => {
    for (const viewport of [phone, desktop]) {
      const { page } = await browsing.session(viewport);
      await signIn(page, 'auditor', demoPassword);
      await visit(page, '/reviews');
      await page.getByText('Company-wide accounts (Administrator, Global Audit)').click();
      await page.getByText("No lab's review lists these accounts. Yours, auditor, is among them: have someone else look at it too.").waitFor();
      const rows = page.locator('details.company-access tbody tr');
      await rows.filter({ hasText: 'auditor' }).filter({ hasText: 'Global Audit' }).first().waitFor();
      await rows.filter({ hasText: 'admin' }).filter({ hasText: 'Administrator' }).first().waitFor();
      expect(await seriousAccessibilityProblems(page)).toEqual([]);
      await screenshot(page, `company-access-review-${viewport === phone ? 'phone' : 'desktop'}`);
    }
  });
});
