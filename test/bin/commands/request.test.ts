/**
 * The argument checks `clearance run` and `clearance classify` share: every mistake named with what the user typed,
 * one-reading mistakes taken with a note, doubtful requests passed with a warning.
 */
import fc from 'fast-check';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CALIFORNIA_COUNTIES } from '../../../lambdas/domain/counties';
import {
  checkComputeAt,
  checkCounty,
  checkInput,
  checkPolicy,
  checkRequest,
  checkScenarios,
  closeNames,
  foreignDelimiter,
  splitList,
} from '../../../bin/commands/request';
import { generateExtract } from '../../../tools/generator';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'request-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

describe('lists of inputs', () => {
  it('accepts separate words, commas, and both at once', () => {
    expect(splitList(['a.csv', 'b.csv'])).toEqual(['a.csv', 'b.csv']);
    expect(splitList('a.csv,b.csv')).toEqual(['a.csv', 'b.csv']);
    expect(splitList(['a.csv,b.csv', ' c.csv ', ','])).toEqual(['a.csv', 'b.csv', 'c.csv']);
    expect(splitList(undefined)).toEqual([]);
  });
});

describe('--county', () => {
  it('takes a county as STP_ORI_CNTY_NAME writes it without a note', () => {
    const notes: string[] = [];
    expect(checkCounty('SAN LUIS OBISPO', notes)).toBe('SAN LUIS OBISPO');
    expect(notes).toEqual([]);
  });

  it('reads other letter case and spacing as the county, with a note naming both', () => {
    const notes: string[] = [];
    expect(checkCounty(' Los  Angeles', notes)).toBe('LOS ANGELES');
    expect(notes).toEqual(['note: --county " Los  Angeles" read as "LOS ANGELES", as STP_ORI_CNTY_NAME writes it']);
  });

  it('suggests the close names of a typo, never more than five', () => {
    expect(() => checkCounty('Los Angles', [])).toThrow('--county "Los Angles" is not a California county; did you mean "LOS ANGELES"?');
    expect(() => checkCounty('San', [])).toThrow(/did you mean/);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (typed) => {
        expect(closeNames(typed, CALIFORNIA_COUNTIES).length).toBeLessThanOrEqual(5);
      }),
    );
    expect(closeNames('SAN', CALIFORNIA_COUNTIES)).toHaveLength(5);
  });

  it('names no county for a name far from all of them', () => {
    expect(() => checkCounty('Springfield, Illinois', [])).toThrow('--county "Springfield, Illinois" is not a California county (give it as');
  });
});

describe('--compute-at', () => {
  it('refuses what is not YYYY-MM-DD, naming what was typed', () => {
    for (const typed of ['07/01/2020', '2020-7-1', '2020-02-30', 'today']) {
      expect(() => checkComputeAt(typed, [])).toThrow(`--compute-at ${JSON.stringify(typed)} is not a date in YYYY-MM-DD form`);
    }
  });

  it('warns for a date before Prop 64 or in the future, and passes both', () => {
    const notes: string[] = [];
    expect(checkComputeAt('1990-01-01', notes, '2026-01-01')).toBe('1990-01-01');
    expect(checkComputeAt('2099-01-01', notes, '2026-01-01')).toBe('2099-01-01');
    expect(checkComputeAt('2016-11-09', notes, '2026-01-01')).toBe('2016-11-09');
    expect(notes).toEqual([
      expect.stringMatching(/^warning: --compute-at 1990-01-01 is before Prop 64 took effect \(2016-11-09\)/),
      expect.stringMatching(/^warning: --compute-at 2099-01-01 is in the future \(today is 2026-01-01\)/),
    ]);
  });
});

