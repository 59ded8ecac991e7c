// The agent's screens: one lazy chunk, loaded only for a signed-in agent.
import { RoleHome } from '../../components/RoleHome';

export function Component() {
  return <RoleHome role="agent" />;
}
