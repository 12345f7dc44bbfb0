/** Front matter values as release files write them: date forms, plain or quoted YAML strings, lists. */
import { int, pick, type Random } from './random.js';

/** The date as one of the forms a release file may use (docs/release-files.md); the calendar date is always `date`. */
export function dateField(random: Random, date: string): string {
  const roll = random();
  if (roll < 0.7) return date;
  if (roll < 0.8) return `"${date}"`;
  const hh = String(int(random, 0, 23)).padStart(2, '0');
  const mm = String(int(random, 0, 59)).padStart(2, '0');
  const offset = pick(random, ['+12:00', '+13:00', 'Z', '-05:00', '+05:30']);
  return `${date}T${hh}:${mm}:00${offset}`;
}

function yamlString(text: string): string {
  return /^[\w\s.,()'’āēīōūĀĒĪŌŪ-]+$/u.test(text) && !/^\s|\s$/.test(text) && !text.includes(': ')
    ? text
    : JSON.stringify(text);
}

export function yamlList(name: string, values: readonly string[], random: Random): string {
  if (values.length === 1 && random() < 0.3) return `${name}: ${yamlString(values[0] ?? '')}\n`;
  return `${name}:\n${values.map((value) => `  - ${yamlString(value)}\n`).join('')}`;
}
