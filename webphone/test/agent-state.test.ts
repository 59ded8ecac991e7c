import { describe, expect, test } from 'vitest';
import { createAgentState, AgentState, AgentStateError, PAUSE_REASONS } from '../src/desk/agent-state';

/** A clock that moves only when told to. */
function clock(): (() => number) & { advance: (ms: number) => void } {
  let t = 0;
  return Object.assign(() => t, { advance: (ms: number) => { t += ms; } });
}

describe('agent state', () => {
  test('a shift: available, call, wrap-up, available', () => {
    const now = clock();
    const agent = createAgentState({ now });
    expect(agent.state).toBe(AgentState.AVAILABLE);
    now.advance(1000);
    expect(agent.callStarted().state).toBe(AgentState.ON_CALL);
    expect(agent.snapshot().since).toBe(1000);
    expect(agent.callFinished().state).toBe(AgentState.WRAP_UP);
    expect(agent.wrapUpDone().state).toBe(AgentState.AVAILABLE);
  });

  test('pause with a reason and resume', () => {
    const agent = createAgentState();
    const paused = agent.pause('lunch');
    expect(paused.state).toBe(AgentState.PAUSED);
    expect(paused.reason).toBe('lunch');
    expect(agent.pause('break').reason, 'the reason can change').toBe('break');
    const back = agent.resume();
    expect(back.state).toBe(AgentState.AVAILABLE);
    expect(back.reason).toBe(null);
  });

  test('an unknown pause reason is refused', () => {
    const agent = createAgentState();
    expect(() => agent.pause('nap')).toThrow(TypeError);
    expect(agent.state).toBe(AgentState.AVAILABLE);
  });

  test('a pause asked for during a call starts after the wrap-up', () => {
    const agent = createAgentState();
    agent.callStarted();
    const during = agent.pause('break');
    expect(during.state).toBe(AgentState.ON_CALL);
    expect(during.pendingPause).toBe('break');
    agent.callFinished();
    expect(agent.state).toBe(AgentState.WRAP_UP);
    const after = agent.wrapUpDone();
    expect(after.state).toBe(AgentState.PAUSED);
    expect(after.reason).toBe('break');
    expect(after.pendingPause).toBe(null);
  });

  test('a pending pause can be withdrawn', () => {
    const agent = createAgentState();
    agent.callStarted();
    agent.pause('meeting');
    agent.cancelPendingPause();
    agent.callFinished();
    expect(agent.wrapUpDone().state).toBe(AgentState.AVAILABLE);
  });

  test('calling from a pause ends the pause', () => {
    const agent = createAgentState();
    agent.pause('training');
    expect(agent.canCall()).toBe(true);
    const s = agent.callStarted();
    expect(s.state).toBe(AgentState.ON_CALL);
    expect(s.reason).toBe(null);
  });

  test('invalid moves are refused', () => {
    const agent = createAgentState();
    expect(() => agent.resume()).toThrow(AgentStateError);
    expect(() => agent.callFinished()).toThrow(AgentStateError);
    expect(() => agent.wrapUpDone()).toThrow(AgentStateError);
    agent.callStarted();
    expect(agent.canCall()).toBe(false);
    expect(() => agent.callStarted()).toThrow(AgentStateError);
    expect(() => agent.resume()).toThrow(AgentStateError);
    agent.callFinished();
    expect(() => agent.callStarted(), 'no new call before the wrap-up').toThrow(AgentStateError);
  });

  test('listeners are told of each change', () => {
    const agent = createAgentState();
    const seen: string[] = [];
    agent.subscribe((s) => seen.push(s.state));
    agent.pause('break');
    agent.resume();
    expect(seen).toStrictEqual(['paused', 'available']);
  });

  test('pause reasons', () => {
    expect(PAUSE_REASONS).toContain('break');
    expect(PAUSE_REASONS.length).toBeGreaterThanOrEqual(4);
  });
});
