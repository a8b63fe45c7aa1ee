// The customer behind the ticket, field by field: the level badge, then what the level allows
// — the masked or banded value, a verify input for verify-only fields, or a value revealed
// through a grant with the time it has left. Hidden fields are listed by name only.
import { Fragment, useState } from 'react';
import { ActionIcon, Badge, Button, Group, Paper, Stack, Text, Tooltip } from '@mantine/core';
import { IconClock, IconEyeOff, IconShieldCheck } from '@tabler/icons-react';
import type { CustomerView, FieldView } from '../api/types';
import { countdown } from '../common/format';
import { useNow } from '../common/use-load';
import { useSession } from '../session/session';
import { FieldValue } from './field-value';
import { FIELD_INFO, GROUPS, fieldLabel } from './fields';
import { LevelBadge } from './level-badge';
import type { RevealedValue } from './use-workspace';
import { VerifyField } from './verify-field';

interface Props {
  readonly view: CustomerView;
  readonly revealed: ReadonlyMap<string, RevealedValue>;
  readonly onHide: (field: string) => void;
}

function Revealed({ r, field, onHide }: { r: RevealedValue; field: string; onHide: () => void }) {
  const { serverNow } = useSession();
  useNow(1000);
  const left = Date.parse(r.expiresAt) - serverNow();
  return (
    <Stack gap={6} data-revealed={field}>
      <FieldValue field={field} value={r.value} />
      <Group gap="xs">
        <Badge variant="light" color={left < 60_000 ? 'red' : 'orange'} leftSection={<IconClock size={12} />} data-testid={`countdown-${field}`}>
          Disappears in {countdown(left)}
        </Badge>
        <Button size="compact-xs" variant="subtle" color="gray" leftSection={<IconEyeOff size={12} />} onClick={onHide} aria-label={`Hide the revealed ${fieldLabel(field)} now`}>Hide now</Button>
      </Group>
    </Stack>
  );
}

function Row({ f, view, revealed, onHide }: { f: FieldView } & Props) {
  const [checking, setChecking] = useState(false);
  const r = revealed.get(f.name);
  const grantSpent = f.level === 'revealed' && f.grantExpiresAt !== null && !r;
  return (
    <Group className="kh-row" px="md" py={10} wrap="nowrap" align="flex-start" gap="md" data-field={f.name} data-level={r ? 'granted' : f.level}>
      <Text size="sm" c="dimmed" w={160} style={{ flexShrink: 0 }} pt={2}>{fieldLabel(f.name)}</Text>
      <div style={{ flexShrink: 0 }}><LevelBadge level={f.level} granted={!!r} /></div>
      <Stack gap={6} style={{ flex: 1, minWidth: 0 }} pt={1}>
        {r ? <Revealed r={r} field={f.name} onHide={() => onHide(f.name)} />
          : grantSpent ? <Text size="sm" c="dimmed">Shown once and hidden again. Request a new reveal if you need it.</Text>
          : f.level === 'verify_only' ? <VerifyField ticketId={view.ticketId} field={f.name} />
          : <Group gap="xs" wrap="nowrap" justify="space-between" align="flex-start">
              <FieldValue field={f.name} value={f.value} />
              {f.verifiable && !checking && (
                <Tooltip label="Check what the caller says against the full value">
                  <ActionIcon size="sm" variant="subtle" color="gray" onClick={() => setChecking(true)} aria-label={`Check what the caller says against the full ${fieldLabel(f.name)}`}><IconShieldCheck size={14} /></ActionIcon>
                </Tooltip>
              )}
            </Group>}
        {checking && !r && f.level !== 'verify_only' && <VerifyField ticketId={view.ticketId} field={f.name} />}
      </Stack>
    </Group>
  );
}

export function CustomerPanel(props: Props) {
  const { view } = props;
  const hidden = view.fields.filter((f) => f.level === 'hidden');
  return (
    <Paper withBorder data-testid="customer-panel">
      <Group justify="space-between" px="md" py="sm" className="kh-row">
        <Text fw={600}>Customer <Text span c="dimmed" fw={400} className="kh-mono">{view.customerId}</Text></Text>
        <Text size="xs" c="dimmed">Set by the ticket purpose · this view is on the audit log</Text>
      </Group>
      {GROUPS.map((g) => {
        const fields = view.fields.filter((f) => f.level !== 'hidden' && (FIELD_INFO[f.name]?.group ?? 'Account') === g);
        if (fields.length === 0) return null;
        return (
          <Fragment key={g}>
            <Text size="xs" fw={600} tt="uppercase" c="dimmed" px="md" pt="md" pb={4} style={{ letterSpacing: 0.5 }}>{g}</Text>
            {fields.map((f) => <Row key={f.name} f={f} {...props} />)}
          </Fragment>
        );
      })}
      {hidden.length > 0 && (
        <Group gap={6} px="md" py="sm" wrap="wrap">
          <LevelBadge level="hidden" />
          <Text size="xs" c="dimmed">Not available for this purpose: {hidden.map((f) => fieldLabel(f.name)).join(', ')}</Text>
        </Group>
      )}
    </Paper>
  );
}
