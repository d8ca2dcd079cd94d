import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseUrl } from 'node:url';
import { gatewayRefusal, partialAggregate, planOf, UnplannableQuery } from './gateway-plans.js';
import { PartitionIndexes, restrictionsOf } from './range-index.js';

/**
 * Corrections to the embedded Cosmos-compatible store (@vercel/cosmosdb-server with the query engine
 * @zeit/cosmosdb-query), so that `npm start` behaves like Cosmos DB where the product depends on it:
 * queries cost what their partition holds, the partition key scopes a query, paging is linear, and a
 * transactional batch is all or nothing. Each correction replaces one upstream function at run time
 * (nothing inside node_modules is edited) and names the upstream file and behaviour it corrects.
 * They are written against exact versions: start-up stops when the installed ones differ.
 */

export const correctedVersions = { '@vercel/cosmosdb-server': '1.0.1', '@zeit/cosmosdb-query': '0.7.2' } as const;

const require = createRequire(import.meta.url);
const serverLib = '@vercel/cosmosdb-server/lib';
const queryLib = '@zeit/cosmosdb-query/lib';

/* The upstream packages ship no types for their internals; these describe the parts used here. */
interface StoredItem {
  read(): Document | undefined;
}
type Document = Record<string, unknown> & { id: string; _rid: string; _etag: string };
interface ItemsInternals {
  _data: Map<string, StoredItem>;
  _parent: { read(): { partitionKey?: { paths?: string[] }; indexingPolicy?: { compositeIndexes?: unknown[] }; _rid?: string } | undefined };
  _getQuery(sql: string): CompiledQuery;
  _getPartition(data: Document): unknown;
  _userDefinedFunctions(): unknown;
  _set(data: Document): Document;
  delete(idOrRid: string, partition: unknown): void;
  create(data: Record<string, unknown>): Document;
  upsert(data: Record<string, unknown>): Document;
  /** Added here: the documents of each logical partition, by _rid. */
  _partitions?: Map<string, Map<string, StoredItem>>;
  /** Added here: sorted values of the properties queries restrict, per partition. */
  _indexes?: PartitionIndexes;
}
interface CompiledQuery {
  ast?: unknown;
  exec(data: unknown[], options: Record<string, unknown>): { result: unknown[]; continuation: unknown };
  containsPartitionKeys(paths: string[]): boolean;
}
interface CollectionInternals {
  documents: ItemsInternals;
  read(): ReturnType<ItemsInternals['_parent']['read']>;
  document(id: string, partition: unknown): StoredItem;
}
interface AccountInternals {
  database(id: string): { collection(id: string): CollectionInternals };
}

let lastAccount: AccountInternals | undefined;

/** The store's in-memory account created by the server that last started listening (see startEmbeddedCosmos). */
export function takeLastAccount(): AccountInternals | undefined {
  const account = lastAccount;
  lastAccount = undefined;
  return account;
}

/**
 * Puts documents into a container directly, as upstream's create does for each request, without
 * HTTP or the SDK: how the local host restores a year of data in seconds rather than a quarter minute.
 * Answers how many were stored; the container must exist.
 */
