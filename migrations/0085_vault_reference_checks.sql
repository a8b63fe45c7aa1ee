-- Vault references checked per statement (issue 12, import throughput): customer_fields and
-- blind_indexes referenced customers through per-row foreign keys, one index lookup and row lock
-- per inserted row (40-47 % of a bulk import's insert time). Each INSERT, UPDATE or COPY on them
-- now checks all its rows at once against customers (a statement-level trigger over the
-- transition table; same SQLSTATE 23503, foreign_key_violation), and a customers row can no
-- longer be deleted, truncated or change its id (erasure is a tombstone, customers.erased_at),
-- so a reference that was checked cannot dangle later.
alter table customer_fields drop constraint customer_fields_customer_id_fkey;
alter table blind_indexes drop constraint blind_indexes_customer_id_fkey;

-- Nested loops only: one primary-key probe per new row, never a scan of customers.
create function vault_rows_reference_customers() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  if exists (select 1 from vault_new_rows n where not exists (select 1 from customers c where c.id = n.customer_id)) then
    raise exception 'insert or update on table "%" references no customer', tg_table_name using errcode = '23503';
  end if;
  return null;
end $$;
create trigger customer_fields_reference_ins after insert on customer_fields
  referencing new table as vault_new_rows for each statement execute function vault_rows_reference_customers();
create trigger customer_fields_reference_upd after update on customer_fields
  referencing new table as vault_new_rows for each statement execute function vault_rows_reference_customers();
create trigger blind_indexes_reference_ins after insert on blind_indexes
  referencing new table as vault_new_rows for each statement execute function vault_rows_reference_customers();
create trigger blind_indexes_reference_upd after update on blind_indexes
  referencing new table as vault_new_rows for each statement execute function vault_rows_reference_customers();

create function customers_are_kept() returns trigger language plpgsql as $$
begin
  raise exception 'customers rows are kept (erasure is a tombstone): % rejected', tg_op using errcode = '23503';
end $$;
create trigger customers_no_delete before delete on customers
  for each row execute function customers_are_kept();
create trigger customers_no_truncate before truncate on customers
  for each statement execute function customers_are_kept();
create trigger customers_keep_id before update of id on customers
  for each row when (old.id is distinct from new.id) execute function customers_are_kept();
