// How numbers, times and keys are written on the page. Pure functions, one convention each.

const energyFormat = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const shareFormat = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** `-123,456.7 kJ/mol`, or an em dash for no value. */
export function formatEnergy(energyKjMol: number | null | undefined): string {
  return energyKjMol === null || energyKjMol === undefined
    ? '—'
    : `${energyFormat.format(energyKjMol)} kJ/mol`;
}

/** `12,500`, or an em dash. */
export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : integerFormat.format(value);
}

/** A fraction 0..1 as `12.5%`. */
export function formatShare(fraction: number): string {
  return shareFormat.format(fraction);
}

/** A length in nm with three decimals (`0.123 nm`), or an em dash. */
export function formatNm(valueNm: number | null | undefined): string {
  return valueNm === null || valueNm === undefined ? '—' : `${valueNm.toFixed(3)} nm`;
}

/** A moment as local `YYYY-MM-DD HH:MM:SS`, or an em dash. */
export function formatTime(atMs: number | null | undefined): string {
  if (atMs === null || atMs === undefined) return '—';
  const d = new Date(atMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A duration as `45 s`, `12 min`, `3.5 h` or `2.1 d`. */
export function formatDuration(durationMs: number): string {
  const s = Math.max(0, durationMs) / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** An SS58 hotkey shortened to its first and last characters: `5Grwva…GKutQY`. */
export function shortHotkey(hotkey: string | null | undefined): string {
  if (hotkey === null || hotkey === undefined) return '—';
  return hotkey.length <= 14 ? hotkey : `${hotkey.slice(0, 6)}…${hotkey.slice(-6)}`;
}

/** A size in bytes as `512 B`, `12.3 KiB` or `4.5 MiB`. */
export function formatBytes(sizeBytes: number): string {
  if (sizeBytes < 1024) return `${sizeBytes} B`;
  if (sizeBytes < 1024 * 1024) return `${(sizeBytes / 1024).toFixed(1)} KiB`;
  return `${(sizeBytes / 1024 / 1024).toFixed(1)} MiB`;
}
