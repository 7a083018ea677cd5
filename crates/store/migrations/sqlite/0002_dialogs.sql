-- Dialogs (api.md §2, §4). The aggregate is one JSON document, read and written whole in one
-- transaction per command; the columns beside it are copies of the fields that searches filter
-- and sort on (api.md §3), each with the index that keeps its filter an index scan.

create table dialog (
    seq                  integer primary key,      -- stable rowid, the free-text index key
    id                   text not null unique,     -- lower-case UUID
    version              integer not null,         -- bumped on every write (compare-and-swap)
    org                  text not null,
    service_resource     text not null,            -- urn:altinn:resource:<id>
    party                text not null,            -- lower case
    idempotent_key       text,
    status               text not null,
    extended_status      text,
    external_reference   text,
    process              text,
    created_at           integer not null,         -- unix microseconds, UTC
    updated_at           integer not null,
    content_updated_at   integer not null,
    due_at               integer,
    visible_from         integer,
    expires_at           integer,
    deleted_at           integer,
    is_api_only          integer not null,
    is_content_seen      integer not null,
    end_user_context_revision text not null,
    document             text not null
);
-- Idempotent keys are unique per service owner (api.md §4.2).
create unique index dialog_org_idempotent_key on dialog (org, idempotent_key) where idempotent_key is not null;
-- Service-owner search: always by org, default order contentUpdatedAt desc, id desc (api.md §3.3);
-- one index per sort key so every order is a walk of an index.
create index dialog_org_content_updated on dialog (org, content_updated_at, id);
create index dialog_org_updated on dialog (org, updated_at, id);
create index dialog_org_created on dialog (org, created_at, id);
create index dialog_org_due on dialog (org, due_at, id);
-- Party and service-resource filters (service owner and end user, api.md §3.1–3.2).
create index dialog_party_content_updated on dialog (party, content_updated_at, id);
create index dialog_resource_content_updated on dialog (service_resource, content_updated_at, id);
-- Exact-match filters.
create index dialog_org_external_reference on dialog (org, external_reference) where external_reference is not null;
create index dialog_org_process on dialog (org, process) where process is not null;

-- Ids of child entities (attachments, actions, transmissions, activities): unique store-wide
-- like DP's primary keys, so a re-used id is a 422 (api.md §4.2).
create table dialog_child (
    id        text primary key,
    dialog_id text not null references dialog (id) on delete cascade,
    kind      text not null
) without rowid;
create index dialog_child_dialog on dialog_child (dialog_id);

-- System labels (api.md §4.8): the `systemLabel` search filter.
create table dialog_system_label (
    dialog_id text not null references dialog (id) on delete cascade,
    label     text not null,
    primary key (dialog_id, label)
) without rowid;
create index dialog_system_label_label on dialog_system_label (label, dialog_id);

-- Service-owner labels (api.md §4.8), lower case: `serviceOwnerLabels` filter (exact or prefix*).
create table dialog_service_owner_label (
    dialog_id text not null references dialog (id) on delete cascade,
    label     text not null,
    primary key (dialog_id, label)
) without rowid;
create index dialog_service_owner_label_label on dialog_service_owner_label (label, dialog_id);

-- Free-text search (api.md §3.4): one row per dialog, rowid = dialog.seq.
create virtual table dialog_search using fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
