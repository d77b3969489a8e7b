import type { Command } from 'commander';
import { DEFAULTS, DOCTOR_EXIT, parseInteger } from '../../api/present.js';
import { styleFor } from '../style.js';
import type { SetExit } from '../set-exit.js';

interface DoctorFlags {
  json?: boolean;
  sshConfig?: string;
  connectTimeout?: string;
}

export function registerDoctor(program: Command, setExit: SetExit): void {
  program
    .command('doctor')
    .description("check OpenSSH, your keys and agent, and (with HOST) what that host's sshd allows, by trying it")
    .argument('[host]', '[user@]host[:port] or ssh_config alias to probe (logs in without prompting)')
    .option('--json', 'print the findings as a JSON array of {check, status, detail, fix, value?}')
    .option('-F, --ssh-config <file>', 'use this ssh_config file (passed to ssh as -F)')
    .option('--connect-timeout <seconds>', `ConnectTimeout for every probe (default ${DEFAULTS.connectTimeout})`)
    .addHelpText(
      'after',
      `\nExit status: ${DOCTOR_EXIT.ok} all ok, ${DOCTOR_EXIT.warn} a warning or an undecided check, ${DOCTOR_EXIT.fail} a check failed.`,
    )
    .action(async (host: string | undefined, flags: DoctorFlags) => {
      const { doctorExitCode, renderFindings, doctor: runDoctor } = await import('../../api/doctor.js');
      const findings = await runDoctor({
        host,
        sshConfig: flags.sshConfig,
        connectTimeout: parseInteger(flags.connectTimeout, '--connect-timeout', DEFAULTS.connectTimeout, 1, 600),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(findings)}\n` : `${renderFindings(findings, styleFor())}\n`);
      setExit(doctorExitCode(findings));
    });
}
