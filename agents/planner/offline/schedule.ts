/**
 * Schedules in plain words → cron. A small grammar over the phrases people use:
 *   frequency:  every N minutes | every N hours | hourly | every night | nightly | daily | every day |
 *               weekly | every <weekday>[s] | on <weekday>s | weekdays | weekends | Mon-Fri | monthly |
 *               quarterly | every N days | every other day|hour | every half hour | every quarter hour |
 *               once|twice|N times a|an|per day|hour|week|month (N words or digits)
 *   time:       at 2am | at 14:30 | at 6 | at noon | at midnight | in the morning | at night |
 *               half past 7 | quarter past 8 | quarter to 9 | at 8am and 8pm (several times a day)
 *   day:        on the 1st | on the 15th | the 1st of every month (monthly)
 * A cron expression written in the goal ("cron 0 2 * * *") is taken as is.
 */
import { parseTimezone } from './timezones.ts';
import { NUMBER, toNumber } from './words.ts';

export { parseTimezone };

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

/** Words NUMBER reads as 1 or 2 that never name an hour ("at a", "at both"). */
const NOT_AN_HOUR = new Set(['a', 'an', 'single', 'both', 'pair', 'couple', 'dozen']);
const CLOCK_WORDS = new RegExp(
  String.raw`(\b(?:at|@|around|by)\s+|\b(?:half|quarter)\s+(?:past|after|to|before)\s+)?\b${NUMBER}(?:[ -](?:o|oh)[ -]${NUMBER}(?![a-z])|[ -]${NUMBER}(?![a-z]))?(?=(\s*(?:a\.?m\.?|p\.?m\.?|o'?clock)(?![a-z]))?)(?!\s+(?:[a-z]{3,}s|model|gpu|run|version|dataset|minute|hour|day|week|month)\b)`,
  'g',
);

/** Clock times in words as digits: "at six" → "at 6", "six thirty pm" → "6:30 pm", "half past seven". */
function clockDigits(t: string): string {
  return t.replace(CLOCK_WORDS, (all, lead, h, oh, m, suffix) => {
    if (!lead && !suffix) return all;
    const hour = NOT_AN_HOUR.has(h) ? undefined : toNumber(h);
    const minute = oh !== undefined ? toNumber(oh) : m !== undefined ? toNumber(m) : 0;
    const okMinute =
      minute !== undefined && (oh !== undefined ? minute < 10 : m === undefined || minute >= 10);
    if (hour === undefined || !Number.isInteger(hour) || hour > 23 || !okMinute || (minute as number) > 59)
      return all;
    const hh = /^\d/.test(h) && m === undefined && oh === undefined ? h : String(hour);
    return `${lead ?? ''}${hh}${oh === undefined && m === undefined ? '' : `:${String(minute).padStart(2, '0')}`}`;
  });
}

