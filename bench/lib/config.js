/**
 * Full run: about 15 minutes on 2 cores (the budget stops it at 22); §3b alone took 635 s, most of it the 20 s
 * its baselines' consumers are given to come back. BENCH_QUICK=1: a smoke run of about 5 minutes (§3b: 212 s).
 */
export function benchConfig(quick) {
  return quick
    ? {
        mode: 'quick',
        reps: 2,
        streamBytes: 32 << 20,
        roundTrips: 200,
        connectTrips: 50,
        readyReps: 3,
        recoveryReps: 1,
        consumerReps: 1,
        blackholeMs: 10_000,
        scaleCounts: [1, 50],
        idleMs: 3000,
        coldReps: 5,
        budgetMs: 9 * 60_000,
      }
    : {
        mode: 'full',
        reps: 7,
        streamBytes: 256 << 20,
        roundTrips: 1000,
        connectTrips: 100,
        readyReps: 10,
        recoveryReps: 4,
        consumerReps: 3,
        blackholeMs: 10_000,
        scaleCounts: [1, 50, 200],
        idleMs: 10_000,
        coldReps: 20,
        budgetMs: 22 * 60_000,
      };
}
