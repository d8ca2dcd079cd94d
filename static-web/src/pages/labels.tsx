import { useEffect, useRef, useState } from 'preact/hooks';
import type { LabelSheet, MachineAtHand } from '../../../shared/schemas/labels.js';
import { api, ApiError, query } from '../api.js';
import { currentSearch, Link, navigate } from '../router.js';
import { currentLab, may } from '../state.js';
import { Dialog, ErrorMessage, FitnessBadge, formatDateTime, formatDueTime, Loading, PageTitle, SelectField, TextField, useLoad } from '../ui.js';
import { ReportFaultButton } from '../components/report-fault.js';
import { MachineMeters } from '../components/meters.js';

type Size = LabelSheet['size'];

/** The QR code as an image: its SVG is a document of its own, so the page's style rules never reach into it. */
function QrImage(props: { svg: string; label: string }) {
  return <img class="qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(props.svg)}`} alt={props.label} />;
}

/**
 * The label stock a lab buys, as the print lays it out: labels per page here; the page's size, the
 * sheet's own margins and pitch are in the stylesheet (`.label-page.small`, `.label-page.large`, …), so
 * a printed page lines up with the pre-cut labels and holds nothing else. A roll prints one label a page.
 */
const sheets: Record<Size, { name: string; perPage: number }> = {
  small: { name: 'A4 sheet, 5 × 13: 38.1 × 21.2 mm, 65 a sheet', perPage: 65 },
  large: { name: 'A4 sheet, 3 × 8: 70 × 37 mm, 24 a sheet', perPage: 24 },
  'a4-3x7': { name: 'A4 sheet, 3 × 7: 63.5 × 38.1 mm, 21 a sheet', perPage: 21 },
  'letter-3x10': { name: 'US Letter sheet, 3 × 10: 2⅝ × 1 in, 30 a sheet (Avery 5160)', perPage: 30 },
  'roll-62mm': { name: 'Label printer, 62 mm continuous roll: one 62 × 36 mm label each', perPage: 1 },
};

type SheetLabel = LabelSheet['items'][number];

function statusText(label: SheetLabel): string {
  return label.fitness.state === 'fit' ? 'Fit for use' : label.fitness.state === 'due soon' ? 'Calibration due soon' : 'NOT FIT FOR USE';
}

/** One label (ISO/IEC 17025 §6.4.8): the status and the due date always in full; the lab's name shortened to fit, on a small label left out. */
function MachineLabel(props: { label: SheetLabel; size: Size }) {
  const { label } = props;
  return (
    <li class="label">
      <QrImage svg={label.qrSvg} label={`QR code of ${label.url}`} />
      <div class="label-text">
        <strong>{label.serialNumber}</strong>
        <span>{label.modelId}</span>
        <span class="label-lab">{props.size === 'small' ? label.labId : `${label.labId} · ${label.labName}`}</span>
        <span class={`label-status ${label.fitness.state.replace(' ', '-')}`}>{statusText(label)}</span>
        {label.fitness.calibrationDue && (
          <span class="label-due">
            {props.size === 'small' ? 'Due' : 'Calibration due'} <span class="label-date">{label.fitness.calibrationDue}</span>
          </span>
        )}
      </div>
    </li>
  );
}

function pagesOf<T>(items: T[], perPage: number): T[][] {
  const pages: T[][] = [];
  for (let start = 0; start < items.length; start += perPage) pages.push(items.slice(start, start + perPage));
  return pages;
}

/**
 * A sheet of labels for the current lab, or for the machines named in ?serials=; printing it (or a
 * browser's print to PDF) gives only the labels, page by page of the chosen stock (ISO/IEC 17025 §6.4.8).
 */
export function LabelsPage() {
  const labId = currentLab.value!.labId;
  const serials = new URLSearchParams(currentSearch.value).get('serials');
  const [size, setSize] = useState<Size>((new URLSearchParams(currentSearch.value).get('size') as Size | null) ?? 'small');
  const sheet = useLoad(async () => (await api.get<LabelSheet>(`/api/labs/${labId}/labels${query({ serials, size })}`)).body, [labId, serials, size]);
  return (
    <>
      <div class="no-print">
        <PageTitle title={`Labels · ${labId}`}>
          <button type="button" class="primary" onClick={() => print()} disabled={!sheet.data}>
            Print labels
          </button>
        </PageTitle>
        <SelectField
          label="Label size"
          value={size}
          options={(Object.keys(sheets) as Size[]).map((value) => ({ value, label: sheets[value].name }))}
          onValue={setSize}
        />
        <p class="hint">
          {serials ? `The machines chosen: ${serials.split(',').join(', ')}.` : `Every machine of ${labId} that is not retired.`} Each QR code opens the
          machine's page at this installation, in whichever lab it is then. Print at 100 % (no fit to page): each page is one sheet of labels.
        </p>
        <ErrorMessage error={sheet.error} />
        {sheet.loading && !sheet.data && <Loading what="the labels" />}
      </div>
      {sheet.data && (
        <div class="label-pages" aria-label="Labels" role="group">
          {pagesOf(sheet.data.items, sheets[sheet.data.size].perPage).map((page, index) => (
            <ul key={index} class={`label-page ${sheet.data!.size}`} aria-label={`Sheet ${index + 1}`}>
              {page.map((label) => (
                <MachineLabel key={label.serialNumber} label={label} size={sheet.data!.size} />
              ))}
            </ul>
          ))}
        </div>
      )}
    </>
  );
}

/**
 * What a label's QR code opens, after sign-in: the machine's fitness, its calibration due date, its
 * open checklists one tap away, and "Report a fault". A machine the user cannot see is not found.
 */
