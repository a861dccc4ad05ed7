/**
 * Preloaded (`node -r`) into benchmarked child processes: at exit, prints the process's resource usage
 * (peak RSS covers its worker threads too) on stderr for the bench to read. Worker threads inherit the preload;
 * only the main thread reports (a worker ending early reported the process's usage at that moment).
 */
import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeSync(2, `\nBENCH_RUSAGE ${JSON.stringify({ maxRssKb: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 })}\n`);
  });
}
