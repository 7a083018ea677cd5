-- Short-lived state of the embedded identity providers that every instance must see, so each
-- step of a login may reach a different instance (issue 13 item 3): ID-porten's authorization
-- requests, pushed requests, browser sessions, authorization codes, used client-assertion
-- `jti`s, and its consents and refresh-token families and the OAuth client list as documents.
-- `version` moves on every write, for compare-and-swap updates.
create table shared_entry (
    kind       text not null,
    key        text not null,
    value      text not null,
    expires_at bigint not null,     -- unix seconds; i64::MAX for documents
    version    bigint not null,
    primary key (kind, key)
);
create index shared_entry_expires on shared_entry (expires_at);
