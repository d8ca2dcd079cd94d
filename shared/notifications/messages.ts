import type { NonconformityDocument } from '../data/nonconformity-repository.js';
import type { DigestRecord, LabDigest } from './digest.js';
import { dueLine } from '../reviews/periodic-reviews.js';

/** How many rows of each section a message lists; the rest are counted and left to the app. */
export const rowsPerSection = 15;

export interface RenderedEmail {
  subject: string;
  plainText: string;
  html: string;
}

export interface Mention {
  /** The Teams user: their sign-in name or e-mail address. */
  id: string;
  name: string;
}

interface Section {
  title: string;
  lines: { text: string; href: string }[];
  total: number;
}

/** The product's own page of a nonconformity, built from its ids. */
const nonconformityUrl = (site: string, nc: { labId: string; ncNumber: string }) =>
  `${site}/nonconformities/${encodeURIComponent(nc.labId)}/${encodeURIComponent(nc.ncNumber)}`;

/**
 * One line for a mail header (a subject, a display name): the values are checked when they are
 * saved, and a line break or other control character that still reaches here becomes a space.
 */
export function headerText(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function recordLine(site: string, labId: string, record: DigestRecord): { text: string; href: string } {
  return {
    text: `${record.recordNumber} · ${record.serialNumber} (${record.modelId}) · ${record.frequency}`,
    href: `${site}/records/${encodeURIComponent(labId)}/${encodeURIComponent(record.recordNumber)}`,
  };
}

function sectionsOf(digest: LabDigest, site: string): Section[] {
  const records = (title: string, list: DigestRecord[]): Section => ({
    title,
    lines: list.slice(0, rowsPerSection).map((record) => recordLine(site, digest.labId, record)),
    total: list.length,
  });
  return [
    records('Due today', digest.dueToday),
    records('Overdue (may still be completed late)', digest.overdue),
    records('Missed yesterday', digest.missedYesterday),
    {
      title: `Calibrations due within 14 days or overdue`,
      lines: digest.calibrations.slice(0, rowsPerSection).map((calibration) => ({
        text: `${calibration.serialNumber} (${calibration.modelId}) · ${calibration.daysLeft < 0 ? `overdue since ${calibration.due}` : calibration.daysLeft === 0 ? 'due today' : `due ${calibration.due}, in ${calibration.daysLeft} days`}`,
        href: `${site}/equipment/${encodeURIComponent(digest.labId)}/${encodeURIComponent(calibration.serialNumber)}/calibration`,
      })),
      total: digest.calibrations.length,
    },
    // Only labs whose plans define intermediate checks (§6.4.10) see this section.
    ...(digest.intermediateChecks.length
      ? [
          {
            title: 'Intermediate checks due within 14 days or overdue',
            lines: digest.intermediateChecks.slice(0, rowsPerSection).map((check) => ({
              text: `${check.serialNumber} (${check.modelId}) · ${check.daysLeft < 0 ? `overdue since ${check.due}` : check.daysLeft === 0 ? 'due today' : `due ${check.due}, in ${check.daysLeft} days`}`,
              href: `${site}/equipment/${encodeURIComponent(digest.labId)}/${encodeURIComponent(check.serialNumber)}/calibration`,
            })),
            total: digest.intermediateChecks.length,
          },
        ]
      : []),
    ...(digest.reviewsDue.length
      ? [
          {
            title: 'Periodic reviews due',
            lines: digest.reviewsDue.map((review) => ({ text: dueLine(review), href: `${site}/reviews` })),
            total: digest.reviewsDue.length,
          },
        ]
      : []),
    {
      title: 'Open nonconformities',
      lines: digest.nonconformities.slice(0, rowsPerSection).map((nc) => ({
        text: `${nc.ncNumber} · ${nc.serialNumber} · open ${nc.daysOpen} ${nc.daysOpen === 1 ? 'day' : 'days'} · ${nc.description.slice(0, 120)}`,
        href: nonconformityUrl(site, { labId: digest.labId, ncNumber: nc.ncNumber }),
      })),
      total: digest.nonconformities.length,
    },
  ];
}

const counted = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export function digestSubject(digest: LabDigest): string {
  const counts = [`${digest.dueToday.length} due today`, `${digest.overdue.length} overdue`, `${digest.missedYesterday.length} missed yesterday`];
  if (digest.calibrations.length > 0) counts.push(counted(digest.calibrations.length, 'calibration due', 'calibrations due'));
  if (digest.intermediateChecks.length > 0) counts.push(counted(digest.intermediateChecks.length, 'intermediate check due', 'intermediate checks due'));
  if (digest.nonconformities.length > 0) counts.push(counted(digest.nonconformities.length, 'open nonconformity', 'open nonconformities'));
  return headerText(`${digest.labName} (${digest.labId}) on ${digest.date}: ${counts.join(', ')}`);
}

const more = (section: Section) => section.total - section.lines.length;

export function renderDigestEmail(digest: LabDigest, site: string, recipientName: string, unsubscribeUrl: string): RenderedEmail {
  const sections = sectionsOf(digest, site);
  const text = [
    `Good morning ${recipientName},`,
    '',
    `This is the daily digest of ${digest.labName} (${digest.labId}) for ${digest.date}.`,
    ...sections.flatMap((section) => [
      '',
      `${section.title}: ${section.total}`,
      ...section.lines.map((line) => `  - ${line.text}\n    ${line.href}`),
      ...(more(section) > 0 ? [`  … and ${more(section)} more in the app`] : []),
    ]),
    '',
    `Open today's checklists: ${site}/`,
    '',
    `You receive this because you asked for the daily digest of ${digest.labId}. Stop it: ${unsubscribeUrl}`,
  ].join('\n');
  const html = [
    `<p>Good morning ${escapeHtml(recipientName)},</p>`,
    `<p>This is the daily digest of <strong>${escapeHtml(digest.labName)} (${escapeHtml(digest.labId)})</strong> for ${escapeHtml(digest.date)}.</p>`,
    ...sections.map(
      (section) =>
        `<h3>${escapeHtml(section.title)}: ${section.total}</h3>` +
        (section.lines.length > 0
          ? `<ul>${section.lines.map((line) => `<li><a href="${escapeHtml(line.href)}">${escapeHtml(line.text)}</a></li>`).join('')}</ul>`
          : '') +
        (more(section) > 0 ? `<p>… and ${more(section)} more in the app.</p>` : ''),
    ),
    `<p><a href="${escapeHtml(site)}/">Open today's checklists</a></p>`,
    `<p style="color:#666;font-size:12px">You receive this because you asked for the daily digest of ${escapeHtml(digest.labId)}. <a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>`,
  ].join('\n');
  return { subject: digestSubject(digest), plainText: text, html };
}

export function noticeSubject(nc: Pick<NonconformityDocument, 'source' | 'serialNumber' | 'ncNumber' | 'labId'>): string {
  return headerText(
    nc.source === 'calibration'
      ? `Out of tolerance: ${nc.serialNumber} is quarantined (${nc.ncNumber})`
      : `Quarantined: ${nc.serialNumber} is out of service (${nc.ncNumber})`,
  );
}

/** The lab a message speaks of: its name, and its zone, in which every time of the message is given. */
export interface MessageLab {
  name: string;
  timeZone: string;
}

/** A moment as the lab's people read it, with the zone: "Dec 6, 2026, 2:00 AM EST", never a raw ISO timestamp. */
export function labTime(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });
}

