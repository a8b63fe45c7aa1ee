-- Witness cosignatures of the log's checkpoints (issue 10 item 2), owner: audit. Each row is one
-- C2SP tlog-cosignature line a configured witness returned for the checkpoint of `size`; the
-- checkpoint served at /v1/log/checkpoint is the log's note plus these lines. Append-only like
-- the checkpoints. docs/design/tlog.md (Witnesses).
create table tlog_cosignatures (
  size        bigint not null references tlog_checkpoints (size),
  witness     text   not null,
  key_hash    bigint not null check (key_hash between 0 and 4294967295),
  line        text   not null,
  received_at timestamptz not null,
  primary key (size, witness, key_hash)
);
create trigger tlog_cosignatures_no_update before update or delete on tlog_cosignatures
  for each row execute function tlog_append_only();
create trigger tlog_cosignatures_no_truncate before truncate on tlog_cosignatures
  for each statement execute function tlog_append_only();
