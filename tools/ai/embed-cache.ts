/**
 * The embedding cache: vectors by (embedder id, sha256 of the exact text embedded), in SQLite at
 * `<stateDir>/ai/embedding-cache.db` (WAL, so several steps and processes share it). An unchanged chunk is
 * never embedded twice by the same provider and model, across runs, plans and steps; questions of a nightly
 * retrieval eval are embedded once. Vectors are stored as float32, as providers send them.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const textHash = (text: string) => createHash('sha256').update(text).digest('hex');

export class EmbeddingCache {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS vectors (
      embedder TEXT NOT NULL,
      hash TEXT NOT NULL,
      dims INTEGER NOT NULL,
      vector BLOB NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (embedder, hash)
    ) WITHOUT ROWID`);
  }

  static forStateDir(stateDir: string): EmbeddingCache {
    return new EmbeddingCache(path.join(stateDir, 'ai', 'embedding-cache.db'));
  }

  /** Cached vectors of the given text hashes (missing ones absent from the map). */
  getMany(embedder: string, hashes: readonly string[]): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const stmt = this.db.prepare(
      'SELECT hash, vector FROM vectors WHERE embedder = ? AND hash IN (SELECT value FROM json_each(?))',
    );
    for (let i = 0; i < hashes.length; i += 5000) {
      const rows = stmt.all(embedder, JSON.stringify(hashes.slice(i, i + 5000))) as {
        hash: string;
        vector: Buffer;
      }[];
      for (const r of rows) {
        const f = new Float32Array(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength / 4);
        out.set(r.hash, Array.from(f));
      }
    }
    return out;
  }

  putMany(embedder: string, entries: readonly { hash: string; vector: readonly number[] }[]): void {
    const stmt = this.db.prepare(
      'INSERT OR REPLACE INTO vectors (embedder, hash, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const at = new Date().toISOString();
    this.db.transaction(() => {
      for (const e of entries)
        stmt.run(embedder, e.hash, e.vector.length, Buffer.from(new Float32Array(e.vector).buffer), at);
    })();
  }

  count(embedder?: string): number {
    const row = (
      embedder
        ? this.db.prepare('SELECT count(*) AS n FROM vectors WHERE embedder = ?').get(embedder)
        : this.db.prepare('SELECT count(*) AS n FROM vectors').get()
    ) as { n: number };
    return row.n;
  }

  close(): void {
    this.db.close();
  }
}
