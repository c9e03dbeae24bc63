/**
 * Drift-triage eval scenarios on real data (vega-datasets: Seattle weather 2012–2015, Palmer penguins, cars
 * 1970–1982, flights of early 2001, gapminder 1955–2005). Each is a reference and a current window as SQL over
 * the real file, with one known cause injected (a unit change by any factor, an offset, a stuck sensor, a type
 * change, a null surge, new / renamed / case-variant categories, a dropped or added column, duplicated rows),
 * a genuine shift (season, era, sub-population, label mix, a model that got worse), a tiny window, or a clean
 * control (two random halves of the same data). Expectations are what a careful ML engineer would conclude:
 * the classification, the cause, the features the verdict must name, and the one action.
 *
 * `SCENARIOS` (the main set) was written before the detectors were changed and is what they were developed
 * against; `UNSEEN` was written after the changes and run once (see docs/evals.md).
 */
import path from 'node:path';

export type ExpectedClass = 'data_quality' | 'real_shift' | 'noise' | 'no_drift';
export type ExpectedAction = 'retrain' | 'rollback' | 'fix_upstream' | 'mute' | 'none';

export interface ScenarioModel {
  /** The column the model predicts; when the current window has it, labels have arrived. */
  target: string;
  task: 'classification' | 'regression';
  /** Input columns (default: the scenario's columns without the target). */
  features?: string[];
  /** The production version went live this many hours before the alert, after an earlier version. */
  deployedHoursAgo?: number;
}

export interface Scenario {
  id: string;
  /** What was done to the data. */
  cause: string;
  reference: string;
  current: string;
  /** Columns to check (default: every non-date column of the reference). */
  columns?: string[];
  /** A model trained on the reference (its importances and, with labels, its quality feed the triage). */
  model?: ScenarioModel;
  /** A clean control: no alert and a no-drift verdict expected. */
  control?: boolean;
  expect: {
    classification: ExpectedClass;
    action: ExpectedAction;
    /** The specific cause. */
    cause: string;
    /**
     * Features the verdict must name. For data-quality verdicts the verdict must name no others; for a
     * no-drift verdict it must name none.
     */
    features: string[];
  };
}

const DATA = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
export const W = `read_csv(${q(path.join(DATA, 'seattle-weather.csv'))})`;
export const P = `read_json_auto(${q(path.join(DATA, 'penguins.json'))})`;
export const C = `read_json_auto(${q(path.join(DATA, 'cars.json'))})`;
export const F = `(SELECT strptime(date, '%Y/%m/%d %H:%M') AS date, CAST(delay AS INTEGER) AS delay, distance, origin, destination FROM read_json_auto(${q(path.join(DATA, 'flights-20k.json'))}))`;
export const G = `read_json_auto(${q(path.join(DATA, 'gapminder.json'))})`;

export const W_TRAIN = `SELECT * FROM ${W} WHERE year(date) IN (2012, 2013)`;
export const W_2014 = `SELECT * FROM ${W} WHERE year(date) = 2014`;
export const W_MODEL: ScenarioModel = {
  target: 'weather',
  task: 'classification',
  features: ['precipitation', 'temp_max', 'temp_min', 'wind'],
};
export const P_ALL = `SELECT * FROM ${P} WHERE "Body Mass (g)" IS NOT NULL`;
export const P_FEATURES = [
  'Island',
  'Beak Length (mm)',
  'Beak Depth (mm)',
  'Flipper Length (mm)',
  'Body Mass (g)',
  'Sex',
];
export const P_MODEL: ScenarioModel = { target: 'Species', task: 'classification', features: P_FEATURES };
export const C_FEATURES = [
  'Miles_per_Gallon',
  'Cylinders',
  'Displacement',
  'Horsepower',
  'Weight_in_lbs',
  'Acceleration',
  'Origin',
];
export const C_MODEL: ScenarioModel = {
  target: 'Miles_per_Gallon',
  task: 'regression',
  features: ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'],
};
export const C_EARLY = `SELECT * FROM ${C} WHERE year("Year") <= 1976 AND "Miles_per_Gallon" IS NOT NULL`;
export const C_RECENT = `SELECT * FROM ${C} WHERE year("Year") >= 1977 AND "Miles_per_Gallon" IS NOT NULL`;
export const F_COLS = ['delay', 'distance', 'origin', 'destination'];
export const G_COLS = ['cluster', 'pop', 'life_expect', 'fertility'];

