-- audit_pending is append-only like audit_log (issue 10 item 5), owner: audit. An acknowledged
-- access record may leave the queue only by being integrated: the integrator writes its
-- audit_log row with the pending id first, and a row may be deleted only while such a row
-- exists. Updates and TRUNCATE are always refused. docs/design/audit.md "The pending queue".
alter table audit_log add column pending_id bigint;
create unique index audit_log_pending on audit_log (pending_id) where pending_id is not null;

create function audit_pending_integrated_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and exists (select 1 from audit_log where pending_id = old.id) then
    return old;
  end if;
  raise exception 'audit_pending is append-only until integrated (% of record % rejected)', tg_op, old.id using errcode = 'P0001';
end $$;
create trigger audit_pending_no_update before update or delete on audit_pending
  for each row execute function audit_pending_integrated_only();
create trigger audit_pending_no_truncate before truncate on audit_pending
  for each statement execute function tlog_append_only();
