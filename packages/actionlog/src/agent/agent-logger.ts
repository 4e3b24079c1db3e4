import type { Logger } from '../logger/logger.js';
import type { CorrelationIds, LogFields } from '../record/record.js';
import { AGENT_ACTIONS, type AgentAction } from './actions.js';
import { truncateOutput } from './truncate.js';

/** Ids and extra data any agent record may carry. */
export interface AgentFields extends CorrelationIds {
  /** Anything else, recorded under `data`. */
  data?: Record<string, unknown>;
}
export interface UserInput extends AgentFields {
  text: string;
}
export interface UserCommand extends AgentFields {
  command: string;
  args?: unknown;
}
export interface StateChange extends AgentFields {
  from: string;
  to: string;
  reason?: string;
}
export interface Thinking extends AgentFields {
  text: string;
}
/** `request_id` is the LLM call's id: it ties the request to its response or error. */
export interface LlmRequest extends AgentFields {
  request_id: string;
  model: string;
  provider?: string;
  prompt?: unknown;
  messages?: number;
  max_tokens?: number;
}
export interface LlmResponse extends AgentFields {
  request_id: string;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  duration_ms?: number;
  stop_reason?: string;
  text?: unknown;
}
export interface LlmError extends AgentFields {
  request_id?: string;
  model?: string;
  error: unknown;
  duration_ms?: number;
  retryable?: boolean;
}
export interface ToolCall extends AgentFields {
  tool_name: string;
  tool_use_id: string;
  args?: unknown;
}
export interface ToolResult extends AgentFields {
  tool_name: string;
  tool_use_id: string;
  output?: unknown;
  duration_ms?: number;
}
export interface ToolError extends AgentFields {
  tool_name: string;
  tool_use_id: string;
  error: unknown;
  duration_ms?: number;
}
export interface ToolPermission extends AgentFields {
  tool_name: string;
  tool_use_id?: string;
  decision: 'allow' | 'deny' | 'ask' | (string & {});
  reason?: string;
}
export interface SessionEvent extends AgentFields {
  reason?: string;
  duration_ms?: number;
}
export interface HookExecute extends AgentFields {
  hook_name: string;
  event?: string;
  duration_ms?: number;
}
export interface HookError extends AgentFields {
  hook_name: string;
  event?: string;
  error: unknown;
  duration_ms?: number;
}
export interface SystemError extends AgentFields {
  error: unknown;
  message?: string;
}
export interface SystemWarning extends AgentFields {
  message: string;
}

export interface AgentLoggerOptions {
  /** Longest text, prompt, args or output recorded, in characters; longer ones are cut with a marker. Default 2000. */
  maxOutputLength?: number;
}

type Level = 'info' | 'warn' | 'error';

/**
 * Typed helpers for the actions of an AI-agent application, all category `agent`. The config's
 * `actions: { allow, deny }` switches each type; long texts and outputs are cut to
 * `maxOutputLength`.
 */
export class AgentLogger {
  private readonly log: Logger;
  private readonly max: number;

  constructor(logger: Logger, options: AgentLoggerOptions = {}) {
    this.log = logger.child({ category: 'agent' });
    const max = options.maxOutputLength;
    this.max = typeof max === 'number' && max >= 0 ? Math.floor(max) : 2000;
  }

  /** An agent logger whose records all carry `bindings`, e.g. `{ session_id, execution_id }`. */
  child(bindings: LogFields): AgentLogger {
    return new AgentLogger(this.log.child(bindings), { maxOutputLength: this.max });
  }

  userInput(input: UserInput): void {
    this.write('info', AGENT_ACTIONS.USER_INPUT, 'user input', { ...input, text: this.cut(input.text) });
  }

  userCommand(input: UserCommand): void {
    this.write('info', AGENT_ACTIONS.USER_COMMAND, `command ${input.command}`, {
      ...input,
      args: this.cut(input.args),
    });
  }

  stateChange(input: StateChange): void {
    this.write('info', AGENT_ACTIONS.AGENT_STATE_CHANGE, `state ${input.from} → ${input.to}`, input);
  }

  thinking(input: Thinking): void {
    this.write('info', AGENT_ACTIONS.AGENT_THINKING, 'thinking', { ...input, text: this.cut(input.text) });
  }

  llmRequest(input: LlmRequest): void {
    this.write('info', AGENT_ACTIONS.LLM_REQUEST, `llm request ${input.model}`, {
      ...input,
      prompt: this.cut(input.prompt),
    });
  }

