import { defineConfig } from 'vitest/config';

// `npx vitest run --config bench/slurm/vitest.config.ts` (as root, after npm run build): not part of npm test.
export default defineConfig({
  test: { include: ['bench/slurm/*.run.ts'], testTimeout: 600_000, hookTimeout: 180_000, fileParallelism: false },
});
