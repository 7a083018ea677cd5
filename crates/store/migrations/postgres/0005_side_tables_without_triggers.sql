-- The side tables (child ids, labels, free-text vectors) lose their foreign keys to `dialog`.
-- Each key ran a referential-integrity trigger per inserted row (a lookup of `dialog` by id):
-- a typical create writes about ten side rows, and those lookups cost about a quarter of the
-- database's work per create (measured with `bench/run --store postgres`, BENCHMARKS.md). The
-- store writes and deletes side rows only in the same transaction as their dialog row
-- (`postgres/dialogs.rs`, `purge_dialog`), which is what the keys guarded.
alter table dialog_child drop constraint if exists dialog_child_dialog_id_fkey;
alter table dialog_system_label drop constraint if exists dialog_system_label_dialog_id_fkey;
alter table dialog_service_owner_label drop constraint if exists dialog_service_owner_label_dialog_id_fkey;
alter table dialog_search drop constraint if exists dialog_search_dialog_id_fkey;
