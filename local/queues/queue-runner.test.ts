import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LocalQueueClient } from './queue-client.js';
import { startQueueRunner } from './queue-runner.js';

/** Counts what the runner asks of the queue service. */
function countingClient() {
  const calls = { create: 0, receive: 0, send: 0 };
  const client = {
    createQueue: async () => void (calls.create += 1),
    receiveMessages: async () => ((calls.receive += 1), []),
    sendMessage: async () => void (calls.send += 1),
  } as unknown as LocalQueueClient;
  return { client, calls };
}

describe('local queue runner', () => {
  it('does not poll the queue service when a function returns with nothing queued', async () => {
    const { client, calls } = countingClient();
    const runner = await startQueueRunner(client, [{ name: 'q', queueName: 'work', message: z.unknown(), handler: async () => undefined }], () => undefined, { pollMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const afterStart = calls.receive;
    for (let i = 0; i < 20; i++) await runner.send([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.receive).toBe(afterStart);
    await runner.send([{ queueName: 'work', messages: [{ a: 1 }] }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.send).toBe(1);
    expect(calls.receive).toBe(afterStart + 1);
    await runner.stop();
  });
});
