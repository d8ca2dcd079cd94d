import { ConfigurationError } from '../shared/platform/config.js';
import { demoBanner } from './demo-seed.js';
import { startLocalProduct, type LocalProduct } from './product.js';

async function main(): Promise<void> {
  // Listening from the first line on: a Ctrl-C while the product starts (or a script's SIGINT the
  // moment it reads the first line) stops it cleanly once it is up, rather than killing it mid-start.
  const run: { product?: LocalProduct; stopping: boolean } = { stopping: false };
  const stopStarted = (product: LocalProduct) =>
    product
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(`Could not stop cleanly: ${String(error)}`);
        process.exit(1);
      });
  const stop = (signal: string) => {
    if (run.stopping) return;
    run.stopping = true;
    console.log(`${signal}: saving data and stopping...`);
    if (run.product) void stopStarted(run.product);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const product = (run.product = await startLocalProduct());
  if (run.stopping) return void stopStarted(product);
  console.log(`EquipManSys is running on ${product.url}`);
  console.log(product.embedded ? `Data: embedded Cosmos store kept in ${product.dataDir}` : 'Data: Cosmos DB at COSMOS_ENDPOINT');
  if (product.demo) console.log(demoBanner(product.demo));
  if (product.setupToken) {
    console.log(`This installation has no administrator yet. Open ${product.url} and set it up with this one-time token:`);
    console.log(`  ${product.setupToken}`);
  }
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigurationError || error instanceof Error ? error.message : String(error);
  console.error(`EquipManSys did not start: ${message}`);
  process.exit(1);
});
