/**
 * The agent gateway: who may call which tool, how often, with what arguments; writes wait for an approval; every
 * call is audited (tool, arguments, outcome, latency, approval). Transports (Streamable HTTP, stdio) only carry it.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Approval } from '../store';
import { bounded, type Bounds } from './bounds';
import { READ_TOOLS, type AgentRole, type McpConfig, type ToolName } from './config';
import { approvalView, ToolError, TOOLS, type ToolDef, type ToolDeps } from './tools';

export interface Principal {
  /** Configured token name (`admin` for the admin token when accepted). */
  name: string;
  role: AgentRole;
  /** Short digest of the token, for the audit log (never the token). */
  fingerprint: string;
  tools: ReadonlySet<ToolName>;
  autoApprove: ReadonlySet<ToolName>;
  requestsPerMinute: number;
}

export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'admin-token-refused' };

/** An approved write not finished after this long was interrupted (the longest tool waits 15 s for a busy flow). */
export const RECOVERY_GRACE_MS = 5 * 60_000;
const INTERRUPTED_NOTE = 'interrupted: the connector stopped while this write ran; re-running it';

const digest = (s: string) => createHash('sha256').update(s).digest();
const ALL = new Set(TOOLS.map((t) => t.name));
const canonical = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
    : Array.isArray(v)
      ? v.map(canonical)
      : v;

export class AgentGateway {
  private readonly known: Array<{ digest: Buffer; principal: Principal }>;
  private readonly adminDigest: Buffer | null;
  private readonly acceptAdmin: boolean;
  readonly bounds: Bounds;

  constructor(
    private readonly deps: ToolDeps & { logger: Logger },
    readonly config: McpConfig,
    adminToken?: string,
  ) {
    this.bounds = { maxListItems: config.maxListItems, maxTextLength: config.maxTextLength };
    const perMinute = config.rateLimit.requestsPerMinute;
    this.known = config.tokens.map((t) => {
      const d = digest(t.secret);
      const roleTools = t.role === 'agent' ? ALL : new Set<ToolName>(READ_TOOLS);
      const tools = new Set([...roleTools].filter((n) => t.tools.includes('*') || (t.tools as string[]).includes(n)));
      return {
        digest: d,
        principal: {
          name: t.name,
          role: t.role,
          fingerprint: d.toString('hex').slice(0, 8),
          tools,
          autoApprove: new Set(t.autoApprove.filter((n) => tools.has(n))),
          requestsPerMinute: t.requestsPerMinute ?? perMinute,
        },
      };
    });
    this.adminDigest = adminToken ? digest(adminToken) : null;
    this.acceptAdmin = config.acceptAdminToken;
  }

  /** The principal of a presented token, compared as SHA-256 digests in constant time. */
  authenticate(token: string | undefined | null): AuthResult {
    if (!token) return { ok: false, reason: 'unknown' };
    const presented = digest(token.trim());
    const hit = this.known.find((k) => timingSafeEqual(k.digest, presented));
    if (hit) return { ok: true, principal: hit.principal };
    if (this.adminDigest && timingSafeEqual(this.adminDigest, presented)) {
      if (!this.acceptAdmin) return { ok: false, reason: 'admin-token-refused' };
      const perMinute = this.config.rateLimit.requestsPerMinute;
      return {
        ok: true,
        principal: { name: 'admin', role: 'agent', fingerprint: this.adminDigest.toString('hex').slice(0, 8), tools: ALL, autoApprove: new Set(), requestsPerMinute: perMinute },
      };
    }
    return { ok: false, reason: 'unknown' };
  }

  /** The tools a principal may call, as MCP tool descriptions (others are not listed, and refused when called). */
  listTools(p: Principal): Array<{ name: string; title: string; description: string; inputSchema: Record<string, unknown>; annotations: Record<string, unknown> }> {
    return TOOLS.filter((t) => p.tools.has(t.name)).map((t) => ({
      name: t.name,
      title: t.title,
      description:
        t.kind === 'write' && !p.autoApprove.has(t.name)
          ? `${t.description} Answers "pending_approval" with an approvalId; poll get_approval for the outcome.`
          : t.description,
      inputSchema: z.toJSONSchema(t.input, { io: 'input' }) as Record<string, unknown>,
      annotations: { title: t.title, readOnlyHint: t.kind === 'read', destructiveHint: false, idempotentHint: true, openWorldHint: t.kind === 'write' },
    }));
  }

  private actor(p: Principal): string {
    return `agent:${p.name}`;
  }

