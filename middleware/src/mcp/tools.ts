/**
 * The agent gateway's tools. Reads come from what the connector keeps in Salesforce (the Coupa mirror the flows
 * maintain) and from its state store; writes go through the engine's flows (plan → write → commit), with the flows'
 * ownership rules and idempotency keys, never as direct API calls beside them.
 */
import { z } from 'zod';
import type { FlowDefinition, SyncEngine } from '../engine';
import type { FlowSummary } from '../http/flow-control';
import { recordTimeline } from '../http/routes/records';
import { decisionReason } from '../runtime/flow-control';
import { soqlQuote, type SObjectRecord, type WriteResult } from '../salesforce';
import type { StateStore } from '../store';
import { capList, listLimit, type Bounds } from './bounds';
import type { ToolName } from './config';

/** What the tools need from the running connector. */
export interface ToolDeps {
  store: StateStore;
  engine: Pick<SyncEngine, 'ingest' | 'plan' | 'replay' | 'resolveConflict' | 'status'>;
  salesforce: {
    queryAll<T = SObjectRecord>(soql: string): Promise<T[]>;
    create(sobject: string, records: SObjectRecord[]): Promise<WriteResult[]>;
  };
  /** Registered flows (name, group, objects) and their definitions. */
  flows(): FlowSummary[];
  definition(flow: string): FlowDefinition<any, any> | undefined;
}

export interface ToolContext {
  deps: ToolDeps;
  bounds: Bounds;
  /** Who acts: `agent:<token name>`, plus the approving operator for writes. */
  actor: string;
  /** The calling token's name (approvals are visible to their own token only). */
  token: string;
}

export interface ToolDef<S extends z.ZodObject = z.ZodObject> {
  name: ToolName;
  title: string;
  description: string;
  kind: 'read' | 'write';
  input: S;
  run(args: z.infer<S>, ctx: ToolContext): Promise<Record<string, unknown>>;
}

/** A failure the agent can act on (not found, wrong state): its message is the tool result's text. */
export class ToolError extends Error {}

