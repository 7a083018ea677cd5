-- What several instances share beyond dialogs and the registry (issue 13 item 3).

-- Signing keys of the embedded issuers and of dialog tokens, by name, so a token one instance
-- signs verifies on every other, and `keys rotate` rotates once for all.
create table secret (
    name       text primary key,
    value      bytea not null,
    updated_at timestamptz not null default now()
);

-- Single-use markers (Maskinporten's replay cache: client + jti), each until its grant expires.
-- Keys are bytes: they may hold any character (a NUL separates client and jti).
create table single_use (
    key   bytea primary key,
    until bigint not null     -- unix seconds
);
create index single_use_until on single_use (until);
