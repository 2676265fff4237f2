//! Shared by the test binaries: the ledger as text, to show that a refused
//! request changed nothing. Written for SQLite and PostgreSQL alike.

/// Every row of `tables` (name, comma-separated columns) as
/// `table: 'a', 'b'`, sorted, so two snapshots compare with `==`. (On
/// PostgreSQL, test databases have a `quote()` like SQLite's.)
pub async fn rows(pool: &sqlx::AnyPool, tables: &[(&str, &str)]) -> Vec<String> {
    let mut rows = Vec::new();
    for (table, columns) in tables {
        let sql = format!(
            "SELECT '{table}: ' || quote({}) AS row FROM {table} ORDER BY 1",
            columns.replace(", ", ") || ', ' || quote(")
        );
        let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .expect("reads the ledger");
        rows.extend(found);
    }
    rows
}

/// Whether `pool` is a PostgreSQL database.
#[allow(dead_code, reason = "not every test binary needs it")]
pub fn is_postgres(pool: &sqlx::AnyPool) -> bool {
    pool.connect_options()
        .database_url
        .scheme()
        .starts_with("postgres")
}

/// Every row of every table in the database (migrations' bookkeeping
/// aside), as `table: a, b, ...`, sorted: what a refused request must
/// leave exactly as it was, whichever table it might have touched.
#[allow(dead_code, reason = "not every test binary needs the whole database")]
pub async fn everything(pool: &sqlx::AnyPool) -> Vec<String> {
    let (list_tables, list_columns) = match is_postgres(pool) {
        true => (
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY 1",
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        ),
        false => (
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
            "SELECT name FROM pragma_table_info($1)",
        ),
    };
    let tables: Vec<String> = sqlx::query_scalar(list_tables)
        .fetch_all(pool)
        .await
        .expect("lists the tables");
    assert!(tables.len() > 5, "the schema is there: {tables:?}");
    let mut all = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(list_columns)
            .bind(&table)
            .fetch_all(pool)
            .await
            .expect("lists the columns");
        // Full-text bookkeeping (SQLite's FTS5 shadow tables, PostgreSQL's
        // generated tsvector) follows the rows it indexes.
        let columns: Vec<String> = columns.into_iter().filter(|c| c != "search").collect();
        if columns.is_empty() || table.starts_with("resources_fts") {
            continue;
        }
        let columns = columns.join(", ");
        all.extend(rows(pool, &[(table.as_str(), columns.as_str())]).await);
    }
    all
}
