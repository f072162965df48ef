import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FaultRule } from './faults';
import { startSalesforceEmulator } from './index';
import { SalesforceEmulatorOptions } from './options';

const USAGE = `Usage: emulator:salesforce --port P --client-id X --client-secret Y
  [--seed FILE] [--metadata DIR]... [--faults JSON|FILE] [--jwt-cert FILE]... [--username U]
  [--token-lifetime SECONDS] [--api-limit N] [--query-batch-size N] [--no-contract-auto-end-date] [--host H] [--public-url URL] [--pubsub-port P] [--no-test-mode] [--verbose]`;

function parseArgs(argv: string[]): SalesforceEmulatorOptions {
  const o: Partial<SalesforceEmulatorOptions> & { metadataDirs: string[]; jwtCertificates: string[] } = { metadataDirs: [], jwtCertificates: [] };
  let metadataGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port':
        o.port = Number(val());
        break;
      case '--host':
        o.host = val();
        break;
      case '--public-url':
        o.publicUrl = val();
        break;
      case '--client-id':
        o.clientId = val();
        break;
      case '--client-secret':
        o.clientSecret = val();
        break;
      case '--seed':
        o.seed = val();
        break;
      case '--metadata':
        metadataGiven = true;
        o.metadataDirs.push(val());
        break;
      case '--faults': {
        const v = val();
        o.faults = JSON.parse(existsSync(v) ? readFileSync(v, 'utf8') : v) as FaultRule[];
        break;
      }
      case '--jwt-cert':
        o.jwtCertificates.push(readFileSync(val(), 'utf8'));
        break;
      case '--username':
        o.username = val();
        break;
      case '--token-lifetime':
        o.tokenLifetimeSeconds = Number(val());
        break;
      case '--api-limit':
        o.apiLimit = Number(val());
        break;
      case '--query-batch-size':
        o.queryBatchSize = Number(val());
        break;
      case '--no-contract-auto-end-date':
        o.contractAutoEndDate = false;
        break;
      case '--pubsub-port':
        o.pubsub = { port: Number(val()) };
        break;
      case '--no-test-mode':
        o.testMode = false;
        break;
      case '--verbose':
        o.log = (line) => process.stderr.write(`${line}\n`);
        break;
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  if (!o.clientId || !o.clientSecret) throw new Error('--client-id and --client-secret are required');
  const opts = { ...o } as SalesforceEmulatorOptions;
  // --metadata adds to the repository's force-app; it does not replace it.
  if (metadataGiven) opts.metadataDirs = [...defaultDirs(), ...o.metadataDirs];
  else delete opts.metadataDirs;
  return opts;
}

function defaultDirs(): string[] {
  const dir = resolve(__dirname, '../../../force-app');
  return existsSync(dir) ? [dir] : [];
}

async function main(): Promise<void> {
  let opts: SalesforceEmulatorOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const emu = await startSalesforceEmulator(opts);
  process.stdout.write(`Salesforce emulator listening on ${emu.url}\n`);
  if (emu.pubsubUrl) process.stdout.write(`Pub/Sub API (gRPC, plaintext) on ${emu.pubsubUrl}\n`);
  const stop = (): void => {
    void emu.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
