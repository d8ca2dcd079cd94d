/**
 * Range indexes for the embedded store, as Cosmos DB keeps one on every path: a query of one
 * partition whose WHERE has a top-level conjunct such as `c.dueEnd >= @since` or
 * `(c.status = 'Open' OR c.status = 'Missed')` walks only the documents that conjunct can admit, not
 * the whole partition. The engine still evaluates the full WHERE on them, so the candidates need only
 * be a superset; they are found with the engine's own comparison (JavaScript's, on strings only).
 */

interface Stored {
  read(): Record<string, unknown> | undefined;
}

type Bound = { parameter: string } | { constant: string };

interface Range {
  low?: Bound;
  lowInclusive: boolean;
  high?: Bound;
  highInclusive: boolean;
}

/** What one conjunct of the WHERE admits: documents whose property lies in one of the ranges. */
interface Restriction {
  property: string;
  ranges: Range[];
}

interface AstNode {
  type: string;
  [key: string]: unknown;
}

const flipped: Record<string, string> = { '=': '=', '>=': '<=', '>': '<', '<=': '>=', '<': '>' };

function boundOf(node: AstNode): Bound | null {
  if (node.type === 'parameter_name') return { parameter: node.name as string };
  if (node.type === 'string_constant') return { constant: node.value as string };
  return null;
}

function propertyOf(node: AstNode, alias: string): string | null {
  if (node.type !== 'scalar_member_expression' || node.computed) return null;
  const object = node.object as AstNode;
  const property = node.property as AstNode;
  return object.type === 'identifier' && object.name === alias && property.type === 'identifier' ? (property.name as string) : null;
}

function restrictionOf(node: AstNode, alias: string): Restriction | null {
  if (node.type !== 'scalar_binary_expression') return null;
  const operator = node.operator as string;
  const left = node.left as AstNode;
  const right = node.right as AstNode;
  if (operator === 'OR') {
    const one = restrictionOf(left, alias);
    const other = restrictionOf(right, alias);
    return one && other && one.property === other.property ? { property: one.property, ranges: [...one.ranges, ...other.ranges] } : null;
  }
  if (!(operator in flipped)) return null;
  let property = propertyOf(left, alias);
  let bound = boundOf(right);
  let comparison = operator;
  if (property === null || bound === null) {
    property = propertyOf(right, alias);
    bound = boundOf(left);
    comparison = flipped[operator]!;
  }
  if (property === null || bound === null) return null;
  switch (comparison) {
    case '=':
      return { property, ranges: [{ low: bound, lowInclusive: true, high: bound, highInclusive: true }] };
    case '>=':
    case '>':
      return { property, ranges: [{ low: bound, lowInclusive: comparison === '>=', highInclusive: false }] };
    default:
      return { property, ranges: [{ high: bound, highInclusive: comparison === '<=', lowInclusive: false }] };
  }
}

function conjunctsOf(node: AstNode): AstNode[] {
  return node.type === 'scalar_binary_expression' && node.operator === 'AND'
    ? [...conjunctsOf(node.left as AstNode), ...conjunctsOf(node.right as AstNode)]
    : [node];
}

const restrictionsByQuery = new WeakMap<object, Restriction[]>();

/**
 * The restrictions a query's WHERE puts on single properties of the documents it reads. Only queries
 * with ORDER BY use them: without one, the order of the result is the order documents are walked, and
 * that stays the order they were stored in.
 */
export function restrictionsOf(query: { ast?: unknown }): Restriction[] {
  const known = restrictionsByQuery.get(query);
  if (known) return known;
  const body = (query.ast as { body?: Record<string, AstNode | null> } | undefined)?.body;
  const from = body?.from as { source?: { alias?: AstNode | null; expression?: AstNode }; joins?: unknown[] } | undefined;
  const collection = from?.source?.expression;
  const alias = (from?.source?.alias?.name as string | undefined) ?? ((collection?.expression as AstNode | undefined)?.name as string | undefined);
  const where = (body?.where as { condition?: AstNode } | null | undefined)?.condition;
  const usable = Boolean(body?.orderBy) && alias !== undefined && collection?.type === 'collection_expression' && (from?.joins?.length ?? 0) === 0 && where;
  const restrictions = usable ? conjunctsOf(where!).flatMap((conjunct) => restrictionOf(conjunct, alias!) ?? []) : [];
  restrictionsByQuery.set(query, restrictions);
  return restrictions;
}

