// Number, money and date formatting, in the browser's locale. The shop's currency lives here only.
export const CURRENCY = 'USD';

const moneyFormat = new Intl.NumberFormat(undefined, { style: 'currency', currency: CURRENCY });
const moneyCompact = new Intl.NumberFormat(undefined, {
  style: 'currency', currency: CURRENCY, notation: 'compact', maximumFractionDigits: 1,
});
const integerFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const growthFormat = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero',
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longDayFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC',
});

export const money = (value) => moneyFormat.format(Number(value ?? 0));
export const moneyShort = (value) => moneyCompact.format(Number(value ?? 0));
export const integer = (value) => integerFormat.format(Number(value ?? 0));

// A growth percentage (already in percent units): "+12.5%", "−50.0%", or "—" when unknown.
export const growth = (value) =>
  (value === null || value === undefined || !Number.isFinite(value) ? '—' : `${growthFormat.format(value)}%`);

export const dateTime = (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : '—');

// A calendar day "YYYY-MM-DD" (no time zone of its own) as "Nov 3" or "Nov 3, 2026".
export const day = (isoDate) => dayFormat.format(new Date(`${isoDate}T00:00:00Z`));
export const longDay = (isoDate) => longDayFormat.format(new Date(`${isoDate}T00:00:00Z`));

// Exact money arithmetic in cents: unit price × quantity.
export const lineTotal = (price, quantity) => (Math.round(Number(price) * 100) * quantity) / 100;

// The last characters of an id, enough to tell orders apart on screen.
export const shortId = (id) => `#${String(id).slice(-8)}`;
