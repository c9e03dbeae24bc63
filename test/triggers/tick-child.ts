/** A second process for the lock test: one scheduler tick at a fixed time over a shared state directory. */
import { Engine } from '../../src/engine/index.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { Scheduler } from '../../src/triggers/index.ts';
import { testConfig } from '../helpers/state.ts';
import { testRegistry } from '../helpers/tasks.ts';

const [workspace, at, startAt] = process.argv.slice(2) as [string, string, string];
const config = testConfig({ workspace });
const store = new RunStore(stateTarget(config));
const engine = new Engine({ store, registry: testRegistry(), config });
const s = new Scheduler({ engine, clock: () => new Date(at), execute: false, log: () => {} });
// Both processes start their tick at the same wall-clock moment.
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const out = await s.tick();
process.stdout.write(JSON.stringify(out));
store.close();
await engine.close();
