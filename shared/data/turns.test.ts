import { describe, expect, it } from 'vitest';
import { inTurn } from './turns.js';

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('one change of a chain at a time', () => {
  it('runs the changes of one lab one after another, in the order asked, and other labs beside them', async () => {
    const running = new Map<string, number>();
    let mostAtOnce = 0;
    const order: string[] = [];
    const change = (labId: string, name: string) =>
      inTurn(labId, async () => {
        running.set(labId, (running.get(labId) ?? 0) + 1);
        mostAtOnce = Math.max(mostAtOnce, running.get(labId)!);
        await pause();
        order.push(name);
        running.set(labId, running.get(labId)! - 1);
        return name;
      });
    const answers = await Promise.all([change('LAB01', 'a'), change('LAB01', 'b'), change('LAB02', 'x'), change('LAB01', 'c')]);
    expect(answers).toEqual(['a', 'b', 'x', 'c']);
    expect(mostAtOnce).toBe(1);
    expect(order.filter((name) => name !== 'x')).toEqual(['a', 'b', 'c']);
    // LAB02 did not wait for LAB01's queue.
    expect(order.indexOf('x')).toBeLessThan(order.indexOf('c'));
  });

  it('passes on the turn when a change fails', async () => {
    const failed = inTurn('LAB03', async () => {
      await pause();
      throw new Error('refused');
    });
    const next = inTurn('LAB03', async () => 'went ahead');
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('went ahead');
  });
});
