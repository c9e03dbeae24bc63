/**
 * The offline triage: deterministic rules that classify a drift alert and propose one action. They run with
 * no model and are what an LLM's refinement is checked against.
 *
 * Order matters: a broken pipe explains drift better than the world moving, a tiny window explains nothing,
 * and a report where nothing drifted beyond chance needs nothing. The data-quality findings come from
 * monitor.drift's statistical detectors (tools/monitor/drift-quality.ts), each with its evidence; here they
 * are weighed against the rest of the report — a unit factor on the one column that moved is a broken feed,
 * the same factor on one of many columns that moved together is a population that changed.
 *
 * A real shift is then analysed: the model's quality on labelled current rows (when labels arrived), the
 * season (the window against the same months of the reference), the label distribution, and the covariate
 * shift weighted by the model's feature importance. Never a retrain for a data-quality cause.
 */
import type {
  Action,
  Cause,
  Evidence,
  FeatureEvidence,
  Proposal,
  ReportFinding,
  Severity,
  Verdict,
  VerdictEvidence,
} from './types.ts';

export interface RuleOptions {
  /** Below this many current rows the window is too small to tell (default 50). */
  minRows?: number;
  /** Mute a small-sample alert for this many days (default 7). */
  muteDays?: number;
  /** Mute a seasonal alert the model has seen before for this many days (default 30). */
  seasonalMuteDays?: number;
  /** Mute a shift the model copes with for this many days (default 14). */
  copeMuteDays?: number;
  /** A production version deployed less than this many hours before the alert is a rollback suspect (default 48). */
  recentDeployHours?: number;
  /** Share of the model's importance on drifted inputs from which a covariate shift needs a retrain (default 0.25). */
  importanceShare?: number;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
const num = (x: number) => Number(x.toPrecision(3)).toString();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthList = (ms: number[]) => ms.map((m) => MONTHS[m - 1] ?? String(m)).join(', ');

/** A finding's evidence in the verdict's shape. */
function fromFinding(f: ReportFinding): VerdictEvidence {
  const e = f.evidence;
  return {
    kind: f.kind,
    column: f.column,
    statistic: e?.statistic ?? f.message,
    value: e?.value ?? null,
    threshold: e?.threshold ?? null,
    test: e?.test ?? f.message,
    examples: e?.examples ?? [],
  };
}

/** Whether `column` moved at least twice as far as any other drifted feature: it moved on its own. */
function movedAlone(ev: Evidence, column: string): boolean {
  const own = ev.features.find((f) => f.name === column)?.movement ?? 0;
  const others = ev.features
    .filter((f) => f.name !== column && f.drifted && f.name !== ev.modelCheck?.target)
    .map((f) => f.movement ?? 0);
  return own >= 2 * Math.max(0, ...others);
}

/** Whether no feature other than `column` (and the model's target) drifted: the column changed on its own. */
function onlyMover(ev: Evidence, column: string): boolean {
  return !ev.features.some((f) => f.drifted && f.name !== column && f.name !== ev.modelCheck?.target);
}

/** A scale finding is a broken feed when it is orders of magnitude, °C ↔ °F, or the one column that moved. */
function scaleIsBug(ev: Evidence, f: ReportFinding): boolean {
  const d = f.evidence?.detail ?? {};
  const factor = typeof d.factor === 'number' ? d.factor : Number.NaN;
  const unit = typeof d.unit === 'string' ? d.unit : '';
  return Math.abs(Math.log10(factor)) >= 0.9 || /°[CF]/.test(unit) || movedAlone(ev, f.column);
}

/** An offset is a broken feed when it is a unit offset (kelvin) or the one column that moved. */
function offsetIsBug(ev: Evidence, f: ReportFinding): boolean {
  const unit = f.evidence?.detail?.unit;
  return typeof unit === 'string' || movedAlone(ev, f.column);
}

interface QualityRule {
  kinds: string[];
  cause: Cause;
  severity: Severity;
  applies?: (ev: Evidence, f: ReportFinding) => boolean;
  why: string;
}

/** Data-quality causes in order of precedence. */
const QUALITY_RULES: QualityRule[] = [
  {
    kinds: ['missing_in_current', 'new_in_current'],
    cause: 'schema_change',
    severity: 'critical',
    why: 'The columns the feed delivers changed; the drift tests cannot be trusted until the schema matches the contract again.',
  },
  {
    kinds: ['type_changed'],
    cause: 'type_change',
    severity: 'critical',
    applies: (_ev, f) => f.severity === 'critical',
    why: 'Values arrive as another kind (text for numbers): the model cannot read them as it was trained to.',
  },
  {
    kinds: ['null_share_increase', 'no_values'],
    cause: 'nulls',
    severity: 'warning',
    why: 'Values that were present went missing: an upstream job or join broke; the world did not change.',
  },
  {
    kinds: ['stuck_values'],
    cause: 'stuck_values',
    severity: 'critical',
    // A continuous sensor stuck at one value is broken whatever else moved; a category (or a numeric code with
    // a handful of values) taken over by one value is a sub-population unless nothing else moved.
    applies: (ev, f) =>
      (ev.features.find((x) => x.name === f.column)?.type === 'numeric' &&
        f.evidence?.detail?.code !== true) ||
      onlyMover(ev, f.column),
    why: 'A feature that stopped varying is a stuck sensor or a default filled in upstream, not a changed world.',
  },
  {
    kinds: ['scale_change'],
    cause: 'unit_change',
    severity: 'critical',
    applies: scaleIsBug,
    why: 'A whole distribution multiplied by one factor (the same values in other units) is a logging or conversion change, not a real-world shift.',
  },
  {
    kinds: ['offset_change'],
    cause: 'offset_change',
    severity: 'critical',
    applies: offsetIsBug,
    why: 'One column shifted by a constant with its shape and spread unchanged while its neighbours stayed put: a calibration, unit or time-zone error upstream.',
  },
  {
    kinds: ['category_variant'],
    cause: 'category_variant',
    severity: 'warning',
    why: 'Known values arrive spelled differently (case, whitespace): the model treats them as unknown categories.',
  },
  {
    kinds: ['category_renamed'],
    cause: 'category_renamed',
    severity: 'warning',
    why: 'Categories do not swap names in the real world: the upstream vocabulary changed.',
  },
  {
    kinds: ['category_new'],
    cause: 'category_new',
    severity: 'warning',
    why: 'Values the model has never seen arrive in a share the reference does not predict: map them upstream (or, if they are real, add them to the training data once the feed is settled).',
  },
  {
    kinds: ['category_vanished'],
    cause: 'category_vanished',
    severity: 'warning',
    applies: (ev, f) => onlyMover(ev, f.column),
    why: 'Common values disappeared while nothing else moved: a filter or join upstream is dropping them.',
  },
  {
    kinds: ['duplicate_rows'],
    cause: 'duplicate_rows',
    severity: 'warning',
    why: 'Rows delivered more than once (a retried batch, a fan-out join) weigh some cases double; de-duplicate upstream.',
  },
];

/** The data-quality verdict, if a finding explains the alert. */
function qualityVerdict(ev: Evidence): Verdict | undefined {
  for (const rule of QUALITY_RULES) {
    const hits = ev.findings.filter((f) => rule.kinds.includes(f.kind) && (rule.applies?.(ev, f) ?? true));
    if (!hits.length) continue;
    const critical =
      rule.severity === 'critical' ||
      hits.some((h) => h.severity === 'critical') ||
      (rule.cause === 'nulls' &&
        hits.some((h) => (ev.features.find((f) => f.name === h.column)?.nulls.current ?? 0) >= 0.5));
    return {
      classification: 'data_quality',
      cause: rule.cause,
      severity: critical ? 'critical' : 'warning',
      columns: [...new Set(hits.map((h) => h.column).filter((c) => c !== '*'))],
      reasoning: [...hits.map((h) => h.message), rule.why],
      evidence: hits.map(fromFinding),
    };
  }
  return undefined;
}

/** The importance of drifted inputs, as a share of the model's total. */
function importanceOn(ev: Evidence, columns: string[]): number | undefined {
  const imp = ev.modelCheck?.importance;
  if (!imp || Object.keys(imp).length === 0) return undefined;
  return columns.reduce((s, c) => s + (imp[c] ?? 0), 0);
}

export function classify(ev: Evidence, opts: RuleOptions = {}): Verdict {
  const quality = qualityVerdict(ev);
  if (quality) return quality;

  const minRows = opts.minRows ?? 50;
  const drifted = ev.features.filter((f) => f.drifted);
  if (ev.current.rows < minRows && drifted.length) {
    return {
      classification: 'noise',
      cause: 'small_sample',
      severity: 'info',
      columns: [],
      reasoning: [
        `The current window has only ${ev.current.rows} rows (fewer than ${minRows}); drift tests on so few rows flag chance differences (${drifted
          .map((f) => f.name)
          .join(', ')} moved).`,
      ],
      evidence: [
        {
          kind: 'window',
          statistic: 'current rows',
          value: ev.current.rows,
          threshold: minRows,
          test: `a window needs at least ${minRows} rows to tell a shift from chance`,
          examples: [],
        },
      ],
    };
  }
  const check = ev.modelCheck;
  const qualityDrop = check?.quality?.dropped === true;
  if (drifted.length === 0 && !qualityDrop) {
    return {
      classification: 'no_drift',
      cause: 'none',
      severity: 'info',
      columns: [],
      reasoning: [
        `No feature drifted beyond chance (${ev.features.length} checked) and no data-quality problem was found${
          check?.quality
            ? `; the model's ${check.quality.metric} on the labelled rows is ${num(check.quality.current)} (holdout ${num(check.quality.baseline)})`
            : ''
        }.`,
      ],
      evidence: [],
    };
  }
  return realShift(ev, drifted, opts);
}

function realShift(ev: Evidence, drifted: FeatureEvidence[], opts: RuleOptions): Verdict {
  const check = ev.modelCheck;
  const target = check?.target;
  const covariates = drifted.filter((f) => f.name !== target);
  const imp = check?.importance ?? {};
  const ordered = [...drifted].sort(
    (a, b) => (imp[b.name] ?? 0) * (b.movement ?? 0) - (imp[a.name] ?? 0) * (a.movement ?? 0),
  );
  const columns = ordered.map((f) => f.name);
  const evidence: VerdictEvidence[] = [];
  const reasoning: string[] = [
    `${drifted.length} of ${ev.features.length} features drifted beyond chance: ${ordered
      .map((f) => `${f.name} (${f.change})`)
      .join('; ')}.`,
    'No schema, type, null, unit, offset, stuck-value, category or duplicate problem explains it: the data pipe looks healthy, so the inputs themselves moved.',
  ];

  // Quality where labels arrived.
  const q = check?.quality;
  if (q) {
    evidence.push({
      kind: 'quality',
      statistic: `${q.metric} on ${q.rows} labelled current rows (holdout ${num(q.baseline)})`,
      value: q.current,
      threshold: q.baseline,
      test: q.test,
      examples: [],
    });
    reasoning.push(
      q.dropped
        ? `Labels arrived: the model's ${q.metric} fell from ${num(q.baseline)} (holdout) to ${num(q.current)} on ${q.rows} current rows (p ${num(q.pValue)}).`
        : `Labels arrived: the model's ${q.metric} held (${num(q.current)} on ${q.rows} current rows against ${num(q.baseline)} on its holdout).`,
    );
  }

  // The season: the window against the same months of the reference.
  const s = ev.season;
  let seasonal: 'seen' | 'unseen' | undefined;
  if (s && s.currentMonths.length < 12 && covariates.length) {
    const baselineDrift = s.drifted.filter((c) => c !== target && covariates.some((f) => f.name === c));
    // Movement beyond chance: two samples of one distribution still differ by a KS distance of about
    // 0.87·√(1/n + 1/m) (the mean of Kolmogorov's law), a large share of what remains against ~90 rows.
    const chance = (n: number) => 0.8687 * Math.sqrt(1 / Math.max(n, 1) + 1 / Math.max(ev.current.rows, 1));
    const moved = (fs: { name: string; movement?: number | null }[], rows: number) =>
      covariates.reduce((sum, c) => {
        const m = fs.find((f) => f.name === c.name)?.movement ?? 0;
        return sum + Math.max(0, m - (c.type === 'numeric' ? chance(rows) : 0));
      }, 0);
    const whole = moved(covariates, ev.reference.rows);
    const left = s.baseline ? moved(s.features, s.baseline.rows) : whole;
    const remaining = whole > 0 ? left / whole : 1;
    if (!s.baseline) {
      seasonal = 'unseen';
      reasoning.push(
        `The window covers ${monthList(s.currentMonths)}, months the reference (${monthList(s.referenceMonths)}) never saw: the model has not learned this season.`,
      );
    } else if (!s.baseline.wholeReference) {
      const where = `the same months of the reference (${monthList(s.currentMonths)}${
        s.baseline.lastYear
          ? ', one year earlier'
          : s.baseline.years.length
            ? ` of ${s.baseline.years.join(', ')}`
            : ''
      }, ${s.baseline.rows} rows)`;
      if (remaining <= 0.5) {
        seasonal = 'seen';
        reasoning.push(
          `Against ${where} ${pct(1 - remaining)} of the movement beyond chance disappears${
            baselineDrift.length
              ? ` (${baselineDrift.join(', ')} still drift a little: this season differs somewhat from earlier ones)`
              : ''
          }: the shift is mostly the calendar, and the model was trained on these months.`,
        );
      } else {
        reasoning.push(
          `Against ${where} ${pct(remaining)} of the movement beyond chance remains: this is not the season alone.`,
        );
      }
      evidence.push({
        kind: 'season',
        statistic:
          'share of the drifted inputs’ movement beyond chance (KS less its chance level for the rows compared / total variation) left against the same months of the reference',
        value: remaining,
        threshold: 0.5,
        test: 'seasonal when at most half of the movement beyond chance remains against the same months, or when the months are new to the reference',
        examples: [],
      });
    }
  }

  // Labels: the target's own distribution.
  const ls = check?.labelShift;
  const labelShift = ls?.drifted === true || (target !== undefined && drifted.some((f) => f.name === target));
  if (ls)
    evidence.push({
      kind: 'label_shift',
      column: target,
      statistic: ls.statistic,
      value: ls.value,
      threshold: 0.1,
      test: ls.test,
      examples: [],
    });
  if (labelShift && target) {
    if (!columns.includes(target)) columns.unshift(target);
    reasoning.push(
      `The target "${target}" itself moved (${ls ? `${ls.statistic} ${num(ls.value)}` : 'drifted'}): the mix of outcomes changed.`,
    );
  }

  // Covariate shift weighted by the model's importance.
  const share = importanceOn(
    ev,
    covariates.map((f) => f.name),
  );
  if (share !== undefined) {
    evidence.push({
      kind: 'importance',
      statistic: "share of the model's permutation importance on drifted inputs",
      value: share,
      threshold: opts.importanceShare ?? 0.25,
      test: `a covariate shift needs a retrain when the drifted inputs carry ≥ ${pct(opts.importanceShare ?? 0.25)} of the importance`,
      examples: [],
    });
    reasoning.push(
      `The drifted inputs carry ${pct(share)} of the model's importance (${Object.entries(imp)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, v]) => `${k} ${pct(v)}`)
        .join(', ')}).`,
    );
  }

  const cause: Cause = q?.dropped
    ? 'quality_drop'
    : seasonal
      ? 'seasonal_shift'
      : labelShift
        ? 'label_shift'
        : recentDeployment(ev, opts)
          ? 'recent_deployment'
          : 'covariate_shift';
  return {
    classification: 'real_shift',
    cause,
    severity: ev.alert.drifted || q?.dropped ? 'critical' : 'warning',
    columns,
    reasoning,
    evidence,
  };
}

function recentDeployment(ev: Evidence, opts: RuleOptions): boolean {
  const m = ev.model;
  if (!m?.deployedAt || m.version === undefined) return false;
  const hours = (Date.parse(ev.alert.at) - Date.parse(m.deployedAt)) / 3_600_000;
  const previous = m.previousVersions.at(-1);
  return hours >= 0 && hours < (opts.recentDeployHours ?? 48) && previous !== undefined;
}

export function propose(ev: Evidence, v: Verdict, opts: RuleOptions = {}): Proposal {
  const m = ev.model;
  const cols = v.columns.map((c) => `"${c}"`).join(', ');
  if (v.classification === 'no_drift') {
    return {
      action: 'none',
      reasons: ['Nothing drifted beyond chance and nothing broke: there is nothing to apply.'],
    };
  }
  if (v.classification === 'data_quality') {
    return {
      action: 'fix_upstream',
      holdRetrain: true,
      reasons: [
        `Fix the upstream data first${cols ? ` (${cols})` : ''}: ${v.reasoning[0] ?? ''}`,
        'Hold any retrain until the feed is fixed: retraining now would teach the model the bug, and rolling back does not help, every version reads the same broken input.',
        ...(m
          ? [
              `Production stays on ${m.name} v${m.version ?? '?'}; re-run the drift check once the feed is fixed.`,
            ]
          : []),
      ],
    };
  }
  if (v.classification === 'noise')
    return mute(ev, v.reasoning[0] ?? 'too little evidence', opts.muteDays ?? 7);
  if (ev.modelMissing) {
    return mute(
      ev,
      `The alert is about model "${ev.modelMissing}", which is no longer registered: there is nothing to retrain or roll back.`,
      opts.muteDays ?? 7,
    );
  }
  const q = ev.modelCheck?.quality;
  const previous = m?.previousVersions.at(-1);
  if (
    (v.cause === 'quality_drop' || v.cause === 'recent_deployment') &&
    recentDeployment(ev, opts) &&
    m &&
    previous
  ) {
    return {
      action: 'rollback',
      rollbackTo: previous.version,
      reasons: [
        `${m.name} v${m.version} went to production ${m.deployedAt ?? 'recently'}${
          q?.dropped
            ? ` and its ${q.metric} on labelled traffic fell to ${num(q.current)} (holdout ${num(q.baseline)})`
            : ', and the drift appeared right after'
        }.`,
        `Roll production back to v${previous.version} while the new version is investigated.`,
      ],
    };
  }
  if (q && !q.dropped) {
    return mute(
      ev,
      `The inputs moved (${cols}) but the model's ${q.metric} on ${q.rows} labelled current rows held (${num(q.current)} against ${num(q.baseline)}): no retrain is needed yet.`,
      opts.copeMuteDays ?? 14,
    );
  }
  if (v.cause === 'seasonal_shift' && !q?.dropped && ev.season?.baseline) {
    return mute(
      ev,
      `A seasonal shift the model was trained on (${monthList(ev.season.currentMonths)}): the alert compares a season with the whole year.`,
      opts.seasonalMuteDays ?? 30,
    );
  }
  if (v.cause === 'covariate_shift' && !q) {
    const share = importanceOn(
      ev,
      v.columns.filter((c) => c !== ev.modelCheck?.target),
    );
    if (share !== undefined && share < (opts.importanceShare ?? 0.25)) {
      return mute(
        ev,
        `The drifted inputs (${cols}) carry only ${pct(share)} of the model's importance: the model barely uses them.`,
        opts.copeMuteDays ?? 14,
      );
    }
  }
  return {
    action: 'retrain',
    window: {
      description: 'the training window extended with the current data',
      reference: ev.reference.name ?? ev.reference.hash.slice(0, 12),
      current: ev.current.name ?? ev.current.hash.slice(0, 12),
    },
    reasons: [
      q?.dropped
        ? `The model's ${q.metric} on labelled current rows fell from ${num(q.baseline)} to ${num(q.current)}: it no longer fits the data it serves.`
        : `The inputs moved for real (${cols}); a model trained on ${m?.trainingData ?? 'the old data'} no longer sees data like what it serves.`,
      `Retrain on a window that includes the new data${
        m?.trainingRunId ? ` (the plan that trained ${m.name} v${m.version}, run ${m.trainingRunId})` : ''
      }, evaluate it, and promote it after approval.`,
    ],
  };
}

function mute(ev: Evidence, why: string, days: number): Proposal {
  const at = Date.parse(ev.alert.at);
  const expiresAt = new Date((Number.isNaN(at) ? Date.now() : at) + days * 86_400_000)
    .toISOString()
    .slice(0, 10);
  return {
    action: 'mute',
    expiresAt,
    reasons: [why, `Mute this alert until ${expiresAt}; it comes back then if the drift is still there.`],
  };
}

/** The actions that make sense for a classification (an LLM's refinement must stay inside them). */
export function allowedActions(ev: Evidence, v: Verdict): Action[] {
  if (v.classification === 'no_drift') return ['none'];
  if (v.classification === 'data_quality') return ['fix_upstream', 'mute'];
  if (v.classification === 'noise') return ['mute'];
  if (ev.modelMissing || !ev.model) return ['mute', 'retrain'];
  return ev.model.previousVersions.length ? ['retrain', 'rollback', 'mute'] : ['retrain', 'mute'];
}