export function insertDocuments(account: AccountInternals, databaseId: string, containerId: string, documents: readonly Record<string, unknown>[]): number {
  const collection = account.database(databaseId).collection(containerId);
  if (!collection.read()) throw new Error(`The embedded store has no container ${containerId} in ${databaseId}`);
  for (const document of documents) collection.documents.upsert(document);
  return documents.length;
}
type Handler = (account: AccountInternals, req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<unknown>;
type Route = [Record<string, string>, Handler] | undefined;
interface OperationResult {
  statusCode: number;
  body?: Record<string, unknown>;
}

let changes = 0;

/**
 * How many times a document, container or database was stored or removed since the process started.
 * A request that leaves it unchanged changed nothing, whatever its method: reads sent as POST (queries,
 * query plans, batches of reads) included.
 */
export function storeChangeCount(): number {
  return changes;
}

/** A document as the store now holds it (`document: null` when it was removed). */
export interface DocumentChange {
  container: string;
  partition: unknown;
  id: string;
  document: Document | null;
}

interface TouchedDocument {
  items: ItemsInternals;
  container: string;
  partition: unknown;
  id: string;
}

let touched: Map<string, TouchedDocument> | undefined;

/** From now on, remember which documents change, for `takeDocumentChanges` (the local host's journal). */
export function trackDocumentChanges(): void {
  touched ??= new Map();
}

/**
 * The documents changed since the last call, each as it is now. A replace (upstream: delete, then set)
 * and a batch that was undone are seen by their outcome only, so nothing half-done is ever reported.
 */
export function takeDocumentChanges(): DocumentChange[] {
  if (!touched || touched.size === 0) return [];
  const changed = [...touched.values()].map(({ items, container, partition, id }) => ({
    container,
    partition,
    id,
    document: (items as unknown as { _item(keyPath: string, value: string, partition: unknown): StoredItem })._item('/id', id, partition).read() ?? null,
  }));
  touched.clear();
  return changed;
}

/** Documents only: upstream keeps databases and containers in the same kind of collection. */
function touch(items: ItemsInternals, data: Document): void {
  const collection = items._parent as unknown as { documents?: unknown; read(): { id?: string } | undefined };
  if (!touched || collection.documents !== items) return;
  const container = collection.read()?.id;
  if (container === undefined) return;
  const partition = items._getPartition(data);
  touched.set(`${container}\u0000${JSON.stringify(partition ?? null)}\u0000${data.id}`, { items, container, partition, id: data.id });
}

function installedVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** Stops start-up with one line when the corrected packages are not the versions these corrections fit. */
export function assertCorrectedVersions(versionOf: (name: string) => string = installedVersion): void {
  for (const [name, expected] of Object.entries(correctedVersions)) {
    const found = versionOf(name);
    if (found !== expected) {
      throw new Error(
        `The embedded store corrections in local/embedded-store/corrections.ts fit ${name} ${expected}, but ${found} is installed; pin ${name}@${expected} or review the corrections`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Query engine: @zeit/cosmosdb-query

type JsNode = { type: string; [key: string]: unknown };

function isNode(value: unknown): value is JsNode {
  return typeof value === 'object' && value !== null && typeof (value as JsNode).type === 'string';
}

const accumulator = (): JsNode => ({ type: 'Identifier', name: '$' });

/**
 * `[...$, row]` inside a reduce callback copies the accumulator for every row: N²/2 copies. The same
 * rows are built by pushing onto the accumulator, which the generated code creates fresh (`[]`) for
 * each reduce, so mutating it is safe: `($.push(row), $)`.
 */
function pushInsteadOfSpread(node: unknown): unknown {
  if (!isNode(node)) return node;
  if (node.type === 'ConditionalExpression') {
    return { ...node, consequent: pushInsteadOfSpread(node.consequent), alternate: pushInsteadOfSpread(node.alternate) };
  }
  const elements = node.type === 'ArrayExpression' ? (node.elements as JsNode[]) : [];
  const [first, ...rest] = elements;
  if (first?.type !== 'SpreadElement' || !isNode(first.argument) || first.argument.type !== 'Identifier' || first.argument.name !== '$') return node;
  return {
    type: 'SequenceExpression',
    expressions: [
      {
        type: 'CallExpression',
        callee: { type: 'MemberExpression', object: accumulator(), property: { type: 'Identifier', name: 'push' }, computed: false },
        arguments: rest,
      },
      accumulator(),
    ],
  };
}

function rewriteReduceCallbacks(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(rewriteReduceCallbacks);
    return;
  }
  if (!isNode(node)) return;
  const callee = node.callee as JsNode | undefined;
  const callback = (node.arguments as JsNode[] | undefined)?.[0];
  const isReduce = node.type === 'CallExpression' && callee?.type === 'MemberExpression' && (callee.property as JsNode).name === 'reduce';
  const params = callback?.params as JsNode[] | undefined;
  if (isReduce && callback?.type === 'ArrowFunctionExpression' && params?.[0]?.type === 'Identifier' && params[0].name === '$') {
    callback.body = pushInsteadOfSpread(callback.body);
  }
  for (const value of Object.values(node)) rewriteReduceCallbacks(value);
}

/** `lib/helpers.js` `stripUndefined` rebuilds arrays with `[...o, v]` per element; this copies once. */
function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) if (item !== undefined) out.push(stripUndefined(item));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = stripUndefined(item);
    return out;
  }
  return value;
}

/**
 * What Cosmos DB sends of a page: JSON drops undefined properties by itself, so only an undefined
 * array element (a row, or inside a projected array) needs a copy; documents read from JSON have none.
 */
function withoutUndefined(rows: unknown[]): unknown[] {
  return rows.some(holdsUndefinedInArray) ? (stripUndefined(rows) as unknown[]) : rows;
}

function holdsUndefinedInArray(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.some(holdsUndefinedInArray);
  if (value && typeof value === 'object') {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && typeof item === 'object' && holdsUndefinedInArray(item)) return true;
    }
  }
  return false;
}

