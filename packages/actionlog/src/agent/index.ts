export { AGENT_ACTIONS, type AgentAction } from './actions.js';
export {
  type AgentFields,
  AgentLogger,
  type AgentLoggerOptions,
  agentLogger,
  type HookError,
  type HookExecute,
  type LlmError,
  type LlmRequest,
  type LlmResponse,
  type SessionEvent,
  type StateChange,
  type SystemError,
  type SystemWarning,
  type Thinking,
  type ToolCall,
  type ToolError,
  type ToolPermission,
  type ToolResult,
  type UserCommand,
  type UserInput,
} from './agent-logger.js';
export { truncateOutput } from './truncate.js';
