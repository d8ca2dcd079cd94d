/**
 * Reads the tables and rows of a mysqldump file: CREATE TABLE for column names, and INSERT statements
 * (extended inserts, split over many statements or not, with or without a column list). Everything
 * else (SET, LOCK TABLES, USE, conditional comments such as /*!40101 ... *\/) is framing and skipped.
 * Strings follow MySQL's escapes (\\, \', \", \n, \r, \t, \0, \Z, \b and doubled quotes).
 */

export type SqlValue = string | number | null;

export interface DumpRow {
  values: SqlValue[];
  /** Line of the dump where the row's tuple starts, for error messages. */
  line: number;
}

export interface DumpTable {
  name: string;
  columns: string[];
  rows: DumpRow[];
  /** Line of the dump where the table is first named, for error messages about the table itself. */
  line: number;
}

export class DumpError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly table?: string,
  ) {
    super(`line ${line}${table ? ` (table ${table})` : ''}: ${message}`);
  }
}

const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', Z: '\x1a', b: '\b' };

class Reader {
  position = 0;
  line = 1;

  constructor(readonly text: string) {}

  /** Whether the next words, in any case and spacing, are these. */
  atKeywords(words: string): boolean {
    return new RegExp(`^${words.replace(/ /g, '\\s+')}\\b`, 'i').test(this.text.slice(this.position, this.position + 64));
  }

  skipKeywords(words: string): void {
    for (let count = words.split(' ').length; count > 0; count--) {
      this.skipSpace();
      this.word();
    }
  }

  get done(): boolean {
    return this.position >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text[this.position + offset] ?? '';
  }

  next(): string {
    const character = this.text[this.position++] ?? '';
    if (character === '\n') this.line += 1;
    return character;
  }

  startsWith(word: string): boolean {
    return this.text.startsWith(word, this.position);
  }

  /** Skips white space and comments (conditional comments too: they only set session options). */
  skipSpace(): void {
    for (;;) {
      const character = this.peek();
      if (/\s/.test(character)) this.next();
      else if (this.startsWith('-- ') || this.startsWith('--\n') || character === '#') while (!this.done && this.peek() !== '\n') this.next();
      else if (this.startsWith('/*')) {
        const start = this.line;
        this.position += 2;
        while (!this.done && !this.startsWith('*/')) this.next();
        if (this.done) throw new DumpError('a comment is never closed', start);
        this.position += 2;
      } else return;
    }
  }

  quoted(quote: string): string {
    const start = this.line;
    this.next();
    let value = '';
    for (;;) {
      if (this.done) throw new DumpError('a quoted text is never closed', start);
      const character = this.next();
      if (character === '\\') {
        const escaped = this.next();
        value += escapes[escaped] ?? escaped;
      } else if (character === quote) {
        if (this.peek() === quote) value += this.next();
        else return value;
      } else value += character;
    }
  }

  /** A bare word or number, up to the next delimiter. */
  word(): string {
    let value = '';
    while (!this.done && !/[\s,();`'"]/.test(this.peek())) value += this.next();
    return value;
  }

  identifier(): string {
    this.skipSpace();
    return this.peek() === '`' ? this.quoted('`') : this.word();
  }

  /** The rest of a statement, quotes and comments respected, without its `;`. */
  skipStatement(): void {
    while (!this.done) {
      const character = this.peek();
      if (character === ';') {
        this.next();
        return;
      }
      if (character === "'" || character === '"' || character === '`') this.quoted(character);
      else if (this.startsWith('/*') || this.startsWith('-- ') || character === '#') this.skipSpace();
      else this.next();
    }
  }

  expect(character: string, what: string, table?: string): void {
    this.skipSpace();
    if (this.peek() !== character) throw new DumpError(`expected ${what} but found ${JSON.stringify(this.peek() || 'the end of the file')}`, this.line, table);
    this.next();
  }
}

/** Column names of a CREATE TABLE body: each top-level definition that is not a key or constraint. */
function readColumns(reader: Reader, table: string): string[] {
  reader.expect('(', '( after CREATE TABLE', table);
  const columns: string[] = [];
  let depth = 0;
  let atDefinitionStart = true;
  while (!reader.done) {
    reader.skipSpace();
    if (atDefinitionStart && depth === 0) {
      atDefinitionStart = false;
      if (!/^(PRIMARY|KEY|UNIQUE|CONSTRAINT|INDEX|FULLTEXT|SPATIAL|FOREIGN|CHECK)\b/i.test(reader.text.slice(reader.position, reader.position + 12))) {
        columns.push(reader.identifier());
      }
      continue;
    }
    const character = reader.peek();
    if (character === "'" || character === '"' || character === '`') reader.quoted(character);
    else if (character === '(') {
      depth += 1;
      reader.next();
    } else if (character === ')') {
      reader.next();
      if (depth === 0) break;
      depth -= 1;
    } else if (character === ',' && depth === 0) {
      reader.next();
      atDefinitionStart = true;
    } else reader.next();
  }
  reader.skipStatement();
  return columns;
}

function readValue(reader: Reader, table: string): SqlValue {
  reader.skipSpace();
  const character = reader.peek();
  if (character === "'" || character === '"') return reader.quoted(character);
  const word = reader.word();
  if (/^null$/i.test(word)) return null;
  if (/^_(binary|utf8mb4|latin1|utf8)$/i.test(word)) return readValue(reader, table);
  if (/^0x[0-9a-f]*$/i.test(word)) return Buffer.from(word.slice(2), 'hex').toString('utf8');
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(word)) return Number(word);
  if (/^(true|false)$/i.test(word)) return word.toLowerCase() === 'true' ? 1 : 0;
  throw new DumpError(`cannot read the value ${JSON.stringify(word || character)}`, reader.line, table);
}

