-- The registry (authz.md §6.1, first part): service owners, service resources with their rules,
-- parties and role assignments. Language maps and string lists are JSON text: they are read
-- whole with their row and never filtered on.

create table service_owner (
    org_code    text primary key,
    org_number  text not null,
    name_json   text not null,
    constraint service_owner_org_number_unique unique (org_number)
);

create table service_resource (
    identifier                   text primary key,  -- without urn:altinn:resource:, lower case
    resource_type                text not null,
    owner_org_code               text not null references service_owner (org_code) on delete cascade,
    title_json                   text not null,
    minimum_authentication_level integer not null
);
-- Owned resources of a service owner (authz.md §2.2).
create index service_resource_owner on service_resource (owner_org_code);

create table resource_rule (
    resource_identifier      text not null references service_resource (identifier) on delete cascade,
    position                 integer not null,
    subjects_json            text not null,
    actions_json             text not null,
    resource_attributes_json text not null,
    primary key (resource_identifier, position)
);

create table party (
    identifier        text primary key,  -- urn:altinn:person:… or urn:altinn:organization:…
    name              text not null,
    parent_identifier text references party (identifier) on delete set null
);
create index party_parent on party (parent_identifier);

create table role_assignment (
    from_party text not null references party (identifier) on delete cascade,
    to_party   text not null references party (identifier) on delete cascade,
    role_code  text not null,
    primary key (from_party, to_party, role_code)
);
-- The parties a subject holds roles on (authorized parties, authz.md §6.2).
create index role_assignment_to on role_assignment (to_party);
