import { fitnessOf, nextDueOf } from '../../domain/machine-lifecycle.js';
import type { ContainerName } from '../../data/containers.js';
import { formatDay, localDay } from '../../domain/periods.js';

/** The OData primitive types the feed uses; times are UTC, dates are lab-local days. */
export type EdmType = 'Edm.String' | 'Edm.Date' | 'Edm.DateTimeOffset' | 'Edm.Int32' | 'Edm.Boolean';

/** What a row's values are worked out from: the stored document, its lab's time zone and today there. */
export interface RowContext {
  timeZone: string;
  today: string;
}

export interface FeedProperty {
  name: string;
  type: EdmType;
  nullable: boolean;
  /**
   * The document path the property is stored at, when it is stored as it is shown: only such
   * properties can be filtered on, each comparison becoming a parameterised condition on this path.
   */
  path?: string;
  value: (document: Record<string, unknown>, context: RowContext) => unknown;
}

export interface FeedNavigation {
  name: string;
  /** The entity set it leads to, and the property here holding that set's key. */
  target: string;
  via: string;
}

export interface FeedEntitySet {
  name: string;
  entityType: string;
  key: string;
  container: ContainerName;
  /** Which documents of the lab's partition are rows of the set. */
  conditions: readonly string[];
  /** The stored property that orders the rows and names each: pages continue after its last value. */
  orderPath: string;
  properties: readonly FeedProperty[];
  navigations: readonly FeedNavigation[];
}

const at =
  (path: string) =>
  (document: Record<string, unknown>): unknown =>
    path.split('.').reduce<unknown>((value, part) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), document) ??
    null;

/** An instant as Edm.DateTimeOffset in UTC, whatever precision it was stored with. */
const utc = (value: unknown): string | null => (typeof value === 'string' && value ? new Date(value).toISOString() : null);

/** The lab-local day of an instant: the column a report filters and groups on. */
const labDay = (value: unknown, context: RowContext): string | null =>
  typeof value === 'string' && value ? formatDay(localDay(new Date(value), context.timeZone)) : null;

const text = (name: string, path: string, nullable = false): FeedProperty => ({ name, type: 'Edm.String', nullable, path, value: at(path) });
const date = (name: string, path: string, nullable = false): FeedProperty => ({
  name,
  type: 'Edm.Date',
  nullable,
  path,
  value: (document) => (at(path)(document) as string | null)?.slice(0, 10) ?? null,
});
const instant = (name: string, path: string, nullable = false): FeedProperty => ({
  name,
  type: 'Edm.DateTimeOffset',
  nullable,
  path,
  value: (document) => utc(at(path)(document)),
});
const localDate = (name: string, path: string, nullable = false): FeedProperty => ({
  name,
  type: 'Edm.Date',
  nullable,
  value: (document, context) => labDay(at(path)(document), context),
});
const flag = (name: string, path: string): FeedProperty => ({
  name,
  type: 'Edm.Boolean',
  nullable: false,
  path,
  value: (document) => Boolean(at(path)(document)),
});

const toLab: FeedNavigation = { name: 'Lab', target: 'Labs', via: 'LabId' };
const toMachine: FeedNavigation = { name: 'Machine', target: 'Equipment', via: 'SerialNumber' };

/**
 * The feed as a star (SPEC §14): dimensions Labs and Equipment, facts PmRecords, Calibrations and
 * Nonconformities, each fact leading to its lab and machine. Every instant is UTC with the lab-local
 * date beside it, so a report groups by the day the lab lived it.
 */
