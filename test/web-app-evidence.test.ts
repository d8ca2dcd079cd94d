import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readCalibration } from '../shared/data/calibration-repository.js';
import type { Calibration, Certificate } from '../shared/schemas/calibration.js';
import { certificatesContainer } from '../shared/storage/blob-store.js';
import { desktop, phone, screenshot, seriousAccessibilityProblems, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** A certificate gone from storage, as the equipment history and the audit page show it in Chromium. */
const browsing = browserProductForFile({ noConsoleErrors: true });

describe('evidence missing from storage in the browser', () => {
  it('is marked beside its calibration in the history and listed by the audit verification', async () => {
    const manager = await browsing.product.signedIn('manager1');
    // The demo oven's calibration awaiting approval: an approved one takes no more certificates.
    const calibrationNumber = (await manager.get<{ items: Calibration[] }>('/api/labs/LAB01/equipment/PS2-01-011/calibrations')).body.items.find(
      (calibration) => calibration.status === 'Awaiting approval',
    )!.calibrationNumber;
    const uploaded = await manager.post<Certificate>(
      `/api/labs/LAB01/equipment/PS2-01-011/calibrations/${calibrationNumber}/certificates?fileName=scan.pdf`,
      undefined,
      {
        rawBody: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(1_000)]),
        contentType: 'application/pdf',
      },
    );
    expect(uploaded.status, uploaded.text).toBe(201);
    const blobName = (await readCalibration('LAB01', calibrationNumber))!.document.certificates!.find(
      (file) => file.certificateId === uploaded.body.certificateId,
    )!.blobName;
    await (await certificatesContainer()).getBlockBlobClient(blobName).delete();

    const { page } = await browsing.session(desktop);
    await signIn(page, 'admin', demoPassword);
    await visit(page, '/equipment/LAB01/PS2-01-011');
    await page.getByText(/^One certificate or photo of this machine is not in storage as recorded at upload/).waitFor();
    await page
      .locator('td[data-label="Calibration"]', { hasText: calibrationNumber })
      .getByText(`⚠ certificate ${uploaded.body.certificateId} (scan.pdf) missing from storage`)
      .waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'history-certificate-missing-desktop');
    await page.setViewportSize(phone);
    await screenshot(page, 'history-certificate-missing-phone');
    await page.setViewportSize(desktop);

    await visit(page, '/audit');
    await page.getByRole('button', { name: /^Verify the chains of/ }).click();
    await page.getByText(/^1 of \d+ certificates and photos checked are not in storage as recorded at upload:$/).waitFor();
    await page
      .getByText(`PS2-01-011 · Certificate ${uploaded.body.certificateId} of ${calibrationNumber} (scan.pdf) is missing from storage`, { exact: false })
      .waitFor();
    await screenshot(page, 'audit-evidence-missing-desktop');
  });
});
