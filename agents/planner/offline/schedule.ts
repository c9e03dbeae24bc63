/**
 * Schedules in plain words → cron. A small grammar over the phrases people use:
 *   frequency:  every N minutes | every N hours | hourly | every night | nightly | daily | every day |
 *               weekly | every <weekday>[s] | on <weekday>s | weekdays | weekends | monthly | every N days
 *   time:       at 2am | at 14:30 | at 6 | at noon | at midnight | in the morning | at night
 *   day:        on the 1st | on the 15th (monthly)
 * A cron expression written in the goal ("cron 0 2 * * *") is taken as is.
 */
import { NUMBER, toNumber } from './words.ts';

export interface Schedule {
  cron: string;
  timezone?: string;
  /** The words the schedule was read from, for the plan notes. */
  phrase: string;
}

const DAYS: Record<string, number> = {
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};
const DAY_WORD = '(sun|mon|tues|wednes|thurs|fri|satur)days?';

const CRON = /\bcron\s*[:=]?\s*["'`]?((?:[\d*/,-]+\s+){4}[\d*/,-]+)["'`]?/i;

interface TimeOfDay {
  hour: number;
  minute: number;
}

/** The time of day named in the text ("at 2am", "at 14:30", "at noon"), if any. */
function timeOfDay(text: string): TimeOfDay | undefined {
  const t = text.toLowerCase();
  if (/\b(at\s+)?noon\b|\bmidday\b/.test(t)) return { hour: 12, minute: 0 };
  if (/\bmidnight\b/.test(t)) return { hour: 0, minute: 0 };
  const m =
    /\b(?:at|@|around)\s+(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?|h\b|o'?clock)?(?![\d%.])/.exec(t) ??
    /\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?=\W|$)/.exec(t) ??
    /\b(\d{1,2}):(\d{2})\b()/.exec(t);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] ? Number(m[2]) : 0;
  const suffix = (m[3] ?? '').replaceAll('.', '');
  if (suffix.startsWith('p') && hour < 12) hour += 12;
  if (suffix.startsWith('a') && hour === 12) hour = 0;
  if (!suffix && /\b(evening|tonight|afternoon)\b/.test(t) && hour < 12) hour += 12;
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

function weekdays(text: string): number[] {
  const t = text.toLowerCase();
  if (/\bweekdays?\b|\bworking days?\b|\bbusiness days?\b|monday\s*(?:to|through|-)\s*friday/.test(t)) {
    return [1, 2, 3, 4, 5];
  }
  if (/\bweekends?\b/.test(t)) return [0, 6];
  const out = new Set<number>();
  for (const m of t.matchAll(new RegExp(String.raw`\b${DAY_WORD}\b`, 'g'))) {
    const key = (m[1] ?? '').slice(0, 3);
    const d = DAYS[key];
    if (d !== undefined) out.add(d);
  }
  return [...out].sort();
}

function timezone(text: string): string | undefined {
  const iana =
    /\b((?:Africa|America|Asia|Atlantic|Australia|Europe|Pacific|Indian)\/[A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z_]+)?)\b/.exec(
      text,
    );
  if (iana) return iana[1];
  if (/\b(UTC|GMT)\b/.test(text)) return 'UTC';
  return undefined;
}

const SCHEDULE_HINT =
  /\b(every|each|hourly|daily|nightly|weekly|monthly|night|weekdays?|weekends?|cron|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)\b/i;

/** Reads a schedule from the goal, or undefined when the goal names none. */
export function parseSchedule(text: string): Schedule | undefined {
  const tz = timezone(text);
  const withTz = (cron: string, phrase: string): Schedule => ({
    cron,
    phrase,
    ...(tz ? { timezone: tz } : {}),
  });
  const raw = CRON.exec(text);
  if (raw?.[1]) return withTz(raw[1].trim().replace(/\s+/g, ' '), raw[0]);
  if (!SCHEDULE_HINT.test(text)) return undefined;
  const t = text.toLowerCase();

  const every = new RegExp(
    String.raw`\b(?:every|each)\s+(?:${NUMBER}\s+)?(minute|min|hour|hr|day|week|month)s?\b`,
  ).exec(t);
  const unit = every?.[2];
  const n = toNumber(every?.[1]) ?? 1;
  if (unit === 'minute' || unit === 'min')
    return withTz(n === 1 ? '* * * * *' : `*/${n} * * * *`, every?.[0] ?? '');
  if (unit === 'hour' || unit === 'hr' || /\bhourly\b/.test(t)) {
    const at = /\bat\s+(?::|minute\s+)?(\d{1,2})\s+past\b/.exec(t);
    return withTz(`${at ? Number(at[1]) : 0} ${n === 1 ? '*' : `*/${n}`} * * *`, every?.[0] ?? 'hourly');
  }

  const time = timeOfDay(t);
  const days = weekdays(t);
  const night = /\b(night|nightly|overnight)\b/.test(t);
  const morning = /\bmornings?\b/.test(t);
  const evening = /\bevenings?\b/.test(t);
  const hm =
    time ??
    (night
      ? { hour: 2, minute: 0 }
      : morning
        ? { hour: 6, minute: 0 }
        : evening
          ? { hour: 18, minute: 0 }
          : { hour: 0, minute: 0 });
  const base = `${hm.minute} ${hm.hour}`;

  if (
    /\bmonthly\b|\bevery month\b|\beach month\b|\bof (?:every|each|the) month\b/.test(t) ||
    unit === 'month'
  ) {
    const dom =
      /\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b/.exec(t) ?? /\b(\d{1,2})(?:st|nd|rd|th)\s+of\b/.exec(t);
    const first = /\bfirst day\b/.test(t) ? 1 : undefined;
    const day = dom ? Number(dom[1]) : (first ?? 1);
    return withTz(`${base} ${day} * *`, 'monthly');
  }
  if (days.length > 0 && (/\b(every|each|on|weekly|weekdays?|weekends?)\b/.test(t) || unit === 'week')) {
    return withTz(`${base} * * ${compressDays(days)}`, 'weekly');
  }
  if (/\bweekly\b|\bonce a week\b/.test(t) || unit === 'week')
    return withTz(`${base} * * ${n > 1 ? '*' : 0}`, 'weekly');
  if (unit === 'day' && n > 1) return withTz(`${base} */${n} * *`, every?.[0] ?? '');
  if (
    unit === 'day' ||
    night ||
    morning ||
    evening ||
    /\b(daily|every\s*day|each\s*day|once a day)\b/.test(t)
  ) {
    return withTz(`${base} * * *`, 'daily');
  }
  return undefined;
}

function compressDays(days: number[]): string {
  const isRange = days.length > 2 && days.every((d, i) => i === 0 || d === (days[i - 1] as number) + 1);
  return isRange ? `${days[0]}-${days[days.length - 1]}` : days.join(',');
}
