/** ingest.postgres against a real PostgreSQL (see test/helpers/postgres.ts): penguins loaded into a table. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPostgres, redactConnection } from '../../tools/ingest/postgres.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { contextWith, rejectsWith, vegaJson } from './fixtures.ts';

type Penguin = Record<string, string | number | null>;
const penguins = vegaJson<Penguin>('penguins.json');
let db: TestPostgres;

beforeAll(async () => {
  db = await startPostgres();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS pw_penguins');
    await client.query(`CREATE TABLE pw_penguins (
      id serial PRIMARY KEY, species text NOT NULL, island text, beak_length double precision,
      body_mass integer, sex text, observed date, measured_at timestamptz, adult boolean, weight numeric(8,2))`);
    for (const [i, p] of penguins.entries()) {
      await client.query(
        'INSERT INTO pw_penguins (species, island, beak_length, body_mass, sex, observed, measured_at, adult, weight) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
        [
          p.Species,
          p.Island,
          p['Beak Length (mm)'],
          p['Body Mass (g)'],
          p.Sex,
          `2020-01-${String((i % 28) + 1).padStart(2, '0')}`,
          `2020-01-01T10:00:00Z`,
          i % 2 === 0,
          p['Body Mass (g)'] === null ? null : Number(p['Body Mass (g)']) / 1000,
        ],
      );
    }
  } finally {
    await client.end();
  }
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

describe('ingest.postgres', () => {
  it('reads a table with its column types and row count', async () => {
    const ctx = contextWith();
    const out = await ingestPostgres.run(
      ingestPostgres.input.parse({ connection: db.url, table: 'public.pw_penguins' }),
      ctx,
    );
    expect(out.rows).toBe(penguins.length);
    const types = Object.fromEntries(out.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      id: 'INTEGER',
      species: 'VARCHAR',
      beak_length: 'DOUBLE',
      body_mass: 'INTEGER',
      observed: 'DATE',
      measured_at: 'TIMESTAMP WITH TIME ZONE',
      adult: 'BOOLEAN',
      weight: 'DOUBLE',
    });
    const beak = (out.profile?.columns ?? []).find((c) => c.name === 'beak_length');
    expect(beak?.nulls).toBe(penguins.filter((p) => p['Beak Length (mm)'] === null).length);
    const sums = await withDuckDB((d) =>
      d.all(
        `SELECT sum(body_mass) AS m, count(*) FILTER (WHERE adult) AS adults FROM read_parquet('${out.dataset.path}')`,
      ),
    );
    expect(Number(sums[0]?.m)).toBe(penguins.reduce((a, p) => a + Number(p['Body Mass (g)'] ?? 0), 0));
    expect(Number(sums[0]?.adults)).toBe(Math.ceil(penguins.length / 2));
  });

  it('runs a read-only query, with a limit', async () => {
    const ctx = contextWith();
    const out = await ingestPostgres.run(
      ingestPostgres.input.parse({
        connection: db.url,
        query: 'SELECT species, count(*) AS n FROM pw_penguins GROUP BY species ORDER BY species;',
      }),
      ctx,
    );
    expect(out.rows).toBe(3);
    expect(out.columns).toEqual([
      { name: 'species', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
    ]);
    const limited = await ingestPostgres.run(
      ingestPostgres.input.parse({ connection: db.url, table: 'pw_penguins', limit: 10 }),
      ctx,
    );
    expect(limited.rows).toBe(10);
  });

  it('refuses a query that writes, inside a read-only transaction', async () => {
    const ctx = contextWith();
    const err = await rejectsWith(
      ingestPostgres.run(
        ingestPostgres.input.parse({ connection: db.url, query: 'DELETE FROM pw_penguins RETURNING *' }),
        ctx,
      ),
      'DATA_POSTGRES_QUERY',
    );
    expect(err.fix).toMatch(/read-only SELECT/);
    // A SELECT with a side effect gets past the parser, and the read-only transaction stops it.
    const write = await rejectsWith(
      ingestPostgres.run(
        ingestPostgres.input.parse({ connection: db.url, query: "SELECT nextval('pw_penguins_id_seq')" }),
        ctx,
      ),
      'DATA_POSTGRES_QUERY',
    );
    expect(write.details).toEqual({ sqlState: '25006' });
    const check = await ingestPostgres.run(
      ingestPostgres.input.parse({ connection: db.url, table: 'pw_penguins' }),
      ctx,
    );
    expect(check.rows).toBe(penguins.length);
  });

  it('names a missing table', async () => {
    const ctx = contextWith();
    const err = await rejectsWith(
      ingestPostgres.run(ingestPostgres.input.parse({ connection: db.url, table: 'pw_pengiuns' }), ctx),
      'DATA_POSTGRES_QUERY',
    );
    expect(err.why).toContain('pw_pengiuns');
  });

  it('never shows the password, in logs or in errors', async () => {
    const ctx = contextWith();
    const out = await ingestPostgres.run(
      ingestPostgres.input.parse({ connection: db.url, table: 'pw_penguins' }),
      ctx,
    );
    expect(out.source.location).not.toContain(encodeURIComponent(db.password));
    expect(JSON.stringify(ctx.logs)).not.toContain(encodeURIComponent(db.password));

    const wrong = db.url.replace(encodeURIComponent(db.password), 'wrong-password-123');
    const err = await rejectsWith(
      ingestPostgres.run(ingestPostgres.input.parse({ connection: wrong, table: 'pw_penguins' }), ctx),
      'DATA_POSTGRES_CONNECT',
    );
    expect(JSON.stringify(err)).not.toContain('wrong-password-123');
    expect(redactConnection('host=db user=me password=topsecret dbname=x')).toBe(
      'host=db user=me password=*** dbname=x',
    );
  });
});