describe('--policy and --scenario', () => {
  it('reports a policy file problem against the file the user named', async () => {
    const policy = file('my-policy.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] }, misdemeanours: 'dismiss' }));
    await expect(checkPolicy(policy, [])).rejects.toThrow(`--policy ${policy}: `);
    await expect(checkPolicy(policy, [])).rejects.toThrow(/misdemeanours/);
    await expect(checkPolicy(file('broken.json', '{"a":'), [])).rejects.toThrow(/^--policy .*broken\.json: not valid JSON/);
    await expect(checkPolicy('dismis-all', [])).rejects.toThrow('--policy "dismis-all" is neither a file nor a preset (reference-default, dismiss-all, los-angeles-2020, statute-conservative); did you mean "dismiss-all"?');
  });

  it('warns (and passes) a policy that decides no felony', async () => {
    const notes: string[] = [];
    const empty = file('empty.json', '{}');
    expect(await checkPolicy(empty, notes)).toEqual({ policy: {}, name: 'empty.json' });
    expect(notes).toEqual([expect.stringMatching(/^warning: --policy .*empty\.json names no section to dismiss, reduce or send to hand review/)]);
    const fine: string[] = [];
    await checkPolicy('reference-default', fine);
    await checkPolicy(file('decides.json', JSON.stringify({ otherwise: 'handReview' })), fine);
    expect(fine).toEqual([]);
  });

  it('refuses an unknown scenario preset', async () => {
    expect(await checkScenarios('dismiss-all, los-angeles-2020')).toEqual(['dismiss-all', 'los-angeles-2020']);
    await expect(checkScenarios('dismiss-all,los-angeles')).rejects.toThrow('--scenario "los-angeles" is not a preset');
  });

  it('refuses a --scenario that names no preset, and takes its absence as none', async () => {
    await expect(checkScenarios('')).rejects.toThrow('--scenario "" names no preset; leave the option out for none');
    await expect(checkScenarios(' , ')).rejects.toThrow('--scenario " , " names no preset');
    expect(await checkScenarios(undefined)).toEqual([]);
  });
});

describe('--input', () => {
  const extract = () => Array.from(generateExtract({ county: 'LOS ANGELES', people: 5, seed: 3 })).join('');

  it('takes a comma-separated extract', async () => {
    const text = extract();
    const input = file('good.csv', text);
    expect(await checkInput(input)).toEqual({ path: input, typed: input, size: Buffer.byteLength(text) });
  });

  it('names the delimiter of a file that is not comma-separated', async () => {
    const semicolons = file('semicolons.csv', extract().replace(/,/g, ';'));
    await expect(checkInput(semicolons)).rejects.toThrow(`${semicolons} is semicolon-separated (its first line has 94 semicolons and 0 commas); save it as CSV`);
    const tabs = file('tabs.csv', extract().replace(/,/g, '\t'));
    await expect(checkInput(tabs)).rejects.toThrow(/is tab-separated/);
  });

  it('finds the delimiter of any line whatever its cells (property)', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'B', '1', ' ', '-', '/'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(cell, { minLength: 4, maxLength: 30 }), fc.constantFrom(';', '\t', '|'), (cells, separator) => {
        const line = Buffer.from(cells.join(separator));
        expect(foreignDelimiter(line)?.count).toBe(cells.length - 1);
        expect(foreignDelimiter(Buffer.from(cells.join(',')))).toBeUndefined();
      }),
    );
    // Separators inside quotes are cell content.
    expect(foreignDelimiter(Buffer.from('"a;b;c;d",x,y'))).toBeUndefined();
  });

  it('names a missing file, a folder, and binary or UTF-16 files as typed', async () => {
    await expect(checkInput('no/such.csv')).rejects.toThrow('no/such.csv: no such input file');
    const folder = path.join(dir, 'folder.csv');
    mkdirSync(folder);
    await expect(checkInput(folder)).rejects.toThrow(`--input ${folder} is a folder`);
    const zip = file('extract.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]));
    await expect(checkInput(zip)).rejects.toThrow(/it looks like zip \(or xlsx\)/);
    const utf16 = file('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('RECORD_ID,X\n', 'utf16le')]));
    await expect(checkInput(utf16)).rejects.toThrow(/UTF-16 text/);
    const empty = file('empty.csv', '');
    await expect(checkInput(empty)).rejects.toThrow(`--input ${empty} is empty (0 bytes)`);
  });
});

describe('checkRequest', () => {
  it('checks every argument and returns the request as the pipeline takes it', async () => {
    const a = file('a.csv', 'RECORD_ID,X\n');
    const b = file('b.csv', 'RECORD_ID,X\n');
    const request = await checkRequest({ input: [`${a},${b}`], county: 'orange', policy: 'dismiss-all', computeAt: '2020-07-01', scenario: 'reference-default', out: path.join(dir, 'out') });
    expect(request).toEqual({
      inputs: [{ path: a, typed: a, size: 12 }, { path: b, typed: b, size: 12 }],
      county: 'ORANGE',
      policy: 'dismiss-all',
      policyName: 'dismiss-all',
      computeAt: '2020-07-01',
      scenarios: ['reference-default'],
      out: path.join(dir, 'out'),
      notes: ['note: --county "orange" read as "ORANGE", as STP_ORI_CNTY_NAME writes it'],
    });
  });

  it('refuses an --out or --keep-state that is a file', async () => {
    const plain = file('plain.txt', 'x');
    await expect(checkRequest({ county: 'ORANGE', policy: 'dismiss-all', out: plain })).rejects.toThrow(`--out ${plain} is a file; give a folder`);
    await expect(checkRequest({ county: 'ORANGE', policy: 'dismiss-all', out: dir, keepState: plain })).rejects.toThrow(`--keep-state ${plain} is a file`);
  });

  it('refuses an --out or --keep-state that cannot be created, creating nothing', async () => {
    const plain = file('plain2.txt', 'x');
    await expect(checkRequest({ county: 'ORANGE', policy: 'dismiss-all', out: path.join(plain, 'out') })).rejects.toThrow(
      `--out ${path.join(plain, 'out')} cannot be created: ${plain} is a file`,
    );
    const locked = path.join(dir, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    // root may write anywhere: the check is the system's own (access W_OK), so only a normal user sees the refusal.
    const rootUser = process.getuid?.() === 0;
    const target = path.join(locked, 'a', 'b');
    const checked = checkRequest({ county: 'ORANGE', policy: 'dismiss-all', out: dir, keepState: target });
    if (rootUser) await expect(checked).resolves.toMatchObject({ keepState: target });
    else await expect(checked).rejects.toThrow(`--keep-state ${target} cannot be created: ${locked} is not writable`);
    expect(readdirSync(locked)).toEqual([]);
    const fresh = path.join(dir, 'fresh', 'deeper');
    expect((await checkRequest({ county: 'ORANGE', policy: 'dismiss-all', out: fresh })).out).toBe(fresh);
    expect(existsSync(path.join(dir, 'fresh'))).toBe(false);
  });

  it('refuses the same input twice, however it is written', async () => {
    const a = file('twice.csv', 'RECORD_ID,X\n');
    const relative = path.relative(process.cwd(), a);
    await expect(checkRequest({ input: [a, a], county: 'ORANGE', policy: 'dismiss-all', out: dir })).rejects.toThrow(`--input ${a} is given twice; give each file once`);
    await expect(checkRequest({ input: `${a},${relative}`, county: 'ORANGE', policy: 'dismiss-all', out: dir })).rejects.toThrow(
      `--input ${relative} is given twice (also as ${a}); give each file once`,
    );
  });
});