type Paginate = (rows: [unknown, unknown][], maxItemCount: unknown, continuation: unknown, ...rest: unknown[]) => { result: unknown[]; continuation: unknown };

/**
 * `lib/helpers.js` `paginate` strips every row of the result, although a page shows only a few. The
 * pages served here are cut from the whole result (see `answerPage`), so when the whole result is asked
 * for (no page size, no continuation) the rows are returned as they are and each page is stripped.
 */
function paginateWholeResultLazily(upstream: Paginate): Paginate {
  return (rows, maxItemCount, continuation, ...rest) =>
    maxItemCount || continuation ? upstream(rows, maxItemCount, continuation, ...rest) : { result: rows.map(([row]) => row), continuation: null };
}

// ---------------------------------------------------------------------------------------------------
// Per-partition index: @vercel/cosmosdb-server lib/account/items.js

const noPartitionKey = '{}';

/** The SDK sends `["LAB01"]`, `[3]`, `[null]`, or `[{}]` for documents without the key. */
function partitionIndexKey(value: unknown): string {
  return value === undefined ? noPartitionKey : JSON.stringify(value);
}

function partitionsOf(items: ItemsInternals): Map<string, Map<string, StoredItem>> {
  if (!items._partitions) {
    items._partitions = new Map();
    for (const [rid, stored] of items._data) addToPartition(items, rid, stored);
  }
  return items._partitions;
}

function addToPartition(items: ItemsInternals, rid: string, stored: StoredItem): void {
  const data = stored.read();
  if (!data) return;
  const key = partitionIndexKey(items._getPartition(data));
  const partitions = items._partitions!;
  let members = partitions.get(key);
  if (!members) partitions.set(key, (members = new Map()));
  members.set(rid, stored);
  items._indexes?.changed(key);
}

function removeFromPartition(items: ItemsInternals, data: Document): void {
  const key = partitionIndexKey(items._getPartition(data));
  const members = items._partitions?.get(key);
  members?.delete(data._rid);
  if (members?.size === 0) items._partitions!.delete(key);
  items._indexes?.changed(key);
}

/**
 * The documents a query walks: one partition when the request names it, as in Cosmos DB, and of it
 * only those its most selective range conjunct admits (see range-index.ts).
 */
function documentsToQuery(items: ItemsInternals, partitionKey: string | undefined, query: CompiledQuery, parameters: QueryRequest['parameters']): unknown[] {
  const members = () => partitionsOf(items).get(partitionKey!)?.values() ?? [];
  const restrictions = partitionKey === undefined ? [] : restrictionsOf(query);
  const indexed =
    restrictions.length > 0 ? (items._indexes ??= new PartitionIndexes()).candidates(partitionKey!, members, restrictions, parameters ?? []) : null;
  const stored = indexed ?? (partitionKey === undefined ? items._data.values() : members());
  const documents: unknown[] = [];
  for (const item of stored) documents.push(item.read());
  return documents;
}

