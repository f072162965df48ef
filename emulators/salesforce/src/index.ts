import { makeControl, SalesforceControl } from './control';
import { SalesforceEmulatorOptions } from './options';
import { createServer } from './server';

export type { SalesforceEmulatorOptions } from './options';
export type { SalesforceControl } from './control';
export type { FaultRule } from './faults';
export type { SeedData } from './seed';

export interface RunningSalesforceEmulator {
  /** Origin the emulator listens on, e.g. `http://127.0.0.1:41234` (use as loginUrl and instanceUrl). */
  url: string;
  /** Pub/Sub API endpoint (`http://127.0.0.1:PORT`, plaintext gRPC) when started with `pubsub`. */
  pubsubUrl?: string;
  control: SalesforceControl;
  close(): Promise<void>;
}

/** Starts an in-process Salesforce org emulator (random port unless `port` is given). */
export async function startSalesforceEmulator(options: SalesforceEmulatorOptions): Promise<RunningSalesforceEmulator> {
  const es = createServer(options);
  const url = await es.listen();
  const control = makeControl(es);
  return { url, pubsubUrl: es.pubsub?.url, control, close: () => es.close() };
}
