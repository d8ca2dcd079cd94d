/** The kinds of document a lab numbers in its own sequence. */
export type NumberedKind = 'record' | 'calibration' | 'nonconformity' | 'request' | 'review';

/** How each kind's number reads after the lab's id: records keep the old system's form (no separator), which imported data and printed labels carry. */
const infixes: Record<NumberedKind, string> = { record: '', calibration: '-CAL-', nonconformity: '-NC-', request: '-REQ-', review: '-REV-' };

/**
 * A lab's number for the `sequence`-th document of a kind: `LAB01000123`, `LAB01-CAL-000001`,
 * `LAB01-NC-000001`, `LAB01-REQ-000001`. Six digits at least; more after 999,999, so numbers never wrap.
 */
export function labNumber(kind: NumberedKind, labId: string, sequence: number): string {
  return `${labId}${infixes[kind]}${String(sequence).padStart(6, '0')}`;
}
