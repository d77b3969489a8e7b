import type { DoctorOptions, Finding } from '../doctor/index.js';

export type { DoctorOptions, Finding, Status } from '../doctor/index.js';

/** `tunnel doctor [HOST]`: OpenSSH, keys and agent, and what a hop's sshd allows, probed for real (one finding each). */
export async function doctor(options: DoctorOptions = {}): Promise<Finding[]> {
  return (await import('../doctor/index.js')).runDoctor(options);
}

export { renderFindings } from '../doctor/render.js';
export { doctorExitCode } from '../doctor/types.js';
