/** Every function of the product: importing each area declares its functions. */
import { authenticate, recordDeniedRequest } from '../shared/auth/request-principal.js';
import { useAfterChange } from '../shared/equipment/after-change.js';
import { reconcileLabs } from '../shared/jobs/generator-runs.js';
import { openForFaultyRecord } from '../shared/nonconformities/pm-faults.js';
import { sendNoticeNow } from '../shared/notifications/notification-runs.js';
import { useAuthenticator } from '../shared/platform/http-pipeline.js';
import './health.js';
import './setup.js';
import './auth.js';
import './users.js';
import './labs.js';
import './equipment-classes.js';
import './models.js';
import './equipment.js';
import './calibration.js';
import './calibration-interval-review.js';
import './intermediate-checks.js';
import './nonconformities.js';
import './labels.js';
import './problem-reports.js';
import './records.js';
import './generator.js';
import './notifications.js';
import './audit.js';
import './reviews.js';
import './api-keys.js';
import './machine-fitness.js';
import './meters.js';
import './odata.js';
import './webhooks.js';
import './reports.js';
import './purge-expired.js';
import './openapi.js';
import './not-found.js';

useAuthenticator({ authenticate, recordDeniedRequest });
// What follows a change to machines: the lab run, a fault's nonconformity, a quarantine's notice.
useAfterChange({ machinesChanged: reconcileLabs, faultFound: openForFaultyRecord, nonconformityOpened: sendNoticeNow });
