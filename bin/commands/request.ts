/**
 * The arguments of `clearance run` and `clearance classify`, checked by the same code before any work (no stack
 * started, no worker, no file written): inputs, county, policy, compute-at, scenarios, output and state folders.
 * Every message names the option and what the user typed. Mistakes that have one sure reading are taken with a
 * note (a county in other letter case); doubtful but possible requests pass with a warning (a policy that decides
 * no felony, a compute-at before Prop 64 or in the future).
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatIsoDate, isMalformed, parseIsoDate, todayUtc } from '../../lambdas/domain/dates';
import { CALIFORNIA_COUNTIES } from '../../lambdas/domain/counties';
import { PolicyError, StateInUseError, UsageError } from '../../lambdas/domain/errors';

// The policy schema (zod) and the pipeline's input check load when needed (~0.1 and ~0.3 s of CPU): a request
// refused for its county or date is refused before they load.
const policyModule = () => import('../../lambdas/domain/policy');

/** The arguments as commander hands them over. */
export interface RequestArguments {
  /** `--input a.csv b.csv`, `--input a.csv,b.csv`, or both; absent for `run`'s generated sample. */
  input?: string | readonly string[];
  county: string;
  policy: string;
  computeAt?: string;
  scenario?: string;
  out: string;
  keepState?: string;
}

export interface CheckedInput {
  /** Absolute path. */
  path: string;
  /** As the user typed it (messages). */
  typed: string;
  /** Bytes, when checked. */
  size: number;
}

export interface CheckedRequest {
  inputs: CheckedInput[];
  /** As STP_ORI_CNTY_NAME writes it. */
  county: string;
  /** A preset name, or the policy object read from the file (already validated). */
  policy: unknown;
  policyName: string;
  /** YYYY-MM-DD, when given. */
  computeAt?: string;
  scenarios: string[];
  /** Absolute. */
  out: string;
  keepState?: string;
  /** Lines for stderr: what was read differently from what was typed, and doubtful requests. */
  notes: string[];
}

/** The day Prop 64's resentencing provisions took effect. */
export const PROP64_EFFECTIVE_DATE = '2016-11-09';
const SNIFF_BYTES = 64 * 1024;
const MAX_SUGGESTIONS = 5;

const DELIMITERS: ReadonlyArray<[number, string]> = [
  [0x3b, 'semicolon'],
  [0x09, 'tab'],
  [0x7c, 'vertical bar (|)'],
];

/** Splits a list given either way: `--input a.csv b.csv` (separate words) or `--input a.csv,b.csv`. */
export function splitList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const words = typeof value === 'string' ? [value] : value;
  return words.flatMap((word) => word.split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** At most five names close to `typed` (case and surrounding spaces ignored), closest first. */
export function closeNames(typed: string, names: readonly string[]): string[] {
  const wanted = typed.trim().toUpperCase().replace(/\s+/g, ' ');
  if (wanted === '') return [];
  const scored = names
    .map((name) => {
      const upper = name.toUpperCase();
      const distance = editDistance(wanted, upper);
      const partial = wanted.length >= 3 && (upper.includes(wanted) || wanted.includes(upper));
      return { name, distance, close: partial || distance <= Math.max(2, Math.floor(upper.length / 3)) };
    })
    .filter((candidate) => candidate.close)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, MAX_SUGGESTIONS).map((candidate) => candidate.name);
}

