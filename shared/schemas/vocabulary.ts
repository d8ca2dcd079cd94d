/**
 * The fixed words of the domain as plain lists: the schemas build their enums from them, and the web
 * app imports them from here so that its bundle does not carry zod.
 */
export const frequencies = ['Daily', 'Weekly', 'Monthly', 'Quarterly', 'Annual'] as const;
export const taskKinds = ['check', 'reading'] as const;
export const companyRoles = ['Administrator', 'Global Audit'] as const;
export const labRoles = ['Manager', 'Local Audit', 'Technician'] as const;
export const roles = [...companyRoles, ...labRoles] as const;
export const equipmentStatuses = ['In Service', 'Out of Service', 'Repair onsite', 'Repair offsite', 'Retired onsite', 'Retired offsite'] as const;
export const recordStatuses = ['Open', 'Completed', 'Missed', 'Cancelled'] as const;
/** What a completion signature means (21 CFR Part 11 §11.50); amendments always mean "Amended by". */
/** Completion is signed by who performed the PM; a second person verifies it where the model asks for that. */
export const completionMeanings = ['Performed by'] as const;
export const verificationMeaning = 'Verified by';
export const amendmentMeaning = 'Amended by';
export const justificationMeaning = 'Justified by';
export const userStatuses = ['Active', 'Locked', 'Disabled'] as const;
/** What opened a nonconformity (SPEC §10). */
export const nonconformitySources = ['calibration', 'pm-fault', 'reported', 'intermediate-check'] as const;
/** A Manager's word on each result a nonconformity may have touched. */
export const dispositions = ['No impact', 'Re-test', 'Recalibrate', 'Customer notified'] as const;
/** The statuses a repair moves a quarantined machine through. */
export const repairStatuses = ['Repair onsite', 'Repair offsite'] as const;

/**
 * The largest photo a problem report at the machine takes: in base64 it fits the API's 1 MiB JSON body.
 * The web app shrinks a larger camera photo to fit before sending.
 */
export const problemPhotoMaxBytes = 700 * 1024;
