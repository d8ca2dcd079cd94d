// `npm run verify-store -- --data <local data folder>` or `-- --endpoint <Cosmos DB account> [--blobs <Blob service URL>]`
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { useCosmosConnection } from '../../shared/data/cosmos.js';
import { reloadSettings } from '../../shared/platform/config.js';
import { forgetSecrets } from '../../shared/platform/secrets.js';
import { useBlobConnection } from '../../shared/storage/blob-store.js';
import { startLocalBlobService } from '../azurite.js';
import { openLocalData } from '../product.js';
import { describeVerification, verifyStore } from './verify-store.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    endpoint: { type: 'string' },
    database: { type: 'string' },
    blobs: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
if (Boolean(values.data) === Boolean(values.endpoint)) {
  console.error(
    'Name the store to verify: --data <local data folder> or --endpoint <Cosmos DB account URL> (with --blobs <Blob service URL> for its evidence files).',
  );
  process.exit(2);
}

// The verification's page tokens are signed and read in this process only: a key of its own, never the installation's.
process.env.SESSION_SIGNING_KEY = randomBytes(48).toString('base64url');
delete process.env.KEY_VAULT_URI;
const log = (_level: string, line: string) => console.error(line);

let close: () => Promise<void>;
if (values.data) {
  // A copy, so that verifying leaves the restored folder exactly as it was restored.
  const copy = await mkdtemp(join(tmpdir(), 'ems-verify-'));
  await cp(resolve(values.data), copy, { recursive: true });
  Object.assign(process.env, { LOCAL_DATA_DIR: copy });
  delete process.env.COSMOS_ENDPOINT;
  delete process.env.BLOB_SERVICE_URL;
  reloadSettings();
  forgetSecrets();
  const data = await openLocalData(log);
  const blobs = await startLocalBlobService(copy);
  useBlobConnection(blobs);
  close = async () => {
    await data.close();
    await blobs.close();
    await rm(copy, { recursive: true, force: true });
  };
} else {
  Object.assign(process.env, {
    COSMOS_ENDPOINT: values.endpoint,
    ...(values.database ? { COSMOS_DATABASE: values.database } : {}),
    ...(values.blobs ? { BLOB_SERVICE_URL: values.blobs } : {}),
  });
  reloadSettings();
  forgetSecrets();
  useCosmosConnection(undefined);
  useBlobConnection(undefined);
  close = async () => {};
}

try {
  const verification = await verifyStore();
  console.log(values.json ? JSON.stringify(verification, null, 2) : describeVerification(verification).join('\n'));
  process.exitCode = verification.intact ? 0 : 1;
} finally {
  await close();
}
