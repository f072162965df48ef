/** Naive recipes over Coupa's financial documents: invoice status onto Salesforce, and the scheduled spend summary. */
import { recipe, type NaiveFlow, type NaiveKit, type Rec } from './kit';

// The recipe's own settings, equal to the flow's defaults in connector.yaml so both compute the same periods.
const MONTHS = 12;
const FISCAL_YEARS = 2;
const OPEN_PO = ['issued', 'buyer_hold', 'supplier_hold', 'currency_hold', 'supplier_window_hold'];
const NOT_INVOICED = ['new', 'draft', 'save_as_draft', 'voided', 'abandoned', 'rejected', 'invalid'];

interface Summary {
  period: string;
  committed: number;
  openPoCount: number;
  invoiced: number;
  paid: number;
}

/** The periods a summary run covers: the trailing months (this one included) and the calendar fiscal years. */
export function spendPeriods(now: Date): { since: string; periods: string[] } {
  const y = now.getUTCFullYear();
  const months = Array.from({ length: MONTHS }, (_, i) =>
    new Date(Date.UTC(y, now.getUTCMonth() - i, 1)).toISOString().slice(0, 7)
  );
  const years = Array.from({ length: FISCAL_YEARS }, (_, i) => `FY${y - i}`);
  const since = [`${months[MONTHS - 1]}-01`, `${y - FISCAL_YEARS + 1}-01-01`].sort()[0];
  return { since, periods: [...months, ...years] };
}

export function invoiceRecipes(k: NaiveKit): NaiveFlow[] {
  const { coupa, person, sfQuery, one } = k;

  const invoices = k.coupaTrigger('invoices');
  const invoiceStatus = recipe('invoice-status', invoices, async (inv) => {
    const account = await k.findAccount(inv.supplier?.id);
    await one(() =>
      person.sobject('Coupa_Invoice__c').upsert(
        {
          Coupa_Invoice_Id__c: String(inv.id),
          Name: String(inv['invoice-number'] ?? inv.id).slice(0, 80),
          Account__c: account?.Id ?? null,
          Status__c: inv.status,
          Gross_Total__c: Number(inv['gross-total'] ?? 0),
          Paid__c: inv.paid === true
        },
        'Coupa_Invoice_Id__c'
      )
    );
  });

  /** Every document of one supplier since `since`, 50 per page (no IN-list across suppliers). */
  const documents = async (resource: string, supplierId: string, dateFilter: string, since: string) => {
    const out: Rec[] = [];
    for await (const d of coupa.list<Rec>(resource, {
      filters: { 'supplier[id]': supplierId, [`${dateFilter}[gt_or_eq]`]: since }
    }))
      out.push(d);
    return out;
  };

  // A scheduled recipe: no trigger, no memory. Each run reads every linked Account's documents and upserts every
  // summary, changed or not (no comparison with what it wrote last time), one record per call.
  const spendSummary: NaiveFlow = {
    flow: 'spend-summary',
    async run() {
      const { since, periods } = spendPeriods(new Date());
      const accounts = await sfQuery(
        'SELECT Id, Name, Coupa_Supplier_Id__c FROM Account WHERE Coupa_Supplier_Id__c != null'
      );
      let n = 0;
      for (const a of accounts) {
        const summaries = new Map<string, Summary>();
        let currency: string | null = null;
        const add = (date: unknown, f: (s: Summary) => void) => {
          if (!date) return;
          const iso = String(date);
          for (const period of [iso.slice(0, 7), `FY${iso.slice(0, 4)}`]) {
            if (!periods.includes(period)) continue;
            const s = summaries.get(period) ?? { period, committed: 0, openPoCount: 0, invoiced: 0, paid: 0 };
            f(s);
            summaries.set(period, s);
          }
        };
        for (const po of await documents('purchase_orders', a.Coupa_Supplier_Id__c, 'created-at', since)) {
          currency ??= po.currency?.code ?? null;
          if (!OPEN_PO.includes(po.status)) continue;
          const total = (po['order-lines'] ?? []).reduce((t: number, l: Rec) => t + Number(l.total ?? 0), 0);
          add(po['created-at'], (s) => {
            s.committed += total;
            s.openPoCount++;
          });
        }
        for (const inv of await documents('invoices', a.Coupa_Supplier_Id__c, 'invoice-date', since)) {
          currency ??= inv.currency?.code ?? null;
          if (!NOT_INVOICED.includes(inv.status))
            add(inv['invoice-date'], (s) => (s.invoiced += Number(inv['gross-total'] ?? 0)));
          for (const p of inv.payments ?? []) add(p['payment-date'], (s) => (s.paid += Number(p['amount-paid'] ?? 0)));
        }
        for (const s of summaries.values()) {
          n++;
          const fiscal = s.period.startsWith('FY');
          await one(() =>
            person.sobject('Coupa_Spend_Summary__c').upsert(
              {
                Key__c: `${a.Id}-${s.period}`,
                Name: `${a.Name} · ${s.period}`.slice(0, 80),
                Account__c: a.Id,
                Period__c: s.period,
                Period_Type__c: fiscal ? 'Fiscal Year' : 'Month',
                Period_Start__c: fiscal ? `${s.period.slice(2)}-01-01` : `${s.period}-01`,
                Currency_Code__c: currency,
                Committed_Spend__c: Math.round(s.committed * 100) / 100,
                Open_PO_Count__c: s.openPoCount,
                Invoiced_Amount__c: Math.round(s.invoiced * 100) / 100,
                Paid_Amount__c: Math.round(s.paid * 100) / 100,
                As_Of__c: new Date().toISOString()
              },
              'Key__c'
            )
          );
        }
      }
      return n;
    }
  };

  return [invoiceStatus, spendSummary];
}