// ---------------------------------------------------------------------------------------------------
// Queries, read feeds and paging: @vercel/cosmosdb-server lib/handler/query-documents.js,
// read-documents.js and _read-items.js

class StoreRequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** What the gateway adds to a refusal: the query plan the SDK needs to run the query itself. */
    readonly additionalErrorInfo?: string,
  ) {
    super(message);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isTrue(req: IncomingMessage, name: string): boolean {
  return (header(req, name) ?? '').toLowerCase() === 'true';
}

/** The logical partition a request names, as an index key; undefined for cross-partition requests. */
function requestedPartition(req: IncomingMessage): string | undefined {
  const raw = header(req, 'x-ms-documentdb-partitionkey');
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new StoreRequestError(400, `The partition key header is not valid JSON: ${raw}`);
  }
  const value = Array.isArray(parsed) ? parsed[0] : parsed;
  const isNone = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
  return isNone ? noPartitionKey : partitionIndexKey(value);
}

interface Cursor {
  signature: string;
  rows: unknown[];
  expires: number;
}

/**
 * Upstream re-runs the whole query for every page and seeks its place (`helpers.paginate`), so paging
 * through a partition costs pages × partition. A query that has more pages keeps its sorted result
 * here for a while, and its continuation token points into it, so each later page is a slice. A token
 * whose cursor has gone (restart, eviction) re-runs the query once and resumes at the same offset.
 */
const cursors = new Map<string, Cursor>();
const maxCursors = 64;
const cursorLifetimeMs = 5 * 60_000;

function rememberCursor(signature: string, rows: unknown[]): string {
  const now = Date.now();
  for (const [id, cursor] of cursors) if (cursor.expires < now) cursors.delete(id);
  while (cursors.size >= maxCursors) cursors.delete(cursors.keys().next().value!);
  const id = randomUUID();
  cursors.set(id, { signature, rows, expires: now + cursorLifetimeMs });
  return id;
}

interface ContinuationToken {
  cursor: string;
  offset: number;
}

function parseContinuation(raw: string | undefined): ContinuationToken | undefined {
  if (raw === undefined) return undefined;
  try {
    const token = JSON.parse(raw) as Partial<ContinuationToken>;
    if (typeof token.cursor === 'string' && Number.isInteger(token.offset) && token.offset! >= 0) return token as ContinuationToken;
  } catch {
    // Falls through to the refusal below.
  }
  throw new StoreRequestError(400, 'The continuation token is not valid.');
}

interface QueryRequest {
  query: string;
  parameters?: { name: string; value: unknown }[];
}

/**
 * The engine's SQL parser backtracks on nested parentheses, in time exponential in the depth: three
 * levels parse in 0.2 s, four in 1.2 to 6 s, five in 7 s, each blocking the event loop. Cosmos DB
 * itself does not care, so a deeper query passes every test against Azure and stalls only here:
 * it is refused, so that the product's queries stay flat.
 */
export const deepestQueryNesting = 3;

export function parenthesisDepth(query: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | null = null;
  for (const character of query) {
    if (quote) {
      if (character === quote) quote = null;
    } else if (character === "'" || character === '"') quote = character;
    else if (character === '(') deepest = Math.max(deepest, ++depth);
    else if (character === ')') depth -= 1;
  }
  return deepest;
}

/** Parse errors and the engine's refusals (e.g. ORDER BY without a composite index) are the caller's: 400. */
function compileQuery(items: ItemsInternals, query: string): CompiledQuery {
  const depth = parenthesisDepth(query);
  if (depth > deepestQueryNesting) {
    throw new StoreRequestError(
      400,
      `The query nests parentheses ${depth} deep; the embedded store reads at most ${deepestQueryNesting} in reasonable time, so flatten it: ${query}`,
    );
  }
  try {
    return items._getQuery(query);
  } catch (error) {
    throw new StoreRequestError(400, (error as Error).message);
  }
}

