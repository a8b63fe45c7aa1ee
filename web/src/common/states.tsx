// Empty and error states that say what happened and what to do next; errors show the API's
// own message and code.
import type { ReactNode } from 'react';
import { Alert, Button, Center, EmptyState, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { ApiError } from '../api/client';

/** A failed load: the server's message, its code, and a retry button. */
export function ErrorState({ error, onRetry, hint }: { error: ApiError; onRetry?: () => void; hint?: ReactNode }) {
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={error.message} data-testid="error-state">
      <Stack gap="xs">
        {hint && <Text size="sm">{hint}</Text>}
        <Text size="xs" c="dimmed">Error code {error.code}{error.status ? ` · HTTP ${error.status}` : ''}</Text>
        {onRetry && <Button size="xs" variant="light" color="red" w="fit-content" onClick={onRetry}>Try again</Button>}
      </Stack>
    </Alert>
  );
}

/** Nothing to show yet, and what to do about it. */
export function Empty({ icon, title, children, action }: { icon: ReactNode; title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <EmptyState py="xl" icon={icon} withIndicatorBackground title={title} description={children}>
      {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
    </EmptyState>
  );
}

/** A centered spinner for a first load. */
export function Loading() {
  return <Center py="xl"><Loader size="sm" /></Center>;
}
