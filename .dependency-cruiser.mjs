/**
 * The import rules of the repository, checked by `npm run lint` (dependency-cruiser).
 * The rooms of shared/ in their order: each imports only from rooms before it, type imports included
 * (README, "The order of the rooms in shared/", says why each room stands where it does).
 */
const rooms = [
  'schemas',
  'domain',
  'platform',
  'data',
  'storage',
  'auth',
  'users',
  'labs',
  'setup',
  'catalog',
  'signing',
  'equipment',
  'meters',
  'records',
  'nonconformities',
  'calibration',
  'reviews',
  'notifications',
  'jobs',
  'audit',
  'labels',
  'reports',
  'integrations',
];

const roomRules = rooms.map((room, index) => ({
  name: `room-order-${room}`,
  comment: `shared/${room}/ imports only from the rooms before it: ${rooms.slice(0, index).join(', ') || 'none'}.`,
  severity: 'error',
  from: { path: `^shared/${room}/` },
  to: { path: `^shared/(?!(${[...rooms.slice(0, index + 1)].join('|')})/)` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module reaches itself through its imports, type imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...roomRules,
    {
      name: 'shared-stands-alone',
      comment: 'shared/ is what the entry points call; it never imports them, the local host, the tests or the web app.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(functions|local|test|static-web|scripts)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import names a module that exists.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|\\.data)/|^static-web/(app|sw)\\.js$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