function readInsert(reader: Reader, tables: Map<string, DumpTable>): void {
  reader.skipKeywords('INSERT');
  reader.skipSpace();
  if (reader.atKeywords('IGNORE')) reader.skipKeywords('IGNORE');
  reader.skipSpace();
  if (reader.atKeywords('INTO')) reader.skipKeywords('INTO');
  const line = reader.line;
  const name = reader.identifier();
  const table = tables.get(name) ?? { name, columns: [], rows: [], line };
  tables.set(name, table);
  reader.skipSpace();
  let columns = table.columns;
  if (reader.peek() === '(') {
    reader.next();
    columns = [];
    for (;;) {
      columns.push(reader.identifier());
      reader.skipSpace();
      if (reader.next() === ')') break;
    }
    if (table.columns.length === 0) table.columns = columns;
  }
  reader.skipSpace();
  if (!reader.atKeywords('VALUES')) throw new DumpError('expected VALUES', reader.line, name);
  reader.skipKeywords('VALUES');
  for (;;) {
    reader.expect('(', 'a row in parentheses', name);
    const rowLine = reader.line;
    const values: SqlValue[] = [];
    for (;;) {
      values.push(readValue(reader, name));
      reader.skipSpace();
      const separator = reader.next();
      if (separator === ')') break;
      if (separator !== ',') throw new DumpError(`expected , or ) between values but found ${JSON.stringify(separator)}`, reader.line, name);
    }
    if (columns.length > 0 && values.length !== columns.length) {
      throw new DumpError(`a row has ${values.length} values but the table has ${columns.length} columns`, rowLine, name);
    }
    // Rows are kept in the table's own column order, whatever order this INSERT named them in.
    table.rows.push({ values: columns === table.columns ? values : table.columns.map((column) => values[columns.indexOf(column)] ?? null), line: rowLine });
    reader.skipSpace();
    const after = reader.next();
    if (after === ';' || after === '') break;
    if (after !== ',') throw new DumpError(`expected , or ; after a row but found ${JSON.stringify(after)}`, reader.line, name);
  }
}

export function parseDump(text: string): Map<string, DumpTable> {
  const reader = new Reader(text);
  const tables = new Map<string, DumpTable>();
  for (;;) {
    reader.skipSpace();
    if (reader.done) return tables;
    if (reader.atKeywords('CREATE TABLE')) {
      reader.skipKeywords('CREATE TABLE');
      reader.skipSpace();
      if (reader.atKeywords('IF NOT EXISTS')) reader.skipKeywords('IF NOT EXISTS');
      const line = reader.line;
      const name = reader.identifier();
      const columns = readColumns(reader, name);
      const table = tables.get(name);
      tables.set(name, { name, columns, rows: table?.rows ?? [], line: table?.line ?? line });
    } else if (reader.atKeywords('INSERT')) readInsert(reader, tables);
    else reader.skipStatement();
  }
}

/** A table by name, in any case: MySQL's table names are case-insensitive on most installations. */
export function tableOf(tables: Map<string, DumpTable>, name: string): DumpTable | undefined {
  return [...tables.values()].find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
}

/**
 * A table's rows as objects keyed by column name in lower case: MySQL's column names are
 * case-insensitive, and the same schema arrives as `eventID` from one server and `eventid` from another.
 */
export function rowsOf(tables: Map<string, DumpTable>, name: string): { row: Record<string, SqlValue>; line: number }[] {
  const table = tableOf(tables, name);
  if (!table) return [];
  const columns = table.columns.map((column) => column.toLowerCase());
  return table.rows.map(({ values, line }) => ({ row: Object.fromEntries(columns.map((column, index) => [column, values[index] ?? null])), line }));
}
