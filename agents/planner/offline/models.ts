/**
 * Model families named in a goal, with their synonyms, abbreviations and spellings, and the goal with those
 * names masked so that they do not read as targets or task types.
 */
import type { ModelChoice } from '../intent.ts';

// Model families, with their usual synonyms, abbreviations and British / hyphenated spellings. Each pattern
// consumes the whole family name ("k-nearest neighbours", "gradient-boosted trees") so that, once masked, no
// part of it is left to read as a target phrase.
export const MODEL_RULES: [RegExp, ModelChoice][] = [
  [
    /\bxgboost\b|\bxgb(?:oost)?\b|\bextreme gradient boost(?:ing|ed)?\b/i,
    { framework: 'xgboost', algorithm: 'gradient_boosting' },
  ],
  [
    /\blight ?gbm\b|\bcat ?boost\b|\bhist(?:ogram)?[- ]?(?:based )?gradient[- ]?boost(?:ed|ing)?(?: trees?| machines?)?\b/i,
    { framework: 'sklearn', algorithm: 'gradient_boosting' },
  ],
  // Plain gradient boosting runs in the builtin framework (histogram trees, no Python needed).
  [
    /\bgradient[- ]?boost(?:ed|ing)?(?: (?:decision )?trees?| machines?)?\b|\bgbm\b|\bgbdt\b|\bgbr?t\b|\bboosted (?:decision |regression )?trees\b/i,
    { framework: 'builtin', algorithm: 'gradient_boosting' },
  ],
  // "boosting" alone, or "a boosted model", is the same family; boosting a metric ("boosting recall") is not.
  [
    /\bboosting\b(?!\s+(?:the|our|its|my|their|model|accuracy|recall|precision|f1|auc|performance|scores?|results?|quality|metrics?)\b)|\bboosted (?=(?:models?|classifiers?|regressors?|ensembles?)\b)/i,
    { framework: 'builtin', algorithm: 'gradient_boosting' },
  ],
  [/\brandom[- ]?forr?ests?\b|\brf\b/i, { framework: 'builtin', algorithm: 'random_forest' }],
  [
    /\blogistic[- ]regressions?\b|\blogistic[- ]reg\b|\blog[- ]?reg\b|\blogit\b|\blogistic (?:model|classifier)s?\b|\bmax(?:imum)?[- ]?ent(?:ropy)? classifier\b/i,
    { framework: 'builtin', algorithm: 'logistic_regression' },
  ],
  [
    /\b(?:ordinary )?linear[- ]regressions?\b|\blin[- ]?reg\b|\bols\b|\b(?:ordinary )?least[- ]squares\b|\blinear (?:model|regressor|fit)s?\b|\bstraight[- ]line fit\b/i,
    { framework: 'builtin', algorithm: 'linear_regression' },
  ],
  [
    /\bdecision[- ]trees?\b|\b(?:regression|classification) trees?\b|\bcart\b|\ba (?:single|simple) tree\b/i,
    { framework: 'builtin', algorithm: 'decision_tree' },
  ],
  [
    /\bk[- ]?nearest[- ]neighbou?rs?\b|\bk[- ]?nn\b|\bk[- ]?nearest\b|\bnearest[- ]neighbou?rs?\b/i,
    { framework: 'builtin', algorithm: 'knn' },
  ],
  [/\bna[iï]ve[- ]bayes\b|\bgaussian[- ]?nb\b/i, { framework: 'builtin', algorithm: 'naive_bayes' }],
  [
    /\bextra[- ]trees\b|\bextremely randomi[sz]ed (?:decision )?trees\b/i,
    { framework: 'sklearn', algorithm: 'extra_trees' },
  ],
  [
    /\bsvms?\b|\bsv[cr]\b|\bsupport[- ]vector(?: machines?| classifiers?| regressors?| regression)?\b/i,
    { framework: 'sklearn', algorithm: 'svm' },
  ],
  [
    /\bridge(?:[- ]regression)?\b|\bl2[- ]regulari[sz]ed (?:linear|regression)\b/i,
    { framework: 'sklearn', algorithm: 'ridge' },
  ],
  [
    /\blasso(?:[- ]regression)?\b|\bl1[- ]regulari[sz]ed (?:linear|regression)\b/i,
    { framework: 'sklearn', algorithm: 'lasso' },
  ],
  [
    /\bneural[- ]net(?:work)?s?\b|\bmulti-?layer(?:ed)? perceptrons?\b|\bmlp\b|\bpytorch\b|\btorch\b|\bdeep learning\b|\bperceptrons?\b|\bfeed-?forward (?:neural )?net(?:work)?s?\b|\bdnn\b|\bdeep (?:neural )?net(?:work)?s?\b/i,
    { framework: 'torch', algorithm: 'mlp' },
  ],
];

