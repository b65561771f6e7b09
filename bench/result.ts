/** What every benchmark returns: a name and named figures (units in the figure name). */
export interface BenchResult {
  name: string;
  figures: Record<string, number>;
}
