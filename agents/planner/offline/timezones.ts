/**
 * The clock a schedule is said in: a US region ("Pacific time"), a zone abbreviation right after a time
 * ("7am PST", "3 AM IST"), a city ("Lagos time", "6am Berlin"), a one-clock country ("India time") or an IANA name.
 */
/** Cities people name a schedule's clock by: "9am Berlin time", "(London time)", "at 1am Tokyo". */
const CITY_ZONES: Record<string, string> = {
  berlin: 'Europe/Berlin',
  london: 'Europe/London',
  paris: 'Europe/Paris',
  madrid: 'Europe/Madrid',
  rome: 'Europe/Rome',
  amsterdam: 'Europe/Amsterdam',
  zurich: 'Europe/Zurich',
  vienna: 'Europe/Vienna',
  stockholm: 'Europe/Stockholm',
  dublin: 'Europe/Dublin',
  lisbon: 'Europe/Lisbon',
  warsaw: 'Europe/Warsaw',
  helsinki: 'Europe/Helsinki',
  athens: 'Europe/Athens',
  moscow: 'Europe/Moscow',
  lagos: 'Africa/Lagos',
  abuja: 'Africa/Lagos',
  accra: 'Africa/Accra',
  nairobi: 'Africa/Nairobi',
  johannesburg: 'Africa/Johannesburg',
  'cape town': 'Africa/Johannesburg',
  cairo: 'Africa/Cairo',
  'new york': 'America/New_York',
  chicago: 'America/Chicago',
  denver: 'America/Denver',
  'los angeles': 'America/Los_Angeles',
  'san francisco': 'America/Los_Angeles',
  seattle: 'America/Los_Angeles',
  toronto: 'America/Toronto',
  'sao paulo': 'America/Sao_Paulo',
  tokyo: 'Asia/Tokyo',
  seoul: 'Asia/Seoul',
  shanghai: 'Asia/Shanghai',
  beijing: 'Asia/Shanghai',
  'hong kong': 'Asia/Hong_Kong',
  singapore: 'Asia/Singapore',
  mumbai: 'Asia/Kolkata',
  delhi: 'Asia/Kolkata',
  bangalore: 'Asia/Kolkata',
  bengaluru: 'Asia/Kolkata',
  kolkata: 'Asia/Kolkata',
  chennai: 'Asia/Kolkata',
  hyderabad: 'Asia/Kolkata',
  pune: 'Asia/Kolkata',
  karachi: 'Asia/Karachi',
  lahore: 'Asia/Karachi',
  dhaka: 'Asia/Dhaka',
  jakarta: 'Asia/Jakarta',
  manila: 'Asia/Manila',
  bangkok: 'Asia/Bangkok',
  dubai: 'Asia/Dubai',
  sydney: 'Australia/Sydney',
  melbourne: 'Australia/Melbourne',
  auckland: 'Pacific/Auckland',
};
/** Countries with one clock, counted only as "<country> time": "India time", "Japan time". */
const COUNTRY_ZONES: Record<string, string> = {
  india: 'Asia/Kolkata',
  japan: 'Asia/Tokyo',
  korea: 'Asia/Seoul',
  china: 'Asia/Shanghai',
  germany: 'Europe/Berlin',
  france: 'Europe/Paris',
  spain: 'Europe/Madrid',
  italy: 'Europe/Rome',
  ireland: 'Europe/Dublin',
  uk: 'Europe/London',
  britain: 'Europe/London',
  'new zealand': 'Pacific/Auckland',
  nigeria: 'Africa/Lagos',
  ghana: 'Africa/Accra',
  kenya: 'Africa/Nairobi',
  'south africa': 'Africa/Johannesburg',
  egypt: 'Africa/Cairo',
  pakistan: 'Asia/Karachi',
  bangladesh: 'Asia/Dhaka',
};
const COUNTRY_CLOCK = new RegExp(
  String.raw`(?<![\w/.-])(${Object.keys(COUNTRY_ZONES).join('|')})\s+(?:local\s+)?(?:time|timezone|tz)\b`,
  'i',
);
const CITY = Object.keys(CITY_ZONES).join('|');
/** A city as a clock: "<city> time", "(<city>)", or right after a time of day ("6am Berlin"); never in a name. */
const CITY_CLOCK = new RegExp(
  String.raw`(?<![\w/.-])(${CITY})(?:\s+(?:local\s+)?(?:time|timezone|tz)\b|\s*\))(?![\w-])|(?:\d\s*(?:am|pm|a\.m\.|p\.m\.|h)|\d:\d\d)\s*,?\s*(?:in\s+)?(${CITY})(?![\w/.-])`,
  'i',
);

/** US regions and common zone abbreviations: "Pacific time", "8am PST", "18:00 CET". */
const REGION_ZONES: Record<string, string> = {
  pacific: 'America/Los_Angeles',
  mountain: 'America/Denver',
  central: 'America/Chicago',
  eastern: 'America/New_York',
};
const ABBR_ZONES: Record<string, string> = {
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  PT: 'America/Los_Angeles',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  ET: 'America/New_York',
  CET: 'Europe/Berlin',
  CEST: 'Europe/Berlin',
  BST: 'Europe/London',
  JST: 'Asia/Tokyo',
  IST: 'Asia/Kolkata',
  WAT: 'Africa/Lagos',
  EAT: 'Africa/Nairobi',
  SAST: 'Africa/Johannesburg',
  PKT: 'Asia/Karachi',
  SGT: 'Asia/Singapore',
  HKT: 'Asia/Hong_Kong',
  KST: 'Asia/Seoul',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
  NZST: 'Pacific/Auckland',
};
const REGION_CLOCK = /\b(?:US\s+)?(pacific|mountain|central|eastern)\s+(?:standard\s+|daylight\s+)?time\b/i;
/** An abbreviation counts right after a time of day, in any case: "7am PST", "18:00 (CET)". */
const ABBR_CLOCK = new RegExp(
  String.raw`(?:\d\s*(?:am|pm|a\.m\.|p\.m\.|h)|\d:\d\d)\s*\(?(${Object.keys(ABBR_ZONES).join('|')})\)?(?![\w-])`,
  'i',
);

/** The time zone a text names: a US region, a zone abbreviation after a time, a city clock, an IANA name. */
export function parseTimezone(text: string): string | undefined {
  const region = REGION_CLOCK.exec(text);
  if (region) return REGION_ZONES[(region[1] as string).toLowerCase()];
  const abbr = ABBR_CLOCK.exec(text);
  if (abbr) return ABBR_ZONES[(abbr[1] as string).toUpperCase()];
  const city = CITY_CLOCK.exec(text);
  if (city) return CITY_ZONES[((city[1] ?? city[2]) as string).toLowerCase().replace(/\s+/g, ' ')];
  const country = COUNTRY_CLOCK.exec(text);
  if (country) return COUNTRY_ZONES[(country[1] as string).toLowerCase().replace(/\s+/g, ' ')];
  const iana =
    /\b((?:Africa|America|Asia|Atlantic|Australia|Europe|Pacific|Indian)\/[A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z_]+)?)\b/.exec(
      text,
    );
  if (iana) return iana[1];
  if (/\b(UTC|GMT)\b/i.test(text)) return 'UTC';
  return undefined;
}
