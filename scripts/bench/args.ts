/** `npm run bench` command line: size, optional families, and which sections to run (`--only`). */

/** The measurement families of one run, in the order they run. */
export const SECTIONS = ['flows', 'naive', 'backfill', 'latency', 'streaming', 'engine', 'clients'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchArgs {
  quick: boolean;
  liveLatency: boolean;
  backfillInvoices: number;
  /** Sections to run: every one unless `--only=a,b` names some. */
  only: ReadonlySet<Section>;
}

const USAGE = `usage: npm run bench -- [--quick] [--live-latency] [--backfill=N] [--only=${SECTIONS.join(',')}]`;

export function parseArgs(argv: string[]): BenchArgs {
  const quick = argv.includes('--quick');
  let backfillInvoices = quick ? 1_000 : 100_000;
  let only = new Set<Section>(SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick' || arg === '--live-latency') continue;
    if (arg.startsWith('--backfill=')) {
      backfillInvoices = Number(arg.slice('--backfill='.length));
      if (!Number.isInteger(backfillInvoices) || backfillInvoices < 1)
        throw new Error(
          `--backfill takes a whole number of invoices, got "${arg.slice('--backfill='.length)}"\n${USAGE}`
        );
      continue;
    }
    if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length)
        throw new Error(
          `--only takes sections separated by commas, from ${SECTIONS.join(', ')}; got "${value ?? ''}"\n${USAGE}`
        );
      only = new Set(names as Section[]);
      continue;
    }
    throw new Error(`unknown option "${arg}"\n${USAGE}`);
  }
  return { quick, liveLatency: argv.includes('--live-latency'), backfillInvoices, only };
}
