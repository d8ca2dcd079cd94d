/** Every function of the product: importing each area declares its functions. */
import './health.js';
import './auth.js';
import './users.js';
import './labs.js';
import './equipment-classes.js';
import './models.js';
import './equipment.js';
import './records.js';
import './generator.js';
import './audit.js';
import './reports.js';
import './purge-expired.js';
import './openapi.js';
import './not-found.js';
