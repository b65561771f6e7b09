import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The compiled files an entry reaches, and the packages they import (each with the first file importing it). */
export interface ImportClosure {
  files: Set<string>;
  packages: Map<string, string>;
}

const SPECIFIERS = {
  // require("x"), and import("x") (tsc keeps dynamic imports of ES modules as they are)
  js: /\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g,
  // import/export … from "x", import("x") types
  'd.ts': /(?:\bfrom\s+|\bimport\(\s*)["']([^"']+)["']/g,
};

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/**
 * Follows the relative imports of compiled files from `entries` (all `.js`, or all `.d.ts`):
 * what loads at run time, or what a type checker reads. Node built-ins are left out.
 */
export function importClosure(entries: string[], kind: keyof typeof SPECIFIERS): ImportClosure {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const candidates = (base: string) =>
    kind === 'js'
      ? [base, `${base}.js`, path.join(base, 'index.js')]
      : [`${base}.d.ts`, path.join(base, 'index.d.ts')];
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIERS[kind])) {
      if (!specifier || specifier.startsWith('node:')) continue;
      if (!specifier.startsWith('.')) {
        if (!packages.has(packageOf(specifier))) packages.set(packageOf(specifier), file);
        continue;
      }
      const resolved = path.resolve(path.dirname(file), specifier);
      const target = candidates(kind === 'js' ? resolved : resolved.replace(/\.js$/, '')).find(
        (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
      );
      if (!target) throw new Error(`${file} imports ${specifier}, which is not there`);
      if (target.endsWith('.js') || target.endsWith('.d.ts')) visit(target);
      else files.add(target); // e.g. a JSON file
    }
  };
  for (const entry of entries) visit(entry);
  return { files, packages };
}
