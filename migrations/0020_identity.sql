-- Staff identity (issue 11): staff provisioned by the identity provider over SCIM 2.0
-- (RFC 7643/7644), their groups, OpenID Connect links and sign-in flows, and how a session
-- was authenticated. Owner: src/identity.

-- An agent the identity provider manages. `attributes` holds the SCIM attributes it sent
-- (name, emails, enterprise extension; never a secret). `idp_active` is the provider's
-- `active`; `idp_suspended` says the agent is suspended because of the provider (so only the
-- provider's re-activation reinstates it, never a suspension by the security team).
create table identity_users (
  agent_id      text primary key references agents (id),
  user_name     text not null,
  external_id   text,
  idp_active    boolean not null,
  idp_suspended boolean not null default false,
  attributes    jsonb not null,
  created_at    timestamptz not null,
  updated_at    timestamptz not null,
  deleted_at    timestamptz
);
create unique index identity_users_user_name on identity_users (lower(user_name)) where deleted_at is null;

create table identity_groups (
  id           text primary key,
  display_name text not null,
  external_id  text,
  created_at   timestamptz not null,
  updated_at   timestamptz not null
);
create unique index identity_groups_name on identity_groups (lower(display_name));

create table identity_group_members (
  group_id text not null references identity_groups (id) on delete cascade,
  agent_id text not null references agents (id),
  primary key (group_id, agent_id)
);
create index identity_group_members_agent on identity_group_members (agent_id);

-- OpenID Connect: the provider's subject of an agent (issuer + sub, OIDC Core §2).
create table identity_oidc_links (
  issuer     text not null,
  subject    text not null,
  agent_id   text not null references agents (id),
  created_at timestamptz not null,
  last_sign_in_at timestamptz,
  primary key (issuer, subject)
);

-- A sign-in in progress: `state` (hashed) → the PKCE verifier and nonce, used once.
create table identity_oidc_flows (
  state_hash    bytea primary key,
  code_verifier text not null,
  nonce         text not null,
  return_to     text not null,
  max_age       integer,
  created_at    timestamptz not null,
  expires_at    timestamptz not null,
  used_at       timestamptz
);

-- How a session was authenticated: 'demo' (the demo picker) or 'oidc' (with the provider's
-- authentication time, for re-authentication checks).
alter table agent_sessions add column auth_method text not null default 'demo';
alter table agent_sessions add column auth_time timestamptz;
alter table agent_sessions add column oidc_issuer text;
