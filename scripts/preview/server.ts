/**
 * Real-browser preview of the package's Lightning Web Components: serves an Account or Opportunity "record page"
 * that runs the actual components (LWC OSS + lightning-base-components + SLDS) against the Salesforce emulator.
 * /services/** and /cometd/** are forwarded to the emulator with a session, so the components' LDS calls
 * (implemented in client/platform over the REST API) and empApi (CometD) see live emulator data.
 *
 *   npx tsx scripts/preview/server.ts [--port 4173] [--no-build]
 *
 * With no emulator given it starts one seeded with demo data and prints the record pages' URLs.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { isStale, OUT_DIR } from './paths';
import { demoSeed } from './demo-seed';
import {
  startSalesforceEmulator,
  type RunningSalesforceEmulator,
  type SeedData
} from '../../emulators/salesforce/src/index';

const SLDS_ASSETS = path.join(path.dirname(require.resolve('@salesforce-ux/design-system/package.json')), 'assets');
const FAYE_CLIENT = path.join(path.dirname(require.resolve('faye/package.json')), 'client/faye-browser-min.js');
const API_VERSION = '62.0';

export interface PreviewOptions {
  port?: number;
  host?: string;
  /** Use this emulator (e.g. the sandbox's); otherwise one is started with `seed` (default: demo data). */
  emulator?: RunningSalesforceEmulator;
  seed?: SeedData;
  /** Rebuild the bundle even if it is up to date. Default: build when missing or older than the sources. */
  rebuild?: boolean;
  /** Coupa base URL for the supplier panel's deep link. */
  coupaBaseUrl?: string;
}

