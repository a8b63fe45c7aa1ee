// The customer portal at /portal, in the same single-page app as the agent console but with
// its own session (cookie kh_customer), its own frame and no agent watermark: signed out → the
// passkey sign-in (and the demo picker); signed in → home, receipts, security checkup.
// docs/design/customer.md.
import './portal.css';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Center, Loader } from '@mantine/core';
import HomePage from './home-page';
import { PortalSessionProvider, usePortalSession } from './portal-session';
import { PortalShell } from './portal-shell';
import { PortalSignInPage } from './sign-in-page';

const ActivityPage = lazy(() => import('./activity-page'));
const SecurityPage = lazy(() => import('./security-page'));

function Gate() {
  const { me, loading } = usePortalSession();
  if (loading) return <Center h="100dvh"><Loader size="sm" /></Center>;
  if (!me) return <PortalSignInPage />;
  return (
    <PortalShell>
      <Suspense fallback={<Center h="40vh"><Loader size="sm" /></Center>}>
        <Routes>
          <Route index element={<HomePage />} />
          <Route path="activity" element={<ActivityPage />} />
          <Route path="security" element={<SecurityPage />} />
          <Route path="*" element={<Navigate to="/portal" replace />} />
        </Routes>
      </Suspense>
    </PortalShell>
  );
}

/** The portal, mounted at /portal/* by the app's entry. */
export default function PortalApp() {
  return (
    <PortalSessionProvider>
      <Gate />
    </PortalSessionProvider>
  );
}
