/** The benchmarks `--only a,b` names (all without it); an unknown name is refused before anything runs. */
export function chosenBenches(argv: readonly string[], known: readonly string[]): string[] {
  const flag = argv.find((arg) => arg.startsWith('--only='));
  const index = argv.indexOf('--only');
  const value = flag ? flag.slice('--only='.length) : index >= 0 ? (argv[index + 1] ?? '') : undefined;
  if (value === undefined) return [...known];
  const names = value.split(',').filter(Boolean);
  const unknown = names.filter((name) => !known.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only must name benchmarks among ${known.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return names;
}
