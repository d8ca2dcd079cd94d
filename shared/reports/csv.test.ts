import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';

describe('CSV for Excel and Power BI', () => {
  it('reads back with a standard parser: BOM, header, quoting, non-ASCII intact, formulas neutralised', () => {
    const csv = toCsv(
      ['lab_id', 'note', 'value'],
      [
        ['LAB01', 'Zoë Müller, São Paulo "north" site\nsecond line', 12.5],
        ['LAB02', '=HYPERLINK("http://evil")', -3],
        ['LAB03', '+1', null],
        ['LAB04', '-2+3', true],
        ['LAB05', '@SUM(A1)', 0],
        ['LAB06', '\tTabbed', 1],
        ['LAB07', '\rReturn', 2],
      ],
    );
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual(['lab_id', 'note', 'value']);
    expect(rows.map((row) => row.note)).toEqual([
      'Zoë Müller, São Paulo "north" site\nsecond line',
      `'=HYPERLINK("http://evil")`,
      "'+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tTabbed",
      "'\rReturn",
    ]);
    expect(rows.map((row) => row.value)).toEqual(['12.5', '-3', '', 'true', '0', '1', '2']);
  });
});
