import type { Rec } from '../store';
import type { Emulator } from '../emulator';

export interface AssociationDef {
  /** Collection the id points into. */
  resource: string;
  /** Keys a client may use to name the record (besides id). All given keys must match. */
  keys: string[];
  /** Referenced record must be active (`active: true`, or status active for suppliers). */
  mustBeActive?: boolean;
  /** Swagger definition to render into when the owner's property has no $ref (Approval.approver). */
  slot?: string;
}

export interface Shape {
  /** Swagger definition describing this object. */
  def: string;
  associations?: Record<string, AssociationDef>;
  embeds?: Record<string, EmbedDef>;
  /** Fields required on create (data-driven; Swagger's `required` lists over-state). */
  required?: string[];
  /** Stored fields that are read-only in Swagger but set by the emulator (never from input). */
  internal?: string[];
  /** Extra input keys accepted although not Swagger properties (e.g. requisition `requester`). */
  inputAliases?: Record<string, string>;
}

export interface EmbedDef extends Shape {
  many: boolean;
  /** XML-style singular wrapper accepted on input: {"payments": {"payment": [...]}}. */
  wrapper?: string;
  /** Whether `_delete: true` removes an item. */
  deletable?: boolean;
  /** Items can only be appended, never updated (payments). */
  appendOnly?: boolean;
}

export interface ActionContext {
  emu: Emulator;
  body: Record<string, unknown>;
  query: URLSearchParams;
}

export interface ActionDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Scope needed; an array means any one of them suffices. */
  scope: string | string[];
  /** Member actions receive the record; collection actions receive undefined. */
  run(ctx: ActionContext, rec: Rec | undefined): Rec | { status: number; body: unknown };
  /** Status on success (default 200). */
  status?: number;
}

export interface ResourceDef extends Shape {
  /** URL segment under /api, e.g. "purchase_orders". */
  name: string;
  /** Key used in error bodies, e.g. "purchase_order". */
  errorKey: string;
  /** Display name in "Unable to find valid X record" messages. */
  modelName: string;
  scopes: { read: string; write: string; create?: string[]; delete?: string };
  /** Natural keys kept in shallow renderings and usable to look the record up. */
  naturalKeys: string[];
  unique?: string[];
  routes: { list?: boolean; show?: boolean; create?: boolean; update?: boolean; delete?: boolean };
  customFields?: boolean;
  /** Supports `?exported=true` on PUT and the exported/last-exported-at pair. */
  exportable?: boolean;
  /** Approvals carry this approvable-type for documents of this resource. */
  approvableType?: string;
  /** Initial values for a new record (before input is applied). */
  defaults?(emu: Emulator): Record<string, unknown>;
  /** Validation + derived fields; push messages to errors. `prev` is undefined on create. */
  beforeSave?(emu: Emulator, rec: Rec, prev: Rec | undefined, errors: string[], input: Record<string, unknown>): void;
  afterCreate?(emu: Emulator, rec: Rec, input: Record<string, unknown>): void;
  /** Runs after every create or update has been stored. */
  afterSave?(emu: Emulator, rec: Rec): void;
  /** Whether a client PUT may change this record now (e.g. not on voided invoices). */
  canUpdate?(emu: Emulator, rec: Rec, input: Record<string, unknown>): string | undefined;
  canDelete?(emu: Emulator, rec: Rec): string | undefined;
  /** Fields rendered from other collections at output time (approvals, current-approval…). */
  computed?(emu: Emulator, rec: Rec): Record<string, unknown>;
  /** Query aliases: rewrite a filter key/value before evaluation (users ?status=active). */
  queryAlias?(key: string, value: string): [string, string] | undefined;
  memberActions?: Record<string, ActionDef>;
  collectionActions?: Record<string, ActionDef>;
  /** Approval workflow hooks for approvable documents. */
  onApproved?(emu: Emulator, rec: Rec): void;
  onRejected?(emu: Emulator, rec: Rec, reason: string | undefined): void;
  /** Sub-resources mounted at /api/<name>/:parent_id/<sub>. */
  subResources?: SubResourceDef[];
}

export interface SubResourceDef {
  path: string;
  /** The embedded field on the parent holding the rows. */
  field: string;
  /** An array means any one of the scopes suffices. */
  scopes: { read: string | string[]; write: string | string[] };
  routes: { list?: boolean; show?: boolean; create?: boolean; update?: boolean; delete?: boolean };
  errorKey: string;
}
