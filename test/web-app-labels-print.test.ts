import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QRCode } from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationPlan } from '../shared/schemas/calibration.js';
import type { LabelSheet } from '../shared/schemas/labels.js';
import { desktop, screenshotDir, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/**
 * Labels on real label stock (SPEC §11, ISO/IEC 17025 §6.4.8), printed to PDF by Chromium, read back
 * with pdftotext and rendered by pdftoppm, whose pixels jsqr reads as a phone's camera would.
 */
const browsing = browserProductForFile({ noConsoleErrors: true });

const pointsPerMm = 72 / 25.4;

/** A label stock as the sheet's maker gives it, in millimetres; paper in points (pdfinfo's unit). */
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
  paper: { width: number; height: number };
  due: (date: string) => string;
}

const inch = 25.4;
const a4 = { width: 210 * pointsPerMm, height: 297 * pointsPerMm };
const stocks: Stock[] = [
  { size: 'large', columns: 3, rows: 8, width: 70, height: 37, left: 0, top: 0.5, pitchX: 70, pitchY: 37, paper: a4, due: (date) => `Calibration due ${date}` },
  {
    size: 'small',
    columns: 5,
    rows: 13,
    width: 38.1,
    height: 21.2,
    left: 4.65,
    top: 10.7,
    pitchX: 40.6,
    pitchY: 21.2,
    paper: a4,
    due: (date) => `Due ${date}`,
  },
  // Avery L7160 geometry: 7.21 mm at the sides, 15.15 mm at the top, 66.04 mm from one column to the next.
  {
    size: 'a4-3x7',
    columns: 3,
    rows: 7,
    width: 63.5,
    height: 38.1,
    left: 7.21,
    top: 15.15,
    pitchX: 66.04,
    pitchY: 38.1,
    paper: a4,
    due: (date) => `Calibration due ${date}`,
  },
  // Avery 5160: 2⅝ × 1 in, 0.5 in at the top, 0.1875 in at the sides, 2.75 in from one column to the next.
  {
    size: 'letter-3x10',
    columns: 3,
    rows: 10,
    width: 2.625 * inch,
    height: inch,
    left: 0.1875 * inch,
    top: 0.5 * inch,
    pitchX: 2.75 * inch,
    pitchY: inch,
    paper: { width: 612, height: 792 },
    due: (date) => `Calibration due ${date}`,
  },
  // A label printer's 62 mm continuous roll, cut at 36 mm: the page is the label.
  {
    size: 'roll-62mm',
    columns: 1,
    rows: 1,
    width: 62,
    height: 36,
    left: 0,
    top: 0,
    pitchX: 62,
    pitchY: 36,
    paper: { width: 62 * pointsPerMm, height: 36 * pointsPerMm },
    due: (date) => `Calibration due ${date}`,
  },
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

// jsqr is CommonJS whose one export is the function itself; its types describe it as a default export.
const jsQR = createRequire(import.meta.url)('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => QRCode | null;

const dpi = 300;
const pixels = (mm: number) => Math.round((mm / inch) * dpi);

/** A page of the PDF as a printer would put it on paper, at 300 dpi. */
function renderedPage(file: string, page: number, output: string, resolution = dpi): PNG {
  execFileSync('pdftoppm', ['-r', String(resolution), '-f', String(page + 1), '-l', String(page + 1), '-singlefile', '-png', file, output]);
  return PNG.sync.read(readFileSync(`${output}.png`));
}

/** What a phone's camera would read from one label cell of a rendered page, with a white quiet zone around it. */
function qrInCell(image: PNG, cell: { x: number; y: number; width: number; height: number }): string | null {
  const margin = 40;
  const crop = new PNG({ width: pixels(cell.width) + 2 * margin, height: pixels(cell.height) + 2 * margin, fill: true });
  crop.data.fill(255);
  const width = Math.min(pixels(cell.width), image.width - pixels(cell.x));
  const height = Math.min(pixels(cell.height), image.height - pixels(cell.y));
  PNG.bitblt(image, crop, pixels(cell.x), pixels(cell.y), width, height, margin, margin);
  return jsQR(new Uint8ClampedArray(crop.data.buffer, crop.data.byteOffset, crop.data.length), crop.width, crop.height)?.data ?? null;
}

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'ems-labels-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('labels printed on label stock', () => {
  for (const stock of stocks) {
    it(`URS-160 prints ${stock.size} labels ${stock.columns} × ${stock.rows} a page at the stock's own margins and pitch, each with its status and due date in full, a QR code that scans from the printed page and nothing else on the page`, async () => {
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

      // Each label's box lies in its cell of the stock, measured from its page's top left corner.
      const perPage = stock.columns * stock.rows;
      const cellOf = (index: number) => {
        const onPage = index % perPage;
        return {
          page: Math.floor(index / perPage),
          x: stock.left + (onPage % stock.columns) * stock.pitchX,
          y: stock.top + Math.floor(onPage / stock.columns) * stock.pitchY,
          width: stock.width,
          height: stock.height,
        };
      };
      const boxes = await page.locator('.label-page').evaluateAll((sheets) =>
        sheets.flatMap((sheet) => {
          const origin = sheet.getBoundingClientRect();
          return Array.from(sheet.querySelectorAll('.label'), (label) => {
            const box = label.getBoundingClientRect();
            return { x: box.left - origin.left, y: box.top - origin.top, width: box.width, height: box.height };
          });
        }),
      );
      expect(boxes).toHaveLength(items.length);
      const mmPerPixel = inch / 96;
      boxes.forEach((box, index) => {
        const cell = cellOf(index);
        const tolerance = 0.1;
        const where = `label ${index + 1} at ${(box.x * mmPerPixel).toFixed(2)}, ${(box.y * mmPerPixel).toFixed(2)} mm`;
        expect(box.x * mmPerPixel, where).toBeGreaterThanOrEqual(cell.x - tolerance);
        expect(box.y * mmPerPixel, where).toBeGreaterThanOrEqual(cell.y - tolerance);
        expect((box.x + box.width) * mmPerPixel, where).toBeLessThanOrEqual(cell.x + cell.width + tolerance);
        expect((box.y + box.height) * mmPerPixel, where).toBeLessThanOrEqual(cell.y + cell.height + tolerance);
      });

      const file = join(folder, `${stock.size}.pdf`);
      await writeFile(file, await page.pdf({ preferCSSPageSize: true }));
      const info = execFileSync('pdfinfo', [file]).toString();
      expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBe(Math.ceil(items.length / perPage));
      const [, paperWidth, paperHeight] = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info) ?? [];
      expect(Math.abs(Number(paperWidth) - stock.paper.width), info).toBeLessThan(1);
      expect(Math.abs(Number(paperHeight) - stock.paper.height), info).toBeLessThan(1);

      execFileSync('pdftotext', ['-bbox', file, join(folder, `${stock.size}.html`)]);
      const words = wordsOf(await readFile(join(folder, `${stock.size}.html`), 'utf8'));
      const allText = words.map((word) => word.text).join(' ');
      // Nothing but labels: no heading, no footer, no page numbers.
      expect(allText).not.toContain('Labels ·');
      expect(allText).not.toContain('EquipManSys');
      expect(allText).not.toMatch(/Page \d+ of/);

      items.forEach((label, index) => {
        const cell = cellOf(index);
        const inCell = words.filter(
          (word) =>
            word.page === cell.page &&
            word.xMin >= cell.x * pointsPerMm - 0.5 &&
            word.xMax <= (cell.x + cell.width) * pointsPerMm + 0.5 &&
            word.yMin >= cell.y * pointsPerMm - 0.5 &&
            word.yMax <= (cell.y + cell.height) * pointsPerMm + 0.5,
        );
        const text = inCell.map((word) => word.text).join(' ');
        expect(text, `label ${index + 1} of ${items.length}`).toContain(label.serialNumber);
        expect(text, label.serialNumber).toContain(label.modelId);
        expect(text, label.serialNumber).toContain(label.labId);
        expect(text, label.serialNumber).toContain(statusText(label.fitness.state));
        if (label.fitness.calibrationDue) expect(text, label.serialNumber).toContain(stock.due(label.fitness.calibrationDue));
      });

      // The first and the last label scan, read from the printed page as a phone's camera would: the machine's address.
      for (const index of [0, items.length - 1]) {
        const cell = cellOf(index);
        const decoded = qrInCell(renderedPage(file, cell.page, join(folder, `${stock.size}-${cell.page}`)), cell);
        const label = items[index]!;
        // The machine's address, with its report key as a query where the machine has one.
        expect(decoded, `QR code of ${label.serialNumber}`).toBe(label.url);
        const address = new URL(decoded!);
        expect(`${address.origin}${address.pathname}`).toBe(`${browsing.product.url}/e/${encodeURIComponent(label.serialNumber)}`);
      }
      // The first page as it prints, to look at.
      await mkdir(screenshotDir, { recursive: true });
      await copyFile(`${join(folder, `${stock.size}-0`)}.png`, join(screenshotDir, `labels-${stock.size}.png`));
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
