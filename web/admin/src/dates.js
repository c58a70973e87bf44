// Calendar days as "YYYY-MM-DD" strings, and time zones.

export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// Today's date in the zone tz.
export function todayIn(tz, now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// The last n days ending today in tz, both ends included.
export function lastDays(n, tz) {
  const to = todayIn(tz);
  return { from: addDays(to, -(n - 1)), to };
}

// Every zone the browser knows, with UTC and the browser's own zone surely in the list.
export function timeZones() {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return [...new Set(['UTC', browserTimeZone(), ...zones])].sort((a, b) =>
    (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}