function noticeLines(nc: NonconformityDocument, lab: MessageLab): string[] {
  return [
    `${nc.serialNumber} (${nc.modelId}) at ${lab.name} (${nc.labId}) may not be used: nonconformity ${nc.ncNumber} quarantined it.`,
    nc.source === 'calibration'
      ? `Calibration ${nc.calibrationNumber ?? ''} found it out of tolerance as found.`
      : nc.source === 'pm-fault'
        ? `Checklist ${nc.recordNumber ?? ''} found a fault.`
        : 'A fault was reported.',
    `What was found: ${nc.description}`,
    `Opened by ${nc.openedBy.displayName} on ${labTime(nc.openedAt, lab.timeZone)}.`,
    ...(nc.items.length > 0 ? [`${nc.items.length} earlier results may be affected and wait for a Manager's disposition.`] : []),
  ];
}

export function renderNoticeEmail(nc: NonconformityDocument, lab: MessageLab, site: string, recipientName: string, unsubscribeUrl: string): RenderedEmail {
  const link = nonconformityUrl(site, nc);
  const lines = noticeLines(nc, lab);
  return {
    subject: noticeSubject(nc),
    plainText: [
      `${recipientName},`,
      '',
      ...lines,
      '',
      `Open the nonconformity: ${link}`,
      '',
      `You receive this because you asked for immediate notices. Stop them: ${unsubscribeUrl}`,
    ].join('\n'),
    html: [
      `<p>${escapeHtml(recipientName)},</p>`,
      ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
      `<p><a href="${escapeHtml(link)}">Open the nonconformity</a></p>`,
      `<p style="color:#666;font-size:12px">You receive this because you asked for immediate notices. <a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>`,
    ].join('\n'),
  };
}