export interface RunningPreview {
  url: string;
  emulator: RunningSalesforceEmulator;
  /** `@ref` → Id of the seeded records (empty when an emulator was passed in). */
  refs: Record<string, string>;
  recordUrl(objectApiName: string, id: string): string;
  /** Settles when the bundle is built (at once when it was up to date); pages answer 503 "building" until then. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png',
  '.html': 'text/html; charset=utf-8'
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function sendFile(res: http.ServerResponse, file: string): void {
  fs.readFile(file, (err, buf) => {
    if (err) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(buf);
  });
}

/** Serves a file from under `dir` only; no path escapes. */
function sendUnder(res: http.ServerResponse, dir: string, rel: string): void {
  const file = path.resolve(dir, '.' + path.posix.normalize('/' + rel));
  if (!file.startsWith(dir + path.sep)) {
    res.writeHead(404).end('not found');
    return;
  }
  sendFile(res, file);
}

function page(title: string, bodyHtml: string, config?: Record<string, unknown>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} | Coupa connector preview</title>
<link rel="stylesheet" href="/assets/slds/styles/salesforce-lightning-design-system.min.css">
<style>body{background:#f3f3f3;font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif} .preview-col>*{display:block;margin-bottom:.75rem} #toasts{pointer-events:none} #toasts>*{pointer-events:auto} .slds-modal,.slds-backdrop{transition:none!important}</style>
${config ? `<script type="application/json" id="preview-config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>` : ''}
</head>
<body>
${bodyHtml}
${config ? '<script src="/assets/faye.js"></script>\n<script type="module" src="/assets/preview.js"></script>' : ''}
</body>
</html>`;
}

function recordPage(objectApiName: string, id: string, name: string, coupaBaseUrl: string | undefined): string {
  const icon = objectApiName === 'Account' ? 'account' : 'opportunity';
  const action =
    objectApiName === 'Account'
      ? '<button id="start-onboarding" class="slds-button slds-button_neutral">Start supplier onboarding</button>'
      : '';
  const body = `
<div id="toasts" class="slds-notify_container" aria-live="polite"></div>
<div class="slds-page-header slds-page-header_record-home">
  <div class="slds-page-header__row">
    <div class="slds-page-header__col-title">
      <div class="slds-media">
        <div class="slds-media__figure">
          <span class="slds-icon_container slds-icon-standard-${icon}" title="${objectApiName}">
            <svg class="slds-icon slds-page-header__icon" aria-hidden="true"><use href="/assets/slds/icons/standard-sprite/svg/symbols.svg#${icon}"></use></svg>
          </span>
        </div>
        <div class="slds-media__body">
          <p class="slds-page-header__name-meta">${objectApiName}</p>
          <h1 class="slds-page-header__title slds-truncate" id="record-name">${escapeHtml(name)}</h1>
        </div>
      </div>
    </div>
    <div class="slds-page-header__col-actions"><div class="slds-page-header__controls">${action}</div></div>
  </div>
</div>
<main class="slds-grid slds-wrap slds-gutters_small slds-p-around_small">
  <div class="slds-col slds-size_1-of-1 slds-large-size_8-of-12 preview-col" id="main"></div>
  <div class="slds-col slds-size_1-of-1 slds-large-size_4-of-12 preview-col" id="sidebar"></div>
</main>
<section id="action-modal" role="dialog" tabindex="-1" aria-modal="true" aria-labelledby="action-title" class="slds-modal">
  <div class="slds-modal__container">
    <button id="action-close" class="slds-button slds-button_icon slds-modal__close" title="Close">
      <svg class="slds-button__icon slds-button__icon_large" aria-hidden="true"><use href="/assets/slds/icons/utility-sprite/svg/symbols.svg#close"></use></svg>
      <span class="slds-assistive-text">Close</span>
    </button>
    <div class="slds-modal__header"><h2 id="action-title" class="slds-modal__title slds-hyphenate">Start supplier onboarding</h2></div>
    <div id="action-body"></div>
  </div>
</section>
<div id="action-backdrop" class="slds-backdrop" role="presentation"></div>`;
  return page(name, body, { objectApiName, recordId: id, coupaBaseUrl });
}

/**
 * Builds the bundle in a separate process (rollup and the LWC compiler are ES modules that test runners may not load),
 * without blocking this process's event loop: the sandbox's connector and emulators answer while it runs.
 */
function buildBundle(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'build.ts')], (err) =>
      err ? reject(new Error(`the LWC preview bundle did not build: ${err.message}`)) : resolve()
    );
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  });
}

const BUILDING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>Building the preview</title></head><body><p>The LWC preview is being built (the first start after a change to force-app takes a few seconds). This page reloads by itself.</p></body></html>`;

export async function startPreview(options: PreviewOptions = {}): Promise<RunningPreview> {
  let bundle: 'building' | 'ready' | Error = 'ready';
  const ready = options.rebuild || isStale() ? buildBundle() : Promise.resolve();
  if (options.rebuild || isStale()) {
    bundle = 'building';
    ready.then(
      () => (bundle = 'ready'),
      (err: Error) => (bundle = err)
    );
  }

  const ownEmulator = !options.emulator;
  const emulator =
    options.emulator ??
    (await startSalesforceEmulator({ clientId: 'lwc-preview', clientSecret: 'lwc-preview-secret' }));
  const refs = ownEmulator ? emulator.control.seed(options.seed ?? demoSeed()) : {};
  let token = emulator.control.issueToken().access_token;
  const target = new URL(emulator.url);

  const sf = async (p: string): Promise<any> => {
    const r = await fetch(`${emulator.url}/services/data/v${API_VERSION}${p}`, {
      headers: { Authorization: `Bearer ${token}` }
    });
    if (r.status === 401) {
      token = emulator.control.issueToken().access_token;
      return sf(p);
    }
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r.json();
  };

  /** Forwards a browser call to the emulator with the session; re-issues the token once on 401. */
  const proxy = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, retried = false) => {
    const headers = { ...req.headers, host: target.host, authorization: `Bearer ${token}` };
    delete headers.cookie;
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (up) => {
        if (up.statusCode === 401 && !retried) {
          up.resume();
          token = emulator.control.issueToken().access_token;
          proxy(req, res, body, true);
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`emulator unreachable: ${e.message}`);
    });
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://preview');
    const p = url.pathname;
    if (p.startsWith('/services/') || p.startsWith('/cometd/')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => proxy(req, res, Buffer.concat(chunks)));
      return;
    }
    if (bundle !== 'ready' && !p.startsWith('/assets/slds/')) {
      if (bundle === 'building') return void res.writeHead(503, { 'Content-Type': TYPES['.html'], 'Retry-After': '2' }).end(BUILDING_PAGE);
      return void res.writeHead(500, { 'Content-Type': 'text/plain' }).end(bundle.message);
    }
    if (p === '/assets/preview.js') return sendFile(res, path.join(OUT_DIR, 'preview.js'));
    if (p === '/assets/faye.js') return sendFile(res, FAYE_CLIENT);
    if (p.startsWith('/assets/slds/')) return sendUnder(res, SLDS_ASSETS, p.slice('/assets/slds/'.length));
    if (p === '/favicon.ico') return void res.writeHead(204).end();

