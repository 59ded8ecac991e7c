// The admin's screens: one lazy chunk, loaded only for a signed-in admin.
import { RoleHome } from '../../components/RoleHome';

export function Component() {
  return <RoleHome role="admin" />;
}