/** Two random halves of a query, split on a hash of `key` (deterministic). */
export const half = (sql: string, key: string, side: 0 | 1) =>
  `SELECT * FROM (${sql}) WHERE hash(${key}, 'split') % 2 = ${side}`;

const DQ = (cause: string, features: string[]) => ({
  classification: 'data_quality' as const,
  action: 'fix_upstream' as const,
  cause,
  features,
});
const CLEAN = { classification: 'no_drift' as const, action: 'none' as const, cause: 'none', features: [] };

export const SCENARIOS: Scenario[] = [
  // ---- clean controls ---------------------------------------------------------------------------------
  {
    id: 'weather-control-halves',
    cause: 'clean control: two random halves of 2012–2015',
    reference: half(`SELECT * FROM ${W}`, 'date', 0),
    current: half(`SELECT * FROM ${W}`, 'date', 1),
    model: W_MODEL,
    control: true,
    expect: CLEAN,
  },
  {
    id: 'penguins-control-halves',
    cause: 'clean control: two random halves of the penguins',
    reference: half(P_ALL, '"Beak Length (mm)", "Body Mass (g)", "Flipper Length (mm)"', 0),
    current: half(P_ALL, '"Beak Length (mm)", "Body Mass (g)", "Flipper Length (mm)"', 1),
    columns: P_FEATURES,
    model: P_MODEL,
    control: true,
    expect: CLEAN,
  },
  {
    id: 'cars-control-halves',
    cause: 'clean control: two random halves of all cars',
    reference: half(`SELECT * FROM ${C}`, '"Name", "Year"', 0),
    current: half(`SELECT * FROM ${C}`, '"Name", "Year"', 1),
    columns: C_FEATURES,
    control: true,
    expect: CLEAN,
  },
  {
    id: 'flights-control-halves',
    cause: 'clean control: two random halves of 20k flights (220 airports, many rare)',
    reference: half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 0),
    current: half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 1),
    columns: F_COLS,
    control: true,
    expect: CLEAN,
  },
  {
    id: 'gapminder-control-halves',
    cause: 'clean control: two random halves of gapminder',
    reference: half(`SELECT * FROM ${G}`, 'country, year', 0),
    current: half(`SELECT * FROM ${G}`, 'country, year', 1),
    columns: G_COLS,
    control: true,
    expect: CLEAN,
  },
  {
    id: 'weather-control-subsample',
    cause: 'clean control: 300 random days of 2012–2015 against all of 2012–2015',
    reference: `SELECT * FROM ${W}`,
    current: `SELECT * FROM ${W} USING SAMPLE 300 ROWS (reservoir, 17)`,
    model: W_MODEL,
    control: true,
    expect: CLEAN,
  },

  // ---- unit changes (scale by any factor, affine units) ---------------------------------------------
  {
    id: 'weather-fahrenheit',
    cause: 'unit change: temp_max logged in °F',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (temp_max * 1.8 + 32 AS temp_max) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('unit_change', ['temp_max']),
  },
  {
    id: 'weather-wind-kmh',
    cause: 'unit change: wind logged in km/h instead of m/s (×3.6)',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (wind * 3.6 AS wind) FROM ${W} WHERE year(date) = 2015`,
    model: W_MODEL,
    expect: DQ('unit_change', ['wind']),
  },
  {
    id: 'weather-precip-inches',
    cause: 'unit change: precipitation logged in inches (÷25.4), zero-inflated',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (precipitation / 25.4 AS precipitation) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('unit_change', ['precipitation']),
  },
  {
    id: 'penguins-mass-kg',
    cause: 'unit change: body mass logged in kg',
    reference: P_ALL,
    current: `SELECT * REPLACE ("Body Mass (g)" / 1000.0 AS "Body Mass (g)") FROM (${P_ALL}) USING SAMPLE 60 PERCENT (bernoulli, 3)`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: DQ('unit_change', ['Body Mass (g)']),
  },
  {
    id: 'penguins-mass-lb',
    cause: 'unit change: body mass logged in pounds (×0.0022)',
    reference: P_ALL,
    current: `SELECT * REPLACE ("Body Mass (g)" * 0.00220462 AS "Body Mass (g)") FROM (${P_ALL})`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: DQ('unit_change', ['Body Mass (g)']),
  },
  {
    id: 'penguins-beak-cm',
    cause: 'unit change: beak length logged in cm',
    reference: P_ALL,
    current: `SELECT * REPLACE ("Beak Length (mm)" / 10.0 AS "Beak Length (mm)") FROM (${P_ALL})`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: DQ('unit_change', ['Beak Length (mm)']),
  },
  {
    id: 'cars-weight-kg',
    cause: 'unit change: weight logged in kg',
    reference: C_EARLY,
    current: `SELECT * REPLACE ("Weight_in_lbs" * 0.4536 AS "Weight_in_lbs") FROM ${C} WHERE year("Year") <= 1976`,
    columns: C_FEATURES,
    model: C_MODEL,
    expect: DQ('unit_change', ['Weight_in_lbs']),
  },
  {
    id: 'cars-acceleration-x7',
    cause: 'unit change by an odd factor: acceleration ×7 (a wrong conversion constant)',
    reference: `SELECT * FROM ${C}`,
    current: `SELECT * REPLACE ("Acceleration" * 7 AS "Acceleration") FROM ${C} USING SAMPLE 70 PERCENT (bernoulli, 5)`,
    columns: C_FEATURES,
    expect: DQ('unit_change', ['Acceleration']),
  },
  {
    id: 'flights-distance-km',
    cause: 'unit change: distance logged in km instead of miles (×1.609)',
    reference: half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 0),
    current: `SELECT * REPLACE (distance * 1.609344 AS distance) FROM (${half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 1)})`,
    columns: F_COLS,
    expect: DQ('unit_change', ['distance']),
  },
  {
    id: 'gapminder-pop-millions',
    cause: 'unit change: population logged in millions',
    reference: `SELECT * FROM ${G} WHERE year <= 1980`,
    current: `SELECT * REPLACE (pop / 1e6 AS pop) FROM ${G} WHERE year <= 1980`,
    columns: G_COLS,
    expect: DQ('unit_change', ['pop']),
  },

  // ---- offsets --------------------------------------------------------------------------------------
  {
    id: 'weather-tempmin-kelvin',
    cause: 'offset: temp_min logged in kelvin (+273.15)',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (temp_min + 273.15 AS temp_min) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('offset_change', ['temp_min']),
  },
  {
    id: 'weather-tempmax-calibration',
    cause: 'offset: the temp_max sensor reads 4 °C high after a recalibration',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (temp_max + 4 AS temp_max) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('offset_change', ['temp_max']),
  },
  {
    id: 'flights-delay-timezone',
    cause: 'offset: delays computed against the wrong time zone (+60 min)',
    reference: half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 0),
    current: `SELECT * REPLACE (delay + 60 AS delay) FROM (${half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 1)})`,
    columns: F_COLS,
    expect: DQ('offset_change', ['delay']),
  },

  // ---- stuck sensors / near-constant ------------------------------------------------------------------
  {
    id: 'weather-wind-stuck-zero',
    cause: 'stuck sensor: wind reads 0 on every day of 2014',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (0.0 AS wind) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('stuck_values', ['wind']),
  },
  {
    id: 'weather-tempmin-stuck-half',
    cause: 'stuck sensor: temp_min repeats 8.3 from July 2014 on',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CASE WHEN month(date) >= 7 THEN 8.3 ELSE temp_min END AS temp_min) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('stuck_values', ['temp_min']),
  },
  {
    id: 'cars-cylinders-default',
    cause: 'stuck value: cylinders defaulted to 4 for every car',
    reference: C_EARLY,
    current: `SELECT * REPLACE (4 AS "Cylinders") FROM ${C} WHERE year("Year") <= 1976`,
    columns: C_FEATURES,
    model: C_MODEL,
    expect: DQ('stuck_values', ['Cylinders']),
  },

  // ---- types, nulls, columns --------------------------------------------------------------------------
  {
    id: 'cars-horsepower-text',
    cause: 'type change: horsepower delivered as text with a unit',
    reference: C_EARLY,
    current: `SELECT * REPLACE (CAST("Horsepower" AS VARCHAR) || ' hp' AS "Horsepower") FROM ${C} WHERE year("Year") >= 1975`,
    columns: C_FEATURES,
    model: C_MODEL,
    expect: DQ('type_change', ['Horsepower']),
  },
  {
    id: 'weather-precip-text',
    cause: 'type change: precipitation delivered as strings',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CAST(precipitation AS VARCHAR) AS precipitation) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('type_change', ['precipitation']),
  },
  {
    id: 'weather-wind-nulls',
    cause: 'null surge: wind missing in ~40% of rows',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CASE WHEN dayofmonth(date) % 5 < 2 THEN NULL ELSE wind END AS wind) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('nulls', ['wind']),
  },
  {
    id: 'penguins-flipper-nulls',
    cause: 'null surge: flipper length missing for half the rows',
    reference: P_ALL,
    current: `SELECT * REPLACE (CASE WHEN hash("Beak Length (mm)") % 2 = 0 THEN NULL ELSE "Flipper Length (mm)" END AS "Flipper Length (mm)") FROM (${P_ALL})`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: DQ('nulls', ['Flipper Length (mm)']),
  },
  {
    id: 'cars-mpg-nulls',
    cause: 'null surge: miles per gallon missing for every 4-cylinder car',
    reference: C_EARLY,
    current: `SELECT * REPLACE (CASE WHEN "Cylinders" = 4 THEN NULL ELSE "Miles_per_Gallon" END AS "Miles_per_Gallon") FROM ${C} WHERE year("Year") <= 1976`,
    columns: C_FEATURES,
    expect: DQ('nulls', ['Miles_per_Gallon']),
  },
  {
    id: 'weather-dropped-column',
    cause: 'dropped column: temp_min no longer delivered',
    reference: W_TRAIN,
    current: `SELECT * EXCLUDE (temp_min) FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('schema_change', ['temp_min']),
  },
  {
    id: 'weather-added-column',
    cause: 'added column: the feed now carries a "station" column',
    reference: W_TRAIN,
    current: `SELECT *, 'KSEA' AS station FROM ${W} WHERE year(date) = 2014`,
    model: W_MODEL,
    expect: DQ('schema_change', ['station']),
  },

  // ---- categories ---------------------------------------------------------------------------------------
  {
    id: 'weather-renamed-categories',
    cause: 'renamed categories: rain → rainy, sun → sunny',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CASE weather WHEN 'rain' THEN 'rainy' WHEN 'sun' THEN 'sunny' ELSE weather END AS weather) FROM ${W} WHERE year(date) = 2014`,
    expect: DQ('category_renamed', ['weather']),
  },
  {
    id: 'penguins-sex-renamed',
    cause: 'renamed categories: MALE/FEMALE → M/F',
    reference: P_ALL,
    current: `SELECT * REPLACE (CASE "Sex" WHEN 'MALE' THEN 'M' WHEN 'FEMALE' THEN 'F' ELSE "Sex" END AS "Sex") FROM (${P_ALL})`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: DQ('category_renamed', ['Sex']),
  },
  {
    id: 'cars-origin-renamed',
    cause: 'renamed category: USA → US',
    reference: C_EARLY,
    current: `SELECT * REPLACE (CASE "Origin" WHEN 'USA' THEN 'US' ELSE "Origin" END AS "Origin") FROM ${C} WHERE year("Year") <= 1976`,
    columns: C_FEATURES,
    model: C_MODEL,
    expect: DQ('category_renamed', ['Origin']),
  },
  {
    id: 'penguins-sex-lowercase',
    cause: 'case variants: MALE/FEMALE arrive as male/female',
    reference: P_ALL,
    current: `SELECT * REPLACE (lower("Sex") AS "Sex") FROM (${P_ALL})`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: DQ('category_variant', ['Sex']),
  },
  {
    id: 'penguins-island-whitespace',
    cause: 'whitespace variants: a third of the islands arrive with a trailing space',
    reference: P_ALL,
    current: `SELECT * REPLACE (CASE WHEN hash("Body Mass (g)", "Beak Depth (mm)") % 3 = 0 THEN "Island" || ' ' ELSE "Island" END AS "Island") FROM (${P_ALL})`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: DQ('category_variant', ['Island']),
  },
  {
    id: 'weather-new-category',
    cause: 'new category: "hail" appears for 8% of days (none vanished)',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CASE WHEN weather = 'rain' AND hash(date) % 5 = 0 THEN 'hail' ELSE weather END AS weather) FROM ${W} WHERE year(date) = 2014`,
    expect: DQ('category_new', ['weather']),
  },
  {
    id: 'cars-origin-new',
    cause: 'new category: 10% of cars arrive with origin "Korea"',
    reference: `SELECT * FROM ${C}`,
    current: `SELECT * REPLACE (CASE WHEN hash("Name") % 10 = 0 THEN 'Korea' ELSE "Origin" END AS "Origin") FROM ${C}`,
    columns: C_FEATURES,
    expect: DQ('category_new', ['Origin']),
  },

  // ---- duplicates -------------------------------------------------------------------------------------
  {
    id: 'weather-duplicated-rows',
    cause: 'duplicated rows: a third of 2014 was delivered twice',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE year(date) = 2014 UNION ALL SELECT * FROM ${W} WHERE year(date) = 2014 AND hash(date) % 3 = 0`,
    model: W_MODEL,
    expect: DQ('duplicate_rows', []),
  },
  {
    id: 'flights-duplicated-batch',
    cause: 'duplicated rows: a retried batch re-sent 2,500 flights',
    reference: half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 0),
    current: `SELECT * FROM (${half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 1)}) UNION ALL SELECT * FROM (${half(`SELECT * FROM ${F}`, 'date, origin, destination, delay', 1)}) WHERE hash(date, delay) % 4 = 0`,
    columns: F_COLS,
    expect: DQ('duplicate_rows', []),
  },

  // ---- seasons ----------------------------------------------------------------------------------------
  {
    id: 'weather-summer',
    cause: 'seasonal window: summer 2015 against 2012–2013, which has two summers like it',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2015-06-01' AND DATE '2015-08-31'`,
    model: W_MODEL,
    expect: {
      classification: 'real_shift',
      action: 'mute',
      cause: 'seasonal_shift',
      features: ['temp_max', 'temp_min'],
    },
  },
  {
    id: 'weather-winter',
    cause: 'seasonal window: winter 2014/15 against 2012–2013',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2014-11-15' AND DATE '2015-02-28'`,
    model: W_MODEL,
    expect: {
      classification: 'real_shift',
      action: 'mute',
      cause: 'seasonal_shift',
      features: ['temp_max', 'temp_min'],
    },
  },
  {
    id: 'weather-half-year',
    cause: 'seasonal window as long as the reference: Apr–Sep 2013 against the whole of 2012',
    reference: `SELECT * FROM ${W} WHERE year(date) = 2012`,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2013-04-01' AND DATE '2013-09-30'`,
    model: W_MODEL,
    expect: {
      classification: 'real_shift',
      action: 'mute',
      cause: 'seasonal_shift',
      features: ['temp_max', 'temp_min'],
    },
  },
  {
    id: 'weather-unseen-summer',
    cause: 'seasonal window the model never saw: trained on Oct 2012–Apr 2013, now Jun–Aug 2013',
    reference: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2012-10-01' AND DATE '2013-04-30'`,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2013-06-01' AND DATE '2013-08-31'`,
    model: W_MODEL,
    expect: {
      classification: 'real_shift',
      action: 'retrain',
      cause: 'seasonal_shift',
      features: ['temp_max', 'temp_min'],
    },
  },

  // ---- real covariate shifts, labels and quality -------------------------------------------------------
  {
    id: 'penguins-biscoe-colony',
    cause:
      'covariate shift on important features: traffic only from Biscoe island (mostly Gentoo), no labels',
    reference: P_ALL,
    current: `SELECT * EXCLUDE ("Species") FROM (${P_ALL}) WHERE "Island" = 'Biscoe'`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: {
      classification: 'real_shift',
      action: 'retrain',
      cause: 'covariate_shift',
      features: ['Flipper Length (mm)', 'Island'],
    },
  },
  {
    id: 'cars-new-era',
    cause: 'covariate shift: 1977–1982 cars against 1970–1976 (lighter, smaller engines), no labels',
    reference: C_EARLY,
    current: `SELECT * EXCLUDE ("Miles_per_Gallon") FROM (${C_RECENT})`,
    columns: C_MODEL.features,
    model: C_MODEL,
    expect: {
      classification: 'real_shift',
      action: 'retrain',
      cause: 'covariate_shift',
      features: ['Displacement', 'Weight_in_lbs'],
    },
  },
  {
    id: 'cars-japan-only',
    cause: 'covariate shift: traffic only from Japanese cars',
    reference: `SELECT * FROM ${C}`,
    current: `SELECT * FROM ${C} WHERE "Origin" = 'Japan'`,
    columns: C_FEATURES,
    expect: {
      classification: 'real_shift',
      action: 'retrain',
      cause: 'covariate_shift',
      features: ['Origin', 'Weight_in_lbs'],
    },
  },
  {
    id: 'gapminder-new-era',
    cause: 'covariate shift: 1990–2005 against 1955–1985 (longer lives, fewer children)',
    reference: `SELECT * FROM ${G} WHERE year <= 1985`,
    current: `SELECT * FROM ${G} WHERE year >= 1990`,
    columns: G_COLS,
    expect: {
      classification: 'real_shift',
      action: 'retrain',
      cause: 'covariate_shift',
      features: ['life_expect', 'fertility'],
    },
  },
  {
    id: 'penguins-females-only',
    cause: 'covariate shift on features the species model barely uses: only female penguins',
    reference: P_ALL,
    current: `SELECT * EXCLUDE ("Species") FROM (${P_ALL}) WHERE "Sex" = 'FEMALE'`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: { classification: 'real_shift', action: 'mute', cause: 'covariate_shift', features: ['Sex'] },
  },
  {
    id: 'weather-label-shift',
    cause: 'label shift: a labelled 2014 batch sampled to be mostly rainy days',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE year(date) = 2014 AND (weather = 'rain' OR hash(date) % 4 = 0)`,
    model: W_MODEL,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'label_shift', features: ['weather'] },
  },
  {
    id: 'penguins-gentoo-labelled',
    cause: 'label shift the model copes with: a labelled batch of Gentoo penguins only',
    reference: P_ALL,
    current: `SELECT * FROM (${P_ALL}) WHERE "Species" = 'Gentoo'`,
    columns: [...P_FEATURES, 'Species'],
    model: P_MODEL,
    expect: { classification: 'real_shift', action: 'mute', cause: 'label_shift', features: ['Species'] },
  },
  {
    id: 'cars-new-era-labelled',
    cause: 'quality drop: labelled 1980–1982 cars, whose mileage the 1970–1976 model underestimates',
    reference: C_EARLY,
    current: `SELECT * FROM ${C} WHERE year("Year") >= 1980 AND "Miles_per_Gallon" IS NOT NULL`,
    columns: C_MODEL.features,
    model: C_MODEL,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'quality_drop', features: [] },
  },
  {
    id: 'cars-new-version-worse',
    cause: 'quality drop right after a deployment: v2 went live 6 h ago, labelled 1980–1982 cars',
    reference: C_EARLY,
    current: `SELECT * FROM ${C} WHERE year("Year") >= 1980 AND "Miles_per_Gallon" IS NOT NULL`,
    columns: C_MODEL.features,
    model: { ...C_MODEL, deployedHoursAgo: 6 },
    expect: { classification: 'real_shift', action: 'rollback', cause: 'quality_drop', features: [] },
  },

  // ---- tiny windows -------------------------------------------------------------------------------------
  {
    id: 'weather-tiny-summer',
    cause: 'tiny sample: 12 summer days',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2015-07-01' AND DATE '2015-07-12'`,
    model: W_MODEL,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample', features: [] },
  },
  {
    id: 'penguins-tiny',
    cause: 'tiny sample: 10 penguins from Dream island',
    reference: P_ALL,
    current: `SELECT * FROM (${P_ALL}) WHERE "Island" = 'Dream' LIMIT 10`,
    columns: P_FEATURES,
    model: P_MODEL,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample', features: [] },
  },
  {
    id: 'cars-tiny',
    cause: 'tiny sample: 15 recent cars',
    reference: C_EARLY,
    current: `SELECT * FROM (${C_RECENT}) USING SAMPLE 15 ROWS (reservoir, 11)`,
    columns: C_FEATURES,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample', features: [] },
  },
];

