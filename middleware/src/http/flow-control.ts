/** What the admin API needs from the running connector. The engine's runner implements it; tests use a fake. */
export interface FlowSummary {
  name: string;
  enabled: boolean;
  trigger: string;
  schedule?: string | null;
  description?: string;
  /** What the flow reads and writes (record keys are `<system>:<object>:<id>`). */
  source?: { system: string; object: string };
  target?: { system: string; object: string };
  /** Link group: the two directions of a two-way flow share links, conflicts and quarantine under it. */
  group?: string;
  /** The flow can read one source record by id (preview by id, replay from the source). */
  readsById?: boolean;
}

/** What a preview is asked about: a source record as the flow reads it, or the id of one to read from the source. */
export type PreviewInput = { record: Record<string, unknown> } | { id: string };

export interface FlowControl {
  listFlows(): FlowSummary[];
  /**
   * Starts a run and answers once it has started (`running` with its id), without waiting for it to finish; or says
   * why it did not start (`paused`, `busy`: another instance is running it).
   */
  runNow(flow: string): Promise<{ runId: string | null; status: string; error?: string }>;
  /** Pause, resume and replay are audited by the implementation, as `actor`. */
  pause(flow: string, actor: string, reason?: string): Promise<void>;
  resume(flow: string, actor: string): Promise<void>;
  replayDeadLetter(id: number, actor: string): Promise<{ status: string; message?: string }>;
  /** Writes the winner's value to the losing side and closes the conflict; audited by the implementation. */
  resolveConflict(id: number, resolution: 'salesforce' | 'coupa', actor: string): Promise<{ written: boolean; action: string }>;
  /** Dry run: the exact payload a flow would write for one source record, or why it would write nothing. */
  preview(flow: string, input: PreviewInput): Promise<unknown>;
  /** Whether the flow is running in this instance right now, and when its schedule fires next. */
  runtime?(flow: string): Promise<{ running: boolean; nextRun: string | null }>;
  isReady(): boolean;
}

export class UnknownFlowError extends Error {
  constructor(readonly flow: string) {
    super(`unknown flow "${flow}"`);
  }
}
