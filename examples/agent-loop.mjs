// An AI-agent loop logged with the actionlog agent preset: the session, each user turn, LLM
// requests and responses with token counts, tool calls with results, errors and permission
// decisions, all category `agent` and tied together by session_id / execution_id.
// The "LLM" is a script, so the example runs offline and always does the same thing.
//
//   npm run build && node examples/agent-loop.mjs && cat logs/*.jsonl
import { randomUUID } from 'node:crypto';
import { createLogger, withContext } from 'actionlog';
import { agentLogger } from 'actionlog/agent';

const log = createLogger({ dir: './logs', app: 'assistant', name: 'assistant.agent' });
const agent = agentLogger(log, { maxOutputLength: 200 });

const tools = {
  get_weather: async ({ city }) => ({ city, forecast: 'rain', high_c: 14 }),
  read_file: async ({ path }) => `contents of ${path}\n${'x'.repeat(500)}`,
  run_shell: async () => {
    throw new Error('tool not allowed in this sandbox');
  },
};
const allowed = new Set(['get_weather', 'read_file']);

/** A scripted model: asks for one tool per turn, then answers. */
function fakeLlm(turn, step) {
  const plan = [
    [{ tool: 'get_weather', args: { city: 'Oslo' } }, { text: 'Rain in Oslo, 14°C.' }],
    [
      { tool: 'run_shell', args: { cmd: 'rm -rf /tmp/cache' } },
      { tool: 'read_file', args: { path: 'notes.md' } },
      { text: 'Done.' },
    ],
  ];
  return plan[turn][step];
}

async function runTurn(turn, text) {
  agent.userInput({ text });
  agent.stateChange({ from: 'idle', to: 'thinking' });
  for (let step = 0; ; step++) {
    const request_id = `llm-${turn}-${step}`;
    agent.llmRequest({ request_id, model: 'scripted-1', messages: step + 1, prompt: text });
    const reply = fakeLlm(turn, step);
    agent.llmResponse({
      request_id,
      model: 'scripted-1',
      input_tokens: 120 + step * 40,
      output_tokens: 30,
      duration_ms: 250,
    });
    if (reply.text !== undefined) {
      agent.stateChange({ from: 'thinking', to: 'idle' });
      return reply.text;
    }
    const call = { tool_name: reply.tool, tool_use_id: randomUUID(), args: reply.args };
    const decision = allowed.has(call.tool_name) ? 'allow' : 'deny';
    agent.toolPermission({ tool_name: call.tool_name, tool_use_id: call.tool_use_id, decision });
    if (decision === 'deny') {
      agent.toolError({ ...call, error: new Error('permission denied') });
      continue;
    }
    await agent.runTool(call, () => tools[call.tool_name](call.args)); // tool_call, then tool_result or tool_error
  }
}

const session_id = 'session-demo';
await withContext({ session_id, execution_id: randomUUID() }, async () => {
  agent.sessionStart();
  for (const [turn, text] of [
    'What is the weather in Oslo?',
    'Clean the cache and read my notes',
  ].entries()) {
    const answer = await runTurn(turn, text);
    console.log(`> ${text}\n${answer}`);
  }
  agent.sessionEnd({ reason: 'user_exit' });
});
await log.close();