// ---- the unseen set ---------------------------------------------------------------------------------------

const M = `read_json_auto(${q(path.join(DATA, 'movies.json'))})`;
const M_COLS = [
  'IMDB Rating',
  'Rotten Tomatoes Rating',
  'Running Time min',
  'Production Budget',
  'MPAA Rating',
  'Major Genre',
];
const M_HALF = (side: 0 | 1) => half(`SELECT * FROM ${M}`, '"Title"::VARCHAR, "Release Date"', side);
const B = `read_csv(${q(path.join(DATA, 'birdstrikes.csv'))})`;
const B_COLS = [
  'Speed IAS in knots',
  'Cost Total $',
  'Wildlife Size',
  'Phase of flight',
  'Time of day',
  'Origin State',
];
const B_HALF = (side: 0 | 1) =>
  half(
    `SELECT * FROM ${B}`,
    '"Flight Date", "Airport Name", "Aircraft Make Model", "Wildlife Species"',
    side,
  );
const H = `read_csv(${q(path.join(DATA, 'seattle-weather-hourly-normals.csv'))})`;
const H_HALF = (side: 0 | 1) => half(`SELECT * FROM ${H}`, 'date', side);
const I = `read_csv(${q(path.join(DATA, 'iowa-electricity.csv'))})`;

