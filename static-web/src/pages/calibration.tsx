import { useState } from 'preact/hooks';
import { judgePoint, type DecisionRule } from '../../../shared/domain/calibration-rules.js';
import type { Calibration, CalibrationPlan, Certificate, PlanPoint, PlanVersion, Provider, ReferenceStandard } from '../../../shared/schemas/calibration.js';
import type { FitnessView } from '../../../shared/schemas/equipment.js';
import type { Nonconformity } from '../../../shared/schemas/nonconformities.js';
import { allPages, api, describeError, uploadFile } from '../api.js';
import { parseDecimal } from '../components/decimal-input.js';
import { IntermediateChecksSection } from '../components/intermediate-checks.js';
import { intervalText, PlanForm } from '../components/plan-form.js';
import { SignatureStep } from '../components/signature-step.js';
import { useSignedSubmit } from '../components/signed-submit.js';
import { Link } from '../router.js';
import { ReportFaultButton } from '../components/report-fault.js';
import { ReturnToServiceButton } from '../components/return-to-service.js';
import { currentLab, may, session } from '../state.js';
import {
  CheckboxField,
  Dialog,
  DialogActions,
  ErrorMessage,
  Field,
  FitnessBadge,
  formatDateTime,
  labLabel,
  labToday,
  Loading,
  Notice,
  PageTitle,
  SelectField,
  TextField,
  useLoad,
} from '../ui.js';

interface DueItem {
  serialNumber: string;
  modelId: string;
  status: string;
  calibrationDue: string | null;
  daysLeft: number | null;
  fitness: FitnessView;
  awaitingApproval: string[];
  intermediateCheckDue: string | null;
}

