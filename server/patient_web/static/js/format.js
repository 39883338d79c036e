// @ts-check
// French formats in Europe/Paris whatever the device's zone, written exactly as contracts/fr_format.py
// writes them (Babel's fr_FR): « 1er avril 2027 », « mardi 24 novembre », « hier », « 24 nov. »,
// « 10:42 », « 2,4 Mo ». tests/contracts/test_js_format.py runs these functions with node and
// compares them with the Python ones. No DOM here: node imports this module as it is.
// Each function takes an ISO instant (what the API sends); those that say « aujourd'hui » or
// « hier » take the current instant as a parameter too (the device's clock by default).

const TZ = "Europe/Paris";
const DAY_MS = 86400000;

/** Paris calendar day of an instant, as numbers (en-CA gives 2026-11-24 in parts). */
const parisParts = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" });
const clock = new Intl.DateTimeFormat("fr-FR", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
// The names of a calendar day (given as noon UTC on that day, so UTC formatting names that day).
const CALENDAR = { timeZone: "UTC" };
const weekdayLong = new Intl.DateTimeFormat("fr-FR", { ...CALENDAR, weekday: "long" });
const weekdayShort = new Intl.DateTimeFormat("fr-FR", { ...CALENDAR, weekday: "short" });
const monthLong = new Intl.DateTimeFormat("fr-FR", { ...CALENDAR, day: "numeric", month: "long" });
const monthShort = new Intl.DateTimeFormat("fr-FR", { ...CALENDAR, day: "numeric", month: "short" });
const decimal = new Intl.NumberFormat("fr-FR", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/**
 * A calendar day in France.
 * @typedef {object} ParisDay
 * @property {number} year
 * @property {number} month  1 to 12
 * @property {number} day  1 to 31
 * @property {number} ordinal  days since 1970-01-01 (for « hier » and « les 6 derniers jours »)
 */

/** @param {string | Date} when */
function instant(when) {
  return when instanceof Date ? when : new Date(when);
}

/**
 * The calendar day in France at `when`.
 * @param {string | Date} when
 * @returns {ParisDay}
 */
export function parisDay(when) {
  /** @type {Record<string, number>} */
  const parts = {};
  for (const part of parisParts.formatToParts(instant(when))) {
    if (part.type === "year" || part.type === "month" || part.type === "day") parts[part.type] = Number(part.value);
  }
  const { year, month, day } = parts;
  return { year, month, day, ordinal: Date.UTC(year, month - 1, day) / DAY_MS };
}

/** @param {ParisDay} day */
function noon(day) {
  return new Date(Date.UTC(day.year, day.month - 1, day.day, 12));
}

/**
 * « 1 avril » → « 1er avril »: French writes the first of the month as an ordinal (fr_format._first).
 * @param {Intl.DateTimeFormat} formatter  one that writes the day and a month
 * @param {ParisDay} day
 */
function dayAndMonth(formatter, day) {
  return formatter
    .formatToParts(noon(day))
    .map((part) => (part.type === "day" && day.day === 1 ? "1er" : part.value))
    .join("");
}

/** @param {number} n */
const twoDigits = (n) => String(n).padStart(2, "0");

/** "2026-11-24": the Paris day of an instant, to compare two instants' days. */
export function dayKey(/** @type {string | Date} */ when) {
  const { year, month, day } = parisDay(when);
  return `${year}-${twoDigits(month)}-${twoDigits(day)}`;
}

/** « 10:42 », in Paris time (fr_format.clock_time). */
export function formatTime(/** @type {string | Date} */ when) {
  return clock.format(instant(when));
}

/** « 25/11/2026 »: the Paris day of an instant (fr_format.short_date of that day). */
export function formatShortDate(/** @type {string | Date} */ when) {
  const { year, month, day } = parisDay(when);
  return `${twoDigits(day)}/${twoDigits(month)}/${year}`;
}

/** « 25 novembre 2026 », « 1er avril 2027 »: the Paris day of an instant (fr_format.long_paris_date). */
export function formatLongDate(/** @type {string | Date} */ when) {
  const day = parisDay(when);
  return `${dayAndMonth(monthLong, day)} ${day.year}`;
}

/**
 * A day separator (fr_format.day_label): « aujourd'hui », « hier », « mardi 24 novembre », or with the
 * year when it is not this year's: « mardi 24 novembre 2025 ».
 * @param {string | Date} when
 * @param {string | Date} [now]
 */
export function formatDay(when, now = new Date()) {
  const day = parisDay(when);
  const today = parisDay(now);
  if (day.ordinal === today.ordinal) return "aujourd'hui";
  if (day.ordinal === today.ordinal - 1) return "hier";
  const text = `${weekdayLong.format(noon(day))} ${dayAndMonth(monthLong, day)}`;
  return day.year === today.year ? text : `${text} ${day.year}`;
}

/**
 * A conversation list's time (fr_format.list_time): « 10:42 » today, « hier », « lun. » in the last
 * week, « 24 nov. » this year, « 24/11/2025 » before.
 * @param {string | Date | null | undefined} when
 * @param {string | Date} [now]
 */
export function formatWhen(when, now = new Date()) {
  if (!when) return "";
  const day = parisDay(when);
  const today = parisDay(now);
  if (day.ordinal === today.ordinal) return formatTime(when);
  if (day.ordinal === today.ordinal - 1) return "hier";
  if (today.ordinal - 6 <= day.ordinal && day.ordinal < today.ordinal) return weekdayShort.format(noon(day));
  if (day.year === today.year) return dayAndMonth(monthShort, day);
  return formatShortDate(when);
}

/**
 * `numerator / denominator` rounded to an integer, half to even (Python's round()); exact for the
 * integers of file sizes.
 * @param {number} numerator
 * @param {number} denominator
 */
function roundHalfEven(numerator, denominator) {
  const quotient = Math.floor(numerator / denominator);
  const twice = 2 * (numerator - quotient * denominator);
  if (twice > denominator) return quotient + 1;
  if (twice < denominator) return quotient;
  return quotient % 2 === 0 ? quotient : quotient + 1;
}

/**
 * « 640 octets », « 124 Ko », « 2,4 Mo » (fr_format.file_size: binary multiples, Python's rounding).
 * @param {number | null | undefined} bytes
 */
export function fileSize(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} octets`;
  if (bytes < 1024 * 1024) return `${roundHalfEven(bytes, 1024)} Ko`;
  return `${decimal.format(roundHalfEven(bytes * 10, 1024 * 1024) / 10)} Mo`;
}
