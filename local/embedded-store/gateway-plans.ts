import { createRequire } from 'node:module';

/**
 * What the Cosmos DB gateway says about a query sent across partitions. The gateway serves a plain
 * filter across partitions itself, but refuses one that needs results merged from several partitions
 * (ORDER BY, TOP, aggregates) and hands the SDK a query plan instead: the SDK then sends a rewritten
 * query to every partition key range and merges the answers in its own pipeline, which pages
 * differently (no continuation token unless `enableQueryControl` is set). The embedded store answers
 * the same way, so a list that would stop after one page in Azure stops after one page here too.
 *
 * The plan's shape follows the service's `PartitionedQueryExecutionInfo` as @azure/cosmos 4.10 reads it
 * (`queryExecutionContext/pipelinedQueryExecutionContext.js`, `orderByQueryExecutionContext.js`,
 * `EndpointComponent/GroupByValueEndpointComponent.js`). DISTINCT, GROUP BY and OFFSET/LIMIT are not
 * parsed by the store's query engine at all, so they fail here as syntax errors before any plan.
 */

const require = createRequire(import.meta.url);
const { parse } = require('@zeit/cosmosdb-query/lib/parser.js') as { parse(query: string): QueryAst };

interface Node {
  type: string;
  [key: string]: unknown;
}
interface SortExpression {
  expression: Node;
  order?: 'ASC' | 'DESC';
}
interface QueryAst {
  body: {
    top: { value: { value: number } } | null;
    select: { '*'?: true; value?: Node; properties?: { properties: { property: Node; alias: { name: string } | null }[] } };
    from: { source: { expression: { expression?: { name?: string } }; alias: { name: string } | null } };
    where: unknown;
    orderBy?: { expressions: SortExpression[] } | null;
  };
}

export interface QueryInfo {
  distinctType: 'None';
  top: number | null;
  offset: null;
  limit: null;
  orderBy: ('Ascending' | 'Descending')[];
  orderByExpressions: string[];
  groupByExpressions: [];
  groupByAliases: [];
  aggregates: string[];
  groupByAliasToAggregateType: Record<string, never>;
  rewrittenQuery: string;
  hasSelectValue: boolean;
  hasNonStreamingOrderBy: false;
}

export interface PartitionedQueryExecutionInfo {
  partitionedQueryExecutionInfoVersion: 2;
  queryInfo: QueryInfo;
  queryRanges: { min: string; max: string; isMinInclusive: boolean; isMaxInclusive: boolean }[];
}

/** The gateway's words when it will not run a query across partitions itself (substatus 1004). */
export const gatewayRefusal =
  'The provided cross partition query can not be directly served by the gateway. This is a first chance (internal) exception that all newer clients will know how to handle gracefully.';

/** Aggregates the SDK's pipeline can merge across partitions from `SELECT VALUE AGG(...)`. */
const mergeableAggregates: Record<string, string> = { COUNT: 'Count', SUM: 'Sum' };

export class UnplannableQuery extends Error {}

/** The plan for a query, and whether the gateway would refuse to run it across partitions itself. */
export function planOf(query: string): { plan: PartitionedQueryExecutionInfo; needsPipeline: boolean } {
  const ast = parse(query).body;
  const clauses = topLevelClauses(query);
  const alias = ast.from.source.alias?.name ?? ast.from.source.expression.expression?.name ?? 'root';
  const sorts = ast.orderBy?.expressions ?? [];
  const top = ast.top ? ast.top.value.value : null;
  const aggregate = ast.select.value?.type === 'scalar_function_expression' ? functionName(ast.select.value) : undefined;
  const aggregates = aggregate && aggregate in mergeableAggregates ? [mergeableAggregates[aggregate]!] : [];
  if (aggregate && aggregate in { AVG: 1, MIN: 1, MAX: 1 }) {
    throw new UnplannableQuery(`The embedded store does not plan ${aggregate} across partitions; scope the query to one partition or aggregate in code.`);
  }

  let rewrittenQuery = '';
  const filter = clauses.where ? `(${clauses.where}) AND {documentdb-formattableorderbyquery-filter}` : '{documentdb-formattableorderbyquery-filter}';
  if (sorts.length > 0) {
    const items = splitTopLevel(clauses.orderBy!, ',').map((part) => `{"item": ${part.trim().replace(/\s+(ASC|DESC)$/i, '')}}`);
    const topText = top === null ? '' : `TOP ${top} `;
    rewrittenQuery = `SELECT ${topText}${alias}._rid, [${items.join(', ')}] AS orderByItems, ${payloadOf(ast, clauses, alias)} AS payload FROM ${clauses.from} WHERE ${filter} ORDER BY ${clauses.orderBy}`;
  } else if (aggregates.length > 0) {
    rewrittenQuery = `SELECT VALUE [{"item": ${clauses.selectValue}}] FROM ${clauses.from}${clauses.where ? ` WHERE ${clauses.where}` : ''}`;
  }
  const queryInfo: QueryInfo = {
    distinctType: 'None',
    top,
    offset: null,
    limit: null,
    orderBy: sorts.map((sort) => (sort.order === 'DESC' ? 'Descending' : 'Ascending')),
    orderByExpressions: sorts.map((sort) => expressionText(sort.expression)),
    groupByExpressions: [],
    groupByAliases: [],
    aggregates,
    groupByAliasToAggregateType: {},
    rewrittenQuery,
    hasSelectValue: ast.select.value !== undefined,
    hasNonStreamingOrderBy: false,
  };
  return {
    plan: { partitionedQueryExecutionInfoVersion: 2, queryInfo, queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }] },
    needsPipeline: sorts.length > 0 || top !== null || aggregates.length > 0,
  };
}

