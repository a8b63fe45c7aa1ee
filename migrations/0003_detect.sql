-- Detection and containment (issue 5), owner: detect. The in-line guard's budget counters and
-- supervisor extensions, agent rosters (shifts), the streaming detectors' offset and state,
-- per-agent risk, alerts, and containments (the incident module of issue 7 builds on them).
-- docs/design/detect.md.

-- Rostered shift of an agent (UTC minutes). Absent row: no shift check for that agent.
create table detect_agent_profiles (
  agent_id        text primary key references agents (id),
  shift_start_min integer not null check (shift_start_min between 0 and 1439),
  shift_minutes   integer not null check (shift_minutes between 60 and 1440),
  work_days       integer not null default 127 check (work_days between 0 and 127), -- bit d = UTC weekday d (0 = Sunday)
  updated_at      timestamptz not null
);

-- Distinct customers an agent touched, with the last touch: the sliding-window budgets count
-- rows with last_at inside the window. Rows older than the longest window are pruned.
create table detect_budget_touches (
  agent_id    text not null references agents (id),
  customer_id text not null,
  last_at     timestamptz not null,
  primary key (agent_id, customer_id)
);
create index detect_budget_touches_window on detect_budget_touches (agent_id, last_at);

-- Counted actions (lookups, reveal requests) for the sliding-window budgets.
create table detect_budget_events (
  id       bigserial primary key,
  agent_id text not null references agents (id),
  kind     text not null check (kind in ('lookup', 'reveal')),
  at       timestamptz not null
);
create index detect_budget_events_window on detect_budget_events (agent_id, kind, at);

-- A supervisor's extension of one budget of one agent, valid until expires_at.
create table detect_budget_extensions (
  id         text primary key,
  agent_id   text not null references agents (id),
  budget     text not null check (budget in ('customersPerHour', 'customersPerShift', 'revealsPerShift', 'lookupsPerHour')),
  extra      integer not null check (extra > 0),
  granted_by text not null references agents (id),
  reason     text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index detect_budget_extensions_live on detect_budget_extensions (agent_id, expires_at);

-- A detector consumer's position in audit_log: the last sequence number it has processed.
create table detect_offsets (
  consumer   text primary key,
  last_seq   bigint not null,
  updated_at timestamptz not null
);

-- The consumer's state, one JSON document per key (an agent, a peer group, a vendor index),
-- written in the same transaction as the offset so a restart neither misses nor re-counts.
create table detect_state (
  consumer text not null,
  key      text not null,
  state    jsonb not null,
  primary key (consumer, key)
);

-- Current risk of each agent (for the dashboard and the step-up check of reveal decisions).
create table detect_agent_risk (
  agent_id   text primary key references agents (id),
  risk       double precision not null,
  risk_at    timestamptz not null,
  level      text not null check (level in ('none', 'alert', 'step_up', 'contain')),
  step_up    boolean not null default false,
  last_seq   bigint not null
);

-- Every alert with its explanation (the events, baselines and figures that triggered it).
create table detect_alerts (
  id          text primary key,
  agent_id    text not null,
  kind        text not null check (kind in ('alert', 'step_up', 'contain', 'budget', 'decoy')),
  risk        double precision not null,
  at          timestamptz not null,   -- time of the event that raised it
  seq         bigint,                 -- that event's sequence number (null: raised in-line)
  summary     text not null,
  explanation jsonb not null,
  created_at  timestamptz not null
);
create index detect_alerts_time on detect_alerts (created_at desc);
create index detect_alerts_agent on detect_alerts (agent_id, created_at desc);

-- A containment: the agent was suspended automatically; the incident module takes it from here.
create table detect_containments (
  id              text primary key,
  agent_id        text not null references agents (id),
  source          text not null check (source in ('guard', 'detector')),
  reason          text not null,
  trigger_seq     bigint,
  request_id      text,
  evidence        jsonb not null,
  grants_revoked  integer not null,
  sessions_ended  integer not null,
  opened_at       timestamptz not null,
  status          text not null default 'open' check (status in ('open', 'closed')),
  closed_at       timestamptz
);
create index detect_containments_agent on detect_containments (agent_id, opened_at desc);
