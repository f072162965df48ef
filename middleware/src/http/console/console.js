/**
 * The admin console: a small page over the admin API (/api/v1). No framework and no build step; every value from
 * the API reaches the page as text (textContent), never as HTML. The admin token is kept in this tab's
 * sessionStorage and sent as a bearer token; it can be handed over in the URL fragment (#token=…), which never
 * reaches the server and is removed from the address bar at once.
 */
const TOKEN_KEY = 'coupa-sf-console-token';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const notice = document.getElementById('notice');
const signOut = document.getElementById('sign-out');

// ---------------------------------------------------------------------------------------------------------------
// helpers

/** Builds an element: h('button', { class: 'primary', onclick }, 'Run now'). Strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

function ago(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function duration(run) {
  if (!run.finishedAt) return 'running';
  const ms = new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function statusBadge(status) {
  const tone = { succeeded: 'good', running: 'good', open: 'bad', failed: 'bad', partial: 'warn', paused: 'warn', replayed: 'good', discarded: '', resolved: 'good', pending: 'warn', approved: 'good', rejected: '' }[status] ?? '';
  return h('span', { class: `badge ${tone}` }, status);
}

function json(value) {
  return h('pre', {}, value === undefined ? '' : JSON.stringify(value, null, 2));
}

function counts(c) {
  const parts = Object.entries(c ?? {})
    .filter(([, n]) => n)
    .map(([k, n]) => `${n} ${k}`);
  return parts.length ? parts.join(', ') : 'nothing to do';
}

function say(message, error = false) {
  notice.replaceChildren(h('div', { class: `msg${error ? ' error' : ''}` }, message));
}

function timelineLink(key) {
  return h('a', { href: `#/timeline/${encodeURIComponent(key)}` }, key);
}

function table(headers, rows, empty) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows));
}

// ---------------------------------------------------------------------------------------------------------------
// API

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token()}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('That token was not accepted. Paste the admin token (ADMIN_TOKEN, or the one the sandbox printed).');
    throw new ApiError(401, data);
  }
  if (!res.ok && res.status !== 202) throw new ApiError(res.status, data);
  return data;
}

/** Runs an action, reports its outcome, then re-renders the current view. */
async function act(label, fn) {
  try {
    const message = await fn();
    say(message ?? `${label}: done`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    say(`${label}: ${err.message}`, true);
  }
  await render();
}

// ---------------------------------------------------------------------------------------------------------------
// views

async function flowsView() {
  const { flows } = await api('GET', '/flows');
  const rows = flows.map((f) => {
    const state = f.paused ? 'paused' : f.running ? 'running' : f.enabled ? 'scheduled' : 'disabled';
    return h(
      'tr',
      { 'data-flow': f.name },
      h('td', {}, h('strong', {}, f.name), h('div', { class: 'muted' }, f.description ?? '')),
      h('td', {}, h('span', { class: `badge ${state === 'paused' ? 'warn' : state === 'disabled' ? '' : 'good'}`, 'data-field': 'state' }, state), f.pausedReason ? h('div', { class: 'muted' }, f.pausedReason) : null),
      h('td', {}, f.trigger, f.schedule ? h('div', { class: 'muted' }, f.schedule) : null),
      h('td', {}, f.lastRun ? [statusBadge(f.lastRun.status), h('div', { class: 'muted' }, when(f.lastRun.startedAt))] : '—'),
      h('td', {}, f.lastSuccessfulRun ? when(f.lastSuccessfulRun.finishedAt) : 'never'),
      h('td', { class: 'num' }, ago(f.lagSeconds)),
      h('td', { class: 'num' }, f.openDeadLetters ? h('a', { href: `#/dead-letters?flow=${encodeURIComponent(f.name)}` }, String(f.openDeadLetters)) : '0'),
      h('td', { class: 'num' }, f.openConflicts ? h('a', { href: '#/conflicts' }, String(f.openConflicts)) : '0'),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'actions' },
          f.paused
            ? h('button', { type: 'button', onclick: () => act(`Resume ${f.name}`, async () => (await api('POST', `/flows/${encodeURIComponent(f.name)}/resume`), `${f.name} resumed`)) }, 'Resume')
            : h('button', { type: 'button', onclick: () => act(`Pause ${f.name}`, async () => (await api('POST', `/flows/${encodeURIComponent(f.name)}/pause`, { reason: 'paused from the console' }), `${f.name} paused: nothing is read or written until it is resumed`)) }, 'Pause'),
          h(
            'button',
            {
              type: 'button',
              class: 'primary',
              disabled: f.paused,
              onclick: () =>
                act(`Run ${f.name}`, async () => {
                  const r = await api('POST', `/flows/${encodeURIComponent(f.name)}/run`);
                  return r.runId ? `${f.name}: run ${r.runId} ${r.status} (see Runs)` : `${f.name}: ${r.status}`;
                }),
            },
            'Run now',
          ),
        ),
      ),
    );
  });
  return [
    h('h2', {}, 'Flows'),
    h('p', { class: 'help' }, 'Each flow with its state, its last run, when it last completed a run, and its lag (time since that run started: everything older has been processed). Pause stops a flow from reading or writing; its place is kept. Run now starts a run at once.'),
    table(['flow', 'state', 'trigger', 'last run', 'last successful run', 'lag', 'dead letters', 'conflicts', ''], rows, 'No flows are registered.'),
  ];
}