const rewrittenAggregate = /^SELECT VALUE \[\{"item": ([\s\S]+?)\}\] FROM /;

/** The plain aggregate query behind a rewritten one (`SELECT VALUE [{"item": COUNT(1)}] FROM ...`), or null. */
export function partialAggregate(query: string): string | null {
  const match = rewrittenAggregate.exec(query);
  return match ? `SELECT VALUE ${match[1]} FROM ${query.slice(match[0].length)}` : null;
}

function functionName(node: Node): string {
  return String((node.name as { name?: string } | undefined)?.name ?? '').toUpperCase();
}

/** `c.a.b` for a member path; anything else is named by the store's text of the clause. */
function expressionText(node: Node): string {
  if (node.type === 'identifier') return String(node.name);
  if (node.type === 'scalar_member_expression' && node.computed === false) {
    return `${expressionText(node.object as Node)}.${String((node.property as Node).name)}`;
  }
  if (node.type === 'scalar_member_expression') {
    const property = node.property as Node;
    return `${expressionText(node.object as Node)}[${JSON.stringify(property.value)}]`;
  }
  throw new UnplannableQuery('The embedded store plans ORDER BY on document properties only.');
}

function payloadOf(ast: QueryAst['body'], clauses: Clauses, alias: string): string {
  if (ast.select['*']) return alias;
  if (ast.select.value) return clauses.selectValue!;
  const properties = ast.select.properties?.properties ?? [];
  const fields = properties.map(({ property, alias: named }) => {
    const name = named?.name ?? (property.type === 'scalar_member_expression' ? String((property.property as Node).name) : undefined);
    if (!name) throw new UnplannableQuery('The embedded store plans a projection only when each of its fields has a name.');
    return `${JSON.stringify(name)}: ${expressionText(property)}`;
  });
  return `{${fields.join(', ')}}`;
}

interface Clauses {
  selectValue?: string | undefined;
  from: string;
  where?: string | undefined;
  orderBy?: string | undefined;
}

const keywords = ['SELECT', 'FROM', 'WHERE', 'ORDER BY'] as const;

/** The text of each clause, cut at keywords that stand outside quotes and parentheses. */
function topLevelClauses(query: string): Clauses {
  const starts: { keyword: (typeof keywords)[number]; at: number; end: number }[] = [];
  forEachTopLevel(query, (index) => {
    for (const keyword of keywords) {
      const pattern = new RegExp(`^${keyword.replace(' ', '\\s+')}\\b`, 'i');
      const before = index === 0 ? ' ' : query[index - 1]!;
      const match = /\s|\)/.test(before) ? pattern.exec(query.slice(index)) : null;
      if (match) starts.push({ keyword, at: index, end: index + match[0].length });
    }
  });
  const text = (keyword: (typeof keywords)[number]) => {
    const position = starts.findIndex((start) => start.keyword === keyword);
    if (position < 0) return undefined;
    return query.slice(starts[position]!.end, starts[position + 1]?.at ?? query.length).trim();
  };
  const select = text('SELECT') ?? '';
  const value = /^(TOP\s+\d+\s+)?VALUE\s+([\s\S]+)$/i.exec(select)?.[2];
  return { selectValue: value?.trim(), from: text('FROM') ?? '', where: text('WHERE'), orderBy: text('ORDER BY') };
}

function forEachTopLevel(query: string, visit: (index: number) => void): void {
  let depth = 0;
  let quote: string | null = null;
  for (let index = 0; index < query.length; index += 1) {
    const character = query[index]!;
    if (quote) {
      if (character === quote) quote = null;
      continue;
    }
    if (character === "'" || character === '"') quote = character;
    else if (character === '(' || character === '[' || character === '{') depth += 1;
    else if (character === ')' || character === ']' || character === '}') depth -= 1;
    else if (depth === 0) visit(index);
  }
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let from = 0;
  forEachTopLevel(text, (index) => {
    if (text[index] === separator) {
      parts.push(text.slice(from, index));
      from = index + 1;
    }
  });
  parts.push(text.slice(from));
  return parts;
}
