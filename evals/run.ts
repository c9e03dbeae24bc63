/**
 * `npm run eval -- [--suite planner|triage] [suite options]`: runs one eval suite (default planner).
 * Suite options are passed on, e.g. `npm run eval -- --suite planner --provider offline --set all`.
 */
const args = process.argv.slice(2);
let suite = 'planner';
const at = args.findIndex((a) => a === '--suite' || a.startsWith('--suite='));
if (at >= 0) {
  const arg = args[at] as string;
  suite = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (args[at + 1] ?? '');
  args.splice(at, arg.includes('=') ? 1 : 2);
}
process.argv = [...process.argv.slice(0, 2), ...args];
if (suite === 'planner') await import('./planner/run.ts');
else if (suite === 'triage') await import('./triage/run.ts');
else {
  process.stderr.write(
    `error[USAGE]: unknown eval suite "${suite}"\n  fix: use --suite planner or --suite triage\n`,
  );
  process.exitCode = 2;
}
