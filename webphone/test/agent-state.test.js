import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentState, AgentState, AgentStateError, PAUSE_REASONS } from '../src/desk/agent-state.js';

function clock() {
  let t = 0;
  const now = () => t;
  now.advance = (ms) => { t += ms; };
  return now;
}

describe('agent state', () => {
  test('a shift: available, call, wrap-up, available', () => {
    const now = clock();
    const agent = createAgentState({ now });
    assert.equal(agent.state, AgentState.AVAILABLE);
    now.advance(1000);
    assert.equal(agent.callStarted().state, AgentState.ON_CALL);
    assert.equal(agent.snapshot().since, 1000);
    assert.equal(agent.callFinished().state, AgentState.WRAP_UP);
    assert.equal(agent.wrapUpDone().state, AgentState.AVAILABLE);
  });

  test('pause with a reason and resume', () => {
    const agent = createAgentState();
    const paused = agent.pause('lunch');
    assert.equal(paused.state, AgentState.PAUSED);
    assert.equal(paused.reason, 'lunch');
    assert.equal(agent.pause('break').reason, 'break', 'the reason can change');
    const back = agent.resume();
    assert.equal(back.state, AgentState.AVAILABLE);
    assert.equal(back.reason, null);
  });

  test('an unknown pause reason is refused', () => {
    const agent = createAgentState();
    assert.throws(() => agent.pause('nap'), TypeError);
    assert.equal(agent.state, AgentState.AVAILABLE);
  });

  test('a pause asked for during a call starts after the wrap-up', () => {
    const agent = createAgentState();
    agent.callStarted();
    const during = agent.pause('break');
    assert.equal(during.state, AgentState.ON_CALL);
    assert.equal(during.pendingPause, 'break');
    agent.callFinished();
    assert.equal(agent.state, AgentState.WRAP_UP);
    const after = agent.wrapUpDone();
    assert.equal(after.state, AgentState.PAUSED);
    assert.equal(after.reason, 'break');
    assert.equal(after.pendingPause, null);
  });

  test('a pending pause can be withdrawn', () => {
    const agent = createAgentState();
    agent.callStarted();
    agent.pause('meeting');
    agent.cancelPendingPause();
    agent.callFinished();
    assert.equal(agent.wrapUpDone().state, AgentState.AVAILABLE);
  });

  test('calling from a pause ends the pause', () => {
    const agent = createAgentState();
    agent.pause('training');
    assert.equal(agent.canCall(), true);
    const s = agent.callStarted();
    assert.equal(s.state, AgentState.ON_CALL);
    assert.equal(s.reason, null);
  });

  test('invalid moves are refused', () => {
    const agent = createAgentState();
    assert.throws(() => agent.resume(), AgentStateError);
    assert.throws(() => agent.callFinished(), AgentStateError);
    assert.throws(() => agent.wrapUpDone(), AgentStateError);
    agent.callStarted();
    assert.equal(agent.canCall(), false);
    assert.throws(() => agent.callStarted(), AgentStateError);
    assert.throws(() => agent.resume(), AgentStateError);
    agent.callFinished();
    assert.throws(() => agent.callStarted(), AgentStateError, 'no new call before the wrap-up');
  });

  test('listeners are told of each change', () => {
    const agent = createAgentState();
    const seen = [];
    agent.subscribe((s) => seen.push(s.state));
    agent.pause('break');
    agent.resume();
    assert.deepEqual(seen, ['paused', 'available']);
  });

  test('pause reasons', () => {
    assert.ok(PAUSE_REASONS.includes('break'));
    assert.ok(PAUSE_REASONS.length >= 4);
  });
});
