export type Cell = string | number | boolean | null | undefined;

/** Characters that make a spreadsheet read a cell as a formula (CSV injection). */
const formulaStart = /^[=+\-@\t\r]/;

function cellText(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Text that would start a formula is kept as text by a leading apostrophe, as Excel does itself.
  const text = formulaStart.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * CSV that Excel opens correctly and Power BI reads: UTF-8 with a byte order mark, RFC 4180 quoting,
 * CRLF line ends, one header row. Numbers are written as numbers; text that could start a formula is
 * neutralised. A dozen lines of our own serve better here than a dependency.
 */
export function toCsv(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return `\uFEFF${[columns.map(cellText), ...rows.map((row) => row.map(cellText))].map((line) => line.join(',')).join('\r\n')}\r\n`;
}