  private async audit(p: Principal, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.store.audit(this.actor(p), 'mcp.tool', bounded({ token: p.name, fingerprint: p.fingerprint, ...detail }, this.bounds));
    } catch (err) {
      this.deps.logger.error({ err }, 'could not write the MCP audit entry');
    }
  }

  private result(value: Record<string, unknown>, isError = false): ToolResult {
    const safe = bounded(value, this.bounds) as Record<string, unknown>;
    return { content: [{ type: 'text', text: JSON.stringify(safe) }], structuredContent: safe, ...(isError ? { isError: true } : {}) };
  }

  private error(message: string): ToolResult {
    return { content: [{ type: 'text', text: String(bounded(message, this.bounds)) }], isError: true };
  }

  /** One tool call: rate limit → allow-list → argument validation → read, or approval for a write. Always audited. */
  async call(p: Principal, name: string, rawArgs: unknown, transport: 'http' | 'stdio'): Promise<ToolResult> {
    const started = Date.now();
    const done = async (outcome: string, res: ToolResult, extra: Record<string, unknown> = {}) => {
      await this.audit(p, { tool: name, arguments: rawArgs ?? {}, outcome, latencyMs: Date.now() - started, transport, ...extra });
      return res;
    };
    // Counted in the state store: instances sharing one PostgreSQL database share each token's limit.
    const rate = await this.deps.store.takeAgentCall(p.name, p.requestsPerMinute);
    if (!rate.ok) return done('rate-limited', this.error(`rate limited: at most ${p.requestsPerMinute} tool calls a minute for this token; retry in ${rate.retryAfterSeconds} s`));
    const tool = TOOLS.find((t) => t.name === name);
    if (!tool || !p.tools.has(tool.name)) {
      return done('refused', this.error(tool ? `forbidden: this token (role ${p.role}) may not call ${name}` : `unknown tool ${name}`));
    }
    const parsed = tool.input.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
      return done('invalid-arguments', this.error(`invalid arguments for ${name}: ${why}`));
    }
    const args = parsed.data as Record<string, unknown>;
    if (tool.kind === 'read') {
      try {
        let value = await tool.run(args, { deps: this.deps, bounds: this.bounds, actor: this.actor(p), token: p.name });
        if (tool.name === 'get_approval' && value.status === 'approved') {
          // Polling a write that should long have finished: it was interrupted; recover it now.
          const [recovered] = await this.recoverInterrupted({ only: String(args.approvalId) });
          if (recovered) value = approvalView(recovered);
        }
        return done('ok', this.result(value));
      } catch (err) {
        return done('error', this.toolFailure(err), { error: err instanceof Error ? err.message : String(err) });
      }
    }
    // A write: one approval per token, tool and arguments while it is pending, running or succeeded (calling twice does one thing).
    const dedupeKey = createHash('sha256').update(JSON.stringify([p.name, name, canonical(args)])).digest('hex');
    const auto = p.autoApprove.has(tool.name);
    const { created, approval } = await this.deps.store.createApproval({
      id: `apr-${randomUUID()}`,
      token: p.name,
      tool: name,
      args,
      dedupeKey,
      status: auto ? 'approved' : 'pending',
      decidedBy: auto ? `policy:${p.name}` : null,
    });
    let final = approval;
    if (created && auto) final = await this.execute(approval, tool, this.actor(p));
    const outcome = created ? (auto ? final.status : 'pending-approval') : `repeat-of-${approval.status}`;
    return done(outcome, this.approvalResult(final, !created), { approvalId: approval.id, ...(final.error ? { error: final.error } : {}) });
  }

  private approvalResult(a: Approval, repeated: boolean): ToolResult {
    const view = approvalView(a);
    if (a.status === 'pending') {
      return this.result({
        ...view,
        status: 'pending_approval',
        message: `${repeated ? 'The same request is already waiting' : 'Waiting'} for an operator's approval (approval ${a.id}). Poll get_approval with this approvalId for the outcome.`,
      });
    }
    return this.result(view, a.status === 'failed' || a.status === 'rejected');
  }

  private toolFailure(err: unknown): ToolResult {
    if (err instanceof ToolError) return this.error(err.message);
    this.deps.logger.error({ err }, 'MCP tool failed');
    return this.error(`the tool failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Runs an approved write through its tool (the engine), recording the result or the error on the approval. */
  private async execute(a: Approval, tool: ToolDef, actor: string): Promise<Approval> {
    let patch: { status: 'succeeded' | 'failed'; result?: unknown; error?: string };
    try {
      const value = await tool.run(tool.input.parse(a.args), { deps: this.deps, bounds: this.bounds, actor, token: a.token });
      patch = { status: 'succeeded', result: bounded(value, this.bounds) };
    } catch (err) {
      if (!(err instanceof ToolError)) this.deps.logger.error({ err, approval: a.id, tool: a.tool }, 'approved MCP write failed');
      patch = { status: 'failed', error: String(bounded(err instanceof Error ? err.message : String(err), this.bounds)) };
    }
    await this.deps.store.transitionApproval(a.id, 'approved', patch);
    return (await this.deps.store.getApproval(a.id)) ?? a;
  }

  // ---- approvals whose write was interrupted ----

  /**
   * Approvals left `approved` by a process that stopped while their write ran (decided more than `graceMs` ago, longer
   * than any tool runs): each is claimed by one instance and run again through its tool (every write tool is
   * idempotent: it checks the link, the request, the dead letter or the conflict first), or marked failed when the
   * re-run was itself interrupted (started more than `graceMs` ago and never finished). Runs at start and when an
   * agent polls such an approval.
   */
  async recoverInterrupted(opts: { graceMs?: number; only?: string } = {}): Promise<Approval[]> {
    const cutoff = Date.now() - (opts.graceMs ?? RECOVERY_GRACE_MS);
    const staleBefore = new Date(cutoff).toISOString();
    const stuck = opts.only
      ? [await this.deps.store.getApproval(opts.only)].filter((a): a is Approval => a?.status === 'approved')
      : await this.deps.store.listApprovals({ status: 'approved', limit: 1000 });
    const done: Approval[] = [];
    for (const a of stuck.filter((x) => Date.parse(x.decidedAt ?? x.createdAt) <= cutoff)) {
      const claim = await this.deps.store.claimApprovalRecovery(a.id, INTERRUPTED_NOTE, staleBefore);
      if (claim === 'not-approved' || claim === 'running') continue;
      const tool = TOOLS.find((t) => t.name === a.tool);
      let finished: Approval;
      if (claim === 'interrupted-again' || !tool) {
        const error = tool
          ? 'interrupted twice (the connector stopped while the write ran, and again while it was re-run); not run again: check both systems and ask again'
          : `unknown tool ${a.tool}`;
        await this.deps.store.transitionApproval(a.id, 'approved', { status: 'failed', error });
        finished = (await this.deps.store.getApproval(a.id)) ?? a;
      } else {
        this.deps.logger.warn({ approval: a.id, tool: a.tool }, 're-running an approved MCP write interrupted by a stop');
        finished = await this.execute(a, tool, `agent:${a.token} approved by ${a.decidedBy ?? 'unknown'} (recovered)`);
      }
      await this.deps.store.audit('connector', 'mcp.approval.recovered', { id: a.id, tool: a.tool, status: finished.status, error: finished.error });
      done.push(finished);
    }
    return done;
  }

  // ---- operators (admin API) ----

  listApprovals(opts: { status?: Approval['status']; limit?: number }): Promise<Approval[]> {
    return this.deps.store.listApprovals(opts);
  }

  getApproval(id: string): Promise<Approval | null> {
    return this.deps.store.getApproval(id);
  }

  /**
   * An operator's decision. Approving runs the write at once (the engine's flow) and answers with its outcome;
   * rejecting records the reason. Null when there is no such approval; `conflict` when it was already decided.
   */
  async decide(id: string, decision: 'approve' | 'reject', operator: string, reason?: string): Promise<{ approval: Approval } | { conflict: Approval } | null> {
    const a = await this.deps.store.getApproval(id);
    if (!a) return null;
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const moved = await this.deps.store.transitionApproval(id, 'pending', { status, decidedBy: operator, reason: reason ?? null });
    if (!moved) return { conflict: (await this.deps.store.getApproval(id)) ?? a };
    await this.deps.store.audit(operator, `mcp.approval.${decision}`, { id, token: a.token, tool: a.tool, arguments: a.args, reason: reason ?? null });
    const decided = (await this.deps.store.getApproval(id)) ?? a;
    if (decision === 'reject') return { approval: decided };
    const tool = TOOLS.find((t) => t.name === a.tool);
    if (!tool) {
      await this.deps.store.transitionApproval(id, 'approved', { status: 'failed', error: `unknown tool ${a.tool}` });
      return { approval: (await this.deps.store.getApproval(id)) ?? decided };
    }
    const finished = await this.execute(decided, tool, `agent:${a.token} approved by ${operator}`);
    await this.deps.store.audit(operator, 'mcp.approval.executed', { id, tool: a.tool, status: finished.status, error: finished.error });
    return { approval: finished };
  }
}
