-- The customer's side (issue 6): passkey sign-in, consent to reveals, the privacy lock,
-- break-glass, notices, and the "is this really support?" contact code.

alter table customers add column locked_at timestamptz;

-- A one-time code the agent's desk and the customer's portal both show while the ticket is open.
alter table tickets add column contact_code text;

-- Consent: the customer's own decision on a reveal that needs it, and the duration they chose.
alter table reveal_requests
  add column customer_verdict text check (customer_verdict in ('approved', 'denied')),
  add column customer_decided_at timestamptz,
  add column customer_duration_min integer;

alter table grants add column revoked_by_customer boolean not null default false;

create table customer_credentials (
  id           text primary key,          -- base64url credential id
  customer_id  text not null references customers (id),
  public_key   bytea not null,
  counter      bigint not null,
  transports   text[] not null default '{}',
  created_at   timestamptz not null,
  last_used_at timestamptz
);
create index customer_credentials_customer on customer_credentials (customer_id);

create table customer_sessions (
  id_hash     bytea primary key,
  customer_id text not null references customers (id),
  created_at  timestamptz not null,
  expires_at  timestamptz not null,
  ended_at    timestamptz
);

-- WebAuthn challenges: single use, short-lived, bound to what they authorize.
create table webauthn_challenges (
  challenge   text primary key,
  purpose     text not null check (purpose in ('register', 'authenticate', 'consent')),
  customer_id text references customers (id),
  subject     text,                      -- e.g. the reveal request a consent assertion approves
  created_at  timestamptz not null,
  expires_at  timestamptz not null,
  used_at     timestamptz
);

create table break_glass_requests (
  id          text primary key,
  ticket_id   text not null references tickets (id),
  agent_id    text not null references agents (id),
  customer_id text not null references customers (id),
  reason      text not null,
  status      text not null check (status in ('pending', 'approved', 'denied', 'expired', 'revoked')),
  approvers   text[] not null default '{}',
  created_at  timestamptz not null,
  expires_at  timestamptz not null,
  approved_at timestamptz
);
create index break_glass_live on break_glass_requests (ticket_id, agent_id, status);

create table customer_notices (
  id          bigserial primary key,
  customer_id text not null references customers (id),
  kind        text not null,
  body        jsonb not null,
  created_at  timestamptz not null,
  read_at     timestamptz
);
create index customer_notices_customer on customer_notices (customer_id, created_at);
