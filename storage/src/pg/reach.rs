//! Goals and reach on PostgreSQL: the shared implementation (`crate::reach`).

reach_store!(super::PgStore, super::community);
