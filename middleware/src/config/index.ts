export { loadConfig, resolveSecrets, CREDENTIAL_NAMES, DEFAULT_CONFIG_FILE } from './load';
export type { ConnectorConfig, SalesforceAuth, SalesforceSettings, CoupaSettings, LoadConfigOptions } from './load';
export { ConfigError } from './errors';
export { FLOW_NAMES, connectorFileSchema, flowConfigSchema } from './file-schema';
export type { FlowName, FlowConfig, ConnectorFileConfig } from './file-schema';
export { cronProblem } from './cron';
