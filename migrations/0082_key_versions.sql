-- Versions of the blind-index key and of the log's checkpoint signing key (issue 19), owner:
-- vault. Which version is current lives here, shared by every server. A blind-index rotation
-- makes a new version current, re-indexes every row of blind_indexes under it (a resumable job
-- whose cursor is blind_index_reindex) and retires the old version once no row references it.
-- A signing-key rotation makes a new version current and keeps the previous one signing until
-- overlap_until. docs/design/vault.md "Blind-index key rotation", "Signing-key rotation".
create table key_versions (
  key_id        text not null check (key_id in ('blind-index', 'checkpoint')),
  version       integer not null check (version >= 1),
  state         text not null check (state in ('current', 'previous', 'retired')),
  -- checkpoint keys: the C2SP verifier key (null for version 1 until a rotation records it)
  verifier_key  text,
  created_at    timestamptz not null,
  -- checkpoint keys in state previous: they sign until then
  overlap_until timestamptz,
  retired_at    timestamptz,
  primary key (key_id, version)
);
-- at most one current version per key
create unique index key_versions_one_current on key_versions (key_id) where state = 'current';
insert into key_versions (key_id, version, state, created_at) values
  ('blind-index', 1, 'current', now()),
  ('checkpoint', 1, 'current', now());

-- the blind-index key version each digest was computed under (every existing row: version 1)
alter table blind_indexes add column key_version integer not null default 1;

-- the re-index job of one rotation: its cursor (the last (customer_id, field) done) and counts
create table blind_index_reindex (
  to_version         integer primary key,
  from_version       integer not null,
  cursor_customer_id text,
  cursor_field       text,
  reindexed          bigint not null default 0,
  dropped            bigint not null default 0,
  started_at         timestamptz not null,
  updated_at         timestamptz not null,
  finished_at        timestamptz
);
