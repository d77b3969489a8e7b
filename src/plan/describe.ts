import { formatEndpoint } from '../model/forward.js';
import { formatHop } from '../model/hop.js';
import type { Forward, TunnelSpec } from '../model/types.js';
import type { PlannedForward } from './types.js';

/** Says, for people, where each forward listens and what it reaches. */
export function describeForward(spec: TunnelSpec, forward: Forward): PlannedForward {
  const target = formatHop(spec.to);
  if (forward.direction === 'L') {
    return {
      forward,
      listen: formatEndpoint(forward.listen),
      target: `${formatEndpoint(forward.target)} on ${target}`,
    };
  }
  const listen =
    forward.listen.kind === 'unix'
      ? `${forward.listen.path} on ${target}`
      : `${forward.listen.bind ?? 'localhost'}:${forward.listen.port} on ${target}`;
  return { forward, listen, target: formatEndpoint(forward.target) };
}

/** laptop -> hop -> ... -> target, as hop names. */
export function describeRoute(spec: TunnelSpec): string[] {
  return ['localhost', ...spec.via.map(formatHop), formatHop(spec.to)];
}
