import { z } from 'zod';
import { cronProblem } from './cron';

import { FLOW_NAMES, type FlowName } from '../flows/catalog';
import { mcpFileSchema } from '../mcp/config';

export { FLOW_NAMES, type FlowName };

const cron = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const flowConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Cron expression for polling or scheduled flows. */
    schedule: cron.optional(),
    /** Records per page; default: the flow's own size (200 for most). */
    batchSize: z.number().int().min(1).max(10_000).optional(),
    /** How far back each poll re-reads to catch late commits (deduplicated). */
    overlapSeconds: z.number().int().min(0).max(86_400).default(60),
    /** Flow-specific settings (stage names, modes…), validated by the flow itself. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type FlowConfig = z.infer<typeof flowConfigSchema>;

const flowsShape = Object.fromEntries(FLOW_NAMES.map((n) => [n, flowConfigSchema.prefault({})])) as Record<
  FlowName,
  z.ZodPrefault<typeof flowConfigSchema>
>;

/** Flows whose trigger can be a Salesforce change stream (their main flow reads Salesforce). */
export const STREAMABLE_FLOWS = ['opportunity-to-requisition', 'contract-sync', 'supplier-account-sync', 'supplier-onboarding'] as const;

export const streamingSchema = z
  .object({
    /** Salesforce-triggered flows react to Change Data Capture events; their poll becomes a slow safety net. */
    enabled: z.boolean().default(false),
    /** `pubsub` (gRPC Pub/Sub API) or `cometd` (Streaming API through jsforce). */
    transport: z.enum(['pubsub', 'cometd']).default('pubsub'),
    /** Which of the Salesforce-triggered flows stream (the others keep polling on their schedule). */
    flows: z.array(z.enum(STREAMABLE_FLOWS)).default([...STREAMABLE_FLOWS]),
    /** Poll schedule of a streamed flow: catches whatever the stream missed. */
    safetyNetSchedule: cron.default('*/15 * * * *'),
    /** Events requested per Pub/Sub fetch (flow control). */
    batchSize: z.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const connectorFileSchema = z
  .object({
    flows: z.object(flowsShape).strict().prefault({}),
    coupa: z
      .object({
        rateLimit: z
          .object({
            requestsPerSecond: z.number().positive().max(1000).default(25),
            burst: z.number().int().min(1).max(1000).default(20),
          })
          .strict()
          .prefault({}),
        pageSize: z.number().int().min(1).max(50).default(50),
        /** Time limit of one Coupa API call; a stalled call fails as a (retryable) transport failure. */
        requestTimeoutSeconds: z.number().positive().max(600).default(60),
      })
      .strict()
      .prefault({}),
    salesforce: z
      .object({
        /** Percentage of the org's daily API allowance left untouched for other integrations. */
        apiReservePercent: z.number().min(0).max(90).default(10),
        collectionSize: z.number().int().min(1).max(200).default(200),
        bulkThreshold: z.number().int().min(1).default(2000),
        /** Time limit of one Salesforce API call (headers and body); a stalled query errors out instead of hanging. */
        requestTimeoutSeconds: z.number().positive().max(600).default(60),
      })
      .strict()
      .prefault({}),
    streaming: streamingSchema.prefault({}),
    /** The agent gateway (MCP): agent tokens, roles, tool allow-lists, rate limits, result bounds. */
    mcp: mcpFileSchema.prefault({}),
    engine: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(5),
        baseDelayMs: z.number().int().min(0).default(500),
        maxDelayMs: z.number().int().min(0).default(30_000),
        /** Least wait before retrying after a rate-limited answer without Retry-After (Coupa sends none). */
        rateLimitedDelayMs: z.number().int().min(0).default(1_000),
        /**
         * How long a flow lease lasts without renewal (renewed before reads and writes): after an instance dies, another
         * takes its flows over within this time. Longer than any single API call.
         */
        leaseTtlSeconds: z.number().positive().max(3_600).default(120),
        pingPong: z
          .object({
            maxWrites: z.number().int().min(2).default(6),
            windowSeconds: z.number().int().min(1).default(300),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type ConnectorFileConfig = z.infer<typeof connectorFileSchema>;