/** The time of day named in the text ("at 2am", "at 14:30", "at noon", "at six thirty"), if any. */
function timeOfDay(text: string): TimeOfDay | undefined {
  const t = clockDigits(text.toLowerCase());
  if (/\b(at\s+)?noon\b|\bmidday\b/.test(t)) return { hour: 12, minute: 0 };
  if (/\bmidnight\b/.test(t)) return { hour: 0, minute: 0 };
  const past = /\b(half|quarter)\s+(past|after|to|before)\s+(\d{1,2})\s*(am|pm)?\b/.exec(t);
  if (past) {
    let hour = Number(past[3]);
    if (past[4] === 'pm' && hour < 12) hour += 12;
    const minute = past[1] === 'half' ? 30 : 15;
    if (/to|before/.test(past[2] as string)) return { hour: (hour + 23) % 24, minute: 60 - minute };
    return { hour, minute };
  }
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

const DAY_ABBR = '(mon|tue|wed|thu|fri|sat|sun)';

function weekdays(text: string): number[] {
  const t = text.toLowerCase();
  if (/\bweekdays?\b|\bworking days?\b|\bbusiness days?\b|\bwork ?days?\b/.test(t)) return [1, 2, 3, 4, 5];
  // A range of days: "Monday to Friday", "mon-fri", "Tue through Thu".
  const range = new RegExp(
    String.raw`\b${DAY_ABBR}[a-z]*\.?\s*(?:-|–|to|through|thru|until)\s*${DAY_ABBR}[a-z]*\b`,
  ).exec(t);
  if (range) {
    const from = DAYS[range[1] as string] as number;
    const to = DAYS[range[2] as string] as number;
    const out: number[] = [];
    for (let d = from; ; d = (d + 1) % 7) {
      out.push(d);
      if (d === to || out.length > 7) break;
    }
    return out.sort();
  }
  if (/\bweekends?\b/.test(t)) return [0, 6];
  const out = new Set<number>();
  for (const m of t.matchAll(new RegExp(String.raw`\b${DAY_WORD}\b`, 'g'))) {
    const key = (m[1] ?? '').slice(0, 3);
    const d = DAYS[key];
    if (d !== undefined) out.add(d);
  }
  // Short forms that are not also ordinary words ("sat", "sun" are left out): "every Tue and Thu at 9".
  for (const m of t.matchAll(/\b(mon|tues?|wed|thu|thurs|fri)\b\.?/g)) {
    const d = DAYS[(m[1] as string).slice(0, 3)];
    if (d !== undefined) out.add(d);
  }
  return [...out].sort();
}

const SCHEDULE_HINT =
  /\b(every|each|hourly|daily|nightly|weekly|monthly|quarterly|night|weekdays?|weekends?|cron|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|(?:once|twice|thrice|times)\s+(?:a|an|per|each|every)\s+(?:day|hour|week|month)|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*(?:-|–|to|through|thru)\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\b/i;

const TIMES_PER = new RegExp(
  String.raw`\b(?:(once|twice|thrice)|${NUMBER}\s+times)\s+(?:(?:a|an|per|each|every)\s+(day|hour|week|month)\b|(dai|hour|week|month)ly\b)`,
);

/** Several times of day in one phrase: "at 8am and 8pm", "at 6 and 18", "at 06:00, 12:00 and 18:00". */
function timesOfDay(text: string): TimeOfDay[] {
  const TIME = String.raw`\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)?`;
  const m = new RegExp(String.raw`\bat\s+(${TIME}(?:\s*(?:,|and|&)\s*${TIME})+)`).exec(clockDigits(text));
  if (!m) return [];
  const out: TimeOfDay[] = [];
  for (const part of (m[1] as string).split(/\s*(?:,|and|&)\s*/)) {
    const one = timeOfDay(`at ${part}`);
    if (one) out.push(one);
  }
  return out;
}

/** A weekday said of the past: "last Tuesday", "this past Monday", "Friday's run", "from Tuesday" (runs, not a schedule). */
const PAST_DAY =
  /\b(?:(?:last|past|previous|this\s+past|from|since)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:'|’)s)\b/gi;

/** Reads a schedule from the goal, or undefined when the goal names none. */
export function parseSchedule(said: string): Schedule | undefined {
  const text = said.replace(PAST_DAY, ' ');
  const tz = parseTimezone(text);
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
    String.raw`\b(?:every|each)\s+(?:(other|half|quarter)[- ]?|${NUMBER}\s+)?(minute|min|hour|hr|day|week|month)s?\b`,
  ).exec(t);
  let unit = every?.[3];
  let n = every?.[1] === 'other' ? 2 : (toNumber(every?.[2]) ?? 1);
  if (every?.[1] === 'half' || every?.[1] === 'quarter') {
    // "every half hour" → every 30 minutes; "every quarter hour" → every 15.
    if (unit === 'hour' || unit === 'hr') {
      unit = 'minute';
      n = every[1] === 'half' ? 30 : 15;
    }
  }
  // "twice a day", "3 times an hour", "once a week": a count per period.
  const per = TIMES_PER.exec(t);
  if (per && !unit) {
    const count = per[1] === 'once' ? 1 : per[1] === 'twice' ? 2 : per[1] === 'thrice' ? 3 : toNumber(per[2]);
    const period = per[3] ?? (per[4] === 'dai' ? 'day' : (per[4] as string));
    if (count && period === 'hour') {
      if (count > 1 && 60 % count === 0) return withTz(`*/${60 / count} * * * *`, per[0]);
      if (count === 1) return withTz('0 * * * *', per[0]);
    }
    if (count && period === 'day' && count > 1) {
      const times = timesOfDay(t);
      if (times.length > 1 && times.every((x) => x.minute === times[0]?.minute))
        return withTz(`${times[0]?.minute} ${times.map((x) => x.hour).join(',')} * * *`, per[0]);
      if (24 % count === 0) return withTz(`0 */${24 / count} * * *`, per[0]);
    }
    if (period === 'day' || period === 'week' || period === 'month') unit = period;
  }
  if (unit === 'minute' || unit === 'min')
    return withTz(n === 1 ? '* * * * *' : `*/${n} * * * *`, every?.[0] ?? '');
  if (unit === 'hour' || unit === 'hr' || /\bhourly\b/.test(t)) {
    const at = /\bat\s+(?::|minute\s+)?(\d{1,2})\s+past\b/.exec(t);
    // "on the half hour": minute 30.
    const half = /\bon\s+the\s+half[- ]hour\b/.test(t);
    return withTz(
      `${at ? Number(at[1]) : half ? 30 : 0} ${n === 1 ? '*' : `*/${n}`} * * *`,
      every?.[0] ?? 'hourly',
    );
  }

  const time = timeOfDay(t);
  const several = timesOfDay(t);
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
  const base =
    several.length > 1 && several.every((x) => x.minute === several[0]?.minute)
      ? `${several[0]?.minute} ${several.map((x) => x.hour).join(',')}`
      : `${hm.minute} ${hm.hour}`;

  if (/\bquarterly\b|\bevery (?:quarter|three months|3 months)\b/.test(t))
    return withTz(`${hm.minute} ${hm.hour} 1 */3 *`, 'quarterly');
  if (
    /\bmonthly\b|\bevery month\b|\beach month\b|\bof (?:every|each|the) month\b/.test(t) ||
    unit === 'month'
  ) {
    const dom =
      /\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b/.exec(t) ?? /\b(\d{1,2})(?:st|nd|rd|th)\s+of\b/.exec(t);
    const first = /\bfirst day\b/.test(t) ? 1 : undefined;
    const day = dom ? Number(dom[1]) : (first ?? 1);
    return withTz(`${base} ${day} ${unit === 'month' && n > 1 ? `*/${n}` : '*'} *`, 'monthly');
  }
  const dayRange = new RegExp(
    String.raw`\b${DAY_ABBR}[a-z]*\.?\s*(?:-|–|to|through|thru)\s*${DAY_ABBR}`,
  ).test(t);
  if (
    days.length > 0 &&
    (/\b(every|each|on|weekly|weekdays?|weekends?)\b/.test(t) ||
      // A plural day name recurs by itself: "Mondays at 6am".
      new RegExp(String.raw`\b${DAY_WORD.replace('days?', 'days')}\b`).test(t) ||
      unit === 'week' ||
      dayRange)
  ) {
    return withTz(`${base} * * ${compressDays(days)}`, 'weekly');
  }
  if (/\bweekly\b|\bonce (?:a|per|each|every) week\b/.test(t) || unit === 'week')
    return withTz(`${base} * * ${n > 1 ? '*' : 0}`, 'weekly');
  if (unit === 'day' && n > 1) return withTz(`${base} */${n} * *`, every?.[0] ?? '');
  if (
    unit === 'day' ||
    night ||
    morning ||
    evening ||
    /\b(daily|every\s*day|each\s*day|once (?:a|per|each|every) day|per day)\b/.test(t)
  ) {
    return withTz(`${base} * * *`, 'daily');
  }
  return undefined;
}

/**
 * A new time of day for a schedule there is ("make it 5am", "move it to 14:30", "run at noon instead"): the
 * cron with its minute and hour replaced, or undefined when the text names no time or the cron has no fixed hour.
 */
export function retime(cron: string, text: string): string | undefined {
  const fields = cron.split(' ');
  const time = timeOfDay(text.toLowerCase());
  if (!time || fields.length !== 5 || !/^\d+$/.test(fields[1] as string)) return undefined;
  return [String(time.minute), String(time.hour), ...fields.slice(2)].join(' ');
}

/** Whether the text says a time of day: "at 6", "14:30", "noon", "nightly", "in the morning". */
export function namesTimeOfDay(text: string): boolean {
  const t = text.toLowerCase();
  return timeOfDay(t) !== undefined || /\b(?:night|nightly|overnight|mornings?|evenings?)\b/.test(t);
}

function compressDays(days: number[]): string {
  const isRange = days.length > 2 && days.every((d, i) => i === 0 || d === (days[i - 1] as number) + 1);
  return isRange ? `${days[0]}-${days[days.length - 1]}` : days.join(',');
}
