// French formats, in Europe/Paris whatever the device's zone.
const TZ = "Europe/Paris";
const time = new Intl.DateTimeFormat("fr-FR", { timeZone: TZ, hour: "2-digit", minute: "2-digit" });
const day = new Intl.DateTimeFormat("fr-FR", { timeZone: TZ, weekday: "long", day: "numeric", month: "long" });
const shortDate = new Intl.DateTimeFormat("fr-FR", { timeZone: TZ, day: "numeric", month: "short" });
const longDate = new Intl.DateTimeFormat("fr-FR", { timeZone: TZ, day: "numeric", month: "long", year: "numeric" });
const key = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" });

export const formatTime = (iso) => time.format(new Date(iso));
export const formatDay = (iso) => day.format(new Date(iso));
export const formatLongDate = (iso) => longDate.format(new Date(iso));
export const dayKey = (iso) => key.format(new Date(iso));

/** "10:42" today, "hier", else "24 nov." — for the conversations list. */
export function formatWhen(iso) {
  if (!iso) return "";
  const today = dayKey(new Date().toISOString());
  const yesterday = dayKey(new Date(Date.now() - 86400000).toISOString());
  const k = dayKey(iso);
  if (k === today) return formatTime(iso);
  if (k === yesterday) return "hier";
  return shortDate.format(new Date(iso));
}

export function fileSize(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} octets`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} Ko`;
  return `${(bytes / (1024 * 1024)).toLocaleString("fr-FR", { maximumFractionDigits: 1 })} Mo`;
}
