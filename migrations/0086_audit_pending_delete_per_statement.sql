-- audit_pending checked per statement (issue 13, integrator throughput). 0010 checked each
-- deleted row with a PL/pgSQL call and an audit_log lookup: about 10 µs a row, a tenth of an
-- integrator batch. The rule is unchanged: a record may leave the queue only once an audit_log
-- row carries its id, updates and TRUNCATE are always refused. A DELETE is now checked once, over
-- all the rows it removed (a statement-level trigger on the transition table); if any of them
-- is not integrated the statement fails and removes nothing. Same SQLSTATE (P0001) and message.
drop trigger audit_pending_no_update on audit_pending;
drop function audit_pending_integrated_only();

create function audit_pending_update_refused() returns trigger language plpgsql as $$
begin
  raise exception 'audit_pending is append-only until integrated (% rejected)', tg_op using errcode = 'P0001';
end $$;
create trigger audit_pending_no_update before update on audit_pending
  for each statement execute function audit_pending_update_refused();

-- Nested loops only: one probe of audit_log_pending per deleted row, never a scan of audit_log.
create function audit_pending_integrated_only() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  stray bigint;
begin
  select o.id into stray from audit_pending_deleted o
    where not exists (select 1 from audit_log l where l.pending_id = o.id) limit 1;
  if found then
    raise exception 'audit_pending is append-only until integrated (DELETE of record % rejected)', stray using errcode = 'P0001';
  end if;
  return null;
end $$;
create trigger audit_pending_delete_integrated after delete on audit_pending
  referencing old table as audit_pending_deleted
  for each statement execute function audit_pending_integrated_only();
