// vitest/node is an ES module; this CommonJS project may only name its types with resolution-mode.
export type TestProject = import('vitest/node', { with: { 'resolution-mode': 'import' }}).TestProject;
