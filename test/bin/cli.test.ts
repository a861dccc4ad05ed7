/**
 * The `clearance` command line as a county analyst meets it, in child processes: every bad argument refused before
 * any work with exit 2 (commander's own errors included), a run that failed exits 1; the README's synopsis and
 * --help agree. `classify`'s folders and interruption: test/bin/commands/classify.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateExtract } from '../../tools/generator';
import { CliResult, ROOT, runClearance } from '../helpers/cli-process';


let dir: string;
let tmp: string;
let extract: string;
/** One row in five cannot be read: the run fails (more than 5% rejected). */
let ragged: string;

function clearance(...args: string[]): CliResult {
  return runClearance(tmp, args);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  extract = path.join(dir, 'extract.csv');
  writeFileSync(extract, Array.from(generateExtract({ county: 'LOS ANGELES', people: 300, seed: 11 })).join(''), 'latin1');
  ragged = path.join(dir, 'ragged.csv');
  const lines = readFileSync(extract, 'latin1').split('\n');
  writeFileSync(ragged, lines.map((line, i) => (i > 0 && i % 5 === 0 ? 'not,a,row' : line)).join('\n'), 'latin1');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clearance run refuses every bad argument before any work', () => {
  const policyTypo = () => {
    const file = path.join(dir, 'typo-policy.json');
    writeFileSync(file, JSON.stringify({ baselineEligibility: { dismiss: ['11357'] }, misdemeanours: 'dismiss' }));
    return file;
  };
  const emptyFile = () => {
    const file = path.join(dir, 'empty.csv');
    writeFileSync(file, '');
    return file;
  };
  const semicolons = () => {
    const file = path.join(dir, 'semicolons.csv');
    writeFileSync(file, readFileSync(extract, 'latin1').replace(/,/g, ';'), 'latin1');
    return file;
  };
  const cases: Array<[string, () => string[], RegExp]> = [
    ['a compute-at in another date format', () => ['--compute-at', '07/01/2020'], /^clearance: --compute-at "07\/01\/2020" is not a date in YYYY-MM-DD form/],
    ['a policy file with a typo, named as typed', () => ['--policy', policyTypo()], /^clearance: --policy .*typo-policy\.json: .*misdemeanours/],
    ['a policy that is neither file nor preset', () => ['--policy', 'dismiss-everything'], /^clearance: --policy "dismiss-everything" is neither a file nor a preset/],
    ['an unknown scenario', () => ['--scenario', 'dismiss-all,everything'], /^clearance: --scenario "everything" is not a preset/],
    ['a county typo', () => ['--county', 'Los Angles'], /^clearance: --county "Los Angles" is not a California county; did you mean "LOS ANGELES"\?/],
    ['a missing second input, comma-listed', () => ['--input', `${extract},${path.join(dir, 'missing.csv')}`], /missing\.csv: no such input file/],
    ['a semicolon-separated input', () => ['--input', semicolons()], /semicolons\.csv is semicolon-separated/],
    ['an --out that is a file', () => ['--out', extract], /^clearance: --out .*extract\.csv is a file/],
    ['an unknown option (commander)', () => ['--county-name', 'X'], /^error: unknown option '--county-name'/],
    ['a bad number (commander)', () => ['--range-mb', '0'], /--range-mb <n>' argument '0' is invalid/],
    ['--aws without the stack outputs', () => ['--aws'], /^clearance: --aws needs --bucket, --table and --state-machine-arn/],
    ['an --aws option without --aws', () => ['--sample'], /^clearance: --sample goes with --aws/],
    ['an empty input', () => ['--input', emptyFile()], /^clearance: --input .*empty\.csv is empty \(0 bytes\)/],
    ['the same input twice', () => ['--input', extract, extract], /^clearance: --input .*extract\.csv is given twice/],
    ['a --scenario naming nothing', () => ['--scenario', ''], /^clearance: --scenario "" names no preset/],
    ['an --out that cannot be created', () => ['--out', path.join(extract, 'out')], /^clearance: --out .*extract\.csv[/]out cannot be created: .*extract\.csv is a file/],
  ];

  it.each(cases)('%s: exit 2 in under 2 s, nothing started', (_, args, message) => {
    const result = clearance('run', '--out', path.join(dir, 'never'), ...args());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.seconds).toBeLessThan(2);
    expect(readdirSync(tmp)).toEqual([]); // no stack, no staging started
    expect(existsSync(path.join(dir, 'never'))).toBe(false);
  });
});

