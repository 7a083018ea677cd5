-- The registry, second part (authz.md §6.1): system users, access packages, resource and
-- instance delegations, and a revision that moves with every registry change so a running
-- server sees grants and revocations on its next request.

create table system_user (
    urn               text primary key,   -- urn:altinn:systemuser:uuid:<id>
    owner_party       text not null references party (identifier) on delete cascade,
    system_id         text not null,
    vendor_org_number text not null,
    name              text not null
);

create table package_assignment (
    position     integer primary key,
    from_party   text not null references party (identifier) on delete cascade,
    to_subject   text not null,           -- a party or a system user
    package_code text not null
);
create index package_assignment_to on package_assignment (to_subject);

create table resource_delegation (
    position     integer primary key,
    from_party   text not null references party (identifier) on delete cascade,
    to_subject   text not null,
    resource     text not null,
    actions_json text                     -- null: every action of the resource's rules
);
create index resource_delegation_to on resource_delegation (to_subject);

create table instance_delegation (
    position     integer primary key,
    from_party   text not null references party (identifier) on delete cascade,
    to_subject   text not null,
    resource     text not null,
    instance_ref text not null,
    actions_json text
);
create index instance_delegation_to on instance_delegation (to_subject);

create table registry_meta (
    id       integer primary key check (id = 1),
    revision integer not null
);
insert into registry_meta (id, revision) values (1, 0);
