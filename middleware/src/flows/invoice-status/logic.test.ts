import { buildTask, poNumbersOf, taskEvents, taskLedgerKey, taskSubject } from './logic';
import { parseInvoiceStatusOptions } from './options';

const opts = parseInvoiceStatusOptions({}).tasks;
const now = new Date('2026-11-28T12:00:00Z');
const recent = '2026-11-28T03:00:00-08:00';

describe('invoice-status logic', () => {
  it('reads distinct PO numbers in line order', () => {
    expect(poNumbersOf({ id: 1, 'invoice-lines': [{ 'po-number': '7' }, { 'po-number': null }, { 'po-number': '7' }, { 'po-number': '9' }] })).toEqual(['7', '9']);
    expect(poNumbersOf({ id: 1 })).toEqual([]);
  });

  it('logs a Task only on the transition into disputed or paid', () => {
    expect(taskEvents({ status: 'approved', paid: false }, { status: 'disputed', paid: false }, recent, opts, now)).toEqual(['disputed']);
    expect(taskEvents({ status: 'disputed', paid: false }, { status: 'disputed', paid: false }, recent, opts, now)).toEqual([]);
    expect(taskEvents({ status: 'approved', paid: false }, { status: 'approved', paid: true }, recent, opts, now)).toEqual(['paid']);
    expect(taskEvents({ status: 'approved', paid: true }, { status: 'approved', paid: true }, recent, opts, now)).toEqual([]);
    expect(taskEvents({ status: 'disputed', paid: true }, { status: 'approved', paid: true }, recent, opts, now)).toEqual([]);
  });

  it('a first-seen invoice logs a Task only when it changed recently (no flood on the first backfill)', () => {
    expect(taskEvents(null, { status: 'disputed', paid: false }, recent, opts, now)).toEqual(['disputed']);
    expect(taskEvents(null, { status: 'disputed', paid: true }, '2025-01-01T00:00:00Z', opts, now)).toEqual([]);
    expect(taskEvents(null, { status: 'approved', paid: true }, null, opts, now)).toEqual([]);
  });

  it('honours the options', () => {
    const off = parseInvoiceStatusOptions({ tasks: false }).tasks;
    expect(taskEvents({ status: 'approved', paid: false }, { status: 'disputed', paid: true }, recent, off, now)).toEqual([]);
    const onlyPaid = parseInvoiceStatusOptions({ tasks: { onDisputed: false } }).tasks;
    expect(taskEvents({ status: 'approved', paid: false }, { status: 'disputed', paid: true }, recent, onlyPaid, now)).toEqual(['paid']);
    expect(() => parseInvoiceStatusOptions({ tasks: { onDisputd: true } })).toThrow(/flows\.invoice-status\.options\.tasks/);
  });

  it('builds a readable Task and a per-transition ledger key', () => {
    const inv = { id: 42, 'invoice-number': 'INV-9', 'gross-total': '250.0', currency: { code: 'USD' }, comments: 'Wrong price', supplier: { id: 3, name: 'Acme' }, 'invoice-lines': [{ 'po-number': '12' }], 'updated-at': recent };
    const task = buildTask('disputed', inv, { accountId: '001x', url: 'https://c/invoices/42', today: '2026-11-28', status: 'Completed' });
    expect(task).toMatchObject({ WhatId: '001x', Subject: 'Coupa invoice INV-9 disputed', Priority: 'High', Status: 'Completed', ActivityDate: '2026-11-28' });
    expect(task.Description).toContain('Dispute reason: Wrong price');
    expect(task.Description).toContain('Invoice total: 250.00 USD');
    expect(task.Description).toContain('PO: 12');
    const paid = { ...inv, payments: [{ 'amount-paid': '200.0' }, { 'amount-paid': 50 }] };
    expect(buildTask('paid', paid, { accountId: '001x', url: 'u', today: '2026-11-28', status: 'Completed' }).Description).toContain('Amount paid: 250.00 USD');
    expect(taskSubject('paid', { id: 5 })).toBe('Coupa invoice #5 paid');
    expect(taskLedgerKey('paid', inv)).toBe(`invoice-status:task:42:paid:${recent}`);
  });
});