/**
 * Written after the detector changes by reading the data, not the rules; run once, unchanged (docs/evals.md).
 * Data sets the main set does not use (movies, bird strikes, hourly weather normals, Iowa electricity) and
 * new injections on the others.
 */
export const UNSEEN: Scenario[] = [
  {
    id: 'u-movies-control',
    cause: 'clean control: two random halves of 3,201 movies',
    reference: M_HALF(0),
    current: M_HALF(1),
    columns: M_COLS,
    control: true,
    expect: CLEAN,
  },
  {
    id: 'u-birdstrikes-control',
    cause: 'clean control: 3,000 random bird strikes against all 10,000',
    reference: `SELECT * FROM ${B}`,
    current: `SELECT * FROM ${B} USING SAMPLE 3000 ROWS (reservoir, 23)`,
    columns: B_COLS,
    control: true,
    expect: CLEAN,
  },
  {
    id: 'u-movies-budget-millions',
    cause: 'unit change: production budget logged in millions of dollars',
    reference: M_HALF(0),
    current: `SELECT * REPLACE ("Production Budget" / 1e6 AS "Production Budget") FROM (${M_HALF(1)})`,
    columns: M_COLS,
    expect: DQ('unit_change', ['Production Budget']),
  },
  {
    id: 'u-movies-runtime-seconds',
    cause: 'unit change: running time logged in seconds',
    reference: M_HALF(0),
    current: `SELECT * REPLACE ("Running Time min" * 60 AS "Running Time min") FROM (${M_HALF(1)})`,
    columns: M_COLS,
    expect: DQ('unit_change', ['Running Time min']),
  },
  {
    id: 'u-birdstrikes-speed-kmh',
    cause: 'unit change: airspeed logged in km/h instead of knots (×1.852)',
    reference: B_HALF(0),
    current: `SELECT * REPLACE ("Speed IAS in knots" * 1.852 AS "Speed IAS in knots") FROM (${B_HALF(1)})`,
    columns: B_COLS,
    expect: DQ('unit_change', ['Speed IAS in knots']),
  },
  {
    id: 'u-hourly-temperature-offset',
    cause: 'offset: the temperature sensor reads 10 degrees high',
    reference: H_HALF(0),
    current: `SELECT * REPLACE (temperature + 10 AS temperature) FROM (${H_HALF(1)})`,
    expect: DQ('offset_change', ['temperature']),
  },
  {
    id: 'u-hourly-wind-stuck',
    cause: 'stuck sensor: wind reads 5.5 every hour',
    reference: H_HALF(0),
    current: `SELECT * REPLACE (5.5 AS wind) FROM (${H_HALF(1)})`,
    expect: DQ('stuck_values', ['wind']),
  },
  {
    id: 'u-hourly-july',
    cause: 'seasonal window: July of the hourly normals against the whole year',
    reference: `SELECT * FROM ${H}`,
    current: `SELECT * FROM ${H} WHERE month(date) = 7`,
    expect: {
      classification: 'real_shift',
      action: 'mute',
      cause: 'seasonal_shift',
      features: ['temperature'],
    },
  },
  {
    id: 'u-birdstrikes-state-case',
    cause: 'case variants: a third of the origin states arrive in lower case',
    reference: B_HALF(0),
    current: `SELECT * REPLACE (CASE WHEN hash("Flight Date", "Airport Name") % 3 = 0 THEN lower("Origin State") ELSE "Origin State" END AS "Origin State") FROM (${B_HALF(1)})`,
    columns: B_COLS,
    expect: DQ('category_variant', ['Origin State']),
  },
  {
    id: 'u-movies-new-rating',
    cause: 'new category: 12% of movies arrive rated "TV-MA"',
    reference: M_HALF(0),
    current: `SELECT * REPLACE (CASE WHEN hash("Title"::VARCHAR) % 8 = 0 THEN 'TV-MA' ELSE "MPAA Rating" END AS "MPAA Rating") FROM (${M_HALF(1)})`,
    columns: M_COLS,
    expect: DQ('category_new', ['MPAA Rating']),
  },
  {
    id: 'u-gapminder-fertility-text',
    cause: 'type change: fertility delivered as text',
    reference: `SELECT * FROM ${G} WHERE year <= 1980`,
    current: `SELECT * REPLACE (CAST(fertility AS VARCHAR) AS fertility) FROM ${G} WHERE year > 1980`,
    columns: G_COLS,
    expect: DQ('type_change', ['fertility']),
  },
  {
    id: 'u-weather-tempmax-nulls',
    cause: 'null surge: temp_max missing on a quarter of 2015',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CASE WHEN dayofmonth(date) <= 8 THEN NULL ELSE temp_max END AS temp_max) FROM ${W} WHERE year(date) = 2015`,
    expect: DQ('nulls', ['temp_max']),
  },
  {
    id: 'u-cars-origin-dropped',
    cause: 'dropped column: origin no longer delivered',
    reference: `SELECT * FROM ${C}`,
    current: `SELECT * EXCLUDE ("Origin") FROM ${C}`,
    columns: C_FEATURES,
    expect: DQ('schema_change', ['Origin']),
  },
  {
    id: 'u-penguins-adelie-twice',
    cause: 'duplicated rows: every Adelie penguin delivered twice',
    reference: P_ALL,
    current: `SELECT * FROM (${P_ALL}) UNION ALL SELECT * FROM (${P_ALL}) WHERE "Species" = 'Adelie'`,
    columns: P_FEATURES,
    expect: DQ('duplicate_rows', []),
  },
  {
    id: 'u-gapminder-one-cluster',
    cause: 'covariate shift: traffic from one cluster of countries only',
    reference: `SELECT * FROM ${G}`,
    current: `SELECT * FROM ${G} WHERE cluster = 3`,
    columns: G_COLS,
    expect: {
      classification: 'real_shift',
      action: 'retrain',
      cause: 'covariate_shift',
      features: ['life_expect', 'fertility'],
    },
  },
  {
    id: 'u-iowa-tiny',
    cause: 'tiny sample: 15 rows of 2013–2017 against 2001–2005',
    reference: `SELECT * FROM ${I} WHERE year(year) <= 2005`,
    current: `SELECT * FROM ${I} WHERE year(year) >= 2013`,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample', features: [] },
  },
];
