import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LocalQueueClient } from './queue-client.js';
import { queueRetryPolicy, startQueueRunner } from './queue-runner.js';

/** Counts what the runner asks of the queue service; a message sent waits until it is received. */
function countingClient() {
  const calls = { create: 0, poll: 0, receive: 0, send: 0 };
  let waiting = 0;
  const client = {
    createQueue: async () => void (calls.create += 1),
    approximateCount: async () => ((calls.poll += 1), waiting),
    receiveMessages: async () => ((calls.receive += 1), (waiting = 0), []),
    sendMessage: async () => void ((calls.send += 1), (waiting += 1)),
  } as unknown as LocalQueueClient;
  return { client, calls };
}

describe('local queue runner', () => {
  it('does not poll the queue service when a function returns with nothing queued', async () => {
    const { client, calls } = countingClient();
    const runner = await startQueueRunner(client, [{ name: 'q', queueName: 'work', message: z.unknown(), handler: async () => undefined }], () => undefined, {
      pollMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const afterStart = calls.poll;
    for (let i = 0; i < 20; i++) await runner.send([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.poll).toBe(afterStart);
    // Nothing waited so far, so nothing was asked for: asking would rewrite Azurite's database.
    expect(calls.receive).toBe(0);
    await runner.send([{ queueName: 'work', messages: [{ a: 1 }] }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.send).toBe(1);
    expect(calls.poll).toBe(afterStart + 1);
    expect(calls.receive).toBe(1);
    await runner.stop();
  });
});

describe('local queue retries', () => {
  it('read maxDequeueCount and the wait between deliveries from host.json, as the Functions host does', () => {
    expect(queueRetryPolicy('{"extensions":{"queues":{"maxDequeueCount":4,"visibilityTimeout":"00:02:30"}}}')).toEqual({
      maxDequeueCount: 4,
      retryDelaySeconds: 150,
    });
    // The queues extension's own defaults.
    expect(queueRetryPolicy('{"version":"2.0"}')).toEqual({ maxDequeueCount: 5, retryDelaySeconds: 0 });
    expect(() => queueRetryPolicy('{"extensions":{"queues":{"visibilityTimeout":"5 minutes"}}}')).toThrow(
      'host.json: queues.visibilityTimeout must be hh:mm:ss, not 5 minutes',
    );
  });

  it('hide a failed message for host.json visibilityTimeout before delivering it again', async () => {
    const released: number[] = [];
    let delivered = false;
    const message = { messageId: 'm1', popReceipt: 'p1', dequeueCount: 1, text: '{}' };
    const client = {
      createQueue: async () => undefined,
      approximateCount: async () => (delivered ? 0 : 1),
      receiveMessages: async () => ((delivered = true), [message]),
      releaseMessage: async (_queue: string, _message: unknown, seconds: number) => void released.push(seconds),
      deleteMessage: async () => undefined,
      sendMessage: async () => undefined,
    } as unknown as LocalQueueClient;
    const failing = async () => {
      throw new Error('Cosmos DB throttled the request');
    };
    const runner = await startQueueRunner(client, [{ name: 'q', queueName: 'work', message: z.unknown(), handler: failing }], () => undefined, { pollMs: 10 });
    for (let waited = 0; released.length === 0 && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 20));
    await runner.stop();
    expect(released).toEqual([queueRetryPolicy().retryDelaySeconds]);
  });
});