function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((name) => JSON.stringify(name));
  return `; did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`}?`;
}

/** `--county`: one of the 58 as STP_ORI_CNTY_NAME writes them; other letter case is read with a note. */
export function checkCounty(typed: string, notes: string[]): string {
  const exact = CALIFORNIA_COUNTIES.find((county) => county === typed);
  if (exact) return exact;
  const normalized = typed.trim().toUpperCase().replace(/\s+/g, ' ');
  const loose = CALIFORNIA_COUNTIES.find((county) => county === normalized);
  if (loose) {
    notes.push(`note: --county ${JSON.stringify(typed)} read as ${JSON.stringify(loose)}, as STP_ORI_CNTY_NAME writes it`);
    return loose;
  }
  const suggestions = closeNames(typed, CALIFORNIA_COUNTIES);
  throw new UsageError(
    `--county ${JSON.stringify(typed)} is not a California county` +
      (suggestions.length > 0 ? didYouMean(suggestions) : ' (give it as STP_ORI_CNTY_NAME writes it, e.g. "LOS ANGELES", "SAN DIEGO")'),
  );
}

/** `--compute-at`: YYYY-MM-DD; before Prop 64 or in the future passes with a warning. */
export function checkComputeAt(typed: string | undefined, notes: string[], today: string = formatIsoDate(todayUtc())): string | undefined {
  if (typed === undefined) return undefined;
  if (isMalformed(parseIsoDate(typed))) {
    throw new UsageError(`--compute-at ${JSON.stringify(typed)} is not a date in YYYY-MM-DD form (e.g. 2020-07-01)`);
  }
  if (typed < PROP64_EFFECTIVE_DATE) {
    notes.push(`warning: --compute-at ${typed} is before Prop 64 took effect (${PROP64_EFFECTIVE_DATE}); eligibility is computed as of that day all the same`);
  } else if (typed > today) {
    notes.push(`warning: --compute-at ${typed} is in the future (today is ${today}); time-based conditions are computed as of that day`);
  }
  return typed;
}

/** `--policy`: a preset, or a JSON file validated now, its problems reported against the file the user named. */
export async function checkPolicy(typed: string, notes: string[]): Promise<{ policy: unknown; name: string }> {
  const { parsePolicy, PRESETS } = await policyModule();
  if (Object.prototype.hasOwnProperty.call(PRESETS, typed)) return { policy: typed, name: typed };
  let text: string;
  try {
    text = await fs.readFile(typed, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(
        `--policy ${JSON.stringify(typed)} is neither a file nor a preset (${Object.keys(PRESETS).join(', ')})${didYouMean(closeNames(typed, Object.keys(PRESETS)))}`,
      );
    }
    if (code === 'EISDIR') throw new UsageError(`--policy ${typed} is a folder; give a policy JSON file or a preset`);
    throw new UsageError(`--policy ${typed} cannot be read (${code ?? (error as Error).message})`);
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--policy ${typed}: not valid JSON (${(error as Error).message})`);
  }
  try {
    const parsed = parsePolicy(policy);
    if (parsed.dismiss.length + parsed.reduce.length + parsed.handReview.length === 0 && parsed.otherwise === 'none') {
      notes.push(
        `warning: --policy ${typed} names no section to dismiss, reduce or send to hand review, and "otherwise" is "none": ` +
          'every Prop 64 felony conviction will stay undecided',
      );
    }
  } catch (error) {
    if (error instanceof PolicyError) throw new UsageError(`--policy ${typed}: ${error.problems.join('; ')}`);
    throw error;
  }
  return { policy, name: path.basename(typed) };
}

/** `--scenario`: presets, comma-separated. */
export async function checkScenarios(typed: string | undefined): Promise<string[]> {
  const scenarios = splitList(typed);
  if (typed !== undefined && scenarios.length === 0) throw new UsageError(`--scenario ${JSON.stringify(typed)} names no preset; leave the option out for none`);
  if (scenarios.length === 0) return scenarios;
  const { PRESETS } = await policyModule();
  for (const scenario of scenarios) {
    if (!Object.prototype.hasOwnProperty.call(PRESETS, scenario)) {
      throw new UsageError(
        `--scenario ${JSON.stringify(scenario)} is not a preset (${Object.keys(PRESETS).join(', ')})${didYouMean(closeNames(scenario, Object.keys(PRESETS)))}`,
      );
    }
  }
  return scenarios;
}

/**
 * The delimiter of a file's first line when it is not the comma: a spreadsheet saved with the locale's list
 * separator. Counts outside quotes; undefined for a comma-separated line.
 */
