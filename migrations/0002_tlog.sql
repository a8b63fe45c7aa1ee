-- Keyhole transparency log (issue 3), owner: audit. The Merkle tree of audit_log as C2SP
-- tlog-tiles (one row per tile, only its latest version) and every signed checkpoint
-- (C2SP tlog-checkpoint). docs/design/audit.md.

-- Hash tiles: level L, index N, data = width x 32-byte hashes (width 1..256). A partial tile
-- is rewritten as it grows; readers use only the first `width` hashes they need, so old-size
-- proofs come from the latest version. Rows may only grow (see the trigger).
create table tlog_tiles (
  level smallint not null check (level between 0 and 63),
  idx   bigint   not null check (idx >= 0),
  data  bytea    not null check (length(data) between 32 and 8192 and length(data) % 32 = 0),
  primary key (level, idx)
);

-- Every checkpoint the log signed: the note verbatim and its size and root for queries.
-- The log never signs two different checkpoints of one size (primary key).
create table tlog_checkpoints (
  size      bigint primary key check (size >= 0),
  root      bytea not null check (length(root) = 32),
  note      text not null,
  signed_at timestamptz not null
);

create function tlog_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only (% rejected)', tg_table_name, tg_op using errcode = 'P0001';
end $$;
create trigger tlog_checkpoints_no_update before update or delete on tlog_checkpoints
  for each row execute function tlog_append_only();
create trigger tlog_checkpoints_no_truncate before truncate on tlog_checkpoints
  for each statement execute function tlog_append_only();

-- A tile may only be extended: same coordinates, old data a prefix of the new data.
create function tlog_tile_extend_only() returns trigger language plpgsql as $$
begin
  if new.level <> old.level or new.idx <> old.idx or length(new.data) < length(old.data)
     or substring(new.data from 1 for length(old.data)) <> old.data then
    raise exception 'tlog_tiles rows may only grow (tile %/%)', old.level, old.idx using errcode = 'P0001';
  end if;
  return new;
end $$;
create trigger tlog_tiles_extend_only before update on tlog_tiles
  for each row execute function tlog_tile_extend_only();
create trigger tlog_tiles_no_delete before delete on tlog_tiles
  for each row execute function tlog_append_only();
create trigger tlog_tiles_no_truncate before truncate on tlog_tiles
  for each statement execute function tlog_append_only();
