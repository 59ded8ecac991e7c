// The app's routes: the sign-in when signed out, then one lazily loaded
// chunk per role, so an agent's browser never downloads the supervisor's or
// the admin's screens (chunks <role>-routes-<hash>.js). Each chunk routes
// its own screens (/supervisor/floor, /admin/users...); the shell's
// navigation shows those the person's role and permissions open.
import { lazy, Suspense } from 'react';
import { Navigate, Outlet, type RouteObject } from 'react-router';
import { useAuth } from './auth/auth-context';
import type { Role } from './auth/profile';
import { Loading } from './components/ScreenGate';
import { Shell } from './components/Shell';

// Its own chunk too: a signed-in agent reopening the desk does not load the form libraries.
const SignIn = lazy(() => import('./screens/sign-in/SignIn'));
// Where a one-time set-up or reset link lands: public, outside the role gates.
const SetPassword = lazy(() => import('./screens/set-password/SetPassword'));

/** Where each role lands after signing in (admins see the supervisors' screens too). */
export const HOME: Readonly<Record<Role, string>> = { agent: '/agent', supervisor: '/supervisor', admin: '/admin' };

/** `/`: the sign-in, or the signed-in person's home. */
function Entry() {
  const { state } = useAuth();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'signed_out') {
    return <Suspense fallback={<Loading />}><SignIn notice={state.notice} /></Suspense>;
  }
  return <Navigate to={HOME[state.profile.role]} replace />;
}

/** A role's screens, inside the shell; anyone else goes to their own home. */
function RoleGate({ roles }: { roles: readonly Role[] }) {
  const { state } = useAuth();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'signed_out') return <Navigate to="/" replace />;
  if (!roles.includes(state.profile.role)) return <Navigate to={HOME[state.profile.role]} replace />;
  return <Shell><Outlet /></Shell>;
}

export const routes: RouteObject[] = [
  {
    path: '/',
    HydrateFallback: Loading,
    children: [
      { index: true, Component: Entry },
      { path: 'set-password', element: <Suspense fallback={<Loading />}><SetPassword /></Suspense> },
      {
        // Every signed-in role: the dashboard chunk shows each their own.
        element: <RoleGate roles={['agent', 'supervisor', 'admin']} />,
        children: [{ path: 'dashboard/*', lazy: () => import('./screens/dashboard/dashboard-routes') }],
      },
      {
        element: <RoleGate roles={['agent']} />,
        children: [{ path: 'agent/*', lazy: () => import('./screens/agent/agent-routes') }],
      },
      {
        element: <RoleGate roles={['supervisor', 'admin']} />,
        children: [{ path: 'supervisor/*', lazy: () => import('./screens/supervisor/supervisor-routes') }],
      },
      {
        // Supervisors with compliance.manage open /admin/compliance; the chunk checks each screen's permission.
        element: <RoleGate roles={['supervisor', 'admin']} />,
        children: [{ path: 'admin/*', lazy: () => import('./screens/admin/admin-routes') }],
      },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
];
