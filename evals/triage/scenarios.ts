/**
 * Drift-triage eval scenarios from real data (vega-datasets: Seattle weather 2012–2015, Palmer penguins,
 * cars 1970–1982). Each is a reference and a current window as SQL over the real file, some with a cause
 * injected (a unit change, nulls, a renamed category, a schema change), some genuine shifts (season, era,
 * sub-population), some tiny samples; with the classification and action a careful person would choose.
 */
import path from 'node:path';

export interface Scenario {
  id: string;
  /** What was done to the data. */
  cause: string;
  reference: string;
  current: string;
  /** Columns to check (default: every non-date column of the reference). */
  columns?: string[];
  expect: {
    classification: 'data_quality' | 'real_shift' | 'noise';
    action: 'retrain' | 'rollback' | 'fix_upstream' | 'mute';
    /** The specific cause (reported, not required to pass). */
    cause: string;
  };
}

const DATA = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const W = `read_csv(${q(path.join(DATA, 'seattle-weather.csv'))})`;
const P = `read_json_auto(${q(path.join(DATA, 'penguins.json'))})`;
const C = `read_json_auto(${q(path.join(DATA, 'cars.json'))})`;

const W_TRAIN = `SELECT * FROM ${W} WHERE year(date) IN (2012, 2013)`;
const W_2014 = `SELECT * FROM ${W} WHERE year(date) = 2014`;
const P_ALL = `SELECT * FROM ${P} WHERE "Body Mass (g)" IS NOT NULL`;
const P_FEATURES = [
  'Island',
  'Beak Length (mm)',
  'Beak Depth (mm)',
  'Flipper Length (mm)',
  'Body Mass (g)',
  'Sex',
];
const C_FEATURES = [
  'Miles_per_Gallon',
  'Cylinders',
  'Displacement',
  'Horsepower',
  'Weight_in_lbs',
  'Acceleration',
  'Origin',
];
const C_EARLY = `SELECT * FROM ${C} WHERE year("Year") <= 1976`;
const C_RECENT = `SELECT * FROM ${C} WHERE year("Year") >= 1977`;

export const SCENARIOS: Scenario[] = [
  {
    id: 'weather-summer',
    cause: 'genuine seasonal shift: summer 2015 against 2012–2013',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2015-06-01' AND DATE '2015-08-31'`,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'seasonal_shift' },
  },
  {
    id: 'weather-winter',
    cause: 'genuine seasonal shift: winter 2014/15 against 2012–2013',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2014-11-15' AND DATE '2015-02-28'`,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'seasonal_shift' },
  },
  {
    id: 'weather-fahrenheit',
    cause: 'unit change: temp_max logged in °F',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (temp_max * 1.8 + 32 AS temp_max) FROM ${W} WHERE year(date) = 2014`,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'unit_change' },
  },
  {
    id: 'weather-precip-x10',
    cause: 'unit change: precipitation ×10 (cm logged as mm)',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (precipitation * 10 AS precipitation) FROM ${W} WHERE year(date) = 2014`,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'unit_change' },
  },
  {
    id: 'weather-wind-nulls',
    cause: 'nulls appeared: wind missing in ~40% of rows',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CASE WHEN dayofmonth(date) % 5 < 2 THEN NULL ELSE wind END AS wind) FROM ${W} WHERE year(date) = 2014`,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'nulls' },
  },
  {
    id: 'weather-dropped-column',
    cause: 'schema change: temp_min no longer delivered',
    reference: W_TRAIN,
    current: `SELECT * EXCLUDE (temp_min) FROM ${W} WHERE year(date) = 2014`,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'schema_change' },
  },
  {
    id: 'weather-renamed-categories',
    cause: 'category renamed: rain → rainy, sun → sunny',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (CASE weather WHEN 'rain' THEN 'rainy' WHEN 'sun' THEN 'sunny' ELSE weather END AS weather) FROM ${W} WHERE year(date) = 2014`,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'category_renamed' },
  },
  {
    id: 'weather-tiny-summer',
    cause: 'tiny sample: 12 summer days',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2015-07-01' AND DATE '2015-07-12'`,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample' },
  },
  {
    id: 'weather-tiny-random',
    cause: 'tiny sample: 20 random days of 2014',
    reference: W_TRAIN,
    current: `SELECT * FROM (${W_2014}) USING SAMPLE 20 ROWS (reservoir, 7)`,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample' },
  },
  {
    id: 'penguins-mass-kg',
    cause: 'unit change: body mass logged in kg',
    reference: P_ALL,
    current: `SELECT * REPLACE ("Body Mass (g)" / 1000.0 AS "Body Mass (g)") FROM (${P_ALL}) USING SAMPLE 60 PERCENT (bernoulli, 3)`,
    columns: P_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'unit_change' },
  },
  {
    id: 'penguins-biscoe-colony',
    cause: 'genuine shift: traffic only from Biscoe island (mostly Gentoo, heavier)',
    reference: P_ALL,
    current: `SELECT * FROM (${P_ALL}) WHERE "Island" = 'Biscoe'`,
    columns: P_FEATURES,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'distribution_shift' },
  },
  {
    id: 'penguins-sex-renamed',
    cause: 'category renamed: MALE/FEMALE → M/F',
    reference: P_ALL,
    current: `SELECT * REPLACE (CASE "Sex" WHEN 'MALE' THEN 'M' WHEN 'FEMALE' THEN 'F' ELSE "Sex" END AS "Sex") FROM (${P_ALL})`,
    columns: P_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'category_renamed' },
  },
  {
    id: 'penguins-flipper-nulls',
    cause: 'nulls appeared: flipper length missing for half the rows',
    reference: P_ALL,
    current: `SELECT * REPLACE (CASE WHEN hash("Beak Length (mm)") % 2 = 0 THEN NULL ELSE "Flipper Length (mm)" END AS "Flipper Length (mm)") FROM (${P_ALL})`,
    columns: P_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'nulls' },
  },
  {
    id: 'penguins-tiny',
    cause: 'tiny sample: 10 penguins from Dream island',
    reference: P_ALL,
    current: `SELECT * FROM (${P_ALL}) WHERE "Island" = 'Dream' LIMIT 10`,
    columns: P_FEATURES,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample' },
  },
  {
    id: 'cars-new-era',
    cause: 'genuine shift: 1977–1982 cars against 1970–1976 (lighter, more efficient)',
    reference: C_EARLY,
    current: C_RECENT,
    columns: C_FEATURES,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'distribution_shift' },
  },
  {
    id: 'cars-weight-kg',
    cause: 'unit change: weight logged in kg',
    reference: C_EARLY,
    current: `SELECT * REPLACE ("Weight_in_lbs" * 0.4536 AS "Weight_in_lbs") FROM ${C} WHERE year("Year") <= 1976`,
    columns: C_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'unit_change' },
  },
  {
    id: 'cars-horsepower-text',
    cause: 'schema change: horsepower delivered as text',
    reference: C_EARLY,
    current: `SELECT * REPLACE (CAST("Horsepower" AS VARCHAR) || ' hp' AS "Horsepower") FROM ${C} WHERE year("Year") >= 1975`,
    columns: C_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'schema_change' },
  },
  {
    id: 'cars-origin-renamed',
    cause: 'category renamed: USA → US',
    reference: C_EARLY,
    current: `SELECT * REPLACE (CASE "Origin" WHEN 'USA' THEN 'US' ELSE "Origin" END AS "Origin") FROM ${C} WHERE year("Year") <= 1976`,
    columns: C_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'category_renamed' },
  },
  {
    id: 'cars-japan-only',
    cause: 'genuine shift: traffic only from Japanese cars',
    reference: `SELECT * FROM ${C}`,
    current: `SELECT * FROM ${C} WHERE "Origin" = 'Japan'`,
    columns: C_FEATURES,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'distribution_shift' },
  },
  {
    id: 'cars-tiny',
    cause: 'tiny sample: 15 recent cars',
    reference: C_EARLY,
    current: `SELECT * FROM (${C_RECENT}) USING SAMPLE 15 ROWS (reservoir, 11)`,
    columns: C_FEATURES,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample' },
  },
];

