import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const cell = (v) => String(v).replace(/\|/g, '\\|');
const table = ({ title, head, rows }) => [
  ...(title ? [`**${title}**`, ''] : []),
  `| ${head.map(cell).join(' | ')} |`,
  `| ${head.map(() => '---').join(' | ')} |`,
  ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  '',
];

/** RESULTS.md: every figure comes from `results`; nothing here is typed by hand. */
export function renderMarkdown(results) {
  const { machine, mode, sections, durationS } = results;
  const verdicts = sections.flatMap((s) => (s.verdicts ?? []).map((v) => ({ ...v, section: s.title })));
  const missed = verdicts.filter((v) => !v.pass);
  return [
    '# Benchmarks',
    '',
    `Written by \`${mode === 'quick' ? 'BENCH_QUICK=1 ' : ''}${results.updated ? `BENCH_ONLY=${results.updated.join(',')} ` : ''}npm run bench\` (${mode} mode) on ${machine.date}, in ${durationS} s${results.updated ? `: sections ${results.updated.join(', ')} measured then (in one run), the others kept from the earlier run stated under each` : ''}. Do not edit: rerun.`,
    '',
    '## Machine',
    '',
    ...table({
      head: ['what', 'value'],
      rows: Object.entries(machine).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : v]),
    }),
    'Every server is on loopback: two OpenSSH sshd processes ("login" and "node", each with its own host key, known_hosts pre-populated, StrictHostKeyChecking yes) started by the run, and one Node echo/stream server. Default cipher negotiation (chacha20-poly1305@openssh.com on this OpenSSH). Ratios compare medians measured in this same run.',
    '',
    '## Targets',
    '',
    ...table({
      head: ['section', 'what', 'target', 'measured', 'verdict'],
      rows: verdicts.map((v) => [v.section, v.what, v.target, v.measured, v.pass ? 'met' : 'MISSED']),
    }),
    ...(missed.length
      ? [
          '### Why targets were missed',
          '',
          ...missed.map((v) => `- ${v.section}, ${v.what}: ${v.why ?? 'see the section'}`),
          '',
        ]
      : []),
    ...sections.flatMap((s) => [
      `## ${s.title}`,
      '',
      ...(s.measuredAt
        ? [`_Measured ${s.measuredAt}${s.loadAverage ? `, load average ${s.loadAverage.join(' ')}` : ''}._`, '']
        : []),
      ...(s.error ? [`**This section failed:** ${s.error}`, ''] : []),
      ...(s.method ?? []).map((m) => `- ${m}`),
      '',
      ...(s.tables ?? []).flatMap(table),
    ]),
  ].join('\n');
}

export async function writeResults(dir, results) {
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(dir, 'RESULTS.md'), `${renderMarkdown(results)}\n`);
}
