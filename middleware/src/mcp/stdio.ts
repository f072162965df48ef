/** `coupa-sf mcp`: the gateway over stdio for a local agent, authenticated by an agent token like /mcp. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError } from '../config';
import type { AgentGateway } from './gateway';
import { createMcpServer } from './server';

/** The environment variable the stdio server reads its agent token from (set in the MCP client's configuration). */
export const STDIO_TOKEN_ENV = 'COUPA_SF_MCP_TOKEN';

/** Serves MCP on stdin/stdout until the client closes the stream. */
export async function serveStdio(gateway: AgentGateway | null, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!gateway) throw new ConfigError(['connector.yaml: mcp.enabled: the agent gateway is disabled']);
  const auth = gateway.authenticate(env[STDIO_TOKEN_ENV]);
  if (!auth.ok) {
    throw new ConfigError([
      auth.reason === 'admin-token-refused'
        ? `environment: ${STDIO_TOKEN_ENV}: the admin token is not an agent token (mcp.acceptAdminToken is off)`
        : `environment: ${STDIO_TOKEN_ENV}: must hold one of the agent tokens configured under mcp.tokens`,
    ]);
  }
  const server = createMcpServer(gateway, auth.principal, 'stdio');
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
