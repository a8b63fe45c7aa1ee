// The disclosure level of a field as a badge: hidden, verify only, masked, banded, revealed —
// and "revealed" by a grant in a warning colour, since that is the exception.
import { Badge, Tooltip } from '@mantine/core';
import { IconEye, IconEyeOff, IconLock, IconShieldCheck, IconStack2 } from '@tabler/icons-react';
import type { Level } from '../api/types';

const STYLE: Readonly<Record<Level, { label: string; color: string; icon: React.ReactNode; explain: string }>> = {
  hidden: { label: 'Hidden', color: 'gray', icon: <IconEyeOff size={12} />, explain: 'Not available for this ticket\u2019s purpose.' },
  verify_only: { label: 'Verify only', color: 'violet', icon: <IconShieldCheck size={12} />, explain: 'Type what the caller says; the server answers match or no match. The value never reaches this screen.' },
  masked: { label: 'Masked', color: 'blue', icon: <IconLock size={12} />, explain: 'Only a masked form is shown. Request a reveal if the ticket needs the full value.' },
  banded: { label: 'Banded', color: 'cyan', icon: <IconStack2 size={12} />, explain: 'Only the range is shown, never the amount.' },
  revealed: { label: 'Shown', color: 'teal', icon: <IconEye size={12} />, explain: 'Shown in full for this ticket\u2019s purpose.' },
};

/** The badge of `level`; `granted` marks a value shown through a just-in-time grant. */
export function LevelBadge({ level, granted = false }: { level: Level; granted?: boolean }) {
  const s = STYLE[level];
  const label = granted ? 'Revealed' : s.label;
  return (
    <Tooltip label={granted ? 'Revealed once through an approved grant. It disappears when the grant expires.' : s.explain} multiline w={260}>
      <Badge variant={granted ? 'filled' : 'light'} color={granted ? 'orange' : s.color} leftSection={s.icon} w={108} data-level={granted ? 'granted' : level}>
        {label}
      </Badge>
    </Tooltip>
  );
}
