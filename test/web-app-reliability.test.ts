import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { desktop, phone, screenshot, screenshotDir, seriousAccessibilityProblems, signIn, visit, wordsSplitInCells } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { demoPassword } from './helpers/test-product.js';

/** The reliability figures in Chromium: the Reports page's table and a machine's chart, at a phone's and a desk's width. */
const browsing = browserProductForFile({ noConsoleErrors: true });

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('reliability in the browser', () => {
  it('URS-159 shows the reliability table with its CSV downloads on the Reports page and the chart of a machine’s year on its page', async () => {
    const { page } = await browsing.session(desktop);
    await signIn(page, 'admin', demoPassword);

    // The page's period, the last year: the demo's failures were months ago.
    await visit(page, `/reports?labs=all&from=${labDaysAgo('LAB01', 364)}&to=${labDaysAgo('LAB01', 0)}`);
    await page.getByRole('heading', { name: 'Reliability' }).waitFor();
    const mills = page.getByRole('row').filter({ hasText: 'Chicago' }).filter({ hasText: 'DWX-52DCi' });
    // The demo's mills at LAB02 failed twice over the last year, the second time after a first repair.
    await expect(mills.getByRole('cell').nth(4).textContent()).resolves.toBe('2');
    await page.getByRole('button', { name: 'Reliability per machine as CSV' }).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    expect(await wordsSplitInCells(page)).toEqual([]);
    await page.getByRole('heading', { name: 'Reliability' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'reliability-report-desktop');
    // The table alone, to look at without the rest of the page.
    await page
      .locator('.table-box')
      .filter({ hasText: 'MTBF' })
      .screenshot({ path: join(screenshotDir, 'reliability-table-desktop.png') });
    await page.setViewportSize(phone);
    expect(await overflow(page)).toBe(0);
    await screenshot(page, 'reliability-report-phone');
    await page.setViewportSize(desktop);

    await visit(page, '/equipment/LAB02/DWX-02-002');
    const chart = page.locator('figure.reliability');
    await chart.waitFor();
    await expect(chart.locator('rect.down').count()).resolves.toBe(2);
    await expect(chart.locator('rect.repair').count()).resolves.toBe(1);
    await expect(chart.locator('rect.away').count()).resolves.toBe(1);
    await chart.getByText(/2 failures · MTBF [\d,]+ h · MTTR 96 h/).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'reliability-machine-desktop');
    await page.setViewportSize(phone);
    expect(await overflow(page)).toBe(0);
    await screenshot(page, 'reliability-machine-phone');
  });
});
