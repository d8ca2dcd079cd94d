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
  /** Seconds before a failed message is delivered again. */
  retryDelaySeconds?: number;
}

export interface QueueRunner {
  /** Puts messages on queues (what functions' queue outputs produced) and wakes the runner. */
  send: (outputs: readonly { queueName: string; messages: readonly unknown[] }[]) => Promise<void>;
  stop: () => Promise<void>;
}

/** The Functions host reads maxDequeueCount from host.json; so does the local host. */
export function maxDequeueCount(): number {
  const host = JSON.parse(readFileSync('host.json', 'utf8')) as { extensions?: { queues?: { maxDequeueCount?: number } } };
  return host.extensions?.queues?.maxDequeueCount ?? 5;
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
  const retryDelay = options.retryDelaySeconds ?? 1;
  const maxDeliveries = maxDequeueCount();
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
