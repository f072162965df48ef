import { benchFlows } from './flows';
import { benchNaive } from './naive';
import { reportFlows, reportWriteThroughput } from './report';
import { Table } from './table';
(async () => {
  const sizes = { coupaSeed: 4_000, opportunities: 200, onboardingRequests: 100 };
  const log = (l: string) => process.stderr.write(l + '\n');
  const table = new Table();
  const ours = await benchFlows(sizes, log);
  await ours.close();
  const naive = await benchNaive(sizes, log);
  reportFlows(table, ours.results, naive);
  reportWriteThroughput(table, ours.results);
  process.stdout.write(table.render() + '\n');
  process.exit(0);
})();