async function runsView(params) {
  const flow = params.get('flow');
  const { runs, idle } = await api('GET', `/runs${flow ? `?flow=${encodeURIComponent(flow)}` : ''}`);
  const rows = runs.map((r) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, when(r.startedAt))),
      h('td', {}, r.flow),
      h('td', {}, r.trigger),
      h('td', {}, statusBadge(r.status)),
      h('td', { class: 'num' }, duration(r)),
      h('td', {}, counts(r.counts), r.error ? h('div', { class: 'muted' }, r.error) : null),
    ),
  );
  return [
    h('h2', {}, 'Runs'),
    h('p', { class: 'help' }, 'Runs that read or wrote something, newest first; open one for what it did with each record. Idle polls are counted per flow below instead of listed.'),
    table(['started', 'flow', 'trigger', 'status', 'duration', 'records'], rows, 'No run has done anything yet.'),
    idle.length
      ? h('div', { class: 'card' }, h('h3', {}, 'Idle runs'), h('ul', {}, idle.map((i) => h('li', {}, `${i.flow}: ${i.runs} run(s) found nothing to do between ${when(i.firstStartedAt)} and ${when(i.lastFinishedAt)}`))))
      : null,
  ];
}

function journalTable(journal) {
  return table(
    ['at', 'record', 'flow', 'direction', 'action', 'detail'],
    journal.map((j) =>
      h(
        'tr',
        {},
        h('td', {}, when(j.at)),
        h('td', {}, timelineLink(j.recordKey)),
        h('td', {}, j.flow),
        h('td', {}, j.direction),
        h('td', {}, statusBadge(j.action)),
        h('td', {}, j.error ?? (j.after ? h('details', {}, h('summary', {}, 'values'), json({ before: j.before ?? undefined, after: j.after })) : '')),
      ),
    ),
    'No record was touched.',
  );
}

async function runView(id) {
  const { run, journal } = await api('GET', `/runs/${encodeURIComponent(id)}`);
  return [
    h('h2', {}, `Run of ${run.flow}`),
    h('p', {}, statusBadge(run.status), ` started ${when(run.startedAt)} by ${run.trigger}, ${duration(run)}: ${counts(run.counts)}`),
    run.error ? h('p', { class: 'msg error' }, run.error) : null,
    h('h3', {}, 'Per-record journal'),
    journalTable(journal),
    h('p', {}, h('a', { href: '#/runs' }, '← all runs')),
  ];
}

