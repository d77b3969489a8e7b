/** The detached supervisor behind start() (`tunnel __supervise NAME`): owns the tunnel, publishes its record. */
export { runSupervisor } from '../background/supervisor.js';
