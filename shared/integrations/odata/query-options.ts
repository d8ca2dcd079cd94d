import { defaultParser } from '@odata/parser';
import type { FeedEntitySet, FeedProperty } from './feed-model.js';

/** A request the feed cannot answer as asked; becomes OData's JSON error with the status and sentence. */
export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const badQuery = (message: string) => new ODataError(400, 'BadRequest', message);

export interface FeedQuery {
  /** Conditions on stored paths, joined with AND, with their parameters: from $filter. */
  conditions: string[];
  parameters: { name: string; value: string | number | boolean }[];
  select: readonly FeedProperty[];
  top: number | null;
  count: boolean;
  skipToken: string | undefined;
}

/** A node of the parser's tree: a type, a value (another node, two sides, or a literal's type) and its text. */
interface Node {
  type: string;
  value: unknown;
  raw: string;
}

const comparisons: Record<string, string> = {
  EqualsExpression: '=',
  NotEqualsExpression: '!=',
  GreaterThanExpression: '>',
  GreaterOrEqualsExpression: '>=',
  LesserThanExpression: '<',
  LesserOrEqualsExpression: '<=',
};

const numberTypes = new Set(['Edm.SByte', 'Edm.Byte', 'Edm.Int16', 'Edm.Int32', 'Edm.Int64', 'Edm.Decimal', 'Edm.Double', 'Edm.Single']);

const supported = 'Use eq, ne, gt, ge, lt, le, and, or and parentheses, comparing a property with a value';

function propertyNameOf(node: Node): string | null {
  if (node.type !== 'FirstMemberExpression') return null;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(node.raw) ? node.raw : null;
}

/** The literal as the property's stored value, or a sentence saying what the property takes. */
function literalFor(property: FeedProperty, node: Node): string | number | boolean | null {
  const literalType = node.value as string;
  const raw = decodeURIComponent(node.raw);
  if (literalType === 'null') {
    if (!property.nullable) throw badQuery(`${property.name} always has a value; compare it with a value instead of null.`);
    return null;
  }
  const wanted: Record<FeedProperty['type'], string> = {
    'Edm.String': "text in single quotes, e.g. 'LAB01'",
    'Edm.Date': 'a date such as 2026-01-31',
    'Edm.DateTimeOffset': 'a time in UTC such as 2026-01-31T00:00:00Z',
    'Edm.Int32': 'a whole number',
    'Edm.Boolean': 'true or false',
  };
  const mismatch = () => badQuery(`${property.name} is compared with ${raw}, but it takes ${wanted[property.type]}.`);
  switch (property.type) {
    case 'Edm.String':
      if (literalType !== 'Edm.String') throw mismatch();
      return raw.slice(1, -1).replace(/''/g, "'");
    case 'Edm.Date':
      if (literalType !== 'Edm.Date') throw mismatch();
      return raw;
    case 'Edm.DateTimeOffset': {
      if (literalType !== 'Edm.DateTimeOffset' || Number.isNaN(Date.parse(raw))) throw mismatch();
      // Stored instants are ISO strings in UTC, so a UTC string compares as the instant does.
      return new Date(raw).toISOString();
    }
    case 'Edm.Int32':
      if (!numberTypes.has(literalType) || !Number.isInteger(Number(raw))) throw mismatch();
      return Number(raw);
    case 'Edm.Boolean':
      if (literalType !== 'Edm.Boolean') throw mismatch();
      return raw === 'true';
  }
}

