// The routes of the console and the gate in front of them: signed out → the sign-in page;
// signed in → the shell with the pages of the agent's role.
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Center, Loader } from '@mantine/core';
import { ApprovalsPage } from './approvals/approvals-page';
import { QueuePage } from './desk/queue-page';
import { TicketPage } from './desk/ticket-page';
import { SignInPage } from './session/sign-in-page';
import { ProfilePage } from './session/profile-page';
import { useSession } from './session/session';
import { Shell } from './shell/shell';
import type { Role } from './api/types';

const SecurityDashboard = lazy(() => import('./security/dashboard-page'));
const AuditExplorer = lazy(() => import('./security/audit-explorer-page'));
const BreakGlassPage = lazy(() => import('./security/break-glass-page'));
const AlertsPage = lazy(() => import('./security/alerts-page'));
const AgentPage = lazy(() => import('./security/agent-page'));
const LeakIdentifyPage = lazy(() => import('./security/leak-identify-page'));
const IncidentsPage = lazy(() => import('./incident/incidents-page'));
const IncidentPage = lazy(() => import('./incident/incident-page'));
const SentMailPage = lazy(() => import('./security/sent-mail-page'));

/** Where each role starts. */
export const HOME: Readonly<Record<Role, string>> = { agent: '/queue', supervisor: '/approvals', security: '/security' };

export function App() {
  const { me, loading } = useSession();
  if (loading) return <Center h="100dvh"><Loader size="sm" /></Center>;
  if (!me) {
    return (
      <Routes>
        <Route path="*" element={<SignInPage />} />
      </Routes>
    );
  }
  const fallback = <Center h="60vh"><Loader size="sm" /></Center>;
  return (
    <Shell>
      <Suspense fallback={fallback}>
        <Routes>
          <Route path="/" element={<Navigate to={HOME[me.role]} replace />} />
          <Route path="/signin" element={<Navigate to={HOME[me.role]} replace />} />
          <Route path="/profile" element={<ProfilePage />} />
          <Route path="/queue" element={<QueuePage />} />
          <Route path="/tickets/:id" element={<TicketPage />} />
          <Route path="/approvals" element={me.role === 'agent' ? <Navigate to="/queue" replace /> : <ApprovalsPage />} />
          <Route path="/security" element={me.role === 'security' ? <SecurityDashboard /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/audit" element={me.role === 'security' ? <AuditExplorer /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/alerts" element={me.role === 'security' ? <AlertsPage /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/agents/:id" element={me.role === 'security' ? <AgentPage /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/identify" element={me.role === 'security' ? <LeakIdentifyPage /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/break-glass" element={me.role === 'security' ? <BreakGlassPage /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/incidents" element={me.role === 'security' ? <IncidentsPage /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/incidents/:id" element={me.role === 'security' ? <IncidentPage /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="/security/mail" element={me.role === 'security' ? <SentMailPage /> : <Navigate to={HOME[me.role]} replace />} />
          <Route path="*" element={<Navigate to={HOME[me.role]} replace />} />
        </Routes>
      </Suspense>
    </Shell>
  );
}