async function deadLettersView(params) {
  const status = params.get('status') ?? 'open';
  const flow = params.get('flow');
  const q = new URLSearchParams({ status, ...(flow ? { flow } : {}) });
  const { deadLetters } = await api('GET', `/dead-letters?${q}`);
  const selected = new Set();
  const bulk = (label, verb) =>
    h(
      'button',
      {
        type: 'button',
        class: verb === 'discard' ? 'danger' : 'primary',
        onclick: () =>
          act(`${label}`, async () => {
            if (!selected.size) return 'Select dead letters first.';
            const results = [];
            for (const id of selected) {
              try {
                const r = await api('POST', `/dead-letters/${id}/${verb}`);
                results.push(r.status === 'failed' ? `#${id} failed again: ${r.message}` : `#${id} ${r.status}`);
              } catch (err) {
                results.push(`#${id}: ${err.message}`);
              }
            }
            return results.join('; ');
          }),
      },
      label,
    );
  const rows = deadLetters.map((d) =>
    h(
      'tr',
      { 'data-dead-letter': d.id },
      h('td', {}, d.status === 'open' ? h('input', { type: 'checkbox', 'aria-label': `select dead letter ${d.id}`, onchange: (e) => (e.target.checked ? selected.add(d.id) : selected.delete(d.id)) }) : null),
      h('td', {}, h('a', { href: `#/dead-letters/${d.id}` }, `#${d.id}`)),
      h('td', {}, d.flow),
      h('td', {}, timelineLink(d.recordKey)),
      h('td', {}, h('span', { class: 'badge bad' }, d.errorClass), h('div', {}, d.message ?? '')),
      h('td', { class: 'num' }, String(d.attempts)),
      h('td', {}, when(d.createdAt)),
      h('td', {}, statusBadge(d.status)),
    ),
  );
  const filter = h(
    'select',
    { 'aria-label': 'status', onchange: (e) => (location.hash = `#/dead-letters?status=${e.target.value}${flow ? `&flow=${encodeURIComponent(flow)}` : ''}`) },
    ['open', 'replayed', 'discarded', 'all'].map((s) => h('option', { value: s, selected: s === status }, s)),
  );
  return [
    h('h2', {}, 'Dead letters'),
    h('p', { class: 'help' }, 'Records that failed and were set aside, with the request sent and the answer received. Fix the cause (data in Salesforce or Coupa, a permission, a mapping), then replay: the record is read again and sent through its flow. Discard one that should not be synced.'),
    h('div', { class: 'toolbar' }, h('label', {}, 'Show ', filter), flow ? h('span', { class: 'badge' }, `flow: ${flow}`) : null, bulk('Replay selected', 'replay'), bulk('Discard selected', 'discard')),
    table(['', 'id', 'flow', 'record', 'failure', 'attempts', 'created', 'status'], rows, `No ${status === 'all' ? '' : `${status} `}dead letters.`),
  ];
}

async function deadLetterView(id) {
  const d = await api('GET', `/dead-letters/${encodeURIComponent(id)}`);
  return [
    h('h2', {}, `Dead letter #${d.id}`),
    h('p', {}, statusBadge(d.status), ` ${d.flow}, `, timelineLink(d.recordKey), `, ${d.errorClass} after ${d.attempts} attempt(s), ${when(d.createdAt)}`),
    h('div', { class: 'card' }, h('strong', {}, 'Reason: '), d.message ?? '—'),
    d.status === 'open'
      ? h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'primary', onclick: () => act('Replay', async () => { const r = await api('POST', `/dead-letters/${d.id}/replay`); return r.status === 'replayed' ? `Dead letter #${d.id} replayed` : `Dead letter #${d.id} failed again: ${r.message}`; }) }, 'Replay'),
          h('button', { type: 'button', class: 'danger', onclick: () => act('Discard', async () => (await api('POST', `/dead-letters/${d.id}/discard`), `Dead letter #${d.id} discarded`)) }, 'Discard'),
        )
      : null,
    h('div', { class: 'pair' }, h('div', {}, h('h3', {}, 'Request'), json(d.request)), h('div', {}, h('h3', {}, 'Response'), json(d.response))),
    h('h3', {}, 'Source record'),
    json(d.payload),
    h('p', {}, h('a', { href: '#/dead-letters' }, '← all dead letters')),
  ];
}

