// The live feed of access decisions: the newest records from the log, then every decision as
// it is committed (SSE `audit` events), newest on top, at most 200 kept.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Anchor, Badge, Group, Paper, ScrollArea, Stack, Text } from '@mantine/core';
import { IconActivity } from '@tabler/icons-react';
import { get } from '../api/client';
import type { AuditPage, AuditRecord } from '../api/types';
import { clockTime } from '../common/format';
import { Empty } from '../common/states';
import { useLiveEvent } from '../session/session';
import { describeRecord, recordColor } from './describe';

interface Item {
  readonly key: string;
  readonly record: AuditRecord;
  readonly fresh: boolean;
}

/** A detection alert as the SSE `detect_alert` event carries it. */
interface AlertEvent {
  readonly alertId: string;
  readonly agentId: string;
  readonly kind: string;
  readonly risk: number;
  readonly at: string;
  readonly summary: string;
}

const ALERT_WORDS: Readonly<Record<string, string>> = { alert: 'Alert', step_up: 'Step-up', contain: 'Contained', budget: 'Budget', decoy: 'Decoy touched' };

export function LiveFeed({ names, height }: { names: ReadonlyMap<string, string>; height: number }) {
  const [items, setItems] = useState<readonly (Item | { readonly key: string; readonly alert: AlertEvent })[]>([]);
  useEffect(() => {
    get<AuditPage>('/v1/security/audit?limit=40').then((p) => setItems((cur) => [
      ...cur, ...p.entries.map((e, i) => ({ key: `${e.seq ?? 'p'}-${e.record.requestId}-${i}`, record: e.record, fresh: false })),
    ]), () => undefined);
  }, []);
  useLiveEvent('detect_alert', (d) => {
    const alert = d as AlertEvent;
    setItems((cur) => [{ key: `alert-${alert.alertId}`, alert }, ...cur].slice(0, 200));
  });
  useLiveEvent('audit', (d) => {
    const record = d as AuditRecord;
    setItems((cur) => [{ key: `live-${record.requestId}-${record.action}-${cur.length}-${Date.now()}`, record, fresh: true }, ...cur].slice(0, 200));
  });

  return (
    <Paper withBorder data-testid="live-feed">
      <Group justify="space-between" px="md" py="sm" className="kh-row">
        <Group gap={8}><span className="kh-live-dot" data-state="live" /><Text fw={600}>Live decisions</Text></Group>
        <Text size="xs" c="dimmed">{items.length} shown</Text>
      </Group>
      <ScrollArea h={height} type="auto">
        {items.length === 0 ? (
          <Empty icon={<IconActivity size={22} />} title="No decisions yet">Every view, check, reveal and suspension appears here the moment it is recorded.</Empty>
        ) : (
          <Stack gap={0}>
            {items.map((it) => 'alert' in it ? (
              <Stack key={it.key} gap={2} px="md" py={8} className="kh-row kh-feed-item" data-testid="feed-alert" data-kind={it.alert.kind} data-agent-id={it.alert.agentId}
                style={{ background: 'light-dark(var(--mantine-color-red-0), rgba(250,82,82,0.08))' }}>
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
                    <Badge size="xs" color={it.alert.kind === 'contain' || it.alert.kind === 'decoy' ? 'red' : 'orange'} variant="filled">{ALERT_WORDS[it.alert.kind] ?? it.alert.kind}</Badge>
                    <Anchor component={Link} to={`/security/agents/${encodeURIComponent(it.alert.agentId)}`} size="sm" fw={500} truncate>{names.get(it.alert.agentId) ?? it.alert.agentId}</Anchor>
                  </Group>
                  <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>{clockTime(it.alert.at)} · risk {it.alert.risk.toFixed(1)}</Text>
                </Group>
                <Text size="xs">{it.alert.summary}</Text>
              </Stack>
            ) : (({ key, record: r, fresh }: Item) => (
              <Stack key={key} gap={2} px="md" py={8} className={`kh-row${fresh ? ' kh-feed-item' : ''}`} data-testid="feed-item" data-live={fresh || undefined} data-action={r.action} data-decision={r.decision}>
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
                    <Badge size="xs" circle color={recordColor(r)} variant="filled"> </Badge>
                    <Text size="sm" fw={500} truncate>{r.agentId ? names.get(r.agentId) ?? r.agentId : 'system'}</Text>
                  </Group>
                  <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>{clockTime(r.time)}</Text>
                </Group>
                <Text size="xs">{describeRecord(r, names)}</Text>
                {(r.customerId || r.ticketId) && (
                  <Text size="xs" c="dimmed" className="kh-mono">{[r.customerId, r.ticketId].filter(Boolean).join(' · ')}</Text>
                )}
              </Stack>
            ))(it))}
          </Stack>
        )}
      </ScrollArea>
    </Paper>
  );
}
