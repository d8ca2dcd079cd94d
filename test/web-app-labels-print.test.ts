import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationPlan } from '../shared/schemas/calibration.js';
import type { LabelSheet } from '../shared/schemas/labels.js';
import { desktop, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** Labels on real label stock (SPEC §11, ISO/IEC 17025 §6.4.8), printed to PDF by Chromium and read back with pdftotext. */
const browsing = browserProductForFile({ noConsoleErrors: true });

const pointsPerMm = 72 / 25.4;

/** A label stock as the sheet's maker gives it, in millimetres. */
interface Stock {
  size: LabelSheet['size'];
  columns: number;
  rows: number;
  width: number;
  height: number;
  left: number;
  top: number;
  pitchX: number;
  pitchY: number;
  due: (date: string) => string;
}

const stocks: Stock[] = [
  { size: 'large', columns: 3, rows: 8, width: 70, height: 37, left: 0, top: 0.5, pitchX: 70, pitchY: 37, due: (date) => `Calibration due ${date}` },
  { size: 'small', columns: 5, rows: 13, width: 38.1, height: 21.2, left: 4.65, top: 10.7, pitchX: 40.6, pitchY: 21.2, due: (date) => `Due ${date}` },
];

interface Word {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Every word of the PDF with its box, in points from the page's top left corner. */
function wordsOf(bboxHtml: string): Word[] {
  const words: Word[] = [];
  const pages = bboxHtml.split(/<page /).slice(1);
  pages.forEach((page, index) => {
    for (const match of page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
      words.push({
        page: index,
        xMin: Number(match[1]),
        yMin: Number(match[2]),
        xMax: Number(match[3]),
        yMax: Number(match[4]),
        text: match[5]!.replace(/&amp;/g, '&'),
      });
    }
  });
  return words;
}

const statusText = (state: string) => (state === 'fit' ? 'Fit for use' : state === 'due soon' ? 'Calibration due soon' : 'NOT FIT FOR USE');

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'ems-labels-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('labels printed on label stock', () => {
  for (const stock of stocks) {
    it(`prints ${stock.size} labels ${stock.columns} × ${stock.rows} to an A4 page at the sheet's pitch, each with its status and due date in full and nothing else on the page`, async () => {
      const admin = await browsing.product.signedIn('admin');
      const { items } = (await admin.get<LabelSheet>(`/api/labs/LAB01/labels?size=${stock.size}`)).body;
      const { page } = await browsing.session(desktop);
      await signIn(page, 'manager1', demoPassword);
      await visit(page, `/labels?size=${stock.size}`);
      await page
        .locator('.label img.qr')
        .nth(items.length - 1)
        .waitFor();
      await page.emulateMedia({ media: 'print' });
      const file = join(folder, `${stock.size}.pdf`);
      await writeFile(file, await page.pdf({ preferCSSPageSize: true }));
      const info = execFileSync('pdfinfo', [file]).toString();
      const perPage = stock.columns * stock.rows;
      expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBe(Math.ceil(items.length / perPage));
      expect(info).toMatch(/Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);

      execFileSync('pdftotext', ['-bbox', file, join(folder, `${stock.size}.html`)]);
      const words = wordsOf(await readFile(join(folder, `${stock.size}.html`), 'utf8'));
      const allText = words.map((word) => word.text).join(' ');
      // Nothing but labels: no heading, no footer, no page numbers.
      expect(allText).not.toContain('Labels ·');
      expect(allText).not.toContain('EquipManSys');
      expect(allText).not.toMatch(/Page \d+ of/);

      items.forEach((label, index) => {
        const onPage = index % perPage;
        const cell = {
          page: Math.floor(index / perPage),
          xMin: (stock.left + (onPage % stock.columns) * stock.pitchX) * pointsPerMm,
          yMin: (stock.top + Math.floor(onPage / stock.columns) * stock.pitchY) * pointsPerMm,
        };
        const inCell = words.filter(
          (word) =>
            word.page === cell.page &&
            word.xMin >= cell.xMin - 0.5 &&
            word.xMax <= cell.xMin + stock.width * pointsPerMm + 0.5 &&
            word.yMin >= cell.yMin - 0.5 &&
            word.yMax <= cell.yMin + stock.height * pointsPerMm + 0.5,
        );
        const text = inCell.map((word) => word.text).join(' ');
        expect(text, `label ${index + 1} of ${items.length}`).toContain(label.serialNumber);
        expect(text, label.serialNumber).toContain(statusText(label.fitness.state));
        if (label.fitness.calibrationDue) expect(text, label.serialNumber).toContain(stock.due(label.fitness.calibrationDue));
      });
    });
  }
});

describe('numbers typed with a decimal comma', () => {
  it('judges a reading typed with a decimal comma as it is typed, names one that is not a number beside its field, and clears that error once the value is corrected', async () => {
    const admin = await browsing.product.signedIn('admin');
    const plan = (await admin.get<CalibrationPlan>('/api/labs/LAB01/equipment/PS2-01-003/calibration-plan')).body.current!;
    const point = plan.points[0]!;
    const outside = String(point.upperLimit + 3.2).replace('.', ',');
    const inside = String((point.lowerLimit + point.upperLimit) / 2 + 0.1).replace('.', ',');
    const { page } = await browsing.session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, '/equipment/LAB01/PS2-01-003/calibration');
    await page.getByRole('button', { name: 'Record a calibration' }).click();
    const dialog = page.getByRole('dialog');
    // The first row of the dialog is the first point as found.
    const row = dialog.locator('.point-row').first();
    const field = row.getByLabel(`${point.name} (${point.unit})`);

    await field.fill(outside);
    await row.getByText(/^Fail: /).waitFor();
    await field.fill(inside);
    await row.getByText('Pass', { exact: true }).waitFor();

    // Something that is not a number is named beside its field before anything is sent; correcting it clears the error.
    await field.fill('seven');
    await dialog.getByLabel('Your password, to sign').fill(demoPassword);
    await dialog.getByRole('button', { name: 'Sign: Performed by' }).click();
    await row.locator('.field-error', { hasText: `${point.name} as found needs a number` }).waitFor();
    await field.fill(inside);
    expect(await row.locator('.field-error').count()).toBe(0);
    await row.getByText('Pass', { exact: true }).waitFor();
  });
});
