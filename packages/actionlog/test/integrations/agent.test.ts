import { describe, expect, it } from 'vitest';
import { AGENT_ACTIONS, agentLogger, truncateOutput } from '../../src/agent/index.js';
import { withContext } from '../../src/index.js';
import { closeAndRead, fileLogger } from './helpers.js';

describe('agent preset', () => {
  it('has a constant for each action type of an agent application', () => {
    expect(Object.values(AGENT_ACTIONS).sort()).toEqual(
      [
        'user_input',
        'user_command',
        'agent_state_change',
        'agent_thinking',
        'llm_request',
        'llm_response',
        'llm_error',
        'tool_call',
        'tool_result',
        'tool_error',
        'tool_permission',
        'session_start',
        'session_end',
        'session_pause',
        'session_resume',
        'hook_execute',
        'hook_error',
        'system_error',
        'system_warning',
      ].sort(),
    );
  });

  it('writes each helper as its action, category agent, with the level and status it implies', async () => {
    const { log, dir } = fileLogger();
    const agent = agentLogger(log).child({ session_id: 's-1', execution_id: 'e-1' });
    agent.sessionStart();
    agent.userInput({ text: 'hello' });
    agent.userCommand({ command: '/clear' });
    agent.stateChange({ from: 'idle', to: 'thinking' });
    agent.thinking({ text: 'the user greets me' });
    agent.llmRequest({ request_id: 'llm-1', model: 'm-1', prompt: 'hello' });
    agent.llmResponse({
      request_id: 'llm-1',
      model: 'm-1',
      input_tokens: 12,
      output_tokens: 3,
      duration_ms: 420,
    });
    agent.llmError({ request_id: 'llm-2', model: 'm-1', error: new Error('overloaded'), retryable: true });
    agent.toolCall({ tool_name: 'bash', tool_use_id: 'tu-1', args: { cmd: 'ls' } });
    agent.toolResult({ tool_name: 'bash', tool_use_id: 'tu-1', output: 'a\nb', duration_ms: 8 });
    agent.toolError({ tool_name: 'bash', tool_use_id: 'tu-2', error: new Error('exit 1') });
    agent.toolPermission({ tool_name: 'rm', decision: 'deny', reason: 'destructive' });
    agent.hookExecute({ hook_name: 'pre_tool', event: 'tool_call', duration_ms: 1 });
    agent.hookError({ hook_name: 'post_tool', error: new Error('hook crashed') });
    agent.systemWarning({ message: 'context window 90% full', data: { used: 0.9 } });
    agent.systemError({ error: new Error('disk full') });
    agent.sessionPause({ reason: 'idle' });
    agent.sessionResume();
    agent.sessionEnd({ reason: 'user_exit', duration_ms: 1000 });
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.action, r.level, r.status])).toEqual([
      ['session_start', 'INFO', undefined],
      ['user_input', 'INFO', undefined],
      ['user_command', 'INFO', undefined],
      ['agent_state_change', 'INFO', undefined],
      ['agent_thinking', 'INFO', undefined],
      ['llm_request', 'INFO', undefined],
      ['llm_response', 'INFO', 'success'],
      ['llm_error', 'ERROR', 'failed'],
      ['tool_call', 'INFO', undefined],
      ['tool_result', 'INFO', 'success'],
      ['tool_error', 'ERROR', 'failed'],
      ['tool_permission', 'INFO', undefined],
      ['hook_execute', 'INFO', 'success'],
      ['hook_error', 'ERROR', 'failed'],
      ['system_warning', 'WARNING', undefined],
      ['system_error', 'ERROR', 'failed'],
      ['session_pause', 'INFO', undefined],
      ['session_resume', 'INFO', undefined],
      ['session_end', 'INFO', undefined],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ category: 'agent', session_id: 's-1', execution_id: 'e-1' });
    }
    const byAction = Object.fromEntries(records.map((r) => [r.action, r]));
    expect(byAction.llm_response).toMatchObject({
      request_id: 'llm-1',
      duration_ms: 420,
      data: { model: 'm-1', input_tokens: 12, output_tokens: 3 },
    });
    expect(byAction.tool_call.data).toEqual({ tool_name: 'bash', tool_use_id: 'tu-1', args: { cmd: 'ls' } });
    expect(byAction.tool_error.error).toMatchObject({ type: 'Error', message: 'exit 1' });
    expect(byAction.llm_error.error.message).toBe('overloaded');
    expect(byAction.system_error.message).toBe('disk full');
    expect(byAction.system_warning).toMatchObject({
      message: 'context window 90% full',
      data: { used: 0.9 },
    });
  });

  it('cuts long texts, prompts, args and outputs to maxOutputLength', async () => {
    const { log, dir } = fileLogger();
    const agent = agentLogger(log, { maxOutputLength: 50 });
    const long = 'x'.repeat(5000);
    agent.userInput({ text: long });
    agent.toolCall({ tool_name: 'write', tool_use_id: 't', args: { path: 'a.txt', content: long } });
    agent.toolResult({ tool_name: 'read', tool_use_id: 't', output: long });
    agent.llmResponse({ request_id: 'r', text: 'short answer' });
    const [input, call, result, response] = await closeAndRead(log, dir);
    expect(input.data.text).toBe(`${'x'.repeat(50)}… [truncated, 5000 chars]`);
    const json = JSON.stringify({ path: 'a.txt', content: long });
    expect(call.data.args).toBe(`${json.slice(0, 50)}… [truncated, ${json.length} chars]`);
    expect(result.data.output.length).toBeLessThan(100);
    expect(response.data.text).toBe('short answer');
  });

  it('runTool logs the call, then the result or the error with duration, and returns or rethrows', async () => {
    const { log, dir } = fileLogger();
    const agent = agentLogger(log);
    const value = await withContext({ session_id: 's-9' }, () =>
      agent.runTool({ tool_name: 'add', tool_use_id: 'u1', args: { a: 1, b: 2 } }, async () => 3),
    );
    expect(value).toBe(3);
    await expect(
      agent.runTool({ tool_name: 'div', tool_use_id: 'u2', args: { a: 1, b: 0 } }, () => {
        throw new RangeError('division by zero');
      }),
    ).rejects.toThrow('division by zero');
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.action, r.data.tool_use_id])).toEqual([
      ['tool_call', 'u1'],
      ['tool_result', 'u1'],
      ['tool_call', 'u2'],
      ['tool_error', 'u2'],
    ]);
    expect(records[0].session_id).toBe('s-9');
    expect(records[1]).toMatchObject({ status: 'success', data: { output: 3 } });
    expect(records[1].data.args).toBeUndefined();
    expect(records[3].duration_ms).toBeGreaterThanOrEqual(0);
    expect(records[3].error).toMatchObject({ type: 'RangeError' });
  });

  it('the config switches action types: deny and allow', async () => {
    const denied = fileLogger({ actions: { deny: ['agent_thinking', 'llm_request'] } });
    const a = agentLogger(denied.log);
    a.thinking({ text: 'hmm' });
    a.llmRequest({ request_id: 'r', model: 'm' });
    a.toolCall({ tool_name: 't', tool_use_id: 'u' });
    expect((await closeAndRead(denied.log, denied.dir)).map((r) => r.action)).toEqual(['tool_call']);

    const allowed = fileLogger({ actions: { allow: ['tool_call', 'tool_error'] } });
    const b = agentLogger(allowed.log);
    b.userInput({ text: 'hi' });
    b.toolCall({ tool_name: 't', tool_use_id: 'u' });
    b.toolError({ tool_name: 't', tool_use_id: 'u', error: 'boom' });
    b.sessionEnd();
    expect((await closeAndRead(allowed.log, allowed.dir)).map((r) => r.action)).toEqual([
      'tool_call',
      'tool_error',
    ]);
  });
});

describe('truncateOutput', () => {
  it('leaves short values, cuts strings and long JSON, never splits a surrogate pair', () => {
    expect(truncateOutput('short', 10)).toBe('short');
    expect(truncateOutput(42, 1)).toBe(42);
    expect(truncateOutput({ a: 1 }, 100)).toEqual({ a: 1 });
    expect(truncateOutput('abcdef', 3)).toBe('abc… [truncated, 6 chars]');
    expect(truncateOutput('ab😀cd', 3)).toBe('ab… [truncated, 6 chars]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(truncateOutput(cyclic, 5)).toBe(cyclic);
  });
});
