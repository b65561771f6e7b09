// `npm run histories:record` and `npm run histories:compare`: manual steps, not part of `npm test`.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.mts';

export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/replay/*.histories.ts'], testTimeout: 180_000 },
});