const machinePath = (labId: string, serialNumber: string) => `/api/labs/${labId}/equipment/${encodeURIComponent(serialNumber)}`;
/** The server's own limit (shared/calibration/certificates.ts), said before a large file is sent for nothing. */
const certificateLimitBytes = 20 * 1024 * 1024;
const certificateTypes = 'application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg';

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** One certificate file to the calibration; the server judges its type by its content. */
async function sendCertificate(
  labId: string,
  serialNumber: string,
  calibrationNumber: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<Certificate> {
  if (file.size > certificateLimitBytes) throw new Error(`${file.name} is ${sizeText(file.size)}; a certificate may be at most 20 MB.`);
  const path = `${machinePath(labId, serialNumber)}/calibrations/${calibrationNumber}/certificates?fileName=${encodeURIComponent(file.name)}`;
  return uploadFile<Certificate>(path, file, onProgress);
}

function UploadProgress(props: { fraction: number; fileName: string }) {
  return (
    <p class="upload-progress" role="status">
      <progress max={1} value={props.fraction} aria-label={`Uploading ${props.fileName}`} /> Uploading {props.fileName}: {Math.round(props.fraction * 100)} %
    </p>
  );
}

function CertificateFileField(props: { label: string; onFile: (file: File | null) => void; disabled?: boolean }) {
  return (
    <Field label={props.label} hint="PDF, PNG or JPEG, up to 20 MB. Each upload is kept as a new version.">
      {({ id, describedBy }) => (
        <input
          id={id}
          type="file"
          accept={certificateTypes}
          aria-describedby={describedBy}
          disabled={props.disabled}
          onChange={(event) => props.onFile((event.currentTarget as HTMLInputElement).files?.[0] ?? null)}
        />
      )}
    </Field>
  );
}

/** The calibration's certificate versions, each downloaded through the API, and an upload for those who record calibrations. */
function CertificateFiles(props: { calibration: Calibration; canUpload: boolean; onUploaded: (notice: string) => void }) {
  const { calibration } = props;
  const [uploading, setUploading] = useState<{ fileName: string; fraction: number } | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const base = `${machinePath(calibration.labId, calibration.serialNumber)}/calibrations/${calibration.calibrationNumber}/certificates`;
  async function upload(file: File | null) {
    if (!file) return;
    setFailure(null);
    setUploading({ fileName: file.name, fraction: 0 });
    try {
      const kept = await sendCertificate(calibration.labId, calibration.serialNumber, calibration.calibrationNumber, file, (fraction) =>
        setUploading({ fileName: file.name, fraction }),
      );
      props.onUploaded(`${kept.fileName} is kept as certificate ${kept.certificateId} of ${calibration.calibrationNumber} (SHA-256 ${kept.sha256}).`);
    } catch (refusal) {
      setFailure(refusal);
    } finally {
      setUploading(null);
    }
  }
  return (
    <div class="certificates">
      <h3>Certificates</h3>
      {calibration.certificates.length === 0 ? (
        <p class="empty">No certificate file yet.</p>
      ) : (
        <ul>
          {calibration.certificates.map((certificate) => (
            <li key={certificate.certificateId}>
              <a href={`${base}/${certificate.certificateId}`} download={certificate.fileName}>
                {certificate.fileName}
              </a>{' '}
              · version {certificate.certificateId} · {sizeText(certificate.size)} · {certificate.uploadedBy.displayName},{' '}
              {formatDateTime(certificate.uploadedAt, calibration.labId)} · <span class="hash">SHA-256 {certificate.sha256}</span>
            </li>
          ))}
        </ul>
      )}
      {props.canUpload && calibration.status === 'Approved' && (
        <p class="hint">
          {calibration.calibrationNumber} is approved, so its certificates can no longer change: add certificate files right after recording a calibration,
          before approval. A Manager corrects an approved calibration with a signed amendment.
        </p>
      )}
      {props.canUpload && calibration.status !== 'Approved' && (
        <CertificateFileField label={`Add a certificate file to ${calibration.calibrationNumber}`} onFile={upload} disabled={uploading !== null} />
      )}
      {uploading && <UploadProgress {...uploading} />}
      <ErrorMessage error={failure} />
    </div>
  );
}

function daysText(daysLeft: number | null): string {
  if (daysLeft === null) return 'never calibrated';
  if (daysLeft < 0) return `${-daysLeft} day${daysLeft === -1 ? '' : 's'} overdue`;
  if (daysLeft === 0) return 'due today';
  return `in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
}

/** When a machine's next intermediate check is due, said as overdue once the lab's own date has passed it. */
function checkDueText(due: string | null, today: string): string {
  if (!due) return '—';
  return due < today ? `overdue since ${due}` : `due ${due}`;
}

/** The lab's calibrations overdue, never done, awaiting approval or due soon: what a manager plans the month by. */
/** Calibrations entered and not yet decided: what a manager of the lab approves or rejects, on each machine's page. */
function ApprovalQueue(props: { labId: string; items: DueItem[] }) {
  const waiting = props.items.flatMap((item) => item.awaitingApproval.map((calibrationNumber) => ({ calibrationNumber, serialNumber: item.serialNumber })));
  if (waiting.length === 0) return null;
  return (
    <section class="approval-queue">
      <h2>Awaiting approval ({waiting.length})</h2>
      <ul>
        {waiting.map((entry) => (
          <li key={entry.calibrationNumber}>
            <Link href={`/equipment/${props.labId}/${encodeURIComponent(entry.serialNumber)}/calibration`}>
              {entry.calibrationNumber} · {entry.serialNumber}
            </Link>
          </li>
        ))}
      </ul>
      <p class="hint">A manager of the lab who did not sign a calibration approves or rejects it; until it is approved it does not count.</p>
    </section>
  );
}

export function CalibrationsDuePage() {
  const lab = currentLab.value!;
  const [within, setWithin] = useState('30');
  const due = useLoad(() => allPages<DueItem>(`/api/labs/${lab.labId}/calibrations/due?within=${within}`), [lab.labId, within]);
  return (
    <>
      <PageTitle title={`Calibration · ${lab.name}`} />
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Due within"
          value={within}
          options={[
            { value: '30', label: '30 days' },
            { value: '60', label: '60 days' },
            { value: '90', label: '90 days' },
          ]}
          onValue={setWithin}
        />
      </form>
      <p class="hint">
        Overdue and never calibrated first. A machine past its due date and grace period is not fit for use until an approved calibration passes.
      </p>
      <ErrorMessage error={due.error} />
      <ApprovalQueue labId={lab.labId} items={due.data ?? []} />
      <h2>Overdue and due within {within} days</h2>
      {due.loading && !due.data ? (
        <Loading what="calibrations due" />
      ) : due.data?.length === 0 ? (
        <p class="empty">No calibration is overdue or due within {within} days.</p>
      ) : (
        <div class="table-box">
          <table class="responsive">
            <caption class="visually-hidden">Calibrations due at {labLabel(lab.labId)}</caption>
            <thead>
              <tr>
                <th scope="col">Machine</th>
                <th scope="col">Model</th>
                <th scope="col">Due</th>
                <th scope="col">Fit for use</th>
                <th scope="col">Intermediate check</th>
                <th scope="col">Awaiting approval</th>
              </tr>
            </thead>
            <tbody>
              {(due.data ?? []).map((item) => (
                <tr key={item.serialNumber}>
                  <td data-label="Machine">
                    <Link href={`/equipment/${lab.labId}/${encodeURIComponent(item.serialNumber)}/calibration`}>{item.serialNumber}</Link>
                  </td>
                  <td data-label="Model">{item.modelId}</td>
                  <td data-label="Due">
                    {item.calibrationDue ?? '—'} ({daysText(item.daysLeft)})
                  </td>
                  <td data-label="Fit for use">
                    <FitnessBadge fitness={item.fitness} />
                  </td>
                  <td data-label="Intermediate check">{checkDueText(item.intermediateCheckDue, labToday(lab.labId))}</td>
                  <td data-label="Awaiting approval">{item.awaitingApproval.join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function limitsText(point: PlanPoint): string {
  return `${point.lowerLimit} to ${point.upperLimit} ${point.unit}${point.maxUncertainty !== undefined ? `, uncertainty at most ${point.maxUncertainty}` : ''}`;
}

function PlanFacts(props: { plan: PlanVersion; labId: string }) {
  const { plan } = props;
  return (
    <>
      <dl class="facts">
        <dt>Calibration</dt>
        <dd>{plan.required ? `required every ${intervalText(plan)}` : 'not required'}</dd>
        <dt>Why</dt>
        <dd>{plan.reason}</dd>
        <dt>Decision rule</dt>
        <dd>{plan.decisionRule === 'guard-band' ? 'guard band: value ± uncertainty within the limits' : 'simple: value within the limits'}</dd>
        <dt>Warning, grace</dt>
        <dd>
          {plan.warningDays} days before due, {plan.graceDays} days after
        </dd>
        <dt>Reference standard</dt>
        <dd>{plan.referenceStandard ? 'yes: used to calibrate other machines' : 'no'}</dd>
        <dt>Version</dt>
        <dd>
          {plan.version}, by {plan.changedBy.displayName}, {formatDateTime(plan.changedAt, props.labId)}
          {plan.changeReason && `: ${plan.changeReason}`}
        </dd>
      </dl>
      <div class="table-box">
        <table class="responsive">
          <caption class="visually-hidden">Calibration points</caption>
          <thead>
            <tr>
              <th scope="col">Point</th>
              <th scope="col">Nominal</th>
              <th scope="col">Acceptance</th>
            </tr>
          </thead>
          <tbody>
            {plan.points.map((point) => (
              <tr key={point.pointId}>
                <td data-label="Point">
                  {point.pointId} · {point.name}
                </td>
                <td data-label="Nominal">
                  {point.nominal} {point.unit}
                </td>
                <td data-label="Acceptance">{limitsText(point)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

type Reading = { value: string; uncertainty: string };

/** Pass or fail as the value is typed, with the rule the server will apply. */
function Verdict(props: { point: PlanPoint; reading: Reading; rule: DecisionRule }) {
  const value = parseDecimal(props.reading.value);
  if (!Number.isFinite(value)) return null;
  const uncertainty = props.reading.uncertainty.trim() ? parseDecimal(props.reading.uncertainty) : undefined;
  const verdict = judgePoint(
    props.point,
    { pointId: props.point.pointId, value, ...(uncertainty !== undefined && Number.isFinite(uncertainty) ? { uncertainty } : {}) },
    props.rule,
  );
  return <span class={verdict.pass ? 'badge done' : 'badge missed'}>{verdict.pass ? 'Pass' : `Fail: ${verdict.why}`}</span>;
}

type JudgedPoints = Pick<PlanVersion, 'points' | 'decisionRule'>;

function ReadingsGrid(props: {
  title: string;
  field: 'asFound' | 'asLeft';
  plan: JudgedPoints;
  readings: Record<string, Reading>;
  onReading: (pointId: string, reading: Reading, index: number) => void;
  errors: Record<string, string>;
}) {
  const needsUncertainty = (point: PlanPoint) => props.plan.decisionRule === 'guard-band' || point.maxUncertainty !== undefined;
  return (
    <fieldset>
      <legend>{props.title}</legend>
      {props.errors[props.field] && <p class="field-error">{props.errors[props.field]}</p>}
      {props.plan.points.map((point, index) => {
        const reading = props.readings[point.pointId] ?? { value: '', uncertainty: '' };
        return (
          <div class="point-row" key={point.pointId}>
            <TextField
              label={`${point.name} (${point.unit})`}
              value={reading.value}
              onValue={(value) => props.onReading(point.pointId, { ...reading, value }, index)}
              inputMode="decimal"
              hint={limitsText(point)}
              error={props.errors[`${props.field}.${index}.value`]}
            />
            {needsUncertainty(point) && (
              <TextField
                label={`${point.name} expanded uncertainty`}
                value={reading.uncertainty}
                onValue={(uncertainty) => props.onReading(point.pointId, { ...reading, uncertainty }, index)}
                inputMode="decimal"
                error={props.errors[`${props.field}.${index}.uncertainty`]}
              />
            )}
            <Verdict point={point} reading={reading} rule={props.plan.decisionRule} />
          </div>
        );
      })}
    </fieldset>
  );
}

/**
 * Readings that are not a number, found before anything is sent, by the point's name and beside its
 * field (the grid's `asFound.0.value` is the plan's first point).
 */
function readingProblems(plan: JudgedPoints, field: 'asFound' | 'asLeft', readings: Record<string, Reading>): Record<string, string> {
  const problems: Record<string, string> = {};
  const title = field === 'asFound' ? 'as found' : 'as left';
  plan.points.forEach((point, index) => {
    const reading = readings[point.pointId];
    if (reading?.value.trim() && Number.isNaN(parseDecimal(reading.value)))
      problems[`${field}.${index}.value`] = `${point.name} ${title} needs a number, such as 708,2 or 708.2.`;
    if (reading?.uncertainty.trim() && Number.isNaN(parseDecimal(reading.uncertainty)))
      problems[`${field}.${index}.uncertainty`] = `The uncertainty of ${point.name} ${title} needs a number, such as 0,2 or 0.2.`;
  });
  return problems;
}

const measurementsOf = (plan: JudgedPoints, readings: Record<string, Reading>) =>
  plan.points
    .filter((point) => readings[point.pointId]?.value.trim())
    .map((point) => {
      const reading = readings[point.pointId]!;
      return {
        pointId: point.pointId,
        value: parseDecimal(reading.value),
        ...(reading.uncertainty.trim() ? { uncertainty: parseDecimal(reading.uncertainty) } : {}),
      };
    });

/**
 * The company's reference standards that measure in one of the plan's units and are fit for use
 * today, to tick; those not fit are named with why and cannot be ticked. The server checks each again
 * on the day performed.
 */
function StandardsPicker(props: {
  labId: string;
  serialNumber: string;
  units: string[];
  chosen: string[];
  onChosen: (serials: string[]) => void;
  error?: string | undefined;
}) {
  const standards = useLoad(() => allPages<ReferenceStandard>(`/api/labs/${props.labId}/calibrations/standards`), [props.labId]);
  const others = (standards.data ?? []).filter(
    (standard) => standard.serialNumber !== props.serialNumber && standard.units.some((unit) => props.units.includes(unit)),
  );
  const offered = others.filter((standard) => standard.fitness.state !== 'not fit');
  const unfit = others.filter((standard) => standard.fitness.state === 'not fit');
  const toggle = (serial: string, checked: boolean) => props.onChosen(checked ? [...props.chosen, serial] : props.chosen.filter((each) => each !== serial));
  return (
    <fieldset class="standards">
      <legend>Reference standards used</legend>
      {props.error && <p class="field-error">{props.error}</p>}
      <ErrorMessage error={standards.error} />
      {standards.data && others.length === 0 && (
        <p class="empty">No reference standard in the company measures in {props.units.join(', ')} yet: a manager marks one in its calibration plan.</p>
      )}
      {standards.data && others.length > 0 && offered.length === 0 && <p class="empty">No reference standard is fit for use today.</p>}
      {offered.map((standard) => (
        <div class="standard-choice" key={standard.serialNumber}>
          <CheckboxField
            label={`${standard.serialNumber} · ${standard.modelId} · ${labLabel(standard.labId)}`}
            checked={props.chosen.includes(standard.serialNumber)}
            onChecked={(checked) => toggle(standard.serialNumber, checked)}
          />
          <FitnessBadge fitness={standard.fitness} compact />
        </div>
      ))}
      {unfit.length > 0 && (
        <p class="hint">
          Not offered, not fit for use: {unfit.map((standard) => `${standard.serialNumber} (${standard.fitness.reasons.join('; ')})`).join(', ')}.
        </p>
      )}
      <p class="hint">Each must have been fit for use on the day the calibration was performed; that is checked again when you sign.</p>
    </fieldset>
  );
}

/** Record a calibration: as found, adjusted or not, as left, the standards used, signed by who did it. */
function CalibrationForm(props: { labId: string; serialNumber: string; plan: PlanVersion; onDone: (notice: string) => void; onClose: () => void }) {
  const external = may('calibration', 'write');
  const providers = useLoad(() => (may('providers', 'read') ? allPages<Provider>('/api/calibration-providers') : Promise.resolve([])), []);
  const [kind, setKind] = useState<'internal' | 'external'>('internal');
  const [performedOn, setPerformedOn] = useState(labToday(props.labId));
  const [providerId, setProviderId] = useState('');
  const [certificateNumber, setCertificateNumber] = useState('');
  const [initial, setInitial] = useState(false);
  const [initialReason, setInitialReason] = useState('');
  const [adjusted, setAdjusted] = useState(false);
  const [adjustment, setAdjustment] = useState('');
  const [asFound, setAsFound] = useState<Record<string, Reading>>({});
  const [asLeft, setAsLeft] = useState<Record<string, Reading>>({});
  const [standards, setStandards] = useState<string[]>([]);
  const signed = useSignedSubmit();
  const { errors, failure } = signed;
  const [certificate, setCertificate] = useState<File | null>(null);
  const [uploading, setUploading] = useState<number | null>(null);
  const chosenProvider = providerId || providers.data?.[0]?.providerId || '';

  async function submit(event: Event) {
    event.preventDefault();
    const problems = {
      ...(initial ? {} : readingProblems(props.plan, 'asFound', asFound)),
      ...(initial || adjusted ? readingProblems(props.plan, 'asLeft', asLeft) : {}),
    };
    if (Object.keys(problems).length > 0) {
      signed.setErrors(problems);
      signed.setFailure(`Nothing was signed. Correct ${Object.values(problems).join(' ')}`);
      return;
    }
    const body = {
      performedOn,
      kind,
      ...(kind === 'external' ? { providerId: chosenProvider, ...(certificateNumber.trim() ? { certificateNumber } : {}) } : {}),
      initial,
      ...(initial ? { initialReason } : { asFound: measurementsOf(props.plan, asFound) }),
      adjusted: !initial && adjusted,
      ...(!initial && adjusted ? { adjustment } : {}),
      ...(initial || adjusted ? { asLeft: measurementsOf(props.plan, asLeft) } : {}),
      standards,
    };
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<Calibration>(`${machinePath(props.labId, props.serialNumber)}/calibrations`, {
            ...body,
            signature: { meaning: 'Performed by', ...signature },
          })
        ).body,
    );
    if (!outcome.signed) return;
    const recorded = outcome.answer;
    const quarantine = recorded.outOfTolerance ? ` ${await quarantineNotice(props.labId, props.serialNumber, recorded.calibrationNumber)}` : '';
    const summary = `${recorded.calibrationNumber} is recorded: ${recorded.result}${recorded.outOfTolerance ? ', found out of tolerance' : ''}.${quarantine} It counts once another manager approves it.`;
    if (!certificate) return props.onDone(summary);
    setUploading(0);
    const kept = await sendCertificate(props.labId, props.serialNumber, recorded.calibrationNumber, certificate, setUploading).then(
      (file) => `Its certificate ${file.fileName} is kept (SHA-256 ${file.sha256}).`,
      (refusal: unknown) => `Its certificate was not kept: ${describeError(refusal)} Add it from the calibration's entry.`,
    );
    props.onDone(`${summary} ${kept}`);
  }

  return (
    <Dialog title={`Record a calibration of ${props.serialNumber}`} onClose={props.onClose} wide>
      <form onSubmit={submit} noValidate>
        <TextField label="Performed on" type="date" value={performedOn} onValue={setPerformedOn} error={errors.performedOn} />
        {external && (
          <SelectField
            label="Performed"
            value={kind}
            options={[
              { value: 'internal', label: 'In the lab' },
              { value: 'external', label: 'By a calibration provider' },
            ]}
            onValue={setKind}
          />
        )}
        {kind === 'external' && (
          <>
            <SelectField
              label="Provider"
              value={chosenProvider}
              options={(providers.data ?? []).map((provider) => ({
                value: provider.providerId,
                label: `${provider.name}${provider.approved ? '' : ' (not approved)'}`,
              }))}
              onValue={setProviderId}
              error={errors.providerId}
            />
            <TextField label="Certificate number" value={certificateNumber} onValue={setCertificateNumber} error={errors.certificateNumber} />
          </>
        )}
        <CertificateFileField label="Certificate file" onFile={setCertificate} disabled={uploading !== null} />
        <CheckboxField label="Initial calibration (no as-found values)" checked={initial} onChecked={setInitial} />
        {initial ? (
          <TextField label="Why it is an initial calibration" value={initialReason} onValue={setInitialReason} error={errors.initialReason} />
        ) : (
          <ReadingsGrid
            title="As found"
            field="asFound"
            plan={props.plan}
            readings={asFound}
            onReading={(pointId, reading, index) => {
              setAsFound({ ...asFound, [pointId]: reading });
              signed.clearErrors(`asFound.${index}.`);
            }}
            errors={errors}
          />
        )}
        {!initial && <CheckboxField label="Adjusted" checked={adjusted} onChecked={setAdjusted} />}
        {!initial && adjusted && <TextField label="What was adjusted" value={adjustment} onValue={setAdjustment} error={errors.adjustment} />}
        {(initial || adjusted) && (
          <ReadingsGrid
            title="As left"
            field="asLeft"
            plan={props.plan}
            readings={asLeft}
            onReading={(pointId, reading, index) => {
              setAsLeft({ ...asLeft, [pointId]: reading });
              signed.clearErrors(`asLeft.${index}.`);
            }}
            errors={errors}
          />
        )}
        <StandardsPicker
          labId={props.labId}
          serialNumber={props.serialNumber}
          units={[...new Set(props.plan.points.map((point) => point.unit))]}
          chosen={standards}
          onChosen={setStandards}
          error={errors.standards}
        />
        <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
        {uploading !== null && certificate && <UploadProgress fraction={uploading} fileName={certificate.name} />}
        <ErrorMessage error={failure ?? providers.error} />
        <DialogActions submitLabel="Sign: Performed by" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

/**
 * What an out-of-tolerance finding did, said as the PM fault message says it: the nonconformity it
 * opened and the machine out of service until a manager returns it.
 */
async function quarantineNotice(labId: string, serialNumber: string, calibrationNumber: string): Promise<string> {
  const open = await api
    .get<{ items: Nonconformity[] }>(`/api/labs/${labId}/nonconformities?status=Open&serialNumber=${encodeURIComponent(serialNumber)}`)
    .catch(() => null);
  const nc = open?.body.items.find((candidate) => candidate.calibrationNumber === calibrationNumber);
  return `${nc ? `Nonconformity ${nc.ncNumber}` : 'A nonconformity'} is open, and ${serialNumber} is out of service until a manager returns it.`;
}

type AmendableReading = Calibration['points'][number]['asFound'];
const readingText = (reading: AmendableReading): Reading => ({
  value: reading ? String(reading.value) : '',
  uncertainty: reading?.uncertainty !== undefined ? String(reading.uncertainty) : '',
});
const readingsOf = (calibration: Calibration, which: 'asFound' | 'asLeft') =>
  Object.fromEntries(calibration.points.map((point) => [point.pointId, readingText(point[which])]));

/** Correct an approved calibration: the values as they stand, changed where wrong, with a reason and a signature. */
function AmendForm(props: { labId: string; serialNumber: string; calibration: Calibration; onDone: (notice: string) => void; onClose: () => void }) {
  const { calibration } = props;
  const [reason, setReason] = useState('');
  const [certificateNumber, setCertificateNumber] = useState(calibration.certificateNumber ?? '');
  const [adjustment, setAdjustment] = useState(calibration.adjustment ?? '');
  const [asFound, setAsFound] = useState<Record<string, Reading>>(readingsOf(calibration, 'asFound'));
  const [asLeft, setAsLeft] = useState<Record<string, Reading>>(readingsOf(calibration, 'asLeft'));
  const signed = useSignedSubmit();
  const { errors, failure } = signed;
  const number = calibration.calibrationNumber;
  const hasAsLeft = calibration.initial || calibration.adjusted;

  async function submit(event: Event) {
    event.preventDefault();
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<Calibration>(`${machinePath(props.labId, props.serialNumber)}/calibrations/${number}/amendments`, {
            reason,
            ...(certificateNumber.trim() ? { certificateNumber } : {}),
            ...(calibration.adjusted && adjustment.trim() ? { adjustment } : {}),
            ...(calibration.initial ? {} : { asFound: measurementsOf(calibration, asFound) }),
            ...(hasAsLeft ? { asLeft: measurementsOf(calibration, asLeft) } : {}),
            signature: { meaning: 'Amended by', ...signature },
          })
        ).body,
    );
    if (!outcome.signed) return;
    const amended = outcome.answer;
    props.onDone(`${number} is amended (amendment ${amended.amendments.length}): ${amended.result}${amended.outOfTolerance ? ', out of tolerance' : ''}.`);
  }

  return (
    <Dialog title={`Amend ${number}`} onClose={props.onClose} wide>
      <form onSubmit={submit} noValidate>
        <p>
          An approved calibration stays as it was entered; this correction is kept beside it with your reason and signature, and the points are judged again.
        </p>
        <TextField label="Why it is corrected" value={reason} onValue={setReason} error={errors.reason} />
        <TextField label="Certificate number" value={certificateNumber} onValue={setCertificateNumber} error={errors.certificateNumber} />
        {calibration.adjusted && <TextField label="What was adjusted" value={adjustment} onValue={setAdjustment} error={errors.adjustment} />}
        {!calibration.initial && (
          <ReadingsGrid
            title="As found"
            field="asFound"
            plan={calibration}
            readings={asFound}
            onReading={(pointId, reading, index) => {
              setAsFound({ ...asFound, [pointId]: reading });
              signed.clearErrors(`asFound.${index}.`);
            }}
            errors={errors}
          />
        )}
        {hasAsLeft && (
          <ReadingsGrid
            title="As left"
            field="asLeft"
            plan={calibration}
            readings={asLeft}
            onReading={(pointId, reading, index) => {
              setAsLeft({ ...asLeft, [pointId]: reading });
              signed.clearErrors(`asLeft.${index}.`);
            }}
            errors={errors}
          />
        )}
        <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Sign: Amended by" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function changeText(change: Calibration['amendments'][number]['changes'][number]): string {
  const shown = (value: unknown) =>
    value === null || value === undefined ? '—' : typeof value === 'object' ? readingShown(value as AmendableReading) : String(value);
  const [which, pointId] = change.field.split('.');
  const label =
    change.field === 'certificateNumber'
      ? 'certificate number'
      : change.field === 'adjustment'
        ? 'adjustment'
        : `${which === 'asFound' ? 'as found' : 'as left'} ${pointId}`;
  return `${label} ${shown(change.before)} → ${shown(change.after)}`;
}

