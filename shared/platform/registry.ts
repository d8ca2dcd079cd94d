import { createRequire } from 'node:module';
import { app, output } from '@azure/functions';
import type { HttpHandler, InvocationContext, StorageQueueOutput, Timer } from '@azure/functions';
import type { z } from 'zod';
import { compileRoute, type CompiledRoute } from './routes.js';
import { inOperation, operationIdFrom } from './operation-context.js';
import { pipeline, type AnyObjectSchema, type HttpDeclaration } from './http-pipeline.js';

export interface RegisteredHttpFunction {
  declaration: HttpDeclaration;
  compiled: CompiledRoute;
  handler: HttpHandler;
}

export interface TimerDeclaration {
  name: string;
  /** NCRONTAB with six fields, seconds first, evaluated in UTC; or `%SETTING%` naming a setting that holds one. */
  schedule: string;
  runOnStartup?: boolean;
  queueOutputs?: string[];
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

/** What the queue trigger tells a handler about the delivery. */
export interface QueueDelivery {
  messageId: string;
  /** 1 on the first delivery; a message that fails at the host's maxDequeueCount goes to `<queue>-poison`. */
  dequeueCount: number;
}

export interface QueueDeclaration<M = unknown> {
  name: string;
  queueName: string;
  /** The message, parsed from JSON; one that does not fit fails at once and ends in the poison queue. */
  message: z.ZodType<M>;
  handler: (message: M, delivery: QueueDelivery, context: InvocationContext) => Promise<void>;
}

/** The storage account the Functions host uses (identity-based in Azure, Azurite locally). */
export const queueConnection = 'AzureWebJobsStorage';

const httpFunctions: RegisteredHttpFunction[] = [];
/** Sorted once after the last registration: the local host looks a route up on every request. */
let byPrecedence: readonly RegisteredHttpFunction[] | null = null;
const timerFunctions: TimerDeclaration[] = [];
const queueFunctions: QueueDeclaration[] = [];
const queueOutputBindings = new Map<string, StorageQueueOutput>();

function queueOutput(queueName: string): StorageQueueOutput {
  let binding = queueOutputBindings.get(queueName);
  if (!binding) {
    binding = output.storageQueue({ queueName, connection: queueConnection });
    queueOutputBindings.set(queueName, binding);
  }
  return binding;
}

/**
 * Puts messages on a queue the running function declared in `queueOutputs`, through the Functions
 * output binding: the host sends them when the function returns successfully (the local host likewise).
 */
export function enqueue(context: InvocationContext, queueName: string, messages: readonly unknown[]): void {
  const binding = queueOutputBindings.get(queueName);
  if (!binding) throw new Error(`No function declared the queue output ${queueName}`);
  const already = (context.extraOutputs.get(binding) as unknown[] | undefined) ?? [];
  context.extraOutputs.set(binding, [...already, ...messages]);
}

/** The messages a finished invocation put on each queue. */
export function queuedBy(context: InvocationContext, queueNames: readonly string[] = []): { queueName: string; messages: unknown[] }[] {
  return queueNames
    .map((queueName) => ({ queueName, messages: (context.extraOutputs.get(queueOutput(queueName)) as unknown[] | undefined) ?? [] }))
    .filter((entry) => entry.messages.length > 0);
}

/**
 * Inside Azure the Node.js worker answers `require('@azure/functions-core')` with its own API (it wraps
 * `Module.prototype.require`); `@azure/functions` finds the host the same way. No setting is consulted:
 * on Flex Consumption the worker runtime is platform-managed, not an app setting this code could rely on.
 */
const insideFunctionsHost = ((): boolean => {
  try {
    createRequire(import.meta.url)('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
})();

export function http<
  P extends AnyObjectSchema = z.ZodObject<Record<string, never>>,
  Q extends AnyObjectSchema = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodUnknown,
  A = undefined,
>(declaration: HttpDeclaration<P, Q, B, R, A>): void {
  const general = declaration as unknown as HttpDeclaration;
  if (httpFunctions.some((existing) => existing.declaration.name === general.name)) {
    throw new Error(`Function ${general.name} is declared twice`);
  }
  const handler = pipeline(general);
  httpFunctions.push({ declaration: general, compiled: compileRoute(general.route), handler });
  byPrecedence = null;
  const extraOutputs = (general.queueOutputs ?? []).map(queueOutput);
  if (insideFunctionsHost) {
    app.http(general.name, {
      methods: general.methods,
      route: general.route,
      authLevel: 'anonymous',
      handler,
      ...(extraOutputs.length ? { extraOutputs } : {}),
    });
  }
}

export function timer(declared: TimerDeclaration): void {
  if (timerFunctions.some((existing) => existing.name === declared.name)) {
    throw new Error(`Function ${declared.name} is declared twice`);
  }
  const declaration: TimerDeclaration = {
    ...declared,
    handler: (tick, context) => inOperation(operationIdFrom(context.traceContext?.traceParent), () => declared.handler(tick, context)),
  };
  timerFunctions.push(declaration);
  const extraOutputs = (declaration.queueOutputs ?? []).map(queueOutput);
  if (insideFunctionsHost) {
    app.timer(declaration.name, {
      schedule: declaration.schedule,
      runOnStartup: declaration.runOnStartup ?? false,
      handler: declaration.handler,
      ...(extraOutputs.length ? { extraOutputs } : {}),
    });
  }
}

export function queue<M>(declaration: QueueDeclaration<M>): void {
  if (queueFunctions.some((existing) => existing.name === declaration.name)) {
    throw new Error(`Function ${declaration.name} is declared twice`);
  }
  const declared = declaration as unknown as QueueDeclaration;
  // Whatever a message causes carries the operation id of its delivery, locally and in Azure.
  const general: QueueDeclaration = {
    ...declared,
    handler: (message, delivery, context) =>
      inOperation(operationIdFrom(context.traceContext?.traceParent), () => declared.handler(message, delivery, context)),
  };
  queueFunctions.push(general);
  if (insideFunctionsHost) {
    app.storageQueue(declaration.name, {
      queueName: declaration.queueName,
      connection: queueConnection,
      handler: async (raw, context) => {
        const delivery = { messageId: String(context.triggerMetadata?.id ?? ''), dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 1) };
        await general.handler(general.message.parse(raw), delivery, context);
      },
    });
  }
}

/** Most specific first, the order in which the Functions host matches routes. */
export function registeredHttpFunctions(): readonly RegisteredHttpFunction[] {
  return (byPrecedence ??= [...httpFunctions].sort((a, b) => b.compiled.precedence - a.compiled.precedence));
}

export function registeredTimers(): readonly TimerDeclaration[] {
  return timerFunctions;
}

export function registeredQueueFunctions(): readonly QueueDeclaration[] {
  return queueFunctions;
}
