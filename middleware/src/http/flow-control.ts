/** What the admin API needs from the running connector. The engine's runner implements it; tests use a fake. */
export interface FlowSummary {
  name: string;
  enabled: boolean;
  trigger: string;
  schedule?: string | null;
  description?: string;
}

export interface FlowControl {
  listFlows(): FlowSummary[];
  runNow(flow: string): Promise<{ runId: string | null; status: string }>;
  /** Pause, resume and replay are audited by the implementation, as `actor`. */
  pause(flow: string, actor: string, reason?: string): Promise<void>;
  resume(flow: string, actor: string): Promise<void>;
  replayDeadLetter(id: number, actor: string): Promise<{ status: string; message?: string }>;
  /** Writes the winner's value to the losing side and closes the conflict; audited by the implementation. */
  resolveConflict(id: number, resolution: 'salesforce' | 'coupa', actor: string): Promise<{ written: boolean; action: string }>;
  /** Dry run: the exact payload and field diff a flow would write for one source record. */
  preview(flow: string, source: Record<string, unknown>): Promise<unknown>;
  isReady(): boolean;
}

export class UnknownFlowError extends Error {
  constructor(readonly flow: string) {
    super(`unknown flow "${flow}"`);
  }
}
