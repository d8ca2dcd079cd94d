import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LocalQueueClient } from './queue-client.js';
import { startQueueRunner } from './queue-runner.js';

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
    const runner = await startQueueRunner(client, [{ name: 'q', queueName: 'work', message: z.unknown(), handler: async () => undefined }], () => undefined, { pollMs: 60_000 });
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