export function foreignDelimiter(firstLine: Buffer): { name: string; count: number; commas: number } | undefined {
  const counts = new Map<number, number>();
  let commas = 0;
  let quoted = false;
  for (const byte of firstLine) {
    if (byte === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (byte === 0x2c) commas++;
    else counts.set(byte, (counts.get(byte) ?? 0) + 1);
  }
  let best: { name: string; count: number; commas: number } | undefined;
  for (const [byte, name] of DELIMITERS) {
    const count = counts.get(byte) ?? 0;
    if (count >= 2 && count > commas && (best === undefined || count > best.count)) best = { name, count, commas };
  }
  return best;
}

/** `--input`: each a readable file that looks like a comma-separated text extract. */
export async function checkInput(typed: string): Promise<CheckedInput> {
  const file = path.resolve(typed);
  let size: number;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) throw new UsageError(`--input ${typed} is a folder; give the extract file(s)`);
    size = stat.size;
    await fs.access(file, fsConstants.R_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${typed}: no such input file`);
    throw new UsageError(`--input ${typed} cannot be read (${code ?? (error as Error).message})`);
  }
  if (size === 0) throw new UsageError(`--input ${typed} is empty (0 bytes): the extract holds no data rows`);
  const [{ checkLooksLikeText }, { FsObjectStore }] = await Promise.all([import('../../lambdas/domain/pipeline/plan'), import('../../local/fs-object-store')]);
  try {
    await checkLooksLikeText(new FsObjectStore(path.dirname(file)), { key: file, name: typed, size });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const newline = head.subarray(0, bytesRead).indexOf(0x0a);
    const delimiter = foreignDelimiter(head.subarray(0, newline < 0 ? bytesRead : newline));
    if (delimiter) {
      throw new UsageError(
        `${typed} is ${delimiter.name}-separated (its first line has ${delimiter.count} ${delimiter.name}s and ${delimiter.commas} commas); ` +
          'save it as CSV (comma-separated, UTF-8)',
      );
    }
  } finally {
    await handle.close();
  }
  return { path: file, typed, size };
}

/**
 * A folder the command may write: an existing folder, or one it can create (its nearest existing ancestor is a
 * writable folder). Nothing is created here: a refused request leaves nothing behind.
 */
async function checkFolder(option: string, typed: string): Promise<string> {
  const dir = path.resolve(typed);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (stat && !stat.isDirectory()) throw new UsageError(`${option} ${typed} is a file; give a folder`);
  let existing = dir;
  let existingStat = stat;
  while (existingStat === undefined) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
    existingStat = await fs.stat(existing).catch(() => undefined);
  }
  if (existingStat !== undefined && !existingStat.isDirectory()) {
    throw new UsageError(`${option} ${typed} cannot be created: ${existing} is a file`);
  }
  const writable = await fs.access(existing, fsConstants.W_OK | fsConstants.X_OK).then(() => true, () => false);
  if (!writable) throw new UsageError(`${option} ${typed} cannot be ${existing === dir ? 'written' : 'created'}: ${existing} is not writable`);
  return dir;
}

/** Each input once: the same file twice would count its people twice. */
function checkDistinct(inputs: readonly CheckedInput[]): void {
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const first = seen.get(input.path);
    if (first !== undefined) throw new UsageError(`--input ${input.typed} is given twice${first === input.typed ? '' : ` (also as ${first})`}; give each file once`);
    seen.set(input.path, input.typed);
  }
}

/** Checks every argument; throws a UsageError naming the first problem (the quick checks first). */
export async function checkRequest(args: RequestArguments): Promise<CheckedRequest> {
  const notes: string[] = [];
  const county = checkCounty(args.county, notes);
  const computeAt = checkComputeAt(args.computeAt, notes);
  const out = await checkFolder('--out', args.out);
  const keepState = args.keepState === undefined ? undefined : await checkFolder('--keep-state', args.keepState);
  if (keepState !== undefined) {
    // A state folder another process holds is refused now, before the slower checks (the lock is taken later).
    const { lockHolder } = await import('./state-lock');
    const holder = await lockHolder(keepState);
    if (holder) throw new StateInUseError(keepState, holder);
  }
  const scenarios = await checkScenarios(args.scenario);
  const { policy, name } = await checkPolicy(args.policy, notes);
  const inputs: CheckedInput[] = [];
  for (const typed of splitList(args.input)) inputs.push(await checkInput(typed));
  checkDistinct(inputs);
  return {
    inputs,
    county,
    policy,
    policyName: name,
    ...(computeAt === undefined ? {} : { computeAt }),
    scenarios,
    out,
    ...(keepState === undefined ? {} : { keepState }),
    notes,
  };
}
