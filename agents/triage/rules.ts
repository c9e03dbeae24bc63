/**
 * The offline triage: deterministic rules that classify a drift alert and propose one action. They run with
 * no model and are what an LLM's refinement is checked against.
 *
 * Order matters: a broken pipe (schema, nulls, units, renamed categories) explains drift better than the
 * world moving, and a tiny window explains nothing.
 */
import type { Action, Evidence, FeatureEvidence, Proposal, Severity, Verdict } from './types.ts';

export interface RuleOptions {
  /** Below this many current rows the window is too small to tell (default 50). */
  minRows?: number;
  /** Mute: look again after this many days (default 7). */
  muteDays?: number;
  /** A production version deployed less than this many hours before the alert is a rollback suspect (default 48). */
  recentDeployHours?: number;
}

/** Findings that mean the schema broke; a widened number type (INTEGER → DOUBLE) is compared anyway. */
const isSchemaBreak = (f: { kind: string; severity: string }) =>
  f.kind === 'missing_in_current' ||
  f.kind === 'new_in_current' ||
  (f.kind === 'type_changed' && f.severity === 'critical');

/** Unit conversions a scale jump is checked against (factor = current / reference). */
const UNITS: { factor: number; label: string }[] = [
  { factor: 10, label: '×10 (e.g. cm logged as mm)' },
  { factor: 100, label: '×100 (e.g. a share logged as a percentage, m as cm)' },
  { factor: 1000, label: '×1000 (e.g. kg logged as g, km as m)' },
  { factor: 1e6, label: '×1,000,000' },
  { factor: 0.1, label: '÷10 (e.g. mm logged as cm)' },
  { factor: 0.01, label: '÷100 (e.g. a percentage logged as a share)' },
  { factor: 0.001, label: '÷1000 (e.g. g logged as kg, m as km)' },
  { factor: 25.4, label: '×25.4 (inches logged as mm)' },
  { factor: 1 / 25.4, label: '÷25.4 (mm logged as inches)' },
  { factor: 2.54, label: '×2.54 (inches logged as cm)' },
  { factor: 1 / 2.54, label: '÷2.54 (cm logged as inches)' },
  { factor: 0.45359, label: '×0.454 (pounds logged as kg)' },
  { factor: 1 / 0.45359, label: '×2.2 (kg logged as pounds)' },
];

export interface UnitChange {
  column: string;
  factor: number;
  label: string;
}

/** A numeric column whose whole distribution moved by one unit factor (mean, spread and range alike). */
export function unitChange(f: FeatureEvidence): UnitChange | undefined {
  const r = f.summary?.reference;
  const c = f.summary?.current;
  if (f.type !== 'numeric' || !r || !c) return undefined;
  const { mean: rm, std: rs } = r;
  const { mean: cm, std: cs } = c;
  if (rm == null || cm == null || !rs || !cs) return undefined;
  const spread = cs / rs;
  // Temperatures: Fahrenheit = Celsius × 1.8 + 32 (and back).
  if (Math.abs(spread / 1.8 - 1) < 0.1 && Math.abs((cm - 32) / 1.8 - rm) < 0.35 * rs)
    return { column: f.name, factor: 1.8, label: '°C logged as °F (×1.8 + 32)' };
  if (Math.abs(spread * 1.8 - 1) < 0.1 && Math.abs(cm * 1.8 + 32 - rm) < 0.35 * rs)
    return { column: f.name, factor: 1 / 1.8, label: '°F logged as °C ((x − 32) ÷ 1.8)' };
  if (rm === 0) return undefined;
  const level = cm / rm;
  if (level <= 0 || Math.abs(Math.log(level / spread)) > 0.2) return undefined;
  // The range moves with it: a unit change scales the smallest and largest values by the same factor.
  const off = (a: number | null | undefined, b: number | null | undefined) =>
    a != null && b != null && a > 0 && b > 0 && Math.abs(Math.log(b / a / spread)) > 0.35;
  if (off(r.max, c.max) || off(r.min, c.min)) return undefined;
  const factor = Math.sqrt(level * spread);
  const unit = UNITS.find((u) => Math.abs(Math.log(factor / u.factor)) < 0.2);
  return unit ? { column: f.name, factor, label: unit.label } : undefined;
}

