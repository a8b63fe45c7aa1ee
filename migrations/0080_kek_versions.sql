-- KEK versions (issue 19), owner: vault. Which key-encryption key is current lives here, shared
-- by every server, not in each server's environment: `keyhole keys rotate` inserts the next
-- version as current, the re-wrap job moves every data key to it, and a version is retired only
-- once no customer_keys row references it. docs/design/vault.md "Rotation".
create table kek_versions (
  kek_id     text primary key,
  version    integer not null unique check (version >= 1),
  state      text not null check (state in ('current', 'previous', 'retired')),
  created_at timestamptz not null,
  retired_at timestamptz
);
-- at most one current version
create unique index kek_versions_one_current on kek_versions (state) where state = 'current';
-- counting and finding the data keys of one KEK version (status, re-wrap, retirement)
create index customer_keys_kek_id on customer_keys (kek_id);
