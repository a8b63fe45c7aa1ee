-- Keyhole core schema (issue 2). Owners: access (agents, sessions, customers, tickets,
-- reveal_requests, grants, verify_attempts), vault (customer_keys, customer_fields,
-- blind_indexes, vault_meta), audit (audit_pending, audit_log, audit_head).

create table agents (
  id           text primary key,
  name         text not null,
  email        text not null unique,
  role         text not null check (role in ('agent', 'supervisor', 'security')),
  team         text not null,
  vendor       text not null,
  regions      text[] not null,
  status       text not null default 'active' check (status in ('active', 'suspended')),
  created_at   timestamptz not null,
  suspended_at timestamptz
);

create table agent_sessions (
  id_hash    bytea primary key,
  agent_id   text not null references agents (id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  ended_at   timestamptz
);
create index agent_sessions_agent on agent_sessions (agent_id) where ended_at is null;

create table api_tokens (
  token_hash bytea primary key,
  agent_id   text not null references agents (id),
  label      text not null,
  created_at timestamptz not null,
  revoked_at timestamptz
);

-- Plain (unprotected) account attributes only; every protected field is in customer_fields.
create table customers (
  id           text primary key,
  account_id   text not null unique,
  jurisdiction text not null,
  tier         text not null,
  status       text not null,
  created_at   timestamptz not null,
  is_decoy     boolean not null default false,
  erased_at    timestamptz
);

-- Vault: one data key per customer, wrapped by a key-encryption key.
create table customer_keys (
  customer_id text primary key references customers (id),
  kek_id      text not null,
  key_version integer not null,
  wrapped_key bytea -- null once crypto-shredded
);

create table customer_fields (
  customer_id text not null references customers (id),
  field       text not null,
  ciphertext  bytea not null,
  primary key (customer_id, field)
);

create table blind_indexes (
  customer_id text not null references customers (id),
  field       text not null,
  digest      bytea not null,
  primary key (customer_id, field)
);
create index blind_indexes_lookup on blind_indexes (field, digest);

create table vault_meta (
  key   text primary key,
  value text not null
);

create table tickets (
  id            text primary key,
  customer_id   text not null references customers (id),
  purpose       text not null,
  status        text not null check (status in ('open', 'closed')),
  assignee_id   text references agents (id),
  channel       text not null,
  subject       text not null,
  referenced_tx text[] not null default '{}',
  created_by    text,
  created_at    timestamptz not null,
  closed_at     timestamptz
);
create index tickets_assignee on tickets (assignee_id, status);
create index tickets_customer on tickets (customer_id);

create table reveal_requests (
  id          text primary key,
  ticket_id   text not null references tickets (id),
  agent_id    text not null references agents (id),
  customer_id text not null references customers (id),
  fields      text[] not null,
  reason      text not null,
  approval    text not null,
  status      text not null check (status in ('pending', 'approved', 'denied', 'expired', 'cancelled')),
  decided_by  text references agents (id),
  decided_at  timestamptz,
  comment     text,
  created_at  timestamptz not null,
  expires_at  timestamptz not null
);
create index reveal_requests_status on reveal_requests (status, created_at);

create table grants (
  id          text primary key,
  request_id  text not null references reveal_requests (id),
  ticket_id   text not null references tickets (id),
  agent_id    text not null references agents (id),
  customer_id text not null references customers (id),
  fields      text[] not null,
  created_at  timestamptz not null,
  expires_at  timestamptz not null,
  used_at     timestamptz,
  revoked_at  timestamptz,
  revoke_reason text
);
create index grants_live on grants (ticket_id, agent_id) where used_at is null and revoked_at is null;

create table verify_attempts (
  id          bigserial primary key,
  agent_id    text not null references agents (id),
  customer_id text not null references customers (id),
  field       text not null,
  matched     boolean not null,
  at          timestamptz not null
);
create index verify_attempts_window on verify_attempts (agent_id, customer_id, field, at);

-- Audit: requests write to audit_pending inside their own transaction; the integrator moves
-- batches into audit_log, assigning sequence numbers. audit_log is append-only.
create table audit_pending (
  id         bigserial primary key,
  entry      jsonb not null,
  created_at timestamptz not null default now()
);

create table audit_log (
  seq         bigint primary key,
  entry       text not null,      -- RFC 8785 canonical JSON: the leaf data
  leaf_hash   bytea not null,     -- SHA-256(0x00 || entry)
  chain_hash  bytea not null,     -- SHA-256(prev chain_hash || leaf_hash)
  time        timestamptz not null,
  agent_id    text,
  customer_id text,
  ticket_id   text,
  action      text not null,
  integrated_at timestamptz not null default now()
);
create index audit_log_agent on audit_log (agent_id, seq);
create index audit_log_customer on audit_log (customer_id, seq);
create index audit_log_ticket on audit_log (ticket_id, seq);
create index audit_log_time on audit_log (time);
create index audit_log_leaf on audit_log (leaf_hash);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only (% rejected)', tg_op using errcode = 'P0001';
end $$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();
