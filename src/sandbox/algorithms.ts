import type { Algorithms } from 'ssh2';

/**
 * What the sandbox's ssh2 servers offer. Not chacha20-poly1305: without ssh2's optional native
 * binding (the bundle never loads it, and npm may not build it) ssh2 computes poly1305 in one
 * scratch buffer shared by every connection in the process, and the sandbox runs two nested
 * connections in one process (login relaying to isolated-node), so the inner one breaks with
 * "incomplete message". AES (GCM, CTR) comes from Node's OpenSSL and keeps state per connection.
 */
export const SERVER_ALGORITHMS: Algorithms = {
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
};
