/**
 * One change of a lab's records at a time in this process. Every record change moves the lab's counter
 * on its ETag, so two signatures of one lab written at once make one of them read and try again; under
 * a lab's full load that retrying, not the work, was what limited signatures per second. The ETag still
 * decides between instances: this only keeps the requests of one instance from overtaking each other.
 */
const tails = new Map<string, Promise<void>>();

export async function inLabTurn<T>(labId: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(labId) ?? Promise.resolve();
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => done);
  tails.set(labId, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (tails.get(labId) === tail) tails.delete(labId);
  }
}