const readingShown = (reading: AmendableReading) => (reading ? `${reading.value}${reading.uncertainty !== undefined ? ` ± ${reading.uncertainty}` : ''}` : '—');

function Amendments(props: { calibration: Calibration }) {
  if (props.calibration.amendments.length === 0) return null;
  return (
    <div class="amendments">
      <h3>Amendments</h3>
      <ol>
        {props.calibration.amendments.map((amendment) => (
          <li key={amendment.number}>
            {amendment.signature.meaning} {amendment.signature.displayName} ({amendment.signature.username}),{' '}
            {formatDateTime(amendment.signature.signedAt, props.calibration.labId)}: {amendment.reason}. Changed: {amendment.changes.map(changeText).join('; ')}
            . Result {amendment.result}
            {amendment.outOfTolerance ? ', out of tolerance' : ''}.
          </li>
        ))}
      </ol>
    </div>
  );
}

function DecisionForm(props: { labId: string; serialNumber: string; calibration: Calibration; onDone: (notice: string) => void; onClose: () => void }) {
  const [decision, setDecision] = useState<'approve' | 'reject'>('approve');
  const [reason, setReason] = useState('');
  const signed = useSignedSubmit();
  const { errors, failure } = signed;
  const number = props.calibration.calibrationNumber;

  async function submit(event: Event) {
    event.preventDefault();
    const outcome = await signed.submit((signature) =>
      api.post(`${machinePath(props.labId, props.serialNumber)}/calibrations/${number}/approval`, {
        decision,
        ...(reason.trim() ? { reason } : {}),
        signature: { meaning: 'Approved by', ...signature },
      }),
    );
    if (outcome.signed) props.onDone(`${number} is ${decision === 'approve' ? 'approved' : 'rejected'}.`);
  }

  return (
    <Dialog title={`Approve ${number}`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <p>
          {props.calibration.result}
          {props.calibration.outOfTolerance && ', found out of tolerance'}; signed {props.calibration.signature.meaning}{' '}
          {props.calibration.signature.displayName}.
        </p>
        <SelectField
          label="Decision"
          value={decision}
          options={[
            { value: 'approve', label: 'Approve' },
            { value: 'reject', label: 'Reject' },
          ]}
          onValue={setDecision}
        />
        <TextField label="Reason" value={reason} onValue={setReason} error={errors.reason} hint="Needed to reject." />
        <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Sign: Approved by" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function PointResults(props: { calibration: Calibration }) {
  const shown = (measured: { value: number; uncertainty?: number | undefined } | null) =>
    measured ? `${measured.value}${measured.uncertainty !== undefined ? ` ± ${measured.uncertainty}` : ''}` : '—';
  const verdict = (result: { pass: boolean; why?: string | undefined } | null) => (result ? (result.pass ? 'pass' : `fail: ${result.why}`) : '');
  return (
    <div class="table-box">
      <table class="responsive">
        <caption class="visually-hidden">Points of {props.calibration.calibrationNumber}</caption>
        <thead>
          <tr>
            <th scope="col">Point</th>
            <th scope="col">Acceptance</th>
            <th scope="col">As found</th>
            <th scope="col">As left</th>
          </tr>
        </thead>
        <tbody>
          {props.calibration.points.map((point) => (
            <tr key={point.pointId}>
              <td data-label="Point">{point.name}</td>
              <td data-label="Acceptance">{limitsText(point)}</td>
              <td data-label="As found">
                {shown(point.asFound)} {verdict(point.asFoundResult)}
              </td>
              <td data-label="As left">
                {shown(point.asLeft)} {verdict(point.asLeftResult)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CalibrationEntry(props: {
  calibration: Calibration;
  canDecide: boolean;
  onDecide: () => void;
  canAmend: boolean;
  onAmend: () => void;
  canUpload: boolean;
  onUploaded: (notice: string) => void;
}) {
  const { calibration } = props;
  return (
    <li class="calibration-entry">
      <details>
        <summary>
          <strong>{calibration.calibrationNumber}</strong> · performed {calibration.performedOn} ·{' '}
          {calibration.kind === 'external' ? calibration.provider?.name : 'in the lab'} ·{' '}
          <span class={calibration.result === 'Fail' ? 'badge missed' : 'badge done'}>{calibration.result}</span>
          {calibration.outOfTolerance && ' out of tolerance'} · {calibration.status}
          {calibration.certificates.length > 0 && ` · ${calibration.certificates.length} certificate file${calibration.certificates.length === 1 ? '' : 's'}`}
          {calibration.amendments.length > 0 && ` · amended ${calibration.amendments.length}×`}
        </summary>
        <p>
          {calibration.signature.meaning} {calibration.signature.displayName} ({calibration.signature.username}),{' '}
          {formatDateTime(calibration.signature.signedAt, calibration.labId)}
          {calibration.approval &&
            `; ${calibration.approval.decision === 'approve' ? 'Approved by' : 'Rejected by'} ${calibration.approval.signature.displayName}, ${formatDateTime(calibration.approval.signature.signedAt, calibration.labId)}${
              calibration.approval.reason ? `: ${calibration.approval.reason}` : ''
            }`}
        </p>
        {calibration.certificateNumber && <p>Certificate {calibration.certificateNumber}</p>}
        {calibration.override && (
          <p class="alert">
            Provider check overridden by {calibration.override.by.displayName}: {calibration.override.reason}
          </p>
        )}
        {calibration.initial && <p>Initial calibration: {calibration.initialReason}</p>}
        {calibration.adjusted && <p>Adjusted: {calibration.adjustment}</p>}
        <PointResults calibration={calibration} />
        {calibration.standards.length > 0 && (
          <p>
            Reference standards:{' '}
            {calibration.standards
              .map(
                (standard) =>
                  `${standard.serialNumber} (${labLabel(standard.labId)}, ${standard.calibrationNumber} of ${standard.calibratedOn}, due ${standard.dueOn})`,
              )
              .join('; ')}
          </p>
        )}
        {calibration.nextDue && <p>Next due {calibration.nextDue}</p>}
        <Amendments calibration={calibration} />
        <CertificateFiles calibration={calibration} canUpload={props.canUpload} onUploaded={props.onUploaded} />
      </details>
      {props.canAmend && (
        <button type="button" class="secondary" onClick={props.onAmend}>
          Amend {calibration.calibrationNumber}
        </button>
      )}
      {props.canDecide && (
        <button type="button" class="primary" onClick={props.onDecide}>
          Approve or reject {calibration.calibrationNumber}
        </button>
      )}
    </li>
  );
}

/** A machine's calibration (ISO/IEC 17025 §6.4): fitness, the plan and its versions, every calibration. */
export function MachineCalibrationPage(props: { labId: string; serialNumber: string }) {
  const base = machinePath(props.labId, props.serialNumber);
  const plan = useLoad(() => api.get<CalibrationPlan>(`${base}/calibration-plan`).then(({ body }) => body), [base]);
  const events = useLoad(() => allPages<Calibration>(`${base}/calibrations`), [base]);
  const [dialog, setDialog] = useState<{ kind: 'plan' } | { kind: 'record' } | { kind: 'decide' | 'amend'; calibration: Calibration } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const role = session.value?.labs.find((lab) => lab.labId === props.labId)?.role ?? null;
  const manages = may('calibration', 'write', role);
  const records = may('calibration', 'complete', role);
  const done = (text: string) => {
    setDialog(null);
    setNotice(text);
    plan.reload();
    events.reload();
  };
  if (plan.loading && !plan.data) return <Loading what="the calibration plan" />;
  if (!plan.data) return <ErrorMessage error={plan.error} />;
  const current = plan.data.current;
  return (
    <>
      <PageTitle title={`Calibration · ${props.serialNumber}`}>
        {manages && (
          <button type="button" class="secondary" onClick={() => setDialog({ kind: 'plan' })}>
            {current ? 'Change the plan' : 'Set a plan'}
          </button>
        )}
        {records && current && (
          <button type="button" class="primary" onClick={() => setDialog({ kind: 'record' })}>
            Record a calibration
          </button>
        )}
        <ReturnToServiceButton
          labId={props.labId}
          serialNumber={props.serialNumber}
          fitness={plan.data.fitness}
          calibrationRequired={Boolean(current?.required)}
          onDone={() => done(`${props.serialNumber} is back in service, verified by your signature.`)}
        />
        <ReportFaultButton labId={props.labId} serialNumber={props.serialNumber} />
      </PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <p>
        {labLabel(props.labId)} · <FitnessBadge fitness={plan.data.fitness} />
        {plan.data.lastCalibration && ` · last approved ${plan.data.lastCalibration.calibrationNumber} of ${plan.data.lastCalibration.performedOn}`} ·{' '}
        <Link href={`/equipment/${props.labId}/${encodeURIComponent(props.serialNumber)}`}>History</Link>
      </p>
      <h2>Plan</h2>
      {current ? (
        <PlanFacts plan={current} labId={props.labId} />
      ) : (
        <p class="empty">No calibration plan yet.{manages ? ' Set one to say what is calibrated, against which limits and how often.' : ''}</p>
      )}
      {plan.data.versions.length > 1 && (
        <details>
          <summary>Earlier versions ({plan.data.versions.length - 1})</summary>
          <ol class="timeline">
            {plan.data.versions.slice(0, -1).map((version) => (
              <li key={version.version}>
                Version {version.version}: every {intervalText(version)}, {version.points.length} point{version.points.length === 1 ? '' : 's'},{' '}
                {version.decisionRule}; by {version.changedBy.displayName}, {formatDateTime(version.changedAt, props.labId)}
                {version.changeReason && `: ${version.changeReason}`}
              </li>
            ))}
          </ol>
        </details>
      )}
      <IntermediateChecksSection
        labId={props.labId}
        serialNumber={props.serialNumber}
        check={current?.intermediateCheck}
        canRecord={records}
        onDone={() => plan.reload()}
      />
      <h2>Calibrations</h2>
      <ErrorMessage error={events.error} />
      {events.data?.length === 0 && <p class="empty">No calibration recorded at this lab yet.</p>}
      <ul class="calibration-list">
        {(events.data ?? []).map((calibration) => (
          <CalibrationEntry
            key={calibration.calibrationNumber}
            calibration={calibration}
            canDecide={manages && calibration.status === 'Awaiting approval' && calibration.signature.username !== session.value?.user.username}
            onDecide={() => setDialog({ kind: 'decide', calibration })}
            canAmend={manages && calibration.status === 'Approved'}
            onAmend={() => setDialog({ kind: 'amend', calibration })}
            canUpload={records}
            onUploaded={done}
          />
        ))}
      </ul>
      {dialog?.kind === 'plan' && (
        <PlanForm
          title={`Calibration plan of ${props.serialNumber}`}
          current={current}
          version={current?.version}
          intermediateCheck
          submitLabel="Save as a new version"
          save={async (body) => {
            await api.put(`${base}/calibration-plan`, body);
            return `The calibration plan of ${props.serialNumber} is saved as a new version.`;
          }}
          onDone={done}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'record' && current && (
        <CalibrationForm labId={props.labId} serialNumber={props.serialNumber} plan={current} onDone={done} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'amend' && (
        <AmendForm labId={props.labId} serialNumber={props.serialNumber} calibration={dialog.calibration} onDone={done} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'decide' && (
        <DecisionForm labId={props.labId} serialNumber={props.serialNumber} calibration={dialog.calibration} onDone={done} onClose={() => setDialog(null)} />
      )}
    </>
  );
}