/**
 * A family abbreviation that is part of a model's name ("fraud-gbm", "rf_churn", "knn-fraud@staging") names
 * that model, not a family; one joined to a modifier ("xgboost-based", "knn-style") is still the family.
 */
function insideName(text: string, at: number, end: number): boolean {
  if (/\w[-_]$/.test(text.slice(Math.max(0, at - 2), at))) return true;
  const next = text.slice(end);
  return (
    /^[-_][a-z0-9]/i.test(next) &&
    !/^[-_](?:based|style|like|type|powered|ish|esque|models?|classifiers?|regressors?)\b/i.test(next)
  );
}

/** "random_forest", "linear_regression": a family written as its id, spelled out ("random forest"). */
export function spellAlgorithmIds(text: string): string {
  return text.replace(/\b[a-z]+(?:_[a-z]+)+\b/gi, (id) => {
    const spaced = id.replace(/_/g, ' ');
    const whole = MODEL_RULES.some(([re]) => new RegExp(`^(?:${re.source})$`, 'i').test(spaced));
    return whole ? spaced : id;
  });
}

export function parseModels(goal: string): ModelChoice[] {
  const hits: { at: number; end: number; m: ModelChoice }[] = [];
  for (const [re, m] of MODEL_RULES) {
    // A name inside one an earlier rule took ("extreme gradient boosting", "histogram gradient boosting") is
    // that family, not a second one.
    const found = [...goal.matchAll(new RegExp(re.source, 'gi'))].find(
      (f) =>
        !insideName(goal, f.index, f.index + f[0].length) &&
        !hits.some((h) => f.index < h.end && f.index + f[0].length > h.at),
    );
    if (found) hits.push({ at: found.index, end: found.index + found[0].length, m });
  }
  const sklearn = /\b(scikit[- ]?learn|sklearn)\b/i.test(goal);
  return hits
    .sort((a, b) => a.at - b.at)
    .map(({ m }) => (sklearn && m.framework === 'builtin' ? { ...m, framework: 'sklearn' as const } : m));
}

/**
 * The goal with model family names masked, so that "logistic regression" reads as no task type or target.
 * A trailing agent noun ("logistic model", "support vector regressor") is kept: it still introduces the
 * target. A bare family name becomes the agent noun "model", so "a lasso for net generation" reads like "a
 * model for net generation"; when an agent noun already follows ("an XGBoost classifier"), the name just goes.
 */
export function maskModels(text: string, as = 'model'): string {
  return MODEL_RULES.reduce(
    (t, [re]) =>
      t.replace(new RegExp(re.source, 'gi'), (m: string, ...rest: unknown[]) => {
        const at = rest.find((r) => typeof r === 'number') as number;
        if (insideName(t, at, at + m.length)) return m;
        const kept = /\b(?:models?|classifiers?|regressors?)$/i.exec(m)?.[0];
        if (kept) return ` ${kept} `;
        const next = t.slice(at + m.length);
        return /^\s*(?:[\w-]+\s+)?(?:models?|classifiers?|regressors?|estimators?|predictors?)\b/i.test(next)
          ? ' '
          : ` ${as} `;
      }),
    text,
  );
}
