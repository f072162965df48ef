import type { ConnectorConfig } from '../../config';
import { ConfigError } from '../../config';
import { createLogger } from '../../log';
import { startConnector } from '../../runtime/connector';

/** Runs the live connector until SIGINT/SIGTERM. */
export async function runLive(config: ConnectorConfig): Promise<void> {
  if (config.mode !== 'live') {
    throw new ConfigError([
      'environment: SALESFORCE_LOGIN_URL and COUPA_BASE_URL: no connection configured; `npm start` runs the sandbox instead'
    ]);
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const connector = await startConnector({ config, logger, host: config.host });
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await connector.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
