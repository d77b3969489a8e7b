/** The JSON schema conf validates config.json against on every read and write. */

const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';

const wholeNumber = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const;
const strings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

// Ranges match parseTunnelSpec, so a value that passes here also passes there.
const timing = {
  keepalive: wholeNumber(1, 3600),
  keepaliveCount: wholeNumber(1, 100),
  connectTimeout: wholeNumber(1, 600),
} as const;

export const TUNNEL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    via: strings,
    to: { type: 'string', minLength: 1 },
    local: strings,
    remote: strings,
    strategy: { enum: ['jump', 'relay', 'auto'] },
    ...timing,
    sshConfig: { type: 'string', minLength: 1 },
    batchMode: { type: 'boolean' },
    multiplex: { type: 'boolean' },
    preset: { type: 'string', pattern: NAME_PATTERN },
    presetOptions: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
  },
} as const;

export const DEFAULTS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...timing,
    localBind: { type: 'string', minLength: 1 },
    via: strings,
  },
} as const;

/** Top-level keys; conf wraps these as the root object's `properties`. */
export const STORE_SCHEMA = {
  defaults: DEFAULTS_SCHEMA,
  tunnels: { type: 'object', propertyNames: { pattern: NAME_PATTERN }, additionalProperties: TUNNEL_SCHEMA },
} as const;

/** Unknown top-level keys are refused too: a typo must not be silently ignored. */
export const ROOT_SCHEMA = { additionalProperties: false } as const;

/** A schema node, loosely typed for walking (describe what was expected at a key). */
export interface SchemaNode {
  type?: string | readonly string[];
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
}

export const ROOT_NODE: SchemaNode = {
  type: 'object',
  properties: STORE_SCHEMA,
  additionalProperties: false,
};
