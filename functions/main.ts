/** The entry the Functions host loads (package.json "main"). */
import { app } from '@azure/functions';
import './index.js';
import { startTelemetry } from '../shared/platform/telemetry.js';

// Certificates (up to 20 MB) stream in and out instead of being held whole in memory; every other
// endpoint reads its small JSON body from the stream as before.
app.setup({ enableHttpStream: true });

// Before the first invocation; loads nothing without a connection string. Invalid settings throw
// synchronously here, so the host reports the one-line configuration error at start; a telemetry
// SDK that fails to load is only logged, since the API works without it.
startTelemetry().catch((error: unknown) => console.error('Application Insights could not start', error));
