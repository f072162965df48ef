export { AgentGateway, type Principal, type ToolResult } from './gateway';
export { createMcpServer, SERVER_INFO } from './server';
export { mcpRoutes, approvalRoutes } from './http';
export { TOOLS, type ToolDeps } from './tools';
export * from './config';
