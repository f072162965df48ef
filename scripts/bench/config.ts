import path from 'node:path';

/** The shipped live configuration and the sandbox's, which the benchmark runs with. */
export const CONFIG_FILE = path.join(__dirname, '..', '..', 'config', 'connector.yaml');
export const SANDBOX_CONFIG_FILE = path.join(__dirname, '..', '..', 'config', 'connector.sandbox.yaml');
