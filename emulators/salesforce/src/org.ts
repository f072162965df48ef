import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ChangeLog } from './cdc';
import { Clock } from './clock';
import { Dml, WriteContext } from './data/dml';
import { Store } from './data/store';
import { Faults } from './faults';
import { IdGenerator, to18 } from './ids';
import { SalesforceEmulatorOptions } from './options';
import { Schema } from './schema/schema';
import { SeedData, applySeed, loadSeedFile } from './seed';

const DAY = 86_400_000;

/** API usage accounting: the daily counter behind Sforce-Limit-Info and per-endpoint call counts. */
export class Counters {
  used = 0;
  byEndpoint: Record<string, number> = {};
  private windowStart: number;

  constructor(
    private readonly clock: Clock,
    public limit: number,
  ) {
    this.windowStart = clock.now();
  }

  /** Rolls the 24-hour window. */
  private roll(): void {
    if (this.clock.now() - this.windowStart >= DAY) {
      this.used = 0;
      this.windowStart = this.clock.now();
    }
  }

  exhausted(): boolean {
    this.roll();
    return this.used >= this.limit;
  }

  count(endpoint: string): void {
    this.roll();
    this.used += 1;
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1;
  }

  reset(): void {
    this.used = 0;
    this.byEndpoint = {};
    this.windowStart = this.clock.now();
  }

  snapshot(): { used: number; limit: number; remaining: number; byEndpoint: Record<string, number> } {
    this.roll();
    return { used: this.used, limit: this.limit, remaining: Math.max(0, this.limit - this.used), byEndpoint: { ...this.byEndpoint } };
  }
}

export const ORG_ID = to18('00D8d0000000001');

/** Everything one emulated org holds: schema, data, clock, sessions' owner user, counters, faults, change log. */
export class Org {
  readonly clock = new Clock();
  readonly ids = new IdGenerator();
  readonly schema: Schema;
  readonly store: Store;
  readonly dml: Dml;
  readonly faults = new Faults();
  readonly counters: Counters;
  readonly changes: ChangeLog;
  readonly username: string;
  integrationUserId = '';
  queryBatchSize: number;
  private seedData: SeedData | undefined;

  constructor(readonly options: SalesforceEmulatorOptions) {
    const dirs = options.metadataDirs ?? defaultMetadataDirs();
    this.schema = new Schema(dirs);
    this.store = new Store(this.schema);
    this.changes = new ChangeLog(() => this.clock.now(), options.cdcRetentionMs ?? 3 * DAY);
    this.dml = new Dml(this.schema, this.store, this.ids, this.clock, (events) => this.changes.record(events.filter((e) => this.cdcEnabled(e.entityName))));
    this.dml.beforeWrite = (obj, id) => this.faults.beforeWrite(obj, id);
    if (options.contractAutoEndDate === false) {
      // Contract Settings with "Auto-calculate Contract End Date" off: EndDate is an ordinary, writable date.
      this.dml.contractAutoEndDate = false;
      const endDate = this.schema.field('Contract', 'EndDate');
      if (endDate) Object.assign(endDate, { createable: true, updateable: true });
    }
    this.counters = new Counters(this.clock, options.apiLimit ?? 15000);
    this.username = options.username ?? 'integration@coupa-connector.example';
    this.queryBatchSize = options.queryBatchSize ?? 2000;
    this.faults.set(options.faults ?? []);
    this.seedData = typeof options.seed === 'string' ? loadSeedFile(options.seed) : options.seed;
    this.reset();
  }

  /** Whether the object publishes Change Data Capture events. */
  cdcEnabled(entity: string): boolean {
    const sel = this.options.cdcEntities;
    if (sel === 'all') return true;
    if (sel) return sel.some((s) => s.toLowerCase() === entity.toLowerCase());
    return this.schema.changeEventEntities.has(entity.toLowerCase());
  }

  systemContext(): WriteContext {
    return { userId: this.integrationUserId, api: 'rest', version: '64.0' };
  }

  /** Empties all data, recreates the integration user and record types, and re-applies the seed. */
  reset(seed: SeedData | undefined = this.seedData): Record<string, string> {
    this.store.clear();
    this.ids.reset();
    this.dml.reset();
    this.changes.clear();
    const saved = this.dml.beforeWrite;
    this.dml.beforeWrite = () => undefined;
    try {
      // The first Id issued is the integration user's, so it is the same after every reset.
      this.integrationUserId = this.ids.next('005');
      const stamp = new Date(this.clock.now()).toISOString().replace('Z', '+0000');
      this.store.put('User', {
        Id: this.integrationUserId,
        IsDeleted: false,
        Username: this.username,
        LastName: 'Integration',
        FirstName: 'Connector',
        Name: 'Connector Integration',
        Email: this.username,
        Alias: 'integ',
        IsActive: true,
        TimeZoneSidKey: 'GMT',
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        ProfileId: to18('00e8d0000000001'),
        UserType: 'Standard',
        CreatedDate: stamp,
        CreatedById: this.integrationUserId,
        LastModifiedDate: stamp,
        LastModifiedById: this.integrationUserId,
        SystemModstamp: stamp,
      });
      const ctx = this.systemContext();
      for (const obj of this.schema.all()) {
        for (const rt of obj.recordTypes) {
          this.dml.create('RecordType', { Name: rt.label, DeveloperName: rt.developerName, SobjectType: obj.name, IsActive: rt.active }, ctx);
        }
      }
      // Every org has a standard price book.
      const pb = this.dml.create('Pricebook2', { Name: 'Standard Price Book', IsActive: true }, ctx);
      this.store.put('Pricebook2', { ...this.store.get('Pricebook2', pb), IsStandard: true });
      const refs = seed ? applySeed(this.dml, seed, ctx) : {};
      this.changes.clear();
      return refs;
    } finally {
      this.dml.beforeWrite = saved;
    }
  }
}

function defaultMetadataDirs(): string[] {
  const forceApp = resolve(__dirname, '../../../force-app');
  return existsSync(forceApp) ? [forceApp] : [];
}