const SALESFORCE_ID = /^(?=.*[A-Za-z])[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const sfId = (what: string) => z.string().regex(SALESFORCE_ID, `a Salesforce ${what} Id (15 or 18 characters)`).describe(`Salesforce ${what} Id`);
const limit = z.number().int().min(1).max(500).optional().describe('most items to return (capped by the gateway)');
const flowName = z.string().regex(/^[a-z0-9-]{1,80}$/).optional().describe('only this flow (or link group)');
const recordId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const define = <S extends z.ZodObject>(t: ToolDef<S>): ToolDef => t as unknown as ToolDef;

/** Invoice statuses that are not invoiced spend (drafts, voided…): the same list as the panels and spend-summary. */
const NOT_COUNTED = ['new', 'draft', 'save_as_draft', 'voided', 'abandoned', 'rejected', 'invalid'];
const INVOICE_FIELDS = [
  'Id', 'Name', 'Coupa_Invoice_Id__c', 'Status__c', 'Invoice_Date__c', 'Due_Date__c', 'Gross_Total__c', 'Currency_Code__c',
  'Paid__c', 'Payment_Date__c', 'Amount_Paid__c', 'Dispute_Reason__c', 'PO_Number__c', 'Opportunity__c',
];
type InvoiceState = 'open' | 'overdue' | 'disputed' | 'paid' | 'not-counted';

export function invoiceState(inv: SObjectRecord, today: string): InvoiceState {
  const status = String(inv.Status__c ?? '');
  if (NOT_COUNTED.includes(status)) return 'not-counted';
  const total = typeof inv.Gross_Total__c === 'number' ? inv.Gross_Total__c : 0;
  const paidAmount = typeof inv.Amount_Paid__c === 'number' ? inv.Amount_Paid__c : inv.Paid__c === true ? total : 0;
  if (inv.Paid__c === true || (total > 0 && paidAmount >= total)) return 'paid';
  if (status === 'disputed') return 'disputed';
  if (typeof inv.Due_Date__c === 'string' && inv.Due_Date__c < today) return 'overdue';
  return 'open';
}

function invoiceView(inv: SObjectRecord, today: string) {
  return {
    id: inv.Id,
    number: inv.Name,
    coupaInvoiceId: inv.Coupa_Invoice_Id__c ?? null,
    state: invoiceState(inv, today),
    coupaStatus: inv.Status__c ?? null,
    invoiceDate: inv.Invoice_Date__c ?? null,
    dueDate: inv.Due_Date__c ?? null,
    total: inv.Gross_Total__c ?? null,
    currency: inv.Currency_Code__c ?? null,
    amountPaid: inv.Amount_Paid__c ?? null,
    paymentDate: inv.Payment_Date__c ?? null,
    disputeReason: inv.Dispute_Reason__c ?? null,
    poNumber: inv.PO_Number__c ?? null,
    opportunityId: inv.Opportunity__c ?? null,
  };
}

async function one(deps: ToolDeps, soql: string, what: string): Promise<SObjectRecord> {
  const [row] = await deps.salesforce.queryAll(soql);
  if (!row) throw new ToolError(`${what} not found`);
  return row;
}

const ACCOUNT_FIELDS = [
  'Id', 'Name', 'Type', 'Coupa_Supplier_Id__c', 'Coupa_Supplier_Number__c', 'Coupa_Supplier_Status__c', 'Coupa_Risk_Level__c',
  'Coupa_Risk_Score__c', 'Coupa_Onboarding_Status__c', 'Coupa_Last_Synced__c',
];
const OPEN_REQUEST_STATUSES = ['Requested', 'Submitted', 'In Progress'];
const REQUEST_FIELDS = ['Id', 'Name', 'Status__c', 'Coupa_Supplier_Information_Id__c', 'Error__c', 'CreatedDate'];

const requestView = (r: SObjectRecord) => ({
  id: r.Id,
  name: r.Name ?? null,
  status: r.Status__c ?? null,
  coupaSupplierInformationId: r.Coupa_Supplier_Information_Id__c ?? null,
  error: r.Error__c ?? null,
  createdDate: r.CreatedDate ?? null,
});

async function accountRequests(deps: ToolDeps, accountId: string): Promise<SObjectRecord[]> {
  return deps.salesforce.queryAll(
    `SELECT ${REQUEST_FIELDS.join(', ')} FROM Coupa_Onboarding_Request__c WHERE Account__c = ${soqlQuote(accountId)} ORDER BY CreatedDate DESC`,
  );
}

const OPPORTUNITY_FIELDS = [
  'Id', 'Name', 'StageName', 'Amount', 'AccountId', 'CloseDate', 'Coupa_Requisition_Id__c', 'Coupa_Requisition_Status__c',
  'Coupa_PO_Number__c', 'Coupa_PO_Status__c', 'Coupa_Committed_Amount__c',
];
const REQUISITION_FLOW = 'opportunity-to-requisition';
const ONBOARDING_FLOW = 'supplier-onboarding';

function flowDefinition(deps: ToolDeps, name: string): FlowDefinition<any, any> & { fetch: NonNullable<FlowDefinition['fetch']> } {
  const def = deps.definition(name);
  if (!def?.fetch) throw new ToolError(`the ${name} flow is not available in this connector`);
  return def as never;
}

export const TOOLS: ToolDef[] = [
  define({
    name: 'get_supplier_status',
    title: "Account's Coupa supplier status and risk",
    description:
      "An Account's Coupa supplier link, supplier status, risk level and score, onboarding status, last sync, and its latest onboarding requests.",
    kind: 'read',
    input: z.object({ accountId: sfId('Account') }).strict(),
    async run({ accountId }, { deps, bounds }) {
      const a = await one(deps, `SELECT ${ACCOUNT_FIELDS.join(', ')} FROM Account WHERE Id = ${soqlQuote(accountId)}`, `Account ${accountId}`);
      const requests = await accountRequests(deps, accountId);
      return {
        account: { id: a.Id, name: a.Name, type: a.Type ?? null },
        supplier: {
          linked: Boolean(a.Coupa_Supplier_Id__c),
          coupaSupplierId: a.Coupa_Supplier_Id__c ?? null,
          number: a.Coupa_Supplier_Number__c ?? null,
          status: a.Coupa_Supplier_Status__c ?? null,
          riskLevel: a.Coupa_Risk_Level__c ?? null,
          riskScore: a.Coupa_Risk_Score__c ?? null,
          onboardingStatus: a.Coupa_Onboarding_Status__c ?? null,
          lastSynced: a.Coupa_Last_Synced__c ?? null,
        },
        onboardingRequests: capList(requests.map(requestView), Math.min(5, bounds.maxListItems)),
      };
    },
  }),
  define({
    name: 'list_account_invoices',
    title: "Account's Coupa invoices",
    description:
      "An Account's Coupa invoices (as synced to Salesforce), newest first, filtered by state: open (unpaid, not yet due), overdue (unpaid, past due), disputed, paid, or all. Includes totals by state.",
    kind: 'read',
    input: z
      .object({
        accountId: sfId('Account'),
        state: z.enum(['open', 'overdue', 'disputed', 'paid', 'all']).default('all'),
        limit,
      })
      .strict(),
    async run({ accountId, state, limit: max }, { deps, bounds }) {
      const rows = await deps.salesforce.queryAll(
        `SELECT ${INVOICE_FIELDS.join(', ')} FROM Coupa_Invoice__c WHERE Account__c = ${soqlQuote(accountId)} ORDER BY Invoice_Date__c DESC, Id DESC`,
      );
      const today = new Date().toISOString().slice(0, 10);
      const all = rows.map((r) => invoiceView(r, today));
      const summary: Record<string, { count: number; total: number }> = {};
      for (const inv of all) {
        const s = (summary[inv.state] ??= { count: 0, total: 0 });
        s.count += 1;
        s.total = Math.round((s.total + (typeof inv.total === 'number' ? inv.total : 0)) * 100) / 100;
      }
      const picked = state === 'all' ? all : all.filter((i) => i.state === state);
      return { accountId, state, summary, invoices: capList(picked, listLimit(max, bounds)) };
    },
  }),
  define({
    name: 'get_account_spend',
    title: "Account's committed spend and budget",
    description:
      "An Account's spend summaries (committed spend on open POs, invoiced, paid, budget, budget remaining and utilisation, open PO count) per period: months like 2026-03 and fiscal years like FY2026. Without a period, the most recent periods.",
    kind: 'read',
    input: z
      .object({
        accountId: sfId('Account'),
        period: z.string().regex(/^(\d{4}-\d{2}|FY\d{4}|\d{4}-Q[1-4])$/, 'a period such as 2026-03 or FY2026').optional(),
        limit,
      })
      .strict(),
    async run({ accountId, period, limit: max }, { deps, bounds }) {
      const where = `Account__c = ${soqlQuote(accountId)}${period ? ` AND Period__c = ${soqlQuote(period)}` : ''}`;
      const rows = await deps.salesforce.queryAll(
        `SELECT Key__c, Period__c, Committed_Spend__c, Invoiced_Amount__c, Paid_Amount__c, Budget_Amount__c, Budget_Remaining__c, Budget_Utilization__c, Open_PO_Count__c, As_Of__c FROM Coupa_Spend_Summary__c WHERE ${where} ORDER BY Period__c DESC`,
      );
      const periods = rows.map((r) => ({
        period: r.Period__c,
        committedSpend: r.Committed_Spend__c ?? null,
        invoiced: r.Invoiced_Amount__c ?? null,
        paid: r.Paid_Amount__c ?? null,
        budget: r.Budget_Amount__c ?? null,
        budgetRemaining: r.Budget_Remaining__c ?? null,
        budgetUtilization: r.Budget_Utilization__c ?? null,
        openPoCount: r.Open_PO_Count__c ?? null,
        asOf: r.As_Of__c ?? null,
      }));
      if (period && !periods.length) return { accountId, period, found: false, message: `no spend summary for ${period} (no activity and no budget, or not computed yet)` };
      return { accountId, ...(period ? { period, found: true } : {}), periods: capList(periods, listLimit(max, bounds)) };
    },
  }),
  define({
    name: 'get_opportunity_chain',
    title: "Opportunity's requisition → PO → invoice chain",
    description:
      "What a won Opportunity became in Coupa: its requisition (id, status), purchase order (number, status, committed amount) and the invoices linked to it, plus whether the connector holds a link and an open dead letter for it.",
    kind: 'read',
    input: z.object({ opportunityId: sfId('Opportunity') }).strict(),
    async run({ opportunityId }, { deps, bounds }) {
      const o = await one(deps, `SELECT ${OPPORTUNITY_FIELDS.join(', ')} FROM Opportunity WHERE Id = ${soqlQuote(opportunityId)}`, `Opportunity ${opportunityId}`);
      const link = await deps.store.findLink(REQUISITION_FLOW, 'salesforce', 'Opportunity', opportunityId);
      const invoices = await deps.salesforce.queryAll(
        `SELECT ${INVOICE_FIELDS.join(', ')} FROM Coupa_Invoice__c WHERE Opportunity__c = ${soqlQuote(opportunityId)} ORDER BY Invoice_Date__c DESC, Id DESC`,
      );
      const key = `salesforce:Opportunity:${opportunityId}`;
      const dead = (await deps.store.listDeadLetters({ flow: REQUISITION_FLOW, status: 'open', limit: 1000 })).filter((d) => d.recordKey === key);
      const today = new Date().toISOString().slice(0, 10);
      return {
        opportunity: { id: o.Id, name: o.Name, stage: o.StageName, amount: o.Amount ?? null, accountId: o.AccountId ?? null, closeDate: o.CloseDate ?? null },
        requisition: {
          coupaId: o.Coupa_Requisition_Id__c ?? link?.coupaId ?? null,
          status: o.Coupa_Requisition_Status__c ?? null,
          linked: Boolean(link),
        },
        purchaseOrder: { number: o.Coupa_PO_Number__c ?? null, status: o.Coupa_PO_Status__c ?? null, committedAmount: o.Coupa_Committed_Amount__c ?? null },
        invoices: capList(invoices.map((i) => invoiceView(i, today)), bounds.maxListItems),
        openDeadLetters: dead.map((d) => ({ id: d.id, errorClass: d.errorClass, message: d.message })),
      };
    },
  }),
  define({
    name: 'get_record_timeline',
    title: "A record's sync timeline",
    description:
      "Everything the connector did with one record and its linked counterparts, newest first: journal entries (action, direction, error), links, dead letters and conflicts. key: a record key (salesforce:Opportunity:006…, coupa:requisitions:42) or a plain Salesforce or Coupa id.",
    kind: 'read',
    input: z
      .object({
        key: z.string().min(1).max(200).regex(/^[A-Za-z0-9_:.-]+$/, 'a record key or id'),
        flow: flowName,
        limit,
      })
      .strict(),
    async run({ key, flow, limit: max }, { deps, bounds }) {
      const t = await recordTimeline(deps.store, deps.flows(), key, { flow, limit: listLimit(max, bounds) });
      return {
        query: t.query,
        recordKey: t.recordKey,
        recordKeys: t.recordKeys,
        links: t.links,
        journal: t.journal.map((j) => ({
          at: j.at,
          flow: j.flow,
          direction: j.direction,
          recordKey: j.recordKey,
          action: j.action,
          origin: j.origin,
          error: j.error,
          after: j.after,
        })),
        deadLetters: t.deadLetters.map((d) => ({ id: d.id, flow: d.flow, status: d.status, errorClass: d.errorClass, message: d.message })),
        conflicts: t.conflicts.map((c) => ({ id: c.id, flow: c.flow, field: c.field, status: c.status, salesforceValue: c.sfValue, coupaValue: c.coupaValue })),
      };
    },
  }),
  define({
    name: 'get_flow_health',
    title: 'Flow health',
    description: 'Every flow: enabled, paused, running, schedule and next run, last run (status, counts, error), open dead letters and conflicts.',
    kind: 'read',
    input: z.object({}).strict(),
    async run(_args, { deps }) {
      const [status, open] = await Promise.all([deps.engine.status(), deps.store.countOpen()]);
      const flows = await Promise.all(
        deps.flows().map(async (f) => {
          const s = status.find((x) => x.flow === f.name);
          const [last] = await deps.store.listRuns({ flow: f.name, limit: 1 });
          const group = f.group ?? f.name;
          return {
            flow: f.name,
            enabled: f.enabled,
            paused: s?.paused ?? false,
            running: s?.running ?? false,
            schedule: f.schedule ?? null,
            nextRun: s?.nextRun ?? null,
            lastRun: last ? { status: last.status, startedAt: last.startedAt, finishedAt: last.finishedAt, counts: last.counts, error: last.error } : null,
            openDeadLetters: open.deadLetters.get(f.name) ?? 0,
            openConflicts: open.conflicts.get(group) ?? 0,
          };
        }),
      );
      const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      return { flows, openDeadLetters: total(open.deadLetters), openConflicts: total(open.conflicts), quarantined: total(open.quarantined) };
    },
  }),
  define({
    name: 'list_dead_letters',
    title: 'Dead letters',
    description: 'Records a flow could not sync (newest first): id, flow, record key, error class and message. Replay one with replay_dead_letter after the cause is fixed.',
    kind: 'read',
    input: z.object({ flow: flowName, status: z.enum(['open', 'replayed', 'discarded']).default('open'), limit }).strict(),
    async run({ flow, status, limit: max }, { deps, bounds }) {
      const n = listLimit(max, bounds);
      const rows = await deps.store.listDeadLetters({ flow, status, limit: n + 1 });
      const items = rows.slice(0, n).map((d) => ({
        id: d.id,
        flow: d.flow,
        recordKey: d.recordKey,
        status: d.status,
        errorClass: d.errorClass,
        message: d.message,
        attempts: d.attempts,
        createdAt: d.createdAt,
      }));
      return { deadLetters: items, more: rows.length > n };
    },
  }),
  define({
    name: 'list_conflicts',
    title: 'Conflicts',
    description: 'Fields both systems changed differently, and ambiguous matches, waiting for a decision (newest first). Resolve one with resolve_conflict.',
    kind: 'read',
    input: z.object({ flow: flowName, status: z.enum(['open', 'resolved']).default('open'), limit }).strict(),
    async run({ flow, status, limit: max }, { deps, bounds }) {
      const n = listLimit(max, bounds);
      const rows = await deps.store.listConflicts({ flow, status, limit: n + 1 });
      const items = rows.slice(0, n).map((c) => ({
        id: c.id,
        flow: c.flow,
        recordKey: c.recordKey,
        field: c.field,
        salesforceValue: c.sfValue,
        coupaValue: c.coupaValue,
        status: c.status,
        resolution: c.resolution,
        createdAt: c.createdAt,
      }));
      return { conflicts: items, more: rows.length > n };
    },
  }),
  define({
    name: 'get_approval',
    title: 'Outcome of a write waiting for approval',
    description: "The state of a write this token asked for: pending, approved (running), rejected (with the operator's reason), succeeded (with the result) or failed (with the error).",
    kind: 'read',
    input: z.object({ approvalId: z.string().regex(/^apr-[a-f0-9-]{36}$/, 'an approval id (apr-…)') }).strict(),
    async run({ approvalId }, { deps, token }) {
      const a = await deps.store.getApproval(approvalId);
      if (!a || a.token !== token) throw new ToolError(`approval ${approvalId} not found`);
      return approvalView(a);
    },
  }),

  // ---- writes: each runs only once approved (by an operator, or by the token's policy) ----

  define({
    name: 'start_supplier_onboarding',
    title: 'Start supplier onboarding for an Account',
    description:
      "Starts Coupa supplier onboarding for a Vendor or Prospect Account, as the Account's 'Start supplier onboarding' button does: creates a Coupa_Onboarding_Request__c (Status Requested) and lets the supplier-onboarding flow send it to Coupa. An Account already linked to a supplier, or with an onboarding in progress, is left as it is. Needs an operator's approval unless this token's policy allows it.",
    kind: 'write',
    input: z.object({ accountId: sfId('Account') }).strict(),
    async run({ accountId }, { deps }) {
      const a = await one(deps, `SELECT ${ACCOUNT_FIELDS.join(', ')} FROM Account WHERE Id = ${soqlQuote(accountId)}`, `Account ${accountId}`);
      if (a.Coupa_Supplier_Id__c) return { outcome: 'already-linked', accountId, coupaSupplierId: a.Coupa_Supplier_Id__c };
      const def = flowDefinition(deps, ONBOARDING_FLOW);
      const open = (await accountRequests(deps, accountId)).find((r) => OPEN_REQUEST_STATUSES.includes(String(r.Status__c)));
      let requestId: string;
      let outcome: string;
      if (open) {
        requestId = String(open.Id);
        outcome = 'already-in-progress';
      } else {
        const [created] = await deps.salesforce.create('Coupa_Onboarding_Request__c', [{ Account__c: accountId, Status__c: 'Requested' }]);
        if (!created?.success || !created.id) {
          throw new ToolError(`Salesforce refused the onboarding request: ${created?.errors.map((e) => `${e.code}: ${e.message}`).join('; ') ?? 'no result'}`);
        }
        requestId = created.id;
        outcome = 'started';
      }
      // The flow sends a Requested request (not yet in Coupa) to Coupa now, instead of on its next poll.
      let run: { runId: string | null; status: string; counts: Record<string, number> } | null = null;
      if (!open || (open.Status__c === 'Requested' && !open.Coupa_Supplier_Information_Id__c)) {
        const records = await def.fetch([requestId]);
        const summary = await deps.engine.ingest(ONBOARDING_FLOW, records, { trigger: 'mcp', advanceCheckpoint: false });
        run = { runId: summary.runId, status: summary.status, counts: summary.counts as unknown as Record<string, number> };
      }
      const [now] = await deps.salesforce.queryAll(`SELECT ${REQUEST_FIELDS.join(', ')} FROM Coupa_Onboarding_Request__c WHERE Id = ${soqlQuote(requestId)}`);
      return { outcome, accountId, request: now ? requestView(now) : { id: requestId }, run };
    },
  }),
  define({
    name: 'create_requisition_for_opportunity',
    title: 'Create the Coupa requisition for a Closed Won Opportunity',
    description:
      'Runs the opportunity-to-requisition flow for one Opportunity now: the same mapping, requester and supplier rules and the same idempotency key (the Opportunity Id on the requisition) as its schedule, so an Opportunity never gets two requisitions. Refused when the Opportunity is not in the trigger stage. Needs an operator\'s approval unless this token\'s policy allows it.',
    kind: 'write',
    input: z.object({ opportunityId: sfId('Opportunity') }).strict(),
    async run({ opportunityId }, { deps }) {
      const def = flowDefinition(deps, REQUISITION_FLOW);
      const existing = await deps.store.findLink(REQUISITION_FLOW, 'salesforce', 'Opportunity', opportunityId);
      if (existing) return { outcome: 'already-exists', opportunityId, requisitionId: existing.coupaId };
      const records = await def.fetch([opportunityId]);
      if (!records.length) throw new ToolError(`Opportunity ${opportunityId} not found`);
      const requisitionOnRecord = (records[0].data as SObjectRecord).Coupa_Requisition_Id__c;
      if (requisitionOnRecord) return { outcome: 'already-exists', opportunityId, requisitionId: String(requisitionOnRecord) };
      // Plan first (the dry run): a record the flow would not create a requisition for is refused with the reason.
      const [decision] = await deps.engine.plan(REQUISITION_FLOW, records);
      if (!decision || (decision.action !== 'create' && decision.action !== 'update')) {
        // The flow may have just created it (a change event about this Opportunity, its schedule): not a refusal.
        const now = await deps.store.findLink(REQUISITION_FLOW, 'salesforce', 'Opportunity', opportunityId);
        if (now) return { outcome: 'already-exists', opportunityId, requisitionId: now.coupaId };
        throw new ToolError(`no requisition created: ${decisionReason(decision)}`);
      }
      const summary = await deps.engine.ingest(REQUISITION_FLOW, records, { trigger: 'mcp', advanceCheckpoint: false });
      let link = await deps.store.findLink(REQUISITION_FLOW, 'salesforce', 'Opportunity', opportunityId);
      // The flow was already running (its schedule or a change event about this very Opportunity): wait for that run.
      for (let waited = 0; !link && summary.status === 'busy' && waited < 15_000; waited += 250) {
        await new Promise((r) => setTimeout(r, 250));
        link = await deps.store.findLink(REQUISITION_FLOW, 'salesforce', 'Opportunity', opportunityId);
      }
      if (link && summary.status === 'busy') return { outcome: 'already-exists', opportunityId, requisitionId: link.coupaId };
      if (!link) {
        const key = `salesforce:Opportunity:${opportunityId}`;
        const [dl] = (await deps.store.listDeadLetters({ flow: REQUISITION_FLOW, status: 'open', limit: 1000 })).filter((d) => d.recordKey === key);
        throw new ToolError(`the flow did not create a requisition${dl ? `: ${dl.message ?? dl.errorClass} (dead letter ${dl.id})` : ` (run ${summary.status})`}`);
      }
      return { outcome: 'created', opportunityId, requisitionId: link.coupaId, run: { runId: summary.runId, status: summary.status } };
    },
  }),
  define({
    name: 'replay_dead_letter',
    title: 'Replay a dead letter',
    description: 'Runs a dead-lettered record through its flow again (after its cause was fixed). A dead letter already replayed or discarded is left as it is.',
    kind: 'write',
    input: z.object({ deadLetterId: recordId }).strict(),
    async run({ deadLetterId }, { deps, actor }) {
      const dl = await deps.store.getDeadLetter(deadLetterId);
      if (!dl) throw new ToolError(`dead letter ${deadLetterId} not found`);
      if (dl.status !== 'open') return { outcome: `already-${dl.status}`, deadLetterId };
      const result = await deps.engine.replay(deadLetterId, actor);
      return { outcome: result.ok ? 'replayed' : 'failed', deadLetterId, ...(result.error ? { error: result.error } : {}) };
    },
  }),
  define({
    name: 'resolve_conflict',
    title: 'Resolve a conflict',
    description: "Decides a conflict: the winner's current value is written to the other system through the flow's normal write path, then the conflict is closed. A conflict already resolved is left as it is.",
    kind: 'write',
    input: z.object({ conflictId: recordId, winner: z.enum(['salesforce', 'coupa']) }).strict(),
    async run({ conflictId, winner }, { deps, actor }) {
      const c = await deps.store.getConflict(conflictId);
      if (!c) throw new ToolError(`conflict ${conflictId} not found`);
      if (c.status !== 'open') return { outcome: 'already-resolved', conflictId, resolution: c.resolution };
      const result = await deps.engine.resolveConflict(conflictId, winner, actor);
      return { outcome: 'resolved', conflictId, winner, written: result.written, action: result.action };
    },
  }),
];

export function approvalView(a: import('../store').Approval): Record<string, unknown> {
  return {
    approvalId: a.id,
    tool: a.tool,
    arguments: a.args,
    status: a.status,
    requestedAt: a.createdAt,
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt,
    reason: a.reason,
    ...(a.status === 'succeeded' ? { result: a.result } : {}),
    ...(a.status === 'failed' ? { error: a.error } : {}),
  };
}
