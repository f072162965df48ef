import { parseFaults } from './faults';
import { startCoupaEmulator } from './index';
import type { CoupaEmulatorOptions } from './options';

const USAGE = `Usage: npm run emulator:coupa -- --port P --client-id X --client-secret Y [options]
  --scopes "a b c"          scopes granted to the client (default: all implemented)
  --seed N|FILE             N generated records (deterministic) or a JSON seed file
  --seed-number S           seed number for generated records (default 1)
  --faults SPEC             e.g. "status:503:2,latency:200,expire-token::1,shift:-1" or a JSON array
  --rate R --burst B        token bucket (default 25/s, burst 20); --no-rate-limit disables
  --throttle 429|403|queue  how an exhausted bucket answers (default 429)
  --retry-after             send Retry-After on 429
  --auto-approve            approve submitted documents immediately
  --token-ttl SECONDS       token lifetime (default 86399)
  --allow-scopeless-token   a token request without scope gets every granted scope
  --clamp-limit             clamp limit>50 instead of 400
  --lenient                 ignore unknown attributes / custom fields instead of 400
  --custom-fields SPEC      e.g. "requisitions=salesforce-opportunity-id;invoices=cf-erp-number" (merged over defaults)
  --ignore-undocumented-filters  drop custom_fields[…] and unknown-attribute filters instead of applying them
  --test-control            expose /__control
  --tz -08:00               instance UTC offset
  --host H                  bind address (default 127.0.0.1)`;

function parse(argv: string[]): CoupaEmulatorOptions {
  const o: CoupaEmulatorOptions = {};
  let seedNumber: number | undefined;
  let rate: number | undefined;
  let burst: number | undefined;
  let retryAfter = false;
  let noRate = false;
  let throttle: '429' | '403' | 'queue' = '429';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--port': o.port = Number(next()); break;
      case '--host': o.host = next(); break;
      case '--client-id': o.clientId = next(); break;
      case '--client-secret': o.clientSecret = next(); break;
      case '--scopes': o.scopes = next().split(/[\s,]+/).filter(Boolean); break;
      case '--seed': { const v = next(); o.seed = /^\d+$/.test(v) ? Number(v) : v; break; }
      case '--seed-number': seedNumber = Number(next()); break;
      case '--faults': o.faults = parseFaults(next()); break;
      case '--rate': rate = Number(next()); break;
      case '--throttle': {
        const t = next();
        if (t !== '429' && t !== '403' && t !== 'queue') throw new Error(`--throttle must be 429, 403 or queue\n${USAGE}`);
        throttle = t;
        break;
      }
      case '--burst': burst = Number(next()); break;
      case '--retry-after': retryAfter = true; break;
      case '--no-rate-limit': noRate = true; break;
      case '--auto-approve': o.autoApprove = true; break;
      case '--token-ttl': o.tokenTtlSeconds = Number(next()); break;
      case '--allow-scopeless-token': o.allowScopelessToken = true; break;
      case '--clamp-limit': o.limitAbove50 = 'clamp'; break;
      case '--ignore-undocumented-filters': o.undocumentedFilters = 'ignore'; break;
      case '--lenient': o.unknownAttributes = 'ignore'; o.unknownCustomFields = 'ignore'; break;
      case '--test-control': o.testControl = true; break;
      case '--custom-fields':
        o.customFields = Object.fromEntries(
          next()
            .split(';')
            .filter(Boolean)
            .map((part) => {
              const [resource, names = ''] = part.split('=');
              return [resource.trim(), names.split(',').map((n) => n.trim()).filter(Boolean)];
            }),
        );
        break;
      case '--tz': o.timezoneOffset = next(); break;
      case '-h':
      case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (typeof o.seed === 'number' && seedNumber !== undefined) o.seed = { size: o.seed, seed: seedNumber };
  o.rateLimit = noRate ? false : { ratePerSecond: rate ?? 25, burst: burst ?? 20, retryAfterHeader: retryAfter, throttle };
  return o;
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  opts.log = (line) => console.error(line);
  const emu = await startCoupaEmulator(opts);
  console.log(`Coupa emulator listening on ${emu.url} (token: ${emu.url}/oauth2/token, API: ${emu.url}/api)`);
  const stop = () => void emu.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
