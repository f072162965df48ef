/** The `mcp:` section of connector.yaml: the agent gateway's tokens, roles, allow-lists and limits. */
import { z } from 'zod';

export const READ_TOOLS = [
  'get_supplier_status',
  'list_account_invoices',
  'get_account_spend',
  'get_opportunity_chain',
  'get_record_timeline',
  'get_flow_health',
  'list_dead_letters',
  'list_conflicts',
  'get_approval',
] as const;
export const WRITE_TOOLS = ['start_supplier_onboarding', 'create_requisition_for_opportunity', 'replay_dead_letter', 'resolve_conflict'] as const;
export const TOOL_NAMES = [...READ_TOOLS, ...WRITE_TOOLS] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** `agent`: read and write tools (writes through approval unless auto-approved); `reader`: read tools only. */
export const AGENT_ROLES = ['agent', 'reader'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

const toolPattern = z.union([z.literal('*'), z.enum(TOOL_NAMES)]);

export const agentTokenSchema = z
  .object({
    /** Shown in the audit log and the approvals list (never the token itself). */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64)'),
    /** Environment variable holding the token (at least 24 characters). The token itself is never in this file. */
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)'),
    role: z.enum(AGENT_ROLES).default('reader'),
    /** Tools this token may call (`*`: every tool its role allows). */
    tools: z.array(toolPattern).min(1).default(['*']),
    /** Write tools this token may call without an operator's approval. */
    autoApprove: z.array(z.enum(WRITE_TOOLS)).default([]),
    /** Tool calls per minute (default: `mcp.rateLimit.requestsPerMinute`). */
    requestsPerMinute: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

export const mcpFileSchema = z
  .object({
    /** Serve /mcp (Streamable HTTP). `coupa-sf mcp` (stdio) needs it too. */
    enabled: z.boolean().default(true),
    /** Accept ADMIN_TOKEN as an agent token (role agent, every tool, writes still need approval). Off by default. */
    acceptAdminToken: z.boolean().default(false),
    rateLimit: z
      .object({ requestsPerMinute: z.number().int().min(1).max(10_000).default(60) })
      .strict()
      .prefault({}),
    /** Most items a list in a tool result holds (the rest is counted, not listed). */
    maxListItems: z.number().int().min(1).max(500).default(50),
    /** Longest text value in a tool result; longer ones are cut with an ellipsis. */
    maxTextLength: z.number().int().min(40).max(20_000).default(1000),
    tokens: z.array(agentTokenSchema).default([]),
  })
  .strict()
  .superRefine((mcp, ctx) => {
    const seen = new Set<string>();
    mcp.tokens.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'name'], message: `duplicate token name "${t.name}"` });
      seen.add(t.name);
      if (t.role === 'reader') {
        const writes = t.tools.filter((x) => (WRITE_TOOLS as readonly string[]).includes(x));
        if (writes.length) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'tools'], message: `role reader cannot call write tools (${writes.join(', ')})` });
        if (t.autoApprove.length) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'autoApprove'], message: 'role reader has no write tools to approve' });
      }
      const notAllowed = t.autoApprove.filter((x) => !t.tools.includes('*') && !t.tools.includes(x));
      if (notAllowed.length) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'autoApprove'], message: `not in tools: ${notAllowed.join(', ')}` });
    });
  });
export type McpFileConfig = z.infer<typeof mcpFileSchema>;

export interface AgentTokenConfig extends z.infer<typeof agentTokenSchema> {
  /** The token, read from `tokenEnv` at start-up (never from the file). */
  secret: string;
}

export interface McpConfig extends Omit<McpFileConfig, 'tokens'> {
  tokens: AgentTokenConfig[];
}

/** Agent tokens' secrets from the environment; a missing or short one is a configuration problem. */
export function resolveAgentTokens(mcp: McpFileConfig, env: NodeJS.ProcessEnv, problems: string[]): McpConfig {
  const tokens: AgentTokenConfig[] = [];
  mcp.tokens.forEach((t, i) => {
    const value = env[t.tokenEnv]?.trim();
    if (!value) problems.push(`environment: ${t.tokenEnv}: required by mcp.tokens[${i}] (${t.name})`);
    else if (value.length < 24) problems.push(`environment: ${t.tokenEnv}: must be at least 24 characters (mcp.tokens[${i}] ${t.name})`);
    else tokens.push({ ...t, secret: value });
  });
  const secrets = tokens.map((t) => t.secret);
  if (new Set(secrets).size !== secrets.length) problems.push('mcp.tokens: two agent tokens share one secret');
  return { ...mcp, tokens };
}

/** The agent token the sandbox generates (`npm start`): stored in data/sandbox.json next to the admin token. */
export const SANDBOX_AGENT_TOKEN_NAME = 'sandbox-agent';

/**
 * The sandbox agent token's policy: role agent, every tool, no write without an operator's approval (nothing
 * auto-approved), the default rate limit. A token of that name in the sandbox's connector.yaml takes precedence.
 */
export function withSandboxAgentToken(mcp: McpConfig, secret: string): McpConfig {
  if (mcp.tokens.some((t) => t.name === SANDBOX_AGENT_TOKEN_NAME)) return mcp;
  const token: AgentTokenConfig = { name: SANDBOX_AGENT_TOKEN_NAME, tokenEnv: 'SANDBOX_AGENT_TOKEN', role: 'agent', tools: ['*'], autoApprove: [], secret };
  return { ...mcp, tokens: [...mcp.tokens, token] };
}