interface SortedIndex {
  version: number;
  values: string[];
  items: Stored[];
}

/** Per partition: its documents' string values of one property, sorted, rebuilt after the partition changes. */
export class PartitionIndexes {
  private readonly versions = new Map<string, number>();
  private readonly indexes = new Map<string, SortedIndex>();

  changed(partition: string): void {
    this.versions.set(partition, (this.versions.get(partition) ?? 0) + 1);
  }

  private indexOf(partition: string, property: string, members: Iterable<Stored>): SortedIndex {
    const version = this.versions.get(partition) ?? 0;
    const key = `${partition}\u0000${property}`;
    const known = this.indexes.get(key);
    if (known?.version === version) return known;
    const entries: { value: string; item: Stored }[] = [];
    for (const item of members) {
      const value = item.read()?.[property];
      if (typeof value === 'string') entries.push({ value, item });
    }
    entries.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const index = { version, values: entries.map((entry) => entry.value), items: entries.map((entry) => entry.item) };
    this.indexes.set(key, index);
    return index;
  }

  /**
   * The documents of the partition the query can match, or null to walk them all: the most selective
   * restriction wins; a restriction whose bounds are not strings is left out.
   */
  candidates(
    partition: string,
    members: () => Iterable<Stored>,
    restrictions: readonly Restriction[],
    parameters: readonly { name: string; value: unknown }[],
  ): Stored[] | null {
    let best: { index: SortedIndex; spans: [number, number][]; size: number } | null = null;
    for (const restriction of restrictions) {
      const resolved = restriction.ranges.map((range) => resolveRange(range, parameters));
      if (resolved.some((range) => range === null)) continue;
      const index = this.indexOf(partition, restriction.property, members());
      const spans = resolved.map((range) => spanOf(index.values, range!));
      const size = spans.reduce((total, [from, to]) => total + Math.max(0, to - from), 0);
      if (!best || size < best.size) best = { index, spans, size };
    }
    if (!best) return null;
    const chosen = new Set<Stored>();
    for (const [from, to] of best.spans) for (let position = from; position < to; position++) chosen.add(best.index.items[position]!);
    return [...chosen];
  }
}

interface ResolvedRange {
  low?: string;
  lowInclusive: boolean;
  high?: string;
  highInclusive: boolean;
}

function valueOf(bound: Bound, parameters: readonly { name: string; value: unknown }[]): string | null {
  if ('constant' in bound) return bound.constant;
  const value = parameters.find((parameter) => parameter.name === bound.parameter)?.value;
  return typeof value === 'string' ? value : null;
}

function resolveRange(range: Range, parameters: readonly { name: string; value: unknown }[]): ResolvedRange | null {
  const low = range.low ? valueOf(range.low, parameters) : undefined;
  const high = range.high ? valueOf(range.high, parameters) : undefined;
  if (low === null || high === null) return null;
  return {
    ...(low !== undefined ? { low } : {}),
    ...(high !== undefined ? { high } : {}),
    lowInclusive: range.lowInclusive,
    highInclusive: range.highInclusive,
  };
}

/** The first position whose value is not before `value` (or, `after`, not at or before it). */
function search(values: readonly string[], value: string, after: boolean): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < value || (after && values[middle] === value)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function spanOf(values: readonly string[], range: ResolvedRange): [number, number] {
  const from = range.low === undefined ? 0 : search(values, range.low, !range.lowInclusive);
  const to = range.high === undefined ? values.length : search(values, range.high, range.highInclusive);
  return [from, to];
}
