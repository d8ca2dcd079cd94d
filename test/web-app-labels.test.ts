import { createRequire } from 'node:module';
import type { QRCode } from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { desktop, phone, screenshot, seriousAccessibilityProblems, settled, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** Labels and the machine page they open (SPEC §11), in Chromium, on the demo company. */
const browsing = browserProductForFile({ noConsoleErrors: true });

// jsqr is CommonJS whose one export is the function itself; its types describe it as a default export.
const jsQR = createRequire(import.meta.url)('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => QRCode | null;

/** What a phone's camera would read: the QR code decoded from the pixels of a screenshot. */
function decodeQr(image: Buffer): string | null {
  const png = PNG.sync.read(image);
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data ?? null;
}

describe('labels in the browser', () => {
  it('prints a sheet whose QR code opens the machine on a phone, where a technician starts its open checklist in one tap; another lab’s machine is not found', async () => {
    const { page } = await browsing.session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, '/equipment');
    await page.getByRole('link', { name: 'Print labels' }).click();
    await settled(page);
    await page.getByLabel('Label size').selectOption('large');
    const label = page.locator('.label', { hasText: 'F3B-01-001' });
    await label.locator('img.qr').waitFor();
    await page.locator('.label', { hasText: 'REF-T-02' }).getByText('NOT FIT FOR USE').waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'label-sheet-desktop');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.app-header').isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });

    const decoded = decodeQr(await label.locator('img.qr').screenshot());
    expect(decoded).toBe(`${browsing.product.url}/e/F3B-01-001`);

    const technician = await browsing.session(phone);
    await technician.page.goto(decoded!);
    // Signing in on the address the label opened stays there.
    await technician.page.getByLabel('Username').fill('tech1');
    await technician.page.getByLabel('Password', { exact: true }).fill(demoPassword);
    await technician.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await technician.page.getByRole('heading', { name: 'F3B-01-001' }).waitFor();
    await technician.page.getByText('Fit', { exact: true }).first().waitFor();
    expect(await seriousAccessibilityProblems(technician.page)).toEqual([]);
    await screenshot(technician.page, 'machine-at-hand-phone');
    await technician.page.getByRole('link', { name: /^Start the daily checklist/ }).first().click();
    await technician.page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    expect(technician.page.url()).toMatch(/\/records\/LAB01\/LAB01\d{6,}$/);

    await visit(technician.page, '/e/F3B-02-001');
    await technician.page.getByRole('heading', { name: 'Machine not found' }).waitFor();
    await technician.page.getByText('There is no machine F3B-02-001 that you can see.').waitFor();
    // The browser logs the 404 that says so; it is the only error, and it is the answer by design.
    expect(technician.consoleErrors).toEqual([expect.stringContaining('404 (Not Found) (http://localhost')]);
    technician.consoleErrors.length = 0;

    // Without a camera detector the Scan button asks for the serial number.
    await visit(technician.page, '/');
    await technician.page.getByRole('button', { name: 'Scan' }).click();
    await technician.page.getByLabel('Serial number').fill('ref-t-02');
    await technician.page.getByRole('button', { name: 'Open the machine' }).click();
    await technician.page.getByRole('heading', { name: 'REF-T-02' }).waitFor();
    await technician.page.getByText(/^Not fit for use: /).waitFor();
    await technician.page.getByRole('link', { name: 'LAB01-NC-000001' }).waitFor();
  });
});