  llmResponse(input: LlmResponse): void {
    const tokens =
      input.input_tokens !== undefined || input.output_tokens !== undefined
        ? ` (${input.input_tokens ?? '?'} in, ${input.output_tokens ?? '?'} out)`
        : '';
    this.write(
      'info',
      AGENT_ACTIONS.LLM_RESPONSE,
      `llm response${input.model ? ` ${input.model}` : ''}${tokens}`,
      {
        ...input,
        status: 'success',
        text: this.cut(input.text),
      },
    );
  }

  llmError(input: LlmError): void {
    this.write('error', AGENT_ACTIONS.LLM_ERROR, `llm error${input.model ? ` ${input.model}` : ''}`, {
      ...input,
      status: 'failed',
    });
  }

  toolCall(input: ToolCall): void {
    this.write('info', AGENT_ACTIONS.TOOL_CALL, `tool call ${input.tool_name}`, {
      ...input,
      args: this.cut(input.args),
    });
  }

  toolResult(input: ToolResult): void {
    this.write('info', AGENT_ACTIONS.TOOL_RESULT, `tool result ${input.tool_name}`, {
      ...input,
      status: 'success',
      output: this.cut(input.output),
    });
  }

  toolError(input: ToolError): void {
    this.write('error', AGENT_ACTIONS.TOOL_ERROR, `tool error ${input.tool_name}`, {
      ...input,
      status: 'failed',
    });
  }

  toolPermission(input: ToolPermission): void {
    this.write(
      'info',
      AGENT_ACTIONS.TOOL_PERMISSION,
      `tool permission ${input.tool_name}: ${input.decision}`,
      input,
    );
  }

  sessionStart(input: SessionEvent = {}): void {
    this.write('info', AGENT_ACTIONS.SESSION_START, 'session start', input);
  }

  sessionEnd(input: SessionEvent = {}): void {
    this.write('info', AGENT_ACTIONS.SESSION_END, 'session end', input);
  }

  sessionPause(input: SessionEvent = {}): void {
    this.write('info', AGENT_ACTIONS.SESSION_PAUSE, 'session pause', input);
  }

  sessionResume(input: SessionEvent = {}): void {
    this.write('info', AGENT_ACTIONS.SESSION_RESUME, 'session resume', input);
  }

  hookExecute(input: HookExecute): void {
    this.write('info', AGENT_ACTIONS.HOOK_EXECUTE, `hook ${input.hook_name}`, {
      ...input,
      status: 'success',
    });
  }

  hookError(input: HookError): void {
    this.write('error', AGENT_ACTIONS.HOOK_ERROR, `hook error ${input.hook_name}`, {
      ...input,
      status: 'failed',
    });
  }

  systemError(input: SystemError): void {
    const { message, ...rest } = input;
    this.write('error', AGENT_ACTIONS.SYSTEM_ERROR, message ?? errorMessage(input.error), {
      ...rest,
      status: 'failed',
    });
  }

  systemWarning(input: SystemWarning): void {
    const { message, ...rest } = input;
    this.write('warn', AGENT_ACTIONS.SYSTEM_WARNING, message, rest);
  }

  /**
   * Logs `tool_call`, runs `fn`, then logs `tool_result` with its output and `duration_ms`, or
   * `tool_error` with the error (and rethrows it). Returns what `fn` returns.
   */
  async runTool<T>(call: ToolCall, fn: () => T | Promise<T>): Promise<T> {
    this.toolCall(call);
    const { args: _args, ...ids } = call;
    const start = performance.now();
    try {
      const output = await fn();
      this.toolResult({ ...ids, output, duration_ms: elapsed(start) });
      return output;
    } catch (error) {
      this.toolError({ ...ids, error, duration_ms: elapsed(start) });
      throw error;
    }
  }

  private cut(value: unknown): unknown {
    return value === undefined ? undefined : truncateOutput(value, this.max);
  }

  private write(level: Level, action: AgentAction, message: string, fields: object): void {
    this.log[level](message, { ...(fields as LogFields), action });
  }
}

/** Agent helpers writing through `logger`: `agentLogger(log).toolCall({ tool_name, tool_use_id, args })`. */
export function agentLogger(logger: Logger, options?: AgentLoggerOptions): AgentLogger {
  return new AgentLogger(logger, options);
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'system error';
}