function runQuery(collection: CollectionInternals, request: QueryRequest, partitionKey: string | undefined): unknown[] {
  // The engine cannot evaluate an aggregate inside an array, as the gateway's rewritten aggregate asks.
  const partial = partialAggregate(request.query);
  if (partial) return runQuery(collection, { ...request, query: partial }, partitionKey).map((value) => [{ item: value }]);
  const items = collection.documents;
  const compiled = compileQuery(items, request.query);
  try {
    return compiled.exec(documentsToQuery(items, partitionKey, compiled, request.parameters), {
      parameters: request.parameters,
      udf: items._userDefinedFunctions(),
      compositeIndexes: collection.read()?.indexingPolicy?.compositeIndexes ?? [],
    }).result;
  } catch (error) {
    throw new StoreRequestError(400, (error as Error).message);
  }
}

function answerPage(req: IncomingMessage, res: ServerResponse, collection: CollectionInternals, request: QueryRequest, partitionKey: string | undefined) {
  const pageSize = Number.parseInt(header(req, 'x-ms-max-item-count') ?? '', 10);
  const token = parseContinuation(header(req, 'x-ms-continuation'));
  const signature = JSON.stringify([collection.read()?._rid, partitionKey, request.query, request.parameters ?? []]);
  const cursor = token ? cursors.get(token.cursor) : undefined;
  const rows = cursor?.signature === signature ? cursor.rows : runQuery(collection, request, partitionKey);
  const offset = token?.offset ?? 0;
  const end = pageSize > 0 ? offset + pageSize : rows.length;
  const page = withoutUndefined(rows.slice(offset, end));
  if (end < rows.length) {
    const cursorId = cursor?.signature === signature ? token!.cursor : rememberCursor(signature, rows);
    res.setHeader('x-ms-continuation', JSON.stringify({ cursor: cursorId, offset: end }));
  }
  res.setHeader('x-ms-item-count', String(page.length));
  return { Documents: page, _count: page.length };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    throw new StoreRequestError(400, 'The request body is not valid JSON.');
  }
}

function collectionOf(account: AccountInternals, params: Record<string, string>): CollectionInternals | undefined {
  const collection = account.database(params.dbId!).collection(params.collId!);
  return collection.read() ? collection : undefined;
}

function failWith(res: ServerResponse, error: unknown): Record<string, unknown> {
  if (!(error instanceof StoreRequestError)) throw error;
  res.statusCode = error.statusCode;
  if (error.additionalErrorInfo) res.setHeader('x-ms-substatus', '1004');
  return { code: 'BadRequest', message: error.message, ...(error.additionalErrorInfo ? { additionalErrorInfo: error.additionalErrorInfo } : {}) };
}

/** A plan for the query, or the 400 the gateway gives for a query it cannot plan. */
function plannedQuery(query: string): ReturnType<typeof planOf> {
  try {
    return planOf(query);
  } catch (error) {
    if (error instanceof UnplannableQuery) throw new StoreRequestError(400, error.message);
    throw new StoreRequestError(400, (error as Error).message);
  }
}

