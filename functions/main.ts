/** The entry the Functions host loads (package.json "main"). */
import './index.js';
import { startTelemetry } from '../shared/platform/telemetry.js';

// Before the first invocation; loads nothing without a connection string. Invalid settings throw
// here, so the host reports the one-line configuration error at start.
void startTelemetry();
