/**
 * The import rules of docs/architecture.md ("Layers"), checked by `npm run check`. Layers, top to
 * bottom; a folder imports from its own layer (as its rules allow) and below, never up:
 *
 *   entry points    scripts/, bench/           (test/ sits above everything)
 *   processes       worker/, relay/, client/, sandbox/, wallet-service/   (never each other)
 *   runtime         runtime/
 *   Temporal code   workflows/, operations/ (the operators' workflows, same rules), activities/
 *   libraries       wallet/ above connectpsp/, ledger/   (no Temporal)
 *   domain          domain/                    (pure)
 *
 * Two passes, because TypeScript 7 offers dependency-cruiser no compiler API to tell `import type`
 * apart: this file checks the sources (every import, types included: layers and cycles), and
 * `.dependency-cruiser-compiled.cjs` checks the compiled dist/ (what really loads at run time:
 * what workflow code pulls in).
 */
const PROCESSES = ['worker', 'relay', 'client', 'sandbox', 'wallet-service'];
const folders = (names) => `^(${names.join('|')})/`;
const TOP = folders(['scripts', 'bench', 'test']);

/** A process importing another process (each is its own deployable; shared code goes to runtime/). */
const processIsolation = PROCESSES.map((name) => ({
  name: `${name}-imports-no-other-process`,
  comment: `${name}/ is a process: what it shares with another process belongs in runtime/ or below`,
  severity: 'error',
  from: { path: `^${name}/` },
  to: { path: folders(PROCESSES.filter((other) => other !== name)) },
}));

/** Each layer below the processes, and what it may never import (everything above it). */
const upward = [
  { layer: 'runtime', above: PROCESSES },
  { layer: 'workflows', above: [...PROCESSES, 'runtime'] },
  { layer: 'operations', above: [...PROCESSES, 'runtime'] },
  { layer: 'activities', above: [...PROCESSES, 'runtime'] },
  { layer: 'wallet', above: [...PROCESSES, 'runtime', 'workflows', 'operations', 'activities', 'connectpsp'] },
  {
    layer: 'connectpsp',
    above: [...PROCESSES, 'runtime', 'workflows', 'operations', 'activities', 'ledger', 'wallet'],
  },
  {
    layer: 'ledger',
    above: [...PROCESSES, 'runtime', 'workflows', 'operations', 'activities', 'connectpsp', 'wallet'],
  },
  {
    layer: 'domain',
    above: [...PROCESSES, 'runtime', 'workflows', 'operations', 'activities', 'connectpsp', 'ledger', 'wallet'],
  },
].map(({ layer, above }) => ({
  name: `${layer}-imports-nothing-above-it`,
  severity: 'error',
  from: { path: `^${layer}/` },
  to: { path: folders(above) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle: one of these modules belongs in a lower layer',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'nothing-imports-entry-points-or-tests',
      comment: 'scripts/, bench/ and test/ are the top layer: nothing below imports them',
      severity: 'error',
      from: { pathNot: TOP },
      to: { path: TOP },
    },
    {
      name: 'entry-points-import-no-tests',
      severity: 'error',
      from: { path: folders(['scripts', 'bench']) },
      to: { path: '^test/' },
    },
    ...processIsolation,
    ...upward,
    {
      name: 'sandbox-imports-no-psp-client',
      comment: 'the sandbox is the PSP: it shares wire schemas (domain/connectpsp) with the client, never its code',
      severity: 'error',
      from: { path: '^sandbox/' },
      to: { path: '^(connectpsp|activities)/' },
    },
    {
      name: 'wallet-service-imports-no-wallet-client',
      comment:
        'the reference wallet service stands for the platform: it shares the wire (domain/platform-wallet) with the HTTP wallet, never its code, and keeps its own books',
      severity: 'error',
      from: { path: '^wallet-service/' },
      to: { path: '^(wallet|ledger|connectpsp|activities)/' },
    },
    {
      name: 'workflows-import-only-the-workflow-sdk',
      comment:
        'workflow code runs in the deterministic sandbox: of packages, only the workflow SDK (and, for the telemetry interceptors, the OpenTelemetry API and interceptors made for the sandbox)',
      severity: 'error',
      from: { path: '^(workflows|operations)/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'],
        pathNot: '^node_modules/(@temporalio/(workflow|common|interceptors-opentelemetry)|@opentelemetry/api)/',
      },
    },
    {
      name: 'libraries-import-no-temporal',
      comment: 'connectpsp/, ledger/ and wallet/ are plain libraries: usable outside Temporal, tested without it',
      severity: 'error',
      from: { path: folders(['connectpsp', 'ledger', 'wallet']) },
      to: { path: '^node_modules/@temporalio/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ is pure: only domain/ and pure packages (no I/O, no clock, no Temporal client)',
      severity: 'error',
      from: { path: '^domain/' },
      to: {
        dependencyTypesNot: ['core'],
        pathNot: ['^domain/', '^node_modules/(zod|@noble/hashes|@brazilian-utils/brazilian-utils|@temporalio/common|jsonc-parser)/'],
      },
    },
    {
      name: 'domain-uses-only-crypto-of-node',
      comment: 'hashing and named randomness are the only Node APIs domain/ may use',
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.tools|\\.data|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // TypeScript 7 has no JavaScript compiler API; SWC (installed by @temporalio/worker) parses instead.
    parser: 'swc',
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.json'] },
  },
};
