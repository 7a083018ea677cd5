-- API scope delegations (auth.md §2.5): a consumer organisation delegates Maskinporten scopes to
-- a supplier, whose client may then ask for them with `consumer_org`. Organisation numbers, not
-- parties: Maskinporten consumers need not be listed parties.

create table api_scope_delegation (
    position    integer primary key,
    from_org    text not null,
    to_org      text not null,
    scopes_json text not null,
    unique (from_org, to_org)
);
