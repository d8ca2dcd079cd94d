import { ConfigurationError } from '../shared/platform/config.js';
import { demoBanner } from './demo-seed.js';
import { startLocalProduct } from './product.js';

async function main(): Promise<void> {
  const product = await startLocalProduct();
  console.log(`EquipManSys is running on ${product.url}`);
  console.log(product.embedded ? `Data: embedded Cosmos store kept in ${product.dataDir}` : 'Data: Cosmos DB at COSMOS_ENDPOINT');
  if (product.demo) console.log(demoBanner(product.demo));
  if (product.setupToken) {
    console.log(`This installation has no administrator yet. Open ${product.url} and set it up with this one-time token:`);
    console.log(`  ${product.setupToken}`);
  }
  console.log('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: saving data and stopping...`);
    product
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(`Could not stop cleanly: ${String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigurationError || error instanceof Error ? error.message : String(error);
  console.error(`EquipManSys did not start: ${message}`);
  process.exit(1);
});
