import path from 'path';
import pino from 'pino';
import { startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { allScopes } from '../../emulators/coupa/src';
import { CoupaClient, TokenBucket } from '../../middleware/src/coupa';
import type { FlowDefinition } from '../../middleware/src/engine';
import { loadMappingDir } from '../../middleware/src/mapping';
import type { SalesforceClient } from '../../middleware/src/salesforce';
import type { StateStore } from '../../middleware/src/store';
import { createOpportunityToRequisitionFlows, FLOW_NAME as OPP_FLOW } from '../../middleware/src/flows/opportunity-to-requisition';
import { idempotencyKeyOf as oppKey, OPPORTUNITY_ID_FIELD } from '../../middleware/src/flows/opportunity-to-requisition/logic';
import { createSupplierOnboardingFlows } from '../../middleware/src/flows/supplier-onboarding';
import { FLOW_NAME as ONBOARDING_FLOW, idempotencyKeyOf as requestKey, REQUEST_ID_FIELD } from '../../middleware/src/flows/supplier-onboarding/logic';

/**
 * The connector's idempotency look-ups against a Coupa emulator that ignores undocumented filters
 * (`undocumentedFilters: 'ignore'`: `custom_fields[…]` is dropped and every record answers): a hit only counts when
 * its custom field holds the id looked up, so a record of another Opportunity or request is never linked.
 */
describe('idempotency look-ups verify their hits when Coupa ignores custom-field filters', () => {
  let coupa: CoupaEmulator;
  const mappings = new Map(loadMappingDir(path.join(__dirname, '../../config/mappings')).map((m) => [m.name, m]));
  const deps = () => ({
    coupa: new CoupaClient({ baseUrl: coupa.url, clientId: coupa.clientId, clientSecret: coupa.clientSecret, scopes: allScopes(), bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1000 }) }),
    salesforce: {} as SalesforceClient,
    store: {} as StateStore,
    logger: pino({ level: 'silent' }),
    mappings,
    options: {},
    coupaBaseUrl: coupa.url,
    salesforceClientName: 'test',
  });
  const flow = (flows: FlowDefinition[], name: string) => flows.find((f) => f.name === name)!;

  beforeAll(async () => {
    coupa = await startCoupaEmulator({ seed: 0, rateLimit: false, undocumentedFilters: 'ignore' });
  });
  afterAll(() => coupa.close());

  it('opportunity-to-requisition: a requisition of another Opportunity is not a hit; its own is', async () => {
    coupa.control.create('suppliers', { name: 'Lookup Supplier', status: 'active' });
    const body = (opp: string) => ({
      'requested-by': { login: 'jdoe' },
      'ship-to-address': { name: 'Headquarters' },
      'requisition-lines': [{ description: 'x', quantity: 1, 'unit-price': '1', currency: { code: 'USD' }, supplier: { name: 'Lookup Supplier' } }],
      'custom-fields': { [OPPORTUNITY_ID_FIELD]: opp },
    });
    coupa.control.create('requisitions', body('006000000000009ZZZ'));
    const f = flow(createOpportunityToRequisitionFlows(deps()), OPP_FLOW);
    await expect(f.findByIdempotencyKey!(oppKey('006000000000001AAA'))).resolves.toBeNull();
    const own = coupa.control.create('requisitions', body('006000000000001AAA'));
    await expect(f.findByIdempotencyKey!(oppKey('006000000000001AAA'))).resolves.toBe(String(own.id));
  });

  it('supplier-onboarding: a supplier information record of another request is not a hit; its own is', async () => {
    coupa.control.create('supplier_information', { name: 'Other Co', status: 'draft', 'custom-fields': { [REQUEST_ID_FIELD]: 'a0X000000000009ZZZ' } });
    const f = flow(createSupplierOnboardingFlows(deps()), ONBOARDING_FLOW);
    await expect(f.findByIdempotencyKey!(requestKey('a0X000000000001AAA'))).resolves.toBeNull();
    const own = coupa.control.create('supplier_information', { name: 'Own Co', status: 'draft', 'custom-fields': { [REQUEST_ID_FIELD]: 'a0X000000000001AAA' } });
    await expect(f.findByIdempotencyKey!(requestKey('a0X000000000001AAA'))).resolves.toBe(String(own.id));
  });
});