/** Written after the rules were tuned on SCENARIOS and never tuned against: the honest figure. */
export const HELDOUT: Scenario[] = [
  {
    id: 'heldout-weather-spring',
    cause: 'genuine seasonal shift: spring 2015 against 2012–2013',
    reference: W_TRAIN,
    current: `SELECT * FROM ${W} WHERE date BETWEEN DATE '2015-03-01' AND DATE '2015-05-31'`,
    expect: { classification: 'real_shift', action: 'retrain', cause: 'seasonal_shift' },
  },
  {
    id: 'heldout-weather-wind-kmh',
    cause: 'unit change: wind logged in km/h instead of m/s (×3.6)',
    reference: W_TRAIN,
    current: `SELECT * REPLACE (wind * 3.6 AS wind) FROM ${W} WHERE year(date) = 2015`,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'unit_change' },
  },
  {
    id: 'heldout-penguins-beak-cm',
    cause: 'unit change: beak length logged in cm',
    reference: P_ALL,
    current: `SELECT * REPLACE ("Beak Length (mm)" / 10.0 AS "Beak Length (mm)") FROM (${P_ALL})`,
    columns: P_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'unit_change' },
  },
  {
    id: 'heldout-cars-mpg-nulls',
    cause: 'nulls appeared: miles per gallon missing for a third of the cars',
    reference: C_EARLY,
    current: `SELECT * REPLACE (CASE WHEN "Cylinders" = 4 THEN NULL ELSE "Miles_per_Gallon" END AS "Miles_per_Gallon") FROM ${C} WHERE year("Year") <= 1976`,
    columns: C_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'nulls' },
  },
  {
    id: 'heldout-cars-europe-renamed',
    cause: 'category renamed: Europe → EU',
    reference: `SELECT * FROM ${C}`,
    current: `SELECT * REPLACE (CASE "Origin" WHEN 'Europe' THEN 'EU' ELSE "Origin" END AS "Origin") FROM ${C}`,
    columns: C_FEATURES,
    expect: { classification: 'data_quality', action: 'fix_upstream', cause: 'category_renamed' },
  },
  {
    id: 'heldout-penguins-tiny',
    cause: 'tiny sample: 25 Gentoo penguins',
    reference: P_ALL,
    current: `SELECT * FROM (${P_ALL}) WHERE "Species" = 'Gentoo' LIMIT 25`,
    columns: P_FEATURES,
    expect: { classification: 'noise', action: 'mute', cause: 'small_sample' },
  },
];
