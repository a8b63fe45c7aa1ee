-- Bearer tokens of three kinds (issues 10.3, 11, 12): an agent's API token, a service token
-- (the exchange's backend, with scopes such as customers:write) and the SCIM provisioning
-- token of the identity provider. Every token has an id for listing and revocation, an
-- optional expiry, and who created and revoked it. Only SHA-256 hashes of tokens are stored.
alter table api_tokens add column id text;
update api_tokens set id = 'tok_' || encode(substr(token_hash, 1, 10), 'hex') where id is null;
alter table api_tokens alter column id set not null;
alter table api_tokens add constraint api_tokens_id_unique unique (id);
alter table api_tokens add column kind text not null default 'agent' check (kind in ('agent', 'service', 'scim'));
alter table api_tokens alter column agent_id drop not null;
alter table api_tokens add column service_name text;
alter table api_tokens add column scopes text[] not null default '{}';
alter table api_tokens add column expires_at timestamptz;
alter table api_tokens add column created_by text;
alter table api_tokens add column revoked_by text;
alter table api_tokens add column revoked_reason text;
alter table api_tokens add constraint api_tokens_owner check (
  (kind = 'agent' and agent_id is not null and service_name is null) or
  (kind <> 'agent' and agent_id is null and service_name is not null));
create index api_tokens_agent on api_tokens (agent_id) where revoked_at is null;
