// A minimal workflow for the harness test: waits for a signal, then runs an activity.
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export interface GreetingActivities {
  composeGreeting(name: string, greeting: string): Promise<string>;
}

export const setGreetingSignal = defineSignal<[string]>('setGreeting');
export const greetingStateQuery = defineQuery<string>('greetingState');

const { composeGreeting } = proxyActivities<GreetingActivities>({ startToCloseTimeout: '10 seconds' });

export async function greetingWorkflow(name: string): Promise<string> {
  let greeting: string | undefined;
  setHandler(setGreetingSignal, (value) => {
    greeting = value;
  });
  setHandler(greetingStateQuery, () => (greeting === undefined ? 'waiting' : 'greeting'));
  await condition(() => greeting !== undefined);
  return composeGreeting(name, greeting as string);
}
