import { readFile } from 'node:fs/promises';
import { quoted, shown } from '../util/bounded-text.js';
import { SETTING_KEYS, SettingError, type RawSettings, type SettingKey } from './settings.js';

/**
 * The config file (packaging/lvs-agentx.conf): `key = value` per line, the keys being the long command-line flag
 * names; `#` starts a comment; blank lines are ignored. Errors name the file, the line and what was expected, and
 * quote what came bounded (a 1 MB line is shown by its first characters and its size).
 */

export const DEFAULT_CONFIG_PATH = '/etc/lvs-agentx/lvs-agentx.conf';

/** How much of a config file's path its messages show before cutting it. */
const PATH_SHOWN = 128;

export function parseConfigText(text: string, path: string): RawSettings {
  const out: RawSettings = {};
  const lines = text.split(/\r?\n/);
  const file = shown(path, PATH_SHOWN);
  lines.forEach((line, i) => {
    const where = `${file} line ${i + 1}`;
    const body = line.replace(/(^|\s)#.*$/, '').trim();
    if (body === '') return;
    const m = /^([a-z-]+)\s*=\s*(.*)$/.exec(body);
    if (!m) throw new SettingError(`${where}: ${quoted(body)}: expected key = value`);
    const key = m[1] as string;
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw new SettingError(`${where}: unknown key ${quoted(key)}: expected one of ${SETTING_KEYS.join(', ')}`);
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
    const what = code === 'EISDIR' ? 'is a directory, not a config file (EISDIR)' : `cannot read the config file (${code ?? quoted((err as Error).message)})`;
    throw new SettingError(`${shown(path, PATH_SHOWN)}: ${what}`);
  }
  return parseConfigText(text, path);
}
