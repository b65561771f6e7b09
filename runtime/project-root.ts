import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root, whether this runs from source (scripts/) or compiled (dist/scripts/). */
export const PROJECT_ROOT = existsSync(path.resolve(__dirname, '..', 'package.json'))
  ? path.resolve(__dirname, '..')
  : path.resolve(__dirname, '..', '..');