const queryDocuments: Handler = async (account, req, res, params) => {
  try {
    const body = (await readJson(req)) as QueryRequest | undefined;
    if (!body?.query) throw new StoreRequestError(400, 'missing query');
    const collection = collectionOf(account, params);
    if (!collection) {
      res.statusCode = 404;
      return {};
    }
    const partitionKey = requestedPartition(req);
    const paths = collection.read()?.partitionKey?.paths ?? [];
    const compiled = compileQuery(collection.documents, body.query);
    if (
      partitionKey === undefined &&
      !isTrue(req, 'x-ms-documentdb-query-enablecrosspartition') &&
      paths.length > 0 &&
      !compiled.containsPartitionKeys(paths)
    ) {
      throw new StoreRequestError(400, 'missing partition keys');
    }
    // A query sent to one partition key range is the SDK's pipeline at work: it runs as sent.
    if (partitionKey === undefined && header(req, 'x-ms-documentdb-partitionkeyrangeid') === undefined) {
      const { plan, needsPipeline } = plannedQuery(body.query);
      if (needsPipeline) throw new StoreRequestError(400, gatewayRefusal, JSON.stringify(plan));
    }
    return answerPage(req, res, collection, body, partitionKey);
  } catch (error) {
    return failWith(res, error);
  }
};

const readDocumentFeed: Handler = async (account, req, res, params) => {
  try {
    const collection = collectionOf(account, params);
    if (!collection) {
      res.statusCode = 404;
      return {};
    }
    return answerPage(req, res, collection, { query: 'SELECT * FROM c' }, requestedPartition(req));
  } catch (error) {
    return failWith(res, error);
  }
};

/**
 * The SDK asks for a query plan (`x-ms-cosmos-is-query-plan-request`) beside a query across partitions
 * and runs its own pipeline from it when the gateway refuses the query (see gateway-plans.ts). Upstream
 * runs the whole query to answer; the plan is the service's, made from the query's text.
 */
const answerQueryPlan: Handler = async (_account, req, res) => {
  try {
    const body = (await readJson(req)) as QueryRequest | undefined;
    if (!body?.query) throw new StoreRequestError(400, 'missing query');
    return plannedQuery(body.query).plan;
  } catch (error) {
    return failWith(res, error);
  }
};

// ---------------------------------------------------------------------------------------------------
// Transactional batch: @vercel/cosmosdb-server lib/handler/batch-documents.js

interface DocumentOperations {
  createOperation(collection: CollectionInternals, input: unknown): OperationResult;
  upsertOperation(collection: CollectionInternals, input: unknown): OperationResult;
  readOperation(collection: CollectionInternals, input: unknown): OperationResult;
  deleteOperation(collection: CollectionInternals, input: unknown): OperationResult;
  replaceOperation(collection: CollectionInternals, input: unknown): OperationResult;
}

interface BatchOperation {
  operationType?: string;
  id?: string;
  partitionKey?: string;
  ifMatch?: string;
  resourceBody?: Record<string, unknown> & { id?: string; operations?: unknown[]; condition?: string };
}

function parsedPartition(input: BatchOperation, fallback: string): unknown {
  if (input.partitionKey === undefined) return fallback;
  const parsed = JSON.parse(input.partitionKey) as unknown;
  const value = Array.isArray(parsed) ? parsed[0] : parsed;
  return typeof value === 'object' && value !== null ? fallback : value;
}

/**
 * Upstream runs a batch's operations one by one and leaves the earlier ones committed when a later one
 * fails, and refuses `Patch`. Here the whole batch runs without yielding to other requests, each
 * operation's earlier document is kept, and on a failure every earlier operation is undone: the failing
 * operation keeps its status and all the others answer 424, as in Cosmos DB.
 */
