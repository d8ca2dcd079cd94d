import { settings } from '../shared/platform/config.js';
import { newLocalBreakGlassToken } from './break-glass-token.js';

// `npm run break-glass`: whoever can run commands in the installation's folder can let an
// Administrator in again (docs/operating-on-azure.md, "Break-glass"). The running product reads the file at each attempt.
const token = await newLocalBreakGlassToken(settings().LOCAL_DATA_DIR);
console.log('One-time break-glass token (it works once; running this again replaces it):');
console.log(`  ${token}`);
console.log('Send it to POST /api/setup/break-glass with the Administrator to unlock or create; see "Break-glass" in docs/operating-on-azure.md.');
