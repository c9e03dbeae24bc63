/**
 * The period a question names: "today", "yesterday", "this week", "last week", "this month", "in the last 3
 * days", "past 12 hours". Calendar periods follow local time (weeks start on Monday); `until` is exclusive.
 */

export interface TimeWindow {
  since: string;
  until?: string;
  /** How the question put it, for the answer ("this week"). */
  label: string;
}

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

function startOfDay(d: Date): Date {
  const x = new Date(d);
  x.setHours(0, 0, 0, 0);
  return x;
}

function addDays(d: Date, n: number): Date {
  const x = new Date(d);
  x.setDate(x.getDate() + n);
  return x;
}

export function timeWindow(question: string, now: Date): TimeWindow | undefined {
  const q = question.toLowerCase();
  const rolling = /\b(?:last|past|previous)\s+(\d+)\s+(minute|hour|day|week)s?\b/.exec(q);
  if (rolling) {
    const ms = Number(rolling[1]) * (UNIT_MS[rolling[2] as string] ?? 0);
    return { since: new Date(now.getTime() - ms).toISOString(), label: rolling[0] };
  }
  const today = startOfDay(now);
  if (/\btoday\b|\btonight\b/.test(q)) return { since: today.toISOString(), label: 'today' };
  if (/\byesterday\b|\blast night\b/.test(q))
    return { since: addDays(today, -1).toISOString(), until: today.toISOString(), label: 'yesterday' };
  const monday = addDays(today, -((today.getDay() + 6) % 7));
  if (/\bthis week\b/.test(q)) return { since: monday.toISOString(), label: 'this week' };
  if (/\blast week\b/.test(q))
    return { since: addDays(monday, -7).toISOString(), until: monday.toISOString(), label: 'last week' };
  const month = new Date(today.getFullYear(), today.getMonth(), 1);
  if (/\bthis month\b/.test(q)) return { since: month.toISOString(), label: 'this month' };
  if (/\blast month\b/.test(q))
    return {
      since: new Date(today.getFullYear(), today.getMonth() - 1, 1).toISOString(),
      until: month.toISOString(),
      label: 'last month',
    };
  return undefined;
}