    const m = /^\/lightning\/r\/([A-Za-z0-9_]+)\/([A-Za-z0-9]{15,18})\/view$/.exec(p);
    const handle = async () => {
      if (m) {
        const [, objectApiName, id] = m;
        const rec = await sf(`/sobjects/${objectApiName}/${id}?fields=Name`);
        if (objectApiName === 'Account' || objectApiName === 'Opportunity') {
          return recordPage(objectApiName, id, String(rec.Name), options.coupaBaseUrl);
        }
        const full = await sf(`/sobjects/${objectApiName}/${id}`);
        const rows = Object.entries(full)
          .filter(([k]) => k !== 'attributes')
          .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(String(v ?? ''))}</td></tr>`)
          .join('');
        return page(
          String(rec.Name),
          `<div class="slds-p-around_medium"><h1 class="slds-text-heading_medium">${escapeHtml(objectApiName)} ${escapeHtml(String(rec.Name))}</h1><table class="slds-table slds-table_bordered">${rows}</table></div>`
        );
      }
      if (p === '/') {
        const list = async (obj: string) =>
          (await sf(`/query?q=${encodeURIComponent(`SELECT Id, Name FROM ${obj} ORDER BY Name LIMIT 200`)}`))
            .records as Array<{
            Id: string;
            Name: string;
          }>;
        const items = [
          ...(await list('Account')).map((r) => ['Account', r] as const),
          ...(await list('Opportunity')).map((r) => ['Opportunity', r] as const)
        ]
          .map(
            ([obj, r]) =>
              `<li class="slds-item"><a href="/lightning/r/${obj}/${r.Id}/view">${escapeHtml(r.Name)}</a> <span class="slds-text-color_weak">${obj}</span></li>`
          )
          .join('');
        return page(
          'Records',
          `<div class="slds-p-around_medium"><h1 class="slds-text-heading_medium slds-m-bottom_small">Coupa connector: LWC preview</h1><ul class="slds-has-dividers_bottom-space">${items}</ul></div>`
        );
      }
      return undefined;
    };
    handle().then(
      (html) => {
        if (html === undefined) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        else res.writeHead(200, { 'Content-Type': TYPES['.html'] }).end(html);
      },
      (e: Error) => res.writeHead(502, { 'Content-Type': 'text/plain' }).end(e.message)
    );
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  const url = `http://${options.host ?? '127.0.0.1'}:${addr.port}`;
  return {
    url,
    emulator,
    refs,
    recordUrl: (objectApiName, id) => `${url}/lightning/r/${objectApiName}/${id}/view`,
    ready,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownEmulator) await emulator.close();
    }
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  startPreview({
    port: portArg >= 0 ? Number(args[portArg + 1]) : 4173,
    rebuild: !args.includes('--no-build'),
    coupaBaseUrl: process.env.COUPA_BASE_URL
  }).then(
    (p) => {
      console.log(`LWC preview on ${p.url}`);
      for (const [ref, id] of Object.entries(p.refs)) {
        const obj = id.startsWith('001') ? 'Account' : id.startsWith('006') ? 'Opportunity' : undefined;
        if (obj) console.log(`  ${ref}: ${p.recordUrl(obj, id)}`);
      }
      console.log(`emulator on ${p.emulator.url}`);
    },
    (e: Error) => {
      console.error(e);
      process.exit(1);
    }
  );
}
