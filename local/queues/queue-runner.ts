import { InvocationContext, type LogHandler } from '@azure/functions';
import { readFileSync } from 'node:fs';
import type { QueueDeclaration } from '../../shared/platform/registry.js';
import { withInvocation } from '../http-host.js';
import type { LocalQueueClient, QueueMessage } from './queue-client.js';

export interface QueueRunnerOptions {
  /** How long a received message stays out of sight while its function runs. */
  visibilitySeconds?: number;
  /** How long an idle queue waits before it looks again. */
  pollMs?: number;
  /** Seconds before a failed message is delivered again; host.json's visibilityTimeout unless a test shortens it. */
  retryDelaySeconds?: number;
}

export interface QueueRunner {
  /** Puts messages on queues (what functions' queue outputs produced) and wakes the runner. */
  send: (outputs: readonly { queueName: string; messages: readonly unknown[] }[]) => Promise<void>;
  stop: () => Promise<void>;
}

export interface QueueRetryPolicy {
  /** Deliveries before a message goes to `<queue>-poison`. */
  maxDequeueCount: number;
  /** The fixed wait before a failed message is delivered again (the extension's visibilityTimeout). */
  retryDelaySeconds: number;
}

/** A TimeSpan as host.json writes it, hh:mm:ss. */
function timeSpanSeconds(text: string): number {
  const match = /^(\d{1,2}):([0-5]\d):([0-5]\d)$/.exec(text);
  if (!match) throw new Error(`host.json: queues.visibilityTimeout must be hh:mm:ss, not ${text}`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/**
 * The Functions host reads the queues extension's retry settings from host.json; so does the local
 * host, so a failing message is retried as often and as far apart here as in Azure. The defaults are
 * the extension's own.
 */
export function queueRetryPolicy(hostJson = readFileSync('host.json', 'utf8')): QueueRetryPolicy {
  const queues = (JSON.parse(hostJson) as { extensions?: { queues?: { maxDequeueCount?: number; visibilityTimeout?: string } } }).extensions?.queues;
  return { maxDequeueCount: queues?.maxDequeueCount ?? 5, retryDelaySeconds: timeSpanSeconds(queues?.visibilityTimeout ?? '00:00:00') };
}

/**
 * Runs queue-triggered functions as the Functions host does: a received message is hidden while its
 * function runs, deleted when it succeeds, made visible again when it fails, and moved to
 * `<queue>-poison` after the last allowed delivery.
 */
export async function startQueueRunner(
  client: LocalQueueClient,
  declarations: readonly QueueDeclaration[],
  logHandler: LogHandler,
  options: QueueRunnerOptions = {},
): Promise<QueueRunner> {
  const visibility = options.visibilitySeconds ?? 30;
  const pollMs = options.pollMs ?? 1000;
  const policy = queueRetryPolicy();
  const retryDelay = options.retryDelaySeconds ?? policy.retryDelaySeconds;
  const maxDeliveries = policy.maxDequeueCount;
  const queueNames = new Set(declarations.flatMap((declaration) => [declaration.queueName, `${declaration.queueName}-poison`]));
  for (const queueName of queueNames) await client.createQueue(queueName);

  let stopped = false;
  const wakers = new Set<() => void>();
  const wake = () => wakers.forEach((waker) => waker());
  const idle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });

  const invoke = async (declaration: QueueDeclaration, message: QueueMessage) => {
    const context = new InvocationContext({
      invocationId: message.messageId,
      functionName: declaration.name,
      logHandler: withInvocation(logHandler, declaration.name, message.messageId),
      triggerMetadata: { id: message.messageId, dequeueCount: message.dequeueCount },
    });
    try {
      const parsed = declaration.message.parse(JSON.parse(message.text));
      await declaration.handler(parsed, { messageId: message.messageId, dequeueCount: message.dequeueCount }, context);
      await client.deleteMessage(declaration.queueName, message);
    } catch (error) {
      context.error(`${declaration.name} failed on delivery ${message.dequeueCount} of ${maxDeliveries}`, error);
      if (message.dequeueCount >= maxDeliveries) {
        await client.sendMessage(`${declaration.queueName}-poison`, JSON.parse(message.text) as unknown).catch(() => undefined);
        await client.deleteMessage(declaration.queueName, message);
        wake();
      } else {
        await client.releaseMessage(declaration.queueName, message, retryDelay);
      }
    }
  };

  const loops = declarations.map(async (declaration) => {
    while (!stopped) {
      let received: QueueMessage[] = [];
      try {
        // Asking Azurite for messages rewrites its database file even when there are none; asking
        // how many there are does not, so an idle local host writes nothing to disk.
        const waiting = await client.approximateCount(declaration.queueName);
        received = waiting > 0 ? await client.receiveMessages(declaration.queueName, 16, visibility) : [];
      } catch (error) {
        if (!stopped) logHandler('error', `Could not read queue ${declaration.queueName}: ${String(error)}`);
      }
      if (received.length === 0) {
        await idle();
        continue;
      }
      await Promise.all(received.map((message) => invoke(declaration, message).catch((error: unknown) => logHandler('error', String(error)))));
    }
  });

  return {
    send: async (outputs) => {
      if (outputs.length === 0) return;
      for (const { queueName, messages } of outputs) for (const message of messages) await client.sendMessage(queueName, message);
      wake();
    },
    stop: async () => {
      stopped = true;
      wake();
      await Promise.all(loops);
    },
  };
}
