export { runDoctor, type DoctorOptions } from './doctor.js';
export { renderFindings } from './render.js';
export { DOCTOR_EXIT, doctorExitCode, type Finding, type Status } from './types.js';
