// Entry of the Keyhole console: providers (Mantine theme and color scheme, notifications, the
// session) and the router; /portal/* is the customer portal, outside the agent session.
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './styles.css';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router';
import { Center, Loader, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { App } from './app';
import { SessionProvider } from './session/session';
import { installStepUpPrompt } from './session/step-up';
import { theme } from './theme';

// The customer portal has its own session and frame (src/portal); everything else is the console.
const PortalApp = lazy(() => import('./portal/portal-app'));

installStepUpPrompt();

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="bottom-right" limit={4} />
      <BrowserRouter>
        <Routes>
          <Route path="/portal/*" element={<Suspense fallback={<Center h="100dvh"><Loader size="sm" /></Center>}><PortalApp /></Suspense>} />
          <Route path="*" element={<SessionProvider><App /></SessionProvider>} />
        </Routes>
      </BrowserRouter>
    </MantineProvider>
  </StrictMode>,
);
