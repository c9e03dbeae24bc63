/**
 * Where the prediction log lives: written by the server, read by drift checks (tools/monitor/traffic.ts) and
 * serving metrics (tools/monitor/serving-metrics.ts). Failed requests go to an `errors/` folder beside it, so
 * readers of the instances never see them.
 */
import path from 'node:path';

const SAFE_MODEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Folder that holds a model's prediction log files. */
export function predictionLogPath(stateDir: string, model: string): string {
  if (!SAFE_MODEL.test(model)) throw new Error(`unsafe model name for a path: ${model}`);
  return path.join(stateDir, 'predictions', model);
}

/** The glob DuckDB's read_json_auto takes to read every log file of a model. */
export function predictionLogGlob(stateDir: string, model: string): string {
  return path.join(predictionLogPath(stateDir, model), '*.jsonl');
}

/** Folder that holds a model's failed-request log files (one line per failed predict request). */
export function predictionErrorLogPath(stateDir: string, model: string): string {
  return path.join(predictionLogPath(stateDir, model), 'errors');
}

/** The glob of every failed-request log file of a model. */
export function predictionErrorLogGlob(stateDir: string, model: string): string {
  return path.join(predictionErrorLogPath(stateDir, model), '*.jsonl');
}
