-- Staff security keys and step-up (issue 11 item 3): WebAuthn credentials of agents, the
-- single-use challenges (registration, or a step-up bound to one action on one target), and
-- the step-up grants an assertion yields (single use, within 5 minutes). Owner: src/identity.
create table staff_credentials (
  id           text primary key,
  agent_id     text not null references agents (id),
  name         text not null,
  public_key   bytea not null,
  counter      bigint not null,
  transports   text[] not null default '{}',
  created_at   timestamptz not null,
  last_used_at timestamptz
);
create index staff_credentials_agent on staff_credentials (agent_id);

create table staff_challenges (
  challenge  text primary key,
  agent_id   text not null references agents (id),
  purpose    text not null check (purpose in ('register', 'step_up')),
  action     text,
  target     text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at    timestamptz
);

create table staff_step_ups (
  token_hash    bytea primary key,
  agent_id      text not null references agents (id),
  action        text not null,
  target        text not null,
  credential_id text not null,
  created_at    timestamptz not null,
  expires_at    timestamptz not null,
  used_at       timestamptz
);
