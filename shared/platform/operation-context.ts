import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/** Cosmos DB requests counted while some piece of work ran, and what they cost. */
export interface CosmosUsage {
  requests: number;
  requestCharge: number;
}

interface OperationScope {
  /** The W3C trace id of the HTTP request or queue message being served: App Insights' operation_Id. */
  operationId: string;
  /** Every measurement open around the current code; a request counts in each of them. */
  usage: readonly CosmosUsage[];
}

const scopes = new AsyncLocalStorage<OperationScope>();

const traceParentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a W3C traceparent header, when it is one; an all-zero id is invalid by the standard. */
export function traceIdOf(traceParent: string | null | undefined): string | undefined {
  const traceId = traceParent ? traceParentPattern.exec(traceParent.trim().toLowerCase())?.[1] : undefined;
  return traceId && !/^0+$/.test(traceId) ? traceId : undefined;
}

/** The first trace id among the candidates, or a new one. */
export function operationIdFrom(...traceParents: (string | null | undefined)[]): string {
  for (const candidate of traceParents) {
    const traceId = traceIdOf(candidate);
    if (traceId) return traceId;
  }
  return randomBytes(16).toString('hex');
}

/** Runs one HTTP request's or queue message's work, so everything it causes carries its operation id. */
export function inOperation<T>(operationId: string, work: () => Promise<T>): Promise<T> {
  return scopes.run({ operationId, usage: [] }, work);
}

export function currentOperationId(): string | undefined {
  return scopes.getStore()?.operationId;
}

/** Runs the work and tells how many Cosmos DB requests it made and what they cost. */
export async function measureCosmos<T>(work: () => Promise<T>): Promise<{ result: T; usage: CosmosUsage }> {
  const outer = scopes.getStore();
  const usage: CosmosUsage = { requests: 0, requestCharge: 0 };
  const result = await scopes.run({ operationId: outer?.operationId ?? operationIdFrom(), usage: [...(outer?.usage ?? []), usage] }, work);
  return { result, usage };
}

export function countCosmosRequest(requestCharge: number): void {
  for (const usage of scopes.getStore()?.usage ?? []) {
    usage.requests += 1;
    usage.requestCharge += requestCharge;
  }
}