/**
 * What a person typed, made safe to show in a card: control characters other than line feeds become
 * spaces, and `<at>` cannot open a mention (a zero-width space follows every "<"). The text goes only
 * into TextRuns, which do not parse Markdown, so "[a](b)" and "**" show as typed
 * (https://learn.microsoft.com/en-us/adaptive-cards/schema-explorer/text-run).
 */
export function inertCardText(text: string): string {
  return text.replace(/[^\P{Cc}\n]|[\u2028\u2029]/gu, ' ').replace(/</g, '<\u200B');
}

/** One line of a card's body as plain text, never Markdown; a link's target is always the product's own URL. */
function plainText(text: string, style: Record<string, unknown> = {}, url?: string) {
  const run = { type: 'TextRun', text: inertCardText(text), ...style, ...(url ? { selectAction: { type: 'Action.OpenUrl', url } } : {}) };
  return { type: 'RichTextBlock', inlines: [run] };
}

/**
 * A mention's name as it appears inside `<at>…</at>` in a TextBlock (mentions work only there): no
 * Markdown punctuation, angle brackets or control characters, so a name cannot close the tag or
 * format the card. The entity carries the same text; `mentioned.name` keeps the person's name.
 */
function mentionText(name: string): string {
  return `<at>${name
    .replace(/[\p{Cc}\u2028\u2029<>[\]()*_~`#|\\!]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()}</at>`;
}

/** The body a Workflows webhook takes: a message with one Adaptive Card (schema 1.4, what Teams renders). */
function adaptiveCardMessage(body: unknown[], actions: unknown[], mentions: readonly Mention[]): unknown {
  const mentionBlock =
    mentions.length > 0
      ? [{ type: 'TextBlock', wrap: true, spacing: 'Medium', text: `For ${mentions.map((mention) => mentionText(mention.name)).join(', ')}` }]
      : [];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [...body, ...mentionBlock],
          actions,
          msteams: {
            width: 'Full',
            entities: mentions.map((mention) => ({ type: 'mention', text: mentionText(mention.name), mentioned: { id: mention.id, name: mention.name } })),
          },
        },
      },
    ],
  };
}

export function digestCard(digest: LabDigest, site: string, mentions: readonly Mention[]): unknown {
  const sections = sectionsOf(digest, site);
  return adaptiveCardMessage(
    [
      plainText(`${digest.labName} (${digest.labId}): daily digest for ${digest.date}`, { size: 'Large', weight: 'Bolder' }),
      // FactSet values parse Markdown in Teams: only the product's section titles and counts go here.
      { type: 'FactSet', facts: sections.map((section) => ({ title: section.title, value: String(section.total) })) },
      ...sections
        .filter((section) => section.lines.length > 0)
        .map((section) => ({
          type: 'Container',
          spacing: 'Medium',
          items: [
            plainText(section.title, { weight: 'Bolder' }),
            ...section.lines.map((line) => plainText(`• ${line.text}`, {}, line.href)),
            ...(more(section) > 0 ? [plainText(`… and ${more(section)} more`)] : []),
          ],
        })),
    ],
    [{ type: 'Action.OpenUrl', title: "Open today's checklists", url: `${site}/` }],
    mentions,
  );
}

export function noticeCard(nc: NonconformityDocument, lab: MessageLab, site: string, mentions: readonly Mention[]): unknown {
  return adaptiveCardMessage(
    [plainText(noticeSubject(nc), { size: 'Large', weight: 'Bolder', color: 'Attention' }), ...noticeLines(nc, lab).map((line) => plainText(line))],
    [{ type: 'Action.OpenUrl', title: 'Open the nonconformity', url: nonconformityUrl(site, nc) }],
    mentions,
  );
}
