import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoCertificatePdf } from '../demo-certificate.js';
import type { LocalProduct } from '../product.js';
import { eventLoopDelayWhile } from './year-of-data.js';

type Session = { cookie: string; csrf: string };
const runFile = promisify(execFile);

/** Sends a file from a process of its own, as a browser would, so only the product's work lands on its event loop. */
const uploader = `
const [url, file, cookie, csrf, origin] = process.argv.slice(1);
const body = require('node:fs').readFileSync(file);
const started = performance.now();
fetch(url, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, origin, 'content-type': 'application/pdf' }, body })
  .then(async (answer) => console.log(JSON.stringify({ status: answer.status, body: await answer.json(), ms: performance.now() - started })));
`;

export interface CertificateUploadFigures {
  megabytes: number;
  status: number;
  uploadMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** The SHA-256 the product recorded is the file's, and the download is byte for byte the file. */
  intact: boolean;
}

/** A 10 MB certificate of one calibration, uploaded while the product's event-loop delay is measured, then downloaded. */
export async function measureCertificateUpload(
  product: Pick<LocalProduct, 'url'>,
  calibrationPath: string,
  admin: Session,
  megabytes = 10,
): Promise<CertificateUploadFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'ems-certificate-'));
  try {
    const file = join(dir, 'certificate.pdf');
    const content = demoCertificatePdf(['Bench certificate', ' '.repeat(megabytes * 1024 * 1024)]);
    await writeFile(file, content);
    const url = `${product.url}${calibrationPath}/certificates?fileName=bench-certificate.pdf`;
    const upload = await eventLoopDelayWhile(() =>
      runFile(process.execPath, ['-e', uploader, url, file, admin.cookie, admin.csrf, product.url], { maxBuffer: 1 << 20 }),
    );
    const answer = JSON.parse(upload.result.stdout.trim()) as { status: number; body: { certificateId: string; sha256: string }; ms: number };
    const expected = createHash('sha256').update(content).digest('hex');
    const download = await fetch(`${product.url}${calibrationPath}/certificates/${answer.body.certificateId}`, { headers: { cookie: admin.cookie } });
    const downloaded = Buffer.from(await download.arrayBuffer());
    return {
      megabytes: content.length / (1024 * 1024),
      status: answer.status,
      uploadMs: answer.ms,
      eventLoopDelayP99Ms: upload.p99Ms,
      eventLoopDelayMaxMs: upload.maxMs,
      intact: answer.body.sha256 === expected && downloaded.equals(content),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
