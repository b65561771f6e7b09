/**
 * The second pass of the import rules (see .dependency-cruiser.cjs): over the compiled dist/, where
 * `import type` has been erased, so each edge is code that really loads. Workflow code must reach
 * no activity, library or runtime module and no Node built-in: any of them would pull I/O into the
 * deterministic workflow sandbox.
 */
const NODE_BUILTINS = `^(node:)?(${require('node:module').builtinModules.join('|')})$`;

module.exports = {
  forbidden: [
    {
      name: 'workflows-load-no-side-effecting-module',
      comment: 'workflows import activities and libraries as types only (`import type`)',
      severity: 'error',
      from: { path: '^dist/(workflows|operations)/' },
      to: {
        path: '^dist/(activities|connectpsp|ledger|wallet|runtime|worker|relay|client|sandbox|wallet-service|scripts|bench)/',
      },
    },
    {
      name: 'workflows-reach-no-node-built-in',
      comment: 'a Node built-in reached from workflow code breaks the bundle and determinism',
      severity: 'error',
      from: { path: '^dist/(workflows|operations)/' },
      to: { path: NODE_BUILTINS, reachable: true },
    },
    {
      name: 'activities-load-no-workflow-code',
      comment: 'activities may name workflow message types, never run workflow code',
      severity: 'error',
      from: { path: '^dist/activities/' },
      to: { path: '^dist/(workflows|operations)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.map$' },
  },
};
