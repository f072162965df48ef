/**
 * Demo records for the preview: a linked supplier Account with an Opportunity, sixty invoices (some overdue,
 * disputed or paid) and a year of spend; and an Account that is not in Coupa yet, to start onboarding.
 * Dates are relative to `today`, so overdue invoices and the current month stay current.
 */
import type { SeedData } from '../../emulators/salesforce/src/index';

const iso = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, 12);
const month = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;

export function demoSeed(today = new Date()): SeedData {
  const invoices: Record<string, unknown>[] = [];
  const statuses = ['approved', 'pending_approval', 'approved', 'processing', 'approved'];
  for (let i = 0; i < 60; i++) {
    const invoiceDate = addDays(today, -5 * i - 3);
    const due = addDays(invoiceDate, 30);
    const total = 1200 + ((i * 7919) % 9000);
    const paid = i >= 12 && i % 4 !== 1;
    const disputed = i === 4 || i === 17;
    invoices.push({
      Name: `INV-${String(2400 - i).padStart(5, '0')}`,
      Coupa_Invoice_Id__c: String(90000 + i),
      Account__c: '@northwind',
      ...(i % 6 === 0 ? { Opportunity__c: '@fleet' } : {}),
      Status__c: disputed ? 'disputed' : paid ? 'approved' : statuses[i % statuses.length],
      Invoice_Date__c: iso(invoiceDate),
      Due_Date__c: iso(due),
      Gross_Total__c: total,
      Currency_Code__c: 'USD',
      Paid__c: paid && !disputed,
      Amount_Paid__c: paid && !disputed ? total : i === 9 ? 500 : 0,
      Payment_Date__c: paid && !disputed ? iso(addDays(due, -2)) : null,
      Dispute_Reason__c: disputed ? 'Quantity billed does not match goods received' : null,
      PO_Number__c: `PO-${5001 + (i % 5)}`
    });
  }
  const spend: Record<string, unknown>[] = [];
  for (let m = 0; m < 9; m++) {
    const start = new Date(today.getFullYear(), today.getMonth() - m, 1, 12);
    const committed = 38000 + ((m * 5231) % 14000);
    const budget = 60000;
    spend.push({
      Name: `Northwind Traders ${month(start)}`,
      Key__c: `northwind:${month(start)}`,
      Account__c: '@northwind',
      Period__c: month(start),
      Period_Type__c: 'Month',
      Period_Start__c: iso(start),
      Committed_Spend__c: committed,
      Invoiced_Amount__c: Math.round(committed * 0.72),
      Paid_Amount__c: Math.round(committed * 0.55),
      Budget_Amount__c: budget,
      Budget_Remaining__c: budget - committed,
      Budget_Utilization__c: Math.round((committed / budget) * 10000) / 100,
      Open_PO_Count__c: 3 + (m % 4),
      Currency_Code__c: 'USD',
      As_Of__c: today.toISOString()
    });
  }
  return {
    Account: [
      {
        '@ref': 'northwind',
        Name: 'Northwind Traders',
        Type: 'Vendor',
        Industry: 'Manufacturing',
        Coupa_Supplier_Id__c: '4711',
        Coupa_Supplier_Number__c: 'SUP-0042',
        Coupa_Supplier_Status__c: 'active',
        Coupa_Risk_Level__c: 'Medium',
        Coupa_Risk_Score__c: 54.5,
        Coupa_Onboarding_Status__c: 'Approved',
        Coupa_Last_Synced__c: today.toISOString()
      },
      { '@ref': 'globex', Name: 'Globex Manufacturing', Type: 'Vendor', Industry: 'Electronics' }
    ],
    Opportunity: [
      {
        '@ref': 'fleet',
        Name: 'Northwind fleet renewal 2027',
        AccountId: '@northwind',
        StageName: 'Closed Won',
        CloseDate: iso(addDays(today, -20)),
        Amount: 48000,
        Coupa_Requisition_Id__c: '812',
        Coupa_Requisition_Status__c: 'ordered',
        Coupa_PO_Number__c: 'PO-5001',
        Coupa_PO_Status__c: 'issued',
        Coupa_Committed_Amount__c: 48000
      }
    ],
    Coupa_Invoice__c: invoices,
    Coupa_Spend_Summary__c: spend
  };
}
