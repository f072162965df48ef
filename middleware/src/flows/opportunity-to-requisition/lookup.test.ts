import http from 'http';
import type { AddressInfo } from 'net';
import path from 'path';
import pino from 'pino';
import { CoupaClient, TokenBucket } from '../../coupa';
import type { FlowDefinition, WriteItem } from '../../engine';
import { loadMappingDir } from '../../mapping';
import type { SalesforceClient } from '../../salesforce';
import type { StateStore } from '../../store';
import { createOpportunityToRequisitionFlows, FLOW_NAME } from '.';
import { idempotencyKeyOf, OPPORTUNITY_ID_FIELD } from './logic';

/**
 * A Coupa instance that ignores the custom-field filter (every requisition list answers the same requisitions), or,
 * with `honoursIn`, one that applies the custom field's `[in]` filter.
 */
async function filterIgnoringCoupa(requisitions: Array<Record<string, unknown>>, honoursIn = false) {
  const calls: Array<{ method: string; path: string; query: URLSearchParams }> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      calls.push({ method: req.method!, path: url.pathname, query: url.searchParams });
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/oauth2/token') return reply(200, { access_token: 'tok', token_type: 'bearer', expires_in: 3600 });
      if (req.method === 'GET' && url.pathname === '/api/requisitions') {
        const inList = url.searchParams.get(`custom_fields[${OPPORTUNITY_ID_FIELD}][in]`);
        const rows = honoursIn && inList !== null ? requisitions.filter((r) => inList.split(',').includes((r['custom-fields'] as Record<string, string> | undefined)?.[OPPORTUNITY_ID_FIELD] ?? '')) : requisitions;
        const offset = Number(url.searchParams.get('offset') ?? 0);
        return reply(200, rows.slice(offset, offset + Number(url.searchParams.get('limit') ?? 50)));
      }
      if (req.method === 'POST' && url.pathname === '/api/requisitions') return reply(201, { id: 900, status: 'draft' });
      reply(404, { errors: { base: ['not found'] } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const OPP = '006000000000001AAA';
const requisition = (id: number, opportunityId: string | null) => ({ id, status: 'pending_approval', 'submitted-at': '2026-01-01T00:00:00Z', 'custom-fields': { [OPPORTUNITY_ID_FIELD]: opportunityId } });

describe('opportunity-to-requisition idempotency lookup', () => {
  let coupa: Awaited<ReturnType<typeof filterIgnoringCoupa>>;
  afterEach(() => coupa?.close());

  async function createFlow(requisitions: Array<Record<string, unknown>>, honoursIn = false): Promise<FlowDefinition> {
    coupa = await filterIgnoringCoupa(requisitions, honoursIn);
    const mappings = new Map(loadMappingDir(path.join(__dirname, '../../../../config/mappings')).map((m) => [m.name, m]));
    const flows = createOpportunityToRequisitionFlows({
      coupa: new CoupaClient({ baseUrl: coupa.url, clientId: 'c', clientSecret: 's', scopes: ['core.requisition.read'], bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1000 }) }),
      salesforce: {} as SalesforceClient,
      store: {} as StateStore,
      logger: pino({ level: 'silent' }),
      mappings,
      options: {},
      coupaBaseUrl: coupa.url,
      salesforceClientName: 'test',
    });
    return flows.find((f) => f.name === FLOW_NAME)!;
  }

  it('takes no unverified hit: requisitions of other Opportunities (or none) mean not found', async () => {
    const flow = await createFlow([requisition(1, '006000000000009ZZZ'), requisition(2, null), { id: 3, status: 'draft' }]);
    await expect(flow.findByIdempotencyKey!(idempotencyKeyOf(OPP))).resolves.toBeNull();
    const lookup = coupa.calls.find((c) => c.path === '/api/requisitions')!;
    expect(lookup.query.get(`custom_fields[${OPPORTUNITY_ID_FIELD}]`)).toBe(OPP);
    // The custom fields are read back so that the hit can be checked.
    expect(JSON.parse(lookup.query.get('fields')!)).toContainEqual({ 'custom-fields': {} });
  });

  it('takes the verified hit among unrelated ones', async () => {
    const flow = await createFlow([requisition(1, '006000000000009ZZZ'), requisition(7, OPP), requisition(5, OPP)]);
    await expect(flow.findByIdempotencyKey!(idempotencyKeyOf(OPP))).resolves.toBe('5');
  });

  it('creates a requisition instead of linking an unrelated one before a create', async () => {
    const flow = await createFlow([requisition(1, '006000000000009ZZZ')]);
    const item: WriteItem = { sourceId: OPP, op: 'create', idempotencyKey: idempotencyKeyOf(OPP), payload: { 'custom-fields': { [OPPORTUNITY_ID_FIELD]: OPP } } };
    const [outcome] = await flow.write([item]);
    expect(outcome).toMatchObject({ ok: true, targetId: '900' });
    expect(coupa.calls.filter((c) => c.method === 'POST' && c.path === '/api/requisitions')).toHaveLength(1);
  });

  const OPP2 = '006000000000002AAA';
  const createItem = (id: string): WriteItem => ({ sourceId: id, op: 'create', idempotencyKey: idempotencyKeyOf(id), payload: { 'custom-fields': { [OPPORTUNITY_ID_FIELD]: id } } });
  const page = (...ids: string[]) => ids.map((id) => ({ record: { id, ts: '2026-01-01T00:00:00Z', data: { Id: id } }, payload: {} }));
  const gets = () => coupa.calls.filter((c) => c.method === 'GET' && c.path === '/api/requisitions');

  it('looks a whole page up in one request and creates the misses without looking again', async () => {
    const flow = await createFlow([requisition(1, '006000000000009ZZZ'), requisition(8, OPP), requisition(5, OPP)], true);
    const matches = await flow.matchPage!(page(OPP, OPP2));
    expect(matches.get(OPP)).toEqual({ targetId: '5' });
    expect(matches.get(OPP2)).toEqual({ targetId: null });
    expect(gets()).toHaveLength(1);
    expect(gets()[0].query.get(`custom_fields[${OPPORTUNITY_ID_FIELD}][in]`)).toBe(`${OPP},${OPP2}`);
    expect(await flow.write([createItem(OPP2)])).toEqual([expect.objectContaining({ ok: true, targetId: '900' })]);
    expect(gets()).toHaveLength(1);
    // A retried create looks up again: the first attempt may have reached Coupa.
    await flow.write([createItem(OPP2)]);
    expect(gets()).toHaveLength(2);
  });

  it('trusts no page answer from an instance that ignores the filter: each create looks itself up first', async () => {
    const flow = await createFlow([requisition(1, '006000000000009ZZZ'), requisition(5, OPP)]);
    const matches = await flow.matchPage!(page(OPP, OPP2));
    expect(matches.get(OPP)).toEqual({ targetId: '5' });
    expect(matches.get(OPP2)).toEqual({ targetId: null });
    await flow.write([createItem(OPP2)]);
    expect(gets()).toHaveLength(2);
    expect(coupa.calls.filter((c) => c.method === 'POST' && c.path === '/api/requisitions')).toHaveLength(1);
  });
});
