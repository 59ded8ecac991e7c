// The supervisor's screens: one lazy chunk, loaded only for a signed-in supervisor.
import { RoleHome } from '../../components/RoleHome';

export function Component() {
  return <RoleHome role="supervisor" />;
}
