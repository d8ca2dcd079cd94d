/**
 * One change of a partition's audit chain at a time in this process. Every change of a lab's records
 * moves the lab's counter on its ETag, and every change of its equipment the equipment chain's head, so
 * two changes written at once make one of them read and try again; under a lab's full load that
 * retrying, not the work, was what limited signatures per second, and ten registrations at once could
 * run out of attempts. The ETag still decides between instances: this only keeps the requests of one
 * instance from overtaking each other. `key` names the chain, e.g. `records:LAB01`.
 */
const tails = new Map<string, Promise<void>>();

export async function inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => done);
  tails.set(key, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
