import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that drive a browser take one to four minutes each, the others seconds. Without timings from
 * an earlier run (a fresh clone in CI) Vitest starts the largest files first, and a short browser file
 * could start last and run alone while the other worker idles. The browser files start first, in
 * Vitest's own order among themselves; the rest fill the time beside them.
 */
export default class BrowserFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const drivesBrowser = (file: TestSpecification) => /[\\/]web-app[^\\/]*\.test\.ts$/.test(file.moduleId);
    return [...sorted.filter(drivesBrowser), ...sorted.filter((file) => !drivesBrowser(file))];
  }
}
