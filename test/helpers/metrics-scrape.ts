/**
 * Reads a Prometheus /metrics page into samples to look up. A few lines of parsing: the one parser
 * on the registry (parse-prometheus-text-format 1.1.1) merges the label sets of a histogram into
 * one sample, which is exactly what these tests look at.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

export class Scrape {
  readonly samples: Sample[] = [];
  private readonly types = new Map<string, string>();

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)/.exec(line);
      if (type) this.types.set(type[1] as string, type[2] as string);
      const sample = SAMPLE_LINE.exec(line);
      if (!sample || line.startsWith('#')) continue;
      const labels = Object.fromEntries(
        [...(sample[2] ?? '').matchAll(LABEL)].map((m) => [
          m[1] as string,
          JSON.parse(`"${m[2]}"`) as string,
        ]),
      );
      this.samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
    }
  }

  static async of(url: string): Promise<Scrape> {
    const response = await fetch(`${url}/metrics`);
    if (response.status !== 200) throw new Error(`GET ${url}/metrics answered ${response.status}`);
    return new Scrape(await response.text());
  }

  /** `counter`, `gauge`, `histogram`, ... as the page declares it. */
  type(name: string): string | undefined {
    return this.types.get(name);
  }

  /** The samples of `name` (a histogram's: its `_count` series) whose labels include `labels`. */
  find(name: string, labels: Record<string, string> = {}): Sample[] {
    const series = this.type(name) === 'histogram' ? `${name}_count` : name;
    return this.samples.filter(
      (s) => s.name === series && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    );
  }

  /** The value of the first matching sample (a histogram's observation count); undefined when none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    return this.find(name, labels)[0]?.value;
  }
}