function batchHandler(operations: DocumentOperations, patchOperation: (collection: CollectionInternals, input: unknown) => OperationResult): Handler {
  return async (account, req, res, params) => {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      return failWith(res, error);
    }
    const collection = collectionOf(account, params);
    if (!collection) {
      res.statusCode = 404;
      return {};
    }
    if (!Array.isArray(body)) {
      res.statusCode = 400;
      return { message: 'Invalid request body' };
    }
    // In Cosmos DB an operation without a partition key of its own is in the batch's; upstream would
    // look it up under its id instead, and an undo would then miss what it created.
    const batchPartition = header(req, 'x-ms-documentdb-partitionkey');
    for (const input of body as BatchOperation[])
      if (input && typeof input === 'object' && input.partitionKey === undefined && batchPartition) input.partitionKey = batchPartition;
    const items = collection.documents;
    const undo: (() => void)[] = [];
    const results: OperationResult[] = [];
    let failedAt = -1;
    for (const [index, input] of (body as BatchOperation[]).entries()) {
      const id = input?.resourceBody?.id ?? input?.id;
      if (!input || typeof id !== 'string') {
        results.push({ statusCode: 400, body: { message: 'missing id' } });
        failedAt = index;
        break;
      }
      let result: OperationResult;
      let before: Document | undefined;
      try {
        const partition = parsedPartition(input, id);
        before = collection.document(id, partition).read();
        result = runBatchOperation(operations, patchOperation, collection, input);
        if (result.statusCode < 400) undo.push(undoOf(items, collection, id, partition, before));
      } catch (error) {
        result = { statusCode: 400, body: { message: (error as Error).message } };
      }
      results.push(result);
      if (result.statusCode >= 400) {
        failedAt = index;
        break;
      }
    }
    if (failedAt < 0) {
      return results.map((result) => ({ statusCode: result.statusCode, requestCharge: 1, eTag: result.body?._etag, resourceBody: result.body }));
    }
    for (const step of undo.reverse()) step();
    return (body as unknown[]).map((_, index) =>
      index === failedAt
        ? { statusCode: results[failedAt]!.statusCode, requestCharge: 0, resourceBody: results[failedAt]!.body }
        : { statusCode: 424, requestCharge: 0 },
    );
  };
}

function runBatchOperation(
  operations: DocumentOperations,
  patchOperation: (collection: CollectionInternals, input: unknown) => OperationResult,
  collection: CollectionInternals,
  input: BatchOperation,
): OperationResult {
  switch (input.operationType) {
    case 'Create':
      return operations.createOperation(collection, input);
    case 'Upsert':
      return operations.upsertOperation(collection, input);
    case 'Read':
      return operations.readOperation(collection, input);
    case 'Delete':
      return operations.deleteOperation(collection, input);
    case 'Replace':
      return operations.replaceOperation(collection, input);
    case 'Patch': {
      const patch = input.resourceBody;
      const list = Array.isArray(patch) ? patch : patch?.operations;
      return patchOperation(collection, {
        id: input.id,
        partitionKey: input.partitionKey ?? JSON.stringify([input.id]),
        ifMatch: input.ifMatch,
        operations: list ?? [],
        condition: Array.isArray(patch) ? undefined : patch?.condition,
      });
    }
    default:
      return { statusCode: 400, body: { message: `Operation type '${String(input.operationType)}' is not supported in a batch.` } };
  }
}

/** Puts back exactly what was there before (same _etag and _rid), or removes what was created. */
function undoOf(items: ItemsInternals, collection: CollectionInternals, id: string, partition: unknown, before: Document | undefined): () => void {
  return () => {
    if (collection.document(id, partition).read()) items.delete(id, partition);
    if (before) items._set(before);
  };
}

// ---------------------------------------------------------------------------------------------------
// Routing: @vercel/cosmosdb-server lib/routes.js

function pathnameOf(req: IncomingMessage): string {
  let pathname = parseUrl(req.url ?? '/').pathname ?? '/';
  if (pathname.startsWith('//')) pathname = pathname.slice(1);
  while (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1);
  return pathname;
}

const documentsPath = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/docs$/;

function correctedRoute(req: IncomingMessage, batch: Handler): Route {
  const match = documentsPath.exec(pathnameOf(req));
  if (!match) return undefined;
  const params = { dbId: decodeURIComponent(match[1]!), collId: decodeURIComponent(match[2]!) };
  const isQuery = req.method === 'POST' && (isTrue(req, 'x-ms-documentdb-isquery') || header(req, 'content-type') === 'application/query+json');
  if (isQuery) return [params, isTrue(req, 'x-ms-cosmos-is-query-plan-request') ? answerQueryPlan : queryDocuments];
  if (req.method === 'POST' && isTrue(req, 'x-ms-cosmos-is-batch-request') && !isTrue(req, 'x-ms-documentdb-is-upsert')) return [params, batch];
  if (req.method === 'GET') return [params, readDocumentFeed];
  return undefined;
}

