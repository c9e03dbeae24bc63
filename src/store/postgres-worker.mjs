// Runs in a worker thread: holds the Postgres connections and answers the main thread's synchronous
// calls (synckit blocks the caller with Atomics.wait until the answer is posted back).
import pg from 'pg';
import { runAsWorker } from 'synckit';

// BIGINT (ids, sequence numbers, epoch ms) and NUMERIC come back as numbers, as they do from SQLite.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const clients = new Map();
let next = 1;

runAsWorker(async (msg) => {
  try {
    if (msg.op === 'open') {
      const client = new pg.Client({ connectionString: msg.url, application_name: 'pipewright' });
      await client.connect();
      if (msg.schema) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${msg.schema}"`);
        await client.query(`SET search_path TO "${msg.schema}"`);
      }
      const id = next++;
      clients.set(id, client);
      return { id };
    }
    const client = clients.get(msg.id);
    if (!client) throw new Error('the connection is closed');
    if (msg.op === 'close') {
      clients.delete(msg.id);
      await client.end();
      return {};
    }
    if (msg.op === 'exec') {
      await client.query(msg.sql);
      return {};
    }
    const r = await client.query(msg.sql, msg.params);
    return { rows: r.rows, rowCount: r.rowCount ?? 0 };
  } catch (e) {
    // Errors cross the thread boundary as data; the caller rethrows them with the SQLSTATE code.
    return { error: { message: e.message, code: e.code } };
  }
});