export function MachineAtHandPage(props: { serialNumber: string }) {
  const machine = useLoad(async () => (await api.get<MachineAtHand>(`/api/machines/${encodeURIComponent(props.serialNumber)}`)).body, [props.serialNumber]);
  if (machine.loading && !machine.data) return <Loading what="the machine" />;
  if (!machine.data) {
    if (machine.error instanceof ApiError && machine.error.status === 404) {
      return (
        <>
          <PageTitle title="Machine not found" />
          <p>
            There is no machine {props.serialNumber} that you can see. It may belong to a lab you have no role in. <Link href="/">Go to the checklists.</Link>
          </p>
        </>
      );
    }
    return <ErrorMessage error={machine.error} />;
  }
  const data = machine.data;
  return (
    <>
      <PageTitle title={data.serialNumber}>
        <ReportFaultButton labId={data.labId} serialNumber={data.serialNumber} />
      </PageTitle>
      <p>
        {data.modelId} · {data.labId} {data.labName} · {data.status}
      </p>
      <p class="fitness-line">
        <FitnessBadge fitness={data.fitness} />
        {data.fitness.calibrationDue && ` Calibration due ${data.fitness.calibrationDue}`}
      </p>
      {data.fitness.state === 'not fit' && <p class="alert error">Not fit for use: {data.fitness.reasons.join('; ')}. Do not use it for results.</p>}
      {data.openNonconformities.length > 0 && (
        <p class="alert info">
          Open nonconformit{data.openNonconformities.length === 1 ? 'y' : 'ies'}:{' '}
          {data.openNonconformities.map((ncNumber) => (
            <Link key={ncNumber} href={`/nonconformities/${data.labId}/${ncNumber}`}>
              {ncNumber}
            </Link>
          ))}
        </p>
      )}
      <h2>Open checklists</h2>
      {data.status !== 'In Service' ? (
        <p class="empty">
          No checklist to start: {data.serialNumber} is {data.status.toLowerCase()}
          {data.openNonconformities.length > 0 ? ', held by its open nonconformity until a manager returns it to service' : ''}. Its checklists start again once
          it is back in service.
        </p>
      ) : data.openChecklists.length === 0 ? (
        <p class="empty">Nothing to do on this machine now.</p>
      ) : (
        <ul class="at-hand-checklists">
          {data.openChecklists.map((record) => (
            <li key={record.recordNumber}>
              <Link class="button primary wide" href={`/records/${data.labId}/${record.recordNumber}`}>
                Start the {record.frequency.toLowerCase()} checklist · due {formatDueTime(record.dueEnd, data.labId)}
                {record.status === 'Missed' && ' (missed: late)'}
              </Link>
            </li>
          ))}
        </ul>
      )}
      <MachineMeters labId={data.labId} serialNumber={data.serialNumber} />
      {may('calibration', 'read') && (
        <p>
          <Link href={`/equipment/${data.labId}/${encodeURIComponent(data.serialNumber)}/calibration`}>Calibration of {data.serialNumber}</Link>
        </p>
      )}
      <p class="hint">Checked {formatDateTime(new Date().toISOString(), data.labId)}.</p>
    </>
  );
}

interface DetectedCode {
  rawValue: string;
}
interface CodeDetector {
  detect(source: HTMLVideoElement): Promise<DetectedCode[]>;
}
type DetectorConstructor = new (options: { formats: string[] }) => CodeDetector;

/** Where a scanned code leads: a label of this product (any host: labels survive a new address) or a bare serial number. */
export function machinePathFrom(scanned: string): string | null {
  const text = scanned.trim();
  const fromUrl = /\/e\/([^/?#]+)\/?(?:[?#].*)?$/.exec(text)?.[1];
  const serial = fromUrl ? decodeURIComponent(fromUrl) : /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(text) ? text : null;
  return serial ? `/e/${encodeURIComponent(serial)}` : null;
}

/**
 * "Scan": the camera through the browser's BarcodeDetector where there is one; a serial-number field
 * everywhere (a phone's own camera app opens a label's address directly too).
 */
export function ScanButton() {
  const [open, setOpen] = useState(false);
  const [serial, setSerial] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const Detector = (globalThis as { BarcodeDetector?: DetectorConstructor }).BarcodeDetector;
  useEffect(() => {
    if (!open || !Detector || !navigator.mediaDevices?.getUserMedia) return;
    let stream: MediaStream | null = null;
    let running = true;
    const detector = new Detector({ formats: ['qr_code'] });
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
        if (!video.current) return;
        video.current.srcObject = stream;
        await video.current.play();
        while (running) {
          const [code] = await detector.detect(video.current);
          const path = code && machinePathFrom(code.rawValue);
          if (path) {
            setOpen(false);
            navigate(path);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } catch {
        setProblem('The camera is not available here: type the serial number instead.');
      }
    })();
    return () => {
      running = false;
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, [open]);
  function go(event: Event) {
    event.preventDefault();
    const path = machinePathFrom(serial);
    if (!path) {
      setProblem('Type a serial number such as F3B-01-001.');
      return;
    }
    setOpen(false);
    navigate(path);
  }
  return (
    <>
      <button type="button" class="secondary scan" onClick={() => setOpen(true)}>
        Scan
      </button>
      {open && (
        <Dialog title="Find a machine" onClose={() => setOpen(false)}>
          {Detector && <video ref={video} class="scanner" muted playsInline aria-label="Camera: point it at a machine's label" />}
          <form onSubmit={go} noValidate>
            <TextField label="Serial number" value={serial} onValue={setSerial} autocomplete="off" autocapitalize="characters" error={problem ?? undefined} />
            <div class="actions">
              <button type="submit" class="primary">
                Open the machine
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  );
}