export const entitySets: readonly FeedEntitySet[] = [
  {
    name: 'Labs',
    entityType: 'Lab',
    key: 'LabId',
    container: 'labs',
    conditions: ["c.type = 'lab'"],
    orderPath: 'labId',
    properties: [text('LabId', 'labId'), text('Name', 'name'), text('TimeZone', 'timeZone'), flag('Active', 'active')],
    navigations: [],
  },
  {
    name: 'Equipment',
    entityType: 'Machine',
    key: 'SerialNumber',
    container: 'equipment',
    // A transferred machine's copy left behind is history; the machine counts where it is now.
    conditions: ["c.type = 'equipment'", "c.presence IN ('present', 'leaving')"],
    orderPath: 'serialKey',
    properties: [
      text('SerialNumber', 'serialNumber'),
      text('LabId', 'labId'),
      text('ModelId', 'modelId'),
      text('Status', 'status'),
      instant('CreatedAt', 'createdAt'),
      instant('StatusChangedAt', 'statusChangedAt'),
      localDate('StatusChangedOn', 'statusChangedAt'),
      {
        name: 'CalibrationDue',
        type: 'Edm.Date',
        nullable: true,
        value: (document) => nextDueOf((document as { calibration?: Parameters<typeof nextDueOf>[0] }).calibration),
      },
      {
        name: 'Fitness',
        type: 'Edm.String',
        nullable: false,
        value: (document, context) => fitnessOf(document as unknown as Parameters<typeof fitnessOf>[0], context.today).state,
      },
    ],
    navigations: [toLab],
  },
  {
    name: 'PmRecords',
    entityType: 'PmRecord',
    key: 'RecordNumber',
    container: 'records',
    conditions: ["c.type = 'record'"],
    orderPath: 'recordNumber',
    properties: [
      text('RecordNumber', 'recordNumber'),
      text('LabId', 'labId'),
      text('SerialNumber', 'serialNumber'),
      text('ModelId', 'modelId'),
      text('Frequency', 'frequency'),
      date('PeriodStart', 'periodStart'),
      instant('DueEnd', 'dueEnd'),
      localDate('DueOn', 'dueEnd'),
      text('Status', 'status'),
      flag('Late', 'late'),
      instant('CompletedAt', 'completedAt', true),
      localDate('CompletedOn', 'completedAt', true),
      text('CompletedBy', 'completedBy.username', true),
      instant('MissedAt', 'missedAt', true),
      instant('CreatedAt', 'createdAt'),
    ],
    navigations: [toLab, toMachine],
  },
  {
    name: 'Calibrations',
    entityType: 'Calibration',
    key: 'CalibrationNumber',
    container: 'equipment',
    conditions: ["c.type = 'calibration'"],
    orderPath: 'calibrationNumber',
    properties: [
      text('CalibrationNumber', 'calibrationNumber'),
      text('LabId', 'labId'),
      text('SerialNumber', 'serialNumber'),
      text('ModelId', 'modelId'),
      date('PerformedOn', 'performedOn'),
      text('Kind', 'kind'),
      text('Result', 'result'),
      flag('OutOfTolerance', 'outOfTolerance'),
      text('Status', 'status'),
      date('NextDue', 'nextDue', true),
      text('CertificateNumber', 'certificateNumber', true),
      text('ProviderName', 'provider.name', true),
    ],
    navigations: [toLab, toMachine],
  },
  {
    name: 'Nonconformities',
    entityType: 'Nonconformity',
    key: 'NcNumber',
    container: 'equipment',
    conditions: ["c.type = 'nonconformity'"],
    orderPath: 'ncNumber',
    properties: [
      text('NcNumber', 'ncNumber'),
      text('LabId', 'labId'),
      text('SerialNumber', 'serialNumber'),
      text('ModelId', 'modelId'),
      text('Source', 'source'),
      text('Status', 'status'),
      text('Description', 'description'),
      instant('OpenedAt', 'openedAt'),
      localDate('OpenedOn', 'openedAt'),
      instant('ClosedAt', 'closure.at', true),
      localDate('ClosedOn', 'closure.at', true),
      text('CalibrationNumber', 'calibrationNumber', true),
      text('RecordNumber', 'recordNumber', true),
    ],
    navigations: [toLab, toMachine],
  },
];

export function entitySetNamed(name: string): FeedEntitySet | undefined {
  return entitySets.find((set) => set.name === name);
}
