import { TooMuchContention } from '../platform/store-failures.js';
import { DocumentChanged, DocumentExists } from './errors.js';

const maximumAttempts = 10;

/**
 * Runs a read-change-write until it is not overtaken by another writer. Waits a random, growing
 * time between attempts so that writers racing for the same document spread out.
 */
export async function retryWhileOvertaken<T>(work: () => Promise<T>, description: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const overtaken = error instanceof DocumentChanged || error instanceof DocumentExists;
      if (!overtaken) throw error;
      if (attempt >= maximumAttempts) throw new TooMuchContention(`${description} is being changed by others; try again`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** attempt));
    }
  }
}
