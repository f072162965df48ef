/**
 * An MCP server for one authenticated principal. Built on the SDK's low-level `Server` rather than `McpServer`: the
 * gateway must see every call (unknown tools, refused tools, malformed arguments) to refuse and audit it, and must
 * list only the tools the token may call; McpServer answers those cases itself before any handler runs.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { AgentGateway, Principal } from './gateway';

export const SERVER_INFO = { name: 'coupa-salesforce-connector', version: '0.1.0' };

const INSTRUCTIONS =
  'Tools over the Coupa ⇄ Salesforce connector. Read tools answer from the connector’s synced data and sync state. ' +
  'Write tools never act at once unless this token’s policy allows it: they answer "pending_approval" with an approvalId ' +
  'that an operator approves or rejects; poll get_approval for the outcome. Repeating a write returns the same approval.';

export function createMcpServer(gateway: AgentGateway, principal: Principal, transport: 'http' | 'stdio'): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: gateway.listTools(principal) as never }));
  server.setRequestHandler(CallToolRequestSchema, (req) => gateway.call(principal, req.params.name, req.params.arguments, transport));
  return server;
}
