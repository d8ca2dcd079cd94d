import autocannon from 'autocannon';
import { readFile } from 'node:fs/promises';

/**
 * The load generator of `npm run bench`, run as a process of its own so that it does not share an
 * event loop with the product it measures. It reads its plan from the JSON file named by its
 * argument and prints one JSON line of figures.
 */
interface LoadPlan {
  url: string;
  headers: Record<string, string>;
  connections: number;
  /** GET the url this many times... */
  amount?: number;
  /** ...or POST these bodies to these paths, one request each. */
  posts?: { path: string; body: string }[];
}

async function main(): Promise<void> {
  const plan = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as LoadPlan;
  let next = 0;
  const result = await autocannon({
    url: plan.url,
    connections: plan.connections,
    headers: plan.headers,
    amount: plan.posts ? plan.posts.length : plan.amount,
    timeout: 60,
    ...(plan.posts
      ? {
          requests: [
            {
              method: 'POST' as const,
              setupRequest: (request: autocannon.Request) => {
                const post = plan.posts![next++ % plan.posts!.length]!;
                return { ...request, path: post.path, body: post.body };
              },
            },
          ],
        }
      : {}),
  });
  console.log(
    JSON.stringify({
      requests: result.requests.total,
      errors: result.errors + result.timeouts + result.non2xx,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      rps: result.requests.total / (result.duration || 1),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
