-- Incident response (issue 7), owner: incident. Incidents and their scope, who did what, the
-- protective measures the exchange reads and receives by webhook, editable notification
-- templates, and the outbox that delivers notifications and webhooks exactly-once-or-retried.
-- docs/design/incident.md.

create table incidents (
  id             text primary key,
  title          text not null,
  reason         text not null,
  source         text not null check (source in ('console', 'cli', 'detector')),
  status         text not null default 'open' check (status in ('open', 'closed')),
  agent_ids      text[] not null,          -- the agents in scope (a vendor is resolved at opening)
  vendor         text,
  since          timestamptz,              -- null: from the beginning of the log
  until          timestamptz not null,     -- records up to and including this time
  opened_by      text references agents (id),  -- null: the CLI or a detector
  containment_id text,                     -- detect_containments.id when a detector opened it
  log_size       bigint not null,          -- the signed log size when it was opened
  log_checkpoint text,                     -- that checkpoint's signed note (null before the first)
  opened_at      timestamptz not null,
  closed_at      timestamptz,
  closed_by      text references agents (id)
);
create index incidents_opened on incidents (opened_at desc);

-- Who did what, in order (also on the audit log).
create table incident_actions (
  id          bigserial primary key,
  incident_id text not null references incidents (id),
  action      text not null,
  actor       text,                        -- an agent id, or null for the system
  details     jsonb not null,
  at          timestamptz not null
);
create index incident_actions_incident on incident_actions (incident_id, id);

-- Protective measures per affected customer; lifted, never deleted.
create table incident_protections (
  id          text primary key,
  incident_id text not null references incidents (id),
  customer_id text not null references customers (id),
  kind        text not null check (kind in ('withdrawal_cooldown', 'reverification', 'never_call_banner')),
  params      jsonb not null,
  basis       text[] not null,             -- the exposures that triggered it, e.g. {phone:revealed}
  applied_by  text references agents (id),
  applied_at  timestamptz not null,
  lifted_by   text references agents (id),
  lifted_at   timestamptz,
  lift_reason text,
  unique (incident_id, customer_id, kind)
);
create index incident_protections_active on incident_protections (customer_id) where lifted_at is null;

-- Editable notification templates: every saved version is kept; the highest is current.
create table incident_templates (
  key        text not null,
  version    integer not null check (version > 0),
  subject    text not null,
  body       text not null,
  updated_by text references agents (id),
  updated_at timestamptz not null,
  primary key (key, version)
);

-- The outbox: one row per message, unique by idempotency key. A sender claims a row (status
-- sending, claim token, lease) before it sends, and records the send in the same row.
create table incident_outbox (
  id              bigserial primary key,
  idempotency_key text not null unique,
  incident_id     text references incidents (id),
  customer_id     text references customers (id),
  channel         text not null check (channel in ('email', 'webhook', 'protection_webhook')),
  subject         text not null,
  body            text not null,
  payload         jsonb not null,
  status          text not null check (status in ('pending', 'sending', 'sent', 'failed')),
  attempts        integer not null default 0,
  redelivery      boolean not null default false,  -- a claim expired mid-send: this may repeat a delivery
  next_attempt_at timestamptz not null,
  claim_token     text,
  claimed_until   timestamptz,
  sent_at         timestamptz,
  provider_id     text,
  last_error      text,
  created_at      timestamptz not null
);
create index incident_outbox_due on incident_outbox (status, next_attempt_at) where status in ('pending', 'sending');
create index incident_outbox_incident on incident_outbox (incident_id, id);
