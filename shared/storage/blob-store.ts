import type { ContainerClient } from '@azure/storage-blob';
import { settings } from '../platform/config.js';

/** Where certificates are kept when it is not Azure: Azurite, started by the local host, with its well-known key. */
export interface BlobConnection {
  /** e.g. http://127.0.0.1:50123/devstoreaccount1 */
  accountUrl: string;
  accountName: string;
  accountKey: Buffer;
}

/** The private container of calibration certificates; infra/modules/storage.bicep creates it in Azure. */
export const certificatesContainerName = 'certificates';

let override: BlobConnection | undefined;
let pending: Promise<ContainerClient> | undefined;

export function useBlobConnection(connection: BlobConnection | undefined): void {
  override = connection;
  pending = undefined;
}

async function createContainerClient(): Promise<ContainerClient> {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  if (override) {
    const service = new BlobServiceClient(override.accountUrl, new StorageSharedKeyCredential(override.accountName, override.accountKey.toString('base64')));
    const client = service.getContainerClient(certificatesContainerName);
    // Azure's container comes from Bicep (the identity may not create containers); Azurite's from here.
    await client.createIfNotExists();
    return client;
  }
  const url = settings().BLOB_SERVICE_URL;
  if (!url) throw new Error('BLOB_SERVICE_URL is not set and no local blob service is running');
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new BlobServiceClient(url, new DefaultAzureCredential()).getContainerClient(certificatesContainerName);
}

/**
 * Whether a blob's properties vouch for its bytes: in Azure, where the container keeps every version
 * immutable, yes; in Azurite, which enforces no immutability policy, no.
 */
export function blobPropertiesAreTrusted(): boolean {
  return override === undefined;
}

export function certificatesContainer(): Promise<ContainerClient> {
  pending ??= createContainerClient().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}
