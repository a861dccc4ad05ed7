/**
 * The embedded stack's template cache (compiled module, as `clearance run` uses it): a template is synthesized once
 * per code and props, and read back after that; any change to the constructs' code or the props names another file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const compiled = require('../../../dist/bin/commands/synth-worker') as typeof import('../../../bin/commands/synth-worker');

describe('synthTemplateInWorker', () => {
  let cacheDir: string;

  beforeAll(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'template-cache-'));
  });

  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('synthesizes once per props, then reads the cached template', async () => {
    const props = { workflow: { targetRangeBytes: 3 * 1024 * 1024 } };
    const template = await compiled.synthTemplateInWorker(props, { cacheDir });
    expect(Object.values(template.Resources as Record<string, { Type: string }>).some((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toBe(true);
    const [file] = readdirSync(cacheDir);
    expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^template-[0-9a-f]{32}\.json$/)]);
    expect(JSON.parse(readFileSync(path.join(cacheDir, file), 'utf8'))).toEqual(template);
    // Read back, not synthesized: what the file holds is what comes back.
    writeFileSync(path.join(cacheDir, file), JSON.stringify({ fromCache: true }));
    expect(await compiled.synthTemplateInWorker(props, { cacheDir })).toEqual({ fromCache: true });
    // Other props: another file, synthesized.
    const other = await compiled.synthTemplateInWorker({ workflow: { targetRangeBytes: 5 * 1024 * 1024 } }, { cacheDir });
    expect(other.Resources).toBeDefined();
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('rejects with the error the synth threw in its thread, and caches nothing', async () => {
    const failedCache = mkdtempSync(path.join(os.tmpdir(), 'template-cache-'));
    try {
      const error = await compiled.synthTemplateInWorker({ workflow: { targetRangeBytes: -5 } }, { cacheDir: failedCache }).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).toBe('targetRangeBytes must be an integer of at least 1048576 (1 MiB), got -5');
      expect(error?.stack).toContain('workflowSettings');
      expect(readdirSync(failedCache)).toEqual([]);
    } finally {
      rmSync(failedCache, { recursive: true, force: true });
    }
  });

  it('names the cache file after the code of the constructs and the props', () => {
    const lib = mkdtempSync(path.join(os.tmpdir(), 'template-lib-'));
    try {
      writeFileSync(path.join(lib, 'stack.js'), 'exports.a = 1;\n');
      const synthModule = path.join(lib, 'stack.js');
      const name = compiled.templateCacheName(lib, synthModule, {});
      expect(compiled.templateCacheName(lib, synthModule, {})).toBe(name);
      expect(compiled.templateCacheName(lib, synthModule, { workflow: { maxPartitions: 9 } })).not.toBe(name);
      writeFileSync(path.join(lib, 'stack.js'), 'exports.a = 2;\n');
      expect(compiled.templateCacheName(lib, synthModule, {})).not.toBe(name);
      writeFileSync(path.join(lib, 'stack.js'), 'exports.a = 1;\n');
      writeFileSync(path.join(lib, 'more.js'), '\n');
      expect(compiled.templateCacheName(lib, synthModule, {})).not.toBe(name);
    } finally {
      rmSync(lib, { recursive: true, force: true });
    }
  });
});
