/** The cost table of docs/capacity.md, between its two markers, as the capacity test reads and prints it. */

export const TABLE_START = '<!-- capacity-table:start -->';
export const TABLE_END = '<!-- capacity-table:end -->';

export interface CostRow {
  actions: number;
  events: number;
  pspCalls: number;
  ledgerTransactions: number;
  actionsByKind: Record<string, number>;
}

export type DocumentedRow = Omit<CostRow, 'actionsByKind'>;

/** `| name | actions | events | PSP calls | ledger transactions |` rows by name. */
export function capacityTable(markdown: string): Map<string, DocumentedRow> {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`the capacity table must sit between ${TABLE_START} and ${TABLE_END}`);
  const rows = new Map<string, DocumentedRow>();
  for (const line of markdown.slice(start, end).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // ['', name, actions, events, psp, ledger, ''] for a data row
    const numbers = cells.slice(2, 6).map(Number);
    if (cells.length !== 7 || numbers.some((n) => !Number.isInteger(n))) continue;
    const [actions, events, pspCalls, ledgerTransactions] = numbers as [number, number, number, number];
    rows.set(cells[1] as string, { actions, events, pspCalls, ledgerTransactions });
  }
  return rows;
}

export function formatCostRow(name: string, row: DocumentedRow): string {
  return `| ${name} | ${row.actions} | ${row.events} | ${row.pspCalls} | ${row.ledgerTransactions} |`;
}
