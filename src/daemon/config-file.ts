import { readFile } from 'node:fs/promises';
import { SETTING_KEYS, SettingError, type RawSettings, type SettingKey } from './settings.js';

/**
 * The config file (packaging/lvs-agentx.conf): `key = value` per line, the keys being the long command-line flag
 * names; `#` starts a comment; blank lines are ignored. Errors name the file, the line and what was expected.
 */

export const DEFAULT_CONFIG_PATH = '/etc/lvs-agentx/lvs-agentx.conf';

export function parseConfigText(text: string, path: string): RawSettings {
  const out: RawSettings = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${path} line ${i + 1}`;
    const body = line.replace(/(^|\s)#.*$/, '').trim();
    if (body === '') return;
    const m = /^([a-z-]+)\s*=\s*(.*)$/.exec(body);
    if (!m) throw new SettingError(`${where}: "${body}": expected key = value`);
    const key = m[1] as string;
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw new SettingError(`${where}: unknown key "${key}": expected one of ${SETTING_KEYS.join(', ')}`);
    }
    if ((out as Record<string, unknown>)[key] !== undefined) {
      throw new SettingError(`${where}: "${key}" is set twice: expected each key once`);
    }
    const value = (m[2] as string).replace(/^"(.*)"$/, '$1');
    if (value === '') throw new SettingError(`${where}: "${key}" has no value: expected key = value`);
    out[key as SettingKey] = { value, origin: where };
  });
  return out;
}

/**
 * Reads a config file. A missing file is an error when `required` (named with --config), and nothing otherwise
 * (the default path need not exist).
 */
export async function readConfigFile(path: string, required: boolean): Promise<RawSettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new SettingError(`${path}: cannot read the config file (${code ?? (err as Error).message})`);
  }
  return parseConfigText(text, path);
}