async function conflictsView(params) {
  const status = params.get('status') === 'resolved' ? 'resolved' : 'open';
  const { conflicts } = await api('GET', `/conflicts?status=${status}`);
  const value = (v) => (v === null || v === undefined ? h('span', { class: 'muted' }, '(empty)') : typeof v === 'object' ? json(v) : String(v));
  const rows = conflicts.map((c) =>
    h(
      'tr',
      { 'data-conflict': c.id },
      h('td', {}, `#${c.id}`),
      h('td', {}, c.flow),
      h('td', {}, timelineLink(c.recordKey)),
      h('td', {}, c.field.startsWith('(') ? `${c.field} — which record is which` : c.field),
      h('td', {}, value(c.sfValue)),
      h('td', {}, value(c.coupaValue)),
      h(
        'td',
        {},
        c.status === 'open'
          ? h(
              'div',
              { class: 'actions' },
              h('button', { type: 'button', onclick: () => act('Resolve', async () => { const r = await api('POST', `/conflicts/${c.id}/resolve`, { winner: 'salesforce' }); return `Conflict #${c.id} resolved: Salesforce wins${r.written ? ` (${r.action} written to Coupa)` : ''}`; }) }, 'Keep Salesforce'),
              h('button', { type: 'button', onclick: () => act('Resolve', async () => { const r = await api('POST', `/conflicts/${c.id}/resolve`, { winner: 'coupa' }); return `Conflict #${c.id} resolved: Coupa wins${r.written ? ` (${r.action} written to Salesforce)` : ''}`; }) }, 'Keep Coupa'),
            )
          : [statusBadge('resolved'), ` ${c.resolution ?? ''}`],
      ),
    ),
  );
  return [
    h('h2', {}, 'Conflicts'),
    h('p', { class: 'help' }, 'A field changed in both systems since the last sync, or a record that matches more than one counterpart. Choose the side that is right: its current value is written to the other side at once, and the field syncs normally again.'),
    h('div', { class: 'toolbar' }, h('a', { href: status === 'open' ? '#/conflicts?status=resolved' : '#/conflicts' }, status === 'open' ? 'show resolved' : 'show open')),
    table(['id', 'flow', 'record', 'field', 'Salesforce value', 'Coupa value', ''], rows, `No ${status} conflicts.`),
  ];
}

async function approvalsView() {
  let pending;
  let recent;
  try {
    [{ approvals: pending }, { approvals: recent }] = await Promise.all([api('GET', '/approvals?status=pending'), api('GET', '/approvals?status=all&limit=50')]);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [h('h2', {}, 'Agent approvals'), h('p', { class: 'muted' }, 'The agent gateway is off (mcp.enabled: false in connector.yaml).')];
    throw err;
  }
  const decided = recent.filter((a) => a.status !== 'pending');
  const decide = (a, verb, reasonInput) =>
    act(verb === 'approve' ? 'Approve' : 'Reject', async () => {
      const reason = reasonInput.value.trim();
      const r = await api('POST', `/approvals/${encodeURIComponent(a.id)}/${verb}`, reason ? { reason } : {});
      if (r.status === 'rejected') return `${a.tool} for ${a.token} rejected`;
      return r.status === 'succeeded' ? `${a.tool} for ${a.token} approved and done` : `${a.tool} for ${a.token} approved but failed: ${r.error ?? r.status}`;
    });
  const pendingRows = pending.map((a) => {
    const reason = h('input', { type: 'text', maxlength: 1000, placeholder: 'reason (optional)', 'aria-label': `reason for ${a.id}` });
    return h(
      'tr',
      { 'data-approval': a.id },
      h('td', {}, when(a.createdAt)),
      h('td', {}, h('strong', {}, a.token)),
      h('td', {}, h('code', {}, a.tool)),
      h('td', {}, json(a.args)),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'actions' },
          reason,
          h('button', { type: 'button', class: 'primary', onclick: () => decide(a, 'approve', reason) }, 'Approve'),
          h('button', { type: 'button', class: 'danger', onclick: () => decide(a, 'reject', reason) }, 'Reject'),
        ),
      ),
    );
  });
  const outcome = (a) =>
    a.status === 'succeeded' ? h('details', {}, h('summary', {}, 'result'), json(a.result)) : a.status === 'failed' ? a.error ?? '' : a.status === 'approved' ? 'running' : '';
  const decidedRows = decided.map((a) =>
    h(
      'tr',
      { 'data-approval': a.id },
      h('td', {}, when(a.createdAt)),
      h('td', {}, a.token),
      h('td', {}, h('code', {}, a.tool)),
      h('td', {}, h('code', {}, JSON.stringify(a.args))),
      h('td', { 'data-field': 'status' }, statusBadge(a.status)),
      h('td', {}, a.decidedBy ?? '—', h('div', { class: 'muted' }, when(a.decidedAt)), a.reason ? h('div', {}, a.reason) : null),
      h('td', { 'data-field': 'outcome' }, outcome(a)),
    ),
  );
  return [
    h('h2', {}, 'Agent approvals'),
    h('p', { class: 'help' }, 'Writes AI agents asked for through the agent gateway (MCP), waiting for a person. Approve runs the write at once through its flow, with the same rules as a scheduled run; Reject tells the agent no (with your reason, if you give one). Agents are named by their token’s configured name.'),
    h('h3', {}, 'Waiting for a decision'),
    table(['asked', 'agent token', 'tool', 'arguments', ''], pendingRows, 'No write is waiting for approval.'),
    h('h3', {}, 'Decided'),
    table(['asked', 'agent token', 'tool', 'arguments', 'status', 'decided by', 'outcome'], decidedRows, 'Nothing decided yet.'),
  ];
}

