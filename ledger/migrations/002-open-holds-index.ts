/**
 * Finding the holds not yet posted or voided (listOpenHolds: the integrity check and the
 * orphaned-hold metric, polled) reads only holds, not the whole journal.
 */
export const sql = `
CREATE INDEX ledger_transfers_holds ON ledger_transfers (seq) WHERE kind = 'pending';
`;