describe('exit codes', () => {
  it('0 for help, 2 for commander errors', () => {
    expect(clearance('--help').code).toBe(0);
    expect(clearance('run', '--help').code).toBe(0);
    expect(clearance('frobnicate').code).toBe(2);
    expect(clearance('classify', '--input', extract).code).toBe(2);
    expect(clearance('prune', '--keep-state', dir).code).toBe(2);
  });

  it('1 for a run that failed, 2 for the same bad request as `run`', () => {
    const out = path.join(dir, 'failed');
    const failed = clearance('classify', '--input', ragged, '--county', 'LOS ANGELES', '--policy', 'reference-default', '--out', out);
    expect({ code: failed.code, stderr: failed.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^clearance: .*rejected/) });
    const bad = clearance('classify', '--input', extract, '--county', 'LOS ANGELES', '--policy', 'reference-default', '--compute-at', '07/01/2020', '--out', out);
    expect({ code: bad.code, stderr: bad.stderr.trim() }).toEqual({ code: 2, stderr: 'clearance: --compute-at "07/01/2020" is not a date in YYYY-MM-DD form (e.g. 2020-07-01)' });
  });
});

describe("the README's command section and --help agree", () => {
  // In-process: the options commander knows are the ones --help prints.
  const { buildProgram } = require('../../bin/cli') as typeof import('../../bin/cli');
  const { PRESETS } = require('../../lambdas/domain/policy') as typeof import('../../lambdas/domain/policy');
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('\n## ', readme.indexOf('## Command line') + 1));
  const synopsis = /```sh\n([\s\S]*?)```/.exec(section)![1].split('\n').filter((line) => line.startsWith('npx clearance '));

  type Cmd = import('commander').Command;
  function leaves(command: Cmd, prefix: string[] = []): Array<[string, Cmd]> {
    return command.commands.flatMap((sub) => (sub.commands.length > 0 ? leaves(sub, [...prefix, sub.name()]) : [[[...prefix, sub.name()].join(' '), sub] as [string, Cmd]]));
  }

  it('every command and every option of --help is in the synopsis, and nothing else', () => {
    const documented = new Map<string, Set<string>>();
    for (const line of synopsis) {
      const words = line.slice('npx clearance '.length).split(' ');
      const name = words[0] === 'review' ? `review ${words[1]}` : words[0];
      const options = documented.get(name) ?? new Set<string>();
      for (const option of line.match(/--[a-z][a-z0-9-]*/g) ?? []) options.add(option);
      documented.set(name, options);
    }
    const program = buildProgram();
    const helped = new Map(leaves(program).map(([name, command]) => [name, new Set(command.options.map((option) => option.long!).filter((long) => long !== '--help'))]));
    expect([...documented.keys()].sort()).toEqual([...helped.keys()].sort());
    for (const [name, options] of helped) expect({ name, options: [...documented.get(name)!].sort() }).toEqual({ name, options: [...options].sort() });
  });

  it('every preset is named by --policy in both commands and in the README', () => {
    const program = buildProgram();
    for (const name of ['run', 'classify']) {
      const policy = program.commands.find((command) => command.name() === name)!.options.find((option) => option.long === '--policy')!;
      for (const preset of Object.keys(PRESETS)) expect({ name, help: policy.description }).toEqual({ name, help: expect.stringContaining(preset) });
    }
    const bullet = section.split('\n').find((line) => line.startsWith('- `--policy`'))!;
    for (const preset of Object.keys(PRESETS)) expect(bullet).toContain(`\`${preset}\``);
  });

  it('the exit codes of --help are those of the README', () => {
    let help = '';
    const program = buildProgram().configureOutput({ writeOut: (text) => (help += text) });
    expect(() => program.parse(['node', 'clearance', '--help'])).toThrow();
    const codes = (text: string) => (text.replace(/\s+/g, ' ').match(/Exit codes: [^.]*\./)?.[0].match(/\b(0|1|2|130|143)\b/g) ?? []).sort();
    expect(codes(help)).toEqual(['0', '1', '130', '143', '2']);
    expect(codes(section)).toEqual(codes(help));
  });
});