async function quarantineView() {
  const { quarantine } = await api('GET', '/quarantine');
  const rows = quarantine.map((q) =>
    h(
      'tr',
      {},
      h('td', {}, q.flow),
      h('td', {}, timelineLink(q.recordKey)),
      h('td', {}, when(q.at)),
      h('td', {}, q.reason ?? ''),
      h('td', {}, h('button', { type: 'button', onclick: () => act('Release', async () => (await api('POST', '/quarantine/release', { flow: q.flow, recordKey: q.recordKey }), `${q.recordKey} released: it syncs on its next change`)) }, 'Release')),
    ),
  );
  return [
    h('h2', {}, 'Quarantine'),
    h('p', { class: 'help' }, 'Records the ping-pong breaker stopped because they were written back and forth too often. Fix what makes them bounce, then release them.'),
    table(['flow', 'record', 'since', 'why', ''], rows, 'No quarantined records.'),
  ];
}

async function timelineView(query) {
  const input = h('input', { type: 'search', name: 'record', value: query ?? '', placeholder: 'Salesforce Id (006…), Coupa id (42) or record key', 'aria-label': 'record id' });
  const form = h(
    'form',
    {
      class: 'toolbar',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        if (input.value.trim()) location.hash = `#/timeline/${encodeURIComponent(input.value.trim())}`;
      },
    },
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Find'),
  );
  const out = [h('h2', {}, 'Record timeline'), h('p', { class: 'help' }, 'Everything the connector did with one record and its linked counterpart: every read, write, skip and failure, newest first. Search by a Salesforce Id, a Coupa id or a record key.'), form];
  if (!query) return out;
  const t = await api('GET', `/records/${encodeURIComponent(query)}/timeline`);
  if (!t.journal.length && !t.deadLetters.length && !t.conflicts.length) {
    out.push(h('p', { class: 'muted', 'data-result': 'none' }, `The connector has no history for ${query}.`));
    return out;
  }
  out.push(
    h('div', { class: 'card', 'data-result': 'found' }, h('strong', {}, 'Records: '), t.recordKeys.map((k, i) => [i ? ', ' : '', k])),
    t.links.length ? h('p', {}, t.links.map((l) => h('div', {}, `${l.group}: ${l.salesforce} ⇄ ${l.coupa}`))) : null,
    h('h3', {}, 'Journal'),
    journalTable(t.journal),
  );
  out.push(...(await previewSection(t.recordKeys)));
  if (t.deadLetters.length) {
    out.push(h('h3', {}, 'Dead letters'), table(['id', 'flow', 'status', 'reason'], t.deadLetters.map((d) => h('tr', {}, h('td', {}, h('a', { href: `#/dead-letters/${d.id}` }, `#${d.id}`)), h('td', {}, d.flow), h('td', {}, statusBadge(d.status)), h('td', {}, d.message ?? ''))), ''));
  }
  if (t.conflicts.length) {
    out.push(h('h3', {}, 'Conflicts'), table(['id', 'field', 'status'], t.conflicts.map((c) => h('tr', {}, h('td', {}, `#${c.id}`), h('td', {}, c.field), h('td', {}, statusBadge(c.status)))), ''));
  }
  return out;
}

