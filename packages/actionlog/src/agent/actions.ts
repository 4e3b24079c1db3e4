/** The action types of an AI-agent application; `actions: { allow, deny }` in the config switches them. */
export const AGENT_ACTIONS = {
  USER_INPUT: 'user_input',
  USER_COMMAND: 'user_command',
  AGENT_STATE_CHANGE: 'agent_state_change',
  AGENT_THINKING: 'agent_thinking',
  LLM_REQUEST: 'llm_request',
  LLM_RESPONSE: 'llm_response',
  LLM_ERROR: 'llm_error',
  TOOL_CALL: 'tool_call',
  TOOL_RESULT: 'tool_result',
  TOOL_ERROR: 'tool_error',
  TOOL_PERMISSION: 'tool_permission',
  SESSION_START: 'session_start',
  SESSION_END: 'session_end',
  SESSION_PAUSE: 'session_pause',
  SESSION_RESUME: 'session_resume',
  HOOK_EXECUTE: 'hook_execute',
  HOOK_ERROR: 'hook_error',
  SYSTEM_ERROR: 'system_error',
  SYSTEM_WARNING: 'system_warning',
} as const;

export type AgentAction = (typeof AGENT_ACTIONS)[keyof typeof AGENT_ACTIONS];
