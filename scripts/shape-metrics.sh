#!/bin/sh
# Usage: scripts/shape-metrics.sh REV — the shape numbers of the #11 closing note (folders, files, who spawns
# processes, what the CLI imports, where background code lives) for any commit, from git alone.
rev=$1
t=$(mktemp -d); git archive "$rev" src | tar -x -C "$t"; cd "$t"
echo "rev $rev"
echo "  src folders: $(find src -mindepth 1 -type d | wc -l), files: $(find src -name '*.ts' | wc -l), lines: $(cat $(find src -name '*.ts') | wc -l)"
echo "  files outside src/ssh that import execa or child_process: $(grep -rlE "from 'execa'|from 'node:child_process'" src --include=*.ts | grep -v '^src/ssh/' | wc -l)"
echo "  src folders the CLI imports from: $(grep -rhoE "from '(\.\./)+[a-z-]+/" src/cli | sed -E "s#from '(\.\./)+##; s#/##" | sort -u | grep -v '^commands$' | tr '\n' ' ')"
echo "  background home (state/ daemon/ background/ fs/): $(ls -d src/state src/daemon src/background src/fs 2>/dev/null | tr '\n' ' ') $(cat $(find src/state src/daemon src/background src/fs -name '*.ts' 2>/dev/null) | wc -l) lines"
echo "  CLI runtime imports by folder: $(grep -rhE "^import [^t][^;]*from '(\.\./)+[a-z-]+/|await import\('(\.\./)+[a-z-]+/" src/cli | grep -oE "'(\.\./)+[a-z-]+/" | sed -E "s#'(\.\./)+##; s#/##" | sort | uniq -c | sort -rn | awk '{printf "%s %s, ", $2, $1}')"
echo "  lock implementations: $(grep -rlE 'export (async )?function (acquireLock|withLock|lock)\b' src | tr '\n' ' ')"
rm -rf "$t"
