-- Dialogs on PostgreSQL (api.md §2, §4): the aggregate is one JSON document read and written
-- whole in one transaction per command, beside indexed copies of the fields that searches
-- filter and sort on (api.md §3). Times are unix microseconds (UTC), as in the SQLite store,
-- so both backends order and page identically.

-- GIN indexes over (party, search_vector) need btree operator classes for text (api.md §3.4).
create extension if not exists btree_gin;

create table dialog (
    id                        uuid primary key,
    version                   bigint not null,      -- bumped on every write (compare-and-swap)
    org                       text not null,
    service_resource          text not null,        -- urn:altinn:resource:<id>, lower case
    party                     text not null,        -- lower case
    idempotent_key            text,
    status                    text not null,
    extended_status           text,
    external_reference        text,
    process                   text,
    created_at                bigint not null,
    updated_at                bigint not null,
    content_updated_at        bigint not null,
    due_at                    bigint,
    -- dueAt as a sort key: a missing date sorts after every date (PostgreSQL's NULLS LAST),
    -- as a plain value so a keyset row comparison stays total and indexable.
    due_sort                  bigint generated always as (coalesce(due_at, 9223372036854775807)) stored,
    visible_from              bigint,
    expires_at                bigint,
    deleted_at                bigint,
    is_api_only               boolean not null,
    is_content_seen           boolean not null,
    end_user_context_revision uuid not null,
    document                  text not null
);
-- Idempotent keys are unique per service owner (api.md §4.2).
create unique index dialog_org_idempotent_key on dialog (org, idempotent_key) where idempotent_key is not null;
-- Service-owner search: always by org; one index per sort key so every order is an index walk.
create index dialog_org_content_updated on dialog (org, content_updated_at, id);
create index dialog_org_updated on dialog (org, updated_at, id);
create index dialog_org_created on dialog (org, created_at, id);
create index dialog_org_due on dialog (org, due_sort, id);
-- Party and service-resource filters (service owner and end user, api.md §3.1–3.2).
create index dialog_party_content_updated on dialog (party, content_updated_at, id);
create index dialog_resource_content_updated on dialog (service_resource, content_updated_at, id);
create index dialog_party_resource on dialog (party, service_resource);
-- Exact-match filters.
create index dialog_org_external_reference on dialog (org, external_reference) where external_reference is not null;
create index dialog_org_process on dialog (org, process) where process is not null;

-- Ids of child entities: unique store-wide like DP's primary keys (a re-used id is a 422).
create table dialog_child (
    id        uuid primary key,
    dialog_id uuid not null references dialog (id) on delete cascade,
    kind      text not null
);
create index dialog_child_dialog on dialog_child (dialog_id);

create table dialog_system_label (
    dialog_id uuid not null references dialog (id) on delete cascade,
    label     text not null,
    primary key (dialog_id, label)
);
create index dialog_system_label_label on dialog_system_label (label, dialog_id);

create table dialog_service_owner_label (
    dialog_id uuid not null references dialog (id) on delete cascade,
    label     text not null,
    primary key (dialog_id, label)
);
-- In the C collation: the prefix filter (`label*`) is an index range whatever the database's
-- collation.
create index dialog_service_owner_label_label on dialog_service_owner_label (label collate "C", dialog_id);

-- Free text as the real service keeps it (api.md §3.4, its `search."DialogSearch"`): one
-- weighted tsvector per dialog with a GIN index on (party, vector). Unlike the real service,
-- which rebuilds it asynchronously, it is written in the same transaction as the dialog.
create table dialog_search (
    dialog_id     uuid primary key references dialog (id) on delete cascade,
    party         text not null,
    search_vector tsvector not null
);
create index dialog_search_party_vector on dialog_search using gin (party, search_vector);

-- The registry (authz.md §6.1) as one validated document, replaced whole, with a revision that
-- moves on every change so every instance reloads it on its next request.
create table registry (
    id       integer primary key check (id = 1),
    revision bigint not null,
    document text
);
insert into registry (id, revision, document) values (1, 0, null);
