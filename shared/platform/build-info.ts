import type { BuildInfo } from '../schemas/build-info.js';

/** Replaced by scripts/build.mjs with the commit and time of the build; absent when run from sources. */
declare const EMS_BUILD_INFO: BuildInfo | undefined;

const fromSources: BuildInfo = { version: process.env.npm_package_version ?? 'unknown', commit: null, dirty: false, builtAt: null };

/** The build this process runs. */
export function buildInfo(): BuildInfo {
  return typeof EMS_BUILD_INFO === 'undefined' ? fromSources : EMS_BUILD_INFO;
}
