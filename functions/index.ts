/** The entry the Functions host loads: importing each area declares its functions. */
import { startTelemetry } from '../shared/platform/telemetry.js';
import './health.js';
import './auth.js';
import './users.js';
import './labs.js';
import './purge-sessions.js';
import './openapi.js';
import './not-found.js';

// Started before the first invocation; does nothing (and loads nothing) without a connection string.
startTelemetry().catch((error: unknown) => console.error('Application Insights could not start', error));
