// Stands in for a lifecycle workflow in relay tests: takes the shared PSP-event signal under the id
// the relay routes to and records every envelope it receives.
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { type PspEventEnvelope, pspEventSignal } from '../workflows/messages';

export const probeEventsQuery = defineQuery<PspEventEnvelope[]>('probeEvents');
export const closeProbeSignal = defineSignal('closeProbe');

export async function relayProbeWorkflow(): Promise<PspEventEnvelope[]> {
  const events: PspEventEnvelope[] = [];
  let closed = false;
  setHandler(pspEventSignal, (envelope) => {
    events.push(envelope);
  });
  setHandler(probeEventsQuery, () => events);
  setHandler(closeProbeSignal, () => {
    closed = true;
  });
  await condition(() => closed);
  return events;
}
