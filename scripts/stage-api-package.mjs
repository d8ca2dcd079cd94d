// Stages what `azd deploy` zips for the API (azure.yaml: services.api.dist) in dist/api-package/.
//
// Flex Consumption builds the package remotely on Linux when it holds no node_modules (azd asks for a
// remote build when .funcignore excludes node_modules). That build is Oryx: it runs `npm install`, which
// installs devDependencies too, and then `npm run build` whenever package.json has a build script. So
// the staged package.json keeps only what runs in Azure (no scripts, no devDependencies) and the lock
// file loses the entries only devDependencies need: the remote build installs exactly the production
// dependencies, natively for Linux, whichever machine deployed.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const apiPackageDir = 'dist/api-package';

export function stageApiPackage() {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  rmSync(apiPackageDir, { recursive: true, force: true });

  for (const file of ['host.json', 'THIRD_PARTY_NOTICES.md', manifest.main, `${manifest.main}.map`]) {
    mkdirSync(dirname(join(apiPackageDir, file)), { recursive: true });
    copyFileSync(file, join(apiPackageDir, file));
  }

  const { name, version, private: isPrivate, description, type, main, engines, dependencies } = manifest;
  const deployed = { name, version, private: isPrivate, description, type, main, engines, dependencies };
  writeFileSync(join(apiPackageDir, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);

  const { devDependencies: _, ...root } = lock.packages[''];
  const packages = Object.fromEntries(Object.entries(lock.packages).filter(([, entry]) => !entry.dev));
  writeFileSync(join(apiPackageDir, 'package-lock.json'), `${JSON.stringify({ ...lock, name, version, packages: { ...packages, '': root } }, null, 2)}\n`);
}
