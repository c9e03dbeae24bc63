/** Reads the rows a model scores from a Parquet dataset, checking the model's features are all there. */
import { userError } from '../../src/errors.ts';
import { ident, literal, withDuckDB } from './duckdb.ts';
import { normaliseRow } from './features.ts';

export interface ScoringRows {
  rows: Record<string, unknown>[];
  /** The target value per row (null when absent or not requested). */
  targets: unknown[];
  /** Parquet row number per row. */
  rowNumbers: number[];
}

export async function readScoringRows(
  file: string,
  features: { name: string; type: string }[],
  target?: string,
): Promise<ScoringRows> {
  return withDuckDB(async (db) => {
    const cols = await db.columns(`read_parquet(${literal(file)})`);
    const names = new Set(cols.map((c) => c.name));
    const missing = [...features.map((f) => f.name), ...(target ? [target] : [])].filter(
      (n) => !names.has(n),
    );
    if (missing.length) {
      throw userError(
        'DATASET_MISSING_COLUMNS',
        `The dataset lacks ${missing.length} column${missing.length === 1 ? '' : 's'} the model needs: ${missing.join(', ')}`,
        `its columns are: ${cols.map((c) => c.name).join(', ')}`,
        'Prepare the data with the same steps used for the training data.',
        { missing },
      );
    }
    const select = [...features.map((f) => f.name), ...(target ? [target] : [])].map(ident).join(', ');
    const raw = await db.all(
      `SELECT ${select}, file_row_number AS "__pw_row" FROM read_parquet(${literal(file)}, file_row_number = true) ORDER BY file_row_number`,
    );
    return {
      rows: raw.map((r) => normaliseRow(features, r)),
      targets: raw.map((r) => (target ? (r[target] ?? null) : null)),
      rowNumbers: raw.map((r) => Number(r.__pw_row)),
    };
  });
}