// ---------------------------------------------------------------------------------------------------

let installed: (() => void) | undefined;

/**
 * Applies every correction once per process, before the store answers its first request. Returns a
 * function that takes them back (the benchmark measures the store both ways in one run).
 */
export function applyEmbeddedStoreCorrections(): () => void {
  if (installed) return installed;
  assertCorrectedVersions();
  const transformer = require(`${queryLib}/transformer.js`) as { default: (ast: unknown) => unknown };
  const helpers = require(`${queryLib}/helpers.js`) as { stripUndefined: (value: unknown) => unknown; paginate: Paginate };
  const itemsModule = require(`${serverLib}/account/items.js`) as { default: { prototype: ItemsInternals } };
  const routes = require(`${serverLib}/routes.js`) as { default: (req: IncomingMessage) => Route };
  const accountModule = require(`${serverLib}/account/index.js`) as { default: new (...args: unknown[]) => AccountInternals };
  const documentOperations = require(`${serverLib}/handler/_document-operations.js`) as DocumentOperations;
  const { patchOperation } = require(`${serverLib}/handler/_patch-operations.js`) as {
    patchOperation: (collection: CollectionInternals, input: unknown) => OperationResult;
  };

  const upstream = {
    transform: transformer.default,
    stripUndefined: helpers.stripUndefined,
    paginate: helpers.paginate,
    set: itemsModule.default.prototype._set,
    delete: itemsModule.default.prototype.delete,
    route: routes.default,
    Account: accountModule.default,
  };
  // Upstream makes its account when the server starts listening and keeps it to itself.
  accountModule.default = new Proxy(upstream.Account, {
    construct: (target, args: unknown[]) => (lastAccount = Reflect.construct(target, args) as AccountInternals),
  });

  transformer.default = (ast) => {
    const program = upstream.transform(ast);
    rewriteReduceCallbacks(program);
    return program;
  };
  helpers.stripUndefined = stripUndefined;
  helpers.paginate = paginateWholeResultLazily(upstream.paginate);

  itemsModule.default.prototype._set = function (this: ItemsInternals, data: Document) {
    changes += 1;
    const stored = upstream.set.call(this, data);
    if (this._partitions) addToPartition(this, data._rid, this._data.get(data._rid)!);
    touch(this, data);
    return stored;
  };
  itemsModule.default.prototype.delete = function (this: ItemsInternals, idOrRid: string, partition: unknown) {
    const existing = this._data.size > 0 ? findStored(this, idOrRid, partition) : undefined;
    changes += 1;
    upstream.delete.call(this, idOrRid, partition);
    if (existing && this._partitions) removeFromPartition(this, existing);
    if (existing) touch(this, existing);
  };

  const batch = batchHandler(documentOperations, patchOperation);
  routes.default = (req) => correctedRoute(req, batch) ?? upstream.route(req);

  installed = () => {
    transformer.default = upstream.transform;
    helpers.stripUndefined = upstream.stripUndefined;
    helpers.paginate = upstream.paginate;
    itemsModule.default.prototype._set = upstream.set;
    itemsModule.default.prototype.delete = upstream.delete;
    routes.default = upstream.route;
    accountModule.default = upstream.Account;
    cursors.clear();
    touched = undefined;
    installed = undefined;
  };
  return installed;
}

/** The document `delete` is about to remove, found the way upstream finds it. */
function findStored(items: ItemsInternals, idOrRid: string, partition: unknown): Document | undefined {
  const lookup = (items as unknown as { _item(keyPath: string, value: string, partition: unknown): StoredItem })._item;
  try {
    return lookup.call(items, '/id', idOrRid, partition).read();
  } catch {
    return undefined;
  }
}