/** Categories that vanished while new ones took their share: a rename upstream, not a shift. */
export function renamedCategories(
  f: FeatureEvidence,
): { column: string; from: string[]; to: string[] } | undefined {
  const cats = f.categories;
  if (f.type !== 'categorical' || !cats) return undefined;
  const gone = Object.keys(cats.reference).filter(
    (k) => k !== '(other)' && (cats.reference[k] ?? 0) >= 0.02 && (cats.current[k] ?? 0) < 0.002,
  );
  const added = Object.keys(cats.current).filter(
    (k) => k !== '(other)' && (cats.current[k] ?? 0) >= 0.02 && (cats.reference[k] ?? 0) < 0.002,
  );
  if (!gone.length || !added.length) return undefined;
  const g = gone.reduce((s, k) => s + (cats.reference[k] ?? 0), 0);
  const a = added.reduce((s, k) => s + (cats.current[k] ?? 0), 0);
  return Math.abs(g - a) <= Math.max(0.15, 0.5 * g) ? { column: f.name, from: gone, to: added } : undefined;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

export function classify(ev: Evidence, opts: RuleOptions = {}): Verdict {
  const minRows = opts.minRows ?? 50;
  const drifted = ev.features.filter((f) => f.drifted);

  const schema = ev.findings.filter(isSchemaBreak);
  if (schema.length) {
    const breaking = schema.some((f) => f.kind !== 'new_in_current');
    return {
      classification: 'data_quality',
      cause: 'schema_change',
      severity: breaking ? 'critical' : 'warning',
      columns: [...new Set(schema.map((f) => f.column))],
      reasoning: [
        ...schema.map((f) => f.message),
        'The columns the model reads changed shape upstream; the drift tests cannot be trusted until the schema matches.',
      ],
    };
  }

  const nulls = ev.findings.filter((f) => f.kind === 'null_share_increase' || f.kind === 'no_values');
  if (nulls.length) {
    const worst = Math.max(
      0,
      ...nulls.map(
        (n) =>
          ev.features.find((f) => f.name === n.column)?.nulls.current ?? ev.window.nullRates[n.column] ?? 0,
      ),
    );
    const columns = [...new Set(nulls.map((f) => f.column))];
    return {
      classification: 'data_quality',
      cause: 'nulls',
      severity: worst >= 0.5 || nulls.some((n) => n.kind === 'no_values') ? 'critical' : 'warning',
      columns,
      reasoning: [
        ...columns.map((c) => {
          const f = ev.features.find((x) => x.name === c);
          return f
            ? `"${c}" is missing in ${pct(f.nulls.current)} of the current rows (${pct(f.nulls.reference)} in the training data).`
            : `"${c}" lost its values in the current window.`;
        }),
        'Values that were always present went missing: an upstream job or join broke; the world did not change.',
      ],
    };
  }

  const units = drifted.map(unitChange).filter((u) => u !== undefined);
  if (units.length) {
    return {
      classification: 'data_quality',
      cause: 'unit_change',
      severity: 'critical',
      columns: units.map((u) => u.column),
      reasoning: [
        ...units.map(
          (u) =>
            `"${u.column}" moved as a whole by a factor of ${u.factor.toPrecision(3)} (mean, spread and range alike): ${u.label}.`,
        ),
        'A clean unit factor across the whole distribution is a logging or conversion change, not a real-world shift.',
      ],
    };
  }

  const renames = drifted.map(renamedCategories).filter((r) => r !== undefined);
  if (renames.length) {
    return {
      classification: 'data_quality',
      cause: 'category_renamed',
      severity: 'warning',
      columns: renames.map((r) => r.column),
      reasoning: [
        ...renames.map(
          (r) =>
            `"${r.column}": ${r.from.map((x) => `"${x}"`).join(', ')} vanished while ${r.to
              .map((x) => `"${x}"`)
              .join(', ')} appeared with about the same share.`,
        ),
        'Categories do not swap names in the real world: the upstream vocabulary changed.',
      ],
    };
  }

  if (ev.current.rows < minRows) {
    return {
      classification: 'noise',
      cause: 'small_sample',
      severity: 'info',
      columns: drifted.map((f) => f.name),
      reasoning: [
        `The current window has only ${ev.current.rows} rows (fewer than ${minRows}); drift tests on so few rows flag chance differences.`,
      ],
    };
  }
  if (drifted.length === 0) {
    return {
      classification: 'noise',
      cause: 'distribution_shift',
      severity: 'info',
      columns: [],
      reasoning: ['No feature passed its drift threshold; the alert carries nothing to act on.'],
    };
  }

  const seasonal = seasonalNote(ev);
  const reasoning = [
    `${drifted.length} of ${ev.features.length} features drifted (${pct(ev.alert.share)}): ${drifted
      .map((f) => `${f.name} (${f.change})`)
      .join('; ')}.`,
    'No schema change, no new missing values, no unit factor and no renamed categories: the data pipe looks healthy, so the inputs themselves moved.',
    ...(seasonal ? [seasonal] : []),
  ];
  const severity: Severity = ev.alert.drifted ? 'critical' : 'warning';
  return {
    classification: 'real_shift',
    cause: seasonal
      ? 'seasonal_shift'
      : recentDeployment(ev, opts)
        ? 'recent_deployment'
        : 'distribution_shift',
    severity,
    columns: drifted.map((f) => f.name),
    reasoning,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function seasonalNote(ev: Evidence): string | undefined {
  const cur = ev.window.months;
  const ref = ev.window.referenceMonths;
  const seasonalColumns = ev.features.filter(
    (f) => f.drifted && /month|season|week|day_?of_?year/i.test(f.name),
  );
  if (cur?.length && ref?.length && cur.length < ref.length && cur.length <= 6) {
    return `The current window covers ${cur.map((m) => MONTHS[m - 1]).join(', ')} while the training data covers ${ref.length} months: a seasonal shift the model has seen little of.`;
  }
  if (seasonalColumns.length) {
    return `Calendar features drifted too (${seasonalColumns.map((f) => f.name).join(', ')}): the window sits in a different season than the training data.`;
  }
  return undefined;
}

function recentDeployment(ev: Evidence, opts: RuleOptions): boolean {
  const m = ev.model;
  if (!m?.deployedAt || m.version === undefined) return false;
  const hours = (Date.parse(ev.alert.at) - Date.parse(m.deployedAt)) / 3_600_000;
  const previous = m.previousVersions.at(-1);
  return (
    hours >= 0 &&
    hours < (opts.recentDeployHours ?? 48) &&
    previous !== undefined &&
    previous.datasetHash !== undefined &&
    previous.datasetHash !== m.trainingDataHash
  );
}

export function propose(ev: Evidence, v: Verdict, opts: RuleOptions = {}): Proposal {
  const m = ev.model;
  const cols = v.columns.map((c) => `"${c}"`).join(', ');
  if (v.classification === 'data_quality') {
    return {
      action: 'fix_upstream',
      reasons: [
        `Fix the upstream data first (${cols}): ${v.reasoning[0] ?? ''}`,
        'Retraining now would teach the model the bug; rolling back does not help, every version reads the same broken input.',
        ...(m
          ? [
              `Production stays on ${m.name} v${m.version ?? '?'}; re-run the drift check once the feed is fixed.`,
            ]
          : []),
      ],
    };
  }
  if (v.classification === 'noise') return mute(ev, v.reasoning[0] ?? 'too little evidence', opts);
  if (ev.modelMissing) {
    return mute(
      ev,
      `The alert is about model "${ev.modelMissing}", which is no longer registered: there is nothing to retrain or roll back.`,
      opts,
    );
  }
  if (v.cause === 'recent_deployment' && m?.version !== undefined) {
    const previous = m.previousVersions.at(-1);
    if (previous) {
      return {
        action: 'rollback',
        rollbackTo: previous.version,
        reasons: [
          `${m.name} v${m.version} went to production ${m.deployedAt ?? 'recently'}, trained on different data than v${previous.version}; the drift appeared right after.`,
          `Roll production back to v${previous.version} while the new training data is checked.`,
        ],
      };
    }
  }
  return {
    action: 'retrain',
    reasons: [
      `The inputs moved for real (${cols}); a model trained on ${m?.trainingData ?? 'the old data'} no longer sees data like what it serves.`,
      m?.trainingRunId
        ? `Re-run the plan that trained ${m.name} v${m.version} (run ${m.trainingRunId}) on fresh data, evaluate it, and promote it after approval.`
        : 'Train on recent data, evaluate it, and promote it after approval.',
    ],
  };
}

function mute(ev: Evidence, why: string, opts: RuleOptions): Proposal {
  const at = Date.parse(ev.alert.at);
  const reviewAt = new Date((Number.isNaN(at) ? Date.now() : at) + (opts.muteDays ?? 7) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  return {
    action: 'mute',
    reviewAt,
    reasons: [why, `Mute this alert and review it on ${reviewAt} with a larger window.`],
  };
}

/** The actions that make sense for a classification (an LLM's refinement must stay inside them). */
export function allowedActions(ev: Evidence, v: Verdict): Action[] {
  if (v.classification === 'data_quality') return ['fix_upstream', 'mute'];
  if (v.classification === 'noise') return ['mute'];
  if (ev.modelMissing || !ev.model) return ['mute', 'retrain'];
  return ev.model.previousVersions.length ? ['retrain', 'rollback', 'mute'] : ['retrain', 'mute'];
}
