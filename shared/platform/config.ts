import { z } from 'zod';

const booleanSetting = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integerSetting = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const factorSetting = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .refine(Number.isFinite, { message: 'must be a number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const labRole = z.enum(['Manager', 'Local Audit', 'Technician']);

/** A setting holding JSON; what it must contain is piped after it. */
function jsonSetting(example: string) {
  return z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be JSON such as ${example}` });
      return z.NEVER;
    }
  });
}

/**
 * Entra security group id -> what membership grants. Company-wide roles carry no lab.
 * Example: {"5f1c...": {"role": "Technician", "labId": "LAB01"}, "9a2b...": {"role": "Administrator"}}
 */
const entraGroupMapSetting = jsonSetting('{"<group id>": {"role": "Technician", "labId": "LAB01"}}').pipe(
  z.record(
    z.string().min(1),
    z.union([
      z.object({ role: z.enum(['Administrator', 'Global Audit']) }).strict(),
      z.object({ role: labRole, labId: z.string().regex(/^[A-Z0-9-]{2,10}$/) }).strict(),
    ]),
  ),
);

/**
 * Client id of a calling app registration -> its name in the audit trail and the labs it reads.
 * Example: {"3f2a...": {"name": "LIMS", "labIds": ["LAB01"]}}
 */
const entraAppCallersSetting = jsonSetting('{"<client id>": {"name": "LIMS", "labIds": ["LAB01"]}}').pipe(
  z.record(
    z.string().min(1),
    z
      .object({
        name: z.string().min(1).max(100),
        labIds: z.array(z.string().regex(/^[A-Z0-9-]{2,10}$/)).min(1),
      })
      .strict(),
  ),
);

const originList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ message: 'must be a comma-separated list of origins such as https://pm.example.com' })));

/** Frequency -> days from the period's first day in which its record is due, e.g. {"Weekly":3,"Monthly":10}. */
const dueWindowsSetting = jsonSetting('{"Weekly":3,"Monthly":10}').pipe(
  z
    .object({
      Daily: z.number().int().min(1).max(1),
      Weekly: z.number().int().min(1).max(7),
      Monthly: z.number().int().min(1).max(31),
      Quarterly: z.number().int().min(1).max(92),
      Annual: z.number().int().min(1).max(366),
    })
    .partial()
    .strict(),
);

/** Every setting the product reads, with its default. The configuration table of docs/operating-on-azure.md mirrors this. */
export const settingsSchema = z.object({
  PORT: integerSetting(0, 65535).default(4280),
  LOCAL_DATA_DIR: z.string().min(1).default('.data'),
  COSMOS_ENDPOINT: z.url({ message: 'must be a URL such as https://myaccount.documents.azure.com:443/' }).optional(),
  COSMOS_KEY: z.string().min(1).optional(),
  COSMOS_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9-_]{1,255}$/, { message: 'must be a database name' })
    .default('equipmansys'),
  /** The Blob service that keeps calibration certificates, reached with the managed identity (Azure). Locally the host starts Azurite. */
  BLOB_SERVICE_URL: z.url({ message: 'must be a URL such as https://myaccount.blob.core.windows.net/' }).optional(),
  KEY_VAULT_URI: z.url({ message: 'must be a URL such as https://myvault.vault.azure.net/' }).optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
  /** Set in Azure, where Application Insights takes Entra tokens only: send with the managed identity. */
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z
    .string()
    .regex(/^Authorization=AAD(;ClientId=[0-9a-fA-F-]{36})?$/, {
      message: 'must be Authorization=AAD, optionally followed by ;ClientId=<managed identity client id>',
    })
    .transform((text) => ({ clientId: /ClientId=([0-9a-fA-F-]{36})/.exec(text)?.[1] }))
    .optional(),
  PUBLIC_ORIGINS: originList.optional(),
  SESSION_COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'must contain only letters, digits, _ and -' })
    .default('ems_session'),
  SESSION_IDLE_MINUTES: integerSetting(1, 24 * 60).default(15),
  SESSION_ABSOLUTE_HOURS: integerSetting(1, 24 * 7).default(12),
  LOCKOUT_THRESHOLD: integerSetting(1, 100).default(3),
  /**
   * backoff: wrong passwords from a device the account never signed in on pause such devices for
   * LOCKOUT_BACKOFF_MINUTES and never lock, so a stranger cannot keep anyone out; a recognised
   * device's wrong passwords lock as before. permanent: every wrong password counts toward the lock.
   */
  LOCKOUT_MODE: z.enum(['backoff', 'permanent'], { message: 'must be backoff or permanent' }).default('backoff'),
  LOCKOUT_BACKOFF_MINUTES: integerSetting(1, 24 * 60).default(15),
  PASSWORD_MAX_AGE_DAYS: integerSetting(0, 3650).default(90),
  /** The calibration interval review's simple response method (ILAC-G24): factors and limits. */
  CALIBRATION_INTERVAL_LENGTHEN: factorSetting(1, 3).default(1.25),
  CALIBRATION_INTERVAL_SHORTEN: factorSetting(0.1, 1).default(0.5),
  CALIBRATION_INTERVAL_MIN_DAYS: integerSetting(1, 3650).default(30),
  CALIBRATION_INTERVAL_MAX_DAYS: integerSetting(1, 3650).default(1095),
  /** The interval review is due after this many approved calibrations since the interval was set or last decided (at once after one out of tolerance). */
  CALIBRATION_INTERVAL_REVIEW_AFTER: integerSetting(1, 100).default(3),
  /** Periodic reviews (SPEC §16): each kind is due this many months after the end of the last period reviewed. */
  REVIEW_INTERVAL_MONTHS: integerSetting(1, 24).default(3),
  /** The user access review calls an account dormant after this many days without a sign-in. */
  DORMANT_ACCOUNT_DAYS: integerSetting(1, 3650).default(90),
  PASSWORD_REQUIRE_CHARACTER_CLASSES: booleanSetting.default(false),
  /** Argon2id cost of new password hashes; OWASP's first recommendation (19 MiB, 2 passes, one lane) is the floor. */
  PASSWORD_HASH_MEMORY_KIB: integerSetting(19_456, 4_194_304).default(19_456),
  PASSWORD_HASH_ITERATIONS: integerSetting(2, 100).default(2),
  LOGIN_RATE_LIMIT_PER_MINUTE: integerSetting(1, 10_000).default(10),
  /** Problems reported at a machine without an account: at most so many per caller address and per machine in each window. */
  PROBLEM_REPORTS_PER_ADDRESS: integerSetting(1, 10_000).default(10),
  PROBLEM_REPORTS_PER_MACHINE: integerSetting(1, 10_000).default(20),
  PROBLEM_REPORTS_WINDOW_SECONDS: integerSetting(60, 24 * 60 * 60).default(60 * 60),
  /**
   * How many right-most `X-Forwarded-For` entries the platform appended. 1 (the Function App's front
   * end) cannot be forged; 2 counts Static Web Apps' own hop too, which is right only when the
   * Function App accepts nothing but requests through its linked Static Web App.
   */
  CLIENT_ADDRESS_HOPS: integerSetting(1, 5).default(1),
  ENTRA_TENANT_ID: z.string().min(1).optional(),
  ENTRA_CLIENT_ID: z.string().min(1).optional(),
  ENTRA_AUTHORITY: z.url().optional(),
  ENTRA_GROUP_MAP: entraGroupMapSetting.optional(),
  /**
   * The API's app registration, as access tokens name it in `aud`: its Application ID URI and/or its
   * client id, comma-separated. Set with ENTRA_APP_CALLERS, integrations may call with an access token.
   */
  ENTRA_API_AUDIENCE: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((audience) => audience.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, { message: 'must name the API app registration, e.g. api://equipmansys' }))
    .optional(),
  ENTRA_APP_CALLERS: entraAppCallersSetting.optional(),
  ENTRA_DEFAULT_PRIMARY_LAB: z
    .string()
    .regex(/^[A-Z0-9-]{2,10}$/)
    .optional(),
  /**
   * NCRONTAB (six fields, seconds first, UTC): every minute, and each firing queues the labs whose
   * minute of the hour it is (GENERATOR_SPREAD_MINUTES), so every lab runs hourly at a minute of its own.
   */
  GENERATOR_SCHEDULE: z
    .string()
    .regex(/^\S+( \S+){5}$/, { message: 'must be an NCRONTAB expression with six fields, e.g. 0 * * * * *' })
    .default('0 * * * * *'),
  /** Labs are spread over this many minutes of each hour (1: every lab at every firing). */
  GENERATOR_SPREAD_MINUTES: integerSetting(1, 60).default(60),
  /** A period's records are made this many hours before it starts, so the spread never makes them late. */
  GENERATE_AHEAD_HOURS: integerSetting(0, 24).default(2),
  BACKFILL_DAYS: integerSetting(0, 366).default(31),
  LATE_COMPLETION_DAYS: integerSetting(0, 366).default(7),
  PM_DUE_WINDOWS: dueWindowsSetting.optional(),
  /** Azure Communication Services, reached with the managed identity; unset, e-mail goes to the local outbox (or nowhere in Azure). */
  COMMUNICATION_SERVICES_ENDPOINT: z.url({ message: 'must be a URL such as https://mycomms.europe.communication.azure.com' }).optional(),
  /** The From address of the Email Service's verified (or Azure-managed) domain, e.g. DoNotReply@<guid>.azurecomm.net. */
  EMAIL_SENDER_ADDRESS: z.email({ message: 'must be an e-mail address such as DoNotReply@contoso.com' }).optional(),
  /**
   * E-mails Azure Communication Services accepts a minute and an hour for the subscription; sends wait
   * for a free place instead of being refused. The defaults are an Azure-managed domain's limits
   * (Communication Services service limits); a custom domain starts at 30 and 100 and can be raised.
   */
  EMAIL_LIMIT_PER_MINUTE: integerSetting(1, 1_000_000).default(5),
  EMAIL_LIMIT_PER_HOUR: integerSetting(1, 100_000_000).default(10),
  /** NCRONTAB (UTC) of the reminders job: each firing queues the labs that have a digest or a notice to send. */
  NOTIFICATION_SCHEDULE: z
    .string()
    .regex(/^\S+( \S+){5}$/, { message: 'must be an NCRONTAB expression with six fields, e.g. 0 */15 * * * *' })
    .default('0 */15 * * * *'),
  /** The lab-local hour from which a lab's daily digest is sent: the start of its working day. */
  DIGEST_LOCAL_HOUR: integerSetting(0, 23).default(6),
  /** The first wait before a failed send is tried again within a run; each further wait doubles. */
  NOTIFICATION_RETRY_BASE_MS: integerSetting(0, 60_000).default(2000),
  /** How long a run may hold a delivery before another run takes it over (a run killed midway). */
  NOTIFICATION_LEASE_SECONDS: integerSetting(5, 3600).default(300),
  /**
   * Lets webhooks go to loopback addresses (127.0.0.0/8, ::1), over http too: for a receiver on a
   * developer's machine. Never set in Azure, where only https to public addresses is allowed.
   */
  WEBHOOKS_ALLOW_LOOPBACK: booleanSetting.default(false),
  DEMO_PASSWORD: z.string().min(12, { message: 'must be at least 12 characters' }).optional(),
  SEED_DEMO_DATA: booleanSetting.optional(),
});

export type Settings = z.infer<typeof settingsSchema>;

export class ConfigurationError extends Error {}

/** Reads settings from an environment; the message names every bad variable on one line. */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = settingsSchema.safeParse(present);
  if (result.success) {
    assertGeneratorTimingFits(result.data);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
  throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
}

/**
 * Spread labs are queued only in their own minute, so the schedule must fire every minute; and their
 * runs are up to the spread late, so records must be made at least that far ahead.
 */
function assertGeneratorTimingFits(values: Settings): void {
  if (values.GENERATOR_SPREAD_MINUTES === 1) return;
  const [, minutes] = values.GENERATOR_SCHEDULE.split(' ');
  if (minutes !== '*') {
    throw new ConfigurationError(
      `Invalid configuration: GENERATOR_SCHEDULE must fire every minute (e.g. 0 * * * * *) while GENERATOR_SPREAD_MINUTES is ${values.GENERATOR_SPREAD_MINUTES}; set GENERATOR_SPREAD_MINUTES=1 for a schedule of your own`,
    );
  }
  if (values.GENERATE_AHEAD_HOURS * 60 < values.GENERATOR_SPREAD_MINUTES) {
    throw new ConfigurationError(
      `Invalid configuration: GENERATE_AHEAD_HOURS must cover GENERATOR_SPREAD_MINUTES (${values.GENERATOR_SPREAD_MINUTES} minutes), or records would start late`,
    );
  }
}

let cached: Settings | undefined;

export function settings(): Settings {
  cached ??= parseSettings(process.env);
  return cached;
}

/** Lets the local host and tests change the environment and have it read again. */
export function reloadSettings(): Settings {
  cached = undefined;
  return settings();
}