/** Translates the parsed $filter into one parameterised condition on the allow-listed paths. */
function conditionOf(node: Node, set: FeedEntitySet, parameters: FeedQuery['parameters']): string {
  if (node.type === 'BoolParenExpression') return `(${conditionOf(node.value as Node, set, parameters)})`;
  if (node.type === 'AndExpression' || node.type === 'OrExpression') {
    const { left, right } = node.value as { left: Node; right: Node };
    return `(${conditionOf(left, set, parameters)} ${node.type === 'AndExpression' ? 'AND' : 'OR'} ${conditionOf(right, set, parameters)})`;
  }
  const operator = comparisons[node.type];
  if (!operator) throw badQuery(`$filter cannot use "${decodeURIComponent(node.raw)}". ${supported}.`);
  const { left, right } = node.value as { left: Node; right: Node };
  const name = propertyNameOf(left);
  if (!name || right.type !== 'Literal') throw badQuery(`$filter cannot use "${decodeURIComponent(node.raw)}". ${supported}.`);
  const property = set.properties.find((candidate) => candidate.name === name);
  if (!property) throw badQuery(`${set.name} has no property ${name}; see $metadata for the properties of ${set.entityType}.`);
  if (!property.path)
    throw badQuery(
      `${name} is worked out for each row and cannot be filtered on; filter on a stored property such as ${set.properties.find((candidate) => candidate.path && candidate.type === property.type)?.name ?? set.key}.`,
    );
  const value = literalFor(property, right);
  const field = `c.${property.path}`;
  if (value === null) {
    if (operator !== '=' && operator !== '!=') throw badQuery(`${name} can only be compared with null by eq or ne.`);
    return operator === '=' ? `(NOT IS_DEFINED(${field}) OR IS_NULL(${field}))` : `(IS_DEFINED(${field}) AND NOT IS_NULL(${field}))`;
  }
  const parameter = `@f${parameters.length}`;
  parameters.push({ name: parameter, value });
  return `${field} ${operator} ${parameter}`;
}

function parseFilter(text: string, set: FeedEntitySet): { condition: string; parameters: FeedQuery['parameters'] } {
  let tree: Node | undefined;
  try {
    tree = defaultParser.filter(text) as unknown as Node | undefined;
  } catch (error) {
    throw badQuery(
      `$filter could not be read (${(error as Error).message.toLowerCase()}). ${supported}, e.g. Status eq 'Completed' and PeriodStart ge 2026-01-01.`,
    );
  }
  if (!tree || decodeURIComponent(tree.raw) !== text.trim())
    throw badQuery(`$filter could not be read past "${tree ? decodeURIComponent(tree.raw) : ''}". ${supported}.`);
  const parameters: FeedQuery['parameters'] = [];
  return { condition: conditionOf(tree, set, parameters), parameters };
}

const understood = new Set(['$filter', '$select', '$top', '$count', '$skiptoken', '$format']);

/** The query options of a request for an entity set, checked against the set's declared properties. */
export function feedQueryOf(set: FeedEntitySet, options: Readonly<Record<string, string>>): FeedQuery {
  const unknown = Object.keys(options).filter((name) => !understood.has(name));
  if (unknown.length > 0) throw badQuery(`This feed does not support ${unknown.join(', ')}; it takes $filter, $select, $top, $count and $skiptoken.`);
  if (options.$format !== undefined && options.$format !== 'json') throw badQuery('$format can only be json.');
  const filter = options.$filter?.trim() ? parseFilter(options.$filter, set) : null;
  let select: readonly FeedProperty[] = set.properties;
  if (options.$select !== undefined && options.$select.trim() !== '*') {
    const names = options.$select.split(',').map((name) => name.trim());
    const missing = names.filter((name) => !set.properties.some((property) => property.name === name));
    if (missing.length > 0 || names.length === 0)
      throw badQuery(`$select names ${missing.join(', ') || 'nothing'}, which ${set.name} does not have; see $metadata for its properties.`);
    select = set.properties.filter((property) => names.includes(property.name));
  }
  let top: number | null = null;
  if (options.$top !== undefined) {
    if (!/^\d{1,9}$/.test(options.$top)) throw badQuery('$top must be a whole number of rows, such as 100.');
    top = Number(options.$top);
  }
  if (options.$count !== undefined && options.$count !== 'true' && options.$count !== 'false') throw badQuery('$count must be true or false.');
  return {
    conditions: filter ? [filter.condition] : [],
    parameters: filter?.parameters ?? [],
    select,
    top,
    count: options.$count === 'true',
    skipToken: options.$skiptoken,
  };
}
