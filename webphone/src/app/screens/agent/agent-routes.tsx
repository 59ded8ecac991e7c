// The agent's screens: one lazy chunk, loaded only for a signed-in agent.
// /agent is the desk, /agent/lead/:leadId the desk with that lead open (the
// old #/lead/<id>). One component for both, so moving between them keeps the
// desk, the call and the registered phone.
import { Navigate, useMatch } from 'react-router';
import { AgentSessionProvider } from './agent-session';
import { DeskScreen } from './DeskScreen';

export function Component() {
  const lead = useMatch('/agent/lead/:leadId');
  const desk = useMatch('/agent');
  if (!lead && !desk) return <Navigate to="/agent" replace />;
  return (
    <AgentSessionProvider>
      <DeskScreen leadId={lead?.params.leadId ?? null} />
    </AgentSessionProvider>
  );
}