/** "What would a run do with this record now?": the flows that read one of these records, each with a Preview button. */
async function previewSection(recordKeys) {
  const { flows } = await api('GET', '/flows');
  const offers = [];
  for (const key of recordKeys) {
    const [system, object, ...rest] = key.split(':');
    for (const f of flows) {
      if (f.readsById && f.source?.system === system && f.source?.object === object) offers.push({ flow: f.name, id: rest.join(':'), key });
    }
  }
  if (!offers.length) return [];
  const result = h('div', { 'data-preview': '' });
  const show = async (o) => {
    try {
      const p = await api('POST', `/flows/${encodeURIComponent(o.flow)}/preview`, { id: o.id });
      result.replaceChildren(
        h('div', { class: 'card' }, h('strong', {}, `${o.flow} would: `), statusBadge(p.operation), h('p', { 'data-field': 'reason' }, p.reason), p.payload ? json(p.payload) : null),
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) result.replaceChildren(h('p', { class: 'msg error' }, `Preview failed: ${err.message}`));
    }
  };
  return [
    h('h3', {}, 'What would a run do with it now?'),
    h('p', { class: 'help' }, 'A dry run through the flow (nothing is written): the payload it would send, or why it would send nothing.'),
    h('div', { class: 'actions' }, offers.map((o) => h('button', { type: 'button', onclick: () => show(o) }, `Preview ${o.key} in ${o.flow}`))),
    result,
  ];
}

async function auditView() {
  const { audit } = await api('GET', '/audit');
  return [
    h('h2', {}, 'Audit log'),
    h('p', { class: 'help' }, 'Who ran, paused, resumed, replayed, discarded, resolved or released what. Tokens appear as fingerprints, never as themselves.'),
    table(['at', 'who', 'action', 'detail'], audit.map((a) => h('tr', {}, h('td', {}, when(a.at)), h('td', {}, a.actor), h('td', {}, a.action), h('td', {}, h('code', {}, JSON.stringify(a.detail))))), 'Nothing yet.'),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// routing and sign-in

function showSignIn(message) {
  nav.hidden = true;
  signOut.hidden = true;
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, 'aria-label': 'admin token' });
  main.replaceChildren(
    h(
      'form',
      {
        class: 'signin card',
        onsubmit: (e) => {
          e.preventDefault();
          sessionStorage.setItem(TOKEN_KEY, input.value.trim());
          notice.replaceChildren();
          void render();
        },
      },
      h('h2', {}, 'Sign in'),
      h('p', { class: 'help' }, message ?? 'Paste the admin token: ADMIN_TOKEN, or the token the sandbox printed when it started. It stays in this browser tab only.'),
      h('label', {}, 'Admin token', input),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    ),
  );
  input.focus();
}

async function render() {
  if (!token()) {
    showSignIn();
    return;
  }
  nav.hidden = false;
  signOut.hidden = false;
  const [route, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [section, ...rest] = route.split('/');
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : null;
  const params = new URLSearchParams(query);
  const current = section || 'flows';
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.nav === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const views = {
    flows: () => flowsView(),
    runs: () => (arg ? runView(arg) : runsView(params)),
    'dead-letters': () => (arg ? deadLetterView(arg) : deadLettersView(params)),
    conflicts: () => conflictsView(params),
    approvals: () => approvalsView(),
    quarantine: () => quarantineView(),
    timeline: () => timelineView(arg),
    audit: () => auditView(),
  };
  try {
    const content = await (views[current] ?? views.flows)();
    main.replaceChildren(...content.flat().filter(Boolean));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    main.replaceChildren(h('p', { class: 'msg error' }, `Could not load this page: ${err.message}`));
  }
}

signOut.addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn('Signed out.');
});

/** A token handed over in the fragment (#token=…) is kept for this tab and removed from the address bar. */
function takeTokenFromFragment() {
  const handed = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!handed) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(handed[1]));
  history.replaceState(null, '', `${location.pathname}#/flows`);
}

window.addEventListener('hashchange', () => {
  takeTokenFromFragment();
  notice.replaceChildren();
  void render();
});
takeTokenFromFragment();
void render();
