import { createRequire } from 'node:module';
import type { QRCode } from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS whose one export is the function itself; its types describe it as a default export.
const jsQR = createRequire(import.meta.url)('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => QRCode | null;

/** What a phone's camera would read: the QR code decoded from the pixels of a screenshot. */
export function decodeQr(image: Buffer): string | null {
  const png = PNG.sync.read(image);
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data ?? null;
}
